//! `/practices`: the search box and its hits (matches highlighted), the library when nothing is
//! asked, HQ's import form; `/practices/{code}`: one practice with its results, files,
//! revisions, the practices like it and HQ's recommendation.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zx_domain::{Lang, format};
use zx_search::Filter;
use zx_store::StoredPractice;

use super::{Link, only_hq};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, china_time, error_page, here};
use crate::routes::read_upload;
use crate::state::AppState;

/// A practice in a list or a hit: title and snippet as safe HTML (escaped, matches marked).
pub struct Row {
    pub code: String,
    pub title_html: String,
    pub snippet_html: String,
    pub entity_name: String,
    pub segment: String,
    pub results: String,
    pub recommended: bool,
    pub score: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "practices.html")]
struct LibraryPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    query: String,
    segment: String,
    segments: Vec<(&'static str, String)>,
    searched: bool,
    rows: Vec<Row>,
    can_import: bool,
    message: Option<String>,
    issues: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LibraryQuery {
    pub q: Option<String>,
    pub segment: Option<String>,
}

fn escape(text: &str) -> String {
    zx_search::Marked {
        text: text.to_owned(),
        marks: Vec::new(),
    }
    .to_html()
}

fn entity_name(snapshot: &zx_app::Snapshot, code: &str) -> String {
    let tree = snapshot.engine.tree();
    tree.id_of(code)
        .map_or_else(|| code.to_owned(), |id| tree.entity(id).name.clone())
}

/// A practice in the library's list: title, who, results (the snippet is a search's).
fn plain_row(snapshot: &zx_app::Snapshot, p: &StoredPractice, lang: Lang) -> Row {
    Row {
        code: p.practice.code.clone(),
        title_html: escape(&p.practice.title),
        snippet_html: String::new(),
        entity_name: entity_name(snapshot, p.practice.entity.as_str()),
        segment: format::segment_label(&p.segment, lang),
        results: p.practice.result.text(lang),
        recommended: p.is_recommended(),
        score: String::new(),
    }
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    here: String,
    query: LibraryQuery,
    message: Option<String>,
    issues: Vec<String>,
) -> ApiResult<LibraryPage> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let q = query.q.unwrap_or_default().trim().to_owned();
    let segment = query.segment.unwrap_or_default().trim().to_owned();
    let rows = if q.is_empty() {
        let mut list = state.store.practices().await?;
        list.retain(|p| segment.is_empty() || p.segment == segment);
        // HQ's recommended practices first, then by id.
        list.sort_by_key(|p| !p.is_recommended());
        list.iter().map(|p| plain_row(&snapshot, p, lang)).collect()
    } else {
        let filter = Filter {
            segment: (!segment.is_empty()).then(|| segment.clone()),
            exclude: None,
        };
        let found = state
            .practices
            .search(state.store.as_ref(), &q, &filter, 30)
            .await?;
        found
            .hits
            .iter()
            .map(|(hit, p)| Row {
                title_html: hit.title.to_html(),
                snippet_html: hit.snippet.to_html(),
                score: zx_api::score_text(hit.score),
                ..plain_row(&snapshot, p, lang)
            })
            .collect()
    };
    let segments = ["waste-to-energy", "water", "solar", "wind"]
        .into_iter()
        .map(|s| (s, format::segment_label(s, lang)))
        .collect();
    Ok(LibraryPage {
        lang,
        me: Me::of(user),
        here,
        searched: !q.is_empty(),
        query: q,
        segment,
        segments,
        rows,
        can_import: user.access.is_hq(),
        message,
        issues,
    })
}

pub async fn library(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<LibraryQuery>,
) -> Response {
    match render(&state, &user, here(&uri), query, None, Vec::new()).await {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// `POST /practices/import` (HQ): the library again with what happened.
pub async fn import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result = async {
        only_hq(
            &user,
            "only HQ imports practices",
            "只有总部可以导入经验做法",
        )?;
        let form = read_upload(&mut multipart, "practices.csv").await?;
        user.check_csrf(form.csrf.as_deref())?;
        let (name, bytes) = form.file.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidFile, "choose a file").zh("请选择文件")
        })?;
        let saved = zx_app::practices::import(
            state.store.as_ref(),
            &name,
            &bytes,
            &user.user.name,
            state.now(),
        )
        .await?;
        Ok::<_, ApiError>(match saved {
            Ok(outcomes) => {
                let c = zx_api::PracticesImportedJson::count(&outcomes);
                (
                    match lang {
                        Lang::Zh => format!(
                            "已导入：新增 {}，修订 {}，未变 {}",
                            c.created, c.revised, c.unchanged
                        ),
                        Lang::En => format!(
                            "Imported: {} created, {} revised, {} unchanged",
                            c.created, c.revised, c.unchanged
                        ),
                    },
                    Vec::new(),
                )
            }
            Err(rejected) => (
                lang.pick(
                    "文件有错误，未导入任何内容：",
                    "The file has errors; nothing was imported:",
                )
                .to_owned(),
                rejected
                    .issues
                    .iter()
                    .map(|i| match lang {
                        Lang::Zh => i.to_string_zh(),
                        Lang::En => i.to_string(),
                    })
                    .collect(),
            ),
        })
    }
    .await;
    let (message, issues) = match result {
        Ok(done) => done,
        Err(error) => return error_page(Some(&user), lang, error),
    };
    let query = LibraryQuery::default();
    match render(
        &state,
        &user,
        "/practices".into(),
        query,
        Some(message),
        issues,
    )
    .await
    {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

pub struct RevisionRow {
    pub revision: i64,
    pub at: String,
    pub by: String,
    pub source: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "practice.html")]
