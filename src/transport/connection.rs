//! One HTTP/2 connection: opening it (TCP, TLS, the HTTP/2 handshake and a
//! health check, all within one deadline), sending requests on it, and
//! telling how a request that failed on it failed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http_body::Body as HttpBody;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tonic::body::Body;

use super::endpoint::Url;
use super::http2;
use super::tls::TlsConnector;
use rustls::pki_types::ServerName;

/// How connections are opened and what HTTP/2 settings they use.
#[derive(Clone, Debug)]
pub(crate) struct ConnectSettings {
    /// The whole of opening a connection: TCP, TLS, HTTP/2, health check.
    pub connect_timeout: Duration,
    pub keepalive_interval: Option<Duration>,
    pub keepalive_timeout: Duration,
    /// The most streams this client opens at once on one connection.
    pub max_streams: usize,
}

/// HTTP/2 receive window of each stream. Large enough that a big response
/// is not throttled by WINDOW_UPDATE round trips.
const STREAM_WINDOW: u32 = 4 * 1024 * 1024;
/// HTTP/2 receive window of the whole connection.
const CONNECTION_WINDOW: u32 = 16 * 1024 * 1024;

/// One open HTTP/2 connection and its count of requests in flight.
///
/// Requests are queued on the connection directly from the caller's task
/// (see [`http2`]): HEADERS and DATA together, a large body without a
/// copy, written by the connection's task with no channel hop and no task
/// per request.
#[derive(Debug)]
pub(crate) struct Connection {
    send: http2::Handle,
    pub(crate) in_flight: AtomicUsize,
    /// The most streams opened at once: the client's cap, lowered to the
    /// server's `SETTINGS_MAX_CONCURRENT_STREAMS` once it is known.
    max_streams: AtomicUsize,
    closed: AtomicBool,
    /// Requests sent on this connection, ever (for diagnostics).
    pub(crate) sent: AtomicUsize,
}

impl Connection {
    /// Whether new requests may still be sent on it.
    pub(crate) fn is_open(&self) -> bool {
        !self.closed.load(Ordering::Acquire)
    }

    /// Stops new requests from going to this connection.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Takes a stream if one is free; `false` when the connection is full.
    pub(crate) fn try_take_stream(&self) -> bool {
        let max = self.max_streams.load(Ordering::Relaxed);
        self.in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max).then_some(n + 1))
            .is_ok()
    }

    /// Gives a stream back.
    pub(crate) fn release_stream(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// Requests in flight and the most allowed.
    pub(crate) fn load(&self) -> (usize, usize) {
        (
            // SeqCst: a waiter's scan must see a stream given back before
            // it registered (see `ChannelPool::acquire`).
            self.in_flight.load(Ordering::SeqCst),
            self.max_streams.load(Ordering::Relaxed),
        )
    }

    /// Sends a request whose whole body is `body`. `head`'s URI must be
    /// absolute (scheme and authority). The stream must have been taken.
    pub(crate) async fn send_unary(
        &self,
        head: http::Request<()>,
        body: Bytes,
    ) -> Result<http::Response<http2::RecvBody>, Fault> {
        let response = self.start_unary(&head, body)?;
        response.await.map_err(|e| self.fault(e, true))
    }

    /// Queues a request whose whole body is `body` (as
    /// [`send_unary`](Self::send_unary)) without waiting: the future of
    /// the answer's head. Nothing here waits, so a call's future keeps only
    /// that future while the request is in flight.
    pub(crate) fn start_unary(
        &self,
        head: &http::Request<()>,
        body: Bytes,
    ) -> Result<http2::ResponseFuture, Fault> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.send.start(head, body).map_err(|e| self.fault(e, false))
    }

    /// Sends a request of the raw stubs with this origin: its body (one
    /// gRPC message: Qdrant's RPCs are all unary) is read whole, then sent
    /// like [`send_unary`](Self::send_unary). The stream must have been
    /// taken.
    pub(crate) async fn send(
        &self,
        origin: &Origin,
        request: http::Request<Body>,
    ) -> Result<http::Response<http2::RecvBody>, Fault> {
        let (mut parts, body) = request.into_parts();
        let body = collect(body).await?;
        let path = parts
            .uri
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        parts.uri = origin.uri(path).map_err(|e| Fault::other(e, false))?;
        parts
            .headers
            .entry(http::header::USER_AGENT)
            .or_insert(http::HeaderValue::from_static(USER_AGENT));
        self.send_unary(http::Request::from_parts(parts, ()), body).await
    }

    /// Classifies `error`, and closes the connection when it is unusable.
    pub(crate) fn fault(&self, error: http2::Error, may_be_sent: bool) -> Fault {
        let fault = Fault::from_http2(&error, may_be_sent).caused_by(error);
        if fault.closes_connection() {
            self.close();
        }
        fault
    }
}

