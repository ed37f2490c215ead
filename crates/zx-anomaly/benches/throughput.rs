//! Points per second through one detector on one core: `cargo bench -p zx-anomaly`.
//! A plain timing loop (no harness): 2 million five-minute rows of a noisy daily signal with a
//! level shift, best of five runs, for the detector and for the windowed-Gaussian reference.

use std::hint::black_box;
use std::time::{Duration, Instant};

use zx_anomaly::{Config, Detector, WindowedGaussian};

const ROWS: usize = 2_000_000;
const RUNS: usize = 5;

fn signal() -> Vec<(i64, f64)> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..ROWS)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let phase = (i % 288) as f64 / 288.0 * std::f64::consts::TAU;
            let shift = if (i / 100_000) % 2 == 1 { 15.0 } else { 0.0 };
            (
                i as i64 * 300,
                100.0 + 20.0 * phase.sin() + shift + 6.0 * noise,
            )
        })
        .collect()
}

fn best_of(mut run: impl FnMut() -> f64) -> Duration {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(run());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn report(name: &str, took: Duration) {
    let rate = ROWS as f64 / took.as_secs_f64();
    println!(
        "{name:<18} {ROWS} points in {:>7.1} ms: {:>5.2} M points/s",
        took.as_secs_f64() * 1e3,
        rate / 1e6
    );
}

fn main() {
    let rows = signal();
    let zx = best_of(|| {
        let mut d = Detector::new(Config::default());
        rows.iter().map(|(t, v)| d.observe(*t, *v)).sum()
    });
    report("zx detector", zx);
    let gauss = best_of(|| {
        let mut g = WindowedGaussian::new(WindowedGaussian::NAB_WINDOW);
        rows.iter().map(|(_, v)| g.observe(*v)).sum()
    });
    report("windowed Gaussian", gauss);
}
