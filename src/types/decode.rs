//! Hand-written protobuf decoding of the answers that carry points, for the
//! hot path of reads.
//!
//! prost would decode a query's answer into `proto::ScoredPoint`s, a
//! `HashMap<String, proto::Value>` per hit with a `String` per key and per
//! string value, which the facade then converted into domain values: most
//! of a query's allocations. Here the answer's bytes are read once,
//! straight into [`ScoredPoint`]s and [`Record`]s. Ids, scores and versions
//! are read in place; a payload is checked as it is read (every byte prost
//! would check: wire types, lengths, UTF-8, nesting) and kept as the bytes
//! of its point, to be turned into [`Value`]s when it is first used (see
//! [`Payload`]). Vectors, shard keys and order values, rarer and smaller,
//! go through prost.
//!
//! What is accepted and refused is exactly what prost accepts and refuses,
//! including its nesting limit; the tests compare the two on valid,
//! truncated and corrupted answers.

use std::collections::HashMap;
use std::fmt;

use bytes::Bytes;
use prost::Message;
use prost::encoding::{decode_key, decode_varint};

use crate::error::{Error, Result};
use crate::proto;
use crate::types::payload::{Payload, Value};
use crate::types::point::{OrderValue, PointId, Record, ScoredPoint};
use crate::types::vector::Vectors;

/// The field of the payload map in both `ScoredPoint` and `RetrievedPoint`.
pub(crate) const PAYLOAD_FIELD: u32 = 2;

/// prost's limit on nested messages (its `RECURSION_LIMIT`).
const NESTING_LIMIT: u32 = 100;

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

/// Why an answer's bytes are not the message they should be.
#[derive(Debug)]
pub(crate) struct WireError(String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failed to decode Protobuf message: {}", self.0)
    }
}

impl From<prost::DecodeError> for WireError {
    fn from(e: prost::DecodeError) -> Self {
        // prost's Display already starts with the same words.
        let text = e.to_string();
        WireError(
            text.strip_prefix("failed to decode Protobuf message: ")
                .map_or_else(|| text.clone(), str::to_owned),
        )
    }
}

fn wire_error(reason: &str) -> WireError {
    WireError(reason.to_owned())
}

/// An answer the transport can decode from its message bytes: any prost
/// message, and the answers read here.
pub(crate) trait FromWire: Sized + Send + Sync + 'static {
    /// Decodes one whole message.
    fn from_wire(message: Bytes) -> std::result::Result<Self, WireError>;
}

impl<T: Message + Default + Send + Sync + 'static> FromWire for T {
    fn from_wire(message: Bytes) -> std::result::Result<Self, WireError> {
        T::decode(message).map_err(WireError::from)
    }
}

/// A reader over one message's bytes.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    /// The next field's number and wire type, or `None` at the end.
    #[inline]
    fn field(&mut self) -> std::result::Result<Option<(u32, u8)>, WireError> {
        match self.buf.split_first() {
            None => Ok(None),
            // A one-byte key of a field number from 1 to 15 and a valid
            // wire type: every key of the answers this crate reads.
            Some((&key, rest)) if (8..0x80).contains(&key) && key & 7 <= FIXED32 => {
                self.buf = rest;
                Ok(Some((u32::from(key >> 3), key & 7)))
            }
            Some(_) => self.long_field(),
        }
    }

    /// A key of more than one byte, or one prost refuses (with its error).
    #[cold]
    fn long_field(&mut self) -> std::result::Result<Option<(u32, u8)>, WireError> {
        let (tag, wire_type) = decode_key(&mut self.buf)?;
        Ok(Some((tag, wire_type as u8)))
    }

    #[inline]
    fn varint(&mut self) -> std::result::Result<u64, WireError> {
        match self.buf.split_first() {
            Some((&byte, rest)) if byte < 0x80 => {
                self.buf = rest;
                Ok(u64::from(byte))
            }
            _ => self.long_varint(),
        }
    }

    /// A varint of more than one byte: up to 9 read here, longer ones and
    /// errors by prost.
    fn long_varint(&mut self) -> std::result::Result<u64, WireError> {
        if let Some(end) = self.buf.iter().take(9).position(|byte| *byte < 0x80)
            && let Some(value) = plain_varint(&self.buf[..=end])
        {
            self.buf = &self.buf[end + 1..];
            return Ok(value);
        }
        Ok(decode_varint(&mut self.buf)?)
    }

    fn fixed<const N: usize>(&mut self) -> std::result::Result<[u8; N], WireError> {
        let (bytes, rest) = self
            .buf
            .split_first_chunk::<N>()
            .ok_or_else(|| wire_error("buffer underflow"))?;
        self.buf = rest;
        Ok(*bytes)
    }

    /// A length-delimited field's bytes.
    #[inline]
    fn bytes(&mut self) -> std::result::Result<&'a [u8], WireError> {
        let len = self.varint()?;
        if len > self.buf.len() as u64 {
            return Err(wire_error("buffer underflow"));
        }
        let (bytes, rest) = self.buf.split_at(len as usize);
        self.buf = rest;
        Ok(bytes)
    }

    #[inline]
    fn string(&mut self) -> std::result::Result<&'a str, WireError> {
        std::str::from_utf8(self.bytes()?)
            .map_err(|_| wire_error("invalid string value: data is not UTF-8 encoded"))
    }

    /// Skips a field this reader has no use for, as prost does.
    fn skip(&mut self, tag: u32, wire_type: u8, depth: u32) -> std::result::Result<(), WireError> {
        check_depth(depth)?;
        match wire_type {
            VARINT => {
                self.varint()?;
            }
            FIXED64 => {
                self.fixed::<8>()?;
            }
            LEN => {
                self.bytes()?;
            }
            FIXED32 => {
                self.fixed::<4>()?;
            }
            START_GROUP => loop {
                let Some((inner, inner_type)) = self.field()? else {
                    return Err(wire_error("buffer underflow"));
                };
                if inner_type == END_GROUP {
                    if inner != tag {
                        return Err(wire_error("unexpected end group tag"));
                    }
                    break;
                }
                self.skip(inner, inner_type, depth - 1)?;
            },
            _ => return Err(wire_error("unexpected end group tag")),
        }
        Ok(())
    }
}

/// Checks a field's wire type against the one its declaration gives.
#[inline]
fn expect(wire_type: u8, expected: u8) -> std::result::Result<(), WireError> {
    if wire_type == expected {
        Ok(())
    } else {
        Err(wrong_type(wire_type, expected))
    }
}

#[cold]
fn wrong_type(wire_type: u8, expected: u8) -> WireError {
    WireError(format!(
        "invalid wire type: {} (expected {})",
        type_name(wire_type),
        type_name(expected)
    ))
}

fn type_name(wire_type: u8) -> &'static str {
    match wire_type {
        VARINT => "Varint",
        FIXED64 => "SixtyFourBit",
        LEN => "LengthDelimited",
        START_GROUP => "StartGroup",
        END_GROUP => "EndGroup",
        _ => "ThirtyTwoBit",
    }
}

/// prost's recursion check: a nested message may be read while `depth`
/// (what is left of [`NESTING_LIMIT`]) is above zero.
#[inline]
fn check_depth(depth: u32) -> std::result::Result<(), WireError> {
    if depth == 0 { Err(too_deep()) } else { Ok(()) }
}

#[cold]
fn too_deep() -> WireError {
    wire_error("recursion limit reached")
}

/// Reads a `Value` message into `out` (merging, as protobuf does), or only
/// checks it when `out` is `None`.
fn read_value(buf: &[u8], depth: u32, mut out: Option<&mut Value>) -> std::result::Result<(), WireError> {
    check_depth(depth)?;
    let depth = depth - 1;
    let mut r = Reader::new(buf);
    while let Some((tag, wire_type)) = r.field()? {
        let Some(kind) = value_field(&mut r, tag, wire_type, depth)? else {
            continue;
        };
        let value = match kind {
            // A struct or list merges into one already there, as protobuf
            // merges a message field that comes twice.
            Kind::Struct(fields) => {
                let merged = merge_nested(out.as_deref_mut(), fields, depth, read_struct, |v| match v {
                    Value::Object(map) => Some(map),
                    _ => None,
                })?;
                match merged {
                    Some(map) => Value::Object(map),
                    None => continue,
                }
            }
            Kind::List(values) => {
                let merged = merge_nested(out.as_deref_mut(), values, depth, read_list, |v| match v {
                    Value::List(list) => Some(list),
                    _ => None,
                })?;
                match merged {
                    Some(list) => Value::List(list),
                    None => continue,
                }
            }
            _ if out.is_none() => continue,
            Kind::Null => Value::Null,
            Kind::Double(d) => Value::Double(d),
            Kind::Integer(i) => Value::Integer(i),
            Kind::String(s) => Value::String(s.to_owned()),
            Kind::Bool(b) => Value::Bool(b),
        };
        if let Some(out) = out.as_deref_mut() {
            *out = value;
        }
    }
    Ok(())
}

