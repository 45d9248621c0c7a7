//! Collection configuration (what `create_collection` and
//! `update_collection` take) and collection info (what `get_collection`
//! returns).

use std::collections::HashMap;
use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::proto;
use crate::types::config::{HnswConfigDiff, Memory, OptimizersConfigDiff, StrictModeConfig, WalConfigDiff};
use crate::types::index::PayloadIndexParams;
use crate::types::payload::{Value, from_proto_map};
use crate::types::quantization::{
    BinaryQuantization, CompressionRatio, ProductQuantization, ScalarQuantization, TurboQuantization,
};

/// How vectors are compared.
///
/// ```
/// use qdrant_async::{Distance, VectorParams};
///
/// let params = VectorParams::new(384, Distance::Cosine);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Distance {
    /// Cosine similarity: higher is closer. Vectors are normalized on write.
    Cosine,
    /// Euclidean distance: lower is closer.
    Euclid,
    /// Dot product: higher is closer.
    Dot,
    /// Manhattan (L1) distance: lower is closer.
    Manhattan,
}

impl From<Distance> for proto::Distance {
    fn from(d: Distance) -> Self {
        match d {
            Distance::Cosine => proto::Distance::Cosine,
            Distance::Euclid => proto::Distance::Euclid,
            Distance::Dot => proto::Distance::Dot,
            Distance::Manhattan => proto::Distance::Manhattan,
        }
    }
}

impl Distance {
    fn from_wire(d: i32, field: &str) -> Result<Self> {
        match proto::Distance::try_from(d) {
            Ok(proto::Distance::Cosine) => Ok(Distance::Cosine),
            Ok(proto::Distance::Euclid) => Ok(Distance::Euclid),
            Ok(proto::Distance::Dot) => Ok(Distance::Dot),
            Ok(proto::Distance::Manhattan) => Ok(Distance::Manhattan),
            _ => Err(Error::unexpected(field, format!("unknown distance {d}"))),
        }
    }
}

/// How vector values are stored.
///
/// ```
/// use qdrant_async::{Datatype, Distance, VectorParams};
///
/// // Half the memory of f32 vectors.
/// let params = VectorParams::new(768, Distance::Cosine).datatype(Datatype::Float16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Datatype {
    /// 32-bit floats (the default).
    Float32,
    /// 16-bit floats.
    Float16,
    /// Bytes (values 0 to 255).
    Uint8,
}

impl From<Datatype> for proto::Datatype {
    fn from(d: Datatype) -> Self {
        match d {
            Datatype::Float32 => proto::Datatype::Float32,
            Datatype::Float16 => proto::Datatype::Float16,
            Datatype::Uint8 => proto::Datatype::Uint8,
        }
    }
}

/// Quantization: compressed copies of vectors for faster search.
///
/// ```
/// use qdrant_async::{CompressionRatio, Quantization};
///
/// let scalar = Quantization::scalar_int8(Some(0.99));
/// let product = Quantization::product(CompressionRatio::X16);
/// let binary = Quantization::binary();
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Quantization {
    /// Scalar quantization.
    Scalar(ScalarQuantization),
    /// Product quantization.
    Product(ProductQuantization),
    /// Binary quantization.
    Binary(BinaryQuantization),
    /// TurboQuant quantization (Qdrant 1.20).
    Turbo(TurboQuantization),
}

impl Quantization {
    /// Scalar quantization to int8; `quantile` clips outliers (default 1).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, Quantization, VectorParams};
    ///
    /// client
    ///     .create_collection("my_collection", VectorParams::new(768, Distance::Cosine))
    ///     .quantization_config(Quantization::scalar_int8(Some(0.99)))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn scalar_int8(quantile: Option<f32>) -> Self {
        let scalar = ScalarQuantization::new();
        Quantization::Scalar(match quantile {
            Some(q) => scalar.quantile(q),
            None => scalar,
        })
    }

    /// Product quantization.
    ///
    /// ```
    /// use qdrant_async::{CompressionRatio, Distance, Quantization, VectorParams};
    ///
    /// let params = VectorParams::new(768, Distance::Cosine).quantization_config(Quantization::product(CompressionRatio::X32));
    /// ```
    pub fn product(compression: CompressionRatio) -> Self {
        Quantization::Product(ProductQuantization::new(compression))
    }

    /// Binary quantization, one bit per value.
    ///
    /// ```
    /// use qdrant_async::{Distance, Quantization, VectorParams};
    ///
    /// let params = VectorParams::new(1536, Distance::Cosine).quantization_config(Quantization::binary());
    /// ```
    pub fn binary() -> Self {
        Quantization::Binary(BinaryQuantization::default())
    }

    /// `None` for a message without a choice, which the server reads as unset.
    pub(crate) fn from_proto(q: proto::QuantizationConfig) -> Option<Self> {
        use proto::quantization_config::Quantization as Q;
        Some(match q.quantization? {
            Q::Scalar(s) => Quantization::Scalar(s.into()),
            Q::Product(p) => Quantization::Product(p.into()),
            Q::Binary(b) => Quantization::Binary(b.into()),
            Q::Turboquant(t) => Quantization::Turbo(t.into()),
        })
    }
}

impl From<ScalarQuantization> for Quantization {
    fn from(q: ScalarQuantization) -> Self {
        Quantization::Scalar(q)
    }
}

