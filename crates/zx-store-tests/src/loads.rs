//! The load every report starts with (`FactStore::current_fact_table`, read from the entities'
//! blocks beside `facts`): it holds exactly the values in force after imports that add, revise
//! and repeat values, across files of one import, and after an import that failed.

use chrono::{DateTime, TimeZone, Utc};
use zx_domain::{Basis, Entity, EntityCode, EntityKind, Fact, Month};
use zx_store::{Changes, HistoryFilter, Import, NewSubmission, Store};

fn code(s: &str) -> EntityCode {
    EntityCode::parse(s).unwrap()
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap()
}

fn fact(e: &str, m: &str, item: &str, v: &str, basis: Basis) -> Fact {
    Fact {
        entity: code(e),
        month: Month::parse(m).unwrap(),
        item: item.into(),
        value: v.parse().unwrap(),
        basis,
    }
}

fn file(name: &str, changes: Changes) -> (NewSubmission, Changes) {
    (
        NewSubmission {
            file_name: name.into(),
            sha256: "cd".repeat(32),
            rows: 1,
        },
        changes,
    )
}

/// (entity, month, item, value as text, basis), sorted.
fn rows(facts: Vec<Fact>) -> Vec<(String, String, String, String, Basis)> {
    let mut rows: Vec<_> = facts
        .into_iter()
        .map(|f| {
            let entity = f.entity.as_str().to_owned();
            (
                entity,
                f.month.to_string(),
                f.item,
                f.value.to_string(),
                f.basis,
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    rows
}

/// The values in force as the revisions table says (the record the blocks are derived from).
async fn in_force(store: &dyn Store) -> Vec<(String, String, String, String, Basis)> {
    let history = store.history(&HistoryFilter::default()).await.unwrap();
    rows(
        history
            .into_iter()
            .filter(|r| r.current)
            .map(|r| Fact {
                entity: r.entity,
                month: r.month,
                item: r.item,
                value: r.value,
                basis: r.basis,
            })
            .collect(),
    )
}

pub async fn the_loaded_values_are_the_values_in_force(store: &dyn Store) {
    let entity = |c: &str, parent: Option<&str>| Entity {
        code: code(c),
        name: c.into(),
        parent: parent.map(code),
        kind: if parent.is_none() {
            EntityKind::Group
        } else {
            EntityKind::Company
        },
        region: String::new(),
        segment: String::new(),
    };
    let import = |day, files| Import {
        user: "hq".into(),
        at: at(day),
        files,
    };
    store
        .import(import(
            1,
            vec![file(
                "entities.csv",
                Changes::Entities(vec![
                    entity("G", None),
                    entity("P1", Some("G")),
                    entity("P2", Some("G")),
                ]),
            )],
        ))
        .await
        .unwrap();
    assert!(store.current_fact_table().await.unwrap().is_empty());
    let month = Basis::Month;
    store
        .import(import(
            2,
            vec![file(
                "jan.csv",
                Changes::facts(vec![
                    fact("P1", "2026-01", "operating_revenue", "100.50", month),
                    fact("P1", "2026-01", "net_profit", "-3", month),
                    fact("P2", "2026-01", "operating_revenue", "7", month),
                ]),
            )],
        ))
        .await
        .unwrap();
    // Two files of one import touch P1: the second's value for February wins; P2 is left alone.
    store
        .import(import(
            3,
            vec![
                file(
                    "fix.csv",
                    Changes::facts(vec![
                        fact("P1", "2026-01", "operating_revenue", "101", month),
                        fact("P1", "2026-02", "operating_revenue", "5", Basis::Ytd),
                        fact("P1", "2026-01", "net_profit", "-3.00", month),
                    ]),
                ),
                file(
                    "fix2.csv",
                    Changes::facts(vec![fact(
                        "P1",
                        "2026-02",
                        "operating_revenue",
                        "6",
                        Basis::Ytd,
                    )]),
                ),
            ],
        ))
        .await
        .unwrap();
    let expected = vec![
        (
            "P1".into(),
            "2026-01".into(),
            "net_profit".into(),
            "-3".into(),
            month,
        ),
        (
            "P1".into(),
            "2026-01".into(),
            "operating_revenue".into(),
            "101".into(),
            month,
        ),
        (
            "P1".into(),
            "2026-02".into(),
            "operating_revenue".into(),
            "6".into(),
            Basis::Ytd,
        ),
        (
            "P2".into(),
            "2026-01".into(),
            "operating_revenue".into(),
            "7".into(),
            month,
        ),
    ];
    let loaded = rows(store.current_fact_table().await.unwrap().to_facts());
    assert_eq!(loaded, expected);
    assert_eq!(in_force(store).await, expected);
    assert_eq!(rows(store.current_facts().await.unwrap()), expected);

    // An import whose second file fails (an unknown entity) leaves the loaded values as they were.
    let failed = store
        .import(import(
            4,
            vec![
                file(
                    "ok.csv",
                    Changes::facts(vec![fact("P2", "2026-01", "operating_revenue", "8", month)]),
                ),
                file(
                    "bad.csv",
                    Changes::facts(vec![fact("XX", "2026-01", "operating_revenue", "1", month)]),
                ),
            ],
        ))
        .await;
    assert!(failed.is_err());
    assert_eq!(
        rows(store.current_fact_table().await.unwrap().to_facts()),
        expected
    );
    assert_eq!(in_force(store).await, expected);
    // Places are kept as submitted: 100.50 was revised, but a new value keeps its own.
    store
        .import(import(
            5,
            vec![file(
                "places.csv",
                Changes::facts(vec![fact(
                    "P2",
                    "2026-03",
                    "total_assets",
                    "2500.10",
                    month,
                )]),
            )],
        ))
        .await
        .unwrap();
    let loaded = rows(store.current_fact_table().await.unwrap().to_facts());
    assert_eq!(loaded.len(), 5);
    assert_eq!(loaded[4].3, "2500.10");
    assert_eq!(in_force(store).await, loaded);
}

/// A file that repeats a stored value with other places (`-3.00` for `-3`) changes nothing:
/// the stored value stays in force, in `facts` and in the blocks a report reads (the blocks
/// took the file's `-3.00`). A month's file into a longer history revises that month only and
/// leaves the other months' values, revisions and blocks as they were.
pub async fn an_equal_value_and_a_months_file_leave_the_rest_in_force(store: &dyn Store) {
    let import = |day, files| Import {
        user: "hq".into(),
        at: at(day),
        files,
    };
    let entity = |c: &str, parent: Option<&str>| Entity {
        code: code(c),
        name: c.into(),
        parent: parent.map(code),
        kind: if parent.is_none() {
            EntityKind::Group
        } else {
            EntityKind::Company
        },
        region: String::new(),
        segment: String::new(),
    };
    let month = Basis::Month;
    store
        .import(import(
            1,
            vec![
                file(
                    "entities.csv",
                    Changes::Entities(vec![entity("G", None), entity("P1", Some("G"))]),
                ),
                file(
                    "history.csv",
                    Changes::facts(vec![
                        fact("P1", "2026-01", "net_profit", "-3", month),
                        fact("P1", "2026-02", "net_profit", "4", month),
                        fact("P1", "2026-03", "net_profit", "5", month),
                    ]),
                ),
            ],
        ))
        .await
        .unwrap();
    let receipts = store
        .import(import(
            2,
            vec![file(
                "february.csv",
                Changes::facts(vec![
                    fact("P1", "2026-02", "net_profit", "4.50", month),
                    fact("P1", "2026-01", "net_profit", "-3.00", month),
                ]),
            )],
        ))
        .await
        .unwrap();
    assert_eq!(
        (
            receipts[0].inserted,
            receipts[0].revised,
            receipts[0].unchanged
        ),
        (0, 1, 1)
    );
    let expected: Vec<(String, String, String, String, Basis)> =
        [("2026-01", "-3"), ("2026-02", "4.50"), ("2026-03", "5")]
            .iter()
            .map(|(m, v)| {
                (
                    "P1".to_owned(),
                    (*m).to_owned(),
                    "net_profit".to_owned(),
                    (*v).to_owned(),
                    month,
                )
            })
            .collect();
    assert_eq!(
        rows(store.current_fact_table().await.unwrap().to_facts()),
        expected
    );
    assert_eq!(in_force(store).await, expected);
    let history = store.history(&HistoryFilter::default()).await.unwrap();
    let revisions: Vec<(String, i64)> = {
        let mut list: Vec<(String, i64)> = history
            .iter()
            .filter(|r| r.current)
            .map(|r| (r.month.to_string(), r.revision))
            .collect();
        list.sort();
        list
    };
    assert_eq!(
        revisions,
        [
            ("2026-01".to_owned(), 1),
            ("2026-02".to_owned(), 2),
            ("2026-03".to_owned(), 1)
        ]
    );
}
