//! Reads and searches: query kinds, prefetch and fusion, groups, facets,
//! matrices, the legacy search APIs, and filter semantics.

#![allow(deprecated)]

use qdrant_async::{
    Condition, DatetimeRange, Direction, Distance, Expression, FacetValue, FieldType, Filter, Fusion,
    GeoPoint, GroupId, OrderBy, Point, PointId, Prefetch, Query, QueryRequest, Range, RecommendStrategy,
    SparseVector, ValuesCount, VectorParams, Vectors, VectorsConfig,
};
use serde_json::json;

use crate::common::Ctx;

/// Six points on the unit circle's first quadrant, with payloads for filters.
async fn fixture(test: &str) -> anyhow::Result<Ctx> {
    let ctx = Ctx::new(test).await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(
            c,
            VectorsConfig::named([("dense", VectorParams::new(2, Distance::Cosine))]),
        )
        .sparse_vector("sparse", qdrant_async::SparseVectorParams::new())
        .await?;
    let rows = [
        (
            1,
            [1.0, 0.0],
            json!({"color": "red", "price": 10, "tags": ["a", "b"], "group": "g1",
            "city": {"name": "Berlin", "geo": {"lon": 13.40, "lat": 52.52}}, "when": "2024-01-01T00:00:00Z"}),
        ),
        (
            2,
            [0.9, 0.1],
            json!({"color": "red", "price": 20, "tags": ["b"], "group": "g1", "empty": null,
            "items": [{"k": 1, "v": 2}, {"k": 3, "v": 4}], "when": "2024-06-01T00:00:00Z"}),
        ),
        (
            3,
            [0.7, 0.3],
            json!({"color": "blue", "price": 30.5, "tags": [], "group": "g2",
            "city": {"name": "Paris", "geo": {"lon": 2.35, "lat": 48.86}}}),
        ),
        (
            4,
            [0.5, 0.5],
            json!({"color": "green", "price": 40, "group": "g2", "items": [{"k": 1, "v": 4}]}),
        ),
        (
            5,
            [0.3, 0.7],
            json!({"color": ["red", "green"], "price": 50, "group": "g3", "text": "the quick brown fox"}),
        ),
        (
            6,
            [0.0, 1.0],
            json!({"price": 60, "group": "g3", "text": "lazy dogs sleep"}),
        ),
    ];
    let points = rows.into_iter().map(|(id, v, payload)| {
        let sparse = SparseVector::new([id as u32, 100], [1.0, 0.5]);
        Point::new(
            id,
            Vectors::named([("dense", v.into()), ("sparse", sparse.into())]),
        )
        .payload(payload)
    });
    ctx.client.upsert(c, points).await?;
    Ok(ctx)
}

/// Whether the server is a Qdrant release before `version` (major, minor).
fn older_than(ctx: &Ctx, version: (u32, u32)) -> bool {
    let mut parts = ctx.client.server_version().unwrap_or_default().split('.');
    let mut next = || parts.next().and_then(|p| p.parse::<u32>().ok());
    matches!((next(), next()), (Some(major), Some(minor)) if (major, minor) < version)
}

fn ids(hits: &[qdrant_async::ScoredPoint]) -> Vec<u64> {
    hits.iter().filter_map(|h| h.id.as_u64()).collect()
}

