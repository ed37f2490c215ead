//! Risk grading (safety.md §1): LEC (Graham–Kinney, D = L × E × C) and the risk matrix
//! (R = L × S), mapped to the four colours. The cut-offs are configuration ([`GradingBands`]):
//! groups grade differently, so the defaults of safety.md are data, not code.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use thiserror::Error;

/// The four-colour level (四色): what the maps paint and what decides who must act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// 重大风险
    Red,
    /// 较大风险
    Orange,
    /// 一般风险
    Yellow,
    /// 低风险
    Blue,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::Red,
        RiskLevel::Orange,
        RiskLevel::Yellow,
        RiskLevel::Blue,
    ];

    /// The code used in files, JSON and URLs.
    pub fn code(self) -> &'static str {
        match self {
            RiskLevel::Red => "red",
            RiskLevel::Orange => "orange",
            RiskLevel::Yellow => "yellow",
            RiskLevel::Blue => "blue",
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for RiskLevel {
    type Err = ScoreError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RiskLevel::ALL
            .into_iter()
            .find(|level| level.code() == text.trim())
            .ok_or_else(|| ScoreError::Invalid {
                field: "level",
                value: text.to_owned(),
                allowed: "red, orange, yellow, blue",
            })
    }
}

/// The five LEC grades of Graham–Kinney, from "stop work" to "acceptable".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LecGrade {
    /// 极其危险，不能继续作业
    Extreme,
    /// 高度危险，需立即整改
    High,
    /// 显著危险，需要整改
    Significant,
    /// 一般危险，需要注意
    Possible,
    /// 稍有危险，可以接受
    Slight,
}

impl LecGrade {
    pub fn code(self) -> &'static str {
        match self {
            LecGrade::Extreme => "extreme",
            LecGrade::High => "high",
            LecGrade::Significant => "significant",
            LecGrade::Possible => "possible",
            LecGrade::Slight => "slight",
        }
    }
}

/// A score factor or level that is not one of the allowed values: names the field, the value and
/// what is allowed, so a form or a file row can say exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScoreError {
    #[error("{field} = {value} is not allowed; allowed: {allowed}")]
    Invalid {
        field: &'static str,
        value: String,
        allowed: &'static str,
    },
    #[error("grading bands: {0}")]
    Bands(String),
}

const L_VALUES: &str = "10, 6, 3, 1, 0.5, 0.2, 0.1";
const E_VALUES: &str = "10, 6, 3, 2, 1, 0.5";
const C_VALUES: &str = "100, 40, 15, 7, 3, 1";

fn allowed(list: &str) -> impl Iterator<Item = Decimal> + '_ {
    list.split(", ").filter_map(|v| Decimal::from_str(v).ok())
}

fn check_factor(
    field: &'static str,
    value: Decimal,
    list: &'static str,
) -> Result<Decimal, ScoreError> {
    if allowed(list).any(|v| v == value) {
        Ok(value.normalize())
    } else {
        Err(ScoreError::Invalid {
            field,
            value: value.to_string(),
            allowed: list,
        })
    }
}

/// An LEC score: likelihood (L), exposure (E), consequence (C), each one of the method's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LecScore {
    likelihood: Decimal,
    exposure: Decimal,
    consequence: Decimal,
}

impl LecScore {
    /// Refuses any value outside the method's tables (L = 4 is a typo, not a score).
    pub fn new(
        likelihood: Decimal,
        exposure: Decimal,
        consequence: Decimal,
    ) -> Result<Self, ScoreError> {
        Ok(LecScore {
            likelihood: check_factor("L", likelihood, L_VALUES)?,
            exposure: check_factor("E", exposure, E_VALUES)?,
            consequence: check_factor("C", consequence, C_VALUES)?,
        })
    }

    pub fn likelihood(&self) -> Decimal {
        self.likelihood
    }
    pub fn exposure(&self) -> Decimal {
        self.exposure
    }
    pub fn consequence(&self) -> Decimal {
        self.consequence
    }

    /// D = L × E × C, exact (0.5 × 6 × 7 = 21); at most 10 × 10 × 100, so it cannot overflow.
    pub fn danger(&self) -> Decimal {
        (self.likelihood * self.exposure * self.consequence).normalize()
    }
}

/// A risk-matrix score: likelihood and severity, integers 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MatrixScore {
    likelihood: u8,
    severity: u8,
}

