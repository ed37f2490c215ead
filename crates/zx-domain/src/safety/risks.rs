//! The risk register (风险分级管控): the standing risks of each site and job, scored by LEC or the
//! risk matrix and painted in four colours by [`GradingBands`], with their controls and the level
//! that answers for them (company, plant, team); and the four-colour map of a plant (area ×
//! level) and of a group (plant × level).

use std::collections::BTreeMap;

use crate::entity::{EntityCode, EntityId, EntityTree};
use crate::notes::Lang;
use crate::safety::grading::{GradingBands, RiskLevel, Score};

/// Who answers for a risk's controls (分级管控: 公司级、厂级、班组级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ControlLevel {
    Company,
    Plant,
    Team,
}

impl ControlLevel {
    pub const ALL: [ControlLevel; 3] = [
        ControlLevel::Company,
        ControlLevel::Plant,
        ControlLevel::Team,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ControlLevel::Company => "company",
            ControlLevel::Plant => "plant",
            ControlLevel::Team => "team",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ControlLevel::Company => lang.pick("公司级", "company"),
            ControlLevel::Plant => lang.pick("厂级", "plant"),
            ControlLevel::Team => lang.pick("班组级", "team"),
        }
    }

    /// The code or the Chinese label (`厂级`, also `车间级` for the plant).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text == "车间级" {
            return Some(ControlLevel::Plant);
        }
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(text) || l.label(Lang::Zh) == text)
    }

    /// The level safety practice expects for a colour: red and orange risks are controlled by
    /// the company, yellow by the plant, blue by the team. A hint for the form, not a rule.
    pub fn usual_for(level: RiskLevel) -> Self {
        match level {
            RiskLevel::Red | RiskLevel::Orange => ControlLevel::Company,
            RiskLevel::Yellow => ControlLevel::Plant,
            RiskLevel::Blue => ControlLevel::Team,
        }
    }
}

/// What kind of work or place a risk is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskCategory {
    ConfinedSpace,
    HotWork,
    WorkAtHeight,
    Lifting,
    ChemicalStorage,
    Electrical,
    Machinery,
    Fire,
    Other,
}

impl RiskCategory {
    pub const ALL: [RiskCategory; 9] = [
        RiskCategory::ConfinedSpace,
        RiskCategory::HotWork,
        RiskCategory::WorkAtHeight,
        RiskCategory::Lifting,
        RiskCategory::ChemicalStorage,
        RiskCategory::Electrical,
        RiskCategory::Machinery,
        RiskCategory::Fire,
        RiskCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskCategory::ConfinedSpace => "confined_space",
            RiskCategory::HotWork => "hot_work",
            RiskCategory::WorkAtHeight => "work_at_height",
            RiskCategory::Lifting => "lifting",
            RiskCategory::ChemicalStorage => "chemical_storage",
            RiskCategory::Electrical => "electrical",
            RiskCategory::Machinery => "machinery",
            RiskCategory::Fire => "fire",
            RiskCategory::Other => "other",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            RiskCategory::ConfinedSpace => lang.pick("有限空间", "confined space"),
            RiskCategory::HotWork => lang.pick("动火作业", "hot work"),
            RiskCategory::WorkAtHeight => lang.pick("高处作业", "work at height"),
            RiskCategory::Lifting => lang.pick("吊装作业", "lifting"),
            RiskCategory::ChemicalStorage => lang.pick("危险化学品储存", "chemical storage"),
            RiskCategory::Electrical => lang.pick("电气作业", "electrical work"),
            RiskCategory::Machinery => lang.pick("机械伤害", "machinery"),
            RiskCategory::Fire => lang.pick("火灾爆炸", "fire and explosion"),
            RiskCategory::Other => lang.pick("其他", "other"),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.into_iter().find(|c| {
            c.as_str().eq_ignore_ascii_case(text)
                || c.label(Lang::Zh) == text
                || c.label(Lang::En).eq_ignore_ascii_case(text)
        })
    }
}

/// A standing risk of a site or job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Risk {
    pub entity: EntityCode,
    /// Where: the area or unit of the plant (渗滤液池, 垃圾吊, 氨水罐区).
    pub area: String,
    /// The job or activity (清理作业, 检修动火).
    pub activity: String,
    pub category: RiskCategory,
    /// What could go wrong (中毒窒息, 高处坠落).
    pub hazard: String,
    pub score: Score,
    /// The controls in place (engineering, management, PPE, emergency).
    pub controls: String,
    pub control_level: ControlLevel,
    /// Who answers for the controls.
    pub owner: String,
}

/// Why a risk cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RiskError {
    #[error("{0} is empty")]
    Empty(&'static str),
}

