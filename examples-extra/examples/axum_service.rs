//! An axum service on qdrant-async: one `Client` shared through the app's
//! state (it is an `Arc` inside: clone it freely), a search endpoint and an
//! insert endpoint, the caller's deadline passed down to Qdrant, errors
//! mapped to HTTP statuses, and graceful shutdown.
//!
//! `cargo run --example axum_service` starts the service on a free port,
//! calls it a few times as a client would, and shuts it down gracefully.
//! `cargo run --example axum_service -- --serve` keeps serving on
//! 127.0.0.1:3000 until Ctrl-C; try
//!
//! ```sh
//! curl -XPUT localhost:3000/docs/1 -H 'content-type: application/json' \
//!      -d '{"vector": [0.9, 0.1, 0.1, 0.5], "title": "hello"}'
//! curl -XPOST localhost:3000/search -H 'content-type: application/json' \
//!      -H 'x-deadline-ms: 250' -d '{"vector": [0.9, 0.1, 0.1, 0.5], "limit": 3}'
//! ```
//!
//! It talks to `QDRANT_URL` when it is set, else to an embedded server.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use qdrant_async::{Client, Distance, Point, VectorParams};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What every handler shares: the client and the collection's name.
#[derive(Clone)]
struct AppState {
    client: Client,
    collection: Arc<str>,
}

#[derive(Deserialize)]
struct SearchRequest {
    vector: Vec<f32>,
    #[serde(default = "default_limit")]
    limit: u64,
}

fn default_limit() -> u64 {
    5
}

#[derive(Serialize)]
struct Hit {
    id: String,
    score: f32,
    title: Option<String>,
}

#[derive(Deserialize)]
struct Doc {
    vector: Vec<f32>,
    title: String,
}

/// The longest a caller may ask for, and what it gets when it does not say.
const MAX_DEADLINE: Duration = Duration::from_secs(10);
const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);

/// The caller's deadline (`x-deadline-ms`), passed down to the Qdrant call
/// with `.timeout(..)`: Qdrant learns it too (`grpc-timeout`) and stops
/// working on a call whose caller has given up.
fn deadline(headers: &HeaderMap) -> Duration {
    headers
        .get("x-deadline-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(DEFAULT_DEADLINE, |ms| Duration::from_millis(ms).min(MAX_DEADLINE))
}

/// A Qdrant error as an HTTP answer.
struct AppError(qdrant_async::Error);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        use qdrant_async::{Code, ErrorKind};
        let e = self.0;
        let status = if e.is_timeout() {
            StatusCode::GATEWAY_TIMEOUT
        } else if e.kind() == ErrorKind::InvalidArgument || e.code() == Some(Code::InvalidArgument) {
            StatusCode::BAD_REQUEST
        } else if e.is_not_found() {
            StatusCode::NOT_FOUND
        } else if e.code() == Some(Code::ResourceExhausted) {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::BAD_GATEWAY
        };
        (status, Json(json!({"error": e.to_string()}))).into_response()
    }
}

impl From<qdrant_async::Error> for AppError {
    fn from(e: qdrant_async::Error) -> Self {
        AppError(e)
    }
}

async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<SearchRequest>,
) -> Result<Json<Vec<Hit>>, AppError> {
    let hits = state
        .client
        .query_points(&*state.collection, request.vector)
        .limit(request.limit)
        .with_payload(true)
        .timeout(deadline(&headers))
        .await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| Hit {
                id: h.id.to_string(),
                score: h.score,
                title: h.payload.get("title").and_then(|t| t.as_str()).map(str::to_owned),
            })
            .collect(),
    ))
}

async fn insert(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(doc): Json<Doc>,
) -> Result<StatusCode, AppError> {
    state
        .client
        .upsert(
            &*state.collection,
            [Point::new(id, doc.vector).payload(json!({"title": doc.title}))],
        )
        .timeout(deadline(&headers))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn app(state: AppState) -> Router {
    Router::new()
        .route("/search", post(search))
        .route("/docs/{id}", put(insert))
        .with_state(state)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let serve = std::env::args().any(|a| a == "--serve");
    // The embedded server, unless QDRANT_URL names a real Qdrant.
    let (url, _server) = common::server().await?;
    let client = Client::connect(&url).await?;
    let collection = "axum_service_example";
    if !client.collection_exists(collection).await? {
        client
            .create_collection(collection, VectorParams::new(4, Distance::Cosine))
            .await?;
    }
    let state = AppState {
        client: client.clone(),
        collection: collection.into(),
    };

    let address = if serve { "127.0.0.1:3000" } else { "127.0.0.1:0" };
    let listener = tokio::net::TcpListener::bind(address).await?;
    let address = listener.local_addr()?;
    println!("listening on http://{address} (Qdrant at {url})");

    // Graceful shutdown: on Ctrl-C, or when the demo below is done, stop
    // accepting and let the requests in flight finish.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = tokio::spawn(
        axum::serve(listener, app(state))
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = stopped => {}
                }
            })
            .into_future(),
    );

    if serve {
        service.await??;
    } else {
        let doc = |v: [f32; 4], title: &str| json!({"vector": v, "title": title}).to_string();
        for (id, body) in [
            (1, doc([0.9, 0.1, 0.1, 0.5], "red")),
            (2, doc([0.1, 0.9, 0.3, 0.2], "green")),
            (3, doc([0.8, 0.2, 0.2, 0.6], "blue")),
        ] {
            println!(
                "PUT /docs/{id} -> {}",
                call(address, "PUT", &format!("/docs/{id}"), &[], &body).await?
            );
        }
        let query = json!({"vector": [0.9, 0.1, 0.1, 0.5], "limit": 2}).to_string();
        println!(
            "POST /search -> {}",
            call(address, "POST", "/search", &[("x-deadline-ms", "500")], &query).await?
        );
        let wrong = json!({"vector": [0.9, 0.1], "limit": 2}).to_string();
        println!(
            "POST /search (wrong size) -> {}",
            call(address, "POST", "/search", &[], &wrong).await?
        );
        let _ = stop.send(());
        service.await??;
        println!("shut down gracefully");
        client.delete_collection(collection).await?;
    }
    Ok(())
}

/// A bare HTTP/1.1 call, as a client of the service would make: returns
/// the status line's code and the body.
async fn call(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> anyhow::Result<String> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let status = answer.split(' ').nth(1).unwrap_or("?").to_owned();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").trim().to_owned();
    Ok(format!("{status} {body}"))
}
