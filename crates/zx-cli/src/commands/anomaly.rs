//! `zx anomaly nab`: score every `timestamp,value` CSV below a folder with the streaming anomaly
//! detector (`zx-anomaly`), one configuration for all, and write `timestamp,value,anomaly_score`
//! under the same relative path in the output folder (the Numenta Anomaly Benchmark's layout, so
//! `nab_score.py OUT` scores it). Files are read whole and written whole: a bad file stops the
//! run with its name, line and column, before anything of it is written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Subcommand, ValueEnum};
use zx_anomaly::{Config, Detector, WindowedGaussian};
use zx_ingest::series::parse_series;

#[derive(Debug, Subcommand)]
pub enum AnomalyCommand {
    /// Score every `timestamp,value` CSV below `--data` into `--out` (same relative paths).
    Nab {
        /// Folder searched (recursively) for `*.csv` files.
        #[arg(long)]
        data: PathBuf,
        /// Folder the scored files are written to (created when missing).
        #[arg(long)]
        out: PathBuf,
        /// The detector, or the windowed-Gaussian reference it is compared against.
        #[arg(long, value_enum, default_value = "zx")]
        detector: DetectorKind,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetectorKind {
    /// Zengxiao's streaming detector.
    Zx,
    /// NAB's windowed-Gaussian baseline (6,400-row window).
    WindowedGaussian,
}

pub fn run(command: AnomalyCommand) -> Result<()> {
    match command {
        AnomalyCommand::Nab {
            data,
            out,
            detector,
        } => nab(&data, &out, detector),
    }
}

fn nab(data: &Path, out: &Path, detector: DetectorKind) -> Result<()> {
    if !data.is_dir() {
        bail!("{}: not a folder", data.display());
    }
    let mut files = Vec::new();
    collect_csv(data, &mut files)?;
    files.sort();
    let mut rows_total = 0usize;
    for file in &files {
        let rel = file.strip_prefix(data).unwrap_or(file);
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("{}: cannot read as UTF-8 text", file.display()))?;
        let rows = parse_series(&file.display().to_string(), &text)?;
        let mut body = String::with_capacity(text.len() + rows.len() * 10);
        body.push_str("timestamp,value,anomaly_score\n");
        let mut zx = Detector::new(Config::default());
        let mut gauss = WindowedGaussian::new(WindowedGaussian::NAB_WINDOW);
        for row in &rows {
            let score = match detector {
                DetectorKind::Zx => zx.observe(row.at, row.value),
                DetectorKind::WindowedGaussian => gauss.observe(row.value),
            };
            let _ = writeln!(body, "{},{},{score:.6}", row.timestamp_text, row.value_text);
        }
        let dest = out.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create the folder", parent.display()))?;
        }
        std::fs::write(&dest, body).with_context(|| format!("{}: cannot write", dest.display()))?;
        rows_total += rows.len();
    }
    println!(
        "{} files, {rows_total} rows scored into {}",
        files.len(),
        out.display()
    );
    Ok(())
}

fn collect_csv(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("{}: cannot list", dir.display()))?
            .path();
        if path.is_dir() {
            collect_csv(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            files.push(path);
        }
    }
    Ok(())
}
