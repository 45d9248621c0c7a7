//! Write options of protocol 1.20 and answers that carry their ordering
//! value: the same expectations against the embedded server and a real
//! Qdrant.

use qdrant_async::{
    Client, Distance, ErrorKind, FieldType, OrderValue, Point, PointId, PointsUpdateOperation, Query,
    UpdateMode, UploadFailure, VectorParams,
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

#[tokio::test]
async fn an_upsert_above_the_message_limit_splits_only_when_asked_and_reports_each_part() -> anyhow::Result<()>
{
    let ctx = Ctx::new("split_upsert").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(4, Distance::Dot))
        .await?;
    // A limit that holds a few of these points per request.
    let small = Client::builder(&ctx.url)
        .max_encoding_message_size(400)
        .connect()
        .await?;
    let point = |i: u64| {
        // Point 15 has 3 dimensions where the collection has 4: the server
        // refuses the request that carries it.
        let vector = if i == 15 { vec![1.0; 3] } else { vec![i as f32; 4] };
        Point::new(i, vector).payload(json!({"n": i}))
    };
    let points = || (0..30u64).map(point);

    // Unsplit: refused before anything is sent.
    let err = small.upsert(c, points()).await.unwrap_err();
    assert!(
        err.kind() == ErrorKind::InvalidArgument
            && err.argument() == Some("points")
            && err.to_string().contains("split(true)"),
        "{err}"
    );
    assert_eq!(ctx.client.count(c).await?, 0);

    // Split: every part is sent; the one with point 15 fails, and the
    // report names exactly its points.
    let err = small.upsert(c, points()).split(true).await.unwrap_err();
    let Some(UploadFailure {
        not_written,
        unknown,
        summary,
        ..
    }) = err.upload_failure()
    else {
        panic!("expected an upload failure, got {err}");
    };
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<qdrant_async::Error>())
        .ok_or_else(|| anyhow::anyhow!("no source"))?;
    assert_eq!(
        source.code(),
        Some(qdrant_async::Code::InvalidArgument),
        "{source}"
    );
    assert!(unknown.is_empty(), "{unknown:?}");
    assert!(not_written.contains(&PointId::from(15)), "{not_written:?}: {err}");
    assert!(not_written.len() < 30, "only the failed part: {not_written:?}");
    assert_eq!(summary.points as usize + not_written.len(), 30);
    assert!(summary.batches >= 2, "{summary:?}");
    // The failed part is a run of consecutive ids around 15.
    let ids: Vec<u64> = not_written
        .iter()
        .map(|id| id.to_string().parse::<u64>())
        .collect::<Result<_, _>>()?;
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");

    // What the report says was written is there, and point 15 is not.
    let written: Vec<u64> = (0..30u64).filter(|i| !ids.contains(i)).collect();
    let records = ctx.client.retrieve(c, written.clone()).await?;
    assert_eq!(records.len(), written.len());
    assert!(ctx.client.retrieve(c, [15]).await?.is_empty());

    // Split but small enough for one request: a plain upsert, plain errors.
    let one = small.upsert(c, [point(15)]).split(true).await.unwrap_err();
    assert_eq!(one.code(), Some(qdrant_async::Code::InvalidArgument), "{one}");
    small.upsert(c, [point(16)]).split(true).await?;
    ctx.cleanup().await
}
