//! The client's TLS: trust roots, client identity, ALPN `h2`, and handshakes
//! whose failures say what to do about them.
//!
//! A [`TlsConnector`] is built once per client, when the client is built, so
//! that a bad CA or key is an [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) before anything is
//! sent. Each new connection then runs [`TlsConnector::handshake`] over its
//! TCP stream and hands the TLS stream to HTTP/2.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, InconsistentKeys, InvalidMessage, ProtocolVersion,
    RootCertStore, SignatureScheme,
};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::connection::{ConnectFailure, FailureStage};
use crate::error::{Error, Result};

/// The only application protocol gRPC runs on.
const ALPN_H2: &[u8] = b"h2";

/// How long to wait, after a TLS 1.3 handshake in which the server asked
/// for a client certificate, for its verdict on it. In TLS 1.3 the client
/// finishes its handshake before the server has checked its certificate, so
/// a refusal arrives as an alert just after; waiting for it here turns "the
/// connection broke on first use" into "the server demands a client
/// certificate". A server that accepts answers at once (session tickets,
/// HTTP/2 settings); only one that asks for an optional certificate and then
/// says nothing costs this much.
const CLIENT_AUTH_VERDICT: Duration = Duration::from_secs(1);

/// The TLS side of a client: trust roots, client identity, ALPN h2. Built once per client.
#[derive(Clone)]
pub(crate) struct TlsConnector {
    config: Arc<ClientConfig>,
    system_roots: usize,
    extra_roots: usize,
    client_identity: bool,
}

impl fmt::Debug for TlsConnector {
    // Only counts: the configuration holds the client's private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("system_roots", &self.system_roots)
            .field("extra_roots", &self.extra_roots)
            .field("client_identity", &self.client_identity)
            .finish()
    }
}

impl TlsConnector {
    /// System roots (rustls-native-certs; a failure to load them is not fatal if a CA was given),
    /// plus every certificate in `ca_pem`; the client identity (certificate chain PEM + private key PEM)
    /// for mutual TLS; ALPN `h2` only.
    ///
    /// A `ca_pem` with no certificate or that does not parse is an
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) about `ca_certificate`; a bad identity is
    /// one about `client_certificate`, whose reason says whether the
    /// certificate or the key is wrong (and never shows the key).
    pub(crate) fn new(ca_pem: Option<&[u8]>, identity: Option<(&[u8], &[u8])>) -> Result<Self> {
        let mut roots = RootCertStore::empty();
        if let Some(pem) = ca_pem {
            let certs = parse_certificates(pem).map_err(ca_error)?;
            let count = certs.len();
            for (i, cert) in certs.into_iter().enumerate() {
                // webpki's reason speaks of a "peer certificate": misleading here.
                roots.add(cert).map_err(|_| {
                    ca_error(format!(
                        "certificate {} of {count} does not parse as an X.509 certificate",
                        i + 1
                    ))
                })?;
            }
        }
        let extra_roots = roots.len();
        let system_roots = add_system_roots(&mut roots, extra_roots > 0)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| {
                Error::invalid_argument("tls", format!("the TLS provider rejects its own defaults: {e}"))
                    .with_source(e)
            })?
            .with_root_certificates(roots);
        let mut config = match identity {
            None => builder.with_no_client_auth(),
            Some((cert_pem, key_pem)) => {
                let chain = parse_certificates(cert_pem)
                    .map_err(|reason| identity_error(format!("the certificate: {reason}")))?;
                let key = parse_private_key(key_pem).map_err(identity_error)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| identity_error(describe_identity_error(&e)).with_source(e))?
            }
        };
        config.alpn_protocols = vec![ALPN_H2.to_vec()];
        Ok(TlsConnector {
            config: Arc::new(config),
            system_roots,
            extra_roots,
            client_identity: identity.is_some(),
        })
    }

    /// Checks that `domain` is a valid TLS server name (DNS name or IP address) →
    /// InvalidArgument { argument: "tls_domain", .. } otherwise. Called when the client is built.
    ///
    /// An IPv6 address may come in the brackets of a URL (`[::1]`).
    pub(crate) fn server_name(domain: &str) -> Result<ServerName<'static>> {
        let bare = domain
            .strip_prefix('[')
            .and_then(|d| d.strip_suffix(']'))
            .unwrap_or(domain);
        ServerName::try_from(bare.to_owned()).map_err(|_| {
            Error::invalid_argument(
                "tls_domain",
                format!("`{domain}` is neither a DNS name nor an IP address"),
            )
        })
    }

    /// TLS handshake over `tcp`, for the server `name`: the stream, ready
    /// for HTTP/2, or a one-line reason that says what to change, with the
    /// handshake's error (rustls's, inside an `io::Error`) as its cause.
    pub(crate) async fn handshake(
        &self,
        name: ServerName<'static>,
        tcp: TcpStream,
    ) -> std::result::Result<TlsStream<TcpStream>, ConnectFailure> {
        let tls_failure = |reason: String| ConnectFailure::new(reason, FailureStage::Tls);
        // The configuration is cloned per connection to learn whether this
        // server asked for a client certificate: rustls tells only the
        // certificate resolver.
        let requested = Arc::new(AtomicBool::new(false));
        let mut config = ClientConfig::clone(&self.config);
        config.client_auth_cert_resolver = Arc::new(NoteCertificateRequest {
            inner: config.client_auth_cert_resolver.clone(),
            requested: requested.clone(),
        });
        let failure = Failure {
            name: display_name(&name),
            client_identity: self.client_identity,
            requested: &requested,
        };

        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| tls_failure(failure.explain(&e)).caused_by(e))?;

        let (_, connection) = tls.get_ref();
        match connection.alpn_protocol() {
            Some(ALPN_H2) => {}
            Some(other) => {
                return Err(tls_failure(format!(
                    "the server chose `{}` instead of HTTP/2 (ALPN `h2`), which gRPC needs",
                    String::from_utf8_lossy(other)
                )));
            }
            None => {
                return Err(tls_failure(
                    "the server does not offer HTTP/2 over TLS (no ALPN `h2`), which gRPC needs: is this a gRPC port?"
                        .into(),
                ));
            }
        }
        if requested.load(Ordering::Acquire)
            && connection.protocol_version() == Some(ProtocolVersion::TLSv1_3)
        {
            client_auth_verdict(&mut tls, &failure)
                .await
                .map_err(tls_failure)?;
        }
        Ok(tls)
    }
}

