//! The `qdrant.Points` service: writes and reads by id here; searches
//! through the engine in `search.rs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};

use super::elapsed;
use super::filter::CheckedFilter;
use super::filter::path::JsonPath;
use super::output::{check_payload_selector, check_vector_selector, point_key, point_keys, retrieved};
use super::search::{self, QVec, normalize};
use super::store::{Collection, PointKey, Store, StoredPoint, StoredVector, VectorKind, bad_input, quoted};
use crate::proto;

pub(crate) struct PointsService {
    pub(crate) store: Arc<Store>,
}

type Reply<T> = Result<Response<T>, Status>;

fn update_result(operation_id: u64, wait: Option<bool>) -> proto::UpdateResult {
    let status = if wait.unwrap_or(false) {
        proto::UpdateStatus::Completed
    } else {
        proto::UpdateStatus::Acknowledged
    };
    proto::UpdateResult {
        operation_id: Some(operation_id),
        status: status as i32,
    }
}

fn ok(start: Instant, operation_id: u64, wait: Option<bool>) -> Reply<proto::PointsOperationResponse> {
    Ok(Response::new(proto::PointsOperationResponse {
        result: Some(update_result(operation_id, wait)),
        time: elapsed(start),
        usage: None,
    }))
}

/// Why a write failed. Qdrant logs a write (and gives it the next
/// operation id) once it passes the request's checks; what fails after that
/// still used its id.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// Refused before it was logged: no operation id used.
    Refused(Status),
    /// Failed while applied (a missing point, an unknown vector name, a
    /// dense vector for a sparse one): its operation id is used.
    Failed(Status),
}

impl From<Status> for WriteError {
    fn from(status: Status) -> Self {
        WriteError::Refused(status)
    }
}

type WriteResult = Result<(), WriteError>;

/// A vector as sent, in one shape.
#[allow(deprecated)]
fn sent_vector(v: proto::Vector) -> Result<QVec, Status> {
    use proto::vector::Vector as V;
    Ok(match v.vector {
        Some(V::Dense(d)) => QVec::Dense(d.data),
        Some(V::Sparse(s)) => QVec::Sparse(s.indices, s.values),
        Some(V::MultiDense(m)) => QVec::Multi(m.vectors.into_iter().map(|d| d.data).collect()),
        Some(V::Document(_) | V::Image(_) | V::Object(_)) => {
            return Err(bad_input(
                "Inference is not configured: no inference provider to embed documents",
            ));
        }
        None => match (v.indices, v.vectors_count) {
            (Some(i), _) => QVec::Sparse(i.data, v.data),
            (None, Some(n)) if n > 0 => {
                let dim = v.data.len() / n as usize;
                if dim == 0 || !v.data.len().is_multiple_of(n as usize) {
                    return Err(bad_input("Multi-vector data is not divisible by vectors_count"));
                }
                QVec::Multi(v.data.chunks(dim).map(<[f32]>::to_vec).collect())
            }
            _ => QVec::Dense(v.data),
        },
    })
}

/// A dense or multi-dense vector of the wrong size for its name: Qdrant's
/// message, without the name.
fn wrong_size(kind: VectorKind, v: &QVec) -> Option<String> {
    let VectorKind::Dense { size, .. } = kind else {
        return None;
    };
    let got = match v {
        QVec::Dense(d) if d.len() as u64 != size => d.len(),
        QVec::Multi(m) => m.iter().map(Vec::len).find(|l| *l as u64 != size)?,
        _ => return None,
    };
    Some(format!("Vector dimension error: expected dim: {size}, got {got}"))
}

/// A vector checked against its name and ready to store. Unknown names,
/// sparse vectors for dense names (and the reverse) and wrong sizes fail
/// as Qdrant fails them while applying a write.
fn stored_vector(col: &Collection, name: &str, v: proto::Vector) -> Result<StoredVector, WriteError> {
    let q = sent_vector(v)?;
    let kind = col.vector_kind(name).ok_or_else(|| {
        WriteError::Failed(bad_input(format!(
            "Not existing vector name error: {}",
            quoted(name)
        )))
    })?;
    let q = match (kind, q) {
        (VectorKind::Dense { multi: true, .. }, QVec::Dense(d)) => QVec::Multi(vec![d]),
        (_, q) => q,
    };
    if let Some(message) = wrong_size(kind, &q) {
        return Err(WriteError::Failed(bad_input(message)));
    }
    Ok(match (kind, q) {
        (
            VectorKind::Dense {
                distance,
                multi: false,
                ..
            },
            QVec::Dense(mut d),
        ) => {
            if distance == proto::Distance::Cosine {
                normalize(&mut d);
            }
            StoredVector::Dense(d)
        }
        (VectorKind::Dense { multi: true, .. }, QVec::Multi(m)) => StoredVector::Multi(m),
        (VectorKind::Sparse { .. }, QVec::Sparse(indices, values)) => {
            if indices.len() != values.len() {
                return Err(bad_input("Sparse vector indices and values must have the same length").into());
            }
            // Qdrant keeps sparse vectors sorted by index.
            let mut pairs: Vec<(u32, f32)> = indices.into_iter().zip(values).collect();
            pairs.sort_by_key(|p| p.0);
            let (indices, values) = pairs.into_iter().unzip();
            StoredVector::Sparse { indices, values }
        }
        (_, _) => {
            return Err(WriteError::Failed(bad_input(
                "Conversion between sparse and regular vectors failed",
            )));
        }
    })
}

