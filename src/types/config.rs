//! Collection-wide settings: HNSW, optimizers, write-ahead log, replication
//! and strict mode, each a record of optional settings where `None` leaves the
//! server's value (or default) as it is.

use std::collections::HashMap;

use crate::proto;

/// Where a piece of data lives (Qdrant 1.20).
///
/// ```
/// use qdrant_async::{Memory, VectorParamsDiff};
///
/// let diff = VectorParamsDiff::new().memory(Memory::Cached);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Memory {
    /// On disk, read when needed.
    Cold,
    /// On disk, cached in memory by the operating system.
    Cached,
    /// Held in memory.
    Pinned,
    /// A value this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl Memory {
    pub(crate) fn to_wire(self) -> i32 {
        match self {
            Memory::Cold => proto::Memory::Cold as i32,
            Memory::Cached => proto::Memory::Cached as i32,
            Memory::Pinned => proto::Memory::Pinned as i32,
            Memory::Unknown(v) => v,
        }
    }

    pub(crate) fn from_wire(v: i32) -> Self {
        match proto::Memory::try_from(v) {
            Ok(proto::Memory::Cold) => Memory::Cold,
            Ok(proto::Memory::Cached) => Memory::Cached,
            Ok(proto::Memory::Pinned) => Memory::Pinned,
            _ => Memory::Unknown(v),
        }
    }
}

/// HNSW index parameters; `None` keeps the current or default value.
///
/// ```
/// use qdrant_async::HnswConfigDiff;
/// let hnsw = HnswConfigDiff::new().m(32).ef_construct(200);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct HnswConfigDiff {
    /// Edges per node in the graph: higher is more accurate and uses more memory (default 16).
    pub m: Option<u64>,
    /// Neighbours considered while building the index: higher is more accurate and slower to build (default 100).
    pub ef_construct: Option<u64>,
    /// Below this many kilobytes of vectors in a segment, searches scan instead of using the index.
    pub full_scan_threshold: Option<u64>,
    /// Threads that build the index (0: chosen by the server).
    pub max_indexing_threads: Option<u64>,
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Edges per node in the extra graphs built for payload indexes.
    pub payload_m: Option<u64>,
    /// Stores vectors inside the graph, for faster search on disk.
    pub inline_storage: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
}

impl HnswConfigDiff {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, HnswConfigDiff, VectorParams};
    ///
    /// client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .hnsw_config(HnswConfigDiff::new().m(32).ef_construct(200))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Edges per node in the graph: higher is more accurate and uses more memory (default 16).
    ///
    /// ```
    /// use qdrant_async::HnswConfigDiff;
    ///
    /// let params = HnswConfigDiff::new().m(32);
    /// ```
    pub fn m(mut self, m: u64) -> Self {
        self.m = Some(m);
        self
    }

    /// Neighbours considered while building the index: higher is more accurate and slower to build (default 100).
    ///
    /// ```
    /// use qdrant_async::HnswConfigDiff;
    ///
    /// let params = HnswConfigDiff::new().ef_construct(200);
    /// ```
    pub fn ef_construct(mut self, ef_construct: u64) -> Self {
        self.ef_construct = Some(ef_construct);
        self
    }

    /// Below this many kilobytes of vectors in a segment, searches scan instead of using the index.
    ///
    /// ```
    /// use qdrant_async::HnswConfigDiff;
    ///
    /// let params = HnswConfigDiff::new().full_scan_threshold(10_000);
    /// ```
    pub fn full_scan_threshold(mut self, full_scan_threshold: u64) -> Self {
        self.full_scan_threshold = Some(full_scan_threshold);
        self
    }

    /// Threads that build the index (0: chosen by the server).
    ///
    /// ```
    /// use qdrant_async::HnswConfigDiff;
    ///
    /// let params = HnswConfigDiff::new().max_indexing_threads(2);
    /// ```
    pub fn max_indexing_threads(mut self, max_indexing_threads: u64) -> Self {
        self.max_indexing_threads = Some(max_indexing_threads);
        self
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::HnswConfigDiff;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = HnswConfigDiff::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Edges per node in the extra graphs built for payload indexes.
    ///
    /// ```
    /// use qdrant_async::HnswConfigDiff;
    ///
    /// let params = HnswConfigDiff::new().payload_m(16);
    /// ```
    pub fn payload_m(mut self, payload_m: u64) -> Self {
        self.payload_m = Some(payload_m);
        self
    }

    /// Stores vectors inside the graph, for faster search on disk.
    ///
    /// ```
    /// use qdrant_async::HnswConfigDiff;
    ///
    /// let params = HnswConfigDiff::new().inline_storage(true);
    /// ```
    pub fn inline_storage(mut self, inline_storage: bool) -> Self {
        self.inline_storage = Some(inline_storage);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{HnswConfigDiff, Memory};
    ///
    /// let params = HnswConfigDiff::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }
}

impl From<HnswConfigDiff> for proto::HnswConfigDiff {
    #[allow(deprecated)]
    fn from(d: HnswConfigDiff) -> Self {
        proto::HnswConfigDiff {
            m: d.m,
            ef_construct: d.ef_construct,
            full_scan_threshold: d.full_scan_threshold,
            max_indexing_threads: d.max_indexing_threads,
            on_disk: d.on_disk,
            payload_m: d.payload_m,
            inline_storage: d.inline_storage,
            memory: d.memory.map(Memory::to_wire),
        }
    }
}

impl From<proto::HnswConfigDiff> for HnswConfigDiff {
    #[allow(deprecated)]
    fn from(p: proto::HnswConfigDiff) -> Self {
        HnswConfigDiff {
            m: p.m,
            ef_construct: p.ef_construct,
            full_scan_threshold: p.full_scan_threshold,
            max_indexing_threads: p.max_indexing_threads,
            on_disk: p.on_disk,
            payload_m: p.payload_m,
            inline_storage: p.inline_storage,
            memory: p.memory.map(Memory::from_wire),
        }
    }
}

/// The number of threads optimizations may use.
///
/// ```
/// use qdrant_async::{MaxOptimizationThreads, OptimizersConfigDiff};
///
/// let optimizers = OptimizersConfigDiff::new().max_optimization_threads(MaxOptimizationThreads::Auto);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MaxOptimizationThreads {
    /// Chosen by the server.
    Auto,
    /// At most this many (0: no optimizations).
    Threads(u64),
    /// A setting this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl From<MaxOptimizationThreads> for proto::MaxOptimizationThreads {
    fn from(t: MaxOptimizationThreads) -> Self {
        use proto::max_optimization_threads::{Setting, Variant};
        let variant = match t {
            MaxOptimizationThreads::Auto => Variant::Setting(Setting::Auto as i32),
            MaxOptimizationThreads::Threads(n) => Variant::Value(n),
            MaxOptimizationThreads::Unknown(s) => Variant::Setting(s),
        };
        proto::MaxOptimizationThreads {
            variant: Some(variant),
        }
    }
}

