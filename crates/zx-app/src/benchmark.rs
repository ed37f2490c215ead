//! Benchmarking as a service: the question as a front door gets it (indicator id, entity code,
//! segment, period) checked against the loaded engine, then `zx_domain::benchmark`. The CLI's
//! `zx benchmark` calls it; the server's benchmark page and API will call the same.

use thiserror::Error;
use zx_domain::benchmark::{Benchmark, BenchmarkError, benchmark};
use zx_domain::{Engine, EntityId, IndicatorDef, Period};

/// What is asked: `entity` defaults to the group (the only root), `segment` to every segment
/// where the indicator applies.
#[derive(Debug, Clone, Copy)]
pub struct BenchmarkQuery<'a> {
    pub indicator: &'a str,
    pub period: Period,
    pub entity: Option<&'a str>,
    pub segment: Option<&'a str>,
}

/// The benchmark with what it was computed for.
#[derive(Debug, Clone)]
pub struct BenchmarkAnswer<'e> {
    pub indicator: &'e IndicatorDef,
    /// The entity whose plants were compared.
    pub within: EntityId,
    pub result: Benchmark,
}

/// A question that cannot be answered as asked; each message says what would be.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BenchmarkRefused {
    #[error("--indicator: \"{id}\" is not an indicator of the catalogue (operating indicators: {})", known.join(", "))]
    UnknownIndicator { id: String, known: Vec<String> },
    #[error("--entity: \"{0}\" is not a known entity code (list them with `zx entities`)")]
    UnknownEntity(String),
    #[error("the database has no entities yet: import entities.csv, or run `zx demo`")]
    NoEntities,
    #[error("several groups in this database ({}): pick one with --entity", .0.join(", "))]
    SeveralGroups(Vec<String>),
    #[error("--segment: {0}")]
    Segment(#[from] BenchmarkError),
}

/// Benchmarks `query.indicator` over the plants under `query.entity` (operations.md).
pub fn run<'e>(
    engine: &'e Engine,
    query: BenchmarkQuery<'_>,
) -> Result<BenchmarkAnswer<'e>, BenchmarkRefused> {
    let catalogue = engine.catalogue();
    let indicator = catalogue
        .find_indicator(query.indicator.trim())
        .ok_or_else(|| BenchmarkRefused::UnknownIndicator {
            id: query.indicator.to_owned(),
            known: catalogue
                .operating_indicators()
                .iter()
                .map(|d| d.id.clone())
                .collect(),
        })?;
    let tree = engine.tree();
    let within = match query.entity {
        Some(code) => tree
            .id_of(code)
            .ok_or_else(|| BenchmarkRefused::UnknownEntity(code.to_owned()))?,
        None => match tree.roots().as_slice() {
            [] => return Err(BenchmarkRefused::NoEntities),
            [root] => *root,
            many => {
                return Err(BenchmarkRefused::SeveralGroups(
                    many.iter()
                        .map(|&r| tree.entity(r).code.to_string())
                        .collect(),
                ));
            }
        },
    };
    let result = benchmark(engine, within, indicator, query.period, query.segment)?;
    Ok(BenchmarkAnswer {
        indicator,
        within,
        result,
    })
}

/// Reads a file of external reference values (industry averages and best values) against the
/// catalogue and saves it in one transaction; the outcome of each row, or the file's problems.
pub async fn import_references(
    store: &dyn zx_store::Store,
    catalogue: &zx_domain::Catalogue,
    file_name: &str,
    bytes: &[u8],
    user: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<
    Result<Vec<zx_store::ReferenceOutcome>, zx_ingest::safety_risks::RowFileRejected>,
    crate::AppError,
> {
    let input = zx_ingest::Input { file_name, bytes };
    let rows = match zx_ingest::references::read_references(input, catalogue) {
        Ok(rows) => rows,
        Err(rejected) => return Ok(Err(rejected)),
    };
    Ok(Ok(store
        .save_benchmark_references(rows, file_name, user, now)
        .await?))
}

/// The reference values in force, as the domain reads them.
pub async fn references(
    store: &dyn zx_store::Store,
) -> Result<Vec<zx_store::StoredReference>, crate::AppError> {
    Ok(store.benchmark_references().await?)
}

/// The cost-per-unit waterfall of a plant against the median of its segment's plants in its
/// group (`zx_domain::benchmark::cost`).
pub fn cost_breakdown(
    engine: &Engine,
    plant: EntityId,
    period: Period,
) -> Result<zx_domain::benchmark::cost::CostWaterfall<'_>, zx_domain::benchmark::cost::WaterfallError>
{
    let tree = engine.tree();
    let group = tree.path_to(plant).first().copied().unwrap_or(plant);
    zx_domain::benchmark::cost::cost_waterfall(engine, group, plant, period)
}