/// A request body, read whole.
async fn collect(mut body: Body) -> Result<Bytes, Fault> {
    let mut first: Option<Bytes> = None;
    let mut rest = bytes::BytesMut::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            let mut fault = Fault::other(format!("the request could not be encoded: {e}"), false);
            fault.source = Some(Arc::new(e));
            fault
        })?;
        if let Ok(data) = frame.into_data() {
            match &first {
                None if rest.is_empty() => first = Some(data),
                _ => {
                    if let Some(first) = first.take() {
                        rest.extend_from_slice(&first);
                    }
                    rest.extend_from_slice(&data);
                }
            }
        }
    }
    Ok(first.unwrap_or_else(|| rest.freeze()))
}

/// The `user-agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("qdrant-async/", env!("CARGO_PKG_VERSION"));

/// Scheme and authority of an endpoint, set on every request's URI.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    scheme: Scheme,
    authority: Authority,
}

impl Origin {
    /// The absolute URI of `path` at this origin.
    pub(crate) fn uri(&self, path: PathAndQuery) -> Result<http::Uri, String> {
        let mut uri = http::uri::Parts::default();
        uri.scheme = Some(self.scheme.clone());
        uri.authority = Some(self.authority.clone());
        uri.path_and_query = Some(path);
        http::Uri::from_parts(uri).map_err(|e| e.to_string())
    }

    pub(crate) fn new(url: &Url) -> Result<Origin, String> {
        let authority = if url.host.contains(':') {
            format!("[{}]:{}", url.host.trim_matches(['[', ']']), url.port)
        } else {
            format!("{}:{}", url.host, url.port)
        };
        Ok(Origin {
            scheme: if url.tls { Scheme::HTTPS } else { Scheme::HTTP },
            authority: authority
                .parse()
                .map_err(|e: http::uri::InvalidUri| e.to_string())?,
        })
    }
}

/// Opens a connection to `url` within `settings.connect_timeout`: TCP, TLS
/// when the URL is https, the HTTP/2 handshake, and a health check that
/// proves a gRPC server answers. `on_close` runs once when the connection
/// ends. The error is a human reason (the endpoint is the caller's to add).
pub(crate) async fn open(
    url: &Url,
    origin: &Origin,
    settings: &ConnectSettings,
    tls: Option<(&TlsConnector, &ServerName<'static>)>,
    on_close: impl FnOnce() + Send + 'static,
) -> Result<Arc<Connection>, ConnectFailure> {
    let attempt = async {
        let tcp = TcpStream::connect((url.host.trim_matches(['[', ']']), url.port))
            .await
            .map_err(|e| ConnectFailure::new(describe_io(&e), FailureStage::Tcp).caused_by(e))?;
        let _ = tcp.set_nodelay(true);
        let connection = if url.tls {
            let (tls, name) =
                tls.ok_or_else(|| ConnectFailure::new("TLS is not configured", FailureStage::Tls))?;
            let stream = tls.handshake(name.clone(), tcp).await?;
            handshake(stream, settings, on_close).await?
        } else {
            handshake(tcp, settings, on_close).await?
        };
        health_check(&connection, origin).await?;
        Ok(connection)
    };
    match tokio::time::timeout(settings.connect_timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(ConnectFailure::new(
            format!(
                "no answer within the connect timeout of {:?} (TCP, TLS, HTTP/2 and health check)",
                settings.connect_timeout
            ),
            FailureStage::Timeout,
        )),
    }
}

/// Starts HTTP/2 over `io`, and the task that drives the connection
/// (reads, writes, keepalive pings). Nothing is awaited here: a server that
/// does not speak HTTP/2 fails the health check that follows.
async fn handshake<T>(
    io: T,
    settings: &ConnectSettings,
    on_close: impl FnOnce() + Send + 'static,
) -> Result<Arc<Connection>, ConnectFailure>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (send, mut driver) = http2::client(
        io,
        http2::Config {
            stream_window: STREAM_WINDOW,
            connection_window: CONNECTION_WINDOW,
            keepalive: settings
                .keepalive_interval
                .map(|interval| (interval, settings.keepalive_timeout)),
        },
    );
    let connection = Arc::new(Connection {
        send,
        in_flight: AtomicUsize::new(0),
        max_streams: AtomicUsize::new(settings.max_streams),
        closed: AtomicBool::new(false),
        sent: AtomicUsize::new(0),
    });
    let weak = Arc::downgrade(&connection);
    let cap = settings.max_streams;
    tokio::spawn(async move {
        let mut seen = usize::MAX;
        let result = std::future::poll_fn(|cx| {
            let poll = Pin::new(&mut driver).poll(cx);
            // The server's SETTINGS arrive after the handshake and may change.
            let server_max = driver.max_send_streams();
            if server_max != seen {
                seen = server_max;
                if let Some(connection) = weak.upgrade() {
                    connection
                        .max_streams
                        .store(cap.min(server_max).max(1), Ordering::Relaxed);
                }
            }
            poll
        })
        .await;
        if let Some(connection) = weak.upgrade() {
            connection.close();
        }
        if let Err(error) = result {
            tracing::debug!(error = %error, "connection closed");
        }
        on_close();
    });
    Ok(connection)
}

