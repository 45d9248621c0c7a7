//! Differential tests of the query area: the same calls, through the public
//! API, against the embedded server and a real Qdrant, answers normalized
//! (ids, scores to 1e-4, order) and compared.
//!
//! With `QDRANT_URL` set, each area runs on both servers and the answers
//! must agree. Without it, the embedded server's answers are compared with
//! the answers real Qdrant 1.19.0 gave, recorded in `parity/<area>.json`.
//! `PARITY_RECORD=1` with `QDRANT_URL` rewrites those files from the real
//! server.

#![allow(deprecated)]

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use qdrant_async::server::EmbeddedServer;
use qdrant_async::{
    Client, Condition, Decay, Direction, Distance, Error, Expression, FieldType, Filter, Fusion, GeoPoint,
    OrderBy, Point, PointGroup, Prefetch, Query, QueryRequest, RecommendStrategy, ScoredPoint, SearchParams,
    SparseVector, SparseVectorParams, StartFrom, Vector, VectorParams, Vectors, VectorsConfig, WithLookup,
    proto,
};
use serde_json::{Value, json};

/// The Qdrant release whose answers `parity/` holds.
const RECORDED_VERSION: &str = "1.19.0";

/// How far apart two scores may be and still agree.
const TOLERANCE: f64 = 1e-4;

/// The answers of one area's calls, in call order, each under its name.
#[derive(Default)]
struct Transcript(Vec<(String, Value)>);

fn id_json(id: &qdrant_async::PointId) -> Value {
    match id.as_u64() {
        Some(n) => json!(n),
        None => json!(id.to_string()),
    }
}

/// A score, kept to six decimals so that the recorded files stay readable.
fn score_json(score: f32) -> Value {
    json!((f64::from(score) * 1e6).round() / 1e6)
}

fn error_json(e: &Error) -> Value {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => {
            json!({"error": format!("{code:?}"), "message": crate::common::peer_message(message)})
        }
        _ => json!({"client_error": e.to_string()}),
    }
}

/// Hits as `[id, score]` pairs in the order given, except that points with
/// equal scores are put in id order: Qdrant does not order ties.
fn hits_json(hits: &[ScoredPoint]) -> Value {
    let mut rows: Vec<(Value, f32)> = hits.iter().map(|h| (id_json(&h.id), h.score)).collect();
    let mut start = 0;
    while start < rows.len() {
        let mut end = start + 1;
        while end < rows.len() && (rows[end].1 - rows[start].1).abs() < 1e-6 {
            end += 1;
        }
        rows[start..end].sort_by_key(|(id, _)| id.to_string());
        start = end;
    }
    Value::Array(
        rows.into_iter()
            .map(|(id, s)| json!([id, score_json(s)]))
            .collect(),
    )
}

fn groups_json(groups: &[PointGroup]) -> Value {
    Value::Array(
        groups
            .iter()
            .map(|g| {
                json!({
                    "id": format!("{:?}", g.id),
                    "hits": hits_json(&g.hits),
                    "lookup": g.lookup.as_ref().map(|r| id_json(&r.id)),
                })
            })
            .collect(),
    )
}

impl Transcript {
    fn record(&mut self, name: &str, value: Value) {
        self.0.push((name.to_owned(), value));
    }

    fn hits(&mut self, name: &str, r: Result<Vec<ScoredPoint>, Error>) {
        let v = match r {
            Ok(hits) => hits_json(&hits),
            Err(e) => error_json(&e),
        };
        self.record(name, v);
    }

    /// Hits in the order given, ties included (for `order_by`, whose
    /// scores are all equal).
    fn ordered(&mut self, name: &str, r: Result<Vec<ScoredPoint>, Error>) {
        let v = match r {
            Ok(hits) => Value::Array(
                hits.iter()
                    .map(|h| json!([id_json(&h.id), score_json(h.score)]))
                    .collect(),
            ),
            Err(e) => error_json(&e),
        };
        self.record(name, v);
    }

    /// Hits whose order and scores are random: only which points came.
    fn hit_set(&mut self, name: &str, r: Result<Vec<ScoredPoint>, Error>) {
        let v = match r {
            Ok(hits) => {
                let mut ids: Vec<Value> = hits.iter().map(|h| id_json(&h.id)).collect();
                ids.sort_by_key(Value::to_string);
                let mut scores: Vec<Value> = hits.iter().map(|h| score_json(h.score)).collect();
                scores.dedup();
                json!({"ids": ids, "scores": scores})
            }
            Err(e) => error_json(&e),
        };
        self.record(name, v);
    }

    fn batch(&mut self, name: &str, r: Result<Vec<Vec<ScoredPoint>>, Error>) {
        let v = match r {
            Ok(lists) => Value::Array(lists.iter().map(|l| hits_json(l)).collect()),
            Err(e) => error_json(&e),
        };
        self.record(name, v);
    }

    fn groups(&mut self, name: &str, r: Result<Vec<PointGroup>, Error>) {
        let v = match r {
            Ok(groups) => groups_json(&groups),
            Err(e) => error_json(&e),
        };
        self.record(name, v);
    }

    fn value(&mut self, name: &str, r: Result<Value, Error>) {
        let v = r.unwrap_or_else(|e| error_json(&e));
        self.record(name, v);
    }
}

