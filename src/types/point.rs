//! Points and their ids: what is written, and what reads and searches return.

use std::fmt;

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::proto;
use crate::types::payload::{IntoPayload, Payload};
use crate::types::vector::Vectors;

/// A point id: an unsigned integer or a UUID.
///
/// Built from a `u64`, a [`uuid::Uuid`] or a UUID string. A string that is not
/// a UUID is kept as given and rejected, with the argument's name, when the
/// request that carries it is sent.
///
/// ```
/// use qdrant_async::PointId;
///
/// let a = PointId::from(42);
/// let b = PointId::from("5c56c793-69f3-4fbf-87e6-c4bf54c28c26");
/// assert_eq!(a.as_u64(), Some(42));
/// assert!(b.as_uuid().is_some());
/// assert_eq!(b.to_string(), "5c56c793-69f3-4fbf-87e6-c4bf54c28c26");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointId(Repr);

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    Num(u64),
    Uuid(Uuid),
    /// A string that did not parse as a UUID.
    Invalid(String),
}

impl PointId {
    /// The integer id, if this is one.
    ///
    /// ```
    /// use qdrant_async::PointId;
    ///
    /// assert_eq!(PointId::from(42).as_u64(), Some(42));
    /// assert_eq!(PointId::from("5c56c793-69f3-4fbf-87e6-c4bf54c28c26").as_u64(), None);
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            Repr::Num(n) => Some(n),
            _ => None,
        }
    }

    /// The UUID, if this is one.
    ///
    /// ```
    /// use qdrant_async::PointId;
    ///
    /// let id = PointId::from("5c56c793-69f3-4fbf-87e6-c4bf54c28c26");
    /// assert_eq!(id.as_uuid().map(|u| u.to_string()).as_deref(), Some("5c56c793-69f3-4fbf-87e6-c4bf54c28c26"));
    /// assert_eq!(PointId::from(42).as_uuid(), None);
    /// ```
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self.0 {
            Repr::Uuid(u) => Some(u),
            _ => None,
        }
    }

    /// The namespace of [`PointId::from_name`]:
    /// `2bd7dc21-0275-53ac-9f5c-73165812cc06`, itself the UUID v5 of the URL
    /// `https://crates.io/crates/qdrant-async` in the standard URL
    /// namespace. It never changes: the same name gives the same id in
    /// every version of this crate.
    pub const NAME_NAMESPACE: Uuid = Uuid::from_u128(0x2bd7dc21_0275_53ac_9f5c_73165812cc06);

    /// A stable id for a name, such as a document's path, a URL or your
    /// own database's key: the UUID v5 of `name` in
    /// [`PointId::NAME_NAMESPACE`]. The same name always gives the same id,
    /// so writing a point again by name replaces it instead of adding a
    /// copy, and any other language computes the same id, for example
    /// Python's `uuid.uuid5(uuid.UUID("2bd7dc21-0275-53ac-9f5c-73165812cc06"), name)`.
    ///
    /// ```
    /// use qdrant_async::PointId;
    ///
    /// let id = PointId::from_name("doc-42");
    /// assert_eq!(id, PointId::from_name("doc-42"));
    /// assert_eq!(id.to_string(), "10180dbb-6de3-5a77-bf92-0af555b85f36");
    /// ```
    pub fn from_name(name: impl AsRef<[u8]>) -> Self {
        Self::from_name_in(Self::NAME_NAMESPACE, name)
    }

    /// The UUID v5 of `name` in a namespace of your own, for ids that must
    /// match those another system derives (for example with
    /// `uuid::Uuid::NAMESPACE_URL` for URLs).
    ///
    /// ```
    /// use qdrant_async::PointId;
    /// use uuid::Uuid;
    ///
    /// let id = PointId::from_name_in(Uuid::NAMESPACE_URL, "https://example.com/a");
    /// assert_eq!(id.as_uuid(), Some(Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://example.com/a")));
    /// ```
    pub fn from_name_in(namespace: Uuid, name: impl AsRef<[u8]>) -> Self {
        PointId(Repr::Uuid(Uuid::new_v5(&namespace, name.as_ref())))
    }

    /// Parses a UUID string or a decimal integer.
    ///
    /// ```
    /// use qdrant_async::PointId;
    /// assert_eq!(PointId::parse("17")?.as_u64(), Some(17));
    /// assert!(PointId::parse("not-a-uuid").is_err());
    /// # Ok::<(), qdrant_async::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<Self> {
        if let Ok(n) = s.parse::<u64>() {
            return Ok(PointId(Repr::Num(n)));
        }
        let id = PointId::from(s);
        id.check(&|| "id".to_string())?;
        Ok(id)
    }

    /// Rejects a string that is not a UUID, naming the argument.
    pub(crate) fn check(&self, argument: &dyn Fn() -> String) -> Result<()> {
        match &self.0 {
            Repr::Invalid(s) => Err(Error::invalid_argument(
                argument(),
                format!("`{s}` is not a valid point id: use an unsigned integer or a UUID"),
            )),
            _ => Ok(()),
        }
    }

    /// The id as the wire's `PointId`. Call [`check`](Self::check) first:
    /// an invalid string is sent as is, and the server rejects it.
    pub(crate) fn to_proto(&self) -> proto::PointId {
        use proto::point_id::PointIdOptions;
        let options = match &self.0 {
            Repr::Num(n) => PointIdOptions::Num(*n),
            Repr::Uuid(u) => PointIdOptions::Uuid(u.hyphenated().to_string()),
            Repr::Invalid(s) => PointIdOptions::Uuid(s.clone()),
        };
        proto::PointId {
            point_id_options: Some(options),
        }
    }

    /// Reads an id the server returned; `field` names it in the error.
    pub(crate) fn from_response(id: Option<proto::PointId>, field: &dyn Fn() -> String) -> Result<Self> {
        use proto::point_id::PointIdOptions;
        match id.and_then(|id| id.point_id_options) {
            None => Err(Error::missing(field())),
            Some(PointIdOptions::Num(n)) => Ok(PointId(Repr::Num(n))),
            Some(PointIdOptions::Uuid(s)) => PointId::parse_response(&s, field),
        }
    }

    /// A UUID id as an answer gave it (`field` names it for errors).
    pub(crate) fn parse_response(s: &str, field: &dyn Fn() -> String) -> Result<Self> {
        Uuid::parse_str(s)
            .map(|u| PointId(Repr::Uuid(u)))
            .map_err(|e| Error::unexpected(field(), format!("`{s}` is not a UUID: {e}")))
    }
}

