//! Alarms on a stack's minute data, raised within the minute instead of a month later.
//!
//! Three parts, all pure (no IO, no clock: "now" is passed to [`StackMonitor::tick`]):
//! - [`rules`]: rule documents (TOML) per plant type, inherited by every stack of the type, with
//!   per-stack overrides, merged by [`effective`];
//! - [`StackMonitor`]: one stack's evaluator, fed minute readings and ticks, answering with
//!   edge-triggered [`AlarmEvent`]s (a condition that stays true raises once);
//! - [`AlarmState`]: the lifecycle a raised alarm goes through in the store.
//!
//! Hourly averages follow cems.md (valid flags N/S, O₂ correction with division last, 45 valid
//! corrected minutes) but are computed here from the open hour's sums, independently of the
//! compliance engine, so that a monitor keeps only a bounded state per stack.

pub mod anomaly;
mod lifecycle;
mod monitor;
pub mod rules;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use thiserror::Error;

pub use lifecycle::{AlarmState, LifecycleError, UnknownAlarmState};
pub use monitor::{MAX_TRACKED_CODES, StackMonitor};
pub use rules::{RuleError, RuleSet, Rules, effective, parse, to_toml};

/// What an alarm is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlarmKind {
    /// A closed hour's corrected average above the 1-hour limit.
    HourlyLimit,
    /// The open hour is heading above the 1-hour limit at the current rate.
    Trend,
    /// A factor has read the same value for too many minutes.
    Stuck,
    /// The stack has sent nothing for too many minutes.
    Missing,
    /// A reading carried an alarming flag (T, D).
    Flag,
    /// A closed day's average above the 24-hour limit: a violation day.
    DailyViolation,
    /// The anomaly detector found a reading unlike the factor's own normal ([`anomaly`]).
    Anomaly,
}

/// A kind text that is none of [`AlarmKind::as_str`]'s.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "unknown alarm kind {0:?} (expected hourly_limit, trend, stuck, missing, flag, daily_violation or anomaly)"
)]
pub struct UnknownAlarmKind(pub String);

impl AlarmKind {
    pub const ALL: [AlarmKind; 7] = [
        AlarmKind::HourlyLimit,
        AlarmKind::Trend,
        AlarmKind::Stuck,
        AlarmKind::Missing,
        AlarmKind::Flag,
        AlarmKind::DailyViolation,
        AlarmKind::Anomaly,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::HourlyLimit => "hourly_limit",
            AlarmKind::Trend => "trend",
            AlarmKind::Stuck => "stuck",
            AlarmKind::Missing => "missing",
            AlarmKind::Flag => "flag",
            AlarmKind::DailyViolation => "daily_violation",
            AlarmKind::Anomaly => "anomaly",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            AlarmKind::HourlyLimit => "小时均值超标",
            AlarmKind::Trend => "超标趋势预警",
            AlarmKind::Stuck => "数据恒值",
            AlarmKind::Missing => "数据缺失",
            AlarmKind::Flag => "数据标记异常",
            AlarmKind::DailyViolation => "日均值超标",
            AlarmKind::Anomaly => "智能检测异常",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            AlarmKind::HourlyLimit => "hourly limit exceeded",
            AlarmKind::Trend => "heading for the hourly limit",
            AlarmKind::Stuck => "stuck sensor",
            AlarmKind::Missing => "missing data",
            AlarmKind::Flag => "abnormal data flag",
            AlarmKind::DailyViolation => "daily limit exceeded",
            AlarmKind::Anomaly => "anomaly detected",
        }
    }
}

impl fmt::Display for AlarmKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlarmKind {
    type Err = UnknownAlarmKind;

    fn from_str(text: &str) -> Result<AlarmKind, UnknownAlarmKind> {
        AlarmKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| UnknownAlarmKind(text.to_owned()))
    }
}

/// A change of an alarm condition of one stack. An alarm is identified by (stack, kind, code):
/// `code` is the factor's standard code, `None` for stack-wide kinds (missing data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlarmEvent {
    /// The condition became true at `at`.
    Raise {
        kind: AlarmKind,
        code: Option<String>,
        at: NaiveDateTime,
        /// The value judged (average, projection, stuck or flagged reading), unrounded.
        value: Option<Decimal>,
        /// The line it was judged against, when there is one.
        limit: Option<Decimal>,
        message_zh: String,
        message_en: String,
    },
    /// The condition ended at `at`.
    Clear {
        kind: AlarmKind,
        code: Option<String>,
        at: NaiveDateTime,
    },
}

impl AlarmEvent {
    pub fn kind(&self) -> AlarmKind {
        match self {
            AlarmEvent::Raise { kind, .. } | AlarmEvent::Clear { kind, .. } => *kind,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            AlarmEvent::Raise { code, .. } | AlarmEvent::Clear { code, .. } => code.as_deref(),
        }
    }

    pub fn at(&self) -> NaiveDateTime {
        match self {
            AlarmEvent::Raise { at, .. } | AlarmEvent::Clear { at, .. } => *at,
        }
    }

    pub fn is_raise(&self) -> bool {
        matches!(self, AlarmEvent::Raise { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_their_names() {
        for kind in AlarmKind::ALL {
            assert_eq!(kind.as_str().parse::<AlarmKind>(), Ok(kind));
        }
        assert!("hourly".parse::<AlarmKind>().is_err());
    }
}
