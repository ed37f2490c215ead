//! A month far out of line with the series' own history: the check HQ sees on the collection
//! grid before approving a month (a figure keyed in 万元 instead of 元, a missing zero, a cost
//! booked twice).
//!
//! The streaming detector (`zx-anomaly`) needs hundreds of rows; a monthly series has a few
//! dozen. So the month is judged against what the series' own recent changes make likely, with
//! robust statistics (medians, not means: one earlier error must not hide the next):
//! - **year on year** when the year before is known: the expected value is the same month last
//!   year plus the median of the last twelve months' year-on-year changes (seasonality and
//!   trend both carried); the spread is their median absolute deviation × 1.4826 (a standard
//!   deviation for normal data);
//! - else **month on month**, the same on the changes from one month to the next.
//!
//! The month is out of line when it lies further from the expected value than
//! [`Rule::spreads`] spreads **and** [`Rule::share`] of the series' typical size (the median of
//! the last twelve months' absolute values; by default the whole of it) and [`Rule::floor`]:
//! the check is for gross errors and real breaks (a unit keyed wrong, a plant turning
//! loss-making, cash collection stopping), not for a good or a bad month. Exact decimals
//! throughout; no floating point.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::catalogue::{Catalogue, IndicatorFamily, Unit};
use crate::engine::Engine;
use crate::entity::EntityId;
use crate::format;
use crate::notes::Lang;
use crate::period::{Basis as PeriodBasis, Month, Period};

/// How far out of line a month must be to be flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Robust standard deviations of the changes.
    pub spreads: Decimal,
    /// Share of the series' typical size.
    pub share: Decimal,
    /// Changes needed before anything is judged.
    pub min_changes: usize,
    /// A deviation this small is never flagged, whatever the history (head counts: a plant
    /// that hired nobody for a year and hires two is not an error).
    pub floor: Decimal,
    /// Whether a series without a year before may be judged month on month. Not for January:
    /// year-end bonuses and accruals make December a poor guide to it.
    pub month_on_month: bool,
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            spreads: Decimal::from(5),
            share: Decimal::ONE,
            min_changes: 6,
            floor: Decimal::ZERO,
            month_on_month: true,
        }
    }
}

/// Which history the expectation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    YearOnYear,
    MonthOnMonth,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::YearOnYear => "year_on_year",
            Basis::MonthOnMonth => "month_on_month",
        }
    }
}

/// A month judged out of line, with what was expected and the range that would have passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfLine {
    pub value: Decimal,
    pub expected: Decimal,
    pub low: Decimal,
    pub high: Decimal,
    pub basis: Basis,
}

/// 1.4826: the median absolute deviation of normal data times this is its standard deviation.
const MAD_TO_SIGMA: Decimal = Decimal::from_parts(14_826, 0, 0, false, 4);

/// Judges `series[at]` against `series[..at]` (one entry per month, `None` where nothing was
/// reported). `None`: in line, not reported, or too little history to say.
pub fn check(series: &[Option<Decimal>], at: usize, rule: Rule) -> Option<OutOfLine> {
    let value = (*series.get(at)?)?;
    let window = at.saturating_sub(12)..at;
    let value_at = |i: usize| series.get(i).copied().flatten();
    let changes = |lag: usize| -> Vec<Decimal> {
        window
            .clone()
            .filter(|&t| t >= lag)
            .filter_map(|t| value_at(t)?.checked_sub(value_at(t - lag)?))
            .collect()
    };
    // Year on year from four changes on (a year of history and a third of the next).
    let year_on_year_needs = rule.min_changes.min(4);
    let (basis, anchor, mut deltas) = match (at.checked_sub(12).and_then(value_at), changes(12)) {
        (Some(anchor), deltas) if deltas.len() >= year_on_year_needs => {
            (Basis::YearOnYear, anchor, deltas)
        }
        _ if rule.month_on_month => {
            let anchor = at.checked_sub(1).and_then(value_at)?;
            let deltas = changes(1);
            if deltas.len() < rule.min_changes {
                return None;
            }
            (Basis::MonthOnMonth, anchor, deltas)
        }
        _ => return None,
    };
    // Checked throughout: figures near the decimal range give "cannot say", never a panic.
    let typical_change = median(&mut deltas)?;
    let mut deviations = Vec::with_capacity(deltas.len());
    for change in &deltas {
        deviations.push(change.checked_sub(typical_change)?.abs());
    }
    let spread = median(&mut deviations)?.checked_mul(MAD_TO_SIGMA)?;
    let mut sizes: Vec<Decimal> = window.filter_map(value_at).map(|v| v.abs()).collect();
    let size = median(&mut sizes)?;
    let tolerance = rule
        .spreads
        .checked_mul(spread)?
        .max(rule.share.checked_mul(size)?)
        .max(rule.floor);
    if tolerance.is_zero() {
        // A series that has always been the same and is zero: nothing to judge against.
        return None;
    }
    let expected = anchor.checked_add(typical_change)?;
    let (low, high) = (
        expected.checked_sub(tolerance)?,
        expected.checked_add(tolerance)?,
    );
    ((value.checked_sub(expected)?).abs() > tolerance).then_some(OutOfLine {
        value,
        expected,
        low,
        high,
        basis,
    })
}

