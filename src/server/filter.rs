//! Filter evaluation with Qdrant's semantics, payload indexes included: a
//! condition on an indexed key is checked against the values the index
//! holds (an integer index holds `5.0` as 5 and no strings; a full-text
//! index holds words), as Qdrant checks it.

pub(crate) mod path;
mod text;

use std::collections::HashMap;

use tonic::Status;

use super::store::{PointKey, StoredPoint, bad_input};
use crate::proto;
use path::JsonPath;
use proto::value::Kind;

/// Payload indexes by key, as collection info shows them.
pub(crate) type Indexes = HashMap<String, proto::PayloadSchemaInfo>;

/// The values at a payload path, with arrays found at the end of the path
/// flattened into their elements: a condition on an array holds if it holds
/// for an element. An invalid path has no values.
pub(crate) fn values_at<'a>(payload: &'a HashMap<String, proto::Value>, path: &str) -> Vec<&'a proto::Value> {
    JsonPath::parse(path).map_or_else(Vec::new, |p| {
        p.get(payload).into_iter().flat_map(flatten).collect()
    })
}

fn flatten(v: &proto::Value) -> Vec<&proto::Value> {
    match &v.kind {
        Some(Kind::ListValue(l)) => l.values.iter().collect(),
        _ => vec![v],
    }
}

fn is_null(v: &proto::Value) -> bool {
    matches!(v.kind, None | Some(Kind::NullValue(_)))
}

/// Qdrant's answer for a key that is not a payload path.
pub(crate) fn invalid_path(key: &str) -> Status {
    Status::invalid_argument(super::store::clip(format!(
        "Invalid json path: '{}'",
        super::store::quoted(key)
    )))
}

/// A key parsed as a payload path, or Qdrant's error for it.
pub(crate) fn parse_path(key: &str) -> Result<JsonPath, Status> {
    JsonPath::parse(key).ok_or_else(|| invalid_path(key))
}

/// The index type of a payload index.
fn schema_type(schema: &proto::PayloadSchemaInfo) -> Option<proto::PayloadSchemaType> {
    proto::PayloadSchemaType::try_from(schema.data_type).ok()
}

/// A value an index holds, converted as the index converts it.
#[derive(Clone, Debug, PartialEq)]
enum Indexed<'a> {
    Keyword(&'a str),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Text(&'a str),
    Datetime(f64),
    Uuid(uuid::Uuid),
    Geo(proto::GeoPoint),
}

/// A number as Qdrant's integer index takes it: integers, and doubles with
/// no fraction.
fn to_integer(v: &proto::Value) -> Option<i64> {
    match v.kind {
        Some(Kind::IntegerValue(i)) => Some(i),
        Some(Kind::DoubleValue(d)) => {
            let i = d as i64;
            (i as f64 == d).then_some(i)
        }
        _ => None,
    }
}

/// What an index of this type makes of one payload value, if anything.
fn index_value(kind: proto::PayloadSchemaType, v: &proto::Value) -> Option<Indexed<'_>> {
    use proto::PayloadSchemaType as T;
    match (kind, &v.kind) {
        (T::Keyword, Some(Kind::StringValue(s))) => Some(Indexed::Keyword(s)),
        (T::Integer, _) => to_integer(v).map(Indexed::Integer),
        (T::Float, _) => number(v).map(Indexed::Float),
        (T::Bool, Some(Kind::BoolValue(b))) => Some(Indexed::Bool(*b)),
        (T::Text, Some(Kind::StringValue(s))) => Some(Indexed::Text(s)),
        (T::Datetime, Some(Kind::StringValue(s))) => parse_datetime(s).map(Indexed::Datetime),
        (T::Uuid, Some(Kind::StringValue(s))) => uuid::Uuid::parse_str(s).ok().map(Indexed::Uuid),
        (T::Geo, _) => geo(v)
            .filter(|p| (-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon))
            .map(Indexed::Geo),
        _ => None,
    }
}

/// The values a payload index of `schema` holds for a payload: those at
/// the key, one level of arrays flattened, that the index type accepts.
fn indexed_values<'a>(
    schema: &proto::PayloadSchemaInfo,
    path: &JsonPath,
    payload: &'a HashMap<String, proto::Value>,
) -> Vec<Indexed<'a>> {
    let Some(kind) = schema_type(schema) else {
        return Vec::new();
    };
    path.get(payload)
        .into_iter()
        .flat_map(flatten)
        .filter_map(|v| index_value(kind, v))
        .collect()
}

/// Whether a payload has a value that the index on `key` holds: the points
/// that collection info counts for the index.
pub(crate) fn is_indexed(
    schema: &proto::PayloadSchemaInfo,
    key: &str,
    payload: &HashMap<String, proto::Value>,
) -> bool {
    JsonPath::parse(key).is_some_and(|p| !indexed_values(schema, &p, payload).is_empty())
}

