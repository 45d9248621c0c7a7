//! Load generator: upsert and query workloads at several concurrencies,
//! through the facade and through the raw generated stubs on the same
//! channel, with throughput, latency and the client process's CPU time.
//!
//! ```sh
//! cargo run --release --example loadgen -- --quick
//! cargo run --release --example loadgen
//! cargo run --release --example loadgen -- --memory
//! QDRANT_URL=http://localhost:6334 cargo run --release --example loadgen
//! ```
//!
//! Without `QDRANT_URL`, the embedded server runs in a child process, so
//! that the CPU time measured here is the client's alone.
//!
//! Workloads: upsert (768 dims, batches of 256, into a collection whose ids
//! cycle so that it keeps its size) and query_points (top 10 of a fixed
//! collection), each at concurrency 1, 16, 64 and 256, through the facade
//! and through the raw stubs; then `upload_points` against the raw stubs'
//! best upsert throughput. The last line is `facade/raw cpu per op: X.XX`:
//! the geometric mean, over all cells, of the facade's CPU per operation
//! divided by the raw stubs', each the median of five alternating rounds.
//!
//! `--memory` instead uploads 1,000,000 small points and reports this
//! process's peak resident memory (VmHWM) along the way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use qdrant_async::{Client, Distance, Point, VectorParams, proto};
use tokio::sync::Semaphore;

const DIM: usize = 768;
const BATCH: usize = 256;
/// The upsert workload's collection; its ids cycle through `UPSERT_IDS`.
const UPSERTS: &str = "loadgen_upsert";
const UPSERT_IDS: u64 = 16 * BATCH as u64;
/// The query workload's collection, of a fixed size.
const QUERIES: &str = "loadgen_query";
/// Rounds per cell, alternating the two paths; CPU per op is their median.
const ROUNDS: u64 = 5;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Workload {
    Upsert,
    Query,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Path {
    Facade,
    Raw,
}

#[derive(Default)]
struct Cell {
    ops: u64,
    points: u64,
    wall: Duration,
    cpu: Duration,
    latencies: Vec<Duration>,
    /// CPU per op of each round merged into this cell.
    round_cpu_per_op: Vec<f64>,
}

impl Cell {
    fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }
    /// The median over rounds of the CPU time per operation.
    fn cpu_per_op(&self) -> f64 {
        let mut r = self.round_cpu_per_op.clone();
        r.sort_by(f64::total_cmp);
        r.get(r.len() / 2).copied().unwrap_or(f64::NAN)
    }
    fn merge(&mut self, round: Cell) {
        self.round_cpu_per_op
            .push(round.cpu.as_secs_f64() / round.ops.max(1) as f64);
        self.ops += round.ops;
        self.points += round.points;
        self.wall += round.wall;
        self.cpu += round.cpu;
        self.latencies.extend(round.latencies);
    }
    fn points_per_second(&self) -> f64 {
        self.points as f64 / self.wall.as_secs_f64()
    }
}

/// This process's CPU time (user + system, all threads).
fn cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// This process's peak resident memory, from /proc/self/status, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn vectors(n: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    (0..n)
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
        .collect()
}

/// The deadline of every call: the facade's by the client's default, the
/// raw stubs' on each request, so that both pay for the same timers.
const DEADLINE: Duration = Duration::from_secs(60);

fn with_deadline<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(DEADLINE);
    request
}

async fn one_op(
    client: &Client,
    mut raw: proto::points_client::PointsClient<qdrant_async::RawChannel>,
    workload: Workload,
    path: Path,
    data: &[Vec<f32>],
    op: u64,
) -> anyhow::Result<()> {
    let base = (op as usize * BATCH) % data.len();
    match (workload, path) {
        (Workload::Upsert, Path::Facade) => {
            let points = (0..BATCH).map(|i| {
                let id = (op * BATCH as u64 + i as u64) % UPSERT_IDS;
                Point::new(id, data[(base + i) % data.len()].clone())
            });
            client.upsert(UPSERTS, points).wait(true).await?;
        }
        (Workload::Upsert, Path::Raw) => {
            let points = (0..BATCH)
                .map(|i| {
                    let id = (op * BATCH as u64 + i as u64) % UPSERT_IDS;
                    proto::PointStruct {
                        id: Some(proto::PointId {
                            point_id_options: Some(proto::point_id::PointIdOptions::Num(id)),
                        }),
                        payload: Default::default(),
                        vectors: Some(proto::Vectors {
                            vectors_options: Some(proto::vectors::VectorsOptions::Vector(proto::Vector {
                                vector: Some(proto::vector::Vector::Dense(proto::DenseVector {
                                    data: data[(base + i) % data.len()].clone(),
                                })),
                                ..Default::default()
                            })),
                        }),
                    }
                })
                .collect();
            raw.upsert(with_deadline(proto::UpsertPoints {
                collection_name: UPSERTS.into(),
                wait: Some(true),
                points,
                ..Default::default()
            }))
            .await?;
        }
        (Workload::Query, Path::Facade) => {
            let hits = client.query_points(QUERIES, data[base].clone()).limit(10).await?;
            anyhow::ensure!(!hits.is_empty(), "no hits");
        }
        (Workload::Query, Path::Raw) => {
            let response = raw
                .query(with_deadline(proto::QueryPoints {
                    collection_name: QUERIES.into(),
                    query: Some(proto::Query {
                        variant: Some(proto::query::Variant::Nearest(proto::VectorInput {
                            variant: Some(proto::vector_input::Variant::Dense(proto::DenseVector {
                                data: data[base].clone(),
                            })),
                        })),
                    }),
                    limit: Some(10),
                    with_payload: Some(proto::WithPayloadSelector {
                        selector_options: Some(proto::with_payload_selector::SelectorOptions::Enable(true)),
                    }),
                    ..Default::default()
                }))
                .await?;
            anyhow::ensure!(!response.into_inner().result.is_empty(), "no hits");
        }
    }
    Ok(())
}

