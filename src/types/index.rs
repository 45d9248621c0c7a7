//! Payload indexes: the kind of index on a payload key and its parameters.

use crate::proto;
use crate::types::config::Memory;

/// The kind of a payload index.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::FieldType;
///
/// client.create_payload_index("my_collection", "price", FieldType::Float).await?;
/// # Ok(()) }
/// ```
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
///
/// ```
/// use qdrant_async::{TextIndexParams, TokenizerType};
///
/// let params = TextIndexParams::new(TokenizerType::Multilingual);
/// ```
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
    /// A tokenizer this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl TokenizerType {
    pub(crate) fn to_wire(self) -> i32 {
        match self {
            TokenizerType::Prefix => proto::TokenizerType::Prefix as i32,
            TokenizerType::Whitespace => proto::TokenizerType::Whitespace as i32,
            TokenizerType::Word => proto::TokenizerType::Word as i32,
            TokenizerType::Multilingual => proto::TokenizerType::Multilingual as i32,
            TokenizerType::Code => proto::TokenizerType::Code as i32,
            TokenizerType::Unknown(v) => v,
        }
    }

    pub(crate) fn from_wire(v: i32) -> Self {
        match proto::TokenizerType::try_from(v) {
            Ok(proto::TokenizerType::Prefix) => TokenizerType::Prefix,
            Ok(proto::TokenizerType::Whitespace) => TokenizerType::Whitespace,
            Ok(proto::TokenizerType::Word) => TokenizerType::Word,
            Ok(proto::TokenizerType::Multilingual) => TokenizerType::Multilingual,
            Ok(proto::TokenizerType::Code) => TokenizerType::Code,
            _ => TokenizerType::Unknown(v),
        }
    }
}

/// How a text index reduces words to their stems.
///
/// ```
/// use qdrant_async::{Stemmer, TextIndexParams, TokenizerType};
///
/// let params = TextIndexParams::new(TokenizerType::Word).stemmer(Stemmer::snowball("english"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stemmer {
    /// The Snowball stemmer for this language (`"english"`, ...).
    Snowball {
        /// The language.
        language: String,
    },
    /// No stemming.
    Disabled,
}

impl Stemmer {
    /// The Snowball stemmer for this language.
    ///
    /// ```
    /// use qdrant_async::Stemmer;
    ///
    /// let stemmer = Stemmer::snowball("german");
    /// ```
    pub fn snowball(language: impl Into<String>) -> Self {
        Stemmer::Snowball {
            language: language.into(),
        }
    }

    /// `None` for a message without a choice, which the server reads as unset.
    fn from_proto(s: proto::StemmingAlgorithm) -> Option<Self> {
        use proto::stemming_algorithm::StemmingParams as S;
        Some(match s.stemming_params? {
            S::Snowball(p) => Stemmer::Snowball { language: p.language },
            S::Disabled(_) => Stemmer::Disabled,
        })
    }
}

impl From<Stemmer> for proto::StemmingAlgorithm {
    fn from(s: Stemmer) -> Self {
        use proto::stemming_algorithm::StemmingParams as S;
        let params = match s {
            Stemmer::Snowball { language } => S::Snowball(proto::SnowballParams { language }),
            Stemmer::Disabled => S::Disabled(proto::DisabledStemmer {}),
        };
        proto::StemmingAlgorithm {
            stemming_params: Some(params),
        }
    }
}

/// The parameters of a payload index, by kind.
///
/// ```
/// use qdrant_async::{KeywordIndexParams, PayloadIndexParams, TokenizerType};
///
/// let tenant = PayloadIndexParams::from(KeywordIndexParams::new().is_tenant(true));
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
    /// the rest ([`TextIndexParams`] sets more).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{FieldType, PayloadIndexParams, TokenizerType};
    ///
    /// client
    ///     .create_payload_index("articles", "body", FieldType::Text)
    ///     .field_index_params(PayloadIndexParams::text(TokenizerType::Word))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn text(tokenizer: TokenizerType) -> Self {
        PayloadIndexParams::Text(TextIndexParams::new(tokenizer))
    }

    pub(crate) fn from_proto(p: proto::PayloadIndexParams) -> Option<Self> {
        use proto::payload_index_params::IndexParams as P;
        Some(match p.index_params? {
            P::KeywordIndexParams(k) => PayloadIndexParams::Keyword(k.into()),
            P::IntegerIndexParams(i) => PayloadIndexParams::Integer(i.into()),
            P::FloatIndexParams(f) => PayloadIndexParams::Float(f.into()),
            P::GeoIndexParams(g) => PayloadIndexParams::Geo(g.into()),
            P::TextIndexParams(t) => PayloadIndexParams::Text(t.into()),
            P::BoolIndexParams(b) => PayloadIndexParams::Bool(b.into()),
            P::DatetimeIndexParams(d) => PayloadIndexParams::Datetime(d.into()),
            P::UuidIndexParams(u) => PayloadIndexParams::Uuid(u.into()),
        })
    }
}

