//! Data files in the long layout: one test per class of bad input, each asserting the exact line.

mod common;

use common::*;
use zx_domain::{Basis, Fact};
use zx_ingest::{FileKind, IssueCode, Payload, Place, Severity};

const HEADER: &str = "entity,period,item,value,basis\n";

fn data(rows: &str) -> String {
    format!("{HEADER}{rows}")
}

#[test]
fn a_good_file_becomes_facts() {
    let text = data(
        "P1,2026-01,operating_revenue,\"1,234,567.89\",ytd\n\
         P1,2026-02,operating_revenue,1.2E+07,YTD\n\
         P2,2026-01,avg_employees,314,\n\
         S1,2026-01,total_profit,-1234.56,month\n",
    );
    let parsed = parse_text("data.csv", &text).unwrap();
    assert_eq!(parsed.kind, FileKind::Data);
    assert_eq!(parsed.rows, 4);
    assert_eq!(parsed.encoding, "UTF-8");
    assert!(parsed.warnings.is_empty());
    let Payload::Data(facts) = parsed.payload else {
        panic!("not data");
    };
    let facts = facts.to_facts();
    assert_eq!(
        facts,
        vec![
            Fact {
                entity: code("P1"),
                month: month("2026-01"),
                item: "operating_revenue".into(),
                value: dec("1234567.89"),
                basis: Basis::Ytd,
            },
            Fact {
                entity: code("P1"),
                month: month("2026-02"),
                item: "operating_revenue".into(),
                value: dec("12000000"),
                basis: Basis::Ytd,
            },
            Fact {
                entity: code("P2"),
                month: month("2026-01"),
                item: "avg_employees".into(),
                value: dec("314"),
                basis: Basis::Month,
            },
            Fact {
                entity: code("S1"),
                month: month("2026-01"),
                item: "total_profit".into(),
                value: dec("-1234.56"),
                basis: Basis::Month,
            },
        ]
    );
}

#[test]
fn basis_column_is_optional() {
    let parsed = parse_text(
        "data.csv",
        "Entity , PERIOD,item,value\nP1,2026-03,net_profit,5\n",
    )
    .unwrap();
    let Payload::Data(facts) = parsed.payload else {
        panic!("not data");
    };
    let facts = facts.to_facts();
    assert_eq!(facts[0].basis, Basis::Month);
}

#[test]
fn empty_file() {
    assert_eq!(errors("data.csv", ""), ["data.csv: file is empty"]);
    assert_eq!(errors("data.csv", "\n \n"), ["data.csv: file is empty"]);
    let rejected = parse_text("data.csv", "").unwrap_err();
    assert_eq!(rejected.errors[0].code, IssueCode::EmptyFile);
    assert_eq!(rejected.errors[0].place, Place::File);
}

#[test]
fn header_only() {
    assert_eq!(
        errors("data.csv", HEADER),
        ["data.csv: file has a header but no rows"]
    );
}

#[test]
fn unknown_header() {
    assert_eq!(
        errors("data.csv", "foo,bar,baz\n1,2,3\n"),
        [
            "data.csv:1: \"foo,bar,baz\" is not a recognised header; the first line must be one of: code,name,parent,kind,region,segment (entities); entity,period,item,value[,basis] (data); entity,item,name_zh,name_en,unit,basis,YYYY-MM,… (data, the fill-in template); entity,year,indicator,target (targets); entity,title,indicator,owner,start,due,status,progress (measures)"
        ]
    );
}

#[test]
fn missing_and_misspelt_columns() {
    assert_eq!(
        errors(
            "data.csv",
            "entity,period,item,valeu\nP1,2026-01,net_profit,1\n"
        ),
        [
            "data.csv:1: \"valeu\" is not a column of a data file (expected entity,period,item,value[,basis]); check the spelling",
            "data.csv:1: the header has no \"value\" column; a data file needs entity,period,item,value[,basis]",
        ]
    );
    let rejected =
        parse_text("data.csv", "entity,period,item\nP1,2026-01,net_profit\n").unwrap_err();
    assert_eq!(rejected.errors.len(), 1);
    assert_eq!(rejected.errors[0].code, IssueCode::MissingColumn);
}

