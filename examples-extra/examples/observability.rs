//! The spans of qdrant-async, seen two ways: printed by tracing-subscriber,
//! and exported through OpenTelemetry (`tracing-opentelemetry`) to stdout.
//!
//! Every call makes one span named `qdrant.rpc`, at DEBUG level, with these
//! fields (OpenTelemetry's database client conventions):
//!
//! | field | value |
//! |---|---|
//! | `otel.kind` | `client` |
//! | `db.system.name` | `qdrant` |
//! | `db.operation.name` | the RPC, such as `Points/Query` |
//! | `db.collection.name` | the collection, when the call has one |
//! | `server.address`, `server.port` | the host and port of the endpoint of the last attempt |
//! | `rpc.grpc.status_code` | the gRPC status code as a number: 0 on success, the server's code on a server error, 4 (`DEADLINE_EXCEEDED`) on a timeout, 14 (`UNAVAILABLE`) when no connection could be made or it broke; absent for other failures |
//! | `error.type` | on failure only: the error's [`ErrorKind`](qdrant_async::ErrorKind), such as `Server`, `Timeout`, `Connection` |
//!
//! Each retry is a DEBUG event inside the span, with the message
//! `retrying` and the fields `error`, `pause` and `attempt` (the attempt
//! that failed). When no subscriber wants the span, no field is recorded.
//!
//! `cargo run --example observability` runs it against the embedded server;
//! with `QDRANT_URL=http://localhost:6334` set, against that Qdrant.

#[path = "../../examples/common/mod.rs"]
mod common;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use qdrant_async::{Client, Distance, Point, VectorParams};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // OpenTelemetry: spans go to stdout as they end.
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let tracer = provider.tracer("qdrant-async-example");
    tracing_subscriber::registry()
        // Human-readable lines, with the span's fields.
        .with(
            tracing_subscriber::fmt::layer()
                .with_span_events(FmtSpan::CLOSE)
                .with_filter(EnvFilter::new("qdrant_async=debug")),
        )
        // The same spans, as OpenTelemetry spans.
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(EnvFilter::new("qdrant_async=debug")),
        )
        .init();

    let (url, _server) = common::server().await?;
    let client = Client::connect(&url).await?;
    let collection = "observability_example";
    if client.collection_exists(collection).await? {
        client.delete_collection(collection).await?;
    }
    client
        .create_collection(collection, VectorParams::new(2, Distance::Dot))
        .await?;
    client
        .upsert(collection, [Point::new(1, [1.0, 0.0]), Point::new(2, [0.0, 1.0])])
        .await?;
    let hits = client.query_points(collection, [1.0, 0.0]).limit(1).await?;
    println!("hits: {hits:?}");
    // A failing call: its span carries the status code and the error type.
    let missing = client.query_points("no_such_collection", [1.0, 0.0]).await;
    println!("a missing collection: {}", missing.unwrap_err());
    client.delete_collection(collection).await?;

    // Flush what is left to the exporter.
    provider.shutdown()?;
    Ok(())
}
