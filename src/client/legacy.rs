//! The legacy search APIs: search, recommend and discover, with their batch
//! and group forms. Qdrant deprecates them in favour of `query_points`;
//! they stay for servers older than the Query API and for ported code.

#![allow(deprecated)]

use std::time::Duration;

use prost::Message;

use super::{Client, check_collection_name, timeout_secs};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::Rpc;
use crate::types::{
    Filter, LookupLocation, PayloadSelector, PointGroup, PointId, ReadConsistency, RecommendStrategy,
    ScoredPoint, SearchParams, ShardKeySelector, SparseVector, Vector, VectorsSelector,
};

/// A legacy request: its message, the RPC, and how to read the answer.
#[must_use = "a request does nothing until it is awaited"]
pub struct LegacyRequest<'a, R> {
    client: &'a Client,
    request: R,
    error: Option<Error>,
    timeout: Option<Duration>,
}

/// A legacy request message, and what its response gives back.
pub trait LegacyCall: Message + Send + Sized + 'static {
    /// What `.await` returns.
    type Output;
    #[doc(hidden)]
    type Response: Message + Default + Send + 'static;
    #[doc(hidden)]
    const PATH: &'static str;
    #[doc(hidden)]
    fn collection_name(&self) -> &str;
    #[doc(hidden)]
    fn set_timeout(&mut self, timeout: Option<u64>);
    #[doc(hidden)]
    fn output(response: Self::Response) -> Result<Self::Output>;
}

macro_rules! legacy_call {
    ($req:ident, $resp:ident, $path:literal, $out:ty, |$r:ident| $conv:expr) => {
        impl LegacyCall for proto::$req {
            type Output = $out;
            type Response = proto::$resp;
            const PATH: &'static str = $path;
            fn collection_name(&self) -> &str {
                &self.collection_name
            }
            fn set_timeout(&mut self, timeout: Option<u64>) {
                self.timeout = timeout;
            }
            fn output($r: proto::$resp) -> Result<$out> {
                $conv
            }
        }
    };
}

fn batch(result: Vec<proto::BatchResult>) -> Result<Vec<Vec<ScoredPoint>>> {
    result
        .into_iter()
        .enumerate()
        .map(|(i, r)| ScoredPoint::from_list(r.result, &format!("result[{i}]")))
        .collect()
}

legacy_call!(
    SearchPoints,
    SearchResponse,
    "/qdrant.Points/Search",
    Vec<ScoredPoint>,
    |r| ScoredPoint::from_list(r.result, "result")
);
legacy_call!(
    SearchBatchPoints,
    SearchBatchResponse,
    "/qdrant.Points/SearchBatch",
    Vec<Vec<ScoredPoint>>,
    |r| batch(r.result)
);
legacy_call!(
    SearchPointGroups,
    SearchGroupsResponse,
    "/qdrant.Points/SearchGroups",
    Vec<PointGroup>,
    |r| PointGroup::from_result(r.result)
);
legacy_call!(
    RecommendPoints,
    RecommendResponse,
    "/qdrant.Points/Recommend",
    Vec<ScoredPoint>,
    |r| ScoredPoint::from_list(r.result, "result")
);
legacy_call!(
    RecommendBatchPoints,
    RecommendBatchResponse,
    "/qdrant.Points/RecommendBatch",
    Vec<Vec<ScoredPoint>>,
    |r| batch(r.result)
);
legacy_call!(
    RecommendPointGroups,
    RecommendGroupsResponse,
    "/qdrant.Points/RecommendGroups",
    Vec<PointGroup>,
    |r| PointGroup::from_result(r.result)
);
legacy_call!(
    DiscoverPoints,
    DiscoverResponse,
    "/qdrant.Points/Discover",
    Vec<ScoredPoint>,
    |r| ScoredPoint::from_list(r.result, "result")
);
legacy_call!(
    DiscoverBatchPoints,
    DiscoverBatchResponse,
    "/qdrant.Points/DiscoverBatch",
    Vec<Vec<ScoredPoint>>,
    |r| batch(r.result)
);

