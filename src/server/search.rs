//! The search engine: exact scoring for every distance, sparse and
//! multi-dense vectors, and every query kind (nearest, recommend, discover,
//! context, order by, fusion, formula, sample, MMR, relevance feedback),
//! prefetch trees, groups, facets and search matrices.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use tonic::Status;

use super::filter::{self, CheckedFilter, values_at};
use super::output::{point_id, point_key, select_payload, select_vectors};
use super::store::{Collection, PointKey, Store, StoredPoint, StoredVector, VectorKind, bad_input};
use crate::proto;
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

/// Which way scores improve for a vector: up (similarities) or down (distances).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Direction {
    HigherBetter,
    LowerBetter,
}

fn direction(kind: VectorKind) -> Direction {
    match kind {
        VectorKind::Dense {
            distance: proto::Distance::Euclid | proto::Distance::Manhattan,
            ..
        } => Direction::LowerBetter,
        _ => Direction::HigherBetter,
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

fn dense_score(distance: proto::Distance, a: &[f32], b: &[f32]) -> f32 {
    match distance {
        proto::Distance::Euclid => a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f32>()
            .sqrt(),
        proto::Distance::Manhattan => a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum(),
        _ => dot(a, b),
    }
}

/// A similarity where higher is always better, for the combinations
/// (recommend, discover, MMR) that compare scores.
fn similarity(kind: VectorKind, q: &QVec, v: &StoredVector, idf: &HashMap<u32, f32>) -> Option<f32> {
    let s = score(kind, q, v, idf)?;
    Some(if direction(kind) == Direction::LowerBetter {
        -s
    } else {
        s
    })
}

/// The score Qdrant reports for `q` against a stored vector.
fn score(kind: VectorKind, q: &QVec, v: &StoredVector, idf: &HashMap<u32, f32>) -> Option<f32> {
    match (kind, q, v) {
        (
            VectorKind::Dense {
                distance,
                multi: false,
                ..
            },
            QVec::Dense(q),
            StoredVector::Dense(v),
        ) => Some(dense_score(distance, q, v)),
        (VectorKind::Dense { distance, .. }, QVec::Multi(q), StoredVector::Multi(v)) => {
            Some(max_sim(distance, q, v))
        }
        (
            VectorKind::Dense {
                distance,
                multi: true,
                ..
            },
            QVec::Dense(q),
            StoredVector::Multi(v),
        ) => Some(max_sim(distance, std::slice::from_ref(q), v)),
        (VectorKind::Sparse { .. }, QVec::Sparse(qi, qv), StoredVector::Sparse { indices, values }) => {
            let doc: HashMap<u32, f32> = indices.iter().copied().zip(values.iter().copied()).collect();
            let mut hit = false;
            let mut s = 0.0;
            for (i, w) in qi.iter().zip(qv) {
                if let Some(d) = doc.get(i) {
                    hit = true;
                    s += w * d * idf.get(i).copied().unwrap_or(1.0);
                }
            }
            // Points that share no dimension with the query are not found.
            hit.then_some(s)
        }
        _ => None,
    }
}

/// MaxSim: for each query vector, its best match among the document's
/// vectors, summed.
fn max_sim(distance: proto::Distance, q: &[Vec<f32>], doc: &[Vec<f32>]) -> f32 {
    let lower_better = matches!(distance, proto::Distance::Euclid | proto::Distance::Manhattan);
    q.iter()
        .map(|qv| {
            let scores = doc.iter().map(|dv| {
                let mut dv = dv.clone();
                let mut qv = qv.clone();
                if distance == proto::Distance::Cosine {
                    normalize(&mut dv);
                    normalize(&mut qv);
                }
                dense_score(distance, &qv, &dv)
            });
            if lower_better {
                scores.fold(f32::INFINITY, f32::min)
            } else {
                scores.fold(f32::NEG_INFINITY, f32::max)
            }
        })
        .sum()
}

/// IDF weights of the query's dimensions, as Qdrant computes them:
/// `ln((N - n + 0.5) / (n + 0.5) + 1)`.
fn idf_weights(col: &Collection, name: &str, q: &QVec) -> HashMap<u32, f32> {
    let QVec::Sparse(indices, _) = q else {
        return HashMap::new();
    };
    let total = col
        .points
        .values()
        .filter(|p| p.vectors.contains_key(name))
        .count() as f32;
    indices
        .iter()
        .map(|i| {
            let n = col
                .points
                .values()
                .filter(|p| matches!(p.vectors.get(name), Some(StoredVector::Sparse { indices, .. }) if indices.contains(i)))
                .count() as f32;
            (*i, ((total - n + 0.5) / (n + 0.5) + 1.0).ln())
        })
        .collect()
}

/// Sorts best first; equal scores by ascending id.
fn sort_hits(hits: &mut [Hit], dir: Direction) {
    hits.sort_by(|a, b| {
        let by_score = match dir {
            Direction::HigherBetter => b.score.total_cmp(&a.score),
            Direction::LowerBetter => a.score.total_cmp(&b.score),
        };
        by_score.then_with(|| a.key.cmp(&b.key))
    });
}

fn passes_threshold(score: f32, threshold: Option<f32>, dir: Direction) -> bool {
    match (threshold, dir) {
        (None, _) => true,
        (Some(t), Direction::HigherBetter) => score >= t,
        (Some(t), Direction::LowerBetter) => score <= t,
    }
}

/// Everything one query (or prefetch) level needs.
struct Level<'a> {
    prefetch: &'a [proto::PrefetchQuery],
    query: Option<&'a proto::Query>,
    using: Option<&'a str>,
    filter: Option<&'a proto::Filter>,
    score_threshold: Option<f32>,
    limit: usize,
    offset: usize,
    lookup_from: Option<&'a proto::LookupLocation>,
}

/// The engine over one collection, with access to others for `lookup_from`.
pub(crate) struct Engine<'a> {
    pub col: &'a Collection,
    pub lookups: HashMap<String, Collection>,
}

