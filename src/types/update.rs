//! The result of a write.

use crate::error::{Error, Result};
use crate::proto;

/// What an upsert does with each point, by whether its id exists
/// (protocol 1.20; Qdrant 1.18.3 and 1.19.0 honour it).
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Point, UpdateMode};
///
/// // Only change points that already exist.
/// client
///     .upsert("my_collection", [Point::new(1, vec![0.9, 0.1, 0.1, 0.5])])
///     .update_mode(UpdateMode::UpdateOnly)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateMode {
    /// Inserts new points and replaces existing ones (the default).
    #[default]
    Upsert,
    /// Inserts new points; leaves existing ones as they are.
    InsertOnly,
    /// Replaces existing points; ignores the new ones.
    UpdateOnly,
}

impl From<UpdateMode> for proto::UpdateMode {
    fn from(mode: UpdateMode) -> Self {
        match mode {
            UpdateMode::Upsert => proto::UpdateMode::Upsert,
            UpdateMode::InsertOnly => proto::UpdateMode::InsertOnly,
            UpdateMode::UpdateOnly => proto::UpdateMode::UpdateOnly,
        }
    }
}

/// How far a write got.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Point, UpdateStatus};
///
/// let result = client.upsert("my_collection", [Point::new(1, vec![0.9, 0.1, 0.1, 0.5])]).wait(false).await?;
/// // Without waiting, the write is only acknowledged.
/// assert_eq!(result.status, UpdateStatus::Acknowledged);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateStatus {
    /// Received and queued, not yet applied (`wait(false)`).
    Acknowledged,
    /// Applied.
    Completed,
    /// Rejected: an older clock tick than already applied.
    ClockRejected,
    /// Not applied within the request's timeout; it may still be.
    WaitTimeout,
    /// A status this client does not know.
    Unknown(i32),
}

impl From<i32> for UpdateStatus {
    fn from(status: i32) -> Self {
        match proto::UpdateStatus::try_from(status) {
            Ok(proto::UpdateStatus::Acknowledged) => UpdateStatus::Acknowledged,
            Ok(proto::UpdateStatus::Completed) => UpdateStatus::Completed,
            Ok(proto::UpdateStatus::ClockRejected) => UpdateStatus::ClockRejected,
            Ok(proto::UpdateStatus::WaitTimeout) => UpdateStatus::WaitTimeout,
            _ => UpdateStatus::Unknown(status),
        }
    }
}

/// What a write returns.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Point, UpdateStatus};
///
/// let result = client.upsert("my_collection", [Point::new(1, vec![0.9, 0.1, 0.1, 0.5])]).await?;
/// assert_eq!(result.status, UpdateStatus::Completed);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateResult {
    /// The operation's sequence number, when the server gives one.
    pub operation_id: Option<u64>,
    /// How far it got.
    pub status: UpdateStatus,
}

impl UpdateResult {
    pub(crate) fn from_response(result: Option<proto::UpdateResult>) -> Result<Self> {
        let result = result.ok_or_else(|| Error::missing("result"))?;
        Ok(UpdateResult {
            operation_id: result.operation_id,
            status: result.status.into(),
        })
    }
}
