//! Files attached to a proposal. Adding and removing one are part of editing
//! the draft (`edit_draft` in the permission table), each with its own audit
//! name; reading follows who sees the proposal whole. The public sees none.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::{Ctx, begin};
use crate::auth::AuthUser;
use crate::config::{AttachmentSettings, WorkflowSettings};
use crate::db::DbConn;
use crate::db::models::attachment::{AttachmentContent, AttachmentMeta, NewAttachment};
use crate::db::models::proposal::ProposalRow;
use crate::db::schema::proposal_attachments;
use crate::domain::workflow::Action;
use crate::domain::workflow::table::may_see_full;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::files;
use crate::ids::{AttachmentId, ProposalId};
use crate::proposals::access::state_of;
use crate::proposals::view::attachments_of;
use crate::proposals::{load, standing};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name, with its extension; any folder part is dropped.
    #[param(min_length = 1, max_length = 255)]
    pub file_name: String,
    /// The version of the proposal the client last saw; a stale one is refused.
    pub version: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// The version of the proposal the client last saw; a stale one is refused.
    pub version: Option<i32>,
}

/// The attachment as stored, and the proposal's version after adding it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadedAttachment {
    #[serde(flatten)]
    pub attachment: AttachmentMeta,
    pub proposal_version: i32,
}

/// A file as it arrived: its name, the media type the sender declared, and its bytes.
pub struct IncomingFile {
    pub file_name: String,
    pub declared_type: Option<String>,
    pub content: Vec<u8>,
}

/// The name and type a file is stored under, once its extension, declared
/// type and first bytes agree with one of the configured types; its bytes
/// are not needed for this, so that a file of the wrong type is refused
/// before it is read.
pub fn accepted_type(
    limits: &AttachmentSettings,
    file_name: &str,
    declared_type: Option<&str>,
) -> AppResult<(String, String)> {
    let file_name = files::clean_name(file_name)
        .map_err(|fault| AppError::invalid_field("file_name", fault.code(), fault.message_zh()))?;
    let Some(kind) = files::extension(&file_name).and_then(|ext| limits.type_for(ext)) else {
        let allowed: Vec<&str> = limits.types.iter().map(|t| t.extension.as_str()).collect();
        return Err(AppError::new(ErrorKind::UnsupportedMediaType)
            .with_detail(format!("只能上传以下类型的文件：{}", allowed.join("、"))));
    };
    if declared_type.map(files::media_type).as_deref() != Some(kind.content_type.as_str()) {
        return Err(AppError::new(ErrorKind::UnsupportedMediaType)
            .with_detail(format!("文件的 Content-Type 应为 {}，与其扩展名相符", kind.content_type)));
    }
    Ok((file_name, kind.content_type.clone()))
}

/// Attach a file to a draft (audited as `proposal.attachment_added`).
pub fn add(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    version: Option<i32>,
    limits: &AttachmentSettings,
    file: IncomingFile,
) -> AppResult<UploadedAttachment> {
    let (file_name, content_type) = accepted_type(limits, &file.file_name, file.declared_type.as_deref())?;
    let content = file.content;
    if content.is_empty() {
        return Err(AppError::invalid_field("file", "required", "文件不能为空"));
    }
    if !files::content_matches(&content_type, &content) {
        return Err(AppError::invalid_field("file", "content_mismatch", "文件内容与其扩展名所示的类型不符"));
    }
    let sha256 = hex::encode(Sha256::digest(&content));
    let step = begin(conn, ctx, id, Action::EditDraft, version)?;
    let before = &step.before;
    let count: i64 = proposal_attachments::table
        .filter(proposal_attachments::proposal_id.eq(&before.id))
        .count()
        .get_result(conn)?;
    if count >= limits.max_per_proposal {
        return Err(AppError::new(ErrorKind::InvalidTransition)
            .with_detail(format!("每件提案最多 {} 个附件", limits.max_per_proposal))
            .with_extra("rule", json!("attachment_limit")));
    }
    let attachment_id = crate::ids::new_id();
    let row = NewAttachment {
        id: &attachment_id,
        proposal_id: &before.id,
        file_name: &file_name,
        content_type: &content_type,
        size_bytes: i64::try_from(content.len()).map_err(|e| AppError::internal(e.to_string()))?,
        sha256: &sha256,
        content: &content,
        uploaded_by_id: &ctx.user.id,
        created_at: ctx.now,
    };
    diesel::insert_into(proposal_attachments::table).values(&row).execute(conn)?;
    let meta = meta_of(conn, &before.id, &attachment_id)?;
    let record = json!({ "attachment": meta });
    let after = step.commit_as(conn, ctx, "proposal.attachment_added", before.clone(), Some(record))?;
    Ok(UploadedAttachment { attachment: meta, proposal_version: after.version })
}

