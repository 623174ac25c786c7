//! 摘要: the daily and weekly digests. A notice whose reader chose a digest
//! (or whose role's default is one) waits in `notices` with `digest` set;
//! from `mail.digest_hour` each day (weekly: each Monday's hour) each such
//! reader gets one email listing what came before that hour. A digest is claimed
//! in `mail_digests` by reader and period in the transaction that queues it,
//! so it goes once whatever the number of senders.

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};
use diesel::prelude::*;

use crate::config::Settings;
use crate::db::Db;
use crate::db::models::notice::NewEmail;
use crate::db::schema::{email_outbox, notices, users};
use crate::domain::deadlines::OfficeTime;
use crate::domain::notices::MailMode;
use crate::error::{AppError, AppResult};
use crate::mail::templates::DigestItem;

/// Queues every digest that is due; answers how many were queued.
pub fn send_digests(db: &Db, settings: &Settings, office: &OfficeTime, now: NaiveDateTime) -> AppResult<usize> {
    let local = office.zone.from_utc_datetime(&now).naive_local();
    if local.hour() < settings.mail.digest_hour {
        return Ok(0);
    }
    let today = local.date();
    let week = today.iso_week();
    // A digest holds what came before its hour: today's for a daily one, this
    // Monday's for a weekly one. Later notices wait for the next digest, so
    // that a notice after the hour does not go out at once on its own.
    let at_hour = |day: chrono::NaiveDate| {
        let local = day.and_hms_opt(settings.mail.digest_hour, 0, 0).unwrap_or_default();
        office.zone.from_local_datetime(&local).earliest().map(|t| t.naive_utc()).unwrap_or(local)
    };
    let daily_cutoff = at_hour(today);
    let monday = today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let weekly_cutoff = at_hour(monday);
    let waiting: Vec<(String, Option<String>)> = {
        let mut conn = db.get()?;
        notices::table
            .filter(notices::digest.is_not_null())
            .filter(notices::digested_at.is_null())
            .filter(notices::created_at.le(daily_cutoff))
            .select((notices::user_id, notices::digest))
            .distinct()
            .load(&mut conn)?
    };
    let mut queued = 0;
    for (user_id, digest) in waiting {
        let Some(mode) = digest.as_deref().and_then(MailMode::parse) else { continue };
        let period = match mode {
            MailMode::Weekly => format!("weekly:{}-W{:02}", week.year(), week.week()),
            _ => format!("daily:{today}"),
        };
        let cutoff = if mode == MailMode::Weekly { weekly_cutoff } else { daily_cutoff };
        let sent = db.write_blocking(|conn| {
            let items: Vec<(String, String, String)> = notices::table
                .filter(notices::user_id.eq(&user_id))
                .filter(notices::digest.eq(mode.as_str()))
                .filter(notices::digested_at.is_null())
                .filter(notices::created_at.le(cutoff))
                .order(notices::created_at.asc())
                .select((notices::id, notices::subject, notices::body))
                .load(conn)?;
            if items.is_empty() || !crate::db::backend_specific::claim_digest(conn, &user_id, &period, now)? {
                return Ok(false);
            }
            let ids: Vec<&String> = items.iter().map(|(id, _, _)| id).collect();
            diesel::update(notices::table.filter(notices::id.eq_any(ids)))
                .set(notices::digested_at.eq(now))
                .execute(conn)?;
            let email: Option<String> = users::table.find(&user_id).select(users::email).first(conn)?;
            let Some(address) = email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty()) else { return Ok(false) };
            let period = if mode == MailMode::Weekly { "每周" } else { "每日" };
            let listed: Vec<DigestItem> = items
                .iter()
                .map(|(_, subject, body)| DigestItem { subject: subject.clone(), body: body.clone() })
                .collect();
            let words =
                settings.mail.templates.digest(period, &listed).map_err(|e| AppError::internal(format!("{e:#}")))?;
            let mail = NewEmail {
                id: crate::ids::new_id(),
                to_address: address,
                template: format!("digest.{}", mode.as_str()),
                subject: words.subject,
                body_text: words.text,
                body_html: Some(words.html),
                created_at: now,
                send_after: now,
            };
            diesel::insert_into(email_outbox::table).values(&mail).execute(conn)?;
            Ok(true)
        })?;
        queued += usize::from(sent);
    }
    Ok(queued)
}
