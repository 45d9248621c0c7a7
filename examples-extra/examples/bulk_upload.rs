//! A bulk upload of 100,000 generated points from an iterator, with an
//! indicatif progress bar fed by `on_progress`, and the summary at the end.
//!
//! `upload_points` reads the iterator lazily, sends batches (`batch_size`)
//! with several in flight (`parallel`), retries what fails for a while
//! (`retry_for`), and accounts for every point: on failure its error lists
//! the ids not written and those whose fate is unknown.
//!
//! `cargo run --release --example bulk_upload` runs it against the embedded
//! server; with `QDRANT_URL=http://localhost:6334` set, against that Qdrant.
//! `-- 1000000` uploads another number of points.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use qdrant_async::{Client, Distance, Point, VectorParams};
use serde_json::json;

const DIM: usize = 128;

/// A deterministic dataset: point `i` with a 128-dimensional vector and a
/// small payload, made on demand so that it never sits in memory whole.
fn dataset(points: u64) -> impl Iterator<Item = Point> {
    (0..points).map(|i| {
        let vector: Vec<f32> = (0..DIM)
            .map(|d| ((i as usize * 31 + d * 17) % 1000) as f32 / 1000.0)
            .collect();
        Point::new(i, vector).payload(json!({"n": i, "bucket": i % 16}))
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let points: u64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let (url, _server) = common::server().await?;
    let client = Client::connect(&url).await?;
    let collection = "bulk_upload_example";
    if client.collection_exists(collection).await? {
        client.delete_collection(collection).await?;
    }
    client
        .create_collection(collection, VectorParams::new(DIM as u64, Distance::Cosine))
        .await?;

    let bar = ProgressBar::new(points).with_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} points, {per_sec}, eta {eta}",
    )?);
    let progress = bar.clone();
    let summary = client
        .upload_points(collection, dataset(points))
        .batch_size(256)
        .parallel(4)
        .retry_for(Duration::from_secs(30))
        // Each batch returns once it is applied, so the count below sees
        // every point. Without it (the default, as in Python's client) a
        // batch returns once Qdrant has queued it: faster, and a count
        // right after the upload may still be short.
        .wait(true)
        // Called after each batch is written, with the running totals.
        .on_progress(move |p| progress.set_position(p.points))
        .await?;
    bar.finish();

    println!(
        "{} points in {} batches, {:.1} MiB, {} retries, {:.2?} ({:.0} points/s)",
        summary.points,
        summary.batches,
        summary.bytes as f64 / (1024.0 * 1024.0),
        summary.retries,
        summary.elapsed,
        summary.points as f64 / summary.elapsed.as_secs_f64()
    );
    let counted = client.count(collection).exact(true).await?;
    println!("the collection counts {counted} points");
    anyhow::ensure!(counted == points, "expected {points} points, found {counted}");
    client.delete_collection(collection).await?;
    Ok(())
}
