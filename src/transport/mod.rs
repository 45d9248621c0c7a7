//! How requests travel: the connection pool, metadata (api key, user agent,
//! custom headers), deadlines, compression and message limits.
//!
//! Facade calls encode their request once into bytes and send those bytes
//! through [`Transport::unary`]; the raw stubs of [`crate::Client::raw`] run
//! over the same pool with the same metadata.

pub(crate) mod auth;
pub(crate) mod connection;
pub(crate) mod endpoint;
pub(crate) mod http2;
pub(crate) mod pool;
pub(crate) mod tls;

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes};
use prost::Message;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::service::interceptor::InterceptedService;

use crate::error::{Error, ErrorKind, Result};
use crate::proto;
use crate::types::decode::FromWire;
use crate::types::wire::{BufferPool, Framed};
pub use auth::{AuthenticatedPool, Token, TokenError};
pub use pool::ChannelPool;

/// Adds the client's metadata (api key, custom headers) to every request.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// // Its headers go on every call of the raw stubs, as on the facade's calls.
/// let raw = client.raw();
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct MetadataInterceptor {
    headers: Arc<[(AsciiMetadataKey, AsciiMetadataValue)]>,
    /// The same headers as HTTP headers, for the facade's requests.
    http: Arc<[(http::HeaderName, http::HeaderValue)]>,
}

/// Header names only: values (the API key, tokens) are secrets.
impl std::fmt::Debug for MetadataInterceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("MetadataInterceptor")
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

impl MetadataInterceptor {
    pub(crate) fn new(headers: Vec<(AsciiMetadataKey, AsciiMetadataValue)>) -> Self {
        let http = headers
            .iter()
            .filter_map(|(key, value)| {
                let name = http::HeaderName::from_bytes(key.as_str().as_bytes()).ok()?;
                let mut value = http::HeaderValue::from_bytes(value.as_encoded_bytes()).ok()?;
                value.set_sensitive(true);
                Some((name, value))
            })
            .collect();
        MetadataInterceptor {
            headers: headers.into(),
            http,
        }
    }

    fn apply(&self, metadata: &mut MetadataMap) {
        for (key, value) in self.headers.iter() {
            metadata.insert(key.clone(), value.clone());
        }
    }
}

impl tonic::service::Interceptor for MetadataInterceptor {
    fn call(&mut self, mut request: tonic::Request<()>) -> std::result::Result<tonic::Request<()>, Status> {
        self.apply(request.metadata_mut());
        Ok(request)
    }
}

/// A credential header: its name and its (sensitive) value.
type Credential = (http::HeaderName, http::HeaderValue);

/// Adds a header (the token provider's credential, or one of the call's
/// own) to a request's metadata, as a sensitive value.
fn insert_metadata(
    metadata: &mut MetadataMap,
    name: &http::HeaderName,
    value: &http::HeaderValue,
) -> Result<()> {
    let refused = || Error::invalid_argument(name.as_str(), "not a valid ASCII header value");
    let key = AsciiMetadataKey::from_bytes(name.as_str().as_bytes()).map_err(|_| refused())?;
    let mut value = AsciiMetadataValue::try_from(value.as_bytes()).map_err(|_| refused())?;
    value.set_sensitive(true);
    metadata.insert(key, value);
    Ok(())
}

/// The channel type of the raw stubs: the pool, with the client's metadata.
pub type RawChannel = InterceptedService<auth::AuthenticatedPool, MetadataInterceptor>;

/// Settings that shape each call.
#[derive(Clone, Debug)]
pub(crate) struct CallSettings {
    /// Deadline for calls that set none of their own.
    pub timeout: Option<Duration>,
    /// Largest response accepted.
    pub max_decoding_message_size: usize,
    /// Largest request sent.
    pub max_encoding_message_size: usize,
    /// gzip requests and accept gzip responses.
    pub compression: bool,
    /// How transient failures of idempotent calls are retried.
    pub retry: RetryPolicy,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            timeout: None,
            max_decoding_message_size: 64 * 1024 * 1024,
            max_encoding_message_size: 64 * 1024 * 1024,
            compression: false,
            retry: RetryPolicy::default(),
        }
    }
}

