//! The per-call span follows OpenTelemetry's database client conventions:
//! captured with a small `tracing` layer, field by field.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use qdrant_async::{Distance, Point, VectorParams};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use crate::common::Ctx;

type Fields = BTreeMap<String, String>;

/// Every closed `qdrant.rpc` span's fields, in order of closing.
#[derive(Clone, Default)]
struct Capture {
    closed: Arc<Mutex<Vec<Fields>>>,
}

struct Values<'a>(&'a mut Fields);

impl Visit for Values<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S> Layer<S> for Capture
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "qdrant.rpc" {
            return;
        }
        let mut fields = Fields::new();
        attrs.record(&mut Values(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(&mut Values(fields));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(fields) = span.extensions_mut().remove::<Fields>()
        {
            self.closed.lock().expect("capture lock").push(fields);
        }
    }
}

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.get(name).map(String::as_str)
}

#[tokio::test]
async fn the_rpc_span_carries_the_database_client_conventions() -> anyhow::Result<()> {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    let ctx = Ctx::new("spans").await?;
    let c = &ctx.collection.clone();
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    ctx.client
        .upsert(c, [Point::new(1, [1.0f32, 0.0])])
        .wait(true)
        .await?;
    ctx.client.query_points(c, [1.0f32, 0.0]).limit(1).await?;
    // A span's callsite caches whether anyone wants it when it is first
    // hit; a test on another thread (no subscriber) hitting it at the
    // same moment can cache "no one". The callsites are registered now:
    // ask again, so that the calls below are seen.
    tracing::callsite::rebuild_interest_cache();
    capture.closed.lock().expect("capture lock").clear();
    ctx.client
        .upsert(c, [Point::new(2, [0.0f32, 1.0])])
        .wait(true)
        .await?;
    let hits = ctx.client.query_points(c, [1.0f32, 0.0]).limit(1).await?;
    assert_eq!(hits.len(), 1);
    let missing = ctx.another("missing");
    let error = ctx
        .client
        .query_points(&missing, [1.0f32, 0.0])
        .await
        .expect_err("the collection does not exist");
    let url: http::Uri = ctx.url.parse()?;
    let (host, port) = (url.host().unwrap_or_default().to_owned(), url.port_u16());
    ctx.cleanup().await?;

    let closed = capture.closed.lock().expect("capture lock").clone();
    let query = |collection: &str| {
        closed
            .iter()
            .find(|f| {
                field(f, "db.operation.name") == Some("Points/Query")
                    && field(f, "db.collection.name") == Some(collection)
            })
            .cloned()
            .unwrap_or_else(|| panic!("no Points/Query span for {collection} in {closed:?}"))
    };

    let ok = query(c);
    assert_eq!(field(&ok, "otel.kind"), Some("client"));
    assert_eq!(field(&ok, "db.system.name"), Some("qdrant"));
    assert_eq!(field(&ok, "server.address"), Some(host.as_str()));
    assert_eq!(
        field(&ok, "server.port").map(str::to_owned),
        port.map(|p| p.to_string())
    );
    assert_eq!(field(&ok, "rpc.grpc.status_code"), Some("0"));
    assert_eq!(field(&ok, "error.type"), None);

    let failed = query(&missing);
    assert_eq!(field(&failed, "db.system.name"), Some("qdrant"));
    let code = error.code().expect("a server status") as i32;
    assert_eq!(
        field(&failed, "rpc.grpc.status_code"),
        Some(code.to_string().as_str())
    );
    assert_eq!(field(&failed, "error.type"), Some("Server"));
    assert_eq!(field(&failed, "server.address"), Some(host.as_str()));

    let upsert = closed
        .iter()
        .find(|f| field(f, "db.operation.name") == Some("Points/Upsert"))
        .expect("an upsert span");
    assert_eq!(field(upsert, "db.collection.name"), Some(c.as_str()));
    assert_eq!(field(upsert, "rpc.grpc.status_code"), Some("0"));
    Ok(())
}
