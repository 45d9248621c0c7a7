//! The `qdrant.Collections` service: collections, aliases, and the shard
//! and cluster calls as a single node without distributed mode answers them.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::RwLock;
use tonic::{Request, Response, Status};

use super::elapsed;
use super::store::{
    Collection, PEER_ID, Store, bad_input, check_collection_name, clip, collection_not_found, quoted,
};
use crate::proto;

pub(crate) struct CollectionsService {
    pub(crate) store: Arc<Store>,
}

type Reply<T> = Result<Response<T>, Status>;

/// Qdrant's checks of the dense vectors of a new collection: every size
/// first (request validation), then every distance.
fn check_vectors(config: Option<&proto::vectors_config::Config>) -> Result<(), Status> {
    use proto::vectors_config::Config;
    let (params, field): (Vec<&proto::VectorParams>, &str) = match config {
        Some(Config::Params(p)) => (vec![p], "vectors_config.config"),
        Some(Config::ParamsMap(m)) => (m.map.values().collect(), "vectors_config.config.map.[]"),
        None => return Ok(()),
    };
    if let Some(p) = params.iter().find(|p| p.size == 0 || p.size > 65536) {
        return Err(Status::invalid_argument(format!(
            "Validation error in body: [{field}.size: value {} invalid, must be from 1 to 65536]",
            p.size
        )));
    }
    for p in params {
        match proto::Distance::try_from(p.distance) {
            Ok(proto::Distance::UnknownDistance) => {
                return Err(Status::invalid_argument(
                    "Malformed distance parameter: UnknownDistance",
                ));
            }
            Ok(_) => {}
            Err(_) => {
                return Err(Status::invalid_argument(format!(
                    "Malformed distance parameter, unexpected value: {}",
                    p.distance
                )));
            }
        }
    }
    Ok(())
}

/// The configuration Qdrant reports for a new collection: what was asked,
/// with Qdrant's defaults filled in.
#[allow(deprecated)]
fn config_of(request: &proto::CreateCollection) -> proto::CollectionConfig {
    let hnsw = proto::HnswConfigDiff {
        m: Some(16),
        ef_construct: Some(100),
        full_scan_threshold: Some(10_000),
        max_indexing_threads: Some(0),
        on_disk: Some(false),
        payload_m: None,
        inline_storage: None,
        memory: None,
    };
    let hnsw = merge_hnsw(hnsw, request.hnsw_config.as_ref());
    let optimizer = proto::OptimizersConfigDiff {
        deleted_threshold: Some(0.2),
        vacuum_min_vector_number: Some(1000),
        default_segment_number: Some(0),
        max_segment_size: None,
        memmap_threshold: None,
        indexing_threshold: Some(10_000),
        flush_interval_sec: Some(5),
        deprecated_max_optimization_threads: None,
        max_optimization_threads: Some(proto::MaxOptimizationThreads {
            variant: Some(proto::max_optimization_threads::Variant::Setting(
                proto::max_optimization_threads::Setting::Auto as i32,
            )),
        }),
        prevent_unoptimized: None,
    };
    let optimizer = merge_optimizers(optimizer, request.optimizers_config.as_ref());
    let wal = proto::WalConfigDiff {
        wal_capacity_mb: Some(
            request
                .wal_config
                .as_ref()
                .and_then(|w| w.wal_capacity_mb)
                .unwrap_or(32),
        ),
        wal_segments_ahead: Some(
            request
                .wal_config
                .as_ref()
                .and_then(|w| w.wal_segments_ahead)
                .unwrap_or(0),
        ),
        wal_retain_closed: Some(
            request
                .wal_config
                .as_ref()
                .and_then(|w| w.wal_retain_closed)
                .unwrap_or(1),
        ),
    };
    proto::CollectionConfig {
        params: Some(proto::CollectionParams {
            shard_number: request.shard_number.unwrap_or(1),
            on_disk_payload: request.on_disk_payload.unwrap_or(true),
            // No dense vectors shows as an empty map of them.
            vectors_config: Some(request.vectors_config.clone().unwrap_or(proto::VectorsConfig {
                config: Some(proto::vectors_config::Config::ParamsMap(Default::default())),
            })),
            replication_factor: Some(request.replication_factor.unwrap_or(1)),
            write_consistency_factor: Some(request.write_consistency_factor.unwrap_or(1)),
            read_fan_out_factor: None,
            sharding_method: request.sharding_method,
            sparse_vectors_config: request.sparse_vectors_config.clone(),
            read_fan_out_delay_ms: None,
            payload: request.payload,
            id_tracker: request.id_tracker,
        }),
        hnsw_config: Some(hnsw),
        optimizer_config: Some(optimizer),
        wal_config: Some(wal),
        quantization_config: request.quantization_config,
        // Qdrant shows a strict mode only when one was asked for.
        strict_mode_config: request.strict_mode_config.clone(),
        metadata: request.metadata.clone(),
    }
}

