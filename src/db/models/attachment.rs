//! Rows of `proposal_attachments`. Lists and views select `AttachmentMeta`,
//! which leaves the bytes in the database; only a download loads them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::proposal_attachments;

/// What is shown of an attachment: everything but its bytes.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = proposal_attachments)]
pub struct AttachmentMeta {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
}

/// What a download needs: the bytes and how to label them.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = proposal_attachments)]
pub struct AttachmentContent {
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub content: Vec<u8>,
}

/// A new attachment, bytes included.
#[derive(Debug, Insertable)]
#[diesel(table_name = proposal_attachments)]
pub struct NewAttachment<'a> {
    pub id: &'a str,
    pub proposal_id: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by_id: &'a str,
    pub created_at: NaiveDateTime,
}
