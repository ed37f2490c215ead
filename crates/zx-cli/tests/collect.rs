//! The collection loop over HTTP, as a subsidiary manager and HQ use it: "check only" finds
//! everything a submission would refuse (locked months, rows outside the scope, with rows), an
//! approval survives an unchanged re-upload, and a lock over units that have not submitted
//! asks first. Every test runs on SQLite and, with `ZX_TEST_DATABASE_URL`, on PostgreSQL.

use reqwest::StatusCode;
use serde_json::Value;
use zx_domain::Decimal;

#[macro_use]
mod common;
use common::web::{Env as Server, hidden};
use common::zx;

async fn upload(server: &Server, client: &reqwest::Client, csv: &str, action: &str) -> String {
    upload_file(server, client, csv.as_bytes(), "data.csv", action).await
}

async fn upload_file(
    server: &Server,
    client: &reqwest::Client,
    bytes: &[u8],
    name: &str,
    action: &str,
) -> String {
    let (_, page) = server.get(client, "/collect").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", hidden(&page, "csrf"))
        .text("action", action.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
    let response = client
        .post(format!("{}/collect/upload", server.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

/// HQ's review form; `force` ticks "lock anyway". Returns the status and the page.
async fn review(
    server: &Server,
    hq: &reqwest::Client,
    entity: &str,
    month: &str,
    state: &str,
    force: bool,
) -> (StatusCode, String) {
    let (_, page) = server.get(hq, "/collect").await;
    let mut form = vec![
        ("csrf", hidden(&page, "csrf")),
        ("entity", entity.to_owned()),
        ("month", month.to_owned()),
        ("state", state.to_owned()),
        ("comment", String::new()),
    ];
    if force {
        form.push(("force", "on".to_owned()));
    }
    let response = hq
        .post(format!("{}/collect/state", server.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The value in force and its basis, as `zx history` lists it.
fn stored(server: &Server, entity: &str, period: &str, item: &str) -> (Decimal, String, usize) {
    let json: Value = serde_json::from_str(&zx(
        &server.db,
        &[
            "history", "--entity", entity, "--period", period, "--item", item, "--format", "json",
        ],
    ))
    .unwrap();
    let revisions = json["revisions"].as_array().unwrap();
    let last = revisions.last().unwrap();
    (
        last["value"].as_str().unwrap().parse().unwrap(),
        last["basis"].as_str().unwrap().to_owned(),
        revisions.len(),
    )
}

/// The states of `entity`'s twelve months of 2026 through the API.
async fn months(server: &Server, client: &reqwest::Client, entity: &str) -> Vec<String> {
    let rows: Value = serde_json::from_str(
        &server
            .get(client, "/api/v1/collection?year=2026&entity=FJ")
            .await
            .1,
    )
    .unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["entity"] == entity)
        .unwrap()["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

/// The grid row of `entity` on HQ's collection page.
fn grid_row(page: &str, entity: &str) -> String {
    page.split(&format!("data-code=\"{entity}\""))
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap()
        .to_owned()
}

async fn check_only_finds_what_a_submission_would_refuse(server: Server) {
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let (status, _) = review(&server, &hq, "FJ", "2026-09", "locked", true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (profit, profit_basis, revisions) = stored(&server, "FJ-JJ-WTE", "2026-09", "total_profit");
    let (revenue, revenue_basis, _) = stored(&server, "FJ-JJ-WTE", "2026-09", "operating_revenue");
    let changed = revenue + Decimal::ONE;

    // Line 2 equals what is stored (accepted as unchanged), line 3 changes a locked value,
    // line 4 is outside the manager's scope, line 5 is not a number: all four in one check.
    let file = format!(
        "entity,period,item,value,basis\n\
         FJ-JJ-WTE,2026-09,total_profit,{profit},{profit_basis}\n\
         FJ-JJ-WTE,2026-09,operating_revenue,{changed},{revenue_basis}\n\
         SC-NC-WTE,2026-11,total_profit,7,month\n\
         FJ-JJ-WTE,2026-11,net_profit,\"12,3x\",month\n"
    );
    let page = upload(&server, &fujian, &file, "check").await;
    assert!(
        page.contains(&format!(
            "<td>3</td><td>value</td><td><code>{changed}</code></td>"
        )),
        "{page}"
    );
    let stored_text = format!("{} ({revenue_basis})", revenue.normalize());
    assert!(
        page.contains(&stored_text),
        "names the stored value: {page}"
    );
    assert!(page.contains("已锁定") || page.contains("locked"), "{page}");
    assert!(
        page.contains("<td>4</td><td>entity</td><td><code>SC-NC-WTE</code></td>"),
        "{page}"
    );
    assert!(
        page.contains("<td>5</td><td>value</td><td><code>12,3x</code></td>"),
        "{page}"
    );
    assert!(!page.contains("<td>2</td>"), "line 2 is unchanged: {page}");
    assert_eq!(page.matches("class=\"issue error\"").count(), 3, "{page}");

    // Submitting the same file is refused with the same errors; nothing is written.
    let submitted = upload(&server, &fujian, &file, "submit").await;
    assert_eq!(
        submitted.matches("class=\"issue error\"").count(),
        3,
        "{submitted}"
    );
    // The unchanged line alone passes the check and the submission.
    let clean = format!(
        "entity,period,item,value,basis\nFJ-JJ-WTE,2026-09,total_profit,{profit},{profit_basis}\n"
    );
    let page = upload(&server, &fujian, &clean, "check").await;
    assert!(!page.contains("class=\"issue error\""), "{page}");
    let page = upload(&server, &fujian, &clean, "submit").await;
    assert!(!page.contains("class=\"issue error\""), "{page}");
    assert_eq!(
        stored(&server, "FJ-JJ-WTE", "2026-09", "total_profit").2,
        revisions,
        "no new revision"
    );
}

async fn an_approval_survives_an_unchanged_resubmission(server: Server) {
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let (profit, basis, _) = stored(&server, "FJ-JJ-WTE", "2026-10", "total_profit");
    let october = format!("FJ-JJ-WTE,2026-10,total_profit,{profit},{basis}\n");
    let page = upload(
        &server,
        &fujian,
        &format!("entity,period,item,value,basis\n{october}"),
        "submit",
    )
    .await;
    assert!(!page.contains("class=\"issue error\""), "{page}");
    assert_eq!(months(&server, &hq, "FJ-JJ-WTE").await[9], "submitted");
    let (status, _) = review(&server, &hq, "FJ-JJ-WTE", "2026-10", "approved", false).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The template again, with November added: October is unchanged and stays approved.
    let page = upload(
        &server,
        &fujian,
        &format!(
            "entity,period,item,value,basis\n{october}FJ-JJ-WTE,2026-11,total_profit,5,month\n"
        ),
        "submit",
    )
    .await;
    assert!(
        page.contains("2026-10: 1 未变，保持已审核")
            || page.contains("2026-10: 1 unchanged, stays approved"),
        "{page}"
    );
    let states = months(&server, &hq, "FJ-JJ-WTE").await;
    assert_eq!(
        (states[9].as_str(), states[10].as_str()),
        ("approved", "submitted")
    );

    // The audit says which upload sent November in; October has no new state line.
    let audit: Value = serde_json::from_str(
        &server
            .get(
                &hq,
                "/api/v1/audit?action=period.submitted&object=FJ-JJ-WTE",
            )
            .await
            .1,
    )
    .unwrap();
    let lines = audit.as_array().unwrap();
    let objects: Vec<&str> = lines
        .iter()
        .map(|l| l["object"].as_str().unwrap())
        .collect();
    assert_eq!(
        objects,
        ["period FJ-JJ-WTE 2026-11", "period FJ-JJ-WTE 2026-10"],
        "{audit}"
    );
    assert!(lines.iter().all(|l| l["submission"].is_i64()), "{audit}");

    // A changed October value sends it back to HQ.
    let page = upload(
        &server,
        &fujian,
        &format!(
            "entity,period,item,value,basis\nFJ-JJ-WTE,2026-10,total_profit,{},{basis}\n",
            profit + Decimal::ONE
        ),
        "submit",
    )
    .await;
    assert!(!page.contains("class=\"issue error\""), "{page}");
    assert_eq!(months(&server, &hq, "FJ-JJ-WTE").await[9], "submitted");
}

async fn a_lock_over_units_that_have_not_submitted_asks_first(server: Server) {
    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let page = upload(
        &server,
        &fujian,
        "entity,period,item,value,basis\nFJ-JJ-WTE,2026-11,total_profit,5,month\n",
        "submit",
    )
    .await;
    assert!(!page.contains("class=\"issue error\""), "{page}");
    let (_, before) = server.get(&hq, "/collect?year=2026&entity=FJ").await;
    let missing_before = grid_row(&before, "FJ-NA-WTE");

    // Nine of FJ's ten plants and FJ itself (it books figures of its own) have not submitted
    // November: the lock asks, listing them.
    let (status, page) = review(&server, &hq, "FJ", "2026-11", "locked", false).await;
    assert_eq!(status, StatusCode::OK);
    let list = page
        .split("id=\"lock-missing\"")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert_eq!(list.matches("<li>").count(), 10, "{list}");
    assert!(
        list.contains("<li>FJ 中衡环境（福建）有限公司</li>"),
        "{list}"
    );
    assert!(list.contains("FJ-NA-WTE 南安垃圾焚烧发电厂"), "{list}");
    assert!(!list.contains("FJ-JJ-WTE"), "{list}");
    assert!(page.contains("id=\"lock-force\""), "{page}");
    assert_eq!(
        months(&server, &hq, "FJ-NA-WTE").await[10],
        "none",
        "not locked yet"
    );

    // Locking anyway is the second, deliberate step; the audit names the units.
    let (status, _) = review(&server, &hq, "FJ", "2026-11", "locked", true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(months(&server, &hq, "FJ-NA-WTE").await[10], "locked");
    let (_, grid) = server.get(&hq, "/collect?year=2026&entity=FJ").await;
    let na = grid_row(&grid, "FJ-NA-WTE");
    assert_eq!(na.matches("state-locked-missing").count(), 1, "{na}");
    assert!(
        na.contains("锁定·未报") || na.contains("locked, not submitted"),
        "{na}"
    );
    // Still counted as missing: the row's count did not drop.
    let count = |row: &str| {
        row.rsplit("<td class=\"num\">")
            .next()
            .unwrap()
            .split("</td>")
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(count(&na), count(&missing_before));
    let jj = grid_row(&grid, "FJ-JJ-WTE");
    assert_eq!(jj.matches("state-locked-missing").count(), 0, "{jj}");
    assert_eq!(jj.matches("state-locked\"").count(), 1, "{jj}");
    let audit: Value = serde_json::from_str(
        &server
            .get(
                &hq,
                "/api/v1/audit?action=period.locked&object=FJ%202026-11",
            )
            .await
            .1,
    )
    .unwrap();
    let note = audit[0]["new"].as_str().unwrap();
    assert!(
        note.contains("10 个单位未报送") || note.contains("10 units not submitted"),
        "{note}"
    );
    assert!(note.contains("FJ-NA-WTE"), "{note}");

    // A month everyone below has submitted locks at once.
    let (status, _) = review(&server, &hq, "FJ-JJ-WTE", "2026-11", "locked", false).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// The JSON API's review: a lock over units that have not submitted is `units_not_submitted`
/// (409, naming them) until `force` is sent.
async fn the_api_locks_over_missing_units_only_with_force(server: Server) {
    let hq = server.login("hq", "zengxiao-hq").await;
    let (_, page) = server.get(&hq, "/collect").await;
    let csrf = hidden(&page, "csrf");
    let post = |body: Value| {
        hq.post(format!("{}/api/v1/collection/state", server.base))
            .header("x-csrf-token", csrf.clone())
            .json(&body)
            .send()
    };
    let response = post(serde_json::json!({"entity": "FJ", "month": "2026-11", "state": "locked"}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "units_not_submitted");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("FJ 2026-11: 11 "), "{message}");
    assert!(
        message.contains("FJ-NA-WTE 南安垃圾焚烧发电厂"),
        "{message}"
    );
    assert_eq!(months(&server, &hq, "FJ-NA-WTE").await[10], "none");
    let response = post(serde_json::json!(
        {"entity": "FJ", "month": "2026-11", "state": "locked", "force": true}
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["state"], "locked");
    assert_eq!(months(&server, &hq, "FJ-NA-WTE").await[10], "locked");
    // October: every plant has submitted, so no question.
    let response = post(serde_json::json!({"entity": "FJ", "month": "2026-10", "state": "locked"}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// `zx import` takes the same checks: an unchanged figure of a locked month passes, a changed
/// one is refused with its line, the stored value and the lock.
async fn zx_import_checks_locked_months_like_the_upload(server: Server) {
    let hq = server.login("hq", "zengxiao-hq").await;
    let (status, _) = review(&server, &hq, "FJ", "2026-09", "locked", true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (profit, basis, revisions) = stored(&server, "FJ-JJ-WTE", "2026-09", "total_profit");
    let write = |name: &str, value: Decimal| {
        let path = server.dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "entity,period,item,value,basis\nFJ-JJ-WTE,2026-09,total_profit,{value},{basis}\n"
            ),
        )
        .unwrap();
        path.to_string_lossy().into_owned()
    };
    let unchanged = write("unchanged.csv", profit);
    let out = zx(&server.db, &["import", &unchanged, "--format", "json"]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["files"][0]["unchanged"], 1, "{out}");
    // In text, the month's fate is said too.
    let text = zx(&server.db, &["import", &unchanged, "--lang", "en"]);
    assert!(
        text.contains("  2026-09: 1 unchanged, locked, kept as it was"),
        "{text}"
    );
    let changed_value = profit + Decimal::ONE;
    let changed = write("changed.csv", changed_value);
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_zx"))
        .args(["import", &changed, "--db", &server.db])
        .env("ZX_USER", "tester")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "changed.csv:2: value: \"{changed_value}\" changes total_profit of FJ-JJ-WTE for 2026-09, a month locked (FJ): the stored value is {} ({basis})",
            profit.normalize()
        )),
        "{stderr}"
    );
    assert_eq!(
        stored(&server, "FJ-JJ-WTE", "2026-09", "total_profit").2,
        revisions
    );
}

/// A workbook of 1.7 KB with one stray cell at XFD1048576 once made calamine ask for 512 GB
/// and abort the server, receiver included. Now the sheet is read cell by cell: the check names
/// the stray cell, and the server goes on answering.
async fn a_workbook_with_a_cell_at_its_far_corner_is_checked_and_the_server_lives(server: Server) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (column, text) in ["entity", "period", "item", "value", "basis"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, column as u16, *text).unwrap();
    }
    for (column, text) in ["FJ-JJ-WTE", "2026-09", "total_profit", "1", "month"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, column as u16, *text).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000, "{} bytes", bytes.len());

    let fujian = server.login("fujian", "zengxiao-fujian").await;
    let page = upload_file(&server, &fujian, &bytes, "data.xlsx", "check").await;
    assert!(page.contains("XFD1048576"), "{page}");
    assert!(page.contains("id=\"upload-errors\""), "{page}");
    let (status, _) = server.get(&fujian, "/collect").await;
    assert_eq!(status, StatusCode::OK, "the server still answers");
}

on_both_backends!(
    async Server("the collection test"):
    a_workbook_with_a_cell_at_its_far_corner_is_checked_and_the_server_lives,
    check_only_finds_what_a_submission_would_refuse,
    an_approval_survives_an_unchanged_resubmission,
    a_lock_over_units_that_have_not_submitted_asks_first,
    zx_import_checks_locked_months_like_the_upload,
    the_api_locks_over_missing_units_only_with_force,
);
