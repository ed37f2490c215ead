//! An indicator's full-year value from its items' twelve months: the catalogue's formula read
//! over the year (year to date at December) in f64, the way `zx_domain::engine` reads it in
//! decimals. A model's estimate, never an amount: the caller rounds at the edge.

use rust_decimal::prelude::ToPrimitive;
use zx_domain::formula::{Aggregation, BinaryOp, Expr};

/// One item's months for the year: index 0 is December of the year before (the opening
/// balance), 1..=12 January to December.
pub type YearMonths = [f64; 13];

/// The formula's value for the year, `None` where the engine would have none (a zero
/// denominator, `positive(…)` not positive, an input it cannot read).
pub fn evaluate(
    expr: &Expr,
    days: f64,
    months_of: &dyn Fn(usize) -> Option<YearMonths>,
) -> Option<f64> {
    let value = match expr {
        Expr::Number(n) => n.to_f64()?,
        Expr::Days => days,
        Expr::Item { aggregation, item } => {
            let m = months_of(*item)?;
            match aggregation {
                Aggregation::Flow => m[1..].iter().sum(),
                Aggregation::Average => m[1..].iter().sum::<f64>() / 12.0,
                Aggregation::End | Aggregation::AtMonth => m[12],
                Aggregation::Opening => m[0],
            }
        }
        Expr::Negate(inner) => -evaluate(inner, days, months_of)?,
        Expr::Positive(inner) => {
            let v = evaluate(inner, days, months_of)?;
            if v > 0.0 {
                v
            } else {
                return None;
            }
        }
        Expr::Binary { op, left, right } => {
            let l = evaluate(left, days, months_of)?;
            let r = evaluate(right, days, months_of)?;
            match op {
                BinaryOp::Add => l + r,
                BinaryOp::Sub => l - r,
                BinaryOp::Mul => l * r,
                BinaryOp::Div if r == 0.0 => return None,
                BinaryOp::Div => l / r,
            }
        }
    };
    value.is_finite().then_some(value)
}

/// Days in a calendar year (what `days` reads over a full year).
pub fn days_in_year(year: i32) -> f64 {
    if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) {
        366.0
    } else {
        365.0
    }
}
