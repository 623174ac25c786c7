//! Settings: config/default.toml (embedded in the binary), then an optional
//! file named on the command line, then PD__SECTION__KEY environment variables.
//! Unknown settings are refused, so a typo stops start-up instead of being ignored.

use std::path::Path;

use serde::Deserialize;

use crate::auth::password::PasswordCost;

mod deadlines;
mod mail;

pub use deadlines::{CalendarSettings, DeadlineRules, KindDeadlineRules};
pub use mail::{MailSettings, ReminderSettings};

/// The defaults, documented setting by setting.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub data: DataSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub workflow: WorkflowSettings,
    pub attachments: AttachmentSettings,
    pub import: ImportSettings,
    pub calendar: CalendarSettings,
    pub mail: MailSettings,
    pub reminders: ReminderSettings,
}

/// 历史数据导入 from the office's page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    pub workers: usize,
    pub shutdown_timeout_seconds: u64,
    pub json_body_limit_bytes: usize,
    pub trusted_proxies: Vec<String>,
    /// How often, at most, an instance looks for changes to what the public
    /// reads made elsewhere (src/proposals/public_index.rs).
    pub public_refresh_seconds: u64,
    /// The most memory the kept public answers take (src/public_cache.rs).
    pub public_cache_megabytes: usize,
    /// The most disk the public answers pushed out of memory take (src/public_cache/spill.rs).
    pub public_cache_spill_megabytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub busy_timeout_ms: u64,
    pub connect_timeout_seconds: u64,
    /// SQLite only: the most writes committed together (group commit, src/db/group_commit.rs).
    pub group_commit_max_writes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSettings {
    pub dir: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    pub jwt_secret: String,
    pub access_token_minutes: i64,
    pub refresh_token_hours: i64,
    /// Failed logins for one account from one address answered at once; after
    /// them each attempt waits (src/auth/throttle.rs).
    pub failed_logins_before_delay_per_pair: i32,
    /// The same for an account from all addresses it has not recently signed in from.
    pub failed_logins_before_delay_per_account: i32,
    /// The same for one address across all accounts it has not recently signed in to.
    pub failed_logins_before_delay_per_address: i32,
    /// The wait after the first failure beyond the free ones; it doubles with each further one.
    pub login_delay_first_seconds: i64,
    /// The longest wait between two attempts.
    pub login_delay_max_seconds: i64,
    /// Failures are forgotten this long after a counter's last one.
    pub failed_login_window_minutes: i64,
    /// An address an account signed in from stays known this many days.
    pub known_address_days: i64,
    pub password_min_chars: usize,
    pub password_max_chars: usize,
    pub max_concurrent_hashes: usize,
    /// The memory of one password hash (argon2id), in KiB; see [`PasswordCost`].
    pub password_hash_memory_kib: u32,
    /// The passes of one password hash over its memory.
    pub password_hash_passes: u32,
}

impl AuthSettings {
    /// What a password hash costs, as configured.
    pub fn password_cost(&self) -> PasswordCost {
        PasswordCost { memory_kib: self.password_hash_memory_kib, passes: self.password_hash_passes }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSettings {
    /// 期限: how long each stage may take.
    pub deadlines: DeadlineRules,
    pub rating_silence_means: String,
    pub cosigners_rate: bool,
    pub kinds: Vec<KindWording>,
    pub refusal_reasons: Vec<RefusalReason>,
    /// 类别: the topics a proposal is filed under, offered by the forms (a
    /// proposal may name another; the office's statistics group by topic).
    #[serde(default)]
    pub topics: Vec<String>,
}

/// A kind of item and its words (提案 / 委员, 建议 / 代表).
#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindWording {
    pub code: String,
    pub noun: String,
    pub proposer: String,
}

impl WorkflowSettings {
    pub fn kind(&self, code: &str) -> Option<&KindWording> {
        self.kinds.iter().find(|k| k.code == code)
    }

    /// The kind's noun (提案, 建议); 提案 for a kind no longer configured.
    pub fn noun(&self, code: &str) -> &str {
        self.kind(code).map_or("提案", |k| k.noun.as_str())
    }
}

/// A 不立案 reason the office may choose.
#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusalReason {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSettings {
    /// Largest file accepted, in bytes.
    pub max_bytes: usize,
    /// Most files one proposal may carry.
    pub max_per_proposal: i64,
    pub types: Vec<AttachmentType>,
}

/// A kind of file that may be attached: its file name extension and the
/// content type it must be sent (and is served) with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentType {
    pub extension: String,
    pub content_type: String,
}

