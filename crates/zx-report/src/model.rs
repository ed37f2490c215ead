//! What the report says: every value already formatted for people exactly as the cockpit shows
//! it (the caller builds it from the cockpit's view model), so the PDF, the workbook and the
//! page cannot disagree. Chart series are decimal strings in the display unit (万元, %), as the
//! cockpit's charts get them.

use serde::Serialize;

/// The monthly quality-and-efficiency report of one entity (the group or a unit) and month.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `zh` or `en`: the language of every label and heading.
    pub lang: String,
    pub entity_code: String,
    pub entity_name: String,
    /// `YYYY-MM`.
    pub period: String,
    /// The basis people read (`年累计` / `year to date`).
    pub basis: String,
    /// The date the report was made, in China (`2026-12-06`).
    pub made_on: String,
    /// The six indicators (一利五率) as the cockpit's cards show them.
    pub indicators: Vec<IndicatorLine>,
    pub rule: RuleSection,
    /// Pay follows results (工资效益联动), when the catalogue defines it.
    pub wage_linkage: Option<WageLine>,
    /// This year, last year and the pro-rated target of each of the six, month by month.
    pub trends: Vec<TrendChart>,
    /// The units below and their six indicators.
    pub units: UnitsTable,
    /// The units ranked on the first indicator, best first.
    pub ranking: Ranking,
    /// Red indicators of the entity and of the units below, with what addresses them.
    pub reds: Vec<RedLine>,
    pub collection: Option<CollectionLine>,
    pub emissions: Option<EmissionsSection>,
    pub safety: Option<SafetySection>,
    /// Plants in the bottom quartile of their segment on a main operating indicator.
    pub operations: Vec<BottomQuartileLine>,
    /// The reform group (三项制度改革) as the cockpit's reform cards show it.
    pub reform: Vec<IndicatorLine>,
    /// Why a value is missing (the cockpit's notes).
    pub notes: Vec<String>,
}

/// One indicator card: value, YoY, target, the time-progress target and the traffic light.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorLine {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub value: String,
    pub yoy: String,
    pub target: String,
    /// The target pro-rated to the months elapsed (时间进度).
    pub expected: String,
    pub attainment: String,
    /// `green`, `amber`, `red` or `none`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleSection {
    /// `一增一稳四提升`.
    pub name: String,
    /// `达成`, `未达成` or `—`.
    pub verdict: String,
    pub holds: Option<bool>,
    pub lines: Vec<RuleLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleLine {
    pub indicator: String,
    pub requirement: String,
    pub this: String,
    pub last: String,
    pub holds: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WageLine {
    pub name: String,
    pub wage_growth: String,
    pub profit_growth: String,
    pub verdict: String,
    pub holds: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrendChart {
    pub name: String,
    pub unit: String,
    /// `01`…`12`.
    pub months: Vec<String>,
    pub this_year: Vec<Option<String>>,
    pub last_year: Vec<Option<String>>,
    pub target: Vec<Option<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitsTable {
    /// The six indicators' names with their units, the columns.
    pub columns: Vec<String>,
    pub rows: Vec<UnitRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub cells: Vec<UnitCell>,
    pub reds: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitCell {
    pub value: String,
    pub yoy: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    /// The indicator ranked on, with its unit.
    pub title: String,
    pub rows: Vec<RankRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub rank: usize,
    pub name: String,
    /// As people read it (`1,234.56`), `—` when not available.
    pub value: String,
    /// The same in the display unit without separators, for the bar.
    pub raw: Option<String>,
}

/// A red indicator of one unit and the open measures addressing it (none: a gap without action).
#[derive(Debug, Clone, Serialize)]
pub struct RedLine {
    pub entity: String,
    pub indicator: String,
    pub value: String,
    pub measures: Vec<MeasureLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeasureLine {
    pub title: String,
    pub owner: String,
    pub due: String,
    /// `40%`.
    pub progress: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollectionLine {
    pub month: String,
    pub expected: usize,
    pub done: usize,
    pub complete: bool,
    /// The units not done yet (name and code).
    pub pending: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmissionsSection {
    /// Violation days this year per plant (plant, days), plants with none left out.
    pub violation_days: Vec<(String, u32)>,
    pub total_days: u32,
    pub open_alarms: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SafetySection {
    pub open: usize,
    pub overdue: usize,
    pub major: usize,
    /// Planned drills due soon or overdue, not yet held, by date.
    pub drills_due: Vec<DrillLine>,
}

/// A planned drill due soon or overdue: a row of the safety section's table (a group has
/// dozens, too many for a list).
#[derive(Debug, Clone, Serialize)]
pub struct DrillLine {
    /// `YYYY-MM-DD`.
    pub due: String,
    pub unit: String,
    pub scenario: String,
    /// `即将到期` / `due soon`, `已逾期` / `overdue`.
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BottomQuartileLine {
    pub plant: String,
    pub indicator: String,
    pub value: String,
}
