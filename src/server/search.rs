//! The search engine: exact scoring for every distance, sparse and
//! multi-dense vectors, and every query kind (nearest, recommend, discover,
//! context, order by, fusion, formula, sample, MMR, relevance feedback),
//! prefetch trees, groups, facets and search matrices.
//!
//! A query runs as Qdrant 1.19 plans it: filters (and the ids a query
//! names) apply at the leaves of the prefetch tree; each level re-scores
//! the union of its prefetches' results; fusion and MMR of the top level
//! run last, then the offset is cut.

mod engine;
mod facet;
mod formula;
mod fusion;
mod groups;
mod legacy;
mod matrix;
mod mmr;
mod plan;
mod recommend;
mod scoring;

use tonic::Status;

use super::output::{check_vector_selector, point_id, select_payload, select_vectors};
use super::store::{PointKey, Store, bad_input, clip};
use crate::proto;
use engine::{Engine, lookup_names, run_hits, with_engine};

pub(crate) use facet::facet;
pub(crate) use groups::query_groups;
pub(crate) use legacy::{
    discover, discover_batch, recommend, recommend_batch, recommend_groups, search, search_batch,
    search_groups,
};
pub(crate) use matrix::{search_matrix_offsets, search_matrix_pairs};
pub(crate) use scoring::normalize;

/// A query vector, resolved from ids where needed.
#[derive(Clone, Debug)]
pub(crate) enum QVec {
    Dense(Vec<f32>),
    Sparse(Vec<u32>, Vec<f32>),
    Multi(Vec<Vec<f32>>),
}

/// One scored candidate.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub key: PointKey,
    pub score: f32,
    pub order_value: Option<proto::OrderValue>,
}

/// The score of points that a scroll finds (no query, order by, sample),
/// as Qdrant gives it.
const SCROLL_SCORE: f32 = 1.0;

/// Qdrant's answer for a request it cannot run as asked.
fn bad_request(description: impl std::fmt::Display) -> Status {
    Status::invalid_argument(clip(format!("Bad request: {description}")))
}

/// Qdrant's answer for a query plan it refuses.
fn invalid_plan(description: impl std::fmt::Display) -> Status {
    bad_input(format!("Validation failed: {description}"))
}

/// Sorts best first; equal scores by ascending id (Qdrant leaves their
/// order open).
fn sort_by_score(hits: &mut [Hit]) {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
}

/// The hits as a response carries them. Qdrant checks the vector names a
/// selector asks for when it reads the vectors of hits: an unknown name
/// fails a query that finds something, not one that finds nothing.
fn scored(
    engine: &Engine<'_>,
    hits: Vec<Hit>,
    with_payload: Option<&proto::WithPayloadSelector>,
    with_vectors: Option<&proto::WithVectorsSelector>,
) -> Result<Vec<proto::ScoredPoint>, Status> {
    if !hits.is_empty() {
        check_vector_selector(engine.col, with_vectors)?;
    }
    Ok(hits
        .into_iter()
        .filter_map(|h| {
            let p = engine.point(&h.key)?;
            Some(proto::ScoredPoint {
                id: Some(point_id(&h.key)),
                payload: select_payload(p, with_payload),
                score: h.score,
                version: 0,
                vectors: select_vectors(p, with_vectors),
                shard_key: None,
                order_value: h.order_value,
            })
        })
        .collect())
}

fn run_query(engine: &mut Engine<'_>, q: &proto::QueryPoints) -> Result<Vec<proto::ScoredPoint>, Status> {
    let hits = run_hits(engine, q)?;
    scored(engine, hits, q.with_payload.as_ref(), q.with_vectors.as_ref())
}

pub(crate) async fn query(store: &Store, req: proto::QueryPoints) -> Result<proto::QueryResponse, Status> {
    let start = std::time::Instant::now();
    let lookups = lookup_names(&req);
    let result = with_engine(store, &req.collection_name, &lookups, |e| run_query(e, &req)).await?;
    Ok(proto::QueryResponse {
        result,
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}

pub(crate) async fn query_batch(
    store: &Store,
    req: proto::QueryBatchPoints,
) -> Result<proto::QueryBatchResponse, Status> {
    let start = std::time::Instant::now();
    let mut result = Vec::new();
    for mut q in req.query_points {
        q.collection_name = req.collection_name.clone();
        result.push(proto::BatchResult {
            result: query(store, q).await?.result,
        });
    }
    Ok(proto::QueryBatchResponse {
        result,
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}