#[test]
fn extra_column_is_an_error() {
    assert_eq!(
        errors(
            "data.csv",
            "entity,period,item,value,basis,comment\nP1,2026-01,net_profit,1,month,ok\n"
        ),
        [
            "data.csv:1: \"comment\" is not a column of a data file (expected entity,period,item,value[,basis]); check the spelling"
        ]
    );
}

#[test]
fn duplicate_column() {
    assert_eq!(
        errors(
            "data.csv",
            "entity,period,item,value,value\nP1,2026-01,net_profit,1,2\n"
        ),
        ["data.csv:1: \"value\" appears twice in the header"]
    );
}

#[test]
fn too_many_fields() {
    assert_eq!(
        errors("data.csv", &data("P1,2026-01,net_profit,1,234.5,month\n")),
        [
            "data.csv:2: basis: \"234.5\" is not a basis: write month (the month's own amount) or ytd (the year-to-date cumulative)",
            "data.csv:2: line has 6 fields but the header has 5 columns (a comma inside a number or name must be quoted)",
        ]
    );
}

#[test]
fn empty_value() {
    assert_eq!(
        errors("data.csv", &data("P1,2026-01,net_profit,,month\n")),
        ["data.csv:2: value: must not be empty"]
    );
}

#[test]
fn invalid_decimal() {
    let text = data(&"P1,2026-01,net_profit,1,month\n".repeat(15));
    // Make each row distinct, then break line 17.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for (i, line) in lines.iter_mut().enumerate().skip(1) {
        *line = line.replace(
            "net_profit",
            ["net_profit", "total_profit", "value_added"][i % 3],
        );
        *line = line.replace("2026-01", &format!("2026-{:02}", (i - 1) / 3 + 1));
    }
    lines.push("P2,2026-01,net_profit,\"12,3x\",month".into());
    let text = lines.join("\n");
    assert_eq!(
        errors("data.csv", &text),
        ["data.csv:17: value: \"12,3x\" is not a decimal number"]
    );
    assert_eq!(
        errors("data.csv", &data("P1,2026-01,net_profit,\"1,23\",month\n")),
        ["data.csv:2: value: \"1,23\" is not a decimal number"]
    );
    assert_eq!(
        errors("data.csv", &data("P1,2026-01,net_profit,1e40,month\n")),
        ["data.csv:2: value: \"1e40\" is too large a number"]
    );
}

#[test]
fn invalid_period() {
    assert_eq!(
        errors(
            "data.csv",
            &data("P1,2026/01,net_profit,1,month\nP1,2026-13,net_profit,1,month\n")
        ),
        [
            "data.csv:2: period: \"2026/01\" is not a month in the form YYYY-MM (2026-03)",
            "data.csv:3: period: \"2026-13\" is not a month: the month must be 01 to 12",
        ]
    );
}

#[test]
fn future_periods_are_refused() {
    // The test context allows data up to 2027-12.
    assert_eq!(
        errors("data.csv", &data("P1,2206-03,net_profit,1,month\n")),
        [
            "data.csv:2: period: \"2206-03\" is after 2027-12: figures cannot be submitted for future months"
        ]
    );
}

#[test]
fn invalid_basis() {
    assert_eq!(
        errors("data.csv", &data("P1,2026-01,net_profit,1,累计\n")),
        [
            "data.csv:2: basis: \"累计\" is not a basis: write month (the month's own amount) or ytd (the year-to-date cumulative)"
        ]
    );
}

#[test]
fn unknown_and_invalid_entity() {
    assert_eq!(
        errors(
            "data.csv",
            &data("P9,2026-01,net_profit,1,month\n晋江,2026-01,net_profit,1,month\n")
        ),
        [
            "data.csv:2: entity: \"P9\" is not a known entity; import it with an entities file first",
            "data.csv:3: entity: \"晋江\" is not an entity code: use only letters, digits, '-', '_' and '.'",
        ]
    );
}

