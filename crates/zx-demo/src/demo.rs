//! The demo group: 中衡环境集团, a fictional state-owned environmental group with six provincial
//! subsidiaries and 57 plants, three years of monthly figures and 2026 targets.

use rust_decimal::Decimal;
use zx_domain::{
    Basis, Catalogue, Engine, Entity, EntityCode, EntityKind, EntityTree, Fact, Ledger, Month,
    Period, Target,
};

use crate::DemoData;
use crate::facts::{Cumulator, leaf_facts, own_facts};
use crate::model::{Segment, Trouble, cents, simulate};
use crate::operating::operating_facts;
use crate::reform::reform_facts;
use crate::rng::Rng;

/// The seed of the demo group's figures. Changing it changes every number.
pub const DEMO_SEED: u64 = 20_261_127;
/// The year the demo's targets are set for.
pub const TARGET_YEAR: i32 = 2026;

/// Balances are given at the month before this one.
fn first_month() -> Month {
    month(2024, 1)
}

/// The latest closed month (today is 2026-11-27).
pub fn demo_last_month() -> Month {
    month(2026, 10)
}

fn month(year: i32, m: u32) -> Month {
    Month::new(year, m).unwrap_or_else(|_| unreachable!("valid constant month"))
}

fn code(text: &str) -> EntityCode {
    EntityCode::parse(text).unwrap_or_else(|_| unreachable!("valid constant code {text}"))
}

use EntityKind::{Company, Group, Plant, Subsidiary};
use Segment::{Solar, WasteToEnergy as Wte, Water, Wind};

/// (code, parent, name, kind, segment). Companies and subsidiaries with mixed plants have none.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    EntityKind,
    Option<Segment>,
);

