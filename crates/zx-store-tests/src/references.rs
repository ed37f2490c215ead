//! Benchmark reference values in the store: imported, identical ones left alone, a changed value
//! or source revised with its history kept and audited with old and new value, a key given twice
//! refusing the whole save, and the rows in an export exactly as written.

use chrono::{DateTime, Duration, TimeZone, Utc};
use zx_domain::Decimal;
use zx_store::archive::Cell;
use zx_store::{
    AuditFilter, ExternalReference, ReferenceKind, ReferenceOutcome, Store, StoreError,
};

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 2, 0, 0).unwrap() + Duration::microseconds(125_001)
}

fn reference(
    indicator: &str,
    segment: Option<&str>,
    kind: ReferenceKind,
    value: &str,
    source: &str,
) -> ExternalReference {
    ExternalReference {
        indicator: indicator.into(),
        segment: segment.map(Into::into),
        kind,
        value: value.parse::<Decimal>().unwrap(),
        year: 2025,
        source: source.into(),
    }
}

pub async fn reference_values_are_revised_never_overwritten(store: &dyn Store) {
    let yearbook = "中国城市环境卫生协会 2025 年鉴";
    let first = vec![
        reference(
            "cost_per_tonne",
            None,
            ReferenceKind::Average,
            "312.50",
            yearbook,
        ),
        reference(
            "cost_per_tonne",
            None,
            ReferenceKind::Best,
            "245.00",
            yearbook,
        ),
        reference(
            "cost_per_mwh",
            Some("wind"),
            ReferenceKind::Average,
            "96.3",
            yearbook,
        ),
    ];
    let outcomes = store
        .save_benchmark_references(first.clone(), "refs-2025.csv", "hq", at(1))
        .await
        .unwrap();
    assert_eq!(outcomes, [ReferenceOutcome::Created; 3]);

    // Again with the average corrected and the rest identical.
    let mut second = first.clone();
    second[0].value = "318.00".parse().unwrap();
    let outcomes = store
        .save_benchmark_references(second, "refs-2025-v2.csv", "hq", at(2))
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        [
            ReferenceOutcome::Revised,
            ReferenceOutcome::Unchanged,
            ReferenceOutcome::Unchanged
        ]
    );
    let in_force = store.benchmark_references().await.unwrap();
    let shown: Vec<(String, String, String, i64, String)> = in_force
        .iter()
        .map(|r| {
            (
                r.reference.indicator.clone(),
                r.reference.kind.as_str().to_owned(),
                r.reference.value.to_string(),
                r.revision,
                r.file.clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                "cost_per_mwh".into(),
                "average".into(),
                "96.3".into(),
                1,
                "refs-2025.csv".into()
            ),
            (
                "cost_per_tonne".into(),
                "average".into(),
                "318.00".into(),
                2,
                "refs-2025-v2.csv".into()
            ),
            (
                "cost_per_tonne".into(),
                "best".into(),
                "245.00".into(),
                1,
                "refs-2025.csv".into()
            ),
        ]
    );
    assert_eq!(in_force[0].reference.segment.as_deref(), Some("wind"));
    assert_eq!(in_force[1].reference.segment, None);
    assert_eq!(in_force[1].recorded_at, at(2));
    // The first average stays in the history.
    let history = store.benchmark_reference_history().await.unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[1].reference.value.to_string(), "312.50");
    assert_eq!(history[2].reference.value.to_string(), "318.00");

    let audit = store
        .audit_log(&AuditFilter {
            action: Some("benchmark_reference.revise".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].object,
        "benchmark_reference indicator=cost_per_tonne; segment=all; kind=average; year=2025"
    );
    assert_eq!(
        audit[0].old_value.as_deref(),
        Some(format!("value=312.5; source={yearbook}").as_str())
    );
    assert_eq!(
        audit[0].new_value.as_deref(),
        Some(format!("value=318; source={yearbook}").as_str())
    );

    // A key twice: nothing written, the row named.
    let twice = vec![
        reference("cost_per_m3", None, ReferenceKind::Average, "1.2", yearbook),
        reference("cost_per_m3", None, ReferenceKind::Average, "1.3", yearbook),
    ];
    match store
        .save_benchmark_references(twice, "twice.csv", "hq", at(3))
        .await
    {
        Err(StoreError::Invalid(message)) => {
            assert!(message.starts_with("row 2:"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.benchmark_reference_history().await.unwrap().len(), 4);

    // The export holds the four rows by id with their exact values.
    let archive = store.export().await.unwrap();
    let values: Vec<Cell> = archive
        .table_rows
        .iter()
        .filter(|r| r.table.name == "benchmark_references")
        .filter_map(|r| r.cell("value").cloned())
        .collect();
    assert_eq!(
        values,
        ["312.50", "245.00", "96.3", "318.00"]
            .map(|v| Cell::Decimal(v.into()))
            .to_vec()
    );
}