/// Where two answers differ: a path and both values; numbers that are not
/// ids agree within [`TOLERANCE`].
fn differences(path: &str, real: &Value, embedded: &Value, out: &mut Vec<String>) {
    match (real, embedded) {
        (Value::Number(a), Value::Number(b)) if a.is_f64() || b.is_f64() => {
            let (a, b) = (a.as_f64().unwrap_or(f64::NAN), b.as_f64().unwrap_or(f64::NAN));
            if (a - b).abs() > TOLERANCE {
                out.push(format!("{path}: real {a} embedded {b}"));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (Value::Object(a), Value::Object(b)) if a.keys().eq(b.keys()) => {
            for (k, x) in a {
                differences(&format!("{path}.{k}"), x, &b[k], out);
            }
        }
        _ if real == embedded => {}
        _ => out.push(format!(
            "{path}:\n      real     {real}\n      embedded {embedded}"
        )),
    }
}

/// Calls that Qdrant 1.19 answers differently from earlier releases: the
/// embedded server answers like 1.19, so against an older server they are
/// not compared.
const CHANGED_IN_1_19: &[&str] = &[
    // 1.18 drops an example whose point lacks the vector; 1.19 answers NotFound.
    "recommend by a point without that vector",
];

/// Whether a Qdrant version (as its health check gives it) is before 1.19.
fn before_1_19(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    matches!((parts.next(), parts.next()), (Some(Some(major)), Some(Some(minor))) if (major, minor) < (1, 19))
}

/// Compares two transcripts call by call, and fails with every difference;
/// `skip` names the calls not compared.
fn assert_same(area: &str, real: &Transcript, embedded: &Transcript, real_name: &str, skip: &[&str]) {
    let mut report = Vec::new();
    let names = |t: &Transcript| t.0.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if names(real) != names(embedded) {
        panic!(
            "{area}: the calls differ ({real_name} vs embedded): {:?} vs {:?}",
            names(real),
            names(embedded)
        );
    }
    for ((name, r), (_, e)) in real.0.iter().zip(&embedded.0) {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let mut diffs = Vec::new();
        differences("", r, e, &mut diffs);
        if !diffs.is_empty() {
            report.push(format!("  {name}:\n    {}", diffs.join("\n    ")));
        }
    }
    assert!(
        report.is_empty(),
        "{area}: the embedded server answers differently from {real_name} in {} of {} calls:\n{}",
        report.len(),
        real.0.len(),
        report.join("\n")
    );
}

fn recorded_path(area: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/parity")
        .join(format!("{area}.json"))
}

fn to_file(t: &Transcript) -> String {
    let lines: Vec<String> = t.0.iter().map(|(n, v)| json!([n, v]).to_string()).collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

fn from_file(text: &str) -> anyhow::Result<Transcript> {
    let rows: Vec<(String, Value)> = serde_json::from_str(text)?;
    Ok(Transcript(rows))
}

type Calls = for<'a> fn(
    &'a Client,
    &'a str,
    &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// Replaces the test's collection name (random per run) wherever an
/// answer quotes it.
fn anonymize(v: &mut Value, collection: &str) {
    match v {
        Value::String(s) => *s = s.replace(collection, "<collection>"),
        Value::Array(items) => items.iter_mut().for_each(|x| anonymize(x, collection)),
        Value::Object(map) => map.values_mut().for_each(|x| anonymize(x, collection)),
        _ => {}
    }
}

/// Runs an area's calls on a fresh fixture of one server.
async fn transcript(client: &Client, collection: &str, calls: Calls) -> anyhow::Result<Transcript> {
    fixture(client, collection).await?;
    let mut t = Transcript::default();
    let result = calls(client, collection, &mut t).await;
    for name in client.get_collections().await? {
        if name.starts_with(collection) {
            client.delete_collection(&name).await?;
        }
    }
    result?;
    t.0.iter_mut().for_each(|(_, v)| anonymize(v, collection));
    Ok(t)
}

/// Runs an area against the embedded server and against `QDRANT_URL` (or
/// the recorded answers) and compares.
async fn parity(area: &str, calls: Calls) -> anyhow::Result<()> {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let collection = format!("parity_{area}_{}", &suffix[..8]);
    let server = EmbeddedServer::start().await?;
    let embedded_client = Client::connect(server.url()).await?;
    let embedded = transcript(&embedded_client, &collection, calls).await?;
    match std::env::var("QDRANT_URL") {
        Ok(url) => {
            let client = Client::connect(&url)
                .await
                .map_err(|e| anyhow::anyhow!("cannot reach the test server at {url}: {e}"))?;
            let real = transcript(&client, &collection, calls).await?;
            let version = client.server_version().unwrap_or("unknown").to_owned();
            if std::env::var_os("PARITY_RECORD").is_some() {
                anyhow::ensure!(
                    version == RECORDED_VERSION,
                    "the answers are recorded from Qdrant {RECORDED_VERSION}, not {version}"
                );
                std::fs::write(recorded_path(area), to_file(&real))?;
            }
            let skip = if before_1_19(&version) {
                CHANGED_IN_1_19
            } else {
                &[]
            };
            assert_same(
                area,
                &real,
                &embedded,
                &format!("Qdrant {version} at {url}"),
                skip,
            );
        }
        Err(_) => {
            let path = recorded_path(area);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read the recorded answers {}: {e}", path.display()))?;
            let real = from_file(&text)?;
            let source = format!("the answers recorded from Qdrant {RECORDED_VERSION}");
            assert_same(area, &real, &embedded, &source, &[]);
        }
    }
    Ok(())
}

/// The vectors of the ten fixture points: no two collinear, no ties for
/// the queries below, different lengths so that Dot and Cosine differ.
const VECTORS: [[f32; 3]; 10] = [
    [0.124, 0.253, 0.338],
    [0.905, 0.521, 0.734],
    [0.145, 0.533, 0.851],
    [0.547, 0.947, 0.888],
    [0.402, 0.051, 0.768],
    [0.17, 0.059, 1.64],
    [0.851, 0.845, 0.956],
    [0.242, 0.127, 0.165],
    [0.979, 0.156, 0.202],
    [0.77, 0.097, 0.086],
];

const COLORS: [&str; 10] = [
    "red", "green", "blue", "red", "green", "blue", "red", "yellow", "green", "red",
];

/// One collection with a vector of each distance, a multivector and a
/// sparse vector; payload keys for filters, groups, facets and order_by.
async fn fixture(client: &Client, c: &str) -> anyhow::Result<()> {
    client
        .create_collection(
            c,
            VectorsConfig::named([
                ("cos", VectorParams::new(3, Distance::Cosine)),
                ("euc", VectorParams::new(3, Distance::Euclid)),
                ("dot", VectorParams::new(3, Distance::Dot)),
                ("man", VectorParams::new(3, Distance::Manhattan)),
                ("multi", VectorParams::new(3, Distance::Cosine).multivector()),
            ]),
        )
        .shard_number(1)
        .sparse_vector("sparse", SparseVectorParams::new())
        .await?;
    let points = (1..=10u64).map(|id| {
        let i = (id - 1) as usize;
        let v = VECTORS[i].to_vec();
        let multi = vec![v.clone(), VECTORS[(i + 3) % 10].to_vec()];
        let sparse = SparseVector::new(
            [id as u32 % 5, (id as u32 * 3) % 7 + 5],
            [0.2 + id as f32 * 0.1, 1.0 - id as f32 * 0.07],
        );
        let group = ["a", "b", "c"][i % 3];
        let payload = json!({
            "group": group,
            "num": id % 4,
            "price": id as f64 * 1.5 + (id % 3) as f64 * 0.25,
            "color": COLORS[i],
            "tags": if id % 2 == 0 { json!(["y"]) } else { json!(["x", "y"]) },
            "loc": {"lon": 13.0 + id as f64 * 0.1, "lat": 52.0 + id as f64 * 0.05},
            "when": format!("2024-0{}-01T00:00:00Z", id % 9 + 1),
            "scores": [id as i64 * 3 % 11, 20 - id as i64],
        });
        Point::new(
            id,
            Vectors::named([
                ("cos", Vector::from(v.clone())),
                ("euc", Vector::from(v.clone())),
                ("dot", Vector::from(v.clone())),
                ("man", Vector::from(v)),
                ("multi", Vector::from(multi)),
                ("sparse", Vector::from(sparse)),
            ]),
        )
        .payload(payload)
    });
    client.upsert(c, points).await?;
    client.create_payload_index(c, "price", FieldType::Float).await?;
    client.create_payload_index(c, "num", FieldType::Integer).await?;
    client
        .create_payload_index(c, "color", FieldType::Keyword)
        .await?;
    client
        .create_payload_index(c, "group", FieldType::Keyword)
        .await?;
    client
        .create_payload_index(c, "when", FieldType::Datetime)
        .await?;
    client
        .create_payload_index(c, "scores", FieldType::Integer)
        .await?;
    Ok(())
}

const Q: [f32; 3] = [0.62, 0.47, 0.31];
const Q2: [f32; 3] = [0.13, 0.29, 0.91];

fn exact() -> SearchParams {
    SearchParams::new().exact(true)
}

fn nearest_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        for using in ["cos", "euc", "dot", "man"] {
            let hits = client
                .query_points(c, Q)
                .using(using)
                .limit(5)
                .params(exact())
                .await;
            // A threshold equal to the third hit's own score.
            let third = hits.as_ref().ok().and_then(|h| h.get(2)).map(|h| h.score);
            t.hits(&format!("nearest {using}"), hits);
            if let Some(s) = third {
                let at = client
                    .query_points(c, Q)
                    .using(using)
                    .limit(5)
                    .score_threshold(s)
                    .params(exact())
                    .await;
                t.hits(&format!("nearest {using} threshold at the third score"), at);
            }
            let by_id = client
                .query_points(c, 3)
                .using(using)
                .limit(4)
                .params(exact())
                .await;
            t.hits(&format!("nearest {using} by id"), by_id);
        }
        let offset = client.query_points(c, Q).using("cos").limit(3).offset(2).await;
        t.hits("nearest with offset", offset);
        let filtered = client
            .query_points(c, Q)
            .using("cos")
            .filter(Filter::must([Condition::matches("color", "red")]))
            .await;
        t.hits("nearest with filter", filtered);
        let multi = client
            .query_points(c, vec![Q.to_vec(), Q2.to_vec()])
            .using("multi")
            .limit(4)
            .await;
        t.hits("multivector query", multi);
        let dense_on_multi = client.query_points(c, Q).using("multi").limit(4).await;
        t.hits("dense query on a multivector", dense_on_multi);
        let multi_on_dense = client
            .query_points(c, vec![Q.to_vec(), Q2.to_vec()])
            .using("cos")
            .limit(4)
            .await;
        t.hits("multivector query on a dense vector", multi_on_dense);
        let sparse = client
            .query_points(c, SparseVector::new([1, 2, 8], [1.0, 0.5, 0.25]))
            .using("sparse")
            .limit(5)
            .await;
        t.hits("sparse query", sparse);
        let text = client
            .query_points(c, Query::text("quick fox", None, None))
            .using("color")
            .await;
        t.hits("text query", text);
        let dense_on_sparse = client.query_points(c, Q).using("sparse").await;
        t.hits("dense query on a sparse vector", dense_on_sparse);
        let wrong_dim = client.query_points(c, [0.1, 0.2]).using("cos").await;
        t.hits("wrong dimension", wrong_dim);
        let unknown = client.query_points(c, Q).using("nope").await;
        t.hits("unknown vector name", unknown);
        let missing = client.query_points(c, 99).using("cos").await;
        t.hits("missing id", missing);
        let unnamed = client.query_points(c, Q).await;
        t.hits("no vector name on a named collection", unnamed);
        let prefetch_filter = client
            .query_points(c, Q2)
            .using("cos")
            .prefetch(Prefetch::new(Q).using("cos").limit(3))
            .filter(Filter::must([Condition::matches("color", "red")]))
            .await;
        t.hits("a root filter applies inside the prefetch", prefetch_filter);
        let rescored = client
            .query_points(c, Q2)
            .using("euc")
            .prefetch(Prefetch::new(Q).using("cos").limit(4))
            .prefetch(Prefetch::new(Q2).using("dot").limit(2))
            .await;
        t.hits("re-scoring two prefetches", rescored);
        let by_id_in_prefetch = client
            .query_points(c, Q2)
            .using("cos")
            .prefetch(Prefetch::new(4).using("cos").limit(5))
            .await;
        t.hits(
            "an id in a prefetch is left out of the results",
            by_id_in_prefetch,
        );
        let prefetch_threshold = client
            .query_points(c, Q2)
            .using("cos")
            .prefetch(Prefetch::new(Q).using("euc").score_threshold(0.5).limit(10))
            .await;
        t.hits("prefetch with a distance threshold", prefetch_threshold);
        let batch = client
            .query_batch_points(
                c,
                [
                    QueryRequest::new(Q).using("cos").limit(2),
                    QueryRequest::new(Q2).using("euc").limit(2),
                ],
            )
            .await;
        t.batch("query batch", batch);
        let batch_error = client
            .query_batch_points(
                c,
                [
                    QueryRequest::new(Q).using("cos").limit(2),
                    QueryRequest::new(Q2).using("nope").limit(2),
                ],
            )
            .await;
        t.batch("query batch with a bad entry", batch_error);
        Ok(())
    })
}

