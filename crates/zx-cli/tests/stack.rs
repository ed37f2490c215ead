//! `zx stack …` end to end: the real binary on a real database with the example group (G > S1 >
//! P1, P2; S2). Every test runs on SQLite and, when `ZX_TEST_DATABASE_URL` is set, on
//! PostgreSQL. Expected output is written out by hand.

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
    fn sqlite() -> Self {
        Self::with_group(None)
    }

    fn postgres() -> Option<Self> {
        let base = zx_store_postgres::test_database_url("the zx stack test")?;
        let database = zx_store_postgres::TestDatabase::create_blocking(&base).unwrap();
        Some(Self::with_group(Some(database)))
    }

    fn with_group(postgres: Option<zx_store_postgres::TestDatabase>) -> Self {
        let ws = Self {
            dir: tempfile::tempdir().unwrap(),
            postgres,
        };
        ws.ok(&["init"]);
        ws.ok(&["import", &format!("{EXAMPLE}/entities.csv")]);
        ws
    }

    fn db(&self) -> String {
        match &self.postgres {
            Some(database) => database.url().to_owned(),
            None => self.dir.path().join("zx.db").to_string_lossy().into_owned(),
        }
    }

    /// `zx --lang en ARGS` as user `env.admin`.
    fn zx(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
        command
            .args(args)
            .arg("--db")
            .arg(self.db())
            .arg("--lang")
            .arg("en")
            .env("ZX_USER", "env.admin")
            .env_remove("ZX_LANG")
            .env_remove("ZX_CATALOGUE");
        common::run(command, None)
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

    /// Runs a command that must fail; returns its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.zx(args);
        assert!(
            !out.status.success(),
            "zx {args:?} should have failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    fn list_json(&self) -> Value {
        serde_json::from_str(&self.ok(&["stack", "list", "--format", "json"])).unwrap()
    }

    fn audit_json(&self) -> Value {
        serde_json::from_str(&self.ok(&["audit", "--format", "json"])).unwrap()
    }
}

