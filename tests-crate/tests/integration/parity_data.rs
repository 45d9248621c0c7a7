//! Differential tests of the embedded server's data calls: collections,
//! aliases, writes, payloads, filters and snapshots.
//!
//! Each case runs the same calls against the embedded server and, when
//! `QDRANT_URL` is set, against that server; the answers are normalized
//! (collection names, timestamps, snapshot sizes) and must be equal, scores
//! within 1e-4. Without `QDRANT_URL`, the embedded server's answers are
//! compared with what Qdrant 1.19.0 answered, recorded in
//! `tests/integration/parity_data/<case>.json`. To record them again:
//!
//! ```text
//! QDRANT_URL=http://127.0.0.1:6334 QDRANT_PARITY_RECORD=1 \
//!     cargo test --all-features --test integration parity_data::
//! ```

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use futures_util::TryStreamExt;
use qdrant_async::server::EmbeddedServer;
use qdrant_async::{
    AliasOperation, Client, Condition, Distance, Error, FieldType, Filter, HnswConfigDiff, Modifier,
    OptimizersConfigDiff, PayloadIndexParams, PayloadSelector, Point, PointId, PointVectors,
    PointsUpdateOperation, Quantization, Range, SparseVector, SparseVectorParams, TokenizerType,
    UpdateResult, ValuesCount, Vector, VectorParams, Vectors, VectorsConfig, VectorsSelector, proto,
};
use qdrant_async::{Code, ErrorKind};
use serde_json::{Value as Json, json};

/// The Qdrant release the recorded answers come from, and the one the
/// embedded server answers like.
const RECORDED: &str = "1.19.0";

/// Steps where the embedded server is known to differ, with why: they are
/// shown, not compared. One that starts to match fails the test, so that
/// the entry goes.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

/// Steps whose answer changed in a Qdrant release (case, step, release,
/// what changed): compared only against that release or a later one, as
/// the embedded server answers like the newest.
const CHANGED_IN: &[(&str, &str, (u32, u32), &str)] = &[
    (
        "query_reads",
        "recommend batch, limits 0",
        (1, 19),
        "1.19 answers each request of the batch (`[[], []]`); 1.18 answers an empty batch",
    ),
    (
        "query_reads",
        "recommend batch, an open polygon",
        (1, 19),
        "1.19 validates the filter; 1.18 accepts an unclosed ring",
    ),
    (
        "query_reads",
        "recommend groups, an open polygon",
        (1, 19),
        "1.19 validates the filter; 1.18 accepts an unclosed ring",
    ),
    (
        "query_reads",
        "search groups, an open polygon",
        (1, 19),
        "1.19 validates the filter; 1.18 accepts an unclosed ring",
    ),
    (
        "write_filters",
        "set_payload by an open polygon",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "overwrite_payload by an open polygon",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "delete_payload by an open polygon",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "clear_payload by an open polygon",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "delete_vectors by an open polygon",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "upsert, an open polygon as update_filter",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "update_vectors, an open polygon as update_filter",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "upsert, min_should of 0 as update_filter",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "delete_vectors by min_should of 0",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "set_payload by an open polygon, a missing collection",
        (1, 19),
        "1.19 validates the filters of writes (an unclosed polygon ring, min_should 0); 1.18 accepts them",
    ),
    (
        "write_filters",
        "points",
        (1, 19),
        "what the writes above left: 1.18 applied the ones 1.19 refuses",
    ),
    (
        "query_reads",
        "recommend, limit 0 and an open polygon",
        (1, 19),
        "1.19 validates the filter first; 1.18 answers a limit of 0 with no hits",
    ),
    (
        "more_filters",
        "values_count missing < 1",
        (1, 19),
        "1.19 counts a missing key as 0 values; 1.18 never matched it",
    ),
    (
        "more_filters",
        "values_count missing < 1, indexed",
        (1, 19),
        "1.19 counts a missing key as 0 values; 1.18 never matched it",
    ),
    (
        "more_filters",
        "prefix t Qu",
        (1, 19),
        "1.19 knows the prefix match; 1.18 finds no match value in it",
    ),
    (
        "more_filters",
        "prefix t Qu, indexed",
        (1, 19),
        "1.19 knows the prefix match; 1.18 finds no match value in it",
    ),
    (
        "more_filters",
        "should nothing but min_should",
        (1, 19),
        "1.19 refuses min_should with min_count 0; 1.18 matched everything",
    ),
    (
        "more_filters",
        "should nothing but min_should, indexed",
        (1, 19),
        "1.19 refuses min_should with min_count 0; 1.18 matched everything",
    ),
    (
        "single_node_cluster",
        "move",
        (1, 19),
        "1.19 answers cluster changes without distributed mode with Unimplemented \"Qdrant is running in standalone mode\"; 1.18 with InvalidArgument \"Bad request: Distributed mode disabled\"",
    ),
    (
        "single_node_cluster",
        "replicate",
        (1, 19),
        "1.19 answers cluster changes without distributed mode with Unimplemented \"Qdrant is running in standalone mode\"; 1.18 with InvalidArgument \"Bad request: Distributed mode disabled\"",
    ),
    (
        "single_node_cluster",
        "drop",
        (1, 19),
        "1.19 answers cluster changes without distributed mode with Unimplemented \"Qdrant is running in standalone mode\"; 1.18 with InvalidArgument \"Bad request: Distributed mode disabled\"",
    ),
    (
        "single_node_cluster",
        "create shard key",
        (1, 19),
        "1.19 answers cluster changes without distributed mode with Unimplemented \"Qdrant is running in standalone mode\"; 1.18 with InvalidArgument \"Bad request: Distributed mode disabled\"",
    ),
    (
        "single_node_cluster",
        "delete shard key",
        (1, 19),
        "1.19 answers cluster changes without distributed mode with Unimplemented \"Qdrant is running in standalone mode\"; 1.18 with InvalidArgument \"Bad request: Distributed mode disabled\"",
    ),
    (
        "single_node_cluster",
        "create shard key on a missing collection",
        (1, 19),
        "1.19 answers cluster changes without distributed mode with Unimplemented \"Qdrant is running in standalone mode\"; 1.18 with InvalidArgument \"Bad request: Distributed mode disabled\"",
    ),
    (
        "filters",
        "polygon not closed",
        (1, 19),
        "1.19 refuses a polygon ring that is not closed; 1.18 matched nothing",
    ),
    (
        "filters",
        "polygon of 3 points",
        (1, 19),
        "1.19 refuses a polygon ring of fewer than 4 points; 1.18 matched nothing",
    ),
    (
        "filters",
        "polygon with an open hole, nested",
        (1, 19),
        "1.19 refuses a polygon hole that is not closed; 1.18 used it",
    ),
];

