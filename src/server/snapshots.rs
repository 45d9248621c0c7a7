//! The `qdrant.Snapshots` service: descriptions only; the snapshots hold
//! nothing in memory.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tonic::{Request, Response, Status};

use super::elapsed;
use super::store::{PEER_ID, Store};
use crate::proto;

pub(crate) struct SnapshotsService {
    pub(crate) store: Arc<Store>,
}

type Reply<T> = Result<Response<T>, Status>;

/// A new snapshot's description, named as Qdrant names them:
/// `{prefix}-{YYYY-MM-DD-HH-MM-SS}.snapshot`.
fn describe(prefix: &str) -> proto::SnapshotDescription {
    let now = SystemTime::now();
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    let name = format!(
        "{prefix}-{y:04}-{m:02}-{d:02}-{:02}-{:02}-{:02}.snapshot",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    proto::SnapshotDescription {
        name,
        creation_time: Some(now.into()),
        size: 0,
        // SHA-256 of empty contents.
        checksum: Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into()),
    }
}

/// Adds a snapshot to a list; one taken in the same second has the same
/// name and replaces the file, as in Qdrant.
fn keep(list: &mut Vec<proto::SnapshotDescription>, description: proto::SnapshotDescription) {
    list.retain(|s| s.name != description.name);
    list.push(description);
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn snapshot_not_found(name: &str) -> Status {
    Status::not_found(super::store::clip(format!(
        "Not found: Snapshot {name} not found"
    )))
}

#[tonic::async_trait]
impl proto::snapshots_server::Snapshots for SnapshotsService {
    async fn create(
        &self,
        request: Request<proto::CreateSnapshotRequest>,
    ) -> Reply<proto::CreateSnapshotResponse> {
        let start = Instant::now();
        let name = request.into_inner().collection_name;
        // Named after the collection, also when asked through an alias.
        let (real, shared) = self.store.resolve_named(&name).await?;
        let mut col = shared.write().await;
        let description = describe(&format!("{real}-{PEER_ID}"));
        keep(&mut col.snapshots, description.clone());
        Ok(Response::new(proto::CreateSnapshotResponse {
            snapshot_description: Some(description),
            time: elapsed(start),
        }))
    }

    async fn list(
        &self,
        request: Request<proto::ListSnapshotsRequest>,
    ) -> Reply<proto::ListSnapshotsResponse> {
        let start = Instant::now();
        let shared = self.store.resolve(&request.get_ref().collection_name).await?;
        let col = shared.read().await;
        Ok(Response::new(proto::ListSnapshotsResponse {
            snapshot_descriptions: col.snapshots.clone(),
            time: elapsed(start),
        }))
    }

    async fn delete(
        &self,
        request: Request<proto::DeleteSnapshotRequest>,
    ) -> Reply<proto::DeleteSnapshotResponse> {
        let start = Instant::now();
        let r = request.into_inner();
        let shared = self.store.resolve(&r.collection_name).await?;
        let mut col = shared.write().await;
        let before = col.snapshots.len();
        col.snapshots.retain(|s| s.name != r.snapshot_name);
        if col.snapshots.len() == before {
            return Err(snapshot_not_found(&r.snapshot_name));
        }
        Ok(Response::new(proto::DeleteSnapshotResponse {
            time: elapsed(start),
        }))
    }

    async fn create_full(
        &self,
        _request: Request<proto::CreateFullSnapshotRequest>,
    ) -> Reply<proto::CreateSnapshotResponse> {
        let start = Instant::now();
        let mut full = self.store.full_snapshots.write().await;
        let description = describe("full-snapshot");
        keep(&mut full, description.clone());
        Ok(Response::new(proto::CreateSnapshotResponse {
            snapshot_description: Some(description),
            time: elapsed(start),
        }))
    }

    async fn list_full(
        &self,
        _request: Request<proto::ListFullSnapshotsRequest>,
    ) -> Reply<proto::ListSnapshotsResponse> {
        let start = Instant::now();
        let full = self.store.full_snapshots.read().await.clone();
        Ok(Response::new(proto::ListSnapshotsResponse {
            snapshot_descriptions: full,
            time: elapsed(start),
        }))
    }

    async fn delete_full(
        &self,
        request: Request<proto::DeleteFullSnapshotRequest>,
    ) -> Reply<proto::DeleteSnapshotResponse> {
        let start = Instant::now();
        let name = request.into_inner().snapshot_name;
        let mut full = self.store.full_snapshots.write().await;
        let before = full.len();
        full.retain(|s| s.name != name);
        if full.len() == before {
            return Err(snapshot_not_found(&name));
        }
        Ok(Response::new(proto::DeleteSnapshotResponse {
            time: elapsed(start),
        }))
    }
}
