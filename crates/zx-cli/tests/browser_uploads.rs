//! A safety register uploaded in a real browser (headless Chromium, `common::browser`): the
//! plant manager of 南充 chooses a training file on the people page; the page comes back with
//! what was imported and his safety manager's hours counted, then refuses a file with another
//! plant's row, naming it. Under the production Content-Security-Policy.

mod common;
use common::browser::{self, DESKTOP, Page, element, text_when};

/// Opens the upload, chooses `file` and sends it; returns the result's text.
async fn upload(page: &Page, file: &std::path::Path) -> String {
    let c = &page.c;
    page.goto("/safety/people").await;
    element(c, "#registers-upload summary")
        .await
        .click()
        .await
        .unwrap();
    element(c, "#upload-file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    element(c, "#upload-submit").await.click().await.unwrap();
    text_when(c, "#upload-result", |t| !t.is_empty()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plant_manager_uploads_training_records_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("nanchong", "zh").await;
        let dir = tempfile::tempdir().unwrap();
        let today = zx_domain::calendar::china_today(chrono::Utc::now());
        let good = dir.path().join("培训记录.csv");
        std::fs::write(
            &good,
            format!("person,date,hours,course\n高卫东,{today},2.5,有限空间作业安全\n"),
        )
        .unwrap();
        let result = upload(&page, &good).await;
        assert!(result.contains("新增 1 条"), "{result}");
        // The safety manager new in his role: 20 h done before (zx-demo), 20 + 2.5 = 22.5
        // now, of 32 required: 9.5 short.
        let row = text_when(&page.c, "#people tr[data-person='高卫东']", |t| {
            t.contains("22.5")
        })
        .await;
        assert!(row.contains("9.5"), "{row}");
        // Another plant's person: refused on its line, naming the unit; nothing written.
        let bad = dir.path().join("人员.csv");
        std::fs::write(
            &bad,
            "person,entity,role,role_since,hired\n李外,FJ-JJ-WTE,staff,2026-01-05,2026-01-05\n",
        )
        .unwrap();
        let result = upload(&page, &bad).await;
        assert!(
            result.contains("人员.csv")
                && result.contains("FJ-JJ-WTE")
                && result.contains("未导入"),
            "{result}"
        );
    })
    .await;
}