/// A strict mode update changes the settings it has, and keeps the others.
#[allow(deprecated)]
fn merge_strict_mode(
    base: Option<proto::StrictModeConfig>,
    d: proto::StrictModeConfig,
) -> proto::StrictModeConfig {
    let b = base.unwrap_or_default();
    proto::StrictModeConfig {
        enabled: d.enabled.or(b.enabled),
        max_query_limit: d.max_query_limit.or(b.max_query_limit),
        max_timeout: d.max_timeout.or(b.max_timeout),
        unindexed_filtering_retrieve: d.unindexed_filtering_retrieve.or(b.unindexed_filtering_retrieve),
        unindexed_filtering_update: d.unindexed_filtering_update.or(b.unindexed_filtering_update),
        search_max_hnsw_ef: d.search_max_hnsw_ef.or(b.search_max_hnsw_ef),
        search_allow_exact: d.search_allow_exact.or(b.search_allow_exact),
        search_max_oversampling: d.search_max_oversampling.or(b.search_max_oversampling),
        upsert_max_batchsize: d.upsert_max_batchsize.or(b.upsert_max_batchsize),
        search_max_batchsize: d.search_max_batchsize.or(b.search_max_batchsize),
        max_collection_vector_size_bytes: d
            .max_collection_vector_size_bytes
            .or(b.max_collection_vector_size_bytes),
        read_rate_limit: d.read_rate_limit.or(b.read_rate_limit),
        write_rate_limit: d.write_rate_limit.or(b.write_rate_limit),
        max_collection_payload_size_bytes: d
            .max_collection_payload_size_bytes
            .or(b.max_collection_payload_size_bytes),
        filter_max_conditions: d.filter_max_conditions.or(b.filter_max_conditions),
        condition_max_size: d.condition_max_size.or(b.condition_max_size),
        multivector_config: d.multivector_config.or(b.multivector_config),
        sparse_config: d.sparse_config.or(b.sparse_config),
        max_points_count: d.max_points_count.or(b.max_points_count),
        max_payload_index_count: d.max_payload_index_count.or(b.max_payload_index_count),
        max_resident_memory_percent: d.max_resident_memory_percent.or(b.max_resident_memory_percent),
    }
}

#[allow(deprecated)]
fn merge_hnsw(
    mut base: proto::HnswConfigDiff,
    diff: Option<&proto::HnswConfigDiff>,
) -> proto::HnswConfigDiff {
    if let Some(d) = diff {
        base.m = d.m.or(base.m);
        base.ef_construct = d.ef_construct.or(base.ef_construct);
        base.full_scan_threshold = d.full_scan_threshold.or(base.full_scan_threshold);
        base.max_indexing_threads = d.max_indexing_threads.or(base.max_indexing_threads);
        base.on_disk = d.on_disk.or(base.on_disk);
        base.payload_m = d.payload_m.or(base.payload_m);
        base.inline_storage = d.inline_storage.or(base.inline_storage);
        base.memory = d.memory.or(base.memory);
    }
    base
}