impl MaxOptimizationThreads {
    /// `None` for a message without a value, which the server reads as unset.
    fn from_proto(t: proto::MaxOptimizationThreads) -> Option<Self> {
        use proto::max_optimization_threads::{Setting, Variant};
        Some(match t.variant? {
            Variant::Value(n) => MaxOptimizationThreads::Threads(n),
            Variant::Setting(s) if s == Setting::Auto as i32 => MaxOptimizationThreads::Auto,
            Variant::Setting(s) => MaxOptimizationThreads::Unknown(s),
        })
    }
}

/// Optimizer parameters; `None` keeps the current or default value.
///
/// ```
/// use qdrant_async::OptimizersConfigDiff;
/// let optimizers = OptimizersConfigDiff::new().indexing_threshold(10_000);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct OptimizersConfigDiff {
    /// Share of deleted vectors in a segment above which it is rebuilt.
    pub deleted_threshold: Option<f64>,
    /// Fewest vectors in a segment for it to be rebuilt for deletions.
    pub vacuum_min_vector_number: Option<u64>,
    /// Segments the optimizer aims for (0: chosen from the CPU count).
    pub default_segment_number: Option<u64>,
    /// Largest segment, in kilobytes of vectors.
    pub max_segment_size: Option<u64>,
    /// Segments above this many kilobytes of vectors are memory-mapped.
    pub memmap_threshold: Option<u64>,
    /// Segments above this many kilobytes of vectors get an HNSW index (0: never).
    pub indexing_threshold: Option<u64>,
    /// Seconds between flushes to disk.
    pub flush_interval_sec: Option<u64>,
    /// Older form of `max_optimization_threads`, as Qdrant before 1.13 reads it.
    pub deprecated_max_optimization_threads: Option<u64>,
    /// Threads optimizations may use.
    pub max_optimization_threads: Option<MaxOptimizationThreads>,
    /// Holds writes back while segments wait to be optimized (Qdrant 1.20).
    pub prevent_unoptimized: Option<bool>,
}

impl OptimizersConfigDiff {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// // Index only once 20,000 KB of vectors are written, as in a bulk load.
    /// client
    ///     .update_collection("my_collection")
    ///     .optimizers_config(OptimizersConfigDiff::new().indexing_threshold(20_000))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Share of deleted vectors in a segment above which it is rebuilt.
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().deleted_threshold(0.3);
    /// ```
    pub fn deleted_threshold(mut self, deleted_threshold: f64) -> Self {
        self.deleted_threshold = Some(deleted_threshold);
        self
    }

    /// Fewest vectors in a segment for it to be rebuilt for deletions.
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().vacuum_min_vector_number(1_000);
    /// ```
    pub fn vacuum_min_vector_number(mut self, vacuum_min_vector_number: u64) -> Self {
        self.vacuum_min_vector_number = Some(vacuum_min_vector_number);
        self
    }

    /// Segments the optimizer aims for (0: chosen from the CPU count).
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().default_segment_number(4);
    /// ```
    pub fn default_segment_number(mut self, default_segment_number: u64) -> Self {
        self.default_segment_number = Some(default_segment_number);
        self
    }

    /// Largest segment, in kilobytes of vectors.
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().max_segment_size(500_000);
    /// ```
    pub fn max_segment_size(mut self, max_segment_size: u64) -> Self {
        self.max_segment_size = Some(max_segment_size);
        self
    }

    /// Segments above this many kilobytes of vectors are memory-mapped.
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().memmap_threshold(50_000);
    /// ```
    pub fn memmap_threshold(mut self, memmap_threshold: u64) -> Self {
        self.memmap_threshold = Some(memmap_threshold);
        self
    }

    /// Segments above this many kilobytes of vectors get an HNSW index (0: never).
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().indexing_threshold(20_000);
    /// ```
    pub fn indexing_threshold(mut self, indexing_threshold: u64) -> Self {
        self.indexing_threshold = Some(indexing_threshold);
        self
    }

    /// Seconds between flushes to disk.
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().flush_interval_sec(10);
    /// ```
    pub fn flush_interval_sec(mut self, flush_interval_sec: u64) -> Self {
        self.flush_interval_sec = Some(flush_interval_sec);
        self
    }

    /// Older form of `max_optimization_threads`, as Qdrant before 1.13 reads it.
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().deprecated_max_optimization_threads(2);
    /// ```
    pub fn deprecated_max_optimization_threads(mut self, deprecated_max_optimization_threads: u64) -> Self {
        self.deprecated_max_optimization_threads = Some(deprecated_max_optimization_threads);
        self
    }

