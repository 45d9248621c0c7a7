//! Queries scored against several vectors: recommendation (average
//! vector, best score, sum of scores), discovery, context search and
//! relevance feedback.

use std::cmp::Ordering;

use tonic::Status;

use super::super::store::{VectorKind, bad_input};
use super::QVec;
use super::scoring::preprocess;

/// Qdrant's fast sigmoid, scaled onto (0, 1).
pub(super) fn scaled_fast_sigmoid(x: f32) -> f32 {
    0.5 * (fast_sigmoid(x) + 1.0)
}

pub(super) fn fast_sigmoid(x: f32) -> f32 {
    x / (1.0 + x.abs())
}

/// A query scored against one vector per point.
#[derive(Debug)]
pub(super) enum VectorQuery {
    Nearest(QVec),
    BestScore(Vec<QVec>, Vec<QVec>),
    SumScores(Vec<QVec>, Vec<QVec>),
    Discover(QVec, Vec<(QVec, QVec)>),
    Context(Vec<(QVec, QVec)>),
    /// Relevance feedback: the target, `a`, and the pairs of examples
    /// whose feedback differs, each with `confidence^b * c`.
    Feedback(QVec, f32, Vec<(QVec, QVec, f32)>),
}

impl VectorQuery {
    pub(super) fn preprocess(self, kind: VectorKind) -> Self {
        let p = |v: QVec| preprocess(kind, v);
        let all = |vs: Vec<QVec>| vs.into_iter().map(p).collect();
        let pairs = |ps: Vec<(QVec, QVec)>| ps.into_iter().map(|(a, b)| (p(a), p(b))).collect();
        match self {
            VectorQuery::Nearest(q) => VectorQuery::Nearest(p(q)),
            VectorQuery::BestScore(pos, neg) => VectorQuery::BestScore(all(pos), all(neg)),
            VectorQuery::SumScores(pos, neg) => VectorQuery::SumScores(all(pos), all(neg)),
            VectorQuery::Discover(t, ps) => VectorQuery::Discover(p(t), pairs(ps)),
            VectorQuery::Context(ps) => VectorQuery::Context(pairs(ps)),
            VectorQuery::Feedback(t, a, ps) => {
                VectorQuery::Feedback(p(t), a, ps.into_iter().map(|(x, y, w)| (p(x), p(y), w)).collect())
            }
        }
    }

    /// The score of a custom query (all but nearest) from the similarity
    /// to each of its vectors.
    pub(super) fn custom_score(&self, sim: impl Fn(&QVec) -> f32) -> f32 {
        let best = |vs: &[QVec]| {
            vs.iter().map(&sim).fold(
                f32::NEG_INFINITY,
                |m, s| if s.total_cmp(&m).is_gt() { s } else { m },
            )
        };
        let rank = |p: &QVec, n: &QVec| match sim(p).total_cmp(&sim(n)) {
            Ordering::Greater => 1.0,
            Ordering::Less => -1.0,
            Ordering::Equal => 0.0,
        };
        match self {
            VectorQuery::Nearest(q) => sim(q),
            VectorQuery::BestScore(pos, neg) => {
                let (p, n) = (best(pos), best(neg));
                if p > n {
                    scaled_fast_sigmoid(p)
                } else {
                    -scaled_fast_sigmoid(n)
                }
            }
            VectorQuery::SumScores(pos, neg) => {
                pos.iter().map(&sim).sum::<f32>() - neg.iter().map(&sim).sum::<f32>()
            }
            VectorQuery::Discover(target, pairs) => {
                let r: f32 = pairs.iter().map(|(p, n)| rank(p, n)).sum();
                r + scaled_fast_sigmoid(sim(target))
            }
            VectorQuery::Context(pairs) => pairs
                .iter()
                .map(|(p, n)| fast_sigmoid((sim(p) - sim(n) - f32::EPSILON).min(0.0)))
                .sum(),
            VectorQuery::Feedback(target, a, pairs) => {
                a * sim(target) + pairs.iter().map(|(p, n, w)| w * (sim(p) - sim(n))).sum::<f32>()
            }
        }
    }
}

