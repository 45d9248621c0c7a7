//! Encoding cost of an upsert of 1024 points × 1536 dims, against a memcpy
//! of the same number of vector bytes and against prost encoding the
//! equivalent generated request.
//!
//! - `memcpy`: the baseline. The same bytes, from the same freshly built
//!   vectors, copied into one new buffer.
//! - `memcpy_flat_hot`: a lower bound no encoder reaches, one contiguous
//!   copy of a cache-hot buffer of the same size.
//! - `facade`: what `Client::upsert` does before sending: check every value
//!   is finite and write the request bytes.
//! - `prost`: the generated message, encoded by prost.
//!
//! ```sh
//! cargo bench -p qdrant-async-micro --bench encode
//! ```
//!
//! Each iteration gets freshly built points (outside the timed part), as a
//! caller hands over its own vectors; the timed part is everything between
//! those points and the request bytes.
//!
//! glibc gives a 6 MiB buffer back to the kernel when it is freed, so by
//! default every iteration would also pay for the kernel zeroing fresh pages
//! on first touch, whatever writes them. The bench keeps freed memory in the
//! heap instead, as a service's allocator does in steady state, so that
//! what is measured is the encoding. `ENCODE_BENCH_DEFAULT_MALLOC=1` turns
//! this off.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use qdrant_async::{Point, proto};

const POINTS: usize = 1024;
const DIMS: usize = 1536;

fn vectors() -> Vec<Vec<f32>> {
    (0..POINTS)
        .map(|p| {
            (0..DIMS)
                .map(|d| ((p * 31 + d * 7) % 1000) as f32 / 1000.0)
                .collect()
        })
        .collect()
}

fn proto_points(vectors: Vec<Vec<f32>>) -> Vec<proto::PointStruct> {
    vectors
        .into_iter()
        .enumerate()
        .map(|(i, data)| proto::PointStruct {
            id: Some(proto::PointId {
                point_id_options: Some(proto::point_id::PointIdOptions::Num(i as u64)),
            }),
            payload: Default::default(),
            vectors: Some(proto::Vectors {
                vectors_options: Some(proto::vectors::VectorsOptions::Vector(proto::Vector {
                    vector: Some(proto::vector::Vector::Dense(proto::DenseVector { data })),
                    ..Default::default()
                })),
            }),
        })
        .collect()
}

/// The floats' bytes in memory (little-endian on the targets benchmarked).
fn as_bytes(v: &[f32]) -> &[u8] {
    bytemuck::cast_slice(v)
}

/// Keeps large freed buffers in the heap (see the module docs).
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("ENCODE_BENCH_DEFAULT_MALLOC").is_none() {
        // SAFETY: mallopt only changes allocator thresholds; called before
        // any benchmark allocates.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        }
    }
}

fn encode(c: &mut Criterion) {
    keep_freed_memory();
    let source = vectors();
    let flat: Vec<u8> = source.iter().flat_map(|v| as_bytes(v).iter().copied()).collect();
    let bytes = flat.len();
    let mut group = c.benchmark_group("upsert_1024x1536");
    group.throughput(Throughput::Bytes(bytes as u64));

    // The baseline: the same bytes, from the same freshly built vectors,
    // copied with memcpy into a new buffer, as an encoder must.
    group.bench_function("memcpy", |b| {
        b.iter_batched(
            || source.clone(),
            |vectors| {
                let mut out = Vec::with_capacity(bytes);
                for v in &vectors {
                    out.extend_from_slice(as_bytes(v));
                }
                out
            },
            BatchSize::PerIteration,
        )
    });

    // A lower bound: one contiguous, cache-hot memcpy of the same size.
    group.bench_function("memcpy_flat_hot", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(flat.len());
            out.extend_from_slice(std::hint::black_box(&flat));
            out
        })
    });

    group.bench_function("facade", |b| {
        b.iter_batched(
            || {
                source
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Point::new(i as u64, v.clone()))
                    .collect::<Vec<_>>()
            },
            |points| qdrant_async::bench::encode_upsert("bench", points).expect("valid points"),
            BatchSize::PerIteration,
        )
    });

    group.bench_function("prost", |b| {
        b.iter_batched(
            || proto::UpsertPoints {
                collection_name: "bench".into(),
                points: proto_points(source.clone()),
                ..Default::default()
            },
            |request| prost::Message::encode_to_vec(&request),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