impl TryFrom<proto::PointId> for PointId {
    type Error = Error;
    fn try_from(id: proto::PointId) -> Result<Self> {
        PointId::from_response(Some(id), &|| "id".to_string())
    }
}

impl From<u64> for PointId {
    fn from(n: u64) -> Self {
        PointId(Repr::Num(n))
    }
}

impl From<Uuid> for PointId {
    fn from(u: Uuid) -> Self {
        PointId(Repr::Uuid(u))
    }
}

impl From<&str> for PointId {
    fn from(s: &str) -> Self {
        match Uuid::parse_str(s) {
            Ok(u) => PointId(Repr::Uuid(u)),
            Err(_) => PointId(Repr::Invalid(s.to_owned())),
        }
    }
}

impl From<String> for PointId {
    fn from(s: String) -> Self {
        match Uuid::parse_str(&s) {
            Ok(u) => PointId(Repr::Uuid(u)),
            Err(_) => PointId(Repr::Invalid(s)),
        }
    }
}

impl From<&String> for PointId {
    fn from(s: &String) -> Self {
        PointId::from(s.as_str())
    }
}

impl From<&PointId> for PointId {
    fn from(id: &PointId) -> Self {
        id.clone()
    }
}

impl fmt::Display for PointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Num(n) => write!(f, "{n}"),
            Repr::Uuid(u) => write!(f, "{u}"),
            Repr::Invalid(s) => write!(f, "{s}"),
        }
    }
}

impl fmt::Debug for PointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Num(n) => write!(f, "PointId({n})"),
            Repr::Uuid(u) => write!(f, "PointId({u})"),
            Repr::Invalid(s) => write!(f, "PointId(invalid {s:?})"),
        }
    }
}

/// A point to write: an id, its vectors and a payload.
///
/// ```
/// use qdrant_async::Point;
/// use serde_json::json;
///
/// let point = Point::new(1, [0.9, 0.1, 0.1, 0.5]).payload(json!({"color": "red"}));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub(crate) id: PointId,
    pub(crate) vectors: Vectors,
    pub(crate) payload: Payload,
    /// Why the payload given could not be used; reported when sent.
    pub(crate) payload_error: Option<String>,
}

