//! The client side of HTTP/2 (RFC 9113), as much of it as gRPC calls
//! need, written for this crate's calls: every request is one HEADERS
//! block and one body known whole, every answer a head, a body and
//! trailers.
//!
//! A call takes the connection's lock once to queue its frames (and its
//! body as it is, without copying a large one) and once or twice more to
//! read its answer; one task per connection (the [`Driver`]) writes what
//! is queued, reads and parses the server's frames, and hands each answer
//! to its call. There is no per-stream task, no channel, and no header map
//! built for a request.
//!
//! What it does: flow control both ways (requests wait for the server's
//! windows; answers are given window back as the caller reads them),
//! SETTINGS, PING (answered, and sent as keepalive), GOAWAY (streams the
//! server did not take fail as not processed), RST_STREAM both ways (a
//! dropped call resets its stream), HPACK (see [`hpack`]), CONTINUATION,
//! padding, and the checks RFC 9113 asks of a client, each failing the
//! stream or the connection with the error code it names. Server push is
//! refused (SETTINGS_ENABLE_PUSH 0).

mod frame;
mod hpack;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pub(crate) use frame::Reason;
use frame::{HEADER_LEN, Head};

/// Bodies up to this size are copied into the write buffer; larger ones
/// are written from the caller's own buffer.
const COPY_MAX: usize = 4096;
/// The largest header block (HEADERS and its CONTINUATIONs) accepted.
const MAX_HEADER_BLOCK: usize = 1 << 20;
/// Bytes read from the socket at most at once.
const READ_BUFFER: usize = 64 * 1024;

/// A connection's settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    /// The receive window of each stream (SETTINGS_INITIAL_WINDOW_SIZE).
    pub(crate) stream_window: u32,
    /// The receive window of the whole connection.
    pub(crate) connection_window: u32,
    /// Keepalive: a PING every `.0`, the connection failing when one goes
    /// unanswered for `.1`.
    pub(crate) keepalive: Option<(Duration, Duration)>,
}

/// Why a call or the connection failed.
#[derive(Clone, Debug)]
pub(crate) enum Error {
    /// The socket failed.
    Io(Arc<std::io::Error>),
    /// The server closed the connection.
    Closed,
    /// The server is going away (GOAWAY). `processed`: whether it may
    /// have processed this stream (its id is at most the last the server
    /// names).
    GoAway {
        reason: Reason,
        debug: Bytes,
        processed: bool,
    },
    /// The stream was reset: by the server (`remote`), or by this client
    /// because the server broke the protocol on it.
    Reset { reason: Reason, remote: bool },
    /// The server broke the protocol: the connection was closed with
    /// `reason`.
    Protocol { reason: Reason, detail: &'static str },
    /// A keepalive ping went unanswered for this long.
    Keepalive(Duration),
    /// The connection was closed by this client.
    Shutdown,
}

impl Error {
    /// The HTTP/2 error code behind it, if any.
    pub(crate) fn reason(&self) -> Option<Reason> {
        match self {
            Error::GoAway { reason, .. } | Error::Reset { reason, .. } | Error::Protocol { reason, .. } => {
                Some(*reason)
            }
            _ => None,
        }
    }

    fn io(error: std::io::Error) -> Error {
        Error::Io(Arc::new(error))
    }

    fn protocol(reason: Reason, detail: &'static str) -> Error {
        Error::Protocol { reason, detail }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "connection error: {e}"),
            Error::Closed => f.write_str("connection closed by the server"),
            Error::GoAway {
                reason,
                debug,
                processed,
            } => {
                write!(f, "the server is going away (GOAWAY {reason:?}")?;
                if !debug.is_empty() {
                    write!(f, ": {}", String::from_utf8_lossy(debug))?;
                }
                f.write_str(if *processed {
                    ")"
                } else {
                    "); the request was not processed"
                })
            }
            Error::Reset { reason, remote: true } => write!(f, "stream reset by the server: {reason:?}"),
            Error::Reset {
                reason,
                remote: false,
            } => {
                write!(
                    f,
                    "stream reset by the client, the server broke the protocol: {reason:?}"
                )
            }
            Error::Protocol { reason, detail } => {
                write!(f, "HTTP/2 protocol error ({reason:?}): {detail}")
            }
            Error::Keepalive(timeout) => write!(f, "keepalive ping unanswered for {timeout:?}"),
            Error::Shutdown => f.write_str("connection closed by the client"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(&**e),
            _ => None,
        }
    }
}

/// Opens the client side of an HTTP/2 connection over `io`: the handle
/// that sends requests, and the driver to spawn, which does the
/// connection's reading and writing and ends when the connection does.
pub(crate) fn client<T>(io: T, config: Config) -> (Handle, Driver<T>)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut out = Out::default();
    out.buf.extend_from_slice(frame::PREFACE);
    frame::put_settings(
        &mut out.buf,
        &[
            (frame::SETTINGS_ENABLE_PUSH, 0),
            (frame::SETTINGS_INITIAL_WINDOW_SIZE, config.stream_window),
        ],
    );
    if config.connection_window > frame::DEFAULT_WINDOW {
        frame::put_window_update(&mut out.buf, 0, config.connection_window - frame::DEFAULT_WINDOW);
    }
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            error: None,
            go_away: None,
            closing: false,
            next_id: 1,
            streams: Streams::default(),
            out,
            block: Vec::new(),
            driver: None,
            driver_woken: false,
            conn_send: i64::from(frame::DEFAULT_WINDOW),
            peer_initial_window: i64::from(frame::DEFAULT_WINDOW),
            peer_max_frame: frame::DEFAULT_MAX_FRAME,
            table_size_sent: false,
            blocked: VecDeque::new(),
            conn_recv: i64::from(config.connection_window.max(frame::DEFAULT_WINDOW)),
            conn_unacked: 0,
            max_streams: None,
            acks_queued: 0,
            config,
        }),
        max_send_streams: AtomicUsize::new(usize::MAX),
    });
    let keepalive = config.keepalive.map(|(interval, timeout)| Keepalive {
        interval,
        timeout,
        sleep: Box::pin(tokio::time::sleep(interval)),
        sent: None,
    });
    let driver = Driver {
        io,
        shared: shared.clone(),
        read: vec![0; READ_BUFFER],
        filled: 0,
        writing: Out::default(),
        written: 0,
        flush: false,
        decoder: hpack::Decoder::new(4096),
        continuation: None,
        keepalive,
        started: false,
    };
    (
        Handle {
            inner: Arc::new(HandleInner { shared }),
        },
        driver,
    )
}

