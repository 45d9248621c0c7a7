//! Every call of the client gets random responses from a fake server that
//! answers any RPC with a random message of its response type, so that
//! every conversion the client applies to a response reads arbitrary
//! input; and the public conversions from proto messages get arbitrary
//! messages directly.

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::StreamExt;
use prost::Message;
use prost_reflect::{DescriptorPool, MessageDescriptor};
use qdrant_async::proto;
use qdrant_async::{
    AliasOperation, Client, ClusterOperation, Condition, Distance, FieldType, Filter, Point, PointVectors,
    PointsUpdateOperation, Prefetch, Query, QueryRequest, SparseVectorParams, VectorParams, WithLookup,
};

use crate::codec::BytesCodec;
use crate::harness::{Config, Run};
use crate::messages::{Gen, Hints, mix, pool};

/// What the fake server answers with: random messages from the case's seed.
struct Answers {
    outputs: HashMap<String, MessageDescriptor>,
    /// Fixed answers by path, instead of random ones.
    fixed: HashMap<String, Vec<u8>>,
    hints: Hints,
    seed: AtomicU64,
    served: AtomicU64,
}

impl Answers {
    fn new(pool: &DescriptorPool) -> Answers {
        let outputs = pool
            .services()
            .flat_map(|s| s.methods().collect::<Vec<_>>())
            .map(|m| {
                (
                    format!("/{}/{}", m.parent_service().full_name(), m.name()),
                    m.output(),
                )
            })
            .collect();
        Answers {
            outputs,
            fixed: HashMap::new(),
            hints: Hints::default(),
            seed: AtomicU64::new(0),
            served: AtomicU64::new(0),
        }
    }

    /// Starts a case: the answers that follow come from `seed`.
    fn reset(&self, seed: u64) {
        self.seed.store(seed, Ordering::SeqCst);
        self.served.store(0, Ordering::SeqCst);
    }

    fn answer(&self, path: &str) -> Vec<u8> {
        let n = self.served.fetch_add(1, Ordering::SeqCst);
        if let Some(fixed) = self.fixed.get(path) {
            return fixed.clone();
        }
        let Some(output) = self.outputs.get(path) else {
            return Vec::new();
        };
        let mut g = Gen::new(mix(self.seed.load(Ordering::SeqCst) ^ n), &self.hints);
        g.message(output, 0).encode_to_vec()
    }
}

/// The name a fake service is served under.
trait Named: Send + Sync + 'static {
    const NAME: &'static str;
}
struct QdrantService;
struct CollectionsService;
struct PointsService;
struct SnapshotsService;
impl Named for QdrantService {
    const NAME: &'static str = "qdrant.Qdrant";
}
impl Named for CollectionsService {
    const NAME: &'static str = "qdrant.Collections";
}
impl Named for PointsService {
    const NAME: &'static str = "qdrant.Points";
}
impl Named for SnapshotsService {
    const NAME: &'static str = "qdrant.Snapshots";
}

/// One service of the fake server: any method, a random answer.
struct Fake<N> {
    answers: Arc<Answers>,
    name: PhantomData<N>,
}

impl<N> Fake<N> {
    fn new(answers: &Arc<Answers>) -> Self {
        Fake {
            answers: answers.clone(),
            name: PhantomData,
        }
    }
}

impl<N> Clone for Fake<N> {
    fn clone(&self) -> Self {
        Fake {
            answers: self.answers.clone(),
            name: PhantomData,
        }
    }
}

impl<N: Named> tonic::server::NamedService for Fake<N> {
    const NAME: &'static str = N::NAME;
}

/// The answer to one request, prepared before the request is read.
struct Answer(Vec<u8>);

impl tonic::server::UnaryService<Vec<u8>> for Answer {
    type Response = Vec<u8>;
    type Future = std::future::Ready<Result<tonic::Response<Vec<u8>>, tonic::Status>>;

