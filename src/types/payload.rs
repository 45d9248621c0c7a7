//! Payloads: JSON documents stored beside a point's vectors, with Qdrant's
//! distinction between integers and doubles.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::proto;

/// One payload value: JSON, except that numbers are either integers or
/// doubles, as Qdrant stores and filters them.
///
/// Unlike the crate's other public enums this one is exhaustive: it is the
/// JSON data model, which does not grow.
///
/// ```
/// use qdrant_async::Value;
///
/// let v = Value::from("red");
/// assert_eq!(v, Value::String("red".to_string()));
/// assert_eq!(Value::from(3).as_i64(), Some(3));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// A floating-point number.
    Double(f64),
    /// A string.
    String(String),
    /// An array.
    List(Vec<Value>),
    /// An object.
    Object(HashMap<String, Value>),
}

impl Value {
    /// The string, if this is one.
    ///
    /// ```
    /// use qdrant_async::Value;
    ///
    /// assert_eq!(Value::from("red").as_str(), Some("red"));
    /// assert_eq!(Value::from(1).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one.
    ///
    /// ```
    /// use qdrant_async::Value;
    ///
    /// assert_eq!(Value::from(42).as_i64(), Some(42));
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as a double, if this is an integer or a double.
    ///
    /// ```
    /// use qdrant_async::Value;
    ///
    /// assert_eq!(Value::from(12.5).as_f64(), Some(12.5));
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(*i as f64),
            Value::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    ///
    /// ```
    /// use qdrant_async::Value;
    ///
    /// assert_eq!(Value::from(true).as_bool(), Some(true));
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    ///
    /// ```
    /// use qdrant_async::Value;
    ///
    /// let tags = Value::List(vec![Value::from("a"), Value::from("b")]);
    /// assert_eq!(tags.as_list().map(<[Value]>::len), Some(2));
    /// ```
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The fields, if this is an object.
    ///
    /// ```
    /// use qdrant_async::Value;
    /// use std::collections::HashMap;
    ///
    /// let nested = Value::Object(HashMap::from([("city".to_string(), Value::from("Berlin"))]));
    /// assert_eq!(nested.as_object().and_then(|o| o["city"].as_str()), Some("Berlin"));
    /// ```
    pub fn as_object(&self) -> Option<&HashMap<String, Value>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether this is `null`.
    ///
    /// ```
    /// use qdrant_async::Value;
    ///
    /// assert!(Value::Null.is_null());
    /// assert!(!Value::from(0).is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from($v: $t) -> Self { $e }
        })*
    };
}

