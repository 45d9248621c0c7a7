//! Vectors: dense, sparse, multi-dense, and inference inputs (documents,
//! images, objects) that a server with an inference provider embeds.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::proto;
use crate::types::payload::{Value, into_proto_map};

/// One vector, as stored, sent or returned.
///
/// ```
/// use qdrant_async::{SparseVector, Vector};
///
/// let dense = Vector::from(vec![0.1, 0.2, 0.3]);
/// let sparse = Vector::from(SparseVector::new([3, 17], [0.5, 0.2]));
/// let multi = Vector::from(vec![vec![0.1, 0.2], vec![0.3, 0.4]]);
/// assert!(dense.as_dense().is_some() && sparse.as_sparse().is_some() && multi.as_multi_dense().is_some());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Vector {
    /// A dense vector of floats.
    Dense(Vec<f32>),
    /// A sparse vector: non-zero values at their indices.
    Sparse(SparseVector),
    /// Several dense vectors of the same size (late interaction, ColBERT).
    MultiDense(Vec<Vec<f32>>),
    /// Text for the server to embed.
    Document(Document),
    /// An image for the server to embed.
    Image(Image),
    /// Any other object for the server to embed.
    Object(InferenceObject),
}

/// A sparse vector: `values[i]` sits at dimension `indices[i]`.
///
/// ```
/// use qdrant_async::SparseVector;
/// let v = SparseVector::new([1, 7, 42], [0.5, 0.25, 1.0]);
/// assert_eq!(v.indices, [1, 7, 42]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct SparseVector {
    /// The dimensions that have values.
    pub indices: Vec<u32>,
    /// The values, one per index.
    pub values: Vec<f32>,
}

impl SparseVector {
    /// A sparse vector from its indices and values (same length).
    ///
    /// ```
    /// use qdrant_async::{Point, SparseVector};
    /// use std::collections::HashMap;
    ///
    /// // Indices (for example of tokens) and their weights, of equal length.
    /// let keywords = SparseVector::new([3, 17, 42], [0.5, 0.2, 0.1]);
    /// let point = Point::new(1, HashMap::from([("keywords".to_string(), keywords.into())]));
    /// ```
    pub fn new(indices: impl Into<Vec<u32>>, values: impl Into<Vec<f32>>) -> Self {
        SparseVector {
            indices: indices.into(),
            values: values.into(),
        }
    }
}

/// Text that the server embeds with `model`.
///
/// ```
/// use qdrant_async::Document;
/// let doc = Document::new("a red car", "sentence-transformers/all-minilm-l6-v2");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Document {
    /// The text.
    pub text: String,
    /// The model that embeds it.
    pub model: String,
    /// Model options.
    pub options: HashMap<String, Value>,
}

impl Document {
    /// Text for `model` to embed.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Document, Query};
    ///
    /// // Qdrant makes the vector from the text (needs a server with inference).
    /// let hits = client
    ///     .query_points("my_collection", Query::nearest(Document::new("red shoes", "sentence-transformers/all-minilm-l6-v2")))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(text: impl Into<String>, model: impl Into<String>) -> Self {
        Document {
            text: text.into(),
            model: model.into(),
            options: HashMap::new(),
        }
    }

    /// Sets one model option.
    ///
    /// ```
    /// use qdrant_async::Document;
    ///
    /// let doc = Document::new("red shoes", "qdrant/bm25").option("language", "english");
    /// ```
    pub fn option(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }
}

/// An image (a URL or base64 data) that the server embeds with `model`.
///
/// ```
/// use qdrant_async::{Image, Point};
///
/// let point = Point::new(1, Image::new("https://example.com/cat.png", "Qdrant/clip-ViT-B-32-vision"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Image {
    /// The image: a URL or base64-encoded bytes.
    pub image: Value,
    /// The model that embeds it.
    pub model: String,
    /// Model options.
    pub options: HashMap<String, Value>,
}

impl Image {
    /// An image for `model` to embed.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Image, Query};
    ///
    /// // Qdrant makes the vector from the image (needs a server with inference).
    /// let hits = client
    ///     .query_points("my_collection", Query::nearest(Image::new("https://example.com/cat.png", "Qdrant/clip-ViT-B-32-vision")))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(image: impl Into<Value>, model: impl Into<String>) -> Self {
        Image {
            image: image.into(),
            model: model.into(),
            options: HashMap::new(),
        }
    }

    /// Sets one model option.
    ///
    /// ```
    /// use qdrant_async::Image;
    ///
    /// let image = Image::new("https://example.com/cat.png", "my-model").option("crop", true);
    /// ```
    pub fn option(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }
}

