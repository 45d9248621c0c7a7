//! TLS through the public API: `https://` clients against the embedded
//! server over TLS and mutual TLS, and the mistakes people make with TLS,
//! each a `Connect` error that names the endpoint, says what to change and
//! arrives within the connect timeout; or, for a bad CA or key, an
//! `InvalidArgument` before anything is sent.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use qdrant_async::ErrorKind;
use qdrant_async::server::EmbeddedServer;
use qdrant_async::{Client, ClientBuilder, Distance, Point, PointId, VectorParams};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::certs::{self, Ca, Identity};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The connect timeout and some slack for a busy machine.
const IN_TIME: Duration = Duration::from_secs(3);

async fn tls_server(identity: &Identity, client_ca: Option<&Ca>) -> anyhow::Result<EmbeddedServer> {
    Ok(EmbeddedServer::start_tls(
        identity.cert.as_bytes(),
        identity.key.as_bytes(),
        client_ca.map(|ca| ca.pem.as_bytes()),
    )
    .await?)
}

fn unique(test: &str) -> String {
    format!("{test}_{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// A health check and a collection round trip.
async fn round_trip(client: &Client, collection: &str) -> anyhow::Result<()> {
    let health = client.health_check().await?;
    assert!(!health.version.is_empty());
    client
        .create_collection(collection, VectorParams::new(2, Distance::Dot))
        .await?;
    client
        .upsert(collection, [Point::new(1, [1.0, 0.0]), Point::new(2, [0.0, 1.0])])
        .wait(true)
        .await?;
    let hits = client.query_points(collection, [1.0, 0.1]).limit(1).await?;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, PointId::from(1));
    assert!(client.delete_collection(collection).await?);
    Ok(())
}

/// Connects and expects a `Connect` error that names `addr` and arrives
/// within the connect timeout; returns its text.
async fn connect_fails(builder: ClientBuilder, addr: SocketAddr) -> String {
    let started = Instant::now();
    let attempt = builder.connect_timeout(CONNECT_TIMEOUT).connect();
    let result = tokio::time::timeout(Duration::from_secs(15), attempt)
        .await
        .expect("connect() hung for 15 s");
    let elapsed = started.elapsed();
    let err = match result {
        Ok(_) => panic!("connected to {addr}"),
        Err(err) => err,
    };
    let text = err.to_string();
    assert!(err.is_connect(), "{err:?}");
    assert!(
        text.contains(&addr.to_string()),
        "does not name the endpoint: {text}"
    );
    assert!(elapsed < IN_TIME, "took {elapsed:?}: {text}");
    assert!(err.is_retryable());
    text
}

fn assert_mentions(text: &str, words: &[&str]) {
    for word in words {
        assert!(text.contains(word), "`{text}` does not mention `{word}`");
    }
}

#[tokio::test]
async fn tls_round_trip_with_a_ca_and_tls_domain() -> anyhow::Result<()> {
    let ca = Ca::new("tls_round_trip CA");
    let server = tls_server(&ca.server(&["localhost"]), None).await?;
    assert!(server.url().starts_with("https://127.0.0.1:"), "{}", server.url());
    let client = Client::builder(server.url())
        .ca_certificate(ca.pem.clone())
        .tls_domain("localhost")
        .connect_timeout(CONNECT_TIMEOUT)
        .connect()
        .await?;
    round_trip(&client, &unique("tls_round_trip")).await
}

#[tokio::test]
async fn tls_to_an_ip_address_in_the_certificate_needs_no_tls_domain() -> anyhow::Result<()> {
    let ca = Ca::new("tls_ip CA");
    let server = tls_server(&ca.server(&["localhost", "127.0.0.1"]), None).await?;
    let client = Client::builder(server.url())
        .ca_certificate(ca.pem.clone())
        .connect()
        .await?;
    round_trip(&client, &unique("tls_ip")).await
}

#[tokio::test]
async fn tls_lazy_client_connects_on_first_use() -> anyhow::Result<()> {
    let ca = Ca::new("tls_lazy CA");
    let server = tls_server(&ca.server(&["localhost"]), None).await?;
    let client = Client::builder(server.url())
        .ca_certificate(ca.pem.clone())
        .tls_domain("localhost")
        .build_lazy()?;
    round_trip(&client, &unique("tls_lazy")).await
}

#[tokio::test]
async fn tls_mutual_round_trip() -> anyhow::Result<()> {
    let ca = Ca::new("mtls CA");
    let server = tls_server(&ca.server(&["localhost"]), Some(&ca)).await?;
    let me = ca.client("mtls client");
    let client = Client::builder(server.url())
        .ca_certificate(ca.pem.clone())
        .tls_domain("localhost")
        .client_certificate(me.cert, me.key)
        .connect_timeout(CONNECT_TIMEOUT)
        .connect()
        .await?;
    round_trip(&client, &unique("tls_mutual")).await
}

#[tokio::test]
async fn tls_mutual_without_a_client_certificate_is_a_connect_error() -> anyhow::Result<()> {
    let ca = Ca::new("mtls CA");
    let server = tls_server(&ca.server(&["localhost"]), Some(&ca)).await?;
    let builder = Client::builder(server.url())
        .ca_certificate(ca.pem.clone())
        .tls_domain("localhost");
    let text = connect_fails(builder, server.addr()).await;
    assert_mentions(&text, &["client certificate", "client_certificate"]);
    Ok(())
}

#[tokio::test]
async fn tls_mutual_with_a_certificate_from_another_ca_is_a_connect_error() -> anyhow::Result<()> {
    let ca = Ca::new("mtls CA");
    let server = tls_server(&ca.server(&["localhost"]), Some(&ca)).await?;
    let stranger = Ca::new("another CA").client("stranger");
    let builder = Client::builder(server.url())
        .ca_certificate(ca.pem.clone())
        .tls_domain("localhost")
        .client_certificate(stranger.cert, stranger.key);
    let text = connect_fails(builder, server.addr()).await;
    assert_mentions(&text, &["client certificate"]);
    Ok(())
}

#[tokio::test]
async fn tls_https_to_a_plain_server_is_a_connect_error() -> anyhow::Result<()> {
    let server = EmbeddedServer::start().await?;
    let url = server.url().replacen("http://", "https://", 1);
    let text = connect_fails(Client::builder(url), server.addr()).await;
    assert_mentions(&text, &["does not speak TLS", "http://"]);
    Ok(())
}

#[tokio::test]
async fn tls_http_to_a_tls_server_is_a_connect_error() -> anyhow::Result<()> {
    let ca = Ca::new("tls CA");
    let server = tls_server(&ca.server(&["localhost"]), None).await?;
    let url = server.url().replacen("https://", "http://", 1);
    let text = connect_fails(Client::builder(url), server.addr()).await;
    assert_mentions(&text, &["speaks TLS", "https://"]);
    Ok(())
}

#[tokio::test]
async fn tls_an_untrusted_certificate_is_a_connect_error() -> anyhow::Result<()> {
    // Signed by a CA the client was not given (nor the system knows).
    let ca = Ca::new("unknown CA");
    let server = tls_server(&ca.server(&["localhost"]), None).await?;
    let builder = Client::builder(server.url()).tls_domain("localhost");
    let text = connect_fails(builder, server.addr()).await;
    assert_mentions(&text, &["not trusted", "ca_certificate"]);

    // Self-signed, while the client trusts another CA.
    let server = tls_server(&certs::self_signed(&["localhost"]), None).await?;
    let builder = Client::builder(server.url())
        .ca_certificate(Ca::new("another CA").pem)
        .tls_domain("localhost");
    let text = connect_fails(builder, server.addr()).await;
    assert_mentions(&text, &["not trusted", "ca_certificate"]);
    Ok(())
}

#[tokio::test]
async fn tls_a_certificate_for_another_name_is_a_connect_error() -> anyhow::Result<()> {
    let ca = Ca::new("tls CA");
    let server = tls_server(&ca.server(&["localhost"]), None).await?;
    // The URL's host is 127.0.0.1, which this certificate does not name.
    let builder = Client::builder(server.url()).ca_certificate(ca.pem.clone());
    let text = connect_fails(builder, server.addr()).await;
    assert_mentions(&text, &["localhost", "tls_domain"]);

    let builder = Client::builder(server.url())
        .ca_certificate(ca.pem.clone())
        .tls_domain("qdrant.example.com");
    let text = connect_fails(builder, server.addr()).await;
    assert_mentions(&text, &["qdrant.example.com", "localhost", "tls_domain"]);
    Ok(())
}

/// A TLS server that offers no ALPN: the handshake succeeds, HTTP/2 is not
/// on offer. It stops, with its connections, when dropped.
struct NoAlpnServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for NoAlpnServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn no_alpn_server(identity: &Identity) -> anyhow::Result<NoAlpnServer> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = CertificateDer::pem_slice_iter(identity.cert.as_bytes()).collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_slice(identity.key.as_bytes())?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols.clear();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            connections.spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 1024];
                    while matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {}
                }
            });
        }
    });
    Ok(NoAlpnServer { addr, task })
}

