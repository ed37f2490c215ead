//! Typed, layered settings: defaults < `zengxiao.toml` < `ZX_…` environment (`__` nests).

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use chrono::NaiveTime;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
pub use zx_notify::{Channels, SmtpSettings, WebhookKind, WebhookSettings};

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
    /// Where reminders go besides the application: `[notify.smtp]`, `[notify.webhook]`.
    pub notify: Channels,
    /// The daily reminder job: `[reminders]`.
    pub reminders: Reminders,
    /// Stack emissions: the HJ 212 receiver and the minute-data store, `[emissions]`.
    pub emissions: Emissions,
    /// Who must submit monthly figures and by when: `[collection]`.
    pub collection: Collection,
    /// The group's own safety grading and checklists instead of the shipped ones: `[safety]`.
    #[serde(default)]
    pub safety: SafetyFiles,
    /// The R&D reconciliation's tolerance: `[rnd]`.
    #[serde(default)]
    pub rnd: RndSettings,
    /// The practice library's search index: `[practices]`.
    #[serde(default)]
    pub practices: PracticesSettings,
}

/// `[practices]`: where the practice library's search index lives. It is a cache of the
/// database, rebuilt when missing or stale. Empty: beside a SQLite database
/// (`zengxiao.db.practices/`), or in the system's temporary directory for PostgreSQL
/// (`zx_app::practices::index_dir`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct PracticesSettings {
    pub index_dir: String,
}

/// `[rnd]`: how far R&D projects' spend may stray from the reported `rd_expenditure` before the
/// entity-month is flagged: the larger of `share` × the reported amount and `floor` yuan
/// (default 0.05 and 10000, `zx_domain::rnd::Tolerance` says why).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RndSettings {
    pub share: rust_decimal::Decimal,
    pub floor: rust_decimal::Decimal,
}

impl Default for RndSettings {
    fn default() -> Self {
        let t = zx_domain::rnd::Tolerance::default();
        Self {
            share: t.share,
            floor: t.floor,
        }
    }
}

impl RndSettings {
    pub fn tolerance(&self) -> zx_domain::rnd::Tolerance {
        zx_domain::rnd::Tolerance {
            share: self.share,
            floor: self.floor,
        }
    }
}

/// `[safety]`: files replacing safety.md's defaults (read when the server starts; a bad file
/// stops it, named). Paths are relative to the directory the server starts in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SafetyFiles {
    /// LEC and risk-matrix bands, the layout of `zx-domain/src/safety/grading.toml`.
    pub grading: Option<std::path::PathBuf>,
    /// Natural-hazard checklists and acknowledgement hours, the layout of
    /// `zx-domain/catalogue/natural_hazards.toml`.
    pub checklists: Option<std::path::PathBuf>,
}

impl SafetyFiles {
    /// The rules these files give (the shipped defaults where a file is not named).
    pub fn load(&self) -> Result<zx_app::safety::SafetyRules, zx_app::safety::SafetyRulesError> {
        zx_app::safety::SafetyRules::load(self.grading.as_deref(), self.checklists.as_deref())
    }
}

/// The monthly collection: the deadline, who is expected to submit, and when a month counts as
/// complete (the cockpit opens on the latest complete month). See `zx_domain::collection`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Collection {
    /// Figures of month M are due by this day of month M + 1 (1–31; the month's last day when
    /// it is shorter).
    pub due_day: u32,
    /// Entity codes that must submit every month (e.g. a parent whose HQ figures are new).
    pub must_submit: Vec<String>,
    /// Entity codes that never need to submit (wins over `must_submit`).
    pub need_not_submit: Vec<String>,
    /// A month is complete when every expected unit has `submitted` (default) or was `approved`.
    pub complete_when: CompleteWhen,
}

/// `complete_when` of `[collection]`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum CompleteWhen {
    #[default]
    Submitted,
    Approved,
}

impl Default for Collection {
    fn default() -> Self {
        Self {
            due_day: zx_domain::collection::DEFAULT_DUE_DAY,
            must_submit: Vec::new(),
            need_not_submit: Vec::new(),
            complete_when: CompleteWhen::Submitted,
        }
    }
}

