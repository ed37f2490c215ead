//! `DatabaseUrl` on PostgreSQL, when `ZX_TEST_DATABASE_URL` names a cluster (a notice and a
//! pass otherwise): open, migrate, and erase in place.

use zx_app::import::{SourceFile, check_files};
use zx_app::{AppError, DatabaseKind, DatabaseUrl};
use zx_domain::Catalogue;
use zx_store::prelude::*;
use zx_store_postgres::{TestDatabase, test_database_url};

#[tokio::test]
async fn a_postgres_database_is_emptied_in_place_only_when_agreed() {
    let Some(base) = test_database_url("DatabaseUrl on PostgreSQL") else {
        return;
    };
    let database = TestDatabase::create(&base).await.unwrap();
    let db = DatabaseUrl::parse(database.url()).unwrap();
    assert_eq!(
        (db.kind(), db.sqlite_path()),
        (DatabaseKind::Postgres, None)
    );
    assert!(db.is_fresh().await.unwrap(), "no entities yet");
    let store = db.open(false).await.unwrap();
    let entities = SourceFile {
        name: "entities.csv".into(),
        bytes: "code,name,parent,kind,region,segment\nG,示例集团,,group,北京,\n".into(),
    };
    let now = "2026-06-01T00:00:00Z".parse().unwrap();
    check_files(
        store.as_ref(),
        &Catalogue::builtin().unwrap(),
        &[entities],
        now,
    )
    .await
    .unwrap()
    .import(store.as_ref(), "clerk", now)
    .await
    .unwrap();
    assert!(!db.is_fresh().await.unwrap());
    let (before, after) = db.migrate().await.unwrap();
    assert_eq!(before, after);

    let refused: Result<(), AppError> = db
        .erase(async |held: &dyn Store| {
            assert_eq!(held.entities().await.unwrap().len(), 1);
            Err(AppError::NoDatabase)
        })
        .await;
    assert!(refused.is_err());
    assert_eq!(store.entities().await.unwrap().len(), 1, "nothing erased");

    let erased: Result<(), AppError> = db.erase(async |_: &dyn Store| Ok(())).await;
    erased.unwrap();
    assert!(store.entities().await.unwrap().is_empty());
    assert!(store.submissions().await.unwrap().is_empty());
    assert!(db.is_fresh().await.unwrap());
}
