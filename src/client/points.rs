//! Writes: upsert, delete, payloads, vectors, payload indexes, batches.

use std::time::Duration;

use prost::Message;

use super::{Client, check_collection_name, request, timeout_secs};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::Rpc;
use crate::types::{
    FieldType, Filter, IntoPayload, PayloadIndexParams, Point, PointVectors, PointsSelector,
    PointsUpdateOperation, ShardKeySelector, UpdateMode, UpdateResult, VectorCreationConfig, WriteOrdering,
    checked_protos,
};
use crate::upload::encode_upserts;

const UPSERT: Rpc = Rpc::write("/qdrant.Points/Upsert");
const DELETE: Rpc = Rpc::write("/qdrant.Points/Delete");
const UPDATE_VECTORS: Rpc = Rpc::write("/qdrant.Points/UpdateVectors");
const DELETE_VECTORS: Rpc = Rpc::write("/qdrant.Points/DeleteVectors");
const SET_PAYLOAD: Rpc = Rpc::write("/qdrant.Points/SetPayload");
const OVERWRITE_PAYLOAD: Rpc = Rpc::write("/qdrant.Points/OverwritePayload");
const DELETE_PAYLOAD: Rpc = Rpc::write("/qdrant.Points/DeletePayload");
const CLEAR_PAYLOAD: Rpc = Rpc::write("/qdrant.Points/ClearPayload");
const CREATE_FIELD_INDEX: Rpc = Rpc::write("/qdrant.Points/CreateFieldIndex");
const DELETE_FIELD_INDEX: Rpc = Rpc::write("/qdrant.Points/DeleteFieldIndex");
const CREATE_VECTOR_NAME: Rpc = Rpc::write("/qdrant.Points/CreateVectorName");
const DELETE_VECTOR_NAME: Rpc = Rpc::write("/qdrant.Points/DeleteVectorName");
const UPDATE_BATCH: Rpc = Rpc::write("/qdrant.Points/UpdateBatch");

impl Client {
    /// Inserts points, or replaces the points that have the same ids.
    ///
    /// `.await` returns the [`UpdateResult`]. Waits for the write to be
    /// applied unless `.wait(false)`. Vectors with NaN or infinite values
    /// are an [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) before anything is sent: Qdrant
    /// 1.19 would store them, and every score computed with them would be
    /// NaN.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Point;
    /// use serde_json::json;
    ///
    /// client
    ///     .upsert("my_collection", [
    ///         Point::new(1, [0.9, 0.1, 0.1, 0.5]).payload(json!({"color": "red"})),
    ///         Point::new("5c56c793-69f3-4fbf-87e6-c4bf54c28c26", [0.1, 0.9, 0.1, 0.5]),
    ///     ])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn upsert(
        &self,
        collection_name: impl Into<String>,
        points: impl IntoIterator<Item = Point>,
    ) -> Upsert<'_> {
        Upsert {
            client: self,
            collection_name: collection_name.into(),
            points: points.into_iter().collect(),
            wait: true,
            ordering: None,
            shard_key_selector: None,
            update_filter: None,
            update_mode: None,
            timeout: None,
        }
    }
}

/// The request built by [`Client::upsert`].
#[must_use = "a request does nothing until it is awaited"]
pub struct Upsert<'a> {
    client: &'a Client,
    collection_name: String,
    points: Vec<Point>,
    wait: bool,
    ordering: Option<WriteOrdering>,
    shard_key_selector: Option<ShardKeySelector>,
    update_filter: Option<Filter>,
    update_mode: Option<UpdateMode>,
    timeout: Option<Duration>,
}

