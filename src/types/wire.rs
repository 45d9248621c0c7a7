//! Hand-written protobuf encoding of points, for the hot path of writes.
//!
//! prost encodes a `repeated float` one value at a time; a dense vector is
//! written here as one copy of its bytes (on little-endian targets), and a
//! point is encoded straight from the domain [`Point`], with no
//! intermediate proto value for its id, vectors or payload (converting a
//! payload into a `HashMap<String, proto::Value>` first would allocate a
//! map per point and a message per nested value). The bytes are exactly
//! what prost would produce for the same `PointStruct`, map entries aside
//! (a map's entries come in the order of its iteration, in prost as here),
//! which the tests check.

use std::sync::{Arc, Mutex};

use prost::Message;
use prost::encoding::{encode_varint, encoded_len_varint};

use crate::proto;
use crate::types::payload::{Payload, Value};
use crate::types::point::{Point, PointId};
use crate::types::vector::{SparseVector, Vector, Vectors};

/// Fields 101, 102 and 103 of `Vector` (`dense`, `sparse`,
/// `multi_dense`), length-delimited.
const TAG_VECTOR_DENSE: u64 = (101 << 3) | 2;
const TAG_VECTOR_SPARSE: u64 = (102 << 3) | 2;
const TAG_VECTOR_MULTI_DENSE: u64 = (103 << 3) | 2;

/// A point ready to be written: the point, borrowed (moving a few hundred
/// bytes per point into another vector costs more than its payload's
/// encoding), and the length of its message.
#[derive(Clone, Copy)]
pub(crate) struct WirePoint<'a> {
    point: &'a Point,
    /// Length of the `PointStruct` message.
    len: usize,
}

impl<'a> WirePoint<'a> {
    pub(crate) fn new(point: &'a Point) -> Self {
        let len = field_len(1, id_len(&point.id))
            + payload_len(3, &point.payload)
            + field_len(4, vectors_len(&point.vectors));
        WirePoint { point, len }
    }

    /// Bytes this point adds to a request, as field 3 of `UpsertPoints`.
    pub(crate) fn framed_len(&self) -> usize {
        field_len(3, self.len)
    }

    /// Writes the point as field `field` (length-delimited). Returns false
    /// if a vector holds a NaN or an infinity, which the copy checks.
    #[must_use]
    pub(crate) fn encode(&self, field: u32, buf: &mut Vec<u8>) -> bool {
        let Point {
            id, payload, vectors, ..
        } = self.point;
        write_key(field, buf);
        put_varint(self.len as u64, buf);
        write_key(1, buf);
        put_varint(id_len(id) as u64, buf);
        encode_id(id, buf);
        encode_payload(3, payload, buf);
        write_key(4, buf);
        put_varint(vectors_len(vectors) as u64, buf);
        encode_vectors(vectors, buf)
    }

    /// The point's vectors, for the error once `encode` found a bad value.
    pub(crate) fn vectors(&self) -> &'a Vectors {
        &self.point.vectors
    }
}

/// Length of a `PointId` message: `num = 1` (uint64) or `uuid = 2`
/// (string), a oneof, so written even when zero or empty.
fn id_len(id: &PointId) -> usize {
    if let Some(n) = id.as_u64() {
        1 + encoded_len_varint(n)
    } else if id.as_uuid().is_some() {
        field_len(2, uuid::fmt::Hyphenated::LENGTH)
    } else {
        // A string that is not a UUID, refused before anything is sent.
        id.to_proto().encoded_len()
    }
}

/// Writes a `PointId` message's field.
fn encode_id(id: &PointId, buf: &mut Vec<u8>) {
    if let Some(n) = id.as_u64() {
        buf.push(TAG_ID_NUM);
        put_varint(n, buf);
    } else if let Some(uuid) = id.as_uuid() {
        write_key(2, buf);
        put_varint(uuid::fmt::Hyphenated::LENGTH as u64, buf);
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        buf.extend_from_slice(uuid.hyphenated().encode_lower(&mut text).as_bytes());
    } else {
        id.to_proto().encode_raw(buf);
    }
}

/// Keys of `PointId.num` and of the scalar cases of the `Value` oneof:
/// `null_value = 1` (enum), `double_value = 2` (64-bit), `integer_value = 3`
/// (int64 varint), `bool_value = 5`; its other cases (`string_value = 4`,
/// `struct_value = 6`, `list_value = 7`) are length-delimited.
const TAG_ID_NUM: u8 = 1 << 3;
const TAG_NULL: u8 = 1 << 3;
const TAG_DOUBLE: u8 = (2 << 3) | 1;
const TAG_INTEGER: u8 = 3 << 3;
const TAG_BOOL: u8 = 5 << 3;

/// Length of a payload as field `field`: one map entry per key.
fn payload_len(field: u32, payload: &Payload) -> usize {
    if let Some(block) = retaggable_block(field, payload) {
        return block.len();
    }
    match payload.entry_bytes() {
        Some(entries) => entries.map(|entry| field_len(field, entry.len())).sum(),
        None => payload
            .iter()
            .map(|(key, value)| field_len(field, value_entry_len(key, value)))
            .sum(),
    }
}

