//! Payload indexes: the kind of index on a payload key and its parameters.

use crate::proto;

/// Parameters of each index kind, as flat records of optional settings.
pub use proto::{
    BoolIndexParams, DatetimeIndexParams, FloatIndexParams, GeoIndexParams, IntegerIndexParams,
    KeywordIndexParams, StopwordsSet, TextIndexParams, UuidIndexParams,
};

/// The kind of a payload index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// Strings matched exactly (also needed for facets).
    Keyword,
    /// Integers: match and range (also needed for `order_by`).
    Integer,
    /// Numbers: range.
    Float,
    /// Geo points.
    Geo,
    /// Full text.
    Text,
    /// Booleans.
    Bool,
    /// Date-times.
    Datetime,
    /// UUIDs.
    Uuid,
}

impl From<FieldType> for proto::FieldType {
    fn from(t: FieldType) -> Self {
        match t {
            FieldType::Keyword => proto::FieldType::Keyword,
            FieldType::Integer => proto::FieldType::Integer,
            FieldType::Float => proto::FieldType::Float,
            FieldType::Geo => proto::FieldType::Geo,
            FieldType::Text => proto::FieldType::Text,
            FieldType::Bool => proto::FieldType::Bool,
            FieldType::Datetime => proto::FieldType::Datetime,
            FieldType::Uuid => proto::FieldType::Uuid,
        }
    }
}

/// How text is split into words for a text index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenizerType {
    /// Prefixes of words, for search-as-you-type.
    Prefix,
    /// On whitespace.
    Whitespace,
    /// On word boundaries.
    Word,
    /// Language-aware, for scripts without spaces.
    Multilingual,
    /// For source code identifiers.
    Code,
}

impl From<TokenizerType> for proto::TokenizerType {
    fn from(t: TokenizerType) -> Self {
        match t {
            TokenizerType::Prefix => proto::TokenizerType::Prefix,
            TokenizerType::Whitespace => proto::TokenizerType::Whitespace,
            TokenizerType::Word => proto::TokenizerType::Word,
            TokenizerType::Multilingual => proto::TokenizerType::Multilingual,
            TokenizerType::Code => proto::TokenizerType::Code,
        }
    }
}

/// The parameters of a payload index, by kind.
///
/// ```
/// use qdrant_async::{KeywordIndexParams, PayloadIndexParams, TokenizerType};
///
/// let tenant = PayloadIndexParams::Keyword(KeywordIndexParams { is_tenant: Some(true), ..Default::default() });
/// let text = PayloadIndexParams::text(TokenizerType::Word);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PayloadIndexParams {
    /// Keyword index.
    Keyword(KeywordIndexParams),
    /// Integer index.
    Integer(IntegerIndexParams),
    /// Float index.
    Float(FloatIndexParams),
    /// Geo index.
    Geo(GeoIndexParams),
    /// Full-text index.
    Text(TextIndexParams),
    /// Bool index.
    Bool(BoolIndexParams),
    /// Date-time index.
    Datetime(DatetimeIndexParams),
    /// UUID index.
    Uuid(UuidIndexParams),
}

impl PayloadIndexParams {
    /// A full-text index with this tokenizer and the server's defaults for
    /// the rest (edit the returned record's fields for more).
    pub fn text(tokenizer: TokenizerType) -> Self {
        PayloadIndexParams::Text(TextIndexParams {
            tokenizer: proto::TokenizerType::from(tokenizer) as i32,
            ..Default::default()
        })
    }

    pub(crate) fn from_proto(p: proto::PayloadIndexParams) -> Option<Self> {
        use proto::payload_index_params::IndexParams as P;
        Some(match p.index_params? {
            P::KeywordIndexParams(k) => PayloadIndexParams::Keyword(k),
            P::IntegerIndexParams(i) => PayloadIndexParams::Integer(i),
            P::FloatIndexParams(f) => PayloadIndexParams::Float(f),
            P::GeoIndexParams(g) => PayloadIndexParams::Geo(g),
            P::TextIndexParams(t) => PayloadIndexParams::Text(t),
            P::BoolIndexParams(b) => PayloadIndexParams::Bool(b),
            P::DatetimeIndexParams(d) => PayloadIndexParams::Datetime(d),
            P::UuidIndexParams(u) => PayloadIndexParams::Uuid(u),
        })
    }
}

impl From<PayloadIndexParams> for proto::PayloadIndexParams {
    fn from(p: PayloadIndexParams) -> Self {
        use proto::payload_index_params::IndexParams as P;
        let params = match p {
            PayloadIndexParams::Keyword(k) => P::KeywordIndexParams(k),
            PayloadIndexParams::Integer(i) => P::IntegerIndexParams(i),
            PayloadIndexParams::Float(f) => P::FloatIndexParams(f),
            PayloadIndexParams::Geo(g) => P::GeoIndexParams(g),
            PayloadIndexParams::Text(t) => P::TextIndexParams(t),
            PayloadIndexParams::Bool(b) => P::BoolIndexParams(b),
            PayloadIndexParams::Datetime(d) => P::DatetimeIndexParams(d),
            PayloadIndexParams::Uuid(u) => P::UuidIndexParams(u),
        };
        proto::PayloadIndexParams {
            index_params: Some(params),
        }
    }
}