/// What callers and the driver share.
struct Shared {
    state: Mutex<State>,
    /// The server's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it
    /// says).
    max_send_streams: AtomicUsize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock is held cannot leave the state half
        // written in a way that matters more than failing every call.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct State {
    /// Set when the connection failed: every stream and new request
    /// fails with it.
    error: Option<Error>,
    /// The GOAWAY received: the last stream id the server processes, its
    /// reason and debug data.
    go_away: Option<(u32, Reason, Bytes)>,
    /// Every handle was dropped: the connection ends once its streams do.
    closing: bool,
    next_id: u32,
    streams: Streams,
    /// Frames to write.
    out: Out,
    /// A scratch buffer for header blocks.
    block: Vec<u8>,
    driver: Option<Waker>,
    driver_woken: bool,
    /// Send window of the connection.
    conn_send: i64,
    /// The server's SETTINGS_INITIAL_WINDOW_SIZE.
    peer_initial_window: i64,
    peer_max_frame: usize,
    /// Whether the header table size update (to 0) was sent since the
    /// server last changed its table size.
    table_size_sent: bool,
    /// Streams whose body waits for window, in order.
    blocked: VecDeque<u32>,
    /// Receive window left of the connection.
    conn_recv: i64,
    /// Bytes read by callers, not yet given back to the server.
    conn_unacked: u32,
    /// A SETTINGS_MAX_CONCURRENT_STREAMS received, to publish.
    max_streams: Option<usize>,
    /// Bytes of acknowledgements queued since the driver last took `out`.
    acks_queued: usize,
    config: Config,
}

impl State {
    /// Whether `id` is a stream this client never opened (the server's
    /// own, or one not opened yet).
    fn never_opened(&self, id: u32) -> bool {
        id.is_multiple_of(2) || id >= self.next_id
    }

    /// Wakes the driver to write what was queued.
    fn wake_driver(&mut self) {
        if !self.driver_woken
            && let Some(waker) = &self.driver
        {
            self.driver_woken = true;
            waker.wake_by_ref();
        }
    }

    /// Fails the connection: every stream gets `error`.
    fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error.clone());
        }
        for stream in self.streams.iter_mut() {
            if stream.error.is_none() && !stream.recv_end {
                stream.error = Some(error.clone());
            }
            stream.pending = Bytes::new();
            stream.end_pending = false;
            stream.wake();
        }
    }

    /// Gives `n` bytes read by a caller back to the connection's window.
    fn release_connection(&mut self, n: usize) {
        self.conn_unacked = self.conn_unacked.saturating_add(n as u32);
        if self.conn_unacked >= self.config.connection_window / 2 && self.error.is_none() {
            frame::put_window_update(&mut self.out.buf, 0, self.conn_unacked);
            self.conn_recv += i64::from(self.conn_unacked);
            self.conn_unacked = 0;
            self.wake_driver();
        }
    }

    /// Sends as much of the waiting bodies as the windows allow.
    fn send_blocked(&mut self) {
        let mut i = 0;
        while i < self.blocked.len() && self.conn_send > 0 {
            let id = self.blocked[i];
            let done = match self.streams.get_mut(id) {
                Some(stream) => send_body(
                    stream,
                    id,
                    &mut self.out,
                    &mut self.conn_send,
                    self.peer_max_frame,
                ),
                None => true,
            };
            if done {
                self.blocked.remove(i);
            } else {
                i += 1;
            }
        }
        if !self.out.is_empty() {
            self.wake_driver();
        }
    }

    /// Ends a stream on this side: its buffered data is given back to the
    /// connection, and the server is told (RST_STREAM CANCEL) if the
    /// stream is still open.
    fn cancel(&mut self, id: u32) {
        let Some(stream) = self.streams.remove(id) else {
            return;
        };
        let buffered = stream.data.len();
        if buffered > 0 {
            self.release_connection(buffered);
        }
        // Open on either side (an answer can end before its request was
        // sent whole): the server is told the stream is over.
        if (!stream.recv_end || stream.end_pending) && stream.error.is_none() && self.error.is_none() {
            frame::put_reset(&mut self.out.buf, id, Reason::CANCEL);
            self.wake_driver();
        }
    }
}

/// The most slots the ring keeps: a stream still open when this many
/// newer ones came after it (a long call among many short ones) moves to
/// [`Streams::old`], so the ring does not grow with the calls made while
/// it waits.
const RING_SLOTS: usize = 512;

/// The open streams, by id: ids are given in order, so a ring of slots
/// from the oldest recent one, and a map of the few long-lived ones that
/// left the ring.
#[derive(Default)]
struct Streams {
    /// The id of `slots[0]`.
    base: u32,
    slots: VecDeque<Option<Stream>>,
    /// Streams older than `base`.
    old: std::collections::HashMap<u32, Stream>,
    open: usize,
}

impl Streams {
    fn insert(&mut self, id: u32, stream: Stream) {
        if self.slots.is_empty() {
            self.base = id;
        }
        debug_assert_eq!(id, self.base + 2 * self.slots.len() as u32);
        self.slots.push_back(Some(stream));
        self.open += 1;
        while self.slots.len() > RING_SLOTS {
            if let Some(Some(stream)) = self.slots.pop_front() {
                self.old.insert(self.base, stream);
            }
            self.base += 2;
            self.pop_closed();
        }
    }

    fn get_mut(&mut self, id: u32) -> Option<&mut Stream> {
        if id.is_multiple_of(2) {
            return None;
        }
        if id < self.base {
            return self.old.get_mut(&id);
        }
        self.slots.get_mut(((id - self.base) / 2) as usize)?.as_mut()
    }

    fn remove(&mut self, id: u32) -> Option<Stream> {
        if id.is_multiple_of(2) {
            return None;
        }
        let stream = if id < self.base {
            self.old.remove(&id)?
        } else {
            let stream = self.slots.get_mut(((id - self.base) / 2) as usize)?.take()?;
            self.pop_closed();
            stream
        };
        self.open -= 1;
        Some(stream)
    }

