//! How values are written in an archive: the same text both backends store or produce.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use zx_domain::measures::ReminderReason;
use zx_domain::{Basis, Decimal, EntityCode, EntityKind, MeasureStatus, Month, Role};

use crate::{AlarmState, PeriodState};

/// How a value is written in an archive, and read back with every check: the same text both
/// backends store or produce.
pub trait ArchiveText: Sized {
    fn to_text(&self) -> String;
    fn from_text(text: &str) -> Result<Self, String>;
}

impl ArchiveText for EntityCode {
    fn to_text(&self) -> String {
        self.as_str().to_owned()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        let code = EntityCode::parse(text).map_err(|e| format!("entity code \"{text}\": {e}"))?;
        if code.as_str() != text {
            return Err(format!("entity code \"{text}\" has surrounding spaces"));
        }
        Ok(code)
    }
}

impl ArchiveText for Month {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        Month::parse(text).map_err(|e| format!("month \"{text}\": {e}"))
    }
}

impl ArchiveText for Decimal {
    fn to_text(&self) -> String {
        // PostgreSQL's NUMERIC has no negative zero: write every zero without a sign, so both
        // backends give the same text.
        let mut value = *self;
        if value.is_zero() {
            value.set_sign_positive(true);
        }
        value.to_string()
    }
    /// Exact: the text must be what [`ArchiveText::to_text`] gives for the value it parses to,
    /// so a value that would be rounded (more than 28 digits) or written oddly is refused.
    fn from_text(text: &str) -> Result<Self, String> {
        let value = Decimal::from_str(text).map_err(|e| format!("decimal \"{text}\": {e}"))?;
        if value.to_text() != text {
            return Err(format!(
                "decimal \"{text}\" is not written exactly as {} (no exponent, no '+', no rounding)",
                value.to_text()
            ));
        }
        Ok(value)
    }
}

impl ArchiveText for DateTime<Utc> {
    fn to_text(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::Micros, true)
    }
    fn from_text(text: &str) -> Result<Self, String> {
        let at = DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("time \"{text}\": {e}"))?;
        if at.timestamp_subsec_nanos() % 1000 != 0 {
            return Err(format!(
                "time \"{text}\" is more precise than a microsecond, which no backend keeps"
            ));
        }
        Ok(at)
    }
}

impl ArchiveText for NaiveDate {
    fn to_text(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| format!("date \"{text}\": {e}"))?;
        if date.to_text() != text {
            return Err(format!("date \"{text}\" is not written as YYYY-MM-DD"));
        }
        Ok(date)
    }
}

/// Exactly the stored name (`due_soon`).
impl ArchiveText for ReminderReason {
    fn to_text(&self) -> String {
        self.as_str().to_owned()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        ReminderReason::parse(text)
            .ok_or_else(|| format!("notification reason \"{text}\" is not known"))
    }
}

/// Exactly the stored name (`in_progress`), not the looser forms a list file may use.
impl ArchiveText for MeasureStatus {
    fn to_text(&self) -> String {
        self.as_str().to_owned()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        MeasureStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("measure status \"{text}\" is not known"))
    }
}

macro_rules! text_via_str {
    ($($type:ty => $what:literal),* $(,)?) => {
        $(
            impl ArchiveText for $type {
                fn to_text(&self) -> String {
                    self.as_str().to_owned()
                }
                fn from_text(text: &str) -> Result<Self, String> {
                    <$type>::parse(text).ok_or_else(|| format!("{} \"{text}\" is not known", $what))
                }
            }
        )*
    };
}

text_via_str!(
    Basis => "basis",
    Role => "role",
    EntityKind => "entity kind",
    PeriodState => "period state",
    AlarmState => "alarm state",
);

/// `#[serde(with = "text")]`: a value as its [`ArchiveText`].
pub(super) mod text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::ArchiveText;

    pub fn serialize<T: ArchiveText, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_text())
    }

    pub fn deserialize<'de, T: ArchiveText, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        T::from_text(&text).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "optional_text")]`: `null` or a value as its [`ArchiveText`].
pub(super) mod optional_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::ArchiveText;

    pub fn serialize<T: ArchiveText, S: Serializer>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => s.serialize_str(&value.to_text()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: ArchiveText, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<std::borrow::Cow<'de, str>>::deserialize(d)?
            .map(|text| T::from_text(&text).map_err(D::Error::custom))
            .transpose()
    }
}

/// `#[serde(with = "base64_bytes")]`: bytes as base64 text.
pub(super) mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("content is not base64: {e}")))
    }
}
