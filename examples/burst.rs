//! A burst of concurrent calls on one default `Client`: how many succeed,
//! how long the burst takes, and the process's peak resident memory.
//!
//! ```sh
//! cargo run --release --example burst -- 10000
//! QDRANT_URL=http://localhost:6334 cargo run --release --example burst -- 100000
//! ```
//!
//! Every call is spawned at once; the calls beyond what the connections
//! carry (streams per connection × connections) wait in the client for a
//! free stream. Without `QDRANT_URL` it runs against an embedded server in
//! this process.

use std::time::Instant;

use qdrant_async::server::EmbeddedServer;
use qdrant_async::{Client, Distance, Point, VectorParams};

const DIM: usize = 32;

fn vector(i: u64) -> Vec<f32> {
    (0..DIM)
        .map(|d| ((i as usize * 31 + d * 7) % 97) as f32 / 97.0)
        .collect()
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let calls: u64 = std::env::args().nth(1).map_or(Ok(10_000), |a| a.parse())?;
    let (url, _server) = match std::env::var("QDRANT_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = EmbeddedServer::start().await?;
            (server.url(), Some(server))
        }
    };
    let client = Client::connect(&url).await?;
    let name = format!("burst_{}", std::process::id());
    client
        .create_collection(&name, VectorParams::new(DIM as u64, Distance::Cosine))
        .await?;
    client
        .upload_points(&name, (0..1000u64).map(|i| Point::new(i, vector(i))))
        .batch_size(500)
        .wait(true)
        .await?;
    let before = peak_rss_mib();
    let started = Instant::now();
    let tasks: Vec<_> = (0..calls)
        .map(|i| {
            let client = client.clone();
            let name = name.clone();
            tokio::spawn(async move {
                if i % 4 == 3 {
                    client
                        .upsert(&name, [Point::new(i % 1000, vector(i))])
                        .wait(false)
                        .await
                        .map(|_| ())
                } else {
                    client.query_points(&name, vector(i)).limit(10).await.map(|_| ())
                }
            })
        })
        .collect();
    let mut ok = 0u64;
    let mut first_error = None;
    for task in tasks {
        match task.await? {
            Ok(()) => ok += 1,
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{calls} concurrent calls (3/4 query_points top 10, 1/4 single-point upserts): {ok} ok, {} failed, {:.2} s, {:.0} calls/s",
        calls - ok,
        elapsed.as_secs_f64(),
        calls as f64 / elapsed.as_secs_f64()
    );
    println!(
        "connections per URL {:?}; peak RSS {before:.1} MiB before the burst, {:.1} MiB after",
        client.connections_per_url(),
        peak_rss_mib()
    );
    if let Some(e) = first_error {
        println!("first error: {e}");
    }
    client.delete_collection(&name).await?;
    Ok(())
}