impl From<ProductQuantization> for Quantization {
    fn from(q: ProductQuantization) -> Self {
        Quantization::Product(q)
    }
}

impl From<BinaryQuantization> for Quantization {
    fn from(q: BinaryQuantization) -> Self {
        Quantization::Binary(q)
    }
}

impl From<TurboQuantization> for Quantization {
    fn from(q: TurboQuantization) -> Self {
        Quantization::Turbo(q)
    }
}

impl From<Quantization> for proto::QuantizationConfig {
    fn from(q: Quantization) -> Self {
        use proto::quantization_config::Quantization as Q;
        let q = match q {
            Quantization::Scalar(s) => Q::Scalar(s.into()),
            Quantization::Product(p) => Q::Product(p.into()),
            Quantization::Binary(b) => Q::Binary(b.into()),
            Quantization::Turbo(t) => Q::Turboquant(t.into()),
        };
        proto::QuantizationConfig {
            quantization: Some(q),
        }
    }
}

/// A change of quantization, for `update_collection`: a new setting, or off.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Quantization, QuantizationConfigDiff};
///
/// // Turn quantization on for an existing collection...
/// client.update_collection("my_collection").quantization_config(Quantization::binary()).await?;
/// // ...or off again.
/// client.update_collection("my_collection").quantization_config(QuantizationConfigDiff::Disabled).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum QuantizationConfigDiff {
    /// Use this quantization.
    Set(Quantization),
    /// Turn quantization off.
    Disabled,
}

impl From<Quantization> for QuantizationConfigDiff {
    fn from(q: Quantization) -> Self {
        QuantizationConfigDiff::Set(q)
    }
}

impl From<QuantizationConfigDiff> for proto::QuantizationConfigDiff {
    fn from(d: QuantizationConfigDiff) -> Self {
        use proto::quantization_config_diff::Quantization as Q;
        let q = match d {
            QuantizationConfigDiff::Disabled => Q::Disabled(proto::Disabled {}),
            QuantizationConfigDiff::Set(Quantization::Scalar(s)) => Q::Scalar(s.into()),
            QuantizationConfigDiff::Set(Quantization::Product(p)) => Q::Product(p.into()),
            QuantizationConfigDiff::Set(Quantization::Binary(b)) => Q::Binary(b.into()),
            QuantizationConfigDiff::Set(Quantization::Turbo(t)) => Q::Turboquant(t.into()),
        };
        proto::QuantizationConfigDiff {
            quantization: Some(q),
        }
    }
}

impl QuantizationConfigDiff {
    /// `None` for a message without a choice, which the server reads as unset.
    fn from_proto(d: proto::QuantizationConfigDiff) -> Option<Self> {
        use proto::quantization_config_diff::Quantization as Q;
        Some(match d.quantization? {
            Q::Disabled(_) => QuantizationConfigDiff::Disabled,
            Q::Scalar(s) => QuantizationConfigDiff::Set(Quantization::Scalar(s.into())),
            Q::Product(p) => QuantizationConfigDiff::Set(Quantization::Product(p.into())),
            Q::Binary(b) => QuantizationConfigDiff::Set(Quantization::Binary(b.into())),
            Q::Turboquant(t) => QuantizationConfigDiff::Set(Quantization::Turbo(t.into())),
        })
    }
}

/// One dense vector's configuration.
///
/// ```
/// use qdrant_async::{Datatype, Distance, HnswConfigDiff, VectorParams};
///
/// let params = VectorParams::new(768, Distance::Cosine)
///     .hnsw_config(HnswConfigDiff::new().m(32))
///     .datatype(Datatype::Float16)
///     .on_disk(true);
/// let colbert = VectorParams::new(128, Distance::Dot).multivector();
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct VectorParams {
    /// Dimensions.
    pub size: u64,
    /// How vectors are compared.
    pub distance: Distance,
    /// HNSW parameters for this vector.
    pub hnsw_config: Option<HnswConfigDiff>,
    /// Quantization for this vector.
    pub quantization_config: Option<Quantization>,
    /// Keeps the vectors on disk.
    pub on_disk: Option<bool>,
    /// Storage type of the values.
    pub datatype: Option<Datatype>,
    /// Whether each point holds several vectors of this size (compared with MaxSim).
    pub multivector: bool,
}

impl VectorParams {
    /// A vector of `size` dimensions compared by `distance`.
    ///
    /// ```
    /// use qdrant_async::{Distance, HnswConfigDiff, VectorParams};
    ///
    /// let params = VectorParams::new(768, Distance::Cosine)
    ///     .on_disk(true)
    ///     .hnsw_config(HnswConfigDiff::new().m(32));
    /// ```
    pub fn new(size: u64, distance: Distance) -> Self {
        VectorParams {
            size,
            distance,
            hnsw_config: None,
            quantization_config: None,
            on_disk: None,
            datatype: None,
            multivector: false,
        }
    }

    /// HNSW parameters for this vector.
    ///
    /// ```
    /// use qdrant_async::{Distance, HnswConfigDiff, VectorParams};
    ///
    /// let params = VectorParams::new(768, Distance::Cosine).hnsw_config(HnswConfigDiff::new().m(32));
    /// ```
    pub fn hnsw_config(mut self, config: HnswConfigDiff) -> Self {
        self.hnsw_config = Some(config);
        self
    }

