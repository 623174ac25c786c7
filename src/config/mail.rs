//! The settings of the background jobs that reach people: the mail sender
//! (`[mail]`) and the reminders (`[reminders]`), and their checks.

use serde::Deserialize;

use super::Settings;

/// 催办 (src/reminders.rs).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettings {
    #[serde(flatten)]
    pub schedule: crate::domain::reminders::Schedule,
    /// Whether `serve` sends reminders itself (else cron runs `reminders send`).
    pub worker: bool,
    /// Seconds between two looks for reminders that have come.
    pub poll_seconds: u64,
}

/// How the outbox is sent (src/mail/).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// "file" (an .eml file per message under `dir`) or "smtp".
    pub transport: String,
    pub dir: String,
    /// The From header: `Name <address>`.
    pub from: String,
    /// The domain of each message's stable Message-ID.
    pub message_id_domain: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    /// "starttls", "tls" (implicit TLS) or "none" (a relay on the same host only).
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    pub smtp_timeout_seconds: u64,
    /// Whether `serve` sends the outbox itself (else a cron job runs `mail send-pending`).
    pub worker: bool,
    pub poll_seconds: u64,
    pub batch_size: i64,
    /// Connections sending a batch side by side.
    pub senders: usize,
    pub max_attempts: i32,
    pub retry_first_seconds: i64,
    pub retry_max_seconds: i64,
    /// How long a claimed message is held by one sender before another may take it over.
    pub lease_seconds: i64,
    /// How each role's notices reach them by email unless they choose otherwise, by role name.
    pub default_modes: std::collections::BTreeMap<String, crate::domain::notices::MailMode>,
    /// The office's hour (0-23) from which the day's digests go out.
    pub digest_hour: u32,
    /// A folder whose `<message>/subject.txt|text.txt|html.html` replace the
    /// built-in templates of config/mail/ ("" for none).
    pub templates_dir: String,
    /// The templates, read once the settings are (src/mail/templates.rs).
    #[serde(skip)]
    pub templates: std::sync::Arc<crate::mail::templates::MailTemplates>,
}

impl MailSettings {
    /// How a person of `role` receives notices they have not chosen for.
    pub fn default_mode(&self, role: crate::domain::Role) -> crate::domain::notices::MailMode {
        self.default_modes.get(role.as_str()).copied().unwrap_or(crate::domain::notices::MailMode::Every)
    }
}

impl Settings {
    pub(super) fn validate_mail(&self) -> anyhow::Result<()> {
        let m = &self.mail;
        if !matches!(m.transport.as_str(), "file" | "smtp") {
            anyhow::bail!("configuration: mail.transport must be \"file\" or \"smtp\", not `{}`", m.transport);
        }
        if !matches!(m.smtp_security.as_str(), "starttls" | "tls" | "none") {
            anyhow::bail!(
                "configuration: mail.smtp_security must be \"starttls\", \"tls\" or \"none\", not `{}`",
                m.smtp_security
            );
        }
        if m.transport == "smtp" && m.smtp_host.trim().is_empty() {
            anyhow::bail!("configuration: mail.smtp_host is needed when mail.transport is \"smtp\"");
        }
        if m.from.parse::<lettre::message::Mailbox>().is_err() {
            anyhow::bail!("configuration: mail.from `{}` is not an address (Name <user@host>)", m.from);
        }
        if m.senders == 0 || m.senders > 64 {
            anyhow::bail!("configuration: mail.senders must be 1 to 64");
        }
        if m.poll_seconds == 0 || m.batch_size < 1 || m.max_attempts < 1 || m.lease_seconds < 1 {
            anyhow::bail!(
                "configuration: mail.poll_seconds, mail.batch_size, mail.max_attempts and mail.lease_seconds must be at least 1"
            );
        }
        if let Some(role) = m.default_modes.keys().find(|r| crate::domain::Role::parse(r).is_none()) {
            anyhow::bail!("configuration: mail.default_modes names `{role}`, which is not a role");
        }
        if m.digest_hour > 23 {
            anyhow::bail!("configuration: mail.digest_hour must be 0 to 23");
        }
        if m.retry_first_seconds < 1 || m.retry_max_seconds < m.retry_first_seconds {
            anyhow::bail!(
                "configuration: mail.retry_first_seconds must be at least 1 and not above mail.retry_max_seconds"
            );
        }
        // Each sender sends its share of a batch one message after another under
        // one lease: a shorter lease could be taken over while its tail waits.
        let share = (m.batch_size.max(1) as u64).div_ceil(m.senders.max(1) as u64);
        if (m.lease_seconds as u64) < share * 2 * m.smtp_timeout_seconds {
            anyhow::bail!(
                "configuration: mail.lease_seconds must cover a sender's share of a batch: at least ceil(mail.batch_size / mail.senders) x 2 x mail.smtp_timeout_seconds = {} s",
                share * 2 * m.smtp_timeout_seconds
            );
        }
        Ok(())
    }
}
