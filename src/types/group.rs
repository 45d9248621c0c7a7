//! Results beyond plain hits: groups, facet counts and search matrices.

use crate::error::{Error, Result};
use crate::proto;
use crate::types::point::{PointId, Record, ScoredPoint};

/// The value points were grouped by.
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
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FacetHit {
    /// The value.
    pub value: FacetValue,
    /// Points with this value.
    pub count: u64,
}

/// A value counted by a facet.
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
