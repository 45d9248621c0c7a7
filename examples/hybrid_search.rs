//! Hybrid search: every point has a dense vector (meaning) and a sparse
//! vector (keywords). One query prefetches the best candidates of each,
//! fuses the two lists with Reciprocal Rank Fusion, and keeps only the
//! points a payload filter allows.
//!
//! `cargo run --example hybrid_search` runs it against the embedded server;
//! with `QDRANT_URL=http://localhost:6334` set, against that Qdrant.

mod common;

use std::collections::HashMap;

use qdrant_async::{
    Client, Condition, Distance, Filter, Fusion, Point, Prefetch, SparseVector, SparseVectorParams, Vector,
    VectorParams, Vectors, VectorsConfig,
};
use serde_json::json;

/// A toy sparse encoder: one dimension per known word, weighted by count.
/// A real service would use a model such as SPLADE or BM25 weights.
fn sparse(text: &str, vocabulary: &HashMap<&str, u32>) -> SparseVector {
    let mut weights: HashMap<u32, f32> = HashMap::new();
    for word in text.split_whitespace() {
        if let Some(&dim) = vocabulary.get(word) {
            *weights.entry(dim).or_default() += 1.0;
        }
    }
    let mut pairs: Vec<(u32, f32)> = weights.into_iter().collect();
    pairs.sort_by_key(|(dim, _)| *dim);
    SparseVector::new(
        pairs.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
        pairs.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (url, _server) = common::server().await?;
    let client = Client::connect(&url).await?;
    let collection = "hybrid_search_example";
    if client.collection_exists(collection).await? {
        client.delete_collection(collection).await?;
    }
    client
        .create_collection(
            collection,
            VectorsConfig::named([("dense", VectorParams::new(3, Distance::Cosine))]),
        )
        .sparse_vector("keywords", SparseVectorParams::new())
        .await?;

    let vocabulary: HashMap<&str, u32> = ["rust", "async", "database", "vector", "python", "garden"]
        .into_iter()
        .zip(0..)
        .collect();
    let docs = [
        (1, "async rust database client", [0.9, 0.1, 0.1], "en"),
        (2, "vector database in rust", [0.8, 0.3, 0.1], "en"),
        (3, "python vector tools", [0.4, 0.8, 0.2], "en"),
        (4, "rust async runtime", [0.7, 0.1, 0.5], "de"),
        (5, "garden tools", [0.1, 0.2, 0.9], "en"),
    ];
    let points = docs.iter().map(|(id, text, dense, lang)| {
        Point::new(
            *id,
            Vectors::named([
                ("dense", Vector::from(*dense)),
                ("keywords", Vector::from(sparse(text, &vocabulary))),
            ]),
        )
        .payload(json!({"text": text, "lang": lang}))
    });
    client.upsert(collection, points).await?;

    let question = "rust vector database";
    let question_dense = [0.8, 0.32, 0.1];
    let hits = client
        .query_points(collection, Fusion::Rrf)
        .prefetch(Prefetch::new(question_dense).using("dense").limit(20))
        .prefetch(
            Prefetch::new(sparse(question, &vocabulary))
                .using("keywords")
                .limit(20),
        )
        .filter(Filter::must([Condition::matches("lang", "en")]))
        .limit(3)
        .with_payload(true)
        .await?;
    println!("{question:?}:");
    for hit in &hits {
        println!("  {} {:.4} {:?}", hit.id, hit.score, hit.payload.get("text"));
    }
    // Point 2 is first in both lists; point 4 is German and filtered out.
    assert_eq!(hits.first().and_then(|h| h.id.as_u64()), Some(2));
    assert!(hits.iter().all(|h| h.id.as_u64() != Some(4)));

    client.delete_collection(collection).await?;
    Ok(())
}
