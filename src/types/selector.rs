//! Selectors and consistency options: which payload and vectors to
//! return, which points to change, which shards to touch, and how many
//! replicas must agree.

use crate::error::{Error, Result};
use crate::proto;
use crate::types::filter::Filter;
use crate::types::point::PointId;

/// Which payload to return with each point.
///
/// ```
/// use qdrant_async::PayloadSelector;
///
/// let all: PayloadSelector = true.into();
/// let some = PayloadSelector::include(["color", "price"]);
/// let most = PayloadSelector::exclude(["embedding_text"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadSelector {
    /// All of it (`true`) or none (`false`).
    Enable(bool),
    /// Only these keys.
    Include(Vec<String>),
    /// All but these keys.
    Exclude(Vec<String>),
}

impl PayloadSelector {
    /// Only these keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::PayloadSelector;
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .with_payload(PayloadSelector::include(["title", "price"]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn include<K: Into<String>>(keys: impl IntoIterator<Item = K>) -> Self {
        PayloadSelector::Include(keys.into_iter().map(Into::into).collect())
    }

    /// All but these keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::PayloadSelector;
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .with_payload(PayloadSelector::exclude(["embedding_text"]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn exclude<K: Into<String>>(keys: impl IntoIterator<Item = K>) -> Self {
        PayloadSelector::Exclude(keys.into_iter().map(Into::into).collect())
    }
}

impl From<bool> for PayloadSelector {
    fn from(enable: bool) -> Self {
        PayloadSelector::Enable(enable)
    }
}

impl From<Vec<String>> for PayloadSelector {
    fn from(keys: Vec<String>) -> Self {
        PayloadSelector::Include(keys)
    }
}

impl From<&[&str]> for PayloadSelector {
    fn from(keys: &[&str]) -> Self {
        PayloadSelector::include(keys.iter().copied())
    }
}

impl<const N: usize> From<[&str; N]> for PayloadSelector {
    fn from(keys: [&str; N]) -> Self {
        PayloadSelector::include(keys)
    }
}

impl From<PayloadSelector> for proto::WithPayloadSelector {
    fn from(selector: PayloadSelector) -> Self {
        use proto::with_payload_selector::SelectorOptions;
        let options = match selector {
            PayloadSelector::Enable(b) => SelectorOptions::Enable(b),
            PayloadSelector::Include(fields) => {
                SelectorOptions::Include(proto::PayloadIncludeSelector { fields })
            }
            PayloadSelector::Exclude(fields) => {
                SelectorOptions::Exclude(proto::PayloadExcludeSelector { fields })
            }
        };
        proto::WithPayloadSelector {
            selector_options: Some(options),
        }
    }
}

/// Which vectors to return with each point.
///
/// ```
/// use qdrant_async::VectorsSelector;
///
/// let all: VectorsSelector = true.into();
/// let some = VectorsSelector::include(["image"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VectorsSelector {
    /// All of them (`true`) or none (`false`).
    Enable(bool),
    /// Only the vectors with these names.
    Include(Vec<String>),
}

impl VectorsSelector {
    /// Only the vectors with these names.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::VectorsSelector;
    ///
    /// let records = client.retrieve("products", [1, 2]).with_vectors(VectorsSelector::include(["image"])).await?;
    /// # Ok(()) }
    /// ```
    pub fn include<K: Into<String>>(names: impl IntoIterator<Item = K>) -> Self {
        VectorsSelector::Include(names.into_iter().map(Into::into).collect())
    }
}

impl From<bool> for VectorsSelector {
    fn from(enable: bool) -> Self {
        VectorsSelector::Enable(enable)
    }
}

impl From<Vec<String>> for VectorsSelector {
    fn from(names: Vec<String>) -> Self {
        VectorsSelector::Include(names)
    }
}

impl<const N: usize> From<[&str; N]> for VectorsSelector {
    fn from(names: [&str; N]) -> Self {
        VectorsSelector::include(names)
    }
}

impl From<VectorsSelector> for proto::WithVectorsSelector {
    fn from(selector: VectorsSelector) -> Self {
        use proto::with_vectors_selector::SelectorOptions;
        let options = match selector {
            VectorsSelector::Enable(b) => SelectorOptions::Enable(b),
            VectorsSelector::Include(names) => SelectorOptions::Include(proto::VectorsSelector { names }),
        };
        proto::WithVectorsSelector {
            selector_options: Some(options),
        }
    }
}

/// How many replicas must answer a read.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::ReadConsistency;
///
/// let hits = client
///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
///     .read_consistency(ReadConsistency::Majority)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadConsistency {
    /// This many replicas.
    Factor(u64),
    /// All replicas.
    All,
    /// A majority of replicas.
    Majority,
    /// More than half of the replicas.
    Quorum,
}

impl From<ReadConsistency> for proto::ReadConsistency {
    fn from(c: ReadConsistency) -> Self {
        use proto::read_consistency::Value;
        let value = match c {
            ReadConsistency::Factor(n) => Value::Factor(n),
            ReadConsistency::All => Value::Type(proto::ReadConsistencyType::All as i32),
            ReadConsistency::Majority => Value::Type(proto::ReadConsistencyType::Majority as i32),
            ReadConsistency::Quorum => Value::Type(proto::ReadConsistencyType::Quorum as i32),
        };
        proto::ReadConsistency { value: Some(value) }
    }
}

/// Ordering guarantee of a write across replicas.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Point, WriteOrdering};
///
/// client
///     .upsert("my_collection", [Point::new(1, vec![0.9, 0.1, 0.1, 0.5])])
///     .ordering(WriteOrdering::Strong)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WriteOrdering {
    /// Any replica applies the write as it comes (the default).
    #[default]
    Weak,
    /// Through a dynamically chosen leader.
    Medium,
    /// Through the permanent leader.
    Strong,
}

impl From<WriteOrdering> for proto::WriteOrdering {
    fn from(o: WriteOrdering) -> Self {
        let r#type = match o {
            WriteOrdering::Weak => proto::WriteOrderingType::Weak,
            WriteOrdering::Medium => proto::WriteOrderingType::Medium,
            WriteOrdering::Strong => proto::WriteOrderingType::Strong,
        };
        proto::WriteOrdering {
            r#type: r#type as i32,
        }
    }
}

