//! The database story (`zx-store-tests`), told against SQLite: every story on a new file in a
//! temporary directory. Plus what only a file database has: the message for a missing file.

use zx_store_sqlite::SqliteStore;
use zx_store_tests::Fresh;

async fn fresh() -> Option<Fresh> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zx.db");
    let store = SqliteStore::open(path.to_str().unwrap(), true)
        .await
        .unwrap();
    Some(Fresh::new(store, dir))
}

zx_store_tests::stories!(fresh());

#[tokio::test]
async fn a_missing_file_names_zx_init() {
    let missing = SqliteStore::open("/nonexistent/dir/zx.db", false)
        .await
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("zx init --db /nonexistent/dir/zx.db")
    );
}
