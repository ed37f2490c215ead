//! Accounts, API tokens and sessions over SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zx_domain::{EntityCode, Role};

use super::{Backend, Connection, Row, SqlStore, audit};
use crate::{
    AccountStore, NewUser, Session, StoreError, StoreResult, User, check_email, check_new_user,
    describe_user, params,
};

/// The columns of a [`User`] (table alias `u`), in the order [`user_from_row`] reads them.
pub(crate) const USER_COLUMNS: &str = "u.name, u.role, u.entity, u.disabled, u.email";

/// Reads a [`User`] from the first columns of `row` (see [`USER_COLUMNS`]).
pub(crate) fn user_from_row(row: &mut Row) -> StoreResult<User> {
    let role: String = row.get(1)?;
    Ok(User {
        name: row.get(0)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role \"{role}\"")))?,
        entity: row.get::<Option<EntityCode>>(2)?,
        disabled: row.get(3)?,
        email: row.get(4)?,
    })
}

/// The account of that name, or `Invalid`. With `for_share` the row cannot change (be
/// disabled) until the transaction ends, where the database locks rows.
pub(crate) async fn existing_user(
    conn: &mut dyn Connection,
    name: &str,
    for_share: &str,
) -> StoreResult<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.name = ?{for_share}");
    match conn.fetch_optional(&sql, params![name]).await? {
        Some(mut row) => user_from_row(&mut row),
        None => Err(StoreError::Invalid(format!("no user named \"{name}\""))),
    }
}

pub(crate) async fn entity_exists(
    conn: &mut dyn Connection,
    code: &EntityCode,
) -> StoreResult<bool> {
    let row = conn
        .fetch_optional("SELECT 1 FROM entities WHERE code = ?", params![code])
        .await?;
    Ok(row.is_some())
}

/// Ends every session of a user; returns how many.
async fn end_sessions(conn: &mut dyn Connection, name: &str) -> StoreResult<u64> {
    conn.execute("DELETE FROM sessions WHERE user_name = ?", params![name])
        .await
}

