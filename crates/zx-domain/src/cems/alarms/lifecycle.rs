//! What may happen to an alarm after it is raised: a person acknowledges it, the condition (or a
//! person) clears it. Who acknowledged, with which note, and the history are the store's; this
//! is only the rule that keeps the states consistent.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// The state of a raised alarm: active → acknowledged → cleared, or active → cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlarmState {
    /// Raised and not yet seen by anyone.
    Active,
    /// Someone has taken it on; the condition may still hold.
    Acknowledged,
    /// Over: the condition ended or someone closed it. Kept as history, never reopened.
    Cleared,
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum LifecycleError {
    #[error("the alarm is already {} ({}) and cannot be acknowledged", .0.as_str(), .0.name_zh())]
    CannotAcknowledge(AlarmState),
    #[error("the alarm is already cleared (已解除) and cannot be cleared again")]
    AlreadyCleared,
}

/// A state text that is none of `active`, `acknowledged`, `cleared`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown alarm state {0:?} (expected active, acknowledged or cleared)")]
pub struct UnknownAlarmState(pub String);

impl AlarmState {
    pub const ALL: [AlarmState; 3] = [
        AlarmState::Active,
        AlarmState::Acknowledged,
        AlarmState::Cleared,
    ];

    /// Only an active alarm can be acknowledged.
    pub fn acknowledge(self) -> Result<AlarmState, LifecycleError> {
        match self {
            AlarmState::Active => Ok(AlarmState::Acknowledged),
            other => Err(LifecycleError::CannotAcknowledge(other)),
        }
    }

    /// An active or acknowledged alarm can be cleared, once.
    pub fn clear(self) -> Result<AlarmState, LifecycleError> {
        match self {
            AlarmState::Active | AlarmState::Acknowledged => Ok(AlarmState::Cleared),
            AlarmState::Cleared => Err(LifecycleError::AlreadyCleared),
        }
    }

    /// Whether the alarm still needs attention (shown among current alarms).
    /// The state named `text` (`active`, `acknowledged`, `cleared`).
    pub fn parse(text: &str) -> Option<AlarmState> {
        AlarmState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_open(self) -> bool {
        self != AlarmState::Cleared
    }

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Active => "active",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::Cleared => "cleared",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            AlarmState::Active => "未处理",
            AlarmState::Acknowledged => "已确认",
            AlarmState::Cleared => "已解除",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            AlarmState::Active => "active",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::Cleared => "cleared",
        }
    }
}

impl fmt::Display for AlarmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlarmState {
    type Err = UnknownAlarmState;

    /// `active|acknowledged|cleared`, as stored.
    fn from_str(text: &str) -> Result<AlarmState, UnknownAlarmState> {
        AlarmState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| UnknownAlarmState(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_of_the_lifecycle() {
        use AlarmState::*;
        assert_eq!(Active.acknowledge(), Ok(Acknowledged));
        assert_eq!(Active.clear(), Ok(Cleared));
        assert_eq!(Acknowledged.clear(), Ok(Cleared));
        assert_eq!(
            Acknowledged.acknowledge(),
            Err(LifecycleError::CannotAcknowledge(Acknowledged))
        );
        assert_eq!(
            Cleared.acknowledge(),
            Err(LifecycleError::CannotAcknowledge(Cleared))
        );
        assert_eq!(Cleared.clear(), Err(LifecycleError::AlreadyCleared));
        for state in AlarmState::ALL {
            assert_eq!(state.as_str().parse::<AlarmState>(), Ok(state));
        }
        assert!("Active".parse::<AlarmState>().is_err());
        assert_eq!(Active.name_zh(), "未处理");
        assert_eq!(Cleared.name_en(), "cleared");
    }
}
