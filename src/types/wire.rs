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
use crate::types::vector::{Vector, Vectors};

/// Field 101 of `Vector` (`dense`), length-delimited.
const TAG_VECTOR_DENSE: u64 = (101 << 3) | 2;

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

    /// Writes the point as field `field` (length-delimited).
    pub(crate) fn encode(&self, field: u32, buf: &mut Vec<u8>) {
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
        encode_vectors(&self.vectors, buf);
    }
}

/// Length of a length-delimited field of `len` bytes, with its key.
fn field_len(field: u32, len: usize) -> usize {
    encoded_len_varint(u64::from(field << 3 | 2)) + encoded_len_varint(len as u64) + len
}

fn write_key(field: u32, buf: &mut Vec<u8>) {
    encode_varint(u64::from(field << 3 | 2), buf);
}

/// Length of `DenseVector { data }`.
fn dense_message_len(data: &[f32]) -> usize {
    if data.is_empty() {
        0
    } else {
        field_len(1, data.len() * 4)
    }
}

/// Length of a `Vector` message.
fn vector_len(vector: &Vector) -> usize {
    match vector {
        Vector::Dense(data) => {
            let inner = dense_message_len(data);
            encoded_len_varint(TAG_VECTOR_DENSE) + encoded_len_varint(inner as u64) + inner
        }
        other => other.clone().into_proto().encoded_len(),
    }
}

fn encode_vector(vector: &Vector, buf: &mut Vec<u8>) {
    match vector {
        Vector::Dense(data) => {
            encode_varint(TAG_VECTOR_DENSE, buf);
            encode_varint(dense_message_len(data) as u64, buf);
            if !data.is_empty() {
                write_key(1, buf);
                encode_varint((data.len() * 4) as u64, buf);
                write_floats(data, buf);
            }
        }
        other => other.clone().into_proto().encode_raw(buf),
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

fn encode_vectors(vectors: &Vectors, buf: &mut Vec<u8>) {
    match vectors {
        Vectors::Single(v) => {
            write_key(1, buf);
            encode_varint(vector_len(v) as u64, buf);
            encode_vector(v, buf);
        }
        Vectors::Named(map) => {
            write_key(2, buf);
            encode_varint(named_len(map) as u64, buf);
            for (name, v) in map {
                write_key(1, buf);
                encode_varint(entry_len(name, v) as u64, buf);
                if !name.is_empty() {
                    write_key(1, buf);
                    encode_varint(name.len() as u64, buf);
                    buf.extend_from_slice(name.as_bytes());
                }
                write_key(2, buf);
                encode_varint(vector_len(v) as u64, buf);
                encode_vector(v, buf);
            }
        }
    }
}

/// Appends floats as little-endian bytes: one copy on little-endian targets.
fn write_floats(data: &[f32], buf: &mut Vec<u8>) {
    if cfg!(target_endian = "little") {
        buf.extend_from_slice(bytemuck::cast_slice(data));
    } else {
        buf.reserve(data.len() * 4);
        for v in data {
            buf.extend_from_slice(&v.to_le_bytes());
        }
    }
}

/// Encodes an upsert request: `base` (whose `points` must be empty) with
/// `points` appended as field 3.
pub(crate) fn encode_upsert(base: &proto::UpsertPoints, points: &[WirePoint]) -> bytes::Bytes {
    let len = base.encoded_len() + points.iter().map(WirePoint::framed_len).sum::<usize>();
    let mut buf = Vec::with_capacity(len);
    base.encode_raw(&mut buf);
    for point in points {
        point.encode(3, &mut buf);
    }
    debug_assert_eq!(buf.len(), len);
    buf.into()
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
        let bytes = encode_upsert(&base, &wire);
        let decoded = proto::UpsertPoints::decode(bytes.clone()).expect("decodes");
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
        );
        let theirs = proto::UpsertPoints {
            points: single.into_iter().map(Point::into_proto).collect(),
            ..base
        }
        .encode_to_vec();
        assert_eq!(ours.as_ref(), theirs.as_slice());
    }
}
