//! The built-in catalogue and the checks made when a catalogue is loaded.

use super::*;

#[test]
fn builtin_catalogue_loads_with_the_six_indicators() {
    let catalogue = Catalogue::builtin().unwrap();
    let ids = |family| -> Vec<&str> {
        catalogue
            .indicators_of(family)
            .map(|(_, i)| i.id.as_str())
            .collect()
    };
    assert_eq!(
        ids(IndicatorFamily::Kpi),
        [
            "total_profit",
            "asset_liability_ratio",
            "roe",
            "rd_intensity",
            "labour_productivity",
            "operating_cash_ratio"
        ]
    );
    // The five of reform.md after them, in `zx kpi` too.
    assert_eq!(
        ids(IndicatorFamily::Reform),
        [
            "labour_cost_profit_rate",
            "personnel_expense_rate",
            "market_exit_rate",
            "manager_adjustment_rate",
            "contract_coverage"
        ]
    );
    assert_eq!(catalogue.indicators().len(), 6 + 5 + 6);
    assert_eq!(catalogue.indicator_index("contract_coverage"), Some(10));
    let better = |id: &str| catalogue.find_indicator(id).unwrap().better;
    assert_eq!(better("labour_cost_profit_rate"), Better::Higher);
    assert_eq!(better("personnel_expense_rate"), Better::Lower);
    assert_eq!(better("market_exit_rate"), Better::Neither);
    assert_eq!(better("manager_adjustment_rate"), Better::Neither);
    assert_eq!(better("contract_coverage"), Better::Higher);
    let linkage = catalogue.wage_linkage().unwrap();
    assert_eq!(catalogue.item(linkage.wages).code, "wage_total");
    assert_eq!(catalogue.item(linkage.results).code, "total_profit");
    // The nine of kpi.md, the eight reform items of reform.md, eleven workforce items (three
    // hiring channels, six exit reasons, employees and dispatched workers at month end), the
    // eleven operating items of operations.md, eight cost elements.
    assert_eq!(catalogue.reported_items().count(), 9 + 8 + 11 + 11 + 8);
    assert!(
        catalogue
            .item(catalogue.item_index("net_assets").unwrap())
            .derived
            .is_some()
    );
    assert_eq!(catalogue.rule().improve.len(), 4);
}

#[test]
fn operating_indicators_stand_apart_with_their_segments() {
    let catalogue = Catalogue::builtin().unwrap();
    let ids: Vec<&str> = catalogue
        .operating_indicators()
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "on_grid_per_tonne",
            "self_use_rate",
            "wte_load_rate",
            "cost_per_tonne",
            "power_per_m3",
            "water_load_rate",
            "cost_per_m3",
            "utilisation_hours",
            "curtailment_rate",
            "cost_per_mwh"
        ]
    );
    let segments = |id: &str| {
        catalogue
            .indicator_segments(catalogue.find_indicator(id).unwrap())
            .map(|list| list.join(","))
    };
    // operations.md: every item of the indicator applies.
    assert_eq!(segments("cost_per_tonne").unwrap(), "waste-to-energy");
    assert_eq!(segments("utilisation_hours").unwrap(), "solar,wind");
    assert_eq!(
        segments("cost_per_mwh").unwrap(),
        "waste-to-energy,solar,wind"
    );
    assert_eq!(segments("cost_per_m3").unwrap(), "water");
    assert_eq!(segments("roe"), None);
    // One index space: the six, the five reform and the six workforce ones first, the
    // operating ones after.
    assert_eq!(
        catalogue.any_indicator_index("roe"),
        catalogue.indicator_index("roe")
    );
    let index = catalogue.any_indicator_index("cost_per_tonne").unwrap();
    assert_eq!(index, 6 + 5 + 6 + 3);
    assert_eq!(catalogue.indicator(index).id, "cost_per_tonne");
    assert_eq!(catalogue.indicator_index("cost_per_tonne"), None);
    let cost = catalogue.find_indicator("cost_per_tonne").unwrap();
    assert_eq!(cost.unit, Unit::YuanPerTonne);
    assert_eq!(cost.better, Better::Lower);
    assert_eq!(cost.output, catalogue.item_index("waste_incinerated_t"));
    let whole = catalogue.item_index("operating_cost").unwrap();
    let parts: Vec<&str> = catalogue
        .parts_of(whole)
        .map(|(_, p)| p.code.as_str())
        .collect();
    assert_eq!(
        parts,
        [
            "cost_fuel",
            "cost_chemicals",
            "cost_power",
            "cost_water",
            "cost_labour",
            "cost_maintenance",
            "cost_depreciation",
            "cost_other"
        ]
    );
    let tonnes = catalogue.item(catalogue.item_index("waste_incinerated_t").unwrap());
    assert!(tonnes.applies_to("waste-to-energy"));
    assert!(tonnes.applies_to(" 垃圾焚烧发电 "));
    assert!(tonnes.applies_to("Waste_to_Energy"));
    assert!(!tonnes.applies_to("water"));
    assert!(!tonnes.applies_to(""));
    // Items without segments apply everywhere, a plant without a segment included.
    let profit = catalogue.item(catalogue.item_index("total_profit").unwrap());
    assert!(profit.applies_to("") && profit.applies_to("biogas"));
}

