//! Grouping a query's results by a payload key, in rounds as Qdrant's
//! group-by does, and looking the groups up in another collection.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use tonic::Status;

use super::super::filter::values_at;
use super::super::output::point_id;
use super::super::store::{PointKey, Store, StoredPoint, bad_input};
use super::Hit;
use super::engine::{Engine, lookup_names, lookup_not_found, run_hits, with_engine};
use super::scored;
use super::scoring::distance_of;
use crate::proto;
use proto::value::Kind;

/// How Qdrant ranks a query's results when it groups them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum ResultOrder {
    LargeBetter,
    SmallBetter,
    /// Random samples and MMR: groups and their hits come in no set order.
    Unordered,
}

pub(super) fn result_order(engine: &Engine<'_>, q: &proto::QueryPoints) -> Result<ResultOrder, Status> {
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
pub(super) fn rank_value(h: &Hit) -> f64 {
    match h.order_value.as_ref().and_then(|o| o.variant.as_ref()) {
        Some(proto::order_value::Variant::Int(i)) => *i as f64,
        Some(proto::order_value::Variant::Float(f)) => *f,
        None => f64::from(h.score),
    }
}

/// `a` before `b` in a result order.
pub(super) fn ranks_before(order: ResultOrder, a: &Hit, b: &Hit) -> Ordering {
    match order {
        ResultOrder::LargeBetter => rank_value(b).total_cmp(&rank_value(a)),
        ResultOrder::SmallBetter => rank_value(a).total_cmp(&rank_value(b)),
        ResultOrder::Unordered => Ordering::Equal,
    }
}

/// The group ids of a point: one per distinct value at `group_by`; none
/// when any value is not a string or an integer (Qdrant skips the point).
pub(super) fn group_ids(p: &StoredPoint, group_by: &str) -> Vec<proto::GroupId> {
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
pub(super) struct Groups {
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
    pub(super) fn add(&mut self, engine: &Engine<'_>, hits: &[Hit], group_by: &str) {
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
    pub(super) fn best_groups(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.members.len()).collect();
        order.sort_by(|a, b| ranks_before(self.order, &self.best[*a], &self.best[*b]));
        order.truncate(self.limit);
        order
    }

    pub(super) fn filled_best(&self) -> usize {
        self.best_groups()
            .into_iter()
            .filter(|i| self.full.contains(&self.members[*i].0))
            .count()
    }

    pub(super) fn keys(&self, which: impl Iterator<Item = usize>) -> Vec<&proto::GroupId> {
        which.map(|i| &self.members[i].0).collect()
    }

    pub(super) fn into_groups(mut self) -> Vec<(proto::GroupId, Vec<Hit>)> {
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
pub(super) fn group_condition(
    group_by: &str,
    ids: &[&proto::GroupId],
    except: bool,
) -> Vec<proto::Condition> {
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

pub(super) fn field_condition(key: &str, m: proto::r#match::MatchValue) -> proto::Condition {
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
pub(super) fn group_round(
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
pub(super) const GROUP_REQUESTS: usize = 5;

/// Groups a query's results as Qdrant does: rounds of `limit × group_size`
/// candidates, first leaving out the groups already full, then only the
/// best groups not yet full, five rounds each at most.
pub(super) fn group(
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

pub(super) async fn groups_response(
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
                        super::super::output::retrieved(
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

#[cfg(test)]
mod tests {
    use super::*;
    use proto::group_id::Kind as G;

    fn point(value: proto::value::Kind) -> StoredPoint {
        StoredPoint {
            payload: HashMap::from([("g".to_owned(), proto::Value { kind: Some(value) })]),
            ..Default::default()
        }
    }

    fn list(items: Vec<proto::value::Kind>) -> proto::value::Kind {
        Kind::ListValue(proto::ListValue {
            values: items
                .into_iter()
                .map(|k| proto::Value { kind: Some(k) })
                .collect(),
        })
    }

    fn ids(p: &StoredPoint) -> Vec<Option<G>> {
        group_ids(p, "g").into_iter().map(|id| id.kind).collect()
    }

    #[test]
    fn points_join_a_group_per_distinct_string_or_integer() {
        assert_eq!(
            ids(&point(Kind::StringValue("a".into()))),
            [Some(G::StringValue("a".into()))]
        );
        assert_eq!(ids(&point(Kind::IntegerValue(3))), [Some(G::UnsignedValue(3))]);
        assert_eq!(ids(&point(Kind::IntegerValue(-3))), [Some(G::IntegerValue(-3))]);
        let several = list(vec![
            Kind::StringValue("a".into()),
            Kind::IntegerValue(1),
            Kind::StringValue("a".into()),
        ]);
        assert_eq!(
            ids(&point(several)),
            [Some(G::StringValue("a".into())), Some(G::UnsignedValue(1))]
        );
        // Any other value leaves the point out of every group.
        assert!(ids(&point(Kind::DoubleValue(1.5))).is_empty());
        let mixed = list(vec![Kind::StringValue("a".into()), Kind::BoolValue(true)]);
        assert!(ids(&point(mixed)).is_empty());
        assert!(ids(&StoredPoint::default()).is_empty());
    }

    #[test]
    fn hits_rank_by_order_value_else_score() {
        let hit = |score: f32, order: Option<i64>| Hit {
            key: PointKey::Num(1),
            score,
            order_value: order.map(|i| proto::OrderValue {
                variant: Some(proto::order_value::Variant::Int(i)),
            }),
        };
        let (high, low) = (hit(0.9, None), hit(0.1, None));
        assert_eq!(
            ranks_before(ResultOrder::LargeBetter, &high, &low),
            Ordering::Less
        );
        assert_eq!(
            ranks_before(ResultOrder::SmallBetter, &high, &low),
            Ordering::Greater
        );
        assert_eq!(ranks_before(ResultOrder::Unordered, &high, &low), Ordering::Equal);
        // The order value wins over the score.
        let by_value = (hit(0.1, Some(5)), hit(0.9, Some(2)));
        assert_eq!(
            ranks_before(ResultOrder::LargeBetter, &by_value.0, &by_value.1),
            Ordering::Less
        );
    }

    #[test]
    fn group_conditions_match_integers_and_keywords_apart() {
        let a = proto::GroupId {
            kind: Some(G::StringValue("a".into())),
        };
        let one = proto::GroupId {
            kind: Some(G::UnsignedValue(1)),
        };
        let matches = |c: &proto::Condition| match &c.condition_one_of {
            Some(proto::condition::ConditionOneOf::Field(f)) => {
                f.r#match.as_ref().and_then(|m| m.match_value.clone())
            }
            _ => None,
        };
        use proto::r#match::MatchValue as M;
        let any = group_condition("g", &[&a, &one], false);
        assert_eq!(
            any.iter().map(matches).collect::<Vec<_>>(),
            [
                Some(M::Integers(proto::RepeatedIntegers { integers: vec![1] })),
                Some(M::Keywords(proto::RepeatedStrings {
                    strings: vec!["a".into()]
                })),
            ]
        );
        let except = group_condition("g", &[&a], true);
        assert_eq!(
            except.iter().map(matches).collect::<Vec<_>>(),
            [Some(M::ExceptKeywords(proto::RepeatedStrings {
                strings: vec!["a".into()]
            }))]
        );
        assert!(group_condition("g", &[], true).is_empty());
    }

    #[test]
    fn rounds_skip_the_points_seen_and_widen_prefetches() {
        let base = proto::QueryPoints {
            prefetch: vec![proto::PrefetchQuery {
                limit: Some(4),
                ..Default::default()
            }],
            offset: Some(7),
            ..Default::default()
        };
        let seen = HashSet::from([PointKey::Num(2)]);
        let q = group_round(&base, "g", Vec::new(), &seen, 12, 3);
        assert_eq!((q.limit, q.offset), (Some(12), None));
        assert_eq!(q.prefetch[0].limit, Some(12));
        let filter = q.filter.unwrap_or_default();
        // Points without the key, and those already grouped, are left out.
        assert_eq!(filter.must_not.len(), 2);
    }
}