impl Engine<'_> {
    fn kind_of(&self, using: &str) -> Result<VectorKind, Status> {
        self.col
            .vector_kind(using)
            .ok_or_else(|| bad_input(format!("Not existing vector name error: {using}")))
    }

    /// A query input, as a vector in the space of `using`.
    fn resolve(
        &self,
        input: &proto::VectorInput,
        using: &str,
        lookup: Option<&proto::LookupLocation>,
        used_ids: &mut Vec<PointKey>,
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
                            .ok_or_else(|| super::store::collection_not_found(&l.collection_name))?,
                        l.vector_name.as_deref().unwrap_or(using),
                    ),
                    None => {
                        used_ids.push(key);
                        (self.col, using)
                    }
                };
                let point = col.points.get(&key).ok_or_else(|| {
                    Status::not_found(format!("Not found: No point with id {} found", display_key(&key)))
                })?;
                match point.vectors.get(name) {
                    Some(StoredVector::Dense(d)) => QVec::Dense(d.clone()),
                    Some(StoredVector::Sparse { indices, values }) => {
                        QVec::Sparse(indices.clone(), values.clone())
                    }
                    Some(StoredVector::Multi(m)) => QVec::Multi(m.clone()),
                    None => return Err(bad_input(format!("Not existing vector name error: {name}"))),
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
            None => return Err(bad_input("Empty vector input")),
        };
        check_dims(kind, &v, using)?;
        Ok(match (kind, v) {
            (
                VectorKind::Dense {
                    distance: proto::Distance::Cosine,
                    multi: false,
                    ..
                },
                QVec::Dense(mut d),
            ) => {
                normalize(&mut d);
                QVec::Dense(d)
            }
            (_, v) => v,
        })
    }

    fn candidates(&self, filter: Option<CheckedFilter<'_>>) -> Vec<PointKey> {
        self.col
            .points
            .iter()
            .filter(|(k, p)| filter.is_none_or(|f| f.matches(k, p)))
            .map(|(k, _)| *k)
            .collect()
    }

    fn point(&self, key: &PointKey) -> Option<&StoredPoint> {
        self.col.points.get(key)
    }

    /// Scores candidates against one query vector.
    fn nearest(&self, keys: &[PointKey], q: &QVec, using: &str) -> Result<(Vec<Hit>, Direction), Status> {
        let kind = self.kind_of(using)?;
        let idf = if matches!(kind, VectorKind::Sparse { idf: true }) {
            idf_weights(self.col, using, q)
        } else {
            HashMap::new()
        };
        let hits = keys
            .iter()
            .filter_map(|k| {
                let v = self.point(k)?.vectors.get(using)?;
                score(kind, q, v, &idf).map(|score| Hit {
                    key: *k,
                    score,
                    order_value: None,
                })
            })
            .collect();
        Ok((hits, direction(kind)))
    }

    /// Runs one level: its prefetches, then its query over their results.
    fn run(&self, level: Level<'_>) -> Result<(Vec<Hit>, Direction), Status> {
        let using = level.using.unwrap_or("");
        let filter = CheckedFilter::optional(level.filter)?;
        let sub: Vec<(Vec<Hit>, Direction)> = level
            .prefetch
            .iter()
            .map(|p| {
                self.run(Level {
                    prefetch: &p.prefetch,
                    query: p.query.as_ref(),
                    using: p.using.as_deref(),
                    filter: p.filter.as_ref(),
                    score_threshold: p.score_threshold,
                    limit: p.limit.unwrap_or(10) as usize,
                    offset: 0,
                    lookup_from: p.lookup_from.as_ref(),
                })
            })
            .collect::<Result<_, _>>()?;
        let keys: Vec<PointKey> = if sub.is_empty() {
            self.candidates(filter)
        } else {
            let mut seen = HashSet::new();
            sub.iter()
                .flat_map(|(hits, _)| hits.iter().map(|h| h.key))
                .filter(|k| seen.insert(*k))
                .filter(|k| filter.is_none_or(|f| self.point(k).is_some_and(|p| f.matches(k, p))))
                .collect()
        };
        let mut used_ids = Vec::new();
        let (mut hits, dir) = match level.query.and_then(|q| q.variant.as_ref()) {
            None => match sub.into_iter().next() {
                Some((hits, dir)) => (hits, dir),
                None => (
                    keys.iter()
                        .map(|k| Hit {
                            key: *k,
                            score: 0.0,
                            order_value: None,
                        })
                        .collect(),
                    Direction::HigherBetter,
                ),
            },
            Some(variant) => {
                let want = level.offset.saturating_add(level.limit);
                let lookup = level.lookup_from;
                self.query_variant(variant, &keys, &sub, using, lookup, want, &mut used_ids)?
            }
        };
        if !used_ids.is_empty() {
            hits.retain(|h| !used_ids.contains(&h.key));
        }
        // These keep the order they produce: by payload value, at random,
        // or in the order MMR selected.
        let ordered = matches!(
            level.query.and_then(|q| q.variant.as_ref()),
            Some(
                proto::query::Variant::OrderBy(_)
                    | proto::query::Variant::Sample(_)
                    | proto::query::Variant::NearestWithMmr(_)
            )
        );
        if !ordered {
            sort_hits(&mut hits, dir);
        }
        hits.retain(|h| passes_threshold(h.score, level.score_threshold, dir));
        let hits = hits.into_iter().skip(level.offset).take(level.limit).collect();
        Ok((hits, dir))
    }

    /// Scores `keys` (or fuses `sub`) by one query; `want` is how many
    /// results the level keeps at most.
    #[allow(clippy::too_many_arguments)]
    fn query_variant(
        &self,
        variant: &proto::query::Variant,
        keys: &[PointKey],
        sub: &[(Vec<Hit>, Direction)],
        using: &str,
        lookup: Option<&proto::LookupLocation>,
        want: usize,
        used_ids: &mut Vec<PointKey>,
    ) -> Result<(Vec<Hit>, Direction), Status> {
        use proto::query::Variant as Q;
        match variant {
            Q::Nearest(input) => {
                let q = self.resolve(input, using, lookup, used_ids)?;
                self.nearest(keys, &q, using)
            }
            Q::NearestWithMmr(n) => {
                let input = n
                    .nearest
                    .as_ref()
                    .ok_or_else(|| bad_input("Empty nearest input"))?;
                let q = self.resolve(input, using, lookup, used_ids)?;
                let mmr = n.mmr.unwrap_or_default();
                self.mmr(
                    keys,
                    &q,
                    using,
                    mmr.diversity.unwrap_or(0.5),
                    mmr.candidates_limit.unwrap_or(100) as usize,
                    want,
                )
            }
            Q::Recommend(r) => {
                let pos = r
                    .positive
                    .iter()
                    .map(|i| self.resolve(i, using, lookup, used_ids))
                    .collect::<Result<Vec<_>, _>>()?;
                let neg = r
                    .negative
                    .iter()
                    .map(|i| self.resolve(i, using, lookup, used_ids))
                    .collect::<Result<Vec<_>, _>>()?;
                self.recommend(keys, &pos, &neg, r.strategy.unwrap_or(0), using)
            }
            Q::Discover(d) => {
                let target = d
                    .target
                    .as_ref()
                    .ok_or_else(|| bad_input("Empty discover target"))?;
                let target = self.resolve(target, using, lookup, used_ids)?;
                let pairs = self.pairs(d.context.as_ref(), using, lookup, used_ids)?;
                self.discover(keys, Some(&target), &pairs, using)
            }
            Q::Context(c) => {
                let pairs = self.pairs(Some(c), using, lookup, used_ids)?;
                self.discover(keys, None, &pairs, using)
            }
            Q::OrderBy(o) => self.order_by(keys, o),
            Q::Fusion(f) => Ok((
                if *f == proto::Fusion::Dbsf as i32 {
                    dbsf(sub)
                } else {
                    rrf(sub, 2, &[])
                },
                Direction::HigherBetter,
            )),
            Q::Rrf(r) => Ok((
                rrf(sub, r.k.unwrap_or(2) as usize, &r.weights),
                Direction::HigherBetter,
            )),
            Q::Formula(f) => self.formula(keys, sub, f),
            Q::Sample(_) => {
                let mut hits: Vec<Hit> = keys
                    .iter()
                    .map(|k| Hit {
                        key: *k,
                        score: 0.0,
                        order_value: None,
                    })
                    .collect();
                shuffle(&mut hits);
                Ok((hits, Direction::HigherBetter))
            }
            Q::RelevanceFeedback(r) => {
                let target = r
                    .target
                    .as_ref()
                    .ok_or_else(|| bad_input("Empty relevance feedback target"))?;
                let target = self.resolve(target, using, lookup, used_ids)?;
                let examples = r
                    .feedback
                    .iter()
                    .map(|f| {
                        let e = f
                            .example
                            .as_ref()
                            .ok_or_else(|| bad_input("Empty feedback example"))?;
                        Ok((self.resolve(e, using, lookup, used_ids)?, f.score))
                    })
                    .collect::<Result<Vec<_>, Status>>()?;
                self.relevance_feedback(keys, &target, &examples, r.strategy.as_ref(), using)
            }
            Q::Text(_) => Err(bad_input(
                "Text queries need a full-text index with BM25 scoring, which the embedded server does not provide",
            )),
        }
    }

    fn pairs(
        &self,
        context: Option<&proto::ContextInput>,
        using: &str,
        lookup: Option<&proto::LookupLocation>,
        used_ids: &mut Vec<PointKey>,
    ) -> Result<Vec<(QVec, QVec)>, Status> {
        context
            .map(|c| c.pairs.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|p| {
                let pos = p
                    .positive
                    .as_ref()
                    .ok_or_else(|| bad_input("Empty context positive"))?;
                let neg = p
                    .negative
                    .as_ref()
                    .ok_or_else(|| bad_input("Empty context negative"))?;
                Ok((
                    self.resolve(pos, using, lookup, used_ids)?,
                    self.resolve(neg, using, lookup, used_ids)?,
                ))
            })
            .collect()
    }

    fn sim_fn(&self, using: &str) -> Result<impl Fn(&QVec, &PointKey) -> Option<f32> + '_, Status> {
        let kind = self.kind_of(using)?;
        let using = using.to_owned();
        let empty = HashMap::new();
        Ok(move |q: &QVec, k: &PointKey| {
            let v = self.point(k)?.vectors.get(&using)?;
            similarity(kind, q, v, &empty)
        })
    }

    fn recommend(
        &self,
        keys: &[PointKey],
        pos: &[QVec],
        neg: &[QVec],
        strategy: i32,
        using: &str,
    ) -> Result<(Vec<Hit>, Direction), Status> {
        if pos.is_empty() && neg.is_empty() {
            return Err(bad_input("At least one positive or negative example is required"));
        }
        if strategy == proto::RecommendStrategy::AverageVector as i32 {
            let (QVec::Dense(_), true) = (pos.first().unwrap_or(&QVec::Dense(Vec::new())), !pos.is_empty())
            else {
                return Err(bad_input(
                    "The average vector strategy needs dense positive examples",
                ));
            };
            let avg = |vs: &[QVec]| -> Option<Vec<f32>> {
                let dense: Vec<&Vec<f32>> = vs
                    .iter()
                    .filter_map(|v| if let QVec::Dense(d) = v { Some(d) } else { None })
                    .collect();
                let first = dense.first()?;
                let mut sum = vec![0.0; first.len()];
                for d in &dense {
                    for (s, x) in sum.iter_mut().zip(d.iter()) {
                        *s += x;
                    }
                }
                Some(sum.into_iter().map(|s| s / dense.len() as f32).collect())
            };
            let p = avg(pos).unwrap_or_default();
            let target = match avg(neg) {
                Some(n) => p.iter().zip(&n).map(|(a, b)| a + a - b).collect(),
                None => p,
            };
            let mut target = target;
            if matches!(
                self.kind_of(using)?,
                VectorKind::Dense {
                    distance: proto::Distance::Cosine,
                    ..
                }
            ) {
                normalize(&mut target);
            }
            return self.nearest(keys, &QVec::Dense(target), using);
        }
        let sim = self.sim_fn(using)?;
        let best = strategy == proto::RecommendStrategy::BestScore as i32;
        let hits = keys
            .iter()
            .map(|k| {
                let ps: Vec<f32> = pos.iter().filter_map(|q| sim(q, k)).collect();
                let ns: Vec<f32> = neg.iter().filter_map(|q| sim(q, k)).collect();
                let score = if best {
                    let bp = ps.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let bn = ns.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    if ps.is_empty() {
                        -(bn * bn)
                    } else if ns.is_empty() || bp > bn {
                        bp
                    } else {
                        -(bn * bn)
                    }
                } else {
                    ps.iter().sum::<f32>() - ns.iter().sum::<f32>()
                };
                Hit {
                    key: *k,
                    score,
                    order_value: None,
                }
            })
            .collect();
        Ok((hits, Direction::HigherBetter))
    }

    /// Discovery and context search: each pair contributes whether the
    /// candidate is closer to its positive; with a target, the count of
    /// satisfied pairs ranks first and the target similarity breaks ties.
    fn discover(
        &self,
        keys: &[PointKey],
        target: Option<&QVec>,
        pairs: &[(QVec, QVec)],
        using: &str,
    ) -> Result<(Vec<Hit>, Direction), Status> {
        let sim = self.sim_fn(using)?;
        let hits = keys
            .iter()
            .filter_map(|k| {
                let score = match target {
                    Some(t) => {
                        let rank = pairs
                            .iter()
                            .map(|(p, n)| match (sim(p, k), sim(n, k)) {
                                (Some(a), Some(b)) if a > b => 1.0,
                                (Some(a), Some(b)) if a < b => -1.0,
                                _ => 0.0,
                            })
                            .sum::<f32>();
                        let t = sim(t, k)?;
                        rank + 1.0 / (1.0 + (-t).exp())
                    }
                    None => pairs
                        .iter()
                        .map(|(p, n)| match (sim(p, k), sim(n, k)) {
                            (Some(a), Some(b)) => (a - b - 0.0).min(0.0),
                            _ => 0.0,
                        })
                        .sum(),
                };
                Some(Hit {
                    key: *k,
                    score,
                    order_value: None,
                })
            })
            .collect();
        Ok((hits, Direction::HigherBetter))
    }

    fn order_by(&self, keys: &[PointKey], o: &proto::OrderBy) -> Result<(Vec<Hit>, Direction), Status> {
        let indexed = self.col.payload_schema.get(&o.key).is_some_and(|s| {
            [
                proto::PayloadSchemaType::Integer,
                proto::PayloadSchemaType::Float,
                proto::PayloadSchemaType::Datetime,
            ]
            .iter()
            .any(|t| s.data_type == *t as i32)
        });
        if !indexed {
            return Err(bad_input(format!(
                "No range index for `order_by` key: `{}`. Please create one to use `order_by`. \
                 Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Range conditions",
                o.key
            )));
        }
        let desc = o.direction == Some(proto::Direction::Desc as i32);
        let start = o.start_from.as_ref().and_then(|s| s.value.as_ref()).map(|v| {
            use proto::start_from::Value as V;
            match v {
                V::Float(f) => *f,
                V::Integer(i) => *i as f64,
                V::Timestamp(t) => t.seconds as f64 + f64::from(t.nanos) / 1e9,
                V::Datetime(d) => filter::parse_datetime(d).unwrap_or(0.0),
            }
        });
        let mut rows: Vec<(f64, bool, PointKey)> = Vec::new();
        for k in keys {
            let Some(p) = self.point(k) else { continue };
            for v in values_at(&p.payload, &o.key) {
                let (x, is_int) = match v.kind {
                    Some(Kind::IntegerValue(i)) => (i as f64, true),
                    Some(Kind::DoubleValue(d)) => (d, false),
                    Some(Kind::StringValue(ref s)) => match filter::parse_datetime(s) {
                        Some(t) => (t, false),
                        None => continue,
                    },
                    _ => continue,
                };
                if start.is_some_and(|s| if desc { x > s } else { x < s }) {
                    continue;
                }
                rows.push((x, is_int, *k));
            }
        }
        rows.sort_by(|a, b| {
            let c = a.0.total_cmp(&b.0);
            (if desc { c.reverse() } else { c }).then_with(|| a.2.cmp(&b.2))
        });
        let hits = rows
            .into_iter()
            .map(|(x, is_int, key)| Hit {
                key,
                score: 0.0,
                order_value: Some(proto::OrderValue {
                    variant: Some(if is_int {
                        proto::order_value::Variant::Int(x as i64)
                    } else {
                        proto::order_value::Variant::Float(x)
                    }),
                }),
            })
            .collect();
        Ok((hits, Direction::HigherBetter))
    }

    /// Maximal marginal relevance: from the `candidates` nearest, picks up
    /// to `want` one at a time, each the best trade between similarity to
    /// the query and dissimilarity to those already picked; in pick order.
    fn mmr(
        &self,
        keys: &[PointKey],
        q: &QVec,
        using: &str,
        diversity: f32,
        candidates: usize,
        want: usize,
    ) -> Result<(Vec<Hit>, Direction), Status> {
        let (mut pool, dir) = self.nearest(keys, q, using)?;
        sort_hits(&mut pool, dir);
        pool.truncate(candidates);
        let sim = self.sim_fn(using)?;
        let lambda = 1.0 - diversity;
        let relevance: Vec<f32> = pool
            .iter()
            .map(|h| sim(q, &h.key).unwrap_or(f32::NEG_INFINITY))
            .collect();
        // Each candidate's highest similarity to a picked one, kept up to
        // date as picks are made: one pass over the candidates per pick.
        let mut redundancy = vec![f32::NEG_INFINITY; pool.len()];
        let mut remaining: Vec<usize> = (0..pool.len()).collect();
        let mut selected: Vec<Hit> = Vec::new();
        while !remaining.is_empty() && selected.len() < want {
            let (pos, _) = remaining
                .iter()
                .enumerate()
                .map(|(pos, &i)| {
                    let r = if selected.is_empty() { 0.0 } else { redundancy[i] };
                    (pos, lambda * relevance[i] - (1.0 - lambda) * r)
                })
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            let picked = remaining.remove(pos);
            if let Some(v) = self.point(&pool[picked].key).and_then(|p| p.vectors.get(using)) {
                let v = stored_as_query(v);
                for &i in &remaining {
                    if let Some(s) = sim(&v, &pool[i].key) {
                        redundancy[i] = redundancy[i].max(s);
                    }
                }
            }
            selected.push(pool[picked].clone());
        }
        Ok((selected, Direction::HigherBetter))
    }

    fn relevance_feedback(
        &self,
        keys: &[PointKey],
        target: &QVec,
        examples: &[(QVec, f32)],
        strategy: Option<&proto::FeedbackStrategy>,
        using: &str,
    ) -> Result<(Vec<Hit>, Direction), Status> {
        let sim = self.sim_fn(using)?;
        let (a, b, c) = match strategy.and_then(|s| s.variant.as_ref()) {
            Some(proto::feedback_strategy::Variant::Naive(n)) => (n.a, n.b, n.c),
            None => (1.0, 1.0, 1.0),
        };
        let hits = keys
            .iter()
            .filter_map(|k| {
                let base = sim(target, k)?;
                let feedback: f32 = examples.iter().filter_map(|(e, s)| Some(s * sim(e, k)?)).sum();
                Some(Hit {
                    key: *k,
                    score: a * base + b * feedback * c,
                    order_value: None,
                })
            })
            .collect();
        Ok((hits, Direction::HigherBetter))
    }

    fn formula(
        &self,
        keys: &[PointKey],
        sub: &[(Vec<Hit>, Direction)],
        f: &proto::Formula,
    ) -> Result<(Vec<Hit>, Direction), Status> {
        let expr = f.expression.as_ref().ok_or_else(|| bad_input("Empty formula"))?;
        check_expression_depth(expr)?;
        let scores: Vec<HashMap<PointKey, f32>> = sub
            .iter()
            .map(|(hits, _)| hits.iter().map(|h| (h.key, h.score)).collect())
            .collect();
        let hits = keys
            .iter()
            .map(|k| {
                let point = self.point(k);
                let env = Env {
                    key: k,
                    point,
                    scores: &scores,
                    defaults: &f.defaults,
                };
                Ok(Hit {
                    key: *k,
                    score: env.eval(expr)? as f32,
                    order_value: None,
                })
            })
            .collect::<Result<_, Status>>()?;
        Ok((hits, Direction::HigherBetter))
    }
}

