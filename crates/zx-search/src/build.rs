//! Building the index: its schema and analyzer, the stamp that names a version of the practices,
//! and the directory it lives in (`DIR/<stamp>/`, written elsewhere and renamed into place so a
//! reader never sees half an index).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, TextAnalyzer};
use tantivy::{Index, IndexWriter, TantivyDocument, doc};

use crate::{Opened, PracticeDoc, PracticeIndex, SearchError, SearchResult};

/// The tokenizer's name in the index's schema.
const TOKENIZER: &str = "zx_jieba";
/// Part of every stamp: bump it when the schema or the analyzer changes, so indexes built the
/// old way are rebuilt.
const LAYOUT: &str = "zx-practices-index v1 (jieba search mode, lower-cased)";
/// The domain words are part of the layout: a word added changes how texts are cut.
fn layout() -> String {
    format!("{LAYOUT}\n{}", crate::words::DOMAIN_WORDS)
}
/// Written last into a built index: a directory without it is unfinished.
const READY: &str = "zx-ready";
/// What one build may hold in memory before tantivy flushes (its minimum for one thread).
const WRITER_BYTES: usize = 15_000_000;

pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub body: Field,
    pub tags: Field,
    pub entity: Field,
    pub segment: Field,
}

/// jieba's search mode (a long word is indexed whole and by its dictionary parts, so 螯合剂
/// matches 螯合 too), then lower case for the Latin words (COD, SNCR).
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(crate::words::DomainJieba)
        .filter(LowerCaser)
        .build()
}

fn schema() -> (Schema, Fields) {
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text.clone()),
        tags: b.add_text_field("tags", text),
        entity: b.add_text_field("entity", STRING | STORED),
        segment: b.add_text_field("segment", STRING | STORED),
    };
    (b.build(), fields)
}

fn fields_of(schema: &Schema) -> SearchResult<Fields> {
    let f = |name| Ok::<_, SearchError>(schema.get_field(name)?);
    Ok(Fields {
        id: f("id")?,
        title: f("title")?,
        body: f("body")?,
        tags: f("tags")?,
        entity: f("entity")?,
        segment: f("segment")?,
    })
}

/// The SHA-256 (hex) of the practices in id order and of the index's layout: equal stamps, equal
/// indexes. Any change to a practice's text, tags, entity or segment changes it.
pub fn stamp(docs: &[PracticeDoc]) -> String {
    let mut sorted: Vec<&PracticeDoc> = docs.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut h = Sha256::new();
    h.update(layout().as_bytes());
    for d in sorted {
        // Lengths before contents: no two lists of fields hash alike.
        for part in [&d.id, &d.title, &d.body, &d.entity, &d.segment]
            .into_iter()
            .chain(&d.tags)
        {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update((d.tags.len() as u64).to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn fill(index: &Index, fields: &Fields, docs: &[PracticeDoc]) -> SearchResult<()> {
    let mut writer: IndexWriter<TantivyDocument> =
        index.writer_with_num_threads(1, WRITER_BYTES)?;
    for d in docs {
        writer.add_document(doc!(
            fields.id => d.id.as_str(),
            fields.title => d.title.as_str(),
            fields.body => d.body.as_str(),
            fields.tags => d.tags.join(" "),
            fields.entity => d.entity.as_str(),
            fields.segment => d.segment.as_str(),
        ))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

fn ready(index: Index, stamp: String) -> SearchResult<PracticeIndex> {
    index.tokenizers().register(TOKENIZER, analyzer());
    let fields = fields_of(&index.schema())?;
    let reader = index.reader()?;
    Ok(PracticeIndex {
        reader,
        fields,
        stamp,
    })
}

pub(crate) fn in_memory(docs: &[PracticeDoc]) -> SearchResult<PracticeIndex> {
    let (schema, fields) = schema();
    let index = Index::create_in_ram(schema);
    index.tokenizers().register(TOKENIZER, analyzer());
    fill(&index, &fields, docs)?;
    ready(index, stamp(docs))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SearchError + '_ {
    move |source| SearchError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn open(path: &Path, stamp: &str) -> SearchResult<PracticeIndex> {
    if !path.join(READY).is_file() {
        return Err(SearchError::Io {
            path: path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no finished index"),
        });
    }
    ready(Index::open_in_dir(path)?, stamp.to_owned())
}

/// Builds the index of `docs` in a fresh directory under `dir`, then renames it to `target`.
fn build_into(dir: &Path, target: &Path, docs: &[PracticeDoc]) -> SearchResult<()> {
    let building = tempfile::Builder::new()
        .prefix(".building-")
        .tempdir_in(dir)
        .map_err(io(dir))?;
    let (schema, fields) = schema();
    let index = Index::create_in_dir(building.path(), schema)?;
    index.tokenizers().register(TOKENIZER, analyzer());
    fill(&index, &fields, docs)?;
    drop(index);
    std::fs::write(building.path().join(READY), b"").map_err(io(building.path()))?;
    if target.exists() {
        // An unreadable or unfinished index of the same stamp: replaced.
        let _ = std::fs::remove_dir_all(target);
    }
    let built: PathBuf = building.keep();
    if let Err(e) = std::fs::rename(&built, target) {
        let _ = std::fs::remove_dir_all(&built);
        // Another process finished the same index first: theirs is as good as ours.
        if !target.join(READY).is_file() {
            return Err(io(target)(e));
        }
    }
    Ok(())
}

pub(crate) fn open_or_rebuild(
    dir: &Path,
    docs: &[PracticeDoc],
) -> SearchResult<(PracticeIndex, Opened)> {
    let stamp = stamp(docs);
    // Half the hash names the directory: short enough to read, far too long to collide.
    let name = &stamp[..32];
    let target = dir.join(name);
    let (index, opened) = match open(&target, &stamp) {
        Ok(index) => (index, Opened::Existing),
        Err(_) => {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            build_into(dir, &target, docs)?;
            (open(&target, &stamp)?, Opened::Rebuilt)
        }
    };
    // Indexes of older versions of the practices are of no further use. A reader still holding
    // one keeps its open files (they go when it closes them), and an unfinished build of
    // another process is left alone.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let other = file_name.to_string_lossy();
            let is_index = other.len() == 32 && other.bytes().all(|b| b.is_ascii_hexdigit());
            if is_index && other != name {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok((index, opened))
}
