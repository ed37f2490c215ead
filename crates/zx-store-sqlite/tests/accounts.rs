//! Accounts and workflow on SQLite: what only this backend has, an upgrade from the first
//! release's schema. The accounts stories themselves are in `zx-store-tests` (run by story.rs).

use chrono::{DateTime, TimeZone, Utc};
use zx_domain::Target;
use zx_store::prelude::*;
use zx_store_sqlite::SqliteStore;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, day, hour, 0, 0).unwrap()
}

#[tokio::test]
async fn targets_imported_before_the_upgrade_keep_their_revisions() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // A database as the previous release left it: only the foundation migration.
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
        .run_to(1, &pool)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO submissions (id, kind, file_name, sha256, user_name, submitted_at, row_count)
         VALUES (1, 'targets', 'targets.csv', 'ab', 'planner', '2026-01-05T09:00:00.000000Z', 1)",
        "INSERT INTO entities (code, name, parent, kind, region, segment)
         VALUES ('G', '集团', NULL, 'group', '', '')",
        "INSERT INTO target_revisions (entity, year, indicator, revision, value, submission_id)
         VALUES ('G', 2026, 'total_profit', 1, '5000', 1), ('G', 2026, 'total_profit', 2, '5200.25', 1)",
        "INSERT INTO targets (entity, year, indicator, value, revision, submission_id)
         VALUES ('G', 2026, 'total_profit', '5200.25', 2, 1)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let store = SqliteStore::open(path.to_str().unwrap(), false)
        .await
        .unwrap();
    let records = store.target_records().await.unwrap();
    assert_eq!(
        (records[0].revision, records[0].target.value.to_string()),
        (2, "5200.25".into())
    );
    assert_eq!(
        store
            .set_target(
                Target {
                    value: "5300".parse().unwrap(),
                    ..records[0].target.clone()
                },
                Some(2),
                "li.hq",
                at(6, 9),
            )
            .await
            .unwrap(),
        3
    );
}
