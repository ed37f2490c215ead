//! The catalogue of items (what entities report) and indicators (formulas over items).
//!
//! The default catalogue is a TOML file compiled into the binary; a group may load its own to add
//! items and indicators without code. Everything is checked at load: unknown items, formulas that do
//! not parse or read an item the wrong way, a rule naming an unknown indicator.

use std::collections::HashMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::Deserialize;
use thiserror::Error;

use crate::formula::{self, Expr, FormulaContext, ItemResolver};

/// The catalogue shipped with Zengxiao: the regulator's "one benefit and five rates".
pub const DEFAULT_CATALOGUE_TOML: &str = include_str!("../catalogue/default.toml");

/// How an item behaves over time and across entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An amount per month (revenue, profit); YTD rows are de-cumulated.
    Flow,
    /// A month-end balance (assets, liabilities).
    Stock,
    /// A monthly average summed across entities and averaged across months (headcount).
    Average,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Flow => "flow",
            ItemKind::Stock => "stock",
            ItemKind::Average => "average",
        }
    }
}

/// Unit of an item or indicator, for formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Yuan,
    Persons,
    YuanPerPerson,
    Ratio,
}

/// Whether an indicator is a level or a rate; decides what year-on-year means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// YoY is a growth rate (this − last) / |last|.
    Amount,
    /// YoY is the change of the fraction, this − last.
    Rate,
}

/// Which direction is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// An item entities report.
#[derive(Debug, Clone)]
pub struct ItemDef {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: ItemKind,
    pub unit: Unit,
    /// A negative value is a data error (headcount).
    pub non_negative: bool,
    /// Computed month by month from other items; never submitted.
    pub derived: Option<Expr>,
}

/// An indicator computed over a period.
#[derive(Debug, Clone)]
pub struct IndicatorDef {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub formula_text: String,
    pub formula: Expr,
    pub kind: IndicatorKind,
    pub unit: Unit,
    pub better: Better,
    /// The numerator accumulates through the year, so the target is pro-rated by months.
    pub accrues: bool,
    /// Output also carries value × 12 / months (annualised ROE and labour productivity).
    pub annualise: bool,
    /// Absolute status band; `None` means 10% of the expected value.
    pub band: Option<Decimal>,
}

/// A stable indicator may not rise by more than `max_rise` against last year.
#[derive(Debug, Clone)]
pub struct StableRule {
    pub indicator: usize,
    pub max_rise: Decimal,
}

/// The year's rule: which indicators must grow, stay stable, improve.
#[derive(Debug, Clone)]
pub struct YearRule {
    pub name_zh: String,
    pub name_en: String,
    pub grows: Vec<usize>,
    pub stable: Vec<StableRule>,
    pub improve: Vec<usize>,
}

/// Items, indicators and the year's rule, checked and indexed.
#[derive(Debug, Clone)]
pub struct Catalogue {
    items: Vec<ItemDef>,
    indicators: Vec<IndicatorDef>,
    item_index: HashMap<String, usize>,
    indicator_index: HashMap<String, usize>,
    rule: YearRule,
}

/// A catalogue that cannot be loaded; `location` names the entry (`indicator roe: formula`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{location}: {message}")]
pub struct CatalogueError {
    pub location: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[allow(dead_code)]
    version: Option<u32>,
    #[serde(default, rename = "item")]
    items: Vec<RawItem>,
    #[serde(default, rename = "indicator")]
    indicators: Vec<RawIndicator>,
    rule: Option<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    code: String,
    name_zh: String,
    name_en: String,
    kind: ItemKind,
    unit: Unit,
    #[serde(default)]
    non_negative: bool,
    formula: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: String,
    name_zh: String,
    name_en: String,
    formula: String,
    kind: IndicatorKind,
    unit: Unit,
    better: Better,
    accrues: bool,
    #[serde(default)]
    annualise: bool,
    band: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name_zh: String,
    name_en: String,
    #[serde(default)]
    grows: Vec<String>,
    #[serde(default)]
    stable: Vec<RawStable>,
    #[serde(default)]
    improve: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStable {
    indicator: String,
    max_rise: String,
}

struct Resolver<'a> {
    items: &'a [ItemDef],
    index: &'a HashMap<String, usize>,
}

