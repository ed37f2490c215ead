//! Natural hazards of sites (safety.md §6): each plant's exposure to flood, typhoon, landslide,
//! extreme heat, lightning, snow and ice and earthquake with the season it applies to; official
//! warnings for a region; the checklist a warning asks of each affected plant; the hours a plant
//! has to acknowledge it before it is escalated.
//!
//! A warning's region matches a plant through the entity tree's `region` (the province): the
//! two are compared after trimming, ignoring ASCII case and an administrative suffix (`省`, `市`,
//! `自治区`…, ` Province`), so a warning for `福建省` reaches the plants of region `福建`. Every plant
//! (entity kind `plant`) of a matching region is affected unless its recorded exposure to that
//! hazard is `none` (no record is not a reason to skip a plant).
//!
//! The checklists are configuration (`catalogue/natural_hazards.toml`, shipped as the default);
//! nothing here reads a clock: "now" is passed in.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde::Deserialize;
use thiserror::Error;

use crate::calendar::china_offset;
use crate::entity::{EntityCode, EntityKind, EntityTree};
use crate::notes::Lang;

/// The default checklists and acknowledgement hours.
pub const DEFAULT_CHECKLISTS_TOML: &str = include_str!("../../catalogue/natural_hazards.toml");

/// A natural hazard a site may be exposed to and an official warning may be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NaturalHazard {
    Flood,
    Typhoon,
    Landslide,
    Heat,
    Lightning,
    SnowIce,
    Earthquake,
}

impl NaturalHazard {
    pub const ALL: [NaturalHazard; 7] = [
        NaturalHazard::Flood,
        NaturalHazard::Typhoon,
        NaturalHazard::Landslide,
        NaturalHazard::Heat,
        NaturalHazard::Lightning,
        NaturalHazard::SnowIce,
        NaturalHazard::Earthquake,
    ];

    /// The code in files, URLs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            NaturalHazard::Flood => "flood",
            NaturalHazard::Typhoon => "typhoon",
            NaturalHazard::Landslide => "landslide",
            NaturalHazard::Heat => "heat",
            NaturalHazard::Lightning => "lightning",
            NaturalHazard::SnowIce => "snow_ice",
            NaturalHazard::Earthquake => "earthquake",
        }
    }

    /// What people read.
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            NaturalHazard::Flood => ("暴雨内涝/洪水", "flood"),
            NaturalHazard::Typhoon => ("台风", "typhoon"),
            NaturalHazard::Landslide => ("滑坡泥石流", "landslide and debris flow"),
            NaturalHazard::Heat => ("高温", "extreme heat"),
            NaturalHazard::Lightning => ("雷电", "lightning"),
            NaturalHazard::SnowIce => ("暴雪冰冻", "snow and ice"),
            NaturalHazard::Earthquake => ("地震", "earthquake"),
        };
        lang.pick(zh, en)
    }

    /// The code, or the Chinese label or its first word (`暴雨`, `洪水`, `滑坡`, `泥石流`…).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let by_word = |w: &str| match w {
            "暴雨" | "内涝" | "洪水" | "暴雨内涝" => Some(NaturalHazard::Flood),
            "滑坡" | "泥石流" => Some(NaturalHazard::Landslide),
            "暴雪" | "冰冻" | "道路结冰" => Some(NaturalHazard::SnowIce),
            _ => None,
        };
        Self::ALL
            .into_iter()
            .find(|h| {
                h.as_str().eq_ignore_ascii_case(text)
                    || h.label(Lang::Zh) == text
                    || h.label(Lang::En).eq_ignore_ascii_case(text)
            })
            .or_else(|| by_word(text))
    }
}

impl fmt::Display for NaturalHazard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How exposed a site is to a hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exposure {
    None,
    Low,
    Medium,
    High,
}

impl Exposure {
    pub const ALL: [Exposure; 4] = [
        Exposure::None,
        Exposure::Low,
        Exposure::Medium,
        Exposure::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::None => "none",
            Exposure::Low => "low",
            Exposure::Medium => "medium",
            Exposure::High => "high",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Exposure::None => ("无", "none"),
            Exposure::Low => ("低", "low"),
            Exposure::Medium => ("中", "medium"),
            Exposure::High => ("高", "high"),
        };
        lang.pick(zh, en)
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(text) || e.label(Lang::Zh) == text)
    }
}

