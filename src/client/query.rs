//! Reads: query (and its batch and group forms), retrieve, scroll, count,
//! facet, search matrices, and the legacy search, recommend and discover.

use std::future::Future;
use std::time::Duration;

use super::{Client, check_collection_name, request, timeout_secs};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::{CallOptions, Rpc};
use crate::types::decode::{GetAnswer, Points, QueryAnswer, QueryBatchAnswer, ScrollAnswer};
use crate::types::wire;
use crate::types::{
    FacetHit, Filter, LookupLocation, OrderBy, PayloadSelector, PointGroup, PointId, Prefetch, Query,
    ReadConsistency, Record, ScoredPoint, SearchMatrixOffsets, SearchMatrixPair, SearchParams,
    ShardKeySelector, VectorsSelector,
};

const QUERY: Rpc = Rpc::read("/qdrant.Points/Query");
const GET: Rpc = Rpc::read("/qdrant.Points/Get");
const COUNT: Rpc = Rpc::read("/qdrant.Points/Count");
const SCROLL: Rpc = Rpc::read("/qdrant.Points/Scroll");
const QUERY_BATCH: Rpc = Rpc::read("/qdrant.Points/QueryBatch");
const QUERY_GROUPS: Rpc = Rpc::read("/qdrant.Points/QueryGroups");
const FACET: Rpc = Rpc::read("/qdrant.Points/Facet");
const MATRIX_PAIRS: Rpc = Rpc::read("/qdrant.Points/SearchMatrixPairs");
const MATRIX_OFFSETS: Rpc = Rpc::read("/qdrant.Points/SearchMatrixOffsets");

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
            collection_name: collection_name.into(),
            request: QueryRequest::new(query),
            call: CallOptions::default(),
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
            call: CallOptions::default(),
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
            limit: None,
            filter: None,
            call: CallOptions::default(),
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
            call: CallOptions::default(),
        }
    }
}

/// The request built by [`Client::query_points`]: a [`QueryRequest`] on a
/// collection, with the same setters.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Condition, Filter, SearchParams};
///
/// let hits = client
///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
///     .filter(Filter::must([Condition::matches("color", "red")]))
///     .with_payload(true)
///     .params(SearchParams::new().hnsw_ef(128))
///     .score_threshold(0.5)
///     .limit(10)
///     .await?;
/// for hit in hits {
///     println!("{} {}", hit.id, hit.score);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct QueryPoints<'a> {
    client: &'a Client,
    collection_name: String,
    request: QueryRequest,
    call: CallOptions,
}

// The setters delegate to `QueryRequest`'s, which own the options; writing
// them out keeps each one's documentation where rustdoc shows it.
impl<'a> QueryPoints<'a> {
    /// Most results to return (default 10).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let hits = client.query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5]).limit(10).await?;
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.request = self.request.limit(limit);
        self
    }

    /// Only points matching this filter.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .filter(Filter::must([Condition::matches("color", "red")]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.request = self.request.filter(filter);
        self
    }

    /// Only hits scoring better than this: strictly above it (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    /// Fusion and formula scores equal to it are kept.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .score_threshold(0.75)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn score_threshold(mut self, threshold: f32) -> Self {
        self.request = self.request.score_threshold(threshold);
        self
    }

    /// Which payload to return: `true` (the default), `false`, or a [`PayloadSelector`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::PayloadSelector;
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .with_payload(PayloadSelector::include(["title", "price"]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.request = self.request.with_payload(selector);
        self
    }

    /// Which vectors to return: `true`, `false` (the default), or a [`VectorsSelector`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .with_vectors(true)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.request = self.request.with_vectors(selector);
        self
    }

    /// The named vector to search.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .using("image")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn using(mut self, vector_name: impl Into<String>) -> Self {
        self.request = self.request.using(vector_name);
        self
    }

    /// Adds a prefetch: a sub-query whose hits the main query re-scores.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Prefetch;
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .prefetch(Prefetch::new(vec![0.2, 0.1, 0.9, 0.7]).using("image").limit(100))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn prefetch(mut self, prefetch: impl Into<Prefetch>) -> Self {
        self.request = self.request.prefetch(prefetch);
        self
    }

    /// Search parameters: HNSW `ef`, exact search, quantization.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::SearchParams;
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .params(SearchParams::new().hnsw_ef(128))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn params(mut self, params: impl Into<SearchParams>) -> Self {
        self.request = self.request.params(params);
        self
    }

    /// Read consistency across replicas.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ReadConsistency;
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .read_consistency(ReadConsistency::Majority)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.request = self.request.read_consistency(consistency);
        self
    }

    /// Searches only the shards with these keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .shard_key_selector("tenant_a")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request = self.request.shard_key_selector(selector);
        self
    }

    /// Takes the vectors of ids in the query from another collection.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::LookupLocation;
    ///
    /// // Vectors named by id are read from `catalog`.
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .lookup_from(LookupLocation::new("catalog"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn lookup_from(mut self, location: impl Into<LookupLocation>) -> Self {
        self.request = self.request.lookup_from(location);
        self
    }

    /// Replaces the query. `None` without prefetches lists points in id
    /// order; Qdrant refuses prefetches without a query ("A query is
    /// needed to merge the prefetches"): give one, such as
    /// `Query::fusion`, to merge them.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Fusion, Prefetch, Query};
    ///
    /// // Starts as a nearest query, becomes a fusion of two prefetches.
    /// let hits = client
    ///     .query_points("hybrid", vec![0.9, 0.1, 0.1, 0.5])
    ///     .prefetch(Prefetch::new(vec![0.9, 0.1, 0.1, 0.5]).using("dense"))
    ///     .prefetch(Prefetch::new(vec![0.2, 0.8, 0.1, 0.1]).using("title"))
    ///     .query(Query::fusion(Fusion::Rrf))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn query(mut self, query: impl Into<Option<Query>>) -> Self {
        self.request = self.request.query(query);
        self
    }

    /// Hits to skip before the first returned.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // The third page of 10.
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .limit(10)
    ///     .offset(20)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn offset(mut self, offset: u64) -> Self {
        self.request = self.request.offset(offset);
        self
    }

    /// Checks and encodes the request now, so that the future keeps only
    /// its bytes, the collection's name and the call's options, and the
    /// options' box is freed before the call waits for its answer.
    fn send(self) -> impl Future<Output = Result<Vec<ScoredPoint>>> + Send + 'a {
        let QueryPoints {
            client,
            collection_name,
            request,
            call,
        } = self;
        let mut options = request.options;
        let encoded = check_collection_name(&collection_name, "collection_name")
            .and_then(|()| options.check())
            .map(|()| {
                options.fill(collection_name);
                let request = &mut options.request;
                request.timeout = timeout_secs(call.timeout);
                let message = wire::encode_query_points(request);
                (std::mem::take(&mut request.collection_name), message)
            });
        drop(options);
        // The name and the message are used where they are, not moved
        // out: a future keeps both a moved-from value and its new place.
        async move {
            let (collection_name, message) = match &encoded {
                Ok((collection_name, message)) => (collection_name, message),
                Err(_) => return encoded.map(|_| Vec::new()),
            };
            let call_of = QUERY.on(collection_name).options(&call);
            let answer: QueryAnswer = client.transport().exchange(&call_of, message).await?;
            answer.0.into_result()
        }
    }
}

