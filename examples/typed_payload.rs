//! Serde structs in and out: points written from a `Serialize` struct, read
//! back with `payload_as::<T>()`, and a filter on nested payload fields
//! (`Condition::nested` for arrays of objects, dotted keys for objects).
//!
//! `cargo run --example typed_payload` runs it against the embedded server;
//! with `QDRANT_URL=http://localhost:6334` set, against that Qdrant.

mod common;

use qdrant_async::{Client, Condition, Distance, Filter, Json, Point, Range, VectorParams};
use serde::{Deserialize, Serialize};

/// A product as the application knows it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Product {
    name: String,
    price: f64,
    maker: Maker,
    variants: Vec<Variant>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Maker {
    country: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Variant {
    color: String,
    stock: u32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (url, _server) = common::server().await?;
    let client = Client::connect(&url).await?;
    let collection = "typed_payload_example";
    if client.collection_exists(collection).await? {
        client.delete_collection(collection).await?;
    }
    client
        .create_collection(collection, VectorParams::new(3, Distance::Cosine))
        .await?;

    let products = [
        Product {
            name: "lamp".into(),
            price: 39.0,
            maker: Maker { country: "DE".into() },
            variants: vec![
                Variant {
                    color: "red".into(),
                    stock: 0,
                },
                Variant {
                    color: "white".into(),
                    stock: 12,
                },
            ],
        },
        Product {
            name: "chair".into(),
            price: 120.0,
            maker: Maker { country: "IT".into() },
            variants: vec![Variant {
                color: "red".into(),
                stock: 4,
            }],
        },
        Product {
            name: "desk".into(),
            price: 310.0,
            maker: Maker { country: "DE".into() },
            variants: vec![Variant {
                color: "oak".into(),
                stock: 2,
            }],
        },
    ];
    let vectors = [[0.9, 0.1, 0.2], [0.2, 0.8, 0.1], [0.3, 0.3, 0.9]];
    // `Json(&value)` turns any `Serialize` value into a payload.
    let points = products
        .iter()
        .zip(vectors)
        .enumerate()
        .map(|(i, (product, vector))| Point::new(i as u64 + 1, vector).payload(Json(product)));
    client.upsert(collection, points).await?;

    // German products under 200 with a white variant in stock: `maker.country`
    // reaches into an object; `Condition::nested` makes both conditions hold
    // for the same element of `variants`.
    let filter = Filter::must([
        Condition::matches("maker.country", "DE"),
        Condition::range("price", Range::new().lt(200.0)),
        Condition::nested(
            "variants",
            Filter::must([
                Condition::matches("color", "white"),
                Condition::range("stock", Range::new().gt(0.0)),
            ]),
        ),
    ]);
    let hits = client
        .query_points(collection, [0.9, 0.1, 0.2])
        .filter(filter)
        .with_payload(true)
        .await?;
    for hit in &hits {
        // Back into the application's type.
        let product: Product = hit.payload_as()?;
        println!("{} (score {:.3}): {product:?}", hit.id, hit.score);
    }
    assert_eq!(hits.len(), 1, "only the lamp matches");
    assert_eq!(hits[0].payload_as::<Product>()?, products[0]);

    client.delete_collection(collection).await?;
    Ok(())
}
