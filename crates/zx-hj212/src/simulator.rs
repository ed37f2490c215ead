//! A fleet of simulated CEMS data loggers: realistic CN 2051 minute frames for the demo, the
//! tests and the benchmark.
//!
//! Every value is a pure function of (seed, stack, minute), so a run is reproducible and a test
//! can recompute what a frame must contain. The fleet has the situations the compliance engine
//! and the alarms must catch: stack 0's NOx drifts above the 300 mg/m³ hourly limit (after O₂
//! correction), one stack's SO₂ sensor sticks for 40 minutes, furnace temperatures dip under
//! 850 °C now and then, analysers go into maintenance (`M`) and one stack calibrates (`C`).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use chrono::{Datelike, NaiveDateTime, TimeDelta, Timelike};
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zx_domain::cems::Flag;

use crate::frame::{FrameDecoder, encode_frame};
use crate::packet::{CN_DATA_ACK, Packet, parse_data_time};

/// The factors every simulated frame carries, in order: PM, NOx, SO₂, HCl, CO, O₂, furnace
/// temperature, flue-gas temperature.
pub const FACTORS: [&str; 8] = [
    "a34013",
    "a21002",
    "a21026",
    "a21024",
    "a21005",
    "a19001",
    "furnace_temp",
    "a01012",
];

/// Index in [`FACTORS`] of NOx, the drifting factor.
#[cfg(test)]
const NOX: usize = 1;
/// Index of SO₂, the sticking factor.
#[cfg(test)]
const SO2: usize = 2;
/// Index of the furnace temperature.
#[cfg(test)]
const FURNACE: usize = 6;
/// Gas analysers (NOx, SO₂, HCl, CO, O₂): what a calibration flags.
const GASES: [usize; 5] = [1, 2, 3, 4, 5];

/// How long the stuck sensor repeats its value.
pub const STUCK_MINUTES: u32 = 40;
/// How long the calibration lasts.
pub const CALIBRATION_MINUTES: u32 = 15;

/// A simulation that cannot run.
#[derive(Debug, Error)]
pub enum SimulatorError {
    #[error("--mn-base {0:?} must be 1 to 24 digits")]
    MnBase(String),
    #[error("--mn-base {base} + {stacks} stacks overflows its {width} digits")]
    MnOverflow {
        base: String,
        stacks: u32,
        width: usize,
    },
    #[error("the password must be 1 to 32 printable characters without ';', ',', '=' or '&'")]
    Password,
    #[error("--stacks must be at least 1")]
    NoStacks,
    #[error("--speedup {0} must be 0 (as fast as possible) or positive")]
    Speedup(f64),
    #[error("connecting to {to}: {source}")]
    Connect {
        to: SocketAddr,
        source: std::io::Error,
    },
    #[error("sending to {to}: {source}")]
    Send {
        to: SocketAddr,
        source: std::io::Error,
    },
}

/// The simulated stacks and what each sends, minute by minute.
#[derive(Debug, Clone)]
pub struct Fleet {
    seed: u64,
    stacks: u32,
    minutes: u32,
    start: NaiveDateTime,
    mn_base: u128,
    mn_width: usize,
    password: String,
}

/// One factor's value in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedValue {
    pub code: &'static str,
    /// As sent, with the factor's fixed number of decimals.
    pub text: String,
    pub flag: Flag,
}

