//! Indicators with their year-on-year change, targets, status and the year's rule.
//!
//! [`Engine::kpi`] is what every view shows for one entity and period: the six values, YoY,
//! annualised values, the target pro-rated to the period, attainment, a traffic light with its
//! reason, and the verdicts of "one grows, one stable, four improve".

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::catalogue::{Better, IndicatorDef, IndicatorKind};
use crate::engine::{Engine, Unavailable};
use crate::entity::{EntityCode, EntityId};
use crate::period::Period;
use crate::reform::WageLinkage;

/// A full-year target for an entity's indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub entity: EntityCode,
    pub year: i32,
    pub indicator: String,
    pub value: Decimal,
}

/// Targets looked up by entity, year and indicator id.
#[derive(Debug, Clone, Default)]
pub struct TargetBook {
    targets: HashMap<(EntityCode, i32, String), Decimal>,
}

impl TargetBook {
    pub fn new(targets: impl IntoIterator<Item = Target>) -> Self {
        Self {
            targets: targets
                .into_iter()
                .map(|t| ((t.entity, t.year, t.indicator), t.value))
                .collect(),
        }
    }

    pub fn get(&self, entity: &EntityCode, year: i32, indicator: &str) -> Option<Decimal> {
        self.targets
            .get(&(entity.clone(), year, indicator.to_owned()))
            .copied()
    }
}

/// Traffic light of an indicator against its pro-rated target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Green,
    Yellow,
    Red,
    /// No target, or no value.
    None,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Yellow => "yellow",
            Status::Red => "red",
            Status::None => "none",
        }
    }
}

/// Where the value stands against the target, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub target: Decimal,
    /// The target pro-rated to the period (accruing indicators) or the target itself.
    pub expected: Decimal,
    /// value / target; `None` when the target is zero or the value unavailable.
    pub attainment: Option<Decimal>,
    pub status: Status,
    /// Tolerance of the yellow band.
    pub band: Decimal,
}

/// Judges a value against a full-year target for a period of `months` months (kpi.md).
pub fn assess(
    def: &IndicatorDef,
    value: Option<Decimal>,
    target: Decimal,
    months: u32,
) -> Assessment {
    let expected = if def.accrues {
        target * Decimal::from(months) / Decimal::from(12)
    } else {
        target
    };
    let band = def
        .band
        .unwrap_or_else(|| expected.abs() * Decimal::new(1, 1));
    let attainment = match value {
        Some(v) if !target.is_zero() => v.checked_div(target),
        _ => None,
    };
    let status = match value {
        None => Status::None,
        Some(v) => match def.better {
            Better::Higher if v >= expected => Status::Green,
            Better::Higher if v >= expected - band => Status::Yellow,
            Better::Lower if v <= expected => Status::Green,
            Better::Lower if v <= expected + band => Status::Yellow,
            // No direction: a target is shown, never judged.
            Better::Neither => Status::None,
            _ => Status::Red,
        },
    };
    Assessment {
        target,
        expected,
        attainment,
        status,
        band,
    }
}

/// How far (either way, in magnitude) a new target may be from what it is compared with before
/// it must be confirmed: a factor of 10. A unit slip is a power of ten (元 typed for 万元 is
/// 10 000×, a fraction typed for a percentage 100×), while real targets move by tens of percent.
pub const TARGET_SLIP_FACTOR: i64 = 10;

/// What a new target is compared with to catch a unit slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetReference {
    /// The indicator's actual value of the year before, December year to date.
    LastYearActual(Decimal),
    /// The target in force, which the new one replaces.
    InForce(Decimal),
}

impl TargetReference {
    pub fn value(self) -> Decimal {
        match self {
            TargetReference::LastYearActual(v) | TargetReference::InForce(v) => v,
        }
    }
}