/// One field of a `Value` message, as the wire has it: the case of its
/// `kind` oneof (a struct or list still as its message's bytes).
enum Kind<'a> {
    Null,
    Double(f64),
    Integer(i64),
    String(&'a str),
    Bool(bool),
    Struct(&'a [u8]),
    List(&'a [u8]),
}

/// Reads field `tag` of a `Value` message: its kind, or `None` for a field
/// `Value` does not declare, which is skipped (`depth` as for
/// [`Reader::skip`]).
fn value_field<'a>(
    r: &mut Reader<'a>,
    tag: u32,
    wire_type: u8,
    depth: u32,
) -> std::result::Result<Option<Kind<'a>>, WireError> {
    let kind = match tag {
        1 => {
            expect(wire_type, VARINT)?;
            r.varint()?;
            Kind::Null
        }
        2 => {
            expect(wire_type, FIXED64)?;
            Kind::Double(f64::from_le_bytes(r.fixed()?))
        }
        3 => {
            expect(wire_type, VARINT)?;
            Kind::Integer(r.varint()? as i64)
        }
        4 => {
            expect(wire_type, LEN)?;
            Kind::String(r.string()?)
        }
        5 => {
            expect(wire_type, VARINT)?;
            Kind::Bool(r.varint()? != 0)
        }
        6 => {
            expect(wire_type, LEN)?;
            Kind::Struct(r.bytes()?)
        }
        7 => {
            expect(wire_type, LEN)?;
            Kind::List(r.bytes()?)
        }
        _ => {
            r.skip(tag, wire_type, depth)?;
            return Ok(None);
        }
    };
    Ok(Some(kind))
}

/// A reader of a nested message into a container, or of its check only.
type ReadNested<C> = fn(&[u8], u32, Option<&mut C>) -> std::result::Result<(), WireError>;

/// Reads a struct or list message (`read`) merged into what `out` holds
/// when it holds one of that kind (`take`), or only checks it when `out`
/// is `None` (then `None` is returned).
fn merge_nested<C: Default>(
    out: Option<&mut Value>,
    buf: &[u8],
    depth: u32,
    read: ReadNested<C>,
    take: fn(Value) -> Option<C>,
) -> std::result::Result<Option<C>, WireError> {
    let Some(out) = out else {
        read(buf, depth, None)?;
        return Ok(None);
    };
    let mut merged = take(std::mem::take(out)).unwrap_or_default();
    read(buf, depth, Some(&mut merged))?;
    Ok(Some(merged))
}

/// Reads a `Struct` message's fields into `out`, or checks them.
fn read_struct(
    buf: &[u8],
    depth: u32,
    mut out: Option<&mut HashMap<String, Value>>,
) -> std::result::Result<(), WireError> {
    check_depth(depth)?;
    let depth = depth - 1;
    let mut r = Reader::new(buf);
    while let Some((tag, wire_type)) = r.field()? {
        match tag {
            1 => {
                expect(wire_type, LEN)?;
                read_entry(r.bytes()?, depth, out.as_deref_mut())?;
            }
            _ => r.skip(tag, wire_type, depth)?,
        }
    }
    Ok(())
}

/// Reads a `ListValue` message's values into `out`, or checks them.
fn read_list(buf: &[u8], depth: u32, mut out: Option<&mut Vec<Value>>) -> std::result::Result<(), WireError> {
    check_depth(depth)?;
    let depth = depth - 1;
    let mut r = Reader::new(buf);
    while let Some((tag, wire_type)) = r.field()? {
        match tag {
            1 => {
                expect(wire_type, LEN)?;
                let value = r.bytes()?;
                match out.as_deref_mut() {
                    Some(list) => {
                        let mut item = Value::Null;
                        read_value(value, depth, Some(&mut item))?;
                        list.push(item);
                    }
                    None => read_value(value, depth, None)?,
                }
            }
            _ => r.skip(tag, wire_type, depth)?,
        }
    }
    Ok(())
}

/// A payload entry as Qdrant and this crate write it: its key, then a
/// value of one scalar kind, each length in one byte. Returns the key and
/// the value when `buf` is exactly that and valid (all of it checked as
/// prost checks it, text as UTF-8), and `None` for anything else, which
/// [`read_entry`] then reads: it accepts the same, and refuses with
/// prost's errors.
#[inline]
fn plain_entry(buf: &[u8]) -> Option<(&[u8], Scalar<'_>)> {
    let [KEY_FIELD, key_len, rest @ ..] = buf else {
        return None;
    };
    let key_len = usize::from(*key_len);
    if key_len >= 0x80 || key_len > rest.len() {
        return None;
    }
    let (key, rest) = rest.split_at(key_len);
    if !is_text(key) {
        return None;
    }
    let [VALUE_FIELD, value_len, value @ ..] = rest else {
        return None;
    };
    if *value_len >= 0x80 || usize::from(*value_len) != value.len() {
        return None;
    }
    let scalar = match value {
        [NULL_KEY, v] if *v < 0x80 => Scalar::Null,
        [DOUBLE_KEY, d @ ..] => Scalar::Double(f64::from_le_bytes(<[u8; 8]>::try_from(d).ok()?)),
        [INTEGER_KEY, v @ ..] => Scalar::Integer(plain_varint(v)? as i64),
        [STRING_KEY, len, text @ ..] if *len < 0x80 && usize::from(*len) == text.len() && is_text(text) => {
            Scalar::Text(text)
        }
        [BOOL_KEY, v] if *v < 0x80 => Scalar::Bool(*v != 0),
        _ => return None,
    };
    Some((key, scalar))
}

/// Whether `bytes` are UTF-8 (ASCII checked inline: keys and short
/// strings mostly are).
#[inline]
fn is_text(bytes: &[u8]) -> bool {
    bytes.is_ascii() || std::str::from_utf8(bytes).is_ok()
}

/// Text [`is_text`] checked, as a `String`.
fn checked_text(bytes: &[u8]) -> String {
    // Checked: nothing is replaced.
    String::from_utf8_lossy(bytes).into_owned()
}

// The one-byte keys of a map entry's fields and of a `Value`'s scalar
// kinds (field number << 3 | wire type).
const KEY_FIELD: u8 = 1 << 3 | LEN;
const VALUE_FIELD: u8 = 2 << 3 | LEN;
const NULL_KEY: u8 = 1 << 3 | VARINT;
const DOUBLE_KEY: u8 = 2 << 3 | FIXED64;
const INTEGER_KEY: u8 = 3 << 3 | VARINT;
const STRING_KEY: u8 = 4 << 3 | LEN;
const BOOL_KEY: u8 = 5 << 3 | VARINT;
/// The key of a `PointId`'s number.
const NUM_KEY: u8 = 1 << 3 | VARINT;

/// `buf` as exactly one varint of up to 9 bytes (63 bits: no overflow to
/// check), or `None`.
#[inline]
fn plain_varint(buf: &[u8]) -> Option<u64> {
    let (last, high) = buf.split_last()?;
    if *last >= 0x80 || high.len() > 8 {
        return None;
    }
    let mut value = u64::from(*last) << (7 * high.len());
    for (i, byte) in high.iter().enumerate() {
        if *byte < 0x80 {
            return None;
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
    }
    Some(value)
}

/// The value of a plain payload entry, its text checked.
#[derive(Clone, Copy)]
pub(crate) enum Scalar<'a> {
    Null,
    Double(f64),
    Integer(i64),
    Text(&'a [u8]),
    Bool(bool),
}

impl Scalar<'_> {
    pub(crate) fn value(self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Double(d) => Value::Double(d),
            Scalar::Integer(i) => Value::Integer(i),
            Scalar::Text(text) => Value::String(checked_text(text)),
            Scalar::Bool(b) => Value::Bool(b),
        }
    }
}

/// Checks one entry of a `map<string, Value>`.
#[inline]
fn check_entry(buf: &[u8], depth: u32) -> std::result::Result<(), WireError> {
    match plain_entry(buf) {
        Some(_) => Ok(()),
        None => read_entry(buf, depth, None),
    }
}

