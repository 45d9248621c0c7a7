//! `ClientBuilder`: everything about how a [`Client`] connects.

use std::time::Duration;

use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};

use super::{Client, Inner};
use crate::error::{Error, Result};
use crate::transport::endpoint::{self, EndpointSettings, Url};
use crate::transport::{CallSettings, ChannelPool, MetadataInterceptor, RetryPolicy, Transport};

/// Configures and builds a [`Client`].
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
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `connect()` or `build_lazy()`"]
pub struct ClientBuilder {
    urls: Vec<String>,
    api_key: Option<String>,
    headers: Vec<(String, String)>,
    endpoint: EndpointSettings,
    call: CallSettings,
    pool_size: usize,
    check_compatibility: bool,
}

impl ClientBuilder {
    pub(crate) fn new(url: impl Into<String>) -> Self {
        ClientBuilder {
            urls: vec![url.into()],
            api_key: None,
            headers: Vec::new(),
            endpoint: EndpointSettings::default(),
            call: CallSettings::default(),
            pool_size: 1,
            check_compatibility: true,
        }
    }

    /// Adds another node's URL; requests are balanced over all of them.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.urls.push(url.into());
        self
    }

    /// Sends this API key (the `api-key` header) with every request.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Default deadline of every request; each request can set its own.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call.timeout = Some(timeout);
        self
    }

    /// How long to wait for a connection to open (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.endpoint.connect_timeout = timeout;
        self
    }

    /// HTTP/2 keepalive ping interval (default 30 s); `None` turns pings off.
    pub fn keepalive(mut self, interval: Option<Duration>) -> Self {
        self.endpoint.keepalive_interval = interval;
        self
    }

    /// How long a keepalive ping may go unanswered before the connection
    /// is dropped (default 20 s).
    pub fn keepalive_timeout(mut self, timeout: Duration) -> Self {
        self.endpoint.keepalive_timeout = timeout;
        self
    }

    /// Trusts this PEM-encoded CA certificate for `https` URLs, in addition
    /// to the system's roots.
    pub fn ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.endpoint.ca_certificate = Some(pem.into());
        self
    }

    /// Presents this PEM-encoded client certificate and key (mutual TLS).
    pub fn client_certificate(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.endpoint.identity = Some((cert_pem.into(), key_pem.into()));
        self
    }

    /// Checks the server's certificate against this name instead of the
    /// URL's host.
    pub fn tls_domain(mut self, domain: impl Into<String>) -> Self {
        self.endpoint.tls_domain = Some(domain.into());
        self
    }

    /// gzip-compresses requests and accepts gzip responses.
    pub fn compression(mut self, enabled: bool) -> Self {
        self.call.compression = enabled;
        self
    }

    /// Sends this header (gRPC metadata) with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Largest response accepted, in bytes (default 64 MiB).
    pub fn max_decoding_message_size(mut self, bytes: usize) -> Self {
        self.call.max_decoding_message_size = bytes;
        self
    }

    /// Largest request sent, in bytes (default 64 MiB).
    pub fn max_encoding_message_size(mut self, bytes: usize) -> Self {
        self.call.max_encoding_message_size = bytes;
        self
    }

    /// How transient failures (unavailable, overloaded, connection reset)
    /// of idempotent calls are retried; [`RetryPolicy::disabled`] turns
    /// retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.call.retry = policy;
        self
    }

    /// HTTP/2 connections per URL (default 1). Requests go to the
    /// connection with the fewest in flight.
    pub fn pool_size(mut self, connections: usize) -> Self {
        self.pool_size = connections;
        self
    }

    /// Whether `connect()` compares the server's version with this client's
    /// protocol and warns on a mismatch (default true).
    pub fn check_compatibility(mut self, check: bool) -> Self {
        self.check_compatibility = check;
        self
    }

    /// Opens the connections, checks that the server answers, and reads
    /// its version.
    pub async fn connect(self) -> Result<Client> {
        let check = self.check_compatibility;
        let (client, urls, endpoints) = self.build()?;
        let mut channels = Vec::with_capacity(endpoints.len());
        for (url, endpoint) in urls.iter().zip(&endpoints) {
            match endpoint.connect().await {
                Ok(channel) => channels.push(channel),
                Err(e) => return Err(endpoint::connect_error(url, endpoint::error_chain(&e)).await),
            }
        }
        let client = client(ChannelPool::new(channels));
        let reply = client.health_check().await.map_err(|e| (e, &urls[0]));
        match reply {
            Ok(health) => {
                if check {
                    super::warn_on_version_mismatch(&health.version);
                }
                let _ = client.inner.server_version.set(health.version);
                Ok(client)
            }
            Err((
                Error::Server {
                    code: tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Internal,
                    message,
                    ..
                },
                url,
            )) => Err(endpoint::connect_error(url, message).await),
            Err((e, _)) => Err(e),
        }
    }

    /// Builds the client without connecting: connections open on first use.
    pub fn build_lazy(self) -> Result<Client> {
        let (client, _, endpoints) = self.build()?;
        Ok(client(ChannelPool::new(
            endpoints.iter().map(|e| e.connect_lazy()).collect(),
        )))
    }

    /// Validates everything, and returns the endpoints to open and a way to
    /// make the client from the pool once it is open.
    #[allow(clippy::type_complexity)]
    fn build(
        self,
    ) -> Result<(
        impl FnOnce(ChannelPool) -> Client,
        Vec<Url>,
        Vec<tonic::transport::Endpoint>,
    )> {
        if self.pool_size == 0 {
            return Err(Error::invalid_argument("pool_size", "must be at least 1"));
        }
        let urls = self
            .urls
            .iter()
            .map(|u| Url::parse(u))
            .collect::<Result<Vec<_>>>()?;
        let mut endpoints = Vec::with_capacity(urls.len() * self.pool_size);
        let mut endpoint_urls = Vec::with_capacity(endpoints.capacity());
        for url in &urls {
            let endpoint = endpoint::endpoint(url, &self.endpoint)?;
            for _ in 0..self.pool_size {
                endpoints.push(endpoint.clone());
                endpoint_urls.push(url.clone());
            }
        }
        let metadata = metadata(self.api_key, self.headers)?;
        let call = self.call;
        let make = move |pool: ChannelPool| Client {
            inner: std::sync::Arc::new(Inner {
                transport: Transport {
                    pool,
                    metadata,
                    settings: call,
                },
                server_version: std::sync::OnceLock::new(),
            }),
        };
        Ok((make, endpoint_urls, endpoints))
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
        let value = AsciiMetadataValue::try_from(value.as_str()).map_err(|_| {
            Error::invalid_argument(
                argument,
                format!("the value for `{name}` is not valid in a header"),
            )
        })?;
        entries.push((key, value));
    }
    Ok(MetadataInterceptor::new(entries))
}
