//! `/workforce?entity=&period=`: the labour productivity story on one page. Cards for
//! headcount against plan, the dispatched share against its legal limit (red beyond it whatever
//! the target), labour productivity and the per-capita figures against last year and the
//! target; a chart of the months' hires and exits with the month-end people (`assets/app.js`
//! draws it from a data attribute); hires by channel, exits by reason, the money; each unit.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zx_domain::catalogue::Unit;
use zx_domain::format::{self, unit_label};
use zx_domain::kpi::IndicatorResult;
use zx_domain::reform::growth;
use zx_domain::workforce::{Breakdown, Figure, shown_indicators};
use zx_domain::{Engine, KpiReport, Lang, Status};

use super::{WorkforceParams, ask};
use crate::auth::PageUser;
use crate::layout::{Me, error_page, here};
use crate::state::AppState;

/// A value as the cockpit shows it, but whole persons without a decimal (955, not 955.0).
fn show_value(value: zx_domain::Decimal, unit: Unit) -> String {
    if unit == Unit::Persons && value.fract().is_zero() {
        format::grouped(value, 0)
    } else {
        format::show_value(value, unit)
    }
}

/// One indicator as a card.
pub struct WorkCard {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub value: String,
    pub last_year: String,
    pub yoy: String,
    pub target: String,
    pub status: &'static str,
    /// The legal limit broken: the card is red and says which rule.
    pub beyond: bool,
    pub note: String,
}

/// One item's row: this year to date, last year's same months, the change.
pub struct FigureRow {
    pub item: String,
    pub name: String,
    pub unit: String,
    pub this: String,
    pub last: String,
    pub change: String,
}

/// A unit below with its headline figures.
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub headcount: String,
    pub plan: String,
    pub headcount_status: &'static str,
    pub dispatched: String,
    pub beyond: bool,
    pub productivity: String,
    pub productivity_last: String,
    pub labour_cost: String,
}

#[derive(Serialize)]
struct ChartData {
    months: Vec<String>,
    hires: Vec<Option<String>>,
    exits: Vec<Option<String>>,
    employees: Vec<Option<String>>,
    dispatched: Vec<Option<String>>,
    labels: [&'static str; 4],
}

#[derive(Template, WebTemplate)]
#[template(path = "workforce.html")]
struct WorkforcePage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    code: String,
    name: String,
    period: String,
    cards: Vec<WorkCard>,
    chart_json: String,
    people: Vec<FigureRow>,
    hires: Vec<FigureRow>,
    hires_unexplained: Option<String>,
    exits: Vec<FigureRow>,
    exits_unexplained: Option<String>,
    market_flag: Option<String>,
    money: Vec<FigureRow>,
    units: Vec<UnitRow>,
}

fn status_of(result: &IndicatorResult) -> Status {
    result
        .assessment
        .as_ref()
        .map_or(Status::None, |a| a.status)
}

/// `months`: how many months the year to date covers (last year's value is annualised the same
/// way as this year's where the indicator is).
fn card(engine: &Engine, result: &IndicatorResult, months: u32, lang: Lang) -> WorkCard {
    let def = engine.catalogue().indicator(result.indicator);
    let shown = |v: Option<zx_domain::Decimal>| v.map_or("—".into(), |v| show_value(v, def.unit));
    // Per-capita figures read as the regulator quotes them: annualised.
    let value = result.annualised.or(result.value.as_ref().ok().copied());
    let last = match (result.annualised, result.last_year.as_ref().ok()) {
        (Some(_), Some(&last)) => {
            let months = zx_domain::Decimal::from(months.max(1));
            Some(last * zx_domain::Decimal::from(12) / months)
        }
        (_, last) => last.copied(),
    };
    let beyond = result
        .value
        .as_ref()
        .ok()
        .and_then(|v| def.beyond_limit(*v))
        == Some(true);
    let status = if beyond {
        "red"
    } else {
        status_of(result).as_str()
    };
    WorkCard {
        id: def.id.clone(),
        name: lang.pick(&def.name_zh, &def.name_en).to_owned(),
        unit: unit_label(def.unit, lang).to_owned(),
        value: shown(value),
        last_year: shown(last),
        yoy: format::show_yoy(result, def.kind),
        target: result
            .assessment
            .as_ref()
            .map_or("—".into(), |a| show_value(a.target, def.unit)),
        status,
        beyond,
        note: zx_api::indicator_note(engine, result, lang).unwrap_or_default(),
    }
}

fn figure_row(engine: &Engine, figure: &Figure, lang: Lang) -> FigureRow {
    let item = engine.catalogue().item(figure.item);
    let shown =
        |v: Option<zx_domain::Decimal>| v.map_or("—".into(), |v| show_value(v, item.unit));
    FigureRow {
        item: item.code.clone(),
        name: lang.pick(&item.name_zh, &item.name_en).to_owned(),
        unit: unit_label(item.unit, lang).to_owned(),
        this: shown(figure.this),
        last: shown(figure.last),
        change: growth(figure.this, figure.last).map_or("—".into(), format::growth),
    }
}