impl Risk {
    /// Area, activity, hazard, controls and owner must be said.
    pub fn check(&self) -> Result<(), RiskError> {
        for (field, value) in [
            ("area", &self.area),
            ("activity", &self.activity),
            ("hazard", &self.hazard),
            ("controls", &self.controls),
            ("owner", &self.owner),
        ] {
            if value.trim().is_empty() {
                return Err(RiskError::Empty(field));
            }
        }
        Ok(())
    }

    /// The risk's colour under `bands`.
    pub fn level(&self, bands: &GradingBands) -> RiskLevel {
        bands.level(&self.score)
    }
}

/// Counts by colour, indexed in [`RiskLevel::ALL`]'s order (red, orange, yellow, blue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LevelCounts(pub [usize; 4]);

impl LevelCounts {
    fn index(level: RiskLevel) -> usize {
        RiskLevel::ALL.iter().position(|l| *l == level).unwrap_or(3)
    }

    pub fn add(&mut self, level: RiskLevel) {
        self.0[Self::index(level)] += 1;
    }

    pub fn get(&self, level: RiskLevel) -> usize {
        self.0[Self::index(level)]
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// The highest colour counted: what a map paints the cell.
    pub fn highest(&self) -> Option<RiskLevel> {
        RiskLevel::ALL.into_iter().find(|l| self.get(*l) > 0)
    }
}

/// One row of a plant's map: an area and its risks by colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaRow {
    pub area: String,
    pub counts: LevelCounts,
}

/// A plant's four-colour map: its areas (in name order) × colour.
pub fn plant_map<'a>(
    risks: impl IntoIterator<Item = &'a Risk>,
    bands: &GradingBands,
) -> Vec<AreaRow> {
    let mut rows: BTreeMap<&str, LevelCounts> = BTreeMap::new();
    for risk in risks {
        rows.entry(risk.area.trim())
            .or_default()
            .add(risk.level(bands));
    }
    rows.into_iter()
        .map(|(area, counts)| AreaRow {
            area: area.to_owned(),
            counts,
        })
        .collect()
}

/// One row of a group's map: an entity and the risks of its subtree by colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRow {
    pub entity: EntityId,
    pub counts: LevelCounts,
}

