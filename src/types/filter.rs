//! Filters: conditions on payloads, ids and vectors, combined with must,
//! should, must-not and min-should.

use std::time::SystemTime;

use crate::proto;
use crate::types::point::PointId;

/// A filter: all `must` conditions hold, at least one `should` condition
/// holds (if there are any), no `must_not` condition holds, and at least
/// `min_count` of the `min_should` conditions hold.
///
/// ```
/// use qdrant_async::{Condition, Filter, Range};
///
/// let filter = Filter::must([Condition::matches("color", "red")])
///     .and_must_not([Condition::range("price", Range::new().gt(100.0))])
///     .and_should([Condition::matches("size", "L"), Condition::matches("size", "XL")]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Filter {
    /// Every one of these holds.
    pub must: Vec<Condition>,
    /// At least one of these holds, when there are any.
    pub should: Vec<Condition>,
    /// None of these holds.
    pub must_not: Vec<Condition>,
    /// At least `min_count` of these hold.
    pub min_should: Option<MinShould>,
}

/// At least `min_count` of `conditions` hold.
///
/// ```
/// use qdrant_async::{Condition, Filter};
///
/// // A MinShould comes from Filter::min_should and and_min_should.
/// let filter = Filter::min_should(2, [
///     Condition::matches("tags", "a"),
///     Condition::matches("tags", "b"),
///     Condition::matches("tags", "c"),
/// ]);
/// assert_eq!(filter.min_should.map(|m| m.min_count), Some(2));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct MinShould {
    /// The conditions.
    pub conditions: Vec<Condition>,
    /// How many of them must hold.
    pub min_count: u64,
}

impl Filter {
    /// Every condition must hold.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, Range};
    ///
    /// // Red and cheaper than 100.
    /// let filter = Filter::must([
    ///     Condition::matches("color", "red"),
    ///     Condition::range("price", Range::new().lt(100.0)),
    /// ]);
    /// ```
    pub fn must(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Filter {
            must: conditions.into_iter().collect(),
            ..Default::default()
        }
    }

    /// At least one condition must hold.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// // Red or green.
    /// let filter = Filter::should([Condition::matches("color", "red"), Condition::matches("color", "green")]);
    /// ```
    pub fn should(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Filter {
            should: conditions.into_iter().collect(),
            ..Default::default()
        }
    }

    /// No condition may hold.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let not_deleted = Filter::must_not([Condition::matches("deleted", true)]);
    /// ```
    pub fn must_not(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Filter {
            must_not: conditions.into_iter().collect(),
            ..Default::default()
        }
    }

    /// At least `min_count` conditions must hold.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// // At least two of the three tags.
    /// let filter = Filter::min_should(
    ///     2,
    ///     [
    ///         Condition::matches("tags", "rust"),
    ///         Condition::matches("tags", "async"),
    ///         Condition::matches("tags", "grpc"),
    ///     ],
    /// );
    /// ```
    pub fn min_should(min_count: u64, conditions: impl IntoIterator<Item = Condition>) -> Self {
        Filter {
            min_should: Some(MinShould {
                conditions: conditions.into_iter().collect(),
                min_count,
            }),
            ..Default::default()
        }
    }

    /// Adds conditions that must all hold.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let filter = Filter::should([Condition::matches("color", "red"), Condition::matches("color", "blue")])
    ///     .and_must([Condition::matches("in_stock", true)]);
    /// ```
    pub fn and_must(mut self, conditions: impl IntoIterator<Item = Condition>) -> Self {
        self.must.extend(conditions);
        self
    }

    /// Adds conditions of which at least one must hold.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let filter = Filter::must([Condition::matches("in_stock", true)])
    ///     .and_should([Condition::matches("color", "red"), Condition::matches("color", "blue")]);
    /// ```
    pub fn and_should(mut self, conditions: impl IntoIterator<Item = Condition>) -> Self {
        self.should.extend(conditions);
        self
    }

