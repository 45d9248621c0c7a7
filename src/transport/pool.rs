//! The client's connections to all its endpoints, and the rules that keep
//! a shared client healthy under load and faults:
//!
//! - **A cap on streams per connection.** A connection carries at most
//!   `max_concurrent_streams` requests at once (default 100), and never
//!   more than the server's own `SETTINGS_MAX_CONCURRENT_STREAMS`. Requests
//!   beyond what the connections carry wait in the client, in order, until a
//!   stream is free: they do not fail, and the server's stream limit is
//!   never passed.
//! - **More connections as load rises.** When every connection of an
//!   endpoint is full, another is opened, up to `max_connections` per
//!   endpoint. A request goes to the least loaded connection of the least
//!   loaded endpoint.
//! - **Failing endpoints leave the rotation.** An endpoint that cannot be
//!   connected to is marked down; a background task checks it (TCP, TLS,
//!   HTTP/2 and a health check) with a growing pause, and puts it back once
//!   it answers. Requests go to the endpoints that are up, and fail at once
//!   with an [`ErrorKind::Connect`](crate::ErrorKind::Connect) error when none is.
//! - **Dead connections are dropped.** A connection that closes, resets or
//!   misses its keepalive is taken out; the next request on that endpoint
//!   opens a new one.

use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http_body::{Body as HttpBody, Frame};
use rustls::pki_types::ServerName;
use tokio::sync::Notify;
use tonic::body::Body;
use tower_service::Service;

use super::connection::{self, ConnectFailure, ConnectSettings, Connection, FailureStage, Fault, Origin};
use super::endpoint::{self, Url};
use super::http2;
use super::tls::TlsConnector;
use crate::error::{Error, Result};

/// How many connections each endpoint gets.
#[derive(Clone, Debug)]
pub(crate) struct PoolSettings {
    /// Connections opened per endpoint by `connect()`.
    pub min_connections: usize,
    /// The most connections per endpoint, opened as load requires.
    pub max_connections: usize,
    pub connect: ConnectSettings,
}

/// One URL the client was given, and its connections.
struct Endpoint {
    url: Url,
    /// `http://host:port`, as errors name it.
    name: Arc<str>,
    origin: Origin,
    tls_name: Option<ServerName<'static>>,
    connections: Mutex<Vec<Arc<Connection>>>,
    state: Mutex<EndpointState>,
}

#[derive(Default)]
struct EndpointState {
    /// Connections being opened.
    connecting: usize,
    /// Set when the last attempt to connect failed and no connection is
    /// open: the endpoint is out of the rotation until the check succeeds.
    down: Option<Down>,
    /// Whether the background check runs.
    checking: bool,
}

struct Down {
    failure: ConnectFailure,
    hint: Option<&'static str>,
    since: Instant,
}

struct Shared {
    endpoints: Box<[Endpoint]>,
    settings: PoolSettings,
    tls: Option<TlsConnector>,
    /// Signalled when a stream is freed (one waiter) and when connections
    /// or endpoints come and go (every waiter).
    changed: Notify,
    /// Requests waiting for a stream.
    waiting: AtomicUsize,
    /// Where the next scan starts, so that equal endpoints take turns.
    next: AtomicUsize,
}

/// The pooled HTTP/2 connections of all of a client's endpoints, as one
/// tower service (the channel under [`RawClients`](crate::RawClients)).
/// Cloning shares the connections.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// // The pool is the channel under every stub of `Client::raw`.
/// let raw = client.raw();
/// let points: qdrant_async::proto::points_client::PointsClient<qdrant_async::RawChannel> = raw.points;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ChannelPool {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ChannelPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let endpoints: Vec<&str> = self.shared.endpoints.iter().map(|e| &*e.name).collect();
        f.debug_struct("ChannelPool")
            .field("endpoints", &endpoints)
            .field("max_connections", &self.shared.settings.max_connections)
            .field("max_streams", &self.shared.settings.connect.max_streams)
            .finish_non_exhaustive()
    }
}

