//! The hazard register (隐患排查治理), shared by its pages and its API: the scope rules,
//! reporting with photos, the loop's steps, the list with its filters, evidence downloads, and
//! the safety overview's hazard figures.
//!
//! Scope, as everywhere: a hazard is seen by whoever may read its entity (others get
//! `not_found`); reporting, assessing and rectifying need the right to submit its data; who
//! verifies is the domain's rule (`zx_domain::safety::hazards::check_step`), checked here for
//! a message in the user's language and again by the store inside its transaction.

pub mod api;
pub mod export;
pub mod pages;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::Multipart;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use zx_domain::format::{hazard_grade_label, hazard_status_label, risk_level_label};
use zx_domain::safety::hazards::{
    AgeBand, Assurances, Hazard, HazardAttachment, HazardGrade, HazardStatus, Step, check_step,
    may_report, parse_grade,
};
use zx_domain::safety::{GradingBands, LecScore, MatrixScore, RiskLevel, Score};
use zx_domain::{EntityTree, Lang};
use zx_ingest::evidence::{MAX_EVIDENCE_BYTES, check_evidence};
use zx_store::{Actor, NewEvidence, NewHazard};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::entity_in_scope;
use crate::state::{AppState, Snapshot};

/// The register's pages and API (merged into the route table in one line).
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/safety/hazards", get(pages::list).post(pages::post_report))
        .route("/safety/hazards.xlsx", get(pages::export))
        .route("/safety/hazards/import", post(pages::post_import))
        .route("/safety/hazards/new", get(pages::new))
        .route("/safety/hazards/{id}", get(pages::page))
        .route("/safety/hazards/{id}/step", post(pages::post_step))
        .route(
            "/safety/hazard-attachments/{id}",
            get(pages::get_attachment),
        )
        .route(
            "/api/v1/hazards",
            get(api::api_hazards).post(api::api_report),
        )
        .route("/api/v1/hazards/{id}", get(api::api_hazard))
        .route("/api/v1/hazards/{id}/steps", post(api::api_step))
        .route(
            "/api/v1/hazards/{id}/attachments",
            post(api::api_add_attachments),
        )
        .route("/api/v1/hazard-attachments/{id}", get(api::api_attachment))
}

/// At most this many photos or documents with one report or step.
pub const MAX_FILES: usize = 6;

pub fn not_found(lang: Lang, what: &str, id: i64) -> ApiError {
    let what_zh = match what {
        "hazard" => "隐患",
        "attachment" => "附件",
        other => other,
    };
    ApiError::new(
        ErrorCode::NotFound,
        format!(
            "{} {} {id}",
            lang.pick("没有", "no"),
            lang.pick(what_zh, what)
        ),
    )
}

fn invalid(field: &str, en: String, zh: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, format!("{field}: {en}"))
        .zh(format!("{field}：{zh}"))
}

/// The hazard and the snapshot its scope was judged on, if the user may read its entity;
/// `not_found` otherwise (a hazard outside one's scope is not revealed).
pub async fn readable_hazard(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<(Hazard, Arc<Snapshot>)> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    match state.store.hazard(id).await? {
        Some(h)
            if tree
                .id(&h.entity)
                .is_some_and(|e| user.access.can_read(tree, e)) =>
        {
            Ok((h, snapshot))
        }
        _ => Err(not_found(user.lang, "hazard", id)),
    }
}

/// What a list, a page and the overview show of a hazard beyond its record: its danger and
/// colour when scored, whether it is overdue and how old it is, as of a date in China.
#[derive(Debug, Clone)]
pub struct HazardView {
    pub hazard: Hazard,
    pub entity_name: String,
    pub danger: Option<Decimal>,
    pub level: Option<RiskLevel>,
    pub overdue: bool,
    pub age_days: i64,
    pub age: AgeBand,
}