value_from! {
    bool => |v| Value::Bool(v),
    i64 => |v| Value::Integer(v),
    i32 => |v| Value::Integer(v.into()),
    u32 => |v| Value::Integer(v.into()),
    f64 => |v| Value::Double(v),
    f32 => |v| Value::Double(v.into()),
    String => |v| Value::String(v),
    &str => |v| Value::String(v.to_owned()),
    &String => |v| Value::String(v.clone()),
    HashMap<String, Value> => |v| Value::Object(v),
    Payload => |v| Value::Object(v.into_map()),
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<Value> for proto::Value {
    fn from(value: Value) -> Self {
        use proto::value::Kind;
        let kind = match value {
            Value::Null => Kind::NullValue(proto::NullValue::NullValue as i32),
            Value::Bool(b) => Kind::BoolValue(b),
            Value::Integer(i) => Kind::IntegerValue(i),
            Value::Double(d) => Kind::DoubleValue(d),
            Value::String(s) => Kind::StringValue(s),
            Value::List(l) => Kind::ListValue(proto::ListValue {
                values: l.into_iter().map(Into::into).collect(),
            }),
            Value::Object(o) => Kind::StructValue(proto::Struct {
                fields: into_proto_map(o),
            }),
        };
        proto::Value { kind: Some(kind) }
    }
}

impl From<proto::Value> for Value {
    fn from(value: proto::Value) -> Self {
        use proto::value::Kind;
        match value.kind {
            None | Some(Kind::NullValue(_)) => Value::Null,
            Some(Kind::BoolValue(b)) => Value::Bool(b),
            Some(Kind::IntegerValue(i)) => Value::Integer(i),
            Some(Kind::DoubleValue(d)) => Value::Double(d),
            Some(Kind::StringValue(s)) => Value::String(s),
            Some(Kind::ListValue(l)) => Value::List(l.values.into_iter().map(Into::into).collect()),
            Some(Kind::StructValue(s)) => Value::Object(from_proto_map(s.fields)),
        }
    }
}

/// Converts a map of domain values into the wire's map.
pub(crate) fn into_proto_map(map: HashMap<String, Value>) -> HashMap<String, proto::Value> {
    map.into_iter().map(|(k, v)| (k, v.into())).collect()
}

/// Converts the wire's map into a map of domain values.
pub(crate) fn from_proto_map(map: HashMap<String, proto::Value>) -> HashMap<String, Value> {
    map.into_iter().map(|(k, v)| (k, v.into())).collect()
}

/// A point's payload: a JSON object of [`Value`]s.
///
/// A payload that came in an answer (a hit of `query_points`, a record of
/// `retrieve` or `scroll`) is checked when the answer arrives but turned
/// into [`Value`]s only when first used, and `payload_as::<T>()` (feature
/// `serde`) reads your type straight from the answer's bytes. Until then it
/// shares those bytes with the answer's other points, so keeping one such
/// payload keeps the whole answer's buffer: [`into_inner`](Self::into_inner),
/// or any change, gives it up.
///
/// ```
/// use qdrant_async::{Payload, Value};
///
/// let mut payload = Payload::new();
/// payload.insert("color", "red");
/// payload.insert("count", 3);
/// assert_eq!(payload.get("color").and_then(Value::as_str), Some("red"));
/// assert_eq!(payload.get("count"), Some(&Value::Integer(3)));
/// ```
#[derive(Clone)]
pub struct Payload(Entries);

/// What a payload holds: a map, or protobuf bytes read into one on first
/// use. Most callers of a search read a few payloads, or a few keys of
/// each, and reading every key and value of every hit into its own
/// allocations was most of the client's allocations per query; a payload
/// built from JSON is mostly sent, not read.
#[derive(Clone)]
enum Entries {
    Map(HashMap<String, Value>),
    Bytes(Received),
}

impl Default for Payload {
    fn default() -> Self {
        Payload(Entries::Map(HashMap::new()))
    }
}

/// A payload as protobuf bytes: the message of a point in an answer
/// (`ScoredPoint` or `RetrievedPoint`), or a message this crate wrote,
/// whose entries of field
/// [`PAYLOAD_FIELD`](crate::types::decode::PAYLOAD_FIELD) were checked (or
/// written here), so reading them later cannot fail.
#[derive(Clone)]
struct Received {
    point: bytes::Bytes,
    /// Whether `point` holds nothing but payload entries (written by this
    /// crate), so that it goes into a request as one block.
    entries_only: bool,
    /// Number of entries, for the map's capacity.
    entries: u32,
    /// The whole map, once a caller needed all of it.
    read: OnceLock<HashMap<String, Value>>,
    /// Values read one by one by [`Payload::get`] before the whole map,
    /// by entry: reading one key of a hit does not allocate every key and
    /// value of it.
    values: OnceLock<Box<[OnceLock<Value>]>>,
}

impl Received {
    fn map(&self) -> &HashMap<String, Value> {
        self.read
            .get_or_init(|| crate::types::decode::read_payload(&self.point, self.entries as usize))
    }

    fn get(&self, key: &str) -> Option<&Value> {
        use crate::types::decode::{Lookup, find_entry};
        if let Some(map) = self.read.get() {
            return map.get(key);
        }
        match find_entry(&self.point, key) {
            Lookup::Missing => None,
            Lookup::NotPlain => self.map().get(key),
            Lookup::Found(index, value) => {
                let values = self.values.get_or_init(|| {
                    std::iter::repeat_with(OnceLock::new)
                        .take(self.entries as usize)
                        .collect()
                });
                match values.get(index) {
                    Some(slot) => Some(slot.get_or_init(|| value.value())),
                    // More entries than counted: cannot happen, but the
                    // map reads them all.
                    None => self.map().get(key),
                }
            }
        }
    }

    fn into_map(self) -> HashMap<String, Value> {
        let Received {
            point, entries, read, ..
        } = self;
        read.into_inner()
            .unwrap_or_else(|| crate::types::decode::read_payload(&point, entries as usize))
    }
}

impl Payload {
    /// An empty payload.
    ///
    /// ```
    /// use qdrant_async::{Payload, Point};
    ///
    /// let mut payload = Payload::new();
    /// payload.insert("color", "red");
    /// payload.insert("price", 12.5);
    /// assert_eq!(payload.len(), 2);
    /// let point = Point::new(1, vec![0.9, 0.1, 0.1, 0.5]).payload(payload);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A payload kept as protobuf bytes, read when first used: `point` is
    /// a point's message from an answer, whose `entries` payload entries
    /// were checked, or a message of payload entries this crate wrote.
    pub(crate) fn received(point: bytes::Bytes, entries: usize) -> Self {
        Self::from_bytes(point, entries, false)
    }

    /// A payload this crate wrote as `entries` payload entries and nothing
    /// else.
    #[cfg(feature = "serde")]
    pub(crate) fn written(entries_bytes: bytes::Bytes, entries: usize) -> Self {
        Self::from_bytes(entries_bytes, entries, true)
    }

    fn from_bytes(point: bytes::Bytes, entries: usize, entries_only: bool) -> Self {
        if entries == 0 {
            return Payload::default();
        }
        Payload(Entries::Bytes(Received {
            point,
            entries_only,
            // Entries are 2 bytes at least and messages 4 GiB at most.
            entries: u32::try_from(entries).unwrap_or(u32::MAX),
            read: OnceLock::new(),
            values: OnceLock::new(),
        }))
    }

    /// The bytes of each map entry, while the payload is kept as protobuf
    /// bytes and has not been changed since: they go into a request as
    /// they are.
    pub(crate) fn entry_bytes(&self) -> Option<crate::types::decode::Entries<'_>> {
        match &self.0 {
            Entries::Bytes(received) => Some(crate::types::decode::payload_entries(&received.point)),
            Entries::Map(_) => None,
        }
    }

    /// The payload's entries as one block of bytes, each of field
    /// [`PAYLOAD_FIELD`](crate::types::decode::PAYLOAD_FIELD), while the
    /// payload is as this crate wrote it.
    pub(crate) fn entries_block(&self) -> Option<&[u8]> {
        match &self.0 {
            Entries::Bytes(received) if received.entries_only => Some(&received.point),
            _ => None,
        }
    }

    /// Whether this payload keeps the bytes of an answer, unread or not.
    #[cfg(test)]
    pub(crate) fn holds_answer_bytes(&self) -> bool {
        self.entry_bytes().is_some()
    }

    fn map(&self) -> &HashMap<String, Value> {
        match &self.0 {
            Entries::Bytes(received) => received.map(),
            Entries::Map(map) => map,
        }
    }

    fn map_mut(&mut self) -> &mut HashMap<String, Value> {
        if let Entries::Bytes(_) = self.0 {
            self.0 = Entries::Map(std::mem::take(self).into_map());
        }
        match &mut self.0 {
            Entries::Map(map) => map,
            Entries::Bytes(_) => unreachable!("the bytes were read into a map just above"),
        }
    }

    fn into_map(self) -> HashMap<String, Value> {
        match self.0 {
            Entries::Bytes(received) => received.into_map(),
            Entries::Map(map) => map,
        }
    }

    /// The value at a top-level key.
    ///
    /// ```
    /// use qdrant_async::Payload;
    ///
    /// let payload = Payload::from([("color", "red")]);
    /// assert_eq!(payload.get("color").and_then(|v| v.as_str()), Some("red"));
    /// assert!(payload.get("size").is_none());
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.0 {
            Entries::Map(map) => map.get(key),
            Entries::Bytes(received) => received.get(key),
        }
    }

    /// Sets a top-level key, returning the value it replaced.
    ///
    /// ```
    /// use qdrant_async::Payload;
    ///
    /// let mut payload = Payload::new();
    /// assert!(payload.insert("count", 1).is_none());
    /// // Replacing a value hands back the old one.
    /// assert_eq!(payload.insert("count", 2).and_then(|v| v.as_i64()), Some(1));
    /// ```
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.map_mut().insert(key.into(), value.into())
    }

    /// Removes a top-level key, returning its value.
    ///
    /// ```
    /// use qdrant_async::Payload;
    ///
    /// let mut payload = Payload::from([("color", "red")]);
    /// assert_eq!(payload.remove("color").and_then(|v| v.as_str().map(str::to_owned)).as_deref(), Some("red"));
    /// assert!(payload.is_empty());
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.map_mut().remove(key)
    }

    /// Number of top-level keys.
    ///
    /// ```
    /// use qdrant_async::Payload;
    ///
    /// assert_eq!(Payload::from([("a", 1), ("b", 2)]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether the payload has no keys.
    ///
    /// ```
    /// use qdrant_async::Payload;
    ///
    /// assert!(Payload::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    /// The top-level keys and their values, in no particular order.
    ///
    /// ```
    /// use qdrant_async::Payload;
    ///
    /// let payload = Payload::from([("a", 1), ("b", 2)]);
    /// let mut keys: Vec<&String> = payload.iter().map(|(key, _)| key).collect();
    /// keys.sort();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.map().iter()
    }

    /// The map of top-level keys to values.
    ///
    /// ```
    /// use qdrant_async::{Payload, Value};
    /// use std::collections::HashMap;
    ///
    /// let map: HashMap<String, Value> = Payload::from([("a", 1)]).into_inner();
    /// assert_eq!(map["a"], Value::Integer(1));
    /// ```
    pub fn into_inner(self) -> HashMap<String, Value> {
        self.into_map()
    }

    pub(crate) fn into_proto(self) -> HashMap<String, proto::Value> {
        into_proto_map(self.into_map())
    }

    pub(crate) fn from_proto(map: HashMap<String, proto::Value>) -> Self {
        Payload::from(from_proto_map(map))
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.map() == other.map()
    }
}