fn stored_vectors(
    col: &Collection,
    vectors: Option<proto::Vectors>,
) -> Result<HashMap<String, StoredVector>, WriteError> {
    use proto::vectors::VectorsOptions;
    match vectors.and_then(|v| v.vectors_options) {
        None => Ok(HashMap::new()),
        Some(VectorsOptions::Vector(v)) => Ok(HashMap::from([(String::new(), stored_vector(col, "", v)?)])),
        Some(VectorsOptions::Vectors(named)) => named
            .vectors
            .into_iter()
            .map(|(name, v)| Ok((name.clone(), stored_vector(col, &name, v)?)))
            .collect(),
    }
}

/// The check Qdrant makes before it logs an upsert: every vector of a known
/// name has its size (the message names the vector when it has a name).
fn check_upsert_sizes(col: &Collection, points: &[proto::PointStruct]) -> Result<(), Status> {
    use proto::vectors::VectorsOptions;
    for p in points {
        let named: Vec<(&str, &proto::Vector)> =
            match p.vectors.as_ref().and_then(|v| v.vectors_options.as_ref()) {
                Some(VectorsOptions::Vector(v)) => vec![("", v)],
                Some(VectorsOptions::Vectors(m)) => m.vectors.iter().map(|(k, v)| (k.as_str(), v)).collect(),
                None => Vec::new(),
            };
        for (name, v) in named {
            let Some(kind) = col.vector_kind(name) else {
                continue;
            };
            let Ok(q) = sent_vector(v.clone()) else { continue };
            let q = match (kind, q) {
                (VectorKind::Dense { multi: true, .. }, QVec::Dense(d)) => QVec::Multi(vec![d]),
                (_, q) => q,
            };
            if let Some(message) = wrong_size(kind, &q) {
                let message = if name.is_empty() {
                    message
                } else {
                    format!("{message} for vector '{}'", quoted(name))
                };
                return Err(bad_input(message));
            }
        }
    }
    Ok(())
}

/// The keys a selector names: the ids given, or the points matching the
/// filter. Naming no id at all is Qdrant's empty update request.
fn selected(col: &Collection, selector: Option<&proto::PointsSelector>) -> Result<Vec<PointKey>, Status> {
    use proto::points_selector::PointsSelectorOneOf as S;
    match selector.and_then(|s| s.points_selector_one_of.as_ref()) {
        Some(S::Points(ids)) if ids.ids.is_empty() => Err(empty_update()),
        Some(S::Points(ids)) => point_keys(&ids.ids),
        Some(S::Filter(f)) => {
            let f = CheckedFilter::selector(f)?.indexed(&col.payload_schema);
            Ok(col
                .points
                .iter()
                .filter(|(k, p)| f.matches(k, p))
                .map(|(k, _)| *k)
                .collect())
        }
        None => Err(Status::invalid_argument("points_selector is expected")),
    }
}

/// Qdrant's answer for a write that names no point.
fn empty_update() -> Status {
    Status::invalid_argument("Bad request: Empty update request")
}

/// Whether a vector repeats a sparse index.
fn repeats_sparse_index(v: &proto::Vector) -> bool {
    #[allow(deprecated)]
    let indices = match (&v.vector, &v.indices) {
        (Some(proto::vector::Vector::Sparse(s)), _) => &s.indices,
        (None, Some(i)) => &i.data,
        _ => return false,
    };
    let mut seen = std::collections::HashSet::with_capacity(indices.len());
    !indices.iter().all(|i| seen.insert(*i))
}

/// The first of these points whose named vectors repeat a sparse index.
fn point_repeating_sparse_index<'a>(
    vectors: impl Iterator<Item = Option<&'a proto::Vectors>>,
) -> Option<usize> {
    use proto::vectors::VectorsOptions;
    vectors
        .enumerate()
        .find_map(|(i, v)| match v.and_then(|v| v.vectors_options.as_ref()) {
            Some(VectorsOptions::Vectors(named)) => {
                named.vectors.values().any(repeats_sparse_index).then_some(i)
            }
            _ => None,
        })
}

/// Qdrant's request validation: a sparse vector's indices are unique.
fn check_sparse_request<'a>(vectors: impl Iterator<Item = Option<&'a proto::Vectors>>) -> Result<(), Status> {
    match point_repeating_sparse_index(vectors) {
        Some(i) => Err(Status::invalid_argument(format!(
            "Validation error in body: [points[{i}].vectors.vectors_options.vectors.[].indices: Validation error: must be unique [{{}}]]"
        ))),
        None => Ok(()),
    }
}

/// The same rule inside a batch, where Qdrant checks it later and words it
/// differently.
fn check_sparse_in_batch<'a>(
    vectors: impl Iterator<Item = Option<&'a proto::Vectors>>,
) -> Result<(), Status> {
    match point_repeating_sparse_index(vectors) {
        Some(i) => Err(bad_input(format!(
            "points[{i}].vector.?.indices: Validation error: must be unique [{{}}]"
        ))),
        None => Ok(()),
    }
}

/// How many levels a `set_payload` key path may have. Each level nests the
/// payload one object deeper, and a payload nested past a few dozen levels
/// cannot be decoded by gRPC clients anyway (Qdrant 1.19 panics past about
/// 128); without a bound, a key of 100 000 dots would build a payload whose
/// drop alone overflows the stack.
const MAX_KEY_LEVELS: usize = 100;

/// How many points Qdrant changes at a time: a write to ids applies to the
/// present points of a run, then fails on the run's first missing id.
const WRITE_RUN: usize = 32;

