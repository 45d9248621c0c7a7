//! A loopback TCP proxy for fault tests: it sits in front of a server and
//! forwards bytes both ways, and a test switches it at run time to delay,
//! reset, blackhole or refuse connections.
//!
//! ```ignore
//! let server = EmbeddedServer::start().await?;
//! let proxy = Proxy::start(server.addr()).await?;
//! let client = Client::connect(proxy.url()).await?;
//! proxy.set_mode(Mode::Reset).await;       // every connection gets an RST
//! proxy.set_mode(Mode::PassThrough).await; // and the server is reachable again
//! assert!(proxy.connections() >= 2);
//! ```
//!
//! Dropping the proxy stops it: its listener and every connection close,
//! and none of its tasks outlive it.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// What the proxy does with connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Forwards bytes both ways as they come.
    PassThrough,
    /// Holds each chunk read, in either direction, this long before
    /// forwarding it; chunks keep their order, and are not held one
    /// behind the other (a latency, not a bandwidth limit).
    Delay(Duration),
    /// Closes every connection with a TCP RST: the existing ones at once,
    /// and new ones as soon as they are accepted.
    Reset,
    /// New connections are accepted and read, but nothing is forwarded and
    /// nothing answered. Existing connections stall: nothing is read or
    /// forwarded until the mode changes, when they go on where they
    /// stopped (as after a healed network partition).
    Blackhole,
    /// Stops listening: new connections are refused (`ECONNREFUSED`);
    /// existing ones go on. Any other mode listens again on the same
    /// address.
    Refuse,
}

/// A running proxy. Dropping it stops it.
pub struct Proxy {
    addr: SocketAddr,
    /// The mode, with a generation that counts changes.
    mode: watch::Sender<(u64, Mode)>,
    /// The last generation the accept loop has applied.
    applied: watch::Receiver<u64>,
    counts: Arc<Counts>,
    task: JoinHandle<()>,
}

#[derive(Debug, Default)]
struct Counts {
    accepted: AtomicUsize,
    open: AtomicUsize,
}

/// Most chunks held per direction in [`Mode::Delay`]: past that the proxy
/// stops reading, as a full buffer would.
const MAX_HELD: usize = 1024;

