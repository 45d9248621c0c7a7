//! Serving over TLS and mutual TLS, so that clients can be tested against
//! an `https://` endpoint as they would meet one in production.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

use super::EmbeddedServer;

/// How long a connection may take over its TLS handshake before the server
/// drops it, so that a client that stalls holds nothing for long.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl EmbeddedServer {
    /// Serves over TLS with this certificate chain and key (PEM); with `client_ca`, it demands client certificates signed by it.
    ///
    /// It listens on 127.0.0.1 at a free port, and [`url`](Self::url) is
    /// `https://127.0.0.1:PORT`: a certificate issued for `localhost` needs
    /// the client's `tls_domain("localhost")`, one that also names the IP
    /// address 127.0.0.1 does not. Certificates and keys that do not parse
    /// are an [`io::ErrorKind::InvalidInput`] error.
    ///
    /// ```no_run
    /// # async fn run() -> anyhow::Result<()> {
    /// use qdrant_async::Client;
    /// use qdrant_async::server::EmbeddedServer;
    ///
    /// let (ca, cert, key) = (std::fs::read("ca.pem")?, std::fs::read("server.pem")?, std::fs::read("server.key")?);
    /// let server = EmbeddedServer::start_tls(&cert, &key, None).await?;
    /// let client = Client::builder(server.url())
    ///     .ca_certificate(ca.clone())
    ///     .tls_domain("localhost")
    ///     .connect()
    ///     .await?;
    ///
    /// // Mutual TLS: the server demands a client certificate signed by `ca`.
    /// let (client_cert, client_key) = (std::fs::read("client.pem")?, std::fs::read("client.key")?);
    /// let server = EmbeddedServer::start_tls(&cert, &key, Some(&ca)).await?;
    /// let client = Client::builder(server.url())
    ///     .ca_certificate(ca)
    ///     .tls_domain("localhost")
    ///     .client_certificate(client_cert, client_key)
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn start_tls(
        cert_pem: &[u8],
        key_pem: &[u8],
        client_ca_pem: Option<&[u8]>,
    ) -> io::Result<EmbeddedServer> {
        let config = tls_config(cert_pem, key_pem, client_ca_pem)?;
        Self::serve(SocketAddr::from(([127, 0, 0, 1], 0)), Some(config)).await
    }
}

/// The server builder, with TLS when `tls` is given.
pub(super) fn server_builder(tls: Option<ServerTlsConfig>) -> io::Result<Server> {
    let builder = Server::builder();
    match tls {
        None => Ok(builder),
        Some(config) => builder.tls_config(config).map_err(|e| {
            invalid(format!(
                "the TLS configuration is not usable: {}",
                error_chain(&e)
            ))
        }),
    }
}

/// Checks what tonic only reports as "transport error", then configures it.
fn tls_config(cert_pem: &[u8], key_pem: &[u8], client_ca_pem: Option<&[u8]>) -> io::Result<ServerTlsConfig> {
    check_certificates("cert_pem", cert_pem)?;
    PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| {
        invalid("`key_pem` holds no PEM private key (`-----BEGIN PRIVATE KEY-----`)".to_owned())
    })?;
    let mut config = ServerTlsConfig::new()
        .identity(Identity::from_pem(cert_pem, key_pem))
        .timeout(HANDSHAKE_TIMEOUT);
    if let Some(ca) = client_ca_pem {
        check_certificates("client_ca_pem", ca)?;
        config = config.client_ca_root(Certificate::from_pem(ca));
    }
    Ok(config)
}

fn check_certificates(argument: &str, pem: &[u8]) -> io::Result<()> {
    let mut certs = CertificateDer::pem_slice_iter(pem);
    match certs.next() {
        Some(Ok(_)) if certs.all(|c| c.is_ok()) => Ok(()),
        Some(_) => Err(invalid(format!("`{argument}` is not valid PEM"))),
        None => Err(invalid(format!(
            "`{argument}` holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)"
        ))),
    }
}

fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, reason)
}

/// tonic's error and its sources, joined: its own message is just
/// "transport error".
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        parts.push(e.to_string());
        source = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::tls::TlsConnector;
    use crate::transport::tls::test_certs::{OTHER_KEY, TEST_CA};

    async fn handshake(connector: &TlsConnector, server: &EmbeddedServer) -> Result<(), String> {
        let name = TlsConnector::server_name("localhost").map_err(|e| e.to_string())?;
        let attempt = async {
            let tcp = tokio::net::TcpStream::connect(server.addr())
                .await
                .map_err(|e| e.to_string())?;
            let tls = connector.handshake(name, tcp).await.map_err(|f| f.reason)?;
            assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
            Ok(())
        };
        tokio::time::timeout(Duration::from_secs(5), attempt)
            .await
            .expect("the handshake hung")
    }

    #[tokio::test]
    async fn serves_tls_with_h2() {
        let ca = TEST_CA;
        let leaf = ca.server;
        let server = EmbeddedServer::start_tls(leaf.cert.as_bytes(), leaf.key.as_bytes(), None)
            .await
            .unwrap();
        assert_eq!(server.url(), format!("https://{}", server.addr()));
        let connector = TlsConnector::new(Some(ca.pem.as_bytes()), None).unwrap();
        handshake(&connector, &server).await.unwrap();
        server.shutdown().await;
    }

    #[tokio::test]
    async fn mutual_tls_demands_a_client_certificate() {
        let ca = TEST_CA;
        let leaf = ca.server;
        let server =
            EmbeddedServer::start_tls(leaf.cert.as_bytes(), leaf.key.as_bytes(), Some(ca.pem.as_bytes()))
                .await
                .unwrap();
        let client = ca.client;
        let with_identity = TlsConnector::new(
            Some(ca.pem.as_bytes()),
            Some((client.cert.as_bytes(), client.key.as_bytes())),
        )
        .unwrap();
        handshake(&with_identity, &server).await.unwrap();

        let without = TlsConnector::new(Some(ca.pem.as_bytes()), None).unwrap();
        let err = handshake(&without, &server).await.unwrap_err();
        assert!(err.contains("client_certificate"), "{err}");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn bad_certificates_and_keys_are_invalid_input() {
        let ca = TEST_CA;
        let leaf = ca.server;
        let (cert, key) = (leaf.cert.as_bytes(), leaf.key.as_bytes());
        for (cert, key, ca, says) in [
            (&b"garbage"[..], key, None, "`cert_pem` holds no PEM certificate"),
            (cert, &b"garbage"[..], None, "`key_pem` holds no PEM private key"),
            (
                cert,
                key,
                Some(&b"garbage"[..]),
                "`client_ca_pem` holds no PEM certificate",
            ),
            (
                cert,
                OTHER_KEY.as_bytes(),
                None,
                "the TLS configuration is not usable",
            ),
        ] {
            let err = EmbeddedServer::start_tls(cert, key, ca).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
    }
}
