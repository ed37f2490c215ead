//! Telling a file's kind from its header alone.

mod common;

use common::*;
use zx_ingest::{FileKind, Input, IssueCode, sniff, write_template};

fn kind(name: &str, bytes: &[u8]) -> Result<FileKind, Vec<String>> {
    sniff(Input {
        file_name: name,
        bytes,
    })
    .map_err(|issues| issues.iter().map(ToString::to_string).collect())
}

#[test]
fn kinds_of_the_example_files() {
    assert_eq!(
        kind("entities.csv", &example("entities.csv")),
        Ok(FileKind::Entities)
    );
    assert_eq!(kind("data.csv", &example("data.csv")), Ok(FileKind::Data));
    assert_eq!(
        kind("targets.csv", &example("targets.csv")),
        Ok(FileKind::Targets)
    );
    let p1 = group().remove(3);
    let template = write_template(&catalogue(), &p1, 2026, &[]).unwrap();
    assert_eq!(kind("t.xlsx", &template), Ok(FileKind::Data));
}

#[test]
fn a_misspelt_column_still_has_a_kind_but_nonsense_does_not() {
    // The typo is parse's to report; the kind is clear.
    assert_eq!(
        kind("d.csv", b"entity,period,item,valeu\nP1,2026-01,x,1,2,3\n"),
        Ok(FileKind::Data)
    );
    assert_eq!(kind("d.csv", b"a,b\n1,2,3\n").unwrap_err().len(), 1);
    let issues = sniff(Input {
        file_name: "d.csv",
        bytes: b"",
    })
    .unwrap_err();
    assert_eq!(issues[0].code, IssueCode::EmptyFile);
    assert_eq!(
        kind("d.csv", b"\xFF\xFE\x00\xD8"),
        Err(vec![
            "d.csv: file is not UTF-8 or GBK text; save it as UTF-8 CSV".to_owned()
        ])
    );
}