/// The pool plus everything every call needs.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    pub pool: ChannelPool,
    pub metadata: MetadataInterceptor,
    pub settings: CallSettings,
    /// The token provider, when the client has one.
    pub auth: Option<Arc<auth::Auth>>,
    /// Encode buffers of large requests (upserts), reused.
    pub buffers: BufferPool,
}

/// An RPC: its path, and whether it may be retried by default (reads).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rpc {
    path: &'static str,
    idempotent: bool,
}

impl Rpc {
    /// A read-only RPC, `/qdrant.Service/Method`: safe to retry.
    pub(crate) const fn read(path: &'static str) -> Self {
        Rpc {
            path,
            idempotent: true,
        }
    }

    /// An RPC that changes something: retried only where the call says
    /// that repeating it changes nothing more (writes that name their ids).
    pub(crate) const fn write(path: &'static str) -> Self {
        Rpc {
            path,
            idempotent: false,
        }
    }

    /// `Service/Method`.
    pub(crate) fn name(&self) -> &'static str {
        self.path.strip_prefix("/qdrant.").unwrap_or(self.path)
    }

    /// A call of this RPC about `collection`.
    pub(crate) fn on(self, collection: &str) -> Call<'_> {
        Call {
            rpc: self,
            collection: Some(collection),
            timeout: None,
            options: None,
            idempotent: self.idempotent,
            once: false,
        }
    }

    /// A call of this RPC about no collection in particular.
    pub(crate) fn call(self) -> Call<'static> {
        Call {
            rpc: self,
            collection: None,
            timeout: None,
            options: None,
            idempotent: self.idempotent,
            once: false,
        }
    }
}

/// What a caller may set on any one request: its deadline, and headers of
/// its own (sent after the client's, so that they override them).
#[derive(Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    /// As HTTP headers: the facade's requests are sent on the client's own
    /// HTTP/2 directly.
    headers: Vec<Credential>,
    /// The name of a header that is not a valid one, reported when the call
    /// is sent (its value is never quoted).
    invalid: Option<String>,
}

impl CallOptions {
    /// Adds a header; its value is a secret to `Debug` and logs.
    pub(crate) fn header(&mut self, name: &str, value: &str) {
        // A valid gRPC metadata name and ASCII value is a valid HTTP header.
        let valid = AsciiMetadataKey::from_bytes(name.as_bytes()).is_ok()
            && AsciiMetadataValue::try_from(value).is_ok();
        let header = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        );
        match header {
            (Ok(name), Ok(mut value)) if valid => {
                value.set_sensitive(true);
                self.headers.push((name, value));
            }
            _ => {
                self.invalid.get_or_insert_with(|| name.to_owned());
            }
        }
    }
}

/// Header names only: values may be secrets.
impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("headers", &names)
            .finish()
    }
}

/// One call: the RPC, what it is about, its deadline and whether it may be
/// retried.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call<'a> {
    rpc: Rpc,
    collection: Option<&'a str>,
    timeout: Option<Duration>,
    /// The caller's options, headers included.
    options: Option<&'a CallOptions>,
    idempotent: bool,
    /// This call is sent once, whatever the client's retry policy.
    once: bool,
}

impl<'a> Call<'a> {
    /// The caller's deadline and headers.
    pub(crate) fn options(mut self, options: &'a CallOptions) -> Self {
        self.timeout = options.timeout;
        self.options = Some(options);
        self
    }

    /// Whether repeating the call changes nothing more than sending it once.
    pub(crate) fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sends this call once: its caller retries by itself.
    pub(crate) fn once(mut self) -> Self {
        self.once = true;
        self
    }
}

