//! Shard placement: cluster info of a collection, and the operations that
//! move, replicate or drop shards.

use crate::error::{Error, Result};
use crate::proto;
use crate::types::filter::Filter;
use crate::types::selector::ShardKey;

/// The state of a shard replica.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::ReplicaState;
///
/// let info = client.collection_cluster_info("my_collection").await?;
/// let unhealthy = info.remote_shards.iter().filter(|s| s.state != ReplicaState::Active).count();
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplicaState {
    /// Serving reads and writes.
    Active,
    /// Failed; not serving.
    Dead,
    /// Receiving a transfer.
    Partial,
    /// Being created.
    Initializing,
    /// Receiving writes only.
    Listener,
    /// Receiving a snapshot transfer.
    PartialSnapshot,
    /// Recovering.
    Recovery,
    /// Being resharded.
    Resharding,
    /// A state this client does not know.
    Other(i32),
}

impl From<i32> for ReplicaState {
    fn from(s: i32) -> Self {
        match proto::ReplicaState::try_from(s) {
            Ok(proto::ReplicaState::Active) => ReplicaState::Active,
            Ok(proto::ReplicaState::Dead) => ReplicaState::Dead,
            Ok(proto::ReplicaState::Partial) => ReplicaState::Partial,
            Ok(proto::ReplicaState::Initializing) => ReplicaState::Initializing,
            Ok(proto::ReplicaState::Listener) => ReplicaState::Listener,
            Ok(proto::ReplicaState::PartialSnapshot) => ReplicaState::PartialSnapshot,
            Ok(proto::ReplicaState::Recovery) => ReplicaState::Recovery,
            Ok(proto::ReplicaState::Resharding) => ReplicaState::Resharding,
            _ => ReplicaState::Other(s),
        }
    }
}

/// A shard and where it lives.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let info = client.collection_cluster_info("my_collection").await?;
/// for shard in info.local_shards.iter().chain(&info.remote_shards) {
///     println!("shard {} on peer {}: {:?}", shard.shard_id, shard.peer_id, shard.state);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardInfo {
    /// The shard.
    pub shard_id: u32,
    /// The peer holding it (the local peer for local shards).
    pub peer_id: u64,
    /// Points in it (local shards only).
    pub points_count: Option<u64>,
    /// Its replica's state.
    pub state: ReplicaState,
    /// Its shard key, with custom sharding.
    pub shard_key: Option<ShardKey>,
}

/// A shard transfer in progress.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let info = client.collection_cluster_info("my_collection").await?;
/// for transfer in &info.shard_transfers {
///     println!("shard {}: peer {} -> {}", transfer.shard_id, transfer.from, transfer.to);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardTransferInfo {
    /// The shard.
    pub shard_id: u32,
    /// The target shard, when resharding.
    pub to_shard_id: Option<u32>,
    /// From this peer.
    pub from: u64,
    /// To this peer.
    pub to: u64,
    /// Whether the source stays.
    pub sync: bool,
}

/// What `collection_cluster_info` returns.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let info = client.collection_cluster_info("my_collection").await?;
/// println!("{} shards, {} transfers", info.shard_count, info.shard_transfers.len());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CollectionClusterInfo {
    /// The peer that answered.
    pub peer_id: u64,
    /// Shards of the collection.
    pub shard_count: u64,
    /// Shards on the answering peer.
    pub local_shards: Vec<ShardInfo>,
    /// Shards on other peers.
    pub remote_shards: Vec<ShardInfo>,
    /// Transfers in progress.
    pub shard_transfers: Vec<ShardTransferInfo>,
}

fn shard_key(key: Option<proto::ShardKey>) -> Result<Option<ShardKey>> {
    key.map(ShardKey::try_from).transpose()
}

impl TryFrom<proto::CollectionClusterInfoResponse> for CollectionClusterInfo {
    type Error = Error;

    fn try_from(r: proto::CollectionClusterInfoResponse) -> Result<Self> {
        let peer_id = r.peer_id;
        Ok(CollectionClusterInfo {
            peer_id,
            shard_count: r.shard_count,
            local_shards: r
                .local_shards
                .into_iter()
                .map(|s| {
                    Ok(ShardInfo {
                        shard_id: s.shard_id,
                        peer_id,
                        points_count: Some(s.points_count),
                        state: s.state.into(),
                        shard_key: shard_key(s.shard_key)?,
                    })
                })
                .collect::<Result<_>>()?,
            remote_shards: r
                .remote_shards
                .into_iter()
                .map(|s| {
                    Ok(ShardInfo {
                        shard_id: s.shard_id,
                        peer_id: s.peer_id,
                        points_count: None,
                        state: s.state.into(),
                        shard_key: shard_key(s.shard_key)?,
                    })
                })
                .collect::<Result<_>>()?,
            shard_transfers: r
                .shard_transfers
                .into_iter()
                .map(|t| ShardTransferInfo {
                    shard_id: t.shard_id,
                    to_shard_id: t.to_shard_id,
                    from: t.from,
                    to: t.to,
                    sync: t.sync,
                })
                .collect(),
        })
    }
}