/// Recommendation's average vector: the mean of the positives, moved away
/// from the mean of the negatives (`2·pos − neg`), from the vectors as
/// given; the search then normalizes it for Cosine. Sparse vectors
/// combine by dimension; multivectors concatenate (negatives negated).
pub(super) fn average_vector(pos: &[QVec], neg: &[QVec]) -> Result<QVec, Status> {
    let p = mean(pos)?;
    if neg.is_empty() {
        return Ok(p);
    }
    let n = mean(neg)?;
    match (p, n) {
        (QVec::Dense(p), QVec::Dense(n)) => {
            Ok(QVec::Dense(p.iter().zip(&n).map(|(a, b)| a + a - b).collect()))
        }
        (QVec::Sparse(pi, pv), QVec::Sparse(ni, nv)) => {
            let mut merged: std::collections::BTreeMap<u32, (f32, f32)> = std::collections::BTreeMap::new();
            for (i, v) in pi.into_iter().zip(pv) {
                merged.entry(i).or_default().0 = v;
            }
            for (i, v) in ni.into_iter().zip(nv) {
                merged.entry(i).or_default().1 = v;
            }
            let (indices, values) = merged.into_iter().map(|(i, (a, b))| (i, a + a - b)).unzip();
            Ok(QVec::Sparse(indices, values))
        }
        (QVec::Multi(mut p), QVec::Multi(n)) => {
            p.extend(n.into_iter().map(|v| v.into_iter().map(|x| -x).collect()));
            Ok(QVec::Multi(p))
        }
        _ => Err(bad_input(
            "Positive and negative vectors should be of the same type, either all dense or all sparse or all multi",
        )),
    }
}

/// The mean of dense or sparse vectors; multivectors are concatenated.
pub(super) fn mean(vs: &[QVec]) -> Result<QVec, Status> {
    let Some(first) = vs.first() else {
        return Err(bad_input(
            "Positive vectors should not be empty with `average` strategy",
        ));
    };
    let n = vs.len() as f32;
    match first {
        QVec::Dense(_) => {
            let mut sum: Vec<f32> = Vec::new();
            for v in vs {
                let QVec::Dense(d) = v else { return Err(mixed()) };
                for (i, x) in d.iter().enumerate() {
                    match sum.get_mut(i) {
                        Some(s) => *s += x,
                        None => sum.push(*x),
                    }
                }
            }
            Ok(QVec::Dense(sum.into_iter().map(|s| s / n).collect()))
        }
        QVec::Sparse(..) => {
            let mut sum: std::collections::BTreeMap<u32, f32> = std::collections::BTreeMap::new();
            for v in vs {
                let QVec::Sparse(i, x) = v else {
                    return Err(mixed());
                };
                for (i, x) in i.iter().zip(x) {
                    *sum.entry(*i).or_default() += x;
                }
            }
            let (indices, values) = sum.into_iter().map(|(i, s)| (i, s / n)).unzip();
            Ok(QVec::Sparse(indices, values))
        }
        QVec::Multi(_) => {
            let mut all = Vec::new();
            for v in vs {
                let QVec::Multi(m) = v else { return Err(mixed()) };
                all.extend(m.iter().cloned());
            }
            Ok(QVec::Multi(all))
        }
    }
}

pub(super) fn mixed() -> Status {
    bad_input("Can't average vectors with different types")
}

