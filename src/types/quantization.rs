//! Quantization settings: compressed copies of vectors for faster search.

use crate::proto;
use crate::types::config::Memory;

/// The type scalar quantization compresses values to.
///
/// ```
/// use qdrant_async::{ScalarQuantization, ScalarType};
///
/// let quantization = ScalarQuantization::new().kind(ScalarType::Int8);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScalarType {
    /// One byte per value.
    #[default]
    Int8,
    /// A value this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl ScalarType {
    pub(crate) fn to_wire(self) -> i32 {
        match self {
            ScalarType::Int8 => proto::QuantizationType::Int8 as i32,
            ScalarType::Unknown(v) => v,
        }
    }

    pub(crate) fn from_wire(v: i32) -> Self {
        match proto::QuantizationType::try_from(v) {
            Ok(proto::QuantizationType::Int8) => ScalarType::Int8,
            _ => ScalarType::Unknown(v),
        }
    }
}

/// Compression of product quantization.
///
/// ```
/// use qdrant_async::{CompressionRatio, ProductQuantization};
///
/// let quantization = ProductQuantization::new(CompressionRatio::X32);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompressionRatio {
    /// 4 times smaller.
    X4,
    /// 8 times smaller.
    X8,
    /// 16 times smaller.
    X16,
    /// 32 times smaller.
    X32,
    /// 64 times smaller.
    X64,
    /// A value this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl CompressionRatio {
    pub(crate) fn to_wire(self) -> i32 {
        match self {
            CompressionRatio::X4 => proto::CompressionRatio::X4 as i32,
            CompressionRatio::X8 => proto::CompressionRatio::X8 as i32,
            CompressionRatio::X16 => proto::CompressionRatio::X16 as i32,
            CompressionRatio::X32 => proto::CompressionRatio::X32 as i32,
            CompressionRatio::X64 => proto::CompressionRatio::X64 as i32,
            CompressionRatio::Unknown(v) => v,
        }
    }

    pub(crate) fn from_wire(v: i32) -> Self {
        match proto::CompressionRatio::try_from(v) {
            Ok(proto::CompressionRatio::X4) => CompressionRatio::X4,
            Ok(proto::CompressionRatio::X8) => CompressionRatio::X8,
            Ok(proto::CompressionRatio::X16) => CompressionRatio::X16,
            Ok(proto::CompressionRatio::X32) => CompressionRatio::X32,
            Ok(proto::CompressionRatio::X64) => CompressionRatio::X64,
            _ => CompressionRatio::Unknown(v),
        }
    }
}

/// How binary quantization encodes each value.
///
/// ```
/// use qdrant_async::{BinaryQuantization, BinaryQuantizationEncoding};
///
/// let quantization = BinaryQuantization::new().encoding(BinaryQuantizationEncoding::TwoBits);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinaryQuantizationEncoding {
    /// One bit per value (the default).
    OneBit,
    /// Two bits per value.
    TwoBits,
    /// One and a half bits per value.
    OneAndHalfBits,
    /// A value this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl BinaryQuantizationEncoding {
    pub(crate) fn to_wire(self) -> i32 {
        match self {
            BinaryQuantizationEncoding::OneBit => proto::BinaryQuantizationEncoding::OneBit as i32,
            BinaryQuantizationEncoding::TwoBits => proto::BinaryQuantizationEncoding::TwoBits as i32,
            BinaryQuantizationEncoding::OneAndHalfBits => {
                proto::BinaryQuantizationEncoding::OneAndHalfBits as i32
            }
            BinaryQuantizationEncoding::Unknown(v) => v,
        }
    }

    pub(crate) fn from_wire(v: i32) -> Self {
        match proto::BinaryQuantizationEncoding::try_from(v) {
            Ok(proto::BinaryQuantizationEncoding::OneBit) => BinaryQuantizationEncoding::OneBit,
            Ok(proto::BinaryQuantizationEncoding::TwoBits) => BinaryQuantizationEncoding::TwoBits,
            Ok(proto::BinaryQuantizationEncoding::OneAndHalfBits) => {
                BinaryQuantizationEncoding::OneAndHalfBits
            }
            _ => BinaryQuantizationEncoding::Unknown(v),
        }
    }
}

