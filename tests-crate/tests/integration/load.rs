//! Load on one shared `Client`: thousands of concurrent calls all succeed,
//! against the embedded server and against a real Qdrant (`QDRANT_URL`).

use std::sync::Arc;

use qdrant_async::{Client, Distance, Point, VectorParams};
use serde_json::json;

use crate::common::Ctx;

const CALLS: usize = 10_000;
const DIM: usize = 32;

fn vector(i: u64) -> Vec<f32> {
    (0..DIM)
        .map(|d| ((i as usize * 31 + d * 7) % 97) as f32 / 97.0)
        .collect()
}

async fn collection(ctx: &Ctx) -> anyhow::Result<()> {
    ctx.client
        .create_collection(&ctx.collection, VectorParams::new(DIM as u64, Distance::Cosine))
        .await?;
    let points = (0..500u64).map(|i| Point::new(i, vector(i)).payload(json!({"i": i})));
    ctx.client
        .upload_points(&ctx.collection, points)
        .batch_size(250)
        .wait(true)
        .await?;
    Ok(())
}

/// Runs `CALLS` calls at once on one client; every one must succeed, and
/// no connection may be torn down (the embedded server counts the
/// connections it accepted: no more than the pool's 4).
async fn all_at_once<F, Fut>(ctx: &Ctx, call: F) -> anyhow::Result<()>
where
    F: Fn(Client, u64) -> Fut,
    Fut: Future<Output = qdrant_async::Result<()>> + Send + 'static,
{
    let client = &ctx.client;
    let tasks: Vec<_> = (0..CALLS as u64)
        .map(|i| tokio::spawn(call(client.clone(), i)))
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(e) = task.await? {
            failures.push(e.to_string());
        }
    }
    let connections = client.connections_per_url();
    assert!(
        failures.is_empty(),
        "{} of {CALLS} calls failed (connections {connections:?}); first: {}",
        failures.len(),
        failures[0]
    );
    if let Some(server) = ctx.embedded() {
        assert!(
            server.connections_served() <= 4,
            "{} connections for a pool of at most 4: some were torn down",
            server.connections_served()
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_queries_all_succeed() -> anyhow::Result<()> {
    let ctx = Ctx::new("load_queries").await?;
    collection(&ctx).await?;
    let name: Arc<str> = ctx.collection.as_str().into();
    all_at_once(&ctx, |client, i| {
        let name = name.clone();
        async move {
            let hits = client.query_points(&*name, vector(i)).limit(10).await?;
            assert_eq!(hits.len(), 10);
            Ok(())
        }
    })
    .await?;
    ctx.cleanup().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_small_upserts_all_land() -> anyhow::Result<()> {
    let ctx = Ctx::new("load_upserts").await?;
    collection(&ctx).await?;
    let name: Arc<str> = ctx.collection.as_str().into();
    all_at_once(&ctx, |client, i| {
        let name = name.clone();
        async move {
            let id = 1_000 + i;
            client
                .upsert(&*name, [Point::new(id, vector(id)).payload(json!({"i": id}))])
                .wait(false)
                .await?;
            Ok(())
        }
    })
    .await?;
    let expected = 500 + CALLS as u64;
    let mut count = 0;
    for _ in 0..100 {
        count = ctx.client.count(&ctx.collection).exact(true).await?;
        if count == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(count, expected);
    ctx.cleanup().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_mixed_calls_all_succeed() -> anyhow::Result<()> {
    let ctx = Ctx::new("load_mixed").await?;
    collection(&ctx).await?;
    let name: Arc<str> = ctx.collection.as_str().into();
    all_at_once(&ctx, |client, i| {
        let name = name.clone();
        async move {
            if i % 2 == 0 {
                client.query_points(&*name, vector(i)).limit(10).await?;
            } else {
                client
                    .upsert(&*name, [Point::new(i % 500, vector(i))])
                    .wait(false)
                    .await?;
            }
            Ok(())
        }
    })
    .await?;
    ctx.cleanup().await
}