impl From<PayloadIndexParams> for proto::PayloadIndexParams {
    fn from(p: PayloadIndexParams) -> Self {
        use proto::payload_index_params::IndexParams as P;
        let params = match p {
            PayloadIndexParams::Keyword(k) => P::KeywordIndexParams(k.into()),
            PayloadIndexParams::Integer(i) => P::IntegerIndexParams(i.into()),
            PayloadIndexParams::Float(f) => P::FloatIndexParams(f.into()),
            PayloadIndexParams::Geo(g) => P::GeoIndexParams(g.into()),
            PayloadIndexParams::Text(t) => P::TextIndexParams(t.into()),
            PayloadIndexParams::Bool(b) => P::BoolIndexParams(b.into()),
            PayloadIndexParams::Datetime(d) => P::DatetimeIndexParams(d.into()),
            PayloadIndexParams::Uuid(u) => P::UuidIndexParams(u.into()),
        };
        proto::PayloadIndexParams {
            index_params: Some(params),
        }
    }
}

impl From<KeywordIndexParams> for PayloadIndexParams {
    fn from(p: KeywordIndexParams) -> Self {
        PayloadIndexParams::Keyword(p)
    }
}

impl From<IntegerIndexParams> for PayloadIndexParams {
    fn from(p: IntegerIndexParams) -> Self {
        PayloadIndexParams::Integer(p)
    }
}

impl From<FloatIndexParams> for PayloadIndexParams {
    fn from(p: FloatIndexParams) -> Self {
        PayloadIndexParams::Float(p)
    }
}

impl From<GeoIndexParams> for PayloadIndexParams {
    fn from(p: GeoIndexParams) -> Self {
        PayloadIndexParams::Geo(p)
    }
}

impl From<TextIndexParams> for PayloadIndexParams {
    fn from(p: TextIndexParams) -> Self {
        PayloadIndexParams::Text(p)
    }
}

impl From<BoolIndexParams> for PayloadIndexParams {
    fn from(p: BoolIndexParams) -> Self {
        PayloadIndexParams::Bool(p)
    }
}

impl From<DatetimeIndexParams> for PayloadIndexParams {
    fn from(p: DatetimeIndexParams) -> Self {
        PayloadIndexParams::Datetime(p)
    }
}

impl From<UuidIndexParams> for PayloadIndexParams {
    fn from(p: UuidIndexParams) -> Self {
        PayloadIndexParams::Uuid(p)
    }
}

/// Parameters of a keyword index.
///
/// ```
/// use qdrant_async::{KeywordIndexParams, PayloadIndexParams};
/// let tenant = PayloadIndexParams::from(KeywordIndexParams::new().is_tenant(true));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct KeywordIndexParams {
    /// Optimizes storage for this key dividing the collection by tenant.
    pub is_tenant: Option<bool>,
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Builds extra HNSW links for this key, for filtered search (default true).
    pub enable_hnsw: Option<bool>,
    /// Also indexes prefixes of the values, for prefix matches.
    pub prefix: bool,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    pub nested: Option<String>,
}

impl KeywordIndexParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{FieldType, KeywordIndexParams};
    ///
    /// client
    ///     .create_payload_index("my_collection", "tenant_id", FieldType::Keyword)
    ///     .field_index_params(KeywordIndexParams::new().is_tenant(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Optimizes storage for this key dividing the collection by tenant.
    ///
    /// ```
    /// use qdrant_async::KeywordIndexParams;
    ///
    /// // The field splits the collection by tenant: Qdrant lays data out by it.
    /// let params = KeywordIndexParams::new().is_tenant(true);
    /// ```
    pub fn is_tenant(mut self, is_tenant: bool) -> Self {
        self.is_tenant = Some(is_tenant);
        self
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::KeywordIndexParams;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = KeywordIndexParams::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Builds extra HNSW links for this key, for filtered search (default true).
    ///
    /// ```
    /// use qdrant_async::KeywordIndexParams;
    ///
    /// let params = KeywordIndexParams::new().enable_hnsw(true);
    /// ```
    pub fn enable_hnsw(mut self, enable_hnsw: bool) -> Self {
        self.enable_hnsw = Some(enable_hnsw);
        self
    }

    /// Also indexes prefixes of the values, for prefix matches.
    ///
    /// ```
    /// use qdrant_async::KeywordIndexParams;
    ///
    /// let params = KeywordIndexParams::new().prefix(true);
    /// ```
    pub fn prefix(mut self, prefix: bool) -> Self {
        self.prefix = prefix;
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{KeywordIndexParams, Memory};
    ///
    /// let params = KeywordIndexParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    ///
    /// ```
    /// use qdrant_async::KeywordIndexParams;
    ///
    /// let params = KeywordIndexParams::new().nested("items");
    /// ```
    pub fn nested(mut self, nested: impl Into<String>) -> Self {
        self.nested = Some(nested.into());
        self
    }
}

impl From<KeywordIndexParams> for proto::KeywordIndexParams {
    #[allow(deprecated)]
    fn from(d: KeywordIndexParams) -> Self {
        proto::KeywordIndexParams {
            is_tenant: d.is_tenant,
            on_disk: d.on_disk,
            enable_hnsw: d.enable_hnsw,
            prefix: d.prefix.then_some(proto::KeywordPrefixParams {}),
            memory: d.memory.map(Memory::to_wire),
            nested: d.nested,
        }
    }
}

impl From<proto::KeywordIndexParams> for KeywordIndexParams {
    #[allow(deprecated)]
    fn from(p: proto::KeywordIndexParams) -> Self {
        KeywordIndexParams {
            is_tenant: p.is_tenant,
            on_disk: p.on_disk,
            enable_hnsw: p.enable_hnsw,
            prefix: p.prefix.is_some(),
            memory: p.memory.map(Memory::from_wire),
            nested: p.nested,
        }
    }
}

/// Parameters of an integer index.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{FieldType, IntegerIndexParams};
///
/// client
///     .create_payload_index("my_collection", "year", FieldType::Integer)
///     .field_index_params(IntegerIndexParams::new().on_disk(true))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct IntegerIndexParams {
    /// Supports exact matches (default true).
    pub lookup: Option<bool>,
    /// Supports ranges and `order_by` (default true).
    pub range: Option<bool>,
    /// Optimizes storage for this key being the main filter of most searches.
    pub is_principal: Option<bool>,
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Builds extra HNSW links for this key, for filtered search (default true).
    pub enable_hnsw: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    pub nested: Option<String>,
}

