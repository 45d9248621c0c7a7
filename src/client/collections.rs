//! Collections: create, inspect, update, delete; aliases; shard keys and
//! cluster setup.

use std::collections::HashMap;

use super::{Client, check_collection_name, request, timeout_secs};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::{CallOptions, Rpc};
use crate::types::{
    AliasDescription, AliasOperation, ClusterOperation, CollectionClusterInfo, CollectionInfo,
    CollectionParamsDiff, HnswConfigDiff, OptimizersConfigDiff, Quantization, QuantizationConfigDiff,
    ShardKey, ShardingMethod, SparseVectorParams, StrictModeConfig, Value, VectorsConfig, VectorsConfigDiff,
    WalConfigDiff,
};

const GET: Rpc = Rpc::read("/qdrant.Collections/Get");
const LIST: Rpc = Rpc::read("/qdrant.Collections/List");
const CREATE: Rpc = Rpc::write("/qdrant.Collections/Create");
const UPDATE: Rpc = Rpc::write("/qdrant.Collections/Update");
const DELETE: Rpc = Rpc::write("/qdrant.Collections/Delete");
const UPDATE_ALIASES: Rpc = Rpc::write("/qdrant.Collections/UpdateAliases");
const LIST_COLLECTION_ALIASES: Rpc = Rpc::read("/qdrant.Collections/ListCollectionAliases");
const LIST_ALIASES: Rpc = Rpc::read("/qdrant.Collections/ListAliases");
const EXISTS: Rpc = Rpc::read("/qdrant.Collections/CollectionExists");
const CLUSTER_INFO: Rpc = Rpc::read("/qdrant.Collections/CollectionClusterInfo");
const CLUSTER_SETUP: Rpc = Rpc::write("/qdrant.Collections/UpdateCollectionClusterSetup");
const CREATE_SHARD_KEY: Rpc = Rpc::write("/qdrant.Collections/CreateShardKey");
const DELETE_SHARD_KEY: Rpc = Rpc::write("/qdrant.Collections/DeleteShardKey");
const LIST_SHARD_KEYS: Rpc = Rpc::read("/qdrant.Collections/ListShardKeys");

