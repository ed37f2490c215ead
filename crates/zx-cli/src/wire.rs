//! JSON shapes of the CLI (and, later, of the API). Domain types stay free of serde; they are
//! turned into these at the boundary. Decimals are strings (exact), ratios are fractions.

use std::collections::BTreeMap;

use serde::Serialize;
use zx_domain::kpi::{Requirement, RuleResult};
use zx_domain::{Decimal, Engine, KpiReport, Lang, format, notes};

fn exact(value: Decimal) -> String {
    format::exact(value)
}

/// One indicator in `zx kpi --format json`.
#[derive(Debug, Serialize)]
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
}

/// One verdict of the year's rule with both values.
#[derive(Debug, Serialize)]
pub struct VerdictJson {
    pub requirement: &'static str,
    pub this: Option<String>,
    pub last: Option<String>,
    pub holds: Option<bool>,
}

/// The year's rule: a flat boolean per indicator plus `holds`, and the values in `details`.
#[derive(Debug, Serialize)]
pub struct RuleJson {
    pub name: String,
    pub holds: Option<bool>,
    #[serde(flatten)]
    pub verdicts: BTreeMap<String, Option<bool>>,
    pub details: BTreeMap<String, VerdictJson>,
}

/// `zx kpi --format json`.
#[derive(Debug, Serialize)]
pub struct KpiJson {
    pub entity: String,
    pub name: String,
    pub period: String,
    pub basis: &'static str,
    pub indicators: BTreeMap<String, IndicatorJson>,
    pub rule: RuleJson,
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
            let def = catalogue.indicator(result.indicator);
            let assessment = result.assessment.as_ref();
            (
                def.id.clone(),
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
                },
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
    }
}