/// What a scan of the endpoints found.
enum Pick {
    Lease(Lease),
    /// Every stream is taken (or a connection is being opened): wait.
    Wait,
    /// Every endpoint is down.
    AllDown(Error),
}

impl ChannelPool {
    /// A pool over `urls`; nothing is opened yet.
    pub(crate) fn new(
        urls: Vec<Url>,
        tls_domain: Option<&str>,
        tls: Option<TlsConnector>,
        settings: PoolSettings,
    ) -> Result<Self> {
        let mut endpoints = Vec::with_capacity(urls.len());
        for url in urls {
            let origin = Origin::new(&url).map_err(|reason| Error::invalid_url(url.origin(), reason))?;
            let tls_name = if url.tls {
                Some(TlsConnector::server_name(
                    tls_domain.unwrap_or(url.host.trim_matches(['[', ']'])),
                )?)
            } else {
                None
            };
            endpoints.push(Endpoint {
                name: url.origin().into(),
                url,
                origin,
                tls_name,
                connections: Mutex::new(Vec::new()),
                state: Mutex::new(EndpointState::default()),
            });
        }
        Ok(ChannelPool {
            shared: Arc::new(Shared {
                endpoints: endpoints.into(),
                settings,
                tls,
                changed: Notify::new(),
                waiting: AtomicUsize::new(0),
                next: AtomicUsize::new(0),
            }),
        })
    }

    /// Opens `min_connections` per endpoint, all at once. Succeeds when at
    /// least one endpoint answers; the others are marked down and checked
    /// in the background. With none answering, the first endpoint's error.
    pub(crate) async fn connect(&self) -> Result<()> {
        let shared = &self.shared;
        let attempts = (0..shared.endpoints.len()).flat_map(|i| {
            (0..shared.settings.min_connections).map(move |_| {
                lock(&shared.endpoints[i].state).connecting += 1;
                async move { (i, Shared::open(shared, i).await) }
            })
        });
        let results = futures_util::future::join_all(attempts).await;
        for (i, result) in results {
            Shared::opened(shared, i, result).await;
        }
        if shared.endpoints.iter().any(|e| e.live_connections() > 0) {
            Ok(())
        } else {
            Err(shared.all_down_error())
        }
    }

    /// A free stream on the least loaded connection, waiting while every
    /// stream is taken. `avoid` is an endpoint to use only when no other
    /// can take the request (the one a failed attempt went to).
    pub(crate) async fn acquire(&self, avoid: Option<usize>) -> Result<Lease> {
        let shared = &self.shared;
        // Most calls find a free stream at once, without registering as a
        // waiter (a lock on the notifier, and a wakeup for every stream
        // given back while registered).
        match Shared::pick(shared, avoid) {
            Pick::Lease(lease) => return Ok(lease),
            Pick::AllDown(error) => return Err(error),
            Pick::Wait => {}
        }
        // Counted before the scans below: a stream freed between a scan
        // that found none and the wait must wake someone.
        shared.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = WaitingGuard(&shared.waiting);
        loop {
            let mut notified = pin!(shared.changed.notified());
            notified.as_mut().enable();
            match Shared::pick(shared, avoid) {
                Pick::Lease(lease) => return Ok(lease),
                Pick::AllDown(error) => return Err(error),
                Pick::Wait => notified.await,
            }
        }
    }

    /// The endpoint's name, `http://host:port`.
    pub(crate) fn endpoint_name(&self, index: usize) -> Arc<str> {
        self.shared.endpoints[index].name.clone()
    }

    /// The endpoint's host and port.
    pub(crate) fn endpoint_address(&self, index: usize) -> (&str, u16) {
        let url = &self.shared.endpoints[index].url;
        (url.host.trim_matches(['[', ']']), url.port)
    }

