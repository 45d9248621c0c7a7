//! The client against h2's server over an in-memory pipe: what each side
//! sees of the other, windows, resets, GOAWAY, a dropped call, a server
//! that breaks the protocol, keepalive.

use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::*;

fn config() -> Config {
    Config {
        stream_window: 4 * 1024 * 1024,
        connection_window: 16 * 1024 * 1024,
        keepalive: None,
    }
}

/// Answers a stream with a head, no body and `grpc-status` in its
/// trailers; the stream's sending half.
fn answer_empty(
    respond: &mut h2::server::SendResponse<Bytes>,
    status: &'static str,
) -> h2::SendStream<Bytes> {
    let response = http::Response::builder()
        .status(200)
        .body(())
        .expect("a response");
    let mut send = respond.send_response(response, false).expect("a head");
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static(status));
    send.send_trailers(trailers).expect("trailers");
    send
}

/// A client with one call started, and the server's end of the pipe once
/// the client's preface and request were read from it.
async fn started() -> (
    Handle,
    ResponseFuture,
    tokio::task::JoinHandle<Result<(), Error>>,
    DuplexStream,
) {
    let (handle, driver, mut server) = pipe(config());
    let call = handle
        .start(&request("/x"), Bytes::from_static(b"x"))
        .expect("sent");
    let mut buf = vec![0; 4096];
    let _ = server.read(&mut buf).await;
    (handle, call, driver, server)
}

/// `future`'s output, failing the test if it takes more than 5 seconds.
async fn in_time<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(5), future)
        .await
        .expect("in time")
}

/// A client on one end of a pipe, its driver spawned; the other end.
fn pipe(config: Config) -> (Handle, tokio::task::JoinHandle<Result<(), Error>>, DuplexStream) {
    let (client, server) = tokio::io::duplex(1 << 20);
    let (handle, driver) = super::client(client, config);
    (handle, tokio::spawn(driver), server)
}

