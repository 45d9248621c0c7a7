//! Planning a query: each level of the prefetch tree checked and turned
//! into its scoring, its inputs resolved (ids to stored vectors, lookups
//! in other collections), its filter checked.

use tonic::Status;

use super::super::filter::CheckedFilter;
use super::super::output::point_key;
use super::super::store::{VectorKind, bad_input, clip};
use super::engine::{Engine, display_key, lookup_not_found};
use super::formula::Formula;
use super::fusion;
use super::recommend::{VectorQuery, average_vector, feedback_pairs};
use super::scoring::check_dims;
use super::scoring::{preprocess, stored_as_query};
use super::{QVec, bad_request, invalid_plan};
use crate::proto;

/// What a level of the query tree does with its candidates.
#[derive(Debug)]
pub(super) enum Scoring<'a> {
    Vector(VectorQuery),
    /// MMR: the nearest `candidates`, re-ranked for diversity with
    /// `lambda` (1 − diversity).
    Mmr {
        query: QVec,
        lambda: f32,
        candidates: usize,
    },
    Rrf {
        k: usize,
        weights: Option<&'a [f32]>,
    },
    Dbsf,
    OrderBy(&'a proto::OrderBy),
    Formula(Formula),
    Sample,
}

/// One level of a query: the top request or a prefetch, planned.
pub(super) struct Plan<'a> {
    pub(super) scoring: Option<Scoring<'a>>,
    pub(super) children: Vec<Plan<'a>>,
    pub(super) using: &'a str,
    pub(super) filter: Option<CheckedFilter<'a>>,
    pub(super) threshold: Option<f32>,
    pub(super) limit: usize,
}

/// The fields a level is planned from.
pub(super) struct Level<'a> {
    pub(super) prefetch: &'a [proto::PrefetchQuery],
    pub(super) query: Option<&'a proto::Query>,
    pub(super) using: &'a str,
    pub(super) filter: Option<&'a proto::Filter>,
    pub(super) threshold: Option<f32>,
    pub(super) limit: usize,
    pub(super) lookup: Option<&'a proto::LookupLocation>,
}

impl<'a> Level<'a> {
    pub(super) fn of_prefetch(p: &'a proto::PrefetchQuery) -> Self {
        Level {
            prefetch: &p.prefetch,
            query: p.query.as_ref(),
            using: p.using.as_deref().unwrap_or(""),
            filter: p.filter.as_ref(),
            threshold: p.score_threshold,
            limit: p.limit.unwrap_or(10) as usize,
            lookup: p.lookup_from.as_ref(),
        }
    }

    pub(super) fn of_query(q: &'a proto::QueryPoints) -> Self {
        Level {
            prefetch: &q.prefetch,
            query: q.query.as_ref(),
            using: q.using.as_deref().unwrap_or(""),
            filter: q.filter.as_ref(),
            threshold: q.score_threshold,
            limit: q.limit.unwrap_or(10) as usize,
            lookup: q.lookup_from.as_ref(),
        }
    }

    /// Qdrant's checks of a level before it plans it.
    pub(super) fn validate(&self) -> Result<(), Status> {
        use proto::query::Variant as Q;
        let variant = self.query.and_then(|q| q.variant.as_ref());
        if !self.prefetch.is_empty() && variant.is_none() {
            return Err(bad_request(
                "A query is needed to merge the prefetches. Can't have prefetches without defining a query.",
            ));
        }
        if self.threshold.is_some() {
            match variant {
                Some(Q::OrderBy(_)) => {
                    return Err(bad_request("Can't use score_threshold with an order_by query."));
                }
                None => {
                    return Err(bad_request(
                        "A query is needed to use the score_threshold. Can't have score_threshold without defining a query.",
                    ));
                }
                _ => {}
            }
        }
        if matches!(variant, Some(Q::Fusion(_) | Q::Rrf(_))) && !self.using.is_empty() {
            return Err(bad_request(
                "Fusion queries cannot be combined with the 'using' field.",
            ));
        }
        Ok(())
    }
}