fn fusion_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        let two = |q: Query| {
            client
                .query_points(c, q)
                .prefetch(Prefetch::new(Q).using("cos").limit(5))
                .prefetch(Prefetch::new(Q2).using("euc").limit(5))
                .limit(10)
        };
        t.hits("rrf", two(Fusion::Rrf.into()).await);
        t.hits("rrf k=2", two(Query::rrf(Some(2), [])).await);
        t.hits("rrf k=5", two(Query::rrf(Some(5), [])).await);
        t.hits("rrf weights 3:1", two(Query::rrf(None, [3.0, 1.0])).await);
        t.hits("rrf weights 1:0.5", two(Query::rrf(Some(3), [1.0, 0.5])).await);
        t.hits(
            "rrf one weight for two prefetches",
            two(Query::rrf(None, [1.0])).await,
        );
        t.hits("dbsf", two(Fusion::Dbsf.into()).await);
        // Weights keep the two lists' ranks apart: no ties at the page's edges.
        let weighted = || two(Query::rrf(None, [1.0, 0.8]));
        t.hits("rrf limit and offset", weighted().limit(3).offset(2).await);
        t.hits(
            "rrf threshold",
            two(Fusion::Rrf.into()).score_threshold(0.5).await,
        );
        t.hits(
            "dbsf threshold",
            two(Fusion::Dbsf.into()).score_threshold(0.9).await,
        );
        let dbsf_small = client
            .query_points(c, Fusion::Dbsf)
            .prefetch(Prefetch::new(Q).using("dot").limit(1))
            .prefetch(Prefetch::new(Q2).using("man").limit(2))
            .prefetch(Prefetch::new(Q2).using("cos").limit(3))
            .await;
        t.hits("dbsf of one, two and three hits", dbsf_small);
        let nested = client
            .query_points(c, Q)
            .using("dot")
            .prefetch(
                Prefetch::new(Query::rrf(None, [1.0, 0.7]))
                    .prefetch(Prefetch::new(Q).using("cos").limit(4))
                    .prefetch(Prefetch::new(Q2).using("man").limit(4))
                    .limit(5),
            )
            .await;
        t.hits("rrf inside a prefetch, re-scored", nested);
        let nested_dbsf = client
            .query_points(c, Fusion::Rrf)
            .prefetch(
                Prefetch::new(Fusion::Dbsf)
                    .prefetch(Prefetch::new(Q).using("cos").limit(4))
                    .prefetch(Prefetch::new(Q2).using("man").limit(4))
                    .limit(3),
            )
            .prefetch(Prefetch::new(Q2).using("sparse").limit(3).using("dot"))
            .await;
        t.hits("dbsf inside rrf", nested_dbsf);
        let filtered = two(Fusion::Rrf.into())
            .filter(Filter::must_not([Condition::matches("color", "red")]))
            .await;
        t.hits("rrf with a root filter", filtered);
        let no_prefetch = client.query_points(c, Fusion::Rrf).await;
        t.hits("fusion without prefetch", no_prefetch);
        let dbsf_no_prefetch = client.query_points(c, Fusion::Dbsf).limit(3).await;
        t.hits("dbsf without prefetch", dbsf_no_prefetch);
        let with_using = two(Fusion::Rrf.into()).using("cos").await;
        t.hits("fusion with using", with_using);
        let without_query = client
            .query_points(c, Q)
            .query(None)
            .prefetch(Prefetch::new(Q).using("cos").limit(3))
            .await;
        t.hits("prefetch without a query", without_query);
        let nested_without_query = client
            .query_points(c, Fusion::Rrf)
            .prefetch(Prefetch::nested([Prefetch::new(Q).using("cos").limit(3)]))
            .prefetch(Prefetch::new(Q2).using("cos").limit(3))
            .await;
        t.hits("a nested prefetch without a query", nested_without_query);
        let no_query = client.query_points(c, Q).query(None).limit(4).await;
        t.hits("no query at all", no_query);
        let no_query_threshold = client.query_points(c, Q).query(None).score_threshold(0.1).await;
        t.hits("no query with a threshold", no_query_threshold);
        Ok(())
    })
}

