//! Stack emissions (CEMS): the vocabulary shared by the HJ 212 receiver, the minute-data store,
//! the compliance engine and the alarms.
//!
//! The rules are `shared/reference/cems.md`: a minute reading has a flag that makes it valid or
//! not, pollutants are corrected to the standard's reference O₂, hours need 45 valid minutes and
//! days 20 valid hours, and a standard's limits are data ([`Standard`]), never code.
//! Everything here is pure: no IO, no clock.

pub mod alarms;
pub mod compliance;
pub mod quality;
pub mod status;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// HJ 212 code of the measured O₂ (%), the reading every pollutant is corrected with.
pub const OXYGEN_CODE: &str = "a19001";
/// The factor code a stack reports its furnace temperature under unless its map says otherwise.
pub const DEFAULT_FURNACE_CODE: &str = "furnace_temp";

/// The data flag of a reading (HJ 212-2017 §6.6.4, Table 8, plus HJ/T 212-2005's `P`).
///
/// Only `N` (normal) and `S` (set value) make a reading valid; every other flag, including ones
/// this code does not know, makes it invalid, so an unexpected flag can never count as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Flag {
    /// 正常: the instrument works normally.
    N,
    /// 手工输入的设定值: a value set by hand.
    S,
    /// 停运: the instrument (or, in 2005, the source) is stopped.
    F,
    /// 维护: maintenance.
    M,
    /// 故障: fault.
    D,
    /// 校准: calibration.
    C,
    /// 超测上限: above the measuring range.
    T,
    /// 通讯异常: communication failure between instrument and data logger.
    B,
    /// HJ/T 212-2005 电源故障: power failure.
    P,
}

impl Flag {
    pub const ALL: [Flag; 9] = [
        Flag::N,
        Flag::S,
        Flag::F,
        Flag::M,
        Flag::D,
        Flag::C,
        Flag::T,
        Flag::B,
        Flag::P,
    ];

    /// Whether a reading with this flag counts towards averages (cems.md step 2).
    pub fn is_valid(self) -> bool {
        matches!(self, Flag::N | Flag::S)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::N => "N",
            Flag::S => "S",
            Flag::F => "F",
            Flag::M => "M",
            Flag::D => "D",
            Flag::C => "C",
            Flag::T => "T",
            Flag::B => "B",
            Flag::P => "P",
        }
    }

    /// The flag as one byte, for compact storage.
    pub fn as_byte(self) -> u8 {
        self.as_str().as_bytes()[0]
    }

    pub fn from_byte(byte: u8) -> Option<Flag> {
        Flag::ALL.into_iter().find(|flag| flag.as_byte() == byte)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Flag::N => "正常",
            Flag::S => "设定值",
            Flag::F => "停运",
            Flag::M => "维护",
            Flag::D => "故障",
            Flag::C => "校准",
            Flag::T => "超测上限",
            Flag::B => "通讯异常",
            Flag::P => "电源故障",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Flag::N => "normal",
            Flag::S => "set value",
            Flag::F => "stopped",
            Flag::M => "maintenance",
            Flag::D => "fault",
            Flag::C => "calibration",
            Flag::T => "over range",
            Flag::B => "communication failure",
            Flag::P => "power failure",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A flag text that is not one of HJ 212's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown data flag {0:?} (expected one of N, S, F, M, D, C, T, B, P)")]
pub struct UnknownFlag(pub String);

impl FromStr for Flag {
    type Err = UnknownFlag;

    fn from_str(text: &str) -> Result<Flag, UnknownFlag> {
        match text.as_bytes() {
            [byte] => Flag::from_byte(*byte).ok_or_else(|| UnknownFlag(text.to_owned())),
            _ => Err(UnknownFlag(text.to_owned())),
        }
    }
}

/// One factor's value of one stack in one minute, as a data logger reports it (CN 2051 `-Avg`)
/// and as the minute CSV `time,mn,code,value,flag` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinuteReading {
    /// The stack's data-logger id (HJ 212 `MN`).
    pub mn: String,
    /// The minute, local time (Asia/Shanghai), seconds zero.
    pub minute: NaiveDateTime,
    /// HJ 212 factor code (`a21002`) or a stack-mapped name (`furnace_temp`).
    pub code: String,
    /// Measured value, exactly as sent.
    pub value: Decimal,
    pub flag: Flag,
}

