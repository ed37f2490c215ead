//! The demo's safety records (zx-demo, issue 12 item 8) read by `zx safety check` exactly as a
//! plant's own files would be: every file passes, and one plant's state, worked out by hand from
//! safety.md, is what the demo promises — hazards in every state with two overdue and a major
//! awaiting verification, an on-site plan overdue, staff short of hours, an expired certificate
//! raising its automatic major hazard.

use std::process::Command;

use chrono::NaiveDate;
use serde_json::{Value, json};

const ZX: &str = env!("CARGO_BIN_EXE_zx");

#[test]
fn the_demo_safety_files_pass_the_check_and_show_what_the_demo_promises() {
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let files = zx_demo::demo_safety(&zx_demo::demo_group(), as_of);
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "safety".to_owned(),
        "check".into(),
        "--as-of".into(),
        "2026-12-06".into(),
        "--format".into(),
        "json".into(),
    ];
    for (name, text) in files.files() {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        args.push(path.to_string_lossy().into_owned());
    }
    let out = Command::new(ZX)
        .args(&args)
        .env_remove("ZX_LANG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hazard = |id: &str| doc["hazards"][format!("SC-NC-WTE-{id}")].clone();
    // D by hand: YH02 3 × 6 × 7 = 126 yellow; YH03 6 × 6 × 7 = 252 orange, deadline 11-26 <
    // 12-06 → overdue; YH04 3 × 3 × 15 = 135 yellow, deadline 12-03 → overdue; YH05 10 × 6 × 15
    // = 900 red; YH06 1 × 6 × 3 = 18 blue, closed.
    assert_eq!(
        hazard("YH01"),
        json!({"d": null, "level": null, "overdue": false})
    );
    assert_eq!(
        hazard("YH02"),
        json!({"d": "126", "level": "yellow", "overdue": false})
    );
    assert_eq!(
        hazard("YH03"),
        json!({"d": "252", "level": "orange", "overdue": true})
    );
    assert_eq!(
        hazard("YH04"),
        json!({"d": "135", "level": "yellow", "overdue": true})
    );
    assert_eq!(
        hazard("YH05"),
        json!({"d": "900", "level": "red", "overdue": false})
    );
    assert_eq!(
        hazard("YH06"),
        json!({"d": "18", "level": "blue", "overdue": false})
    );
    // Plans approved 2023-03-15; the comprehensive drilled 2025-11-12, the fire plan jointly on
    // 11-16, XC-01 on 02-10 and 07-11, XC-02 never: H1 overdue, H2 (ends 12-31) due.
    assert_eq!(
        doc["drills"]["SC-NC-WTE"],
        json!({
            "yearly": {"2025": "done", "2026": "done"},
            "onsite": {
                "SC-NC-WTE-XC-01": {"2026-H1": "done", "2026-H2": "done"},
                "SC-NC-WTE-XC-02": {"2026-H1": "overdue", "2026-H2": "due"}
            }
        })
    );
    // SC-NC-WTE is the 14th plant: its people are demo persons 78–83 (surname index % 20,
    // given name index / 20): 罗卫东 … 刘丽华.
    let training = |p: &str| doc["training"][p].clone();
    assert_eq!(
        training("罗卫东"),
        json!({"required": "12", "done": "12", "short": "0"})
    );
    // Safety manager new in the role this year: 32 h, 16 + 4 = 20 done, 12 short.
    assert_eq!(
        training("高卫东"),
        json!({"required": "32", "done": "20", "short": "12"})
    );
    // Hired this year: 24 h, 8 + 8 = 16, 8 short.
    assert_eq!(
        training("王丽华"),
        json!({"required": "24", "done": "16", "short": "8"})
    );
    assert_eq!(
        training("李丽华"),
        json!({"required": "8", "done": "8.5", "short": "0"})
    );
    // Certificates of plant 14: T000014 + 1 valid, 2 within 60 days of expiry, 3 expired.
    assert_eq!(doc["certificates"]["T0000141"], "valid");
    assert_eq!(doc["certificates"]["T0000142"], "renewal_due");
    assert_eq!(doc["certificates"]["T0000143"], "expired");
    let auto = doc["auto_hazards"].as_array().unwrap();
    // One electrician per plant without a certificate in force: 57.
    assert_eq!(auto.len(), 57);
    assert!(auto.contains(&json!({"person": "刘丽华", "reason": "no_valid_certificate"})));
}