/// `major.minor` of a version string.
fn release(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// One run of a case against one server: the answers, step by step.
struct Run {
    client: Client,
    /// On a real cluster, the embedded server's answers to the same case.
    /// A change of config returns once the node that took it has applied
    /// it, but `get_collection` answers from a node holding the shard,
    /// which may not have applied it yet: Qdrant's reads of a config are
    /// eventually consistent. So on a cluster, a config read is repeated
    /// (for up to 10 s) until it gives the embedded server's answer; an
    /// answer that never does is recorded as it last was.
    eventually: Option<Vec<(String, Json)>>,
    /// Prefix of this run's collection names; answers show it as `C`.
    prefix: String,
    steps: Vec<(String, Json)>,
}

impl Run {
    /// A collection name of this run.
    fn name(&self, tag: &str) -> String {
        format!("{}_{tag}", self.prefix)
    }

    /// Records an answer: `show` turns a success into JSON; an error
    /// becomes its status code and message.
    fn record<T>(&mut self, label: &str, result: Result<T, Error>, show: impl FnOnce(T) -> Json) {
        let answer = match result {
            Ok(v) => show(v),
            Err(e) if e.kind() == ErrorKind::Server => {
                let (code, message) = (e.code().unwrap_or(Code::Unknown), e.message().unwrap_or_default());
                json!({"error": format!("{code:?}"), "message": crate::common::peer_message(message)})
            }
            Err(e) => json!({"client_error": e.to_string()}),
        };
        let answer = self.normalize(answer);
        self.steps.push((label.to_owned(), answer));
    }

    /// Records the answer of a raw (generated stub) call.
    fn record_raw<T>(
        &mut self,
        label: &str,
        result: Result<tonic::Response<T>, tonic::Status>,
        show: impl FnOnce(T) -> Json,
    ) {
        let answer = match result {
            Ok(r) => show(r.into_inner()),
            Err(s) => {
                json!({"error": format!("{:?}", s.code()), "message": crate::common::peer_message(s.message())})
            }
        };
        let answer = self.normalize(answer);
        self.steps.push((label.to_owned(), answer));
    }

    /// Replaces this run's collection prefix with `C` in every string.
    fn normalize(&self, v: Json) -> Json {
        match v {
            // Operation ids count a shard's writes; a cluster's collection
            // has shards on several nodes, and index changes go through
            // consensus, so its ids do not follow a single node's.
            Json::Object(mut o) if crate::common::on_cluster() && o.contains_key("operation_id") => {
                o.remove("operation_id");
                self.normalize(Json::Object(o))
            }
            Json::String(s) => Json::String(s.replace(&self.prefix, "C")),
            Json::Array(a) => Json::Array(a.into_iter().map(|x| self.normalize(x)).collect()),
            Json::Object(o) => Json::Object(
                o.into_iter()
                    .map(|(k, x)| (k.replace(&self.prefix, "C"), self.normalize(x)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// Records the points of a collection, all of them, with payloads and vectors.
    async fn dump(&mut self, label: &str, collection: &str) {
        let result = self
            .client
            .scroll(collection)
            .limit(1000)
            .with_payload(true)
            .with_vectors(true)
            .await;
        self.record(label, result, |page| records(&page.points));
    }

    /// Records the ids a filter selects (by scroll), and their count.
    async fn select(&mut self, label: &str, collection: &str, filter: Filter) {
        let scrolled: Result<Vec<_>, _> = self
            .client
            .scroll(collection)
            .filter(filter.clone())
            .limit(100)
            .stream()
            .try_collect()
            .await;
        let counted = self.client.count(collection).filter(filter).exact(true).await;
        let answer = match (scrolled, counted) {
            (Ok(points), Ok(n)) => Ok((points, n)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        self.record(
            label,
            answer,
            |(points, n)| json!({"ids": points.iter().map(|p| id(&p.id)).collect::<Vec<_>>(), "count": n}),
        );
    }

    /// Records collection info as the server sends it (every field but the time).
    async fn info(&mut self, label: &str, collection: &str) {
        for _ in 0..200 {
            self.read_info(label, collection).await;
            let step = self.steps.len() - 1;
            let expected = self.eventually.as_ref().and_then(|e| e.get(step));
            if expected.is_none_or(|e| e == &self.steps[step]) {
                return;
            }
            self.steps.pop();
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.read_info(label, collection).await;
    }

    /// Records one read of collection info.
    async fn read_info(&mut self, label: &str, collection: &str) {
        let result = self
            .client
            .raw()
            .collections
            .get(proto::GetCollectionInfoRequest {
                collection_name: collection.to_owned(),
            })
            .await;
        self.record_raw(label, result, |r| {
            let mut info = r
                .result
                .map_or(Json::Null, |i| message_json(&i, "qdrant.CollectionInfo"));
            // Qdrant makes one segment per two CPUs (2 to 8): it depends
            // on the machine, so only its presence is compared.
            if let Some(n) = info.get_mut("segments_count") {
                *n = json!(n.as_u64().is_some_and(|n| n > 0));
            }
            // Qdrant is Yellow (optimizing) or Grey (optimizations pending)
            // for a moment after a change; the embedded server has nothing
            // to optimize.
            if info.get("status") == Some(&json!("Yellow")) || info.get("status") == Some(&json!("Grey")) {
                info["status"] = json!("Green");
            }
            // So are updates waiting in its queue.
            if let Some(queue) = info.get_mut("update_queue").and_then(Json::as_object_mut) {
                queue.remove("length");
            }
            info
        });
    }
}

fn update(r: UpdateResult) -> Json {
    json!({"status": format!("{:?}", r.status), "operation_id": r.operation_id})
}

fn ok<T: serde::Serialize>(v: T) -> Json {
    json!({ "ok": v })
}

fn id(id: &PointId) -> Json {
    match id.as_u64() {
        Some(n) => json!(n),
        None => json!(id.to_string()),
    }
}

/// A float as JSON: non-finite ones as strings, since JSON has no NaN.
fn float(x: f32) -> Json {
    if x.is_finite() {
        json!(x)
    } else {
        json!(x.to_string())
    }
}

fn vector(v: &Vector) -> Json {
    if let Some(d) = v.as_dense() {
        return Json::Array(d.iter().copied().map(float).collect());
    }
    if let Some(s) = v.as_sparse() {
        return json!({
            "indices": s.indices,
            "values": s.values.iter().copied().map(float).collect::<Vec<_>>(),
        });
    }
    if let Some(m) = v.as_multi_dense() {
        return Json::Array(
            m.iter()
                .map(|row| Json::Array(row.iter().copied().map(float).collect()))
                .collect(),
        );
    }
    json!(format!("{v:?}"))
}

fn vectors(v: &Option<Vectors>) -> Json {
    match v {
        None => Json::Null,
        Some(Vectors::Single(one)) => vector(one),
        Some(Vectors::Named(map)) => Json::Object(map.iter().map(|(k, v)| (k.clone(), vector(v))).collect()),
        Some(other) => json!(format!("{other:?}")),
    }
}

fn payload(p: &qdrant_async::Payload) -> Json {
    Json::Object(
        p.iter()
            .map(|(k, v)| (k.clone(), Json::from(v.clone())))
            .collect(),
    )
}

fn records(points: &[qdrant_async::Record]) -> Json {
    Json::Array(
        points
            .iter()
            .map(|p| json!({"id": id(&p.id), "payload": payload(&p.payload), "vectors": vectors(&p.vectors)}))
            .collect(),
    )
}

/// Any message of proto/ as JSON, through its descriptor: map entries
/// sorted by key, enums by name, fields that are not set left out.
fn message_json<M: prost::Message>(sent: &M, name: &str) -> Json {
    use prost_reflect::{DynamicMessage, Kind, MapKey, Value};
    static POOL: std::sync::OnceLock<prost_reflect::DescriptorPool> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../proto");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("proto/ is readable")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "proto"))
            .collect();
        files.sort();
        let mut compiler = protox::Compiler::new([&dir]).expect("proto/ is an include path");
        compiler.open_files(&files).expect("proto/ compiles");
        compiler.descriptor_pool()
    });
    fn value(v: &Value, kind: &Kind) -> Json {
        match v {
            Value::Bool(b) => json!(b),
            Value::I32(x) => json!(x),
            Value::I64(x) => json!(x),
            Value::U32(x) => json!(x),
            Value::U64(x) => json!(x),
            Value::F32(x) => float(*x),
            Value::F64(x) if x.is_finite() => json!(x),
            Value::F64(x) => json!(x.to_string()),
            Value::String(s) => json!(s),
            Value::Bytes(b) => json!(format!("{b:?}")),
            Value::EnumNumber(n) => match kind {
                Kind::Enum(e) => e.get_value(*n).map_or_else(|| json!(n), |ev| json!(ev.name())),
                _ => json!(n),
            },
            Value::Message(m) => message(m),
            Value::List(items) => Json::Array(items.iter().map(|x| value(x, kind)).collect()),
            Value::Map(entries) => {
                let value_kind = match kind {
                    Kind::Message(m) => m.map_entry_value_field().kind(),
                    other => other.clone(),
                };
                Json::Object(
                    entries
                        .iter()
                        .map(|(k, x)| {
                            let key = match k {
                                MapKey::String(s) => s.clone(),
                                other => format!("{other:?}"),
                            };
                            (key, value(x, &value_kind))
                        })
                        .collect(),
                )
            }
        }
    }
    fn message(m: &DynamicMessage) -> Json {
        Json::Object(
            m.fields()
                .map(|(field, v)| (field.name().to_owned(), value(v, &field.kind())))
                .collect(),
        )
    }
    let descriptor = pool
        .get_message_by_name(name)
        .unwrap_or_else(|| panic!("no message {name} in proto/"));
    let dynamic = DynamicMessage::decode(descriptor, sent.encode_to_vec().as_slice())
        .expect("a message decodes as its own type");
    message(&dynamic)
}

/// Whether two answers are the same, numbers within 1e-4.
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-4 * x.abs().max(1.0),
            _ => x == y,
        },
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The steps where `got` differs from `want`, readable: the whole answers
/// when they are short, else the paths inside them that differ. Known
/// differences are left out, and reported when they no longer differ.
fn differences(
    case_name: &str,
    want: &[(String, Json)],
    got: &[(String, Json)],
    want_name: &str,
    want_release: Option<(u32, u32)>,
) -> String {
    let mut out = String::new();
    let changed_later = |label: &str| {
        CHANGED_IN.iter().find(|(c, l, since, _)| {
            *c == case_name && *l == label && want_release.is_some_and(|r| r < *since)
        })
    };
    let known = |label: &str| {
        KNOWN_DIFFERENCES
            .iter()
            .find(|(c, l, _)| *c == case_name && *l == label)
    };
    for i in 0..want.len().max(got.len()) {
        match (want.get(i), got.get(i)) {
            (Some((wl, _)), Some((gl, _))) if wl == gl && changed_later(wl).is_some() => {
                let (_, _, _, what) = changed_later(wl).expect("changed");
                eprintln!("{case_name}: step {i} ({wl}) not compared with {want_name}: {what}");
            }
            (Some((wl, w)), Some((gl, g))) if wl == gl && known(wl).is_some() => {
                let (_, _, why) = known(wl).expect("known");
                if same(w, g) {
                    out.push_str(&format!(
                        "\n--- step {i}: {wl}\n  listed in KNOWN_DIFFERENCES ({why}) but now the same: remove the entry\n"
                    ));
                } else {
                    eprintln!("{case_name}: step {i} ({wl}) differs, as known: {why}");
                }
            }
            (Some((wl, w)), Some((gl, g))) if wl == gl && same(w, g) => {}
            (Some((wl, w)), Some((gl, g)))
                if wl == gl && (w.to_string().len() > 300 || g.to_string().len() > 300) =>
            {
                out.push_str(&format!("\n--- step {i}: {wl}\n"));
                let mut paths = Vec::new();
                path_differences(w, g, String::new(), &mut paths);
                for (path, w, g) in paths {
                    out.push_str(&format!("  {path}: {want_name}: {w}\n  {path}: embedded: {g}\n"));
                }
            }
            (w, g) => {
                let label = w.or(g).map_or("?", |(l, _)| l.as_str());
                out.push_str(&format!("\n--- step {i}: {label}\n"));
                if let Some((l, w)) = w {
                    out.push_str(&format!("  {want_name} ({l}): {w}\n"));
                }
                if let Some((l, g)) = g {
                    out.push_str(&format!("  embedded ({l}): {g}\n"));
                }
            }
        }
    }
    out
}

/// The paths at which two answers differ, with both values (`-` for none).
fn path_differences(want: &Json, got: &Json, path: String, out: &mut Vec<(String, String, String)>) {
    let show = |v: Option<&Json>| v.map_or_else(|| "-".to_owned(), Json::to_string);
    match (want, got) {
        (Json::Object(w), Json::Object(g)) => {
            let mut keys: Vec<&String> = w.keys().chain(g.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let at = format!("{path}.{k}");
                match (w.get(k), g.get(k)) {
                    (Some(a), Some(b)) => path_differences(a, b, at, out),
                    (a, b) => out.push((at, show(a), show(b))),
                }
            }
        }
        (Json::Array(w), Json::Array(g)) if w.len() == g.len() => {
            for (i, (a, b)) in w.iter().zip(g).enumerate() {
                path_differences(a, b, format!("{path}[{i}]"), out);
            }
        }
        (w, g) if !same(w, g) => out.push((path, show(Some(w)), show(Some(g)))),
        _ => {}
    }
}

type Case = for<'a> fn(&'a mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

async fn run_on(
    url: &str,
    case_name: &str,
    case: Case,
    embedded: Option<&[(String, Json)]>,
) -> anyhow::Result<Vec<(String, Json)>> {
    let client = Client::connect(url).await?;
    let eventually = embedded
        .filter(|_| crate::common::on_cluster())
        .map(<[_]>::to_vec);
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let mut run = Run {
        client,
        eventually,
        prefix: format!("pd_{case_name}_{}", &suffix[..8]),
        steps: Vec::new(),
    };
    case(&mut run).await;
    // Clean up, aliases first.
    let prefix = run.prefix.clone();
    if let Ok(aliases) = run.client.get_aliases().await {
        for a in aliases.iter().filter(|a| a.alias_name.starts_with(&prefix)) {
            let _ = run.client.delete_alias(&a.alias_name).await;
        }
    }
    for name in run.client.get_collections().await? {
        if name.starts_with(&prefix) {
            run.client.delete_collection(&name).await?;
        }
    }
    Ok(run.steps)
}

fn recorded_path(case_name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/parity_data")
        .join(format!("{case_name}.json"))
}

/// Runs a case on the embedded server and compares its answers with the
/// real server's (at `QDRANT_URL`) or with the recorded ones.
async fn compare(case_name: &str, case: Case) -> anyhow::Result<()> {
    compare_with(case_name, case, std::env::var("QDRANT_URL").ok()).await
}

/// Runs a case on the embedded server and compares its answers with the
/// server at `real`, or with the recorded ones when there is none.
async fn compare_with(case_name: &str, case: Case, real: Option<String>) -> anyhow::Result<()> {
    let server = EmbeddedServer::start().await?;
    let embedded = run_on(&server.url(), case_name, case, None).await?;
    let (want, source, want_release) = match real {
        Some(url) => {
            let real = run_on(&url, case_name, case, Some(&embedded)).await?;
            let version = Client::connect(&url)
                .await?
                .server_version()
                .unwrap_or_default()
                .to_owned();
            if std::env::var_os("QDRANT_PARITY_RECORD").is_some() {
                anyhow::ensure!(
                    version == RECORDED,
                    "recordings come from Qdrant {RECORDED}, not {version}"
                );
                let steps: Vec<Json> = real.iter().map(|(l, v)| json!([l, v])).collect();
                std::fs::create_dir_all(recorded_path(case_name).parent().expect("a directory"))?;
                std::fs::write(
                    recorded_path(case_name),
                    serde_json::to_string_pretty(&steps)? + "\n",
                )?;
            }
            (real, format!("Qdrant {version} at {url}"), release(&version))
        }
        None => {
            let text = std::fs::read_to_string(recorded_path(case_name))?;
            let steps: Vec<(String, Json)> = serde_json::from_str(&text)?;
            (steps, format!("recorded Qdrant {RECORDED}"), release(RECORDED))
        }
    };
    let diff = differences(case_name, &want, &embedded, &source, want_release);
    anyhow::ensure!(
        diff.is_empty(),
        "{case_name}: the embedded server differs from {source}:{diff}"
    );
    Ok(())
}

// ---------------------------------------------------------------- cases

fn collection_config(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let (plain, named, strict) = (r.name("plain"), r.name("named"), r.name("strict"));
        let c = r.client.clone();
        let res = c
            .create_collection(&plain, VectorParams::new(4, Distance::Cosine))
            .shard_number(1)
            .await;
        r.record("create plain", res, ok);
        r.info("info plain", &plain).await;

        let res = c
            .create_collection(
                &named,
                VectorsConfig::named([
                    (
                        "image",
                        VectorParams::new(4, Distance::Dot).hnsw_config(HnswConfigDiff::new().m(8)),
                    ),
                    (
                        "text",
                        VectorParams::new(3, Distance::Euclid)
                            .quantization_config(Quantization::scalar_int8(Some(0.99))),
                    ),
                    ("colbert", VectorParams::new(2, Distance::Manhattan).multivector()),
                ]),
            )
            .shard_number(1)
            .sparse_vector("keywords", SparseVectorParams::new().modifier(Modifier::Idf))
            .sparse_vector("plain_sparse", SparseVectorParams::new())
            .hnsw_config(HnswConfigDiff::new().ef_construct(64))
            .optimizers_config(OptimizersConfigDiff::new().indexing_threshold(5000))
            .on_disk_payload(false)
            .metadata("owner", "tests")
            .await;
        r.record("create named", res, ok);
        r.info("info named", &named).await;

        let res = c
            .create_collection(&strict, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .strict_mode_config(
                qdrant_async::StrictModeConfig::new()
                    .enabled(true)
                    .max_query_limit(10),
            )
            .await;
        r.record("create strict", res, ok);
        r.info("info strict", &strict).await;

        let res = c
            .update_collection(&plain)
            .optimizers_config(OptimizersConfigDiff::new().indexing_threshold(12345))
            .hnsw_config(HnswConfigDiff::new().m(20))
            .metadata("k", 1)
            .await;
        r.record("update plain", res, ok);
        r.info("info plain updated", &plain).await;

        let res = c
            .create_collection(&plain, VectorParams::new(4, Distance::Cosine))
            .shard_number(1)
            .await;
        r.record("create existing", res, ok);
        let res = c.create_alias(&plain, r.name("alias")).await;
        r.record("create alias", res, ok);
        let res = c
            .create_collection(r.name("alias"), VectorParams::new(4, Distance::Cosine))
            .shard_number(1)
            .await;
        r.record("create collection named like an alias", res, ok);
        let res = c.create_alias(&named, &plain).await;
        r.record("create alias named like a collection", res, ok);
        let res = c.collection_exists(r.name("alias")).await;
        r.record("alias exists", res, ok);
        r.info("info through alias", &r.name("alias")).await;
        let res = c.get_collections().await;
        let prefix = r.prefix.clone();
        r.record("list", res, |mut names| {
            names.retain(|n| n.starts_with(&prefix));
            names.sort();
            json!(names)
        });
        let res = c.delete_collection(r.name("alias")).await;
        r.record("delete collection by alias name", res, ok);
        let res = c.collection_exists(&plain).await;
        r.record("plain still exists", res, ok);
        let res = c.delete_collection(&plain).await;
        r.record("delete plain", res, ok);
        let res = c.get_aliases().await;
        r.record("aliases after delete", res, |a| json!(alias_list(&a, &prefix)));
        r.info("info missing", &plain).await;
    })
}

fn alias_list(aliases: &[qdrant_async::AliasDescription], prefix: &str) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = aliases
        .iter()
        .filter(|a| a.alias_name.starts_with(prefix))
        .map(|a| (a.alias_name.clone(), a.collection_name.clone()))
        .collect();
    list.sort();
    list
}

fn aliases(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let (one, two) = (r.name("one"), r.name("two"));
        let prefix = r.prefix.clone();
        for name in [&one, &two] {
            let res = c
                .create_collection(name, VectorParams::new(2, Distance::Dot))
                .shard_number(1)
                .await;
            r.record("create", res, ok);
        }
        let res = c.create_alias(&one, r.name("a")).await;
        r.record("create a -> one", res, ok);
        let res = c.create_alias(&one, r.name("a")).await;
        r.record("create a -> one again", res, ok);
        let res = c.create_alias(&two, r.name("a")).await;
        r.record("create a -> two (exists)", res, ok);
        let res = c.get_aliases().await;
        r.record("aliases", res, |a| json!(alias_list(&a, &prefix)));
        let res = c.create_alias(r.name("missing"), r.name("b")).await;
        r.record("alias of a missing collection", res, ok);
        let res = c.create_alias(r.name("a"), r.name("b")).await;
        r.record("alias of an alias", res, ok);
        let res = c.delete_alias(r.name("nope")).await;
        r.record("delete a missing alias", res, ok);
        let res = c.rename_alias(r.name("nope"), r.name("c")).await;
        r.record("rename a missing alias", res, ok);
        let res = c.create_alias(&two, r.name("c")).await;
        r.record("create c -> two", res, ok);
        let res = c.rename_alias(r.name("a"), r.name("c")).await;
        r.record("rename a onto existing c", res, ok);
        let res = c.rename_alias(r.name("c"), &one).await;
        r.record("rename c onto a collection's name", res, ok);
        let res = c.get_aliases().await;
        r.record("aliases", res, |a| json!(alias_list(&a, &prefix)));
        let res = c.get_collection_aliases(r.name("missing")).await;
        r.record("aliases of a missing collection", res, |a| {
            json!(alias_list(&a, &prefix))
        });
        let res = c.get_collection_aliases(r.name("c")).await;
        r.record("aliases of an alias", res, |a| json!(alias_list(&a, &prefix)));
        let res = c
            .update_collection_aliases([
                AliasOperation::create(&one, r.name("d")),
                AliasOperation::create(r.name("missing"), r.name("e")),
                AliasOperation::create(&one, r.name("f")),
            ])
            .await;
        r.record("failing batch", res, ok);
        let res = c.get_aliases().await;
        r.record("aliases after the failing batch", res, |a| {
            json!(alias_list(&a, &prefix))
        });
        let res = c
            .update_collection_aliases([
                AliasOperation::delete(r.name("d")),
                AliasOperation::delete(r.name("d")),
                AliasOperation::rename(r.name("c"), r.name("g")),
            ])
            .await;
        r.record("batch deleting twice", res, ok);
        let res = c.get_aliases().await;
        r.record("aliases after that batch", res, |a| {
            json!(alias_list(&a, &prefix))
        });
        let res = c.get_collection_aliases(&two).await;
        r.record("aliases of two", res, |a| json!(alias_list(&a, &prefix)));
        let res = c.delete_collection(&two).await;
        r.record("delete two", res, ok);
        let res = c.get_aliases().await;
        r.record("aliases after deleting two", res, |a| {
            json!(alias_list(&a, &prefix))
        });
    })
}

async fn dense_points(r: &mut Run, name: &str) {
    let c = r.client.clone();
    let res = c
        .create_collection(name, VectorParams::new(2, Distance::Dot))
        .shard_number(1)
        .await;
    r.record("create", res, ok);
    let res = c
        .upsert(
            name,
            [
                Point::new(1, [1.0, 0.0]).payload(json!({"a": 1})),
                Point::new(2, [0.0, 1.0]).payload(json!({"a": 2})),
            ],
        )
        .await;
    r.record("upsert", res, update);
}

fn write_checks(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("dense");
        dense_points(r, &d).await;
        let res = c.set_payload(&d, json!({"x": 1}), [99]).await;
        r.record("set_payload on a missing id", res, update);
        let res = c.set_payload(&d, json!({"x": 1}), [1, 99]).await;
        r.record("set_payload on one present and one missing id", res, update);
        let res = c.overwrite_payload(&d, json!({"x": 1}), [99]).await;
        r.record("overwrite_payload on a missing id", res, update);
        let res = c.delete_payload(&d, ["a"], [99]).await;
        r.record("delete_payload on a missing id", res, update);
        let res = c.clear_payload(&d, [99]).await;
        r.record("clear_payload on a missing id", res, update);
        let res = c.delete_vectors(&d, [""], [99]).await;
        r.record("delete_vectors on a missing id", res, update);
        let res = c.update_vectors(&d, [PointVectors::new(99, [1.0, 1.0])]).await;
        r.record("update_vectors on a missing id", res, update);
        let res = c.delete(&d, [99]).await;
        r.record("delete a missing id", res, update);
        let res = c
            .set_payload(&d, json!({"y": 1}), Filter::must([Condition::matches("a", 42)]))
            .await;
        r.record("set_payload on a filter matching nothing", res, update);
        r.dump("points", &d).await;

        let res = r
            .client
            .raw()
            .points
            .upsert(proto::UpsertPoints {
                collection_name: d.clone(),
                wait: Some(true),
                points: Vec::new(),
                ..Default::default()
            })
            .await;
        r.record_raw("empty upsert", res, |_| json!("ok"));
        let nan = |id: u64, data: Vec<f32>| proto::PointStruct {
            id: Some(proto::PointId {
                point_id_options: Some(proto::point_id::PointIdOptions::Num(id)),
            }),
            vectors: Some(proto::Vectors {
                vectors_options: Some(proto::vectors::VectorsOptions::Vector(proto::Vector {
                    vector: Some(proto::vector::Vector::Dense(proto::DenseVector { data })),
                    ..Default::default()
                })),
            }),
            payload: Default::default(),
        };
        let res = r
            .client
            .raw()
            .points
            .upsert(proto::UpsertPoints {
                collection_name: d.clone(),
                wait: Some(true),
                points: vec![
                    nan(5, vec![f32::NAN, 1.0]),
                    nan(6, vec![f32::INFINITY, f32::NEG_INFINITY]),
                ],
                ..Default::default()
            })
            .await;
        r.record_raw("upsert NaN and infinities, sent raw", res, |r| {
            json!(r.result.map(|u| u.status))
        });
        let res = c.retrieve(&d, [5, 6]).with_vectors(true).await;
        r.record("NaN and infinities stored", res, |p| records(&p));
        let res = c.upsert(&d, [Point::new(7, [1.0, 2.0, 3.0])]).await;
        r.record("wrong dimension", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    7,
                    Vectors::named([("nope", Vector::from(vec![1.0, 2.0]))]),
                )],
            )
            .await;
        r.record("unknown vector name", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(7, Vectors::named(Vec::<(String, Vector)>::new()))],
            )
            .await;
        r.record("no vector for the unnamed vector", res, update);

        let raw = r.client.raw();
        let ids = |ids: Vec<u64>| proto::PointsSelector {
            points_selector_one_of: Some(proto::points_selector::PointsSelectorOneOf::Points(
                proto::PointsIdsList {
                    ids: ids
                        .into_iter()
                        .map(|n| proto::PointId {
                            point_id_options: Some(proto::point_id::PointIdOptions::Num(n)),
                        })
                        .collect(),
                },
            )),
        };
        let res = raw
            .points
            .clone()
            .delete(proto::DeletePoints {
                collection_name: d.clone(),
                wait: Some(true),
                points: Some(ids(vec![])),
                ..Default::default()
            })
            .await;
        r.record_raw("delete no ids", res, |_| json!("ok"));
        let res = raw
            .points
            .clone()
            .set_payload(proto::SetPayloadPoints {
                collection_name: d.clone(),
                wait: Some(true),
                points_selector: Some(ids(vec![])),
                ..Default::default()
            })
            .await;
        r.record_raw("set_payload on no ids", res, |_| json!("ok"));
        let res = raw
            .points
            .clone()
            .clear_payload(proto::ClearPayloadPoints {
                collection_name: d.clone(),
                wait: Some(true),
                points: Some(ids(vec![])),
                ..Default::default()
            })
            .await;
        r.record_raw("clear_payload on no ids", res, |_| json!("ok"));
        let res = raw
            .points
            .clone()
            .update_vectors(proto::UpdatePointVectors {
                collection_name: d.clone(),
                wait: Some(true),
                points: Vec::new(),
                ..Default::default()
            })
            .await;
        r.record_raw("update_vectors of no points", res, |_| json!("ok"));
        let res = raw
            .points
            .clone()
            .update_batch(proto::UpdateBatchPoints {
                collection_name: d.clone(),
                wait: Some(true),
                operations: Vec::new(),
                ..Default::default()
            })
            .await;
        r.record_raw("empty batch", res, |b| json!(b.result.len()));
        let res = raw
            .points
            .clone()
            .upsert(proto::UpsertPoints {
                collection_name: r.name("missing"),
                wait: Some(true),
                points: Vec::new(),
                ..Default::default()
            })
            .await;
        r.record_raw("empty upsert to a missing collection", res, |_| json!("ok"));
        let res = c.set_payload(&d, json!({"a": null, "b": 2}), [1]).await;
        r.record("set_payload with a null", res, update);
        let res = c.retrieve(&d, [1]).await;
        r.record("after", res, |p| records(&p));
        let res = c.set_payload(&d, json!({"q": 1}), [99, 1]).await;
        r.record("set_payload on a missing id, then a present one", res, update);
        let res = c.retrieve(&d, [1]).await;
        r.record("after", res, |p| records(&p));

        let res = c
            .batch_update_points(
                &d,
                [
                    PointsUpdateOperation::upsert([Point::new(10, [1.0, 1.0])]),
                    PointsUpdateOperation::set_payload(json!({"t": 1}), [98]),
                    PointsUpdateOperation::upsert([Point::new(11, [1.0, 1.0])]),
                ],
            )
            .await;
        r.record("batch failing in the middle", res, |v| json!(v.len()));
        let res = c.retrieve(&d, [10, 11]).await;
        r.record("what the failing batch wrote", res, |p| records(&p));

        let s = r.name("sparse");
        let res = c
            .create_collection(&s, VectorsConfig::named(Vec::<(String, VectorParams)>::new()))
            .shard_number(1)
            .sparse_vector("kw", SparseVectorParams::new())
            .await;
        r.record("create sparse", res, ok);
        let res = c
            .upsert(
                &s,
                [Point::new(
                    1,
                    Vectors::named([("kw", SparseVector::new([3, 1, 3], [0.1, 0.2, 0.3]).into())]),
                )],
            )
            .await;
        r.record("duplicate sparse indices", res, update);
        let res = c
            .update_vectors(
                &s,
                [PointVectors::new(
                    1,
                    Vectors::named([("kw", SparseVector::new([3, 3], [0.1, 0.2]).into())]),
                )],
            )
            .await;
        r.record("duplicate sparse indices in update_vectors", res, update);
        let res = c
            .batch_update_points(
                &s,
                [PointsUpdateOperation::upsert([Point::new(
                    1,
                    Vectors::named([("kw", SparseVector::new([4, 4], [0.1, 0.2]).into())]),
                )])],
            )
            .await;
        r.record("duplicate sparse indices in a batch", res, |v| json!(v.len()));
        let res = c
            .upsert(
                r.name("missing"),
                [Point::new(
                    1,
                    Vectors::named([("kw", SparseVector::new([3, 3], [0.1, 0.2]).into())]),
                )],
            )
            .await;
        r.record("duplicate sparse indices to a missing collection", res, update);
        let res = c
            .upsert(
                &s,
                [Point::new(
                    1,
                    Vectors::named([("kw", SparseVector::new([3, 1], [0.1, 0.2, 0.3]).into())]),
                )],
            )
            .await;
        r.record("sparse indices and values of different lengths", res, update);
        let res = c
            .upsert(
                &s,
                [
                    Point::new(
                        1,
                        Vectors::named([("kw", SparseVector::new([9, 2], [0.5, 0.25]).into())]),
                    ),
                    Point::new(2, Vectors::named(Vec::<(String, Vector)>::new())),
                    Point::new(
                        3,
                        Vectors::named([(
                            "kw",
                            SparseVector::new(Vec::<u32>::new(), Vec::<f32>::new()).into(),
                        )]),
                    ),
                ],
            )
            .await;
        r.record("sparse upsert", res, update);
        r.dump("sparse points", &s).await;
    })
}