fn recommend_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        use RecommendStrategy::*;
        for using in ["cos", "euc", "dot", "man"] {
            for (label, strategy) in [
                ("average", AverageVector),
                ("best", BestScore),
                ("sum", SumScores),
            ] {
                let r = client
                    .query_points(c, Query::recommend([1, 4], [6]).strategy(strategy))
                    .using(using)
                    .limit(5)
                    .await;
                t.hits(&format!("recommend {label} {using}"), r);
            }
            let only_negative = client
                .query_points(c, Query::recommend(Vec::<u64>::new(), [6]).strategy(BestScore))
                .using(using)
                .limit(4)
                .await;
            t.hits(&format!("recommend best, negative only, {using}"), only_negative);
        }
        let raw = client
            .query_points(
                c,
                Query::recommend([vec![1.0f32, 2.0, 0.5]], [vec![0.3f32, 0.3, 3.0]]),
            )
            .using("cos")
            .limit(5)
            .await;
        t.hits("recommend average with raw vectors on cosine", raw);
        let raw_mixed = client
            .query_points(
                c,
                Query::recommend(
                    [Vector::from(vec![2.0f32, 0.1, 0.1])],
                    [Vector::from(vec![0.1f32, 0.1, 1.0])],
                )
                .strategy(BestScore),
            )
            .using("cos")
            .limit(5)
            .await;
        t.hits("recommend best with raw vectors on cosine", raw_mixed);
        let no_examples = client
            .query_points(c, Query::recommend(Vec::<u64>::new(), Vec::<u64>::new()))
            .using("cos")
            .await;
        t.hits("recommend without examples", no_examples);
        let negative_only_average = client
            .query_points(c, Query::recommend(Vec::<u64>::new(), [6]))
            .using("cos")
            .await;
        t.hits("recommend average, negative only", negative_only_average);
        let threshold = client
            .query_points(c, Query::recommend([1, 4], [6]).strategy(BestScore))
            .using("cos")
            .score_threshold(0.8)
            .await;
        t.hits("recommend best with a threshold", threshold);
        for using in ["euc", "man"] {
            let r = client
                .query_points(c, Query::recommend([1, 4], [6]).strategy(BestScore))
                .using(using)
                .score_threshold(0.45)
                .await;
            t.hits(&format!("recommend best {using} with a threshold"), r);
        }
        let discover_threshold = client
            .query_points(c, Query::discover(3, [(1, 6)]))
            .using("cos")
            .score_threshold(1.0)
            .await;
        t.hits("discover with a threshold", discover_threshold);
        let lookup = format!("{c}_lookup");
        client
            .create_collection(
                &lookup,
                VectorsConfig::named([("other", VectorParams::new(3, Distance::Cosine))]),
            )
            .shard_number(1)
            .await?;
        client
            .upsert(
                &lookup,
                [
                    Point::new(
                        1,
                        Vectors::named([("other", Vector::from(vec![0.1f32, 0.9, 0.2]))]),
                    ),
                    Point::new(
                        2,
                        Vectors::named([("other", Vector::from(vec![0.8f32, 0.1, 0.3]))]),
                    ),
                ],
            )
            .await?;
        let looked_up = client
            .query_points(c, Query::recommend([1], [2]).strategy(SumScores))
            .using("cos")
            .lookup_from(qdrant_async::LookupLocation::new(&lookup).vector_name("other"))
            .limit(5)
            .await;
        t.hits("recommend with lookup_from a named vector", looked_up);
        let in_prefetch = client
            .query_points(c, 1)
            .using("cos")
            .prefetch(
                Prefetch::new(Query::recommend([1], [2]))
                    .using("cos")
                    .lookup_from(qdrant_async::LookupLocation::new(&lookup).vector_name("other"))
                    .limit(5),
            )
            .await;
        t.hits("lookup_from in a prefetch, an id at the top", in_prefetch);
        let sparse = client
            .query_points(c, Query::recommend([1, 2], [3]))
            .using("sparse")
            .limit(10)
            .await;
        t.hits("recommend average on sparse", sparse);
        let sparse_best = client
            .query_points(c, Query::recommend([1, 2], [3]).strategy(BestScore))
            .using("sparse")
            .limit(10)
            .await;
        t.hits("recommend best on sparse", sparse_best);
        let multi = client
            .query_points(c, Query::recommend([1, 2], [3]))
            .using("multi")
            .limit(5)
            .await;
        t.hits("recommend average on a multivector", multi);
        let multi_best = client
            .query_points(c, Query::recommend([1, 2], [3]).strategy(SumScores))
            .using("multi")
            .limit(5)
            .await;
        t.hits("recommend sum on a multivector", multi_best);

        for using in ["cos", "euc", "dot"] {
            let d = client
                .query_points(c, Query::discover(3, [(1, 6), (4, 10)]))
                .using(using)
                .limit(6)
                .await;
            t.hits(&format!("discover {using}"), d);
            let ctx = client
                .query_points(c, Query::context([(1, 6), (4, 10)]))
                .using(using)
                .limit(6)
                .await;
            t.hits(&format!("context {using}"), ctx);
        }
        let raw_target = client
            .query_points(c, Query::discover(vec![0.3f32, 0.3, 0.3], [(2, 5)]))
            .using("cos")
            .limit(6)
            .await;
        t.hits("discover with a raw target", raw_target);
        let no_pairs = client
            .query_points(c, Query::discover(3, Vec::<(u64, u64)>::new()))
            .using("cos")
            .limit(4)
            .await;
        t.hits("discover without pairs", no_pairs);
        let no_context = client
            .query_points(c, Query::context(Vec::<(u64, u64)>::new()))
            .using("cos")
            .limit(10)
            .await;
        t.hits("context without pairs", no_context);
        let feedback = client
            .query_points(
                c,
                Query::relevance_feedback(Q.to_vec(), [(1u64, 0.9), (6, 0.1)], (1.0, 0.5, 0.5)),
            )
            .using("cos")
            .limit(5)
            .await;
        t.hits("relevance feedback", feedback);
        Ok(())
    })
}

