//! Writes: upsert, delete, payloads, vectors, payload indexes, batches.

use std::time::Instant;

use super::request::{WriteOptions, send_write};
use super::{Client, check_collection_name, request, timeout_secs};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::{CallOptions, Rpc};
use crate::types::{
    FieldType, Filter, IntoPayload, Payload, PayloadIndexParams, Point, PointId, PointVectors,
    PointsSelector, PointsUpdateOperation, UpdateMode, UpdateResult, VectorCreationConfig, checked_protos,
};
use crate::upload::{Sender, Tally, encode_upserts};

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
    /// One upsert is one request, applied as a whole or not at all. Points
    /// that together encode above the client's message limit
    /// ([`max_encoding_message_size`](crate::ClientBuilder::max_encoding_message_size),
    /// 64 MiB by default) are an error of kind
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) before anything
    /// is sent, unless [`.split(true)`](Upsert::split) allows sending them
    /// as several requests.
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
            update_filter: None,
            update_mode: None,
            split: false,
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
    }
}

/// The request built by [`Client::upsert`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Point, UpdateMode, WriteOrdering};
///
/// let result = client
///     .upsert("my_collection", [Point::new(1, vec![0.9, 0.1, 0.1, 0.5])])
///     .update_mode(UpdateMode::InsertOnly)
///     .ordering(WriteOrdering::Strong)
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct Upsert<'a> {
    client: &'a Client,
    collection_name: String,
    points: Vec<Point>,
    update_filter: Option<Filter>,
    update_mode: Option<UpdateMode>,
    split: bool,
    write: WriteOptions,
    call: CallOptions,
}

impl Upsert<'_> {
    /// Replaces an existing point only if it matches this filter (points
    /// that do not exist yet are inserted regardless).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter, Point};
    ///
    /// // Only where the stored point is still at version 3.
    /// let result = client
    ///     .upsert("my_collection", [Point::new(1, vec![0.9, 0.1, 0.1, 0.5])])
    ///     .update_filter(Filter::must([Condition::matches("version", 3)]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_filter(mut self, filter: impl Into<Filter>) -> Self {
        self.update_filter = Some(filter.into());
        self
    }

    /// Whether to insert new points, update existing ones, or both (the
    /// default). Qdrant 1.18 and 1.19 honour it (checked against 1.18.3 and 1.19.0).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Point, UpdateMode};
    ///
    /// let result = client
    ///     .upsert("my_collection", [Point::new(1, vec![0.9, 0.1, 0.1, 0.5])])
    ///     .update_mode(UpdateMode::InsertOnly)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_mode(mut self, mode: UpdateMode) -> Self {
        self.update_mode = Some(mode);
        self
    }

    /// Whether points above the message limit may be sent as several
    /// requests (default false: they are an error of kind
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)).
    ///
    /// The requests are sent one after the other, each applied on its
    /// own: the upsert is no longer atomic. A request that fails does not
    /// stop the others, and the error then carries an
    /// [`UploadFailure`](crate::UploadFailure), as from
    /// [`Client::upload_points`]: `not_written` and `unknown` list the ids
    /// of the parts that failed, `summary` counts those written. Each
    /// request is retried as any upsert is. `.await` returns the result of
    /// the last request.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client, points: Vec<qdrant_async::Point>) -> qdrant_async::Result<()> {
    /// if let Err(e) = client.upsert("my_collection", points).split(true).await {
    ///     let Some(failure) = e.upload_failure() else { return Err(e) };
    ///     eprintln!(
    ///         "{} points not written, {} unknown",
    ///         failure.not_written.len(),
    ///         failure.unknown.len()
    ///     );
    /// }
    /// # Ok(()) }
    /// ```
    pub fn split(mut self, split: bool) -> Self {
        self.split = split;
        self
    }

    async fn send(self) -> Result<UpdateResult> {
        check_collection_name(&self.collection_name, "collection_name")?;
        if self.points.is_empty() {
            // Qdrant refuses an empty upsert; say so before sending.
            return Err(Error::invalid_argument("points", "no points to upsert"));
        }
        let base = proto::UpsertPoints {
            collection_name: self.collection_name,
            wait: self.write.wait(),
            points: Vec::new(),
            ordering: self.write.ordering(),
            shard_key_selector: self.write.shard_key_selector(),
            update_filter: self.update_filter.map(Into::into),
            timeout: timeout_secs(self.call.timeout),
            update_mode: self.update_mode.map(|m| proto::UpdateMode::from(m) as i32),
        };
        let transport = self.client.transport();
        let limit = transport.settings.max_encoding_message_size;
        let ids: Vec<PointId> = if self.split {
            self.points.iter().map(|p| p.id.clone()).collect()
        } else {
            Vec::new()
        };
        // Every point is checked and encoded before anything is sent.
        let mut parts = encode_upserts(&base, self.points, 0, limit, &transport.buffers)?;
        if parts.len() == 1
            && let Some(part) = parts.pop()
        {
            let call = UPSERT
                .on(&base.collection_name)
                .options(&self.call)
                .idempotent(true);
            let response: proto::PointsOperationResponse = transport.unary_encoded(call, part.bytes).await?;
            return UpdateResult::from_response(response.result);
        }
        if !self.split {
            let bytes: usize = parts.iter().map(|p| p.bytes.len()).sum();
            return Err(Error::invalid_argument(
                "points",
                format!(
                    "the points encode to {bytes} bytes, above the message limit of {limit} bytes; \
                     allow sending them as {} requests with `.split(true)`, or use `upload_points`",
                    parts.len()
                ),
            ));
        }
        let started = Instant::now();
        let sender = Sender::new(transport, &base.collection_name, self.call.clone());
        let mut tally = Tally::default();
        tally.add(sender.write_batch(ids, Ok(parts)).await);
        tally.finish_with_result(started)
    }
}

