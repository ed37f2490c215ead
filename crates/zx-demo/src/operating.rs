//! Each demo plant's operating data (operations.md): physical quantities derived from its
//! simulated revenue, so volume, season, maintenance stops and outages show in both, and its
//! operating cost (revenue − total profit) split into cost elements that add up to the cent.
//!
//! Drawn from a stream of their own (`operating:<code>`), so the financial figures every other
//! part of the demo and its tests rely on are the same with or without them. Realistic ranges:
//! waste-to-energy 340–520 kWh on grid per tonne, water 0.2–0.4 kWh/m³, wind 1,900–2,500 and
//! solar 1,100–1,450 full-load hours a year.

use rust_decimal::Decimal;
use zx_domain::{Basis, EntityCode, Fact, Month};

use crate::DEMO_SEED;
use crate::facts::Cumulator;
use crate::model::{Segment, Simulation, cents};
use crate::rng::Rng;

/// The cost elements of operations.md, in the order they are written; the last takes what the
/// rounding of the others leaves, so the elements always add up to `operating_cost`.
pub const COST_ELEMENTS: [&str; 8] = [
    "cost_fuel",
    "cost_chemicals",
    "cost_power",
    "cost_water",
    "cost_labour",
    "cost_maintenance",
    "cost_depreciation",
    "cost_other",
];

/// Typical shares of a segment's operating cost by element (before each plant's own variation).
fn cost_shares(segment: Segment) -> [f64; 7] {
    match segment {
        // Auxiliary fuel, lime / activated carbon / chelating agent, bought power, water,
        // labour, maintenance, depreciation.
        Segment::WasteToEnergy => [0.04, 0.11, 0.02, 0.01, 0.16, 0.12, 0.36],
        Segment::Water => [0.0, 0.12, 0.18, 0.02, 0.20, 0.08, 0.30],
        Segment::Solar => [0.0, 0.0, 0.01, 0.005, 0.10, 0.08, 0.62],
        Segment::Wind => [0.0, 0.0, 0.01, 0.005, 0.10, 0.12, 0.58],
    }
}

fn rounded(x: f64, places: u32) -> Decimal {
    let scale = 10f64.powi(places as i32);
    Decimal::new((x * scale).round() as i64, places)
}

fn fact(entity: &EntityCode, month: Month, item: &str, value: Decimal, basis: Basis) -> Fact {
    Fact {
        entity: entity.clone(),
        month,
        item: item.to_owned(),
        value,
        basis,
    }
}