impl Collection {
    /// The settings as the domain's rule; an entity code or a day that cannot be is an error
    /// naming the setting and the value.
    pub fn policy(&self) -> Result<zx_domain::collection::Policy, ConfigError> {
        if !(1..=31).contains(&self.due_day) {
            return Err(ConfigError(format!(
                "collection.due_day: {} is not a day of the month (1–31)",
                self.due_day
            )));
        }
        let codes = |field: &str, list: &[String]| {
            list.iter()
                .map(|code| {
                    zx_domain::EntityCode::parse(code)
                        .map_err(|e| ConfigError(format!("collection.{field}: \"{code}\" {e}")))
                })
                .collect::<Result<_, _>>()
        };
        Ok(zx_domain::collection::Policy {
            due_day: self.due_day,
            must_submit: codes("must_submit", &self.must_submit)?,
            need_not_submit: codes("need_not_submit", &self.need_not_submit)?,
            complete_when: match self.complete_when {
                CompleteWhen::Submitted => zx_domain::collection::CompleteWhen::Submitted,
                CompleteWhen::Approved => zx_domain::collection::CompleteWhen::Approved,
            },
        })
    }
}

/// The HJ 212 receiver and where minute data is kept.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Emissions {
    /// Address the HJ 212 receiver listens on (`0.0.0.0:9212`); none: no receiver
    /// (`zx serve --hj212 ADDR` sets it).
    pub hj212_listen: Option<SocketAddr>,
    /// Directory of the minute-data store (write-ahead log and Parquet archive). Empty: beside a
    /// SQLite database (`zengxiao.db.cems/`), or `zengxiao-cems/` in the working directory for
    /// PostgreSQL (`zx_app::DatabaseUrl::minute_store_dir`).
    pub dir: String,
    /// Seconds a data logger's connection may stay silent before it is closed.
    pub idle_timeout_secs: u64,
    /// Seconds a new connection has to send its first valid frame (CRC, MN and password
    /// right) before it is closed; after one, `idle_timeout_secs` applies.
    pub first_frame_timeout_secs: u64,
    /// Data loggers connected at once; further connections are closed at once.
    pub max_connections: usize,
    /// Connections from one IP address at once; further ones are closed at once. Raise it for
    /// plants whose loggers share one address (NAT).
    pub max_per_peer: usize,
    /// Minutes a frame's `DataTime` may be ahead of the server's clock (China time); later
    /// ones are refused (`future_time`) and not acknowledged.
    pub max_future_minutes: u64,
    /// Seconds the packets of a split message (PNUM > 1) are held waiting for the rest.
    pub split_timeout_secs: u64,
    /// Time of day (China time, `HH:MM`) the previous days' minutes are sealed into Parquet.
    pub seal_at: String,
}

impl Default for Emissions {
    fn default() -> Self {
        Self {
            hj212_listen: None,
            dir: String::new(),
            idle_timeout_secs: 600,
            first_frame_timeout_secs: 20,
            max_connections: 10_000,
            max_per_peer: 8,
            max_future_minutes: 5,
            split_timeout_secs: 60,
            seal_at: "00:15".into(),
        }
    }
}

impl Emissions {
    /// `seal_at` as a time of day.
    pub fn seal_time(&self) -> Result<NaiveTime, ConfigError> {
        NaiveTime::parse_from_str(self.seal_at.trim(), "%H:%M").map_err(|_| {
            ConfigError(format!(
                "emissions.seal_at: \"{}\" is not a time of day HH:MM (China time)",
                self.seal_at
            ))
        })
    }
}

/// The server's daily reminder run (the same as `zx remind` at that time, then delivery through
/// `notify`). Running it in the server spares a deployment a cron entry, and sends e-mails and
/// chat messages from the one process that has the channel settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Reminders {
    /// Whether the job runs at all.
    pub enabled: bool,
    /// The time of day, China time (UTC+8), `HH:MM`: the group's working day.
    pub daily_at: String,
    /// Days an overdue measure waits before it is escalated (as `zx remind --grace-days`).
    pub grace_days: u32,
    /// Days before a planned drill of a company's yearly drill plan that its managers are
    /// reminded (as `zx remind --drill-lead-days`).
    pub drill_lead_days: u32,
    /// Also run once right after start, before the first `daily_at` (a server started after a
    /// missed morning catches up; tests need not wait for the clock). Re-runs send nothing twice.
    pub run_on_start: bool,
}