fn request(path: &str) -> http::Request<()> {
    let mut request = http::Request::post(format!("http://127.0.0.1:6334{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("a request");
    let mut secret = HeaderValue::from_static("secret-key");
    secret.set_sensitive(true);
    request.headers_mut().insert("api-key", secret);
    request
}

/// Reads a request's whole body on h2's server side.
async fn read_body(body: &mut h2::RecvStream) -> Vec<u8> {
    let mut all = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("a chunk");
        let _ = body.flow_control().release_capacity(chunk.len());
        all.extend_from_slice(&chunk);
    }
    all
}

/// Reads an answer's body and trailers on the client.
async fn read_answer(
    response: http::Response<RecvBody>,
) -> Result<(StatusCode, Vec<u8>, Option<HeaderMap>), Error> {
    let status = response.status();
    let mut body = response.into_body();
    let mut all = Vec::new();
    while let Some(chunk) = body.data().await {
        all.extend_from_slice(&chunk?);
    }
    Ok((status, all, body.trailers().await?))
}

/// Serves every stream with `answer` (the request's head and body ->
/// the answer's body and `grpc-status`).
fn serve(
    server: DuplexStream,
    builder: h2::server::Builder,
    answer: fn(&http::request::Parts, Vec<u8>) -> (Vec<u8>, &'static str),
) {
    tokio::spawn(async move {
        let mut connection = builder.handshake::<_, Bytes>(server).await.expect("a handshake");
        while let Some(accepted) = connection.accept().await {
            let Ok((request, mut respond)) = accepted else {
                break;
            };
            tokio::spawn(async move {
                let (parts, mut body) = request.into_parts();
                let got = read_body(&mut body).await;
                let (reply, status) = answer(&parts, got);
                let response = http::Response::builder()
                    .status(200)
                    .header("content-type", "application/grpc")
                    .body(())
                    .expect("a response");
                let mut send = respond.send_response(response, false).expect("a head");
                send.reserve_capacity(reply.len());
                send.send_data(Bytes::from(reply), false).expect("data");
                let mut trailers = HeaderMap::new();
                trailers.insert("grpc-status", HeaderValue::from_static(status));
                trailers.insert("grpc-message", HeaderValue::from_static("all%20good"));
                send.send_trailers(trailers).expect("trailers");
            });
        }
    });
}

#[tokio::test]
async fn a_call_arrives_as_sent_and_its_answer_as_answered() {
    let (handle, _driver, server) = pipe(config());
    serve(server, h2::server::Builder::new(), |parts, body| {
        assert_eq!(parts.method, http::Method::POST);
        assert_eq!(parts.uri.path(), "/qdrant.Points/Query");
        assert_eq!(parts.uri.authority().map(|a| a.as_str()), Some("127.0.0.1:6334"));
        assert_eq!(parts.headers["content-type"], "application/grpc");
        assert_eq!(parts.headers["te"], "trailers");
        assert_eq!(parts.headers["api-key"], "secret-key");
        let mut reply = b"echo:".to_vec();
        reply.extend_from_slice(&body);
        (reply, "0")
    });
    for i in 0..3u8 {
        let response = handle
            .start(&request("/qdrant.Points/Query"), Bytes::from(vec![i; 10]))
            .expect("sent")
            .await
            .expect("a head");
        assert_eq!(response.headers()["content-type"], "application/grpc");
        let (status, body, trailers) = read_answer(response).await.expect("an answer");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&body[..5], b"echo:");
        assert_eq!(&body[5..], &[i; 10]);
        let trailers = trailers.expect("trailers");
        assert_eq!(trailers["grpc-status"], "0");
        assert_eq!(trailers["grpc-message"], "all%20good");
    }
}

#[tokio::test]
async fn bodies_larger_than_every_window_go_both_ways() {
    let (handle, _driver, server) = pipe(Config {
        stream_window: 100_000,
        connection_window: 200_000,
        keepalive: None,
    });
    // The server keeps h2's default windows (64 KiB): the request waits
    // for its WINDOW_UPDATEs; the answer for the client's.
    serve(server, h2::server::Builder::new(), |_, body| {
        assert_eq!(body.len(), 3_000_000);
        assert!(body.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
        (body.iter().rev().copied().collect(), "0")
    });
    let body: Vec<u8> = (0..3_000_000).map(|i| (i % 251) as u8).collect();
    let calls = (0..4).map(|_| {
        let handle = handle.clone();
        let body = Bytes::from(body.clone());
        tokio::spawn(async move {
            let response = handle
                .start(&request("/big"), body)
                .expect("sent")
                .await
                .expect("a head");
            read_answer(response).await.expect("an answer")
        })
    });
    for call in calls {
        let (_, answer, _) = call.await.expect("no panic");
        assert_eq!(answer.len(), 3_000_000);
        assert!(
            answer
                .iter()
                .rev()
                .enumerate()
                .all(|(i, b)| *b == (i % 251) as u8)
        );
    }
}

#[tokio::test]
async fn a_thousand_calls_at_once_each_get_their_own_answer() {
    let (handle, _driver, server) = pipe(config());
    serve(server, h2::server::Builder::new(), |_, body| (body, "0"));
    let calls: Vec<_> = (0..1000u32)
        .map(|i| {
            let handle = handle.clone();
            tokio::spawn(async move {
                let body = Bytes::from(i.to_be_bytes().repeat(50));
                let response = handle
                    .start(&request("/echo"), body.clone())
                    .expect("sent")
                    .await
                    .expect("a head");
                let (_, answer, _) = read_answer(response).await.expect("an answer");
                assert_eq!(answer, body);
            })
        })
        .collect();
    for call in calls {
        call.await.expect("no panic");
    }
}

#[tokio::test]
async fn a_reset_stream_fails_its_call_only() {
    let (handle, _driver, server) = pipe(config());
    tokio::spawn(async move {
        let mut connection = h2::server::handshake(server).await.expect("a handshake");
        while let Some(Ok((request, mut respond))) = connection.accept().await {
            if request.uri().path() == "/refuse" {
                respond.send_reset(h2::Reason::REFUSED_STREAM);
            } else {
                answer_empty(&mut respond, "0");
            }
        }
    });
    let refused = handle
        .start(&request("/refuse"), Bytes::from_static(b"x"))
        .expect("sent")
        .await;
    match refused {
        Err(Error::Reset { reason, remote: true }) => assert_eq!(reason, Reason::REFUSED_STREAM),
        other => panic!("expected a reset, got {other:?}"),
    }
    let fine = handle
        .start(&request("/fine"), Bytes::from_static(b"x"))
        .expect("sent")
        .await
        .expect("a head");
    let (_, body, trailers) = read_answer(fine).await.expect("an answer");
    assert!(body.is_empty());
    assert_eq!(trailers.expect("trailers")["grpc-status"], "0");
}

#[tokio::test]
async fn a_dropped_call_resets_its_stream() {
    let (handle, _driver, server) = pipe(config());
    let (reset_tx, reset_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut connection = h2::server::handshake(server).await.expect("a handshake");
        let (_request, mut respond) = connection.accept().await.expect("a stream").expect("a request");
        tokio::spawn(async move {
            let reason = std::future::poll_fn(|cx| respond.poll_reset(cx))
                .await
                .expect("a reset");
            let _ = reset_tx.send(reason);
        });
        while connection.accept().await.is_some() {}
    });
    let call = handle
        .start(&request("/slow"), Bytes::from_static(b"x"))
        .expect("sent");
    tokio::time::sleep(Duration::from_millis(20)).await;
    drop(call);
    let reason = in_time(reset_rx).await.expect("a reason");
    assert_eq!(reason, h2::Reason::CANCEL);
}

#[tokio::test]
async fn after_goaway_new_calls_fail_as_not_processed() {
    let (handle, driver, server) = pipe(config());
    tokio::spawn(async move {
        let mut connection = h2::server::handshake(server).await.expect("a handshake");
        let (_request, mut respond) = connection.accept().await.expect("a stream").expect("a request");
        connection.graceful_shutdown();
        answer_empty(&mut respond, "0");
        while connection.accept().await.is_some() {}
    });
    let first = handle
        .start(&request("/first"), Bytes::from_static(b"x"))
        .expect("sent")
        .await
        .expect("a head");
    let (_, _, trailers) = read_answer(first).await.expect("the first call is answered");
    assert!(trailers.is_some());
    // The GOAWAY has arrived once the connection ends.
    let ended = in_time(driver).await.expect("no panic");
    assert!(
        ended.is_ok(),
        "a graceful GOAWAY ends the driver cleanly: {ended:?}"
    );
    match handle.start(&request("/second"), Bytes::from_static(b"x")) {
        Err(Error::GoAway { processed: false, .. } | Error::Shutdown) => {}
        other => panic!("expected GOAWAY, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_that_closes_fails_the_calls_in_flight() {
    let (handle, driver, mut server) = pipe(config());
    let call = handle
        .start(&request("/x"), Bytes::from_static(b"x"))
        .expect("sent");
    // Read the preface and the request, then close.
    let mut buf = vec![0; 1024];
    let _ = server.read(&mut buf).await;
    drop(server);
    match in_time(call).await {
        Err(Error::Closed | Error::Io(_)) => {}
        other => panic!("expected a closed connection, got {other:?}"),
    }
    assert!(driver.await.expect("no panic").is_err());
    assert!(handle.start(&request("/y"), Bytes::from_static(b"x")).is_err());
}

#[tokio::test]
async fn a_server_breaking_the_protocol_fails_the_connection_with_its_code() {
    let (_handle, call, driver, mut server) = started().await;
    // SETTINGS, then DATA on stream 0.
    let mut frames = Vec::new();
    frame::put_settings(&mut frames, &[]);
    frame::put_head(&mut frames, 1, frame::DATA, 0, 0);
    frames.push(0);
    server.write_all(&frames).await.expect("written");
    match in_time(call).await {
        Err(Error::Protocol { reason, .. }) => assert_eq!(reason, Reason::PROTOCOL_ERROR),
        other => panic!("expected a protocol error, got {other:?}"),
    }
    assert!(matches!(
        driver.await.expect("no panic"),
        Err(Error::Protocol { .. })
    ));
    // The client said why: a GOAWAY with PROTOCOL_ERROR follows its SETTINGS ack.
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_millis(200), server.read_to_end(&mut seen)).await;
    let goaway = seen.windows(2).position(|w| w == [0, 8]).is_some() || seen.contains(&frame::GOAWAY);
    assert!(goaway, "no GOAWAY in {seen:?}");
}

#[tokio::test]
async fn garbage_from_the_server_never_panics() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..200 {
        let (_handle, call, driver, mut server) = started().await;
        let mut frames = Vec::new();
        frame::put_settings(&mut frames, &[]);
        // Valid frame headers with random types, flags, streams and payloads.
        for _ in 0..20 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            let kind = (seed >> 8) as u8 % 11;
            let flags = (seed >> 16) as u8;
            let stream = ((seed >> 24) % 4) as u32;
            frame::put_head(&mut frames, len, kind, flags, stream);
            frames.extend((0..len).map(|i| (seed >> (i % 56)) as u8));
        }
        if round % 2 == 0 {
            // Sometimes cut short.
            frames.truncate(frames.len() / 2);
        }
        let _ = server.write_all(&frames).await;
        drop(server);
        let outcome = tokio::time::timeout(Duration::from_secs(5), async {
            if let Ok(response) = call.await {
                let _ = read_answer(response).await;
            }
        })
        .await;
        assert!(outcome.is_ok(), "round {round} hung");
        assert!(in_time(driver).await.is_ok());
    }
}

