//! Writing points in parts, and accounting for every one of them: upserts
//! encoded and split below the message limit, parts sent with retries, and
//! the tally of what was written, not written, or is unknown. The bulk
//! upload (`Client::upload_points`) and a split upsert (`Client::upsert`
//! with `.split(true)`) both write through here, so that both report a
//! failure the same way ([`Error::upload_failure`]).
//!
//! This module sits below `client/`: it sends through the transport and
//! imports nothing of the client.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use prost::Message;

use crate::error::{Error, Result};
use crate::proto;
use crate::transport::{CallOptions, RetryPolicy, Rpc, Transport};
use crate::types::wire::{BufferPool, Framed, WirePoint, encode_upsert};
use crate::types::{Point, PointId, UpdateResult, vectors_argument};

const UPSERT: Rpc = Rpc::write("/qdrant.Points/Upsert");

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
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let points = (0..10_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
    /// if let Err(e) = client.upload_points("my_collection", points).await {
    ///     if let Some(failure) = e.upload_failure() {
    ///         eprintln!("{} not written, {} unknown", failure.not_written.len(), failure.unknown.len());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn upload_failure(&self) -> Option<&UploadFailure> {
        self.report()
    }
}

/// What an upload has done so far, as given to the progress callback.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let points = (0..10_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
/// client
///     .upload_points("my_collection", points)
///     .on_progress(|p| eprintln!("{} / 10000", p.points))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Points written.
    pub points: u64,
    /// Request bytes written.
    pub bytes: u64,
}

/// What an upload did.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let points = (0..10_000u64).map(|i| qdrant_async::Point::new(i, vec![0.1, 0.2, 0.3, 0.4]));
/// let summary = client.upload_points("my_collection", points).await?;
/// println!("{} points, {} retries, {} bytes in {:?}", summary.points, summary.retries, summary.bytes, summary.elapsed);
/// # Ok(()) }
/// ```
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

/// How one batch ended.
#[derive(Default)]
pub(crate) struct BatchOutcome {
    points: u64,
    bytes: u64,
    parts: u64,
    retries: u64,
    not_written: Vec<PointId>,
    unknown: Vec<PointId>,
    /// The first failure, and whether it was retried until the upload's
    /// patience ran out.
    failure: Option<(Error, bool)>,
    /// The answer to the last part written.
    last_result: Option<proto::PointsOperationResponse>,
}

impl BatchOutcome {
    /// Points written by this batch.
    pub(crate) fn points(&self) -> u64 {
        self.points
    }
}

/// The running account of a write in parts: every point read is counted
/// as written, or listed as not written or unknown.
#[derive(Default)]
pub(crate) struct Tally {
    summary: UploadSummary,
    not_written: Vec<PointId>,
    unknown: Vec<PointId>,
    first_error: Option<Error>,
    last_result: Option<proto::PointsOperationResponse>,
}

impl Tally {
    /// Adds a batch's outcome. Returns whether the batch gave up on a
    /// transient failure (the servers do not answer: read no more input).
    pub(crate) fn add(&mut self, outcome: BatchOutcome) -> bool {
        self.summary.retries += outcome.retries;
        self.summary.batches += outcome.parts;
        self.summary.points += outcome.points;
        self.summary.bytes += outcome.bytes;
        self.not_written.extend(outcome.not_written);
        self.unknown.extend(outcome.unknown);
        if outcome.last_result.is_some() {
            self.last_result = outcome.last_result;
        }
        match outcome.failure {
            Some((error, transient)) => {
                self.first_error.get_or_insert(error);
                transient
            }
            None => false,
        }
    }

    /// The totals so far, for progress.
    pub(crate) fn progress(&self) -> UploadProgress {
        UploadProgress {
            points: self.summary.points,
            bytes: self.summary.bytes,
        }
    }

    /// The summary, or an upload error with every point that was not
    /// confirmed if any part failed.
    pub(crate) fn finish(mut self, started: Instant) -> Result<UploadSummary> {
        self.summary.elapsed = started.elapsed();
        match self.first_error {
            None => Ok(self.summary),
            Some(first) => Err(Error::upload(
                first,
                UploadFailure {
                    not_written: self.not_written,
                    unknown: self.unknown,
                    summary: self.summary,
                },
            )),
        }
    }

