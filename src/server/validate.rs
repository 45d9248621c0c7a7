//! The checks Qdrant makes on a request before it runs it, for the fields
//! that bound how much work a request asks for (limits, sample sizes, MMR
//! candidates), answered with Qdrant's message:
//! `Validation error in body: [limit: value 0 invalid, must be 1 or larger]`.

use std::fmt::Display;

use tonic::Status;

use crate::proto;

/// Qdrant's bound on MMR candidates.
const MAX_MMR_CANDIDATES: u64 = 16_384;

/// How many prefetch levels are checked here; deeper ones are refused by
/// the engine's depth check anyway, and the paths of the errors stay short.
const CHECKED_PREFETCH_LEVELS: usize = 65;

/// How many levels of nested filters are checked here; deeper ones are
/// refused by the filter's own depth check anyway.
const MAX_FILTER_LEVELS: usize = 100;

/// What is wrong with a ring of a geo polygon, in Qdrant's words.
fn ring_error(ring: &proto::GeoLineString) -> Option<String> {
    let points = &ring.points;
    if points.len() < 4 {
        return Some(format!(
            "value invalid, the size must be at least 4, got {}",
            points.len()
        ));
    }
    (points.first() != points.last()).then(|| {
        "value invalid, the first and the last points should be same to form a closed line".to_owned()
    })
}

/// The validation errors of one request, each `path: message`.
#[derive(Default)]
struct Errors(Vec<String>);

impl Errors {
    fn at_least(&mut self, path: impl Display, value: Option<u64>, min: u64) {
        if let Some(v) = value.filter(|v| *v < min) {
            self.0
                .push(format!("{path}: value {v} invalid, must be {min} or larger"));
        }
    }

    fn at_most(&mut self, path: impl Display, value: Option<u64>, max: u64) {
        if let Some(v) = value.filter(|v| *v > max) {
            self.0
                .push(format!("{path}: value {v} invalid, must be {max} or smaller"));
        }
    }

    fn between(&mut self, path: impl Display, value: Option<f32>, min: f64, max: f64) {
        let Some(v) = value.map(f64::from) else { return };
        if v < min || v > max {
            self.0.push(format!(
                "{path}: value {v} invalid, must be from {min:?} to {max:?}"
            ));
        }
    }

    /// A query's own bounds: MMR diversity and candidates, RRF's k.
    fn query(&mut self, path: &str, query: Option<&proto::Query>) {
        use proto::query::Variant as Q;
        match query.and_then(|q| q.variant.as_ref()) {
            Some(Q::NearestWithMmr(n)) => {
                if let Some(mmr) = &n.mmr {
                    self.between(
                        format_args!("{path}.variant.mmr.diversity"),
                        mmr.diversity,
                        0.0,
                        1.0,
                    );
                    self.at_most(
                        format_args!("{path}.variant.mmr.candidates_limit"),
                        mmr.candidates_limit.map(u64::from),
                        MAX_MMR_CANDIDATES,
                    );
                }
            }
            Some(Q::Rrf(r)) => self.at_least(format_args!("{path}.variant.k"), r.k.map(u64::from), 1),
            _ => {}
        }
    }

    /// A filter's geo polygons: rings of at least 4 points whose first and
    /// last points are the same.
    fn filter(&mut self, path: &str, filter: Option<&proto::Filter>) {
        let Some(filter) = filter else { return };
        let mut stack = vec![(path.to_owned(), filter, 1)];
        while let Some((path, f, depth)) = stack.pop() {
            if f.min_should.as_ref().is_some_and(|m| m.min_count == 0) {
                self.0.push(format!(
                    "{path}.min_should.min_count: min_count must be greater than 0"
                ));
            }
            let min_should = f
                .min_should
                .iter()
                .map(|m| ("min_should.conditions", &m.conditions));
            let lists = min_should.chain([
                ("must", &f.must),
                ("must_not", &f.must_not),
                ("should", &f.should),
            ]);
            let mut nested = Vec::new();
            for (name, conditions) in lists {
                for (i, c) in conditions.iter().enumerate() {
                    let at = format!("{path}.{name}[{i}].condition_one_of");
                    use proto::condition::ConditionOneOf as C;
                    match &c.condition_one_of {
                        Some(C::Field(field)) => {
                            if let Some(polygon) = &field.geo_polygon {
                                self.polygon(&format!("{at}.geo_polygon"), polygon);
                            }
                        }
                        Some(C::Filter(inner)) if depth < MAX_FILTER_LEVELS => {
                            nested.push((at, inner, depth + 1))
                        }
                        Some(C::Nested(n)) if depth < MAX_FILTER_LEVELS => {
                            if let Some(inner) = &n.filter {
                                nested.push((format!("{at}.filter"), inner, depth + 1));
                            }
                        }
                        _ => {}
                    }
                }
            }
            stack.extend(nested.into_iter().rev());
        }
    }

