//! `zx bench rollup`: consolidation and all indicators at every node, timed; `zx bench
//! benchmark`: every operating indicator benchmarked over every plant, timed.
//!
//! The DuckDB sides of the comparisons are `bench/rollup_duckdb.py` and
//! `bench/benchmark_duckdb.py`, run on the CSV these commands write with `--write-csv`;
//! `bench/rollup.sh` and `bench/benchmark.sh` run both in one go.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use zx_domain::{Basis, Catalogue, Engine, EntityTree, Ledger, Month, Period, format};

use zx_api::{RollupBenchJson, RollupPhasesJson};
use zx_app::DatabaseUrl;

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Where the roll-up's group and data come from.
pub enum Source {
    /// `zx_demo::synthetic_group`, optionally written as CSV (for the DuckDB comparison).
    Synthetic {
        entities: usize,
        seed: u64,
        write_csv: Option<PathBuf>,
    },
    /// Loaded from a database (`--from-db`): what `zx report` and the server read.
    Database(DatabaseUrl),
}

pub async fn rollup(source: Source, months: usize, runs: usize, threads: usize) -> Result<()> {
    if months == 0 || runs == 0 || threads == 0 {
        return Err(anyhow!("--months, --runs and --threads must be at least 1"));
    }
    if months > 600 {
        return Err(anyhow!(
            "--months: at most 600 (50 years) of synthetic data"
        ));
    }
    let started = Instant::now();
    let (data, generate, load) = match &source {
        Source::Synthetic {
            entities,
            seed,
            write_csv,
        } => {
            if *entities == 0 {
                return Err(anyhow!("--entities must be at least 1"));
            }
            let data = zx_demo::synthetic_group(*entities, months, *seed);
            let generate = started.elapsed();
            if let Some(dir) = write_csv {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                zx_demo::write_csv(&data, dir)
                    .with_context(|| format!("cannot write CSV into {}", dir.display()))?;
            }
            (data, Some(generate), None)
        }
        Source::Database(db) => {
            let store = db.open(false).await?;
            let entities = store.entities().await?;
            let facts = store.current_facts().await?;
            let targets = store.targets().await?;
            let load = started.elapsed();
            let data = zx_demo::DemoData {
                entities,
                facts,
                targets,
            };
            (data, None, Some(load))
        }
    };
    let catalogue = Catalogue::builtin().map_err(|e| anyhow!("{e}"))?;
    let tree = EntityTree::build(data.entities.clone())
        .map_err(|e| anyhow!("synthetic tree: {:?}", e.first()))?;
    let last = data
        .facts
        .iter()
        .map(|f| f.month)
        .max()
        .ok_or_else(|| anyhow!("no data generated"))?;
    let first = last
        .offset(-(months as i32 - 1))
        .ok_or_else(|| anyhow!("--months too large"))?;
    let report_months: Vec<Month> = (0..months as i32).filter_map(|i| first.offset(i)).collect();
    let indicators = catalogue.indicators().len();

    let progress = ProgressBar::new(runs as u64);
    progress.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.set_message("rollup");
    let mut totals = Vec::new();
    let mut phases = Vec::new();
    let mut results = 0usize;
    let mut data_notes = 0usize;
    let mut checksum = BTreeMap::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &data.facts);
        let t1 = Instant::now();
        let engine = Engine::new(tree.clone(), catalogue.clone(), ledger);
        let t2 = Instant::now();
        // Indicators of different entities are independent: split the entities over the cores,
        // as DuckDB does with its threads.
        let count = engine.tree().len();
        let chunk = count.div_ceil(threads);
        let available: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let engine = &engine;
                    let report_months = &report_months;
                    scope.spawn(move || {
                        let mut available = 0usize;
                        for entity in (t * chunk)..((t + 1) * chunk).min(count) {
                            for &month in report_months {
                                let period = Period::new(month, Basis::Ytd);
                                for indicator in 0..indicators {
                                    if engine.evaluate(entity, period, indicator).is_ok() {
                                        available += 1;
                                    }
                                }
                            }
                        }
                        available
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
        });
        let t3 = Instant::now();
        if !notes.is_empty() && matches!(source, Source::Synthetic { .. }) {
            return Err(anyhow!(
                "synthetic data produced {} data notes",
                notes.len()
            ));
        }
        results = available;
        data_notes = notes.len();
        totals.push(t3 - t0);
        phases.push((t1 - t0, t2 - t1, t3 - t2));
        let root = engine.tree().roots()[0];
        checksum = engine
            .catalogue()
            .indicators()
            .iter()
            .enumerate()
            .map(|(i, def)| {
                let value = engine
                    .evaluate(root, Period::new(last, Basis::Ytd), i)
                    .map(format::exact)
                    .ok();
                (def.id.clone(), value)
            })
            .collect();
        progress.inc(1);
    }
    progress.finish_and_clear();
    let mut sorted = totals.clone();
    sorted.sort();
    let best_index = totals.iter().position(|t| *t == sorted[0]).unwrap_or(0);
    let (ledger_s, consolidate_s, evaluate_s) = phases[best_index];
    let json = RollupBenchJson {
        tool: "zengxiao",
        version: env!("CARGO_PKG_VERSION"),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        entities: tree.len(),
        months,
        threads,
        rows_in: data.facts.len(),
        results,
        data_notes,
        source: match &source {
            Source::Synthetic { .. } => "synthetic".to_owned(),
            Source::Database(db) => db.to_string(),
        },
        generate_s: generate.map(seconds),
        load_s: load.map(seconds),
        best_s: seconds(sorted[0]),
        median_s: seconds(sorted[sorted.len() / 2]),
        phases_best_s: RollupPhasesJson {
            ledger: seconds(ledger_s),
            consolidate: seconds(consolidate_s),
            evaluate: seconds(evaluate_s),
        },
        checksum,
    };
    // One line, keys sorted, as the scripts have always read it.
    println!("{}", serde_json::to_value(&json)?);
    Ok(())
}