impl Client {
    /// Creates a collection with its vectors' configuration: one unnamed
    /// vector ([`VectorParams`](crate::VectorParams)) or named vectors.
    ///
    /// `.await` returns `true` when the collection was created.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// client.create_collection("my_collection", VectorParams::new(4, Distance::Cosine)).await?;
    /// # Ok(()) }
    /// ```
    pub fn create_collection(
        &self,
        collection_name: impl Into<String>,
        vectors_config: impl Into<VectorsConfig>,
    ) -> CreateCollection<'_> {
        CreateCollection {
            client: self,
            request: proto::CreateCollection {
                collection_name: collection_name.into(),
                vectors_config: Some(vectors_config.into().into()),
                ..Default::default()
            },
            sparse: HashMap::new(),
            call: CallOptions::default(),
        }
    }

    /// Changes a collection's parameters: only what is set changes.
    ///
    /// `.await` returns `true` when the update was applied.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// client
    ///     .update_collection("my_collection")
    ///     .optimizers_config(OptimizersConfigDiff::new().indexing_threshold(10_000))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_collection(&self, collection_name: impl Into<String>) -> UpdateCollection<'_> {
        UpdateCollection {
            client: self,
            request: proto::UpdateCollection {
                collection_name: collection_name.into(),
                ..Default::default()
            },
            sparse: HashMap::new(),
            call: CallOptions::default(),
        }
    }

    /// A collection's status, counts, configuration and payload schema.
    ///
    /// `.await` returns the [`CollectionInfo`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let info = client.get_collection("my_collection").await?;
    /// println!("{:?} points", info.points_count);
    /// # Ok(()) }
    /// ```
    pub fn get_collection(&self, collection_name: impl Into<String>) -> GetCollection<'_> {
        GetCollection {
            client: self,
            collection_name: collection_name.into(),
            call: CallOptions::default(),
        }
    }

    /// The names of all collections.
    ///
    /// `.await` returns the names.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// for name in client.get_collections().await? {
    ///     println!("{name}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_collections(&self) -> GetCollections<'_> {
        GetCollections {
            client: self,
            call: CallOptions::default(),
        }
    }

    /// Whether a collection (or alias) by this name exists.
    ///
    /// `.await` returns the answer.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// if !client.collection_exists("my_collection").await? {
    ///     // create it
    /// }
    /// # Ok(()) }
    /// ```
    pub fn collection_exists(&self, collection_name: impl Into<String>) -> CollectionExists<'_> {
        CollectionExists {
            client: self,
            collection_name: collection_name.into(),
            call: CallOptions::default(),
        }
    }

    /// Deletes a collection and all its points.
    ///
    /// `.await` returns `true` if it existed.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_collection("my_collection").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_collection(&self, collection_name: impl Into<String>) -> DeleteCollection<'_> {
        DeleteCollection {
            client: self,
            collection_name: collection_name.into(),
            call: CallOptions::default(),
        }
    }

    /// Applies alias changes, in order, in one request. They are not atomic:
    /// when one fails, Qdrant keeps the changes before it applied and
    /// returns the error.
    ///
    /// `.await` returns `true` when they were applied.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::AliasOperation;
    ///
    /// client
    ///     .update_collection_aliases([
    ///         AliasOperation::delete("production"),
    ///         AliasOperation::create("products_v2", "production"),
    ///     ])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_collection_aliases(
        &self,
        operations: impl IntoIterator<Item = AliasOperation>,
    ) -> UpdateCollectionAliases<'_> {
        UpdateCollectionAliases {
            client: self,
            operations: operations.into_iter().collect(),
            call: CallOptions::default(),
        }
    }

    /// Makes `alias_name` another name for `collection_name`.
    ///
    /// `.await` returns `true` when done.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.create_alias("products_v2", "production").await?;
    /// # Ok(()) }
    /// ```
    pub fn create_alias(
        &self,
        collection_name: impl Into<String>,
        alias_name: impl Into<String>,
    ) -> UpdateCollectionAliases<'_> {
        self.update_collection_aliases([AliasOperation::create(collection_name, alias_name)])
    }

    /// Renames an alias.
    ///
    /// `.await` returns `true` when done.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.rename_alias("production", "live").await?;
    /// # Ok(()) }
    /// ```
    pub fn rename_alias(
        &self,
        old_alias_name: impl Into<String>,
        new_alias_name: impl Into<String>,
    ) -> UpdateCollectionAliases<'_> {
        self.update_collection_aliases([AliasOperation::rename(old_alias_name, new_alias_name)])
    }

    /// Deletes an alias (not its collection).
    ///
    /// `.await` returns `true` when done.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_alias("live").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_alias(&self, alias_name: impl Into<String>) -> UpdateCollectionAliases<'_> {
        self.update_collection_aliases([AliasOperation::delete(alias_name)])
    }

    /// The aliases of one collection.
    ///
    /// `.await` returns them.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let aliases = client.get_collection_aliases("products_v2").await?;
    /// # Ok(()) }
    /// ```
    pub fn get_collection_aliases(&self, collection_name: impl Into<String>) -> GetCollectionAliases<'_> {
        GetCollectionAliases {
            client: self,
            collection_name: collection_name.into(),
            call: CallOptions::default(),
        }
    }

    /// Every alias of every collection.
    ///
    /// `.await` returns them.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// for alias in client.get_aliases().await? {
    ///     println!("{} -> {}", alias.alias_name, alias.collection_name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_aliases(&self) -> GetAliases<'_> {
        GetAliases {
            client: self,
            call: CallOptions::default(),
        }
    }

    /// How a collection's shards are placed: local and remote shards and
    /// transfers in progress.
    ///
    /// `.await` returns the [`CollectionClusterInfo`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let info = client.collection_cluster_info("my_collection").await?;
    /// println!("{} shards", info.shard_count);
    /// # Ok(()) }
    /// ```
    pub fn collection_cluster_info(
        &self,
        collection_name: impl Into<String>,
    ) -> CollectionClusterInfoRequest<'_> {
        CollectionClusterInfoRequest {
            client: self,
            collection_name: collection_name.into(),
            call: CallOptions::default(),
        }
    }

    /// Moves, replicates or drops shards, or changes shard keys (distributed
    /// mode). Python's client calls it `cluster_collection_update`; this
    /// name is the RPC's.
    ///
    /// `.await` returns `true` when the operation was accepted.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::ClusterOperation;
    ///
    /// client
    ///     .update_collection_cluster_setup("my_collection", ClusterOperation::move_shard(0, 1, 2))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_collection_cluster_setup(
        &self,
        collection_name: impl Into<String>,
        operation: impl Into<ClusterOperation>,
    ) -> UpdateCollectionClusterSetup<'_> {
        UpdateCollectionClusterSetup {
            client: self,
            collection_name: collection_name.into(),
            operation: operation.into(),
            call: CallOptions::default(),
        }
    }

    /// Creates a shard key in a collection with custom sharding.
    ///
    /// `.await` returns `true` when it was created.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.create_shard_key("my_collection", "tenant_a").shards_number(2).await?;
    /// # Ok(()) }
    /// ```
    pub fn create_shard_key(
        &self,
        collection_name: impl Into<String>,
        shard_key: impl Into<ShardKey>,
    ) -> CreateShardKey<'_> {
        CreateShardKey {
            client: self,
            collection_name: collection_name.into(),
            request: proto::CreateShardKey {
                shard_key: Some(shard_key.into().into()),
                ..Default::default()
            },
            call: CallOptions::default(),
        }
    }

    /// Deletes a shard key and its shards' points.
    ///
    /// `.await` returns `true` when it was deleted.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_shard_key("my_collection", "tenant_a").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_shard_key(
        &self,
        collection_name: impl Into<String>,
        shard_key: impl Into<ShardKey>,
    ) -> DeleteShardKey<'_> {
        DeleteShardKey {
            client: self,
            collection_name: collection_name.into(),
            shard_key: shard_key.into(),
            call: CallOptions::default(),
        }
    }

    /// The shard keys of a collection with custom sharding.
    ///
    /// `.await` returns them.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let keys = client.list_shard_keys("my_collection").await?;
    /// # Ok(()) }
    /// ```
    pub fn list_shard_keys(&self, collection_name: impl Into<String>) -> ListShardKeys<'_> {
        ListShardKeys {
            client: self,
            collection_name: collection_name.into(),
            call: CallOptions::default(),
        }
    }
}

