//! Facet counts: how many points hold each value of an indexed key.

use std::cmp::Ordering;
use std::collections::HashMap;

use tonic::Status;

use super::super::filter::CheckedFilter;
use super::super::store::{Store, bad_input};
use crate::proto;

pub(crate) async fn facet(store: &Store, req: proto::FacetCounts) -> Result<proto::FacetResponse, Status> {
    let start = std::time::Instant::now();
    super::super::validate::facet(&req)?;
    let shared = store.resolve(&req.collection_name).await?;
    let col = shared.read().await;
    let schema = col.payload_schema.get(&req.key);
    let indexed = schema.is_some_and(|s| {
        [
            proto::PayloadSchemaType::Keyword,
            proto::PayloadSchemaType::Integer,
            proto::PayloadSchemaType::Bool,
            proto::PayloadSchemaType::Uuid,
        ]
        .iter()
        .any(|t| s.data_type == *t as i32)
    });
    if !indexed {
        return Err(bad_input(format!(
            "No appropriate index for faceting: `{}`. Please create one to facet on this field. \
             Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Match conditions",
            req.key
        )));
    }
    let filter = CheckedFilter::optional(req.filter.as_ref())?.map(|f| f.indexed(&col.payload_schema));
    let mut counts: HashMap<proto::facet_value::Variant, u64> = HashMap::new();
    // Qdrant counts the distinct values its index holds for each point.
    for (k, p) in &col.points {
        if filter.is_some_and(|f| !f.matches(k, p)) {
            continue;
        }
        for value in schema
            .map(|s| super::super::filter::facet_values(s, &req.key, &p.payload))
            .unwrap_or_default()
        {
            *counts.entry(value).or_default() += 1;
        }
    }
    let hits = ranked(counts, req.limit.unwrap_or(10) as usize);
    Ok(proto::FacetResponse {
        hits: hits
            .into_iter()
            .map(|(v, count)| proto::FacetHit {
                value: Some(proto::FacetValue { variant: Some(v) }),
                count,
            })
            .collect(),
        time: start.elapsed().as_secs_f64(),
        usage: None,
    })
}

/// The `limit` most frequent values, most frequent first; equal counts by
/// value.
pub(super) fn ranked(
    counts: HashMap<proto::facet_value::Variant, u64>,
    limit: usize,
) -> Vec<(proto::facet_value::Variant, u64)> {
    let mut hits: Vec<(proto::facet_value::Variant, u64)> = counts.into_iter().collect();
    hits.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| facet_order(&a.0, &b.0)));
    hits.truncate(limit);
    hits
}

pub(super) fn facet_order(a: &proto::facet_value::Variant, b: &proto::facet_value::Variant) -> Ordering {
    use proto::facet_value::Variant as F;
    match (a, b) {
        (F::StringValue(x), F::StringValue(y)) => x.cmp(y),
        (F::IntegerValue(x), F::IntegerValue(y)) => x.cmp(y),
        (F::BoolValue(x), F::BoolValue(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::facet_value::Variant as F;

    #[test]
    fn most_frequent_first_then_by_value() {
        let counts = HashMap::from([
            (F::StringValue("b".into()), 2),
            (F::StringValue("a".into()), 2),
            (F::StringValue("c".into()), 5),
            (F::StringValue("d".into()), 1),
        ]);
        let hits = ranked(counts, 3);
        assert_eq!(
            hits,
            [
                (F::StringValue("c".into()), 5),
                (F::StringValue("a".into()), 2),
                (F::StringValue("b".into()), 2),
            ]
        );
        let ints = HashMap::from([(F::IntegerValue(7), 1), (F::IntegerValue(-3), 1)]);
        assert_eq!(ranked(ints, 10)[0], (F::IntegerValue(-3), 1));
        assert!(ranked(HashMap::from([(F::BoolValue(true), 1)]), 0).is_empty());
    }
}