    fn call(&mut self, _request: tonic::Request<Vec<u8>>) -> Self::Future {
        std::future::ready(Ok(tonic::Response::new(std::mem::take(&mut self.0))))
    }
}

impl<N: Named> tower_service::Service<http::Request<tonic::body::Body>> for Fake<N> {
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let answer = Answer(self.answers.answer(request.uri().path()));
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(BytesCodec)
                .max_decoding_message_size(usize::MAX)
                .max_encoding_message_size(usize::MAX);
            Ok(grpc.unary(answer, request).await)
        })
    }
}

/// Starts the fake server on a free port; returns its URL.
async fn fake_server(answers: Arc<Answers>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let router = tonic::transport::Server::builder()
        .add_service(Fake::<QdrantService>::new(&answers))
        .add_service(Fake::<CollectionsService>::new(&answers))
        .add_service(Fake::<PointsService>::new(&answers))
        .add_service(Fake::<SnapshotsService>::new(&answers));
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener).inspect(|conn| {
        if let Ok(conn) = conn {
            let _ = conn.set_nodelay(true);
        }
    });
    tokio::spawn(router.serve_with_incoming(incoming));
    url
}

/// The fuzzed fake server's URL, for the calls that connect anew.
static FAKE_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

type Call = fn(Client) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Every call of the client, with valid arguments: what varies is the answer.
#[allow(deprecated)]
fn calls() -> Vec<(&'static str, Call)> {
    const C: &str = "c";
    vec![
        ("health_check", |c| {
            Box::pin(async move { drop(c.health_check().await) })
        }),
        ("connect", |_| {
            Box::pin(async move {
                let url = FAKE_URL.get().cloned().unwrap_or_default();
                if let Ok(c) = Client::connect(url).await {
                    drop(c.server_version().map(str::to_owned));
                }
            })
        }),
        ("get_collections", |c| {
            Box::pin(async move { drop(c.get_collections().await) })
        }),
        ("get_collection", |c| {
            Box::pin(async move { drop(c.get_collection(C).await) })
        }),
        ("collection_exists", |c| {
            Box::pin(async move { drop(c.collection_exists(C).await) })
        }),
        ("create_collection", |c| {
            Box::pin(async move {
                let r = c
                    .create_collection(C, VectorParams::new(3, Distance::Cosine))
                    .sparse_vector("s", SparseVectorParams::new())
                    .await;
                drop(r)
            })
        }),
        ("update_collection", |c| {
            Box::pin(async move { drop(c.update_collection(C).await) })
        }),
        ("delete_collection", |c| {
            Box::pin(async move { drop(c.delete_collection(C).await) })
        }),
        ("create_alias", |c| {
            Box::pin(async move { drop(c.create_alias(C, "a").await) })
        }),
        ("rename_alias", |c| {
            Box::pin(async move { drop(c.rename_alias("a", "b").await) })
        }),
        ("delete_alias", |c| {
            Box::pin(async move { drop(c.delete_alias("a").await) })
        }),
        ("update_collection_aliases", |c| {
            Box::pin(async move { drop(c.update_collection_aliases([AliasOperation::delete("a")]).await) })
        }),
        ("get_collection_aliases", |c| {
            Box::pin(async move { drop(c.get_collection_aliases(C).await) })
        }),
        ("get_aliases", |c| {
            Box::pin(async move { drop(c.get_aliases().await) })
        }),
        ("collection_cluster_info", |c| {
            Box::pin(async move { drop(c.collection_cluster_info(C).await) })
        }),
        ("update_collection_cluster_setup", |c| {
            Box::pin(async move {
                drop(
                    c.update_collection_cluster_setup(C, ClusterOperation::move_shard(0, 1, 2))
                        .await,
                )
            })
        }),
        ("create_shard_key", |c| {
            Box::pin(async move { drop(c.create_shard_key(C, "k").await) })
        }),
        ("delete_shard_key", |c| {
            Box::pin(async move { drop(c.delete_shard_key(C, 7u64).await) })
        }),
        ("list_shard_keys", |c| {
            Box::pin(async move { drop(c.list_shard_keys(C).await) })
        }),
        ("upsert", |c| {
            Box::pin(async move { drop(c.upsert(C, [Point::new(1, [0.1, 0.2, 0.3])]).await) })
        }),
        ("delete", |c| {
            Box::pin(async move { drop(c.delete(C, [1u64, 2]).await) })
        }),
        ("update_vectors", |c| {
            Box::pin(async move { drop(c.update_vectors(C, [PointVectors::new(1, [0.1, 0.2, 0.3])]).await) })
        }),
        ("delete_vectors", |c| {
            Box::pin(async move { drop(c.delete_vectors(C, ["v"], [1u64]).await) })
        }),
        ("set_payload", |c| {
            Box::pin(async move { drop(c.set_payload(C, serde_json::json!({"a": 1}), [1u64]).await) })
        }),
        ("overwrite_payload", |c| {
            Box::pin(async move { drop(c.overwrite_payload(C, serde_json::json!({"a": 1}), [1u64]).await) })
        }),
        ("delete_payload", |c| {
            Box::pin(async move { drop(c.delete_payload(C, ["a"], [1u64]).await) })
        }),
        ("clear_payload", |c| {
            Box::pin(async move { drop(c.clear_payload(C, [1u64]).await) })
        }),
        ("create_payload_index", |c| {
            Box::pin(async move { drop(c.create_payload_index(C, "k", FieldType::Keyword).await) })
        }),
        ("delete_payload_index", |c| {
            Box::pin(async move { drop(c.delete_payload_index(C, "k").await) })
        }),
        ("create_vector_name", |c| {
            Box::pin(async move {
                drop(
                    c.create_vector_name(C, "v", VectorParams::new(3, Distance::Dot))
                        .await,
                )
            })
        }),
        ("delete_vector_name", |c| {
            Box::pin(async move { drop(c.delete_vector_name(C, "v").await) })
        }),
        ("batch_update_points", |c| {
            Box::pin(async move {
                let ops = [
                    PointsUpdateOperation::upsert([Point::new(1, [0.1, 0.2, 0.3])]),
                    PointsUpdateOperation::delete([2u64]),
                ];
                drop(c.batch_update_points(C, ops).await)
            })
        }),
        ("query_points", |c| {
            Box::pin(async move {
                let r = c
                    .query_points(C, [0.1, 0.2, 0.3])
                    .prefetch(Prefetch::new([0.1, 0.2, 0.3]))
                    .with_payload(true)
                    .with_vectors(true)
                    .await;
                drop(r)
            })
        }),
        ("retrieve", |c| {
            Box::pin(async move {
                drop(
                    c.retrieve(C, [1u64, 2])
                        .with_payload(true)
                        .with_vectors(true)
                        .await,
                )
            })
        }),
        ("scroll", |c| {
            Box::pin(async move { drop(c.scroll(C).with_vectors(true).await) })
        }),
        ("scroll_stream", |c| {
            Box::pin(async move {
                let records: Vec<_> = c.scroll(C).limit(2).stream().take(20).collect().await;
                drop(records)
            })
        }),
        ("count", |c| Box::pin(async move { drop(c.count(C).await) })),
        ("query_batch_points", |c| {
            Box::pin(async move {
                let r = c
                    .query_batch_points(
                        C,
                        [
                            QueryRequest::new([0.1, 0.2, 0.3]),
                            QueryRequest::new(Query::sample_random()),
                        ],
                    )
                    .await;
                drop(r)
            })
        }),
        ("query_points_groups", |c| {
            Box::pin(async move {
                let r = c
                    .query_points_groups(C, "g", [0.1, 0.2, 0.3])
                    .with_lookup(WithLookup::new("other").with_payload(true).with_vectors(true))
                    .await;
                drop(r)
            })
        }),
        ("facet", |c| {
            Box::pin(async move {
                drop(
                    c.facet(C, "k")
                        .filter(Filter::must([Condition::matches("k", "v")]))
                        .await,
                )
            })
        }),
        ("search_matrix_pairs", |c| {
            Box::pin(async move { drop(c.search_matrix_pairs(C).await) })
        }),
        ("search_matrix_offsets", |c| {
            Box::pin(async move { drop(c.search_matrix_offsets(C).await) })
        }),
        ("search", |c| {
            Box::pin(async move { drop(c.search(C, vec![0.1, 0.2, 0.3], 5).await) })
        }),
        ("search_batch", |c| {
            Box::pin(async move { drop(c.search_batch(C, [(vec![0.1, 0.2, 0.3], 5)]).await) })
        }),
        ("search_groups", |c| {
            Box::pin(async move { drop(c.search_groups(C, vec![0.1, 0.2, 0.3], "g", 3).await) })
        }),
        ("recommend", |c| {
            Box::pin(async move { drop(c.recommend(C, [1u64], Vec::<u64>::new(), 5).await) })
        }),
        ("recommend_batch", |c| {
            Box::pin(async move { drop(c.recommend_batch(C, [(vec![1u64], vec![2u64], 5)]).await) })
        }),
        ("recommend_groups", |c| {
            Box::pin(async move { drop(c.recommend_groups(C, "g", [1u64], [2u64], 3).await) })
        }),
        ("discover", |c| {
            Box::pin(async move { drop(c.discover(C, 1u64, [(2u64, 3u64)], 5).await) })
        }),
        ("discover_batch", |c| {
            Box::pin(async move { drop(c.discover_batch(C, [(1u64, vec![(2u64, 3u64)], 5)]).await) })
        }),
        ("create_snapshot", |c| {
            Box::pin(async move { drop(c.create_snapshot(C).await) })
        }),
        ("list_snapshots", |c| {
            Box::pin(async move { drop(c.list_snapshots(C).await) })
        }),
        ("delete_snapshot", |c| {
            Box::pin(async move { drop(c.delete_snapshot(C, "s").await) })
        }),
        ("create_full_snapshot", |c| {
            Box::pin(async move { drop(c.create_full_snapshot().await) })
        }),
        ("list_full_snapshots", |c| {
            Box::pin(async move { drop(c.list_full_snapshots().await) })
        }),
        ("delete_full_snapshot", |c| {
            Box::pin(async move { drop(c.delete_full_snapshot("s").await) })
        }),
        ("upload_points", |c| {
            Box::pin(async move {
                let points = (0..10u64).map(|i| Point::new(i, [0.1, 0.2, 0.3]));
                drop(c.upload_points(C, points).batch_size(3).await)
            })
        }),
    ]
}

