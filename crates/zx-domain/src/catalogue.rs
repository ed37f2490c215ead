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

/// Unit of an item or indicator, for formatting. Money and headcount are shown in 万元 and
/// persons; physical quantities as such (t, MWh, m³, kWh/t, h: `format::unit_label`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Yuan,
    Persons,
    YuanPerPerson,
    Ratio,
    /// Tonnes (of waste).
    #[serde(rename = "t")]
    Tonnes,
    #[serde(rename = "mwh")]
    Mwh,
    #[serde(rename = "kwh")]
    Kwh,
    /// Cubic metres (of water).
    #[serde(rename = "m3")]
    CubicMetres,
    /// A design capacity in tonnes a day.
    #[serde(rename = "t_per_d")]
    TonnesPerDay,
    #[serde(rename = "m3_per_d")]
    CubicMetresPerDay,
    #[serde(rename = "mw")]
    Mw,
    #[serde(rename = "kwh_per_t")]
    KwhPerTonne,
    #[serde(rename = "kwh_per_m3")]
    KwhPerCubicMetre,
    #[serde(rename = "yuan_per_t")]
    YuanPerTonne,
    #[serde(rename = "yuan_per_m3")]
    YuanPerCubicMetre,
    #[serde(rename = "yuan_per_mwh")]
    YuanPerMwh,
    /// Hours (at full capacity).
    #[serde(rename = "h")]
    Hours,
}

impl Unit {
    /// A unit per unit of output times that output: what a gap in a unit cost or a unit energy
    /// is worth over the plant's output (yuan/t × t = yuan, kWh/m³ × m³ = kWh).
    pub fn numerator(self) -> Option<Unit> {
        match self {
            Unit::YuanPerTonne | Unit::YuanPerCubicMetre | Unit::YuanPerMwh => Some(Unit::Yuan),
            Unit::KwhPerTonne | Unit::KwhPerCubicMetre => Some(Unit::Kwh),
            _ => None,
        }
    }
}

/// The usual business segments, with the other spellings a group's entity list may use.
const SEGMENT_SPELLINGS: [(&str, &[&str]); 4] = [
    (
        "waste-to-energy",
        &["垃圾焚烧发电", "垃圾发电", "wte", "waste to energy"],
    ),
    ("water", &["水务"]),
    ("solar", &["光伏", "pv"]),
    ("wind", &["风电"]),
];

/// A segment as one spelling, so an entity's free-text segment and the catalogue's item segments
/// match however they were written: trimmed, lower case, `_` and spaces as `-`, and the usual
/// Chinese names as their code (`垃圾焚烧发电`, `Waste_to_Energy` → `waste-to-energy`). Other
/// segments stay as the group wrote them (normalised the same way).
pub fn segment_code(text: &str) -> String {
    let text = text.trim();
    for (code, others) in SEGMENT_SPELLINGS {
        if others.contains(&text) || others.iter().any(|o| o.eq_ignore_ascii_case(text)) {
            return code.to_owned();
        }
    }
    text.chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
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

/// Where an indicator is shown: the KPI card of every entity (一利五率, `zx kpi`), among the
/// operating indicators a plant is benchmarked on (`zx benchmark`), or in the reform group
/// (三项制度改革, reform.md): in `zx kpi` with YoY and targets like the card's, but shown as a
/// group of its own on the cockpit and never part of the year's rule; or in the workforce group
/// (用工与效率: headcount against plan, dispatched labour, per-capita figures): in `zx kpi` the
/// same way, shown on the workforce page rather than the cockpit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorFamily {
    #[default]
    Kpi,
    Operations,
    Reform,
    Workforce,
}