    /// Threads optimizations may use.
    ///
    /// ```
    /// use qdrant_async::{MaxOptimizationThreads, OptimizersConfigDiff};
    ///
    /// let params = OptimizersConfigDiff::new()
    ///     .max_optimization_threads(MaxOptimizationThreads::Threads(2));
    /// ```
    pub fn max_optimization_threads(mut self, max_optimization_threads: MaxOptimizationThreads) -> Self {
        self.max_optimization_threads = Some(max_optimization_threads);
        self
    }

    /// Holds writes back while segments wait to be optimized (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::OptimizersConfigDiff;
    ///
    /// let params = OptimizersConfigDiff::new().prevent_unoptimized(true);
    /// ```
    pub fn prevent_unoptimized(mut self, prevent_unoptimized: bool) -> Self {
        self.prevent_unoptimized = Some(prevent_unoptimized);
        self
    }
}

impl From<OptimizersConfigDiff> for proto::OptimizersConfigDiff {
    fn from(d: OptimizersConfigDiff) -> Self {
        proto::OptimizersConfigDiff {
            deleted_threshold: d.deleted_threshold,
            vacuum_min_vector_number: d.vacuum_min_vector_number,
            default_segment_number: d.default_segment_number,
            max_segment_size: d.max_segment_size,
            memmap_threshold: d.memmap_threshold,
            indexing_threshold: d.indexing_threshold,
            flush_interval_sec: d.flush_interval_sec,
            deprecated_max_optimization_threads: d.deprecated_max_optimization_threads,
            max_optimization_threads: d.max_optimization_threads.map(Into::into),
            prevent_unoptimized: d.prevent_unoptimized,
        }
    }
}

impl From<proto::OptimizersConfigDiff> for OptimizersConfigDiff {
    fn from(p: proto::OptimizersConfigDiff) -> Self {
        OptimizersConfigDiff {
            deleted_threshold: p.deleted_threshold,
            vacuum_min_vector_number: p.vacuum_min_vector_number,
            default_segment_number: p.default_segment_number,
            max_segment_size: p.max_segment_size,
            memmap_threshold: p.memmap_threshold,
            indexing_threshold: p.indexing_threshold,
            flush_interval_sec: p.flush_interval_sec,
            deprecated_max_optimization_threads: p.deprecated_max_optimization_threads,
            max_optimization_threads: p
                .max_optimization_threads
                .and_then(MaxOptimizationThreads::from_proto),
            prevent_unoptimized: p.prevent_unoptimized,
        }
    }
}

/// Write-ahead log parameters; `None` keeps the current or default value.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::WalConfigDiff;
///
/// // A smaller write-ahead log than the default 32 MB segments.
/// client
///     .create_collection("small", qdrant_async::VectorParams::new(4, qdrant_async::Distance::Dot))
///     .wal_config(WalConfigDiff::new().wal_capacity_mb(8))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct WalConfigDiff {
    /// Size of one log segment, in megabytes.
    pub wal_capacity_mb: Option<u64>,
    /// Log segments created ahead of need.
    pub wal_segments_ahead: Option<u64>,
    /// Closed log segments kept.
    pub wal_retain_closed: Option<u64>,
}

impl WalConfigDiff {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams, WalConfigDiff};
    ///
    /// client
    ///     .create_collection("my_collection", VectorParams::new(4, Distance::Cosine))
    ///     .wal_config(WalConfigDiff::new().wal_capacity_mb(64))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Size of one log segment, in megabytes.
    ///
    /// ```
    /// use qdrant_async::WalConfigDiff;
    ///
    /// let params = WalConfigDiff::new().wal_capacity_mb(64);
    /// ```
    pub fn wal_capacity_mb(mut self, wal_capacity_mb: u64) -> Self {
        self.wal_capacity_mb = Some(wal_capacity_mb);
        self
    }

    /// Log segments created ahead of need.
    ///
    /// ```
    /// use qdrant_async::WalConfigDiff;
    ///
    /// let params = WalConfigDiff::new().wal_segments_ahead(1);
    /// ```
    pub fn wal_segments_ahead(mut self, wal_segments_ahead: u64) -> Self {
        self.wal_segments_ahead = Some(wal_segments_ahead);
        self
    }

    /// Closed log segments kept.
    ///
    /// ```
    /// use qdrant_async::WalConfigDiff;
    ///
    /// let params = WalConfigDiff::new().wal_retain_closed(1);
    /// ```
    pub fn wal_retain_closed(mut self, wal_retain_closed: u64) -> Self {
        self.wal_retain_closed = Some(wal_retain_closed);
        self
    }
}

impl From<WalConfigDiff> for proto::WalConfigDiff {
    fn from(d: WalConfigDiff) -> Self {
        proto::WalConfigDiff {
            wal_capacity_mb: d.wal_capacity_mb,
            wal_segments_ahead: d.wal_segments_ahead,
            wal_retain_closed: d.wal_retain_closed,
        }
    }
}

impl From<proto::WalConfigDiff> for WalConfigDiff {
    fn from(p: proto::WalConfigDiff) -> Self {
        WalConfigDiff {
            wal_capacity_mb: p.wal_capacity_mb,
            wal_segments_ahead: p.wal_segments_ahead,
            wal_retain_closed: p.wal_retain_closed,
        }
    }
}

/// How payloads are stored (Qdrant 1.20).
///
/// ```
/// use qdrant_async::{CollectionParamsDiff, Memory, PayloadStorageParams};
///
/// let params = CollectionParamsDiff::new().payload(PayloadStorageParams::new().memory(Memory::Cold));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct PayloadStorageParams {
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
}

