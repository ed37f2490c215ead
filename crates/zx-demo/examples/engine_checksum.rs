//! The engine's side of the roll-up comparison, for checking `bench/rollup_duckdb.py`: generates the
//! same data as `write_synthetic`, times ledger + consolidation + all six indicators on the ytd
//! basis for every entity and every month whose opening balance month is in the data, and prints
//! the root's six values for the last month rounded half-even to 12 places.
//!
//! `cargo run --release -p zx-demo --example engine_checksum -- ENTITIES MONTHS [SEED]`
//! (or `-- demo`). With `ZX_DUMP=FILE`, also writes every value (`entity,period,indicator,value`,
//! 12 places) to compare with `rollup_duckdb.py --dump`; with `ZX_DROP=N`, leaves fact N out (to
//! check that both sides treat a missing row alike).

use std::fmt::Write as _;
use std::time::Instant;

use rust_decimal::RoundingStrategy;
use zx_domain::{Basis, Catalogue, Engine, EntityTree, Ledger, Period};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = if args.first().map(String::as_str) == Some("demo") {
        zx_demo::demo_group()
    } else {
        let n: Vec<usize> = args
            .iter()
            .map(|a| a.parse().expect("whole numbers: ENTITIES MONTHS [SEED]"))
            .collect();
        zx_demo::synthetic_group(n[0], n[1], n.get(2).copied().unwrap_or(1) as u64)
    };
    let mut data = data;
    // ZX_DROP=N leaves out fact N (0-based), to check both sides treat a late leaf alike.
    if let Some(n) = std::env::var("ZX_DROP")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        data.facts.remove(n);
    }
    let catalogue = Catalogue::builtin().expect("builtin catalogue");
    let tree = EntityTree::build(data.entities).expect("tree");

    let started = Instant::now();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &data.facts);
    if !notes.is_empty() {
        eprintln!(
            "{} data notes, first: {:?}",
            notes.len(),
            &notes[..notes.len().min(3)]
        );
    }
    let ledger_s = started.elapsed().as_secs_f64();
    let engine = Engine::new(tree, catalogue, ledger);
    let consolidate_s = started.elapsed().as_secs_f64() - ledger_s;
    let first_data = engine.ledger().first_month();
    let last = engine.last_month().expect("data");
    let periods: Vec<Period> = (1..engine.ledger().month_count() as i32)
        .filter_map(|o| first_data.offset(o))
        .map(|m| Period::new(m, Basis::Ytd))
        .filter(|p| p.opening().is_some_and(|o| o >= first_data))
        .collect();
    let indicators = engine.catalogue().indicators().len();
    let mut available = 0usize;
    let mut results = 0usize;
    let mut values = Vec::with_capacity(engine.tree().len() * periods.len() * indicators);
    for entity in 0..engine.tree().len() {
        for &period in &periods {
            results += 1;
            for indicator in 0..indicators {
                let value = engine.evaluate(entity, period, indicator);
                available += usize::from(value.is_ok());
                values.push(value.ok());
            }
        }
    }
    let total_s = started.elapsed().as_secs_f64();
    let round = |v: rust_decimal::Decimal| {
        v.round_dp_with_strategy(12, RoundingStrategy::MidpointNearestEven)
    };
    if let Ok(path) = std::env::var("ZX_DUMP") {
        let mut out = String::from("entity,period,indicator,value\n");
        let mut next = values.iter();
        for entity in 0..engine.tree().len() {
            for period in &periods {
                for indicator in 0..indicators {
                    let value = next.next().copied().flatten();
                    let _ = writeln!(
                        out,
                        "{},{},{},{}",
                        engine.tree().entity(entity).code,
                        period.end,
                        engine.catalogue().indicator(indicator).id,
                        value.map(round).map(|v| v.to_string()).unwrap_or_default()
                    );
                }
            }
        }
        std::fs::write(&path, out).expect("write dump");
    }
    let root = engine.tree().roots()[0];
    let period = Period::new(last, Basis::Ytd);
    let checksum: Vec<String> = (0..indicators)
        .map(|i| {
            let id = &engine.catalogue().indicator(i).id;
            match engine.evaluate(root, period, i) {
                Ok(v) => format!("\"{id}\":\"{}\"", round(v)),
                Err(_) => format!("\"{id}\":null"),
            }
        })
        .collect();
    println!(
        "{{\"tool\":\"zx-engine\",\"entities\":{},\"months\":{},\"rows_in\":{},\"results\":{results},\"available\":{available},\"ledger_s\":{ledger_s:.4},\"consolidate_s\":{consolidate_s:.4},\"total_s\":{total_s:.4},\"checksum\":{{\"entity\":\"{}\",\"month\":\"{last}\",{}}}}}",
        engine.tree().len(),
        periods.len(),
        data.facts.len(),
        engine.tree().entity(root).code,
        checksum.join(",")
    );
}