#[allow(deprecated)]
fn merge_optimizers(
    mut base: proto::OptimizersConfigDiff,
    diff: Option<&proto::OptimizersConfigDiff>,
) -> proto::OptimizersConfigDiff {
    if let Some(d) = diff {
        base.deleted_threshold = d.deleted_threshold.or(base.deleted_threshold);
        base.vacuum_min_vector_number = d.vacuum_min_vector_number.or(base.vacuum_min_vector_number);
        base.default_segment_number = d.default_segment_number.or(base.default_segment_number);
        base.max_segment_size = d.max_segment_size.or(base.max_segment_size);
        base.memmap_threshold = d.memmap_threshold.or(base.memmap_threshold);
        base.indexing_threshold = d.indexing_threshold.or(base.indexing_threshold);
        base.flush_interval_sec = d.flush_interval_sec.or(base.flush_interval_sec);
        let deprecated = d
            .deprecated_max_optimization_threads
            .map(|n| proto::MaxOptimizationThreads {
                variant: Some(proto::max_optimization_threads::Variant::Value(n)),
            });
        base.max_optimization_threads = d
            .max_optimization_threads
            .or(deprecated)
            .or(base.max_optimization_threads);
        base.prevent_unoptimized = d.prevent_unoptimized.or(base.prevent_unoptimized);
    }
    // A number of threads shows in the deprecated field too.
    base.deprecated_max_optimization_threads = match base.max_optimization_threads {
        Some(proto::MaxOptimizationThreads {
            variant: Some(proto::max_optimization_threads::Variant::Value(n)),
        }) => Some(n),
        _ => None,
    };
    base
}

/// Collection info as Qdrant reports it.
pub(crate) fn info(collection: &Collection) -> proto::CollectionInfo {
    let points = collection.points.len() as u64;
    let payload_schema = collection
        .payload_schema
        .iter()
        .map(|(key, schema)| {
            let count = collection
                .points
                .values()
                .filter(|p| super::filter::is_indexed(schema, key, &p.payload))
                .count() as u64;
            (
                key.clone(),
                proto::PayloadSchemaInfo {
                    points: Some(count),
                    ..schema.clone()
                },
            )
        })
        .collect();
    proto::CollectionInfo {
        status: proto::CollectionStatus::Green as i32,
        optimizer_status: Some(proto::OptimizerStatus {
            ok: true,
            error: String::new(),
        }),
        segments_count: segments(&collection.config),
        config: Some(collection.config.clone()),
        payload_schema,
        points_count: Some(points),
        indexed_vectors_count: Some(0),
        warnings: Vec::new(),
        update_queue: Some(proto::UpdateQueueInfo {
            length: 0,
            deferred_points: None,
        }),
        created_at: None,
    }
}

/// The segments Qdrant makes for a new collection: its
/// `default_segment_number`, or one per two CPUs, 2 to 8, in each shard.
/// With custom sharding there is no shard until a shard key is made, which
/// a single node without distributed mode cannot do.
fn segments(config: &proto::CollectionConfig) -> u64 {
    if config.params.as_ref().and_then(|p| p.sharding_method) == Some(proto::ShardingMethod::Custom as i32) {
        return 0;
    }
    let asked = config
        .optimizer_config
        .as_ref()
        .and_then(|o| o.default_segment_number)
        .unwrap_or(0);
    let per_shard = if asked > 0 {
        asked
    } else {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from) as u64;
        (cpus / 2).clamp(2, 8)
    };
    let shards = config
        .params
        .as_ref()
        .map_or(1, |p| u64::from(p.shard_number.max(1)));
    per_shard * shards
}

/// Qdrant's answer for a collection name that is taken.
fn already_exists(name: &str) -> Status {
    Status::already_exists(clip(format!(
        "Wrong input: Collection `{}` already exists!",
        quoted(name)
    )))
}

/// What a single node without distributed mode answers to cluster changes.
fn distributed_only() -> Status {
    Status::unimplemented("Qdrant is running in standalone mode")
}

#[tonic::async_trait]
impl proto::collections_server::Collections for CollectionsService {
    async fn get(
        &self,
        request: Request<proto::GetCollectionInfoRequest>,
    ) -> Reply<proto::GetCollectionInfoResponse> {
        let start = Instant::now();
        let collection = self.store.resolve(&request.get_ref().collection_name).await?;
        let info = info(&*collection.read().await);
        Ok(Response::new(proto::GetCollectionInfoResponse {
            result: Some(info),
            time: elapsed(start),
        }))
    }

