//! A client on a Qdrant cluster: several node URLs on one `Client` (calls
//! are spread over them, and a node that fails is left out until it
//! answers again), a collection with shards and replicas, and custom
//! sharding with one shard key per tenant.
//!
//! It needs a real cluster of at least two nodes. Give their gRPC URLs in
//! `QDRANT_CLUSTER_URLS`, comma separated:
//!
//! ```sh
//! QDRANT_CLUSTER_URLS=http://node1:6334,http://node2:6334,http://node3:6334 \
//!     cargo run --example cluster
//! ```
//!
//! Without a cluster (the embedded server, or one node in `QDRANT_URL`), it
//! says so, shows the answer a single node gives, and exits cleanly.

mod common;

use qdrant_async::{Client, Distance, Point, ShardingMethod, VectorParams};
use serde_json::json;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Ok(urls) = std::env::var("QDRANT_CLUSTER_URLS") else {
        return without_a_cluster().await;
    };
    let mut urls = urls.split(',').map(str::trim).filter(|u| !u.is_empty());
    let first = urls
        .next()
        .ok_or_else(|| anyhow::anyhow!("QDRANT_CLUSTER_URLS is empty"))?;
    // One client for the whole cluster.
    let client = urls
        .fold(Client::builder(first), |b, url| b.url(url))
        .connect()
        .await?;
    println!("nodes answering: {:?}", client.urls_up());

    // Shards spread over the nodes, each kept on two of them.
    let replicated = "cluster_example_replicated";
    if client.collection_exists(replicated).await? {
        client.delete_collection(replicated).await?;
    }
    client
        .create_collection(replicated, VectorParams::new(4, Distance::Cosine))
        .shard_number(6)
        .replication_factor(2)
        .await?;
    client
        .upsert(
            replicated,
            (0..100u64).map(|i| Point::new(i, [i as f32, 1.0, 0.5, 0.1])),
        )
        .await?;
    let info = client.collection_cluster_info(replicated).await?;
    println!(
        "{replicated}: {} shards; this node holds {} replicas, the others {}",
        info.shard_count,
        info.local_shards.len(),
        info.remote_shards.len()
    );

    // Custom sharding: each tenant's points live in the tenant's shard
    // key, and a call names the key it is about.
    let tenants = "cluster_example_tenants";
    if client.collection_exists(tenants).await? {
        client.delete_collection(tenants).await?;
    }
    client
        .create_collection(tenants, VectorParams::new(4, Distance::Cosine))
        .sharding_method(ShardingMethod::Custom)
        .await?;
    for tenant in ["acme", "globex"] {
        client.create_shard_key(tenants, tenant).await?;
    }
    client
        .upsert(
            tenants,
            [Point::new(1, [0.9, 0.1, 0.1, 0.1]).payload(json!({"name": "acme doc"}))],
        )
        .shard_key_selector("acme")
        .await?;
    client
        .upsert(
            tenants,
            [Point::new(2, [0.9, 0.1, 0.1, 0.1]).payload(json!({"name": "globex doc"}))],
        )
        .shard_key_selector("globex")
        .await?;
    let hits = client
        .query_points(tenants, [0.9, 0.1, 0.1, 0.1])
        .shard_key_selector("acme")
        .with_payload(true)
        .await?;
    println!(
        "acme sees only its own points: {:?}",
        hits.iter().map(|h| h.payload.get("name")).collect::<Vec<_>>()
    );
    println!("shard keys: {:?}", client.list_shard_keys(tenants).await?);

    client.delete_collection(replicated).await?;
    client.delete_collection(tenants).await?;
    Ok(())
}

/// What a single node answers: cluster calls are refused.
async fn without_a_cluster() -> anyhow::Result<()> {
    println!("QDRANT_CLUSTER_URLS is not set: this example needs a Qdrant cluster.");
    let (url, _server) = common::server().await?;
    let client = Client::connect(&url).await?;
    let collection = "cluster_example_single";
    if client.collection_exists(collection).await? {
        client.delete_collection(collection).await?;
    }
    client
        .create_collection(collection, VectorParams::new(4, Distance::Cosine))
        .await?;
    match client.create_shard_key(collection, "acme").await {
        Ok(_) => println!("{url} accepted a shard key: it runs in distributed mode"),
        Err(e) => println!("a single node refuses shard keys: {e}"),
    }
    client.delete_collection(collection).await?;
    Ok(())
}