/// The reference a new target is off from by [`TARGET_SLIP_FACTOR`] or more, if it is. The
/// reference is last year's actual, or without one (no data, or zero) the target in force: a
/// wrong target in force must not make its correction look wrong. A zero target (break even)
/// and a zero reference compare with nothing.
pub fn target_slip(
    value: Decimal,
    last_year_actual: Option<Decimal>,
    in_force: Option<Decimal>,
) -> Option<TargetReference> {
    let reference = match (last_year_actual, in_force) {
        (Some(actual), _) if !actual.is_zero() => TargetReference::LastYearActual(actual),
        (_, Some(target)) if !target.is_zero() => TargetReference::InForce(target),
        _ => return None,
    };
    let factor = Decimal::from(TARGET_SLIP_FACTOR);
    let (value, base) = (value.abs(), reference.value().abs());
    if value.is_zero() {
        return None;
    }
    // value ≥ 10 × base or value × 10 ≤ base, without dividing (and without overflowing).
    let far_above = base.checked_mul(factor).is_some_and(|b| value >= b);
    let far_below = value.checked_mul(factor).is_some_and(|v| v <= base);
    (far_above || far_below).then_some(reference)
}

/// Why there is no year-on-year change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YoyUnavailable {
    /// This period's value is unavailable.
    NoValue,
    /// Last year's value is unavailable.
    LastYear(Unavailable),
    /// A growth rate against zero.
    LastYearZero,
}

/// One indicator for an entity and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorResult {
    pub indicator: usize,
    pub value: Result<Decimal, Unavailable>,
    pub last_year: Result<Decimal, Unavailable>,
    pub yoy: Result<Decimal, YoyUnavailable>,
    /// value × 12 / months for indicators the regulator quotes annualised; `None` otherwise.
    pub annualised: Option<Decimal>,
    pub assessment: Option<Assessment>,
}

/// What the year's rule asks of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    Grows,
    /// May worsen by at most this much.
    Stable(Decimal),
    Improves,
}

/// One verdict of the year's rule with both values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVerdict {
    pub indicator: usize,
    pub requirement: Requirement,
    pub this: Option<Decimal>,
    pub last: Option<Decimal>,
    /// `None` when either value is unavailable.
    pub holds: Option<bool>,
}

/// "One grows, one stable, four improve" for an entity and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleResult {
    pub verdicts: Vec<RuleVerdict>,
    /// All hold: `Some(true)`; any fails: `Some(false)`; otherwise undecidable.
    pub holds: Option<bool>,
}

/// Everything the cockpit shows for one entity and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiReport {
    pub entity: EntityId,
    pub period: Period,
    pub indicators: Vec<IndicatorResult>,
    pub rule: RuleResult,
    /// Pay follows results, year to date (`None`: the catalogue has no such rule).
    pub wage_linkage: Option<WageLinkage>,
}

impl KpiReport {
    /// The result for an indicator id.
    pub fn get(&self, engine: &Engine, id: &str) -> Option<&IndicatorResult> {
        let index = engine.catalogue().indicator_index(id)?;
        self.indicators.iter().find(|r| r.indicator == index)
    }
}

fn improved(better: Better, this: Decimal, last: Decimal) -> bool {
    match better {
        Better::Higher => this > last,
        Better::Lower => this < last,
        // Refused in the rule when the catalogue is loaded.
        Better::Neither => false,
    }
}

impl Engine {
    /// Every indicator of the catalogue for an entity and period, with YoY, targets and the rule.
    pub fn kpi(&self, entity: EntityId, period: Period, targets: &TargetBook) -> KpiReport {
        let code = &self.tree().entity(entity).code;
        let indicators = self.indicator_results(
            period,
            &|period, index| self.evaluate(entity, period, index),
            &|def| targets.get(code, period.end.year(), &def.id),
        );
        let rule = self.judge_rule(&indicators);
        KpiReport {
            entity,
            period,
            indicators,
            rule,
            wage_linkage: self.wage_linkage(entity, period),
        }
    }

