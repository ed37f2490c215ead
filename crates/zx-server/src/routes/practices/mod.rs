//! The practice library (经验库) on the web: `/practices` (search with highlighted hits, the
//! library, HQ's import form), `/practices/{code}` (a practice, its results, files, revisions,
//! similar ones, HQ's recommendation), and the JSON API. [`similar`] is what a red cockpit card
//! and a measure show ("plants of your segment did this").
//!
//! Who sees what: the library is the group's shared knowledge — what one plant proved is meant
//! to be found by the next — so every signed-in account reads every practice (its entity, text
//! and results); only HQ (`Access::is_hq`) imports practices and recommends them.

pub mod api;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};
use zx_search::Filter;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// The routes of this resource, merged into the route table.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/practices", get(pages::library))
        .route("/practices/import", post(pages::import))
        .route("/practices/{code}", get(pages::practice))
        .route("/practices/{code}/recommend", post(pages::recommend))
        .route("/practices/files/{id}", get(pages::download))
        .route("/practices/{code}/files", post(pages::attach))
        .route("/api/v1/practices", get(api::list))
        .route("/api/v1/practices/search", get(api::search))
        .route("/api/v1/practices/import", post(api::import))
        .route("/api/v1/practices/{code}", get(api::one))
        .route("/api/v1/practices/{code}/recommend", post(api::recommend))
}

/// `forbidden` unless the caller is HQ (import, recommend).
pub fn only_hq(user: &CurrentUser, en: &str, zh: &str) -> ApiResult<()> {
    if user.access.is_hq() {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, en).zh(zh))
    }
}

/// A practice by code, `not_found` when there is none.
pub async fn find(state: &AppState, code: &str) -> ApiResult<zx_store::StoredPractice> {
    state
        .store
        .practices()
        .await?
        .into_iter()
        .find(|p| p.practice.code == code)
        .ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, format!("no practice {code}"))
                .zh(format!("没有经验做法 {code}"))
        })
}

/// Records HQ's decision (`zx_app::practices::recommend`: the plants of the segment told in
/// the app, once each) and sends the news to those just told by e-mail and chat, in the
/// background and best effort (a channel that fails is logged; the in-app notice stands).
pub async fn recommend(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    recommended: bool,
    note: &str,
) -> ApiResult<Vec<String>> {
    let told = zx_app::practices::recommend(
        state.store.as_ref(),
        code,
        recommended,
        note,
        &user.user.name,
        state.now(),
    )
    .await?;
    if !told.is_empty() && state.settings.notify.any() {
        let (store, settings) = (state.store.clone(), state.settings.clone());
        let (code, note, sent) = (code.to_owned(), note.to_owned(), told.clone());
        tokio::spawn(async move {
            match zx_notify::deliver_practice_recommendation(
                store.as_ref(),
                &settings.notify,
                &code,
                &note,
                &sent,
            )
            .await
            {
                Ok(report) if !report.all_sent() => {
                    tracing::warn!(?report, %code, "practice recommendation not all delivered");
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, %code, "practice recommendation not delivered")
                }
            }
        });
    }
    Ok(told)
}

/// A practice as a link: its code and title.
pub struct Link {
    pub code: String,
    pub title: String,
    pub entity: String,
}

/// The practices closest to `query` (an indicator's name, a measure's title), of `segment` when
/// given, best first. The search index is a cache: when it cannot be built the answer is empty
/// (and logged), never an error on the page that asked.
pub async fn similar(
    state: &AppState,
    query: &str,
    segment: Option<String>,
    exclude: Option<String>,
    limit: usize,
) -> Vec<Link> {
    let filter = Filter { segment, exclude };
    match state
        .practices
        .search(state.store.as_ref(), query, &filter, limit)
        .await
    {
        Ok(found) => found
            .hits
            .into_iter()
            .map(|(hit, p)| Link {
                code: hit.id,
                title: hit.title.text,
                entity: p.practice.entity.to_string(),
            })
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "similar practices unavailable");
            Vec::new()
        }
    }
}

/// The segment code of an entity that is a plant (its practices' peers), else `None`.
pub fn plant_segment(snapshot: &zx_app::Snapshot, entity: &str) -> Option<String> {
    let tree = snapshot.engine.tree();
    let id = tree.id_of(entity)?;
    if !tree.is_leaf(id) {
        return None;
    }
    let segment = zx_domain::catalogue::segment_code(&tree.entity(id).segment);
    (!segment.is_empty()).then_some(segment)
}

/// The practices like each red indicator of `entity` ("plants of your segment did this"): per
/// indicator id, the best three for its Chinese name (practices are tagged with the indicators
/// they move), of the entity's segment when it is a plant.
pub async fn for_indicators(
    state: &AppState,
    snapshot: &zx_app::Snapshot,
    entity: &str,
    indicators: Vec<String>,
) -> Vec<(String, Vec<Link>)> {
    let segment = plant_segment(snapshot, entity);
    let mut out = Vec::new();
    for id in indicators {
        let Some(def) = state.catalogue.find_indicator(&id) else {
            continue;
        };
        let links = similar(state, &def.name_zh, segment.clone(), None, 3).await;
        out.push((id, links));
    }
    out
}
