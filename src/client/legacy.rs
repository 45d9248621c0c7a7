//! The legacy search APIs: search, recommend and discover, with their batch
//! and group forms. Qdrant's protocol marks these RPCs deprecated in favour
//! of the Query API (`query_points`, `query_batch_points`,
//! `query_points_groups`), which every server this crate supports has; they
//! stay, `#[deprecated]`, because Qdrant still serves them and ported code
//! calls them. Each method's documentation shows its `query_points` form.

#![allow(deprecated)]

use prost::Message;

use super::query::to_u32;
use super::{Client, check_collection_name, request, timeout_secs};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::{CallOptions, Rpc};
use crate::types::{
    Filter, LookupLocation, PayloadSelector, PointGroup, PointId, ReadConsistency, RecommendStrategy,
    ScoredPoint, SearchParams, ShardKeySelector, SparseVector, Vector, VectorsSelector,
};

const SEARCH: Rpc = Rpc::read("/qdrant.Points/Search");
const SEARCH_BATCH: Rpc = Rpc::read("/qdrant.Points/SearchBatch");
const SEARCH_GROUPS: Rpc = Rpc::read("/qdrant.Points/SearchGroups");
const RECOMMEND: Rpc = Rpc::read("/qdrant.Points/Recommend");
const RECOMMEND_BATCH: Rpc = Rpc::read("/qdrant.Points/RecommendBatch");
const RECOMMEND_GROUPS: Rpc = Rpc::read("/qdrant.Points/RecommendGroups");
const DISCOVER: Rpc = Rpc::read("/qdrant.Points/Discover");
const DISCOVER_BATCH: Rpc = Rpc::read("/qdrant.Points/DiscoverBatch");

/// Sends a legacy request, or fails with the first bad argument found
/// when it was built.
async fn send_legacy<R: Message, Resp: Message + Default + Send + 'static>(
    client: &Client,
    rpc: Rpc,
    collection_name: &str,
    request: &R,
    error: Option<Error>,
    options: &CallOptions,
) -> Result<Resp> {
    if let Some(e) = error {
        return Err(e);
    }
    check_collection_name(collection_name, "collection_name")?;
    let call = rpc.on(collection_name).options(options);
    client.transport().unary(call, request).await
}

fn batch(result: Vec<proto::BatchResult>) -> Result<Vec<Vec<ScoredPoint>>> {
    result
        .into_iter()
        .enumerate()
        .map(|(i, r)| ScoredPoint::from_list(r.result, &format!("result[{i}]")))
        .collect()
}

/// The request built by [`Client::search`].
#[must_use = "a request does nothing until it is awaited"]
pub struct Search<'a> {
    client: &'a Client,
    request: proto::SearchPoints,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    call: CallOptions,
}

impl Search<'_> {
    /// Only points matching this filter.
    pub fn filter(mut self, value: impl Into<Filter>) -> Self {
        self.request.filter = Some(value.into().into());
        self
    }

    /// Hits to skip.
    pub fn offset(mut self, value: u64) -> Self {
        self.request.offset = Some(value);
        self
    }

    /// Only hits scoring strictly better than this (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    pub fn score_threshold(mut self, value: f32) -> Self {
        self.request.score_threshold = Some(value);
        self
    }

    /// Which payload to return.
    pub fn with_payload(mut self, value: impl Into<PayloadSelector>) -> Self {
        self.request.with_payload = Some(value.into().into());
        self
    }

    /// Which vectors to return.
    pub fn with_vectors(mut self, value: impl Into<VectorsSelector>) -> Self {
        self.request.with_vectors = Some(value.into().into());
        self
    }

    /// The named vector to search.
    pub fn vector_name(mut self, value: impl Into<String>) -> Self {
        self.request.vector_name = Some(value.into());
        self
    }

    /// Search parameters.
    pub fn params(mut self, value: impl Into<SearchParams>) -> Self {
        self.request.params = Some(value.into().into());
        self
    }

    /// Read consistency across replicas.
    pub fn read_consistency(mut self, value: impl Into<ReadConsistency>) -> Self {
        self.request.read_consistency = Some(value.into().into());
        self
    }

    /// Searches only the shards with these keys.
    pub fn shard_key_selector(mut self, value: impl Into<ShardKeySelector>) -> Self {
        self.request.shard_key_selector = Some(value.into().into());
        self
    }

    async fn send(mut self) -> Result<Vec<ScoredPoint>> {
        self.request.timeout = timeout_secs(self.call.timeout);
        let name = &self.request.collection_name;
        let response: proto::SearchResponse =
            send_legacy(self.client, SEARCH, name, &self.request, self.error, &self.call).await?;
        ScoredPoint::from_list(response.result, "result")
    }
}

