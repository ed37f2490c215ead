//! `zx cems`: check minute data against an emission standard; export stored minutes.
//!
//! `zx cems check` is a contract: its JSON (`--format json`) is exactly
//! `{"stacks":{MN:{"days":{DAY:{"factors":{CODE:{"daily_avg","day_exceeded","hour_exceedances",
//! "hourly","valid_hours"}},"furnace_low_5min","violation"}}}}}`, keys sorted, averages as strings
//! rounded half away from zero to 3 places (`null` without a valid average), all 24 hours listed.
//! It also holds `zx bench cems`, the compliance engine's benchmark on synthetic minutes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};
use chrono::{NaiveDate, NaiveDateTime};
use clap::Subcommand;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use zx_api::{CemsBenchJson, CemsChecksumJson, CemsSampleJson, CheckJson, hour_key};
use zx_app::DatabaseUrl;
use zx_domain::cems::compliance::{
    FactorDay, StackCompliance, StackMinutes, check_stacks, output_value,
};
use zx_domain::cems::{FactorMap, MinuteReading, Standard};
use zx_domain::{Decimal, Lang, format};
use zx_hj212::simulator::Fleet;

use crate::cli::{Global, TextFormat};

#[derive(Debug, Subcommand)]
pub enum CemsCommand {
    /// Judge a minute CSV (`time,mn,code,value,flag`) by an emission standard: hourly and daily
    /// averages, exceedances, the furnace rule and violation days, per stack and natural day.
    /// With `--mn`, `--from` and `--to` instead of `--input`, a stack's stored minutes are judged
    /// straight from the minute store (read-only, safe while the server runs): the same output
    /// as `zx cems export` of that range piped into `zx cems check`, without the CSV.
    Check {
        /// The minute CSV.
        #[arg(long, required_unless_present = "mn", conflicts_with = "mn")]
        input: Option<PathBuf>,
        /// A stored stack's MN (with `--from` and `--to`).
        #[arg(long, requires_all = ["from", "to"])]
        mn: Option<String>,
        /// First day (`2026-06-01`, inclusive) or minute (`2026-06-01T08:00`).
        #[arg(long, requires = "mn")]
        from: Option<String>,
        /// Last day (`2026-06-02`, inclusive) or minute (`2026-06-01T09:00`, exclusive).
        #[arg(long, requires = "mn")]
        to: Option<String>,
        /// Minute store directory, with `--mn` (default: as `zx cems export`).
        #[arg(long, requires = "mn")]
        dir: Option<PathBuf>,
        /// Settings file, for `[emissions] dir`, with `--mn`.
        #[arg(long, default_value = "zengxiao.toml")]
        config: PathBuf,
        /// A built-in standard id (gb18485-2014) or the path of a standard TOML file.
        #[arg(long, default_value = "gb18485-2014")]
        standard: String,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Write a stack's stored minutes as a minute CSV (the form `zx cems check` reads), so the
    /// server's compliance view can be checked by hand or by another tool. Safe while the server
    /// runs: the store is opened read-only.
    Export {
        /// The stack's MN.
        #[arg(long)]
        mn: String,
        /// First day (`2026-06-01`, inclusive) or minute (`2026-06-01T08:00`).
        #[arg(long)]
        from: String,
        /// Last day (`2026-06-02`, inclusive) or minute (`2026-06-01T09:00`, exclusive).
        #[arg(long)]
        to: String,
        /// Output file (`-` for standard output).
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// Minute store directory (default: `[emissions] dir` of the settings, else beside a
        /// SQLite database: `zengxiao.db.cems`).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Settings file, for `[emissions] dir`.
        #[arg(long, default_value = "zengxiao.toml")]
        config: PathBuf,
    },
}

pub async fn run(global: &Global, db: &DatabaseUrl, command: CemsCommand) -> Result<()> {
    match command {
        CemsCommand::Check {
            input,
            mn,
            from,
            to,
            dir,
            config,
            standard,
            format,
        } => match (input, mn, from, to) {
            (Some(input), _, _, _) => check(global, &input, &standard, format),
            (None, Some(mn), Some(from), Some(to)) => {
                let range = StoredRange {
                    mn: &mn,
                    from: &from,
                    to: &to,
                    dir,
                    config: &config,
                };
                check_stored(global, db, range, &standard, format)
            }
            // clap requires --input or all of --mn, --from and --to.
            _ => Err(anyhow!("give --input FILE, or --mn, --from and --to")),
        },
        CemsCommand::Export {
            mn,
            from,
            to,
            output,
            dir,
            config,
        } => export(global, db, &mn, &from, &to, &output, dir, &config),
    }
}

/// A `--from`/`--to` bound: a date is a whole day (the end's included), a minute is exact (the
/// end's excluded).
fn bound(flag: &str, text: &str, end: bool) -> Result<NaiveDateTime> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end {
            day.succ_opt()
                .ok_or_else(|| anyhow!("{flag} {text}: out of range"))?
        } else {
            day
        };
        return Ok(day.and_time(chrono::NaiveTime::MIN));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map_err(|_| {
        anyhow!("{flag} \"{text}\": expected a day YYYY-MM-DD or a minute YYYY-MM-DDTHH:MM")
    })
}

