//! JSON shapes of the CLI and of the HTTP API: `zx kpi --format json` and
//! `GET /api/v1/entities/{code}/kpi` are built by the same function, so they cannot drift.
//! Domain types stay free of serde; they are turned into these at the boundary. Decimals are
//! strings (exact, 12 places at most), ratios are fractions.
//!
//! Every object the CLI prints as JSON is one of these; the CLI wraps a list in an object named
//! after it (`{"audit":[…]}`), the HTTP API answers the list itself.
#![forbid(unsafe_code)]

mod accounts;
mod bench;
mod benchmark;
mod collection;
mod emissions;
mod forecast;
mod import;
mod managers;
mod practices;
mod records;
mod reports;
pub mod rnd;
mod safety;
pub mod safety_risks;
mod workforce;
pub use workforce::{
    BreakdownJson, FigureJson, MarketExitsJson, WorkforceJson, WorkforceMonthJson,
    WorkforceUnitJson, workforce_json,
};

pub use accounts::{NotificationJson, UserJson};
pub use bench::{
    CemsBenchJson, CemsChecksumJson, CemsSampleJson, RollupBenchJson, RollupPhasesJson,
};
pub use benchmark::{
    BenchmarkJson, BenchmarkPeerJson, BenchmarkStatsJson, CostBreakdownJson, CostStepJson,
    ReferenceJson, ReferencesImportedJson, benchmark_json, cost_breakdown_json,
};
pub use collection::{
    ImportedOutlierJson, MonthProgressJson, OutlierJson, PendingUnitJson, outlier_json,
};
pub use emissions::{
    CheckDayJson, CheckFactorJson, CheckJson, CheckStackJson, PASSWORD_MASK, RuleSetJson,
    SimulationJson, StackJson, hour_key,
};
pub use forecast::{ForecastJson, ForecastsJson, WillMissJson, forecast_json, forecasts_json};
pub use import::{ImportRejectedJson, ImportedFileJson, ImportedJson, IssueJson};
pub use managers::{
    ManagerRegisterJson, ManagerTermInput, ManagerTermJson, OutcomeJson, ProposalInput,
    RatingDueJson, RegisterCheckJson, RegisterProposalJson, TermYearJson,
};
pub use practices::{
    PracticeHitJson, PracticeHitsJson, PracticeJson, PracticesImportedJson, RecommendInput,
    RecommendedJson, score_text,
};
pub use records::{AuditEntryJson, EntityJson, GapJson, RevisionJson, SubmissionJson};
pub use reports::{ScheduleInput, ScheduleJson, SentReportJson};
pub use safety::{
    AutoHazardJson, DrillObligationsJson, HazardCheckJson, SafetyCheckJson, SafetyImportedFileJson,
    SafetyImportedJson, TrainingJson,
};

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::engine::Unavailable;
use zx_domain::kpi::{Requirement, RuleResult};
use zx_domain::reform::WageLinkage;
use zx_domain::{Decimal, Engine, Explanation, KpiReport, Lang, format, notes};

fn exact(value: Decimal) -> String {
    format::exact(value)
}

/// One indicator in `zx kpi --format json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorJson {
    pub value: Option<String>,
    pub yoy: Option<String>,
    pub annualised: Option<String>,
    pub target: Option<String>,
    pub expected: Option<String>,
    pub attainment: Option<String>,
    pub status: &'static str,
    pub note: Option<String>,
    pub last_year: Option<String>,
    /// Only for an indicator with a legal limit (the dispatched labour share).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<LimitJson>,
}

/// A legal limit and whether the value breaks it (`null`: no value).
#[derive(Debug, Serialize, ToSchema)]
pub struct LimitJson {
    pub value: String,
    pub beyond: Option<bool>,
    pub source: String,
}

/// One verdict of the year's rule with both values.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerdictJson {
    pub requirement: &'static str,
    pub this: Option<String>,
    pub last: Option<String>,
    pub holds: Option<bool>,
}

/// The year's rule: a flat boolean per indicator plus `holds`, and the values in `details`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleJson {
    pub name: String,
    pub holds: Option<bool>,
    #[serde(flatten)]
    pub verdicts: BTreeMap<String, Option<bool>>,
    pub details: BTreeMap<String, VerdictJson>,
}

/// Pay follows results (工资效益联动, reform.md), year to date whatever the basis asked:
/// growths as decimal fractions, `null` when not computable (a value missing, last year zero).
#[derive(Debug, Serialize, ToSchema)]
pub struct WageLinkageJson {
    pub wage_growth: Option<String>,
    pub profit_growth: Option<String>,
    pub holds: Option<bool>,
}

