//! Peer benchmark: qdrant-async, the official `qdrant-client` 1.20.0 and a
//! bare HTTP/2 floor client, running the same workload against the same
//! server, in alternating rounds.
//!
//! ```sh
//! cargo run --release --manifest-path benches/peers/Cargo.toml -- [--quick] [--rounds N] [--upsert-only]
//! QDRANT_URL=http://127.0.0.1:6334 cargo run --release --manifest-path benches/peers/Cargo.toml
//! ```
//!
//! Each (client, phase) runs in a child process of its own, so that the
//! CPU time, the allocations and the peak RSS measured are that client's
//! alone; without `QDRANT_URL` the embedded server runs in yet another
//! child process. See README.md for the columns.

mod clients;
mod latency;
mod measure;
mod workload;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use qdrant_async::{Client, CollectionStatus, Distance, OptimizersConfigDiff, Point, VectorParams};

use measure::CountingAlloc;
use workload::{BATCH, DIM, Data, Measured, QUERY_COLLECTION, Sizes, UPSERT_COLLECTION, payload_json};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Who runs a phase, and which phase: the name given to a child process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    AsyncUpsert,
    AsyncUpload,
    OfficialUpsert,
    FloorUpsert,
    AsyncQuery,
    /// qdrant-async reading every hit's whole payload, not only the first
    /// hit's `n`: what a caller that uses every payload pays.
    AsyncQueryAll,
    OfficialQuery,
    FloorQuery,
}

const UPSERT_RUNNERS: [Runner; 4] = [
    Runner::AsyncUpsert,
    Runner::AsyncUpload,
    Runner::OfficialUpsert,
    Runner::FloorUpsert,
];
const QUERY_RUNNERS: [Runner; 4] = [
    Runner::AsyncQuery,
    Runner::AsyncQueryAll,
    Runner::OfficialQuery,
    Runner::FloorQuery,
];
const ALL_RUNNERS: [Runner; 8] = [
    Runner::AsyncUpsert,
    Runner::AsyncUpload,
    Runner::OfficialUpsert,
    Runner::FloorUpsert,
    Runner::AsyncQuery,
    Runner::AsyncQueryAll,
    Runner::OfficialQuery,
    Runner::FloorQuery,
];

impl Runner {
    fn arg(self) -> &'static str {
        match self {
            Runner::AsyncUpsert => "async-upsert",
            Runner::AsyncUpload => "async-upload",
            Runner::OfficialUpsert => "official-upsert",
            Runner::FloorUpsert => "floor-upsert",
            Runner::AsyncQuery => "async-query",
            Runner::AsyncQueryAll => "async-query-all",
            Runner::OfficialQuery => "official-query",
            Runner::FloorQuery => "floor-query",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Runner::AsyncUpsert => "qdrant-async upsert",
            Runner::AsyncUpload => "qdrant-async upload_points",
            Runner::OfficialUpsert => "official qdrant-client 1.20.0",
            Runner::FloorUpsert => "floor (bare h2)",
            Runner::AsyncQuery => "qdrant-async",
            Runner::AsyncQueryAll => "qdrant-async, every payload read",
            Runner::OfficialQuery => "official qdrant-client 1.20.0",
            Runner::FloorQuery => "floor (bare h2)",
        }
    }

    fn parse(s: &str) -> Option<Runner> {
        ALL_RUNNERS.into_iter().find(|r| r.arg() == s)
    }
}

