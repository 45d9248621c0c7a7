//! The transport: pool, deadlines, retries, message limits, bulk upload
//! and streams.
//!
//! These tests check the client's own machinery, so they run against an
//! embedded server of their own even when `QDRANT_URL` is set: they need to
//! count connections, read deadlines and inject failures on the server side.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt;
use qdrant_async::server::EmbeddedServer;
use qdrant_async::{Client, Condition, Distance, Filter, Point, PointId, RetryPolicy, VectorParams};
use qdrant_async::{ErrorKind, UploadFailure};
use serde_json::json;

async fn server_and_client(
    configure: impl FnOnce(qdrant_async::ClientBuilder) -> qdrant_async::ClientBuilder,
) -> anyhow::Result<(EmbeddedServer, Client)> {
    let server = EmbeddedServer::start().await?;
    let client = configure(Client::builder(server.url())).connect().await?;
    client
        .create_collection("t", VectorParams::new(4, Distance::Dot))
        .await?;
    Ok((server, client))
}

fn points(range: std::ops::Range<u64>) -> impl Iterator<Item = Point> {
    range.map(|i| Point::new(i, [i as f32, 1.0, 0.0, 0.5]))
}

#[tokio::test]
async fn the_pool_spreads_requests_over_all_connections() -> anyhow::Result<()> {
    let (server, client) = server_and_client(|b| b.pool_size(4)).await?;
    assert_eq!(server.connections_served(), 4);
    let calls = (0..64).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.count("t").await })
    });
    for call in calls {
        call.await??;
    }
    let per_connection = client.requests_per_connection();
    assert_eq!(per_connection.len(), 4);
    assert!(per_connection.iter().all(|&n| n >= 8), "{per_connection:?}");
    Ok(())
}

#[tokio::test]
async fn deadlines_reach_the_server() -> anyhow::Result<()> {
    let (server, client) = server_and_client(|b| b.timeout(Duration::from_secs(5))).await?;
    client.count("t").await?;
    let seen = server.last_request_timeout().expect("grpc-timeout sent");
    assert!(
        seen <= Duration::from_secs(5) && seen > Duration::from_secs(4),
        "{seen:?}"
    );
    client.count("t").timeout(Duration::from_millis(1500)).await?;
    let seen = server.last_request_timeout().expect("grpc-timeout sent");
    assert!(
        seen <= Duration::from_millis(1500) && seen > Duration::from_millis(1000),
        "{seen:?}"
    );
    Ok(())
}