#[tokio::test]
async fn an_unanswered_keepalive_ping_fails_the_connection() {
    let (handle, driver, mut server) = pipe(Config {
        keepalive: Some((Duration::from_millis(50), Duration::from_millis(100))),
        ..config()
    });
    // The server reads everything and answers nothing.
    tokio::spawn(async move {
        let mut buf = vec![0; 4096];
        while server.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    });
    let ended = in_time(driver).await.expect("no panic");
    assert!(matches!(ended, Err(Error::Keepalive(_))), "{ended:?}");
    assert!(handle.start(&request("/x"), Bytes::from_static(b"x")).is_err());
}

#[tokio::test]
async fn answered_keepalive_pings_keep_the_connection() {
    let (handle, driver, server) = pipe(Config {
        keepalive: Some((Duration::from_millis(20), Duration::from_millis(200))),
        ..config()
    });
    serve(server, h2::server::Builder::new(), |_, body| (body, "0"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!driver.is_finished());
    let response = handle
        .start(&request("/x"), Bytes::from_static(b"x"))
        .expect("sent")
        .await
        .expect("a head");
    assert!(read_answer(response).await.is_ok());
}

#[tokio::test]
async fn dropping_every_handle_ends_the_driver() {
    let (handle, driver, server) = pipe(config());
    serve(server, h2::server::Builder::new(), |_, body| (body, "0"));
    let response = handle
        .start(&request("/x"), Bytes::from_static(b"x"))
        .expect("sent")
        .await
        .expect("a head");
    drop(handle);
    // The stream still reads to its end.
    assert!(read_answer(response).await.is_ok());
    let ended = in_time(driver).await.expect("no panic");
    assert!(ended.is_ok(), "{ended:?}");
}

#[tokio::test]
async fn the_servers_stream_limit_is_published() {
    let (handle, _driver, server) = pipe(config());
    let mut builder = h2::server::Builder::new();
    builder.max_concurrent_streams(7);
    serve(server, builder, |_, body| (body, "0"));
    let response = handle
        .start(&request("/x"), Bytes::from_static(b"x"))
        .expect("sent")
        .await
        .expect("a head");
    let _ = read_answer(response).await;
    assert_eq!(handle.max_send_streams(), 7);
}

/// A client whose server end is driven by hand: the client's preface and
/// request are read, then `frames` are written.
async fn scripted(
    frames: Vec<u8>,
) -> (
    ResponseFuture,
    tokio::task::JoinHandle<Result<(), Error>>,
    DuplexStream,
) {
    let (_handle, call, driver, mut server) = started().await;
    server.write_all(&frames).await.expect("written");
    (call, driver, server)
}

#[tokio::test]
async fn an_http1_server_is_named_as_such() {
    let (call, driver, _server) = scripted(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()).await;
    let error = in_time(call).await.expect_err("no answer");
    assert!(error.to_string().contains("HTTP/1, not HTTP/2"), "{error}");
    assert!(driver.await.expect("no panic").is_err());
}

#[tokio::test]
async fn a_flood_of_pings_the_server_does_not_read_ends_the_connection() {
    let mut frames = Vec::new();
    frame::put_settings(&mut frames, &[]);
    for i in 0..200_000u64 {
        frame::put_ping(&mut frames, i.to_be_bytes(), false);
    }
    // Written from a task: the client stops reading once it gives up.
    let (_handle, call, driver, mut server) = started().await;
    tokio::spawn(async move {
        let _ = server.write_all(&frames).await;
        // Never read: the acknowledgements pile up.
        std::future::pending::<()>().await;
    });
    let ended = tokio::time::timeout(Duration::from_secs(10), driver)
        .await
        .expect("in time")
        .expect("no panic");
    match ended {
        Err(Error::Protocol { reason, .. }) => assert_eq!(reason, Reason::ENHANCE_YOUR_CALM),
        other => panic!("expected ENHANCE_YOUR_CALM, got {other:?}"),
    }
    assert!(call.await.is_err());
}

#[tokio::test]
async fn a_head_of_more_names_than_a_map_holds_resets_its_stream() {
    let mut frames = Vec::new();
    frame::put_settings(&mut frames, &[]);
    // `:status: 200`, then 40,000 fields of distinct names (literals
    // without indexing): more than a header map holds. Sent in a HEADERS
    // and CONTINUATIONs.
    let mut block = vec![0x88];
    for i in 0..40_000 {
        let name = format!("x{i}");
        block.extend_from_slice(&[0, name.len() as u8]);
        block.extend_from_slice(name.as_bytes());
        block.push(0);
    }
    let mut chunks = block.chunks(16_384).peekable();
    let first = chunks.next().expect("a chunk");
    frame::put_head(&mut frames, first.len(), frame::HEADERS, 0, 1);
    frames.extend_from_slice(first);
    while let Some(chunk) = chunks.next() {
        let flags = if chunks.peek().is_none() {
            frame::END_HEADERS
        } else {
            0
        };
        frame::put_head(&mut frames, chunk.len(), frame::CONTINUATION, flags, 1);
        frames.extend_from_slice(chunk);
    }
    let (call, _driver, _server) = scripted(frames).await;
    match in_time(call).await {
        Err(Error::Reset {
            reason,
            remote: false,
        }) => assert_eq!(reason, Reason::PROTOCOL_ERROR),
        Err(other) => panic!("expected a reset, got {other:?}"),
        Ok(response) => panic!(
            "expected a reset, got a head of {} fields",
            response.headers().len()
        ),
    }
}

#[tokio::test]
async fn an_answer_that_ends_before_its_request_is_sent_resets_the_stream() {
    let (handle, _driver, server) = pipe(config());
    let (reset_tx, reset_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut connection = h2::server::handshake(server).await.expect("a handshake");
        let (_request, mut respond) = connection.accept().await.expect("a stream").expect("a request");
        // The answer, whole, without reading the (large) request.
        let mut send = answer_empty(&mut respond, "8");
        tokio::spawn(async move {
            let reason = std::future::poll_fn(|cx| send.poll_reset(cx)).await;
            let _ = reset_tx.send(reason.ok());
        });
        while connection.accept().await.is_some() {}
    });
    let body = Bytes::from(vec![7u8; 1_000_000]);
    let response = handle
        .start(&request("/big"), body)
        .expect("sent")
        .await
        .expect("a head");
    let (_, _, trailers) = read_answer(response).await.expect("an answer");
    assert_eq!(trailers.expect("trailers")["grpc-status"], "8");
    let reason = in_time(reset_rx).await.expect("sent");
    assert!(reason.is_some(), "the stream was left open on the server");
}