impl IntegerIndexParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{FieldType, IntegerIndexParams};
    ///
    /// // Only ranges, no exact lookups.
    /// client
    ///     .create_payload_index("my_collection", "year", FieldType::Integer)
    ///     .field_index_params(IntegerIndexParams::new().lookup(false).range(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Supports exact matches (default true).
    ///
    /// ```
    /// use qdrant_async::IntegerIndexParams;
    ///
    /// let params = IntegerIndexParams::new().lookup(true);
    /// ```
    pub fn lookup(mut self, lookup: bool) -> Self {
        self.lookup = Some(lookup);
        self
    }

    /// Supports ranges and `order_by` (default true).
    ///
    /// ```
    /// use qdrant_async::IntegerIndexParams;
    ///
    /// let params = IntegerIndexParams::new().range(true);
    /// ```
    pub fn range(mut self, range: bool) -> Self {
        self.range = Some(range);
        self
    }

    /// Optimizes storage for this key being the main filter of most searches.
    ///
    /// ```
    /// use qdrant_async::IntegerIndexParams;
    ///
    /// // Most filters use this field: Qdrant lays data out by it.
    /// let params = IntegerIndexParams::new().is_principal(true);
    /// ```
    pub fn is_principal(mut self, is_principal: bool) -> Self {
        self.is_principal = Some(is_principal);
        self
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::IntegerIndexParams;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = IntegerIndexParams::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Builds extra HNSW links for this key, for filtered search (default true).
    ///
    /// ```
    /// use qdrant_async::IntegerIndexParams;
    ///
    /// let params = IntegerIndexParams::new().enable_hnsw(true);
    /// ```
    pub fn enable_hnsw(mut self, enable_hnsw: bool) -> Self {
        self.enable_hnsw = Some(enable_hnsw);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{IntegerIndexParams, Memory};
    ///
    /// let params = IntegerIndexParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    ///
    /// ```
    /// use qdrant_async::IntegerIndexParams;
    ///
    /// let params = IntegerIndexParams::new().nested("items");
    /// ```
    pub fn nested(mut self, nested: impl Into<String>) -> Self {
        self.nested = Some(nested.into());
        self
    }
}

impl From<IntegerIndexParams> for proto::IntegerIndexParams {
    #[allow(deprecated)]
    fn from(d: IntegerIndexParams) -> Self {
        proto::IntegerIndexParams {
            lookup: d.lookup,
            range: d.range,
            is_principal: d.is_principal,
            on_disk: d.on_disk,
            enable_hnsw: d.enable_hnsw,
            memory: d.memory.map(Memory::to_wire),
            nested: d.nested,
        }
    }
}

impl From<proto::IntegerIndexParams> for IntegerIndexParams {
    #[allow(deprecated)]
    fn from(p: proto::IntegerIndexParams) -> Self {
        IntegerIndexParams {
            lookup: p.lookup,
            range: p.range,
            is_principal: p.is_principal,
            on_disk: p.on_disk,
            enable_hnsw: p.enable_hnsw,
            memory: p.memory.map(Memory::from_wire),
            nested: p.nested,
        }
    }
}

/// Parameters of a float index.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{FieldType, FloatIndexParams};
///
/// client
///     .create_payload_index("my_collection", "price", FieldType::Float)
///     .field_index_params(FloatIndexParams::new().on_disk(true))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct FloatIndexParams {
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Optimizes storage for this key being the main filter of most searches.
    pub is_principal: Option<bool>,
    /// Builds extra HNSW links for this key, for filtered search (default true).
    pub enable_hnsw: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    pub nested: Option<String>,
}

