//! Collection and full snapshots.

use qdrant_async::{Distance, VectorParams};

use crate::common::Ctx;

#[tokio::test]
async fn collection_snapshots() -> anyhow::Result<()> {
    let ctx = Ctx::new("snapshots").await?;
    let c = &ctx.collection;
    ctx.client
        .create_collection(c, VectorParams::new(2, Distance::Dot))
        .await?;
    let snapshot = ctx.client.create_snapshot(c).await?;
    assert!(snapshot.name.ends_with(".snapshot"), "{}", snapshot.name);
    let listed = ctx.client.list_snapshots(c).await?;
    assert!(listed.iter().any(|s| s.name == snapshot.name));
    ctx.client.delete_snapshot(c, &snapshot.name).await?;
    assert!(
        !ctx.client
            .list_snapshots(c)
            .await?
            .iter()
            .any(|s| s.name == snapshot.name)
    );
    let err = ctx.client.delete_snapshot(c, &snapshot.name).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    ctx.cleanup().await
}

#[tokio::test]
async fn full_snapshots() -> anyhow::Result<()> {
    let ctx = Ctx::new("full_snapshots").await?;
    // A full snapshot takes every collection; Qdrant fails it with NotFound
    // when one of them is deleted meanwhile, as other tests do on a shared
    // server. Try again then.
    let mut attempt = 0;
    let snapshot = loop {
        match ctx.client.create_full_snapshot().await {
            Err(e) if e.is_not_found() && attempt < 20 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => break other?,
        }
    };
    // Named as Qdrant names them: `full-snapshot-YYYY-MM-DD-HH-MM-SS.snapshot`.
    let stamp = snapshot
        .name
        .strip_prefix("full-snapshot-")
        .and_then(|n| n.strip_suffix(".snapshot"))
        .unwrap_or_default();
    assert_eq!(stamp.len(), 19, "{}", snapshot.name);
    assert!(
        ctx.client
            .list_full_snapshots()
            .await?
            .iter()
            .any(|s| s.name == snapshot.name)
    );
    ctx.client.delete_full_snapshot(&snapshot.name).await?;
    assert!(
        !ctx.client
            .list_full_snapshots()
            .await?
            .iter()
            .any(|s| s.name == snapshot.name)
    );
    ctx.cleanup().await
}
