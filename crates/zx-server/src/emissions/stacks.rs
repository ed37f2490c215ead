//! The stack register page (`/environment/stacks`): the registered stacks a user may see, and for
//! HQ a form to register or change one and an upload of a stack file (the file of
//! `zx stack import`). A saved stack is put into the receiver's directory at once (registry
//! refresh), so its data logger is accepted without waiting for the half-minute reload.
//!
//! A data logger's password is a device secret: it is never shown, and a blank password in the
//! form keeps the stored one.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use zx_domain::cems::{DEFAULT_FURNACE_CODE, FactorMap, OXYGEN_CODE, Stack, Standard};
use zx_domain::{EntityCode, EntityKind, Lang};
use zx_ingest::Input;
use zx_ingest::stacks::{DEFAULT_STANDARD, STACK_CSV_HEADER, parse_aliases, read_stacks};
use zx_store::{ImportSummary, StoredStack};

use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::pages::{Me, error_page, here};
use crate::state::AppState;

/// Where the page lives (and where the form posts).
pub const STACKS_PATH: &str = "/environment/stacks";
/// Where the stack file is uploaded. Not an MN (those are letters and digits only), so it never
/// shadows a stack's page `/environment/stacks/{mn}`.
pub const STACKS_IMPORT_PATH: &str = "/environment/stacks/import-file";

/// One registered stack as the page lists it (no password).
pub struct StackRow {
    pub plant_code: String,
    pub plant_name: String,
    pub name: String,
    pub mn: String,
    pub standard: String,
    pub oxygen: String,
    pub furnace: String,
    pub aliases: String,
    pub active: bool,
}

/// The form's fields, as typed (kept on an error so nothing has to be typed again; the password
/// is never sent back).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mn: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    standard: String,
    #[serde(default)]
    oxygen_code: String,
    #[serde(default)]
    furnace_code: String,
    #[serde(default)]
    aliases: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "stacks.html")]
struct StacksPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    csrf: String,
    hq: bool,
    rows: Vec<StackRow>,
    /// Plants and companies a stack may belong to: (code, name).
    plants: Vec<(String, String)>,
    form: StackForm,
    /// Whether the form's MN is registered already (the password may be left blank).
    editing: bool,
    /// What was saved (a success line).
    result: Option<String>,
    /// Why the form or file was refused.
    error: Option<String>,
    /// A refused file's problems, one line each.
    issues: Vec<String>,
    header: &'static str,
}

#[derive(Deserialize)]
pub struct StacksQuery {
    /// `?edit=MN`: the form filled with that stack.
    #[serde(default)]
    edit: Option<String>,
    /// `?saved=MN&outcome=created|updated|unchanged`: after a save (post/redirect/get).
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
}

/// The page's data: what the user may see, and what HQ may choose.
async fn rows_and_plants(
    state: &AppState,
    user: &CurrentUser,
) -> ApiResult<(Vec<StackRow>, Vec<(String, String)>)> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let visible = |code: &str| {
        tree.id_of(code)
            .filter(|&id| user.access.can_read(tree, id))
    };
    let mut rows: Vec<StackRow> = state
        .store
        .stacks()
        .await?
        .into_iter()
        .filter_map(|s| {
            let id = visible(s.stack.entity.as_str())?;
            Some(row(s, tree.entity(id).name.clone()))
        })
        .collect();
    rows.sort_by(|a, b| (&a.plant_code, &a.name, &a.mn).cmp(&(&b.plant_code, &b.name, &b.mn)));
    let plants = state
        .store
        .entities()
        .await?
        .into_iter()
        .filter(|e| matches!(e.kind, EntityKind::Plant | EntityKind::Company))
        .filter(|e| visible(e.code.as_str()).is_some())
        .map(|e| (e.code.to_string(), e.name))
        .collect();
    Ok((rows, plants))
}

fn row(s: StoredStack, plant_name: String) -> StackRow {
    let aliases: Vec<String> = s
        .stack
        .factors
        .aliases
        .iter()
        .map(|(sent, standard)| format!("{sent}={standard}"))
        .collect();
    StackRow {
        plant_code: s.stack.entity.to_string(),
        plant_name,
        name: s.stack.name,
        mn: s.stack.mn,
        standard: s.stack.standard,
        oxygen: s.stack.factors.oxygen,
        furnace: s.stack.factors.furnace_temperature,
        aliases: aliases.join(";"),
        active: s.active,
    }
}