    /// Quantization for this vector.
    ///
    /// ```
    /// use qdrant_async::{Distance, Quantization, VectorParams};
    ///
    /// let params = VectorParams::new(768, Distance::Cosine).quantization_config(Quantization::binary());
    /// ```
    pub fn quantization_config(mut self, quantization: Quantization) -> Self {
        self.quantization_config = Some(quantization);
        self
    }

    /// Keeps the vectors on disk.
    ///
    /// ```
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = VectorParams::new(768, Distance::Cosine).on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Storage type of the values.
    ///
    /// ```
    /// use qdrant_async::{Datatype, Distance, VectorParams};
    ///
    /// let params = VectorParams::new(768, Distance::Cosine).datatype(Datatype::Float16);
    /// ```
    pub fn datatype(mut self, datatype: Datatype) -> Self {
        self.datatype = Some(datatype);
        self
    }

    /// Each point holds several vectors of this size, compared with MaxSim.
    ///
    /// ```
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// // ColBERT-style: each point holds several 128-dimensional vectors.
    /// let params = VectorParams::new(128, Distance::Cosine).multivector();
    /// ```
    pub fn multivector(mut self) -> Self {
        self.multivector = true;
        self
    }

    #[allow(deprecated)]
    fn into_proto(self) -> proto::VectorParams {
        proto::VectorParams {
            size: self.size,
            distance: proto::Distance::from(self.distance) as i32,
            hnsw_config: self.hnsw_config.map(Into::into),
            quantization_config: self.quantization_config.map(Into::into),
            on_disk: self.on_disk,
            datatype: self.datatype.map(|d| proto::Datatype::from(d) as i32),
            multivector_config: self.multivector.then_some(proto::MultiVectorConfig {
                comparator: proto::MultiVectorComparator::MaxSim as i32,
            }),
            memory: None,
        }
    }

    #[allow(deprecated)]
    fn from_proto(p: proto::VectorParams, field: &str) -> Result<Self> {
        Ok(VectorParams {
            size: p.size,
            distance: Distance::from_wire(p.distance, &format!("{field}.distance"))?,
            hnsw_config: p.hnsw_config.map(Into::into),
            quantization_config: p.quantization_config.and_then(Quantization::from_proto),
            on_disk: p.on_disk,
            datatype: p.datatype.and_then(|d| match proto::Datatype::try_from(d) {
                Ok(proto::Datatype::Float32) => Some(Datatype::Float32),
                Ok(proto::Datatype::Float16) => Some(Datatype::Float16),
                Ok(proto::Datatype::Uint8) => Some(Datatype::Uint8),
                _ => None,
            }),
            multivector: p.multivector_config.is_some(),
        })
    }
}

/// A collection's dense vectors: one unnamed vector, or several by name.
///
/// ```
/// use qdrant_async::{Distance, VectorParams, VectorsConfig};
///
/// let single: VectorsConfig = VectorParams::new(4, Distance::Dot).into();
/// let named = VectorsConfig::named([
///     ("image", VectorParams::new(512, Distance::Cosine)),
///     ("text", VectorParams::new(384, Distance::Cosine)),
/// ]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum VectorsConfig {
    /// One unnamed vector.
    Single(VectorParams),
    /// Vectors by name.
    Named(HashMap<String, VectorParams>),
}

impl VectorsConfig {
    /// Named vectors.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams, VectorsConfig};
    ///
    /// client
    ///     .create_collection(
    ///         "products",
    ///         VectorsConfig::named([
    ///             ("text", VectorParams::new(384, Distance::Cosine)),
    ///             ("image", VectorParams::new(512, Distance::Dot)),
    ///         ]),
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn named<K: Into<String>>(pairs: impl IntoIterator<Item = (K, VectorParams)>) -> Self {
        VectorsConfig::Named(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The parameters of the vector with this name (`""` for the unnamed one).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let info = client.get_collection("products").await?;
    /// if let Some(params) = info.config.params.vectors.get("image") {
    ///     println!("image vectors: {} dimensions", params.size);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get(&self, name: &str) -> Option<&VectorParams> {
        match self {
            VectorsConfig::Single(p) => name.is_empty().then_some(p),
            VectorsConfig::Named(map) => map.get(name),
        }
    }
}

impl From<VectorParams> for VectorsConfig {
    fn from(p: VectorParams) -> Self {
        VectorsConfig::Single(p)
    }
}

impl From<HashMap<String, VectorParams>> for VectorsConfig {
    fn from(map: HashMap<String, VectorParams>) -> Self {
        VectorsConfig::Named(map)
    }
}

impl From<VectorsConfig> for proto::VectorsConfig {
    fn from(c: VectorsConfig) -> Self {
        use proto::vectors_config::Config;
        let config = match c {
            VectorsConfig::Single(p) => Config::Params(p.into_proto()),
            VectorsConfig::Named(map) => Config::ParamsMap(proto::VectorParamsMap {
                map: map.into_iter().map(|(k, v)| (k, v.into_proto())).collect(),
            }),
        };
        proto::VectorsConfig { config: Some(config) }
    }
}

impl VectorsConfig {
    fn from_proto(c: proto::VectorsConfig, field: &str) -> Result<Self> {
        use proto::vectors_config::Config;
        match c.config {
            Some(Config::Params(p)) => Ok(VectorsConfig::Single(VectorParams::from_proto(p, field)?)),
            Some(Config::ParamsMap(m)) => Ok(VectorsConfig::Named(
                m.map
                    .into_iter()
                    .map(|(k, v)| {
                        let p = VectorParams::from_proto(v, &format!("{field}[\"{k}\"]"))?;
                        Ok((k, p))
                    })
                    .collect::<Result<_>>()?,
            )),
            None => Ok(VectorsConfig::Named(HashMap::new())),
        }
    }
}

/// Changes to one vector's settings, for `update_collection`; `None` keeps
/// the current value.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{VectorParamsDiff, VectorsConfigDiff};
///
/// client
///     .update_collection("products")
///     .vectors_config(VectorsConfigDiff::new().vector_params("image", VectorParamsDiff::new().on_disk(true)))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct VectorParamsDiff {
    /// HNSW parameters for this vector.
    pub hnsw_config: Option<HnswConfigDiff>,
    /// Quantization for this vector, or off.
    pub quantization_config: Option<QuantizationConfigDiff>,
    /// Keeps the vectors on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub on_disk: Option<bool>,
    /// Where the vectors live (Qdrant 1.20).
    pub memory: Option<Memory>,
}

