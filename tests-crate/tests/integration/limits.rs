//! Extreme but well-formed requests: the largest limits, limit 0, strings
//! that are not ASCII where dates are expected, deep nesting. The server
//! answers each as Qdrant does, and never falls over.

use std::time::Duration;

use futures_util::StreamExt;
use qdrant_async::proto;
use qdrant_async::{
    Code, Condition, DatetimeRange, Distance, Error, Expression, Filter, Point, Prefetch, Query, VectorParams,
};

use crate::common::Ctx;

/// A collection of three points with 2-dimensional vectors and a datetime
/// payload: one valid, two that are not dates and not ASCII.
async fn three_points(ctx: &Ctx) -> anyhow::Result<()> {
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    ctx.client
        .upsert(
            c,
            [
                Point::new(1, [0.1, 0.2]).payload(serde_json::json!({"d": "2024-01-01T00:00:00Z"})),
                Point::new(2, [0.3, 0.2])
                    .payload(serde_json::json!({"d": "2024-01-0\u{e9}\u{e9}\u{e9}00:00Z"})),
                Point::new(3, [0.5, 0.1])
                    .payload(serde_json::json!({"d": "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}"})),
            ],
        )
        .wait(true)
        .await?;
    Ok(())
}

fn assert_limit_refused(err: &Error) {
    assert_eq!(err.code(), Some(Code::InvalidArgument), "{err:?}");
    assert!(
        err.to_string()
            .contains("limit: value 0 invalid, must be 1 or larger"),
        "{err}"
    );
}

#[tokio::test]
async fn scroll_with_the_largest_limit_returns_every_point() -> anyhow::Result<()> {
    let ctx = Ctx::new("scroll_max_limit").await?;
    three_points(&ctx).await?;
    let too_many = ctx
        .client
        .scroll(&ctx.collection)
        .limit(u64::from(u32::MAX) + 1)
        .await;
    assert!(
        matches!(&too_many, Err(e) if e.kind() == qdrant_async::ErrorKind::InvalidArgument && e.argument() == Some("limit")),
        "a scroll limit above u32::MAX is refused before sending: {too_many:?}"
    );
    let page = ctx
        .client
        .scroll(&ctx.collection)
        .limit(u64::from(u32::MAX))
        .await;
    if crate::common::on_cluster() {
        // Qdrant 1.19 in distributed mode asks its shards for one point
        // more than the limit, which wraps to 0.
        let err = page.unwrap_err();
        assert_eq!(err.code(), Some(qdrant_async::Code::InvalidArgument), "{err}");
        assert!(err.to_string().contains("Limit cannot be 0"), "{err}");
    } else {
        let page = page?;
        assert_eq!(page.points.len(), 3);
        assert_eq!(page.next_page_offset, None);
    }
    let hits = ctx
        .client
        .query_points(&ctx.collection, [0.1, 0.2])
        .limit(u64::MAX)
        .await?;
    assert_eq!(hits.len(), 3);
    let past_the_end = ctx
        .client
        .query_points(&ctx.collection, [0.1, 0.2])
        .limit(u64::MAX)
        .offset(u64::MAX)
        .await?;
    assert!(past_the_end.is_empty());
    ctx.cleanup().await
}

