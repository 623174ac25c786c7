//! Committee terms (届) and their sessions (次会议): everyone signed in reads
//! them; the administrator creates and changes them.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Ctx, check_version, double_option};
use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::models::term::{SessionRow, TermRow};
use crate::db::schema::{committee_sessions, committee_terms};
use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::ids::{SessionId, TermId};
use crate::validate::Check;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TermWithSessions {
    #[serde(flatten)]
    pub term: TermView,
    pub sessions: Vec<SessionView>,
}

/// Plain copies of the rows for reading back in tests and clients.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TermView {
    pub id: String,
    pub number: i32,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub version: i32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub term_id: String,
    pub number: i32,
    pub name: String,
    pub opens_on: NaiveDate,
    pub plenary_window_start: NaiveDate,
    pub plenary_window_end: NaiveDate,
    /// 答复截止日: every first reply of the session's proposals is due on this
    /// day (unless the office gives an assignment its own); none: the configured rule.
    pub replies_due_on: Option<NaiveDate>,
    pub version: i32,
}

impl From<TermRow> for TermView {
    fn from(t: TermRow) -> Self {
        TermView {
            id: t.id,
            number: t.number,
            name: t.name,
            starts_on: t.starts_on,
            ends_on: t.ends_on,
            version: t.version,
        }
    }
}

