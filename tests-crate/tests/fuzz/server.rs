//! The embedded server gets random requests for every RPC of the four
//! services, over gRPC, most of them aimed at collections that exist and
//! hold points, payload indexes and every kind of vector, so that the
//! requests reach the search engine, the filters and the writes. Every
//! 100 cases the collections are rebuilt, since the writes change them.

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use h2::client::SendRequest;
use tonic::Status;

use prost_reflect::MethodDescriptor;
use qdrant_async::server::EmbeddedServer;
use qdrant_async::{
    Client, Distance, FieldType, Modifier, Point, SparseVector, SparseVectorParams, Vector, VectorParams,
    VectorsConfig,
};

use crate::harness::{Config, Run};
use crate::messages::{Gen, Hints, brief, pool};

const DENSE: &str = "fz_dense";
const NAMED: &str = "fz_named";
const ALIAS: &str = "fz_alias";
const CASES_PER_ROUND: u64 = 100;

fn hints() -> Hints {
    let strings = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect();
    Hints {
        collections: strings(&[DENSE, DENSE, DENSE, NAMED, NAMED, NAMED, ALIAS, "fz_missing"]),
        keys: strings(&[
            "n",
            "f",
            "s",
            "d",
            "g",
            "tags",
            "text",
            "u",
            "nested",
            "nested.a",
            "nested.b",
            "items",
            "items[].a",
            "items[0].a",
            "empty",
            "tags[]",
            "missing",
        ]),
        vector_names: strings(&["", "", "dense", "multi", "sparse", "missing"]),
    }
}

fn payload(i: u64) -> serde_json::Value {
    const DATES: [&str; 7] = [
        "2024-01-01T00:00:00Z",
        "2024-01-0\u{e9}\u{e9}\u{e9}00:00Z",
        "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
        "2024-02-29 12:00:00.5+01:00",
        "",
        "9999-99-99",
        "1970-01-01",
    ];
    let f = i as f64 * 0.5 - 3.0;
    let color = ["red", "green", "blue"][(i % 3) as usize];
    let tags = [&["a", "b"][..], &["b"], &[], &["c", "\u{65e5}"]][(i % 4) as usize];
    serde_json::json!({
        "n": i,
        "f": f,
        "s": color,
        "d": DATES[(i % 7) as usize],
        "g": {"lon": f * 10.0, "lat": f * 5.0},
        "tags": tags,
        "text": "hello world \u{e9}t\u{e9}",
        "u": uuid::Uuid::from_u64_pair(i, i).to_string(),
        "nested": {"a": i % 4, "b": [i, f]},
        "items": [{"a": i, "b": "x"}, {"a": i + 1}],
        "empty": null,
    })
}

/// Deletes every collection and builds the two the requests aim at.
async fn rebuild(client: &Client) -> anyhow::Result<()> {
    for name in client.get_collections().await? {
        client.delete_collection(name).await?;
    }
    client
        .create_collection(DENSE, VectorParams::new(3, Distance::Cosine))
        .await?;
    let points = (0..16).map(|i| {
        let v = [i as f32, 1.0 - i as f32 * 0.1, (i % 3) as f32];
        Point::new(i, v).payload(payload(i))
    });
    client.upsert(DENSE, points).wait(true).await?;
    for (key, t) in [
        ("n", FieldType::Integer),
        ("f", FieldType::Float),
        ("s", FieldType::Keyword),
        ("d", FieldType::Datetime),
        ("g", FieldType::Geo),
        ("tags", FieldType::Keyword),
        ("text", FieldType::Text),
        ("u", FieldType::Uuid),
        ("nested.a", FieldType::Integer),
    ] {
        client.create_payload_index(DENSE, key, t).wait(true).await?;
    }
    client.create_alias(DENSE, ALIAS).await?;

    let named = VectorsConfig::named([
        ("dense", VectorParams::new(3, Distance::Dot)),
        ("multi", VectorParams::new(3, Distance::Euclid).multivector()),
    ]);
    client
        .create_collection(NAMED, named)
        .sparse_vector("sparse", SparseVectorParams::new().modifier(Modifier::Idf))
        .await?;
    let points = (0..12).map(|i| {
        let x = i as f32;
        let id: qdrant_async::PointId = if i == 11 {
            uuid::Uuid::from_u64_pair(7, 7).into()
        } else {
            i.into()
        };
        let vectors = qdrant_async::Vectors::named([
            ("dense", vec![x, -x, 1.0].into()),
            (
                "multi",
                Vector::MultiDense(vec![vec![x, 1.0, 0.0], vec![0.0, x, -x]]),
            ),
            ("sparse", SparseVector::new([i as u32, 100], [1.0, x]).into()),
        ]);
        Point::new(id, vectors).payload(payload(i))
    });
    client.upsert(NAMED, points).wait(true).await?;
    client
        .create_payload_index(NAMED, "n", FieldType::Integer)
        .wait(true)
        .await?;
    client
        .create_payload_index(NAMED, "s", FieldType::Keyword)
        .wait(true)
        .await?;
    Ok(())
}

/// Whether the collections and the alias the requests aim at still exist:
/// random deletes remove them now and then.
async fn intact(client: &Client) -> bool {
    for name in [DENSE, NAMED, ALIAS] {
        if !client.collection_exists(name).await.unwrap_or(false) {
            return false;
        }
    }
    true
}