impl FloatIndexParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{FieldType, FloatIndexParams};
    ///
    /// client
    ///     .create_payload_index("my_collection", "price", FieldType::Float)
    ///     .field_index_params(FloatIndexParams::new().on_disk(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::FloatIndexParams;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = FloatIndexParams::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Optimizes storage for this key being the main filter of most searches.
    ///
    /// ```
    /// use qdrant_async::FloatIndexParams;
    ///
    /// // Most filters use this field: Qdrant lays data out by it.
    /// let params = FloatIndexParams::new().is_principal(true);
    /// ```
    pub fn is_principal(mut self, is_principal: bool) -> Self {
        self.is_principal = Some(is_principal);
        self
    }

    /// Builds extra HNSW links for this key, for filtered search (default true).
    ///
    /// ```
    /// use qdrant_async::FloatIndexParams;
    ///
    /// let params = FloatIndexParams::new().enable_hnsw(true);
    /// ```
    pub fn enable_hnsw(mut self, enable_hnsw: bool) -> Self {
        self.enable_hnsw = Some(enable_hnsw);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{FloatIndexParams, Memory};
    ///
    /// let params = FloatIndexParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    ///
    /// ```
    /// use qdrant_async::FloatIndexParams;
    ///
    /// let params = FloatIndexParams::new().nested("items");
    /// ```
    pub fn nested(mut self, nested: impl Into<String>) -> Self {
        self.nested = Some(nested.into());
        self
    }
}

impl From<FloatIndexParams> for proto::FloatIndexParams {
    #[allow(deprecated)]
    fn from(d: FloatIndexParams) -> Self {
        proto::FloatIndexParams {
            on_disk: d.on_disk,
            is_principal: d.is_principal,
            enable_hnsw: d.enable_hnsw,
            memory: d.memory.map(Memory::to_wire),
            nested: d.nested,
        }
    }
}

impl From<proto::FloatIndexParams> for FloatIndexParams {
    #[allow(deprecated)]
    fn from(p: proto::FloatIndexParams) -> Self {
        FloatIndexParams {
            on_disk: p.on_disk,
            is_principal: p.is_principal,
            enable_hnsw: p.enable_hnsw,
            memory: p.memory.map(Memory::from_wire),
            nested: p.nested,
        }
    }
}

/// Parameters of a geo index.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{FieldType, GeoIndexParams};
///
/// client
///     .create_payload_index("my_collection", "location", FieldType::Geo)
///     .field_index_params(GeoIndexParams::new().on_disk(true))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct GeoIndexParams {
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Builds extra HNSW links for this key, for filtered search (default true).
    pub enable_hnsw: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    pub nested: Option<String>,
}

impl GeoIndexParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{FieldType, GeoIndexParams};
    ///
    /// client
    ///     .create_payload_index("my_collection", "location", FieldType::Geo)
    ///     .field_index_params(GeoIndexParams::new().on_disk(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::GeoIndexParams;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = GeoIndexParams::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Builds extra HNSW links for this key, for filtered search (default true).
    ///
    /// ```
    /// use qdrant_async::GeoIndexParams;
    ///
    /// let params = GeoIndexParams::new().enable_hnsw(true);
    /// ```
    pub fn enable_hnsw(mut self, enable_hnsw: bool) -> Self {
        self.enable_hnsw = Some(enable_hnsw);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{GeoIndexParams, Memory};
    ///
    /// let params = GeoIndexParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    ///
    /// ```
    /// use qdrant_async::GeoIndexParams;
    ///
    /// let params = GeoIndexParams::new().nested("items");
    /// ```
    pub fn nested(mut self, nested: impl Into<String>) -> Self {
        self.nested = Some(nested.into());
        self
    }
}

impl From<GeoIndexParams> for proto::GeoIndexParams {
    #[allow(deprecated)]
    fn from(d: GeoIndexParams) -> Self {
        proto::GeoIndexParams {
            on_disk: d.on_disk,
            enable_hnsw: d.enable_hnsw,
            memory: d.memory.map(Memory::to_wire),
            nested: d.nested,
        }
    }
}

impl From<proto::GeoIndexParams> for GeoIndexParams {
    #[allow(deprecated)]
    fn from(p: proto::GeoIndexParams) -> Self {
        GeoIndexParams {
            on_disk: p.on_disk,
            enable_hnsw: p.enable_hnsw,
            memory: p.memory.map(Memory::from_wire),
            nested: p.nested,
        }
    }
}

/// Words a text index leaves out: built-in lists by language, and words of your own.
///
/// ```
/// use qdrant_async::StopwordsSet;
/// let stopwords = StopwordsSet::new().languages(["english"]).custom(["qdrant"]);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct StopwordsSet {
    /// Languages whose built-in lists are used (`english`, ...).
    pub languages: Vec<String>,
    /// More words to leave out.
    pub custom: Vec<String>,
}

impl StopwordsSet {
    /// Nothing set: the server's defaults.
    ///
    /// ```
    /// use qdrant_async::{StopwordsSet, TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word)
    ///     .stopwords(StopwordsSet::new().languages(["english"]).custom(["qdrant"]));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Languages whose built-in lists are used (`english`, ...).
    ///
    /// ```
    /// use qdrant_async::StopwordsSet;
    ///
    /// let stopwords = StopwordsSet::new().languages(["english", "german"]);
    /// ```
    pub fn languages<S: Into<String>>(mut self, languages: impl IntoIterator<Item = S>) -> Self {
        self.languages = languages.into_iter().map(Into::into).collect();
        self
    }

