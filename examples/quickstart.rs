//! The README's flow: create a collection, upsert a point, query it.
//!
//! Runs against `QDRANT_URL` when it is set (for example
//! `QDRANT_URL=http://localhost:6334`), else against the embedded server.

use qdrant_async::{Client, Distance, Point, VectorParams};
use serde_json::json;
use uuid::Uuid;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Keep the embedded server alive for as long as the client needs it.
    let (url, _server) = match std::env::var("QDRANT_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = qdrant_async::server::EmbeddedServer::start().await?;
            (server.url(), Some(server))
        }
    };

    let client = Client::connect(&url).await?;
    let collection = "my_collection";
    if client.collection_exists(collection).await? {
        client.delete_collection(collection).await?;
    }

    client
        .create_collection(collection, VectorParams::new(4, Distance::Cosine))
        .await?;
    client
        .upsert(
            collection,
            [
                Point::new(
                    Uuid::parse_str("5c56c793-69f3-4fbf-87e6-c4bf54c28c26")?,
                    [0.9, 0.1, 0.1, 0.5],
                )
                .payload(json!({"color": "red"})),
                Point::new(2, [0.1, 0.9, 0.3, 0.2]).payload(json!({"color": "green"})),
                Point::new(3, [0.8, 0.2, 0.2, 0.6]).payload(json!({"color": "blue"})),
            ],
        )
        .await?;

    let hits = client
        .query_points(collection, [0.9, 0.1, 0.1, 0.5])
        .limit(2)
        .with_payload(true)
        .await?;
    // The embedded server names itself in its health check, and gives as
    // its version the Qdrant release it answers like.
    let health = client.health_check().await?;
    println!(
        "connected to {}, version {}, at {url}",
        health.title, health.version
    );
    for hit in &hits {
        println!(
            "id={} score={:.4} payload={:?}",
            hit.id,
            hit.score,
            hit.payload.get("color")
        );
    }

    client.delete_collection(collection).await?;
    Ok(())
}