fn mmr_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        for using in ["cos", "euc", "dot", "man"] {
            let mmr = client
                .query_points(c, Query::nearest_with_mmr(Q, Some(0.5), None))
                .using(using)
                .limit(4)
                .await;
            t.hits(&format!("mmr 0.5 default candidates {using}"), mmr);
            let mmr = client
                .query_points(c, Query::nearest_with_mmr(Q, Some(0.5), Some(10)))
                .using(using)
                .limit(4)
                .await;
            t.hits(&format!("mmr 0.5 of 10 {using}"), mmr);
        }
        for diversity in [0.0, 0.3, 0.8, 1.0] {
            let mmr = client
                .query_points(c, Query::nearest_with_mmr(Q2, Some(diversity), Some(8)))
                .using("cos")
                .limit(5)
                .await;
            t.hits(&format!("mmr {diversity} of 8"), mmr);
        }
        let default = client
            .query_points(c, Query::nearest_with_mmr(Q2, None, None))
            .using("cos")
            .limit(5)
            .await;
        t.hits("mmr defaults", default);
        let offset = client
            .query_points(c, Query::nearest_with_mmr(Q, Some(0.5), Some(10)))
            .using("cos")
            .limit(3)
            .offset(2)
            .await;
        t.hits("mmr with offset", offset);
        let over_prefetch = client
            .query_points(c, Query::nearest_with_mmr(Q, Some(0.7), Some(6)))
            .using("cos")
            .prefetch(Prefetch::new(Q2).using("euc").limit(8))
            .limit(4)
            .await;
        t.hits("mmr over a prefetch", over_prefetch);
        let in_prefetch = client
            .query_points(c, Q2)
            .using("dot")
            .prefetch(
                Prefetch::new(Query::nearest_with_mmr(Q, Some(0.7), Some(8)))
                    .using("cos")
                    .limit(4),
            )
            .await;
        t.hits("mmr in a prefetch", in_prefetch);
        let over_nested = client
            .query_points(c, Q2)
            .using("dot")
            .prefetch(
                Prefetch::new(Query::nearest_with_mmr(Q, Some(0.7), Some(2)))
                    .using("cos")
                    .prefetch(Prefetch::new(Q2).using("euc").limit(8))
                    .limit(4),
            )
            .await;
        t.hits("mmr in a prefetch over a prefetch", over_nested);
        let threshold = client
            .query_points(c, Query::nearest_with_mmr(Q, Some(0.5), Some(10)))
            .using("cos")
            .score_threshold(0.8)
            .await;
        t.hits("mmr with a threshold", threshold);
        let by_id = client
            .query_points(c, Query::nearest_with_mmr(2, Some(0.5), Some(10)))
            .using("cos")
            .limit(4)
            .await;
        t.hits("mmr by id", by_id);
        let multi = client
            .query_points(
                c,
                Query::nearest_with_mmr(vec![Q.to_vec(), Q2.to_vec()], Some(0.5), Some(10)),
            )
            .using("multi")
            .limit(4)
            .await;
        t.hits("mmr on a multivector", multi);
        let sparse = client
            .query_points(
                c,
                Query::nearest_with_mmr(
                    SparseVector::new([1, 2, 8], [1.0, 0.5, 0.25]),
                    Some(0.5),
                    Some(10),
                ),
            )
            .using("sparse")
            .limit(4)
            .await;
        t.hits("mmr on sparse", sparse);
        Ok(())
    })
}

/// The order values of an `order_by` query, read through the raw stubs
/// (hits of the facade do not carry them).
async fn order_values(client: &Client, c: &str, order_by: OrderBy, limit: u64) -> Result<Value, Error> {
    let request = proto::QueryPoints {
        collection_name: c.to_owned(),
        query: Some(Query::order_by(order_by).into()),
        limit: Some(limit),
        ..Default::default()
    };
    let reply = client.raw().points.query(request).await.map_err(Error::from);
    let reply = reply?.into_inner();
    // Points with equal values come in no set order: by id here.
    let mut result = reply.result;
    let value_of = |p: &proto::ScoredPoint| format!("{:?}", p.order_value);
    let mut start = 0;
    while start < result.len() {
        let end = start
            + result[start..]
                .iter()
                .take_while(|p| value_of(p) == value_of(&result[start]))
                .count();
        result[start..end].sort_by_key(|p| format!("{:?}", p.id));
        start = end;
    }
    Ok(Value::Array(
        result
            .iter()
            .map(|p| {
                let id = match p.id.as_ref().and_then(|i| i.point_id_options.as_ref()) {
                    Some(proto::point_id::PointIdOptions::Num(n)) => json!(n),
                    Some(proto::point_id::PointIdOptions::Uuid(u)) => json!(u),
                    None => Value::Null,
                };
                let value = match p.order_value.as_ref().and_then(|o| o.variant.as_ref()) {
                    Some(proto::order_value::Variant::Int(i)) => json!({"int": i}),
                    Some(proto::order_value::Variant::Float(f)) => json!({"float": f}),
                    None => Value::Null,
                };
                json!([id, score_json(p.score), value])
            })
            .collect(),
    ))
}

fn order_by_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        t.ordered(
            "order_by price",
            client.query_points(c, Query::order_by("price")).limit(4).await,
        );
        let desc = OrderBy::new("price").direction(Direction::Desc);
        t.ordered(
            "order_by price desc",
            client
                .query_points(c, Query::order_by(desc.clone()))
                .limit(4)
                .await,
        );
        t.value(
            "order_by price values",
            order_values(client, c, "price".into(), 4).await,
        );
        t.value(
            "order_by num values",
            order_values(client, c, "num".into(), 10).await,
        );
        t.value(
            "order_by num desc values",
            order_values(client, c, OrderBy::new("num").direction(Direction::Desc), 10).await,
        );
        let start = OrderBy::new("price").start_from(StartFrom::Float(6.0));
        t.value("order_by start_from", order_values(client, c, start, 10).await);
        let start_desc = OrderBy::new("num")
            .direction(Direction::Desc)
            .start_from(StartFrom::Integer(2));
        t.value(
            "order_by desc start_from",
            order_values(client, c, start_desc, 10).await,
        );
        t.ordered(
            "order_by offset",
            client
                .query_points(c, Query::order_by("price"))
                .limit(3)
                .offset(2)
                .await,
        );
        t.ordered(
            "order_by without an index",
            client.query_points(c, Query::order_by("loc.lon")).await,
        );
        t.ordered(
            "order_by on a keyword index",
            client.query_points(c, Query::order_by("color")).await,
        );
        t.ordered(
            "order_by with a threshold",
            client
                .query_points(c, Query::order_by("price"))
                .score_threshold(0.5)
                .await,
        );
        let filtered = client
            .query_points(c, Query::order_by("price"))
            .filter(Filter::must([Condition::matches("color", "red")]))
            .await;
        t.ordered("order_by with a filter", filtered);
        let over_prefetch = client
            .query_points(c, Query::order_by(desc))
            .prefetch(Prefetch::new(Q).using("cos").limit(5))
            .limit(3)
            .await;
        t.ordered("order_by over a prefetch", over_prefetch);
        t.value(
            "order_by a datetime",
            order_values(client, c, "when".into(), 10).await,
        );
        t.value(
            "order_by a datetime desc from a date",
            order_values(
                client,
                c,
                OrderBy::new("when")
                    .direction(Direction::Desc)
                    .start_from(StartFrom::Datetime("2024-05-01T00:00:00Z".into())),
                10,
            )
            .await,
        );
        t.value(
            "order_by an array",
            order_values(client, c, "scores".into(), 30).await,
        );
        t.groups(
            "groups ordered by price",
            client
                .query_points_groups(
                    c,
                    "group",
                    Query::order_by(OrderBy::new("price").direction(Direction::Desc)),
                )
                .group_size(2)
                .limit(2)
                .await,
        );
        let scroll = client.scroll(c).order_by("price").limit(3).await.map(|p| {
            json!({
                "ids": p.points.iter().map(|r| id_json(&r.id)).collect::<Vec<_>>(),
                "next": p.next_page_offset.as_ref().map(id_json),
            })
        });
        t.value("scroll order_by", scroll);
        let scroll_offset = client
            .scroll(c)
            .order_by("price")
            .offset(3)
            .limit(3)
            .await
            .map(|p| json!(p.points.iter().map(|r| id_json(&r.id)).collect::<Vec<_>>()));
        t.value("scroll order_by with an offset", scroll_offset);
        Ok(())
    })
}