request!(Upsert => UpdateResult, sharded write);

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
    ) -> Delete<'_> {
        Delete {
            client: self,
            collection_name: collection_name.into(),
            points: points.into(),
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> UpdateVectors<'_> {
        UpdateVectors {
            client: self,
            collection_name: collection_name.into(),
            points: points.into_iter().collect(),
            update_filter: None,
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
    }

    /// Deletes named vectors from points; their other vectors and payload
    /// stay. The arguments are in the order of Python's `delete_vectors`.
    ///
    /// `.await` returns the [`UpdateResult`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_vectors("my_collection", ["image"], [1, 2]).await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_vectors<N: Into<String>>(
        &self,
        collection_name: impl Into<String>,
        vector_names: impl IntoIterator<Item = N>,
        points: impl Into<PointsSelector>,
    ) -> DeleteVectors<'_> {
        DeleteVectors {
            client: self,
            collection_name: collection_name.into(),
            vector_names: vector_names.into_iter().map(Into::into).collect(),
            points: points.into(),
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> SetPayload<'_> {
        SetPayload {
            client: self,
            collection_name: collection_name.into(),
            payload: payload_argument(payload),
            points: points.into(),
            key: None,
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> OverwritePayload<'_> {
        OverwritePayload {
            client: self,
            collection_name: collection_name.into(),
            payload: payload_argument(payload),
            points: points.into(),
            key: None,
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> DeletePayload<'_> {
        DeletePayload {
            client: self,
            collection_name: collection_name.into(),
            keys: keys.into_iter().map(Into::into).collect(),
            points: points.into(),
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> ClearPayload<'_> {
        ClearPayload {
            client: self,
            collection_name: collection_name.into(),
            points: points.into(),
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> CreatePayloadIndex<'_> {
        CreatePayloadIndex {
            client: self,
            collection_name: collection_name.into(),
            field_name: field_name.into(),
            field_type,
            field_index_params: None,
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> DeletePayloadIndex<'_> {
        DeletePayloadIndex {
            client: self,
            collection_name: collection_name.into(),
            field_name: field_name.into(),
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> CreateVectorName<'_> {
        CreateVectorName {
            client: self,
            collection_name: collection_name.into(),
            vector_name: vector_name.into(),
            config: config.into(),
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> DeleteVectorName<'_> {
        DeleteVectorName {
            client: self,
            collection_name: collection_name.into(),
            vector_name: vector_name.into(),
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
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
    ) -> BatchUpdatePoints<'_> {
        BatchUpdatePoints {
            client: self,
            collection_name: collection_name.into(),
            operations: operations.into_iter().collect(),
            write: WriteOptions::new(),
            call: CallOptions::default(),
        }
    }
}

/// A payload argument, checked when the request is built and reported
/// when it is sent.
fn payload_argument(payload: impl IntoPayload) -> Result<Payload> {
    payload
        .into_payload()
        .map_err(|reason| Error::invalid_argument("payload", reason))
}

/// The request built by [`Client::delete`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Condition, Filter};
///
/// client.delete("my_collection", vec![1, 2, 3]).await?;
/// client.delete("my_collection", Filter::must([Condition::matches("color", "red")])).wait(false).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct Delete<'a> {
    client: &'a Client,
    collection_name: String,
    points: PointsSelector,
    write: WriteOptions,
    call: CallOptions,
}

impl Delete<'_> {
    async fn send(self) -> Result<UpdateResult> {
        let idempotent = self.points.is_by_ids();
        let request = proto::DeletePoints {
            wait: self.write.wait(),
            points: Some(self.points.into_checked_proto("points")?),
            ordering: self.write.ordering(),
            shard_key_selector: self.write.shard_key_selector(),
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(self.client, DELETE, &request, name, idempotent, &self.call).await
    }
}

request!(Delete => UpdateResult, sharded write);

/// The request built by [`Client::update_vectors`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::PointVectors;
///
/// client.update_vectors("my_collection", [PointVectors::new(1, vec![0.2, 0.2, 0.3, 0.4])]).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateVectors<'a> {
    client: &'a Client,
    collection_name: String,
    points: Vec<PointVectors>,
    update_filter: Option<Filter>,
    write: WriteOptions,
    call: CallOptions,
}

impl UpdateVectors<'_> {
    /// Updates only the points that match this filter.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Filter, PointVectors};
    ///
    /// // Only where the stored point is still at version 3.
    /// let result = client
    ///     .update_vectors("my_collection", [PointVectors::new(1, vec![0.9, 0.1, 0.1, 0.5])])
    ///     .update_filter(Filter::must([Condition::matches("version", 3)]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_filter(mut self, filter: impl Into<Filter>) -> Self {
        self.update_filter = Some(filter.into());
        self
    }

    async fn send(self) -> Result<UpdateResult> {
        let points = checked_protos(
            self.points,
            "points",
            PointVectors::check,
            PointVectors::into_proto,
        )?;
        let request = proto::UpdatePointVectors {
            wait: self.write.wait(),
            points,
            ordering: self.write.ordering(),
            shard_key_selector: self.write.shard_key_selector(),
            update_filter: self.update_filter.map(Into::into),
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(self.client, UPDATE_VECTORS, &request, name, true, &self.call).await
    }
}

request!(UpdateVectors => UpdateResult, sharded write);

/// The request built by [`Client::delete_vectors`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.delete_vectors("products", ["image"], vec![1, 2]).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteVectors<'a> {
    client: &'a Client,
    collection_name: String,
    vector_names: Vec<String>,
    points: PointsSelector,
    write: WriteOptions,
    call: CallOptions,
}

impl DeleteVectors<'_> {
    async fn send(self) -> Result<UpdateResult> {
        let idempotent = self.points.is_by_ids();
        let request = proto::DeletePointVectors {
            wait: self.write.wait(),
            points_selector: Some(self.points.into_checked_proto("points")?),
            vectors: Some(proto::VectorsSelector {
                names: self.vector_names,
            }),
            ordering: self.write.ordering(),
            shard_key_selector: self.write.shard_key_selector(),
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(
            self.client,
            DELETE_VECTORS,
            &request,
            name,
            idempotent,
            &self.call,
        )
        .await
    }
}

request!(DeleteVectors => UpdateResult, sharded write);

/// The request built by [`Client::set_payload`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use serde_json::json;
///
/// // Adds or replaces these keys, leaving the others.
/// client.set_payload("my_collection", json!({"reviewed": true}), vec![1, 2]).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct SetPayload<'a> {
    client: &'a Client,
    collection_name: String,
    payload: Result<Payload>,
    points: PointsSelector,
    key: Option<String>,
    write: WriteOptions,
    call: CallOptions,
}

impl SetPayload<'_> {
    /// Writes the payload under this nested key (`"a.b"`, `"list[0]"`)
    /// instead of at the top level.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use serde_json::json;
    ///
    /// // Sets `address.city`, keeping the rest of `address`.
    /// let result = client
    ///     .set_payload("my_collection", json!({"city": "Berlin"}), vec![1])
    ///     .key("address")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    async fn send(self) -> Result<UpdateResult> {
        let idempotent = self.points.is_by_ids();
        let request = proto::SetPayloadPoints {
            wait: self.write.wait(),
            payload: self.payload?.into_proto(),
            points_selector: Some(self.points.into_checked_proto("points")?),
            ordering: self.write.ordering(),
            shard_key_selector: self.write.shard_key_selector(),
            key: self.key,
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(self.client, SET_PAYLOAD, &request, name, idempotent, &self.call).await
    }
}