impl VectorParamsDiff {
    /// Nothing changed.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{HnswConfigDiff, VectorParamsDiff, VectorsConfigDiff};
    ///
    /// client
    ///     .update_collection("my_collection")
    ///     .vectors_config(
    ///         VectorsConfigDiff::new()
    ///             .vector_params("image", VectorParamsDiff::new().hnsw_config(HnswConfigDiff::new().ef_construct(200))),
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// HNSW parameters for this vector.
    ///
    /// ```
    /// use qdrant_async::{HnswConfigDiff, VectorParamsDiff};
    ///
    /// let params = VectorParamsDiff::new().hnsw_config(HnswConfigDiff::new().m(32));
    /// ```
    pub fn hnsw_config(mut self, config: HnswConfigDiff) -> Self {
        self.hnsw_config = Some(config);
        self
    }

    /// Quantization for this vector, or off.
    ///
    /// ```
    /// use qdrant_async::{Quantization, VectorParamsDiff};
    ///
    /// let params = VectorParamsDiff::new().quantization_config(Quantization::scalar_int8(None));
    /// ```
    pub fn quantization_config(mut self, quantization: impl Into<QuantizationConfigDiff>) -> Self {
        self.quantization_config = Some(quantization.into());
        self
    }

    /// Keeps the vectors on disk. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::VectorParamsDiff;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = VectorParamsDiff::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }

    /// Where the vectors live (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{Memory, VectorParamsDiff};
    ///
    /// let params = VectorParamsDiff::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }
}

impl From<VectorParamsDiff> for proto::VectorParamsDiff {
    #[allow(deprecated)]
    fn from(d: VectorParamsDiff) -> Self {
        proto::VectorParamsDiff {
            hnsw_config: d.hnsw_config.map(Into::into),
            quantization_config: d.quantization_config.map(Into::into),
            on_disk: d.on_disk,
            memory: d.memory.map(Memory::to_wire),
        }
    }
}

impl From<proto::VectorParamsDiff> for VectorParamsDiff {
    #[allow(deprecated)]
    fn from(p: proto::VectorParamsDiff) -> Self {
        VectorParamsDiff {
            hnsw_config: p.hnsw_config.map(Into::into),
            quantization_config: p.quantization_config.and_then(QuantizationConfigDiff::from_proto),
            on_disk: p.on_disk,
            memory: p.memory.map(Memory::from_wire),
        }
    }
}

/// Changes to vectors' settings, by name (`""` for the unnamed vector).
///
/// ```
/// use qdrant_async::{HnswConfigDiff, VectorParamsDiff, VectorsConfigDiff};
///
/// let diff = VectorsConfigDiff::new()
///     .vector("image", Some(HnswConfigDiff::new().m(32)), None)
///     .vector_params("text", VectorParamsDiff::new().on_disk(true));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct VectorsConfigDiff {
    /// The changes, by vector name.
    pub vectors: HashMap<String, VectorParamsDiff>,
}

impl VectorsConfigDiff {
    /// No changes.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{HnswConfigDiff, VectorParamsDiff, VectorsConfigDiff};
    ///
    /// let diff = VectorsConfigDiff::new()
    ///     .vector_params("text", VectorParamsDiff::new().on_disk(true))
    ///     .vector_params("image", VectorParamsDiff::new().hnsw_config(HnswConfigDiff::new().m(32)));
    /// client.update_collection("my_collection").vectors_config(diff).await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes the HNSW and quantization settings of the vector with this name.
    ///
    /// ```
    /// use qdrant_async::{HnswConfigDiff, Quantization, VectorsConfigDiff};
    ///
    /// let diff = VectorsConfigDiff::new().vector("image", Some(HnswConfigDiff::new().m(32)), Some(Quantization::binary().into()));
    /// ```
    pub fn vector(
        self,
        name: impl Into<String>,
        hnsw_config: Option<HnswConfigDiff>,
        quantization: Option<QuantizationConfigDiff>,
    ) -> Self {
        let diff = VectorParamsDiff {
            hnsw_config,
            quantization_config: quantization,
            ..VectorParamsDiff::default()
        };
        self.vector_params(name, diff)
    }

