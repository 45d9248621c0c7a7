//! Results beyond plain hits: groups, facet counts and search matrices.

use crate::error::{Error, Result};
use crate::proto;
use crate::types::point::{PointId, Record, ScoredPoint};

/// The value points were grouped by.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::GroupId;
///
/// for group in client.query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5]).await? {
///     match group.id {
///         GroupId::String(s) => println!("document {s}"),
///         other => println!("document {other:?}"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GroupId {
    /// A non-negative integer.
    Unsigned(u64),
    /// A negative integer.
    Integer(i64),
    /// A string.
    String(String),
}

impl TryFrom<proto::GroupId> for GroupId {
    type Error = Error;
    fn try_from(id: proto::GroupId) -> Result<Self> {
        use proto::group_id::Kind;
        match id.kind {
            Some(Kind::UnsignedValue(u)) => Ok(GroupId::Unsigned(u)),
            Some(Kind::IntegerValue(i)) => Ok(GroupId::Integer(i)),
            Some(Kind::StringValue(s)) => Ok(GroupId::String(s)),
            None => Err(Error::missing("group.id.kind")),
        }
    }
}

/// One group of hits sharing a payload value.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let groups = client.query_points_groups("chunks", "document_id", vec![0.9, 0.1, 0.1, 0.5]).await?;
/// for group in groups {
///     let best = group.hits.first().map(|hit| hit.score);
///     println!("{:?}: best {best:?}", group.id);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PointGroup {
    /// The shared value.
    pub id: GroupId,
    /// The group's best hits, best first.
    pub hits: Vec<ScoredPoint>,
    /// The point looked up by the group's id, with `with_lookup`.
    pub lookup: Option<Record>,
}

impl PointGroup {
    pub(crate) fn from_result(result: Option<proto::GroupsResult>) -> Result<Vec<Self>> {
        let result = result.ok_or_else(|| Error::missing("result"))?;
        result
            .groups
            .into_iter()
            .enumerate()
            .map(|(i, g)| {
                let field = format!("result.groups[{i}]");
                Ok(PointGroup {
                    id: GroupId::try_from(g.id.ok_or_else(|| Error::missing(format!("{field}.id")))?)?,
                    hits: ScoredPoint::from_list(g.hits, &format!("{field}.hits"))?,
                    lookup: g
                        .lookup
                        .map(|l| Record::from_proto(l, &|| format!("{field}.lookup")))
                        .transpose()?,
                })
            })
            .collect()
    }
}

/// A payload value and how many points have it.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let hits = client.facet("my_collection", "color").await?;
/// let total: u64 = hits.iter().map(|hit| hit.count).sum();
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FacetHit {
    /// The value.
    pub value: FacetValue,
    /// Points with this value.
    pub count: u64,
}

/// A value counted by a facet.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::FacetValue;
///
/// for hit in client.facet("my_collection", "color").await? {
///     if let FacetValue::String(color) = &hit.value {
///         println!("{color}: {}", hit.count);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FacetValue {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A boolean.
    Bool(bool),
}

impl FacetHit {
    pub(crate) fn from_list(hits: Vec<proto::FacetHit>) -> Result<Vec<Self>> {
        use proto::facet_value::Variant;
        hits.into_iter()
            .enumerate()
            .map(|(i, h)| {
                let value = match h.value.and_then(|v| v.variant) {
                    Some(Variant::StringValue(s)) => FacetValue::String(s),
                    Some(Variant::IntegerValue(n)) => FacetValue::Integer(n),
                    Some(Variant::BoolValue(b)) => FacetValue::Bool(b),
                    None => return Err(Error::missing(format!("hits[{i}].value"))),
                };
                Ok(FacetHit {
                    value,
                    count: h.count,
                })
            })
            .collect()
    }
}

/// A pair of points and their score, from `search_matrix_pairs`.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// for pair in client.search_matrix_pairs("my_collection").sample(10).limit(2).await? {
///     println!("{} ~ {}: {}", pair.a, pair.b, pair.score);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SearchMatrixPair {
    /// One point.
    pub a: PointId,
    /// Its neighbour.
    pub b: PointId,
    /// Their score.
    pub score: f32,
}

impl SearchMatrixPair {
    pub(crate) fn from_result(result: Option<proto::SearchMatrixPairs>) -> Result<Vec<Self>> {
        let result = result.ok_or_else(|| Error::missing("result"))?;
        result
            .pairs
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                Ok(SearchMatrixPair {
                    a: PointId::from_response(p.a, &|| format!("result.pairs[{i}].a"))?,
                    b: PointId::from_response(p.b, &|| format!("result.pairs[{i}].b"))?,
                    score: p.score,
                })
            })
            .collect()
    }
}

/// A sparse distance matrix, from `search_matrix_offsets`: entry `k` is the
/// score of `ids[offsets_row[k]]` against `ids[offsets_col[k]]`.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let m = client.search_matrix_offsets("my_collection").sample(10).limit(2).await?;
/// for ((row, col), score) in m.offsets_row.iter().zip(&m.offsets_col).zip(&m.scores) {
///     println!("{} ~ {}: {score}", m.ids[*row as usize], m.ids[*col as usize]);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SearchMatrixOffsets {
    /// Row of each entry.
    pub offsets_row: Vec<u64>,
    /// Column of each entry.
    pub offsets_col: Vec<u64>,
    /// Score of each entry.
    pub scores: Vec<f32>,
    /// The sampled points, by offset.
    pub ids: Vec<PointId>,
}

