//! `ClientBuilder`: everything about how a [`Client`] connects.

use std::time::Duration;

use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};

use super::{Client, Inner};
use crate::error::{Error, Result};
use crate::transport::connection::ConnectSettings;
use crate::transport::endpoint::Url;
use crate::transport::pool::PoolSettings;
use crate::transport::tls::TlsConnector;
use crate::transport::{CallSettings, ChannelPool, MetadataInterceptor, RetryPolicy, Transport};

/// The most connections per endpoint a client may be given.
const MAX_CONNECTIONS: usize = 64;
/// The most streams per connection a client may be given.
const MAX_STREAMS: usize = 10_000;
/// The longest connect timeout; longer ones are clamped to it.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(600);

/// Configures and builds a [`Client`].
///
/// `Debug` shows the URLs and settings, never the API key, header values or
/// TLS material.
///
/// ```no_run
/// # async fn run() -> qdrant_async::Result<()> {
/// use std::time::Duration;
///
/// let client = qdrant_async::Client::builder("https://qdrant.example.com:6334")
///     .api_key("secret")
///     .timeout(Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(3))
///     .compression(true)
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until `connect()` or `build_lazy()`"]
pub struct ClientBuilder {
    urls: Vec<String>,
    api_key: Option<String>,
    auth: Option<std::sync::Arc<crate::transport::auth::Auth>>,
    headers: Vec<(String, String)>,
    connect: ConnectSettings,
    ca_certificate: Option<Vec<u8>>,
    identity: Option<(Vec<u8>, Vec<u8>)>,
    tls_domain: Option<String>,
    call: CallSettings,
    pool_size: usize,
    max_connections: Option<usize>,
    check_compatibility: bool,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("ClientBuilder")
            .field("urls", &self.urls)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("token_provider", &self.auth.is_some())
            .field("headers", &header_names)
            .field("connect", &self.connect)
            .field("ca_certificate", &self.ca_certificate.is_some())
            .field("client_certificate", &self.identity.is_some())
            .field("tls_domain", &self.tls_domain)
            .field("call", &self.call)
            .field("pool_size", &self.pool_size)
            .field("max_connections", &self.max_connections)
            .field("check_compatibility", &self.check_compatibility)
            .finish()
    }
}

impl ClientBuilder {
    pub(crate) fn new(url: impl Into<String>) -> Self {
        ClientBuilder {
            urls: vec![url.into()],
            api_key: None,
            auth: None,
            headers: Vec::new(),
            connect: ConnectSettings {
                connect_timeout: Duration::from_secs(5),
                keepalive_interval: Some(Duration::from_secs(30)),
                keepalive_timeout: Duration::from_secs(20),
                max_streams: 100,
            },
            ca_certificate: None,
            identity: None,
            tls_domain: None,
            call: CallSettings::default(),
            pool_size: 1,
            max_connections: None,
            check_compatibility: true,
        }
    }