/// Writes a payload as field `field`, one map entry per key.
fn encode_payload(field: u32, payload: &Payload, buf: &mut Vec<u8>) {
    if let Some(block) = retaggable_block(field, payload) {
        let start = buf.len();
        buf.extend_from_slice(block);
        retag(field, &mut buf[start..]);
        return;
    }
    match payload.entry_bytes() {
        Some(entries) => {
            for entry in entries {
                write_key(field, buf);
                put_varint(entry.len() as u64, buf);
                buf.extend_from_slice(entry);
            }
        }
        None => {
            for (key, value) in payload.iter() {
                encode_entry(field, key, value, buf);
            }
        }
    }
}

/// The entries of a payload this crate wrote, when they can go into a
/// request as one block with only their keys changed to `field`'s: both
/// keys take one byte.
fn retaggable_block(field: u32, payload: &Payload) -> Option<&[u8]> {
    const _: () = assert!(crate::types::decode::PAYLOAD_FIELD < 16);
    if field >= 16 {
        return None;
    }
    payload.entries_block()
}

/// Gives each length-delimited entry of `block` the key of `field` (one
/// byte): the block was written by this crate, so every entry is a key
/// byte, a length and that many bytes.
fn retag(field: u32, mut block: &mut [u8]) {
    let key = (field << 3 | 2) as u8;
    while let Some((first, rest)) = block.split_first_mut() {
        *first = key;
        let mut lengths = &rest[..];
        let Ok(len) = prost::encoding::decode_varint(&mut lengths) else {
            return;
        };
        let skip = (rest.len() - lengths.len()).saturating_add(len as usize);
        block = rest.get_mut(skip..).unwrap_or_default();
    }
}

/// Length of a `map<string, Value>` entry (`key = 1`, `value = 2`). As in
/// prost, an empty key is left out; a value never is, since every domain
/// value sets the oneof, and so differs from the default message.
fn value_entry_len(key: &str, value: &Value) -> usize {
    key_len(key) + field_len(2, value_len(value))
}

/// Length of an entry's `key = 1` field: nothing for an empty key.
fn key_len(key: &str) -> usize {
    if key.is_empty() {
        0
    } else {
        field_len(1, key.len())
    }
}

/// Length of a `Value` message: its oneof case, written even when it holds
/// a default (`0`, `false`, `""`, an empty list or struct).
fn value_len(value: &Value) -> usize {
    match value {
        Value::Null => 2,
        Value::Bool(_) => 2,
        Value::Integer(i) => 1 + encoded_len_varint(*i as u64),
        Value::Double(_) => 9,
        Value::String(s) => field_len(4, s.len()),
        Value::Object(fields) => field_len(6, struct_len(fields)),
        Value::List(values) => field_len(7, list_len(values)),
    }
}

/// Length of `Struct { map<string, Value> fields = 1 }`.
fn struct_len(fields: &std::collections::HashMap<String, Value>) -> usize {
    fields
        .iter()
        .map(|(key, value)| field_len(1, value_entry_len(key, value)))
        .sum()
}

/// Length of `ListValue { repeated Value values = 1 }`.
fn list_len(values: &[Value]) -> usize {
    values.iter().map(|value| field_len(1, value_len(value))).sum()
}

/// Writes a map entry as field `field`.
fn encode_entry(field: u32, key: &str, value: &Value, buf: &mut Vec<u8>) {
    let value_len = value_len(value);
    write_key(field, buf);
    put_varint((key_len(key) + field_len(2, value_len)) as u64, buf);
    write_entry_key(key, buf);
    write_key(2, buf);
    put_varint(value_len as u64, buf);
    encode_value(value, buf);
}

/// Writes a `Value` message's field.
fn encode_value(value: &Value, buf: &mut Vec<u8>) {
    match value {
        Value::Null => write_null(buf),
        Value::Bool(b) => write_bool(*b, buf),
        Value::Integer(i) => write_integer(*i, buf),
        Value::Double(d) => write_double(*d, buf),
        Value::String(s) => write_string(s, buf),
        Value::Object(fields) => {
            write_key(6, buf);
            put_varint(struct_len(fields) as u64, buf);
            for (key, value) in fields {
                encode_entry(1, key, value, buf);
            }
        }
        Value::List(values) => {
            write_key(7, buf);
            put_varint(list_len(values) as u64, buf);
            for value in values {
                write_key(1, buf);
                put_varint(value_len(value) as u64, buf);
                encode_value(value, buf);
            }
        }
    }
}

/// A map entry's `key = 1` field; an empty key is left out, as prost
/// leaves it out.
#[inline]
pub(crate) fn write_entry_key(key: &str, buf: &mut Vec<u8>) {
    if !key.is_empty() {
        write_key(1, buf);
        put_varint(key.len() as u64, buf);
        buf.extend_from_slice(key.as_bytes());
    }
}

/// The scalar cases of a `Value` message, each its one field.
#[inline]
pub(crate) fn write_null(buf: &mut Vec<u8>) {
    buf.extend_from_slice(&[TAG_NULL, proto::NullValue::NullValue as u8]);
}

#[inline]
pub(crate) fn write_bool(b: bool, buf: &mut Vec<u8>) {
    buf.extend_from_slice(&[TAG_BOOL, u8::from(b)]);
}

#[inline]
pub(crate) fn write_integer(i: i64, buf: &mut Vec<u8>) {
    buf.push(TAG_INTEGER);
    put_varint(i as u64, buf);
}

#[inline]
pub(crate) fn write_double(d: f64, buf: &mut Vec<u8>) {
    buf.push(TAG_DOUBLE);
    buf.extend_from_slice(&d.to_le_bytes());
}

#[inline]
pub(crate) fn write_string(s: &str, buf: &mut Vec<u8>) {
    write_key(4, buf);
    put_varint(s.len() as u64, buf);
    buf.extend_from_slice(s.as_bytes());
}

