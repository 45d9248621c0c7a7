//! Converting stored points to what responses carry: ids, the selected
//! payload, the selected vectors.

use std::collections::HashMap;

use tonic::Status;

use super::filter::path::{self, JsonPath};
use super::store::{Collection, PointKey, StoredPoint, StoredVector, bad_input, quoted};
use crate::proto;

pub(crate) fn point_id(key: &PointKey) -> proto::PointId {
    use proto::point_id::PointIdOptions;
    let options = match key {
        PointKey::Num(n) => PointIdOptions::Num(*n),
        PointKey::Uuid(u) => PointIdOptions::Uuid(u.hyphenated().to_string()),
    };
    proto::PointId {
        point_id_options: Some(options),
    }
}

pub(crate) fn point_key(id: &proto::PointId) -> Result<PointKey, Status> {
    use proto::point_id::PointIdOptions;
    match &id.point_id_options {
        Some(PointIdOptions::Num(n)) => Ok(PointKey::Num(*n)),
        Some(PointIdOptions::Uuid(s)) => uuid::Uuid::parse_str(s)
            .map(PointKey::Uuid)
            .map_err(|e| bad_input(format!("Unable to parse UUID: {s}: {e}"))),
        None => Err(bad_input("Empty point id")),
    }
}

pub(crate) fn point_keys(ids: &[proto::PointId]) -> Result<Vec<PointKey>, Status> {
    ids.iter().map(point_key).collect()
}

/// The payload a selector asks for (`None` means none, as Qdrant's default
/// for most reads is no payload). Include and exclude keys are payload
/// paths: `a.b` selects inside objects, `a[].b` inside the elements of an
/// array; a key that is not a path selects nothing.
pub(crate) fn select_payload(
    point: &StoredPoint,
    selector: Option<&proto::WithPayloadSelector>,
) -> HashMap<String, proto::Value> {
    use proto::with_payload_selector::SelectorOptions;
    let paths =
        |keys: &[String]| -> Vec<JsonPath> { keys.iter().filter_map(|k| JsonPath::parse(k)).collect() };
    match selector.and_then(|s| s.selector_options.as_ref()) {
        None | Some(SelectorOptions::Enable(false)) => HashMap::new(),
        Some(SelectorOptions::Enable(true)) => point.payload.clone(),
        Some(SelectorOptions::Include(inc)) => path::include(&point.payload, &paths(&inc.fields)),
        Some(SelectorOptions::Exclude(exc)) => path::exclude(&point.payload, &paths(&exc.fields)),
    }
}

/// Checks a payload selector as Qdrant does before it reads: every include
/// and exclude key is a payload path.
pub(crate) fn check_payload_selector(selector: Option<&proto::WithPayloadSelector>) -> Result<(), Status> {
    use proto::with_payload_selector::SelectorOptions;
    let keys = match selector.and_then(|s| s.selector_options.as_ref()) {
        Some(SelectorOptions::Include(inc)) => &inc.fields,
        Some(SelectorOptions::Exclude(exc)) => &exc.fields,
        _ => return Ok(()),
    };
    keys.iter()
        .try_for_each(|k| super::filter::parse_path(k).map(drop))
}

/// Checks a vector selector against the collection: Qdrant refuses a name
/// it does not have.
pub(crate) fn check_vector_selector(
    collection: &Collection,
    selector: Option<&proto::WithVectorsSelector>,
) -> Result<(), Status> {
    use proto::with_vectors_selector::SelectorOptions;
    if let Some(SelectorOptions::Include(names)) = selector.and_then(|s| s.selector_options.as_ref())
        && let Some(name) = names.names.iter().find(|n| collection.vector_kind(n).is_none())
    {
        return Err(bad_input(format!(
            "Not existing vector name error: {}",
            quoted(name)
        )));
    }
    Ok(())
}

fn vector_output(v: &StoredVector) -> proto::VectorOutput {
    use proto::vector_output::Vector as V;
    let vector = match v {
        StoredVector::Dense(d) => V::Dense(proto::DenseVector { data: d.clone() }),
        StoredVector::Sparse { indices, values } => V::Sparse(proto::SparseVector {
            indices: indices.clone(),
            values: values.clone(),
        }),
        StoredVector::Multi(rows) => V::MultiDense(proto::MultiDenseVector {
            vectors: rows
                .iter()
                .map(|r| proto::DenseVector { data: r.clone() })
                .collect(),
        }),
    };
    proto::VectorOutput {
        vector: Some(vector),
        ..Default::default()
    }
}

/// The vectors a selector asks for; `None` when none are asked for.
pub(crate) fn select_vectors(
    point: &StoredPoint,
    selector: Option<&proto::WithVectorsSelector>,
) -> Option<proto::VectorsOutput> {
    use proto::vectors_output::VectorsOptions;
    use proto::with_vectors_selector::SelectorOptions;
    let wanted: Box<dyn Fn(&str) -> bool> = match selector.and_then(|s| s.selector_options.as_ref()) {
        None | Some(SelectorOptions::Enable(false)) => return None,
        Some(SelectorOptions::Enable(true)) => Box::new(|_| true),
        Some(SelectorOptions::Include(names)) => {
            let names = names.names.clone();
            Box::new(move |n| names.iter().any(|x| x == n))
        }
    };
    // A point of a collection with one unnamed vector returns that vector bare.
    if point.vectors.len() == 1
        && let Some(v) = point.vectors.get("")
    {
        return wanted("").then(|| proto::VectorsOutput {
            vectors_options: Some(VectorsOptions::Vector(vector_output(v))),
        });
    }
    let vectors = point
        .vectors
        .iter()
        .filter(|(n, _)| wanted(n))
        .map(|(n, v)| (n.clone(), vector_output(v)))
        .collect();
    Some(proto::VectorsOutput {
        vectors_options: Some(VectorsOptions::Vectors(proto::NamedVectorsOutput { vectors })),
    })
}

pub(crate) fn retrieved(
    key: &PointKey,
    point: &StoredPoint,
    with_payload: Option<&proto::WithPayloadSelector>,
    with_vectors: Option<&proto::WithVectorsSelector>,
) -> proto::RetrievedPoint {
    proto::RetrievedPoint {
        id: Some(point_id(key)),
        payload: select_payload(point, with_payload),
        vectors: select_vectors(point, with_vectors),
        shard_key: None,
        order_value: None,
    }
}