impl SearchMatrixOffsets {
    pub(crate) fn from_result(result: Option<proto::SearchMatrixOffsets>) -> Result<Self> {
        let m = result.ok_or_else(|| Error::missing("result"))?;
        if m.offsets_row.len() != m.scores.len() || m.offsets_col.len() != m.scores.len() {
            return Err(Error::unexpected("result", "offsets and scores differ in length"));
        }
        let n = m.ids.len() as u64;
        if m.offsets_row.iter().chain(&m.offsets_col).any(|&o| o >= n) {
            return Err(Error::unexpected("result", "an offset points past the ids"));
        }
        Ok(SearchMatrixOffsets {
            offsets_row: m.offsets_row,
            offsets_col: m.offsets_col,
            scores: m.scores,
            ids: m
                .ids
                .into_iter()
                .enumerate()
                .map(|(i, id)| PointId::from_response(Some(id), &|| format!("result.ids[{i}]")))
                .collect::<Result<_>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> proto::PointId {
        proto::PointId {
            point_id_options: Some(proto::point_id::PointIdOptions::Num(n)),
        }
    }

    #[test]
    fn group_ids_convert_every_kind() {
        use proto::group_id::Kind;
        for (kind, want) in [
            (Kind::UnsignedValue(7), GroupId::Unsigned(7)),
            (Kind::IntegerValue(-3), GroupId::Integer(-3)),
            (Kind::StringValue("red".into()), GroupId::String("red".into())),
        ] {
            assert_eq!(
                GroupId::try_from(proto::GroupId { kind: Some(kind) }).unwrap(),
                want
            );
        }
        assert!(GroupId::try_from(proto::GroupId { kind: None }).is_err());
    }

    #[test]
    fn groups_carry_id_hits_and_lookup() {
        let result = proto::GroupsResult {
            groups: vec![proto::PointGroup {
                id: Some(proto::GroupId {
                    kind: Some(proto::group_id::Kind::StringValue("a".into())),
                }),
                hits: vec![proto::ScoredPoint {
                    id: Some(id(1)),
                    score: 0.5,
                    version: 3,
                    ..Default::default()
                }],
                lookup: Some(proto::RetrievedPoint {
                    id: Some(id(9)),
                    ..Default::default()
                }),
            }],
        };
        let groups = PointGroup::from_result(Some(result)).unwrap();
        assert_eq!(groups.len(), 1);
        let g = &groups[0];
        assert_eq!(g.id, GroupId::String("a".into()));
        assert_eq!(
            (g.hits[0].id.as_u64(), g.hits[0].score, g.hits[0].version),
            (Some(1), 0.5, 3)
        );
        assert_eq!(g.lookup.as_ref().and_then(|l| l.id.as_u64()), Some(9));
        let err = PointGroup::from_result(Some(proto::GroupsResult {
            groups: vec![proto::PointGroup::default()],
        }))
        .unwrap_err();
        assert!(err.to_string().contains("result.groups[0].id"), "{err}");
        assert!(PointGroup::from_result(None).is_err());
    }

    #[test]
    fn facet_hits_convert_every_value() {
        use proto::facet_value::Variant;
        let hits = [
            Variant::StringValue("red".into()),
            Variant::IntegerValue(-1),
            Variant::BoolValue(true),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, v)| proto::FacetHit {
            value: Some(proto::FacetValue { variant: Some(v) }),
            count: i as u64 + 1,
        })
        .collect();
        let hits = FacetHit::from_list(hits).unwrap();
        assert_eq!(
            hits,
            [
                FacetHit {
                    value: FacetValue::String("red".into()),
                    count: 1
                },
                FacetHit {
                    value: FacetValue::Integer(-1),
                    count: 2
                },
                FacetHit {
                    value: FacetValue::Bool(true),
                    count: 3
                },
            ]
        );
        let err = FacetHit::from_list(vec![proto::FacetHit::default()]).unwrap_err();
        assert!(err.to_string().contains("hits[0].value"), "{err}");
    }

    #[test]
    fn matrix_pairs_and_offsets_convert() {
        let pairs = SearchMatrixPair::from_result(Some(proto::SearchMatrixPairs {
            pairs: vec![proto::SearchMatrixPair {
                a: Some(id(1)),
                b: Some(id(2)),
                score: 0.25,
            }],
        }))
        .unwrap();
        assert_eq!(
            pairs,
            [SearchMatrixPair {
                a: 1.into(),
                b: 2.into(),
                score: 0.25
            }]
        );
        let offsets = proto::SearchMatrixOffsets {
            offsets_row: vec![0, 1],
            offsets_col: vec![1, 0],
            scores: vec![0.5, 0.5],
            ids: vec![id(10), id(11)],
        };
        let m = SearchMatrixOffsets::from_result(Some(offsets.clone())).unwrap();
        assert_eq!(
            m,
            SearchMatrixOffsets {
                offsets_row: vec![0, 1],
                offsets_col: vec![1, 0],
                scores: vec![0.5, 0.5],
                ids: vec![10.into(), 11.into()],
            }
        );
        let past_the_ids = proto::SearchMatrixOffsets {
            offsets_col: vec![1, 2],
            ..offsets.clone()
        };
        assert!(SearchMatrixOffsets::from_result(Some(past_the_ids)).is_err());
        let uneven = proto::SearchMatrixOffsets {
            scores: vec![0.5],
            ..offsets
        };
        assert!(SearchMatrixOffsets::from_result(Some(uneven)).is_err());
    }
}
