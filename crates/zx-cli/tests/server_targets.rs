//! Targets in the units people read, the cockpit's region/segment filter on cards and export,
//! owners who can act, and the explanation page's units: the real app over HTTP (issue 11,
//! defects 5 and 10a–10c). SQLite always, PostgreSQL when `ZX_TEST_DATABASE_URL` is set.

use reqwest::StatusCode;
use serde_json::Value;
use zx_domain::Decimal;

#[macro_use]
mod common;
use common::web::{Env as Server, hidden};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// The target in force for an entity's indicator in 2026: (value in the stored unit, revision).
async fn target(
    server: &Server,
    client: &reqwest::Client,
    entity: &str,
    id: &str,
) -> (String, i64) {
    let list: Value =
        serde_json::from_str(&server.get(client, "/api/v1/targets?year=2026").await.1).unwrap();
    let t = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["entity"] == entity && t["indicator"] == id)
        .unwrap_or_else(|| panic!("no target {entity} {id}"))
        .clone();
    (
        t["value"].as_str().unwrap().to_owned(),
        t["revision"].as_i64().unwrap(),
    )
}

/// The row of the targets page for an entity's indicator.
fn row<'a>(page: &'a str, entity: &str, id: &str) -> &'a str {
    page.split("<tr")
        .find(|r| {
            r.contains(&format!("name=\"entity\" value=\"{entity}\""))
                && r.contains(&format!("name=\"indicator\" value=\"{id}\""))
        })
        .unwrap_or_else(|| panic!("no row {entity} {id}"))
}

async fn post_target(
    server: &Server,
    client: &reqwest::Client,
    csrf: &str,
    value: &str,
    revision: i64,
    confirm: bool,
) -> (StatusCode, String) {
    let mut form = vec![
        ("csrf", csrf.to_owned()),
        ("entity", "FJ".to_owned()),
        ("year", "2026".to_owned()),
        ("indicator", "labour_productivity".to_owned()),
        ("value", value.to_owned()),
        ("revision", revision.to_string()),
    ];
    if confirm {
        form.push(("confirm", "1".to_owned()));
    }
    let response = client
        .post(format!("{}/targets", server.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn audited_target_changes(server: &Server, client: &reqwest::Client) -> usize {
    let audit: Value = serde_json::from_str(
        &server
            .get(
                client,
                "/api/v1/audit?action=target.set&object=FJ&limit=100",
            )
            .await
            .1,
    )
    .unwrap();
    audit.as_array().unwrap().len()
}

async fn targets_are_typed_in_the_units_the_cockpit_shows(server: Server) {
    let hq = server.login("hq", "zengxiao-hq").await;
    let (_, page) = server.get(&hq, "/targets?year=2026").await;
    let csrf = hidden(&page, "csrf");
    // The page shows the stored 元/人 in 万元/人, with the unit beside the field.
    let (stored, revision) = target(&server, &hq, "FJ", "labour_productivity").await;
    let shown = (d(&stored) / d("10000")).normalize().to_string();
    let fj = row(&page, "FJ", "labour_productivity");
    assert!(
        fj.contains(&format!("name=\"value\" value=\"{shown}\"")),
        "{fj}"
    );
    assert!(fj.contains("万元/人"), "{fj}");
    // Ratios in percent: the asset-liability target 0.65 reads 65 beside "%".
    let (ratio, _) = target(&server, &hq, "FJ", "asset_liability_ratio").await;
    let ratio_row = row(&page, "FJ", "asset_liability_ratio");
    let percent = (d(&ratio) * d("100")).normalize().to_string();
    assert!(
        ratio_row.contains(&format!("value=\"{percent}\"")),
        "{ratio_row}"
    );
    assert!(ratio_row.contains(">%</span>"), "{ratio_row}");

    // Not a number: said in red with the value typed, nothing saved.
    let (status, page) = post_target(&server, &hq, &csrf, "113,56x", revision, false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<p class=\"error\" id=\"flash\">value: &#34;113,56x&#34; 不是有效的数字"),
        "{page}"
    );
    assert_eq!(
        target(&server, &hq, "FJ", "labour_productivity").await.0,
        stored
    );
    // 113.56 万元/人 (FJ's 2025 actual is 107.22 万元/人): saved as 1,135,600 元/人, no warning.
    let (status, _) = post_target(&server, &hq, &csrf, "113.56", revision, false).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (value, revision) = target(&server, &hq, "FJ", "labour_productivity").await;
    assert_eq!(value, "1135600");
    let audited = audited_target_changes(&server, &hq).await;

    // 1135600 typed in the 万元/人 field: 10,000 times last year's. Not saved, asked again.
    let (status, page) = post_target(&server, &hq, &csrf, "1135600", revision, false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"confirm-target\""), "{page}");
    assert!(
        page.contains("107.22"),
        "the warning names last year's actual: {page}"
    );
    assert_eq!(hidden(&page, "confirm"), "1");
    assert_eq!(
        target(&server, &hq, "FJ", "labour_productivity").await.0,
        "1135600",
        "nothing saved before the confirmation"
    );
    assert_eq!(audited_target_changes(&server, &hq).await, audited);
    // The deliberate second submit saves it, audited.
    let (status, _) = post_target(&server, &hq, &csrf, "1135600", revision, true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (value, revision) = target(&server, &hq, "FJ", "labour_productivity").await;
    assert_eq!(value, "11356000000");
    assert_eq!(audited_target_changes(&server, &hq).await, audited + 1);

    // The API keeps taking the stored unit. With "confirm": false a slip is refused...
    let put = |body: Value| {
        hq.put(format!("{}/api/v1/targets", server.base))
            .header("x-csrf-token", csrf.clone())
            .json(&body)
            .send()
    };
    let response = put(serde_json::json!({
        "entity": "FJ", "year": 2026, "indicator": "labour_productivity",
        "value": "113.56", "revision": revision, "confirm": false,
    }))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "target_needs_confirmation");
    assert_eq!(
        target(&server, &hq, "FJ", "labour_productivity").await.0,
        "11356000000"
    );
    // ...and without it saved as before, with the warning in the answer.
    let response = put(serde_json::json!({
        "entity": "FJ", "year": 2026, "indicator": "labour_productivity",
        "value": "113.56", "revision": revision,
    }))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["value"], "113.56");
    assert!(body["warning"].is_string(), "{body}");
    let revision = body["revision"].as_i64().unwrap();
    let response = put(serde_json::json!({
        "entity": "FJ", "year": 2026, "indicator": "labour_productivity",
        "value": "1135600", "revision": revision,
    }))
    .await
    .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["value"], "1135600");
    assert!(body.get("warning").is_none(), "{body}");
}

