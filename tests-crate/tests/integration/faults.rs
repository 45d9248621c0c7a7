//! Faults: a server that dies mid-upload and comes back, a node of a
//! cluster that dies for good, every endpoint dead, and a network that
//! delays, resets and swallows packets.
//!
//! The faults are made by a loopback proxy (`proxy.rs`) in front of the
//! test server: the embedded server, or the real Qdrant at `QDRANT_URL`.
//! With `QDRANT_SERVER_DIR` (the folder of `qdrant-server`, holding
//! `node-I/pid`) the real processes are killed too: one node, restarted,
//! and with `QDRANT_CLUSTER_URLS` (the URLs of a replicated cluster, comma
//! separated) one node of the cluster, for good.

use std::collections::HashSet;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use qdrant_async::{Client, Distance, Point, PointId, RetryPolicy, UploadSummary, VectorParams};
use qdrant_async::{ErrorKind, UploadFailure};

use crate::common::Ctx;
use crate::nodes::Node;
use crate::proxy::{Mode, Proxy};

const DIM: usize = 16;

fn vector(i: u64) -> Vec<f32> {
    (0..DIM).map(|d| ((i as usize + d) % 13) as f32 + 1.0).collect()
}

fn point(i: u64) -> Point {
    Point::new(i, vector(i))
}

/// `host:port` of an `http://host:port` URL.
fn socket_addr(url: &str) -> anyhow::Result<SocketAddr> {
    let rest = url.strip_prefix("http://").unwrap_or(url).trim_end_matches('/');
    Ok(rest.parse()?)
}

/// What a client sees of a server process killed: its connections reset,
/// then new ones refused.
async fn kill(proxy: &Proxy) {
    proxy.set_mode(Mode::Reset).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    proxy.set_mode(Mode::Refuse).await;
}

async fn create(client: &Client, name: &str) -> anyhow::Result<()> {
    client
        .create_collection(name, VectorParams::new(DIM as u64, Distance::Dot))
        .await?;
    Ok(())
}

