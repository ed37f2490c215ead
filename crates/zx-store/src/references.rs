//! External reference values for benchmarking (operations.md): industry averages and best
//! values of operating indicators, with source and year, imported from a file. A value is kept
//! under (indicator, segment, kind, year); importing that key again with another value or source
//! adds a revision, so the history of what the group compared itself with stays.

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
pub use zx_domain::benchmark::references::{ExternalReference, ReferenceKind};

/// A reference value as stored: one revision of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReference {
    pub id: i64,
    pub reference: ExternalReference,
    /// 1 when first imported, bumped by every import that changes it.
    pub revision: i64,
    /// The name of the file it came from.
    pub file: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// What saving did to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceOutcome {
    Created,
    Revised,
    Unchanged,
}

/// The `object` of a reference value's audit lines: `benchmark_reference
/// indicator=cost_per_tonne; segment=all; kind=average; year=2025`.
pub fn describe_reference_object(r: &ExternalReference) -> String {
    format!(
        "benchmark_reference indicator={}; segment={}; kind={}; year={}",
        r.indicator,
        r.segment.as_deref().unwrap_or("all"),
        r.kind.as_str(),
        r.year
    )
}

/// A reference value's audited content.
pub fn describe_reference(r: &ExternalReference) -> String {
    format!("value={}; source={}", r.value.normalize(), r.source.trim())
}

#[async_trait]
pub trait ReferenceStore: Send + Sync {
    /// The values in force (the latest revision of each key), by indicator, segment, kind and
    /// year.
    async fn benchmark_references(&self) -> StoreResult<Vec<StoredReference>>;
    /// Every revision of every key, oldest first within a key.
    async fn benchmark_reference_history(&self) -> StoreResult<Vec<StoredReference>>;
    /// Saves reference values in one transaction, all or nothing: a new key is created
    /// (`benchmark_reference.create`), a key whose value or source differs gets a new revision
    /// (`benchmark_reference.revise`, old and new value), an identical one is unchanged.
    /// `Invalid` naming the row (from 1) for a key given twice.
    async fn save_benchmark_references(
        &self,
        rows: Vec<ExternalReference>,
        file: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<ReferenceOutcome>>;
}
