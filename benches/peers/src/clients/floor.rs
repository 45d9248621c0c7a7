//! The floor: the cheapest honest client this bench could write. One plain
//! HTTP/2 connection from the `h2` crate (the same h2 that hyper and tonic
//! run on), with the same windows as qdrant-async (4 MiB per stream, 16 MiB
//! per connection), and nothing above it: no tower, no tonic, no hyper.
//!
//! Each call encodes its request by hand, straight from the borrowed
//! vector into one buffer (same fields as qdrant-async's requests; checked
//! against prost below), sends it as one DATA payload, reads the answer's
//! DATA frames and trailers, and checks `grpc-status`. Answers are parsed
//! in place without building messages: an upsert's `UpdateResult.status`;
//! a query's hits counted, and the first hit's id and payload `n` read,
//! so that it checks the same things as the other clients.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use h2::client::SendRequest;
use http::{HeaderValue, Method, Request, Uri};
use tokio::net::TcpStream;

use super::{QueryOp, QueryPhases, Shared, check_hits, query_phases};
use crate::workload::{
    DIM, Measured, QUERY_COLLECTION, Sizes, TOP, UPSERT_COLLECTION, UPSERT_IN_FLIGHT, UpsertSplit, batch_ids,
    drive, measure_sync, tag, weight,
};

const STREAM_WINDOW: u32 = 4 * 1024 * 1024;
const CONNECTION_WINDOW: u32 = 16 * 1024 * 1024;

/// One HTTP/2 connection and the two URIs it calls.
pub struct Floor {
    send: SendRequest<Bytes>,
    upsert_uri: Uri,
    query_uri: Uri,
}

impl Floor {
    pub async fn connect(url: &str) -> anyhow::Result<Arc<Floor>> {
        let base: Uri = url.parse()?;
        anyhow::ensure!(
            base.scheme_str() == Some("http"),
            "the floor client speaks plain-text HTTP/2 only, not {url}"
        );
        let authority = base
            .authority()
            .ok_or_else(|| anyhow::anyhow!("no host:port in {url}"))?
            .clone();
        let tcp = TcpStream::connect(authority.as_str()).await?;
        tcp.set_nodelay(true)?;
        let (send, connection) = h2::client::Builder::new()
            .initial_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .handshake::<_, Bytes>(tcp)
            .await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("floor: connection ended: {e}");
            }
        });
        let uri = |path: &str| -> anyhow::Result<Uri> { Ok(format!("http://{authority}{path}").parse()?) };
        Ok(Arc::new(Floor {
            send,
            upsert_uri: uri("/qdrant.Points/Upsert")?,
            query_uri: uri("/qdrant.Points/Query")?,
        }))
    }

    /// One unary gRPC call: `message` is the framed request; returns the
    /// framed answer's message bytes.
    async fn unary(&self, uri: &Uri, message: Bytes) -> anyhow::Result<Bytes> {
        let mut request = Request::new(());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri.clone();
        let headers = request.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/grpc"),
        );
        headers.insert(http::header::TE, HeaderValue::from_static("trailers"));
        let mut send = self.send.clone().ready().await?;
        let (response, mut stream) = send.send_request(request, false)?;
        stream.send_data(message, true)?;
        let response = response.await?;
        let (parts, mut body) = response.into_parts();
        anyhow::ensure!(
            parts.status == http::StatusCode::OK,
            "HTTP status {}",
            parts.status
        );
        // A trailers-only answer carries its status in the headers.
        if let Some(status) = parts.headers.get("grpc-status") {
            grpc_ok(status, parts.headers.get("grpc-message"))?;
        }
        let mut first: Option<Bytes> = None;
        let mut joined: Option<BytesMut> = None;
        while let Some(chunk) = body.data().await {
            let chunk = chunk?;
            let _ = body.flow_control().release_capacity(chunk.len());
            match (&mut first, &mut joined) {
                (None, _) => first = Some(chunk),
                (Some(f), None) => {
                    let mut j = BytesMut::with_capacity(f.len() + chunk.len());
                    j.extend_from_slice(f);
                    j.extend_from_slice(&chunk);
                    joined = Some(j);
                }
                (Some(_), Some(j)) => j.extend_from_slice(&chunk),
            }
        }
        if let Some(trailers) = body.trailers().await? {
            let status = trailers
                .get("grpc-status")
                .ok_or_else(|| anyhow::anyhow!("trailers without grpc-status"))?;
            grpc_ok(status, trailers.get("grpc-message"))?;
        } else if !parts.headers.contains_key("grpc-status") {
            anyhow::bail!("no grpc-status");
        }
        let framed = match joined {
            Some(j) => j.freeze(),
            None => first.unwrap_or_default(),
        };
        anyhow::ensure!(
            framed.len() >= 5 && framed[0] == 0,
            "not an uncompressed gRPC frame"
        );
        let len = u32::from_be_bytes([framed[1], framed[2], framed[3], framed[4]]) as usize;
        anyhow::ensure!(
            framed.len() == 5 + len,
            "gRPC frame of {} bytes, header says {len}",
            framed.len() - 5
        );
        Ok(framed.slice(5..))
    }
}