/// The rules beside the year's: `wage_linkage` when the catalogue defines it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wage_linkage: Option<WageLinkageJson>,
}

/// `zx kpi --format json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiJson {
    pub entity: String,
    pub name: String,
    pub period: String,
    pub basis: &'static str,
    pub indicators: BTreeMap<String, IndicatorJson>,
    pub rule: RuleJson,
    pub rules: RulesJson,
}

/// Pay follows results as JSON.
pub fn wage_linkage_json(linkage: &WageLinkage) -> WageLinkageJson {
    WageLinkageJson {
        wage_growth: linkage.wage_growth.map(exact),
        profit_growth: linkage.profit_growth.map(exact),
        holds: linkage.holds,
    }
}

/// The sentence explaining a result: why it is unavailable, why no YoY, why this colour.
pub fn indicator_note(
    engine: &Engine,
    result: &zx_domain::kpi::IndicatorResult,
    lang: Lang,
) -> Option<String> {
    let def = engine.catalogue().indicator(result.indicator);
    let mut parts = Vec::new();
    match &result.value {
        Err(reason) => parts.push(notes::unavailable(reason, lang)),
        Ok(value) => {
            if def.beyond_limit(*value) == Some(true)
                && let Some(limit) = &def.limit
            {
                let bound = format::percent(limit.value);
                parts.push(match lang {
                    Lang::Zh => format!("超过法定上限 {bound}（{}）", limit.source_zh),
                    Lang::En => format!("beyond the legal limit of {bound} ({})", limit.source_en),
                });
            }
            if let Some(assessment) = &result.assessment {
                parts.push(notes::status(def, *value, assessment, lang));
            }
        }
    }
    if let Err(reason) = &result.yoy
        && let Some(text) = notes::yoy(reason, lang)
    {
        parts.push(text);
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(lang.pick("；", "; ")))
    }
}

/// One indicator's result as `zx kpi` gives it (also the workforce page's figures).
pub fn indicator_json(
    engine: &Engine,
    result: &zx_domain::kpi::IndicatorResult,
    lang: Lang,
) -> IndicatorJson {
    let def = engine.catalogue().indicator(result.indicator);
    let assessment = result.assessment.as_ref();
    IndicatorJson {
        value: result.value.as_ref().ok().map(|v| exact(*v)),
        yoy: result.yoy.as_ref().ok().map(|v| exact(*v)),
        annualised: result.annualised.map(exact),
        target: assessment.map(|a| exact(a.target)),
        expected: assessment.map(|a| exact(a.expected)),
        attainment: assessment.and_then(|a| a.attainment).map(exact),
        status: assessment.map_or("none", |a| a.status.as_str()),
        note: indicator_note(engine, result, lang),
        last_year: result.last_year.as_ref().ok().map(|v| exact(*v)),
        limit: def.limit.as_ref().map(|limit| LimitJson {
            value: exact(limit.value),
            beyond: result
                .value
                .as_ref()
                .ok()
                .and_then(|v| def.beyond_limit(*v)),
            source: lang.pick(&limit.source_zh, &limit.source_en).to_owned(),
        }),
    }
}

pub fn rule_json(engine: &Engine, rule: &RuleResult, lang: Lang) -> RuleJson {
    let catalogue = engine.catalogue();
    let mut verdicts = BTreeMap::new();
    let mut details = BTreeMap::new();
    for verdict in &rule.verdicts {
        let id = catalogue.indicator(verdict.indicator).id.clone();
        verdicts.insert(id.clone(), verdict.holds);
        details.insert(
            id,
            VerdictJson {
                requirement: match verdict.requirement {
                    Requirement::Grows => "grows",
                    Requirement::Stable(_) => "stable",
                    Requirement::Improves => "improves",
                },
                this: verdict.this.map(exact),
                last: verdict.last.map(exact),
                holds: verdict.holds,
            },
        );
    }
    RuleJson {
        name: lang
            .pick(&catalogue.rule().name_zh, &catalogue.rule().name_en)
            .to_owned(),
        holds: rule.holds,
        verdicts,
        details,
    }
}

pub fn kpi_json(engine: &Engine, report: &KpiReport, lang: Lang) -> KpiJson {
    let catalogue = engine.catalogue();
    let entity = engine.tree().entity(report.entity);
    let indicators = report
        .indicators
        .iter()
        .map(|result| {
            (
                catalogue.indicator(result.indicator).id.clone(),
                indicator_json(engine, result, lang),
            )
        })
        .collect();
    KpiJson {
        entity: entity.code.to_string(),
        name: entity.name.clone(),
        period: report.period.end.to_string(),
        basis: report.period.basis.as_str(),
        indicators,
        rule: rule_json(engine, &report.rule, lang),
        rules: RulesJson {
            wage_linkage: report.wage_linkage.as_ref().map(wage_linkage_json),
        },
    }
}

