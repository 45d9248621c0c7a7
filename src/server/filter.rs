//! Filter evaluation with Qdrant's semantics.

use std::collections::HashMap;

use tonic::Status;

use super::store::{PointKey, StoredPoint, bad_input};
use crate::proto;
use proto::value::Kind;

/// The values at a payload path: `a.b` walks objects, `a[]` takes each
/// element of an array, `a[2]` one element. Arrays met at the end are
/// flattened, so a condition on an array holds if it holds for an element.
pub(crate) fn values_at<'a>(payload: &'a HashMap<String, proto::Value>, path: &str) -> Vec<&'a proto::Value> {
    let mut parts = split_path(path).into_iter();
    let Some(first) = parts.next() else {
        return Vec::new();
    };
    let (name, index) = first;
    let Some(root) = payload.get(name) else {
        return Vec::new();
    };
    let mut current = apply_index(vec![root], index);
    for (name, index) in parts {
        let mut next = Vec::new();
        for v in current {
            for item in flatten(v) {
                if let Some(Kind::StructValue(s)) = &item.kind
                    && let Some(child) = s.fields.get(name)
                {
                    next.push(child);
                }
            }
        }
        current = apply_index(next, index);
    }
    current.into_iter().flat_map(flatten).collect()
}

/// Path segments: name and an optional index (`None` none, `Some(None)`
/// for `[]`, `Some(Some(i))` for `[i]`).
type Segment<'a> = (&'a str, Option<Option<usize>>);

fn split_path(path: &str) -> Vec<Segment<'_>> {
    path.split('.')
        .map(|part| match part.find('[') {
            Some(i) => {
                let inner = part[i + 1..].trim_end_matches(']');
                let index = if inner.is_empty() {
                    None
                } else {
                    inner.parse().ok()
                };
                (&part[..i], Some(index))
            }
            None => (part, None),
        })
        .collect()
}

fn apply_index(values: Vec<&proto::Value>, index: Option<Option<usize>>) -> Vec<&proto::Value> {
    match index {
        None => values,
        Some(None) => values.into_iter().flat_map(flatten).collect(),
        Some(Some(i)) => values
            .into_iter()
            .filter_map(|v| match &v.kind {
                Some(Kind::ListValue(l)) => l.values.get(i),
                _ => None,
            })
            .collect(),
    }
}

fn flatten(v: &proto::Value) -> Vec<&proto::Value> {
    match &v.kind {
        Some(Kind::ListValue(l)) => l.values.iter().collect(),
        _ => vec![v],
    }
}

/// Whether the payload has a non-null value at `key` (for index counts).
pub(crate) fn has_value(payload: &HashMap<String, proto::Value>, key: &str) -> bool {
    values_at(payload, key).iter().any(|v| !is_null(v))
}

fn is_null(v: &proto::Value) -> bool {
    matches!(v.kind, None | Some(Kind::NullValue(_)))
}

/// How deeply filters may nest (a `filter` or `nested` condition holding
/// another filter is one level). Evaluation recurses once per level, so the
/// bound keeps it far from the end of the stack; gRPC decoding stops near
/// 50 levels already, so no request that arrives over the wire is refused.
pub(crate) const MAX_FILTER_DEPTH: usize = 100;

/// A filter whose nesting is known to be within [`MAX_FILTER_DEPTH`]: the
/// only kind that is evaluated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CheckedFilter<'a>(&'a proto::Filter);

impl<'a> CheckedFilter<'a> {
    /// Checks the filter's nesting.
    pub(crate) fn new(filter: &'a proto::Filter) -> Result<Self, Status> {
        if depth_within(filter, 1) {
            Ok(CheckedFilter(filter))
        } else {
            Err(bad_input(format!(
                "Filter is nested too deeply: more than {MAX_FILTER_DEPTH} levels"
            )))
        }
    }

    /// [`CheckedFilter::new`] for an optional filter.
    pub(crate) fn optional(filter: Option<&'a proto::Filter>) -> Result<Option<Self>, Status> {
        filter.map(CheckedFilter::new).transpose()
    }