    /// Requests sent on each open connection so far.
    pub(crate) fn sent_per_connection(&self) -> Vec<usize> {
        self.shared
            .endpoints
            .iter()
            .flat_map(|e| {
                lock(&e.connections)
                    .iter()
                    .map(|c| c.sent.load(Ordering::Relaxed))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Open connections per endpoint.
    pub(crate) fn connections_per_endpoint(&self) -> Vec<usize> {
        self.shared
            .endpoints
            .iter()
            .map(Endpoint::live_connections)
            .collect()
    }

    /// Whether each endpoint is in the rotation (not marked down).
    pub(crate) fn endpoints_up(&self) -> Vec<bool> {
        self.shared
            .endpoints
            .iter()
            .map(|e| lock(&e.state).down.is_none())
            .collect()
    }
}

struct WaitingGuard<'a>(&'a AtomicUsize);

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data behind these locks stays consistent at every step, so a
    // panic elsewhere while one was held leaves nothing to repair.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Endpoint {
    fn live_connections(&self) -> usize {
        lock(&self.connections).iter().filter(|c| c.is_open()).count()
    }
}

impl Shared {
    /// Scans the endpoints once: the least loaded free stream, or why not.
    fn pick(shared: &Arc<Shared>, avoid: Option<usize>) -> Pick {
        let n = shared.endpoints.len();
        for _ in 0..8 {
            let start = shared.next.fetch_add(1, Ordering::Relaxed) % n;
            let mut best: Option<(usize, Arc<Connection>, (usize, usize))> = None;
            let mut fallback: Option<(usize, Arc<Connection>, (usize, usize))> = None;
            let mut alive = false;
            for k in 0..n {
                let i = (start + k) % n;
                let endpoint = &shared.endpoints[i];
                let mut state = lock(&endpoint.state);
                if state.down.is_some() {
                    continue;
                }
                let mut live = 0;
                let mut full = true;
                {
                    let connections = lock(&endpoint.connections);
                    // Equally loaded connections take turns.
                    let turn = start + shared.next.load(Ordering::Relaxed);
                    let (before, after) = connections.split_at(turn % connections.len().max(1));
                    for connection in after.iter().chain(before).filter(|c| c.is_open()) {
                        live += 1;
                        let (load, max) = connection.load();
                        if load >= max {
                            continue;
                        }
                        full = false;
                        let slot = if Some(i) == avoid && n > 1 {
                            &mut fallback
                        } else {
                            &mut best
                        };
                        // Lowest load / max first.
                        if slot.as_ref().is_none_or(|(_, _, (l, m))| load * m < l * max) {
                            *slot = Some((i, connection.clone(), (load, max)));
                        }
                    }
                }
                if full && live + state.connecting < shared.settings.max_connections {
                    state.connecting += 1;
                    drop(state);
                    Shared::spawn_connect(shared, i);
                    alive = true;
                } else if live > 0 || state.connecting > 0 {
                    alive = true;
                }
            }
            match best.or(fallback) {
                Some((i, connection, _)) => {
                    if connection.try_take_stream() {
                        return Pick::Lease(Lease {
                            shared: shared.clone(),
                            endpoint: i,
                            connection,
                        });
                    }
                    // Taken meanwhile: scan again.
                }
                None if alive => return Pick::Wait,
                None => return Pick::AllDown(shared.all_down_error()),
            }
        }
        Pick::Wait
    }

    /// The error for "no endpoint answers": the most recent failure.
    fn all_down_error(&self) -> Error {
        let mut latest: Option<(usize, Instant, ConnectFailure, Option<&'static str>)> = None;
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            if let Some(down) = &lock(&endpoint.state).down
                && latest
                    .as_ref()
                    .is_none_or(|(_, since, _, _)| down.since >= *since)
            {
                latest = Some((i, down.since, down.failure.clone(), down.hint));
            }
        }
        let (i, _, failure, hint) = latest.unwrap_or_else(|| {
            let none = ConnectFailure::new("no connection could be opened", FailureStage::Tcp);
            (0, Instant::now(), none, None)
        });
        let reason = failure.reason;
        let reason = if self.endpoints.len() > 1 {
            format!("{reason} (all {} endpoints are down)", self.endpoints.len())
        } else {
            reason
        };
        Error::connect(&*self.endpoints[i].name, reason, hint).with_shared_source(failure.source)
    }

