//! Running a planned query over one collection: candidates through the
//! filters, vector searches, order by, samples, fusion of prefetches,
//! re-scoring at each level, and the offset at the top.

use std::collections::{HashMap, HashSet};

use tonic::Status;

use super::super::filter::{CheckedFilter, parse_datetime, values_at};
use super::super::store::{Collection, PointKey, Store, StoredPoint, VectorKind, bad_input, clip};
use super::fusion;
use super::plan::{Level, Plan, Scoring, check_prefetch_depth};
use super::recommend::VectorQuery;
use super::scoring::{distance_of, passes, postprocess, shares_dimension, similarity, with_idf};
use super::{Hit, SCROLL_SCORE, invalid_plan, sort_by_score};
use crate::proto;
use proto::value::Kind;

/// The engine over one collection, with access to others for `lookup_from`.
pub(crate) struct Engine<'a> {
    /// The collection's name, as the request gave it.
    pub(super) name: &'a str,
    pub(super) col: &'a Collection,
    pub(super) lookups: HashMap<String, Collection>,
    /// The points a query names by id: never among its results.
    pub(super) excluded: HashSet<PointKey>,
}

impl<'a> Engine<'a> {
    pub(super) fn new(name: &'a str, col: &'a Collection, lookups: HashMap<String, Collection>) -> Self {
        Engine {
            name,
            col,
            lookups,
            excluded: HashSet::new(),
        }
    }

    pub(super) fn kind_of(&self, using: &str) -> Result<VectorKind, Status> {
        self.col
            .vector_kind(using)
            .ok_or_else(|| bad_input(format!("Not existing vector name error: {using}")))
    }

    pub(super) fn point(&self, key: &PointKey) -> Option<&StoredPoint> {
        self.col.points.get(key)
    }