/// What a flag is about: an item the entity reported itself, or one of the six indicators of
/// its consolidated figures for the month alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// Index into the catalogue's items.
    Item(usize),
    /// Index into the catalogue's indicators (family `kpi`).
    Indicator(usize),
}

/// One flagged figure of an entity-month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFlag {
    pub subject: Subject,
    pub out: OutOfLine,
}

impl MonthFlag {
    /// The item's or indicator's code.
    pub fn code<'c>(&self, catalogue: &'c Catalogue) -> &'c str {
        match self.subject {
            Subject::Item(item) => &catalogue.item(item).code,
            Subject::Indicator(indicator) => &catalogue.indicator(indicator).id,
        }
    }

    /// The flag for people, values as the pages show them: "营业收入 1,200.00 万元 偏离自身历史
    /// 规律：预期约 120.00，合理范围 81.00～159.00（按同比推算）".
    pub fn sentence(&self, catalogue: &Catalogue, lang: Lang) -> String {
        let (name, unit) = match self.subject {
            Subject::Item(item) => {
                let def = catalogue.item(item);
                (lang.pick(&def.name_zh, &def.name_en).to_owned(), def.unit)
            }
            Subject::Indicator(indicator) => {
                let def = catalogue.indicator(indicator);
                let name = lang.pick(&def.name_zh, &def.name_en);
                (
                    format!("{name}{}", lang.pick("（当月）", " (month)")),
                    def.unit,
                )
            }
        };
        let show = |v: Decimal| format::show_value(v, unit);
        let unit_text = format::unit_label(unit, lang);
        let basis = match (self.out.basis, lang) {
            (Basis::YearOnYear, Lang::Zh) => "按同比推算",
            (Basis::MonthOnMonth, Lang::Zh) => "按环比推算",
            (Basis::YearOnYear, Lang::En) => "from the year before",
            (Basis::MonthOnMonth, Lang::En) => "from the months before",
        };
        match lang {
            Lang::Zh => format!(
                "{name} {} {unit_text} 偏离自身历史规律：预期约 {}，合理范围 {}～{}（{basis}）",
                show(self.out.value),
                show(self.out.expected),
                show(self.out.low),
                show(self.out.high),
            ),
            Lang::En => format!(
                "{name} {} {unit_text} is out of line with its history: about {} expected, {} to {} would pass ({basis})",
                show(self.out.value),
                show(self.out.expected),
                show(self.out.low),
                show(self.out.high),
            ),
        }
    }
}

/// Head counts within five people of the expected are never flagged (see [`Rule::floor`]).
const PERSONS_FLOOR: Decimal = Decimal::from_parts(5, 0, 0, false, 0);

/// Months of history read before each month judged: two years.
const HISTORY_MONTHS: i32 = 24;

