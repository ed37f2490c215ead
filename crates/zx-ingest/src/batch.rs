//! The files of one import checked together: the same key in two of them is an error naming
//! both, where it used to be resolved silently (the later file won).

use std::collections::HashMap;
use std::hash::Hash;

use zx_domain::{EntityCode, Month};

use crate::issue::{Draft, IssueCode, Loc, Place, Sink};

/// Where a key was first given: the file (an index into [`Batch::files`]) and its place.
type Seen = (usize, Place);

/// What the files of one command hold so far, by key: entities by code, figures by entity,
/// month and item, targets by entity, year and indicator. Give it to [`crate::parse_in`] for
/// each file of a command; a key given again by a later file is an error on that file's row,
/// naming the earlier file and line. (Within one file, duplicates are the file's own errors.)
///
/// A command with one file of a kind needs none: [`crate::parse`] keeps nothing.
#[derive(Debug, Default)]
pub struct Batch {
    files: Vec<String>,
    entities: HashMap<EntityCode, Seen>,
    facts: HashMap<(EntityCode, Month, String), Seen>,
    targets: HashMap<(EntityCode, i32, String), Seen>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the next file; its keys are recorded under `name`.
    pub(crate) fn start(&mut self, name: &str) {
        self.files.push(name.to_owned());
    }

    fn current(&self) -> usize {
        self.files.len().saturating_sub(1)
    }

    /// "data-1.csv:12" for an earlier place.
    fn shown(&self, (file, place): &Seen) -> String {
        let name = self.files.get(*file).map_or("", String::as_str);
        format!("{name}{place}")
    }

    /// Records an entity code read at `loc`, or reports it on `loc` when an earlier file of
    /// the batch has it.
    pub(crate) fn entity(&mut self, code: &EntityCode, loc: &Loc, sink: &mut Sink) {
        let current = self.current();
        if let Some(earlier) = claim(&mut self.entities, code.clone(), current, loc) {
            let other = self.shown(&earlier);
            sink.error(
                loc,
                Draft::new(
                    IssueCode::DuplicateCode,
                    format!(
                        "is also defined in {other}: one import takes each entity from one file only; remove one of the two rows"
                    ),
                    format!("在 {other} 中也有定义：同一次导入中每个单位只能来自一个文件，请删除其中一行"),
                )
                .column("code")
                .value(code.as_str()),
            );
        }
    }

    /// Records a figure read at `loc`, or reports it when an earlier file of the batch has it.
    pub(crate) fn fact(
        &mut self,
        entity: &EntityCode,
        month: Month,
        item: &str,
        loc: &Loc,
        sink: &mut Sink,
    ) {
        let current = self.current();
        let key = (entity.clone(), month, item.to_owned());
        if let Some(earlier) = claim(&mut self.facts, key, current, loc) {
            let other = self.shown(&earlier);
            sink.error(
                loc,
                Draft::new(
                    IssueCode::DuplicateRow,
                    format!(
                        "{entity} {month} {item} is also given in {other}: one import takes each figure from one file only; remove one of the two"
                    ),
                    format!(
                        "{entity} {month} {item} 在 {other} 中也有填报：同一次导入中每个数只能来自一个文件，请删除其中之一"
                    ),
                ),
            );
        }
    }

    /// Records a target read at `loc`, or reports it when an earlier file of the batch has it.
    pub(crate) fn target(
        &mut self,
        entity: &EntityCode,
        year: i32,
        indicator: &str,
        loc: &Loc,
        sink: &mut Sink,
    ) {
        let current = self.current();
        let key = (entity.clone(), year, indicator.to_owned());
        if let Some(earlier) = claim(&mut self.targets, key, current, loc) {
            let other = self.shown(&earlier);
            sink.error(
                loc,
                Draft::new(
                    IssueCode::DuplicateRow,
                    format!(
                        "{entity} {year} {indicator} is also given in {other}: one import takes each target from one file only; remove one of the two"
                    ),
                    format!(
                        "{entity} {year} {indicator} 在 {other} 中也有填报：同一次导入中每个目标只能来自一个文件，请删除其中之一"
                    ),
                ),
            );
        }
    }
}

/// Records `key` as first seen in `file` at `loc`; the earlier place when another file had it.
fn claim<K: Hash + Eq>(map: &mut HashMap<K, Seen>, key: K, file: usize, loc: &Loc) -> Option<Seen> {
    match map.get(&key) {
        Some(earlier) if earlier.0 != file => Some(earlier.clone()),
        Some(_) => None,
        None => {
            map.insert(key, (file, loc.place.clone()));
            None
        }
    }
}
