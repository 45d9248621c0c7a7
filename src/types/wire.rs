//! Hand-written protobuf encoding of points, for the hot path of writes.
//!
//! prost encodes a `repeated float` one value at a time; a dense vector is
//! written here as one copy of its bytes (on little-endian targets), and a
//! point is encoded straight from the domain [`Point`], with no
//! intermediate proto value for its vectors. The bytes are exactly what
//! prost would produce for the same `PointStruct`, which the tests check.

use prost::Message;
use prost::encoding::{encode_varint, encoded_len_varint};

use crate::proto;
use crate::types::point::Point;
use crate::types::vector::{SparseVector, Vector, Vectors};

/// Fields 101, 102 and 103 of `Vector` (`dense`, `sparse`,
/// `multi_dense`), length-delimited.
const TAG_VECTOR_DENSE: u64 = (101 << 3) | 2;
const TAG_VECTOR_SPARSE: u64 = (102 << 3) | 2;
const TAG_VECTOR_MULTI_DENSE: u64 = (103 << 3) | 2;

/// A point ready to be written: its id and payload as proto values, its
/// vectors as given.
pub(crate) struct WirePoint {
    id: proto::PointId,
    payload: std::collections::HashMap<String, proto::Value>,
    vectors: Vectors,
    /// Length of the `PointStruct` message.
    len: usize,
}

impl WirePoint {
    pub(crate) fn new(point: Point) -> Self {
        let id = point.id.to_proto();
        let payload = point.payload.into_proto();
        let vectors = point.vectors;
        let len = field_len(1, id.encoded_len())
            + prost::encoding::hash_map::encoded_len(
                prost::encoding::string::encoded_len,
                prost::encoding::message::encoded_len,
                3,
                &payload,
            )
            + field_len(4, vectors_len(&vectors));
        WirePoint {
            id,
            payload,
            vectors,
            len,
        }
    }

    /// Bytes this point adds to a request, as field 3 of `UpsertPoints`.
    pub(crate) fn framed_len(&self) -> usize {
        field_len(3, self.len)
    }

    /// Writes the point as field `field` (length-delimited). Returns false
    /// if a vector holds a NaN or an infinity, which the copy checks.
    #[must_use]
    pub(crate) fn encode(&self, field: u32, buf: &mut Vec<u8>) -> bool {
        write_key(field, buf);
        encode_varint(self.len as u64, buf);
        write_key(1, buf);
        encode_varint(self.id.encoded_len() as u64, buf);
        self.id.encode_raw(buf);
        prost::encoding::hash_map::encode(
            prost::encoding::string::encode,
            prost::encoding::string::encoded_len,
            prost::encoding::message::encode,
            prost::encoding::message::encoded_len,
            3,
            &self.payload,
            buf,
        );
        write_key(4, buf);
        encode_varint(vectors_len(&self.vectors) as u64, buf);
        encode_vectors(&self.vectors, buf)
    }

    /// The point's vectors, for the error once `encode` found a bad value.
    pub(crate) fn vectors(&self) -> &Vectors {
        &self.vectors
    }
}

/// Length of a length-delimited field of `len` bytes, with its key.
fn field_len(field: u32, len: usize) -> usize {
    encoded_len_varint(u64::from(field << 3 | 2)) + encoded_len_varint(len as u64) + len
}

fn write_key(field: u32, buf: &mut Vec<u8>) {
    encode_varint(u64::from(field << 3 | 2), buf);
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
    if data.is_empty() {
        return true;
    }
    write_key(1, buf);
    encode_varint(floats_len(data) as u64, buf);
    write_floats(data, buf)
}