impl Upsert<'_> {
    /// Whether to wait until the write is applied (default true).
    pub fn wait(mut self, wait: bool) -> Self {
        self.wait = wait;
        self
    }

    /// Write ordering guarantee across replicas.
    pub fn ordering(mut self, ordering: impl Into<WriteOrdering>) -> Self {
        self.ordering = Some(ordering.into());
        self
    }

    /// Writes to the shards with these keys.
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.shard_key_selector = Some(selector.into());
        self
    }

    /// Replaces an existing point only if it matches this filter (points
    /// that do not exist yet are inserted regardless).
    pub fn update_filter(mut self, filter: impl Into<Filter>) -> Self {
        self.update_filter = Some(filter.into());
        self
    }

    /// Whether to insert new points, update existing ones, or both (the
    /// default). Qdrant 1.18 and 1.19 honour it (checked against 1.18.3 and 1.19.0).
    pub fn update_mode(mut self, mode: UpdateMode) -> Self {
        self.update_mode = Some(mode);
        self
    }

    /// Sends the points, split into several requests if together they
    /// are above the message limit (each part is applied on its own).
    async fn send(self) -> Result<UpdateResult> {
        check_collection_name(&self.collection_name, "collection_name")?;
        if self.points.is_empty() {
            // Qdrant refuses an empty upsert; say so before sending.
            return Err(Error::invalid_argument("points", "no points to upsert"));
        }
        let base = proto::UpsertPoints {
            collection_name: self.collection_name,
            wait: Some(self.wait),
            points: Vec::new(),
            ordering: self.ordering.map(Into::into),
            shard_key_selector: self.shard_key_selector.map(Into::into),
            update_filter: self.update_filter.map(Into::into),
            timeout: timeout_secs(self.timeout),
            update_mode: self.update_mode.map(|m| proto::UpdateMode::from(m) as i32),
        };
        let transport = self.client.transport();
        let parts = encode_upserts(
            &base,
            self.points,
            0,
            transport.settings.max_encoding_message_size,
        )?;
        let mut result = None;
        for part in parts {
            let call = UPSERT
                .on(&base.collection_name)
                .timeout(self.timeout)
                .idempotent(true);
            let response: proto::PointsOperationResponse = transport.unary_encoded(call, part.bytes).await?;
            result = Some(UpdateResult::from_response(response.result)?);
        }
        result.ok_or_else(|| Error::missing("result"))
    }
}

request!(Upsert => UpdateResult);