#[test]
fn segments_and_parts_are_checked_at_load() {
    let with = |extra: &str| Catalogue::from_toml(&format!("{DEFAULT_CATALOGUE_TOML}\n{extra}"));
    assert_eq!(
        with("[[item]]\ncode = \"x\"\nname_zh = \"x\"\nname_en = \"x\"\nkind = \"flow\"\nunit = \"t\"\nsegments = []\n")
            .unwrap_err()
            .location,
        "item x: segments"
    );
    assert!(
        with("[[item]]\ncode = \"x\"\nname_zh = \"x\"\nname_en = \"x\"\nkind = \"flow\"\nunit = \"t\"\npart_of = \"operating_cost\"\n")
            .unwrap_err()
            .message
            .contains("same kind and unit")
    );
    assert!(
        with("[[item]]\ncode = \"x\"\nname_zh = \"x\"\nname_en = \"x\"\nkind = \"flow\"\nunit = \"yuan\"\npart_of = \"nothing\"\n")
            .unwrap_err()
            .message
            .contains("unknown item")
    );
    assert_eq!(
        with("[[indicator]]\nid = \"y\"\nname_zh = \"y\"\nname_en = \"y\"\nformula = \"days\"\nkind = \"amount\"\nunit = \"h\"\nbetter = \"higher\"\naccrues = false\noutput = \"design_capacity_tpd\"\n")
            .unwrap_err()
            .to_string(),
        "indicator y: output: \"design_capacity_tpd\" is not a flow item of the catalogue"
    );
    // An operating indicator's id may not repeat a KPI indicator's.
    assert_eq!(
        with("[[indicator]]\nid = \"roe\"\nname_zh = \"y\"\nname_en = \"y\"\nformula = \"days\"\nkind = \"amount\"\nunit = \"h\"\nbetter = \"higher\"\naccrues = false\nfamily = \"operations\"\n")
            .unwrap_err()
            .to_string(),
        "indicator roe: defined twice"
    );
}

#[test]
fn a_group_can_add_an_indicator_without_code() {
    let text = format!(
        "{DEFAULT_CATALOGUE_TOML}\n[[indicator]]\nid = \"profit_margin\"\nname_zh = \"营业收入利润率\"\nname_en = \"Profit margin\"\nformula = \"flow(total_profit) / flow(operating_revenue)\"\nkind = \"rate\"\nunit = \"ratio\"\nbetter = \"higher\"\naccrues = false\n"
    );
    // The [rule] table comes before the appended [[indicator]]: TOML allows that.
    let catalogue = Catalogue::from_toml(&text).unwrap();
    assert!(catalogue.indicator_index("profit_margin").is_some());
}

#[test]
fn bad_catalogues_say_where() {
    let bad = DEFAULT_CATALOGUE_TOML.replace(
        "flow(rd_expenditure) / flow(operating_revenue)",
        "flow(rd_expenditur) / flow(operating_revenue)",
    );
    assert_eq!(
        Catalogue::from_toml(&bad).unwrap_err().to_string(),
        "indicator rd_intensity: formula \"flow(rd_expenditur) / flow(operating_revenue)\": column 6: unknown item \"rd_expenditur\""
    );
    let bad = DEFAULT_CATALOGUE_TOML.replace("improve = [\"roe\"", "improve = [\"roa\"");
    assert_eq!(
        Catalogue::from_toml(&bad).unwrap_err().to_string(),
        "rule: improve: unknown indicator \"roa\""
    );
    let bad = DEFAULT_CATALOGUE_TOML.replace(
        "formula = \"total_assets - total_liabilities\"",
        "formula = \"total_assets - net_profit\"",
    );
    assert!(
        Catalogue::from_toml(&bad)
            .unwrap_err()
            .to_string()
            .contains(
                "a stock item can only be derived from stock items, but net_profit is a flow item"
            )
    );
    assert!(Catalogue::from_toml("[[item]]\ncode = 1").is_err());
}

#[test]
fn an_indicator_without_direction_is_refused_where_a_direction_is_needed() {
    let base = r#"
[[item]]
code = "x"
name_zh = "x"
name_en = "x"
kind = "flow"
unit = "yuan"

[[indicator]]
id = "i"
name_zh = "i"
name_en = "i"
formula = "flow(x)"
kind = "amount"
unit = "yuan"
better = "none"
accrues = true
"#;
    let loaded = Catalogue::from_toml(base).unwrap();
    assert_eq!(loaded.indicator(0).better, Better::Neither);
    // In the year's rule: nothing can grow or improve without a direction.
    let error = Catalogue::from_toml(&format!(
        "{base}[rule]\nname_zh = \"r\"\nname_en = \"r\"\nimprove = [\"i\"]\n"
    ))
    .unwrap_err();
    assert_eq!(error.location, "rule: improve");
    assert!(error.message.contains("no better direction"), "{error}");
    // Benchmarked plants are ranked: an operating indicator needs one.
    let error = Catalogue::from_toml(&format!("{base}family = \"operations\"\n")).unwrap_err();
    assert_eq!(error.location, "indicator i: better");
    // Pay follows results reads flow items only.
    let error = Catalogue::from_toml(&format!(
        "{base}[wage_linkage]\nname_zh = \"w\"\nname_en = \"w\"\nwages = \"x\"\nresults = \"y\"\n"
    ))
    .unwrap_err();
    assert_eq!(error.location, "wage_linkage: results");
}