/// What the page shows besides the list.
#[derive(Default)]
struct Outcome {
    form: Option<StackForm>,
    result: Option<String>,
    error: Option<String>,
    issues: Vec<String>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    status: StatusCode,
    outcome: Outcome,
) -> Response {
    let lang = user.lang;
    let (rows, plants) = match rows_and_plants(state, user).await {
        Ok(found) => found,
        Err(error) => return error_page(Some(user), lang, error),
    };
    let form = outcome.form.unwrap_or_else(|| StackForm {
        standard: DEFAULT_STANDARD.to_owned(),
        oxygen_code: OXYGEN_CODE.to_owned(),
        furnace_code: DEFAULT_FURNACE_CODE.to_owned(),
        ..StackForm::default()
    });
    let editing = rows.iter().any(|r| r.mn == form.mn.trim());
    let page = StacksPage {
        lang,
        me: Me::of(user),
        here: here(uri),
        csrf: user.csrf.clone().unwrap_or_default(),
        hq: user.access.is_hq(),
        rows,
        plants,
        form: StackForm {
            password: String::new(),
            ..form
        },
        editing,
        result: outcome.result,
        error: outcome.error,
        issues: outcome.issues,
        header: STACK_CSV_HEADER,
    };
    (status, page).into_response()
}

/// The list; for HQ the forms (filled with `?edit=MN`'s stack).
pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<StacksQuery>,
) -> Response {
    let lang = user.lang;
    let mut outcome = Outcome::default();
    if let Some(mn) = query.edit.as_deref().filter(|m| !m.is_empty())
        && user.access.is_hq()
    {
        match state.store.stack(mn).await {
            Ok(Some(s)) => outcome.form = Some(form_of(&s.stack)),
            Ok(None) => {
                outcome.error = Some(format!("{} {mn}", lang.pick("未登记排放口", "no stack")))
            }
            Err(error) => return error_page(Some(&user), lang, error.into()),
        }
    }
    if let Some(mn) = query.saved.as_deref() {
        let what = match query.outcome.as_deref() {
            Some("created") => lang.pick("已登记", "registered"),
            Some("updated") => lang.pick("已更新", "updated"),
            _ => lang.pick("无变化", "unchanged"),
        };
        // Only an MN is echoed (letters and digits), never free text from the query.
        if zx_domain::cems::check_mn(mn).is_ok() {
            outcome.result = Some(format!("{} {mn}: {what}", lang.pick("排放口", "stack")));
        }
    }
    render(&state, &user, &uri, StatusCode::OK, outcome).await
}

fn form_of(stack: &Stack) -> StackForm {
    StackForm {
        csrf: String::new(),
        mn: stack.mn.clone(),
        entity: stack.entity.to_string(),
        name: stack.name.clone(),
        password: String::new(),
        standard: stack.standard.clone(),
        oxygen_code: stack.factors.oxygen.clone(),
        furnace_code: stack.factors.furnace_temperature.clone(),
        aliases: stack
            .factors
            .aliases
            .iter()
            .map(|(sent, standard)| format!("{sent}={standard}"))
            .collect::<Vec<_>>()
            .join(";"),
    }
}

fn hq_only(user: &CurrentUser) -> ApiResult<()> {
    if user.access.is_hq() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang.pick(
                "只有集团总部可以登记排放口",
                "only group headquarters can register stacks",
            ),
        ))
    }
}

/// Registers or changes one stack from the form: HQ only, CSRF checked. A refused stack is shown
/// on the page with the reason (nothing stored); a saved one is received at once.
pub async fn post_stack(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<StackForm>,
) -> Response {
    let lang = user.lang;
    if let Err(error) = user
        .check_csrf(Some(&form.csrf))
        .and_then(|()| hq_only(&user))
    {
        return error_page(Some(&user), lang, error);
    }
    match save_one(&state, &user, &form).await {
        Ok((mn, summary)) => {
            let outcome = if summary.created > 0 {
                "created"
            } else if summary.updated > 0 {
                "updated"
            } else {
                "unchanged"
            };
            Redirect::to(&format!("{STACKS_PATH}?saved={mn}&outcome={outcome}")).into_response()
        }
        Err(error) if error.code == ErrorCode::Internal => error_page(Some(&user), lang, error),
        Err(error) => {
            let outcome = Outcome {
                form: Some(form),
                error: Some(error.message),
                ..Outcome::default()
            };
            render(
                &state,
                &user,
                &uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                outcome,
            )
            .await
        }
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, message)
}