/// The exact count, once the server has applied everything (uploads do
/// not wait for each batch to be applied).
async fn settled_count(client: &Client, name: &str, expected: u64) -> anyhow::Result<u64> {
    let mut count = 0;
    for _ in 0..100 {
        count = client.count(name).exact(true).await?;
        if count == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(count)
}

/// Uploads points `0..n` (batches of 256, 4 in flight) and runs `fault`
/// once a quarter of them is written.
async fn upload_with_fault(
    client: &Client,
    name: &str,
    n: u64,
    fault: impl Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<UploadSummary> {
    let written = Arc::new(AtomicU64::new(0));
    let seen = written.clone();
    let upload = client
        .upload_points(name, (0..n).map(point))
        .batch_size(256)
        .parallel(4)
        .on_progress(move |p| seen.store(p.points, Ordering::Relaxed));
    let fault = async {
        while written.load(Ordering::Relaxed) < n / 4 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        fault.await
    };
    let (summary, fault) = tokio::join!(upload.into_future(), fault);
    fault?;
    Ok(summary?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_lost_mid_upload_and_back_after_300ms_loses_nothing() -> anyhow::Result<()> {
    let ctx = Ctx::new("fault_restart").await?;
    create(&ctx.client, &ctx.collection).await?;
    let proxy = Proxy::start(socket_addr(&ctx.url)?).await?;
    let client = Client::connect(proxy.url()).await?;
    const N: u64 = 20_000;
    // The server "dies": connections reset, new ones refused; back 300 ms
    // later.
    let fault = async {
        kill(&proxy).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        proxy.set_mode(Mode::PassThrough).await;
        Ok(())
    };
    let summary = upload_with_fault(&client, &ctx.collection, N, fault).await?;
    assert_eq!(summary.points, N, "{summary:?}");
    assert!(summary.retries > 0, "the fault was not seen: {summary:?}");
    assert_eq!(settled_count(&ctx.client, &ctx.collection, N).await?, N);
    ctx.cleanup().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_three_endpoints_dead_mid_upload_loses_nothing() -> anyhow::Result<()> {
    let ctx = Ctx::new("fault_node").await?;
    create(&ctx.client, &ctx.collection).await?;
    let server = socket_addr(&ctx.url)?;
    let proxies = [
        Proxy::start(server).await?,
        Proxy::start(server).await?,
        Proxy::start(server).await?,
    ];
    let client = Client::builder(proxies[0].url())
        .url(proxies[1].url())
        .url(proxies[2].url())
        .connect()
        .await?;
    const N: u64 = 20_000;
    // The second endpoint dies for good.
    let fault = async {
        kill(&proxies[1]).await;
        Ok(())
    };
    let summary = upload_with_fault(&client, &ctx.collection, N, fault).await?;
    assert_eq!(summary.points, N, "{summary:?}");
    assert_eq!(settled_count(&ctx.client, &ctx.collection, N).await?, N);
    // Once the dead endpoint is detected, idempotent calls stop failing.
    assert_eq!(client.urls_up(), [true, false, true]);
    for _ in 0..200 {
        client.count(&ctx.collection).await?;
    }
    assert_eq!(client.connections_per_url()[1], 0);
    // It comes back: the background check takes it into the rotation again.
    proxies[1].set_mode(Mode::PassThrough).await;
    let started = Instant::now();
    while client.urls_up() != [true, true, true] {
        assert!(started.elapsed() < Duration::from_secs(5), "not taken back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ctx.cleanup().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_endpoint_dead_calls_and_uploads_give_up_in_bounded_time() -> anyhow::Result<()> {
    let ctx = Ctx::new("fault_all_dead").await?;
    create(&ctx.client, &ctx.collection).await?;
    let server = socket_addr(&ctx.url)?;
    let proxies = [Proxy::start(server).await?, Proxy::start(server).await?];
    let client = Client::builder(proxies[0].url())
        .url(proxies[1].url())
        .connect()
        .await?;
    client.upsert(&ctx.collection, (0..10).map(point)).await?;
    for proxy in &proxies {
        kill(proxy).await;
    }

    // A plain call: its retries (3 attempts, 100 + 200 ms of backoff).
    let started = Instant::now();
    let err = client.count(&ctx.collection).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_retryable(), "{err}");
    let endpoint = err.endpoint().expect("names the endpoint").to_owned();
    assert!(proxies.iter().any(|p| p.url() == endpoint), "{err}");

    // An upload: no new batch once nothing answers, and an error naming
    // every id it could not confirm, within its patience.
    let started = Instant::now();
    let err = client
        .upload_points(&ctx.collection, (100..10_100).map(point))
        .batch_size(100)
        .parallel(4)
        .retry_for(Duration::from_secs(2))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let Some(UploadFailure {
        not_written,
        unknown,
        summary,
        ..
    }) = err.upload_failure().cloned()
    else {
        panic!("expected an upload error, got {err}")
    };
    assert_eq!(summary.points, 0);
    // Only the batches in flight were read: at most `parallel`.
    let unconfirmed = not_written.len() + unknown.len();
    assert!((100..=400).contains(&unconfirmed), "{unconfirmed}");
    // Refused connections never carried the request.
    assert!(unknown.is_empty(), "{unknown:?}");
    drop(proxies);
    ctx.cleanup().await
}

#[tokio::test]
async fn connect_succeeds_while_one_of_its_urls_is_dead() -> anyhow::Result<()> {
    let ctx = Ctx::new("fault_connect_one_dead").await?;
    let proxy = Proxy::start(socket_addr(&ctx.url)?).await?;
    proxy.set_mode(Mode::Refuse).await;
    let client = Client::builder(proxy.url()).url(&ctx.url).connect().await?;
    assert_eq!(client.urls_up(), [false, true]);
    for _ in 0..20 {
        client.health_check().await?;
    }
    proxy.set_mode(Mode::PassThrough).await;
    let started = Instant::now();
    while client.urls_up() != [true, true] {
        assert!(started.elapsed() < Duration::from_secs(5), "not taken back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(proxy);
    ctx.cleanup().await
}

#[tokio::test]
async fn a_blackholed_server_costs_a_call_its_deadline_and_connect_its_timeout() -> anyhow::Result<()> {
    let ctx = Ctx::new("fault_blackhole").await?;
    create(&ctx.client, &ctx.collection).await?;
    let proxy = Proxy::start(socket_addr(&ctx.url)?).await?;
    let client = Client::connect(proxy.url()).await?;
    proxy.set_mode(Mode::Blackhole).await;

    let started = Instant::now();
    let err = client
        .count(&ctx.collection)
        .timeout(Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.endpoint(), Some(proxy.url().as_str()), "{err}");

    let started = Instant::now();
    let err = Client::builder(proxy.url())
        .connect_timeout(Duration::from_secs(1))
        .connect()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_connect(), "{err}");
    assert!(err.to_string().contains(&proxy.url()), "{err}");
    drop(proxy);
    ctx.cleanup().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delays_and_resets_are_survived() -> anyhow::Result<()> {
    let ctx = Ctx::new("fault_delay_reset").await?;
    create(&ctx.client, &ctx.collection).await?;
    ctx.client.upsert(&ctx.collection, (0..100).map(point)).await?;
    let proxy = Proxy::start(socket_addr(&ctx.url)?).await?;
    let client = Client::builder(proxy.url())
        .retry(RetryPolicy::new(5).base_backoff(Duration::from_millis(20)))
        .connect()
        .await?;

    proxy.set_mode(Mode::Delay(Duration::from_millis(30))).await;
    let calls = (0..200).map(|i| {
        let client = client.clone();
        let name = ctx.collection.clone();
        tokio::spawn(async move { client.query_points(&name, vector(i)).limit(5).await })
    });
    for call in calls.collect::<Vec<_>>() {
        assert_eq!(call.await??.len(), 5);
    }

    // Resets while calls are in flight: the reads are retried on a new
    // connection.
    proxy.set_mode(Mode::PassThrough).await;
    let calls: Vec<_> = (0..500)
        .map(|i| {
            let client = client.clone();
            let name = ctx.collection.clone();
            tokio::spawn(async move { client.query_points(&name, vector(i)).limit(5).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(5)).await;
    proxy.set_mode(Mode::Reset).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    proxy.set_mode(Mode::PassThrough).await;
    for call in calls {
        assert_eq!(call.await??.len(), 5);
    }
    drop(proxy);
    ctx.cleanup().await
}

#[tokio::test]
async fn an_upload_that_times_out_never_calls_a_point_not_written() -> anyhow::Result<()> {
    let ctx = Ctx::new("fault_upload_timeout").await?;
    create(&ctx.client, &ctx.collection).await?;
    let proxy = Proxy::start(socket_addr(&ctx.url)?).await?;
    let client = Client::connect(proxy.url()).await?;
    // Every answer arrives after the 1 ms deadline.
    proxy.set_mode(Mode::Delay(Duration::from_millis(20))).await;
    const N: u64 = 2_000;
    let result = client
        .upload_points(&ctx.collection, (0..N).map(point))
        .batch_size(500)
        .timeout(Duration::from_millis(1))
        .retry_for(Duration::from_millis(300))
        .await;
    let Some(UploadFailure {
        not_written,
        unknown,
        summary,
        ..
    }) = result.as_ref().err().and_then(|e| e.upload_failure()).cloned()
    else {
        panic!("expected an upload error, got {result:?}")
    };
    assert!(
        not_written.is_empty(),
        "sent, unanswered, yet called not written: {not_written:?}"
    );
    assert!(!unknown.is_empty());
    // The upload stopped reading after the first batch gave up.
    assert!(summary.points + unknown.len() as u64 <= N);
    // The unknown points were in fact written (the server got them).
    proxy.set_mode(Mode::PassThrough).await;
    let expected: HashSet<PointId> = unknown.iter().cloned().collect();
    let mut present = 0;
    for _ in 0..100 {
        present = ctx.client.retrieve(&ctx.collection, unknown.clone()).await?.len();
        if present == expected.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(present, expected.len());
    drop(proxy);
    ctx.cleanup().await
}

/// A real Qdrant process killed mid-upload with SIGKILL and started again
/// 300 ms later: nothing lost, nothing reported failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "kills a real Qdrant: .ci/run runs it with QDRANT_URL and QDRANT_SERVER_DIR set"]
async fn a_real_node_killed_mid_upload_and_restarted_loses_nothing() -> anyhow::Result<()> {
    let node = Node::from_env(0)?;
    let ctx = Ctx::new("fault_real_restart").await?;
    anyhow::ensure!(std::env::var("QDRANT_URL").is_ok(), "QDRANT_URL is not set");
    create(&ctx.client, &ctx.collection).await?;
    const N: u64 = 50_000;
    let fault = async {
        let launch = node.kill().await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        node.restart(&launch)
    };
    let summary = upload_with_fault(&ctx.client, &ctx.collection, N, fault).await?;
    assert_eq!(summary.points, N, "{summary:?}");
    assert!(summary.retries > 0, "the kill was not seen: {summary:?}");
    assert_eq!(settled_count(&ctx.client, &ctx.collection, N).await?, N);
    ctx.cleanup().await
}

/// One node of a real 3-node cluster (3 shards, 2 replicas each) killed
/// with SIGKILL mid-upload, for good: nothing lost, nothing reported
/// failed, and idempotent calls stop failing once it is detected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "kills a node of a real cluster: .ci/run runs it with QDRANT_CLUSTER_URLS and QDRANT_SERVER_DIR set"]
async fn a_real_cluster_node_killed_mid_upload_loses_nothing() -> anyhow::Result<()> {
    let _nodes = crate::common::NODES.write().await;
    let urls: Vec<String> = std::env::var("QDRANT_CLUSTER_URLS")
        .map_err(|_| anyhow::anyhow!("QDRANT_CLUSTER_URLS is not set"))?
        .split(',')
        .map(str::to_owned)
        .collect();
    anyhow::ensure!(urls.len() == 3, "three cluster URLs expected: {urls:?}");
    let victim = Node::from_env(2)?;
    let mut builder = Client::builder(&urls[0]);
    for url in &urls[1..] {
        builder = builder.url(url);
    }
    let client = builder.connect().await?;
    let name = format!(
        "fault_cluster_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    client
        .create_collection(&name, VectorParams::new(DIM as u64, Distance::Dot))
        .shard_number(3)
        .replication_factor(2)
        .await?;
    const N: u64 = 200_000;
    let started = Instant::now();
    let upload = client
        .upload_points(&name, (0..N).map(point))
        .batch_size(256)
        .parallel(4);
    let fault = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        victim.kill().await
    };
    let (summary, launch) = tokio::join!(upload.into_future(), fault);
    let launch = launch?;
    let summary = summary?;
    eprintln!(
        "cluster upload with a node killed: {summary:?} in {:?}",
        started.elapsed()
    );
    assert_eq!(summary.points, N, "{summary:?}");
    assert_eq!(settled_count(&client, &name, N).await?, N);
    assert_eq!(client.urls_up(), [true, true, false]);
    for _ in 0..100 {
        client.count(&name).await?;
    }
    client.delete_collection(&name).await?;
    victim.restart(&launch)?;
    Ok(())
}
