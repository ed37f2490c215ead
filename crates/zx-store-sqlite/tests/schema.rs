//! Schema versions: `migrate` brings an old database up to date and says from where to where;
//! a database migrated by a newer release is refused, by `open` and by `migrate`, unchanged.

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use zx_store::{SchemaVersion, StoreError};
use zx_store_sqlite::SqliteStore;

async fn raw(path: &std::path::Path) -> SqlitePool {
    SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn migrate_reports_the_schema_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // As the first release left it: only migration 1.
    let pool = raw(&path).await;
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    sqlx::migrate::Migrator::new(migrations)
        .await
        .unwrap()
        .run_to(1, &pool)
        .await
        .unwrap();
    pool.close().await;

    let url = path.to_str().unwrap();
    let known = SqliteStore::known_schema();
    assert_eq!(known, migration_files());
    let (before, after) = SqliteStore::migrate(url).await.unwrap();
    assert_eq!(
        before,
        SchemaVersion {
            applied: Some(1),
            known
        }
    );
    assert_eq!(
        after,
        SchemaVersion {
            applied: Some(known),
            known
        }
    );
    // Again: nothing left to do.
    let (before, after) = SqliteStore::migrate(url).await.unwrap();
    assert_eq!((before.applied, after.applied), (Some(known), Some(known)));
    // A missing file is not created by `migrate`.
    let missing = dir.path().join("missing.db");
    let error = SqliteStore::migrate(missing.to_str().unwrap())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("zx init --db"), "{error}");
    assert!(!missing.exists());
}

/// This build knows as many schema versions as `migrations/` has files.
/// The highest migration number (the numbers are reserved per branch, so there may be gaps).
fn migration_files() -> i64 {
    migration_versions().into_iter().max().unwrap_or(0)
}

/// The version of every file in `migrations/`, ascending.
fn migration_versions() -> Vec<i64> {
    let mut versions: Vec<i64> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .unwrap()
            .filter_map(|f| {
                f.ok()?
                    .file_name()
                    .to_str()?
                    .split('_')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
    versions.sort_unstable();
    versions
}

#[tokio::test]
async fn a_schema_newer_than_this_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    let url = path.to_str().unwrap();
    SqliteStore::open(url, true).await.unwrap().close().await;
    let pool = raw(&path).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99, 'from a newer release', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let known = migration_files();
    let error = SqliteStore::open(url, false).await.unwrap_err();
    assert!(
        matches!(error, StoreError::SchemaTooNew { found: 99, known: k } if k == known),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("this database was migrated by a newer Zengxiao (schema 99 > {known}); upgrade zx")
    );
    let error = SqliteStore::migrate(url).await.unwrap_err();
    assert!(
        matches!(error, StoreError::SchemaTooNew { .. }),
        "{error:?}"
    );
    // Nothing was changed: the fake version is still the newest.
    let pool = raw(&path).await;
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut expected: Vec<i64> = migration_versions();
    expected.push(99);
    assert_eq!(versions, expected);
    pool.close().await;
}

/// Every table of the schema is either restored and refused-when-full (`DATA_TABLES`) or
/// derived from those (rebuilt on restore); every table archived row by row is one of them.
/// A migration that adds a table without a place in the archive fails here.
#[tokio::test]
async fn every_table_has_a_place_in_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.db");
    SqliteStore::open(path.to_str().unwrap(), true)
        .await
        .unwrap()
        .close()
        .await;
    let pool = raw(&path).await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    // Rebuilt from the fact revisions on restore, or the migrator's own.
    let derived = ["_sqlx_migrations", "fact_blocks", "fact_blocks_state"];
    let data = zx_store::sql::DATA_TABLES;
    for table in &tables {
        assert!(
            data.contains(&table.as_str()) || derived.contains(&table.as_str()),
            "table {table} is neither restored (DATA_TABLES and the archive) nor derived"
        );
    }
    for table in data {
        assert!(tables.contains(&table.to_string()), "{table} is no table");
    }
    let archived_by_rows: Vec<&str> = zx_store::archive::ARCHIVED_TABLES
        .iter()
        .map(|t| t.name)
        .collect();
    for table in &archived_by_rows {
        assert!(data.contains(table), "{table} is not in DATA_TABLES");
    }
    // The tables the archive has a record type of its own for, and those rebuilt from them
    // (facts, targets) or not archived by design (sessions; hazard_deliveries, which only
    // keeps the delivery job from sending a notice twice). `sent_reports` is archived (in
    // ARCHIVED_TABLES, unlike hazard_deliveries): each row is a kept report, the PDF the
    // leadership received, and it also keeps a restored database from sending a period again.
    let typed = [
        "submissions",
        "entities",
        "fact_revisions",
        "target_revisions",
        "users",
        "api_tokens",
        "period_status",
        "audit_log",
        "measures",
        "notifications",
        "visits",
        "visit_entities",
        "measure_co_owners",
        "measure_updates",
        "milestones",
        "blobs",
        "attachments",
        "stacks",
        "alarm_rule_sets",
        "alarms",
        "facts",
        "targets",
        "sessions",
        "hazard_deliveries",
    ];
    for table in data {
        assert!(
            typed.contains(table) || archived_by_rows.contains(table),
            "{table} is in no archive record: an export would lose it (add it to ARCHIVED_TABLES)"
        );
    }
}