fn methods() -> Vec<MethodDescriptor> {
    pool()
        .services()
        .flat_map(|s| s.methods().collect::<Vec<_>>())
        .collect()
}

/// A unary call of any method by its URL, with the message as bytes, on a
/// plain HTTP/2 connection: its answer's message frames, or its status.
/// (A tonic channel did this before; tonic's `channel` feature, asked for
/// by this crate, would be built into the quickstart too, since Cargo
/// unifies the features of the workspace's default members.) A stream reset
/// or a broken connection becomes the status tonic's channel made of it.
async fn unary(h2: SendRequest<Bytes>, url: String, message: Vec<u8>) -> Result<Bytes, Status> {
    let broken = |e: h2::Error| Status::from_error(Box::new(e));
    let request = http::Request::post(url)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .map_err(|e| Status::internal(e.to_string()))?;
    let mut h2 = h2.ready().await.map_err(broken)?;
    let (response, mut body) = h2.send_request(request, false).map_err(broken)?;
    let mut frame = BytesMut::with_capacity(5 + message.len());
    frame.put_u8(0);
    frame.put_u32(u32::try_from(message.len()).map_err(|_| Status::internal("a message over 4 GiB"))?);
    frame.put_slice(&message);
    body.send_data(frame.freeze(), true).map_err(broken)?;
    let response = response.await.map_err(broken)?;
    if let Some(status) = Status::from_header_map(response.headers()) {
        // Trailers-only: an error, or an OK without a message.
        return if status.code() == tonic::Code::Ok {
            Ok(Bytes::new())
        } else {
            Err(status)
        };
    }
    let mut body = response.into_body();
    let mut answer = BytesMut::new();
    while let Some(data) = body.data().await {
        let data = data.map_err(broken)?;
        let _ = body.flow_control().release_capacity(data.len());
        answer.extend_from_slice(&data);
    }
    let trailers = body.trailers().await.map_err(broken)?.unwrap_or_default();
    match Status::from_header_map(&trailers) {
        Some(status) if status.code() == tonic::Code::Ok => Ok(answer.freeze()),
        Some(status) => Err(status),
        None => Err(Status::internal("the answer has no grpc-status")),
    }
}

#[test]
fn embedded_server_survives_random_requests() {
    let config = Config::from_env(5_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let methods = methods();
    assert_eq!(methods.len(), 51, "the four services have 51 RPCs");
    let hints = hints();
    let mut run = Run::new("server", config, CASES_PER_ROUND);
    runtime.block_on(async {
        let server = EmbeddedServer::start().await.expect("the embedded server starts");
        let client = Client::connect(server.url()).await.expect("a client");
        let tcp = tokio::net::TcpStream::connect(server.addr())
            .await
            .expect("a connection");
        let (h2, connection) = h2::client::handshake(tcp).await.expect("an HTTP/2 connection");
        tokio::spawn(connection);
        let mut check = false;
        for i in config.cases() {
            if i % CASES_PER_ROUND == 0 || i == config.from || (check && !intact(&client).await) {
                rebuild(&client).await.expect("the collections are rebuilt");
            }
            let seed = config.case_seed(i);
            let mut g = Gen::new(seed, &hints);
            let method = g.rng.pick(&methods).clone();
            let request = g.message(&method.input(), 0);
            if std::env::var_os("QDRANT_FUZZ_VERBOSE").is_some() {
                eprintln!("{}: {}", method.full_name(), brief(&request));
            }
            let request = prost::Message::encode_to_vec(&request);
            let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
            // Only these remove what the next requests aim at.
            check = method.parent_service().name() == "Collections"
                && matches!(method.name(), "Delete" | "UpdateAliases");
            run.begin(i, seed);
            let call = tokio::spawn(unary(h2.clone(), format!("{}{path}", server.url()), request));
            let answer = tokio::time::timeout(run.deadline, call).await;
            let hung = answer.is_err();
            match &answer {
                Ok(Ok(Ok(_))) => run.outcome("ok"),
                Ok(Ok(Err(status))) => run.outcome(format!("{:?}", status.code())),
                Ok(Err(_)) => run.outcome("task failed"),
                Err(_) => run.outcome("hung"),
            }
            if std::env::var_os("QDRANT_FUZZ_STATS").is_some() {
                let how = match &answer {
                    Ok(Ok(Ok(_))) => "ok".to_owned(),
                    Ok(Ok(Err(status))) => status.message().chars().take(60).collect(),
                    _ => "-".to_owned(),
                };
                run.outcome(format!("\n    {}: {how}", method.name()));
            }
            // A stream reset or a broken connection means the handler died.
            if let Ok(Ok(Err(status))) = &answer
                && matches!(status.code(), tonic::Code::Unknown | tonic::Code::Internal)
                && !status.message().starts_with("failed to decode Protobuf message")
            {
                let message: String = status.message().chars().take(200).collect();
                run.record(
                    format!("transport failure: {message}"),
                    seed,
                    method.full_name().to_owned(),
                );
            }
            run.end(seed, method.full_name(), hung);
            if hung {
                break;
            }
        }
        // The server still answers after everything it was sent.
        let alive = tokio::time::timeout(Duration::from_secs(10), client.health_check()).await;
        assert!(
            matches!(alive, Ok(Ok(_))),
            "the server stopped answering: {alive:?}"
        );
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    run.finish();
}