impl Point {
    /// A point with an id (`u64`, `Uuid` or UUID string) and its vector or
    /// named vectors.
    ///
    /// ```
    /// use qdrant_async::{Point, Vector, Vectors};
    /// use serde_json::json;
    ///
    /// let plain = Point::new(1, vec![0.9, 0.1, 0.1, 0.5]).payload(json!({"color": "red"}));
    /// let by_uuid = Point::new("5c56c793-69f3-4fbf-87e6-c4bf54c28c26", vec![0.1, 0.9, 0.3, 0.2]);
    /// let named = Point::new(2, Vectors::named([("image", Vector::from(vec![0.1, 0.2]))]));
    /// ```
    pub fn new(id: impl Into<PointId>, vectors: impl Into<Vectors>) -> Self {
        Point {
            id: id.into(),
            vectors: vectors.into(),
            payload: Payload::new(),
            payload_error: None,
        }
    }

    /// Sets the payload: a [`Payload`], key-value pairs, a JSON object
    /// (`json!({...})`), or any `Serialize` value wrapped in `Json(..)` that
    /// serializes to an object. Anything else is reported as an invalid
    /// argument when the point is sent.
    ///
    /// ```
    /// use qdrant_async::{Payload, Point};
    /// use serde_json::json;
    ///
    /// let from_json = Point::new(1, vec![0.9, 0.1]).payload(json!({"color": "red", "price": 12.5}));
    /// let from_pairs = Point::new(2, vec![0.1, 0.9]).payload(Payload::from([("color", "green")]));
    /// ```
    pub fn payload(mut self, payload: impl IntoPayload) -> Self {
        match payload.into_payload() {
            Ok(p) => {
                self.payload = p;
                self.payload_error = None;
            }
            Err(e) => self.payload_error = Some(e),
        }
        self
    }

    /// The point's id.
    ///
    /// ```
    /// use qdrant_async::{Point, PointId};
    ///
    /// let point = Point::new(7, vec![0.9, 0.1]);
    /// assert_eq!(point.id(), &PointId::from(7));
    /// ```
    pub fn id(&self) -> &PointId {
        &self.id
    }

    /// The point's vectors.
    ///
    /// ```
    /// use qdrant_async::Point;
    ///
    /// let point = Point::new(7, vec![0.9, 0.1]);
    /// assert_eq!(point.vectors().get("").and_then(|v| v.as_dense()), Some(&[0.9, 0.1][..]));
    /// ```
    pub fn vectors(&self) -> &Vectors {
        &self.vectors
    }

    /// The point's payload.
    ///
    /// ```
    /// use qdrant_async::Point;
    /// use serde_json::json;
    ///
    /// let point = Point::new(7, vec![0.9, 0.1]).payload(json!({"color": "red"}));
    /// assert_eq!(point.payload_ref().get("color").and_then(|v| v.as_str()), Some("red"));
    /// ```
    pub fn payload_ref(&self) -> &Payload {
        &self.payload
    }

    /// Checks everything that can be checked before sending; `argument`
    /// names the point (`points[3]`).
    pub(crate) fn check(&self, argument: &dyn Fn() -> String) -> Result<()> {
        self.check_with(argument, Vectors::check)
    }

    /// [`check`](Self::check) without reading the vectors' values, for
    /// writers that check them while they copy them to the wire.
    pub(crate) fn check_shape(&self, argument: &dyn Fn() -> String) -> Result<()> {
        self.check_with(argument, Vectors::check_shape)
    }

    fn check_with(
        &self,
        argument: &dyn Fn() -> String,
        vectors: fn(&Vectors, &dyn Fn() -> String) -> Result<()>,
    ) -> Result<()> {
        self.id.check(&|| format!("{}.id", argument()))?;
        if let Some(reason) = &self.payload_error {
            return Err(Error::invalid_argument(
                format!("{}.payload", argument()),
                reason.clone(),
            ));
        }
        vectors(&self.vectors, &|| vectors_argument(&argument()))
    }

    pub(crate) fn into_proto(self) -> proto::PointStruct {
        proto::PointStruct {
            id: Some(self.id.to_proto()),
            payload: self.payload.into_proto(),
            vectors: Some(self.vectors.into_proto()),
        }
    }
}