impl Default for Reminders {
    fn default() -> Self {
        Self {
            enabled: true,
            daily_at: "08:30".into(),
            grace_days: zx_domain::measures::DEFAULT_GRACE_DAYS,
            drill_lead_days: zx_domain::safety::drill_plan::DEFAULT_LEAD_DAYS,
            run_on_start: false,
        }
    }
}

impl Reminders {
    /// `daily_at` as a time of day: `HH:MM` or `HH:MM:SS`.
    pub fn daily_time(&self) -> Result<NaiveTime, ConfigError> {
        let text = self.daily_at.trim();
        NaiveTime::parse_from_str(text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
            .map_err(|_| {
                ConfigError(format!(
                    "reminders.daily_at: \"{}\" is not a time of day HH:MM (China time)",
                    self.daily_at
                ))
            })
    }
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
            notify: Channels::default(),
            reminders: Reminders::default(),
            emissions: Emissions::default(),
            collection: Collection::default(),
            safety: SafetyFiles::default(),
            rnd: RndSettings::default(),
            practices: PracticesSettings::default(),
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
            .field("notify", &self.notify)
            .field("reminders", &self.reminders)
            .field("emissions", &self.emissions)
            .field("collection", &self.collection)
            .field("safety", &self.safety)
            .field("rnd", &self.rnd)
            .field("practices", &self.practices)
            .finish()
    }
}

pub use zx_store::redact_url;

