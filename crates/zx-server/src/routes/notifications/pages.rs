//! The user's in-app notifications (reminders about measures).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use zx_domain::Lang;

use crate::auth::PageUser;
use crate::error::ApiError;
use crate::layout::{Me, china_time, error_page, here};
use crate::state::AppState;

pub struct NotificationRow {
    pub measure: i64,
    pub title: String,
    pub reason: String,
    pub at: String,
    pub unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    rows: Vec<NotificationRow>,
    /// Major hazards graded (HQ's safety department): hazard id, its description, when, unread.
    hazards: Vec<(i64, String, String, bool)>,
    /// Practices HQ recommended to the plants of their segment: code, title, when, unread.
    practices: Vec<(String, String, String, bool)>,
}

/// The user's notifications; opening the page marks them read.
pub async fn notifications(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
) -> Response {
    let lang = user.lang;
    let result = async {
        let list = state.store.notifications(&user.user.name).await?;
        let measures = state.store.measures().await?;
        let rows = list
            .iter()
            .map(|n| NotificationRow {
                measure: n.measure,
                title: measures
                    .iter()
                    .find(|m| m.id == n.measure)
                    .map_or(String::new(), |m| m.title.clone()),
                reason: match n.reason {
                    zx_store::ReminderReason::DueSoon => lang.pick("即将到期", "due soon"),
                    zx_store::ReminderReason::Overdue => lang.pick("已逾期", "overdue"),
                    zx_store::ReminderReason::Escalated => {
                        lang.pick("逾期升级（下级单位）", "escalated (unit below)")
                    }
                }
                .to_owned(),
                at: china_time(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect();
        let all_hazards = state.store.hazards().await?;
        let hazards = state
            .store
            .hazard_notifications(&user.user.name)
            .await?
            .into_iter()
            .map(|n| {
                let what = all_hazards
                    .iter()
                    .find(|h| h.id == n.hazard)
                    .map_or(String::new(), |h| format!("{} {}", h.entity, h.description));
                (
                    n.hazard,
                    what,
                    china_time(n.created_at),
                    n.read_at.is_none(),
                )
            })
            .collect();
        let library = state.store.practices().await?;
        let practices = state
            .store
            .practice_notifications(&user.user.name)
            .await?
            .into_iter()
            .map(|n| {
                let title = library
                    .iter()
                    .find(|p| p.practice.code == n.practice)
                    .map_or(String::new(), |p| p.practice.title.clone());
                (
                    n.practice,
                    title,
                    china_time(n.created_at),
                    n.read_at.is_none(),
                )
            })
            .collect();
        state
            .store
            .mark_practice_notifications_read(&user.user.name, state.now())
            .await?;
        state
            .store
            .mark_notifications_read(&user.user.name, state.now())
            .await?;
        state
            .store
            .mark_hazard_notifications_read(&user.user.name, state.now())
            .await?;
        Ok::<_, ApiError>((rows, hazards, practices))
    }
    .await;
    match result {
        Ok((rows, hazards, practices)) => NotificationsPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            rows,
            hazards,
            practices,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

// --- API --------------------------------------------------------------------------------------