/// Length of a length-delimited field of `len` bytes, with its key.
fn field_len(field: u32, len: usize) -> usize {
    encoded_len_varint(u64::from(field << 3 | 2)) + encoded_len_varint(len as u64) + len
}

/// prost's `encode_varint` with the one-byte case inline: most keys and
/// lengths of a payload take one byte, and prost's loop is a call.
#[inline(always)]
pub(crate) fn put_varint(value: u64, buf: &mut Vec<u8>) {
    if value < 0x80 {
        buf.push(value as u8);
    } else {
        encode_varint(value, buf);
    }
}

pub(crate) fn write_key(field: u32, buf: &mut Vec<u8>) {
    put_varint(u64::from(field << 3 | 2), buf);
}

/// Length of a packed `repeated float` field's payload.
fn floats_len(data: &[f32]) -> usize {
    data.len() * 4
}

/// Length of a message holding one packed `repeated float` as field 1
/// (`DenseVector`), or nothing when empty, as prost writes it.
fn dense_message_len(data: &[f32]) -> usize {
    if data.is_empty() {
        0
    } else {
        field_len(1, floats_len(data))
    }
}

fn indices_len(indices: &[u32]) -> usize {
    indices.iter().map(|&i| encoded_len_varint(u64::from(i))).sum()
}

/// Length of `SparseVector { values = 1, indices = 2 }`.
fn sparse_message_len(sparse: &SparseVector) -> usize {
    let values = dense_message_len(&sparse.values);
    let indices = if sparse.indices.is_empty() {
        0
    } else {
        field_len(2, indices_len(&sparse.indices))
    };
    values + indices
}

/// Length of `MultiDenseVector { repeated DenseVector vectors = 1 }`.
fn multi_dense_message_len(rows: &[Vec<f32>]) -> usize {
    rows.iter().map(|row| field_len(1, dense_message_len(row))).sum()
}

/// Length of a `Vector` message.
fn vector_len(vector: &Vector) -> usize {
    let (tag, inner) = match vector {
        Vector::Dense(data) => (TAG_VECTOR_DENSE, dense_message_len(data)),
        Vector::Sparse(sparse) => (TAG_VECTOR_SPARSE, sparse_message_len(sparse)),
        Vector::MultiDense(rows) => (TAG_VECTOR_MULTI_DENSE, multi_dense_message_len(rows)),
        other => return other.clone().into_proto().encoded_len(),
    };
    encoded_len_varint(tag) + encoded_len_varint(inner as u64) + inner
}

/// Writes a `DenseVector`'s fields (or a `SparseVector`'s values); false if
/// a value is not finite.
fn encode_dense_message(data: &[f32], buf: &mut Vec<u8>) -> bool {
    dense_message(data, buf, true)
}

/// [`encode_dense_message`], checking the values only when `check` is set
/// (a query's values were checked when it was built).
#[inline(always)]
fn dense_message(data: &[f32], buf: &mut Vec<u8>, check: bool) -> bool {
    if data.is_empty() {
        return true;
    }
    write_key(1, buf);
    put_varint(floats_len(data) as u64, buf);
    put_floats(data, buf, check)
}

/// Writes a `Vector` message's fields; false if a value is not finite.
fn encode_vector(vector: &Vector, buf: &mut Vec<u8>) -> bool {
    match vector {
        Vector::Dense(data) => {
            put_varint(TAG_VECTOR_DENSE, buf);
            put_varint(dense_message_len(data) as u64, buf);
            encode_dense_message(data, buf)
        }
        Vector::Sparse(sparse) => {
            put_varint(TAG_VECTOR_SPARSE, buf);
            put_varint(sparse_message_len(sparse) as u64, buf);
            let finite = encode_dense_message(&sparse.values, buf);
            if !sparse.indices.is_empty() {
                write_key(2, buf);
                put_varint(indices_len(&sparse.indices) as u64, buf);
                for &i in &sparse.indices {
                    put_varint(u64::from(i), buf);
                }
            }
            finite
        }
        Vector::MultiDense(rows) => {
            put_varint(TAG_VECTOR_MULTI_DENSE, buf);
            put_varint(multi_dense_message_len(rows) as u64, buf);
            rows.iter().fold(true, |finite, row| {
                write_key(1, buf);
                put_varint(dense_message_len(row) as u64, buf);
                encode_dense_message(row, buf) & finite
            })
        }
        // Inference inputs carry no vector data to copy.
        other => {
            other.clone().into_proto().encode_raw(buf);
            true
        }
    }
}

/// Length of a `Vectors` message.
fn vectors_len(vectors: &Vectors) -> usize {
    match vectors {
        Vectors::Single(v) => field_len(1, vector_len(v)),
        Vectors::Named(map) => field_len(2, named_len(map)),
    }
}

/// Length of `NamedVectors`: one map entry (`key = 1`, `value = 2`) per name.
fn named_len(map: &std::collections::HashMap<String, Vector>) -> usize {
    map.iter().map(|(name, v)| field_len(1, entry_len(name, v))).sum()
}

fn entry_len(name: &str, vector: &Vector) -> usize {
    let key = if name.is_empty() {
        0
    } else {
        field_len(1, name.len())
    };
    key + field_len(2, vector_len(vector))
}