request!(QueryPoints => Vec<ScoredPoint>);

/// The request built by [`Client::retrieve`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let records = client.retrieve("my_collection", [1, 2]).with_payload(true).with_vectors(true).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct Retrieve<'a> {
    client: &'a Client,
    collection_name: String,
    ids: Vec<PointId>,
    with_payload: PayloadSelector,
    with_vectors: VectorsSelector,
    read_consistency: Option<ReadConsistency>,
    shard_key_selector: Option<ShardKeySelector>,
    call: CallOptions,
}

impl Retrieve<'_> {
    /// Which payload to return (default all).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::PayloadSelector;
    ///
    /// let records = client
    ///     .retrieve("my_collection", [1, 2])
    ///     .with_payload(PayloadSelector::include(["title", "price"]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.with_payload = selector.into();
        self
    }

    /// Which vectors to return (default none).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let records = client.retrieve("my_collection", [1, 2]).with_vectors(true).await?;
    /// # Ok(()) }
    /// ```
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.with_vectors = selector.into();
        self
    }

    /// Read consistency across replicas.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ReadConsistency;
    ///
    /// let records = client
    ///     .retrieve("my_collection", [1, 2])
    ///     .read_consistency(ReadConsistency::Majority)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.read_consistency = Some(consistency.into());
        self
    }

    /// Reads only the shards with these keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let records = client.retrieve("my_collection", [1, 2]).shard_key_selector("tenant_a").await?;
    /// # Ok(()) }
    /// ```
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
            timeout: timeout_secs(self.call.timeout),
        };
        let call = GET.on(&request.collection_name).options(&self.call);
        let answer: GetAnswer = self.client.transport().unary(call, &request).await?;
        answer.0.into_result()
    }
}

request!(Retrieve => Vec<Record>);

/// A count or size that the message holds as `u32`, while this client
/// takes `u64` for it as for every other count: one above `u32::MAX` is
/// refused rather than cut.
pub(crate) fn to_u32(value: u64, argument: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| {
        Error::invalid_argument(
            argument,
            format!("{value} is above the largest allowed, {}", u32::MAX),
        )
    })
}

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
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Condition, Filter};
///
/// let red: u64 = client
///     .count("my_collection")
///     .filter(Filter::must([Condition::matches("color", "red")]))
///     .exact(true)
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct Count<'a> {
    client: &'a Client,
    request: proto::CountPoints,
    filter: Option<Filter>,
    call: CallOptions,
}

impl Count<'_> {
    /// Counts only the points matching this filter.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let count = client
    ///     .count("my_collection")
    ///     .filter(Filter::must([Condition::matches("color", "red")]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Whether to count exactly (default true) or estimate, faster.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // Exact, not estimated from the index.
    /// let count = client.count("my_collection").exact(true).await?;
    /// # Ok(()) }
    /// ```
    pub fn exact(mut self, exact: bool) -> Self {
        self.request.exact = Some(exact);
        self
    }

    /// Read consistency across replicas.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ReadConsistency;
    ///
    /// let count = client.count("my_collection").read_consistency(ReadConsistency::Majority).await?;
    /// # Ok(()) }
    /// ```
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.request.read_consistency = Some(consistency.into().into());
        self
    }

    /// Counts only in the shards with these keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let count = client.count("my_collection").shard_key_selector("tenant_a").await?;
    /// # Ok(()) }
    /// ```
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request.shard_key_selector = Some(selector.into().into());
        self
    }

    async fn send(self) -> Result<u64> {
        let mut request = self.request;
        check_collection_name(&request.collection_name, "collection_name")?;
        request.filter = self.filter.map(Into::into);
        request.timeout = timeout_secs(self.call.timeout);
        let call = COUNT.on(&request.collection_name).options(&self.call);
        let response: proto::CountResponse = self.client.transport().unary(call, &request).await?;
        response
            .result
            .map(|r| r.count)
            .ok_or_else(|| Error::missing("result"))
    }
}