/// A shard key: a string or a number.
///
/// ```
/// use qdrant_async::ShardKey;
///
/// let by_name = ShardKey::from("tenant_a");
/// let by_number = ShardKey::from(7);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ShardKey {
    /// A string key.
    Keyword(String),
    /// A numeric key.
    Number(u64),
}

impl From<&str> for ShardKey {
    fn from(s: &str) -> Self {
        ShardKey::Keyword(s.to_owned())
    }
}

impl From<String> for ShardKey {
    fn from(s: String) -> Self {
        ShardKey::Keyword(s)
    }
}

impl From<u64> for ShardKey {
    fn from(n: u64) -> Self {
        ShardKey::Number(n)
    }
}

impl From<ShardKey> for proto::ShardKey {
    fn from(k: ShardKey) -> Self {
        use proto::shard_key::Key;
        let key = match k {
            ShardKey::Keyword(s) => Key::Keyword(s),
            ShardKey::Number(n) => Key::Number(n),
        };
        proto::ShardKey { key: Some(key) }
    }
}

impl TryFrom<proto::ShardKey> for ShardKey {
    type Error = Error;
    fn try_from(k: proto::ShardKey) -> Result<Self> {
        use proto::shard_key::Key;
        match k.key {
            Some(Key::Keyword(s)) => Ok(ShardKey::Keyword(s)),
            Some(Key::Number(n)) => Ok(ShardKey::Number(n)),
            None => Err(Error::missing("shard_key.key")),
        }
    }
}

/// Which shards a request touches, by key; with a fallback key for reads
/// and writes whose keys do not exist.
///
/// ```
/// use qdrant_async::ShardKeySelector;
///
/// let one: ShardKeySelector = "tenant_a".into();
/// let two = ShardKeySelector::new(["tenant_a", "tenant_b"]).fallback("default");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardKeySelector {
    /// The keys.
    pub shard_keys: Vec<ShardKey>,
    /// The key to use when none of `shard_keys` exists.
    pub fallback: Option<ShardKey>,
}