fn payload_paths(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("paths");
        let res = c
            .create_collection(&d, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let doc = json!({
            "a": {"arr": [{"x": 1, "k": 0}, {"x": 2}], "b": 5},
            "arr": [{"x": 0}, {"x": 1}, {"x": 2}, {"x": 3}, {"x": 4, "y": 4}],
            "s": "text",
            "list": [1, 2, 3],
        });
        let res = c.upsert(&d, [Point::new(1, [1.0, 0.0]).payload(doc)]).await;
        r.record("upsert", res, update);
        for key in [
            "a.arr[0].x",
            "a.arr[1]",
            "a.arr[]",
            "a.arr[].x",
            "arr[9].x",
            "s.t",
            "new.deep",
            "a.b",
            "list[0]",
            "list[]",
            "a",
            "",
        ] {
            let res = c.set_payload(&d, json!({"set": key}), [1]).key(key).await;
            r.record(&format!("set_payload key {key:?}"), res, update);
            let res = c.retrieve(&d, [1]).await;
            r.record("after", res, |p| records(&p));
        }
        for key in ["a..b", "a[x]", "a b"] {
            let res = c.set_payload(&d, json!({"set": key}), [1]).key(key).await;
            r.record(&format!("set_payload key {key:?}"), res, update);
        }
        let res = c.delete_payload(&d, ["ok", "bad key"], [1]).await;
        r.record("delete_payload with an invalid path", res, update);
        let res = c.create_payload_index(&d, "bad key", FieldType::Keyword).await;
        r.record("index on an invalid path", res, update);
        let res = c.create_payload_index(&d, "", FieldType::Keyword).await;
        r.record("index on an empty path", res, update);
        let res = c
            .count(&d)
            .filter(Filter::must([Condition::matches("bad key", 1)]))
            .await;
        r.record("filter on an invalid path", res, ok);
        let res = c
            .retrieve(&d, [1])
            .with_payload(PayloadSelector::include(["bad key"]))
            .await;
        r.record("include an invalid path", res, |p| records(&p));
        let res = c
            .scroll(&d)
            .with_payload(PayloadSelector::exclude(["a[x]"]))
            .await;
        r.record("exclude an invalid path", res, |p| records(&p.points));
        let res = c
            .overwrite_payload(&d, json!({"z": 1}), [1])
            .key("a.arr[0]")
            .await;
        r.record("overwrite_payload with a key", res, update);
        let res = c.retrieve(&d, [1]).await;
        r.record("after", res, |p| records(&p));

        let doc = json!({
            "a": {"arr": [{"x": 1, "k": 0}, {"x": 2}], "b": 5, "c": {"d": 1}},
            "arr": [{"x": 0}, {"x": 1}, {"x": 2}, {"x": 3}, {"x": 4, "y": 4}],
            "list": [1, 2, 3],
            "dotted.key": 1,
        });
        for key in [
            "arr[4].x",
            "a.arr[].x",
            "a.c.d",
            "arr[1]",
            "list[0]",
            "list[]",
            "a.missing",
            "dotted.key",
            "arr[]",
            "a",
        ] {
            let res = c.overwrite_payload(&d, doc.clone(), [1]).await;
            r.record("reset", res, update);
            let res = c.delete_payload(&d, [key], [1]).await;
            r.record(&format!("delete_payload {key:?}"), res, update);
            let res = c.retrieve(&d, [1]).await;
            r.record("after", res, |p| records(&p));
        }
    })
}

fn selectors(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("sel");
        let res = c
            .create_collection(
                &d,
                VectorsConfig::named([
                    ("a", VectorParams::new(2, Distance::Dot)),
                    ("b", VectorParams::new(2, Distance::Dot)),
                ]),
            )
            .shard_number(1)
            .sparse_vector("s", SparseVectorParams::new())
            .await;
        r.record("create", res, ok);
        let doc = json!({
            "address": {"city": "Berlin", "zip": "10115", "geo": {"lat": 1.0, "lon": 2.0}},
            "a": {"arr": [{"x": 1, "y": 2}, {"x": 3}, {"y": 4}], "n": 1},
            "tags": ["a", "b"],
            "n": 7,
            "dotted.key": 1,
        });
        let res = c
            .upsert(
                &d,
                [
                    Point::new(1, Vectors::named([("a", Vector::from(vec![1.0, 0.0]))])).payload(doc),
                    Point::new(2, Vectors::named(Vec::<(String, Vector)>::new())).payload(json!({"n": 2})),
                    Point::new(
                        3,
                        Vectors::named([
                            ("a", Vector::from(vec![1.0, 2.0])),
                            ("b", Vector::from(vec![3.0, 4.0])),
                            ("s", SparseVector::new([2], [1.0]).into()),
                        ]),
                    ),
                ],
            )
            .await;
        r.record("upsert", res, update);
        let selectors: Vec<(&str, PayloadSelector)> = vec![
            ("include address.zip", PayloadSelector::include(["address.zip"])),
            ("include a.arr[].x", PayloadSelector::include(["a.arr[].x"])),
            ("include a.arr[0]", PayloadSelector::include(["a.arr[0]"])),
            ("include a.arr", PayloadSelector::include(["a.arr"])),
            ("include a.arr.x", PayloadSelector::include(["a.arr.x"])),
            (
                "include address, address.zip",
                PayloadSelector::include(["address", "address.zip"]),
            ),
            (
                "include address.geo.lat, address.city",
                PayloadSelector::include(["address.geo.lat", "address.city"]),
            ),
            ("include tags[0]", PayloadSelector::include(["tags[0]"])),
            ("include dotted.key", PayloadSelector::include(["dotted.key"])),
            ("include missing", PayloadSelector::include(["missing"])),
            ("include nothing", PayloadSelector::include(Vec::<String>::new())),
            ("exclude address.zip", PayloadSelector::exclude(["address.zip"])),
            ("exclude a.arr[].x", PayloadSelector::exclude(["a.arr[].x"])),
            ("exclude a.arr[0]", PayloadSelector::exclude(["a.arr[0]"])),
            ("exclude address, n", PayloadSelector::exclude(["address", "n"])),
            ("exclude dotted.key", PayloadSelector::exclude(["dotted.key"])),
            ("exclude nothing", PayloadSelector::exclude(Vec::<String>::new())),
        ];
        for (label, selector) in selectors {
            let res = c.retrieve(&d, [1, 2]).with_payload(selector).await;
            r.record(label, res, |p| records(&p));
        }
        let vector_selectors: Vec<(&str, VectorsSelector)> = vec![
            ("vectors true", VectorsSelector::from(true)),
            ("vectors [b]", VectorsSelector::include(["b"])),
            ("vectors [a, s]", VectorsSelector::include(["a", "s"])),
            ("vectors [nope]", VectorsSelector::include(["nope"])),
            ("vectors []", VectorsSelector::include(Vec::<String>::new())),
        ];
        for (label, selector) in vector_selectors {
            let res = c.retrieve(&d, [1, 2, 3]).with_vectors(selector.clone()).await;
            r.record(label, res, |p| records(&p));
            let res = c.scroll(&d).with_vectors(selector).await;
            r.record(&format!("scroll {label}"), res, |p| records(&p.points));
        }
        let res = c.retrieve(&d, [3, 1, 3, 2]).await;
        r.record("retrieve order and duplicates", res, |p| records(&p));

        let u = r.name("unnamed");
        let res = c
            .create_collection(&u, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create unnamed", res, ok);
        let res = c.upsert(&u, [Point::new(1, [1.0, 2.0])]).await;
        r.record("upsert unnamed", res, update);
        for (label, selector) in [
            ("unnamed vectors true", VectorsSelector::from(true)),
            ("unnamed vectors [\"\"]", VectorsSelector::include([""])),
            ("unnamed vectors [x]", VectorsSelector::include(["x"])),
        ] {
            let res = c.retrieve(&u, [1]).with_vectors(selector).await;
            r.record(label, res, |p| records(&p));
        }
    })
}

