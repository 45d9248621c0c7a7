//! The generated protocol: Qdrant's messages and the tonic client stubs for
//! its four services (and, with feature `server`, the server stubs), exactly
//! as `tonic-prost-build` writes them.
//!
//! Everyday code does not need this module; it is the escape hatch behind
//! [`Client::raw`](crate::Client::raw) and the types the embedded server speaks.

#![allow(missing_docs, deprecated, clippy::all, clippy::pedantic, rustdoc::all)]

include!(concat!(env!("OUT_DIR"), "/qdrant.rs"));
