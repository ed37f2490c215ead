//! The benchmark page and `GET /api/v1/benchmark` over HTTP (issue 13): on a small group worked
//! by hand (the group of `tests/benchmark.rs`, served) the page shows the quartiles, ranks, gaps
//! and what they are worth as worked out below; the API answers byte for byte what
//! `zx benchmark --format json` prints; each role benchmarks only the plants of its subtree. On
//! SQLite, and on PostgreSQL with `ZX_TEST_DATABASE_URL`.

use std::process::Command;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;

#[macro_use]
mod common;
use common::web::hidden;
use common::{run, zx};

/// The hand-made group served: G → S1 (A, B, C, W water), S2 (D, E, F, H); accounts `hq`
/// (hq_analyst), `s2` (viewer of S2) and `c` (manager of plant C), password `password-<name>`.
struct Group {
    _dir: tempfile::TempDir,
    db: String,
    base: String,
    _postgres: Option<zx_store_postgres::TestDatabase>,
}

const ENTITIES: &str = "code,name,parent,kind,region,segment\n\
    G,集团,,group,北京,\n\
    S1,一公司,G,subsidiary,福建,\n\
    S2,二公司,G,subsidiary,四川,\n\
    A,A 厂,S1,plant,福建,waste-to-energy\n\
    B,B 厂,S1,plant,福建,waste-to-energy\n\
    C,C 厂,S1,plant,福建,waste-to-energy\n\
    W,W 水厂,S1,plant,福建,water\n\
    D,D 厂,S2,plant,四川,waste-to-energy\n\
    E,E 厂,S2,plant,四川,waste-to-energy\n\
    F,F 厂,S2,plant,四川,waste-to-energy\n\
    H,H 厂,S2,plant,四川,waste-to-energy\n";

/// January and February 2026, month basis unless said; E sends year-to-date figures (800 t and
/// 96,000 yuan each month); F burnt nothing. In February A, B, C, D and H split their cost into
/// fuel, labour and other (each adding up to its operating cost).
const DATA: &str = "entity,period,item,value,basis\n\
    A,2026-01,waste_incinerated_t,1000,month\n\
    A,2026-02,waste_incinerated_t,1000,month\n\
    A,2026-01,operating_cost,100000,month\n\
    A,2026-02,operating_cost,110000,month\n\
    B,2026-01,waste_incinerated_t,2000,month\n\
    B,2026-02,waste_incinerated_t,2000,month\n\
    B,2026-01,operating_cost,180000,month\n\
    B,2026-02,operating_cost,180000,month\n\
    C,2026-01,waste_incinerated_t,500,month\n\
    C,2026-02,waste_incinerated_t,500,month\n\
    C,2026-01,operating_cost,60000,month\n\
    C,2026-02,operating_cost,65000,month\n\
    W,2026-01,water_treated_m3,300000,month\n\
    W,2026-02,water_treated_m3,280000,month\n\
    W,2026-01,operating_cost,60000,month\n\
    W,2026-02,operating_cost,56000,month\n\
    D,2026-01,waste_incinerated_t,1500,month\n\
    D,2026-02,waste_incinerated_t,1500,month\n\
    D,2026-01,operating_cost,150000,month\n\
    D,2026-02,operating_cost,150000,month\n\
    E,2026-01,waste_incinerated_t,800,ytd\n\
    E,2026-02,waste_incinerated_t,1600,ytd\n\
    E,2026-01,operating_cost,96000,ytd\n\
    E,2026-02,operating_cost,192000,ytd\n\
    F,2026-01,waste_incinerated_t,0,month\n\
    F,2026-02,waste_incinerated_t,0,month\n\
    F,2026-01,operating_cost,50000,month\n\
    F,2026-02,operating_cost,50000,month\n\
    H,2026-01,waste_incinerated_t,1000,month\n\
    H,2026-02,waste_incinerated_t,1000,month\n\
    H,2026-01,operating_cost,105000,month\n\
    H,2026-02,operating_cost,105000,month\n\
    A,2026-02,cost_fuel,10000,month\n\
    A,2026-02,cost_labour,50000,month\n\
    A,2026-02,cost_other,50000,month\n\
    B,2026-02,cost_fuel,30000,month\n\
    B,2026-02,cost_labour,70000,month\n\
    B,2026-02,cost_other,80000,month\n\
    C,2026-02,cost_fuel,10000,month\n\
    C,2026-02,cost_labour,30000,month\n\
    C,2026-02,cost_other,25000,month\n\
    D,2026-02,cost_fuel,15000,month\n\
    D,2026-02,cost_labour,60000,month\n\
    D,2026-02,cost_other,75000,month\n\
    H,2026-02,cost_fuel,15000,month\n\
    H,2026-02,cost_labour,45000,month\n\
    H,2026-02,cost_other,45000,month\n";