request!(SetPayload => UpdateResult, sharded write);

/// The request built by [`Client::overwrite_payload`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use serde_json::json;
///
/// // The whole payload becomes this.
/// client.overwrite_payload("my_collection", json!({"color": "blue"}), vec![1]).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct OverwritePayload<'a> {
    client: &'a Client,
    collection_name: String,
    payload: Result<Payload>,
    points: PointsSelector,
    key: Option<String>,
    write: WriteOptions,
    call: CallOptions,
}

impl OverwritePayload<'_> {
    /// Replaces the value under this nested key (`"a.b"`, `"list[0]"`)
    /// instead of the whole payload.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use serde_json::json;
    ///
    /// // Sets `address.city`, keeping the rest of `address`.
    /// let result = client
    ///     .overwrite_payload("my_collection", json!({"city": "Berlin"}), vec![1])
    ///     .key("address")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    async fn send(self) -> Result<UpdateResult> {
        let idempotent = self.points.is_by_ids();
        let request = proto::SetPayloadPoints {
            wait: self.write.wait(),
            payload: self.payload?.into_proto(),
            points_selector: Some(self.points.into_checked_proto("points")?),
            ordering: self.write.ordering(),
            shard_key_selector: self.write.shard_key_selector(),
            key: self.key,
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(
            self.client,
            OVERWRITE_PAYLOAD,
            &request,
            name,
            idempotent,
            &self.call,
        )
        .await
    }
}

