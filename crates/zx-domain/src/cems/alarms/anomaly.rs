//! Alarms of the anomaly detector: what people read when a factor leaves its own normal.
//!
//! The detector itself (`zx-anomaly`, scores in floating point) runs beside the stack monitors
//! in the server; this module only names what it found, so that its alarms read like the rule
//! alarms and go through the same record, acknowledge and clear flow (kind `anomaly`, one open
//! alarm per stack and factor).

use chrono::NaiveDateTime;
use rust_decimal::Decimal;

use super::monitor::{factor_names, show};
use super::{AlarmEvent, AlarmKind};
use crate::cems::{FactorMap, Standard};

/// What the detector saw in a factor's readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnomalyFinding {
    /// The same reading far longer than the factor ever repeated itself.
    Stuck,
    /// Readings moving out of the factor's range and on (a drifting analyser, or a real change).
    Drift,
    /// A stretch of readings unlike anything the factor has done.
    Pattern,
}

impl AnomalyFinding {
    pub fn name_zh(self) -> &'static str {
        match self {
            AnomalyFinding::Stuck => "读数异常恒定，疑似传感器卡滞",
            AnomalyFinding::Drift => "读数持续偏离以往范围，疑似分析仪漂移",
            AnomalyFinding::Pattern => "读数走势异于以往规律",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            AnomalyFinding::Stuck => {
                "reads one value far longer than ever before: the sensor may be stuck"
            }
            AnomalyFinding::Drift => {
                "keeps moving beyond its usual range: the analyser may be drifting"
            }
            AnomalyFinding::Pattern => "behaves unlike its own history",
        }
    }
}

/// The alarm raised when the detector finds `finding` in stack `mn`'s factor `code` at `at`,
/// reading `value`. No limit: the line crossed is the factor's own history, not a standard's.
pub fn raise(
    mn: &str,
    standard: &Standard,
    factors: &FactorMap,
    code: &str,
    finding: AnomalyFinding,
    at: NaiveDateTime,
    value: Decimal,
) -> AlarmEvent {
    let (zh, en, unit) = factor_names(standard, factors, code);
    AlarmEvent::Raise {
        kind: AlarmKind::Anomaly,
        code: Some(code.to_owned()),
        at,
        value: Some(value),
        limit: None,
        message_zh: format!(
            "{mn} {zh}{}（{} {unit}，智能检测）",
            finding.name_zh(),
            show(value)
        ),
        message_en: format!(
            "{mn} {en} {} ({} {unit}, anomaly detector)",
            finding.name_en(),
            show(value)
        ),
    }
}

/// The end of the factor's anomaly at `at`.
pub fn clear(code: &str, at: NaiveDateTime) -> AlarmEvent {
    AlarmEvent::Clear {
        kind: AlarmKind::Anomaly,
        code: Some(code.to_owned()),
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_drift_names_the_stack_the_factor_and_the_reading() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 6)
            .and_then(|d| d.and_hms_opt(8, 15, 0))
            .unwrap();
        let event = raise(
            "88888880000001",
            &Standard::gb18485_2014(),
            &FactorMap::default(),
            "a21002",
            AnomalyFinding::Drift,
            at,
            "401.25".parse().unwrap(),
        );
        let AlarmEvent::Raise {
            kind,
            code,
            message_zh,
            message_en,
            limit,
            ..
        } = event
        else {
            panic!("a raise");
        };
        assert_eq!(kind, AlarmKind::Anomaly);
        assert_eq!(code.as_deref(), Some("a21002"));
        assert_eq!(limit, None);
        assert_eq!(
            message_zh,
            "88888880000001 氮氧化物读数持续偏离以往范围，疑似分析仪漂移（401.250 mg/m³，智能检测）"
        );
        assert_eq!(
            message_en,
            "88888880000001 NOx (as NO₂) keeps moving beyond its usual range: the analyser may be drifting (401.250 mg/m³, anomaly detector)"
        );
    }
}