/// The request built by [`Client::create_collection`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Distance, HnswConfigDiff, SparseVectorParams, VectorParams};
///
/// let created: bool = client
///     .create_collection("my_collection", VectorParams::new(384, Distance::Cosine))
///     .sparse_vector("keywords", SparseVectorParams::new())
///     .hnsw_config(HnswConfigDiff::new().m(32))
///     .shard_number(2)
///     .replication_factor(2)
///     .on_disk_payload(true)
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateCollection<'a> {
    client: &'a Client,
    request: proto::CreateCollection,
    sparse: HashMap<String, proto::SparseVectorParams>,
    call: CallOptions,
}

impl CreateCollection<'_> {
    /// Adds a named sparse vector.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, SparseVectorParams, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .sparse_vector("keywords", SparseVectorParams::new())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn sparse_vector(mut self, name: impl Into<String>, params: impl Into<SparseVectorParams>) -> Self {
        self.sparse.insert(name.into(), params.into().into());
        self
    }

    /// HNSW index parameters for all vectors (each vector may override).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, HnswConfigDiff, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .hnsw_config(HnswConfigDiff::new().m(32))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn hnsw_config(mut self, config: HnswConfigDiff) -> Self {
        self.request.hnsw_config = Some(config.into());
        self
    }

    /// Write-ahead log parameters.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams, WalConfigDiff};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .wal_config(WalConfigDiff::new().wal_capacity_mb(64))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn wal_config(mut self, config: WalConfigDiff) -> Self {
        self.request.wal_config = Some(config.into());
        self
    }

    /// Optimizer parameters.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, OptimizersConfigDiff, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .optimizers_config(OptimizersConfigDiff::new().indexing_threshold(20_000))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn optimizers_config(mut self, config: OptimizersConfigDiff) -> Self {
        self.request.optimizers_config = Some(config.into());
        self
    }

    /// Quantization for all vectors (each vector may override).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, ScalarQuantization, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .quantization_config(ScalarQuantization::new())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn quantization_config(mut self, config: impl Into<Quantization>) -> Self {
        self.request.quantization_config = Some(config.into().into());
        self
    }

    /// Keeps payloads on disk rather than in memory.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .on_disk_payload(true)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[allow(deprecated)]
    pub fn on_disk_payload(mut self, on_disk: bool) -> Self {
        self.request.on_disk_payload = Some(on_disk);
        self
    }

    /// How points are assigned to shards: automatically, or by shard key.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, ShardingMethod, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .sharding_method(ShardingMethod::Custom)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn sharding_method(mut self, method: ShardingMethod) -> Self {
        self.request.sharding_method = Some(proto::ShardingMethod::from(method) as i32);
        self
    }

    /// Number of shards (per shard key, with custom sharding).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .shard_number(4)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn shard_number(mut self, shards: u32) -> Self {
        self.request.shard_number = Some(shards);
        self
    }

    /// Copies of each shard.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .replication_factor(2)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn replication_factor(mut self, replicas: u32) -> Self {
        self.request.replication_factor = Some(replicas);
        self
    }

    /// Replicas that must confirm a write.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .write_consistency_factor(2)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn write_consistency_factor(mut self, replicas: u32) -> Self {
        self.request.write_consistency_factor = Some(replicas);
        self
    }

    /// Limits that the server enforces on requests to this collection.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, StrictModeConfig, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .strict_mode_config(StrictModeConfig::new().enabled(true).max_query_limit(100))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn strict_mode_config(mut self, config: impl Into<StrictModeConfig>) -> Self {
        self.request.strict_mode_config = Some(config.into().into());
        self
    }

    /// Sets one metadata key: free-form data stored with the collection.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// let created = client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .metadata("owner", "search-team")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.request.metadata.insert(key.into(), value.into().into());
        self
    }

    async fn send(self) -> Result<bool> {
        let mut request = self.request;
        check_collection_name(&request.collection_name, "collection_name")?;
        if !self.sparse.is_empty() {
            request.sparse_vectors_config = Some(proto::SparseVectorConfig { map: self.sparse });
        }
        request.timeout = timeout_secs(self.call.timeout);
        let call = CREATE.on(&request.collection_name).options(&self.call);
        let response: proto::CollectionOperationResponse =
            self.client.transport().unary(call, &request).await?;
        Ok(response.result)
    }
}

