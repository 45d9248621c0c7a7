//! How to test your own code that uses qdrant-async, without Docker: start
//! an `EmbeddedServer` in each `#[tokio::test]`, point a `Client` at it,
//! and call your code. Each test gets its own in-memory server (they start
//! in milliseconds), so tests run in parallel and share nothing.
//!
//! The pattern, for `tests/` of your crate (with qdrant-async as a
//! dev-dependency with feature `server`):
//!
//! ```toml
//! [dev-dependencies]
//! qdrant-async = { version = "0.1", features = ["server"] }
//! ```
//!
//! `cargo test --example test_your_service` runs the tests below;
//! `cargo run --example test_your_service` runs the service once. Set
//! `QDRANT_URL` to run the same tests against a real Qdrant instead.

mod common;

use qdrant_async::{Client, Condition, Distance, Filter, Point, VectorParams};
use serde_json::json;

/// The code under test: a small "similar articles" service of your own.
pub struct Articles {
    client: Client,
    collection: String,
}

impl Articles {
    /// Creates the service's collection when it is not there yet.
    pub async fn open(client: Client, collection: &str) -> qdrant_async::Result<Articles> {
        if !client.collection_exists(collection).await? {
            client
                .create_collection(collection, VectorParams::new(2, Distance::Cosine))
                .await?;
        }
        Ok(Articles {
            client,
            collection: collection.to_owned(),
        })
    }

    /// Stores an article's embedding with its topic.
    pub async fn add(&self, id: u64, embedding: [f32; 2], topic: &str) -> qdrant_async::Result<()> {
        self.client
            .upsert(
                &self.collection,
                [Point::new(id, embedding).payload(json!({"topic": topic}))],
            )
            .await?;
        Ok(())
    }

    /// Ids of the articles closest to `id` on the same topic, best first
    /// (a query by id leaves that point out of its results).
    pub async fn similar(&self, id: u64, topic: &str) -> qdrant_async::Result<Vec<u64>> {
        let hits = self
            .client
            .query_points(&self.collection, id)
            .filter(Filter::must([Condition::matches("topic", topic)]))
            .limit(3)
            .await?;
        Ok(hits.iter().filter_map(|h| h.id.as_u64()).collect())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (url, _server) = common::server().await?;
    let articles = Articles::open(Client::connect(&url).await?, "articles_example").await?;
    articles.add(1, [1.0, 0.0], "rust").await?;
    articles.add(2, [0.9, 0.1], "rust").await?;
    articles.add(3, [0.8, 0.2], "go").await?;
    println!("similar to 1 on rust: {:?}", articles.similar(1, "rust").await?);
    articles.client.delete_collection("articles_example").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use qdrant_async::server::EmbeddedServer;

    /// A fresh server per test, unless `QDRANT_URL` names a real one; then
    /// each test uses its own collection name.
    async fn service(test: &str) -> anyhow::Result<(Articles, Option<EmbeddedServer>)> {
        let (url, server) = crate::common::server().await?;
        let client = Client::connect(&url).await?;
        let collection = format!("{test}_{}", uuid::Uuid::new_v4().simple());
        Ok((Articles::open(client, &collection).await?, server))
    }

    #[tokio::test]
    async fn similar_articles_stay_on_topic() -> anyhow::Result<()> {
        let (articles, _server) = service("on_topic").await?;
        articles.add(1, [1.0, 0.0], "rust").await?;
        articles.add(2, [0.9, 0.1], "rust").await?;
        articles.add(3, [0.95, 0.05], "go").await?;
        // 3 is closer, but on another topic.
        assert_eq!(articles.similar(1, "rust").await?, [2]);
        articles.client.delete_collection(&articles.collection).await?;
        Ok(())
    }

    #[tokio::test]
    async fn opening_twice_keeps_the_data() -> anyhow::Result<()> {
        let (articles, _server) = service("reopen").await?;
        articles.add(7, [0.0, 1.0], "rust").await?;
        articles.add(8, [0.1, 1.0], "rust").await?;
        let again = Articles::open(articles.client.clone(), &articles.collection).await?;
        assert_eq!(again.similar(7, "rust").await?, [8]);
        articles.client.delete_collection(&articles.collection).await?;
        Ok(())
    }

    #[tokio::test]
    async fn an_unknown_article_is_an_error() -> anyhow::Result<()> {
        let (articles, _server) = service("unknown").await?;
        let err = articles.similar(42, "rust").await.unwrap_err();
        // Qdrant answers a query by a missing id with NotFound.
        assert_eq!(err.code(), Some(qdrant_async::Code::NotFound), "{err}");
        articles.client.delete_collection(&articles.collection).await?;
        Ok(())
    }
}
