//! Full-text search over the practice library (经验库), in Chinese: a tantivy index whose text
//! fields are cut into words by jieba (`tantivy-jieba`), ranked by BM25, with the matched words
//! highlighted in a snippet of the body.
//!
//! The index is a cache, never a source of truth: [`PracticeIndex::open_or_rebuild`] is handed
//! the practices as the database holds them, and opens the index built from exactly those (its
//! directory is named by a hash of them, [`stamp`]) or builds it when it is missing, stale or
//! unreadable. Deleting the directory loses nothing. What this crate does not do: read a
//! database, know who may see a practice (callers filter hits by scope), or decide where the
//! index lives (configuration, in `zx-app`).
#![forbid(unsafe_code)]

mod build;
mod snippet;
mod words;

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TokenStream;
use tantivy::{IndexReader, TantivyDocument, Term};
use thiserror::Error;

pub use build::stamp;
use build::{Fields, analyzer};

/// A practice as the index sees it: the text to search and what a hit shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeDoc {
    /// The practice's code (the import file's `id`).
    pub id: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    /// The entity that did it (a plant's code).
    pub entity: String,
    /// Its segment code (`waste-to-energy`, …), empty when none.
    pub segment: String,
}

/// Text with the byte ranges of the words that matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Marked {
    pub text: String,
    /// Byte ranges into `text`, in order, not overlapping.
    pub marks: Vec<Range<usize>>,
}

impl Marked {
    /// The text HTML-escaped with each match in `<mark>…</mark>`: safe to put into a page as it
    /// is (nothing of the practice's own text can become markup).
    pub fn to_html(&self) -> String {
        snippet::to_html(&self.text, &self.marks)
    }

    /// The matched words, in order (for tests and plain-text callers).
    pub fn marked_words(&self) -> Vec<&str> {
        self.marks
            .iter()
            .filter_map(|r| self.text.get(r.clone()))
            .collect()
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub title: Marked,
    pub entity: String,
    pub segment: String,
    /// BM25 score (higher is better); an estimate of relevance, not an amount.
    pub score: f32,
    /// A fragment of the body around the best-matching words (its beginning when only the
    /// title or tags matched).
    pub snippet: Marked,
}

/// Which practices a search may return.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only practices of this segment ("plants of your segment did this").
    pub segment: Option<String>,
    /// Leave this practice out (the one being looked at, when its similar ones are asked for).
    pub exclude: Option<String>,
}

#[derive(Debug, Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub type SearchResult<T> = Result<T, SearchError>;

/// How the index of [`PracticeIndex::open_or_rebuild`] came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The index of exactly these practices was on disk.
    Existing,
    /// It was missing, stale or unreadable, and was built from the practices given.
    Rebuilt,
}

/// An index of practices, ready to search.
pub struct PracticeIndex {
    reader: IndexReader,
    fields: Fields,
    stamp: String,
}

/// The most characters (bytes) of body a snippet shows: about 80 Chinese characters.
const SNIPPET_BYTES: usize = 240;

impl PracticeIndex {
    /// An index in memory (tests, a one-off search).
    pub fn in_memory(docs: &[PracticeDoc]) -> SearchResult<Self> {
        build::in_memory(docs)
    }

    /// Opens the index of exactly `docs` under `dir`, building it there when it is missing,
    /// stale (the practices changed since) or unreadable. Indexes of other versions of the
    /// practices found under `dir` are removed.
    pub fn open_or_rebuild(dir: &Path, docs: &[PracticeDoc]) -> SearchResult<(Self, Opened)> {
        build::open_or_rebuild(dir, docs)
    }

    /// The hash of the practices this index was built from ([`stamp`]).
    pub fn stamp(&self) -> &str {
        &self.stamp
    }

    /// The practices matching `query`, best first (BM25; a word in the title counts three
    /// times, in the tags twice), at most `limit`. The query is cut into words as the texts
    /// were; any word may match (more matched words rank higher). A query without a word
    /// (empty, punctuation only) finds nothing.
    pub fn search(&self, query: &str, filter: &Filter, limit: usize) -> SearchResult<Vec<Hit>> {
        let words = query_words(query);
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let f = &self.fields;
        let mut any_word: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &words {
            for (field, boost) in [(f.title, 3.0), (f.tags, 2.0), (f.body, 1.0)] {
                let term = TermQuery::new(
                    Term::from_field_text(field, word),
                    IndexRecordOption::WithFreqs,
                );
                any_word.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), boost)),
                ));
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(any_word)))];
        if let Some(segment) = &filter.segment {
            clauses.push((Occur::Must, keyword(f.segment, segment)));
        }
        if let Some(id) = &filter.exclude {
            clauses.push((Occur::MustNot, keyword(f.id, id)));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        // Every word of the query counts alike in choosing the fragment (tantivy's own
        // generator would take the words from the query, which is boosted and nested).
        let body_snippets = SnippetGenerator::new(
            words.iter().map(|w| (w.clone(), 1.0)).collect(),
            analyzer(),
            f.body,
            SNIPPET_BYTES,
        );
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let (title, body) = (text(f.title), text(f.body));
            hits.push(Hit {
                id: text(f.id),
                title: snippet::whole(&title, &words),
                entity: text(f.entity),
                segment: text(f.segment),
                score,
                snippet: snippet::fragment(&body_snippets.snippet(&body), &body, SNIPPET_BYTES),
            });
        }
        // Equal scores in a stable order: by id.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        Ok(hits)
    }
}

fn keyword(field: tantivy::schema::Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// The distinct words of a query as the index cuts text: lower-cased, punctuation and spaces
/// left out.
pub fn query_words(query: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(query);
    let mut words = BTreeSet::new();
    while stream.advance() {
        let word = &stream.token().text;
        if word.chars().any(char::is_alphanumeric) {
            words.insert(word.clone());
        }
    }
    words.into_iter().collect()
}

#[cfg(test)]
mod tests;