/// Reads one entry of a `map<string, Value>` into `out`, or checks it.
fn read_entry(
    buf: &[u8],
    depth: u32,
    out: Option<&mut HashMap<String, Value>>,
) -> std::result::Result<(), WireError> {
    check_depth(depth)?;
    let depth = depth - 1;
    let mut key = "";
    let mut value = out.is_some().then_some(Value::Null);
    let mut r = Reader::new(buf);
    while let Some((tag, wire_type)) = r.field()? {
        match tag {
            1 => {
                expect(wire_type, LEN)?;
                key = r.string()?;
            }
            2 => {
                expect(wire_type, LEN)?;
                read_value(r.bytes()?, depth, value.as_mut())?;
            }
            _ => r.skip(tag, wire_type, depth)?,
        }
    }
    if let (Some(map), Some(value)) = (out, value) {
        map.insert(key.to_owned(), value);
    }
    Ok(())
}

/// The payload of a point message whose entries were checked when its
/// answer was read, or were written by this crate (see [`Payload`]).
pub(crate) fn read_payload(point: &[u8], entries: usize) -> HashMap<String, Value> {
    let mut map = HashMap::with_capacity(entries);
    for entry in payload_entries(point) {
        if let Some((key, value)) = plain_entry(entry) {
            map.insert(checked_text(key), value.value());
        // Every byte was checked: nothing here fails.
        } else if read_entry(entry, NESTING_LIMIT, Some(&mut map)).is_err() {
            break;
        }
    }
    map
}

/// Where a key is among the payload entries of a point message whose
/// entries were checked.
pub(crate) enum Lookup<'a> {
    /// The last entry with the key (a protobuf map keeps the last): its
    /// index among the entries, and its value.
    Found(usize, Scalar<'a>),
    Missing,
    /// An entry is not in the plain form ([`plain_entry`]): the whole map
    /// has to be read.
    NotPlain,
}

/// Finds `key` among the payload entries of `point` without reading them
/// into values.
pub(crate) fn find_entry<'a>(point: &'a [u8], key: &str) -> Lookup<'a> {
    let mut found = Lookup::Missing;
    for (i, entry) in payload_entries(point).enumerate() {
        match plain_entry(entry) {
            Some((k, value)) if k == key.as_bytes() => found = Lookup::Found(i, value),
            Some(_) => {}
            None => return Lookup::NotPlain,
        }
    }
    found
}

/// The bytes of each payload entry (field [`PAYLOAD_FIELD`]) of a point
/// message, as they are.
pub(crate) fn payload_entries(point: &[u8]) -> Entries<'_> {
    Entries {
        fields: Reader::new(point),
        field: PAYLOAD_FIELD,
    }
}

/// The bytes of each occurrence of a length-delimited field of a message
/// that was checked (the entries of a map, the values of a list): it stops
/// at the end, or at a field it cannot read.
pub(crate) struct Entries<'a> {
    fields: Reader<'a>,
    field: u32,
}

impl<'a> Iterator for Entries<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            match self.fields.field().ok()?? {
                (tag, LEN) if tag == self.field => return self.fields.bytes().ok(),
                (tag, wire_type) => self.fields.skip(tag, wire_type, NESTING_LIMIT).ok()?,
            }
        }
    }
}

/// A `PointId` as the wire has it.
enum WireId<'a> {
    Num(u64),
    Uuid(&'a str),
}

fn read_id<'a>(buf: &'a [u8], depth: u32, id: &mut Option<WireId<'a>>) -> std::result::Result<(), WireError> {
    check_depth(depth)?;
    // The common form: a number alone.
    if let [NUM_KEY, number @ ..] = buf
        && let Some(n) = plain_varint(number)
    {
        *id = Some(WireId::Num(n));
        return Ok(());
    }
    let depth = depth - 1;
    let mut r = Reader::new(buf);
    while let Some((tag, wire_type)) = r.field()? {
        match tag {
            1 => {
                expect(wire_type, VARINT)?;
                *id = Some(WireId::Num(r.varint()?));
            }
            2 => {
                expect(wire_type, LEN)?;
                *id = Some(WireId::Uuid(r.string()?));
            }
            _ => r.skip(tag, wire_type, depth)?,
        }
    }
    Ok(())
}

/// The id a `PointId` field held (`field` names it for errors).
fn point_id(id: Option<WireId<'_>>, field: &dyn Fn() -> String) -> Result<PointId> {
    match id {
        None => Err(Error::missing(field())),
        Some(WireId::Num(n)) => Ok(PointId::from(n)),
        Some(WireId::Uuid(s)) => PointId::parse_response(s, field),
    }
}

/// Merges a length-delimited field into a prost message, counting one
/// level of nesting as prost does.
fn merge_message<M: Message + Default>(
    slot: &mut Option<M>,
    buf: &[u8],
    depth: u32,
) -> std::result::Result<(), WireError> {
    check_depth(depth)?;
    slot.get_or_insert_default().merge(buf)?;
    Ok(())
}

/// The fields of a point message that both kinds of point share, read.
/// Nested messages are kept as their bytes: most answers have none, and
/// reading them into prost messages here would make every point carry
/// (and copy) their empty forms.
struct PointFields<'a> {
    id: Option<WireId<'a>>,
    payload_entries: usize,
    score: f32,
    version: u64,
    vectors: Nested<'a>,
    shard_key: Nested<'a>,
    order_value: Nested<'a>,
}

/// A nested message field of a point: its last occurrence, and whether it
/// came more than once (then every occurrence is merged, as prost does).
#[derive(Clone, Copy, Default)]
struct Nested<'a> {
    last: Option<&'a [u8]>,
    repeated: bool,
}

impl<'a> Nested<'a> {
    #[inline]
    fn push(&mut self, bytes: &'a [u8]) {
        self.repeated |= self.last.is_some();
        self.last = Some(bytes);
    }

    /// The message, merged from its occurrences (field `tag` of `point`),
    /// as prost reads it.
    fn read<M: Message + Default>(
        self,
        point: &[u8],
        tag: u32,
        depth: u32,
    ) -> std::result::Result<Option<M>, WireError> {
        let mut message = None;
        match self.last {
            None => {}
            Some(bytes) if !self.repeated => merge_message(&mut message, bytes, depth)?,
            Some(_) => {
                let mut fields = Entries {
                    fields: Reader::new(point),
                    field: tag,
                };
                fields.try_for_each(|bytes| merge_message(&mut message, bytes, depth))?;
            }
        }
        Ok(message)
    }
}

/// The field numbers of a point message.
struct Layout {
    vectors: u32,
    shard_key: u32,
    order_value: u32,
    /// `score` and `version`, for a `ScoredPoint`.
    scored: bool,
}

const SCORED_POINT: Layout = Layout {
    vectors: 6,
    shard_key: 7,
    order_value: 8,
    scored: true,
};

const RETRIEVED_POINT: Layout = Layout {
    vectors: 4,
    shard_key: 5,
    order_value: 6,
    scored: false,
};

/// Reads a `ScoredPoint` or `RetrievedPoint` message (inlined into each
/// kind's reader, where its layout is a constant).
#[inline(always)]
fn read_point<'a>(
    buf: &'a [u8],
    depth: u32,
    layout: &Layout,
) -> std::result::Result<PointFields<'a>, WireError> {
    check_depth(depth)?;
    let depth = depth - 1;
    let mut point = PointFields {
        id: None,
        payload_entries: 0,
        score: 0.0,
        version: 0,
        vectors: Nested::default(),
        shard_key: Nested::default(),
        order_value: Nested::default(),
    };
    let mut r = Reader::new(buf);
    while let Some((tag, wire_type)) = r.field()? {
        match tag {
            1 => {
                expect(wire_type, LEN)?;
                read_id(r.bytes()?, depth, &mut point.id)?;
            }
            PAYLOAD_FIELD => {
                expect(wire_type, LEN)?;
                check_entry(r.bytes()?, depth)?;
                point.payload_entries += 1;
            }
            3 if layout.scored => {
                expect(wire_type, FIXED32)?;
                point.score = f32::from_le_bytes(r.fixed()?);
            }
            5 if layout.scored => {
                expect(wire_type, VARINT)?;
                point.version = r.varint()?;
            }
            tag if tag == layout.vectors => {
                expect(wire_type, LEN)?;
                point.vectors.push(r.bytes()?);
            }
            tag if tag == layout.shard_key => {
                expect(wire_type, LEN)?;
                point.shard_key.push(r.bytes()?);
            }
            tag if tag == layout.order_value => {
                expect(wire_type, LEN)?;
                point.order_value.push(r.bytes()?);
            }
            _ => r.skip(tag, wire_type, depth)?,
        }
    }
    Ok(point)
}

/// The domain values of a point message.
struct PointParts {
    id: PointId,
    /// A `ScoredPoint`'s only, as `version`.
    score: f32,
    version: u64,
    payload: Payload,
    vectors: Option<Vectors>,
    order_value: Option<OrderValue>,
}