impl AttachmentSettings {
    /// The allowed type for a file name extension (compared without case).
    pub fn type_for(&self, extension: &str) -> Option<&AttachmentType> {
        self.types.iter().find(|t| t.extension.eq_ignore_ascii_case(extension))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: String,
    pub level: String,
}

impl Settings {
    /// Loads the settings as the service does: defaults, file, environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        Self::load_from(file, std::env::vars())
    }

    /// Same as [`Settings::load`] with the environment given explicitly (tests).
    pub fn load_from(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<Settings> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULT_TOML, config::FileFormat::Toml));
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("configuration file {} does not exist", path.display());
            }
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
        }
        // DATABASE_URL (the common convention) first, so that PD__DATABASE__URL wins when both are set.
        let mut overrides: Vec<(u8, String, String)> = Vec::new();
        for (key, value) in env {
            if key == "DATABASE_URL" {
                overrides.push((0, "database.url".into(), value));
            } else if let Some(rest) = key.strip_prefix("PD__") {
                let path = rest.to_ascii_lowercase().replace("__", ".");
                overrides.push((1, path, value));
            }
        }
        overrides.sort_by_key(|(rank, _, _)| *rank);
        let overrides = overrides.into_iter().map(|(_, path, value)| (path, value));
        for (path, value) in overrides {
            builder = builder
                .set_override(path.clone(), env_value(&path, &value))
                .map_err(|e| anyhow::anyhow!("setting {path}: {e}"))?;
        }
        let raw = builder.build().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        let mut settings: Settings = raw.try_deserialize().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        settings.validate()?;
        let dir = Some(settings.mail.templates_dir.trim()).filter(|d| !d.is_empty()).map(Path::new);
        let templates = crate::mail::templates::MailTemplates::load(dir, &settings.server.public_url)
            .map_err(|e| anyhow::anyhow!("configuration: mail.templates_dir: {e:#}"))?;
        settings.mail.templates = std::sync::Arc::new(templates);
        Ok(settings)
    }

    /// Checks that go beyond types, each naming the setting at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        crate::db::DatabaseUrl::parse(&self.database.url).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        if self.server.bind.parse::<std::net::SocketAddr>().is_err() {
            anyhow::bail!("configuration: server.bind `{}` is not an address:port", self.server.bind);
        }
        for proxy in &self.server.trusted_proxies {
            if proxy.parse::<std::net::IpAddr>().is_err() {
                anyhow::bail!("configuration: server.trusted_proxies entry `{proxy}` is not an IP address");
            }
        }
        if !matches!(self.log.format.as_str(), "pretty" | "json") {
            anyhow::bail!("configuration: log.format must be \"pretty\" or \"json\", not `{}`", self.log.format);
        }
        if self.auth.access_token_minutes < 1 || self.auth.refresh_token_hours < 1 {
            anyhow::bail!("configuration: auth.access_token_minutes and auth.refresh_token_hours must be at least 1");
        }
        if self.auth.password_min_chars < 8 || self.auth.password_max_chars < self.auth.password_min_chars {
            anyhow::bail!(
                "configuration: auth.password_min_chars must be at least 8 and not above auth.password_max_chars"
            );
        }
        if let Err(e) = self.auth.password_cost().check() {
            anyhow::bail!("configuration: auth.password_hash_memory_kib and auth.password_hash_passes: {e}");
        }
        if self.auth.max_concurrent_hashes == 0 || self.database.pool_size == 0 {
            anyhow::bail!("configuration: auth.max_concurrent_hashes and database.pool_size must be at least 1");
        }
        let a = &self.auth;
        if a.failed_logins_before_delay_per_pair < 1
            || a.failed_logins_before_delay_per_account < 1
            || a.failed_logins_before_delay_per_address < 1
        {
            anyhow::bail!(
                "configuration: auth.failed_logins_before_delay_per_pair, auth.failed_logins_before_delay_per_account and auth.failed_logins_before_delay_per_address must be at least 1"
            );
        }
        if a.login_delay_first_seconds < 1 || a.login_delay_max_seconds < a.login_delay_first_seconds {
            anyhow::bail!(
                "configuration: auth.login_delay_first_seconds must be at least 1 and not above auth.login_delay_max_seconds"
            );
        }
        // Beyond a day a "delay" is a lock-out, which is what these settings exist to avoid.
        if a.login_delay_max_seconds > 86_400 {
            anyhow::bail!("configuration: auth.login_delay_max_seconds must not exceed 86400 (a day)");
        }
        if a.failed_login_window_minutes < 1 || a.known_address_days < 1 {
            anyhow::bail!(
                "configuration: auth.failed_login_window_minutes and auth.known_address_days must be at least 1"
            );
        }
        if self.auth.issuer.trim().is_empty() || self.auth.audience.trim().is_empty() {
            anyhow::bail!("configuration: auth.issuer and auth.audience must not be empty");
        }
        if !(self.server.public_url.starts_with("http://") || self.server.public_url.starts_with("https://")) {
            anyhow::bail!(
                "configuration: server.public_url `{}` must start with http:// or https://",
                self.server.public_url
            );
        }
        let w = &self.workflow;
        self.validate_deadlines()?;
        self.validate_mail()?;
        let r = &self.reminders;
        if r.poll_seconds == 0 || r.schedule.before_working_days.iter().any(|n| *n == 0 || *n > 250) {
            anyhow::bail!(
                "configuration: reminders.poll_seconds must be at least 1 and reminders.before_working_days 1 to 250"
            );
        }
        // Read now, so that a wrong calendar file stops every command, not only `serve`.
        self.calendar.office_time().map_err(|e| anyhow::anyhow!("configuration: calendar: {e:#}"))?;
        if !matches!(w.rating_silence_means.as_str(), "satisfied" | "basically_satisfied" | "unrated") {
            anyhow::bail!(
                "configuration: workflow.rating_silence_means must be \"satisfied\", \"basically_satisfied\" or \"unrated\", not `{}`",
                w.rating_silence_means
            );
        }
        if w.kind("proposal").is_none() {
            anyhow::bail!("configuration: workflow.kinds must include the code \"proposal\"");
        }
        if w.refusal_reasons.is_empty() {
            anyhow::bail!("configuration: workflow.refusal_reasons needs at least one reason");
        }
        self.validate_attachments()?;
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            anyhow::bail!("configuration: log.level `{}` is not a valid filter (e.g. \"info\")", self.log.level);
        }
        Ok(())
    }

    fn validate_attachments(&self) -> anyhow::Result<()> {
        let a = &self.attachments;
        if a.max_bytes < 1 || a.max_per_proposal < 1 {
            anyhow::bail!("configuration: attachments.max_bytes and attachments.max_per_proposal must be at least 1");
        }
        // Held in memory while checked and stored; one row must stay well below the databases' limits.
        if a.max_bytes > 256 * 1024 * 1024 {
            anyhow::bail!("configuration: attachments.max_bytes must not exceed 268435456 (256 MiB)");
        }
        if a.types.is_empty() {
            anyhow::bail!("configuration: attachments.types needs at least one type");
        }
        for t in &a.types {
            let ext_ok = !t.extension.is_empty() && t.extension.chars().all(|c| c.is_ascii_alphanumeric());
            if !ext_ok {
                anyhow::bail!(
                    "configuration: attachments.types extension `{}` must be letters and digits",
                    t.extension
                );
            }
            // Only types whose content the service can recognise, so configuration cannot open a hole.
            if crate::files::signature_of(&t.content_type).is_none() {
                anyhow::bail!(
                    "configuration: attachments.types content_type `{}` is not one the service can check ({})",
                    t.content_type,
                    crate::files::CHECKED_TYPES.join(", ")
                );
            }
            if a.types.iter().filter(|o| o.extension.eq_ignore_ascii_case(&t.extension)).count() > 1 {
                anyhow::bail!("configuration: attachments.types lists the extension `{}` twice", t.extension);
            }
        }
        Ok(())
    }
}