/// Which codes of a stack's readings mean what. A data logger may send a pollutant under a
/// vendor code; `aliases` maps such a code to the standard's (`"NOX" -> "a21002"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorMap {
    /// The code of the measured O₂ (%).
    pub oxygen: String,
    /// The code of the furnace temperature (°C), judged by the 850 °C rule.
    pub furnace_temperature: String,
    /// Sent code → standard code.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
}

impl Default for FactorMap {
    fn default() -> Self {
        FactorMap {
            oxygen: OXYGEN_CODE.to_owned(),
            furnace_temperature: DEFAULT_FURNACE_CODE.to_owned(),
            aliases: BTreeMap::new(),
        }
    }
}

impl FactorMap {
    /// The aliases as `sent=standard`, in code order: the form `zx stack import`'s `aliases`
    /// column reads back, joined by `;`.
    pub fn alias_pairs(&self) -> Vec<String> {
        self.aliases
            .iter()
            .map(|(sent, standard)| format!("{sent}={standard}"))
            .collect()
    }

    /// The standard's code for a code as sent.
    pub fn canonical<'a>(&'a self, sent: &'a str) -> &'a str {
        self.aliases.get(sent).map_or(sent, String::as_str)
    }
}

/// A stack (flue, 烟囱/排放口) of a plant, as registered: its data logger's MN and password,
/// the standard it is judged by and what its codes mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack {
    /// HJ 212 `MN` of the stack's data logger: 1–24 letters and digits, unique in the group.
    pub mn: String,
    /// The plant (entity code) the stack belongs to.
    pub entity: crate::EntityCode,
    /// Name shown to people, such as "1号炉".
    pub name: String,
    /// HJ 212 `PW` the data logger must send; a shared device secret, never shown after entry.
    pub password: String,
    /// Id of the [`Standard`] the stack is judged by (`gb18485-2014`).
    pub standard: String,
    pub factors: FactorMap,
}

/// A stack field that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StackError {
    #[error("MN {0:?} must be 1 to 24 letters, digits, '_' or '-'")]
    Mn(String),
    #[error("stack {mn}: the name is empty")]
    Name { mn: String },
    #[error(
        "stack {mn}: the password must be 1 to 32 printable characters without ';', ',', '=' or '&'"
    )]
    Password { mn: String },
}

impl StackError {
    /// The message in Chinese, for pages shown in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            StackError::Mn(mn) => format!("MN“{mn}”应为 1 至 24 位字母、数字、“_”或“-”"),
            StackError::Name { mn } => format!("排放口 {mn}：名称为空"),
            StackError::Password { mn } => {
                format!("排放口 {mn}：密码应为 1 至 32 个可打印字符，不含 ';' ',' '=' '&'")
            }
        }
    }
}

/// Checks an MN as HJ 212 frames carry it, so a registered stack can always be addressed.
pub fn check_mn(mn: &str) -> Result<(), StackError> {
    if mn.is_empty()
        || mn.len() > 24
        || !mn
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(StackError::Mn(mn.to_owned()));
    }
    Ok(())
}

impl Stack {
    /// The checks a stack must pass before it is stored.
    pub fn validate(&self) -> Result<(), StackError> {
        check_mn(&self.mn)?;
        if self.name.trim().is_empty() {
            return Err(StackError::Name {
                mn: self.mn.clone(),
            });
        }
        let password_ok = !self.password.is_empty()
            && self.password.len() <= 32
            && self
                .password
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b";,=&".contains(&b));
        if !password_ok {
            return Err(StackError::Password {
                mn: self.mn.clone(),
            });
        }
        Ok(())
    }
}