/// Points for the filter cases: each key in several shapes.
async fn filter_points(r: &mut Run, name: &str) {
    let c = r.client.clone();
    let res = c
        .create_collection(
            name,
            VectorsConfig::named([("v", VectorParams::new(2, Distance::Dot))]),
        )
        .shard_number(1)
        .await;
    r.record("create", res, ok);
    let docs = [
        json!({"color": "red", "n": 1, "f": 1.0, "title": "The quick brown fox", "flag": true}),
        json!({"color": "green", "n": 2, "f": 2.5, "title": "Lazy dogs, quick cats", "flag": false}),
        json!({"color": ["red", "blue"], "n": [3, 4], "title": "foxes", "tags": []}),
        json!({"color": null, "n": "five", "f": "x", "title": "QUICK!", "tags": [null]}),
        json!({"color": 5, "n": 5.0, "title": ["brown bear", "red fox"], "empty": {}}),
        json!({"other": 1, "title": "quickly", "nested": [{"a": 1, "b": 2}, {"a": 2, "b": 1}]}),
        json!({"color": [], "n": [], "title": null, "nested": [{"a": 1, "b": 1}]}),
        json!({"color": "RED", "n": -1, "f": -0.5, "title": "the QUICK brown-fox jumps", "nested": {"a": 1, "b": 2}}),
    ];
    let points: Vec<Point> = docs
        .into_iter()
        .enumerate()
        .map(|(i, doc)| {
            let v = if i % 2 == 0 {
                Vectors::named([("v", Vector::from(vec![1.0, i as f32]))])
            } else {
                Vectors::named(Vec::<(String, Vector)>::new())
            };
            Point::new(i as u64 + 1, v).payload(doc)
        })
        .collect();
    let res = c.upsert(name, points).await;
    r.record("upsert", res, update);
}

fn filter_table() -> Vec<(&'static str, Filter)> {
    let m = |c: Condition| Filter::must([c]);
    vec![
        ("match color red", m(Condition::matches("color", "red"))),
        ("match n 5", m(Condition::matches("n", 5))),
        ("match n 1", m(Condition::matches("n", 1))),
        ("match flag true", m(Condition::matches("flag", true))),
        (
            "match any color [red, green]",
            m(Condition::matches_any("color", ["red", "green"])),
        ),
        (
            "match except color [red, green]",
            m(Condition::matches_except("color", ["red", "green"])),
        ),
        (
            "match except n [1, 2]",
            m(Condition::matches_except("n", [1i64, 2])),
        ),
        (
            "must_not match any color [red, green]",
            Filter::must_not([Condition::matches_any("color", ["red", "green"])]),
        ),
        (
            "text quick (no index)",
            m(Condition::matches_text("title", "quick")),
        ),
        (
            "text QUICK (no index)",
            m(Condition::matches_text("title", "QUICK")),
        ),
        (
            "text quick brown (no index)",
            m(Condition::matches_text("title", "quick brown")),
        ),
        ("text fox (no index)", m(Condition::matches_text("title", "fox"))),
        (
            "text_any quick fox (no index)",
            m(Condition::matches_text_any("title", "quick fox")),
        ),
        (
            "phrase quick brown (no index)",
            m(Condition::matches_phrase("title", "quick brown")),
        ),
        ("range n >= 2", m(Condition::range("n", Range::new().gte(2.0)))),
        ("range f < 2", m(Condition::range("f", Range::new().lt(2.0)))),
        ("is_empty color", m(Condition::is_empty("color"))),
        ("is_empty tags", m(Condition::is_empty("tags"))),
        ("is_empty empty", m(Condition::is_empty("empty"))),
        ("is_null color", m(Condition::is_null("color"))),
        ("is_null title", m(Condition::is_null("title"))),
        ("is_null tags", m(Condition::is_null("tags"))),
        (
            "values_count color >= 1",
            m(Condition::values_count("color", ValuesCount::new().gte(1))),
        ),
        (
            "values_count n > 1",
            m(Condition::values_count("n", ValuesCount::new().gt(1))),
        ),
        ("has_vector v", m(Condition::has_vector("v"))),
        ("has_id 1 3 99", m(Condition::has_id([1u64, 3, 99]))),
        (
            "nested a=1 b=2",
            m(Condition::nested(
                "nested",
                Filter::must([Condition::matches("a", 1), Condition::matches("b", 2)]),
            )),
        ),
        ("nested[].a = 2", m(Condition::matches("nested[].a", 2))),
        ("nested.a = 1", m(Condition::matches("nested.a", 1))),
        (
            "min_should 2 of color red, n 1, flag true",
            Filter::min_should(
                2,
                [
                    Condition::matches("color", "red"),
                    Condition::matches("n", 1),
                    Condition::matches("flag", true),
                ],
            ),
        ),
    ]
}

fn filters(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let d = r.name("filters");
        filter_points(r, &d).await;
        for (label, filter) in filter_table() {
            r.select(label, &d, filter).await;
        }
        let ring = |points: &[(f64, f64)]| {
            points
                .iter()
                .map(|&(lon, lat)| qdrant_async::GeoPoint::new(lon, lat))
                .collect::<Vec<_>>()
        };
        let open = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        r.select(
            "polygon not closed",
            &d,
            Filter::must([Condition::geo_polygon(
                "geo",
                open,
                Vec::<Vec<qdrant_async::GeoPoint>>::new(),
            )]),
        )
        .await;
        let short = ring(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)]);
        r.select(
            "polygon of 3 points",
            &d,
            Filter::must([Condition::geo_polygon(
                "geo",
                short,
                Vec::<Vec<qdrant_async::GeoPoint>>::new(),
            )]),
        )
        .await;
        let closed = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        let hole = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 0.5)]);
        r.select(
            "polygon with an open hole, nested",
            &d,
            Filter::should([Condition::nested(
                "nested",
                Filter::must_not([Condition::geo_polygon("geo", closed.clone(), [hole.clone()])]),
            )]),
        )
        .await;
        let res = r
            .client
            .delete(&d, Filter::must([Condition::geo_polygon("geo", closed, [hole])]))
            .await;
        r.record("delete by a filter with an open hole", res, update);
        let raw = r.client.raw();
        let empty = proto::Condition {
            condition_one_of: None,
        };
        for (label, filter) in [
            (
                "must_not with an empty condition",
                proto::Filter {
                    must_not: vec![empty.clone()],
                    ..Default::default()
                },
            ),
            (
                "should with an empty condition",
                proto::Filter {
                    should: vec![empty.clone()],
                    ..Default::default()
                },
            ),
            (
                "must with an empty condition",
                proto::Filter {
                    must: vec![empty.clone()],
                    ..Default::default()
                },
            ),
            (
                "match with no value",
                proto::Filter {
                    must: vec![proto::Condition {
                        condition_one_of: Some(proto::condition::ConditionOneOf::Field(
                            proto::FieldCondition {
                                key: "color".into(),
                                r#match: Some(proto::Match { match_value: None }),
                                ..Default::default()
                            },
                        )),
                    }],
                    ..Default::default()
                },
            ),
        ] {
            let res = raw
                .points
                .clone()
                .count(proto::CountPoints {
                    collection_name: d.clone(),
                    filter: Some(filter),
                    exact: Some(true),
                    ..Default::default()
                })
                .await;
            r.record_raw(label, res, |c| json!(c.result.map(|c| c.count)));
        }
    })
}

fn indexed_filters(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("indexed");
        filter_points(r, &d).await;
        let res = c
            .create_payload_index(&d, "title", FieldType::Text)
            .field_index_params(PayloadIndexParams::text(TokenizerType::Word))
            .await;
        r.record("text index", res, update);
        let res = c.create_payload_index(&d, "n", FieldType::Integer).await;
        r.record("integer index", res, update);
        let res = c.create_payload_index(&d, "color", FieldType::Keyword).await;
        r.record("keyword index", res, update);
        let res = c.create_payload_index(&d, "f", FieldType::Float).await;
        r.record("float index", res, update);
        let res = c.create_payload_index(&d, "flag", FieldType::Bool).await;
        r.record("bool index", res, update);
        r.info("info with indexes", &d).await;
        for (label, filter) in filter_table() {
            r.select(&format!("{label}, indexed"), &d, filter).await;
        }
        for text in ["quick", "QUICK", "quick brown", "fox", "qui", "brown-fox", "the"] {
            r.select(
                &format!("text {text:?}, word index"),
                &d,
                Filter::must([Condition::matches_text("title", text)]),
            )
            .await;
        }
        for key in ["n", "color", "flag"] {
            let res = c.facet(&d, key).limit(20).exact(true).await;
            r.record(&format!("facet {key}"), res, |hits| {
                let mut hits: Vec<Json> = hits
                    .iter()
                    .map(|h| json!([format!("{:?}", h.value), h.count]))
                    .collect();
                hits.sort_by_key(|h| h.to_string());
                json!(hits)
            });
        }
        let res = c.delete_payload_index(&d, "nope").await;
        r.record("delete a missing index", res, update);
        let res = c.create_payload_index(&d, "n", FieldType::Keyword).await;
        r.record("index n again, as keyword", res, update);
        let res = c.create_payload_index(&d, "a.b[].c", FieldType::Integer).await;
        r.record("index a nested path", res, update);
        r.info("info after changes", &d).await;
    })
}

