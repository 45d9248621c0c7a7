//! The test harness: a client on the embedded server, or on `QDRANT_URL`
//! when it is set (an unreachable `QDRANT_URL` fails the test, never skips).

use qdrant_async::Client;
use qdrant_async::server::EmbeddedServer;

/// Whether the tests run against a real cluster (`.ci/run` sets
/// `QDRANT_CLUSTER_URLS` for its cluster stage): a few answers of Qdrant
/// differ in distributed mode.
pub fn on_cluster() -> bool {
    std::env::var_os("QDRANT_CLUSTER_URLS").is_some()
}

pub struct Ctx {
    pub client: Client,
    pub url: String,
    /// This test's own collection name, unique across parallel runs.
    pub collection: String,
    _server: Option<EmbeddedServer>,
}

impl Ctx {
    pub async fn new(test: &str) -> anyhow::Result<Ctx> {
        let (url, server) = match std::env::var("QDRANT_URL") {
            Ok(url) => (url, None),
            Err(_) => {
                let server = EmbeddedServer::start().await?;
                (server.url(), Some(server))
            }
        };
        let client = Client::connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach the test server at {url}: {e}"))?;
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let collection = format!("{test}_{}", &suffix[..8]);
        Ok(Ctx {
            client,
            url,
            collection,
            _server: server,
        })
    }

    /// The embedded server, when the test runs against one.
    pub fn embedded(&self) -> Option<&EmbeddedServer> {
        self._server.as_ref()
    }

    /// Another collection name for this test, unique like the first.
    pub fn another(&self, tag: &str) -> String {
        format!("{}_{tag}", self.collection)
    }

    /// Deletes the test's collections.
    pub async fn cleanup(self) -> anyhow::Result<()> {
        let names = self.client.get_collections().await?;
        for name in names.into_iter().filter(|n| n.starts_with(&self.collection)) {
            self.client.delete_collection(&name).await?;
        }
        Ok(())
    }
}

/// A server error's message as the node holding the data wrote it.
///
/// In a cluster, a node that forwards a call to the peer holding the shard
/// wraps the peer's error: `Wrong input: InvalidArgument: code: '…',
/// message: "<the peer's message>"`, or `Not found: 1 out of 2 shards
/// failed to apply operation. First error captured: code: '…', message:
/// "<…>" not found`. On a cluster this returns the innermost message, so
/// that answers can be compared with a single node's; elsewhere, the
/// message as it is.
pub fn peer_message(message: &str) -> String {
    const INNER: &str = "message: \"";
    if !on_cluster() {
        return message.to_owned();
    }
    match (message.find(INNER), message.rfind('"')) {
        (Some(start), Some(end)) if end > start + INNER.len() => {
            peer_message(&message[start + INNER.len()..end])
        }
        _ => message.to_owned(),
    }
}

/// Taken for writing by a test that kills a real node, and for reading by
/// the tests that need every node up (shard moves, replication): they
/// would wait in vain for a move to a node that is down.
pub static NODES: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());
