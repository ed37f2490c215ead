//! What only the PostgreSQL backend has: databases that are not files (missing, empty, created
//! on `zx init`), and emptying one in place for `zx demo --force`. Skipped with a notice when
//! `ZX_TEST_DATABASE_URL` is not set.

use chrono::{TimeZone, Utc};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};
use zx_domain::{Entity, EntityCode, EntityKind};
use zx_store::prelude::*;
use zx_store::{AuditFilter, Changes, Import, NewSubmission, SchemaVersion, StoreError};
use zx_store_postgres::{PgStore, TestDatabase, test_database_url, with_database};

fn group() -> Import {
    Import {
        user: "admin".into(),
        at: Utc.with_ymd_and_hms(2026, 4, 1, 8, 0, 0).unwrap(),
        files: vec![(
            NewSubmission {
                file_name: "entities.csv".into(),
                sha256: "ef".repeat(32),
                rows: 1,
            },
            Changes::Entities(vec![Entity {
                code: EntityCode::parse("G").unwrap(),
                name: "集团".into(),
                parent: None,
                kind: EntityKind::Group,
                region: String::new(),
                segment: String::new(),
            }]),
        )],
    }
}

#[tokio::test]
async fn a_missing_or_empty_database_names_zx_init() {
    let Some(base) = test_database_url("the missing-database and erase tests") else {
        return;
    };
    // A database that does not exist: refused without `create`.
    let database = TestDatabase::create(&base).await.unwrap();
    let name = database.name().to_owned();
    let mut admin = base
        .parse::<sqlx::postgres::PgConnectOptions>()
        .unwrap()
        .connect()
        .await
        .unwrap();
    admin
        .execute(AssertSqlSafe(format!("DROP DATABASE \"{name}\"")))
        .await
        .unwrap();
    let missing = PgStore::open(database.url(), false).await.unwrap_err();
    assert!(
        missing.to_string().contains(&format!(
            "create one with `zx init --db {}`",
            database.url()
        )),
        "{missing}"
    );

    // `create` makes it (like `zx init` makes a SQLite file) and migrates it.
    let store = PgStore::open(database.url(), true).await.unwrap();
    assert!(store.entities().await.unwrap().is_empty());
    store.close().await;

    // A database that exists but holds no Zengxiao schema is refused too, and left untouched.
    admin
        .execute(AssertSqlSafe(format!(
            "DROP DATABASE \"{name}\" WITH (FORCE)"
        )))
        .await
        .unwrap();
    admin
        .execute(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .unwrap();
    let empty = PgStore::open(database.url(), false).await.unwrap_err();
    assert!(empty.to_string().contains("zx init --db"), "{empty}");
    let store = PgStore::open(database.url(), true).await.unwrap();
    store.import(group()).await.unwrap();
    store.close().await;
    // Opened again without `create`: the data is there.
    let store = PgStore::open(database.url(), false).await.unwrap();
    assert_eq!(store.entities().await.unwrap().len(), 1);
    store.close().await;
    admin.close().await.unwrap();
}

#[tokio::test]
async fn passwords_never_appear_in_messages() {
    let Some(base) = test_database_url("the missing-database and erase tests") else {
        return;
    };
    // A role that does not exist, with a password: the connection fails, the message hides it.
    let (scheme, rest) = base.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let url = format!("{scheme}://zx_nobody:hunter2@{host}");
    let error = PgStore::open(&url, false).await.unwrap_err().to_string();
    assert!(!error.contains("hunter2"), "{error}");
    let missing = with_database(&url, "zx_no_such_database_here");
    let error = PgStore::open(&missing, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(!error.contains("hunter2"), "{error}");
}

#[tokio::test]
async fn erasing_empties_every_table_and_restarts_ids() {
    let Some(base) = test_database_url("the missing-database and erase tests") else {
        return;
    };
    let (store, _database) = zx_store_postgres::open_fresh_for_tests(&base)
        .await
        .unwrap();
    store.import(group()).await.unwrap();
    assert_eq!(store.submissions().await.unwrap()[0].id, 1);
    zx_store_postgres::erase_all_data(&store).await.unwrap();
    assert!(store.entities().await.unwrap().is_empty());
    assert!(store.submissions().await.unwrap().is_empty());
    assert!(
        store
            .audit_log(&AuditFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    store.import(group()).await.unwrap();
    assert_eq!(store.submissions().await.unwrap()[0].id, 1);
}

#[tokio::test]
async fn a_schema_newer_than_this_build_is_refused() {
    let Some(base) = test_database_url("the schema version tests") else {
        return;
    };
    let (store, database) = zx_store_postgres::open_fresh_for_tests(&base)
        .await
        .unwrap();
    let known = PgStore::known_schema();
    assert_eq!(
        store.schema_version().await.unwrap(),
        SchemaVersion {
            applied: Some(known),
            known
        }
    );
    store.close().await;
    let (before, after) = PgStore::migrate(database.url()).await.unwrap();
    assert_eq!((before.applied, after.applied), (Some(known), Some(known)));

    let mut conn = database
        .url()
        .parse::<sqlx::postgres::PgConnectOptions>()
        .unwrap()
        .connect()
        .await
        .unwrap();
    conn.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99, 'from a newer release', TRUE, '\\x00'::bytea, 0)",
    )
    .await
    .unwrap();
    let error = PgStore::open(database.url(), false).await.unwrap_err();
    assert!(
        matches!(error, StoreError::SchemaTooNew { found: 99, known: k } if k == known),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("this database was migrated by a newer Zengxiao (schema 99 > {known}); upgrade zx")
    );
    // `create` changes nothing about it, nor does `migrate`.
    assert!(matches!(
        PgStore::open(database.url(), true).await.unwrap_err(),
        StoreError::SchemaTooNew { .. }
    ));
    assert!(matches!(
        PgStore::migrate(database.url()).await.unwrap_err(),
        StoreError::SchemaTooNew { .. }
    ));
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let mut expected: Vec<i64> = (1..=known).collect();
    expected.push(99);
    assert_eq!(versions, expected);
    conn.close().await.unwrap();
}

#[tokio::test]
async fn migrate_refuses_a_missing_database() {
    let Some(base) = test_database_url("the schema version tests") else {
        return;
    };
    let missing = with_database(&base, "zx_no_such_database_for_migrate");
    let error = PgStore::migrate(&missing).await.unwrap_err();
    assert!(error.to_string().contains("zx init --db"), "{error}");
}