impl PayloadStorageParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```
    /// use qdrant_async::{CollectionParamsDiff, Memory, PayloadStorageParams};
    ///
    /// let diff = CollectionParamsDiff::new().payload(PayloadStorageParams::new().memory(Memory::Cached));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{Memory, PayloadStorageParams};
    ///
    /// let params = PayloadStorageParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }
}

impl From<PayloadStorageParams> for proto::PayloadStorageParams {
    fn from(d: PayloadStorageParams) -> Self {
        proto::PayloadStorageParams {
            memory: d.memory.map(Memory::to_wire),
        }
    }
}

impl From<proto::PayloadStorageParams> for PayloadStorageParams {
    fn from(p: proto::PayloadStorageParams) -> Self {
        PayloadStorageParams {
            memory: p.memory.map(Memory::from_wire),
        }
    }
}

/// How the point id mapping is stored (Qdrant 1.20).
///
/// ```
/// use qdrant_async::{CollectionParamsDiff, IdTrackerParams, Memory};
///
/// let params = CollectionParamsDiff::new().id_tracker(IdTrackerParams::new().memory(Memory::Pinned));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct IdTrackerParams {
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
}

impl IdTrackerParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```
    /// use qdrant_async::{CollectionParamsDiff, IdTrackerParams, Memory};
    ///
    /// let diff = CollectionParamsDiff::new().id_tracker(IdTrackerParams::new().memory(Memory::Pinned));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{IdTrackerParams, Memory};
    ///
    /// let params = IdTrackerParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }
}

impl From<IdTrackerParams> for proto::IdTrackerParams {
    fn from(d: IdTrackerParams) -> Self {
        proto::IdTrackerParams {
            memory: d.memory.map(Memory::to_wire),
        }
    }
}

impl From<proto::IdTrackerParams> for IdTrackerParams {
    fn from(p: proto::IdTrackerParams) -> Self {
        IdTrackerParams {
            memory: p.memory.map(Memory::from_wire),
        }
    }
}

/// Changes to a collection's parameters, for `update_collection`; `None` keeps the current value.
///
/// ```
/// use qdrant_async::CollectionParamsDiff;
/// let params = CollectionParamsDiff::new().replication_factor(2);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct CollectionParamsDiff {
    /// Copies of each shard.
    pub replication_factor: Option<u32>,
    /// Replicas that must confirm a write.
    pub write_consistency_factor: Option<u32>,
    /// Keeps payloads on disk. Deprecated in the protocol; Qdrant 1.20 has `payload`.
    pub on_disk_payload: Option<bool>,
    /// Extra replicas a read is sent to, the first answer winning.
    pub read_fan_out_factor: Option<u32>,
    /// Milliseconds before a read is also sent to another replica.
    pub read_fan_out_delay_ms: Option<u64>,
    /// How payloads are stored (Qdrant 1.20).
    pub payload: Option<PayloadStorageParams>,
    /// How the point id mapping is stored (Qdrant 1.20).
    pub id_tracker: Option<IdTrackerParams>,
}

impl CollectionParamsDiff {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::CollectionParamsDiff;
    ///
    /// client
    ///     .update_collection("my_collection")
    ///     .params(CollectionParamsDiff::new().replication_factor(2).on_disk_payload(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Copies of each shard.
    ///
    /// ```
    /// use qdrant_async::CollectionParamsDiff;
    ///
    /// let params = CollectionParamsDiff::new().replication_factor(2);
    /// ```
    pub fn replication_factor(mut self, replication_factor: u32) -> Self {
        self.replication_factor = Some(replication_factor);
        self
    }

    /// Replicas that must confirm a write.
    ///
    /// ```
    /// use qdrant_async::CollectionParamsDiff;
    ///
    /// let params = CollectionParamsDiff::new().write_consistency_factor(2);
    /// ```
    pub fn write_consistency_factor(mut self, write_consistency_factor: u32) -> Self {
        self.write_consistency_factor = Some(write_consistency_factor);
        self
    }

    /// Keeps payloads on disk. Deprecated in the protocol; Qdrant 1.20 has `payload`.
    ///
    /// ```
    /// use qdrant_async::CollectionParamsDiff;
    ///
    /// let params = CollectionParamsDiff::new().on_disk_payload(true);
    /// ```
    pub fn on_disk_payload(mut self, on_disk_payload: bool) -> Self {
        self.on_disk_payload = Some(on_disk_payload);
        self
    }

    /// Extra replicas a read is sent to, the first answer winning.
    ///
    /// ```
    /// use qdrant_async::CollectionParamsDiff;
    ///
    /// let params = CollectionParamsDiff::new().read_fan_out_factor(1);
    /// ```
    pub fn read_fan_out_factor(mut self, read_fan_out_factor: u32) -> Self {
        self.read_fan_out_factor = Some(read_fan_out_factor);
        self
    }

    /// Milliseconds before a read is also sent to another replica.
    ///
    /// ```
    /// use qdrant_async::CollectionParamsDiff;
    ///
    /// let params = CollectionParamsDiff::new().read_fan_out_delay_ms(100);
    /// ```
    pub fn read_fan_out_delay_ms(mut self, read_fan_out_delay_ms: u64) -> Self {
        self.read_fan_out_delay_ms = Some(read_fan_out_delay_ms);
        self
    }

    /// How payloads are stored (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{CollectionParamsDiff, Memory, PayloadStorageParams};
    ///
    /// let params = CollectionParamsDiff::new()
    ///     .payload(PayloadStorageParams::new().memory(Memory::Cached));
    /// ```
    pub fn payload(mut self, payload: PayloadStorageParams) -> Self {
        self.payload = Some(payload);
        self
    }

