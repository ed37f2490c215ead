//! The demo's R&D portfolio: twenty projects of an energy-conservation and environmental group
//! (fly-ash chelation, leachate treatment, SCR denitrification, smart O&M…) at plants of every
//! subsidiary but the one without R&D, with gates, 2026 budgets, partners and results.
//!
//! Each plant's monthly spend from January to October 2026 is its own reported
//! `rd_expenditure` (YTD filers de-cumulated with `zx_domain::facts::derive_monthly`, as the
//! engine does) split over its projects active that month by weight, cents to the last, so the
//! reconciliation agrees everywhere — except for `RD-JX-01`, which books an extra 360,000 yuan
//! in August 2026 (a pilot reactor's invoice not in the reported R&D): exactly one flagged
//! entity-month. Exactly one late gate: `RD-SC-02`'s pilot (中试) was planned for 2026-09-30 and
//! is not reached; every other unreached gate is planned for mid-2027 or later.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use zx_domain::facts::{SeriesRow, derive_monthly};
use zx_domain::rnd::{
    Budget, FieldKind, Gate, MonthSpend, Partner, PartnerKind, Project, Register, Results, Stage,
};
use zx_domain::{EntityCode, ItemKind, Month};

use crate::DemoData;

/// The project whose spend disagrees with the reported R&D expenditure, the month and the extra.
pub const DISAGREEING: (&str, &str, i64) = ("RD-JX-01", "2026-08", 360_000);
/// The project with the late gate.
pub const LATE: &str = "RD-SC-02";

struct Spec {
    code: &'static str,
    entity: &'static str,
    name: &'static str,
    field: &'static str,
    kind: FieldKind,
    /// Initiation (立项) reached on this date.
    start: (i32, u32, u32),
    /// The last stage reached.
    reached: Stage,
    /// Share of its plant's R&D in months it is active (relative to the plant's other projects).
    weight: i64,
    leader: &'static str,
    members: &'static str,
    partners: &'static [(&'static str, PartnerKind)],
    /// Patents filed, granted, standards, software copyrights, awards, application revenue.
    results: (u32, u32, u32, u32, u32, i64),
}

use FieldKind::{ChainLink, KeyArea};
use PartnerKind::{Company, Institute, University};
use Stage::{Closed, Demonstration, Initiation, Pilot, Research};