    /// The points that match every filter on the way down to a leaf, less
    /// the excluded ones, in id order.
    pub(super) fn candidates(&self, filters: &[CheckedFilter<'_>]) -> Vec<PointKey> {
        self.col
            .points
            .iter()
            .filter(|(k, p)| !self.excluded.contains(k) && filters.iter().all(|f| f.matches(k, p)))
            .map(|(k, _)| *k)
            .collect()
    }

    /// Scores `keys` against a vector query: best first, then the
    /// threshold, then the limit.
    pub(super) fn search(
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

    /// A level without prefetches: it reads the collection itself.
    pub(super) fn leaf(
        &self,
        plan: &Plan<'_>,
        filters: &[CheckedFilter<'_>],
        limit: usize,
    ) -> Result<Vec<Hit>, Status> {
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
    pub(super) fn sources(
        &self,
        plan: &Plan<'_>,
        filters: &[CheckedFilter<'_>],
    ) -> Result<Vec<Vec<Hit>>, Status> {
        plan.children.iter().map(|c| self.run(c, filters)).collect()
    }

    /// A level below the top, with the filters of the levels above it.
    pub(super) fn run(&self, plan: &Plan<'_>, above: &[CheckedFilter<'_>]) -> Result<Vec<Hit>, Status> {
        let filters: Vec<CheckedFilter<'_>> = above.iter().copied().chain(plan.filter).collect();
        if plan.children.is_empty() {
            return self.leaf(plan, &filters, plan.limit);
        }
        let sources = self.sources(plan, &filters)?;
        self.rescore(plan, sources, plan.limit)
    }

    /// Re-scores the union of a level's sources by its query.
    pub(super) fn rescore(
        &self,
        plan: &Plan<'_>,
        sources: Vec<Vec<Hit>>,
        limit: usize,
    ) -> Result<Vec<Hit>, Status> {
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
    pub(super) fn run_top(&self, plan: &Plan<'_>, offset: usize) -> Result<Vec<Hit>, Status> {
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
    pub(super) fn order_by(
        &self,
        keys: &[PointKey],
        o: &proto::OrderBy,
        limit: usize,
    ) -> Result<Vec<Hit>, Status> {
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
pub(super) fn fuse(scoring: &Scoring<'_>, sources: &[Vec<Hit>]) -> Vec<Hit> {
    match scoring {
        Scoring::Rrf { k, weights } => fusion::rrf(sources, *k, *weights),
        _ => fusion::dbsf(sources),
    }
}

/// The fused hits scoring at least the threshold (fusion and formula
/// thresholds include their bound, unlike vector searches).
pub(super) fn at_least(hits: Vec<Hit>, threshold: Option<f32>) -> Vec<Hit> {
    match threshold {
        Some(t) => hits.into_iter().take_while(|h| h.score >= t).collect(),
        None => hits,
    }
}

/// Points as a scroll returns them.
pub(super) fn scrolled(keys: impl IntoIterator<Item = PointKey>) -> Vec<Hit> {
    keys.into_iter()
        .map(|key| Hit {
            key,
            score: SCROLL_SCORE,
            order_value: None,
        })
        .collect()
}

/// Up to `limit` of `keys`, at random.
pub(super) fn sample(mut keys: Vec<PointKey>, limit: usize) -> Vec<Hit> {
    shuffle(&mut keys);
    keys.truncate(limit);
    scrolled(keys)
}

pub(super) fn shuffle<T>(items: &mut [T]) {
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

pub(super) fn display_key(k: &PointKey) -> String {
    match k {
        PointKey::Num(n) => n.to_string(),
        PointKey::Uuid(u) => u.to_string(),
    }
}

/// Qdrant's answer when `lookup_from` or `with_lookup` names a collection
/// that does not exist.
pub(super) fn lookup_not_found(name: &str) -> Status {
    Status::not_found(clip(format!("Not found: Collection {name} not found")))
}

/// Resolves the collection and the collections `lookup_from` names, then
/// runs `f` over an engine.
pub(super) async fn with_engine<T>(
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

/// The collections `lookup_from` names anywhere in the query, each once.
pub(super) fn lookup_names(q: &proto::QueryPoints) -> Vec<&str> {
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
pub(super) fn run_hits(engine: &mut Engine<'_>, q: &proto::QueryPoints) -> Result<Vec<Hit>, Status> {
    check_prefetch_depth(&q.prefetch)?;
    let level = Level::of_query(q);
    engine.exclude_referenced(&level)?;
    let plan = engine.plan(&level)?;
    engine.run_top(&plan, q.offset.unwrap_or(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(scores: &[f32]) -> Vec<Hit> {
        scores
            .iter()
            .enumerate()
            .map(|(i, s)| Hit {
                key: PointKey::Num(i as u64),
                score: *s,
                order_value: None,
            })
            .collect()
    }

    #[test]
    fn fusion_thresholds_include_their_bound() {
        let kept = at_least(hits(&[0.9, 0.5, 0.4]), Some(0.5));
        assert_eq!(kept.len(), 2);
        assert_eq!(at_least(hits(&[0.1]), None).len(), 1);
    }

    #[test]
    fn scrolls_and_samples_score_one() {
        let keys: Vec<PointKey> = (1..=5).map(PointKey::Num).collect();
        let scrolled = scrolled(keys.clone());
        assert!(
            scrolled
                .iter()
                .all(|h| h.score == SCROLL_SCORE && h.order_value.is_none())
        );
        let mut sampled: Vec<PointKey> = sample(keys.clone(), 3).into_iter().map(|h| h.key).collect();
        assert_eq!(sampled.len(), 3);
        sampled.sort();
        sampled.dedup();
        assert_eq!(sampled.len(), 3);
        let mut shuffled = keys.clone();
        shuffle(&mut shuffled);
        shuffled.sort();
        assert_eq!(shuffled, keys);
    }

    #[test]
    fn lookups_are_named_once_from_anywhere_in_the_tree() {
        let lookup = |name: &str| {
            Some(proto::LookupLocation {
                collection_name: name.into(),
                ..Default::default()
            })
        };
        let q = proto::QueryPoints {
            lookup_from: lookup("b"),
            prefetch: vec![proto::PrefetchQuery {
                lookup_from: lookup("a"),
                prefetch: vec![proto::PrefetchQuery {
                    lookup_from: lookup("b"),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(lookup_names(&q), ["a", "b"]);
    }
}