    /// Adds conditions none of which may hold.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let filter = Filter::must([Condition::matches("in_stock", true)]).and_must_not([Condition::is_null("price")]);
    /// ```
    pub fn and_must_not(mut self, conditions: impl IntoIterator<Item = Condition>) -> Self {
        self.must_not.extend(conditions);
        self
    }

    /// Sets the min-should clause.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let filter = Filter::must([Condition::matches("in_stock", true)]).and_min_should(
    ///     1,
    ///     [Condition::matches("tags", "sale"), Condition::matches("tags", "new")],
    /// );
    /// ```
    pub fn and_min_should(mut self, min_count: u64, conditions: impl IntoIterator<Item = Condition>) -> Self {
        self.min_should = Some(MinShould {
            conditions: conditions.into_iter().collect(),
            min_count,
        });
        self
    }
}

impl From<Filter> for proto::Filter {
    fn from(f: Filter) -> Self {
        let list = |c: Vec<Condition>| c.into_iter().map(|c| c.0).collect();
        proto::Filter {
            must: list(f.must),
            should: list(f.should),
            must_not: list(f.must_not),
            min_should: f.min_should.map(|m| proto::MinShould {
                conditions: list(m.conditions),
                min_count: m.min_count,
            }),
        }
    }
}

impl From<proto::Filter> for Filter {
    fn from(f: proto::Filter) -> Self {
        let list = |c: Vec<proto::Condition>| c.into_iter().map(Condition).collect();
        Filter {
            must: list(f.must),
            should: list(f.should),
            must_not: list(f.must_not),
            min_should: f.min_should.map(|m| MinShould {
                conditions: list(m.conditions),
                min_count: m.min_count,
            }),
        }
    }
}

/// One condition of a [`Filter`]. Keys are payload paths: `"a.b"` for
/// nested objects, `"a[].b"` for the objects of an array. A condition on
/// an array holds if it holds for any element.
///
/// ```
/// use qdrant_async::{Condition, Filter, GeoPoint, Range};
///
/// let filter = Filter::must([
///     Condition::matches("color", "red"),
///     Condition::matches_any("size", ["S", "M"]),
///     Condition::range("price", Range::new().gte(10.0).lt(100.0)),
///     Condition::geo_radius("location", GeoPoint::new(13.405, 52.52), 5_000.0),
///     Condition::has_id([1, 2, 3]),
/// ]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Condition(pub(crate) proto::Condition);

/// A value to match exactly: a keyword (string), an integer, or a bool.
///
/// ```
/// use qdrant_async::Condition;
///
/// let by_text = Condition::matches("color", "red");
/// let by_number = Condition::matches("year", 2024);
/// let by_flag = Condition::matches("in_stock", true);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchValue {
    /// A string, matched exactly.
    Keyword(String),
    /// An integer.
    Integer(i64),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for MatchValue {
    fn from(s: &str) -> Self {
        MatchValue::Keyword(s.to_owned())
    }
}
impl From<String> for MatchValue {
    fn from(s: String) -> Self {
        MatchValue::Keyword(s)
    }
}
impl From<i64> for MatchValue {
    fn from(i: i64) -> Self {
        MatchValue::Integer(i)
    }
}
impl From<i32> for MatchValue {
    fn from(i: i32) -> Self {
        MatchValue::Integer(i.into())
    }
}
impl From<u32> for MatchValue {
    fn from(i: u32) -> Self {
        MatchValue::Integer(i.into())
    }
}
impl From<bool> for MatchValue {
    fn from(b: bool) -> Self {
        MatchValue::Bool(b)
    }
}

/// Values for `matches_any` and `matches_except`: keywords or integers.
///
/// ```
/// use qdrant_async::Condition;
///
/// let any_size = Condition::matches_any("size", ["S", "M", "L"]);
/// let not_these_years = Condition::matches_except("year", [2020, 2021]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchValues {
    /// Strings.
    Keywords(Vec<String>),
    /// Integers.
    Integers(Vec<i64>),
}