    async fn list(
        &self,
        _request: Request<proto::ListCollectionsRequest>,
    ) -> Reply<proto::ListCollectionsResponse> {
        let start = Instant::now();
        let mut names: Vec<String> = self.store.collections.read().await.keys().cloned().collect();
        names.sort();
        Ok(Response::new(proto::ListCollectionsResponse {
            collections: names
                .into_iter()
                .map(|name| proto::CollectionDescription { name })
                .collect(),
            time: elapsed(start),
        }))
    }

    async fn create(
        &self,
        request: Request<proto::CreateCollection>,
    ) -> Reply<proto::CollectionOperationResponse> {
        let start = Instant::now();
        let request = request.into_inner();
        let name = request.collection_name.clone();
        check_collection_name(&name, true)?;
        check_vectors(request.vectors_config.as_ref().and_then(|v| v.config.as_ref()))?;
        let mut collections = self.store.collections.write().await;
        if collections.contains_key(&name) {
            return Err(already_exists(&name));
        }
        if self.store.aliases.read().await.contains_key(&name) {
            return Err(bad_input(format!(
                "Can't create collection with name {}. Alias with the same name already exists",
                quoted(&name)
            )));
        }
        let mut collection = Collection::new(config_of(&request));
        collection.metadata = request.metadata.clone();
        collections.insert(name, Arc::new(RwLock::new(collection)));
        Ok(Response::new(proto::CollectionOperationResponse {
            result: true,
            time: elapsed(start),
        }))
    }

    async fn update(
        &self,
        request: Request<proto::UpdateCollection>,
    ) -> Reply<proto::CollectionOperationResponse> {
        let start = Instant::now();
        let request = request.into_inner();
        let collection = self.store.resolve(&request.collection_name).await?;
        let mut c = collection.write().await;
        apply_update(&mut c, request)?;
        Ok(Response::new(proto::CollectionOperationResponse {
            result: true,
            time: elapsed(start),
        }))
    }

    async fn delete(
        &self,
        request: Request<proto::DeleteCollection>,
    ) -> Reply<proto::CollectionOperationResponse> {
        let start = Instant::now();
        let name = &request.get_ref().collection_name;
        check_collection_name(name, false)?;
        let removed = self.store.collections.write().await.remove(name).is_some();
        if removed {
            self.store
                .aliases
                .write()
                .await
                .retain(|_, target| target != name);
        }
        Ok(Response::new(proto::CollectionOperationResponse {
            result: removed,
            time: elapsed(start),
        }))
    }

    async fn update_aliases(
        &self,
        request: Request<proto::ChangeAliases>,
    ) -> Reply<proto::CollectionOperationResponse> {
        use proto::alias_operations::Action;
        let start = Instant::now();
        let collections = self.store.collections.read().await;
        let mut aliases = self.store.aliases.write().await;
        // One by one, as Qdrant applies them: when one fails, the ones
        // before it stay applied.
        for op in request.into_inner().actions {
            match op.action {
                Some(Action::CreateAlias(a)) => {
                    if !collections.contains_key(&a.collection_name) {
                        return Err(collection_not_found(&a.collection_name));
                    }
                    if collections.contains_key(&a.alias_name) {
                        return Err(already_exists(&a.alias_name));
                    }
                    aliases.insert(a.alias_name, a.collection_name);
                }
                Some(Action::RenameAlias(r)) => {
                    let Some(target) = aliases.remove(&r.old_alias_name) else {
                        return Err(Status::not_found(clip(format!(
                            "Not found: Alias {} does not exists!",
                            quoted(&r.old_alias_name)
                        ))));
                    };
                    aliases.insert(r.new_alias_name, target);
                }
                // Deleting an alias that does not exist succeeds.
                Some(Action::DeleteAlias(d)) => {
                    aliases.remove(&d.alias_name);
                }
                None => return Err(bad_input("Empty alias operation")),
            }
        }
        Ok(Response::new(proto::CollectionOperationResponse {
            result: true,
            time: elapsed(start),
        }))
    }

