//! Files attached to a proposal. Adding and removing one are part of editing
//! the draft (`edit_draft` in the permission table); reading follows who sees
//! the proposal whole. The public API shows none of them.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::handling::two_ids;
use super::view_for;
use crate::api::path_id;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::config::AttachmentSettings;
use crate::db::DbConn;
use crate::db::models::attachment::{AttachmentContent, AttachmentMeta, NewAttachment};
use crate::db::schema::proposal_attachments;
use crate::domain::workflow::Action;
use crate::domain::workflow::table::may_see_full;
use crate::error::{AppError, AppResult, ErrorKind, Problem};
use crate::files;
use crate::proposals::access::state_of;
use crate::proposals::view::{ProposalView, attachments_of};
use crate::proposals::{Ctx, begin, commit_as, load, standing};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload).service(list).service(download).service(remove);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name, with its extension; any folder part is dropped.
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

/// Attach a file to a draft: the body is the file itself, sent with its
/// Content-Type. Accepted are the configured types (PDF, Word, JPEG, PNG by
/// default) up to `attachments.max_bytes`; the extension, the Content-Type and
/// the file's first bytes must agree.
#[utoipa::path(
    tag = "proposals",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes, sent with its own Content-Type (e.g. application/pdf)"),
    responses(
        (status = 201, body = UploadedAttachment),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/attachments")]
async fn upload(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (id, query) = (path_id(id)?, query.into_inner());
    let limits = state.settings.attachments.clone();
    let file_name = files::clean_name(&query.file_name)
        .map_err(|fault| AppError::invalid_field("file_name", fault.code(), fault.message_zh()))?;
    let content_type = allowed_type(&limits, &file_name, &req)?;
    let content = read_limited(&req, payload, limits.max_bytes).await?;
    if content.is_empty() {
        return Err(AppError::invalid_field("file", "required", "文件不能为空"));
    }
    if !files::content_matches(&content_type, &content) {
        return Err(AppError::invalid_field("file", "content_mismatch", "文件内容与其扩展名所示的类型不符"));
    }
    let sha256 = hex::encode(Sha256::digest(&content));
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let proposal_id = id.clone();
    let (meta, proposal_version) = state
        .db
        .write(move |conn| {
            let ctx = Ctx { user: &user, origin: &origin, now, workflow: &workflow };
            let (before, _) = begin(conn, &ctx, &id, Action::EditDraft, query.version)?;
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
                uploaded_by_id: &user.id,
                created_at: now,
            };
            diesel::insert_into(proposal_attachments::table).values(&row).execute(conn)?;
            let meta = meta_of(conn, &before.id, &attachment_id)?;
            let record = json!({ "attachment": meta });
            let after = commit_as(
                conn,
                &ctx,
                Action::EditDraft,
                "proposal.attachment_added",
                &before,
                before.clone(),
                Some(record),
            )?;
            Ok((meta, after.version))
        })
        .await?;
    let location = format!("/api/proposals/{proposal_id}/attachments/{}", meta.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(UploadedAttachment { attachment: meta, proposal_version }))
}

/// A proposal's attachments, for those who see it whole.
#[utoipa::path(tag = "proposals", responses((status = 200, body = Vec<AttachmentMeta>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/proposals/{id}/attachments")]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<web::Json<Vec<AttachmentMeta>>> {
    let id = path_id(id)?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let items = state
        .db
        .read(move |conn| {
            readable(conn, &user, &id, &workflow, now)?;
            attachments_of(conn, &id)
        })
        .await?;
    Ok(web::Json(items))
}