request!(Count => u64);

/// One page of [`Client::scroll`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let page = client.scroll("my_collection").limit(100).await?;
/// for record in &page.points {
///     println!("{}", record.id);
/// }
/// let more = page.next_page_offset.is_some();
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ScrollPage {
    /// The page's records.
    pub points: Vec<Record>,
    /// Where the next page starts; `None` after the last page.
    pub next_page_offset: Option<PointId>,
}

/// The request built by [`Client::scroll`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use futures_util::TryStreamExt;
///
/// // One page at a time...
/// let page = client.scroll("my_collection").limit(100).await?;
/// if let Some(next) = page.next_page_offset {
///     let page2 = client.scroll("my_collection").limit(100).offset(next).await?;
/// }
/// // ...or every point, as a stream of records.
/// let all: Vec<_> = client.scroll("my_collection").stream().try_collect().await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct Scroll<'a> {
    client: &'a Client,
    request: proto::ScrollPoints,
    offset: Option<PointId>,
    limit: Option<u64>,
    filter: Option<Filter>,
    call: CallOptions,
}

impl<'a> Scroll<'a> {
    /// Only points matching this filter.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let page = client
    ///     .scroll("my_collection")
    ///     .filter(Filter::must([Condition::matches("color", "red")]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Points per page (default 10). Qdrant takes at most `u32::MAX`; a
    /// larger limit is an error of kind
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) before sending.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let page = client.scroll("my_collection").limit(100).await?;
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Starts at this id (a previous page's `next_page_offset`).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // The page that starts at id 100 (a previous page's `next_page_offset`).
    /// let page = client.scroll("my_collection").offset(100).await?;
    /// # Ok(()) }
    /// ```
    pub fn offset(mut self, offset: impl Into<PointId>) -> Self {
        self.offset = Some(offset.into());
        self
    }

    /// Which payload to return (default all).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::PayloadSelector;
    ///
    /// let page = client
    ///     .scroll("my_collection")
    ///     .with_payload(PayloadSelector::include(["title", "price"]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.request.with_payload = Some(selector.into().into());
        self
    }

    /// Which vectors to return (default none).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let page = client.scroll("my_collection").with_vectors(true).await?;
    /// # Ok(()) }
    /// ```
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.request.with_vectors = Some(selector.into().into());
        self
    }

    /// Orders by a payload key (which needs a payload index) instead of id.
    /// Ordered pages have no `next_page_offset`.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::OrderBy;
    ///
    /// // `price` needs a payload index.
    /// let page = client.scroll("my_collection").order_by(OrderBy::new("price")).await?;
    /// # Ok(()) }
    /// ```
    pub fn order_by(mut self, order_by: impl Into<OrderBy>) -> Self {
        self.request.order_by = Some(order_by.into().into());
        self
    }

    /// Read consistency across replicas.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ReadConsistency;
    ///
    /// let page = client.scroll("my_collection").read_consistency(ReadConsistency::Majority).await?;
    /// # Ok(()) }
    /// ```
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.request.read_consistency = Some(consistency.into().into());
        self
    }

    /// Reads only the shards with these keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let page = client.scroll("my_collection").shard_key_selector("tenant_a").await?;
    /// # Ok(()) }
    /// ```
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request.shard_key_selector = Some(selector.into().into());
        self
    }

    fn into_request(self) -> Result<(&'a Client, proto::ScrollPoints, CallOptions)> {
        let mut request = self.request;
        check_collection_name(&request.collection_name, "collection_name")?;
        request.limit = self.limit.map(|limit| to_u32(limit, "limit")).transpose()?;
        if let Some(offset) = &self.offset {
            offset.check(&|| "offset".to_string())?;
            request.offset = Some(offset.to_proto());
        }
        request.filter = self.filter.map(Into::into);
        request.timeout = timeout_secs(self.call.timeout);
        Ok((self.client, request, self.call))
    }

    async fn send(self) -> Result<ScrollPage> {
        let (client, request, options) = self.into_request()?;
        scroll_page(client, &request, &options).await
    }

    /// Every matching record, page after page, each exactly once: follows
    /// `next_page_offset` until the last page, which is the one without a
    /// next offset or the first empty one (a server that keeps answering
    /// empty pages does not make the stream spin). Pages are fetched as the
    /// stream is read.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// // Every point of the collection, fetched 256 at a time.
    /// let mut records = std::pin::pin!(client.scroll("my_collection").limit(256).stream());
    /// while let Some(record) = records.try_next().await? {
    ///     println!("{}", record.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> impl futures_core::Stream<Item = Result<Record>> + Send + 'a {
        use futures_util::stream::{self, StreamExt};
        enum State<'a> {
            Next(&'a Client, Box<proto::ScrollPoints>, CallOptions),
            Failed(Error),
            Done,
        }
        let state = match self.into_request() {
            Ok((client, request, options)) => State::Next(client, Box::new(request), options),
            Err(e) => State::Failed(e),
        };
        stream::unfold(state, |state| async move {
            match state {
                State::Done => None,
                State::Failed(e) => Some((vec![Err(e)], State::Done)),
                State::Next(client, mut request, options) => {
                    match scroll_page(client, &request, &options).await {
                        Err(e) => Some((vec![Err(e)], State::Done)),
                        Ok(page) => {
                            let next = match page.next_page_offset {
                                Some(offset) if request.order_by.is_none() && !page.points.is_empty() => {
                                    request.offset = Some(offset.to_proto());
                                    State::Next(client, request, options)
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
    options: &CallOptions,
) -> Result<ScrollPage> {
    let call = SCROLL.on(&request.collection_name).options(options);
    let answer: ScrollAnswer = client.transport().unary(call, request).await?;
    Ok(ScrollPage {
        points: answer.points.into_result()?,
        next_page_offset: answer.next_page_offset.transpose()?,
    })
}

request!(Scroll => ScrollPage);

/// The options of one query: its query, prefetches and the fields of the
/// Query RPC's message (domain values converted as they are set). Held by
/// [`QueryRequest`], and through it by [`QueryPoints`] and
/// [`QueryPointsGroups`].
#[derive(Clone, Debug)]
struct QueryOptions {
    request: proto::QueryPoints,
    query: Option<Query>,
    prefetch: Vec<Prefetch>,
}

impl QueryOptions {
    fn new(query: Option<Query>) -> Self {
        QueryOptions {
            request: proto::QueryPoints {
                with_payload: Some(PayloadSelector::from(true).into()),
                ..Default::default()
            },
            query,
            prefetch: Vec::new(),
        }
    }

    /// Checks the query and prefetches, naming what is wrong.
    fn check(&self) -> Result<()> {
        if let Some(query) = &self.query {
            query.check("query")?;
        }
        for (i, prefetch) in self.prefetch.iter().enumerate() {
            prefetch.check(&format!("prefetch[{i}]"))?;
        }
        Ok(())
    }

    /// Completes the message in place for `collection_name` (without its
    /// timeout): the query and prefetches are moved into it.
    fn fill(&mut self, collection_name: String) {
        self.request.collection_name = collection_name;
        self.request.query = self.query.take().map(Into::into);
        self.request.prefetch = std::mem::take(&mut self.prefetch)
            .into_iter()
            .map(Into::into)
            .collect();
    }

    /// The message for `collection_name`, without its timeout.
    fn into_proto(mut self: Box<Self>, collection_name: String) -> proto::QueryPoints {
        self.fill(collection_name);
        self.request
    }
}

/// One query of a batch, for [`Client::query_batch_points`]: the same
/// options as [`Client::query_points`], without a client or collection.
///
/// ```
/// use qdrant_async::QueryRequest;
/// let request = QueryRequest::new([0.1, 0.2, 0.3]).limit(5).with_payload(false);
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct QueryRequest {
    // Boxed: the options are 1.7 KiB, and a builder is moved by value at
    // every setter and into its future.
    options: Box<QueryOptions>,
}

impl QueryRequest {
    /// A query, with the same defaults as `query_points`.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter, QueryRequest};
    ///
    /// let results = client
    ///     .query_batch_points(
    ///         "my_collection",
    ///         [
    ///             QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).limit(3),
    ///             QueryRequest::new(vec![0.1, 0.9, 0.3, 0.2])
    ///                 .filter(Filter::must([Condition::matches("color", "green")]))
    ///                 .limit(3),
    ///         ],
    ///     )
    ///     .await?;
    /// assert_eq!(results.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn new(query: impl Into<Query>) -> Self {
        QueryRequest {
            options: Box::new(QueryOptions::new(Some(query.into()))),
        }
    }

    /// Most results to return (default 10).
    ///
    /// ```
    /// use qdrant_async::QueryRequest;
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).limit(10);
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.options.request.limit = Some(limit);
        self
    }

    /// Only points matching this filter.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, QueryRequest};
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).filter(Filter::must([Condition::matches("color", "red")]));
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.options.request.filter = Some(filter.into().into());
        self
    }

    /// Only hits scoring better than this: strictly above it (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    /// Fusion and formula scores equal to it are kept.
    ///
    /// ```
    /// use qdrant_async::QueryRequest;
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).score_threshold(0.75);
    /// ```
    pub fn score_threshold(mut self, threshold: f32) -> Self {
        self.options.request.score_threshold = Some(threshold);
        self
    }

    /// Which payload to return: `true` (the default), `false`, or a [`PayloadSelector`].
    ///
    /// ```
    /// use qdrant_async::{PayloadSelector, QueryRequest};
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).with_payload(PayloadSelector::include(["title", "price"]));
    /// ```
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.options.request.with_payload = Some(selector.into().into());
        self
    }

    /// Which vectors to return: `true`, `false` (the default), or a [`VectorsSelector`].
    ///
    /// ```
    /// use qdrant_async::QueryRequest;
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).with_vectors(true);
    /// ```
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.options.request.with_vectors = Some(selector.into().into());
        self
    }

    /// The named vector to search.
    ///
    /// ```
    /// use qdrant_async::QueryRequest;
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).using("image");
    /// ```
    pub fn using(mut self, vector_name: impl Into<String>) -> Self {
        self.options.request.using = Some(vector_name.into());
        self
    }

    /// Adds a prefetch: a sub-query whose hits the main query re-scores.
    ///
    /// ```
    /// use qdrant_async::{Prefetch, QueryRequest};
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).prefetch(Prefetch::new(vec![0.2, 0.1, 0.9, 0.7]).using("image").limit(100));
    /// ```
    pub fn prefetch(mut self, prefetch: impl Into<Prefetch>) -> Self {
        self.options.prefetch.push(prefetch.into());
        self
    }

    /// Search parameters: HNSW `ef`, exact search, quantization.
    ///
    /// ```
    /// use qdrant_async::{QueryRequest, SearchParams};
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).params(SearchParams::new().hnsw_ef(128));
    /// ```
    pub fn params(mut self, params: impl Into<SearchParams>) -> Self {
        self.options.request.params = Some(params.into().into());
        self
    }

    /// Read consistency across replicas.
    ///
    /// ```
    /// use qdrant_async::{QueryRequest, ReadConsistency};
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).read_consistency(ReadConsistency::Majority);
    /// ```
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.options.request.read_consistency = Some(consistency.into().into());
        self
    }

    /// Searches only the shards with these keys.
    ///
    /// ```
    /// use qdrant_async::QueryRequest;
    ///
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).shard_key_selector("tenant_a");
    /// ```
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.options.request.shard_key_selector = Some(selector.into().into());
        self
    }

    /// Takes the vectors of ids in the query from another collection.
    ///
    /// ```
    /// use qdrant_async::{LookupLocation, QueryRequest};
    ///
    /// // Vectors named by id are read from `catalog`.
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).lookup_from(LookupLocation::new("catalog"));
    /// ```
    pub fn lookup_from(mut self, location: impl Into<LookupLocation>) -> Self {
        self.options.request.lookup_from = Some(location.into().into());
        self
    }

    /// Replaces the query. `None` without prefetches lists points in id
    /// order; Qdrant refuses prefetches without a query ("A query is
    /// needed to merge the prefetches"): give one, such as
    /// `Query::fusion`, to merge them.
    ///
    /// ```
    /// use qdrant_async::{Query, QueryRequest};
    ///
    /// // No query, no prefetch: points in id order.
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).query(None::<Query>);
    /// ```
    pub fn query(mut self, query: impl Into<Option<Query>>) -> Self {
        self.options.query = query.into();
        self
    }

    /// Hits to skip before the first returned.
    ///
    /// ```
    /// use qdrant_async::QueryRequest;
    ///
    /// // The third page of 10.
    /// let request = QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).limit(10).offset(20);
    /// ```
    pub fn offset(mut self, offset: u64) -> Self {
        self.options.request.offset = Some(offset);
        self
    }

    /// The request for `collection_name`; errors name the request by index.
    fn into_proto(self, collection_name: &str, index: usize) -> Result<proto::QueryPoints> {
        self.options
            .check()
            .map_err(|e| e.within(&format!("requests[{index}].")))?;
        Ok(self.options.into_proto(collection_name.to_owned()))
    }
}