/// `zx bench benchmark`: a synthetic group with operating data for 2026; the ledger and consolidation
/// once (what an import pays, timed as `engine_s`), then all ten operating indicators
/// benchmarked at the root, year to date at the last month, `runs` times. Prints one JSON line
/// with the times and each indicator's statistics as exact decimal strings, to compare with
/// `bench/benchmark_duckdb.py`.
pub fn benchmark(
    entities: usize,
    runs: usize,
    write_csv: Option<PathBuf>,
    seed: u64,
) -> Result<()> {
    if entities == 0 || runs == 0 {
        return Err(anyhow!("--entities and --runs must be at least 1"));
    }
    // A whole year, so every plant's year to date is complete.
    let data = zx_demo::synthetic_operating_group(entities, 12, seed);
    if let Some(dir) = &write_csv {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        zx_demo::write_csv(&data, dir)
            .with_context(|| format!("cannot write CSV into {}", dir.display()))?;
    }
    let catalogue = Catalogue::builtin().map_err(|e| anyhow!("{e}"))?;
    let tree = EntityTree::build(data.entities.clone())
        .map_err(|e| anyhow!("synthetic tree: {:?}", e.first()))?;
    let last = data
        .facts
        .iter()
        .map(|f| f.month)
        .max()
        .ok_or_else(|| anyhow!("no data generated"))?;
    let started = Instant::now();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &data.facts);
    if !notes.is_empty() {
        return Err(anyhow!(
            "synthetic data produced {} data notes",
            notes.len()
        ));
    }
    let engine = Engine::new(tree, catalogue, ledger);
    let engine_s = seconds(started.elapsed());
    let root = engine.tree().roots()[0];
    let period = Period::new(last, Basis::Ytd);
    let plants = (0..engine.tree().len())
        .filter(|&e| engine.tree().is_leaf(e))
        .count();

    let progress = ProgressBar::new(runs as u64);
    progress.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.set_message("benchmark");
    let mut times = Vec::new();
    let mut stats = BTreeMap::new();
    for _ in 0..runs {
        let t = Instant::now();
        let results = engine
            .catalogue()
            .operating_indicators()
            .iter()
            .map(|def| {
                zx_domain::benchmark::benchmark(&engine, root, def, period, None)
                    .map(|b| (def.id.clone(), b))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow!("{e}"))?;
        times.push(t.elapsed());
        stats = results
            .into_iter()
            .filter_map(|(id, b)| {
                b.stats.map(|s| {
                    let exact = |d| format::exact(d);
                    (
                        id,
                        serde_json::json!({
                            "n": s.n, "min": exact(s.min), "q1": exact(s.q1),
                            "median": exact(s.median), "q3": exact(s.q3), "max": exact(s.max),
                            "ranked": b.peers.len(), "missing": b.missing.len(),
                        }),
                    )
                })
            })
            .collect();
        progress.inc(1);
    }
    progress.finish_and_clear();
    let mut sorted = times.clone();
    sorted.sort();
    let json = serde_json::json!({
        "tool": "zengxiao",
        "version": env!("CARGO_PKG_VERSION"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "entities": engine.tree().len(),
        "plants": plants,
        "rows_in": data.facts.len(),
        "period": last.to_string(),
        "engine_s": engine_s,
        "best_s": seconds(sorted[0]),
        "median_s": seconds(sorted[sorted.len() / 2]),
        "runs_s": times.iter().map(|t| seconds(*t)).collect::<Vec<_>>(),
        "stats": stats,
    });
    println!("{json}");
    Ok(())
}
