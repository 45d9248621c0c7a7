//! Bad input gets a clear error naming the argument or endpoint; never a panic.

use qdrant_async::ErrorKind;
use qdrant_async::{Client, Distance, Error, Point, VectorParams};

use crate::common::Ctx;

fn text(e: &Error) -> String {
    e.to_string()
}

#[tokio::test]
async fn urls_that_do_not_parse_or_have_another_scheme() {
    for url in ["not a url", "ftp://localhost:6334", "localhost:6334", "http://"] {
        let err = Client::connect(url).await.expect_err(url);
        assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{url}: {err:?}");
        assert!(text(&err).contains(url), "{err}");
    }
    let err = Client::builder("grpc://x").build_lazy().expect_err("scheme");
    assert!(text(&err).contains("grpc"), "{err}");
}

#[tokio::test]
async fn invalid_uuid_string_as_point_id() -> anyhow::Result<()> {
    let ctx = Ctx::new("bad_uuid").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    let err = ctx
        .client
        .upsert(
            c,
            [Point::new(1, [0.1, 0.2]), Point::new("not-a-uuid", [0.1, 0.2])],
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err:?}");
    assert!(
        text(&err).contains("points[1].id") && text(&err).contains("not-a-uuid"),
        "{err}"
    );
    let err = ctx.client.retrieve(c, ["zzz"]).await.unwrap_err();
    assert!(text(&err).contains("ids[0]"), "{err}");
    ctx.cleanup().await
}

#[tokio::test]
async fn empty_collection_name() -> anyhow::Result<()> {
    let ctx = Ctx::new("empty_name").await?;
    let err = ctx
        .client
        .create_collection("", VectorParams::new(2, Distance::Dot))
        .await
        .unwrap_err();
    assert!(
        err.kind() == ErrorKind::InvalidArgument && text(&err).contains("collection_name"),
        "{err:?}"
    );
    let err = ctx.client.query_points("", [0.1, 0.2]).await.unwrap_err();
    assert!(text(&err).contains("collection_name"), "{err}");
    let err = ctx.client.upsert("", [Point::new(1, [0.1])]).await.unwrap_err();
    assert!(text(&err).contains("collection_name"), "{err}");
    Ok(())
}

#[tokio::test]
async fn vector_with_nan_or_infinity() -> anyhow::Result<()> {
    let ctx = Ctx::new("nan_vector").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    let err = ctx
        .client
        .upsert(c, [Point::new(1, [0.1, f32::NAN])])
        .await
        .unwrap_err();
    assert!(
        text(&err).contains("points[0].vector") && text(&err).contains("NaN"),
        "{err}"
    );
    let err = ctx
        .client
        .upsert(c, [Point::new(1, [f32::INFINITY, 0.0])])
        .await
        .unwrap_err();
    assert!(text(&err).contains("inf"), "{err}");
    let err = ctx.client.query_points(c, [f32::NAN, 0.0]).await.unwrap_err();
    assert!(text(&err).contains("query"), "{err}");
    ctx.cleanup().await
}

#[tokio::test]
async fn no_server_at_the_address() {
    // Bind then drop a listener, so that the port is very likely closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let err = Client::connect(&url).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let msg = text(&err);
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.to_lowercase().contains("refused"), "{msg}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_port_that_answers_http1() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    let err = Client::connect(format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_err();
    let msg = text(&err);
    assert!(err.is_connect(), "{err:?}");
    assert!(msg.contains("6334") && msg.contains("6333"), "{msg}");
}

#[tokio::test]
async fn server_errors_name_the_rpc_and_collection() -> anyhow::Result<()> {
    let ctx = Ctx::new("server_errors").await?;
    let c = &ctx.collection;
    let missing = ctx.another("missing");

    let err = ctx.client.query_points(&missing, [0.1, 0.2]).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        text(&err).contains("Points/Query") && text(&err).contains(&missing),
        "{err}"
    );
    // The endpoint that answered, as given (with the default port filled in).
    let endpoint = err.endpoint().expect("a server error names its endpoint");
    assert!(
        ctx.url
            .trim_end_matches('/')
            .ends_with(endpoint.rsplit(':').next().unwrap_or("")),
        "{err}"
    );
    assert!(text(&err).contains(endpoint), "{err}");

    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    let err = ctx
        .client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err:?}");
    assert!(
        text(&err).contains("Collections/Create") && text(&err).contains(c.as_str()),
        "{err}"
    );

    let err = ctx
        .client
        .upsert(c, [Point::new(1, [0.1, 0.2, 0.3])])
        .wait(true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(qdrant_async::Code::InvalidArgument), "{err:?}");
    assert!(
        text(&err).contains("Points/Upsert") && text(&err).contains("dimension"),
        "{err}"
    );
    assert!(!err.is_retryable());
    ctx.cleanup().await
}
