//! Fusing the results of several prefetches, as Qdrant 1.19 does:
//! reciprocal rank fusion and distribution-based score fusion.

use std::collections::HashMap;

use super::super::store::PointKey;
use super::{Hit, sort_by_score};

/// Qdrant's default `k` of reciprocal rank fusion.
pub(super) const DEFAULT_RRF_K: usize = 2;

/// Reciprocal rank fusion: a hit at position `p` (from 0) of a list with
/// weight `w` adds `1 / ((p + 1) / w + k - 1)`, which is `1 / (p + k)` for
/// the default weight 1; a weight of 0 or less adds nothing.
pub(super) fn rrf(lists: &[Vec<Hit>], k: usize, weights: Option<&[f32]>) -> Vec<Hit> {
    let mut scores: HashMap<PointKey, f32> = HashMap::new();
    for (i, hits) in lists.iter().enumerate() {
        let w = weights.and_then(|w| w.get(i)).copied().unwrap_or(1.0);
        for (position, h) in hits.iter().enumerate() {
            let add = if w <= 0.0 {
                0.0
            } else {
                1.0 / ((position + 1) as f32 / w + k as f32 - 1.0)
            };
            *scores.entry(h.key).or_default() += add;
        }
    }
    fused(scores)
}

/// Distribution-based score fusion: each list's scores are mapped from
/// mean ± 3 sample standard deviations onto [0, 1] (not clamped: outliers
/// land outside), a list of one scores 0.5, then a point's scores are
/// summed. Scores are taken as given, distances included.
pub(super) fn dbsf(lists: &[Vec<Hit>]) -> Vec<Hit> {
    let mut scores: HashMap<PointKey, f32> = HashMap::new();
    for hits in lists {
        for (key, norm) in hits.iter().map(|h| h.key).zip(distribution_norm(hits)) {
            *scores.entry(key).or_default() += norm;
        }
    }
    fused(scores)
}

/// The normalized scores of one list, in its order.
fn distribution_norm(hits: &[Hit]) -> Vec<f32> {
    if hits.len() < 2 {
        return vec![0.5; hits.len()];
    }
    // Welford's one-pass mean and variance, in f32 as Qdrant computes them.
    let (mut mean, mut aggregate) = (0.0f32, 0.0f32);
    for (h, n) in hits.iter().zip(1usize..) {
        let old_delta = h.score - mean;
        mean += old_delta / n as f32;
        aggregate += old_delta * (h.score - mean);
    }
    let std_dev = (aggregate / (hits.len() as f32 - 1.0)).sqrt();
    let (min, max) = (mean - 3.0 * std_dev, mean + 3.0 * std_dev);
    if min == max {
        return vec![0.5; hits.len()];
    }
    hits.iter().map(|h| (h.score - min) / (max - min)).collect()
}

fn fused(scores: HashMap<PointKey, f32>) -> Vec<Hit> {
    let mut hits: Vec<Hit> = scores
        .into_iter()
        .map(|(key, score)| Hit {
            key,
            score,
            order_value: None,
        })
        .collect();
    sort_by_score(&mut hits);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(scores: &[(u64, f32)]) -> Vec<Hit> {
        scores
            .iter()
            .map(|&(id, score)| Hit {
                key: PointKey::Num(id),
                score,
                order_value: None,
            })
            .collect()
    }

    #[test]
    fn rrf_ranks_from_one_over_k() {
        let a = list(&[(1, 0.9), (2, 0.8)]);
        let b = list(&[(2, 5.0), (3, 4.0)]);
        let fused = rrf(&[a.clone(), b.clone()], DEFAULT_RRF_K, None);
        // Point 2: 1/(1 + 2) + 1/(0 + 2).
        assert_eq!(fused[0].key, PointKey::Num(2));
        assert!((fused[0].score - (1.0 / 3.0 + 0.5)).abs() < 1e-6);
        // With weights 3 and 1, a first place in the first list scores 1/(1/3 + 1).
        let weighted = rrf(&[a, b], 2, Some(&[3.0, 1.0]));
        let one = weighted
            .iter()
            .find(|h| h.key == PointKey::Num(1))
            .map(|h| h.score);
        assert!((one.unwrap_or_default() - 0.75).abs() < 1e-6);
    }

    #[test]
    fn dbsf_uses_the_sample_variance() {
        // Mean 2, sample variance 1: the range is -1..5.
        let norm = distribution_norm(&list(&[(1, 3.0), (2, 2.0), (3, 1.0)]));
        assert!((norm[0] - 4.0 / 6.0).abs() < 1e-6);
        assert_eq!(distribution_norm(&list(&[(1, 3.0)])), [0.5]);
    }
}