/// Shows the keys and values, as a map would (a received payload is read
/// for it).
impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Payload").field(self.map()).finish()
    }
}

impl From<HashMap<String, Value>> for Payload {
    fn from(map: HashMap<String, Value>) -> Self {
        Payload(Entries::Map(map))
    }
}

impl<K: Into<String>, V: Into<Value>, const N: usize> From<[(K, V); N]> for Payload {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Payload {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Payload::from(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect::<HashMap<_, _>>(),
        )
    }
}

impl IntoIterator for Payload {
    type Item = (String, Value);
    type IntoIter = std::collections::hash_map::IntoIter<String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_map().into_iter()
    }
}

/// What a payload argument accepts.
///
/// Always: anything that converts into a [`Payload`] (a `Payload`, a
/// `HashMap<String, Value>`, an array of key-value pairs, your own types
/// with `From<_> for Payload`), and `&Payload`. With feature `serde`, also a
/// `serde_json::Value` or `serde_json::Map` (so `json!({...})`), and any
/// `Serialize` value wrapped in `Json`. A JSON value that is not an object
/// is reported as an invalid argument when the request is sent.
///
/// Features only add here: a type that converts without `serde` converts
/// the same way with it, so turning `serde` on anywhere in a dependency
/// graph breaks no code that compiled without it. That is why `Serialize`
/// values go through `Json` rather than through a blanket implementation,
/// which would overlap with the one for `Into<Payload>`.
#[cfg_attr(feature = "serde", doc = "\nSee [`Json`](crate::Json).\n")]
///
/// ```
/// use qdrant_async::{Payload, Point};
///
/// let point = Point::new(1, [0.5, 0.5]).payload([("color", "red")]);
/// let point = Point::new(2, [0.5, 0.5]).payload(Payload::from([("count", 3)]));
/// ```
pub trait IntoPayload {
    /// Converts, or says why the value is not a JSON object.
    fn into_payload(self) -> Result<Payload, String>;
}

