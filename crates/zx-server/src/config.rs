//! Typed, layered settings: defaults < `zengxiao.toml` < `ZX_…` environment (`__` nests).

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything the server needs to start.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Settings {
    /// Database path or URL.
    pub db: String,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Hours a login stays valid.
    pub session_hours: u32,
    /// Failed logins allowed per account and address within `login_window_secs`.
    pub login_attempts: u32,
    pub login_window_secs: u64,
    /// Mark cookies `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            db: "zengxiao.db".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            session_hours: 12,
            login_attempts: 5,
            login_window_secs: 300,
            secure_cookies: false,
        }
    }
}

/// Passwords in a database URL never reach a log line.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("db", &redact_url(&self.db))
            .field("listen", &self.listen)
            .field("session_hours", &self.session_hours)
            .field("login_attempts", &self.login_attempts)
            .field("login_window_secs", &self.login_window_secs)
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

pub use zx_store::redact_url;

/// Why settings could not be read.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Defaults, then `file` if it exists, then `ZX_*` variables (`ZX_LISTEN`, `ZX_DB`…).
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("ZX_").split("__"))
            .extract()
            .map_err(|e| ConfigError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
    fn layers_apply_in_order_and_secrets_are_redacted() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "zengxiao.toml",
                "listen = \"127.0.0.1:9000\"\nsession_hours = 8\n",
            )?;
            jail.set_env("ZX_SESSION_HOURS", "2");
            let settings = Settings::load(Path::new("zengxiao.toml")).map_err(|e| e.to_string())?;
            assert_eq!(settings.listen.port(), 9000);
            assert_eq!(settings.session_hours, 2);
            assert_eq!(settings.login_attempts, 5);
            Ok(())
        });
        let settings = Settings {
            db: "postgres://zx:hunter2@db.local/zx".into(),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(shown.contains("postgres://zx:***@db.local/zx"), "{shown}");
        assert!(!shown.contains("hunter2"));
    }
}