impl Client {
    /// Deletes points, by ids or by filter.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::{Condition, Filter};
    ///
    /// client.delete("my_collection", [1, 2, 3]).await?;
    /// client.delete("my_collection", Filter::must([Condition::matches("color", "red")])).await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(
        &self,
        collection_name: impl Into<String>,
        points: impl Into<PointsSelector>,
    ) -> PointsWrite<'_, proto::DeletePoints> {
        let points = points.into();
        let idempotent = points.is_by_ids();
        let mut write = PointsWrite::new(
            self,
            DELETE,
            proto::DeletePoints {
                collection_name: collection_name.into(),
                ..Default::default()
            },
            idempotent,
        );
        write.request.points = write.check(points.into_checked_proto("points"));
        write
    }

    /// Replaces some vectors of existing points; their other vectors and
    /// payload stay.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::PointVectors;
    ///
    /// client.update_vectors("my_collection", [PointVectors::new(1, [0.2, 0.1, 0.9, 0.7])]).await?;
    /// # Ok(()) }
    /// ```
    pub fn update_vectors(
        &self,
        collection_name: impl Into<String>,
        points: impl IntoIterator<Item = PointVectors>,
    ) -> PointsWrite<'_, proto::UpdatePointVectors> {
        let mut write = PointsWrite::new(
            self,
            UPDATE_VECTORS,
            proto::UpdatePointVectors {
                collection_name: collection_name.into(),
                ..Default::default()
            },
            true,
        );
        write.request.points = write
            .check(checked_protos(
                points,
                "points",
                PointVectors::check,
                PointVectors::into_proto,
            ))
            .unwrap_or_default();
        write
    }

    /// Deletes named vectors from points.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_vectors("my_collection", [1, 2], ["image"]).await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_vectors<N: Into<String>>(
        &self,
        collection_name: impl Into<String>,
        points: impl Into<PointsSelector>,
        vector_names: impl IntoIterator<Item = N>,
    ) -> PointsWrite<'_, proto::DeletePointVectors> {
        let points = points.into();
        let idempotent = points.is_by_ids();
        let mut write = PointsWrite::new(
            self,
            DELETE_VECTORS,
            proto::DeletePointVectors {
                collection_name: collection_name.into(),
                ..Default::default()
            },
            idempotent,
        );
        write.request.points_selector = write.check(points.into_checked_proto("points"));
        write.request.vectors = Some(proto::VectorsSelector {
            names: vector_names.into_iter().map(Into::into).collect(),
        });
        write
    }

    /// Sets payload keys on points, keeping their other keys. With
    /// `.key("a.b")`, writes under that nested key instead.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use serde_json::json;
    ///
    /// client.set_payload("my_collection", json!({"color": "blue"}), [1, 2]).await?;
    /// client.set_payload("my_collection", json!({"city": "Berlin"}), [1]).key("address").await?;
    /// # Ok(()) }
    /// ```
    pub fn set_payload(
        &self,
        collection_name: impl Into<String>,
        payload: impl IntoPayload,
        points: impl Into<PointsSelector>,
    ) -> PointsWrite<'_, proto::SetPayloadPoints> {
        self.payload_write(SET_PAYLOAD, collection_name.into(), payload, points.into())
    }

    /// Replaces the whole payload of points.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use serde_json::json;
    ///
    /// client.overwrite_payload("my_collection", json!({"color": "blue"}), [1]).await?;
    /// # Ok(()) }
    /// ```
    pub fn overwrite_payload(
        &self,
        collection_name: impl Into<String>,
        payload: impl IntoPayload,
        points: impl Into<PointsSelector>,
    ) -> PointsWrite<'_, proto::SetPayloadPoints> {
        self.payload_write(OVERWRITE_PAYLOAD, collection_name.into(), payload, points.into())
    }

    fn payload_write(
        &self,
        rpc: Rpc,
        collection_name: String,
        payload: impl IntoPayload,
        points: PointsSelector,
    ) -> PointsWrite<'_, proto::SetPayloadPoints> {
        let idempotent = points.is_by_ids();
        let mut write = PointsWrite::new(
            self,
            rpc,
            proto::SetPayloadPoints {
                collection_name,
                ..Default::default()
            },
            idempotent,
        );
        let payload = payload
            .into_payload()
            .map_err(|reason| Error::invalid_argument("payload", reason));
        write.request.payload = write.check(payload).map(|p| p.into_proto()).unwrap_or_default();
        write.request.points_selector = write.check(points.into_checked_proto("points"));
        write
    }

    /// Deletes payload keys from points.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_payload("my_collection", ["color"], [1, 2]).await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_payload<K: Into<String>>(
        &self,
        collection_name: impl Into<String>,
        keys: impl IntoIterator<Item = K>,
        points: impl Into<PointsSelector>,
    ) -> PointsWrite<'_, proto::DeletePayloadPoints> {
        let points = points.into();
        let idempotent = points.is_by_ids();
        let mut write = PointsWrite::new(
            self,
            DELETE_PAYLOAD,
            proto::DeletePayloadPoints {
                collection_name: collection_name.into(),
                ..Default::default()
            },
            idempotent,
        );
        write.request.keys = keys.into_iter().map(Into::into).collect();
        write.request.points_selector = write.check(points.into_checked_proto("points"));
        write
    }

    /// Removes every payload key of points.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.clear_payload("my_collection", [1, 2]).await?;
    /// # Ok(()) }
    /// ```
    pub fn clear_payload(
        &self,
        collection_name: impl Into<String>,
        points: impl Into<PointsSelector>,
    ) -> PointsWrite<'_, proto::ClearPayloadPoints> {
        let points = points.into();
        let idempotent = points.is_by_ids();
        let mut write = PointsWrite::new(
            self,
            CLEAR_PAYLOAD,
            proto::ClearPayloadPoints {
                collection_name: collection_name.into(),
                ..Default::default()
            },
            idempotent,
        );
        write.request.points = write.check(points.into_checked_proto("points"));
        write
    }

    /// Indexes a payload key, for fast filtering (and, for some kinds,
    /// ordering and facets).
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::FieldType;
    ///
    /// client.create_payload_index("my_collection", "color", FieldType::Keyword).await?;
    /// # Ok(()) }
    /// ```
    pub fn create_payload_index(
        &self,
        collection_name: impl Into<String>,
        field_name: impl Into<String>,
        field_type: FieldType,
    ) -> PointsWrite<'_, proto::CreateFieldIndexCollection> {
        let mut write = PointsWrite::new(
            self,
            CREATE_FIELD_INDEX,
            proto::CreateFieldIndexCollection {
                collection_name: collection_name.into(),
                field_name: field_name.into(),
                field_type: Some(proto::FieldType::from(field_type) as i32),
                ..Default::default()
            },
            true,
        );
        if write.request.field_name.is_empty() {
            write
                .error
                .get_or_insert(Error::invalid_argument("field_name", "is empty"));
        }
        write
    }

    /// Removes a payload index.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_payload_index("my_collection", "color").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_payload_index(
        &self,
        collection_name: impl Into<String>,
        field_name: impl Into<String>,
    ) -> PointsWrite<'_, proto::DeleteFieldIndexCollection> {
        PointsWrite::new(
            self,
            DELETE_FIELD_INDEX,
            proto::DeleteFieldIndexCollection {
                collection_name: collection_name.into(),
                field_name: field_name.into(),
                ..Default::default()
            },
            true,
        )
    }

    /// Adds a named vector to an existing collection (Qdrant 1.20).
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::{Distance, VectorCreationConfig};
    ///
    /// client.create_vector_name("my_collection", "image", VectorCreationConfig::dense(512, Distance::Cosine)).await?;
    /// # Ok(()) }
    /// ```
    pub fn create_vector_name(
        &self,
        collection_name: impl Into<String>,
        vector_name: impl Into<String>,
        config: impl Into<VectorCreationConfig>,
    ) -> PointsWrite<'_, proto::CreateVectorNameRequest> {
        PointsWrite::new(
            self,
            CREATE_VECTOR_NAME,
            proto::CreateVectorNameRequest {
                collection_name: collection_name.into(),
                vector_name: vector_name.into(),
                vector_config: Some(config.into().into()),
                ..Default::default()
            },
            false,
        )
    }

    /// Removes a named vector, and its data, from a collection (Qdrant 1.20).
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_vector_name("my_collection", "image").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_vector_name(
        &self,
        collection_name: impl Into<String>,
        vector_name: impl Into<String>,
    ) -> PointsWrite<'_, proto::DeleteVectorNameRequest> {
        PointsWrite::new(
            self,
            DELETE_VECTOR_NAME,
            proto::DeleteVectorNameRequest {
                collection_name: collection_name.into(),
                vector_name: vector_name.into(),
                ..Default::default()
            },
            false,
        )
    }

    /// Applies several point operations in order, in one request.
    ///
    /// `.await` returns one [`UpdateResult`] per operation.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// use qdrant_async::{Point, PointsUpdateOperation};
    ///
    /// client
    ///     .batch_update_points("my_collection", [
    ///         PointsUpdateOperation::upsert([Point::new(1, [0.1, 0.2, 0.3, 0.4])]),
    ///         PointsUpdateOperation::delete([2]),
    ///     ])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn batch_update_points(
        &self,
        collection_name: impl Into<String>,
        operations: impl IntoIterator<Item = PointsUpdateOperation>,
    ) -> PointsWrite<'_, proto::UpdateBatchPoints> {
        let operations: Vec<_> = operations.into_iter().collect();
        let idempotent = operations.iter().all(PointsUpdateOperation::is_idempotent);
        let mut write = PointsWrite::new(
            self,
            UPDATE_BATCH,
            proto::UpdateBatchPoints {
                collection_name: collection_name.into(),
                ..Default::default()
            },
            idempotent,
        );
        let operations: Result<Vec<_>> = operations
            .into_iter()
            .enumerate()
            .map(|(i, op)| op.into_proto(&format!("operations[{i}]")))
            .collect();
        write.request.operations = write.check(operations).unwrap_or_default();
        write
    }
}