/// One month of a plant's operating figures: flows (item, amount) and stocks (item, balance).
struct OperatingMonth {
    flows: Vec<(&'static str, Decimal)>,
    stocks: Vec<(&'static str, Decimal)>,
}

/// Appends the operating rows of a simulated plant, every month, flows on `basis` (cumulated
/// since January on `ytd`), stocks as month-end balances.
pub(crate) fn operating_facts(
    facts: &mut Vec<Fact>,
    entity: &EntityCode,
    segment: Segment,
    sim: &Simulation,
    basis: Basis,
) {
    let mut rng = Rng::for_stream(DEMO_SEED, &format!("operating:{entity}"));
    // Capacity is sized on the busiest twelve months, so a plant runs below it in a normal
    // year and well below it during an outage.
    let revenues: Vec<f64> = sim.months.iter().map(|f| to_f64(f.revenue)).collect();
    let busiest_year = revenues
        .windows(12.min(revenues.len()).max(1))
        .map(|w| w.iter().sum::<f64>() * 12.0 / w.len() as f64)
        .fold(0.0, f64::max);
    let plant = Plant::draw(&mut rng, segment, busiest_year);
    let shares = {
        let mut shares = cost_shares(segment);
        for s in &mut shares {
            *s *= 1.0 + 0.08 * rng.normal();
        }
        shares
    };
    let mut cumulator = Cumulator::default();
    for f in &sim.months {
        let revenue = to_f64(f.revenue);
        let month = plant.month(&mut rng, segment, revenue);
        let operating_cost = f.revenue - f.total_profit;
        let mut flows = month.flows;
        flows.push(("operating_cost", operating_cost));
        let mut allotted = Decimal::ZERO;
        for (item, share) in COST_ELEMENTS.iter().zip(shares) {
            let amount = cents(to_f64(operating_cost) * share);
            allotted += amount;
            flows.push((item, amount));
        }
        flows.push((COST_ELEMENTS[7], operating_cost - allotted));
        for (index, (item, amount)) in flows.into_iter().enumerate() {
            let value = cumulator.file(basis, f.month, index, amount);
            facts.push(fact(entity, f.month, item, value, basis));
        }
        for (item, balance) in month.stocks {
            facts.push(fact(entity, f.month, item, balance, basis));
        }
    }
}

fn to_f64(value: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    value.to_f64().unwrap_or(0.0)
}

/// A plant's technical constants, drawn once.
struct Plant {
    /// Yuan of revenue per unit of output (t, m³ or MWh).
    revenue_per_unit: f64,
    /// kWh on grid per tonne (waste-to-energy) or consumed per m³ (water).
    specific_power: f64,
    /// Share of generation used by the plant itself.
    self_use: f64,
    /// Share of possible generation curtailed (solar, wind).
    curtailment: f64,
    /// t/d, m³/d or MW.
    capacity: Decimal,
}

impl Plant {
    fn draw(rng: &mut Rng, segment: Segment, yearly_revenue: f64) -> Plant {
        match segment {
            Segment::WasteToEnergy => {
                let on_grid = rng.range((340.0, 520.0));
                let gate_fee = rng.range((60.0, 110.0));
                // Electricity at 0.65 yuan/kWh (with the renewable premium) plus the gate fee.
                let per_tonne = on_grid * 0.65 + gate_fee;
                let load = rng.range((0.90, 1.0));
                let tonnes_per_day = yearly_revenue / per_tonne / 365.0;
                Plant {
                    revenue_per_unit: per_tonne,
                    specific_power: on_grid,
                    self_use: rng.range((0.13, 0.19)),
                    curtailment: 0.0,
                    capacity: rounded(tonnes_per_day / load / 50.0, 0) * Decimal::from(50),
                }
            }
            Segment::Water => {
                let price = rng.range((1.6, 2.8));
                let load = rng.range((0.75, 0.92));
                let per_day = yearly_revenue / price / 365.0;
                Plant {
                    revenue_per_unit: price,
                    specific_power: rng.range((0.22, 0.38)),
                    self_use: 0.0,
                    curtailment: 0.0,
                    capacity: rounded(per_day / load / 1000.0, 0) * Decimal::from(1000),
                }
            }
            Segment::Solar | Segment::Wind => {
                let (tariff, hours, curtailment) = if segment == Segment::Solar {
                    (
                        rng.range((360.0, 450.0)),
                        rng.range((1100.0, 1450.0)),
                        rng.range((0.01, 0.04)),
                    )
                } else {
                    (
                        rng.range((400.0, 520.0)),
                        rng.range((1900.0, 2500.0)),
                        rng.range((0.03, 0.08)),
                    )
                };
                let generated = yearly_revenue / tariff;
                Plant {
                    revenue_per_unit: tariff,
                    specific_power: 0.0,
                    self_use: rng.range((0.01, 0.03)),
                    curtailment,
                    capacity: rounded(generated / hours, 1),
                }
            }
        }
    }

    fn month(&self, rng: &mut Rng, segment: Segment, revenue: f64) -> OperatingMonth {
        let noise = |rng: &mut Rng, sd: f64| 1.0 + sd * rng.normal();
        match segment {
            Segment::WasteToEnergy => {
                let incinerated = revenue / self.revenue_per_unit;
                let on_grid = incinerated * self.specific_power * noise(rng, 0.02) / 1000.0;
                let generated = on_grid / (1.0 - self.self_use * noise(rng, 0.03));
                let received = incinerated * (1.0 + rng.range((0.01, 0.05)));
                OperatingMonth {
                    flows: vec![
                        ("waste_received_t", rounded(received, 1)),
                        ("waste_incinerated_t", rounded(incinerated, 1)),
                        ("power_generated_mwh", rounded(generated, 3)),
                        ("power_on_grid_mwh", rounded(on_grid, 3)),
                    ],
                    stocks: vec![("design_capacity_tpd", self.capacity)],
                }
            }
            Segment::Water => {
                let treated = revenue / self.revenue_per_unit;
                let consumed = treated * self.specific_power * noise(rng, 0.03) / 1000.0;
                OperatingMonth {
                    flows: vec![
                        ("water_treated_m3", rounded(treated, 0)),
                        ("power_consumed_mwh", rounded(consumed, 3)),
                    ],
                    stocks: vec![("design_capacity_m3d", self.capacity)],
                }
            }
            Segment::Solar | Segment::Wind => {
                let on_grid = revenue / self.revenue_per_unit;
                let generated = on_grid / (1.0 - self.self_use);
                let curtailed = generated * self.curtailment * noise(rng, 0.2).max(0.0)
                    / (1.0 - self.curtailment);
                OperatingMonth {
                    flows: vec![
                        ("power_generated_mwh", rounded(generated, 3)),
                        ("power_on_grid_mwh", rounded(on_grid, 3)),
                        ("curtailed_mwh", rounded(curtailed.max(0.0), 3)),
                    ],
                    stocks: vec![("installed_capacity_mw", self.capacity)],
                }
            }
        }
    }
}

/// The demo's industry reference values (a file as `zx references import` reads it): averages and
/// best values for the main operating indicators, plainly marked as illustrative, so the
/// benchmark page shows its reference lines. They are not official statistics.
pub fn demo_references_csv() -> &'static str {
    "indicator,segment,kind,value,year,source\n\
     cost_per_tonne,,average,310,2025,演示数据：示例行业参考值（非官方统计）\n\
     cost_per_tonne,,best,240,2025,演示数据：示例行业参考值（非官方统计）\n\
     on_grid_per_tonne,,average,380,2025,演示数据：示例行业参考值（非官方统计）\n\
     on_grid_per_tonne,,best,460,2025,演示数据：示例行业参考值（非官方统计）\n\
     self_use_rate,waste-to-energy,average,16%,2025,演示数据：示例行业参考值（非官方统计）\n\
     power_per_m3,,average,0.30,2025,演示数据：示例行业参考值（非官方统计）\n\
     power_per_m3,,best,0.22,2025,演示数据：示例行业参考值（非官方统计）\n\
     curtailment_rate,wind,average,4%,2025,演示数据：示例行业参考值（非官方统计）\n\
     curtailment_rate,solar,average,3%,2025,演示数据：示例行业参考值（非官方统计）\n"
}