    /// Drops the ring's closed slots at its front.
    fn pop_closed(&mut self) {
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.base += 2;
        }
    }

    /// Every open stream.
    fn iter_mut(&mut self) -> impl Iterator<Item = &mut Stream> {
        self.slots.iter_mut().flatten().chain(self.old.values_mut())
    }

    /// Every open stream, with its id.
    fn iter_with_ids(&mut self) -> impl Iterator<Item = (u32, &mut Stream)> {
        let base = self.base;
        let recent = self
            .slots
            .iter_mut()
            .enumerate()
            .filter_map(move |(i, slot)| slot.as_mut().map(|stream| (base + 2 * i as u32, stream)));
        recent.chain(self.old.iter_mut().map(|(id, stream)| (*id, stream)))
    }
}

/// One stream's state.
struct Stream {
    /// Send window.
    send_window: i64,
    /// The body not yet sent.
    pending: Bytes,
    /// Whether END_STREAM is still to be sent.
    end_pending: bool,
    /// The answer's head, until the call takes it.
    head: Option<(StatusCode, Fields)>,
    /// Whether a final head came.
    head_seen: bool,
    data: Chunks,
    trailers: Option<Fields>,
    /// The server ended the stream.
    recv_end: bool,
    error: Option<Error>,
    /// Receive window left.
    recv_window: i64,
    /// Bytes read by the caller, not yet given back to the server.
    unacked: u32,
    waker: Option<Waker>,
}

impl Stream {
    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    fn register(&mut self, cx: &Context<'_>) {
        match &self.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => self.waker = Some(cx.waker().clone()),
        }
    }
}

/// The body chunks of an answer not yet read: most answers come in one
/// DATA frame, kept without a queue.
#[derive(Default)]
struct Chunks {
    first: Option<Bytes>,
    rest: VecDeque<Bytes>,
}

impl Chunks {
    fn push(&mut self, chunk: Bytes) {
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(chunk);
        } else {
            self.rest.push_back(chunk);
        }
    }

    fn pop(&mut self) -> Option<Bytes> {
        self.first.take().or_else(|| self.rest.pop_front())
    }

    /// Bytes held.
    fn len(&self) -> usize {
        self.first.as_ref().map_or(0, Bytes::len) + self.rest.iter().map(Bytes::len).sum::<usize>()
    }
}

/// Queues DATA frames of a stream's body, as far as the windows allow;
/// `true` when all of it (and END_STREAM) is queued.
fn send_body(stream: &mut Stream, id: u32, out: &mut Out, conn_send: &mut i64, max_frame: usize) -> bool {
    loop {
        if !stream.end_pending {
            return true;
        }
        let window = stream.send_window.min(*conn_send).max(0) as usize;
        let n = stream.pending.len().min(window).min(max_frame);
        if n == 0 && !stream.pending.is_empty() {
            return false;
        }
        let chunk = stream.pending.split_to(n);
        let end = stream.pending.is_empty();
        frame::put_head(
            &mut out.buf,
            n,
            frame::DATA,
            if end { frame::END_STREAM } else { 0 },
            id,
        );
        out.put(chunk);
        stream.send_window -= n as i64;
        *conn_send -= n as i64;
        if end {
            stream.end_pending = false;
            return true;
        }
    }
}

/// Bytes to write: a buffer, with large bodies between its bytes.
#[derive(Default)]
struct Out {
    buf: Vec<u8>,
    /// Large pieces, each written after `buf[..position]`.
    large: Vec<(usize, Bytes)>,
}

impl Out {
    fn is_empty(&self) -> bool {
        self.buf.is_empty() && self.large.is_empty()
    }

    fn put(&mut self, bytes: Bytes) {
        if bytes.len() <= COPY_MAX {
            self.buf.extend_from_slice(&bytes);
        } else {
            self.large.push((self.buf.len(), bytes));
        }
    }

    fn len(&self) -> usize {
        self.buf.len() + self.large.iter().map(|(_, b)| b.len()).sum::<usize>()
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.large.clear();
    }

    /// Fills `slices` with what is left to write after the first `skip`
    /// bytes (as much as fits); returns how many slices it filled.
    fn slices<'a>(&'a self, mut skip: usize, slices: &mut [IoSlice<'a>]) -> usize {
        let mut at = 0;
        let mut count = 0;
        let mut push = |piece: &'a [u8]| {
            if skip >= piece.len() {
                skip -= piece.len();
            } else if count < slices.len() {
                slices[count] = IoSlice::new(&piece[skip..]);
                count += 1;
                skip = 0;
            }
        };
        for (position, large) in &self.large {
            push(&self.buf[at..*position]);
            push(large);
            at = *position;
        }
        push(&self.buf[at..]);
        count
    }
}

/// Sends requests on a connection. The connection ends when every handle
/// and every stream is gone.
#[derive(Clone)]
pub(crate) struct Handle {
    inner: Arc<HandleInner>,
}

struct HandleInner {
    shared: Arc<Shared>,
}

impl Drop for HandleInner {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.closing = true;
        state.wake_driver();
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

/// Connection-specific header fields, which HTTP/2 forbids.
fn is_connection_specific(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "proxy-connection" | "transfer-encoding" | "upgrade"
    )
}

impl Handle {
    /// The server's limit on streams open at once.
    #[cfg(test)]
    pub(crate) fn max_send_streams(&self) -> usize {
        self.inner.shared.max_send_streams.load(Ordering::Relaxed)
    }

    /// How many slots the ring of recent streams holds.
    #[cfg(test)]
    pub(crate) fn ring_len(&self) -> usize {
        self.inner.shared.lock().streams.slots.len()
    }

