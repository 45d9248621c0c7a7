//! Endpoints: parsing the URLs a client is given, building tonic endpoints
//! with their TLS and HTTP/2 settings, and explaining connect failures.

use std::time::Duration;

use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use crate::error::{Error, Result};

/// Qdrant's gRPC port, used when a URL names none.
pub(crate) const DEFAULT_GRPC_PORT: u16 = 6334;
/// Qdrant's REST port: a common mistake to point a gRPC client at.
const REST_PORT: u16 = 6333;

/// A parsed `http://` or `https://` URL with a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    pub tls: bool,
    pub host: String,
    pub port: u16,
}

impl Url {
    /// Accepts `http` and `https` URLs; the port defaults to 6334.
    pub(crate) fn parse(url: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: http::Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        let tls = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            Some(other) => {
                return Err(invalid(&format!(
                    "scheme `{other}` is not supported: use http:// or https:// (gRPC, port {DEFAULT_GRPC_PORT})"
                )));
            }
            None => {
                return Err(invalid(
                    "it has no scheme: use http://host:6334 or https://host:6334",
                ));
            }
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("it has no host"))?;
        if uri
            .path_and_query()
            .is_some_and(|p| !matches!(p.as_str(), "" | "/"))
        {
            return Err(invalid("a gRPC endpoint takes no path or query"));
        }
        Ok(Url {
            tls,
            host: host.to_owned(),
            port: uri.port_u16().unwrap_or(DEFAULT_GRPC_PORT),
        })
    }

    /// The URL as tonic wants it.
    pub(crate) fn origin(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}:{}", self.host, self.port)
    }
}

/// The transport settings shared by all endpoints of a client.
#[derive(Clone, Debug)]
pub(crate) struct EndpointSettings {
    pub connect_timeout: Duration,
    pub keepalive_interval: Option<Duration>,
    pub keepalive_timeout: Duration,
    pub ca_certificate: Option<Vec<u8>>,
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
    pub tls_domain: Option<String>,
}

impl Default for EndpointSettings {
    fn default() -> Self {
        EndpointSettings {
            connect_timeout: Duration::from_secs(5),
            keepalive_interval: Some(Duration::from_secs(30)),
            keepalive_timeout: Duration::from_secs(20),
            ca_certificate: None,
            identity: None,
            tls_domain: None,
        }
    }
}

/// A tonic endpoint for `url` with these settings.
pub(crate) fn endpoint(url: &Url, settings: &EndpointSettings) -> Result<Endpoint> {
    let origin = url.origin();
    let invalid = |e: tonic::transport::Error| Error::InvalidUrl {
        url: origin.clone(),
        reason: error_chain(&e),
    };
    let mut endpoint = Endpoint::from_shared(origin.clone())
        .map_err(invalid)?
        .user_agent(concat!("qdrant-async/", env!("CARGO_PKG_VERSION")))
        .map_err(invalid)?
        .connect_timeout(settings.connect_timeout)
        .tcp_nodelay(true)
        .http2_adaptive_window(true)
        .keep_alive_timeout(settings.keepalive_timeout)
        .keep_alive_while_idle(true);
    if let Some(interval) = settings.keepalive_interval {
        endpoint = endpoint.http2_keep_alive_interval(interval);
    }
    if url.tls {
        let mut tls = ClientTlsConfig::new()
            .with_native_roots()
            .domain_name(settings.tls_domain.clone().unwrap_or_else(|| url.host.clone()));
        if let Some(pem) = &settings.ca_certificate {
            tls = tls.ca_certificate(Certificate::from_pem(pem));
        }
        if let Some((cert, key)) = &settings.identity {
            tls = tls.identity(Identity::from_pem(cert, key));
        }
        endpoint = endpoint.tls_config(tls).map_err(invalid)?;
    }
    Ok(endpoint)
}

/// The error and its sources, joined: tonic's own message is often just
/// "transport error", with the reason (the OS error) further down.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

/// A connect failure for `url`, with a hint when the port answers HTTP/1.1
/// (Qdrant's REST port) instead of gRPC.
pub(crate) async fn connect_error(url: &Url, reason: String) -> Error {
    let hint = if answers_http1(url).await || url.port == REST_PORT {
        Some("this port answers HTTP/1.1, not gRPC: Qdrant's gRPC port is 6334, its REST port is 6333")
    } else {
        None
    };
    Error::Connect {
        endpoint: url.origin(),
        reason,
        hint,
    }
}

/// Whether the port answers a plain HTTP/1.1 request: the mark of a REST
/// port (or any web server) given where gRPC was expected.
async fn answers_http1(url: &Url) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if url.tls {
        return false;
    }
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect((url.host.as_str(), url.port))
            .await
            .ok()?;
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            url.host
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut head = [0u8; 8];
        stream.read_exact(&mut head).await.ok()?;
        Some(head.starts_with(b"HTTP/1."))
    };
    tokio::time::timeout(Duration::from_secs(2), probe)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls_and_defaults_the_port() {
        assert_eq!(
            Url::parse("http://localhost").unwrap(),
            Url {
                tls: false,
                host: "localhost".into(),
                port: 6334
            }
        );
        assert_eq!(Url::parse("https://q.example:443/").unwrap().port, 443);
        assert!(Url::parse("https://q.example").unwrap().tls);
    }

    #[test]
    fn rejects_other_schemes_and_garbage() {
        for bad in [
            "grpc://localhost:6334",
            "localhost:6334",
            "http://",
            "not a url",
            "http://h:1/path",
        ] {
            let err = Url::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {err}");
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