request!(CreateCollection => bool);

/// The request built by [`Client::update_collection`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{CollectionParamsDiff, OptimizersConfigDiff};
///
/// let updated: bool = client
///     .update_collection("my_collection")
///     .params(CollectionParamsDiff::new().replication_factor(3))
///     .optimizers_config(OptimizersConfigDiff::new().indexing_threshold(10_000))
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateCollection<'a> {
    client: &'a Client,
    request: proto::UpdateCollection,
    sparse: HashMap<String, proto::SparseVectorParams>,
    call: CallOptions,
}

impl UpdateCollection<'_> {
    /// Changes vector parameters, by vector name.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{VectorParamsDiff, VectorsConfigDiff};
    ///
    /// let updated = client
    ///     .update_collection("my_collection")
    ///     .vectors_config(VectorsConfigDiff::new().vector_params("image", VectorParamsDiff::new().on_disk(true)))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn vectors_config(mut self, diff: impl Into<VectorsConfigDiff>) -> Self {
        self.request.vectors_config = Some(diff.into().into());
        self
    }

    /// Changes a sparse vector's parameters.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::SparseVectorParams;
    ///
    /// let updated = client
    ///     .update_collection("my_collection")
    ///     .sparse_vector("keywords", SparseVectorParams::new())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn sparse_vector(mut self, name: impl Into<String>, params: impl Into<SparseVectorParams>) -> Self {
        self.sparse.insert(name.into(), params.into().into());
        self
    }

    /// Changes the collection's parameters (replication, ...).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::CollectionParamsDiff;
    ///
    /// let updated = client
    ///     .update_collection("my_collection")
    ///     .params(CollectionParamsDiff::new().replication_factor(2))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn params(mut self, diff: CollectionParamsDiff) -> Self {
        self.request.params = Some(diff.into());
        self
    }

    /// Changes HNSW index parameters.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::HnswConfigDiff;
    ///
    /// let updated = client
    ///     .update_collection("my_collection")
    ///     .hnsw_config(HnswConfigDiff::new().m(32))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn hnsw_config(mut self, diff: HnswConfigDiff) -> Self {
        self.request.hnsw_config = Some(diff.into());
        self
    }

    /// Changes optimizer parameters.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let updated = client
    ///     .update_collection("my_collection")
    ///     .optimizers_config(OptimizersConfigDiff::new().indexing_threshold(20_000))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn optimizers_config(mut self, diff: OptimizersConfigDiff) -> Self {
        self.request.optimizers_config = Some(diff.into());
        self
    }

    /// Changes or disables quantization.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Quantization;
    ///
    /// let updated = client
    ///     .update_collection("my_collection")
    ///     .quantization_config(Quantization::binary())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn quantization_config(mut self, diff: impl Into<QuantizationConfigDiff>) -> Self {
        self.request.quantization_config = Some(diff.into().into());
        self
    }

    /// Changes the strict mode limits.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let updated = client
    ///     .update_collection("my_collection")
    ///     .strict_mode_config(StrictModeConfig::new().enabled(true).max_query_limit(100))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn strict_mode_config(mut self, config: impl Into<StrictModeConfig>) -> Self {
        self.request.strict_mode_config = Some(config.into().into());
        self
    }

    /// Sets one metadata key.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let updated = client
    ///     .update_collection("my_collection")
    ///     .metadata("owner", "search-team")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.request.metadata.insert(key.into(), value.into().into());
        self
    }

    async fn send(self) -> Result<bool> {
        let mut request = self.request;
        check_collection_name(&request.collection_name, "collection_name")?;
        if !self.sparse.is_empty() {
            request.sparse_vectors_config = Some(proto::SparseVectorConfig { map: self.sparse });
        }
        request.timeout = timeout_secs(self.call.timeout);
        let call = UPDATE.on(&request.collection_name).options(&self.call);
        let response: proto::CollectionOperationResponse =
            self.client.transport().unary(call, &request).await?;
        Ok(response.result)
    }
}

