//! `zx user …` end to end: the real binary, a real database, the password on standard input.
//! Every test runs on SQLite and, when `ZX_TEST_DATABASE_URL` is set, on PostgreSQL.

#[macro_use]
mod common;

use std::process::{Command, Output};

use serde_json::{Value, json};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpi-example");

struct Workspace {
    dir: tempfile::TempDir,
    /// The PostgreSQL database of this test, dropped with it; `None`: a SQLite file in `dir`.
    postgres: Option<zx_store_postgres::TestDatabase>,
}

impl Workspace {
    /// A SQLite database with the example group (G, S1, S2, P1…).
    fn sqlite() -> Self {
        Self::with_group(None)
    }

    /// The same in a new PostgreSQL database; `None` (with a notice) without a test cluster.
    fn postgres() -> Option<Self> {
        let base = zx_store_postgres::test_database_url("the zx user test")?;
        let database = zx_store_postgres::TestDatabase::create_blocking(&base).unwrap();
        Some(Self::with_group(Some(database)))
    }

    fn with_group(postgres: Option<zx_store_postgres::TestDatabase>) -> Self {
        let ws = Self {
            dir: tempfile::tempdir().unwrap(),
            postgres,
        };
        ws.ok(&["init"], "");
        ws.ok(&["import", &format!("{EXAMPLE}/entities.csv")], "");
        ws
    }

