//! `zx user add | passwd | list | disable | enable | token`: accounts for the web cockpit and
//! the API, managed from the command line (the first admin has no other way in).
//!
//! Passwords come on standard input, never as an argument (arguments show in `ps` and the shell
//! history). The acting user recorded in the audit log is the global `--user`.

use std::io::{BufRead, Write};

use anyhow::{Context, Result, anyhow, bail};
use zx_api::UserJson;
use zx_domain::{EntityCode, Role};
use zx_store::NewUser;

use crate::app::{App, write_json};
use crate::cli::{TextFormat, UserCommand};

pub async fn run(app: &App, command: UserCommand) -> Result<()> {
    let now = app.clock.now();
    match command {
        UserCommand::Add {
            name,
            role,
            entity,
            password_stdin: _,
        } => {
            let role =
                Role::parse(&role).ok_or_else(|| anyhow!("--role: \"{role}\" is not a role"))?;
            let entity = entity
                .map(|e| EntityCode::parse(&e).map_err(|err| anyhow!("--entity: \"{e}\": {err}")))
                .transpose()?;
            let password = read_password(std::io::stdin().lock())?;
            zx_auth::check_password(&password)?;
            let password_hash = zx_auth::hash_password(&password)?;
            let user = app
                .store
                .create_user(
                    NewUser {
                        name,
                        role,
                        entity,
                        password_hash,
                    },
                    &app.user,
                    now,
                )
                .await?;
            match &user.entity {
                Some(entity) => println!("user {} added: {} of {entity}", user.name, user.role),
                None => println!("user {} added: {}", user.name, user.role),
            }
            Ok(())
        }
        UserCommand::Passwd {
            name,
            password_stdin: _,
        } => {
            let password = read_password(std::io::stdin().lock())?;
            zx_auth::check_password(&password)?;
            let password_hash = zx_auth::hash_password(&password)?;
            app.store
                .set_password(&name, &password_hash, &app.user, now)
                .await?;
            println!("password of {name} changed; their sessions are ended");
            Ok(())
        }
        UserCommand::List { format } => list(app, format).await,
        UserCommand::Disable { name } => {
            app.store.set_disabled(&name, true, &app.user, now).await?;
            println!("user {name} disabled; their sessions and API tokens are ended");
            Ok(())
        }
        UserCommand::Enable { name } => {
            app.store.set_disabled(&name, false, &app.user, now).await?;
            println!("user {name} enabled (earlier API tokens stay revoked)");
            Ok(())
        }
        UserCommand::Token { name } => {
            let token = zx_auth::new_token();
            app.store
                .add_token(&name, &zx_auth::sha256_hex(&token), &app.user, now)
                .await?;
            // Only the token on stdout, so `TOKEN=$(zx user token …)` works; it is shown once.
            println!("{token}");
            eprintln!(
                "API token for {name}: send it as `Authorization: Bearer …`. It is shown only \
                 this once; only its SHA-256 is stored."
            );
            Ok(())
        }
        UserCommand::Email {
            name,
            address,
            clear: _,
        } => {
            app.store
                .set_email(&name, address.as_deref(), &app.user, now)
                .await?;
            match address {
                Some(address) => {
                    println!("reminders for {name} are e-mailed to {}", address.trim())
                }
                None => println!("{name} has no e-mail address: reminders stay in the application"),
            }
            Ok(())
        }
    }
}

async fn list(app: &App, format: TextFormat) -> Result<()> {
    let users = app.store.users().await?;
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let items: Vec<UserJson> = users.iter().map(UserJson::from).collect();
        write_json(&mut out, &serde_json::json!({ "users": items }))?;
        return Ok(());
    }
    if users.is_empty() {
        writeln!(
            out,
            "no users yet: add one with `zx user add --name NAME --role admin --password-stdin`"
        )?;
        return Ok(());
    }
    let width = users
        .iter()
        .map(|u| u.name.chars().count())
        .max()
        .unwrap_or(0);
    for u in &users {
        let name_pad = width.saturating_sub(u.name.chars().count());
        writeln!(
            out,
            "{}{} {:<14} {:<8} {:<8} {}",
            u.name,
            " ".repeat(name_pad),
            u.role.as_str(),
            u.entity.as_ref().map_or("-", |e| e.as_str()),
            if u.disabled { "disabled" } else { "enabled" },
            u.email.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

/// The first line of `input`, without its line ending. An empty input is an error: a password
/// cannot be "nothing", and a forgotten pipe should not create an account.
fn read_password(mut input: impl BufRead) -> Result<String> {
    let mut line = String::new();
    let read = input
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    if read == 0 {
        bail!(
            "no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PW\" | zx user …`"
        );
    }
    let password = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line);
    Ok(password.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_without_its_ending() {
        let read = |text: &str| read_password(text.as_bytes());
        assert_eq!(read("s3cret-pw\n").unwrap(), "s3cret-pw");
        assert_eq!(read("s3cret-pw\r\nsecond line\n").unwrap(), "s3cret-pw");
        assert_eq!(read("no newline").unwrap(), "no newline");
        // Inner and leading spaces are part of a password.
        assert_eq!(read("  two words \n").unwrap(), "  two words ");
        assert!(read("").is_err());
    }
}