const SPECS: &[Spec] = &[
    Spec {
        code: "RD-FJ-01",
        entity: "FJ-JJ-WTE",
        name: "垃圾焚烧飞灰螯合稳定化与资源化利用技术",
        field: "飞灰处置",
        kind: KeyArea,
        start: (2025, 3, 12),
        reached: Pilot,
        weight: 3,
        leader: "林海涛",
        members: "陈静、王磊、黄志强",
        partners: &[("同济大学", University), ("中国环境科学研究院", Institute)],
        results: (4, 2, 1, 0, 0, 1_850_000),
    },
    Spec {
        code: "RD-FJ-02",
        entity: "FJ-JJ-WTE",
        name: "焚烧炉智能燃烧优化控制系统",
        field: "智慧运维",
        kind: ChainLink,
        start: (2025, 9, 3),
        reached: Research,
        weight: 2,
        leader: "郑晓东",
        members: "吴婷、许文斌",
        partners: &[("厦门大学", University)],
        results: (1, 0, 0, 2, 0, 0),
    },
    Spec {
        code: "RD-FJ-03",
        entity: "FJ-QZ-WTE",
        name: "渗滤液膜浓缩液全量化处理技术",
        field: "渗滤液处理",
        kind: KeyArea,
        start: (2024, 11, 18),
        reached: Demonstration,
        weight: 1,
        leader: "蔡明辉",
        members: "李娜、洪少杰",
        partners: &[("清华大学", University), ("闽江环保装备有限公司", Company)],
        results: (5, 3, 1, 1, 1, 3_200_000),
    },
    Spec {
        code: "RD-FJ-04",
        entity: "FJ-XM-WAT",
        name: "污水处理厂精准曝气节能控制",
        field: "节能降耗",
        kind: ChainLink,
        start: (2025, 6, 20),
        reached: Research,
        weight: 1,
        leader: "陈志远",
        members: "叶芳、庄建国",
        partners: &[("福州大学", University)],
        results: (2, 0, 0, 1, 0, 0),
    },
    Spec {
        code: "RD-SC-01",
        entity: "SC-CD-WTE",
        name: "SCR低温脱硝催化剂国产化应用",
        field: "烟气净化",
        kind: KeyArea,
        start: (2025, 2, 10),
        reached: Pilot,
        weight: 3,
        leader: "杨建华",
        members: "刘洋、张敏、罗斌",
        partners: &[
            ("四川大学", University),
            ("中国科学院生态环境研究中心", Institute),
        ],
        results: (3, 1, 0, 0, 0, 600_000),
    },
    Spec {
        code: "RD-SC-02",
        entity: "SC-CD-WTE",
        name: "垃圾焚烧电厂智慧运维平台",
        field: "智慧运维",
        kind: ChainLink,
        start: (2025, 4, 8),
        reached: Research,
        weight: 2,
        leader: "何俊",
        members: "邓丽、周浩",
        partners: &[
            ("电子科技大学", University),
            ("蜀云数智科技有限公司", Company),
        ],
        results: (1, 0, 0, 3, 0, 0),
    },
    Spec {
        code: "RD-SC-03",
        entity: "SC-MY-WTE",
        name: "焚烧炉渣资源化制备绿色建材",
        field: "炉渣综合利用",
        kind: ChainLink,
        start: (2024, 10, 9),
        reached: Demonstration,
        weight: 1,
        leader: "唐志刚",
        members: "王雪、赵鹏",
        partners: &[("西南科技大学", University), ("绵州建材有限公司", Company)],
        results: (3, 2, 1, 0, 1, 2_400_000),
    },
    Spec {
        code: "RD-SC-04",
        entity: "SC-ZG-WAT",
        name: "市政污泥低温干化与协同焚烧",
        field: "污泥处置",
        kind: KeyArea,
        start: (2025, 8, 25),
        reached: Research,
        weight: 1,
        leader: "冯涛",
        members: "钟琳、曾伟",
        partners: &[("西南交通大学", University)],
        results: (1, 0, 0, 0, 0, 0),
    },
    Spec {
        code: "RD-JX-01",
        entity: "JX-NC-WTE",
        name: "SNCR-SCR联合脱硝超低排放技术",
        field: "烟气净化",
        kind: KeyArea,
        start: (2025, 1, 15),
        reached: Pilot,
        weight: 1,
        leader: "熊文杰",
        members: "万琴、胡斌",
        partners: &[("南昌大学", University)],
        results: (2, 1, 0, 0, 0, 0),
    },
    Spec {
        code: "RD-JX-02",
        entity: "JX-PX-WAT",
        name: "供水管网漏损智能监测与定位",
        field: "智慧水务",
        kind: ChainLink,
        start: (2025, 7, 1),
        reached: Research,
        weight: 1,
        leader: "彭亮",
        members: "易红、邹建",
        partners: &[("江西理工大学", University)],
        results: (1, 0, 0, 2, 0, 0),
    },
    Spec {
        code: "RD-GD-01",
        entity: "GD-HZ-WTE",
        name: "二噁英在线监测与过程控制技术",
        field: "烟气净化",
        kind: KeyArea,
        start: (2025, 5, 6),
        reached: Research,
        weight: 2,
        leader: "梁国栋",
        members: "陈晓燕、黄伟",
        partners: &[
            ("华南理工大学", University),
            ("中国科学院广州能源研究所", Institute),
        ],
        results: (2, 0, 0, 0, 0, 0),
    },
    Spec {
        code: "RD-GD-02",
        entity: "GD-HZ-WTE",
        name: "焚烧余热梯级利用提效技术",
        field: "节能降耗",
        kind: ChainLink,
        start: (2024, 6, 3),
        reached: Closed,
        weight: 1,
        leader: "李志明",
        members: "何丽、冯剑",
        partners: &[("广东工业大学", University)],
        results: (4, 3, 1, 0, 1, 4_100_000),
    },
    Spec {
        code: "RD-GD-03",
        entity: "GD-JM-WTE",
        name: "厨余垃圾厌氧消化与沼气提纯",
        field: "有机固废",
        kind: KeyArea,
        start: (2025, 3, 3),
        reached: Pilot,
        weight: 1,
        leader: "谭家豪",
        members: "莫晓琳、区志坚",
        partners: &[("中山大学", University)],
        results: (3, 1, 0, 0, 0, 350_000),
    },
    Spec {
        code: "RD-GD-04",
        entity: "GD-YJ-WND",
        name: "海上风电场无人机智能巡检",
        field: "智慧运维",
        kind: ChainLink,
        start: (2024, 9, 16),
        reached: Demonstration,
        weight: 1,
        leader: "吴海峰",
        members: "林晓、陈嘉",
        partners: &[
            ("南方海洋科学与工程广东省实验室", Institute),
            ("粤翔无人机有限公司", Company),
        ],
        results: (2, 2, 0, 2, 1, 900_000),
    },
    Spec {
        code: "RD-GD-05",
        entity: "GD-FS-WAT",
        name: "MBR膜污染控制与节能运行",
        field: "污水深度处理",
        kind: KeyArea,
        start: (2025, 10, 9),
        reached: Research,
        weight: 1,
        leader: "邝志华",
        members: "麦丽、岑伟",
        partners: &[("华南理工大学", University)],
        results: (1, 0, 0, 0, 0, 0),
    },
    Spec {
        code: "RD-ZJ-01",
        entity: "ZJ-WZ-WTE",
        name: "飞灰水洗脱氯与水泥窑协同处置",
        field: "飞灰处置",
        kind: KeyArea,
        start: (2025, 2, 20),
        reached: Pilot,
        weight: 1,
        leader: "潘建军",
        members: "应丽、金涛",
        partners: &[("浙江大学", University), ("瓯江水泥有限公司", Company)],
        results: (3, 1, 0, 0, 0, 500_000),
    },
    Spec {
        code: "RD-ZJ-02",
        entity: "ZJ-JX-WAT",
        name: "高标准出水深度脱氮除磷工艺",
        field: "污水深度处理",
        kind: KeyArea,
        start: (2025, 6, 2),
        reached: Research,
        weight: 1,
        leader: "沈国华",
        members: "朱琳、钱峰",
        partners: &[("浙江工业大学", University)],
        results: (1, 0, 0, 0, 0, 0),
    },
    Spec {
        code: "RD-HN-01",
        entity: "HN-CS-WTE",
        name: "垃圾渗滤液厌氧氨氧化脱氮技术",
        field: "渗滤液处理",
        kind: KeyArea,
        start: (2025, 4, 14),
        reached: Research,
        weight: 3,
        leader: "刘卫东",
        members: "彭丹、谭勇",
        partners: &[("湖南大学", University)],
        results: (2, 0, 0, 0, 0, 0),
    },
    Spec {
        code: "RD-HN-02",
        entity: "HN-CS-WTE",
        name: "焚烧发电厂碳排放核算与在线监测",
        field: "双碳管理",
        kind: ChainLink,
        start: (2026, 3, 10),
        reached: Initiation,
        weight: 1,
        leader: "周雅",
        members: "李想、贺斌",
        partners: &[("中南大学", University)],
        results: (0, 0, 0, 1, 0, 0),
    },
    Spec {
        code: "RD-HN-03",
        entity: "HN-ZZ-WTE",
        name: "焚烧烟气湿法脱酸废水零排放",
        field: "烟气净化",
        kind: KeyArea,
        start: (2025, 5, 19),
        reached: Research,
        weight: 1,
        leader: "罗建平",
        members: "曹敏、龙飞",
        partners: &[("湘潭大学", University)],
        results: (1, 0, 0, 0, 0, 0),
    },
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| unreachable!("valid constant date"))
}