/// The flags of `entity` for every month of `year`: its own reported items (as filed, before
/// consolidation) and the six indicators of its consolidated month, each judged against the
/// two years before. Months without figures have no entry.
pub fn flags_for_year(
    engine: &Engine,
    entity: EntityId,
    year: i32,
    rule: Rule,
) -> BTreeMap<Month, Vec<MonthFlag>> {
    let mut flags: BTreeMap<Month, Vec<MonthFlag>> = BTreeMap::new();
    let (Ok(january), Ok(december)) = (Month::new(year, 1), Month::new(year, 12)) else {
        return flags;
    };
    let Some(first) = january.offset(-HISTORY_MONTHS) else {
        return flags;
    };
    let months: Vec<Month> = (0..HISTORY_MONTHS + 12)
        .filter_map(|i| first.offset(i))
        .take_while(|m| *m <= december)
        .collect();
    let judged =
        |series: &[Option<Decimal>], subject: Subject, unit: Unit, flags: &mut BTreeMap<_, _>| {
            for (at, month) in months.iter().enumerate() {
                if month.year() != year {
                    continue;
                }
                let rule = Rule {
                    floor: if unit == Unit::Persons {
                        rule.floor.max(PERSONS_FLOOR)
                    } else {
                        rule.floor
                    },
                    month_on_month: rule.month_on_month && month.month() != 1,
                    ..rule
                };
                if let Some(out) = check(series, at, rule) {
                    flags
                        .entry(*month)
                        .or_insert_with(Vec::new)
                        .push(MonthFlag { subject, out });
                }
            }
        };
    let ledger = engine.ledger();
    for (item, def) in engine.catalogue().items().iter().enumerate() {
        if def.derived.is_some() {
            continue;
        }
        let series: Vec<Option<Decimal>> = months
            .iter()
            .map(|m| ledger.get(entity, item, *m))
            .collect();
        if series
            .iter()
            .skip(HISTORY_MONTHS as usize)
            .all(Option::is_none)
        {
            continue;
        }
        judged(&series, Subject::Item(item), def.unit, &mut flags);
    }
    for (indicator, def) in engine.catalogue().indicators_of(IndicatorFamily::Kpi) {
        let series: Vec<Option<Decimal>> = months
            .iter()
            .map(|m| {
                engine
                    .evaluate(entity, Period::new(*m, PeriodBasis::Month), indicator)
                    .ok()
            })
            .collect();
        judged(&series, Subject::Indicator(indicator), def.unit, &mut flags);
    }
    flags
}

