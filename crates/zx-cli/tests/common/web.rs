//! The web harness of the emissions tests: the demo in a fresh database (SQLite, or PostgreSQL
//! when `ZX_TEST_DATABASE_URL` is set), served in-process with an HJ 212 receiver on a free port
//! and the minute store in the test's own directory.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::StatusCode;
use zx_store::Store;

use super::zx;

/// The demo in a new SQLite file of a new directory.
async fn demo_sqlite() -> (tempfile::TempDir, String, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db").to_string_lossy().into_owned();
    zx(&db, &["demo", "--lang", "en"]);
    let store = zx_store_sqlite::SqliteStore::open(&db, false)
        .await
        .unwrap();
    (dir, db, Arc::new(store))
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: String,
    pub base: String,
    pub hj212: SocketAddr,
    pub store: Arc<dyn Store>,
    _postgres: Option<zx_store_postgres::TestDatabase>,
}

impl Env {
    pub async fn sqlite() -> Env {
        Env::sqlite_at(Arc::new(zx_app::SystemClock)).await
    }

    /// The demo on SQLite, served with `clock` as the server's "now".
    pub async fn sqlite_at(clock: Arc<dyn zx_app::Clock>) -> Env {
        Env::sqlite_with(clock, zx_server::config::Collection::default()).await
    }

    /// The demo on SQLite, served with `clock` and the `[collection]` settings given.
    pub async fn sqlite_with(
        clock: Arc<dyn zx_app::Clock>,
        collection: zx_server::config::Collection,
    ) -> Env {
        let (dir, db, store) = demo_sqlite().await;
        Env::serve(dir, db, store, None, clock, collection, Default::default()).await
    }

    /// The demo on SQLite with `readings` already in its minute store (as if received before a
    /// restart), served with `clock`.
    #[allow(dead_code)]
    pub async fn sqlite_with_minutes(
        clock: Arc<dyn zx_app::Clock>,
        readings: &[zx_domain::cems::MinuteReading],
    ) -> Env {
        let (dir, db, store) = demo_sqlite().await;
        {
            let path = cems_dir(&dir);
            let minutes = zx_cems_store::MinuteStore::open(std::path::Path::new(&path)).unwrap();
            minutes.append(readings).unwrap();
        }
        Env::serve(
            dir,
            db,
            store,
            None,
            clock,
            Default::default(),
            Default::default(),
        )
        .await
    }

    /// The demo on SQLite, served with a group's own `[safety]` files.
    pub async fn sqlite_with_safety(safety: zx_server::config::SafetyFiles) -> Env {
        let (dir, db, store) = demo_sqlite().await;
        let clock = Arc::new(zx_app::SystemClock);
        Env::serve(dir, db, store, None, clock, Default::default(), safety).await
    }

    pub async fn postgres(test: &str) -> Option<Env> {
        let base = zx_store_postgres::test_database_url(test)?;
        let database = zx_store_postgres::TestDatabase::create(&base)
            .await
            .unwrap();
        let db = database.url().to_owned();
        zx(&db, &["demo", "--lang", "en"]);
        let store = zx_store_postgres::PgStore::open(&db, false).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        Some(
            Env::serve(
                dir,
                db,
                Arc::new(store),
                Some(database),
                Arc::new(zx_app::SystemClock),
                zx_server::config::Collection::default(),
                Default::default(),
            )
            .await,
        )
    }

    async fn serve(
        dir: tempfile::TempDir,
        db: String,
        store: Arc<dyn Store>,
        postgres: Option<zx_store_postgres::TestDatabase>,
        clock: Arc<dyn zx_app::Clock>,
        collection: zx_server::config::Collection,
        safety: zx_server::config::SafetyFiles,
    ) -> Env {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hj212 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hj212_address = hj212.local_addr().unwrap();
        let settings = zx_server::Settings {
            db: db.clone(),
            emissions: zx_server::config::Emissions {
                dir: cems_dir(&dir),
                // The emissions test sends the next hour as live data for the alarm monitors.
                max_future_minutes: 180,
                ..Default::default()
            },
            collection,
            safety,
            ..Default::default()
        };
        tokio::spawn(zx_server::serve_with(
            listener,
            Some(hj212),
            store.clone(),
            zx_domain::Catalogue::builtin().unwrap(),
            settings,
            clock,
        ));
        Env {
            dir,
            db,
            base,
            hj212: hj212_address,
            store,
            _postgres: postgres,
        }
    }

    /// A client that keeps cookies and does not follow redirects, as the tests read them.
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Signs in through the login form, as a browser does.
    pub async fn login(&self, name: &str, password: &str) -> reqwest::Client {
        let client = Self::client();
        let page = self.get(&client, "/login").await.1;
        let csrf = hidden(&page, "csrf");
        let response = client
            .post(format!("{}/login", self.base))
            .form(&[
                ("name", name),
                ("password", password),
                ("csrf", csrf.as_str()),
                ("next", "/cockpit"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {name}");
        client
    }

    pub async fn get(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let response = client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

pub fn cems_dir(dir: &tempfile::TempDir) -> String {
    dir.path().join("cems").to_string_lossy().into_owned()
}

pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}