/// The facet values of a payload under the index on `key`: each distinct
/// value the index holds (strings for keyword and UUID indexes), which is
/// what Qdrant counts.
pub(crate) fn facet_values(
    schema: &proto::PayloadSchemaInfo,
    key: &str,
    payload: &HashMap<String, proto::Value>,
) -> Vec<proto::facet_value::Variant> {
    use proto::facet_value::Variant as F;
    let Some(path) = JsonPath::parse(key) else {
        return Vec::new();
    };
    let mut out: Vec<F> = Vec::new();
    for v in indexed_values(schema, &path, payload) {
        let value = match v {
            Indexed::Keyword(s) => F::StringValue(s.to_owned()),
            Indexed::Integer(i) => F::IntegerValue(i),
            Indexed::Bool(b) => F::BoolValue(b),
            Indexed::Uuid(u) => F::StringValue(u.hyphenated().to_string()),
            _ => continue,
        };
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// How deeply filters may nest (a `filter` or `nested` condition holding
/// another filter is one level). Evaluation recurses once per level, so the
/// bound keeps it far from the end of the stack; gRPC decoding stops near
/// 50 levels already, so no request that arrives over the wire is refused.
pub(crate) const MAX_FILTER_DEPTH: usize = 100;

/// A filter whose nesting is known to be within [`MAX_FILTER_DEPTH`] and
/// whose keys are payload paths: the only kind that is evaluated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CheckedFilter<'a> {
    filter: &'a proto::Filter,
    indexes: Option<&'a Indexes>,
}

impl<'a> CheckedFilter<'a> {
    /// Checks the filter as Qdrant does before it runs one: nesting, key
    /// paths, match conditions with a value, and, as a request's `filter`
    /// field, polygons (validation errors name that field).
    pub(crate) fn new(filter: &'a proto::Filter) -> Result<Self, Status> {
        check_filter(filter, 1, Some("filter"))?;
        Ok(CheckedFilter {
            filter,
            indexes: None,
        })
    }

    /// [`CheckedFilter::new`] without the request's validation (polygons,
    /// `min_count`): for filters the request's validation has checked under
    /// another name already (points selectors, `update_filter`), and for
    /// those of a batch's operations, which Qdrant does not validate.
    pub(crate) fn selector(filter: &'a proto::Filter) -> Result<Self, Status> {
        check_filter(filter, 1, None)?;
        Ok(CheckedFilter {
            filter,
            indexes: None,
        })
    }

    /// [`CheckedFilter::new`] for an optional filter.
    pub(crate) fn optional(filter: Option<&'a proto::Filter>) -> Result<Option<Self>, Status> {
        filter.map(CheckedFilter::new).transpose()
    }

    /// The same filter, evaluated with the collection's payload indexes as
    /// Qdrant evaluates it: conditions on an indexed key see the values the
    /// index holds. Without this, every condition reads the payload.
    pub(crate) fn indexed(self, indexes: &'a Indexes) -> Self {
        CheckedFilter {
            indexes: Some(indexes),
            ..self
        }
    }

    /// Whether a point matches the filter.
    pub(crate) fn matches(&self, key: &PointKey, point: &StoredPoint) -> bool {
        let ctx = Ctx {
            indexes: self.indexes,
            nested: None,
            key: Some(key),
            point,
        };
        matches_filter(self.filter, &ctx, &point.payload)
    }
}

/// Checks a filter found at `depth`, at `place` in the request when its
/// polygons are validated; the walk stops one level past the depth limit.
fn check_filter(filter: &proto::Filter, depth: usize, place: Option<&str>) -> Result<(), Status> {
    if depth > MAX_FILTER_DEPTH {
        return Err(bad_input(format!(
            "Filter is nested too deeply: more than {MAX_FILTER_DEPTH} levels"
        )));
    }
    let lists = [
        ("must", &filter.must),
        ("should", &filter.should),
        ("must_not", &filter.must_not),
    ];
    let at = |name: String| place.map(|p| format!("{p}.{name}"));
    for (name, list) in lists {
        for (i, c) in list.iter().enumerate() {
            check_condition(c, depth, at(format!("{name}[{i}]")).as_deref())?;
        }
    }
    if let Some(m) = &filter.min_should {
        if m.min_count == 0
            && let Some(at) = at("min_should.min_count".into())
        {
            return Err(Status::invalid_argument(format!(
                "Validation error in body: [{at}: min_count must be greater than 0]"
            )));
        }
        for (i, c) in m.conditions.iter().enumerate() {
            check_condition(c, depth, at(format!("min_should.conditions[{i}]")).as_deref())?;
        }
    }
    Ok(())
}

fn check_condition(c: &proto::Condition, depth: usize, place: Option<&str>) -> Result<(), Status> {
    use proto::condition::ConditionOneOf as C;
    // Validation names a nested condition's filter as it names a filter
    // condition.
    let inner_place = place.map(|p| format!("{p}.condition_one_of.filter"));
    match &c.condition_one_of {
        Some(C::Filter(inner)) => check_filter(inner, depth + 1, inner_place.as_deref()),
        Some(C::Nested(n)) => {
            parse_path(&n.key)?;
            n.filter.as_ref().map_or(Ok(()), |inner| {
                check_filter(inner, depth + 1, inner_place.as_deref())
            })
        }
        Some(C::Field(f)) => {
            parse_path(&f.key)?;
            // Qdrant 1.19 does not know `substring` (protocol 1.20) and
            // finds no match value in it.
            let unknown = |m: &proto::Match| {
                matches!(
                    m.match_value,
                    None | Some(proto::r#match::MatchValue::Substring(_))
                )
            };
            if f.r#match.as_ref().is_some_and(unknown) {
                return Err(Status::invalid_argument("Malformed Match condition"));
            }
            if let (Some(poly), Some(place)) = (&f.geo_polygon, place) {
                check_polygon(poly, &format!("{place}.condition_one_of.geo_polygon"))?;
            }
            Ok(())
        }
        Some(C::IsEmpty(e)) => parse_path(&e.key).map(drop),
        Some(C::IsNull(n)) => parse_path(&n.key).map(drop),
        _ => Ok(()),
    }
}

/// Qdrant's rule for polygons: each ring has at least 4 points and ends
/// where it starts.
fn check_polygon(poly: &proto::GeoPolygon, place: &str) -> Result<(), Status> {
    let Some(exterior) = &poly.exterior else {
        return Err(Status::invalid_argument(
            "Malformed GeoPolygon type - field `exterior` is required",
        ));
    };
    let rings = std::iter::once((format!("{place}.exterior"), exterior)).chain(
        poly.interiors
            .iter()
            .map(|ring| (format!("{place}.interiors"), ring)),
    );
    for (at, ring) in rings {
        let points = &ring.points;
        let problem = if points.len() <= 3 {
            format!("the size must be at least 4, got {}", points.len())
        } else {
            match (points.first(), points.last()) {
                (Some(first), Some(last))
                    if (first.lat - last.lat).abs() > f64::EPSILON
                        || (first.lon - last.lon).abs() > f64::EPSILON =>
                {
                    "the first and the last points should be same to form a closed line".to_owned()
                }
                _ => continue,
            }
        };
        return Err(Status::invalid_argument(super::store::clip(format!(
            "Validation error in body: [{at}: value invalid, {problem}]"
        ))));
    }
    Ok(())
}

/// Where a condition is evaluated.
struct Ctx<'a> {
    indexes: Option<&'a Indexes>,
    /// Inside a `nested` condition: the path of its array (`a[]`). There,
    /// ids and vectors are not checked, and indexes only tokenize text.
    nested: Option<JsonPath>,
    key: Option<&'a PointKey>,
    point: &'a StoredPoint,
}