/// How transient failures are retried.
///
/// ```
/// use std::time::Duration;
/// use qdrant_async::RetryPolicy;
///
/// let policy = RetryPolicy::new(5)
///     .base_backoff(Duration::from_millis(50))
///     .max_backoff(Duration::from_secs(2));
/// let off = RetryPolicy::disabled();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 means no retries.
    pub max_attempts: u32,
    /// Backoff before the first retry; it doubles at each retry.
    pub base_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, backing off from 100 ms up to 2 s, with jitter.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// Up to `max_attempts` attempts in all, with the default backoff.
    ///
    /// ```
    /// use qdrant_async::{Client, RetryPolicy};
    /// use std::time::Duration;
    ///
    /// let policy = RetryPolicy::new(5)
    ///     .base_backoff(Duration::from_millis(50))
    ///     .max_backoff(Duration::from_secs(2));
    /// let builder = Client::builder("http://localhost:6334").retry(policy);
    /// ```
    pub fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..Self::default()
        }
    }

    /// No retries: every failure is returned at once.
    ///
    /// ```
    /// use qdrant_async::{Client, RetryPolicy};
    ///
    /// // Every failure goes straight to the caller.
    /// let builder = Client::builder("http://localhost:6334").retry(RetryPolicy::disabled());
    /// ```
    pub fn disabled() -> Self {
        Self::new(1)
    }

    /// Sets the backoff before the first retry.
    ///
    /// ```
    /// use qdrant_async::RetryPolicy;
    /// use std::time::Duration;
    ///
    /// let policy = RetryPolicy::new(4).base_backoff(Duration::from_millis(20));
    /// ```
    pub fn base_backoff(mut self, backoff: Duration) -> Self {
        self.base_backoff = backoff;
        self
    }

    /// Sets the longest backoff.
    ///
    /// ```
    /// use qdrant_async::RetryPolicy;
    /// use std::time::Duration;
    ///
    /// let policy = RetryPolicy::new(8).max_backoff(Duration::from_secs(5));
    /// ```
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The pause before retry number `retry` (1-based): exponential, capped,
    /// with "full jitter" so that many clients do not retry in step.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let cap = exp.min(self.max_backoff);
        cap.mul_f64(0.5 + 0.5 * jitter())
    }
}

/// A number in [0, 1) from a per-thread xorshift: jitter needs no more.
fn jitter() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            (t ^ (&t as *const u64 as u64)) | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// The head of an answer: an error for a trailers-only answer or an HTTP
/// status other than 200. A head of `content-type` alone is checked
/// without a header map.
fn check_head(code: http::StatusCode, fields: http2::Fields) -> std::result::Result<(), Failure> {
    if !matches!(fields, http2::Fields::GrpcContent)
        && let headers = fields.into_map()
        && headers.contains_key(&http2::GRPC_STATUS)
        && let Some(status) = Status::from_header_map(&headers)
    {
        // A trailers-only answer.
        return Err(Failure::Status(if status.code() == tonic::Code::Ok {
            Status::internal("Missing response message.")
        } else {
            status
        }));
    }
    if code != http::StatusCode::OK {
        return Err(Failure::Status(http_status(code)));
    }
    Ok(())
}

/// The endpoint of a call's last attempt, for its timeout error and its
/// span: its index in the pool plus one, 0 before the first attempt.
#[derive(Default)]
struct LastEndpoint(AtomicUsize);

impl LastEndpoint {
    fn set(&self, index: usize) {
        self.0.store(index + 1, Ordering::Relaxed);
    }

    fn get(&self) -> Option<usize> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n - 1),
        }
    }
}

/// The longest deadline a call can have; longer ones are clamped to it
/// (`grpc-timeout` and timers would overflow on `Duration::MAX`).
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

/// The longest `retry-after` the client waits for by itself; a longer hint
/// ends the retries and reaches the caller in the error.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

