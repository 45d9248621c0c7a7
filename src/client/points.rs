//! Writes: upsert, delete, payloads, vectors, payload indexes, batches.

use std::time::Duration;

use super::{Client, check_collection_name, request, timeout_secs};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::Rpc;
use crate::upload::encode_upserts;
use crate::types::{Filter, Point, ShardKeySelector, UpdateResult, WriteOrdering};

const UPSERT: Rpc = Rpc::write("/qdrant.Points/Upsert");

impl Client {
    /// Inserts points, or replaces the points that have the same ids.
    ///
    /// `.await` returns the [`UpdateResult`]. Waits for the write to be
    /// applied unless `.wait(false)`.
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
    pub fn upsert(&self, collection_name: impl Into<String>, points: impl IntoIterator<Item = Point>) -> Upsert<'_> {
        Upsert {
            client: self,
            collection_name: collection_name.into(),
            points: points.into_iter().collect(),
            wait: true,
            ordering: None,
            shard_key_selector: None,
            update_filter: None,
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

    /// Sends the points, split into several requests if together they
    /// are above the message limit (each part is applied on its own).
    async fn send(self) -> Result<UpdateResult> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let base = proto::UpsertPoints {
            collection_name: self.collection_name,
            wait: Some(self.wait),
            points: Vec::new(),
            ordering: self.ordering.map(Into::into),
            shard_key_selector: self.shard_key_selector.map(Into::into),
            update_filter: self.update_filter.map(Into::into),
            timeout: timeout_secs(self.timeout),
            update_mode: None,
        };
        let transport = self.client.transport();
        let parts = encode_upserts(&base, self.points, 0, transport.settings.max_encoding_message_size)?;
        let mut result = None;
        for part in parts {
            let call = UPSERT.on(&base.collection_name).timeout(self.timeout).idempotent(true);
            let response: proto::PointsOperationResponse = transport.unary_encoded(call, part).await?;
            result = Some(UpdateResult::from_response(response.result)?);
        }
        result.ok_or_else(|| Error::missing("result"))
    }
}

request!(Upsert => UpdateResult);