    /// How the point id mapping is stored (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{CollectionParamsDiff, IdTrackerParams, Memory};
    ///
    /// let params = CollectionParamsDiff::new().id_tracker(IdTrackerParams::new().memory(Memory::Pinned));
    /// ```
    pub fn id_tracker(mut self, id_tracker: IdTrackerParams) -> Self {
        self.id_tracker = Some(id_tracker);
        self
    }
}

impl From<CollectionParamsDiff> for proto::CollectionParamsDiff {
    #[allow(deprecated)]
    fn from(d: CollectionParamsDiff) -> Self {
        proto::CollectionParamsDiff {
            replication_factor: d.replication_factor,
            write_consistency_factor: d.write_consistency_factor,
            on_disk_payload: d.on_disk_payload,
            read_fan_out_factor: d.read_fan_out_factor,
            read_fan_out_delay_ms: d.read_fan_out_delay_ms,
            payload: d.payload.map(Into::into),
            id_tracker: d.id_tracker.map(Into::into),
        }
    }
}

impl From<proto::CollectionParamsDiff> for CollectionParamsDiff {
    #[allow(deprecated)]
    fn from(p: proto::CollectionParamsDiff) -> Self {
        CollectionParamsDiff {
            replication_factor: p.replication_factor,
            write_consistency_factor: p.write_consistency_factor,
            on_disk_payload: p.on_disk_payload,
            read_fan_out_factor: p.read_fan_out_factor,
            read_fan_out_delay_ms: p.read_fan_out_delay_ms,
            payload: p.payload.map(Into::into),
            id_tracker: p.id_tracker.map(Into::into),
        }
    }
}

/// Strict mode limits of one multivector.
///
/// ```
/// use qdrant_async::{StrictModeConfig, StrictModeMultivector};
///
/// let config = StrictModeConfig::new().multivector("colbert", StrictModeMultivector::new().max_vectors(256));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct StrictModeMultivector {
    /// Most vectors one point may hold.
    pub max_vectors: Option<u64>,
}

impl StrictModeMultivector {
    /// Nothing set: the server's defaults.
    ///
    /// ```
    /// use qdrant_async::{StrictModeConfig, StrictModeMultivector};
    ///
    /// let config = StrictModeConfig::new()
    ///     .enabled(true)
    ///     .multivector("colbert", StrictModeMultivector::new().max_vectors(512));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Most vectors one point may hold.
    ///
    /// ```
    /// use qdrant_async::StrictModeMultivector;
    ///
    /// let params = StrictModeMultivector::new().max_vectors(512);
    /// ```
    pub fn max_vectors(mut self, max_vectors: u64) -> Self {
        self.max_vectors = Some(max_vectors);
        self
    }
}

impl From<StrictModeMultivector> for proto::StrictModeMultivector {
    fn from(d: StrictModeMultivector) -> Self {
        proto::StrictModeMultivector {
            max_vectors: d.max_vectors,
        }
    }
}

impl From<proto::StrictModeMultivector> for StrictModeMultivector {
    fn from(p: proto::StrictModeMultivector) -> Self {
        StrictModeMultivector {
            max_vectors: p.max_vectors,
        }
    }
}

/// Strict mode limits of one sparse vector.
///
/// ```
/// use qdrant_async::{StrictModeConfig, StrictModeSparse};
///
/// let config = StrictModeConfig::new().sparse("keywords", StrictModeSparse::new().max_length(500));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct StrictModeSparse {
    /// Most non-zero dimensions one vector may have.
    pub max_length: Option<u64>,
}

impl StrictModeSparse {
    /// Nothing set: the server's defaults.
    ///
    /// ```
    /// use qdrant_async::{StrictModeConfig, StrictModeSparse};
    ///
    /// let config = StrictModeConfig::new()
    ///     .enabled(true)
    ///     .sparse("keywords", StrictModeSparse::new().max_length(1_000));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Most non-zero dimensions one vector may have.
    ///
    /// ```
    /// use qdrant_async::StrictModeSparse;
    ///
    /// let params = StrictModeSparse::new().max_length(1_000);
    /// ```
    pub fn max_length(mut self, max_length: u64) -> Self {
        self.max_length = Some(max_length);
        self
    }
}

impl From<StrictModeSparse> for proto::StrictModeSparse {
    fn from(d: StrictModeSparse) -> Self {
        proto::StrictModeSparse {
            max_length: d.max_length,
        }
    }
}

impl From<proto::StrictModeSparse> for StrictModeSparse {
    fn from(p: proto::StrictModeSparse) -> Self {
        StrictModeSparse {
            max_length: p.max_length,
        }
    }
}