/// Relevance feedback's pairs: every ordered pair of examples whose
/// feedback scores differ by more than 0, weighted `confidence^b * c`.
pub(super) fn feedback_pairs(feedback: &[(QVec, f32)], b: f32, c: f32) -> Vec<(QVec, QVec, f32)> {
    let mut pairs = Vec::new();
    for (i, (pos, ps)) in feedback.iter().enumerate() {
        for (j, (neg, ns)) in feedback.iter().enumerate() {
            let confidence = ps - ns;
            if i != j && confidence > 0.0 {
                pairs.push((pos.clone(), neg.clone(), confidence.powf(b) * c));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-6
    }

    /// Similarity as the first coordinate of a dense vector: enough to
    /// drive the scoring of a custom query.
    fn first(q: &QVec) -> f32 {
        match q {
            QVec::Dense(d) => d[0],
            _ => 0.0,
        }
    }

    fn v(x: f32) -> QVec {
        QVec::Dense(vec![x])
    }

    #[test]
    fn average_vector_moves_away_from_the_negatives() {
        let pos = [QVec::Dense(vec![1.0, 0.0]), QVec::Dense(vec![3.0, 2.0])];
        let neg = [QVec::Dense(vec![0.0, 4.0])];
        // Mean of the positives (2, 1), then 2·pos − neg.
        let Ok(QVec::Dense(avg)) = average_vector(&pos, &neg) else {
            panic!("dense")
        };
        assert_eq!(avg, [4.0, -2.0]);
        let Ok(QVec::Dense(only)) = average_vector(&pos, &[]) else {
            panic!("dense")
        };
        assert_eq!(only, [2.0, 1.0]);
        // Sparse vectors combine by dimension.
        let sp = [QVec::Sparse(vec![1, 3], vec![2.0, 4.0])];
        let sn = [QVec::Sparse(vec![3, 5], vec![1.0, 1.0])];
        let Ok(QVec::Sparse(i, x)) = average_vector(&sp, &sn) else {
            panic!("sparse")
        };
        assert_eq!((i, x), (vec![1, 3, 5], vec![4.0, 7.0, -1.0]));
        assert!(average_vector(&[], &neg).is_err());
        assert!(average_vector(&[v(1.0), QVec::Sparse(vec![1], vec![1.0])], &[]).is_err());
    }

    #[test]
    fn best_score_is_a_scaled_sigmoid_signed_by_the_closer_side() {
        let q = VectorQuery::BestScore(vec![v(2.0), v(1.0)], vec![v(0.5)]);
        // The best positive (2) beats the best negative: 0.5·(2/3 + 1).
        assert!(close(q.custom_score(first), 0.5 * (2.0 / 3.0 + 1.0)));
        let q = VectorQuery::BestScore(vec![v(0.5)], vec![v(3.0)]);
        // The negative is closer: minus the scaled sigmoid of its score.
        assert!(close(q.custom_score(first), -0.5 * (0.75 + 1.0)));
        assert!(close(scaled_fast_sigmoid(0.0), 0.5));
        assert!(close(fast_sigmoid(-1.0), -0.5));
    }

    #[test]
    fn sum_scores_adds_positives_and_subtracts_negatives() {
        let q = VectorQuery::SumScores(vec![v(2.0), v(1.0)], vec![v(0.5)]);
        assert!(close(q.custom_score(first), 2.5));
    }

    #[test]
    fn discover_ranks_by_pairs_then_the_target() {
        // One pair won (+1), one lost (−1), one tied (0): rank 0, plus the
        // target's scaled sigmoid.
        let pairs = vec![(v(2.0), v(1.0)), (v(1.0), v(2.0)), (v(1.0), v(1.0))];
        let q = VectorQuery::Discover(v(1.0), pairs);
        assert!(close(q.custom_score(first), 0.75));
        let won = VectorQuery::Discover(v(0.0), vec![(v(2.0), v(1.0))]);
        assert!(close(won.custom_score(first), 1.5));
    }

    #[test]
    fn context_penalizes_only_pairs_on_the_negative_side() {
        // A pair closer to its positive adds nothing; one closer to its
        // negative adds the fast sigmoid of the (negative) margin.
        let q = VectorQuery::Context(vec![(v(2.0), v(1.0)), (v(1.0), v(2.0))]);
        let margin = 1.0 - 2.0 - f32::EPSILON;
        assert!(close(q.custom_score(first), fast_sigmoid(margin)));
        assert!(q.custom_score(first) < 0.0);
    }

    #[test]
    fn feedback_pairs_weigh_each_better_worse_pair() {
        let pairs = feedback_pairs(&[(v(1.0), 0.9), (v(2.0), 0.1), (v(3.0), 0.9)], 2.0, 3.0);
        // (0, 1) and (2, 1): confidence 0.8, weight 0.8² · 3; equal scores
        // make no pair.
        assert_eq!(pairs.len(), 2);
        assert!(pairs.iter().all(|(_, _, w)| close(*w, 0.64 * 3.0)));
        let q = VectorQuery::Feedback(v(1.0), 0.5, pairs);
        // 0.5·1 + 1.92·(1 − 2) + 1.92·(3 − 2).
        assert!(close(q.custom_score(first), 0.5));
    }
}
