//! The workload every client runs, and the driver that runs it with a fixed
//! number of calls in flight while measuring this process.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::measure::Snapshot;

pub const DIM: usize = 768;
pub const BATCH: usize = 256;
/// Upsert batches in flight.
pub const UPSERT_IN_FLIGHT: usize = 8;
/// Queries in flight in the throughput phase.
pub const QUERY_IN_FLIGHT: usize = 32;
pub const TOP: u64 = 10;
/// The collection queried by every client: filled once, before the rounds.
pub const QUERY_COLLECTION: &str = "peers_query";
/// The collection each upsert phase writes, created anew for each phase.
pub const UPSERT_COLLECTION: &str = "peers_upsert";
/// Distinct base vectors; each point changes one component of one of them.
const BASE_VECTORS: usize = 1024;
const TAGS: [&str; 4] = ["red", "green", "blue", "yellow"];

/// How much work each phase does.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Points upserted in each upsert phase, and points in the query collection.
    pub points: u64,
    /// Queries of the throughput phase (32 in flight).
    pub queries: u64,
    /// Queries of the latency phase at concurrency 1.
    pub latency_1: u64,
    /// Queries of the latency phase at concurrency 64.
    pub latency_64: u64,
    /// Calls made before a phase's window opens, to warm connections,
    /// allocator and caches.
    pub warmup_queries: u64,
    /// Query children run the throughput phase only (for profiling).
    pub throughput_only: bool,
}

impl Sizes {
    pub fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                points: 5_120,
                queries: 1_000,
                latency_1: 200,
                latency_64: 640,
                warmup_queries: 64,
                throughput_only: false,
            }
        } else {
            Sizes {
                points: 20_000,
                queries: 5_000,
                latency_1: 1_000,
                latency_64: 3_200,
                warmup_queries: 256,
                throughput_only: false,
            }
        }
    }

    /// Upsert calls: batches of `BATCH`, the last one shorter.
    pub fn batches(&self) -> u64 {
        self.points.div_ceil(BATCH as u64)
    }
}

/// The points' data, generated the same way in every process.
pub struct Data {
    base: Vec<Vec<f32>>,
}

impl Data {
    pub fn new() -> Data {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let base = (0..BASE_VECTORS)
            .map(|_| {
                (0..DIM)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        (x >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                    })
                    .collect()
            })
            .collect();
        Data { base }
    }

    /// The base vector of point `id`, and the one component that makes the
    /// point's vector its own: `(index, value)`.
    pub fn point_parts(&self, id: u64) -> (&[f32], usize, f32) {
        let base = &self.base[id as usize % BASE_VECTORS];
        let k = (id as usize / BASE_VECTORS) % DIM;
        (base, k, base[k] + 0.25)
    }

    /// Point `id`'s vector, owned, as a caller hands it to a client.
    pub fn point_vector(&self, id: u64) -> Vec<f32> {
        let (base, k, value) = self.point_parts(id);
        let mut v = base.to_vec();
        v[k] = value;
        v
    }

    /// The vector of query number `q`.
    pub fn query_vector(&self, q: u64) -> &[f32] {
        &self.base[(q as usize * 7 + 3) % BASE_VECTORS]
    }
}

/// Point `id`'s payload: an integer (its id, checked on every query's
/// first hit), a keyword and a float.
pub fn payload_json(id: u64) -> serde_json::Value {
    serde_json::json!({
        "n": id,
        "tag": tag(id),
        "w": weight(id),
    })
}

/// Point `id`'s payload as a caller's own type holds it: the same three
/// values as [`payload_json`].
#[derive(serde::Serialize)]
pub struct Doc {
    pub n: u64,
    pub tag: &'static str,
    pub w: f64,
}

pub fn payload_doc(id: u64) -> Doc {
    Doc {
        n: id,
        tag: tag(id),
        w: weight(id),
    }
}

