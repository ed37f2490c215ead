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

/// An external reference value (industry average or best) in force: `zx references list
/// --format json`, `GET /api/v1/benchmark/references`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferenceJson {
    pub indicator: String,
    /// A segment code; null: every segment the indicator applies to.
    pub segment: Option<String>,
    /// `average` or `best`.
    pub kind: &'static str,
    /// Exact decimal in the indicator's unit (ratios as fractions).
    pub value: String,
    pub year: i32,
    pub source: String,
    pub revision: i64,
    /// The file it was imported from.
    pub file: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl From<&zx_store::StoredReference> for ReferenceJson {
    fn from(r: &zx_store::StoredReference) -> Self {
        Self {
            indicator: r.reference.indicator.clone(),
            segment: r.reference.segment.clone(),
            kind: r.reference.kind.as_str(),
            value: format::exact(r.reference.value),
            year: r.reference.year,
            source: r.reference.source.clone(),
            revision: r.revision,
            file: r.file.clone(),
            recorded_by: r.recorded_by.clone(),
            recorded_at: r.recorded_at.to_rfc3339(),
        }
    }
}

/// What importing a reference values file did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferencesImportedJson {
    pub created: usize,
    pub revised: usize,
    pub unchanged: usize,
}

impl ReferencesImportedJson {
    pub fn count(outcomes: &[zx_store::ReferenceOutcome]) -> Self {
        use zx_store::ReferenceOutcome::{Created, Revised, Unchanged};
        let count = |o| outcomes.iter().filter(|x| **x == o).count();
        Self {
            created: count(Created),
            revised: count(Revised),
            unchanged: count(Unchanged),
        }
    }
}

/// One cost element of a plant's unit cost against its segment's median (per unit of output).
#[derive(Debug, Serialize, ToSchema)]
pub struct CostStepJson {
    /// The element's item code (`cost_fuel` …).
    pub item: String,
    pub plant: String,
    /// Null when no peer reported the element.
    pub median: Option<String>,
    /// plant − median.
    pub gap: String,
}

/// A plant's cost-per-unit waterfall: from the segment's median unit cost, one step per cost
/// element, a `mix` step (the elements' medians do not add up to the median of the totals), to
/// the plant's unit cost. Exact decimal strings in the indicator's unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostBreakdownJson {
    pub entity: String,
    pub indicator: String,
    pub period: String,
    pub basis: &'static str,
    pub segment: String,
    pub median: String,
    pub peers: usize,
    pub steps: Vec<CostStepJson>,
    pub mix: String,
    pub plant: String,
}

pub fn cost_breakdown_json(
    engine: &Engine,
    entity: zx_domain::EntityId,
    period: zx_domain::Period,
    waterfall: &zx_domain::benchmark::cost::CostWaterfall<'_>,
) -> CostBreakdownJson {
    let catalogue = engine.catalogue();
    CostBreakdownJson {
        entity: engine.tree().entity(entity).code.to_string(),
        indicator: waterfall.indicator.id.clone(),
        period: period.end.to_string(),
        basis: period.basis.as_str(),
        segment: waterfall.segment.clone(),
        median: format::exact(waterfall.median_total),
        peers: waterfall.peers,
        steps: waterfall
            .steps
            .iter()
            .map(|s| CostStepJson {
                item: catalogue.item(s.item).code.clone(),
                plant: format::exact(s.plant),
                median: s.median.map(format::exact),
                gap: format::exact(s.gap),
            })
            .collect(),
        mix: format::exact(waterfall.mix),
        plant: format::exact(waterfall.plant_total),
    }
}