impl<'a, R: LegacyCall> LegacyRequest<'a, R> {
    fn new(client: &'a Client, request: R) -> Self {
        LegacyRequest {
            client,
            request,
            error: None,
            timeout: None,
        }
    }

    fn fail(mut self, error: Option<Error>) -> Self {
        if let Some(e) = error {
            self.error.get_or_insert(e);
        }
        self
    }

    /// Deadline for this call, overriding the client's default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    async fn send(self) -> Result<R::Output> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut request = self.request;
        check_collection_name(request.collection_name(), "collection_name")?;
        request.set_timeout(timeout_secs(self.timeout));
        let call = Rpc::read(R::PATH)
            .on(request.collection_name())
            .timeout(self.timeout);
        let response: R::Response = self.client.transport().unary(call, &request).await?;
        R::output(response)
    }
}

impl<'a, R: LegacyCall> std::future::IntoFuture for LegacyRequest<'a, R> {
    type Output = Result<R::Output>;
    type IntoFuture = futures_util::future::BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Setters that write one field of the request, converting the argument.
macro_rules! setters {
    ($req:ident { $( $(#[$doc:meta])* $name:ident($arg:ty) => |$r:ident, $v:ident| $body:expr; )* }) => {
        impl LegacyRequest<'_, proto::$req> {
            $(
                $(#[$doc])*
                pub fn $name(mut self, $v: $arg) -> Self {
                    let $r = &mut self.request;
                    $body;
                    self
                }
            )*
        }
    };
}

setters!(SearchPoints {
    /// Only points matching this filter.
    filter(impl Into<Filter>) => |r, v| r.filter = Some(v.into().into());
    /// Hits to skip.
    offset(u64) => |r, v| r.offset = Some(v);
    /// Only hits scoring strictly better than this (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    score_threshold(f32) => |r, v| r.score_threshold = Some(v);
    /// Which payload to return.
    with_payload(impl Into<PayloadSelector>) => |r, v| r.with_payload = Some(v.into().into());
    /// Which vectors to return.
    with_vectors(impl Into<VectorsSelector>) => |r, v| r.with_vectors = Some(v.into().into());
    /// The named vector to search.
    vector_name(impl Into<String>) => |r, v| r.vector_name = Some(v.into());
    /// Search parameters.
    params(impl Into<SearchParams>) => |r, v| r.params = Some(v.into().into());
    /// Read consistency across replicas.
    read_consistency(impl Into<ReadConsistency>) => |r, v| r.read_consistency = Some(v.into().into());
    /// Searches only the shards with these keys.
    shard_key_selector(impl Into<ShardKeySelector>) => |r, v| r.shard_key_selector = Some(v.into().into());
});

setters!(SearchPointGroups {
    /// Only points matching this filter.
    filter(impl Into<Filter>) => |r, v| r.filter = Some(v.into().into());
    /// Only hits scoring strictly better than this (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    score_threshold(f32) => |r, v| r.score_threshold = Some(v);
    /// Which payload to return.
    with_payload(impl Into<PayloadSelector>) => |r, v| r.with_payload = Some(v.into().into());
    /// Which vectors to return.
    with_vectors(impl Into<VectorsSelector>) => |r, v| r.with_vectors = Some(v.into().into());
    /// The named vector to search.
    vector_name(impl Into<String>) => |r, v| r.vector_name = Some(v.into());
    /// Search parameters.
    params(impl Into<SearchParams>) => |r, v| r.params = Some(v.into().into());
    /// Hits per group.
    group_size(u32) => |r, v| r.group_size = v;
});

setters!(RecommendPoints {
    /// Only points matching this filter.
    filter(impl Into<Filter>) => |r, v| r.filter = Some(v.into().into());
    /// Hits to skip.
    offset(u64) => |r, v| r.offset = Some(v);
    /// Only hits scoring strictly better than this (for Euclid and
    /// Manhattan: strictly below this distance), as Qdrant keeps them.
    score_threshold(f32) => |r, v| r.score_threshold = Some(v);
    /// Which payload to return.
    with_payload(impl Into<PayloadSelector>) => |r, v| r.with_payload = Some(v.into().into());
    /// Which vectors to return.
    with_vectors(impl Into<VectorsSelector>) => |r, v| r.with_vectors = Some(v.into().into());
    /// The named vector to search.
    using(impl Into<String>) => |r, v| r.using = Some(v.into());
    /// How the examples combine.
    strategy(RecommendStrategy) => |r, v| r.strategy = Some(proto::RecommendStrategy::from(v) as i32);
    /// Takes the examples' vectors from another collection.
    lookup_from(impl Into<LookupLocation>) => |r, v| r.lookup_from = Some(v.into().into());
    /// Search parameters.
    params(impl Into<SearchParams>) => |r, v| r.params = Some(v.into().into());
});

setters!(RecommendPointGroups {
    /// Only points matching this filter.
    filter(impl Into<Filter>) => |r, v| r.filter = Some(v.into().into());
    /// Which payload to return.
    with_payload(impl Into<PayloadSelector>) => |r, v| r.with_payload = Some(v.into().into());
    /// The named vector to search.
    using(impl Into<String>) => |r, v| r.using = Some(v.into());
    /// How the examples combine.
    strategy(RecommendStrategy) => |r, v| r.strategy = Some(proto::RecommendStrategy::from(v) as i32);
    /// Hits per group.
    group_size(u32) => |r, v| r.group_size = v;
});

setters!(DiscoverPoints {
    /// Only points matching this filter.
    filter(impl Into<Filter>) => |r, v| r.filter = Some(v.into().into());
    /// Hits to skip.
    offset(u64) => |r, v| r.offset = Some(v);
    /// Which payload to return.
    with_payload(impl Into<PayloadSelector>) => |r, v| r.with_payload = Some(v.into().into());
    /// Which vectors to return.
    with_vectors(impl Into<VectorsSelector>) => |r, v| r.with_vectors = Some(v.into().into());
    /// The named vector to search.
    using(impl Into<String>) => |r, v| r.using = Some(v.into());
    /// Takes the examples' vectors from another collection.
    lookup_from(impl Into<LookupLocation>) => |r, v| r.lookup_from = Some(v.into().into());
});

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
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let hits = client.search("my_collection", [0.9, 0.1, 0.1, 0.5], 3).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(note = "use `query_points`, as Qdrant deprecates the Search RPC")]
    pub fn search(
        &self,
        collection_name: impl Into<String>,
        vector: impl Into<Vector>,
        limit: u64,
    ) -> LegacyRequest<'_, proto::SearchPoints> {
        let (request, error) = search_points(collection_name.into(), vector.into(), limit);
        LegacyRequest::new(self, request).fail(error)
    }

    /// Legacy batch of searches.
    ///
    /// `.await` returns each search's hits, in order.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let results = client.search_batch("my_collection", [(vec![0.9, 0.1, 0.1, 0.5], 3)]).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(note = "use `query_batch_points`, as Qdrant deprecates the SearchBatch RPC")]
    pub fn search_batch<V: Into<Vector>>(
        &self,
        collection_name: impl Into<String>,
        searches: impl IntoIterator<Item = (V, u64)>,
    ) -> LegacyRequest<'_, proto::SearchBatchPoints> {
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
        LegacyRequest::new(
            self,
            proto::SearchBatchPoints {
                collection_name,
                search_points,
                ..Default::default()
            },
        )
        .fail(error)
    }

