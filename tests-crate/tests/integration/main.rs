//! Integration tests through the public API, against the embedded server or
//! the Qdrant at `QDRANT_URL`. Each test uses its own collection.

mod auth;
mod certs;
mod cluster;
mod collections;
mod common;
mod errors;
mod faults;
mod limits;
mod load;
mod nodes;
mod parity_data;
mod parity_queries;
mod points;
mod proxy;
mod queries;
mod seed;
mod snapshots;
mod spans;
mod tls;
mod transport;
mod writes;
