//! The embedded server's in-memory state: collections, their points, aliases
//! and snapshot descriptions. Everything is keyed and typed so that the
//! services and the search engine agree on one representation.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::RwLock;

use crate::proto;

/// A point id as the store orders it: numeric ids before UUIDs, each in
/// ascending order (the order Qdrant's scroll returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PointKey {
    Num(u64),
    Uuid(uuid::Uuid),
}

/// One stored vector. Dense vectors of a Cosine space are kept normalized,
/// as Qdrant stores them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StoredVector {
    Dense(Vec<f32>),
    Sparse { indices: Vec<u32>, values: Vec<f32> },
    Multi(Vec<Vec<f32>>),
}

/// One stored point. The unnamed (default) vector is stored under the name "".
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct StoredPoint {
    pub vectors: HashMap<String, StoredVector>,
    pub payload: HashMap<String, proto::Value>,
}

/// One collection: its configuration, its points and its payload indexes.
#[derive(Debug)]
pub(crate) struct Collection {
    pub config: proto::CollectionConfig,
    pub points: BTreeMap<PointKey, StoredPoint>,
    /// Payload indexes by key, as shown in collection info.
    pub payload_schema: HashMap<String, proto::PayloadSchemaInfo>,
    /// Operation counter: the `operation_id` of write responses.
    pub operation_id: u64,
    pub snapshots: Vec<proto::SnapshotDescription>,
    pub metadata: HashMap<String, proto::Value>,
}

pub(crate) type SharedCollection = Arc<RwLock<Collection>>;

/// The whole server state.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub collections: RwLock<HashMap<String, SharedCollection>>,
    /// alias name -> collection name
    pub aliases: RwLock<HashMap<String, String>>,
    pub full_snapshots: RwLock<Vec<proto::SnapshotDescription>>,
}
