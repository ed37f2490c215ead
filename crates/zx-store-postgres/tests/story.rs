//! The database story (`zx-store-tests`), told against PostgreSQL: every story on a database of
//! its own, created on the cluster of `ZX_TEST_DATABASE_URL` and dropped afterwards. Without the
//! variable each test prints a notice and passes, so `cargo test --workspace` works anywhere.

use zx_store_postgres::test_database_url;
use zx_store_tests::Fresh;

async fn fresh() -> Option<Fresh> {
    let base = test_database_url("the store story")?;
    let (store, database) = zx_store_postgres::open_fresh_for_tests(&base)
        .await
        .unwrap();
    Some(Fresh::new(store, database))
}

zx_store_tests::stories!(fresh());
