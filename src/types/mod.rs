//! Domain types: what requests take and responses give, each file owning
//! its conversions to and from the wire.

mod alias;
mod cluster;
mod collection;
mod config;
pub(crate) mod decode;
mod filter;
mod group;
mod index;
mod operation;
mod payload;
#[cfg(feature = "serde")]
mod payload_serializer;
mod point;
mod quantization;
mod query;
mod selector;
mod snapshot;
mod update;
mod vector;
pub(crate) mod wire;

pub use alias::{AliasDescription, AliasOperation};
pub use cluster::{
    ClusterOperation, CollectionClusterInfo, ReplicaState, ShardInfo, ShardTransferInfo, ShardTransferMethod,
};
pub use collection::*;
pub use config::*;
pub use filter::{
    Condition, DatetimeRange, Filter, GeoPoint, MatchValue, MatchValues, MinShould, Range, ValuesCount,
};
pub use group::{FacetHit, FacetValue, GroupId, PointGroup, SearchMatrixOffsets, SearchMatrixPair};
pub use index::*;
pub use operation::PointsUpdateOperation;
#[cfg(feature = "serde")]
pub use payload::Json;
pub use payload::{IntoPayload, Payload, Value};
pub use point::{OrderValue, Point, PointId, PointVectors, Record, ScoredPoint};
pub(crate) use point::{checked_protos, vectors_argument};
pub use quantization::*;
pub use query::{
    Decay, Direction, Expression, Fusion, LookupLocation, OrderBy, Prefetch, QuantizationSearchParams, Query,
    RecommendStrategy, SearchParams, StartFrom, VectorInput,
};
pub use selector::{
    PayloadSelector, PointsSelector, ReadConsistency, ShardKey, ShardKeySelector, VectorsSelector,
    WriteOrdering,
};
pub use snapshot::SnapshotDescription;
pub use update::{UpdateMode, UpdateResult, UpdateStatus};
pub use vector::{Document, Image, InferenceObject, SparseVector, Vector, Vectors};
