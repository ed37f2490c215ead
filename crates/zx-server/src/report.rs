//! The monthly report's content (issue 16), built from what the cockpit shows: the cockpit's
//! view model (cards, rule, trends, units, ranking), its collection progress, violation days,
//! safety overview and plant quartiles, in the caller's scope. The CLI's `zx report --format
//! pdf|xlsx`, the download links and the monthly schedule all call [`build`], so a report
//! never shows a number the cockpit would not. `zx_report` typesets it.

use zx_domain::{EntityId, Lang, format};
use zx_report::{
    BottomQuartileLine, CollectionLine, DrillLine, EmissionsSection, IndicatorLine, MeasureLine,
    RankRow, Ranking, RedLine, Report, RuleLine, RuleSection, SafetySection, TrendChart, UnitCell,
    UnitRow, UnitsTable, WageLine,
};
use zx_store::AlarmFilter;

use std::sync::OnceLock;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::routes::cockpit::{CockpitQuery, cockpit_view};
use crate::scope::ChosenPeriod;
use crate::state::{AppState, Snapshot};
use crate::views::Card;

static PDF_WRITER: OnceLock<zx_report::PdfWriter> = OnceLock::new();

/// The typesetter (`zx_report_pdf::pdf`), handed over once by the `zx` binary at start. typst
/// and the 21 MB font are linked into the binary only, not into every crate and test binary
/// that links the server (each would grow by some 200 MB in debug builds).
pub fn set_pdf_writer(writer: zx_report::PdfWriter) {
    // A second call hands over the same function: keeping the first is right.
    let _ = PDF_WRITER.set(writer);
}

/// The report as a PDF, or an internal error in a build that handed over no typesetter.
pub fn pdf(report: &Report) -> ApiResult<Vec<u8>> {
    let writer = PDF_WRITER
        .get()
        .ok_or_else(|| ApiError::internal("no PDF typesetter in this build"))?;
    writer(report).map_err(ApiError::internal)
}

/// A value with its unit, once: `1,234.56 万元`, `31.71%` (a ratio carries its %).
fn with_unit(value: &str, unit: &str) -> String {
    if value.ends_with('%') || value == "—" {
        value.to_owned()
    } else {
        format!("{value} {unit}")
    }
}

fn line_of(card: &Card) -> IndicatorLine {
    IndicatorLine {
        id: card.id.clone(),
        name: card.name.clone(),
        unit: card.unit.clone(),
        value: card.value.clone(),
        yoy: card.yoy.clone(),
        target: card.target.clone(),
        expected: card.expected.clone(),
        attainment: card.attainment.clone(),
        status: card.status.to_owned(),
    }
}

/// The open measures of `entity` on `indicator`, as the measures page lists them.
fn measures_for(
    measures: &[zx_domain::Measure],
    entity: &str,
    indicator: &str,
    lang: Lang,
) -> Vec<MeasureLine> {
    measures
        .iter()
        .filter(|m| {
            m.status.is_open()
                && m.entity.as_str() == entity
                && m.indicator.as_deref() == Some(indicator)
        })
        .map(|m| MeasureLine {
            title: m.title.clone(),
            owner: m.owner.clone(),
            due: m.due.to_string(),
            progress: format!("{}%", m.progress),
            status: format::measure_status_label(m.status.as_str(), lang),
        })
        .collect()
}

