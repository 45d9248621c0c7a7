//! Reading a query's answer: 10 hits with a small payload (the peer
//! bench's `{"n": id, "tag": word, "w": float}`), as `query_points` reads
//! it, against prost decoding the generated `QueryResponse` (which is
//! before any conversion to the crate's types: a lower bound of the prost
//! path).
//!
//! - `qdrant_async`: the answer read into `ScoredPoint`s, payloads checked
//!   and kept as bytes;
//! - `qdrant_async_every_payload`: the same, then every payload read;
//! - `prost`: `proto::QueryResponse::decode`.
//!
//! ```sh
//! cargo bench -p qdrant-async-micro --bench decode
//! ```

use std::collections::HashMap;

use criterion::{Criterion, criterion_group, criterion_main};
use prost::Message;
use qdrant_async::proto;

fn answer() -> bytes::Bytes {
    let value = |kind| proto::Value { kind: Some(kind) };
    let hits = (0..10u64)
        .map(|id| proto::ScoredPoint {
            id: Some(proto::PointId {
                point_id_options: Some(proto::point_id::PointIdOptions::Num(1000 + id)),
            }),
            payload: HashMap::from([
                (
                    "n".to_owned(),
                    value(proto::value::Kind::IntegerValue(1000 + id as i64)),
                ),
                (
                    "tag".to_owned(),
                    value(proto::value::Kind::StringValue("alpha".to_owned())),
                ),
                (
                    "w".to_owned(),
                    value(proto::value::Kind::DoubleValue(id as f64 / 7.0)),
                ),
            ]),
            score: 0.9 - id as f32 / 100.0,
            version: 3,
            ..Default::default()
        })
        .collect();
    proto::QueryResponse {
        result: hits,
        time: 0.001,
        usage: None,
    }
    .encode_to_vec()
    .into()
}

fn decode(c: &mut Criterion) {
    let bytes = answer();
    let mut group = c.benchmark_group("query answer, 10 hits");
    group.bench_function("qdrant_async", |b| {
        b.iter(|| qdrant_async::bench::decode_query_response(bytes.clone()).map(|hits| hits.len()))
    });
    group.bench_function("qdrant_async_every_payload", |b| {
        b.iter(|| {
            qdrant_async::bench::decode_query_response(bytes.clone())
                .map(|hits| hits.iter().map(|h| h.payload.len()).sum::<usize>())
        })
    });
    group.bench_function("prost", |b| {
        b.iter(|| proto::QueryResponse::decode(bytes.clone()).map(|r| r.result.len()))
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
