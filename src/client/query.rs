//! Reads: query (and its batch and group forms), retrieve, scroll, count,
//! facet, search matrices, and the legacy search, recommend and discover.

use std::time::Duration;

use super::{Client, check_collection_name, request, timeout_secs};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::Rpc;
use crate::types::{
    Filter, LookupLocation, OrderBy, PayloadSelector, PointId, Prefetch, Query, ReadConsistency, Record,
    ScoredPoint, SearchParams, ShardKeySelector, VectorsSelector,
};

const QUERY: Rpc = Rpc::read("/qdrant.Points/Query");
const GET: Rpc = Rpc::read("/qdrant.Points/Get");
const COUNT: Rpc = Rpc::read("/qdrant.Points/Count");
const SCROLL: Rpc = Rpc::read("/qdrant.Points/Scroll");

impl Client {
    /// Finds the points closest to a query: a vector (`[f32; N]`,
    /// `Vec<f32>`, a sparse or multi-dense vector), a point id, or any
    /// [`Query`] (recommend, discover, fusion, order by, formula, ...).
    ///
    /// `.await` returns the hits, best first. Defaults: 10 hits, with
    /// payload, without vectors.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let hits = client
    ///     .query_points("my_collection", [0.9, 0.1, 0.1, 0.5])
    ///     .limit(2)
    ///     .filter(Filter::must([Condition::matches("color", "red")]))
    ///     .await?;
    /// for hit in hits {
    ///     println!("{} {}", hit.id, hit.score);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn query_points(
        &self,
        collection_name: impl Into<String>,
        query: impl Into<Query>,
    ) -> QueryPoints<'_> {
        QueryPoints {
            client: self,
            request: proto::QueryPoints {
                collection_name: collection_name.into(),
                with_payload: Some(PayloadSelector::from(true).into()),
                ..Default::default()
            },
            query: Some(query.into()),
            prefetch: Vec::new(),
            timeout: None,
        }
    }

    /// Reads points by id. Ids that do not exist are left out.
    ///
    /// `.await` returns the records found. Defaults: with payload, without
    /// vectors.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let records = client.retrieve("my_collection", [1, 2, 3]).with_vectors(true).await?;
    /// # Ok(()) }
    /// ```
    pub fn retrieve<I>(&self, collection_name: impl Into<String>, ids: I) -> Retrieve<'_>
    where
        I: IntoIterator,
        I::Item: Into<PointId>,
    {
        Retrieve {
            client: self,
            collection_name: collection_name.into(),
            ids: ids.into_iter().map(Into::into).collect(),
            with_payload: PayloadSelector::from(true),
            with_vectors: VectorsSelector::from(false),
            read_consistency: None,
            shard_key_selector: None,
            timeout: None,
        }
    }

    /// Reads points page by page, in id order (or by a payload key with
    /// `.order_by`).
    ///
    /// `.await` returns one [`ScrollPage`]: its records and the offset of
    /// the next page. `.stream()` instead pages through everything.
    /// Defaults: 10 points a page, with payload, without vectors.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// let page = client.scroll("my_collection").limit(100).await?;
    /// if let Some(next) = page.next_page_offset {
    ///     let more = client.scroll("my_collection").offset(next).await?;
    /// }
    ///
    /// let everything: Vec<_> = client.scroll("my_collection").limit(1000).stream().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn scroll(&self, collection_name: impl Into<String>) -> Scroll<'_> {
        Scroll {
            client: self,
            request: proto::ScrollPoints {
                collection_name: collection_name.into(),
                with_payload: Some(PayloadSelector::from(true).into()),
                ..Default::default()
            },
            offset: None,
            filter: None,
            timeout: None,
        }
    }

    /// Counts the points, all of them or those matching a filter.
    ///
    /// `.await` returns the count. Exact unless `.exact(false)`.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let n = client.count("my_collection").await?;
    /// # Ok(()) }
    /// ```
    pub fn count(&self, collection_name: impl Into<String>) -> Count<'_> {
        Count {
            client: self,
            request: proto::CountPoints {
                collection_name: collection_name.into(),
                exact: Some(true),
                ..Default::default()
            },
            filter: None,
            timeout: None,
        }
    }
}

/// The request built by [`Client::query_points`].
#[must_use = "a request does nothing until it is awaited"]
pub struct QueryPoints<'a> {
    client: &'a Client,
    request: proto::QueryPoints,
    query: Option<Query>,
    prefetch: Vec<Prefetch>,
    timeout: Option<Duration>,
}

