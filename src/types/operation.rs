//! Point operations for [`Client::batch_update_points`](crate::Client::batch_update_points),
//! applied in order in one request.

use crate::error::{Error, Result};
use crate::proto;
use crate::types::filter::Filter;
use crate::types::payload::{IntoPayload, Payload};
use crate::types::point::{Point, PointVectors, checked_protos};
use crate::types::selector::{PointsSelector, ShardKeySelector};
use crate::types::update::UpdateMode;

/// One operation of a batch update.
///
/// ```
/// use qdrant_async::{Point, PointsUpdateOperation};
/// use serde_json::json;
///
/// let ops = [
///     PointsUpdateOperation::upsert([Point::new(1, [0.1, 0.2])]),
///     PointsUpdateOperation::set_payload(json!({"seen": true}), [1]),
///     PointsUpdateOperation::delete([2, 3]),
/// ];
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PointsUpdateOperation {
    kind: Kind,
    shard_key_selector: Option<ShardKeySelector>,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Upsert {
        points: Vec<Point>,
        update_filter: Option<Filter>,
        update_mode: Option<UpdateMode>,
    },
    Delete(PointsSelector),
    SetPayload {
        payload: std::result::Result<Payload, String>,
        points: PointsSelector,
        key: Option<String>,
    },
    OverwritePayload {
        payload: std::result::Result<Payload, String>,
        points: PointsSelector,
        key: Option<String>,
    },
    DeletePayload {
        keys: Vec<String>,
        points: PointsSelector,
    },
    ClearPayload(PointsSelector),
    UpdateVectors {
        points: Vec<PointVectors>,
        update_filter: Option<Filter>,
    },
    DeleteVectors {
        points: PointsSelector,
        vectors: Vec<String>,
    },
}

impl PointsUpdateOperation {
    fn new(kind: Kind) -> Self {
        PointsUpdateOperation {
            kind,
            shard_key_selector: None,
        }
    }

    /// Inserts or replaces points.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Point, PointsUpdateOperation};
    ///
    /// // Several writes in one call, applied in order.
    /// let results = client
    ///     .batch_update_points(
    ///         "my_collection",
    ///         [
    ///             PointsUpdateOperation::upsert([Point::new(1, vec![0.9, 0.1, 0.1, 0.5])]),
    ///             PointsUpdateOperation::delete(vec![2, 3]),
    ///         ],
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn upsert(points: impl IntoIterator<Item = Point>) -> Self {
        Self::new(Kind::Upsert {
            points: points.into_iter().collect(),
            update_filter: None,
            update_mode: None,
        })
    }

    /// Deletes points by ids or by filter.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, PointsUpdateOperation};
    ///
    /// let by_ids = PointsUpdateOperation::delete(vec![1, 2, 3]);
    /// let by_filter = PointsUpdateOperation::delete(Filter::must([Condition::matches("color", "red")]));
    /// ```
    pub fn delete(points: impl Into<PointsSelector>) -> Self {
        Self::new(Kind::Delete(points.into()))
    }

    /// Sets payload keys, keeping the others.
    ///
    /// ```
    /// use qdrant_async::PointsUpdateOperation;
    /// use serde_json::json;
    ///
    /// let op = PointsUpdateOperation::set_payload(json!({"reviewed": true}), vec![1, 2]);
    /// ```
    pub fn set_payload(payload: impl IntoPayload, points: impl Into<PointsSelector>) -> Self {
        Self::new(Kind::SetPayload {
            payload: payload.into_payload(),
            points: points.into(),
            key: None,
        })
    }

    /// Replaces the whole payload.
    ///
    /// ```
    /// use qdrant_async::PointsUpdateOperation;
    /// use serde_json::json;
    ///
    /// // Point 1's payload becomes exactly this.
    /// let op = PointsUpdateOperation::overwrite_payload(json!({"color": "blue"}), vec![1]);
    /// ```
    pub fn overwrite_payload(payload: impl IntoPayload, points: impl Into<PointsSelector>) -> Self {
        Self::new(Kind::OverwritePayload {
            payload: payload.into_payload(),
            points: points.into(),
            key: None,
        })
    }

