//! Endpoints: parsing the URLs a client is given, and explaining connect
//! failures.

use std::time::Duration;

use crate::error::{Error, Result};

/// Qdrant's gRPC port, used when a URL names none.
pub(crate) const DEFAULT_GRPC_PORT: u16 = 6334;

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
        let invalid = |reason: &str| Error::invalid_url(url, reason);
        let uri: http::Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()).with_source(e))?;
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
        let port = match port_text(uri.authority().map_or("", |a| a.as_str())) {
            None => DEFAULT_GRPC_PORT,
            Some(text) => match text.parse::<u16>() {
                Ok(0) => return Err(invalid("port 0 is not a port to connect to")),
                Ok(port) => port,
                Err(_) => return Err(invalid(&format!("`{text}` is not a port (1 to 65535)"))),
            },
        };
        Ok(Url {
            tls,
            host: host.to_owned(),
            port,
        })
    }

    /// `scheme://host:port`.
    pub(crate) fn origin(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}:{}", self.host, self.port)
    }
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

/// The port of an authority (`user@host:port`, `[::1]:port`) as written.
fn port_text(authority: &str) -> Option<&str> {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, rest)| rest);
    let after_host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or("", |(_, rest)| rest),
        None => host_port.find(':').map_or("", |i| &host_port[i..]),
    };
    after_host.strip_prefix(':')
}

/// What to tell a user whose connection failed at the HTTP/2 stage: the
/// port answers HTTP/1.1 (Qdrant's REST port is 6333, gRPC 6334), or speaks
/// TLS where `http://` was given. Probes only when `probe` is set, and
/// gives up after 2 s.
pub(crate) async fn hint(url: &Url, probe: bool) -> Option<&'static str> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if !probe || url.tls {
        return None;
    }
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect((url.host.trim_matches(['[', ']']), url.port))
            .await
            .ok()?;
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            url.host
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut head = [0u8; 8];
        let n = stream.read(&mut head).await.ok()?;
        let head = &head[..n];
        if head.starts_with(b"HTTP/1.") {
            Some("this port answers HTTP/1.1, not gRPC: Qdrant's gRPC port is 6334, its REST port is 6333")
        } else if matches!(head, [0x15 | 0x16, 0x03, ..]) {
            Some("this port speaks TLS: use an https:// URL")
        } else {
            None
        }
    };
    tokio::time::timeout(Duration::from_secs(2), probe)
        .await
        .ok()
        .flatten()
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
            "http://127.0.0.1:99999",
            "http://127.0.0.1:65536",
            "http://127.0.0.1:0",
        ] {
            let err = Url::parse(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidUrl, "{bad}: {err}");
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