    /// Changes the vector with this name.
    ///
    /// ```
    /// use qdrant_async::{VectorParamsDiff, VectorsConfigDiff};
    ///
    /// let diff = VectorsConfigDiff::new().vector_params("image", VectorParamsDiff::new().on_disk(true));
    /// ```
    pub fn vector_params(mut self, name: impl Into<String>, diff: VectorParamsDiff) -> Self {
        self.vectors.insert(name.into(), diff);
        self
    }
}

impl From<VectorsConfigDiff> for proto::VectorsConfigDiff {
    fn from(d: VectorsConfigDiff) -> Self {
        use proto::vectors_config_diff::Config;
        let mut map: HashMap<String, proto::VectorParamsDiff> =
            d.vectors.into_iter().map(|(k, v)| (k, v.into())).collect();
        let config = match map.remove("") {
            Some(unnamed) if map.is_empty() => Config::Params(unnamed),
            unnamed => {
                if let Some(u) = unnamed {
                    map.insert(String::new(), u);
                }
                Config::ParamsMap(proto::VectorParamsDiffMap { map })
            }
        };
        proto::VectorsConfigDiff { config: Some(config) }
    }
}

impl From<proto::VectorsConfigDiff> for VectorsConfigDiff {
    fn from(p: proto::VectorsConfigDiff) -> Self {
        use proto::vectors_config_diff::Config;
        let vectors = match p.config {
            Some(Config::Params(unnamed)) => HashMap::from([(String::new(), unnamed.into())]),
            Some(Config::ParamsMap(m)) => m.map.into_iter().map(|(k, v)| (k, v.into())).collect(),
            None => HashMap::new(),
        };
        VectorsConfigDiff { vectors }
    }
}

/// Weighting of sparse vector dimensions.
///
/// ```
/// use qdrant_async::{Modifier, SparseVectorParams};
///
/// // BM25-style: the server weighs terms by inverse document frequency.
/// let params = SparseVectorParams::new().modifier(Modifier::Idf);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Modifier {
    /// Raw values.
    None,
    /// Values weighted by inverse document frequency (for BM25-like search).
    Idf,
}

/// A sparse vector's configuration.
///
/// ```
/// use qdrant_async::{Modifier, SparseVectorParams};
/// let bm25 = SparseVectorParams::new().modifier(Modifier::Idf);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct SparseVectorParams {
    /// Searches below this many matching points are exact scans.
    pub full_scan_threshold: Option<u64>,
    /// Keeps the index on disk.
    pub on_disk: Option<bool>,
    /// Storage type of the values.
    pub datatype: Option<Datatype>,
    /// Weighting of dimensions.
    pub modifier: Option<Modifier>,
}

impl SparseVectorParams {
    /// Defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, Modifier, SparseVectorParams, VectorParams};
    ///
    /// client
    ///     .create_collection("hybrid", VectorParams::new(4, Distance::Cosine))
    ///     .sparse_vector("keywords", SparseVectorParams::new().modifier(Modifier::Idf))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
    /// Weighting of dimensions.
    ///
    /// ```
    /// use qdrant_async::{Modifier, SparseVectorParams};
    ///
    /// let params = SparseVectorParams::new().modifier(Modifier::Idf);
    /// ```
    pub fn modifier(mut self, modifier: Modifier) -> Self {
        self.modifier = Some(modifier);
        self
    }
    /// Searches below this many matching points are exact scans.
    ///
    /// ```
    /// use qdrant_async::SparseVectorParams;
    ///
    /// let params = SparseVectorParams::new().full_scan_threshold(10_000);
    /// ```
    pub fn full_scan_threshold(mut self, threshold: u64) -> Self {
        self.full_scan_threshold = Some(threshold);
        self
    }
    /// Keeps the index on disk.
    ///
    /// ```
    /// use qdrant_async::SparseVectorParams;
    ///
    /// // Kept on disk, read through the page cache.
    /// let params = SparseVectorParams::new().on_disk(true);
    /// ```
    pub fn on_disk(mut self, on_disk: bool) -> Self {
        self.on_disk = Some(on_disk);
        self
    }
    /// Storage type of the values.
    ///
    /// ```
    /// use qdrant_async::{Datatype, SparseVectorParams};
    ///
    /// let params = SparseVectorParams::new().datatype(Datatype::Float16);
    /// ```
    pub fn datatype(mut self, datatype: Datatype) -> Self {
        self.datatype = Some(datatype);
        self
    }

    #[allow(deprecated)]
    fn from_proto(p: proto::SparseVectorParams) -> Self {
        let index = p.index.unwrap_or_default();
        SparseVectorParams {
            full_scan_threshold: index.full_scan_threshold,
            on_disk: index.on_disk,
            datatype: None,
            modifier: p.modifier.map(|m| {
                if m == proto::Modifier::Idf as i32 {
                    Modifier::Idf
                } else {
                    Modifier::None
                }
            }),
        }
    }
}

impl From<SparseVectorParams> for proto::SparseVectorParams {
    #[allow(deprecated)]
    fn from(p: SparseVectorParams) -> Self {
        let index =
            (p.full_scan_threshold.is_some() || p.on_disk.is_some() || p.datatype.is_some()).then(|| {
                proto::SparseIndexConfig {
                    full_scan_threshold: p.full_scan_threshold,
                    on_disk: p.on_disk,
                    datatype: p.datatype.map(|d| proto::Datatype::from(d) as i32),
                    memory: None,
                }
            });
        proto::SparseVectorParams {
            index,
            modifier: p.modifier.map(|m| match m {
                Modifier::None => proto::Modifier::None as i32,
                Modifier::Idf => proto::Modifier::Idf as i32,
            }),
        }
    }
}