/// Checks and converts each item (a point, or a point's vectors); the
/// first bad one is named `{argument}[i]`.
pub(crate) fn checked_protos<T, P>(
    items: impl IntoIterator<Item = T>,
    argument: &str,
    check: fn(&T, &dyn Fn() -> String) -> Result<()>,
    into_proto: fn(T) -> P,
) -> Result<Vec<P>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            check(&item, &|| format!("{argument}[{i}]"))?;
            Ok(into_proto(item))
        })
        .collect()
}

/// How errors name a point's vectors: `points[3].vector`.
pub(crate) fn vectors_argument(point: &str) -> String {
    format!("{point}.vector")
}

/// A point as a read returns it (retrieve, scroll).
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// for record in client.retrieve("my_collection", [1, 2]).await? {
///     println!("{}: {:?}", record.id, record.payload.get("color"));
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Record {
    /// The point's id.
    pub id: PointId,
    /// The payload, or the part of it that was asked for.
    pub payload: Payload,
    /// The vectors, when they were asked for.
    pub vectors: Option<Vectors>,
    /// The value the records were ordered by, for a scroll with `order_by`.
    pub order_value: Option<OrderValue>,
}

/// The payload value a point was ordered by (`order_by`): Qdrant orders
/// integer and datetime keys as integers, others as floats.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{OrderBy, OrderValue};
///
/// let page = client.scroll("my_collection").order_by(OrderBy::new("price")).await?;
/// for record in page.points {
///     if let Some(OrderValue::Float(price)) = record.order_value {
///         println!("{}: {price}", record.id);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum OrderValue {
    /// An integer key (datetimes are microseconds since the epoch).
    Int(i64),
    /// A float key.
    Float(f64),
}

impl OrderValue {
    pub(crate) fn from_proto(value: Option<proto::OrderValue>) -> Option<Self> {
        match value?.variant? {
            proto::order_value::Variant::Int(i) => Some(OrderValue::Int(i)),
            proto::order_value::Variant::Float(f) => Some(OrderValue::Float(f)),
        }
    }
}

/// A point as a search returns it, with its score.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let hits = client.query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5]).with_payload(true).await?;
/// for hit in hits {
///     println!("{} scored {}: {:?}", hit.id, hit.score, hit.payload.get("color"));
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ScoredPoint {
    /// The point's id.
    pub id: PointId,
    /// Its score for the query: higher is closer, except for Euclid and
    /// Manhattan distances, where it is the distance and lower is closer.
    pub score: f32,
    /// The point's version: the operation that last wrote it.
    pub version: u64,
    /// The payload, or the part of it that was asked for.
    pub payload: Payload,
    /// The vectors, when they were asked for.
    pub vectors: Option<Vectors>,
    /// The value the points were ordered by, for a query with
    /// `Query::order_by`.
    pub order_value: Option<OrderValue>,
}

#[cfg(feature = "serde")]
macro_rules! payload_as {
    ($t:ty) => {
        impl $t {
            /// Deserializes the payload into `T`.
            pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
                self.payload.deserialize()
            }
        }
    };
}
#[cfg(feature = "serde")]
payload_as!(Record);
#[cfg(feature = "serde")]
payload_as!(ScoredPoint);

impl Record {
    pub(crate) fn from_proto(p: proto::RetrievedPoint, field: &dyn Fn() -> String) -> Result<Self> {
        Ok(Record {
            id: PointId::from_response(p.id, &|| format!("{}.id", field()))?,
            payload: Payload::from_proto(p.payload),
            vectors: match p.vectors {
                None => None,
                Some(v) => Vectors::from_output(v, &|| format!("{}.vectors", field()))?,
            },
            order_value: OrderValue::from_proto(p.order_value),
        })
    }
}

impl ScoredPoint {
    pub(crate) fn from_proto(p: proto::ScoredPoint, field: &dyn Fn() -> String) -> Result<Self> {
        Ok(ScoredPoint {
            id: PointId::from_response(p.id, &|| format!("{}.id", field()))?,
            score: p.score,
            version: p.version,
            payload: Payload::from_proto(p.payload),
            vectors: match p.vectors {
                None => None,
                Some(v) => Vectors::from_output(v, &|| format!("{}.vectors", field()))?,
            },
            order_value: OrderValue::from_proto(p.order_value),
        })
    }

    /// Converts a list of results, naming the failing element.
    pub(crate) fn from_list(list: Vec<proto::ScoredPoint>, field: &str) -> Result<Vec<Self>> {
        list.into_iter()
            .enumerate()
            .map(|(i, p)| ScoredPoint::from_proto(p, &|| format!("{field}[{i}]")))
            .collect()
    }
}