/// How queries are encoded when searching binary-quantized vectors.
///
/// ```
/// use qdrant_async::{BinaryQuantization, BinaryQuantizationQueryEncoding};
///
/// let quantization = BinaryQuantization::new().query_encoding(BinaryQuantizationQueryEncoding::Scalar8Bits);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinaryQuantizationQueryEncoding {
    /// As the stored vectors are.
    Default,
    /// One bit per value.
    Binary,
    /// Four bits per value.
    Scalar4Bits,
    /// Eight bits per value.
    Scalar8Bits,
    /// A value this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl BinaryQuantizationQueryEncoding {
    pub(crate) fn to_wire(self) -> i32 {
        match self {
            BinaryQuantizationQueryEncoding::Default => {
                proto::binary_quantization_query_encoding::Setting::Default as i32
            }
            BinaryQuantizationQueryEncoding::Binary => {
                proto::binary_quantization_query_encoding::Setting::Binary as i32
            }
            BinaryQuantizationQueryEncoding::Scalar4Bits => {
                proto::binary_quantization_query_encoding::Setting::Scalar4Bits as i32
            }
            BinaryQuantizationQueryEncoding::Scalar8Bits => {
                proto::binary_quantization_query_encoding::Setting::Scalar8Bits as i32
            }
            BinaryQuantizationQueryEncoding::Unknown(v) => v,
        }
    }

    pub(crate) fn from_wire(v: i32) -> Self {
        match proto::binary_quantization_query_encoding::Setting::try_from(v) {
            Ok(proto::binary_quantization_query_encoding::Setting::Default) => {
                BinaryQuantizationQueryEncoding::Default
            }
            Ok(proto::binary_quantization_query_encoding::Setting::Binary) => {
                BinaryQuantizationQueryEncoding::Binary
            }
            Ok(proto::binary_quantization_query_encoding::Setting::Scalar4Bits) => {
                BinaryQuantizationQueryEncoding::Scalar4Bits
            }
            Ok(proto::binary_quantization_query_encoding::Setting::Scalar8Bits) => {
                BinaryQuantizationQueryEncoding::Scalar8Bits
            }
            _ => BinaryQuantizationQueryEncoding::Unknown(v),
        }
    }
}

/// Bits per value of TurboQuant quantization.
///
/// ```
/// use qdrant_async::{TurboQuantBitSize, TurboQuantization};
///
/// let quantization = TurboQuantization::new().bits(TurboQuantBitSize::Bits2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TurboQuantBitSize {
    /// One bit.
    Bits1,
    /// One and a half bits.
    Bits1_5,
    /// Two bits.
    Bits2,
    /// Four bits.
    Bits4,
    /// Eight bits.
    Bits8,
    /// A value this client does not know, kept as the server sent it.
    Unknown(i32),
}

impl TurboQuantBitSize {
    pub(crate) fn to_wire(self) -> i32 {
        match self {
            TurboQuantBitSize::Bits1 => proto::TurboQuantBitSize::Bits1 as i32,
            TurboQuantBitSize::Bits1_5 => proto::TurboQuantBitSize::Bits15 as i32,
            TurboQuantBitSize::Bits2 => proto::TurboQuantBitSize::Bits2 as i32,
            TurboQuantBitSize::Bits4 => proto::TurboQuantBitSize::Bits4 as i32,
            TurboQuantBitSize::Bits8 => proto::TurboQuantBitSize::Bits8 as i32,
            TurboQuantBitSize::Unknown(v) => v,
        }
    }

    pub(crate) fn from_wire(v: i32) -> Self {
        match proto::TurboQuantBitSize::try_from(v) {
            Ok(proto::TurboQuantBitSize::Bits1) => TurboQuantBitSize::Bits1,
            Ok(proto::TurboQuantBitSize::Bits15) => TurboQuantBitSize::Bits1_5,
            Ok(proto::TurboQuantBitSize::Bits2) => TurboQuantBitSize::Bits2,
            Ok(proto::TurboQuantBitSize::Bits4) => TurboQuantBitSize::Bits4,
            Ok(proto::TurboQuantBitSize::Bits8) => TurboQuantBitSize::Bits8,
            _ => TurboQuantBitSize::Unknown(v),
        }
    }
}

/// Scalar quantization: each value compressed to a small integer.
///
/// ```
/// use qdrant_async::ScalarQuantization;
/// let scalar = ScalarQuantization::new().quantile(0.99).always_ram(true);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct ScalarQuantization {
    /// The type values are compressed to (`type` on the wire).
    pub kind: ScalarType,
    /// Share of values kept within range, clipping outliers (default 1).
    pub quantile: Option<f32>,
    /// Keeps the quantized vectors in memory. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub always_ram: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
}