    async fn list_collection_aliases(
        &self,
        request: Request<proto::ListCollectionAliasesRequest>,
    ) -> Reply<proto::ListAliasesResponse> {
        let start = Instant::now();
        // Aliases of a name that is no collection: none, as Qdrant answers.
        let name = &request.get_ref().collection_name;
        check_collection_name(name, false)?;
        let mut aliases: Vec<proto::AliasDescription> = self
            .store
            .aliases
            .read()
            .await
            .iter()
            .filter(|(_, target)| *target == name)
            .map(|(alias, target)| proto::AliasDescription {
                alias_name: alias.clone(),
                collection_name: target.clone(),
            })
            .collect();
        aliases.sort_by(|a, b| a.alias_name.cmp(&b.alias_name));
        Ok(Response::new(proto::ListAliasesResponse {
            aliases,
            time: elapsed(start),
        }))
    }

    async fn list_aliases(
        &self,
        _request: Request<proto::ListAliasesRequest>,
    ) -> Reply<proto::ListAliasesResponse> {
        let start = Instant::now();
        let mut aliases: Vec<proto::AliasDescription> = self
            .store
            .aliases
            .read()
            .await
            .iter()
            .map(|(alias, target)| proto::AliasDescription {
                alias_name: alias.clone(),
                collection_name: target.clone(),
            })
            .collect();
        aliases.sort_by(|a, b| a.alias_name.cmp(&b.alias_name));
        Ok(Response::new(proto::ListAliasesResponse {
            aliases,
            time: elapsed(start),
        }))
    }

    async fn collection_cluster_info(
        &self,
        request: Request<proto::CollectionClusterInfoRequest>,
    ) -> Reply<proto::CollectionClusterInfoResponse> {
        let start = Instant::now();
        let collection = self.store.resolve(&request.get_ref().collection_name).await?;
        let c = collection.read().await;
        Ok(Response::new(proto::CollectionClusterInfoResponse {
            peer_id: PEER_ID,
            shard_count: 1,
            local_shards: vec![proto::LocalShardInfo {
                shard_id: 0,
                points_count: c.points.len() as u64,
                state: proto::ReplicaState::Active as i32,
                shard_key: None,
            }],
            remote_shards: Vec::new(),
            shard_transfers: Vec::new(),
            resharding_operations: Vec::new(),
            time: elapsed(start),
        }))
    }

    async fn collection_exists(
        &self,
        request: Request<proto::CollectionExistsRequest>,
    ) -> Reply<proto::CollectionExistsResponse> {
        let start = Instant::now();
        let name = &request.get_ref().collection_name;
        check_collection_name(name, false)?;
        let exists = self.store.resolve(name).await.is_ok();
        Ok(Response::new(proto::CollectionExistsResponse {
            result: Some(proto::CollectionExists { exists }),
            time: elapsed(start),
        }))
    }

    async fn update_collection_cluster_setup(
        &self,
        _request: Request<proto::UpdateCollectionClusterSetupRequest>,
    ) -> Reply<proto::UpdateCollectionClusterSetupResponse> {
        Err(distributed_only())
    }

    async fn create_shard_key(
        &self,
        _request: Request<proto::CreateShardKeyRequest>,
    ) -> Reply<proto::CreateShardKeyResponse> {
        Err(distributed_only())
    }

    async fn delete_shard_key(
        &self,
        _request: Request<proto::DeleteShardKeyRequest>,
    ) -> Reply<proto::DeleteShardKeyResponse> {
        Err(distributed_only())
    }

    async fn list_shard_keys(
        &self,
        request: Request<proto::ListShardKeysRequest>,
    ) -> Reply<proto::ListShardKeysResponse> {
        let start = Instant::now();
        self.store.resolve(&request.get_ref().collection_name).await?;
        Ok(Response::new(proto::ListShardKeysResponse {
            shard_keys: Vec::new(),
            time: elapsed(start),
        }))
    }
}

