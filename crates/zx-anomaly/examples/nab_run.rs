//! Iteration helper: score every NAB CSV below a folder (std only, no error reporting beyond
//! skipping). The product's command is `zx anomaly nab`; this exists for quick tuning runs.
use std::{env, fs, path::Path};

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "csv") {
            out.push(p);
        }
    }
}

fn secs(s: &str) -> i64 {
    // "YYYY-MM-DD HH:MM:SS"
    let b = s.as_bytes();
    let n = |a: usize, l: usize| -> i64 { s[a..a + l].parse().unwrap_or(0) };
    if b.len() < 19 {
        return 0;
    }
    let (y, m, d) = (n(0, 4), n(5, 2), n(8, 2));
    let days = {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    };
    days * 86400 + n(11, 2) * 3600 + n(14, 2) * 60 + n(17, 2)
}

fn config() -> zx_anomaly::Config {
    let mut c = zx_anomaly::Config::default();
    let get = |k: &str| env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(v) = get("ZX_WARMUP") {
        c.warmup = v as usize;
    }
    if let Some(v) = get("ZX_CTX") {
        c.context = v;
    }
    if let Some(v) = get("ZX_LEV") {
        c.levels = v;
    }
    if let Some(v) = get("ZX_CRATE") {
        c.context_rate = v;
    }
    if let Some(v) = get("ZX_VIG") {
        c.vigilance = v;
    }
    if let Some(v) = get("ZX_PROTO") {
        c.prototypes = v as usize;
    }
    if let Some(v) = get("ZX_MEM") {
        c.memory = v;
    }
    if let Some(v) = get("ZX_FIRE") {
        c.fire = v;
    }
    if let Some(v) = get("ZX_HOLD") {
        c.hold = v as usize;
    }
    if let Some(v) = get("ZX_STUCK") {
        c.stuck_factor = v;
    }
    if let Some(v) = get("ZX_EXC") {
        c.excursion = v;
    }
    if let Some(v) = get("ZX_ENV") {
        c.envelope_rows = v as u64;
    }
    if let Some(v) = get("ZX_SMIN") {
        c.stuck_min = v as u32;
    }
    if let Some(v) = get("ZX_LAG") {
        c.lag = v as u64;
    }
    if let Some(v) = get("ZX_FAULT") {
        c.fault_score = v;
    }
    if let Some(v) = get("ZX_CH") {
        c.channels = v as usize;
    }
    if let Some(v) = get("ZX_RHY") {
        c.rhythm = v;
    }
    if let Some(v) = get("ZX_RRATE") {
        c.rhythm_rate = v;
    }
    c
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let (data, out) = (Path::new(&args[1]), Path::new(&args[2]));
    let mut files = Vec::new();
    walk(data, &mut files);
    for f in files {
        let text = fs::read_to_string(&f).unwrap_or_default();
        let mut det = zx_anomaly::Detector::new(config());
        let mut s = String::from("timestamp,value,anomaly_score\n");
        for line in text.lines().skip(1) {
            let Some((t, v)) = line.split_once(',') else {
                continue;
            };
            let x: f64 = v.trim().parse().unwrap_or(0.0);
            let score = det.observe(secs(t), x);
            s.push_str(&format!("{t},{v},{score:.6}\n"));
        }
        let rel = f.strip_prefix(data).unwrap_or(&f);
        let dest = out.join(rel);
        if let Some(p) = dest.parent() {
            let _ = fs::create_dir_all(p);
        }
        let _ = fs::write(dest, s);
    }
}
