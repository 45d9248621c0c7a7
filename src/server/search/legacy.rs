//! The legacy calls (search, recommend, discover, their batches and
//! groups), run as the queries they stand for.

use tonic::Status;

use super::super::output::check_vector_selector;
use super::super::store::Store;
use super::bad_request;
use super::groups::groups_response;
use super::query;
use crate::proto;

/// A legacy dense or sparse search vector as a query input.
#[allow(deprecated)]
pub(super) fn legacy_input(vector: Vec<f32>, sparse: Option<proto::SparseIndices>) -> proto::VectorInput {
    use proto::vector_input::Variant as V;
    let variant = match sparse {
        Some(i) => V::Sparse(proto::SparseVector {
            values: vector,
            indices: i.data,
        }),
        None => V::Dense(proto::DenseVector { data: vector }),
    };
    proto::VectorInput {
        variant: Some(variant),
    }
}

#[allow(deprecated)]
pub(super) fn vector_to_input(v: proto::Vector) -> proto::VectorInput {
    use proto::vector::Vector as Vv;
    use proto::vector_input::Variant as V;
    let variant = match v.vector {
        Some(Vv::Dense(d)) => V::Dense(d),
        Some(Vv::Sparse(s)) => V::Sparse(s),
        Some(Vv::MultiDense(m)) => V::MultiDense(m),
        Some(Vv::Document(d)) => V::Document(d),
        Some(Vv::Image(i)) => V::Image(i),
        Some(Vv::Object(o)) => V::Object(o),
        None => match (v.indices, v.vectors_count) {
            (Some(i), _) => V::Sparse(proto::SparseVector {
                values: v.data,
                indices: i.data,
            }),
            (None, Some(n)) if n > 0 => V::MultiDense(proto::MultiDenseVector {
                vectors: v
                    .data
                    .chunks((v.data.len() / n as usize).max(1))
                    .map(|c| proto::DenseVector { data: c.to_vec() })
                    .collect(),
            }),
            _ => V::Dense(proto::DenseVector { data: v.data }),
        },
    };
    proto::VectorInput {
        variant: Some(variant),
    }
}

pub(super) fn id_input(id: proto::PointId) -> proto::VectorInput {
    proto::VectorInput {
        variant: Some(proto::vector_input::Variant::Id(id)),
    }
}

pub(super) fn example_input(e: proto::VectorExample) -> Option<proto::VectorInput> {
    match e.example? {
        proto::vector_example::Example::Id(id) => Some(id_input(id)),
        proto::vector_example::Example::Vector(v) => Some(vector_to_input(v)),
    }
}

pub(super) fn search_as_query(s: proto::SearchPoints) -> proto::QueryPoints {
    proto::QueryPoints {
        collection_name: s.collection_name,
        query: Some(proto::Query {
            variant: Some(proto::query::Variant::Nearest(legacy_input(
                s.vector,
                s.sparse_indices,
            ))),
        }),
        using: s.vector_name,
        filter: s.filter,
        params: s.params,
        score_threshold: s.score_threshold,
        limit: Some(s.limit),
        offset: s.offset,
        with_vectors: s.with_vectors,
        with_payload: s.with_payload,
        ..Default::default()
    }
}

pub(super) fn recommend_query(
    positive: Vec<proto::PointId>,
    negative: Vec<proto::PointId>,
    pv: Vec<proto::Vector>,
    nv: Vec<proto::Vector>,
    strategy: Option<i32>,
) -> proto::Query {
    proto::Query {
        variant: Some(proto::query::Variant::Recommend(proto::RecommendInput {
            positive: positive
                .into_iter()
                .map(id_input)
                .chain(pv.into_iter().map(vector_to_input))
                .collect(),
            negative: negative
                .into_iter()
                .map(id_input)
                .chain(nv.into_iter().map(vector_to_input))
                .collect(),
            strategy,
        })),
    }
}