#[tokio::test]
async fn tls_a_server_without_h2_alpn_is_a_connect_error() -> anyhow::Result<()> {
    let ca = Ca::new("tls CA");
    let server = no_alpn_server(&ca.server(&["localhost"])).await?;
    let builder = Client::builder(format!("https://{}", server.addr))
        .ca_certificate(ca.pem.clone())
        .tls_domain("localhost");
    let text = connect_fails(builder, server.addr).await;
    assert_mentions(&text, &["HTTP/2"]);
    Ok(())
}

/// A listener that records whether anyone connected.
async fn untouched_listener() -> anyhow::Result<(TcpListener, String)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("https://{}", listener.local_addr()?);
    Ok((listener, url))
}

async fn assert_untouched(listener: &TcpListener) {
    let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(accepted.is_err(), "the client connected");
}

fn assert_invalid_argument(result: qdrant_async::Result<Client>, argument: &str, secret: Option<&str>) {
    match result {
        Err(e) if e.kind() == ErrorKind::InvalidArgument => {
            assert_eq!(e.argument(), Some(argument), "{e}");
            if let Some(secret) = secret {
                let shown = format!("{e} {e:?}");
                assert!(!shown.contains(secret), "the error shows the key: {shown}");
            }
        }
        Err(other) => panic!("expected InvalidArgument about `{argument}`, got {other:?}"),
        Ok(_) => panic!("expected InvalidArgument about `{argument}`, got a client"),
    }
}