const ENTITIES: &[Row] = &[
    ("ZX", "", "中衡环境集团有限公司", Group, None),
    // 福建: files year to date.
    ("FJ", "ZX", "中衡环境（福建）有限公司", Subsidiary, None),
    ("FJ-JJ-WTE", "FJ", "晋江垃圾焚烧发电厂", Plant, Some(Wte)),
    ("FJ-NA-WTE", "FJ", "南安垃圾焚烧发电厂", Plant, Some(Wte)),
    ("FJ-QZ-WTE", "FJ", "泉州垃圾焚烧发电厂", Plant, Some(Wte)),
    ("FJ-PT-WTE", "FJ", "莆田垃圾焚烧发电厂", Plant, Some(Wte)),
    ("FJ-ZZ-WTE", "FJ", "漳州垃圾焚烧发电厂", Plant, Some(Wte)),
    ("FJ-LY-WTE", "FJ", "龙岩垃圾焚烧发电厂", Plant, Some(Wte)),
    ("FJ-FZ-WAT", "FJ", "福州污水处理厂", Plant, Some(Water)),
    ("FJ-XM-WAT", "FJ", "厦门水务有限公司", Plant, Some(Water)),
    ("FJ-ND-PV", "FJ", "宁德光伏电站", Plant, Some(Solar)),
    ("FJ-PT-WND", "FJ", "莆田平海湾风电场", Plant, Some(Wind)),
    // 四川: files year to date.
    ("SC", "ZX", "中衡环境（四川）有限公司", Subsidiary, None),
    ("SC-CD-WTE", "SC", "成都垃圾焚烧发电厂", Plant, Some(Wte)),
    ("SC-MY-WTE", "SC", "绵阳垃圾焚烧发电厂", Plant, Some(Wte)),
    ("SC-DY-WTE", "SC", "德阳垃圾焚烧发电厂", Plant, Some(Wte)),
    ("SC-NC-WTE", "SC", "南充垃圾焚烧发电厂", Plant, Some(Wte)),
    ("SC-YB-WTE", "SC", "宜宾垃圾焚烧发电厂", Plant, Some(Wte)),
    ("SC-ZG-WAT", "SC", "自贡水务有限公司", Plant, Some(Water)),
    ("SC-LZ-WAT", "SC", "泸州污水处理厂", Plant, Some(Water)),
    ("SC-LS-WND", "SC", "凉山风电场", Plant, Some(Wind)),
    ("SC-PZH-PV", "SC", "攀枝花光伏电站", Plant, Some(Solar)),
    ("SC-GZ-PV", "SC", "甘孜光伏电站", Plant, Some(Solar)),
    // 江西.
    ("JX", "ZX", "中衡环境（江西）有限公司", Subsidiary, None),
    ("JX-NC-WTE", "JX", "南昌垃圾焚烧发电厂", Plant, Some(Wte)),
    ("JX-GZ-WTE", "JX", "赣州垃圾焚烧发电厂", Plant, Some(Wte)),
    ("JX-JJ-WTE", "JX", "九江垃圾焚烧发电厂", Plant, Some(Wte)),
    ("JX-SR-WTE", "JX", "上饶垃圾焚烧发电厂", Plant, Some(Wte)),
    ("JX-PX-WAT", "JX", "萍乡水务有限公司", Plant, Some(Water)),
    ("JX-JDZ-WAT", "JX", "景德镇污水处理厂", Plant, Some(Water)),
    ("JX-PY-PV", "JX", "鄱阳湖光伏电站", Plant, Some(Solar)),
    // 广东: three companies by business line.
    ("GD", "ZX", "中衡环境（广东）有限公司", Subsidiary, None),
    (
        "GD-NY",
        "GD",
        "中衡（广东）能源有限公司",
        Company,
        Some(Wte),
    ),
    ("GD-HZ-WTE", "GD-NY", "惠州垃圾焚烧发电厂", Plant, Some(Wte)),
    ("GD-JM-WTE", "GD-NY", "江门垃圾焚烧发电厂", Plant, Some(Wte)),
    ("GD-ZJ-WTE", "GD-NY", "湛江垃圾焚烧发电厂", Plant, Some(Wte)),
    ("GD-MM-WTE", "GD-NY", "茂名垃圾焚烧发电厂", Plant, Some(Wte)),
    ("GD-QY-WTE", "GD-NY", "清远垃圾焚烧发电厂", Plant, Some(Wte)),
    ("GD-ZQ-WTE", "GD-NY", "肇庆垃圾焚烧发电厂", Plant, Some(Wte)),
    ("GD-XNY", "GD", "中衡（广东）新能源有限公司", Company, None),
    ("GD-YJ-WND", "GD-XNY", "阳江海上风电场", Plant, Some(Wind)),
    ("GD-SW-WND", "GD-XNY", "汕尾风电场", Plant, Some(Wind)),
    ("GD-ZJ-PV", "GD-XNY", "湛江光伏电站", Plant, Some(Solar)),
    (
        "GD-SW",
        "GD",
        "中衡（广东）水务有限公司",
        Company,
        Some(Water),
    ),
    ("GD-FS-WAT", "GD-SW", "佛山水务有限公司", Plant, Some(Water)),
    ("GD-DG-WAT", "GD-SW", "东莞污水处理厂", Plant, Some(Water)),
    ("GD-ZS-WAT", "GD-SW", "中山污水处理厂", Plant, Some(Water)),
    // 浙江: local governments and the subsidy fund stop paying in 2026.
    ("ZJ", "ZX", "中衡环境（浙江）有限公司", Subsidiary, None),
    ("ZJ-WZ-WTE", "ZJ", "温州垃圾焚烧发电厂", Plant, Some(Wte)),
    ("ZJ-TZ-WTE", "ZJ", "台州垃圾焚烧发电厂", Plant, Some(Wte)),
    ("ZJ-JH-WTE", "ZJ", "金华垃圾焚烧发电厂", Plant, Some(Wte)),
    ("ZJ-SX-WTE", "ZJ", "绍兴垃圾焚烧发电厂", Plant, Some(Wte)),
    ("ZJ-JX-WAT", "ZJ", "嘉兴水务有限公司", Plant, Some(Water)),
    ("ZJ-HZ-WAT", "ZJ", "湖州污水处理厂", Plant, Some(Water)),
    ("ZJ-ZS-WND", "ZJ", "舟山海上风电场", Plant, Some(Wind)),
    ("ZJ-QZ-PV", "ZJ", "衢州光伏电站", Plant, Some(Solar)),
    // 湖南: two companies, water plants held directly.
    ("HN", "ZX", "中衡环境（湖南）有限公司", Subsidiary, None),
    (
        "HN-HJ",
        "HN",
        "中衡（湖南）环境能源有限公司",
        Company,
        Some(Wte),
    ),
    ("HN-CS-WTE", "HN-HJ", "长沙垃圾焚烧发电厂", Plant, Some(Wte)),
    ("HN-ZZ-WTE", "HN-HJ", "株洲垃圾焚烧发电厂", Plant, Some(Wte)),
    ("HN-HY-WTE", "HN-HJ", "衡阳垃圾焚烧发电厂", Plant, Some(Wte)),
    ("HN-YY-WTE", "HN-HJ", "岳阳垃圾焚烧发电厂", Plant, Some(Wte)),
    ("HN-CD-WTE", "HN-HJ", "常德垃圾焚烧发电厂", Plant, Some(Wte)),
    ("HN-XNY", "HN", "中衡（湖南）新能源有限公司", Company, None),
    ("HN-SY-PV", "HN-XNY", "邵阳光伏电站", Plant, Some(Solar)),
    ("HN-LD-PV", "HN-XNY", "娄底光伏电站", Plant, Some(Solar)),
    ("HN-YZ-WND", "HN-XNY", "永州风电场", Plant, Some(Wind)),
    ("HN-XT-WAT", "HN", "湘潭水务有限公司", Plant, Some(Water)),
    ("HN-CZ-WAT", "HN", "郴州污水处理厂", Plant, Some(Water)),
];