impl ScalarQuantization {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, ScalarQuantization, VectorParams};
    ///
    /// client
    ///     .create_collection("my_collection", VectorParams::new(768, Distance::Cosine))
    ///     .quantization_config(ScalarQuantization::new().quantile(0.99).always_ram(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The type values are compressed to (`type` on the wire).
    ///
    /// ```
    /// use qdrant_async::{ScalarQuantization, ScalarType};
    ///
    /// let params = ScalarQuantization::new().kind(ScalarType::Int8);
    /// ```
    pub fn kind(mut self, kind: ScalarType) -> Self {
        self.kind = kind;
        self
    }

    /// Share of values kept within range, clipping outliers (default 1).
    ///
    /// ```
    /// use qdrant_async::ScalarQuantization;
    ///
    /// let params = ScalarQuantization::new().quantile(0.99);
    /// ```
    pub fn quantile(mut self, quantile: f32) -> Self {
        self.quantile = Some(quantile);
        self
    }

    /// Keeps the quantized vectors in memory. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::ScalarQuantization;
    ///
    /// let params = ScalarQuantization::new().always_ram(true);
    /// ```
    pub fn always_ram(mut self, always_ram: bool) -> Self {
        self.always_ram = Some(always_ram);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{Memory, ScalarQuantization};
    ///
    /// let params = ScalarQuantization::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }
}

impl From<ScalarQuantization> for proto::ScalarQuantization {
    #[allow(deprecated)]
    fn from(d: ScalarQuantization) -> Self {
        proto::ScalarQuantization {
            r#type: d.kind.to_wire(),
            quantile: d.quantile,
            always_ram: d.always_ram,
            memory: d.memory.map(Memory::to_wire),
        }
    }
}

impl From<proto::ScalarQuantization> for ScalarQuantization {
    #[allow(deprecated)]
    fn from(p: proto::ScalarQuantization) -> Self {
        ScalarQuantization {
            kind: ScalarType::from_wire(p.r#type),
            quantile: p.quantile,
            always_ram: p.always_ram,
            memory: p.memory.map(Memory::from_wire),
        }
    }
}

/// Product quantization: groups of values compressed to one code.
///
/// ```
/// use qdrant_async::{CompressionRatio, ProductQuantization};
/// let product = ProductQuantization::new(CompressionRatio::X16);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ProductQuantization {
    /// How much smaller the quantized vectors are.
    pub compression: CompressionRatio,
    /// Keeps the quantized vectors in memory. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub always_ram: Option<bool>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
}

impl ProductQuantization {
    /// Product quantization with this compression.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{CompressionRatio, Distance, ProductQuantization, VectorParams};
    ///
    /// client
    ///     .create_collection("my_collection", VectorParams::new(768, Distance::Cosine))
    ///     .quantization_config(ProductQuantization::new(CompressionRatio::X16))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(compression: CompressionRatio) -> Self {
        ProductQuantization {
            compression,
            always_ram: None,
            memory: None,
        }
    }

    /// Keeps the quantized vectors in memory. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::{CompressionRatio, ProductQuantization};
    ///
    /// let params = ProductQuantization::new(CompressionRatio::X16).always_ram(true);
    /// ```
    pub fn always_ram(mut self, always_ram: bool) -> Self {
        self.always_ram = Some(always_ram);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{CompressionRatio, Memory, ProductQuantization};
    ///
    /// let params = ProductQuantization::new(CompressionRatio::X16).memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }
}

impl From<ProductQuantization> for proto::ProductQuantization {
    #[allow(deprecated)]
    fn from(d: ProductQuantization) -> Self {
        proto::ProductQuantization {
            compression: d.compression.to_wire(),
            always_ram: d.always_ram,
            memory: d.memory.map(Memory::to_wire),
        }
    }
}

impl From<proto::ProductQuantization> for ProductQuantization {
    #[allow(deprecated)]
    fn from(p: proto::ProductQuantization) -> Self {
        ProductQuantization {
            compression: CompressionRatio::from_wire(p.compression),
            always_ram: p.always_ram,
            memory: p.memory.map(Memory::from_wire),
        }
    }
}

/// Binary quantization: a few bits per value.
///
/// ```
/// use qdrant_async::{BinaryQuantization, BinaryQuantizationEncoding};
/// let binary = BinaryQuantization::new().encoding(BinaryQuantizationEncoding::TwoBits);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct BinaryQuantization {
    /// Keeps the quantized vectors in memory. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub always_ram: Option<bool>,
    /// Bits per stored value.
    pub encoding: Option<BinaryQuantizationEncoding>,
    /// How queries are encoded.
    pub query_encoding: Option<BinaryQuantizationQueryEncoding>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
}