/// How deeply formula expressions may nest: evaluation recurses once per
/// level. gRPC decoding stops near 100 levels already.
const MAX_EXPRESSION_DEPTH: usize = 100;

/// Refuses an expression nested deeper than [`MAX_EXPRESSION_DEPTH`]; the
/// walk keeps its own stack, so any depth is measured safely.
fn check_expression_depth(expr: &proto::Expression) -> Result<(), Status> {
    let mut stack = vec![(expr, 1usize)];
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(bad_input(format!(
                "Formula expression is nested too deeply: more than {MAX_EXPRESSION_DEPTH} levels"
            )));
        }
        stack.extend(sub_expressions(e).into_iter().map(|x| (x, depth + 1)));
    }
    Ok(())
}

fn sub_expressions(e: &proto::Expression) -> Vec<&proto::Expression> {
    use proto::expression::Variant as E;
    match &e.variant {
        Some(E::Mult(m)) => m.mult.iter().collect(),
        Some(E::Sum(s)) => s.sum.iter().collect(),
        Some(E::Max(m)) => m.max.iter().collect(),
        Some(E::Min(m)) => m.min.iter().collect(),
        Some(E::Div(d)) => [&d.left, &d.right].into_iter().flatten().map(|b| &**b).collect(),
        Some(E::Pow(p)) => [&p.base, &p.exponent]
            .into_iter()
            .flatten()
            .map(|b| &**b)
            .collect(),
        Some(E::ExpDecay(d) | E::GaussDecay(d) | E::LinDecay(d)) => {
            [&d.x, &d.target].into_iter().flatten().map(|b| &**b).collect()
        }
        Some(E::Neg(x) | E::Abs(x) | E::Sqrt(x) | E::Exp(x) | E::Log10(x) | E::Ln(x) | E::Acosh(x)) => {
            vec![&**x]
        }
        Some(
            E::Constant(_)
            | E::Variable(_)
            | E::Condition(_)
            | E::GeoDistance(_)
            | E::Datetime(_)
            | E::DatetimeKey(_),
        )
        | None => Vec::new(),
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
        return Err(bad_input(format!(
            "Validation failed: prefetches depth {depth} exceeds max depth {MAX_PREFETCH_DEPTH}"
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

/// Reciprocal rank fusion: each list adds `weight / (k + rank)`, ranks from 0.
fn rrf(lists: &[(Vec<Hit>, Direction)], k: usize, weights: &[f32]) -> Vec<Hit> {
    let mut scores: HashMap<PointKey, f32> = HashMap::new();
    for (i, (hits, _)) in lists.iter().enumerate() {
        let w = weights.get(i).copied().unwrap_or(1.0);
        for (rank, h) in hits.iter().enumerate() {
            *scores.entry(h.key).or_default() += w / (k as f32 + rank as f32 + 1.0);
        }
    }
    scores
        .into_iter()
        .map(|(key, score)| Hit {
            key,
            score,
            order_value: None,
        })
        .collect()
}

/// Distribution-based score fusion: each list's scores are normalized by
/// mean ± 3 standard deviations into [0, 1], then summed.
fn dbsf(lists: &[(Vec<Hit>, Direction)]) -> Vec<Hit> {
    let mut scores: HashMap<PointKey, f32> = HashMap::new();
    for (hits, dir) in lists {
        if hits.is_empty() {
            continue;
        }
        let xs: Vec<f32> = hits
            .iter()
            .map(|h| {
                if *dir == Direction::LowerBetter {
                    -h.score
                } else {
                    h.score
                }
            })
            .collect();
        let n = xs.len() as f32;
        let mean = xs.iter().sum::<f32>() / n;
        let std = (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n).sqrt();
        let (lo, hi) = (mean - 3.0 * std, mean + 3.0 * std);
        for (h, x) in hits.iter().zip(xs) {
            let norm = if hi > lo {
                ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                0.5
            };
            *scores.entry(h.key).or_default() += norm;
        }
    }
    scores
        .into_iter()
        .map(|(key, score)| Hit {
            key,
            score,
            order_value: None,
        })
        .collect()
}

fn shuffle(hits: &mut [Hit]) {
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
        | 1;
    for i in (1..hits.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        hits.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

/// The variables a formula reads.
struct Env<'a> {
    key: &'a PointKey,
    point: Option<&'a StoredPoint>,
    scores: &'a [HashMap<PointKey, f32>],
    defaults: &'a HashMap<String, proto::Value>,
}

impl Env<'_> {
    fn variable(&self, name: &str) -> Result<f64, Status> {
        if let Some(rest) = name.strip_prefix("$score") {
            let i: usize = rest
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .unwrap_or(0);
            return Ok(self
                .scores
                .get(i)
                .and_then(|s| s.get(self.key))
                .copied()
                .unwrap_or(0.0) as f64);
        }
        let from_payload = self
            .point
            .and_then(|p| values_at(&p.payload, name).into_iter().find_map(number));
        match from_payload.or_else(|| self.defaults.get(name).and_then(number)) {
            Some(x) => Ok(x),
            None => Err(bad_input(format!(
                "No value found in a payload nor defaults for variable `{name}`"
            ))),
        }
    }

    fn eval(&self, e: &proto::Expression) -> Result<f64, Status> {
        use proto::expression::Variant as E;
        let one = |x: &Option<Box<proto::Expression>>| -> Result<f64, Status> {
            self.eval(x.as_deref().ok_or_else(|| bad_input("Empty expression"))?)
        };
        let boxed = |x: &proto::Expression| self.eval(x);
        Ok(
            match e.variant.as_ref().ok_or_else(|| bad_input("Empty expression"))? {
                E::Constant(c) => f64::from(*c),
                E::Variable(v) => self.variable(v)?,
                E::Condition(c) => {
                    let f = proto::Filter {
                        must: vec![c.clone()],
                        ..Default::default()
                    };
                    let f = CheckedFilter::new(&f)?;
                    f64::from(u8::from(self.point.is_some_and(|p| f.matches(self.key, p))))
                }
                E::GeoDistance(g) => {
                    let origin = g.origin.ok_or_else(|| bad_input("Empty geo origin"))?;
                    let to = self
                        .point
                        .and_then(|p| {
                            values_at(&p.payload, &g.to).into_iter().find_map(|v| {
                                let Some(Kind::StructValue(s)) = &v.kind else {
                                    return None;
                                };
                                Some(proto::GeoPoint {
                                    lon: number(s.fields.get("lon")?)?,
                                    lat: number(s.fields.get("lat")?)?,
                                })
                            })
                        })
                        .ok_or_else(|| {
                            bad_input(format!(
                                "No value found in a payload nor defaults for variable `{}`",
                                g.to
                            ))
                        })?;
                    filter::haversine(&origin, &to)
                }
                E::Datetime(d) => {
                    filter::parse_datetime(d).ok_or_else(|| bad_input(format!("Invalid datetime `{d}`")))?
                }
                E::DatetimeKey(k) => self
                    .point
                    .and_then(|p| {
                        values_at(&p.payload, k).into_iter().find_map(|v| match &v.kind {
                            Some(Kind::StringValue(s)) => filter::parse_datetime(s),
                            _ => None,
                        })
                    })
                    .ok_or_else(|| {
                        bad_input(format!(
                            "No value found in a payload nor defaults for variable `{k}`"
                        ))
                    })?,
                E::Mult(m) => m.mult.iter().map(boxed).product::<Result<f64, _>>()?,
                E::Sum(s) => s.sum.iter().map(boxed).sum::<Result<f64, _>>()?,
                E::Max(m) => m
                    .max
                    .iter()
                    .map(boxed)
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .fold(f64::NEG_INFINITY, f64::max),
                E::Min(m) => m
                    .min
                    .iter()
                    .map(boxed)
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .fold(f64::INFINITY, f64::min),
                E::Div(d) => {
                    let (l, r) = (one(&d.left)?, one(&d.right)?);
                    if r == 0.0 {
                        f64::from(d.by_zero_default.unwrap_or(0.0))
                    } else {
                        l / r
                    }
                }
                E::Neg(x) => -boxed(x)?,
                E::Abs(x) => boxed(x)?.abs(),
                E::Sqrt(x) => boxed(x)?.sqrt(),
                E::Pow(p) => one(&p.base)?.powf(one(&p.exponent)?),
                E::Exp(x) => boxed(x)?.exp(),
                E::Log10(x) => boxed(x)?.log10(),
                E::Ln(x) => boxed(x)?.ln(),
                E::Acosh(x) => boxed(x)?.acosh(),
                E::ExpDecay(d) | E::GaussDecay(d) | E::LinDecay(d) => {
                    let x = one(&d.x)?;
                    let target = match &d.target {
                        Some(t) => boxed(t)?,
                        None => 0.0,
                    };
                    let scale = f64::from(d.scale.unwrap_or(1.0));
                    let midpoint = f64::from(d.midpoint.unwrap_or(0.5));
                    let dist = (x - target).abs();
                    match e.variant {
                        Some(E::ExpDecay(_)) => (midpoint.ln() / scale * dist).exp(),
                        Some(E::GaussDecay(_)) => (midpoint.ln() / (scale * scale) * dist * dist).exp(),
                        _ => ((1.0 - midpoint) / scale * -dist + 1.0).max(0.0),
                    }
                }
            },
        )
    }
}

fn number(v: &proto::Value) -> Option<f64> {
    match v.kind {
        Some(Kind::IntegerValue(i)) => Some(i as f64),
        Some(Kind::DoubleValue(d)) => Some(d),
        _ => None,
    }
}

/// Resolves the collection and the collections `lookup_from` names, then
/// runs `f` over an engine.
async fn with_engine<T>(
    store: &Store,
    name: &str,
    lookups: &[&str],
    f: impl FnOnce(&Engine<'_>) -> Result<T, Status>,
) -> Result<T, Status> {
    let shared = store.resolve(name).await?;
    let mut others = HashMap::new();
    for l in lookups {
        let c = store.resolve(l).await?;
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
    let engine = Engine {
        col: &col,
        lookups: others,
    };
    f(&engine)
}

fn scored(
    engine: &Engine<'_>,
    hits: Vec<Hit>,
    with_payload: Option<&proto::WithPayloadSelector>,
    with_vectors: Option<&proto::WithVectorsSelector>,
) -> Vec<proto::ScoredPoint> {
    hits.into_iter()
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
        .collect()
}

fn query_level(q: &proto::QueryPoints) -> Level<'_> {
    Level {
        prefetch: &q.prefetch,
        query: q.query.as_ref(),
        using: q.using.as_deref(),
        filter: q.filter.as_ref(),
        score_threshold: q.score_threshold,
        limit: q.limit.unwrap_or(10) as usize,
        offset: q.offset.unwrap_or(0) as usize,
        lookup_from: q.lookup_from.as_ref(),
    }
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

fn run_query(engine: &Engine<'_>, q: &proto::QueryPoints) -> Result<Vec<proto::ScoredPoint>, Status> {
    check_prefetch_depth(&q.prefetch)?;
    let (hits, _) = engine.run(query_level(q))?;
    Ok(scored(
        engine,
        hits,
        q.with_payload.as_ref(),
        q.with_vectors.as_ref(),
    ))
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

/// Groups hits by the values at `group_by`, `group_size` hits per group,
/// `limit` groups, in order of each group's best hit.
fn group(
    engine: &Engine<'_>,
    hits: Vec<Hit>,
    group_by: &str,
    group_size: usize,
    limit: usize,
) -> Vec<(proto::GroupId, Vec<Hit>)> {
    let mut groups: Vec<(proto::GroupId, Vec<Hit>)> = Vec::new();
    let mut index: HashMap<proto::GroupId, usize> = HashMap::new();
    for h in hits {
        let Some(p) = engine.point(&h.key) else { continue };
        let mut ids: Vec<proto::GroupId> = Vec::new();
        for v in values_at(&p.payload, group_by) {
            use proto::group_id::Kind as G;
            let id = match &v.kind {
                Some(Kind::StringValue(s)) => G::StringValue(s.clone()),
                Some(Kind::IntegerValue(i)) if *i >= 0 => G::UnsignedValue(*i as u64),
                Some(Kind::IntegerValue(i)) => G::IntegerValue(*i),
                _ => continue,
            };
            let id = proto::GroupId { kind: Some(id) };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for id in ids {
            match index.get(&id) {
                Some(&i) if groups[i].1.len() < group_size => groups[i].1.push(h.clone()),
                Some(_) => {}
                None if groups.len() < limit => {
                    index.insert(id.clone(), groups.len());
                    groups.push((id, vec![h.clone()]));
                }
                None => {}
            }
        }
    }
    groups
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
        check_prefetch_depth(&q.prefetch)?;
        let mut level = query_level(&q);
        level.limit = usize::MAX;
        level.offset = 0;
        let (hits, _) = e.run(level)?;
        Ok(group(e, hits, &group_by, group_size, limit)
            .into_iter()
            .map(|(id, members)| {
                (
                    id,
                    scored(e, members, q.with_payload.as_ref(), q.with_vectors.as_ref()),
                )
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let mut out = Vec::new();
    for (id, hits) in groups {
        let lookup = match &with_lookup {
            None => None,
            Some(l) => {
                let c = store.resolve(&l.collection).await?;
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

fn discover_as_query(d: proto::DiscoverPoints) -> Result<proto::QueryPoints, Status> {
    let target = d
        .target
        .and_then(|t| t.target)
        .map(|proto::target_vector::Target::Single(e)| e)
        .and_then(example_input)
        .ok_or_else(|| bad_input("Discover needs a target"))?;
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
            variant: Some(proto::query::Variant::Discover(proto::DiscoverInput {
                target: Some(target),
                context: Some(proto::ContextInput { pairs }),
            })),
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

pub(crate) async fn search(store: &Store, req: proto::SearchPoints) -> Result<proto::SearchResponse, Status> {
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
    let indexed = col.payload_schema.get(&req.key).is_some_and(|s| {
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
    let filter = CheckedFilter::optional(req.filter.as_ref())?;
    let mut counts: HashMap<proto::facet_value::Variant, u64> = HashMap::new();
    for (k, p) in &col.points {
        if filter.is_some_and(|f| !f.matches(k, p)) {
            continue;
        }
        let mut seen = HashSet::new();
        for v in values_at(&p.payload, &req.key) {
            use proto::facet_value::Variant as F;
            let value = match &v.kind {
                Some(Kind::StringValue(s)) => F::StringValue(s.clone()),
                Some(Kind::IntegerValue(i)) => F::IntegerValue(*i),
                Some(Kind::BoolValue(b)) => F::BoolValue(*b),
                _ => continue,
            };
            if seen.insert(value.clone()) {
                *counts.entry(value).or_default() += 1;
            }
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

/// The sampled points and, for each, its nearest neighbours among them.
fn matrix(
    store_col: &Collection,
    req: &proto::SearchMatrixPoints,
) -> Result<Vec<(PointKey, Vec<Hit>)>, Status> {
    let engine = Engine {
        col: store_col,
        lookups: HashMap::new(),
    };
    let using = req.using.as_deref().unwrap_or("");
    let kind = engine.kind_of(using)?;
    let mut keys: Vec<PointKey> = engine
        .candidates(CheckedFilter::optional(req.filter.as_ref())?)
        .into_iter()
        .filter(|k| engine.point(k).is_some_and(|p| p.vectors.contains_key(using)))
        .collect();
    keys.truncate(req.sample.unwrap_or(10) as usize);
    let limit = req.limit.unwrap_or(3) as usize;
    let dir = direction(kind);
    keys.iter()
        .map(|k| {
            let v = engine
                .point(k)
                .and_then(|p| p.vectors.get(using))
                .ok_or_else(|| bad_input("Point without vector"))?;
            let q = stored_as_query(v);
            let others: Vec<PointKey> = keys.iter().filter(|o| *o != k).copied().collect();
            let (mut hits, _) = engine.nearest(&others, &q, using)?;
            sort_hits(&mut hits, dir);
            hits.truncate(limit);
            Ok((*k, hits))
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