fn breakdown_rows(
    engine: &Engine,
    breakdown: Option<&Breakdown>,
    lang: Lang,
) -> (Vec<FigureRow>, Option<String>) {
    let Some(b) = breakdown else {
        return (Vec::new(), None);
    };
    let rows = std::iter::once(&b.whole)
        .chain(&b.parts)
        .map(|f| figure_row(engine, f, lang))
        .collect();
    let unexplained = b
        .unexplained
        .filter(|u| !u.is_zero())
        .map(|u| format::grouped(u, 0));
    (rows, unexplained)
}

fn unit_row(engine: &Engine, report: &KpiReport, lang: Lang) -> UnitRow {
    let months = report.period.month_count();
    let entity = engine.tree().entity(report.entity);
    let get = |id: &str| report.get(engine, id);
    let show = |id: &str, pick: &dyn Fn(&IndicatorResult) -> Option<zx_domain::Decimal>| {
        get(id).map_or("—".into(), |r| {
            let unit = engine.catalogue().indicator(r.indicator).unit;
            pick(r).map_or("—".into(), |v| show_value(v, unit))
        })
    };
    let value = |r: &IndicatorResult| r.value.as_ref().ok().copied();
    let annualised = |r: &IndicatorResult| r.annualised.or(r.value.as_ref().ok().copied());
    let card_of = |id: &str| get(id).map(|r| card(engine, r, months, lang));
    UnitRow {
        code: entity.code.to_string(),
        name: entity.name.clone(),
        headcount: show("headcount_total", &value),
        plan: show("headcount_total", &|r| {
            r.assessment.as_ref().map(|a| a.target)
        }),
        headcount_status: get("headcount_total").map_or("none", |r| status_of(r).as_str()),
        dispatched: show("dispatched_share", &value),
        beyond: card_of("dispatched_share").is_some_and(|c| c.beyond),
        productivity: show("labour_productivity", &annualised),
        productivity_last: card_of("labour_productivity").map_or("—".into(), |c| c.last_year),
        labour_cost: show("labour_cost_per_capita", &annualised),
    }
}

pub async fn workforce(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<WorkforceParams>,
    uri: axum::http::Uri,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let (entity, report) = ask(&state, &snapshot, &user, &params).await?;
        let engine = &snapshot.engine;
        let shown = shown_indicators(engine.catalogue());
        let months = report.kpi.period.month_count();
        let cards = report
            .kpi
            .indicators
            .iter()
            .filter(|r| shown.contains(&r.indicator))
            .map(|r| card(engine, r, months, lang))
            .collect();
        let story = &report.story;
        let text = |v: Option<zx_domain::Decimal>| v.map(|v| v.normalize().to_string());
        let chart = ChartData {
            months: story.months.iter().map(|m| m.month.to_string()).collect(),
            hires: story.months.iter().map(|m| text(m.hires)).collect(),
            exits: story.months.iter().map(|m| text(m.exits.map(|e| -e))).collect(),
            employees: story.months.iter().map(|m| text(m.employees_end)).collect(),
            dispatched: story.months.iter().map(|m| text(m.dispatched_end)).collect(),
            labels: [
                lang.pick("新进", "Hired"),
                lang.pick("退出", "Left"),
                lang.pick("劳动合同用工（月末）", "Employees (month end)"),
                lang.pick("劳务派遣（月末）", "Dispatched (month end)"),
            ],
        };
        let (hires, hires_unexplained) = breakdown_rows(engine, story.hires.as_ref(), lang);
        let (exits, exits_unexplained) = breakdown_rows(engine, story.exits.as_ref(), lang);
        let market_flag = story.market.disagrees().then(|| {
            let n = |v: Option<zx_domain::Decimal>| v.map_or("—".into(), |v| format::grouped(v, 0));
            match lang {
                Lang::Zh => format!(
                    "填报的市场化退出 {} 人，与“劳动合同到期不续签”和“解除劳动合同”合计 {} 人不一致，请核实",
                    n(story.market.reported),
                    n(story.market.by_reason)
                ),
                Lang::En => format!(
                    "Market-based exits reported ({}) differ from contracts ended plus dismissals ({}): please check",
                    n(story.market.reported),
                    n(story.market.by_reason)
                ),
            }
        });
        let e = engine.tree().entity(entity);
        Ok::<_, crate::error::ApiError>(WorkforcePage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            code: e.code.to_string(),
            name: e.name.clone(),
            period: story.period.end.to_string(),
            cards,
            chart_json: serde_json::to_string(&chart).unwrap_or_else(|_| "{}".into()),
            people: story.people.iter().map(|f| figure_row(engine, f, lang)).collect(),
            hires,
            hires_unexplained,
            exits,
            exits_unexplained,
            market_flag,
            money: story.money.iter().map(|f| figure_row(engine, f, lang)).collect(),
            units: report.units.iter().map(|u| unit_row(engine, u, lang)).collect(),
        })
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