/// The phases a child reports, by name.
const UPSERT: &str = "upsert";
const QUERY_32: &str = "query32";
const LATENCY_1: &str = "latency1";
const LATENCY_64: &str = "latency64";
/// Building the points of the upsert phase, without sending them.
const BUILD: &str = "build";
/// Building them and encoding the requests, without sending them.
const ENCODE: &str = "encode";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if flag("--serve") {
        return runtime.block_on(serve());
    }
    let quick = flag("--quick");
    if let Some(child) = value("--child") {
        let runner = Runner::parse(&child).ok_or_else(|| anyhow::anyhow!("unknown runner {child}"))?;
        let url = value("--url").ok_or_else(|| anyhow::anyhow!("--child needs --url"))?;
        // For profiling one client: `--throughput-only` skips the latency
        // phases, `--no-split` the upsert split, `--queries N` / `--points N`
        // resize the phase.
        let mut sizes = Sizes::new(quick);
        sizes.throughput_only = flag("--throughput-only");
        if let Some(n) = value("--queries") {
            sizes.queries = n.parse()?;
        }
        if let Some(n) = value("--points") {
            sizes.points = n.parse()?;
        }
        return runtime.block_on(run_child(runner, &url, sizes, !flag("--no-split")));
    }
    let rounds: usize = match value("--rounds") {
        Some(r) => r.parse()?,
        None => 3,
    };
    anyhow::ensure!(rounds >= 1, "--rounds must be at least 1");
    if let Some(blocks) = value("--latency") {
        // The clients' latency side by side in this process (latency.rs).
        return runtime.block_on(async {
            let url =
                std::env::var("QDRANT_URL").map_err(|_| anyhow::anyhow!("--latency needs QDRANT_URL"))?;
            let admin = Client::connect(&url).await?;
            prepare_query_collection(&admin, Sizes::new(quick)).await?;
            latency::run(&url, Arc::new(Data::new()), blocks.parse()?).await
        });
    }
    if flag("--prepare-only") {
        // For profiling: the collections the children use, left in place.
        return runtime.block_on(async {
            let url = std::env::var("QDRANT_URL")
                .map_err(|_| anyhow::anyhow!("--prepare-only needs QDRANT_URL"))?;
            let admin = Client::connect(&url).await?;
            prepare_query_collection(&admin, Sizes::new(quick)).await?;
            recreate(&admin, UPSERT_COLLECTION, false).await
        });
    }
    // `--upsert-only`: the upsert phases alone, without the query
    // collection (whose index build takes minutes on a real Qdrant).
    runtime.block_on(orchestrate(
        Sizes::new(quick),
        quick,
        rounds,
        flag("--upsert-only"),
    ))
}

// --- child processes ---------------------------------------------------------

/// Runs one runner's phase in this process and prints what it measured.
async fn run_child(runner: Runner, url: &str, sizes: Sizes, split: bool) -> anyhow::Result<()> {
    let data = Arc::new(Data::new());
    let report = |phase: &str, m: &Measured| {
        let ns = |d: Option<Duration>| d.map_or(0, |d| d.as_nanos());
        println!(
            "RESULT {phase} calls={} wall_ns={} cpu_ns={} allocs={} bytes={} p50_ns={} p99_ns={}",
            m.calls,
            m.wall.as_nanos(),
            m.cpu.as_nanos(),
            m.allocs,
            m.alloc_bytes,
            ns(m.percentile(0.5)),
            ns(m.percentile(0.99)),
        );
    };
    let upsert = match runner {
        Runner::AsyncUpsert => Some(clients::qdrant_async::upsert(url, sizes, data.clone()).await?),
        Runner::AsyncUpload => Some(clients::qdrant_async::upload(url, sizes, data.clone()).await?),
        Runner::OfficialUpsert => Some(clients::official::upsert(url, sizes, data.clone()).await?),
        Runner::FloorUpsert => Some(clients::floor::upsert(url, sizes, data.clone()).await?),
        _ => None,
    };
    if let Some(m) = upsert {
        report(UPSERT, &m);
        // Before any I/O: what building and encoding the same points cost
        // on one thread, after the phase (so that its RSS is the phase's).
        let rss = measure::peak_rss_kib();
        let data = Data::new();
        let split = match runner {
            _ if !split => None,
            Runner::AsyncUpsert => Some(clients::qdrant_async::upsert_split(sizes, &Arc::new(data))?),
            Runner::OfficialUpsert => Some(clients::official::upsert_split(sizes, &Arc::new(data))?),
            Runner::FloorUpsert => Some(clients::floor::upsert_split(sizes, &Arc::new(data))?),
            _ => None,
        };
        if let Some(split) = split {
            report(BUILD, &split.build);
            report(ENCODE, &split.encode);
        }
        println!("RSS {rss}");
        return Ok(());
    } else {
        let phases = match runner {
            Runner::AsyncQuery => clients::qdrant_async::queries(url, sizes, data, false).await?,
            Runner::AsyncQueryAll => clients::qdrant_async::queries(url, sizes, data, true).await?,
            Runner::OfficialQuery => clients::official::queries(url, sizes, data).await?,
            _ => clients::floor::queries(url, sizes, data).await?,
        };
        report(QUERY_32, &phases.throughput);
        report(LATENCY_1, &phases.latency_1);
        report(LATENCY_64, &phases.latency_64);
    }
    println!("RSS {}", measure::peak_rss_kib());
    Ok(())
}