#[allow(deprecated)]
fn apply_update(c: &mut Collection, request: proto::UpdateCollection) -> Result<(), Status> {
    use proto::vectors_config::Config;
    use proto::vectors_config_diff::Config as Diff;
    let config = &mut c.config;
    if let Some(d) = request.optimizers_config {
        config.optimizer_config = Some(merge_optimizers(
            config.optimizer_config.take().unwrap_or_default(),
            Some(&d),
        ));
    }
    if let Some(d) = request.hnsw_config {
        config.hnsw_config = Some(merge_hnsw(
            config.hnsw_config.take().unwrap_or_default(),
            Some(&d),
        ));
    }
    if let Some(q) = request.quantization_config {
        use proto::quantization_config::Quantization as Q;
        use proto::quantization_config_diff::Quantization as D;
        config.quantization_config = match q.quantization {
            Some(D::Disabled(_)) | None => None,
            Some(D::Scalar(s)) => Some(proto::QuantizationConfig {
                quantization: Some(Q::Scalar(s)),
            }),
            Some(D::Product(p)) => Some(proto::QuantizationConfig {
                quantization: Some(Q::Product(p)),
            }),
            Some(D::Binary(b)) => Some(proto::QuantizationConfig {
                quantization: Some(Q::Binary(b)),
            }),
            Some(D::Turboquant(t)) => Some(proto::QuantizationConfig {
                quantization: Some(Q::Turboquant(t)),
            }),
        };
    }
    if let Some(s) = request.strict_mode_config {
        config.strict_mode_config = Some(merge_strict_mode(config.strict_mode_config.take(), s));
    }
    for (k, v) in request.metadata {
        config.metadata.insert(k.clone(), v.clone());
        c.metadata.insert(k, v);
    }
    let config = &mut c.config;
    let params = config.params.get_or_insert_with(Default::default);
    if let Some(p) = request.params {
        params.replication_factor = p.replication_factor.or(params.replication_factor);
        params.write_consistency_factor = p.write_consistency_factor.or(params.write_consistency_factor);
        params.read_fan_out_factor = p.read_fan_out_factor.or(params.read_fan_out_factor);
        if let Some(on_disk) = p.on_disk_payload {
            params.on_disk_payload = on_disk;
        }
    }
    if let Some(diff) = request.vectors_config.and_then(|v| v.config) {
        let apply = |vp: &mut proto::VectorParams, d: proto::VectorParamsDiff| {
            if let Some(h) = d.hnsw_config {
                vp.hnsw_config = Some(merge_hnsw(vp.hnsw_config.take().unwrap_or_default(), Some(&h)));
            }
            if let Some(on_disk) = d.on_disk {
                vp.on_disk = Some(on_disk);
            }
        };
        match (
            params.vectors_config.as_mut().and_then(|v| v.config.as_mut()),
            diff,
        ) {
            (Some(Config::Params(vp)), Diff::Params(d)) => apply(vp, d),
            (Some(Config::ParamsMap(m)), Diff::ParamsMap(dm)) => {
                for (name, d) in dm.map {
                    let vp = m
                        .map
                        .get_mut(&name)
                        .ok_or_else(|| bad_input(format!("Not existing vector name error: {name}")))?;
                    apply(vp, d);
                }
            }
            (Some(Config::Params(vp)), Diff::ParamsMap(dm)) => {
                for (name, d) in dm.map {
                    if !name.is_empty() {
                        return Err(bad_input(format!("Not existing vector name error: {name}")));
                    }
                    apply(vp, d);
                }
            }
            _ => {
                return Err(bad_input(
                    "Vector params diff does not match the collection's vectors",
                ));
            }
        }
    }
    if let Some(sparse) = request.sparse_vectors_config {
        for (name, p) in sparse.map {
            let slot = params
                .sparse_vectors_config
                .as_mut()
                .and_then(|existing| existing.map.get_mut(&name))
                .ok_or_else(|| bad_input(format!("Not existing vector name error: {name}")))?;
            if p.index.is_some() {
                slot.index = p.index;
            }
            if p.modifier.is_some() {
                slot.modifier = p.modifier;
            }
        }
    }
    Ok(())
}