/// Why settings could not be read.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Defaults, then `file` if it exists, then `ZX_*` variables (`ZX_LISTEN`, `ZX_DB`,
    /// `ZX_NOTIFY__WEBHOOK__URL`…). A `reminders.daily_at` that is not a time is refused here,
    /// at start, rather than found out the next morning.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("ZX_").split("__"))
            .extract()
            .map_err(|e| ConfigError(e.to_string()))?;
        settings.reminders.daily_time()?;
        settings.emissions.seal_time()?;
        settings.collection.policy()?;
        settings
            .safety
            .load()
            .map_err(|e| ConfigError(format!("[safety] {e}")))?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
    fn a_bad_safety_file_stops_the_start_naming_it() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("zengxiao.toml", "[safety]\nchecklists = \"lists.toml\"\n")?;
            jail.create_file("lists.toml", "[ack_hours]\nblue = 1\n")?;
            let error = Settings::load(Path::new("zengxiao.toml")).unwrap_err();
            assert_eq!(
                error.to_string(),
                "configuration: [safety] lists.toml: checklists: no acknowledgement hours for yellow warnings"
            );
            jail.create_file("zengxiao.toml", "[safety]\ngrading = \"none.toml\"\n")?;
            let error = Settings::load(Path::new("zengxiao.toml")).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with("configuration: [safety] cannot read none.toml: "),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
    fn the_rnd_tolerance_comes_from_file_and_environment_exactly() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(Path::new("missing.toml")).map_err(|e| e.to_string())?;
            assert_eq!(
                settings.rnd.tolerance(),
                zx_domain::rnd::Tolerance::default()
            );
            jail.create_file("zengxiao.toml", "[rnd]\nshare = \"0.10\"\n")?;
            jail.set_env("ZX_RND__FLOOR", "20000");
            let settings = Settings::load(Path::new("zengxiao.toml")).map_err(|e| e.to_string())?;
            let t = settings.rnd.tolerance();
            assert_eq!(t.share.to_string(), "0.10");
            assert_eq!(t.floor.to_string(), "20000");
            // max(0.10 × 150,000 = 15,000, 20,000) = 20,000.
            assert_eq!(t.allowed("150000".parse().unwrap()).to_string(), "20000");
            Ok(())
        });
    }

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

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
    fn notification_channels_and_the_daily_job_from_file_and_environment() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(Path::new("missing.toml")).map_err(|e| e.to_string())?;
            assert_eq!(settings.notify, Channels::default());
            assert_eq!(settings.reminders, Reminders::default());
            assert_eq!(settings.reminders.grace_days, 7);
            assert!(settings.reminders.enabled && !settings.reminders.run_on_start);

            jail.create_file(
                "zengxiao.toml",
                "[notify.smtp]\n\
                 url = \"smtps://zx:hunter2@mail.example.com\"\n\
                 from = \"zengxiao@example.com\"\n\
                 [notify.webhook]\n\
                 url = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=s3cret\"\n\
                 kind = \"wecom\"\n\
                 [reminders]\n\
                 daily_at = \"09:15\"\n",
            )?;
            jail.set_env("ZX_REMINDERS__GRACE_DAYS", "3");
            jail.set_env("ZX_NOTIFY__WEBHOOK__KIND", "dingtalk");
            let settings = Settings::load(Path::new("zengxiao.toml")).map_err(|e| e.to_string())?;
            let smtp = settings.notify.smtp.clone().unwrap();
            assert_eq!(smtp.url, "smtps://zx:hunter2@mail.example.com");
            assert_eq!(smtp.from, "zengxiao@example.com");
            let hook = settings.notify.webhook.clone().unwrap();
            assert_eq!(hook.kind, WebhookKind::Dingtalk);
            assert_eq!(settings.reminders.grace_days, 3);
            assert_eq!(
                settings.reminders.daily_time().unwrap(),
                NaiveTime::from_hms_opt(9, 15, 0).unwrap()
            );
            assert!(settings.reminders.enabled);
            let shown = format!("{settings:?}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("s3cret"),
                "{shown}"
            );
            assert!(shown.contains("smtps://zx:***@mail.example.com"), "{shown}");

            jail.set_env("ZX_NOTIFY__SMTP__URL", "smtp://relay.local:2525");
            jail.set_env("ZX_REMINDERS__DAILY_AT", "8h30");
            let err = Settings::load(Path::new("zengxiao.toml")).unwrap_err();
            assert!(err.to_string().contains("reminders.daily_at"), "{err}");
            jail.set_env("ZX_REMINDERS__DAILY_AT", "07:00");
            let settings = Settings::load(Path::new("zengxiao.toml")).map_err(|e| e.to_string())?;
            assert_eq!(settings.notify.smtp.unwrap().url, "smtp://relay.local:2525");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
    fn the_collection_deadline_and_who_must_submit_from_file_and_environment() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(Path::new("missing.toml")).map_err(|e| e.to_string())?;
            let policy = settings.collection.policy().map_err(|e| e.to_string())?;
            assert_eq!(policy, zx_domain::collection::Policy::default());
            assert_eq!(policy.due_day, 10);

            jail.create_file(
                "zengxiao.toml",
                "[collection]\n\
                 due_day = 15\n\
                 must_submit = [\"GD\"]\n\
                 need_not_submit = [\"GD-NY\", \"HN-SY-PV\"]\n\
                 complete_when = \"approved\"\n",
            )?;
            let settings = Settings::load(Path::new("zengxiao.toml")).map_err(|e| e.to_string())?;
            let policy = settings.collection.policy().map_err(|e| e.to_string())?;
            assert_eq!(policy.due_day, 15);
            let code = |c: &str| zx_domain::EntityCode::parse(c).unwrap();
            assert_eq!(policy.must_submit, [code("GD")].into());
            assert_eq!(
                policy.need_not_submit,
                [code("GD-NY"), code("HN-SY-PV")].into()
            );
            assert_eq!(
                policy.complete_when,
                zx_domain::collection::CompleteWhen::Approved
            );

            jail.set_env("ZX_COLLECTION__DUE_DAY", "0");
            let err = Settings::load(Path::new("zengxiao.toml")).unwrap_err();
            assert!(err.to_string().contains("collection.due_day: 0"), "{err}");
            jail.set_env("ZX_COLLECTION__DUE_DAY", "10");
            jail.create_file(
                "zengxiao.toml",
                "[collection]\nneed_not_submit = [\"GD NY\"]\n",
            )?;
            let err = Settings::load(Path::new("zengxiao.toml")).unwrap_err();
            assert!(
                err.to_string()
                    .contains("collection.need_not_submit: \"GD NY\""),
                "{err}"
            );
            Ok(())
        });
    }
}