/// Any object that the server embeds with `model`.
///
/// ```
/// use qdrant_async::{InferenceObject, Query};
///
/// let query = Query::nearest(InferenceObject::new("red shoes", "my-model").option("normalize", true));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct InferenceObject {
    /// The object.
    pub object: Value,
    /// The model that embeds it.
    pub model: String,
    /// Model options.
    pub options: HashMap<String, Value>,
}

impl InferenceObject {
    /// An object for `model` to embed.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{InferenceObject, Query};
    ///
    /// // Any input the model takes (needs a server with inference).
    /// let hits = client
    ///     .query_points("my_collection", Query::nearest(InferenceObject::new("red shoes", "my-model")))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(object: impl Into<Value>, model: impl Into<String>) -> Self {
        InferenceObject {
            object: object.into(),
            model: model.into(),
            options: HashMap::new(),
        }
    }

    /// Sets one model option.
    ///
    /// ```
    /// use qdrant_async::InferenceObject;
    ///
    /// let object = InferenceObject::new("red shoes", "my-model").option("normalize", true);
    /// ```
    pub fn option(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }
}

impl From<Vec<f32>> for Vector {
    fn from(v: Vec<f32>) -> Self {
        Vector::Dense(v)
    }
}

impl From<&[f32]> for Vector {
    fn from(v: &[f32]) -> Self {
        Vector::Dense(v.to_vec())
    }
}

impl From<&Vec<f32>> for Vector {
    fn from(v: &Vec<f32>) -> Self {
        Vector::Dense(v.clone())
    }
}

impl<const N: usize> From<[f32; N]> for Vector {
    fn from(v: [f32; N]) -> Self {
        Vector::Dense(v.to_vec())
    }
}

impl From<SparseVector> for Vector {
    fn from(v: SparseVector) -> Self {
        Vector::Sparse(v)
    }
}

impl From<Vec<Vec<f32>>> for Vector {
    fn from(v: Vec<Vec<f32>>) -> Self {
        Vector::MultiDense(v)
    }
}

impl From<Document> for Vector {
    fn from(v: Document) -> Self {
        Vector::Document(v)
    }
}

impl From<Image> for Vector {
    fn from(v: Image) -> Self {
        Vector::Image(v)
    }
}

impl From<InferenceObject> for Vector {
    fn from(v: InferenceObject) -> Self {
        Vector::Object(v)
    }
}

impl Vector {
    /// The dense values, if this is a dense vector.
    ///
    /// ```
    /// use qdrant_async::Vector;
    ///
    /// assert_eq!(Vector::from(vec![0.1, 0.2]).as_dense(), Some(&[0.1, 0.2][..]));
    /// ```
    pub fn as_dense(&self) -> Option<&[f32]> {
        match self {
            Vector::Dense(v) => Some(v),
            _ => None,
        }
    }

    /// The sparse vector, if this is one.
    ///
    /// ```
    /// use qdrant_async::{SparseVector, Vector};
    ///
    /// let v = Vector::from(SparseVector::new([3, 17], [0.5, 0.2]));
    /// assert_eq!(v.as_sparse().map(|s| s.indices.len()), Some(2));
    /// assert_eq!(v.as_dense(), None);
    /// ```
    pub fn as_sparse(&self) -> Option<&SparseVector> {
        match self {
            Vector::Sparse(v) => Some(v),
            _ => None,
        }
    }

    /// The vectors, if this is a multi-dense vector.
    ///
    /// ```
    /// use qdrant_async::Vector;
    ///
    /// let v = Vector::from(vec![vec![0.1, 0.2], vec![0.3, 0.4]]);
    /// assert_eq!(v.as_multi_dense().map(<[Vec<f32>]>::len), Some(2));
    /// ```
    pub fn as_multi_dense(&self) -> Option<&[Vec<f32>]> {
        match self {
            Vector::MultiDense(v) => Some(v),
            _ => None,
        }
    }

    /// Rejects NaN or infinite values, sparse vectors whose indices and
    /// values differ in length, and ragged or empty multi-dense vectors.
    /// `argument` names the vector in the error. Qdrant 1.19 stores NaN and
    /// infinity, but they poison every score computed with them, so the
    /// client refuses them before sending.
    pub(crate) fn check(&self, argument: &dyn Fn() -> String) -> Result<()> {
        self.check_shape(argument)?;
        let finite = |values: &[f32]| -> Result<()> {
            match first_non_finite(values) {
                None => Ok(()),
                Some(i) => Err(Error::invalid_argument(
                    argument(),
                    format!("value at index {i} is {}; vectors must be finite", values[i]),
                )),
            }
        };
        match self {
            Vector::Dense(v) => finite(v),
            Vector::Sparse(s) => finite(&s.values),
            Vector::MultiDense(rows) => rows.iter().try_for_each(|r| finite(r)),
            Vector::Document(_) | Vector::Image(_) | Vector::Object(_) => Ok(()),
        }
    }

