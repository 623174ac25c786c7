//! 历史数据导入 for the office: upload a spreadsheet, see the dry run's
//! report (every bad row by number, column and reason), confirm, done; the
//! columns listed on the page and an empty template to fill in. The same
//! operations as `proposal-desk import`.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::audit::Origin;
use crate::domain::import::{COLUMNS, Column, Problem};
use crate::domain::{Permission, may};
use crate::error::{AppError, ErrorKind};
use crate::import::{self, Encoding, Importer, Plan};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::forms::FormErrors;
use crate::web::frame::{Frame, render, see_other};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/import", web::get().to(import_page))
        .route("/import", web::post().to(upload))
        .route("/import/template.csv", web::get().to(template))
        .route("/import/{id}", web::get().to(report_page))
        .route("/import/{id}/confirm", web::post().to(confirm));
}

#[derive(Template)]
#[template(path = "import.html", config = "src/web/askama.toml")]
struct ImportPage {
    frame: Frame,
    columns: &'static [Column],
    errors: FormErrors,
    /// The dry run of an uploaded file, once there is one.
    report: Option<Report>,
}

/// An uploaded file and what importing it would do (or did).
struct Report {
    id: String,
    file_name: String,
    uploaded_by: String,
    uploaded_at: String,
    plan: Plan,
    /// When it was imported and how many proposals it added.
    imported: Option<(String, i32)>,
}

impl Report {
    fn problems(&self) -> &[Problem] {
        &self.plan.problems
    }
    fn may_confirm(&self) -> bool {
        self.imported.is_none() && self.plan.problems.is_empty() && self.plan.to_add() > 0
    }
    fn changed(&self) -> String {
        self.plan.changed.iter().map(usize::to_string).collect::<Vec<_>>().join("、")
    }
}

fn office_only(visitor: &Visitor) -> Result<crate::auth::AuthUser, PageError> {
    let user = visitor.require()?;
    if !may(user.role, Permission::ImportHistory) {
        return Err(AppError::not_found().into());
    }
    Ok(user.clone())
}

async fn import_page(visitor: Visitor) -> Result<HttpResponse, PageError> {
    office_only(&visitor)?;
    show(&visitor, FormErrors::none(), None)
}

fn show(visitor: &Visitor, errors: FormErrors, report: Option<Report>) -> Result<HttpResponse, PageError> {
    let page =
        ImportPage { frame: Frame::new(visitor, "导入往年提案", "/import"), columns: COLUMNS, errors, report };
    render(visitor, &page)
}

async fn upload(state: web::Data<AppState>, visitor: Visitor, form: Multipart) -> Result<HttpResponse, PageError> {
    let user = office_only(&visitor)?;
    let form = match crate::web::files::read(form, state.settings.import.max_file_bytes).await {
        Ok(form) => form,
        Err(e) if e.kind == ErrorKind::PayloadTooLarge => {
            let e = AppError::invalid_field("file", "too_large", "文件超过允许的大小：请分成几个文件导入");
            return show(&visitor, FormErrors::of(&e), None);
        }
        Err(e) => return Err(e.into()),
    };
    visitor.check_form(&state, &form.csrf)?;
    let encoding = form.fields.iter().find(|(n, _)| n == "encoding").and_then(|(_, v)| Encoding::parse(v));
    let Some(file) = form.file else {
        let e = AppError::invalid_field("file", "required", "请选择要导入的文件");
        return show(&visitor, FormErrors::of(&e), None);
    };
    // A file that cannot be read is told at once, and not kept.
    if let Err(e) = import::file::read(&file.content, encoding) {
        return show(&visitor, FormErrors::of(&e), None);
    }
    let now = state.clock.now();
    let id = state
        .db
        .write(move |conn| import::uploads::keep(conn, &user.id, &file.file_name, encoding, &file.content, now))
        .await?;
    Ok(see_other(&format!("/import/{id}")))
}

async fn report_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    office_only(&visitor)?;
    let report = dry_run(&state, id.into_inner()).await?;
    show(&visitor, FormErrors::none(), Some(report))
}

async fn dry_run(state: &AppState, id: String) -> Result<Report, PageError> {
    let (workflow, office, now) = (state.settings.workflow.clone(), state.office.clone(), state.clock.now());
    let report = state
        .db
        .read(move |conn| {
            let upload = import::uploads::find(conn, &id)?;
            let sheet = import::file::read(&upload.content, upload.encoding)?;
            let plan = import::dry_run(conn, &sheet, &workflow, &office, now)?;
            let day = |at| office.local(at).format("%Y-%m-%d %H:%M").to_string();
            Ok(Report {
                uploaded_at: day(upload.uploaded_at),
                imported: upload.imported.map(|(at, n)| (day(at), n)),
                id: upload.id,
                file_name: upload.file_name,
                uploaded_by: upload.uploaded_by,
                plan,
            })
        })
        .await?;
    Ok(report)
}

#[derive(serde::Deserialize)]
struct ConfirmForm {
    csrf: String,
}

async fn confirm(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    id: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    let user = office_only(&visitor)?;
    visitor.check_form(&state, &form.csrf)?;
    let id = id.into_inner();
    let (workflow, office, now) = (state.settings.workflow.clone(), state.office.clone(), state.clock.now());
    let upload_id = id.clone();
    let done = state
        .db
        .write(move |conn| {
            let actor = user.actor();
            let by =
                Importer { user_id: &user.id, actor: &actor, origin: &origin, office: &office, now, file_name: "" };
            import::import_upload(conn, &by, &upload_id, &workflow)
        })
        .await;
    match done {
        Ok(_) => {
            // Imported proposals that were published are the public's to read.
            state.public_index.changed();
            Ok(see_other(&format!("/import/{id}")))
        }
        Err(e) if e.kind == ErrorKind::Validation => {
            let report = dry_run(&state, id).await?;
            show(&visitor, FormErrors::of(&e), Some(report))
        }
        Err(e) => Err(e.into()),
    }
}

/// An empty file with every column's header, to fill in (UTF-8 with a BOM, as Excel opens it).
async fn template(visitor: Visitor) -> Result<HttpResponse, PageError> {
    office_only(&visitor)?;
    let headers: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
    let body = format!("\u{feff}{}\r\n", headers.join(","));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(crate::web::office_statistics::attachment("往年提案导入模板.csv", "import-template.csv"))
        .body(body))
}