    /// More words to leave out.
    ///
    /// ```
    /// use qdrant_async::StopwordsSet;
    ///
    /// let stopwords = StopwordsSet::new().languages(["english"]).custom(["acme", "inc"]);
    /// ```
    pub fn custom<S: Into<String>>(mut self, custom: impl IntoIterator<Item = S>) -> Self {
        self.custom = custom.into_iter().map(Into::into).collect();
        self
    }
}

impl From<StopwordsSet> for proto::StopwordsSet {
    fn from(d: StopwordsSet) -> Self {
        proto::StopwordsSet {
            languages: d.languages,
            custom: d.custom,
        }
    }
}

impl From<proto::StopwordsSet> for StopwordsSet {
    fn from(p: proto::StopwordsSet) -> Self {
        StopwordsSet {
            languages: p.languages,
            custom: p.custom,
        }
    }
}

/// Parameters of a full-text index.
///
/// ```
/// use qdrant_async::{Stemmer, TextIndexParams, TokenizerType};
/// let text = TextIndexParams::new(TokenizerType::Word)
///     .lowercase(true)
///     .stemmer(Stemmer::snowball("english"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TextIndexParams {
    /// How text is split into words.
    pub tokenizer: TokenizerType,
    /// Lowercases words (default true).
    pub lowercase: Option<bool>,
    /// Shorter words are left out.
    pub min_token_len: Option<u64>,
    /// Longer words are left out.
    pub max_token_len: Option<u64>,
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Words left out.
    pub stopwords: Option<StopwordsSet>,
    /// Keeps word positions, for phrase matches.
    pub phrase_matching: Option<bool>,
    /// Reduces words to their stems.
    pub stemmer: Option<Stemmer>,
    /// Folds accented letters to ASCII (`é` to `e`).
    pub ascii_folding: Option<bool>,
    /// Builds extra HNSW links for this key, for filtered search (default true).
    pub enable_hnsw: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
    /// How text matches are scored (Qdrant 1.20).
    pub scoring: Option<TextScoring>,
    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    pub nested: Option<String>,
}