impl From<Vec<String>> for MatchValues {
    fn from(v: Vec<String>) -> Self {
        MatchValues::Keywords(v)
    }
}
impl From<Vec<&str>> for MatchValues {
    fn from(v: Vec<&str>) -> Self {
        MatchValues::Keywords(v.into_iter().map(str::to_owned).collect())
    }
}
impl<const N: usize> From<[&str; N]> for MatchValues {
    fn from(v: [&str; N]) -> Self {
        MatchValues::Keywords(v.into_iter().map(str::to_owned).collect())
    }
}
impl From<Vec<i64>> for MatchValues {
    fn from(v: Vec<i64>) -> Self {
        MatchValues::Integers(v)
    }
}
impl<const N: usize> From<[i64; N]> for MatchValues {
    fn from(v: [i64; N]) -> Self {
        MatchValues::Integers(v.to_vec())
    }
}

/// Bounds on a number: any of greater than, at least, less than, at most.
///
/// ```
/// use qdrant_async::Range;
/// let adult = Range::new().gte(18.0);
/// let band = Range::new().gt(0.5).lte(1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Range {
    /// Greater than.
    pub gt: Option<f64>,
    /// Greater than or equal.
    pub gte: Option<f64>,
    /// Less than.
    pub lt: Option<f64>,
    /// Less than or equal.
    pub lte: Option<f64>,
}

impl Range {
    /// No bounds yet.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, Range};
    ///
    /// // 10 <= price < 100
    /// let filter = Filter::must([Condition::range("price", Range::new().gte(10.0).lt(100.0))]);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
    /// Greater than.
    ///
    /// ```
    /// use qdrant_async::{Condition, Range};
    ///
    /// let positive = Condition::range("balance", Range::new().gt(0.0));
    /// ```
    pub fn gt(mut self, v: f64) -> Self {
        self.gt = Some(v);
        self
    }
    /// Greater than or equal.
    ///
    /// ```
    /// use qdrant_async::{Condition, Range};
    ///
    /// let adults = Condition::range("age", Range::new().gte(18.0));
    /// ```
    pub fn gte(mut self, v: f64) -> Self {
        self.gte = Some(v);
        self
    }
    /// Less than.
    ///
    /// ```
    /// use qdrant_async::{Condition, Range};
    ///
    /// let cheap = Condition::range("price", Range::new().lt(10.0));
    /// ```
    pub fn lt(mut self, v: f64) -> Self {
        self.lt = Some(v);
        self
    }
    /// Less than or equal.
    ///
    /// ```
    /// use qdrant_async::{Condition, Range};
    ///
    /// let small = Condition::range("size", Range::new().lte(42.0));
    /// ```
    pub fn lte(mut self, v: f64) -> Self {
        self.lte = Some(v);
        self
    }
}

/// Bounds on a date-time payload value (RFC 3339 strings in the payload).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use qdrant_async::DatetimeRange;
///
/// let last_day = DatetimeRange::new().gte(SystemTime::now() - Duration::from_secs(86_400));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct DatetimeRange {
    /// After.
    pub gt: Option<SystemTime>,
    /// At or after.
    pub gte: Option<SystemTime>,
    /// Before.
    pub lt: Option<SystemTime>,
    /// At or before.
    pub lte: Option<SystemTime>,
}