/// `1234567.891` → `1,234,567.89`, as the cockpit shows amounts.
fn grouped(value: Decimal) -> String {
    let text = format!(
        "{:.2}",
        value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    );
    let (int, frac) = text.split_once('.').unwrap();
    let digits = int.trim_start_matches('-');
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let sign = if int.starts_with('-') { "-" } else { "" };
    format!("{sign}{out}.{frac}")
}

async fn json(server: &Server, client: &reqwest::Client, path: &str) -> Value {
    let (status, body) = server.get(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn the_region_filter_applies_to_the_cards_and_the_export(server: Server) {
    let hq = server.login("hq", "zengxiao-hq").await;
    // The units of 福建: its plants (the subsidiary FJ is their parent, with own eliminations).
    let entities = json(&server, &hq, "/api/v1/entities").await;
    let plants: Vec<String> = entities
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["region"] == "福建" && e["kind"] == "plant")
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(plants.len(), 10, "{plants:?}");
    // By hand from each plant's own figures: total profit summed; the asset-liability ratio
    // as summed liabilities over summed assets.
    let (mut profit, mut liabilities, mut assets) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for plant in &plants {
        let kpi = json(
            &server,
            &hq,
            &format!("/api/v1/entities/{plant}/kpi?period=2026-10"),
        )
        .await;
        profit += d(kpi["indicators"]["total_profit"]["value"].as_str().unwrap());
        let explain = json(
            &server,
            &hq,
            &format!(
                "/api/v1/entities/{plant}/explain?period=2026-10&indicator=asset_liability_ratio"
            ),
        )
        .await;
        assert_eq!(explain["inputs"][0]["call"], "end(total_liabilities)");
        liabilities += d(explain["inputs"][0]["value"].as_str().unwrap());
        assets += d(explain["inputs"][1]["value"].as_str().unwrap());
    }
    let ratio = liabilities / assets;
    let cockpit = json(
        &server,
        &hq,
        "/api/v1/entities/ZX/cockpit?period=2026-10&region=%E7%A6%8F%E5%BB%BA",
    )
    .await;
    let card = |id: &str| {
        cockpit["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(card("total_profit")["value"], grouped(profit / d("10000")));
    assert_eq!(
        card("asset_liability_ratio")["value"],
        format!("{}%", grouped(ratio * d("100")))
    );
    // Not the group's figure, and not FJ's either (FJ adds its own eliminations).
    let group = json(&server, &hq, "/api/v1/entities/ZX/kpi?period=2026-10").await;
    let fj = json(&server, &hq, "/api/v1/entities/FJ/kpi?period=2026-10").await;
    for other in [group, fj] {
        assert_ne!(
            d(other["indicators"]["total_profit"]["value"]
                .as_str()
                .unwrap()),
            profit
        );
    }
    // Labelled as a filtered subtotal without targets.
    assert!(card("total_profit")["target"] == "—");
    let subtotal = cockpit["subtotal"].as_str().unwrap();
    assert!(
        subtotal.contains("福建") && subtotal.contains("10"),
        "{subtotal}"
    );
    let (_, page) = server
        .get(
            &hq,
            "/cockpit?entity=ZX&period=2026-10&region=%E7%A6%8F%E5%BB%BA",
        )
        .await;
    assert!(
        page.contains("id=\"subtotal\""),
        "the page says it is a subtotal"
    );
    assert!(
        page.contains(
            "/export.xlsx?entity=ZX&amp;period=2026-10&amp;basis=ytd&amp;region=%E7%A6%8F%E5%BB%BA"
        ),
        "the export link keeps the filter"
    );

    // The export of the same view: the same numbers (万元, fractions), and only 福建's units.
    let response = hq
        .get(format!(
            "{}/export.xlsx?entity=ZX&period=2026-10&basis=ytd&region=%E7%A6%8F%E5%BB%BA",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    use calamine::{Data, Reader, Xlsx};
    let mut workbook = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheets = workbook.worksheets();
    let indicators = &sheets[0].1;
    let number = |row: u32, col: u32| match indicators.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        other => panic!("no number at {row},{col}: {other:?}"),
    };
    // Row 4 (index 3) is total profit, row 5 the asset-liability ratio; column C the value.
    assert_eq!(
        format!("{:.6}", number(3, 2)),
        format!("{:.6}", profit / d("10000"))
    );
    assert!((number(4, 2) - ratio.to_string().parse::<f64>().unwrap()).abs() < 1e-12);
    let below = &sheets[1].1;
    let codes: Vec<String> = below.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert!(codes.iter().all(|c| c.starts_with("FJ")), "{codes:?}");
    assert!(codes.len() >= 10, "{codes:?}");
}

async fn only_accounts_that_can_act_are_owners_and_co_owners_can_change(server: Server) {
    let hq = server.login("hq", "zengxiao-hq").await;
    // The picker lists no viewer (sichuan only views Sichuan).
    let (_, page) = server.get(&hq, "/measures/new?entity=SC-NC-WTE").await;
    let csrf = hidden(&page, "csrf");
    let picker = page
        .split("id=\"new-owner\"")
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .unwrap();
    assert!(picker.contains("value=\"hq\""), "{picker}");
    assert!(picker.contains("value=\"fujian\""), "{picker}");
    assert!(!picker.contains("value=\"sichuan\""), "{picker}");
    // Per unit, the accounts that could update its measures (the page offers only those).
    let sc_plant = page
        .split("<option value=\"SC-NC-WTE\" data-owners=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let mut names: Vec<&str> = sc_plant.split(' ').collect();
    names.sort();
    // The plant's own manager too (nanchong manages SC-NC-WTE), and HQ HR (hr reads the whole
    // group and, once named, may report progress: a reform measure is HR's); never the viewer
    // sichuan.
    assert_eq!(names, vec!["admin", "hq", "hr", "nanchong"]);
    let post = |path: &str, body: Value| {
        hq.post(format!("{}{path}", server.base))
            .header("x-csrf-token", csrf.clone())
            .json(&body)
            .send()
    };
    let measure = |owner: &str, co_owners: &str| {
        serde_json::json!({
            "entity": "SC-NC-WTE", "title": "渗滤液处理扩容", "owner": owner,
            "co_owners": co_owners, "due": "2027-06-30",
        })
    };
    // The API refuses a viewer as owner or co-owner, and a manager of another subtree.
    for (owner, co_owners, named) in [
        ("sichuan", "", "sichuan"),
        ("hq", "sichuan", "sichuan"),
        ("fujian", "", "fujian"),
        ("nobody", "", "nobody"),
    ] {
        let response = post("/api/v1/measures", measure(owner, co_owners))
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{owner} {co_owners}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "invalid_parameter");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(named), "{message}");
    }
    let response = post("/api/v1/measures", measure("hq", "")).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    // A visit's requirement cannot name a viewer either.
    let (_, visits) = server.get(&hq, "/visits").await;
    let visit_csrf = hidden(&visits, "csrf");
    let response = hq
        .post(format!("{}/api/v1/visits", server.base))
        .header("x-csrf-token", visit_csrf)
        .json(&serde_json::json!({
            "leader": "董事长", "start": "2026-11-20", "end": "2026-11-21", "entities": "SC",
            "requirements": "SC | hq | 2026-12-31 | 应收账款清收\nSC-NC-WTE | sichuan | 2026-12-31 | 炉排检修",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = response.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("line 2") && message.contains("sichuan"),
        "{message}"
    );

    // Co-owners are edited after creation, on the page, audited with the old and new list.
    let (_, page) = server.get(&hq, &format!("/measures/{id}")).await;
    assert!(page.contains("id=\"co-owners-form\""), "{page}");
    let revision = hidden(
        page.split("id=\"co-owners-form\"").nth(1).unwrap(),
        "revision",
    );
    let response = hq
        .post(format!("{}/measures/{id}/co_owners", server.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("revision", revision.as_str()),
            ("co_owners", "admin, hq"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let detail = json(&server, &hq, &format!("/api/v1/measures/{id}")).await;
    assert_eq!(detail["co_owners"], serde_json::json!(["admin", "hq"]));
    let audit = json(
        &server,
        &hq,
        &format!("/api/v1/audit?action=measure.co_owners&object=measure%20{id}"),
    )
    .await;
    assert_eq!(audit[0]["old"], "co_owners=");
    assert_eq!(audit[0]["new"], "co_owners=admin, hq");
    assert_eq!(audit[0]["user"], "hq");
    // A viewer is refused there too, and nothing changes.
    let response = post(
        &format!("/api/v1/measures/{id}/co_owners"),
        serde_json::json!({"revision": detail["revision"], "co_owners": ["sichuan"]}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let detail = json(&server, &hq, &format!("/api/v1/measures/{id}")).await;
    assert_eq!(detail["co_owners"], serde_json::json!(["admin", "hq"]));
    // Through the API: every co-owner removed.
    let response = post(
        &format!("/api/v1/measures/{id}/co_owners"),
        serde_json::json!({"revision": detail["revision"], "co_owners": []}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["co_owners"],
        serde_json::json!([])
    );
}

async fn a_plants_explanation_shows_its_inputs_in_the_cockpits_units(server: Server) {
    let hq = server.login("hq", "zengxiao-hq").await;
    let explain = json(
        &server,
        &hq,
        "/api/v1/entities/FJ-JJ-WTE/explain?period=2026-10&indicator=labour_productivity",
    )
    .await;
    assert_eq!(explain["inputs"][0]["call"], "flow(value_added)");
    let value_added = d(explain["inputs"][0]["value"].as_str().unwrap());
    let employees = d(explain["inputs"][1]["value"].as_str().unwrap());
    let productivity = d(explain["value"].as_str().unwrap());
    let (_, page) = server
        .get(
            &hq,
            "/explain?entity=FJ-JJ-WTE&period=2026-10&indicator=labour_productivity",
        )
        .await;
    // The value in 万元/人 as the card shows it, the inputs in 万元 and persons, units stated.
    let wan = |v: Decimal| grouped(v / d("10000"));
    assert!(
        page.contains(&format!("{} 万元/人", wan(productivity))),
        "{page}"
    );
    assert!(
        page.contains(&format!("{} 万元", wan(value_added))),
        "{page}"
    );
    let persons =
        employees.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert!(page.contains(&format!("{persons:.1} 人")), "{page}");
    // A plant's table is not empty: its own reported figures.
    assert!(page.contains("本单位报送数据"), "{page}");
    assert!(
        !page.contains(&grouped(value_added)),
        "no amount in 元: {page}"
    );
}

on_both_backends!(
    async Server("the targets test"):
    targets_are_typed_in_the_units_the_cockpit_shows,
    the_region_filter_applies_to_the_cards_and_the_export,
    only_accounts_that_can_act_are_owners_and_co_owners_can_change,
    a_plants_explanation_shows_its_inputs_in_the_cockpits_units,
);
