//! The README's flow, and the seed calls' options.

use qdrant_async::{Condition, Distance, Filter, Point, PointId, Value, VectorParams};
use serde_json::json;
use uuid::Uuid;

use crate::common::Ctx;

const RED: &str = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";

async fn seeded(test: &str, distance: Distance) -> anyhow::Result<Ctx> {
    let ctx = Ctx::new(test).await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(4, distance))
        .await?;
    ctx.client
        .upsert(
            c,
            [
                Point::new(Uuid::parse_str(RED)?, [0.9, 0.1, 0.1, 0.5])
                    .payload(json!({"color": "red", "n": 1})),
                Point::new(2, [0.1, 0.9, 0.3, 0.2]).payload(json!({"color": "green", "n": 2.5})),
                Point::new(3, [0.8, 0.2, 0.2, 0.6]).payload(json!({"color": "blue", "n": 3})),
                Point::new(4, [0.5, 0.5, 0.5, 0.5]).payload(json!({"color": "red", "n": 4})),
            ],
        )
        .wait(true)
        .await?;
    Ok(ctx)
}

#[tokio::test]
async fn the_readme_flow_works() -> anyhow::Result<()> {
    let ctx = seeded("readme_flow", Distance::Cosine).await?;
    let hits = ctx
        .client
        .query_points(&ctx.collection, [0.9, 0.1, 0.1, 0.5])
        .limit(2)
        .await?;
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].id, PointId::from(RED));
    assert!((hits[0].score - 1.0).abs() < 1e-5, "{}", hits[0].score);
    assert_eq!(hits[1].id, PointId::from(3));
    assert!(hits[0].score >= hits[1].score);
    assert_eq!(hits[0].payload.get("color"), Some(&Value::from("red")));
    ctx.cleanup().await
}

#[tokio::test]
async fn collection_lifecycle() -> anyhow::Result<()> {
    let ctx = Ctx::new("lifecycle").await?;
    let c = &ctx.collection;
    assert!(!ctx.client.collection_exists(c).await?);
    ctx.client
        .create_collection(c, VectorParams::new(3, Distance::Dot))
        .await?;
    assert!(ctx.client.collection_exists(c).await?);
    assert!(ctx.client.get_collections().await?.contains(c));
    assert!(ctx.client.delete_collection(c).await?);
    assert!(!ctx.client.collection_exists(c).await?);
    ctx.cleanup().await
}

#[tokio::test]
async fn upsert_replaces_a_point_with_the_same_id() -> anyhow::Result<()> {
    let ctx = seeded("upsert_replaces", Distance::Dot).await?;
    let c = &ctx.collection;
    assert_eq!(ctx.client.count(c).exact(true).await?, 4);
    ctx.client
        .upsert(
            c,
            [Point::new(2, [1.0, 0.0, 0.0, 0.0]).payload(json!({"color": "black"}))],
        )
        .wait(true)
        .await?;
    assert_eq!(ctx.client.count(c).exact(true).await?, 4);
    let got = ctx.client.retrieve(c, [2]).with_vectors(true).await?;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].payload.get("color"), Some(&Value::from("black")));
    assert_eq!(
        got[0]
            .vectors
            .as_ref()
            .and_then(|v| v.get(""))
            .and_then(|v| v.as_dense()),
        Some(&[1.0, 0.0, 0.0, 0.0][..])
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn ids_can_be_integers_uuids_and_uuid_strings() -> anyhow::Result<()> {
    let ctx = seeded("ids", Distance::Dot).await?;
    let c = &ctx.collection;
    let got = ctx
        .client
        .retrieve(c, [PointId::from(RED), PointId::from(3), PointId::from(999)])
        .await?;
    let mut ids: Vec<_> = got.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, [PointId::from(3), PointId::from(RED)]);
    let by_uuid = ctx.client.retrieve(c, [Uuid::parse_str(RED)?]).await?;
    assert_eq!(by_uuid.len(), 1);
    ctx.cleanup().await
}

#[tokio::test]
async fn payloads_keep_integers_and_doubles_apart() -> anyhow::Result<()> {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Doc {
        color: String,
        n: f64,
    }
    let ctx = seeded("payload_types", Distance::Dot).await?;
    let c = &ctx.collection;
    ctx.client
        .upsert(
            c,
            [
                Point::new(10, [0.0, 0.0, 0.0, 1.0]).payload(qdrant_async::Json(Doc {
                    color: "x".into(),
                    n: 0.5,
                })),
            ],
        )
        .wait(true)
        .await?;
    let got = ctx
        .client
        .retrieve(c, [1u64, 2, 3, 10].map(PointId::from))
        .await?;
    let by_id = |id: u64| {
        got.iter()
            .find(|r| r.id == PointId::from(id))
            .expect("point returned")
    };
    assert_eq!(by_id(3).payload.get("n"), Some(&Value::Integer(3)));
    assert_eq!(by_id(2).payload.get("n"), Some(&Value::Double(2.5)));
    assert_eq!(
        by_id(10).payload_as::<Doc>()?,
        Doc {
            color: "x".into(),
            n: 0.5
        }
    );
    ctx.cleanup().await
}

