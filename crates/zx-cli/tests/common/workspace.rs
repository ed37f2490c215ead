//! A database for a CLI test on either backend, with a folder for the files it imports: a
//! SQLite file in a temporary folder, or (with `ZX_TEST_DATABASE_URL`) a fresh PostgreSQL
//! database. The fixture of `on_both_backends!(Workspace: …)`.

pub struct Workspace {
    dir: tempfile::TempDir,
    postgres: Option<zx_store_postgres::TestDatabase>,
}

impl Workspace {
    pub fn sqlite() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            postgres: None,
        }
    }

    /// `None` without a test cluster (the test passes with a notice).
    pub fn postgres() -> Option<Self> {
        let base = zx_store_postgres::test_database_url("a CLI test")?;
        Some(Self {
            dir: tempfile::tempdir().unwrap(),
            postgres: Some(zx_store_postgres::TestDatabase::create_blocking(&base).unwrap()),
        })
    }

    /// What `--db` takes.
    pub fn db(&self) -> String {
        match &self.postgres {
            Some(database) => database.url().to_owned(),
            None => self.dir.path().join("zx.db").to_string_lossy().into_owned(),
        }
    }

    /// Writes `text` to `name` in the folder; its path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }
}