impl ShardKeySelector {
    /// These keys.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ShardKeySelector;
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .shard_key_selector(ShardKeySelector::new(["tenant_a"]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new<K: Into<ShardKey>>(keys: impl IntoIterator<Item = K>) -> Self {
        ShardKeySelector {
            shard_keys: keys.into_iter().map(Into::into).collect(),
            fallback: None,
        }
    }

    /// The key to use when none of the keys exists.
    ///
    /// ```
    /// use qdrant_async::ShardKeySelector;
    ///
    /// // Tenant a's shard; while it does not exist, the default shard.
    /// let selector = ShardKeySelector::new(["tenant_a"]).fallback("default");
    /// ```
    pub fn fallback(mut self, key: impl Into<ShardKey>) -> Self {
        self.fallback = Some(key.into());
        self
    }
}

impl<K: Into<ShardKey>> From<K> for ShardKeySelector {
    fn from(key: K) -> Self {
        ShardKeySelector::new([key])
    }
}

impl From<ShardKeySelector> for proto::ShardKeySelector {
    fn from(s: ShardKeySelector) -> Self {
        proto::ShardKeySelector {
            shard_keys: s.shard_keys.into_iter().map(Into::into).collect(),
            fallback: s.fallback.map(Into::into),
        }
    }
}

/// The points a write applies to: by ids, or all that match a filter.
///
/// ```
/// use qdrant_async::{Condition, Filter, PointsSelector};
///
/// let by_ids: PointsSelector = [1, 2, 3].into();
/// let by_filter: PointsSelector = Filter::must([Condition::matches("color", "red")]).into();
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PointsSelector {
    /// These points.
    Ids(Vec<PointId>),
    /// Every point matching the filter.
    Filter(Filter),
}

impl PointsSelector {
    /// Whether this names its points (so repeating a write on them is safe).
    pub(crate) fn is_by_ids(&self) -> bool {
        matches!(self, PointsSelector::Ids(_))
    }

    /// Checks the ids and converts, naming a bad id as `argument[i]`.
    pub(crate) fn into_checked_proto(self, argument: &str) -> Result<proto::PointsSelector> {
        use proto::points_selector::PointsSelectorOneOf;
        let one_of = match self {
            PointsSelector::Ids(ids) => {
                let ids = ids
                    .iter()
                    .enumerate()
                    .map(|(i, id)| {
                        id.check(&|| format!("{argument}[{i}]"))?;
                        Ok(id.to_proto())
                    })
                    .collect::<Result<_>>()?;
                PointsSelectorOneOf::Points(proto::PointsIdsList { ids })
            }
            PointsSelector::Filter(filter) => PointsSelectorOneOf::Filter(filter.into()),
        };
        Ok(proto::PointsSelector {
            points_selector_one_of: Some(one_of),
        })
    }
}

impl From<Filter> for PointsSelector {
    fn from(filter: Filter) -> Self {
        PointsSelector::Filter(filter)
    }
}

impl<T: Into<PointId>> From<Vec<T>> for PointsSelector {
    fn from(ids: Vec<T>) -> Self {
        PointsSelector::Ids(ids.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<PointId>, const N: usize> From<[T; N]> for PointsSelector {
    fn from(ids: [T; N]) -> Self {
        PointsSelector::Ids(ids.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<PointId> + Clone> From<&[T]> for PointsSelector {
    fn from(ids: &[T]) -> Self {
        PointsSelector::Ids(ids.iter().cloned().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_convert() {
        let p: proto::WithPayloadSelector = PayloadSelector::include(["a"]).into();
        assert!(matches!(
            p.selector_options,
            Some(proto::with_payload_selector::SelectorOptions::Include(ref s)) if s.fields == ["a"]
        ));
        let k: proto::ShardKey = ShardKey::from(7).into();
        assert_eq!(ShardKey::try_from(k).unwrap(), ShardKey::Number(7));
    }

    #[test]
    fn bad_ids_in_a_selector_are_named() {
        let err = PointsSelector::from(vec!["x"])
            .into_checked_proto("points")
            .unwrap_err();
        assert!(err.to_string().contains("points[0]"), "{err}");
    }
}
