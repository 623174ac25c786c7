//! The outbox's rows: claimed by a sender, marked sent, retried later or set
//! aside; and what the office sees and does with the set-aside ones.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::acting::Ctx;
use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::config::MailSettings;
use crate::db::DbConn;
use crate::db::schema::email_outbox;
use crate::domain::Permission;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::ids::EmailId;

/// A message of the outbox.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = email_outbox)]
pub struct EmailRow {
    pub id: String,
    pub to_address: String,
    /// What it tells (`notice.filed`, …).
    pub template: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    /// Not sent before this moment (a retry waits here).
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub send_after: NaiveDateTime,
    /// Attempts made so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub locked_until: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub sent_at: Option<NaiveDateTime>,
    /// Set aside after the last allowed attempt failed, until sent again.
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub given_up_at: Option<NaiveDateTime>,
}

/// Claims the messages due now, held for this sender until the lease ends.
pub fn claim(conn: &mut DbConn, mail: &MailSettings, now: NaiveDateTime) -> AppResult<Vec<EmailRow>> {
    let lease_until = now + chrono::Duration::seconds(mail.lease_seconds);
    let ids = crate::db::backend_specific::claim_outbox(conn, now, lease_until, mail.batch_size)?;
    let mut rows: Vec<EmailRow> =
        email_outbox::table.filter(email_outbox::id.eq_any(&ids)).select(EmailRow::as_select()).load(conn)?;
    rows.sort_by(|a, b| (a.send_after, &a.id).cmp(&(b.send_after, &b.id)));
    Ok(rows)
}

pub fn mark_sent(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::sent_at.eq(now),
            email_outbox::locked_until.eq(None::<NaiveDateTime>),
            email_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(NaiveDateTime),
    SetAside,
}

/// Records a failed attempt: retried after `retry_at`, or set aside when it
/// was the last allowed one or can never succeed (`permanent`).
pub fn mark_failed(
    conn: &mut DbConn,
    row: &EmailRow,
    error: &str,
    permanent: bool,
    retry_at: NaiveDateTime,
    mail: &MailSettings,
    now: NaiveDateTime,
) -> AppResult<AfterFailure> {
    let error: String = error.chars().take(1000).collect();
    let outcome = if permanent || row.attempts >= mail.max_attempts {
        AfterFailure::SetAside
    } else {
        AfterFailure::RetryAt(retry_at)
    };
    let target = email_outbox::table.find(&row.id);
    let released = (email_outbox::locked_until.eq(None::<NaiveDateTime>), email_outbox::last_error.eq(error));
    match outcome {
        AfterFailure::SetAside => {
            diesel::update(target).set((released, email_outbox::given_up_at.eq(now))).execute(conn)?
        }
        AfterFailure::RetryAt(at) => {
            diesel::update(target).set((released, email_outbox::send_after.eq(at))).execute(conn)?
        }
    };
    Ok(outcome)
}

/// The messages set aside, newest first, for the office.
pub fn set_aside(conn: &mut DbConn, user: &AuthUser, limit: i64) -> AppResult<Vec<EmailRow>> {
    user.require(Permission::ManageMail)?;
    Ok(email_outbox::table
        .filter(email_outbox::given_up_at.is_not_null())
        .filter(email_outbox::sent_at.is_null())
        .order((email_outbox::given_up_at.desc(), email_outbox::id))
        .limit(limit)
        .select(EmailRow::as_select())
        .load(conn)?)
}

/// The office sends a set-aside message again: it returns to the outbox with
/// its attempts counted afresh. Audited.
pub fn send_again(conn: &mut DbConn, ctx: &Ctx, id: &EmailId) -> AppResult<EmailRow> {
    let id = id.as_str();
    ctx.user.require(Permission::ManageMail)?;
    let row: Option<EmailRow> = email_outbox::table.find(id).select(EmailRow::as_select()).first(conn).optional()?;
    let Some(row) = row else { return Err(AppError::not_found()) };
    if row.given_up_at.is_none() || row.sent_at.is_some() {
        return Err(AppError::new(ErrorKind::InvalidTransition)
            .with_detail("该邮件未被搁置，无需重发")
            .with_extra("rule", serde_json::json!("not_set_aside")));
    }
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::given_up_at.eq(None::<NaiveDateTime>),
            email_outbox::attempts.eq(0),
            email_outbox::send_after.eq(ctx.now),
            email_outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("mail.send_again", "email", id.to_string()).after(serde_json::json!({
            "to_address": row.to_address,
            "template": row.template,
            "last_error": row.last_error,
            "attempts": row.attempts,
        })),
        ctx.now,
    )?;
    Ok(email_outbox::table.find(id).select(EmailRow::as_select()).first(conn)?)
}