impl Transport {
    /// Sends one request and decodes its response.
    ///
    /// The request is encoded once; a transient failure of an idempotent
    /// call is retried with the same bytes, within the call's deadline.
    ///
    /// The request is encoded here, before the future is first polled: the
    /// future is [`unary_encoded`](Self::unary_encoded)'s, with no layer
    /// of its own that would keep the call a second time.
    pub(crate) fn unary<'a, Req, Resp>(
        &'a self,
        call: Call<'a>,
        request: &Req,
    ) -> impl Future<Output = Result<Resp>> + Send + use<'a, Req, Resp>
    where
        Req: Message,
        Resp: FromWire,
    {
        self.unary_encoded(call, Framed::encode(request))
    }

    /// Like [`unary`](Self::unary), for a request already encoded.
    ///
    /// The call and the message are kept once, in this future; everything
    /// below takes them by reference (an `async fn` keeps its arguments
    /// twice, and every call's future is allocated and read at each poll).
    // Not an `async fn`, on purpose: see above.
    #[allow(clippy::manual_async_fn)]
    pub(crate) fn unary_encoded<'a, Resp>(
        &'a self,
        call: Call<'a>,
        message: Framed,
    ) -> impl Future<Output = Result<Resp>> + Send + 'a
    where
        Resp: FromWire,
    {
        async move { self.exchange(&call, &message).await }
    }

    /// The call's attempts, within its deadline: what
    /// [`unary_encoded`](Self::unary_encoded) runs, for a caller whose own
    /// future keeps the call and the message.
    pub(crate) async fn exchange<Resp>(&self, call: &Call<'_>, message: &Framed) -> Result<Resp>
    where
        Resp: FromWire,
    {
        if let Some(name) = call.options.and_then(|o| o.invalid.as_deref()) {
            return Err(Error::invalid_argument(
                format!("header `{name}`"),
                "not a valid gRPC header name and ASCII value",
            ));
        }
        if message.len() > self.settings.max_encoding_message_size {
            return Err(Error::invalid_argument(
                "request",
                format!(
                    "{} encodes to {} bytes, above the limit of {} bytes; send it in smaller parts",
                    call.rpc.name(),
                    message.len(),
                    self.settings.max_encoding_message_size
                ),
            ));
        }
        let timeout = call.timeout.or(self.settings.timeout).map(|t| t.min(MAX_TIMEOUT));
        // OpenTelemetry's database client conventions. Fields are recorded
        // only when a subscriber wants the span: this is the hot path.
        let span = tracing::debug_span!(
            "qdrant.rpc",
            otel.kind = "client",
            db.system.name = "qdrant",
            db.operation.name = call.rpc.name(),
            db.collection.name = call.collection,
            server.address = tracing::field::Empty,
            server.port = tracing::field::Empty,
            rpc.grpc.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        // The endpoint of the last attempt sent, for the timeout error and
        // the span.
        let last_endpoint = LastEndpoint::default();
        let attempts = async {
            let policy = &self.settings.retry;
            let max_attempts = if call.once { 1 } else { policy.max_attempts.max(1) };
            let mut attempt = 1;
            let mut avoid = None;
            // A credential the server refused is fetched anew, and the call
            // sent once more with it (a refused call was not applied).
            let mut refetched = false;
            loop {
                let credential = match &self.auth {
                    Some(auth) => Some(
                        auth.header()
                            .await
                            .map_err(|e| e.with_call(call.rpc.name(), call.collection))?,
                    ),
                    None => None,
                };
                let result = self
                    .send::<Resp>(call, message, timeout, avoid, &last_endpoint, credential.as_ref())
                    .await;
                match result {
                    Err((error, _))
                        if !refetched
                            && error.code() == Some(tonic::Code::Unauthenticated)
                            && credential.is_some() =>
                    {
                        if let (Some(auth), Some((_, value))) = (&self.auth, &credential) {
                            auth.refused(value);
                        }
                        tracing::debug!(parent: &span, %error, "credential refused, fetching a new one");
                        refetched = true;
                    }
                    Err((error, endpoint))
                        if attempt < max_attempts
                            && error.is_retryable()
                            && (call.idempotent || !error.reached_server()) =>
                    {
                        let pause = match error.retry_after() {
                            Some(hint) if hint > MAX_RETRY_AFTER => return Err(error),
                            Some(hint) => hint,
                            None => policy.backoff(attempt),
                        };
                        tracing::debug!(parent: &span, %error, ?pause, attempt, "retrying");
                        tokio::time::sleep(pause).await;
                        avoid = endpoint;
                        attempt += 1;
                    }
                    result => return result.map_err(|(error, _)| error),
                }
            }
        };
        let result = match timeout {
            // The server learns the deadline from `grpc-timeout`; the local
            // timer covers waiting for a stream, the attempts and the
            // pauses between them.
            // The timer is boxed: a call without a deadline (the default)
            // keeps no room for one in its future.
            Some(limit) => {
                let mut attempts = std::pin::pin!(attempts);
                let mut timer = Box::pin(tokio::time::sleep(limit));
                let within = std::future::poll_fn(|cx| match attempts.as_mut().poll(cx) {
                    Poll::Ready(result) => Poll::Ready(Some(result)),
                    Poll::Pending => timer.as_mut().poll(cx).map(|()| None),
                });
                match within.await {
                    Some(result) => result,
                    None => {
                        let error = Error::timeout(call.rpc.name(), call.collection, Some(limit));
                        Err(match last_endpoint.get() {
                            Some(index) => error.with_endpoint(&*self.pool.endpoint_name(index)),
                            None => error,
                        })
                    }
                }
            }
            None => attempts.await,
        };
        if !span.is_disabled() {
            self.record_outcome(&span, &result, &last_endpoint);
        }
        result
    }

    /// Records the endpoint of the last attempt and the outcome on `span`.
    fn record_outcome<T>(&self, span: &tracing::Span, result: &Result<T>, last_endpoint: &LastEndpoint) {
        if let Some(index) = last_endpoint.get() {
            let (host, port) = self.pool.endpoint_address(index);
            span.record("server.address", host);
            span.record("server.port", port);
        }
        match result {
            Ok(_) => {
                span.record("rpc.grpc.status_code", 0);
            }
            Err(error) => {
                let code = match error.kind() {
                    ErrorKind::Timeout => Some(tonic::Code::DeadlineExceeded),
                    ErrorKind::Connect | ErrorKind::Connection => Some(tonic::Code::Unavailable),
                    _ => error.code(),
                };
                if let Some(code) = code {
                    span.record("rpc.grpc.status_code", code as i32);
                }
                span.record("error.type", tracing::field::debug(error.kind()));
            }
        }
    }

    /// One attempt: a stream from the pool, the request, the answer. The
    /// error comes with the index of the endpoint it happened at.
    async fn send<Resp>(
        &self,
        call: &Call<'_>,
        message: &Framed,
        timeout: Option<Duration>,
        avoid: Option<usize>,
        last_endpoint: &LastEndpoint,
        credential: Option<&Credential>,
    ) -> std::result::Result<Resp, (Error, Option<usize>)>
    where
        Resp: FromWire,
    {
        let lease = self.pool.acquire(avoid).await.map_err(|e| (e, None))?;
        let index = lease.endpoint();
        last_endpoint.set(index);
        // The gzip path (tonic's, rarely used) is boxed so that its state
        // does not weigh on every call's future.
        let result = if self.settings.compression {
            Box::pin(self.send_compressed(lease, *call, message, timeout, credential)).await
        } else {
            self.send_on(&lease, call, message, timeout, credential).await
        };
        result.map_err(|error| {
            let endpoint = self.pool.endpoint_name(index);
            let error = match error {
                Failure::Status(status) => Error::from(status),
                Failure::Fault(fault) => {
                    Error::connection(fault.detail.clone(), fault.sent).with_shared_source(fault.source)
                }
                Failure::Error(error) => error,
            };
            (
                error
                    .with_call(call.rpc.name(), call.collection)
                    .with_endpoint(&*endpoint),
                Some(index),
            )
        })
    }

    /// The headers of a facade request: the one place where they are
    /// assembled (content type, `te`, user agent, the client's metadata,
    /// the token provider's credential, the call's own headers, the
    /// deadline).
    fn request_head(
        &self,
        lease: &pool::Lease,
        call: &Call<'_>,
        timeout: Option<Duration>,
        credential: Option<&Credential>,
    ) -> std::result::Result<http::Request<()>, Failure> {
        let rpc = call.rpc;
        let uri = lease
            .origin()
            .uri(PathAndQuery::from_static(rpc.path))
            .map_err(|e| Failure::Error(Error::invalid_url(rpc.path, e)))?;
        let mut request = http::Request::new(());
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.reserve(5 + self.metadata.headers.len());
        headers.insert(http::header::CONTENT_TYPE, http2::APPLICATION_GRPC);
        headers.insert(http::header::TE, http::HeaderValue::from_static("trailers"));
        headers.insert(
            http::header::USER_AGENT,
            http::HeaderValue::from_static(connection::USER_AGENT),
        );
        for (name, value) in self.metadata.http.iter() {
            headers.insert(name.clone(), value.clone());
        }
        if let Some((name, value)) = credential {
            headers.insert(name.clone(), value.clone());
        }
        if let Some(options) = call.options {
            for (name, value) in &options.headers {
                headers.insert(name.clone(), value.clone());
            }
        }
        if let Some(limit) = timeout {
            static GRPC_TIMEOUT: http::HeaderName = http::HeaderName::from_static("grpc-timeout");
            headers.insert(&GRPC_TIMEOUT, grpc_timeout(limit));
        }
        Ok(request)
    }

    /// The request and its answer on a leased stream, on the client's own
    /// HTTP/2 directly.
    async fn send_on<Resp>(
        &self,
        lease: &pool::Lease,
        call: &Call<'_>,
        message: &Framed,
        timeout: Option<Duration>,
        credential: Option<&Credential>,
    ) -> std::result::Result<Resp, Failure>
    where
        Resp: FromWire,
    {
        // The head is dropped once the request is queued: the future does
        // not keep it while the answer comes.
        let pending = {
            let head = self.request_head(lease, call, timeout, credential)?;
            lease
                .start_unary(&head, message.framed())
                .map_err(Failure::Fault)?
        };
        // The head is read and dropped before the body is awaited: the
        // future does not keep it.
        let mut body = {
            let (status, fields, body) = pending.head().await.map_err(|e| Failure::Fault(lease.fault(e)))?;
            check_head(status, fields)?;
            body
        };
        let limit = self.settings.max_decoding_message_size;
        let mut first: Option<Bytes> = None;
        let mut rest = bytes::BytesMut::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.map_err(|e| Failure::Fault(lease.fault(e)))?;
            let len = if first.is_none() && rest.is_empty() {
                let len = frame_len(&chunk);
                first = Some(chunk);
                len
            } else {
                if let Some(previous) = first.take() {
                    let whole = frame_len(&previous).map_or(0, |len| len.min(limit) + 5);
                    rest.reserve(whole.max(previous.len() + chunk.len()));
                    rest.extend_from_slice(&previous);
                }
                rest.extend_from_slice(&chunk);
                frame_len(&rest).or(Some(rest.len()))
            };
            if let Some(len) = len
                && len > limit
            {
                return Err(Failure::Status(too_large(len, limit)));
            }
        }
        let trailers = body
            .trailer_fields()
            .await
            .map_err(|e| Failure::Fault(lease.fault(e)))?;
        // The common answer, `grpc-status: 0` alone, is checked without a
        // map; any other without building a `Status` (which copies the
        // trailers into its metadata) unless it failed.
        if !matches!(trailers, Some(http2::Fields::GrpcOk))
            && let trailers = trailers.map(http2::Fields::into_map)
            && trailers
                .as_ref()
                .and_then(|t| t.get(&http2::GRPC_STATUS))
                .is_none_or(|code| code.as_bytes() != b"0")
        {
            return Err(Failure::Status(
                match trailers.as_ref().and_then(Status::from_header_map) {
                    Some(status) if status.code() == tonic::Code::Ok => {
                        Status::internal("the answer has an unreadable grpc-status")
                    }
                    Some(status) => status,
                    None => Status::internal("the answer ended without a grpc-status"),
                },
            ));
        }
        let frame = first.unwrap_or_else(|| rest.freeze());
        if frame.is_empty() {
            return Err(Failure::Status(Status::internal("Missing response message.")));
        }
        if frame[0] != 0 {
            return Err(Failure::Status(Status::internal(
                "protocol error: received message with compressed-flag but no grpc-encoding was specified",
            )));
        }
        match frame_len(&frame) {
            Some(len) if frame.len() == 5 + len => {}
            _ => {
                return Err(Failure::Status(Status::internal(
                    "the answer is not one whole gRPC message",
                )));
            }
        }
        Resp::from_wire(frame.slice(5..)).map_err(|e| Failure::Status(Status::internal(e.to_string())))
    }

    /// The request and its answer through tonic, gzipped.
    async fn send_compressed<Resp>(
        &self,
        lease: pool::Lease,
        call: Call<'_>,
        message: &Framed,
        timeout: Option<Duration>,
        credential: Option<&Credential>,
    ) -> std::result::Result<Resp, Failure>
    where
        Resp: FromWire,
    {
        let mut request = tonic::Request::new(message.message());
        self.metadata.apply(request.metadata_mut());
        if let Some((name, value)) = credential {
            insert_metadata(request.metadata_mut(), name, value).map_err(Failure::Error)?;
        }
        for (name, value) in call.options.map_or(&[][..], |o| &o.headers) {
            insert_metadata(request.metadata_mut(), name, value).map_err(Failure::Error)?;
        }
        if let Some(limit) = timeout {
            request.set_timeout(limit);
        }
        let grpc = tonic::client::Grpc::new(pool::LeaseService(Some(lease)))
            .max_decoding_message_size(self.settings.max_decoding_message_size)
            .max_encoding_message_size(usize::MAX)
            .send_compressed(tonic::codec::CompressionEncoding::Gzip)
            .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        let mut grpc = grpc;
        match grpc
            .unary(
                request,
                PathAndQuery::from_static(call.rpc.path),
                BytesCodec::<Resp>::default(),
            )
            .await
        {
            Ok(response) => Ok(response.into_inner()),
            Err(status) => Err(Failure::Status(status)),
        }
    }

    /// The generated stubs of all four services over this transport.
    pub(crate) fn raw(&self) -> RawClients {
        let channel = || {
            InterceptedService::new(
                auth::AuthenticatedPool::new(self.pool.clone(), self.auth.clone()),
                self.metadata.clone(),
            )
        };
        let limit = self.settings.max_decoding_message_size;
        RawClients {
            qdrant: proto::qdrant_client::QdrantClient::new(channel()).max_decoding_message_size(limit),
            collections: proto::collections_client::CollectionsClient::new(channel())
                .max_decoding_message_size(limit),
            points: proto::points_client::PointsClient::new(channel()).max_decoding_message_size(limit),
            snapshots: proto::snapshots_client::SnapshotsClient::new(channel())
                .max_decoding_message_size(limit),
        }
    }
}