/// How the callers hold each point's payload before handing it to their
/// client: a `json!` value (the default), or, with `PEERS_PAYLOAD=struct`,
/// a [`Doc`] that each client takes through its serde support.
pub fn struct_payloads() -> bool {
    static STRUCT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STRUCT.get_or_init(|| std::env::var("PEERS_PAYLOAD").is_ok_and(|v| v == "struct"))
}

/// The keyword of point `id`.
pub fn tag(id: u64) -> &'static str {
    TAGS[id as usize % TAGS.len()]
}

/// The float of point `id`.
pub fn weight(id: u64) -> f64 {
    id as f64 / 8.0 + 0.125
}

/// The ids of upsert batch `b` of a phase of `points` points.
pub fn batch_ids(b: u64, points: u64) -> std::ops::Range<u64> {
    let start = b * BATCH as u64;
    start..(start + BATCH as u64).min(points)
}

/// What one measured phase did and cost.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    /// Calls made.
    pub calls: u64,
    pub wall: Duration,
    pub cpu: Duration,
    pub allocs: u64,
    pub alloc_bytes: u64,
    /// Latency of each call, sorted (empty where calls are not separate).
    pub latencies: Vec<Duration>,
}

impl Measured {
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        percentile(&self.latencies, p)
    }
}

/// The `p` percentile (0 to 1) of sorted latencies, the nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get((last as f64 * p).round() as usize).copied()
}

/// Runs `calls` calls of `op` (numbered from 0), `in_flight` at a time,
/// each in-flight slot a task of its own, and measures the window from the
/// first call to the last answer.
pub async fn drive<F, Fut>(in_flight: usize, calls: u64, op: F) -> anyhow::Result<Measured>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    // One slot per call, allocated before the window opens.
    let latencies: Arc<Vec<AtomicU64>> = Arc::new((0..calls).map(|_| AtomicU64::new(0)).collect());
    let mut workers = Vec::with_capacity(in_flight);
    let before = Snapshot::now();
    let start = Instant::now();
    for _ in 0..in_flight {
        let (op, next, latencies) = (op.clone(), next.clone(), latencies.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= calls {
                    return anyhow::Ok(());
                }
                let t = Instant::now();
                op(i).await?;
                latencies[i as usize].store(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
            }
        }));
    }
    for worker in workers {
        worker.await??;
    }
    let wall = start.elapsed();
    let cost = before.until(Snapshot::now());
    let mut latencies: Vec<Duration> = latencies
        .iter()
        .map(|l| Duration::from_nanos(l.load(Ordering::Relaxed)))
        .collect();
    latencies.sort();
    Ok(Measured {
        calls,
        wall,
        cpu: cost.cpu,
        allocs: cost.allocs,
        alloc_bytes: cost.bytes,
        latencies,
    })
}

/// Measures one call of `work` that makes `calls` calls inside (a bulk
/// upload), with no per-call latency.
pub async fn measure_one<Fut>(calls: u64, work: Fut) -> anyhow::Result<Measured>
where
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let before = Snapshot::now();
    let start = Instant::now();
    tokio::spawn(work).await??;
    let wall = start.elapsed();
    let cost = before.until(Snapshot::now());
    Ok(Measured {
        calls,
        wall,
        cpu: cost.cpu,
        allocs: cost.allocs,
        alloc_bytes: cost.bytes,
        latencies: Vec::new(),
    })
}

/// Measures `work` run once on this thread, for `calls` calls' worth of
/// work (no I/O: building and encoding requests).
pub fn measure_sync(calls: u64, work: impl FnOnce()) -> Measured {
    let before = Snapshot::now();
    let start = Instant::now();
    work();
    let wall = start.elapsed();
    let cost = before.until(Snapshot::now());
    Measured {
        calls,
        wall,
        cpu: cost.cpu,
        allocs: cost.allocs,
        alloc_bytes: cost.bytes,
        latencies: Vec::new(),
    }
}

/// What an upsert costs before any I/O: building the caller's points, and
/// building them and encoding the request as the client does.
pub struct UpsertSplit {
    pub build: Measured,
    pub encode: Measured,
}