/// How a shard is transferred.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{ClusterOperation, ShardTransferMethod};
///
/// let operation = ClusterOperation::MoveShard {
///     shard_id: 0,
///     from_peer_id: 1,
///     to_peer_id: 2,
///     method: Some(ShardTransferMethod::Snapshot),
/// };
/// client.update_collection_cluster_setup("my_collection", operation).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShardTransferMethod {
    /// Streams records.
    StreamRecords,
    /// Sends a snapshot.
    Snapshot,
    /// Sends the write-ahead log's difference.
    WalDelta,
}

impl From<ShardTransferMethod> for i32 {
    fn from(m: ShardTransferMethod) -> Self {
        match m {
            ShardTransferMethod::StreamRecords => proto::ShardTransferMethod::StreamRecords as i32,
            ShardTransferMethod::Snapshot => proto::ShardTransferMethod::Snapshot as i32,
            ShardTransferMethod::WalDelta => proto::ShardTransferMethod::WalDelta as i32,
        }
    }
}

/// An operation on a collection's shards, for
/// [`Client::update_collection_cluster_setup`](crate::Client::update_collection_cluster_setup).
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::ClusterOperation;
///
/// // Shard 0 moves from peer 1 to peer 2.
/// client.update_collection_cluster_setup("my_collection", ClusterOperation::move_shard(0, 1, 2)).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClusterOperation {
    /// Moves a shard to another peer.
    MoveShard {
        /// The shard.
        shard_id: u32,
        /// The peer it is on.
        from_peer_id: u64,
        /// The peer it goes to.
        to_peer_id: u64,
        /// How it is transferred.
        method: Option<ShardTransferMethod>,
    },
    /// Copies a shard to another peer.
    ReplicateShard {
        /// The shard.
        shard_id: u32,
        /// The peer it is on.
        from_peer_id: u64,
        /// The peer it goes to.
        to_peer_id: u64,
        /// How it is transferred.
        method: Option<ShardTransferMethod>,
    },
    /// Stops a shard transfer.
    AbortTransfer {
        /// The shard.
        shard_id: u32,
        /// The peer it is on.
        from_peer_id: u64,
        /// The peer it goes to.
        to_peer_id: u64,
    },
    /// Removes a shard's replica from a peer.
    DropReplica {
        /// The shard.
        shard_id: u32,
        /// The peer to drop it from.
        peer_id: u64,
    },
    /// Creates a shard key.
    CreateShardKey {
        /// The shard key.
        shard_key: ShardKey,
        /// Shards for the key.
        shards_number: Option<u32>,
        /// Copies of each shard.
        replication_factor: Option<u32>,
        /// Peers to place the shards on.
        placement: Vec<u64>,
    },
    /// Deletes a shard key.
    DeleteShardKey {
        /// The shard key.
        shard_key: ShardKey,
    },
    /// Restarts a shard transfer with another method.
    RestartTransfer {
        /// The shard.
        shard_id: u32,
        /// The peer it is on.
        from_peer_id: u64,
        /// The peer it goes to.
        to_peer_id: u64,
        /// How it is transferred.
        method: ShardTransferMethod,
    },
    /// Copies points between shard keys.
    ReplicatePoints {
        /// Copy from this key's shards.
        from_shard_key: ShardKey,
        /// Copy to this key's shards.
        to_shard_key: ShardKey,
        /// Only points matching this filter.
        filter: Option<Filter>,
    },
}

impl ClusterOperation {
    /// Moves `shard_id` from one peer to another.
    ///
    /// ```
    /// use qdrant_async::ClusterOperation;
    ///
    /// let op = ClusterOperation::move_shard(0, 1, 2);
    /// ```
    pub fn move_shard(shard_id: u32, from_peer_id: u64, to_peer_id: u64) -> Self {
        ClusterOperation::MoveShard {
            shard_id,
            from_peer_id,
            to_peer_id,
            method: None,
        }
    }

