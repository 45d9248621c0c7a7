//! How requests travel: the connection pool, metadata (api key, user agent,
//! custom headers), deadlines, compression and message limits.
//!
//! Facade calls encode their request once into bytes and send those bytes
//! through [`Transport::unary`]; the raw stubs of [`crate::Client::raw`] run
//! over the same pool with the same metadata.

pub(crate) mod auth;
pub(crate) mod connection;
pub(crate) mod endpoint;
pub(crate) mod pool;
pub(crate) mod tls;

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes};
use prost::Message;
use tonic::Status;
use tonic::codec::{Codec, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::service::interceptor::InterceptedService;
use tonic_prost::ProstDecoder;

use crate::error::{Error, ErrorKind, Result};
use crate::proto;
pub use auth::{AuthenticatedPool, Token, TokenError};
pub use pool::ChannelPool;

/// Adds the client's metadata (api key, custom headers) to every request.
#[derive(Clone, Default)]
pub struct MetadataInterceptor {
    headers: Arc<[(AsciiMetadataKey, AsciiMetadataValue)]>,
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
        MetadataInterceptor {
            headers: headers.into(),
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

/// Adds the token provider's credential to a request's metadata, as a
/// sensitive value.
fn insert_credential(
    metadata: &mut MetadataMap,
    name: &http::HeaderName,
    value: &http::HeaderValue,
) -> Result<()> {
    let refused = || Error::invalid_argument("token", "not a valid ASCII header value");
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
            retry: None,
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
            retry: None,
        }
    }
}

/// What a caller may set on any one request: its deadline, and headers of
/// its own (sent after the client's, so that they override them).
#[derive(Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    headers: Vec<(AsciiMetadataKey, AsciiMetadataValue)>,
    /// The name of a header that is not a valid one, reported when the call
    /// is sent (its value is never quoted).
    invalid: Option<String>,
}

