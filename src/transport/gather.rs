//! Writes gathered per poll of a connection.
//!
//! h2 writes one DATA frame per `write` call, and Qdrant's server keeps
//! HTTP/2's default 16 KiB frame size, so an upsert of 256 points of 768
//! dimensions (786 KiB) was about 48 `writev` calls, each a trip through
//! the kernel's TCP stack and, on loopback, the receiving side's too. The
//! connection's IO is wrapped in [`Gather`]: what h2 writes during one poll
//! of the connection is queued, and the connection's task writes the queue
//! with one `writev` when that poll ends ([`Gather::poll_drain`]), or
//! sooner when it holds [`LIMIT`] bytes. Against a real Qdrant 1.19.0 this
//! made 12 times fewer write calls per upsert (see BENCHMARKS.md).
//!
//! Small writes (frame headers, HEADERS frames, small bodies) are copied
//! into one buffer. A large request body is not: it goes to h2 as a
//! [`Lent`] buffer, registered with the connection's [`Lender`] for as long
//! as h2 holds it, and a DATA frame's payload that lies inside a lent body
//! is queued as a reference to it (`Bytes::slice_ref`), so that the only
//! copy of those bytes is the kernel's. Copying them was a tenth of an
//! upsert's CPU.
//!
//! h2's flushes return at once: the bytes leave at the end of the same
//! poll, which h2 does not wait for. A write error is kept and returned by
//! the next read, write or flush, so h2 ends the connection on it as it
//! would on its own write's error.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::ops::Range;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most bytes gathered before they are written in the middle of a poll.
const LIMIT: usize = 256 * 1024;
/// Bodies from this size on are lent rather than copied.
const LEND_FROM: usize = 16 * 1024;
/// Written slices from this size on are looked for among the lent bodies
/// (h2 copies payloads below 256 bytes into its own buffer anyway).
const BORROW_FROM: usize = 1024;
/// Most slices given to one `writev`.
const MAX_SLICES: usize = 64;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held but the IO itself; the
    // state is still what it was.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The large bodies h2 holds on one connection, whose bytes [`Gather`] may
/// queue by reference instead of copying them.
#[derive(Default)]
pub(crate) struct Lender {
    lent: Mutex<Vec<(u64, Bytes)>>,
    next: AtomicU64,
}

impl Lender {
    /// `body` as h2's send buffer, lent when it is large.
    pub(crate) fn lend(self: &Arc<Self>, body: Bytes) -> Lent {
        if body.len() < LEND_FROM {
            return Lent { body, loan: None };
        }
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.lent).push((key, body.clone()));
        Lent {
            body,
            loan: Some((self.clone(), key)),
        }
    }

    /// How many bodies are lent now.
    #[cfg(test)]
    pub(crate) fn lent(&self) -> usize {
        lock(&self.lent).len()
    }

    /// `slice` as a reference into the lent body that holds it, if one
    /// does.
    fn borrow(&self, slice: &[u8]) -> Option<Bytes> {
        let (start, end) = (slice.as_ptr() as usize, slice.as_ptr() as usize + slice.len());
        lock(&self.lent).iter().find_map(|(_, body)| {
            let base = body.as_ptr() as usize;
            (base <= start && end <= base + body.len()).then(|| body.slice_ref(slice))
        })
    }
}

/// A request body as h2 sends it. While h2 holds a large one, its bytes
/// are registered with the connection's [`Lender`]; dropping it (h2 wrote
/// it, or the stream was reset) takes it back.
pub(crate) struct Lent {
    body: Bytes,
    loan: Option<(Arc<Lender>, u64)>,
}

// Sizes only: a body is the caller's data.
impl std::fmt::Debug for Lender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lender")
            .field("lent", &lock(&self.lent).len())
            .finish()
    }
}

impl std::fmt::Debug for Lent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lent")
            .field("remaining", &self.body.len())
            .field("lent", &self.loan.is_some())
            .finish()
    }
}

impl Buf for Lent {
    fn remaining(&self) -> usize {
        self.body.remaining()
    }

    fn chunk(&self) -> &[u8] {
        self.body.chunk()
    }

    fn advance(&mut self, n: usize) {
        self.body.advance(n);
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some((lender, key)) = &self.loan {
            let mut lent = lock(&lender.lent);
            if let Some(i) = lent.iter().position(|(k, _)| k == key) {
                lent.swap_remove(i);
            }
        }
    }
}

/// One queued piece of what h2 wrote.
enum Piece {
    /// Bytes copied into `Inner::copied`.
    Copied(Range<usize>),
    /// Bytes of a lent body.
    Borrowed(Bytes),
}

impl Piece {
    /// The piece's bytes; `copied` is `Inner::copied`.
    fn bytes<'a>(&'a self, copied: &'a [u8]) -> &'a [u8] {
        match self {
            Piece::Copied(range) => &copied[range.clone()],
            Piece::Borrowed(bytes) => bytes,
        }
    }
}

/// The connection's IO, shared by h2 and the task that drives it (one
/// task: the lock is never contended).
pub(crate) struct Gather<T>(Arc<Mutex<Inner<T>>>);