/// The months of the year a hazard applies to, `from` to `to` inclusive (1–12); `from > to`
/// wraps over the new year (snow from November to February is `11-2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Season {
    from: u32,
    to: u32,
}

/// The flood season (汛期) of southern China: May to September.
pub const FLOOD_SEASON: Season = Season { from: 5, to: 9 };

impl Season {
    /// `None` unless both months are 1–12.
    pub fn new(from: u32, to: u32) -> Option<Self> {
        ((1..=12).contains(&from) && (1..=12).contains(&to)).then_some(Self { from, to })
    }

    /// `5-9` (also `05-09`, `5–9`, `5~9`).
    pub fn parse(text: &str) -> Option<Self> {
        let (from, to) = text.trim().split_once(['-', '–', '~'])?;
        Self::new(from.trim().parse().ok()?, to.trim().parse().ok()?)
    }

    pub fn from(self) -> u32 {
        self.from
    }

    pub fn to(self) -> u32 {
        self.to
    }

    /// Whether the month of `date` is in the season.
    pub fn contains(self, date: NaiveDate) -> bool {
        let m = date.month();
        if self.from <= self.to {
            (self.from..=self.to).contains(&m)
        } else {
            m >= self.from || m <= self.to
        }
    }

    /// `5-9`: the stored and exported form.
    pub fn code(self) -> String {
        format!("{}-{}", self.from, self.to)
    }

    /// `5–9月` / `May–Sep`.
    pub fn label(self, lang: Lang) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let name = |m: u32| MONTHS[(m as usize).saturating_sub(1) % 12];
        match lang {
            Lang::Zh => format!("{}–{}月", self.from, self.to),
            Lang::En => format!("{}–{}", name(self.from), name(self.to)),
        }
    }
}

/// One site's exposure to one hazard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteExposure {
    pub entity: EntityCode,
    pub hazard: NaturalHazard,
    pub exposure: Exposure,
    /// `None`: all year.
    pub season: Option<Season>,
}

/// An official warning's level, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    Blue,
    Yellow,
    Orange,
    Red,
}

impl WarningLevel {
    pub const ALL: [WarningLevel; 4] = [
        WarningLevel::Blue,
        WarningLevel::Yellow,
        WarningLevel::Orange,
        WarningLevel::Red,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WarningLevel::Blue => "blue",
            WarningLevel::Yellow => "yellow",
            WarningLevel::Orange => "orange",
            WarningLevel::Red => "red",
        }
    }

    /// `蓝色预警` / `blue warning`.
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            WarningLevel::Blue => ("蓝色预警", "blue warning"),
            WarningLevel::Yellow => ("黄色预警", "yellow warning"),
            WarningLevel::Orange => ("橙色预警", "orange warning"),
            WarningLevel::Red => ("红色预警", "red warning"),
        };
        lang.pick(zh, en)
    }

    /// The code, the Chinese colour (`蓝`, `蓝色`, `蓝色预警`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let zh = |l: WarningLevel| match l {
            WarningLevel::Blue => "蓝",
            WarningLevel::Yellow => "黄",
            WarningLevel::Orange => "橙",
            WarningLevel::Red => "红",
        };
        Self::ALL.into_iter().find(|&l| {
            l.as_str().eq_ignore_ascii_case(text)
                || text == zh(l)
                || text == format!("{}色", zh(l))
                || text == l.label(Lang::Zh)
        })
    }
}