#[async_trait]
impl<B: Backend> AccountStore for SqlStore<B> {
    async fn create_user(&self, user: NewUser, by: &str, at: DateTime<Utc>) -> StoreResult<User> {
        check_new_user(&user)?;
        let mut tx = self.backend.write().await?;
        if let Some(entity) = &user.entity
            && !entity_exists(&mut *tx, entity).await?
        {
            return Err(StoreError::Invalid(format!(
                "unknown entity {entity}: import it first (zx import entities.csv)"
            )));
        }
        let taken = tx
            .fetch_optional("SELECT 1 FROM users WHERE name = ?", params![&user.name])
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "user {} already exists",
                user.name
            )));
        }
        tx.execute(
            "INSERT INTO users (name, role, entity, password_hash, disabled, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            params![
                &user.name,
                user.role.as_str(),
                user.entity.as_ref(),
                &user.password_hash,
                false,
                at
            ],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            by,
            "user.create",
            &format!("user {}", user.name),
            None,
            Some(describe_user(user.role, user.entity.as_ref())),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            name: user.name,
            role: user.role,
            entity: user.entity,
            disabled: false,
            email: None,
        })
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name");
        self.read_all(&sql, params![], user_from_row).await
    }

    async fn user_with_hash(&self, name: &str) -> StoreResult<Option<(User, String)>> {
        let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = ?");
        let row = self
            .backend
            .read()
            .await?
            .fetch_optional(&sql, params![name])
            .await?;
        row.map(|mut row| Ok((user_from_row(&mut row)?, row.get(5)?)))
            .transpose()
    }

    async fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.backend.write().await?;
        existing_user(&mut *tx, name, "").await?;
        tx.execute(
            "UPDATE users SET password_hash = ? WHERE name = ?",
            params![password_hash, name],
        )
        .await?;
        let ended = end_sessions(&mut *tx, name).await?;
        audit(
            &mut *tx,
            at,
            by,
            "user.passwd",
            &format!("user {name}"),
            None,
            Some(format!("password changed; sessions ended: {ended}")),
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn set_disabled(
        &self,
        name: &str,
        disabled: bool,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let state = |disabled: bool| if disabled { "disabled" } else { "enabled" };
        let mut tx = self.backend.write().await?;
        let user = existing_user(&mut *tx, name, "").await?;
        // PostgreSQL: waits for a login holding the row FOR SHARE; the DELETE below then sees
        // its session.
        tx.execute(
            "UPDATE users SET disabled = ? WHERE name = ?",
            params![disabled, name],
        )
        .await?;
        let (action, new_value) = if disabled {
            let ended = end_sessions(&mut *tx, name).await?;
            let revoked = tx
                .execute(
                    "UPDATE api_tokens SET revoked = ? WHERE user_name = ? AND NOT revoked",
                    params![true, name],
                )
                .await?;
            (
                "user.disable",
                format!("disabled; sessions ended: {ended}; tokens revoked: {revoked}"),
            )
        } else {
            ("user.enable", state(false).to_owned())
        };
        audit(
            &mut *tx,
            at,
            by,
            action,
            &format!("user {name}"),
            Some(state(user.disabled).to_owned()),
            Some(new_value),
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn add_token(
        &self,
        name: &str,
        token_hash: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.backend.write().await?;
        let user = existing_user(&mut *tx, name, "").await?;
        if user.disabled {
            return Err(StoreError::Invalid(format!(
                "user {name} is disabled: enable it before issuing a token"
            )));
        }
        tx.execute(
            "INSERT INTO api_tokens (token_hash, user_name, created_at, revoked)
             VALUES (?, ?, ?, ?)",
            params![token_hash, name, at, false],
        )
        .await?;
        // Neither the token nor its hash: the line only says that one was issued.
        audit(
            &mut *tx,
            at,
            by,
            "user.token",
            &format!("user {name}"),
            None,
            Some("new API token issued".to_owned()),
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn user_by_token(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.name = t.user_name
             WHERE t.token_hash = ? AND NOT t.revoked AND NOT u.disabled"
        );
        let row = self
            .backend
            .read()
            .await?
            .fetch_optional(&sql, params![token_hash])
            .await?;
        row.map(|mut row| user_from_row(&mut row)).transpose()
    }

    async fn create_session(&self, session: Session) -> StoreResult<()> {
        // A login must not wait for an import where the database can lock the user's row
        // instead (FOR SHARE): a concurrent disable then waits and ends this session too.
        let mut tx = self.backend.write_beside_writers().await?;
        let for_share = self.backend.dialect().for_share;
        let user = existing_user(&mut *tx, &session.user, for_share).await?;
        if user.disabled {
            return Err(StoreError::Invalid(format!(
                "user {} is disabled",
                session.user
            )));
        }
        // Housekeeping: sessions that ended before this one began are of no use to anyone.
        // (SQLite keeps times in one fixed-width UTC format, so text order is time order.)
        tx.execute(
            "DELETE FROM sessions WHERE expires_at <= ?",
            params![session.created_at],
        )
        .await?;
        tx.execute(
            "INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
            params![
                &session.id_hash,
                &session.user,
                &session.csrf_token,
                session.created_at,
                session.expires_at
            ],
        )
        .await?;
        tx.commit().await
    }

    async fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Session, User)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.id_hash, s.csrf_token, s.created_at, s.expires_at
             FROM sessions s JOIN users u ON u.name = s.user_name
             WHERE s.id_hash = ?"
        );
        let row = self
            .backend
            .read()
            .await?
            .fetch_optional(&sql, params![id_hash])
            .await?;
        let Some(mut row) = row else {
            return Ok(None);
        };
        let user = user_from_row(&mut row)?;
        let session = Session {
            id_hash: row.get(5)?,
            user: user.name.clone(),
            csrf_token: row.get(6)?,
            created_at: row.get(7)?,
            expires_at: row.get(8)?,
        };
        if user.disabled || session.expires_at <= now {
            return Ok(None);
        }
        Ok(Some((session, user)))
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.backend
            .read()
            .await?
            .execute("DELETE FROM sessions WHERE id_hash = ?", params![id_hash])
            .await?;
        Ok(())
    }

    async fn set_email(
        &self,
        name: &str,
        email: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(email) = email {
            check_email(email)?;
        }
        let mut tx = self.backend.write().await?;
        let user = existing_user(&mut *tx, name, "").await?;
        tx.execute(
            "UPDATE users SET email = ? WHERE name = ?",
            params![email, name],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            by,
            "user.email",
            &format!("user {name}"),
            user.email,
            email.map(str::to_owned),
            None,
        )
        .await?;
        tx.commit().await
    }
}