fn stacks_are_added_imported_listed_and_retired(ws: Workspace) {
    assert_eq!(
        ws.ok(&["stack", "list"]),
        "no stacks yet: register one with `zx stack add` or `zx stack import FILE`\n"
    );
    let added = ws.ok(&[
        "stack",
        "add",
        "--mn",
        "33010000",
        "--entity",
        "P1",
        "--name",
        "1号炉",
        "--password",
        "s3cret-one",
    ]);
    assert_eq!(added, "stack 33010000: registered\n");
    // The same again changes nothing.
    let again = ws.ok(&[
        "stack",
        "add",
        "--mn",
        "33010000",
        "--entity",
        "P1",
        "--name",
        "1号炉",
        "--password",
        "s3cret-one",
    ]);
    assert_eq!(again, "stack 33010000: unchanged\n");

    // A file: the stack above unchanged, two new ones (one with its own codes and aliases).
    let file = ws.file(
        "stacks.csv",
        "mn,entity,name,password,standard,oxygen_code,furnace_code,aliases\n\
         33010000,P1,1号炉,s3cret-one,gb18485-2014,,,\n\
         33010001,P2,2号炉,pw-two,,O2,T_furnace,NOX=a21002;SO2=a21026\n\
         33010002,P2,3号炉,pw-three,,,,\n",
    );
    assert_eq!(
        ws.ok(&["stack", "import", &file]),
        "stacks.csv: 3 stacks: 2 created, 0 updated, 1 unchanged\n"
    );

    let text = ws.ok(&["stack", "list"]);
    assert_eq!(
        text,
        "33010000  P1  1号炉  ******  gb18485-2014  active  O2=a19001 furnace=furnace_temp\n\
         33010001  P2  2号炉  ******  gb18485-2014  active  O2=O2 furnace=T_furnace aliases=NOX=a21002;SO2=a21026\n\
         33010002  P2  3号炉  ******  gb18485-2014  active  O2=a19001 furnace=furnace_temp\n"
    );
    let mut listed = ws.list_json();
    // Times are the moment of the command: only their presence is checked.
    for stack in listed["stacks"].as_array_mut().unwrap() {
        let stack = stack.as_object_mut().unwrap();
        assert!(stack.remove("created_at").unwrap().is_string());
        assert!(stack.remove("updated_at").unwrap().is_string());
    }
    assert_eq!(
        listed["stacks"][1],
        json!({
            "mn": "33010001", "entity": "P2", "name": "2号炉", "password": "******",
            "standard": "gb18485-2014", "oxygen_code": "O2", "furnace_code": "T_furnace",
            "aliases": { "NOX": "a21002", "SO2": "a21026" }, "active": true, "revision": 1
        })
    );

    // Retired: listed as such; retiring again is refused.
    assert_eq!(
        ws.ok(&["stack", "retire", "--mn", "33010002"]),
        "stack 33010002: retired\n"
    );
    assert!(
        ws.ok(&["stack", "list"])
            .contains("33010002  P2  3号炉  ******  gb18485-2014  retired  ")
    );
    let error = ws.fails(&["stack", "retire", "--mn", "33010002"]);
    assert!(
        error.contains("stack 33010002 is retired already"),
        "{error}"
    );

    // Audited under the acting user; no password anywhere in the log.
    let audit = ws.audit_json();
    let lines: Vec<(&str, &str, &str)> = audit["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("stack."))
        .map(|e| {
            (
                e["user"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["object"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("env.admin", "stack.retire", "stack 33010002"),
            ("env.admin", "stack.create", "stack 33010002"),
            ("env.admin", "stack.create", "stack 33010001"),
            ("env.admin", "stack.create", "stack 33010000"),
        ]
    );
    let everything = audit.to_string();
    for password in ["s3cret-one", "pw-two", "pw-three"] {
        assert!(
            !everything.contains(password),
            "{password} in the audit log"
        );
    }
}

fn a_bad_file_is_refused_whole_with_every_line_named(ws: Workspace) {
    let file = ws.file(
        "bad.csv",
        "mn,entity,name,password,standard\n\
         33010000,P1,1号炉,pw,\n\
         33.01,P1,2号炉,pw,\n\
         33010002,S1,3号炉,pw,\n\
         33010003,P9,4号炉,pw,gb0\n",
    );
    let error = ws.fails(&["stack", "import", &file]);
    assert_eq!(
        error,
        "bad.csv:3: mn: \"33.01\" is not an MN: 1 to 24 letters, digits, '_' or '-', as the data logger sends it\n\
         bad.csv:4: entity: \"S1\" is a subsidiary; a stack belongs to a plant or a company\n\
         bad.csv:5: entity: \"P9\" is not a known entity; import it with an entities file first\n\
         bad.csv:5: standard: \"gb0\" is not a known standard (built in: gb18485-2014)\n\
         error: the file has errors: nothing was imported\n"
    );
    // Nothing of it was written, not even the good first row.
    assert_eq!(ws.list_json(), json!({ "stacks": [] }));

    // `add` is checked by the store the same way, and refused as a whole.
    let error = ws.fails(&[
        "stack",
        "add",
        "--mn",
        "33010000",
        "--entity",
        "G",
        "--name",
        "1号炉",
        "--password",
        "pw",
    ]);
    assert!(
        error.contains(
            "stack 1 (33010000): entity G is a group; stacks belong to a plant or a company"
        ),
        "{error}"
    );
    let error = ws.fails(&[
        "stack",
        "add",
        "--mn",
        "33010000",
        "--entity",
        "P1",
        "--name",
        "1号炉",
        "--password",
        "pw",
        "--aliases",
        "NOX",
    ]);
    assert!(error.contains("--aliases: \"NOX\" has no '='"), "{error}");
    assert_eq!(ws.list_json(), json!({ "stacks": [] }));
}

/// The built-in waste-to-energy template as `zx stack rules export` writes it: the values of
/// `alarm-rules/waste-to-energy.toml` (grace 2, trend window 10 / ratio 1.0 / 15 minutes, stuck
/// 30, missing 10, flags T and D), one table per rule, without the file's comments.
const TEMPLATE: &str = "segment = \"waste-to-energy\"\n\
grace_minutes = 2\n\
\n\
[hourly_limit]\n\
enabled = true\n\
\n\
[trend]\n\
enabled = true\n\
window = 10\n\
ratio = \"1.0\"\n\
min_minutes = 15\n\
\n\
[stuck]\n\
enabled = true\n\
minutes = 30\n\
\n\
[missing]\n\
enabled = true\n\
minutes = 10\n\
\n\
[flag]\n\
enabled = true\n\
flags = [\"T\", \"D\"]\n\
\n\
[daily_violation]\n\
enabled = true\n";

const NO_RULES: &str = "no alarm rules stored: stacks run with the built-in template (zx stack rules export --scope segment:waste-to-energy)\n";

fn alarm_rules_round_trip_through_a_file(ws: Workspace) {
    const SCOPE: &str = "segment:waste-to-energy";
    assert_eq!(ws.ok(&["stack", "rules", "list"]), NO_RULES);
    // Nothing stored: the built-in template, to standard output or to a file (stdout silent).
    assert_eq!(
        ws.ok(&["stack", "rules", "export", "--scope", SCOPE]),
        TEMPLATE
    );
    let path = ws.dir.path().join("wte.toml");
    let file = path.to_string_lossy().into_owned();
    assert_eq!(
        ws.ok(&["stack", "rules", "export", "--scope", SCOPE, "-o", &file]),
        ""
    );
    let exported = std::fs::read_to_string(&path).unwrap();
    assert_eq!(exported, TEMPLATE);

    // A person changes stuck.minutes from 30 to 20 and imports the file.
    let changed = exported.replace(
        "[stuck]\nenabled = true\nminutes = 30\n",
        "[stuck]\nenabled = true\nminutes = 20\n",
    );
    assert_ne!(changed, exported);
    std::fs::write(&path, &changed).unwrap();
    assert_eq!(
        ws.ok(&["stack", "rules", "import", "--scope", SCOPE, &file]),
        "alarm rules segment:waste-to-energy: stored, revision 1\n"
    );
    // Exported again: the stored file, with the change.
    let again = ws.ok(&["stack", "rules", "export", "--scope", SCOPE]);
    assert_eq!(again, changed);
    assert!(again.contains("[stuck]\nenabled = true\nminutes = 20\n"));
    // The same file again writes nothing.
    assert_eq!(
        ws.ok(&["stack", "rules", "import", "--scope", SCOPE, &file]),
        "alarm rules segment:waste-to-energy: unchanged, revision 1\n"
    );
    // Another change: revision 2.
    std::fs::write(&path, changed.replace("window = 10", "window = 5")).unwrap();
    assert_eq!(
        ws.ok(&["stack", "rules", "import", "--scope", SCOPE, &file]),
        "alarm rules segment:waste-to-energy: stored, revision 2\n"
    );

    // A stack's override: empty (comments only) until one is stored; then its own file.
    ws.ok(&[
        "stack",
        "add",
        "--mn",
        "33010000",
        "--entity",
        "P1",
        "--name",
        "1号炉",
        "--password",
        "pw",
    ]);
    let empty = ws.ok(&["stack", "rules", "export", "--scope", "stack:33010000"]);
    assert!(
        empty
            .lines()
            .all(|line| line.is_empty() || line.starts_with('#')),
        "{empty}"
    );
    assert!(
        empty.contains("overrides of stack 33010000: none yet"),
        "{empty}"
    );
    let over = ws.file("over.toml", "[missing]\nminutes = 5\n");
    assert_eq!(
        ws.ok(&[
            "stack",
            "rules",
            "import",
            "--scope",
            "stack:33010000",
            &over
        ]),
        "alarm rules stack:33010000: stored, revision 1\n"
    );
    assert_eq!(
        ws.ok(&["stack", "rules", "export", "--scope", "stack:33010000"]),
        "[missing]\nminutes = 5\n"
    );
    // An override of an unregistered stack is refused by the store.
    let error = ws.fails(&[
        "stack",
        "rules",
        "import",
        "--scope",
        "stack:99990000",
        &over,
    ]);
    assert!(error.contains("nothing was stored"), "{error}");
    let error = ws.fails(&["stack", "rules", "export", "--scope", "stack:99990000"]);
    assert_eq!(error, "error: stack 99990000 is not registered\n");

    // Listed by scope, with revision and who; the time is the command's, checked for presence.
    let listed = ws.ok(&["stack", "rules", "list"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(
        lines[0].starts_with("segment:waste-to-energy  revision 2  env.admin  20"),
        "{listed}"
    );
    assert!(
        lines[1].starts_with("stack:33010000  revision 1  env.admin  20"),
        "{listed}"
    );
    let mut json: Value =
        serde_json::from_str(&ws.ok(&["stack", "rules", "list", "--format", "json"])).unwrap();
    for set in json["rule_sets"].as_array_mut().unwrap() {
        assert!(
            set.as_object_mut()
                .unwrap()
                .remove("updated_at")
                .unwrap()
                .is_string()
        );
    }
    assert_eq!(
        json,
        json!({ "rule_sets": [
            { "scope": "segment:waste-to-energy", "revision": 2, "updated_by": "env.admin" },
            { "scope": "stack:33010000", "revision": 1, "updated_by": "env.admin" },
        ]})
    );

    // Audited: two changes of the template (not the unchanged import), one of the override.
    let audit = ws.audit_json();
    let objects: Vec<&str> = audit["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "alarm_rules.set")
        .map(|e| e["object"].as_str().unwrap())
        .collect();
    assert_eq!(
        objects,
        vec![
            "alarm_rules stack:33010000",
            "alarm_rules segment:waste-to-energy",
            "alarm_rules segment:waste-to-energy",
        ]
    );
}

fn a_bad_rule_file_is_refused_and_nothing_stored(ws: Workspace) {
    const SCOPE: &str = "segment:waste-to-energy";
    // A string where minutes are a number: line 3 of the file, field stuck.minutes.
    let bad = ws.file(
        "bad.toml",
        "[stuck]\nenabled = true\nminutes = \"thirty\"\n",
    );
    let error = ws.fails(&["stack", "rules", "import", "--scope", SCOPE, &bad]);
    assert!(
        error.starts_with(&format!(
            "error: {bad}: alarm rules, line 3, field stuck.minutes: "
        )),
        "{error}"
    );
    assert!(error.ends_with(": nothing was stored\n"), "{error}");
    // A number out of range: a sensor cannot be stuck over a single minute (2 to 1440).
    let bad = ws.file("range.toml", "[stuck]\nminutes = 1\n");
    assert_eq!(
        ws.fails(&["stack", "rules", "import", "--scope", SCOPE, &bad]),
        format!(
            "error: {bad}: alarm rules: stuck.minutes = 1: must be 2 to 1440 minutes: nothing was stored\n"
        )
    );
    // A misspelt field (line 2 of the file).
    let bad = ws.file("typo.toml", "[missing]\nminuts = 5\n");
    let error = ws.fails(&["stack", "rules", "import", "--scope", SCOPE, &bad]);
    assert!(
        error.contains("alarm rules, line 2, field missing.minuts: "),
        "{error}"
    );
    // Another segment's template.
    let bad = ws.file("water.toml", "segment = \"water\"\n[stuck]\nminutes = 20\n");
    assert_eq!(
        ws.fails(&["stack", "rules", "import", "--scope", SCOPE, &bad]),
        format!(
            "error: {bad}: segment = \"water\" but the scope is segment:waste-to-energy: nothing was stored\n"
        )
    );
    // A scope that is neither segment:… nor stack:….
    let good = ws.file("good.toml", "[stuck]\nminutes = 20\n");
    let error = ws.fails(&["stack", "rules", "import", "--scope", "plant:P1", &good]);
    assert!(
        error.contains("alarm rule scope \"plant:P1\" is neither segment:<segment> nor stack:<MN>"),
        "{error}"
    );
    // Nothing was stored: no rule sets, the built-in template exported, nothing audited.
    assert_eq!(ws.ok(&["stack", "rules", "list"]), NO_RULES);
    assert_eq!(
        ws.ok(&["stack", "rules", "export", "--scope", SCOPE]),
        TEMPLATE
    );
    let audit = ws.audit_json();
    assert!(
        !audit["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "alarm_rules.set")
    );
}

fn stacks_are_exported_and_imported_back_unchanged(ws: Workspace) {
    // A name with a comma and a quote (quoted in the file), aliases, own codes; one retired.
    let file = ws.file(
        "stacks.csv",
        "mn,entity,name,password,standard,oxygen_code,furnace_code,aliases\n\
         33010000,P1,\"1号炉, \"\"东\"\"\",s3cret-one,,,,\n\
         33010001,P2,2号炉,pw-two,gb18485-2014,O2,T_furnace,NOX=a21002;SO2=a21026\n\
         33010002,P2,3号炉,pw-three,,,,\n",
    );
    assert_eq!(
        ws.ok(&["stack", "import", &file]),
        "stacks.csv: 3 stacks: 3 created, 0 updated, 0 unchanged\n"
    );
    ws.ok(&["stack", "retire", "--mn", "33010002"]);
    // The active stacks, every column filled in (the defaults a19001, furnace_temp and
    // gb18485-2014 written out), passwords as they are, the name quoted as in RFC 4180.
    let expected = "mn,entity,name,password,standard,oxygen_code,furnace_code,aliases\n\
         33010000,P1,\"1号炉, \"\"东\"\"\",s3cret-one,gb18485-2014,a19001,furnace_temp,\n\
         33010001,P2,2号炉,pw-two,gb18485-2014,O2,T_furnace,NOX=a21002;SO2=a21026\n";
    assert_eq!(ws.ok(&["stack", "export"]), expected);
    let path = ws.dir.path().join("exported.csv");
    let out = path.to_string_lossy().into_owned();
    let run = ws.zx(&["stack", "export", "-o", &out]);
    assert!(run.status.success());
    assert_eq!(String::from_utf8(run.stdout).unwrap(), "");
    assert_eq!(
        String::from_utf8(run.stderr).unwrap(),
        format!("2 stacks (with their data loggers' passwords: keep the file safe) → {out}\n")
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    // Imported back: nothing changes, and the retired stack stays retired.
    assert_eq!(
        ws.ok(&["stack", "import", &out]),
        "exported.csv: 2 stacks: 0 created, 0 updated, 2 unchanged\n"
    );
    let listed = ws.list_json();
    assert_eq!(listed["stacks"][0]["name"], "1号炉, \"东\"");
    assert_eq!(listed["stacks"][2]["active"], false);
}

/// MNs as air stations and water plants use them (`_`, `-`, up to 24 characters) are registered
/// by `add` and by a file.
fn mns_with_underscores_and_dashes_are_registered(ws: Workspace) {
    let added = ws.ok(&[
        "stack",
        "add",
        "--mn",
        "JLYP01_AIR01_0001",
        "--entity",
        "P1",
        "--name",
        "空气站",
        "--password",
        "pw",
    ]);
    assert_eq!(added, "stack JLYP01_AIR01_0001: registered\n");
    let file = ws.file(
        "stacks.csv",
        "mn,entity,name,password,standard\nW-3301-0000000000000001,P1,污水总排口,pw,\n",
    );
    ws.ok(&["stack", "import", &file]);
    let listed = ws.list_json();
    let mns: Vec<&str> = listed["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stack| stack["mn"].as_str().unwrap())
        .collect();
    assert_eq!(mns, ["JLYP01_AIR01_0001", "W-3301-0000000000000001"]);
}

// One `#[test]` per test above and backend: `sqlite::name` always, `postgres::name` on the
// cluster of `ZX_TEST_DATABASE_URL` (without it, a notice and a pass).
on_both_backends!(
    Workspace:
    stacks_are_added_imported_listed_and_retired,
    a_bad_file_is_refused_whole_with_every_line_named,
    alarm_rules_round_trip_through_a_file,
    a_bad_rule_file_is_refused_and_nothing_stored,
    stacks_are_exported_and_imported_back_unchanged,
    mns_with_underscores_and_dashes_are_registered,
);
