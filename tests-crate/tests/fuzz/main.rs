//! Fuzzing with random but well-formed protobuf messages built from the
//! descriptors of proto/: random requests for every RPC of the embedded
//! server, and random responses for every call of the client, whose
//! conversions read them. Errors are fine; panics, aborts, hangs and huge
//! allocations are not.
//!
//! `cargo test -p qdrant-async-tests --test fuzz` runs 5 000 cases of each
//! (about 10 s in a debug build). The long run: `QDRANT_FUZZ_CASES=1000000
//! cargo test --release -p qdrant-async-tests --test fuzz -- --nocapture`
//! (cases per test, so two million in all). A failure prints its seed;
//! `QDRANT_FUZZ_REPLAY=<seed>` runs that case alone, `QDRANT_FUZZ_SEED`
//! picks another base seed (`random` for one from the clock) and
//! `QDRANT_FUZZ_VERBOSE=1` prints each case.

mod codec;
mod harness;
mod messages;
mod responses;
mod server;

#[global_allocator]
static ALLOCATOR: harness::Tracking = harness::Tracking;