/// Writes a `Vector` message's fields; false if a value is not finite.
fn encode_vector(vector: &Vector, buf: &mut Vec<u8>) -> bool {
    match vector {
        Vector::Dense(data) => {
            encode_varint(TAG_VECTOR_DENSE, buf);
            encode_varint(dense_message_len(data) as u64, buf);
            encode_dense_message(data, buf)
        }
        Vector::Sparse(sparse) => {
            encode_varint(TAG_VECTOR_SPARSE, buf);
            encode_varint(sparse_message_len(sparse) as u64, buf);
            let finite = encode_dense_message(&sparse.values, buf);
            if !sparse.indices.is_empty() {
                write_key(2, buf);
                encode_varint(indices_len(&sparse.indices) as u64, buf);
                for &i in &sparse.indices {
                    encode_varint(u64::from(i), buf);
                }
            }
            finite
        }
        Vector::MultiDense(rows) => {
            encode_varint(TAG_VECTOR_MULTI_DENSE, buf);
            encode_varint(multi_dense_message_len(rows) as u64, buf);
            rows.iter().fold(true, |finite, row| {
                write_key(1, buf);
                encode_varint(dense_message_len(row) as u64, buf);
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
            encode_varint(vector_len(v) as u64, buf);
            encode_vector(v, buf)
        }
        Vectors::Named(map) => {
            write_key(2, buf);
            encode_varint(named_len(map) as u64, buf);
            map.iter().fold(true, |finite, (name, v)| {
                write_key(1, buf);
                encode_varint(entry_len(name, v) as u64, buf);
                if !name.is_empty() {
                    write_key(1, buf);
                    encode_varint(name.len() as u64, buf);
                    buf.extend_from_slice(name.as_bytes());
                }
                write_key(2, buf);
                encode_varint(vector_len(v) as u64, buf);
                encode_vector(v, buf) & finite
            })
        }
    }
}

/// Floats copied per block by [`write_floats`].
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
fn write_floats(data: &[f32], buf: &mut Vec<u8>) -> bool {
    buf.reserve(floats_len(data));
    let mut blocks = data.chunks_exact(BLOCK);
    let mut finite = true;
    for block in &mut blocks {
        finite &= block.iter().fold(true, |all, v| all & v.is_finite());
        write_block(block, buf);
    }
    let rest = blocks.remainder();
    finite &= rest.iter().all(|v| v.is_finite());
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
        let len = buf.len().saturating_sub(FRAME_HEADER);
        buf[1..FRAME_HEADER].copy_from_slice(&(len as u32).to_be_bytes());
        Framed(buf.into())
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

/// Encodes an upsert request: `base` (whose `points` must be empty) with
/// `points` appended as field 3. On a NaN or infinite value, gives the
/// index of the first point holding one.
pub(crate) fn encode_upsert(base: &proto::UpsertPoints, points: &[WirePoint]) -> Result<Framed, usize> {
    let len = base.encoded_len() + points.iter().map(WirePoint::framed_len).sum::<usize>();
    let mut buf = Framed::buffer(len);
    base.encode_raw(&mut buf);
    for (i, point) in points.iter().enumerate() {
        if !point.encode(3, &mut buf) {
            return Err(i);
        }
    }
    debug_assert_eq!(buf.len(), FRAME_HEADER + len);
    Ok(Framed::finish(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Payload, SparseVector};

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

    #[test]
    fn encodes_exactly_what_prost_decodes_to_the_same_points() {
        let base = proto::UpsertPoints {
            collection_name: "c".into(),
            wait: Some(true),
            ..Default::default()
        };
        let wire: Vec<WirePoint> = points().into_iter().map(WirePoint::new).collect();
        let bytes = encode_upsert(&base, &wire).expect("finite");
        let decoded = proto::UpsertPoints::decode(bytes.message()).expect("decodes");
        let expected = proto::UpsertPoints {
            points: points().into_iter().map(Point::into_proto).collect(),
            ..base.clone()
        };
        assert_eq!(decoded, expected);
        // Single-entry maps have one encoding, so the bytes match too.
        let single = [Point::new(9, [1.0f32, 2.0]).payload(Payload::from([("k", 1)]))];
        let ours = encode_upsert(
            &base,
            &single.iter().cloned().map(WirePoint::new).collect::<Vec<_>>(),
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
            let ours = encode_upsert(&base, &[WirePoint::new(point.clone())]).expect("finite");
            let theirs = proto::UpsertPoints {
                points: vec![point.into_proto()],
                ..base.clone()
            }
            .encode_to_vec();
            assert_eq!(ours.message().as_ref(), theirs.as_slice());
        }
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
        let wire: Vec<WirePoint> = points.iter().cloned().map(WirePoint::new).collect();
        assert_eq!(encode_upsert(&proto::UpsertPoints::default(), &wire), Err(1));
        assert_eq!(encode_upsert(&proto::UpsertPoints::default(), &wire[2..]), Err(0));
        assert!(encode_upsert(&proto::UpsertPoints::default(), &wire[..1]).is_ok());
    }
}