/// One factor's limits in a [`Standard`] (mg/m³ at the reference O₂).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorLimit {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
    /// 1-hour average limit; an hourly average strictly above it is an hour exceedance.
    #[serde(default)]
    pub hourly_limit: Option<Decimal>,
    /// 24-hour (daily) average limit; a daily average strictly above it is a violation day.
    #[serde(default)]
    pub daily_limit: Option<Decimal>,
}

/// An emission standard: limits and the averaging rules that go with them. GB 18485-2014 is
/// built in; a local, stricter standard is another file of the same shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standard {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// Reference O₂ (%) concentrations are corrected to: corrected = measured × (21 − ref) / (21 − O₂).
    pub reference_o2: Decimal,
    /// An hour has an average only with at least this many valid corrected minutes (45).
    pub hour_min_valid_minutes: u32,
    /// A day has an average only with at least this many valid hourly averages (20).
    pub day_min_valid_hours: u32,
    /// Furnace 5-minute means below this (°C) count as low (850).
    pub furnace_min_temperature: Decimal,
    /// A day with more low 5-minute furnace means than this is a violation day (5).
    pub furnace_max_low_per_day: u32,
    pub factors: Vec<FactorLimit>,
}

/// A standard file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StandardError {
    #[error("standard file: {0}")]
    Parse(String),
    #[error("standard {standard}: factor {code} is listed twice")]
    DuplicateFactor { standard: String, code: String },
    #[error("standard {standard}: reference O₂ {value} must be between 0 and 21")]
    ReferenceOxygen { standard: String, value: Decimal },
    #[error("standard {standard}: factor {code} has a negative limit {value}")]
    NegativeLimit {
        standard: String,
        code: String,
        value: Decimal,
    },
    #[error("unknown standard {0:?} (built in: gb18485-2014)")]
    Unknown(String),
}

const GB18485_2014: &str = include_str!("../../standards/gb18485-2014.toml");

impl Standard {
    /// The standards that ship with Zengxiao, by id.
    pub fn builtin(id: &str) -> Result<Standard, StandardError> {
        match id {
            "gb18485-2014" => Standard::from_toml(GB18485_2014),
            other => Err(StandardError::Unknown(other.to_owned())),
        }
    }

    /// GB 18485-2014, the national standard for waste incineration.
    pub fn gb18485_2014() -> Standard {
        // The embedded file is checked by a unit test; parsing it cannot fail at run time.
        Standard::from_toml(GB18485_2014).unwrap_or_else(|error| panic!("{error}"))
    }

    pub fn from_toml(text: &str) -> Result<Standard, StandardError> {
        let standard: Standard =
            toml::from_str(text).map_err(|error| StandardError::Parse(error.to_string()))?;
        standard.validate()?;
        Ok(standard)
    }

