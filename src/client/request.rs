//! What every request type shares: the future `.await` runs, the options
//! every write has, and the one macro that attaches them to a request type.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use prost::Message;

use super::{Client, check_collection_name};
use crate::error::Result;
use crate::proto;
use crate::transport::{CallOptions, Rpc};
use crate::types::{ShardKeySelector, UpdateResult, WriteOrdering};

/// The future of a request: what `.await` on any request of [`Client`]
/// runs. It sends the request when first polled and resolves to the
/// request's result.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
/// use std::future::IntoFuture;
///
/// // Start two requests, then wait for both.
/// let count = client.count("my_collection").into_future();
/// let exists = client.collection_exists("other").into_future();
/// let (count, exists) = tokio::join!(count, exists);
/// # Ok(()) }
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct ResponseFuture<'a, T> {
    inner: Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>,
}

impl<'a, T> ResponseFuture<'a, T> {
    pub(crate) fn new(future: impl Future<Output = Result<T>> + Send + 'a) -> Self {
        ResponseFuture {
            inner: Box::pin(future),
        }
    }
}

#[cfg(test)]
impl<T> ResponseFuture<'_, T> {
    /// The size of the boxed future.
    pub(crate) fn boxed_size(&self) -> usize {
        std::mem::size_of_val(&*self.inner)
    }
}

impl<T> Future for ResponseFuture<'_, T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl<T> fmt::Debug for ResponseFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// The options every write on points has: whether to wait, the ordering
/// across replicas, and (for most) the shard keys.
#[derive(Debug)]
pub(crate) struct WriteOptions {
    pub(crate) wait: bool,
    pub(crate) ordering: Option<WriteOrdering>,
    pub(crate) shard_key_selector: Option<ShardKeySelector>,
}

impl WriteOptions {
    /// Waiting for the write to be applied, as Qdrant's own default is not.
    pub(crate) fn new() -> Self {
        WriteOptions {
            wait: true,
            ordering: None,
            shard_key_selector: None,
        }
    }

    pub(crate) fn wait(&self) -> Option<bool> {
        Some(self.wait)
    }

    pub(crate) fn ordering(&self) -> Option<proto::WriteOrdering> {
        self.ordering.map(Into::into)
    }

    pub(crate) fn shard_key_selector(&self) -> Option<proto::ShardKeySelector> {
        self.shard_key_selector.clone().map(Into::into)
    }
}

/// Sends a write on points whose response is one [`UpdateResult`].
pub(crate) async fn send_write<R: Message>(
    client: &Client,
    rpc: Rpc,
    request: &R,
    collection_name: &str,
    idempotent: bool,
    options: &CallOptions,
) -> Result<UpdateResult> {
    check_collection_name(collection_name, "collection_name")?;
    let call = rpc.on(collection_name).options(options).idempotent(idempotent);
    let response: proto::PointsOperationResponse = client.transport().unary(call, request).await?;
    UpdateResult::from_response(response.result)
}

/// Makes a request type awaitable and gives it the setters every request
/// of its kind has. The type has a field `timeout: Option<Duration>` and an
/// `async fn send(self) -> Result<Output>`; a `write` also has a field
/// `write: WriteOptions`.
///
/// - `request!(Count => u64)`: `IntoFuture` (running `send`) and `.timeout()`;
/// - `request!(ClearPayload => UpdateResult, write)`: also `.wait()` and
///   `.ordering()`;
/// - `request!(Delete => UpdateResult, sharded write)`: also
///   `.shard_key_selector()`.
///
/// Why a macro: `IntoFuture` is a foreign trait, so it cannot be
/// implemented once for every type with a `send` method (a blanket impl
/// over a crate-private trait is refused by the coherence rules, E0210),
/// and inherent setters cannot come from a generic without a public trait
/// in every signature (what the old `PointsWrite<'_, proto::..>` did). Each
/// of the ~60 request types would otherwise repeat the same dozen lines.
macro_rules! request {
    ($name:ident => $output:ty) => {
        impl<'a> $name<'a> {
            /// Deadline for this call, overriding the client's default. The
            /// server is told too (`grpc-timeout`).
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.call.timeout = Some(timeout);
                self
            }

            /// Sends this header (gRPC metadata) with this call, after the
            /// client's own (a name the client sets too is overridden). Its
            /// value is treated as a secret. A name or value that is not a
            /// valid ASCII header fails the call with `InvalidArgument`,
            /// before anything is sent.
            pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
                self.call.header(name.as_ref(), value.as_ref());
                self
            }
        }

        impl<'a> std::future::IntoFuture for $name<'a> {
            type Output = $crate::error::Result<$output>;
            type IntoFuture = $crate::client::ResponseFuture<'a, $output>;

            fn into_future(self) -> Self::IntoFuture {
                $crate::client::ResponseFuture::new(self.send())
            }
        }
    };
    ($name:ident => $output:ty, write) => {
        $crate::client::request::request!($name => $output);

        impl $name<'_> {
            /// Whether to wait until the write is applied (default true).
            pub fn wait(mut self, wait: bool) -> Self {
                self.write.wait = wait;
                self
            }

            /// Write ordering guarantee across replicas.
            pub fn ordering(mut self, ordering: impl Into<$crate::types::WriteOrdering>) -> Self {
                self.write.ordering = Some(ordering.into());
                self
            }
        }
    };
    ($name:ident => $output:ty, sharded write) => {
        $crate::client::request::request!($name => $output, write);

        impl $name<'_> {
            /// Writes only in the shards with these keys.
            pub fn shard_key_selector(mut self, selector: impl Into<$crate::types::ShardKeySelector>) -> Self {
                self.write.shard_key_selector = Some(selector.into());
                self
            }
        }
    };
}
pub(crate) use request;