    /// The indicators of a set of units taken together ([`Engine::evaluate_units`]: a filtered
    /// subtotal, ratios from summed inputs), with YoY and the rule, under `within` (the entity
    /// the units were chosen from). Targets are set per entity, so a subtotal has none.
    pub fn kpi_of_units(&self, within: EntityId, units: &[EntityId], period: Period) -> KpiReport {
        let indicators = self.indicator_results(
            period,
            &|period, index| self.evaluate_units(units, period, index),
            &|_| None,
        );
        let rule = self.judge_rule(&indicators);
        KpiReport {
            entity: within,
            period,
            indicators,
            rule,
            wage_linkage: self.wage_linkage_of_units(units, period),
        }
    }

    /// Values, YoY, annualised values and assessments of every indicator, with the values read
    /// by `evaluate` (period, indicator) and the full-year targets by `target`.
    fn indicator_results(
        &self,
        period: Period,
        evaluate: &dyn Fn(Period, usize) -> Result<Decimal, Unavailable>,
        target: &dyn Fn(&IndicatorDef) -> Option<Decimal>,
    ) -> Vec<IndicatorResult> {
        let last_period = period.year_before();
        let months = period.month_count();
        self.catalogue()
            .indicators()
            .iter()
            .enumerate()
            .map(|(index, def)| {
                let value = evaluate(period, index);
                let last_year = match last_period {
                    Some(p) => evaluate(p, index),
                    None => Err(Unavailable::Missing {
                        item: String::new(),
                        months: vec![],
                        entities: vec![],
                    }),
                };
                let yoy = match (&value, &last_year) {
                    (Err(_), _) => Err(YoyUnavailable::NoValue),
                    (Ok(_), Err(e)) => Err(YoyUnavailable::LastYear(e.clone())),
                    (Ok(this), Ok(last)) => match def.kind {
                        IndicatorKind::Rate => Ok(*this - *last),
                        IndicatorKind::Amount if last.is_zero() => {
                            Err(YoyUnavailable::LastYearZero)
                        }
                        IndicatorKind::Amount => (*this - *last)
                            .checked_div(last.abs())
                            .ok_or(YoyUnavailable::LastYearZero),
                    },
                };
                let annualised = match (&value, def.annualise) {
                    (Ok(v), true) => v
                        .checked_mul(Decimal::from(12))
                        .and_then(|x| x.checked_div(Decimal::from(months))),
                    _ => None,
                };
                let assessment = target(def)
                    .map(|target| assess(def, value.as_ref().ok().copied(), target, months));
                IndicatorResult {
                    indicator: index,
                    value,
                    last_year,
                    yoy,
                    annualised,
                    assessment,
                }
            })
            .collect()
    }

