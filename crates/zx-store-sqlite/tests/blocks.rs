//! A database with values from before the entities' blocks (migration 0007): read from `facts`
//! until its next import builds every block, then from the blocks, the same values either way.

use chrono::{TimeZone, Utc};
use zx_domain::{Basis, EntityCode, Fact, Month};
use zx_store::prelude::*;
use zx_store::{Changes, Import, NewSubmission};
use zx_store_sqlite::SqliteStore;

fn sorted(facts: Vec<Fact>) -> Vec<(String, String, String, String)> {
    let mut rows: Vec<_> = facts
        .into_iter()
        .map(|f| {
            let entity = f.entity.as_str().to_owned();
            (entity, f.month.to_string(), f.item, f.value.to_string())
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn values_stored_before_the_blocks_are_loaded_and_kept_by_the_next_import() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .foreign_keys(true),
    )
    .await
    .unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    sqlx::migrate::Migrator::new(migrations)
        .await
        .unwrap()
        .run_to(6, &pool)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO submissions (id, kind, file_name, sha256, user_name, submitted_at, row_count)
         VALUES (1, 'data', 'old.csv', 'ab', 'hq', '2026-01-05T09:00:00.000000Z', 2)",
        "INSERT INTO entities (code, name, parent, kind, region, segment)
         VALUES ('G', '集团', NULL, 'group', '', ''), ('A', 'A', 'G', 'company', '', ''),
                ('B', 'B', 'G', 'company', '', '')",
        "INSERT INTO fact_revisions (entity, period, item, revision, value, basis, submission_id)
         VALUES ('A', '2025-12', 'operating_revenue', 1, '10.50', 'month', 1),
                ('B', '2025-12', 'operating_revenue', 1, '20', 'ytd', 1)",
        "INSERT INTO facts (entity, period, item, value, basis, revision, submission_id)
         VALUES ('A', '2025-12', 'operating_revenue', '10.50', 'month', 1, 1),
                ('B', '2025-12', 'operating_revenue', '20', 'ytd', 1, 1)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let store = SqliteStore::open(path.to_str().unwrap(), false)
        .await
        .unwrap();
    let before = vec![
        (
            "A".into(),
            "2025-12".into(),
            "operating_revenue".into(),
            "10.50".into(),
        ),
        (
            "B".into(),
            "2025-12".into(),
            "operating_revenue".into(),
            "20".into(),
        ),
    ];
    // No blocks yet: the values come from `facts`.
    assert_eq!(sorted(store.current_facts().await.unwrap()), before);
    // An import touching A only: B's stored value must be in the blocks it builds.
    store
        .import(Import {
            user: "hq".into(),
            at: Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap(),
            files: vec![(
                NewSubmission {
                    file_name: "jan.csv".into(),
                    sha256: "cd".repeat(32),
                    rows: 1,
                },
                Changes::facts(vec![Fact {
                    entity: EntityCode::parse("A").unwrap(),
                    month: Month::parse("2026-01").unwrap(),
                    item: "operating_revenue".into(),
                    value: "1.25".parse().unwrap(),
                    basis: Basis::Month,
                }]),
            )],
        })
        .await
        .unwrap();
    let mut after = before.clone();
    after.insert(
        1,
        (
            "A".into(),
            "2026-01".into(),
            "operating_revenue".into(),
            "1.25".into(),
        ),
    );
    assert_eq!(sorted(store.current_facts().await.unwrap()), after);
    drop(store);
    // The blocks are complete now and are what is read: emptying `facts` behind the store's
    // back (never done by the product) shows it.
    let pool = SqlitePool::connect_with(SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    sqlx::query("DELETE FROM facts")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let store = SqliteStore::open(path.to_str().unwrap(), false)
        .await
        .unwrap();
    assert_eq!(sorted(store.current_facts().await.unwrap()), after);
}