#[tokio::test]
async fn a_long_call_among_many_short_ones_keeps_the_ring_small() {
    let (handle, _driver, server) = pipe(config());
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut connection = h2::server::handshake(server).await.expect("a handshake");
        let mut release = Some(release_rx);
        while let Some(Ok((request, mut respond))) = connection.accept().await {
            let wait = (request.uri().path() == "/slow")
                .then(|| release.take())
                .flatten();
            tokio::spawn(async move {
                if let Some(wait) = wait {
                    let _ = wait.await;
                }
                answer_empty(&mut respond, "0");
            });
        }
    });
    let slow = handle
        .start(&request("/slow"), Bytes::from_static(b"x"))
        .expect("sent");
    for _ in 0..3 * RING_SLOTS {
        let response = handle
            .start(&request("/quick"), Bytes::from_static(b"x"))
            .expect("sent")
            .await
            .expect("a head");
        read_answer(response).await.expect("an answer");
    }
    assert!(handle.ring_len() <= RING_SLOTS, "{} slots", handle.ring_len());
    // The long call, out of the ring, still gets its answer.
    let _ = release_tx.send(());
    let response = in_time(slow).await.expect("a head");
    let (_, _, trailers) = read_answer(response).await.expect("an answer");
    assert_eq!(trailers.expect("trailers")["grpc-status"], "0");
    assert_eq!(handle.ring_len(), 0);
}

