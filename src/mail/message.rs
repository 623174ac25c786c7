//! An outbox row as an email: From, To, a Chinese subject encoded so that
//! mail clients show it (RFC 2047, done by lettre), the plain text (and the
//! HTML when there is one) as UTF-8, and a stable Message-ID made from the
//! row's id, so that a message sent twice (a sender killed mid-send) is
//! recognisably the same message.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

use super::outbox::EmailRow;
use crate::config::MailSettings;

/// Why a row cannot become a message; retrying will not help.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unsendable(pub String);

/// The Message-ID of the row `id`: `<id@domain>`.
pub fn message_id(id: &str, mail: &MailSettings) -> String {
    format!("<{id}@{}>", mail.message_id_domain)
}

/// Header values must be one line: CR or LF would let a value add headers.
fn one_line<'a>(name: &str, value: &'a str) -> Result<&'a str, Unsendable> {
    if value.contains(['\r', '\n']) {
        return Err(Unsendable(format!("the {name} contains a line break")));
    }
    Ok(value)
}

pub fn build(row: &EmailRow, mail: &MailSettings) -> Result<Message, Unsendable> {
    let from: Mailbox = mail.from.parse().map_err(|e| Unsendable(format!("mail.from: {e}")))?;
    let to: Mailbox = one_line("address", &row.to_address)?
        .parse()
        .map_err(|e| Unsendable(format!("the address `{}` is not valid: {e}", row.to_address)))?;
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line("subject", &row.subject)?)
        .message_id(Some(message_id(&row.id, mail)))
        .date(row.created_at.and_utc().into());
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(row.body_text.clone());
    let built = match &row.body_html {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
        ),
        None => builder.singlepart(text),
    };
    built.map_err(|e| Unsendable(format!("the message cannot be built: {e}")))
}
