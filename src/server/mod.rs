//! An embedded, in-memory, Qdrant-compatible gRPC server, for tests and
//! examples that need a Qdrant without installing one.
//!
//! It serves the same generated service traits as the client speaks, on
//! 127.0.0.1 at a free port, keeps collections and points in memory, and
//! searches exactly. It answers as a single-node Qdrant 1.19 without
//! distributed mode does: the same results, ordering and status codes. Its
//! health check says so: the title names this server, the version is the
//! Qdrant release it answers like.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! use qdrant_async::Client;
//! use qdrant_async::server::EmbeddedServer;
//!
//! let server = EmbeddedServer::start().await?;
//! let client = Client::connect(server.url()).await?;
//! // ... use the client ...
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod collections;
mod filter;
mod output;
mod points;
mod search;
mod snapshots;
mod store;
mod tls;
mod validate;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::oneshot;
use tonic::service::interceptor::InterceptedService;

use crate::proto;
use store::Store;

/// The Qdrant release the embedded server answers like, reported as its
/// version.
const VERSION: &str = "1.19.0";

/// The title of its health check: it is not Qdrant.
const TITLE: &str = "qdrant-async embedded server (answers like Qdrant 1.19.0)";

/// A running embedded server. Dropping it stops it.
#[derive(Debug)]
pub struct EmbeddedServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    stats: Arc<Stats>,
    /// Whether it serves over TLS (see [`EmbeddedServer::start_tls`]).
    tls: bool,
}

/// What the server has seen, for tests.
#[derive(Debug, Default)]
struct Stats {
    connections: AtomicUsize,
    requests: AtomicUsize,
    /// Requests still to refuse with UNAVAILABLE (fault injection).
    fail_next: AtomicUsize,
    last_timeout: Mutex<Option<Duration>>,
}

impl EmbeddedServer {
    /// Starts a server on 127.0.0.1 at a free port.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let server = qdrant_async::server::EmbeddedServer::start().await?;
    /// println!("{}", server.url());
    /// # Ok(()) }
    /// ```
    pub async fn start() -> std::io::Result<EmbeddedServer> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a server on `addr`: for instance the address of one that was
    /// shut down, to test how clients live through a restart. It starts
    /// empty.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// use qdrant_async::server::EmbeddedServer;
    ///
    /// let server = EmbeddedServer::start().await?;
    /// let addr = server.addr();
    /// server.shutdown().await;
    /// let again = EmbeddedServer::start_on(addr).await?;
    /// # Ok(()) }
    /// ```
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<EmbeddedServer> {
        Self::serve(addr, None).await
    }

    /// Serves on `addr`, over TLS when `tls` is given.
    async fn serve(
        addr: SocketAddr,
        tls: Option<tonic::transport::ServerTlsConfig>,
    ) -> std::io::Result<EmbeddedServer> {
        let is_tls = tls.is_some();
        let mut builder = tls::server_builder(tls)?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Stats::default());
        let store = Arc::new(Store::default());
        let (stop, stopped) = oneshot::channel::<()>();

        let counter = stats.clone();
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener).inspect(move |conn| {
            if let Ok(conn) = conn {
                counter.connections.fetch_add(1, Ordering::Relaxed);
                // Without it, a response written in more than one piece
                // waits for the client's delayed ACK: 40 ms a call.
                let _ = conn.set_nodelay(true);
            }
        });
        let seen = stats.clone();
        let interceptor = move |request: tonic::Request<()>| -> Result<tonic::Request<()>, tonic::Status> {
            let timeout = request
                .metadata()
                .get("grpc-timeout")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_grpc_timeout);
            if let Ok(mut last) = seen.last_timeout.lock() {
                *last = timeout;
            }
            seen.requests.fetch_add(1, Ordering::Relaxed);
            let inject = seen
                .fail_next
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok();
            if inject {
                return Err(tonic::Status::unavailable(
                    "injected failure: the server is unavailable",
                ));
            }
            Ok(request)
        };

        let qdrant = proto::qdrant_server::QdrantServer::new(HealthService);
        let collections =
            proto::collections_server::CollectionsServer::new(collections::CollectionsService {
                store: store.clone(),
            })
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX);
        let points = proto::points_server::PointsServer::new(points::PointsService { store: store.clone() })
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX);
        let snapshots = proto::snapshots_server::SnapshotsServer::new(snapshots::SnapshotsService { store })
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX);

        let router = builder
            .add_service(InterceptedService::new(qdrant, interceptor.clone()))
            .add_service(InterceptedService::new(collections, interceptor.clone()))
            .add_service(InterceptedService::new(points, interceptor.clone()))
            .add_service(InterceptedService::new(snapshots, interceptor));
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = router.serve_with_incoming_shutdown(incoming, shutdown).await {
                tracing::error!(error = %e, "embedded server stopped");
            }
        });
        Ok(EmbeddedServer {
            addr,
            stop: Some(stop),
            task: Some(task),
            stats,
            tls: is_tls,
        })
    }

    /// The URL to connect to, `http://127.0.0.1:PORT`, or
    /// `https://127.0.0.1:PORT` for a server started with
    /// [`start_tls`](Self::start_tls).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far.
    pub fn connections_served(&self) -> usize {
        self.stats.connections.load(Ordering::Relaxed)
    }

    /// Requests received so far (all services).
    pub fn requests_served(&self) -> usize {
        self.stats.requests.load(Ordering::Relaxed)
    }

    /// Makes the next `n` requests fail with `UNAVAILABLE`, as a restarting
    /// or overloaded server would: for testing retries.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let server = qdrant_async::server::EmbeddedServer::start().await?;
    /// server.fail_next_requests(2);
    /// # Ok(()) }
    /// ```
    pub fn fail_next_requests(&self, n: usize) {
        self.stats.fail_next.store(n, Ordering::Release);
    }

    /// Requests still to be refused by [`fail_next_requests`](Self::fail_next_requests).
    pub fn pending_failures(&self) -> usize {
        self.stats.fail_next.load(Ordering::Acquire)
    }

    /// The deadline (`grpc-timeout`) of the last request, if it had one.
    pub fn last_request_timeout(&self) -> Option<Duration> {
        self.stats.last_timeout.lock().ok().and_then(|t| *t)
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Parses a `grpc-timeout` value: up to 8 digits and a unit.
fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let unit_at = value.char_indices().last()?.0;
    let (digits, unit) = value.split_at(unit_at);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

struct HealthService;

#[tonic::async_trait]
impl proto::qdrant_server::Qdrant for HealthService {
    async fn health_check(
        &self,
        _request: tonic::Request<proto::HealthCheckRequest>,
    ) -> Result<tonic::Response<proto::HealthCheckReply>, tonic::Status> {
        Ok(tonic::Response::new(proto::HealthCheckReply {
            title: TITLE.into(),
            version: VERSION.into(),
            commit: Some("embedded".into()),
        }))
    }
}

/// Seconds since `start`, for the `time` field of responses.
fn elapsed(start: std::time::Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grpc_timeouts() {
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_grpc_timeout("3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("x"), None);
        assert_eq!(parse_grpc_timeout("1\u{e9}"), None);
        assert_eq!(parse_grpc_timeout(""), None);
    }
}
