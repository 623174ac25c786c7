//! 历史数据导入: past years' proposals and their replies from the office's
//! spreadsheets (`proposal-desk import` and the office's import page call
//! the same two operations). [`dry_run`] reads a file and says what an import
//! would add and every bad row by number and reason, writing nothing;
//! [`import`] does it in one transaction, refusing a file with any bad row,
//! so that a file goes in whole or not at all. Rows imported before (by
//! their key) are left as they are: running a file again changes nothing.

pub mod file;
pub mod plan;
pub mod uploads;
pub mod write;

use chrono::NaiveDateTime;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::schema::users;
use crate::domain::{Permission, Role, may};
use crate::error::{AppError, AppResult};
pub use file::{Encoding, Sheet};
pub use plan::Plan;
pub use write::Importer;

/// What the import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Imported {
    pub added: usize,
    pub unchanged: usize,
    pub changed: usize,
}

/// The office account `username` names, as the audit trail's actor: the
/// command line imports in an office member's name, as the page does.
pub fn office_account(conn: &mut DbConn, username: &str) -> AppResult<(String, Actor)> {
    use diesel::prelude::*;
    let found: Option<(String, String, bool)> = users::table
        .filter(users::username.eq(username.trim().to_lowercase()))
        .filter(users::role.eq(Role::Office.as_str()))
        .select((users::id, users::username, users::disabled))
        .first(conn)
        .optional()?;
    match found {
        Some((id, name, false)) => {
            Ok((id.clone(), Actor { user_id: Some(id), name, role: Role::Office.as_str().into() }))
        }
        _ => Err(AppError::not_found()),
    }
}

/// The plan of importing `sheet`; nothing is written.
pub fn dry_run(
    conn: &mut DbConn,
    sheet: &Sheet,
    workflow: &WorkflowSettings,
    office: &crate::domain::deadlines::OfficeTime,
    now: NaiveDateTime,
) -> AppResult<Plan> {
    plan::plan(conn, sheet, workflow, office, now)
}

/// Imports `sheet` (call inside one write transaction): every new row, or
/// nothing when any row is bad.
pub fn import(
    conn: &mut DbConn,
    by: &Importer,
    sheet: &Sheet,
    workflow: &WorkflowSettings,
    progress: &mut dyn FnMut(usize, usize),
) -> AppResult<Imported> {
    let allowed = Role::parse(&by.actor.role).is_some_and(|role| may(role, Permission::ImportHistory));
    if !allowed {
        return Err(AppError::forbidden());
    }
    let plan = plan::plan(conn, sheet, workflow, by.office, by.now)?;
    if !plan.problems.is_empty() {
        return Err(AppError::invalid_field(
            "file",
            "bad_rows",
            format!("文件中有 {} 行有误，未导入任何记录：请改正后重新导入", plan.bad_rows()),
        ));
    }
    let total = plan.to_add();
    let added = write::write(conn, by, &plan, &mut |done| progress(done, total))?;
    let outcome = Imported { added, unchanged: plan.unchanged.len(), changed: plan.changed.len() };
    let change = Change::new("import.file", "import", by.file_name.to_string()).after(json!({
        "file": by.file_name, "format": plan.format, "rows": plan.rows,
        "added": outcome.added, "unchanged": outcome.unchanged, "changed": outcome.changed,
    }));
    audit::record(conn, by.actor, by.origin, change, by.now)?;
    Ok(outcome)
}

/// Imports the file the office uploaded on the import page (call inside one
/// write transaction); a file imports once, however often it is confirmed.
pub fn import_upload(
    conn: &mut DbConn,
    by: &Importer,
    upload_id: &str,
    workflow: &WorkflowSettings,
) -> AppResult<Imported> {
    let upload = uploads::find(conn, upload_id)?;
    if !uploads::mark_imported(conn, &upload.id, 0, by.now)? {
        return Err(AppError::invalid_field("file", "already_imported", "这个文件已经导入过了"));
    }
    let sheet = file::read(&upload.content, upload.encoding)?;
    let by = Importer { file_name: &upload.file_name, ..*by };
    let done = import(conn, &by, &sheet, workflow, &mut |_, _| {})?;
    uploads::mark_imported_rows(conn, &upload.id, done.added)?;
    Ok(done)
}