    /// Deletes payload keys.
    ///
    /// ```
    /// use qdrant_async::PointsUpdateOperation;
    ///
    /// let op = PointsUpdateOperation::delete_payload(["draft", "tmp"], vec![1, 2]);
    /// ```
    pub fn delete_payload<K: Into<String>>(
        keys: impl IntoIterator<Item = K>,
        points: impl Into<PointsSelector>,
    ) -> Self {
        Self::new(Kind::DeletePayload {
            keys: keys.into_iter().map(Into::into).collect(),
            points: points.into(),
        })
    }

    /// Removes every payload key.
    ///
    /// ```
    /// use qdrant_async::PointsUpdateOperation;
    ///
    /// let op = PointsUpdateOperation::clear_payload(vec![1, 2]);
    /// ```
    pub fn clear_payload(points: impl Into<PointsSelector>) -> Self {
        Self::new(Kind::ClearPayload(points.into()))
    }

    /// Replaces some vectors of existing points.
    ///
    /// ```
    /// use qdrant_async::{PointVectors, PointsUpdateOperation};
    ///
    /// let op = PointsUpdateOperation::update_vectors([PointVectors::new(1, vec![0.2, 0.2, 0.3, 0.4])]);
    /// ```
    pub fn update_vectors(points: impl IntoIterator<Item = PointVectors>) -> Self {
        Self::new(Kind::UpdateVectors {
            points: points.into_iter().collect(),
            update_filter: None,
        })
    }

    /// Deletes named vectors from points (names first, as in
    /// [`delete_payload`](Self::delete_payload) and
    /// `Client::delete_vectors`).
    ///
    /// ```
    /// use qdrant_async::PointsUpdateOperation;
    ///
    /// let op = PointsUpdateOperation::delete_vectors(["image"], vec![1, 2]);
    /// ```
    pub fn delete_vectors<N: Into<String>>(
        vector_names: impl IntoIterator<Item = N>,
        points: impl Into<PointsSelector>,
    ) -> Self {
        Self::new(Kind::DeleteVectors {
            points: points.into(),
            vectors: vector_names.into_iter().map(Into::into).collect(),
        })
    }

