//! Alarm rules as data: a TOML document per plant type (segment) that every stack of the type
//! inherits, and a document of the same shape per stack that overrides it field by field.
//!
//! A [`RuleSet`] is what a file says (every field optional, so a template and an override are the
//! same type and a file can be exported and imported unchanged); [`Rules`] is what a stack runs
//! with after [`effective`] has merged the two over the built-in defaults.

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use thiserror::Error;

use crate::cems::Flag;

/// The built-in template of the waste-to-energy segment (the defaults below, as a file).
pub const WASTE_TO_ENERGY_TOML: &str = include_str!("../../../alarm-rules/waste-to-energy.toml");

/// Default minutes a tick waits after an hour's end for late readings before closing it.
pub const DEFAULT_GRACE_MINUTES: u32 = 2;
/// Default number of latest valid minutes whose mean is the trend's rate.
pub const DEFAULT_TREND_WINDOW: u32 = 10;
/// Default valid minutes an open hour needs before its trend is judged.
pub const DEFAULT_TREND_MIN_MINUTES: u32 = 15;
/// Default consecutive equal readings that make a sensor stuck.
pub const DEFAULT_STUCK_MINUTES: u32 = 30;
/// Default minutes without any reading that make a stack's data missing.
pub const DEFAULT_MISSING_MINUTES: u32 = 10;
/// Default flags that raise a flag alarm: over range and fault.
pub const DEFAULT_ALARM_FLAGS: [Flag; 2] = [Flag::T, Flag::D];

/// One alarm-rule document (a segment's template or a stack's override). Absent fields inherit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The plant type the template is for ("waste-to-energy", "water"); informative in overrides.
    pub segment: Option<String>,
    /// Minutes after an hour's end a tick waits for late readings before closing the hour.
    pub grace_minutes: Option<u32>,
    pub hourly_limit: Option<HourlyLimitSection>,
    pub trend: Option<TrendSection>,
    pub stuck: Option<StuckSection>,
    pub missing: Option<MissingSection>,
    pub flag: Option<FlagSection>,
    pub daily_violation: Option<DailyViolationSection>,
}

/// `[hourly_limit]`: a closed hour's average above the standard's 1-hour limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HourlyLimitSection {
    pub enabled: Option<bool>,
}

/// `[trend]`: the open hour's projected mean above `ratio` × the 1-hour limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendSection {
    pub enabled: Option<bool>,
    pub window: Option<u32>,
    /// Written as a string (`"0.9"`) so it stays exact; a bare TOML number is accepted too.
    #[serde(default, deserialize_with = "optional_decimal")]
    pub ratio: Option<Decimal>,
    pub min_minutes: Option<u32>,
}

/// `[stuck]`: the same value in `minutes` consecutive valid readings of a factor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StuckSection {
    pub enabled: Option<bool>,
    pub minutes: Option<u32>,
}

/// `[missing]`: no reading from the stack for `minutes` minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingSection {
    pub enabled: Option<bool>,
    pub minutes: Option<u32>,
}

/// `[flag]`: a reading with one of `flags`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagSection {
    pub enabled: Option<bool>,
    pub flags: Option<Vec<Flag>>,
}

/// `[daily_violation]`: a closed day's average above the standard's 24-hour limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyViolationSection {
    pub enabled: Option<bool>,
}