    /// Like [`finish`](Self::finish), giving the result of the last part
    /// written when every part was.
    pub(crate) fn finish_with_result(mut self, started: Instant) -> Result<UpdateResult> {
        let last = self.last_result.take();
        self.finish(started)?;
        let last = last.ok_or_else(|| Error::missing("result"))?;
        UpdateResult::from_response(last.result)
    }
}

/// How the parts of one write are sent: shared by all its batches.
pub(crate) struct Sender<'a> {
    transport: &'a Transport,
    collection_name: &'a str,
    call: CallOptions,
    /// Whether parts are retried by this sender's own loop (the bulk
    /// upload) rather than by the transport's policy (a split upsert).
    own_retries: bool,
    max_retries: u32,
    retry_for: Duration,
    /// Batches now between a transient failure and its retry: while any
    /// is, no new batch is started.
    failing: AtomicUsize,
    /// When the write stopped making progress: the first failure since
    /// the last confirmed part. Every failing batch gives up `retry_for`
    /// after it, so the whole write does too.
    stalled_since: Mutex<Option<Instant>>,
}

impl<'a> Sender<'a> {
    /// A sender whose parts are retried as any idempotent call is, by the
    /// transport's retry policy.
    pub(crate) fn new(transport: &'a Transport, collection_name: &'a str, call: CallOptions) -> Self {
        Sender {
            transport,
            collection_name,
            call,
            own_retries: false,
            max_retries: 0,
            retry_for: Duration::ZERO,
            failing: AtomicUsize::new(0),
            stalled_since: Mutex::new(None),
        }
    }

    /// Retries parts by this sender's own loop instead: up to
    /// `max_retries` times, for `retry_for` after the write stalled, each
    /// retry on another connection.
    pub(crate) fn patient(mut self, max_retries: u32, retry_for: Duration) -> Self {
        self.own_retries = true;
        self.max_retries = max_retries;
        self.retry_for = retry_for;
        self
    }

