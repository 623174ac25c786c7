//! A proposal's attachments from its page: added to a draft with a file
//! field (multipart/form-data, read up to the configured size and no
//! further), downloaded by those who see the proposal whole, removed from a
//! draft; the same operations as /api/proposals/{id}/attachments.

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;

use crate::acting::act;
use crate::audit::Origin;
use crate::domain::workflow::Action;
use crate::error::{AppError, ErrorKind};
use crate::ids::{AttachmentId, ProposalId};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::forms::{FormErrors, is_for_the_form};
use crate::web::frame::see_other;
use crate::web::proposals::{Failure, show};
use crate::web::session::Visitor;
use crate::workflow::attachments::{self, Download, IncomingFile};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals/{id}/files", web::post().to(upload))
        .route("/proposals/{id}/files/{file}", web::get().to(download))
        .route("/proposals/{id}/files/{file}/remove", web::post().to(remove));
}

/// The form's fields as read: its token, version, the one file and any other short field.
#[derive(Default)]
pub(crate) struct Upload {
    pub(crate) csrf: String,
    pub(crate) version: Option<i32>,
    pub(crate) file: Option<IncomingFile>,
    pub(crate) fields: Vec<(String, String)>,
}

/// Reads a multipart form whose field `file` may be up to `max` bytes (the others 256).
pub(crate) async fn read(mut form: Multipart, max: usize) -> Result<Upload, AppError> {
    let too_large = || AppError::new(ErrorKind::PayloadTooLarge).with_detail("文件超过允许的大小");
    let mut upload = Upload::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| AppError::bad_request(format!("无法读取上传的表单: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_string);
        let declared_type = field.content_type().map(|m| m.essence_str().to_string());
        let limit = if name == "file" { max } else { 256 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::bad_request(format!("无法读取上传的表单: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => upload.csrf = String::from_utf8_lossy(&bytes).to_string(),
            "version" => upload.version = String::from_utf8_lossy(&bytes).trim().parse().ok(),
            "file" => {
                if let Some(file_name) = file_name.filter(|n| !n.is_empty()) {
                    upload.file = Some(IncomingFile { file_name, declared_type, content: bytes });
                }
            }
            _ => upload.fields.push((name, String::from_utf8_lossy(&bytes).to_string())),
        }
    }
    Ok(upload)
}

async fn upload(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    id: web::Path<String>,
    form: Multipart,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let id = ProposalId::parse(&id).ok_or_else(AppError::not_found)?;
    let limits = state.settings.attachments.clone();
    let result = match read(form, limits.max_bytes).await {
        Ok(upload) => {
            visitor.check_form(&state, &upload.csrf)?;
            match upload.file {
                None => Err(AppError::invalid_field("file", "required", "请选择要上传的文件")),
                Some(file) => {
                    let (proposal, version) = (id.clone(), upload.version);
                    act(&state, user, origin, move |conn, ctx| {
                        attachments::add(conn, ctx, &proposal, version, &limits, file)
                    })
                    .await
                    .map(|_| ())
                }
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/proposals/{}?done=edit_draft", id.as_str()))),
        Err(e)
            if is_for_the_form(&e)
                || matches!(e.kind, ErrorKind::PayloadTooLarge | ErrorKind::UnsupportedMediaType) =>
        {
            let failure = Failure {
                action: Action::EditDraft,
                stale: e.kind == ErrorKind::StaleVersion,
                status: e.kind.status(),
                errors: FormErrors::of(&e),
                kept: Default::default(),
            };
            show(&state, &visitor, id, Some(failure)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn download(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let (id, file) = path.into_inner();
    let id = ProposalId::parse(&id).ok_or_else(AppError::not_found)?;
    let file = AttachmentId::parse(&file).ok_or_else(AppError::not_found)?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let found = state.db.read(move |conn| attachments::download(conn, &user, &id, &file, None, &workflow, now)).await?;
    let Download::File(file) = found else {
        return Err(AppError::not_found().into());
    };
    let content_type = HeaderValue::from_str(&file.content_type).map_err(|_| {
        AppError::internal(format!("stored content type {:?} is not a header value", file.content_type))
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, crate::files::content_disposition(&file.file_name)))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(file.content))
}

#[derive(serde::Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf: String,
    version: Option<i32>,
}

async fn remove(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    path: web::Path<(String, String)>,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    visitor.check_form(&state, &form.csrf)?;
    let (id, file) = path.into_inner();
    let id = ProposalId::parse(&id).ok_or_else(AppError::not_found)?;
    let file = AttachmentId::parse(&file).ok_or_else(AppError::not_found)?;
    let (proposal, version) = (id.clone(), form.version);
    act(&state, user, origin, move |conn, ctx| attachments::remove(conn, ctx, &proposal, &file, version)).await?;
    Ok(see_other(&format!("/proposals/{}?done=edit_draft", id.as_str())))
}