    /// Copies `shard_id` to another peer.
    ///
    /// ```
    /// use qdrant_async::ClusterOperation;
    ///
    /// let op = ClusterOperation::replicate_shard(0, 1, 3);
    /// ```
    pub fn replicate_shard(shard_id: u32, from_peer_id: u64, to_peer_id: u64) -> Self {
        ClusterOperation::ReplicateShard {
            shard_id,
            from_peer_id,
            to_peer_id,
            method: None,
        }
    }

    /// Removes `shard_id`'s replica from a peer.
    ///
    /// ```
    /// use qdrant_async::ClusterOperation;
    ///
    /// let op = ClusterOperation::drop_replica(0, 3);
    /// ```
    pub fn drop_replica(shard_id: u32, peer_id: u64) -> Self {
        ClusterOperation::DropReplica { shard_id, peer_id }
    }
}

impl From<ClusterOperation> for proto::update_collection_cluster_setup_request::Operation {
    fn from(op: ClusterOperation) -> Self {
        use proto::update_collection_cluster_setup_request::Operation as O;
        match op {
            ClusterOperation::MoveShard {
                shard_id,
                from_peer_id,
                to_peer_id,
                method,
            } => O::MoveShard(proto::MoveShard {
                shard_id,
                to_shard_id: None,
                from_peer_id,
                to_peer_id,
                method: method.map(Into::into),
            }),
            ClusterOperation::ReplicateShard {
                shard_id,
                from_peer_id,
                to_peer_id,
                method,
            } => O::ReplicateShard(proto::ReplicateShard {
                shard_id,
                to_shard_id: None,
                from_peer_id,
                to_peer_id,
                method: method.map(Into::into),
            }),
            ClusterOperation::AbortTransfer {
                shard_id,
                from_peer_id,
                to_peer_id,
            } => O::AbortTransfer(proto::AbortShardTransfer {
                shard_id,
                to_shard_id: None,
                from_peer_id,
                to_peer_id,
            }),
            ClusterOperation::DropReplica { shard_id, peer_id } => {
                O::DropReplica(proto::Replica { shard_id, peer_id })
            }
            ClusterOperation::CreateShardKey {
                shard_key,
                shards_number,
                replication_factor,
                placement,
            } => O::CreateShardKey(proto::CreateShardKey {
                shard_key: Some(shard_key.into()),
                shards_number,
                replication_factor,
                placement,
                initial_state: None,
            }),
            ClusterOperation::DeleteShardKey { shard_key } => O::DeleteShardKey(proto::DeleteShardKey {
                shard_key: Some(shard_key.into()),
            }),
            ClusterOperation::RestartTransfer {
                shard_id,
                from_peer_id,
                to_peer_id,
                method,
            } => O::RestartTransfer(proto::RestartTransfer {
                shard_id,
                to_shard_id: None,
                from_peer_id,
                to_peer_id,
                method: method.into(),
            }),
            ClusterOperation::ReplicatePoints {
                from_shard_key,
                to_shard_key,
                filter,
            } => O::ReplicatePoints(proto::ReplicatePoints {
                from_shard_key: Some(from_shard_key.into()),
                to_shard_key: Some(to_shard_key.into()),
                filter: filter.map(Into::into),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> proto::ShardKey {
        ShardKey::Keyword(k.into()).into()
    }

    #[test]
    fn cluster_info_carries_every_field() {
        let info = CollectionClusterInfo::try_from(proto::CollectionClusterInfoResponse {
            peer_id: 1,
            shard_count: 3,
            local_shards: vec![proto::LocalShardInfo {
                shard_id: 0,
                points_count: 42,
                state: proto::ReplicaState::Active as i32,
                shard_key: Some(key("a")),
            }],
            remote_shards: vec![proto::RemoteShardInfo {
                shard_id: 1,
                peer_id: 2,
                state: proto::ReplicaState::Partial as i32,
                shard_key: None,
            }],
            shard_transfers: vec![proto::ShardTransferInfo {
                shard_id: 1,
                to_shard_id: Some(2),
                from: 2,
                to: 1,
                sync: true,
            }],
            resharding_operations: Vec::new(),
            time: 0.1,
        })
        .unwrap();
        assert_eq!(
            info,
            CollectionClusterInfo {
                peer_id: 1,
                shard_count: 3,
                local_shards: vec![ShardInfo {
                    shard_id: 0,
                    peer_id: 1,
                    points_count: Some(42),
                    state: ReplicaState::Active,
                    shard_key: Some(ShardKey::Keyword("a".into())),
                }],
                remote_shards: vec![ShardInfo {
                    shard_id: 1,
                    peer_id: 2,
                    points_count: None,
                    state: ReplicaState::Partial,
                    shard_key: None,
                }],
                shard_transfers: vec![ShardTransferInfo {
                    shard_id: 1,
                    to_shard_id: Some(2),
                    from: 2,
                    to: 1,
                    sync: true,
                }],
            }
        );
    }

    #[test]
    fn replica_states_convert_every_value() {
        use proto::ReplicaState as P;
        for (p, d) in [
            (P::Active, ReplicaState::Active),
            (P::Dead, ReplicaState::Dead),
            (P::Partial, ReplicaState::Partial),
            (P::Initializing, ReplicaState::Initializing),
            (P::Listener, ReplicaState::Listener),
            (P::PartialSnapshot, ReplicaState::PartialSnapshot),
            (P::Recovery, ReplicaState::Recovery),
            (P::Resharding, ReplicaState::Resharding),
        ] {
            assert_eq!(ReplicaState::from(p as i32), d);
        }
        assert_eq!(ReplicaState::from(99), ReplicaState::Other(99));
    }

    #[test]
    fn transfer_methods_convert_every_value() {
        use proto::ShardTransferMethod as P;
        for (d, p) in [
            (ShardTransferMethod::StreamRecords, P::StreamRecords),
            (ShardTransferMethod::Snapshot, P::Snapshot),
            (ShardTransferMethod::WalDelta, P::WalDelta),
        ] {
            assert_eq!(i32::from(d), p as i32);
        }
    }

    #[test]
    fn operations_carry_every_field() {
        use proto::update_collection_cluster_setup_request::Operation as O;
        let method = Some(ShardTransferMethod::Snapshot);
        let wire_method = Some(proto::ShardTransferMethod::Snapshot as i32);
        let cases = [
            (
                ClusterOperation::MoveShard {
                    shard_id: 1,
                    from_peer_id: 2,
                    to_peer_id: 3,
                    method,
                },
                O::MoveShard(proto::MoveShard {
                    shard_id: 1,
                    to_shard_id: None,
                    from_peer_id: 2,
                    to_peer_id: 3,
                    method: wire_method,
                }),
            ),
            (
                ClusterOperation::ReplicateShard {
                    shard_id: 1,
                    from_peer_id: 2,
                    to_peer_id: 3,
                    method,
                },
                O::ReplicateShard(proto::ReplicateShard {
                    shard_id: 1,
                    to_shard_id: None,
                    from_peer_id: 2,
                    to_peer_id: 3,
                    method: wire_method,
                }),
            ),
            (
                ClusterOperation::AbortTransfer {
                    shard_id: 1,
                    from_peer_id: 2,
                    to_peer_id: 3,
                },
                O::AbortTransfer(proto::AbortShardTransfer {
                    shard_id: 1,
                    to_shard_id: None,
                    from_peer_id: 2,
                    to_peer_id: 3,
                }),
            ),
            (
                ClusterOperation::drop_replica(1, 2),
                O::DropReplica(proto::Replica {
                    shard_id: 1,
                    peer_id: 2,
                }),
            ),
            (
                ClusterOperation::CreateShardKey {
                    shard_key: ShardKey::Number(5),
                    shards_number: Some(2),
                    replication_factor: Some(1),
                    placement: vec![1, 2],
                },
                O::CreateShardKey(proto::CreateShardKey {
                    shard_key: Some(ShardKey::Number(5).into()),
                    shards_number: Some(2),
                    replication_factor: Some(1),
                    placement: vec![1, 2],
                    initial_state: None,
                }),
            ),
            (
                ClusterOperation::DeleteShardKey {
                    shard_key: ShardKey::Keyword("a".into()),
                },
                O::DeleteShardKey(proto::DeleteShardKey {
                    shard_key: Some(key("a")),
                }),
            ),
            (
                ClusterOperation::RestartTransfer {
                    shard_id: 1,
                    from_peer_id: 2,
                    to_peer_id: 3,
                    method: ShardTransferMethod::WalDelta,
                },
                O::RestartTransfer(proto::RestartTransfer {
                    shard_id: 1,
                    to_shard_id: None,
                    from_peer_id: 2,
                    to_peer_id: 3,
                    method: proto::ShardTransferMethod::WalDelta as i32,
                }),
            ),
            (
                ClusterOperation::ReplicatePoints {
                    from_shard_key: ShardKey::Keyword("a".into()),
                    to_shard_key: ShardKey::Keyword("b".into()),
                    filter: None,
                },
                O::ReplicatePoints(proto::ReplicatePoints {
                    from_shard_key: Some(key("a")),
                    to_shard_key: Some(key("b")),
                    filter: None,
                }),
            ),
        ];
        for (op, want) in cases {
            assert_eq!(O::from(op), want);
        }
    }
}