impl Ctx<'_> {
    /// The index on a condition's key, if there is one.
    fn index_for(&self, path: &JsonPath) -> Option<&proto::PayloadSchemaInfo> {
        let indexes = self.indexes?;
        let full = match &self.nested {
            Some(prefix) => prefix.extend(path),
            None => path.clone(),
        };
        indexes.get(&full.to_string())
    }
}

/// The conditions of a list that hold something: Qdrant leaves out the
/// empty ones.
fn present(conditions: &[proto::Condition]) -> Vec<&proto::Condition> {
    conditions
        .iter()
        .filter(|c| c.condition_one_of.is_some())
        .collect()
}

fn matches_filter(filter: &proto::Filter, ctx: &Ctx<'_>, payload: &HashMap<String, proto::Value>) -> bool {
    let holds = |c: &&proto::Condition| condition(c, ctx, payload);
    let should = present(&filter.should);
    let must = present(&filter.must);
    let must_not = present(&filter.must_not);
    (should.is_empty() || should.iter().any(holds))
        && filter
            .min_should
            .as_ref()
            .is_none_or(|m| present(&m.conditions).iter().filter(|c| holds(c)).count() as u64 >= m.min_count)
        && must.iter().all(holds)
        && !must_not.iter().any(holds)
}

fn condition(c: &proto::Condition, ctx: &Ctx<'_>, payload: &HashMap<String, proto::Value>) -> bool {
    use proto::condition::ConditionOneOf as C;
    let path = |key: &str| JsonPath::parse(key);
    match &c.condition_one_of {
        None => true,
        Some(C::Field(f)) => path(&f.key).is_some_and(|p| field(f, &p, ctx, payload)),
        Some(C::IsEmpty(e)) => path(&e.key).is_some_and(|p| match ctx.top_index(&p) {
            Some(_) => !has_values(&p.get(payload)),
            None => p.get(payload).into_iter().all(|v| match &v.kind {
                Some(Kind::ListValue(l)) => l.values.is_empty(),
                _ => is_null(v),
            }),
        }),
        Some(C::IsNull(n)) => path(&n.key).is_some_and(|p| match ctx.top_index(&p) {
            Some(_) => has_null(&p.get(payload)),
            None => p.get(payload).into_iter().any(is_null),
        }),
        Some(C::HasId(h)) => ctx.key.is_some_and(|k| {
            h.has_id
                .iter()
                .any(|id| super::output::point_key(id).is_ok_and(|other| other == *k))
        }),
        Some(C::HasVector(v)) => ctx.nested.is_none() && ctx.point.vectors.contains_key(&v.has_vector),
        Some(C::Filter(f)) => matches_filter(f, ctx, payload),
        Some(C::Nested(n)) => {
            let (Some(inner), Some(p)) = (&n.filter, path(&n.key)) else {
                return false;
            };
            let array = p.array_key();
            let prefix = match &ctx.nested {
                Some(outer) => outer.extend(&array),
                None => array.clone(),
            };
            let inner_ctx = Ctx {
                indexes: ctx.indexes,
                nested: Some(prefix),
                key: None,
                point: ctx.point,
            };
            array.get(payload).into_iter().any(|element| match &element.kind {
                Some(Kind::StructValue(s)) => matches_filter(inner, &inner_ctx, &s.fields),
                _ => false,
            })
        }
        Some(C::Slice(s)) => ctx
            .key
            .is_some_and(|k| s.total > 0 && slice_of(k, s.total) == s.index),
    }
}