    /// Whether a point matches the filter.
    pub(crate) fn matches(&self, key: &PointKey, point: &StoredPoint) -> bool {
        matches_payload(self.0, Some(key), point, &point.payload)
    }
}

/// Whether `filter`, found at `depth`, nests no deeper than the limit. The
/// walk itself stops one level past the limit.
fn depth_within(filter: &proto::Filter, depth: usize) -> bool {
    use proto::condition::ConditionOneOf as C;
    if depth > MAX_FILTER_DEPTH {
        return false;
    }
    let min_should = filter.min_should.as_ref().map(|m| m.conditions.as_slice());
    filter
        .must
        .iter()
        .chain(&filter.should)
        .chain(&filter.must_not)
        .chain(min_should.unwrap_or_default())
        .all(|c| match &c.condition_one_of {
            Some(C::Filter(inner)) => depth_within(inner, depth + 1),
            Some(C::Nested(n)) => n
                .filter
                .as_ref()
                .is_none_or(|inner| depth_within(inner, depth + 1)),
            _ => true,
        })
}

fn matches_payload(
    filter: &proto::Filter,
    key: Option<&PointKey>,
    point: &StoredPoint,
    payload: &HashMap<String, proto::Value>,
) -> bool {
    let holds = |c: &proto::Condition| condition(c, key, point, payload);
    filter.must.iter().all(holds)
        && (filter.should.is_empty() || filter.should.iter().any(holds))
        && !filter.must_not.iter().any(holds)
        && filter
            .min_should
            .as_ref()
            .is_none_or(|m| m.conditions.iter().filter(|c| holds(c)).count() as u64 >= m.min_count)
}

fn condition(
    c: &proto::Condition,
    key: Option<&PointKey>,
    point: &StoredPoint,
    payload: &HashMap<String, proto::Value>,
) -> bool {
    use proto::condition::ConditionOneOf as C;
    match &c.condition_one_of {
        None => true,
        Some(C::Field(f)) => field(f, payload),
        Some(C::IsEmpty(e)) => values_at(payload, &e.key).iter().all(|v| is_null(v)),
        Some(C::IsNull(n)) => is_null_at(payload, &n.key),
        Some(C::HasId(h)) => key.is_some_and(|k| {
            h.has_id
                .iter()
                .any(|id| super::output::point_key(id).is_ok_and(|other| other == *k))
        }),
        Some(C::HasVector(v)) => point.vectors.contains_key(&v.has_vector),
        Some(C::Filter(f)) => matches_payload(f, key, point, payload),
        Some(C::Nested(n)) => {
            let Some(inner) = &n.filter else { return true };
            let path = n.key.trim_end_matches("[]");
            values_at(payload, path)
                .into_iter()
                .any(|element| match &element.kind {
                    Some(Kind::StructValue(s)) => matches_payload(inner, None, point, &s.fields),
                    _ => false,
                })
        }
        Some(C::Slice(s)) => key.is_some_and(|k| s.total > 0 && slice_of(k, s.total) == s.index),
    }
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

/// `is_null` holds when the key is present and null (or an array holding
/// only null); not when the key is missing.
fn is_null_at(payload: &HashMap<String, proto::Value>, key: &str) -> bool {
    let mut parts = split_path(key);
    let Some((last, _)) = parts.pop() else {
        return false;
    };
    let parents: Vec<&proto::Value> = if parts.is_empty() {
        return match payload.get(last) {
            Some(v) => {
                is_null(v)
                    || matches!(&v.kind, Some(Kind::ListValue(l)) if !l.values.is_empty() && l.values.iter().all(is_null))
            }
            None => false,
        };
    } else {
        let parent_path: Vec<String> = parts
            .iter()
            .map(|(n, i)| match i {
                None => (*n).to_string(),
                Some(None) => format!("{n}[]"),
                Some(Some(k)) => format!("{n}[{k}]"),
            })
            .collect();
        values_at(payload, &parent_path.join("."))
    };
    parents.into_iter().any(|p| match &p.kind {
        Some(Kind::StructValue(s)) => s.fields.get(last).is_some_and(is_null),
        _ => false,
    })
}

fn field(f: &proto::FieldCondition, payload: &HashMap<String, proto::Value>) -> bool {
    let values = values_at(payload, &f.key);
    let mut checks: Vec<bool> = Vec::new();
    if let Some(m) = &f.r#match {
        checks.push(match_values(m, &values));
    }
    if let Some(r) = &f.range {
        checks.push(values.iter().any(|v| number(v).is_some_and(|x| in_range(x, r))));
    }
    if let Some(r) = &f.datetime_range {
        checks.push(
            values
                .iter()
                .any(|v| datetime(v).is_some_and(|t| in_datetime_range(t, r))),
        );
    }
    if let Some(b) = &f.geo_bounding_box {
        checks.push(values.iter().any(|v| geo(v).is_some_and(|p| in_box(p, b))));
    }
    if let Some(r) = &f.geo_radius {
        checks.push(values.iter().any(|v| {
            geo(v).is_some_and(|p| {
                r.center
                    .as_ref()
                    .is_some_and(|c| haversine(c, &p) <= f64::from(r.radius))
            })
        }));
    }
    if let Some(poly) = &f.geo_polygon {
        checks.push(
            values
                .iter()
                .any(|v| geo(v).is_some_and(|p| in_polygon(&p, poly))),
        );
    }
    if let Some(c) = &f.values_count {
        let n = values.iter().filter(|v| !is_null(v)).count() as u64;
        checks.push(
            c.lt.is_none_or(|x| n < x)
                && c.gt.is_none_or(|x| n > x)
                && c.gte.is_none_or(|x| n >= x)
                && c.lte.is_none_or(|x| n <= x),
        );
    }
    if let Some(want) = f.is_empty {
        checks.push(values.iter().all(|v| is_null(v)) == want);
    }
    if let Some(want) = f.is_null {
        checks.push(is_null_at(payload, &f.key) == want);
    }
    // A field condition with nothing to check matches nothing, as in Qdrant.
    !checks.is_empty() && checks.into_iter().all(|c| c)
}