/// Writes a `Vectors` message's fields; false if a value is not finite.
fn encode_vectors(vectors: &Vectors, buf: &mut Vec<u8>) -> bool {
    match vectors {
        Vectors::Single(v) => {
            write_key(1, buf);
            put_varint(vector_len(v) as u64, buf);
            encode_vector(v, buf)
        }
        Vectors::Named(map) => {
            write_key(2, buf);
            put_varint(named_len(map) as u64, buf);
            map.iter().fold(true, |finite, (name, v)| {
                write_key(1, buf);
                put_varint(entry_len(name, v) as u64, buf);
                if !name.is_empty() {
                    write_key(1, buf);
                    put_varint(name.len() as u64, buf);
                    buf.extend_from_slice(name.as_bytes());
                }
                write_key(2, buf);
                put_varint(vector_len(v) as u64, buf);
                encode_vector(v, buf) & finite
            })
        }
    }
}

/// Floats copied per block by [`put_floats`].
const BLOCK: usize = 16;

/// Appends floats as little-endian bytes and returns whether all of them
/// are finite: the one pass over the caller's values both checks and
/// copies them.
///
/// On little-endian targets the copy goes in 64-byte blocks that the
/// compiler inlines as vector moves: the destination follows a varint
/// header, so it is rarely aligned, and libc's `rep movsb` copy is markedly
/// slower into an unaligned destination on some CPUs (a third slower on the
/// AMD EPYC the benchmarks ran on).
///
/// Without `check` the values are copied only, and reported finite.
#[inline(always)]
fn put_floats(data: &[f32], buf: &mut Vec<u8>, check: bool) -> bool {
    buf.reserve(floats_len(data));
    let mut blocks = data.chunks_exact(BLOCK);
    let mut finite = true;
    for block in &mut blocks {
        if check {
            finite &= block.iter().fold(true, |all, v| all & v.is_finite());
        }
        write_block(block, buf);
    }
    let rest = blocks.remainder();
    if check {
        finite &= rest.iter().all(|v| v.is_finite());
    }
    write_block(rest, buf);
    finite
}

fn write_block(block: &[f32], buf: &mut Vec<u8>) {
    if cfg!(target_endian = "little") {
        buf.extend_from_slice(bytemuck::cast_slice(block));
    } else {
        for v in block {
            buf.extend_from_slice(&v.to_le_bytes());
        }
    }
}

/// A `QueryPoints` request framed, with exactly prost's bytes; a dense
/// `nearest` query (the common search) has its floats copied in blocks
/// instead of one at a time. Its fields 1 to 3 (`collection_name`,
/// `prefetch`, `query`) are written here, in field order, and prost writes
/// the others after them; `request` is left as it was given.
pub(crate) fn encode_query_points(request: &mut proto::QueryPoints) -> Framed {
    use proto::{query, vector_input};
    let query = request.query.take();
    let Some(proto::Query {
        variant:
            Some(query::Variant::Nearest(proto::VectorInput {
                variant: Some(vector_input::Variant::Dense(proto::DenseVector { data })),
            })),
    }) = &query
    else {
        request.query = query;
        return Framed::encode(request);
    };
    let name = std::mem::take(&mut request.collection_name);
    let prefetch = std::mem::take(&mut request.prefetch);
    let dense_len = dense_message_len(data);
    let input_len = field_len(2, dense_len);
    let query_len = field_len(1, input_len);
    let name_len = if name.is_empty() {
        0
    } else {
        field_len(1, name.len())
    };
    let prefetch_len: usize = prefetch
        .iter()
        .map(|p| prost::encoding::message::encoded_len(2, p))
        .sum();
    let mut buf = Framed::buffer(name_len + prefetch_len + field_len(3, query_len) + request.encoded_len());
    if !name.is_empty() {
        write_key(1, &mut buf);
        put_varint(name.len() as u64, &mut buf);
        buf.extend_from_slice(name.as_bytes());
    }
    for p in &prefetch {
        prost::encoding::message::encode(2, p, &mut buf);
    }
    write_key(3, &mut buf);
    put_varint(query_len as u64, &mut buf);
    write_key(1, &mut buf);
    put_varint(input_len as u64, &mut buf);
    write_key(2, &mut buf);
    put_varint(dense_len as u64, &mut buf);
    // The query's values were checked when it was built: copied without
    // a second look.
    dense_message(data, &mut buf, false);
    request.encode_raw(&mut buf);
    request.collection_name = name;
    request.prefetch = prefetch;
    request.query = query;
    Framed::finish(buf)
}

/// A protobuf message behind gRPC's 5-byte frame header (compression flag,
/// big-endian length), written into one buffer so that it is sent as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Framed(bytes::Bytes);

/// Bytes of the gRPC frame header.
const FRAME_HEADER: usize = 5;

impl Framed {
    /// A buffer for a message of `len` bytes, its header reserved.
    pub(crate) fn buffer(len: usize) -> Vec<u8> {
        let mut buf = Vec::with_capacity(FRAME_HEADER + len);
        buf.extend_from_slice(&[0; FRAME_HEADER]);
        buf
    }

    /// The message written into a [`buffer`](Self::buffer), framed.
    /// A message above 4 GiB gets a wrong length: the message size limit
    /// stops it before it is sent.
    pub(crate) fn finish(mut buf: Vec<u8>) -> Framed {
        Framed::fill_header(&mut buf);
        Framed(buf.into())
    }

    fn fill_header(buf: &mut [u8]) {
        let len = buf.len().saturating_sub(FRAME_HEADER);
        buf[1..FRAME_HEADER].copy_from_slice(&(len as u32).to_be_bytes());
    }

