//! External reference values (operations.md): an industry average or best value of an operating
//! indicator, with its source and year, drawn beside the group's own quartiles. They never enter
//! the quartiles: a group's plants are ranked among themselves, the industry is context.

use std::fmt;

use rust_decimal::Decimal;
use thiserror::Error;

use crate::catalogue::{Catalogue, IndicatorFamily, segment_code};
use crate::notes::Lang;

/// What a reference value stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferenceKind {
    /// The industry's average (行业平均).
    Average,
    /// The industry's best, or an advanced value (行业先进/标杆).
    Best,
}

impl ReferenceKind {
    pub const ALL: [ReferenceKind; 2] = [ReferenceKind::Average, ReferenceKind::Best];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Average => "average",
            ReferenceKind::Best => "best",
        }
    }

    /// The code, or the words people write in a sheet (`行业平均`, `先进值`, `标杆`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        match lower.as_str() {
            "average" | "avg" | "mean" | "行业平均" | "平均" | "平均值" | "行业平均值" => {
                Some(ReferenceKind::Average)
            }
            "best" | "advanced" | "benchmark" | "行业先进" | "先进" | "先进值" | "行业最优"
            | "最优" | "最优值" | "标杆" | "标杆值" => Some(ReferenceKind::Best),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ReferenceKind::Average => lang.pick("行业平均", "industry average"),
            ReferenceKind::Best => lang.pick("行业先进", "industry best"),
        }
    }
}

impl fmt::Display for ReferenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reference value as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalReference {
    /// An operating indicator's id.
    pub indicator: String,
    /// The segment it describes (a segment code); `None`: every segment the indicator applies to.
    pub segment: Option<String>,
    pub kind: ReferenceKind,
    /// In the indicator's unit (ratios as fractions).
    pub value: Decimal,
    /// The year the value describes.
    pub year: i32,
    /// Where it comes from (an association's yearbook, a report), so a reader can judge it.
    pub source: String,
}

/// The key one value is kept under: importing the same key again revises it.
pub type ReferenceKey = (String, String, ReferenceKind, i32);

impl ExternalReference {
    pub fn key(&self) -> ReferenceKey {
        (
            self.indicator.clone(),
            self.segment.clone().unwrap_or_default(),
            self.kind,
            self.year,
        )
    }

    /// Refuses a value no chart could draw: an indicator that is not an operating one, a segment
    /// where it does not apply, a year outside 1990–2100, no source. The segment is normalised.
    pub fn check(mut self, catalogue: &Catalogue) -> Result<Self, ReferenceError> {
        let def = catalogue
            .find_indicator(self.indicator.trim())
            .ok_or_else(|| ReferenceError::UnknownIndicator(self.indicator.clone()))?;
        if def.family != IndicatorFamily::Operations {
            return Err(ReferenceError::NotOperating(def.id.clone()));
        }
        self.indicator = def.id.clone();
        self.segment = match self.segment.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                let code = segment_code(text);
                if let Some(list) = catalogue.indicator_segments(def)
                    && !list.contains(&code)
                {
                    return Err(ReferenceError::SegmentNotApplicable {
                        indicator: def.id.clone(),
                        segment: code,
                        applicable: list,
                    });
                }
                Some(code)
            }
        };
        if !(1990..=2100).contains(&self.year) {
            return Err(ReferenceError::Year(self.year));
        }
        self.source = self.source.trim().to_owned();
        if self.source.is_empty() {
            return Err(ReferenceError::NoSource);
        }
        Ok(self)
    }
}

/// Why a reference value is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReferenceError {
    #[error("\"{0}\" is not an indicator of the catalogue")]
    UnknownIndicator(String),
    #[error("{0} is not an operating indicator: only those are benchmarked among plants")]
    NotOperating(String),
    #[error("{indicator} does not apply to segment \"{segment}\" (its segments: {})", applicable.join(", "))]
    SegmentNotApplicable {
        indicator: String,
        segment: String,
        applicable: Vec<String>,
    },
    #[error("year {0} is outside 1990–2100")]
    Year(i32),
    #[error("a reference value needs its source")]
    NoSource,
}

impl ReferenceError {
    /// The message in Chinese.
    pub fn to_string_zh(&self) -> String {
        match self {
            ReferenceError::UnknownIndicator(id) => format!("“{id}”不是指标目录中的指标"),
            ReferenceError::NotOperating(id) => {
                format!("{id} 不是经营指标：只有经营指标参与厂站对标")
            }
            ReferenceError::SegmentNotApplicable {
                indicator,
                segment,
                applicable,
            } => format!(
                "{indicator} 不适用于板块“{segment}”（适用板块：{}）",
                applicable.join("、")
            ),
            ReferenceError::Year(year) => format!("年份 {year} 不在 1990–2100 之间"),
            ReferenceError::NoSource => "参考值须注明来源".to_owned(),
        }
    }
}