    /// Opens one connection to endpoint `i`.
    async fn open(shared: &Arc<Shared>, i: usize) -> std::result::Result<Arc<Connection>, ConnectFailure> {
        let endpoint = &shared.endpoints[i];
        let weak = Arc::downgrade(shared);
        let on_close = move || {
            if let Some(shared) = weak.upgrade() {
                lock(&shared.endpoints[i].connections).retain(|c| c.is_open());
                shared.changed.notify_waiters();
            }
        };
        let tls = shared.tls.as_ref().zip(endpoint.tls_name.as_ref());
        connection::open(
            &endpoint.url,
            &endpoint.origin,
            &shared.settings.connect,
            tls,
            on_close,
        )
        .await
    }

    /// Records the outcome of opening a connection (counted in
    /// `connecting`) and wakes the waiters.
    async fn opened(
        shared: &Arc<Shared>,
        i: usize,
        result: std::result::Result<Arc<Connection>, ConnectFailure>,
    ) {
        let endpoint = &shared.endpoints[i];
        match result {
            Ok(connection) => {
                lock(&endpoint.connections).push(connection);
                let mut state = lock(&endpoint.state);
                state.connecting -= 1;
                state.down = None;
            }
            Err(failure) => {
                let hint = endpoint::hint(&endpoint.url, failure.stage == FailureStage::Http2).await;
                tracing::debug!(endpoint = %endpoint.name, reason = %failure.reason, "cannot connect");
                let mut state = lock(&endpoint.state);
                state.connecting -= 1;
                if endpoint.live_connections() == 0 && state.connecting == 0 {
                    let since = state.down.as_ref().map_or_else(Instant::now, |d| d.since);
                    state.down = Some(Down { failure, hint, since });
                    if !state.checking {
                        state.checking = true;
                        Shared::spawn_check(Arc::downgrade(shared), i);
                    }
                }
            }
        }
        shared.changed.notify_waiters();
    }

    /// Opens a connection to endpoint `i` in the background (its
    /// `connecting` count already raised).
    fn spawn_connect(shared: &Arc<Shared>, i: usize) {
        let shared = shared.clone();
        tokio::spawn(async move {
            let result = Shared::open(&shared, i).await;
            Shared::opened(&shared, i, result).await;
        });
    }

    /// Checks a down endpoint until it answers, with a growing pause.
    fn spawn_check(weak: Weak<Shared>, i: usize) {
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(50);
            loop {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
                let Some(shared) = weak.upgrade() else {
                    return;
                };
                let endpoint = &shared.endpoints[i];
                lock(&endpoint.state).connecting += 1;
                let result = Shared::open(&shared, i).await;
                let answered = result.is_ok();
                Shared::opened(&shared, i, result).await;
                // Read and cleared under one lock with `down`, so that a
                // failure marking the endpoint down again either sees the
                // check still running or starts a new one.
                let mut state = lock(&endpoint.state);
                if state.down.is_none() {
                    state.checking = false;
                    if answered {
                        tracing::info!(endpoint = %endpoint.name, "endpoint answers again");
                    }
                    return;
                }
            }
        });
    }
}

/// One stream on one connection, taken from the pool; freed when dropped
/// (after the response body, if it was handed out, is done).
pub(crate) struct Lease {
    shared: Arc<Shared>,
    endpoint: usize,
    connection: Arc<Connection>,
}

impl Lease {
    /// The index of the endpoint it is on.
    pub(crate) fn endpoint(&self) -> usize {
        self.endpoint
    }

    /// The origin (scheme and authority) of its endpoint.
    pub(crate) fn origin(&self) -> &Origin {
        &self.shared.endpoints[self.endpoint].origin
    }