/// A write request on points, built by [`Client::delete`],
/// [`Client::set_payload`] and the other write methods; `.await` sends it.
///
/// Options every write has: `.wait`, `.ordering`, `.timeout`; most also
/// take `.shard_key_selector`.
#[must_use = "a request does nothing until it is awaited"]
pub struct PointsWrite<'a, R> {
    client: &'a Client,
    rpc: Rpc,
    request: R,
    /// The first bad argument, reported when sent.
    error: Option<Error>,
    idempotent: bool,
    timeout: Option<Duration>,
}

impl<'a, R: WriteRequest> PointsWrite<'a, R> {
    fn new(client: &'a Client, rpc: Rpc, mut request: R, idempotent: bool) -> Self {
        request.set_wait(true);
        PointsWrite {
            client,
            rpc,
            request,
            error: None,
            idempotent,
            timeout: None,
        }
    }

    /// Keeps the first error; the request fails with it when sent.
    fn check<T>(&mut self, value: Result<T>) -> Option<T> {
        match value {
            Ok(v) => Some(v),
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }

    /// Whether to wait until the write is applied (default true).
    pub fn wait(mut self, wait: bool) -> Self {
        self.request.set_wait(wait);
        self
    }

    /// Write ordering guarantee across replicas.
    pub fn ordering(mut self, ordering: impl Into<WriteOrdering>) -> Self {
        self.request.set_ordering(ordering.into().into());
        self
    }

    /// Deadline for this call, overriding the client's default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    async fn send(self) -> Result<R::Output> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut request = self.request;
        check_collection_name(request.collection_name(), "collection_name")?;
        request.set_timeout(timeout_secs(self.timeout));
        let call = self
            .rpc
            .on(request.collection_name())
            .timeout(self.timeout)
            .idempotent(self.idempotent);
        let response: R::Response = self.client.transport().unary(call, &request).await?;
        R::output(response)
    }
}