    /// Applies the operation only in the shards with these keys.
    ///
    /// ```
    /// use qdrant_async::{Point, PointsUpdateOperation};
    ///
    /// let op = PointsUpdateOperation::upsert([Point::new(1, vec![0.9, 0.1, 0.1, 0.5])]).shard_key_selector("tenant_a");
    /// ```
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.shard_key_selector = Some(selector.into());
        self
    }

    /// For set and overwrite payload: writes under this nested key
    /// (`"a.b"`) instead of at the top level. Ignored by other kinds.
    ///
    /// ```
    /// use qdrant_async::PointsUpdateOperation;
    /// use serde_json::json;
    ///
    /// // Sets `address.city`, keeping the rest of `address`.
    /// let op = PointsUpdateOperation::set_payload(json!({"city": "Berlin"}), vec![1]).key("address");
    /// ```
    pub fn key(mut self, key: impl Into<String>) -> Self {
        if let Kind::SetPayload { key: k, .. } | Kind::OverwritePayload { key: k, .. } = &mut self.kind {
            *k = Some(key.into());
        }
        self
    }

    /// For upserts and vector updates: changes existing points only if
    /// they match this filter. Ignored by other kinds.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, Point, PointsUpdateOperation};
    ///
    /// // Replace point 1 only if it is still at version 3.
    /// let op = PointsUpdateOperation::upsert([Point::new(1, vec![0.9, 0.1, 0.1, 0.5])])
    ///     .update_filter(Filter::must([Condition::matches("version", 3)]));
    /// ```
    pub fn update_filter(mut self, filter: impl Into<Filter>) -> Self {
        if let Kind::Upsert { update_filter, .. } | Kind::UpdateVectors { update_filter, .. } = &mut self.kind
        {
            *update_filter = Some(filter.into());
        }
        self
    }

    /// For upserts: whether to insert, update or both (default both).
    /// Ignored by other kinds.
    ///
    /// ```
    /// use qdrant_async::{Point, PointsUpdateOperation, UpdateMode};
    ///
    /// let op = PointsUpdateOperation::upsert([Point::new(1, vec![0.9, 0.1, 0.1, 0.5])]).update_mode(UpdateMode::InsertOnly);
    /// ```
    pub fn update_mode(mut self, mode: UpdateMode) -> Self {
        if let Kind::Upsert { update_mode, .. } = &mut self.kind {
            *update_mode = Some(mode);
        }
        self
    }

    /// Whether repeating it changes nothing more: true unless it selects
    /// points by filter (what matches may change in between).
    pub(crate) fn is_idempotent(&self) -> bool {
        match &self.kind {
            Kind::Upsert { .. } | Kind::UpdateVectors { .. } => true,
            Kind::Delete(p)
            | Kind::ClearPayload(p)
            | Kind::SetPayload { points: p, .. }
            | Kind::OverwritePayload { points: p, .. }
            | Kind::DeletePayload { points: p, .. }
            | Kind::DeleteVectors { points: p, .. } => p.is_by_ids(),
        }
    }

    /// Checks and converts; `argument` names the operation (`operations[2]`).
    pub(crate) fn into_proto(self, argument: &str) -> Result<proto::PointsUpdateOperation> {
        use proto::points_update_operation as op;
        let shard_key_selector = self.shard_key_selector.map(Into::into);
        let selector = |p: PointsSelector, field: &str| p.into_checked_proto(&format!("{argument}.{field}"));
        let payload = |p: std::result::Result<Payload, String>| {
            p.map_err(|reason| Error::invalid_argument(format!("{argument}.payload"), reason))
        };
        let operation = match self.kind {
            Kind::Upsert {
                points,
                update_filter,
                update_mode,
            } => {
                let points = checked_protos(
                    points,
                    &format!("{argument}.points"),
                    Point::check,
                    Point::into_proto,
                )?;
                op::Operation::Upsert(op::PointStructList {
                    points,
                    shard_key_selector,
                    update_filter: update_filter.map(Into::into),
                    update_mode: update_mode.map(|m| proto::UpdateMode::from(m) as i32),
                })
            }
            Kind::Delete(points) => op::Operation::DeletePoints(op::DeletePoints {
                points: Some(selector(points, "points")?),
                shard_key_selector,
            }),
            Kind::SetPayload {
                payload: p,
                points,
                key,
            } => op::Operation::SetPayload(op::SetPayload {
                payload: payload(p)?.into_proto(),
                points_selector: Some(selector(points, "points")?),
                shard_key_selector,
                key,
            }),
            Kind::OverwritePayload {
                payload: p,
                points,
                key,
            } => op::Operation::OverwritePayload(op::OverwritePayload {
                payload: payload(p)?.into_proto(),
                points_selector: Some(selector(points, "points")?),
                shard_key_selector,
                key,
            }),
            Kind::DeletePayload { keys, points } => op::Operation::DeletePayload(op::DeletePayload {
                keys,
                points_selector: Some(selector(points, "points")?),
                shard_key_selector,
            }),
            Kind::ClearPayload(points) => op::Operation::ClearPayload(op::ClearPayload {
                points: Some(selector(points, "points")?),
                shard_key_selector,
            }),
            Kind::UpdateVectors {
                points,
                update_filter,
            } => {
                let points = checked_protos(
                    points,
                    &format!("{argument}.points"),
                    PointVectors::check,
                    PointVectors::into_proto,
                )?;
                op::Operation::UpdateVectors(op::UpdateVectors {
                    points,
                    shard_key_selector,
                    update_filter: update_filter.map(Into::into),
                })
            }
            Kind::DeleteVectors { points, vectors } => op::Operation::DeleteVectors(op::DeleteVectors {
                points_selector: Some(selector(points, "points")?),
                vectors: Some(proto::VectorsSelector { names: vectors }),
                shard_key_selector,
            }),
        };
        Ok(proto::PointsUpdateOperation {
            operation: Some(operation),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::points_update_operation::Operation as O;
    use serde_json::json;

    fn sent(op: PointsUpdateOperation) -> O {
        op.into_proto("operations[0]")
            .unwrap()
            .operation
            .expect("an operation")
    }

    fn ids(ids: &[u64]) -> Option<proto::PointsSelector> {
        Some(
            PointsSelector::from(ids.to_vec())
                .into_checked_proto("x")
                .unwrap(),
        )
    }

    #[test]
    fn upsert_carries_points_filter_mode_and_shard_key() {
        let op = PointsUpdateOperation::upsert([Point::new(1, [0.5, 0.5])])
            .update_filter(Filter::must([crate::Condition::matches("k", "v")]))
            .update_mode(UpdateMode::InsertOnly)
            .shard_key_selector("tenant");
        let O::Upsert(list) = sent(op) else {
            panic!("not an upsert")
        };
        assert_eq!(list.points.len(), 1);
        assert!(list.update_filter.is_some());
        assert_eq!(list.update_mode, Some(proto::UpdateMode::InsertOnly as i32));
        assert_eq!(
            list.shard_key_selector,
            Some(ShardKeySelector::from("tenant").into())
        );
    }

    #[test]
    fn every_kind_carries_its_fields() {
        assert_eq!(
            sent(PointsUpdateOperation::delete([1, 2])),
            O::DeletePoints(proto::points_update_operation::DeletePoints {
                points: ids(&[1, 2]),
                shard_key_selector: None,
            })
        );
        let O::SetPayload(set) = sent(PointsUpdateOperation::set_payload(json!({"a": 1}), [3]).key("n"))
        else {
            panic!("not set_payload")
        };
        assert_eq!(
            (set.payload.len(), set.points_selector, set.key),
            (1, ids(&[3]), Some("n".into()))
        );
        let O::OverwritePayload(over) = sent(PointsUpdateOperation::overwrite_payload(
            json!({"a": 1, "b": 2}),
            [4],
        )) else {
            panic!("not overwrite_payload")
        };
        assert_eq!(
            (over.payload.len(), over.points_selector, over.key),
            (2, ids(&[4]), None)
        );
        assert_eq!(
            sent(PointsUpdateOperation::delete_payload(["a"], [5])),
            O::DeletePayload(proto::points_update_operation::DeletePayload {
                keys: vec!["a".into()],
                points_selector: ids(&[5]),
                shard_key_selector: None,
            })
        );
        assert_eq!(
            sent(PointsUpdateOperation::clear_payload([6])),
            O::ClearPayload(proto::points_update_operation::ClearPayload {
                points: ids(&[6]),
                shard_key_selector: None,
            })
        );
        let O::UpdateVectors(up) = sent(PointsUpdateOperation::update_vectors([PointVectors::new(
            7,
            [1.0],
        )])) else {
            panic!("not update_vectors")
        };
        assert_eq!((up.points.len(), up.update_filter), (1, None));
        assert_eq!(
            sent(PointsUpdateOperation::delete_vectors(["img"], [8])),
            O::DeleteVectors(proto::points_update_operation::DeleteVectors {
                points_selector: ids(&[8]),
                vectors: Some(proto::VectorsSelector {
                    names: vec!["img".into()]
                }),
                shard_key_selector: None,
            })
        );
    }

    #[test]
    fn a_bad_payload_names_the_operation() {
        let err = PointsUpdateOperation::set_payload(json!([1, 2]), [1])
            .into_proto("operations[3]")
            .unwrap_err();
        assert!(err.to_string().contains("operations[3].payload"), "{err}");
    }

    #[test]
    fn idempotent_unless_selected_by_filter() {
        assert!(PointsUpdateOperation::delete([1]).is_idempotent());
        assert!(
            !PointsUpdateOperation::delete(Filter::must([crate::Condition::matches("k", "v")]))
                .is_idempotent()
        );
    }
}