request!(OverwritePayload => UpdateResult, sharded write);

/// The request built by [`Client::delete_payload`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.delete_payload("my_collection", ["draft"], vec![1, 2]).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct DeletePayload<'a> {
    client: &'a Client,
    collection_name: String,
    keys: Vec<String>,
    points: PointsSelector,
    write: WriteOptions,
    call: CallOptions,
}

impl DeletePayload<'_> {
    async fn send(self) -> Result<UpdateResult> {
        let idempotent = self.points.is_by_ids();
        let request = proto::DeletePayloadPoints {
            wait: self.write.wait(),
            keys: self.keys,
            points_selector: Some(self.points.into_checked_proto("points")?),
            ordering: self.write.ordering(),
            shard_key_selector: self.write.shard_key_selector(),
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(
            self.client,
            DELETE_PAYLOAD,
            &request,
            name,
            idempotent,
            &self.call,
        )
        .await
    }
}

request!(DeletePayload => UpdateResult, sharded write);

/// The request built by [`Client::clear_payload`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.clear_payload("my_collection", vec![1, 2]).await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct ClearPayload<'a> {
    client: &'a Client,
    collection_name: String,
    points: PointsSelector,
    write: WriteOptions,
    call: CallOptions,
}

impl ClearPayload<'_> {
    async fn send(self) -> Result<UpdateResult> {
        let idempotent = self.points.is_by_ids();
        let request = proto::ClearPayloadPoints {
            wait: self.write.wait(),
            points: Some(self.points.into_checked_proto("points")?),
            ordering: self.write.ordering(),
            shard_key_selector: self.write.shard_key_selector(),
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(self.client, CLEAR_PAYLOAD, &request, name, idempotent, &self.call).await
    }
}

request!(ClearPayload => UpdateResult, sharded write);

/// The request built by [`Client::create_payload_index`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{FieldType, KeywordIndexParams};
///
/// client
///     .create_payload_index("my_collection", "color", FieldType::Keyword)
///     .field_index_params(KeywordIndexParams::new().on_disk(true))
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct CreatePayloadIndex<'a> {
    client: &'a Client,
    collection_name: String,
    field_name: String,
    field_type: FieldType,
    field_index_params: Option<PayloadIndexParams>,
    write: WriteOptions,
    call: CallOptions,
}

impl CreatePayloadIndex<'_> {
    /// Parameters of the index: tokenizer for text, tenant or principal
    /// flags, on-disk storage, ...
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{FieldType, KeywordIndexParams};
    ///
    /// let result = client
    ///     .create_payload_index("my_collection", "tenant_id", FieldType::Keyword)
    ///     .field_index_params(KeywordIndexParams::new().is_tenant(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn field_index_params(mut self, params: impl Into<PayloadIndexParams>) -> Self {
        self.field_index_params = Some(params.into());
        self
    }

    async fn send(self) -> Result<UpdateResult> {
        if self.field_name.is_empty() {
            return Err(Error::invalid_argument("field_name", "is empty"));
        }
        let request = proto::CreateFieldIndexCollection {
            wait: self.write.wait(),
            field_name: self.field_name,
            field_type: Some(proto::FieldType::from(self.field_type) as i32),
            field_index_params: self.field_index_params.map(Into::into),
            ordering: self.write.ordering(),
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(self.client, CREATE_FIELD_INDEX, &request, name, true, &self.call).await
    }
}