impl TextIndexParams {
    /// A text index with this tokenizer, the rest left to the server.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{FieldType, TextIndexParams, TokenizerType};
    ///
    /// client
    ///     .create_payload_index("articles", "body", FieldType::Text)
    ///     .field_index_params(TextIndexParams::new(TokenizerType::Word).lowercase(true).min_token_len(2))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(tokenizer: TokenizerType) -> Self {
        TextIndexParams {
            tokenizer,
            lowercase: None,
            min_token_len: None,
            max_token_len: None,
            on_disk: None,
            stopwords: None,
            phrase_matching: None,
            stemmer: None,
            ascii_folding: None,
            enable_hnsw: None,
            memory: None,
            scoring: None,
            nested: None,
        }
    }

    /// Lowercases words (default true).
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).lowercase(true);
    /// ```
    pub fn lowercase(mut self, lowercase: bool) -> Self {
        self.lowercase = Some(lowercase);
        self
    }

    /// Shorter words are left out.
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).min_token_len(2);
    /// ```
    pub fn min_token_len(mut self, min_token_len: u64) -> Self {
        self.min_token_len = Some(min_token_len);
        self
    }

    /// Longer words are left out.
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).max_token_len(40);
    /// ```
    pub fn max_token_len(mut self, max_token_len: u64) -> Self {
        self.max_token_len = Some(max_token_len);
        self
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TokenizerType};
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = TextIndexParams::new(TokenizerType::Word).on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Words left out.
    ///
    /// ```
    /// use qdrant_async::{StopwordsSet, TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word)
    ///     .stopwords(StopwordsSet::new().languages(["english"]));
    /// ```
    pub fn stopwords(mut self, stopwords: StopwordsSet) -> Self {
        self.stopwords = Some(stopwords);
        self
    }

    /// Keeps word positions, for phrase matches.
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).phrase_matching(true);
    /// ```
    pub fn phrase_matching(mut self, phrase_matching: bool) -> Self {
        self.phrase_matching = Some(phrase_matching);
        self
    }

    /// Reduces words to their stems.
    ///
    /// ```
    /// use qdrant_async::{Stemmer, TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).stemmer(Stemmer::snowball("english"));
    /// ```
    pub fn stemmer(mut self, stemmer: Stemmer) -> Self {
        self.stemmer = Some(stemmer);
        self
    }

    /// Folds accented letters to ASCII (`é` to `e`).
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).ascii_folding(true);
    /// ```
    pub fn ascii_folding(mut self, ascii_folding: bool) -> Self {
        self.ascii_folding = Some(ascii_folding);
        self
    }

    /// Builds extra HNSW links for this key, for filtered search (default true).
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).enable_hnsw(true);
    /// ```
    pub fn enable_hnsw(mut self, enable_hnsw: bool) -> Self {
        self.enable_hnsw = Some(enable_hnsw);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{Memory, TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// How text matches are scored (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TextScoring, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).scoring(TextScoring::Bm25);
    /// ```
    pub fn scoring(mut self, scoring: TextScoring) -> Self {
        self.scoring = Some(scoring);
        self
    }

    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    ///
    /// ```
    /// use qdrant_async::{TextIndexParams, TokenizerType};
    ///
    /// let params = TextIndexParams::new(TokenizerType::Word).nested("items");
    /// ```
    pub fn nested(mut self, nested: impl Into<String>) -> Self {
        self.nested = Some(nested.into());
        self
    }
}

impl From<TextIndexParams> for proto::TextIndexParams {
    #[allow(deprecated)]
    fn from(d: TextIndexParams) -> Self {
        proto::TextIndexParams {
            tokenizer: d.tokenizer.to_wire(),
            lowercase: d.lowercase,
            min_token_len: d.min_token_len,
            max_token_len: d.max_token_len,
            on_disk: d.on_disk,
            stopwords: d.stopwords.map(Into::into),
            phrase_matching: d.phrase_matching,
            stemmer: d.stemmer.map(Into::into),
            ascii_folding: d.ascii_folding,
            enable_hnsw: d.enable_hnsw,
            memory: d.memory.map(Memory::to_wire),
            scoring: d
                .scoring
                .map(|s| proto::TextScoringParams { r#type: s.to_wire() }),
            nested: d.nested,
        }
    }
}

impl From<proto::TextIndexParams> for TextIndexParams {
    #[allow(deprecated)]
    fn from(p: proto::TextIndexParams) -> Self {
        TextIndexParams {
            tokenizer: TokenizerType::from_wire(p.tokenizer),
            lowercase: p.lowercase,
            min_token_len: p.min_token_len,
            max_token_len: p.max_token_len,
            on_disk: p.on_disk,
            stopwords: p.stopwords.map(Into::into),
            phrase_matching: p.phrase_matching,
            stemmer: p.stemmer.and_then(Stemmer::from_proto),
            ascii_folding: p.ascii_folding,
            enable_hnsw: p.enable_hnsw,
            memory: p.memory.map(Memory::from_wire),
            scoring: p.scoring.map(|s| TextScoring::from_wire(s.r#type)),
            nested: p.nested,
        }
    }
}

/// Parameters of a bool index.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{FieldType, BoolIndexParams};
///
/// client
///     .create_payload_index("my_collection", "in_stock", FieldType::Bool)
///     .field_index_params(BoolIndexParams::new().on_disk(true))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct BoolIndexParams {
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Builds extra HNSW links for this key, for filtered search (default true).
    pub enable_hnsw: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    pub nested: Option<String>,
}

impl BoolIndexParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{BoolIndexParams, FieldType};
    ///
    /// client
    ///     .create_payload_index("my_collection", "in_stock", FieldType::Bool)
    ///     .field_index_params(BoolIndexParams::new().on_disk(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::BoolIndexParams;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = BoolIndexParams::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Builds extra HNSW links for this key, for filtered search (default true).
    ///
    /// ```
    /// use qdrant_async::BoolIndexParams;
    ///
    /// let params = BoolIndexParams::new().enable_hnsw(true);
    /// ```
    pub fn enable_hnsw(mut self, enable_hnsw: bool) -> Self {
        self.enable_hnsw = Some(enable_hnsw);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{BoolIndexParams, Memory};
    ///
    /// let params = BoolIndexParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    ///
    /// ```
    /// use qdrant_async::BoolIndexParams;
    ///
    /// let params = BoolIndexParams::new().nested("items");
    /// ```
    pub fn nested(mut self, nested: impl Into<String>) -> Self {
        self.nested = Some(nested.into());
        self
    }
}

impl From<BoolIndexParams> for proto::BoolIndexParams {
    #[allow(deprecated)]
    fn from(d: BoolIndexParams) -> Self {
        proto::BoolIndexParams {
            on_disk: d.on_disk,
            enable_hnsw: d.enable_hnsw,
            memory: d.memory.map(Memory::to_wire),
            nested: d.nested,
        }
    }
}

impl From<proto::BoolIndexParams> for BoolIndexParams {
    #[allow(deprecated)]
    fn from(p: proto::BoolIndexParams) -> Self {
        BoolIndexParams {
            on_disk: p.on_disk,
            enable_hnsw: p.enable_hnsw,
            memory: p.memory.map(Memory::from_wire),
            nested: p.nested,
        }
    }
}

/// Parameters of a date-time index.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{FieldType, DatetimeIndexParams};
///
/// client
///     .create_payload_index("my_collection", "created_at", FieldType::Datetime)
///     .field_index_params(DatetimeIndexParams::new().on_disk(true))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct DatetimeIndexParams {
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Optimizes storage for this key being the main filter of most searches.
    pub is_principal: Option<bool>,
    /// Builds extra HNSW links for this key, for filtered search (default true).
    pub enable_hnsw: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    pub nested: Option<String>,
}

impl DatetimeIndexParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{DatetimeIndexParams, FieldType};
    ///
    /// client
    ///     .create_payload_index("my_collection", "created_at", FieldType::Datetime)
    ///     .field_index_params(DatetimeIndexParams::new().is_principal(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::DatetimeIndexParams;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = DatetimeIndexParams::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Optimizes storage for this key being the main filter of most searches.
    ///
    /// ```
    /// use qdrant_async::DatetimeIndexParams;
    ///
    /// // Most filters use this field: Qdrant lays data out by it.
    /// let params = DatetimeIndexParams::new().is_principal(true);
    /// ```
    pub fn is_principal(mut self, is_principal: bool) -> Self {
        self.is_principal = Some(is_principal);
        self
    }

    /// Builds extra HNSW links for this key, for filtered search (default true).
    ///
    /// ```
    /// use qdrant_async::DatetimeIndexParams;
    ///
    /// let params = DatetimeIndexParams::new().enable_hnsw(true);
    /// ```
    pub fn enable_hnsw(mut self, enable_hnsw: bool) -> Self {
        self.enable_hnsw = Some(enable_hnsw);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{DatetimeIndexParams, Memory};
    ///
    /// let params = DatetimeIndexParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    ///
    /// ```
    /// use qdrant_async::DatetimeIndexParams;
    ///
    /// let params = DatetimeIndexParams::new().nested("items");
    /// ```
    pub fn nested(mut self, nested: impl Into<String>) -> Self {
        self.nested = Some(nested.into());
        self
    }
}

impl From<DatetimeIndexParams> for proto::DatetimeIndexParams {
    #[allow(deprecated)]
    fn from(d: DatetimeIndexParams) -> Self {
        proto::DatetimeIndexParams {
            on_disk: d.on_disk,
            is_principal: d.is_principal,
            enable_hnsw: d.enable_hnsw,
            memory: d.memory.map(Memory::to_wire),
            nested: d.nested,
        }
    }
}

impl From<proto::DatetimeIndexParams> for DatetimeIndexParams {
    #[allow(deprecated)]
    fn from(p: proto::DatetimeIndexParams) -> Self {
        DatetimeIndexParams {
            on_disk: p.on_disk,
            is_principal: p.is_principal,
            enable_hnsw: p.enable_hnsw,
            memory: p.memory.map(Memory::from_wire),
            nested: p.nested,
        }
    }
}

/// Parameters of a UUID index.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{FieldType, UuidIndexParams};
///
/// client
///     .create_payload_index("my_collection", "user_id", FieldType::Uuid)
///     .field_index_params(UuidIndexParams::new().on_disk(true))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct UuidIndexParams {
    /// Optimizes storage for this key dividing the collection by tenant.
    pub is_tenant: Option<bool>,
    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Builds extra HNSW links for this key, for filtered search (default true).
    pub enable_hnsw: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    pub nested: Option<String>,
}

impl UuidIndexParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{FieldType, UuidIndexParams};
    ///
    /// client
    ///     .create_payload_index("my_collection", "user_id", FieldType::Uuid)
    ///     .field_index_params(UuidIndexParams::new().is_tenant(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Optimizes storage for this key dividing the collection by tenant.
    ///
    /// ```
    /// use qdrant_async::UuidIndexParams;
    ///
    /// // The field splits the collection by tenant: Qdrant lays data out by it.
    /// let params = UuidIndexParams::new().is_tenant(true);
    /// ```
    pub fn is_tenant(mut self, is_tenant: bool) -> Self {
        self.is_tenant = Some(is_tenant);
        self
    }

    /// Keeps the index on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::UuidIndexParams;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = UuidIndexParams::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Builds extra HNSW links for this key, for filtered search (default true).
    ///
    /// ```
    /// use qdrant_async::UuidIndexParams;
    ///
    /// let params = UuidIndexParams::new().enable_hnsw(true);
    /// ```
    pub fn enable_hnsw(mut self, enable_hnsw: bool) -> Self {
        self.enable_hnsw = Some(enable_hnsw);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{Memory, UuidIndexParams};
    ///
    /// let params = UuidIndexParams::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// Indexes the values inside this nested array of objects (the index's key is then relative to it).
    ///
    /// ```
    /// use qdrant_async::UuidIndexParams;
    ///
    /// let params = UuidIndexParams::new().nested("items");
    /// ```
    pub fn nested(mut self, nested: impl Into<String>) -> Self {
        self.nested = Some(nested.into());
        self
    }
}

impl From<UuidIndexParams> for proto::UuidIndexParams {
    #[allow(deprecated)]
    fn from(d: UuidIndexParams) -> Self {
        proto::UuidIndexParams {
            is_tenant: d.is_tenant,
            on_disk: d.on_disk,
            enable_hnsw: d.enable_hnsw,
            memory: d.memory.map(Memory::to_wire),
            nested: d.nested,
        }
    }
}

impl From<proto::UuidIndexParams> for UuidIndexParams {
    #[allow(deprecated)]
    fn from(p: proto::UuidIndexParams) -> Self {
        UuidIndexParams {
            is_tenant: p.is_tenant,
            on_disk: p.on_disk,
            enable_hnsw: p.enable_hnsw,
            memory: p.memory.map(Memory::from_wire),
            nested: p.nested,
        }
    }
}

/// How text matches are scored.
///
/// ```
/// use qdrant_async::{TextIndexParams, TextScoring, TokenizerType};
///
/// let params = TextIndexParams::new(TokenizerType::Word).scoring(TextScoring::Bm25);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextScoring {
    /// BM25.
    Bm25,
    /// A value this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl TextScoring {
    pub(crate) fn to_wire(self) -> i32 {
        match self {
            TextScoring::Bm25 => proto::TextScoringType::Bm25 as i32,
            TextScoring::Unknown(v) => v,
        }
    }

    pub(crate) fn from_wire(v: i32) -> Self {
        match proto::TextScoringType::try_from(v) {
            Ok(proto::TextScoringType::Bm25) => TextScoring::Bm25,
            _ => TextScoring::Unknown(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// proto → domain → proto keeps every field (the protos are written out
    /// in full, so that a new field fails to compile here), and domain →
    /// proto → domain gives the same value back, through
    /// `PayloadIndexParams` as the client sends and reads them.
    fn round_trip(p: proto::payload_index_params::IndexParams) {
        let p = proto::PayloadIndexParams {
            index_params: Some(p),
        };
        let d = PayloadIndexParams::from_proto(p.clone()).expect("a kind");
        assert_eq!(proto::PayloadIndexParams::from(d.clone()), p);
        assert_eq!(PayloadIndexParams::from_proto(d.clone().into()), Some(d));
    }

    fn mem() -> Option<i32> {
        Some(proto::Memory::Cached as i32)
    }

    #[test]
    #[allow(deprecated)]
    fn every_kind_round_trips() {
        use proto::payload_index_params::IndexParams as P;
        round_trip(P::KeywordIndexParams(proto::KeywordIndexParams {
            is_tenant: Some(true),
            on_disk: Some(true),
            enable_hnsw: Some(false),
            prefix: Some(proto::KeywordPrefixParams {}),
            memory: mem(),
            nested: Some("items".into()),
        }));
        round_trip(P::IntegerIndexParams(proto::IntegerIndexParams {
            lookup: Some(true),
            range: Some(false),
            is_principal: Some(true),
            on_disk: Some(false),
            enable_hnsw: Some(true),
            memory: mem(),
            nested: Some("a".into()),
        }));
        round_trip(P::FloatIndexParams(proto::FloatIndexParams {
            on_disk: Some(true),
            is_principal: Some(false),
            enable_hnsw: Some(true),
            memory: mem(),
            nested: Some("b".into()),
        }));
        round_trip(P::GeoIndexParams(proto::GeoIndexParams {
            on_disk: Some(false),
            enable_hnsw: Some(false),
            memory: mem(),
            nested: Some("c".into()),
        }));
        for stemmer in [
            proto::stemming_algorithm::StemmingParams::Snowball(proto::SnowballParams {
                language: "english".into(),
            }),
            proto::stemming_algorithm::StemmingParams::Disabled(proto::DisabledStemmer {}),
        ] {
            round_trip(P::TextIndexParams(proto::TextIndexParams {
                tokenizer: proto::TokenizerType::Multilingual as i32,
                lowercase: Some(false),
                min_token_len: Some(2),
                max_token_len: Some(20),
                on_disk: Some(true),
                stopwords: Some(proto::StopwordsSet {
                    languages: vec!["english".into()],
                    custom: vec!["qdrant".into()],
                }),
                phrase_matching: Some(true),
                stemmer: Some(proto::StemmingAlgorithm {
                    stemming_params: Some(stemmer),
                }),
                ascii_folding: Some(true),
                enable_hnsw: Some(false),
                memory: mem(),
                scoring: Some(proto::TextScoringParams {
                    r#type: proto::TextScoringType::Bm25 as i32,
                }),
                nested: Some("d".into()),
            }));
        }
        round_trip(P::BoolIndexParams(proto::BoolIndexParams {
            on_disk: Some(true),
            enable_hnsw: Some(true),
            memory: mem(),
            nested: Some("e".into()),
        }));
        round_trip(P::DatetimeIndexParams(proto::DatetimeIndexParams {
            on_disk: Some(false),
            is_principal: Some(true),
            enable_hnsw: Some(false),
            memory: mem(),
            nested: Some("f".into()),
        }));
        round_trip(P::UuidIndexParams(proto::UuidIndexParams {
            is_tenant: Some(false),
            on_disk: Some(true),
            enable_hnsw: Some(true),
            memory: mem(),
            nested: Some("g".into()),
        }));
    }

    #[test]
    fn tokenizers_round_trip_every_value() {
        use TokenizerType as T;
        for t in [
            T::Prefix,
            T::Whitespace,
            T::Word,
            T::Multilingual,
            T::Code,
            T::Unknown(0),
            T::Unknown(42),
        ] {
            assert_eq!(T::from_wire(t.to_wire()), t);
        }
        assert_eq!(T::Word.to_wire(), proto::TokenizerType::Word as i32);
        for s in [TextScoring::Bm25, TextScoring::Unknown(5)] {
            assert_eq!(TextScoring::from_wire(s.to_wire()), s);
        }
    }

    #[test]
    fn text_params_are_sent_as_set() {
        let p = proto::TextIndexParams::from(
            TextIndexParams::new(TokenizerType::Word)
                .stopwords(StopwordsSet::new().custom(["the"]))
                .stemmer(Stemmer::snowball("english")),
        );
        assert_eq!(p.tokenizer, proto::TokenizerType::Word as i32);
        assert_eq!(p.stopwords.map(|s| s.custom), Some(vec!["the".to_owned()]));
        assert!(p.stemmer.is_some());
        assert_eq!(p.lowercase, None);
    }
}