impl QueryPoints<'_> {
    /// Most hits to return (default 10).
    pub fn limit(mut self, limit: u64) -> Self {
        self.request.limit = Some(limit);
        self
    }

    /// Hits to skip before the first returned.
    pub fn offset(mut self, offset: u64) -> Self {
        self.request.offset = Some(offset);
        self
    }

    /// Only points matching this filter.
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.request.filter = Some(filter.into().into());
        self
    }

    /// Only hits scoring at least this well (for Euclid and Manhattan: at
    /// most this distance).
    pub fn score_threshold(mut self, threshold: f32) -> Self {
        self.request.score_threshold = Some(threshold);
        self
    }

    /// Which payload to return: `true`, `false`, or a [`PayloadSelector`].
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.request.with_payload = Some(selector.into().into());
        self
    }

    /// Which vectors to return: `true`, `false`, or a [`VectorsSelector`].
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.request.with_vectors = Some(selector.into().into());
        self
    }

    /// The named vector to search.
    pub fn using(mut self, vector_name: impl Into<String>) -> Self {
        self.request.using = Some(vector_name.into());
        self
    }

    /// Adds a prefetch: a sub-query whose hits the main query re-scores.
    pub fn prefetch(mut self, prefetch: impl Into<Prefetch>) -> Self {
        self.prefetch.push(prefetch.into());
        self
    }

    /// Search parameters: HNSW `ef`, exact search, quantization.
    pub fn params(mut self, params: impl Into<SearchParams>) -> Self {
        self.request.params = Some(params.into().into());
        self
    }

    /// Read consistency across replicas.
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.request.read_consistency = Some(consistency.into().into());
        self
    }

    /// Searches only the shards with these keys.
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request.shard_key_selector = Some(selector.into().into());
        self
    }

    /// Takes the vectors of ids in the query from another collection.
    pub fn lookup_from(mut self, location: impl Into<LookupLocation>) -> Self {
        self.request.lookup_from = Some(location.into().into());
        self
    }

    /// Replaces the query; `None` with prefetches returns their hits as they come.
    pub fn query(mut self, query: impl Into<Option<Query>>) -> Self {
        self.query = query.into();
        self
    }

    pub(crate) fn into_request(self) -> Result<proto::QueryPoints> {
        let mut request = self.request;
        check_collection_name(&request.collection_name, "collection_name")?;
        if let Some(query) = &self.query {
            query.check("query")?;
        }
        for (i, prefetch) in self.prefetch.iter().enumerate() {
            prefetch.check(&format!("prefetch[{i}]"))?;
        }
        request.query = self.query.map(Into::into);
        request.prefetch = self.prefetch.into_iter().map(Into::into).collect();
        request.timeout = timeout_secs(self.timeout);
        Ok(request)
    }

    async fn send(self) -> Result<Vec<ScoredPoint>> {
        let client = self.client;
        let timeout = self.timeout;
        let request = self.into_request()?;
        let call = QUERY.on(&request.collection_name).timeout(timeout);
        let response: proto::QueryResponse = client.transport().unary(call, &request).await?;
        ScoredPoint::from_list(response.result, "result")
    }
}

request!(QueryPoints => Vec<ScoredPoint>);

/// The request built by [`Client::retrieve`].
#[must_use = "a request does nothing until it is awaited"]
pub struct Retrieve<'a> {
    client: &'a Client,
    collection_name: String,
    ids: Vec<PointId>,
    with_payload: PayloadSelector,
    with_vectors: VectorsSelector,
    read_consistency: Option<ReadConsistency>,
    shard_key_selector: Option<ShardKeySelector>,
    timeout: Option<Duration>,
}

impl Retrieve<'_> {
    /// Which payload to return (default all).
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.with_payload = selector.into();
        self
    }

    /// Which vectors to return (default none).
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.with_vectors = selector.into();
        self
    }

    /// Read consistency across replicas.
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.read_consistency = Some(consistency.into());
        self
    }

    /// Reads only the shards with these keys.
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.shard_key_selector = Some(selector.into());
        self
    }

    async fn send(self) -> Result<Vec<Record>> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let ids = check_ids(&self.ids, "ids")?;
        let request = proto::GetPoints {
            collection_name: self.collection_name,
            ids,
            with_payload: Some(self.with_payload.into()),
            with_vectors: Some(self.with_vectors.into()),
            read_consistency: self.read_consistency.map(Into::into),
            shard_key_selector: self.shard_key_selector.map(Into::into),
            timeout: timeout_secs(self.timeout),
        };
        let call = GET.on(&request.collection_name).timeout(self.timeout);
        let response: proto::GetResponse = self.client.transport().unary(call, &request).await?;
        Record::from_list(response.result, "result")
    }
}

request!(Retrieve => Vec<Record>);

/// Checks each id and converts the list, naming a bad one as `argument[i]`.
pub(crate) fn check_ids(ids: &[PointId], argument: &str) -> Result<Vec<proto::PointId>> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            id.check(&|| format!("{argument}[{i}]"))?;
            Ok(id.to_proto())
        })
        .collect()
}

/// The request built by [`Client::count`].
#[must_use = "a request does nothing until it is awaited"]
pub struct Count<'a> {
    client: &'a Client,
    request: proto::CountPoints,
    filter: Option<Filter>,
    timeout: Option<Duration>,
}