/// The domain values of a point message read by [`read_point`]: the outer
/// error is the answer's (a nested message prost refuses), the inner one
/// this point's (see [`Points`]).
#[inline]
fn point_values(
    fields: PointFields<'_>,
    message: &Bytes,
    buf: &[u8],
    depth: u32,
    layout: &Layout,
    field: &dyn Fn() -> String,
) -> std::result::Result<Result<PointParts>, WireError> {
    // Read only to be checked, as prost would.
    let depth = depth - 1;
    fields
        .shard_key
        .read::<proto::ShardKey>(buf, layout.shard_key, depth)?;
    let order_value = fields
        .order_value
        .read::<proto::OrderValue>(buf, layout.order_value, depth)?;
    let vectors = fields
        .vectors
        .read::<proto::VectorsOutput>(buf, layout.vectors, depth)?;
    let id = match point_id(fields.id, &|| format!("{}.id", field())) {
        Ok(id) => id,
        Err(error) => return Ok(Err(error)),
    };
    let vectors = match vectors.map(|v| Vectors::from_output(v, &|| format!("{}.vectors", field()))) {
        None => None,
        Some(Ok(vectors)) => vectors,
        Some(Err(error)) => return Ok(Err(error)),
    };
    Ok(Ok(PointParts {
        id,
        score: fields.score,
        version: fields.version,
        payload: Payload::received(message.slice_ref(buf), fields.payload_entries),
        vectors,
        order_value: OrderValue::from_proto(order_value),
    }))
}

/// Points read from an answer, and the first that is not a valid point
/// (a missing id, an id that is not a UUID, vectors of no known kind):
/// the error the facade reports once the whole answer has been read.
pub(crate) struct Points<P> {
    points: Vec<P>,
    invalid: Option<Error>,
}

impl<P> Points<P> {
    pub(crate) fn into_result(self) -> Result<Vec<P>> {
        match self.invalid {
            Some(error) => Err(error),
            None => Ok(self.points),
        }
    }

    /// Keeps a valid point, unless an invalid one came before it.
    #[inline]
    fn push(&mut self, point: P) {
        if self.invalid.is_none() {
            self.points.push(point);
        }
    }

    /// Notes a point that is not valid; the first one is reported.
    fn invalid(&mut self, error: Error) {
        self.invalid.get_or_insert(error);
    }
}

/// A kind of point an answer lists.
trait PointKind: Sized {
    /// The field numbers of its message.
    const LAYOUT: Layout;

    /// The point from its parts.
    fn new(parts: PointParts) -> Self;

    /// Reads a point message into `points` (pushed in place: a point is a
    /// few hundred bytes, and each move of it is a copy).
    fn read(
        points: &mut Points<Self>,
        message: &Bytes,
        buf: &[u8],
        depth: u32,
        field: &dyn Fn() -> String,
    ) -> std::result::Result<(), WireError> {
        let fields = read_point(buf, depth, &Self::LAYOUT)?;
        match point_values(fields, message, buf, depth, &Self::LAYOUT, field)? {
            Ok(parts) => points.push(Self::new(parts)),
            Err(error) => points.invalid(error),
        }
        Ok(())
    }
}

impl PointKind for ScoredPoint {
    const LAYOUT: Layout = SCORED_POINT;

    #[inline]
    fn new(parts: PointParts) -> Self {
        ScoredPoint {
            id: parts.id,
            score: parts.score,
            version: parts.version,
            payload: parts.payload,
            vectors: parts.vectors,
            order_value: parts.order_value,
        }
    }
}

impl PointKind for Record {
    const LAYOUT: Layout = RETRIEVED_POINT;

    #[inline]
    fn new(parts: PointParts) -> Self {
        Record {
            id: parts.id,
            payload: parts.payload,
            vectors: parts.vectors,
            order_value: parts.order_value,
        }
    }
}

/// Reads an answer's `repeated` points field (`points_field`) and checks
/// its other fields: `time` (a double), `usage` (a `Usage`), and
/// `next_page_offset` (a `PointId`) when `offset_field` is given.
fn read_answer<'a, P: PointKind>(
    message: &Bytes,
    buf: &'a [u8],
    depth: u32,
    layout: AnswerLayout,
    name: &dyn Fn(usize) -> String,
) -> std::result::Result<(Points<P>, Option<Option<WireId<'a>>>), WireError> {
    let mut points = Points {
        points: Vec::with_capacity(count_fields(buf, layout.points)),
        invalid: None,
    };
    let mut read = 0;
    // `Some(None)`: the field came, with no id in it.
    let mut offset = None;
    let mut usage: Option<proto::Usage> = None;
    let mut r = Reader::new(buf);
    while let Some((tag, wire_type)) = r.field()? {
        if tag == layout.points {
            expect(wire_type, LEN)?;
            P::read(&mut points, message, r.bytes()?, depth, &|| name(read))?;
            read += 1;
        } else if Some(tag) == layout.offset {
            expect(wire_type, LEN)?;
            read_id(r.bytes()?, depth, offset.get_or_insert(None))?;
        } else if Some(tag) == layout.time {
            expect(wire_type, FIXED64)?;
            r.fixed::<8>()?;
        } else if Some(tag) == layout.usage {
            expect(wire_type, LEN)?;
            merge_message(&mut usage, r.bytes()?, depth)?;
        } else {
            r.skip(tag, wire_type, depth)?;
        }
    }
    Ok((points, offset))
}

/// How many times field `tag` comes in a message, for a vector's capacity
/// (a point is a few hundred bytes: growing the vector would move them).
/// Stops at the first unreadable field, which the reading proper reports.
fn count_fields(buf: &[u8], tag: u32) -> usize {
    let mut r = Reader::new(buf);
    let mut count = 0;
    while let Ok(Some((field, wire_type))) = r.field() {
        count += usize::from(field == tag);
        if r.skip(field, wire_type, NESTING_LIMIT).is_err() {
            break;
        }
    }
    count
}

/// The field numbers of an answer (`None`: the message has no such field).
#[derive(Clone, Copy)]
struct AnswerLayout {
    points: u32,
    offset: Option<u32>,
    time: Option<u32>,
    usage: Option<u32>,
}

/// `QueryResponse`, `SearchResponse`, `GetResponse`: points, time, usage.
const POINTS_TIME_USAGE: AnswerLayout = AnswerLayout {
    points: 1,
    offset: None,
    time: Some(2),
    usage: Some(3),
};

/// The points of an answer of `Query` (`QueryResponse`).
pub(crate) struct QueryAnswer(pub(crate) Points<ScoredPoint>);

impl FromWire for QueryAnswer {
    fn from_wire(message: Bytes) -> std::result::Result<Self, WireError> {
        let (points, _) = read_answer(&message, &message, NESTING_LIMIT, POINTS_TIME_USAGE, &|i| {
            format!("result[{i}]")
        })?;
        Ok(QueryAnswer(points))
    }
}

/// The points of an answer of `Get` (`GetResponse`).
pub(crate) struct GetAnswer(pub(crate) Points<Record>);

impl FromWire for GetAnswer {
    fn from_wire(message: Bytes) -> std::result::Result<Self, WireError> {
        let (points, _) = read_answer(&message, &message, NESTING_LIMIT, POINTS_TIME_USAGE, &|i| {
            format!("result[{i}]")
        })?;
        Ok(GetAnswer(points))
    }
}

/// An answer of `Scroll` (`ScrollResponse`): its records, and where the
/// next page starts.
pub(crate) struct ScrollAnswer {
    pub(crate) points: Points<Record>,
    pub(crate) next_page_offset: Option<Result<PointId>>,
}

impl FromWire for ScrollAnswer {
    fn from_wire(message: Bytes) -> std::result::Result<Self, WireError> {
        let layout = AnswerLayout {
            points: 2,
            offset: Some(1),
            time: Some(3),
            usage: Some(4),
        };
        let (points, offset) = read_answer(&message, &message, NESTING_LIMIT, layout, &|i| {
            format!("result[{i}]")
        })?;
        let next_page_offset = offset.map(|id| point_id(id, &|| "next_page_offset".to_owned()));
        Ok(ScrollAnswer {
            points,
            next_page_offset,
        })
    }
}

/// The points of each query of an answer of `QueryBatch`
/// (`QueryBatchResponse`, whose `result` lists `BatchResult`s).
pub(crate) struct QueryBatchAnswer(pub(crate) Vec<Points<ScoredPoint>>);