fn scroll_and_count(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("scroll");
        let res = c
            .create_collection(&d, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let uuid = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";
        let res = c
            .upsert(
                &d,
                [
                    Point::new(uuid, [1.0, 0.0]),
                    Point::new(10, [1.0, 0.0]),
                    Point::new(2, [1.0, 0.0]),
                    Point::new("00000000-0000-0000-0000-000000000001", [1.0, 0.0]),
                    Point::new(u64::MAX, [1.0, 0.0]),
                ],
            )
            .await;
        r.record("upsert", res, update);
        for (label, offset, limit) in [
            ("all", None, 10),
            ("first two", None, 2),
            ("from 3", Some(PointId::from(3)), 2),
            ("from a uuid", Some(PointId::from(uuid)), 10),
            ("from max", Some(PointId::from(u64::MAX)), 1),
        ] {
            let mut s = c.scroll(&d).limit(limit);
            if let Some(o) = offset {
                s = s.offset(o);
            }
            let res = s.await;
            r.record(label, res, |p| {
                json!({"ids": p.points.iter().map(|x| id(&x.id)).collect::<Vec<_>>(), "next": p.next_page_offset.as_ref().map(id)})
            });
        }
        let res = c.count(&d).exact(true).await;
        r.record("count", res, ok);
        let res = c.create_payload_index(&d, "n", FieldType::Integer).await;
        r.record("index n", res, update);
        let res = r
            .client
            .raw()
            .points
            .scroll(proto::ScrollPoints {
                collection_name: d.clone(),
                offset: Some(proto::PointId {
                    point_id_options: Some(proto::point_id::PointIdOptions::Num(2)),
                }),
                order_by: Some(proto::OrderBy {
                    key: "n".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await;
        r.record_raw("scroll with order_by and an offset", res, |p| {
            json!(p.result.len())
        });
        let res = c.count(&d).exact(false).await;
        r.record("approximate count", res, ok);
    })
}

fn score_threshold(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        for (tag, distance) in [("cos", Distance::Cosine), ("l2", Distance::Euclid)] {
            let d = r.name(tag);
            let res = c
                .create_collection(&d, VectorParams::new(2, distance))
                .shard_number(1)
                .await;
            r.record("create", res, ok);
            let res = c
                .upsert(
                    &d,
                    [
                        Point::new(1, [1.0, 0.0]),
                        Point::new(2, [0.6, 0.8]),
                        Point::new(3, [0.0, 1.0]),
                    ],
                )
                .await;
            r.record("upsert", res, update);
            let q = [1.0, 0.0];
            let all = c.query_points(&d, q).limit(10).await;
            let second = all
                .as_ref()
                .map_or(0.0, |hits| hits.get(1).map_or(0.0, |h| h.score));
            r.record("all", all, |hits| {
                json!(
                    hits.iter()
                        .map(|h| json!([id(&h.id), h.score]))
                        .collect::<Vec<_>>()
                )
            });
            let res = c.query_points(&d, q).limit(10).score_threshold(second).await;
            r.record("threshold equal to the second score", res, |hits| {
                json!(hits.iter().map(|h| id(&h.id)).collect::<Vec<_>>())
            });
        }
    })
}

// Deprecated fields too: clients still send them.
#[allow(deprecated)]
fn collection_details(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let raw = r.client.raw();
        let create = |name: String, vectors: Option<proto::VectorsConfig>| proto::CreateCollection {
            collection_name: name,
            vectors_config: vectors,
            shard_number: Some(1),
            ..Default::default()
        };
        let dense = |size: u64, distance: proto::Distance| proto::VectorsConfig {
            config: Some(proto::vectors_config::Config::Params(proto::VectorParams {
                size,
                distance: distance as i32,
                ..Default::default()
            })),
        };
        for (label, request) in [
            ("no vectors at all", create(r.name("none"), None)),
            (
                "size 0",
                create(r.name("size0"), Some(dense(0, proto::Distance::Dot))),
            ),
            (
                "size 65537",
                create(r.name("big"), Some(dense(65537, proto::Distance::Dot))),
            ),
            (
                "unknown distance",
                create(r.name("nodist"), Some(dense(4, proto::Distance::UnknownDistance))),
            ),
            (
                "named size 0",
                create(
                    r.name("named0"),
                    Some(proto::VectorsConfig {
                        config: Some(proto::vectors_config::Config::ParamsMap(proto::VectorParamsMap {
                            map: [(
                                "v".to_owned(),
                                proto::VectorParams {
                                    size: 0,
                                    distance: proto::Distance::Dot as i32,
                                    ..Default::default()
                                },
                            )]
                            .into(),
                        })),
                    }),
                ),
            ),
            (
                "named unknown distance",
                create(
                    r.name("namednodist"),
                    Some(proto::VectorsConfig {
                        config: Some(proto::vectors_config::Config::ParamsMap(proto::VectorParamsMap {
                            map: [(
                                "v".to_owned(),
                                proto::VectorParams {
                                    size: 2,
                                    distance: 9,
                                    ..Default::default()
                                },
                            )]
                            .into(),
                        })),
                    }),
                ),
            ),
            (
                "name with a slash",
                create(format!("{}/x", r.prefix), Some(dense(4, proto::Distance::Dot))),
            ),
            (
                "empty name",
                create(String::new(), Some(dense(4, proto::Distance::Dot))),
            ),
            (
                "shards, replication, on-disk payload",
                proto::CreateCollection {
                    shard_number: Some(3),
                    replication_factor: Some(2),
                    write_consistency_factor: Some(2),
                    on_disk_payload: Some(false),
                    ..create(r.name("shards"), Some(dense(4, proto::Distance::Euclid)))
                },
            ),
            (
                "custom sharding",
                proto::CreateCollection {
                    sharding_method: Some(proto::ShardingMethod::Custom as i32),
                    ..create(r.name("custom"), Some(dense(4, proto::Distance::Dot)))
                },
            ),
            (
                "wal, optimizers, hnsw, quantization",
                proto::CreateCollection {
                    wal_config: Some(proto::WalConfigDiff {
                        wal_capacity_mb: Some(8),
                        wal_segments_ahead: Some(1),
                        wal_retain_closed: Some(3),
                    }),
                    optimizers_config: Some(proto::OptimizersConfigDiff {
                        default_segment_number: Some(3),
                        max_segment_size: Some(100_000),
                        max_optimization_threads: Some(proto::MaxOptimizationThreads {
                            variant: Some(proto::max_optimization_threads::Variant::Value(2)),
                        }),
                        ..Default::default()
                    }),
                    hnsw_config: Some(proto::HnswConfigDiff {
                        m: Some(0),
                        payload_m: Some(8),
                        on_disk: Some(true),
                        ..Default::default()
                    }),
                    quantization_config: Some(proto::QuantizationConfig {
                        quantization: Some(proto::quantization_config::Quantization::Binary(
                            proto::BinaryQuantization {
                                always_ram: Some(true),
                                ..Default::default()
                            },
                        )),
                    }),
                    ..create(r.name("tuned"), Some(dense(4, proto::Distance::Cosine)))
                },
            ),
            (
                "sparse only",
                proto::CreateCollection {
                    sparse_vectors_config: Some(proto::SparseVectorConfig {
                        map: [("s".to_owned(), proto::SparseVectorParams::default())].into(),
                    }),
                    ..create(r.name("sparse"), None)
                },
            ),
        ] {
            let name = request.collection_name.clone();
            let res = raw.collections.clone().create(request).await;
            r.record_raw(label, res, |c| json!(c.result));
            r.info(&format!("{label}: info"), &name).await;
        }

        let plain = r.name("plain");
        let res = c
            .create_collection(&plain, VectorParams::new(4, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create plain", res, ok);
        let updates: Vec<(&str, proto::UpdateCollection)> = vec![
            (
                "update params",
                proto::UpdateCollection {
                    params: Some(proto::CollectionParamsDiff {
                        replication_factor: Some(3),
                        write_consistency_factor: Some(2),
                        on_disk_payload: Some(false),
                        read_fan_out_factor: Some(1),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ),
            (
                "update strict mode",
                proto::UpdateCollection {
                    strict_mode_config: Some(proto::StrictModeConfig {
                        enabled: Some(true),
                        max_timeout: Some(5),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ),
            (
                "update strict mode again",
                proto::UpdateCollection {
                    strict_mode_config: Some(proto::StrictModeConfig {
                        max_query_limit: Some(7),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ),
            (
                "update quantization",
                proto::UpdateCollection {
                    quantization_config: Some(proto::QuantizationConfigDiff {
                        quantization: Some(proto::quantization_config_diff::Quantization::Scalar(
                            proto::ScalarQuantization {
                                r#type: proto::QuantizationType::Int8 as i32,
                                ..Default::default()
                            },
                        )),
                    }),
                    ..Default::default()
                },
            ),
            (
                "disable quantization",
                proto::UpdateCollection {
                    quantization_config: Some(proto::QuantizationConfigDiff {
                        quantization: Some(proto::quantization_config_diff::Quantization::Disabled(
                            proto::Disabled {},
                        )),
                    }),
                    ..Default::default()
                },
            ),
            (
                "update a vector that does not exist",
                proto::UpdateCollection {
                    vectors_config: Some(proto::VectorsConfigDiff {
                        config: Some(proto::vectors_config_diff::Config::ParamsMap(
                            proto::VectorParamsDiffMap {
                                map: [("nope".to_owned(), proto::VectorParamsDiff::default())].into(),
                            },
                        )),
                    }),
                    ..Default::default()
                },
            ),
            (
                "update the unnamed vector",
                proto::UpdateCollection {
                    vectors_config: Some(proto::VectorsConfigDiff {
                        config: Some(proto::vectors_config_diff::Config::Params(
                            proto::VectorParamsDiff {
                                on_disk: Some(true),
                                ..Default::default()
                            },
                        )),
                    }),
                    ..Default::default()
                },
            ),
            (
                "update a sparse vector that does not exist",
                proto::UpdateCollection {
                    sparse_vectors_config: Some(proto::SparseVectorConfig {
                        map: [("nope".to_owned(), proto::SparseVectorParams::default())].into(),
                    }),
                    ..Default::default()
                },
            ),
            (
                "update metadata",
                proto::UpdateCollection {
                    metadata: [
                        (
                            "a".to_owned(),
                            proto::Value {
                                kind: Some(proto::value::Kind::IntegerValue(1)),
                            },
                        ),
                        (
                            "b".to_owned(),
                            proto::Value {
                                kind: Some(proto::value::Kind::NullValue(0)),
                            },
                        ),
                    ]
                    .into(),
                    ..Default::default()
                },
            ),
        ];
        for (label, mut update) in updates {
            update.collection_name = plain.clone();
            let res = raw.collections.clone().update(update).await;
            r.record_raw(label, res, |c| json!(c.result));
            r.info(&format!("{label}: info"), &plain).await;
        }
        let res = c.update_collection(r.name("missing")).await;
        r.record("update a missing collection", res, ok);
        let res = c.delete_collection(r.name("missing")).await;
        r.record("delete a missing collection", res, ok);
    })
}

fn point_writes(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("named");
        let res = c
            .create_collection(
                &d,
                VectorsConfig::named([
                    ("a", VectorParams::new(2, Distance::Dot)),
                    ("m", VectorParams::new(2, Distance::Dot).multivector()),
                ]),
            )
            .shard_number(1)
            .sparse_vector("s", SparseVectorParams::new())
            .await;
        r.record("create", res, ok);
        let res = c
            .upsert(
                &d,
                [
                    Point::new(1, Vectors::named([("a", Vector::from(vec![1.0, 2.0]))]))
                        .payload(json!({"v": 1})),
                    Point::new(1, Vectors::named([("a", Vector::from(vec![3.0, 4.0]))]))
                        .payload(json!({"v": 2})),
                    Point::new(
                        "5C56C793-69F3-4FBF-87E6-C4BF54C28C26",
                        Vectors::named([("a", Vector::from(vec![1.0, 1.0]))]),
                    ),
                    Point::new(
                        0,
                        Vectors::named([("m", Vector::from(vec![vec![1.0, 2.0], vec![3.0, 4.0]]))]),
                    ),
                ],
            )
            .await;
        r.record("upsert with a repeated id, an upper-case UUID, id 0", res, update);
        r.dump("points", &d).await;
        let res = c.upsert(&d, [Point::new(2, [1.0, 2.0])]).await;
        r.record("an unnamed vector into a named collection", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    2,
                    Vectors::named([("s", Vector::from(vec![1.0, 2.0]))]),
                )],
            )
            .await;
        r.record("a dense vector for a sparse name", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    2,
                    Vectors::named([("a", SparseVector::new([1], [1.0]).into())]),
                )],
            )
            .await;
        r.record("a sparse vector for a dense name", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    2,
                    Vectors::named([("m", Vector::from(vec![vec![1.0, 2.0, 3.0]]))]),
                )],
            )
            .await;
        r.record("a multivector of the wrong size", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    2,
                    Vectors::named([("m", Vector::from(Vec::<Vec<f32>>::new()))]),
                )],
            )
            .await;
        r.record("an empty multivector", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    2,
                    Vectors::named([("m", Vector::from(vec![5.0, 6.0]))]),
                )],
            )
            .await;
        r.record("a dense vector for a multivector name", res, update);
        let res = c
            .upsert(
                &d,
                [
                    Point::new(3, Vectors::named([("a", Vector::from(vec![0.0, 1.0]))]))
                        .payload(json!({"v": 3})),
                ],
            )
            .update_filter(Filter::must([Condition::matches("v", 99)]))
            .await;
        r.record("upsert a new point with an update filter", res, update);
        let res = c
            .upsert(
                &d,
                [
                    Point::new(1, Vectors::named([("a", Vector::from(vec![9.0, 9.0]))]))
                        .payload(json!({"v": 9})),
                ],
            )
            .update_filter(Filter::must([Condition::matches("v", 99)]))
            .await;
        r.record(
            "upsert an existing point not matching the update filter",
            res,
            update,
        );
        let res = c
            .update_vectors(
                &d,
                [PointVectors::new(
                    1,
                    Vectors::named([("m", Vector::from(vec![vec![7.0, 8.0]]))]),
                )],
            )
            .update_filter(Filter::must([Condition::matches("v", 2)]))
            .await;
        r.record("update_vectors matching the update filter", res, update);
        let res = c
            .update_vectors(
                &d,
                [PointVectors::new(
                    1,
                    Vectors::named([("nope", Vector::from(vec![1.0, 1.0]))]),
                )],
            )
            .await;
        r.record("update_vectors of an unknown name", res, update);
        let res = c.delete_vectors(&d, ["nope"], [1]).await;
        r.record("delete_vectors of an unknown name", res, update);
        let res = c
            .delete_vectors(&d, ["a", "m"], Filter::must([Condition::matches("v", 2)]))
            .await;
        r.record("delete_vectors by filter", res, update);
        r.dump("points after", &d).await;
        let res = c.delete(&d, Filter::must([Condition::has_vector("a")])).await;
        r.record("delete by has_vector", res, update);
        let res = c.count(&d).exact(true).await;
        r.record("count", res, ok);
        let res = c
            .batch_update_points(
                &d,
                [
                    PointsUpdateOperation::upsert([Point::new(
                        20,
                        Vectors::named([("a", Vector::from(vec![1.0, 0.0]))]),
                    )]),
                    PointsUpdateOperation::set_payload(json!({"k": 1}), [20]),
                    PointsUpdateOperation::overwrite_payload(json!({"o": 1}), [20]),
                    PointsUpdateOperation::delete_payload(["o"], [20]),
                    PointsUpdateOperation::clear_payload([20]),
                    PointsUpdateOperation::delete([20]),
                ],
            )
            .wait(true)
            .await;
        r.record("batch", res, |v| {
            json!(v.into_iter().map(update).collect::<Vec<_>>())
        });
        let res = c
            .upsert(
                &d,
                [Point::new(
                    21,
                    Vectors::named([("a", Vector::from(vec![1.0, 0.0]))]),
                )],
            )
            .wait(false)
            .await;
        r.record("upsert without waiting", res, |u| {
            json!(format!("{:?}", u.status))
        });

        let u = r.name("unnamed");
        let res = c
            .create_collection(&u, VectorParams::new(2, Distance::Cosine))
            .shard_number(1)
            .await;
        r.record("create unnamed", res, ok);
        let res = c
            .upsert(&u, [Point::new(1, [3.0, 4.0]), Point::new(2, [0.0, 0.0])])
            .await;
        r.record("upsert, one vector of zeros", res, update);
        let res = c
            .upsert(
                &u,
                [Point::new(
                    3,
                    Vectors::named([("", Vector::from(vec![1.0, 0.0]))]),
                )],
            )
            .await;
        r.record("upsert the unnamed vector by name", res, update);
        let res = c.delete_vectors(&u, [""], [1]).await;
        r.record("delete the unnamed vector", res, update);
        r.dump("unnamed points", &u).await;
    })
}

// Deprecated fields too: clients still send them.
#[allow(deprecated)]
fn payload_indexes(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("idx");
        let res = c
            .create_collection(&d, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let res = c
            .upsert(
                &d,
                [
                    Point::new(1, [1.0, 0.0]).payload(json!({"k": "a", "t": "hello world", "d": "2024-01-01T00:00:00Z", "u": "5c56c793-69f3-4fbf-87e6-c4bf54c28c26", "g": {"lon": 1.0, "lat": 2.0}, "f": 1.5, "b": true, "a": {"b": [{"c": 1}, {"c": "x"}]}})),
                    Point::new(2, [1.0, 0.0]).payload(json!({"k": ["a", "b"], "t": ["x", "y"], "d": "not a date", "u": "nope", "g": {"lon": 500.0, "lat": 2.0}, "f": "1.5", "b": "true"})),
                    Point::new(3, [1.0, 0.0]).payload(json!({"k": 1, "t": 1, "d": 1, "u": 1, "g": 1, "f": 2, "b": 0})),
                ],
            )
            .await;
        r.record("upsert", res, update);
        let raw = r.client.raw();
        let index = |field: &str,
                     field_type: Option<proto::FieldType>,
                     params: Option<proto::payload_index_params::IndexParams>| {
            proto::CreateFieldIndexCollection {
                collection_name: d.clone(),
                wait: Some(true),
                field_name: field.to_owned(),
                field_type: field_type.map(|t| t as i32),
                field_index_params: params.map(|p| proto::PayloadIndexParams {
                    index_params: Some(p),
                }),
                ..Default::default()
            }
        };
        use proto::payload_index_params::IndexParams as P;
        for (label, request) in [
            ("keyword", index("k", Some(proto::FieldType::Keyword), None)),
            (
                "keyword tenant",
                index(
                    "k2",
                    Some(proto::FieldType::Keyword),
                    Some(P::KeywordIndexParams(proto::KeywordIndexParams {
                        is_tenant: Some(true),
                        on_disk: Some(true),
                        ..Default::default()
                    })),
                ),
            ),
            ("text", index("t", Some(proto::FieldType::Text), None)),
            ("datetime", index("d", Some(proto::FieldType::Datetime), None)),
            ("uuid", index("u", Some(proto::FieldType::Uuid), None)),
            ("geo", index("g", Some(proto::FieldType::Geo), None)),
            ("float", index("f", Some(proto::FieldType::Float), None)),
            ("bool", index("b", Some(proto::FieldType::Bool), None)),
            (
                "nested integer",
                index("a.b[].c", Some(proto::FieldType::Integer), None),
            ),
            (
                "integer without lookup",
                index(
                    "n",
                    None,
                    Some(P::IntegerIndexParams(proto::IntegerIndexParams {
                        lookup: Some(false),
                        range: Some(true),
                        ..Default::default()
                    })),
                ),
            ),
            (
                "params of another type",
                index(
                    "x",
                    Some(proto::FieldType::Keyword),
                    Some(P::IntegerIndexParams(proto::IntegerIndexParams::default())),
                ),
            ),
            ("no type", index("y", None, None)),
            (
                "quoted key",
                index("\"dotted.key\"", Some(proto::FieldType::Keyword), None),
            ),
        ] {
            let res = raw.points.clone().create_field_index(request).await;
            r.record_raw(label, res, |p| json!(p.result.map(|u| u.status)));
        }
        r.info("info", &d).await;
        for (label, filter) in [
            (
                "datetime range",
                Filter::must([Condition::datetime_range(
                    "d",
                    qdrant_async::DatetimeRange::new().gte(std::time::UNIX_EPOCH),
                )]),
            ),
            (
                "uuid match",
                Filter::must([Condition::matches("u", "5C56C793-69F3-4FBF-87E6-C4BF54C28C26")]),
            ),
            (
                "geo radius",
                Filter::must([Condition::geo_radius(
                    "g",
                    qdrant_async::GeoPoint::new(1.0, 2.0),
                    1000.0,
                )]),
            ),
            (
                "float range",
                Filter::must([Condition::range("f", Range::new().gte(1.0))]),
            ),
            ("bool", Filter::must([Condition::matches("b", true)])),
            ("nested integer", Filter::must([Condition::matches("a.b[].c", 1)])),
            ("text", Filter::must([Condition::matches_text("t", "hello")])),
            (
                "keyword on an array",
                Filter::must([Condition::matches("k", "b")]),
            ),
        ] {
            r.select(label, &d, filter).await;
        }
        let res = c.delete_payload_index(&d, "k").await;
        r.record("delete an index", res, update);
        let res = c.delete_payload_index(&d, "\"dotted.key\"").await;
        r.record("delete the quoted key index", res, update);
        let res = c
            .create_payload_index(r.name("missing"), "k", FieldType::Keyword)
            .await;
        r.record("index on a missing collection", res, update);
        r.info("info after", &d).await;
    })
}

