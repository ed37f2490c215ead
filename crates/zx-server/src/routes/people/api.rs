//! People, training hours and certificates in the JSON API.

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::view;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::routes::drills::DrillsQuery;
use crate::state::AppState;

/// A person with the year's training hours (exact decimals as strings).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonJson {
    pub person: String,
    pub entity: String,
    /// `principal`, `safety_manager`, `staff` or `special_operator`.
    pub role: String,
    pub required: String,
    pub done: String,
    pub short: String,
}

/// A special-operation certificate and its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateJson {
    pub number: String,
    pub person: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub expires: String,
    /// `valid`, `review_due`, `renewal_due` or `expired`.
    pub state: String,
}

/// People, certificates and the special operators without one in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeopleJson {
    pub entity: String,
    pub as_of: String,
    pub people: Vec<PersonJson>,
    pub certificates: Vec<CertificateJson>,
    /// Persons: each an automatic major hazard (no certificate in force).
    pub uncertified: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/safety/people", tag = "safety",
    params(("entity" = Option<String>, Query, description = "subtree root (default: the caller's)"),
           ("as_of" = Option<String>, Query, description = "YYYY-MM-DD (default: today in China)")),
    responses((status = 200, body = PeopleJson), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn people(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<DrillsQuery>,
) -> ApiResult<Json<PeopleJson>> {
    let v = view(&state, &user, &q).await?;
    Ok(Json(PeopleJson {
        entity: v.entity,
        as_of: v.as_of.to_string(),
        people: v
            .people
            .into_iter()
            .map(|p| PersonJson {
                person: p.person,
                entity: p.entity,
                role: p.role.to_owned(),
                required: p.required,
                done: p.done,
                short: p.short,
            })
            .collect(),
        certificates: v
            .certificates
            .into_iter()
            .map(|c| CertificateJson {
                number: c.number,
                person: c.person,
                kind: c.kind,
                expires: c.expires,
                state: c.state.to_owned(),
            })
            .collect(),
        uncertified: v.uncertified.into_iter().map(|u| u.person).collect(),
    }))
}