/// Which direction is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
    /// No direction (`better = "none"`): the value and its YoY are shown without colour, and a
    /// target gives no status (the market exit rate: neither more nor fewer exits is "good").
    /// Not allowed in the year's rule nor for a benchmarked indicator.
    #[serde(rename = "none")]
    Neither,
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
    /// The segments whose plants report it (canonical, [`segment_code`]); `None`: every
    /// segment. A plant of another segment is never missing it.
    pub segments: Option<Vec<String>>,
    /// The item this one is a part of (a cost element of `operating_cost`): when an entity
    /// reports the whole and parts for a month, the parts add up to the whole.
    pub part_of: Option<usize>,
}

impl ItemDef {
    /// Whether a plant of `segment` reports this item.
    pub fn applies_to(&self, segment: &str) -> bool {
        match &self.segments {
            None => true,
            Some(list) => {
                let code = segment_code(segment);
                list.contains(&code)
            }
        }
    }
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
    pub family: IndicatorFamily,
    /// For a unit cost or unit energy: the flow item it is per unit of (`waste_incinerated_t`),
    /// whose amount over the basis times a gap in the indicator says what the gap is worth.
    pub output: Option<usize>,
    /// A legal or policy limit (劳务派遣 at most 10 % of the workforce): a value on the wrong
    /// side of it is flagged whatever the target says.
    pub limit: Option<Limit>,
}

/// A limit an indicator must keep, on the side its `better` direction says (at most for
/// `lower`, at least for `higher`), with the rule it comes from in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub value: Decimal,
    pub source_zh: String,
    pub source_en: String,
}

