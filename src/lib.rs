//! An async Rust client for the [Qdrant](https://qdrant.tech) vector database,
//! over gRPC.
//!
//! One [`Client`], cheap to clone and share across tasks, reaches every RPC of
//! Qdrant's gRPC API through request builders that read like the call they
//! make, and hands back plain Rust values.
//!
//! ```no_run
//! use qdrant_async::{Client, Distance, Point, VectorParams};
//! use serde_json::json;
//! use uuid::Uuid;
//!
//! # async fn run() -> anyhow::Result<()> {
//! let client = Client::connect("http://localhost:6334").await?;
//! client.create_collection("my_collection", VectorParams::new(4, Distance::Cosine)).await?;
//! client.upsert("my_collection", [Point::new(
//!     Uuid::parse_str("5c56c793-69f3-4fbf-87e6-c4bf54c28c26")?,
//!     [0.9, 0.1, 0.1, 0.5]).payload(json!({"color": "red"}))]).await?;
//! let hits = client.query_points("my_collection", [0.9, 0.1, 0.1, 0.5]).limit(2).await?;
//! for hit in hits {
//!     println!("{} {} {:?}", hit.id, hit.score, hit.payload.get("color"));
//! }
//! # Ok(()) }
//! ```
//!
//! # The API by task
//!
//! Every call is a method of [`Client`] that returns a request: set its
//! options with chained methods, then `.await` it.
//!
//! | to | use |
//! |---|---|
//! | connect | [`Client::connect`]; [`Client::builder`] ([`ClientBuilder`]) for several URLs, an API key or a [`Token`] provider, TLS, timeouts, the connection pool and the [`RetryPolicy`] |
//! | create and manage collections | [`Client::create_collection`] with [`VectorParams`] or [`VectorsConfig`] (and [`SparseVectorParams`]), [`collection_exists`](Client::collection_exists), [`get_collection`](Client::get_collection) ([`CollectionInfo`]), [`update_collection`](Client::update_collection), [`delete_collection`](Client::delete_collection); aliases ([`create_alias`](Client::create_alias), ...); shard keys and [`update_collection_cluster_setup`](Client::update_collection_cluster_setup) |
//! | write points | [`Client::upsert`] with [`Point`]s ([`PointId`], [`Vector`], [`Payload`]), [`delete`](Client::delete), [`set_payload`](Client::set_payload), [`overwrite_payload`](Client::overwrite_payload), [`delete_payload`](Client::delete_payload), [`clear_payload`](Client::clear_payload), [`update_vectors`](Client::update_vectors), [`delete_vectors`](Client::delete_vectors); several at once with [`batch_update_points`](Client::batch_update_points) ([`PointsUpdateOperation`]) |
//! | index payload fields | [`Client::create_payload_index`] ([`FieldType`], [`PayloadIndexParams`]), [`delete_payload_index`](Client::delete_payload_index) |
//! | search | [`Client::query_points`] with a [`Query`] (nearest, recommend, discover, fusion, formula, order by, ...), a [`Filter`] of [`Condition`]s and [`Prefetch`]es; [`query_batch_points`](Client::query_batch_points), [`query_points_groups`](Client::query_points_groups); [`facet`](Client::facet), [`search_matrix_pairs`](Client::search_matrix_pairs), [`search_matrix_offsets`](Client::search_matrix_offsets) |
//! | read points | [`Client::retrieve`], [`scroll`](Client::scroll) (all pages as a stream), [`count`](Client::count) |
//! | upload in bulk | [`Client::upload_points`] and [`upload_stream`](Client::upload_stream): batches sent in parallel, retried, with progress ([`UploadSummary`], [`UploadFailure`]) |
//! | snapshots | [`Client::create_snapshot`], [`list_snapshots`](Client::list_snapshots), [`delete_snapshot`](Client::delete_snapshot), and the `*_full_snapshot` forms |
//! | handle errors | [`Error`]: [`kind`](Error::kind) ([`ErrorKind`]), [`code`](Error::code), [`is_retryable`](Error::is_retryable), [`may_have_been_applied`](Error::may_have_been_applied), ... |
//! | reach the protocol | [`Client::raw`] ([`RawClients`]: the generated stubs on the client's connections) and [`proto`] |
//! | test without a Qdrant | `server::EmbeddedServer` (feature `server`) |
//!
//! # Features
//!
//! Features only add: turning one on never changes what code without it
//! means.
//!
//! - `serde` (default) converts payloads from and to `serde_json` and any
//!   `Serialize`/`Deserialize` type (`json!({...})` as a payload,
//!   `Json(value)`, `Payload::from_serialize`, `payload_as`).
//! - `server` adds `server::EmbeddedServer`, an in-memory Qdrant-compatible
//!   server for tests, and the generated server stubs in [`proto`]. Without
//!   it nothing of a server is compiled: no stubs, no axum, no hyper server.
#![cfg_attr(feature = "server", doc = "\nSee [`server::EmbeddedServer`].")]
#![warn(missing_docs)]
// docs.rs (nightly, `--cfg docsrs`): each item gated by a feature says which.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod error;
pub mod proto;
#[cfg(feature = "server")]
pub mod server;
mod transport;
mod types;
mod upload;

pub use client::*;
pub use error::{Error, ErrorKind, Result};
/// gRPC status codes, as [`Error::code`] gives them.
///
/// tonic's own enum, re-exported rather than mirrored: it is hand-written
/// and stable (not generated from the protos), it is the type the raw stubs
/// of [`Client::raw`] already speak, and a copy would only add conversions.
pub use tonic::Code;
pub use transport::{
    AuthenticatedPool, ChannelPool, MetadataInterceptor, RawChannel, RawClients, RetryPolicy, Token,
    TokenError,
};
pub use types::*;
pub use upload::{UploadFailure, UploadProgress, UploadSummary};

// The README and the migration guide are documentation too: these two
// items exist only under `cargo test --doc`, so that every Rust snippet in
// them is compiled (and run, unless marked `no_run` or `ignore`) like a doc
// example, and cannot drift from the API.

/// The snippets of README.md, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The snippets of MIGRATING.md, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../MIGRATING.md")]
pub struct MigratingDoctests;

/// Entry points for the crate's benchmarks; not part of the public API.
#[doc(hidden)]
pub use upload::bench;