impl Record {
    /// Converts a list of results, naming the failing element (the answers
    /// are read by `types::decode`; its tests compare with this).
    #[cfg(test)]
    pub(crate) fn from_list(list: Vec<proto::RetrievedPoint>, field: &str) -> Result<Vec<Self>> {
        list.into_iter()
            .enumerate()
            .map(|(i, p)| Record::from_proto(p, &|| format!("{field}[{i}]")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_stable_v5_ids() {
        // The namespace is what its docs say it is derived from.
        assert_eq!(
            PointId::NAME_NAMESPACE,
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://crates.io/crates/qdrant-async")
        );
        // Python: uuid.uuid5(uuid.UUID("2bd7dc21-0275-53ac-9f5c-73165812cc06"), "doc-42")
        assert_eq!(
            PointId::from_name("doc-42").as_uuid(),
            Some(Uuid::from_u128(0x10180dbb_6de3_5a77_bf92_0af555b85f36))
        );
        assert_ne!(PointId::from_name("doc-42"), PointId::from_name("doc-43"));
        assert_eq!(
            PointId::from_name(""),
            PointId::from_name_in(PointId::NAME_NAMESPACE, "")
        );
        // Bytes and strings name the same thing.
        assert_eq!(PointId::from_name(b"doc-42"), PointId::from_name("doc-42"));
        // A name id is a valid point id.
        assert!(PointId::from_name("x").check(&|| "id".to_string()).is_ok());
    }

    #[test]
    fn ids_round_trip_through_proto() {
        for id in [
            PointId::from(0),
            PointId::from(u64::MAX),
            PointId::from(Uuid::from_u128(7)),
        ] {
            assert_eq!(PointId::try_from(id.to_proto()).unwrap(), id);
        }
    }

    #[test]
    fn uuid_strings_are_normalized() {
        let id = PointId::from("5C56C793-69F3-4FBF-87E6-C4BF54C28C26");
        assert_eq!(id.to_string(), "5c56c793-69f3-4fbf-87e6-c4bf54c28c26");
    }

    #[test]
    fn invalid_uuid_string_is_reported_with_the_argument() {
        let point = Point::new("nope", [1.0]);
        let err = point.check(&|| "points[0]".into()).unwrap_err();
        assert!(err.to_string().contains("points[0].id"), "{err}");
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn missing_id_in_a_response_is_named() {
        let err = PointId::from_response(None, &|| "result[3].id".into()).unwrap_err();
        assert!(err.to_string().contains("result[3].id"), "{err}");
    }

    #[test]
    fn bad_uuid_in_a_response_is_an_error() {
        let id = proto::PointId {
            point_id_options: Some(proto::point_id::PointIdOptions::Uuid("x".into())),
        };
        assert!(PointId::try_from(id).is_err());
    }
}

/// New vectors for an existing point, for
/// [`Client::update_vectors`](crate::Client::update_vectors): the named
/// vectors given replace those of the same name; the others stay.
///
/// ```
/// use qdrant_async::{PointVectors, Vector, Vectors};
///
/// let update = PointVectors::new(7, Vectors::named([("image", Vector::from(vec![0.1, 0.2]))]));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PointVectors {
    pub(crate) id: PointId,
    pub(crate) vectors: Vectors,
}

impl PointVectors {
    /// The point's id and its new vectors.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::PointVectors;
    ///
    /// // Replaces the vectors of points 1 and 2, keeping their payloads.
    /// client
    ///     .update_vectors(
    ///         "my_collection",
    ///         [
    ///             PointVectors::new(1, vec![0.9, 0.1, 0.1, 0.5]),
    ///             PointVectors::new(2, vec![0.1, 0.9, 0.3, 0.2]),
    ///         ],
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(id: impl Into<PointId>, vectors: impl Into<Vectors>) -> Self {
        PointVectors {
            id: id.into(),
            vectors: vectors.into(),
        }
    }

    pub(crate) fn check(&self, argument: &dyn Fn() -> String) -> Result<()> {
        self.id.check(&|| format!("{}.id", argument()))?;
        self.vectors.check(&|| format!("{}.vectors", argument()))
    }

    pub(crate) fn into_proto(self) -> proto::PointVectors {
        proto::PointVectors {
            id: Some(self.id.to_proto()),
            vectors: Some(self.vectors.into_proto()),
        }
    }
}