impl Ctx<'_> {
    /// The index on a key at the top level, where Qdrant checks conditions
    /// through it; inside `nested`, payloads are read.
    fn top_index(&self, path: &JsonPath) -> Option<&proto::PayloadSchemaInfo> {
        match self.nested {
            None => self.index_for(path),
            Some(_) => None,
        }
    }
}

/// Qdrant's null index: a key has values unless all of them are null or
/// empty arrays...
fn has_values(values: &[&proto::Value]) -> bool {
    values.iter().any(|v| match &v.kind {
        Some(Kind::ListValue(l)) => !l.values.is_empty(),
        _ => !is_null(v),
    })
}

/// ...and is null when one of them is null or an array holding a null.
fn has_null(values: &[&proto::Value]) -> bool {
    values.iter().any(|v| match &v.kind {
        Some(Kind::ListValue(l)) => l.values.iter().any(is_null),
        _ => is_null(v),
    })
}

/// Which of `total` slices a point falls in: by a stable hash of its id.
fn slice_of(key: &PointKey, total: u32) -> u32 {
    let h = match key {
        PointKey::Num(n) => *n,
        PointKey::Uuid(u) => {
            let (hi, lo) = u.as_u64_pair();
            hi ^ lo
        }
    };
    (h % u64::from(total)) as u32
}

fn field(
    f: &proto::FieldCondition,
    path: &JsonPath,
    ctx: &Ctx<'_>,
    payload: &HashMap<String, proto::Value>,
) -> bool {
    if let Some(schema) = ctx.top_index(path)
        && let Some(result) = through_index(f, schema, path, payload)
    {
        return result;
    }
    let text_index = ctx
        .index_for(path)
        .filter(|s| schema_type(s) == Some(proto::PayloadSchemaType::Text));
    let values = path.get(payload);
    if values.is_empty() {
        return when_missing(f);
    }
    values.into_iter().any(|v| check_value(f, v, text_index))
}

/// A condition on a key with no value at all.
fn when_missing(f: &proto::FieldCondition) -> bool {
    if let Some(c) = &f.values_count {
        return count_in(0, c);
    }
    if let Some(is_empty) = f.is_empty {
        return is_empty;
    }
    if let Some(is_null) = f.is_null {
        return !is_null;
    }
    false
}

fn count_in(n: u64, c: &proto::ValuesCount) -> bool {
    c.lt.is_none_or(|x| n < x)
        && c.gt.is_none_or(|x| n > x)
        && c.gte.is_none_or(|x| n >= x)
        && c.lte.is_none_or(|x| n <= x)
}

