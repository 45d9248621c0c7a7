//! Credentials that rotate, and per-call headers: a Qdrant health service
//! of the test's own records what reaches it, and accepts only the token
//! it currently trusts, as a Qdrant with JWT RBAC does after a key
//! rotation.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qdrant_async::proto::qdrant_server::{Qdrant, QdrantServer};
use qdrant_async::proto::{HealthCheckReply, HealthCheckRequest};
use qdrant_async::{Client, ErrorKind, Token};

/// What the server saw and what it accepts.
#[derive(Clone, Default)]
struct Gate {
    /// The `authorization` value it accepts now.
    accepted: Arc<Mutex<String>>,
    /// Every `authorization` value and `x-request-id` that reached it.
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

#[tonic::async_trait]
impl Qdrant for Gate {
    async fn health_check(
        &self,
        request: tonic::Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<HealthCheckReply>, tonic::Status> {
        let header = |name: &str| {
            request
                .metadata()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let credential = header("authorization");
        self.seen
            .lock()
            .expect("lock")
            .push((credential.clone(), header("x-request-id")));
        if credential != *self.accepted.lock().expect("lock") {
            return Err(tonic::Status::unauthenticated("Invalid JWT"));
        }
        Ok(tonic::Response::new(HealthCheckReply {
            title: "gate".into(),
            version: "1.19.0".into(),
            commit: None,
        }))
    }
}

async fn gate(accepted: &str) -> anyhow::Result<(String, Gate)> {
    let gate = Gate::default();
    *gate.accepted.lock().expect("lock") = accepted.to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(
                QdrantServer::new(gate.clone())
                    .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
                    .send_compressed(tonic::codec::CompressionEncoding::Gzip),
            )
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    Ok((url, gate))
}

/// A provider that hands out `token-1`, `token-2`, ... and counts its calls.
fn rotating(calls: Arc<AtomicU32>, lifetime: Option<Duration>) -> ClientBuilderFn {
    Box::new(move |builder| {
        let calls = calls.clone();
        builder.token_provider(move || {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                let token = Token::bearer(format!("token-{n}"));
                Ok::<_, std::io::Error>(match lifetime {
                    Some(l) => token.expires_in(l),
                    None => token,
                })
            }
        })
    })
}

type ClientBuilderFn = Box<dyn FnOnce(qdrant_async::ClientBuilder) -> qdrant_async::ClientBuilder>;

/// The credentials the calls carried. Each new connection is first checked
/// with a health check that carries none (Qdrant answers health checks
/// without one); those are left out.
fn seen(gate: &Gate) -> Vec<String> {
    let seen = gate.seen.lock().expect("lock");
    seen.iter()
        .map(|(c, _)| c.clone())
        .filter(|c| !c.is_empty())
        .collect()
}

#[tokio::test]
async fn a_rotated_token_reaches_the_server() -> anyhow::Result<()> {
    let (url, gate) = gate("Bearer token-1").await?;
    let calls = Arc::new(AtomicU32::new(0));
    let client = rotating(calls.clone(), None)(Client::builder(&url))
        .connect()
        .await?;
    client.health_check().await?;
    // Cached: one fetch for the connect check and the call.
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // The server rotates its key: the cached token is refused once, a new
    // one is fetched, and the call goes through with it.
    *gate.accepted.lock().expect("lock") = "Bearer token-2".into();
    let reply = client.health_check().await?;
    assert_eq!(reply.title, "gate");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let seen = seen(&gate);
    assert_eq!(
        seen[seen.len() - 2..],
        ["Bearer token-1".to_owned(), "Bearer token-2".to_owned()]
    );

    // The raw stubs carry the same credential.
    client.raw().qdrant.health_check(HealthCheckRequest {}).await?;
    assert_eq!(seen_last(&gate), "Bearer token-2");
    Ok(())
}

fn seen_last(gate: &Gate) -> String {
    seen(gate).last().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_expired_token_is_fetched_again_before_sending() -> anyhow::Result<()> {
    let (url, gate) = gate("Bearer token-1").await?;
    let calls = Arc::new(AtomicU32::new(0));
    let client = rotating(calls.clone(), Some(Duration::from_millis(200)))(Client::builder(&url))
        .connect()
        .await?;
    *gate.accepted.lock().expect("lock") = "Bearer token-2".into();
    tokio::time::sleep(Duration::from_millis(250)).await;
    client.health_check().await?;
    // No refused call: the expired token was not sent.
    assert_eq!(seen(&gate), ["Bearer token-1", "Bearer token-2"]);
    Ok(())
}

#[tokio::test]
async fn a_failing_provider_fails_the_call_and_never_prints_a_token() -> anyhow::Result<()> {
    let (url, gate) = gate("Bearer nothing").await?;
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failing = fail.clone();
    let client = Client::builder(&url)
        .token_provider(move || {
            let fail = failing.load(Ordering::SeqCst);
            async move {
                if fail {
                    Err(std::io::Error::other("the vault is sealed"))
                } else {
                    Ok(Token::bearer("nothing").expires_in(Duration::from_millis(1)))
                }
            }
        })
        .connect()
        .await?;
    fail.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let err = client.health_check().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert!(err.to_string().contains("the vault is sealed"), "{err}");
    let source = std::error::Error::source(&err).expect("the provider's error");
    assert!(source.downcast_ref::<std::io::Error>().is_some());
    assert_eq!(seen(&gate), ["Bearer nothing"], "nothing sent after the failure");
    // The builder's Debug says there is a provider, and nothing of a token.
    let builder =
        Client::builder(&url).token_provider(|| async { Ok::<_, std::io::Error>(Token::api_key("hunter2")) });
    assert!(!format!("{builder:?}").contains("hunter2"));
    Ok(())
}

#[tokio::test]
async fn an_api_key_and_a_provider_together_are_refused() {
    let err = Client::builder("http://127.0.0.1:1")
        .api_key("k")
        .token_provider(|| async { Ok::<_, std::io::Error>(Token::api_key("t")) })
        .build_lazy()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(err.argument(), Some("token_provider"));
}

#[tokio::test]
async fn per_call_headers_reach_the_server() -> anyhow::Result<()> {
    // Without a provider, calls carry no credential: the gate accepts that.
    let (url, gate) = gate("").await?;
    let client = Client::builder(&url)
        .header("x-request-id", "client-wide")
        .connect()
        .await?;
    client.health_check().header("x-request-id", "call-7").await?;
    client.health_check().await?;
    let ids: Vec<String> = gate
        .seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, id)| id.clone())
        .collect();
    // The call's header overrides the client's; other calls keep the client's.
    assert_eq!(
        ids[ids.len() - 2..],
        ["call-7".to_owned(), "client-wide".to_owned()]
    );

