//! Accounts, API tokens and login sessions.

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An account as the application sees it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The subtree root for `entity_manager` and `viewer`.
    pub entity: Option<EntityCode>,
    pub disabled: bool,
    /// Where e-mail reminders go; `None`: in-app only.
    pub email: Option<String>,
}

/// A new account; `password_hash` is a PHC string (argon2), never a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub entity: Option<EntityCode>,
    pub password_hash: String,
}

/// A login session. The cookie holds a random id; the database only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user: String,
    /// Random token every form must echo (CSRF).
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Accounts, tokens and sessions.
#[async_trait]
pub trait AccountStore: Send + Sync {
    // --- accounts ---------------------------------------------------------------------------
    /// Creates an account; `Conflict` when the name is taken. `Invalid` for an empty name or one
    /// with spaces or control characters, a role that needs an entity ([`Role::needs_entity`])
    /// without one, an HQ role with one, or an unknown entity. Audited (`user.create`).
    async fn create_user(&self, user: NewUser, by: &str, at: DateTime<Utc>) -> StoreResult<User>;
    /// All accounts, by name.
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// The account and its password hash, for login.
    async fn user_with_hash(&self, name: &str) -> StoreResult<Option<(User, String)>>;
    /// Replaces the password hash (audited `user.passwd`, without the hash) and ends the
    /// user's sessions. `Invalid` for an unknown user.
    async fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Disables (or re-enables) an account; disabling ends its sessions and revokes its tokens
    /// (re-enabling does not bring them back). Audited `user.disable` / `user.enable`.
    /// `Invalid` for an unknown user.
    async fn set_disabled(
        &self,
        name: &str,
        disabled: bool,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Stores the SHA-256 of a new API bearer token for the user (audited `user.token`, with
    /// neither the token nor its hash). `Invalid` for an unknown or disabled user.
    async fn add_token(
        &self,
        name: &str,
        token_hash: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The enabled user owning a token hash (`None` for an unknown or revoked token).
    async fn user_by_token(&self, token_hash: &str) -> StoreResult<Option<User>>;

    // --- sessions ---------------------------------------------------------------------------
    /// Stores a session (and forgets sessions that expired before it was created). `Invalid`
    /// for an unknown or disabled user.
    async fn create_session(&self, session: Session) -> StoreResult<()>;
    /// The session and its enabled user, if it exists and has not expired at `now`.
    async fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Session, User)>>;
    /// Ends a session (logout); no error when it does not exist.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;

    /// Sets or clears a user's e-mail address (audited `user.email`, old and new). `Invalid`
    /// for an unknown user or an address without `@`.
    async fn set_email(
        &self,
        name: &str,
        email: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// How an account's role and scope are shown in the audit log (`user.create`).
pub fn describe_user(role: Role, entity: Option<&EntityCode>) -> String {
    match entity {
        Some(entity) => format!("role={role}; entity={entity}"),
        None => format!("role={role}"),
    }
}

/// What [`Store::set_email`] refuses: an address that is blank, has spaces, or no `@` between
/// two non-empty parts.
pub fn check_email(email: &str) -> StoreResult<()> {
    let ok = !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "\"{email}\" is not an e-mail address"
        )))
    }
}

/// What [`Store::create_user`] refuses before looking at the database: a name one cannot type
/// at a login prompt or find in the audit log, a scope the role does not take.
pub fn check_new_user(user: &NewUser) -> StoreResult<()> {
    let name = &user.name;
    if name.is_empty() {
        return Err(StoreError::Invalid("a user name must not be empty".into()));
    }
    if name.chars().count() > 64 {
        return Err(StoreError::Invalid(format!(
            "user name \"{name}\" is longer than 64 characters"
        )));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(StoreError::Invalid(format!(
            "user name \"{}\" must not contain spaces or control characters",
            name.escape_debug()
        )));
    }
    match (user.role.needs_entity(), &user.entity) {
        (true, None) => Err(StoreError::Invalid(format!(
            "role {} needs an entity: the root of the subtree {} works on",
            user.role, user.name
        ))),
        (false, Some(entity)) => Err(StoreError::Invalid(format!(
            "role {} sees the whole group and takes no entity (got {entity})",
            user.role
        ))),
        _ => Ok(()),
    }
}