fn code(text: &str) -> EntityCode {
    EntityCode::parse(text).unwrap_or_else(|_| unreachable!("valid constant code {text}"))
}

fn month(text: &str) -> Month {
    Month::parse(text).unwrap_or_else(|_| unreachable!("valid constant month {text}"))
}

/// Gates six months apart from the start, each reached ten days after its plan (the start
/// three days after); unreached gates planned from 2027-06-30 on, nine months apart — but the
/// late project's next gate, planned 2026-09-30.
fn gates(spec: &Spec) -> [Gate; 5] {
    let (y, m, d) = spec.start;
    let start = date(y, m, d);
    let mut gates = [Gate::default(); 5];
    let mut next_planned = date(2027, 6, 30);
    if spec.code == LATE {
        next_planned = date(2026, 9, 30);
    }
    for stage in Stage::ALL {
        let k = stage.index();
        if stage <= spec.reached {
            let planned = if k == 0 {
                start - chrono::Days::new(3)
            } else {
                start
                    .checked_add_months(Months::new(6 * k as u32))
                    .unwrap_or(start)
            };
            let actual = if k == 0 {
                start
            } else {
                planned + chrono::Days::new(10)
            };
            gates[k] = Gate {
                planned: Some(planned),
                actual: Some(actual),
            };
        } else {
            gates[k] = Gate {
                planned: Some(next_planned),
                actual: None,
            };
            next_planned = next_planned
                .checked_add_months(Months::new(9))
                .unwrap_or(next_planned);
            if next_planned < date(2027, 6, 30) {
                next_planned = date(2027, 6, 30);
            }
        }
    }
    gates
}