/// Sends a health check on the new connection. Any gRPC answer, even an
/// error status, proves that a gRPC server is there.
async fn health_check(connection: &Arc<Connection>, origin: &Origin) -> Result<(), ConnectFailure> {
    const PATH: &str = "/qdrant.Qdrant/HealthCheck";
    if !connection.try_take_stream() {
        return Err(ConnectFailure::new(
            "the new connection has no free stream",
            FailureStage::Http2,
        ));
    }
    struct Release<'a>(&'a Connection);
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            self.0.release_stream();
        }
    }
    let _release = Release(connection);
    let failed = |reason: String| ConnectFailure::new(reason, FailureStage::Http2);
    let uri = origin.uri(PathAndQuery::from_static(PATH)).map_err(failed)?;
    let request = http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/grpc")
        .header(http::header::TE, "trailers")
        .header(http::header::USER_AGENT, USER_AGENT)
        .body(())
        .map_err(|e| failed(e.to_string()))?;
    // An empty HealthCheckRequest: the 5-byte gRPC frame header alone.
    let response = connection
        .send_unary(request, Bytes::from_static(&[0, 0, 0, 0, 0]))
        .await
        .map_err(|fault| failed(fault.to_string()))?;
    let is_grpc = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"));
    if !is_grpc {
        return Err(failed(format!(
            "the server answered HTTP/2 status {} without gRPC content: it is not a gRPC server",
            response.status().as_u16()
        )));
    }
    // Read the answer to its end, so the stream closes cleanly.
    let mut body = response.into_body();
    let error = |e: http2::Error| failed(Fault::from_http2(&e, true).to_string());
    while let Some(chunk) = body.data().await {
        chunk.map_err(error)?;
    }
    body.trailers().await.map_err(error)?;
    Ok(())
}

/// Where opening a connection failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailureStage {
    Tcp,
    Tls,
    Http2,
    Timeout,
}

/// Why a connection could not be opened.
#[derive(Clone, Debug)]
pub(crate) struct ConnectFailure {
    pub reason: String,
    pub stage: FailureStage,
    /// The error behind the reason (the socket's, HTTP/2's), shared by every
    /// call that the failure is reported to.
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl ConnectFailure {
    pub(crate) fn new(reason: impl Into<String>, stage: FailureStage) -> Self {
        ConnectFailure {
            reason: reason.into(),
            stage,
            source: None,
        }
    }

    /// Keeps `error` as the cause.
    pub(crate) fn caused_by(mut self, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(error));
        self
    }
}

/// A socket error in words a user acts on.
fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionRefused => "connection refused: nothing listens on that port".into(),
        ErrorKind::TimedOut => "TCP connect timed out".into(),
        _ => error.to_string(),
    }
}

/// How a request failed in the transport, below gRPC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// The connection closed, was reset, or its keepalive went unanswered.
    ConnectionLost,
    /// The server is going away (GOAWAY): streams it had not started are
    /// refused and safe to send again.
    GoAway,
    /// The server refused the stream before processing it (REFUSED_STREAM).
    Refused,
    /// HTTP/2 flood protection (ENHANCE_YOUR_CALM) ended the connection.
    Calm,
    /// The stream was reset by the server for another reason.
    StreamReset,
    /// Anything else (a protocol error, a malformed answer).
    Other,
}

/// A request's failure below gRPC: what happened, and whether the server
/// may have received the request.
#[derive(Clone, Debug)]
pub(crate) struct Fault {
    pub kind: FaultKind,
    /// Whether the request may have reached the server.
    pub sent: bool,
    pub detail: String,
    /// The transport's error (HTTP/2's, with the socket's below it), kept for the caller's error.
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for Fault {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source: &(dyn std::error::Error + Send + Sync + 'static) = self.source.as_deref()?;
        Some(source)
    }
}

impl Fault {
    fn other(detail: String, sent: bool) -> Fault {
        Fault {
            kind: FaultKind::Other,
            sent,
            detail,
            source: None,
        }
    }