request!(Search => Vec<ScoredPoint>);

/// The request built by [`Client::search_batch`].
#[must_use = "a request does nothing until it is awaited"]
pub struct SearchBatch<'a> {
    client: &'a Client,
    request: proto::SearchBatchPoints,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    call: CallOptions,
}

impl SearchBatch<'_> {
    async fn send(mut self) -> Result<Vec<Vec<ScoredPoint>>> {
        self.request.timeout = timeout_secs(self.call.timeout);
        let name = &self.request.collection_name;
        let response: proto::SearchBatchResponse = send_legacy(
            self.client,
            SEARCH_BATCH,
            name,
            &self.request,
            self.error,
            &self.call,
        )
        .await?;
        batch(response.result)
    }
}

request!(SearchBatch => Vec<Vec<ScoredPoint>>);

/// The request built by [`Client::search_groups`].
#[must_use = "a request does nothing until it is awaited"]
pub struct SearchGroups<'a> {
    client: &'a Client,
    request: proto::SearchPointGroups,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    call: CallOptions,
}

impl SearchGroups<'_> {
    /// Only points matching this filter.
    pub fn filter(mut self, value: impl Into<Filter>) -> Self {
        self.request.filter = Some(value.into().into());
        self
    }

    /// Only hits scoring strictly better than this (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    pub fn score_threshold(mut self, value: f32) -> Self {
        self.request.score_threshold = Some(value);
        self
    }

    /// Which payload to return.
    pub fn with_payload(mut self, value: impl Into<PayloadSelector>) -> Self {
        self.request.with_payload = Some(value.into().into());
        self
    }

    /// Which vectors to return.
    pub fn with_vectors(mut self, value: impl Into<VectorsSelector>) -> Self {
        self.request.with_vectors = Some(value.into().into());
        self
    }

    /// The named vector to search.
    pub fn vector_name(mut self, value: impl Into<String>) -> Self {
        self.request.vector_name = Some(value.into());
        self
    }

    /// Search parameters.
    pub fn params(mut self, value: impl Into<SearchParams>) -> Self {
        self.request.params = Some(value.into().into());
        self
    }

    /// Most hits per group (default 3). Qdrant takes at most `u32::MAX`;
    /// more is an error of kind
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when sent.
    pub fn group_size(mut self, size: u64) -> Self {
        match to_u32(size, "group_size") {
            Ok(size) => self.request.group_size = size,
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    async fn send(mut self) -> Result<Vec<PointGroup>> {
        self.request.timeout = timeout_secs(self.call.timeout);
        let name = &self.request.collection_name;
        let response: proto::SearchGroupsResponse = send_legacy(
            self.client,
            SEARCH_GROUPS,
            name,
            &self.request,
            self.error,
            &self.call,
        )
        .await?;
        PointGroup::from_result(response.result)
    }
}

request!(SearchGroups => Vec<PointGroup>);

/// The request built by [`Client::recommend`].
#[must_use = "a request does nothing until it is awaited"]
pub struct Recommend<'a> {
    client: &'a Client,
    request: proto::RecommendPoints,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    call: CallOptions,
}