    fn zx(&self, args: &[&str], stdin: &str) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
        command
            .args(args)
            .arg("--db")
            .arg(self.db())
            .env("ZX_USER", "root")
            .env_remove("ZX_LANG")
            .env_remove("ZX_CATALOGUE");
        common::run(command, Some(stdin))
    }

    fn db(&self) -> String {
        match &self.postgres {
            Some(database) => database.url().to_owned(),
            None => self.dir.path().join("zx.db").to_string_lossy().into_owned(),
        }
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.zx(args, stdin);
        assert!(
            out.status.success(),
            "zx {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail; returns its stderr.
    fn fails(&self, args: &[&str], stdin: &str) -> String {
        let out = self.zx(args, stdin);
        assert!(
            !out.status.success(),
            "zx {args:?} should have failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    fn users(&self) -> Value {
        serde_json::from_str(&self.ok(&["user", "list", "--format", "json"], "")).unwrap()
    }

    fn audit(&self, action: &str) -> Value {
        let out = self.ok(&["audit", "--action", action, "--format", "json"], "");
        serde_json::from_str::<Value>(&out).unwrap()["audit"].clone()
    }
}

fn accounts_are_added_listed_and_refused_when_wrong(ws: Workspace) {
    let added = ws.ok(
        &[
            "user",
            "add",
            "--name",
            "wang.fang",
            "--role",
            "entity_manager",
            "--entity",
            "S1",
            "--password-stdin",
        ],
        "福建-2026-secret\n",
    );
    assert_eq!(added, "user wang.fang added: entity_manager of S1\n");
    ws.ok(
        &[
            "user",
            "add",
            "--name",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "correct horse battery\n",
    );

    let listed = ws.users();
    assert_eq!(
        listed,
        json!({ "users": [
            { "name": "admin", "role": "admin", "entity": null, "disabled": false, "email": null },
            { "name": "wang.fang", "role": "entity_manager", "entity": "S1", "disabled": false, "email": null },
        ]})
    );
    let text = ws.ok(&["user", "list"], "");
    assert_eq!(
        text,
        "admin     admin          -        enabled  -\n\
         wang.fang entity_manager S1       enabled  -\n"
    );
    assert!(!text.contains("argon2") && !listed.to_string().contains("argon2"));

    // Audited under the acting user, without the hash.
    let created = ws.audit("user.create");
    assert_eq!(created[1]["user"], "root");
    assert_eq!(created[1]["object"], "user wang.fang");
    assert_eq!(created[1]["new"], "role=entity_manager; entity=S1");
    let everything = ws.ok(&["audit", "--format", "json"], "");
    assert!(!everything.contains("argon2") && !everything.contains("secret"));

    let duplicate = ws.fails(
        &[
            "user",
            "add",
            "--name",
            "admin",
            "--role",
            "viewer",
            "--entity",
            "P1",
            "--password-stdin",
        ],
        "another-password\n",
    );
    assert_eq!(duplicate, "error: user admin already exists\n");

    let unscoped = ws.fails(
        &[
            "user",
            "add",
            "--name",
            "li",
            "--role",
            "entity_manager",
            "--password-stdin",
        ],
        "li-password-1\n",
    );
    assert_eq!(
        unscoped,
        "error: role entity_manager needs an entity: the root of the subtree li works on\n"
    );
    let unknown = ws.fails(
        &[
            "user",
            "add",
            "--name",
            "li",
            "--role",
            "viewer",
            "--entity",
            "XM",
            "--password-stdin",
        ],
        "li-password-1\n",
    );
    assert!(unknown.contains("unknown entity XM"), "{unknown}");
    let bad_role = ws.fails(
        &[
            "user",
            "add",
            "--name",
            "li",
            "--role",
            "boss",
            "--password-stdin",
        ],
        "li-password-1\n",
    );
    assert!(
        bad_role.contains("invalid value 'boss' for '--role"),
        "{bad_role}"
    );
    let short = ws.fails(
        &[
            "user",
            "add",
            "--name",
            "li",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(
        short,
        "error: password too short: at least 8 characters, got 5 (密码太短：至少 8 个字符，当前 5 个)\n"
    );
    let no_stdin = ws.fails(
        &[
            "user",
            "add",
            "--name",
            "li",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "",
    );
    assert!(
        no_stdin.contains("no password on standard input"),
        "{no_stdin}"
    );
    let no_flag = ws.fails(
        &["user", "add", "--name", "li", "--role", "admin"],
        "pw-pw-pw-pw\n",
    );
    assert!(no_flag.contains("--password-stdin"), "{no_flag}");
    // None of the refused ones was created.
    assert_eq!(ws.users()["users"].as_array().unwrap().len(), 2);
}

fn tokens_are_new_each_time_and_disabling_is_audited(ws: Workspace) {
    ws.ok(
        &[
            "user",
            "add",
            "--name",
            "etl",
            "--role",
            "hq_analyst",
            "--password-stdin",
        ],
        "etl-password-2026\r\n",
    );
    let first = ws.ok(&["user", "token", "--name", "etl"], "");
    let second = ws.ok(&["user", "token", "--name", "etl"], "");
    for token in [&first, &second] {
        let token = token.trim_end();
        assert!(token.starts_with("zx_"), "{token}");
        assert_eq!(token.len(), 67);
    }
    assert_ne!(first, second);
    let issued = ws.audit("user.token");
    assert_eq!(issued.as_array().unwrap().len(), 2);
    assert_eq!(issued[0]["new"], "new API token issued");
    let everything = ws.ok(&["audit", "--format", "json"], "");
    assert!(!everything.contains(first.trim_end()));

    let unknown = ws.fails(&["user", "token", "--name", "nobody"], "");
    assert_eq!(unknown, "error: no user named \"nobody\"\n");

    ws.ok(
        &["user", "passwd", "--name", "etl", "--password-stdin"],
        "a-new-password\n",
    );
    assert_eq!(
        ws.audit("user.passwd")[0]["new"],
        "password changed; sessions ended: 0"
    );

    let disabled = ws.ok(&["user", "disable", "--name", "etl"], "");
    assert_eq!(
        disabled,
        "user etl disabled; their sessions and API tokens are ended\n"
    );
    assert_eq!(ws.users()["users"][0]["disabled"], true);
    let line = &ws.audit("user.disable")[0];
    assert_eq!(line["user"], "root");
    assert_eq!(line["old"], "enabled");
    assert_eq!(
        line["new"],
        "disabled; sessions ended: 0; tokens revoked: 2"
    );
    let refused = ws.fails(&["user", "token", "--name", "etl"], "");
    assert!(refused.contains("etl is disabled"), "{refused}");

    ws.ok(&["user", "enable", "--name", "etl"], "");
    assert_eq!(ws.users()["users"][0]["disabled"], false);
    assert_eq!(ws.audit("user.enable")[0]["new"], "enabled");
}

fn reminders_are_e_mailed_to_an_address_set_here(ws: Workspace) {
    ws.ok(
        &[
            "user",
            "add",
            "--name",
            "li",
            "--role",
            "hq_analyst",
            "--password-stdin",
        ],
        "li-password-1\n",
    );
    let set = ws.ok(
        &[
            "user",
            "email",
            "--name",
            "li",
            "--address",
            " li@zx-group.cn ",
        ],
        "",
    );
    assert_eq!(set, "reminders for li are e-mailed to li@zx-group.cn\n");
    assert_eq!(ws.users()["users"][0]["email"], "li@zx-group.cn");
    let line = &ws.audit("user.email")[0];
    assert_eq!(
        (line["old"].clone(), line["new"].clone()),
        (Value::Null, json!("li@zx-group.cn"))
    );
    let refused = ws.fails(
        &["user", "email", "--name", "li", "--address", "li at zx"],
        "",
    );
    assert!(
        refused.contains("\"li at zx\" is not an e-mail address"),
        "{refused}"
    );
    let unknown = ws.fails(
        &["user", "email", "--name", "wu", "--address", "wu@zx.cn"],
        "",
    );
    assert!(unknown.contains("no user named \"wu\""), "{unknown}");
    ws.fails(&["user", "email", "--name", "li"], "");
    ws.ok(&["user", "email", "--name", "li", "--clear"], "");
    assert_eq!(ws.users()["users"][0]["email"], Value::Null);
    assert_eq!(ws.audit("user.email")[0]["old"], "li@zx-group.cn");
}

// One `#[test]` per test above and backend: `sqlite::name` always, `postgres::name` on the
// cluster of `ZX_TEST_DATABASE_URL` (without it, a notice and a pass).
on_both_backends!(
    Workspace:
    accounts_are_added_listed_and_refused_when_wrong,
    tokens_are_new_each_time_and_disabling_is_audited,
    reminders_are_e_mailed_to_an_address_set_here,
);