impl IndicatorDef {
    /// Whether a value breaks the indicator's limit (`None`: no limit).
    pub fn beyond_limit(&self, value: Decimal) -> Option<bool> {
        let limit = self.limit.as_ref()?;
        Some(match self.better {
            Better::Lower => value > limit.value,
            Better::Higher => value < limit.value,
            Better::Neither => false,
        })
    }
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

/// Pay follows results (工资效益联动, reform.md): the YoY growth of `wages` may not exceed that of
/// `results` when results grew, and must not be positive when they did not.
#[derive(Debug, Clone)]
pub struct WageLinkageDef {
    pub name_zh: String,
    pub name_en: String,
    /// The flow item of pay (`wage_total`).
    pub wages: usize,
    /// The flow item of results (`total_profit`).
    pub results: usize,
}

/// Items, indicators and the year's rule, checked and indexed.
#[derive(Debug, Clone)]
pub struct Catalogue {
    items: Vec<ItemDef>,
    indicators: Vec<IndicatorDef>,
    /// The `operations` family, apart so the KPI card's indicators and their indices stay as
    /// they are (`zx kpi` shows the six, whatever operating indicators a group adds).
    operating: Vec<IndicatorDef>,
    item_index: HashMap<String, usize>,
    indicator_index: HashMap<String, usize>,
    operating_index: HashMap<String, usize>,
    rule: YearRule,
    wage_linkage: Option<WageLinkageDef>,
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
    wage_linkage: Option<RawWageLinkage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWageLinkage {
    name_zh: String,
    name_en: String,
    wages: String,
    results: String,
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
    segments: Option<Vec<String>>,
    part_of: Option<String>,
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
    #[serde(default)]
    family: IndicatorFamily,
    output: Option<String>,
    limit: Option<RawLimit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    value: String,
    source_zh: String,
    source_en: String,
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
            let segments = match raw_item.segments {
                None => None,
                Some(list) => {
                    let codes: Vec<String> = list.iter().map(|s| segment_code(s)).collect();
                    if codes.is_empty() || codes.iter().any(String::is_empty) {
                        return Err(CatalogueError {
                            location: format!("{location}: segments"),
                            message: "name at least one segment, none empty (leave segments out for every segment)".into(),
                        });
                    }
                    if derived.is_some() {
                        return Err(CatalogueError {
                            location: format!("{location}: segments"),
                            message: "a derived item applies where its inputs do: no segments"
                                .into(),
                        });
                    }
                    Some(codes)
                }
            };
            let part_of = match &raw_item.part_of {
                None => None,
                Some(whole) => {
                    let at = format!("{location}: part_of");
                    let Some(&index) = item_index.get(whole) else {
                        return Err(CatalogueError {
                            location: at,
                            message: format!(
                                "unknown item \"{whole}\" (define it before its parts)"
                            ),
                        });
                    };
                    let whole_def: &ItemDef = &items[index];
                    if whole_def.derived.is_some()
                        || derived.is_some()
                        || whole_def.kind != raw_item.kind
                        || whole_def.unit != raw_item.unit
                    {
                        return Err(CatalogueError {
                            location: at,
                            message: format!(
                                "a part is reported like its whole: {whole} and its parts must be reported items of the same kind and unit"
                            ),
                        });
                    }
                    Some(index)
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
                segments,
                part_of,
            });
        }
        let mut indicators = Vec::with_capacity(raw.indicators.len());
        let mut indicator_index = HashMap::new();
        let mut operating = Vec::new();
        let mut operating_index = HashMap::new();
        for raw_indicator in raw.indicators {
            let location = format!("indicator {}", raw_indicator.id);
            if !is_code(&raw_indicator.id) {
                return Err(CatalogueError {
                    location,
                    message: "indicator ids are lower-case letters, digits and '_', starting with a letter".into(),
                });
            }
            if indicator_index.contains_key(&raw_indicator.id)
                || operating_index.contains_key(&raw_indicator.id)
            {
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
            let output = match &raw_indicator.output {
                None => None,
                Some(code) => match item_index.get(code) {
                    Some(&index) if items[index].kind == ItemKind::Flow => Some(index),
                    _ => {
                        return Err(CatalogueError {
                            location: format!("{location}: output"),
                            message: format!("\"{code}\" is not a flow item of the catalogue"),
                        });
                    }
                },
            };
            if raw_indicator.family == IndicatorFamily::Operations
                && raw_indicator.better == Better::Neither
            {
                return Err(CatalogueError {
                    location: format!("{location}: better"),
                    message: "plants are ranked on an operating indicator: say higher or lower"
                        .into(),
                });
            }
            let limit = match raw_indicator.limit {
                None => None,
                Some(raw) => {
                    let value = parse_decimal(&raw.value).ok_or_else(|| CatalogueError {
                        location: format!("{location}: limit"),
                        message: format!("value \"{}\" is not a decimal number", raw.value),
                    })?;
                    if raw_indicator.better == Better::Neither {
                        return Err(CatalogueError {
                            location: format!("{location}: limit"),
                            message: "a limit needs a direction: say better = higher or lower"
                                .into(),
                        });
                    }
                    Some(Limit {
                        value,
                        source_zh: raw.source_zh,
                        source_en: raw.source_en,
                    })
                }
            };
            // Reform and workforce indicators share the card's list (targets, `zx kpi`, one
            // index space).
            let (list, index) = match raw_indicator.family {
                IndicatorFamily::Kpi | IndicatorFamily::Reform | IndicatorFamily::Workforce => {
                    (&mut indicators, &mut indicator_index)
                }
                IndicatorFamily::Operations => (&mut operating, &mut operating_index),
            };
            index.insert(raw_indicator.id.clone(), list.len());
            list.push(IndicatorDef {
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
                family: raw_indicator.family,
                output,
                limit,
            });
        }
        let lookup = |name: &str, what: &str| {
            let index = indicator_index
                .get(name)
                .copied()
                .ok_or_else(|| CatalogueError {
                    location: format!("rule: {what}"),
                    message: format!("unknown indicator \"{name}\""),
                })?;
            if indicators[index].better == Better::Neither {
                return Err(CatalogueError {
                    location: format!("rule: {what}"),
                    message: format!(
                        "\"{name}\" has no better direction, so it cannot grow, improve or stay stable"
                    ),
                });
            }
            Ok(index)
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
        let wage_linkage = match raw.wage_linkage {
            None => None,
            Some(raw) => {
                let flow = |code: &str, what: &str| match item_index.get(code) {
                    Some(&index) if items[index].kind == ItemKind::Flow => Ok(index),
                    _ => Err(CatalogueError {
                        location: format!("wage_linkage: {what}"),
                        message: format!("\"{code}\" is not a flow item of the catalogue"),
                    }),
                };
                Some(WageLinkageDef {
                    wages: flow(&raw.wages, "wages")?,
                    results: flow(&raw.results, "results")?,
                    name_zh: raw.name_zh,
                    name_en: raw.name_en,
                })
            }
        };
        Ok(Self {
            items,
            indicators,
            operating,
            item_index,
            indicator_index,
            operating_index,
            rule,
            wage_linkage,
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

    /// The indicators of `zx kpi`: the card's (一利五率 and any a group adds) and the reform
    /// group's, in catalogue order; their index is their position here.
    pub fn indicators(&self) -> &[IndicatorDef] {
        &self.indicators
    }

    /// The indicators of `zx kpi` of one family (the card's six, or the reform group), with
    /// their indices.
    pub fn indicators_of(
        &self,
        family: IndicatorFamily,
    ) -> impl Iterator<Item = (usize, &IndicatorDef)> {
        self.indicators
            .iter()
            .enumerate()
            .filter(move |(_, def)| def.family == family)
    }

    /// An indicator by index: the KPI card's (`indicators()`) first, then the operating ones
    /// ([`Self::any_indicator_index`]), so `Engine::evaluate` and `Engine::explain` read both.
    pub fn indicator(&self, index: usize) -> &IndicatorDef {
        match self.indicators.get(index) {
            Some(def) => def,
            None => &self.operating[index - self.indicators.len()],
        }
    }

    /// The index of any indicator, of the KPI card or an operating one, for
    /// [`Self::indicator`]. `indicator_index` keeps to the KPI card (targets, measures).
    pub fn any_indicator_index(&self, id: &str) -> Option<usize> {
        match self.indicator_index.get(id) {
            Some(&i) => Some(i),
            None => self
                .operating_index
                .get(id)
                .map(|&i| self.indicators.len() + i),
        }
    }

    pub fn indicator_index(&self, id: &str) -> Option<usize> {
        self.indicator_index.get(id).copied()
    }

    /// The operating indicators plants are benchmarked on (family `operations`).
    pub fn operating_indicators(&self) -> &[IndicatorDef] {
        &self.operating
    }

    /// Any indicator by id, of the KPI card or the operating ones.
    pub fn find_indicator(&self, id: &str) -> Option<&IndicatorDef> {
        self.any_indicator_index(id).map(|i| self.indicator(i))
    }

    /// The segments where every item an indicator reads applies (the intersection of its
    /// items' segments, a derived item's inputs included); `None`: every segment.
    pub fn indicator_segments(&self, def: &IndicatorDef) -> Option<Vec<String>> {
        let mut inputs: Vec<usize> = Vec::new();
        for (_, item) in def.formula.inputs() {
            match &self.items[item].derived {
                Some(expr) => inputs.extend(expr.inputs().into_iter().map(|(_, i)| i)),
                None => inputs.push(item),
            }
        }
        let mut segments: Option<Vec<String>> = None;
        for item in inputs {
            let Some(own) = &self.items[item].segments else {
                continue;
            };
            segments = Some(match segments {
                None => own.clone(),
                Some(so_far) => so_far.into_iter().filter(|s| own.contains(s)).collect(),
            });
        }
        segments
    }

    /// The parts of an item (its cost elements), in catalogue order.
    pub fn parts_of(&self, whole: usize) -> impl Iterator<Item = (usize, &ItemDef)> {
        self.items
            .iter()
            .enumerate()
            .filter(move |(_, item)| item.part_of == Some(whole))
    }

    pub fn rule(&self) -> &YearRule {
        &self.rule
    }

    /// Pay follows results, when the catalogue defines it.
    pub fn wage_linkage(&self) -> Option<&WageLinkageDef> {
        self.wage_linkage.as_ref()
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
mod tests;