/// A group's four-colour map under `root`: one row per entity of the subtree that holds risks
/// itself (plants, usually), in the tree's order, each with its own risks by colour, and the
/// subtree's total. Risks of entities outside the subtree or unknown to the tree are left out.
pub fn group_map<'a>(
    tree: &EntityTree,
    root: EntityId,
    risks: impl IntoIterator<Item = &'a Risk>,
    bands: &GradingBands,
) -> (Vec<EntityRow>, LevelCounts) {
    let mut by_entity: BTreeMap<EntityId, LevelCounts> = BTreeMap::new();
    let mut total = LevelCounts::default();
    for risk in risks {
        let Some(id) = tree.id(&risk.entity) else {
            continue;
        };
        if !tree.is_within(id, root) {
            continue;
        }
        let level = risk.level(bands);
        by_entity.entry(id).or_default().add(level);
        total.add(level);
    }
    let rows = tree
        .subtree(root)
        .into_iter()
        .filter_map(|id| {
            by_entity.get(&id).map(|counts| EntityRow {
                entity: id,
                counts: *counts,
            })
        })
        .collect();
    (rows, total)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::entity::{Entity, EntityKind};
    use crate::safety::grading::{LecScore, MatrixScore};
    use rust_decimal::Decimal;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn lec(l: &str, e: &str, c: &str) -> Score {
        Score::Lec(LecScore::new(d(l), d(e), d(c)).unwrap())
    }

    fn matrix(l: u8, s: u8) -> Score {
        Score::Matrix(MatrixScore::new(l, s).unwrap())
    }

    fn risk(entity: &str, area: &str, score: Score) -> Risk {
        Risk {
            entity: EntityCode::parse(entity).unwrap(),
            area: area.into(),
            activity: "清理作业".into(),
            category: RiskCategory::ConfinedSpace,
            hazard: "中毒窒息".into(),
            score,
            controls: "先通风、再检测、后作业".into(),
            control_level: ControlLevel::Company,
            owner: "张三".into(),
        }
    }

    #[test]
    fn risks_are_graded_by_the_bands_hand_worked() {
        let bands = GradingBands::default();
        let level = |score| risk("P", "a", score).level(&bands);
        // LEC: a value equal to a cut-off belongs to the band below (safety.md §1). D = 320 and
        // D = 160 are no product of the tables' values (320 = 2^6 × 5 and 160 = 2^5 × 5 would need
        // L × E = 8 or 4 with C = 40, or 3.2 or 1.6 with C = 100: none of L × E is), so those two
        // boundaries are checked on the bands: 320 orange, 160 yellow.
        assert_eq!(bands.lec(d("320")).1, RiskLevel::Orange);
        assert_eq!(bands.lec(d("160")).1, RiskLevel::Yellow);
        // D = 1 × 10 × 7 = 70, equal to the cut-off: blue.
        assert_eq!(level(lec("1", "10", "7")), RiskLevel::Blue);
        // D = 6 × 6 × 15 = 540 > 320: red; 1 × 2 × 100 = 200 and 3 × 6 × 15 = 270: orange;
        // 3 × 6 × 7 = 126 and 1 × 2 × 40 = 80: yellow; 0.5 × 6 × 7 = 21: blue.
        assert_eq!(level(lec("6", "6", "15")), RiskLevel::Red);
        assert_eq!(level(lec("1", "2", "100")), RiskLevel::Orange);
        assert_eq!(level(lec("3", "6", "15")), RiskLevel::Orange);
        assert_eq!(level(lec("3", "6", "7")), RiskLevel::Yellow);
        assert_eq!(level(lec("1", "2", "40")), RiskLevel::Yellow);
        assert_eq!(level(lec("0.5", "6", "7")), RiskLevel::Blue);
        // Matrix: R = 4 × 4 = 16 orange, 4 × 5 = 20 red, 3 × 4 = 12 yellow, 2 × 4 = 8 blue.
        assert_eq!(level(matrix(4, 4)), RiskLevel::Orange);
        assert_eq!(level(matrix(4, 5)), RiskLevel::Red);
        assert_eq!(level(matrix(3, 4)), RiskLevel::Yellow);
        assert_eq!(level(matrix(2, 4)), RiskLevel::Blue);
    }

    #[test]
    fn a_risk_names_its_area_activity_hazard_controls_and_owner() {
        let mut r = risk("P", "渗滤液池", matrix(1, 1));
        assert_eq!(r.check(), Ok(()));
        r.controls = "  ".into();
        assert_eq!(r.check(), Err(RiskError::Empty("controls")));
    }

    #[test]
    fn a_plant_map_counts_each_area_by_colour() {
        let bands = GradingBands::default();
        let risks = [
            risk("P", "渗滤液池", matrix(4, 5)), // 20 red
            risk("P", "渗滤液池", matrix(2, 4)), // 8 blue
            risk("P", "垃圾吊", matrix(4, 4)),   // 16 orange
            risk("P", " 垃圾吊 ", matrix(3, 4)), // 12 yellow, same area once trimmed
        ];
        let map = plant_map(&risks, &bands);
        assert_eq!(map.len(), 2);
        assert_eq!(map[0].area, "垃圾吊");
        assert_eq!(map[0].counts, LevelCounts([0, 1, 1, 0]));
        assert_eq!(map[0].counts.highest(), Some(RiskLevel::Orange));
        assert_eq!(map[1].area, "渗滤液池");
        assert_eq!(map[1].counts, LevelCounts([1, 0, 0, 1]));
        assert_eq!(map[1].counts.total(), 2);
    }

    #[test]
    fn a_group_map_counts_each_plant_of_the_subtree() {
        let e = |code: &str, parent: Option<&str>, kind| Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.into(),
            parent: parent.map(|p| EntityCode::parse(p).unwrap()),
            kind,
            region: String::new(),
            segment: String::new(),
        };
        let tree = EntityTree::build(vec![
            e("G", None, EntityKind::Group),
            e("FJ", Some("G"), EntityKind::Subsidiary),
            e("FJ-1", Some("FJ"), EntityKind::Plant),
            e("SC-1", Some("G"), EntityKind::Plant),
        ])
        .unwrap();
        let bands = GradingBands::default();
        let risks = [
            risk("FJ-1", "a", matrix(5, 5)),
            risk("FJ-1", "b", matrix(1, 1)),
            risk("SC-1", "a", matrix(3, 3)),
            risk("XX", "a", matrix(5, 5)), // unknown: left out
        ];
        let root = tree.id_of("G").unwrap();
        let (rows, total) = group_map(&tree, root, &risks, &bands);
        assert_eq!(rows.len(), 2);
        assert_eq!(tree.entity(rows[0].entity).code.as_str(), "FJ-1");
        assert_eq!(rows[0].counts, LevelCounts([1, 0, 0, 1]));
        assert_eq!(total, LevelCounts([1, 0, 1, 1]));
        let fj = tree.id_of("FJ").unwrap();
        let (rows, total) = group_map(&tree, fj, &risks, &bands);
        assert_eq!(rows.len(), 1);
        assert_eq!(total.total(), 2);
    }

    #[test]
    fn control_levels_and_categories_read_back() {
        for l in ControlLevel::ALL {
            assert_eq!(ControlLevel::parse(l.label(Lang::Zh)), Some(l));
            assert_eq!(ControlLevel::parse(l.as_str()), Some(l));
        }
        for c in RiskCategory::ALL {
            assert_eq!(RiskCategory::parse(c.label(Lang::Zh)), Some(c));
            assert_eq!(RiskCategory::parse(c.as_str()), Some(c));
        }
        assert_eq!(
            ControlLevel::usual_for(RiskLevel::Orange),
            ControlLevel::Company
        );
    }
}
