//! The practice library's JSON: `zx practices search --format json` (issue 15's contract,
//! `{"hits": [{"id", "title", "score", "snippet"}]}`, best first, nothing beyond its keys) and
//! the API's practice, import and recommendation shapes.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zx_search::Hit;
use zx_store::{PracticeOutcome, StoredPractice};

/// One search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeHitJson {
    /// The practice's code (the import file's `id`).
    pub id: String,
    pub title: String,
    /// BM25 relevance, 3 places (higher is better; compare within one answer only).
    pub score: String,
    /// A fragment of the body around the matched words, HTML-escaped, each match in
    /// `<mark>…</mark>`; the body's beginning when only the title or tags matched.
    pub snippet: String,
}

/// The hits of a search, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeHitsJson {
    pub hits: Vec<PracticeHitJson>,
}

/// A relevance score as the JSON gives it: 3 places, half-even (0 for a score that is not a
/// finite number).
pub fn score_text(score: f32) -> String {
    Decimal::try_from(score)
        .unwrap_or_default()
        .round_dp(3)
        .to_string()
}

impl PracticeHitsJson {
    pub fn of<'a>(hits: impl IntoIterator<Item = &'a Hit>) -> Self {
        Self {
            hits: hits
                .into_iter()
                .map(|h| PracticeHitJson {
                    id: h.id.clone(),
                    title: h.title.text.clone(),
                    score: score_text(h.score),
                    snippet: h.snippet.to_html(),
                })
                .collect(),
        }
    }
}

/// A practice: its latest revision and HQ's decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeJson {
    pub id: String,
    pub title: String,
    pub body: String,
    pub entity: String,
    /// Its entity's segment code (`waste-to-energy`), empty when none.
    pub segment: String,
    pub tags: Vec<String>,
    /// Money saved or earned a year, yuan, exact.
    pub result_amount: Option<String>,
    /// A physical effect in `result_unit`, exact.
    pub result_quantity: Option<String>,
    pub result_unit: String,
    pub result_note: String,
    pub revision: i64,
    pub recommended: bool,
    pub recommended_by: Option<String>,
    /// RFC 3339, UTC.
    pub recommended_at: Option<String>,
}

impl From<&StoredPractice> for PracticeJson {
    fn from(p: &StoredPractice) -> Self {
        let x = &p.practice;
        let decided = p.recommendation.as_ref().filter(|r| r.recommended);
        Self {
            id: x.code.clone(),
            title: x.title.clone(),
            body: x.body.clone(),
            entity: x.entity.to_string(),
            segment: p.segment.clone(),
            tags: x.tags.clone(),
            result_amount: x.result.amount.map(|d| d.to_string()),
            result_quantity: x.result.quantity.map(|d| d.to_string()),
            result_unit: x.result.unit.clone(),
            result_note: x.result.note.clone(),
            revision: p.revision,
            recommended: decided.is_some(),
            recommended_by: decided.map(|r| r.by.clone()),
            recommended_at: decided.map(|r| r.at.to_rfc3339()),
        }
    }
}

/// What importing a practices file did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticesImportedJson {
    pub created: usize,
    pub revised: usize,
    pub unchanged: usize,
}

impl PracticesImportedJson {
    pub fn count(outcomes: &[PracticeOutcome]) -> Self {
        let count = |o| outcomes.iter().filter(|x| **x == o).count();
        Self {
            created: count(PracticeOutcome::Created),
            revised: count(PracticeOutcome::Revised),
            unchanged: count(PracticeOutcome::Unchanged),
        }
    }
}

/// HQ's decision on a practice.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RecommendInput {
    pub recommended: bool,
    #[serde(default)]
    pub note: String,
}

/// The decision recorded and who was told.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendedJson {
    pub recommended: bool,
    /// Accounts told now (plants of the practice's segment not told of it before).
    pub told: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_have_three_places() {
        // 8.022429 → 8.022; 1.70795 → 1.708 (the fourth place 9 rounds up).
        assert_eq!(score_text(8.022429), "8.022");
        assert_eq!(score_text(1.70795), "1.708");
        assert_eq!(score_text(f32::NAN), "0");
    }
}
