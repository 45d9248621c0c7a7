//! qdrant-async, through its facade: `upsert`, `upload_points` and
//! `query_points`, on a client from `Client::connect` (default pool:
//! `pool_size` 1, up to 4 connections, 100 streams per connection, no
//! default deadline).

use std::sync::Arc;

use qdrant_async::{Client, Json, Point};

use super::{QueryOp, QueryPhases, Shared, check_hits, query_phases};
use crate::workload::{
    BATCH, Measured, QUERY_COLLECTION, Sizes, TOP, UPSERT_COLLECTION, UPSERT_IN_FLIGHT, UpsertSplit,
    batch_ids, drive, measure_one, measure_sync, payload_doc, payload_json, struct_payloads,
};

fn point(data: &Shared, id: u64) -> Point {
    let point = Point::new(id, data.point_vector(id));
    if struct_payloads() {
        point.payload(Json(payload_doc(id)))
    } else {
        point.payload(payload_json(id))
    }
}

async fn upsert_batch(client: &Client, data: &Shared, b: u64, points: u64) -> anyhow::Result<()> {
    let batch = batch_ids(b, points).map(|id| point(data, id));
    client.upsert(UPSERT_COLLECTION, batch).wait(true).await?;
    Ok(())
}

/// `upsert`, one call per batch, `UPSERT_IN_FLIGHT` calls in flight.
pub async fn upsert(url: &str, sizes: Sizes, data: Shared) -> anyhow::Result<Measured> {
    let client = Arc::new(Client::connect(url).await?);
    // Warm-up: the first batches, written again inside the window.
    let warm = (client.clone(), data.clone());
    drive(UPSERT_IN_FLIGHT, UPSERT_IN_FLIGHT as u64, move |b| {
        let (client, data) = warm.clone();
        async move { upsert_batch(&client, &data, b, sizes.points).await }
    })
    .await?;
    drive(UPSERT_IN_FLIGHT, sizes.batches(), move |b| {
        let (client, data) = (client.clone(), data.clone());
        async move { upsert_batch(&client, &data, b, sizes.points).await }
    })
    .await
}

/// `upload_points` with batches of `BATCH`, `UPSERT_IN_FLIGHT` in parallel.
pub async fn upload(url: &str, sizes: Sizes, data: Shared) -> anyhow::Result<Measured> {
    let client = Arc::new(Client::connect(url).await?);
    let upload = |client: Arc<Client>, data: Shared, points: u64| async move {
        let summary = client
            .upload_points(UPSERT_COLLECTION, (0..points).map(|id| point(&data, id)))
            .batch_size(BATCH)
            .parallel(UPSERT_IN_FLIGHT)
            .wait(true)
            .await?;
        anyhow::ensure!(
            summary.points == points,
            "uploaded {} of {points} points",
            summary.points
        );
        Ok(())
    };
    let warm_points = (UPSERT_IN_FLIGHT * BATCH) as u64;
    measure_one(0, upload(client.clone(), data.clone(), warm_points)).await?;
    measure_one(sizes.batches(), upload(client, data, sizes.points)).await
}

/// `query_points(..).limit(10).with_payload(true)`. With `read_all`, every
/// value of every hit's payload is read too (the other clients decode every
/// payload whatever the caller reads; qdrant-async reads a payload when it
/// is first used).
pub async fn queries(url: &str, sizes: Sizes, data: Shared, read_all: bool) -> anyhow::Result<QueryPhases> {
    let client = Arc::new(Client::connect(url).await?);
    query_phases(sizes, move |q| {
        let (client, data) = (client.clone(), data.clone());
        async move { query_once(&client, &data, q, read_all).await }
    })
    .await
}

/// The same query, boxed, for the interleaved latency mode.
pub async fn query_op(url: &str, data: Shared, read_all: bool) -> anyhow::Result<QueryOp> {
    let client = Arc::new(Client::connect(url).await?);
    Ok(Arc::new(move |q| {
        let (client, data) = (client.clone(), data.clone());
        Box::pin(async move { query_once(&client, &data, q, read_all).await })
    }))
}

async fn query_once(client: &Client, data: &Shared, q: u64, read_all: bool) -> anyhow::Result<()> {
    let hits = client
        .query_points(QUERY_COLLECTION, data.query_vector(q))
        .limit(TOP)
        .with_payload(true)
        .await?;
    if read_all {
        let values: usize = hits.iter().map(|h| h.payload.iter().count()).sum();
        anyhow::ensure!(
            values == 3 * hits.len(),
            "{values} payload values in {} hits",
            hits.len()
        );
    }
    let first = hits.first();
    check_hits(
        hits.len(),
        first.and_then(|h| h.id.as_u64()),
        first.and_then(|h| h.payload.get("n")).and_then(|n| n.as_i64()),
    )
}

/// Building the points, then building and encoding them as `upsert` does
/// (`qdrant_async::bench::encode_upsert`), one batch at a time.
pub fn upsert_split(sizes: Sizes, data: &Shared) -> anyhow::Result<UpsertSplit> {
    let build = measure_sync(sizes.points, || {
        for b in 0..sizes.batches() {
            let batch: Vec<Point> = batch_ids(b, sizes.points).map(|id| point(data, id)).collect();
            std::hint::black_box(batch);
        }
    });
    let mut result = Ok(());
    let encode = measure_sync(sizes.points, || {
        for b in 0..sizes.batches() {
            let batch: Vec<Point> = batch_ids(b, sizes.points).map(|id| point(data, id)).collect();
            match qdrant_async::bench::encode_upsert(UPSERT_COLLECTION, batch) {
                Ok(bytes) => drop(std::hint::black_box(bytes)),
                Err(e) => result = Err(e),
            }
        }
    });
    result?;
    Ok(UpsertSplit { build, encode })
}