pub(super) fn recommend_as_query(r: proto::RecommendPoints) -> proto::QueryPoints {
    proto::QueryPoints {
        collection_name: r.collection_name,
        query: Some(recommend_query(
            r.positive,
            r.negative,
            r.positive_vectors,
            r.negative_vectors,
            r.strategy,
        )),
        using: r.using,
        filter: r.filter,
        params: r.params,
        score_threshold: r.score_threshold,
        limit: Some(r.limit),
        offset: r.offset,
        with_vectors: r.with_vectors,
        with_payload: r.with_payload,
        lookup_from: r.lookup_from,
        ..Default::default()
    }
}

/// The legacy recommend's check of its examples, made before anything
/// is looked up.
pub(super) fn check_examples(r: &proto::RecommendPoints) -> Result<(), Status> {
    let positives = r.positive.len() + r.positive_vectors.len();
    let negatives = r.negative.len() + r.negative_vectors.len();
    let average = r
        .strategy
        .is_none_or(|s| s == proto::RecommendStrategy::AverageVector as i32);
    if average && positives == 0 {
        return Err(bad_request(
            "At least one positive vector ID required with this strategy",
        ));
    }
    if positives + negatives == 0 {
        return Err(bad_request(
            "At least one positive or negative vector ID required with this strategy",
        ));
    }
    Ok(())
}

/// A legacy discovery as a query: discover with a target, context search
/// without one.
pub(super) fn discover_as_query(d: proto::DiscoverPoints) -> Result<proto::QueryPoints, Status> {
    let target = d
        .target
        .and_then(|t| t.target)
        .map(|proto::target_vector::Target::Single(e)| e)
        .and_then(example_input);
    if target.is_none() && d.context.is_empty() {
        return Err(bad_request("target and/or context_pairs must be specified"));
    }
    let pairs = d
        .context
        .into_iter()
        .map(|p| {
            Ok(proto::ContextInputPair {
                positive: p.positive.and_then(example_input),
                negative: p.negative.and_then(example_input),
            })
        })
        .collect::<Result<_, Status>>()?;
    Ok(proto::QueryPoints {
        collection_name: d.collection_name,
        query: Some(proto::Query {
            variant: Some(match target {
                Some(target) => proto::query::Variant::Discover(proto::DiscoverInput {
                    target: Some(target),
                    context: Some(proto::ContextInput { pairs }),
                }),
                None => proto::query::Variant::Context(proto::ContextInput { pairs }),
            }),
        }),
        using: d.using,
        filter: d.filter,
        params: d.params,
        limit: Some(d.limit),
        offset: d.offset,
        with_vectors: d.with_vectors,
        with_payload: d.with_payload,
        lookup_from: d.lookup_from,
        ..Default::default()
    })
}

/// The legacy calls (search, recommend, discover) check the vector names
/// a selector asks for before they search, unlike queries: an unknown name
/// fails even a call that finds nothing.
pub(super) async fn check_vectors_first<'s>(
    store: &Store,
    name: &str,
    mut selectors: impl Iterator<Item = Option<&'s proto::WithVectorsSelector>>,
) -> Result<(), Status> {
    let shared = store.resolve(name).await?;
    let col = shared.read().await;
    selectors.try_for_each(|s| check_vector_selector(&col, s))
}

pub(crate) async fn search(store: &Store, req: proto::SearchPoints) -> Result<proto::SearchResponse, Status> {
    check_vectors_first(
        store,
        &req.collection_name,
        [req.with_vectors.as_ref()].into_iter(),
    )
    .await?;
    let r = query(store, search_as_query(req)).await?;
    Ok(proto::SearchResponse {
        result: r.result,
        time: r.time,
        usage: None,
    })
}

/// Runs each request of a legacy batch as a query: the batch's collection
/// applies to all of them.
pub(super) async fn batch_results(
    store: &Store,
    queries: impl IntoIterator<Item = Result<proto::QueryPoints, Status>>,
) -> Result<(Vec<proto::BatchResult>, f64), Status> {
    let start = std::time::Instant::now();
    let mut result = Vec::new();
    for q in queries {
        result.push(proto::BatchResult {
            result: query(store, q?).await?.result,
        });
    }
    Ok((result, start.elapsed().as_secs_f64()))
}