struct PracticePage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    code: String,
    title: String,
    body: String,
    entity: String,
    entity_name: String,
    segment: String,
    tags: Vec<String>,
    results: String,
    recommended: bool,
    /// Who recommended it, when, and why.
    decision: Option<(String, String, String)>,
    files: Vec<(i64, String)>,
    revisions: Vec<RevisionRow>,
    similar: Vec<Link>,
    can_recommend: bool,
    /// HQ and the managers of the practice's entity attach files.
    can_attach: bool,
}

pub async fn practice(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(code): Path<String>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let p = super::find(&state, &code).await?;
        let files = state
            .store
            .practice_attachments(&code)
            .await?
            .into_iter()
            .map(|a| (a.id, a.file_name))
            .collect();
        let revisions = state
            .store
            .practice_history(&code)
            .await?
            .into_iter()
            .rev()
            .map(|r| RevisionRow {
                revision: r.revision,
                at: china_time(r.recorded_at),
                by: r.recorded_by,
                source: r.source,
            })
            .collect();
        let words = format!("{} {}", p.practice.title, p.practice.tags.join(" "));
        let segment = (!p.segment.is_empty()).then(|| p.segment.clone());
        let similar = super::similar(&state, &words, segment, Some(code.clone()), 5).await;
        let decision = p
            .recommendation
            .as_ref()
            .filter(|r| r.recommended)
            .map(|r| (r.by.clone(), china_time(r.at), r.note.clone()));
        Ok::<_, ApiError>(PracticePage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            entity_name: entity_name(&snapshot, p.practice.entity.as_str()),
            entity: p.practice.entity.to_string(),
            segment: format::segment_label(&p.segment, lang),
            results: p.practice.result.text(lang),
            recommended: p.is_recommended(),
            decision,
            code: p.practice.code,
            title: p.practice.title,
            body: p.practice.body,
            tags: p.practice.tags,
            files,
            revisions,
            similar,
            can_recommend: user.access.is_hq(),
            can_attach: may_attach(&snapshot, &user, &p.practice.entity),
        })
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[derive(Debug, Deserialize)]
pub struct RecommendForm {
    pub csrf: String,
    /// `1` recommends, `0` withdraws.
    pub recommended: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /practices/{code}/recommend` (HQ): records the decision, tells the plants, back to the
/// practice.
pub async fn recommend(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<RecommendForm>,
) -> Response {
    let result = async {
        only_hq(
            &user,
            "only HQ recommends practices",
            "只有总部可以推荐经验做法",
        )?;
        user.check_csrf(Some(&form.csrf))?;
        super::find(&state, &code).await?;
        super::recommend(&state, &user, &code, form.recommended == "1", &form.note).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => {
            Redirect::to(&format!("/practices/{}", crate::auth::urlencode(&code))).into_response()
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// HQ, and whoever may submit the practice's entity's data (its managers).
fn may_attach(
    snapshot: &zx_app::Snapshot,
    user: &CurrentUser,
    entity: &zx_domain::EntityCode,
) -> bool {
    let tree = snapshot.engine.tree();
    user.access.is_hq()
        || tree
            .id_of(entity.as_str())
            .is_some_and(|id| user.access.can_submit(tree, id))
}

/// `POST /practices/{code}/files`: a file judged by its content (PDF, images, Office, as a
/// measure's evidence), kept in `blobs`; back to the practice.
pub async fn attach(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result = async {
        let form = read_upload(&mut multipart, "file").await?;
        user.check_csrf(form.csrf.as_deref())?;
        let snapshot = state.snapshot().await?;
        let p = super::find(&state, &code).await?;
        if !may_attach(&snapshot, &user, &p.practice.entity) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                lang.pick(
                    "无权为该经验做法上传附件",
                    "you may not add files to this practice",
                ),
            ));
        }
        let (name, bytes) = form.file.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidFile, "choose a file").zh("请选择文件")
        })?;
        for file in crate::routes::hazards::judge_files(lang, vec![(name, bytes)])? {
            state
                .store
                .add_practice_evidence(&code, file, &user.user.name, state.now())
                .await?;
        }
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => {
            Redirect::to(&format!("/practices/{}", crate::auth::urlencode(&code))).into_response()
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// A practice's file, as stored.
pub async fn download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Response {
    match state.store.practice_attachment_content(id).await {
        Ok(Some((a, content))) => (
            [
                (header::CONTENT_TYPE, a.media_type),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename*=UTF-8''{}",
                        crate::auth::urlencode(&a.file_name)
                    ),
                ),
            ],
            content,
        )
            .into_response(),
        Ok(None) => error_page(
            Some(&user),
            user.lang,
            ApiError::new(ErrorCode::NotFound, format!("no file {id}"))
                .zh(format!("没有附件 {id}")),
        ),
        Err(error) => error_page(Some(&user), user.lang, error.into()),
    }
}
