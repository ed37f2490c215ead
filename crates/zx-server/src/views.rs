//! View models: what the cockpit shows, computed once and rendered as HTML or JSON.
//!
//! Numbers for people are formatted here (万元, percentages); numbers for charts are decimal
//! strings in the display unit (万元 for amounts, percent for ratios), parsed by the browser.

use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::catalogue::{Better, IndicatorDef, IndicatorFamily, Unit};
use zx_domain::kpi::IndicatorResult;
use zx_domain::{
    Access, Basis, Decimal, Engine, EntityId, Lang, Month, Period, Status, TargetBook, format,
    notes,
};

/// An entity as links and breadcrumbs show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntityRef {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub segment: String,
}

impl EntityRef {
    pub fn of(engine: &Engine, id: EntityId, lang: Lang) -> Self {
        let e = engine.tree().entity(id);
        Self {
            code: e.code.to_string(),
            name: e.name.clone(),
            kind: lang.pick(e.kind.name_zh(), e.kind.as_str()).to_owned(),
            region: e.region.clone(),
            segment: format::segment_label(&e.segment, lang),
        }
    }
}

/// One indicator card.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Card {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub value: String,
    pub yoy: String,
    pub annualised: String,
    pub target: String,
    pub expected: String,
    pub attainment: String,
    pub status: &'static str,
    pub note: String,
    /// Year-to-date (or monthly) values of this year, month by month, in the display unit.
    pub sparkline: Vec<Option<String>>,
    /// Planned or in-progress measures for this indicator on this entity.
    pub open_measures: usize,
    /// Red and no open measure: a gap without action.
    pub gap: bool,
    /// Where the year is heading (issue 15): `None` under a filter or without a forecast.
    pub projection: Option<Projection>,
}

/// A card's year-end forecast, in the card's display unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Projection {
    pub year_end: String,
    pub low: String,
    pub high: String,
    /// The odds of meeting the full-year target (`64%`), `None` without a target or direction.
    pub odds: Option<String>,
    /// The odds are below the "will miss" threshold.
    pub unlikely: bool,
}

/// One line of the "will miss" list on a group's cockpit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissLine {
    pub entity_code: String,
    pub entity: String,
    pub indicator_id: String,
    pub indicator: String,
    pub target: String,
    pub year_end: String,
    pub interval: String,
    /// `12%`.
    pub odds: String,
}

/// Pay follows results (工资效益联动) as the cockpit shows it, year to date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WageLinkageView {
    pub name: String,
    /// Wages' YoY growth for people (`+6.20%`), `—` when not computable.
    pub wage_growth: String,
    pub profit_growth: String,
    pub holds: Option<bool>,
    /// The verdict with its reason ("未达成（利润未增长，工资却增长）").
    pub verdict: String,
    /// The whole sentence, names of the items included.
    pub text: String,
}

/// One verdict of the year's rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verdict {
    pub indicator: String,
    pub requirement: String,
    pub holds: Option<bool>,
    pub this: String,
    pub last: String,
}

/// A monthly trend: this year, last year, the pro-rated target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Trend {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub months: Vec<String>,
    pub this_year: Vec<Option<String>>,
    pub last_year: Vec<Option<String>>,
    pub target: Vec<Option<String>>,
}

/// One cell of the children table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cell {
    /// The indicator id, for the explain link.
    pub indicator: String,
    pub value: String,
    pub yoy: String,
    pub status: &'static str,
    /// The raw value in the display unit, for sorting and charts.
    pub raw: Option<String>,
}

/// One row of the children table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Row {
    pub entity: EntityRef,
    pub cells: Vec<Cell>,
    pub reds: usize,
    /// Whether the row has children to drill into.
    pub drillable: bool,
}