    fn polygon(&mut self, path: &str, polygon: &proto::GeoPolygon) {
        if let Some(exterior) = &polygon.exterior {
            if exterior.points.is_empty() {
                self.0
                    .push(format!("{path}.exterior: value invalid, must not be empty"));
            } else if let Some(e) = ring_error(exterior) {
                self.0.push(format!("{path}.exterior: {e}"));
            }
        }
        if let Some(e) = polygon.interiors.iter().find_map(ring_error) {
            self.0.push(format!("{path}.interiors: {e}"));
        }
    }

    /// The prefetch tree under `prefix`: each level's limit and query.
    fn prefetch(&mut self, prefix: &str, prefetch: &[proto::PrefetchQuery]) {
        let mut stack: Vec<(String, &proto::PrefetchQuery, usize)> = prefetch
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("{prefix}prefetch[{i}]"), p, 1))
            .collect();
        stack.reverse();
        while let Some((path, p, level)) = stack.pop() {
            self.filter(&format!("{path}.filter"), p.filter.as_ref());
            self.at_least(format_args!("{path}.limit"), p.limit, 1);
            self.query(&format!("{path}.query"), p.query.as_ref());
            if level < CHECKED_PREFETCH_LEVELS {
                let children = p.prefetch.iter().enumerate().rev();
                stack.extend(children.map(|(i, c)| (format!("{path}.prefetch[{i}]"), c, level + 1)));
            }
        }
    }

    fn query_points(&mut self, prefix: &str, q: &proto::QueryPoints) {
        self.prefetch(prefix, &q.prefetch);
        self.query(&format!("{prefix}query"), q.query.as_ref());
        self.filter(&format!("{prefix}filter"), q.filter.as_ref());
        self.at_least(format_args!("{prefix}limit"), q.limit, 1);
    }

    fn finish(self) -> Result<(), Status> {
        if self.0.is_empty() {
            return Ok(());
        }
        Err(Status::invalid_argument(super::store::clip(format!(
            "Validation error in body: [{}]",
            self.0.join("; ")
        ))))
    }
}

pub(crate) fn scroll(r: &proto::ScrollPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("filter", r.filter.as_ref());
    e.at_least("limit", r.limit.map(u64::from), 1);
    e.finish()?;
    if r.order_by.is_some() && r.offset.is_some() {
        return Err(super::store::bad_input(
            "Cannot use an `offset` when using `order_by`. The alternative for paging is to use \
             `order_by.start_from` and a filter to exclude the IDs that you've already seen for the \
             `order_by.start_from` value",
        ));
    }
    Ok(())
}

pub(crate) fn query(r: &proto::QueryPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    e.query_points("", r);
    e.finish()
}

pub(crate) fn query_batch(r: &proto::QueryBatchPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    for (i, q) in r.query_points.iter().enumerate() {
        e.query_points(&format!("query_points[{i}]."), q);
    }
    e.finish()
}

pub(crate) fn query_groups(r: &proto::QueryPointGroups) -> Result<(), Status> {
    let mut e = Errors::default();
    e.prefetch("", &r.prefetch);
    e.query("query", r.query.as_ref());
    e.filter("filter", r.filter.as_ref());
    e.at_least("group_size", r.group_size, 1);
    e.at_least("limit", r.limit, 1);
    e.finish()
}

pub(crate) fn search(r: &proto::SearchPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("filter", r.filter.as_ref());
    e.at_least("limit", Some(r.limit), 1);
    e.finish()
}

pub(crate) fn search_batch(r: &proto::SearchBatchPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    for (i, s) in r.search_points.iter().enumerate() {
        e.filter(&format!("search_points[{i}].filter"), s.filter.as_ref());
        e.at_least(format_args!("search_points[{i}].limit"), Some(s.limit), 1);
    }
    e.finish()
}

/// Groups of the legacy search and recommend calls.
pub(crate) fn groups(filter: Option<&proto::Filter>, group_size: u32, limit: u32) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("filter", filter);
    e.at_least("group_size", Some(u64::from(group_size)), 1);
    e.at_least("limit", Some(u64::from(limit)), 1);
    e.finish()
}

/// The checks of a legacy recommendation: its filter. Its limit is not
/// bounded: a limit of 0 finds nothing, and any larger one is taken.
pub(crate) fn recommend(r: &proto::RecommendPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("filter", r.filter.as_ref());
    e.finish()
}

pub(crate) fn recommend_batch(r: &proto::RecommendBatchPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    for (i, p) in r.recommend_points.iter().enumerate() {
        e.filter(&format!("recommend_points[{i}].filter"), p.filter.as_ref());
    }
    e.finish()
}