impl CallOptions {
    /// Adds a header; its value is a secret to `Debug` and logs.
    pub(crate) fn header(&mut self, name: &str, value: &str) {
        let key = AsciiMetadataKey::from_bytes(name.as_bytes());
        let value = AsciiMetadataValue::try_from(value);
        match (key, value) {
            (Ok(key), Ok(mut value)) => {
                value.set_sensitive(true);
                self.headers.push((key, value));
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
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
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
    /// Overrides the client's retry policy for this call.
    retry: Option<RetryPolicy>,
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

    /// Retries this call by `policy` instead of the client's.
    pub(crate) fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
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
    pub fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..Self::default()
        }
    }

    /// No retries: every failure is returned at once.
    pub fn disabled() -> Self {
        Self::new(1)
    }

    /// Sets the backoff before the first retry.
    pub fn base_backoff(mut self, backoff: Duration) -> Self {
        self.base_backoff = backoff;
        self
    }

    /// Sets the longest backoff.
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
    pub(crate) async fn unary<Req, Resp>(&self, call: Call<'_>, request: &Req) -> Result<Resp>
    where
        Req: Message,
        Resp: Message + Default + Send + 'static,
    {
        self.unary_encoded(call, Bytes::from(request.encode_to_vec()))
            .await
    }

    /// Like [`unary`](Self::unary), for a request already encoded.
    pub(crate) async fn unary_encoded<Resp>(&self, call: Call<'_>, bytes: Bytes) -> Result<Resp>
    where
        Resp: Message + Default + Send + 'static,
    {
        let rpc = call.rpc;
        if let Some(name) = call.options.and_then(|o| o.invalid.as_deref()) {
            return Err(Error::invalid_argument(
                format!("header `{name}`"),
                "not a valid gRPC header name and ASCII value",
            ));
        }
        if bytes.len() > self.settings.max_encoding_message_size {
            return Err(Error::invalid_argument(
                "request",
                format!(
                    "{} encodes to {} bytes, above the limit of {} bytes; send it in smaller parts",
                    rpc.name(),
                    bytes.len(),
                    self.settings.max_encoding_message_size
                ),
            ));
        }
        let timeout = call.timeout.or(self.settings.timeout).map(|t| t.min(MAX_TIMEOUT));
        let span = tracing::debug_span!(
            "qdrant.rpc",
            rpc = rpc.name(),
            collection = call.collection.unwrap_or(""),
            attempt = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        // The endpoint of the last attempt sent, for the timeout error.
        let last_endpoint: std::sync::Mutex<Option<Arc<str>>> = std::sync::Mutex::new(None);
        let attempts = async {
            let policy = call.retry.as_ref().unwrap_or(&self.settings.retry);
            let max_attempts = policy.max_attempts.max(1);
            let mut attempt = 1;
            let mut avoid = None;
            // A credential the server refused is fetched anew, and the call
            // sent once more with it (a refused call was not applied).
            let mut refetched = false;
            loop {
                span.record("attempt", attempt);
                let credential = match &self.auth {
                    Some(auth) => Some(
                        auth.header()
                            .await
                            .map_err(|e| e.with_call(rpc.name(), call.collection))?,
                    ),
                    None => None,
                };
                let result = self
                    .send::<Resp>(
                        call,
                        bytes.clone(),
                        timeout,
                        avoid,
                        &last_endpoint,
                        credential.as_ref(),
                    )
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
                        tracing::debug!(parent: &span, %error, ?pause, "transient failure, retrying");
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
            Some(limit) => match tokio::time::timeout(limit, attempts).await {
                Ok(result) => result,
                Err(_) => {
                    let error = Error::timeout(rpc.name(), call.collection, Some(limit));
                    let last = last_endpoint.lock().ok().and_then(|e| e.clone());
                    Err(match last {
                        Some(endpoint) => error.with_endpoint(&*endpoint),
                        None => error,
                    })
                }
            },
            None => attempts.await,
        };
        span.record(
            "outcome",
            match &result {
                Ok(_) => "ok",
                Err(e) => match (e.kind(), e.code()) {
                    (ErrorKind::Server, Some(code)) => code.description(),
                    (ErrorKind::Timeout, _) => "timeout",
                    (ErrorKind::Connect, _) => "cannot connect",
                    (ErrorKind::Connection, _) => "connection failed",
                    _ => "failed",
                },
            },
        );
        result
    }

    /// One attempt: a stream from the pool, the request, the answer. The
    /// error comes with the index of the endpoint it happened at.
    async fn send<Resp>(
        &self,
        call: Call<'_>,
        bytes: Bytes,
        timeout: Option<Duration>,
        avoid: Option<usize>,
        last_endpoint: &std::sync::Mutex<Option<Arc<str>>>,
        credential: Option<&(http::HeaderName, http::HeaderValue)>,
    ) -> std::result::Result<Resp, (Error, Option<usize>)>
    where
        Resp: Message + Default + Send + 'static,
    {
        let lease = self.pool.acquire(avoid).await.map_err(|e| (e, None))?;
        // Boxed so that a call waiting for a stream holds only the small
        // waiting state, not the space of a whole gRPC exchange.
        Box::pin(self.send_on(lease, call, bytes, timeout, last_endpoint, credential)).await
    }

    /// The request and its answer, on a leased stream.
    async fn send_on<Resp>(
        &self,
        lease: pool::Lease,
        call: Call<'_>,
        bytes: Bytes,
        timeout: Option<Duration>,
        last_endpoint: &std::sync::Mutex<Option<Arc<str>>>,
        credential: Option<&(http::HeaderName, http::HeaderValue)>,
    ) -> std::result::Result<Resp, (Error, Option<usize>)>
    where
        Resp: Message + Default + Send + 'static,
    {
        let rpc = call.rpc;
        let index = lease.endpoint();
        let endpoint = self.pool.endpoint_name(index);
        if let Ok(mut last) = last_endpoint.lock() {
            *last = Some(endpoint.clone());
        }
        let mut request = tonic::Request::new(bytes);
        self.metadata.apply(request.metadata_mut());
        if let Some((name, value)) = credential {
            insert_credential(request.metadata_mut(), name, value).map_err(|e| (e, None))?;
        }
        if let Some(options) = call.options {
            for (key, value) in &options.headers {
                request.metadata_mut().insert(key.clone(), value.clone());
            }
        }
        if let Some(limit) = timeout {
            request.set_timeout(limit);
        }
        let mut grpc = tonic::client::Grpc::new(pool::LeaseService(Some(lease)))
            .max_decoding_message_size(self.settings.max_decoding_message_size)
            .max_encoding_message_size(usize::MAX);
        if self.settings.compression {
            grpc = grpc
                .send_compressed(tonic::codec::CompressionEncoding::Gzip)
                .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        }
        let response = grpc
            .unary(
                request,
                PathAndQuery::from_static(rpc.path),
                BytesCodec::<Resp>::default(),
            )
            .await;
        match response {
            Ok(response) => Ok(response.into_inner()),
            Err(status) => Err((status_error(status, rpc, call.collection, &endpoint), Some(index))),
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

/// Maps a failed attempt's status to the crate's error, naming the RPC,
/// the collection and the endpoint.
fn status_error(status: Status, rpc: Rpc, collection: Option<&str>, endpoint: &str) -> Error {
    Error::from(status)
        .with_call(rpc.name(), collection)
        .with_endpoint(endpoint)
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

/// Sends pre-encoded request bytes and decodes the response with prost:
/// the request is encoded once, whatever happens to the call.
struct BytesCodec<Resp>(PhantomData<fn() -> Resp>);

impl<Resp> Default for BytesCodec<Resp> {
    fn default() -> Self {
        BytesCodec(PhantomData)
    }
}

impl<Resp: Message + Default + Send + 'static> Codec for BytesCodec<Resp> {
    type Encode = Bytes;
    type Decode = Resp;
    type Encoder = BytesEncoder;
    type Decoder = ProstDecoder<Resp>;

    fn encoder(&mut self) -> Self::Encoder {
        BytesEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstDecoder::default()
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