    /// `message` encoded and framed.
    pub(crate) fn encode(message: &impl Message) -> Framed {
        let mut buf = Framed::buffer(message.encoded_len());
        message.encode_raw(&mut buf);
        Framed::finish(buf)
    }

    /// The message's length, without the header.
    pub(crate) fn len(&self) -> usize {
        self.0.len() - FRAME_HEADER
    }

    /// The message alone.
    pub(crate) fn message(&self) -> bytes::Bytes {
        self.0.slice(FRAME_HEADER..)
    }

    /// Header and message, as sent.
    pub(crate) fn framed(&self) -> bytes::Bytes {
        self.0.clone()
    }
}

/// Encode buffers of large requests, kept for the next request once the
/// last copy of the bytes sent from them is dropped (the connection has
/// written them and the call is over).
///
/// A request of several hundred KiB in a fresh allocation costs a page
/// fault per 4 KiB page as it is written: glibc serves such blocks from
/// `mmap`, or gives the top of its heap back to the kernel when they are
/// freed, so the next one faults its pages in again. A buffer kept here is
/// written again in pages already mapped. The pool is bounded: at most
/// [`MAX_KEPT_BYTES`] of capacity in all, no buffer above
/// [`MAX_KEPT_BUFFER`], and it is freed with the last clone of the client
/// that owns it (and the last request bytes taken from it).
#[derive(Clone, Debug, Default)]
pub(crate) struct BufferPool(Arc<Mutex<Kept>>);

#[derive(Debug, Default)]
struct Kept {
    buffers: Vec<Vec<u8>>,
    /// Sum of the buffers' capacities.
    bytes: usize,
}

/// Most capacity a pool keeps, all buffers together: sixteen upsert
/// batches of 256 points of 1,024 dimensions (1 MiB each).
const MAX_KEPT_BYTES: usize = 16 << 20;
/// Largest buffer a pool keeps; larger ones go back to the allocator.
const MAX_KEPT_BUFFER: usize = 4 << 20;
/// Smallest buffer a pool keeps: below it, an allocation is cheap and
/// comes from memory the allocator keeps mapped.
const MIN_KEPT_BUFFER: usize = 64 << 10;

impl BufferPool {
    /// A buffer for a message of `len` bytes, its frame header reserved: a
    /// kept one if one is large enough.
    pub(crate) fn buffer(&self, len: usize) -> Vec<u8> {
        let size = FRAME_HEADER + len;
        let kept = if size < MIN_KEPT_BUFFER {
            None
        } else {
            self.take(size)
        };
        let mut buf = kept.unwrap_or_else(|| Vec::with_capacity(size));
        buf.extend_from_slice(&[0; FRAME_HEADER]);
        buf
    }

    /// The message written into a [`buffer`](Self::buffer), framed; the
    /// buffer comes back to the pool when the last copy of its bytes is
    /// dropped.
    pub(crate) fn finish(&self, mut buf: Vec<u8>) -> Framed {
        Framed::fill_header(&mut buf);
        if buf.capacity() < MIN_KEPT_BUFFER {
            return Framed(buf.into());
        }
        Framed(bytes::Bytes::from_owner(Pooled {
            buf,
            pool: self.clone(),
        }))
    }

    /// The smallest kept buffer of at least `size` bytes, if any.
    fn take(&self, size: usize) -> Option<Vec<u8>> {
        let mut kept = self.0.lock().ok()?;
        let (i, _) = kept
            .buffers
            .iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= size)
            .min_by_key(|(_, b)| b.capacity())?;
        let buf = kept.buffers.swap_remove(i);
        kept.bytes -= buf.capacity();
        Some(buf)
    }

    /// Keeps `buf` for a later request, if the pool has room for it.
    fn put(&self, mut buf: Vec<u8>) {
        let capacity = buf.capacity();
        if !(MIN_KEPT_BUFFER..=MAX_KEPT_BUFFER).contains(&capacity) {
            return;
        }
        let Ok(mut kept) = self.0.lock() else {
            return;
        };
        // Full: smaller buffers make room for a larger one, so that the
        // pool follows requests that grow instead of keeping buffers too
        // small for them.
        while kept.bytes + capacity > MAX_KEPT_BYTES {
            let smallest = kept
                .buffers
                .iter()
                .enumerate()
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, b)| (i, b.capacity()));
            match smallest {
                Some((i, smaller)) if smaller < capacity => {
                    kept.buffers.swap_remove(i);
                    kept.bytes -= smaller;
                }
                _ => return,
            }
        }
        buf.clear();
        kept.bytes += capacity;
        kept.buffers.push(buf);
    }

    /// Capacity kept now, for tests.
    #[cfg(test)]
    fn kept_bytes(&self) -> usize {
        self.0.lock().map_or(0, |kept| kept.bytes)
    }

    /// The largest buffer kept now, for tests.
    #[cfg(test)]
    fn largest_kept(&self) -> usize {
        self.0.lock().map_or(0, |kept| {
            kept.buffers.iter().map(Vec::capacity).max().unwrap_or(0)
        })
    }
}

/// A buffer lent to the bytes of a request; back to its pool on drop.
struct Pooled {
    buf: Vec<u8>,
    pool: BufferPool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.put(std::mem::take(&mut self.buf));
    }
}