impl From<SessionRow> for SessionView {
    fn from(s: SessionRow) -> Self {
        SessionView {
            id: s.id,
            term_id: s.term_id,
            number: s.number,
            name: s.name,
            opens_on: s.opens_on,
            plenary_window_start: s.plenary_window_start,
            plenary_window_end: s.plenary_window_end,
            replies_due_on: s.replies_due_on,
            version: s.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTermRequest {
    /// 第几届
    #[schema(minimum = 1, maximum = 1000)]
    pub number: i32,
    /// e.g. 第一届
    #[schema(min_length = 1, max_length = 32)]
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTermRequest {
    pub version: i32,
    #[schema(min_length = 1, max_length = 32)]
    pub name: Option<String>,
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Option<Option<NaiveDate>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    /// 第几次会议
    #[schema(minimum = 1, maximum = 100)]
    pub number: i32,
    /// e.g. 一届一次会议
    #[schema(min_length = 1, max_length = 32)]
    pub name: String,
    pub opens_on: NaiveDate,
    /// Proposals submitted from this day to plenary_window_end are plenary proposals (大会提案).
    pub plenary_window_start: NaiveDate,
    pub plenary_window_end: NaiveDate,
    /// 答复截止日: one day for every first reply of the session's proposals ("all replies by 30 June").
    pub replies_due_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    pub version: i32,
    #[schema(min_length = 1, max_length = 32)]
    pub name: Option<String>,
    pub opens_on: Option<NaiveDate>,
    pub plenary_window_start: Option<NaiveDate>,
    pub plenary_window_end: Option<NaiveDate>,
    /// A day, or null to go back to the configured rule.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub replies_due_on: Option<Option<NaiveDate>>,
}

fn check_term(check: &mut Check, starts_on: NaiveDate, ends_on: Option<NaiveDate>) {
    check.date("starts_on", starts_on);
    if let Some(end) = ends_on {
        check.date("ends_on", end);
    }
    if ends_on.is_some_and(|end| end < starts_on) {
        check.fail("ends_on", "before_start", "结束日期不能早于开始日期");
    }
}

fn check_session_dates(
    check: &mut Check,
    opens_on: NaiveDate,
    start: NaiveDate,
    end: NaiveDate,
    replies_due_on: Option<NaiveDate>,
) {
    check.date("opens_on", opens_on).date("plenary_window_start", start).date("plenary_window_end", end);
    if end < start {
        check.fail("plenary_window_end", "before_start", "大会提案截止日期不能早于开始日期");
    }
    if let Some(day) = replies_due_on {
        check.date("replies_due_on", day);
        if day <= opens_on {
            check.fail("replies_due_on", "before_session", "答复截止日须晚于会议开幕日期");
        }
    }
}

/// All terms, newest first, each with its sessions.
pub fn list(conn: &mut DbConn, user: &AuthUser) -> AppResult<Vec<TermWithSessions>> {
    user.require(Permission::ReadReferenceData)?;
    let terms = committee_terms::table.order(committee_terms::number.desc()).select(TermRow::as_select()).load(conn)?;
    let sessions =
        committee_sessions::table.order(committee_sessions::number.asc()).select(SessionRow::as_select()).load(conn)?;
    let mut out: Vec<TermWithSessions> =
        terms.into_iter().map(|t| TermWithSessions { term: t.into(), sessions: Vec::new() }).collect();
    for s in sessions {
        if let Some(t) = out.iter_mut().find(|t| t.term.id == s.term_id) {
            t.sessions.push(s.into());
        }
    }
    Ok(out)
}

/// Create a term; its number is the only one.
pub fn create_term(conn: &mut DbConn, ctx: &Ctx, body: CreateTermRequest) -> AppResult<TermView> {
    ctx.user.require(Permission::ManageTermsAndSessions)?;
    let mut check = Check::new();
    check.range("number", body.number.into(), 1, 1000).text("name", &body.name, 1, 32);
    check_term(&mut check, body.starts_on, body.ends_on);
    check.finish()?;
    let row = TermRow {
        id: crate::ids::new_id(),
        number: body.number,
        name: body.name.trim().to_string(),
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        created_at: ctx.now,
        updated_at: ctx.now,
        version: 1,
    };
    let clash: i64 = committee_terms::table.filter(committee_terms::number.eq(row.number)).count().get_result(conn)?;
    if clash > 0 {
        return Err(AppError::already_exists("该届次已存在"));
    }
    diesel::insert_into(committee_terms::table).values(&row).execute(conn)?;
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("term.create", "term", row.id.clone()).after(serde_json::to_value(&row)?),
        ctx.now,
    )?;
    Ok(row.into())
}

/// Who may change a term and the form of the change: what [`update_term`]
/// checks before it looks the term up.
pub fn check_update_term(user: &AuthUser, body: &UpdateTermRequest) -> AppResult<()> {
    user.require(Permission::ManageTermsAndSessions)?;
    let mut check = Check::new();
    check.opt_text("name", body.name.as_deref(), 32);
    check.finish()
}

/// Change a term's name or dates.
pub fn update_term(conn: &mut DbConn, ctx: &Ctx, id: &TermId, body: UpdateTermRequest) -> AppResult<TermView> {
    check_update_term(ctx.user, &body)?;
    let before: TermRow = committee_terms::table.find(id.as_str()).select(TermRow::as_select()).first(conn)?;
    check_version(body.version, before.version)?;
    let mut after = before.clone();
    if let Some(name) = body.name {
        after.name = name.trim().to_string();
    }
    if let Some(starts_on) = body.starts_on {
        after.starts_on = starts_on;
    }
    if let Some(ends_on) = body.ends_on {
        after.ends_on = ends_on;
    }
    let mut check = Check::new();
    check_term(&mut check, after.starts_on, after.ends_on);
    check.finish()?;
    after.updated_at = ctx.now;
    after.version += 1;
    let n =
        diesel::update(committee_terms::table.find(id.as_str()).filter(committee_terms::version.eq(before.version)))
            .set((
                committee_terms::name.eq(&after.name),
                committee_terms::starts_on.eq(after.starts_on),
                committee_terms::ends_on.eq(after.ends_on),
                committee_terms::updated_at.eq(ctx.now),
                committee_terms::version.eq(after.version),
            ))
            .execute(conn)?;
    if n == 0 {
        return Err(AppError::stale(before.version));
    }
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("term.update", "term", id.as_str())
            .before(serde_json::to_value(&before)?)
            .after(serde_json::to_value(&after)?),
        ctx.now,
    )?;
    Ok(after.into())
}

/// Who may add a session and the form of the new session: what
/// [`create_session`] checks before it looks the term up.
pub fn check_create_session(user: &AuthUser, body: &CreateSessionRequest) -> AppResult<()> {
    user.require(Permission::ManageTermsAndSessions)?;
    let mut check = Check::new();
    check.range("number", body.number.into(), 1, 100).text("name", &body.name, 1, 32);
    check_session_dates(
        &mut check,
        body.opens_on,
        body.plenary_window_start,
        body.plenary_window_end,
        body.replies_due_on,
    );
    check.finish()
}

/// Add a session to a term; its number is the only one in the term.
pub fn create_session(
    conn: &mut DbConn,
    ctx: &Ctx,
    term_id: &TermId,
    body: CreateSessionRequest,
) -> AppResult<SessionView> {
    check_create_session(ctx.user, &body)?;
    let term: TermRow = committee_terms::table.find(term_id.as_str()).select(TermRow::as_select()).first(conn)?;
    let clash: i64 = committee_sessions::table
        .filter(committee_sessions::term_id.eq(&term.id))
        .filter(committee_sessions::number.eq(body.number))
        .count()
        .get_result(conn)?;
    if clash > 0 {
        return Err(AppError::already_exists("该次会议已存在"));
    }
    let row = SessionRow {
        id: crate::ids::new_id(),
        term_id: term.id,
        number: body.number,
        name: body.name.trim().to_string(),
        opens_on: body.opens_on,
        plenary_window_start: body.plenary_window_start,
        plenary_window_end: body.plenary_window_end,
        replies_due_on: body.replies_due_on,
        created_at: ctx.now,
        updated_at: ctx.now,
        version: 1,
    };
    diesel::insert_into(committee_sessions::table).values(&row).execute(conn)?;
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("session.create", "session", row.id.clone()).after(serde_json::to_value(&row)?),
        ctx.now,
    )?;
    Ok(row.into())
}

/// Who may change a session and the form of the change: what
/// [`update_session`] checks before it looks the session up.
pub fn check_update_session(user: &AuthUser, body: &UpdateSessionRequest) -> AppResult<()> {
    user.require(Permission::ManageTermsAndSessions)?;
    let mut check = Check::new();
    check.opt_text("name", body.name.as_deref(), 32);
    check.finish()
}

/// Change a session's name, date, plenary window or reply date.
pub fn update_session(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &SessionId,
    body: UpdateSessionRequest,
) -> AppResult<SessionView> {
    check_update_session(ctx.user, &body)?;
    let before: SessionRow = committee_sessions::table.find(id.as_str()).select(SessionRow::as_select()).first(conn)?;
    check_version(body.version, before.version)?;
    let mut after = before.clone();
    if let Some(name) = body.name {
        after.name = name.trim().to_string();
    }
    if let Some(d) = body.opens_on {
        after.opens_on = d;
    }
    if let Some(d) = body.plenary_window_start {
        after.plenary_window_start = d;
    }
    if let Some(d) = body.plenary_window_end {
        after.plenary_window_end = d;
    }
    if let Some(d) = body.replies_due_on {
        after.replies_due_on = d;
    }
    let mut check = Check::new();
    check_session_dates(
        &mut check,
        after.opens_on,
        after.plenary_window_start,
        after.plenary_window_end,
        after.replies_due_on,
    );
    check.finish()?;
    after.updated_at = ctx.now;
    after.version += 1;
    let n = diesel::update(
        committee_sessions::table.find(id.as_str()).filter(committee_sessions::version.eq(before.version)),
    )
    .set((
        committee_sessions::name.eq(&after.name),
        committee_sessions::opens_on.eq(after.opens_on),
        committee_sessions::plenary_window_start.eq(after.plenary_window_start),
        committee_sessions::plenary_window_end.eq(after.plenary_window_end),
        committee_sessions::replies_due_on.eq(after.replies_due_on),
        committee_sessions::updated_at.eq(ctx.now),
        committee_sessions::version.eq(after.version),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::stale(before.version));
    }
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("session.update", "session", id.as_str())
            .before(serde_json::to_value(&before)?)
            .after(serde_json::to_value(&after)?),
        ctx.now,
    )?;
    Ok(after.into())
}