impl<T: Into<Query>> From<T> for QueryRequest {
    fn from(query: T) -> Self {
        QueryRequest::new(query)
    }
}

impl Client {
    /// Runs several queries in one request.
    ///
    /// `.await` returns each query's hits, in order.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::QueryRequest;
    ///
    /// let results = client
    ///     .query_batch_points("my_collection", [
    ///         QueryRequest::new([0.9, 0.1, 0.1, 0.5]).limit(3),
    ///         QueryRequest::new([0.1, 0.9, 0.1, 0.5]).limit(3),
    ///     ])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn query_batch_points(
        &self,
        collection_name: impl Into<String>,
        requests: impl IntoIterator<Item = QueryRequest>,
    ) -> QueryBatchPoints<'_> {
        QueryBatchPoints {
            client: self,
            collection_name: collection_name.into(),
            requests: requests.into_iter().collect(),
            read_consistency: None,
            call: CallOptions::default(),
        }
    }

    /// Queries, then groups the hits by a payload key: up to `limit`
    /// groups of up to `group_size` hits.
    ///
    /// `.await` returns the groups, best first.
    ///
    /// The arguments are in the order of Python's `query_points_groups`.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::WithLookup;
    ///
    /// let groups = client
    ///     .query_points_groups("my_collection", "document_id", [0.9, 0.1, 0.1, 0.5])
    ///     .group_size(2)
    ///     .limit(5)
    ///     .with_lookup(WithLookup::new("documents").with_payload(["title"]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn query_points_groups(
        &self,
        collection_name: impl Into<String>,
        group_by: impl Into<String>,
        query: impl Into<Query>,
    ) -> QueryPointsGroups<'_> {
        QueryPointsGroups {
            client: self,
            collection_name: collection_name.into(),
            group_by: group_by.into(),
            request: QueryRequest::new(query),
            group_size: None,
            with_lookup: None,
            call: CallOptions::default(),
        }
    }

    /// Counts the points per value of a payload key (which needs a
    /// keyword, integer, bool or UUID index).
    ///
    /// `.await` returns the values with their counts, most frequent first.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// for hit in client.facet("my_collection", "color").limit(5).await? {
    ///     println!("{:?}: {}", hit.value, hit.count);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn facet(&self, collection_name: impl Into<String>, key: impl Into<String>) -> Facet<'_> {
        Facet {
            client: self,
            request: proto::FacetCounts {
                collection_name: collection_name.into(),
                key: key.into(),
                ..Default::default()
            },
            filter: None,
            call: CallOptions::default(),
        }
    }

    /// Samples points and finds each one's nearest neighbours among the
    /// sample, as pairs.
    ///
    /// `.await` returns the pairs.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let pairs = client.search_matrix_pairs("my_collection").sample(100).limit(5).await?;
    /// # Ok(()) }
    /// ```
    pub fn search_matrix_pairs(&self, collection_name: impl Into<String>) -> SearchMatrixPairs<'_> {
        SearchMatrixPairs {
            client: self,
            options: MatrixOptions::new(collection_name.into()),
            call: CallOptions::default(),
        }
    }

    /// Like [`search_matrix_pairs`](Self::search_matrix_pairs), as a sparse
    /// matrix of offsets into the sampled ids.
    ///
    /// `.await` returns the [`SearchMatrixOffsets`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let matrix = client.search_matrix_offsets("my_collection").sample(100).limit(5).await?;
    /// # Ok(()) }
    /// ```
    pub fn search_matrix_offsets(
        &self,
        collection_name: impl Into<String>,
    ) -> SearchMatrixOffsetsRequest<'_> {
        SearchMatrixOffsetsRequest {
            client: self,
            options: MatrixOptions::new(collection_name.into()),
            call: CallOptions::default(),
        }
    }
}