impl Fleet {
    /// `stacks` data loggers with MNs `mn_base`, `mn_base + 1`, … (same width, zero-padded),
    /// sending `minutes` minutes from `start` (local time).
    pub fn new(
        seed: u64,
        stacks: u32,
        minutes: u32,
        start: NaiveDateTime,
        mn_base: &str,
        password: &str,
    ) -> Result<Fleet, SimulatorError> {
        if stacks == 0 {
            return Err(SimulatorError::NoStacks);
        }
        if mn_base.is_empty() || mn_base.len() > 24 || !mn_base.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(SimulatorError::MnBase(mn_base.to_owned()));
        }
        let base: u128 = mn_base
            .parse()
            .map_err(|_| SimulatorError::MnBase(mn_base.to_owned()))?;
        let last = base + u128::from(stacks - 1);
        if last.to_string().len() > mn_base.len() {
            return Err(SimulatorError::MnOverflow {
                base: mn_base.to_owned(),
                stacks,
                width: mn_base.len(),
            });
        }
        let password_ok = !password.is_empty()
            && password.len() <= 32
            && password
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b";,=&".contains(&b));
        if !password_ok {
            return Err(SimulatorError::Password);
        }
        Ok(Fleet {
            seed,
            stacks,
            minutes,
            start: start.with_second(0).unwrap_or(start),
            mn_base: base,
            mn_width: mn_base.len(),
            password: password.to_owned(),
        })
    }

    pub fn stacks(&self) -> u32 {
        self.stacks
    }

    pub fn minutes(&self) -> u32 {
        self.minutes
    }

    /// The MN of stack `stack` (0-based).
    pub fn mn(&self, stack: u32) -> String {
        format!(
            "{:0width$}",
            self.mn_base + u128::from(stack),
            width = self.mn_width
        )
    }

    fn stack_of_mn(&self, mn: &str) -> Option<u32> {
        let value: u128 = mn.parse().ok()?;
        u32::try_from(value.checked_sub(self.mn_base)?)
            .ok()
            .filter(|stack| *stack < self.stacks)
    }

    /// The minute (local) of frame `minute` (0-based).
    pub fn data_time(&self, minute: u32) -> NaiveDateTime {
        self.start + TimeDelta::minutes(i64::from(minute))
    }

    /// The QN of stack `stack`'s frame for `minute`: sent a minute after the data minute, with
    /// the stack in the milliseconds so QNs differ across stacks too. Unique per MN.
    pub fn qn(&self, stack: u32, minute: u32) -> String {
        let sent = self.data_time(minute) + TimeDelta::minutes(1);
        format!("{}{:03}", sent.format("%Y%m%d%H%M%S"), stack % 1000)
    }

    fn minute_of_qn(&self, qn: &str) -> Option<u32> {
        let sent = parse_data_time(qn.get(..14)?)?;
        let minutes = (sent - self.start).num_minutes() - 1;
        u32::try_from(minutes).ok().filter(|m| *m < self.minutes)
    }

    /// The stack whose SO₂ sensor sticks: the second one (the first when alone).
    pub fn stuck_stack(&self) -> u32 {
        1 % self.stacks
    }

    /// The run minutes `[from, to)` during which the stuck stack repeats its SO₂ value.
    pub fn stuck_minutes(&self) -> (u32, u32) {
        let from = self.minutes / 3;
        (from, from + STUCK_MINUTES)
    }

    /// The stack that calibrates its gas analysers: the last one.
    pub fn calibrating_stack(&self) -> u32 {
        self.stacks - 1
    }

    /// The run minutes `[from, to)` of the calibration.
    pub fn calibration_minutes(&self) -> (u32, u32) {
        let from = self.minutes / 2;
        (from, from + CALIBRATION_MINUTES)
    }

    /// The 8 values of stack `stack`'s frame for `minute`.
    pub fn values(&self, stack: u32, minute: u32) -> Vec<SimulatedValue> {
        let numbers = self.numbers(stack, minute);
        let flags = self.flags(stack, minute);
        const DECIMALS: [usize; 8] = [2, 1, 1, 2, 1, 2, 1, 1];
        FACTORS
            .iter()
            .enumerate()
            .map(|(index, code)| SimulatedValue {
                code,
                text: format!("{:.*}", DECIMALS[index], numbers[index]),
                flag: flags[index],
            })
            .collect()
    }

    fn numbers(&self, stack: u32, minute: u32) -> [f64; 8] {
        let time = self.data_time(minute);
        let diurnal = diurnal_at(time);
        // Stacks differ a little; stack 0 is exactly average so its drift is predictable.
        let size = if stack == 0 {
            1.0
        } else {
            0.8 + 0.4 * self.uniform(stack, 0, 1)
        };
        let noise = |salt: u64| self.noise(stack, minute, salt);
        let mut pm = 8.0 * size * (1.0 + 0.2 * diurnal) + 1.5 * noise(10);
        let mut nox = 170.0 * size * (1.0 + 0.1 * diurnal) + 15.0 * noise(11);
        let so2_at = |m: u32| {
            40.0 * size * (1.0 + 0.15 * diurnal_at(self.data_time(m)))
                + 6.0 * self.noise(stack, m, 12)
        };
        let mut so2 = so2_at(minute);
        let hcl = 15.0 * size * (1.0 + 0.1 * diurnal) + 3.0 * noise(13);
        let co = 20.0 * size + 8.0 * noise(14);
        let o2 = (9.5 - 0.8 * diurnal + 0.4 * noise(15)).clamp(6.0, 14.0);
        let mut furnace = 935.0 + 25.0 * diurnal + 8.0 * noise(16);
        let flue = 145.0 + 8.0 * diurnal + 2.0 * noise(17);
        if stack == 0 {
            // Drift: +260 mg/m³ reached after two thirds of the run (at least an hour). At the
            // top, 170 + 260 = 430 measured at O₂ ≈ 9.5 % is 430 × 10 / 11.5 ≈ 374 corrected,
            // well above the 300 hourly limit.
            let span = f64::from((self.minutes * 2 / 3).max(60));
            nox += 260.0 * (f64::from(minute) / span).min(1.0);
        }
        if stack == self.stuck_stack() {
            let (from, to) = self.stuck_minutes();
            if (from..to).contains(&minute) {
                so2 = so2_at(from);
            }
        }
        // Furnace dips: in a quarter of the clock hours of each stack, 7 minutes near 838 °C
        // (five-minute means below 850 °C follow).
        let hour_index = absolute_hour(time);
        if self.uniform(stack, hour_index, 2) < 0.25 {
            let dip_start = (self.uniform(stack, hour_index, 3) * 50.0) as u32;
            if (dip_start..dip_start + 7).contains(&time.minute()) {
                furnace = 838.0 + 4.0 * noise(18);
            }
        }
        pm = pm.max(0.3);
        nox = nox.max(1.0);
        so2 = so2.max(0.5);
        [pm, nox, so2, hcl.max(0.1), co.max(0.5), o2, furnace, flue]
    }

    fn flags(&self, stack: u32, minute: u32) -> [Flag; 8] {
        let mut flags = [Flag::N; 8];
        let time = self.data_time(minute);
        // Maintenance: in one of five 4-hour blocks of each stack, 10 minutes flagged M.
        let block = absolute_hour(time) / 4;
        if self.uniform(stack, block, 4) < 0.2 {
            let offset = (self.uniform(stack, block, 5) * 230.0) as u64;
            let in_block = (absolute_hour(time) % 4) * 60 + u64::from(time.minute());
            if (offset..offset + 10).contains(&in_block) {
                flags = [Flag::M; 8];
            }
        }
        if stack == self.calibrating_stack() {
            let (from, to) = self.calibration_minutes();
            if (from..to).contains(&minute) {
                for gas in GASES {
                    flags[gas] = Flag::C;
                }
            }
        }
        flags
    }

    /// Uniform in [0, 1) from (seed, stack, key, salt).
    fn uniform(&self, stack: u32, key: u64, salt: u64) -> f64 {
        let mixed = splitmix64(
            self.seed
                ^ splitmix64(u64::from(stack) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                ^ key.wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        (mixed >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal, mean 0, standard deviation 0.5 (a sum of three uniforms, centred).
    fn noise(&self, stack: u32, minute: u32, salt: u64) -> f64 {
        let key = u64::from(minute);
        self.uniform(stack, key, salt * 3)
            + self.uniform(stack, key, salt * 3 + 1)
            + self.uniform(stack, key, salt * 3 + 2)
            - 1.5
    }

    /// The data segment of stack `stack`'s frame for `minute`, asking for an acknowledgement
    /// (Flag=5: version 2017 and bit 0 "answer me").
    pub fn data_segment(&self, stack: u32, minute: u32) -> String {
        let mut out = String::with_capacity(420);
        out.push_str("QN=");
        out.push_str(&self.qn(stack, minute));
        out.push_str(";ST=22;CN=2051;PW=");
        out.push_str(&self.password);
        out.push_str(";MN=");
        out.push_str(&self.mn(stack));
        out.push_str(";Flag=5;CP=&&DataTime=");
        out.push_str(&self.data_time(minute).format("%Y%m%d%H%M%S").to_string());
        for value in self.values(stack, minute) {
            out.push(';');
            out.push_str(value.code);
            out.push_str("-Avg=");
            out.push_str(&value.text);
            out.push(',');
            out.push_str(value.code);
            out.push_str("-Flag=");
            out.push_str(value.flag.as_str());
        }
        out.push_str("&&");
        out
    }

    /// Appends stack `stack`'s framed minute `minute` to `out`.
    pub fn encode(&self, stack: u32, minute: u32, out: &mut BytesMut) {
        encode_frame(self.data_segment(stack, minute).as_bytes(), out);
    }

    /// The key an outstanding frame is tracked by until its acknowledgement arrives.
    fn key(stack: u32, minute: u32) -> u64 {
        u64::from(stack) << 32 | u64::from(minute)
    }

    /// The tracking key of an acknowledgement, if it is a data acknowledgement of this fleet.
    fn ack_key(&self, data: &[u8]) -> Option<u64> {
        let packet = Packet::parse(data).ok()?;
        if packet.cn != CN_DATA_ACK {
            return None;
        }
        let stack = self.stack_of_mn(&packet.mn)?;
        let minute = self.minute_of_qn(packet.qn.as_deref()?)?;
        Some(Self::key(stack, minute))
    }
}

/// Load follows the day: -1 around 02:00, +1 around 14:00.
fn diurnal_at(time: NaiveDateTime) -> f64 {
    let hour = f64::from(time.hour()) + f64::from(time.minute()) / 60.0;
    (std::f64::consts::TAU * (hour - 8.0) / 24.0).sin()
}

fn absolute_hour(time: NaiveDateTime) -> u64 {
    let days = u64::try_from(time.date().num_days_from_ce()).unwrap_or(0);
    days * 24 + u64::from(time.hour())
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, good-enough mixer for simulated noise.
pub fn splitmix64(mut state: u64) -> u64 {
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What to send where.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    pub to: SocketAddr,
    pub fleet: Fleet,
    /// Simulated minutes per real minute; 0 sends as fast as the receiver takes them.
    pub speedup: f64,
    /// TCP connections the stacks are spread over (stack `i` uses connection `i % n`).
    pub connections: usize,
    /// After the last frame, how long to wait for outstanding acknowledgements.
    pub ack_wait: Duration,
}

/// Live counters of a run, for a progress bar.
#[derive(Debug, Default)]
pub struct SimulationProgress {
    pub frames_sent: AtomicU64,
    pub acks_received: AtomicU64,
    /// Frames received that are not an acknowledgement of a frame sent and not yet acknowledged.
    pub unexpected_replies: AtomicU64,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationReport {
    pub frames_sent: u64,
    pub acks_received: u64,
    pub unexpected_replies: u64,
    pub elapsed: Duration,
}

impl SimulationReport {
    pub fn frames_per_second(&self) -> f64 {
        self.frames_sent as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends the fleet's frames to `config.to` and counts the acknowledgements.
pub async fn run(
    config: &SimulatorConfig,
    progress: Arc<SimulationProgress>,
) -> Result<SimulationReport, SimulatorError> {
    if !(config.speedup >= 0.0 && config.speedup.is_finite()) {
        return Err(SimulatorError::Speedup(config.speedup));
    }
    let connections = config.connections.clamp(1, config.fleet.stacks() as usize);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for index in 0..connections {
        let config = config.clone();
        let progress = Arc::clone(&progress);
        tasks.push(tokio::spawn(async move {
            connection(&config, index, connections, started, &progress).await
        }));
    }
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                first_error.get_or_insert(error);
            }
            Err(join_error) => {
                first_error.get_or_insert(SimulatorError::Send {
                    to: config.to,
                    source: std::io::Error::other(join_error.to_string()),
                });
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    Ok(SimulationReport {
        frames_sent: progress.frames_sent.load(Ordering::Relaxed),
        acks_received: progress.acks_received.load(Ordering::Relaxed),
        unexpected_replies: progress.unexpected_replies.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    })
}

/// Batches written at once when sending as fast as possible.
const BATCH_BYTES: usize = 32 * 1024;

async fn connection(
    config: &SimulatorConfig,
    index: usize,
    connections: usize,
    started: Instant,
    progress: &Arc<SimulationProgress>,
) -> Result<(), SimulatorError> {
    let to = config.to;
    // Many loggers connecting at once can overflow the receiver's accept backlog (the kernel
    // then resets the attempt): retry for a while, as real loggers do.
    let mut attempt = 0;
    let stream = loop {
        match TcpStream::connect(to).await {
            Ok(stream) => break stream,
            Err(source) if attempt >= 40 => return Err(SimulatorError::Connect { to, source }),
            Err(_) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let fleet = Arc::new(config.fleet.clone());
    let outstanding: Arc<Mutex<HashSet<u64>>> = Arc::default();
    let acks_task = {
        let fleet = Arc::clone(&fleet);
        let outstanding = Arc::clone(&outstanding);
        let progress = Arc::clone(progress);
        tokio::spawn(async move {
            let mut decoder = FrameDecoder::new();
            let mut buf = BytesMut::with_capacity(16 * 1024);
            loop {
                buf.reserve(16 * 1024);
                match reader.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                while let Some(item) = decoder.decode_frame(&mut buf) {
                    let key = item.ok().and_then(|frame| fleet.ack_key(&frame.data));
                    let known = key.is_some_and(|key| match outstanding.lock() {
                        Ok(mut set) => set.remove(&key),
                        Err(poisoned) => poisoned.into_inner().remove(&key),
                    });
                    let counter = if known {
                        &progress.acks_received
                    } else {
                        &progress.unexpected_replies
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let stacks: Vec<u32> = (0..fleet.stacks())
        .filter(|stack| *stack as usize % connections == index)
        .collect();
    let mut batch = BytesMut::with_capacity(BATCH_BYTES + 4096);
    let mut batched = 0u64;
    for minute in 0..fleet.minutes() {
        if config.speedup > 0.0 {
            let due = Duration::from_secs_f64(f64::from(minute) * 60.0 / config.speedup);
            tokio::time::sleep_until((started + due).into()).await;
        }
        {
            let mut set = match outstanding.lock() {
                Ok(set) => set,
                Err(poisoned) => poisoned.into_inner(),
            };
            for &stack in &stacks {
                set.insert(Fleet::key(stack, minute));
            }
        }
        for &stack in &stacks {
            fleet.encode(stack, minute, &mut batch);
            batched += 1;
        }
        let last = minute + 1 == fleet.minutes();
        if config.speedup > 0.0 || batch.len() >= BATCH_BYTES || last {
            writer
                .write_all(&batch)
                .await
                .map_err(|source| SimulatorError::Send { to, source })?;
            batch.clear();
            progress.frames_sent.fetch_add(batched, Ordering::Relaxed);
            batched = 0;
        }
    }
    // Wait for the last acknowledgements, then close.
    let deadline = Instant::now() + config.ack_wait;
    while Instant::now() < deadline {
        let pending = match outstanding.lock() {
            Ok(set) => set.len(),
            Err(poisoned) => poisoned.into_inner().len(),
        };
        if pending == 0 || acks_task.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = writer.shutdown().await;
    acks_task.abort();
    let _ = acks_task.await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn fleet(stacks: u32, minutes: u32) -> Fleet {
        let start = NaiveDateTime::parse_from_str("2026-06-01 00:00", "%Y-%m-%d %H:%M").unwrap();
        Fleet::new(7, stacks, minutes, start, "88888880000001", "123456").unwrap()
    }

    #[test]
    fn mns_count_up_from_the_base_at_its_width() {
        let fleet = fleet(3, 10);
        assert_eq!(fleet.mn(0), "88888880000001");
        assert_eq!(fleet.mn(2), "88888880000003");
        let start = fleet.data_time(0);
        assert!(matches!(
            Fleet::new(1, 2, 1, start, "99", "123456"),
            Err(SimulatorError::MnOverflow { .. })
        ));
        assert!(Fleet::new(1, 2, 1, start, "0099", "123456").is_ok());
        assert!(Fleet::new(1, 2, 1, start, "12a", "123456").is_err());
        assert!(Fleet::new(1, 2, 1, start, "12", "1;2").is_err());
    }

    #[test]
    fn frames_parse_back_with_8_factors_and_round_trip_their_keys() {
        let fleet = fleet(3, 10);
        let data = fleet.data_segment(2, 7);
        let packet = Packet::parse(data.as_bytes()).unwrap();
        assert_eq!(packet.mn, "88888880000003");
        assert_eq!(packet.qn.as_deref(), Some("20260601000800002"));
        assert!(packet.wants_ack());
        let readings = packet.minute_readings();
        assert_eq!(readings.len(), 8);
        let codes: Vec<&str> = readings.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, FACTORS);
        assert_eq!(
            readings[0].minute,
            NaiveDateTime::parse_from_str("2026-06-01 00:07", "%Y-%m-%d %H:%M").unwrap()
        );
        let ack = crate::packet::data_ack_segment(&packet);
        assert_eq!(fleet.ack_key(ack.as_bytes()), Some(Fleet::key(2, 7)));
    }

    #[test]
    fn the_same_seed_gives_the_same_frames() {
        assert_eq!(
            fleet(2, 5).data_segment(1, 3),
            fleet(2, 5).data_segment(1, 3)
        );
    }

    #[test]
    fn stack_0_nox_ends_above_the_hourly_limit_after_o2_correction() {
        // Over the last hour of a 3-hour run, the mean of NOx × 10 / (21 − O₂) must exceed 300.
        let fleet = fleet(2, 180);
        let mut sum = 0.0;
        for minute in 120..180 {
            let values = fleet.values(0, minute);
            let nox: f64 = values[NOX].text.parse().unwrap();
            let o2: f64 = values[5].text.parse().unwrap();
            sum += nox * 10.0 / (21.0 - o2);
        }
        assert!(sum / 60.0 > 300.0, "corrected hourly NOx {}", sum / 60.0);
        // Stack 1 does not drift: its first hour stays well under the limit.
        let first: f64 = (0..60)
            .map(|m| fleet.values(1, m)[NOX].text.parse::<f64>().unwrap())
            .sum::<f64>()
            / 60.0;
        assert!(first < 250.0, "{first}");
    }

    #[test]
    fn the_stuck_sensor_repeats_one_value_for_40_minutes() {
        let fleet = fleet(3, 180);
        let (from, to) = fleet.stuck_minutes();
        assert_eq!((from, to), (60, 100));
        let stuck = fleet.values(1, from)[SO2].text.clone();
        for minute in from..to {
            assert_eq!(fleet.values(1, minute)[SO2].text, stuck);
        }
        assert_ne!(fleet.values(1, to)[SO2].text, stuck);
    }

    #[test]
    fn calibration_flags_the_gases_of_the_last_stack() {
        let fleet = fleet(3, 60);
        let (from, to) = fleet.calibration_minutes();
        assert_eq!((from, to), (30, 45));
        for minute in from..to {
            let flags: Vec<Flag> = fleet.values(2, minute).iter().map(|v| v.flag).collect();
            // NOx, SO₂, HCl, CO and O₂ are the analysers; PM and temperatures are not.
            assert_eq!(flags[1..6], [Flag::C; 5]);
            assert_ne!(flags[0], Flag::C);
            assert_ne!(flags[6], Flag::C);
        }
        assert!(fleet.values(2, to).iter().all(|v| v.flag != Flag::C));
    }

    #[test]
    fn a_day_has_furnace_dips_and_maintenance() {
        let fleet = fleet(4, 1440);
        let mut low = 0;
        let mut maintenance = 0;
        for stack in 0..4 {
            for minute in 0..1440 {
                let values = fleet.values(stack, minute);
                if Decimal::from_str(&values[FURNACE].text).unwrap() < Decimal::from(850) {
                    low += 1;
                }
                if values[0].flag == Flag::M {
                    maintenance += 1;
                }
            }
        }
        assert!(low > 0, "no furnace minute under 850 °C in 4 stack-days");
        assert!(maintenance > 0, "no maintenance minute in 4 stack-days");
    }
}
