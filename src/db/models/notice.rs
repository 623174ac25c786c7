//! 通知 and the email outbox rows written with them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{email_outbox, notices};

/// A notice as kept for the app.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = notices)]
pub struct NoticeRow {
    pub id: String,
    pub user_id: String,
    pub proposal_id: String,
    /// The event (`filed`, `replied`, …; see `workflow.notices`).
    pub event: String,
    pub subject: String,
    pub body: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub read_at: Option<NaiveDateTime>,
}

/// An email waiting in the outbox (the sender comes with the email issue).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = email_outbox)]
pub struct NewEmail {
    pub id: String,
    pub to_address: String,
    pub template: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub created_at: NaiveDateTime,
    pub send_after: NaiveDateTime,
}