/// The months a project is active in 2026: from its start month (or January) to its close
/// month (or October).
fn active(m: Month, gates: &[Gate; 5]) -> bool {
    use chrono::Datelike;
    let month_of = |d: NaiveDate| Month::new(d.year(), d.month()).ok();
    let started = gates[0].actual.and_then(month_of).is_some_and(|s| s <= m);
    let open = gates[4]
        .actual
        .is_none_or(|d| month_of(d).is_some_and(|c| m <= c));
    started && open
}

/// Each plant's own monthly `rd_expenditure` in the demo's figures.
fn reported(data: &DemoData, entity: &EntityCode) -> BTreeMap<Month, Decimal> {
    let mut series: Vec<SeriesRow> = data
        .facts
        .iter()
        .filter(|f| &f.entity == entity && f.item == "rd_expenditure")
        .map(|f| (f.month, f.value, f.basis))
        .collect();
    series.sort_by_key(|r| r.0);
    derive_monthly(ItemKind::Flow, false, &series)
        .amounts
        .into_iter()
        .collect()
}

/// The demo's R&D register (see the module documentation).
pub fn demo_rnd(data: &DemoData) -> Register {
    let mut register = Register::default();
    let all_gates: Vec<[Gate; 5]> = SPECS.iter().map(gates).collect();
    for (spec, gates) in SPECS.iter().zip(&all_gates) {
        let (filed, granted, standards, software, awards, revenue) = spec.results;
        register.projects.push(Project {
            code: spec.code.into(),
            entity: code(spec.entity),
            name: spec.name.into(),
            field: spec.field.into(),
            field_kind: spec.kind,
            gates: *gates,
            leader: spec.leader.into(),
            members: spec.members.split('、').map(str::to_owned).collect(),
            results: Results {
                patents_filed: filed,
                patents_granted: granted,
                standards,
                software_copyrights: software,
                awards,
                application_revenue: Decimal::from(revenue),
            },
        });
        for (name, kind) in spec.partners {
            register.partners.push(Partner {
                project: spec.code.into(),
                name: (*name).into(),
                kind: *kind,
            });
        }
    }
    // Spend: each plant's month split over its active projects, cents to the last.
    let mut spent_2026: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut plants: Vec<&str> = SPECS.iter().map(|s| s.entity).collect();
    plants.dedup();
    for plant in plants {
        let amounts = reported(data, &code(plant));
        for m in 1..=10 {
            let m = Month::new(2026, m).unwrap_or_else(|_| unreachable!("2026 months"));
            let Some(amount) = amounts.get(&m).copied() else {
                continue;
            };
            let here: Vec<(&Spec, i64)> = SPECS
                .iter()
                .zip(&all_gates)
                .filter(|(s, g)| s.entity == plant && active(m, g))
                .map(|(s, _)| (s, s.weight))
                .collect();
            let total: i64 = here.iter().map(|(_, w)| w).sum();
            let mut left = amount;
            for (i, (spec, weight)) in here.iter().enumerate() {
                let share = if i + 1 == here.len() {
                    left
                } else {
                    (amount * Decimal::from(*weight) / Decimal::from(total)).round_dp(2)
                };
                left -= share;
                let mut share = share;
                if (spec.code, m) == (DISAGREEING.0, month(DISAGREEING.1)) {
                    share += Decimal::from(DISAGREEING.2);
                }
                *spent_2026.entry(spec.code).or_default() += share;
                register.spend.push(MonthSpend {
                    project: spec.code.into(),
                    month: m,
                    amount: share,
                });
            }
        }
    }
    // 2026 budgets: the year's spend plus a fifth, in tens of thousands of yuan (RD-GD-04, the
    // drone inspection, was budgeted short: 90 % of what it spent).
    for spec in SPECS {
        let spent = spent_2026.get(spec.code).copied().unwrap_or_default();
        let factor = if spec.code == "RD-GD-04" {
            Decimal::new(9, 1)
        } else {
            Decimal::new(12, 1)
        };
        let budget = (spent * factor / Decimal::from(10_000)).ceil() * Decimal::from(10_000);
        register.budgets.push(Budget {
            project: spec.code.into(),
            year: 2026,
            amount: budget,
        });
    }
    register
        .spend
        .sort_by(|a, b| (&a.project, a.month).cmp(&(&b.project, b.month)));
    register
}