/// A condition against one value at its key (Qdrant's `check`): an array
/// matches when one of its elements does.
fn check_value(
    f: &proto::FieldCondition,
    v: &proto::Value,
    text_index: Option<&proto::PayloadSchemaInfo>,
) -> bool {
    if let Some(c) = &f.values_count {
        let n = match &v.kind {
            None | Some(Kind::NullValue(_)) => 0,
            Some(Kind::ListValue(l)) => l.values.len() as u64,
            _ => 1,
        };
        return count_in(n, c);
    }
    if let Some(want) = f.is_empty {
        return match &v.kind {
            Some(Kind::ListValue(l)) => l.values.is_empty() == want,
            _ => is_null(v) == want,
        };
    }
    if let Some(want) = f.is_null {
        return match &v.kind {
            Some(Kind::ListValue(l)) => l.values.iter().any(is_null) == want,
            _ => is_null(v) == want,
        };
    }
    if let (Some(schema), Some(m)) = (text_index, &f.r#match)
        && let Some(result) = text::check_value(schema, m, v)
    {
        return result;
    }
    flatten(v).into_iter().any(|x| check_match(f, x))
}

/// One element against the condition: any of its parts may match.
fn check_match(f: &proto::FieldCondition, v: &proto::Value) -> bool {
    f.r#match.as_ref().is_some_and(|m| match_value(m, v))
        || match (&f.range, &f.datetime_range) {
            (Some(r), _) => number(v).is_some_and(|x| in_range(x, r)),
            (None, Some(r)) => datetime(v).is_some_and(|t| in_datetime_range(t, r)),
            (None, None) => false,
        }
        || f.geo_radius.as_ref().is_some_and(|r| {
            geo(v).is_some_and(|p| {
                r.center
                    .as_ref()
                    .is_some_and(|c| haversine(c, &p) <= f64::from(r.radius))
            })
        })
        || f.geo_bounding_box
            .as_ref()
            .is_some_and(|b| geo(v).is_some_and(|p| in_box(p, b)))
        || f.geo_polygon
            .as_ref()
            .is_some_and(|poly| geo(v).is_some_and(|p| in_polygon(&p, poly)))
}

fn match_value(m: &proto::Match, v: &proto::Value) -> bool {
    use proto::r#match::MatchValue as M;
    let string = match &v.kind {
        Some(Kind::StringValue(s)) => Some(s.as_str()),
        _ => None,
    };
    let integer = match v.kind {
        Some(Kind::IntegerValue(i)) => Some(i),
        _ => None,
    };
    match &m.match_value {
        None => false,
        Some(M::Keyword(k)) => string == Some(k.as_str()),
        Some(M::Integer(i)) => integer == Some(*i),
        Some(M::Boolean(b)) => matches!(v.kind, Some(Kind::BoolValue(x)) if x == *b),
        Some(M::Keywords(ks)) => string.is_some_and(|s| ks.strings.iter().any(|k| k == s)),
        Some(M::Integers(is)) => integer.is_some_and(|x| is.integers.contains(&x)),
        // A value of another type is "not one of them"; a null is nothing.
        Some(M::ExceptKeywords(ks)) => match &v.kind {
            None | Some(Kind::NullValue(_)) => false,
            Some(Kind::StringValue(s)) => !ks.strings.contains(s),
            _ => true,
        },
        Some(M::ExceptIntegers(is)) => match &v.kind {
            None | Some(Kind::NullValue(_)) => false,
            Some(Kind::IntegerValue(i)) => !is.integers.contains(i),
            _ => true,
        },
        Some(M::Text(t) | M::Phrase(t) | M::Substring(t)) => string.is_some_and(|s| s.contains(t.as_str())),
        Some(M::TextAny(t)) => string.is_some_and(|s| t.split_whitespace().any(|w| s.contains(w))),
        Some(M::Prefix(p)) => string.is_some_and(|s| s.starts_with(p.as_str())),
    }
}

/// A field condition checked through the key's index, when the index can
/// check it (Qdrant's `condition_checker` of each index type).
fn through_index(
    f: &proto::FieldCondition,
    schema: &proto::PayloadSchemaInfo,
    path: &JsonPath,
    payload: &HashMap<String, proto::Value>,
) -> Option<bool> {
    use proto::PayloadSchemaType as T;
    use proto::r#match::MatchValue as M;
    use proto::payload_index_params::IndexParams as P;
    let kind = schema_type(schema)?;
    let values = || indexed_values(schema, path, payload);
    let m = f.r#match.as_ref().and_then(|m| m.match_value.as_ref());
    let integer_params = match schema.params.as_ref().and_then(|p| p.index_params.as_ref()) {
        Some(P::IntegerIndexParams(p)) => (p.lookup.unwrap_or(true), p.range.unwrap_or(true)),
        _ => (true, true),
    };
    let served = match (kind, m, &f.range, &f.datetime_range) {
        (T::Keyword, Some(M::Keyword(k)), ..) => Some(values().contains(&Indexed::Keyword(k))),
        (T::Keyword, Some(M::Keywords(ks)), ..) => Some(
            values()
                .iter()
                .any(|v| matches!(v, Indexed::Keyword(s) if ks.strings.iter().any(|k| k == s))),
        ),
        (T::Keyword, Some(M::ExceptKeywords(ks)), ..) => Some(
            values()
                .iter()
                .any(|v| matches!(v, Indexed::Keyword(s) if !ks.strings.iter().any(|k| k == s))),
        ),
        // A numeric index serves either kind of range, in its own unit:
        // a date-time index holds microseconds.
        (T::Integer | T::Float | T::Datetime, ..)
            if (f.range.is_some() || f.datetime_range.is_some())
                && (kind != T::Integer || integer_params.1) =>
        {
            Some(values().iter().any(|v| {
                let x = match v {
                    Indexed::Integer(i) => *i as f64,
                    Indexed::Float(x) => *x,
                    Indexed::Datetime(secs) => secs * 1e6,
                    _ => return false,
                };
                match (&f.range, &f.datetime_range) {
                    (Some(r), _) => in_range(x, r),
                    (None, Some(r)) => in_micros_range(x, r),
                    (None, None) => false,
                }
            }))
        }
        (T::Integer, Some(M::Integer(x)), ..) if integer_params.0 => {
            Some(values().contains(&Indexed::Integer(*x)))
        }
        (T::Integer, Some(M::Integers(xs)), ..) if integer_params.0 => Some(
            values()
                .iter()
                .any(|v| matches!(v, Indexed::Integer(i) if xs.integers.contains(i))),
        ),
        (T::Integer, Some(M::ExceptIntegers(xs)), ..) if integer_params.0 => Some(
            values()
                .iter()
                .any(|v| matches!(v, Indexed::Integer(i) if !xs.integers.contains(i))),
        ),
        (T::Bool, Some(M::Boolean(b)), ..) => Some(values().contains(&Indexed::Bool(*b))),
        (T::Uuid, Some(M::Keyword(k)), ..) => {
            let want = uuid::Uuid::parse_str(k).ok();
            Some(want.is_some_and(|w| values().contains(&Indexed::Uuid(w))))
        }
        (T::Uuid, Some(M::Keywords(ks) | M::ExceptKeywords(ks)), ..) => {
            let except = matches!(m, Some(M::ExceptKeywords(_)));
            let list: Vec<uuid::Uuid> = ks
                .strings
                .iter()
                .filter_map(|s| uuid::Uuid::parse_str(s).ok())
                .collect();
            Some(
                values()
                    .iter()
                    .any(|v| matches!(v, Indexed::Uuid(u) if list.contains(u) != except)),
            )
        }
        (T::Text, Some(M::Text(_) | M::TextAny(_) | M::Phrase(_)), ..) => {
            let texts: Vec<&str> = values()
                .into_iter()
                .filter_map(|v| match v {
                    Indexed::Text(s) => Some(s),
                    _ => None,
                })
                .collect();
            f.r#match.as_ref().map(|m| text::check_point(schema, m, &texts))
        }
        _ => None,
    };
    if served.is_some() {
        return served;
    }
    // Every index comes with a null index, which answers these two.
    let at_key = path.get(payload);
    if let Some(want) = f.is_empty {
        return Some(has_values(&at_key) != want);
    }
    if let Some(want) = f.is_null {
        return Some(has_null(&at_key) == want);
    }
    None
}

fn number(v: &proto::Value) -> Option<f64> {
    match v.kind {
        Some(Kind::IntegerValue(i)) => Some(i as f64),
        Some(Kind::DoubleValue(d)) => Some(d),
        _ => None,
    }
}

fn in_range(x: f64, r: &proto::Range) -> bool {
    r.lt.is_none_or(|b| x < b)
        && r.gt.is_none_or(|b| x > b)
        && r.gte.is_none_or(|b| x >= b)
        && r.lte.is_none_or(|b| x <= b)
}

/// A date-time payload value (RFC 3339, or a date), as seconds since 1970.
fn datetime(v: &proto::Value) -> Option<f64> {
    match &v.kind {
        Some(Kind::StringValue(s)) => parse_datetime(s),
        _ => None,
    }
}

/// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|±HH[:MM]]` as seconds since
/// 1970, UTC. Anything else, including a field out of its range, is `None`.
pub(crate) fn parse_datetime(s: &str) -> Option<f64> {
    let s = s.trim();
    // Every accepted form is ASCII, which also makes the byte offsets
    // below fall between characters.
    if !s.is_ascii() {
        return None;
    }
    let (date, rest) = s.split_at(s.len().min(10));
    let mut d = date.split('-');
    let (y, m, day) = (digits(d.next()?)?, digits(d.next()?)?, digits(d.next()?)?);
    if d.next().is_some() || !(1..=12).contains(&m) || day < 1 || day > days_in_month(y, m) {
        return None;
    }
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let secs = if time.is_empty() { 0.0 } else { time_of_day(time)? };
    let offset_secs = match offset.split_at_checked(1) {
        None => 0,
        Some(("Z" | "z", "")) => 0,
        Some((sign @ ("+" | "-"), hm)) => {
            let (h, m) = match hm.split_once(':') {
                Some((h, m)) => (digits(h)?, digits(m)?),
                None if hm.len() == 4 => (digits(&hm[..2])?, digits(&hm[2..])?),
                None => (digits(hm)?, 0),
            };
            if h > 23 || m > 59 {
                return None;
            }
            let v = h * 3600 + m * 60;
            if sign == "+" { v } else { -v }
        }
        Some(_) => return None,
    };
    Some(days_from_civil(y, m, day) as f64 * 86_400.0 + secs - offset_secs as f64)
}

/// `HH:MM[:SS[.frac]]` as seconds.
fn time_of_day(time: &str) -> Option<f64> {
    let mut t = time.split(':');
    let h = digits(t.next()?)?;
    let mi = digits(t.next()?)?;
    let se = match t.next() {
        None => 0.0,
        Some(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
            digits(frac)?;
            let whole = digits(whole)?;
            // A leap second is 60.
            if whole > 60 {
                return None;
            }
            format!("{whole}.{frac}").parse::<f64>().ok()?
        }
    };
    if t.next().is_some() || h > 23 || mi > 59 {
        return None;
    }
    Some((h * 3600 + mi * 60) as f64 + se)
}

/// A run of 1 to 9 ASCII digits as a number: no sign, no spaces, so every
/// value is small enough for the date arithmetic.
fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn ts(t: &prost_types::Timestamp) -> f64 {
    t.seconds as f64 + f64::from(t.nanos) / 1e9
}

/// A number against a date-time range given in microseconds since 1970.
fn in_micros_range(x: f64, r: &proto::DatetimeRange) -> bool {
    let micros = |t: &prost_types::Timestamp| t.seconds as f64 * 1e6 + f64::from(t.nanos) / 1e3;
    r.lt.as_ref().is_none_or(|b| x < micros(b))
        && r.gt.as_ref().is_none_or(|b| x > micros(b))
        && r.gte.as_ref().is_none_or(|b| x >= micros(b))
        && r.lte.as_ref().is_none_or(|b| x <= micros(b))
}

fn in_datetime_range(x: f64, r: &proto::DatetimeRange) -> bool {
    r.lt.as_ref().is_none_or(|b| x < ts(b))
        && r.gt.as_ref().is_none_or(|b| x > ts(b))
        && r.gte.as_ref().is_none_or(|b| x >= ts(b))
        && r.lte.as_ref().is_none_or(|b| x <= ts(b))
}

/// A geo point payload value: `{"lon": .., "lat": ..}`.
fn geo(v: &proto::Value) -> Option<proto::GeoPoint> {
    let Some(Kind::StructValue(s)) = &v.kind else {
        return None;
    };
    Some(proto::GeoPoint {
        lon: number(s.fields.get("lon")?)?,
        lat: number(s.fields.get("lat")?)?,
    })
}

fn in_box(p: proto::GeoPoint, b: &proto::GeoBoundingBox) -> bool {
    let (Some(tl), Some(br)) = (&b.top_left, &b.bottom_right) else {
        return false;
    };
    let lat_ok = p.lat <= tl.lat && p.lat >= br.lat;
    let lon_ok = if tl.lon <= br.lon {
        p.lon >= tl.lon && p.lon <= br.lon
    } else {
        p.lon >= tl.lon || p.lon <= br.lon
    };
    lat_ok && lon_ok
}

/// Great-circle distance in metres.
pub(crate) fn haversine(a: &proto::GeoPoint, b: &proto::GeoPoint) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

fn in_ring(p: &proto::GeoPoint, ring: &proto::GeoLineString) -> bool {
    let pts = &ring.points;
    let mut inside = false;
    let n = pts.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (&pts[i], &pts[j]);
        if (a.lat > p.lat) != (b.lat > p.lat)
            && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon
        {
            inside = !inside;
        }
        j = i;
    }
    inside
}

