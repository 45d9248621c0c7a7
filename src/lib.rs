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
