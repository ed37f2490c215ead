//! The demo's standing risks, sites' exposures and the typhoon warning for the Fujian plants:
//! a few risks per plant chosen by segment (a leachate pit and hot work at a waste-to-energy
//! plant, ammonia and confined spaces at a water plant…) in all four colours, and coastal
//! exposure to typhoons in Fujian. Deterministic: the same every time.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use zx_domain::safety::natural::{
    Exposure, FLOOD_SEASON, NaturalHazard, NewWarning, Season, SiteExposure, WarningLevel,
};
use zx_domain::safety::risks::{ControlLevel, Risk, RiskCategory};
use zx_domain::safety::{LecScore, MatrixScore, Score};
use zx_domain::{Entity, EntityKind};

use crate::{DemoData, Segment};

type Template = (
    &'static str,
    &'static str,
    RiskCategory,
    &'static str,
    &'static str,
    ControlLevel,
    &'static str,
);

fn lec(l: i64, e: i64, c: i64) -> Score {
    // The demo's factors are whole table values, always allowed.
    match LecScore::new(Decimal::from(l), Decimal::from(e), Decimal::from(c)) {
        Ok(score) => Score::Lec(score),
        Err(e) => unreachable!("demo LEC factors are table values: {e}"),
    }
}

fn matrix(l: u8, s: u8) -> Score {
    match MatrixScore::new(l, s) {
        Ok(score) => Score::Matrix(score),
        Err(e) => unreachable!("demo matrix factors are 1–5: {e}"),
    }
}

/// (area, activity, category, hazard, controls, level, score key) per segment. The score key
/// picks the score below, so each plant's map shows its colours.
const WTE: &[Template] = &[
    (
        "渗滤液池",
        "清淤及检修作业",
        RiskCategory::ConfinedSpace,
        "硫化氢中毒窒息",
        "作业审批；先通风、再检测、后作业；专人监护",
        ControlLevel::Company,
        "red",
    ),
    (
        "垃圾吊",
        "抓斗检修",
        RiskCategory::WorkAtHeight,
        "高处坠落",
        "系挂安全带；双人作业；检修挂牌上锁",
        ControlLevel::Plant,
        "orange",
    ),
    (
        "锅炉检修平台",
        "检修动火",
        RiskCategory::HotWork,
        "火灾、灼烫",
        "动火作业票；清理可燃物；配备灭火器",
        ControlLevel::Plant,
        "yellow",
    ),
    (
        "氨水罐区",
        "卸氨作业",
        RiskCategory::ChemicalStorage,
        "氨泄漏中毒",
        "双人卸车；喷淋与检测报警联锁；应急洗眼器",
        ControlLevel::Team,
        "blue",
    ),
];

const WATER: &[Template] = &[
    (
        "加氯间",
        "液氯钢瓶更换",
        RiskCategory::ChemicalStorage,
        "氯气泄漏中毒",
        "漏氯吸收装置；正压呼吸器；双人操作",
        ControlLevel::Company,
        "orange",
    ),
    (
        "污泥池",
        "清理作业",
        RiskCategory::ConfinedSpace,
        "中毒窒息",
        "有限空间作业审批；气体检测；专人监护",
        ControlLevel::Plant,
        "yellow",
    ),
    (
        "配电室",
        "倒闸操作",
        RiskCategory::Electrical,
        "触电",
        "操作票；绝缘防护用品；一人操作一人监护",
        ControlLevel::Team,
        "blue",
    ),
];

const RENEWABLE: &[Template] = &[
    (
        "升压站",
        "设备巡检",
        RiskCategory::Electrical,
        "触电、电弧灼伤",
        "两票三制；保持安全距离",
        ControlLevel::Plant,
        "yellow",
    ),
    (
        "组件/机组区",
        "登高检修",
        RiskCategory::WorkAtHeight,
        "高处坠落",
        "安全带；大风天气停止作业",
        ControlLevel::Team,
        "blue",
    ),
];

fn score_for(key: &str, lec_method: bool) -> Score {
    // LEC: 6 × 6 × 15 = 540 red; 3 × 6 × 15 = 270 orange; 3 × 6 × 7 = 126 yellow;
    // 1 × 6 × 7 = 42 blue. Matrix: 4 × 5 = 20 red; 4 × 4 = 16 orange; 3 × 4 = 12 yellow; 2 × 3 = 6 blue.
    match (key, lec_method) {
        ("red", true) => lec(6, 6, 15),
        ("orange", true) => lec(3, 6, 15),
        ("yellow", true) => lec(3, 6, 7),
        (_, true) => lec(1, 6, 7),
        ("red", false) => matrix(4, 5),
        ("orange", false) => matrix(4, 4),
        ("yellow", false) => matrix(3, 4),
        (_, false) => matrix(2, 3),
    }
}