#[tokio::test]
async fn filter_semantics_table() -> anyhow::Result<()> {
    let ctx = fixture("filter_table").await?;
    let t = |y: i32, m: u32| {
        let days = (y - 1970) as u64 * 365 + u64::from(m) * 30;
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(days * 86_400)
    };
    let cases: Vec<(&str, Filter, Vec<u64>)> = vec![
        (
            "match keyword",
            Filter::must([Condition::matches("color", "red")]),
            vec![1, 2, 5],
        ),
        (
            "match any of an array",
            Filter::must([Condition::matches("tags", "b")]),
            vec![1, 2],
        ),
        (
            "must_not",
            Filter::must_not([Condition::matches("color", "red")]),
            vec![3, 4, 6],
        ),
        (
            "should",
            Filter::should([
                Condition::matches("color", "blue"),
                Condition::matches("color", "green"),
            ]),
            vec![3, 4, 5],
        ),
        (
            "min_should",
            Filter::min_should(
                2,
                [
                    Condition::matches("color", "red"),
                    Condition::matches("group", "g1"),
                    Condition::matches("price", 50),
                ],
            ),
            vec![1, 2, 5],
        ),
        (
            "match integer",
            Filter::must([Condition::matches("price", 20)]),
            vec![2],
        ),
        (
            "match any",
            Filter::must([Condition::matches_any("group", ["g1", "g3"])]),
            vec![1, 2, 5, 6],
        ),
        (
            "match except",
            Filter::must([Condition::matches_except("group", ["g1", "g3"])]),
            vec![3, 4],
        ),
        (
            "range",
            Filter::must([Condition::range("price", Range::new().gt(20.0).lte(40.0))]),
            vec![3, 4],
        ),
        (
            "nested path",
            Filter::must([Condition::matches("city.name", "Paris")]),
            vec![3],
        ),
        (
            "array path",
            Filter::must([Condition::matches("items[].k", 3)]),
            vec![2],
        ),
        (
            "nested same element",
            Filter::must([Condition::nested(
                "items",
                Filter::must([Condition::matches("k", 1), Condition::matches("v", 4)]),
            )]),
            vec![4],
        ),
        (
            "is_empty",
            Filter::must([Condition::is_empty("tags")]),
            vec![3, 4, 5, 6],
        ),
        ("is_null", Filter::must([Condition::is_null("empty")]), vec![2]),
        (
            "has_id",
            Filter::must([Condition::has_id([2u64, 4, 99])]),
            vec![2, 4],
        ),
        (
            "has_vector",
            Filter::must([Condition::has_vector("sparse")]),
            vec![1, 2, 3, 4, 5, 6],
        ),
        (
            "values_count",
            Filter::must([Condition::values_count("tags", ValuesCount::new().gte(2))]),
            vec![1],
        ),
        (
            "geo radius",
            Filter::must([Condition::geo_radius(
                "city.geo",
                GeoPoint::new(13.4, 52.5),
                10_000.0,
            )]),
            vec![1],
        ),
        (
            "geo box",
            Filter::must([Condition::geo_bounding_box(
                "city.geo",
                GeoPoint::new(0.0, 50.0),
                GeoPoint::new(5.0, 45.0),
            )]),
            vec![3],
        ),
        (
            "geo polygon",
            Filter::must([Condition::geo_polygon(
                "city.geo",
                [
                    GeoPoint::new(10.0, 50.0),
                    GeoPoint::new(15.0, 50.0),
                    GeoPoint::new(15.0, 55.0),
                    GeoPoint::new(10.0, 55.0),
                    GeoPoint::new(10.0, 50.0),
                ],
                [],
            )]),
            vec![1],
        ),
        (
            "datetime range",
            Filter::must([Condition::datetime_range(
                "when",
                DatetimeRange::new().gt(t(2024, 3)),
            )]),
            vec![2],
        ),
        (
            "text substring",
            Filter::must([Condition::matches_text("text", "quick")]),
            vec![5],
        ),
        (
            "sub-filter",
            Filter::must([Condition::filter(Filter::should([
                Condition::matches("price", 10),
                Condition::matches("price", 60),
            ]))]),
            vec![1, 6],
        ),
    ];
    for (name, filter, expected) in cases {
        let counted = ctx.client.count(&ctx.collection).filter(filter.clone()).await?;
        assert_eq!(counted, expected.len() as u64, "{name}: count");
        let hits = ctx
            .client
            .query_points(&ctx.collection, [1.0, 0.0])
            .using("dense")
            .filter(filter)
            .limit(100)
            .await?;
        let mut found = ids(&hits);
        found.sort_unstable();
        assert_eq!(found, expected, "{name}");
    }
    ctx.cleanup().await
}