fn formula_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        let over = |e: Expression| {
            client
                .query_points(c, e)
                .prefetch(Prefetch::new(Q).using("cos").limit(8))
                .limit(8)
        };
        let boost = Expression::sum([
            Expression::variable("$score"),
            Expression::mult([
                Expression::constant(0.5),
                Expression::condition(Condition::matches("color", "red")),
            ]),
        ]);
        t.hits("formula boost", over(boost).await);
        t.hits(
            "formula price",
            over(Expression::mult([
                Expression::variable("$score"),
                Expression::variable("price"),
            ]))
            .await,
        );
        t.hits(
            "formula second prefetch's score",
            client
                .query_points(
                    c,
                    Expression::sum([
                        Expression::variable("$score[0]"),
                        Expression::variable("$score[1]"),
                    ]),
                )
                .prefetch(Prefetch::new(Q).using("cos").limit(4))
                .prefetch(Prefetch::new(Q2).using("dot").limit(4))
                .await,
        );
        t.hits(
            "formula missing variable",
            over(Expression::variable("nope")).await,
        );
        let defaults = client
            .query_points(
                c,
                Query::formula_with_defaults(
                    Expression::sum([Expression::variable("$score"), Expression::variable("nope")]),
                    HashMap::from([("nope".to_owned(), qdrant_async::Value::from(2.5))]),
                ),
            )
            .prefetch(Prefetch::new(Q).using("cos").limit(8))
            .await;
        t.hits("formula defaults", defaults);
        for (label, e) in [
            (
                "exp",
                Expression::exp_decay(
                    Decay::new(Expression::variable("price"))
                        .target(Expression::constant(6.0))
                        .scale(3.0),
                ),
            ),
            (
                "gauss",
                Expression::gauss_decay(
                    Decay::new(Expression::variable("price"))
                        .target(Expression::constant(6.0))
                        .scale(3.0)
                        .midpoint(0.3),
                ),
            ),
            (
                "lin",
                Expression::lin_decay(
                    Decay::new(Expression::variable("price"))
                        .target(Expression::constant(6.0))
                        .scale(5.0),
                ),
            ),
        ] {
            t.hits(&format!("formula {label} decay"), over(e).await);
        }
        t.hits(
            "formula div by zero",
            over(Expression::div(
                Expression::variable("$score"),
                Expression::constant(0.0),
                Some(7.0),
            ))
            .await,
        );
        t.hits(
            "formula div by zero without default",
            over(Expression::div(
                Expression::constant(3.0),
                Expression::constant(0.0),
                None,
            ))
            .await,
        );
        t.hits(
            "formula zero divided by zero",
            over(Expression::div(
                Expression::constant(0.0),
                Expression::constant(0.0),
                None,
            ))
            .await,
        );
        t.hits(
            "formula bad decay midpoint",
            over(Expression::exp_decay(
                Decay::new(Expression::variable("price")).midpoint(1.0),
            ))
            .await,
        );
        t.hits("formula bad variable", over(Expression::variable("$nope")).await);
        t.hits("formula array variable", over(Expression::variable("tags")).await);
        t.hits(
            "formula string variable",
            over(Expression::variable("color")).await,
        );
        for (label, e) in [
            (
                "max",
                Expression::max([Expression::variable("$score"), Expression::constant(0.5)]),
            ),
            (
                "min",
                Expression::min([Expression::variable("$score"), Expression::constant(0.5)]),
            ),
            ("acosh", Expression::acosh(Expression::constant(2.0))),
        ] {
            t.hits(&format!("formula {label}"), over(e).await);
        }
        t.hits(
            "formula geo distance",
            over(Expression::geo_distance(GeoPoint::new(13.4, 52.5), "loc")).await,
        );
        t.hits(
            "formula datetime",
            over(Expression::sum([
                Expression::datetime_key("when"),
                Expression::neg(Expression::datetime("2024-01-01T00:00:00Z")),
            ]))
            .await,
        );
        t.hits(
            "formula math",
            over(Expression::sum([
                Expression::sqrt(Expression::variable("price")),
                Expression::ln(Expression::variable("price")),
                Expression::log10(Expression::variable("price")),
                Expression::pow(Expression::variable("$score"), Expression::constant(2.0)),
                Expression::abs(Expression::constant(-1.0)),
                Expression::exp(Expression::neg(Expression::variable("num"))),
            ]))
            .await,
        );
        t.hits(
            "formula sqrt of a negative",
            over(Expression::sqrt(Expression::constant(-1.0))).await,
        );
        t.hits(
            "formula ln of zero",
            over(Expression::ln(Expression::constant(0.0))).await,
        );
        t.hits(
            "formula with a threshold",
            over(Expression::variable("price")).score_threshold(9.0).await,
        );
        t.hits(
            "formula without prefetch",
            client.query_points(c, Expression::variable("price")).await,
        );
        t.hit_set(
            "sample",
            client.query_points(c, Query::sample_random()).limit(10).await,
        );
        t.hits(
            "sample count",
            client
                .query_points(c, Query::sample_random())
                .limit(4)
                .await
                .map(|h| {
                    h.into_iter()
                        .map(|mut p| {
                            p.id = 0.into();
                            p
                        })
                        .collect()
                }),
        );
        t.hit_set(
            "sample over a prefetch",
            client
                .query_points(c, Query::sample_random())
                .prefetch(Prefetch::new(Q).using("cos").limit(3))
                .await,
        );
        t.hit_set(
            "sample with offset",
            client
                .query_points(c, Query::sample_random())
                .limit(10)
                .offset(8)
                .await,
        );
        Ok(())
    })
}