/// Limits that the server enforces on requests to a collection; `None` keeps the current or default value.
///
/// ```
/// use qdrant_async::StrictModeConfig;
/// let strict = StrictModeConfig::new().enabled(true).max_query_limit(100);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct StrictModeConfig {
    /// Whether strict mode is on.
    pub enabled: Option<bool>,
    /// Largest `limit` a query may ask for.
    pub max_query_limit: Option<u32>,
    /// Longest timeout a request may ask for, in seconds.
    pub max_timeout: Option<u32>,
    /// Allows reads to filter on keys without a payload index.
    pub unindexed_filtering_retrieve: Option<bool>,
    /// Allows writes to filter on keys without a payload index.
    pub unindexed_filtering_update: Option<bool>,
    /// Largest `hnsw_ef` a search may ask for.
    pub search_max_hnsw_ef: Option<u32>,
    /// Allows exact (unindexed) search.
    pub search_allow_exact: Option<bool>,
    /// Largest quantization oversampling a search may ask for.
    pub search_max_oversampling: Option<f32>,
    /// Most points one upsert may carry.
    pub upsert_max_batchsize: Option<u64>,
    /// Most searches one batch may carry.
    pub search_max_batchsize: Option<u64>,
    /// Largest total size of the collection's vectors, in bytes.
    pub max_collection_vector_size_bytes: Option<u64>,
    /// Most reads per minute.
    pub read_rate_limit: Option<u32>,
    /// Most writes per minute.
    pub write_rate_limit: Option<u32>,
    /// Largest total size of the collection's payloads, in bytes.
    pub max_collection_payload_size_bytes: Option<u64>,
    /// Most conditions one filter may have.
    pub filter_max_conditions: Option<u64>,
    /// Most values one condition may list.
    pub condition_max_size: Option<u64>,
    /// Limits of multivectors, by vector name.
    pub multivector_config: Option<HashMap<String, StrictModeMultivector>>,
    /// Limits of sparse vectors, by vector name.
    pub sparse_config: Option<HashMap<String, StrictModeSparse>>,
    /// Most points the collection may hold.
    pub max_points_count: Option<u64>,
    /// Most payload indexes the collection may have.
    pub max_payload_index_count: Option<u64>,
    /// Refuses writes above this share of memory in use. Deprecated in the protocol.
    pub max_resident_memory_percent: Option<u32>,
}

impl StrictModeConfig {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::StrictModeConfig;
    ///
    /// client
    ///     .update_collection("my_collection")
    ///     .strict_mode_config(StrictModeConfig::new().enabled(true).max_query_limit(100))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether strict mode is on.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).enabled(true);
    /// ```
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Largest `limit` a query may ask for.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).max_query_limit(100);
    /// ```
    pub fn max_query_limit(mut self, max_query_limit: u32) -> Self {
        self.max_query_limit = Some(max_query_limit);
        self
    }

    /// Longest timeout a request may ask for, in seconds.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).max_timeout(30);
    /// ```
    pub fn max_timeout(mut self, max_timeout: u32) -> Self {
        self.max_timeout = Some(max_timeout);
        self
    }

    /// Allows reads to filter on keys without a payload index.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).unindexed_filtering_retrieve(true);
    /// ```
    pub fn unindexed_filtering_retrieve(mut self, unindexed_filtering_retrieve: bool) -> Self {
        self.unindexed_filtering_retrieve = Some(unindexed_filtering_retrieve);
        self
    }

    /// Allows writes to filter on keys without a payload index.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).unindexed_filtering_update(true);
    /// ```
    pub fn unindexed_filtering_update(mut self, unindexed_filtering_update: bool) -> Self {
        self.unindexed_filtering_update = Some(unindexed_filtering_update);
        self
    }

    /// Largest `hnsw_ef` a search may ask for.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).search_max_hnsw_ef(512);
    /// ```
    pub fn search_max_hnsw_ef(mut self, search_max_hnsw_ef: u32) -> Self {
        self.search_max_hnsw_ef = Some(search_max_hnsw_ef);
        self
    }

    /// Allows exact (unindexed) search.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).search_allow_exact(true);
    /// ```
    pub fn search_allow_exact(mut self, search_allow_exact: bool) -> Self {
        self.search_allow_exact = Some(search_allow_exact);
        self
    }

    /// Largest quantization oversampling a search may ask for.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).search_max_oversampling(4.0);
    /// ```
    pub fn search_max_oversampling(mut self, search_max_oversampling: f32) -> Self {
        self.search_max_oversampling = Some(search_max_oversampling);
        self
    }

    /// Most points one upsert may carry.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).upsert_max_batchsize(1_000);
    /// ```
    pub fn upsert_max_batchsize(mut self, upsert_max_batchsize: u64) -> Self {
        self.upsert_max_batchsize = Some(upsert_max_batchsize);
        self
    }

    /// Most searches one batch may carry.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).search_max_batchsize(100);
    /// ```
    pub fn search_max_batchsize(mut self, search_max_batchsize: u64) -> Self {
        self.search_max_batchsize = Some(search_max_batchsize);
        self
    }

    /// Largest total size of the collection's vectors, in bytes.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).max_collection_vector_size_bytes(10_000_000_000);
    /// ```
    pub fn max_collection_vector_size_bytes(mut self, max_collection_vector_size_bytes: u64) -> Self {
        self.max_collection_vector_size_bytes = Some(max_collection_vector_size_bytes);
        self
    }

    /// Most reads per minute.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).read_rate_limit(1_000);
    /// ```
    pub fn read_rate_limit(mut self, read_rate_limit: u32) -> Self {
        self.read_rate_limit = Some(read_rate_limit);
        self
    }

    /// Most writes per minute.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).write_rate_limit(500);
    /// ```
    pub fn write_rate_limit(mut self, write_rate_limit: u32) -> Self {
        self.write_rate_limit = Some(write_rate_limit);
        self
    }

    /// Largest total size of the collection's payloads, in bytes.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).max_collection_payload_size_bytes(1_000_000_000);
    /// ```
    pub fn max_collection_payload_size_bytes(mut self, max_collection_payload_size_bytes: u64) -> Self {
        self.max_collection_payload_size_bytes = Some(max_collection_payload_size_bytes);
        self
    }

    /// Most conditions one filter may have.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).filter_max_conditions(10);
    /// ```
    pub fn filter_max_conditions(mut self, filter_max_conditions: u64) -> Self {
        self.filter_max_conditions = Some(filter_max_conditions);
        self
    }

    /// Most values one condition may list.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).condition_max_size(100);
    /// ```
    pub fn condition_max_size(mut self, condition_max_size: u64) -> Self {
        self.condition_max_size = Some(condition_max_size);
        self
    }

    /// Limits of the multivector with this name.
    ///
    /// ```
    /// use qdrant_async::{StrictModeConfig, StrictModeMultivector};
    ///
    /// let config = StrictModeConfig::new().multivector("colbert", StrictModeMultivector::new().max_vectors(256));
    /// ```
    pub fn multivector(mut self, name: impl Into<String>, limits: StrictModeMultivector) -> Self {
        self.multivector_config
            .get_or_insert_with(HashMap::new)
            .insert(name.into(), limits);
        self
    }

    /// Limits of the sparse vector with this name.
    ///
    /// ```
    /// use qdrant_async::{StrictModeConfig, StrictModeSparse};
    ///
    /// let config = StrictModeConfig::new().sparse("keywords", StrictModeSparse::new().max_length(500));
    /// ```
    pub fn sparse(mut self, name: impl Into<String>, limits: StrictModeSparse) -> Self {
        self.sparse_config
            .get_or_insert_with(HashMap::new)
            .insert(name.into(), limits);
        self
    }

    /// Most points the collection may hold.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).max_points_count(1_000_000);
    /// ```
    pub fn max_points_count(mut self, max_points_count: u64) -> Self {
        self.max_points_count = Some(max_points_count);
        self
    }

    /// Most payload indexes the collection may have.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).max_payload_index_count(20);
    /// ```
    pub fn max_payload_index_count(mut self, max_payload_index_count: u64) -> Self {
        self.max_payload_index_count = Some(max_payload_index_count);
        self
    }

    /// Refuses writes above this share of memory in use. Deprecated in the protocol.
    ///
    /// ```
    /// use qdrant_async::StrictModeConfig;
    ///
    /// let params = StrictModeConfig::new().enabled(true).max_resident_memory_percent(80);
    /// ```
    pub fn max_resident_memory_percent(mut self, max_resident_memory_percent: u32) -> Self {
        self.max_resident_memory_percent = Some(max_resident_memory_percent);
        self
    }
}