/// How points are assigned to shards.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::{Distance, ShardingMethod, VectorParams};
///
/// // Shards by key (one per tenant), made with `create_shard_key`.
/// client
///     .create_collection("multitenant", VectorParams::new(4, Distance::Cosine))
///     .sharding_method(ShardingMethod::Custom)
///     .await?;
/// client.create_shard_key("multitenant", "tenant_a").await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShardingMethod {
    /// By point id hash (the default).
    Auto,
    /// By shard key, given with each write.
    Custom,
}

impl From<ShardingMethod> for proto::ShardingMethod {
    fn from(m: ShardingMethod) -> Self {
        match m {
            ShardingMethod::Auto => proto::ShardingMethod::Auto,
            ShardingMethod::Custom => proto::ShardingMethod::Custom,
        }
    }
}

/// The configuration of a new named vector, for
/// [`Client::create_vector_name`](crate::Client::create_vector_name).
///
/// ```
/// use qdrant_async::{Distance, SparseVectorParams, VectorCreationConfig};
///
/// let dense = VectorCreationConfig::dense(512, Distance::Cosine);
/// let sparse = VectorCreationConfig::sparse(SparseVectorParams::new());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum VectorCreationConfig {
    /// A dense vector.
    Dense(VectorParams),
    /// A sparse vector.
    Sparse(SparseVectorParams),
}

impl VectorCreationConfig {
    /// A dense vector of `size` dimensions.
    ///
    /// ```
    /// use qdrant_async::{Distance, VectorCreationConfig};
    ///
    /// let config = VectorCreationConfig::dense(512, Distance::Cosine);
    /// ```
    pub fn dense(size: u64, distance: Distance) -> Self {
        VectorCreationConfig::Dense(VectorParams::new(size, distance))
    }

    /// A sparse vector.
    ///
    /// ```
    /// use qdrant_async::{Modifier, SparseVectorParams, VectorCreationConfig};
    ///
    /// let config = VectorCreationConfig::sparse(SparseVectorParams::new().modifier(Modifier::Idf));
    /// ```
    pub fn sparse(params: SparseVectorParams) -> Self {
        VectorCreationConfig::Sparse(params)
    }
}

impl From<VectorParams> for VectorCreationConfig {
    fn from(p: VectorParams) -> Self {
        VectorCreationConfig::Dense(p)
    }
}

impl From<SparseVectorParams> for VectorCreationConfig {
    fn from(p: SparseVectorParams) -> Self {
        VectorCreationConfig::Sparse(p)
    }
}

impl From<VectorCreationConfig> for proto::create_vector_name_request::VectorConfig {
    fn from(c: VectorCreationConfig) -> Self {
        use proto::create_vector_name_request::VectorConfig as C;
        match c {
            VectorCreationConfig::Dense(p) => {
                let p = p.into_proto();
                C::DenseConfig(proto::DenseVectorCreationConfig {
                    size: p.size,
                    distance: p.distance,
                    multivector_config: p.multivector_config,
                    datatype: p.datatype,
                })
            }
            VectorCreationConfig::Sparse(p) => {
                let p = proto::SparseVectorParams::from(p);
                C::SparseConfig(proto::SparseVectorCreationConfig {
                    modifier: p.modifier,
                    datatype: p.index.and_then(|i| i.datatype),
                })
            }
        }
    }
}

/// A collection's health.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::CollectionStatus;
///
/// let info = client.get_collection("my_collection").await?;
/// if info.status != CollectionStatus::Green {
///     println!("optimizing: {:?}", info.optimizer_error);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CollectionStatus {
    /// Ready, optimized.
    Green,
    /// Optimizing.
    Yellow,
    /// Optimizations pending.
    Grey,
    /// An error.
    Red,
    /// A status this client does not know.
    Unknown(i32),
}

impl From<i32> for CollectionStatus {
    fn from(s: i32) -> Self {
        match proto::CollectionStatus::try_from(s) {
            Ok(proto::CollectionStatus::Green) => CollectionStatus::Green,
            Ok(proto::CollectionStatus::Yellow) => CollectionStatus::Yellow,
            Ok(proto::CollectionStatus::Grey) => CollectionStatus::Grey,
            Ok(proto::CollectionStatus::Red) => CollectionStatus::Red,
            _ => CollectionStatus::Unknown(s),
        }
    }
}

/// The type of an indexed payload key.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::PayloadSchemaType;
///
/// let info = client.get_collection("my_collection").await?;
/// let keyword_fields: Vec<&String> = info
///     .payload_schema
///     .iter()
///     .filter(|(_, schema)| schema.data_type == PayloadSchemaType::Keyword)
///     .map(|(field, _)| field)
///     .collect();
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadSchemaType {
    /// Strings matched exactly.
    Keyword,
    /// Integers.
    Integer,
    /// Numbers.
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
    /// A type this client does not know.
    Unknown(i32),
}