/// The ids the inputs of a query name.
pub(super) fn referenced_ids(query: Option<&proto::Query>) -> Vec<&proto::PointId> {
    use proto::query::Variant as Q;
    let mut inputs: Vec<&proto::VectorInput> = Vec::new();
    match query.and_then(|q| q.variant.as_ref()) {
        Some(Q::Nearest(i)) => inputs.push(i),
        Some(Q::NearestWithMmr(n)) => inputs.extend(n.nearest.as_ref()),
        Some(Q::Recommend(r)) => inputs.extend(r.positive.iter().chain(&r.negative)),
        Some(Q::Discover(d)) => {
            inputs.extend(d.target.as_ref());
            let pairs = d.context.iter().flat_map(|c| &c.pairs);
            inputs.extend(pairs.flat_map(|p| p.positive.iter().chain(p.negative.iter())));
        }
        Some(Q::Context(c)) => inputs.extend(
            c.pairs
                .iter()
                .flat_map(|p| p.positive.iter().chain(p.negative.iter())),
        ),
        Some(Q::RelevanceFeedback(r)) => {
            inputs.extend(r.target.as_ref());
            inputs.extend(r.feedback.iter().filter_map(|f| f.example.as_ref()));
        }
        _ => {}
    }
    inputs
        .into_iter()
        .filter_map(|i| match &i.variant {
            Some(proto::vector_input::Variant::Id(id)) => Some(id),
            _ => None,
        })
        .collect()
}

/// How deeply prefetches may nest, as in Qdrant.
pub(super) const MAX_PREFETCH_DEPTH: usize = 64;

/// Refuses prefetches nested deeper than Qdrant allows, with its message.
/// The walk keeps its own stack, so any depth is measured safely.
pub(super) fn check_prefetch_depth(prefetch: &[proto::PrefetchQuery]) -> Result<(), Status> {
    let mut depth = 0;
    let mut stack = vec![(prefetch, 1usize)];
    while let Some((level, d)) = stack.pop() {
        for p in level {
            depth = depth.max(d);
            stack.push((&p.prefetch, d + 1));
        }
    }
    if depth > MAX_PREFETCH_DEPTH {
        return Err(invalid_plan(format!(
            "prefetches depth {depth} exceeds max depth {MAX_PREFETCH_DEPTH}"
        )));
    }
    Ok(())
}

impl<'a> Engine<'a> {
    /// Leaves out, everywhere in the query, the points its levels name by
    /// id in this collection (not those looked up in another one).
    pub(super) fn exclude_referenced(&mut self, root: &Level<'_>) -> Result<(), Status> {
        let mut levels = vec![(root.query, root.lookup, root.prefetch)];
        while let Some((query, lookup, prefetch)) = levels.pop() {
            if lookup.is_none_or(|l| l.collection_name == self.name) {
                for id in referenced_ids(query) {
                    self.excluded.insert(point_key(id)?);
                }
            }
            levels.extend(
                prefetch
                    .iter()
                    .map(|p| (p.query.as_ref(), p.lookup_from.as_ref(), &p.prefetch[..])),
            );
        }
        Ok(())
    }