impl FromWire for QueryBatchAnswer {
    fn from_wire(message: Bytes) -> std::result::Result<Self, WireError> {
        let inner = AnswerLayout {
            points: 1,
            offset: None,
            time: None,
            usage: None,
        };
        let mut batches = Vec::new();
        let mut usage: Option<proto::Usage> = None;
        let mut r = Reader::new(&message);
        while let Some((tag, wire_type)) = r.field()? {
            match tag {
                1 => {
                    expect(wire_type, LEN)?;
                    let batch = r.bytes()?;
                    check_depth(NESTING_LIMIT)?;
                    let b = batches.len();
                    let (points, _) = read_answer(&message, batch, NESTING_LIMIT - 1, inner, &|i| {
                        format!("result[{b}][{i}]")
                    })?;
                    batches.push(points);
                }
                2 => {
                    expect(wire_type, FIXED64)?;
                    r.fixed::<8>()?;
                }
                3 => {
                    expect(wire_type, LEN)?;
                    merge_message(&mut usage, r.bytes()?, NESTING_LIMIT)?;
                }
                _ => r.skip(tag, wire_type, NESTING_LIMIT)?,
            }
        }
        Ok(QueryBatchAnswer(batches))
    }
}

/// `payload_as::<T>()` of a received payload, straight from its bytes:
/// no map, no `serde_json::Value`, no copy of a key or a string.
///
/// It gives only what the map path (payload → `serde_json::Value` → `T`)
/// would give: numbers are visited as `serde_json` visits them
/// (non-negative integers as `u64`, doubles that are not finite as
/// `null`), and whatever it does not take on (a value with two kinds,
/// which protobuf merges, an enum written as an object, keys that are not
/// strings) is an error here, after which the caller takes the map path,
/// which also gives the errors their usual text.
#[cfg(feature = "serde")]
pub(crate) fn deserialize_payload<T: serde::de::DeserializeOwned>(
    point: &[u8],
) -> std::result::Result<T, serde::de::value::Error> {
    T::deserialize(serde_wire::Object {
        entries: payload_entries(point),
        value: &[],
    })
}

#[cfg(feature = "serde")]
mod serde_wire {
    use serde::de::value::Error;
    use serde::de::{self, Error as _, IntoDeserializer, Visitor};

    use super::{Entries, Kind, LEN, NESTING_LIMIT, Reader, value_field};

    fn wire(e: super::WireError) -> Error {
        Error::custom(e)
    }

