//! Data-quality events: parts of what a data logger sent that were not stored as sent, kept so
//! someone can see and fix them rather than lose them silently. The receiver stores the rest of
//! the frame and acknowledges it; each event names the stack, the minute, the key and the values
//! exactly as they came.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// What went wrong with one key of a frame. [`QualityKind::code`] is stable (logs, files, JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityKind {
    /// The key was sent more than once with different values (`w00000-Avg=66.09;…;w00000-Avg=
    /// 19796346.00`): neither is stored, both are kept in the event.
    ConflictingValues,
    /// The value is not a decimal number (`+12.5`, empty, `abc`).
    BadValue,
    /// The flag is not one HJ 212 defines: the factor's reading cannot be judged, so it is not
    /// stored.
    UnknownFlag,
    /// A number the minute store cannot keep exactly (more than 6 decimal places, or |value| ≥
    /// 10^12): refused rather than rounded.
    Unstorable,
    /// A minute already stored was sent again with another value or flag (a logger resending
    /// history after a correction): the new value is stored, the old one kept in the event.
    Revised,
}

impl QualityKind {
    pub const ALL: [QualityKind; 5] = [
        QualityKind::ConflictingValues,
        QualityKind::BadValue,
        QualityKind::UnknownFlag,
        QualityKind::Unstorable,
        QualityKind::Revised,
    ];

    pub fn code(self) -> &'static str {
        match self {
            QualityKind::ConflictingValues => "conflicting_values",
            QualityKind::BadValue => "bad_value",
            QualityKind::UnknownFlag => "unknown_flag",
            QualityKind::Unstorable => "unstorable_value",
            QualityKind::Revised => "revised",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            QualityKind::ConflictingValues => "同一编码多个值",
            QualityKind::BadValue => "数值无法识别",
            QualityKind::UnknownFlag => "标记无法识别",
            QualityKind::Unstorable => "数值超出存储精度",
            QualityKind::Revised => "补传改值",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            QualityKind::ConflictingValues => "one code, several values",
            QualityKind::BadValue => "unreadable value",
            QualityKind::UnknownFlag => "unknown flag",
            QualityKind::Unstorable => "value beyond storable precision",
            QualityKind::Revised => "resent with another value",
        }
    }
}

/// One data-quality event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityEvent {
    /// When the frame arrived.
    pub received_at: DateTime<Utc>,
    pub mn: String,
    /// The frame's `DataTime` (China time), seconds kept as sent.
    pub minute: NaiveDateTime,
    /// The key as sent (`w00000-Avg`).
    pub key: String,
    pub kind: QualityKind,
    /// The values as sent, in the order they came (for [`QualityKind::Revised`]: the stored one,
    /// then the new one, each as `value flag`).
    pub values: Vec<String>,
}
