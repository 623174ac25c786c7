//! Files attached to a proposal: the HTTP side (the body is the file itself;
//! downloads carry their type, name and entity tag). The operations and reads
//! are in `crate::workflow::attachments`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::{path_of, path_pair};
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::db::models::attachment::AttachmentMeta;
use crate::error::{AppError, AppResult, ErrorKind, Problem};
use crate::files;
use crate::ids::{AttachmentId, ProposalId};
use crate::proposals::view::ProposalView;
use crate::state::AppState;
use crate::workflow::attachments::{self, Download, IncomingFile, UploadQuery, UploadedAttachment, VersionQuery};
use crate::workflow::perform;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload).service(list).service(download).service(remove);
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
    let (id, query) = (path_of::<ProposalId>(id)?, query.into_inner());
    let limits = state.settings.attachments.clone();
    let declared_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    // Refused by name and type before a byte of the body is read.
    attachments::accepted_type(&limits, &query.file_name, declared_type.as_deref())?;
    let content = read_limited(&req, payload, limits.max_bytes).await?;
    let file = IncomingFile { file_name: query.file_name, declared_type, content };
    let proposal_id = id.clone();
    let uploaded = crate::acting::act(&state, user, origin, move |conn, ctx| {
        attachments::add(conn, ctx, &id, query.version, &limits, file)
    })
    .await?;
    let location = format!("/api/proposals/{proposal_id}/attachments/{}", uploaded.attachment.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(uploaded))
}

/// A proposal's attachments, for those who see it whole.
#[utoipa::path(tag = "proposals", responses((status = 200, body = Vec<AttachmentMeta>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/proposals/{id}/attachments")]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<web::Json<Vec<AttachmentMeta>>> {
    let (id, now, workflow) = (path_of::<ProposalId>(id)?, state.clock.now(), state.settings.workflow.clone());
    state.db.read(move |conn| attachments::list(conn, &user, &id, &workflow, now)).await.map(web::Json)
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
    let (id, attachment_id) = path_pair::<ProposalId, AttachmentId>(path)?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let known = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let found = state
        .db
        .read(move |conn| attachments::download(conn, &user, &id, &attachment_id, known.as_deref(), &workflow, now))
        .await?;
    let file = match found {
        Download::File(file) => file,
        Download::NotModified { sha256 } => {
            return Ok(HttpResponse::NotModified().insert_header((header::ETAG, attachments::etag(&sha256))).finish());
        }
    };
    let content_type = HeaderValue::from_str(&file.content_type).map_err(|_| {
        AppError::internal(format!("stored content type {:?} is not a header value", file.content_type))
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, files::content_disposition(&file.file_name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::ETAG, attachments::etag(&file.sha256)))
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
    let ((id, attachment_id), version) = (path_pair::<ProposalId, AttachmentId>(path)?, query.version);
    perform(&state, user, origin, move |conn, ctx| attachments::remove(conn, ctx, &id, &attachment_id, version))
        .await
        .map(web::Json)
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
