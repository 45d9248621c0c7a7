//! Snapshot descriptions.

use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::proto;

/// A snapshot, as the snapshot calls describe it.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let snapshot = client.create_snapshot("my_collection").await?;
/// println!("{}: {} bytes, {:?}", snapshot.name, snapshot.size, snapshot.creation_time);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapshotDescription {
    /// The file name.
    pub name: String,
    /// When it was taken.
    pub creation_time: Option<SystemTime>,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256 checksum, when known.
    pub checksum: Option<String>,
}

impl TryFrom<proto::SnapshotDescription> for SnapshotDescription {
    type Error = Error;

    fn try_from(d: proto::SnapshotDescription) -> Result<Self> {
        let size = u64::try_from(d.size).map_err(|_| {
            Error::unexpected("snapshot_description.size", format!("is negative: {}", d.size))
        })?;
        Ok(SnapshotDescription {
            name: d.name,
            creation_time: d.creation_time.and_then(|t| SystemTime::try_from(t).ok()),
            size,
            checksum: d.checksum,
        })
    }
}