    /// Whether a batch is between a transient failure and its retry.
    pub(crate) fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Acquire) > 0
    }

    /// Sends a batch's requests (more than one if it is above the message
    /// limit), each retried on transient failures until it is confirmed or
    /// the write's patience runs out. A part that fails does not stop the
    /// others. `ids` are the batch's points in order, to account for each
    /// of them.
    pub(crate) async fn write_batch(&self, ids: Vec<PointId>, parts: Result<Vec<Part>>) -> BatchOutcome {
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
            // Taken now, whether the part is written or not, so that the
            // next part's ids start after this one's.
            let part_ids: Vec<PointId> = ids.by_ref().take(part.points).collect();
            match self.write_part(&part.bytes, &mut outcome.retries).await {
                Ok(response) => {
                    outcome.parts += 1;
                    outcome.points += part.points as u64;
                    outcome.bytes += part.bytes.len() as u64;
                    outcome.last_result = Some(response);
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
    /// write's patience ran out (the servers do not answer) and whether
    /// any attempt may have been applied.
    async fn write_part(
        &self,
        bytes: &Framed,
        retries: &mut u64,
    ) -> std::result::Result<proto::PointsOperationResponse, (Error, bool, bool)> {
        let mut maybe_applied = false;
        let mut failing_since: Option<Instant> = None;
        let mut attempt: u32 = 0;
        let policy = RetryPolicy::default();
        let result = loop {
            // Upserts name their ids: sending one again changes nothing more.
            let mut call = UPSERT
                .on(self.collection_name)
                .options(&self.call)
                .idempotent(true);
            if self.own_retries {
                call = call.once();
            }
            let error = match self
                .transport
                .unary_encoded::<proto::PointsOperationResponse>(call, bytes.clone())
                .await
            {
                Ok(response) => {
                    self.progressed();
                    break Ok(response);
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
            if !self.own_retries {
                // The transport's retries were the patience, and they
                // ran out if the error is transient.
                break Err((error, transient, maybe_applied));
            }
            if !transient || attempt > self.max_retries {
                break Err((error, false, maybe_applied));
            }
            let pause = error.retry_after().unwrap_or_else(|| policy.backoff(attempt));
            let stalled = self.stalled(since);
            let patience_left = self.retry_for.saturating_sub(stalled.elapsed());
            if pause >= patience_left {
                break Err((error, true, maybe_applied));
            }
            tracing::debug!(%error, ?pause, "upsert part failed, retrying");
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

/// One encoded upsert request and how many points it carries.
#[derive(Debug)]
pub(crate) struct Part {
    pub bytes: Framed,
    pub points: usize,
}

/// Checks and encodes points as upsert requests like `base`, split so
/// that each request stays under `limit` bytes, in input order. `first` is
/// the index of the first point in the caller's input, for error messages.
/// A point that alone is above the limit is an error. The requests are
/// written into buffers of `pool`.
pub(crate) fn encode_upserts(
    base: &proto::UpsertPoints,
    points: Vec<Point>,
    first: usize,
    limit: usize,
    pool: &BufferPool,
) -> Result<Vec<Part>> {
    let argument = |i: usize| format!("points[{}]", first + i);
    // Vector values are checked while they are copied (`encode_upsert`).
    for (i, point) in points.iter().enumerate() {
        point.check_shape(&|| argument(i))?;
    }
    let base_len = base.encoded_len();
    let mut requests = Vec::with_capacity(1);
    let mut group: Vec<WirePoint<'_>> = Vec::with_capacity(points.len());
    // Index in `points` of the group's first point.
    let mut group_start = 0;
    let mut size = base_len;
    let encode = |group: &[WirePoint<'_>], group_start: usize| -> Result<Part> {
        let bytes = encode_upsert(base, group, pool).map_err(|i| {
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
    for (i, point) in points.iter().enumerate() {
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

/// Entry points for the crate's benchmarks (re-exported as
/// `qdrant_async::bench`); not part of the public API.
#[doc(hidden)]
pub mod bench {
    use std::sync::LazyLock;

    use crate::types::wire::BufferPool;
    use crate::{Point, Result, proto};

    /// Encodes one upsert request for `points`, exactly as
    /// [`crate::Client::upsert`] puts it on the wire (unsplit), into
    /// buffers of a pool kept for all calls, as a client's is.
    pub fn encode_upsert(collection_name: &str, points: Vec<Point>) -> Result<bytes::Bytes> {
        static POOL: LazyLock<BufferPool> = LazyLock::new(BufferPool::default);
        let base = proto::UpsertPoints {
            collection_name: collection_name.to_owned(),
            ..Default::default()
        };
        let mut requests = super::encode_upserts(&base, points, 0, usize::MAX, &POOL)?;
        Ok(requests
            .pop()
            .map(|part| part.bytes.message())
            .unwrap_or_default())
    }

    /// Reads a `QueryResponse` message as [`crate::Client::query_points`]
    /// reads its answer; `None` if it is not one.
    pub fn decode_query_response(message: bytes::Bytes) -> Option<Vec<crate::ScoredPoint>> {
        use crate::types::decode::{FromWire, QueryAnswer};
        QueryAnswer::from_wire(message).ok()?.0.into_result().ok()
    }
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
        let pool = BufferPool::default();
        let one = encode_upserts(&base, points.clone(), 0, usize::MAX, &pool).unwrap();
        assert_eq!(one.len(), 1);
        let limit = one[0].bytes.len() / 3;
        let parts = encode_upserts(&base, points, 0, limit, &pool).unwrap();
        assert!(parts.len() >= 3, "{}", parts.len());
        let mut total = 0;
        for part in &parts {
            assert!(part.bytes.len() <= limit);
            let decoded = proto::UpsertPoints::decode(part.bytes.message())
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
        let err = encode_upserts(&base, points, 10, 200, &BufferPool::default()).unwrap_err();
        assert!(err.to_string().contains("points[11]"), "{err}");
    }
}