/// The report of entity `id` (already checked against the caller's scope) for the chosen
/// period, in the caller's language.
pub async fn build(
    state: &AppState,
    user: &CurrentUser,
    snapshot: &Snapshot,
    id: EntityId,
    chosen: &ChosenPeriod,
) -> ApiResult<Report> {
    let lang = user.lang;
    let query = CockpitQuery {
        period: None,
        basis: None,
        rank: None,
        region: None,
        segment: None,
    };
    let view = cockpit_view(state, user, snapshot, id, chosen, &query).await?;
    let tree = snapshot.engine.tree();
    let entity = tree.entity(id);
    let measures = state.store.measures().await?;

    // Red: the entity's own cards, then each unit below's red cells.
    let mut reds: Vec<RedLine> = view
        .cards
        .iter()
        .filter(|c| c.status == "red")
        .map(|c| RedLine {
            entity: view.entity.name.clone(),
            indicator: c.name.clone(),
            value: with_unit(&c.value, &c.unit),
            measures: measures_for(&measures, &view.entity.code, &c.id, lang),
        })
        .collect();
    for row in &view.rows {
        for (cell, card) in row.cells.iter().zip(&view.cards) {
            if cell.status == "red" {
                reds.push(RedLine {
                    entity: row.entity.name.clone(),
                    indicator: card.name.clone(),
                    value: with_unit(&cell.value, &card.unit),
                    measures: measures_for(&measures, &row.entity.code, &cell.indicator, lang),
                });
            }
        }
    }

    let rank_title = view
        .cards
        .iter()
        .find(|c| c.id == view.rank_by)
        .map_or_else(String::new, |c| format!("{} ({})", c.name, c.unit));
    let shown: std::collections::HashMap<&str, &str> = view
        .rows
        .iter()
        .filter_map(|row| {
            let cell = row.cells.iter().find(|c| c.indicator == view.rank_by)?;
            Some((row.entity.code.as_str(), cell.value.as_str()))
        })
        .collect();
    let ranking = Ranking {
        title: rank_title,
        rows: view
            .ranking
            .iter()
            .enumerate()
            .map(|(i, (code, name, raw))| RankRow {
                rank: i + 1,
                name: name.clone(),
                value: shown.get(code.as_str()).map_or("—", |v| v).to_owned(),
                raw: raw.clone(),
            })
            .collect(),
    };

    let year = chosen.period.end.year();
    let emissions =
        match crate::routes::environment::cockpit_violations(state, user, id, year).await? {
            Some(rows) => {
                let stacks = state.store.stacks().await?;
                let within: Vec<String> = stacks
                    .iter()
                    .filter(|s| {
                        tree.id_of(s.stack.entity.as_str())
                            .is_some_and(|e| tree.is_within(e, id) && user.access.can_read(tree, e))
                    })
                    .map(|s| s.stack.mn.clone())
                    .collect();
                let alarms = state.store.alarms(&AlarmFilter::default()).await?;
                let open_alarms = alarms
                    .iter()
                    .filter(|a| a.state != zx_domain::cems::alarms::AlarmState::Cleared)
                    .filter(|a| within.contains(&a.mn))
                    .count();
                Some(EmissionsSection {
                    total_days: rows.iter().map(|r| r.total).sum(),
                    violation_days: rows
                        .iter()
                        .filter(|r| r.total > 0)
                        .map(|r| (r.name.clone(), r.total))
                        .collect(),
                    open_alarms,
                })
            }
            None => None,
        };

    let safety =
        match crate::routes::safety::overview(state, user, Some(entity.code.as_str())).await {
            Ok(overview) => {
                let drills = crate::routes::drills::view(
                    state,
                    user,
                    &crate::routes::drills::DrillsQuery {
                        entity: Some(entity.code.to_string()),
                        as_of: None,
                    },
                )
                .await?;
                Some(SafetySection {
                    open: overview.hazards.open,
                    overdue: overview.hazards.overdue,
                    major: overview.hazards.major_open,
                    drills_due: drills
                        .planned
                        .iter()
                        .filter(|p| matches!(p.state, "due_soon" | "overdue"))
                        .map(|p| DrillLine {
                            due: p.due.to_string(),
                            unit: p.entity_name.clone(),
                            scenario: p.scenario.clone(),
                            state: p.state_label.to_string(),
                        })
                        .collect(),
                })
            }
            Err(_) => None,
        };

    // Plants in the bottom quartile of their segment, on the cockpit's main operating
    // indicators.
    let operations = crate::routes::benchmark::plant_quartiles(snapshot, user, id, chosen.period)
        .map_or_else(Vec::new, |q| {
            q.rows
                .iter()
                .flat_map(|row| {
                    row.cells
                        .iter()
                        .zip(&q.columns)
                        .filter_map(|(cell, (_, column))| match cell {
                            Some((value, 4)) => Some(BottomQuartileLine {
                                plant: row.name.clone(),
                                indicator: column.clone(),
                                value: value.clone(),
                            }),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        });

    Ok(Report {
        lang: lang.pick("zh", "en").to_owned(),
        entity_code: view.entity.code.clone(),
        entity_name: view.entity.name.clone(),
        period: view.period.clone(),
        basis: format::basis_label(chosen.period, lang).to_owned(),
        made_on: state.today().to_string(),
        indicators: view.cards.iter().map(line_of).collect(),
        rule: RuleSection {
            name: view.rule_name.clone(),
            verdict: match view.rule_holds {
                Some(true) => lang.pick("达成", "met"),
                Some(false) => lang.pick("未达成", "not met"),
                None => "—",
            }
            .to_owned(),
            holds: view.rule_holds,
            lines: view
                .rule
                .iter()
                .map(|v| RuleLine {
                    indicator: v.indicator.clone(),
                    requirement: v.requirement.clone(),
                    this: v.this.clone(),
                    last: v.last.clone(),
                    holds: v.holds,
                })
                .collect(),
        },
        wage_linkage: view.wage_linkage.as_ref().map(|w| WageLine {
            name: w.name.clone(),
            wage_growth: w.wage_growth.clone(),
            profit_growth: w.profit_growth.clone(),
            verdict: w.verdict.clone(),
            holds: w.holds,
        }),
        trends: view
            .trends
            .iter()
            .map(|t| TrendChart {
                name: t.name.clone(),
                unit: t.unit.clone(),
                months: t.months.clone(),
                this_year: t.this_year.clone(),
                last_year: t.last_year.clone(),
                target: t.target.clone(),
            })
            .collect(),
        units: UnitsTable {
            columns: view
                .cards
                .iter()
                .map(|c| format!("{} ({})", c.name, c.unit))
                .collect(),
            rows: view
                .rows
                .iter()
                .map(|row| UnitRow {
                    code: row.entity.code.clone(),
                    name: row.entity.name.clone(),
                    cells: row
                        .cells
                        .iter()
                        .map(|c| UnitCell {
                            value: c.value.clone(),
                            yoy: c.yoy.clone(),
                            status: c.status.to_owned(),
                        })
                        .collect(),
                    reds: row.reds,
                })
                .collect(),
        },
        ranking,
        reds,
        collection: view.collection.as_ref().map(|c| CollectionLine {
            month: c.month.clone(),
            expected: c.expected,
            done: c.done,
            complete: c.complete,
            pending: c
                .pending
                .iter()
                .map(|p| format!("{} ({})", p.name, p.code))
                .collect(),
        }),
        emissions,
        safety,
        operations,
        reform: view.reform_cards.iter().map(line_of).collect(),
        notes: view.notes.clone(),
    })
}