    /// A `Value` message's one kind (a value with two, which protobuf
    /// merges, is left to the map path).
    fn kind(buf: &[u8]) -> Result<Kind<'_>, Error> {
        let mut r = Reader::new(buf);
        let mut kind = None;
        while let Some((tag, wire_type)) = r.field().map_err(wire)? {
            if let Some(k) = value_field(&mut r, tag, wire_type, NESTING_LIMIT).map_err(wire)?
                && kind.replace(k).is_some()
            {
                return Err(Error::custom("a value with two kinds"));
            }
        }
        Ok(kind.unwrap_or(Kind::Null))
    }

    /// A `Value` message.
    pub(super) struct ValueDe<'a>(&'a [u8]);

    impl<'de> de::Deserializer<'de> for ValueDe<'_> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match kind(self.0)? {
                Kind::Null => visitor.visit_unit(),
                Kind::Double(d) if !d.is_finite() => visitor.visit_unit(),
                Kind::Double(d) => visitor.visit_f64(d),
                Kind::Integer(i) => match u64::try_from(i) {
                    Ok(u) => visitor.visit_u64(u),
                    Err(_) => visitor.visit_i64(i),
                },
                Kind::String(s) => visitor.visit_str(s),
                Kind::Bool(b) => visitor.visit_bool(b),
                Kind::Struct(fields) => visitor.visit_map(Object {
                    entries: Entries {
                        fields: Reader::new(fields),
                        field: 1,
                    },
                    value: &[],
                }),
                Kind::List(values) => visitor.visit_seq(List(Entries {
                    fields: Reader::new(values),
                    field: 1,
                })),
            }
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match kind(self.0)? {
                Kind::Null => visitor.visit_none(),
                Kind::Double(d) if !d.is_finite() => visitor.visit_none(),
                _ => visitor.visit_some(self),
            }
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            match kind(self.0)? {
                Kind::String(s) => visitor.visit_enum(s.into_deserializer()),
                _ => Err(Error::custom("an enum that is not a string")),
            }
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            visitor.visit_newtype_struct(self)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
            identifier ignored_any
        }
    }

    /// The entries of a `map<string, Value>`: the occurrences of `field`
    /// in a message, each an entry message.
    pub(super) struct Object<'a> {
        pub(super) entries: Entries<'a>,
        /// The value of the entry whose key was just given.
        pub(super) value: &'a [u8],
    }

    impl<'de> de::MapAccess<'de> for Object<'_> {
        type Error = Error;

        fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
            let Some(entry) = self.entries.next() else {
                return Ok(None);
            };
            let mut entry = Reader::new(entry);
            let (mut key, mut value) = (None, None);
            while let Some((tag, wire_type)) = entry.field().map_err(wire)? {
                match (tag, wire_type) {
                    (1, LEN) => key = Some(entry.string().map_err(wire)?),
                    (2, LEN) if value.is_none() => value = Some(entry.bytes().map_err(wire)?),
                    (2, LEN) => return Err(Error::custom("an entry with two values")),
                    _ => entry.skip(tag, wire_type, NESTING_LIMIT).map_err(wire)?,
                }
            }
            self.value = value.unwrap_or_default();
            let key: &str = key.unwrap_or_default();
            seed.deserialize(key.into_deserializer()).map(Some)
        }

        fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            seed.deserialize(ValueDe(self.value))
        }
    }

    impl<'de> de::Deserializer<'de> for Object<'_> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_map(self)
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Error> {
            Err(Error::custom("an enum that is not a string"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct identifier ignored_any
        }
    }

    /// The values of a `ListValue`.
    struct List<'a>(Entries<'a>);

    impl<'de> de::SeqAccess<'de> for List<'_> {
        type Error = Error;

        fn next_element_seed<T: de::DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, Error> {
            self.0
                .next()
                .map(|value| seed.deserialize(ValueDe(value)))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::value::Kind;

    fn value(kind: Kind) -> proto::Value {
        proto::Value { kind: Some(kind) }
    }

    fn string(s: &str) -> proto::Value {
        value(Kind::StringValue(s.to_owned()))
    }

    fn payload() -> HashMap<String, proto::Value> {
        let nested = proto::Struct {
            fields: HashMap::from([
                (
                    "deep".to_owned(),
                    value(Kind::ListValue(proto::ListValue {
                        values: vec![
                            value(Kind::IntegerValue(-7)),
                            string(""),
                            value(Kind::NullValue(0)),
                        ],
                    })),
                ),
                ("ünï🦀".to_owned(), value(Kind::BoolValue(true))),
            ]),
        };
        HashMap::from([
            ("color".to_owned(), string("red")),
            ("n".to_owned(), value(Kind::IntegerValue(i64::MIN))),
            ("d".to_owned(), value(Kind::DoubleValue(-0.25))),
            ("".to_owned(), proto::Value { kind: None }),
            ("obj".to_owned(), value(Kind::StructValue(nested))),
        ])
    }

    fn dense(data: Vec<f32>) -> proto::VectorOutput {
        proto::VectorOutput {
            vector: Some(proto::vector_output::Vector::Dense(proto::DenseVector { data })),
            ..Default::default()
        }
    }

    fn scored_points() -> Vec<proto::ScoredPoint> {
        vec![
            proto::ScoredPoint {
                id: Some(PointId::from(7).to_proto()),
                payload: payload(),
                score: 0.5,
                version: 3,
                vectors: Some(proto::VectorsOutput {
                    vectors_options: Some(proto::vectors_output::VectorsOptions::Vector(dense(vec![
                        0.1, 0.2,
                    ]))),
                }),
                shard_key: None,
                order_value: Some(proto::OrderValue {
                    variant: Some(proto::order_value::Variant::Int(-4)),
                }),
            },
            proto::ScoredPoint {
                id: Some(proto::PointId {
                    point_id_options: Some(proto::point_id::PointIdOptions::Uuid(
                        "5c56c793-69f3-4fbf-87e6-c4bf54c28c26".to_owned(),
                    )),
                }),
                payload: HashMap::new(),
                score: f32::MIN_POSITIVE,
                version: u64::MAX,
                vectors: Some(proto::VectorsOutput {
                    vectors_options: Some(proto::vectors_output::VectorsOptions::Vectors(
                        proto::NamedVectorsOutput {
                            vectors: HashMap::from([
                                ("image".to_owned(), dense(vec![1.0])),
                                (
                                    "text".to_owned(),
                                    proto::VectorOutput {
                                        vector: Some(proto::vector_output::Vector::Sparse(
                                            proto::SparseVector {
                                                values: vec![0.5, 0.25],
                                                indices: vec![3, 9],
                                            },
                                        )),
                                        ..Default::default()
                                    },
                                ),
                            ]),
                        },
                    )),
                }),
                shard_key: Some(proto::ShardKey {
                    key: Some(proto::shard_key::Key::Keyword("eu".to_owned())),
                }),
                order_value: Some(proto::OrderValue {
                    variant: Some(proto::order_value::Variant::Float(2.5)),
                }),
            },
            proto::ScoredPoint {
                id: Some(PointId::from(0).to_proto()),
                payload: HashMap::from([("only".to_owned(), string("one"))]),
                ..Default::default()
            },
        ]
    }

    fn retrieved(p: proto::ScoredPoint) -> proto::RetrievedPoint {
        proto::RetrievedPoint {
            id: p.id,
            payload: p.payload,
            vectors: p.vectors,
            shard_key: p.shard_key,
            order_value: p.order_value,
        }
    }

    fn usage() -> Option<proto::Usage> {
        Some(proto::Usage::default())
    }

    /// The outcome of one way of reading an answer, comparable: `None` if
    /// the bytes are not the message, the error's text if a point is not
    /// valid.
    type Outcome<T> = Option<std::result::Result<T, String>>;

    /// prost's outcome, then ours.
    type Both<T> = (Outcome<T>, Outcome<T>);

    /// Whether both readings of an answer agree (and, for some, succeed).
    type Check = fn(&[u8]) -> bool;

    fn outcome<T>(read: std::result::Result<Result<T>, impl Sized>) -> Outcome<T> {
        read.ok().map(|r| r.map_err(|e| e.to_string()))
    }

    fn query_both(bytes: &[u8]) -> Both<Vec<ScoredPoint>> {
        let prost =
            outcome(proto::QueryResponse::decode(bytes).map(|r| ScoredPoint::from_list(r.result, "result")));
        let ours = outcome(QueryAnswer::from_wire(Bytes::copy_from_slice(bytes)).map(|a| a.0.into_result()));
        (prost, ours)
    }

    fn get_both(bytes: &[u8]) -> Both<Vec<Record>> {
        let prost = outcome(proto::GetResponse::decode(bytes).map(|r| Record::from_list(r.result, "result")));
        let ours = outcome(GetAnswer::from_wire(Bytes::copy_from_slice(bytes)).map(|a| a.0.into_result()));
        (prost, ours)
    }

    type Page = (Vec<Record>, Option<PointId>);

    fn scroll_both(bytes: &[u8]) -> Both<Page> {
        let prost = outcome(proto::ScrollResponse::decode(bytes).map(|r| {
            let points = Record::from_list(r.result, "result")?;
            let offset = match r.next_page_offset {
                None => None,
                Some(id) => Some(PointId::from_response(Some(id), &|| {
                    "next_page_offset".to_owned()
                })?),
            };
            Ok((points, offset))
        }));
        let ours = outcome(ScrollAnswer::from_wire(Bytes::copy_from_slice(bytes)).map(|a| {
            let points = a.points.into_result()?;
            Ok((points, a.next_page_offset.transpose()?))
        }));
        (prost, ours)
    }

    fn batch_both(bytes: &[u8]) -> Both<Vec<Vec<ScoredPoint>>> {
        let prost = outcome(proto::QueryBatchResponse::decode(bytes).map(|r| {
            r.result
                .into_iter()
                .enumerate()
                .map(|(i, b)| ScoredPoint::from_list(b.result, &format!("result[{i}]")))
                .collect::<Result<Vec<_>>>()
        }));
        let ours = outcome(
            QueryBatchAnswer::from_wire(Bytes::copy_from_slice(bytes)).map(|a| {
                a.0.into_iter()
                    .map(Points::into_result)
                    .collect::<Result<Vec<_>>>()
            }),
        );
        (prost, ours)
    }

    fn query_response() -> Vec<u8> {
        proto::QueryResponse {
            result: scored_points(),
            time: 0.125,
            usage: usage(),
        }
        .encode_to_vec()
    }

    fn get_response() -> Vec<u8> {
        proto::GetResponse {
            result: scored_points().into_iter().map(retrieved).collect(),
            time: 1.0,
            usage: usage(),
        }
        .encode_to_vec()
    }

    fn scroll_response() -> Vec<u8> {
        proto::ScrollResponse {
            next_page_offset: Some(PointId::from(99).to_proto()),
            result: scored_points().into_iter().map(retrieved).collect(),
            time: 1.0,
            usage: usage(),
        }
        .encode_to_vec()
    }

    fn batch_response() -> Vec<u8> {
        proto::QueryBatchResponse {
            result: vec![
                proto::BatchResult {
                    result: scored_points(),
                },
                proto::BatchResult { result: Vec::new() },
                proto::BatchResult {
                    result: scored_points().into_iter().rev().collect(),
                },
            ],
            time: 1.0,
            usage: usage(),
        }
        .encode_to_vec()
    }

    /// A field of any wire type, as raw bytes.
    fn field(tag: u32, wire_type: u8, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        prost::encoding::encode_varint(u64::from(tag << 3 | u32::from(wire_type)), &mut out);
        if wire_type == LEN {
            prost::encoding::encode_varint(body.len() as u64, &mut out);
        }
        out.extend_from_slice(body);
        out
    }

    /// Fields no declaration names, of every wire type, a group included.
    fn unknown_fields() -> Vec<u8> {
        let mut out = field(40, VARINT, &[0x96, 0x01]);
        out.extend(field(41, FIXED64, &[1; 8]));
        out.extend(field(42, LEN, b"anything"));
        out.extend(field(43, FIXED32, &[2; 4]));
        out.extend(field(44, START_GROUP, &field(1, VARINT, &[5])));
        out.extend(field(44, END_GROUP, &[]));
        out
    }

    #[test]
    fn answers_read_as_prost_and_the_conversion_read_them() {
        let checks: [(&str, Vec<u8>, Check); 4] = [
            ("query", query_response(), |b| {
                let (prost, ours) = query_both(b);
                prost.as_ref().is_some_and(|p| p.is_ok()) && prost == ours
            }),
            ("get", get_response(), |b| {
                let (prost, ours) = get_both(b);
                prost.as_ref().is_some_and(|p| p.is_ok()) && prost == ours
            }),
            ("scroll", scroll_response(), |b| {
                let (prost, ours) = scroll_both(b);
                prost.as_ref().is_some_and(|p| p.is_ok()) && prost == ours
            }),
            ("batch", batch_response(), |b| {
                let (prost, ours) = batch_both(b);
                prost.as_ref().is_some_and(|p| p.is_ok()) && prost == ours
            }),
        ];
        for (name, bytes, same) in checks {
            assert!(same(&bytes), "{name}");
            // Unknown fields at the top level are skipped by both.
            let mut extended = bytes.clone();
            extended.extend(unknown_fields());
            assert!(same(&extended), "{name} with unknown fields");
        }
    }

    /// Point 1 with the payload of [`payload`] and a score of 1, encoded.
    fn first_point() -> Vec<u8> {
        proto::ScoredPoint {
            id: Some(PointId::from(1).to_proto()),
            payload: payload(),
            score: 1.0,
            ..Default::default()
        }
        .encode_to_vec()
    }

    #[test]
    fn unknown_and_repeated_fields_inside_points_and_values_read_as_prost() {
        // A point with unknown fields, a second id, a second score and a
        // payload entry whose value comes twice (structs merge).
        let mut point = first_point();
        point.extend(unknown_fields());
        point.extend(field(1, LEN, &PointId::from(2).to_proto().encode_to_vec()));
        point.extend(field(1, LEN, &[]));
        point.extend(field(3, FIXED32, &2.0f32.to_le_bytes()));
        let object = |key: &str, v: proto::Value| {
            value(Kind::StructValue(proto::Struct {
                fields: HashMap::from([(key.to_owned(), v)]),
            }))
            .encode_to_vec()
        };
        let mut twice = field(1, LEN, b"merged");
        twice.extend(field(2, LEN, &object("a", string("x"))));
        twice.extend(field(2, LEN, &object("b", string("y"))));
        let mut list_value = value(Kind::ListValue(proto::ListValue {
            values: vec![string("1")],
        }))
        .encode_to_vec();
        list_value.extend(
            value(Kind::ListValue(proto::ListValue {
                values: vec![string("2")],
            }))
            .encode_to_vec(),
        );
        list_value.extend(unknown_fields());
        twice.extend(field(2, LEN, &list_value));
        twice.extend(unknown_fields());
        point.extend(field(2, LEN, &twice));
        let mut answer = field(1, LEN, &point);
        answer.extend(field(1, LEN, &point));
        let (prost, ours) = query_both(&answer);
        assert!(prost.as_ref().is_some_and(|p| p.is_ok()), "{prost:?}");
        assert_eq!(prost, ours);
        let hit = &ours.unwrap().unwrap()[0];
        assert_eq!(hit.id, PointId::from(2));
        assert_eq!(hit.score, 2.0);
    }

    /// Nested messages that come more than once are merged as prost
    /// merges them: named vectors from two occurrences, the last order
    /// value, a shard key checked twice. Between them come other fields.
    #[test]
    fn nested_messages_that_come_twice_merge_as_prost() {
        use proto::vectors_output::VectorsOptions;
        let named = |name: &str, data: Vec<f32>| proto::VectorsOutput {
            vectors_options: Some(VectorsOptions::Vectors(proto::NamedVectorsOutput {
                vectors: HashMap::from([(name.to_owned(), dense(data))]),
            })),
        };
        let order = |n: i64| proto::OrderValue {
            variant: Some(proto::order_value::Variant::Int(n)),
        };
        let shard = proto::ShardKey {
            key: Some(proto::shard_key::Key::Number(3)),
        };
        let mut point = first_point();
        point.extend(field(6, LEN, &named("a", vec![0.5]).encode_to_vec()));
        point.extend(field(8, LEN, &order(1).encode_to_vec()));
        point.extend(field(7, LEN, &shard.encode_to_vec()));
        point.extend(unknown_fields());
        point.extend(field(6, LEN, &named("b", vec![0.25, 0.75]).encode_to_vec()));
        point.extend(field(8, LEN, &order(2).encode_to_vec()));
        point.extend(field(7, LEN, &shard.encode_to_vec()));
        let answer = field(1, LEN, &point);
        let (prost, ours) = query_both(&answer);
        assert!(prost.as_ref().is_some_and(|p| p.is_ok()), "{prost:?}");
        assert_eq!(prost, ours);
        let hit = &ours.unwrap().unwrap()[0];
        let Some(Vectors::Named(vectors)) = &hit.vectors else {
            panic!("named vectors: {:?}", hit.vectors);
        };
        assert_eq!(vectors.len(), 2, "both occurrences merged: {vectors:?}");
        assert_eq!(hit.order_value, Some(OrderValue::Int(2)));

        // A broken second occurrence fails the answer, as prost fails it.
        let mut broken = point.clone();
        broken.extend(field(6, LEN, &[0xff]));
        let (prost, ours) = query_both(&field(1, LEN, &broken));
        assert!(prost.is_none() && ours.is_none(), "{prost:?} {ours:?}");
    }

    /// Deterministic pseudo-random numbers for the corruption test.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Every truncation, and thousands of corruptions (a byte changed,
    /// removed or added), are refused exactly when prost refuses them, and
    /// read to the same points and errors when it reads them.
    #[test]
    fn truncated_and_corrupted_answers_fail_exactly_when_prost_fails() {
        let answers: [(Vec<u8>, Check); 4] = [
            (query_response(), |b| {
                let (prost, ours) = query_both(b);
                prost == ours
            }),
            (get_response(), |b| {
                let (prost, ours) = get_both(b);
                prost == ours
            }),
            (scroll_response(), |b| {
                let (prost, ours) = scroll_both(b);
                prost == ours
            }),
            (batch_response(), |b| {
                let (prost, ours) = batch_both(b);
                prost == ours
            }),
        ];
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut refused = 0;
        for (bytes, same) in answers {
            for end in 0..bytes.len() {
                assert!(same(&bytes[..end]), "truncated at {end}: {:?}", &bytes[..end]);
            }
            for _ in 0..4000 {
                let mut corrupt = bytes.clone();
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(corrupt.len());
                    match rng.below(3) {
                        0 => corrupt[at] = rng.next() as u8,
                        1 => {
                            corrupt.remove(at);
                        }
                        _ => corrupt.insert(at, rng.next() as u8),
                    }
                }
                assert!(same(&corrupt), "{corrupt:?}");
                refused += usize::from(QueryAnswer::from_wire(Bytes::from(corrupt)).is_err());
            }
        }
        // The corruptions reached the checks, not only the happy path.
        assert!(refused > 1000, "{refused}");
    }

    /// Point ids and versions of every varint length, and ids not in the
    /// plain form, read as prost reads them.
    #[test]
    fn varints_of_every_length_read_as_prost() {
        let mut numbers: Vec<Vec<u8>> = (0..64)
            .map(|shift| {
                let mut out = Vec::new();
                prost::encoding::encode_varint((1u64 << shift) | 1, &mut out);
                out
            })
            .collect();
        numbers.extend([
            vec![0x80, 0x00],
            vec![0xff; 9],
            [vec![0xff; 9], vec![0x01]].concat(),
            [vec![0xff; 9], vec![0x02]].concat(),
            [vec![0x80; 10], vec![0x00]].concat(),
            vec![],
        ]);
        let mut read = 0;
        for number in &numbers {
            let ids = [
                [vec![NUM_KEY], number.clone()].concat(),
                [vec![NUM_KEY], number.clone(), vec![NUM_KEY, 3]].concat(),
                [vec![NUM_KEY], number.clone(), field(2, LEN, b"x")].concat(),
            ];
            for id in ids {
                let point = [field(1, LEN, &id), field(5, VARINT, number)].concat();
                let answer = field(1, LEN, &point);
                let (prost, ours) = query_both(&answer);
                assert_eq!(prost, ours, "id {id:?}");
                read += usize::from(matches!(ours, Some(Ok(_))));
            }
        }
        // Most of them are valid answers, not only refusals.
        assert!(read >= 64, "{read} answers read");
    }

    /// Payload entries near the edges of the form read without the general
    /// reader (`plain_entry`): each is accepted or refused as prost does,
    /// and reads back to the same values.
    #[test]
    fn payload_entries_at_the_edges_of_the_plain_form_read_as_prost() {
        let varint = |v: u64| {
            let mut out = Vec::new();
            prost::encoding::encode_varint(v, &mut out);
            out
        };
        let values: Vec<Vec<u8>> = vec![
            vec![],
            vec![NULL_KEY, 0],
            vec![NULL_KEY, 0x80, 0x01],
            vec![NULL_KEY],
            [vec![DOUBLE_KEY], 1.5f64.to_le_bytes().to_vec()].concat(),
            [vec![DOUBLE_KEY], vec![0; 7]].concat(),
            [vec![DOUBLE_KEY], vec![0; 9]].concat(),
            [vec![INTEGER_KEY], varint(0)].concat(),
            [vec![INTEGER_KEY], varint(300)].concat(),
            [vec![INTEGER_KEY], varint(1 << 62)].concat(),
            [vec![INTEGER_KEY], varint(1 << 63)].concat(),
            [vec![INTEGER_KEY], varint(u64::MAX)].concat(),
            vec![
                INTEGER_KEY,
                0xff,
                0xff,
                0xff,
                0xff,
                0xff,
                0xff,
                0xff,
                0xff,
                0xff,
                0x02,
            ],
            vec![
                INTEGER_KEY,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x01,
            ],
            vec![INTEGER_KEY, 0x80],
            vec![INTEGER_KEY, 0x85, 0x00],
            [vec![INTEGER_KEY], varint(7), vec![NULL_KEY, 0]].concat(),
            field(4, LEN, b"red"),
            field(4, LEN, "Größe ✓".as_bytes()),
            field(4, LEN, &[b'a', 0xff]),
            field(4, LEN, &[0xc3]),
            field(4, LEN, &[b'x'; 200]),
            vec![STRING_KEY, 3, b'a', b'b'],
            vec![STRING_KEY, 1, b'a', b'b'],
            vec![BOOL_KEY, 1],
            vec![BOOL_KEY, 2],
            vec![BOOL_KEY, 0x81, 0x00],
            vec![6 << 3 | LEN, 0],
            vec![9 << 3 | VARINT, 1],
            vec![1 << 3 | LEN, 0],
        ];
        let keys: [&[u8]; 4] = [b"n", b"", &[0xff], &[b'k'; 130]];
        // Both sides of each check are reached: entries read on the plain
        // path, entries accepted by the general reader, entries refused.
        let (mut plain, mut accepted, mut refused) = (0, 0, 0);
        for key in keys {
            for value in &values {
                let entries = [
                    [field(1, LEN, key), field(2, LEN, value)].concat(),
                    field(2, LEN, value),
                    field(1, LEN, key),
                    [field(1, LEN, key), field(2, LEN, value), field(1, LEN, b"m")].concat(),
                    [field(2, LEN, value), field(1, LEN, key)].concat(),
                ];
                for entry in entries {
                    let point = [field(1, LEN, &field(1, VARINT, &[7])), field(2, LEN, &entry)].concat();
                    let answer = field(1, LEN, &point);
                    let (prost, ours) = query_both(&answer);
                    assert_eq!(prost, ours, "entry {entry:?}");
                    match (&ours, plain_entry(&entry)) {
                        (Some(Ok(_)), Some(_)) => plain += 1,
                        (Some(Ok(_)), None) => accepted += 1,
                        _ => refused += 1,
                    }
                }
            }
        }
        assert!(
            plain >= 10 && accepted >= 10 && refused >= 10,
            "{plain} {accepted} {refused}"
        );
    }

    #[test]
    fn nesting_is_limited_where_prost_limits_it() {
        for depth in [1, 10, 20, 30, 31, 32, 33, 34, 40, 60] {
            let mut v = string("leaf");
            for level in 0..depth {
                v = if level % 2 == 0 {
                    value(Kind::ListValue(proto::ListValue { values: vec![v] }))
                } else {
                    value(Kind::StructValue(proto::Struct {
                        fields: HashMap::from([("k".to_owned(), v)]),
                    }))
                };
            }
            let answer = proto::QueryResponse {
                result: vec![proto::ScoredPoint {
                    id: Some(PointId::from(1).to_proto()),
                    payload: HashMap::from([("v".to_owned(), v)]),
                    ..Default::default()
                }],
                ..Default::default()
            }
            .encode_to_vec();
            let (prost, ours) = query_both(&answer);
            assert_eq!(prost, ours, "depth {depth}");
            if depth == 60 {
                assert!(ours.is_none(), "60 levels are past prost's limit");
            }
        }
    }

    #[test]
    fn invalid_points_are_named_as_the_conversion_names_them() {
        let mut points = scored_points();
        points[1].id = None;
        points[2].id = Some(proto::PointId {
            point_id_options: Some(proto::point_id::PointIdOptions::Uuid("nope".to_owned())),
        });
        let answer = proto::QueryResponse {
            result: points,
            ..Default::default()
        }
        .encode_to_vec();
        let (prost, ours) = query_both(&answer);
        assert_eq!(prost, ours);
        assert!(ours.unwrap().unwrap_err().contains("result[1].id"));
        let empty_offset = proto::ScrollResponse {
            next_page_offset: Some(proto::PointId::default()),
            ..Default::default()
        }
        .encode_to_vec();
        let (prost, ours) = scroll_both(&empty_offset);
        assert_eq!(prost, ours);
        assert!(ours.unwrap().unwrap_err().contains("next_page_offset"));
    }

    #[test]
    fn a_received_payload_behaves_as_a_map() {
        let answer = Bytes::from(query_response());
        let hits = QueryAnswer::from_wire(answer).unwrap().0.into_result().unwrap();
        let expected = Payload::from_proto(payload());
        let mut hit = hits[0].clone();
        assert_eq!(hit.payload, expected);
        let debug = format!("{:?}", hit.payload);
        assert!(
            debug.starts_with("Payload({") && debug.contains(r#""color": String("red")"#),
            "{debug}"
        );
        assert_eq!(hit.payload.get("color").and_then(Value::as_str), Some("red"));
        assert_eq!(hit.payload.len(), 5);
        // Changing it reads it first; the copy made before is unchanged.
        let copy = hit.payload.clone();
        hit.payload.insert("color", "blue");
        assert_eq!(hit.payload.remove("n"), Some(Value::Integer(i64::MIN)));
        assert_eq!(copy, expected);
        assert_eq!(hit.payload.get("color").and_then(Value::as_str), Some("blue"));
        assert_eq!(hit.payload.clone().into_inner().len(), 4);
        // A point without payload holds no bytes.
        assert!(hits[1].payload.is_empty());
        assert!(!hits[1].payload.holds_answer_bytes());
        // The bytes of an answer may be read from several threads at once.
        let shared = std::sync::Arc::new(hits[2].payload.clone());
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let shared = shared.clone();
                std::thread::spawn(move || shared.get("only").cloned())
            })
            .collect();
        for reader in readers {
            assert_eq!(reader.join().unwrap(), Some(Value::from("one")));
        }
    }

    /// `payload_as` read straight from the bytes gives what the map path
    /// gives, for the types callers use; what it does not take on falls
    /// back to the map path, errors included.
    #[cfg(feature = "serde")]
    #[test]
    fn typed_payloads_read_from_the_bytes_as_through_json() {
        use serde::Deserialize;

        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Tag {
            Red,
            Blue,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(i64),
            Text(String),
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Inner {
            deep: Vec<Option<serde_json::Value>>,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Doc {
            color: Tag,
            n: i64,
            big: u64,
            d: f64,
            nan: Option<f64>,
            missing: Option<String>,
            obj: Inner,
            either: Either,
            list: Vec<u8>,
        }
        let mut fields = HashMap::from([
            ("color".to_owned(), string("red")),
            ("n".to_owned(), value(Kind::IntegerValue(-3))),
            ("big".to_owned(), value(Kind::IntegerValue(i64::MAX))),
            ("d".to_owned(), value(Kind::DoubleValue(2.0))),
            ("nan".to_owned(), value(Kind::DoubleValue(f64::NAN))),
            (
                "obj".to_owned(),
                value(Kind::StructValue(proto::Struct {
                    fields: HashMap::from([(
                        "deep".to_owned(),
                        value(Kind::ListValue(proto::ListValue {
                            values: vec![
                                value(Kind::IntegerValue(1)),
                                proto::Value { kind: None },
                                string("s"),
                            ],
                        })),
                    )]),
                })),
            ),
            ("either".to_owned(), string("x")),
            (
                "list".to_owned(),
                value(Kind::ListValue(proto::ListValue {
                    values: vec![value(Kind::IntegerValue(1)), value(Kind::IntegerValue(255))],
                })),
            ),
        ]);
        let point = |fields: HashMap<String, proto::Value>| {
            proto::ScoredPoint {
                id: Some(PointId::from(1).to_proto()),
                payload: fields,
                ..Default::default()
            }
            .encode_to_vec()
        };
        fn both<T: serde::de::DeserializeOwned + PartialEq + fmt::Debug>(
            bytes: &[u8],
        ) -> (Option<T>, std::result::Result<T, String>) {
            let direct = deserialize_payload::<T>(bytes).ok();
            let payload = Payload::received(Bytes::copy_from_slice(bytes), 1);
            let through_json =
                serde_json::from_value::<T>(serde_json::Value::from(Value::Object(payload.into_inner())))
                    .map_err(|e| e.to_string());
            if let Some(direct) = &direct {
                assert_eq!(Ok(direct), through_json.as_ref(), "the direct reading differs");
            }
            (direct, through_json)
        }
        let bytes = point(fields.clone());
        let (direct, json) = both::<Doc>(&bytes);
        assert!(direct.is_some(), "{json:?}");
        let doc = json.unwrap();
        assert_eq!(
            (doc.color, doc.nan, doc.big, doc.list),
            (Tag::Red, None, i64::MAX as u64, vec![1, 255])
        );
        assert!(both::<serde_json::Value>(&bytes).0.is_some());
        assert!(both::<HashMap<String, serde_json::Value>>(&bytes).0.is_some());
        assert!(both::<HashMap<String, Value>>(&bytes).0.is_some());
        // Errors: the same either way, since they come from the map path.
        let (direct, json) = both::<HashMap<String, u8>>(&bytes);
        assert!(direct.is_none() && json.is_err());
        fields.insert("color".to_owned(), string("green"));
        let (direct, json) = both::<Doc>(&point(fields.clone()));
        assert!(direct.is_none());
        assert!(json.unwrap_err().contains("unknown variant `green`"));
        // Two kinds in one value (protobuf merges them): the map path.
        fields.insert("color".to_owned(), string("blue"));
        let mut bytes = point(fields);
        let mut twice = field(1, LEN, b"extra");
        let mut merged = string("a").encode_to_vec();
        merged.extend(value(Kind::IntegerValue(1)).encode_to_vec());
        twice.extend(field(2, LEN, &merged));
        bytes.extend(field(PAYLOAD_FIELD, LEN, &twice));
        let (direct, json) = both::<HashMap<String, serde_json::Value>>(&bytes);
        assert!(direct.is_none());
        assert_eq!(json.unwrap()["extra"], serde_json::json!(1));
        // And through the public call, which falls back by itself.
        let received = Payload::received(Bytes::from(bytes), 10);
        let map: HashMap<String, serde_json::Value> = received.deserialize().unwrap();
        assert_eq!(map["extra"], serde_json::json!(1));
        let doc: Doc = received.deserialize().unwrap();
        assert_eq!(doc.color, Tag::Blue);
    }
}