#[tokio::test]
async fn an_expired_deadline_is_a_timeout_naming_the_rpc() -> anyhow::Result<()> {
    // A peer that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            sockets.push(socket);
        }
    });
    let client = Client::builder(url).retry(RetryPolicy::disabled()).build_lazy()?;
    let started = std::time::Instant::now();
    let err = client
        .count("t")
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(
        err.kind() == ErrorKind::Timeout && err.rpc() == Some("Points/Count"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("Points/Count") && err.to_string().contains("`t`"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    held.abort();
    Ok(())
}

#[tokio::test]
async fn retries_happen_only_for_idempotent_calls() -> anyhow::Result<()> {
    let policy = RetryPolicy::new(3).base_backoff(Duration::from_millis(5));
    let (server, client) = server_and_client(|b| b.retry(policy)).await?;

    // An upsert names its ids: retried through two failures.
    server.fail_next_requests(2);
    client.upsert("t", points(0..10)).await?;
    assert_eq!(server.pending_failures(), 0);
    assert_eq!(client.count("t").await?, 10);

    // A delete by filter is not idempotent: the first failure is returned.
    server.fail_next_requests(2);
    let err = client
        .delete("t", Filter::must([Condition::has_id([1u64])]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(qdrant_async::Code::Unavailable), "{err}");
    assert!(err.is_retryable());
    assert_eq!(server.pending_failures(), 1, "exactly one attempt");

    // A delete by ids is: retried.
    server.fail_next_requests(1);
    client.delete("t", [1, 2]).await?;
    assert_eq!(client.count("t").await?, 8);

    // Retries can be switched off.
    let no_retry = Client::builder(server.url())
        .retry(RetryPolicy::disabled())
        .connect()
        .await?;
    server.fail_next_requests(1);
    assert!(no_retry.count("t").await.is_err());
    Ok(())
}

#[tokio::test]
async fn an_upload_with_transient_failures_loses_nothing() -> anyhow::Result<()> {
    let (server, client) = server_and_client(|b| b).await?;
    client.upsert("t", points(100_000..100_010)).await?;
    let before = client.count("t").await?;
    server.fail_next_requests(3);
    let progress = Arc::new(AtomicU64::new(0));
    let seen = progress.clone();
    let summary = client
        .upload_points("t", points(0..1000))
        .batch_size(100)
        .parallel(4)
        .max_retries(5)
        .wait(true)
        .on_progress(move |p| seen.store(p.points, Ordering::Relaxed))
        .await?;
    assert_eq!(summary.points, 1000);
    assert_eq!(summary.batches, 10);
    assert_eq!(summary.retries, 3);
    assert_eq!(progress.load(Ordering::Relaxed), 1000);
    assert_eq!(client.count("t").await?, before + 1000);
    Ok(())
}

#[tokio::test]
async fn a_failed_upload_lists_the_ids_it_could_not_confirm() -> anyhow::Result<()> {
    let (server, client) = server_and_client(|b| b).await?;
    server.fail_next_requests(1);
    let err = client
        .upload_points("t", points(0..10))
        .batch_size(5)
        .max_retries(0)
        .wait(true)
        .await
        .unwrap_err();
    let Some(UploadFailure {
        not_written,
        unknown,
        summary,
        ..
    }) = err.upload_failure().cloned()
    else {
        panic!("expected an upload error, got {err:?}")
    };
    // UNAVAILABLE may come from a cluster that applied the write on some
    // replicas: the batch is unknown, never "not written".
    assert_eq!(unknown.len(), 5);
    assert!(not_written.is_empty(), "{not_written:?}");
    assert_eq!(summary.points, 5);
    let written = client.count("t").await?;
    assert_eq!(written, 5);
    // The failed ids are exactly the ones missing.
    let present = client.retrieve("t", unknown.clone()).await?;
    assert!(present.is_empty());
    Ok(())
}

#[tokio::test]
async fn upload_collection_numbers_points_from_zero() -> anyhow::Result<()> {
    let (_server, client) = server_and_client(|b| b).await?;
    let vectors = (0..50).map(|i| vec![i as f32, 0.0, 0.0, 1.0]);
    let payloads = (0..50).map(|i| qdrant_async::Payload::from([("i", i64::from(i))]));
    let summary = client
        .upload_collection("t", vectors, Some(payloads), None::<Vec<u64>>)
        .batch_size(16)
        .wait(true)
        .await?;
    assert_eq!(summary.points, 50);
    let got = client.retrieve("t", [49]).await?;
    assert_eq!(got[0].payload.get("i").and_then(|v| v.as_i64()), Some(49));
    Ok(())
}

#[tokio::test]
async fn a_stream_pages_through_ten_thousand_points_once_each() -> anyhow::Result<()> {
    let (_server, client) = server_and_client(|b| b).await?;
    client
        .upload_points("t", points(0..10_000))
        .batch_size(1000)
        .parallel(4)
        .wait(true)
        .await?;
    let records: Vec<_> = client.scroll("t").limit(333).stream().try_collect().await?;
    let mut ids: Vec<u64> = records.iter().filter_map(|r| r.id.as_u64()).collect();
    assert_eq!(ids.len(), 10_000);
    ids.dedup();
    assert_eq!(ids, (0..10_000).collect::<Vec<_>>());
    Ok(())
}

#[tokio::test]
async fn writes_above_the_message_limit_are_split_or_refused() -> anyhow::Result<()> {
    let (server, client) = server_and_client(|b| b.max_encoding_message_size(2_000)).await?;
    let before = server.requests_served();
    let err = client.upsert("t", points(0..100)).await.unwrap_err();
    assert!(
        err.kind() == qdrant_async::ErrorKind::InvalidArgument && err.argument() == Some("points"),
        "an upsert is not split unless asked: {err:?}"
    );
    assert_eq!(server.requests_served(), before, "nothing was sent");
    client.upsert("t", points(0..100)).split(true).await?;
    assert!(server.requests_served() - before > 1, "the upsert was split");
    assert_eq!(client.count("t").await?, 100);

    let big = "x".repeat(5_000);
    let err = client
        .set_payload("t", json!({"big": big}), [1])
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err:?}");
    assert!(msg.contains("2000") && msg.contains("Points/SetPayload"), "{msg}");
    Ok(())
}

#[tokio::test]
async fn responses_above_the_decode_limit_are_errors() -> anyhow::Result<()> {
    let server = EmbeddedServer::start().await?;
    let client = Client::builder(server.url())
        .max_decoding_message_size(1_000)
        .connect()
        .await?;
    client
        .create_collection("t", VectorParams::new(4, Distance::Dot))
        .await?;
    client
        .upsert(
            "t",
            points(0..100).map(|p| p.payload(json!({"pad": "y".repeat(100)}))),
        )
        .await?;
    let ids: Vec<PointId> = (0..100u64).map(PointId::from).collect();
    let err = client.retrieve("t", ids).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err:?}");
    Ok(())
}

#[tokio::test]
async fn the_client_lives_through_a_server_restart() -> anyhow::Result<()> {
    let policy = RetryPolicy::new(10)
        .base_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(200));
    let (server, client) = server_and_client(|b| b.pool_size(2).retry(policy)).await?;
    client.upsert("t", points(0..10)).await?;
    let addr = server.addr();
    server.shutdown().await;

    // While the server is down, calls fail with a retryable error.
    let down = Client::builder(format!("http://{addr}"))
        .retry(RetryPolicy::disabled())
        .build_lazy()?;
    let err = down.collection_exists("t").await.unwrap_err();
    assert!(err.is_retryable(), "{err}");

    // The same client, unchanged, reconnects once a server is back.
    let restarted = EmbeddedServer::start_on(addr).await?;
    assert!(
        !client.collection_exists("t").await?,
        "a restarted embedded server starts empty"
    );
    client
        .create_collection("t", VectorParams::new(4, Distance::Dot))
        .await?;
    client.upsert("t", points(0..10)).await?;
    assert_eq!(client.count("t").await?, 10);
    assert!(restarted.connections_served() >= 1);
    Ok(())
}