/// The request built by [`Client::query_batch_points`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::QueryRequest;
///
/// let results = client
///     .query_batch_points("my_collection", [QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5]).limit(3)])
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct QueryBatchPoints<'a> {
    client: &'a Client,
    collection_name: String,
    requests: Vec<QueryRequest>,
    read_consistency: Option<ReadConsistency>,
    call: CallOptions,
}

impl QueryBatchPoints<'_> {
    /// Read consistency across replicas.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{QueryRequest, ReadConsistency};
    ///
    /// let results = client
    ///     .query_batch_points("my_collection", [QueryRequest::new(vec![0.9, 0.1, 0.1, 0.5])])
    ///     .read_consistency(ReadConsistency::Majority)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.read_consistency = Some(consistency.into());
        self
    }

    async fn send(self) -> Result<Vec<Vec<ScoredPoint>>> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let query_points = self
            .requests
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.into_proto(&self.collection_name, i))
            .collect::<Result<_>>()?;
        let request = proto::QueryBatchPoints {
            collection_name: self.collection_name,
            query_points,
            read_consistency: self.read_consistency.map(Into::into),
            timeout: timeout_secs(self.call.timeout),
        };
        let call = QUERY_BATCH.on(&request.collection_name).options(&self.call);
        let answer: QueryBatchAnswer = self.client.transport().unary(call, &request).await?;
        answer.0.into_iter().map(Points::into_result).collect()
    }
}