/// Adds the system's trust roots to `roots`, and returns how many. Having
/// none is an error only when no CA was given either: then no server could
/// ever be trusted.
fn add_system_roots(roots: &mut RootCertStore, have_ca: bool) -> Result<usize> {
    let loaded = rustls_native_certs::load_native_certs();
    let (added, _unusable) = roots.add_parsable_certificates(loaded.certs);
    if added == 0 && !have_ca {
        let why = if loaded.errors.is_empty() {
            "none were found".to_owned()
        } else {
            loaded
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        };
        return Err(ca_error(format!(
            "this system's trust roots could not be loaded ({why}) and no CA was given: give the server's CA with `ca_certificate`"
        )));
    }
    if !loaded.errors.is_empty() {
        tracing::debug!(
            loaded = added,
            errors = ?loaded.errors,
            "some system trust roots could not be loaded"
        );
    }
    Ok(added)
}

/// Every certificate in `pem`: at least one.
fn parse_certificates(pem: &[u8]) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| format!("it {}", describe_pem_error(&e)))?;
    if certs.is_empty() {
        return Err(if looks_like_der(pem) {
            "it looks like DER (binary): give it as PEM (`-----BEGIN CERTIFICATE-----`)".into()
        } else {
            "it holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)".into()
        });
    }
    Ok(certs)
}

/// The first private key in `pem`. The reason never quotes the input.
fn parse_private_key(pem: &[u8]) -> std::result::Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        pem::Error::NoItemsFound if matches!(CertificateDer::pem_slice_iter(pem).next(), Some(Ok(_))) => {
            "the private key PEM holds a certificate, not a key: are the certificate and the key swapped?".into()
        }
        pem::Error::NoItemsFound if looks_like_der(pem) => {
            "the private key looks like DER (binary): give it as PEM (`-----BEGIN PRIVATE KEY-----`)".into()
        }
        pem::Error::NoItemsFound => {
            "the private key PEM holds no private key (`-----BEGIN PRIVATE KEY-----`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`)"
                .into()
        }
        other => format!("the private key {}", describe_pem_error(&other)),
    })
}