    /// [`check`](Self::check) without reading the values: for writers that
    /// check finiteness while they copy the values anyway.
    pub(crate) fn check_shape(&self, argument: &dyn Fn() -> String) -> Result<()> {
        match self {
            Vector::Sparse(s) if s.indices.len() != s.values.len() => Err(Error::invalid_argument(
                argument(),
                format!(
                    "sparse vector has {} indices but {} values",
                    s.indices.len(),
                    s.values.len()
                ),
            )),
            Vector::MultiDense(rows) => {
                let Some(first) = rows.first() else {
                    return Err(Error::invalid_argument(argument(), "multi-dense vector is empty"));
                };
                match rows.iter().position(|r| r.len() != first.len()) {
                    Some(i) => Err(Error::invalid_argument(
                        argument(),
                        format!(
                            "multi-dense vector row {i} has {} values, row 0 has {}",
                            rows[i].len(),
                            first.len()
                        ),
                    )),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// The vector as the wire's `Vector` (for points).
    pub(crate) fn into_proto(self) -> proto::Vector {
        use proto::vector::Vector as V;
        let vector = match self {
            Vector::Dense(data) => V::Dense(proto::DenseVector { data }),
            Vector::Sparse(s) => V::Sparse(s.into()),
            Vector::MultiDense(rows) => V::MultiDense(multi_dense(rows)),
            Vector::Document(d) => V::Document(d.into()),
            Vector::Image(i) => V::Image(i.into()),
            Vector::Object(o) => V::Object(o.into()),
        };
        proto::Vector {
            vector: Some(vector),
            ..Default::default()
        }
    }

    /// The vector as the wire's `VectorInput` (for queries).
    pub(crate) fn into_vector_input(self) -> proto::VectorInput {
        use proto::vector_input::Variant as V;
        let variant = match self {
            Vector::Dense(data) => V::Dense(proto::DenseVector { data }),
            Vector::Sparse(s) => V::Sparse(s.into()),
            Vector::MultiDense(rows) => V::MultiDense(multi_dense(rows)),
            Vector::Document(d) => V::Document(d.into()),
            Vector::Image(i) => V::Image(i.into()),
            Vector::Object(o) => V::Object(o.into()),
        };
        proto::VectorInput {
            variant: Some(variant),
        }
    }

    /// Reads a vector the server returned, in the current form (the
    /// `vector` oneof) or the older one (`data` with `indices` or
    /// `vectors_count`).
    #[allow(deprecated)]
    pub(crate) fn from_output(output: proto::VectorOutput, field: &dyn Fn() -> String) -> Result<Self> {
        use proto::vector_output::Vector as V;
        match output.vector {
            Some(V::Dense(d)) => Ok(Vector::Dense(d.data)),
            Some(V::Sparse(s)) => Ok(Vector::Sparse(SparseVector {
                indices: s.indices,
                values: s.values,
            })),
            Some(V::MultiDense(m)) => Ok(Vector::MultiDense(
                m.vectors.into_iter().map(|d| d.data).collect(),
            )),
            None => {
                if let Some(indices) = output.indices {
                    Ok(Vector::Sparse(SparseVector {
                        indices: indices.data,
                        values: output.data,
                    }))
                } else if let Some(count) = output.vectors_count {
                    let count = count as usize;
                    // Empty data cannot be split into `count` rows (and must
                    // not be: the count is the server's, and may be huge).
                    if count == 0 || output.data.is_empty() || !output.data.len().is_multiple_of(count) {
                        return Err(Error::unexpected(
                            field(),
                            format!(
                                "has {} values, not divisible into {count} vectors",
                                output.data.len()
                            ),
                        ));
                    }
                    let dim = output.data.len() / count;
                    Ok(Vector::MultiDense(
                        output.data.chunks(dim).map(<[f32]>::to_vec).collect(),
                    ))
                } else {
                    Ok(Vector::Dense(output.data))
                }
            }
        }
    }
}

fn multi_dense(rows: Vec<Vec<f32>>) -> proto::MultiDenseVector {
    proto::MultiDenseVector {
        vectors: rows.into_iter().map(|data| proto::DenseVector { data }).collect(),
    }
}

impl From<SparseVector> for proto::SparseVector {
    fn from(s: SparseVector) -> Self {
        proto::SparseVector {
            indices: s.indices,
            values: s.values,
        }
    }
}

impl From<Document> for proto::Document {
    fn from(d: Document) -> Self {
        proto::Document {
            text: d.text,
            model: d.model,
            options: into_proto_map(d.options),
        }
    }
}

impl From<Image> for proto::Image {
    fn from(i: Image) -> Self {
        proto::Image {
            image: Some(i.image.into()),
            model: i.model,
            options: into_proto_map(i.options),
        }
    }
}

impl From<InferenceObject> for proto::InferenceObject {
    fn from(o: InferenceObject) -> Self {
        proto::InferenceObject {
            object: Some(o.object.into()),
            model: o.model,
            options: into_proto_map(o.options),
        }
    }
}

/// A point's vectors: one unnamed vector, or several by name.
///
/// ```
/// use qdrant_async::{SparseVector, Vectors};
///
/// let single: Vectors = [0.1, 0.2, 0.3].into();
/// let named = Vectors::named([
///     ("image", vec![0.1, 0.2].into()),
///     ("keywords", SparseVector::new([3, 9], [1.0, 0.5]).into()),
/// ]);
/// assert!(named.get("image").is_some());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Vectors {
    /// The collection's unnamed vector.
    Single(Vector),
    /// Vectors by name.
    Named(HashMap<String, Vector>),
}

impl Vectors {
    /// Named vectors from `(name, vector)` pairs.
    ///
    /// ```
    /// use qdrant_async::{Point, SparseVector, Vector, Vectors};
    ///
    /// let vectors = Vectors::named([
    ///     ("dense", Vector::from(vec![0.9, 0.1, 0.1, 0.5])),
    ///     ("keywords", Vector::from(SparseVector::new([3, 17], [0.5, 0.2]))),
    /// ]);
    /// let point = Point::new(1, vectors);
    /// ```
    pub fn named<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Vector)>) -> Self {
        Vectors::Named(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The vector with this name; the unnamed vector answers to `""`.
    ///
    /// ```
    /// use qdrant_async::{Vector, Vectors};
    ///
    /// let vectors = Vectors::named([("image", Vector::from(vec![0.1, 0.2]))]);
    /// assert!(vectors.get("image").is_some());
    /// assert!(vectors.get("text").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&Vector> {
        match self {
            Vectors::Single(v) => name.is_empty().then_some(v),
            Vectors::Named(map) => map.get(name),
        }
    }

    /// The unnamed vector, if that is what this holds.
    ///
    /// ```
    /// use qdrant_async::{Vector, Vectors};
    ///
    /// let single = Vectors::from(Vector::from(vec![0.1, 0.2]));
    /// assert_eq!(single.as_single().and_then(|v| v.as_dense()), Some(&[0.1, 0.2][..]));
    /// ```
    pub fn as_single(&self) -> Option<&Vector> {
        match self {
            Vectors::Single(v) => Some(v),
            Vectors::Named(_) => None,
        }
    }

    pub(crate) fn check(&self, argument: &dyn Fn() -> String) -> Result<()> {
        self.each(argument, Vector::check)
    }

    /// [`Vector::check_shape`] for each vector.
    pub(crate) fn check_shape(&self, argument: &dyn Fn() -> String) -> Result<()> {
        self.each(argument, Vector::check_shape)
    }

    fn each(
        &self,
        argument: &dyn Fn() -> String,
        check: fn(&Vector, &dyn Fn() -> String) -> Result<()>,
    ) -> Result<()> {
        match self {
            Vectors::Single(v) => check(v, argument),
            Vectors::Named(map) => map
                .iter()
                .try_for_each(|(name, v)| check(v, &|| format!("{}[\"{name}\"]", argument()))),
        }
    }

    pub(crate) fn into_proto(self) -> proto::Vectors {
        use proto::vectors::VectorsOptions;
        let options = match self {
            Vectors::Single(v) => VectorsOptions::Vector(v.into_proto()),
            Vectors::Named(map) => VectorsOptions::Vectors(proto::NamedVectors {
                vectors: map.into_iter().map(|(k, v)| (k, v.into_proto())).collect(),
            }),
        };
        proto::Vectors {
            vectors_options: Some(options),
        }
    }

    pub(crate) fn from_output(
        output: proto::VectorsOutput,
        field: &dyn Fn() -> String,
    ) -> Result<Option<Self>> {
        use proto::vectors_output::VectorsOptions;
        Ok(match output.vectors_options {
            None => None,
            Some(VectorsOptions::Vector(v)) => Some(Vectors::Single(Vector::from_output(v, field)?)),
            Some(VectorsOptions::Vectors(named)) => Some(Vectors::Named(
                named
                    .vectors
                    .into_iter()
                    .map(|(name, v)| {
                        let vector = Vector::from_output(v, &|| format!("{}[\"{name}\"]", field()))?;
                        Ok((name, vector))
                    })
                    .collect::<Result<_>>()?,
            )),
        })
    }
}

impl<T: Into<Vector>> From<T> for Vectors {
    fn from(v: T) -> Self {
        Vectors::Single(v.into())
    }
}

impl From<HashMap<String, Vector>> for Vectors {
    fn from(map: HashMap<String, Vector>) -> Self {
        Vectors::Named(map)
    }
}

/// Index of the first NaN or infinite value. Checks 64 values at a time
/// without branching, which the compiler vectorizes: the check costs a
/// fraction of the copy to the wire that follows it.
fn first_non_finite(values: &[f32]) -> Option<usize> {
    const CHUNK: usize = 64;
    values.chunks(CHUNK).enumerate().find_map(|(c, chunk)| {
        let any = chunk.iter().fold(false, |any, v| any | !v.is_finite());
        if any {
            chunk.iter().position(|v| !v.is_finite()).map(|i| c * CHUNK + i)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(vectors: proto::Vectors) -> proto::VectorsOutput {
        // The server echoes the same shapes back through VectorOutput.
        use proto::vectors::VectorsOptions;
        let one = |v: proto::Vector| {
            use proto::vector::Vector as V;
            use proto::vector_output::Vector as O;
            let vector = match v.vector {
                Some(V::Dense(d)) => Some(O::Dense(d)),
                Some(V::Sparse(s)) => Some(O::Sparse(s)),
                Some(V::MultiDense(m)) => Some(O::MultiDense(m)),
                _ => None,
            };
            proto::VectorOutput {
                vector,
                ..Default::default()
            }
        };
        let options = match vectors.vectors_options {
            Some(VectorsOptions::Vector(v)) => proto::vectors_output::VectorsOptions::Vector(one(v)),
            Some(VectorsOptions::Vectors(n)) => {
                proto::vectors_output::VectorsOptions::Vectors(proto::NamedVectorsOutput {
                    vectors: n.vectors.into_iter().map(|(k, v)| (k, one(v))).collect(),
                })
            }
            None => return proto::VectorsOutput::default(),
        };
        proto::VectorsOutput {
            vectors_options: Some(options),
        }
    }

    #[test]
    fn vectors_round_trip() {
        let name = || "vectors".to_string();
        for vectors in [
            Vectors::from([0.5f32, -1.0]),
            Vectors::from(SparseVector::new([1, 5], [0.5, 2.0])),
            Vectors::from(vec![vec![1.0f32, 2.0], vec![3.0, 4.0]]),
            Vectors::named([
                ("a", Vector::from(vec![1.0f32])),
                ("b", SparseVector::new([2], [1.0]).into()),
            ]),
        ] {
            let back = Vectors::from_output(out(vectors.clone().into_proto()), &name).unwrap();
            assert_eq!(back, Some(vectors));
        }
    }

    #[test]
    #[allow(deprecated)]
    fn reads_the_older_output_form() {
        let name = || "v".to_string();
        let multi = proto::VectorOutput {
            data: vec![1.0, 2.0, 3.0, 4.0],
            vectors_count: Some(2),
            ..Default::default()
        };
        assert_eq!(
            Vector::from_output(multi, &name).unwrap(),
            Vector::MultiDense(vec![vec![1.0, 2.0], vec![3.0, 4.0]])
        );
        let sparse = proto::VectorOutput {
            data: vec![0.5],
            indices: Some(proto::SparseIndices { data: vec![7] }),
            ..Default::default()
        };
        assert_eq!(
            Vector::from_output(sparse, &name).unwrap(),
            SparseVector::new([7], [0.5]).into()
        );
        let bad = proto::VectorOutput {
            data: vec![1.0, 2.0, 3.0],
            vectors_count: Some(2),
            ..Default::default()
        };
        assert!(Vector::from_output(bad, &name).is_err());
        let empty = proto::VectorOutput {
            data: vec![],
            vectors_count: Some(u32::MAX),
            ..Default::default()
        };
        assert!(Vector::from_output(empty, &name).is_err());
    }

    #[test]
    fn non_finite_values_are_named() {
        let err = Vector::from(vec![0.1, f32::NAN])
            .check(&|| "points[2].vector".into())
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("points[2].vector") && msg.contains("index 1"),
            "{msg}"
        );
        assert!(Vector::from(vec![f32::INFINITY]).check(&|| "v".into()).is_err());
    }
}