impl HazardView {
    pub fn of(hazard: Hazard, tree: &EntityTree, as_of: NaiveDate, bands: &GradingBands) -> Self {
        let danger = match &hazard.scores {
            Some(Score::Lec(s)) => Some(s.danger()),
            Some(Score::Matrix(m)) => Some(Decimal::from(m.risk())),
            None => None,
        };
        let level = hazard.scores.as_ref().map(|s| bands.level(s));
        Self {
            entity_name: tree
                .id(&hazard.entity)
                .map_or(String::new(), |e| tree.entity(e).name.clone()),
            danger,
            level,
            overdue: hazard.is_overdue(as_of),
            age_days: (as_of - hazard.found).num_days().max(0),
            age: AgeBand::of(hazard.found, as_of),
            hazard,
        }
    }

    pub fn level_code(&self) -> &'static str {
        self.level.map_or("none", |l| l.code())
    }

    pub fn level_label(&self, lang: Lang) -> &'static str {
        self.level.map_or(lang.pick("未评分", "not scored"), |l| {
            risk_level_label(l, lang)
        })
    }

    /// What the hazard is called on a page: a hazard the system raised is worded in the
    /// reader's language from its key; one a person reported, as they wrote it.
    pub fn title(&self, lang: Lang) -> String {
        let h = &self.hazard;
        if let Some(person) = h
            .auto_key
            .as_deref()
            .and_then(|k| k.strip_prefix("uncertified:"))
        {
            return zx_domain::format::uncertified_operator_hazard(person, lang);
        }
        if h.description.is_empty() {
            h.number()
        } else {
            h.description.clone()
        }
    }

    pub fn grade_label(&self, lang: Lang) -> &'static str {
        hazard_grade_label(self.hazard.grade, lang)
    }

    pub fn status_label(&self, lang: Lang) -> &'static str {
        hazard_status_label(self.hazard.status, lang)
    }
}

// --- the list ---------------------------------------------------------------------------------

/// The list's filters, as a query string gives them; every one optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HazardFilter {
    /// An entity code: its subtree.
    #[serde(default)]
    pub entity: Option<String>,
    /// A status code; `open` for every status but closed.
    #[serde(default)]
    pub status: Option<String>,
    /// `general|major`.
    #[serde(default)]
    pub grade: Option<String>,
    /// `red|orange|yellow|blue|none`.
    #[serde(default)]
    pub level: Option<String>,
    /// `week|month|quarter|older`.
    #[serde(default)]
    pub age: Option<String>,
    /// Any value: overdue ones only.
    #[serde(default)]
    pub overdue: Option<String>,
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The hazards the user may read under the filter's entity (else their home), newest first,
/// with what the list shows of each, as of today in China.
pub async fn listing(
    state: &AppState,
    user: &CurrentUser,
    filter: &HazardFilter,
) -> ApiResult<(String, Vec<HazardView>)> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let root = crate::scope::entity_or_home(
        &snapshot,
        user,
        given(&filter.entity),
        user.lang
            .pick("账号未绑定单位", "your account has no entity"),
    )?;
    let as_of = state.today();
    let bands = &state.safety_rules.bands;
    let mut rows: Vec<HazardView> = state
        .store
        .hazards()
        .await?
        .into_iter()
        .filter(|h| {
            tree.id(&h.entity)
                .is_some_and(|e| tree.is_within(e, root) && user.access.can_read(tree, e))
        })
        .map(|h| HazardView::of(h, tree, as_of, bands))
        .filter(|v| match given(&filter.status) {
            None => true,
            Some("open") => v.hazard.is_open(),
            Some(code) => v.hazard.status.code() == code,
        })
        .filter(|v| given(&filter.grade).is_none_or(|g| v.hazard.grade.code() == g))
        .filter(|v| given(&filter.level).is_none_or(|l| v.level_code() == l))
        .filter(|v| given(&filter.age).is_none_or(|a| v.age.as_str() == a))
        .filter(|v| given(&filter.overdue).is_none() || v.overdue)
        .collect();
    rows.sort_by_key(|v| std::cmp::Reverse((v.hazard.found, v.hazard.id)));
    Ok((tree.entity(root).code.to_string(), rows))
}

// --- reporting and the loop -------------------------------------------------------------------