    /// Queues a request whose whole body is `body` on the leased stream
    /// (see [`Connection::start_unary`]); the lease stays with the caller
    /// until the answer is read.
    pub(crate) fn start_unary(
        &self,
        head: &http::Request<()>,
        body: Bytes,
    ) -> std::result::Result<http2::ResponseFuture, Fault> {
        self.connection
            .start_unary(head, body)
            .inspect_err(|fault| self.failed(fault))
    }

    /// Classifies a failure while reading the answer.
    pub(crate) fn fault(&self, error: http2::Error) -> Fault {
        let fault = self.connection.fault(error, true);
        self.failed(&fault);
        fault
    }

    /// Sends a request of the raw stubs on the leased stream.
    pub(crate) async fn send(
        self,
        request: http::Request<Body>,
    ) -> std::result::Result<http::Response<LeasedBody>, Fault> {
        let origin = &self.shared.endpoints[self.endpoint].origin;
        match self.connection.send(origin, request).await {
            Ok(response) => Ok(response.map(|body| LeasedBody {
                inner: body,
                data_done: false,
                done: false,
                lease: Some(self),
            })),
            Err(fault) => {
                self.failed(&fault);
                Err(fault)
            }
        }
    }

    fn failed(&self, fault: &Fault) {
        if fault.closes_connection() {
            self.connection.close();
            self.shared.changed.notify_waiters();
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.connection.release_stream();
        // SeqCst with the waiter's count: either it sees the stream free,
        // or this sees it waiting.
        if self.shared.waiting.load(Ordering::SeqCst) > 0 {
            self.shared.changed.notify_one();
        }
    }
}

/// A response body that reports transport failures as [`Fault`]s and
/// holds the stream's lease until it is done.
pub struct LeasedBody {
    inner: http2::RecvBody,
    /// Every DATA frame was read; the trailers are next.
    data_done: bool,
    done: bool,
    lease: Option<Lease>,
}

impl std::fmt::Debug for LeasedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeasedBody").finish_non_exhaustive()
    }
}

impl LeasedBody {
    fn failed(&mut self, error: http2::Error) -> Box<dyn std::error::Error + Send + Sync> {
        self.done = true;
        let fault = match self.lease.take() {
            Some(lease) => lease.fault(error),
            None => Fault::from_http2(&error, true).caused_by(error),
        };
        Box::new(fault)
    }
}

impl HttpBody for LeasedBody {
    type Data = Bytes;
    /// A transport failure (the crate reads its kind back from the status).
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if !this.data_done {
            match this.inner.poll_data(cx) {
                Poll::Ready(Some(Ok(chunk))) => return Poll::Ready(Some(Ok(Frame::data(chunk)))),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(this.failed(e)))),
                Poll::Ready(None) => this.data_done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
        match this.inner.poll_trailers(cx) {
            Poll::Ready(Ok(trailers)) => {
                this.done = true;
                this.lease = None;
                Poll::Ready(trailers.map(|t| Ok(Frame::trailers(t))))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(this.failed(e)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

/// A service that sends one request on a stream already leased: the
/// facade leases first, so that it knows the endpoint of every failure.
pub(crate) struct LeaseService(pub(crate) Option<Lease>);

impl Service<http::Request<Body>> for LeaseService {
    type Response = http::Response<LeasedBody>;
    type Error = Fault;
    type Future = BoxFuture<'static, std::result::Result<Self::Response, Fault>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::result::Result<(), Fault>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let lease = self.0.take();
        Box::pin(async move {
            match lease {
                Some(lease) => lease.send(request).await,
                None => Err(Fault {
                    kind: connection::FaultKind::Other,
                    sent: false,
                    detail: "a leased stream carries one request".into(),
                    source: None,
                }),
            }
        })
    }
}

impl Service<http::Request<Body>> for ChannelPool {
    type Response = http::Response<LeasedBody>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = BoxFuture<'static, std::result::Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::result::Result<(), Self::Error>> {
        // Waiting for a free stream happens in `call`, per request.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let pool = self.clone();
        Box::pin(async move {
            let lease = pool.acquire(None).await?;
            Ok(lease.send(request).await?)
        })
    }
}