/// One phase's figures from one child, as printed by `run_child`.
#[derive(Clone, Debug, Default)]
struct Row {
    calls: f64,
    wall_s: f64,
    cpu_s: f64,
    allocs: f64,
    bytes: f64,
    p50_s: f64,
    p99_s: f64,
}

/// What a child printed: its phases and its peak RSS in KiB.
fn parse_child(out: &str) -> anyhow::Result<(Vec<(String, Row)>, f64)> {
    let mut phases = Vec::new();
    let mut rss = None;
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("RESULT ") {
            let mut words = rest.split_whitespace();
            let phase = words.next().unwrap_or_default().to_string();
            let mut row = Row::default();
            for word in words {
                let (k, v) = word
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("bad field {word:?}"))?;
                let v: f64 = v.parse()?;
                match k {
                    "calls" => row.calls = v,
                    "wall_ns" => row.wall_s = v / 1e9,
                    "cpu_ns" => row.cpu_s = v / 1e9,
                    "allocs" => row.allocs = v,
                    "bytes" => row.bytes = v,
                    "p50_ns" => row.p50_s = v / 1e9,
                    "p99_ns" => row.p99_s = v / 1e9,
                    _ => {}
                }
            }
            phases.push((phase, row));
        } else if let Some(kib) = line.strip_prefix("RSS ") {
            rss = Some(kib.trim().parse()?);
        }
    }
    Ok((
        phases,
        rss.ok_or_else(|| anyhow::anyhow!("child printed no RSS"))?,
    ))
}

fn spawn_child(runner: Runner, url: &str, quick: bool) -> anyhow::Result<(Vec<(String, Row)>, f64)> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["--child", runner.arg(), "--url", url]);
    if quick {
        command.arg("--quick");
    }
    let output = command.stderr(Stdio::inherit()).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "{} failed ({}): {stdout}",
        runner.arg(),
        output.status
    );
    parse_child(&stdout)
}

// --- the orchestrator ----------------------------------------------------------

/// Every round's figures of one runner's phase.
#[derive(Default)]
struct Cell {
    rounds: Vec<Row>,
    rss_kib: Vec<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

impl Cell {
    /// The median over rounds of `f` of each round.
    fn med(&self, f: impl Fn(&Row) -> f64) -> f64 {
        median(self.rounds.iter().map(f).collect())
    }
    fn rss_mib(&self) -> f64 {
        median(self.rss_kib.clone()) / 1024.0
    }
}

struct Results {
    cells: Vec<((Runner, &'static str), Cell)>,
}

impl Results {
    fn cell(&mut self, runner: Runner, phase: &'static str) -> &mut Cell {
        let i = match self.cells.iter().position(|(k, _)| *k == (runner, phase)) {
            Some(i) => i,
            None => {
                self.cells.push(((runner, phase), Cell::default()));
                self.cells.len() - 1
            }
        };
        &mut self.cells[i].1
    }
}

fn phase_name(name: &str) -> Option<&'static str> {
    [UPSERT, QUERY_32, LATENCY_1, LATENCY_64, BUILD, ENCODE]
        .into_iter()
        .find(|p| *p == name)
}

async fn orchestrate(sizes: Sizes, quick: bool, rounds: usize, upsert_only: bool) -> anyhow::Result<()> {
    let (url, _server) = match std::env::var("QDRANT_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let (url, child) = spawn_server()?;
            (url, Some(child))
        }
    };
    let admin = Client::connect(&url).await?;
    let server = admin.health_check().await?;
    eprintln!("target {url}: {} {}", server.title, server.version);
    if !upsert_only {
        let started = Instant::now();
        prepare_query_collection(&admin, sizes).await?;
        eprintln!(
            "query collection ready: {} points in {:.1} s",
            sizes.points,
            started.elapsed().as_secs_f64()
        );
    }