#[tokio::test]
async fn scroll_and_query_refuse_limit_zero() -> anyhow::Result<()> {
    let ctx = Ctx::new("limit_zero").await?;
    three_points(&ctx).await?;
    let c = &ctx.collection;
    assert_limit_refused(&ctx.client.scroll(c).limit(0).await.unwrap_err());
    let err = ctx.client.query_points(c, [0.1, 0.2]).limit(0).await.unwrap_err();
    assert_limit_refused(&err);
    let err = ctx
        .client
        .query_points(c, [0.1, 0.2])
        .prefetch(Prefetch::new([0.1, 0.2]).limit(0))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("prefetch[0].limit: value 0 invalid"),
        "{err}"
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn scroll_stream_with_limit_zero_ends_with_the_error() -> anyhow::Result<()> {
    let ctx = Ctx::new("limit_zero_stream").await?;
    three_points(&ctx).await?;
    let items: Vec<_> = tokio::time::timeout(
        Duration::from_secs(10),
        ctx.client.scroll(&ctx.collection).limit(0).stream().collect(),
    )
    .await?;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_limit_refused(items[0].as_ref().unwrap_err());
    let all: Vec<_> = ctx
        .client
        .scroll(&ctx.collection)
        .limit(1)
        .stream()
        .collect()
        .await;
    assert_eq!(all.len(), 3);
    ctx.cleanup().await
}

#[tokio::test]
async fn datetimes_that_are_not_ascii_match_nothing() -> anyhow::Result<()> {
    let ctx = Ctx::new("datetime_not_ascii").await?;
    three_points(&ctx).await?;
    let since_1970 = DatetimeRange::new().gt(std::time::UNIX_EPOCH);
    let n = ctx
        .client
        .count(&ctx.collection)
        .filter(Filter::must([Condition::datetime_range("d", since_1970)]))
        .exact(true)
        .await?;
    assert_eq!(n, 1);
    ctx.cleanup().await
}

#[tokio::test]
async fn formula_datetime_that_is_not_ascii_is_invalid_argument() -> anyhow::Result<()> {
    let ctx = Ctx::new("formula_not_ascii").await?;
    three_points(&ctx).await?;
    for date in [
        "2024-01-0\u{e9}\u{e9}00:00",
        "\u{1F980}\u{1F980}\u{1F980}",
        "2024-99-01",
    ] {
        let err = ctx
            .client
            .query_points(&ctx.collection, Query::formula(Expression::datetime(date)))
            .prefetch(Prefetch::new([0.1, 0.2]))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(Code::InvalidArgument), "{date}: {err:?}");
    }
    // A payload value that is not a date does not stop the others.
    let hits = ctx
        .client
        .query_points(
            &ctx.collection,
            Query::formula(Expression::datetime("2024-01-01")),
        )
        .prefetch(Prefetch::new([0.1, 0.2]))
        .await?;
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h.score == 1_704_067_200.0), "{hits:?}");
    ctx.cleanup().await
}

fn nested_prefetch(levels: usize) -> proto::PrefetchQuery {
    let nearest = || proto::Query {
        variant: Some(proto::query::Variant::Nearest(proto::VectorInput {
            variant: Some(proto::vector_input::Variant::Dense(proto::DenseVector {
                data: vec![0.1, 0.2],
            })),
        })),
    };
    let mut p = proto::PrefetchQuery {
        query: Some(nearest()),
        ..Default::default()
    };
    for _ in 1..levels {
        p = proto::PrefetchQuery {
            prefetch: vec![p],
            query: Some(nearest()),
            ..Default::default()
        };
    }
    p
}

#[tokio::test]
async fn prefetches_nest_at_most_64_deep() -> anyhow::Result<()> {
    let ctx = Ctx::new("deep_prefetch").await?;
    three_points(&ctx).await?;
    let query = |levels: usize| proto::QueryPoints {
        collection_name: ctx.collection.clone(),
        prefetch: vec![nested_prefetch(levels)],
        query: nested_prefetch(1).query,
        ..Default::default()
    };
    let mut raw = ctx.client.raw();
    let ok = raw.points.query(query(64)).await?.into_inner();
    assert_eq!(ok.result.len(), 3);
    let err = raw.points.query(query(65)).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().contains("prefetches depth 65 exceeds max depth 64"),
        "{}",
        err.message()
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn deeply_nested_filters_are_evaluated() -> anyhow::Result<()> {
    let ctx = Ctx::new("deep_filter").await?;
    three_points(&ctx).await?;
    let mut filter = Filter::must([Condition::has_id([1, 3])]);
    for _ in 0..40 {
        filter = Filter::must([Condition::filter(filter)]);
    }
    let n = ctx
        .client
        .count(&ctx.collection)
        .filter(filter)
        .exact(true)
        .await?;
    assert_eq!(n, 2);
    ctx.cleanup().await
}

#[tokio::test]
async fn mmr_candidates_beyond_qdrants_bound_are_refused() -> anyhow::Result<()> {
    let ctx = Ctx::new("mmr_bound").await?;
    three_points(&ctx).await?;
    let err = ctx
        .client
        .query_points(
            &ctx.collection,
            Query::nearest_with_mmr([0.1, 0.2], Some(0.5), Some(20_000)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(Code::InvalidArgument), "{err:?}");
    assert!(
        err.to_string()
            .contains("candidates_limit: value 20000 invalid, must be 16384 or smaller"),
        "{err}"
    );
    let picked = ctx
        .client
        .query_points(
            &ctx.collection,
            Query::nearest_with_mmr([0.1, 0.2], Some(0.5), Some(16_384)),
        )
        .limit(2)
        .await?;
    assert_eq!(picked.len(), 2);
    ctx.cleanup().await
}