    /// Queues a request with its whole body: `head`'s URI must be
    /// absolute. Nothing waits. An error here means the request was not
    /// sent.
    pub(crate) fn start(&self, head: &http::Request<()>, body: Bytes) -> Result<ResponseFuture, Error> {
        let shared = &self.inner.shared;
        let mut guard = shared.lock();
        let state = &mut *guard;
        if let Some(error) = &state.error {
            return Err(error.clone());
        }
        if let Some((_, reason, debug)) = &state.go_away {
            return Err(Error::GoAway {
                reason: *reason,
                debug: debug.clone(),
                processed: false,
            });
        }
        let id = state.next_id;
        if id > i32::MAX as u32 {
            // Stream ids are used up: the connection goes away for new
            // requests, and the pool opens another.
            state.go_away = Some((0, Reason::NO_ERROR, Bytes::new()));
            return Err(Error::GoAway {
                reason: Reason::NO_ERROR,
                debug: Bytes::from_static(b"stream ids used up"),
                processed: false,
            });
        }
        state.next_id += 2;

        let block = &mut state.block;
        block.clear();
        if !state.table_size_sent {
            hpack::encode_size_update(block, 0);
            state.table_size_sent = true;
        }
        if head.method() == http::Method::POST {
            hpack::encode_indexed(block, 3);
        } else {
            hpack::encode_field(block, b":method", head.method().as_str().as_bytes(), false);
        }
        let uri = head.uri();
        match uri.scheme_str() {
            Some("https") => hpack::encode_indexed(block, 7),
            _ => hpack::encode_indexed(block, 6),
        }
        if let Some(authority) = uri.authority() {
            hpack::encode_field(block, b":authority", authority.as_str().as_bytes(), false);
        }
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        hpack::encode_field(block, b":path", path.as_bytes(), false);
        for (name, value) in head.headers() {
            if !is_connection_specific(name) {
                hpack::encode_field(
                    block,
                    name.as_str().as_bytes(),
                    value.as_bytes(),
                    value.is_sensitive(),
                );
            }
        }

        // HEADERS, and CONTINUATIONs when the block is larger than a frame.
        let max_frame = state.peer_max_frame;
        let empty = body.is_empty();
        let mut chunks = state.block.chunks(max_frame).peekable();
        let first = chunks.next().unwrap_or(&[]);
        let mut flags = if empty { frame::END_STREAM } else { 0 };
        if chunks.peek().is_none() {
            flags |= frame::END_HEADERS;
        }
        frame::put_head(&mut state.out.buf, first.len(), frame::HEADERS, flags, id);
        state.out.buf.extend_from_slice(first);
        while let Some(chunk) = chunks.next() {
            let flags = if chunks.peek().is_none() {
                frame::END_HEADERS
            } else {
                0
            };
            frame::put_head(&mut state.out.buf, chunk.len(), frame::CONTINUATION, flags, id);
            state.out.buf.extend_from_slice(chunk);
        }

        let mut stream = Stream {
            send_window: state.peer_initial_window,
            pending: body,
            end_pending: !empty,
            head: None,
            head_seen: false,
            data: Chunks::default(),
            trailers: None,
            recv_end: false,
            error: None,
            recv_window: i64::from(state.config.stream_window),
            unacked: 0,
            waker: None,
        };
        // Bodies leave in the order their requests came.
        if state.blocked.is_empty() {
            if !send_body(&mut stream, id, &mut state.out, &mut state.conn_send, max_frame) {
                state.blocked.push_back(id);
            }
            state.streams.insert(id, stream);
        } else {
            state.streams.insert(id, stream);
            state.blocked.push_back(id);
            state.send_blocked();
        }
        state.wake_driver();
        drop(guard);
        Ok(ResponseFuture {
            shared: shared.clone(),
            id,
            done: false,
        })
    }
}

/// The head of a request's answer, to come.
pub(crate) struct ResponseFuture {
    shared: Arc<Shared>,
    id: u32,
    done: bool,
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("stream", &self.id)
            .finish()
    }
}

impl ResponseFuture {
    /// The answer's status, head fields and body, once its head came.
    pub(crate) fn poll_head(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(StatusCode, Fields, RecvBody), Error>> {
        let mut state = self.shared.lock();
        let id = self.id;
        let Some(stream) = state.streams.get_mut(id) else {
            self.done = true;
            return Poll::Ready(Err(Error::Shutdown));
        };
        if let Some((status, fields)) = stream.head.take() {
            drop(state);
            self.done = true;
            let body = RecvBody {
                shared: self.shared.clone(),
                id,
                done: false,
            };
            return Poll::Ready(Ok((status, fields, body)));
        }
        if let Some(error) = stream.error.clone() {
            self.done = true;
            state.cancel(id);
            return Poll::Ready(Err(error));
        }
        stream.register(cx);
        Poll::Pending
    }

    /// The answer's status, head fields (a head of `content-type` alone
    /// without a header map) and body.
    pub(crate) async fn head(mut self) -> Result<(StatusCode, Fields, RecvBody), Error> {
        std::future::poll_fn(|cx| self.poll_head(cx)).await
    }
}

impl Future for ResponseFuture {
    type Output = Result<http::Response<RecvBody>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_head(cx).map_ok(|(status, fields, body)| {
            let mut response = http::Response::new(body);
            *response.status_mut() = status;
            *response.headers_mut() = fields.into_map();
            *response.version_mut() = http::Version::HTTP_2;
            response
        })
    }
}

impl Drop for ResponseFuture {
    fn drop(&mut self) {
        if !self.done {
            self.shared.lock().cancel(self.id);
        }
    }
}

/// The body and trailers of an answer.
pub(crate) struct RecvBody {
    shared: Arc<Shared>,
    id: u32,
    done: bool,
}

impl fmt::Debug for RecvBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvBody").field("stream", &self.id).finish()
    }
}

