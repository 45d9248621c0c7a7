//! Point writes: upsert, delete, vectors, payloads, indexes, batches, scroll.

use futures_util::TryStreamExt;
use qdrant_async::{
    Condition, Distance, FieldType, Filter, PayloadIndexParams, PayloadSchemaType, Point, PointId,
    PointVectors, PointsUpdateOperation, SparseVector, TokenizerType, UpdateStatus, Value, Vector,
    VectorCreationConfig, VectorParams, Vectors, VectorsConfig,
};
use serde_json::json;

use crate::common::Ctx;

async fn with_points(test: &str, n: u64) -> anyhow::Result<Ctx> {
    let ctx = Ctx::new(test).await?;
    ctx.client
        .create_collection(&ctx.collection, VectorParams::new(2, Distance::Dot))
        .await?;
    let points = (1..=n).map(|i| Point::new(i, [i as f32, 1.0]).payload(json!({"n": i, "even": i % 2 == 0})));
    ctx.client.upsert(&ctx.collection, points).await?;
    Ok(ctx)
}

async fn ids(ctx: &Ctx) -> anyhow::Result<Vec<u64>> {
    let records: Vec<_> = ctx
        .client
        .scroll(&ctx.collection)
        .limit(1000)
        .stream()
        .try_collect()
        .await?;
    Ok(records.iter().filter_map(|r| r.id.as_u64()).collect())
}

#[tokio::test]
async fn upsert_reports_completion() -> anyhow::Result<()> {
    let ctx = Ctx::new("upsert_result").await?;
    ctx.client
        .create_collection(&ctx.collection, VectorParams::new(2, Distance::Dot))
        .await?;
    let result = ctx
        .client
        .upsert(&ctx.collection, [Point::new(1, [1.0, 0.0])])
        .wait(true)
        .await?;
    assert_eq!(result.status, UpdateStatus::Completed);
    ctx.cleanup().await
}

#[tokio::test]
async fn delete_by_ids_and_by_filter() -> anyhow::Result<()> {
    let ctx = with_points("delete", 6).await?;
    let c = &ctx.collection;
    ctx.client.delete(c, [1, 2]).await?;
    assert_eq!(ids(&ctx).await?, [3, 4, 5, 6]);
    ctx.client
        .delete(c, Filter::must([Condition::matches("even", true)]))
        .await?;
    assert_eq!(ids(&ctx).await?, [3, 5]);
    ctx.cleanup().await
}

