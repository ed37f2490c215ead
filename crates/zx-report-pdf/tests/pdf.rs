//! The PDF read back: its text is extractable (Chinese included), the values appear exactly as
//! given, and the font is embedded as a subset, not the 10 MB TTF.

use zx_report::*;
use zx_report_pdf::pdf;

fn line(name: &str, value: &str, status: &str) -> IndicatorLine {
    IndicatorLine {
        id: name.into(),
        name: name.into(),
        unit: "万元".into(),
        value: value.into(),
        yoy: "+12.50%".into(),
        target: "1,000.00".into(),
        expected: "916.67".into(),
        attainment: "98.18%".into(),
        status: status.into(),
    }
}

/// A small report: one indicator red without a measure, one with one.
pub fn sample(lang: &str) -> Report {
    Report {
        lang: lang.into(),
        entity_code: "G".into(),
        entity_name: "示例集团".into(),
        period: "2026-11".into(),
        basis: "年累计".into(),
        made_on: "2026-12-06".into(),
        indicators: vec![
            line("利润总额", "900.00", "red"),
            line("营业收入", "4,321.09", "green"),
        ],
        rule: RuleSection {
            name: "一增一稳四提升".into(),
            verdict: "未达成".into(),
            holds: Some(false),
            lines: vec![RuleLine {
                indicator: "利润总额".into(),
                requirement: "增".into(),
                this: "900.00".into(),
                last: "800.00".into(),
                holds: Some(true),
            }],
        },
        wage_linkage: None,
        trends: vec![TrendChart {
            name: "利润总额".into(),
            unit: "万元".into(),
            months: (1..=12).map(|m| format!("{m:02}")).collect(),
            this_year: (1..=12)
                .map(|m| (m <= 11).then(|| format!("{}", m * 80)))
                .collect(),
            last_year: (1..=12).map(|m| Some(format!("{}", m * 70))).collect(),
            target: (1..=12).map(|m| Some(format!("{}", m * 83))).collect(),
        }],
        units: UnitsTable {
            columns: vec!["利润总额 (万元)".into()],
            rows: vec![UnitRow {
                code: "A".into(),
                name: "甲公司".into(),
                cells: vec![UnitCell {
                    value: "-12.34".into(),
                    yoy: "—".into(),
                    status: "red".into(),
                }],
                reds: 1,
            }],
        },
        ranking: Ranking {
            title: "利润总额 (万元)".into(),
            rows: vec![RankRow {
                rank: 1,
                name: "甲公司".into(),
                value: "-12.34".into(),
                raw: Some("-12.34".into()),
            }],
        },
        reds: vec![
            RedLine {
                entity: "示例集团".into(),
                indicator: "利润总额".into(),
                value: "900.00 万元".into(),
                measures: vec![MeasureLine {
                    title: "压降燃料成本".into(),
                    owner: "fujian".into(),
                    due: "2026-12-31".into(),
                    progress: "40%".into(),
                    status: "进行中".into(),
                }],
            },
            RedLine {
                entity: "甲公司".into(),
                indicator: "利润总额".into(),
                value: "-12.34 万元".into(),
                measures: vec![],
            },
        ],
        collection: Some(CollectionLine {
            month: "2026-11".into(),
            expected: 3,
            done: 2,
            complete: false,
            pending: vec!["乙电厂 (B)".into()],
        }),
        emissions: Some(EmissionsSection {
            violation_days: vec![("乙电厂".into(), 3)],
            total_days: 3,
            open_alarms: 2,
        }),
        safety: Some(SafetySection {
            open: 5,
            overdue: 1,
            major: 0,
            drills_due: vec![DrillLine {
                due: "2026-12-15".into(),
                unit: "乙电厂".into(),
                scenario: "火灾".into(),
                state: "即将到期".into(),
            }],
        }),
        operations: vec![BottomQuartileLine {
            plant: "乙电厂".into(),
            indicator: "吨垃圾发电量 (kWh/t)".into(),
            value: "301.20".into(),
        }],
        reform: vec![line("全员劳动生产率", "45.67", "none")],
        notes: vec![],
    }
}

fn text_of(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf).expect("the PDF reads back")
}

#[test]
fn the_values_and_the_chinese_text_read_back() {
    let pdf = pdf(&sample("zh")).expect("typeset");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    // Every value exactly as given (the caller's cockpit strings), and Chinese headings.
    for needle in [
        "示例集团",
        "质量效益月度报告",
        "4,321.09",
        "900.00",
        "-12.34",
        "98.18%",
        "一增一稳四提升",
        "压降燃料成本",
        "2026-12-31",
        "40%",
        "无在办改进措施",
        "301.20",
        "45.67",
        // The drills due as a table: its header and the row's cells.
        "计划日期",
        "演练科目",
        "2026-12-15",
        "即将到期",
    ] {
        assert!(
            text.contains(needle),
            "{needle} not in the PDF's text:\n{text}"
        );
    }
}

#[test]
fn the_english_report_has_english_headings() {
    let text = text_of(&pdf(&sample("en")).expect("typeset"));
    assert!(
        text.contains("Monthly quality and efficiency report"),
        "{text}"
    );
    assert!(text.contains("Red indicators and their measures"), "{text}");
}

/// Embedded font programs (FontFile2/FontFile3) with their base font names.
fn embedded_fonts(pdf: &[u8]) -> Vec<(String, usize)> {
    let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let mut found = Vec::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if dict.get(b"Type").and_then(|t| t.as_name()).ok() != Some(b"FontDescriptor") {
            continue;
        }
        let name = dict
            .get(b"FontName")
            .and_then(|n| n.as_name())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        for key in [&b"FontFile2"[..], b"FontFile3", b"FontFile"] {
            if let Ok(reference) = dict.get(key).and_then(|r| r.as_reference())
                && let Ok(stream) = doc.get_object(reference).and_then(|s| s.as_stream())
            {
                found.push((name.clone(), stream.content.len()));
            }
        }
    }
    found
}

#[test]
fn the_font_is_embedded_as_a_subset() {
    let pdf = pdf(&sample("zh")).expect("typeset");
    let fonts = embedded_fonts(&pdf);
    assert!(!fonts.is_empty(), "no embedded font program");
    for (name, size) in &fonts {
        // A subset's name has a six-capital-letter tag: `ABCDEF+NotoSansSC-Regular`.
        let (tag, base) = name.split_once('+').unwrap_or(("", name));
        assert!(
            tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
            "{name} has no subset tag"
        );
        assert!(
            base.starts_with("NotoSansSC"),
            "{name} is not the vendored font"
        );
        // The TTFs are 10.5 MB each; a report uses a few hundred glyphs.
        assert!(*size < 1_000_000, "{name}: {size} bytes embedded");
    }
    // The whole file stays small too.
    assert!(pdf.len() < 1_000_000, "{} bytes", pdf.len());
}