/// Download one attachment, labelled with its stored type and name.
#[utoipa::path(
    tag = "proposals",
    responses(
        (status = 200, description = "The file's bytes, with its stored Content-Type, Content-Disposition: attachment and an ETag of its SHA-256", content_type = "application/octet-stream"),
        (status = 304, description = "The client's copy (If-None-Match) is current"),
        (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/proposals/{id}/attachments/{attachment_id}")]
async fn download(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, attachment_id) = two_ids(path)?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let known = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let found = state
        .db
        .read(move |conn| {
            readable(conn, &user, &id, &workflow, now)?;
            let sha256: String = proposal_attachments::table
                .filter(proposal_attachments::proposal_id.eq(&id))
                .filter(proposal_attachments::id.eq(&attachment_id))
                .select(proposal_attachments::sha256)
                .first(conn)?;
            if known.is_some_and(|k| k.split(',').any(|tag| tag.trim() == etag(&sha256) || tag.trim() == "*")) {
                return Ok(Err(sha256));
            }
            let file: AttachmentContent = proposal_attachments::table
                .filter(proposal_attachments::id.eq(&attachment_id))
                .select(AttachmentContent::as_select())
                .first(conn)?;
            Ok(Ok(file))
        })
        .await?;
    let file = match found {
        Ok(file) => file,
        Err(sha256) => return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag(&sha256))).finish()),
    };
    let content_type = HeaderValue::from_str(&file.content_type).map_err(|_| {
        AppError::internal(format!("stored content type {:?} is not a header value", file.content_type))
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, files::content_disposition(&file.file_name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::ETAG, etag(&file.sha256)))
        // The files may carry contact details: no shared cache keeps them.
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(file.content))
}

/// Remove an attachment from a draft.
#[utoipa::path(
    tag = "proposals",
    params(VersionQuery),
    responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []))
)]
#[delete("/proposals/{id}/attachments/{attachment_id}")]
async fn remove(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    query: web::Query<VersionQuery>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, attachment_id), version) = (two_ids(path)?, query.version);
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let view = state
        .db
        .write(move |conn| {
            let ctx = Ctx { user: &user, origin: &origin, now, workflow: &workflow };
            let (before, _) = begin(conn, &ctx, &id, Action::EditDraft, version)?;
            let meta = meta_of(conn, &before.id, &attachment_id)?;
            diesel::delete(proposal_attachments::table.find(&attachment_id)).execute(conn)?;
            let record = json!({ "attachment": meta });
            let after = commit_as(
                conn,
                &ctx,
                Action::EditDraft,
                "proposal.attachment_removed",
                &before,
                before.clone(),
                Some(record),
            )?;
            view_for(conn, &user, after, &workflow, now)
        })
        .await?;
    Ok(web::Json(view))
}

/// 404 unless the caller sees the proposal whole (as `GET /api/proposals/{id}`).
fn readable(
    conn: &mut DbConn,
    user: &AuthUser,
    id: &str,
    workflow: &crate::config::WorkflowSettings,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    let p = load(conn, id)?;
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

fn etag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

/// The configured content type for the name's extension, once the request's
/// Content-Type agrees with it (415 otherwise).
fn allowed_type(limits: &AttachmentSettings, file_name: &str, req: &HttpRequest) -> AppResult<String> {
    let Some(kind) = files::extension(file_name).and_then(|ext| limits.type_for(ext)) else {
        let allowed: Vec<&str> = limits.types.iter().map(|t| t.extension.as_str()).collect();
        return Err(AppError::new(ErrorKind::UnsupportedMediaType)
            .with_detail(format!("只能上传以下类型的文件：{}", allowed.join("、"))));
    };
    let sent = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(files::media_type);
    if sent.as_deref() != Some(kind.content_type.as_str()) {
        return Err(AppError::new(ErrorKind::UnsupportedMediaType)
            .with_detail(format!("文件的 Content-Type 应为 {}，与其扩展名相符", kind.content_type)));
    }
    Ok(kind.content_type.clone())
}

/// The body, read up to `max` bytes: a declared length over the limit is
/// refused before anything is read, and a body without one stops being read
/// as soon as it passes the limit. Either way the answer is a 413 problem.
async fn read_limited(req: &HttpRequest, payload: web::Payload, max: usize) -> AppResult<Vec<u8>> {
    let too_large =
        || AppError::new(ErrorKind::PayloadTooLarge).with_detail(format!("文件不能超过 {}", size_label(max)));
    if let Some(length) = req.headers().get(header::CONTENT_LENGTH) {
        let length = length.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok());
        match length {
            Some(n) if n > max as u64 => return Err(too_large()),
            Some(_) => {}
            None => return Err(AppError::bad_request("Content-Length 无效")),
        }
    }
    match payload.to_bytes_limited(max).await {
        Ok(Ok(bytes)) => Ok(bytes.to_vec()),
        Ok(Err(_)) => Err(AppError::bad_request("无法读取上传的文件")),
        Err(_) => Err(too_large()),
    }
}

/// A size for people: 20 MB, 64 KB.
fn size_label(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MB", bytes as f64 / MIB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}