request!(QueryBatchPoints => Vec<Vec<ScoredPoint>>);

/// The request built by [`Client::query_points_groups`]: a
/// [`QueryRequest`] whose hits are grouped, with the same setters (but
/// `offset`) and the group's own.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// // The best 3 chunks of each of the 5 best documents.
/// let groups = client
///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
///     .group_size(3)
///     .limit(5)
///     .await?;
/// for group in groups {
///     println!("{:?}: {} hits", group.id, group.hits.len());
/// }
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct QueryPointsGroups<'a> {
    client: &'a Client,
    collection_name: String,
    group_by: String,
    request: QueryRequest,
    group_size: Option<u64>,
    with_lookup: Option<WithLookup>,
    call: CallOptions,
}

// As for `QueryPoints`, the setters delegate to `QueryRequest`'s.
impl QueryPointsGroups<'_> {
    /// Most groups to return (default 10).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .limit(10)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.request = self.request.limit(limit);
        self
    }

    /// Only points matching this filter.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .filter(Filter::must([Condition::matches("color", "red")]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.request = self.request.filter(filter);
        self
    }

    /// Only hits scoring better than this: strictly above it (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    /// Fusion and formula scores equal to it are kept.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .score_threshold(0.75)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn score_threshold(mut self, threshold: f32) -> Self {
        self.request = self.request.score_threshold(threshold);
        self
    }

    /// Which payload to return: `true` (the default), `false`, or a [`PayloadSelector`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::PayloadSelector;
    ///
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .with_payload(PayloadSelector::include(["title", "price"]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.request = self.request.with_payload(selector);
        self
    }

    /// Which vectors to return: `true`, `false` (the default), or a [`VectorsSelector`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .with_vectors(true)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.request = self.request.with_vectors(selector);
        self
    }

    /// The named vector to search.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .using("image")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn using(mut self, vector_name: impl Into<String>) -> Self {
        self.request = self.request.using(vector_name);
        self
    }

    /// Adds a prefetch: a sub-query whose hits the main query re-scores.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Prefetch;
    ///
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .prefetch(Prefetch::new(vec![0.2, 0.1, 0.9, 0.7]).using("image").limit(100))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn prefetch(mut self, prefetch: impl Into<Prefetch>) -> Self {
        self.request = self.request.prefetch(prefetch);
        self
    }

    /// Search parameters: HNSW `ef`, exact search, quantization.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::SearchParams;
    ///
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .params(SearchParams::new().hnsw_ef(128))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn params(mut self, params: impl Into<SearchParams>) -> Self {
        self.request = self.request.params(params);
        self
    }

    /// Read consistency across replicas.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ReadConsistency;
    ///
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .read_consistency(ReadConsistency::Majority)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.request = self.request.read_consistency(consistency);
        self
    }

    /// Searches only the shards with these keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .shard_key_selector("tenant_a")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request = self.request.shard_key_selector(selector);
        self
    }

    /// Takes the vectors of ids in the query from another collection.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::LookupLocation;
    ///
    /// // Vectors named by id are read from `catalog`.
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .lookup_from(LookupLocation::new("catalog"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn lookup_from(mut self, location: impl Into<LookupLocation>) -> Self {
        self.request = self.request.lookup_from(location);
        self
    }

    /// Replaces the query. `None` without prefetches lists points in id
    /// order; Qdrant refuses prefetches without a query ("A query is
    /// needed to merge the prefetches"): give one, such as
    /// `Query::fusion`, to merge them.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .query(Query::recommend([1, 2], [3]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn query(mut self, query: impl Into<Option<Query>>) -> Self {
        self.request = self.request.query(query);
        self
    }

    /// Most hits per group (default 3).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // Up to 3 hits per group.
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .group_size(3)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn group_size(mut self, size: u64) -> Self {
        self.group_size = Some(size);
        self
    }

    /// Also returns, for each group, the point of another collection whose
    /// id is the group's value: a collection name, or a [`WithLookup`]
    /// that also says what to return of it.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::WithLookup;
    ///
    /// // Each group with the record of its id in `documents`.
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5])
    ///     .with_lookup(WithLookup::new("documents").with_payload(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_lookup(mut self, lookup: impl Into<WithLookup>) -> Self {
        self.with_lookup = Some(lookup.into());
        self
    }

    async fn send(self) -> Result<Vec<PointGroup>> {
        check_collection_name(&self.collection_name, "collection_name")?;
        if self.group_by.is_empty() {
            return Err(Error::invalid_argument("group_by", "is empty"));
        }
        self.request.options.check()?;
        let q = self.request.options.into_proto(self.collection_name);
        let request = proto::QueryPointGroups {
            collection_name: q.collection_name,
            prefetch: q.prefetch,
            query: q.query,
            using: q.using,
            filter: q.filter,
            params: q.params,
            score_threshold: q.score_threshold,
            with_payload: q.with_payload,
            with_vectors: q.with_vectors,
            lookup_from: q.lookup_from,
            limit: q.limit,
            group_size: self.group_size,
            group_by: self.group_by,
            with_lookup: self.with_lookup.map(WithLookup::into_proto),
            timeout: timeout_secs(self.call.timeout),
            read_consistency: q.read_consistency,
            shard_key_selector: q.shard_key_selector,
        };
        let call = QUERY_GROUPS.on(&request.collection_name).options(&self.call);
        let response: proto::QueryGroupsResponse = self.client.transport().unary(call, &request).await?;
        PointGroup::from_result(response.result)
    }
}