impl Recommend<'_> {
    /// Only points matching this filter.
    pub fn filter(mut self, value: impl Into<Filter>) -> Self {
        self.request.filter = Some(value.into().into());
        self
    }

    /// Hits to skip.
    pub fn offset(mut self, value: u64) -> Self {
        self.request.offset = Some(value);
        self
    }

    /// Only hits scoring strictly better than this (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    pub fn score_threshold(mut self, value: f32) -> Self {
        self.request.score_threshold = Some(value);
        self
    }

    /// Which payload to return.
    pub fn with_payload(mut self, value: impl Into<PayloadSelector>) -> Self {
        self.request.with_payload = Some(value.into().into());
        self
    }

    /// Which vectors to return.
    pub fn with_vectors(mut self, value: impl Into<VectorsSelector>) -> Self {
        self.request.with_vectors = Some(value.into().into());
        self
    }

    /// The named vector to search.
    pub fn using(mut self, value: impl Into<String>) -> Self {
        self.request.using = Some(value.into());
        self
    }

    /// How the examples combine.
    pub fn strategy(mut self, value: RecommendStrategy) -> Self {
        self.request.strategy = Some(proto::RecommendStrategy::from(value) as i32);
        self
    }

    /// Takes the examples' vectors from another collection.
    pub fn lookup_from(mut self, value: impl Into<LookupLocation>) -> Self {
        self.request.lookup_from = Some(value.into().into());
        self
    }

    /// Search parameters.
    pub fn params(mut self, value: impl Into<SearchParams>) -> Self {
        self.request.params = Some(value.into().into());
        self
    }

    async fn send(mut self) -> Result<Vec<ScoredPoint>> {
        self.request.timeout = timeout_secs(self.call.timeout);
        let name = &self.request.collection_name;
        let response: proto::RecommendResponse = send_legacy(
            self.client,
            RECOMMEND,
            name,
            &self.request,
            self.error,
            &self.call,
        )
        .await?;
        ScoredPoint::from_list(response.result, "result")
    }
}

request!(Recommend => Vec<ScoredPoint>);

/// The request built by [`Client::recommend_batch`].
#[must_use = "a request does nothing until it is awaited"]
pub struct RecommendBatch<'a> {
    client: &'a Client,
    request: proto::RecommendBatchPoints,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    call: CallOptions,
}

impl RecommendBatch<'_> {
    async fn send(mut self) -> Result<Vec<Vec<ScoredPoint>>> {
        self.request.timeout = timeout_secs(self.call.timeout);
        let name = &self.request.collection_name;
        let response: proto::RecommendBatchResponse = send_legacy(
            self.client,
            RECOMMEND_BATCH,
            name,
            &self.request,
            self.error,
            &self.call,
        )
        .await?;
        batch(response.result)
    }
}

request!(RecommendBatch => Vec<Vec<ScoredPoint>>);

/// The request built by [`Client::recommend_groups`].
#[must_use = "a request does nothing until it is awaited"]
pub struct RecommendGroups<'a> {
    client: &'a Client,
    request: proto::RecommendPointGroups,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    call: CallOptions,
}

impl RecommendGroups<'_> {
    /// Only points matching this filter.
    pub fn filter(mut self, value: impl Into<Filter>) -> Self {
        self.request.filter = Some(value.into().into());
        self
    }

    /// Which payload to return.
    pub fn with_payload(mut self, value: impl Into<PayloadSelector>) -> Self {
        self.request.with_payload = Some(value.into().into());
        self
    }

    /// The named vector to search.
    pub fn using(mut self, value: impl Into<String>) -> Self {
        self.request.using = Some(value.into());
        self
    }

    /// How the examples combine.
    pub fn strategy(mut self, value: RecommendStrategy) -> Self {
        self.request.strategy = Some(proto::RecommendStrategy::from(value) as i32);
        self
    }

    /// Most hits per group (default 3). Qdrant takes at most `u32::MAX`;
    /// more is an error of kind
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when sent.
    pub fn group_size(mut self, size: u64) -> Self {
        match to_u32(size, "group_size") {
            Ok(size) => self.request.group_size = size,
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    async fn send(mut self) -> Result<Vec<PointGroup>> {
        self.request.timeout = timeout_secs(self.call.timeout);
        let name = &self.request.collection_name;
        let response: proto::RecommendGroupsResponse = send_legacy(
            self.client,
            RECOMMEND_GROUPS,
            name,
            &self.request,
            self.error,
            &self.call,
        )
        .await?;
        PointGroup::from_result(response.result)
    }
}

request!(RecommendGroups => Vec<PointGroup>);

/// The request built by [`Client::discover`].
#[must_use = "a request does nothing until it is awaited"]
pub struct Discover<'a> {
    client: &'a Client,
    request: proto::DiscoverPoints,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    call: CallOptions,
}