impl<'a, R: ShardedWrite> PointsWrite<'a, R> {
    /// Writes only in the shards with these keys.
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.request.set_shard_key_selector(selector.into().into());
        self
    }
}

impl PointsWrite<'_, proto::SetPayloadPoints> {
    /// Writes the payload under this nested key (`"a.b"`, `"list[0]"`)
    /// instead of at the top level.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.request.key = Some(key.into());
        self
    }
}

impl PointsWrite<'_, proto::UpdatePointVectors> {
    /// Updates only the points that match this filter.
    pub fn update_filter(mut self, filter: impl Into<Filter>) -> Self {
        self.request.update_filter = Some(filter.into().into());
        self
    }
}

impl PointsWrite<'_, proto::CreateFieldIndexCollection> {
    /// Parameters of the index: tokenizer for text, tenant or principal
    /// flags, on-disk storage, ...
    pub fn field_index_params(mut self, params: impl Into<PayloadIndexParams>) -> Self {
        self.request.field_index_params = Some(params.into().into());
        self
    }
}

impl<'a, R: WriteRequest + Send + 'a> std::future::IntoFuture for PointsWrite<'a, R> {
    type Output = Result<R::Output>;
    type IntoFuture = futures_util::future::BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A write request message: the options every write shares, and how its
/// response reads.
pub trait WriteRequest: Message + sealed::Sealed {
    /// The response message.
    #[doc(hidden)]
    type Response: Message + Default + Send + 'static;
    /// What `.await` returns.
    type Output;
    #[doc(hidden)]
    fn collection_name(&self) -> &str;
    #[doc(hidden)]
    fn set_wait(&mut self, wait: bool);
    #[doc(hidden)]
    fn set_ordering(&mut self, ordering: proto::WriteOrdering);
    #[doc(hidden)]
    fn set_timeout(&mut self, timeout: Option<u64>);
    #[doc(hidden)]
    fn output(response: Self::Response) -> Result<Self::Output>;
}

/// A write request that can be limited to some shard keys.
pub trait ShardedWrite: WriteRequest {
    #[doc(hidden)]
    fn set_shard_key_selector(&mut self, selector: proto::ShardKeySelector);
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! write_request {
    ($($t:ident),* $(,)?) => {$(
        impl sealed::Sealed for proto::$t {}
        impl WriteRequest for proto::$t {
            type Response = proto::PointsOperationResponse;
            type Output = UpdateResult;
            fn collection_name(&self) -> &str { &self.collection_name }
            fn set_wait(&mut self, wait: bool) { self.wait = Some(wait); }
            fn set_ordering(&mut self, ordering: proto::WriteOrdering) { self.ordering = Some(ordering); }
            fn set_timeout(&mut self, timeout: Option<u64>) { self.timeout = timeout; }
            fn output(response: Self::Response) -> Result<UpdateResult> { UpdateResult::from_response(response.result) }
        }
    )*};
}

write_request!(
    DeletePoints,
    UpdatePointVectors,
    DeletePointVectors,
    SetPayloadPoints,
    DeletePayloadPoints,
    ClearPayloadPoints,
    CreateFieldIndexCollection,
    DeleteFieldIndexCollection,
    CreateVectorNameRequest,
    DeleteVectorNameRequest,
);

macro_rules! sharded_write {
    ($($t:ident),* $(,)?) => {$(
        impl ShardedWrite for proto::$t {
            fn set_shard_key_selector(&mut self, selector: proto::ShardKeySelector) {
                self.shard_key_selector = Some(selector);
            }
        }
    )*};
}

sharded_write!(
    DeletePoints,
    UpdatePointVectors,
    DeletePointVectors,
    SetPayloadPoints,
    DeletePayloadPoints,
    ClearPayloadPoints
);

impl sealed::Sealed for proto::UpdateBatchPoints {}
impl WriteRequest for proto::UpdateBatchPoints {
    type Response = proto::UpdateBatchResponse;
    type Output = Vec<UpdateResult>;
    fn collection_name(&self) -> &str {
        &self.collection_name
    }
    fn set_wait(&mut self, wait: bool) {
        self.wait = Some(wait);
    }
    fn set_ordering(&mut self, ordering: proto::WriteOrdering) {
        self.ordering = Some(ordering);
    }
    fn set_timeout(&mut self, timeout: Option<u64>) {
        self.timeout = timeout;
    }
    fn output(response: Self::Response) -> Result<Vec<UpdateResult>> {
        response
            .result
            .into_iter()
            .map(|r| UpdateResult::from_response(Some(r)))
            .collect()
    }
}