#[tokio::test]
async fn retrieve_selects_payload_and_vectors() -> anyhow::Result<()> {
    let ctx = with_points("retrieve", 3).await?;
    let got = ctx
        .client
        .retrieve(&ctx.collection, [2, 3, 42])
        .with_payload(["n"])
        .with_vectors(true)
        .await?;
    assert_eq!(got.len(), 2);
    let two = got.iter().find(|r| r.id == PointId::from(2)).expect("point 2");
    assert_eq!(two.payload.get("n"), Some(&Value::Integer(2)));
    assert_eq!(two.payload.get("even"), None);
    assert_eq!(
        two.vectors
            .as_ref()
            .and_then(|v| v.get(""))
            .and_then(Vector::as_dense),
        Some(&[2.0, 1.0][..])
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn update_and_delete_named_vectors() -> anyhow::Result<()> {
    let ctx = Ctx::new("vectors").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(
            c,
            VectorsConfig::named([
                ("a", VectorParams::new(2, Distance::Dot)),
                ("b", VectorParams::new(2, Distance::Dot)),
            ]),
        )
        .await?;
    let both = Vectors::named([
        ("a", Vector::from(vec![1.0, 0.0])),
        ("b", Vector::from(vec![0.0, 1.0])),
    ]);
    ctx.client.upsert(c, [Point::new(1, both)]).await?;
    ctx.client
        .update_vectors(
            c,
            [PointVectors::new(
                1,
                Vectors::named([("a", Vector::from(vec![5.0, 5.0]))]),
            )],
        )
        .await?;
    let got = ctx.client.retrieve(c, [1]).with_vectors(true).await?;
    let v = got[0].vectors.as_ref().expect("vectors");
    assert_eq!(v.get("a").and_then(Vector::as_dense), Some(&[5.0, 5.0][..]));
    assert_eq!(v.get("b").and_then(Vector::as_dense), Some(&[0.0, 1.0][..]));
    ctx.client.delete_vectors(c, ["b"], [1]).await?;
    let got = ctx.client.retrieve(c, [1]).with_vectors(true).await?;
    let v = got[0].vectors.as_ref().expect("vectors");
    assert!(v.get("b").is_none() && v.get("a").is_some());
    ctx.cleanup().await
}

#[tokio::test]
async fn payload_set_overwrite_delete_clear() -> anyhow::Result<()> {
    let ctx = with_points("payloads", 2).await?;
    let c = &ctx.collection;
    ctx.client.set_payload(c, json!({"color": "red"}), [1]).await?;
    ctx.client
        .set_payload(c, json!({"city": "Berlin"}), [1])
        .key("address")
        .await?;
    let p = &ctx.client.retrieve(c, [1]).await?[0].payload;
    assert_eq!(p.get("color"), Some(&Value::from("red")));
    assert_eq!(
        p.get("n"),
        Some(&Value::Integer(1)),
        "set_payload keeps other keys"
    );
    let address = p
        .get("address")
        .and_then(Value::as_object)
        .expect("nested object");
    assert_eq!(address.get("city"), Some(&Value::from("Berlin")));

    ctx.client.delete_payload(c, ["color"], [1]).await?;
    assert!(
        ctx.client.retrieve(c, [1]).await?[0]
            .payload
            .get("color")
            .is_none()
    );

    ctx.client.overwrite_payload(c, json!({"only": 1}), [1]).await?;
    let p = &ctx.client.retrieve(c, [1]).await?[0].payload;
    assert_eq!(p.len(), 1);

    ctx.client.clear_payload(c, [1, 2]).await?;
    assert!(
        ctx.client
            .retrieve(c, [1, 2])
            .await?
            .iter()
            .all(|r| r.payload.is_empty())
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn payload_indexes_show_in_collection_info() -> anyhow::Result<()> {
    let ctx = with_points("indexes", 3).await?;
    let c = &ctx.collection;
    ctx.client
        .create_payload_index(c, "n", FieldType::Integer)
        .await?;
    ctx.client
        .create_payload_index(c, "title", FieldType::Text)
        .field_index_params(PayloadIndexParams::text(TokenizerType::Word))
        .await?;
    let info = ctx.client.get_collection(c).await?;
    assert_eq!(
        info.payload_schema.get("n").map(|s| s.data_type),
        Some(PayloadSchemaType::Integer)
    );
    assert_eq!(
        info.payload_schema.get("title").map(|s| s.data_type),
        Some(PayloadSchemaType::Text)
    );
    ctx.client.delete_payload_index(c, "n").await?;
    let info = ctx.client.get_collection(c).await?;
    assert!(!info.payload_schema.contains_key("n"));
    ctx.cleanup().await
}

#[tokio::test]
async fn create_and_delete_vector_names() -> anyhow::Result<()> {
    let ctx = Ctx::new("vector_names").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(
            c,
            VectorsConfig::named([("a", VectorParams::new(2, Distance::Dot))]),
        )
        .await?;
    // Qdrant 1.18 and 1.19 accept it already, although the RPC came to the
    // published protocol with 1.20.
    ctx.client
        .create_vector_name(c, "b", VectorCreationConfig::dense(3, Distance::Cosine))
        .await?;
    let info = ctx.client.get_collection(c).await?;
    assert_eq!(info.config.params.vectors.get("b").map(|p| p.size), Some(3));
    ctx.client.delete_vector_name(c, "b").await?;
    let info = ctx.client.get_collection(c).await?;
    assert!(info.config.params.vectors.get("b").is_none());
    ctx.cleanup().await
}

#[tokio::test]
async fn batch_update_applies_operations_in_order() -> anyhow::Result<()> {
    let ctx = with_points("batch", 3).await?;
    let c = &ctx.collection;
    let results = ctx
        .client
        .batch_update_points(
            c,
            [
                PointsUpdateOperation::upsert([Point::new(10, [1.0, 1.0])]),
                PointsUpdateOperation::set_payload(json!({"tag": "x"}), [10]),
                PointsUpdateOperation::delete_payload(["n"], [1]),
                PointsUpdateOperation::delete([2]),
                PointsUpdateOperation::clear_payload([3]),
                PointsUpdateOperation::overwrite_payload(json!({"o": 1}), [3]),
                PointsUpdateOperation::update_vectors([PointVectors::new(1, [9.0, 9.0])]),
            ],
        )
        .await?;
    assert_eq!(results.len(), 7);
    assert_eq!(ids(&ctx).await?, [1, 3, 10]);
    let got = ctx.client.retrieve(c, [1, 3, 10]).with_vectors(true).await?;
    let by = |id: u64| got.iter().find(|r| r.id == PointId::from(id)).expect("point");
    assert_eq!(by(10).payload.get("tag"), Some(&Value::from("x")));
    assert!(by(1).payload.get("n").is_none());
    assert_eq!(by(3).payload.get("o"), Some(&Value::Integer(1)));
    assert_eq!(
        by(1)
            .vectors
            .as_ref()
            .and_then(|v| v.get(""))
            .and_then(Vector::as_dense),
        Some(&[9.0, 9.0][..])
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn scroll_pages_and_streams_each_point_once() -> anyhow::Result<()> {
    let ctx = with_points("scroll", 25).await?;
    let c = &ctx.collection;
    let first = ctx.client.scroll(c).limit(10).await?;
    assert_eq!(first.points.len(), 10);
    assert_eq!(first.next_page_offset, Some(PointId::from(11)));
    let second = ctx.client.scroll(c).limit(10).offset(11).await?;
    assert_eq!(
        second.points.first().map(|r| r.id.clone()),
        Some(PointId::from(11))
    );
    let all = ids(&ctx).await?;
    assert_eq!(all, (1..=25).collect::<Vec<_>>());
    let even: Vec<_> = ctx
        .client
        .scroll(c)
        .filter(Filter::must([Condition::matches("even", true)]))
        .limit(4)
        .stream()
        .try_collect()
        .await?;
    assert_eq!(even.len(), 12);
    ctx.cleanup().await
}

#[tokio::test]
async fn count_with_and_without_filter() -> anyhow::Result<()> {
    let ctx = with_points("count", 9).await?;
    assert_eq!(ctx.client.count(&ctx.collection).await?, 9);
    let even = ctx
        .client
        .count(&ctx.collection)
        .filter(Filter::must([Condition::matches("even", true)]))
        .await?;
    assert_eq!(even, 4);
    ctx.cleanup().await
}

#[tokio::test]
async fn sparse_vectors_are_stored_and_returned() -> anyhow::Result<()> {
    let ctx = Ctx::new("sparse_store").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorsConfig::named(Vec::<(String, VectorParams)>::new()))
        .sparse_vector("kw", qdrant_async::SparseVectorParams::new())
        .await?;
    ctx.client
        .upsert(
            c,
            [Point::new(
                1,
                Vectors::named([("kw", SparseVector::new([7, 3], [0.5, 1.0]).into())]),
            )],
        )
        .await?;
    let got = ctx.client.retrieve(c, [1]).with_vectors(true).await?;
    let kw = got[0]
        .vectors
        .as_ref()
        .and_then(|v| v.get("kw"))
        .and_then(Vector::as_sparse)
        .expect("sparse");
    // Stored sorted by index.
    assert_eq!(kw.indices, [3, 7]);
    assert_eq!(kw.values, [1.0, 0.5]);
    ctx.cleanup().await
}