/// A warning's time as written in a file or a form, China time: `YYYY-MM-DD HH:MM` (or with a
/// `T`, seconds allowed) or a date alone, which means the day's start for `from` and the end of
/// the day (the next midnight) for `to`. `None` when it is neither.
pub fn parse_warning_time(text: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let local = if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end_of_day { date.succ_opt()? } else { date };
        day.and_time(NaiveTime::MIN)
    } else {
        [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())?
    };
    local
        .and_local_timezone(china_offset())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A warning as entered or imported, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWarning {
    pub region: String,
    pub hazard: NaturalHazard,
    pub level: WarningLevel,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Why a warning cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WarningError {
    #[error("the region is empty")]
    EmptyRegion,
    #[error("the warning ends ({to}) before or when it starts ({from})")]
    EndsBeforeStart { from: String, to: String },
}

impl NewWarning {
    pub fn check(&self) -> Result<(), WarningError> {
        if self.region.trim().is_empty() {
            return Err(WarningError::EmptyRegion);
        }
        if self.to <= self.from {
            return Err(WarningError::EndsBeforeStart {
                from: self.from.to_rfc3339(),
                to: self.to.to_rfc3339(),
            });
        }
        Ok(())
    }
}

/// Whether a warning from `from` to `to` (exclusive) is in force at `now`.
pub fn is_in_force(from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    from <= now && now < to
}

/// A region as compared: trimmed, ASCII lower case, without an administrative suffix.
pub fn region_key(region: &str) -> String {
    let mut key = region.trim().to_ascii_lowercase();
    for suffix in [
        "壮族自治区",
        "回族自治区",
        "维吾尔自治区",
        "特别行政区",
        "自治区",
        "省",
        "市",
        " province",
        " city",
    ] {
        if let Some(stripped) = key.strip_suffix(suffix) {
            key = stripped.trim_end().to_owned();
            break;
        }
    }
    key
}

/// Whether a warning for `warning_region` concerns an entity of `entity_region`.
pub fn region_matches(warning_region: &str, entity_region: &str) -> bool {
    let key = region_key(warning_region);
    !key.is_empty() && key == region_key(entity_region)
}

/// The plants a warning of `hazard` for `region` reaches: every plant of the region, except
/// those whose recorded exposure to the hazard is `none`; in the tree's order.
pub fn affected_sites(
    tree: &EntityTree,
    exposures: &[SiteExposure],
    region: &str,
    hazard: NaturalHazard,
) -> Vec<EntityCode> {
    tree.entities()
        .iter()
        .filter(|e| e.kind == EntityKind::Plant && region_matches(region, &e.region))
        .filter(|e| {
            !exposures
                .iter()
                .any(|x| x.entity == e.code && x.hazard == hazard && x.exposure == Exposure::None)
        })
        .map(|e| e.code.clone())
        .collect()
}

/// One thing a plant checks or does when a warning arrives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChecklistItem {
    pub zh: String,
    pub en: String,
}