#[tokio::test]
async fn an_unclosed_polygon_ring_is_refused() -> anyhow::Result<()> {
    let ctx = fixture("open_ring").await?;
    let open = Filter::must([Condition::geo_polygon(
        "city.geo",
        [
            GeoPoint::new(10.0, 50.0),
            GeoPoint::new(15.0, 50.0),
            GeoPoint::new(15.0, 55.0),
            GeoPoint::new(10.0, 55.0),
        ],
        [],
    )]);
    let answer = ctx
        .client
        .query_points(&ctx.collection, [1.0, 0.0])
        .using("dense")
        .filter(open)
        .await;
    // Qdrant checks that rings are closed since 1.19; 1.18 closes them itself.
    if older_than(&ctx, (1, 19)) {
        assert_eq!(ids(&answer?), [1]);
        return ctx.cleanup().await;
    }
    let err = answer.unwrap_err();
    assert_eq!(err.code(), Some(qdrant_async::Code::InvalidArgument), "{err}");
    assert!(
        err.to_string().contains(
            "filter.must[0].condition_one_of.geo_polygon.exterior: value invalid, \
             the first and the last points should be same to form a closed line"
        ),
        "{err}"
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn nearest_by_vector_and_by_id() -> anyhow::Result<()> {
    let ctx = fixture("nearest").await?;
    let c = &ctx.collection;
    let hits = ctx
        .client
        .query_points(c, [1.0, 0.0])
        .using("dense")
        .limit(3)
        .await?;
    assert_eq!(ids(&hits), [1, 2, 3]);
    // By id: the point itself is left out.
    let hits = ctx.client.query_points(c, 1).using("dense").limit(2).await?;
    assert_eq!(ids(&hits), [2, 3]);
    let sparse = ctx
        .client
        .query_points(c, SparseVector::new([3], [2.0]))
        .using("sparse")
        .await?;
    assert_eq!(ids(&sparse), [3]);
    assert!((sparse[0].score - 2.0).abs() < 1e-6);
    ctx.cleanup().await
}

#[tokio::test]
async fn recommend_discover_and_context() -> anyhow::Result<()> {
    let ctx = fixture("recommend").await?;
    let c = &ctx.collection;
    let rec = ctx
        .client
        .query_points(c, Query::recommend([1], [6]))
        .using("dense")
        .limit(2)
        .await?;
    assert_eq!(ids(&rec), [2, 3]);
    let best = ctx
        .client
        .query_points(
            c,
            Query::recommend([1], [6]).strategy(RecommendStrategy::BestScore),
        )
        .using("dense")
        .limit(2)
        .await?;
    assert_eq!(ids(&best), [2, 3]);
    let discovered = ctx
        .client
        .query_points(c, Query::discover(4, [(1, 6)]))
        .using("dense")
        .limit(2)
        .await?;
    assert!(!discovered.is_empty());
    assert!(!ids(&discovered).contains(&4));
    let context = ctx
        .client
        .query_points(c, Query::context([(2, 5)]))
        .using("dense")
        .limit(6)
        .await?;
    assert!(context.iter().all(|h| h.score <= 0.0));
    ctx.cleanup().await
}

#[tokio::test]
async fn order_by_needs_an_index() -> anyhow::Result<()> {
    let ctx = fixture("order_by").await?;
    let c = &ctx.collection;
    let err = ctx
        .client
        .query_points(c, Query::order_by("price"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(qdrant_async::Code::InvalidArgument), "{err}");
    ctx.client
        .create_payload_index(c, "price", FieldType::Float)
        .await?;
    let desc = ctx
        .client
        .query_points(
            c,
            Query::order_by(OrderBy::new("price").direction(Direction::Desc)),
        )
        .limit(3)
        .await?;
    assert_eq!(ids(&desc), [6, 5, 4]);
    let page = ctx.client.scroll(c).order_by("price").limit(2).await?;
    assert_eq!(
        page.points
            .iter()
            .filter_map(|r| r.id.as_u64())
            .collect::<Vec<_>>(),
        [1, 2]
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn prefetch_and_fusion() -> anyhow::Result<()> {
    let ctx = fixture("fusion").await?;
    let c = &ctx.collection;
    let rrf = ctx
        .client
        .query_points(c, Fusion::Rrf)
        .prefetch(Prefetch::new([1.0, 0.0]).using("dense").limit(3))
        .prefetch(
            Prefetch::new(SparseVector::new([2], [1.0]))
                .using("sparse")
                .limit(3),
        )
        .limit(3)
        .await?;
    // Point 2 is in both lists: first by RRF.
    assert_eq!(rrf.first().and_then(|h| h.id.as_u64()), Some(2));
    assert!(rrf.windows(2).all(|w| w[0].score >= w[1].score));
    let dbsf = ctx
        .client
        .query_points(c, Fusion::Dbsf)
        .prefetch(Prefetch::new([1.0, 0.0]).using("dense").limit(3))
        .prefetch(Prefetch::new([0.0, 1.0]).using("dense").limit(3))
        .await?;
    assert!(!dbsf.is_empty());
    // Re-scoring a prefetch by another vector.
    let rescored = ctx
        .client
        .query_points(c, [0.0, 1.0])
        .using("dense")
        .prefetch(Prefetch::new([1.0, 0.0]).using("dense").limit(2))
        .await?;
    if crate::common::on_cluster() {
        // Each shard runs the whole query on its own points, so the
        // prefetch's limit holds per shard: its 2 best of every shard are
        // rescored and merged.
        let found = ids(&rescored);
        let rank = |id: u64| found.iter().position(|&x| x == id);
        assert!(rank(2) < rank(1) && rank(1).is_some(), "{found:?}");
        assert!(rescored.windows(2).all(|w| w[0].score >= w[1].score));
    } else {
        assert_eq!(ids(&rescored), [2, 1]);
    }
    ctx.cleanup().await
}

#[tokio::test]
async fn formula_sample_and_mmr() -> anyhow::Result<()> {
    let ctx = fixture("formula").await?;
    let c = &ctx.collection;
    let boosted = ctx
        .client
        .query_points(
            c,
            Expression::sum([
                Expression::variable("$score"),
                Expression::mult([
                    Expression::constant(10.0),
                    Expression::condition(Condition::matches("color", "blue")),
                ]),
            ]),
        )
        .prefetch(Prefetch::new([1.0, 0.0]).using("dense").limit(6))
        .limit(1)
        .await?;
    assert_eq!(ids(&boosted), [3]);
    assert!(boosted[0].score > 10.0);
    let sample = ctx
        .client
        .query_points(c, Query::sample_random())
        .limit(6)
        .await?;
    let mut got = ids(&sample);
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3, 4, 5, 6]);
    let mmr = ctx
        .client
        .query_points(c, Query::nearest_with_mmr([1.0, 0.0], Some(0.9), Some(6)))
        .using("dense")
        .limit(2)
        .await?;
    assert_eq!(mmr.len(), 2);
    assert_eq!(mmr[0].id, PointId::from(1));
    ctx.cleanup().await
}

#[tokio::test]
async fn query_batch_and_groups() -> anyhow::Result<()> {
    let ctx = fixture("batch_groups").await?;
    let c = &ctx.collection;
    let batch = ctx
        .client
        .query_batch_points(
            c,
            [
                QueryRequest::new([1.0, 0.0]).using("dense").limit(1),
                QueryRequest::new([0.0, 1.0]).using("dense").limit(1),
            ],
        )
        .await?;
    assert_eq!(
        batch.iter().map(|r| ids(r)).collect::<Vec<_>>(),
        [vec![1], vec![6]]
    );
    let groups = ctx
        .client
        .query_points_groups(c, "group", [1.0, 0.0])
        .using("dense")
        .group_size(2)
        .limit(2)
        .await?;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].id, GroupId::String("g1".into()));
    assert_eq!(ids(&groups[0].hits), [1, 2]);
    ctx.cleanup().await
}

#[tokio::test]
async fn facet_counts_need_an_index() -> anyhow::Result<()> {
    let ctx = fixture("facet").await?;
    let c = &ctx.collection;
    assert!(ctx.client.facet(c, "group").await.is_err());
    ctx.client
        .create_payload_index(c, "group", FieldType::Keyword)
        .await?;
    let hits = ctx.client.facet(c, "group").exact(true).await?;
    let counts: Vec<(FacetValue, u64)> = hits.into_iter().map(|h| (h.value, h.count)).collect();
    assert_eq!(
        counts,
        [
            (FacetValue::String("g1".into()), 2),
            (FacetValue::String("g2".into()), 2),
            (FacetValue::String("g3".into()), 2)
        ]
    );
    let red = ctx
        .client
        .facet(c, "group")
        .filter(Filter::must([Condition::matches("color", "red")]))
        .exact(true)
        .await?;
    assert_eq!(red[0].value, FacetValue::String("g1".into()));
    assert_eq!(red[0].count, 2);
    ctx.cleanup().await
}

#[tokio::test]
async fn search_matrices() -> anyhow::Result<()> {
    let ctx = fixture("matrix").await?;
    let c = &ctx.collection;
    let pairs = ctx
        .client
        .search_matrix_pairs(c)
        .using("dense")
        .sample(6)
        .limit(1)
        .await?;
    assert_eq!(pairs.len(), 6);
    assert!(pairs.iter().all(|p| p.a != p.b));
    let offsets = ctx
        .client
        .search_matrix_offsets(c)
        .using("dense")
        .sample(6)
        .limit(2)
        .await?;
    assert_eq!(offsets.ids.len(), 6);
    assert_eq!(offsets.scores.len(), 12);
    ctx.cleanup().await
}

#[tokio::test]
async fn legacy_search_recommend_discover() -> anyhow::Result<()> {
    let ctx = fixture("legacy").await?;
    let c = &ctx.collection;
    let hits = ctx.client.search(c, [1.0, 0.0], 2).vector_name("dense").await?;
    assert_eq!(ids(&hits), [1, 2]);
    let batch = ctx
        .client
        .search_batch(c, [(vec![1.0, 0.0], 1), (vec![0.0, 1.0], 1)])
        .await;
    // Batch entries name no vector: the collection's vectors are named, so the server refuses.
    assert!(batch.is_err());
    let groups = ctx
        .client
        .search_groups(c, [1.0, 0.0], "group", 2)
        .vector_name("dense")
        .group_size(1)
        .await?;
    assert_eq!(groups.len(), 2);
    let rec = ctx.client.recommend(c, [1], [6], 2).using("dense").await?;
    assert_eq!(ids(&rec), [2, 3]);
    let rec_batch = ctx
        .client
        .recommend_batch(c, [(vec![1u64], Vec::<u64>::new(), 1)])
        .await;
    assert!(rec_batch.is_err(), "no vector name: refused as for search_batch");
    let rec_groups = ctx
        .client
        .recommend_groups(c, "group", [1], Vec::<u64>::new(), 2)
        .using("dense")
        .await?;
    assert_eq!(rec_groups.len(), 2);
    let disc = ctx.client.discover(c, 4, [(1, 6)], 2).using("dense").await?;
    assert_eq!(disc.len(), 2);
    let disc_batch = ctx
        .client
        .discover_batch(c, [(4u64, vec![(1u64, 6u64)], 2)])
        .await;
    assert!(disc_batch.is_err());
    ctx.cleanup().await
}

#[tokio::test]
async fn legacy_batches_on_an_unnamed_vector() -> anyhow::Result<()> {
    let ctx = Ctx::new("legacy_batches").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    ctx.client
        .upsert(
            c,
            [
                Point::new(1, [1.0, 0.0]),
                Point::new(2, [0.0, 1.0]),
                Point::new(3, [0.6, 0.4]),
                Point::new(4, [0.9, 0.1]),
            ],
        )
        .await?;
    let batch = ctx
        .client
        .search_batch(c, [(vec![1.0, 0.0], 1), (vec![0.0, 1.0], 1)])
        .await?;
    assert_eq!(
        batch.iter().map(|r| ids(r)).collect::<Vec<_>>(),
        [vec![1], vec![2]]
    );
    // Examples are left out of the results.
    let rec = ctx
        .client
        .recommend_batch(c, [(vec![1u64], Vec::<u64>::new(), 1)])
        .await?;
    assert_eq!(ids(&rec[0]), [4]);
    let disc = ctx
        .client
        .discover_batch(c, [(3u64, vec![(1u64, 2u64)], 1)])
        .await?;
    assert_eq!(ids(&disc[0]), [4]);
    ctx.cleanup().await
}
