//! Safety risks and natural hazards over HTTP on the demo: the Fujian typhoon warning reaches
//! the ten Fujian plants with the orange checklist, a plant acknowledges it once, Sichuan's
//! people neither see nor acknowledge it, alerts not acknowledged within the configured hours
//! are escalated (once) to the superior entity's managers by `zx remind`; risks are graded by
//! the bands (hand-worked), the register goes out to Excel and back unchanged, bad files are
//! named cell by cell. On SQLite and, with `ZX_TEST_DATABASE_URL`, PostgreSQL.

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::Value;

#[macro_use]
mod common;
use common::web::{Env, hidden};
use common::zx;

async fn json(env: &Env, client: &reqwest::Client, path: &str) -> Value {
    let (status, body) = env.get(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn post_form(
    env: &Env,
    client: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let csrf = hidden(&env.get(client, page).await.1, "csrf");
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let response = client
        .post(format!("{}{action}", env.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn upload(
    env: &Env,
    client: &reqwest::Client,
    page: &str,
    action: &str,
    name: &str,
    bytes: Vec<u8>,
    entity: Option<&str>,
) -> String {
    let csrf = hidden(&env.get(client, page).await.1, "csrf");
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf);
    if let Some(entity) = entity {
        form = form.text("entity", entity.to_owned());
    }
    let form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let response = client
        .post(format!("{}{action}", env.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

fn alert_of<'a>(alerts: &'a Value, entity: &str) -> &'a Value {
    alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["entity"] == entity)
        .unwrap_or_else(|| panic!("no alert for {entity}"))
}

async fn a_warning_reaches_the_fujian_plants_and_is_acknowledged_within_scope(env: Env) {
    let hq = env.login("hq", "zengxiao-hq").await;
    let alerts = json(&env, &hq, "/api/v1/safety/warnings").await;
    let list = alerts.as_array().unwrap();
    // The ten plants of 福建 in the demo; the subsidiary itself is no site.
    assert_eq!(list.len(), 10, "{alerts}");
    let jinjiang = alert_of(&alerts, "FJ-JJ-WTE");
    assert_eq!(jinjiang["hazard"], "typhoon");
    assert_eq!(jinjiang["level"], "orange");
    // Orange asks for blue's 2, yellow's 2 and orange's 2 items of the shipped typhoon list.
    assert_eq!(jinjiang["checklist"].as_array().unwrap().len(), 6);
    // Orange: 4 hours to acknowledge, from the moment it was recorded.
    let triggered: DateTime<Utc> = jinjiang["triggered_at"].as_str().unwrap().parse().unwrap();
    let by: DateTime<Utc> = jinjiang["acknowledge_by"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(by - triggered, TimeDelta::hours(4));
    let id = jinjiang["id"].as_i64().unwrap();

    // Sichuan's plant manager and viewer see nothing of it and cannot acknowledge it.
    let nanchong = env.login("nanchong", "zengxiao-nanchong").await;
    assert_eq!(
        json(&env, &nanchong, "/api/v1/safety/warnings").await,
        Value::Array(vec![])
    );
    let (status, _) = post_form(
        &env,
        &nanchong,
        "/safety/warnings",
        &format!("/safety/alerts/{id}/ack"),
        &[("note", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let sichuan = env.login("sichuan", "zengxiao-sichuan").await;
    assert_eq!(
        json(&env, &sichuan, "/api/v1/safety/warnings").await,
        Value::Array(vec![])
    );

    // Fujian's manager acknowledges for 晋江; once.
    let fujian = env.login("fujian", "zengxiao-fujian").await;
    let page = env.get(&fujian, "/safety/warnings").await.1;
    assert!(page.contains(&format!("id=\"alert-{id}\"")), "{page}");
    let (status, _) = post_form(
        &env,
        &fujian,
        "/safety/warnings",
        &format!("/safety/alerts/{id}/ack"),
        &[("note", "已加固围挡"), ("next", "/safety/warnings")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let after = json(&env, &fujian, "/api/v1/safety/warnings").await;
    let jinjiang = alert_of(&after, "FJ-JJ-WTE");
    assert_eq!(jinjiang["acknowledged_by"], "fujian");
    assert_eq!(jinjiang["note"], "已加固围挡");
    let (status, _) = post_form(
        &env,
        &fujian,
        "/safety/warnings",
        &format!("/safety/alerts/{id}/ack"),
        &[("note", "again")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A viewer cannot enter warnings; HQ imports a CSV: red landslide for 四川 reaches the ten
    // Sichuan plants (none says it is not exposed).
    let csv = "region,hazard,level,from,to\n四川省,滑坡,red,2026-08-01 08:00,2026-08-03\n";
    let page = upload(
        &env,
        &hq,
        "/safety/warnings",
        "/safety/warnings/import",
        "w.csv",
        csv.into(),
        None,
    )
    .await;
    assert!(page.contains("1 条预警已导入，通知厂站数： 10"), "{page}");
    let bad = "region,hazard,level,from,to\n四川,tornado,red,2026-08-01,2026-07-01\n";
    let page = upload(
        &env,
        &hq,
        "/safety/warnings",
        "/safety/warnings/import",
        "w.csv",
        bad.into(),
        None,
    )
    .await;
    assert!(
        page.contains("w.csv:2: hazard: “tornado” 不是灾种"),
        "{page}"
    );
    assert!(
        page.contains("w.csv:2: to: “2026-07-01” 不晚于预警开始时间"),
        "{page}"
    );
    // Nanchong now sees its own plant's landslide alert only.
    let mine = json(&env, &nanchong, "/api/v1/safety/warnings").await;
    let entities: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["entity"].as_str().unwrap())
        .collect();
    assert_eq!(entities, ["SC-NC-WTE"]);
}

async fn alerts_not_acknowledged_in_time_are_escalated_once(env: Env) {
    let hq = env.login("hq", "zengxiao-hq").await;
    // The exact time (the API shows it to the second).
    let by = env.store.warning_alerts().await.unwrap()[0].acknowledge_by;
    let remind = |now: DateTime<Utc>| -> Value {
        let out = zx(
            &env.db,
            &["remind", "--now", &now.to_rfc3339(), "--format", "json"],
        );
        serde_json::from_str(&out).unwrap()
    };
    // A second before the four hours are up: nothing.
    let early = remind(by - TimeDelta::seconds(1));
    assert_eq!(early["warning_escalations"], Value::Array(vec![]));
    // At the instant: the ten Fujian alerts go to FJ's manager, fujian.
    let due = remind(by);
    let list = due["warning_escalations"].as_array().unwrap();
    assert_eq!(list.len(), 10, "{due}");
    assert!(list.iter().all(|e| e["to"] == "fujian"));
    // Recorded once: a second run sends nothing more.
    let again = remind(by + TimeDelta::hours(1));
    assert_eq!(again["warning_escalations"], Value::Array(vec![]));
    let after = json(&env, &hq, "/api/v1/safety/warnings").await;
    assert_eq!(
        alert_of(&after, "FJ-ND-PV")["escalated_to"],
        serde_json::json!(["fujian"])
    );
}

async fn risks_are_graded_by_the_bands_and_the_register_reads_back(env: Env) {
    let nanchong = env.login("nanchong", "zengxiao-nanchong").await;
    let page = "/safety/risks?entity=SC-NC-WTE";
    let risk = |entity: &'static str,
                method: &'static str,
                l: &'static str,
                e: &'static str,
                c: &'static str,
                s: &'static str| {
        vec![
            ("entity", entity),
            ("area", "试验区"),
            ("activity", "试验"),
            ("category", "hot_work"),
            ("hazard", "灼烫"),
            ("method", method),
            ("l", l),
            ("e", e),
            ("c", c),
            ("s", s),
            ("controls", "作业票"),
            ("control_level", "team"),
            ("owner", "张三"),
        ]
    };
    // D = 1 × 10 × 7 = 70: equal to the cut-off, blue. R = 4 × 4 = 16: orange.
    for fields in [
        risk("SC-NC-WTE", "lec", "1", "10", "7", ""),
        risk("SC-NC-WTE", "matrix", "4", "", "", "4"),
    ] {
        let (status, body) = post_form(&env, &nanchong, page, "/safety/risks", &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    }
    // Another subsidiary's plant: outside the subtree.
    let (status, _) = post_form(
        &env,
        &nanchong,
        page,
        "/safety/risks",
        &risk("FJ-JJ-WTE", "lec", "1", "10", "7", ""),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // L = 4 is no LEC value.
    let (status, body) = post_form(
        &env,
        &nanchong,
        page,
        "/safety/risks",
        &risk("SC-NC-WTE", "lec", "4", "10", "7", ""),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let risks = json(&env, &nanchong, "/api/v1/safety/risks?entity=SC-NC-WTE").await;
    let ours: Vec<(&str, &str)> = risks
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["area"] == "试验区")
        .map(|r| {
            (
                r["score"]["value"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(ours, [("70", "blue"), ("16", "orange")]);

    // The demo plant's map by area: 渗滤液池 red (6 × 6 × 15 = 540), 垃圾吊 orange (270),
    // 锅炉检修平台 yellow (126), 氨水罐区 blue (42), plus ours.
    let map = json(&env, &nanchong, "/api/v1/safety/risk-map?entity=SC-NC-WTE").await;
    assert_eq!(map["by"], "area");
    assert_eq!(
        map["total"],
        serde_json::json!({"red": 1, "orange": 2, "yellow": 1, "blue": 2})
    );
    // The group's map by plant, for HQ: the Sichuan plant's row carries its six.
    let hq = env.login("hq", "zengxiao-hq").await;
    let group = json(&env, &hq, "/api/v1/safety/risk-map").await;
    assert_eq!(group["by"], "entity");
    let row = group["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "SC-NC-WTE")
        .unwrap();
    assert_eq!(row["highest"], "red");
    assert_eq!(row["counts"]["blue"], 2);

    // The register out to Excel and back: every row matched on its number, nothing new.
    let before = risks.as_array().unwrap().len();
    let response = nanchong
        .get(format!("{}/safety/risks.xlsx?entity=SC-NC-WTE", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let workbook = response.bytes().await.unwrap().to_vec();
    let page_after = upload(
        &env,
        &nanchong,
        page,
        "/safety/risks/import",
        "risks.xlsx",
        workbook,
        Some("SC-NC-WTE"),
    )
    .await;
    assert!(
        page_after.contains(&format!("{before} 行已导入")),
        "{page_after}"
    );
    let again = json(&env, &nanchong, "/api/v1/safety/risks?entity=SC-NC-WTE").await;
    assert_eq!(again.as_array().unwrap().len(), before);
    assert!(again.as_array().unwrap().iter().all(|r| r["revision"] == 1));
    // A bad sheet is refused cell by cell, nothing written.
    let bad = "单位编码,区域/部位,作业活动,类别,危险因素,L,E,C,S,管控措施,管控层级,责任人\n\
               SC-NC-WTE,a,b,有限空间,c,3,6,15,,d,总部级,e\n";
    let page_bad = upload(
        &env,
        &nanchong,
        page,
        "/safety/risks/import",
        "bad.csv",
        bad.into(),
        Some("SC-NC-WTE"),
    )
    .await;
    assert!(
        page_bad.contains("bad.csv:2: control_level: “总部级” 不是管控层级"),
        "{page_bad}"
    );
    let last = json(&env, &nanchong, "/api/v1/safety/risks?entity=SC-NC-WTE").await;
    assert_eq!(last.as_array().unwrap().len(), before);
}

on_both_backends!(async Env("safety risks"):
    a_warning_reaches_the_fujian_plants_and_is_acknowledged_within_scope,
    alerts_not_acknowledged_in_time_are_escalated_once,
    risks_are_graded_by_the_bands_and_the_register_reads_back,
);

/// A group's own bands from `[safety] grading`: everything above D = 0 red, every matrix
/// product at least 1 red. The demo's standing risks all read red then, where the shipped
/// bands give the demo its four colours.
#[tokio::test]
async fn the_servers_own_grading_file_colours_the_register() {
    let files = tempfile::tempdir().unwrap();
    let grading = files.path().join("grading.toml");
    std::fs::write(
        &grading,
        "[lec]\nbands = [{ above = \"0\", grade = \"extreme\", level = \"red\" }]\n\
         otherwise_grade = \"slight\"\notherwise_level = \"blue\"\n\
         [matrix]\nbands = [{ at_least = 1, level = \"red\" }]\notherwise = \"blue\"\n",
    )
    .unwrap();
    let env = Env::sqlite_with_safety(zx_server::config::SafetyFiles {
        grading: Some(grading),
        checklists: None,
    })
    .await;
    let hq = env.login("hq", "zengxiao-hq").await;
    let risks = json(&env, &hq, "/api/v1/safety/risks").await;
    let risks = risks.as_array().unwrap();
    assert!(risks.len() > 4, "{risks:?}");
    for risk in risks {
        assert_eq!(risk["level"], "red", "{risk}");
    }
    // The same demo with the shipped bands has other colours.
    let shipped = Env::sqlite().await;
    let hq = shipped.login("hq", "zengxiao-hq").await;
    let levels = json(&shipped, &hq, "/api/v1/safety/risks").await;
    assert!(
        levels
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["level"] != "red"),
        "{levels}"
    );
}