fn in_polygon(p: &proto::GeoPoint, poly: &proto::GeoPolygon) -> bool {
    poly.exterior.as_ref().is_some_and(|e| in_ring(p, e))
        && !poly.interiors.iter().any(|hole| in_ring(p, hole))
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Condition, Filter, GeoPoint, Payload, Range, ValuesCount};

    fn point(json: serde_json::Value) -> StoredPoint {
        let payload = Payload::try_from(json).unwrap().into_proto();
        StoredPoint {
            vectors: HashMap::new(),
            payload,
        }
    }

    #[test]
    fn condition_table() {
        let points = [
            point(
                serde_json::json!({"color": "red", "n": 1, "tags": ["a", "b"], "city": {"name": "Berlin", "geo": {"lon": 13.4, "lat": 52.5}}}),
            ),
            point(
                serde_json::json!({"color": "blue", "n": 2.5, "tags": [], "empty": null, "items": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}),
            ),
            point(serde_json::json!({"color": ["red", "green"], "n": 3, "items": [{"a": 1, "b": 4}]})),
        ];
        let cases: Vec<(Filter, Vec<usize>)> = vec![
            (Filter::must([Condition::matches("color", "red")]), vec![0, 2]),
            (Filter::must_not([Condition::matches("color", "red")]), vec![1]),
            (
                Filter::should([Condition::matches("n", 1), Condition::matches("n", 3)]),
                vec![0, 2],
            ),
            (
                Filter::must([Condition::range("n", Range::new().gt(1.0).lte(3.0))]),
                vec![1, 2],
            ),
            (
                Filter::must([Condition::matches_any("tags", ["b", "z"])]),
                vec![0],
            ),
            (Filter::must([Condition::is_empty("tags")]), vec![1, 2]),
            (Filter::must([Condition::is_null("empty")]), vec![1]),
            (Filter::must([Condition::is_empty("empty")]), vec![0, 1, 2]),
            (Filter::must([Condition::matches("city.name", "Berlin")]), vec![0]),
            (Filter::must([Condition::matches("items[].a", 3)]), vec![1]),
            // Same element: a=1 and b=4 only together in point 2.
            (
                Filter::must([Condition::nested(
                    "items",
                    Filter::must([Condition::matches("a", 1), Condition::matches("b", 4)]),
                )]),
                vec![2],
            ),
            (
                Filter::must([Condition::geo_radius(
                    "city.geo",
                    GeoPoint::new(13.4, 52.52),
                    5000.0,
                )]),
                vec![0],
            ),
            (
                Filter::must([Condition::values_count("tags", ValuesCount::new().gte(2))]),
                vec![0],
            ),
            (
                Filter::min_should(
                    2,
                    [
                        Condition::matches("color", "red"),
                        Condition::matches("n", 3),
                        Condition::matches("n", 1),
                    ],
                ),
                vec![0, 2],
            ),
        ];
        for (i, (filter, expected)) in cases.into_iter().enumerate() {
            let f = proto::Filter::from(filter);
            let f = CheckedFilter::new(&f).unwrap();
            let got: Vec<usize> = (0..points.len())
                .filter(|&j| f.matches(&PointKey::Num(j as u64), &points[j]))
                .collect();
            assert_eq!(got, expected, "case {i}");
        }
    }

    #[test]
    fn facets_count_what_the_index_holds() {
        use proto::facet_value::Variant as F;
        let schema = |t: proto::PayloadSchemaType| proto::PayloadSchemaInfo {
            data_type: t as i32,
            params: None,
            points: None,
        };
        let p = point(serde_json::json!({"n": [1, 1, 5.0, 2.5, "five"], "k": ["a", 1, "a"]}));
        assert_eq!(
            facet_values(&schema(proto::PayloadSchemaType::Integer), "n", &p.payload),
            [F::IntegerValue(1), F::IntegerValue(5)]
        );
        assert_eq!(
            facet_values(&schema(proto::PayloadSchemaType::Keyword), "k", &p.payload),
            [F::StringValue("a".into())]
        );
    }

    #[test]
    fn parses_datetimes() {
        assert_eq!(parse_datetime("1970-01-02"), Some(86_400.0));
        assert_eq!(parse_datetime("1970-01-01T01:00:00Z"), Some(3600.0));
        assert_eq!(parse_datetime("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_datetime("garbage"), None);
        assert_eq!(parse_datetime("1970-01-01 00:00:01.5"), Some(1.5));
        assert_eq!(parse_datetime("1970-01-01T01:00:00-0100"), Some(7200.0));
        assert_eq!(parse_datetime("2024-02-29"), Some(1_709_164_800.0));
    }

    #[test]
    fn rejects_datetimes_out_of_range_or_not_ascii() {
        for s in [
            "2024-01-0\u{e9}\u{e9}\u{e9}00:00Z",
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
            "2024-01-01T00:00\u{1F980}",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "9999999999-99999999999-999999999999",
            "2024-01-01T24:00:00",
            "2024-01-01T10:00:00+99:00",
            "2024-01-01Tinf:00",
            "2024-01-01T01:00:00:00",
            "2024-01-01T10:00:00Zjunk",
            "-2024-01-01",
        ] {
            assert_eq!(parse_datetime(s), None, "{s}");
        }
    }

    #[test]
    fn filters_nested_too_deeply_are_refused() {
        let nest = |depth: usize| {
            let mut f = proto::Filter::default();
            for _ in 1..depth {
                f = proto::Filter {
                    must: vec![proto::Condition {
                        condition_one_of: Some(proto::condition::ConditionOneOf::Filter(f)),
                    }],
                    ..Default::default()
                };
            }
            f
        };
        let p = point(serde_json::json!({}));
        let ok = nest(MAX_FILTER_DEPTH);
        assert!(CheckedFilter::new(&ok).unwrap().matches(&PointKey::Num(1), &p));
        let err = CheckedFilter::new(&nest(MAX_FILTER_DEPTH + 1)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }
}