    let mut results = Results { cells: Vec::new() };
    for round in 0..rounds {
        let rotate = |runners: &[Runner]| {
            let mut r = runners.to_vec();
            r.rotate_left(round % runners.len());
            r
        };
        for runner in rotate(&UPSERT_RUNNERS) {
            recreate(&admin, UPSERT_COLLECTION, false).await?;
            record(&mut results, runner, spawn_child(runner, &url, quick)?, round)?;
            let count = admin.count(UPSERT_COLLECTION).exact(true).await?;
            anyhow::ensure!(
                count == sizes.points,
                "{} left {count} points, not {}",
                runner.arg(),
                sizes.points
            );
        }
        if upsert_only {
            continue;
        }
        for runner in rotate(&QUERY_RUNNERS) {
            record(&mut results, runner, spawn_child(runner, &url, quick)?, round)?;
        }
    }
    admin.delete_collection(UPSERT_COLLECTION).await?;
    if !upsert_only {
        admin.delete_collection(QUERY_COLLECTION).await?;
    }
    print_tables(
        &mut results,
        sizes,
        rounds,
        &url,
        &server.title,
        &server.version,
        upsert_only,
    );
    Ok(())
}

fn record(
    results: &mut Results,
    runner: Runner,
    (phases, rss): (Vec<(String, Row)>, f64),
    round: usize,
) -> anyhow::Result<()> {
    for (name, row) in phases {
        let phase = phase_name(&name).ok_or_else(|| anyhow::anyhow!("unknown phase {name}"))?;
        eprintln!(
            "round {} {:<16} {:<9} {:>8.0} calls/s  cpu {:>8.1} µs/call  {:>7.1} allocs/call",
            round + 1,
            runner.arg(),
            phase,
            row.calls / row.wall_s,
            row.cpu_s / row.calls * 1e6,
            row.allocs / row.calls
        );
        let cell = results.cell(runner, phase);
        cell.rounds.push(row);
        cell.rss_kib.push(rss);
    }
    Ok(())
}

fn print_tables(
    results: &mut Results,
    sizes: Sizes,
    rounds: usize,
    url: &str,
    title: &str,
    version: &str,
    upsert_only: bool,
) {
    let points = sizes.points as f64;
    println!(
        "peers: {url} ({title} {version}); {} points × {DIM} dims; median of {rounds} rounds, clients in rotated order",
        sizes.points
    );
    println!();
    println!(
        "upsert: {} points in batches of {BATCH}, {} in flight, wait=true (CPU and allocations per point and per call = per batch)",
        sizes.points,
        workload::UPSERT_IN_FLIGHT
    );
    println!(
        "| {:<29} | {:>9} | {:>13} | {:>12} | {:>11} | {:>15} | {:>12} |",
        "client", "points/s", "cpu µs/point", "allocs/point", "allocs/call", "alloc KiB/call", "peak RSS MiB"
    );
    println!(
        "|{:-<31}|{:->11}|{:->15}|{:->14}|{:->13}|{:->17}|{:->14}|",
        ":", ":", ":", ":", ":", ":", ":"
    );
    for runner in UPSERT_RUNNERS {
        let c = results.cell(runner, UPSERT);
        println!(
            "| {:<29} | {:>9.0} | {:>13.2} | {:>12.2} | {:>11.1} | {:>15.1} | {:>12.1} |",
            runner.label(),
            c.med(|r| points / r.wall_s),
            c.med(|r| r.cpu_s / points * 1e6),
            c.med(|r| r.allocs / points),
            c.med(|r| r.allocs / r.calls),
            c.med(|r| r.bytes / r.calls / 1024.0),
            c.rss_mib(),
        );
    }
    println!();
    println!(
        "upsert CPU per point, split: the same points built, and built and encoded, on one thread without I/O"
    );
    println!(
        "| {:<29} | {:>11} | {:>12} | {:>11} | {:>11} | {:>24} |",
        "client", "whole µs/pt", "build µs/pt", "encode µs/pt", "allocs/pt", "rest µs/pt (send, answer)"
    );
    println!(
        "|{:-<31}|{:->13}|{:->14}|{:->13}|{:->13}|{:->26}|",
        ":", ":", ":", ":", ":", ":"
    );
    for runner in [Runner::AsyncUpsert, Runner::OfficialUpsert, Runner::FloorUpsert] {
        let whole = results.cell(runner, UPSERT).med(|r| r.cpu_s / points * 1e6);
        let build = results.cell(runner, BUILD).med(|r| r.cpu_s / r.calls * 1e6);
        let built = results.cell(runner, ENCODE);
        let encode = built.med(|r| r.cpu_s / r.calls * 1e6) - build;
        let allocs = built.med(|r| r.allocs / r.calls);
        println!(
            "| {:<29} | {:>11.2} | {:>12.2} | {:>12.2} | {:>11.2} | {:>25.2} |",
            runner.label(),
            whole,
            build,
            encode,
            allocs,
            whole - build - encode,
        );
    }
    println!();
    if upsert_only {
        print_upsert_ratios(results, points);
        return;
    }
    println!(
        "query: {} top-10 queries with payload, {} in flight",
        sizes.queries,
        workload::QUERY_IN_FLIGHT
    );
    println!(
        "| {:<29} | {:>9} | {:>13} | {:>12} | {:>15} | {:>7} | {:>7} | {:>12} |",
        "client",
        "queries/s",
        "cpu µs/query",
        "allocs/query",
        "alloc KiB/query",
        "p50 ms",
        "p99 ms",
        "peak RSS MiB"
    );
    println!(
        "|{:-<31}|{:->11}|{:->15}|{:->14}|{:->17}|{:->9}|{:->9}|{:->14}|",
        ":", ":", ":", ":", ":", ":", ":", ":"
    );
    for runner in QUERY_RUNNERS {
        let c = results.cell(runner, QUERY_32);
        println!(
            "| {:<29} | {:>9.0} | {:>13.1} | {:>12.1} | {:>15.2} | {:>7.2} | {:>7.2} | {:>12.1} |",
            runner.label(),
            c.med(|r| r.calls / r.wall_s),
            c.med(|r| r.cpu_s / r.calls * 1e6),
            c.med(|r| r.allocs / r.calls),
            c.med(|r| r.bytes / r.calls / 1024.0),
            c.med(|r| r.p50_s * 1e3),
            c.med(|r| r.p99_s * 1e3),
            c.rss_mib(),
        );
    }
    println!();
    println!(
        "query latency: {} queries at concurrency 1, {} at concurrency 64",
        sizes.latency_1, sizes.latency_64
    );
    println!(
        "| {:<29} | {:>8} | {:>8} | {:>9} | {:>8} | {:>9} | {:>9} | {:>10} | {:>9} | {:>9} |",
        "client",
        "c1 p50ms",
        "c1 p99ms",
        "c1 cpu µs",
        "c1 alloc",
        "c1 q/s",
        "c64 p50ms",
        "c64 p99ms",
        "c64 cpu µs",
        "c64 alloc"
    );
    println!(
        "|{:-<31}|{:->10}|{:->10}|{:->11}|{:->10}|{:->11}|{:->11}|{:->12}|{:->11}|{:->11}|",
        ":", ":", ":", ":", ":", ":", ":", ":", ":", ":"
    );
    for runner in QUERY_RUNNERS {
        let c1 = results.cell(runner, LATENCY_1);
        let (p50_1, p99_1) = (c1.med(|r| r.p50_s * 1e3), c1.med(|r| r.p99_s * 1e3));
        let (cpu_1, alloc_1) = (
            c1.med(|r| r.cpu_s / r.calls * 1e6),
            c1.med(|r| r.allocs / r.calls),
        );
        let qps_1 = c1.med(|r| r.calls / r.wall_s);
        let c64 = results.cell(runner, LATENCY_64);
        println!(
            "| {:<29} | {:>8.2} | {:>8.2} | {:>9.1} | {:>8.1} | {:>9.0} | {:>9.2} | {:>10.2} | {:>9.1} | {:>9.1} |",
            runner.label(),
            p50_1,
            p99_1,
            cpu_1,
            alloc_1,
            qps_1,
            c64.med(|r| r.p50_s * 1e3),
            c64.med(|r| r.p99_s * 1e3),
            c64.med(|r| r.cpu_s / r.calls * 1e6),
            c64.med(|r| r.allocs / r.calls),
        );
    }
    println!();

    let cpu_per_query = |results: &mut Results, r| results.cell(r, QUERY_32).med(|row| row.cpu_s / row.calls);
    let query = cpu_per_query(results, Runner::AsyncQuery);
    let query_all = cpu_per_query(results, Runner::AsyncQueryAll);
    let official_query = cpu_per_query(results, Runner::OfficialQuery);
    let floor_query = cpu_per_query(results, Runner::FloorQuery);
    println!("client CPU against the official client and the floor (medians above):");
    println!(
        "  per query:          qdrant-async {:.2} × official, {:.2} × floor; official {:.2} × floor",
        query / official_query,
        query / floor_query,
        official_query / floor_query
    );
    println!(
        "  per query, every payload read: qdrant-async {:.2} × official, {:.2} × floor",
        query_all / official_query,
        query_all / floor_query
    );
    let upsert = per_point_ratios(results, points);
    println!("query cpu vs official: {:.2}", query / official_query);
    println!("upsert cpu vs official: {upsert:.2}");
}

/// The last lines of an `--upsert-only` run.
fn print_upsert_ratios(results: &mut Results, points: f64) {
    println!("client CPU against the official client and the floor (medians above):");
    let upsert = per_point_ratios(results, points);
    println!("upsert cpu vs official: {upsert:.2}");
}

/// Prints the clients' CPU per point against each other; returns the
/// better of qdrant-async's `upsert` and `upload_points` against the
/// official client.
fn per_point_ratios(results: &mut Results, points: f64) -> f64 {
    let cpu_per_point = |results: &mut Results, r| results.cell(r, UPSERT).med(|row| row.cpu_s / points);
    let upsert = cpu_per_point(results, Runner::AsyncUpsert);
    let upload = cpu_per_point(results, Runner::AsyncUpload);
    let official_point = cpu_per_point(results, Runner::OfficialUpsert);
    let floor_point = cpu_per_point(results, Runner::FloorUpsert);
    let (best, best_name) = if upload < upsert {
        (upload, "upload_points")
    } else {
        (upsert, "upsert")
    };
    println!(
        "  per point, upsert:  qdrant-async {:.2} × official, {:.2} × floor; official {:.2} × floor",
        upsert / official_point,
        upsert / floor_point,
        official_point / floor_point
    );
    println!(
        "  per point, upload_points: qdrant-async {:.2} × official, {:.2} × floor",
        upload / official_point,
        upload / floor_point
    );
    println!("  upsert ratio below uses the better of upsert and upload_points: {best_name}");
    best / official_point
}

// --- server and collections -----------------------------------------------------

/// The upsert collection has indexing turned off (`indexing_threshold` 0),
/// so that no index build from one phase runs on during the next.
async fn recreate(admin: &Client, name: &str, indexed: bool) -> anyhow::Result<()> {
    if admin.collection_exists(name).await? {
        admin.delete_collection(name).await?;
    }
    let mut create = admin.create_collection(name, VectorParams::new(DIM as u64, Distance::Cosine));
    if !indexed {
        create = create.optimizers_config(OptimizersConfigDiff::new().indexing_threshold(0));
    }
    create.await?;
    Ok(())
}

/// Fills the query collection and waits until the server has finished
/// optimizing it (its HNSW index built), so that no index build runs
/// during the measured phases.
async fn prepare_query_collection(admin: &Client, sizes: Sizes) -> anyhow::Result<()> {
    recreate(admin, QUERY_COLLECTION, true).await?;
    let data = Data::new();
    admin
        .upload_points(
            QUERY_COLLECTION,
            (0..sizes.points).map(|id| Point::new(id, data.point_vector(id)).payload(payload_json(id))),
        )
        .batch_size(BATCH)
        .parallel(4)
        .wait(true)
        .await?;
    // Done when green with every vector indexed; or green with none
    // indexed for 10 s in a row, as on a server that searches exactly
    // (the embedded one).
    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut green_unindexed = 0;
    loop {
        let info = admin.get_collection(QUERY_COLLECTION).await?;
        let indexed = info.indexed_vectors_count.unwrap_or(0);
        if info.status == CollectionStatus::Green {
            anyhow::ensure!(
                info.points_count == Some(sizes.points),
                "query collection has {:?} points",
                info.points_count
            );
            if indexed >= sizes.points {
                eprintln!("query collection indexed: {indexed} vectors");
                return Ok(());
            }
            if indexed == 0 {
                green_unindexed += 1;
                if green_unindexed >= 10 {
                    eprintln!("query collection not indexed: the server searches exactly");
                    return Ok(());
                }
            }
        } else {
            green_unindexed = 0;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "query collection still {:?}, {indexed} vectors indexed",
            info.status
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Child mode: the embedded server; prints its URL, stops when stdin closes.
async fn serve() -> anyhow::Result<()> {
    use tokio::io::AsyncReadExt;
    let server = qdrant_async::server::EmbeddedServer::start().await?;
    println!("{}", server.url());
    let mut sink = Vec::new();
    tokio::io::stdin().read_to_end(&mut sink).await?;
    server.shutdown().await;
    Ok(())
}

struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_server() -> anyhow::Result<(String, ServerProcess)> {
    use std::io::BufRead;
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout from the server process"))?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    anyhow::ensure!(line.starts_with("http"), "server process printed {line:?}");
    Ok((line.trim().to_string(), ServerProcess(child)))
}
