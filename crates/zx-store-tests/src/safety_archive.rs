//! The safety registers in an archive (format version 6: rows of the tables described in
//! `zx_store::archive::ARCHIVED_TABLES`): restored with their ids, read back by the registers'
//! own queries, exported unchanged; later hazards continue after the restored ids; a row that
//! refers to nothing in the archive is refused before anything is written.

use chrono::{NaiveDate, TimeZone, Utc};
use zx_domain::EntityCode;
use zx_domain::safety::hazards::{HazardGrade, HazardStatus};
use zx_store::archive::ArchivedRow;
use zx_store::{Archive, NewHazard, Store, StoreError};

use crate::archive::sample_archive;

fn row(line: &str) -> ArchivedRow {
    serde_json::from_str(line).unwrap()
}

/// The sample archive (entities G and P1, the evidence file `%PDF-1.4 evidence`) with a major
/// hazard of P1 at id 41 scored L 3 × E 6 × C 15, its two steps, the evidence as its photo, a
/// notice to hq, a training record of 1.50 h and a site exposure.
fn archive_with_safety() -> Archive {
    let mut archive = sample_archive();
    let sha = archive.blobs[0].sha256.clone();
    archive.table_rows = vec![
        row(
            r#"{"table":"hazards","row":{"id":41,"code":"YH-041","entity":"P1","found_on":"2026-04-02","description":"渗滤液池盖板破损","location":"渗滤液站","grade":"major","status":"rectifying","lec_l":"3","lec_e":"6","lec_c":"15","ls_l":null,"ls_s":null,"owner":"plant","deadline":"2026-05-31","assure_responsibility":"厂长","assure_measures":"更换盖板","assure_funds":"2.5万元","assure_timeline":"5月底","assure_plan":"设警戒区","rectified_by":null,"verified_by":null,"auto_key":null,"reported_at":"2026-04-02T08:00:00.654321Z","reported_by":"plant","revision":3}}"#,
        ),
        row(
            r#"{"table":"hazard_steps","row":{"id":70,"hazard":41,"step":"report","status_before":null,"status_after":"reported","comment":"","created_at":"2026-04-02T08:00:00.654321Z","created_by":"plant"}}"#,
        ),
        row(
            r#"{"table":"hazard_steps","row":{"id":71,"hazard":41,"step":"assess","status_before":"reported","status_after":"assessed","comment":"","created_at":"2026-04-02T09:00:00.654321Z","created_by":"plant"}}"#,
        ),
        row(&format!(
            r#"{{"table":"hazard_attachments","row":{{"id":5,"hazard":41,"step":70,"sha256":"{sha}","file_name":"盖板.pdf","media_type":"application/pdf","size":17,"created_at":"2026-04-02T08:00:00.654321Z","created_by":"plant"}}}}"#
        )),
        row(
            r#"{"table":"hazard_notifications","row":{"id":2,"hazard":41,"user_name":"hq","reason":"major_graded","created_at":"2026-04-02T09:00:00.654321Z","read_at":null}}"#,
        ),
        row(
            r#"{"table":"safety_people","row":{"id":3,"person":"P-007","entity":"P1","role":"special_operator","role_since":"2025-01-01","hired":"2024-03-01","revision":1,"created_at":"2026-04-01T08:00:00.654321Z","updated_at":"2026-04-01T08:00:00.654321Z"}}"#,
        ),
        row(
            r#"{"table":"safety_training","row":{"id":9,"person":"P-007","training_date":"2026-03-15","hours":"1.50","course":"有限空间作业","revision":1,"created_at":"2026-04-01T08:00:00.654321Z","updated_at":"2026-04-01T08:00:00.654321Z"}}"#,
        ),
        row(
            r#"{"table":"site_exposures","row":{"entity":"P1","hazard":"typhoon","exposure":"high","season":"7-9月","updated_by":"hq","updated_at":"2026-04-01T08:00:00.654321Z"}}"#,
        ),
    ];
    archive.sort();
    archive
}

