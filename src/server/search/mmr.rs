//! Maximal marginal relevance: re-ranking the nearest candidates for
//! diversity.

use std::collections::HashSet;

use tonic::Status;

use super::super::store::StoredVector;
use super::engine::Engine;
use super::scoring::{preprocess, similarity, stored_as_query};
use super::{Hit, QVec};

impl<'a> Engine<'a> {
    /// Maximal marginal relevance over `points` (best first): the most
    /// relevant, then each time the best trade between similarity to the
    /// query and to those picked, up to `limit`, in pick order, with their
    /// scores as given.
    pub(super) fn mmr(
        &self,
        points: Vec<Hit>,
        query: &QVec,
        using: &str,
        lambda: f32,
        limit: usize,
    ) -> Result<Vec<Hit>, Status> {
        let kind = self.kind_of(using)?;
        let mut seen = HashSet::new();
        let (hits, vectors): (Vec<Hit>, Vec<&StoredVector>) = points
            .into_iter()
            .filter(|h| seen.insert(h.key))
            .filter_map(|h| {
                let v = self.point(&h.key)?.vectors.get(using)?;
                Some((h, v))
            })
            .unzip();
        if hits.len() < 2 || limit == 0 {
            return Ok(if limit == 0 { Vec::new() } else { hits });
        }
        let relevance: Vec<f32> = vectors
            .iter()
            .map(|v| similarity(kind, query, v).unwrap_or(0.0))
            .collect();
        let as_query: Vec<QVec> = vectors
            .iter()
            .map(|v| preprocess(kind, stored_as_query(v)))
            .collect();
        // MaxSim is not symmetric: the candidate is the query side.
        let between = |candidate: usize, picked: usize| {
            similarity(kind, &as_query[candidate], vectors[picked]).unwrap_or(0.0)
        };
        Ok(mmr_order(&relevance, between, lambda, limit)
            .into_iter()
            .map(|i| hits[i].clone())
            .collect())
    }
}

/// The order in which MMR picks candidates, by index: first the most
/// relevant, then each time the one with the best
/// `lambda · relevance − (1 − lambda) · (highest similarity to a picked one)`,
/// up to `limit`. `similarity(candidate, picked)` compares two candidates.
/// Ties go as in Qdrant: to the last candidate met.
pub(super) fn mmr_order(
    relevance: &[f32],
    similarity: impl Fn(usize, usize) -> f32,
    lambda: f32,
    limit: usize,
) -> Vec<usize> {
    let mut remaining: Vec<usize> = (0..relevance.len()).collect();
    let mut selected: Vec<usize> = Vec::new();
    // Each candidate's highest similarity to a picked one, kept up to date.
    let mut redundancy = vec![f32::NEG_INFINITY; relevance.len()];
    while selected.len() < limit && !remaining.is_empty() {
        let score = |i: usize| {
            if selected.is_empty() {
                relevance[i]
            } else {
                lambda * relevance[i] - (1.0 - lambda) * redundancy[i]
            }
        };
        let mut best = 0;
        for (pos, &i) in remaining.iter().enumerate() {
            if score(i) >= score(remaining[best]) {
                best = pos;
            }
        }
        let picked = remaining.swap_remove(best);
        for &i in &remaining {
            redundancy[i] = redundancy[i].max(similarity(i, picked));
        }
        selected.push(picked);
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_diversity_mmr_keeps_the_relevance_order() {
        let order = mmr_order(&[0.9, 0.5, 0.7], |_, _| 1.0, 1.0, 3);
        assert_eq!(order, [0, 2, 1]);
        assert_eq!(mmr_order(&[0.9, 0.5, 0.7], |_, _| 1.0, 1.0, 2), [0, 2]);
        assert!(mmr_order(&[0.9], |_, _| 0.0, 0.5, 0).is_empty());
    }

    #[test]
    fn diversity_prefers_candidates_unlike_those_picked() {
        // 0 and 1 are near duplicates; 2 is less relevant but different.
        let sim = |a: usize, b: usize| if a + b == 1 { 0.99 } else { 0.1 };
        let order = mmr_order(&[0.9, 0.85, 0.6], sim, 0.5, 3);
        assert_eq!(order, [0, 2, 1]);
    }

    #[test]
    fn ties_go_to_the_last_candidate_met() {
        assert_eq!(mmr_order(&[0.5, 0.5, 0.5], |_, _| 0.0, 0.5, 1), [2]);
    }
}