/// For [`QueryPointsGroups::with_lookup`]: the collection to look each
/// group's id up in, and what to return of the point found. Unless set,
/// the server's defaults: its payload, no vectors.
///
/// ```
/// use qdrant_async::WithLookup;
///
/// let lookup = WithLookup::new("documents").with_payload(true).with_vectors(false);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct WithLookup {
    collection: String,
    with_payload: Option<PayloadSelector>,
    with_vectors: Option<VectorsSelector>,
}

impl WithLookup {
    /// Looks the groups' ids up in `collection`.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::WithLookup;
    ///
    /// let groups = client
    ///     .query_points_groups("chunks", "document_id", vec![0.2, 0.1, 0.9, 0.7])
    ///     .with_lookup(WithLookup::new("documents").with_payload(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(collection: impl Into<String>) -> Self {
        WithLookup {
            collection: collection.into(),
            with_payload: None,
            with_vectors: None,
        }
    }

    /// Which payload of the point found to return (default all).
    ///
    /// ```
    /// use qdrant_async::{PayloadSelector, WithLookup};
    ///
    /// let lookup = WithLookup::new("documents").with_payload(PayloadSelector::include(["title"]));
    /// ```
    pub fn with_payload(mut self, selector: impl Into<PayloadSelector>) -> Self {
        self.with_payload = Some(selector.into());
        self
    }

    /// Which vectors of the point found to return (default none).
    ///
    /// ```
    /// use qdrant_async::WithLookup;
    ///
    /// let lookup = WithLookup::new("documents").with_vectors(true);
    /// ```
    pub fn with_vectors(mut self, selector: impl Into<VectorsSelector>) -> Self {
        self.with_vectors = Some(selector.into());
        self
    }

    fn into_proto(self) -> proto::WithLookup {
        proto::WithLookup {
            collection: self.collection,
            with_payload: self.with_payload.map(Into::into),
            with_vectors: self.with_vectors.map(Into::into),
        }
    }
}

impl From<&str> for WithLookup {
    fn from(collection: &str) -> Self {
        WithLookup::new(collection)
    }
}

impl From<String> for WithLookup {
    fn from(collection: String) -> Self {
        WithLookup::new(collection)
    }
}

impl From<&String> for WithLookup {
    fn from(collection: &String) -> Self {
        WithLookup::new(collection.as_str())
    }
}

request!(QueryPointsGroups => Vec<PointGroup>);

/// The request built by [`Client::facet`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// for hit in client.facet("my_collection", "color").limit(10).await? {
///     println!("{:?}: {}", hit.value, hit.count);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct Facet<'a> {
    client: &'a Client,
    request: proto::FacetCounts,
    filter: Option<Filter>,
    call: CallOptions,
}