#[tokio::test]
async fn many_requests_queued_behind_a_slow_server_are_not_a_flood() {
    // A server that opens its windows wide and reads nothing yet: 2 MiB
    // of small requests queue up behind a full pipe. Then it sends a PING,
    // whose acknowledgement queues behind the requests: that is no flood.
    let (client, mut server) = tokio::io::duplex(64 * 1024);
    let (handle, driver) = super::client(client, config());
    let driver = tokio::spawn(driver);
    // Windows for all of it first.
    let mut frames = Vec::new();
    frame::put_settings(&mut frames, &[(frame::SETTINGS_INITIAL_WINDOW_SIZE, 1 << 22)]);
    frame::put_window_update(&mut frames, 0, 1 << 24);
    server.write_all(&frames).await.expect("written");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let start = |n| {
        (0..n)
            .map(|_| {
                handle
                    .start(&request("/x"), Bytes::from(vec![1u8; 3500]))
                    .expect("sent")
            })
            .collect::<Vec<_>>()
    };
    // The first calls fill the pipe, so the driver's write waits; the
    // rest queue behind it.
    let mut calls = start(30);
    tokio::time::sleep(Duration::from_millis(20)).await;
    calls.extend(start(600));
    let mut frames = Vec::new();
    frame::put_ping(&mut frames, [1; 8], false);
    server.write_all(&frames).await.expect("written");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!driver.is_finished(), "{:?}", driver.await);
    // The server reads it all: every request, and the acknowledgements.
    let mut seen = 0;
    let mut buf = vec![0; 64 * 1024];
    while seen < 600 * 3500 {
        match tokio::time::timeout(Duration::from_secs(5), server.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen += n,
            other => panic!("the requests stopped after {seen} bytes: {other:?}"),
        }
    }
    drop(calls);
}

