//! Compiles proto/ into tonic stubs, with no system `protoc`: `protox`
//! parses the files in pure Rust and hands a descriptor set to
//! `tonic-prost-build`.
//!
//! Client stubs always; server stubs only with feature `server`, so that a
//! client build compiles no server code. Neither gets tonic's
//! `transport`-based `connect`: the client has its own transport, and
//! `Client::raw` hands out stubs on it.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = PathBuf::from("proto");
    println!("cargo:rerun-if-changed={}", proto_dir.display());

    let mut files: Vec<PathBuf> = std::fs::read_dir(&proto_dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "proto"))
        .collect();
    files.sort();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }

    // Cargo sets CARGO_FEATURE_<NAME> for the build script of a package
    // built with that feature.
    let server = std::env::var_os("CARGO_FEATURE_SERVER").is_some();

    let descriptors = protox::compile(&files, [&proto_dir])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(server)
        .build_transport(false)
        .compile_fds(descriptors)?;
    Ok(())
}