/// A hazard to report, as a form or JSON gives it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReportInput {
    pub entity: String,
    /// `YYYY-MM-DD`.
    pub found: String,
    pub description: String,
    #[serde(default)]
    pub location: String,
    /// `general|major`.
    pub grade: String,
    #[serde(flatten)]
    pub scores: ScoreInput,
}

/// Optional scores: LEC (`l`, `e`, `c`) or the risk matrix (`ls_l`, `ls_s`).
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct ScoreInput {
    #[serde(default)]
    pub l: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default)]
    pub c: Option<String>,
    #[serde(default)]
    pub ls_l: Option<String>,
    #[serde(default)]
    pub ls_s: Option<String>,
}

fn decimal(field: &str, text: &str) -> ApiResult<Decimal> {
    text.trim().parse().map_err(|_| {
        invalid(
            field,
            format!("\"{text}\" is not a number"),
            format!("“{text}”不是数字"),
        )
    })
}

fn score_error(e: zx_domain::safety::ScoreError) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, e.to_string()).zh(match &e {
        zx_domain::safety::ScoreError::Invalid {
            field,
            value,
            allowed,
        } => format!("{field} = {value} 不是允许的取值；允许：{allowed}"),
        other => other.to_string(),
    })
}

impl ScoreInput {
    /// The scores given: all three of LEC, or both of the matrix, or none; anything else (two
    /// of three, L = 4) is refused naming the field and the allowed values.
    pub fn parse(&self) -> ApiResult<Option<Score>> {
        let lec = [("L", &self.l), ("E", &self.e), ("C", &self.c)];
        let lec_given: Vec<_> = lec.iter().filter(|(_, v)| given(v).is_some()).collect();
        let ls = [("L", &self.ls_l), ("S", &self.ls_s)];
        let ls_given = ls.iter().filter(|(_, v)| given(v).is_some()).count();
        match (lec_given.len(), ls_given) {
            (0, 0) => Ok(None),
            (3, 0) => {
                let v = |i: usize| decimal(lec[i].0, given(lec[i].1).unwrap_or_default());
                Ok(Some(Score::Lec(
                    LecScore::new(v(0)?, v(1)?, v(2)?).map_err(score_error)?,
                )))
            }
            (0, 2) => {
                let v = |i: usize| -> ApiResult<u8> {
                    let text = given(ls[i].1).unwrap_or_default();
                    text.parse().map_err(|_| {
                        invalid(
                            ls[i].0,
                            format!("\"{text}\" is not 1–5"),
                            format!("“{text}”应为 1–5"),
                        )
                    })
                };
                Ok(Some(Score::Matrix(
                    MatrixScore::new(v(0)?, v(1)?).map_err(score_error)?,
                )))
            }
            _ => Err(invalid(
                "scores",
                "give L, E and C (LEC), or L and S (risk matrix), or none".into(),
                "请完整填写 L、E、C（LEC 法）或 L、S（风险矩阵），或都不填".into(),
            )),
        }
    }
}

pub fn parse_date(field: &str, text: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            field,
            format!("\"{text}\" is not a date (YYYY-MM-DD)"),
            format!("“{text}”不是日期（YYYY-MM-DD）"),
        )
    })
}

fn grade_of(text: &str) -> ApiResult<HazardGrade> {
    parse_grade(text).ok_or_else(|| {
        invalid(
            "grade",
            format!("\"{text}\" is not general or major"),
            format!("“{text}”应为一般或重大"),
        )
    })
}

/// Files judged by their content (ingest's evidence rule), in the user's language.
pub fn judge_files(lang: Lang, files: Vec<(String, Vec<u8>)>) -> ApiResult<Vec<NewEvidence>> {
    if files.len() > MAX_FILES {
        return Err(ApiError::new(
            ErrorCode::InvalidFile,
            format!("at most {MAX_FILES} files at once"),
        )
        .zh(format!("一次最多上传 {MAX_FILES} 个文件")));
    }
    files
        .into_iter()
        .map(|(file_name, content)| {
            let media_type =
                check_evidence(&file_name, &content, MAX_EVIDENCE_BYTES).map_err(|e| {
                    ApiError::new(
                        ErrorCode::InvalidFile,
                        lang.pick(&e.message_zh(), &e.to_string()),
                    )
                })?;
            Ok(NewEvidence {
                file_name,
                media_type: media_type.to_owned(),
                content,
            })
        })
        .collect()
}

