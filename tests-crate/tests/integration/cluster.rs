//! A real 3-node cluster through the facade: sharding and replication,
//! custom sharding with shard keys, cluster info, and every cluster setup
//! operation. `.ci/run` runs these with `QDRANT_CLUSTER_URLS` (the nodes'
//! URLs, comma separated); a single node or the embedded server refuses
//! them, which `collections::shard_operations_without_distributed_mode_are_refused`
//! checks.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use qdrant_async::{
    Client, ClusterOperation, CollectionClusterInfo, Distance, Point, ReplicaState, ShardKey,
    ShardTransferMethod, ShardingMethod, VectorParams,
};
use serde_json::json;

const DIM: usize = 8;
/// Enough points that a shard transfer takes a moment to abort or restart.
const POINTS: u64 = 90_000;

fn point(i: u64) -> Point {
    Point::new(
        i,
        (0..DIM)
            .map(|d| ((i as usize + d) % 7) as f32 + 1.0)
            .collect::<Vec<f32>>(),
    )
}

async fn cluster() -> anyhow::Result<(Client, String)> {
    let urls = std::env::var("QDRANT_CLUSTER_URLS")
        .map_err(|_| anyhow::anyhow!("QDRANT_CLUSTER_URLS is not set"))?;
    let mut urls = urls.split(',');
    let first = urls.next().ok_or_else(|| anyhow::anyhow!("no URL"))?;
    let client = urls
        .fold(Client::builder(first), |b, u| b.url(u))
        .connect()
        .await?;
    let name = format!("cluster_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    Ok((client, name))
}

/// Every replica of the collection, as `(shard, peer, state)`, from the
/// point of view of one node (its local shards and the remote ones).
fn replicas(info: &CollectionClusterInfo) -> Vec<(u32, u64, ReplicaState)> {
    info.local_shards
        .iter()
        .chain(&info.remote_shards)
        .map(|s| (s.shard_id, s.peer_id, s.state))
        .collect()
}

/// Waits until `done` holds for the collection's cluster info.
async fn wait_for(
    client: &Client,
    name: &str,
    what: &str,
    done: impl Fn(&CollectionClusterInfo) -> bool,
) -> anyhow::Result<CollectionClusterInfo> {
    let started = Instant::now();
    loop {
        let info = client.collection_cluster_info(name).await?;
        if done(&info) {
            return Ok(info);
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: not reached in 60 s: {info:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs a real cluster: .ci/run runs it with QDRANT_CLUSTER_URLS set"]
async fn shards_and_replicas_spread_over_the_nodes() -> anyhow::Result<()> {
    let _nodes = crate::common::NODES.read().await;
    let (client, name) = cluster().await?;
    client
        .create_collection(&name, VectorParams::new(DIM as u64, Distance::Dot))
        .shard_number(3)
        .replication_factor(2)
        .await?;
    let info = client.get_collection(&name).await?;
    let params = &info.config.params;
    assert_eq!(
        (params.shard_number, params.replication_factor),
        (3, Some(2)),
        "{params:?}"
    );

    let cluster = wait_for(&client, &name, "6 active replicas", |i| {
        let all = replicas(i);
        all.len() == 6 && all.iter().all(|(_, _, s)| *s == ReplicaState::Active)
    })
    .await?;
    assert_eq!(cluster.shard_count, 3);
    let peers: BTreeSet<u64> = replicas(&cluster).iter().map(|(_, p, _)| *p).collect();
    assert_eq!(peers.len(), 3, "replicas on every node: {cluster:?}");

    client.upsert(&name, (0..300).map(point)).await?;
    assert_eq!(client.count(&name).exact(true).await?, 300);
    client.delete_collection(&name).await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs a real cluster: .ci/run runs it with QDRANT_CLUSTER_URLS set"]
async fn custom_sharding_keeps_each_tenant_in_its_shard_key() -> anyhow::Result<()> {
    let _nodes = crate::common::NODES.read().await;
    let (client, name) = cluster().await?;
    client
        .create_collection(&name, VectorParams::new(DIM as u64, Distance::Dot))
        .sharding_method(ShardingMethod::Custom)
        .await?;
    client.create_shard_key(&name, "tenant_a").await?;
    client.create_shard_key(&name, "tenant_b").await?;
    let keys = client.list_shard_keys(&name).await?;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys.contains(&ShardKey::from("tenant_a")) && keys.contains(&ShardKey::from("tenant_b")),
        "{keys:?}"
    );

    client
        .upsert(&name, (0..10).map(|i| point(i).payload(json!({"tenant": "a"}))))
        .shard_key_selector("tenant_a")
        .await?;
    client
        .upsert(&name, (10..15).map(|i| point(i).payload(json!({"tenant": "b"}))))
        .shard_key_selector("tenant_b")
        .await?;
    assert_eq!(client.count(&name).exact(true).await?, 15);
    assert_eq!(
        client
            .count(&name)
            .exact(true)
            .shard_key_selector("tenant_b")
            .await?,
        5
    );
    let hits = client
        .query_points(&name, vec![1.0f32; DIM])
        .limit(100)
        .shard_key_selector("tenant_a")
        .await?;
    assert_eq!(hits.len(), 10);
    assert!(hits.iter().all(|h| h.payload.get("tenant") == Some(&"a".into())));

    client
        .delete(&name, [0u64, 1, 2])
        .shard_key_selector("tenant_a")
        .await?;
    assert_eq!(
        client
            .count(&name)
            .exact(true)
            .shard_key_selector("tenant_a")
            .await?,
        7
    );
    client.delete_shard_key(&name, "tenant_b").await?;
    // Every node learns of it through consensus; the next call may go to
    // one that has not applied it yet.
    let started = Instant::now();
    loop {
        let keys: Vec<ShardKey> = client.list_shard_keys(&name).await?;
        if keys == [ShardKey::from("tenant_a")] {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{keys:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.count(&name).exact(true).await?, 7);
    client.delete_collection(&name).await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs a real cluster: .ci/run runs it with QDRANT_CLUSTER_URLS set"]
async fn shards_are_replicated_dropped_moved_and_transfers_aborted_and_restarted() -> anyhow::Result<()> {
    let _nodes = crate::common::NODES.read().await;
    let (client, name) = cluster().await?;
    // Three shards of one replica each: one per node, which also tells
    // the peer ids.
    client
        .create_collection(&name, VectorParams::new(DIM as u64, Distance::Dot))
        .shard_number(3)
        .replication_factor(1)
        .await?;
    client
        .upload_points(&name, (0..POINTS).map(point))
        .batch_size(1000)
        .parallel(2)
        .wait(true)
        .await?;
    let info = wait_for(&client, &name, "3 active shards", |i| replicas(i).len() == 3).await?;
    let placement = replicas(&info);
    let peers: Vec<u64> = placement
        .iter()
        .map(|(_, p, _)| *p)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    anyhow::ensure!(peers.len() >= 2, "the shards sit on one peer: {info:?}");
    let (shard, mut from, _) = *placement.first().expect("a shard");
    let mut to = *peers.iter().find(|p| **p != from).expect("another peer");
    let on = |i: &CollectionClusterInfo, peer: u64, state: ReplicaState| {
        replicas(i).contains(&(shard, peer, state))
    };

    // Replicate: the shard gets a second, active replica.
    client
        .update_collection_cluster_setup(&name, ClusterOperation::replicate_shard(shard, from, to))
        .await?;
    wait_for(&client, &name, "replica active on the target", |i| {
        on(i, to, ReplicaState::Active) && i.shard_transfers.is_empty()
    })
    .await?;

    // Drop that replica again.
    client
        .update_collection_cluster_setup(&name, ClusterOperation::drop_replica(shard, to))
        .await?;
    wait_for(&client, &name, "replica dropped", |i| {
        !replicas(i).iter().any(|(s, p, _)| *s == shard && *p == to)
    })
    .await?;

    // Start a move and abort it: the shard stays where it was.
    client
        .update_collection_cluster_setup(
            &name,
            ClusterOperation::MoveShard {
                shard_id: shard,
                from_peer_id: from,
                to_peer_id: to,
                method: Some(ShardTransferMethod::StreamRecords),
            },
        )
        .await?;
    let aborted = client
        .update_collection_cluster_setup(
            &name,
            ClusterOperation::AbortTransfer {
                shard_id: shard,
                from_peer_id: from,
                to_peer_id: to,
            },
        )
        .await;
    let info = wait_for(&client, &name, "transfer over", |i| i.shard_transfers.is_empty()).await?;
    match aborted {
        Ok(_) => assert!(on(&info, from, ReplicaState::Active), "{info:?}"),
        // The transfer finished first: Qdrant answers NotFound, and the
        // shard has moved.
        Err(e) => {
            assert!(e.is_not_found(), "{e}");
            let moved = wait_for(&client, &name, "shard moved", |i| on(i, to, ReplicaState::Active)).await?;
            assert!(!on(&moved, from, ReplicaState::Active), "{moved:?}");
            std::mem::swap(&mut from, &mut to);
        }
    }
    assert_eq!(client.count(&name).exact(true).await?, POINTS);

    // Start a move, restart its transfer with another method, and let it
    // finish: the shard ends on the target only.
    client
        .update_collection_cluster_setup(
            &name,
            ClusterOperation::MoveShard {
                shard_id: shard,
                from_peer_id: from,
                to_peer_id: to,
                method: Some(ShardTransferMethod::StreamRecords),
            },
        )
        .await?;
    let restarted = client
        .update_collection_cluster_setup(
            &name,
            ClusterOperation::RestartTransfer {
                shard_id: shard,
                from_peer_id: from,
                to_peer_id: to,
                method: ShardTransferMethod::Snapshot,
            },
        )
        .await;
    // The transfer may already be over; anything else must succeed.
    if let Err(e) = &restarted {
        assert!(e.is_not_found(), "{e}");
    }
    let info = wait_for(&client, &name, "shard moved", |i| {
        on(i, to, ReplicaState::Active)
            && !replicas(i).iter().any(|(s, p, _)| *s == shard && *p == from)
            && i.shard_transfers.is_empty()
    })
    .await?;
    assert!(!on(&info, from, ReplicaState::Active));
    assert_eq!(client.count(&name).exact(true).await?, POINTS);
    client.delete_collection(&name).await?;
    Ok(())
}