    /// A query input, as a raw vector in the space of `using`: an id gives
    /// the stored vector (normalized already for Cosine).
    pub(super) fn resolve(
        &self,
        input: &proto::VectorInput,
        using: &str,
        lookup: Option<&proto::LookupLocation>,
    ) -> Result<QVec, Status> {
        use proto::vector_input::Variant as V;
        let kind = self.kind_of(using)?;
        let v = match &input.variant {
            Some(V::Id(id)) => {
                let key = point_key(id)?;
                let (col, name) = match lookup {
                    Some(l) => (
                        self.lookups
                            .get(&l.collection_name)
                            .ok_or_else(|| lookup_not_found(&l.collection_name))?,
                        l.vector_name.as_deref().unwrap_or(using),
                    ),
                    None => (self.col, using),
                };
                let point = col.points.get(&key).ok_or_else(|| {
                    Status::not_found(format!("Not found: No point with id {} found", display_key(&key)))
                })?;
                match point.vectors.get(name) {
                    Some(v) => stored_as_query(v),
                    None if col.vector_kind(name).is_none() => {
                        return Err(bad_input(format!("Not existing vector name error: {name}")));
                    }
                    None => {
                        return Err(Status::not_found(clip(format!(
                            "Not found: Vector with name {name:?} for point not found"
                        ))));
                    }
                }
            }
            Some(V::Dense(d)) => QVec::Dense(d.data.clone()),
            Some(V::Sparse(s)) => QVec::Sparse(s.indices.clone(), s.values.clone()),
            Some(V::MultiDense(m)) => QVec::Multi(m.vectors.iter().map(|d| d.data.clone()).collect()),
            Some(V::Document(_) | V::Image(_) | V::Object(_)) => {
                return Err(bad_input(
                    "Inference is not configured: no inference provider to embed documents",
                ));
            }
            None => return Err(Status::invalid_argument("VectorInput variant is missing")),
        };
        match (kind, &v) {
            (VectorKind::Dense { .. }, QVec::Sparse(..))
            | (VectorKind::Sparse { .. }, QVec::Dense(_) | QVec::Multi(_)) => {
                return Err(bad_input("Conversion between sparse and regular vectors failed"));
            }
            (VectorKind::Dense { multi: false, .. }, QVec::Multi(_)) => {
                return Err(bad_input("Conversion between multi and regular vectors failed"));
            }
            _ => {}
        }
        check_dims(kind, &v, using)?;
        Ok(v)
    }

    pub(super) fn resolve_all(
        &self,
        inputs: &[proto::VectorInput],
        using: &str,
        lookup: Option<&proto::LookupLocation>,
    ) -> Result<Vec<QVec>, Status> {
        inputs.iter().map(|i| self.resolve(i, using, lookup)).collect()
    }

    pub(super) fn pairs(
        &self,
        pairs: &[proto::ContextInputPair],
        using: &str,
        lookup: Option<&proto::LookupLocation>,
    ) -> Result<Vec<(QVec, QVec)>, Status> {
        pairs
            .iter()
            .map(|p| {
                let pos = p
                    .positive
                    .as_ref()
                    .ok_or_else(|| Status::invalid_argument("ContextPair positive is missing"))?;
                let neg = p
                    .negative
                    .as_ref()
                    .ok_or_else(|| Status::invalid_argument("ContextPair negative is missing"))?;
                Ok((
                    self.resolve(pos, using, lookup)?,
                    self.resolve(neg, using, lookup)?,
                ))
            })
            .collect()
    }