request!(CreatePayloadIndex => UpdateResult, write);

/// The request built by [`Client::delete_payload_index`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.delete_payload_index("my_collection", "color").await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct DeletePayloadIndex<'a> {
    client: &'a Client,
    collection_name: String,
    field_name: String,
    write: WriteOptions,
    call: CallOptions,
}

impl DeletePayloadIndex<'_> {
    async fn send(self) -> Result<UpdateResult> {
        let request = proto::DeleteFieldIndexCollection {
            wait: self.write.wait(),
            field_name: self.field_name,
            ordering: self.write.ordering(),
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(self.client, DELETE_FIELD_INDEX, &request, name, true, &self.call).await
    }
}

request!(DeletePayloadIndex => UpdateResult, write);

/// The request built by [`Client::create_vector_name`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Distance, VectorCreationConfig};
///
/// // A new named vector on an existing collection (Qdrant 1.20).
/// client
///     .create_vector_name("products", "thumbnail", VectorCreationConfig::dense(512, Distance::Cosine))
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateVectorName<'a> {
    client: &'a Client,
    collection_name: String,
    vector_name: String,
    config: VectorCreationConfig,
    write: WriteOptions,
    call: CallOptions,
}

impl CreateVectorName<'_> {
    async fn send(self) -> Result<UpdateResult> {
        let request = proto::CreateVectorNameRequest {
            wait: self.write.wait(),
            vector_name: self.vector_name,
            timeout: timeout_secs(self.call.timeout),
            ordering: self.write.ordering(),
            vector_config: Some(self.config.into()),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(self.client, CREATE_VECTOR_NAME, &request, name, false, &self.call).await
    }
}

request!(CreateVectorName => UpdateResult, write);

/// The request built by [`Client::delete_vector_name`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.delete_vector_name("products", "thumbnail").await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteVectorName<'a> {
    client: &'a Client,
    collection_name: String,
    vector_name: String,
    write: WriteOptions,
    call: CallOptions,
}

impl DeleteVectorName<'_> {
    async fn send(self) -> Result<UpdateResult> {
        let request = proto::DeleteVectorNameRequest {
            wait: self.write.wait(),
            vector_name: self.vector_name,
            timeout: timeout_secs(self.call.timeout),
            ordering: self.write.ordering(),
            collection_name: self.collection_name,
        };
        let name = &request.collection_name;
        send_write(self.client, DELETE_VECTOR_NAME, &request, name, false, &self.call).await
    }
}

request!(DeleteVectorName => UpdateResult, write);

/// The request built by [`Client::batch_update_points`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Point, PointsUpdateOperation};
/// use serde_json::json;
///
/// let results = client
///     .batch_update_points(
///         "my_collection",
///         [
///             PointsUpdateOperation::upsert([Point::new(1, vec![0.9, 0.1, 0.1, 0.5])]),
///             PointsUpdateOperation::set_payload(json!({"color": "red"}), vec![1]),
///         ],
///     )
///     .await?;
/// assert_eq!(results.len(), 2);
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct BatchUpdatePoints<'a> {
    client: &'a Client,
    collection_name: String,
    operations: Vec<PointsUpdateOperation>,
    write: WriteOptions,
    call: CallOptions,
}

impl BatchUpdatePoints<'_> {
    async fn send(self) -> Result<Vec<UpdateResult>> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let idempotent = self.operations.iter().all(PointsUpdateOperation::is_idempotent);
        let operations = self
            .operations
            .into_iter()
            .enumerate()
            .map(|(i, op)| op.into_proto(&format!("operations[{i}]")))
            .collect::<Result<_>>()?;
        let request = proto::UpdateBatchPoints {
            wait: self.write.wait(),
            operations,
            ordering: self.write.ordering(),
            timeout: timeout_secs(self.call.timeout),
            collection_name: self.collection_name,
        };
        let call = UPDATE_BATCH
            .on(&request.collection_name)
            .options(&self.call)
            .idempotent(idempotent);
        let response: proto::UpdateBatchResponse = self.client.transport().unary(call, &request).await?;
        response
            .result
            .into_iter()
            .map(|r| UpdateResult::from_response(Some(r)))
            .collect()
    }
}

request!(BatchUpdatePoints => Vec<UpdateResult>, write);