    /// Legacy search, grouped by a payload key.
    ///
    /// `.await` returns the groups.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let groups = client.search_groups("my_collection", [0.9, 0.1, 0.1, 0.5], "document_id", 5).group_size(2).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(note = "use `query_points_groups`, as Qdrant deprecates the SearchGroups RPC")]
    pub fn search_groups(
        &self,
        collection_name: impl Into<String>,
        vector: impl Into<Vector>,
        group_by: impl Into<String>,
        limit: u32,
    ) -> LegacyRequest<'_, proto::SearchPointGroups> {
        let (vector, sparse_indices, error) = match search_vector(vector.into()) {
            Ok((v, s)) => (v, s, None),
            Err(e) => (Vec::new(), None, Some(e)),
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
        LegacyRequest::new(self, request).fail(error)
    }

    /// Legacy recommendation by positive and negative examples (ids or vectors).
    ///
    /// `.await` returns the hits, best first.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let hits = client.recommend("my_collection", [1, 2], [3], 5).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(note = "use `query_points` with `Query::recommend`, as Qdrant deprecates the Recommend RPC")]
    pub fn recommend<P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        positive: impl IntoIterator<Item = P>,
        negative: impl IntoIterator<Item = N>,
        limit: u64,
    ) -> LegacyRequest<'_, proto::RecommendPoints> {
        let (request, error) = recommend_points(collection_name.into(), positive, negative, limit);
        LegacyRequest::new(self, request).fail(error)
    }

    /// Legacy batch of recommendations: `(positive, negative, limit)` each.
    ///
    /// `.await` returns each recommendation's hits, in order.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let results = client.recommend_batch("my_collection", [(vec![1u64], vec![2u64], 5)]).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(note = "use `query_batch_points`, as Qdrant deprecates the RecommendBatch RPC")]
    pub fn recommend_batch<P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        recommends: impl IntoIterator<Item = (Vec<P>, Vec<N>, u64)>,
    ) -> LegacyRequest<'_, proto::RecommendBatchPoints> {
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
        LegacyRequest::new(
            self,
            proto::RecommendBatchPoints {
                collection_name,
                recommend_points,
                ..Default::default()
            },
        )
        .fail(error)
    }

    /// Legacy recommendation, grouped by a payload key.
    ///
    /// `.await` returns the groups.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let groups = client.recommend_groups("my_collection", [1], Vec::<u64>::new(), "document_id", 5).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(note = "use `query_points_groups`, as Qdrant deprecates the RecommendGroups RPC")]
    pub fn recommend_groups<P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        positive: impl IntoIterator<Item = P>,
        negative: impl IntoIterator<Item = N>,
        group_by: impl Into<String>,
        limit: u32,
    ) -> LegacyRequest<'_, proto::RecommendPointGroups> {
        let (r, error) = recommend_points(collection_name.into(), positive, negative, u64::from(limit));
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
        LegacyRequest::new(self, request).fail(error)
    }

    /// Legacy discovery: points near `target` in the region the context
    /// pairs point to.
    ///
    /// `.await` returns the hits, best first.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let hits = client.discover("my_collection", 1, [(2, 3)], 5).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(note = "use `query_points` with `Query::discover`, as Qdrant deprecates the Discover RPC")]
    pub fn discover<P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        target: impl Into<Example>,
        context: impl IntoIterator<Item = (P, N)>,
        limit: u64,
    ) -> LegacyRequest<'_, proto::DiscoverPoints> {
        let (request, error) = discover_points(collection_name.into(), target.into(), context, limit);
        LegacyRequest::new(self, request).fail(error)
    }

    /// Legacy batch of discoveries: `(target, context, limit)` each.
    ///
    /// `.await` returns each discovery's hits, in order.
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let results = client.discover_batch("my_collection", [(1u64, vec![(2u64, 3u64)], 5)]).await?;
    /// # Ok(()) }
    /// ```
    #[deprecated(note = "use `query_batch_points`, as Qdrant deprecates the DiscoverBatch RPC")]
    pub fn discover_batch<T: Into<Example>, P: Into<Example>, N: Into<Example>>(
        &self,
        collection_name: impl Into<String>,
        discovers: impl IntoIterator<Item = (T, Vec<(P, N)>, u64)>,
    ) -> LegacyRequest<'_, proto::DiscoverBatchPoints> {
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
        LegacyRequest::new(
            self,
            proto::DiscoverBatchPoints {
                collection_name,
                discover_points,
                ..Default::default()
            },
        )
        .fail(error)
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
