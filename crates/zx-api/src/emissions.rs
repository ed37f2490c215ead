//! Stack emissions: the registered stacks (passwords masked), the stored alarm rule files, the
//! verdicts of `zx cems check` and the report of `zx simulate hj212`.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::cems::compliance::{DayCompliance, FactorDay, StackCompliance, output_value};
use zx_store::{RuleSetDoc, StoredStack};

/// How a data logger's password is shown: never.
pub const PASSWORD_MASK: &str = "******";

fn seconds(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A stack as `zx stack list --format json` shows it: the password masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct StackJson {
    pub mn: String,
    pub entity: String,
    pub name: String,
    /// Always [`PASSWORD_MASK`].
    pub password: &'static str,
    pub standard: String,
    pub oxygen_code: String,
    pub furnace_code: String,
    pub aliases: BTreeMap<String, String>,
    pub active: bool,
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&StoredStack> for StackJson {
    fn from(s: &StoredStack) -> Self {
        StackJson {
            mn: s.stack.mn.clone(),
            entity: s.stack.entity.as_str().to_owned(),
            name: s.stack.name.clone(),
            password: PASSWORD_MASK,
            standard: s.stack.standard.clone(),
            oxygen_code: s.stack.factors.oxygen.clone(),
            furnace_code: s.stack.factors.furnace_temperature.clone(),
            aliases: s.stack.factors.aliases.clone(),
            active: s.active,
            revision: s.revision,
            created_at: seconds(s.created_at),
            updated_at: seconds(s.updated_at),
        }
    }
}

/// A stored rule file as `zx stack rules list --format json` shows it (without its body).
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleSetJson {
    pub scope: String,
    pub revision: i64,
    pub updated_by: String,
    pub updated_at: String,
}

impl From<&RuleSetDoc> for RuleSetJson {
    fn from(d: &RuleSetDoc) -> Self {
        RuleSetJson {
            scope: d.scope.clone(),
            revision: d.revision,
            updated_by: d.updated_by.clone(),
            updated_at: seconds(d.updated_at),
        }
    }
}

/// `zx cems check --format json`, a contract: `{"stacks":{MN:{"days":{DAY:{"factors":{CODE:{
/// "daily_avg","day_exceeded","hour_exceedances","hourly","valid_hours"}},"furnace_low_5min",
/// "violation"}}}}}`. Structs list their fields in alphabetical order and maps are `BTreeMap`s,
/// so every object's keys are sorted whatever serde_json's features; averages are strings
/// rounded to 3 places (`null` without a valid average), all 24 hours listed.
#[derive(Debug, Serialize)]
pub struct CheckJson<'a> {
    pub stacks: BTreeMap<&'a str, CheckStackJson>,
}

/// One stack's judged days.
#[derive(Debug, Serialize)]
pub struct CheckStackJson {
    pub days: BTreeMap<String, CheckDayJson>,
}

/// One stack-day.
#[derive(Debug, Serialize)]
pub struct CheckDayJson {
    pub factors: BTreeMap<String, CheckFactorJson>,
    pub furnace_low_5min: u32,
    pub violation: bool,
}

/// One factor's day.
#[derive(Debug, Serialize)]
pub struct CheckFactorJson {
    pub daily_avg: Option<String>,
    pub day_exceeded: bool,
    pub hour_exceedances: Vec<String>,
    pub hourly: BTreeMap<String, Option<String>>,
    pub valid_hours: u32,
}

/// An hour of the day as the contract names it: `00` … `23`.
pub fn hour_key(hour: usize) -> String {
    format!("{hour:02}")
}

impl From<&FactorDay> for CheckFactorJson {
    fn from(factor: &FactorDay) -> Self {
        CheckFactorJson {
            daily_avg: factor.daily_average.map(output_value),
            day_exceeded: factor.day_exceeded,
            hour_exceedances: factor
                .hour_exceedances
                .iter()
                .map(|&hour| hour_key(hour as usize))
                .collect(),
            hourly: factor
                .hourly
                .iter()
                .enumerate()
                .map(|(hour, average)| (hour_key(hour), average.average.map(output_value)))
                .collect(),
            valid_hours: factor.valid_hours,
        }
    }
}

impl From<&DayCompliance> for CheckDayJson {
    fn from(day: &DayCompliance) -> Self {
        CheckDayJson {
            factors: day
                .factors
                .iter()
                .map(|(code, factor)| (code.clone(), CheckFactorJson::from(factor)))
                .collect(),
            furnace_low_5min: day.furnace_low_5min,
            violation: day.violation,
        }
    }
}

impl<'a> CheckJson<'a> {
    /// The verdicts of `(MN, result)` pairs.
    pub fn new(verdicts: &[(&'a str, &StackCompliance)]) -> Self {
        CheckJson {
            stacks: verdicts
                .iter()
                .map(|(mn, result)| {
                    let days = result
                        .days
                        .iter()
                        .map(|(date, day)| (date.to_string(), CheckDayJson::from(day)))
                        .collect();
                    (*mn, CheckStackJson { days })
                })
                .collect(),
        }
    }
}

/// `zx simulate hj212 --format json`: what was sent and acknowledged, and how fast.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimulationJson {
    pub to: String,
    pub stacks: u32,
    pub minutes: u32,
    /// The first minute, China time, `YYYY-MM-DDThh:mm`.
    pub start: String,
    pub frames_sent: u64,
    pub acks_received: u64,
    pub unexpected_replies: u64,
    pub elapsed_seconds: f64,
    pub frames_per_second: f64,
}