fn single_node_cluster(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("cl");
        let res = c
            .create_collection(&d, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let res = c.collection_cluster_info(&d).await;
        r.record("cluster info", res, |i| json!({"shards": i.shard_count, "local": i.local_shards.len(), "remote": i.remote_shards.len()}));
        let res = c.collection_cluster_info(r.name("missing")).await;
        r.record("cluster info of a missing collection", res, |i| {
            json!(i.shard_count)
        });
        for (label, op) in [
            ("move", qdrant_async::ClusterOperation::move_shard(0, 1, 2)),
            (
                "replicate",
                qdrant_async::ClusterOperation::replicate_shard(0, 1, 2),
            ),
            ("drop", qdrant_async::ClusterOperation::drop_replica(0, 1)),
        ] {
            let res = c.update_collection_cluster_setup(&d, op).await;
            r.record(label, res, ok);
        }
        let res = c.create_shard_key(&d, "tenant").await;
        r.record("create shard key", res, ok);
        let res = c.delete_shard_key(&d, "tenant").await;
        r.record("delete shard key", res, ok);
        let res = c.list_shard_keys(&d).await;
        r.record("list shard keys", res, |k| json!(k.len()));
        let res = c.create_shard_key(r.name("missing"), "tenant").await;
        r.record("create shard key on a missing collection", res, ok);
    })
}

fn write_messages(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("msg");
        let res = c
            .create_collection(
                &d,
                VectorsConfig::named([
                    ("a", VectorParams::new(2, Distance::Dot)),
                    ("m", VectorParams::new(2, Distance::Dot).multivector()),
                ]),
            )
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    1,
                    Vectors::named([("a", Vector::from(vec![1.0, 2.0]))]),
                )],
            )
            .await;
        r.record("upsert", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    2,
                    Vectors::named([("a", Vector::from(vec![1.0, 2.0, 3.0]))]),
                )],
            )
            .await;
        r.record("named dense of the wrong size", res, update);
        let res = c
            .update_vectors(
                &d,
                [PointVectors::new(
                    1,
                    Vectors::named([("a", Vector::from(vec![1.0]))]),
                )],
            )
            .await;
        r.record("update_vectors of the wrong size", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    2,
                    Vectors::named([("m", Vector::from(vec![vec![1.0, 2.0], vec![1.0]]))]),
                )],
            )
            .await;
        r.record("multivector rows of different sizes", res, update);
        let res = c
            .upsert(
                &d,
                [
                    Point::new(3, Vectors::named([("a", Vector::from(vec![1.0, 2.0]))])),
                    Point::new(4, Vectors::named([("a", Vector::from(vec![1.0]))])),
                ],
            )
            .await;
        r.record("second point of the wrong size", res, update);
        let res = c.retrieve(&d, [3]).await;
        r.record("first point written?", res, |p| records(&p));
        let res = c
            .upsert(
                &d,
                [
                    Point::new(5, Vectors::named([("a", Vector::from(vec![1.0]))])),
                    Point::new(6, Vectors::named([("nope", Vector::from(vec![1.0, 2.0]))])),
                ],
            )
            .await;
        r.record("wrong size then unknown name", res, update);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    7,
                    Vectors::named([("a", Vector::from(vec![1.0, 2.0]))]),
                )],
            )
            .await;
        r.record("upsert after", res, update);
        let raw = r.client.raw();
        for (tag, name) in [
            ("a name with a slash", format!("{}/x", r.prefix)),
            ("an empty name", String::new()),
        ] {
            let res = raw
                .points
                .clone()
                .upsert(proto::UpsertPoints {
                    collection_name: name.clone(),
                    points: Vec::new(),
                    ..Default::default()
                })
                .await;
            r.record_raw(&format!("upsert into {tag}"), res, |_| json!("ok"));
            let res = raw
                .points
                .clone()
                .scroll(proto::ScrollPoints {
                    collection_name: name.clone(),
                    ..Default::default()
                })
                .await;
            r.record_raw(&format!("scroll {tag}"), res, |_| json!("ok"));
            let res = raw
                .collections
                .clone()
                .collection_exists(proto::CollectionExistsRequest {
                    collection_name: name.clone(),
                })
                .await;
            r.record_raw(&format!("exists {tag}"), res, |e| {
                json!(e.result.map(|e| e.exists))
            });
            let res = raw
                .collections
                .clone()
                .delete(proto::DeleteCollection {
                    collection_name: name.clone(),
                    ..Default::default()
                })
                .await;
            r.record_raw(&format!("delete {tag}"), res, |e| json!(e.result));
            let res = raw
                .snapshots
                .clone()
                .create(proto::CreateSnapshotRequest {
                    collection_name: name.clone(),
                })
                .await;
            r.record_raw(&format!("snapshot {tag}"), res, |_| json!("ok"));
            let res = c.create_alias(&d, &name).await;
            r.record(&format!("alias named {tag}"), res, ok);
            let res = raw
                .collections
                .clone()
                .list_collection_aliases(proto::ListCollectionAliasesRequest {
                    collection_name: name.clone(),
                })
                .await;
            r.record_raw(&format!("aliases of {tag}"), res, |a| json!(a.aliases.len()));
        }
    })
}

/// Points for the second filter table: dates, geo points, nested arrays,
/// odd values.
async fn more_points(r: &mut Run, name: &str) {
    let c = r.client.clone();
    let res = c
        .create_collection(name, VectorParams::new(2, Distance::Dot))
        .shard_number(1)
        .await;
    r.record("create", res, ok);
    let docs = [
        json!({"d": "2024-01-01T00:00:00Z", "g": {"lon": 13.4, "lat": 52.5}, "a": [[1, 2], [3]], "o": {"x": [{"y": 1}, {"y": 2}]}, "s": "true", "big": 9007199254740993_i64, "t": ["Quick fox", "lazy dog"]}),
        json!({"d": "2024-06-01", "g": [{"lon": 2.35, "lat": 48.85}, {"lon": 13.4, "lat": 52.5}], "a": [1, [2]], "o": {"x": {"y": 1}}, "s": true, "big": 1.5e300, "t": "QUICK"}),
        json!({"d": "2024-06-01T12:00:00+02:00", "g": {"lon": "13.4", "lat": 52.5}, "a": [], "o": {"x": []}, "s": false, "t": ""}),
        json!({"d": "garbage", "g": null, "a": null, "o": {"x": [{"y": null}]}, "s": null}),
        json!({"d": ["2023-01-01", "2025-01-01"], "o": [{"x": [{"y": 2}]}], "uuid": "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"}),
    ];
    let points: Vec<Point> = docs
        .into_iter()
        .enumerate()
        .map(|(i, doc)| Point::new(i as u64 + 1, [1.0, i as f32]).payload(doc))
        .collect();
    let res = c.upsert(name, points).await;
    r.record("upsert", res, update);
}

fn more_filter_table() -> Vec<(&'static str, Filter)> {
    use std::time::{Duration, UNIX_EPOCH};
    let m = |c: Condition| Filter::must([c]);
    let day = |d: u64| UNIX_EPOCH + Duration::from_secs(d * 86_400);
    vec![
        (
            "datetime >= 2024-03-01",
            m(Condition::datetime_range(
                "d",
                qdrant_async::DatetimeRange::new().gte(day(19_783)),
            )),
        ),
        (
            "datetime < 2024-06-01T11:00Z",
            m(Condition::datetime_range(
                "d",
                qdrant_async::DatetimeRange::new().lt(day(19_875) + Duration::from_secs(11 * 3600)),
            )),
        ),
        ("range on dates", m(Condition::range("d", Range::new().gte(0.0)))),
        (
            "geo radius Berlin",
            m(Condition::geo_radius(
                "g",
                qdrant_async::GeoPoint::new(13.4, 52.5),
                1000.0,
            )),
        ),
        (
            "geo box Paris",
            m(Condition::geo_bounding_box(
                "g",
                qdrant_async::GeoPoint::new(2.0, 49.0),
                qdrant_async::GeoPoint::new(3.0, 48.0),
            )),
        ),
        ("match a 3", m(Condition::matches("a", 3))),
        ("match a 1", m(Condition::matches("a", 1))),
        ("match a[] 3", m(Condition::matches("a[]", 3))),
        (
            "values_count a >= 2",
            m(Condition::values_count("a", ValuesCount::new().gte(2))),
        ),
        (
            "values_count a[] >= 2",
            m(Condition::values_count("a[]", ValuesCount::new().gte(2))),
        ),
        (
            "values_count missing < 1",
            m(Condition::values_count("nope", ValuesCount::new().lt(1))),
        ),
        ("is_empty a", m(Condition::is_empty("a"))),
        ("is_empty o.x", m(Condition::is_empty("o.x"))),
        ("is_empty o.x[].y", m(Condition::is_empty("o.x[].y"))),
        ("is_null o.x[].y", m(Condition::is_null("o.x[].y"))),
        ("match o.x.y 1", m(Condition::matches("o.x.y", 1))),
        ("match o.x[].y 1", m(Condition::matches("o.x[].y", 1))),
        ("match o[].x[].y 2", m(Condition::matches("o[].x[].y", 2))),
        (
            "nested o.x y=2",
            m(Condition::nested(
                "o.x",
                Filter::must([Condition::matches("y", 2)]),
            )),
        ),
        (
            "nested o[].x y=2",
            m(Condition::nested(
                "o[].x",
                Filter::must([Condition::matches("y", 2)]),
            )),
        ),
        (
            "nested in nested",
            m(Condition::nested(
                "o",
                Filter::must([Condition::nested("x", Filter::must([Condition::matches("y", 2)]))]),
            )),
        ),
        (
            "nested has_id",
            m(Condition::nested(
                "o.x",
                Filter::must([Condition::has_id([1u64, 2, 3, 4, 5])]),
            )),
        ),
        ("match s true", m(Condition::matches("s", true))),
        ("match s \"true\"", m(Condition::matches("s", "true"))),
        ("range s", m(Condition::range("s", Range::new().gte(0.0)))),
        (
            "match big",
            m(Condition::matches("big", 9_007_199_254_740_993_i64)),
        ),
        ("range big", m(Condition::range("big", Range::new().gt(1e299)))),
        ("text t quick", m(Condition::matches_text("t", "Quick"))),
        ("text t empty", m(Condition::matches_text("t", ""))),
        ("text_any t", m(Condition::matches_text_any("t", "dog QUICK"))),
        ("prefix t Qu", m(Condition::matches_prefix("t", "Qu"))),
        ("substring t ick", m(Condition::matches_substring("t", "ick"))),
        (
            "match uuid",
            m(Condition::matches("uuid", "5c56c793-69f3-4fbf-87e6-c4bf54c28c26")),
        ),
        ("except s [x]", m(Condition::matches_except("s", ["x"]))),
        ("except a [1]", m(Condition::matches_except("a", [1i64]))),
        (
            "has_id uuid-less",
            m(Condition::has_id(["5c56c793-69f3-4fbf-87e6-c4bf54c28c26"])),
        ),
        (
            "should nothing but min_should",
            Filter::min_should(0, [Condition::matches("s", true)]),
        ),
    ]
}

fn more_filters(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let d = r.name("more");
        more_points(r, &d).await;
        for (label, filter) in more_filter_table() {
            r.select(label, &d, filter).await;
        }
        let c = r.client.clone();
        for (key, field_type) in [
            ("d", FieldType::Datetime),
            ("g", FieldType::Geo),
            ("o.x[].y", FieldType::Integer),
            ("s", FieldType::Bool),
            ("t", FieldType::Text),
            ("uuid", FieldType::Uuid),
            ("big", FieldType::Float),
        ] {
            let res = c.create_payload_index(&d, key, field_type).await;
            r.record(&format!("index {key}"), res, update);
        }
        r.info("info", &d).await;
        for (label, filter) in more_filter_table() {
            r.select(&format!("{label}, indexed"), &d, filter).await;
        }
    })
}

fn text_indexes(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("text");
        let res = c
            .create_collection(&d, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let titles = [
            json!({"w": "The Quick brown fox", "p": "The Quick brown fox", "ph": "The quick brown fox", "ws": "Hello, World! foo-bar"}),
            json!({"w": "quick-brown", "p": "quicksilver", "ph": ["quick", "brown fox"], "ws": "hello world foo bar"}),
            json!({"w": "a an the ok", "p": "Tiny", "ph": "brown quick fox", "ws": "HELLO"}),
        ];
        let points: Vec<Point> = titles
            .into_iter()
            .enumerate()
            .map(|(i, doc)| Point::new(i as u64 + 1, [1.0, 0.0]).payload(doc))
            .collect();
        let res = c.upsert(&d, points).await;
        r.record("upsert", res, update);
        let text = |tokenizer: TokenizerType, f: &dyn Fn(&mut qdrant_async::TextIndexParams)| {
            let mut p = PayloadIndexParams::text(tokenizer);
            if let PayloadIndexParams::Text(t) = &mut p {
                f(t);
            }
            p
        };
        for (key, params) in [
            (
                "w",
                text(TokenizerType::Word, &|t| {
                    t.min_token_len = Some(2);
                    t.max_token_len = Some(5);
                    t.stopwords = Some(qdrant_async::StopwordsSet::new().custom(["the", "OK"]));
                }),
            ),
            ("p", text(TokenizerType::Prefix, &|t| t.max_token_len = Some(4))),
            (
                "ph",
                text(TokenizerType::Word, &|t| t.phrase_matching = Some(true)),
            ),
            (
                "ws",
                text(TokenizerType::Whitespace, &|t| t.lowercase = Some(false)),
            ),
        ] {
            let res = c
                .create_payload_index(&d, key, FieldType::Text)
                .field_index_params(params)
                .await;
            r.record(&format!("index {key}"), res, update);
        }
        r.info("info", &d).await;
        let cases: Vec<(&str, Condition)> = vec![
            ("w quick", Condition::matches_text("w", "quick")),
            ("w brown", Condition::matches_text("w", "brown")),
            ("w the", Condition::matches_text("w", "the")),
            ("w ok", Condition::matches_text("w", "ok")),
            ("w a quick", Condition::matches_text("w", "a quick")),
            ("w text_any the an", Condition::matches_text_any("w", "the an")),
            ("p qui", Condition::matches_text("p", "qui")),
            ("p quicksilver", Condition::matches_text("p", "quicksilver")),
            ("p ti", Condition::matches_text("p", "ti")),
            ("p t", Condition::matches_text("p", "t")),
            ("ph quick brown", Condition::matches_phrase("ph", "quick brown")),
            ("ph brown quick", Condition::matches_phrase("ph", "brown quick")),
            ("ph quick fox", Condition::matches_phrase("ph", "quick fox")),
            ("ph text quick fox", Condition::matches_text("ph", "quick fox")),
            ("ws hello", Condition::matches_text("ws", "hello")),
            ("ws Hello,", Condition::matches_text("ws", "Hello,")),
            ("ws HELLO", Condition::matches_text("ws", "HELLO")),
            ("ws foo-bar", Condition::matches_text("ws", "foo-bar")),
            (
                "ws phrase without phrase matching",
                Condition::matches_phrase("ws", "hello world"),
            ),
        ];
        for (label, condition) in cases {
            r.select(label, &d, Filter::must([condition])).await;
        }
    })
}

