//! Search matrices: sampled points and their nearest neighbours among
//! the sample, as pairs or as offsets.

use std::collections::HashMap;

use tonic::Status;

use super::super::filter::CheckedFilter;
use super::super::output::point_id;
use super::super::store::{Collection, PointKey, Store, bad_input};
use super::Hit;
use super::engine::{Engine, shuffle};
use super::recommend::VectorQuery;
use super::scoring::{preprocess, stored_as_query};
use crate::proto;

/// The names of a collection's vectors, sorted.
pub(super) fn vector_names(col: &Collection) -> Vec<&str> {
    use proto::vectors_config::Config;
    let Some(params) = col.config.params.as_ref() else {
        return Vec::new();
    };
    let mut names: Vec<&str> = match params.vectors_config.as_ref().and_then(|v| v.config.as_ref()) {
        Some(Config::ParamsMap(m)) => m.map.keys().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    names.extend(
        params
            .sparse_vectors_config
            .iter()
            .flat_map(|s| s.map.keys().map(String::as_str)),
    );
    names.sort_unstable();
    names
}

/// The sampled points and, for each, its nearest neighbours among them,
/// as Qdrant samples them: at random among the points with the vector.
pub(super) fn matrix(
    col: &Collection,
    req: &proto::SearchMatrixPoints,
) -> Result<Vec<(PointKey, Vec<Hit>)>, Status> {
    let engine = Engine::new(&req.collection_name, col, HashMap::new());
    let using = req.using.as_deref().unwrap_or("");
    let kind = match col.vector_kind(using) {
        Some(kind) => kind,
        None if using.is_empty() => {
            return Err(bad_input(format!(
                "Collection requires specified vector name in the request, available names: {}",
                vector_names(col).join(", ")
            )));
        }
        None => engine.kind_of(using)?,
    };
    let filters: Vec<CheckedFilter<'_>> = CheckedFilter::optional(req.filter.as_ref())?
        .map(|f| f.indexed(&col.payload_schema))
        .into_iter()
        .collect();
    let mut keys: Vec<PointKey> = engine
        .candidates(&filters)
        .into_iter()
        .filter(|k| engine.point(k).is_some_and(|p| p.vectors.contains_key(using)))
        .collect();
    // A random sample, in id order; fewer than two points make no matrix.
    shuffle(&mut keys);
    keys.truncate(req.sample.unwrap_or(10) as usize);
    keys.sort_unstable();
    if keys.len() < 2 {
        return Ok(Vec::new());
    }
    let limit = req.limit.unwrap_or(3) as usize;
    keys.iter()
        .map(|k| {
            let v = engine
                .point(k)
                .and_then(|p| p.vectors.get(using))
                .ok_or_else(|| bad_input("Point without vector"))?;
            let q = VectorQuery::Nearest(preprocess(kind, stored_as_query(v)));
            let others: Vec<PointKey> = keys.iter().filter(|o| *o != k).copied().collect();
            Ok((*k, engine.search(&others, &q, using, limit, None)?))
        })
        .collect()
}

pub(crate) async fn search_matrix_pairs(
    store: &Store,
    req: proto::SearchMatrixPoints,
) -> Result<proto::SearchMatrixPairsResponse, Status> {
    let start = std::time::Instant::now();
    let shared = store.resolve(&req.collection_name).await?;
    let col = shared.read().await;
    let rows = matrix(&col, &req)?;
    let pairs = rows
        .into_iter()
        .flat_map(|(a, hits)| {
            hits.into_iter().map(move |h| proto::SearchMatrixPair {
                a: Some(point_id(&a)),
                b: Some(point_id(&h.key)),
                score: h.score,
            })
        })
        .collect();
    Ok(proto::SearchMatrixPairsResponse {
        result: Some(proto::SearchMatrixPairs { pairs }),
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}

pub(crate) async fn search_matrix_offsets(
    store: &Store,
    req: proto::SearchMatrixPoints,
) -> Result<proto::SearchMatrixOffsetsResponse, Status> {
    let start = std::time::Instant::now();
    let shared = store.resolve(&req.collection_name).await?;
    let col = shared.read().await;
    let rows = matrix(&col, &req)?;
    let index: HashMap<PointKey, u64> = rows
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (*k, i as u64))
        .collect();
    let mut out = proto::SearchMatrixOffsets::default();
    for (i, (_, hits)) in rows.iter().enumerate() {
        for h in hits {
            out.offsets_row.push(i as u64);
            out.offsets_col.push(index[&h.key]);
            out.scores.push(h.score);
        }
    }
    out.ids = rows.iter().map(|(k, _)| point_id(k)).collect();
    Ok(proto::SearchMatrixOffsetsResponse {
        result: Some(out),
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::store::{StoredPoint, StoredVector};
    use super::*;

    fn collection() -> Collection {
        use proto::vectors_config::Config;
        let params = |distance: proto::Distance| proto::VectorParams {
            size: 2,
            distance: distance as i32,
            ..Default::default()
        };
        let config = proto::CollectionConfig {
            params: Some(proto::CollectionParams {
                vectors_config: Some(proto::VectorsConfig {
                    config: Some(Config::ParamsMap(proto::VectorParamsMap {
                        map: [
                            ("v".to_owned(), params(proto::Distance::Dot)),
                            ("a".to_owned(), params(proto::Distance::Euclid)),
                        ]
                        .into(),
                    })),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut col = Collection::new(config);
        for (id, x) in [(1, 1.0), (2, 2.0), (3, 3.0)] {
            let mut p = StoredPoint::default();
            p.vectors.insert("v".into(), StoredVector::Dense(vec![x, 1.0]));
            col.points.insert(PointKey::Num(id), p);
        }
        col
    }

    #[test]
    fn each_sampled_point_gets_its_nearest_others() {
        let col = collection();
        assert_eq!(vector_names(&col), ["a", "v"]);
        let req = proto::SearchMatrixPoints {
            using: Some("v".into()),
            limit: Some(1),
            ..Default::default()
        };
        let rows = matrix(&col, &req).unwrap_or_default();
        let nearest: Vec<(PointKey, PointKey, f32)> = rows
            .iter()
            .map(|(k, hits)| (*k, hits[0].key, hits[0].score))
            .collect();
        // Dot: point 3 is the best match of every other point.
        assert_eq!(
            nearest,
            [
                (PointKey::Num(1), PointKey::Num(3), 4.0),
                (PointKey::Num(2), PointKey::Num(3), 7.0),
                (PointKey::Num(3), PointKey::Num(2), 7.0),
            ]
        );
        let unnamed = matrix(&col, &proto::SearchMatrixPoints::default()).unwrap_err();
        assert_eq!(
            unnamed.message(),
            "Wrong input: Collection requires specified vector name in the request, available names: a, v"
        );
    }
}