/// The generated tonic stubs for Qdrant's four services, on the client's
/// pooled, authenticated connections. See [`crate::Client::raw`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::proto;
///
/// // The generated stubs, on the client's connections and credentials.
/// let mut raw = client.raw();
/// let reply = raw.collections.list(proto::ListCollectionsRequest {}).await?;
/// println!("{} collections", reply.into_inner().collections.len());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawClients {
    /// `qdrant.Qdrant`: the health check.
    pub qdrant: proto::qdrant_client::QdrantClient<RawChannel>,
    /// `qdrant.Collections`.
    pub collections: proto::collections_client::CollectionsClient<RawChannel>,
    /// `qdrant.Points`.
    pub points: proto::points_client::PointsClient<RawChannel>,
    /// `qdrant.Snapshots`.
    pub snapshots: proto::snapshots_client::SnapshotsClient<RawChannel>,
}

/// How an attempt failed, before the call's details are added.
enum Failure {
    Status(Status),
    Fault(connection::Fault),
    Error(Error),
}

/// The message length in a gRPC frame header, when `frame` holds one.
fn frame_len(frame: &[u8]) -> Option<usize> {
    let header: [u8; 4] = frame.get(1..5)?.try_into().ok()?;
    Some(u32::from_be_bytes(header) as usize)
}