/// Reports a hazard of an entity the user may submit for, with its photos: `reported`; a
/// major one notifies HQ the same moment (the store).
pub async fn report(
    state: &AppState,
    user: &CurrentUser,
    input: ReportInput,
    files: Vec<(String, Vec<u8>)>,
) -> ApiResult<Hazard> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let entity = entity_in_scope(&snapshot, user, input.entity.trim())?;
    let code = tree.entity(entity).code.clone();
    if !may_report(&user.access, tree, &code) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang.pick(
                "无权为该单位上报隐患",
                "you may not report hazards for this unit",
            ),
        ));
    }
    let found = parse_date("found", &input.found)?;
    if found > state.today() {
        return Err(invalid(
            "found",
            format!("{found} is after today"),
            format!("{found} 晚于今天"),
        ));
    }
    if input.description.trim().is_empty() {
        return Err(invalid(
            "description",
            "say what was found".into(),
            "请描述发现的隐患".into(),
        ));
    }
    let hazard = NewHazard {
        entity: code,
        found,
        description: input.description.trim().to_owned(),
        location: input.location.trim().to_owned(),
        grade: grade_of(&input.grade)?,
        scores: input.scores.parse()?,
        auto_key: None,
    };
    let evidence = judge_files(user.lang, files)?;
    Ok(state
        .store
        .report_hazard(hazard, evidence, &user.user.name, state.now())
        .await?)
}

/// A step of the loop, as a form or JSON gives it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StepInput {
    /// The revision the step was taken on (from the page or `GET /api/v1/hazards/{id}`).
    pub revision: i64,
    /// `assess|start|rectified|verify|reject`.
    pub step: String,
    /// Assess: `general|major`.
    #[serde(default)]
    pub grade: Option<String>,
    /// Assess: the account answering for it (责任人).
    #[serde(default)]
    pub owner: Option<String>,
    /// Assess: `YYYY-MM-DD`.
    #[serde(default)]
    pub deadline: Option<String>,
    /// Assess: the five assurances (required for a major hazard before rectifying).
    #[serde(default)]
    pub responsibility: Option<String>,
    #[serde(default)]
    pub measures: Option<String>,
    #[serde(default)]
    pub funds: Option<String>,
    #[serde(default)]
    pub timeline: Option<String>,
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(flatten)]
    pub scores: ScoreInput,
    /// Reject: why (required).
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub comment: String,
}

fn text(value: &Option<String>) -> String {
    value.as_deref().unwrap_or_default().trim().to_owned()
}

impl StepInput {
    fn step(&self, hazard: &Hazard) -> ApiResult<Step> {
        Ok(match self.step.trim() {
            "assess" => Step::Assess {
                grade: match given(&self.grade) {
                    Some(g) => grade_of(g)?,
                    None => hazard.grade,
                },
                owner: text(&self.owner),
                deadline: parse_date("deadline", given(&self.deadline).unwrap_or_default())?,
                assurances: Assurances {
                    responsibility: text(&self.responsibility),
                    measures: text(&self.measures),
                    funds: text(&self.funds),
                    timeline: text(&self.timeline),
                    plan: text(&self.plan),
                },
                scores: self.scores.parse()?,
            },
            "start" => Step::StartRectifying,
            "rectified" => Step::Rectified,
            "verify" => Step::Verify,
            "reject" => Step::Reject {
                reason: text(&self.reason),
            },
            other => {
                return Err(invalid(
                    "step",
                    format!("\"{other}\" is not assess, start, rectified, verify or reject"),
                    format!("“{other}”不是可执行的步骤"),
                ));
            }
        })
    }
}