/// Encodes an upsert request: `base` (whose `points` must be empty) with
/// `points` appended as field 3, into a buffer of `pool`. On a NaN or
/// infinite value, gives the index of the first point holding one.
pub(crate) fn encode_upsert(
    base: &proto::UpsertPoints,
    points: &[WirePoint<'_>],
    pool: &BufferPool,
) -> Result<Framed, usize> {
    let len = base.encoded_len() + points.iter().map(WirePoint::framed_len).sum::<usize>();
    let mut buf = pool.buffer(len);
    base.encode_raw(&mut buf);
    for (i, point) in points.iter().enumerate() {
        if !point.encode(3, &mut buf) {
            pool.put(buf);
            return Err(i);
        }
    }
    debug_assert_eq!(buf.len(), FRAME_HEADER + len);
    Ok(pool.finish(buf))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::types::SparseVector;

    fn points() -> Vec<Point> {
        vec![
            Point::new(1, [0.5f32, -1.25, 3.0]),
            Point::new("5c56c793-69f3-4fbf-87e6-c4bf54c28c26", Vec::<f32>::new()),
            Point::new(
                3,
                Vectors::named([
                    ("a", Vector::from(vec![1.0f32])),
                    ("", SparseVector::new([4], [2.0]).into()),
                ]),
            )
            .payload(Payload::from([("color", "red")])),
            Point::new(4, vec![vec![1.0f32, 2.0], vec![3.0, 4.0]]),
        ]
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_json_payload_is_written_once_and_sent_as_its_map_would_be() {
        let json = serde_json::json!({
            "n": 7, "big": u64::MAX, "w": 0.125, "tag": "tag-1", "ok": true, "none": null,
            "list": [1, "a", [2.5], {"k": "v"}, []], "obj": {"inner": {"deep": [null]}, "e": {}},
            "": "empty key",
            // Entries whose lengths take two and three bytes.
            "long": "x".repeat(300), "longer": ["y".repeat(20_000)],
        });
        let from_json = Payload::try_from(json.clone()).expect("an object");
        assert!(from_json.entry_bytes().is_some(), "kept as bytes");
        assert!(from_json.entries_block().is_some(), "sent as one block");
        let Value::Object(map) = Value::from(json) else {
            panic!("an object")
        };
        let from_map = Payload::from(map);
        assert_eq!(from_json, from_map, "read back, the same values");
        let base = proto::UpsertPoints {
            collection_name: "c".into(),
            ..Default::default()
        };
        let points = [Point::new(1, [1.0f32]).payload(from_json.clone())];
        let wire: Vec<WirePoint> = points.iter().map(WirePoint::new).collect();
        let bytes = encode_upsert(&base, &wire, &BufferPool::default()).expect("finite");
        let decoded = proto::UpsertPoints::decode(bytes.message()).expect("decodes");
        let expected = Point::new(1, [1.0f32]).payload(from_map).into_proto();
        assert_eq!(decoded.points, vec![expected]);
        // A change goes back to a map, which is what is sent then.
        let mut changed = from_json;
        changed.insert("n", 8);
        assert!(changed.entry_bytes().is_none());
        assert_eq!(changed.get("n"), Some(&Value::Integer(8)));
        assert_eq!(changed.get("tag").and_then(Value::as_str), Some("tag-1"));
        let empty = Payload::try_from(serde_json::json!({})).expect("an object");
        assert!(empty.is_empty());
        // Nested past what the reader of bytes takes: kept as a map, and
        // read back whole.
        let mut deep = serde_json::json!("leaf");
        for i in 0..60 {
            deep = if i % 2 == 0 {
                serde_json::json!({ "k": deep })
            } else {
                serde_json::json!([deep])
            };
        }
        let payload =
            Payload::try_from(serde_json::json!({ "deep": deep.clone(), "n": 1 })).expect("an object");
        assert!(payload.entry_bytes().is_none());
        assert_eq!(payload.get("deep"), Some(&Value::from(deep)));
        assert_eq!(payload.len(), 2);
        // As deep as is written as bytes: read back whole.
        let mut deep = serde_json::json!(null);
        for _ in 0..24 {
            deep = serde_json::json!({ "k": deep, "s": "x" });
        }
        let payload = Payload::try_from(serde_json::json!({ "deep": deep.clone() })).expect("an object");
        assert!(payload.entry_bytes().is_some());
        assert_eq!(payload.get("deep"), Some(&Value::from(deep)));
    }

    #[test]
    fn query_points_are_encoded_as_prost_encodes_them() {
        use proto::{query, vector_input};
        let dense = |data: Vec<f32>| proto::Query {
            variant: Some(query::Variant::Nearest(proto::VectorInput {
                variant: Some(vector_input::Variant::Dense(proto::DenseVector { data })),
            })),
        };
        let full = proto::QueryPoints {
            collection_name: "my_collection".into(),
            prefetch: vec![
                proto::PrefetchQuery {
                    query: Some(dense(vec![1.0, 2.0])),
                    limit: Some(50),
                    ..Default::default()
                };
                2
            ],
            query: Some(dense((0..768).map(|i| i as f32 / 7.0).collect())),
            limit: Some(10),
            with_payload: Some(crate::types::PayloadSelector::from(true).into()),
            filter: Some(proto::Filter {
                must: vec![proto::Condition::default()],
                ..Default::default()
            }),
            timeout: Some(3),
            ..Default::default()
        };
        let cases = [
            full.clone(),
            proto::QueryPoints {
                collection_name: String::new(),
                prefetch: Vec::new(),
                ..full.clone()
            },
            proto::QueryPoints {
                query: Some(dense(Vec::new())),
                ..full.clone()
            },
            proto::QueryPoints {
                query: Some(proto::Query {
                    variant: Some(query::Variant::Nearest(proto::VectorInput {
                        variant: Some(vector_input::Variant::Id(crate::PointId::from(7u64).to_proto())),
                    })),
                }),
                ..full.clone()
            },
            proto::QueryPoints { query: None, ..full },
        ];
        for case in cases {
            let mut request = case.clone();
            let framed = encode_query_points(&mut request);
            assert_eq!(request, case, "the request is left as it was");
            assert_eq!(framed, Framed::encode(&case));
        }
    }

    #[test]
    fn encodes_exactly_what_prost_decodes_to_the_same_points() {
        let base = proto::UpsertPoints {
            collection_name: "c".into(),
            wait: Some(true),
            ..Default::default()
        };
        let given = points();
        let wire: Vec<WirePoint> = given.iter().map(WirePoint::new).collect();
        let bytes = encode_upsert(&base, &wire, &BufferPool::default()).expect("finite");
        let decoded = proto::UpsertPoints::decode(bytes.message()).expect("decodes");
        let expected = proto::UpsertPoints {
            points: given.into_iter().map(Point::into_proto).collect(),
            ..base.clone()
        };
        assert_eq!(decoded, expected);
        // Single-entry maps have one encoding, so the bytes match too.
        let single = [Point::new(9, [1.0f32, 2.0]).payload(Payload::from([("k", 1)]))];
        let ours = encode_upsert(
            &base,
            &single.iter().map(WirePoint::new).collect::<Vec<_>>(),
            &BufferPool::default(),
        )
        .expect("finite");
        let theirs = proto::UpsertPoints {
            points: single.into_iter().map(Point::into_proto).collect(),
            ..base
        }
        .encode_to_vec();
        assert_eq!(ours.message().as_ref(), theirs.as_slice());
    }

    #[test]
    fn sparse_and_multi_dense_vectors_encode_byte_for_byte_as_prost() {
        let base = proto::UpsertPoints::default();
        for point in [
            Point::new(1, SparseVector::new([3, 300, 70000], [0.5, -1.0, 2.0])),
            Point::new(2, SparseVector::new(Vec::<u32>::new(), Vec::<f32>::new())),
            Point::new(3, vec![vec![1.0f32, 2.0], vec![3.0, 4.0]]),
            Point::new(4, vec![Vec::<f32>::new()]),
        ] {
            let ours =
                encode_upsert(&base, &[WirePoint::new(&point)], &BufferPool::default()).expect("finite");
            let theirs = proto::UpsertPoints {
                points: vec![point.into_proto()],
                ..base.clone()
            }
            .encode_to_vec();
            assert_eq!(ours.message().as_ref(), theirs.as_slice());
        }
    }

    /// A payload with every kind of value, nested: what prost decodes from
    /// our bytes must be what it encodes from the same point.
    fn rich_payload() -> Payload {
        let nested = Value::Object(HashMap::from([
            ("empty".to_string(), Value::String(String::new())),
            ("zero".to_string(), Value::Integer(0)),
            ("null".to_string(), Value::Null),
            (
                "deeper".to_string(),
                Value::Object(HashMap::from([(
                    "list".to_string(),
                    Value::List(vec![
                        Value::Object(HashMap::new()),
                        Value::List(Vec::new()),
                        Value::Bool(false),
                        Value::Double(-0.0),
                    ]),
                )])),
            ),
        ]));
        Payload::from([
            ("null", Value::Null),
            ("t", Value::Bool(true)),
            ("f", Value::Bool(false)),
            ("neg", Value::Integer(-1)),
            ("min", Value::Integer(i64::MIN)),
            ("max", Value::Integer(i64::MAX)),
            ("zero", Value::Integer(0)),
            ("pi", Value::Double(std::f64::consts::PI)),
            ("tiny", Value::Double(f64::MIN_POSITIVE)),
            ("inf", Value::Double(f64::NEG_INFINITY)),
            ("empty", Value::String(String::new())),
            ("unicode ключ 🔑", Value::String("значение, 値, 🦀".into())),
            ("", Value::String("an empty key".into())),
            ("long", Value::String("x".repeat(300))),
            ("nested", nested),
            (
                "list",
                Value::List(vec![
                    Value::Null,
                    Value::Integer(-300),
                    Value::String(String::new()),
                    Value::List(vec![Value::Integer(1), Value::Double(2.5)]),
                ]),
            ),
            ("empty list", Value::List(Vec::new())),
            ("empty object", Value::Object(HashMap::new())),
        ])
    }

    fn prost_bytes(points: Vec<Point>) -> Vec<u8> {
        proto::UpsertPoints {
            points: points.into_iter().map(Point::into_proto).collect(),
            ..Default::default()
        }
        .encode_to_vec()
    }

    fn our_bytes(points: Vec<Point>) -> bytes::Bytes {
        let wire: Vec<WirePoint> = points.iter().map(WirePoint::new).collect();
        encode_upsert(&proto::UpsertPoints::default(), &wire, &BufferPool::default())
            .expect("finite")
            .message()
    }

    #[test]
    fn payloads_and_ids_decode_to_what_prost_encodes() {
        let uuid = "5C56C793-69F3-4FBF-87E6-C4BF54C28C26";
        let points = vec![
            Point::new(0, [1.0f32]).payload(rich_payload()),
            Point::new(u64::MAX, [1.0f32]).payload(Payload::new()),
            Point::new(uuid, [1.0f32]).payload(rich_payload()),
            Point::new(PointId::from_name("a"), Vec::<f32>::new()),
        ];
        let ours = our_bytes(points.clone());
        let theirs = prost_bytes(points);
        // Map entries come in iteration order, which differs between two
        // maps of the same entries: same length, same message.
        assert_eq!(ours.len(), theirs.len());
        assert_eq!(
            proto::UpsertPoints::decode(ours).expect("decodes"),
            proto::UpsertPoints::decode(theirs.as_slice()).expect("decodes"),
        );
    }

    #[test]
    fn single_values_encode_byte_for_byte_as_prost() {
        let payload = rich_payload();
        // One entry per payload, so that no map order is involved; nested
        // objects with more than one key are compared by decoding above.
        for (key, value) in payload.iter() {
            let single = match value {
                Value::Object(fields) if fields.len() > 1 => continue,
                _ => Payload::from([(key.clone(), value.clone())]),
            };
            for id in [
                PointId::from(7),
                PointId::from("5c56c793-69f3-4fbf-87e6-c4bf54c28c26"),
            ] {
                let point = vec![Point::new(id, [0.5f32]).payload(single.clone())];
                assert_eq!(
                    our_bytes(point.clone()).as_ref(),
                    prost_bytes(point).as_slice(),
                    "{key}"
                );
            }
        }
    }

    /// `n` points of `dims` dimensions, as one upsert request.
    fn request(n: u64, dims: usize, pool: &BufferPool) -> Framed {
        let points: Vec<Point> = (0..n)
            .map(|i| Point::new(i, vec![i as f32; dims]).payload(rich_payload()))
            .collect();
        let wire: Vec<WirePoint> = points.iter().map(WirePoint::new).collect();
        encode_upsert(&proto::UpsertPoints::default(), &wire, pool).expect("finite")
    }

    #[test]
    fn buffers_come_back_to_the_pool_when_the_last_copy_is_dropped() {
        let pool = BufferPool::default();
        let first = request(64, 768, &pool);
        let address = first.framed().as_ptr();
        let copy = first.framed();
        drop(first);
        assert_eq!(pool.kept_bytes(), 0, "a copy of the bytes is still alive");
        drop(copy);
        let kept = pool.kept_bytes();
        assert!(kept >= 64 * 768 * 4, "{kept}");
        // A smaller request reuses it, with none of the old bytes left.
        let second = request(32, 768, &pool);
        assert_eq!(second.framed().as_ptr(), address);
        assert_eq!(pool.kept_bytes(), 0);
        let decoded = proto::UpsertPoints::decode(second.message()).expect("decodes");
        assert_eq!(decoded.points.len(), 32);
        assert_eq!(
            second.framed()[1..FRAME_HEADER],
            (second.len() as u32).to_be_bytes()
        );
        // A request that fails to encode gives its buffer back too.
        drop(second);
        let bad = Point::new(1, vec![f32::NAN; 768 * 64]);
        let bad = [WirePoint::new(&bad)];
        assert_eq!(
            encode_upsert(&proto::UpsertPoints::default(), &bad, &pool),
            Err(0)
        );
        assert_eq!(pool.kept_bytes(), kept);
    }

    #[test]
    fn the_pool_keeps_no_more_than_its_bounds() {
        let pool = BufferPool::default();
        // Small requests are not pooled, nor are buffers above the limit.
        drop(request(1, 8, &pool));
        assert_eq!(pool.kept_bytes(), 0);
        drop(request(1, MAX_KEPT_BUFFER / 4 + 1, &pool));
        assert_eq!(pool.kept_bytes(), 0);
        // Many large requests alive at once: the pool keeps what fits.
        let alive: Vec<Framed> = (0..40).map(|_| request(1, MAX_KEPT_BUFFER / 8, &pool)).collect();
        drop(alive);
        let kept = pool.kept_bytes();
        assert!(kept <= MAX_KEPT_BYTES && kept > MAX_KEPT_BYTES / 2, "{kept}");
        // Full of small buffers, it makes room for a larger one.
        assert!(pool.largest_kept() < MAX_KEPT_BUFFER * 4 / 5);
        let large = request(1, MAX_KEPT_BUFFER / 5, &pool);
        let size = large.framed().len();
        drop(large);
        assert!(pool.largest_kept() >= size, "{}", pool.largest_kept());
        let kept = pool.kept_bytes();
        assert!(kept <= MAX_KEPT_BYTES, "{kept}");
        // The bytes stay valid after the pool itself is gone.
        let bytes = request(2, 65536, &pool).framed();
        drop(pool);
        assert_eq!(
            proto::UpsertPoints::decode(&bytes[FRAME_HEADER..])
                .expect("decodes")
                .points
                .len(),
            2
        );
    }

    #[test]
    fn finds_the_first_point_with_a_value_that_is_not_finite() {
        let mut values = vec![1.0f32; 40];
        values[37] = f32::NAN;
        let points = [
            Point::new(1, vec![1.0f32; 40]),
            Point::new(2, SparseVector::new([1], [f32::INFINITY])),
            Point::new(3, values),
        ];
        let wire: Vec<WirePoint> = points.iter().map(WirePoint::new).collect();
        let pool = BufferPool::default();
        let base = proto::UpsertPoints::default();
        assert_eq!(encode_upsert(&base, &wire, &pool), Err(1));
        assert_eq!(encode_upsert(&base, &wire[2..], &pool), Err(0));
        assert!(encode_upsert(&base, &wire[..1], &pool).is_ok());
    }
}