fn vector_names(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("names");
        let res = c
            .create_collection(
                &d,
                VectorsConfig::named([("a", VectorParams::new(2, Distance::Dot))]),
            )
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let res = c
            .upsert(
                &d,
                [Point::new(
                    1,
                    Vectors::named([("a", Vector::from(vec![1.0, 2.0]))]),
                )],
            )
            .await;
        r.record("upsert", res, update);
        use qdrant_async::VectorCreationConfig as V;
        for (label, name, config) in [
            ("dense", "b", V::dense(3, Distance::Cosine)),
            (
                "multivector",
                "m",
                V::from(VectorParams::new(2, Distance::Dot).multivector()),
            ),
            (
                "sparse",
                "s",
                V::sparse(SparseVectorParams::new().modifier(Modifier::Idf)),
            ),
            ("a name taken", "a", V::dense(2, Distance::Dot)),
            ("a sparse name taken", "s", V::sparse(SparseVectorParams::new())),
            ("size 0", "z", V::dense(0, Distance::Dot)),
        ] {
            let res = c.create_vector_name(&d, name, config).await;
            r.record(&format!("create {label}"), res, update);
        }
        r.info("info", &d).await;
        let res = c
            .upsert(
                &d,
                [Point::new(
                    2,
                    Vectors::named([
                        ("b", Vector::from(vec![1.0, 0.0, 0.0])),
                        ("s", SparseVector::new([1], [1.0]).into()),
                    ]),
                )],
            )
            .await;
        r.record("upsert into the new names", res, update);
        r.dump("points", &d).await;
        for name in ["b", "s", "nope", "a"] {
            let res = c.delete_vector_name(&d, name).await;
            r.record(&format!("delete {name}"), res, update);
        }
        r.info("info after", &d).await;
        r.dump("points after", &d).await;
        let u = r.name("unnamed");
        let res = c
            .create_collection(&u, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create unnamed", res, ok);
        let res = c.create_vector_name(&u, "b", V::dense(3, Distance::Cosine)).await;
        r.record("a name in an unnamed collection", res, update);
        r.info("unnamed with a name: info", &u).await;
        let res = c.upsert(&u, [Point::new(1, [1.0, 2.0])]).await;
        r.record("upsert the unnamed vector", res, update);
        r.dump("unnamed points", &u).await;
        let res = c.create_vector_name(&u, "b", V::dense(4, Distance::Cosine)).await;
        r.record("a name taken, another size", res, update);
        let res = c.delete_vector_name(&u, "").await;
        r.record("delete the unnamed vector", res, update);
        r.info("unnamed info", &u).await;
        r.dump("unnamed points after", &u).await;
    })
}

/// Reads through queries, which `search.rs` answers with the helpers the
/// other reads use: filters on indexed keys, selectors.
fn query_reads(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("q");
        filter_points(r, &d).await;
        let res = c.create_payload_index(&d, "n", FieldType::Integer).await;
        r.record("integer index", res, update);
        let q = |filter: Filter| c.query_points(&d, [0.0, 1.0]).using("v").limit(10).filter(filter);
        let ids = |hits: Vec<qdrant_async::ScoredPoint>| {
            let mut ids: Vec<Json> = hits.iter().map(|h| id(&h.id)).collect();
            ids.sort_by_key(|v| v.to_string());
            json!(ids)
        };
        let res = q(Filter::must([Condition::matches("n", 5)])).await;
        r.record("query, match on an integer index", res, ids);
        let res = q(Filter::must([Condition::matches("color", "red")]))
            .with_payload(PayloadSelector::include(["title", "bad key"]))
            .await;
        r.record("query, include an invalid path", res, ids);
        let res = q(Filter::must([Condition::matches("color", "red")]))
            .with_vectors(VectorsSelector::include(["nope"]))
            .await;
        r.record("query, an unknown vector name", res, ids);
        let res = q(Filter::must([Condition::matches("color", "red")]))
            .with_payload(PayloadSelector::exclude(["title"]))
            .await;
        r.record("query, exclude", res, |hits| {
            json!(hits.iter().map(|h| payload(&h.payload)).collect::<Vec<_>>())
        });
        selectors_and_limits(r, &d).await;
    })
}

fn raw_id(n: u64) -> proto::PointId {
    proto::PointId {
        point_id_options: Some(proto::point_id::PointIdOptions::Num(n)),
    }
}

/// The ids of raw hits, in their order.
fn raw_hits(hits: &[proto::ScoredPoint]) -> Json {
    Json::Array(
        hits.iter()
            .map(
                |h| match h.id.as_ref().and_then(|i| i.point_id_options.as_ref()) {
                    Some(proto::point_id::PointIdOptions::Num(n)) => json!(n),
                    other => json!(format!("{other:?}")),
                },
            )
            .collect(),
    )
}

/// A filter on `geo` whose polygon's outer ring is not closed, which
/// Qdrant 1.19 refuses where it validates a filter.
fn open_polygon() -> proto::Filter {
    let point = |lon: f64, lat: f64| proto::GeoPoint { lon, lat };
    proto::Filter {
        must: vec![proto::Condition {
            condition_one_of: Some(proto::condition::ConditionOneOf::Field(proto::FieldCondition {
                key: "geo".into(),
                geo_polygon: Some(proto::GeoPolygon {
                    exterior: Some(proto::GeoLineString {
                        points: vec![point(0.0, 0.0), point(1.0, 0.0), point(1.0, 1.0), point(0.0, 1.0)],
                    }),
                    interiors: Vec::new(),
                }),
                ..Default::default()
            })),
        }],
        ..Default::default()
    }
}

fn int_value(n: i64) -> proto::Value {
    proto::Value {
        kind: Some(proto::value::Kind::IntegerValue(n)),
    }
}

fn by_filter(filter: proto::Filter) -> proto::PointsSelector {
    proto::PointsSelector {
        points_selector_one_of: Some(proto::points_selector::PointsSelectorOneOf::Filter(filter)),
    }
}

fn include(fields: &[&str]) -> proto::WithPayloadSelector {
    proto::WithPayloadSelector {
        selector_options: Some(proto::with_payload_selector::SelectorOptions::Include(
            proto::PayloadIncludeSelector {
                fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            },
        )),
    }
}

fn vectors_named(names: &[&str]) -> proto::WithVectorsSelector {
    proto::WithVectorsSelector {
        selector_options: Some(proto::with_vectors_selector::SelectorOptions::Include(
            proto::VectorsSelector {
                names: names.iter().map(|n| (*n).to_owned()).collect(),
            },
        )),
    }
}

/// The limits, filters and selectors of every read, sent raw: what Qdrant
/// checks, and when (an unknown vector name fails only a read that finds
/// points).
#[allow(deprecated)]
async fn selectors_and_limits(r: &mut Run, d: &str) {
    let mut points = r.client.raw().points;
    let recommend = |limit: u64| proto::RecommendPoints {
        collection_name: d.to_owned(),
        positive: vec![raw_id(3)],
        using: Some("v".into()),
        limit,
        ..Default::default()
    };
    let res = points.recommend(recommend(0)).await;
    r.record_raw("recommend, limit 0", res, |x| raw_hits(&x.result));
    let res = points
        .recommend(proto::RecommendPoints {
            filter: Some(open_polygon()),
            ..recommend(0)
        })
        .await;
    r.record_raw("recommend, limit 0 and an open polygon", res, |x| {
        raw_hits(&x.result)
    });
    let res = points.recommend(recommend(u64::MAX)).await;
    r.record_raw("recommend, the largest limit", res, |x| raw_hits(&x.result));
    let res = points
        .recommend(proto::RecommendPoints {
            offset: Some(u64::MAX),
            ..recommend(u64::MAX)
        })
        .await;
    r.record_raw("recommend, the largest limit and offset", res, |x| {
        raw_hits(&x.result)
    });
    let res = points
        .recommend(proto::RecommendPoints {
            with_payload: Some(include(&["bad key"])),
            ..recommend(3)
        })
        .await;
    r.record_raw("recommend, include an invalid path", res, |x| raw_hits(&x.result));
    let res = points
        .recommend(proto::RecommendPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            ..recommend(3)
        })
        .await;
    r.record_raw("recommend, an unknown vector name", res, |x| raw_hits(&x.result));
    let batch = |items: Vec<proto::RecommendPoints>| proto::RecommendBatchPoints {
        collection_name: d.to_owned(),
        recommend_points: items,
        ..Default::default()
    };
    let res = points
        .recommend_batch(batch(vec![recommend(0), recommend(0)]))
        .await;
    r.record_raw("recommend batch, limits 0", res, |x| {
        json!(x.result.iter().map(|b| raw_hits(&b.result)).collect::<Vec<_>>())
    });
    let res = points
        .recommend_batch(batch(vec![recommend(0), recommend(u64::MAX)]))
        .await;
    r.record_raw("recommend batch, limit 0 and the largest", res, |x| {
        json!(x.result.iter().map(|b| raw_hits(&b.result)).collect::<Vec<_>>())
    });
    let open = proto::RecommendPoints {
        filter: Some(open_polygon()),
        ..recommend(2)
    };
    let res = points.recommend_batch(batch(vec![recommend(2), open])).await;
    r.record_raw("recommend batch, an open polygon", res, |x| {
        json!(x.result.iter().map(|b| raw_hits(&b.result)).collect::<Vec<_>>())
    });
    let res = points
        .recommend_groups(proto::RecommendPointGroups {
            collection_name: d.to_owned(),
            positive: vec![raw_id(1)],
            using: Some("v".into()),
            filter: Some(open_polygon()),
            group_by: "color".into(),
            group_size: 1,
            limit: 2,
            ..Default::default()
        })
        .await;
    r.record_raw("recommend groups, an open polygon", res, |x| {
        json!(x.result.map(|g| g.groups.len()))
    });
    let res = points
        .search_groups(proto::SearchPointGroups {
            collection_name: d.to_owned(),
            vector: vec![0.0, 1.0],
            vector_name: Some("v".into()),
            filter: Some(open_polygon()),
            group_by: "color".into(),
            group_size: 1,
            limit: 2,
            ..Default::default()
        })
        .await;
    r.record_raw("search groups, an open polygon", res, |x| {
        json!(x.result.map(|g| g.groups.len()))
    });
    let search = proto::SearchPoints {
        collection_name: d.to_owned(),
        vector: vec![0.0, 1.0],
        vector_name: Some("v".into()),
        limit: 3,
        ..Default::default()
    };
    let res = points
        .search(proto::SearchPoints {
            with_payload: Some(include(&["bad key"])),
            ..search.clone()
        })
        .await;
    r.record_raw("search, include an invalid path", res, |x| raw_hits(&x.result));
    let res = points
        .search(proto::SearchPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            ..search.clone()
        })
        .await;
    r.record_raw("search, an unknown vector name", res, |x| raw_hits(&x.result));
    let nothing = proto::Filter {
        must: vec![Condition::matches("color", "purple").into()],
        ..Default::default()
    };
    let res = points
        .search(proto::SearchPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            filter: Some(nothing.clone()),
            ..search.clone()
        })
        .await;
    r.record_raw("search, an unknown vector name, nothing found", res, |x| {
        raw_hits(&x.result)
    });
    let res = points
        .search_batch(proto::SearchBatchPoints {
            collection_name: d.to_owned(),
            search_points: vec![proto::SearchPoints {
                with_vectors: Some(vectors_named(&["nope"])),
                filter: Some(nothing.clone()),
                ..search.clone()
            }],
            ..Default::default()
        })
        .await;
    r.record_raw("search batch, an unknown vector name, nothing found", res, |x| {
        json!(x.result.iter().map(|b| raw_hits(&b.result)).collect::<Vec<_>>())
    });
    let res = points
        .search_groups(proto::SearchPointGroups {
            collection_name: d.to_owned(),
            vector: vec![0.0, 1.0],
            vector_name: Some("v".into()),
            filter: Some(nothing.clone()),
            with_vectors: Some(vectors_named(&["nope"])),
            group_by: "color".into(),
            group_size: 1,
            limit: 2,
            ..Default::default()
        })
        .await;
    r.record_raw("search groups, an unknown vector name, nothing found", res, |x| {
        json!(x.result.map(|g| g.groups.len()))
    });
    let res = points
        .recommend(proto::RecommendPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            filter: Some(nothing.clone()),
            ..recommend(3)
        })
        .await;
    r.record_raw("recommend, an unknown vector name, nothing found", res, |x| {
        raw_hits(&x.result)
    });
    let res = points
        .recommend(proto::RecommendPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            ..recommend(0)
        })
        .await;
    r.record_raw("recommend, an unknown vector name, limit 0", res, |x| {
        raw_hits(&x.result)
    });
    let res = points
        .search(proto::SearchPoints {
            with_payload: Some(include(&["bad key"])),
            vector_name: Some("nope".into()),
            ..search.clone()
        })
        .await;
    r.record_raw("search, an invalid path and an unknown vector", res, |x| {
        raw_hits(&x.result)
    });
    let res = points
        .search(proto::SearchPoints {
            with_payload: Some(include(&["bad key"])),
            collection_name: format!("{d}_missing"),
            ..search.clone()
        })
        .await;
    r.record_raw("search a missing collection, an invalid path", res, |x| {
        raw_hits(&x.result)
    });
    let res = points
        .search(proto::SearchPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            collection_name: format!("{d}_missing"),
            ..search.clone()
        })
        .await;
    r.record_raw("search a missing collection, an unknown vector name", res, |x| {
        raw_hits(&x.result)
    });
    let query = proto::QueryPoints {
        collection_name: d.to_owned(),
        query: Some(proto::Query {
            variant: Some(proto::query::Variant::Nearest(proto::VectorInput {
                variant: Some(proto::vector_input::Variant::Dense(proto::DenseVector {
                    data: vec![0.0, 1.0],
                })),
            })),
        }),
        using: Some("v".into()),
        ..Default::default()
    };
    let res = points
        .query(proto::QueryPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            filter: Some(nothing.clone()),
            ..query.clone()
        })
        .await;
    r.record_raw("query, an unknown vector name, nothing found", res, |x| {
        raw_hits(&x.result)
    });
    let res = points
        .query_batch(proto::QueryBatchPoints {
            collection_name: d.to_owned(),
            query_points: vec![
                query.clone(),
                proto::QueryPoints {
                    with_payload: Some(include(&["bad key"])),
                    ..query.clone()
                },
            ],
            ..Default::default()
        })
        .await;
    r.record_raw("query batch, an invalid path", res, |x| {
        json!(x.result.iter().map(|b| raw_hits(&b.result)).collect::<Vec<_>>())
    });
    let res = points
        .query_batch(proto::QueryBatchPoints {
            collection_name: d.to_owned(),
            query_points: vec![
                query.clone(),
                proto::QueryPoints {
                    with_vectors: Some(vectors_named(&["nope"])),
                    ..query.clone()
                },
            ],
            ..Default::default()
        })
        .await;
    r.record_raw("query batch, an unknown vector name", res, |x| {
        json!(x.result.iter().map(|b| raw_hits(&b.result)).collect::<Vec<_>>())
    });
    let groups = proto::QueryPointGroups {
        collection_name: d.to_owned(),
        query: query.query.clone(),
        using: Some("v".into()),
        group_by: "color".into(),
        ..Default::default()
    };
    let res = points
        .query_groups(proto::QueryPointGroups {
            with_payload: Some(include(&["bad key"])),
            ..groups.clone()
        })
        .await;
    r.record_raw("query groups, an invalid path", res, |x| {
        json!(x.result.map(|g| g.groups.len()))
    });
    let res = points
        .query_groups(proto::QueryPointGroups {
            with_vectors: Some(vectors_named(&["nope"])),
            ..groups.clone()
        })
        .await;
    r.record_raw("query groups, an unknown vector name", res, |x| {
        json!(x.result.map(|g| g.groups.len()))
    });
    let res = points
        .query_groups(proto::QueryPointGroups {
            with_vectors: Some(vectors_named(&["nope"])),
            group_by: "no such key".into(),
            ..groups.clone()
        })
        .await;
    r.record_raw("query groups, an unknown vector name, no group", res, |x| {
        json!(x.result.map(|g| g.groups.len()))
    });
    let discover = proto::DiscoverPoints {
        collection_name: d.to_owned(),
        target: Some(proto::TargetVector {
            target: Some(proto::target_vector::Target::Single(proto::VectorExample {
                example: Some(proto::vector_example::Example::Id(raw_id(1))),
            })),
        }),
        using: Some("v".into()),
        limit: 3,
        ..Default::default()
    };
    let res = points
        .discover(proto::DiscoverPoints {
            with_payload: Some(include(&["bad key"])),
            ..discover.clone()
        })
        .await;
    r.record_raw("discover, an invalid path", res, |x| raw_hits(&x.result));
    let res = points
        .discover(proto::DiscoverPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            ..discover.clone()
        })
        .await;
    r.record_raw("discover, an unknown vector name", res, |x| raw_hits(&x.result));
    let res = points
        .discover(proto::DiscoverPoints {
            with_vectors: Some(vectors_named(&["nope"])),
            filter: Some(nothing.clone()),
            ..discover.clone()
        })
        .await;
    r.record_raw("discover, an unknown vector name, nothing found", res, |x| {
        raw_hits(&x.result)
    });
    let res = points
        .scroll(proto::ScrollPoints {
            collection_name: d.to_owned(),
            filter: Some(nothing.clone()),
            with_vectors: Some(vectors_named(&["nope"])),
            ..Default::default()
        })
        .await;
    r.record_raw("scroll, an unknown vector name, nothing found", res, |x| {
        json!(x.result.len())
    });
    let res = points
        .get(proto::GetPoints {
            collection_name: d.to_owned(),
            ids: vec![raw_id(99)],
            with_vectors: Some(vectors_named(&["nope"])),
            ..Default::default()
        })
        .await;
    r.record_raw("retrieve a missing id, an unknown vector name", res, |x| {
        json!(x.result.len())
    });
    let res = points
        .get(proto::GetPoints {
            collection_name: d.to_owned(),
            ids: vec![raw_id(1)],
            with_vectors: Some(vectors_named(&["nope"])),
            ..Default::default()
        })
        .await;
    r.record_raw("retrieve, an unknown vector name", res, |x| json!(x.result.len()));
}