/// Qdrant's answer for a write to a point that does not exist.
fn point_not_found(key: &PointKey) -> Status {
    Status::not_found(format!("Not found: No point with id {} found", key_text(key)))
}

/// Applies `change` to the points with these ids, as Qdrant does: in runs
/// of [`WRITE_RUN`], each applied to its points that exist before the
/// first missing id of the run fails the call.
fn change_points(
    col: &mut Collection,
    keys: &[PointKey],
    mut change: impl FnMut(&mut StoredPoint),
) -> WriteResult {
    for run in keys.chunks(WRITE_RUN) {
        let mut missing = None;
        for k in run {
            match col.points.get_mut(k) {
                Some(p) => change(p),
                None => {
                    missing.get_or_insert(*k);
                }
            }
        }
        if let Some(k) = missing {
            return Err(WriteError::Failed(point_not_found(&k)));
        }
    }
    Ok(())
}

/// The path of a `set_payload` key, checked: a payload path of at most
/// [`MAX_KEY_LEVELS`] levels.
fn key_path(key: Option<&str>) -> Result<Option<JsonPath>, Status> {
    let Some(key) = key else { return Ok(None) };
    let path = super::filter::parse_path(key)?;
    if path.rest.len() >= MAX_KEY_LEVELS {
        return Err(bad_input(format!(
            "Payload key `{}` nests deeper than {MAX_KEY_LEVELS} levels",
            super::store::quoted(key)
        )));
    }
    Ok(Some(path))
}

/// `set_payload` merges the payload into each point's (at `key`, when
/// given); `overwrite_payload` replaces the payload and, as in Qdrant,
/// ignores `key`.
fn apply_set_payload(
    col: &mut Collection,
    keys: &[PointKey],
    payload: &HashMap<String, proto::Value>,
    key: Option<&JsonPath>,
    overwrite: bool,
) -> WriteResult {
    change_points(col, keys, |p| {
        if overwrite {
            p.payload = payload.clone();
        } else {
            JsonPath::set(key, &mut p.payload, payload);
        }
    })
}

/// Upserts as Qdrant does with `update_mode` (judged against the points as
/// they were before the request): `Upsert` writes new points and existing
/// ones matching `update_filter`; `InsertOnly` writes only new points, and
/// ignores the filter; `UpdateOnly` writes only existing points matching it.
fn upsert_points(
    col: &mut Collection,
    points: Vec<proto::PointStruct>,
    update_filter: Option<&proto::Filter>,
    update_mode: Option<i32>,
) -> WriteResult {
    if points.is_empty() {
        return Err(empty_update().into());
    }
    // A request's own update_filter was validated before; a batch's is not.
    let update_filter = update_filter
        .map(CheckedFilter::selector)
        .transpose()?
        .map(|f| f.indexed(&col.payload_schema));
    check_upsert_sizes(col, &points)?;
    let mode = update_mode
        .and_then(|m| proto::UpdateMode::try_from(m).ok())
        .unwrap_or(proto::UpdateMode::Upsert);
    let mut staged = Vec::with_capacity(points.len());
    for p in points {
        let key = point_key(p.id.as_ref().ok_or_else(|| bad_input("Point id is required"))?)?;
        let vectors = stored_vectors(col, p.vectors)?;
        staged.push((
            key,
            StoredPoint {
                vectors,
                payload: p.payload,
            },
        ));
    }
    let writes: Vec<bool> = staged
        .iter()
        .map(|(key, _)| match (col.points.get(key), mode) {
            (None, proto::UpdateMode::UpdateOnly) => false,
            (None, _) => true,
            (Some(_), proto::UpdateMode::InsertOnly) => false,
            (Some(existing), _) => update_filter.is_none_or(|f| f.matches(key, existing)),
        })
        .collect();
    for ((key, point), write) in staged.into_iter().zip(writes) {
        if write {
            col.points.insert(key, point);
        }
    }
    Ok(())
}

fn update_vectors(
    col: &mut Collection,
    points: Vec<proto::PointVectors>,
    update_filter: Option<&proto::Filter>,
) -> WriteResult {
    if points.is_empty() {
        return Err(empty_update().into());
    }
    let update_filter = update_filter
        .map(CheckedFilter::selector)
        .transpose()?
        .map(|f| f.indexed(&col.payload_schema));
    let mut staged = Vec::new();
    for p in points {
        let key = point_key(p.id.as_ref().ok_or_else(|| bad_input("Point id is required"))?)?;
        if !col.points.contains_key(&key) {
            return Err(WriteError::Failed(point_not_found(&key)));
        }
        staged.push((key, stored_vectors(col, p.vectors)?));
    }
    for (key, vectors) in staged {
        if let Some(point) = col.points.get_mut(&key) {
            if update_filter.is_some_and(|f| !f.matches(&key, point)) {
                continue;
            }
            point.vectors.extend(vectors);
        }
    }
    Ok(())
}

fn key_text(k: &PointKey) -> String {
    match k {
        PointKey::Num(n) => n.to_string(),
        PointKey::Uuid(u) => u.to_string(),
    }
}

fn delete_vectors(col: &mut Collection, keys: &[PointKey], names: &[String]) -> WriteResult {
    if let Some(name) = names.iter().find(|n| col.vector_kind(n).is_none()) {
        return Err(WriteError::Failed(bad_input(format!(
            "Not existing vector name error: {}",
            quoted(name)
        ))));
    }
    change_points(col, keys, |p| {
        for n in names {
            p.vectors.remove(n);
        }
    })
}