#[test]
fn unknown_item() {
    assert_eq!(
        errors("data.csv", &data("P1,2026-01,revenue,1,month\n")),
        [
            "data.csv:2: item: \"revenue\" is not an item of the catalogue (items: operating_revenue, total_profit, net_profit, operating_cash_flow, rd_expenditure, value_added, avg_employees, total_assets, total_liabilities, labour_cost, wage_total, hires, exits, exits_market, hires_campus, hires_social, hires_other, exits_contract_end, exits_dismissed, exits_resigned, exits_retired, exits_internal_retirement, exits_other, employees_end, dispatched_end, managers_end, managers_adjusted, managers_contracted_end, waste_received_t, waste_incinerated_t, power_generated_mwh, power_on_grid_mwh, design_capacity_tpd, water_treated_m3, design_capacity_m3d, power_consumed_mwh, installed_capacity_mw, curtailed_mwh, operating_cost, cost_fuel, cost_chemicals, cost_power, cost_water, cost_labour, cost_maintenance, cost_depreciation, cost_other)"
        ]
    );
}

#[test]
fn derived_item() {
    let rejected = parse_text("data.csv", &data("P1,2026-01,net_assets,1,month\n")).unwrap_err();
    assert_eq!(rejected.errors[0].code, IssueCode::DerivedItem);
    assert_eq!(
        rejected.errors[0].to_string(),
        "data.csv:2: item: \"net_assets\" is computed (net_assets = total_assets - total_liabilities), not submitted; submit total_assets, total_liabilities instead"
    );
    assert_eq!(
        rejected.errors[0].to_string_zh(),
        "data.csv:2: item: “net_assets” 为计算项目（净资产：net_assets = total_assets - total_liabilities），不能直接填报；请改为填报 total_assets, total_liabilities"
    );
}

#[test]
fn duplicate_row_whatever_the_basis() {
    assert_eq!(
        errors(
            "data.csv",
            &data(
                "P1,2026-01,net_profit,1,month\nP1,2026-02,net_profit,1,month\nP1,2026-01,net_profit,5,ytd\n"
            )
        ),
        [
            "data.csv:4: P1 2026-01 net_profit is given a second time (first at line 2); give one figure per entity, period and item, whatever the basis"
        ]
    );
}

#[test]
fn cost_elements_must_add_up_to_the_operating_cost() {
    // P1 2026-01: 600,000 + 250,000 + 100,000 = 950,000 ≠ 1,000,000 (50,000 short): refused
    // on the total's line. P1 2026-02: 700,000 + 300,000 = 1,000,000: accepted. P2 reports
    // elements alone and P1 2026-03 the total alone: nothing to compare.
    let text = data(
        "P1,2026-01,operating_cost,1000000,month
         P1,2026-01,cost_fuel,600000,month
         P1,2026-01,cost_labour,250000,month
         P1,2026-01,cost_depreciation,100000,month
         P1,2026-02,operating_cost,1000000,month
         P1,2026-02,cost_fuel,700000,month
         P1,2026-02,cost_other,300000,month
         P1,2026-03,operating_cost,1000000,month
         P2,2026-01,cost_fuel,5,month
",
    );
    let rejected = parse_text("data.csv", &text).unwrap_err();
    assert_eq!(rejected.errors.len(), 1);
    assert_eq!(rejected.errors[0].code, IssueCode::PartsDoNotAddUp);
    assert_eq!(
        rejected.errors[0].to_string(),
        "data.csv:2: value: \"1000000\" operating_cost 1,000,000.00 of P1 for 2026-01 is not the sum of its parts given: cost_fuel 600,000.00 + cost_labour 250,000.00 + cost_depreciation 100,000.00 = 950,000.00 (difference 50,000.00); correct the total or the parts"
    );
    assert!(
        rejected.errors[0]
            .to_string_zh()
            .contains("不等于所填各构成项之和")
    );
    // Corrected (the missing 50,000 was other costs), the whole file reads.
    let fixed = text.replace(
        "P1,2026-01,cost_depreciation,100000,month\n",
        "P1,2026-01,cost_depreciation,100000,month\nP1,2026-01,cost_other,50000,month\n",
    );
    assert!(parse_text("data.csv", &fixed).is_ok());
    // Elements given on another basis than the total are not compared (other months' sums).
    assert!(
        parse_text(
            "data.csv",
            &data("P1,2026-01,operating_cost,10,month\nP1,2026-01,cost_fuel,3,ytd\n")
        )
        .is_ok()
    );
}