/// The whole cockpit for one entity and period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cockpit {
    pub entity: EntityRef,
    pub breadcrumbs: Vec<EntityRef>,
    pub period: String,
    pub basis: &'static str,
    pub months: Vec<String>,
    pub cards: Vec<Card>,
    /// The reform group (三项制度改革, family `reform`): beside the six, never in the year's rule;
    /// those without a better direction have status `none` (no colour).
    pub reform_cards: Vec<Card>,
    /// Pay follows results, when the catalogue defines it.
    pub wage_linkage: Option<WageLinkageView>,
    pub rule_name: String,
    pub rule_holds: Option<bool>,
    pub rule: Vec<Verdict>,
    pub trends: Vec<Trend>,
    /// Indicator the ranking is on.
    pub rank_by: String,
    pub ranking: Vec<(String, String, Option<String>)>,
    pub rows: Vec<Row>,
    pub regions: Vec<String>,
    pub segments: Vec<String>,
    pub region: Option<String>,
    pub segment: Option<String>,
    /// With a region/segment filter: what the cards add up ([`subtotal_label`]).
    pub subtotal: Option<String>,
    pub notes: Vec<String>,
    /// How complete the collection of the month shown is for the entity's subtree.
    pub collection: Option<zx_api::MonthProgressJson>,
    /// Without an explicit period: the later month with data that was passed over because it is
    /// partial (the cockpit opens on the latest complete month).
    pub passed_over: Option<zx_api::MonthProgressJson>,
    /// On a group's cockpit: the card indicators of its units whose targets the year will
    /// probably miss, lowest odds first.
    pub will_miss: Vec<MissLine>,
}

/// The cockpit's region/segment filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub region: Option<&'a str>,
    pub segment: Option<&'a str>,
}

impl Filter<'_> {
    pub fn is_set(&self) -> bool {
        self.region.is_some() || self.segment.is_some()
    }

    pub fn matches(&self, entity: &zx_domain::Entity) -> bool {
        self.region.is_none_or(|r| entity.region == r)
            && self.segment.is_none_or(|s| entity.segment == s)
    }
}

/// The units a filter's subtotal adds up, `None` without a filter: the leaves of the subtree
/// that match it. Leaves, not the topmost matching entities: a parent's consolidated total adds
/// its own rows (HQ figures, eliminations that may concern units the filter leaves out) and
/// children that may not match. So a subtotal never includes a parent's own rows, and says so.
pub fn filtered_units(
    engine: &Engine,
    access: &Access,
    entity: EntityId,
    filter: Filter<'_>,
) -> Option<Vec<EntityId>> {
    let tree = engine.tree();
    filter.is_set().then(|| {
        tree.leaves_under(entity)
            .into_iter()
            .filter(|&id| access.can_read(tree, id) && filter.matches(tree.entity(id)))
            .collect()
    })
}

/// The rows of the units table: the children, or with a filter every descendant matching it.
pub fn rows_in_view(
    engine: &Engine,
    access: &Access,
    entity: EntityId,
    filter: Filter<'_>,
) -> Vec<EntityId> {
    let tree = engine.tree();
    let candidates: Vec<EntityId> = if filter.is_set() {
        tree.subtree(entity).into_iter().skip(1).collect()
    } else {
        tree.children(entity).to_vec()
    };
    candidates
        .into_iter()
        .filter(|&id| access.can_read(tree, id) && filter.matches(tree.entity(id)))
        .collect()
}

/// What the cards show: the entity's consolidated report, or under a filter the subtotal of
/// [`filtered_units`] (no targets: they are set per entity).
pub fn cockpit_report(
    engine: &Engine,
    targets: &TargetBook,
    entity: EntityId,
    period: Period,
    units: Option<&[EntityId]>,
) -> zx_domain::KpiReport {
    match units {
        Some(units) => engine.kpi_of_units(entity, units, period),
        None => engine.kpi(entity, period, targets),
    }
}

/// The heading of a filtered subtotal: `福建 · 垃圾焚烧发电 合计（8 家基层单位，不含上级单位本级数据与抵销）`.
pub fn subtotal_label(filter: Filter<'_>, units: usize, lang: Lang) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(region) = filter.region {
        parts.push(region.to_owned());
    }
    if let Some(segment) = filter.segment {
        parts.push(format::segment_label(segment, lang));
    }
    let what = parts.join(" · ");
    match lang {
        Lang::Zh => {
            format!("{what} 合计（{units} 家基层单位之和，不含上级单位本级数据与抵销，无目标）")
        }
        Lang::En => format!(
            "{what} subtotal (sum of {units} reporting units, without parents' own rows and eliminations; no targets)"
        ),
    }
}

/// A value in the unit people read (`format::show_value`: 万元 for yuan, percent for ratios),
/// as a plain decimal string for charts (no separators, no %).
pub fn chart_value(value: Decimal, unit: Unit) -> String {
    // Physical quantities (t, MWh, kWh/t) as they are: the same scaling as what people type.
    format::to_display_unit(value, unit)
        .round_dp(4)
        .normalize()
        .to_string()
}