struct Inner<T> {
    io: T,
    /// Set when `io` writes vectors; without that nothing is borrowed, and
    /// the queue is one copied piece.
    vectored: bool,
    lender: Arc<Lender>,
    /// What h2 wrote and the IO did not yet, in order; `sent` bytes of the
    /// front piece already went out.
    queue: VecDeque<Piece>,
    sent: usize,
    /// Bytes in `queue`, `sent` included.
    queued: usize,
    copied: Vec<u8>,
    /// The error of a write that failed, for h2's next call.
    failed: Option<io::ErrorKind>,
}

impl<T: AsyncWrite> Gather<T> {
    pub(crate) fn new(io: T) -> Self {
        Gather(Arc::new(Mutex::new(Inner {
            vectored: io.is_write_vectored(),
            io,
            lender: Arc::default(),
            queue: VecDeque::new(),
            sent: 0,
            queued: 0,
            copied: Vec::new(),
            failed: None,
        })))
    }
}

impl<T> Gather<T> {
    /// A second handle on the same IO, for the task that drives h2.
    pub(crate) fn handle(&self) -> Self {
        Gather(self.0.clone())
    }

    /// The registry of the bodies sent on this connection.
    pub(crate) fn lender(&self) -> Arc<Lender> {
        self.lock().lender.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        lock(&self.0)
    }
}

impl<T: AsyncWrite + Unpin> Gather<T> {
    /// Writes what was gathered. Pending while the socket takes no more;
    /// an error is also kept for h2's next call.
    pub(crate) fn poll_drain(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.lock().poll_drain(cx)
    }
}