impl From<i32> for PayloadSchemaType {
    fn from(t: i32) -> Self {
        match proto::PayloadSchemaType::try_from(t) {
            Ok(proto::PayloadSchemaType::Keyword) => PayloadSchemaType::Keyword,
            Ok(proto::PayloadSchemaType::Integer) => PayloadSchemaType::Integer,
            Ok(proto::PayloadSchemaType::Float) => PayloadSchemaType::Float,
            Ok(proto::PayloadSchemaType::Geo) => PayloadSchemaType::Geo,
            Ok(proto::PayloadSchemaType::Text) => PayloadSchemaType::Text,
            Ok(proto::PayloadSchemaType::Bool) => PayloadSchemaType::Bool,
            Ok(proto::PayloadSchemaType::Datetime) => PayloadSchemaType::Datetime,
            Ok(proto::PayloadSchemaType::Uuid) => PayloadSchemaType::Uuid,
            _ => PayloadSchemaType::Unknown(t),
        }
    }
}

/// One indexed payload key, as collection info shows it.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let info = client.get_collection("my_collection").await?;
/// for (field, schema) in &info.payload_schema {
///     println!("{field}: {:?} index, {:?} points", schema.data_type, schema.points);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PayloadSchemaInfo {
    /// The key's type.
    pub data_type: PayloadSchemaType,
    /// The index's parameters, when set.
    pub params: Option<PayloadIndexParams>,
    /// Points with a value at this key.
    pub points: Option<u64>,
}

/// A collection's parameters, as collection info shows them.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::VectorsConfig;
///
/// let params = client.get_collection("my_collection").await?.config.params;
/// match &params.vectors {
///     VectorsConfig::Single(vector) => println!("{} dimensions", vector.size),
///     VectorsConfig::Named(vectors) => println!("{} named vectors", vectors.len()),
///     _ => {}
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CollectionParams {
    /// Dense vectors.
    pub vectors: VectorsConfig,
    /// Sparse vectors, by name.
    pub sparse_vectors: HashMap<String, SparseVectorParams>,
    /// Shards.
    pub shard_number: u32,
    /// Copies of each shard.
    pub replication_factor: Option<u32>,
    /// Replicas that must confirm a write.
    pub write_consistency_factor: Option<u32>,
    /// Whether payloads are kept on disk.
    pub on_disk_payload: bool,
    /// How points are assigned to shards.
    pub sharding_method: Option<ShardingMethod>,
}

/// A collection's configuration, as collection info shows it.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let config = client.get_collection("my_collection").await?.config;
/// println!("{} shards, HNSW {:?}", config.params.shard_number, config.hnsw_config);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CollectionConfig {
    /// Vectors, shards, replication.
    pub params: CollectionParams,
    /// HNSW index parameters.
    pub hnsw_config: Option<HnswConfigDiff>,
    /// Optimizer parameters.
    pub optimizer_config: Option<OptimizersConfigDiff>,
    /// Write-ahead log parameters.
    pub wal_config: Option<WalConfigDiff>,
    /// Quantization for all vectors.
    pub quantization_config: Option<Quantization>,
    /// Strict mode limits.
    pub strict_mode_config: Option<StrictModeConfig>,
    /// Free-form metadata.
    pub metadata: HashMap<String, Value>,
}

/// What `get_collection` returns.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// let info = client.get_collection("my_collection").await?;
/// println!("{:?}, {:?} points, {} segments", info.status, info.points_count, info.segments_count);
/// for (field, schema) in &info.payload_schema {
///     println!("index on {field}: {:?}", schema.data_type);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CollectionInfo {
    /// Health.
    pub status: CollectionStatus,
    /// `None` when the optimizer is fine, else its error.
    pub optimizer_error: Option<String>,
    /// Points stored.
    pub points_count: Option<u64>,
    /// Vectors indexed.
    pub indexed_vectors_count: Option<u64>,
    /// Segments.
    pub segments_count: u64,
    /// Configuration.
    pub config: CollectionConfig,
    /// Indexed payload keys.
    pub payload_schema: HashMap<String, PayloadSchemaInfo>,
    /// Warnings about the configuration.
    pub warnings: Vec<String>,
    /// When the collection was created, when the server says.
    pub created_at: Option<SystemTime>,
}

impl TryFrom<proto::CollectionInfo> for CollectionInfo {
    type Error = Error;

