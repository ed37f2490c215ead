//! The full listing of a deliberately bad file, in both languages, as a clerk would read it.

mod common;

use common::*;

const BAD: &str = "\u{FEFF}Entity,Period,Item,Value,Basis
P1,2026-01,operating_revenue,100,ytd
P1,2026-03,operating_revenue,300,ytd
P1,2026-13,net_profit,1,month
P9,2026-01,net_profit,1,month
P1,2026-01,net_assets,1,month
P1,2026-01,avg_employees,-2,month
P1,2026-01,total_profit,\"12,3x\",month
P1,2026-01,total_profit,,month
P1,2026-01,value_added,1,cumulative
P1,2026-01,operating_revenue,5,month
P1,2026-02,total_assets,100,month
P1,2026-02,total_liabilities,150,month
";

#[test]
fn full_listing_of_a_bad_file() {
    let rejected = parse_text("bad.csv", BAD).unwrap_err();
    let mut out = String::new();
    for issue in rejected.errors.iter().chain(&rejected.warnings) {
        out.push_str(&format!(
            "[{} {}] {}\n    {}\n",
            issue.severity.as_str(),
            issue.code.as_str(),
            issue,
            issue.to_string_zh()
        ));
    }
    insta::assert_snapshot!(out);
}