async fn run_cell(
    client: &Client,
    workload: Workload,
    path: Path,
    concurrency: usize,
    ops: u64,
    data: Arc<Vec<Vec<f32>>>,
) -> anyhow::Result<Cell> {
    let semaphore = Arc::new(Semaphore::new(concurrency));
    // The stubs are made once, as a service would, and cloned per task.
    let raw = client.raw().points;
    let cpu0 = cpu_time();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(ops as usize);
    for op in 0..ops {
        let permit = semaphore.clone().acquire_owned().await?;
        let client = client.clone();
        let raw = raw.clone();
        let data = data.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let result = one_op(&client, raw, workload, path, &data, op).await;
            drop(permit);
            result.map(|()| t.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    for task in tasks {
        latencies.push(task.await??);
    }
    let wall = start.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    let points = if workload == Workload::Upsert {
        ops * BATCH as u64
    } else {
        ops
    };
    Ok(Cell {
        ops,
        points,
        wall,
        cpu,
        latencies,
        round_cpu_per_op: Vec::new(),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        return serve().await;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let (url, _child) = match std::env::var("QDRANT_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let (url, child) = spawn_server()?;
            (url, Some(child))
        }
    };
    let pool_size = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
    let client = Client::builder(&url)
        .pool_size(pool_size)
        .timeout(DEADLINE)
        .connect()
        .await?;
    if args.iter().any(|a| a == "--memory") {
        return memory(&client).await;
    }
    let data = Arc::new(vectors(1024, 7));
    for name in [UPSERTS, QUERIES] {
        recreate(&client, name, DIM).await?;
    }
    // The query workload's points.
    let query_points = if quick { 1_000 } else { 5_000 };
    client
        .upload_points(
            QUERIES,
            (0..query_points).map(|i| Point::new(i, data[i as usize % data.len()].clone())),
        )
        .batch_size(BATCH)
        .parallel(4)
        .wait(true)
        .await?;

    println!(
        "target: {url}, pool_size {pool_size}, {DIM} dims, upsert batches of {BATCH}, \
         query top 10 of {query_points} points"
    );
    println!(
        "{:<7} {:>5} {:<7} {:>9} {:>11} {:>9} {:>9} {:>11}",
        "work", "conc", "path", "ops/s", "points/s", "p50 ms", "p99 ms", "cpu/op us"
    );
    let mut log_ratio_sum = 0.0;
    let mut cells = 0;
    let mut best_raw_upsert: f64 = 0.0;
    for workload in [Workload::Upsert, Workload::Query] {
        for concurrency in [1, 16, 64, 256] {
            let ops = match (workload, quick) {
                // At least twice the concurrency in each round.
                (Workload::Upsert, true) => (concurrency as u64 * 10).clamp(250, 2560),
                (Workload::Upsert, false) => (concurrency as u64 * 40).clamp(1000, 10_240),
                (Workload::Query, true) => (concurrency as u64 * 20).clamp(1000, 5120),
                (Workload::Query, false) => (concurrency as u64 * 40).clamp(2500, 10_240),
            };
            // Warm up, then measure both paths in alternating rounds, so
            // that drift in the machine's load falls on both alike.
            run_cell(
                &client,
                workload,
                Path::Raw,
                concurrency,
                ops / 10 + 1,
                data.clone(),
            )
            .await?;
            let mut per_path = [Cell::default(), Cell::default()];
            for round in 0..ROUNDS {
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for i in order {
                    let path = [Path::Facade, Path::Raw][i];
                    let cell =
                        run_cell(&client, workload, path, concurrency, ops / ROUNDS, data.clone()).await?;
                    per_path[i].merge(cell);
                }
            }
            for (cell, path) in per_path.iter().zip([Path::Facade, Path::Raw]) {
                println!(
                    "{:<7} {:>5} {:<7} {:>9.0} {:>11.0} {:>9.2} {:>9.2} {:>11.1}",
                    format!("{workload:?}").to_lowercase(),
                    concurrency,
                    format!("{path:?}").to_lowercase(),
                    cell.ops as f64 / cell.wall.as_secs_f64(),
                    cell.points_per_second(),
                    cell.percentile(0.5).as_secs_f64() * 1e3,
                    cell.percentile(0.99).as_secs_f64() * 1e3,
                    cell.cpu_per_op() * 1e6,
                );
            }
            if workload == Workload::Upsert {
                best_raw_upsert = best_raw_upsert.max(per_path[1].points_per_second());
            }
            let ratio = per_path[0].cpu_per_op() / per_path[1].cpu_per_op().max(f64::MIN_POSITIVE);
            if ratio.is_finite() && ratio > 0.0 {
                log_ratio_sum += ratio.ln();
                cells += 1;
            }
        }
    }

    // upload_points against the best the raw stubs did above.
    let upload_points = if quick {
        300 * BATCH as u64
    } else {
        1000 * BATCH as u64
    };
    let mut best_upload: f64 = 0.0;
    for parallel in [16, 64] {
        let summary = client
            .upload_points(
                UPSERTS,
                (0..upload_points).map(|i| Point::new(i % UPSERT_IDS, data[i as usize % data.len()].clone())),
            )
            .batch_size(BATCH)
            .parallel(parallel)
            .wait(true)
            .await?;
        let rate = summary.points as f64 / summary.elapsed.as_secs_f64();
        best_upload = best_upload.max(rate);
        println!(
            "upload_points: {} points, batch_size {BATCH}, parallel {parallel}: {rate:.0} points/s",
            summary.points
        );
    }
    println!(
        "upload_points / best raw upsert: {best_upload:.0} / {best_raw_upsert:.0} points/s = {:.2}",
        best_upload / best_raw_upsert
    );

    for name in [UPSERTS, QUERIES] {
        client.delete_collection(name).await?;
    }
    let ratio = if cells > 0 {
        (log_ratio_sum / cells as f64).exp()
    } else {
        f64::NAN
    };
    println!("facade/raw cpu per op: {ratio:.2}");
    Ok(())
}

async fn recreate(client: &Client, name: &str, dim: usize) -> anyhow::Result<()> {
    if client.collection_exists(name).await? {
        client.delete_collection(name).await?;
    }
    client
        .create_collection(name, VectorParams::new(dim as u64, Distance::Dot))
        .await?;
    Ok(())
}

/// Uploads 1,000,000 small points (4 dims and a small payload), generated
/// lazily, and reports this process's peak resident memory along the way.
async fn memory(client: &Client) -> anyhow::Result<()> {
    const POINTS: u64 = 1_000_000;
    const NAME: &str = "loadgen_memory";
    let (batch_size, parallel) = (1_000, 8);
    recreate(client, NAME, 4).await?;
    let before = peak_rss_mib();
    let marks = Arc::new(std::sync::Mutex::new(Vec::new()));
    let progress_marks = marks.clone();
    let summary = client
        .upload_points(
            NAME,
            (0..POINTS).map(|i| {
                let x = i as f32;
                Point::new(i, [x.sin(), x.cos(), 1.0, 0.5]).payload(qdrant_async::Payload::from([
                    ("n", qdrant_async::Value::from(i as i64)),
                    (
                        "tag",
                        qdrant_async::Value::from(if i % 2 == 0 { "even" } else { "odd" }),
                    ),
                ]))
            }),
        )
        .batch_size(batch_size)
        .parallel(parallel)
        .on_progress(move |p| {
            // A mark at every tenth of the upload.
            if let Ok(mut marks) = progress_marks.lock()
                && p.points >= (marks.len() as u64 + 1) * (POINTS / 10)
            {
                marks.push((p.points, peak_rss_mib()));
            }
        })
        .await?;
    let count = client.count(NAME).exact(true).await?;
    println!("peak RSS before the upload: {before:.1} MiB");
    for (points, peak) in marks.lock().map(|m| m.clone()).unwrap_or_default() {
        println!("peak RSS after {points:>7} points: {peak:.1} MiB");
    }
    println!(
        "uploaded {} points (count {count}) in {:.1} s, batch_size {batch_size}, parallel {parallel}, \
         {} batches, {} retries; peak RSS {:.1} MiB",
        summary.points,
        summary.elapsed.as_secs_f64(),
        summary.batches,
        summary.retries,
        peak_rss_mib()
    );
    client.delete_collection(NAME).await?;
    Ok(())
}

/// Child mode: run the embedded server, print its URL, stop when stdin closes.
async fn serve() -> anyhow::Result<()> {
    use tokio::io::AsyncReadExt;
    let server = qdrant_async::server::EmbeddedServer::start().await?;
    println!("{}", server.url());
    let mut sink = Vec::new();
    tokio::io::stdin().read_to_end(&mut sink).await?;
    server.shutdown().await;
    Ok(())
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_server() -> anyhow::Result<(String, Child)> {
    use std::io::BufRead;
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .arg("--serve")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout from the server process"))?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    anyhow::ensure!(line.starts_with("http"), "server process printed {line:?}");
    Ok((line.trim().to_string(), Child(child)))
}