impl Discover<'_> {
    /// Only points matching this filter.
    pub fn filter(mut self, value: impl Into<Filter>) -> Self {
        self.request.filter = Some(value.into().into());
        self
    }

    /// Hits to skip.
    pub fn offset(mut self, value: u64) -> Self {
        self.request.offset = Some(value);
        self
    }

    /// Which payload to return.
    pub fn with_payload(mut self, value: impl Into<PayloadSelector>) -> Self {
        self.request.with_payload = Some(value.into().into());
        self
    }

    /// Which vectors to return.
    pub fn with_vectors(mut self, value: impl Into<VectorsSelector>) -> Self {
        self.request.with_vectors = Some(value.into().into());
        self
    }

    /// The named vector to search.
    pub fn using(mut self, value: impl Into<String>) -> Self {
        self.request.using = Some(value.into());
        self
    }

    /// Takes the examples' vectors from another collection.
    pub fn lookup_from(mut self, value: impl Into<LookupLocation>) -> Self {
        self.request.lookup_from = Some(value.into().into());
        self
    }

    async fn send(mut self) -> Result<Vec<ScoredPoint>> {
        self.request.timeout = timeout_secs(self.call.timeout);
        let name = &self.request.collection_name;
        let response: proto::DiscoverResponse =
            send_legacy(self.client, DISCOVER, name, &self.request, self.error, &self.call).await?;
        ScoredPoint::from_list(response.result, "result")
    }
}

request!(Discover => Vec<ScoredPoint>);

/// The request built by [`Client::discover_batch`].
#[must_use = "a request does nothing until it is awaited"]
pub struct DiscoverBatch<'a> {
    client: &'a Client,
    request: proto::DiscoverBatchPoints,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    call: CallOptions,
}

impl DiscoverBatch<'_> {
    async fn send(mut self) -> Result<Vec<Vec<ScoredPoint>>> {
        self.request.timeout = timeout_secs(self.call.timeout);
        let name = &self.request.collection_name;
        let response: proto::DiscoverBatchResponse = send_legacy(
            self.client,
            DISCOVER_BATCH,
            name,
            &self.request,
            self.error,
            &self.call,
        )
        .await?;
        batch(response.result)
    }
}

request!(DiscoverBatch => Vec<Vec<ScoredPoint>>);

/// A legacy example: a point id or a vector.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Example {
    /// A point's vector, by id.
    Id(PointId),
    /// A vector.
    Vector(Vector),
}

impl<T: Into<PointId>> From<T> for Example {
    fn from(id: T) -> Self {
        Example::Id(id.into())
    }
}

impl From<Vector> for Example {
    fn from(v: Vector) -> Self {
        Example::Vector(v)
    }
}

impl Example {
    fn into_proto(self, argument: &str) -> Result<proto::VectorExample> {
        use proto::vector_example::Example as E;
        Ok(proto::VectorExample {
            example: Some(match self {
                Example::Id(id) => {
                    id.check(&|| argument.to_owned())?;
                    E::Id(id.to_proto())
                }
                Example::Vector(v) => {
                    v.check(&|| argument.to_owned())?;
                    E::Vector(v.into_proto())
                }
            }),
        })
    }
}

/// Splits examples into ids and vectors, as the recommend messages hold them.
fn examples(list: Vec<Example>, argument: &str) -> Result<(Vec<proto::PointId>, Vec<proto::Vector>)> {
    let mut ids = Vec::new();
    let mut vectors = Vec::new();
    for (i, e) in list.into_iter().enumerate() {
        match e.into_proto(&format!("{argument}[{i}]"))?.example {
            Some(proto::vector_example::Example::Id(id)) => ids.push(id),
            Some(proto::vector_example::Example::Vector(v)) => vectors.push(v),
            None => {}
        }
    }
    Ok((ids, vectors))
}