impl ChecklistItem {
    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// Why a checklist file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChecklistError {
    #[error("checklists: {0}")]
    Toml(String),
    #[error("checklists: no acknowledgement hours for {0} warnings")]
    MissingHours(&'static str),
    #[error("checklists: {hazard} at {level} is listed twice")]
    Duplicate {
        hazard: &'static str,
        level: &'static str,
    },
    #[error("checklists: {hazard} at {level} has no items")]
    Empty {
        hazard: &'static str,
        level: &'static str,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklists {
    ack_hours: BTreeMap<WarningLevel, u32>,
    #[serde(default)]
    checklist: Vec<RawChecklist>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklist {
    hazard: NaturalHazard,
    level: WarningLevel,
    items: Vec<ChecklistItem>,
}

/// The checklists per hazard and warning level, and the hours a plant has to acknowledge a
/// warning of each level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklists {
    ack_hours: BTreeMap<WarningLevel, u32>,
    items: BTreeMap<(NaturalHazard, WarningLevel), Vec<ChecklistItem>>,
}

impl Default for Checklists {
    fn default() -> Self {
        Self::from_toml(DEFAULT_CHECKLISTS_TOML)
            .unwrap_or_else(|e| unreachable!("the shipped checklists are valid: {e}"))
    }
}

impl Checklists {
    /// Reads a checklist file (the shape of `catalogue/natural_hazards.toml`): every level needs
    /// its hours, a hazard and level may appear once and must list items.
    pub fn from_toml(text: &str) -> Result<Self, ChecklistError> {
        let raw: RawChecklists =
            toml::from_str(text).map_err(|e| ChecklistError::Toml(e.message().to_owned()))?;
        for level in WarningLevel::ALL {
            if !raw.ack_hours.contains_key(&level) {
                return Err(ChecklistError::MissingHours(level.as_str()));
            }
        }
        let mut items = BTreeMap::new();
        for list in raw.checklist {
            let (hazard, level) = (list.hazard.as_str(), list.level.as_str());
            if list.items.is_empty() {
                return Err(ChecklistError::Empty { hazard, level });
            }
            if items
                .insert((list.hazard, list.level), list.items)
                .is_some()
            {
                return Err(ChecklistError::Duplicate { hazard, level });
            }
        }
        Ok(Self {
            ack_hours: raw.ack_hours,
            items,
        })
    }

    /// The items a warning of `hazard` at `level` asks for: those of every level up to it,
    /// lowest first.
    pub fn items(&self, hazard: NaturalHazard, level: WarningLevel) -> Vec<&ChecklistItem> {
        WarningLevel::ALL
            .into_iter()
            .filter(|l| *l <= level)
            .filter_map(|l| self.items.get(&(hazard, l)))
            .flatten()
            .collect()
    }

    /// Hours a plant has to acknowledge a warning of `level`.
    pub fn ack_hours(&self, level: WarningLevel) -> u32 {
        self.ack_hours.get(&level).copied().unwrap_or(0)
    }

    /// When a warning of `level` that reached a plant at `triggered_at` must be acknowledged by.
    pub fn acknowledge_by(
        &self,
        level: WarningLevel,
        triggered_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        triggered_at + TimeDelta::hours(i64::from(self.ack_hours(level)))
    }
}

/// A plant's copy of a warning, as the escalation rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDue {
    pub id: i64,
    pub entity: EntityCode,
    pub acknowledge_by: DateTime<Utc>,
    pub acknowledged: bool,
}

/// The alerts to escalate at `now`: not acknowledged and past their time (at the very instant
/// `acknowledge_by` the plant is late). Whether one was escalated before is the store's business
/// (each alert and recipient once).
pub fn alerts_to_escalate(alerts: &[AlertDue], now: DateTime<Utc>) -> Vec<&AlertDue> {
    alerts
        .iter()
        .filter(|a| !a.acknowledged && now >= a.acknowledge_by)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::Entity;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn entity(code: &str, parent: Option<&str>, kind: EntityKind, region: &str) -> Entity {
        Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.into(),
            parent: parent.map(|p| EntityCode::parse(p).unwrap()),
            kind,
            region: region.into(),
            segment: String::new(),
        }
    }

    #[test]
    fn a_warning_reaches_the_plants_of_its_province_unless_they_are_not_exposed() {
        let tree = EntityTree::build(vec![
            entity("G", None, EntityKind::Group, "北京"),
            entity("FJ", Some("G"), EntityKind::Subsidiary, "福建"),
            entity("FJ-1", Some("FJ"), EntityKind::Plant, "福建"),
            entity("FJ-2", Some("FJ"), EntityKind::Plant, "福建"),
            entity("FJ-3", Some("FJ"), EntityKind::Plant, "福建"),
            entity("SC-1", Some("G"), EntityKind::Plant, "四川"),
        ])
        .unwrap();
        let none = SiteExposure {
            entity: EntityCode::parse("FJ-3").unwrap(),
            hazard: NaturalHazard::Typhoon,
            exposure: Exposure::None,
            season: None,
        };
        let codes = |v: Vec<EntityCode>| v.into_iter().map(|c| c.to_string()).collect::<Vec<_>>();
        // The subsidiary is not a site; FJ-3 says it is not exposed to typhoons; 四川 is elsewhere.
        assert_eq!(
            codes(affected_sites(
                &tree,
                std::slice::from_ref(&none),
                "福建省",
                NaturalHazard::Typhoon
            )),
            ["FJ-1", "FJ-2"]
        );
        // FJ-3's "none" is about typhoons only.
        assert_eq!(
            codes(affected_sites(&tree, &[none], "福建", NaturalHazard::Flood)),
            ["FJ-1", "FJ-2", "FJ-3"]
        );
        assert!(affected_sites(&tree, &[], "广东", NaturalHazard::Typhoon).is_empty());
    }