#[cfg(test)]
mod tests {
    use super::*;
    use zx_domain::rnd::{Spend, Tolerance, late_gate, reconcile};

    #[test]
    fn twenty_valid_projects_one_late_gate_one_flagged_month() {
        let data = crate::demo_group();
        let register = demo_rnd(&data);
        assert_eq!(register.projects.len(), 20);
        for p in &register.projects {
            assert_eq!(p.check(), Ok(()), "{}", p.code);
        }
        // Today in the demo is 2026-11-27; the late gate stays the only one until mid-2027.
        for today in [date(2026, 11, 27), date(2027, 6, 29)] {
            let late: Vec<&str> = register
                .projects
                .iter()
                .filter(|p| late_gate(p, today).is_some())
                .map(|p| p.code.as_str())
                .collect();
            assert_eq!(late, [LATE]);
        }
        let entity_of: BTreeMap<&str, EntityCode> = register
            .projects
            .iter()
            .map(|p| (p.code.as_str(), p.entity.clone()))
            .collect();
        let spend: Vec<Spend> = register
            .spend
            .iter()
            .map(|s| Spend {
                project: s.project.clone(),
                entity: entity_of[s.project.as_str()].clone(),
                month: s.month,
                amount: s.amount,
            })
            .collect();
        let reported_by: BTreeMap<EntityCode, BTreeMap<Month, Decimal>> = entity_of
            .values()
            .map(|e| (e.clone(), reported(&data, e)))
            .collect();
        let lookup = |e: &EntityCode, m: Month| reported_by.get(e).and_then(|r| r.get(&m)).copied();
        let results = reconcile(&spend, month("2026-10"), &lookup, Tolerance::default());
        let flagged: Vec<(String, String)> = results
            .iter()
            .filter(|r| r.flagged())
            .map(|r| (r.entity.to_string(), r.month.to_string()))
            .collect();
        assert_eq!(flagged, [("JX-NC-WTE".to_owned(), "2026-08".to_owned())]);
        // 16 plants (FJ 3, SC 3, JX 2, GD 4, ZJ 2, HN 2) × 10 months compared, every one but
        // the flagged agreeing to the cent.
        assert_eq!(results.len(), 160);
        let exact = results
            .iter()
            .filter(|r| r.difference == Some(Decimal::ZERO))
            .count();
        assert_eq!(exact, 159);
        let jx = results.iter().find(|r| r.flagged()).unwrap();
        assert_eq!(jx.difference, Some(Decimal::from(360_000)));
    }
}
