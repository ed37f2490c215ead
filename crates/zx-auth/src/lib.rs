//! Secrets for Zengxiao's accounts: password hashes, API tokens, session ids.
//!
//! Pure helpers shared by the `zx` CLI (`zx user …`) and the server, so both hash and check the
//! same way:
//! - passwords are hashed with Argon2id (the `argon2` crate's default parameters) into a PHC
//!   string (`$argon2id$v=19$m=…`), which carries its own salt and parameters;
//! - API tokens and session ids are 32 bytes from the operating system's random source, shown as
//!   hex; the database keeps only their SHA-256 ([`sha256_hex`]), never the secret itself.
#![forbid(unsafe_code)]

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Shortest password accepted by [`check_password`], in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted by [`check_password`], in characters (hashing is deliberately
/// slow; an unbounded input would be a cheap way to keep the server busy).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// What every API token starts with, so a leaked one is recognisable in logs and scanners.
pub const TOKEN_PREFIX: &str = "zx_";

/// Random bytes in a token or a session id.
const SECRET_BYTES: usize = 32;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    /// The password breaks the policy; the message is in English and Chinese.
    #[error("{0}")]
    Policy(String),
    /// Hashing itself failed (random source or parameters): not the user's fault.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// The minimal password policy: at least [`MIN_PASSWORD_CHARS`] characters (not bytes: a
/// Chinese passphrase counts its characters), at most [`MAX_PASSWORD_CHARS`], not only spaces.
pub fn check_password(password: &str) -> Result<(), AuthError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AuthError::Policy(format!(
            "password too short: at least {MIN_PASSWORD_CHARS} characters, got {chars} \
             (密码太短：至少 {MIN_PASSWORD_CHARS} 个字符，当前 {chars} 个)"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AuthError::Policy(format!(
            "password too long: at most {MAX_PASSWORD_CHARS} characters \
             (密码太长：最多 {MAX_PASSWORD_CHARS} 个字符)"
        )));
    }
    if password.trim().is_empty() {
        return Err(AuthError::Policy(
            "password must not be only spaces (密码不能全是空格)".to_owned(),
        ));
    }
    Ok(())
}

/// Hashes a password with Argon2id and a fresh random salt; returns the PHC string to store.
/// Does not apply the policy: call [`check_password`] first where a person chooses it.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches a stored PHC string. A malformed or foreign hash never matches.
/// The parameters are read from the hash, so older hashes keep working if defaults change.
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Hex of `n` bytes from the operating system's random source.
///
/// # Panics
/// When the operating system cannot provide randomness (no `getrandom`, no `/dev/urandom`):
/// then no secret can be made safely, and carrying on would be worse.
fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random source failed: {e}");
    }
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// A new API bearer token: `zx_` and 64 hex digits (32 random bytes). Show it once; store
/// only [`sha256_hex`] of it.
///
/// # Panics
/// Only when the operating system's random source fails (see [`random_hex`]).
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex(SECRET_BYTES))
}

/// A new session id for the cookie: 64 hex digits (32 random bytes). Store only
/// [`sha256_hex`] of it. Also fit for a CSRF token.
///
/// # Panics
/// Only when the operating system's random source fails.
pub fn new_session_id() -> String {
    random_hex(SECRET_BYTES)
}

/// Lower-case hex SHA-256 of the text's UTF-8 bytes: how tokens and session ids are stored.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("晋江厂-2026-secret").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("晋江厂-2026-secret", &hash));
        assert!(!verify_password("晋江厂-2026-Secret", &hash));
        assert!(!verify_password("", &hash));
        // Salted: the same password hashes differently each time, and both verify.
        let again = hash_password("晋江厂-2026-secret").unwrap();
        assert_ne!(hash, again);
        assert!(verify_password("晋江厂-2026-secret", &again));
    }

    #[test]
    fn a_malformed_hash_never_matches() {
        assert!(!verify_password("password", ""));
        assert!(!verify_password("password", "password"));
        assert!(!verify_password("password", "$argon2id$v=19$broken"));
    }

    #[test]
    fn tokens_and_session_ids_are_random_hex() {
        let token = new_token();
        assert_eq!(token.len(), 3 + 64);
        assert!(token.starts_with("zx_"));
        assert!(token[3..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(new_token(), token);
        let id = new_session_id();
        assert_eq!(id.len(), 64);
        assert!(id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        assert_ne!(new_session_id(), id);
    }

    #[test]
    fn sha256_is_the_standard_digest() {
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_policy_counts_characters_and_speaks_both_languages() {
        assert_eq!(check_password("12345678"), Ok(()));
        // Eight Chinese characters are 24 bytes but eight characters: accepted.
        assert_eq!(check_password("提质增效一利五率"), Ok(()));
        let short = check_password("提质增效").unwrap_err();
        assert_eq!(
            short.to_string(),
            "password too short: at least 8 characters, got 4 (密码太短：至少 8 个字符，当前 4 个)"
        );
        assert!(
            matches!(check_password("        "), Err(AuthError::Policy(m)) if m.contains("空格"))
        );
        assert!(check_password(&"x".repeat(1025)).is_err());
        assert_eq!(check_password(&"x".repeat(1024)), Ok(()));
    }
}
