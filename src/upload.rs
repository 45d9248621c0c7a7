//! Bulk upload: points read from an iterator or a stream, in batches, with
//! several batches in flight, retries, progress, and bounded memory.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::{FuturesUnordered, StreamExt};
use prost::Message;

use crate::client::{Client, check_collection_name};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::{RetryPolicy, Rpc};
use crate::types::wire::{WirePoint, encode_upsert};
use crate::types::{Point, PointId, UpdateMode, vectors_argument};

const UPSERT: Rpc = Rpc::write("/qdrant.Points/Upsert");

/// What an upload has done so far, as given to the progress callback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Points written.
    pub points: u64,
    /// Request bytes written.
    pub bytes: u64,
}

/// What an upload did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadSummary {
    /// Points written.
    pub points: u64,
    /// Batches written (a batch above the message limit counts once per part).
    pub batches: u64,
    /// Attempts that failed and were retried.
    pub retries: u64,
    /// Request bytes written.
    pub bytes: u64,
    /// Time from start to the last answer.
    pub elapsed: Duration,
}

/// Which points an upload that failed did not write, as
/// [`Error::upload_failure`] gives it. Every point read from the input is in
/// exactly one place: counted as written in `summary`, listed in
/// `not_written`, or listed in `unknown`.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client, points: Vec<qdrant_async::Point>) -> qdrant_async::Result<()> {
/// if let Err(e) = client.upload_points("my_collection", points).await {
///     if let Some(failure) = e.upload_failure() {
///         eprintln!("{} written; retry {:?}", failure.summary.points, failure.unknown);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct UploadFailure {
    /// The ids of points that were certainly not written: the server
    /// refused their batch, or it was never sent.
    pub not_written: Vec<PointId>,
    /// The ids of points whose batch was sent but never confirmed (a
    /// timeout, a connection lost mid-call, or an answer such as
    /// `Unavailable` that a cluster may give after writing some replicas):
    /// they may have been written. Uploading them again is safe.
    pub unknown: Vec<PointId>,
    /// What was written.
    pub summary: UploadSummary,
}

/// "N points written, M not written, K unknown (...)".
impl std::fmt::Display for UploadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} points written, {} not written, {} unknown (sent, but no answer came back)",
            self.summary.points,
            self.not_written.len(),
            self.unknown.len()
        )
    }
}

/// Defined here rather than in `error.rs`, which imports nothing above it.
impl Error {
    /// For an upload that failed ([`ErrorKind::Upload`](crate::ErrorKind::Upload)):
    /// which points were written, which certainly were not, and which may
    /// have been. The first batch failure is the error's
    /// [`source`](std::error::Error::source).
    pub fn upload_failure(&self) -> Option<&UploadFailure> {
        self.report()
    }
}

type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

impl Client {
    /// Uploads any number of points in batches, several batches in flight,
    /// retrying batches that fail transiently. Memory stays bounded by
    /// `batch_size × parallel` points, however long the input.
    ///
    /// `.await` returns an [`UploadSummary`]. If a batch still fails after
    /// its retries, the other batches are still written and the error
    /// (of kind [`ErrorKind::Upload`](crate::ErrorKind::Upload)) lists, in
    /// its [`upload_failure`](Error::upload_failure), the ids that were not.
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
    pub fn upload_points<I>(
        &self,
        collection_name: impl Into<String>,
        points: I,
    ) -> UploadPoints<'_, futures_util::stream::Iter<I::IntoIter>>
    where
        I: IntoIterator<Item = Point>,
        I::IntoIter: Send,
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
    pub fn upload_stream<S>(&self, collection_name: impl Into<String>, points: S) -> UploadPoints<'_, S>
    where
        S: Stream<Item = Point> + Send,
    {
        UploadPoints {
            client: self,
            collection_name: collection_name.into(),
            points,
            batch_size: 64,
            parallel: 1,
            max_retries: u32::MAX,
            retry_for: Duration::from_secs(30),
            wait: false,
            update_mode: None,
            progress: None,
            timeout: None,
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
    ) -> UploadPoints<'_, futures_util::stream::Iter<std::vec::IntoIter<Point>>>
    where
        V: IntoIterator,
        V::Item: Into<crate::types::Vectors>,
        P: IntoIterator,
        P::Item: Into<crate::types::Payload>,
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

/// The request built by [`Client::upload_points`] and [`Client::upload_stream`].
#[must_use = "a request does nothing until it is awaited"]
pub struct UploadPoints<'a, S> {
    client: &'a Client,
    collection_name: String,
    points: S,
    batch_size: usize,
    parallel: usize,
    max_retries: u32,
    retry_for: Duration,
    wait: bool,
    update_mode: Option<UpdateMode>,
    progress: Option<ProgressFn>,
    timeout: Option<Duration>,
}

/// The largest `batch_size` accepted.
const MAX_BATCH_SIZE: usize = 1_000_000;
/// The largest `parallel` accepted.
const MAX_PARALLEL: usize = 1024;

/// How one batch ended.
#[derive(Default)]
struct BatchOutcome {
    points: u64,
    bytes: u64,
    parts: u64,
    retries: u64,
    not_written: Vec<PointId>,
    unknown: Vec<PointId>,
    /// The first failure, and whether it was retried until the upload's
    /// patience ran out.
    failure: Option<(Error, bool)>,
}

/// How the batches of one upload are sent: shared by all its batches.
struct Sender<'a> {
    client: &'a Client,
    collection_name: &'a str,
    timeout: Option<Duration>,
    max_retries: u32,
    retry_for: Duration,
    /// Batches now between a transient failure and its retry: while any
    /// is, no new batch is started.
    failing: AtomicUsize,
    /// When the upload stopped making progress: the first failure since
    /// the last confirmed write. Every failing batch gives up `retry_for`
    /// after it, so the whole upload does too.
    stalled_since: std::sync::Mutex<Option<Instant>>,
}

