//! The three clients, each running the same phases.

pub mod floor;
pub mod official;
pub mod qdrant_async;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::workload::{Data, Measured, QUERY_IN_FLIGHT, Sizes, drive};

/// The query phases' results: 32 in flight, then concurrency 1 and 64.
pub struct QueryPhases {
    pub throughput: Measured,
    pub latency_1: Measured,
    pub latency_64: Measured,
}

/// Warms up, then runs the three query phases with the same call.
pub async fn query_phases<F, Fut>(sizes: Sizes, query: F) -> anyhow::Result<QueryPhases>
where
    F: Fn(u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    drive(QUERY_IN_FLIGHT, sizes.warmup_queries, query.clone()).await?;
    let throughput = drive(QUERY_IN_FLIGHT, sizes.queries, query.clone()).await?;
    if sizes.throughput_only {
        return Ok(QueryPhases {
            throughput,
            latency_1: Measured::default(),
            latency_64: Measured::default(),
        });
    }
    let latency_1 = drive(1, sizes.latency_1, query.clone()).await?;
    let latency_64 = drive(64, sizes.latency_64, query).await?;
    Ok(QueryPhases {
        throughput,
        latency_1,
        latency_64,
    })
}

/// Checks a query's answer: `TOP` hits, and the best hit's payload `n`
/// equal to its id.
pub fn check_hits(hits: usize, first_id: Option<u64>, first_n: Option<i64>) -> anyhow::Result<()> {
    anyhow::ensure!(
        hits == crate::workload::TOP as usize,
        "expected {} hits, got {hits}",
        crate::workload::TOP
    );
    anyhow::ensure!(
        first_id.is_some() && first_id.map(|id| id as i64) == first_n,
        "the first hit's payload n ({first_n:?}) is not its id ({first_id:?})"
    );
    Ok(())
}

pub type Shared = Arc<Data>;

/// One client's query call, boxed so that the interleaved latency mode can
/// hold the three clients side by side.
pub type QueryOp = Arc<dyn Fn(u64) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>> + Send + Sync>;