#[allow(deprecated)]
fn apply_operation(col: &mut Collection, op: proto::PointsUpdateOperation) -> WriteResult {
    use proto::points_update_operation::Operation as O;
    match op.operation.ok_or_else(|| bad_input("Empty operation"))? {
        O::Upsert(u) => {
            check_sparse_in_batch(u.points.iter().map(|p| p.vectors.as_ref()))?;
            upsert_points(col, u.points, u.update_filter.as_ref(), u.update_mode)
        }
        O::DeleteDeprecated(s) => {
            let keys = selected(col, Some(&s))?;
            keys.iter().for_each(|k| {
                col.points.remove(k);
            });
            Ok(())
        }
        O::DeletePoints(d) => {
            let keys = selected(col, d.points.as_ref())?;
            keys.iter().for_each(|k| {
                col.points.remove(k);
            });
            Ok(())
        }
        O::SetPayload(s) => {
            let path = key_path(s.key.as_deref())?;
            let keys = selected(col, s.points_selector.as_ref())?;
            apply_set_payload(col, &keys, &s.payload, path.as_ref(), false)
        }
        O::OverwritePayload(s) => {
            let keys = selected(col, s.points_selector.as_ref())?;
            apply_set_payload(col, &keys, &s.payload, None, true)
        }
        O::DeletePayload(d) => {
            let paths = payload_paths(&d.keys)?;
            let keys = selected(col, d.points_selector.as_ref())?;
            delete_payload_keys(col, &keys, &paths)
        }
        O::ClearPayloadDeprecated(s) => {
            let keys = selected(col, Some(&s))?;
            clear_payload(col, &keys)
        }
        O::ClearPayload(c) => {
            let keys = selected(col, c.points.as_ref())?;
            clear_payload(col, &keys)
        }
        O::UpdateVectors(u) => {
            check_sparse_in_batch(u.points.iter().map(|p| p.vectors.as_ref()))?;
            update_vectors(col, u.points, u.update_filter.as_ref())
        }
        O::DeleteVectors(d) => {
            let keys = selected(col, d.points_selector.as_ref())?;
            delete_vectors(col, &keys, &d.vectors.map(|v| v.names).unwrap_or_default())
        }
    }
}

fn delete_payload_keys(col: &mut Collection, keys: &[PointKey], paths: &[JsonPath]) -> WriteResult {
    change_points(col, keys, |p| {
        for path in paths {
            path.remove(&mut p.payload);
        }
    })
}

fn payload_paths(keys: &[String]) -> Result<Vec<JsonPath>, Status> {
    keys.iter().map(|k| super::filter::parse_path(k)).collect()
}

fn clear_payload(col: &mut Collection, keys: &[PointKey]) -> WriteResult {
    change_points(col, keys, |p| p.payload.clear())
}

fn schema_type(field_type: proto::FieldType) -> proto::PayloadSchemaType {
    match field_type {
        proto::FieldType::Keyword => proto::PayloadSchemaType::Keyword,
        proto::FieldType::Integer => proto::PayloadSchemaType::Integer,
        proto::FieldType::Float => proto::PayloadSchemaType::Float,
        proto::FieldType::Geo => proto::PayloadSchemaType::Geo,
        proto::FieldType::Text => proto::PayloadSchemaType::Text,
        proto::FieldType::Bool => proto::PayloadSchemaType::Bool,
        proto::FieldType::Datetime => proto::PayloadSchemaType::Datetime,
        proto::FieldType::Uuid => proto::PayloadSchemaType::Uuid,
    }
}

/// Whether two dense vector configurations are the same for a vector name.
fn same_dense(a: &proto::VectorParams, b: &proto::VectorParams) -> bool {
    a.size == b.size
        && a.distance == b.distance
        && a.multivector_config.is_some() == b.multivector_config.is_some()
        && a.datatype.unwrap_or(0) == b.datatype.unwrap_or(0)
}

/// Index parameters as Qdrant keeps them: stop words as sorted sets.
fn index_params_as_kept(mut params: proto::PayloadIndexParams) -> proto::PayloadIndexParams {
    use proto::payload_index_params::IndexParams as P;
    if let Some(P::TextIndexParams(t)) = &mut params.index_params
        && let Some(words) = &mut t.stopwords
    {
        for list in [&mut words.languages, &mut words.custom] {
            list.sort();
            list.dedup();
        }
    }
    params
}

/// The schema type implied by index parameters, when no field type is given.
fn params_type(p: &proto::PayloadIndexParams) -> Option<proto::PayloadSchemaType> {
    use proto::payload_index_params::IndexParams as P;
    Some(match p.index_params.as_ref()? {
        P::KeywordIndexParams(_) => proto::PayloadSchemaType::Keyword,
        P::IntegerIndexParams(_) => proto::PayloadSchemaType::Integer,
        P::FloatIndexParams(_) => proto::PayloadSchemaType::Float,
        P::GeoIndexParams(_) => proto::PayloadSchemaType::Geo,
        P::TextIndexParams(_) => proto::PayloadSchemaType::Text,
        P::BoolIndexParams(_) => proto::PayloadSchemaType::Bool,
        P::DatetimeIndexParams(_) => proto::PayloadSchemaType::Datetime,
        P::UuidIndexParams(_) => proto::PayloadSchemaType::Uuid,
    })
}