fn grpc_ok(status: &HeaderValue, message: Option<&HeaderValue>) -> anyhow::Result<()> {
    anyhow::ensure!(
        status.as_bytes() == b"0",
        "grpc-status {:?}: {:?}",
        status,
        message.map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
    );
    Ok(())
}

// --- protobuf, written by hand --------------------------------------------

const LEN: u32 = 2;
const VARINT: u32 = 0;
const I64: u32 = 1;
const I32: u32 = 5;

fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

fn put_varint(buf: &mut BytesMut, mut v: u64) {
    while v >= 0x80 {
        buf.put_u8(v as u8 | 0x80);
        v >>= 7;
    }
    buf.put_u8(v as u8);
}

fn put_key(buf: &mut BytesMut, field: u32, wire: u32) {
    put_varint(buf, u64::from(field << 3 | wire));
}

fn key_len(field: u32) -> usize {
    varint_len(u64::from(field << 3))
}

/// A length-delimited field of `len` bytes, with its key and length.
fn framed_len(field: u32, len: usize) -> usize {
    key_len(field) + varint_len(len as u64) + len
}

fn put_len(buf: &mut BytesMut, field: u32, len: usize) {
    put_key(buf, field, LEN);
    put_varint(buf, len as u64);
}

/// `DenseVector { data }`: field 1, packed floats.
fn dense_len() -> usize {
    framed_len(1, DIM * 4)
}

/// Writes `DenseVector { data: vector }`, with `vector[k]` replaced by
/// `value` when `patch` is given.
fn put_dense(buf: &mut BytesMut, vector: &[f32], patch: Option<(usize, f32)>) {
    put_len(buf, 1, DIM * 4);
    let start = buf.len();
    buf.put_slice(float_bytes(vector));
    if let Some((k, value)) = patch {
        buf[start + 4 * k..start + 4 * k + 4].copy_from_slice(&value.to_le_bytes());
    }
}

/// The bytes of `vector`: protobuf's packed floats are little-endian, as
/// this machine's are, so the wire form is one copy of the memory.
#[cfg(target_endian = "little")]
fn float_bytes(vector: &[f32]) -> &[u8] {
    // SAFETY: any initialized f32 is four initialized bytes; the slice
    // covers exactly the vector's memory and borrows it.
    unsafe { std::slice::from_raw_parts(vector.as_ptr().cast::<u8>(), std::mem::size_of_val(vector)) }
}

/// The three payload entries of point `id`, as `(entry length, value length)`.
struct PayloadLens {
    n: (usize, usize),
    tag: (usize, usize),
    w: (usize, usize),
}

fn payload_lens(id: u64) -> PayloadLens {
    let entry = |key: &str, value: usize| (framed_len(1, key.len()) + framed_len(2, value), value);
    PayloadLens {
        // Value.integer_value = 3 (varint)
        n: entry("n", 1 + varint_len(id)),
        // Value.string_value = 4
        tag: entry("tag", framed_len(4, tag(id).len())),
        // Value.double_value = 2 (fixed64)
        w: entry("w", 1 + 8),
    }
}

fn point_len(id: u64) -> usize {
    let p = payload_lens(id);
    let vector = framed_len(101, dense_len());
    let vectors = framed_len(1, vector);
    framed_len(1, 1 + varint_len(id))
        + framed_len(3, p.n.0)
        + framed_len(3, p.tag.0)
        + framed_len(3, p.w.0)
        + framed_len(4, vectors)
}