#[derive(Debug, Serialize, ToSchema)]
/// One input of a formula.
pub struct ExplainInputJson {
    pub call: String,
    pub months: Vec<String>,
    pub value: Option<String>,
    pub note: Option<String>,
    pub own: Option<String>,
    pub children: Vec<ExplainChildJson>,
}

#[derive(Debug, Serialize, ToSchema)]
/// A child's part of an input.
pub struct ExplainChildJson {
    pub entity: String,
    pub name: String,
    pub value: Option<String>,
    pub share: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
/// `zx explain --format json` and `GET /api/v1/entities/{code}/explain`.
pub struct ExplainJson {
    pub entity: String,
    pub period: String,
    pub basis: &'static str,
    pub indicator: String,
    pub formula: String,
    pub value: Option<String>,
    pub note: Option<String>,
    pub inputs: Vec<ExplainInputJson>,
}

/// A part's share of a whole, when the whole is non-zero.
pub fn share(part: Decimal, whole: &Result<Decimal, Unavailable>) -> Option<Decimal> {
    match whole {
        Ok(w) if !w.is_zero() => part.checked_div(*w),
        _ => None,
    }
}

/// The explanation of one indicator value as JSON.
pub fn explain_json(engine: &Engine, explanation: &Explanation, lang: Lang) -> ExplainJson {
    let tree = engine.tree();
    let id = explanation.entity;
    let period = explanation.period;
    let def = engine.catalogue().indicator(explanation.indicator);
    ExplainJson {
        entity: tree.entity(id).code.to_string(),
        period: period.end.to_string(),
        basis: period.basis.as_str(),
        indicator: def.id.clone(),
        formula: explanation.formula.clone(),
        value: explanation.value.as_ref().ok().map(|v| format::exact(*v)),
        note: explanation
            .value
            .as_ref()
            .err()
            .map(|r| notes::unavailable(r, lang)),
        inputs: explanation
            .inputs
            .iter()
            .map(|input| ExplainInputJson {
                call: input.call.clone(),
                months: input.months.iter().map(|m| m.to_string()).collect(),
                value: input.value.as_ref().ok().map(|v| format::exact(*v)),
                note: input
                    .value
                    .as_ref()
                    .err()
                    .map(|r| notes::unavailable(r, lang)),
                own: input.own.map(format::exact),
                children: input
                    .children
                    .iter()
                    .map(|(child, value)| ExplainChildJson {
                        entity: tree.entity(*child).code.to_string(),
                        name: tree.entity(*child).name.clone(),
                        value: value.as_ref().ok().map(|v| format::exact(*v)),
                        share: value
                            .as_ref()
                            .ok()
                            .and_then(|v| share(*v, &input.value))
                            .map(format::exact),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// One measure in `zx measures list --format json` and `GET /api/v1/measures`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureJson {
    pub id: i64,
    pub entity: String,
    pub title: String,
    pub indicator: Option<String>,
    pub owner: String,
    pub start: Option<String>,
    pub due: String,
    pub status: &'static str,
    pub progress: u8,
    /// Derived on the `as_of` date: open and due before it.
    pub overdue: bool,
}

/// Totals of a measures list.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasuresSummaryJson {
    pub total: usize,
    pub done: usize,
    pub cancelled: usize,
    pub overdue: usize,
    /// done / (total − cancelled), 12 places; `null` when nothing is left to count.
    pub completion_rate: Option<String>,
}

/// `zx measures list --format json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasuresJson {
    pub measures: Vec<MeasureJson>,
    pub summary: MeasuresSummaryJson,
}

/// The list and its summary as of a date.
pub fn measures_json(measures: &[zx_domain::Measure], as_of: chrono::NaiveDate) -> MeasuresJson {
    let summary = zx_domain::measures::summarise(measures, as_of);
    MeasuresJson {
        measures: measures
            .iter()
            .map(|m| MeasureJson {
                id: m.id,
                entity: m.entity.to_string(),
                title: m.title.clone(),
                indicator: m.indicator.clone(),
                owner: m.owner.clone(),
                start: m.start.map(|d| d.to_string()),
                due: m.due.to_string(),
                status: m.status.as_str(),
                progress: m.progress,
                overdue: m.is_overdue(as_of),
            })
            .collect(),
        summary: MeasuresSummaryJson {
            total: summary.total,
            done: summary.done,
            cancelled: summary.cancelled,
            overdue: summary.overdue,
            completion_rate: summary.completion_rate.map(exact),
        },
    }
}