impl MatrixScore {
    pub fn new(likelihood: u8, severity: u8) -> Result<Self, ScoreError> {
        let check = |field, value: u8| {
            if (1..=5).contains(&value) {
                Ok(value)
            } else {
                Err(ScoreError::Invalid {
                    field,
                    value: value.to_string(),
                    allowed: "1, 2, 3, 4, 5",
                })
            }
        };
        Ok(MatrixScore {
            likelihood: check("L", likelihood)?,
            severity: check("S", severity)?,
        })
    }

    pub fn likelihood(&self) -> u8 {
        self.likelihood
    }
    pub fn severity(&self) -> u8 {
        self.severity
    }

    /// R = L × S (1–25).
    pub fn risk(&self) -> u8 {
        self.likelihood * self.severity
    }
}

/// How a hazard or a risk was scored: a site may use either method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Score {
    Lec(LecScore),
    Matrix(MatrixScore),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct LecBand {
    above: Decimal,
    grade: LecGrade,
    level: RiskLevel,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct LecBands {
    bands: Vec<LecBand>,
    otherwise_grade: LecGrade,
    otherwise_level: RiskLevel,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixBand {
    at_least: u8,
    level: RiskLevel,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixBands {
    bands: Vec<MatrixBand>,
    otherwise: RiskLevel,
}

/// The cut-offs from a score to a grade and a colour. A value equal to an LEC cut-off belongs to
/// the lower band (`above` is strict): D = 320 is orange.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingBands {
    lec: LecBands,
    matrix: MatrixBands,
}

/// safety.md §1's defaults, shipped as the file a group edits.
pub const DEFAULT_BANDS_TOML: &str = include_str!("grading.toml");

impl Default for GradingBands {
    fn default() -> Self {
        // A constant of this crate, parsed by a unit test: not input a user controls.
        GradingBands::from_toml(DEFAULT_BANDS_TOML).expect("the shipped grading.toml parses")
    }
}

impl GradingBands {
    /// Reads bands from TOML (the layout of `grading.toml`); bands must be listed from the highest
    /// cut-off down, so the first that applies wins.
    pub fn from_toml(text: &str) -> Result<Self, ScoreError> {
        let bands: GradingBands =
            toml::from_str(text).map_err(|e| ScoreError::Bands(e.to_string()))?;
        let lec_descending = bands
            .lec
            .bands
            .windows(2)
            .all(|pair| pair[0].above > pair[1].above);
        let matrix_descending = bands
            .matrix
            .bands
            .windows(2)
            .all(|pair| pair[0].at_least > pair[1].at_least);
        if !lec_descending || !matrix_descending {
            return Err(ScoreError::Bands(
                "bands must be listed from the highest cut-off down".into(),
            ));
        }
        Ok(bands)
    }

    /// The LEC grade and colour of D.
    pub fn lec(&self, danger: Decimal) -> (LecGrade, RiskLevel) {
        self.lec
            .bands
            .iter()
            .find(|band| danger > band.above)
            .map(|band| (band.grade, band.level))
            .unwrap_or((self.lec.otherwise_grade, self.lec.otherwise_level))
    }

    /// The colour of a matrix product R.
    pub fn matrix(&self, risk: u8) -> RiskLevel {
        self.matrix
            .bands
            .iter()
            .find(|band| risk >= band.at_least)
            .map(|band| band.level)
            .unwrap_or(self.matrix.otherwise)
    }

    /// The colour of a score, whichever method made it.
    pub fn level(&self, score: &Score) -> RiskLevel {
        match score {
            Score::Lec(lec) => self.lec(lec.danger()).1,
            Score::Matrix(matrix) => self.matrix(matrix.risk()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn lec(l: &str, e: &str, c: &str) -> LecScore {
        LecScore::new(d(l), d(e), d(c)).unwrap()
    }

    #[test]
    fn shipped_bands_parse_and_equal_the_written_out_defaults() {
        let parsed = GradingBands::from_toml(DEFAULT_BANDS_TOML).unwrap();
        assert_eq!(parsed.lec.bands.len(), 4);
        assert_eq!(parsed.matrix.bands.len(), 3);
        assert_eq!(parsed.lec.otherwise_level, RiskLevel::Blue);
        assert_eq!(parsed.matrix.otherwise, RiskLevel::Blue);
    }

    #[test]
    fn lec_boundaries_belong_to_the_lower_band() {
        let bands = GradingBands::default();
        // safety.md §1: D = 320 orange, 160 yellow, 70 blue; just above each is the band above.
        assert_eq!(bands.lec(d("320")), (LecGrade::High, RiskLevel::Orange));
        assert_eq!(bands.lec(d("320.01")), (LecGrade::Extreme, RiskLevel::Red));
        assert_eq!(
            bands.lec(d("160")),
            (LecGrade::Significant, RiskLevel::Yellow)
        );
        assert_eq!(bands.lec(d("161")), (LecGrade::High, RiskLevel::Orange));
        assert_eq!(bands.lec(d("70")), (LecGrade::Possible, RiskLevel::Blue));
        assert_eq!(
            bands.lec(d("71")),
            (LecGrade::Significant, RiskLevel::Yellow)
        );
        assert_eq!(bands.lec(d("20")), (LecGrade::Slight, RiskLevel::Blue));
        assert_eq!(bands.lec(d("21")), (LecGrade::Possible, RiskLevel::Blue));
    }

    #[test]
    fn lec_products_are_exact() {
        // 0.5 × 6 × 7 = 21 (safety.md §1); 6 × 3 × 15 = 270; 10 × 10 × 100 = 10000; 3 × 6 × 40 = 720.
        assert_eq!(lec("0.5", "6", "7").danger(), d("21"));
        assert_eq!(lec("6", "3", "15").danger(), d("270"));
        assert_eq!(lec("10", "10", "100").danger(), d("10000"));
        assert_eq!(lec("0.1", "0.5", "1").danger(), d("0.05"));
        let bands = GradingBands::default();
        assert_eq!(
            bands.level(&Score::Lec(lec("6", "3", "15"))),
            RiskLevel::Orange
        );
        assert_eq!(
            bands.level(&Score::Lec(lec("3", "6", "40"))),
            RiskLevel::Red
        );
        // 2 × 10 × ... : E = 2 is allowed, L = 2 is not.
        assert_eq!(lec("1", "2", "100").danger(), d("200"));
    }

    #[test]
    fn lec_values_outside_the_tables_are_refused_by_field() {
        let err = LecScore::new(d("4"), d("6"), d("7")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "L = 4 is not allowed; allowed: 10, 6, 3, 1, 0.5, 0.2, 0.1"
        );
        let err = LecScore::new(d("1"), d("7"), d("7")).unwrap_err();
        assert!(
            matches!(err, ScoreError::Invalid { field: "E", .. }),
            "{err}"
        );
        let err = LecScore::new(d("1"), d("6"), d("50")).unwrap_err();
        assert!(
            matches!(err, ScoreError::Invalid { field: "C", .. }),
            "{err}"
        );
        // 0.50 is the value 0.5.
        assert_eq!(lec("0.50", "6", "7").danger(), d("21"));
    }

    #[test]
    fn matrix_default_bands() {
        let bands = GradingBands::default();
        let level = |l, s| bands.level(&Score::Matrix(MatrixScore::new(l, s).unwrap()));
        assert_eq!(level(4, 5), RiskLevel::Red); // 20
        assert_eq!(level(5, 5), RiskLevel::Red); // 25
        assert_eq!(level(4, 4), RiskLevel::Orange); // 16
        assert_eq!(level(3, 5), RiskLevel::Orange); // 15
        assert_eq!(level(3, 4), RiskLevel::Yellow); // 12
        assert_eq!(level(3, 3), RiskLevel::Yellow); // 9
        assert_eq!(level(2, 4), RiskLevel::Blue); // 8
        assert_eq!(level(1, 1), RiskLevel::Blue); // 1
        assert!(MatrixScore::new(0, 3).is_err());
        assert!(MatrixScore::new(3, 6).is_err());
    }

    #[test]
    fn bands_are_configuration() {
        let text = DEFAULT_BANDS_TOML.replace("above = \"160\"", "above = \"150\"");
        let bands = GradingBands::from_toml(&text).unwrap();
        assert_eq!(bands.lec(d("155")).1, RiskLevel::Orange);
        let unordered = DEFAULT_BANDS_TOML.replace("above = \"70\"", "above = \"700\"");
        assert!(GradingBands::from_toml(&unordered).is_err());
        assert!(GradingBands::from_toml("[lec]\nbands = []").is_err());
    }

    #[test]
    fn levels_read_back_from_their_codes() {
        for level in RiskLevel::ALL {
            assert_eq!(level.code().parse::<RiskLevel>().unwrap(), level);
        }
        assert!("purple".parse::<RiskLevel>().is_err());
    }
}