/// The public conversions from proto messages, each from random bytes of
/// its message.
/// Converts a message, given as its encoding.
type Conversion = fn(&[u8]);

fn conversions() -> Vec<(&'static str, Conversion)> {
    fn decode<M: Message + Default>(bytes: &[u8]) -> Option<M> {
        M::decode(bytes).ok()
    }
    vec![
        ("qdrant.Filter", |b| {
            drop(decode::<proto::Filter>(b).map(Filter::from))
        }),
        ("qdrant.Condition", |b| {
            drop(decode::<proto::Condition>(b).map(Condition::from))
        }),
        ("qdrant.Value", |b| {
            drop(decode::<proto::Value>(b).map(qdrant_async::Value::from))
        }),
        ("qdrant.AliasDescription", |b| {
            drop(decode::<proto::AliasDescription>(b).map(qdrant_async::AliasDescription::from))
        }),
        ("qdrant.CollectionInfo", |b| {
            drop(decode::<proto::CollectionInfo>(b).map(qdrant_async::CollectionInfo::try_from))
        }),
        ("qdrant.CollectionClusterInfoResponse", |b| {
            drop(
                decode::<proto::CollectionClusterInfoResponse>(b)
                    .map(qdrant_async::CollectionClusterInfo::try_from),
            )
        }),
        ("qdrant.GroupId", |b| {
            drop(decode::<proto::GroupId>(b).map(qdrant_async::GroupId::try_from))
        }),
        ("qdrant.PointId", |b| {
            drop(decode::<proto::PointId>(b).map(qdrant_async::PointId::try_from))
        }),
        ("qdrant.ShardKey", |b| {
            drop(decode::<proto::ShardKey>(b).map(qdrant_async::ShardKey::try_from))
        }),
        ("qdrant.SnapshotDescription", |b| {
            drop(decode::<proto::SnapshotDescription>(b).map(qdrant_async::SnapshotDescription::try_from))
        }),
    ]
}

