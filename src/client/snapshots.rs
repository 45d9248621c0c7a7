//! Snapshots of one collection, and full snapshots of the whole storage.

use super::{Client, check_collection_name, request};
use crate::error::{Error, Result};
use crate::proto;
use crate::transport::{CallOptions, Rpc};
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
    pub fn create_snapshot(&self, collection_name: impl Into<String>) -> CreateSnapshot<'_> {
        CreateSnapshot {
            client: self,
            collection_name: collection_name.into(),
            call: CallOptions::default(),
        }
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
    pub fn list_snapshots(&self, collection_name: impl Into<String>) -> ListSnapshots<'_> {
        ListSnapshots {
            client: self,
            collection_name: collection_name.into(),
            call: CallOptions::default(),
        }
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
    ) -> DeleteSnapshot<'_> {
        DeleteSnapshot {
            client: self,
            collection_name: collection_name.into(),
            snapshot_name: snapshot_name.into(),
            call: CallOptions::default(),
        }
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
    pub fn create_full_snapshot(&self) -> CreateFullSnapshot<'_> {
        CreateFullSnapshot {
            client: self,
            call: CallOptions::default(),
        }
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
    pub fn list_full_snapshots(&self) -> ListFullSnapshots<'_> {
        ListFullSnapshots {
            client: self,
            call: CallOptions::default(),
        }
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
    pub fn delete_full_snapshot(&self, snapshot_name: impl Into<String>) -> DeleteFullSnapshot<'_> {
        DeleteFullSnapshot {
            client: self,
            snapshot_name: snapshot_name.into(),
            call: CallOptions::default(),
        }
    }
}

/// The request built by [`Client::create_snapshot`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let snapshot = client.create_snapshot("my_collection").await?;
/// println!("{} ({} bytes)", snapshot.name, snapshot.size);
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateSnapshot<'a> {
    client: &'a Client,
    collection_name: String,
    call: CallOptions,
}

impl CreateSnapshot<'_> {
    async fn send(self) -> Result<SnapshotDescription> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::CreateSnapshotRequest {
            collection_name: self.collection_name,
        };
        let call = CREATE.on(&request.collection_name).options(&self.call);
        description(self.client.transport().unary(call, &request).await?)
    }
}

request!(CreateSnapshot => SnapshotDescription);

/// The request built by [`Client::list_snapshots`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// for snapshot in client.list_snapshots("my_collection").await? {
///     println!("{}", snapshot.name);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct ListSnapshots<'a> {
    client: &'a Client,
    collection_name: String,
    call: CallOptions,
}

impl ListSnapshots<'_> {
    async fn send(self) -> Result<Vec<SnapshotDescription>> {
        check_collection_name(&self.collection_name, "collection_name")?;
        let request = proto::ListSnapshotsRequest {
            collection_name: self.collection_name,
        };
        let call = LIST.on(&request.collection_name).options(&self.call);
        descriptions(self.client.transport().unary(call, &request).await?)
    }
}

request!(ListSnapshots => Vec<SnapshotDescription>);

/// The request built by [`Client::delete_snapshot`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.delete_snapshot("my_collection", "my_collection-2025-01-01.snapshot").await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteSnapshot<'a> {
    client: &'a Client,
    collection_name: String,
    snapshot_name: String,
    call: CallOptions,
}

impl DeleteSnapshot<'_> {
    async fn send(self) -> Result<()> {
        check_collection_name(&self.collection_name, "collection_name")?;
        check_snapshot_name(&self.snapshot_name)?;
        let request = proto::DeleteSnapshotRequest {
            collection_name: self.collection_name,
            snapshot_name: self.snapshot_name,
        };
        let call = DELETE.on(&request.collection_name).options(&self.call);
        let _: proto::DeleteSnapshotResponse = self.client.transport().unary(call, &request).await?;
        Ok(())
    }
}

request!(DeleteSnapshot => ());

/// The request built by [`Client::create_full_snapshot`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let snapshot = client.create_full_snapshot().await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateFullSnapshot<'a> {
    client: &'a Client,
    call: CallOptions,
}

impl CreateFullSnapshot<'_> {
    async fn send(self) -> Result<SnapshotDescription> {
        let call = CREATE_FULL.call().options(&self.call);
        let request = proto::CreateFullSnapshotRequest {};
        description(self.client.transport().unary(call, &request).await?)
    }
}

request!(CreateFullSnapshot => SnapshotDescription);

/// The request built by [`Client::list_full_snapshots`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let snapshots = client.list_full_snapshots().await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct ListFullSnapshots<'a> {
    client: &'a Client,
    call: CallOptions,
}

impl ListFullSnapshots<'_> {
    async fn send(self) -> Result<Vec<SnapshotDescription>> {
        let call = LIST_FULL.call().options(&self.call);
        let request = proto::ListFullSnapshotsRequest {};
        descriptions(self.client.transport().unary(call, &request).await?)
    }
}

request!(ListFullSnapshots => Vec<SnapshotDescription>);

/// The request built by [`Client::delete_full_snapshot`].
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// client.delete_full_snapshot("full-snapshot-2025-01-01.snapshot").await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteFullSnapshot<'a> {
    client: &'a Client,
    snapshot_name: String,
    call: CallOptions,
}

impl DeleteFullSnapshot<'_> {
    async fn send(self) -> Result<()> {
        check_snapshot_name(&self.snapshot_name)?;
        let request = proto::DeleteFullSnapshotRequest {
            snapshot_name: self.snapshot_name,
        };
        let call = DELETE_FULL.call().options(&self.call);
        let _: proto::DeleteSnapshotResponse = self.client.transport().unary(call, &request).await?;
        Ok(())
    }
}

request!(DeleteFullSnapshot => ());

/// The description in a create answer.
fn description(response: proto::CreateSnapshotResponse) -> Result<SnapshotDescription> {
    let description = response
        .snapshot_description
        .ok_or_else(|| Error::missing("snapshot_description"))?;
    SnapshotDescription::try_from(description)
}

/// The descriptions in a list answer.
fn descriptions(response: proto::ListSnapshotsResponse) -> Result<Vec<SnapshotDescription>> {
    response
        .snapshot_descriptions
        .into_iter()
        .map(SnapshotDescription::try_from)
        .collect()
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