#[test]
fn a_plant_reporting_another_segments_item_is_warned_once() {
    let mut entities = group();
    for e in &mut entities {
        if e.code == code("P1") {
            e.segment = "water".into();
        }
        if e.code == code("P2") {
            e.segment = "垃圾焚烧发电".into();
        }
    }
    // P1 treats water: its tonnes of waste are counted but warned about, once for the item;
    // its cubic metres are its own. P2 burns waste (written in Chinese): no warning. S1 is a
    // parent: its own rows are adjustments, never judged.
    let text = data(
        "P1,2026-01,waste_incinerated_t,10,month\n\
         P1,2026-02,waste_incinerated_t,12,month\n\
         P1,2026-01,water_treated_m3,3000,month\n\
         P2,2026-01,waste_incinerated_t,500,month\n\
         S1,2026-01,waste_incinerated_t,5,month\n",
    );
    let parsed = parse_with("data.csv", text.as_bytes(), &entities, &MapStore::default())
        .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(parsed.rows, 5);
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "data.csv:2: P1 is a plant of segment water, but waste_incinerated_t is reported by plants of waste-to-energy: check the entity or the item"
        ]
    );
    assert_eq!(parsed.warnings[0].code, IssueCode::ItemOutsideSegment);
}

#[test]
fn negative_headcount() {
    assert_eq!(
        errors("data.csv", &data("P1,2026-01,avg_employees,-3,month\n")),
        ["data.csv:2: value: \"-3\" is negative, but avg_employees cannot be"]
    );
}

#[test]
fn ytd_without_the_previous_cumulative() {
    assert_eq!(
        errors(
            "data.csv",
            &data("P1,2026-01,operating_revenue,100,ytd\nP1,2026-03,operating_revenue,300,ytd\n")
        ),
        [
            "data.csv:3: basis: \"ytd\" for 2026-03 needs the year-to-date total of 2026-02, which is neither in this file nor already stored: add 2026-02 (year to date, or every month from January), or give 2026-03 on the month basis"
        ]
    );
}

#[test]
fn ytd_completed_by_stored_figures() {
    let store = MapStore::default().with(
        "P1",
        "operating_revenue",
        &[
            ("2026-01", "100", Basis::Ytd),
            ("2026-02", "80", Basis::Month),
        ],
    );
    let parsed = parse_with(
        "data.csv",
        data("P1,2026-03,operating_revenue,300,ytd\n").as_bytes(),
        &group(),
        &store,
    )
    .unwrap();
    assert_eq!(parsed.rows, 1);
    // A stored month the file replaces no longer counts: here the file's February breaks it.
    let rejected = parse_with(
        "data.csv",
        data("P1,2026-02,operating_revenue,x,ytd\nP1,2026-03,operating_revenue,300,ytd\n")
            .as_bytes(),
        &group(),
        &store,
    )
    .unwrap_err();
    // Only the bad value is reported, not the cumulative it leaves missing.
    let lines: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(lines, ["data.csv:2: value: \"x\" is not a decimal number"]);
}

#[test]
fn ytd_headcount_that_implies_a_negative_month() {
    // YTD averages 100, 110, 50: March's own average would be 150 − 220 = −70 people.
    assert_eq!(
        errors(
            "data.csv",
            &data(
                "P1,2026-01,avg_employees,100,ytd\nP1,2026-02,avg_employees,110,ytd\nP1,2026-03,avg_employees,50,ytd\n"
            )
        ),
        [
            "data.csv:4: value: \"50\" makes avg_employees's own amount for 2026-03 negative (-70.00), which it cannot be: check the year-to-date figures"
        ]
    );
}