impl<T: Into<Payload>> IntoPayload for T {
    fn into_payload(self) -> Result<Payload, String> {
        Ok(self.into())
    }
}

impl IntoPayload for &Payload {
    fn into_payload(self) -> Result<Payload, String> {
        Ok(self.clone())
    }
}

/// Most levels of arrays and objects in a payload value written as
/// protobuf bytes: each level is at most three levels of messages
/// (`Value`, `Struct`, map entry), well inside prost's limit of 100. A
/// payload nested deeper stays a map.
#[cfg(feature = "serde")]
pub(crate) const MAX_ENCODED_DEPTH: usize = 24;

#[cfg(feature = "serde")]
mod json {
    use super::{IntoPayload, Payload, Value};
    use crate::error::{Error, Result};
    use crate::types::payload_serializer::{Written, write_payload};

    impl From<serde_json::Value> for Value {
        fn from(value: serde_json::Value) -> Self {
            match value {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Value::Integer(i),
                    // u64 above i64::MAX and fractions: Qdrant keeps them as doubles.
                    None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
                },
                serde_json::Value::String(s) => Value::String(s),
                serde_json::Value::Array(a) => Value::List(a.into_iter().map(Into::into).collect()),
                serde_json::Value::Object(o) => {
                    Value::Object(o.into_iter().map(|(k, v)| (k, v.into())).collect())
                }
            }
        }
    }

    impl From<Value> for serde_json::Value {
        fn from(value: Value) -> Self {
            match value {
                Value::Null => serde_json::Value::Null,
                Value::Bool(b) => b.into(),
                Value::Integer(i) => i.into(),
                // JSON has no NaN or infinity: they become null.
                Value::Double(d) => {
                    serde_json::Number::from_f64(d).map_or(serde_json::Value::Null, serde_json::Value::Number)
                }
                Value::String(s) => s.into(),
                Value::List(l) => serde_json::Value::Array(l.into_iter().map(Into::into).collect()),
                Value::Object(o) => {
                    serde_json::Value::Object(o.into_iter().map(|(k, v)| (k, v.into())).collect())
                }
            }
        }
    }

    impl serde::Serialize for Value {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{SerializeMap, SerializeSeq};
            match self {
                Value::Null => s.serialize_unit(),
                Value::Bool(b) => s.serialize_bool(*b),
                Value::Integer(i) => s.serialize_i64(*i),
                Value::Double(d) => s.serialize_f64(*d),
                Value::String(v) => s.serialize_str(v),
                Value::List(l) => {
                    let mut seq = s.serialize_seq(Some(l.len()))?;
                    for v in l {
                        seq.serialize_element(v)?;
                    }
                    seq.end()
                }
                Value::Object(o) => {
                    let mut map = s.serialize_map(Some(o.len()))?;
                    for (k, v) in o {
                        map.serialize_entry(k, v)?;
                    }
                    map.end()
                }
            }
        }
    }

    impl<'de> serde::Deserialize<'de> for Value {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde_json::Value::deserialize(d).map(Into::into)
        }
    }

    impl serde::Serialize for Payload {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.iter())
        }
    }

    impl<'de> serde::Deserialize<'de> for Payload {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match Value::deserialize(d)? {
                Value::Object(map) => Ok(Payload::from(map)),
                _ => Err(serde::de::Error::custom("a payload must be a JSON object")),
            }
        }
    }

    impl TryFrom<serde_json::Value> for Payload {
        type Error = Error;

        /// Accepts a JSON object; anything else is an invalid payload.
        fn try_from(value: serde_json::Value) -> Result<Self> {
            match value {
                serde_json::Value::Object(map) => Ok(Payload::from(map)),
                other => Err(Error::invalid_argument(
                    "payload",
                    format!("must be a JSON object, got {}", kind_name(&Value::from(other))),
                )),
            }
        }
    }

    fn kind_name(value: &Value) -> &'static str {
        match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Integer(_) | Value::Double(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    impl Payload {
        /// Serializes any `Serialize` value that serializes to a JSON object,
        /// straight to protobuf bytes (as `serde_json::to_value` would have
        /// it, without building one).
        ///
        /// ```
        /// #[derive(serde::Serialize)]
        /// struct Doc { color: &'static str, count: u32 }
        ///
        /// let payload = qdrant_async::Payload::from_serialize(&Doc { color: "red", count: 3 })?;
        /// assert_eq!(payload.get("count").and_then(|v| v.as_i64()), Some(3));
        /// # Ok::<(), qdrant_async::Error>(())
        /// ```
        pub fn from_serialize<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self> {
            // Straight to protobuf bytes; what that writer does not take on
            // goes through `serde_json::Value`, as serde_json has it.
            match write_payload(value)? {
                Written::Payload(payload) => Ok(payload),
                Written::Fallback => serde_json::to_value(value)?.try_into(),
            }
        }

        /// Deserializes the payload into `T`.
        ///
        /// ```
        /// #[derive(serde::Deserialize)]
        /// struct Doc { color: String }
        ///
        /// let payload = qdrant_async::Payload::from([("color", "red")]);
        /// let doc: Doc = payload.deserialize()?;
        /// assert_eq!(doc.color, "red");
        /// # Ok::<(), qdrant_async::Error>(())
        /// ```
        pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
            // A payload as an answer carried it is read straight from its
            // bytes; what that reading does not take on goes the long way.
            if let super::Entries::Bytes(received) = &self.0
                && let Ok(value) = crate::types::decode::deserialize_payload(&received.point)
            {
                return Ok(value);
            }
            Ok(serde_json::from_value(serde_json::Value::from(Value::Object(
                self.map().clone(),
            )))?)
        }
    }

    impl From<Payload> for serde_json::Value {
        fn from(payload: Payload) -> Self {
            Value::Object(payload.into_map()).into()
        }
    }

    // The object is written as protobuf once, here: a point's payload is
    // mostly sent, not read, and its bytes go into the request as they are
    // (it is read into values if it is used or changed). What the writer
    // hands back (an object nested deeper than `MAX_ENCODED_DEPTH`, keys
    // that are not text) stays a map.
    impl From<serde_json::Map<String, serde_json::Value>> for Payload {
        fn from(map: serde_json::Map<String, serde_json::Value>) -> Self {
            match write_payload(&map) {
                Ok(Written::Payload(payload)) => payload,
                // A map of JSON values always serializes; the writer hands
                // back only what must stay a map.
                Ok(Written::Fallback) | Err(_) => Payload::from(
                    map.into_iter()
                        .map(|(k, v)| (k, Value::from(v)))
                        .collect::<std::collections::HashMap<_, _>>(),
                ),
            }
        }
    }

    /// `json!({...})`: an object converts, anything else is an invalid
    /// payload.
    impl IntoPayload for serde_json::Value {
        fn into_payload(self) -> std::result::Result<Payload, String> {
            Payload::try_from(self).map_err(reason)
        }
    }

    impl IntoPayload for &serde_json::Value {
        fn into_payload(self) -> std::result::Result<Payload, String> {
            Payload::from_serialize(self).map_err(reason)
        }
    }

    /// Any `Serialize` value as a payload argument: it must serialize to a
    /// JSON object (a struct, a map), or it is reported as an invalid
    /// argument when the request is sent. It is written straight to the
    /// protobuf bytes sent, with the meaning `serde_json::to_value` gives
    /// it, and no `serde_json::Value` in between.
    ///
    /// ```
    /// use qdrant_async::{Json, Point};
    ///
    /// #[derive(serde::Serialize)]
    /// struct Doc { color: &'static str, count: u32 }
    ///
    /// let point = Point::new(1, [0.5, 0.5]).payload(Json(Doc { color: "red", count: 3 }));
    /// ```
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Json<T>(pub T);

    impl<T: serde::Serialize> IntoPayload for Json<T> {
        fn into_payload(self) -> std::result::Result<Payload, String> {
            Payload::from_serialize(&self.0).map_err(reason)
        }
    }

    /// The reason of an invalid payload, without the argument's name, which
    /// the request that takes it adds.
    fn reason(error: Error) -> String {
        match error.kind() {
            crate::error::ErrorKind::InvalidArgument => error.reason().to_owned(),
            _ => error.to_string(),
        }
    }
}

