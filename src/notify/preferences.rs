//! 邮件提醒方式: how each kind of notice reaches a person by email: every
//! one, a daily or weekly digest, or none (the app only). Without a choice
//! the role's default (`mail.default_modes`) applies.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::acting::Ctx;
use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::config::MailSettings;
use crate::db::DbConn;
use crate::db::schema::mail_preferences;
use crate::domain::notices::{MailMode, Notice};
use crate::error::{AppError, AppResult};

/// One kind of notice and how it reaches me.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preference {
    /// The kind of notice (`unit_assigned`, `reminder_soon`, …).
    pub notice: String,
    pub mode: MailMode,
    /// Whether I chose it (else it is my role's default).
    pub chosen: bool,
}

/// My choice for every kind of notice.
pub fn list(conn: &mut DbConn, user: &AuthUser, mail: &MailSettings) -> AppResult<Vec<Preference>> {
    let chosen: Vec<(String, String)> = mail_preferences::table
        .filter(mail_preferences::user_id.eq(&user.id))
        .select((mail_preferences::notice, mail_preferences::mode))
        .load(conn)?;
    let chosen: BTreeMap<String, MailMode> =
        chosen.into_iter().filter_map(|(n, m)| MailMode::parse(&m).map(|m| (n, m))).collect();
    Ok(Notice::ALL
        .iter()
        .map(|n| {
            let own = chosen.get(n.as_str()).copied();
            Preference {
                notice: n.as_str().into(),
                mode: own.unwrap_or(mail.default_mode(user.role)),
                chosen: own.is_some(),
            }
        })
        .collect())
}

/// Sets my choice for the kinds of notice named (others unchanged). Audited.
pub fn set(conn: &mut DbConn, ctx: &Ctx, choices: BTreeMap<String, MailMode>) -> AppResult<Vec<Preference>> {
    if let Some(unknown) = choices.keys().find(|n| Notice::parse(n).is_none()) {
        return Err(AppError::invalid_field(unknown, "unknown_notice", "没有这种通知"));
    }
    for (notice, mode) in &choices {
        diesel::delete(
            mail_preferences::table
                .filter(mail_preferences::user_id.eq(&ctx.user.id))
                .filter(mail_preferences::notice.eq(notice)),
        )
        .execute(conn)?;
        diesel::insert_into(mail_preferences::table)
            .values((
                mail_preferences::user_id.eq(&ctx.user.id),
                mail_preferences::notice.eq(notice),
                mail_preferences::mode.eq(mode.as_str()),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("user.mail_preferences", "user", ctx.user.id.clone()).after(serde_json::to_value(&choices)?),
        ctx.now,
    )?;
    list(conn, ctx.user, ctx.mail)
}
