//! Domain types: what requests take and responses give, each file owning
//! its conversions to and from the wire.

mod payload;
mod point;
mod vector;
pub(crate) mod wire;

pub use payload::{IntoPayload, Payload, Value};
pub(crate) use payload::{from_proto_map, into_proto_map};
pub use point::{Point, PointId, PointVectors, Record, ScoredPoint};
pub use vector::{Document, Image, InferenceObject, SparseVector, Vector, Vectors};