/// Remove an attachment from a draft (audited as `proposal.attachment_removed`).
pub fn remove(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    attachment_id: &AttachmentId,
    version: Option<i32>,
) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::EditDraft, version)?;
    let before = &step.before;
    let meta = meta_of(conn, &before.id, attachment_id.as_str())?;
    diesel::delete(proposal_attachments::table.find(attachment_id.as_str())).execute(conn)?;
    let record = json!({ "attachment": meta });
    step.commit_as(conn, ctx, "proposal.attachment_removed", before.clone(), Some(record))
}

/// A proposal's attachments, for those who see it whole.
pub fn list(
    conn: &mut DbConn,
    user: &AuthUser,
    id: &ProposalId,
    workflow: &WorkflowSettings,
    now: NaiveDateTime,
) -> AppResult<Vec<AttachmentMeta>> {
    readable(conn, user, id, workflow, now)?;
    attachments_of(conn, id.as_str())
}

/// What a download finds: the file, or only that the client's copy is current.
pub enum Download {
    File(AttachmentContent),
    NotModified { sha256: String },
}

/// One attachment for those who see the proposal whole; `known` is the
/// client's If-None-Match, so that a current copy is not sent again.
pub fn download(
    conn: &mut DbConn,
    user: &AuthUser,
    id: &ProposalId,
    attachment_id: &AttachmentId,
    known: Option<&str>,
    workflow: &WorkflowSettings,
    now: NaiveDateTime,
) -> AppResult<Download> {
    readable(conn, user, id, workflow, now)?;
    let sha256: String = proposal_attachments::table
        .filter(proposal_attachments::proposal_id.eq(id.as_str()))
        .filter(proposal_attachments::id.eq(attachment_id.as_str()))
        .select(proposal_attachments::sha256)
        .first(conn)?;
    if known.is_some_and(|k| k.split(',').any(|tag| tag.trim() == etag(&sha256) || tag.trim() == "*")) {
        return Ok(Download::NotModified { sha256 });
    }
    let file: AttachmentContent = proposal_attachments::table
        .filter(proposal_attachments::id.eq(attachment_id.as_str()))
        .select(AttachmentContent::as_select())
        .first(conn)?;
    Ok(Download::File(file))
}

/// The entity tag of a file's content.
pub fn etag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

/// 404 unless the caller sees the proposal whole (as `GET /api/proposals/{id}`).
fn readable(
    conn: &mut DbConn,
    user: &AuthUser,
    id: &ProposalId,
    workflow: &WorkflowSettings,
    now: NaiveDateTime,
) -> AppResult<()> {
    let p = load(conn, id.as_str())?;
    let s = standing(conn, Some(user), &p, workflow, now)?;
    if may_see_full(&s, state_of(&p)?) { Ok(()) } else { Err(AppError::not_found()) }
}

/// The metadata of attachment `attachment_id` of proposal `proposal_id` (404 if it has no such one).
fn meta_of(conn: &mut DbConn, proposal_id: &str, attachment_id: &str) -> AppResult<AttachmentMeta> {
    Ok(proposal_attachments::table
        .filter(proposal_attachments::proposal_id.eq(proposal_id))
        .filter(proposal_attachments::id.eq(attachment_id))
        .select(AttachmentMeta::as_select())
        .first(conn)?)
}
