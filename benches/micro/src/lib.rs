//! Nothing: this crate only holds benchmarks (see `benches/`).