    fn validate(&self) -> Result<(), StandardError> {
        if self.reference_o2 < Decimal::ZERO || self.reference_o2 >= Decimal::from(21) {
            return Err(StandardError::ReferenceOxygen {
                standard: self.id.clone(),
                value: self.reference_o2,
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for factor in &self.factors {
            if !seen.insert(factor.code.as_str()) {
                return Err(StandardError::DuplicateFactor {
                    standard: self.id.clone(),
                    code: factor.code.clone(),
                });
            }
            for limit in [factor.hourly_limit, factor.daily_limit]
                .into_iter()
                .flatten()
            {
                if limit < Decimal::ZERO {
                    return Err(StandardError::NegativeLimit {
                        standard: self.id.clone(),
                        code: factor.code.clone(),
                        value: limit,
                    });
                }
            }
        }
        Ok(())
    }

    pub fn factor(&self, code: &str) -> Option<&FactorLimit> {
        self.factors.iter().find(|factor| factor.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mns_as_devices_use_them_are_accepted() {
        // An air station's MN from a public HJ 212 parser's test, and the 24-character limit.
        for mn in [
            "JLYP01_AIR01_0001",
            "33-01",
            "88888880000001",
            "A",
            &"9".repeat(24),
        ] {
            assert_eq!(check_mn(mn), Ok(()), "{mn}");
        }
        for mn in [
            "",
            "33.01",
            "33 01",
            "MN/1",
            "mn=1",
            "汉字",
            &"9".repeat(25),
        ] {
            assert_eq!(check_mn(mn), Err(StackError::Mn(mn.to_owned())), "{mn}");
        }
    }

    #[test]
    fn a_refused_stack_is_explained_in_chinese_too() {
        assert_eq!(
            check_mn("33.01").unwrap_err().message_zh(),
            "MN“33.01”应为 1 至 24 位字母、数字、“_”或“-”"
        );
        assert_eq!(
            StackError::Name { mn: "3301".into() }.message_zh(),
            "排放口 3301：名称为空"
        );
    }

    #[test]
    fn aliases_read_as_sent_equals_standard_in_code_order() {
        let factors = FactorMap {
            aliases: [("SO2", "a21026"), ("NOX", "a21002")]
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect(),
            ..FactorMap::default()
        };
        assert_eq!(factors.alias_pairs(), ["NOX=a21002", "SO2=a21026"]);
        assert!(FactorMap::default().alias_pairs().is_empty());
    }

    #[test]
    fn gb18485_has_the_five_pollutants_with_table_4_limits() {
        let standard = Standard::builtin("gb18485-2014").unwrap();
        let limits: Vec<(&str, Decimal, Decimal)> = standard
            .factors
            .iter()
            .map(|f| {
                (
                    f.code.as_str(),
                    f.hourly_limit.unwrap(),
                    f.daily_limit.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            limits,
            vec![
                ("a34013", Decimal::from(30), Decimal::from(20)),
                ("a21002", Decimal::from(300), Decimal::from(250)),
                ("a21026", Decimal::from(100), Decimal::from(80)),
                ("a21024", Decimal::from(60), Decimal::from(50)),
                ("a21005", Decimal::from(100), Decimal::from(80)),
            ]
        );
        assert_eq!(standard.reference_o2, Decimal::from(11));
        assert_eq!(standard.hour_min_valid_minutes, 45);
        assert_eq!(standard.day_min_valid_hours, 20);
        assert_eq!(standard.furnace_min_temperature, Decimal::from(850));
        assert_eq!(standard.furnace_max_low_per_day, 5);
        assert_eq!(standard, Standard::gb18485_2014());
    }

    #[test]
    fn only_normal_and_set_values_are_valid() {
        let valid: Vec<Flag> = Flag::ALL.into_iter().filter(|f| f.is_valid()).collect();
        assert_eq!(valid, vec![Flag::N, Flag::S]);
        assert_eq!("T".parse::<Flag>(), Ok(Flag::T));
        assert!("X".parse::<Flag>().is_err());
        assert!("NN".parse::<Flag>().is_err());
        assert!("".parse::<Flag>().is_err());
    }

    #[test]
    fn a_bad_standard_file_is_refused_by_name() {
        let text = GB18485_2014.replace("reference_o2 = \"11\"", "reference_o2 = \"21\"");
        assert!(matches!(
            Standard::from_toml(&text),
            Err(StandardError::ReferenceOxygen { .. })
        ));
        let text = GB18485_2014.replace("code = \"a21026\"", "code = \"a21002\"");
        assert!(matches!(
            Standard::from_toml(&text),
            Err(StandardError::DuplicateFactor { .. })
        ));
        assert!(matches!(
            Standard::builtin("gb0"),
            Err(StandardError::Unknown(_))
        ));
    }
}
