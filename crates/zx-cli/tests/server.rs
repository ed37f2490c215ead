//! The web server end to end: the real app on a random port, a fresh demo database per test,
//! talked to over HTTP like a browser or a script would. Every test runs on SQLite and, when
//! `ZX_TEST_DATABASE_URL` is set, on PostgreSQL (a database of its own, dropped afterwards).

use reqwest::StatusCode;
use serde_json::Value;

#[macro_use]
mod common;
use common::web::{Env as Server, hidden};
use common::zx;

async fn the_api_answers_exactly_what_the_cli_prints(server: Server) {
    let client = server.login("hq", "zengxiao-hq").await;
    for (entity, basis) in [("ZX", "ytd"), ("SC-NC-WTE", "ytd"), ("FJ", "month")] {
        let (status, body) = server
            .get(
                &client,
                &format!("/api/v1/entities/{entity}/kpi?period=2026-10&basis={basis}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let api: Value = serde_json::from_str(&body).unwrap();
        let cli: Value = serde_json::from_str(&zx(
            &server.db,
            &[
                "kpi", "--entity", entity, "--period", "2026-10", "--basis", basis, "--format",
                "json",
            ],
        ))
        .unwrap();
        assert_eq!(api, cli, "{entity} {basis}");
    }
    // The cockpit page shows the same total profit as the CLI, in 万元.
    let (_, page) = server.get(&client, "/cockpit").await;
    let cli: Value = serde_json::from_str(&zx(
        &server.db,
        &[
            "kpi", "--entity", "ZX", "--period", "2026-10", "--format", "json",
        ],
    ))
    .unwrap();
    let profit: zx_domain::Decimal = cli["indicators"]["total_profit"]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let wan = (profit / zx_domain::Decimal::from(10_000))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let shown = format!("{wan:.2}");
    let grouped = group_thousands(&shown);
    assert!(
        page.contains(&format!(">{grouped}</a>")),
        "cockpit lacks {grouped}"
    );
    // The audit log: the entries of `zx audit --format json` (with `submission`), as a list.
    let (status, body) = server
        .get(&client, "/api/v1/audit?action=import&limit=20")
        .await;
    assert_eq!(status, StatusCode::OK);
    let api: Value = serde_json::from_str(&body).unwrap();
    let cli: Value = serde_json::from_str(&zx(
        &server.db,
        &[
            "audit", "--action", "import", "--limit", "20", "--format", "json",
        ],
    ))
    .unwrap();
    assert_eq!(api, cli["audit"]);
    assert!(api[0]["submission"].is_i64(), "{api}");
}

fn group_thousands(text: &str) -> String {
    let (int, frac) = text.split_once('.').unwrap();
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{frac}")
}

async fn every_role_sees_only_its_subtree(server: Server) {
    let admin = server.login("admin", "zengxiao-admin").await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let sichuan = server.login("sichuan", "zengxiao-sichuan").await;
    let anonymous = Server::client();
    let cases: [(&reqwest::Client, &str, StatusCode); 14] = [
        (&admin, "ZX", StatusCode::OK),
        (&hq, "ZX", StatusCode::OK),
        (&hq, "SC", StatusCode::OK),
        (&fujian, "FJ", StatusCode::OK),
        (&fujian, "FJ-JJ-WTE", StatusCode::OK),
        (&fujian, "ZX", StatusCode::FORBIDDEN),
        (&fujian, "SC", StatusCode::FORBIDDEN),
        (&fujian, "SC-NC-WTE", StatusCode::FORBIDDEN),
        (&sichuan, "SC", StatusCode::OK),
        (&sichuan, "SC-NC-WTE", StatusCode::OK),
        (&sichuan, "FJ", StatusCode::FORBIDDEN),
        (&sichuan, "ZX", StatusCode::FORBIDDEN),
        (&anonymous, "ZX", StatusCode::UNAUTHORIZED),
        (&hq, "NOPE", StatusCode::NOT_FOUND),
    ];
    for (client, entity, expected) in cases {
        for path in [
            format!("/api/v1/entities/{entity}/kpi?period=2026-10"),
            format!("/api/v1/entities/{entity}/explain?period=2026-10&indicator=roe"),
            format!("/api/v1/entities/{entity}/cockpit?period=2026-10"),
        ] {
            let (status, body) = server.get(client, &path).await;
            assert_eq!(status, expected, "{path}: {body}");
            if status != StatusCode::OK {
                let error: Value = serde_json::from_str(&body).unwrap();
                assert!(
                    error["code"].is_string() && error["message"].is_string(),
                    "{body}"
                );
                assert!(!body.contains("indicators"), "no data may leak: {body}");
            }
        }
    }
    // Pages follow the same rules.
    let (status, page) = server.get(&fujian, "/cockpit?entity=SC").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("card-total_profit"));
    let (status, page) = server.get(&fujian, "/cockpit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("FJ-JJ-WTE"), "the manager's home is FJ");
    assert!(!page.contains("SC-NC-WTE"));
    // Listings are filtered, the audit log is HQ only.
    let (_, body) = server.get(&fujian, "/api/v1/entities").await;
    let list: Value = serde_json::from_str(&body).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|e| e["code"].as_str().unwrap().starts_with("FJ")),
        "{body}"
    );
    assert_eq!(
        server.get(&fujian, "/api/v1/audit").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(server.get(&hq, "/api/v1/audit").await.0, StatusCode::OK);
    let (_, body) = server.get(&sichuan, "/api/v1/targets?year=2026").await;
    let targets: Value = serde_json::from_str(&body).unwrap();
    assert!(!targets.as_array().unwrap().is_empty());
    assert!(
        targets
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["entity"].as_str().unwrap().starts_with("SC"))
    );
}