/// Writes that take a filter, each with a filter Qdrant 1.19 refuses
/// where it validates one, then the points they left.
fn write_filters(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("w");
        let res = c
            .create_collection(&d, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let res = c
            .upsert(
                &d,
                (1..=3u64).map(|i| {
                    Point::new(i, [1.0, i as f32]).payload(json!({"n": i, "geo": {"lon": 0.5, "lat": 0.5}}))
                }),
            )
            .await;
        r.record("upsert", res, update);
        let mut points = r.client.raw().points;
        let wait = Some(true);
        let shown = |x: proto::PointsOperationResponse| {
            json!(
                x.result
                    .map(|u| json!({"status": u.status, "operation_id": u.operation_id}))
            )
        };
        let res = points
            .delete(proto::DeletePoints {
                collection_name: d.clone(),
                wait,
                points: Some(by_filter(open_polygon())),
                ..Default::default()
            })
            .await;
        r.record_raw("delete by an open polygon", res, shown);
        let res = points
            .set_payload(proto::SetPayloadPoints {
                collection_name: d.clone(),
                wait,
                payload: [("x".to_owned(), int_value(1))].into(),
                points_selector: Some(by_filter(open_polygon())),
                ..Default::default()
            })
            .await;
        r.record_raw("set_payload by an open polygon", res, shown);
        let res = points
            .overwrite_payload(proto::SetPayloadPoints {
                collection_name: d.clone(),
                wait,
                payload: [("x".to_owned(), int_value(1))].into(),
                points_selector: Some(by_filter(open_polygon())),
                ..Default::default()
            })
            .await;
        r.record_raw("overwrite_payload by an open polygon", res, shown);
        let res = points
            .delete_payload(proto::DeletePayloadPoints {
                collection_name: d.clone(),
                wait,
                keys: vec!["n".into()],
                points_selector: Some(by_filter(open_polygon())),
                ..Default::default()
            })
            .await;
        r.record_raw("delete_payload by an open polygon", res, shown);
        let res = points
            .clear_payload(proto::ClearPayloadPoints {
                collection_name: d.clone(),
                wait,
                points: Some(by_filter(open_polygon())),
                ..Default::default()
            })
            .await;
        r.record_raw("clear_payload by an open polygon", res, shown);
        let res = points
            .delete_vectors(proto::DeletePointVectors {
                collection_name: d.clone(),
                wait,
                points_selector: Some(by_filter(open_polygon())),
                vectors: Some(proto::VectorsSelector {
                    names: vec![String::new()],
                }),
                ..Default::default()
            })
            .await;
        r.record_raw("delete_vectors by an open polygon", res, shown);
        let point = |id: u64| proto::PointStruct {
            id: Some(raw_id(id)),
            vectors: Some(proto::Vectors {
                vectors_options: Some(proto::vectors::VectorsOptions::Vector(proto::Vector {
                    vector: Some(proto::vector::Vector::Dense(proto::DenseVector {
                        data: vec![2.0, 2.0],
                    })),
                    ..Default::default()
                })),
            }),
            payload: Default::default(),
        };
        let res = points
            .upsert(proto::UpsertPoints {
                collection_name: d.clone(),
                wait,
                points: vec![point(1), point(4)],
                update_filter: Some(open_polygon()),
                ..Default::default()
            })
            .await;
        r.record_raw("upsert, an open polygon as update_filter", res, shown);
        let res = points
            .update_vectors(proto::UpdatePointVectors {
                collection_name: d.clone(),
                wait,
                points: vec![proto::PointVectors {
                    id: Some(raw_id(2)),
                    vectors: point(2).vectors,
                }],
                update_filter: Some(open_polygon()),
                ..Default::default()
            })
            .await;
        r.record_raw("update_vectors, an open polygon as update_filter", res, shown);
        let min_should_zero = proto::Filter {
            min_should: Some(proto::MinShould {
                conditions: vec![Condition::matches("n", 1).into()],
                min_count: 0,
            }),
            ..Default::default()
        };
        let res = points
            .upsert(proto::UpsertPoints {
                collection_name: d.clone(),
                wait,
                points: vec![point(1)],
                update_filter: Some(min_should_zero.clone()),
                ..Default::default()
            })
            .await;
        r.record_raw("upsert, min_should of 0 as update_filter", res, shown);
        let res = points
            .delete_vectors(proto::DeletePointVectors {
                collection_name: d.clone(),
                wait,
                points_selector: Some(by_filter(min_should_zero)),
                vectors: Some(proto::VectorsSelector {
                    names: vec![String::new()],
                }),
                ..Default::default()
            })
            .await;
        r.record_raw("delete_vectors by min_should of 0", res, shown);
        let res = points
            .delete(proto::DeletePoints {
                collection_name: format!("{d}_missing"),
                wait,
                points: Some(by_filter(open_polygon())),
                ..Default::default()
            })
            .await;
        r.record_raw("delete by an open polygon, a missing collection", res, shown);
        let res = points
            .set_payload(proto::SetPayloadPoints {
                collection_name: format!("{d}_missing"),
                wait,
                payload: [("x".to_owned(), int_value(1))].into(),
                points_selector: Some(by_filter(open_polygon())),
                ..Default::default()
            })
            .await;
        r.record_raw("set_payload by an open polygon, a missing collection", res, shown);
        use proto::points_update_operation as op;
        let batch = |operation: op::Operation| proto::UpdateBatchPoints {
            collection_name: d.clone(),
            wait,
            operations: vec![proto::PointsUpdateOperation {
                operation: Some(operation),
            }],
            ..Default::default()
        };
        let res = points
            .update_batch(batch(op::Operation::SetPayload(op::SetPayload {
                payload: [("y".to_owned(), int_value(1))].into(),
                points_selector: Some(by_filter(open_polygon())),
                ..Default::default()
            })))
            .await;
        r.record_raw("batch set_payload by an open polygon", res, |x| {
            json!(x.result.len())
        });
        let res = points
            .update_batch(batch(op::Operation::Upsert(op::PointStructList {
                points: vec![point(3)],
                update_filter: Some(open_polygon()),
                ..Default::default()
            })))
            .await;
        r.record_raw("batch upsert, an open polygon as update_filter", res, |x| {
            json!(x.result.len())
        });
        let res = points
            .update_batch(batch(op::Operation::DeletePoints(op::DeletePoints {
                points: Some(by_filter(open_polygon())),
                ..Default::default()
            })))
            .await;
        r.record_raw("batch delete by an open polygon", res, |x| json!(x.result.len()));
        r.dump("points", &d).await;
    })
}

fn snapshots(r: &mut Run) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let c = r.client.clone();
        let d = r.name("snap");
        let snapshot = |s: qdrant_async::SnapshotDescription| snapshot_json(&s);
        let res = c.create_snapshot(r.name("missing")).await;
        r.record("snapshot of a missing collection", res, snapshot);
        let res = c.list_snapshots(r.name("missing")).await;
        r.record("list of a missing collection", res, |l| json!(l.len()));
        let res = c
            .create_collection(&d, VectorParams::new(2, Distance::Dot))
            .shard_number(1)
            .await;
        r.record("create", res, ok);
        let res = c.list_snapshots(&d).await;
        r.record("list none", res, |l| json!(l.len()));
        let res = c.create_alias(&d, r.name("alias")).await;
        r.record("alias", res, ok);
        // One snapshot only: two taken in the same second share a name.
        let res = c.create_snapshot(r.name("alias")).await;
        let name = res.as_ref().map(|s| s.name.clone()).unwrap_or_default();
        r.record("snapshot through an alias", res, snapshot);
        let res = c.list_snapshots(&d).await;
        r.record("list", res, |l| {
            json!(l.iter().map(snapshot_json).collect::<Vec<_>>())
        });
        let res = c.list_snapshots(r.name("alias")).await;
        r.record("list through an alias", res, |l| json!(l.len()));
        let res = c.delete_snapshot(&d, "nope.snapshot").await;
        r.record("delete a missing snapshot", res, |()| json!("ok"));
        let res = c.delete_snapshot(r.name("alias"), &name).await;
        r.record("delete through an alias", res, |()| json!("ok"));
        let res = c.delete_snapshot(&d, &name).await.map_err(|e| e.code());
        r.steps.push(("delete again".into(), json!(format!("{res:?}"))));
        let res = c.list_snapshots(&d).await;
        r.record("list after delete", res, |l| json!(l.len()));
        let res = c.delete_full_snapshot("nope.snapshot").await;
        r.record("delete a missing full snapshot", res, |()| json!("ok"));
    })
}

/// A snapshot description with its variable parts (digits, size,
/// checksum) replaced by their shape.
fn snapshot_json(s: &qdrant_async::SnapshotDescription) -> Json {
    // The collection's name, then runs of digits as `N`.
    let name = s
        .name
        .rsplit_once("_snap-")
        .map_or(s.name.as_str(), |(_, tail)| tail);
    let mut shape = String::new();
    for ch in name.chars() {
        if !ch.is_ascii_digit() {
            shape.push(ch);
        } else if !shape.ends_with('N') {
            shape.push('N');
        }
    }
    let name = shape;
    json!({
        "name": name,
        "has_time": s.creation_time.is_some(),
        "checksum_len": s.checksum.as_ref().map(String::len),
    })
}

#[tokio::test]
async fn health_check_names_the_embedded_server() -> anyhow::Result<()> {
    let server = EmbeddedServer::start().await?;
    let client = Client::connect(server.url()).await?;
    let health = client.health_check().await?;
    assert!(health.title.contains("qdrant-async"), "{health:?}");
    assert!(!health.title.contains("vector search engine"), "{health:?}");
    assert_eq!(client.server_version(), Some(RECORDED));
    Ok(())
}

#[tokio::test]
async fn parity_collection_config() -> anyhow::Result<()> {
    compare("collection_config", collection_config).await
}

#[tokio::test]
async fn parity_aliases() -> anyhow::Result<()> {
    compare("aliases", aliases).await
}

#[tokio::test]
async fn parity_write_checks() -> anyhow::Result<()> {
    compare("write_checks", write_checks).await
}

#[tokio::test]
async fn parity_payload_paths() -> anyhow::Result<()> {
    compare("payload_paths", payload_paths).await
}

#[tokio::test]
async fn parity_selectors() -> anyhow::Result<()> {
    compare("selectors", selectors).await
}

#[tokio::test]
async fn parity_filters() -> anyhow::Result<()> {
    compare("filters", filters).await
}

#[tokio::test]
async fn parity_indexed_filters() -> anyhow::Result<()> {
    compare("indexed_filters", indexed_filters).await
}

#[tokio::test]
async fn parity_scroll_and_count() -> anyhow::Result<()> {
    compare("scroll_and_count", scroll_and_count).await
}

#[tokio::test]
async fn parity_score_threshold() -> anyhow::Result<()> {
    compare("score_threshold", score_threshold).await
}

#[tokio::test]
async fn parity_collection_details() -> anyhow::Result<()> {
    compare("collection_details", collection_details).await
}

#[tokio::test]
async fn parity_point_writes() -> anyhow::Result<()> {
    compare("point_writes", point_writes).await
}

#[tokio::test]
async fn parity_payload_indexes() -> anyhow::Result<()> {
    compare("payload_indexes", payload_indexes).await
}

#[tokio::test]
async fn parity_single_node_cluster() -> anyhow::Result<()> {
    // The embedded server answers like a single node. A cluster answers
    // these calls in distributed mode (`cluster::` asserts those answers),
    // so there the embedded server is compared with the recorded single
    // node.
    let real = std::env::var("QDRANT_URL")
        .ok()
        .filter(|_| !crate::common::on_cluster());
    compare_with("single_node_cluster", single_node_cluster, real).await
}

#[tokio::test]
async fn parity_write_messages() -> anyhow::Result<()> {
    compare("write_messages", write_messages).await
}

#[tokio::test]
async fn parity_more_filters() -> anyhow::Result<()> {
    compare("more_filters", more_filters).await
}

#[tokio::test]
async fn parity_text_indexes() -> anyhow::Result<()> {
    compare("text_indexes", text_indexes).await
}

#[tokio::test]
async fn parity_vector_names() -> anyhow::Result<()> {
    compare("vector_names", vector_names).await
}

#[tokio::test]
async fn parity_query_reads() -> anyhow::Result<()> {
    compare("query_reads", query_reads).await
}

#[tokio::test]
async fn parity_write_filters() -> anyhow::Result<()> {
    compare("write_filters", write_filters).await
}

#[tokio::test]
async fn parity_snapshots() -> anyhow::Result<()> {
    compare("snapshots", snapshots).await
}
