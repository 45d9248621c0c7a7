//! Nothing: this crate only holds examples (see `examples/`).