/// What is wrong with PEM text, in words that quote none of it (it may be
/// a key).
fn describe_pem_error(error: &pem::Error) -> String {
    match error {
        pem::Error::MissingSectionEnd { .. } => "is not valid PEM: a section has no END line (truncated?)",
        pem::Error::IllegalSectionStart { .. } => "is not valid PEM: a BEGIN line is malformed",
        pem::Error::Base64Decode(_) => "is not valid PEM: the base64 inside a section does not decode",
        pem::Error::SectionTooLarge => "is not valid PEM: a section is larger than 256 MB",
        _ => "is not valid PEM",
    }
    .to_owned()
}

/// DER starts with an ASN.1 SEQUENCE tag.
fn looks_like_der(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
}

/// Why rustls refused the certificate and key pair.
fn describe_identity_error(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch) => {
            "the private key does not belong to the certificate".into()
        }
        rustls::Error::InvalidCertificate(e) => {
            format!("the certificate does not parse as X.509 ({e:?})")
        }
        rustls::Error::NoCertificatesPresented => "the certificate PEM holds no certificate".into(),
        // The key provider's own message is a fixed text, but say it in
        // our words so that nothing about the key can ever leak through.
        _ => "the private key is not a usable RSA, ECDSA or Ed25519 key (PKCS#8, PKCS#1 or SEC1)".into(),
    }
}

fn ca_error(reason: String) -> Error {
    Error::invalid_argument("ca_certificate", reason)
}

fn identity_error(reason: String) -> Error {
    Error::invalid_argument("client_certificate", reason)
}

/// A server name as a person writes it.
fn display_name(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(dns) => dns.as_ref().to_owned(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// Passes certificate requests on to the configured resolver, and notes
/// that the server made one.
struct NoteCertificateRequest {
    inner: Arc<dyn ResolvesClientCert>,
    requested: Arc<AtomicBool>,
}

impl fmt::Debug for NoteCertificateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteCertificateRequest")
            .field("has_certs", &self.inner.has_certs())
            .field("requested", &self.requested.load(Ordering::Relaxed))
            .finish()
    }
}

impl ResolvesClientCert for NoteCertificateRequest {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.requested.store(true, Ordering::Release);
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn only_raw_public_keys(&self) -> bool {
        self.inner.only_raw_public_keys()
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

/// Reads what the TCP stream has without waiting, for rustls.
struct ReadReady<'a>(&'a TcpStream);

impl io::Read for ReadReady<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }
}

/// Waits (at most [`CLIENT_AUTH_VERDICT`]) for the first records the server
/// sends after a TLS 1.3 handshake in which it asked for a client
/// certificate: an alert means it refused the certificate (or its absence).
/// What it reads stays buffered in the TLS stream for HTTP/2.
async fn client_auth_verdict(tls: &mut TlsStream<TcpStream>, failure: &Failure<'_>) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + CLIENT_AUTH_VERDICT;
    loop {
        let (tcp, connection) = tls.get_mut();
        match tokio::time::timeout_at(deadline, tcp.readable()).await {
            Err(_silent) => return Ok(()),
            Ok(Err(e)) => return Err(failure.explain(&e)),
            Ok(Ok(())) => {}
        }
        match connection.read_tls(&mut ReadReady(tcp)) {
            Ok(0) => return Err(failure.closed_after_handshake()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(failure.explain(&e)),
        }
        return match connection.process_new_packets() {
            Err(e) => Err(failure.explain_tls(&e)),
            Ok(state) if state.peer_has_closed() => Err(failure.closed_after_handshake()),
            Ok(_) => Ok(()),
        };
    }
}

/// What a handshake failure means, from what the connection knew.
struct Failure<'a> {
    /// The name the certificate was checked against.
    name: String,
    client_identity: bool,
    /// Whether the server asked for a client certificate.
    requested: &'a AtomicBool,
}

const NOT_TLS: &str =
    "the server does not speak TLS (it answered in plain text): for a plain-text server use an http:// URL";
const DEMANDS_CLIENT_CERTIFICATE: &str =
    "the server demands a client certificate (mutual TLS): give one with `client_certificate`";