fn put_point(buf: &mut BytesMut, data: &Shared, id: u64) {
    let p = payload_lens(id);
    // PointStruct.id = 1: PointId { num = 1 }
    put_len(buf, 1, 1 + varint_len(id));
    put_key(buf, 1, VARINT);
    put_varint(buf, id);
    // PointStruct.payload = 3: map entries { key = 1, value = 2 }
    put_len(buf, 3, p.n.0);
    put_len(buf, 1, 1);
    buf.put_slice(b"n");
    put_len(buf, 2, p.n.1);
    put_key(buf, 3, VARINT);
    put_varint(buf, id);
    let t = tag(id);
    put_len(buf, 3, p.tag.0);
    put_len(buf, 1, 3);
    buf.put_slice(b"tag");
    put_len(buf, 2, p.tag.1);
    put_len(buf, 4, t.len());
    buf.put_slice(t.as_bytes());
    put_len(buf, 3, p.w.0);
    put_len(buf, 1, 1);
    buf.put_slice(b"w");
    put_len(buf, 2, p.w.1);
    put_key(buf, 2, I64);
    buf.put_f64_le(weight(id));
    // PointStruct.vectors = 4: Vectors { vector = 1: Vector { dense = 101 } }
    let vector = framed_len(101, dense_len());
    put_len(buf, 4, framed_len(1, vector));
    put_len(buf, 1, vector);
    put_len(buf, 101, dense_len());
    let (base, k, value) = data.point_parts(id);
    put_dense(buf, base, Some((k, value)));
}

/// The framed `UpsertPoints { collection_name, wait: true, points }` of
/// the points `ids`.
pub fn encode_upsert(data: &Shared, collection: &str, ids: std::ops::Range<u64>) -> Bytes {
    let points: usize = ids.clone().map(|id| framed_len(3, point_len(id))).sum();
    let len = framed_len(1, collection.len()) + 2 + points;
    let mut buf = BytesMut::with_capacity(5 + len);
    buf.put_u8(0);
    buf.put_u32(len as u32);
    put_len(&mut buf, 1, collection.len());
    buf.put_slice(collection.as_bytes());
    put_key(&mut buf, 2, VARINT);
    buf.put_u8(1);
    for id in ids {
        put_len(&mut buf, 3, point_len(id));
        put_point(&mut buf, data, id);
    }
    debug_assert_eq!(buf.len(), 5 + len);
    buf.freeze()
}

/// The framed `QueryPoints { collection_name, query: nearest(dense),
/// limit: 10, with_payload: enable }`.
pub fn encode_query(vector: &[f32], collection: &str) -> Bytes {
    let input = framed_len(2, dense_len());
    let query = framed_len(1, input);
    let len = framed_len(1, collection.len()) + framed_len(3, query) + 2 + framed_len(11, 2);
    let mut buf = BytesMut::with_capacity(5 + len);
    buf.put_u8(0);
    buf.put_u32(len as u32);
    put_len(&mut buf, 1, collection.len());
    buf.put_slice(collection.as_bytes());
    // query = 3: Query { nearest = 1: VectorInput { dense = 2 } }
    put_len(&mut buf, 3, query);
    put_len(&mut buf, 1, input);
    put_len(&mut buf, 2, dense_len());
    put_dense(&mut buf, vector, None);
    // limit = 8
    put_key(&mut buf, 8, VARINT);
    put_varint(&mut buf, TOP);
    // with_payload = 11: WithPayloadSelector { enable = 1 }
    put_len(&mut buf, 11, 2);
    put_key(&mut buf, 1, VARINT);
    buf.put_u8(1);
    debug_assert_eq!(buf.len(), 5 + len);
    buf.freeze()
}

// --- protobuf, read in place -----------------------------------------------

/// A cursor over one message's fields.
struct Fields<'a> {
    buf: &'a [u8],
}

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

impl<'a> Fields<'a> {
    fn varint(&mut self) -> anyhow::Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self
                .buf
                .split_first()
                .ok_or_else(|| anyhow::anyhow!("truncated varint"))?;
            self.buf = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        anyhow::bail!("varint too long")
    }

    fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        anyhow::ensure!(self.buf.len() >= n, "truncated field");
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    /// The next field number and value.
    fn next(&mut self) -> anyhow::Result<Option<(u32, Field<'a>)>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = (key >> 3) as u32;
        let value = match (key & 7) as u32 {
            VARINT => Field::Varint(self.varint()?),
            LEN => {
                let n = self.varint()? as usize;
                Field::Bytes(self.take(n)?)
            }
            I64 => {
                self.take(8)?;
                Field::Fixed
            }
            I32 => {
                self.take(4)?;
                Field::Fixed
            }
            wire => anyhow::bail!("wire type {wire}"),
        };
        Ok(Some((field, value)))
    }
}