/// The form as a stack (a blank password keeps the stored one), checked and saved.
async fn save_one(
    state: &AppState,
    user: &CurrentUser,
    form: &StackForm,
) -> ApiResult<(String, ImportSummary)> {
    let lang = user.lang;
    let mn = form.mn.trim().to_owned();
    let entity = EntityCode::parse(form.entity.trim()).map_err(|e| {
        invalid(format!(
            "{}: \"{}\": {e}",
            lang.pick("所属电厂", "plant"),
            form.entity
        ))
    })?;
    let aliases = parse_aliases(&form.aliases)
        .map_err(|e| invalid(format!("{}: {e}", lang.pick("因子别名", "aliases"))))?;
    let or_default = |text: &str, default: &str| {
        let text = text.trim();
        if text.is_empty() { default } else { text }.to_owned()
    };
    let stored = match zx_domain::cems::check_mn(&mn) {
        Ok(()) => state.store.stack(&mn).await?,
        Err(_) => None,
    };
    let password = match (&stored, form.password.is_empty()) {
        (Some(s), true) => s.stack.password.clone(),
        _ => form.password.clone(),
    };
    let stack = Stack {
        mn: mn.clone(),
        entity,
        name: form.name.trim().to_owned(),
        password,
        standard: or_default(&form.standard, DEFAULT_STANDARD),
        factors: FactorMap {
            oxygen: or_default(&form.oxygen_code, OXYGEN_CODE),
            furnace_temperature: or_default(&form.furnace_code, DEFAULT_FURNACE_CODE),
            aliases,
        },
    };
    // The domain's own words first (the store would say the same, prefixed "stack 1").
    stack.validate().map_err(|e| invalid(e.to_string()))?;
    Standard::builtin(&stack.standard).map_err(|e| invalid(e.to_string()))?;
    // Only plants and companies the user may see (HQ: all).
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    if !tree
        .id_of(stack.entity.as_str())
        .is_some_and(|id| user.access.can_read(tree, id))
    {
        return Err(invalid(format!(
            "{}: {} {}",
            lang.pick("所属电厂", "plant"),
            stack.entity,
            lang.pick("不是已知的单位", "is not a known entity")
        )));
    }
    let summary = state
        .store
        .save_stacks(vec![stack], &user.user.name, Utc::now())
        .await?;
    refresh(state).await;
    Ok((mn, summary))
}

/// Puts saved stacks into the receiver's directory now; on failure the half-minute reload
/// does it, so the save itself stands.
async fn refresh(state: &AppState) {
    if let Some(emissions) = &state.emissions
        && let Err(error) = emissions.refresh().await
    {
        tracing::warn!(%error, "stack registry refresh after a save failed");
    }
}

/// Imports a stack file (CSV or XLSX, the columns of `zx stack import`): HQ only, CSRF checked,
/// all or nothing; every problem of a refused file is listed.
pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let mut csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "csrf" => csrf = field.text().await.ok(),
                "file" => {
                    let file_name = field.file_name().unwrap_or("stacks.csv").to_owned();
                    match field.bytes().await {
                        Ok(bytes) => file = Some((file_name, bytes.to_vec())),
                        Err(e) => {
                            let error = ApiError::new(ErrorCode::InvalidFile, e.to_string());
                            return error_page(Some(&user), lang, error);
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                let error = ApiError::new(ErrorCode::InvalidFile, e.to_string());
                return error_page(Some(&user), lang, error);
            }
        }
    }
    if let Err(error) = user
        .check_csrf(csrf.as_deref())
        .and_then(|()| hq_only(&user))
    {
        return error_page(Some(&user), lang, error);
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let outcome = Outcome {
            error: Some(
                lang.pick("请选择要上传的文件", "choose a file to upload")
                    .to_owned(),
            ),
            ..Outcome::default()
        };
        return render(
            &state,
            &user,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            outcome,
        )
        .await;
    };
    let (status, outcome) = match import_file(&state, &user, &file_name, &bytes).await {
        Ok(outcome) => outcome,
        Err(error) if error.code == ErrorCode::Internal => {
            return error_page(Some(&user), lang, error);
        }
        Err(error) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome {
                error: Some(format!(
                    "{file_name}: {}: {}",
                    error.message,
                    lang.pick("未写入任何数据", "nothing was imported")
                )),
                ..Outcome::default()
            },
        ),
    };
    render(&state, &user, &uri, status, outcome).await
}

async fn import_file(
    state: &AppState,
    user: &CurrentUser,
    file_name: &str,
    bytes: &[u8],
) -> ApiResult<(StatusCode, Outcome)> {
    let lang = user.lang;
    let entities = state.store.entities().await?;
    let stacks = match read_stacks(Input { file_name, bytes }, &entities) {
        Ok(stacks) => stacks,
        Err(rejected) => {
            let issues = rejected
                .issues
                .iter()
                .map(|issue| match lang {
                    Lang::Zh => issue.to_string_zh(),
                    Lang::En => issue.to_string(),
                })
                .collect();
            let outcome = Outcome {
                error: Some(format!(
                    "{file_name}: {}",
                    lang.pick(
                        "文件有错误，未写入任何数据",
                        "the file has errors: nothing was imported"
                    )
                )),
                issues,
                ..Outcome::default()
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, outcome));
        }
    };
    let count = stacks.len();
    let ImportSummary {
        created,
        updated,
        unchanged,
    } = state
        .store
        .save_stacks(stacks, &user.user.name, Utc::now())
        .await?;
    refresh(state).await;
    let result = match lang {
        Lang::En => format!(
            "{file_name}: {count} stacks: {created} created, {updated} updated, {unchanged} unchanged"
        ),
        Lang::Zh => format!(
            "{file_name}：{count} 个排放口：新登记 {created}，更新 {updated}，无变化 {unchanged}"
        ),
    };
    Ok((
        StatusCode::OK,
        Outcome {
            result: Some(result),
            ..Outcome::default()
        },
    ))
}
