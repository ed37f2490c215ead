//! `zx benchmark --format json` (operations.md's contract): an indicator benchmarked over a peer
//! group, values as exact decimal strings (ratios as fractions), peers in rank order, missing
//! plants apart. Nothing beyond the contract's keys, so a script written against it holds.

use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::benchmark::Benchmark;
use zx_domain::catalogue::Better;
use zx_domain::{Engine, IndicatorDef, format};

/// The distribution of the ranked peers' values; all but `n` null when none is ranked.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenchmarkStatsJson {
    pub n: usize,
    pub min: Option<String>,
    pub q1: Option<String>,
    pub median: Option<String>,
    pub q3: Option<String>,
    pub max: Option<String>,
}

/// A ranked plant.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenchmarkPeerJson {
    pub entity: String,
    pub value: String,
    /// 1 = best; ties share the best rank (1, 2, 2, 4).
    pub rank: usize,
    /// 1 = the best quarter … 4 = the worst.
    pub quartile: u8,
}

/// An indicator over a peer group for one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenchmarkJson {
    pub indicator: String,
    pub period: String,
    pub basis: &'static str,
    /// `higher` or `lower`.
    pub better: &'static str,
    pub stats: BenchmarkStatsJson,
    pub peers: Vec<BenchmarkPeerJson>,
    /// The peers whose value is unavailable, by code.
    pub missing: Vec<String>,
}

pub fn benchmark_json(engine: &Engine, def: &IndicatorDef, result: &Benchmark) -> BenchmarkJson {
    let tree = engine.tree();
    let code = |id| tree.entity(id).code.to_string();
    let stats = result.stats.as_ref();
    let stat = |pick: fn(&zx_domain::benchmark::Stats) -> zx_domain::Decimal| {
        stats.map(|s| format::exact(pick(s)))
    };
    BenchmarkJson {
        indicator: def.id.clone(),
        period: result.period.end.to_string(),
        basis: result.period.basis.as_str(),
        better: match result.better {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::Neither => "none",
        },
        stats: BenchmarkStatsJson {
            n: stats.map_or(0, |s| s.n),
            min: stat(|s| s.min),
            q1: stat(|s| s.q1),
            median: stat(|s| s.median),
            q3: stat(|s| s.q3),
            max: stat(|s| s.max),
        },
        peers: result
            .peers
            .iter()
            .map(|p| BenchmarkPeerJson {
                entity: code(p.entity),
                value: format::exact(p.value),
                rank: p.rank,
                quartile: p.quartile,
            })
            .collect(),
        missing: result.missing.iter().map(|m| code(m.entity)).collect(),
    }
}
