//! Where messages go: .eml files in a folder (the embedded default: a
//! newcomer sees what would be sent) or an SMTP server through lettre.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport as _};

use crate::config::MailSettings;

/// A failed delivery: `permanent` when the server refused the message for
/// good (5xx), so that retrying cannot help.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

pub enum Transport {
    /// One file per message, named after the outbox row, so that sending a
    /// message again rewrites the same file instead of adding a copy.
    Files(PathBuf),
    Smtp(Box<SmtpTransport>),
}

impl Transport {
    pub fn from_settings(mail: &MailSettings) -> anyhow::Result<Transport> {
        if mail.transport == "file" {
            std::fs::create_dir_all(&mail.dir).map_err(|e| anyhow::anyhow!("mail.dir {}: {e}", mail.dir))?;
            return Ok(Transport::Files(PathBuf::from(&mail.dir)));
        }
        let host = mail.smtp_host.as_str();
        let builder = match mail.smtp_security.as_str() {
            "tls" => SmtpTransport::relay(host)?,
            "starttls" => SmtpTransport::starttls_relay(host)?,
            _ => SmtpTransport::builder_dangerous(host),
        };
        let mut builder = builder.port(mail.smtp_port).timeout(Some(Duration::from_secs(mail.smtp_timeout_seconds)));
        if !mail.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(mail.smtp_username.clone(), mail.smtp_password.clone()));
        }
        Ok(Transport::Smtp(Box::new(builder.build())))
    }

    pub fn send(&self, id: &str, message: &Message) -> Result<(), SendError> {
        match self {
            Transport::Files(dir) => {
                let transient =
                    |e: std::io::Error| SendError { message: format!("writing the .eml file: {e}"), permanent: false };
                // Written aside and renamed, so that a reader never sees half a message.
                let part = dir.join(format!(".{id}.eml.part"));
                std::fs::write(&part, message.formatted()).map_err(transient)?;
                std::fs::rename(&part, dir.join(format!("{id}.eml"))).map_err(transient)
            }
            Transport::Smtp(smtp) => smtp
                .send(message)
                .map(|_| ())
                .map_err(|e| SendError { permanent: e.is_permanent(), message: format!("SMTP: {e}") }),
        }
    }
}