impl BinaryQuantization {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{BinaryQuantization, Distance, VectorParams};
    ///
    /// client
    ///     .create_collection("my_collection", VectorParams::new(1536, Distance::Cosine))
    ///     .quantization_config(BinaryQuantization::new().always_ram(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the quantized vectors in memory. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::BinaryQuantization;
    ///
    /// let params = BinaryQuantization::new().always_ram(true);
    /// ```
    pub fn always_ram(mut self, always_ram: bool) -> Self {
        self.always_ram = Some(always_ram);
        self
    }

    /// Bits per stored value.
    ///
    /// ```
    /// use qdrant_async::{BinaryQuantization, BinaryQuantizationEncoding};
    ///
    /// let params = BinaryQuantization::new().encoding(BinaryQuantizationEncoding::TwoBits);
    /// ```
    pub fn encoding(mut self, encoding: BinaryQuantizationEncoding) -> Self {
        self.encoding = Some(encoding);
        self
    }

    /// How queries are encoded.
    ///
    /// ```
    /// use qdrant_async::{BinaryQuantization, BinaryQuantizationQueryEncoding};
    ///
    /// let params = BinaryQuantization::new().query_encoding(BinaryQuantizationQueryEncoding::Scalar8Bits);
    /// ```
    pub fn query_encoding(mut self, query_encoding: BinaryQuantizationQueryEncoding) -> Self {
        self.query_encoding = Some(query_encoding);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{BinaryQuantization, Memory};
    ///
    /// let params = BinaryQuantization::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }
}

impl From<BinaryQuantization> for proto::BinaryQuantization {
    #[allow(deprecated)]
    fn from(d: BinaryQuantization) -> Self {
        proto::BinaryQuantization {
            always_ram: d.always_ram,
            encoding: d.encoding.map(BinaryQuantizationEncoding::to_wire),
            query_encoding: d.query_encoding.map(|e| proto::BinaryQuantizationQueryEncoding {
                variant: Some(proto::binary_quantization_query_encoding::Variant::Setting(
                    e.to_wire(),
                )),
            }),
            memory: d.memory.map(Memory::to_wire),
        }
    }
}

impl From<proto::BinaryQuantization> for BinaryQuantization {
    #[allow(deprecated)]
    fn from(p: proto::BinaryQuantization) -> Self {
        BinaryQuantization {
            always_ram: p.always_ram,
            encoding: p.encoding.map(BinaryQuantizationEncoding::from_wire),
            query_encoding: p.query_encoding.and_then(|e| match e.variant? {
                proto::binary_quantization_query_encoding::Variant::Setting(s) => {
                    Some(BinaryQuantizationQueryEncoding::from_wire(s))
                }
            }),
            memory: p.memory.map(Memory::from_wire),
        }
    }
}

/// TurboQuant quantization (Qdrant 1.20).
///
/// ```
/// use qdrant_async::{Distance, TurboQuantBitSize, TurboQuantization, VectorParams};
///
/// let params = VectorParams::new(768, Distance::Cosine)
///     .quantization_config(TurboQuantization::new().bits(TurboQuantBitSize::Bits4).into());
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct TurboQuantization {
    /// Keeps the quantized vectors in memory. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    pub always_ram: Option<bool>,
    /// Bits per value.
    pub bits: Option<TurboQuantBitSize>,
    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    pub memory: Option<Memory>,
}

impl TurboQuantization {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, TurboQuantization, VectorParams};
    ///
    /// client
    ///     .create_collection("my_collection", VectorParams::new(768, Distance::Cosine))
    ///     .quantization_config(TurboQuantization::new().always_ram(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the quantized vectors in memory. Deprecated in the protocol; Qdrant 1.20 has `memory`.
    ///
    /// ```
    /// use qdrant_async::TurboQuantization;
    ///
    /// let params = TurboQuantization::new().always_ram(true);
    /// ```
    pub fn always_ram(mut self, always_ram: bool) -> Self {
        self.always_ram = Some(always_ram);
        self
    }

    /// Bits per value.
    ///
    /// ```
    /// use qdrant_async::{TurboQuantBitSize, TurboQuantization};
    ///
    /// let params = TurboQuantization::new().bits(TurboQuantBitSize::Bits4);
    /// ```
    pub fn bits(mut self, bits: TurboQuantBitSize) -> Self {
        self.bits = Some(bits);
        self
    }