/// The rules one stack runs with: every field decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub grace_minutes: u32,
    pub hourly_limit: HourlyLimitRule,
    pub trend: TrendRule,
    pub stuck: StuckRule,
    pub missing: MissingRule,
    pub flag: FlagRule,
    pub daily_violation: DailyViolationRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourlyLimitRule {
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendRule {
    pub enabled: bool,
    pub window: u32,
    pub ratio: Decimal,
    pub min_minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StuckRule {
    pub enabled: bool,
    pub minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingRule {
    pub enabled: bool,
    pub minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRule {
    pub enabled: bool,
    pub flags: BTreeSet<Flag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyViolationRule {
    pub enabled: bool,
}

impl Default for Rules {
    /// The built-in defaults, the same as `alarm-rules/waste-to-energy.toml`.
    fn default() -> Self {
        effective(None, None)
    }
}

/// A rule document that cannot be used, naming the line, field and value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    /// Not TOML, an unknown field, or a value of the wrong type.
    #[error("alarm rules{}: {message}", locate(*.line, .field.as_deref()))]
    Syntax {
        line: Option<usize>,
        /// Dotted path of the field (`trend.window`) when it could be told.
        field: Option<String>,
        message: String,
    },
    /// A value of the right type outside what the rule allows.
    #[error("alarm rules: {field} = {value}: {reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    /// A segment with no built-in template.
    #[error("no built-in alarm rules for segment {0:?} (built in: waste-to-energy)")]
    UnknownSegment(String),
}

fn locate(line: Option<usize>, field: Option<&str>) -> String {
    match (line, field) {
        (Some(line), Some(field)) => format!(", line {line}, field {field}"),
        (Some(line), None) => format!(", line {line}"),
        (None, Some(field)) => format!(", field {field}"),
        (None, None) => String::new(),
    }
}

/// Reads a rule document and checks every value's range.
pub fn parse(text: &str) -> Result<RuleSet, RuleError> {
    let rules: RuleSet = toml::from_str(text).map_err(|error| {
        let (line, field) = match error.span() {
            Some(span) => field_at(text, span.start),
            None => (None, None),
        };
        RuleError::Syntax {
            line,
            field,
            message: error.message().trim().to_owned(),
        }
    })?;
    rules.validate()?;
    Ok(rules)
}

/// The built-in template of a segment.
pub fn builtin(segment: &str) -> Result<RuleSet, RuleError> {
    match segment {
        "waste-to-energy" => parse(WASTE_TO_ENERGY_TOML),
        other => Err(RuleError::UnknownSegment(other.to_owned())),
    }
}

/// The line (1-based) and dotted field path at a byte offset of a TOML text, found from the
/// nearest `[table]` header above and the key on that line, so a type error names its field.
fn field_at(text: &str, offset: usize) -> (Option<usize>, Option<String>) {
    let offset = offset.min(text.len());
    let Some(before) = text.get(..offset) else {
        return (None, None);
    };
    let line_number = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let header = |line: &str| {
        let line = line.trim();
        line.strip_prefix('[')
            .and_then(|rest| rest.split(']').next())
            .map(|name| name.trim().to_owned())
    };
    if let Some(table) = header(line) {
        return (Some(line_number), Some(table));
    }
    let key = line
        .split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"').to_owned());
    let table = text[..line_start].lines().rev().find_map(header);
    let field = match (table, key) {
        (Some(table), Some(key)) => Some(format!("{table}.{key}")),
        (None, Some(key)) => Some(key),
        (Some(table), None) => Some(table),
        (None, None) => None,
    };
    (Some(line_number), field)
}

fn invalid(field: &'static str, value: impl fmt::Display, reason: &'static str) -> RuleError {
    RuleError::Invalid {
        field,
        value: value.to_string(),
        reason,
    }
}

fn check_range(
    field: &'static str,
    value: Option<u32>,
    low: u32,
    high: u32,
    reason: &'static str,
) -> Result<(), RuleError> {
    match value {
        Some(v) if v < low || v > high => Err(invalid(field, v, reason)),
        _ => Ok(()),
    }
}

impl RuleSet {
    /// The checks [`parse`] applies; a document built in code can be checked the same way.
    pub fn validate(&self) -> Result<(), RuleError> {
        check_range(
            "grace_minutes",
            self.grace_minutes,
            0,
            60,
            "must be 0 to 60 minutes",
        )?;
        if let Some(trend) = &self.trend {
            check_range(
                "trend.window",
                trend.window,
                1,
                60,
                "must be 1 to 60 minutes",
            )?;
            check_range(
                "trend.min_minutes",
                trend.min_minutes,
                1,
                60,
                "must be 1 to 60 minutes",
            )?;
            if let Some(ratio) = trend.ratio
                && ratio <= Decimal::ZERO
            {
                return Err(invalid("trend.ratio", ratio, "must be above 0"));
            }
        }
        if let Some(stuck) = &self.stuck {
            check_range(
                "stuck.minutes",
                stuck.minutes,
                2,
                1440,
                "must be 2 to 1440 minutes",
            )?;
        }
        if let Some(missing) = &self.missing {
            check_range(
                "missing.minutes",
                missing.minutes,
                1,
                1440,
                "must be 1 to 1440 minutes",
            )?;
        }
        if let Some(flags) = self.flag.as_ref().and_then(|f| f.flags.as_ref())
            && let Some(valid) = flags.iter().find(|flag| flag.is_valid())
        {
            return Err(invalid(
                "flag.flags",
                valid,
                "N and S mark valid data and cannot raise a flag alarm",
            ));
        }
        Ok(())
    }
}

/// Writes a rule document back as TOML that [`parse`] reads to an equal [`RuleSet`]
/// (the export half of import/export). Only the fields the document sets are written.
pub fn to_toml(rules: &RuleSet) -> String {
    let mut out = String::new();
    if let Some(segment) = &rules.segment {
        let _ = writeln!(out, "segment = {}", quote(segment));
    }
    if let Some(grace) = rules.grace_minutes {
        let _ = writeln!(out, "grace_minutes = {grace}");
    }
    let mut section = |name: &str, fields: Vec<(&str, Option<String>)>| {
        let _ = writeln!(out, "\n[{name}]");
        for (key, value) in fields {
            if let Some(value) = value {
                let _ = writeln!(out, "{key} = {value}");
            }
        }
    };
    let number = |v: Option<u32>| v.map(|v| v.to_string());
    let boolean = |v: Option<bool>| v.map(|v| v.to_string());
    if let Some(s) = &rules.hourly_limit {
        section("hourly_limit", vec![("enabled", boolean(s.enabled))]);
    }
    if let Some(s) = &rules.trend {
        section(
            "trend",
            vec![
                ("enabled", boolean(s.enabled)),
                ("window", number(s.window)),
                ("ratio", s.ratio.map(|r| quote(&r.to_string()))),
                ("min_minutes", number(s.min_minutes)),
            ],
        );
    }
    if let Some(s) = &rules.stuck {
        section(
            "stuck",
            vec![
                ("enabled", boolean(s.enabled)),
                ("minutes", number(s.minutes)),
            ],
        );
    }
    if let Some(s) = &rules.missing {
        section(
            "missing",
            vec![
                ("enabled", boolean(s.enabled)),
                ("minutes", number(s.minutes)),
            ],
        );
    }
    if let Some(s) = &rules.flag {
        let flags = s.flags.as_ref().map(|flags| {
            let items: Vec<String> = flags.iter().map(|f| quote(f.as_str())).collect();
            format!("[{}]", items.join(", "))
        });
        section(
            "flag",
            vec![("enabled", boolean(s.enabled)), ("flags", flags)],
        );
    }
    if let Some(s) = &rules.daily_violation {
        section("daily_violation", vec![("enabled", boolean(s.enabled))]);
    }
    out
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The rules a stack runs with: each field from the stack's override if it sets it, else from
/// its segment's template, else the built-in default.
pub fn effective(template: Option<&RuleSet>, overrides: Option<&RuleSet>) -> Rules {
    let layers = [overrides, template];
    let pick = |get: &dyn Fn(&RuleSet) -> Option<u32>| layers.iter().flatten().find_map(|r| get(r));
    let enabled = |get: &dyn Fn(&RuleSet) -> Option<bool>| {
        layers.iter().flatten().find_map(|r| get(r)).unwrap_or(true)
    };
    Rules {
        grace_minutes: pick(&|r| r.grace_minutes).unwrap_or(DEFAULT_GRACE_MINUTES),
        hourly_limit: HourlyLimitRule {
            enabled: enabled(&|r| r.hourly_limit.as_ref()?.enabled),
        },
        trend: TrendRule {
            enabled: enabled(&|r| r.trend.as_ref()?.enabled),
            window: pick(&|r| r.trend.as_ref()?.window).unwrap_or(DEFAULT_TREND_WINDOW),
            ratio: layers
                .iter()
                .flatten()
                .find_map(|r| r.trend.as_ref()?.ratio)
                .unwrap_or(Decimal::ONE),
            min_minutes: pick(&|r| r.trend.as_ref()?.min_minutes)
                .unwrap_or(DEFAULT_TREND_MIN_MINUTES),
        },
        stuck: StuckRule {
            enabled: enabled(&|r| r.stuck.as_ref()?.enabled),
            minutes: pick(&|r| r.stuck.as_ref()?.minutes).unwrap_or(DEFAULT_STUCK_MINUTES),
        },
        missing: MissingRule {
            enabled: enabled(&|r| r.missing.as_ref()?.enabled),
            minutes: pick(&|r| r.missing.as_ref()?.minutes).unwrap_or(DEFAULT_MISSING_MINUTES),
        },
        flag: FlagRule {
            enabled: enabled(&|r| r.flag.as_ref()?.enabled),
            flags: layers
                .iter()
                .flatten()
                .find_map(|r| r.flag.as_ref()?.flags.as_ref())
                .map_or_else(
                    || DEFAULT_ALARM_FLAGS.into_iter().collect(),
                    |flags| flags.iter().copied().collect(),
                ),
        },
        daily_violation: DailyViolationRule {
            enabled: enabled(&|r| r.daily_violation.as_ref()?.enabled),
        },
    }
}

/// A decimal written as a TOML string (exact) or, for convenience, a bare number.
fn optional_decimal<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    struct DecimalVisitor;

    impl Visitor<'_> for DecimalVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal number such as \"0.9\"")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Decimal, E> {
            text.trim()
                .parse()
                .map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(value))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(value))
        }

        // A bare TOML float: its shortest round-trip text is what the user wrote (0.9 -> "0.9").
        fn visit_f64<E: de::Error>(self, value: f64) -> Result<Decimal, E> {
            value
                .to_string()
                .parse()
                .map_err(|_| E::invalid_value(de::Unexpected::Float(value), &self))
        }
    }

    deserializer.deserialize_any(DecimalVisitor).map(Some)
}
