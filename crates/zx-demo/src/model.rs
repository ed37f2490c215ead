//! The business model behind every plant's figures: revenue from volume × season × growth, costs
//! with an operating leverage (so an outage turns into losses), value added from its income-approach
//! components, and balances that move with profit, dividends and investment.
//!
//! Floats are used for the model only; every figure leaves as a [`Decimal`] rounded to cents (or a
//! whole number of persons) before it becomes an amount.

use rust_decimal::Decimal;
use zx_domain::Month;

use crate::rng::Rng;

/// A plant's business segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segment {
    /// 垃圾焚烧发电.
    WasteToEnergy,
    /// 水务: water supply and wastewater treatment.
    Water,
    /// 光伏.
    Solar,
    /// 风电.
    Wind,
}

impl Segment {
    pub const ALL: [Segment; 4] = [
        Segment::WasteToEnergy,
        Segment::Water,
        Segment::Solar,
        Segment::Wind,
    ];

    /// The segment text used in `entities.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Segment::WasteToEnergy => "waste-to-energy",
            Segment::Water => "water",
            Segment::Solar => "solar",
            Segment::Wind => "wind",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Segment::WasteToEnergy => "垃圾焚烧发电",
            Segment::Water => "水务",
            Segment::Solar => "光伏",
            Segment::Wind => "风电",
        }
    }

    fn profile(self) -> &'static Profile {
        match self {
            Segment::WasteToEnergy => &WASTE_TO_ENERGY,
            Segment::Water => &WATER,
            Segment::Solar => &SOLAR,
            Segment::Wind => &WIND,
        }
    }
}

/// Ranges a plant's parameters are drawn from, per segment. Amounts in yuan per year.
struct Profile {
    revenue: (f64, f64),
    staff: (f64, f64),
    /// Total assets / annual revenue at the start.
    asset_turn: (f64, f64),
    /// Liabilities / assets at the start.
    debt: (f64, f64),
    /// Total profit / revenue in a normal month of the first year.
    margin: (f64, f64),
    /// Variable costs and taxes as a share of revenue.
    variable: f64,
    /// Operating cash flow / revenue.
    cash: (f64, f64),
    /// R&D expenditure / revenue.
    rd: (f64, f64),
    /// Volume growth per year.
    growth: (f64, f64),
    /// Asset growth per year (investment net of depreciation).
    asset_growth: (f64, f64),
    /// Yearly pay per person (labour compensation incl. social insurance).
    wage: (f64, f64),
    depreciation_rate: f64,
    interest_rate: f64,
    /// Relative activity by calendar month (normalised to a mean of 1 when used).
    season: [f64; 12],
}

const WASTE_TO_ENERGY: Profile = Profile {
    revenue: (1.5e8, 3.0e8),
    staff: (80.0, 200.0),
    asset_turn: (5.2, 6.5),
    debt: (0.60, 0.68),
    margin: (0.17, 0.24),
    variable: 0.20,
    cash: (0.30, 0.42),
    rd: (0.012, 0.028),
    growth: (0.05, 0.09),
    asset_growth: (0.02, 0.045),
    wage: (1.3e5, 1.8e5),
    depreciation_rate: 0.04,
    interest_rate: 0.042,
    // Waste volume: the Spring Festival trough, the summer peak.
    season: [
        0.97, 0.90, 0.96, 0.98, 1.00, 1.03, 1.07, 1.08, 1.04, 1.00, 0.98, 0.99,
    ],
};

const WATER: Profile = Profile {
    revenue: (0.4e8, 1.1e8),
    staff: (50.0, 140.0),
    asset_turn: (4.0, 5.2),
    debt: (0.55, 0.65),
    margin: (0.16, 0.25),
    variable: 0.24,
    cash: (0.32, 0.45),
    rd: (0.008, 0.018),
    growth: (0.03, 0.06),
    asset_growth: (0.02, 0.04),
    wage: (1.1e5, 1.5e5),
    depreciation_rate: 0.035,
    interest_rate: 0.04,
    // Summer demand.
    season: [
        0.94, 0.92, 0.95, 0.98, 1.01, 1.05, 1.09, 1.10, 1.04, 1.00, 0.96, 0.96,
    ],
};