#[tokio::test]
async fn several_urls_share_the_load() -> anyhow::Result<()> {
    let (a, b) = (EmbeddedServer::start().await?, EmbeddedServer::start().await?);
    let client = Client::builder(a.url()).url(b.url()).connect().await?;
    let before = (a.requests_served(), b.requests_served());
    for _ in 0..20 {
        client.health_check().await?;
    }
    let served = (a.requests_served() - before.0, b.requests_served() - before.1);
    assert_eq!(served.0 + served.1, 20);
    assert!(served.0 >= 5 && served.1 >= 5, "{served:?}");
    assert_eq!(client.requests_per_connection().len(), 2);
    Ok(())
}

/// A Qdrant health service that answers `ResourceExhausted` with a
/// `retry-after` hint to the next `failures` calls, as Qdrant's rate
/// limiter does.
struct Throttled {
    failures: Arc<AtomicU64>,
    retry_after: &'static str,
}

#[tonic::async_trait]
impl qdrant_async::proto::qdrant_server::Qdrant for Throttled {
    async fn health_check(
        &self,
        _request: tonic::Request<qdrant_async::proto::HealthCheckRequest>,
    ) -> Result<tonic::Response<qdrant_async::proto::HealthCheckReply>, tonic::Status> {
        if self
            .failures
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
        {
            let mut status = tonic::Status::resource_exhausted("rate limit exceeded");
            status
                .metadata_mut()
                .insert("retry-after", self.retry_after.parse().expect("ascii"));
            return Err(status);
        }
        Ok(tonic::Response::new(qdrant_async::proto::HealthCheckReply {
            title: "throttled".into(),
            version: "1.19.0".into(),
            commit: None,
        }))
    }
}

async fn throttled_server(retry_after: &'static str) -> anyhow::Result<(String, Arc<AtomicU64>)> {
    let failures = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let service = qdrant_async::proto::qdrant_server::QdrantServer::new(Throttled {
        failures: failures.clone(),
        retry_after,
    });
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    Ok((url, failures))
}

#[tokio::test]
async fn resource_exhausted_waits_for_the_servers_retry_after() -> anyhow::Result<()> {
    let (url, failures) = throttled_server("1").await?;
    let client = Client::connect(&url).await?;

    // One refusal with "retry-after: 1": the retry comes a second later.
    failures.store(1, Ordering::Release);
    let started = std::time::Instant::now();
    client.health_check().await?;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");

    // Without retries, the hint reaches the caller.
    let once = Client::builder(&url)
        .retry(RetryPolicy::disabled())
        .connect()
        .await?;
    failures.store(1, Ordering::Release);
    let err = once.health_check().await.unwrap_err();
    assert_eq!(err.code(), Some(qdrant_async::Code::ResourceExhausted), "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    Ok(())
}

#[tokio::test]
async fn a_retry_after_above_30s_ends_the_retries_at_once() -> anyhow::Result<()> {
    let (url, failures) = throttled_server("120").await?;
    let client = Client::connect(&url).await?;
    failures.store(5, Ordering::Release);
    let started = std::time::Instant::now();
    let err = client.health_check().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)), "{err}");
    assert_eq!(failures.load(Ordering::Acquire), 4, "exactly one attempt");
    Ok(())
}