impl<'a, S: Stream<Item = Point> + Send + 'a> UploadPoints<'a, S> {
    /// Points per request (default 64; from 1 to 1,000,000).
    pub fn batch_size(mut self, points: usize) -> Self {
        self.batch_size = points;
        self
    }

    /// Batches in flight at once (default 1; from 1 to 1024).
    pub fn parallel(mut self, batches: usize) -> Self {
        self.parallel = batches;
        self
    }

    /// The most retries of one batch that fails transiently (default: as
    /// many as fit in [`retry_for`](Self::retry_for)).
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
    pub fn retry_for(mut self, patience: Duration) -> Self {
        self.retry_for = patience;
        self
    }

    /// Whether each batch waits until it is applied (default false, as in
    /// Python's client).
    pub fn wait(mut self, wait: bool) -> Self {
        self.wait = wait;
        self
    }

    /// Whether to insert new points, update existing ones, or both (the
    /// default). Qdrant 1.18 and 1.19 honour it (checked against 1.18.3 and 1.19.0).
    pub fn update_mode(mut self, mode: UpdateMode) -> Self {
        self.update_mode = Some(mode);
        self
    }

    /// Called after each batch is written, with the totals so far.
    pub fn on_progress(mut self, progress: impl Fn(UploadProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Deadline of each batch request (not of the whole upload).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    async fn send(self) -> Result<UploadSummary> {
        let UploadPoints {
            client,
            collection_name,
            points,
            batch_size,
            parallel,
            max_retries,
            retry_for,
            wait,
            update_mode,
            progress,
            timeout,
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
        let limit = client.transport().settings.max_encoding_message_size;
        let base = proto::UpsertPoints {
            collection_name: collection_name.clone(),
            wait: Some(wait),
            update_mode: update_mode.map(|m| proto::UpdateMode::from(m) as i32),
            ..Default::default()
        };
        let sender = Sender {
            client,
            collection_name: &collection_name,
            timeout,
            max_retries,
            retry_for,
            failing: AtomicUsize::new(0),
            stalled_since: std::sync::Mutex::new(None),
        };
        let mut input = pin!(points);
        let mut in_flight = FuturesUnordered::new();
        let mut summary = UploadSummary::default();
        let mut not_written = Vec::new();
        let mut unknown = Vec::new();
        let mut first_error = None;
        let mut read = 0usize;
        let mut exhausted = false;
        // Set when a batch gave up on a transient failure: the servers do
        // not answer, so no more input is read.
        let mut stopped = false;

        loop {
            while !exhausted
                && !stopped
                && in_flight.len() < parallel
                && sender.failing.load(Ordering::Acquire) == 0
            {
                let mut points = Vec::with_capacity(batch_size.min(4096));
                while points.len() < batch_size {
                    match input.next().await {
                        Some(point) => points.push(point),
                        None => {
                            exhausted = true;
                            break;
                        }
                    }
                }
                if points.is_empty() {
                    break;
                }
                let first = read;
                read += points.len();
                let ids: Vec<PointId> = points.iter().map(|p| p.id.clone()).collect();
                let parts = encode_upserts(&base, points, first, limit);
                in_flight.push(sender.write_batch(ids, parts));
            }
            let Some(outcome) = in_flight.next().await else {
                break;
            };
            summary.retries += outcome.retries;
            summary.batches += outcome.parts;
            summary.points += outcome.points;
            summary.bytes += outcome.bytes;
            if outcome.points > 0
                && let Some(progress) = &progress
            {
                progress(UploadProgress {
                    points: summary.points,
                    bytes: summary.bytes,
                });
            }
            not_written.extend(outcome.not_written);
            unknown.extend(outcome.unknown);
            if let Some((error, transient)) = outcome.failure {
                stopped |= transient;
                first_error.get_or_insert(error);
            }
        }
        summary.elapsed = started.elapsed();
        match first_error {
            None => Ok(summary),
            Some(first) => Err(Error::upload(
                first,
                UploadFailure {
                    not_written,
                    unknown,
                    summary,
                },
            )),
        }
    }
}

impl Sender<'_> {
    /// Sends a batch's requests (more than one if it is above the message
    /// limit), each retried on transient failures until it is confirmed or
    /// the upload's patience runs out. `ids` are the batch's points in
    /// order, to account for each of them.
    async fn write_batch(&self, ids: Vec<PointId>, parts: Result<Vec<Part>>) -> BatchOutcome {
        let mut outcome = BatchOutcome::default();
        let parts = match parts {
            Ok(parts) => parts,
            Err(e) => {
                outcome.not_written = ids;
                outcome.failure = Some((e, false));
                return outcome;
            }
        };
        let mut ids = ids.into_iter();
        for part in parts {
            let part_ids = ids.by_ref().take(part.points);
            match self.write_part(&part.bytes, &mut outcome.retries).await {
                Ok(()) => {
                    outcome.parts += 1;
                    outcome.points += part.points as u64;
                    outcome.bytes += part.bytes.len() as u64;
                }
                Err((error, transient, maybe_applied)) => {
                    if maybe_applied {
                        outcome.unknown.extend(part_ids);
                    } else {
                        outcome.not_written.extend(part_ids);
                    }
                    if outcome.failure.is_none() {
                        outcome.failure = Some((error, transient));
                    }
                }
            }
        }
        outcome
    }

    /// Sends one request until it is confirmed. The error says whether the
    /// upload's patience ran out (the servers do not answer) and whether
    /// any attempt may have been applied.
    async fn write_part(
        &self,
        bytes: &Bytes,
        retries: &mut u64,
    ) -> std::result::Result<(), (Error, bool, bool)> {
        let mut maybe_applied = false;
        let mut failing_since: Option<Instant> = None;
        let mut attempt: u32 = 0;
        let policy = RetryPolicy::default();
        let result = loop {
            // Upserts name their ids: sending one again changes nothing more.
            let call = UPSERT
                .on(self.collection_name)
                .timeout(self.timeout)
                .idempotent(true)
                .retry(RetryPolicy::disabled());
            let error = match self
                .client
                .transport()
                .unary_encoded::<proto::PointsOperationResponse>(call, bytes.clone())
                .await
            {
                Ok(_) => {
                    self.progressed();
                    break Ok(());
                }
                Err(error) => error,
            };
            maybe_applied |= error.may_have_been_applied();
            let transient = error.is_retryable();
            let since = *failing_since.get_or_insert_with(Instant::now);
            if attempt == 0 {
                self.failing.fetch_add(1, Ordering::AcqRel);
            }
            attempt = attempt.saturating_add(1);
            if !transient || attempt > self.max_retries {
                break Err((error, false, maybe_applied));
            }
            let pause = error.retry_after().unwrap_or_else(|| policy.backoff(attempt));
            let stalled = self.stalled(since);
            let patience_left = self.retry_for.saturating_sub(stalled.elapsed());
            if pause >= patience_left {
                break Err((error, true, maybe_applied));
            }
            tracing::debug!(%error, ?pause, "upload batch failed, retrying");
            *retries += 1;
            tokio::time::sleep(pause).await;
        };
        if attempt > 0 {
            self.failing.fetch_sub(1, Ordering::AcqRel);
        }
        result
    }

    /// A write was confirmed: the upload is not stalled.
    fn progressed(&self) {
        if let Ok(mut stalled) = self.stalled_since.lock() {
            *stalled = None;
        }
    }

    /// Since when the upload has been stalled, given that a part has been
    /// failing since `since`: the earlier of the two.
    fn stalled(&self, since: Instant) -> Instant {
        match self.stalled_since.lock() {
            Ok(mut stalled) => since.min(*stalled.get_or_insert(since)),
            Err(_) => since,
        }
    }
}

impl<'a, S: Stream<Item = Point> + Send + 'a> std::future::IntoFuture for UploadPoints<'a, S> {
    type Output = Result<UploadSummary>;
    type IntoFuture = futures_util::future::BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// One encoded upsert request and how many points it carries.
#[derive(Debug)]
pub(crate) struct Part {
    pub bytes: Bytes,
    pub points: usize,
}

/// Checks and encodes points as upsert requests like `base`, split so
/// that each request stays under `limit` bytes, in input order. `first` is
/// the index of the first point in the caller's input, for error messages.
/// A point that alone is above the limit is an error.
pub(crate) fn encode_upserts(
    base: &proto::UpsertPoints,
    points: Vec<Point>,
    first: usize,
    limit: usize,
) -> Result<Vec<Part>> {
    let argument = |i: usize| format!("points[{}]", first + i);
    // Vector values are checked while they are copied (`encode_upsert`).
    for (i, point) in points.iter().enumerate() {
        point.check_shape(&|| argument(i))?;
    }
    let base_len = base.encoded_len();
    let mut requests = Vec::new();
    let mut group: Vec<WirePoint> = Vec::new();
    // Index in `points` of the group's first point.
    let mut group_start = 0;
    let mut size = base_len;
    let encode = |group: &[WirePoint], group_start: usize| -> Result<Part> {
        let bytes = encode_upsert(base, group).map_err(|i| {
            let point = &group[i];
            match point
                .vectors()
                .check(&|| vectors_argument(&argument(group_start + i)))
            {
                Err(error) => error,
                Ok(()) => Error::invalid_argument(argument(group_start + i), "vectors must be finite"),
            }
        })?;
        Ok(Part {
            bytes,
            points: group.len(),
        })
    };
    for (i, point) in points.into_iter().enumerate() {
        let point = WirePoint::new(point);
        let framed = point.framed_len();
        if base_len + framed > limit {
            return Err(Error::invalid_argument(
                argument(i),
                format!("the point encodes to {framed} bytes, above the message limit of {limit} bytes"),
            ));
        }
        if size + framed > limit && !group.is_empty() {
            requests.push(encode(&group, group_start)?);
            group.clear();
            group_start = i;
            size = base_len;
        }
        size += framed;
        group.push(point);
    }
    if !group.is_empty() {
        requests.push(encode(&group, group_start)?);
    }
    Ok(requests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_under_the_limit_and_keeps_every_point() {
        let points: Vec<Point> = (0..100u64).map(|i| Point::new(i, vec![0.5f32; 64])).collect();
        let base = proto::UpsertPoints {
            collection_name: "c".into(),
            ..Default::default()
        };
        let one = encode_upserts(&base, points.clone(), 0, usize::MAX).unwrap();
        assert_eq!(one.len(), 1);
        let limit = one[0].bytes.len() / 3;
        let parts = encode_upserts(&base, points, 0, limit).unwrap();
        assert!(parts.len() >= 3, "{}", parts.len());
        let mut total = 0;
        for part in &parts {
            assert!(part.bytes.len() <= limit);
            let decoded = proto::UpsertPoints::decode(part.bytes.clone())
                .unwrap()
                .points
                .len();
            assert_eq!(decoded, part.points);
            total += decoded;
        }
        assert_eq!(total, 100);
    }

    #[test]
    fn a_point_above_the_limit_is_named() {
        let points = vec![Point::new(1, [0.0f32]), Point::new(2, vec![0.0f32; 1000])];
        let base = proto::UpsertPoints {
            collection_name: "c".into(),
            ..Default::default()
        };
        let err = encode_upserts(&base, points, 10, 200).unwrap_err();
        assert!(err.to_string().contains("points[11]"), "{err}");
    }
}
