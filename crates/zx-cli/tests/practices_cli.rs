//! `zx practices import | search` end to end on the demo (forty practices): Chinese meaning
//! words find the practice first, a file imported again revises only what changed, a bad file
//! is named cell by cell with nothing written, and the index (a cache beside the database) is
//! rebuilt when it is missing. On SQLite, and on PostgreSQL with `ZX_TEST_DATABASE_URL`.

#[macro_use]
mod common;

use std::process::{Command, Output};

use serde_json::Value;

struct Workspace {
    dir: tempfile::TempDir,
    postgres: Option<zx_store_postgres::TestDatabase>,
}

impl Workspace {
    fn sqlite() -> Self {
        let ws = Self {
            dir: tempfile::tempdir().unwrap(),
            postgres: None,
        };
        ws.ok(&["demo"]);
        ws
    }

    fn postgres() -> Option<Self> {
        let base = zx_store_postgres::test_database_url("the practices cli test")?;
        let ws = Self {
            dir: tempfile::tempdir().unwrap(),
            postgres: Some(zx_store_postgres::TestDatabase::create_blocking(&base).unwrap()),
        };
        ws.ok(&["demo"]);
        Some(ws)
    }

    fn db(&self) -> String {
        match &self.postgres {
            Some(database) => database.url().to_owned(),
            None => self.dir.path().join("zx.db").to_string_lossy().into_owned(),
        }
    }

    /// Where the index lives: beside the SQLite file by default; in the test's directory for
    /// PostgreSQL (given as `ZX_PRACTICES_INDEX`, as an operator would).
    fn index(&self) -> std::path::PathBuf {
        match &self.postgres {
            Some(_) => self.dir.path().join("index"),
            None => self.dir.path().join("zx.db.practices"),
        }
    }

    fn zx(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
        command
            .args(args)
            .arg("--db")
            .arg(self.db())
            .env("ZX_USER", "tester")
            .env_remove("ZX_LANG")
            .env_remove("ZX_PRACTICES_INDEX");
        if self.postgres.is_some() {
            command.env("ZX_PRACTICES_INDEX", self.index());
        }
        command.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.zx(args);
        assert!(
            out.status.success(),
            "zx {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn hits(&self, query: &str) -> Vec<Value> {
        let out = self.ok(&["practices", "search", "--query", query, "--format", "json"]);
        let json: Value = serde_json::from_str(&out).unwrap();
        json["hits"].as_array().unwrap().clone()
    }

    fn ids(&self, query: &str) -> Vec<String> {
        self.hits(query)
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }
}

fn meaning_words_find_the_demo_practice_first(ws: Workspace) {
    // 飞灰 is the chelating practice's title, tag and twice its body's.
    let hits = ws.hits("飞灰");
    assert_eq!(hits[0]["id"], "JY-WTE-01");
    assert_eq!(hits[0]["title"], "飞灰螯合剂配比优化");
    let snippet = hits[0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>飞灰</mark>"), "{snippet}");
    // Exactly the contract's keys, best first.
    let keys: Vec<&str> = hits[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["id", "score", "snippet", "title"]);
    let scores: Vec<f64> = hits
        .iter()
        .map(|h| h["score"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Words people use rather than the titles'.
    assert_eq!(ws.ids("真空度")[0], "JY-WTE-02");
    assert_eq!(ws.ids("反渗透膜清洗")[0], "JY-WTE-03");
    assert_eq!(ws.ids("光伏板脏了怎么清洗")[0], "JY-PV-01");
    assert_eq!(ws.ids("风机对风不准")[0], "JY-WND-01");
    assert_eq!(ws.ids("曝气电耗高")[0], "JY-WAT-01");
    assert!(ws.ids("量子计算").is_empty());
}

fn an_import_revises_what_changed_and_a_bad_file_writes_nothing(ws: Workspace) {
    let file = ws.write(
        "more.csv",
        "id,title,body,entity,tags\n\
         JY-NEW-01,焚烧炉二次风喷嘴改造,二次风喷嘴改为切圆布置，炉膛出口一氧化碳下降,SC-NC-WTE,二次风;燃烧\n",
    );
    let out = ws.ok(&["practices", "import", &file]);
    assert!(out.contains("新增 1 条，修订 0 条，未变 0 条"), "{out}");
    assert_eq!(ws.ids("二次风喷嘴")[0], "JY-NEW-01");
    let changed = ws.write(
        "more-v2.csv",
        "id,title,body,entity,tags\n\
         JY-NEW-01,焚烧炉二次风喷嘴改造,二次风喷嘴改为切圆布置，一氧化碳排放下降四成,SC-NC-WTE,二次风;燃烧\n",
    );
    let out = ws.ok(&["practices", "import", &changed]);
    assert!(out.contains("新增 0 条，修订 1 条，未变 0 条"), "{out}");
    // The revised body is what is found now (the index followed the database).
    let hits = ws.hits("四成");
    assert_eq!(hits[0]["id"], "JY-NEW-01");

    let bad = ws.write(
        "bad.csv",
        "id,title,body,entity,tags\n\
         JY-BAD-01,好做法,正文,XX-NOPE,\n\
         JY-BAD-02,,正文,SC-NC-WTE,\n",
    );
    let out = ws.zx(&["practices", "import", &bad, "--lang", "en"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.csv:2: entity: \"XX-NOPE\" is not an entity of the group"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.csv:3: title: must not be empty"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(ws.ids("好做法").is_empty());
}

fn the_index_is_rebuilt_when_missing(ws: Workspace) {
    let before = ws.ids("厂用电率");
    // 厂用电率 is a tag of four practices (JY-WTE-06, 12, 17, 20).
    let mut sorted = before.clone();
    sorted.sort();
    assert_eq!(sorted, ["JY-WTE-06", "JY-WTE-12", "JY-WTE-17", "JY-WTE-20"]);
    assert!(ws.index().is_dir());
    std::fs::remove_dir_all(ws.index()).unwrap();
    assert_eq!(ws.ids("厂用电率"), before);
    assert!(ws.index().is_dir());
}

on_both_backends!(Workspace:
    meaning_words_find_the_demo_practice_first,
    an_import_revises_what_changed_and_a_bad_file_writes_nothing,
    the_index_is_rebuilt_when_missing,
);
