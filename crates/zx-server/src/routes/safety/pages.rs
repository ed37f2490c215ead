//! The safety overview page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use zx_domain::Lang;
use zx_domain::safety::hazards::AgeBand;

use super::{SafetyOverview, overview};
use crate::auth::PageUser;
use crate::layout::{Me, error_page, here};
use crate::routes::hazards::pages::{HazardRow, row};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "safety.html")]
struct SafetyPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    o: SafetyOverview,
    /// The drill, training and certificate registers' counts (registers slice).
    registers: crate::routes::people::RegistersSummary,
    /// The natural-hazard warnings in force for the unit's plants (risks slice).
    active: crate::routes::risks::ActiveWarnings,
    majors: Vec<HazardRow>,
    overdue: Vec<HazardRow>,
    /// (code, label) of the four colours then "not scored", in the summary's order.
    levels: Vec<(&'static str, &'static str)>,
    ages: Vec<&'static str>,
}

#[derive(Deserialize)]
pub struct SafetyQuery {
    #[serde(default)]
    entity: Option<String>,
}

/// The colours as the summary counts them: red, orange, yellow, blue, not scored.
pub fn level_keys(lang: Lang) -> Vec<(&'static str, &'static str)> {
    use zx_domain::safety::RiskLevel;
    let mut keys: Vec<(&'static str, &'static str)> = RiskLevel::ALL
        .into_iter()
        .map(|l| (l.code(), zx_domain::format::risk_level_label(l, lang)))
        .collect();
    keys.push(("none", lang.pick("未评分", "not scored")));
    keys
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<SafetyQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let o = overview(&state, &user, q.entity.as_deref().filter(|e| !e.is_empty())).await?;
        let registers = crate::routes::people::registers_summary(&state, &user, &o.entity).await?;
        let active = crate::routes::risks::active_warnings(&state, &user, Some(&o.entity)).await?;
        Ok::<_, crate::error::ApiError>((o, registers, active))
    }
    .await;
    match result {
        Ok((o, registers, active)) => SafetyPage {
            registers,
            active,
            lang,
            me: Me::of(&user),
            here: here(&uri),
            majors: o.hazards.majors.iter().map(|v| row(v, lang)).collect(),
            overdue: o
                .hazards
                .overdue_list
                .iter()
                .map(|v| row(v, lang))
                .collect(),
            levels: level_keys(lang),
            ages: AgeBand::ALL.into_iter().map(|a| a.label(lang)).collect(),
            o,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