impl DatetimeRange {
    /// No bounds yet.
    ///
    /// ```
    /// use qdrant_async::{Condition, DatetimeRange, Filter};
    /// use std::time::{Duration, SystemTime};
    ///
    /// let day_ago = SystemTime::now() - Duration::from_secs(24 * 3600);
    /// let filter = Filter::must([Condition::datetime_range("created_at", DatetimeRange::new().gte(day_ago))]);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
    /// After.
    ///
    /// ```
    /// use qdrant_async::{Condition, DatetimeRange};
    /// use std::time::{Duration, SystemTime};
    ///
    /// let after_launch = Condition::datetime_range("created_at", DatetimeRange::new().gt(SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_689_600)));
    /// ```
    pub fn gt(mut self, t: SystemTime) -> Self {
        self.gt = Some(t);
        self
    }
    /// At or after.
    ///
    /// ```
    /// use qdrant_async::{Condition, DatetimeRange};
    /// use std::time::{Duration, SystemTime};
    ///
    /// let last_hour = Condition::datetime_range("created_at", DatetimeRange::new().gte(SystemTime::now() - Duration::from_secs(3600)));
    /// ```
    pub fn gte(mut self, t: SystemTime) -> Self {
        self.gte = Some(t);
        self
    }
    /// Before.
    ///
    /// ```
    /// use qdrant_async::{Condition, DatetimeRange};
    /// use std::time::SystemTime;
    ///
    /// let past = Condition::datetime_range("expires_at", DatetimeRange::new().lt(SystemTime::now()));
    /// ```
    pub fn lt(mut self, t: SystemTime) -> Self {
        self.lt = Some(t);
        self
    }
    /// At or before.
    ///
    /// ```
    /// use qdrant_async::{Condition, DatetimeRange};
    /// use std::time::SystemTime;
    ///
    /// let not_after_now = Condition::datetime_range("created_at", DatetimeRange::new().lte(SystemTime::now()));
    /// ```
    pub fn lte(mut self, t: SystemTime) -> Self {
        self.lte = Some(t);
        self
    }
}

/// Converts a time to the wire's timestamp (times before 1970 too).
pub(crate) fn timestamp(t: SystemTime) -> prost_types::Timestamp {
    prost_types::Timestamp::from(t)
}

/// Bounds on how many values a payload key holds.
///
/// ```
/// use qdrant_async::{Condition, ValuesCount};
///
/// let two_to_five_tags = Condition::values_count("tags", ValuesCount::new().gte(2).lte(5));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValuesCount {
    /// More than.
    pub gt: Option<u64>,
    /// At least.
    pub gte: Option<u64>,
    /// Fewer than.
    pub lt: Option<u64>,
    /// At most.
    pub lte: Option<u64>,
}

impl ValuesCount {
    /// No bounds yet.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, ValuesCount};
    ///
    /// // Points with at least two comments.
    /// let filter = Filter::must([Condition::values_count("comments", ValuesCount::new().gte(2))]);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
    /// More than.
    ///
    /// ```
    /// use qdrant_async::{Condition, ValuesCount};
    ///
    /// let tagged = Condition::values_count("tags", ValuesCount::new().gt(0));
    /// ```
    pub fn gt(mut self, n: u64) -> Self {
        self.gt = Some(n);
        self
    }
    /// At least.
    ///
    /// ```
    /// use qdrant_async::{Condition, ValuesCount};
    ///
    /// let many_tags = Condition::values_count("tags", ValuesCount::new().gte(5));
    /// ```
    pub fn gte(mut self, n: u64) -> Self {
        self.gte = Some(n);
        self
    }
    /// Fewer than.
    ///
    /// ```
    /// use qdrant_async::{Condition, ValuesCount};
    ///
    /// let few_tags = Condition::values_count("tags", ValuesCount::new().lt(3));
    /// ```
    pub fn lt(mut self, n: u64) -> Self {
        self.lt = Some(n);
        self
    }
    /// At most.
    ///
    /// ```
    /// use qdrant_async::{Condition, ValuesCount};
    ///
    /// let at_most_one_owner = Condition::values_count("owners", ValuesCount::new().lte(1));
    /// ```
    pub fn lte(mut self, n: u64) -> Self {
        self.lte = Some(n);
        self
    }
}

/// A point on Earth, in degrees.
///
/// ```
/// use qdrant_async::GeoPoint;
///
/// // Longitude, then latitude.
/// let berlin = GeoPoint::new(13.405, 52.52);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct GeoPoint {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

impl GeoPoint {
    /// A point by longitude and latitude.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, GeoPoint};
    ///
    /// // Within 1 km of Berlin's centre (longitude first).
    /// let filter = Filter::must([Condition::geo_radius("location", GeoPoint::new(13.405, 52.52), 1_000.0)]);
    /// ```
    pub fn new(lon: f64, lat: f64) -> Self {
        GeoPoint { lon, lat }
    }
}

impl From<GeoPoint> for proto::GeoPoint {
    fn from(p: GeoPoint) -> Self {
        proto::GeoPoint {
            lon: p.lon,
            lat: p.lat,
        }
    }
}