fn match_values(m: &proto::Match, values: &[&proto::Value]) -> bool {
    use proto::r#match::MatchValue as M;
    let strings = || {
        values.iter().filter_map(|v| match &v.kind {
            Some(Kind::StringValue(s)) => Some(s.as_str()),
            _ => None,
        })
    };
    let integers = || {
        values.iter().filter_map(|v| match &v.kind {
            Some(Kind::IntegerValue(i)) => Some(*i),
            _ => None,
        })
    };
    match &m.match_value {
        None => false,
        Some(M::Keyword(k)) => strings().any(|s| s == k),
        Some(M::Integer(i)) => integers().any(|x| x == *i),
        Some(M::Boolean(b)) => values
            .iter()
            .any(|v| matches!(v.kind, Some(Kind::BoolValue(x)) if x == *b)),
        Some(M::Keywords(ks)) => strings().any(|s| ks.strings.iter().any(|k| k == s)),
        Some(M::Integers(is)) => integers().any(|x| is.integers.contains(&x)),
        Some(M::ExceptKeywords(ks)) => {
            values.is_empty()
                || values.iter().any(|v| match &v.kind {
                    Some(Kind::StringValue(s)) => !ks.strings.contains(s),
                    _ => true,
                })
        }
        Some(M::ExceptIntegers(is)) => {
            values.is_empty()
                || values.iter().any(|v| match &v.kind {
                    Some(Kind::IntegerValue(i)) => !is.integers.contains(i),
                    _ => true,
                })
        }
        Some(M::Text(t)) => strings().any(|s| s.contains(t.as_str())),
        Some(M::TextAny(t)) => strings().any(|s| {
            let words = tokens(s);
            tokens(t).iter().any(|w| words.contains(w))
        }),
        Some(M::Phrase(p)) => strings().any(|s| {
            let words = tokens(s);
            let phrase = tokens(p);
            !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase.as_slice())
        }),
        Some(M::Prefix(p)) => strings().any(|s| s.starts_with(p.as_str())),
        Some(M::Substring(p)) => strings().any(|s| s.contains(p.as_str())),
    }
}

fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
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
