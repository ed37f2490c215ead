//! `zx simulate`: data-logger simulators.
//!
//! `zx simulate hj212` plays a fleet of CEMS data loggers sending HJ 212-2017 minute frames to a
//! receiver (`zx serve --hj212 ADDR`, or any HJ 212 platform) for the demo, the tests and the
//! benchmark. Everything it sends is a pure function of `--seed`, so a run can be repeated.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};
use chrono::{NaiveDateTime, Timelike};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use zx_api::SimulationJson;
use zx_app::{Clock, china_time};
use zx_hj212::simulator::{self, Fleet, SimulationProgress, SimulatorConfig};

use crate::cli::TextFormat;

#[derive(Debug, Subcommand)]
pub enum SimulateCommand {
    /// Send HJ 212-2017 minute data (CN 2051, 8 factors) from N simulated stacks: diurnal
    /// patterns, maintenance (M) and calibration (C) flags, stack 1 (the first) drifting above
    /// its NOx limit, one SO₂ sensor stuck for 40 minutes, furnace dips under 850 °C.
    Hj212 {
        /// Receiver address, HOST:PORT.
        #[arg(long)]
        to: String,
        /// How many stacks (data loggers).
        #[arg(long, default_value_t = 3)]
        stacks: u32,
        /// How many minutes of data each stack sends.
        #[arg(long, default_value_t = 60)]
        minutes: u32,
        /// Simulated minutes per real minute (60: a minute of data every second); 0 sends as
        /// fast as the receiver acknowledges.
        #[arg(long, default_value_t = 1.0)]
        speedup: f64,
        /// First minute, local China time, `2026-06-01T00:00`; default now, truncated to the minute.
        #[arg(long)]
        start: Option<String>,
        /// MN of the first stack; the others count up from it at the same width.
        #[arg(long, default_value = "88888880000001")]
        mn_base: String,
        /// Password (PW) every simulated logger sends.
        #[arg(long, default_value = "123456")]
        password: String,
        /// TCP connections the stacks share; default min(stacks, 4), within a receiver's
        /// per-peer cap (`emissions.max_per_peer`, 8 by default).
        #[arg(long)]
        connections: Option<usize>,
        /// Seed of the simulated values.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seconds to wait for the last acknowledgements.
        #[arg(long, default_value_t = 10)]
        ack_wait: u64,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
}

pub async fn run(clock: &dyn Clock, command: SimulateCommand) -> Result<()> {
    match command {
        SimulateCommand::Hj212 {
            to,
            stacks,
            minutes,
            speedup,
            start,
            mn_base,
            password,
            connections,
            seed,
            ack_wait,
            format,
        } => {
            let start = match start {
                Some(text) => parse_start(&text)?,
                None => minute_of(china_time(clock.now())),
            };
            let fleet = Fleet::new(seed, stacks, minutes, start, &mn_base, &password)?;
            let to = tokio::net::lookup_host(&to)
                .await
                .with_context(|| format!("--to {to}: cannot resolve"))?
                .next()
                .ok_or_else(|| anyhow!("--to {to}: no address"))?;
            let config = SimulatorConfig {
                to,
                fleet,
                speedup,
                connections: connections.unwrap_or_else(|| (stacks as usize).min(4)),
                ack_wait: Duration::from_secs(ack_wait),
            };
            let total = u64::from(stacks) * u64::from(minutes);
            let progress = Arc::new(SimulationProgress::default());
            let bar = progress_bar(total, format);
            let ticker = bar.clone().map(|bar| {
                let progress = Arc::clone(&progress);
                tokio::spawn(async move {
                    loop {
                        bar.set_position(progress.frames_sent.load(Ordering::Relaxed));
                        bar.set_message(format!(
                            "acks {}",
                            progress.acks_received.load(Ordering::Relaxed)
                        ));
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                })
            });
            let outcome = simulator::run(&config, Arc::clone(&progress)).await;
            if let Some(ticker) = ticker {
                ticker.abort();
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let report = outcome?;
            match format {
                TextFormat::Json => {
                    let json = SimulationJson {
                        to: to.to_string(),
                        stacks,
                        minutes,
                        start: start.format("%Y-%m-%dT%H:%M").to_string(),
                        frames_sent: report.frames_sent,
                        acks_received: report.acks_received,
                        unexpected_replies: report.unexpected_replies,
                        elapsed_seconds: report.elapsed.as_secs_f64(),
                        frames_per_second: report.frames_per_second(),
                    };
                    // One line, keys sorted, as before the shape had a name.
                    println!("{}", serde_json::to_value(&json)?);
                }
                TextFormat::Text => {
                    println!(
                        "HJ 212 simulation to {to}: {stacks} stacks × {minutes} minutes from {}",
                        start.format("%Y-%m-%d %H:%M")
                    );
                    println!("frames sent:        {}", report.frames_sent);
                    println!("acks received:      {}", report.acks_received);
                    println!("unexpected replies: {}", report.unexpected_replies);
                    println!("elapsed:            {:.3} s", report.elapsed.as_secs_f64());
                    println!("frames/s:           {:.0}", report.frames_per_second());
                }
            }
            Ok(())
        }
    }
}

fn progress_bar(total: u64, format: TextFormat) -> Option<ProgressBar> {
    if format != TextFormat::Text || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("frames [{bar:30}] {human_pos}/{human_len} {msg} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

fn parse_start(text: &str) -> Result<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .with_context(|| format!("--start {text:?}: expected YYYY-MM-DDThh:mm (local China time)"))
}

/// A China wall-clock time truncated to the minute.
fn minute_of(local: NaiveDateTime) -> NaiveDateTime {
    local
        .with_second(0)
        .and_then(|time| time.with_nanosecond(0))
        .unwrap_or(local)
}