#[test]
fn client_conversions_survive_random_responses() {
    let config = Config::from_env(5_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let pool = pool();
    let answers = Arc::new(Answers::new(&pool));
    let calls = calls();
    let conversions: Vec<(MessageDescriptor, Conversion)> = conversions()
        .into_iter()
        .map(|(name, f)| (pool.get_message_by_name(name).expect("a message of proto/"), f))
        .collect();
    let hints = Hints::default();
    let mut run = Run::new("responses", config, 1);
    runtime.block_on(async {
        let url = fake_server(answers.clone()).await;
        let _ = FAKE_URL.set(url.clone());
        let client = Client::builder(&url)
            .timeout(Duration::from_secs(20))
            .connect()
            .await
            .expect("a client of the fake server");
        for i in config.cases() {
            let seed = config.case_seed(i);
            let mut g = Gen::new(seed, &hints);
            run.begin(i, seed);
            if g.rng.chance(25) {
                let (desc, convert) = g.rng.pick(&conversions).clone();
                let bytes = g.message(&desc, 0).encode_to_vec();
                let converted = std::panic::catch_unwind(|| convert(&bytes));
                run.outcome(if converted.is_ok() {
                    "converted"
                } else {
                    "panicked"
                });
                run.end(seed, desc.full_name(), false);
                continue;
            }
            let (name, call) = *g.rng.pick(&calls);
            answers.reset(seed);
            let task = tokio::spawn(call(client.clone()));
            let outcome = tokio::time::timeout(run.deadline, task).await;
            run.outcome(match &outcome {
                Ok(Ok(())) => "returned",
                Ok(Err(_)) => "panicked",
                Err(_) => "hung",
            });
            let hung = outcome.is_err();
            run.end(seed, name, hung);
            if hung {
                break;
            }
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    run.finish();
}

/// A server that keeps answering empty pages with a next offset must not
/// keep the stream asking.
#[test]
fn scroll_stream_stops_at_an_empty_page() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let empty_page = proto::ScrollResponse {
            next_page_offset: Some(proto::PointId {
                point_id_options: Some(proto::point_id::PointIdOptions::Num(1)),
            }),
            result: Vec::new(),
            time: 0.0,
            usage: None,
        };
        let mut answers = Answers::new(&pool());
        answers
            .fixed
            .insert("/qdrant.Points/Scroll".into(), empty_page.encode_to_vec());
        let answers = Arc::new(answers);
        let client = Client::connect(fake_server(answers.clone()).await)
            .await
            .expect("a client");
        answers.reset(0);
        let records: Vec<_> = tokio::time::timeout(
            Duration::from_secs(10),
            client.scroll("c").limit(10).stream().collect::<Vec<_>>(),
        )
        .await
        .expect("the stream ends");
        assert!(records.is_empty(), "{records:?}");
        assert_eq!(answers.served.load(Ordering::SeqCst), 1, "one page asked for");
    });
}