#[cfg(feature = "serde")]
pub use json::Json;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_proto() {
        let value = Value::Object(HashMap::from([
            ("i".to_string(), Value::Integer(-3)),
            ("d".to_string(), Value::Double(2.5)),
            ("whole_double".to_string(), Value::Double(2.0)),
            ("s".to_string(), "x".into()),
            ("b".to_string(), true.into()),
            ("n".to_string(), Value::Null),
            ("l".to_string(), vec![1i64, 2].into()),
        ]));
        let back = Value::from(proto::Value::from(value.clone()));
        assert_eq!(back, value);
    }

    /// A payload kept as the bytes of a point message whose entries are
    /// `entries` (each a key and a value).
    fn received(entries: &[(&str, proto::Value)]) -> Payload {
        use prost::Message;
        let mut point = Vec::new();
        for (key, value) in entries {
            let entry = proto::ScoredPoint {
                payload: HashMap::from([(key.to_string(), value.clone())]),
                ..Default::default()
            };
            entry.encode(&mut point).expect("a Vec grows");
        }
        Payload::received(bytes::Bytes::from(point), entries.len())
    }

    /// `get` reads one key of a received payload without the whole map,
    /// and answers as the map does: the last entry of a key wins, a nested
    /// value or a missing key reads as from the map, and the map read
    /// later agrees.
    #[test]
    fn get_on_received_bytes_reads_as_the_map() {
        let int = |i| proto::Value::from(Value::Integer(i));
        let text = |s: &str| proto::Value::from(Value::from(s));
        let plain = [
            ("n", int(1)),
            ("tag", text("red")),
            ("n", int(2)),
            ("w", proto::Value::from(Value::Double(0.5))),
        ];
        let payload = received(&plain);
        assert_eq!(payload.get("n"), Some(&Value::Integer(2)));
        assert_eq!(payload.get("tag").and_then(Value::as_str), Some("red"));
        assert!(payload.get("nope").is_none());
        // The same value each time, read once.
        assert!(std::ptr::eq(
            payload.get("tag").unwrap(),
            payload.get("tag").unwrap()
        ));
        assert_eq!(payload.len(), 3);
        assert_eq!(payload.get("w"), Some(&Value::Double(0.5)));
        assert!(payload.holds_answer_bytes());

        let nested = Value::Object(HashMap::from([("a".to_string(), Value::Integer(1))]));
        let mixed = received(&[("n", int(1)), ("obj", proto::Value::from(nested.clone()))]);
        assert_eq!(mixed.get("n"), Some(&Value::Integer(1)));
        assert_eq!(mixed.get("obj"), Some(&nested));
        assert!(mixed.get("nope").is_none());

        for (key, value) in received(&plain).iter() {
            assert_eq!(payload.get(key), Some(value));
        }
    }

    #[test]
    fn missing_kind_reads_as_null() {
        assert_eq!(Value::from(proto::Value { kind: None }), Value::Null);
    }

    /// A caller's own type, converting as [`IntoPayload`]'s docs say it may.
    struct Color(&'static str);

    impl From<Color> for Payload {
        fn from(color: Color) -> Self {
            Payload::from([("color", color.0)])
        }
    }

    /// The implementations these use are not behind `serde`, so they are
    /// the same without it. Unit tests always build with `serde` (the
    /// dev-dependency on this crate turns it on), so this shows that turning
    /// it on takes none of them away.
    #[test]
    fn into_payload_conversions_hold_whatever_the_features() {
        let red = Payload::from([("color", "red")]);
        assert_eq!(Color("red").into_payload(), Ok(red.clone()));
        assert_eq!([("color", "red")].into_payload(), Ok(red.clone()));
        assert_eq!((&red).into_payload(), Ok(red.clone()));
        assert_eq!(red.clone().into_inner().into_payload(), Ok(red.clone()));
        assert_eq!(red.clone().into_payload(), Ok(red));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_objects_and_serialize_values_are_payloads() {
        #[derive(serde::Serialize)]
        struct Doc {
            color: &'static str,
            count: u32,
        }
        let expected = Payload::from([("color", Value::from("red")), ("count", Value::Integer(3))]);
        let json = serde_json::json!({"color": "red", "count": 3});
        assert_eq!((&json).into_payload(), Ok(expected.clone()));
        assert_eq!(json.clone().into_payload(), Ok(expected.clone()));
        let serde_json::Value::Object(map) = json else {
            unreachable!("json! of an object")
        };
        assert_eq!(map.into_payload(), Ok(expected.clone()));
        let doc = Doc {
            color: "red",
            count: 3,
        };
        assert_eq!(Json(&doc).into_payload(), Ok(expected.clone()));
        assert_eq!(Json(expected.clone()).into_payload(), Ok(expected));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_that_is_not_an_object_is_not_a_payload() {
        let err = serde_json::json!([1, 2]).into_payload().unwrap_err();
        assert!(err.contains("JSON object") && err.contains("array"), "{err}");
        let err = Json(3).into_payload().unwrap_err();
        assert!(err.contains("JSON object") && err.contains("number"), "{err}");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_keeps_integers_and_doubles_apart() {
        let payload = Payload::try_from(serde_json::json!({"a": 1, "b": 1.0, "c": [1, 2.5]})).unwrap();
        assert_eq!(payload.get("a"), Some(&Value::Integer(1)));
        assert_eq!(payload.get("b"), Some(&Value::Double(1.0)));
        assert_eq!(
            payload.get("c"),
            Some(&Value::List(vec![Value::Integer(1), Value::Double(2.5)]))
        );
        let back = serde_json::Value::from(payload);
        assert_eq!(back, serde_json::json!({"a": 1, "b": 1.0, "c": [1, 2.5]}));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn non_object_payload_is_rejected_with_its_name() {
        let err = Payload::try_from(serde_json::json!([1])).unwrap_err();
        assert!(err.to_string().contains("payload"), "{err}");
    }
}