#[test]
fn balance_warnings_do_not_reject() {
    let parsed = parse_text(
        "data.csv",
        &data(
            "P1,2026-01,total_assets,1000,month\nP1,2026-01,total_liabilities,1200.5,month\nP2,2026-01,total_assets,-5,month\n",
        ),
    )
    .unwrap();
    let lines: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "data.csv:3: value: \"1200.5\" total_liabilities exceed total_assets (1,000.00) of P1 for 2026-01: a sign error, or insolvency?",
            "data.csv:4: value: \"-5\" is a negative total_assets balance: check the sign",
        ]
    );
    assert!(
        parsed
            .warnings
            .iter()
            .all(|w| w.severity == Severity::Warning)
    );
    assert_eq!(parsed.warnings[0].code, IssueCode::LiabilitiesExceedAssets);
    assert_eq!(parsed.warnings[1].code, IssueCode::NegativeBalance);
}

#[test]
fn every_error_is_collected_in_file_order() {
    let lines = errors(
        "data.csv",
        &data(
            "P9,2026-01,net_profit,abc,month\nP1,2026-1x,revenue,1,cum\nP1,2026-02,net_profit,7,month\n",
        ),
    );
    assert_eq!(
        lines,
        [
            "data.csv:2: entity: \"P9\" is not a known entity; import it with an entities file first",
            "data.csv:2: value: \"abc\" is not a decimal number",
            "data.csv:3: period: \"2026-1x\" is not a month in the form YYYY-MM (2026-03)",
            "data.csv:3: item: \"revenue\" is not an item of the catalogue (items: operating_revenue, total_profit, net_profit, operating_cash_flow, rd_expenditure, value_added, avg_employees, total_assets, total_liabilities, labour_cost, wage_total, hires, exits, exits_market, hires_campus, hires_social, hires_other, exits_contract_end, exits_dismissed, exits_resigned, exits_retired, exits_internal_retirement, exits_other, employees_end, dispatched_end, managers_end, managers_adjusted, managers_contracted_end, waste_received_t, waste_incinerated_t, power_generated_mwh, power_on_grid_mwh, design_capacity_tpd, water_treated_m3, design_capacity_m3d, power_consumed_mwh, installed_capacity_mw, curtailed_mwh, operating_cost, cost_fuel, cost_chemicals, cost_power, cost_water, cost_labour, cost_maintenance, cost_depreciation, cost_other)",
            "data.csv:3: basis: \"cum\" is not a basis: write month (the month's own amount) or ytd (the year-to-date cumulative)",
        ]
    );
}

#[test]
fn more_than_a_hundred_errors_are_cut() {
    let rows: String = (0..150)
        .map(|i| {
            let items = [
                "operating_revenue",
                "total_profit",
                "net_profit",
                "operating_cash_flow",
                "rd_expenditure",
                "value_added",
                "avg_employees",
                "total_assets",
                "total_liabilities",
            ];
            let year = 2025 + i / 108;
            let month = i % 12 + 1;
            let item = items[(i / 12) % 9];
            format!("P1,{year}-{month:02},{item},bad{i},month\n")
        })
        .collect();
    let rejected = parse_text("data.csv", &data(&rows)).unwrap_err();
    assert_eq!(rejected.errors.len(), 101);
    assert_eq!(
        rejected.errors[0].to_string(),
        "data.csv:2: value: \"bad0\" is not a decimal number"
    );
    assert_eq!(
        rejected.errors[99].to_string(),
        "data.csv:101: value: \"bad99\" is not a decimal number"
    );
    assert_eq!(rejected.errors[100].code, IssueCode::TooManyErrors);
    assert_eq!(
        rejected.errors[100].to_string(),
        "data.csv: 150 errors in all; only the first 100 are listed: fix these and check the file again"
    );
}

