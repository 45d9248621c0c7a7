//! The official `qdrant-client` 1.20.0: `Qdrant::from_url(url).build()`
//! with its defaults (3 tonic channels used round-robin, a 5 s timeout on
//! every request), `upsert_points` with `UpsertPointsBuilder` and `query`
//! with `QueryPointsBuilder`.

use std::sync::Arc;

use qdrant_client::Qdrant;
use qdrant_client::qdrant::value::Kind;
use qdrant_client::qdrant::{
    PointStruct, Query, QueryPointsBuilder, UpsertPoints, UpsertPointsBuilder, point_id,
};

use super::{QueryOp, QueryPhases, Shared, check_hits, query_phases};
use crate::workload::{
    Measured, QUERY_COLLECTION, Sizes, TOP, UPSERT_COLLECTION, UPSERT_IN_FLIGHT, UpsertSplit, batch_ids,
    drive, measure_sync, payload_doc, payload_json, struct_payloads,
};

fn connect(url: &str) -> anyhow::Result<Arc<Qdrant>> {
    Ok(Arc::new(Qdrant::from_url(url).build()?))
}

/// Point `id` as the official client takes it. Its only route from a
/// `Serialize` type is through `serde_json::Value`.
fn point(data: &Shared, id: u64) -> anyhow::Result<PointStruct> {
    let json = if struct_payloads() {
        serde_json::to_value(payload_doc(id))?
    } else {
        payload_json(id)
    };
    let payload = qdrant_client::Payload::try_from(json)?;
    Ok(PointStruct::new(id, data.point_vector(id), payload))
}

async fn upsert_batch(client: &Qdrant, data: &Shared, b: u64, points: u64) -> anyhow::Result<()> {
    let mut batch = Vec::with_capacity(crate::workload::BATCH);
    for id in batch_ids(b, points) {
        batch.push(point(data, id)?);
    }
    client
        .upsert_points(UpsertPointsBuilder::new(UPSERT_COLLECTION, batch).wait(true))
        .await?;
    Ok(())
}

/// `upsert_points`, one call per batch, `UPSERT_IN_FLIGHT` calls in flight.
pub async fn upsert(url: &str, sizes: Sizes, data: Shared) -> anyhow::Result<Measured> {
    let client = connect(url)?;
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

/// `query(QueryPointsBuilder::new(..).query(..).limit(10).with_payload(true))`.
pub async fn queries(url: &str, sizes: Sizes, data: Shared) -> anyhow::Result<QueryPhases> {
    let client = connect(url)?;
    query_phases(sizes, move |q| {
        let (client, data) = (client.clone(), data.clone());
        async move { query_once(&client, &data, q).await }
    })
    .await
}

/// The same query, boxed, for the interleaved latency mode.
pub fn query_op(url: &str, data: Shared) -> anyhow::Result<QueryOp> {
    let client = connect(url)?;
    Ok(Arc::new(move |q| {
        let (client, data) = (client.clone(), data.clone());
        Box::pin(async move { query_once(&client, &data, q).await })
    }))
}

async fn query_once(client: &Qdrant, data: &Shared, q: u64) -> anyhow::Result<()> {
    let response = client
        .query(
            QueryPointsBuilder::new(QUERY_COLLECTION)
                .query(Query::new_nearest(data.query_vector(q).to_vec()))
                .limit(TOP)
                .with_payload(true),
        )
        .await?;
    let first = response.result.first();
    let id = first
        .and_then(|h| h.id.as_ref())
        .and_then(|id| match id.point_id_options {
            Some(point_id::PointIdOptions::Num(n)) => Some(n),
            _ => None,
        });
    let n = first.and_then(|h| h.payload.get("n")).and_then(|v| match v.kind {
        Some(Kind::IntegerValue(n)) => Some(n),
        _ => None,
    });
    check_hits(response.result.len(), id, n)
}

/// Building the points, then building and encoding them as `upsert_points`
/// does: the request from the builder, the clone it sends
/// (`request.clone()` in `upsert_points`), prost's encoding.
pub fn upsert_split(sizes: Sizes, data: &Shared) -> anyhow::Result<UpsertSplit> {
    use prost::Message;
    let points = |b| -> anyhow::Result<Vec<PointStruct>> {
        batch_ids(b, sizes.points).map(|id| point(data, id)).collect()
    };
    let mut result = Ok(());
    let build = measure_sync(sizes.points, || {
        for b in 0..sizes.batches() {
            match points(b) {
                Ok(batch) => drop(std::hint::black_box(batch)),
                Err(e) => result = Err(e),
            }
        }
    });
    let encode = measure_sync(sizes.points, || {
        for b in 0..sizes.batches() {
            match points(b) {
                Ok(batch) => {
                    let request: UpsertPoints = UpsertPointsBuilder::new(UPSERT_COLLECTION, batch)
                        .wait(true)
                        .into();
                    let sent = request.clone();
                    std::hint::black_box(sent.encode_to_vec());
                }
                Err(e) => result = Err(e),
            }
        }
    });
    result?;
    Ok(UpsertSplit { build, encode })
}
