//! Load generator: upsert and query workloads at several concurrencies,
//! through the facade and through the raw generated stubs on the same
//! channel, with throughput, latency and the client process's CPU time.
//!
//! ```sh
//! cargo run --release --example loadgen -- --quick
//! QDRANT_URL=http://localhost:6334 cargo run --release --example loadgen
//! ```
//!
//! Without `QDRANT_URL`, the embedded server runs in a child process, so
//! that the CPU time measured here is the client's alone. The last line is
//! `facade/raw cpu per op: X.XX`: the geometric mean, over all cells, of
//! the facade's CPU per operation divided by the raw stubs'.

use std::sync::Arc;
use std::time::{Duration, Instant};

use qdrant_async::{Client, Distance, Point, VectorParams, proto};
use tokio::sync::Semaphore;

const DIM: usize = 768;
const BATCH: usize = 256;
const COLLECTION: &str = "loadgen";

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

struct Cell {
    ops: u64,
    points: u64,
    wall: Duration,
    cpu: Duration,
    latencies: Vec<Duration>,
}

impl Cell {
    fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }
    fn cpu_per_op(&self) -> f64 {
        self.cpu.as_secs_f64() / self.ops.max(1) as f64
    }
}

/// This process's CPU time (user + system), from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the full line: 11 and 12 here.
    let total = ticks(11) + ticks(12);
    Duration::from_secs_f64(total as f64 / 100.0)
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

async fn one_op(
    client: &Client,
    workload: Workload,
    path: Path,
    data: &[Vec<f32>],
    op: u64,
) -> anyhow::Result<()> {
    let base = (op as usize * BATCH) % data.len();
    match (workload, path) {
        (Workload::Upsert, Path::Facade) => {
            let points = (0..BATCH).map(|i| {
                let id = (op * BATCH as u64 + i as u64) % 100_000;
                Point::new(id, data[(base + i) % data.len()].clone())
            });
            client.upsert(COLLECTION, points).wait(true).await?;
        }
        (Workload::Upsert, Path::Raw) => {
            let points = (0..BATCH)
                .map(|i| {
                    let id = (op * BATCH as u64 + i as u64) % 100_000;
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
            let mut raw = client.raw().points;
            raw.upsert(proto::UpsertPoints {
                collection_name: COLLECTION.into(),
                wait: Some(true),
                points,
                ..Default::default()
            })
            .await?;
        }
        (Workload::Query, Path::Facade) => {
            let hits = client
                .query_points(COLLECTION, data[base].clone())
                .limit(10)
                .await?;
            anyhow::ensure!(!hits.is_empty(), "no hits");
        }
        (Workload::Query, Path::Raw) => {
            let mut raw = client.raw().points;
            let response = raw
                .query(proto::QueryPoints {
                    collection_name: COLLECTION.into(),
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
                })
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
    let cpu0 = cpu_time();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(ops as usize);
    for op in 0..ops {
        let permit = semaphore.clone().acquire_owned().await?;
        let client = client.clone();
        let data = data.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let result = one_op(&client, workload, path, &data, op).await;
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
    let concurrencies: &[usize] = &[1, 16, 64, 256];
    let pool_size = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
    let client = Client::builder(&url)
        .pool_size(pool_size)
        .timeout(Duration::from_secs(60))
        .connect()
        .await?;
    if client.collection_exists(COLLECTION).await? {
        client.delete_collection(COLLECTION).await?;
    }
    client
        .create_collection(COLLECTION, VectorParams::new(DIM as u64, Distance::Dot))
        .await?;
    let data = Arc::new(vectors(if quick { 1024 } else { 4096 }, 7));
    // Some points to query.
    client
        .upload_points(
            COLLECTION,
            (0..if quick { 2000u64 } else { 10_000 })
                .map(|i| Point::new(i, data[i as usize % data.len()].clone())),
        )
        .batch_size(256)
        .parallel(4)
        .wait(true)
        .await?;

    println!("target: {url}, pool_size {pool_size}, {DIM} dims, upsert batches of {BATCH}, query top 10");
    println!(
        "{:<7} {:>5} {:<7} {:>9} {:>11} {:>9} {:>9} {:>11}",
        "work", "conc", "path", "ops/s", "points/s", "p50 ms", "p99 ms", "cpu/op us"
    );
    let mut log_ratio_sum = 0.0;
    let mut cells = 0;
    for workload in [Workload::Upsert, Workload::Query] {
        for &concurrency in concurrencies {
            let ops = match (workload, quick) {
                (Workload::Upsert, true) => (concurrency as u64 * 2).clamp(40, 300),
                (Workload::Upsert, false) => (concurrency as u64 * 8).clamp(200, 2000),
                (Workload::Query, true) => (concurrency as u64 * 20).clamp(300, 3000),
                (Workload::Query, false) => (concurrency as u64 * 100).clamp(2000, 20_000),
            };
            // Warm up both paths, then measure each.
            run_cell(
                &client,
                workload,
                Path::Raw,
                concurrency,
                ops / 10 + 1,
                data.clone(),
            )
            .await?;
            let mut per_path = Vec::new();
            for path in [Path::Facade, Path::Raw] {
                let cell = run_cell(&client, workload, path, concurrency, ops, data.clone()).await?;
                println!(
                    "{:<7} {:>5} {:<7} {:>9.0} {:>11.0} {:>9.2} {:>9.2} {:>11.1}",
                    format!("{workload:?}").to_lowercase(),
                    concurrency,
                    format!("{path:?}").to_lowercase(),
                    cell.ops as f64 / cell.wall.as_secs_f64(),
                    cell.points as f64 / cell.wall.as_secs_f64(),
                    cell.percentile(0.5).as_secs_f64() * 1e3,
                    cell.percentile(0.99).as_secs_f64() * 1e3,
                    cell.cpu_per_op() * 1e6,
                );
                per_path.push(cell);
            }
            let ratio = per_path[0].cpu_per_op() / per_path[1].cpu_per_op().max(f64::MIN_POSITIVE);
            if ratio.is_finite() && ratio > 0.0 {
                log_ratio_sum += ratio.ln();
                cells += 1;
            }
        }
    }
    client.delete_collection(COLLECTION).await?;
    let ratio = if cells > 0 {
        (log_ratio_sum / cells as f64).exp()
    } else {
        f64::NAN
    };
    println!("facade/raw cpu per op: {ratio:.2}");
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