    #[test]
    fn regions_match_without_their_administrative_suffix() {
        assert!(region_matches("福建省", "福建"));
        assert!(region_matches(" 北京市 ", "北京"));
        assert!(region_matches("广西壮族自治区", "广西"));
        assert!(region_matches("Fujian Province", "fujian"));
        assert!(!region_matches("福建", "四川"));
        assert!(!region_matches("", ""));
        assert!(!region_matches("省", ""));
    }

    #[test]
    fn warning_times_are_china_times_and_a_date_to_means_the_end_of_that_day() {
        // 08:00 in China is 00:00 UTC.
        assert_eq!(
            parse_warning_time("2026-08-01 08:00", false),
            Some(at("2026-08-01T00:00:00Z"))
        );
        assert_eq!(
            parse_warning_time("2026-08-01T08:30:00", true),
            Some(at("2026-08-01T00:30:00Z"))
        );
        // A date: its China midnight (16:00 UTC the day before), or the next one for `to`.
        assert_eq!(
            parse_warning_time("2026-08-01", false),
            Some(at("2026-07-31T16:00:00Z"))
        );
        assert_eq!(
            parse_warning_time("2026-08-01", true),
            Some(at("2026-08-01T16:00:00Z"))
        );
        assert_eq!(parse_warning_time("2026-02-30", false), None);
        assert_eq!(parse_warning_time("tomorrow", false), None);
    }

    #[test]
    fn a_warning_is_in_force_from_its_start_until_just_before_its_end() {
        let (from, to) = (at("2026-08-01T00:00:00Z"), at("2026-08-02T00:00:00Z"));
        assert!(!is_in_force(from, to, at("2026-07-31T23:59:59Z")));
        assert!(is_in_force(from, to, from));
        assert!(is_in_force(from, to, at("2026-08-01T23:59:59Z")));
        assert!(!is_in_force(from, to, to));
        let bad = NewWarning {
            region: "福建".into(),
            hazard: NaturalHazard::Typhoon,
            level: WarningLevel::Red,
            from: to,
            to: from,
        };
        assert!(matches!(
            bad.check(),
            Err(WarningError::EndsBeforeStart { .. })
        ));
    }