pub(crate) async fn search_batch(
    store: &Store,
    req: proto::SearchBatchPoints,
) -> Result<proto::SearchBatchResponse, Status> {
    let selectors = req.search_points.iter().map(|s| s.with_vectors.as_ref());
    check_vectors_first(store, &req.collection_name, selectors).await?;
    let name = req.collection_name;
    let queries = req.search_points.into_iter().map(|s| {
        Ok(search_as_query(proto::SearchPoints {
            collection_name: name.clone(),
            ..s
        }))
    });
    let (result, time) = batch_results(store, queries).await?;
    Ok(proto::SearchBatchResponse {
        result,
        time,
        usage: None,
    })
}

pub(crate) async fn search_groups(
    store: &Store,
    req: proto::SearchPointGroups,
) -> Result<proto::SearchGroupsResponse, Status> {
    let start = std::time::Instant::now();
    let q = search_as_query(proto::SearchPoints {
        collection_name: req.collection_name,
        vector: req.vector,
        filter: req.filter,
        limit: 0,
        with_payload: req.with_payload,
        params: req.params,
        score_threshold: req.score_threshold,
        offset: None,
        vector_name: req.vector_name,
        with_vectors: req.with_vectors,
        read_consistency: None,
        timeout: None,
        shard_key_selector: None,
        sparse_indices: req.sparse_indices,
    });
    let result = groups_response(
        store,
        q,
        req.group_by,
        req.group_size as usize,
        req.limit as usize,
        req.with_lookup,
    )
    .await?;
    Ok(proto::SearchGroupsResponse {
        result: Some(result),
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}

pub(crate) async fn recommend(
    store: &Store,
    req: proto::RecommendPoints,
) -> Result<proto::RecommendResponse, Status> {
    // Qdrant answers a limit of 0 before it looks at anything else.
    if req.limit == 0 {
        return Ok(proto::RecommendResponse::default());
    }
    check_examples(&req)?;
    check_vectors_first(
        store,
        &req.collection_name,
        [req.with_vectors.as_ref()].into_iter(),
    )
    .await?;
    let r = query(store, recommend_as_query(req)).await?;
    Ok(proto::RecommendResponse {
        result: r.result,
        time: r.time,
        usage: None,
    })
}

pub(crate) async fn recommend_batch(
    store: &Store,
    req: proto::RecommendBatchPoints,
) -> Result<proto::RecommendBatchResponse, Status> {
    if req.recommend_points.iter().all(|r| r.limit == 0) {
        return Ok(proto::RecommendBatchResponse {
            result: vec![proto::BatchResult::default(); req.recommend_points.len()],
            ..Default::default()
        });
    }
    req.recommend_points.iter().try_for_each(check_examples)?;
    let selectors = req.recommend_points.iter().map(|r| r.with_vectors.as_ref());
    check_vectors_first(store, &req.collection_name, selectors).await?;
    let name = req.collection_name;
    let queries = req.recommend_points.into_iter().map(|r| {
        Ok(recommend_as_query(proto::RecommendPoints {
            collection_name: name.clone(),
            ..r
        }))
    });
    let (result, time) = batch_results(store, queries).await?;
    Ok(proto::RecommendBatchResponse {
        result,
        time,
        usage: None,
    })
}

pub(crate) async fn recommend_groups(
    store: &Store,
    req: proto::RecommendPointGroups,
) -> Result<proto::RecommendGroupsResponse, Status> {
    let start = std::time::Instant::now();
    let q = proto::QueryPoints {
        collection_name: req.collection_name,
        query: Some(recommend_query(
            req.positive,
            req.negative,
            req.positive_vectors,
            req.negative_vectors,
            req.strategy,
        )),
        using: req.using,
        filter: req.filter,
        params: req.params,
        score_threshold: req.score_threshold,
        with_vectors: req.with_vectors,
        with_payload: req.with_payload,
        lookup_from: req.lookup_from,
        ..Default::default()
    };
    let result = groups_response(
        store,
        q,
        req.group_by,
        req.group_size as usize,
        req.limit as usize,
        req.with_lookup,
    )
    .await?;
    Ok(proto::RecommendGroupsResponse {
        result: Some(result),
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}

pub(crate) async fn discover(
    store: &Store,
    req: proto::DiscoverPoints,
) -> Result<proto::DiscoverResponse, Status> {
    check_vectors_first(
        store,
        &req.collection_name,
        [req.with_vectors.as_ref()].into_iter(),
    )
    .await?;
    let r = query(store, discover_as_query(req)?).await?;
    Ok(proto::DiscoverResponse {
        result: r.result,
        time: r.time,
        usage: None,
    })
}

pub(crate) async fn discover_batch(
    store: &Store,
    req: proto::DiscoverBatchPoints,
) -> Result<proto::DiscoverBatchResponse, Status> {
    let selectors = req.discover_points.iter().map(|d| d.with_vectors.as_ref());
    check_vectors_first(store, &req.collection_name, selectors).await?;
    let name = req.collection_name;
    let queries = req.discover_points.into_iter().map(|d| {
        discover_as_query(proto::DiscoverPoints {
            collection_name: name.clone(),
            ..d
        })
    });
    let (result, time) = batch_results(store, queries).await?;
    Ok(proto::DiscoverBatchResponse {
        result,
        time,
        usage: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(deprecated)]
    fn deprecated_vector_shapes_become_inputs() {
        use proto::vector_input::Variant as V;
        let multi = vector_to_input(proto::Vector {
            data: vec![1.0, 2.0, 3.0, 4.0],
            vectors_count: Some(2),
            ..Default::default()
        });
        let Some(V::MultiDense(m)) = multi.variant else {
            panic!("multi")
        };
        assert_eq!(m.vectors.len(), 2);
        assert_eq!(m.vectors[1].data, [3.0, 4.0]);
        let sparse = vector_to_input(proto::Vector {
            data: vec![0.5],
            indices: Some(proto::SparseIndices { data: vec![7] }),
            ..Default::default()
        });
        assert!(matches!(sparse.variant, Some(V::Sparse(s)) if s.indices == [7]));
        let dense = vector_to_input(proto::Vector {
            data: vec![1.0],
            ..Default::default()
        });
        assert!(matches!(dense.variant, Some(V::Dense(d)) if d.data == [1.0]));
    }

    #[test]
    fn recommendations_need_examples_for_their_strategy() {
        let id = proto::PointId {
            point_id_options: Some(proto::point_id::PointIdOptions::Num(1)),
        };
        let only_negative = proto::RecommendPoints {
            negative: vec![id],
            ..Default::default()
        };
        let err = check_examples(&only_negative).unwrap_err();
        assert_eq!(
            err.message(),
            "Bad request: At least one positive vector ID required with this strategy"
        );
        let best = proto::RecommendPoints {
            strategy: Some(proto::RecommendStrategy::BestScore as i32),
            ..only_negative.clone()
        };
        assert!(check_examples(&best).is_ok());
        let none = proto::RecommendPoints {
            strategy: best.strategy,
            ..Default::default()
        };
        assert!(check_examples(&none).is_err());
    }

    #[test]
    fn discovery_without_a_target_is_a_context_search() {
        let example = |n: u64| proto::VectorExample {
            example: Some(proto::vector_example::Example::Id(proto::PointId {
                point_id_options: Some(proto::point_id::PointIdOptions::Num(n)),
            })),
        };
        let d = proto::DiscoverPoints {
            context: vec![proto::ContextExamplePair {
                positive: Some(example(1)),
                negative: Some(example(2)),
            }],
            limit: 3,
            ..Default::default()
        };
        let q = discover_as_query(d).unwrap_or_default();
        assert!(matches!(
            q.query.and_then(|q| q.variant),
            Some(proto::query::Variant::Context(c)) if c.pairs.len() == 1
        ));
        let err = discover_as_query(proto::DiscoverPoints::default()).unwrap_err();
        assert_eq!(
            err.message(),
            "Bad request: target and/or context_pairs must be specified"
        );
    }
}