    /// Keeps `error` as the cause.
    pub(crate) fn caused_by(mut self, error: impl std::error::Error + Send + Sync + 'static) -> Fault {
        self.source = Some(Arc::new(error));
        self
    }

    /// Whether the connection is no longer usable after this.
    pub(crate) fn closes_connection(&self) -> bool {
        matches!(
            self.kind,
            FaultKind::ConnectionLost | FaultKind::GoAway | FaultKind::Calm
        )
    }

    /// Classifies an HTTP/2 error. `may_be_sent` is false when the request
    /// cannot have left the client (the stream was never opened).
    pub(crate) fn from_http2(error: &http2::Error, may_be_sent: bool) -> Fault {
        use http2::{Error, Reason};
        let fault = |kind, sent: bool| Fault {
            kind,
            sent: sent && may_be_sent,
            detail: error.to_string(),
            source: None,
        };
        match error {
            // Streams above the GOAWAY's last id were not processed.
            Error::GoAway { processed, .. } => fault(FaultKind::GoAway, *processed),
            Error::Reset { reason, .. } if *reason == Reason::REFUSED_STREAM => {
                fault(FaultKind::Refused, false)
            }
            Error::Reset { reason, .. } | Error::Protocol { reason, .. }
                if *reason == Reason::ENHANCE_YOUR_CALM =>
            {
                fault(FaultKind::Calm, true)
            }
            Error::Reset { .. } => fault(FaultKind::StreamReset, true),
            Error::Io(_) | Error::Closed | Error::Protocol { .. } | Error::Keepalive(_) | Error::Shutdown => {
                fault(FaultKind::ConnectionLost, true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::oneshot;

    use super::*;

    fn settings() -> ConnectSettings {
        ConnectSettings {
            connect_timeout: Duration::from_secs(5),
            keepalive_interval: None,
            keepalive_timeout: Duration::from_secs(5),
            max_streams: 10,
        }
    }

    fn head() -> http::Request<()> {
        http::Request::post("http://test/qdrant.Points/Upsert")
            .body(())
            .expect("a valid request head")
    }

    /// A body above the server's default window of 64 KiB (it leaves in
    /// several writes), its bytes telling their place.
    fn body() -> Bytes {
        (0..300_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into()
    }

    /// An h2 server on `io` that hands its first request to `handle`.
    fn serve<F, Fut>(io: tokio::io::DuplexStream, handle: F)
    where
        F: FnOnce(http::Request<h2::RecvStream>, h2::server::SendResponse<Bytes>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        tokio::spawn(async move {
            let mut connection = h2::server::handshake(io).await.expect("server handshake");
            let Some(Ok((request, respond))) = connection.accept().await else {
                return;
            };
            tokio::spawn(handle(request, respond));
            while connection.accept().await.is_some() {}
        });
    }

    #[tokio::test]
    async fn a_large_body_arrives_whole() {
        let (client_io, server_io) = tokio::io::duplex(16 * 1024);
        let (got_tx, got_rx) = oneshot::channel();
        serve(server_io, |request, mut respond| async move {
            let mut body = request.into_body();
            let mut got = Vec::new();
            while let Some(chunk) = body.data().await {
                let chunk = chunk.expect("a DATA frame");
                let _ = body.flow_control().release_capacity(chunk.len());
                got.extend_from_slice(&chunk);
            }
            let _ = respond.send_response(http::Response::new(()), true);
            let _ = got_tx.send(got);
        });
        let connection = handshake(client_io, &settings(), || {}).await.expect("handshake");
        let response = connection.send_unary(head(), body()).await.expect("an answer");
        assert_eq!(response.status(), http::StatusCode::OK);
        assert!(
            got_rx.await.expect("the body read") == body(),
            "the body arrived changed"
        );
    }

    #[tokio::test]
    async fn a_body_reset_mid_write_fails_its_stream_only() {
        let (client_io, server_io) = tokio::io::duplex(16 * 1024);
        serve(server_io, |request, mut respond| async move {
            let mut body = request.into_body();
            // The first frame, then the stream is reset: the rest of the
            // body is still queued, waiting for window.
            let _ = body.data().await;
            respond.send_reset(h2::Reason::CANCEL);
            // Keep the stream's handle until the client has seen it.
            tokio::time::sleep(Duration::from_millis(200)).await;
        });
        let connection = handshake(client_io, &settings(), || {}).await.expect("handshake");
        let fault = connection
            .send_unary(head(), body())
            .await
            .expect_err("the stream was reset");
        assert!(matches!(fault.kind, FaultKind::StreamReset), "{fault}");
        // The connection still carries requests.
        assert!(connection.is_open());
    }
}
