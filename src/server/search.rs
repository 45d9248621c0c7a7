//! The search engine: exact scoring for every distance, sparse and
//! multi-dense vectors, and every query kind (nearest, recommend, discover,
//! context, order by, fusion, formula, sample, MMR, relevance feedback),
//! prefetch trees, groups, facets and search matrices.
//!
//! A query runs as Qdrant 1.19 plans it: filters (and the ids a query
//! names) apply at the leaves of the prefetch tree; each level re-scores
//! the union of its prefetches' results; fusion and MMR of the top level
//! run last, then the offset is cut.

mod formula;
mod fusion;

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use tonic::Status;

use super::filter::{CheckedFilter, parse_datetime, values_at};
use super::output::{check_vector_selector, point_id, point_key, select_payload, select_vectors};
use super::store::{Collection, PointKey, Store, StoredPoint, StoredVector, VectorKind, bad_input, clip};
use crate::proto;
use formula::Formula;
use proto::value::Kind;

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

/// The distance of a vector space; sparse vectors use the dot product.
fn distance_of(kind: VectorKind) -> proto::Distance {
    match kind {
        VectorKind::Dense { distance, .. } => distance,
        VectorKind::Sparse { .. } => proto::Distance::Dot,
    }
}

/// Whether a threshold lets a score through: above it for similarities,
/// below it for distances (strictly, as Qdrant compares).
fn passes(distance: proto::Distance, score: f32, threshold: Option<f32>) -> bool {
    match (threshold, distance) {
        (None, _) => true,
        (Some(t), proto::Distance::Euclid | proto::Distance::Manhattan) => score < t,
        (Some(t), _) => score > t,
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
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
fn preprocess(kind: VectorKind, q: QVec) -> QVec {
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
fn metric(distance: proto::Distance, a: &[f32], b: &[f32]) -> f32 {
    match distance {
        proto::Distance::Euclid => -a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>(),
        proto::Distance::Manhattan => -a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>(),
        _ => dot(a, b),
    }
}

/// The score Qdrant reports for an internal similarity of a nearest search.
fn postprocess(distance: proto::Distance, similarity: f32) -> f32 {
    match distance {
        proto::Distance::Euclid => similarity.abs().sqrt(),
        proto::Distance::Manhattan => similarity.abs(),
        _ => similarity,
    }
}

/// MaxSim: for each query vector, its best match among the document's
/// vectors, summed. Stored multivectors are kept as given, so Cosine
/// normalizes them here.
fn max_sim(distance: proto::Distance, q: &[Vec<f32>], doc: &[Vec<f32>]) -> f32 {
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
fn similarity(kind: VectorKind, q: &QVec, v: &StoredVector) -> Option<f32> {
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
fn shares_dimension(q: &QVec, v: &StoredVector) -> bool {
    match (q, v) {
        (QVec::Sparse(qi, _), StoredVector::Sparse { indices, .. }) => qi.iter().any(|i| indices.contains(i)),
        _ => true,
    }
}

/// Qdrant's fast sigmoid, scaled onto (0, 1).
fn scaled_fast_sigmoid(x: f32) -> f32 {
    0.5 * (fast_sigmoid(x) + 1.0)
}

fn fast_sigmoid(x: f32) -> f32 {
    x / (1.0 + x.abs())
}

/// A query scored against one vector per point.
#[derive(Debug)]
enum VectorQuery {
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
    fn preprocess(self, kind: VectorKind) -> Self {
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
    fn custom_score(&self, sim: impl Fn(&QVec) -> f32) -> f32 {
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

/// What a level of the query tree does with its candidates.
#[derive(Debug)]
enum Scoring<'a> {
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
struct Plan<'a> {
    scoring: Option<Scoring<'a>>,
    children: Vec<Plan<'a>>,
    using: &'a str,
    filter: Option<CheckedFilter<'a>>,
    threshold: Option<f32>,
    limit: usize,
}

/// The fields a level is planned from.
struct Level<'a> {
    prefetch: &'a [proto::PrefetchQuery],
    query: Option<&'a proto::Query>,
    using: &'a str,
    filter: Option<&'a proto::Filter>,
    threshold: Option<f32>,
    limit: usize,
    lookup: Option<&'a proto::LookupLocation>,
}

impl<'a> Level<'a> {
    fn of_prefetch(p: &'a proto::PrefetchQuery) -> Self {
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

    fn of_query(q: &'a proto::QueryPoints) -> Self {
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
    fn validate(&self) -> Result<(), Status> {
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
fn referenced_ids(query: Option<&proto::Query>) -> Vec<&proto::PointId> {
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

/// The engine over one collection, with access to others for `lookup_from`.
pub(crate) struct Engine<'a> {
    /// The collection's name, as the request gave it.
    pub name: &'a str,
    pub col: &'a Collection,
    pub lookups: HashMap<String, Collection>,
    /// The points a query names by id: never among its results.
    excluded: HashSet<PointKey>,
}

impl<'a> Engine<'a> {
    fn new(name: &'a str, col: &'a Collection, lookups: HashMap<String, Collection>) -> Self {
        Engine {
            name,
            col,
            lookups,
            excluded: HashSet::new(),
        }
    }

    fn kind_of(&self, using: &str) -> Result<VectorKind, Status> {
        self.col
            .vector_kind(using)
            .ok_or_else(|| bad_input(format!("Not existing vector name error: {using}")))
    }

    fn point(&self, key: &PointKey) -> Option<&StoredPoint> {
        self.col.points.get(key)
    }

    /// Leaves out, everywhere in the query, the points its levels name by
    /// id in this collection (not those looked up in another one).
    fn exclude_referenced(&mut self, root: &Level<'_>) -> Result<(), Status> {
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
    fn resolve(
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

    fn resolve_all(
        &self,
        inputs: &[proto::VectorInput],
        using: &str,
        lookup: Option<&proto::LookupLocation>,
    ) -> Result<Vec<QVec>, Status> {
        inputs.iter().map(|i| self.resolve(i, using, lookup)).collect()
    }

    fn pairs(
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
    fn scoring<'q>(
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
    fn plan<'q>(&self, level: &Level<'q>) -> Result<Plan<'q>, Status>
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

    /// The points that match every filter on the way down to a leaf, less
    /// the excluded ones, in id order.
    fn candidates(&self, filters: &[CheckedFilter<'_>]) -> Vec<PointKey> {
        self.col
            .points
            .iter()
            .filter(|(k, p)| !self.excluded.contains(k) && filters.iter().all(|f| f.matches(k, p)))
            .map(|(k, _)| *k)
            .collect()
    }

    /// Scores `keys` against a vector query: best first, then the
    /// threshold, then the limit.
    fn search(
        &self,
        keys: &[PointKey],
        query: &VectorQuery,
        using: &str,
        limit: usize,
        threshold: Option<f32>,
    ) -> Result<Vec<Hit>, Status> {
        let kind = self.kind_of(using)?;
        let distance = distance_of(kind);
        let nearest = match query {
            VectorQuery::Nearest(q) => Some(match kind {
                VectorKind::Sparse { idf: true } => with_idf(self.col, using, q),
                _ => q.clone(),
            }),
            _ => None,
        };
        // (rank, reported score, key): a nearest search ranks by the
        // internal similarity and reports the distance's score.
        let mut rows: Vec<(f32, f32, PointKey)> = Vec::new();
        for k in keys {
            let Some(v) = self.point(k).and_then(|p| p.vectors.get(using)) else {
                continue;
            };
            match &nearest {
                Some(q) => {
                    if !shares_dimension(q, v) {
                        continue;
                    }
                    if let Some(s) = similarity(kind, q, v) {
                        rows.push((s, postprocess(distance, s), *k));
                    }
                }
                None => {
                    let s = query.custom_score(|e| similarity(kind, e, v).unwrap_or(0.0));
                    rows.push((s, s, *k));
                }
            }
        }
        rows.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.2.cmp(&b.2)));
        Ok(rows
            .into_iter()
            .take_while(|(_, score, _)| passes(distance, *score, threshold))
            .take(limit)
            .map(|(_, score, key)| Hit {
                key,
                score,
                order_value: None,
            })
            .collect())
    }

    /// Maximal marginal relevance over `points` (best first): the most
    /// relevant, then each time the best trade between similarity to the
    /// query and to those picked, up to `limit`, in pick order, with their
    /// scores as given. Ties go as in Qdrant: to the last candidate met.
    fn mmr(
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
        let mut remaining: Vec<usize> = (0..hits.len()).collect();
        let mut selected: Vec<usize> = Vec::new();
        // Each candidate's highest similarity to a picked one, kept up to date.
        let mut redundancy = vec![f32::NEG_INFINITY; hits.len()];
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
            // MaxSim is not symmetric: the candidate is the query side.
            for &i in &remaining {
                let s = similarity(kind, &as_query[i], vectors[picked]).unwrap_or(0.0);
                redundancy[i] = redundancy[i].max(s);
            }
            selected.push(picked);
        }
        Ok(selected.into_iter().map(|i| hits[i].clone()).collect())
    }

    /// A level without prefetches: it reads the collection itself.
    fn leaf(&self, plan: &Plan<'_>, filters: &[CheckedFilter<'_>], limit: usize) -> Result<Vec<Hit>, Status> {
        let keys = self.candidates(filters);
        match &plan.scoring {
            None => Ok(scrolled(keys.into_iter().take(limit))),
            Some(Scoring::Vector(q)) => self.search(&keys, q, plan.using, limit, plan.threshold),
            // Below the top level, MMR only selects its nearest candidates.
            Some(Scoring::Mmr {
                query, candidates, ..
            }) => self.search(
                &keys,
                &VectorQuery::Nearest(query.clone()),
                plan.using,
                *candidates,
                plan.threshold,
            ),
            Some(Scoring::OrderBy(o)) => self.order_by(&keys, o, limit),
            Some(Scoring::Sample) => Ok(sample(keys, limit)),
            Some(Scoring::Rrf { .. } | Scoring::Dbsf) => {
                Err(invalid_plan("cannot apply Fusion without prefetches"))
            }
            Some(Scoring::Formula(_)) => Err(invalid_plan("cannot apply Formula without prefetches")),
        }
    }

    /// The results of each prefetch of a level.
    fn sources(&self, plan: &Plan<'_>, filters: &[CheckedFilter<'_>]) -> Result<Vec<Vec<Hit>>, Status> {
        plan.children.iter().map(|c| self.run(c, filters)).collect()
    }

    /// A level below the top, with the filters of the levels above it.
    fn run(&self, plan: &Plan<'_>, above: &[CheckedFilter<'_>]) -> Result<Vec<Hit>, Status> {
        let filters: Vec<CheckedFilter<'_>> = above.iter().copied().chain(plan.filter).collect();
        if plan.children.is_empty() {
            return self.leaf(plan, &filters, plan.limit);
        }
        let sources = self.sources(plan, &filters)?;
        self.rescore(plan, sources, plan.limit)
    }

    /// Re-scores the union of a level's sources by its query.
    fn rescore(&self, plan: &Plan<'_>, sources: Vec<Vec<Hit>>, limit: usize) -> Result<Vec<Hit>, Status> {
        let mut seen = HashSet::new();
        let keys: Vec<PointKey> = sources
            .iter()
            .flatten()
            .map(|h| h.key)
            .filter(|k| seen.insert(*k))
            .collect();
        let threshold = plan.threshold;
        let Some(scoring) = &plan.scoring else {
            return Ok(Vec::new());
        };
        match scoring {
            Scoring::Vector(q) => self.search(&keys, q, plan.using, limit, threshold),
            Scoring::Rrf { .. } | Scoring::Dbsf => Ok(at_least(fuse(scoring, &sources), threshold)
                .into_iter()
                .take(limit)
                .collect()),
            Scoring::OrderBy(o) => self.order_by(&keys, o, limit),
            Scoring::Sample => Ok(sample(keys, limit)),
            Scoring::Formula(f) => {
                let scores: Vec<HashMap<PointKey, f32>> = sources
                    .iter()
                    .map(|hits| hits.iter().map(|h| (h.key, h.score)).collect())
                    .collect();
                let mut hits = keys
                    .iter()
                    .map(|k| {
                        Ok(Hit {
                            key: *k,
                            score: f.score(k, self.point(k), &scores)?,
                            order_value: None,
                        })
                    })
                    .collect::<Result<Vec<_>, Status>>()?;
                hits.retain(|h| threshold.is_none_or(|t| h.score >= t));
                sort_by_score(&mut hits);
                hits.truncate(limit);
                Ok(hits)
            }
            Scoring::Mmr { query, lambda, .. } => self.mmr(
                sources.into_iter().flatten().collect(),
                query,
                plan.using,
                *lambda,
                limit,
            ),
        }
    }

    /// The top level: fusion and MMR run over everything the levels below
    /// found, other queries as below; then the offset is cut.
    fn run_top(&self, plan: &Plan<'_>, offset: usize) -> Result<Vec<Hit>, Status> {
        let filters: Vec<CheckedFilter<'_>> = plan.filter.into_iter().collect();
        let limit = plan.limit;
        let with_offset = limit.saturating_add(offset);
        let hits = match (&plan.scoring, plan.children.is_empty()) {
            (
                Some(Scoring::Mmr {
                    query,
                    lambda,
                    candidates,
                }),
                leaf,
            ) => {
                let nearest = VectorQuery::Nearest(query.clone());
                let pool = if leaf {
                    self.search(
                        &self.candidates(&filters),
                        &nearest,
                        plan.using,
                        *candidates,
                        plan.threshold,
                    )?
                } else {
                    let sources = self.sources(plan, &filters)?;
                    let keys: Vec<PointKey> = sources.iter().flatten().map(|h| h.key).collect();
                    let mut seen = HashSet::new();
                    let keys: Vec<PointKey> = keys.into_iter().filter(|k| seen.insert(*k)).collect();
                    self.search(&keys, &nearest, plan.using, *candidates, plan.threshold)?
                };
                // Qdrant picks `limit` points, then cuts the offset from them.
                self.mmr(pool, query, plan.using, *lambda, limit)?
            }
            // Random samples are not paged: the offset is ignored.
            (Some(Scoring::Sample), true) => return self.leaf(plan, &filters, limit),
            (Some(scoring @ (Scoring::Rrf { .. } | Scoring::Dbsf)), false) => {
                let sources = self.sources(plan, &filters)?;
                at_least(fuse(scoring, &sources), plan.threshold)
            }
            (_, true) => self.leaf(plan, &filters, with_offset)?,
            (_, false) => {
                let sources = self.sources(plan, &filters)?;
                self.rescore(plan, sources, with_offset)?
            }
        };
        Ok(hits.into_iter().skip(offset).take(limit).collect())
    }

    /// Points by the values of a range-indexed key: a point comes once per
    /// value, and its order value takes the index's type (date-times as
    /// microseconds).
    fn order_by(&self, keys: &[PointKey], o: &proto::OrderBy, limit: usize) -> Result<Vec<Hit>, Status> {
        use proto::PayloadSchemaType as T;
        let index = self
            .col
            .payload_schema
            .get(&o.key)
            .and_then(|s| T::try_from(s.data_type).ok())
            .filter(|t| matches!(t, T::Integer | T::Float | T::Datetime))
            .ok_or_else(|| {
                bad_input(format!(
                    "No range index for `order_by` key: `{}`. Please create one to use `order_by`. \
                     Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Range conditions",
                    o.key
                ))
            })?;
        let micros = |seconds: f64| (seconds * 1e6).round();
        let desc = o.direction == Some(proto::Direction::Desc as i32);
        let start = o.start_from.as_ref().and_then(|s| s.value.as_ref()).map(|v| {
            use proto::start_from::Value as V;
            let seconds = match v {
                V::Float(f) => return *f,
                V::Integer(i) => return *i as f64,
                V::Timestamp(t) => t.seconds as f64 + f64::from(t.nanos) / 1e9,
                V::Datetime(d) => parse_datetime(d).unwrap_or(0.0),
            };
            if index == T::Datetime {
                micros(seconds)
            } else {
                seconds
            }
        });
        let mut rows: Vec<(f64, PointKey)> = Vec::new();
        for k in keys {
            let Some(p) = self.point(k) else { continue };
            for v in values_at(&p.payload, &o.key) {
                let x = match (&v.kind, index) {
                    (Some(Kind::IntegerValue(i)), T::Integer | T::Float) => *i as f64,
                    (Some(Kind::DoubleValue(d)), T::Float) => *d,
                    (Some(Kind::StringValue(s)), T::Datetime) => match parse_datetime(s) {
                        Some(t) => micros(t),
                        None => continue,
                    },
                    _ => continue,
                };
                if start.is_some_and(|s| if desc { x > s } else { x < s }) {
                    continue;
                }
                rows.push((x, *k));
            }
        }
        rows.sort_by(|a, b| {
            let c = a.0.total_cmp(&b.0);
            (if desc { c.reverse() } else { c }).then_with(|| a.1.cmp(&b.1))
        });
        Ok(rows
            .into_iter()
            .take(limit)
            .map(|(x, key)| Hit {
                key,
                score: SCROLL_SCORE,
                order_value: Some(proto::OrderValue {
                    variant: Some(if index == T::Float {
                        proto::order_value::Variant::Float(x)
                    } else {
                        proto::order_value::Variant::Int(x as i64)
                    }),
                }),
            })
            .collect())
    }
}

/// Fuses sources by RRF or DBSF.
fn fuse(scoring: &Scoring<'_>, sources: &[Vec<Hit>]) -> Vec<Hit> {
    match scoring {
        Scoring::Rrf { k, weights } => fusion::rrf(sources, *k, *weights),
        _ => fusion::dbsf(sources),
    }
}

/// The fused hits scoring at least the threshold (fusion and formula
/// thresholds include their bound, unlike vector searches).
fn at_least(hits: Vec<Hit>, threshold: Option<f32>) -> Vec<Hit> {
    match threshold {
        Some(t) => hits.into_iter().take_while(|h| h.score >= t).collect(),
        None => hits,
    }
}

/// Points as a scroll returns them.
fn scrolled(keys: impl IntoIterator<Item = PointKey>) -> Vec<Hit> {
    keys.into_iter()
        .map(|key| Hit {
            key,
            score: SCROLL_SCORE,
            order_value: None,
        })
        .collect()
}

/// Up to `limit` of `keys`, at random.
fn sample(mut keys: Vec<PointKey>, limit: usize) -> Vec<Hit> {
    shuffle(&mut keys);
    keys.truncate(limit);
    scrolled(keys)
}

/// Recommendation's average vector: the mean of the positives, moved away
/// from the mean of the negatives (`2·pos − neg`), from the vectors as
/// given; the search then normalizes it for Cosine. Sparse vectors
/// combine by dimension; multivectors concatenate (negatives negated).
fn average_vector(pos: &[QVec], neg: &[QVec]) -> Result<QVec, Status> {
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
fn mean(vs: &[QVec]) -> Result<QVec, Status> {
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

fn mixed() -> Status {
    bad_input("Can't average vectors with different types")
}

/// Relevance feedback's pairs: every ordered pair of examples whose
/// feedback scores differ by more than 0, weighted `confidence^b * c`.
fn feedback_pairs(feedback: &[(QVec, f32)], b: f32, c: f32) -> Vec<(QVec, QVec, f32)> {
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

/// A sparse query with each weight scaled by its dimension's IDF, as
/// Qdrant computes it: `ln((N - n + 0.5) / (n + 0.5) + 1)`.
fn with_idf(col: &Collection, name: &str, q: &QVec) -> QVec {
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

fn shuffle<T>(items: &mut [T]) {
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
        | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

/// How deeply prefetches may nest, as in Qdrant.
const MAX_PREFETCH_DEPTH: usize = 64;

/// Refuses prefetches nested deeper than Qdrant allows, with its message.
/// The walk keeps its own stack, so any depth is measured safely.
fn check_prefetch_depth(prefetch: &[proto::PrefetchQuery]) -> Result<(), Status> {
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

/// A stored vector as a query vector.
fn stored_as_query(v: &StoredVector) -> QVec {
    match v {
        StoredVector::Dense(d) => QVec::Dense(d.clone()),
        StoredVector::Sparse { indices, values } => QVec::Sparse(indices.clone(), values.clone()),
        StoredVector::Multi(m) => QVec::Multi(m.clone()),
    }
}

fn display_key(k: &PointKey) -> String {
    match k {
        PointKey::Num(n) => n.to_string(),
        PointKey::Uuid(u) => u.to_string(),
    }
}

/// Qdrant's answer when `lookup_from` or `with_lookup` names a collection
/// that does not exist.
fn lookup_not_found(name: &str) -> Status {
    Status::not_found(clip(format!("Not found: Collection {name} not found")))
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

/// Resolves the collection and the collections `lookup_from` names, then
/// runs `f` over an engine.
async fn with_engine<T>(
    store: &Store,
    name: &str,
    lookups: &[&str],
    f: impl FnOnce(&mut Engine<'_>) -> Result<T, Status>,
) -> Result<T, Status> {
    let shared = store.resolve(name).await?;
    let mut others = HashMap::new();
    for l in lookups {
        let c = store.resolve(l).await.map_err(|_| lookup_not_found(l))?;
        let guard = c.read().await;
        others.insert(
            (*l).to_owned(),
            Collection {
                config: guard.config.clone(),
                points: guard.points.clone(),
                payload_schema: guard.payload_schema.clone(),
                operation_id: guard.operation_id,
                snapshots: Vec::new(),
                metadata: HashMap::new(),
            },
        );
    }
    let col = shared.read().await;
    let mut engine = Engine::new(name, &col, others);
    f(&mut engine)
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

/// The collections `lookup_from` names anywhere in the query, each once.
fn lookup_names(q: &proto::QueryPoints) -> Vec<&str> {
    let mut out = Vec::new();
    if let Some(l) = &q.lookup_from {
        out.push(l.collection_name.as_str());
    }
    let mut stack: Vec<&proto::PrefetchQuery> = q.prefetch.iter().collect();
    while let Some(p) = stack.pop() {
        if let Some(l) = &p.lookup_from {
            out.push(&l.collection_name);
        }
        stack.extend(&p.prefetch);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Plans and runs a query.
fn run_hits(engine: &mut Engine<'_>, q: &proto::QueryPoints) -> Result<Vec<Hit>, Status> {
    check_prefetch_depth(&q.prefetch)?;
    let level = Level::of_query(q);
    engine.exclude_referenced(&level)?;
    let plan = engine.plan(&level)?;
    engine.run_top(&plan, q.offset.unwrap_or(0) as usize)
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

/// How Qdrant ranks a query's results when it groups them.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ResultOrder {
    LargeBetter,
    SmallBetter,
    /// Random samples and MMR: groups and their hits come in no set order.
    Unordered,
}

fn result_order(engine: &Engine<'_>, q: &proto::QueryPoints) -> Result<ResultOrder, Status> {
    use proto::query::Variant as Q;
    let distance_order = || -> Result<ResultOrder, Status> {
        let kind = engine.kind_of(q.using.as_deref().unwrap_or(""))?;
        Ok(match distance_of(kind) {
            proto::Distance::Euclid | proto::Distance::Manhattan => ResultOrder::SmallBetter,
            _ => ResultOrder::LargeBetter,
        })
    };
    Ok(match q.query.as_ref().and_then(|q| q.variant.as_ref()) {
        None => ResultOrder::SmallBetter,
        Some(Q::Nearest(_)) => distance_order()?,
        Some(Q::Recommend(r))
            if r.strategy
                .is_none_or(|s| s == proto::RecommendStrategy::AverageVector as i32) =>
        {
            distance_order()?
        }
        Some(Q::OrderBy(o)) if o.direction == Some(proto::Direction::Desc as i32) => ResultOrder::LargeBetter,
        Some(Q::OrderBy(_)) => ResultOrder::SmallBetter,
        Some(Q::Sample(_) | Q::NearestWithMmr(_)) => ResultOrder::Unordered,
        Some(_) => ResultOrder::LargeBetter,
    })
}

/// What a hit is ranked by: its order value, else its score.
fn rank_value(h: &Hit) -> f64 {
    match h.order_value.as_ref().and_then(|o| o.variant.as_ref()) {
        Some(proto::order_value::Variant::Int(i)) => *i as f64,
        Some(proto::order_value::Variant::Float(f)) => *f,
        None => f64::from(h.score),
    }
}

/// `a` before `b` in a result order.
fn ranks_before(order: ResultOrder, a: &Hit, b: &Hit) -> Ordering {
    match order {
        ResultOrder::LargeBetter => rank_value(b).total_cmp(&rank_value(a)),
        ResultOrder::SmallBetter => rank_value(a).total_cmp(&rank_value(b)),
        ResultOrder::Unordered => Ordering::Equal,
    }
}

/// The group ids of a point: one per distinct value at `group_by`; none
/// when any value is not a string or an integer (Qdrant skips the point).
fn group_ids(p: &StoredPoint, group_by: &str) -> Vec<proto::GroupId> {
    use proto::group_id::Kind as G;
    let mut ids: Vec<proto::GroupId> = Vec::new();
    for v in values_at(&p.payload, group_by) {
        let id = match &v.kind {
            Some(Kind::StringValue(s)) => G::StringValue(s.clone()),
            Some(Kind::IntegerValue(i)) if *i >= 0 => G::UnsignedValue(*i as u64),
            Some(Kind::IntegerValue(i)) => G::IntegerValue(*i),
            _ => return Vec::new(),
        };
        let id = proto::GroupId { kind: Some(id) };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The groups found so far, as Qdrant's aggregator keeps them.
struct Groups {
    order: ResultOrder,
    group_size: usize,
    limit: usize,
    members: Vec<(proto::GroupId, Vec<Hit>)>,
    index: HashMap<proto::GroupId, usize>,
    best: Vec<Hit>,
    full: HashSet<proto::GroupId>,
    ids: HashSet<PointKey>,
}

impl Groups {
    fn add(&mut self, engine: &Engine<'_>, hits: &[Hit], group_by: &str) {
        for h in hits {
            let Some(p) = engine.point(&h.key) else { continue };
            for id in group_ids(p, group_by) {
                let i = *self.index.entry(id.clone()).or_insert_with(|| {
                    self.members.push((id.clone(), Vec::new()));
                    self.best.push(h.clone());
                    self.members.len() - 1
                });
                let group = &mut self.members[i].1;
                if !group.iter().any(|m| m.key == h.key) {
                    group.push(h.clone());
                    self.ids.insert(h.key);
                }
                if group.len() == self.group_size {
                    self.full.insert(id);
                }
                if ranks_before(self.order, h, &self.best[i]) == Ordering::Less {
                    self.best[i] = h.clone();
                }
            }
        }
    }

    /// The best `limit` groups, by their best hit.
    fn best_groups(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.members.len()).collect();
        order.sort_by(|a, b| ranks_before(self.order, &self.best[*a], &self.best[*b]));
        order.truncate(self.limit);
        order
    }

    fn filled_best(&self) -> usize {
        self.best_groups()
            .into_iter()
            .filter(|i| self.full.contains(&self.members[*i].0))
            .count()
    }

    fn keys(&self, which: impl Iterator<Item = usize>) -> Vec<&proto::GroupId> {
        which.map(|i| &self.members[i].0).collect()
    }

    fn into_groups(mut self) -> Vec<(proto::GroupId, Vec<Hit>)> {
        let order = self.order;
        self.best_groups()
            .into_iter()
            .map(|i| {
                let (id, mut hits) = std::mem::take(&mut self.members[i]);
                hits.sort_by(|a, b| ranks_before(order, a, b).then_with(|| a.key.cmp(&b.key)));
                hits.truncate(self.group_size);
                (id, hits)
            })
            .collect()
    }
}

/// A condition on the group key: `except` the given groups, or any of them.
fn group_condition(group_by: &str, ids: &[&proto::GroupId], except: bool) -> Vec<proto::Condition> {
    use proto::r#match::MatchValue as M;
    let ints: Vec<i64> = ids
        .iter()
        .filter_map(|id| match id.kind {
            Some(proto::group_id::Kind::UnsignedValue(n)) => i64::try_from(n).ok(),
            Some(proto::group_id::Kind::IntegerValue(n)) => Some(n),
            _ => None,
        })
        .collect();
    let strings: Vec<String> = ids
        .iter()
        .filter_map(|id| match &id.kind {
            Some(proto::group_id::Kind::StringValue(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    if !ints.is_empty() {
        let v = proto::RepeatedIntegers { integers: ints };
        out.push(if except {
            M::ExceptIntegers(v)
        } else {
            M::Integers(v)
        });
    }
    if !strings.is_empty() {
        let v = proto::RepeatedStrings { strings };
        out.push(if except {
            M::ExceptKeywords(v)
        } else {
            M::Keywords(v)
        });
    }
    out.into_iter().map(|m| field_condition(group_by, m)).collect()
}

fn field_condition(key: &str, m: proto::r#match::MatchValue) -> proto::Condition {
    proto::Condition {
        condition_one_of: Some(proto::condition::ConditionOneOf::Field(proto::FieldCondition {
            key: key.to_owned(),
            r#match: Some(proto::Match { match_value: Some(m) }),
            ..Default::default()
        })),
    }
}

/// The request for one round of grouping: the base request, restricted
/// to points with a group key, not yet grouped, and matching `extra`;
/// `limit` candidates, and each prefetch's limit times the group size.
fn group_round(
    base: &proto::QueryPoints,
    group_by: &str,
    extra: Vec<proto::Condition>,
    seen: &HashSet<PointKey>,
    limit: usize,
    group_size: usize,
) -> proto::QueryPoints {
    use proto::condition::ConditionOneOf as C;
    let mut q = base.clone();
    let mut must: Vec<proto::Condition> = q
        .filter
        .take()
        .map(|f| proto::Condition {
            condition_one_of: Some(C::Filter(f)),
        })
        .into_iter()
        .collect();
    must.extend(extra);
    let mut must_not = vec![proto::Condition {
        condition_one_of: Some(C::IsEmpty(proto::IsEmptyCondition {
            key: group_by.to_owned(),
        })),
    }];
    if !seen.is_empty() {
        let mut ids: Vec<&PointKey> = seen.iter().collect();
        ids.sort();
        must_not.push(proto::Condition {
            condition_one_of: Some(C::HasId(proto::HasIdCondition {
                has_id: ids.into_iter().map(point_id).collect(),
            })),
        });
    }
    q.filter = Some(proto::Filter {
        must,
        must_not,
        ..Default::default()
    });
    q.limit = Some(limit as u64);
    q.offset = None;
    let mut stack: Vec<&mut proto::PrefetchQuery> = q.prefetch.iter_mut().collect();
    while let Some(p) = stack.pop() {
        p.limit = Some(p.limit.unwrap_or(10).saturating_mul(group_size as u64));
        stack.extend(p.prefetch.iter_mut());
    }
    q
}

/// How many requests each phase of grouping may make, as in Qdrant.
const GROUP_REQUESTS: usize = 5;

/// Groups a query's results as Qdrant does: rounds of `limit × group_size`
/// candidates, first leaving out the groups already full, then only the
/// best groups not yet full, five rounds each at most.
fn group(
    engine: &mut Engine<'_>,
    base: &proto::QueryPoints,
    group_by: &str,
    group_size: usize,
    limit: usize,
) -> Result<Vec<(proto::GroupId, Vec<Hit>)>, Status> {
    let mut groups = Groups {
        order: result_order(engine, base)?,
        group_size,
        limit,
        members: Vec::new(),
        index: HashMap::new(),
        best: Vec::new(),
        full: HashSet::new(),
        ids: HashSet::new(),
    };
    if group_size == 0 || limit == 0 {
        return Ok(Vec::new());
    }
    let candidates = limit.saturating_mul(group_size);
    let mut filling = false;
    let mut rounds = 0;
    while rounds < 2 * GROUP_REQUESTS {
        if !filling && rounds == GROUP_REQUESTS {
            filling = true;
        }
        rounds += 1;
        let extra = if filling {
            let best = groups.best_groups();
            let unfilled = best
                .into_iter()
                .filter(|i| !groups.full.contains(&groups.members[*i].0));
            group_condition(group_by, &groups.keys(unfilled), false)
        } else {
            let mut full: Vec<&proto::GroupId> = groups.full.iter().collect();
            full.sort_by_key(|id| format!("{id:?}"));
            group_condition(group_by, &full, true)
        };
        let q = group_round(base, group_by, extra, &groups.ids, candidates, group_size);
        let hits = run_hits(engine, &q)?;
        groups.add(engine, &hits, group_by);
        if groups.filled_best() >= limit || (filling && hits.is_empty()) {
            break;
        }
        if hits.is_empty() && !filling {
            filling = true;
            rounds = GROUP_REQUESTS;
        }
    }
    Ok(groups.into_groups())
}

async fn groups_response(
    store: &Store,
    q: proto::QueryPoints,
    group_by: String,
    group_size: usize,
    limit: usize,
    with_lookup: Option<proto::WithLookup>,
) -> Result<proto::GroupsResult, Status> {
    if group_by.is_empty() {
        return Err(bad_input("group_by must not be empty"));
    }
    let lookups = lookup_names(&q);
    let groups = with_engine(store, &q.collection_name, &lookups, |e| {
        group(e, &q, &group_by, group_size, limit)?
            .into_iter()
            .map(|(id, members)| {
                let hits = scored(e, members, q.with_payload.as_ref(), q.with_vectors.as_ref())?;
                Ok((id, hits))
            })
            .collect::<Result<Vec<_>, Status>>()
    })
    .await?;
    let mut out = Vec::new();
    for (id, hits) in groups {
        let lookup = match &with_lookup {
            None => None,
            Some(l) => {
                let c = store
                    .resolve(&l.collection)
                    .await
                    .map_err(|_| lookup_not_found(&l.collection))?;
                let c = c.read().await;
                let key = match &id.kind {
                    Some(proto::group_id::Kind::UnsignedValue(n)) => Some(PointKey::Num(*n)),
                    Some(proto::group_id::Kind::StringValue(s)) => {
                        uuid::Uuid::parse_str(s).ok().map(PointKey::Uuid)
                    }
                    _ => None,
                };
                key.and_then(|k| {
                    c.points.get(&k).map(|p| {
                        super::output::retrieved(
                            &k,
                            p,
                            l.with_payload.as_ref().or(Some(&proto::WithPayloadSelector {
                                selector_options: Some(
                                    proto::with_payload_selector::SelectorOptions::Enable(true),
                                ),
                            })),
                            l.with_vectors.as_ref(),
                        )
                    })
                })
            }
        };
        out.push(proto::PointGroup {
            id: Some(id),
            hits,
            lookup,
        });
    }
    Ok(proto::GroupsResult { groups: out })
}

pub(crate) async fn query_groups(
    store: &Store,
    req: proto::QueryPointGroups,
) -> Result<proto::QueryGroupsResponse, Status> {
    let start = std::time::Instant::now();
    let q = proto::QueryPoints {
        collection_name: req.collection_name,
        prefetch: req.prefetch,
        query: req.query,
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
        req.group_size.unwrap_or(3) as usize,
        req.limit.unwrap_or(10) as usize,
        req.with_lookup,
    )
    .await?;
    Ok(proto::QueryGroupsResponse {
        result: Some(result),
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}

/// A legacy dense or sparse search vector as a query input.
#[allow(deprecated)]
fn legacy_input(vector: Vec<f32>, sparse: Option<proto::SparseIndices>) -> proto::VectorInput {
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
fn vector_to_input(v: proto::Vector) -> proto::VectorInput {
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

fn id_input(id: proto::PointId) -> proto::VectorInput {
    proto::VectorInput {
        variant: Some(proto::vector_input::Variant::Id(id)),
    }
}

fn example_input(e: proto::VectorExample) -> Option<proto::VectorInput> {
    match e.example? {
        proto::vector_example::Example::Id(id) => Some(id_input(id)),
        proto::vector_example::Example::Vector(v) => Some(vector_to_input(v)),
    }
}

fn search_as_query(s: proto::SearchPoints) -> proto::QueryPoints {
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

fn recommend_query(
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

fn recommend_as_query(r: proto::RecommendPoints) -> proto::QueryPoints {
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
fn check_examples(r: &proto::RecommendPoints) -> Result<(), Status> {
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
fn discover_as_query(d: proto::DiscoverPoints) -> Result<proto::QueryPoints, Status> {
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
async fn check_vectors_first<'s>(
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
async fn batch_results(
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

pub(crate) async fn facet(store: &Store, req: proto::FacetCounts) -> Result<proto::FacetResponse, Status> {
    let start = std::time::Instant::now();
    super::validate::facet(&req)?;
    let shared = store.resolve(&req.collection_name).await?;
    let col = shared.read().await;
    let schema = col.payload_schema.get(&req.key);
    let indexed = schema.is_some_and(|s| {
        [
            proto::PayloadSchemaType::Keyword,
            proto::PayloadSchemaType::Integer,
            proto::PayloadSchemaType::Bool,
            proto::PayloadSchemaType::Uuid,
        ]
        .iter()
        .any(|t| s.data_type == *t as i32)
    });
    if !indexed {
        return Err(bad_input(format!(
            "No appropriate index for faceting: `{}`. Please create one to facet on this field. \
             Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Match conditions",
            req.key
        )));
    }
    let filter = CheckedFilter::optional(req.filter.as_ref())?.map(|f| f.indexed(&col.payload_schema));
    let mut counts: HashMap<proto::facet_value::Variant, u64> = HashMap::new();
    // Qdrant counts the distinct values its index holds for each point.
    for (k, p) in &col.points {
        if filter.is_some_and(|f| !f.matches(k, p)) {
            continue;
        }
        for value in schema
            .map(|s| super::filter::facet_values(s, &req.key, &p.payload))
            .unwrap_or_default()
        {
            *counts.entry(value).or_default() += 1;
        }
    }
    let mut hits: Vec<(proto::facet_value::Variant, u64)> = counts.into_iter().collect();
    hits.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| facet_order(&a.0, &b.0)));
    hits.truncate(req.limit.unwrap_or(10) as usize);
    Ok(proto::FacetResponse {
        hits: hits
            .into_iter()
            .map(|(v, count)| proto::FacetHit {
                value: Some(proto::FacetValue { variant: Some(v) }),
                count,
            })
            .collect(),
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}

fn facet_order(a: &proto::facet_value::Variant, b: &proto::facet_value::Variant) -> Ordering {
    use proto::facet_value::Variant as F;
    match (a, b) {
        (F::StringValue(x), F::StringValue(y)) => x.cmp(y),
        (F::IntegerValue(x), F::IntegerValue(y)) => x.cmp(y),
        (F::BoolValue(x), F::BoolValue(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// The names of a collection's vectors, sorted.
fn vector_names(col: &Collection) -> Vec<&str> {
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
fn matrix(col: &Collection, req: &proto::SearchMatrixPoints) -> Result<Vec<(PointKey, Vec<Hit>)>, Status> {
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