fn line(points: impl IntoIterator<Item = GeoPoint>) -> proto::GeoLineString {
    proto::GeoLineString {
        points: points.into_iter().map(Into::into).collect(),
    }
}

impl Condition {
    fn field(key: impl Into<String>, set: impl FnOnce(&mut proto::FieldCondition)) -> Self {
        let mut field = proto::FieldCondition {
            key: key.into(),
            ..Default::default()
        };
        set(&mut field);
        Condition(proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::Field(field)),
        })
    }

    fn matching(key: impl Into<String>, value: proto::r#match::MatchValue) -> Self {
        Self::field(key, |f| {
            f.r#match = Some(proto::Match {
                match_value: Some(value),
            })
        })
    }

    /// The key equals a keyword, an integer or a bool.
    ///
    /// ```
    /// use qdrant_async::Condition;
    /// let red = Condition::matches("color", "red");
    /// let three = Condition::matches("count", 3);
    /// let active = Condition::matches("active", true);
    /// ```
    pub fn matches(key: impl Into<String>, value: impl Into<MatchValue>) -> Self {
        use proto::r#match::MatchValue as M;
        let value = match value.into() {
            MatchValue::Keyword(s) => M::Keyword(s),
            MatchValue::Integer(i) => M::Integer(i),
            MatchValue::Bool(b) => M::Boolean(b),
        };
        Self::matching(key, value)
    }

    /// The key equals any of these keywords or integers.
    ///
    /// ```
    /// use qdrant_async::Condition;
    /// let warm = Condition::matches_any("color", ["red", "orange"]);
    /// ```
    pub fn matches_any(key: impl Into<String>, values: impl Into<MatchValues>) -> Self {
        use proto::r#match::MatchValue as M;
        let value = match values.into() {
            MatchValues::Keywords(strings) => M::Keywords(proto::RepeatedStrings { strings }),
            MatchValues::Integers(integers) => M::Integers(proto::RepeatedIntegers { integers }),
        };
        Self::matching(key, value)
    }

    /// The key equals none of these keywords or integers.
    ///
    /// ```
    /// use qdrant_async::Condition;
    /// let not_small = Condition::matches_except("size", ["S", "XS"]);
    /// ```
    pub fn matches_except(key: impl Into<String>, values: impl Into<MatchValues>) -> Self {
        use proto::r#match::MatchValue as M;
        let value = match values.into() {
            MatchValues::Keywords(strings) => M::ExceptKeywords(proto::RepeatedStrings { strings }),
            MatchValues::Integers(integers) => M::ExceptIntegers(proto::RepeatedIntegers { integers }),
        };
        Self::matching(key, value)
    }

    /// Full-text match: every word of `text` (with a text index), or the
    /// substring (without one).
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// // Every word of the text (the field needs a full-text index).
    /// let filter = Filter::must([Condition::matches_text("description", "wireless headphones")]);
    /// ```
    pub fn matches_text(key: impl Into<String>, text: impl Into<String>) -> Self {
        Self::matching(key, proto::r#match::MatchValue::Text(text.into()))
    }

    /// Full-text match: any word of `text`.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// // Any word of the text (the field needs a full-text index).
    /// let filter = Filter::must([Condition::matches_text_any("description", "wireless bluetooth")]);
    /// ```
    pub fn matches_text_any(key: impl Into<String>, text: impl Into<String>) -> Self {
        Self::matching(key, proto::r#match::MatchValue::TextAny(text.into()))
    }

    /// Full-text match: the words of `phrase`, in order, next to each other.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// // The words in this order (a full-text index with phrase matching).
    /// let filter = Filter::must([Condition::matches_phrase("description", "noise cancelling")]);
    /// ```
    pub fn matches_phrase(key: impl Into<String>, phrase: impl Into<String>) -> Self {
        Self::matching(key, proto::r#match::MatchValue::Phrase(phrase.into()))
    }

    /// The string starts with `prefix`.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let filter = Filter::must([Condition::matches_prefix("sku", "HX-")]);
    /// ```
    pub fn matches_prefix(key: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self::matching(key, proto::r#match::MatchValue::Prefix(prefix.into()))
    }

    /// The string contains `substring`.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let filter = Filter::must([Condition::matches_substring("title", "phone")]);
    /// ```
    pub fn matches_substring(key: impl Into<String>, substring: impl Into<String>) -> Self {
        Self::matching(key, proto::r#match::MatchValue::Substring(substring.into()))
    }

    /// The number lies within the range.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, Range};
    ///
    /// let filter = Filter::must([Condition::range("price", Range::new().gte(10.0).lte(20.0))]);
    /// ```
    pub fn range(key: impl Into<String>, range: Range) -> Self {
        Self::field(key, |f| {
            f.range = Some(proto::Range {
                lt: range.lt,
                gt: range.gt,
                gte: range.gte,
                lte: range.lte,
            })
        })
    }

    /// The date-time lies within the range.
    ///
    /// ```
    /// use qdrant_async::{Condition, DatetimeRange, Filter};
    /// use std::time::{Duration, SystemTime};
    ///
    /// let week_ago = SystemTime::now() - Duration::from_secs(7 * 24 * 3600);
    /// let filter = Filter::must([Condition::datetime_range("created_at", DatetimeRange::new().gte(week_ago))]);
    /// ```
    pub fn datetime_range(key: impl Into<String>, range: DatetimeRange) -> Self {
        Self::field(key, |f| {
            f.datetime_range = Some(proto::DatetimeRange {
                lt: range.lt.map(timestamp),
                gt: range.gt.map(timestamp),
                gte: range.gte.map(timestamp),
                lte: range.lte.map(timestamp),
            })
        })
    }

    /// The geo point lies within the box.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, GeoPoint};
    ///
    /// // Longitude first: the north-west corner, then the south-east one.
    /// let filter = Filter::must([Condition::geo_bounding_box(
    ///     "location",
    ///     GeoPoint::new(13.08, 52.68),
    ///     GeoPoint::new(13.76, 52.33),
    /// )]);
    /// ```
    pub fn geo_bounding_box(key: impl Into<String>, top_left: GeoPoint, bottom_right: GeoPoint) -> Self {
        Self::field(key, |f| {
            f.geo_bounding_box = Some(proto::GeoBoundingBox {
                top_left: Some(top_left.into()),
                bottom_right: Some(bottom_right.into()),
            })
        })
    }

    /// The geo point lies within `radius` metres of `center`.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, GeoPoint};
    ///
    /// let filter = Filter::must([Condition::geo_radius("location", GeoPoint::new(13.405, 52.52), 1_000.0)]);
    /// ```
    pub fn geo_radius(key: impl Into<String>, center: GeoPoint, radius: f32) -> Self {
        Self::field(key, |f| {
            f.geo_radius = Some(proto::GeoRadius {
                center: Some(center.into()),
                radius,
            })
        })
    }

    /// The geo point lies within the polygon and outside its holes.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, GeoPoint};
    ///
    /// let triangle = [GeoPoint::new(13.0, 52.0), GeoPoint::new(14.0, 52.0), GeoPoint::new(13.5, 53.0), GeoPoint::new(13.0, 52.0)];
    /// let filter = Filter::must([Condition::geo_polygon("location", triangle, Vec::<Vec<GeoPoint>>::new())]);
    /// ```
    pub fn geo_polygon(
        key: impl Into<String>,
        exterior: impl IntoIterator<Item = GeoPoint>,
        interiors: impl IntoIterator<Item = Vec<GeoPoint>>,
    ) -> Self {
        Self::field(key, |f| {
            f.geo_polygon = Some(proto::GeoPolygon {
                exterior: Some(line(exterior)),
                interiors: interiors.into_iter().map(line).collect(),
            })
        })
    }

    /// The key holds a number of values within the bounds.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, ValuesCount};
    ///
    /// let filter = Filter::must([Condition::values_count("tags", ValuesCount::new().gte(3))]);
    /// ```
    pub fn values_count(key: impl Into<String>, count: ValuesCount) -> Self {
        Self::field(key, |f| {
            f.values_count = Some(proto::ValuesCount {
                lt: count.lt,
                gt: count.gt,
                gte: count.gte,
                lte: count.lte,
            })
        })
    }

    /// The key is missing, `null`, or an empty array.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let untagged = Filter::must([Condition::is_empty("tags")]);
    /// ```
    pub fn is_empty(key: impl Into<String>) -> Self {
        Condition(proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::IsEmpty(
                proto::IsEmptyCondition { key: key.into() },
            )),
        })
    }

    /// The key is present with the value `null`.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let no_price = Filter::must([Condition::is_null("price")]);
    /// ```
    pub fn is_null(key: impl Into<String>) -> Self {
        Condition(proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::IsNull(proto::IsNullCondition {
                key: key.into(),
            })),
        })
    }

    /// The point's id is one of these.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let some = Filter::must([Condition::has_id([1, 2, 3])]);
    /// ```
    pub fn has_id<I: Into<PointId>>(ids: impl IntoIterator<Item = I>) -> Self {
        Condition(proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::HasId(proto::HasIdCondition {
                has_id: ids.into_iter().map(|id| id.into().to_proto()).collect(),
            })),
        })
    }

    /// The point has a vector by this name.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let with_image = Filter::must([Condition::has_vector("image")]);
    /// ```
    pub fn has_vector(name: impl Into<String>) -> Self {
        Condition(proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::HasVector(
                proto::HasVectorCondition {
                    has_vector: name.into(),
                },
            )),
        })
    }

    /// Some object of the array at `key` satisfies the whole filter (all of
    /// its conditions on the same element).
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, Range};
    ///
    /// // One element of `reviews` has both: a score of 5 and a verified author.
    /// let filter = Filter::must([Condition::nested(
    ///     "reviews",
    ///     Filter::must([
    ///         Condition::range("score", Range::new().gte(5.0)),
    ///         Condition::matches("verified", true),
    ///     ]),
    /// )]);
    /// ```
    pub fn nested(key: impl Into<String>, filter: Filter) -> Self {
        Condition(proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::Nested(proto::NestedCondition {
                key: key.into(),
                filter: Some(filter.into()),
            })),
        })
    }

    /// A sub-filter, as one condition.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter};
    ///
    /// // (red or blue) and in stock
    /// let filter = Filter::must([
    ///     Condition::filter(Filter::should([Condition::matches("color", "red"), Condition::matches("color", "blue")])),
    ///     Condition::matches("in_stock", true),
    /// ]);
    /// ```
    pub fn filter(filter: Filter) -> Self {
        Condition(proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::Filter(filter.into())),
        })
    }

    /// The point falls in slice `index` of `total` (a deterministic split
    /// of the points by id).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// // Split a scan across 4 workers: this one reads the second quarter.
    /// let count = client
    ///     .count("my_collection")
    ///     .filter(Filter::must([Condition::slice(1, 4)]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn slice(index: u32, total: u32) -> Self {
        Condition(proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::Slice(proto::SliceCondition {
                total,
                index,
            })),
        })
    }
}

impl From<Filter> for Condition {
    fn from(filter: Filter) -> Self {
        Condition::filter(filter)
    }
}

impl From<Condition> for proto::Condition {
    fn from(c: Condition) -> Self {
        c.0
    }
}

impl From<proto::Condition> for Condition {
    fn from(c: proto::Condition) -> Self {
        Condition(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip() {
        let f = Filter::must([
            Condition::matches("a", "x"),
            Condition::range("n", Range::new().gt(1.0)),
        ])
        .and_should([Condition::has_id([1u64, 2])])
        .and_must_not([Condition::nested(
            "items",
            Filter::must([Condition::is_null("z")]),
        )])
        .and_min_should(
            1,
            [Condition::matches_any("k", [1i64, 2]), Condition::is_empty("e")],
        );
        let back = Filter::from(proto::Filter::from(f.clone()));
        assert_eq!(back, f);
    }
}