#[tokio::test]
async fn query_options_limit_offset_threshold_filter() -> anyhow::Result<()> {
    let ctx = seeded("query_options", Distance::Cosine).await?;
    let c = &ctx.collection;
    let q = [0.9, 0.1, 0.1, 0.5];
    let all = ctx.client.query_points(c, q).limit(10).await?;
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].score >= w[1].score));

    let page = ctx.client.query_points(c, q).limit(2).offset(1).await?;
    assert_eq!(
        page.iter().map(|h| &h.id).collect::<Vec<_>>(),
        all[1..3].iter().map(|h| &h.id).collect::<Vec<_>>()
    );

    // Qdrant keeps the scores strictly better than the threshold: a hit
    // scoring exactly the threshold is left out.
    let threshold = all[1].score;
    let above = ctx
        .client
        .query_points(c, q)
        .limit(10)
        .score_threshold(threshold)
        .await?;
    assert_eq!(above.len(), 1);

    let red = ctx
        .client
        .query_points(c, q)
        .limit(10)
        .filter(Filter::must([Condition::matches("color", "red")]))
        .await?;
    let mut ids: Vec<_> = red.iter().map(|h| h.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, [PointId::from(4), PointId::from(RED)]);

    let bare = ctx.client.query_points(c, q).limit(1).with_payload(false).await?;
    assert!(bare[0].payload.is_empty());
    assert!(bare[0].vectors.is_none());
    let full = ctx
        .client
        .query_points(c, q)
        .limit(1)
        .with_payload(true)
        .with_vectors(true)
        .await?;
    assert_eq!(full[0].payload.get("color"), Some(&Value::from("red")));
    let v = full[0]
        .vectors
        .as_ref()
        .and_then(|v| v.get(""))
        .and_then(|v| v.as_dense())
        .expect("dense vector");
    // Cosine vectors are stored normalized.
    let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "{norm}");
    ctx.cleanup().await
}

#[tokio::test]
async fn distances_score_like_qdrant() -> anyhow::Result<()> {
    let q = [0.9, 0.1, 0.1, 0.5];
    let expected = |distance: Distance, v: [f32; 4]| -> f32 {
        match distance {
            Distance::Dot => q.iter().zip(v).map(|(a, b)| a * b).sum(),
            Distance::Euclid => q
                .iter()
                .zip(v)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f32>()
                .sqrt(),
            Distance::Manhattan => q.iter().zip(v).map(|(a, b)| (a - b).abs()).sum(),
            _ => {
                let n = |x: &[f32]| x.iter().map(|a| a * a).sum::<f32>().sqrt();
                q.iter().zip(v).map(|(a, b)| a * b).sum::<f32>() / (n(&q) * n(&v))
            }
        }
    };
    for (distance, best_first) in [
        (Distance::Cosine, true),
        (Distance::Dot, true),
        (Distance::Euclid, false),
        (Distance::Manhattan, false),
    ] {
        let ctx = seeded(&format!("dist_{distance:?}").to_lowercase(), distance).await?;
        let hits = ctx.client.query_points(&ctx.collection, q).limit(4).await?;
        assert_eq!(hits.len(), 4);
        let id3 = hits.iter().find(|h| h.id == PointId::from(3)).expect("point 3");
        assert!(
            (id3.score - expected(distance, [0.8, 0.2, 0.2, 0.6])).abs() < 1e-4,
            "{distance:?}: {}",
            id3.score
        );
        let ordered = hits.windows(2).all(|w| {
            if best_first {
                w[0].score >= w[1].score
            } else {
                w[0].score <= w[1].score
            }
        });
        assert!(ordered, "{distance:?}: {hits:?}");
        ctx.cleanup().await?;
    }
    Ok(())
}

#[tokio::test]
async fn lazy_clients_connect_on_first_use() -> anyhow::Result<()> {
    let ctx = Ctx::new("lazy").await?;
    let lazy = qdrant_async::Client::builder(&ctx.url).build_lazy()?;
    assert_eq!(lazy.server_version(), None);
    assert!(!lazy.health_check().await?.version.is_empty());
    let health = ctx.client.health_check().await?;
    assert_eq!(ctx.client.server_version(), Some(health.version.as_str()));
    ctx.cleanup().await
}

#[tokio::test]
async fn raw_stubs_share_the_client_channel() -> anyhow::Result<()> {
    let ctx = Ctx::new("raw").await?;
    let mut raw = ctx.client.raw();
    let reply = raw
        .qdrant
        .health_check(qdrant_async::proto::HealthCheckRequest {})
        .await?
        .into_inner();
    assert!(!reply.version.is_empty());
    let listed = raw
        .collections
        .list(qdrant_async::proto::ListCollectionsRequest {})
        .await?
        .into_inner();
    assert!(listed.time >= 0.0);
    ctx.cleanup().await
}