#[tokio::test]
async fn tls_a_garbage_ca_is_an_invalid_argument_before_any_connection() -> anyhow::Result<()> {
    let (listener, url) = untouched_listener().await?;
    let builder = Client::builder(url)
        .ca_certificate("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")
        .tls_domain("localhost");
    assert_invalid_argument(builder.clone().connect().await, "ca_certificate", None);
    assert_invalid_argument(builder.build_lazy(), "ca_certificate", None);
    assert_untouched(&listener).await;
    Ok(())
}

#[tokio::test]
async fn tls_a_garbage_client_key_is_an_invalid_argument_before_any_connection() -> anyhow::Result<()> {
    let (listener, url) = untouched_listener().await?;
    let ca = Ca::new("tls CA");
    let me = ca.client("me");
    let other = ca.client("other");
    // A key that is not one, and a real key that belongs to another certificate.
    let garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IGdhcmJhZ2U=\n-----END PRIVATE KEY-----\n".to_owned();
    for key in [garbage, other.key.clone()] {
        let secret = key.lines().nth(1).unwrap_or_default().to_owned();
        let builder = Client::builder(url.clone())
            .ca_certificate(ca.pem.clone())
            .tls_domain("localhost")
            .client_certificate(me.cert.clone(), key);
        assert_invalid_argument(
            builder.clone().connect().await,
            "client_certificate",
            Some(&secret),
        );
        assert_invalid_argument(builder.build_lazy(), "client_certificate", Some(&secret));
    }
    assert_untouched(&listener).await;
    Ok(())
}