fn search_vector(vector: Vector) -> Result<(Vec<f32>, Option<proto::SparseIndices>)> {
    vector.check(&|| "vector".to_owned())?;
    match vector {
        Vector::Dense(d) => Ok((d, None)),
        Vector::Sparse(SparseVector { indices, values, .. }) => {
            Ok((values, Some(proto::SparseIndices { data: indices })))
        }
        _ => Err(Error::invalid_argument(
            "vector",
            "legacy search takes a dense or sparse vector; use query_points",
        )),
    }
}

impl Client {
    /// Legacy nearest-neighbour search by a dense or sparse vector.
    ///
    /// `.await` returns the hits, best first.
    ///
    /// Replaced by [`query_points`](Client::query_points) with the vector as
    /// the query: `search(c, vector, limit)` is
    /// `query_points(c, vector).limit(limit)`, and `.vector_name(name)` is
    /// `.using(name)`. `filter`, `offset`, `score_threshold`,
    /// `with_payload`, `with_vectors`, `params`, `read_consistency` and
    /// `shard_key_selector` keep their names.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// // Legacy:
    /// let hits = client
    ///     .search("my_collection", [0.9, 0.1, 0.1, 0.5], 3)
    ///     .vector_name("image")
    ///     .await?;
    /// // The same with query_points:
    /// let hits = client
    ///     .query_points("my_collection", [0.9, 0.1, 0.1, 0.5])
    ///     .limit(3)
    ///     .using("image")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(
        note = "use `query_points(collection, vector).limit(limit)`: Qdrant deprecates the Search RPC"
    )]
    pub fn search(
        &self,
        collection_name: impl Into<String>,
        vector: impl Into<Vector>,
        limit: u64,
    ) -> Search<'_> {
        let (request, error) = search_points(collection_name.into(), vector.into(), limit);
        Search {
            client: self,
            request,
            error,
            call: CallOptions::default(),
        }
    }

    /// Legacy batch of searches: `(vector, limit)` each.
    ///
    /// `.await` returns each search's hits, in order.
    ///
    /// Replaced by [`query_batch_points`](Client::query_batch_points), one
    /// [`QueryRequest`](crate::QueryRequest) per search: `(vector, limit)`
    /// is `QueryRequest::new(vector).limit(limit)`, which also takes the
    /// per-search options (`filter`, `using`, ...) that this form cannot.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::QueryRequest;
    ///
    /// // Legacy:
    /// let results = client
    ///     .search_batch("my_collection", [(vec![0.9, 0.1, 0.1, 0.5], 3), (vec![0.1, 0.9, 0.1, 0.5], 3)])
    ///     .await?;
    /// // The same with query_batch_points:
    /// let results = client
    ///     .query_batch_points("my_collection", [
    ///         QueryRequest::new([0.9, 0.1, 0.1, 0.5]).limit(3),
    ///         QueryRequest::new([0.1, 0.9, 0.1, 0.5]).limit(3),
    ///     ])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(
        note = "use `query_batch_points` with `QueryRequest::new(vector).limit(limit)`: Qdrant deprecates the SearchBatch RPC"
    )]
    pub fn search_batch<V: Into<Vector>>(
        &self,
        collection_name: impl Into<String>,
        searches: impl IntoIterator<Item = (V, u64)>,
    ) -> SearchBatch<'_> {
        let collection_name = collection_name.into();
        let mut error = None;
        let search_points = searches
            .into_iter()
            .map(|(v, limit)| {
                let (r, e) = search_points(collection_name.clone(), v.into(), limit);
                error = error.take().or(e);
                r
            })
            .collect();
        SearchBatch {
            client: self,
            request: proto::SearchBatchPoints {
                collection_name,
                search_points,
                ..Default::default()
            },
            error,
            call: CallOptions::default(),
        }
    }

    /// Legacy search, grouped by a payload key.
    ///
    /// `.await` returns the groups.
    ///
    /// Replaced by [`query_points_groups`](Client::query_points_groups),
    /// whose `group_by` comes before the query:
    /// `search_groups(c, vector, group_by, limit)` is
    /// `query_points_groups(c, group_by, vector).limit(limit)`;
    /// `.vector_name(name)` is `.using(name)`, and `group_size` keeps its
    /// name.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// // Legacy:
    /// let groups = client
    ///     .search_groups("my_collection", [0.9, 0.1, 0.1, 0.5], "document_id", 5)
    ///     .group_size(2)
    ///     .await?;
    /// // The same with query_points_groups:
    /// let groups = client
    ///     .query_points_groups("my_collection", "document_id", [0.9, 0.1, 0.1, 0.5])
    ///     .limit(5)
    ///     .group_size(2)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(
        note = "use `query_points_groups(collection, group_by, vector).limit(limit)`: Qdrant deprecates the SearchGroups RPC"
    )]
    pub fn search_groups(
        &self,
        collection_name: impl Into<String>,
        vector: impl Into<Vector>,
        group_by: impl Into<String>,
        limit: u64,
    ) -> SearchGroups<'_> {
        let (vector, sparse_indices, error) = match search_vector(vector.into()) {
            Ok((v, s)) => (v, s, None),
            Err(e) => (Vec::new(), None, Some(e)),
        };
        let (limit, error) = match to_u32(limit, "limit") {
            Ok(limit) => (limit, error),
            Err(e) => (0, error.or(Some(e))),
        };
        let request = proto::SearchPointGroups {
            collection_name: collection_name.into(),
            vector,
            sparse_indices,
            group_by: group_by.into(),
            limit,
            group_size: 3,
            with_payload: Some(PayloadSelector::from(true).into()),
            ..Default::default()
        };
        SearchGroups {
            client: self,
            request,
            error,
            call: CallOptions::default(),
        }
    }

    /// Legacy recommendation by positive and negative examples (ids or vectors).
    ///
    /// `.await` returns the hits, best first.
    ///
    /// Replaced by [`query_points`](Client::query_points) with
    /// [`Query::recommend`](crate::Query::recommend):
    /// `recommend(c, positive, negative, limit)` is
    /// `query_points(c, Query::recommend(positive, negative)).limit(limit)`;
    /// `.strategy(s)` moves onto the query
    /// (`Query::recommend(..).strategy(s)`); `using`, `lookup_from`,
    /// `filter` and the other options keep their names.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::{Query, RecommendStrategy};
    ///
    /// // Legacy:
    /// let hits = client
    ///     .recommend("my_collection", [1, 2], [3], 5)
    ///     .strategy(RecommendStrategy::BestScore)
    ///     .await?;
    /// // The same with query_points:
    /// let hits = client
    ///     .query_points("my_collection", Query::recommend([1, 2], [3]).strategy(RecommendStrategy::BestScore))
    ///     .limit(5)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(
        note = "use `query_points(collection, Query::recommend(positive, negative)).limit(limit)`: Qdrant deprecates the Recommend RPC"
    )]
    pub fn recommend<P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        positive: impl IntoIterator<Item = P>,
        negative: impl IntoIterator<Item = N>,
        limit: u64,
    ) -> Recommend<'_> {
        let (request, error) = recommend_points(collection_name.into(), positive, negative, limit);
        Recommend {
            client: self,
            request,
            error,
            call: CallOptions::default(),
        }
    }

    /// Legacy batch of recommendations: `(positive, negative, limit)` each.
    ///
    /// `.await` returns each recommendation's hits, in order.
    ///
    /// Replaced by [`query_batch_points`](Client::query_batch_points):
    /// `(positive, negative, limit)` is
    /// `QueryRequest::new(Query::recommend(positive, negative)).limit(limit)`.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::{Query, QueryRequest};
    ///
    /// // Legacy:
    /// let results = client.recommend_batch("my_collection", [(vec![1u64], vec![2u64], 5)]).await?;
    /// // The same with query_batch_points:
    /// let results = client
    ///     .query_batch_points("my_collection", [QueryRequest::new(Query::recommend([1], [2])).limit(5)])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(
        note = "use `query_batch_points` with `QueryRequest::new(Query::recommend(positive, negative)).limit(limit)`: Qdrant deprecates the RecommendBatch RPC"
    )]
    pub fn recommend_batch<P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        recommends: impl IntoIterator<Item = (Vec<P>, Vec<N>, u64)>,
    ) -> RecommendBatch<'_> {
        let collection_name = collection_name.into();
        let mut error = None;
        let recommend_points = recommends
            .into_iter()
            .map(|(p, n, limit)| {
                let (r, e) = recommend_points(collection_name.clone(), p, n, limit);
                error = error.take().or(e);
                r
            })
            .collect();
        RecommendBatch {
            client: self,
            request: proto::RecommendBatchPoints {
                collection_name,
                recommend_points,
                ..Default::default()
            },
            error,
            call: CallOptions::default(),
        }
    }

    /// Legacy recommendation, grouped by a payload key. The arguments are
    /// in the order of Python's `recommend_groups`.
    ///
    /// `.await` returns the groups.
    ///
    /// Replaced by [`query_points_groups`](Client::query_points_groups)
    /// with [`Query::recommend`](crate::Query::recommend):
    /// `recommend_groups(c, group_by, positive, negative, limit)` is
    /// `query_points_groups(c, group_by, Query::recommend(positive, negative)).limit(limit)`;
    /// `.strategy(s)` moves onto the query.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// // Legacy:
    /// let groups = client
    ///     .recommend_groups("my_collection", "document_id", [1], Vec::<u64>::new(), 5)
    ///     .group_size(2)
    ///     .await?;
    /// // The same with query_points_groups:
    /// let groups = client
    ///     .query_points_groups("my_collection", "document_id", Query::recommend([1], Vec::<u64>::new()))
    ///     .limit(5)
    ///     .group_size(2)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(
        note = "use `query_points_groups(collection, group_by, Query::recommend(positive, negative)).limit(limit)`: Qdrant deprecates the RecommendGroups RPC"
    )]
    pub fn recommend_groups<P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        group_by: impl Into<String>,
        positive: impl IntoIterator<Item = P>,
        negative: impl IntoIterator<Item = N>,
        limit: u64,
    ) -> RecommendGroups<'_> {
        let (r, error) = recommend_points(collection_name.into(), positive, negative, limit);
        let (limit, error) = match to_u32(limit, "limit") {
            Ok(limit) => (limit, error),
            Err(e) => (0, error.or(Some(e))),
        };
        let request = proto::RecommendPointGroups {
            collection_name: r.collection_name,
            positive: r.positive,
            negative: r.negative,
            positive_vectors: r.positive_vectors,
            negative_vectors: r.negative_vectors,
            group_by: group_by.into(),
            limit,
            group_size: 3,
            with_payload: r.with_payload,
            ..Default::default()
        };
        RecommendGroups {
            client: self,
            request,
            error,
            call: CallOptions::default(),
        }
    }

    /// Legacy discovery: points near `target` in the region the context
    /// pairs point to.
    ///
    /// `.await` returns the hits, best first.
    ///
    /// Replaced by [`query_points`](Client::query_points) with
    /// [`Query::discover`](crate::Query::discover):
    /// `discover(c, target, context, limit)` is
    /// `query_points(c, Query::discover(target, context)).limit(limit)`;
    /// `using`, `lookup_from`, `filter` and the other options keep their
    /// names.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// // Legacy:
    /// let hits = client.discover("my_collection", 1, [(2, 3)], 5).await?;
    /// // The same with query_points:
    /// let hits = client.query_points("my_collection", Query::discover(1, [(2, 3)])).limit(5).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(
        note = "use `query_points(collection, Query::discover(target, context)).limit(limit)`: Qdrant deprecates the Discover RPC"
    )]
    pub fn discover<P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        target: impl Into<Example>,
        context: impl IntoIterator<Item = (P, N)>,
        limit: u64,
    ) -> Discover<'_> {
        let (request, error) = discover_points(collection_name.into(), target.into(), context, limit);
        Discover {
            client: self,
            request,
            error,
            call: CallOptions::default(),
        }
    }

    /// Legacy batch of discoveries: `(target, context, limit)` each.
    ///
    /// `.await` returns each discovery's hits, in order.
    ///
    /// Replaced by [`query_batch_points`](Client::query_batch_points):
    /// `(target, context, limit)` is
    /// `QueryRequest::new(Query::discover(target, context)).limit(limit)`.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::{Query, QueryRequest};
    ///
    /// // Legacy:
    /// let results = client.discover_batch("my_collection", [(1u64, vec![(2u64, 3u64)], 5)]).await?;
    /// // The same with query_batch_points:
    /// let results = client
    ///     .query_batch_points("my_collection", [QueryRequest::new(Query::discover(1, [(2, 3)])).limit(5)])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(
        note = "use `query_batch_points` with `QueryRequest::new(Query::discover(target, context)).limit(limit)`: Qdrant deprecates the DiscoverBatch RPC"
    )]
    pub fn discover_batch<T: Into<Example>, P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        discovers: impl IntoIterator<Item = (T, Vec<(P, N)>, u64)>,
    ) -> DiscoverBatch<'_> {
        let collection_name = collection_name.into();
        let mut error = None;
        let discover_points = discovers
            .into_iter()
            .map(|(t, c, limit)| {
                let (r, e) = discover_points(collection_name.clone(), t.into(), c, limit);
                error = error.take().or(e);
                r
            })
            .collect();
        DiscoverBatch {
            client: self,
            request: proto::DiscoverBatchPoints {
                collection_name,
                discover_points,
                ..Default::default()
            },
            error,
            call: CallOptions::default(),
        }
    }
}

