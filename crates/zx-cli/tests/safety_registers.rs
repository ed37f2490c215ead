//! The safety registers of plans, drills, people and certificates over HTTP, on the demo (built
//! around today in China): scope and roles (a plant manager within his plant, a viewer reads
//! only, HQ everything), a drill recorded with its improvements and an improvement made a
//! measure, each register exported in its import layout. Both backends.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::web::Env as Server;
use common::zx;

fn token(server: &Server, name: &str) -> String {
    zx(&server.db, &["user", "token", "--name", name])
        .trim()
        .to_owned()
}

async fn get(server: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    let response = Server::client()
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn post(server: &Server, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let response = Server::client()
        .post(format!("{}{path}", server.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The status of `obligation` of `entity` in the `index`-th period shown (0: the one before).
fn status_of(doc: &Value, entity: &str, obligation: &str, index: usize) -> String {
    let rows: Vec<&Value> = doc["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["entity"] == entity && o["obligation"] == obligation)
        .collect();
    rows[index]["status"].as_str().unwrap().to_owned()
}

async fn a_plant_manager_sees_his_plant_a_viewer_only_reads_hq_sees_all(server: Server) {
    let nanchong = token(&server, "nanchong");
    let sichuan = token(&server, "sichuan");
    let hq = token(&server, "hq");
    // The plant manager's own plant by default; its second on-site plan was never drilled:
    // the half before today's is overdue, today's half is due (safety.md §3).
    let (status, doc) = get(&server, &nanchong, "/api/v1/safety/drills").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["entity"], "SC-NC-WTE");
    assert!(
        doc["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["entity"] == "SC-NC-WTE")
    );
    assert_eq!(
        status_of(&doc, "SC-NC-WTE", "SC-NC-WTE-XC-02", 0),
        "overdue"
    );
    assert_eq!(status_of(&doc, "SC-NC-WTE", "SC-NC-WTE-XC-02", 1), "due");
    assert_eq!(status_of(&doc, "SC-NC-WTE", "SC-NC-WTE-XC-01", 1), "done");
    // The joint drill with the local fire brigade is there, and marked.
    assert!(
        doc["drills"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["plan"] == "SC-NC-WTE-ZX-HZ" && d["joint_with"] == "南充消防救援大队")
    );
    // Outside his plant: refused.
    let (status, _) = get(&server, &nanchong, "/api/v1/safety/drills?entity=FJ-JJ-WTE").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&server, &nanchong, "/api/v1/safety/people?entity=SC").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The viewer of Sichuan reads every Sichuan plant, nothing of Fujian, and writes nothing.
    let (status, doc) = get(&server, &sichuan, "/api/v1/safety/drills?entity=SC").await;
    assert_eq!(status, StatusCode::OK);
    let entities: std::collections::BTreeSet<&str> = doc["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["entity"].as_str().unwrap())
        .collect();
    // Ten Sichuan plants (zx-demo's table), four plans each.
    assert_eq!(entities.len(), 10);
    assert!(entities.iter().all(|e| e.starts_with("SC-")));
    let (status, _) = get(&server, &sichuan, "/api/v1/safety/drills?entity=FJ").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let today = zx_domain::calendar::china_today(Utc::now()).to_string();
    let drill = json!({"entity": "SC-NC-WTE", "plan": "SC-NC-WTE-XC-02", "date": today});
    let (status, _) = post(&server, &sichuan, "/api/v1/safety/drills", drill.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let planned = json!({"entity": "SC-NC-WTE", "plan": "SC-NC-WTE-XC-02", "due": today});
    let (status, _) = post(
        &server,
        &sichuan,
        "/api/v1/safety/drill-plan",
        planned.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The plant manager may not record for another plant.
    let other = json!({"entity": "FJ-JJ-WTE", "plan": "FJ-JJ-WTE-XC-02", "date": today});
    let (status, _) = post(&server, &nanchong, "/api/v1/safety/drills", other).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // HQ sees the group: 57 plants' people, each plant's electrician without a certificate.
    let (status, doc) = get(&server, &hq, "/api/v1/safety/people?entity=ZX").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["people"].as_array().unwrap().len(), 57 * 6);
    assert_eq!(doc["uncertified"].as_array().unwrap().len(), 57);
    // Nanchong's people: demo persons 78–83. The safety manager new in the role: 32 h
    // required, 16 + 4 = 20 done, 12 short; the electrician 刘丽华's one certificate expired.
    let (_, doc) = get(&server, &nanchong, "/api/v1/safety/people").await;
    let manager = doc["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["person"] == "高卫东")
        .unwrap()
        .clone();
    assert_eq!(
        (&manager["required"], &manager["done"], &manager["short"]),
        (&json!("32"), &json!("20"), &json!("12"))
    );
    assert_eq!(doc["uncertified"], json!(["刘丽华"]));
    // The viewer's pages show no forms; the manager's do.
    let viewer = server.login("sichuan", "zengxiao-sichuan").await;
    let (status, page) = server.get(&viewer, "/safety/drills?entity=SC-NC-WTE").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("id=\"drill-form\"") && !page.contains("id=\"planned-form\""));
    let manager = server.login("nanchong", "zengxiao-nanchong").await;
    let (_, page) = server.get(&manager, "/safety/drills").await;
    assert!(page.contains("id=\"drill-form\"") && page.contains("id=\"planned-form\""));
    let (status, page) = server.get(&manager, "/safety/people").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("刘丽华"));
    // The overview's registers sections for his plant: XC-02's half before today's overdue;
    // today's half due for XC-02 only (XC-01 and the year are done); two people short of hours
    // (the new safety manager, the new employee); one certificate within 60 days of expiry,
    // one expired, one uncertified electrician.
    let (status, page) = server.get(&manager, "/safety").await;
    assert_eq!(status, StatusCode::OK);
    for (id, count) in [
        ("drills-overdue", 1),
        ("drills-due", 1),
        ("training-short", 2),
        ("certificates-renew", 1),
        ("certificates-expired", 1),
        ("uncertified-count", 1),
    ] {
        assert!(
            page.contains(&format!("id=\"{id}\">{count}</strong>")),
            "{id} {count}"
        );
    }
}

async fn a_drill_is_recorded_and_its_improvement_becomes_a_measure(server: Server) {
    let nanchong = token(&server, "nanchong");
    let sichuan = token(&server, "sichuan");
    let today = zx_domain::calendar::china_today(Utc::now());
    let drill = json!({
        "entity": "SC-NC-WTE", "plan": "SC-NC-WTE-XC-02", "date": today.to_string(),
        "scenario": "氨水罐泄漏", "participants": "运行二值 9 人",
        "joint_with": "南充市人民医院", "evaluation": "处置得当，洗消器材不足",
        "improvements": "补充洗消器材\n\n修订氨区疏散路线"
    });
    let (status, created) = post(&server, &nanchong, "/api/v1/safety/drills", drill.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // The same drill again: refused, nothing written twice.
    let (status, _) = post(&server, &nanchong, "/api/v1/safety/drills", drill).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A drill in the future is refused.
    let tomorrow = today.succ_opt().unwrap().to_string();
    let later = json!({"entity": "SC-NC-WTE", "plan": "SC-NC-WTE-XC-01", "date": tomorrow});
    let (status, _) = post(&server, &nanchong, "/api/v1/safety/drills", later).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, doc) = get(&server, &nanchong, "/api/v1/safety/drills").await;
    // Today's half is now done for XC-02 (the half before stays overdue).
    assert_eq!(status_of(&doc, "SC-NC-WTE", "SC-NC-WTE-XC-02", 1), "done");
    assert_eq!(
        status_of(&doc, "SC-NC-WTE", "SC-NC-WTE-XC-02", 0),
        "overdue"
    );
    let report = &doc["reports"][0];
    assert_eq!(report["id"], created["id"]);
    assert_eq!(report["joint_with"], "南充市人民医院");
    let improvements: Vec<(&str, &Value)> = report["improvements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["text"].as_str().unwrap(), &i["measure"]))
        .collect();
    assert_eq!(
        improvements,
        vec![
            ("补充洗消器材", &Value::Null),
            ("修订氨区疏散路线", &Value::Null)
        ]
    );
    let improvement = report["improvements"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/safety/drill-improvements/{improvement}/measure");
    let body = json!({"owner": "nanchong", "due": "2027-01-31"});
    let (status, _) = post(&server, &sichuan, &path, body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, measure) = post(&server, &nanchong, &path, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{measure}");
    let id = measure["id"].as_i64().unwrap();
    let (status, m) = get(&server, &nanchong, &format!("/api/v1/measures/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m["title"], "演练改进：补充洗消器材");
    assert_eq!(m["entity"], "SC-NC-WTE");
    assert_eq!(m["owner"], "nanchong");
    assert_eq!(m["due"], "2027-01-31");
    let (_, doc) = get(&server, &nanchong, "/api/v1/safety/drills").await;
    assert_eq!(doc["reports"][0]["improvements"][0]["measure"], json!(id));
    // Once a measure, not again.
    let (status, _) = post(&server, &nanchong, &path, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn each_register_exports_in_its_import_layout(server: Server) {
    let manager = server.login("nanchong", "zengxiao-nanchong").await;
    // What an import knows: the stored plans and people a drill, a training record or a
    // certificate may name.
    let stored = server.store.safety_records().await.unwrap();
    let known = zx_ingest::safety::KnownSafety {
        plans: &stored.plans,
        people: &stored.people,
        ..Default::default()
    };
    for (kind, header) in [
        ("plans", "entity,plan,kind,approved"),
        ("drills", "entity,plan,date,joint_with"),
        ("people", "person,entity,role,role_since,hired"),
        ("training", "person,date,hours,course"),
        (
            "certificates",
            "person,type,number,issued,expires,last_review",
        ),
    ] {
        let response = manager
            .get(format!("{}/safety/registers/{kind}.xlsx", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{kind}");
        let bytes = response.bytes().await.unwrap();
        // Read back by the import's own reader: the same kind, nanchong's rows only.
        let read = zx_ingest::safety::read_safety_files(
            &[zx_ingest::Input {
                file_name: &format!("{kind}.xlsx"),
                bytes: &bytes,
            }],
            &known,
        );
        let Ok(read) = read else {
            panic!("{kind}: {:?}", read.err());
        };
        assert_eq!(read.files[0].kind.header(), header, "{kind}");
        let r = &read.records;
        let rows = r.plans.len()
            + r.drills.len()
            + r.people.len()
            + r.training.len()
            + r.certificates.len();
        // Per plant: 4 plans, 4 drills, 6 people, 2 + 2 + 2 + 2 + 1 + 1 = 10 training records
        // (zx-demo), 3 certificates.
        let expected = match kind {
            "plans" | "drills" => 4,
            "people" => 6,
            "training" => 10,
            _ => 3,
        };
        assert_eq!(rows, expected, "{kind}");
    }
    let (status, _) = server.get(&manager, "/safety/registers/nope.xlsx").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The demo raised one major hazard per plant for its electrician whose only certificate
/// expired (safety.md §5), by `system`; a reminder run raises none again.
async fn an_uncertified_operator_is_a_major_hazard_raised_once(server: Server) {
    use zx_domain::safety::HazardGrade;
    let auto: Vec<_> = server
        .store
        .hazards()
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.auto_key.is_some())
        .collect();
    // 57 plants, one electrician each.
    assert_eq!(auto.len(), 57);
    let nanchong = auto
        .iter()
        .find(|h| h.auto_key.as_deref() == Some("uncertified:刘丽华"))
        .unwrap();
    assert_eq!(nanchong.entity.as_str(), "SC-NC-WTE");
    assert_eq!(nanchong.grade, HazardGrade::Major);
    assert_eq!(nanchong.reported_by, "system");
    assert!(nanchong.description.contains("刘丽华"));
    let out: Value = serde_json::from_str(&zx(
        &server.db,
        &[
            "remind",
            "--format",
            "json",
            "--config",
            "/nonexistent.toml",
        ],
    ))
    .unwrap();
    assert_eq!(out["auto_hazards"], json!([]));
    let again = server
        .store
        .hazards()
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.auto_key.is_some())
        .count();
    assert_eq!(again, 57);
}

on_both_backends!(
    async Server("the safety registers test"):
    a_plant_manager_sees_his_plant_a_viewer_only_reads_hq_sees_all,
    a_drill_is_recorded_and_its_improvement_becomes_a_measure,
    each_register_exports_in_its_import_layout,
    an_uncertified_operator_is_a_major_hazard_raised_once,
);
