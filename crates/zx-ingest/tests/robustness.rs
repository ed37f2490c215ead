//! Whatever the bytes, `parse` answers: never a panic, and never `Ok` together with errors.

mod common;

use common::*;
use proptest::prelude::*;
use zx_ingest::Severity;

fn check(bytes: &[u8]) {
    match parse_with("fuzz.csv", bytes, &group(), &MapStore::default()) {
        Ok(parsed) => assert!(
            parsed
                .warnings
                .iter()
                .all(|w| w.severity == Severity::Warning)
        ),
        Err(rejected) => {
            assert!(!rejected.errors.is_empty());
            assert!(rejected.errors.len() <= zx_ingest::MAX_ERRORS + 1);
        }
    }
}

proptest! {
    // 256 cases unless PROPTEST_CASES says more (proptest's default reads it).
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_zip_like_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend(bytes);
        check(&zip);
    }

    #[test]
    fn csv_shaped_text(
        header in prop::sample::select(vec![
            "entity,period,item,value,basis",
            "code,name,parent,kind,region,segment",
            "entity,year,indicator,target",
            "entity,item,basis,2026-01,2026-02",
        ]),
        body in "([A-Za-z0-9,.%\"\\-+eE \n\r]|P1|S1|G|2026-0[1-3]|ytd|month|net_profit|avg_employees|roe|group){0,40}",
    ) {
        check(format!("{header}\n{body}").as_bytes());
    }
}

#[test]
fn a_truncated_template_is_reported_not_panicked() {
    let p1 = group().remove(3);
    let bytes = zx_ingest::write_template(&catalogue(), &p1, 2026, &[]).unwrap();
    for len in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 10] {
        let rejected =
            parse_with("t.xlsx", &bytes[..len], &group(), &MapStore::default()).unwrap_err();
        assert_eq!(
            rejected.errors[0].code,
            zx_ingest::IssueCode::UnreadableWorkbook
        );
    }
}
