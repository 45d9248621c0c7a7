//! The client's TLS: trust roots, client identity, ALPN h2.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::error::{Error, Result};

/// The TLS side of a client, built once per client.
#[derive(Clone)]
pub(crate) struct TlsConnector {
    config: Arc<rustls::ClientConfig>,
    extra_roots: usize,
    client_identity: bool,
}

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnector")
            .field("extra_roots", &self.extra_roots)
            .field("client_identity", &self.client_identity)
            .finish()
    }
}

impl TlsConnector {
    /// System roots plus every certificate of `ca_pem`, an optional client
    /// identity, ALPN `h2` only.
    pub(crate) fn new(ca_pem: Option<&[u8]>, identity: Option<(&[u8], &[u8])>) -> Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        let mut extra_roots = 0;
        if let Some(pem) = ca_pem {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| {
                    Error::invalid_argument("ca_certificate", format!("not a PEM certificate: {e}"))
                })?;
                roots.add(cert).map_err(|e| {
                    Error::invalid_argument("ca_certificate", format!("not a usable CA certificate: {e}"))
                })?;
                extra_roots += 1;
            }
            if extra_roots == 0 {
                return Err(Error::invalid_argument(
                    "ca_certificate",
                    "no PEM certificate found (expected -----BEGIN CERTIFICATE-----)",
                ));
            }
        }
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::invalid_argument("tls", e.to_string()))?
            .with_root_certificates(roots);
        let mut config = match identity {
            None => builder.with_no_client_auth(),
            Some((cert_pem, key_pem)) => {
                let chain = CertificateDer::pem_slice_iter(cert_pem)
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| {
                        Error::invalid_argument(
                            "client_certificate",
                            format!("the certificate is not PEM: {e}"),
                        )
                    })?;
                if chain.is_empty() {
                    return Err(Error::invalid_argument(
                        "client_certificate",
                        "the certificate PEM holds no certificate",
                    ));
                }
                let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| {
                    Error::invalid_argument("client_certificate", "the private key is not a PEM private key")
                })?;
                builder.with_client_auth_cert(chain, key).map_err(|e| {
                    Error::invalid_argument(
                        "client_certificate",
                        format!("the certificate and key are not usable together: {e}"),
                    )
                })?
            }
        };
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(TlsConnector {
            config: Arc::new(config),
            extra_roots,
            client_identity: identity.is_some(),
        })
    }

    /// Checks that `domain` is a valid TLS server name.
    pub(crate) fn server_name(domain: &str) -> Result<ServerName<'static>> {
        ServerName::try_from(domain.to_owned()).map_err(|_| {
            Error::invalid_argument("tls_domain", format!("`{domain}` is not a valid TLS server name"))
        })
    }

    /// The TLS handshake over `tcp`; the error is a one-line reason.
    pub(crate) async fn handshake(
        &self,
        name: ServerName<'static>,
        tcp: TcpStream,
    ) -> std::result::Result<TlsStream<TcpStream>, String> {
        let connector = tokio_rustls::TlsConnector::from(self.config.clone());
        let stream = connector.connect(name, tcp).await.map_err(|e| e.to_string())?;
        if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
            return Err("the server does not offer HTTP/2 over TLS (ALPN h2), which gRPC needs".into());
        }
        Ok(stream)
    }
}