impl Group {
    async fn sqlite() -> Group {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("zx.db").to_string_lossy().into_owned();
        Group::build(dir, db, None).await
    }

    async fn postgres(label: &str) -> Option<Group> {
        let base = zx_store_postgres::test_database_url(label)?;
        let database = zx_store_postgres::TestDatabase::create(&base)
            .await
            .unwrap();
        let db = database.url().to_owned();
        Some(Group::build(tempfile::tempdir().unwrap(), db, Some(database)).await)
    }

    async fn build(
        dir: tempfile::TempDir,
        db: String,
        postgres: Option<zx_store_postgres::TestDatabase>,
    ) -> Group {
        zx(&db, &["init"]);
        for (name, text) in [("entities.csv", ENTITIES), ("data.csv", DATA)] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            zx(&db, &["import", path.to_str().unwrap()]);
        }
        for (name, role, entity) in [
            ("hq", "hq_analyst", None),
            ("s2", "viewer", Some("S2")),
            ("c", "entity_manager", Some("C")),
        ] {
            let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
            command.args([
                "user",
                "add",
                "--name",
                name,
                "--role",
                role,
                "--password-stdin",
            ]);
            if let Some(entity) = entity {
                command.args(["--entity", entity]);
            }
            command.args(["--db", &db]).env("ZX_USER", "tester");
            let out = run(command, Some(&format!("password-{name}\n")));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let store: Arc<dyn zx_store::Store> = match &postgres {
            Some(_) => Arc::new(zx_store_postgres::PgStore::open(&db, false).await.unwrap()),
            None => Arc::new(
                zx_store_sqlite::SqliteStore::open(&db, false)
                    .await
                    .unwrap(),
            ),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let settings = zx_server::Settings {
            db: db.clone(),
            emissions: zx_server::config::Emissions {
                dir: common::web::cems_dir(&dir),
                ..Default::default()
            },
            ..Default::default()
        };
        tokio::spawn(zx_server::serve_with(
            listener,
            None,
            store,
            zx_domain::Catalogue::builtin().unwrap(),
            settings,
            Arc::new(zx_app::SystemClock),
        ));
        Group {
            _dir: dir,
            db,
            base,
            _postgres: postgres,
        }
    }

    async fn login(&self, name: &str) -> reqwest::Client {
        let client = common::web::Env::client();
        let page = get(&client, &self.base, "/login").await.1;
        let csrf = hidden(&page, "csrf");
        let password = format!("password-{name}");
        let response = client
            .post(format!("{}/login", self.base))
            .form(&[
                ("name", name),
                ("password", password.as_str()),
                ("csrf", csrf.as_str()),
                ("next", "/cockpit"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {name}");
        client
    }
}

async fn get(client: &reqwest::Client, base: &str, path: &str) -> (StatusCode, String) {
    let response = client.get(format!("{base}{path}")).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The `<tr>` of the ranking for plant `code`, as HTML.
fn ranking_row<'p>(page: &'p str, code: &str) -> &'p str {
    let start = page
        .find(&format!("<tr data-code=\"{code}\""))
        .unwrap_or_else(|| panic!("no row of {code}"));
    let end = start + page[start..].find("</tr>").unwrap();
    &page[start..end]
}

/// Pretty JSON as a compact writer prints it: whitespace outside strings dropped.
fn compact(pretty: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    for ch in pretty.chars() {
        if in_string {
            out.push(ch);
            match (escaped, ch) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if ch == '"' {
            in_string = true;
            out.push(ch);
        } else if !ch.is_whitespace() {
            out.push(ch);
        }
    }
    out
}

async fn the_page_shows_the_quartiles_ranks_and_worth_worked_by_hand(group: Group) {
    let client = group.login("hq").await;
    let (status, page) = get(
        &client,
        &group.base,
        "/benchmark?indicator=cost_per_tonne&period=2026-02&plant=C",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // YTD cost per tonne: A 210,000 / 2,000 = 105; B 360,000 / 4,000 = 90; C 125,000 / 1,000 =
    // 125; D 300,000 / 3,000 = 100; E 192,000 / 1,600 = 120; H 210,000 / 2,000 = 105; F has
    // 0 t. Sorted 90, 100, 105, 105, 120, 125 (h = 5p): q1 = 100 + 0.25 × 5 = 101.25, median
    // 105, q3 = 105 + 0.75 × 15 = 116.25.
    for stat in [
        "<strong>6</strong>",
        "<strong>90.00 元/吨</strong>",
        "<strong>101.25 元/吨</strong>",
        "<strong>105.00 元/吨</strong>",
        "<strong>116.25 元/吨</strong>",
        "<strong>125.00 元/吨</strong>",
    ] {
        assert!(page.contains(stat), "{stat} not in the stats");
    }
    // Ranks 1, 2, 3, 3, 5, 6 (A and H tie). Gap to q1 and its worth over the plant's tonnes:
    // A (105 − 101.25) × 2,000 t = 7,500 元 = 0.75 万元; E 18.75 × 1,600 = 30,000 = 3.00 万元;
    // C 23.75 × 1,000 = 23,750 = 2.38 万元 (to the cent of 万元).
    let order: Vec<usize> = ["B", "D", "A", "H", "E", "C"]
        .iter()
        .map(|c| page.find(&format!("<tr data-code=\"{c}\"")).unwrap())
        .collect();
    assert!(order.is_sorted(), "ranking order {order:?}");
    for (code, rank, value, quartile, gap, worth) in [
        ("B", 1, "90.00 元/吨", 1, "—", "—"),
        ("D", 2, "100.00 元/吨", 1, "—", "—"),
        ("A", 3, "105.00 元/吨", 2, "3.75 元/吨", "0.75 万元"),
        ("H", 3, "105.00 元/吨", 2, "3.75 元/吨", "0.75 万元"),
        ("E", 5, "120.00 元/吨", 4, "18.75 元/吨", "3.00 万元"),
        ("C", 6, "125.00 元/吨", 4, "23.75 元/吨", "2.38 万元"),
    ] {
        let row = ranking_row(&page, code);
        assert!(
            row.contains(&format!("data-quartile=\"{quartile}\"")),
            "{row}"
        );
        let cells: Vec<&str> = row
            .split("<td class=\"num\">")
            .skip(1)
            .map(|c| c.split("</td>").next().unwrap())
            .collect();
        assert_eq!(
            cells,
            [rank.to_string().as_str(), value, gap, worth],
            "{code}"
        );
    }
    assert!(ranking_row(&page, "E").contains("后四分之一"));
    // W treats water: no peer. F is listed apart with the reason.
    assert!(!page.contains("data-code=\"W\""));
    let missing = &page[page.find("id=\"benchmark-missing\"").unwrap()..];
    assert!(missing.contains("<li data-code=\"F\">F 厂"), "{missing}");
    // C's rank by month. January (YTD = the month): A 100, B 90, C 120, D 100, E 120, H 105:
    // ranks B 1, A 2, D 2, H 4, C 5, E 5, and C above q3 (105 + 0.75 × 15 = 116.25): Q4, 5/6.
    // February: 6/6.
    let months = &page[page.find("id=\"rank-months\"").unwrap()..];
    let months = &months[..months.find("</table>").unwrap()];
    assert!(
        months.contains("<th class=\"num\">1月</th><th class=\"num\">2月</th>"),
        "{months}"
    );
    assert!(
        months.contains("<span class=\"badge q4\">5/6</span>")
            && months.contains("<span class=\"badge q4\">6/6</span>"),
        "{months}"
    );
    // In English, after the switch.
    get(&client, &group.base, "/lang?to=en&next=/cockpit").await;
    let (_, page) = get(&client, &group.base, "/benchmark?period=2026-02").await;
    assert!(page.contains("Benchmark"), "English title");
    let row = ranking_row(&page, "E");
    assert!(
        row.contains("120.00 yuan/t") && row.contains("3.00 10k yuan"),
        "{row}"
    );
    assert!(page.contains("zero denominator: flow(waste_incinerated_t) = 0"));
}

async fn the_api_answers_byte_for_byte_what_the_cli_prints(group: Group) {
    let client = group.login("hq").await;
    for (query, args) in [
        (
            "indicator=cost_per_tonne&period=2026-02",
            vec!["--indicator", "cost_per_tonne", "--period", "2026-02"],
        ),
        (
            "indicator=cost_per_tonne&period=2026-02&basis=month&entity=S2",
            vec![
                "--indicator",
                "cost_per_tonne",
                "--period",
                "2026-02",
                "--basis",
                "month",
                "--entity",
                "S2",
            ],
        ),
        (
            "indicator=cost_per_m3&period=2026-01&segment=water",
            vec![
                "--indicator",
                "cost_per_m3",
                "--period",
                "2026-01",
                "--segment",
                "water",
            ],
        ),
    ] {
        let (status, body) = get(&client, &group.base, &format!("/api/v1/benchmark?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut all = vec!["benchmark"];
        all.extend(args);
        all.extend(["--format", "json"]);
        assert_eq!(body, compact(&zx(&group.db, &all)), "{query}");
    }
    // A question that cannot be answered: an unknown indicator (404), a segment where the
    // indicator does not apply (422).
    let (status, body) = get(
        &client,
        &group.base,
        "/api/v1/benchmark?indicator=cost_per_tone",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["code"], "indicator_not_found");
    let (status, body) = get(
        &client,
        &group.base,
        "/api/v1/benchmark?indicator=cost_per_tonne&period=2026-02&segment=water",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Documented in the OpenAPI document, with its shape.
    let doc: Value =
        serde_json::from_str(&get(&client, &group.base, "/api/openapi.json").await.1).unwrap();
    assert!(doc["paths"]["/api/v1/benchmark"]["get"].is_object());
    assert!(doc["components"]["schemas"]["BenchmarkJson"].is_object());
}

async fn each_role_benchmarks_only_the_plants_of_its_subtree(group: Group) {
    // The viewer of S2: S2's plants by default. YTD: D 100, H 105, E 120 (n = 3, h = 2p): q1
    // = 100 + 0.5 × 5 = 102.5, median 105, q3 = 105 + 0.5 × 15 = 112.5; F missing.
    let s2 = group.login("s2").await;
    let (status, body) = get(&s2, &group.base, "/api/v1/benchmark?period=2026-02").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["stats"]["q1"], "102.5");
    assert_eq!(json["stats"]["q3"], "112.5");
    let peers: Vec<&str> = json["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["entity"].as_str().unwrap())
        .collect();
    assert_eq!(peers, ["D", "H", "E"]);
    assert_eq!(json["missing"], serde_json::json!(["F"]));
    let (status, page) = get(&s2, &group.base, "/benchmark?period=2026-02").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("data-code=\"A\"") && page.contains("data-code=\"D\""));
    // Another subsidiary or the group: 403, API and page; an unknown code: 404.
    for path in [
        "/api/v1/benchmark?entity=S1",
        "/api/v1/benchmark?entity=G",
        "/benchmark?entity=S1",
    ] {
        assert_eq!(
            get(&s2, &group.base, path).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        get(&s2, &group.base, "/api/v1/benchmark?entity=NOPE")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The manager of plant C: only C itself (n = 1, rank 1).
    let c = group.login("c").await;
    let (_, body) = get(&c, &group.base, "/api/v1/benchmark?period=2026-02").await;
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json["peers"],
        serde_json::json!([{"entity": "C", "value": "125", "rank": 1, "quartile": 1}])
    );
    assert_eq!(
        get(&c, &group.base, "/benchmark?entity=S1").await.0,
        StatusCode::FORBIDDEN
    );
    // C's cockpit shows its operating indicators against the group's plants of its segment,
    // for its manager too (only C's own rank and quartile): cost per tonne 6 / 6, Q4, red with
    // no measure in hand. Its link compares within C, the widest entity the manager may read.
    let (_, page) = get(&c, &group.base, "/cockpit?entity=C&period=2026-02").await;
    let table = &page[page.find("id=\"plant-benchmark\"").unwrap()..];
    let row = &table[table.find("data-indicator=\"cost_per_tonne\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("125.00") && row.contains("Q4") && row.contains("6 / 6"),
        "{row}"
    );
    assert!(
        row.contains("data-testid=\"op-gap-cost_per_tonne\""),
        "{row}"
    );
    assert!(
        row.contains("/measures/new?entity=C&amp;indicator=cost_per_tonne"),
        "{row}"
    );
    assert!(row.contains("entity=C&amp;"), "{row}");
    let hq = group.login("hq").await;
    let (_, page) = get(&hq, &group.base, "/cockpit?entity=C&period=2026-02").await;
    let table = &page[page.find("id=\"plant-benchmark\"").unwrap()..];
    let row = &table[table.find("data-indicator=\"cost_per_tonne\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("125.00") && row.contains("Q4") && row.contains("6 / 6"),
        "{row}"
    );
    assert!(
        row.contains("/benchmark?indicator=cost_per_tonne&amp;entity=G"),
        "{row}"
    );
    // S2's cockpit shows its plants' quartiles on cost per tonne among the group's plants
    // (q1 101.25, median 105, q3 116.25): D 100 Q1, H 105 Q2, E 120 Q4; F has no value.
    let (_, page) = get(&hq, &group.base, "/cockpit?entity=S2&period=2026-02").await;
    let table = &page[page.find("id=\"plant-quartiles\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    for (code, cell) in [
        ("D", "100.00 <span class=\"badge q1\">Q1</span>"),
        ("H", "105.00 <span class=\"badge q2\">Q2</span>"),
        ("E", "120.00 <span class=\"badge q4\">Q4</span>"),
    ] {
        let row = ranking_row(table, code);
        assert!(row.contains(cell), "{code}: {row}");
    }
    assert!(!table.contains("data-code=\"F\""), "{table}");
    // Its viewer sees them placed among the group's plants too: D Q1, H Q2, E Q4.
    let (_, page) = get(&s2, &group.base, "/cockpit?entity=S2&period=2026-02").await;
    assert!(page.contains("peers under</small>") || page.contains("对标范围"));
    let table = &page[page.find("id=\"plant-quartiles\"").unwrap()..];
    assert!(ranking_row(table, "E").contains("badge q4"));
}

async fn post_file(
    client: &reqwest::Client,
    url: String,
    name: &str,
    text: &str,
    fields: &[(&str, String)],
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned()),
    );
    for (key, value) in fields {
        form = form.text(key.to_string(), value.clone());
    }
    let response = client.post(url).multipart(form).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn industry_references_are_imported_by_hq_and_drawn_beside_the_quartiles(group: Group) {
    let hq = group.login("hq").await;
    let api = format!("{}/api/v1/benchmark/references/import", group.base);
    let page = get(&hq, &group.base, "/benchmark?period=2026-02").await.1;
    let csrf = hidden(&page, "csrf");
    let file = "indicator,segment,kind,value,year,source\n\
                cost_per_tonne,,average,110,2025,协会年鉴\n\
                cost_per_tonne,,best,95.5,2025,协会年鉴\n";
    let fields = [("csrf", csrf.clone())];
    let (status, body) = post_file(&hq, api.clone(), "refs.csv", file, &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"created": 2, "revised": 0, "unchanged": 0})
    );
    // The average corrected: a revision; the best unchanged.
    let corrected = file.replace(",110,", ",112,");
    let (_, body) = post_file(&hq, api.clone(), "refs-2.csv", &corrected, &fields).await;
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"created": 0, "revised": 1, "unchanged": 1})
    );
    // A bad file: 422, every problem named, nothing written.
    let bad = "indicator,segment,kind,value,year,source\nroe,,average,0.1,2025,x\n";
    let (status, body) = post_file(&hq, api.clone(), "bad.csv", bad, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json["errors"][0]["text"],
        "bad.csv:2: indicator: \"roe\" roe is not an operating indicator: only those are benchmarked among plants"
    );
    // Only HQ imports: the viewer of S2 and the manager of C are refused.
    for name in ["s2", "c"] {
        let client = group.login(name).await;
        let page = get(&client, &group.base, "/cockpit").await.1;
        let fields = [("csrf", hidden(&page, "csrf"))];
        let (status, _) = post_file(&client, api.clone(), "refs.csv", file, &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
    // In force: the average at 112 (revision 2) and the best at 95.5; every user reads them.
    let c = group.login("c").await;
    let (_, body) = get(
        &c,
        &group.base,
        "/api/v1/benchmark/references?indicator=cost_per_tonne",
    )
    .await;
    let json: Value = serde_json::from_str(&body).unwrap();
    let values: Vec<(&str, &str, i64)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap(),
                r["value"].as_str().unwrap(),
                r["revision"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(values, [("average", "112", 2), ("best", "95.5", 1)]);
    // The page lists them and draws them as lines; the quartiles are still the plants' own
    // (q1 101.25, median 105, q3 116.25 as worked out above), 95.5 and 112 not among them.
    let (_, page) = get(
        &hq,
        &group.base,
        "/benchmark?indicator=cost_per_tonne&period=2026-02",
    )
    .await;
    let table = &page[page.find("id=\"reference-values\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(
        table.contains("行业平均") && table.contains("112.00 元/吨") && table.contains("协会年鉴"),
        "{table}"
    );
    assert!(table.contains("95.50 元/吨"), "{table}");
    for stat in [
        "<strong>6</strong>",
        "<strong>101.25 元/吨</strong>",
        "<strong>116.25 元/吨</strong>",
    ] {
        assert!(page.contains(stat), "{stat}");
    }
    let chart = hidden_attr(&page, "data-benchmark");
    let chart: Value = serde_json::from_str(&chart).unwrap();
    assert_eq!(
        chart["references"],
        serde_json::json!([
            {"label": "行业平均 2025", "value": "112"},
            {"label": "行业先进 2025", "value": "95.5"}
        ])
    );
    // The page's own upload form: back on the page with what happened.
    let fields = [
        ("csrf", csrf),
        ("indicator", "cost_per_tonne".to_owned()),
        ("period", "2026-02".to_owned()),
    ];
    let (status, page) = post_file(
        &hq,
        format!("{}/benchmark/references/import", group.base),
        "refs.csv",
        &corrected,
        &fields,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("新增 0，修订 0，未变 2"), "the note");
    assert!(page.contains("id=\"reference-values\""));
}

/// An attribute's value in a page, unescaped (`&#34;` and `&quot;` as `"`, `&amp;` as `&`).
fn hidden_attr(page: &str, name: &str) -> String {
    let start = page.find(&format!("{name}='")).unwrap() + name.len() + 2;
    let end = start + page[start..].find('\'').unwrap();
    page[start..end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

async fn a_plants_unit_cost_is_broken_down_against_the_segment_median(group: Group) {
    // February, month basis. Cost per tonne: A 110, B 90, C 130, D 100, E 96,000 / 800 = 120,
    // H 105 (F burnt nothing): sorted 90, 100, 105, 110, 120, 130, median (h = 2.5) 107.5.
    // Per tonne, over the five that split their cost (E did not):
    //   fuel   A 10, B 15, C 20, D 10, H 15 → median 15
    //   labour A 50, B 35, C 60, D 40, H 45 → median 45
    //   other  A 50, B 40, C 50, D 50, H 45 → median 50
    // C: fuel +5, labour +15, other 0; the medians add up to 110, not 107.5: mix 2.5;
    // 107.5 + 20 + 2.5 = 130.
    let c = group.login("c").await;
    let (status, body) = get(
        &c,
        &group.base,
        "/api/v1/benchmark/cost-breakdown?entity=C&period=2026-02&basis=month",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["indicator"], "cost_per_tonne");
    assert_eq!(json["median"], "107.5");
    assert_eq!(json["peers"], 6);
    assert_eq!(json["plant"], "130");
    assert_eq!(json["mix"], "2.5");
    let steps: Vec<(&str, &str, &str)> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["median"].is_null())
        .map(|s| {
            (
                s["item"].as_str().unwrap(),
                s["median"].as_str().unwrap(),
                s["gap"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("cost_fuel", "15", "5"),
            ("cost_labour", "45", "15"),
            ("cost_other", "50", "0")
        ]
    );
    // Another plant is outside C's manager's scope; E did not split its cost.
    assert_eq!(
        get(
            &c,
            &group.base,
            "/api/v1/benchmark/cost-breakdown?entity=A&period=2026-02&basis=month"
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let hq = group.login("hq").await;
    let (status, body) = get(
        &hq,
        &group.base,
        "/api/v1/benchmark/cost-breakdown?entity=E&period=2026-02&basis=month",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // C's cockpit draws it: the table's rows and the footer.
    let (_, page) = get(
        &c,
        &group.base,
        "/cockpit?entity=C&period=2026-02&basis=month",
    )
    .await;
    let table = &page[page.find("id=\"cost-elements\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let row = &table[table.find("data-item=\"cost_labour\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(
            "<td class=\"num\">60.00</td><td class=\"num\">45.00</td><td class=\"num\">+15.00</td>"
        ),
        "{row}"
    );
    assert!(
        table.contains("id=\"cost-plant\">130.00<") && table.contains("id=\"cost-median\">107.50<"),
        "{table}"
    );
    assert!(page.contains("data-waterfall="));
}

on_both_backends!(
    async Group("the benchmark web test"):
    the_page_shows_the_quartiles_ranks_and_worth_worked_by_hand,
    the_api_answers_byte_for_byte_what_the_cli_prints,
    each_role_benchmarks_only_the_plants_of_its_subtree,
    industry_references_are_imported_by_hq_and_drawn_beside_the_quartiles,
    a_plants_unit_cost_is_broken_down_against_the_segment_median,
);

/// The demo: 南充 is the group's bottom plant on cost per tonne, and the roles' scopes hold.
mod demo {
    use super::*;
    use common::web::Env;

    async fn the_demo_tells_the_story_within_each_scope(server: Env) {
        let hq = server.login("hq", "zengxiao-hq").await;
        let (status, body) = server
            .get(
                &hq,
                "/api/v1/benchmark?indicator=cost_per_tonne&period=2026-10",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let cli = zx(
            &server.db,
            &[
                "benchmark",
                "--indicator",
                "cost_per_tonne",
                "--period",
                "2026-10",
                "--format",
                "json",
            ],
        );
        assert_eq!(body, compact(&cli));
        let json: Value = serde_json::from_str(&body).unwrap();
        let last = json["peers"].as_array().unwrap().last().unwrap();
        assert_eq!(last["entity"], "SC-NC-WTE");
        assert_eq!(last["quartile"], 4);
        let (status, page) = server.get(&hq, "/benchmark?period=2026-10").await;
        assert_eq!(status, StatusCode::OK);
        assert!(ranking_row(&page, "SC-NC-WTE").contains("data-quartile=\"4\""));
        assert!(page.contains("href=\"/benchmark\""), "in the navigation");
        // The viewer of 四川: only 四川's plants.
        let sichuan = server.login("sichuan", "zengxiao-sichuan").await;
        let (_, body) = server
            .get(&sichuan, "/api/v1/benchmark?period=2026-10")
            .await;
        let json: Value = serde_json::from_str(&body).unwrap();
        let peers = json["peers"].as_array().unwrap();
        assert!(!peers.is_empty());
        assert!(
            peers
                .iter()
                .all(|p| p["entity"].as_str().unwrap().starts_with("SC-")),
            "{json}"
        );
        assert_eq!(
            server.get(&sichuan, "/benchmark?entity=FJ").await.0,
            StatusCode::FORBIDDEN
        );
        // The plant manager of 南充: its own plant, nothing above it.
        let nanchong = server.login("nanchong", "zengxiao-nanchong").await;
        let (_, body) = server
            .get(&nanchong, "/api/v1/benchmark?period=2026-10")
            .await;
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["stats"]["n"], 1);
        assert_eq!(json["peers"][0]["entity"], "SC-NC-WTE");
        assert_eq!(
            server.get(&nanchong, "/api/v1/benchmark?entity=SC").await.0,
            StatusCode::FORBIDDEN
        );
    }

    on_both_backends!(
        async Env("the benchmark demo test"):
        the_demo_tells_the_story_within_each_scope,
    );
}
