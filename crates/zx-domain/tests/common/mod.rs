//! What the domain's integration tests share: exact decimals and entity codes from text, and
//! small group trees written as rows.

#![allow(dead_code)]

use zx_domain::{Decimal, Entity, EntityCode, EntityKind, EntityTree};

pub fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

pub fn code(text: &str) -> EntityCode {
    EntityCode::parse(text).unwrap()
}

/// An entity named by its code, in `segment` (empty: none), without a region.
pub fn entity(c: &str, parent: Option<&str>, kind: EntityKind, segment: &str) -> Entity {
    Entity {
        code: code(c),
        name: c.to_owned(),
        parent: parent.map(code),
        kind,
        region: String::new(),
        segment: segment.to_owned(),
    }
}

/// A tree of `(code, parent, kind)` rows, parents first, without segments.
pub fn tree(rows: &[(&str, Option<&str>, EntityKind)]) -> EntityTree {
    EntityTree::build(
        rows.iter()
            .map(|&(c, parent, kind)| entity(c, parent, kind, ""))
            .collect(),
    )
    .unwrap()
}
