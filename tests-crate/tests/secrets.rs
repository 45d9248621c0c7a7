//! Secrets (the API key, header values, the client key) never appear in
//! `Debug`, `Display`, error messages or tracing output.
//!
//! A test binary of its own: tracing's per-callsite caches are global to the
//! process, and other tests running beside it could hide events from the
//! subscriber this test installs.

#[path = "integration/certs.rs"]
#[allow(dead_code)]
mod certs;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qdrant_async::Client;
use qdrant_async::server::EmbeddedServer;

use certs::Ca;

const API_KEY: &str = "SECRET-API-KEY-7f3a";
const TOKEN: &str = "SECRET-BEARER-TOKEN-91c2";

/// Every secret of this test, and a line of the client key's PEM body.
fn secrets(key_pem: &str) -> Vec<String> {
    let key_line = key_pem
        .lines()
        .find(|l| !l.starts_with("-----") && l.len() > 20)
        .expect("a PEM body line")
        .to_owned();
    vec![API_KEY.into(), TOKEN.into(), key_line]
}

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(!text.contains(secret.as_str()), "{what} shows a secret: {text}");
    }
}

/// A `MakeWriter` that keeps everything written, for the tracing check.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[test]
fn secrets_stay_out_of_debug_errors_and_traces() -> anyhow::Result<()> {
    let ca = Ca::new("secrets test CA");
    let identity = ca.client("client");
    let secrets = secrets(&identity.key);
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    // A runtime on this thread only, so every task's events reach the
    // subscriber (hyper's and h2's included, at TRACE).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let server = EmbeddedServer::start().await?;
            let builder = Client::builder(server.url())
                .api_key(API_KEY)
                .header("authorization", format!("Bearer {TOKEN}"))
                .client_certificate(identity.cert.clone(), identity.key.clone());
            assert_clean("ClientBuilder's Debug", &format!("{builder:?}"), &secrets);
            let client = builder.clone().connect().await?;
            assert_clean("Client's Debug", &format!("{client:?}"), &secrets);
            assert_clean("RawClients' Debug", &format!("{:?}", client.raw()), &secrets);

            // A server error, a failed connection, a bad header value.
            let err = client.get_collection("no_such_collection").await.unwrap_err();
            assert_clean("a server error", &format!("{err} {err:?}"), &secrets);
            let dead = Client::builder("http://127.0.0.1:1")
                .api_key(API_KEY)
                .header("authorization", format!("Bearer {TOKEN}"))
                .connect_timeout(Duration::from_millis(500));
            let err = dead.connect().await.unwrap_err();
            assert_clean("a connect error", &format!("{err} {err:?}"), &secrets);
            let err = Client::builder(server.url())
                .header("x-token", format!("{TOKEN}\n"))
                .build_lazy()
                .unwrap_err();
            assert_clean("a header error", &format!("{err} {err:?}"), &secrets);
            let err = Client::builder("https://127.0.0.1:1")
                .client_certificate(identity.cert.clone(), format!("{}garbage", identity.key))
                .build_lazy()
                .map(|_| ())
                .err();
            if let Some(err) = err {
                assert_clean("a client key error", &format!("{err} {err:?}"), &secrets);
            }
            server.shutdown().await;
            anyhow::Ok(())
        })
    })?;
    let traces = String::from_utf8(captured.0.lock().unwrap().clone())?;
    assert!(
        traces.contains("qdrant.rpc"),
        "no span of the client was captured"
    );
    assert!(traces.contains("h2"), "no trace of h2 was captured");
    assert_clean("tracing output", &traces, &secrets);
    Ok(())
}