    /// Turns a level's query into its scoring; `limit` is the level's own,
    /// MMR's default number of candidates.
    pub(super) fn scoring<'q>(
        &self,
        query: &'q proto::Query,
        using: &str,
        lookup: Option<&proto::LookupLocation>,
        limit: usize,
    ) -> Result<Scoring<'q>, Status> {
        use proto::query::Variant as Q;
        let kind = || self.kind_of(using);
        let vector =
            |q: VectorQuery| -> Result<Scoring<'q>, Status> { Ok(Scoring::Vector(q.preprocess(kind()?))) };
        match query
            .variant
            .as_ref()
            .ok_or_else(|| Status::invalid_argument("Query variant is missing"))?
        {
            Q::Nearest(input) => vector(VectorQuery::Nearest(self.resolve(input, using, lookup)?)),
            Q::NearestWithMmr(n) => {
                let input = n
                    .nearest
                    .as_ref()
                    .ok_or_else(|| Status::invalid_argument("nearest vector is missing"))?;
                let mmr = n.mmr.ok_or_else(|| Status::invalid_argument("mmr is missing"))?;
                Ok(Scoring::Mmr {
                    query: preprocess(kind()?, self.resolve(input, using, lookup)?),
                    lambda: mmr.diversity.map_or(0.5, |d| 1.0 - d),
                    candidates: mmr.candidates_limit.map_or(limit, |c| c as usize),
                })
            }
            Q::Recommend(r) => {
                let pos = self.resolve_all(&r.positive, using, lookup)?;
                let neg = self.resolve_all(&r.negative, using, lookup)?;
                let strategy = r
                    .strategy
                    .and_then(|s| proto::RecommendStrategy::try_from(s).ok())
                    .unwrap_or(proto::RecommendStrategy::AverageVector);
                vector(match strategy {
                    proto::RecommendStrategy::AverageVector => {
                        VectorQuery::Nearest(average_vector(&pos, &neg)?)
                    }
                    proto::RecommendStrategy::BestScore => VectorQuery::BestScore(pos, neg),
                    proto::RecommendStrategy::SumScores => VectorQuery::SumScores(pos, neg),
                })
            }
            Q::Discover(d) => {
                let target = d
                    .target
                    .as_ref()
                    .ok_or_else(|| Status::invalid_argument("DiscoverInput target is missing"))?;
                let target = self.resolve(target, using, lookup)?;
                let context = d
                    .context
                    .as_ref()
                    .ok_or_else(|| Status::invalid_argument("DiscoverInput context is missing"))?;
                vector(VectorQuery::Discover(
                    target,
                    self.pairs(&context.pairs, using, lookup)?,
                ))
            }
            Q::Context(c) => vector(VectorQuery::Context(self.pairs(&c.pairs, using, lookup)?)),
            Q::RelevanceFeedback(r) => {
                let target = r
                    .target
                    .as_ref()
                    .ok_or_else(|| Status::invalid_argument("target is missing"))?;
                let target = self.resolve(target, using, lookup)?;
                let feedback = r
                    .feedback
                    .iter()
                    .map(|f| {
                        let e = f
                            .example
                            .as_ref()
                            .ok_or_else(|| Status::invalid_argument("feedback example is missing"))?;
                        Ok((self.resolve(e, using, lookup)?, f.score))
                    })
                    .collect::<Result<Vec<_>, Status>>()?;
                let strategy = r
                    .strategy
                    .as_ref()
                    .and_then(|s| s.variant.as_ref())
                    .ok_or_else(|| Status::invalid_argument("strategy is missing"))?;
                let proto::feedback_strategy::Variant::Naive(n) = strategy;
                vector(VectorQuery::Feedback(
                    target,
                    n.a,
                    feedback_pairs(&feedback, n.b, n.c),
                ))
            }
            Q::OrderBy(o) => Ok(Scoring::OrderBy(o)),
            Q::Fusion(f) => match proto::Fusion::try_from(*f) {
                Ok(proto::Fusion::Rrf) => Ok(Scoring::Rrf {
                    k: fusion::DEFAULT_RRF_K,
                    weights: None,
                }),
                Ok(proto::Fusion::Dbsf) => Ok(Scoring::Dbsf),
                Err(_) => Err(Status::invalid_argument(format!("invalid fusion type value {f}"))),
            },
            Q::Rrf(r) => Ok(Scoring::Rrf {
                k: r.k.map_or(fusion::DEFAULT_RRF_K, |k| k as usize),
                weights: (!r.weights.is_empty()).then_some(&r.weights[..]),
            }),
            Q::Formula(f) => Ok(Scoring::Formula(Formula::parse(f)?)),
            Q::Sample(_) => Ok(Scoring::Sample),
            // Text queries came with protocol 1.20: to Qdrant 1.19 the
            // query has no variant it knows.
            Q::Text(_) => Err(Status::invalid_argument("Query variant is missing")),
        }
    }

    /// Checks and plans a level and, below it, its prefetches. Filters
    /// are evaluated with the collection's payload indexes, as Qdrant
    /// evaluates them.
    pub(super) fn plan<'q>(&self, level: &Level<'q>) -> Result<Plan<'q>, Status>
    where
        'a: 'q,
    {
        level.validate()?;
        let scoring = level
            .query
            .map(|q| self.scoring(q, level.using, level.lookup, level.limit))
            .transpose()?;
        let children = level
            .prefetch
            .iter()
            .map(|p| self.plan(&Level::of_prefetch(p)))
            .collect::<Result<Vec<_>, _>>()?;
        match &scoring {
            Some(Scoring::Rrf { weights: Some(w), .. })
                if !children.is_empty() && w.len() != children.len() =>
            {
                return Err(invalid_plan(format!(
                    "RRF weights length ({}) does not match number of prefetches ({})",
                    w.len(),
                    children.len()
                )));
            }
            Some(Scoring::Rrf { .. } | Scoring::Dbsf) if children.is_empty() => {
                return Err(invalid_plan("cannot apply Fusion without prefetches"));
            }
            Some(Scoring::Formula(_)) if children.is_empty() => {
                return Err(invalid_plan("cannot apply Formula without prefetches"));
            }
            _ => {}
        }
        Ok(Plan {
            scoring,
            children,
            using: level.using,
            filter: CheckedFilter::optional(level.filter)?.map(|f| f.indexed(&self.col.payload_schema)),
            threshold: level.threshold,
            limit: level.limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_input(n: u64) -> proto::VectorInput {
        proto::VectorInput {
            variant: Some(proto::vector_input::Variant::Id(proto::PointId {
                point_id_options: Some(proto::point_id::PointIdOptions::Num(n)),
            })),
        }
    }

    #[test]
    fn the_ids_a_query_names_are_found_in_every_input() {
        let recommend = proto::Query {
            variant: Some(proto::query::Variant::Recommend(proto::RecommendInput {
                positive: vec![id_input(1)],
                negative: vec![id_input(2)],
                strategy: None,
            })),
        };
        assert_eq!(referenced_ids(Some(&recommend)).len(), 2);
        let discover = proto::Query {
            variant: Some(proto::query::Variant::Discover(proto::DiscoverInput {
                target: Some(id_input(3)),
                context: Some(proto::ContextInput {
                    pairs: vec![proto::ContextInputPair {
                        positive: Some(id_input(4)),
                        negative: Some(id_input(5)),
                    }],
                }),
            })),
        };
        assert_eq!(referenced_ids(Some(&discover)).len(), 3);
        assert!(referenced_ids(None).is_empty());
    }

    #[test]
    fn prefetches_nest_at_most_64_levels() {
        let nest = |levels: usize| {
            let mut p = vec![proto::PrefetchQuery::default()];
            for _ in 1..levels {
                p = vec![proto::PrefetchQuery {
                    prefetch: p,
                    ..Default::default()
                }];
            }
            p
        };
        assert!(check_prefetch_depth(&nest(MAX_PREFETCH_DEPTH)).is_ok());
        let err = check_prefetch_depth(&nest(MAX_PREFETCH_DEPTH + 1)).unwrap_err();
        assert_eq!(
            err.message(),
            "Wrong input: Validation failed: prefetches depth 65 exceeds max depth 64"
        );
    }

    #[test]
    fn levels_are_checked_as_qdrant_checks_them() {
        let prefetch = [proto::PrefetchQuery::default()];
        let level = |query: Option<&'static proto::Query>, threshold: Option<f32>| Level {
            prefetch: &prefetch,
            query,
            using: "",
            filter: None,
            threshold,
            limit: 10,
            lookup: None,
        };
        let err = level(None, None).validate().unwrap_err();
        assert!(
            err.message()
                .contains("Can't have prefetches without defining a query")
        );
        static SAMPLE: proto::Query = proto::Query {
            variant: Some(proto::query::Variant::Sample(0)),
        };
        assert!(level(Some(&SAMPLE), Some(0.5)).validate().is_ok());
        let err = level(None, Some(0.5)).validate().unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }
}