impl Failure<'_> {
    fn requested(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }

    fn explain(&self, error: &io::Error) -> String {
        if let Some(tls) = error.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
            return self.explain_tls(tls);
        }
        match error.kind() {
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset if self.requested() && !self.client_identity => {
                DEMANDS_CLIENT_CERTIFICATE.into()
            }
            io::ErrorKind::UnexpectedEof => {
                "the server closed the connection during the TLS handshake: is this a TLS port? (for a plain-text server use an http:// URL)"
                    .into()
            }
            io::ErrorKind::ConnectionReset => "the server reset the connection during the TLS handshake".into(),
            _ => format!("TLS handshake failed: {error}"),
        }
    }

    fn closed_after_handshake(&self) -> String {
        if self.client_identity {
            "the server closed the connection right after the TLS handshake: it may not accept this client certificate (is it signed by a CA the server trusts?)"
                .into()
        } else {
            DEMANDS_CLIENT_CERTIFICATE.into()
        }
    }

    fn explain_tls(&self, error: &rustls::Error) -> String {
        match error {
            rustls::Error::InvalidMessage(
                InvalidMessage::InvalidContentType
                | InvalidMessage::UnknownProtocolVersion
                | InvalidMessage::MessageTooLarge
                | InvalidMessage::InvalidEmptyPayload,
            ) => NOT_TLS.into(),
            rustls::Error::InvalidCertificate(e) => self.explain_certificate(e),
            rustls::Error::AlertReceived(alert) => self.explain_alert(*alert),
            rustls::Error::NoApplicationProtocol => {
                "the server does not offer HTTP/2 over TLS (ALPN `h2`), which gRPC needs: is this a gRPC port?".into()
            }
            rustls::Error::PeerIncompatible(e) => {
                format!("the server and this client have no TLS parameters in common ({e:?}); this client speaks TLS 1.2 and 1.3")
            }
            other => format!("TLS handshake failed: {other}"),
        }
    }

    fn explain_certificate(&self, error: &CertificateError) -> String {
        let name = &self.name;
        match error {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                "the server's certificate is not trusted: it is self-signed or signed by a CA this client does not know; give that CA with `ca_certificate`"
                    .into()
            }
            CertificateError::NotValidForNameContext { presented, .. } => {
                let names: Vec<String> = presented.iter().filter_map(|n| presented_name(n)).collect();
                if names.is_empty() {
                    format!(
                        "the server's certificate is not valid for `{name}`: set `tls_domain` to the name it was issued for"
                    )
                } else {
                    format!(
                        "the server's certificate is for {}, not `{name}`: set `tls_domain` to one of those names",
                        names.join(", ")
                    )
                }
            }
            CertificateError::NotValidForName => format!(
                "the server's certificate is not valid for `{name}`: set `tls_domain` to the name it was issued for"
            ),
            CertificateError::ExpiredContext { not_after, .. } => {
                format!("the server's certificate expired on {}", utc_date(*not_after))
            }
            CertificateError::Expired => "the server's certificate has expired".into(),
            CertificateError::NotValidYetContext { not_before, .. } => format!(
                "the server's certificate is not valid before {}: check this machine's clock",
                utc_date(*not_before)
            ),
            CertificateError::NotValidYet => {
                "the server's certificate is not valid yet: check this machine's clock".into()
            }
            CertificateError::Revoked => "the server's certificate has been revoked".into(),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "the server's certificate is not issued for a TLS server (extended key usage)".into()
            }
            CertificateError::BadEncoding => "the server's certificate does not parse as X.509".into(),
            other => format!("the server's certificate was rejected: {other:?}"),
        }
    }

    fn explain_alert(&self, alert: AlertDescription) -> String {
        use AlertDescription as A;
        let about_client_certificate = matches!(
            alert,
            A::CertificateRequired
                | A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateRevoked
                | A::CertificateExpired
                | A::CertificateUnknown
                | A::UnknownCA
                | A::AccessDenied
                | A::DecryptError
                | A::HandshakeFailure
        );
        match alert {
            A::NoApplicationProtocol => {
                "the server does not offer HTTP/2 over TLS (ALPN `h2`), which gRPC needs: is this a gRPC port?".into()
            }
            A::ProtocolVersion => {
                "the server speaks neither TLS 1.2 nor TLS 1.3, the versions this client speaks".into()
            }
            A::CertificateRequired => DEMANDS_CLIENT_CERTIFICATE.into(),
            _ if about_client_certificate && self.requested() && !self.client_identity => {
                DEMANDS_CLIENT_CERTIFICATE.into()
            }
            _ if about_client_certificate && self.requested() => format!(
                "the server rejected the client certificate (TLS alert {alert:?}): is it signed by a CA the server trusts, and valid now?"
            ),
            _ => format!("the server refused the TLS handshake (TLS alert {alert:?})"),
        }
    }
}