    fn try_from(info: proto::CollectionInfo) -> Result<Self> {
        let config = info.config.ok_or_else(|| Error::missing("result.config"))?;
        let params = config
            .params
            .ok_or_else(|| Error::missing("result.config.params"))?;
        let vectors = match params.vectors_config {
            Some(v) => VectorsConfig::from_proto(v, "result.config.params.vectors_config")?,
            None => VectorsConfig::Named(HashMap::new()),
        };
        #[allow(deprecated)]
        let params = CollectionParams {
            vectors,
            sparse_vectors: params
                .sparse_vectors_config
                .map(|s| {
                    s.map
                        .into_iter()
                        .map(|(k, v)| (k, SparseVectorParams::from_proto(v)))
                        .collect()
                })
                .unwrap_or_default(),
            shard_number: params.shard_number,
            replication_factor: params.replication_factor,
            write_consistency_factor: params.write_consistency_factor,
            on_disk_payload: params.on_disk_payload,
            sharding_method: params.sharding_method.map(|m| {
                if m == proto::ShardingMethod::Custom as i32 {
                    ShardingMethod::Custom
                } else {
                    ShardingMethod::Auto
                }
            }),
        };
        let payload_schema = info
            .payload_schema
            .into_iter()
            .map(|(key, s)| {
                let params = s.params.and_then(PayloadIndexParams::from_proto);
                (
                    key,
                    PayloadSchemaInfo {
                        data_type: s.data_type.into(),
                        params,
                        points: s.points,
                    },
                )
            })
            .collect();
        Ok(CollectionInfo {
            status: info.status.into(),
            optimizer_error: info.optimizer_status.filter(|s| !s.ok).map(|s| s.error),
            points_count: info.points_count,
            indexed_vectors_count: info.indexed_vectors_count,
            segments_count: info.segments_count,
            config: CollectionConfig {
                params,
                hnsw_config: config.hnsw_config.map(Into::into),
                optimizer_config: config.optimizer_config.map(Into::into),
                wal_config: config.wal_config.map(Into::into),
                quantization_config: config.quantization_config.and_then(Quantization::from_proto),
                strict_mode_config: config.strict_mode_config.map(Into::into),
                metadata: from_proto_map(config.metadata),
            },
            payload_schema,
            warnings: info.warnings.into_iter().map(|w| w.message).collect(),
            created_at: info.created_at.and_then(|t| SystemTime::try_from(t).ok()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_config_round_trips() {
        for config in [
            VectorsConfig::from(VectorParams::new(4, Distance::Cosine).on_disk(true)),
            VectorsConfig::named([("a", VectorParams::new(2, Distance::Dot).multivector())]),
        ] {
            let back = VectorsConfig::from_proto(config.clone().into(), "v").unwrap();
            assert_eq!(back, config);
        }
    }

    #[test]
    fn info_without_config_is_an_error_naming_the_field() {
        let err = CollectionInfo::try_from(proto::CollectionInfo::default()).unwrap_err();
        assert!(err.to_string().contains("result.config"), "{err}");
    }

    #[test]
    #[allow(deprecated)]
    fn vector_params_round_trip_with_hnsw_and_quantization() {
        let params = VectorParams::new(8, Distance::Euclid)
            .hnsw_config(HnswConfigDiff::new().m(4).memory(Memory::Cold))
            .quantization_config(Quantization::from(
                ScalarQuantization::new().quantile(0.9).always_ram(true),
            ))
            .datatype(Datatype::Float16);
        let config = VectorsConfig::from(params);
        let back = VectorsConfig::from_proto(config.clone().into(), "v").unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn quantization_round_trips_every_kind() {
        for q in [
            Quantization::scalar_int8(Some(0.99)),
            Quantization::product(CompressionRatio::X8),
            Quantization::binary(),
            Quantization::Turbo(TurboQuantization::new()),
        ] {
            let back = Quantization::from_proto(q.clone().into());
            assert_eq!(back, Some(q.clone()));
            let diff = QuantizationConfigDiff::Set(q);
            assert_eq!(
                QuantizationConfigDiff::from_proto(diff.clone().into()),
                Some(diff)
            );
        }
        let off = QuantizationConfigDiff::Disabled;
        assert_eq!(QuantizationConfigDiff::from_proto(off.clone().into()), Some(off));
        assert_eq!(
            Quantization::from_proto(proto::QuantizationConfig::default()),
            None
        );
    }

    #[test]
    #[allow(deprecated)]
    fn vectors_config_diff_round_trips() {
        let full = proto::VectorParamsDiff {
            hnsw_config: Some(HnswConfigDiff::new().ef_construct(77).into()),
            quantization_config: Some(QuantizationConfigDiff::Disabled.into()),
            on_disk: Some(true),
            memory: Some(proto::Memory::Pinned as i32),
        };
        let d = VectorParamsDiff::from(full);
        assert_eq!(proto::VectorParamsDiff::from(d.clone()), full);
        for diff in [
            VectorsConfigDiff::new().vector_params("", d.clone()),
            VectorsConfigDiff::new().vector_params("a", d).vector(
                "b",
                Some(HnswConfigDiff::new().m(3)),
                None,
            ),
        ] {
            let back = VectorsConfigDiff::from(proto::VectorsConfigDiff::from(diff.clone()));
            assert_eq!(back, diff);
        }
    }

    #[test]
    fn info_config_carries_every_record() {
        let hnsw = HnswConfigDiff::new().m(16).inline_storage(true);
        let optimizers = OptimizersConfigDiff::new().indexing_threshold(1000);
        let wal = WalConfigDiff::new().wal_capacity_mb(32);
        let strict = StrictModeConfig::new().enabled(true).max_query_limit(5);
        let info = proto::CollectionInfo {
            config: Some(proto::CollectionConfig {
                params: Some(proto::CollectionParams::default()),
                hnsw_config: Some(hnsw.clone().into()),
                optimizer_config: Some(optimizers.clone().into()),
                wal_config: Some(wal.clone().into()),
                quantization_config: Some(Quantization::binary().into()),
                strict_mode_config: Some(strict.clone().into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let config = CollectionInfo::try_from(info).unwrap().config;
        assert_eq!(config.hnsw_config, Some(hnsw));
        assert_eq!(config.optimizer_config, Some(optimizers));
        assert_eq!(config.wal_config, Some(wal));
        assert_eq!(config.quantization_config, Some(Quantization::binary()));
        assert_eq!(config.strict_mode_config, Some(strict));
    }
}