/// Environment values are strings; lists are written comma-separated.
fn env_value(path: &str, value: &str) -> config::Value {
    if path == "server.trusted_proxies" {
        let items: Vec<config::Value> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| config::Value::from(s.to_string()))
            .collect();
        return config::Value::from(items);
    }
    config::Value::from(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_defaults_load() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.database.url, "sqlite://data/proposal-desk.db");
        assert_eq!(s.auth.access_token_minutes, 15);
    }

    #[test]
    fn environment_overrides_and_parses_numbers() {
        let s = Settings::load_from(
            None,
            env(&[
                ("PD__SERVER__BIND", "0.0.0.0:9000"),
                ("PD__DATABASE__POOL_SIZE", "3"),
                ("PD__SERVER__TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9000");
        assert_eq!(s.database.pool_size, 3);
        assert_eq!(s.server.trusted_proxies, vec!["10.0.0.1", "10.0.0.2"]);
    }

    #[test]
    fn pd_database_url_wins_over_database_url_in_any_order() {
        for pairs in [
            [("DATABASE_URL", "sqlite://a.db"), ("PD__DATABASE__URL", "sqlite://b.db")],
            [("PD__DATABASE__URL", "sqlite://b.db"), ("DATABASE_URL", "sqlite://a.db")],
        ] {
            assert_eq!(Settings::load_from(None, env(&pairs)).unwrap().database.url, "sqlite://b.db");
        }
    }

    #[test]
    fn an_unknown_setting_is_named() {
        let err = Settings::load_from(None, env(&[("PD__SERVER__BINDD", "x")])).unwrap_err().to_string();
        assert!(err.contains("bindd"), "{err}");
        let err = Settings::load_from(None, env(&[("PD__NOSUCH__THING", "x")])).unwrap_err().to_string();
        assert!(err.contains("nosuch"), "{err}");
    }

    #[test]
    fn a_wrong_value_is_named() {
        let err = Settings::load_from(None, env(&[("PD__DATABASE__POOL_SIZE", "many")])).unwrap_err().to_string();
        assert!(err.contains("pool_size"), "{err}");
        let err = Settings::load_from(None, env(&[("DATABASE_URL", "mysql://x/y")])).unwrap_err().to_string();
        assert!(err.contains("database.url") && err.contains("mysql"), "{err}");
        let err = Settings::load_from(None, env(&[("PD__LOG__FORMAT", "xml")])).unwrap_err().to_string();
        assert!(err.contains("log.format"), "{err}");
        let err = Settings::load_from(None, env(&[("PD__LOG__LEVEL", "loud=!")])).unwrap_err().to_string();
        assert!(err.contains("log.level"), "{err}");
        let err =
            Settings::load_from(None, env(&[("PD__AUTH__FAILED_LOGIN_WINDOW_MINUTES", "0")])).unwrap_err().to_string();
        assert!(err.contains("failed_login_window_minutes"), "{err}");
        let err = Settings::load_from(None, env(&[("PD__SERVER__PUBLIC_URL", "ftp://x")])).unwrap_err().to_string();
        assert!(err.contains("server.public_url"), "{err}");
    }

    #[test]
    fn mail_templates_are_read_at_start_up_and_checked() {
        let s = Settings::load_from(None, env(&[("PD__SERVER__PUBLIC_URL", "https://desk.example/")])).unwrap();
        assert_eq!(s.mail.templates.link("/proposals/p1"), "https://desk.example/proposals/p1");
        let dir = std::env::temp_dir().join(format!("pd-config-mail-{}", crate::ids::new_id()));
        std::fs::create_dir_all(dir.join("filed")).unwrap();
        std::fs::write(dir.join("filed/text.txt"), "编号{{ number }}").unwrap();
        let err = Settings::load_from(None, env(&[("PD__MAIL__TEMPLATES_DIR", &dir.display().to_string())]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("mail.templates_dir") && err.contains("filed/text.txt"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
        let err = Settings::load_from(None, env(&[("PD__MAIL__TEMPLATES_DIR", &dir.display().to_string())]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("mail.templates_dir"), "{err}");
    }

    #[test]
    fn attachment_settings_are_checked() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.attachments.max_bytes, 20 * 1024 * 1024);
        assert_eq!(s.attachments.type_for("JPG").map(|t| t.content_type.as_str()), Some("image/jpeg"));
        assert!(s.attachments.type_for("exe").is_none());
        let err = Settings::load_from(None, env(&[("PD__ATTACHMENTS__MAX_BYTES", "0")])).unwrap_err().to_string();
        assert!(err.contains("attachments.max_bytes"), "{err}");
        let mut bad = s.clone();
        bad.attachments.types[0].content_type = "application/x-msdownload".into();
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("application/x-msdownload"), "{err}");
    }

    #[test]
    fn a_config_file_overrides_the_defaults_and_is_checked_too() {
        let dir = std::env::temp_dir().join(format!("pd-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.toml");
        std::fs::write(&good, "[server]\nbind = \"127.0.0.1:9999\"\n").unwrap();
        assert_eq!(Settings::load_from(Some(&good), env(&[])).unwrap().server.bind, "127.0.0.1:9999");
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "[auth]\nacces_token_minutes = 5\n").unwrap();
        let err = Settings::load_from(Some(&bad), env(&[])).unwrap_err().to_string();
        assert!(err.contains("acces_token_minutes"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}
