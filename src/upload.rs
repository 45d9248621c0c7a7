//! Bulk upload: points read from an iterator or a stream, in batches, with
//! several batches in flight, retries, progress, and bounded memory.

use std::pin::pin;
use std::sync::Arc;
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
use crate::types::{Point, PointId, vectors_argument};

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

type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

impl Client {
    /// Uploads any number of points in batches, several batches in flight,
    /// retrying batches that fail transiently. Memory stays bounded by
    /// `batch_size × parallel` points, however long the input.
    ///
    /// `.await` returns an [`UploadSummary`]. If a batch still fails after
    /// its retries, the other batches are still written and the error,
    /// [`Error::Upload`], lists the ids that were not.
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
            max_retries: 3,
            wait: false,
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
    wait: bool,
    progress: Option<ProgressFn>,
    timeout: Option<Duration>,
}

/// How one batch ended.
struct BatchOutcome {
    points: u64,
    bytes: u64,
    parts: u64,
    retries: u64,
    failure: Option<(Vec<PointId>, Error)>,
}

impl<'a, S: Stream<Item = Point> + Send + 'a> UploadPoints<'a, S> {
    /// Points per request (default 64).
    pub fn batch_size(mut self, points: usize) -> Self {
        self.batch_size = points;
        self
    }

    /// Batches in flight at once (default 1).
    pub fn parallel(mut self, batches: usize) -> Self {
        self.parallel = batches;
        self
    }

    /// Retries of a batch that fails transiently (default 3).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Whether each batch waits until it is applied (default false, as in
    /// Python's client).
    pub fn wait(mut self, wait: bool) -> Self {
        self.wait = wait;
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
            wait,
            progress,
            timeout,
        } = self;
        check_collection_name(&collection_name, "collection_name")?;
        if batch_size == 0 {
            return Err(Error::invalid_argument("batch_size", "must be at least 1"));
        }
        if parallel == 0 {
            return Err(Error::invalid_argument("parallel", "must be at least 1"));
        }
        let started = Instant::now();
        let limit = client.transport().settings.max_encoding_message_size;
        let policy = RetryPolicy::new(max_retries.saturating_add(1));
        let base = proto::UpsertPoints {
            collection_name: collection_name.clone(),
            wait: Some(wait),
            ..Default::default()
        };
        let mut input = pin!(points);
        let mut in_flight = FuturesUnordered::new();
        let mut summary = UploadSummary::default();
        let mut failed_ids = Vec::new();
        let mut first_error = None;
        let mut read = 0usize;
        let mut exhausted = false;

        loop {
            while !exhausted && in_flight.len() < parallel {
                let mut points = Vec::with_capacity(batch_size);
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
                let requests = encode_upserts(&base, points, first, limit);
                in_flight.push(write_batch(
                    client,
                    &collection_name,
                    timeout,
                    ids,
                    requests,
                    policy,
                ));
            }
            let Some(outcome) = in_flight.next().await else {
                break;
            };
            summary.retries += outcome.retries;
            summary.batches += outcome.parts;
            match outcome.failure {
                None => {
                    summary.points += outcome.points;
                    summary.bytes += outcome.bytes;
                    if let Some(progress) = &progress {
                        progress(UploadProgress {
                            points: summary.points,
                            bytes: summary.bytes,
                        });
                    }
                }
                Some((ids, error)) => {
                    failed_ids.extend(ids);
                    first_error.get_or_insert(error);
                }
            }
        }
        summary.elapsed = started.elapsed();
        match first_error {
            None => Ok(summary),
            Some(source) => Err(Error::Upload {
                failed_ids,
                summary,
                source: Box::new(source),
            }),
        }
    }
}

/// Sends a batch's requests (more than one if it is above the message
/// limit), retrying each transient failure. `ids` are the batch's points,
/// to report them if it fails.
async fn write_batch(
    client: &Client,
    collection_name: &str,
    timeout: Option<Duration>,
    ids: Vec<PointId>,
    requests: Result<Vec<Bytes>>,
    policy: RetryPolicy,
) -> BatchOutcome {
    let mut outcome = BatchOutcome {
        points: 0,
        bytes: 0,
        parts: 0,
        retries: 0,
        failure: None,
    };
    let requests = match requests {
        Ok(requests) => requests,
        Err(e) => {
            outcome.failure = Some((ids, e));
            return outcome;
        }
    };
    for request in requests {
        let size = request.len() as u64;
        let mut attempt = 1;
        loop {
            let call = UPSERT
                .on(collection_name)
                .timeout(timeout)
                .idempotent(true)
                .retry(RetryPolicy::disabled());
            match client
                .transport()
                .unary_encoded::<proto::PointsOperationResponse>(call, request.clone())
                .await
            {
                Ok(_) => break,
                Err(e) if e.is_retryable() && attempt < policy.max_attempts => {
                    tokio::time::sleep(policy.backoff(attempt)).await;
                    outcome.retries += 1;
                    attempt += 1;
                }
                Err(e) => {
                    // Parts already written are idempotent: report the
                    // whole batch, which is safe to upload again.
                    outcome.failure = Some((ids, e));
                    return outcome;
                }
            }
        }
        outcome.parts += 1;
        outcome.bytes += size;
    }
    outcome.points = ids.len() as u64;
    outcome
}

impl<'a, S: Stream<Item = Point> + Send + 'a> std::future::IntoFuture for UploadPoints<'a, S> {
    type Output = Result<UploadSummary>;
    type IntoFuture = futures_util::future::BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Checks and encodes points as upsert requests like `base`, split so
/// that each request stays under `limit` bytes. `first` is the index of the
/// first point in the caller's input, for error messages. A point that
/// alone is above the limit is an error.
pub(crate) fn encode_upserts(
    base: &proto::UpsertPoints,
    points: Vec<Point>,
    first: usize,
    limit: usize,
) -> Result<Vec<Bytes>> {
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
    let encode = |group: &[WirePoint], group_start: usize| -> Result<Bytes> {
        encode_upsert(base, group).map_err(|i| {
            let point = &group[i];
            match point
                .vectors()
                .check(&|| vectors_argument(&argument(group_start + i)))
            {
                Err(error) => error,
                Ok(()) => Error::invalid_argument(argument(group_start + i), "vectors must be finite"),
            }
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
    // An empty input still makes one (empty) request.
    if !group.is_empty() || requests.is_empty() {
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
        let limit = one[0].len() / 3;
        let parts = encode_upserts(&base, points, 0, limit).unwrap();
        assert!(parts.len() >= 3, "{}", parts.len());
        let mut total = 0;
        for part in &parts {
            assert!(part.len() <= limit);
            total += proto::UpsertPoints::decode(part.clone()).unwrap().points.len();
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