impl Proxy {
    /// Starts a proxy on 127.0.0.1 at a free port, forwarding to `upstream`,
    /// in [`Mode::PassThrough`].
    pub async fn start(upstream: SocketAddr) -> io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (mode, modes) = watch::channel((0, Mode::PassThrough));
        let (applied_tx, applied) = watch::channel(0);
        let counts = Arc::new(Counts::default());
        let task = tokio::spawn(accept_loop(
            listener,
            addr,
            upstream,
            modes,
            applied_tx,
            counts.clone(),
        ));
        Ok(Proxy {
            addr,
            mode,
            applied,
            counts,
            task,
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://` and the address.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Switches the mode. It returns once new connections get the new mode
    /// (a refusing proxy has closed its listener, a listening one has
    /// opened it); existing connections follow at once, asynchronously.
    ///
    /// Panics if the proxy could not listen on its address again after
    /// [`Mode::Refuse`].
    pub async fn set_mode(&self, mode: Mode) {
        self.mode.send_modify(|(generation, m)| {
            *generation += 1;
            *m = mode;
        });
        let generation = self.mode.borrow().0;
        let mut applied = self.applied.clone();
        if applied.wait_for(|g| *g >= generation).await.is_err() {
            panic!(
                "the proxy on {} has stopped: it could not listen again",
                self.addr
            );
        }
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode.borrow().1
    }

    /// Connections accepted so far, in any mode.
    pub fn connections(&self) -> usize {
        self.counts.accepted.load(Ordering::Relaxed)
    }

    /// Connections accepted and not yet closed.
    pub fn open_connections(&self) -> usize {
        self.counts.open.load(Ordering::Relaxed)
    }

    /// Stops the proxy and waits until its listener and connections are
    /// closed.
    pub async fn stop(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // The accept loop owns the listener and a JoinSet of the
        // connections: aborting it drops them all.
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    upstream: SocketAddr,
    mut modes: watch::Receiver<(u64, Mode)>,
    applied: watch::Sender<u64>,
    counts: Arc<Counts>,
) {
    let mut listener = Some(listener);
    let mut connections = JoinSet::new();
    loop {
        let (generation, mode) = *modes.borrow_and_update();
        if mode == Mode::Refuse {
            listener = None;
        } else if listener.is_none() {
            match listen_again(addr).await {
                Some(again) => listener = Some(again),
                None => return,
            }
        }
        applied.send_replace(generation);

        let accepted = tokio::select! {
            changed = modes.changed() => match changed {
                Ok(()) => None,
                Err(_) => return,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => None,
            accepted = accept(listener.as_ref()) => accepted.ok(),
        };
        if let Some(client) = accepted {
            counts.accepted.fetch_add(1, Ordering::Relaxed);
            connections.spawn(connection(client, upstream, modes.clone(), counts.clone()));
        }
    }
}

async fn accept(listener: Option<&TcpListener>) -> io::Result<TcpStream> {
    match listener {
        Some(listener) => listener.accept().await.map(|(stream, _)| stream),
        None => std::future::pending().await,
    }
}

/// Binds `addr` again after [`Mode::Refuse`]; retries for a while in case
/// the port is still held.
async fn listen_again(addr: SocketAddr) -> Option<TcpListener> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Some(listener),
            Err(e) if Instant::now() >= deadline => {
                eprintln!("proxy: cannot listen on {addr} again: {e}");
                return None;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Counts a connection as open while it lives.
struct Open(Arc<Counts>);

impl Open {
    fn new(counts: Arc<Counts>) -> Open {
        counts.open.fetch_add(1, Ordering::Relaxed);
        Open(counts)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Closes `stream` with an RST instead of a FIN.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn connection(
    mut client: TcpStream,
    upstream: SocketAddr,
    modes: watch::Receiver<(u64, Mode)>,
    counts: Arc<Counts>,
) {
    let _open = Open::new(counts);
    let _ = client.set_nodelay(true);
    let mode = modes.borrow().1;
    match mode {
        Mode::Reset => return reset(client),
        Mode::Blackhole => return sink(client, modes).await,
        _ => {}
    }
    let mut server = match TcpStream::connect(upstream).await {
        Ok(server) => server,
        Err(_) => return reset(client),
    };
    let _ = server.set_nodelay(true);

    let reset_ordered = {
        let (mut from_client, mut to_client) = client.split();
        let (mut from_server, mut to_server) = server.split();
        let forward = async {
            tokio::join!(
                pump(&mut from_client, &mut to_server, modes.clone()),
                pump(&mut from_server, &mut to_client, modes.clone()),
            )
        };
        tokio::select! {
            _ = forward => false,
            ordered = until_reset(modes.clone()) => ordered,
        }
    };
    if reset_ordered {
        reset(client);
        reset(server);
    }
}

/// Whether [`Mode::Reset`] came (false: the proxy is gone).
async fn until_reset(mut modes: watch::Receiver<(u64, Mode)>) -> bool {
    modes.wait_for(|(_, mode)| *mode == Mode::Reset).await.is_ok()
}

/// A blackholed connection: read and drop everything, answer nothing, until
/// the client leaves or a reset is ordered.
async fn sink(mut client: TcpStream, modes: watch::Receiver<(u64, Mode)>) {
    let mut buf = vec![0u8; 16 * 1024];
    let reset_ordered = tokio::select! {
        _ = async { while matches!(client.read(&mut buf).await, Ok(n) if n > 0) {} } => false,
        ordered = until_reset(modes) => ordered,
    };
    if reset_ordered {
        reset(client);
    }
}

/// Forwards `from` to `to` as the mode says, until `from` ends; then
/// half-closes `to`, so that each side sees the other's FIN.
async fn pump(from: &mut ReadHalf<'_>, to: &mut WriteHalf<'_>, mut modes: watch::Receiver<(u64, Mode)>) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut held: VecDeque<(Instant, Vec<u8>)> = VecDeque::new();
    let mut ended = false;
    loop {
        let mode = modes.borrow_and_update().1;
        if mode == Mode::Blackhole {
            // Stall: read nothing and deliver nothing until the mode changes.
            if modes.changed().await.is_err() {
                return;
            }
            continue;
        }
        if ended && held.is_empty() {
            let _ = to.shutdown().await;
            return;
        }
        let due = held.front().map(|(at, _)| *at);
        tokio::select! {
            changed = modes.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                if let Some((_, chunk)) = held.pop_front()
                    && to.write_all(&chunk).await.is_err()
                {
                    return;
                }
            }
            read = from.read(&mut buf), if !ended && held.len() < MAX_HELD => match read {
                Ok(0) | Err(_) => ended = true,
                Ok(n) => match mode {
                    Mode::Delay(by) => held.push_back((Instant::now() + by, buf[..n].to_vec())),
                    // Behind chunks still held from a delay, in order.
                    _ if !held.is_empty() => held.push_back((Instant::now(), buf[..n].to_vec())),
                    _ => {
                        if to.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TCP echo server that counts the connections it has seen close.
    struct Echo {
        addr: SocketAddr,
        closed: Arc<AtomicUsize>,
        task: JoinHandle<()>,
    }

    impl Drop for Echo {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn echo() -> Echo {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let closed = Arc::new(AtomicUsize::new(0));
        let seen = closed.clone();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                let seen = seen.clone();
                connections.spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 || socket.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    seen.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        Echo { addr, closed, task }
    }

    const WAIT: Duration = Duration::from_secs(3);
    const SILENCE: Duration = Duration::from_millis(300);

    /// Sends `message` and reads as many bytes back, within [`WAIT`].
    async fn round_trip(stream: &mut TcpStream, message: &[u8]) -> io::Result<Vec<u8>> {
        stream.write_all(message).await?;
        let mut back = vec![0u8; message.len()];
        tokio::time::timeout(WAIT, stream.read_exact(&mut back))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no answer"))??;
        Ok(back)
    }

    /// Whether nothing arrives on `stream` for [`SILENCE`].
    async fn stays_silent(stream: &mut TcpStream) -> bool {
        let mut byte = [0u8; 1];
        tokio::time::timeout(SILENCE, stream.read(&mut byte))
            .await
            .is_err()
    }

    /// Waits until `condition` holds, for at most [`WAIT`].
    async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The error of the next read, within [`WAIT`]; end of stream is
    /// `UnexpectedEof`.
    async fn read_error(stream: &mut TcpStream) -> io::ErrorKind {
        let mut buf = [0u8; 64];
        match tokio::time::timeout(WAIT, stream.read(&mut buf)).await {
            Err(_) => io::ErrorKind::TimedOut,
            Ok(Ok(0)) => io::ErrorKind::UnexpectedEof,
            Ok(Ok(n)) => panic!("read {n} bytes where an error was expected"),
            Ok(Err(e)) => e.kind(),
        }
    }

    #[tokio::test]
    async fn proxy_passes_bytes_both_ways_and_counts_connections() {
        let echo = echo().await;
        let proxy = Proxy::start(echo.addr).await.expect("proxy");
        assert_eq!(proxy.mode(), Mode::PassThrough);
        let mut a = TcpStream::connect(proxy.addr()).await.expect("connect");
        let mut b = TcpStream::connect(proxy.addr()).await.expect("connect");
        assert_eq!(round_trip(&mut a, b"hello").await.expect("echo"), b"hello");
        assert_eq!(round_trip(&mut b, b"world").await.expect("echo"), b"world");
        let big: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
        assert_eq!(round_trip(&mut a, &big).await.expect("echo"), big);
        assert_eq!(proxy.connections(), 2);
        assert_eq!(proxy.open_connections(), 2);
        drop(a);
        drop(b);
        // Each FIN travels through, and the proxy's connections close.
        eventually("the proxy's connections close", || proxy.open_connections() == 0).await;
        eventually("the server sees both close", || {
            echo.closed.load(Ordering::Relaxed) == 2
        })
        .await;
        assert_eq!(proxy.connections(), 2);
    }

    #[tokio::test]
    async fn proxy_delays_each_chunk_both_ways() {
        let echo = echo().await;
        let proxy = Proxy::start(echo.addr).await.expect("proxy");
        let mut stream = TcpStream::connect(proxy.addr()).await.expect("connect");
        let delay = Duration::from_millis(150);
        proxy.set_mode(Mode::Delay(delay)).await;
        assert_eq!(proxy.mode(), Mode::Delay(delay));
        let started = Instant::now();
        assert_eq!(round_trip(&mut stream, b"slow").await.expect("echo"), b"slow");
        // Held once on the way there and once on the way back.
        assert!(started.elapsed() >= 2 * delay, "{:?}", started.elapsed());

        proxy.set_mode(Mode::PassThrough).await;
        assert_eq!(round_trip(&mut stream, b"fast").await.expect("echo"), b"fast");
    }

    #[tokio::test]
    async fn proxy_resets_existing_and_new_connections() {
        let echo = echo().await;
        let proxy = Proxy::start(echo.addr).await.expect("proxy");
        let mut existing = TcpStream::connect(proxy.addr()).await.expect("connect");
        round_trip(&mut existing, b"before").await.expect("echo");

        proxy.set_mode(Mode::Reset).await;
        assert_eq!(read_error(&mut existing).await, io::ErrorKind::ConnectionReset);
        // The kernel accepts the connection; the proxy resets it at once.
        let mut new = TcpStream::connect(proxy.addr()).await.expect("connect");
        assert_eq!(read_error(&mut new).await, io::ErrorKind::ConnectionReset);
        // The server's side was closed too.
        eventually("the server sees the reset", || {
            echo.closed.load(Ordering::Relaxed) >= 1
        })
        .await;

        proxy.set_mode(Mode::PassThrough).await;
        let mut again = TcpStream::connect(proxy.addr()).await.expect("connect");
        assert_eq!(round_trip(&mut again, b"after").await.expect("echo"), b"after");
        assert_eq!(proxy.connections(), 3);
    }

    #[tokio::test]
    async fn proxy_blackhole_stalls_then_heals() {
        let echo = echo().await;
        let proxy = Proxy::start(echo.addr).await.expect("proxy");
        let mut existing = TcpStream::connect(proxy.addr()).await.expect("connect");
        round_trip(&mut existing, b"before").await.expect("echo");

        proxy.set_mode(Mode::Blackhole).await;
        existing.write_all(b"lost?").await.expect("write");
        assert!(
            stays_silent(&mut existing).await,
            "an existing connection answered"
        );
        let mut new = TcpStream::connect(proxy.addr()).await.expect("connect");
        new.write_all(b"anyone?").await.expect("the blackhole reads");
        assert!(stays_silent(&mut new).await, "a new connection answered");
        eventually("the proxy counts the blackholed connection", || {
            proxy.connections() == 2
        })
        .await;

        // The stalled connection goes on where it stopped.
        proxy.set_mode(Mode::PassThrough).await;
        let mut back = [0u8; 5];
        tokio::time::timeout(WAIT, existing.read_exact(&mut back))
            .await
            .expect("in time")
            .expect("echo");
        assert_eq!(&back, b"lost?");
        // The blackholed one stays dead: it never had a server.
        new.write_all(b"still?").await.expect("write");
        assert!(stays_silent(&mut new).await);
    }

    #[tokio::test]
    async fn proxy_refuses_then_listens_again() {
        let echo = echo().await;
        let proxy = Proxy::start(echo.addr).await.expect("proxy");
        let mut existing = TcpStream::connect(proxy.addr()).await.expect("connect");
        // Accepted by the proxy, not just queued on its listener.
        round_trip(&mut existing, b"before").await.expect("echo");

        proxy.set_mode(Mode::Refuse).await;
        let refused = TcpStream::connect(proxy.addr()).await.expect_err("connected");
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(round_trip(&mut existing, b"still").await.expect("echo"), b"still");

        proxy.set_mode(Mode::PassThrough).await;
        let mut new = TcpStream::connect(proxy.addr()).await.expect("listening again");
        assert_eq!(round_trip(&mut new, b"back").await.expect("echo"), b"back");
        assert_eq!(proxy.connections(), 2);
    }

    #[tokio::test]
    async fn proxy_stops_when_dropped() {
        let echo = echo().await;
        let proxy = Proxy::start(echo.addr).await.expect("proxy");
        let addr = proxy.addr();
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        round_trip(&mut stream, b"hi").await.expect("echo");
        drop(proxy);
        // Its connection tasks are gone: both sides see their sockets close.
        assert_eq!(read_error(&mut stream).await, io::ErrorKind::UnexpectedEof);
        eventually("the server sees the close", || {
            echo.closed.load(Ordering::Relaxed) == 1
        })
        .await;
        // And its listener is closed.
        let err = TcpStream::connect(addr).await.expect_err("still listening");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }

    #[tokio::test]
    async fn proxy_stop_waits_for_the_close() {
        let echo = echo().await;
        let proxy = Proxy::start(echo.addr).await.expect("proxy");
        let addr = proxy.addr();
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        round_trip(&mut stream, b"hi").await.expect("echo");
        proxy.stop().await;
        let err = TcpStream::connect(addr).await.expect_err("still listening");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(read_error(&mut stream).await, io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn proxy_in_front_of_the_embedded_server() -> anyhow::Result<()> {
        let server = qdrant_async::server::EmbeddedServer::start().await?;
        let proxy = Proxy::start(server.addr()).await?;
        let client = qdrant_async::Client::connect(proxy.url()).await?;
        client.health_check().await?;
        assert!(proxy.connections() >= 1);
        assert!(server.connections_served() >= 1);
        Ok(())
    }
}
