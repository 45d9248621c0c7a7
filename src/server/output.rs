//! Converting stored points to what responses carry: ids, the selected
//! payload, the selected vectors.

use std::collections::HashMap;

use tonic::Status;

use super::store::{PointKey, StoredPoint, StoredVector, bad_input};
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
/// for most reads is no payload).
pub(crate) fn select_payload(
    point: &StoredPoint,
    selector: Option<&proto::WithPayloadSelector>,
) -> HashMap<String, proto::Value> {
    use proto::with_payload_selector::SelectorOptions;
    match selector.and_then(|s| s.selector_options.as_ref()) {
        None | Some(SelectorOptions::Enable(false)) => HashMap::new(),
        Some(SelectorOptions::Enable(true)) => point.payload.clone(),
        Some(SelectorOptions::Include(inc)) => {
            let mut out = HashMap::new();
            for field in &inc.fields {
                let top = field.split(['.', '[']).next().unwrap_or(field);
                if let Some(v) = point.payload.get(top) {
                    if top == field {
                        out.insert(top.to_owned(), v.clone());
                    } else if let Some(inner) = project(v, &field[top.len()..]) {
                        merge(&mut out, top, inner);
                    }
                }
            }
            out
        }
        Some(SelectorOptions::Exclude(exc)) => {
            let mut out = point.payload.clone();
            for field in &exc.fields {
                out.remove(field);
            }
            out
        }
    }
}

/// The part of `value` under a nested path (`.b.c`), as an object chain.
fn project(value: &proto::Value, rest: &str) -> Option<proto::Value> {
    use proto::value::Kind;
    let rest = rest.strip_prefix('.')?;
    let (head, tail) = match rest.find('.') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let Some(Kind::StructValue(s)) = &value.kind else {
        return None;
    };
    let inner = s.fields.get(head)?;
    let projected = if tail.is_empty() {
        inner.clone()
    } else {
        project(inner, tail)?
    };
    Some(proto::Value {
        kind: Some(Kind::StructValue(proto::Struct {
            fields: HashMap::from([(head.to_owned(), projected)]),
        })),
    })
}

fn merge(out: &mut HashMap<String, proto::Value>, key: &str, value: proto::Value) {
    use proto::value::Kind;
    match (out.get_mut(key), value.kind) {
        (
            Some(proto::Value {
                kind: Some(Kind::StructValue(a)),
            }),
            Some(Kind::StructValue(b)),
        ) => {
            for (k, v) in b.fields {
                merge(&mut a.fields, &k, v);
            }
        }
        (_, kind) => {
            out.insert(key.to_owned(), proto::Value { kind });
        }
    }
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