/// Takes a step of the loop: refused (in the user's language) when the domain's rules say
/// so, else the store takes it on the revision given, checking the rules again as it writes.
pub async fn take_step(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: StepInput,
    files: Vec<(String, Vec<u8>)>,
) -> ApiResult<Hazard> {
    let (hazard, snapshot) = readable_hazard(state, user, id).await?;
    let tree = snapshot.engine.tree();
    let step = input.step(&hazard)?;
    if let Err(refusal) = check_step(
        &hazard.loop_state(),
        &step,
        &user.user.name,
        &user.access,
        tree,
    ) {
        let code = match refusal {
            zx_domain::safety::hazards::StepError::MayNotAct { .. } => ErrorCode::Forbidden,
            _ => ErrorCode::InvalidParameter,
        };
        return Err(ApiError::new(code, refusal.text(Lang::En)).zh(refusal.text(Lang::Zh)));
    }
    let evidence = judge_files(user.lang, files)?;
    let actor = Actor {
        user: &user.user.name,
        access: &user.access,
        tree,
    };
    Ok(state
        .store
        .take_hazard_step(
            id,
            input.revision,
            step,
            &input.comment,
            evidence,
            actor,
            state.now(),
        )
        .await?)
}

/// The steps the user may take on the hazard now, for the page's buttons.
pub fn possible_steps(h: &Hazard, user: &CurrentUser, tree: &EntityTree) -> Vec<&'static str> {
    let state = h.loop_state();
    let placeholder_assess = Step::Assess {
        grade: h.grade,
        owner: "x".into(),
        deadline: h.found,
        assurances: Assurances::default(),
        scores: None,
    };
    let reject = Step::Reject { reason: "x".into() };
    [
        placeholder_assess,
        Step::StartRectifying,
        Step::Rectified,
        Step::Verify,
        reject,
    ]
    .iter()
    .filter(|s| {
        // Start needs the assurances: offer it and let the refusal say which are missing.
        let ok = check_step(&state, s, &user.user.name, &user.access, tree);
        ok.is_ok()
            || matches!(
                (s, ok),
                (
                    Step::StartRectifying,
                    Err(zx_domain::safety::hazards::StepError::MissingAssurances { .. })
                )
            )
    })
    .map(|s| s.as_str())
    .collect()
}

// --- importing a register -------------------------------------------------------------------

/// Imports a hazards file (CSV or XLSX in safety.md §7's layout, as the export writes it) in
/// one transaction: read and checked by ingest (every bad cell named by file, line and
/// column), every row's entity one the user may report for, then matched to the register by
/// its number (the store). Other safety file kinds go through `zx safety import`.
pub async fn import_file(
    state: &AppState,
    user: &CurrentUser,
    file_name: &str,
    bytes: &[u8],
) -> ApiResult<zx_store::HazardsImported> {
    use zx_ingest::safety::{KnownSafety, SafetyFileKind, read_safety_files};
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let known = KnownSafety {
        entities: Some(tree.entities()),
        ..KnownSafety::default()
    };
    let input = zx_ingest::Input { file_name, bytes };
    let read = read_safety_files(&[input], &known).map_err(|rejected| {
        let lines = |zh: bool| {
            rejected
                .errors
                .iter()
                .take(10)
                .map(|i| if zh { i.to_string_zh() } else { i.to_string() })
                .collect::<Vec<_>>()
                .join("\n")
        };
        ApiError::new(ErrorCode::InvalidFile, lines(false)).zh(lines(true))
    })?;
    if read.files.iter().any(|f| f.kind != SafetyFileKind::Hazards) {
        return Err(ApiError::new(
            ErrorCode::InvalidFile,
            format!("{file_name}: not a hazards register (its header is another safety file's)"),
        )
        .zh(format!("{file_name}：不是隐患台账（表头属于其他安全台账）")));
    }
    let rows = read.records.hazards;
    if let Some(row) = rows
        .iter()
        .find(|r| !may_report(&user.access, tree, &r.entity))
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "{file_name}: hazard {}: you may not import hazards of {}",
                row.id, row.entity
            ),
        )
        .zh(format!(
            "{file_name}：隐患 {}：无权导入 {} 的隐患",
            row.id, row.entity
        )));
    }
    let sha256 = zx_store::content_sha256(bytes);
    Ok(state
        .store
        .import_hazards(rows, file_name, &sha256, &user.user.name, state.now())
        .await?)
}