impl From<StrictModeConfig> for proto::StrictModeConfig {
    #[allow(deprecated)]
    fn from(d: StrictModeConfig) -> Self {
        proto::StrictModeConfig {
            enabled: d.enabled,
            max_query_limit: d.max_query_limit,
            max_timeout: d.max_timeout,
            unindexed_filtering_retrieve: d.unindexed_filtering_retrieve,
            unindexed_filtering_update: d.unindexed_filtering_update,
            search_max_hnsw_ef: d.search_max_hnsw_ef,
            search_allow_exact: d.search_allow_exact,
            search_max_oversampling: d.search_max_oversampling,
            upsert_max_batchsize: d.upsert_max_batchsize,
            search_max_batchsize: d.search_max_batchsize,
            max_collection_vector_size_bytes: d.max_collection_vector_size_bytes,
            read_rate_limit: d.read_rate_limit,
            write_rate_limit: d.write_rate_limit,
            max_collection_payload_size_bytes: d.max_collection_payload_size_bytes,
            filter_max_conditions: d.filter_max_conditions,
            condition_max_size: d.condition_max_size,
            multivector_config: d.multivector_config.map(|m| proto::StrictModeMultivectorConfig {
                multivector_config: m.into_iter().map(|(k, v)| (k, v.into())).collect(),
            }),
            sparse_config: d.sparse_config.map(|m| proto::StrictModeSparseConfig {
                sparse_config: m.into_iter().map(|(k, v)| (k, v.into())).collect(),
            }),
            max_points_count: d.max_points_count,
            max_payload_index_count: d.max_payload_index_count,
            max_resident_memory_percent: d.max_resident_memory_percent,
        }
    }
}

