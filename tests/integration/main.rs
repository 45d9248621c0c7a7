//! Integration tests through the public API, against the embedded server or
//! the Qdrant at `QDRANT_URL`. Each test uses its own collection.

mod collections;
mod common;
mod errors;
mod limits;
mod points;
mod queries;
mod seed;
mod snapshots;
mod transport;