    fn judge_rule(&self, results: &[IndicatorResult]) -> RuleResult {
        let rule = self.catalogue().rule();
        let mut wanted: Vec<(usize, Requirement)> = Vec::new();
        wanted.extend(rule.grows.iter().map(|&i| (i, Requirement::Grows)));
        wanted.extend(
            rule.stable
                .iter()
                .map(|s| (s.indicator, Requirement::Stable(s.max_rise))),
        );
        wanted.extend(rule.improve.iter().map(|&i| (i, Requirement::Improves)));
        let verdicts: Vec<RuleVerdict> = wanted
            .into_iter()
            .map(|(indicator, requirement)| {
                let result = results.iter().find(|r| r.indicator == indicator);
                let this = result.and_then(|r| r.value.as_ref().ok().copied());
                let last = result.and_then(|r| r.last_year.as_ref().ok().copied());
                let better = self.catalogue().indicator(indicator).better;
                let holds = match (this, last) {
                    (Some(this), Some(last)) => Some(match requirement {
                        Requirement::Grows | Requirement::Improves => improved(better, this, last),
                        Requirement::Stable(tolerance) => match better {
                            Better::Lower => this - last <= tolerance,
                            Better::Higher => last - this <= tolerance,
                            // Refused in the rule when the catalogue is loaded.
                            Better::Neither => false,
                        },
                    }),
                    _ => None,
                };
                RuleVerdict {
                    indicator,
                    requirement,
                    this,
                    last,
                    holds,
                }
            })
            .collect();
        let holds = if verdicts.iter().any(|v| v.holds == Some(false)) {
            Some(false)
        } else if verdicts.iter().all(|v| v.holds == Some(true)) {
            Some(true)
        } else {
            None
        };
        RuleResult { verdicts, holds }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_target_off_by_a_power_of_ten_is_caught() {
        // Labour productivity: last year 1,130,000 元/人 (113 万元/人).
        let actual = Some(d("1130000"));
        // 113.56 万元/人 typed right: 1,135,600, about last year's.
        assert_eq!(target_slip(d("1135600"), actual, None), None);
        // 113.56 typed as 元/人: 10,000 times too small.
        assert_eq!(
            target_slip(d("113.56"), actual, None),
            Some(TargetReference::LastYearActual(d("1130000")))
        );
        // 1,135,600 万元/人 stored as 11,356,000,000: 10,000 times too large.
        assert!(target_slip(d("11356000000"), actual, None).is_some());
        // The boundary: exactly ten times either way is caught, just inside is not.
        assert!(target_slip(d("11300000"), actual, None).is_some());
        assert!(target_slip(d("113000"), actual, None).is_some());
        assert_eq!(target_slip(d("11299999"), actual, None), None);
        assert_eq!(target_slip(d("113001"), actual, None), None);
        // A percentage typed as a fraction of a percent: 0.65 % for 65 %.
        assert!(target_slip(d("0.0065"), Some(d("0.62")), None).is_some());
        // A loss last year and a profit target: magnitudes are compared.
        assert_eq!(target_slip(d("2000000"), Some(d("-5000000")), None), None);
        // Without last year's actual, the target in force; a wrong one in force is not used
        // when there is an actual.
        assert!(target_slip(d("113.56"), None, Some(d("1100000"))).is_some());
        assert_eq!(target_slip(d("1135600"), actual, Some(d("113.56"))), None);
        assert_eq!(
            target_slip(d("113.56"), Some(Decimal::ZERO), Some(d("1100000"))),
            Some(TargetReference::InForce(d("1100000")))
        );
        // Nothing to compare with, or a zero target: no warning.
        assert_eq!(target_slip(d("113.56"), None, None), None);
        assert_eq!(target_slip(Decimal::ZERO, actual, None), None);
        assert!(target_slip(Decimal::MAX, actual, None).is_some());
    }

    #[test]
    fn status_bands_follow_kpi_md() {
        let catalogue = Catalogue::builtin().unwrap();
        let profit = catalogue.indicator(catalogue.indicator_index("total_profit").unwrap());
        // Target 1200 for the year, 3 months in: expected 300, band 30.
        let a = assess(profit, Some(d("300")), d("1200"), 3);
        assert_eq!(
            (a.expected, a.band, a.status),
            (d("300"), d("30"), Status::Green)
        );
        assert_eq!(a.attainment, Some(d("0.25")));
        assert_eq!(
            assess(profit, Some(d("270")), d("1200"), 3).status,
            Status::Yellow
        );
        assert_eq!(
            assess(profit, Some(d("269.99")), d("1200"), 3).status,
            Status::Red
        );
        assert_eq!(assess(profit, None, d("1200"), 3).status, Status::None);
        assert_eq!(assess(profit, Some(d("5")), d("0"), 3).attainment, None);
        let debt = catalogue.indicator(catalogue.indicator_index("asset_liability_ratio").unwrap());
        // Lower is better, absolute band of one point, not pro-rated.
        assert_eq!(
            assess(debt, Some(d("0.65")), d("0.65"), 3).status,
            Status::Green
        );
        assert_eq!(
            assess(debt, Some(d("0.66")), d("0.65"), 3).status,
            Status::Yellow
        );
        assert_eq!(
            assess(debt, Some(d("0.6601")), d("0.65"), 3).status,
            Status::Red
        );
        let rd = catalogue.indicator(catalogue.indicator_index("rd_intensity").unwrap());
        assert_eq!(
            assess(rd, Some(d("0.0162")), d("0.018"), 3).status,
            Status::Yellow
        );
    }
}
