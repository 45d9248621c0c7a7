//! Bulk upload: points read from an iterator or a stream, in batches, with
//! several batches in flight, retries, progress, and bounded memory. The
//! writing and accounting of parts is `crate::upload`'s.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{Client, check_collection_name};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::CallOptions;
use crate::types::{Payload, Point, PointId, UpdateMode, Vectors};
use crate::upload::{Sender, Tally, UploadProgress, UploadSummary, encode_upserts};

type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// The largest `batch_size` accepted.
const MAX_BATCH_SIZE: usize = 1_000_000;
/// The largest `parallel` accepted.
const MAX_PARALLEL: usize = 1024;

impl Client {
    /// Uploads any number of points in batches, several batches in flight,
    /// retrying batches that fail transiently. Memory stays bounded by
    /// `batch_size × parallel` points, however long the input.
    ///
    /// `.await` returns an [`UploadSummary`]. If a batch still fails after
    /// its retries, the other batches are still written and the error (of
    /// kind [`ErrorKind::Upload`](crate::ErrorKind::Upload)) lists, in its
    /// [`upload_failure`](crate::Error::upload_failure), the ids that were
    /// not.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::Point;
    ///
    /// let points = (0..100_000u64).map(|i| Point::new(i, [i as f32, 1.0, 0.0, 0.0]));
    /// let summary = client
    ///     .upload_points("my_collection", points)
    ///     .batch_size(256)
    ///     .parallel(4)
    ///     .on_progress(|p| eprintln!("{} points", p.points))
    ///     .await?;
    /// println!("{} points in {:?}", summary.points, summary.elapsed);
    /// # Ok(()) }
    /// ```
    pub fn upload_points<'a, I>(&'a self, collection_name: impl Into<String>, points: I) -> UploadPoints<'a>
    where
        I: IntoIterator<Item = Point>,
        I::IntoIter: Send + 'a,
    {
        self.upload_stream(collection_name, futures_util::stream::iter(points))
    }

    /// Like [`upload_points`](Self::upload_points), reading the points from a
    /// `Stream`.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use futures_util::stream;
    /// use qdrant_async::Point;
    ///
    /// let points = stream::iter((0..1000u64).map(|i| Point::new(i, [0.0, 1.0])));
    /// client.upload_stream("my_collection", points).parallel(2).await?;
    /// # Ok(()) }
    /// ```
    pub fn upload_stream<'a, S>(&'a self, collection_name: impl Into<String>, points: S) -> UploadPoints<'a>
    where
        S: Stream<Item = Point> + Send + 'a,
    {
        UploadPoints {
            client: self,
            collection_name: collection_name.into(),
            points: Box::pin(points),
            batch_size: 64,
            parallel: 1,
            max_retries: u32::MAX,
            retry_for: Duration::from_secs(30),
            wait: false,
            update_mode: None,
            progress: None,
            call: CallOptions::default(),
        }
    }

    /// Uploads columns, as Python's `upload_collection`: vectors, with
    /// payloads and ids side by side. Without ids, points are numbered from
    /// 0 in input order; missing payloads are empty.
    ///
    /// `.await` returns an [`UploadSummary`], as [`upload_points`](Self::upload_points).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::Payload;
    ///
    /// let vectors = vec![vec![0.1, 0.2], vec![0.3, 0.4]];
    /// let payloads = vec![Payload::from([("n", 1)]), Payload::from([("n", 2)])];
    /// client
    ///     .upload_collection("my_collection", vectors, Some(payloads), None::<Vec<u64>>)
    ///     .batch_size(1000)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn upload_collection<V, P, D>(
        &self,
        collection_name: impl Into<String>,
        vectors: V,
        payloads: Option<P>,
        ids: Option<D>,
    ) -> UploadPoints<'_>
    where
        V: IntoIterator,
        V::Item: Into<Vectors>,
        P: IntoIterator,
        P::Item: Into<Payload>,
        D: IntoIterator,
        D::Item: Into<PointId>,
    {
        let mut payloads = payloads.map(|p| p.into_iter());
        let mut ids = ids.map(|d| d.into_iter());
        let points: Vec<Point> = vectors
            .into_iter()
            .enumerate()
            .map(|(i, vector)| {
                let id = ids
                    .as_mut()
                    .and_then(Iterator::next)
                    .map_or_else(|| PointId::from(i as u64), Into::into);
                let mut point = Point::new(id, vector);
                if let Some(payload) = payloads.as_mut().and_then(Iterator::next) {
                    point.payload = payload.into();
                }
                point
            })
            .collect();
        self.upload_points(collection_name, points)
    }
}