/// Province of each subsidiary (and of everything under it).
const REGIONS: &[(&str, &str)] = &[
    ("ZX", "北京"),
    ("FJ", "福建"),
    ("SC", "四川"),
    ("JX", "江西"),
    ("GD", "广东"),
    ("ZJ", "浙江"),
    ("HN", "湖南"),
];

/// Subsidiaries whose plants (and own rows) file flows year to date, as statements are filled.
const YTD_SUBSIDIARIES: &[&str] = &["FJ", "SC"];

/// Intra-group eliminations booked as a parent's own rows: (entity, basis, every n months,
/// monthly revenue eliminated, monthly profit eliminated) in yuan, drawn from these ranges.
type Elimination = (&'static str, Basis, u32, (f64, f64), (f64, f64));
const ELIMINATIONS: &[Elimination] = &[
    // The group's technology and procurement services to its own plants.
    ("ZX", Basis::Month, 1, (2.5e6, 4.0e6), (0.30e6, 0.60e6)),
    ("FJ", Basis::Ytd, 1, (0.8e6, 1.2e6), (0.08e6, 0.15e6)),
    ("SC", Basis::Ytd, 1, (0.6e6, 1.0e6), (0.06e6, 0.12e6)),
    // Quarterly settlement of ash and leachate treatment between Guangdong's companies.
    ("GD", Basis::Month, 3, (2.0e6, 3.0e6), (0.20e6, 0.40e6)),
];

/// The deliberate problems (see the crate documentation).
fn troubles(code: &str) -> Vec<Trouble> {
    let mut out = Vec::new();
    match code {
        "SC-NC-WTE" => out.push(Trouble::FurnaceOutage(month(2026, 3))),
        "JX-PX-WAT" => out.push(Trouble::DebtClimb(month(2025, 1))),
        "HN-SY-PV" => out.push(Trouble::NoRd),
        _ => {}
    }
    if code.starts_with("ZJ-") {
        out.push(Trouble::CashCollapse(month(2026, 1)));
    }
    out
}

fn subsidiary_of(code: &str) -> &str {
    code.split('-').next().unwrap_or(code)
}

fn entities() -> Vec<Entity> {
    ENTITIES
        .iter()
        .map(|&(c, parent, name, kind, segment)| {
            let sub = subsidiary_of(c);
            Entity {
                code: code(c),
                name: name.to_owned(),
                parent: (!parent.is_empty()).then(|| code(parent)),
                kind,
                region: REGIONS
                    .iter()
                    .find(|(s, _)| *s == sub)
                    .map_or("", |(_, r)| r)
                    .to_owned(),
                segment: segment.map_or("", Segment::code).to_owned(),
            }
        })
        .collect()
}

fn facts() -> Vec<Fact> {
    let mut facts = Vec::new();
    let (first, last) = (first_month(), demo_last_month());
    for &(c, _, _, kind, segment) in ENTITIES {
        let entity = code(c);
        let basis = if YTD_SUBSIDIARIES.contains(&subsidiary_of(c)) {
            Basis::Ytd
        } else {
            Basis::Month
        };
        if kind == Plant {
            let segment = segment.unwrap_or(Wte);
            let mut rng = Rng::for_stream(DEMO_SEED, c);
            let sim = simulate(&mut rng, segment, first, last, &troubles(c));
            leaf_facts(&mut facts, &entity, &sim, basis);
            operating_facts(&mut facts, &entity, segment, &sim, basis);
        }
        if let Some(&(_, basis, every, revenue, profit)) = ELIMINATIONS.iter().find(|e| e.0 == c) {
            let mut rng = Rng::for_stream(DEMO_SEED, &format!("elimination:{c}"));
            let mut cumulator = Cumulator::default();
            let mut m = first;
            while m <= last {
                if m.month() % every == 0 {
                    let revenue = rng.range(revenue) * f64::from(every);
                    let profit = rng.range(profit) * f64::from(every);
                    let rows = [
                        (0, cents(-revenue)),
                        (1, cents(-profit)),
                        (2, cents(-profit * 0.75)),
                    ];
                    own_facts(&mut facts, &entity, m, &rows, basis, &mut cumulator);
                }
                m = m.offset(1).unwrap_or_else(|| unreachable!());
            }
        }
    }
    // The reform rows last, so every row before keeps its place (and its revision id); the
    // workforce rows after them for the same reason.
    let mut workforce = Vec::new();
    for &(c, _, _, kind, segment) in ENTITIES {
        if kind != Plant {
            continue;
        }
        let basis = if YTD_SUBSIDIARIES.contains(&subsidiary_of(c)) {
            Basis::Ytd
        } else {
            Basis::Month
        };
        let mut rng = Rng::for_stream(DEMO_SEED, c);
        let sim = simulate(&mut rng, segment.unwrap_or(Wte), first, last, &troubles(c));
        reform_facts(&mut facts, &mut workforce, &code(c), &sim, basis);
    }
    facts.append(&mut workforce);
    facts
}

fn round_to(value: Decimal, step: Decimal) -> Decimal {
    (value / step).round() * step
}

fn ceil_to(value: Decimal, step: Decimal) -> Decimal {
    (value / step).ceil() * step
}

fn factor(rng: &mut Rng, range: (f64, f64)) -> Decimal {
    Decimal::new((rng.range(range) * 10_000.0).round() as i64, 4)
}

/// 2026 targets from each entity's consolidated 2025 actuals: profit +5–10%, the four rates a
/// little better, debt held about where it is (plants of the water and waste segments at 70% at
/// most, the group and its subsidiaries at 65% unless already above).
fn targets(entities: &[Entity], facts: &[Fact]) -> Vec<Target> {
    let tree = EntityTree::build(entities.to_vec()).unwrap_or_else(|e| unreachable!("{e:?}"));
    let catalogue = Catalogue::builtin().unwrap_or_else(|e| unreachable!("{e}"));
    let (ledger, _) = Ledger::from_facts(&tree, &catalogue, facts);
    let engine = Engine::new(tree, catalogue, ledger);
    let period = Period::new(month(TARGET_YEAR - 1, 12), Basis::Ytd);
    let mut out = Vec::new();
    for entity in entities {
        let id = engine
            .tree()
            .id(&entity.code)
            .unwrap_or_else(|| unreachable!());
        let actual = |indicator: &str| {
            let index = engine
                .catalogue()
                .indicator_index(indicator)
                .unwrap_or_else(|| unreachable!());
            engine.evaluate(id, period, index).unwrap_or(Decimal::ZERO)
        };
        let mut rng = Rng::for_stream(DEMO_SEED, &format!("target:{}", entity.code));
        let d = |s: &str| -> Decimal { s.parse().unwrap_or_else(|_| unreachable!()) };
        let profit = round_to(
            actual("total_profit") * factor(&mut rng, (1.05, 1.10)),
            d("10000"),
        );
        let debt = actual("asset_liability_ratio");
        let debt = match entity.segment.as_str() {
            _ if entity.kind != Plant => {
                if debt <= d("0.645") {
                    d("0.65")
                } else {
                    ceil_to(debt + d("0.005"), d("0.01"))
                }
            }
            "solar" | "wind" => ceil_to(debt + d("0.005"), d("0.01")).min(d("0.78")),
            _ => ceil_to(debt + d("0.005"), d("0.01")).min(d("0.70")),
        };
        let roe = (actual("roe") * factor(&mut rng, (1.00, 1.04))).round_dp(4);
        let rd = (actual("rd_intensity") + factor(&mut rng, (0.0003, 0.0008)))
            .max(d("0.003"))
            .round_dp(4);
        let productivity = round_to(
            actual("labour_productivity") * factor(&mut rng, (1.03, 1.06)),
            d("100"),
        );
        let cash = (actual("operating_cash_ratio") * factor(&mut rng, (0.97, 1.02))).round_dp(3);
        for (indicator, value) in [
            ("total_profit", profit),
            ("asset_liability_ratio", debt),
            ("roe", roe),
            ("rd_intensity", rd),
            ("labour_productivity", productivity),
            ("operating_cash_ratio", cash),
        ] {
            out.push(Target {
                entity: entity.code.clone(),
                year: TARGET_YEAR,
                indicator: indicator.to_owned(),
                value: value.normalize(),
            });
        }
        // The headcount plan (用工总量计划): 1 % fewer people than at the end of last year,
        // whole persons; the group also caps dispatched labour at 8 %, under the legal 10 %.
        let headcount = (actual("headcount_total") * d("0.99")).ceil();
        if headcount > Decimal::ZERO {
            out.push(Target {
                entity: entity.code.clone(),
                year: TARGET_YEAR,
                indicator: "headcount_total".to_owned(),
                value: headcount.normalize(),
            });
        }
        if entity.kind == Group {
            out.push(Target {
                entity: entity.code.clone(),
                year: TARGET_YEAR,
                indicator: "dispatched_share".to_owned(),
                value: d("0.08"),
            });
        }
        // The group also sets the reform indicators with a direction (reform.md): a little
        // more profit per yuan of labour cost, a slightly lower personnel expense rate, every
        // manager under a term contract.
        if entity.kind == Group {
            let labour = (actual("labour_cost_profit_rate") * d("1.02")).round_dp(2);
            let personnel = (actual("personnel_expense_rate") - d("0.002")).round_dp(3);
            for (indicator, value) in [
                ("labour_cost_profit_rate", labour),
                ("personnel_expense_rate", personnel),
                ("contract_coverage", Decimal::ONE),
            ] {
                out.push(Target {
                    entity: entity.code.clone(),
                    year: TARGET_YEAR,
                    indicator: indicator.to_owned(),
                    value: value.normalize(),
                });
            }
        }
    }
    out
}

pub(crate) fn demo_group() -> DemoData {
    let entities = entities();
    let facts = facts();
    let targets = targets(&entities, &facts);
    DemoData {
        entities,
        facts,
        targets,
    }
}