request!(UpdateCollection => bool);

/// The request built by [`Client::get_collection`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let info = client.get_collection("my_collection").await?;
/// println!("{:?}: {:?} points", info.status, info.points_count);
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct GetCollection<'a> {
    client: &'a Client,
    collection_name: String,
    call: CallOptions,
}

impl GetCollection<'_> {
    async fn send(self) -> Result<CollectionInfo> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::GetCollectionInfoRequest {
            collection_name: self.collection_name,
        };
        let call = GET.on(&request.collection_name).options(&self.call);
        let response: proto::GetCollectionInfoResponse =
            self.client.transport().unary(call, &request).await?;
        CollectionInfo::try_from(response.result.ok_or_else(|| Error::missing("result"))?)
    }
}

request!(GetCollection => CollectionInfo);

/// The request built by [`Client::get_collections`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let names: Vec<String> = client.get_collections().await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct GetCollections<'a> {
    client: &'a Client,
    call: CallOptions,
}

impl GetCollections<'_> {
    async fn send(self) -> Result<Vec<String>> {
        let call = LIST.call().options(&self.call);
        let response: proto::ListCollectionsResponse = self
            .client
            .transport()
            .unary(call, &proto::ListCollectionsRequest {})
            .await?;
        Ok(response.collections.into_iter().map(|c| c.name).collect())
    }
}

request!(GetCollections => Vec<String>);

/// The request built by [`Client::collection_exists`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// if !client.collection_exists("my_collection").await? {
///     // create it
/// }
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct CollectionExists<'a> {
    client: &'a Client,
    collection_name: String,
    call: CallOptions,
}

impl CollectionExists<'_> {
    async fn send(self) -> Result<bool> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::CollectionExistsRequest {
            collection_name: self.collection_name,
        };
        let call = EXISTS.on(&request.collection_name).options(&self.call);
        let response: proto::CollectionExistsResponse = self.client.transport().unary(call, &request).await?;
        Ok(response.result.ok_or_else(|| Error::missing("result"))?.exists)
    }
}

request!(CollectionExists => bool);

/// The request built by [`Client::delete_collection`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let existed: bool = client.delete_collection("my_collection").await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteCollection<'a> {
    client: &'a Client,
    collection_name: String,
    call: CallOptions,
}

