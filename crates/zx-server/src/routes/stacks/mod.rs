//! The stack register, shared by its page: the registered stacks a user may see, registering
//! or changing one (HQ), importing a stack file (the file of `zx stack import`). A saved stack
//! is put into the receiver's directory at once (registry refresh), so its data logger is
//! accepted without waiting for the half-minute reload.
//!
//! A data logger's password is a device secret: it is never shown, and a blank password in the
//! form keeps the stored one.

pub mod pages;

use axum::http::StatusCode;
use serde::Deserialize;
use zx_domain::cems::{DEFAULT_FURNACE_CODE, FactorMap, OXYGEN_CODE, Stack, Standard};
use zx_domain::{EntityCode, EntityKind, Lang};
use zx_ingest::Input;
use zx_ingest::stacks::{DEFAULT_STANDARD, parse_aliases, read_stacks};
use zx_store::{ImportSummary, StoredStack};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
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
    pub csrf: String,
    #[serde(default)]
    pub mn: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub standard: String,
    #[serde(default)]
    pub oxygen_code: String,
    #[serde(default)]
    pub furnace_code: String,
    #[serde(default)]
    pub aliases: String,
}

/// The page's data: what the user may see, and what HQ may choose.
pub async fn rows_and_plants(
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

pub fn row(s: StoredStack, plant_name: String) -> StackRow {
    let aliases: Vec<String> = s.stack.factors.alias_pairs();
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
pub struct Outcome {
    pub form: Option<StackForm>,
    pub result: Option<String>,
    pub error: Option<String>,
    pub issues: Vec<String>,
}

pub fn form_of(stack: &Stack) -> StackForm {
    StackForm {
        csrf: String::new(),
        mn: stack.mn.clone(),
        entity: stack.entity.to_string(),
        name: stack.name.clone(),
        password: String::new(),
        standard: stack.standard.clone(),
        oxygen_code: stack.factors.oxygen.clone(),
        furnace_code: stack.factors.furnace_temperature.clone(),
        aliases: stack.factors.alias_pairs().join(";"),
    }
}

pub fn hq_only(user: &CurrentUser) -> ApiResult<()> {
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

pub fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, message)
}

/// The form as a stack (a blank password keeps the stored one), checked and saved.
pub async fn save_one(
    state: &AppState,
    user: &CurrentUser,
    form: &StackForm,
) -> ApiResult<(String, ImportSummary)> {
    let lang = user.lang;
    let mn = form.mn.trim().to_owned();
    let entity = EntityCode::parse(form.entity.trim()).map_err(|e| {
        invalid(format!("plant: \"{}\": {e}", form.entity))
            .zh(format!("所属电厂：“{}”不是有效的单位编码", form.entity))
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
    stack
        .validate()
        .map_err(|e| invalid(e.to_string()).zh(e.message_zh()))?;
    Standard::builtin(&stack.standard)
        .map_err(|e| invalid(e.to_string()).zh(format!("排放标准“{}”未知", stack.standard)))?;
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
        .save_stacks(vec![stack], &user.user.name, state.now())
        .await?;
    refresh(state).await;
    Ok((mn, summary))
}

/// Puts saved stacks into the receiver's directory now; on failure the half-minute reload
/// does it, so the save itself stands.
pub async fn refresh(state: &AppState) {
    if let Some(emissions) = &state.emissions
        && let Err(error) = emissions.refresh().await
    {
        tracing::warn!(%error, "stack registry refresh after a save failed");
    }
}

pub async fn import_file(
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
            let issues = crate::views::issue_lines(&rejected.issues, lang);
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
        .save_stacks(stacks, &user.user.name, state.now())
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
