//! Shared fixtures: the built-in catalogue, the worked example's group, a store in a map.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use rust_decimal::Decimal;
use zx_domain::{Basis, Catalogue, Entity, EntityCode, EntityKind, Month};
use zx_ingest::{Context, Input, ParsedFile, Rejected, StoredSeries, parse};

pub fn catalogue() -> Catalogue {
    Catalogue::builtin().expect("built-in catalogue")
}

pub fn code(text: &str) -> EntityCode {
    EntityCode::parse(text).expect("test code")
}

pub fn month(text: &str) -> Month {
    Month::parse(text).expect("test month")
}

pub fn dec(text: &str) -> Decimal {
    text.parse().expect("test decimal")
}

pub fn entity(c: &str, parent: Option<&str>, kind: EntityKind) -> Entity {
    Entity {
        code: code(c),
        name: format!("{c} 名称"),
        parent: parent.map(code),
        kind,
        region: String::new(),
        segment: String::new(),
    }
}

/// The worked example's tree: G → S1, S2; S1 → P1, P2.
pub fn group() -> Vec<Entity> {
    vec![
        entity("G", None, EntityKind::Group),
        entity("S1", Some("G"), EntityKind::Subsidiary),
        entity("S2", Some("G"), EntityKind::Subsidiary),
        entity("P1", Some("S1"), EntityKind::Plant),
        entity("P2", Some("S1"), EntityKind::Plant),
    ]
}

/// Stored figures in a map, keyed like the store's query.
#[derive(Default)]
pub struct MapStore(pub HashMap<(String, String, i32), Series>);

/// One stored series: (month, value, basis) rows.
pub type Series = Vec<(Month, Decimal, Basis)>;

impl MapStore {
    pub fn with(mut self, entity: &str, item: &str, rows: &[(&str, &str, Basis)]) -> Self {
        for &(m, v, b) in rows {
            let m = month(m);
            self.0
                .entry((entity.to_owned(), item.to_owned(), m.year()))
                .or_default()
                .push((m, dec(v), b));
        }
        self
    }
}

impl StoredSeries for MapStore {
    fn series(&self, entity: &EntityCode, item: &str, year: i32) -> Vec<(Month, Decimal, Basis)> {
        let mut rows = self
            .0
            .get(&(entity.as_str().to_owned(), item.to_owned(), year))
            .cloned()
            .unwrap_or_default();
        rows.sort_by_key(|r| r.0);
        rows
    }
}

pub fn parse_with(
    name: &str,
    bytes: &[u8],
    entities: &[Entity],
    stored: &dyn StoredSeries,
) -> Result<ParsedFile, Rejected> {
    let catalogue = catalogue();
    let ctx = Context {
        catalogue: &catalogue,
        entities,
        stored,
        users: None,
        latest_month: Month::parse("2027-12").ok(),
        locked: None,
        writable: None,
    };
    parse(
        Input {
            file_name: name,
            bytes,
        },
        &ctx,
    )
}

/// Parses with the example group known and nothing stored.
pub fn parse_text(name: &str, text: &str) -> Result<ParsedFile, Rejected> {
    parse_with(name, text.as_bytes(), &group(), &MapStore::default())
}

/// The error lines of a file that must be rejected.
pub fn errors(name: &str, text: &str) -> Vec<String> {
    match parse_text(name, text) {
        Ok(parsed) => panic!("{name} was accepted: {parsed:?}"),
        Err(rejected) => rejected.errors.iter().map(ToString::to_string).collect(),
    }
}

pub fn example(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/kpi-example")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