impl DeleteCollection<'_> {
    async fn send(self) -> Result<bool> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::DeleteCollection {
            collection_name: self.collection_name,
            timeout: timeout_secs(self.call.timeout),
        };
        let call = DELETE.on(&request.collection_name).options(&self.call);
        let response: proto::CollectionOperationResponse =
            self.client.transport().unary(call, &request).await?;
        Ok(response.result)
    }
}

request!(DeleteCollection => bool);

/// The request built by [`Client::update_collection_aliases`], and by its
/// shortcuts [`Client::create_alias`], [`Client::rename_alias`] and
/// [`Client::delete_alias`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::AliasOperation;
///
/// // Switch `products` from the old collection to the new one, atomically.
/// client
///     .update_collection_aliases([
///         AliasOperation::delete("products"),
///         AliasOperation::create("products_v2", "products"),
///     ])
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateCollectionAliases<'a> {
    client: &'a Client,
    operations: Vec<AliasOperation>,
    call: CallOptions,
}

impl UpdateCollectionAliases<'_> {
    async fn send(self) -> Result<bool> {
        for (i, op) in self.operations.iter().enumerate() {
            for (name, argument) in op.names() {
                if name.is_empty() {
                    return Err(Error::invalid_argument(
                        format!("operations[{i}].{argument}"),
                        "is empty",
                    ));
                }
            }
        }
        let request = proto::ChangeAliases {
            actions: self.operations.into_iter().map(Into::into).collect(),
            timeout: timeout_secs(self.call.timeout),
        };
        let call = UPDATE_ALIASES.call().options(&self.call);
        let response: proto::CollectionOperationResponse =
            self.client.transport().unary(call, &request).await?;
        Ok(response.result)
    }
}

request!(UpdateCollectionAliases => bool);

/// The request built by [`Client::get_collection_aliases`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// for alias in client.get_collection_aliases("products_v2").await? {
///     println!("{} -> {}", alias.alias_name, alias.collection_name);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct GetCollectionAliases<'a> {
    client: &'a Client,
    collection_name: String,
    call: CallOptions,
}

impl GetCollectionAliases<'_> {
    async fn send(self) -> Result<Vec<AliasDescription>> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::ListCollectionAliasesRequest {
            collection_name: self.collection_name,
        };
        let call = LIST_COLLECTION_ALIASES
            .on(&request.collection_name)
            .options(&self.call);
        let response: proto::ListAliasesResponse = self.client.transport().unary(call, &request).await?;
        Ok(response.aliases.into_iter().map(Into::into).collect())
    }
}

request!(GetCollectionAliases => Vec<AliasDescription>);

/// The request built by [`Client::get_aliases`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let aliases = client.get_aliases().await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct GetAliases<'a> {
    client: &'a Client,
    call: CallOptions,
}

impl GetAliases<'_> {
    async fn send(self) -> Result<Vec<AliasDescription>> {
        let call = LIST_ALIASES.call().options(&self.call);
        let response: proto::ListAliasesResponse = self
            .client
            .transport()
            .unary(call, &proto::ListAliasesRequest {})
            .await?;
        Ok(response.aliases.into_iter().map(Into::into).collect())
    }
}

request!(GetAliases => Vec<AliasDescription>);

/// The request built by [`Client::collection_cluster_info`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let info = client.collection_cluster_info("my_collection").await?;
/// println!("peer {}: {} local shards", info.peer_id, info.local_shards.len());
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct CollectionClusterInfoRequest<'a> {
    client: &'a Client,
    collection_name: String,
    call: CallOptions,
}

impl CollectionClusterInfoRequest<'_> {
    async fn send(self) -> Result<CollectionClusterInfo> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::CollectionClusterInfoRequest {
            collection_name: self.collection_name,
        };
        let call = CLUSTER_INFO.on(&request.collection_name).options(&self.call);
        let response: proto::CollectionClusterInfoResponse =
            self.client.transport().unary(call, &request).await?;
        CollectionClusterInfo::try_from(response)
    }
}

request!(CollectionClusterInfoRequest => CollectionClusterInfo);

