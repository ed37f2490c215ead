//! From tantivy's snippets to [`Marked`] text, and marked text to HTML.

use std::ops::Range;

use tantivy::snippet::{Snippet, collapse_overlapped_ranges};
use tantivy::tokenizer::TokenStream;

use crate::Marked;

/// Where a fragment is cut from a longer text.
const ELLIPSIS: &str = "…";

/// The body's best fragment with its marks; the body's beginning, unmarked, when no word of the
/// query is in the body. `…` where the fragment cuts the body.
pub(crate) fn fragment(snippet: &Snippet, body: &str, max_bytes: usize) -> Marked {
    if snippet.is_empty() {
        let end = floor_char_boundary(body, max_bytes);
        let mut text = body[..end].to_owned();
        if end < body.len() {
            text.push_str(ELLIPSIS);
        }
        return Marked {
            text,
            marks: Vec::new(),
        };
    }
    let range = snippet.fragment_range();
    let (before, after) = (range.start > 0, range.end < body.len());
    let shift = if before { ELLIPSIS.len() } else { 0 };
    let mut text = String::new();
    if before {
        text.push_str(ELLIPSIS);
    }
    text.push_str(snippet.fragment());
    if after {
        text.push_str(ELLIPSIS);
    }
    let marks = collapse_overlapped_ranges(snippet.highlighted())
        .into_iter()
        .map(|r| r.start + shift..r.end + shift)
        .collect();
    Marked { text, marks }
}

/// A whole short text (a title) with the query's words marked where the analyzer finds them.
pub(crate) fn whole(text: &str, words: &[String]) -> Marked {
    let mut analyzer = crate::build::analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut found = Vec::new();
    while stream.advance() {
        let token = stream.token();
        if words.binary_search(&token.text).is_ok() {
            found.push(token.offset_from..token.offset_to);
        }
    }
    Marked {
        text: text.to_owned(),
        marks: collapse_overlapped_ranges(&found),
    }
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

pub(crate) fn to_html(text: &str, marks: &[Range<usize>]) -> String {
    let mut html = String::with_capacity(text.len() + 16 * marks.len());
    let mut from = 0;
    for mark in marks {
        // Marks come from this crate; a range that does not fit the text is skipped, not a panic.
        let (Some(plain), Some(marked)) = (text.get(from..mark.start), text.get(mark.clone()))
        else {
            continue;
        };
        escape(plain, &mut html);
        html.push_str("<mark>");
        escape(marked, &mut html);
        html.push_str("</mark>");
        from = mark.end;
    }
    escape(text.get(from..).unwrap_or_default(), &mut html);
    html
}