/// The request built by [`Client::upload_points`], [`Client::upload_stream`]
/// and [`Client::upload_collection`]: one request over three kinds of input.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use std::time::Duration;
///
/// let points = (0..100_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
/// let summary = client
///     .upload_points("my_collection", points)
///     .batch_size(256)
///     .parallel(4)
///     .retry_for(Duration::from_secs(30))
///     .await?;
/// println!("{} points in {} batches, {:?}", summary.points, summary.batches, summary.elapsed);
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct UploadPoints<'a> {
    client: &'a Client,
    collection_name: String,
    points: Pin<Box<dyn Stream<Item = Point> + Send + 'a>>,
    batch_size: usize,
    parallel: usize,
    max_retries: u32,
    retry_for: Duration,
    wait: bool,
    update_mode: Option<UpdateMode>,
    progress: Option<ProgressFn>,
    call: CallOptions,
}

impl UploadPoints<'_> {
    /// Points per request (default 64; from 1 to 1,000,000).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let points = (0..100_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client.upload_points("my_collection", points).batch_size(500).await?;
    /// # Ok(()) }
    /// ```
    pub fn batch_size(mut self, points: usize) -> Self {
        self.batch_size = points;
        self
    }

    /// Batches in flight at once (default 1; from 1 to 1024).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let points = (0..100_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client.upload_points("my_collection", points).parallel(8).await?;
    /// # Ok(()) }
    /// ```
    pub fn parallel(mut self, batches: usize) -> Self {
        self.parallel = batches;
        self
    }

    /// The most retries of one batch that fails transiently (default: as
    /// many as fit in [`retry_for`](Self::retry_for)).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let points = (0..1_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client.upload_points("my_collection", points).max_retries(5).await?;
    /// # Ok(()) }
    /// ```
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// How long a batch keeps being retried after its first transient
    /// failure (default 30 s). While a batch is failing no new batch is
    /// started; when one gives up, the upload reads no more input and
    /// fails once the batches in flight are done. Every retry of a failed
    /// batch goes to another connection, and to another URL when one is
    /// up.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use std::time::Duration;
    ///
    /// // Ride out a node restart of up to a minute.
    /// let points = (0..1_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client.upload_points("my_collection", points).retry_for(Duration::from_secs(60)).await?;
    /// # Ok(()) }
    /// ```
    pub fn retry_for(mut self, patience: Duration) -> Self {
        self.retry_for = patience;
        self
    }

    /// Whether each batch waits until it is applied (default false, as in
    /// Python's client). Without it a batch returns once Qdrant has queued
    /// it, so a `count` right after the upload may not see every point yet
    /// (seen against Qdrant 1.19: 97,280 of 100,000).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // Faster, but a count right after may not see every point yet.
    /// let points = (0..1_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client.upload_points("my_collection", points).wait(false).await?;
    /// # Ok(()) }
    /// ```
    pub fn wait(mut self, wait: bool) -> Self {
        self.wait = wait;
        self
    }

    /// Whether to insert new points, update existing ones, or both (the
    /// default). Qdrant 1.18 and 1.19 honour it (checked against 1.18.3 and 1.19.0).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::UpdateMode;
    ///
    /// // Only points that are not there yet; existing ones stay as they are.
    /// let points = (0..1_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client.upload_points("my_collection", points).update_mode(UpdateMode::InsertOnly).await?;
    /// # Ok(()) }
    /// ```
    pub fn update_mode(mut self, mode: UpdateMode) -> Self {
        self.update_mode = Some(mode);
        self
    }

    /// Called after each batch is written, with the totals so far.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let points = (0..100_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client
    ///     .upload_points("my_collection", points)
    ///     .on_progress(|progress| eprintln!("{} points, {} bytes", progress.points, progress.bytes))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_progress(mut self, progress: impl Fn(UploadProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Deadline of each batch request (not of the whole upload).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use std::time::Duration;
    ///
    /// let points = (0..1_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client.upload_points("my_collection", points).timeout(Duration::from_secs(30)).await?;
    /// # Ok(()) }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call.timeout = Some(timeout);
        self
    }

    /// Sends this header (gRPC metadata) with every batch request, after
    /// the client's own. Its value is treated as a secret; an invalid one
    /// fails every batch with `InvalidArgument`, and nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let points = (0..1_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// let summary = client.upload_points("my_collection", points).header("x-job-id", "nightly-import").await?;
    /// # Ok(()) }
    /// ```
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.call.header(name.as_ref(), value.as_ref());
        self
    }

    async fn send(self) -> Result<UploadSummary> {
        let UploadPoints {
            client,
            collection_name,
            mut points,
            batch_size,
            parallel,
            max_retries,
            retry_for,
            wait,
            update_mode,
            progress,
            call,
        } = self;
        check_collection_name(&collection_name, "collection_name")?;
        if !(1..=MAX_BATCH_SIZE).contains(&batch_size) {
            return Err(Error::invalid_argument(
                "batch_size",
                format!("must be between 1 and {MAX_BATCH_SIZE}, not {batch_size}"),
            ));
        }
        if !(1..=MAX_PARALLEL).contains(&parallel) {
            return Err(Error::invalid_argument(
                "parallel",
                format!("must be between 1 and {MAX_PARALLEL}, not {parallel}"),
            ));
        }
        let started = Instant::now();
        let transport = client.transport();
        let limit = transport.settings.max_encoding_message_size;
        let base = proto::UpsertPoints {
            collection_name: collection_name.clone(),
            wait: Some(wait),
            update_mode: update_mode.map(|m| proto::UpdateMode::from(m) as i32),
            ..Default::default()
        };
        let sender = Sender::new(transport, &collection_name, call).patient(max_retries, retry_for);
        let mut in_flight = FuturesUnordered::new();
        let mut tally = Tally::default();
        let mut read = 0usize;
        let mut exhausted = false;
        // Set when a batch gave up on a transient failure: the servers do
        // not answer, so no more input is read.
        let mut stopped = false;

        loop {
            while !exhausted && !stopped && in_flight.len() < parallel && !sender.is_failing() {
                let mut batch = Vec::with_capacity(batch_size.min(4096));
                while batch.len() < batch_size {
                    match points.next().await {
                        Some(point) => batch.push(point),
                        None => {
                            exhausted = true;
                            break;
                        }
                    }
                }
                if batch.is_empty() {
                    break;
                }
                let first = read;
                read += batch.len();
                let ids: Vec<PointId> = batch.iter().map(|p| p.id.clone()).collect();
                let parts = encode_upserts(&base, batch, first, limit, &transport.buffers);
                in_flight.push(sender.write_batch(ids, parts));
            }
            let Some(outcome) = in_flight.next().await else {
                break;
            };
            let wrote = outcome.points() > 0;
            stopped |= tally.add(outcome);
            if wrote && let Some(progress) = &progress {
                progress(tally.progress());
            }
        }
        tally.finish(started)
    }
}

// By hand rather than with `request!`: its `.timeout()` is per batch, and
// says so.
impl<'a> std::future::IntoFuture for UploadPoints<'a> {
    type Output = Result<UploadSummary>;
    type IntoFuture = super::ResponseFuture<'a, UploadSummary>;

    fn into_future(self) -> Self::IntoFuture {
        super::ResponseFuture::new(self.send())
    }
}