/// The request built by [`Client::update_collection_cluster_setup`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::ClusterOperation;
///
/// client
///     .update_collection_cluster_setup("my_collection", ClusterOperation::replicate_shard(0, 1, 2))
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateCollectionClusterSetup<'a> {
    client: &'a Client,
    collection_name: String,
    operation: ClusterOperation,
    call: CallOptions,
}

impl UpdateCollectionClusterSetup<'_> {
    async fn send(self) -> Result<bool> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::UpdateCollectionClusterSetupRequest {
            collection_name: self.collection_name,
            timeout: timeout_secs(self.call.timeout),
            operation: Some(self.operation.into()),
        };
        let call = CLUSTER_SETUP.on(&request.collection_name).options(&self.call);
        let response: proto::UpdateCollectionClusterSetupResponse =
            self.client.transport().unary(call, &request).await?;
        Ok(response.result)
    }
}

request!(UpdateCollectionClusterSetup => bool);

/// The request built by [`Client::create_shard_key`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.create_shard_key("my_collection", "tenant_a").shards_number(1).replication_factor(2).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateShardKey<'a> {
    client: &'a Client,
    collection_name: String,
    request: proto::CreateShardKey,
    call: CallOptions,
}

impl CreateShardKey<'_> {
    /// Shards to create for this key.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let created = client.create_shard_key("my_collection", "tenant_a").shards_number(2).await?;
    /// # Ok(()) }
    /// ```
    pub fn shards_number(mut self, shards: u32) -> Self {
        self.request.shards_number = Some(shards);
        self
    }

    /// Copies of each of the key's shards.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let created = client
    ///     .create_shard_key("my_collection", "tenant_a")
    ///     .replication_factor(2)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn replication_factor(mut self, replicas: u32) -> Self {
        self.request.replication_factor = Some(replicas);
        self
    }

    /// The peers to place the shards on.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // On peers 1 and 2.
    /// let created = client.create_shard_key("my_collection", "tenant_a").placement([1, 2]).await?;
    /// # Ok(()) }
    /// ```
    pub fn placement(mut self, peer_ids: impl IntoIterator<Item = u64>) -> Self {
        self.request.placement = peer_ids.into_iter().collect();
        self
    }

    async fn send(self) -> Result<bool> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::CreateShardKeyRequest {
            collection_name: self.collection_name,
            request: Some(self.request),
            timeout: timeout_secs(self.call.timeout),
        };
        let call = CREATE_SHARD_KEY.on(&request.collection_name).options(&self.call);
        let response: proto::CreateShardKeyResponse = self.client.transport().unary(call, &request).await?;
        Ok(response.result)
    }
}

request!(CreateShardKey => bool);

/// The request built by [`Client::delete_shard_key`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.delete_shard_key("my_collection", "tenant_a").await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteShardKey<'a> {
    client: &'a Client,
    collection_name: String,
    shard_key: ShardKey,
    call: CallOptions,
}

impl DeleteShardKey<'_> {
    async fn send(self) -> Result<bool> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::DeleteShardKeyRequest {
            collection_name: self.collection_name,
            request: Some(proto::DeleteShardKey {
                shard_key: Some(self.shard_key.into()),
            }),
            timeout: timeout_secs(self.call.timeout),
        };
        let call = DELETE_SHARD_KEY.on(&request.collection_name).options(&self.call);
        let response: proto::DeleteShardKeyResponse = self.client.transport().unary(call, &request).await?;
        Ok(response.result)
    }
}

request!(DeleteShardKey => bool);

/// The request built by [`Client::list_shard_keys`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let keys = client.list_shard_keys("my_collection").await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct ListShardKeys<'a> {
    client: &'a Client,
    collection_name: String,
    call: CallOptions,
}

impl ListShardKeys<'_> {
    async fn send(self) -> Result<Vec<ShardKey>> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::ListShardKeysRequest {
            collection_name: self.collection_name,
        };
        let call = LIST_SHARD_KEYS.on(&request.collection_name).options(&self.call);
        let response: proto::ListShardKeysResponse = self.client.transport().unary(call, &request).await?;
        response
            .shard_keys
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let key = d
                    .key
                    .ok_or_else(|| Error::missing(format!("shard_keys[{i}].key")))?;
                ShardKey::try_from(key)
            })
            .collect()
    }
}

request!(ListShardKeys => Vec<ShardKey>);
