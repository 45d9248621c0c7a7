//! Write options of protocol 1.20 and answers that carry their ordering
//! value: the same expectations against the embedded server and a real
//! Qdrant.

use qdrant_async::{
    Distance, FieldType, OrderValue, Point, PointsUpdateOperation, Query, UpdateMode, VectorParams,
};
use serde_json::json;

use crate::common::Ctx;

#[tokio::test]
async fn an_empty_upsert_is_refused_before_sending_and_an_empty_upload_sends_nothing() -> anyhow::Result<()> {
    let ctx = Ctx::new("empty_upsert").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    let err = ctx.client.upsert(c, []).await.unwrap_err();
    assert!(err.argument() == Some("points"), "{err}");
    let summary = ctx.client.upload_points(c, []).await?;
    assert_eq!((summary.points, summary.batches), (0, 0));
    ctx.cleanup().await
}

#[tokio::test]
async fn update_mode_inserts_only_or_updates_only() -> anyhow::Result<()> {
    let ctx = Ctx::new("update_mode").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    let version = |n: i64| Point::new(1, [1.0, 0.0]).payload(json!({"v": n}));
    ctx.client.upsert(c, [version(1)]).await?;

    // Insert only: the existing point 1 stays, point 2 is added.
    ctx.client
        .upsert(c, [version(2), Point::new(2, [0.0, 1.0])])
        .update_mode(UpdateMode::InsertOnly)
        .await?;
    let v = |records: Vec<qdrant_async::Record>| records[0].payload.get("v").cloned();
    assert_eq!(v(ctx.client.retrieve(c, [1]).await?), Some(1.into()));
    assert_eq!(ctx.client.count(c).exact(true).await?, 2);

    // Update only: point 1 changes, point 3 is not added.
    ctx.client
        .upsert(c, [version(3), Point::new(3, [1.0, 1.0])])
        .update_mode(UpdateMode::UpdateOnly)
        .await?;
    assert_eq!(v(ctx.client.retrieve(c, [1]).await?), Some(3.into()));
    assert_eq!(ctx.client.count(c).exact(true).await?, 2);

    // The same through a batch and an upload.
    ctx.client
        .batch_update_points(
            c,
            [PointsUpdateOperation::upsert([version(4)]).update_mode(UpdateMode::InsertOnly)],
        )
        .await?;
    assert_eq!(v(ctx.client.retrieve(c, [1]).await?), Some(3.into()));
    ctx.client
        .upload_points(c, [version(5), Point::new(4, [0.5, 0.5])])
        .update_mode(UpdateMode::UpdateOnly)
        .wait(true)
        .await?;
    assert_eq!(v(ctx.client.retrieve(c, [1]).await?), Some(5.into()));
    assert_eq!(ctx.client.count(c).exact(true).await?, 2);
    ctx.cleanup().await
}

#[tokio::test]
async fn order_by_answers_carry_the_value_they_were_ordered_by() -> anyhow::Result<()> {
    let ctx = Ctx::new("order_value").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    ctx.client
        .create_payload_index(c, "rank", FieldType::Integer)
        .await?;
    ctx.client
        .create_payload_index(c, "weight", FieldType::Float)
        .await?;
    let points = (1..=3u64)
        .map(|i| Point::new(i, [i as f32, 1.0]).payload(json!({"rank": 10 * i, "weight": i as f64 / 2.0})));
    ctx.client.upsert(c, points).await?;

    let hits = ctx.client.query_points(c, Query::order_by("rank")).await?;
    let values: Vec<_> = hits.iter().map(|h| h.order_value).collect();
    assert_eq!(
        values,
        [
            Some(OrderValue::Int(10)),
            Some(OrderValue::Int(20)),
            Some(OrderValue::Int(30))
        ]
    );
    let page = ctx.client.scroll(c).order_by("weight").await?;
    let values: Vec<_> = page.points.iter().map(|r| r.order_value).collect();
    assert_eq!(
        values,
        [
            Some(OrderValue::Float(0.5)),
            Some(OrderValue::Float(1.0)),
            Some(OrderValue::Float(1.5))
        ]
    );
    // Without order_by there is none.
    let page = ctx.client.scroll(c).await?;
    assert!(page.points.iter().all(|r| r.order_value.is_none()));
    ctx.cleanup().await
}