/// A name as webpki lists it (`DnsName("localhost")`, `IpAddress(127.0.0.1)`),
/// bare; names of other kinds are left out.
fn presented_name(presented: &str) -> Option<String> {
    if let Some(dns) = presented
        .strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
    {
        return Some(dns.to_owned());
    }
    presented
        .strip_prefix("IpAddress(")
        .and_then(|n| n.strip_suffix(')'))
        .map(str::to_owned)
}

/// `2024-02-29 13:05:00 UTC`.
fn utc_date(time: UnixTime) -> String {
    let secs = time.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Certificates for tests: the PEM files of `test_certs/`, made once with
/// rcgen (see its README), so that the tests need no certificate generator.
#[cfg(test)]
pub(crate) mod test_certs {
    /// A test CA, and the server and client certificates it issued.
    pub(crate) struct Ca {
        pub pem: &'static str,
        pub server: Leaf,
        pub client: Leaf,
    }

    /// A certificate chain and its key, both PEM.
    #[derive(Clone, Copy)]
    pub(crate) struct Leaf {
        pub cert: &'static str,
        pub key: &'static str,
    }

    macro_rules! leaf {
        ($stem:literal) => {
            Leaf {
                cert: include_str!(concat!("test_certs/", $stem, ".pem")),
                key: include_str!(concat!("test_certs/", $stem, ".key")),
            }
        };
    }

    /// "test CA": its server certificate is for `localhost` and `127.0.0.1`.
    pub(crate) const TEST_CA: Ca = Ca {
        pem: include_str!("test_certs/test-ca.pem"),
        server: leaf!("test-ca-server"),
        client: leaf!("test-ca-client"),
    };

    /// "another CA", which the tests never trust.
    pub(crate) const ANOTHER_CA: Ca = Ca {
        pem: include_str!("test_certs/another-ca.pem"),
        server: leaf!("another-ca-server"),
        client: leaf!("another-ca-client"),
    };

    /// A server certificate for `localhost` from "test CA", valid in 2000 only.
    pub(crate) const EXPIRED: Leaf = leaf!("test-ca-expired");

    /// A server certificate for `localhost` that signs itself.
    pub(crate) const SELF_SIGNED: Leaf = leaf!("self-signed");

    /// A private key that belongs to none of the certificates above.
    pub(crate) const OTHER_KEY: &str = include_str!("test_certs/other.key");
}

#[cfg(test)]
mod tests {
    use super::test_certs::{ANOTHER_CA, Ca, EXPIRED, Leaf, OTHER_KEY, SELF_SIGNED, TEST_CA};
    use super::*;

    use rustls::ServerConfig;
    use rustls::server::WebPkiClientVerifier;
    use std::net::SocketAddr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// An empty HTTP/2 SETTINGS frame: what an HTTP/2 server sends first.
    const SETTINGS_FRAME: [u8; 9] = [0, 0, 0, 4, 0, 0, 0, 0, 0];

    fn certs(pem: &str) -> Vec<CertificateDer<'static>> {
        CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<std::result::Result<_, _>>()
            .unwrap()
    }

    /// How the test server asks for client certificates.
    enum ClientAuth<'a> {
        None,
        Required(&'a Ca),
        Optional(&'a Ca),
    }

    fn server_config(leaf: &Leaf, client_auth: ClientAuth<'_>, alpn: &[&[u8]]) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let verifier = |ca: &Ca| {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(certs(ca.pem));
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        };
        let builder = match client_auth {
            ClientAuth::None => builder.with_no_client_auth(),
            ClientAuth::Required(ca) => builder.with_client_cert_verifier(verifier(ca).build().unwrap()),
            ClientAuth::Optional(ca) => {
                builder.with_client_cert_verifier(verifier(ca).allow_unauthenticated().build().unwrap())
            }
        };
        let key = PrivateKeyDer::from_pem_slice(leaf.key.as_bytes()).unwrap();
        let mut config = builder.with_single_cert(certs(leaf.cert), key).unwrap();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }

    /// A server on 127.0.0.1 that runs `handle` for each connection; it
    /// stops, with its connections, when dropped.
    struct TestServer {
        addr: SocketAddr,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for TestServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn serve<F, Fut>(handle: F) -> TestServer
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((tcp, _)) = listener.accept().await {
                connections.spawn(handle(tcp));
            }
        });
        TestServer { addr, task }
    }

    /// A TLS server that, once the handshake is done, sends HTTP/2's first
    /// frame and reads until the client leaves, as a gRPC server would.
    async fn tls_server(config: Arc<ServerConfig>) -> TestServer {
        serve(move |tcp| {
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if tls.write_all(&SETTINGS_FRAME).await.is_err() || tls.flush().await.is_err() {
                    return;
                }
                let mut buf = [0u8; 1024];
                while matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {}
            }
        })
        .await
    }

    /// The handshake's result, or a failed test if it takes more than 5 s.
    async fn connect(
        connector: &TlsConnector,
        domain: &str,
        addr: SocketAddr,
    ) -> Result<TlsStream<TcpStream>, String> {
        let name = TlsConnector::server_name(domain).unwrap();
        let attempt = async {
            let tcp = TcpStream::connect(addr).await.unwrap();
            connector
                .handshake(name, tcp)
                .await
                .map_err(|failure| failure.reason)
        };
        tokio::time::timeout(Duration::from_secs(5), attempt)
            .await
            .expect("the handshake hung")
    }

    fn with_ca(ca: &Ca) -> TlsConnector {
        TlsConnector::new(Some(ca.pem.as_bytes()), None).unwrap()
    }

    fn assert_mentions(err: &str, words: &[&str]) {
        assert!(!err.contains('\n'), "not one line: {err}");
        for word in words {
            assert!(err.contains(word), "`{err}` does not mention `{word}`");
        }
    }

    #[tokio::test]
    async fn handshake_with_the_ca_negotiates_h2() {
        let ca = TEST_CA;
        let server = tls_server(server_config(&ca.server, ClientAuth::None, &[b"h2"])).await;
        let connector = with_ca(&ca);
        for domain in ["localhost", "127.0.0.1"] {
            let mut tls = connect(&connector, domain, server.addr).await.unwrap();
            assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
            // The server's first bytes reach the reader intact.
            let mut first = [0u8; 9];
            tls.read_exact(&mut first).await.unwrap();
            assert_eq!(first, SETTINGS_FRAME);
        }
    }

    #[tokio::test]
    async fn an_unknown_ca_is_untrusted() {
        let ca = TEST_CA;
        let server = tls_server(server_config(&ca.server, ClientAuth::None, &[b"h2"])).await;
        let other = with_ca(&ANOTHER_CA);
        let err = connect(&other, "localhost", server.addr).await.unwrap_err();
        assert_mentions(&err, &["not trusted", "ca_certificate"]);
        // The system's roots do not know the test CA either.
        let system_only = TlsConnector::new(None, None).unwrap();
        let err = connect(&system_only, "localhost", server.addr).await.unwrap_err();
        assert_mentions(&err, &["not trusted", "ca_certificate"]);
    }

    #[tokio::test]
    async fn a_self_signed_certificate_is_untrusted() {
        let server = tls_server(server_config(&SELF_SIGNED, ClientAuth::None, &[b"h2"])).await;
        let connector = with_ca(&TEST_CA);
        let err = connect(&connector, "localhost", server.addr).await.unwrap_err();
        assert_mentions(&err, &["not trusted", "self-signed", "ca_certificate"]);
    }

    #[tokio::test]
    async fn a_certificate_for_another_name_says_which() {
        let ca = TEST_CA;
        let server = tls_server(server_config(&ca.server, ClientAuth::None, &[b"h2"])).await;
        let err = connect(&with_ca(&ca), "qdrant.example.com", server.addr)
            .await
            .unwrap_err();
        assert_mentions(
            &err,
            &["qdrant.example.com", "localhost", "127.0.0.1", "tls_domain"],
        );
    }

    #[tokio::test]
    async fn an_expired_certificate_says_when() {
        let ca = TEST_CA;
        let server = tls_server(server_config(&EXPIRED, ClientAuth::None, &[b"h2"])).await;
        let err = connect(&with_ca(&ca), "localhost", server.addr)
            .await
            .unwrap_err();
        assert_mentions(&err, &["expired", "2001-01-01"]);
    }

    #[tokio::test]
    async fn a_server_without_h2_is_refused() {
        let ca = TEST_CA;
        let leaf = ca.server;
        // No ALPN at all, and ALPN without h2 (the server refuses ours).
        for alpn in [&[][..], &[&b"http/1.1"[..]][..]] {
            let server = tls_server(server_config(&leaf, ClientAuth::None, alpn)).await;
            let err = connect(&with_ca(&ca), "localhost", server.addr)
                .await
                .unwrap_err();
            assert_mentions(&err, &["HTTP/2", "h2", "gRPC"]);
        }
    }

    #[tokio::test]
    async fn a_plain_text_server_does_not_speak_tls() {
        let garbage = serve(|mut tcp| async move {
            let _ = tcp.write_all(b"hello, this is not TLS\r\n").await;
            let mut buf = [0u8; 1024];
            while matches!(tcp.read(&mut buf).await, Ok(n) if n > 0) {}
        })
        .await;
        let http2 = serve(|tcp| async move {
            // A real HTTP/2 server: it sends SETTINGS, then fails on the
            // ClientHello where it expected the connection preface.
            if let Ok(mut connection) = h2::server::handshake(tcp).await {
                while let Some(Ok(_)) = connection.accept().await {}
            }
        })
        .await;
        let connector = with_ca(&TEST_CA);
        for server in [&garbage, &http2] {
            let err = connect(&connector, "localhost", server.addr).await.unwrap_err();
            assert_mentions(&err, &["does not speak TLS", "http://"]);
        }
    }

    #[tokio::test]
    async fn a_server_closing_or_resetting_during_the_handshake() {
        // Reads the whole ClientHello record, so that closing sends FIN, not RST.
        async fn read_client_hello(tcp: &mut TcpStream) {
            let mut header = [0u8; 5];
            if tcp.read_exact(&mut header).await.is_ok() {
                let mut body = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
                let _ = tcp.read_exact(&mut body).await;
            }
        }
        let closing = serve(|mut tcp| async move { read_client_hello(&mut tcp).await }).await;
        let resetting = serve(|mut tcp| async move {
            read_client_hello(&mut tcp).await;
            let _ = tcp.set_zero_linger();
        })
        .await;
        let connector = with_ca(&TEST_CA);
        let err = connect(&connector, "localhost", closing.addr).await.unwrap_err();
        assert_mentions(
            &err,
            &["closed the connection during the TLS handshake", "http://"],
        );
        let err = connect(&connector, "localhost", resetting.addr)
            .await
            .unwrap_err();
        assert_mentions(&err, &["reset the connection during the TLS handshake"]);
    }

    #[tokio::test]
    async fn mutual_tls() {
        let ca = TEST_CA;
        let server = tls_server(server_config(&ca.server, ClientAuth::Required(&ca), &[b"h2"])).await;
        let client = ca.client;
        let connector = TlsConnector::new(
            Some(ca.pem.as_bytes()),
            Some((client.cert.as_bytes(), client.key.as_bytes())),
        )
        .unwrap();
        let mut tls = connect(&connector, "localhost", server.addr).await.unwrap();
        let mut first = [0u8; 9];
        tls.read_exact(&mut first).await.unwrap();
        assert_eq!(first, SETTINGS_FRAME);
    }

    #[tokio::test]
    async fn mutual_tls_without_a_client_certificate() {
        let ca = TEST_CA;
        let server = tls_server(server_config(&ca.server, ClientAuth::Required(&ca), &[b"h2"])).await;
        let err = connect(&with_ca(&ca), "localhost", server.addr)
            .await
            .unwrap_err();
        assert_mentions(&err, &["demands a client certificate", "client_certificate"]);
    }

    #[tokio::test]
    async fn mutual_tls_with_a_certificate_from_another_ca() {
        let ca = TEST_CA;
        let server = tls_server(server_config(&ca.server, ClientAuth::Required(&ca), &[b"h2"])).await;
        let stranger = ANOTHER_CA.client;
        let connector = TlsConnector::new(
            Some(ca.pem.as_bytes()),
            Some((stranger.cert.as_bytes(), stranger.key.as_bytes())),
        )
        .unwrap();
        let err = connect(&connector, "localhost", server.addr).await.unwrap_err();
        assert_mentions(&err, &["rejected the client certificate"]);
    }

    #[tokio::test]
    async fn an_optional_client_certificate_may_be_left_out() {
        let ca = TEST_CA;
        let server = tls_server(server_config(&ca.server, ClientAuth::Optional(&ca), &[b"h2"])).await;
        let mut tls = connect(&with_ca(&ca), "localhost", server.addr).await.unwrap();
        let mut first = [0u8; 9];
        tls.read_exact(&mut first).await.unwrap();
        assert_eq!(first, SETTINGS_FRAME);
    }

    fn invalid(result: Result<TlsConnector>) -> (String, String) {
        match result {
            Err(e) if e.kind() == crate::ErrorKind::InvalidArgument => {
                (e.argument().unwrap_or_default().to_owned(), e.reason().to_owned())
            }
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_ca_is_an_invalid_argument() {
        let ca = TEST_CA;
        let leaf = ca.server;
        let truncated = &ca.pem[..ca.pem.len() - 30];
        let der = certs(ca.pem).remove(0);
        let not_x509 = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
        for (pem, says) in [
            (&b"garbage"[..], "no PEM certificate"),
            (b"", "no PEM certificate"),
            (leaf.key.as_bytes(), "no PEM certificate"),
            (
                truncated.as_bytes(),
                "it is not valid PEM: a section has no END line",
            ),
            (der.as_ref(), "DER"),
            (
                not_x509.as_bytes(),
                "certificate 1 of 1 does not parse as an X.509",
            ),
        ] {
            let (argument, reason) = invalid(TlsConnector::new(Some(pem), None));
            assert_eq!(argument, "ca_certificate");
            assert!(reason.contains(says), "{reason}");
        }
    }

    #[test]
    fn a_bad_identity_says_which_half_is_wrong() {
        let ca = TEST_CA;
        let client = ca.client;
        let cert = client.cert.as_bytes();
        let key = client.key.as_bytes();
        let garbage_key = "-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END PRIVATE KEY-----\n";
        for (cert, key, says) in [
            (
                cert,
                &b"not a key"[..],
                "the private key PEM holds no private key",
            ),
            (cert, garbage_key.as_bytes(), "the private key is not a usable"),
            (
                cert,
                OTHER_KEY.as_bytes(),
                "the private key does not belong to the certificate",
            ),
            (cert, cert, "are the certificate and the key swapped?"),
            (
                &b"not a certificate"[..],
                key,
                "the certificate: it holds no PEM certificate",
            ),
        ] {
            let (argument, reason) = invalid(TlsConnector::new(Some(ca.pem.as_bytes()), Some((cert, key))));
            assert_eq!(argument, "client_certificate");
            assert!(reason.contains(says), "{reason}");
            assert!(
                !reason.contains("BEGIN") || !reason.contains("KEY-----\n"),
                "{reason}"
            );
            assert!(!reason.contains(&OTHER_KEY[30..60]) && !reason.contains(&client.key[30..60]));
        }
    }

    #[test]
    fn debug_shows_no_keys() {
        let ca = TEST_CA;
        let client = ca.client;
        let connector = TlsConnector::new(
            Some(ca.pem.as_bytes()),
            Some((client.cert.as_bytes(), client.key.as_bytes())),
        )
        .unwrap();
        let shown = format!("{connector:?} {connector:#?}");
        assert!(shown.contains("extra_roots: 1"), "{shown}");
        assert!(shown.contains("client_identity: true"), "{shown}");
        assert!(!shown.contains("BEGIN") && !shown.contains("MII"), "{shown}");
        let body = |pem: &str| pem.lines().nth(1).unwrap_or_default().to_owned();
        assert!(!shown.contains(&body(client.key)) && !shown.contains(&body(client.cert)));
    }

    #[test]
    fn server_names() {
        for good in ["localhost", "qdrant.example.com", "127.0.0.1", "::1", "[::1]"] {
            assert!(TlsConnector::server_name(good).is_ok(), "{good}");
        }
        for bad in ["", "not a name", "under_score!", "[::1"] {
            match TlsConnector::server_name(bad) {
                Err(e) if e.kind() == crate::ErrorKind::InvalidArgument => {
                    assert_eq!(e.argument(), Some("tls_domain"));
                    assert!(e.reason().contains(bad), "{e}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn dates() {
        assert_eq!(
            utc_date(UnixTime::since_unix_epoch(Duration::ZERO)),
            "1970-01-01 00:00:00 UTC"
        );
        assert_eq!(
            utc_date(UnixTime::since_unix_epoch(Duration::from_secs(978_307_200))),
            "2001-01-01 00:00:00 UTC"
        );
        assert_eq!(
            utc_date(UnixTime::since_unix_epoch(Duration::from_secs(1_709_211_900))),
            "2024-02-29 13:05:00 UTC"
        );
    }
}