    #[test]
    fn seasons_contain_their_months_and_may_wrap_over_the_year_end() {
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 15).unwrap();
        assert!(!FLOOD_SEASON.contains(d(4)));
        assert!(FLOOD_SEASON.contains(d(5)));
        assert!(FLOOD_SEASON.contains(d(9)));
        assert!(!FLOOD_SEASON.contains(d(10)));
        let winter = Season::parse("11-2").unwrap();
        assert!(winter.contains(d(12)) && winter.contains(d(1)) && winter.contains(d(2)));
        assert!(!winter.contains(d(3)) && !winter.contains(d(10)));
        assert_eq!(Season::parse("5–9"), Some(FLOOD_SEASON));
        assert_eq!(Season::parse("0-9"), None);
        assert_eq!(Season::parse("5-13"), None);
        assert_eq!(FLOOD_SEASON.label(Lang::Zh), "5–9月");
        assert_eq!(FLOOD_SEASON.label(Lang::En), "May–Sep");
    }

    #[test]
    fn a_level_asks_for_its_items_and_those_of_every_lower_level() {
        let lists = Checklists::default();
        // The shipped typhoon list: 2 blue, 2 yellow, 2 orange, 2 red items.
        assert_eq!(
            lists
                .items(NaturalHazard::Typhoon, WarningLevel::Blue)
                .len(),
            2
        );
        assert_eq!(
            lists
                .items(NaturalHazard::Typhoon, WarningLevel::Orange)
                .len(),
            6
        );
        let red = lists.items(NaturalHazard::Typhoon, WarningLevel::Red);
        assert_eq!(red.len(), 8);
        assert!(red[0].zh.contains("加固"), "blue's first item comes first");
        // Landslide has blue and orange only: yellow asks blue's, red blue's and orange's.
        assert_eq!(
            lists
                .items(NaturalHazard::Landslide, WarningLevel::Yellow)
                .len(),
            1
        );
        assert_eq!(
            lists
                .items(NaturalHazard::Landslide, WarningLevel::Red)
                .len(),
            2
        );
        for hazard in NaturalHazard::ALL {
            assert!(
                !lists.items(hazard, WarningLevel::Blue).is_empty(),
                "{hazard}"
            );
        }
    }

    #[test]
    fn acknowledgement_hours_come_from_the_configuration() {
        let lists = Checklists::default();
        let t = at("2026-08-01T00:00:00Z");
        // Shipped: red 2 h, orange 4 h, yellow 12 h, blue 24 h.
        assert_eq!(
            lists.acknowledge_by(WarningLevel::Red, t),
            at("2026-08-01T02:00:00Z")
        );
        assert_eq!(
            lists.acknowledge_by(WarningLevel::Orange, t),
            at("2026-08-01T04:00:00Z")
        );
        assert_eq!(
            lists.acknowledge_by(WarningLevel::Blue, t),
            at("2026-08-02T00:00:00Z")
        );
        let own = "[ack_hours]\nblue = 48\nyellow = 24\norange = 6\nred = 1\n";
        let lists = Checklists::from_toml(own).unwrap();
        assert_eq!(
            lists.acknowledge_by(WarningLevel::Red, t),
            at("2026-08-01T01:00:00Z")
        );
        assert!(
            lists
                .items(NaturalHazard::Typhoon, WarningLevel::Red)
                .is_empty()
        );
        assert_eq!(
            Checklists::from_toml("[ack_hours]\nblue = 1\n"),
            Err(ChecklistError::MissingHours("yellow"))
        );
        let twice = format!(
            "{own}[[checklist]]\nhazard = \"heat\"\nlevel = \"red\"\nitems = [{{ zh = \"a\", en = \"a\" }}]\n\
             [[checklist]]\nhazard = \"heat\"\nlevel = \"red\"\nitems = [{{ zh = \"b\", en = \"b\" }}]\n"
        );
        assert!(matches!(
            Checklists::from_toml(&twice),
            Err(ChecklistError::Duplicate { .. })
        ));
        assert!(Checklists::from_toml("[ack_hours]\nblue = 1\npurple = 2\n").is_err());
    }

    #[test]
    fn an_alert_is_escalated_from_the_instant_its_time_is_up_unless_acknowledged() {
        let alert = |id, by: &str, acknowledged| AlertDue {
            id,
            entity: EntityCode::parse("FJ-1").unwrap(),
            acknowledge_by: at(by),
            acknowledged,
        };
        let alerts = [
            alert(1, "2026-08-01T04:00:00Z", false),
            alert(2, "2026-08-01T04:00:01Z", false),
            alert(3, "2026-08-01T02:00:00Z", true),
        ];
        let ids = |now| {
            alerts_to_escalate(&alerts, at(now))
                .iter()
                .map(|a| a.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("2026-08-01T03:59:59Z"), Vec::<i64>::new());
        assert_eq!(ids("2026-08-01T04:00:00Z"), [1]);
        assert_eq!(ids("2026-08-02T00:00:00Z"), [1, 2]);
    }

    #[test]
    fn labels_and_codes_read_back() {
        for h in NaturalHazard::ALL {
            assert_eq!(NaturalHazard::parse(h.as_str()), Some(h));
            assert_eq!(NaturalHazard::parse(h.label(Lang::Zh)), Some(h));
        }
        assert_eq!(
            NaturalHazard::parse("泥石流"),
            Some(NaturalHazard::Landslide)
        );
        for l in WarningLevel::ALL {
            assert_eq!(WarningLevel::parse(l.as_str()), Some(l));
            assert_eq!(WarningLevel::parse(l.label(Lang::Zh)), Some(l));
        }
        assert_eq!(WarningLevel::parse("橙色"), Some(WarningLevel::Orange));
        assert_eq!(WarningLevel::parse("purple"), None);
        assert_eq!(Exposure::parse("高"), Some(Exposure::High));
    }
}