fn groups_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        for key in ["group", "num", "tags", "color"] {
            let g = client
                .query_points_groups(c, key, Q)
                .using("cos")
                .group_size(2)
                .limit(3)
                .await;
            t.groups(&format!("groups by {key}"), g);
        }
        t.groups(
            "groups defaults",
            client.query_points_groups(c, "group", Q2).using("euc").await,
        );
        t.groups(
            "groups by a missing key",
            client.query_points_groups(c, "nope", Q).using("cos").await,
        );
        t.groups(
            "groups by a float",
            client.query_points_groups(c, "price", Q).using("cos").await,
        );
        t.groups(
            "groups over a fusion",
            client
                .query_points_groups(c, "group", Query::rrf(None, [1.0, 0.8]))
                .prefetch(Prefetch::new(Q).using("cos").limit(5))
                .prefetch(Prefetch::new(Q2).using("euc").limit(5))
                .group_size(2)
                .await,
        );
        t.groups(
            "groups with a threshold",
            client
                .query_points_groups(c, "group", Q)
                .using("cos")
                .score_threshold(0.9)
                .await,
        );
        let lookup = format!("{c}_lookup");
        client
            .create_collection(&lookup, VectorParams::new(1, Distance::Dot))
            .shard_number(1)
            .await?;
        client
            .upsert(&lookup, [Point::new(1, [1.0]).payload(json!({"name": "one"}))])
            .await?;
        t.groups(
            "groups with lookup",
            client
                .query_points_groups(c, "num", Q)
                .using("cos")
                .with_lookup(WithLookup::new(&lookup).with_payload(true).with_vectors(false))
                .await,
        );
        t.groups(
            "groups with lookup in a missing collection",
            client
                .query_points_groups(c, "num", Q)
                .using("cos")
                .with_lookup(
                    WithLookup::new(format!("{c}_nowhere"))
                        .with_payload(true)
                        .with_vectors(false),
                )
                .await,
        );
        t.groups(
            "legacy search groups",
            client
                .search_groups(c, Q.to_vec(), "group", 2)
                .vector_name("cos")
                .group_size(2)
                .await,
        );
        t.groups(
            "legacy recommend groups",
            client
                .recommend_groups(c, "color", [1], [6], 3)
                .using("cos")
                .strategy(RecommendStrategy::BestScore)
                .await,
        );

        let facet = |key: &'a str| client.facet(c, key).exact(true);
        let facet_json = |r: Result<Vec<qdrant_async::FacetHit>, Error>| {
            r.map(|hits| {
                Value::Array(
                    hits.iter()
                        .map(|h| json!([format!("{:?}", h.value), h.count]))
                        .collect(),
                )
            })
        };
        t.value("facet color", facet_json(facet("color").await));
        t.value("facet num", facet_json(facet("num").await));
        t.value("facet group limit 2", facet_json(facet("group").limit(2).await));
        t.value(
            "facet with a filter",
            facet_json(
                facet("color")
                    .filter(Filter::must([Condition::matches("group", "a")]))
                    .await,
            ),
        );
        t.value("facet without an index", facet_json(facet("tags").await));
        t.value("facet on a float index", facet_json(facet("price").await));

        let pairs = |r: Result<Vec<qdrant_async::SearchMatrixPair>, Error>| {
            r.map(|pairs| {
                let mut rows: Vec<Value> = pairs
                    .iter()
                    .map(|p| json!([id_json(&p.a), id_json(&p.b), score_json(p.score)]))
                    .collect();
                rows.sort_by_key(|r| format!("{:>4}{:>4}", r[0], r[1]));
                Value::Array(rows)
            })
        };
        for using in ["cos", "euc"] {
            t.value(
                &format!("matrix pairs {using}"),
                pairs(
                    client
                        .search_matrix_pairs(c)
                        .using(using)
                        .sample(10)
                        .limit(2)
                        .await,
                ),
            );
        }
        let offsets = client
            .search_matrix_offsets(c)
            .using("man")
            .sample(10)
            .limit(2)
            .await
            .map(|m| {
                let mut rows: Vec<Value> = (0..m.scores.len())
                    .map(|k| {
                        json!([
                            id_json(&m.ids[m.offsets_row[k] as usize]),
                            id_json(&m.ids[m.offsets_col[k] as usize]),
                            score_json(m.scores[k])
                        ])
                    })
                    .collect();
                rows.sort_by_key(|r| format!("{:>4}{:>4}", r[0], r[1]));
                json!({"ids": m.ids.len(), "entries": rows})
            });
        t.value("matrix offsets man", offsets);
        t.value(
            "matrix with a filter",
            pairs(
                client
                    .search_matrix_pairs(c)
                    .using("cos")
                    .filter(Filter::must([Condition::matches("color", "red")]))
                    .sample(10)
                    .limit(1)
                    .await,
            ),
        );
        t.value(
            "matrix sample count",
            client
                .search_matrix_pairs(c)
                .using("cos")
                .sample(4)
                .limit(2)
                .await
                .map(|p| json!(p.len())),
        );
        t.value(
            "matrix of one point",
            client
                .search_matrix_offsets(c)
                .using("cos")
                .filter(Filter::must([Condition::matches("color", "yellow")]))
                .await
                .map(|m| json!({"ids": m.ids.len(), "scores": m.scores.len()})),
        );
        t.value(
            "matrix without a vector name",
            pairs(client.search_matrix_pairs(c).sample(4).limit(2).await),
        );
        Ok(())
    })
}

fn legacy_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        t.hits("search", client.search(c, Q.to_vec(), 4).vector_name("euc").await);
        t.hits(
            "search threshold",
            client
                .search(c, Q.to_vec(), 10)
                .vector_name("euc")
                .score_threshold(0.5)
                .await,
        );
        t.hits(
            "search offset",
            client.search(c, Q.to_vec(), 3).vector_name("cos").offset(2).await,
        );
        t.hits(
            "search sparse",
            client
                .search(c, SparseVector::new([1, 8], [1.0, 0.5]), 3)
                .vector_name("sparse")
                .await,
        );
        t.hits(
            "search without a vector name",
            client.search(c, Q.to_vec(), 3).await,
        );
        t.hits(
            "recommend",
            client.recommend(c, [1, 4], [6], 4).using("cos").await,
        );
        t.hits(
            "recommend best",
            client
                .recommend(c, [1, 4], [6], 4)
                .using("euc")
                .strategy(RecommendStrategy::BestScore)
                .await,
        );
        t.hits(
            "recommend sum with a threshold",
            client
                .recommend(c, [1, 4], [6], 4)
                .using("dot")
                .strategy(RecommendStrategy::SumScores)
                .score_threshold(0.2)
                .await,
        );
        t.hits(
            "recommend with a raw vector",
            client
                .recommend(c, [Vector::from(vec![1.0f32, 2.0, 0.5])], Vec::<u64>::new(), 4)
                .using("cos")
                .await,
        );
        t.hits("discover", client.discover(c, 3, [(1, 6)], 4).using("euc").await);
        t.hits(
            "discover context only",
            client
                .discover(c, 3, Vec::<(u64, u64)>::new(), 4)
                .using("cos")
                .await,
        );

        t.hits(
            "legacy recommend limit 0",
            client.recommend(c, [1], Vec::<u64>::new(), 0).using("cos").await,
        );
        t.hits(
            "legacy recommend without positives",
            client.recommend(c, Vec::<u64>::new(), [6], 3).using("cos").await,
        );
        t.hits(
            "legacy recommend best without positives",
            client
                .recommend(c, Vec::<u64>::new(), [6], 3)
                .using("cos")
                .strategy(RecommendStrategy::BestScore)
                .await,
        );
        t.hits(
            "legacy recommend with an offset",
            client.recommend(c, [1, 4], [6], 3).using("man").offset(2).await,
        );
        t.hits(
            "legacy discover with an offset",
            client.discover(c, 3, [(1, 6)], 3).using("dot").offset(1).await,
        );
        t.hits(
            "legacy search beyond the last hit",
            client.search(c, Q.to_vec(), 5).vector_name("cos").offset(8).await,
        );
        let plain = format!("{c}_plain");
        client
            .create_collection(&plain, VectorParams::new(3, Distance::Cosine))
            .shard_number(1)
            .await?;
        client
            .upsert(
                &plain,
                (1..=10u64).map(|id| Point::new(id, VECTORS[(id - 1) as usize].to_vec())),
            )
            .await?;
        t.batch(
            "search batch",
            client
                .search_batch(&plain, [(Q.to_vec(), 2), (Q2.to_vec(), 3)])
                .await,
        );
        t.batch(
            "search batch on named vectors",
            client.search_batch(c, [(Q.to_vec(), 2)]).await,
        );
        t.batch(
            "recommend batch",
            client
                .recommend_batch(&plain, [(vec![1u64, 2], vec![6u64], 3), (vec![5], vec![], 2)])
                .await,
        );
        t.batch(
            "discover batch",
            client
                .discover_batch(&plain, [(3u64, vec![(1u64, 6u64)], 3)])
                .await,
        );
        t.hits(
            "query lookup_from",
            client
                .query_points(c, Query::recommend([2], [9]))
                .using("cos")
                .lookup_from(qdrant_async::LookupLocation::new(&plain).vector_name(""))
                .limit(5)
                .await,
        );
        t.hits(
            "query lookup_from keeps the example ids",
            client
                .query_points(c, 2)
                .using("cos")
                .lookup_from(qdrant_async::LookupLocation::new(&plain).vector_name(""))
                .limit(3)
                .await,
        );
        t.hits(
            "query lookup_from a missing collection",
            client
                .query_points(c, 2)
                .using("cos")
                .lookup_from(qdrant_async::LookupLocation::new(format!("{c}_missing")))
                .await,
        );
        Ok(())
    })
}

