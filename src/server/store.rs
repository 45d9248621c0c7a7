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

/// The id of the single peer, as cluster info and snapshot names show it.
pub(crate) const PEER_ID: u64 = 1;

/// Qdrant's answer for a collection (or alias) that does not exist.
pub(crate) fn collection_not_found(name: &str) -> tonic::Status {
    tonic::Status::not_found(format!("Not found: Collection `{}` doesn't exist!", quoted(name)))
}

/// Qdrant's rule for collection names: 1 to 255 bytes, and none of the
/// characters a file name cannot hold. Only a new collection's name is held
/// to the whole list (`strict`); other requests refuse `/` and NUL, the
/// characters older releases refused.
pub(crate) fn check_collection_name(name: &str, strict: bool) -> Result<(), tonic::Status> {
    const FORBIDDEN: &[char] = &['<', '>', ':', '"', '/', '\\', '|', '?', '*', '\0', '\u{1F}'];
    const LEGACY: &[char] = &['/', '\0'];
    if name.is_empty() || name.len() > 255 {
        return Err(tonic::Status::invalid_argument(format!(
            "Validation error in body: [collection_name: value {:?} invalid, must be from 1 to 255 characters]",
            quoted(name)
        )));
    }
    let forbidden = if strict { FORBIDDEN } else { LEGACY };
    if let Some(c) = forbidden.iter().find(|c| name.contains(**c)) {
        return Err(tonic::Status::invalid_argument(format!(
            "Validation error in body: [collection_name: collection name cannot contain \"{c}\" char]"
        )));
    }
    Ok(())
}

/// Qdrant's answer for bad input.
pub(crate) fn bad_input(description: impl std::fmt::Display) -> tonic::Status {
    tonic::Status::invalid_argument(clip(format!("Wrong input: {description}")))
}

/// The longest error message sent. Messages quote the client's names and
/// values, and a status message travels in an HTTP/2 header: one that
/// quotes a 60 kB name no longer fits the client's header limit, and the
/// client sees a protocol error instead of the status (Qdrant 1.19 does
/// that). Cut, it still says what was wrong.
const MAX_MESSAGE: usize = 1024;

/// `message`, cut to [`MAX_MESSAGE`] bytes at a character boundary.
pub(crate) fn clip(mut message: String) -> String {
    if message.len() > MAX_MESSAGE {
        let total = message.len();
        message.truncate(floor_char_boundary(&message, MAX_MESSAGE));
        message.push_str(&format!("... ({total} bytes in all)"));
    }
    message
}

/// A client's string as a message quotes it: the first 256 bytes of a
/// longer one, so that the rest of the message still fits.
pub(crate) fn quoted(s: &str) -> std::borrow::Cow<'_, str> {
    const MAX_QUOTED: usize = 256;
    if s.len() <= MAX_QUOTED {
        return s.into();
    }
    format!(
        "{}... ({} bytes)",
        &s[..floor_char_boundary(s, MAX_QUOTED)],
        s.len()
    )
    .into()
}

fn floor_char_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl Store {
    /// The collection with this name, or the one this alias names.
    pub(crate) async fn resolve(&self, name: &str) -> Result<SharedCollection, tonic::Status> {
        self.resolve_named(name).await.map(|(_, c)| c)
    }

    /// [`Store::resolve`], with the collection's own name.
    pub(crate) async fn resolve_named(
        &self,
        name: &str,
    ) -> Result<(String, SharedCollection), tonic::Status> {
        check_collection_name(name, false)?;
        let real = self
            .aliases
            .read()
            .await
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned());
        let collection = self
            .collections
            .read()
            .await
            .get(&real)
            .cloned()
            .ok_or_else(|| collection_not_found(name))?;
        Ok((real, collection))
    }
}

/// What a vector name is configured as.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum VectorKind {
    Dense {
        size: u64,
        distance: proto::Distance,
        multi: bool,
    },
    Sparse {
        idf: bool,
    },
}

impl Collection {
    /// A new, empty collection with this configuration.
    pub(crate) fn new(config: proto::CollectionConfig) -> Self {
        Collection {
            config,
            points: BTreeMap::new(),
            payload_schema: HashMap::new(),
            operation_id: 0,
            snapshots: Vec::new(),
            metadata: HashMap::new(),
        }
    }

    /// The configuration of the vector with this name ("" is the unnamed one).
    pub(crate) fn vector_kind(&self, name: &str) -> Option<VectorKind> {
        use proto::vectors_config::Config;
        let params = self.config.params.as_ref()?;
        let dense = |p: &proto::VectorParams| VectorKind::Dense {
            size: p.size,
            distance: proto::Distance::try_from(p.distance).unwrap_or(proto::Distance::Cosine),
            multi: p.multivector_config.is_some(),
        };
        match params.vectors_config.as_ref().and_then(|v| v.config.as_ref()) {
            Some(Config::Params(p)) if name.is_empty() => return Some(dense(p)),
            Some(Config::ParamsMap(m)) => {
                if let Some(p) = m.map.get(name) {
                    return Some(dense(p));
                }
            }
            _ => {}
        }
        let sparse = params.sparse_vectors_config.as_ref()?.map.get(name)?;
        Some(VectorKind::Sparse {
            idf: sparse.modifier == Some(proto::Modifier::Idf as i32),
        })
    }

    /// The next operation id.
    pub(crate) fn next_operation(&mut self) -> u64 {
        self.operation_id += 1;
        self.operation_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_quoted_in_part() {
        let name = "\u{e9}".repeat(40_000);
        let status = collection_not_found(&name);
        assert!(status.message().len() < 400, "{}", status.message().len());
        assert!(status.message().ends_with("(80000 bytes)` doesn't exist!"));
        let status = bad_input(format!("Not existing vector name error: {name}"));
        assert!(status.message().len() < 1100, "{}", status.message().len());
        assert_eq!(quoted("short"), "short");
        assert_eq!(clip("short".into()), "short");
    }
}