    /// Where the data lives: on disk, cached, or pinned in memory (Qdrant 1.20).
    ///
    /// ```
    /// use qdrant_async::{Memory, TurboQuantization};
    ///
    /// let params = TurboQuantization::new().memory(Memory::Cached);
    /// ```
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }
}

impl From<TurboQuantization> for proto::TurboQuantization {
    #[allow(deprecated)]
    fn from(d: TurboQuantization) -> Self {
        proto::TurboQuantization {
            always_ram: d.always_ram,
            bits: d.bits.map(TurboQuantBitSize::to_wire),
            memory: d.memory.map(Memory::to_wire),
        }
    }
}

impl From<proto::TurboQuantization> for TurboQuantization {
    #[allow(deprecated)]
    fn from(p: proto::TurboQuantization) -> Self {
        TurboQuantization {
            always_ram: p.always_ram,
            bits: p.bits.map(TurboQuantBitSize::from_wire),
            memory: p.memory.map(Memory::from_wire),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// proto → domain → proto keeps every field, and domain → proto → domain
    /// gives the same value back. The protos are written out in full, so
    /// that a new field fails to compile here.
    fn round_trip<D, P>(p: P)
    where
        D: From<P> + Into<P> + Clone + PartialEq + std::fmt::Debug,
        P: Clone + PartialEq + std::fmt::Debug,
    {
        let d = D::from(p.clone());
        assert_eq!(d.clone().into(), p);
        assert_eq!(D::from(d.clone().into()), d);
    }

    #[test]
    fn enums_round_trip_every_value() {
        for t in [ScalarType::Int8, ScalarType::Unknown(0), ScalarType::Unknown(9)] {
            assert_eq!(ScalarType::from_wire(t.to_wire()), t);
        }
        use CompressionRatio as C;
        for c in [C::X4, C::X8, C::X16, C::X32, C::X64, C::Unknown(9)] {
            assert_eq!(C::from_wire(c.to_wire()), c);
        }
        use BinaryQuantizationEncoding as E;
        for e in [E::OneBit, E::TwoBits, E::OneAndHalfBits, E::Unknown(9)] {
            assert_eq!(E::from_wire(e.to_wire()), e);
        }
        use BinaryQuantizationQueryEncoding as Q;
        for q in [
            Q::Default,
            Q::Binary,
            Q::Scalar4Bits,
            Q::Scalar8Bits,
            Q::Unknown(9),
        ] {
            assert_eq!(Q::from_wire(q.to_wire()), q);
        }
        use TurboQuantBitSize as B;
        for b in [B::Bits1, B::Bits1_5, B::Bits2, B::Bits4, B::Bits8, B::Unknown(9)] {
            assert_eq!(B::from_wire(b.to_wire()), b);
        }
        assert_eq!(C::X16.to_wire(), proto::CompressionRatio::X16 as i32);
        assert_eq!(
            ScalarType::default().to_wire(),
            proto::QuantizationType::Int8 as i32
        );
    }

    #[test]
    #[allow(deprecated)]
    fn records_round_trip() {
        round_trip::<ScalarQuantization, _>(proto::ScalarQuantization {
            r#type: proto::QuantizationType::Int8 as i32,
            quantile: Some(0.99),
            always_ram: Some(true),
            memory: Some(proto::Memory::Pinned as i32),
        });
        round_trip::<ProductQuantization, _>(proto::ProductQuantization {
            compression: proto::CompressionRatio::X32 as i32,
            always_ram: Some(false),
            memory: Some(proto::Memory::Cold as i32),
        });
        round_trip::<BinaryQuantization, _>(proto::BinaryQuantization {
            always_ram: Some(true),
            encoding: Some(proto::BinaryQuantizationEncoding::TwoBits as i32),
            query_encoding: Some(proto::BinaryQuantizationQueryEncoding {
                variant: Some(proto::binary_quantization_query_encoding::Variant::Setting(
                    proto::binary_quantization_query_encoding::Setting::Scalar4Bits as i32,
                )),
            }),
            memory: Some(proto::Memory::Cached as i32),
        });
        round_trip::<TurboQuantization, _>(proto::TurboQuantization {
            always_ram: Some(true),
            bits: Some(proto::TurboQuantBitSize::Bits15 as i32),
            memory: Some(proto::Memory::Cached as i32),
        });
    }

    #[test]
    fn a_new_scalar_quantization_is_int8_as_before() {
        let p = proto::ScalarQuantization::from(ScalarQuantization::new().quantile(0.5));
        assert_eq!(p.r#type, proto::QuantizationType::Int8 as i32);
        assert_eq!(p.quantile, Some(0.5));
    }
}