impl Count<'_> {
    /// Counts only the points matching this filter.
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Whether to count exactly (default true) or estimate, faster.
    pub fn exact(mut self, exact: bool) -> Self {
        self.request.exact = Some(exact);
        self
    }

    /// Read consistency across replicas.
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.request.read_consistency = Some(consistency.into().into());
        self
    }

    /// Counts only in the shards with these keys.
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request.shard_key_selector = Some(selector.into().into());
        self
    }

    async fn send(self) -> Result<u64> {
        let mut request = self.request;
        check_collection_name(&request.collection_name, "collection_name")?;
        request.filter = self.filter.map(Into::into);
        request.timeout = timeout_secs(self.timeout);
        let call = COUNT.on(&request.collection_name).timeout(self.timeout);
        let response: proto::CountResponse = self.client.transport().unary(call, &request).await?;
        response
            .result
            .map(|r| r.count)
            .ok_or_else(|| Error::missing("result"))
    }
}

request!(Count => u64);

/// One page of [`Client::scroll`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ScrollPage {
    /// The page's records.
    pub points: Vec<Record>,
    /// Where the next page starts; `None` after the last page.
    pub next_page_offset: Option<PointId>,
}

/// The request built by [`Client::scroll`].
#[must_use = "a request does nothing until it is awaited"]
pub struct Scroll<'a> {
    client: &'a Client,
    request: proto::ScrollPoints,
    offset: Option<PointId>,
    filter: Option<Filter>,
    timeout: Option<Duration>,
}

impl<'a> Scroll<'a> {
    /// Only points matching this filter.
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Points per page (default 10).
    pub fn limit(mut self, limit: u32) -> Self {
        self.request.limit = Some(limit);
        self
    }

    /// Starts at this id (a previous page's `next_page_offset`).
    pub fn offset(mut self, offset: impl Into<PointId>) -> Self {
        self.offset = Some(offset.into());
        self
    }

    /// Which payload to return (default all).
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.request.with_payload = Some(selector.into().into());
        self
    }

    /// Which vectors to return (default none).
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.request.with_vectors = Some(selector.into().into());
        self
    }

    /// Orders by a payload key (which needs a payload index) instead of id.
    /// Ordered pages have no `next_page_offset`.
    pub fn order_by(mut self, order_by: impl Into<OrderBy>) -> Self {
        self.request.order_by = Some(order_by.into().into());
        self
    }

    /// Read consistency across replicas.
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.request.read_consistency = Some(consistency.into().into());
        self
    }

    /// Reads only the shards with these keys.
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request.shard_key_selector = Some(selector.into().into());
        self
    }

    fn into_request(self) -> Result<(&'a Client, proto::ScrollPoints, Option<Duration>)> {
        let mut request = self.request;
        check_collection_name(&request.collection_name, "collection_name")?;
        if let Some(offset) = &self.offset {
            offset.check(&|| "offset".to_string())?;
            request.offset = Some(offset.to_proto());
        }
        request.filter = self.filter.map(Into::into);
        request.timeout = timeout_secs(self.timeout);
        Ok((self.client, request, self.timeout))
    }

    async fn send(self) -> Result<ScrollPage> {
        let (client, request, timeout) = self.into_request()?;
        scroll_page(client, &request, timeout).await
    }

    /// Every matching record, page after page, each exactly once: follows
    /// `next_page_offset` until the last page. Pages are fetched as the
    /// stream is read.
    pub fn stream(self) -> impl futures_core::Stream<Item = Result<Record>> + Send + 'a {
        use futures_util::stream::{self, StreamExt};
        enum State<'a> {
            Next(&'a Client, Box<proto::ScrollPoints>, Option<Duration>),
            Failed(Error),
            Done,
        }
        let state = match self.into_request() {
            Ok((client, request, timeout)) => State::Next(client, Box::new(request), timeout),
            Err(e) => State::Failed(e),
        };
        stream::unfold(state, |state| async move {
            match state {
                State::Done => None,
                State::Failed(e) => Some((vec![Err(e)], State::Done)),
                State::Next(client, mut request, timeout) => {
                    match scroll_page(client, &request, timeout).await {
                        Err(e) => Some((vec![Err(e)], State::Done)),
                        Ok(page) => {
                            let next = match page.next_page_offset {
                                Some(offset) if request.order_by.is_none() => {
                                    request.offset = Some(offset.to_proto());
                                    State::Next(client, request, timeout)
                                }
                                _ => State::Done,
                            };
                            Some((page.points.into_iter().map(Ok).collect(), next))
                        }
                    }
                }
            }
        })
        .flat_map(stream::iter)
    }
}

async fn scroll_page(
    client: &Client,
    request: &proto::ScrollPoints,
    timeout: Option<Duration>,
) -> Result<ScrollPage> {
    let call = SCROLL.on(&request.collection_name).timeout(timeout);
    let response: proto::ScrollResponse = client.transport().unary(call, request).await?;
    Ok(ScrollPage {
        points: Record::from_list(response.result, "result")?,
        next_page_offset: match response.next_page_offset {
            None => None,
            Some(id) => Some(PointId::from_response(Some(id), &|| {
                "next_page_offset".to_string()
            })?),
        },
    })
}

request!(Scroll => ScrollPage);