const SOLAR: Profile = Profile {
    revenue: (0.2e8, 0.6e8),
    staff: (6.0, 18.0),
    asset_turn: (5.5, 6.5),
    debt: (0.66, 0.74),
    margin: (0.30, 0.40),
    variable: 0.05,
    cash: (0.50, 0.68),
    rd: (0.003, 0.008),
    growth: (0.01, 0.04),
    asset_growth: (0.005, 0.02),
    wage: (1.4e5, 1.9e5),
    depreciation_rate: 0.045,
    interest_rate: 0.036,
    // Irradiance.
    season: [
        0.72, 0.78, 0.92, 1.02, 1.12, 1.10, 1.24, 1.22, 1.08, 0.98, 0.88, 0.74,
    ],
};

const WIND: Profile = Profile {
    revenue: (0.4e8, 1.2e8),
    staff: (10.0, 30.0),
    asset_turn: (5.8, 7.0),
    debt: (0.66, 0.75),
    margin: (0.30, 0.42),
    variable: 0.06,
    cash: (0.52, 0.70),
    rd: (0.003, 0.010),
    growth: (0.0, 0.03),
    asset_growth: (0.005, 0.02),
    wage: (1.5e5, 2.0e5),
    depreciation_rate: 0.045,
    interest_rate: 0.036,
    // The winter monsoon blows, the summer is calm.
    season: [
        1.20, 1.15, 1.08, 0.98, 0.88, 0.83, 0.87, 0.85, 0.92, 1.02, 1.10, 1.16,
    ],
};

/// A deliberate problem, so the cockpit has something red to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trouble {
    /// A furnace is down from this month: volume collapses, repairs cost money, losses follow.
    FurnaceOutage(Month),
    /// Debt-financed expansion from this month: assets grow fast, equity does not.
    DebtClimb(Month),
    /// Customers (local governments, the subsidy fund) stop paying from this month.
    CashCollapse(Month),
    /// No R&D at all.
    NoRd,
}

/// One month of a plant's figures, rounded.
#[derive(Debug, Clone)]
pub(crate) struct Figures {
    pub month: Month,
    pub revenue: Decimal,
    pub total_profit: Decimal,
    pub net_profit: Decimal,
    pub operating_cash_flow: Decimal,
    pub rd_expenditure: Decimal,
    pub value_added: Decimal,
    /// Labour compensation in the month (pay, social insurance, the December bonus): what
    /// profit and value added count, and the demo's 人工成本总额.
    pub labour: Decimal,
    pub employees: Decimal,
    pub assets: Decimal,
    pub liabilities: Decimal,
}

/// A plant's balances at the opening month and its figures for every later month.
#[derive(Debug, Clone)]
pub(crate) struct Simulation {
    pub opening: Month,
    pub opening_assets: Decimal,
    pub opening_liabilities: Decimal,
    pub months: Vec<Figures>,
}

/// Rounds a model value to cents. Values are far inside i64 range (|x| < 9e16).
pub(crate) fn cents(x: f64) -> Decimal {
    Decimal::new((x * 100.0).round() as i64, 2)
}

