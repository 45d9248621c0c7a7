//! What every example starts with: a server to talk to.

use qdrant_async::server::EmbeddedServer;

/// The URL of `QDRANT_URL` when it is set, else of an embedded server
/// started here; keep the returned server alive as long as the client.
pub async fn server() -> anyhow::Result<(String, Option<EmbeddedServer>)> {
    Ok(match std::env::var("QDRANT_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = EmbeddedServer::start().await?;
            (server.url(), Some(server))
        }
    })
}