/// `QueryResponse`: the number of hits, and the first hit's id and payload `n`.
fn read_query_response(message: &[u8]) -> anyhow::Result<(usize, Option<u64>, Option<i64>)> {
    let mut hits = 0;
    let (mut id, mut n) = (None, None);
    let mut fields = Fields { buf: message };
    while let Some((field, value)) = fields.next()? {
        if let (1, Field::Bytes(point)) = (field, value) {
            if hits == 0 {
                (id, n) = read_first_hit(point)?;
            }
            hits += 1;
        }
    }
    Ok((hits, id, n))
}

/// `ScoredPoint`: its numeric id and its payload's integer `n`.
fn read_first_hit(point: &[u8]) -> anyhow::Result<(Option<u64>, Option<i64>)> {
    let (mut id, mut n) = (None, None);
    let mut fields = Fields { buf: point };
    while let Some((field, value)) = fields.next()? {
        match (field, value) {
            (1, Field::Bytes(point_id)) => {
                let mut f = Fields { buf: point_id };
                while let Some((field, value)) = f.next()? {
                    if let (1, Field::Varint(num)) = (field, value) {
                        id = Some(num);
                    }
                }
            }
            (2, Field::Bytes(entry)) => {
                let mut f = Fields { buf: entry };
                let (mut key, mut value) = (None, None);
                while let Some((field, v)) = f.next()? {
                    match (field, v) {
                        (1, Field::Bytes(k)) => key = Some(k),
                        (2, Field::Bytes(v)) => value = Some(v),
                        _ => {}
                    }
                }
                if key == Some(b"n".as_slice())
                    && let Some(value) = value
                {
                    let mut f = Fields { buf: value };
                    while let Some((field, v)) = f.next()? {
                        if let (3, Field::Varint(int)) = (field, v) {
                            n = Some(int as i64);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok((id, n))
}

/// `PointsOperationResponse`: `result.status` must be Completed (2).
fn check_update(message: &[u8]) -> anyhow::Result<()> {
    let mut fields = Fields { buf: message };
    while let Some((field, value)) = fields.next()? {
        if let (1, Field::Bytes(result)) = (field, value) {
            let mut f = Fields { buf: result };
            while let Some((field, value)) = f.next()? {
                if let (2, Field::Varint(status)) = (field, value) {
                    anyhow::ensure!(status == 2, "update status {status}, not Completed");
                    return Ok(());
                }
            }
        }
    }
    anyhow::bail!("no update status in the answer")
}

// --- the phases -------------------------------------------------------------

async fn upsert_batch(floor: &Floor, data: &Shared, b: u64, points: u64) -> anyhow::Result<()> {
    if std::env::var_os("FLOOR_BUILDS_POINTS").is_some() {
        // An experiment, not a client: the floor also builds (and drops)
        // the owned points the other clients build, to show what that
        // building costs beside the floor's sending.
        let built: Vec<qdrant_async::Point> = batch_ids(b, points)
            .map(|id| {
                qdrant_async::Point::new(id, data.point_vector(id)).payload(crate::workload::payload_json(id))
            })
            .collect();
        drop(std::hint::black_box(built));
    }
    let request = encode_upsert(data, UPSERT_COLLECTION, batch_ids(b, points));
    let answer = floor.unary(&floor.upsert_uri, request).await?;
    check_update(&answer)
}

/// One hand-encoded `Upsert` per batch, `UPSERT_IN_FLIGHT` in flight.
pub async fn upsert(url: &str, sizes: Sizes, data: Shared) -> anyhow::Result<Measured> {
    check_encodings(&data)?;
    let floor = Floor::connect(url).await?;
    let warm = (floor.clone(), data.clone());
    drive(UPSERT_IN_FLIGHT, UPSERT_IN_FLIGHT as u64, move |b| {
        let (floor, data) = warm.clone();
        async move { upsert_batch(&floor, &data, b, sizes.points).await }
    })
    .await?;
    drive(UPSERT_IN_FLIGHT, sizes.batches(), move |b| {
        let (floor, data) = (floor.clone(), data.clone());
        async move { upsert_batch(&floor, &data, b, sizes.points).await }
    })
    .await
}

/// One hand-encoded `Query` per call.
pub async fn queries(url: &str, sizes: Sizes, data: Shared) -> anyhow::Result<QueryPhases> {
    check_encodings(&data)?;
    let floor = Floor::connect(url).await?;
    query_phases(sizes, move |q| {
        let (floor, data) = (floor.clone(), data.clone());
        async move { query_once(&floor, &data, q).await }
    })
    .await
}

/// The same query, boxed, for the interleaved latency mode.
pub async fn query_op(url: &str, data: Shared) -> anyhow::Result<QueryOp> {
    check_encodings(&data)?;
    let floor = Floor::connect(url).await?;
    Ok(Arc::new(move |q| {
        let (floor, data) = (floor.clone(), data.clone());
        Box::pin(async move { query_once(&floor, &data, q).await })
    }))
}

async fn query_once(floor: &Floor, data: &Shared, q: u64) -> anyhow::Result<()> {
    let request = encode_query(data.query_vector(q), QUERY_COLLECTION);
    let answer = floor.unary(&floor.query_uri, request).await?;
    let (hits, id, n) = read_query_response(&answer)?;
    check_hits(hits, id, n)
}

/// The hand-written requests decode, with prost, to the very messages that
/// qdrant-async sends for the same call.
pub fn check_encodings(data: &Shared) -> anyhow::Result<()> {
    use prost::Message;
    use qdrant_async::proto;

    let ids = 1000..1000 + crate::workload::BATCH as u64;
    let floor = encode_upsert(data, UPSERT_COLLECTION, ids.clone());
    let floor = proto::UpsertPoints::decode(&floor[5..])?;
    let points = ids.map(|id| {
        qdrant_async::Point::new(id, data.point_vector(id)).payload(crate::workload::payload_json(id))
    });
    let facade = qdrant_async::bench::encode_upsert(UPSERT_COLLECTION, points.collect())?;
    let mut facade = proto::UpsertPoints::decode(facade)?;
    // The facade's `upsert` sets `wait` when it sends; the bench encoder does not.
    facade.wait = Some(true);
    anyhow::ensure!(floor == facade, "the floor's upsert differs from qdrant-async's");

    let vector = data.query_vector(5);
    let floor = proto::QueryPoints::decode(&encode_query(vector, QUERY_COLLECTION)[5..])?;
    let expected = proto::QueryPoints {
        collection_name: QUERY_COLLECTION.into(),
        query: Some(proto::Query {
            variant: Some(proto::query::Variant::Nearest(proto::VectorInput {
                variant: Some(proto::vector_input::Variant::Dense(proto::DenseVector {
                    data: vector.to_vec(),
                })),
            })),
        }),
        limit: Some(TOP),
        with_payload: Some(proto::WithPayloadSelector {
            selector_options: Some(proto::with_payload_selector::SelectorOptions::Enable(true)),
        }),
        ..Default::default()
    };
    anyhow::ensure!(
        floor == expected,
        "the floor's query is not the expected QueryPoints"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_prost_and_the_facade() {
        let data = Arc::new(crate::workload::Data::new());
        check_encodings(&data).unwrap();
    }

    #[test]
    fn reads_a_query_response() {
        use prost::Message;
        use qdrant_async::proto;
        let value = |kind| proto::Value { kind: Some(kind) };
        let hit = |id: u64| proto::ScoredPoint {
            id: Some(proto::PointId {
                point_id_options: Some(proto::point_id::PointIdOptions::Num(id)),
            }),
            payload: [
                (
                    "tag".to_string(),
                    value(proto::value::Kind::StringValue("red".into())),
                ),
                (
                    "n".to_string(),
                    value(proto::value::Kind::IntegerValue(id as i64)),
                ),
            ]
            .into_iter()
            .collect(),
            score: 0.5,
            version: 3,
            ..Default::default()
        };
        let response = proto::QueryResponse {
            result: vec![hit(300), hit(7)],
            time: 0.001,
            usage: None,
        };
        let (hits, id, n) = read_query_response(&response.encode_to_vec()).unwrap();
        assert_eq!((hits, id, n), (2, Some(300), Some(300)));
    }

    #[test]
    fn varint_lengths() {
        for v in [0u64, 1, 127, 128, 16_383, 16_384, u64::MAX] {
            let mut buf = BytesMut::new();
            put_varint(&mut buf, v);
            assert_eq!(buf.len(), varint_len(v), "{v}");
        }
    }
}

/// The floor builds no points: it encodes straight from the data.
pub fn upsert_split(sizes: Sizes, data: &Shared) -> anyhow::Result<UpsertSplit> {
    let build = measure_sync(sizes.points, || {});
    let encode = measure_sync(sizes.points, || {
        for b in 0..sizes.batches() {
            std::hint::black_box(encode_upsert(data, UPSERT_COLLECTION, batch_ids(b, sizes.points)));
        }
    });
    Ok(UpsertSplit { build, encode })
}