impl From<proto::StrictModeConfig> for StrictModeConfig {
    #[allow(deprecated)]
    fn from(p: proto::StrictModeConfig) -> Self {
        StrictModeConfig {
            enabled: p.enabled,
            max_query_limit: p.max_query_limit,
            max_timeout: p.max_timeout,
            unindexed_filtering_retrieve: p.unindexed_filtering_retrieve,
            unindexed_filtering_update: p.unindexed_filtering_update,
            search_max_hnsw_ef: p.search_max_hnsw_ef,
            search_allow_exact: p.search_allow_exact,
            search_max_oversampling: p.search_max_oversampling,
            upsert_max_batchsize: p.upsert_max_batchsize,
            search_max_batchsize: p.search_max_batchsize,
            max_collection_vector_size_bytes: p.max_collection_vector_size_bytes,
            read_rate_limit: p.read_rate_limit,
            write_rate_limit: p.write_rate_limit,
            max_collection_payload_size_bytes: p.max_collection_payload_size_bytes,
            filter_max_conditions: p.filter_max_conditions,
            condition_max_size: p.condition_max_size,
            multivector_config: p.multivector_config.map(|m| {
                m.multivector_config
                    .into_iter()
                    .map(|(k, v)| (k, v.into()))
                    .collect()
            }),
            sparse_config: p
                .sparse_config
                .map(|m| m.sparse_config.into_iter().map(|(k, v)| (k, v.into())).collect()),
            max_points_count: p.max_points_count,
            max_payload_index_count: p.max_payload_index_count,
            max_resident_memory_percent: p.max_resident_memory_percent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// proto → domain → proto keeps every field, and domain → proto → domain
    /// gives the same value back. The protos are written out in full (no
    /// `..Default::default()`), so that a new field fails to compile here.
    fn round_trip<D, P>(p: P)
    where
        D: From<P> + Into<P> + Clone + PartialEq + std::fmt::Debug,
        P: Clone + PartialEq + std::fmt::Debug,
    {
        let d = D::from(p.clone());
        assert_eq!(d.clone().into(), p);
        assert_eq!(D::from(d.clone().into()), d);
    }

    #[test]
    fn memory_round_trips_every_value() {
        for m in [
            Memory::Cold,
            Memory::Cached,
            Memory::Pinned,
            Memory::Unknown(0),
            Memory::Unknown(99),
        ] {
            assert_eq!(Memory::from_wire(m.to_wire()), m);
        }
        assert_eq!(Memory::from_wire(proto::Memory::Pinned as i32), Memory::Pinned);
    }

    #[test]
    #[allow(deprecated)]
    fn hnsw_round_trips() {
        round_trip::<HnswConfigDiff, _>(proto::HnswConfigDiff {
            m: Some(16),
            ef_construct: Some(100),
            full_scan_threshold: Some(10_000),
            max_indexing_threads: Some(2),
            on_disk: Some(true),
            payload_m: Some(8),
            inline_storage: Some(false),
            memory: Some(proto::Memory::Cached as i32),
        });
        round_trip::<HnswConfigDiff, _>(proto::HnswConfigDiff::default());
        let d = HnswConfigDiff::new()
            .m(32)
            .ef_construct(200)
            .memory(Memory::Pinned);
        assert_eq!(
            proto::HnswConfigDiff::from(d).memory,
            Some(proto::Memory::Pinned as i32)
        );
    }

    #[test]
    fn optimizers_round_trip() {
        for threads in [
            proto::max_optimization_threads::Variant::Value(4),
            proto::max_optimization_threads::Variant::Setting(
                proto::max_optimization_threads::Setting::Auto as i32,
            ),
            proto::max_optimization_threads::Variant::Setting(7),
        ] {
            round_trip::<OptimizersConfigDiff, _>(proto::OptimizersConfigDiff {
                deleted_threshold: Some(0.2),
                vacuum_min_vector_number: Some(1000),
                default_segment_number: Some(2),
                max_segment_size: Some(200_000),
                memmap_threshold: Some(50_000),
                indexing_threshold: Some(20_000),
                flush_interval_sec: Some(5),
                deprecated_max_optimization_threads: Some(1),
                max_optimization_threads: Some(proto::MaxOptimizationThreads {
                    variant: Some(threads),
                }),
                prevent_unoptimized: Some(true),
            });
        }
        let auto = OptimizersConfigDiff::new().max_optimization_threads(MaxOptimizationThreads::Auto);
        assert_eq!(
            OptimizersConfigDiff::from(proto::OptimizersConfigDiff::from(auto.clone())),
            auto
        );
    }

    #[test]
    fn wal_and_storage_params_round_trip() {
        round_trip::<WalConfigDiff, _>(proto::WalConfigDiff {
            wal_capacity_mb: Some(32),
            wal_segments_ahead: Some(1),
            wal_retain_closed: Some(3),
        });
        round_trip::<PayloadStorageParams, _>(proto::PayloadStorageParams {
            memory: Some(proto::Memory::Cold as i32),
        });
        round_trip::<IdTrackerParams, _>(proto::IdTrackerParams {
            memory: Some(proto::Memory::Pinned as i32),
        });
    }

    #[test]
    #[allow(deprecated)]
    fn collection_params_diff_round_trips() {
        round_trip::<CollectionParamsDiff, _>(proto::CollectionParamsDiff {
            replication_factor: Some(2),
            write_consistency_factor: Some(1),
            on_disk_payload: Some(true),
            read_fan_out_factor: Some(1),
            read_fan_out_delay_ms: Some(50),
            payload: Some(proto::PayloadStorageParams {
                memory: Some(proto::Memory::Cold as i32),
            }),
            id_tracker: Some(proto::IdTrackerParams {
                memory: Some(proto::Memory::Cached as i32),
            }),
        });
    }

    #[test]
    #[allow(deprecated)]
    fn strict_mode_round_trips() {
        round_trip::<StrictModeConfig, _>(proto::StrictModeConfig {
            enabled: Some(true),
            max_query_limit: Some(100),
            max_timeout: Some(10),
            unindexed_filtering_retrieve: Some(false),
            unindexed_filtering_update: Some(true),
            search_max_hnsw_ef: Some(256),
            search_allow_exact: Some(false),
            search_max_oversampling: Some(2.5),
            upsert_max_batchsize: Some(1000),
            search_max_batchsize: Some(10),
            max_collection_vector_size_bytes: Some(1 << 30),
            read_rate_limit: Some(600),
            write_rate_limit: Some(60),
            max_collection_payload_size_bytes: Some(1 << 20),
            filter_max_conditions: Some(16),
            condition_max_size: Some(100),
            multivector_config: Some(proto::StrictModeMultivectorConfig {
                multivector_config: HashMap::from([(
                    "colbert".to_owned(),
                    proto::StrictModeMultivector {
                        max_vectors: Some(64),
                    },
                )]),
            }),
            sparse_config: Some(proto::StrictModeSparseConfig {
                sparse_config: HashMap::from([(
                    "bm25".to_owned(),
                    proto::StrictModeSparse {
                        max_length: Some(500),
                    },
                )]),
            }),
            max_points_count: Some(1_000_000),
            max_payload_index_count: Some(8),
            max_resident_memory_percent: Some(90),
        });
        let d = StrictModeConfig::new()
            .multivector("colbert", StrictModeMultivector::new().max_vectors(64))
            .sparse("bm25", StrictModeSparse::new().max_length(500));
        let p = proto::StrictModeConfig::from(d);
        assert_eq!(
            p.multivector_config.unwrap().multivector_config["colbert"].max_vectors,
            Some(64)
        );
        assert_eq!(
            p.sparse_config.unwrap().sparse_config["bm25"].max_length,
            Some(500)
        );
    }
}
