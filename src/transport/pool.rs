//! A pool of HTTP/2 connections, used as one tower service: each request
//! goes to the connection with the fewest requests in flight.
//!
//! One tonic `Channel` is one HTTP/2 connection, and a single connection tops
//! out early under load (one socket, one reader task). The pool spreads the
//! load over `pool_size` connections per endpoint, and over every endpoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use tonic::body::Body;
use tonic::transport::Channel;
use tower_service::Service;

/// One connection and its count of requests in flight.
#[derive(Debug)]
struct Slot {
    channel: Channel,
    in_flight: AtomicUsize,
    /// Requests sent on this connection, ever (for tests and stats).
    sent: AtomicUsize,
}

/// The pooled HTTP/2 connections of all of a client's endpoints, as one
/// tower service (the channel under [`RawClients`](crate::RawClients)).
/// Cloning shares the connections.
#[derive(Clone, Debug)]
pub struct ChannelPool {
    slots: Arc<[Slot]>,
    /// Where the next search for the least loaded slot starts, so that
    /// equally loaded slots take turns.
    next: Arc<AtomicUsize>,
}

/// Decrements a slot's in-flight count when the request is over, however
/// it ends (answered, failed or cancelled).
struct InFlight {
    slots: Arc<[Slot]>,
    index: usize,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.slots[self.index].in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ChannelPool {
    /// A pool over these connections; at least one is needed.
    pub(crate) fn new(channels: Vec<Channel>) -> Self {
        let slots: Arc<[Slot]> = channels
            .into_iter()
            .map(|channel| Slot {
                channel,
                in_flight: AtomicUsize::new(0),
                sent: AtomicUsize::new(0),
            })
            .collect();
        ChannelPool {
            slots,
            next: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Requests sent on each connection so far.
    pub(crate) fn sent_per_connection(&self) -> Vec<usize> {
        self.slots
            .iter()
            .map(|s| s.sent.load(Ordering::Relaxed))
            .collect()
    }

    /// The least loaded slot, scanning from a rotating start.
    fn pick(&self) -> usize {
        let n = self.slots.len();
        if n == 1 {
            return 0;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let mut best = start;
        let mut best_load = usize::MAX;
        for k in 0..n {
            let i = (start + k) % n;
            let load = self.slots[i].in_flight.load(Ordering::Relaxed);
            if load < best_load {
                best = i;
                best_load = load;
                if load == 0 {
                    break;
                }
            }
        }
        best
    }
}

impl Service<http::Request<Body>> for ChannelPool {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is checked on the chosen connection, in `call`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let index = self.pick();
        let slot = &self.slots[index];
        slot.in_flight.fetch_add(1, Ordering::Relaxed);
        slot.sent.fetch_add(1, Ordering::Relaxed);
        let guard = InFlight {
            slots: self.slots.clone(),
            index,
        };
        let mut channel = slot.channel.clone();
        Box::pin(async move {
            let _guard = guard;
            std::future::poll_fn(|cx| channel.poll_ready(cx)).await?;
            channel.call(request).await
        })
    }
}
