//! [`Client`]: one handle, cheap to clone, for every RPC of Qdrant's gRPC API.
//!
//! Each method takes the call's required arguments and returns a request
//! builder; optional arguments are chained setters, and `.await` sends it.
//!
//! # How this module is built
//!
//! One file per API area: `collections.rs`, `points.rs` (writes),
//! `query.rs` (reads), `legacy.rs` (the deprecated search APIs),
//! `snapshots.rs`, `upload.rs` (bulk upload). Each file holds, for each RPC,
//! one `Client` method and the request type it returns. `request.rs` holds
//! what they all share: [`ResponseFuture`], the write options, and the
//! `request!` macro.
//!
//! **Request types are named after their method**, in `UpperCamelCase`:
//! `delete_payload` returns `DeletePayload`, `search_matrix_pairs` returns
//! `SearchMatrixPairs`. When a public type already has that name (a
//! result such as `CollectionClusterInfo` or `SearchMatrixOffsets`), the
//! request takes a `Request` suffix: `CollectionClusterInfoRequest`,
//! `SearchMatrixOffsetsRequest`. A method that is only a shortcut for
//! another returns that other's request: `create_alias`, `rename_alias` and
//! `delete_alias` return [`UpdateCollectionAliases`]; `upload_stream` and
//! `upload_collection` return [`UploadPoints`].
//!
//! Every request type implements [`IntoFuture`](std::future::IntoFuture)
//! with [`ResponseFuture`] as its future, and has `.timeout()`. No public
//! signature here names a `proto` type: requests hold domain values and
//! build their message when sent.
//!
//! ## Adding an RPC
//!
//! In the file of its area, and nowhere else:
//!
//! 1. a `const` `Rpc` (from `transport`) with its path, `read` or
//!    `write`;
//! 2. a `Client` method: required arguments as parameters
//!    (`impl Into<..>`), a doc comment that says what `.await` returns and
//!    shows an example;
//! 3. its request type: `#[must_use]`, fields `client: &'a Client`,
//!    `timeout: Option<Duration>` (and `write: WriteOptions` for a write on
//!    points), one setter per optional argument, and a private
//!    `async fn send(self) -> Result<Output>` that checks the arguments,
//!    builds the message and sends it with `self.client.transport()`;
//! 4. `request!(Type => Output)` below it (`, write` or `, sharded write`
//!    for writes on points), which adds `IntoFuture` and the shared setters.
//!
//! The module re-exports everything public, so the new type needs no other
//! line. Its domain types and their conversions go in `types/`.

mod collections;
mod config;
mod legacy;
mod points;
mod query;
pub(crate) mod request;
mod snapshots;
mod upload;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use collections::*;
pub use config::ClientBuilder;
pub use legacy::*;
pub use points::*;
pub use query::*;
pub use request::ResponseFuture;
pub(crate) use request::request;
pub use snapshots::*;
pub use upload::UploadPoints;

use crate::error::{Error, Result};
use crate::proto;
use crate::transport::{CallOptions, RawClients, Rpc, Transport};

/// The protocol version this crate speaks.
const PROTOCOL_VERSION: (u64, u64) = (1, 20);

/// A Qdrant client: `Clone + Send + Sync`, with one `Arc` inside; clone it
/// freely and share it across tasks.
///
/// ```no_run
/// # async fn run() -> qdrant_async::Result<()> {
/// let client = qdrant_async::Client::connect("http://localhost:6334").await?;
/// let health = client.health_check().await?;
/// println!("{} {}", health.title, health.version);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) server_version: OnceLock<String>,
}

/// The request built by [`Client::health_check`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let reply = client.health_check().await?;
/// println!("{} {}", reply.title, reply.version);
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
#[derive(Debug)]
pub struct HealthCheck<'a> {
    client: &'a Client,
    call: CallOptions,
}

impl HealthCheck<'_> {
    async fn send(self) -> Result<HealthCheckReply> {
        const RPC: Rpc = Rpc::read("/qdrant.Qdrant/HealthCheck");
        let reply: proto::HealthCheckReply = self
            .client
            .transport()
            .unary(RPC.call().options(&self.call), &proto::HealthCheckRequest {})
            .await?;
        Ok(HealthCheckReply {
            title: reply.title,
            version: reply.version,
            commit: reply.commit,
        })
    }
}

request!(HealthCheck => HealthCheckReply);

/// The server's answer to a health check.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let reply = client.health_check().await?;
/// assert!(!reply.version.is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HealthCheckReply {
    /// The server's name.
    pub title: String,
    /// The server's version, such as `1.19.0`.
    pub version: String,
    /// The commit it was built from, when it says.
    pub commit: Option<String>,
}