/// The error of an answer above the decoding limit, as tonic words it.
fn too_large(len: usize, limit: usize) -> Status {
    Status::out_of_range(format!(
        "Error, decoded message length too large: found {len} bytes, the limit is: {limit} bytes"
    ))
}

/// The status of an HTTP answer without gRPC status, by gRPC's mapping
/// of HTTP codes.
fn http_status(status: http::StatusCode) -> Status {
    let code = match status.as_u16() {
        400 => tonic::Code::Internal,
        401 => tonic::Code::Unauthenticated,
        403 => tonic::Code::PermissionDenied,
        404 => tonic::Code::Unimplemented,
        429 | 502 | 503 | 504 => tonic::Code::Unavailable,
        _ => tonic::Code::Unknown,
    };
    Status::new(
        code,
        format!(
            "the server answered HTTP status {} without a gRPC status",
            status.as_u16()
        ),
    )
}

/// A `grpc-timeout` value: at most eight digits and a unit.
fn grpc_timeout(limit: Duration) -> http::HeaderValue {
    const MAX: u128 = 99_999_999;
    let nanos = limit.as_nanos();
    let (value, unit) = if nanos <= MAX {
        (nanos, "n")
    } else if nanos / 1_000 <= MAX {
        (nanos / 1_000, "u")
    } else if nanos / 1_000_000 <= MAX {
        (nanos / 1_000_000, "m")
    } else if limit.as_secs() as u128 <= MAX {
        (limit.as_secs() as u128, "S")
    } else if limit.as_secs() as u128 / 60 <= MAX {
        (limit.as_secs() as u128 / 60, "M")
    } else {
        ((limit.as_secs() as u128 / 3600).min(MAX), "H")
    };
    http::HeaderValue::try_from(format!("{value}{unit}"))
        .unwrap_or_else(|_| http::HeaderValue::from_static("99999999H"))
}

