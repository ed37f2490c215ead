//! Writes a synthetic group's import files, for benchmarks and for comparing with other tools.
//!
//! `cargo run --release -p zx-demo --example write_synthetic -- ENTITIES MONTHS DIR [SEED]`
//! (`demo` instead of ENTITIES MONTHS writes the demo group: `… -- demo DIR`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let (data, dir) = match args.as_slice() {
        [demo, dir] if demo == "demo" => (zx_demo::demo_group(), PathBuf::from(dir)),
        [entities, months, dir, rest @ ..] if rest.len() <= 1 => {
            let (Ok(entities), Ok(months)) = (entities.parse(), months.parse()) else {
                eprintln!("ENTITIES and MONTHS must be whole numbers");
                return ExitCode::FAILURE;
            };
            let seed = match rest.first().map(|s| s.parse()) {
                None => 1,
                Some(Ok(seed)) => seed,
                Some(Err(_)) => {
                    eprintln!("SEED must be a whole number");
                    return ExitCode::FAILURE;
                }
            };
            (
                zx_demo::synthetic_group(entities, months, seed),
                PathBuf::from(dir),
            )
        }
        _ => {
            eprintln!(
                "usage: write_synthetic ENTITIES MONTHS DIR [SEED] | write_synthetic demo DIR"
            );
            return ExitCode::FAILURE;
        }
    };
    let generated = started.elapsed();
    if let Err(e) = zx_demo::write_csv(&data, &dir) {
        eprintln!("cannot write {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    eprintln!(
        "{} entities, {} rows, {} targets → {} (generated in {:.2?}, written in {:.2?})",
        data.entities.len(),
        data.facts.len(),
        data.targets.len(),
        dir.display(),
        generated,
        started.elapsed() - generated,
    );
    ExitCode::SUCCESS
}