impl ItemResolver for Resolver<'_> {
    fn resolve(&self, code: &str) -> Option<(usize, ItemKind)> {
        self.index.get(code).map(|&i| (i, self.items[i].kind))
    }
}

fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && text.as_bytes()[0].is_ascii_lowercase()
}

impl Catalogue {
    /// The built-in catalogue. It is checked by the tests, so loading it cannot fail in practice;
    /// should it ever, the error says where.
    pub fn builtin() -> Result<Self, CatalogueError> {
        Self::from_toml(DEFAULT_CATALOGUE_TOML)
    }

    /// Loads and checks a catalogue from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, CatalogueError> {
        let raw: RawCatalogue = toml::from_str(text).map_err(|e| CatalogueError {
            location: "catalogue".into(),
            message: e.to_string().trim().to_owned(),
        })?;
        let mut items: Vec<ItemDef> = Vec::with_capacity(raw.items.len());
        let mut item_index = HashMap::new();
        for raw_item in raw.items {
            let location = format!("item {}", raw_item.code);
            if !is_code(&raw_item.code) {
                return Err(CatalogueError {
                    location,
                    message:
                        "item codes are lower-case letters, digits and '_', starting with a letter"
                            .into(),
                });
            }
            if item_index.contains_key(&raw_item.code) {
                return Err(CatalogueError {
                    location,
                    message: "defined twice".into(),
                });
            }
            // A derived item may only use items defined before it: no cycles by construction.
            let derived = match &raw_item.formula {
                None => None,
                Some(text) => {
                    let resolver = Resolver {
                        items: &items,
                        index: &item_index,
                    };
                    let expr = formula::parse(text, &resolver, FormulaContext::DerivedItem)
                        .map_err(|e| CatalogueError {
                            location: format!("{location}: formula \"{text}\""),
                            message: e.to_string(),
                        })?;
                    for (_, input) in expr.inputs() {
                        if items[input].kind != raw_item.kind {
                            return Err(CatalogueError {
                                location: format!("{location}: formula \"{text}\""),
                                message: format!(
                                    "a {} item can only be derived from {} items, but {} is a {} item",
                                    raw_item.kind.as_str(),
                                    raw_item.kind.as_str(),
                                    items[input].code,
                                    items[input].kind.as_str()
                                ),
                            });
                        }
                    }
                    Some(expr)
                }
            };
            item_index.insert(raw_item.code.clone(), items.len());
            items.push(ItemDef {
                code: raw_item.code,
                name_zh: raw_item.name_zh,
                name_en: raw_item.name_en,
                kind: raw_item.kind,
                unit: raw_item.unit,
                non_negative: raw_item.non_negative,
                derived,
            });
        }
        let mut indicators = Vec::with_capacity(raw.indicators.len());
        let mut indicator_index = HashMap::new();
        for raw_indicator in raw.indicators {
            let location = format!("indicator {}", raw_indicator.id);
            if !is_code(&raw_indicator.id) {
                return Err(CatalogueError {
                    location,
                    message: "indicator ids are lower-case letters, digits and '_', starting with a letter".into(),
                });
            }
            if indicator_index.contains_key(&raw_indicator.id) {
                return Err(CatalogueError {
                    location,
                    message: "defined twice".into(),
                });
            }
            let resolver = Resolver {
                items: &items,
                index: &item_index,
            };
            let expr = formula::parse(&raw_indicator.formula, &resolver, FormulaContext::Indicator)
                .map_err(|e| CatalogueError {
                    location: format!("{location}: formula \"{}\"", raw_indicator.formula),
                    message: e.to_string(),
                })?;
            let band = match &raw_indicator.band {
                None => None,
                Some(text) => Some(parse_decimal(text).ok_or_else(|| CatalogueError {
                    location: format!("{location}: band"),
                    message: format!("\"{text}\" is not a decimal number"),
                })?),
            };
            indicator_index.insert(raw_indicator.id.clone(), indicators.len());
            indicators.push(IndicatorDef {
                id: raw_indicator.id,
                name_zh: raw_indicator.name_zh,
                name_en: raw_indicator.name_en,
                formula_text: raw_indicator.formula,
                formula: expr,
                kind: raw_indicator.kind,
                unit: raw_indicator.unit,
                better: raw_indicator.better,
                accrues: raw_indicator.accrues,
                annualise: raw_indicator.annualise,
                band,
            });
        }
        let lookup = |name: &str, what: &str| {
            indicator_index
                .get(name)
                .copied()
                .ok_or_else(|| CatalogueError {
                    location: format!("rule: {what}"),
                    message: format!("unknown indicator \"{name}\""),
                })
        };
        let rule = match raw.rule {
            None => YearRule {
                name_zh: String::new(),
                name_en: String::new(),
                grows: vec![],
                stable: vec![],
                improve: vec![],
            },
            Some(r) => YearRule {
                name_zh: r.name_zh,
                name_en: r.name_en,
                grows: r
                    .grows
                    .iter()
                    .map(|n| lookup(n, "grows"))
                    .collect::<Result<_, _>>()?,
                stable: r
                    .stable
                    .iter()
                    .map(|s| {
                        Ok(StableRule {
                            indicator: lookup(&s.indicator, "stable")?,
                            max_rise: parse_decimal(&s.max_rise).ok_or_else(|| CatalogueError {
                                location: "rule: stable".into(),
                                message: format!(
                                    "max_rise \"{}\" is not a decimal number",
                                    s.max_rise
                                ),
                            })?,
                        })
                    })
                    .collect::<Result<_, CatalogueError>>()?,
                improve: r
                    .improve
                    .iter()
                    .map(|n| lookup(n, "improve"))
                    .collect::<Result<_, _>>()?,
            },
        };
        Ok(Self {
            items,
            indicators,
            item_index,
            indicator_index,
            rule,
        })
    }

    pub fn items(&self) -> &[ItemDef] {
        &self.items
    }

    pub fn item(&self, index: usize) -> &ItemDef {
        &self.items[index]
    }

    pub fn item_index(&self, code: &str) -> Option<usize> {
        self.item_index.get(code).copied()
    }

    /// Items an entity submits (everything that is not derived).
    pub fn reported_items(&self) -> impl Iterator<Item = (usize, &ItemDef)> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.derived.is_none())
    }

    pub fn indicators(&self) -> &[IndicatorDef] {
        &self.indicators
    }

    pub fn indicator(&self, index: usize) -> &IndicatorDef {
        &self.indicators[index]
    }

    pub fn indicator_index(&self, id: &str) -> Option<usize> {
        self.indicator_index.get(id).copied()
    }

    pub fn rule(&self) -> &YearRule {
        &self.rule
    }

    /// An indicator's formula rendered with item codes.
    pub fn render(&self, expr: &Expr) -> String {
        expr.render(&|i| self.items[i].code.clone())
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_with_the_six_indicators() {
        let catalogue = Catalogue::builtin().unwrap();
        let ids: Vec<&str> = catalogue
            .indicators()
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "total_profit",
                "asset_liability_ratio",
                "roe",
                "rd_intensity",
                "labour_productivity",
                "operating_cash_ratio"
            ]
        );
        assert_eq!(catalogue.reported_items().count(), 9);
        assert!(
            catalogue
                .item(catalogue.item_index("net_assets").unwrap())
                .derived
                .is_some()
        );
        assert_eq!(catalogue.rule().improve.len(), 4);
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
        assert!(Catalogue::from_toml(&bad)
            .unwrap_err()
            .to_string()
            .contains("a stock item can only be derived from stock items, but net_profit is a flow item"));
        assert!(Catalogue::from_toml("[[item]]\ncode = 1").is_err());
    }
}