#[tokio::test]
async fn a_header_block_larger_than_a_frame_goes_out_in_continuations() {
    let (handle, _driver, server) = pipe(config());
    serve(server, h2::server::Builder::new(), |parts, _| {
        let token = parts.headers["authorization"].as_bytes();
        assert_eq!(token.len(), 40_000);
        assert!(token.iter().all(|b| *b == b'a'));
        (Vec::new(), "0")
    });
    let mut head = request("/x");
    let mut token = HeaderValue::from_str(&"a".repeat(40_000)).expect("a value");
    token.set_sensitive(true);
    head.headers_mut().insert("authorization", token);
    let response = handle
        .start(&head, Bytes::from_static(b"x"))
        .expect("sent")
        .await
        .expect("a head");
    let (_, _, trailers) = read_answer(response).await.expect("an answer");
    assert_eq!(trailers.expect("trailers")["grpc-status"], "0");
}

#[tokio::test]
async fn the_common_head_and_trailers_come_without_a_map_and_others_whole() {
    // `:status: 200` and `content-type: application/grpc` (static name 31,
    // literal value), then, on a second stream, the same with `x-a: 1`;
    // trailers `grpc-status: 0` alone, then with `grpc-message: m`.
    let field = |name: &[u8], value: &[u8]| {
        let mut f = vec![0, name.len() as u8];
        f.extend_from_slice(name);
        f.push(value.len() as u8);
        f.extend_from_slice(value);
        f
    };
    let head = |extra: bool| {
        let mut block = vec![0x88];
        block.extend(field(b"content-type", b"application/grpc"));
        if extra {
            block.extend(field(b"x-a", b"1"));
        }
        block
    };
    let trailers = |extra: bool| {
        let mut block = field(b"grpc-status", b"0");
        if extra {
            block.extend(field(b"grpc-message", b"m"));
        }
        block
    };
    let (handle, _driver, mut server) = pipe(config());
    let first = handle
        .start(&request("/a"), Bytes::from_static(b"x"))
        .expect("sent");
    let second = handle
        .start(&request("/b"), Bytes::from_static(b"x"))
        .expect("sent");
    let mut buf = vec![0; 4096];
    let _ = server.read(&mut buf).await;
    let mut frames = Vec::new();
    frame::put_settings(&mut frames, &[]);
    for (stream, extra) in [(1, false), (3, true)] {
        let block = head(extra);
        frame::put_head(
            &mut frames,
            block.len(),
            frame::HEADERS,
            frame::END_HEADERS,
            stream,
        );
        frames.extend_from_slice(&block);
        let block = trailers(extra);
        frame::put_head(
            &mut frames,
            block.len(),
            frame::HEADERS,
            frame::END_HEADERS | frame::END_STREAM,
            stream,
        );
        frames.extend_from_slice(&block);
    }
    server.write_all(&frames).await.expect("written");

    let (status, fields, mut body) = first.head().await.expect("a head");
    assert_eq!(status, StatusCode::OK);
    assert!(matches!(fields, Fields::GrpcContent), "{fields:?}");
    assert!(body.data().await.is_none());
    let fields = body.trailer_fields().await.expect("trailers");
    assert!(matches!(fields, Some(Fields::GrpcOk)), "{fields:?}");

    let (_, fields, mut body) = second.head().await.expect("a head");
    let Fields::Map(map) = fields else {
        panic!("expected a map, got {fields:?}");
    };
    assert_eq!(map.len(), 2);
    assert_eq!(map["content-type"], "application/grpc");
    assert_eq!(map["x-a"], "1");
    assert!(body.data().await.is_none());
    let map = body.trailers().await.expect("trailers").expect("some");
    assert_eq!(map.len(), 2);
    assert_eq!(map["grpc-status"], "0");
    assert_eq!(map["grpc-message"], "m");
}