/// An error status as this crate's error: [`ErrorKind::Server`] with its
/// code, message and `retry-after`, or [`ErrorKind::Connection`] when the
/// status reports that the connection broke. The status, or the
/// transport's own error, is kept as the source.
///
/// For the errors of the raw stubs of [`crate::Client::raw`], which are
/// statuses: the RPC, the collection and the endpoint are not known there.
impl From<Status> for Error {
    fn from(status: Status) -> Self {
        // Failures below gRPC arrive as a `connection::Fault` inside the
        // status.
        let fault = std::error::Error::source(&status).and_then(|s| s.downcast_ref::<connection::Fault>());
        if let Some(fault) = fault {
            return Error::connection(fault.detail.clone(), fault.sent)
                .with_shared_source(fault.source.clone());
        }
        let retry_after = status
            .metadata()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|secs| secs.is_finite() && *secs >= 0.0)
            .map(|secs| Duration::from_secs_f64(secs.min(MAX_TIMEOUT.as_secs_f64())));
        // tonic's own message is often just "transport error", with the
        // reason further down the status's causes.
        let detail = std::error::Error::source(&status)
            .map(endpoint::error_chain)
            .filter(|detail| !status.message().contains(detail.as_str()));
        Error::server(status, detail).with_retry_after(retry_after)
    }
}

/// Sends pre-encoded request bytes and decodes the response as the direct
/// path does ([`FromWire`]): the request is encoded once, whatever happens to
/// the call.
struct BytesCodec<Resp>(PhantomData<fn() -> Resp>);

impl<Resp> Default for BytesCodec<Resp> {
    fn default() -> Self {
        BytesCodec(PhantomData)
    }
}

impl<Resp: FromWire> Codec for BytesCodec<Resp> {
    type Encode = Bytes;
    type Decode = Resp;
    type Encoder = BytesEncoder;
    type Decoder = WireDecoder<Resp>;

    fn encoder(&mut self) -> Self::Encoder {
        BytesEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        WireDecoder(PhantomData)
    }
}

/// Decodes a (decompressed) answer with [`FromWire`].
struct WireDecoder<Resp>(PhantomData<fn() -> Resp>);

impl<Resp: FromWire> Decoder for WireDecoder<Resp> {
    type Item = Resp;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> std::result::Result<Option<Resp>, Status> {
        let message = src.copy_to_bytes(src.remaining());
        Resp::from_wire(message)
            .map(Some)
            .map_err(|e| Status::internal(e.to_string()))
    }
}

struct BytesEncoder;

impl Encoder for BytesEncoder {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> std::result::Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}