impl RecvBody {
    /// The next chunk of the body; `None` at its end.
    pub(crate) fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let mut guard = self.shared.lock();
        let state = &mut *guard;
        let Some(stream) = state.streams.get_mut(self.id) else {
            self.done = true;
            return Poll::Ready(Some(Err(Error::Shutdown)));
        };
        if let Some(chunk) = stream.data.pop() {
            // The window goes back as the caller reads.
            let n = chunk.len();
            stream.unacked = stream.unacked.saturating_add(n as u32);
            if !stream.recv_end && stream.unacked >= state.config.stream_window / 2 {
                frame::put_window_update(&mut state.out.buf, self.id, stream.unacked);
                stream.recv_window += i64::from(stream.unacked);
                stream.unacked = 0;
                state.wake_driver();
            }
            state.release_connection(n);
            return Poll::Ready(Some(Ok(chunk)));
        }
        if let Some(error) = stream.error.clone() {
            self.done = true;
            state.cancel(self.id);
            return Poll::Ready(Some(Err(error)));
        }
        if stream.recv_end {
            return Poll::Ready(None);
        }
        stream.register(cx);
        Poll::Pending
    }

    /// The trailers, once the body was read; `None` when the answer ended
    /// without any.
    pub(crate) fn poll_trailers(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<HeaderMap>, Error>> {
        self.poll_trailer_fields(cx)
            .map_ok(|fields| fields.map(Fields::into_map))
    }

    /// The trailers' fields, once the body was read; `None` when the
    /// answer ended without any.
    pub(crate) fn poll_trailer_fields(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Fields>, Error>> {
        if self.done {
            return Poll::Ready(Ok(None));
        }
        let mut state = self.shared.lock();
        let Some(stream) = state.streams.get_mut(self.id) else {
            self.done = true;
            return Poll::Ready(Err(Error::Shutdown));
        };
        if let Some(error) = stream.error.clone() {
            self.done = true;
            state.cancel(self.id);
            return Poll::Ready(Err(error));
        }
        if stream.recv_end {
            let trailers = stream.trailers.take();
            self.done = true;
            // Any body left unread is given back with the stream.
            state.cancel(self.id);
            return Poll::Ready(Ok(trailers));
        }
        stream.register(cx);
        Poll::Pending
    }

    /// The next chunk of the body.
    pub(crate) async fn data(&mut self) -> Option<Result<Bytes, Error>> {
        std::future::poll_fn(|cx| self.poll_data(cx)).await
    }

    /// The trailers, once the body was read.
    pub(crate) async fn trailers(&mut self) -> Result<Option<HeaderMap>, Error> {
        std::future::poll_fn(|cx| self.poll_trailers(cx)).await
    }

    /// The trailers' fields, once the body was read.
    pub(crate) async fn trailer_fields(&mut self) -> Result<Option<Fields>, Error> {
        std::future::poll_fn(|cx| self.poll_trailer_fields(cx)).await
    }
}

impl Drop for RecvBody {
    fn drop(&mut self) {
        if !self.done {
            self.shared.lock().cancel(self.id);
        }
    }
}

/// Keepalive pings.
struct Keepalive {
    interval: Duration,
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    /// When the unanswered ping was sent.
    sent: Option<Instant>,
}

/// The payload of this client's keepalive pings.
const PING_PAYLOAD: [u8; 8] = *b"qdrant-a";

/// A header block being received across CONTINUATION frames.
struct Continuation {
    stream: u32,
    end_stream: bool,
    block: Vec<u8>,
}

/// Reads and writes one connection: spawn it; it ends when the connection
/// does (with the connection's error), or when every handle and stream is
/// gone (`Ok`).
pub(crate) struct Driver<T> {
    io: T,
    shared: Arc<Shared>,
    read: Vec<u8>,
    filled: usize,
    /// What is being written, and how much of it was.
    writing: Out,
    written: usize,
    flush: bool,
    decoder: hpack::Decoder,
    continuation: Option<Continuation>,
    keepalive: Option<Keepalive>,
    /// Whether the server's first frame (its SETTINGS) was read.
    started: bool,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Future for Driver<T> {
    type Output = Result<(), Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        {
            let mut state = this.shared.lock();
            match &state.driver {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                _ => state.driver = Some(cx.waker().clone()),
            }
            state.driver_woken = false;
        }
        match this.run(cx) {
            Poll::Ready(result) => {
                let mut state = this.shared.lock();
                let error = match &result {
                    Err(error) => error.clone(),
                    Ok(()) => Error::Shutdown,
                };
                state.fail(error);
                state.driver = None;
                Poll::Ready(result)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for Driver<T> {
    fn drop(&mut self) {
        // A driver dropped before its end (its task cancelled) leaves no
        // call waiting.
        let mut state = self.shared.lock();
        if state.error.is_none() {
            state.fail(Error::Shutdown);
        }
        state.driver = None;
    }
}

impl<T> Driver<T> {
    /// The server's limit on streams open at once (unlimited until its
    /// SETTINGS say).
    pub(crate) fn max_send_streams(&self) -> usize {
        self.shared.max_send_streams.load(Ordering::Relaxed)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Driver<T> {
    fn run(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        loop {
            let mut progress = false;
            // Read and handle what the server sent.
            let mut buf = ReadBuf::new(&mut self.read[self.filled..]);
            match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) => {
                    let n = buf.filled().len();
                    if n == 0 {
                        return Poll::Ready(self.ended());
                    }
                    self.filled += n;
                    progress = true;
                    if let Err(error) = self.handle_frames() {
                        return Poll::Ready(self.abort(error));
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(Error::io(e))),
                Poll::Pending => {}
            }
            // Keepalive.
            if let Some(keepalive) = &mut self.keepalive
                && keepalive.sleep.as_mut().poll(cx).is_ready()
            {
                let now = Instant::now();
                match keepalive.sent {
                    Some(_) => return Poll::Ready(Err(Error::Keepalive(keepalive.timeout))),
                    None => {
                        keepalive.sent = Some(now);
                        keepalive.sleep.as_mut().reset(now + keepalive.timeout);
                        let mut state = self.shared.lock();
                        frame::put_ping(&mut state.out.buf, PING_PAYLOAD, false);
                    }
                }
                progress = true;
            }
            // Write what is queued.
            match self.write(cx) {
                Poll::Ready(Ok(true)) => progress = true,
                Poll::Ready(Ok(false)) | Poll::Pending => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(Error::io(e))),
            }
            // The end: every handle and stream gone, everything written.
            {
                let state = self.shared.lock();
                let idle = state.streams.open == 0 && self.writing.is_empty() && state.out.is_empty();
                if idle && !self.flush {
                    if state.closing {
                        return Poll::Ready(Ok(()));
                    }
                    if let Some((_, reason, debug)) = &state.go_away {
                        return Poll::Ready(if *reason == Reason::NO_ERROR {
                            Ok(())
                        } else {
                            Err(Error::GoAway {
                                reason: *reason,
                                debug: debug.clone(),
                                processed: true,
                            })
                        });
                    }
                }
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }

    /// The server closed the socket.
    fn ended(&mut self) -> Result<(), Error> {
        let mut state = self.shared.lock();
        // Answers read whole but not yet taken by their calls are not lost.
        let receiving = state.streams.iter_mut().any(|s| !s.recv_end);
        if !receiving && (state.closing || state.go_away.is_some()) {
            return Ok(());
        }
        Err(Error::Closed)
    }

    /// Fails the connection for a protocol error of the server's: a
    /// GOAWAY with its code is written on the way out, as far as the
    /// socket takes it without waiting.
    fn abort(&mut self, error: Error) -> Result<(), Error> {
        if let Some(reason) = error.reason() {
            // The last stream of the server's this client acted on: none,
            // as the server opens none.
            let mut goaway = Vec::new();
            frame::put_goaway(&mut goaway, 0, reason);
            let mut cx = Context::from_waker(Waker::noop());
            let _ = Pin::new(&mut self.io).poll_write(&mut cx, &goaway);
        }
        Err(error)
    }

    /// Writes what is queued; `true` if anything was written.
    fn write(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<bool>> {
        let mut wrote = false;
        loop {
            if self.writing.is_empty() {
                let mut state = self.shared.lock();
                if state.out.is_empty() {
                    break;
                }
                std::mem::swap(&mut self.writing, &mut state.out);
                state.acks_queued = 0;
            }
            let total = self.writing.len();
            let mut slices = [IoSlice::new(&[]); 32];
            let count = self.writing.slices(self.written, &mut slices);
            let n = match Pin::new(&mut self.io).poll_write_vectored(cx, &slices[..count]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            wrote = true;
            self.flush = true;
            self.written += n;
            if self.written >= total {
                self.writing.clear();
                self.written = 0;
            }
        }
        if self.flush {
            match Pin::new(&mut self.io).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.flush = false,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
        }
        Poll::Ready(Ok(wrote))
    }

    /// Handles every whole frame read.
    fn handle_frames(&mut self) -> Result<(), Error> {
        let mut at = 0;
        let mut guard = self.shared.lock();
        let state = &mut *guard;
        let result = loop {
            let rest = &self.read[at..self.filled];
            if rest.len() < HEADER_LEN {
                break Ok(());
            }
            if !self.started {
                if rest.starts_with(b"HTTP/") {
                    break Err(Error::protocol(
                        Reason::PROTOCOL_ERROR,
                        "the server answered in HTTP/1, not HTTP/2: is this a gRPC port?",
                    ));
                }
                if rest[3] != frame::SETTINGS {
                    break Err(Error::protocol(
                        Reason::PROTOCOL_ERROR,
                        "the server did not start with SETTINGS: it does not speak HTTP/2",
                    ));
                }
                self.started = true;
            }
            let head = Head::read(rest);
            if head.len > frame::DEFAULT_MAX_FRAME {
                break Err(Error::protocol(
                    Reason::FRAME_SIZE_ERROR,
                    "a frame larger than the client allows",
                ));
            }
            if rest.len() < HEADER_LEN + head.len {
                break Ok(());
            }
            at += HEADER_LEN + head.len;
            let payload = &self.read[at - head.len..at];
            if let Err(error) = on_frame(
                state,
                &mut self.decoder,
                &mut self.continuation,
                &mut self.keepalive,
                head,
                payload,
            ) {
                break Err(error);
            }
        };
        if let Some(max) = state.max_streams.take() {
            self.shared.max_send_streams.store(max, Ordering::Relaxed);
        }
        drop(guard);
        self.read.copy_within(at..self.filled, 0);
        self.filled -= at;
        result
    }
}

/// Handles one frame from the server.
fn on_frame(
    state: &mut State,
    decoder: &mut hpack::Decoder,
    continuation: &mut Option<Continuation>,
    keepalive: &mut Option<Keepalive>,
    head: Head,
    payload: &[u8],
) -> Result<(), Error> {
    use frame::*;
    let protocol = |detail| Err(Error::protocol(Reason::PROTOCOL_ERROR, detail));
    if let Some(pending) = continuation {
        if head.kind != CONTINUATION || head.stream != pending.stream {
            return protocol("a header block was interrupted");
        }
        if pending.block.len() + payload.len() > MAX_HEADER_BLOCK {
            return Err(Error::protocol(
                Reason::ENHANCE_YOUR_CALM,
                "a header block too large",
            ));
        }
        pending.block.extend_from_slice(payload);
        if head.flags & END_HEADERS != 0 {
            let Continuation {
                stream,
                end_stream,
                block,
            } = continuation.take().unwrap_or_else(|| unreachable!());
            return on_headers(state, decoder, stream, end_stream, &block);
        }
        return Ok(());
    }
    match head.kind {
        DATA => {
            if head.stream == 0 {
                return protocol("DATA on stream 0");
            }
            let Some(data) = unpad(head.flags, payload) else {
                return protocol("padding longer than its frame");
            };
            state.conn_recv -= head.len as i64;
            if state.conn_recv < 0 {
                return Err(Error::protocol(
                    Reason::FLOW_CONTROL_ERROR,
                    "the connection's window was exceeded",
                ));
            }
            let padding = head.len - data.len();
            let id = head.stream;
            let never_opened = state.never_opened(id);
            match state.streams.get_mut(id) {
                Some(stream) if stream.error.is_none() && !stream.recv_end => {
                    stream.recv_window -= head.len as i64;
                    if !stream.head_seen {
                        stream_error(state, id, Reason::PROTOCOL_ERROR);
                    } else if stream.recv_window < 0 {
                        stream_error(state, id, Reason::FLOW_CONTROL_ERROR);
                    } else {
                        if !data.is_empty() {
                            stream.data.push(Bytes::copy_from_slice(data));
                        }
                        if head.flags & END_STREAM != 0 {
                            stream.recv_end = true;
                        }
                        stream.wake();
                    }
                    if padding > 0 {
                        state.release_connection(padding);
                    }
                    // A stream reset here gives its window back with it.
                    if state.streams.get_mut(id).is_some_and(|s| s.error.is_some()) {
                        state.release_connection(head.len - padding);
                    }
                }
                _ if never_opened => return protocol("DATA on a stream not opened"),
                // A stream this client ended: its data is dropped, its
                // window given back.
                _ => state.release_connection(head.len),
            }
        }
        HEADERS => {
            if head.stream == 0 {
                return protocol("HEADERS on stream 0");
            }
            let Some(mut block) = unpad(head.flags, payload) else {
                return protocol("padding longer than its frame");
            };
            if head.flags & PRIORITY_FLAG != 0 {
                let Some(rest) = block.get(5..) else {
                    return protocol("HEADERS too short for its priority");
                };
                block = rest;
            }
            let end_stream = head.flags & END_STREAM != 0;
            if head.flags & END_HEADERS == 0 {
                *continuation = Some(Continuation {
                    stream: head.stream,
                    end_stream,
                    block: block.to_vec(),
                });
                return Ok(());
            }
            return on_headers(state, decoder, head.stream, end_stream, block);
        }
        PRIORITY => {
            if head.stream == 0 {
                return protocol("PRIORITY on stream 0");
            }
            if head.len != 5 {
                stream_error(state, head.stream, Reason::FRAME_SIZE_ERROR);
            }
        }
        RST_STREAM => {
            if head.stream == 0 {
                return protocol("RST_STREAM on stream 0");
            }
            if head.len != 4 {
                return Err(Error::protocol(
                    Reason::FRAME_SIZE_ERROR,
                    "RST_STREAM of the wrong size",
                ));
            }
            let id = head.stream;
            if state.never_opened(id) {
                return protocol("RST_STREAM on a stream not opened");
            }
            let reason = Reason(u32::from_be_bytes([
                payload[0], payload[1], payload[2], payload[3],
            ]));
            if let Some(stream) = state.streams.get_mut(id) {
                stream.pending = Bytes::new();
                stream.end_pending = false;
                // NO_ERROR after the whole answer: the server needs no more
                // of the request.
                if !(reason == Reason::NO_ERROR && stream.recv_end) && stream.error.is_none() {
                    stream.error = Some(Error::Reset { reason, remote: true });
                    // The stream is closed on both sides now.
                    stream.recv_end = true;
                }
                stream.wake();
            }
        }
        SETTINGS => {
            if head.stream != 0 {
                return protocol("SETTINGS on a stream");
            }
            if head.flags & ACK != 0 {
                if head.len != 0 {
                    return Err(Error::protocol(
                        Reason::FRAME_SIZE_ERROR,
                        "a SETTINGS ack with a payload",
                    ));
                }
                return Ok(());
            }
            if !head.len.is_multiple_of(6) {
                return Err(Error::protocol(
                    Reason::FRAME_SIZE_ERROR,
                    "SETTINGS of the wrong size",
                ));
            }
            for setting in payload.chunks_exact(6) {
                let id = u16::from_be_bytes([setting[0], setting[1]]);
                let value = u32::from_be_bytes([setting[2], setting[3], setting[4], setting[5]]);
                match id {
                    SETTINGS_HEADER_TABLE_SIZE => state.table_size_sent = false,
                    SETTINGS_ENABLE_PUSH if value > 1 => return protocol("SETTINGS_ENABLE_PUSH above 1"),
                    SETTINGS_MAX_CONCURRENT_STREAMS => state.max_streams = Some(value as usize),
                    SETTINGS_INITIAL_WINDOW_SIZE => {
                        if i64::from(value) > MAX_WINDOW {
                            return Err(Error::protocol(
                                Reason::FLOW_CONTROL_ERROR,
                                "SETTINGS_INITIAL_WINDOW_SIZE above the maximum",
                            ));
                        }
                        let delta = i64::from(value) - state.peer_initial_window;
                        state.peer_initial_window = i64::from(value);
                        for stream in state.streams.iter_mut() {
                            stream.send_window += delta;
                            if stream.send_window > MAX_WINDOW {
                                return Err(Error::protocol(
                                    Reason::FLOW_CONTROL_ERROR,
                                    "a stream's window above the maximum",
                                ));
                            }
                        }
                    }
                    SETTINGS_MAX_FRAME_SIZE => {
                        if !(DEFAULT_MAX_FRAME as u32..=(1 << 24) - 1).contains(&value) {
                            return protocol("SETTINGS_MAX_FRAME_SIZE out of range");
                        }
                        state.peer_max_frame = value as usize;
                    }
                    _ => {}
                }
            }
            put_head(&mut state.out.buf, 0, SETTINGS, ACK, 0);
            check_acks(state, HEADER_LEN)?;
            state.send_blocked();
        }
        PUSH_PROMISE => return protocol("PUSH_PROMISE, though push is disabled"),
        PING => {
            if head.stream != 0 {
                return protocol("PING on a stream");
            }
            if head.len != 8 {
                return Err(Error::protocol(
                    Reason::FRAME_SIZE_ERROR,
                    "PING of the wrong size",
                ));
            }
            let data: [u8; 8] = payload.try_into().unwrap_or_default();
            if head.flags & ACK == 0 {
                put_ping(&mut state.out.buf, data, true);
                check_acks(state, HEADER_LEN + 8)?;
            } else if let Some(keepalive) = keepalive
                && data == PING_PAYLOAD
                && keepalive.sent.take().is_some()
            {
                let next = Instant::now() + keepalive.interval;
                keepalive.sleep.as_mut().reset(next);
            }
        }
        GOAWAY => {
            if head.stream != 0 {
                return protocol("GOAWAY on a stream");
            }
            if head.len < 8 {
                return Err(Error::protocol(Reason::FRAME_SIZE_ERROR, "GOAWAY too short"));
            }
            let last = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]) & 0x7fff_ffff;
            let reason = Reason(u32::from_be_bytes([
                payload[4], payload[5], payload[6], payload[7],
            ]));
            let debug = Bytes::copy_from_slice(&payload[8..]);
            let last = state
                .go_away
                .as_ref()
                .map_or(last, |(before, ..)| last.min(*before));
            state.go_away = Some((last, reason, debug.clone()));
            for (id, stream) in state.streams.iter_with_ids() {
                if id > last && stream.error.is_none() {
                    stream.error = Some(Error::GoAway {
                        reason,
                        debug: debug.clone(),
                        processed: false,
                    });
                    stream.pending = Bytes::new();
                    stream.end_pending = false;
                    stream.recv_end = true;
                    stream.wake();
                }
            }
        }
        WINDOW_UPDATE => {
            if head.len != 4 {
                return Err(Error::protocol(
                    Reason::FRAME_SIZE_ERROR,
                    "WINDOW_UPDATE of the wrong size",
                ));
            }
            let increment =
                u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]) & 0x7fff_ffff;
            if head.stream == 0 {
                if increment == 0 {
                    return protocol("a WINDOW_UPDATE of 0");
                }
                state.conn_send += i64::from(increment);
                if state.conn_send > MAX_WINDOW {
                    return Err(Error::protocol(
                        Reason::FLOW_CONTROL_ERROR,
                        "the connection's window above the maximum",
                    ));
                }
            } else if let Some(stream) = state.streams.get_mut(head.stream) {
                if increment == 0 {
                    stream_error(state, head.stream, Reason::PROTOCOL_ERROR);
                } else {
                    stream.send_window += i64::from(increment);
                    if stream.send_window > MAX_WINDOW {
                        stream_error(state, head.stream, Reason::FLOW_CONTROL_ERROR);
                    }
                }
            } else if state.never_opened(head.stream) {
                return protocol("WINDOW_UPDATE on a stream not opened");
            }
            state.send_blocked();
        }
        CONTINUATION => return protocol("CONTINUATION without HEADERS"),
        // Unknown frame types are ignored (RFC 9113 §4.1).
        _ => {}
    }
    Ok(())
}

/// Acknowledgements queued but not written pile up only when the server
/// asks for them faster than it reads them: past this, it is a flood.
const MAX_QUEUED_ACKS: usize = 1 << 20;

/// Counts an acknowledgement of `len` bytes just queued, and fails the
/// connection when the server floods it with frames that each ask for one
/// (PING, SETTINGS) without reading them. Requests queued do not count.
fn check_acks(state: &mut State, len: usize) -> Result<(), Error> {
    state.acks_queued += len;
    if state.acks_queued > MAX_QUEUED_ACKS {
        return Err(Error::protocol(
            Reason::ENHANCE_YOUR_CALM,
            "the server asks for acknowledgements faster than it reads them",
        ));
    }
    Ok(())
}

/// Resets a stream for a protocol error of the server's on it.
fn stream_error(state: &mut State, id: u32, reason: Reason) {
    if let Some(stream) = state.streams.get_mut(id) {
        if stream.error.is_none() {
            stream.error = Some(Error::Reset {
                reason,
                remote: false,
            });
        }
        stream.pending = Bytes::new();
        stream.end_pending = false;
        stream.recv_end = true;
        stream.wake();
        frame::put_reset(&mut state.out.buf, id, reason);
    }
}

/// `grpc-status`, made once.
pub(crate) const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
/// `grpc-message`, made once.
const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");
/// gRPC's `content-type`, made once.
pub(crate) const APPLICATION_GRPC: HeaderValue = HeaderValue::from_static("application/grpc");
/// `grpc-status` of a call that succeeded.
const STATUS_OK: HeaderValue = HeaderValue::from_static("0");

/// A header's name, without an allocation for those of every answer.
fn header_name(name: &[u8]) -> Result<HeaderName, http::header::InvalidHeaderName> {
    match name {
        b"content-type" => Ok(http::header::CONTENT_TYPE),
        b"grpc-status" => Ok(GRPC_STATUS),
        b"grpc-message" => Ok(GRPC_MESSAGE),
        _ => HeaderName::from_bytes(name),
    }
}

/// A header's value, without an allocation for those of every answer.
fn header_value(value: &[u8]) -> Result<HeaderValue, http::header::InvalidHeaderValue> {
    match value {
        b"0" => Ok(STATUS_OK),
        b"application/grpc" => Ok(APPLICATION_GRPC),
        _ => HeaderValue::from_bytes(value),
    }
}

/// The header fields of an answer's head or trailers. Most gRPC answers
/// carry one field there (`content-type: application/grpc` in the head,
/// `grpc-status: 0` in the trailers), kept without building a map.
#[derive(Debug)]
pub(crate) enum Fields {
    /// `content-type: application/grpc`, alone.
    GrpcContent,
    /// `grpc-status: 0`, alone.
    GrpcOk,
    /// Any other fields.
    Map(HeaderMap),
}

impl Fields {
    /// The one field a lone known field stands for, by name and value.
    fn lone(name: &[u8], value: &[u8]) -> Option<Fields> {
        match (name, value) {
            (b"content-type", b"application/grpc") => Some(Fields::GrpcContent),
            (b"grpc-status", b"0") => Some(Fields::GrpcOk),
            _ => None,
        }
    }

    /// The fields as a map.
    pub(crate) fn into_map(self) -> HeaderMap {
        let (name, value) = match self {
            Fields::GrpcContent => (http::header::CONTENT_TYPE, APPLICATION_GRPC),
            Fields::GrpcOk => (GRPC_STATUS, STATUS_OK),
            Fields::Map(fields) => return fields,
        };
        // Room for the fields that may follow it (`on_headers`).
        let mut map = HeaderMap::new();
        map.insert(name, value);
        map
    }
}

/// Handles a whole header block of stream `id`.
fn on_headers(
    state: &mut State,
    decoder: &mut hpack::Decoder,
    id: u32,
    end_stream: bool,
    block: &[u8],
) -> Result<(), Error> {
    // Decoded whatever the stream: the table is the connection's.
    let known = state
        .streams
        .get_mut(id)
        .is_some_and(|s| s.error.is_none() && !s.recv_end);
    let trailers = known && state.streams.get_mut(id).is_some_and(|s| s.head_seen);
    let mut status = None;
    let mut map = HeaderMap::new();
    // The first regular field, while it is the only one and a known one.
    let mut lone = None;
    let mut regular = false;
    let mut malformed = false;
    decoder
        .decode(block, |name, value| {
            if !known || malformed {
                return;
            }
            if let Some(pseudo) = name.strip_prefix(b":") {
                // Pseudo-headers come first, and only `:status`, in a head.
                if trailers || pseudo != b"status" || status.is_some() || regular {
                    malformed = true;
                } else {
                    status = StatusCode::from_bytes(value).ok();
                    malformed |= status.is_none();
                }
                return;
            }
            if !regular {
                regular = true;
                lone = Fields::lone(name, value);
                if lone.is_some() {
                    return;
                }
            } else if let Some(first) = lone.take() {
                map = first.into_map();
            }
            if name.iter().any(u8::is_ascii_uppercase) {
                malformed = true;
                return;
            }
            match (header_name(name), header_value(value)) {
                // More fields than a map holds is a malformed answer too.
                (Ok(name), Ok(value)) => malformed |= map.try_append(name, value).is_err(),
                _ => malformed = true,
            }
        })
        .map_err(|_| Error::protocol(Reason::COMPRESSION_ERROR, "a header block that cannot be decoded"))?;
    if !known {
        if state.never_opened(id) {
            return Err(Error::protocol(
                Reason::PROTOCOL_ERROR,
                "HEADERS on a stream not opened",
            ));
        }
        // A stream this client ended, or that already failed.
        return Ok(());
    }
    if (trailers && !end_stream) || malformed || (!trailers && status.is_none()) {
        stream_error(state, id, Reason::PROTOCOL_ERROR);
        return Ok(());
    }
    let Some(stream) = state.streams.get_mut(id) else {
        return Ok(());
    };
    match status {
        // An informational head is skipped.
        Some(status) if status.is_informational() => {
            if end_stream {
                stream_error(state, id, Reason::PROTOCOL_ERROR);
            }
            return Ok(());
        }
        Some(status) => {
            stream.head = Some((status, lone.unwrap_or(Fields::Map(map))));
            stream.head_seen = true;
        }
        None => stream.trailers = Some(lone.unwrap_or(Fields::Map(map))),
    }
    if end_stream {
        stream.recv_end = true;
    }
    stream.wake();
    Ok(())
}
