//! Latency of the three clients measured side by side (`--latency`).
//!
//! The rounds of the main run measure each client's latency in a process of
//! its own, minutes apart; on a shared 2-vCPU machine the server's and the
//! machine's speed drift by more than the 5 % the latency target asks about.
//! Here the three clients live in one process and take turns in short
//! blocks (at concurrency 1, then at 64), in an order rotated every block,
//! so that a drift falls on all three alike. Each client's percentiles are
//! taken over all its blocks' calls together. Latency only: the CPU and
//! allocations of one client cannot be told apart in a shared process.

use std::time::Duration;

use crate::clients::{QueryOp, Shared, floor, official, qdrant_async};
use crate::workload::{QUERY_IN_FLIGHT, drive, percentile};

/// Calls per block at concurrency 1 and at 64.
const C1_BLOCK: u64 = 100;
const C64_BLOCK: u64 = 640;

/// One client's calls, pooled over the blocks.
struct Pooled {
    name: &'static str,
    op: QueryOp,
    c1: Vec<Duration>,
    c64: Vec<Duration>,
}

/// Runs `blocks` blocks of each client at each concurrency and prints the
/// percentiles, and each against the floor's.
pub async fn run(url: &str, data: Shared, blocks: u64) -> anyhow::Result<()> {
    let mut clients = [
        Pooled::new(
            "qdrant-async",
            qdrant_async::query_op(url, data.clone(), false).await?,
        ),
        Pooled::new(
            "qdrant-async, every payload read",
            qdrant_async::query_op(url, data.clone(), true).await?,
        ),
        Pooled::new(
            "official qdrant-client 1.20.0",
            official::query_op(url, data.clone())?,
        ),
        Pooled::new("floor (bare h2)", floor::query_op(url, data).await?),
    ];
    for client in &clients {
        drive(QUERY_IN_FLIGHT, 256, call(&client.op, 0)).await?;
    }
    let n = clients.len() as u64;
    for block in 0..blocks {
        for (in_flight, calls) in [(1, C1_BLOCK), (64, C64_BLOCK)] {
            for k in 0..n {
                let client = &mut clients[((block + k) % n) as usize];
                // Each block asks other queries than the last.
                let measured = drive(in_flight, calls, call(&client.op, block * calls)).await?;
                let pool = if in_flight == 1 {
                    &mut client.c1
                } else {
                    &mut client.c64
                };
                pool.extend(measured.latencies);
            }
        }
        eprintln!("latency block {} of {blocks}", block + 1);
    }
    for client in &mut clients {
        client.c1.sort();
        client.c64.sort();
    }
    let percentiles = |c: &Pooled| {
        [
            percentile(&c.c1, 0.5).unwrap_or_default(),
            percentile(&c.c1, 0.99).unwrap_or_default(),
            percentile(&c.c64, 0.5).unwrap_or_default(),
            percentile(&c.c64, 0.99).unwrap_or_default(),
        ]
    };
    let floor = percentiles(&clients[clients.len() - 1]);
    println!(
        "query latency, the clients side by side in one process: {blocks} blocks of {C1_BLOCK} calls at concurrency 1 and {C64_BLOCK} at 64 each, order rotated per block"
    );
    println!(
        "| {:<32} | {:>8} | {:>8} | {:>9} | {:>9} | {:>27} |",
        "client", "c1 p50ms", "c1 p99ms", "c64 p50ms", "c64 p99ms", "vs floor: c1 p50/p99, c64 p50/p99"
    );
    println!(
        "|:{}|{}:|{}:|{}:|{}:|{}:|",
        "-".repeat(33),
        "-".repeat(9),
        "-".repeat(9),
        "-".repeat(10),
        "-".repeat(10),
        "-".repeat(28)
    );
    for client in &clients {
        let p = percentiles(client);
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let ratios: Vec<String> = p
            .iter()
            .zip(floor)
            .map(|(d, f)| format!("{:.2}", d.as_secs_f64() / f.as_secs_f64()))
            .collect();
        println!(
            "| {:<32} | {:>8.2} | {:>8.2} | {:>9.2} | {:>9.2} | {:>27} |",
            client.name,
            ms(p[0]),
            ms(p[1]),
            ms(p[2]),
            ms(p[3]),
            ratios.join(" / ")
        );
    }
    Ok(())
}

impl Pooled {
    fn new(name: &'static str, op: QueryOp) -> Self {
        Pooled {
            name,
            op,
            c1: Vec::new(),
            c64: Vec::new(),
        }
    }
}

/// A client's call for `drive`, its query numbers shifted by `offset`.
fn call(
    op: &QueryOp,
    offset: u64,
) -> impl Fn(u64) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>> + Send + Sync + 'static
{
    let op = op.clone();
    move |q| op(q + offset)
}