// --- uploads and downloads --------------------------------------------------------------------

/// A multipart form: its text fields and its files (every field named `file`).
#[derive(Debug, Default)]
pub struct MultipartForm {
    pub fields: BTreeMap<String, String>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl MultipartForm {
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }
}

pub async fn read_form(mut multipart: Multipart) -> ApiResult<MultipartForm> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(ErrorCode::InvalidFile, e.body_text())
    };
    let mut form = MultipartForm::default();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("photo").to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            // A file input left empty sends a part with no name and no bytes.
            if !bytes.is_empty() {
                form.files.push((file_name, bytes.to_vec()));
            }
        } else {
            form.fields.insert(name, field.text().await.map_err(bad)?);
        }
    }
    Ok(form)
}

/// An attachment's bytes as a download, if the user may read its hazard (else `not_found`).
pub async fn download(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Response> {
    let Some((attachment, content)) = state.store.hazard_attachment_content(id).await? else {
        return Err(not_found(user.lang, "attachment", id));
    };
    readable_hazard(state, user, attachment.hazard)
        .await
        .map_err(|_| not_found(user.lang, "attachment", id))?;
    let disposition = format!(
        "attachment; filename=\"hazard-evidence-{id}\"; filename*=UTF-8''{}",
        crate::auth::urlencode(&attachment.file_name)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&attachment.media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        content,
    )
        .into_response())
}

/// The attachments of a hazard the user has read.
pub async fn attachments(state: &AppState, id: i64) -> ApiResult<Vec<HazardAttachment>> {
    Ok(state.store.hazard_attachments(id).await?)
}

// --- the overview -----------------------------------------------------------------------------

/// The hazard figures of the safety overview and the cockpit's panel: open hazards by colour
/// and by age, overdue ones and open major ones, for an entity's subtree.
#[derive(Debug, Default, Clone)]
pub struct HazardSummary {
    pub open: usize,
    /// Red, orange, yellow, blue, then not scored.
    pub by_level: [usize; 5],
    /// Week, month, quarter, older.
    pub by_age: [usize; 4],
    pub overdue: usize,
    pub major_open: usize,
    /// Open major hazards, oldest first (they stay on the cockpit until closed).
    pub majors: Vec<HazardView>,
    pub overdue_list: Vec<HazardView>,
}

impl HazardSummary {
    pub fn of(views: &[HazardView]) -> Self {
        let mut s = HazardSummary::default();
        for v in views.iter().filter(|v| v.hazard.is_open()) {
            s.open += 1;
            let slot = match v.level {
                Some(RiskLevel::Red) => 0,
                Some(RiskLevel::Orange) => 1,
                Some(RiskLevel::Yellow) => 2,
                Some(RiskLevel::Blue) => 3,
                None => 4,
            };
            s.by_level[slot] += 1;
            s.by_age[AgeBand::ALL.iter().position(|a| *a == v.age).unwrap_or(3)] += 1;
            if v.overdue {
                s.overdue += 1;
                s.overdue_list.push(v.clone());
            }
            if v.hazard.grade == HazardGrade::Major {
                s.major_open += 1;
                s.majors.push(v.clone());
            }
        }
        s.majors.sort_by_key(|v| (v.hazard.found, v.hazard.id));
        s.overdue_list
            .sort_by_key(|v| (v.hazard.deadline, v.hazard.id));
        s
    }
}

/// The open hazards' summary of the user's view of an entity's subtree.
pub async fn summary(
    state: &AppState,
    user: &CurrentUser,
    entity: Option<&str>,
) -> ApiResult<(String, HazardSummary)> {
    let filter = HazardFilter {
        entity: entity.map(str::to_owned),
        status: Some("open".into()),
        ..HazardFilter::default()
    };
    let (root, views) = listing(state, user, &filter).await?;
    Ok((root, HazardSummary::of(&views)))
}

/// Whether a status code is one of the loop's (for the list's filter box).
pub fn status_codes() -> Vec<(&'static str, HazardStatus)> {
    HazardStatus::ALL
        .into_iter()
        .map(|s| (s.code(), s))
        .collect()
}
