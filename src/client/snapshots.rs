//! Snapshots of one collection, and full snapshots of the whole storage.

use std::time::Duration;

use super::{Client, check_collection_name};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::Rpc;
use crate::types::SnapshotDescription;

const CREATE: Rpc = Rpc::write("/qdrant.Snapshots/Create");
const LIST: Rpc = Rpc::read("/qdrant.Snapshots/List");
const DELETE: Rpc = Rpc::write("/qdrant.Snapshots/Delete");
const CREATE_FULL: Rpc = Rpc::write("/qdrant.Snapshots/CreateFull");
const LIST_FULL: Rpc = Rpc::read("/qdrant.Snapshots/ListFull");
const DELETE_FULL: Rpc = Rpc::write("/qdrant.Snapshots/DeleteFull");

impl Client {
    /// Takes a snapshot of a collection.
    ///
    /// `.await` returns the new snapshot's description.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let snapshot = client.create_snapshot("my_collection").await?;
    /// println!("{} ({} bytes)", snapshot.name, snapshot.size);
    /// # Ok(()) }
    /// ```
    pub fn create_snapshot(
        &self,
        collection_name: impl Into<String>,
    ) -> SnapshotRequest<'_, SnapshotDescription> {
        SnapshotRequest::new(self, Op::Create(collection_name.into()))
    }

    /// The snapshots of a collection.
    ///
    /// `.await` returns their descriptions.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// for snapshot in client.list_snapshots("my_collection").await? {
    ///     println!("{}", snapshot.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_snapshots(
        &self,
        collection_name: impl Into<String>,
    ) -> SnapshotRequest<'_, Vec<SnapshotDescription>> {
        SnapshotRequest::new(self, Op::List(collection_name.into()))
    }

    /// Deletes a snapshot of a collection.
    ///
    /// `.await` returns `()` once it is deleted.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_snapshot("my_collection", "my_collection-2024-01-01.snapshot").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_snapshot(
        &self,
        collection_name: impl Into<String>,
        snapshot_name: impl Into<String>,
    ) -> SnapshotRequest<'_, ()> {
        SnapshotRequest::new(self, Op::Delete(collection_name.into(), snapshot_name.into()))
    }

    /// Takes a snapshot of the whole storage: every collection.
    ///
    /// `.await` returns the new snapshot's description.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let snapshot = client.create_full_snapshot().await?;
    /// # Ok(()) }
    /// ```
    pub fn create_full_snapshot(&self) -> SnapshotRequest<'_, SnapshotDescription> {
        SnapshotRequest::new(self, Op::CreateFull)
    }

    /// The full snapshots.
    ///
    /// `.await` returns their descriptions.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// let snapshots = client.list_full_snapshots().await?;
    /// # Ok(()) }
    /// ```
    pub fn list_full_snapshots(&self) -> SnapshotRequest<'_, Vec<SnapshotDescription>> {
        SnapshotRequest::new(self, Op::ListFull)
    }

    /// Deletes a full snapshot.
    ///
    /// `.await` returns `()` once it is deleted.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
    /// client.delete_full_snapshot("full-snapshot-2024-01-01.snapshot").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_full_snapshot(&self, snapshot_name: impl Into<String>) -> SnapshotRequest<'_, ()> {
        SnapshotRequest::new(self, Op::DeleteFull(snapshot_name.into()))
    }
}

enum Op {
    Create(String),
    List(String),
    Delete(String, String),
    CreateFull,
    ListFull,
    DeleteFull(String),
}

/// A snapshot request, built by the snapshot methods of [`Client`];
/// `.await` returns `T`.
#[must_use = "a request does nothing until it is awaited"]
pub struct SnapshotRequest<'a, T> {
    client: &'a Client,
    op: Op,
    timeout: Option<Duration>,
    _output: std::marker::PhantomData<fn() -> T>,
}

impl<'a, T> SnapshotRequest<'a, T> {
    fn new(client: &'a Client, op: Op) -> Self {
        SnapshotRequest {
            client,
            op,
            timeout: None,
            _output: std::marker::PhantomData,
        }
    }

    /// Deadline for this call, overriding the client's default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the request; every snapshot RPC answers with descriptions (or
    /// nothing, for deletes), collected here as a list.
    async fn descriptions(self) -> Result<Vec<SnapshotDescription>> {
        let transport = self.client.transport();
        let one = |response: proto::CreateSnapshotResponse| {
            let description = response
                .snapshot_description
                .ok_or_else(|| Error::missing("snapshot_description"))?;
            Ok(vec![SnapshotDescription::try_from(description)?])
        };
        let many = |response: proto::ListSnapshotsResponse| {
            response
                .snapshot_descriptions
                .into_iter()
                .map(SnapshotDescription::try_from)
                .collect()
        };
        let timeout = self.timeout;
        match self.op {
            Op::Create(collection_name) => {
                check_collection_name(&collection_name, "collection_name")?;
                let request = proto::CreateSnapshotRequest { collection_name };
                one(transport
                    .unary(CREATE.on(&request.collection_name).timeout(timeout), &request)
                    .await?)
            }
            Op::List(collection_name) => {
                check_collection_name(&collection_name, "collection_name")?;
                let request = proto::ListSnapshotsRequest { collection_name };
                many(
                    transport
                        .unary(LIST.on(&request.collection_name).timeout(timeout), &request)
                        .await?,
                )
            }
            Op::Delete(collection_name, snapshot_name) => {
                check_collection_name(&collection_name, "collection_name")?;
                check_snapshot_name(&snapshot_name)?;
                let request = proto::DeleteSnapshotRequest {
                    collection_name,
                    snapshot_name,
                };
                let call = DELETE.on(&request.collection_name).timeout(timeout);
                let _: proto::DeleteSnapshotResponse = transport.unary(call, &request).await?;
                Ok(Vec::new())
            }
            Op::CreateFull => one(transport
                .unary(
                    CREATE_FULL.call().timeout(timeout),
                    &proto::CreateFullSnapshotRequest {},
                )
                .await?),
            Op::ListFull => many(
                transport
                    .unary(
                        LIST_FULL.call().timeout(timeout),
                        &proto::ListFullSnapshotsRequest {},
                    )
                    .await?,
            ),
            Op::DeleteFull(snapshot_name) => {
                check_snapshot_name(&snapshot_name)?;
                let request = proto::DeleteFullSnapshotRequest { snapshot_name };
                let _: proto::DeleteSnapshotResponse = transport
                    .unary(DELETE_FULL.call().timeout(timeout), &request)
                    .await?;
                Ok(Vec::new())
            }
        }
    }
}

fn check_snapshot_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_argument(
            "snapshot_name",
            "the snapshot name is empty",
        ));
    }
    Ok(())
}

impl<'a> std::future::IntoFuture for SnapshotRequest<'a, SnapshotDescription> {
    type Output = Result<SnapshotDescription>;
    type IntoFuture = futures_util::future::BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.descriptions()
                .await?
                .pop()
                .ok_or_else(|| Error::missing("snapshot_description"))
        })
    }
}

impl<'a> std::future::IntoFuture for SnapshotRequest<'a, Vec<SnapshotDescription>> {
    type Output = Result<Vec<SnapshotDescription>>;
    type IntoFuture = futures_util::future::BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.descriptions())
    }
}

impl<'a> std::future::IntoFuture for SnapshotRequest<'a, ()> {
    type Output = Result<()>;
    type IntoFuture = futures_util::future::BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.descriptions().await.map(drop) })
    }
}