impl PointsService {
    /// Runs a write on a collection under its lock, and answers with the
    /// operation's id.
    async fn write(
        &self,
        collection: &str,
        wait: Option<bool>,
        apply: impl FnOnce(&mut Collection) -> WriteResult,
    ) -> Reply<proto::PointsOperationResponse> {
        self.write_using(collection, wait, 1, apply).await
    }

    /// [`PointsService::write`] for a write that uses `ids` operation ids:
    /// a payload index change uses two in Qdrant.
    async fn write_using(
        &self,
        collection: &str,
        wait: Option<bool>,
        ids: u64,
        apply: impl FnOnce(&mut Collection) -> WriteResult,
    ) -> Reply<proto::PointsOperationResponse> {
        let start = Instant::now();
        let shared = self.store.resolve(collection).await?;
        let mut col = shared.write().await;
        match apply(&mut col) {
            Ok(()) => {
                let id = (0..ids)
                    .map(|_| col.next_operation())
                    .last()
                    .unwrap_or(col.operation_id);
                ok(start, id, wait)
            }
            Err(WriteError::Refused(s)) => Err(s),
            Err(WriteError::Failed(s)) => {
                col.next_operation();
                Err(s)
            }
        }
    }
}

#[tonic::async_trait]
impl proto::points_server::Points for PointsService {
    async fn upsert(&self, request: Request<proto::UpsertPoints>) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        check_sparse_request(r.points.iter().map(|p| p.vectors.as_ref()))?;
        super::validate::update_filter(r.update_filter.as_ref())?;
        let filter = r.update_filter;
        self.write(&r.collection_name, r.wait, |c| {
            upsert_points(c, r.points, filter.as_ref(), r.update_mode)
        })
        .await
    }

    async fn delete(&self, request: Request<proto::DeletePoints>) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        self.write(&r.collection_name, r.wait, |c| {
            let keys = selected(c, r.points.as_ref())?;
            keys.iter().for_each(|k| {
                c.points.remove(k);
            });
            Ok(())
        })
        .await
    }

    async fn get(&self, request: Request<proto::GetPoints>) -> Reply<proto::GetResponse> {
        let start = Instant::now();
        let r = request.into_inner();
        check_payload_selector(r.with_payload.as_ref())?;
        let shared = self.store.resolve(&r.collection_name).await?;
        let col = shared.read().await;
        let keys = point_keys(&r.ids)?;
        let mut seen = std::collections::HashSet::new();
        let result: Vec<proto::RetrievedPoint> = keys
            .iter()
            .filter(|k| seen.insert(**k))
            .filter_map(|k| {
                col.points
                    .get(k)
                    .map(|p| retrieved(k, p, r.with_payload.as_ref(), r.with_vectors.as_ref()))
            })
            .collect();
        // Qdrant checks the vector names when it reads the vectors of a
        // point it found.
        if !result.is_empty() {
            check_vector_selector(&col, r.with_vectors.as_ref())?;
        }
        Ok(Response::new(proto::GetResponse {
            result,
            time: elapsed(start),
            usage: None,
        }))
    }

    async fn update_vectors(
        &self,
        request: Request<proto::UpdatePointVectors>,
    ) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        check_sparse_request(r.points.iter().map(|p| p.vectors.as_ref()))?;
        super::validate::update_filter(r.update_filter.as_ref())?;
        let filter = r.update_filter;
        self.write(&r.collection_name, r.wait, |c| {
            update_vectors(c, r.points, filter.as_ref())
        })
        .await
    }

    async fn delete_vectors(
        &self,
        request: Request<proto::DeletePointVectors>,
    ) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        super::validate::points_selector("points_selector", r.points_selector.as_ref())?;
        self.write(&r.collection_name, r.wait, |c| {
            let keys = selected(c, r.points_selector.as_ref())?;
            delete_vectors(c, &keys, &r.vectors.map(|v| v.names).unwrap_or_default())
        })
        .await
    }

    async fn set_payload(
        &self,
        request: Request<proto::SetPayloadPoints>,
    ) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        super::validate::points_selector("points_selector", r.points_selector.as_ref())?;
        let path = key_path(r.key.as_deref())?;
        self.write(&r.collection_name, r.wait, |c| {
            let keys = selected(c, r.points_selector.as_ref())?;
            apply_set_payload(c, &keys, &r.payload, path.as_ref(), false)
        })
        .await
    }

    async fn overwrite_payload(
        &self,
        request: Request<proto::SetPayloadPoints>,
    ) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        super::validate::points_selector("points_selector", r.points_selector.as_ref())?;
        self.write(&r.collection_name, r.wait, |c| {
            let keys = selected(c, r.points_selector.as_ref())?;
            apply_set_payload(c, &keys, &r.payload, None, true)
        })
        .await
    }

    async fn delete_payload(
        &self,
        request: Request<proto::DeletePayloadPoints>,
    ) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        super::validate::points_selector("points_selector", r.points_selector.as_ref())?;
        let paths = payload_paths(&r.keys)?;
        self.write(&r.collection_name, r.wait, |c| {
            let keys = selected(c, r.points_selector.as_ref())?;
            delete_payload_keys(c, &keys, &paths)
        })
        .await
    }

    async fn clear_payload(
        &self,
        request: Request<proto::ClearPayloadPoints>,
    ) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        super::validate::points_selector("points", r.points.as_ref())?;
        self.write(&r.collection_name, r.wait, |c| {
            let keys = selected(c, r.points.as_ref())?;
            clear_payload(c, &keys)
        })
        .await
    }

    async fn create_field_index(
        &self,
        request: Request<proto::CreateFieldIndexCollection>,
    ) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        // Indexes are kept by path, written as Qdrant writes paths.
        let field_name = super::filter::parse_path(&r.field_name)?.to_string();
        let field_type = r
            .field_type
            .and_then(|t| proto::FieldType::try_from(t).ok())
            .ok_or_else(|| Status::invalid_argument("cannot convert field_type"))?;
        let data_type = schema_type(field_type);
        if let Some(given) = r.field_index_params.as_ref().and_then(params_type)
            && given != data_type
        {
            return Err(Status::invalid_argument(format!(
                "field_type ({field_type:?}) and field_index_params do not match"
            )));
        }
        let params = r.field_index_params.map(index_params_as_kept);
        self.write_using(&r.collection_name, r.wait, 2, |c| {
            c.payload_schema.insert(
                field_name,
                proto::PayloadSchemaInfo {
                    data_type: data_type as i32,
                    params,
                    points: None,
                },
            );
            Ok(())
        })
        .await
    }

    async fn delete_field_index(
        &self,
        request: Request<proto::DeleteFieldIndexCollection>,
    ) -> Reply<proto::PointsOperationResponse> {
        let r = request.into_inner();
        let field_name = super::filter::parse_path(&r.field_name)?.to_string();
        self.write_using(&r.collection_name, r.wait, 2, |c| {
            c.payload_schema.remove(&field_name);
            Ok(())
        })
        .await
    }

    async fn create_vector_name(
        &self,
        request: Request<proto::CreateVectorNameRequest>,
    ) -> Reply<proto::PointsOperationResponse> {
        use proto::create_vector_name_request::VectorConfig as C;
        use proto::vectors_config::Config;
        let r = request.into_inner();
        if let Some(C::DenseConfig(d)) = &r.vector_config
            && (d.size == 0 || d.size > 65536)
        {
            return Err(Status::invalid_argument(format!(
                "Validation error in body: [vector_config.size: value {} invalid, must be from 1 to 65536]",
                d.size
            )));
        }
        let config = r
            .vector_config
            .ok_or_else(|| bad_input("Vector config is required"))?;
        let name = r.vector_name;
        // A vector name is a change of the collection, which uses two
        // operation ids, as a payload index does.
        self.write_using(&r.collection_name, r.wait, 2, |c| {
            let params = c.config.params.get_or_insert_with(Default::default);
            match config {
                C::DenseConfig(d) => {
                    let vp = proto::VectorParams {
                        size: d.size,
                        distance: d.distance,
                        multivector_config: d.multivector_config,
                        datatype: d.datatype,
                        ..Default::default()
                    };
                    let vectors = params.vectors_config.get_or_insert_with(Default::default);
                    // An unnamed vector becomes the one named "" once the
                    // collection has named vectors too.
                    let map = match vectors.config.take() {
                        Some(Config::ParamsMap(m)) => m.map,
                        Some(Config::Params(p)) => HashMap::from([(String::new(), p)]),
                        None => HashMap::new(),
                    };
                    let vectors_map = vectors
                        .config
                        .insert(Config::ParamsMap(proto::VectorParamsMap { map }));
                    let Config::ParamsMap(m) = vectors_map else {
                        return Ok(());
                    };
                    match m.map.get(&name) {
                        Some(existing) if !same_dense(existing, &vp) => {
                            return Err(bad_input(format!(
                                "Vector `{}` already exists with a different configuration",
                                quoted(&name)
                            ))
                            .into());
                        }
                        Some(_) => {}
                        None => {
                            m.map.insert(name, vp);
                        }
                    }
                }
                C::SparseConfig(sc) => {
                    let sparse = params.sparse_vectors_config.get_or_insert_with(Default::default);
                    match sparse.map.get(&name) {
                        Some(existing) if existing.modifier != sc.modifier => {
                            return Err(bad_input(format!(
                                "Sparse vector `{}` already exists with a different configuration",
                                quoted(&name)
                            ))
                            .into());
                        }
                        Some(_) => {}
                        None => {
                            sparse.map.insert(
                                name,
                                proto::SparseVectorParams {
                                    index: None,
                                    modifier: sc.modifier,
                                },
                            );
                        }
                    }
                }
            }
            Ok(())
        })
        .await
    }

    async fn delete_vector_name(
        &self,
        request: Request<proto::DeleteVectorNameRequest>,
    ) -> Reply<proto::PointsOperationResponse> {
        use proto::vectors_config::Config;
        let r = request.into_inner();
        // Deleting a name that is not there succeeds, as in Qdrant.
        self.write_using(&r.collection_name, r.wait, 2, |c| {
            if let Some(params) = c.config.params.as_mut() {
                if let Some(vectors) = params.vectors_config.as_mut() {
                    match &mut vectors.config {
                        Some(Config::ParamsMap(m)) => {
                            m.map.remove(&r.vector_name);
                        }
                        Some(Config::Params(_)) if r.vector_name.is_empty() => {
                            vectors.config = Some(Config::ParamsMap(Default::default()));
                        }
                        _ => {}
                    }
                }
                if let Some(s) = params.sparse_vectors_config.as_mut() {
                    s.map.remove(&r.vector_name);
                }
            }
            for p in c.points.values_mut() {
                p.vectors.remove(&r.vector_name);
            }
            Ok(())
        })
        .await
    }

    async fn search(&self, request: Request<proto::SearchPoints>) -> Reply<proto::SearchResponse> {
        let r = request.into_inner();
        super::validate::search(&r)?;
        check_payload_selector(r.with_payload.as_ref())?;
        search::search(&self.store, r).await.map(Response::new)
    }

    async fn search_batch(
        &self,
        request: Request<proto::SearchBatchPoints>,
    ) -> Reply<proto::SearchBatchResponse> {
        let r = request.into_inner();
        super::validate::search_batch(&r)?;
        r.search_points
            .iter()
            .try_for_each(|s| check_payload_selector(s.with_payload.as_ref()))?;
        search::search_batch(&self.store, r).await.map(Response::new)
    }

    async fn search_groups(
        &self,
        request: Request<proto::SearchPointGroups>,
    ) -> Reply<proto::SearchGroupsResponse> {
        let r = request.into_inner();
        super::validate::groups(r.filter.as_ref(), r.group_size, r.limit)?;
        check_payload_selector(r.with_payload.as_ref())?;
        search::search_groups(&self.store, r).await.map(Response::new)
    }

    async fn scroll(&self, request: Request<proto::ScrollPoints>) -> Reply<proto::ScrollResponse> {
        let start = Instant::now();
        let r = request.into_inner();
        super::validate::scroll(&r)?;
        let filter = CheckedFilter::optional(r.filter.as_ref())?;
        check_payload_selector(r.with_payload.as_ref())?;
        let shared = self.store.resolve(&r.collection_name).await?;
        let col = shared.read().await;
        let filter = filter.map(|f| f.indexed(&col.payload_schema));
        let limit = r.limit.unwrap_or(10) as usize;
        if let Some(order_by) = &r.order_by {
            if r.offset.is_some() {
                return Err(bad_input(
                    "Cannot use an `offset` when using `order_by`. The alternative for paging is to use `order_by.start_from` and a filter to exclude the IDs that you've already seen for the `order_by.start_from` value",
                ));
            }
            let query = proto::QueryPoints {
                collection_name: r.collection_name.clone(),
                query: Some(proto::Query {
                    variant: Some(proto::query::Variant::OrderBy(order_by.clone())),
                }),
                filter: r.filter.clone(),
                limit: Some(limit as u64),
                with_payload: r.with_payload.clone(),
                with_vectors: r.with_vectors.clone(),
                ..Default::default()
            };
            drop(col);
            let hits = search::query(&self.store, query).await?.result;
            let result = hits
                .into_iter()
                .map(|h| proto::RetrievedPoint {
                    id: h.id,
                    payload: h.payload,
                    vectors: h.vectors,
                    shard_key: None,
                    order_value: h.order_value,
                })
                .collect();
            return Ok(Response::new(proto::ScrollResponse {
                next_page_offset: None,
                result,
                time: elapsed(start),
                usage: None,
            }));
        }
        let from = r.offset.as_ref().map(point_key).transpose()?;
        // Sized by the data, never by the client's limit.
        let mut page: Vec<proto::RetrievedPoint> = Vec::with_capacity(limit.min(col.points.len()));
        let mut next = None;
        let range = match from {
            Some(k) => col.points.range(k..),
            None => col.points.range(..),
        };
        for (k, p) in range {
            if filter.is_some_and(|f| !f.matches(k, p)) {
                continue;
            }
            if page.len() == limit {
                next = Some(super::output::point_id(k));
                break;
            }
            page.push(retrieved(k, p, r.with_payload.as_ref(), r.with_vectors.as_ref()));
        }
        if !page.is_empty() {
            check_vector_selector(&col, r.with_vectors.as_ref())?;
        }
        Ok(Response::new(proto::ScrollResponse {
            next_page_offset: next,
            result: page,
            time: elapsed(start),
            usage: None,
        }))
    }

    async fn recommend(&self, request: Request<proto::RecommendPoints>) -> Reply<proto::RecommendResponse> {
        let r = request.into_inner();
        super::validate::recommend(&r)?;
        check_payload_selector(r.with_payload.as_ref())?;
        search::recommend(&self.store, r).await.map(Response::new)
    }

    async fn recommend_batch(
        &self,
        request: Request<proto::RecommendBatchPoints>,
    ) -> Reply<proto::RecommendBatchResponse> {
        let r = request.into_inner();
        super::validate::recommend_batch(&r)?;
        r.recommend_points
            .iter()
            .try_for_each(|p| check_payload_selector(p.with_payload.as_ref()))?;
        search::recommend_batch(&self.store, r).await.map(Response::new)
    }

    async fn recommend_groups(
        &self,
        request: Request<proto::RecommendPointGroups>,
    ) -> Reply<proto::RecommendGroupsResponse> {
        let r = request.into_inner();
        super::validate::groups(r.filter.as_ref(), r.group_size, r.limit)?;
        check_payload_selector(r.with_payload.as_ref())?;
        search::recommend_groups(&self.store, r).await.map(Response::new)
    }

    async fn discover(&self, request: Request<proto::DiscoverPoints>) -> Reply<proto::DiscoverResponse> {
        let r = request.into_inner();
        super::validate::discover(&r)?;
        check_payload_selector(r.with_payload.as_ref())?;
        search::discover(&self.store, r).await.map(Response::new)
    }

    async fn discover_batch(
        &self,
        request: Request<proto::DiscoverBatchPoints>,
    ) -> Reply<proto::DiscoverBatchResponse> {
        let r = request.into_inner();
        super::validate::discover_batch(&r)?;
        r.discover_points
            .iter()
            .try_for_each(|d| check_payload_selector(d.with_payload.as_ref()))?;
        search::discover_batch(&self.store, r).await.map(Response::new)
    }

    async fn count(&self, request: Request<proto::CountPoints>) -> Reply<proto::CountResponse> {
        let start = Instant::now();
        let r = request.into_inner();
        super::validate::count(&r)?;
        let filter = CheckedFilter::optional(r.filter.as_ref())?;
        let shared = self.store.resolve(&r.collection_name).await?;
        let col = shared.read().await;
        let filter = filter.map(|f| f.indexed(&col.payload_schema));
        let count = match filter {
            None => col.points.len(),
            Some(f) => col.points.iter().filter(|(k, p)| f.matches(k, p)).count(),
        } as u64;
        Ok(Response::new(proto::CountResponse {
            result: Some(proto::CountResult { count }),
            time: elapsed(start),
            usage: None,
        }))
    }

    async fn update_batch(
        &self,
        request: Request<proto::UpdateBatchPoints>,
    ) -> Reply<proto::UpdateBatchResponse> {
        let start = Instant::now();
        let r = request.into_inner();
        if r.operations.is_empty() {
            return Err(Status::invalid_argument(
                "Validation error in body: [operations: value [] invalid, must be at least 1 characters]",
            ));
        }
        let shared = self.store.resolve(&r.collection_name).await?;
        let mut col = shared.write().await;
        let mut result = Vec::with_capacity(r.operations.len());
        for op in r.operations {
            match apply_operation(&mut col, op) {
                Ok(()) => {
                    let id = col.next_operation();
                    result.push(update_result(id, r.wait));
                }
                Err(WriteError::Refused(s)) => return Err(s),
                Err(WriteError::Failed(s)) => {
                    col.next_operation();
                    return Err(s);
                }
            }
        }
        Ok(Response::new(proto::UpdateBatchResponse {
            result,
            time: elapsed(start),
            usage: None,
        }))
    }

    async fn query(&self, request: Request<proto::QueryPoints>) -> Reply<proto::QueryResponse> {
        let r = request.into_inner();
        super::validate::query(&r)?;
        check_payload_selector(r.with_payload.as_ref())?;
        search::query(&self.store, r).await.map(Response::new)
    }

    async fn query_batch(
        &self,
        request: Request<proto::QueryBatchPoints>,
    ) -> Reply<proto::QueryBatchResponse> {
        let r = request.into_inner();
        super::validate::query_batch(&r)?;
        r.query_points
            .iter()
            .try_for_each(|q| check_payload_selector(q.with_payload.as_ref()))?;
        search::query_batch(&self.store, r).await.map(Response::new)
    }

    async fn query_groups(
        &self,
        request: Request<proto::QueryPointGroups>,
    ) -> Reply<proto::QueryGroupsResponse> {
        let r = request.into_inner();
        super::validate::query_groups(&r)?;
        check_payload_selector(r.with_payload.as_ref())?;
        search::query_groups(&self.store, r).await.map(Response::new)
    }

    async fn facet(&self, request: Request<proto::FacetCounts>) -> Reply<proto::FacetResponse> {
        search::facet(&self.store, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn search_matrix_pairs(
        &self,
        request: Request<proto::SearchMatrixPoints>,
    ) -> Reply<proto::SearchMatrixPairsResponse> {
        let r = request.into_inner();
        super::validate::search_matrix(&r)?;
        search::search_matrix_pairs(&self.store, r)
            .await
            .map(Response::new)
    }

    async fn search_matrix_offsets(
        &self,
        request: Request<proto::SearchMatrixPoints>,
    ) -> Reply<proto::SearchMatrixOffsetsResponse> {
        let r = request.into_inner();
        super::validate::search_matrix(&r)?;
        search::search_matrix_offsets(&self.store, r)
            .await
            .map(Response::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_point() -> (Collection, Vec<PointKey>) {
        let mut col = Collection::new(proto::CollectionConfig::default());
        col.points.insert(PointKey::Num(1), StoredPoint::default());
        (col, vec![PointKey::Num(1)])
    }

    #[test]
    fn payload_key_paths_nest_at_most_100_levels() {
        let (mut col, keys) = one_point();
        let payload = HashMap::from([("x".to_owned(), proto::Value::default())]);
        let deep = vec!["a"; MAX_KEY_LEVELS].join(".");
        let path = key_path(Some(&deep)).unwrap();
        apply_set_payload(&mut col, &keys, &payload, path.as_ref(), false).unwrap();
        let too_deep = vec!["a"; 100_000].join(".");
        let err = key_path(Some(&too_deep)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().len() < 1100);
        // Removal walks any path.
        let payload = &mut col.points.get_mut(&keys[0]).unwrap().payload;
        JsonPath::parse(&too_deep).unwrap().remove(payload);
        JsonPath::parse(&deep).unwrap().remove(payload);
    }

    #[test]
    fn payload_writes_to_missing_points_fail_after_the_present_ones() {
        let (mut col, keys) = one_point();
        let payload = HashMap::from([(
            "x".to_owned(),
            proto::Value {
                kind: Some(proto::value::Kind::IntegerValue(1)),
            },
        )]);
        let ids = [PointKey::Num(9), keys[0]];
        let Err(WriteError::Failed(err)) = apply_set_payload(&mut col, &ids, &payload, None, false) else {
            panic!("a write to a missing point fails once applied");
        };
        assert_eq!(err.code(), tonic::Code::NotFound);
        assert_eq!(err.message(), "Not found: No point with id 9 found");
        assert!(col.points[&keys[0]].payload.contains_key("x"));
    }
}
