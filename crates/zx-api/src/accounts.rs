//! Accounts and what is sent to them.

use serde::Serialize;
use utoipa::ToSchema;
use zx_store::{NewNotification, User};

/// An account as `zx user list --format json` shows it: never a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserJson {
    pub name: String,
    pub role: &'static str,
    pub entity: Option<String>,
    pub disabled: bool,
    pub email: Option<String>,
}

impl From<&User> for UserJson {
    fn from(u: &User) -> Self {
        UserJson {
            name: u.name.clone(),
            role: u.role.as_str(),
            entity: u.entity.as_ref().map(|e| e.as_str().to_owned()),
            disabled: u.disabled,
            email: u.email.clone(),
        }
    }
}

/// A reminder recorded (or, in a dry run, that would be) for a user about a measure.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationJson {
    pub measure: i64,
    /// The user it is for.
    pub to: String,
    /// `due_soon`, `overdue` or `escalated`.
    pub reason: &'static str,
}

impl From<&NewNotification> for NotificationJson {
    fn from(n: &NewNotification) -> Self {
        NotificationJson {
            measure: n.measure,
            to: n.user.clone(),
            reason: n.reason.as_str(),
        }
    }
}
