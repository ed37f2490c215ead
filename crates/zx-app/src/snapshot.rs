//! The stored data made ready to answer questions: the group tree, the consolidated engine,
//! the targets in force, and the stored rows the engine could not use as given.

use zx_domain::engine::DataNote;
use zx_domain::{Catalogue, Engine, EntityTree, Ledger, TargetBook};
use zx_store::prelude::*;

use crate::AppError;

/// Everything consolidated at one moment.
pub struct Snapshot {
    pub engine: Engine,
    pub targets: TargetBook,
    /// Data-quality notes: rows the ledger could not use (a YTD row without its previous month…).
    pub notes: Vec<DataNote>,
}

/// The stored entities as a tree; inconsistent data (a cycle, an unknown parent) is an error
/// listing every problem.
pub async fn load_tree(store: &dyn Store) -> Result<EntityTree, AppError> {
    let entities = store.entities().await?;
    EntityTree::build(entities).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        AppError::InconsistentTree(list.join("; "))
    })
}

/// Reads everything and consolidates it. Fast enough to do per command: the whole demo group
/// loads and consolidates in milliseconds.
pub async fn load_snapshot(store: &dyn Store, catalogue: &Catalogue) -> Result<Snapshot, AppError> {
    let tree = load_tree(store).await?;
    let facts = store.current_fact_table().await?;
    let (ledger, notes) = Ledger::from_table(&tree, catalogue, &facts);
    drop(facts);
    let targets = TargetBook::new(store.targets().await?);
    Ok(Snapshot {
        engine: Engine::new(tree, catalogue.clone(), ledger),
        targets,
        notes,
    })
}