impl Facet<'_> {
    /// Counts only points matching this filter.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let hits = client
    ///     .facet("my_collection", "color")
    ///     .filter(Filter::must([Condition::matches("color", "red")]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Most values to return (default 10).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let hits = client.facet("my_collection", "color").limit(10).await?;
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.request.limit = Some(limit);
        self
    }

    /// Whether to count exactly (default false: may estimate).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // Exact, not estimated from the index.
    /// let hits = client.facet("my_collection", "color").exact(true).await?;
    /// # Ok(()) }
    /// ```
    pub fn exact(mut self, exact: bool) -> Self {
        self.request.exact = Some(exact);
        self
    }

    /// Read consistency across replicas.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ReadConsistency;
    ///
    /// let hits = client
    ///     .facet("my_collection", "color")
    ///     .read_consistency(ReadConsistency::Majority)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn read_consistency(mut self, consistency: impl Into<ReadConsistency>) -> Self {
        self.request.read_consistency = Some(consistency.into().into());
        self
    }

    /// Counts only in the shards with these keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let hits = client.facet("my_collection", "color").shard_key_selector("tenant_a").await?;
    /// # Ok(()) }
    /// ```
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request.shard_key_selector = Some(selector.into().into());
        self
    }

    async fn send(self) -> Result<Vec<FacetHit>> {
        check_collection_name(&self.request.collection_name, "collection_name")?;
        if self.request.key.is_empty() {
            return Err(Error::invalid_argument("key", "is empty"));
        }
        let mut request = self.request;
        request.filter = self.filter.map(Into::into);
        request.timeout = timeout_secs(self.call.timeout);
        let call = FACET.on(&request.collection_name).options(&self.call);
        let response: proto::FacetResponse = self.client.transport().unary(call, &request).await?;
        FacetHit::from_list(response.hits)
    }
}

request!(Facet => Vec<FacetHit>);

/// The options both search matrix requests have.
struct MatrixOptions {
    request: proto::SearchMatrixPoints,
    filter: Option<Filter>,
}

impl MatrixOptions {
    fn new(collection_name: String) -> Self {
        MatrixOptions {
            request: proto::SearchMatrixPoints {
                collection_name,
                ..Default::default()
            },
            filter: None,
        }
    }

    fn into_proto(self, timeout: Option<Duration>) -> Result<proto::SearchMatrixPoints> {
        check_collection_name(&self.request.collection_name, "collection_name")?;
        let mut request = self.request;
        request.filter = self.filter.map(Into::into);
        request.timeout = timeout_secs(timeout);
        Ok(request)
    }
}

/// The request built by [`Client::search_matrix_pairs`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// // For 100 random points, each one's 5 nearest among them.
/// let pairs = client.search_matrix_pairs("my_collection").sample(100).limit(5).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct SearchMatrixPairs<'a> {
    client: &'a Client,
    options: MatrixOptions,
    call: CallOptions,
}

impl SearchMatrixPairs<'_> {
    /// Samples only points matching this filter.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let pairs = client
    ///     .search_matrix_pairs("my_collection")
    ///     .filter(Filter::must([Condition::matches("color", "red")]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.options.filter = Some(filter.into());
        self
    }

    /// Points to sample (default 10).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // Among 100 random points.
    /// let pairs = client.search_matrix_pairs("my_collection").sample(100).await?;
    /// # Ok(()) }
    /// ```
    pub fn sample(mut self, sample: u64) -> Self {
        self.options.request.sample = Some(sample);
        self
    }

    /// Neighbours per point (default 3).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let pairs = client.search_matrix_pairs("my_collection").limit(10).await?;
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.options.request.limit = Some(limit);
        self
    }

    /// The named vector to compare.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let pairs = client.search_matrix_pairs("my_collection").using("image").await?;
    /// # Ok(()) }
    /// ```
    pub fn using(mut self, vector_name: impl Into<String>) -> Self {
        self.options.request.using = Some(vector_name.into());
        self
    }

    async fn send(self) -> Result<Vec<SearchMatrixPair>> {
        let request = self.options.into_proto(self.call.timeout)?;
        let call = MATRIX_PAIRS.on(&request.collection_name).options(&self.call);
        let response: proto::SearchMatrixPairsResponse =
            self.client.transport().unary(call, &request).await?;
        SearchMatrixPair::from_result(response.result)
    }
}

request!(SearchMatrixPairs => Vec<SearchMatrixPair>);

/// The request built by [`Client::search_matrix_offsets`] (named with a `Request`
/// suffix, as its result type is [`SearchMatrixOffsets`]).
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let matrix = client.search_matrix_offsets("my_collection").sample(100).limit(5).await?;
/// println!("{} ids, {} scores", matrix.ids.len(), matrix.scores.len());
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct SearchMatrixOffsetsRequest<'a> {
    client: &'a Client,
    options: MatrixOptions,
    call: CallOptions,
}

impl SearchMatrixOffsetsRequest<'_> {
    /// Samples only points matching this filter.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// let matrix = client
    ///     .search_matrix_offsets("my_collection")
    ///     .filter(Filter::must([Condition::matches("color", "red")]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.options.filter = Some(filter.into());
        self
    }

    /// Points to sample (default 10).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // Among 100 random points.
    /// let matrix = client.search_matrix_offsets("my_collection").sample(100).await?;
    /// # Ok(()) }
    /// ```
    pub fn sample(mut self, sample: u64) -> Self {
        self.options.request.sample = Some(sample);
        self
    }

    /// Neighbours per point (default 3).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let matrix = client.search_matrix_offsets("my_collection").limit(10).await?;
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.options.request.limit = Some(limit);
        self
    }

    /// The named vector to compare.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let matrix = client.search_matrix_offsets("my_collection").using("image").await?;
    /// # Ok(()) }
    /// ```
    pub fn using(mut self, vector_name: impl Into<String>) -> Self {
        self.options.request.using = Some(vector_name.into());
        self
    }

    async fn send(self) -> Result<SearchMatrixOffsets> {
        let request = self.options.into_proto(self.call.timeout)?;
        let call = MATRIX_OFFSETS.on(&request.collection_name).options(&self.call);
        let response: proto::SearchMatrixOffsetsResponse =
            self.client.transport().unary(call, &request).await?;
        SearchMatrixOffsets::from_result(response.result)
    }
}

request!(SearchMatrixOffsetsRequest => SearchMatrixOffsets);