/// The median (the mean of the middle two for an even count); sorts `values`.
fn median(values: &mut [Decimal]) -> Option<Decimal> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        Some(values[mid])
    } else {
        // Halved first: the sum of two large values may not fit.
        (values[mid - 1] / Decimal::TWO).checked_add(values[mid] / Decimal::TWO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn series(values: &[&str]) -> Vec<Option<Decimal>> {
        values
            .iter()
            .map(|v| (!v.is_empty()).then(|| d(v)))
            .collect()
    }

    /// Two years of a seasonal series (the second year 10 above the first), then month 25.
    fn seasonal(last: &str) -> Vec<Option<Decimal>> {
        let first = [
            "100", "90", "110", "120", "130", "150", "170", "160", "140", "120", "110", "105",
        ];
        let mut values: Vec<String> = first.iter().map(|v| v.to_string()).collect();
        values.extend(first.iter().map(|v| (d(v) + d("10")).to_string()));
        values.push(last.to_owned());
        series(&values.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn a_month_keyed_ten_times_too_large_is_out_of_line_year_on_year() {
        // Month 24 (index 24) is January of year three. The last twelve year-on-year changes are
        // all 10: median 10, deviation 0, spread 0. Expected: January of year two (110) + 10 =
        // 120. Typical size: year two's values sorted 100 110 115 120 120 130 130 140 150 160
        // 170 180 → (130 + 130) / 2 = 130; the whole of it (share 1) is the tolerance. 1,200 (a
        // zero too many) is out of line; 250 is just within 120 ± 130, 250.01 is not.
        let flagged = check(&seasonal("1200"), 24, Rule::default()).unwrap();
        assert_eq!(flagged.expected, d("120"));
        assert_eq!(flagged.low, d("-10"));
        assert_eq!(flagged.high, d("250"));
        assert_eq!(flagged.basis, Basis::YearOnYear);
        assert_eq!(check(&seasonal("250"), 24, Rule::default()), None);
        assert!(check(&seasonal("250.01"), 24, Rule::default()).is_some());
    }

    #[test]
    fn a_noisy_series_needs_five_spreads() {
        // Month-on-month only (13 months). Changes: +10 −10 +12 −12 +8 −8 +10 −10 +11 −11 +9 −9:
        // median (−8 + 8) / 2 = 0; absolute deviations 8..12, sorted 8 8 9 9 10 10 10 10 11 11
        // 12 12 → median 10, spread 14.826, five spreads 74.13. Sizes: twelve months of 100 or
        // about 110 → median (100 + 108) / 2 = 104; with a share of 0.3, 31.2. Tolerance 74.13
        // around the last month (100): 174.13 passes, 174.14 does not.
        let rule = Rule {
            share: d("0.3"),
            ..Rule::default()
        };
        let mut values = vec!["100"];
        for step in ["10", "12", "8", "10", "11", "9"] {
            values.push(match step {
                "10" => "110",
                "12" => "112",
                "8" => "108",
                "11" => "111",
                _ => "109",
            });
            values.push("100");
        }
        let mut passing = values.clone();
        passing.push("174.13");
        assert_eq!(check(&series(&passing), 13, rule), None);
        values.push("174.14");
        let flagged = check(&series(&values), 13, rule).unwrap();
        assert_eq!(flagged.basis, Basis::MonthOnMonth);
        assert_eq!(flagged.expected, d("100"));
        assert_eq!(flagged.high, d("174.1300"));
    }

    #[test]
    fn head_counts_within_the_floor_and_januaries_without_a_year_before_pass() {
        // Hires 0 or 1 a month for two years, then 4: within the five-person floor.
        let mut values: Vec<&str> = (0..24)
            .map(|m| if m % 5 == 0 { "1" } else { "0" })
            .collect();
        values.push("4");
        let rule = Rule {
            floor: d("5"),
            ..Rule::default()
        };
        assert_eq!(check(&series(&values), 24, rule), None);
        values[24] = "6";
        assert!(check(&series(&values), 24, rule).is_some());
        // Thirteen months, no year before the last: month on month, unless that is refused.
        let mut short = vec!["100"; 12];
        short.push("900");
        assert!(check(&series(&short), 12, Rule::default()).is_some());
        let january = Rule {
            month_on_month: false,
            ..Rule::default()
        };
        assert_eq!(check(&series(&short), 12, january), None);
    }

    #[test]
    fn figures_near_the_decimal_range_give_no_answer_rather_than_a_panic() {
        // A year of the largest decimal, then its negative: every change overflows.
        let mut values = vec![Decimal::MAX; 12];
        values.push(Decimal::MIN);
        let series: Vec<Option<Decimal>> = values.into_iter().map(Some).collect();
        assert_eq!(check(&series, 12, Rule::default()), None);
    }

    #[test]
    fn too_little_history_or_nothing_reported_says_nothing() {
        let short = series(&["100", "110", "90", "100", "105", "5000"]);
        assert_eq!(check(&short, 5, Rule::default()), None);
        let mut missing = seasonal("1200");
        missing[24] = None;
        assert_eq!(check(&missing, 24, Rule::default()), None);
        let zeros = series(&["0"; 14]);
        assert_eq!(check(&zeros, 13, Rule::default()), None);
    }

    #[test]
    fn a_negative_series_is_judged_on_its_changes() {
        // A loss-making unit: −50 every month for two years; −500 is out of line (expected −50,
        // tolerance 1 × 50), −100 is just within, −100.01 is not.
        let mut values = vec!["-50"; 24];
        values.push("-500");
        assert!(check(&series(&values), 24, Rule::default()).is_some());
        values[24] = "-100";
        assert_eq!(check(&series(&values), 24, Rule::default()), None);
        values[24] = "-100.01";
        assert!(check(&series(&values), 24, Rule::default()).is_some());
    }
}