pub async fn safety_registers_are_restored_with_their_ids_and_export_unchanged(store: &dyn Store) {
    let archive = archive_with_safety();
    archive.check().unwrap();
    // In the file: the header counts each table, the rows come back equal.
    let mut file = Vec::new();
    zx_store::archive::write_lines(&archive, "test", &mut file, &mut || {}).unwrap();
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(
        text.contains(r#""tables":{"hazard_attachments":1,"hazard_notifications":1,"hazard_steps":2,"hazards":1,"safety_people":1,"safety_training":1,"site_exposures":1}"#),
        "{text}"
    );
    let (_, back) =
        zx_store::archive::read_lines(&mut file.as_slice(), &mut |_| {}, &mut || {}).unwrap();
    assert_eq!(back, archive);

    store.restore(&archive).await.unwrap();
    // The register reads what the rows say.
    let hazard = store.hazard(41).await.unwrap().unwrap();
    assert_eq!(hazard.code.as_deref(), Some("YH-041"));
    assert_eq!(hazard.grade, HazardGrade::Major);
    assert_eq!(hazard.status, HazardStatus::Rectifying);
    assert_eq!(hazard.deadline, NaiveDate::from_ymd_opt(2026, 5, 31));
    assert_eq!(hazard.assurances.funds, "2.5万元");
    assert_eq!(hazard.revision, 3);
    let steps = store.hazard_steps(41).await.unwrap();
    assert_eq!(steps.len(), 2);
    let photos = store.hazard_attachments(41).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].file_name, "盖板.pdf");
    let notices = store.hazard_notifications("hq").await.unwrap();
    assert_eq!(notices.len(), 1);
    // Exported again: the same archive, the training hours still "1.50".
    let exported = store.export().await.unwrap();
    assert_eq!(exported, archive);

    // A new hazard continues after the restored ids.
    let at = Utc.with_ymd_and_hms(2026, 4, 20, 8, 0, 0).unwrap();
    let new = store
        .report_hazard(
            NewHazard {
                entity: EntityCode::parse("P1").unwrap(),
                found: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
                description: "消防通道堵塞".into(),
                location: String::new(),
                grade: HazardGrade::General,
                scores: None,
                auto_key: None,
            },
            Vec::new(),
            "plant",
            at,
        )
        .await
        .unwrap();
    assert_eq!(new.id, 42);
    let steps = store.hazard_steps(42).await.unwrap();
    assert_eq!(steps.len(), 1);
}

pub async fn a_safety_row_referring_to_nothing_is_refused(store: &dyn Store) {
    // A training record of a person the archive does not hold.
    let mut archive = archive_with_safety();
    archive
        .table_rows
        .retain(|r| r.table.name != "safety_people");
    let error = store.restore(&archive).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Invalid(m) if m == "the archive is inconsistent: safety_training row 9 refers to safety_people person P-007, which is not in the archive"),
        "{error}"
    );
    // A hazard of an entity the archive does not hold.
    let mut archive = archive_with_safety();
    let hazard = &mut archive.table_rows[0];
    assert_eq!(hazard.table.name, "hazards");
    *hazard = row(&serde_json::to_string(&*hazard)
        .unwrap()
        .replace(r#""entity":"P1""#, r#""entity":"P9""#));
    let error = store.restore(&archive).await.unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("hazards row 41 refers to entities code P9, which is not in the archive"),
        "{error}"
    );
    // The same hazard twice.
    let mut archive = archive_with_safety();
    let twice = archive.table_rows[0].clone();
    archive.table_rows.push(twice);
    let error = store.restore(&archive).await.unwrap_err();
    assert!(
        error.to_string().ends_with("hazards row 41 appears twice"),
        "{error}"
    );
    // Nothing was written.
    assert!(store.export().await.unwrap().is_empty());
}
