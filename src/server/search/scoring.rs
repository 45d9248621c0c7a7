//! Scoring a query vector against stored vectors: each distance's
//! similarity and reported score, MaxSim for multivectors, sparse dot
//! products and IDF, and the checks of a query vector's shape.

use std::collections::HashMap;

use tonic::Status;

use super::super::store::{Collection, StoredVector, VectorKind, bad_input};
use super::QVec;
use crate::proto;

/// The distance of a vector space; sparse vectors use the dot product.
pub(super) fn distance_of(kind: VectorKind) -> proto::Distance {
    match kind {
        VectorKind::Dense { distance, .. } => distance,
        VectorKind::Sparse { .. } => proto::Distance::Dot,
    }
}

/// Whether a threshold lets a score through: above it for similarities,
/// below it for distances (strictly, as Qdrant compares).
pub(super) fn passes(distance: proto::Distance, score: f32, threshold: Option<f32>) -> bool {
    match (threshold, distance) {
        (None, _) => true,
        (Some(t), proto::Distance::Euclid | proto::Distance::Manhattan) => score < t,
        (Some(t), _) => score > t,
    }
}

pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub(crate) fn normalize(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > f32::EPSILON {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Qdrant's preprocessing of a query vector for a space: unit length for
/// Cosine, each vector of a multivector alike.
pub(super) fn preprocess(kind: VectorKind, q: QVec) -> QVec {
    if distance_of(kind) != proto::Distance::Cosine {
        return q;
    }
    match q {
        QVec::Dense(mut d) => {
            normalize(&mut d);
            QVec::Dense(d)
        }
        QVec::Multi(mut m) => {
            m.iter_mut().for_each(|v| normalize(v));
            QVec::Multi(m)
        }
        q => q,
    }
}

/// Qdrant's internal similarity of two dense vectors: higher is closer for
/// every distance (the negated squared Euclidean distance, the negated
/// Manhattan distance).
pub(super) fn metric(distance: proto::Distance, a: &[f32], b: &[f32]) -> f32 {
    match distance {
        proto::Distance::Euclid => -a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>(),
        proto::Distance::Manhattan => -a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>(),
        _ => dot(a, b),
    }
}

/// The score Qdrant reports for an internal similarity of a nearest search.
pub(super) fn postprocess(distance: proto::Distance, similarity: f32) -> f32 {
    match distance {
        proto::Distance::Euclid => similarity.abs().sqrt(),
        proto::Distance::Manhattan => similarity.abs(),
        _ => similarity,
    }
}

/// MaxSim: for each query vector, its best match among the document's
/// vectors, summed. Stored multivectors are kept as given, so Cosine
/// normalizes them here.
pub(super) fn max_sim(distance: proto::Distance, q: &[Vec<f32>], doc: &[Vec<f32>]) -> f32 {
    let doc: Vec<Vec<f32>> = doc
        .iter()
        .map(|d| {
            let mut d = d.clone();
            if distance == proto::Distance::Cosine {
                normalize(&mut d);
            }
            d
        })
        .collect();
    q.iter()
        .map(|qv| {
            doc.iter()
                .map(|dv| metric(distance, qv, dv))
                .fold(f32::NEG_INFINITY, f32::max)
        })
        .sum()
}

/// Qdrant's internal similarity of a preprocessed query vector to a stored
/// vector. Sparse vectors that share no dimension have similarity 0.
pub(super) fn similarity(kind: VectorKind, q: &QVec, v: &StoredVector) -> Option<f32> {
    let distance = distance_of(kind);
    match (q, v) {
        (QVec::Dense(q), StoredVector::Dense(v)) => Some(metric(distance, q, v)),
        (QVec::Multi(q), StoredVector::Multi(v)) => Some(max_sim(distance, q, v)),
        (QVec::Dense(q), StoredVector::Multi(v)) => Some(max_sim(distance, std::slice::from_ref(q), v)),
        (QVec::Sparse(qi, qv), StoredVector::Sparse { indices, values }) => {
            let doc: HashMap<u32, f32> = indices.iter().copied().zip(values.iter().copied()).collect();
            Some(
                qi.iter()
                    .zip(qv)
                    .filter_map(|(i, w)| doc.get(i).map(|d| w * d))
                    .sum(),
            )
        }
        _ => None,
    }
}

/// Whether a sparse query shares a dimension with a stored vector: a
/// nearest search over sparse vectors finds only those that do.
pub(super) fn shares_dimension(q: &QVec, v: &StoredVector) -> bool {
    match (q, v) {
        (QVec::Sparse(qi, _), StoredVector::Sparse { indices, .. }) => qi.iter().any(|i| indices.contains(i)),
        _ => true,
    }
}

/// A stored vector as a query vector.
pub(super) fn stored_as_query(v: &StoredVector) -> QVec {
    match v {
        StoredVector::Dense(d) => QVec::Dense(d.clone()),
        StoredVector::Sparse { indices, values } => QVec::Sparse(indices.clone(), values.clone()),
        StoredVector::Multi(m) => QVec::Multi(m.clone()),
    }
}

/// A sparse query with each weight scaled by its dimension's IDF, as
/// Qdrant computes it: `ln((N - n + 0.5) / (n + 0.5) + 1)`.
pub(super) fn with_idf(col: &Collection, name: &str, q: &QVec) -> QVec {
    let QVec::Sparse(indices, values) = q else {
        return q.clone();
    };
    let total = col
        .points
        .values()
        .filter(|p| p.vectors.contains_key(name))
        .count() as f32;
    let weights = indices.iter().zip(values).map(|(i, v)| {
        let n = col
            .points
            .values()
            .filter(|p| matches!(p.vectors.get(name), Some(StoredVector::Sparse { indices, .. }) if indices.contains(i)))
            .count() as f32;
        v * ((total - n + 0.5) / (n + 0.5) + 1.0).ln()
    });
    QVec::Sparse(indices.clone(), weights.collect())
}

pub(crate) fn check_dims(kind: VectorKind, v: &QVec, name: &str) -> Result<(), Status> {
    let got = match (kind, v) {
        (VectorKind::Dense { size, .. }, QVec::Dense(d)) => Some((size, d.len())),
        (VectorKind::Dense { size, .. }, QVec::Multi(m)) => m
            .iter()
            .map(|r| r.len())
            .find(|l| *l as u64 != size)
            .map(|l| (size, l)),
        (VectorKind::Sparse { .. }, QVec::Sparse(i, v)) => {
            if i.len() != v.len() {
                return Err(bad_input(
                    "Sparse vector indices and values must have the same length",
                ));
            }
            None
        }
        (VectorKind::Dense { .. }, QVec::Sparse(..)) => {
            return Err(bad_input(format!(
                "Conversion between sparse and regular vectors failed for vector `{name}`"
            )));
        }
        (VectorKind::Sparse { .. }, _) => {
            return Err(bad_input(format!(
                "Conversion between sparse and regular vectors failed for vector `{name}`"
            )));
        }
    };
    match got {
        Some((expected, got)) if expected as usize != got => Err(bad_input(format!(
            "Vector dimension error: expected dim: {expected}, got {got}"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::store::{PointKey, StoredPoint};
    use super::*;
    use proto::Distance as D;

    fn dense(distance: D, size: u64) -> VectorKind {
        VectorKind::Dense {
            size,
            distance,
            multi: false,
        }
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn each_distance_ranks_by_similarity_and_reports_its_score() {
        let (a, b) = ([1.0, 2.0], [4.0, 6.0]);
        // Dot and Cosine report the dot product (Cosine's vectors are unit
        // length by then).
        assert!(close(metric(D::Dot, &a, &b), 16.0));
        assert!(close(postprocess(D::Dot, 16.0), 16.0));
        // Euclid ranks by the negated squared distance, reports the distance.
        assert!(close(metric(D::Euclid, &a, &b), -25.0));
        assert!(close(postprocess(D::Euclid, -25.0), 5.0));
        // Manhattan ranks by the negated distance, reports the distance.
        assert!(close(metric(D::Manhattan, &a, &b), -7.0));
        assert!(close(postprocess(D::Manhattan, -7.0), 7.0));
        // Cosine: the query is normalized first, the stored vector already is.
        let q = preprocess(dense(D::Cosine, 2), QVec::Dense(vec![3.0, 4.0]));
        let QVec::Dense(q) = q else { panic!("dense") };
        assert!(close(q[0], 0.6) && close(q[1], 0.8));
        let stored = StoredVector::Dense(vec![0.0, 1.0]);
        let s = similarity(dense(D::Cosine, 2), &QVec::Dense(q), &stored);
        assert!(close(s.unwrap_or_default(), 0.8));
        // Only Cosine preprocesses.
        let QVec::Dense(raw) = preprocess(dense(D::Dot, 2), QVec::Dense(vec![3.0, 4.0])) else {
            panic!("dense")
        };
        assert_eq!(raw, [3.0, 4.0]);
    }

    #[test]
    fn thresholds_are_strict_and_face_the_distance() {
        assert!(passes(D::Cosine, 0.6, Some(0.5)));
        assert!(!passes(D::Cosine, 0.5, Some(0.5)));
        assert!(passes(D::Euclid, 0.4, Some(0.5)));
        assert!(!passes(D::Manhattan, 0.5, Some(0.5)));
        assert!(passes(D::Dot, -100.0, None));
    }

    #[test]
    fn max_sim_sums_each_query_vectors_best_match() {
        let q = [vec![1.0, 0.0], vec![0.0, 1.0]];
        let doc = [vec![2.0, 0.0], vec![1.0, 3.0]];
        // Dot: best of (2, 1) plus best of (0, 3).
        assert!(close(max_sim(D::Dot, &q, &doc), 5.0));
        // Cosine normalizes the document's vectors.
        let cos = max_sim(D::Cosine, &q, &doc);
        assert!(close(cos, 1.0 + 3.0 / 10f32.sqrt()));
        // A dense query against a multivector is a one-vector MaxSim.
        let kind = VectorKind::Dense {
            size: 2,
            distance: D::Dot,
            multi: true,
        };
        let s = similarity(
            kind,
            &QVec::Dense(vec![0.0, 1.0]),
            &StoredVector::Multi(doc.to_vec()),
        );
        assert!(close(s.unwrap_or_default(), 3.0));
    }

    #[test]
    fn sparse_vectors_score_their_shared_dimensions() {
        let kind = VectorKind::Sparse { idf: false };
        let stored = StoredVector::Sparse {
            indices: vec![1, 5],
            values: vec![2.0, 3.0],
        };
        let q = QVec::Sparse(vec![5, 7], vec![0.5, 9.0]);
        assert!(close(similarity(kind, &q, &stored).unwrap_or_default(), 1.5));
        assert!(shares_dimension(&q, &stored));
        let apart = QVec::Sparse(vec![2], vec![1.0]);
        assert!(close(similarity(kind, &apart, &stored).unwrap_or(-1.0), 0.0));
        assert!(!shares_dimension(&apart, &stored));
        // Dense against sparse has no similarity.
        assert!(similarity(kind, &QVec::Dense(vec![1.0]), &stored).is_none());
    }

    #[test]
    fn idf_weighs_rare_dimensions_up() {
        let mut col = Collection::new(proto::CollectionConfig::default());
        for (id, indices) in [(1, vec![1, 2]), (2, vec![1]), (3, vec![1])] {
            let mut p = StoredPoint::default();
            let values = vec![1.0; indices.len()];
            p.vectors
                .insert("s".into(), StoredVector::Sparse { indices, values });
            col.points.insert(PointKey::Num(id), p);
        }
        let QVec::Sparse(_, w) = with_idf(&col, "s", &QVec::Sparse(vec![1, 2], vec![1.0, 1.0])) else {
            panic!("sparse")
        };
        // ln((N − n + 0.5) / (n + 0.5) + 1) with N = 3.
        assert!(close(w[0], (0.5f32 / 3.5 + 1.0).ln()));
        assert!(close(w[1], (2.5f32 / 1.5 + 1.0).ln()));
    }

    #[test]
    fn query_vectors_of_the_wrong_size_are_refused() {
        let err = check_dims(dense(D::Dot, 3), &QVec::Dense(vec![1.0, 2.0]), "v").unwrap_err();
        assert_eq!(
            err.message(),
            "Wrong input: Vector dimension error: expected dim: 3, got 2"
        );
        assert!(check_dims(dense(D::Dot, 2), &QVec::Dense(vec![1.0, 2.0]), "v").is_ok());
        let sparse = VectorKind::Sparse { idf: false };
        assert!(check_dims(sparse, &QVec::Sparse(vec![1, 2], vec![1.0]), "s").is_err());
        assert!(check_dims(sparse, &QVec::Dense(vec![1.0]), "s").is_err());
    }
}