    /// Adds another node's URL; requests are balanced over all of them.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// // Three nodes of one cluster: calls go round them, a dead one is skipped.
    /// let builder = Client::builder("http://localhost:6334")
    ///     .url("http://node-2:6334")
    ///     .url("http://node-3:6334");
    /// ```
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.urls.push(url.into());
        self
    }

    /// Sends this API key (the `api-key` header) with every request.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let api_key = std::env::var("QDRANT_API_KEY").unwrap_or_default();
    /// let builder = Client::builder("https://xyz.cloud.qdrant.io:6334").api_key(api_key);
    /// ```
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Gets the credential from an async callback instead of a fixed API
    /// key: an API key or a bearer token (a JWT of Qdrant's RBAC) that
    /// rotates. The client calls it before the first request, keeps its
    /// [`Token`](crate::Token) until the token's expiry, and calls it again
    /// then, or when the server answers `Unauthenticated` (that request is
    /// sent once more with the new token). Concurrent requests share one
    /// call. Raw stubs (`raw()`) use it too. The token is never printed.
    ///
    /// An error from the callback fails the request with
    /// [`ErrorKind::Auth`](crate::ErrorKind::Auth), the error as its source.
    /// Setting both this and [`api_key`](Self::api_key) is an
    /// `InvalidArgument` when connecting.
    ///
    /// ```no_run
    /// # async fn fetch_jwt() -> Result<(String, u64), std::io::Error> { Ok((String::new(), 0)) }
    /// # async fn run() -> qdrant_async::Result<()> {
    /// use std::time::Duration;
    /// use qdrant_async::{Client, Token};
    ///
    /// let client = Client::builder("https://qdrant.example.com:6334")
    ///     .token_provider(|| async {
    ///         // Your identity service, vault, or cloud secret manager.
    ///         let (jwt, valid_secs) = fetch_jwt().await?;
    ///         Ok::<_, std::io::Error>(Token::bearer(jwt).expires_in(Duration::from_secs(valid_secs)))
    ///     })
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn token_provider<F, Fut, E>(mut self, provider: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = std::result::Result<crate::Token, E>> + Send + 'static,
        E: Into<crate::TokenError> + 'static,
    {
        self.auth = Some(std::sync::Arc::new(crate::transport::auth::Auth::new(provider)));
        self
    }

    /// Default deadline of every request; each request can set its own.
    /// It covers waiting for a free stream, every attempt and the pauses
    /// between retries. Deadlines above 30 days are clamped to 30 days.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let builder = Client::builder("http://localhost:6334").timeout(std::time::Duration::from_secs(10));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call.timeout = Some(timeout);
        self
    }

    /// How long opening a connection may take, all of it: TCP, TLS, the
    /// HTTP/2 handshake and a health check (default 5 s, at most 10 min).
    /// `connect()` as a whole fails within it.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let builder = Client::builder("http://localhost:6334").connect_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect.connect_timeout = timeout.min(MAX_CONNECT_TIMEOUT);
        self
    }

    /// HTTP/2 keepalive ping interval (default 30 s); `None` turns pings off.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// // A ping every 30 s on idle connections; `None` turns pings off.
    /// let builder = Client::builder("http://localhost:6334").keepalive(Some(std::time::Duration::from_secs(30)));
    /// ```
    pub fn keepalive(mut self, interval: Option<Duration>) -> Self {
        self.connect.keepalive_interval = interval;
        self
    }

    /// How long a keepalive ping may go unanswered before the connection
    /// is dropped (default 20 s).
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let builder = Client::builder("http://localhost:6334")
    ///     .keepalive(Some(std::time::Duration::from_secs(30)))
    ///     .keepalive_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn keepalive_timeout(mut self, timeout: Duration) -> Self {
        self.connect.keepalive_timeout = timeout.min(MAX_CONNECT_TIMEOUT);
        self
    }

    /// Trusts the PEM-encoded CA certificates in `pem` for `https` URLs, in
    /// addition to the system's roots. A PEM without a certificate is an
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when the client is built.
    ///
    /// ```no_run
    /// # async fn run() -> anyhow::Result<()> {
    /// use qdrant_async::Client;
    ///
    /// let client = Client::builder("https://qdrant.internal:6334")
    ///     .ca_certificate(std::fs::read("ca.pem")?)
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_certificate = Some(pem.into());
        self
    }

    /// Presents this PEM-encoded client certificate chain and private key
    /// (mutual TLS). Checked when the client is built.
    ///
    /// ```no_run
    /// # async fn run() -> anyhow::Result<()> {
    /// use qdrant_async::Client;
    ///
    /// // Mutual TLS: the server checks the client's certificate too.
    /// let client = Client::builder("https://qdrant.internal:6334")
    ///     .ca_certificate(std::fs::read("ca.pem")?)
    ///     .client_certificate(std::fs::read("client.pem")?, std::fs::read("client.key")?)
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn client_certificate(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.identity = Some((cert_pem.into(), key_pem.into()));
        self
    }

    /// Checks the server's certificate against this name instead of the
    /// URL's host.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// // Connect by IP address, check the certificate's name.
    /// let builder = Client::builder("http://localhost:6334")
    ///     .ca_certificate(b"-----BEGIN CERTIFICATE-----...".to_vec())
    ///     .tls_domain("qdrant.internal");
    /// ```
    pub fn tls_domain(mut self, domain: impl Into<String>) -> Self {
        self.tls_domain = Some(domain.into());
        self
    }

    /// gzip-compresses requests and accepts gzip responses.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// // gzip for large payloads over a slow link.
    /// let builder = Client::builder("http://localhost:6334").compression(true);
    /// ```
    pub fn compression(mut self, enabled: bool) -> Self {
        self.call.compression = enabled;
        self
    }

    /// Sends this header (gRPC metadata) with every request.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let builder = Client::builder("http://localhost:6334").header("x-request-source", "billing-service");
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Largest response accepted, in bytes (default 64 MiB).
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// // Accept answers up to 256 MiB (large scroll pages with vectors).
    /// let builder = Client::builder("http://localhost:6334").max_decoding_message_size(256 * 1024 * 1024);
    /// ```
    pub fn max_decoding_message_size(mut self, bytes: usize) -> Self {
        self.call.max_decoding_message_size = bytes;
        self
    }

    /// Largest request sent, in bytes (default 64 MiB).
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let builder = Client::builder("http://localhost:6334").max_encoding_message_size(64 * 1024 * 1024);
    /// ```
    pub fn max_encoding_message_size(mut self, bytes: usize) -> Self {
        self.call.max_encoding_message_size = bytes;
        self
    }

    /// How transient failures (unavailable, overloaded, connection reset)
    /// of idempotent calls are retried; [`RetryPolicy::disabled`] turns
    /// retries off.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// // Fail fast: no retries at all.
    /// let builder = Client::builder("http://localhost:6334").retry(qdrant_async::RetryPolicy::disabled());
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.call.retry = policy;
        self
    }

    /// HTTP/2 connections opened per URL by `connect()` (default 1, at
    /// most 64). More are opened as load requires, up to
    /// [`max_connections`](Self::max_connections). Requests go to the
    /// connection with the fewest in flight.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// // Eight connections per URL from the start.
    /// let builder = Client::builder("http://localhost:6334").pool_size(8);
    /// ```
    pub fn pool_size(mut self, connections: usize) -> Self {
        self.pool_size = connections;
        self
    }

    /// The most HTTP/2 connections per URL, opened one by one when every
    /// open connection carries
    /// [`max_concurrent_streams`](Self::max_concurrent_streams) requests
    /// (default 4 or `pool_size`, whichever is larger; at most 64).
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let builder = Client::builder("http://localhost:6334").pool_size(2).max_connections(16);
    /// ```
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// The most requests in flight on one connection (default 100; at most
    /// 10,000), lowered to the server's own HTTP/2 limit when it has one.
    /// Requests beyond what all connections carry wait in the client for a
    /// free stream, within their deadline, instead of failing.
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let builder = Client::builder("http://localhost:6334").max_concurrent_streams(50);
    /// ```
    pub fn max_concurrent_streams(mut self, streams: usize) -> Self {
        self.connect.max_streams = streams;
        self
    }

    /// Whether `connect()` compares the server's version with this client's
    /// protocol and warns on a mismatch (default true).
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// let builder = Client::builder("http://localhost:6334").check_compatibility(false);
    /// ```
    pub fn check_compatibility(mut self, check: bool) -> Self {
        self.check_compatibility = check;
        self
    }

    /// Opens the connections, checks that the server answers, and reads
    /// its version, all within the connect timeout. With several URLs it
    /// succeeds when at least one answers; the others are checked in the
    /// background and join the rotation once they answer.
    ///
    /// ```no_run
    /// # async fn run() -> anyhow::Result<()> {
    /// use qdrant_async::{Client, RetryPolicy};
    /// use std::time::Duration;
    ///
    /// let client = Client::builder("http://localhost:6334")
    ///     .timeout(Duration::from_secs(5))
    ///     .retry(RetryPolicy::new(3))
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(self) -> Result<Client> {
        let check = self.check_compatibility;
        let deadline = self.connect.connect_timeout;
        let first = self.urls.first().cloned().unwrap_or_default();
        let client = self.build()?;
        let connecting = async {
            client.transport().pool.connect().await?;
            let health = client.health_check_within(deadline).await?;
            if check {
                super::warn_on_version_mismatch(&health.version);
            }
            let _ = client.inner.server_version.set(health.version);
            Ok(())
        };
        match tokio::time::timeout(deadline, connecting).await {
            Ok(Ok(())) => Ok(client),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::connect(
                Url::parse(&first).map(|u| u.origin()).unwrap_or(first),
                format!("no answer within the connect timeout of {deadline:?}"),
                None,
            )),
        }
    }

    /// Builds the client without connecting: connections open on first use.
    /// Everything else is checked as by [`connect`](Self::connect).
    ///
    /// ```
    /// use qdrant_async::Client;
    ///
    /// // No I/O here: a client for a service that starts before Qdrant does.
    /// let client = Client::builder("http://localhost:6334").build_lazy()?;
    /// # Ok::<(), qdrant_async::Error>(())
    /// ```
    pub fn build_lazy(self) -> Result<Client> {
        self.build()
    }

    /// Validates everything and makes the client, with nothing opened yet.
    fn build(self) -> Result<Client> {
        if !(1..=MAX_CONNECTIONS).contains(&self.pool_size) {
            return Err(Error::invalid_argument(
                "pool_size",
                format!("must be between 1 and {MAX_CONNECTIONS}, not {}", self.pool_size),
            ));
        }
        let max_connections = self.max_connections.unwrap_or(self.pool_size.max(4));
        if !(self.pool_size..=MAX_CONNECTIONS).contains(&max_connections) {
            return Err(Error::invalid_argument(
                "max_connections",
                format!(
                    "must be between pool_size ({}) and {MAX_CONNECTIONS}, not {max_connections}",
                    self.pool_size
                ),
            ));
        }
        if !(1..=MAX_STREAMS).contains(&self.connect.max_streams) {
            return Err(Error::invalid_argument(
                "max_concurrent_streams",
                format!(
                    "must be between 1 and {MAX_STREAMS}, not {}",
                    self.connect.max_streams
                ),
            ));
        }
        if self.connect.connect_timeout.is_zero() {
            return Err(Error::invalid_argument(
                "connect_timeout",
                "must be more than zero",
            ));
        }
        if self.urls.is_empty() {
            return Err(Error::invalid_argument("url", "no URL was given"));
        }
        let urls = self
            .urls
            .iter()
            .map(|u| Url::parse(u))
            .collect::<Result<Vec<_>>>()?;
        let needs_tls =
            urls.iter().any(|u| u.tls) || self.ca_certificate.is_some() || self.identity.is_some();
        let tls = if needs_tls {
            let identity = self.identity.as_ref().map(|(c, k)| (c.as_slice(), k.as_slice()));
            Some(TlsConnector::new(self.ca_certificate.as_deref(), identity)?)
        } else {
            None
        };
        let pool = ChannelPool::new(
            urls,
            self.tls_domain.as_deref(),
            tls,
            PoolSettings {
                min_connections: self.pool_size,
                max_connections,
                connect: self.connect,
            },
        )?;
        if self.api_key.is_some() && self.auth.is_some() {
            return Err(Error::invalid_argument(
                "token_provider",
                "set either an api_key or a token_provider, not both",
            ));
        }
        let metadata = metadata(self.api_key, self.headers)?;
        Ok(Client {
            inner: std::sync::Arc::new(Inner {
                transport: Transport {
                    pool,
                    metadata,
                    settings: self.call,
                    auth: self.auth,
                    buffers: Default::default(),
                },
                server_version: std::sync::OnceLock::new(),
            }),
        })
    }
}

fn metadata(api_key: Option<String>, headers: Vec<(String, String)>) -> Result<MetadataInterceptor> {
    let mut entries = Vec::new();
    let pairs = api_key
        .map(|k| ("api-key".to_string(), k, "api_key"))
        .into_iter()
        .chain(headers.into_iter().map(|(k, v)| (k, v, "header")));
    for (name, value, argument) in pairs {
        let key = AsciiMetadataKey::from_bytes(name.to_ascii_lowercase().as_bytes())
            .map_err(|_| Error::invalid_argument(argument, format!("`{name}` is not a valid header name")))?;
        let mut value = AsciiMetadataValue::try_from(value.as_str()).map_err(|_| {
            Error::invalid_argument(
                argument,
                format!("the value for `{name}` is not valid in a header"),
            )
        })?;
        // Header values may be secrets: HPACK never indexes sensitive
        // values, and their `Debug` prints no bytes.
        value.set_sensitive(true);
        entries.push((key, value));
    }
    Ok(MetadataInterceptor::new(entries))
}