pub(crate) fn discover(r: &proto::DiscoverPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("filter", r.filter.as_ref());
    e.at_least("limit", Some(r.limit), 1);
    e.finish()
}

pub(crate) fn discover_batch(r: &proto::DiscoverBatchPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    for (i, d) in r.discover_points.iter().enumerate() {
        e.filter(&format!("discover_points[{i}].filter"), d.filter.as_ref());
        e.at_least(format_args!("discover_points[{i}].limit"), Some(d.limit), 1);
    }
    e.finish()
}

pub(crate) fn search_matrix(r: &proto::SearchMatrixPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("filter", r.filter.as_ref());
    e.at_least("sample", r.sample, 2);
    e.at_least("limit", r.limit, 1);
    e.finish()
}

/// The checks of a count request (its filter's polygons).
pub(crate) fn count(r: &proto::CountPoints) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("filter", r.filter.as_ref());
    e.finish()
}

/// The checks of an upsert or a vector update: its `update_filter`.
pub(crate) fn update_filter(filter: Option<&proto::Filter>) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("update_filter", filter);
    e.finish()
}

/// The checks of a write's points selector, named as the request's field
/// (`points_selector` or `points`): a selector's filter is validated like
/// any other. The operations of a batch are not checked this way.
pub(crate) fn points_selector(field: &str, selector: Option<&proto::PointsSelector>) -> Result<(), Status> {
    use proto::points_selector::PointsSelectorOneOf as S;
    let mut e = Errors::default();
    if let Some(S::Filter(f)) = selector.and_then(|s| s.points_selector_one_of.as_ref()) {
        e.filter(&format!("{field}.points_selector_one_of"), Some(f));
    }
    e.finish()
}

/// The checks of a facet request (its filter's polygons).
pub(crate) fn facet(r: &proto::FacetCounts) -> Result<(), Status> {
    let mut e = Errors::default();
    e.filter("filter", r.filter.as_ref());
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_as_qdrant_does() {
        let q = proto::QueryPoints {
            limit: Some(0),
            prefetch: vec![proto::PrefetchQuery {
                limit: Some(0),
                ..Default::default()
            }],
            ..Default::default()
        };
        let err = query(&q).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert_eq!(
            err.message(),
            "Validation error in body: [prefetch[0].limit: value 0 invalid, must be 1 or larger; \
             limit: value 0 invalid, must be 1 or larger]"
        );
        let mmr = proto::Query {
            variant: Some(proto::query::Variant::NearestWithMmr(
                proto::NearestInputWithMmr {
                    nearest: None,
                    mmr: Some(proto::Mmr {
                        diversity: Some(1.5),
                        candidates_limit: Some(20_000),
                    }),
                },
            )),
        };
        let err = query(&proto::QueryPoints {
            query: Some(mmr),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            err.message(),
            "Validation error in body: [query.variant.mmr.diversity: value 1.5 invalid, must be from 0.0 to 1.0; \
             query.variant.mmr.candidates_limit: value 20000 invalid, must be 16384 or smaller]"
        );
        assert!(scroll(&proto::ScrollPoints::default()).is_ok());
    }

    #[test]
    fn unclosed_polygon_rings_are_refused_as_qdrant_does() {
        let ring = |points: &[(f64, f64)]| proto::GeoLineString {
            points: points
                .iter()
                .map(|&(lon, lat)| proto::GeoPoint { lon, lat })
                .collect(),
        };
        let condition = |polygon: proto::GeoPolygon| proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::Field(proto::FieldCondition {
                key: "geo".into(),
                geo_polygon: Some(polygon),
                ..Default::default()
            })),
        };
        let open = condition(proto::GeoPolygon {
            exterior: Some(ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])),
            interiors: vec![ring(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)])],
        });
        let filter = proto::Filter {
            must: vec![proto::Condition {
                condition_one_of: Some(proto::condition::ConditionOneOf::Filter(proto::Filter {
                    should: vec![open],
                    ..Default::default()
                })),
            }],
            ..Default::default()
        };
        let err = count(&proto::CountPoints {
            filter: Some(filter),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            err.message(),
            "Validation error in body: [filter.must[0].condition_one_of.should[0].condition_one_of.geo_polygon.exterior: \
             value invalid, the first and the last points should be same to form a closed line; \
             filter.must[0].condition_one_of.should[0].condition_one_of.geo_polygon.interiors: \
             value invalid, the size must be at least 4, got 3]"
        );
    }

    #[test]
    fn deep_prefetch_trees_are_checked_to_a_bounded_depth() {
        let mut p = proto::PrefetchQuery::default();
        for _ in 0..1_000 {
            p = proto::PrefetchQuery {
                prefetch: vec![p],
                ..Default::default()
            };
        }
        let q = proto::QueryPoints {
            prefetch: vec![p],
            ..Default::default()
        };
        assert!(query(&q).is_ok());
    }
}