fn plants(data: &DemoData) -> impl Iterator<Item = &Entity> {
    data.entities.iter().filter(|e| e.kind == EntityKind::Plant)
}

/// The demo's standing risks: per plant, its segment's list; waste-to-energy and water plants
/// scored by LEC, the others by the risk matrix (a group uses both).
pub fn demo_risks(data: &DemoData) -> Vec<Risk> {
    let mut out = Vec::new();
    for plant in plants(data) {
        let (list, lec_method) = if plant.segment == Segment::WasteToEnergy.code() {
            (WTE, true)
        } else if plant.segment == Segment::Water.code() {
            (WATER, true)
        } else {
            (RENEWABLE, false)
        };
        for (area, activity, category, hazard, controls, level, key) in list {
            out.push(Risk {
                entity: plant.code.clone(),
                area: (*area).to_owned(),
                activity: (*activity).to_owned(),
                category: *category,
                hazard: (*hazard).to_owned(),
                score: score_for(key, lec_method),
                controls: (*controls).to_owned(),
                control_level: *level,
                owner: format!("{}安全员", plant.name.chars().take(2).collect::<String>()),
            });
        }
    }
    out
}

/// The sites' exposures: Fujian's plants to typhoons (high, the coast) and floods in the flood
/// season; Sichuan's to landslides and earthquakes; the Ningde solar plant says it is not
/// exposed to floods.
pub fn demo_exposures(data: &DemoData) -> Vec<SiteExposure> {
    let mut out = Vec::new();
    for plant in plants(data) {
        let mut add = |hazard, exposure, season: Option<Season>| {
            out.push(SiteExposure {
                entity: plant.code.clone(),
                hazard,
                exposure,
                season,
            });
        };
        match plant.region.as_str() {
            "福建" => {
                add(NaturalHazard::Typhoon, Exposure::High, Season::new(6, 10));
                let flood = if plant.code.as_str() == "FJ-ND-PV" {
                    Exposure::None
                } else {
                    Exposure::Medium
                };
                add(NaturalHazard::Flood, flood, Some(FLOOD_SEASON));
            }
            "四川" => {
                add(
                    NaturalHazard::Landslide,
                    Exposure::Medium,
                    Some(FLOOD_SEASON),
                );
                add(NaturalHazard::Earthquake, Exposure::High, None);
            }
            _ => add(NaturalHazard::Flood, Exposure::Low, Some(FLOOD_SEASON)),
        }
    }
    out
}

/// The demo's typhoon warning for Fujian: orange, in force from two hours before `now` for two
/// days, so the pages show it active with its checklist.
pub fn demo_typhoon_warning(now: DateTime<Utc>) -> NewWarning {
    NewWarning {
        region: "福建".to_owned(),
        hazard: NaturalHazard::Typhoon,
        level: WarningLevel::Orange,
        from: now - TimeDelta::hours(2),
        to: now + TimeDelta::hours(46),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zx_domain::safety::{GradingBands, RiskLevel};

    #[test]
    fn every_plant_has_risks_and_the_waste_plants_show_all_four_colours() {
        let data = crate::demo_group();
        let risks = demo_risks(&data);
        let bands = GradingBands::default();
        for plant in plants(&data) {
            assert!(
                risks.iter().any(|r| r.entity == plant.code),
                "{}",
                plant.code
            );
        }
        let jinjiang: Vec<RiskLevel> = risks
            .iter()
            .filter(|r| r.entity.as_str() == "FJ-JJ-WTE")
            .map(|r| r.level(&bands))
            .collect();
        assert_eq!(
            jinjiang,
            [
                RiskLevel::Red,
                RiskLevel::Orange,
                RiskLevel::Yellow,
                RiskLevel::Blue
            ]
        );
        for r in &risks {
            assert_eq!(r.check(), Ok(()));
        }
    }

    #[test]
    fn fujian_plants_are_exposed_to_typhoons() {
        let data = crate::demo_group();
        let x = demo_exposures(&data);
        let typhoon = x
            .iter()
            .filter(|x| x.hazard == NaturalHazard::Typhoon && x.exposure == Exposure::High)
            .count();
        assert_eq!(typhoon, 10, "the ten Fujian plants");
    }
}