async fn forms_need_the_csrf_token_and_targets_are_hq_only(server: Server) {
    let hq = server.login("hq", "zengxiao-hq").await;
    let (_, page) = server.get(&hq, "/targets?year=2026").await;
    let csrf = hidden(&page, "csrf");
    let form = |token: &str| {
        vec![
            ("csrf", token.to_owned()),
            ("entity", "FJ".to_owned()),
            ("year", "2026".to_owned()),
            ("indicator", "roe".to_owned()),
            ("value", "9%".to_owned()),
        ]
    };
    let response = hq
        .post(format!("{}/targets", server.base))
        .form(&form("forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let current: Value =
        serde_json::from_str(&server.get(&hq, "/api/v1/targets?year=2026").await.1).unwrap();
    let roe = current
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["entity"] == "FJ" && t["indicator"] == "roe")
        .unwrap()
        .clone();
    assert_ne!(roe["value"], "0.09", "the forged form changed nothing");
    let mut good = form(&csrf);
    good.push(("revision", roe["revision"].to_string()));
    let response = hq
        .post(format!("{}/targets", server.base))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let kpi: Value = serde_json::from_str(
        &server
            .get(&hq, "/api/v1/entities/FJ/kpi?period=2026-10")
            .await
            .1,
    )
    .unwrap();
    assert_eq!(kpi["indicators"]["roe"]["target"], "0.09");
    // The same revision again is stale now: a conflict, not a silent overwrite.
    let response = hq
        .post(format!("{}/targets", server.base))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("revision"));
    // Audited with old and new value.
    let audit: Value = serde_json::from_str(
        &server
            .get(&hq, "/api/v1/audit?action=target.set&object=FJ")
            .await
            .1,
    )
    .unwrap();
    assert_eq!(audit[0]["new"], "0.09");
    assert_eq!(audit[0]["user"], "hq");
    // A manager cannot edit targets, even with a valid token.
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let (_, page) = server.get(&fujian, "/targets?year=2026").await;
    assert!(
        !page.contains("name=\"value\""),
        "no edit form for managers"
    );
    let token = hidden(&page, "csrf");
    let response = fujian
        .post(format!("{}/targets", server.base))
        .form(&form(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn tokens_for_scripts_and_login_rate_limits(server: Server) {
    let token = zx(&server.db, &["user", "token", "--name", "fujian"])
        .trim()
        .to_owned();
    let client = Server::client();
    let response = client
        .get(format!(
            "{}/api/v1/entities/FJ/kpi?period=2026-10",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = client
        .get(format!(
            "{}/api/v1/entities/ZX/kpi?period=2026-10",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = client
        .get(format!("{}/api/v1/me", server.base))
        .bearer_auth("zx_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Five wrong passwords, then even the right one is refused for a while.
    let browser = Server::client();
    for attempt in 0..6 {
        let page = browser
            .get(format!("{}/login", server.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden(&page, "csrf");
        let password = if attempt < 5 {
            "wrong-password"
        } else {
            "zengxiao-hq"
        };
        let response = browser
            .post(format!("{}/login", server.base))
            .form(&[("name", "hq"), ("password", password), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        let expected = if attempt < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(response.status(), expected, "attempt {attempt}");
    }
    // The OpenAPI document is generated from the code.
    let doc: Value =
        serde_json::from_str(&server.get(&client, "/api/openapi.json").await.1).unwrap();
    assert!(doc["paths"]["/api/v1/entities/{code}/kpi"]["get"].is_object());
    assert_eq!(server.get(&client, "/healthz").await.1, "ok");
}

async fn upload(server: &Server, client: &reqwest::Client, csv: &str, action: &str) -> String {
    let (_, page) = server.get(client, "/collect").await;
    let csrf = hidden(&page, "csrf");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("action", action.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("data.csv"),
        );
    let response = client
        .post(format!("{}/collect/upload", server.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

fn history(server: &Server, entity: &str, period: &str, item: &str) -> Vec<Value> {
    let json: Value = serde_json::from_str(&zx(
        &server.db,
        &[
            "history", "--entity", entity, "--period", period, "--item", item, "--format", "json",
        ],
    ))
    .unwrap();
    json["revisions"].as_array().unwrap().clone()
}

async fn collection_validates_submits_and_respects_locks_and_scope(server: Server) {
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let hq = server.login("hq", "zengxiao-hq").await;

    // Every error is listed with its line, column and value; nothing is written.
    let page = upload(
        &server,
        &fujian,
        "entity,period,item,value\nFJ-JJ-WTE,2026-10,total_profit,100\nFJ-JJ-WTE,2026-10,net_profit,\"12,3x\"\n",
        "submit",
    )
    .await;
    assert!(
        page.contains("<td>3</td><td>value</td><td><code>12,3x</code></td>"),
        "{page}"
    );
    assert_eq!(
        history(&server, "FJ-JJ-WTE", "2026-10", "total_profit").len(),
        1
    );

    // A clean file is imported as the manager, and the month shows as submitted.
    let page = upload(
        &server,
        &fujian,
        "entity,period,item,value\nFJ-JJ-WTE,2026-10,total_profit,100\n",
        "submit",
    )
    .await;
    assert!(page.contains("id=\"upload-result\""), "{page}");
    let revisions = history(&server, "FJ-JJ-WTE", "2026-10", "total_profit");
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[1]["value"], "100");
    assert_eq!(revisions[1]["user"], "fujian");
    let (_, grid) = server.get(&hq, "/collect?year=2026").await;
    let row = grid
        .split("data-code=\"FJ-JJ-WTE\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert_eq!(row.matches("state-submitted").count(), 10, "{row}");
    // Nov and Dec not submitted: missing, due or not yet due, depending on today's date (this
    // test runs on the system clock; `collection_expect.rs` pins the date).
    assert_eq!(
        row.matches("state-none").count()
            + row.matches("state-due").count()
            + row.matches("state-later").count(),
        2,
        "Nov and Dec not submitted: {row}"
    );

    // Rows outside the manager's subtree are refused whole.
    let page = upload(&server, &fujian, "entity,period,item,value\nFJ-JJ-WTE,2026-10,total_profit,7\nSC-NC-WTE,2026-10,total_profit,7\n", "submit").await;
    assert!(page.contains("SC-NC-WTE"), "{page}");
    assert_eq!(
        history(&server, "FJ-JJ-WTE", "2026-10", "total_profit").len(),
        2
    );

    // HQ returns a month (a comment is required), then locks October for the whole group.
    let (_, page) = server.get(&hq, "/collect").await;
    let csrf = hidden(&page, "csrf");
    let review = |entity: &str, state: &str, comment: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("entity", entity.to_owned()),
            ("month", "2026-10".to_owned()),
            ("state", state.to_owned()),
            ("comment", comment.to_owned()),
        ]
    };
    let response = hq
        .post(format!("{}/collect/state", server.base))
        .form(&review("FJ-JJ-WTE", "returned", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = hq
        .post(format!("{}/collect/state", server.base))
        .form(&review("FJ-JJ-WTE", "returned", "利润偏低，请核实"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // FJ-JJ-WTE was returned, so it has not submitted October: the lock asks first, then
    // locks when confirmed.
    let response = hq
        .post(format!("{}/collect/state", server.base))
        .form(&review("ZX", "locked", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("FJ-JJ-WTE"));
    let mut confirmed = review("ZX", "locked", "");
    confirmed.push(("force", "on".to_owned()));
    let response = hq
        .post(format!("{}/collect/state", server.base))
        .form(&confirmed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // Managers cannot review.
    let (_, page) = server.get(&fujian, "/collect").await;
    let csrf_manager = hidden(&page, "csrf");
    let response = fujian
        .post(format!("{}/collect/state", server.base))
        .form(&[
            ("csrf", csrf_manager.as_str()),
            ("entity", "FJ"),
            ("month", "2026-09"),
            ("state", "approved"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // The locked month refuses the submission; nothing is written.
    let page = upload(
        &server,
        &fujian,
        "entity,period,item,value\nFJ-JJ-WTE,2026-10,total_profit,200\n",
        "submit",
    )
    .await;
    assert!(
        page.contains("2026-10") && (page.contains("已锁定") || page.contains("locked")),
        "{page}"
    );
    assert_eq!(
        history(&server, "FJ-JJ-WTE", "2026-10", "total_profit").len(),
        2
    );
    // The audit log has the review with its comment.
    let audit: Value = serde_json::from_str(
        &server
            .get(&hq, "/api/v1/audit?object=FJ-JJ-WTE%202026-10")
            .await
            .1,
    )
    .unwrap();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "period.returned"
                && e["new"].as_str().unwrap().contains("利润偏低")),
        "{audit}"
    );
}

/// "This month" is China's, read from the server's clock: at 00:30 on the 1st of December in
/// Beijing (16:30 UTC on the 30th of November) December's figures may be submitted; half an hour
/// earlier they are refused as a future month.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_may_be_for_this_month_in_china() {
    let december = "entity,period,item,value\nFJ-JJ-WTE,2026-12,total_profit,100\n";
    for (now, refused) in [
        ("2026-11-30T15:59:00Z", true),
        ("2026-11-30T16:30:00Z", false),
    ] {
        let clock = zx_app::FixedClock(now.parse().unwrap());
        let server = Server::sqlite_at(std::sync::Arc::new(clock)).await;
        let fujian = server.login("fujian", "zengxiao-fujian").await;
        let page = upload(&server, &fujian, december, "check").await;
        // The page is in Chinese only (the session's language): the Chinese message.
        assert_eq!(page.contains("晚于 2026-11"), refused, "{now}: {page}");
        assert!(
            !page.contains("is after"),
            "{now}: one language only: {page}"
        );
    }
}

async fn collection_and_submissions_through_the_api(server: Server) {
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let rows: Value =
        serde_json::from_str(&server.get(&fujian, "/api/v1/collection?year=2026").await.1).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["entity"], "FJ", "the manager's grid starts at FJ");
    assert!(
        rows.iter()
            .all(|r| r["entity"].as_str().unwrap().starts_with("FJ"))
    );
    let plant = rows.iter().find(|r| r["entity"] == "FJ-JJ-WTE").unwrap();
    let months: Vec<&str> = plant["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    // The demo has data through October 2026.
    assert_eq!(months[..10], ["submitted"; 10]);
    assert_eq!(months[10..], ["none", "none"]);
    assert_eq!(
        server.get(&fujian, "/api/v1/collection?entity=SC").await.0,
        StatusCode::FORBIDDEN
    );
    // Submissions: HQ sees the demo's three files, the manager none of them (not theirs).
    let all: Value = serde_json::from_str(&server.get(&hq, "/api/v1/submissions").await.1).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);
    let own: Value =
        serde_json::from_str(&server.get(&fujian, "/api/v1/submissions").await.1).unwrap();
    assert!(own.as_array().unwrap().is_empty());
}

async fn measures_page_and_gaps_on_the_cockpit(server: Server) {
    let hq = server.login("hq", "zengxiao-hq").await;
    // 邵阳光伏: R&D intensity is red and nobody acts on it: flagged, linking to the list.
    let (_, page) = server
        .get(&hq, "/cockpit?entity=HN-SY-PV&period=2026-10")
        .await;
    assert!(
        page.contains("data-testid=\"gap-rd_intensity\""),
        "no gap flag"
    );
    // 南充: profit is red, with one measure in progress (the other is done): linked, no flag.
    let (_, page) = server
        .get(&hq, "/cockpit?entity=SC-NC-WTE&period=2026-10")
        .await;
    assert!(!page.contains("data-testid=\"gap-total_profit\""));
    assert!(
        page.contains("/measures?entity=SC-NC-WTE&amp;indicator=total_profit\">1 "),
        "no link to the measure"
    );
    // The list as of a date: overdue flags and the summary; the manager sees only Fujian's.
    let (status, page) = server.get(&hq, "/measures?as_of=2026-11-27").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("应收电费及补贴款清收专项行动") || page.contains("应收电费"),
        "ZJ measure missing"
    );
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let (_, page) = server
        .get(&fujian, "/measures?as_of=2026-11-27&lang=en")
        .await;
    assert!(page.contains("烟气净化系统技改"));
    assert!(
        !page.contains("应收电费"),
        "a Zhejiang measure leaked to the Fujian manager"
    );
    // Fujian: 4 measures and the 2 requirements of the chairman's visit, 1 done, 1 cancelled
    // → 1/5; overdue on 11-27: the measure due 11-15 and the requirement due 10-31.
    let summary = page
        .split("id=\"measures-summary\">")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        summary.contains("合计 6") || summary.contains("Total 6"),
        "{summary}"
    );
    assert!(summary.contains("20.00%"), "{summary}");
    assert!(
        summary.contains("逾期 2") || summary.contains("overdue 2"),
        "{summary}"
    );
    assert_eq!(
        server.get(&fujian, "/measures?entity=ZJ").await.0,
        StatusCode::FORBIDDEN
    );
    // The filter form as a browser sends it, blanks included; the plan year filters.
    let summary_of = |page: &str| {
        page.split("id=\"measures-summary\">")
            .nth(1)
            .unwrap()
            .split("</p>")
            .next()
            .unwrap()
            .to_owned()
    };
    for (year, total) in [("", 6), ("2026", 6), ("2025", 0)] {
        let (status, page) = server
            .get(
                &fujian,
                &format!("/measures?entity=FJ&year={year}&owner=&status=&indicator=&due_within=&as_of=2026-11-27&lang=en"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let summary = summary_of(&page);
        assert!(
            summary.contains(&format!("合计 {total} "))
                || summary.contains(&format!("Total {total} ")),
            "{year}: {summary}"
        );
    }
    let (status, page) = server.get(&fujian, "/measures?due_within=soon").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("N 天内到期：“soon”不是整数"), "{page}");
}

/// A small valid PDF (the demo's: cross-reference table, trailer, startxref), and a PNG header
/// to pass off as one.
fn pdf() -> Vec<u8> {
    zx_demo::demo_evidence_pdf("acceptance record")
}
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

async fn post_form(
    server: &Server,
    client: &reqwest::Client,
    path: &str,
    form: &impl serde::Serialize,
) -> (StatusCode, String, String) {
    let response = client
        .post(format!("{}{path}", server.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status(), location, response.text().await.unwrap())
}

async fn post_evidence(
    server: &Server,
    client: &reqwest::Client,
    id: i64,
    name: &str,
    content: Vec<u8>,
) -> (StatusCode, String) {
    let (_, page) = server.get(client, &format!("/measures/{id}")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", hidden(&page, "csrf"))
        .part(
            "file",
            reqwest::multipart::Part::bytes(content).file_name(name.to_owned()),
        );
    let response = client
        .post(format!("{}/measures/{id}/attachments", server.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn measures_are_followed_up_with_scope_and_evidence_checks(server: Server) {
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let (status, page) = server
        .get(
            &fujian,
            "/measures/new?entity=FJ-JJ-WTE&indicator=total_profit",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<option value=\"total_profit\" selected>"));
    let csrf = hidden(&page, "csrf");
    let create = |entity: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("entity", entity.to_owned()),
            ("indicator", "total_profit".to_owned()),
            ("title", "入炉垃圾分选，提高热值".to_owned()),
            ("expected_effect", "+300 万元利润总额".to_owned()),
            ("owner", "fujian".to_owned()),
            ("co_owners", "hq".to_owned()),
            ("start", "2026-11-01".to_owned()),
            ("due", "2027-03-31".to_owned()),
        ]
    };
    let (status, location, _) =
        post_form(&server, &fujian, "/measures/new", &create("FJ-JJ-WTE")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // 15 listed measures (the last on 南充's cost per tonne) and 2 visit requirements in the
    // demo: this is the 18th.
    assert_eq!(location, "/measures/18");
    // Outside the manager's subtree: refused, nothing created.
    let (status, _, _) = post_form(&server, &fujian, "/measures/new", &create("ZJ")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Progress on revision 1; the same stale form again; a cancel without a reason. A refusal
    // is shown on the page with its reason, and the comment typed is still in the form.
    let update = |revision: &str, status: &str, progress: &str, comment: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("revision", revision.to_owned()),
            ("status", status.to_owned()),
            ("progress", progress.to_owned()),
            ("due", "2027-03-31".to_owned()),
            ("comment", comment.to_owned()),
        ]
    };
    let (status, _, _) = post_form(
        &server,
        &fujian,
        "/measures/18/update",
        &update("1", "in_progress", "30", "分选线已招标"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for (form, reason) in [
        (
            update("1", "in_progress", "50", "分选线调试中"),
            "measure 18 was changed by someone else (revision 2 now, 1 when read): reload and try again",
        ),
        (
            update("2", "cancelled", "30", ""),
            "measure 18: cancelling a measure needs a reason",
        ),
    ] {
        let (status, _, page) = post_form(&server, &fujian, "/measures/18/update", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains(reason), "{page}");
        assert!(
            page.contains(&format!(">{}</textarea>", form[5].1)),
            "{page}"
        );
    }

    // Evidence: judged by content; the real PDF is kept and downloads exactly.
    let (status, page) = post_evidence(&server, &fujian, 18, "验收单.pdf", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("文件内容不是 pdf 文件（实际为 image/png）"),
        "{page}"
    );
    let (status, page) = post_evidence(&server, &fujian, 18, "setup.exe", pdf()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("不接受 “exe” 类型"), "{page}");
    // A `%PDF` header followed by a Windows program (MZ, e_lfanew 0x80, PE there): refused.
    let mut program = vec![0u8; 0x100];
    program[..2].copy_from_slice(b"MZ");
    program[0x3C] = 0x80;
    program[0x80..0x84].copy_from_slice(b"PE\0\0");
    let disguised = [b"%PDF-1.7\n".to_vec(), program].concat();
    let (status, page) = post_evidence(&server, &fujian, 18, "验收单.pdf", disguised).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("文件中含有可执行程序（第 9 字节处"), "{page}");
    // Over the limit: refused before the body is read, so the server closes that connection; a
    // client of its own keeps the others' pooled connections out of it.
    let big = [pdf(), vec![b' '; 21 * 1024 * 1024]].concat();
    let uploader = server.login("fujian", "zengxiao-fujian").await;
    let (status, _) = post_evidence(&server, &uploader, 18, "big.pdf", big).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail: Value = fujian
        .get(format!("{}/api/v1/measures/18", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(detail["attachments"].as_array().unwrap().is_empty());
    let (status, _) = post_evidence(&server, &fujian, 18, "验收单.pdf", pdf()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let detail: Value = fujian
        .get(format!("{}/api/v1/measures/18", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["revision"], 2);
    assert_eq!(detail["co_owners"], serde_json::json!(["hq"]));
    assert_eq!(detail["updates"][0]["comment"], "分选线已招标");
    assert_eq!(detail["updates"][0]["progress"], serde_json::json!([0, 30]));
    assert_eq!(detail["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(detail["attachments"][0]["media_type"], "application/pdf");
    let href = detail["attachments"][0]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let download = fujian
        .get(format!("{}{href}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf().as_slice());
    // The Sichuan viewer sees neither the measure nor its evidence; HQ sees both.
    let sichuan = server.login("sichuan", "zengxiao-sichuan").await;
    assert_eq!(
        server.get(&sichuan, "/measures/18").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(server.get(&sichuan, &href).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        server.get(&sichuan, "/measures/new").await.0,
        StatusCode::FORBIDDEN
    );
    let hq = server.login("hq", "zengxiao-hq").await;
    assert_eq!(server.get(&hq, &href).await.0, StatusCode::OK);

    // A milestone through the API, reached today (in China); another measure's is not found.
    let created = fujian
        .post(format!("{}/api/v1/measures/18/milestones", server.base))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"title": "分选线安装", "due": "2027-01-31"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let milestone = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let reached = fujian
        .post(format!(
            "{}/api/v1/measures/18/milestones/{milestone}/done",
            server.base
        ))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(reached.status(), StatusCode::OK);
    let reached: Value = reached.json().await.unwrap();
    let today_in_china = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(reached["milestones"][0]["title"], "分选线安装");
    assert_eq!(reached["milestones"][0]["done_on"], today_in_china.as_str());
    let elsewhere = fujian
        .post(format!(
            "{}/api/v1/measures/8/milestones/{milestone}/done",
            server.base
        ))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    // Without the CSRF token a cookie session may not write.
    let forged = fujian
        .post(format!("{}/api/v1/measures/18/milestones", server.base))
        .json(&serde_json::json!({"title": "x", "due": "2027-01-31"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Closing through the API, with the session's CSRF token.
    let closed = fujian
        .post(format!("{}/api/v1/measures/18/updates", server.base))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"revision": 2, "status": "done", "comment": "分选线投运"}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), StatusCode::OK);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(
        (closed["status"].as_str(), closed["progress"].as_u64()),
        (Some("done"), Some(100))
    );
    let audit = zx(
        &server.db,
        &["audit", "--object", "measure 18", "--format", "json"],
    );
    assert!(
        audit.contains("status=done; progress=100; due=2027-03-31; comment=分选线投运"),
        "{audit}"
    );

    // Visits: the demo's, with one of its two requirements overdue on 2026-11-27.
    let (_, page) = server.get(&hq, "/visits").await;
    assert!(page.contains("集团董事长 张伟"));
    let (_, page) = server.get(&sichuan, "/visits").await;
    assert!(
        !page.contains("集团董事长 张伟"),
        "a Fujian visit leaked to Sichuan"
    );
    let visits: Value = hq
        .get(format!("{}/api/v1/visits", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(visits[0]["requirements"], 2);
    assert_eq!(visits[0]["measures"], serde_json::json!([16, 17]));
    let (_, page) = server.get(&hq, "/visits").await;
    let csrf = hidden(&page, "csrf");
    let (status, _, page) = post_form(
        &server,
        &hq,
        "/visits",
        &[
            ("csrf", csrf.as_str()),
            ("leader", "总经理"),
            ("start", "2026-11-20"),
            ("end", "2026-11-20"),
            ("entities", "GD"),
            ("requirements", "GD | hq | 2026-12-31"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("督办要求第 1 行"), "{page}");
    let (status, location, _) = post_form(
        &server,
        &hq,
        "/visits",
        &[
            ("csrf", csrf.as_str()),
            ("leader", "总经理"),
            ("start", "2026-11-20"),
            ("end", "2026-11-20"),
            ("entities", "GD"),
            ("requirements", "GD | hq | 2026-12-31 | 应收账款月度通报"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/visits#visit-2")
    );
    let (_, page) = server.get(&fujian, "/visits").await;
    assert!(!page.contains("应收账款月度通报"));
}

/// The Fujian list as the office downloads it, circulated and read back with `zx measures
/// import`: the new measures equal the listed ones field by field (ids aside), from the Chinese
/// and from the English workbook.
async fn the_exported_list_imports_back_as_it_is(server: Server) {
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let list = |entity: &str| -> Vec<Value> {
        let json = zx(
            &server.db,
            &[
                "measures",
                "list",
                "--entity",
                entity,
                "--as-of",
                "2026-11-27",
                "--format",
                "json",
            ],
        );
        let v: Value = serde_json::from_str(&json).unwrap();
        v["measures"].as_array().unwrap().clone()
    };
    // 4 listed measures and the 2 requirements of the chairman's visit.
    assert_eq!(list("FJ").len(), 6);
    let dir = tempfile::tempdir().unwrap();
    for lang in ["zh", "en"] {
        let before = list("FJ");
        let response = fujian
            .get(format!(
                "{}/measures.xlsx?entity=FJ&as_of=2026-11-27&lang={lang}",
                server.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let file = dir.path().join(format!("福建措施清单-{lang}.xlsx"));
        std::fs::write(&file, response.bytes().await.unwrap()).unwrap();
        zx(&server.db, &["measures", "import", file.to_str().unwrap()]);
        // Matched on the export's measure numbers: nothing added, nothing changed.
        assert_eq!(list("FJ"), before, "{lang}");
    }
    // An edited cell in the export revises that measure only, audited with old and new values.
    let response = fujian
        .get(format!(
            "{}/measures.xlsx?entity=FJ&as_of=2026-11-27&lang=en",
            server.base
        ))
        .send()
        .await
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    let before = list("FJ");
    let retrofit = before
        .iter()
        .find(|m| m["title"] == "烟气净化系统技改（研发投入）")
        .unwrap();
    let id = retrofit["id"].as_i64().unwrap();
    let edited = edit_export_title(&bytes, id, "烟气净化系统技改（二期）");
    let file = dir.path().join("edited.xlsx");
    std::fs::write(&file, edited).unwrap();
    let out = zx(
        &server.db,
        &["measures", "import", file.to_str().unwrap(), "--lang", "en"],
    );
    assert!(out.contains("0 new, 1 revised, 5 unchanged"), "{out}");
    let after = list("FJ");
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        if b["id"] == id {
            assert_eq!(a["title"], "烟气净化系统技改（二期）");
        } else {
            assert_eq!(a, b);
        }
    }
    let audit: Value = serde_json::from_str(&zx(
        &server.db,
        &["audit", "--action", "measure.revise", "--format", "json"],
    ))
    .unwrap();
    let audit = audit["audit"].as_array().unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["object"], format!("measure {id}"));
    assert!(
        audit[0]["old"]
            .as_str()
            .unwrap()
            .starts_with("title=烟气净化系统技改（研发投入）; "),
        "{audit:?}"
    );
    assert!(
        audit[0]["new"]
            .as_str()
            .unwrap()
            .starts_with("title=烟气净化系统技改（二期）; "),
        "{audit:?}"
    );
    let detail: Value = fujian
        .get(format!("{}/api/v1/measures/{id}", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["start"], "2026-01-05");
}

/// The exported workbook with the title of the row whose measure number is `id` replaced, the
/// way a clerk edits one cell: read with calamine, written back with the same cells.
fn edit_export_title(bytes: &[u8], id: i64, title: &str) -> Vec<u8> {
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let name = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&name).unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    let sheet = out.add_worksheet();
    let (top, left) = range.start().unwrap();
    let number_column = 12;
    for (r, row) in range.rows().enumerate() {
        let is_target = matches!(row.get(number_column), Some(Data::Float(f)) if *f == id as f64);
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (top + r as u32, (left as usize + c) as u16);
            match cell {
                Data::Empty => {}
                Data::Float(f) => {
                    sheet.write_number(r, c, *f).unwrap();
                }
                Data::Int(i) => {
                    sheet.write_number(r, c, *i as f64).unwrap();
                }
                _ if is_target && c == 3 => {
                    sheet.write_string(r, c, title).unwrap();
                }
                other => {
                    sheet.write_string(r, c, other.to_string()).unwrap();
                }
            }
        }
    }
    out.save_to_buffer().unwrap()
}

on_both_backends!(
    async Server("the server test"):
    the_api_answers_exactly_what_the_cli_prints,
    every_role_sees_only_its_subtree,
    forms_need_the_csrf_token_and_targets_are_hq_only,
    tokens_for_scripts_and_login_rate_limits,
    collection_validates_submits_and_respects_locks_and_scope,
    collection_and_submissions_through_the_api,
    measures_page_and_gaps_on_the_cockpit,
    measures_are_followed_up_with_scope_and_evidence_checks,
    the_exported_list_imports_back_as_it_is,
);