/// A stack's stored minutes: `--mn`, `--from`, `--to`, and where the store is.
struct StoredRange<'a> {
    mn: &'a str,
    from: &'a str,
    to: &'a str,
    dir: Option<PathBuf>,
    config: &'a Path,
}

/// The minute store opened read-only and the range's bounds (`from <= minute < to`).
fn open_range(
    db: &DatabaseUrl,
    range: &StoredRange<'_>,
) -> Result<(zx_cems_store::MinuteStore, NaiveDateTime, NaiveDateTime)> {
    let start = bound("--from", range.from, false)?;
    let end = bound("--to", range.to, true)?;
    if end <= start {
        return Err(anyhow!(
            "--to {} is not after --from {}",
            range.to,
            range.from
        ));
    }
    let dir = match &range.dir {
        Some(dir) => dir.clone(),
        None => db.minute_store_dir(&zx_server::Settings::load(range.config)?.emissions.dir),
    };
    let store = zx_cems_store::MinuteStore::open_read_only(&dir)
        .with_context(|| format!("cannot read the minute store {}", dir.display()))?;
    Ok((store, start, end))
}

#[allow(clippy::too_many_arguments)] // the subcommand's flags, passed on as they are
fn export(
    global: &Global,
    db: &DatabaseUrl,
    mn: &str,
    from: &str,
    to: &str,
    output: &Path,
    dir: Option<PathBuf>,
    config: &Path,
) -> Result<()> {
    let (store, start, end) = open_range(
        db,
        &StoredRange {
            mn,
            from,
            to,
            dir,
            config,
        },
    )?;
    let readings = store.read(mn, start, end)?;
    if output == Path::new("-") {
        let stdout = std::io::stdout();
        zx_ingest::minutes::write_minutes(stdout.lock(), &readings)?;
    } else {
        let file = std::fs::File::create(output)
            .with_context(|| format!("cannot create {}", output.display()))?;
        zx_ingest::minutes::write_minutes(std::io::BufWriter::new(file), &readings)
            .with_context(|| format!("cannot write {}", output.display()))?;
        eprintln!(
            "{} {} → {}",
            readings.len(),
            Lang::parse(&global.lang)
                .unwrap_or(Lang::Zh)
                .pick("条分钟数据", "minute readings"),
            output.display()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// zx cems check

/// A built-in id first, then a file; the error names both possibilities.
fn load_standard(arg: &str) -> Result<Standard> {
    match Standard::builtin(arg) {
        Ok(standard) => Ok(standard),
        Err(unknown) => {
            let path = Path::new(arg);
            if !path.is_file() {
                return Err(anyhow!("--standard: {unknown}, and no file {arg:?} exists"));
            }
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the standard file {}", path.display()))?;
            Standard::from_toml(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
        }
    }
}

/// Readings grouped by stack (MN), each stack's readings in file order (which decides
/// duplicates: the last one wins).
fn group_by_stack(readings: Vec<MinuteReading>) -> BTreeMap<String, Vec<MinuteReading>> {
    let mut stacks: BTreeMap<String, Vec<MinuteReading>> = BTreeMap::new();
    for reading in readings {
        match stacks.get_mut(&reading.mn) {
            Some(list) => list.push(reading),
            None => {
                stacks.insert(reading.mn.clone(), vec![reading]);
            }
        }
    }
    stacks
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `zx cems check --mn`: the stack's stored minutes judged day by day straight from the
/// store's columns (`zx_app::cems`), printed as `check` prints a CSV of the same minutes. As
/// there, the stack's registered aliases are not applied: codes are read as sent.
fn check_stored(
    global: &Global,
    db: &DatabaseUrl,
    range: StoredRange<'_>,
    standard: &str,
    format: TextFormat,
) -> Result<()> {
    let lang = crate::app::lang(global)?;
    let standard = load_standard(standard)?;
    let (store, start, end) = open_range(db, &range)?;
    let map = FactorMap::default();
    let days =
        zx_app::cems::judge_stored_days(&store, range.mn, start, end, &map, &standard, threads())?;
    let result = StackCompliance { days };
    let verdicts: Vec<(&str, &StackCompliance)> = if result.days.is_empty() {
        Vec::new()
    } else {
        vec![(range.mn, &result)]
    };
    print_check(&verdicts, &standard, lang, format)
}

fn check(global: &Global, input: &Path, standard: &str, format: TextFormat) -> Result<()> {
    let lang = crate::app::lang(global)?;
    let standard = load_standard(standard)?;
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let readings = zx_ingest::minutes::read_minutes(&input.display().to_string(), &bytes)?;
    let stacks = group_by_stack(readings);
    // Stacks in a CSV are not registered: they use the default factor map.
    let map = FactorMap::default();
    let inputs: Vec<StackMinutes<'_>> = stacks
        .iter()
        .map(|(mn, readings)| StackMinutes {
            mn,
            readings,
            factors: &map,
        })
        .collect();
    let results = check_stacks(&inputs, &standard, threads());
    let verdicts: Vec<(&str, &StackCompliance)> =
        inputs.iter().map(|stack| stack.mn).zip(&results).collect();
    print_check(&verdicts, &standard, lang, format)
}

/// The verdicts as `zx cems check` prints them: the JSON contract or the tables.
fn print_check(
    verdicts: &[(&str, &StackCompliance)],
    standard: &Standard,
    lang: Lang,
    format: TextFormat,
) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        TextFormat::Json => {
            serde_json::to_writer(&mut out, &CheckJson::new(verdicts))?;
            writeln!(out)?;
        }
        TextFormat::Text => write!(out, "{}", check_text(verdicts, standard, lang))?,
    }
    out.flush()?;
    Ok(())
}

/// One table per stack-day: the 24 hourly averages of each factor (`*` marks an hour above
/// the 1-hour limit), then the daily average, valid hours, capture rate and verdict.
fn check_text(verdicts: &[(&str, &StackCompliance)], standard: &Standard, lang: Lang) -> String {
    let mut text = String::new();
    let yes_no = |value: bool| -> &str {
        match (value, lang) {
            (true, Lang::Zh) => "是",
            (false, Lang::Zh) => "否",
            (true, Lang::En) => "yes",
            (false, Lang::En) => "no",
        }
    };
    let name = |code: &str| -> String {
        match standard.factor(code) {
            Some(limit) => format!("{code} {}", lang.pick(&limit.name_zh, &limit.name_en)),
            None => code.to_owned(),
        }
    };
    let average = |value: Option<Decimal>| value.map_or_else(|| "—".to_owned(), output_value);
    if verdicts.is_empty() {
        let _ = writeln!(
            text,
            "{}",
            lang.pick("文件中没有分钟数据。", "no minute data in the file.")
        );
    }
    for (mn, result) in verdicts {
        for (date, day) in &result.days {
            let verdict = if day.violation {
                lang.pick("违规日", "VIOLATION DAY")
            } else {
                lang.pick("达标", "compliant")
            };
            let _ = writeln!(
                text,
                "{} {mn}  {} {date}  {} ({})",
                lang.pick("排放口", "stack"),
                lang.pick("日期", "day"),
                verdict,
                standard.id
            );
            if !day.factors.is_empty() {
                let mut table = Table::new();
                table
                    .load_preset(presets::UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Disabled);
                if !std::io::stdout().is_terminal() {
                    table.force_no_tty();
                }
                let mut header = vec![Cell::new(lang.pick("小时", "hour"))];
                header.extend(day.factors.keys().map(|code| Cell::new(name(code))));
                table.set_header(header);
                let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
                for hour in 0..24 {
                    let mut row = vec![Cell::new(hour_key(hour))];
                    for factor in day.factors.values() {
                        let mark = if factor.hour_exceedances.contains(&(hour as u32)) {
                            "*"
                        } else {
                            " "
                        };
                        row.push(right(format!(
                            "{}{mark}",
                            average(factor.hourly[hour].average)
                        )));
                    }
                    table.add_row(row);
                }
                let factors: Vec<&FactorDay> = day.factors.values().collect();
                let column = |value: &dyn Fn(&FactorDay) -> String| -> Vec<String> {
                    factors.iter().map(|f| format!("{} ", value(f))).collect()
                };
                let summary = [
                    (
                        lang.pick("日均值", "daily avg"),
                        column(&|f| average(f.daily_average)),
                    ),
                    (
                        lang.pick("有效小时", "valid hours"),
                        column(&|f| f.valid_hours.to_string()),
                    ),
                    (
                        lang.pick("捕集率", "capture rate"),
                        column(&|f| format::percent(f.capture_rate)),
                    ),
                    (
                        lang.pick("日均超标", "daily exceeded"),
                        column(&|f| yes_no(f.day_exceeded).to_owned()),
                    ),
                ];
                for (label, values) in summary {
                    let mut row = vec![Cell::new(label)];
                    row.extend(values.into_iter().map(right));
                    table.add_row(row);
                }
                let _ = writeln!(text, "{table}");
            }
            let (low, max) = (day.furnace_low_5min, standard.furnace_max_low_per_day);
            let minimum = standard.furnace_min_temperature;
            let _ = match lang {
                Lang::Zh => writeln!(
                    text,
                    "炉温 5 分钟均值低于 {minimum} ℃：{low} 次（允许 {max} 次）\n"
                ),
                Lang::En => writeln!(
                    text,
                    "furnace 5-minute means below {minimum} ℃: {low} (allowed {max})\n"
                ),
            };
        }
    }
    text
}

// ---------------------------------------------------------------------------------------------
// zx bench cems

/// The simulated fleet's minutes (`zx_hj212::simulator`, the generator of the demo and of
/// `zx simulate hj212`): `stacks` stacks × `days` days × 1440 minutes × 8 codes from
/// 2026-06-01, with diurnal levels, maintenance (`M`) and calibration (`C`) flags, the first
/// stack's NOx drifting above its limits, a stuck SO₂ sensor and furnace dips below 850 °C.
/// A pure function of `seed`, so both sides of the comparison read the same minutes.
fn synthetic_minutes(
    stacks: usize,
    days: usize,
    seed: u64,
) -> Result<Vec<(String, Vec<MinuteReading>)>> {
    let start = NaiveDate::from_ymd_opt(2026, 6, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MIN);
    let minutes = u32::try_from(days * 1440).map_err(|_| anyhow!("--days: too many"))?;
    let stacks = u32::try_from(stacks).map_err(|_| anyhow!("--stacks: too many"))?;
    let fleet = Fleet::new(seed, stacks, minutes, start, "88888880000001", "123456")?;
    (0..fleet.stacks())
        .map(|stack| {
            let mn = fleet.mn(stack);
            let mut readings = Vec::with_capacity(minutes as usize * 8);
            for minute in 0..minutes {
                let time = fleet.data_time(minute);
                for value in fleet.values(stack, minute) {
                    readings.push(MinuteReading {
                        mn: mn.clone(),
                        minute: time,
                        code: value.code.to_owned(),
                        value: value.text.parse()?,
                        flag: value.flag,
                    });
                }
            }
            Ok((mn, readings))
        })
        .collect()
}

/// `zx bench cems`: readings/s through the compliance engine on synthetic minutes, best of
/// `runs`; optionally writes the same minutes as CSV for `bench/cems_duckdb.py`. Prints one
/// JSON line with a checksum both sides compute.
pub fn bench(
    stacks: usize,
    days: usize,
    runs: usize,
    threads: usize,
    write_csv: Option<&Path>,
    seed: u64,
) -> Result<()> {
    if stacks == 0 || days == 0 || runs == 0 || threads == 0 {
        return Err(anyhow!(
            "--stacks, --days, --runs and --threads must be at least 1"
        ));
    }
    if stacks.saturating_mul(days) > 20_000 {
        return Err(anyhow!(
            "--stacks × --days: at most 20,000 stack-days (≈ 200 M readings) in memory"
        ));
    }
    let started = Instant::now();
    let data = synthetic_minutes(stacks, days, seed)?;
    let generate = started.elapsed();
    let readings: usize = data.iter().map(|(_, r)| r.len()).sum();
    if let Some(path) = write_csv {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        // One header, then every stack's rows: write each stack without its own header.
        zx_ingest::minutes::write_minutes(&mut out, data.iter().flat_map(|(_, r)| r))
            .with_context(|| format!("cannot write {}", path.display()))?;
        out.flush()?;
    }
    let standard = Standard::gb18485_2014();
    let map = FactorMap::default();
    let inputs: Vec<StackMinutes<'_>> = data
        .iter()
        .map(|(mn, readings)| StackMinutes {
            mn,
            readings,
            factors: &map,
        })
        .collect();
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut results = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        results = check_stacks(&inputs, &standard, threads);
        times.push(t0.elapsed());
    }
    times.sort();
    let best = times[0].as_secs_f64();
    let checksum = bench_checksum(&inputs, &results);
    let json = CemsBenchJson {
        tool: "zengxiao",
        version: env!("CARGO_PKG_VERSION"),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        stacks,
        days,
        threads,
        readings,
        generate_s: generate.as_secs_f64(),
        best_s: best,
        median_s: times[times.len() / 2].as_secs_f64(),
        runs_s: times.iter().map(Duration::as_secs_f64).collect(),
        readings_per_s: (readings as f64 / best).round(),
        checksum,
    };
    // One line, keys sorted, as the scripts have always read it.
    println!("{}", serde_json::to_value(&json)?);
    Ok(())
}

/// What DuckDB can compute too: counts of valid hours and days, the sum of all daily averages,
/// and the first stack's first day in full (daily average per factor).
fn bench_checksum(inputs: &[StackMinutes<'_>], results: &[StackCompliance]) -> CemsChecksumJson {
    let mut valid_hours = 0u64;
    let mut valid_days = 0u64;
    let mut daily_sum = Decimal::ZERO;
    let mut violation_days = 0u64;
    let mut hour_exceedances = 0u64;
    for result in results {
        for day in result.days.values() {
            violation_days += u64::from(day.violation);
            for factor in day.factors.values() {
                valid_hours += u64::from(factor.valid_hours);
                hour_exceedances += factor.hour_exceedances.len() as u64;
                if let Some(average) = factor.daily_average {
                    valid_days += 1;
                    daily_sum += average;
                }
            }
        }
    }
    let mut sample = BTreeMap::new();
    if let (Some(stack), Some(result)) = (inputs.first(), results.first())
        && let Some((date, day)) = result.days.iter().next()
    {
        for (code, factor) in &day.factors {
            sample.insert(
                format!("{} {date} {code}", stack.mn),
                CemsSampleJson {
                    daily_avg: factor.daily_average.map(|d| d.round_dp(9).to_string()),
                    hour_00: factor.hourly[0].average.map(|d| d.round_dp(9).to_string()),
                    valid_hours: factor.valid_hours,
                },
            );
        }
    }
    CemsChecksumJson {
        valid_hours,
        valid_days,
        daily_avg_sum: daily_sum.round_dp(9).to_string(),
        violation_days,
        hour_exceedances,
        sample,
    }
}