fn status_of(result: &IndicatorResult) -> Status {
    result
        .assessment
        .as_ref()
        .map_or(Status::None, |a| a.status)
}

/// The months of the period's year up to its month.
fn year_months(period: Period) -> Vec<Month> {
    period.end.january().offset(0).map_or(Vec::new(), |jan| {
        (0..period.end.month() as i32)
            .filter_map(|i| jan.offset(i))
            .collect()
    })
}

/// Inputs of [`cockpit`].
pub struct CockpitRequest<'a> {
    pub entity: EntityId,
    pub period: Period,
    pub rank_by: Option<&'a str>,
    pub region: Option<&'a str>,
    pub segment: Option<&'a str>,
    pub lang: Lang,
    /// The measures list, to link red indicators to what addresses them.
    pub measures: &'a [zx_domain::Measure],
}

/// Builds the cockpit, showing only what `access` may see.
pub fn cockpit(
    engine: &Engine,
    targets: &TargetBook,
    access: &Access,
    request: CockpitRequest<'_>,
) -> Cockpit {
    let CockpitRequest {
        entity,
        period,
        rank_by,
        region,
        segment,
        lang,
        measures,
    } = request;
    let tree = engine.tree();
    let catalogue = engine.catalogue();
    let filter = Filter { region, segment };
    let units = filtered_units(engine, access, entity, filter);
    let report = cockpit_report(engine, targets, entity, period, units.as_deref());
    // The cards' values over time: the entity's, or the filtered units' together.
    let value_at = |period: Period, index: usize| match &units {
        Some(units) => engine.evaluate_units(units, period, index),
        None => engine.evaluate(entity, period, index),
    };
    let months = year_months(period);
    let full_year: Vec<Month> = period.end.january().offset(0).map_or(Vec::new(), |jan| {
        (0..12).filter_map(|i| jan.offset(i)).collect()
    });
    let series = |index: usize, months: &[Month]| -> Vec<Option<String>> {
        let unit = catalogue.indicator(index).unit;
        months
            .iter()
            .map(|&m| {
                value_at(Period::new(m, period.basis), index)
                    .ok()
                    .map(|v| chart_value(v, unit))
            })
            .collect()
    };
    // Measures of the entity, or under a filter of the units added up.
    let measured = |code: &zx_domain::EntityCode| match &units {
        Some(units) => units.iter().any(|&u| tree.entity(u).code == *code),
        None => tree.entity(entity).code == *code,
    };
    // The card's indicators (一利五率 and any a group adds); the reform group apart.
    let on_card = |def: &IndicatorDef| def.family == IndicatorFamily::Kpi;
    let card_of = |result: &IndicatorResult| {
        let def = catalogue.indicator(result.indicator);
        let a = result.assessment.as_ref();
        Card {
            id: def.id.clone(),
            name: lang.pick(&def.name_zh, &def.name_en).to_owned(),
            unit: format::unit_label(def.unit, lang).to_owned(),
            value: result
                .value
                .as_ref()
                .map_or("—".into(), |v| format::show_value(*v, def.unit)),
            yoy: format::show_yoy(result, def.kind),
            annualised: result
                .annualised
                .map_or(String::new(), |v| format::show_value(v, def.unit)),
            target: a.map_or("—".into(), |a| format::show_value(a.target, def.unit)),
            expected: a.map_or("—".into(), |a| format::show_value(a.expected, def.unit)),
            attainment: a
                .and_then(|a| a.attainment)
                .map_or("—".into(), format::percent),
            status: status_of(result).as_str(),
            note: zx_api::indicator_note(engine, result, lang).unwrap_or_default(),
            sparkline: series(result.indicator, &months),
            open_measures: measures
                .iter()
                .filter(|m| {
                    m.status.is_open()
                        && measured(&m.entity)
                        && m.indicator.as_deref() == Some(def.id.as_str())
                })
                .count(),
            gap: false,
            projection: if units.is_none() {
                projection(engine, targets, def, entity, period.end)
            } else {
                None
            },
        }
    };
    let family_cards = |family: IndicatorFamily| -> Vec<Card> {
        report
            .indicators
            .iter()
            .filter(|r| catalogue.indicator(r.indicator).family == family)
            .map(card_of)
            .map(|mut card: Card| {
                card.gap = card.status == "red" && card.open_measures == 0;
                card
            })
            .collect()
    };
    let cards = family_cards(IndicatorFamily::Kpi);
    let reform_cards = family_cards(IndicatorFamily::Reform);
    let wage_linkage = match (catalogue.wage_linkage(), &report.wage_linkage) {
        (Some(def), Some(linkage)) => {
            let show = |g: Option<Decimal>| g.map_or_else(|| "—".to_owned(), format::growth);
            Some(WageLinkageView {
                name: lang.pick(&def.name_zh, &def.name_en).to_owned(),
                wage_growth: show(linkage.wage_growth),
                profit_growth: show(linkage.profit_growth),
                holds: linkage.holds,
                verdict: notes::wage_linkage_verdict(linkage, lang).to_owned(),
                text: notes::wage_linkage(catalogue, linkage, lang),
            })
        }
        _ => None,
    };
    let rule = report
        .rule
        .verdicts
        .iter()
        .map(|v| {
            let def = catalogue.indicator(v.indicator);
            Verdict {
                indicator: lang.pick(&def.name_zh, &def.name_en).to_owned(),
                requirement: format::requirement_label(v.requirement, lang).to_owned(),
                holds: v.holds,
                this: v
                    .this
                    .map_or("—".into(), |x| format::show_value(x, def.unit)),
                last: v
                    .last
                    .map_or("—".into(), |x| format::show_value(x, def.unit)),
            }
        })
        .collect();
    let trends = catalogue
        .indicators_of(IndicatorFamily::Kpi)
        .map(|(index, def)| {
            let last_year: Vec<Month> = full_year.iter().filter_map(|m| m.year_before()).collect();
            let target = targets
                .get(&tree.entity(entity).code, period.end.year(), &def.id)
                .filter(|_| units.is_none());
            Trend {
                id: def.id.clone(),
                name: lang.pick(&def.name_zh, &def.name_en).to_owned(),
                unit: format::unit_label(def.unit, lang).to_owned(),
                months: full_year
                    .iter()
                    .map(|m| format!("{:02}", m.month()))
                    .collect(),
                this_year: series(index, &months),
                last_year: series(index, &last_year),
                target: full_year
                    .iter()
                    .map(|m| {
                        target.map(|t| {
                            let months_in = match period.basis {
                                Basis::Ytd => m.month(),
                                Basis::Month => 1,
                            };
                            let expected = zx_domain::kpi::assess(def, None, t, months_in).expected;
                            chart_value(expected, def.unit)
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    let rows: Vec<Row> = rows_in_view(engine, access, entity, filter)
        .into_iter()
        .map(|id| {
            let child = engine.kpi(id, period, targets);
            let cells: Vec<Cell> = child
                .indicators
                .iter()
                .filter(|result| on_card(catalogue.indicator(result.indicator)))
                .map(|result| {
                    let def = catalogue.indicator(result.indicator);
                    Cell {
                        indicator: def.id.clone(),
                        value: result
                            .value
                            .as_ref()
                            .map_or("—".into(), |v| format::show_value(*v, def.unit)),
                        yoy: format::show_yoy(result, def.kind),
                        status: status_of(result).as_str(),
                        raw: result
                            .value
                            .as_ref()
                            .ok()
                            .map(|v| chart_value(*v, def.unit)),
                    }
                })
                .collect();
            Row {
                entity: EntityRef::of(engine, id, lang),
                reds: cells.iter().filter(|c| c.status == "red").count(),
                cells,
                drillable: !tree.is_leaf(id),
            }
        })
        .collect();
    // Ranked on a card's indicator (the first unless another is asked for).
    let rank_index = rank_by
        .and_then(|id| catalogue.indicator_index(id))
        .filter(|&i| on_card(catalogue.indicator(i)))
        .unwrap_or(0);
    let rank_def = catalogue.indicator(rank_index);
    let mut ranking: Vec<(String, String, Option<String>, Option<Decimal>)> = rows
        .iter()
        .map(|row| {
            let raw = row
                .cells
                .iter()
                .find(|c| c.indicator == rank_def.id)
                .and_then(|c| c.raw.clone());
            let number = raw.as_deref().and_then(|r| r.parse::<Decimal>().ok());
            (
                row.entity.code.clone(),
                row.entity.name.clone(),
                raw,
                number,
            )
        })
        .collect();
    // Best first, in the indicator's own direction; unavailable values last.
    ranking.sort_by(|a, b| match (a.3, b.3) {
        (Some(x), Some(y)) => match rank_def.better {
            Better::Higher | Better::Neither => y.cmp(&x),
            Better::Lower => x.cmp(&y),
        },
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    let mut regions: Vec<String> = tree
        .subtree(entity)
        .iter()
        .map(|&id| tree.entity(id).region.clone())
        .filter(|r| !r.is_empty())
        .collect();
    regions.sort();
    regions.dedup();
    let mut segments: Vec<String> = tree
        .subtree(entity)
        .iter()
        .map(|&id| tree.entity(id).segment.clone())
        .filter(|s| !s.is_empty())
        .collect();
    segments.sort();
    segments.dedup();
    let breadcrumbs = tree
        .path_to(entity)
        .into_iter()
        .filter(|&id| access.can_read(tree, id))
        .map(|id| EntityRef::of(engine, id, lang))
        .collect();
    // The card's missing data; a reform card says its own.
    let notes = report
        .indicators
        .iter()
        .filter(|r| on_card(catalogue.indicator(r.indicator)))
        .filter_map(|r| r.value.as_ref().err())
        .map(|reason| notes::unavailable(reason, lang))
        .fold(Vec::new(), |mut acc: Vec<String>, n| {
            if !acc.contains(&n) {
                acc.push(n);
            }
            acc
        });
    Cockpit {
        entity: EntityRef::of(engine, entity, lang),
        breadcrumbs,
        period: period.end.to_string(),
        basis: period.basis.as_str(),
        months: months.iter().map(|m| m.to_string()).collect(),
        cards,
        reform_cards,
        wage_linkage,
        rule_name: lang
            .pick(&catalogue.rule().name_zh, &catalogue.rule().name_en)
            .to_owned(),
        rule_holds: report.rule.holds,
        rule,
        trends,
        rank_by: rank_def.id.clone(),
        ranking: ranking
            .into_iter()
            .map(|(c, n, raw, _)| (c, n, raw))
            .collect(),
        rows,
        regions,
        segments,
        region: region.map(str::to_owned),
        segment: segment.map(str::to_owned),
        subtotal: units.map(|u| subtotal_label(filter, u.len(), lang)),
        notes,
        collection: None,
        passed_over: None,
        will_miss: Vec::new(),
    }
}

/// A problem of an uploaded file that reads in Chinese as well as English (ingest's issues).
pub trait IssueText: std::fmt::Display {
    fn text_zh(&self) -> String;
}

impl IssueText for zx_ingest::Issue {
    fn text_zh(&self) -> String {
        self.to_string_zh()
    }
}

impl IssueText for zx_ingest::safety_risks::RowIssue {
    fn text_zh(&self) -> String {
        self.to_string_zh()
    }
}

impl IssueText for zx_ingest::stacks::StackIssue {
    fn text_zh(&self) -> String {
        self.to_string_zh()
    }
}

/// The problems of a refused upload, one line each in the reader's language, as every upload
/// page lists them.
pub fn issue_lines<I: IssueText>(issues: &[I], lang: Lang) -> Vec<String> {
    issues
        .iter()
        .map(|i| match lang {
            Lang::Zh => i.text_zh(),
            Lang::En => i.to_string(),
        })
        .collect()
}

/// The card's year-end forecast from the data up to `month` (`zx_app::forecast`).
fn projection(
    engine: &Engine,
    targets: &TargetBook,
    def: &IndicatorDef,
    entity: EntityId,
    month: Month,
) -> Option<Projection> {
    let found = zx_app::forecast::year_end(engine, targets, def, entity, month);
    let forecast = found.forecast.ok()?;
    Some(Projection {
        year_end: format::show_value(forecast.year_end, def.unit),
        low: format::show_value(forecast.low, def.unit),
        high: format::show_value(forecast.high, def.unit),
        odds: forecast
            .p_target_met
            .map(crate::routes::forecast::odds_text),
        unlikely: forecast
            .p_target_met
            .is_some_and(|p| p < zx_app::forecast::miss_threshold()),
    })
}
