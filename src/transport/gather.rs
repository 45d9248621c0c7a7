//! Writes gathered per poll of a connection.
//!
//! h2 writes one DATA frame per `write` call, and Qdrant's server keeps
//! HTTP/2's default 16 KiB frame size, so an upsert of 256 points of 768
//! dimensions (786 KiB) was about 48 `writev` calls, each a trip through
//! the kernel's TCP stack and, on loopback, the receiving side's too. The
//! connection's IO is wrapped in [`Gather`]: what h2 writes during one poll
//! of the connection is copied into one buffer, and the connection's task
//! writes the buffer when that poll ends ([`Gather::poll_drain`]), or
//! sooner when it holds [`LIMIT`] bytes. Against a real Qdrant 1.19.0 this
//! made 12 times fewer write calls per upsert (see BENCHMARKS.md).
//!
//! h2's flushes return at once: the bytes leave at the end of the same
//! poll, which h2 does not wait for. A write error is kept and returned by
//! the next read, write or flush, so h2 ends the connection on it as it
//! would on its own write's error.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most bytes gathered before they are written in the middle of a poll.
const LIMIT: usize = 256 * 1024;

/// The connection's IO, shared by h2 and the task that drives it (one
/// task: the lock is never contended).
pub(crate) struct Gather<T>(Arc<Mutex<Inner<T>>>);

struct Inner<T> {
    io: T,
    /// Bytes written by h2 and not yet by the IO; `sent` of them already
    /// went out.
    buf: Vec<u8>,
    sent: usize,
    /// The error of a write that failed, for h2's next call.
    failed: Option<io::ErrorKind>,
}

impl<T> Gather<T> {
    pub(crate) fn new(io: T) -> Self {
        Gather(Arc::new(Mutex::new(Inner {
            io,
            buf: Vec::new(),
            sent: 0,
            failed: None,
        })))
    }

    /// A second handle on the same IO, for the task that drives h2.
    pub(crate) fn handle(&self) -> Self {
        Gather(self.0.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // Nothing panics while the lock is held but the IO itself; its
        // state is still what it was.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
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
        while self.sent < self.buf.len() {
            match ready!(Pin::new(&mut self.io).poll_write(cx, &self.buf[self.sent..])) {
                Ok(0) => return self.fail(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.sent += n,
                Err(e) => return self.fail(e),
            }
        }
        self.buf.clear();
        self.sent = 0;
        if let Err(e) = ready!(Pin::new(&mut self.io).poll_flush(cx)) {
            return self.fail(e);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T> Inner<T> {
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
        self.poll_write_vectored(cx, &[io::IoSlice::new(data)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut inner = self.lock();
        inner.check()?;
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if inner.buf.len() + total > LIMIT && !inner.buf.is_empty() {
            ready!(inner.poll_drain(cx))?;
        }
        for b in bufs {
            inner.buf.extend_from_slice(b);
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
        assert_eq!(gather.lock().buf, vec![2u8; 20]);
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
}