impl<T: AsyncWrite + Unpin> Inner<T> {
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        while !self.queue.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let mut count = 0;
            for (i, piece) in self.queue.iter().take(MAX_SLICES).enumerate() {
                let bytes = piece.bytes(&self.copied);
                slices[i] = IoSlice::new(if i == 0 { &bytes[self.sent..] } else { bytes });
                count += 1;
            }
            let written = match ready!(Pin::new(&mut self.io).poll_write_vectored(cx, &slices[..count])) {
                Ok(0) => return self.fail(io::ErrorKind::WriteZero.into()),
                Ok(n) => n,
                Err(e) => return self.fail(e),
            };
            self.consume(written);
        }
        self.copied.clear();
        if let Err(e) = ready!(Pin::new(&mut self.io).poll_flush(cx)) {
            return self.fail(e);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T> Inner<T> {
    /// Takes `written` bytes off the front of the queue.
    fn consume(&mut self, mut written: usize) {
        self.queued -= written;
        while let Some(piece) = self.queue.front() {
            let len = piece.bytes(&self.copied).len() - self.sent;
            if written < len {
                self.sent += written;
                return;
            }
            written -= len;
            self.sent = 0;
            self.queue.pop_front();
        }
    }

    /// Queues `slice`: by reference when it lies in a lent body, else
    /// copied (after the copied piece at the back, when there is one).
    fn push(&mut self, slice: &[u8]) {
        if slice.is_empty() {
            return;
        }
        self.queued += slice.len();
        if self.vectored
            && slice.len() >= BORROW_FROM
            && let Some(bytes) = self.lender.borrow(slice)
        {
            self.queue.push_back(Piece::Borrowed(bytes));
            return;
        }
        let start = self.copied.len();
        self.copied.extend_from_slice(slice);
        if let Some(Piece::Copied(range)) = self.queue.back_mut()
            && range.end == start
        {
            range.end = self.copied.len();
            return;
        }
        self.queue.push_back(Piece::Copied(start..self.copied.len()));
    }

    /// Keeps a write's error for every later call.
    fn fail(&mut self, error: io::Error) -> Poll<io::Result<()>> {
        self.failed = Some(error.kind());
        Poll::Ready(Err(error))
    }

    /// The error of a write that failed, if one did.
    fn check(&self) -> io::Result<()> {
        self.failed.map_or(Ok(()), |kind| Err(kind.into()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Gather<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(data)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut inner = self.lock();
        inner.check()?;
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if inner.queued + total > LIMIT && inner.queued > 0 {
            ready!(inner.poll_drain(cx))?;
        }
        for b in bufs {
            inner.push(b);
        }
        Poll::Ready(Ok(total))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// The gathered bytes leave when the connection's poll ends.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.lock().check())
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.lock();
        ready!(inner.poll_drain(cx))?;
        Pin::new(&mut inner.io).poll_shutdown(cx)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Gather<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.lock();
        inner.check()?;
        Pin::new(&mut inner.io).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn writes_leave_when_drained_and_in_order() {
        let (client, mut server) = tokio::io::duplex(64);
        let mut gather = Gather::new(client);
        let drain = gather.handle();
        gather.write_all(b"hello ").await.unwrap();
        gather.write_all(b"world").await.unwrap();
        gather.flush().await.unwrap();
        // Nothing left yet: the driver drains after its poll.
        let mut probe = [0u8; 1];
        let read = tokio::time::timeout(std::time::Duration::from_millis(20), server.read(&mut probe)).await;
        assert!(read.is_err(), "bytes left before the drain");
        // The duplex takes 64 bytes at a time: the drain goes on as the
        // reader reads.
        let long = vec![7u8; 1000];
        gather.write_all(&long).await.unwrap();
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            let mut chunk = [0u8; 100];
            while all.len() < 1011 {
                let n = server.read(&mut chunk).await.unwrap();
                all.extend_from_slice(&chunk[..n]);
            }
            all
        });
        poll_fn(|cx| drain.poll_drain(cx)).await.unwrap();
        let all = reader.await.unwrap();
        assert_eq!(&all[..11], b"hello world");
        assert_eq!(&all[11..], &long[..]);
    }

    #[tokio::test]
    async fn past_the_limit_a_write_drains_first() {
        let (client, mut server) = tokio::io::duplex(4 * LIMIT);
        let mut gather = Gather::new(client);
        let first = vec![1u8; LIMIT - 10];
        gather.write_all(&first).await.unwrap();
        gather.write_all(&[2u8; 20]).await.unwrap();
        // The first write went out to make room; the second waits.
        let mut got = vec![0u8; LIMIT - 10];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(got, first);
        let inner = gather.lock();
        assert_eq!((inner.queued, &inner.copied[..]), (20, &[2u8; 20][..]));
    }

    #[tokio::test]
    async fn a_failed_write_is_returned_to_every_later_call() {
        let (client, server) = tokio::io::duplex(64);
        drop(server);
        let mut gather = Gather::new(client);
        let drain = gather.handle();
        gather.write_all(b"lost").await.unwrap();
        let error = poll_fn(|cx| drain.poll_drain(cx)).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(
            gather.flush().await.unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
        assert_eq!(
            gather.write(b"x").await.unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
        let mut buf = [0u8; 4];
        assert_eq!(
            gather.read(&mut buf).await.unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
    }

    #[tokio::test]
    async fn lent_bodies_are_queued_by_reference_and_leave_in_order() {
        // A duplex of 100 bytes: every write is partial, and pieces are
        // taken off the queue in the middle.
        let (client, mut server) = tokio::io::duplex(100);
        let mut gather = Gather::new(client);
        let drain = gather.handle();
        let lender = gather.lender();
        let body: Vec<u8> = (0..3 * LEND_FROM).map(|i| (i % 251) as u8).collect();
        let mut lent = lender.lend(Bytes::from(body.clone()));
        assert_eq!(lock(&lender.lent).len(), 1);
        // As h2 writes it: a frame header copied, then the payload.
        let mut expected = Vec::new();
        while lent.has_remaining() {
            let n = lent.remaining().min(LEND_FROM);
            let header = [9u8, 9, 9];
            let written = gather
                .write_vectored(&[IoSlice::new(&header), IoSlice::new(&lent.chunk()[..n])])
                .await
                .unwrap();
            assert_eq!(written, header.len() + n, "the gather takes every write whole");
            expected.extend_from_slice(&header);
            expected.extend_from_slice(&lent.chunk()[..n]);
            lent.advance(n);
        }
        {
            let inner = gather.lock();
            let borrowed = inner
                .queue
                .iter()
                .filter(|p| matches!(p, Piece::Borrowed(_)))
                .count();
            assert_eq!(borrowed, 3);
            assert_eq!(inner.copied.len(), 9, "only the headers are copied");
        }
        // h2 drops the body once written: the loan ends, the queue keeps
        // its own references.
        drop(lent);
        assert!(lock(&lender.lent).is_empty());
        let total = expected.len();
        let reader = tokio::spawn(async move {
            let mut all = vec![0u8; total];
            server.read_exact(&mut all).await.unwrap();
            all
        });
        poll_fn(|cx| drain.poll_drain(cx)).await.unwrap();
        assert_eq!(reader.await.unwrap(), expected);
        let inner = gather.lock();
        assert!(inner.queue.is_empty() && inner.copied.is_empty() && inner.queued == 0);
    }

    #[tokio::test]
    async fn small_bodies_and_foreign_bytes_are_copied() {
        let (client, _server) = tokio::io::duplex(4 * LIMIT);
        let mut gather = Gather::new(client);
        let lender = gather.lender();
        let small = lender.lend(Bytes::from(vec![1u8; LEND_FROM - 1]));
        assert!(lock(&lender.lent).is_empty());
        let large = lender.lend(Bytes::from(vec![2u8; LEND_FROM]));
        // Debug shows sizes, never the caller's bytes.
        assert_eq!(format!("{large:?}"), "Lent { remaining: 16384, lent: true }");
        assert_eq!(format!("{lender:?}"), "Lender { lent: 1 }");
        // Equal bytes elsewhere are not the lent body's.
        let foreign = vec![2u8; LEND_FROM];
        gather.write_all(small.chunk()).await.unwrap();
        gather.write_all(&foreign).await.unwrap();
        let inner = gather.lock();
        assert_eq!(inner.queue.len(), 1);
        assert_eq!(inner.copied.len(), 2 * LEND_FROM - 1);
    }
}