fn plan_calls<'a>(
    client: &'a Client,
    c: &'a str,
    t: &'a mut Transcript,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move {
        let not = |color: &str| Filter::must_not([Condition::matches("color", color.to_owned())]);
        let three_levels = client
            .query_points(c, Q)
            .using("cos")
            .filter(not("red"))
            .prefetch(
                Prefetch::new(Q2)
                    .using("dot")
                    .filter(not("green"))
                    .limit(4)
                    .prefetch(Prefetch::new(Q).using("euc").filter(not("blue")).limit(5))
                    .prefetch(Prefetch::new(Q2).using("man").limit(2)),
            )
            .await;
        t.hits("filters of every level apply at the leaves", three_levels);
        let thresholds = client
            .query_points(c, Query::rrf(None, [1.0, 0.6]))
            .prefetch(Prefetch::new(Q).using("cos").score_threshold(0.9).limit(6))
            .prefetch(Prefetch::new(Q2).using("euc").score_threshold(0.8).limit(6))
            .score_threshold(0.3)
            .await;
        t.hits("prefetch thresholds under fusion", thresholds);
        let ids_everywhere = client
            .query_points(c, Query::rrf(None, [1.0, 0.6]))
            .prefetch(Prefetch::new(2).using("cos").limit(4))
            .prefetch(Prefetch::new(Query::recommend([5], [9])).using("euc").limit(4))
            .await;
        t.hits("ids named in prefetches are left out everywhere", ids_everywhere);
        let order_by_rescore = client
            .query_points(c, Query::order_by("price"))
            .prefetch(Prefetch::new(Q).using("cos").limit(3))
            .prefetch(Prefetch::new(Q2).using("cos").limit(3))
            .limit(4)
            .await;
        t.ordered("order_by over two prefetches", order_by_rescore);
        let order_by_prefetch = client
            .query_points(c, Q)
            .using("cos")
            .prefetch(Prefetch::new(Query::order_by("price")).limit(4))
            .await;
        t.hits("order_by in a prefetch", order_by_prefetch);
        let no_query_page = client.query_points(c, Q).query(None).limit(3).offset(2).await;
        t.ordered("no query, limit and offset", no_query_page);
        let fusion_of_fusions = client
            .query_points(c, Fusion::Dbsf)
            .prefetch(
                Prefetch::new(Query::rrf(None, [1.0, 0.5]))
                    .prefetch(Prefetch::new(Q).using("cos").limit(3))
                    .prefetch(Prefetch::new(Q2).using("man").limit(3))
                    .limit(4),
            )
            .prefetch(
                Prefetch::new(Fusion::Dbsf)
                    .prefetch(Prefetch::new(Q2).using("dot").limit(3))
                    .prefetch(Prefetch::new(Q).using("euc").limit(3))
                    .limit(3),
            )
            .await;
        t.hits("dbsf of an rrf and a dbsf", fusion_of_fusions);
        let zero_weight = client
            .query_points(c, Query::rrf(Some(1), [0.0, 2.0]))
            .prefetch(Prefetch::new(Q).using("cos").limit(3))
            .prefetch(Prefetch::new(Q2).using("cos").limit(3))
            .await;
        t.hits("rrf with a zero weight", zero_weight);
        let prefetch_zero_limit = client
            .query_points(c, Q)
            .using("cos")
            .prefetch(Prefetch::new(Q2).using("cos").limit(0))
            .await;
        t.hits("prefetch limit 0", prefetch_zero_limit);
        let missing = client.query_points(format!("{c}_missing"), Q).using("cos").await;
        t.hits("a missing collection", missing);
        let deep = (0..70).fold(Prefetch::new(Q).using("cos"), |p, _| {
            Prefetch::new(Q).using("cos").prefetch(p)
        });
        t.hits(
            "prefetches 71 deep",
            client.query_points(c, Q).using("cos").prefetch(deep).await,
        );
        let idf = format!("{c}_idf");
        client
            .create_collection(&idf, VectorsConfig::named(Vec::<(String, VectorParams)>::new()))
            .shard_number(1)
            .sparse_vector(
                "text",
                SparseVectorParams::new().modifier(qdrant_async::Modifier::Idf),
            )
            .await?;
        let points = (1..=6u32).map(|id| {
            let mut indices: Vec<u32> = (0..id % 4 + 1).map(|k| (k * 3 + id) % 7).collect();
            indices.sort_unstable();
            indices.dedup();
            let values: Vec<f32> = indices.iter().map(|i| 0.3 + *i as f32 * 0.1).collect();
            let v = Vector::from(SparseVector::new(indices, values));
            Point::new(u64::from(id), Vectors::named([("text", v)]))
        });
        client.upsert(&idf, points).await?;
        let idf_query = client
            .query_points(&idf, SparseVector::new([0, 3, 5], [1.0, 0.7, 0.4]))
            .using("text")
            .await;
        t.hits("sparse with idf", idf_query);
        let partial = format!("{c}_partial");
        client
            .create_collection(
                &partial,
                VectorsConfig::named([
                    ("a", VectorParams::new(2, Distance::Dot)),
                    ("b", VectorParams::new(2, Distance::Dot)),
                ]),
            )
            .shard_number(1)
            .await?;
        client
            .upsert(
                &partial,
                [
                    Point::new(1, Vectors::named([("a", Vector::from(vec![1.0f32, 0.0]))])),
                    Point::new(
                        2,
                        Vectors::named([
                            ("a", Vector::from(vec![0.5f32, 0.5])),
                            ("b", Vector::from(vec![0.0f32, 1.0])),
                        ]),
                    ),
                    Point::new(3, Vectors::named([("b", Vector::from(vec![0.3f32, 0.7]))])),
                ],
            )
            .await?;
        let by_id_without_vector = client.query_points(&partial, 1).using("b").await;
        t.hits("by the id of a point without that vector", by_id_without_vector);
        let only_with_vector = client.query_points(&partial, [1.0, 1.0]).using("b").await;
        t.hits("points without the vector are not found", only_with_vector);
        let recommend_without_vector = client
            .query_points(
                &partial,
                Query::recommend([2], [1]).strategy(RecommendStrategy::BestScore),
            )
            .using("b")
            .await;
        t.hits(
            "recommend by a point without that vector",
            recommend_without_vector,
        );
        let fused = client
            .query_points(&partial, Fusion::Rrf)
            .prefetch(Prefetch::new([1.0, 0.0]).using("a"))
            .prefetch(Prefetch::new([0.0, 1.0]).using("b"))
            .await;
        t.hits("rrf over two vectors that points lack in part", fused);
        let rescored = client
            .query_points(&partial, [1.0, 1.0])
            .using("b")
            .prefetch(Prefetch::new([1.0, 0.0]).using("a"))
            .await;
        t.hits("re-scoring by a vector some prefetched points lack", rescored);

        Ok(())
    })
}

#[tokio::test]
async fn plans() -> anyhow::Result<()> {
    parity("plans", plan_calls).await
}

#[tokio::test]
async fn nearest() -> anyhow::Result<()> {
    parity("nearest", nearest_calls).await
}

#[tokio::test]
async fn fusion() -> anyhow::Result<()> {
    parity("fusion", fusion_calls).await
}

#[tokio::test]
async fn recommend_discover_context() -> anyhow::Result<()> {
    parity("recommend", recommend_calls).await
}

#[tokio::test]
async fn mmr() -> anyhow::Result<()> {
    parity("mmr", mmr_calls).await
}

#[tokio::test]
async fn order_by() -> anyhow::Result<()> {
    parity("order_by", order_by_calls).await
}

#[tokio::test]
async fn formula_and_sample() -> anyhow::Result<()> {
    parity("formula", formula_calls).await
}

#[tokio::test]
async fn groups_facets_matrices() -> anyhow::Result<()> {
    parity("groups", groups_calls).await
}

#[tokio::test]
async fn legacy_apis() -> anyhow::Result<()> {
    parity("legacy", legacy_calls).await
}
