//! The watch's alarms on the simulated CEMS fleet the demo and the tests use (`zx-hj212`'s
//! `Fleet`): which signals raise, when, and how often a normal signal raises anything — the false
//! alarm rate BENCHMARKS.md quotes.
//!
//! `cargo run --release -p zx-anomaly --example fleet_alarms -- [STACKS] [MINUTES]`

use std::collections::BTreeMap;

use chrono::NaiveDate;
use zx_anomaly::{Watch, WatchConfig, WatchEvent};
use zx_hj212::Fleet;

fn main() {
    let mut args = std::env::args().skip(1);
    let stacks: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(40);
    let minutes: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(4320);
    let Some(start) = NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(0, 0, 0))
    else {
        return;
    };
    let fleet = match Fleet::new(2026, stacks, minutes, start, "88888880000001", "123456") {
        Ok(fleet) => fleet,
        Err(error) => {
            eprintln!("{error}");
            return;
        }
    };
    let mut watches: Vec<Vec<Watch>> = (0..stacks)
        .map(|_| (0..8).map(|_| Watch::new(WatchConfig::default())).collect())
        .collect();
    let mut raises: BTreeMap<(u32, &str), Vec<(u32, &str)>> = BTreeMap::new();
    for minute in 0..minutes {
        let at = fleet.data_time(minute).and_utc().timestamp();
        for stack in 0..stacks {
            for (factor, value) in fleet.values(stack, minute).into_iter().enumerate() {
                let reading: f64 = value.text.parse().unwrap_or(f64::NAN);
                if let (_, Some(WatchEvent::Raise { finding, .. })) =
                    watches[stack as usize][factor].observe(at, reading)
                {
                    raises
                        .entry((stack, value.code))
                        .or_default()
                        .push((minute, finding.as_str()));
                }
            }
        }
    }
    let (drift_stack, stuck_stack) = (0, fleet.stuck_stack());
    let mut planted = 0;
    let mut other = 0;
    for ((stack, code), list) in &raises {
        let is_planted = (*stack == drift_stack && *code == "a21002")
            || (*stack == stuck_stack && *code == "a21026");
        if is_planted {
            planted += list.len();
        } else {
            other += list.len();
        }
        println!(
            "{}stack {stack} {code}: {list:?}",
            if is_planted { "* " } else { "  " }
        );
    }
    let signal_days = f64::from(stacks * 8) * f64::from(minutes) / 1440.0;
    println!(
        "{stacks} stacks × 8 factors × {minutes} minutes; stuck sensor at {:?}; \
         raises on the planted faults {planted}, elsewhere {other} ({:.4} per signal-day)",
        fleet.stuck_minutes(),
        other as f64 / signal_days
    );
}
