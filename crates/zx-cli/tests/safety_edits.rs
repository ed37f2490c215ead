//! Editing the safety registers on the web, on the demo: a standing risk retired with its
//! reason (off the map and the open list, kept in the register and its export, which reads
//! back leaving it retired); a planned drill moved with a reason (its reminder follows the new
//! date) and cancelled with one (reminded of no more), the drill plan's workbook read back
//! unchanged. Scope and roles as everywhere. Both backends.

use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::web::{Env, hidden};
use common::zx;

fn token(env: &Env, name: &str) -> String {
    zx(&env.db, &["user", "token", "--name", name])
        .trim()
        .to_owned()
}

async fn get_json(env: &Env, token: &str, path: &str) -> Value {
    let response = Env::client()
        .get(format!("{}{path}", env.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn post_json(env: &Env, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let response = Env::client()
        .post(format!("{}{path}", env.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Posts a page's form (its CSRF token read from `page`).
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
) -> String {
    let csrf = hidden(&env.get(client, page).await.1, "csrf");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("entity", "SC-NC-WTE")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let response = client
        .post(format!("{}{action}", env.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

async fn a_retired_risk_leaves_the_map_and_stays_in_the_register(env: Env) {
    let nanchong = token(&env, "nanchong");
    let page = "/safety/risks?entity=SC-NC-WTE";
    let risks = get_json(&env, &nanchong, "/api/v1/safety/risks?entity=SC-NC-WTE").await;
    // The demo plant's four: 渗滤液池 red (6 × 6 × 15 = 540), 垃圾吊 orange (270), 锅炉检修平台
    // yellow (126), 氨水罐区 blue (42).
    assert_eq!(risks.as_array().unwrap().len(), 4);
    let pit = risks
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["area"] == "渗滤液池")
        .unwrap();
    assert_eq!(
        (&pit["level"], &pit["revision"]),
        (&json!("red"), &json!(1))
    );
    let id = pit["id"].as_i64().unwrap();
    let retire = format!("/api/v1/safety/risks/{id}/retire");
    let reason = json!({"reason": "渗滤液池已改造为封闭式，清淤改为机械作业"});
    // A viewer may not; a manager of another subsidiary does not see it; a blank reason is
    // refused.
    let (status, _) = post_json(&env, &token(&env, "sichuan"), &retire, reason.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post_json(&env, &token(&env, "fujian"), &retire, reason.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post_json(&env, &nanchong, &retire, json!({"reason": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The plant manager retires it on the page.
    let manager = env.login("nanchong", "zengxiao-nanchong").await;
    let (_, before) = env.get(&manager, page).await;
    assert!(before.contains(&format!("action=\"/safety/risks/{id}/retire\"")));
    let (status, body) = post_form(
        &env,
        &manager,
        page,
        &format!("/safety/risks/{id}/retire"),
        &[
            ("reason", "渗滤液池已改造为封闭式，清淤改为机械作业"),
            ("entity", "SC-NC-WTE"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // Off the map (red 1 → 0) and the open list (4 → 3); in the register with all=true.
    let map = get_json(&env, &nanchong, "/api/v1/safety/risk-map?entity=SC-NC-WTE").await;
    assert_eq!(
        map["total"],
        json!({"red": 0, "orange": 1, "yellow": 1, "blue": 1})
    );
    let open = get_json(&env, &nanchong, "/api/v1/safety/risks?entity=SC-NC-WTE").await;
    assert_eq!(open.as_array().unwrap().len(), 3);
    let all = get_json(
        &env,
        &nanchong,
        "/api/v1/safety/risks?entity=SC-NC-WTE&all=true",
    )
    .await;
    let retired = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap();
    assert_eq!(
        (&retired["active"], &retired["revision"]),
        (&json!(false), &json!(2))
    );
    let (_, after) = env.get(&manager, page).await;
    assert!(!after.contains(&format!("id=\"risk-{id}\"")));
    assert!(after.contains(&format!("id=\"retired-risk-{id}\"")));
    // Audited with its reason.
    let lines = env
        .store
        .audit_log(&zx_store::AuditFilter {
            action: Some("risk.retire".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].user, "nanchong");
    assert_eq!(
        lines[0].new_value.as_deref(),
        Some("retired; reason=渗滤液池已改造为封闭式，清淤改为机械作业")
    );
    // Retired already: refused.
    let (status, _) = post_json(&env, &nanchong, &retire, reason).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The export keeps it, marked 已停用; read back, the four rows are imported and it stays
    // retired (revision 2: nothing changed).
    let workbook = manager
        .get(format!("{}/safety/risks.xlsx?entity=SC-NC-WTE", env.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let done = upload(
        &env,
        &manager,
        page,
        "/safety/risks/import",
        "risks.xlsx",
        workbook,
    )
    .await;
    assert!(done.contains("4 行已导入"), "{done}");
    let all = get_json(
        &env,
        &nanchong,
        "/api/v1/safety/risks?entity=SC-NC-WTE&all=true",
    )
    .await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|r| r["revision"] == if r["id"] == id { 2 } else { 1 })
    );
    let map = get_json(&env, &nanchong, "/api/v1/safety/risk-map?entity=SC-NC-WTE").await;
    assert_eq!(map["total"]["red"], 0);
    // A risk in use marked retired in a file is refused on its state cell: retiring takes a
    // reason, on the page.
    let orange = open
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["area"] == "垃圾吊")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let csv = format!(
        "风险编号,单位编码,区域/部位,作业活动,类别,危险因素,L,E,C,S,管控措施,管控层级,责任人,状态\n\
         {orange},SC-NC-WTE,垃圾吊,检修,高处作业,高处坠落,3,6,15,,安全带,厂级,李工,已停用\n"
    );
    let refused = upload(
        &env,
        &manager,
        page,
        "/safety/risks/import",
        "bad.csv",
        csv.into(),
    )
    .await;
    assert!(
        refused.contains("bad.csv:2: state: “已停用” 与登记册中该风险的状态不符"),
        "{refused}"
    );
    let open = get_json(&env, &nanchong, "/api/v1/safety/risks?entity=SC-NC-WTE").await;
    assert_eq!(open.as_array().unwrap().len(), 3);
}

/// The drill reminders `zx remind` sends now for planned drill `id`: (to, reason).
fn reminders_of(env: &Env, id: i64) -> Vec<(String, String)> {
    reminders_at(env, id, Utc::now())
}

/// The same, with `now` as the run's clock.
fn reminders_at(env: &Env, id: i64, now: chrono::DateTime<Utc>) -> Vec<(String, String)> {
    let now = now.to_rfc3339();
    let out: Value = serde_json::from_str(&zx(
        &env.db,
        &[
            "remind",
            "--format",
            "json",
            "--config",
            "/nonexistent.toml",
            "--now",
            &now,
        ],
    ))
    .unwrap();
    out["drill_reminders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["planned_drill"] == id)
        .map(|r| {
            (
                r["to"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The planned drill `id` as the drills API shows it.
async fn planned_of(env: &Env, token: &str, id: i64) -> Value {
    get_json(env, token, "/api/v1/safety/drills").await["planned"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("planned drill {id}"))
        .clone()
}

async fn a_planned_drill_is_moved_with_a_reason_and_cancelled_with_one(env: Env) {
    let nanchong = token(&env, "nanchong");
    let today = zx_domain::calendar::china_today(Utc::now());
    let in_days = |n: i64| (today + TimeDelta::days(n)).to_string();
    // Planned 30 days out: more than the 14 lead days away, no reminder yet.
    let (status, created) = post_json(
        &env,
        &nanchong,
        "/api/v1/safety/drill-plan",
        json!({"entity": "SC-NC-WTE", "plan": "SC-NC-WTE-XC-02", "due": in_days(30),
               "scenario": "氨水罐泄漏"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(planned_of(&env, &nanchong, id).await["state"], "planned");
    assert_eq!(reminders_of(&env, id), []);
    // Moved to 5 days out: a new date needs a reason; then due soon (5 ≤ 14) and reminded.
    let revise = format!("/api/v1/safety/drill-plan/{id}/revise");
    let (status, _) = post_json(&env, &nanchong, &revise, json!({"due": in_days(5)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post_json(
        &env,
        &token(&env, "sichuan"),
        &revise,
        json!({"due": in_days(5), "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post_json(
        &env,
        &token(&env, "fujian"),
        &revise,
        json!({"due": in_days(5), "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let manager = env.login("nanchong", "zengxiao-nanchong").await;
    let (status, body) = post_form(
        &env,
        &manager,
        "/safety/drills",
        &format!("/safety/drills/plan/{id}/revise"),
        &[
            ("entity", "SC-NC-WTE"),
            ("due", &in_days(5)),
            ("scenario", "氨水罐泄漏"),
            ("joint_with", "南充消防救援大队"),
            ("reason", "与消防大队联合，提前"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let p = planned_of(&env, &nanchong, id).await;
    assert_eq!(
        (&p["due"], &p["state"], &p["joint_with"]),
        (
            &json!(in_days(5)),
            &json!("due_soon"),
            &json!("南充消防救援大队")
        )
    );
    assert_eq!(
        reminders_of(&env, id),
        [("nanchong".to_owned(), "drill_due_soon".to_owned())]
    );
    assert_eq!(reminders_of(&env, id), []);
    // Moved again, 10 days out (still within 14): reminded again for the new date, once.
    let (status, _) = post_json(
        &env,
        &nanchong,
        &revise,
        json!({"due": in_days(10), "reason": "消防大队档期调整"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reminders_of(&env, id),
        [("nanchong".to_owned(), "drill_due_soon".to_owned())]
    );
    let lines = env
        .store
        .audit_log(&zx_store::AuditFilter {
            action: Some("drill_plan.revise".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        lines[0]
            .new_value
            .as_deref()
            .unwrap()
            .ends_with("; reason=消防大队档期调整"),
        "{lines:?}"
    );
    // Cancelled with a reason: kept in the plan as cancelled, reminded of no more.
    let cancel = format!("/api/v1/safety/drill-plan/{id}/cancel");
    let (status, _) = post_json(&env, &nanchong, &cancel, json!({"reason": ""})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = post_form(
        &env,
        &manager,
        "/safety/drills",
        &format!("/safety/drills/plan/{id}/cancel"),
        &[("entity", "SC-NC-WTE"), ("reason", "并入年底综合演练")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let p = planned_of(&env, &nanchong, id).await;
    assert_eq!(
        (&p["state"], &p["cancel_reason"]),
        (&json!("cancelled"), &json!("并入年底综合演练"))
    );
    let (status, _) = post_json(&env, &nanchong, &cancel, json!({"reason": "again"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Two days after its date an overdue reminder would go out (to nanchong and the unit
    // above); cancelled, it is reminded of no more.
    let later = Utc::now() + TimeDelta::days(12);
    assert_eq!(reminders_at(&env, id, later), []);

    // The plan out to Excel and back: every planned drill unchanged (the cancelled one too).
    let count = get_json(&env, &nanchong, "/api/v1/safety/drills").await["planned"]
        .as_array()
        .unwrap()
        .len();
    let workbook = manager
        .get(format!("{}/safety/drill-plan.xlsx", env.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let page = upload(
        &env,
        &manager,
        "/safety/drills",
        "/safety/drills/plan/import",
        "plan.xlsx",
        workbook,
    )
    .await;
    assert!(
        page.contains(&format!("新增 0 条，修改 0 条，取消 0 条，未变 {count} 条")),
        "{page}"
    );
    // A new row for another subsidiary's plant is refused naming its cell; nothing added.
    let csv = format!(
        "id,entity,plan,due,scenario,joint_with,cancel_reason
         ,SC-NC-WTE,SC-NC-WTE-XC-01,{d},,,
,FJ-JJ-WTE,FJ-JJ-WTE-XC-01,{d},,,
",
        d = in_days(40)
    );
    let page = upload(
        &env,
        &manager,
        "/safety/drills",
        "/safety/drills/plan/import",
        "plan.csv",
        csv.into(),
    )
    .await;
    assert!(
        page.contains("plan.csv:3") && page.contains("FJ-JJ-WTE"),
        "{page}"
    );
    let after = get_json(&env, &nanchong, "/api/v1/safety/drills").await["planned"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, count);
}

/// `entity`'s exposures as the API lists them: (hazard, exposure, season).
async fn exposures_of(env: &Env, token: &str, entity: &str) -> Vec<(String, String, Value)> {
    get_json(
        env,
        token,
        &format!("/api/v1/safety/exposures?entity={entity}"),
    )
    .await
    .as_array()
    .unwrap()
    .iter()
    .filter(|x| x["entity"] == entity)
    .map(|x| {
        (
            x["hazard"].as_str().unwrap().to_owned(),
            x["exposure"].as_str().unwrap().to_owned(),
            x["season"].clone(),
        )
    })
    .collect()
}

async fn a_plants_exposures_are_edited_on_the_warnings_page(env: Env) {
    let nanchong = token(&env, "nanchong");
    let before = exposures_of(&env, &nanchong, "SC-NC-WTE").await;
    assert!(before.iter().all(|(h, _, _)| h != "flood"), "{before:?}");
    let manager = env.login("nanchong", "zengxiao-nanchong").await;
    let page = "/safety/warnings";
    let set = |season: &'static str| {
        vec![
            ("entity", "SC-NC-WTE"),
            ("hazard", "flood"),
            ("exposure", "high"),
            ("season", season),
        ]
    };
    // The flood season of southern China, May to September.
    let (status, body) = post_form(&env, &manager, page, "/safety/exposures", &set("5-9")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let flood = |list: &[(String, String, Value)]| {
        list.iter()
            .find(|(h, _, _)| h == "flood")
            .map(|(_, x, s)| (x.clone(), s.clone()))
    };
    assert_eq!(
        flood(&exposures_of(&env, &nanchong, "SC-NC-WTE").await),
        Some(("high".to_owned(), json!("5-9")))
    );
    let (_, html) = env.get(&manager, page).await;
    assert!(html.contains("data-entity=\"SC-NC-WTE\" data-hazard=\"flood\""));
    // All year (season left empty): replaced, not added.
    let (status, _) = post_form(&env, &manager, page, "/safety/exposures", &set("")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let after = exposures_of(&env, &nanchong, "SC-NC-WTE").await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(flood(&after), Some(("high".to_owned(), Value::Null)));
    // Month 13 is no season: refused on the page, nothing changed.
    let (status, body) = post_form(&env, &manager, page, "/safety/exposures", &set("5-13")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("5-13"), "{body}");
    // Another subsidiary's plant, and a viewer: refused.
    let other = [
        ("entity", "FJ-JJ-WTE"),
        ("hazard", "flood"),
        ("exposure", "none"),
        ("season", ""),
    ];
    let (status, _) = post_form(&env, &manager, page, "/safety/exposures", &other).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let viewer = env.login("sichuan", "zengxiao-sichuan").await;
    let (_, html) = env.get(&viewer, page).await;
    assert!(!html.contains("id=\"exposure-form\""));
    let (status, _) = post_form(&env, &viewer, page, "/safety/exposures", &set("5-9")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Two changes audited with old and new value.
    let lines = env
        .store
        .audit_log(&zx_store::AuditFilter {
            action: Some("exposure.set".into()),
            user: Some("nanchong".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].old_value.is_some());

    // The exposures out to Excel and back: nothing changes.
    let workbook = manager
        .get(format!("{}/safety/exposures.xlsx", env.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let import = "/safety/exposures/import";
    let done = upload(&env, &manager, page, import, "exposures.xlsx", workbook).await;
    assert!(done.contains("变更条数：0"), "{done}");
    // zx-demo's Sichuan plants: landslide medium in the flood season (5-9), earthquake high.
    // The file moves the landslide season to June–August: one change, no new row. Another
    // subsidiary's plant is refused on its cell, and nothing of that file is written.
    let csv = "entity,hazard,exposure,season\nSC-NC-WTE,landslide,medium,6-8\n";
    let done = upload(&env, &manager, page, import, "x.csv", csv.into()).await;
    assert!(done.contains("变更条数：1"), "{done}");
    let csv = "entity,hazard,exposure,season\nSC-NC-WTE,heat,high,7-8\nFJ-JJ-WTE,heat,high,7-8\n";
    let refused = upload(&env, &manager, page, import, "y.csv", csv.into()).await;
    assert!(
        refused.contains("y.csv:3: entity: “FJ-JJ-WTE” 不在您的权限范围内"),
        "{refused}"
    );
    assert!(before.contains(&("landslide".into(), "medium".into(), json!("5-9"))));
    let list = exposures_of(&env, &nanchong, "SC-NC-WTE").await;
    // The demo's two and the flood one set above.
    assert_eq!(list.len(), before.len() + 1);
    assert!(
        list.iter()
            .any(|(h, x, s)| h == "landslide" && x == "medium" && s == "6-8")
    );
    assert!(list.iter().all(|(h, _, _)| h != "heat"));
}

on_both_backends!(
    async Env("the safety edits test"):
    a_retired_risk_leaves_the_map_and_stays_in_the_register,
    a_planned_drill_is_moved_with_a_reason_and_cancelled_with_one,
    a_plants_exposures_are_edited_on_the_warnings_page,
);