/// The references a chart of `indicator` draws: for each segment and kind the latest year's,
/// those of another segment left out when the chart is of one `segment`. In a stable order
/// (segment, kind).
pub fn to_draw<'r>(
    references: &'r [ExternalReference],
    indicator: &str,
    segment: Option<&str>,
) -> Vec<&'r ExternalReference> {
    let segment = segment.map(segment_code);
    let mut chosen: Vec<&ExternalReference> = Vec::new();
    for r in references.iter().filter(|r| r.indicator == indicator) {
        if let (Some(wanted), Some(own)) = (&segment, &r.segment)
            && wanted != own
        {
            continue;
        }
        match chosen
            .iter_mut()
            .find(|c| c.segment == r.segment && c.kind == r.kind)
        {
            Some(c) if c.year < r.year => *c = r,
            Some(_) => {}
            None => chosen.push(r),
        }
    }
    chosen.sort_by(|a, b| a.segment.cmp(&b.segment).then(a.kind.cmp(&b.kind)));
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(
        indicator: &str,
        segment: Option<&str>,
        kind: ReferenceKind,
        year: i32,
    ) -> ExternalReference {
        ExternalReference {
            indicator: indicator.into(),
            segment: segment.map(Into::into),
            kind,
            value: Decimal::new(300, 0),
            year,
            source: "中国环境保护产业协会".into(),
        }
    }

    #[test]
    fn a_reference_is_checked_against_the_catalogue() {
        let catalogue = Catalogue::builtin().unwrap();
        let ok = reference("cost_per_mwh", Some("风电"), ReferenceKind::Best, 2025)
            .check(&catalogue)
            .unwrap();
        assert_eq!(ok.segment.as_deref(), Some("wind"));
        let refused = |r: ExternalReference| r.check(&catalogue).unwrap_err();
        assert_eq!(
            refused(reference("roe", None, ReferenceKind::Average, 2025)),
            ReferenceError::NotOperating("roe".into())
        );
        assert_eq!(
            refused(reference("nope", None, ReferenceKind::Average, 2025)),
            ReferenceError::UnknownIndicator("nope".into())
        );
        assert!(matches!(
            refused(reference("cost_per_tonne", Some("water"), ReferenceKind::Average, 2025)),
            ReferenceError::SegmentNotApplicable { segment, .. } if segment == "water"
        ));
        assert_eq!(
            refused(reference(
                "cost_per_tonne",
                None,
                ReferenceKind::Average,
                1989
            )),
            ReferenceError::Year(1989)
        );
        let mut blank = reference("cost_per_tonne", None, ReferenceKind::Average, 2025);
        blank.source = "  ".into();
        assert_eq!(refused(blank), ReferenceError::NoSource);
    }

    #[test]
    fn the_chart_draws_the_latest_year_of_each_segment_and_kind() {
        let all = vec![
            reference("cost_per_mwh", Some("wind"), ReferenceKind::Average, 2024),
            reference("cost_per_mwh", Some("wind"), ReferenceKind::Average, 2025),
            reference("cost_per_mwh", Some("solar"), ReferenceKind::Average, 2023),
            reference("cost_per_mwh", None, ReferenceKind::Best, 2025),
            reference("cost_per_tonne", None, ReferenceKind::Best, 2025),
        ];
        let years = |drawn: Vec<&ExternalReference>| -> Vec<(Option<String>, i32)> {
            drawn.iter().map(|r| (r.segment.clone(), r.year)).collect()
        };
        assert_eq!(
            years(to_draw(&all, "cost_per_mwh", None)),
            [
                (None, 2025),
                (Some("solar".into()), 2023),
                (Some("wind".into()), 2025)
            ]
        );
        // The wind chart: the wind average of 2025 and the all-segment best; not solar's.
        assert_eq!(
            years(to_draw(&all, "cost_per_mwh", Some("风电"))),
            [(None, 2025), (Some("wind".into()), 2025)]
        );
    }

    #[test]
    fn kinds_read_as_people_write_them() {
        assert_eq!(
            ReferenceKind::parse("行业平均"),
            Some(ReferenceKind::Average)
        );
        assert_eq!(ReferenceKind::parse(" Best "), Some(ReferenceKind::Best));
        assert_eq!(ReferenceKind::parse("标杆值"), Some(ReferenceKind::Best));
        assert_eq!(ReferenceKind::parse("median"), None);
    }
}