fn search_points(
    collection_name: String,
    vector: Vector,
    limit: u64,
) -> (proto::SearchPoints, Option<Error>) {
    let (vector, sparse_indices, error) = match search_vector(vector) {
        Ok((v, s)) => (v, s, None),
        Err(e) => (Vec::new(), None, Some(e)),
    };
    let request = proto::SearchPoints {
        collection_name,
        vector,
        sparse_indices,
        limit,
        with_payload: Some(PayloadSelector::from(true).into()),
        ..Default::default()
    };
    (request, error)
}

fn recommend_points<P: Into<Example>, N: Into<Example>>(
    collection_name: String,
    positive: impl IntoIterator<Item = P>,
    negative: impl IntoIterator<Item = N>,
    limit: u64,
) -> (proto::RecommendPoints, Option<Error>) {
    let pos = examples(positive.into_iter().map(Into::into).collect(), "positive");
    let neg = examples(negative.into_iter().map(Into::into).collect(), "negative");
    let (error, (positive, positive_vectors), (negative, negative_vectors)) = match (pos, neg) {
        (Ok(p), Ok(n)) => (None, p, n),
        (Err(e), _) | (_, Err(e)) => (Some(e), Default::default(), Default::default()),
    };
    let request = proto::RecommendPoints {
        collection_name,
        positive,
        negative,
        positive_vectors,
        negative_vectors,
        limit,
        with_payload: Some(PayloadSelector::from(true).into()),
        ..Default::default()
    };
    (request, error)
}

fn discover_points<P: Into<Example>, N: Into<Example>>(
    collection_name: String,
    target: Example,
    context: impl IntoIterator<Item = (P, N)>,
    limit: u64,
) -> (proto::DiscoverPoints, Option<Error>) {
    let build = || -> Result<(proto::VectorExample, Vec<proto::ContextExamplePair>)> {
        let target = target.into_proto("target")?;
        let pairs = context
            .into_iter()
            .enumerate()
            .map(|(i, (p, n))| {
                Ok(proto::ContextExamplePair {
                    positive: Some(p.into().into_proto(&format!("context[{i}].positive"))?),
                    negative: Some(n.into().into_proto(&format!("context[{i}].negative"))?),
                })
            })
            .collect::<Result<_>>()?;
        Ok((target, pairs))
    };
    let (target, context, error) = match build() {
        Ok((t, c)) => (Some(t), c, None),
        Err(e) => (None, Vec::new(), Some(e)),
    };
    let request = proto::DiscoverPoints {
        collection_name,
        target: target.map(|t| proto::TargetVector {
            target: Some(proto::target_vector::Target::Single(t)),
        }),
        context,
        limit,
        with_payload: Some(PayloadSelector::from(true).into()),
        ..Default::default()
    };
    (request, error)
}