/// Draws a plant of `segment` and runs it from `first` to `last` (balances also at `first − 1`).
pub(crate) fn simulate(
    rng: &mut Rng,
    segment: Segment,
    first: Month,
    last: Month,
    troubles: &[Trouble],
) -> Simulation {
    let p = segment.profile();
    let revenue = rng.range(p.revenue);
    let staff0 = rng.range(p.staff);
    let mut assets = revenue * rng.range(p.asset_turn);
    let climbs = troubles.iter().any(|t| matches!(t, Trouble::DebtClimb(_)));
    let debt0 = if climbs { 0.68 } else { rng.range(p.debt) };
    let mut equity = assets * (1.0 - debt0);
    let margin = rng.range(p.margin);
    let cash = rng.range(p.cash);
    let rd = rng.range(p.rd);
    let growth = rng.range(p.growth);
    let asset_growth = rng.range(p.asset_growth);
    let wage = rng.range(p.wage);
    // Each plant's own season: the segment's, perturbed, normalised to a mean of 1.
    let mut season = p.season;
    for s in &mut season {
        *s *= 1.0 + 0.02 * rng.normal();
    }
    let mean = season.iter().sum::<f64>() / 12.0;
    for s in &mut season {
        *s /= mean;
    }
    // Waste-to-energy lines stop a few weeks a year for maintenance.
    let maintenance = [4u32, 5, 10, 11][rng.below(4) as usize];

    // Other fixed costs are whatever makes the first year's margin come out as drawn.
    let monthly = revenue / 12.0;
    let labour0 = staff0 * wage / 12.0 * (13.2 / 12.0);
    let depreciation0 = assets * p.depreciation_rate / 12.0;
    let interest0 = (assets - equity) * p.interest_rate / 12.0;
    let other_fixed = (monthly * (1.0 - p.variable - margin) - labour0 - depreciation0 - interest0)
        .max(0.02 * monthly);

    let opening = first.previous().unwrap_or(first);
    let opening_assets = cents(assets);
    let opening_liabilities = cents(assets - equity);
    let mut months = Vec::new();
    let mut net_profit_this_year = 0.0;
    let mut net_profit_last_year = 0.0;
    let count = last.ordinal() - first.ordinal() + 1;
    for t in 0..count.max(0) {
        let Some(month) = first.offset(t) else { break };
        let m = month.month();
        if m == 1 {
            net_profit_last_year = net_profit_this_year;
            net_profit_this_year = 0.0;
        }
        let years = f64::from(t) / 12.0;
        let active = |f: fn(&Trouble) -> Option<Month>| {
            troubles.iter().filter_map(f).any(|from| month >= from)
        };
        let outage = active(|t| match t {
            Trouble::FurnaceOutage(m) => Some(*m),
            _ => None,
        });
        let climbing = active(|t| match t {
            Trouble::DebtClimb(m) => Some(*m),
            _ => None,
        });
        let unpaid = active(|t| match t {
            Trouble::CashCollapse(m) => Some(*m),
            _ => None,
        });
        let no_rd = troubles.contains(&Trouble::NoRd);

        let mut volume =
            (1.0 + growth * years) * season[m as usize - 1] * (1.0 + 0.03 * rng.normal());
        if segment == Segment::WasteToEnergy && m == maintenance {
            volume *= 0.88;
        }
        if outage {
            volume *= 0.60;
        }
        let revenue = monthly * volume;
        let staff = (staff0 * (1.0 + 0.015 * years) + 1.2 * rng.normal())
            .round()
            .max(1.0);
        // December carries the year-end bonus.
        let bonus = if m == 12 { 2.2 } else { 1.0 };
        let labour = staff * wage * (1.0 + 0.04 * years) / 12.0 * bonus;
        let depreciation = assets * p.depreciation_rate / 12.0;
        let interest = (assets - equity) * p.interest_rate / 12.0;
        let other = other_fixed * (1.0 + 0.025 * years) * (1.0 + 0.05 * rng.normal());
        let repairs = if outage { 0.04 * monthly } else { 0.0 };
        let taxes = 0.035 * revenue;
        let total_profit =
            revenue * (1.0 - p.variable) - labour - depreciation - interest - other - repairs;
        let net_profit = if total_profit > 0.0 {
            total_profit * (0.75 + 0.01 * rng.normal())
        } else {
            total_profit
        };
        // Subsidies and gate fees arrive at quarter ends.
        let quarter = if m % 3 == 0 { 1.4 } else { 0.8 };
        let cash_share = if unpaid { 0.06 * cash } else { cash };
        let operating_cash_flow = revenue * (cash_share * quarter + 0.04 * rng.normal());
        let rd_expenditure = if no_rd {
            0.0
        } else {
            // R&D intensity is pushed up a little every year.
            (revenue * rd * (1.0 + 0.06 * years) * (1.0 + 0.12 * rng.normal())).max(0.0)
        };
        let value_added = labour + depreciation + taxes + total_profit;

        // Balances: investment grows assets, profit grows equity, June pays last year's dividend.
        let yearly = if climbing { 0.20 } else { asset_growth };
        assets *= 1.0 + yearly / 12.0 + 0.003 * rng.normal();
        equity += net_profit;
        net_profit_this_year += net_profit;
        if m == 6 && net_profit_last_year > 0.0 {
            equity -= 0.4 * net_profit_last_year;
        }
        months.push(Figures {
            month,
            revenue: cents(revenue),
            total_profit: cents(total_profit),
            net_profit: cents(net_profit),
            operating_cash_flow: cents(operating_cash_flow),
            rd_expenditure: cents(rd_expenditure),
            value_added: cents(value_added),
            labour: cents(labour),
            employees: Decimal::from(staff as i64),
            assets: cents(assets),
            liabilities: cents(assets - equity),
        });
    }
    Simulation {
        opening,
        opening_assets,
        opening_liabilities,
        months,
    }
}