    // An invalid header fails the call before anything is sent.
    let before = gate.seen.lock().expect("lock").len();
    let err = client
        .health_check()
        .header("x-bad", "line\nbreak")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(!err.to_string().contains("line"), "{err}");
    assert_eq!(gate.seen.lock().expect("lock").len(), before);
    Ok(())
}

#[tokio::test]
async fn gzipped_calls_carry_the_credential_and_the_calls_headers() -> anyhow::Result<()> {
    let (url, gate) = gate("Bearer token-1").await?;
    let calls = Arc::new(AtomicU32::new(0));
    let client = rotating(calls, None)(Client::builder(&url).compression(true))
        .connect()
        .await?;
    client.health_check().header("x-request-id", "zipped").await?;
    let last = gate
        .seen
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .unwrap_or_default();
    assert_eq!(last, ("Bearer token-1".to_owned(), "zipped".to_owned()));
    Ok(())
}

/// Against a real Qdrant started with an API key (`QDRANT__SERVICE__API_KEY`):
/// `.ci/run` starts one and sets `QDRANT_URL` and `QDRANT_API_KEY`.
#[tokio::test]
#[ignore = "needs a real Qdrant with an API key: .ci/run runs it with QDRANT_URL and QDRANT_API_KEY set"]
async fn a_real_qdrant_takes_the_providers_key_and_refuses_a_stale_one() -> anyhow::Result<()> {
    let url = std::env::var("QDRANT_URL")?;
    let key = std::env::var("QDRANT_API_KEY")?;

    // The key as `api-key`, and as a bearer token.
    for token in [Token::api_key(key.clone()), Token::bearer(key.clone())] {
        let client = Client::builder(&url)
            .token_provider(move || {
                let token = token.clone();
                async move { Ok::<_, std::io::Error>(token) }
            })
            .connect()
            .await?;
        client.collection_exists("auth_probe").await?;
    }

    // A stale key first: Qdrant refuses it, the client asks again, and the
    // call goes through with the current key.
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let client = Client::builder(&url)
        .token_provider(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let key = if n == 0 { "stale".to_owned() } else { key.clone() };
            async move { Ok::<_, std::io::Error>(Token::api_key(key)) }
        })
        .connect()
        .await?;
    client.collection_exists("auth_probe").await?;
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // Without a credential: Unauthenticated, as Qdrant answers.
    let client = Client::builder(&url).connect().await?;
    let err = client.collection_exists("auth_probe").await.unwrap_err();
    assert_eq!(err.code(), Some(qdrant_async::Code::Unauthenticated), "{err}");
    Ok(())
}