impl Client {
    /// Connects to one Qdrant node (`http://` or `https://`, gRPC port 6334
    /// unless given) and reads its version.
    ///
    /// ```no_run
    /// # async fn run() -> qdrant_async::Result<()> {
    /// let client = qdrant_async::Client::connect("http://localhost:6334").await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: impl Into<String>) -> Result<Client> {
        ClientBuilder::new(url).connect().await
    }

    /// Starts configuring a client: API key, timeouts, TLS, pool, ...
    ///
    /// ```no_run
    /// # async fn run() -> qdrant_async::Result<()> {
    /// use std::time::Duration;
    ///
    /// let client = qdrant_async::Client::builder("https://xyz.cloud.qdrant.io")
    ///     .api_key("secret")
    ///     .timeout(Duration::from_secs(10))
    ///     .pool_size(4)
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url)
    }

    /// Checks that the server answers, and returns its name and version.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let reply = client.health_check().await?;
    /// assert!(!reply.version.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn health_check(&self) -> HealthCheck<'_> {
        HealthCheck {
            client: self,
            call: CallOptions::default(),
        }
    }

    /// A health check with its own deadline (for `connect`).
    pub(crate) async fn health_check_within(&self, timeout: Duration) -> Result<HealthCheckReply> {
        self.health_check().timeout(timeout).await
    }

    /// The server's version, as read when the client connected (`None` for
    /// a lazily built client until it has connected).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) {
    /// println!("Qdrant {}", client.server_version().unwrap_or("unknown"));
    /// # }
    /// ```
    pub fn server_version(&self) -> Option<&str> {
        self.inner.server_version.get().map(String::as_str)
    }

    /// The generated tonic stubs for all four services, on this client's
    /// pooled connections, with its API key and headers: the escape hatch
    /// for anything the facade does not cover.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::proto;
    ///
    /// let mut raw = client.raw();
    /// let reply = raw.qdrant.health_check(proto::HealthCheckRequest {}).await?;
    /// println!("{}", reply.into_inner().version);
    /// # Ok(()) }
    /// ```
    pub fn raw(&self) -> RawClients {
        self.transport().raw()
    }

    /// Requests sent on each pooled connection so far, for diagnostics.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) {
    /// let spread = client.requests_per_connection();
    /// println!("{} connections: {spread:?}", spread.len());
    /// # }
    /// ```
    pub fn requests_per_connection(&self) -> Vec<usize> {
        self.transport().pool.sent_per_connection()
    }

    /// Open connections per URL, in the order the URLs were given: they
    /// grow with load, and a URL whose node is down has none.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) {
    /// println!("connections per URL: {:?}", client.connections_per_url());
    /// # }
    /// ```
    pub fn connections_per_url(&self) -> Vec<usize> {
        self.transport().pool.connections_per_endpoint()
    }

    /// Whether each URL is in the rotation, in the order given: a URL
    /// that cannot be connected to is taken out, checked in the background,
    /// and taken back once it answers.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) {
    /// let up = client.urls_up();
    /// println!("{} of {} URLs answer", up.iter().filter(|u| **u).count(), up.len());
    /// # }
    /// ```
    pub fn urls_up(&self) -> Vec<bool> {
        self.transport().pool.endpoints_up()
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }
}

/// Warns when the server's version is too far from this client's protocol:
/// another major version, or a minor version more than one apart.
fn warn_on_version_mismatch(server: &str) {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.trim_start_matches('v').split('.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match parse(server) {
        Some((major, minor)) if major == PROTOCOL_VERSION.0 && minor.abs_diff(PROTOCOL_VERSION.1) <= 1 => {}
        Some(_) => tracing::warn!(
            server_version = server,
            client_protocol = %format!("{}.{}", PROTOCOL_VERSION.0, PROTOCOL_VERSION.1),
            "Qdrant server version differs from the client's protocol by more than one minor version; \
             some calls may fail"
        ),
        None => tracing::warn!(server_version = server, "cannot read the Qdrant server's version"),
    }
}

/// Rejects an empty collection name, naming the argument.
pub(crate) fn check_collection_name(name: &str, argument: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_argument(argument, "the collection name is empty"));
    }
    Ok(())
}

/// Seconds for the `timeout` field that some requests carry, from a
/// per-call deadline.
pub(crate) fn timeout_secs(timeout: Option<Duration>) -> Option<u64> {
    timeout.map(|t| t.as_secs().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Client>();
    }

    /// The box of a query's future is allocated and filled on every call,
    /// and read at every poll: it keeps the encoded request and the state
    /// of one attempt, not the builder's options, and the transport keeps
    /// the call and the message once (968 bytes; 2,520 before). At 1,032
    /// bytes or less glibc's malloc takes and frees it from a per-thread
    /// cache, without its arena's lock, even when the task that frees it
    /// has moved to another thread. The builder itself is moved by value
    /// at every setter: its options (1.6 KiB) stay in one box.
    #[tokio::test]
    async fn a_query_future_stays_small() {
        let builder = std::mem::size_of::<QueryPoints<'static>>();
        assert!(builder <= 128, "a query's builder takes {builder} bytes");
        let client = Client::builder("http://127.0.0.1:1")
            .build_lazy()
            .expect("a lazy client");
        let vector = [0.5f32; 768];
        let future = std::future::IntoFuture::into_future(
            client.query_points("c", &vector[..]).limit(10).with_payload(true),
        );
        let size = future.boxed_size();
        assert!(size <= 1032, "a query's future takes {size} bytes");
    }

    /// Every hit of an answer is written once and read by the caller. A
    /// payload kept as bytes keeps the map it may be read into inline (a
    /// box would cost an allocation for every payload read whole).
    #[test]
    fn a_hit_stays_small() {
        let payload = std::mem::size_of::<crate::Payload>();
        assert!(payload <= 120, "a payload takes {payload} bytes");
        let hit = std::mem::size_of::<crate::ScoredPoint>();
        assert!(hit <= 312, "a hit takes {hit} bytes");
    }

    #[test]
    fn version_check_accepts_neighbours() {
        // Only logs; it must not panic on any input.
        for v in ["1.20.0", "1.19.3", "1.18.0", "2.0.0", "garbage", ""] {
            warn_on_version_mismatch(v);
        }
    }
}