#[test]
fn quoted_newlines_do_not_shift_lines() {
    let text =
        data("\"P1\",\"2026-01\",\"net_\nprofit\",1,month\n\nP1,2026-02,net_profit,x,month\n");
    let lines = errors("data.csv", &text);
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("data.csv:2: item: \"net_\nprofit\" is not an item"));
    assert_eq!(lines[1], "data.csv:5: value: \"x\" is not a decimal number");
}

#[test]
fn chinese_messages_accompany_every_issue() {
    let rejected = parse_text(
        "data.csv",
        &data("P9,2026-13,net_assets,12x,cum\nP1,2026-01,avg_employees,-1,month\n"),
    )
    .unwrap_err();
    assert_eq!(rejected.errors.len(), 6);
    for issue in &rejected.errors {
        assert!(
            issue
                .message_zh
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{issue}"
        );
    }
    assert_eq!(
        rejected.errors[3].to_string_zh(),
        "data.csv:2: value: “12x” 不是有效的数字"
    );
}

#[test]
fn bad_encoding_and_binary_workbooks() {
    let rejected = parse_with(
        "data.csv",
        b"entity,period\xFF\x80,item\n",
        &group(),
        &MapStore::default(),
    )
    .unwrap_err();
    assert_eq!(
        rejected.errors[0].to_string(),
        "data.csv:1: byte 0xFF at offset 13 of the file is neither UTF-8 nor GBK text: save the file as UTF-8 CSV"
    );
    assert_eq!(rejected.errors[0].code, IssueCode::UnreadableEncoding);
    let rejected = parse_with(
        "data.xlsx",
        b"PK\x03\x04garbage",
        &group(),
        &MapStore::default(),
    )
    .unwrap_err();
    assert_eq!(rejected.errors[0].code, IssueCode::UnreadableWorkbook);
    assert!(
        rejected.errors[0]
            .to_string()
            .starts_with("data.xlsx: file is a damaged or incomplete workbook (")
    );
    let rejected = parse_with(
        "data.xls",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest",
        &group(),
        &MapStore::default(),
    )
    .unwrap_err();
    assert_eq!(
        rejected.errors[0].to_string(),
        "data.xls: file is an old .xls workbook or a password-protected one; save it as .xlsx (without password) or as UTF-8 CSV"
    );
}

#[test]
fn utf16_files_are_read() {
    let text = format!("{HEADER}P1,2026-01,net_profit,1.5,month\r\n");
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for bytes in [le, be] {
        let parsed = parse_with("data.txt", &bytes, &group(), &MapStore::default()).unwrap();
        assert_eq!(parsed.encoding, "UTF-16");
        let Payload::Data(facts) = parsed.payload else {
            panic!("not data");
        };
        let facts = facts.to_facts();
        assert_eq!(facts[0].value, dec("1.5"));
    }
    // Excel's "Unicode text": UTF-16 with tabs.
    let tabbed = "entity\tperiod\titem\tvalue\nP1\t2026-01\tnet_profit\t2\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(tabbed.encode_utf16().flat_map(u16::to_le_bytes));
    let parsed = parse_with("data.txt", &bytes, &group(), &MapStore::default()).unwrap();
    assert_eq!(parsed.rows, 1);
}

#[test]
fn the_worked_example_parses_cleanly() {
    let bytes = example("data.csv");
    let parsed = parse_with("data.csv", &bytes, &group(), &MapStore::default())
        .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(parsed.rows, 441);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let Payload::Data(facts) = parsed.payload else {
        panic!("not data");
    };
    let facts = facts.to_facts();
    assert_eq!(facts.len(), 441);
    let p1 = facts
        .iter()
        .find(|f| {
            f.entity == code("P1") && f.item == "operating_revenue" && f.month == month("2025-02")
        })
        .expect("P1 revenue 2025-02");
    assert_eq!(p1.basis, Basis::Ytd);
    assert_eq!(p1.value, dec("23937926.81"));
}
