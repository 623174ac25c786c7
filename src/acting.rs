//! Who acts: the signed-in user, the request's origin, the time and the
//! settings, handed to every operation; and [`act`], which runs one
//! operation in one write transaction. The JSON API, the pages, the jobs and
//! the import all go through it, so that one user action is one transaction.

use chrono::NaiveDateTime;

use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::config::{MailSettings, WorkflowSettings};
use crate::db::DbConn;
use crate::domain::deadlines::OfficeTime;
use crate::error::AppResult;
use crate::state::AppState;

/// Who acts, from where, and when, under which workflow settings.
pub struct Ctx<'a> {
    pub user: &'a AuthUser,
    pub origin: &'a Origin,
    pub now: NaiveDateTime,
    pub workflow: &'a WorkflowSettings,
    /// The office's time zone and working days, for every deadline the action sets.
    pub office: &'a OfficeTime,
    /// How the people an action tells are emailed (their roles' defaults).
    pub mail: &'a MailSettings,
}

/// Runs `operation` as `user`, in one write transaction, and answers with what it returns.
pub async fn act<T, F>(state: &AppState, user: AuthUser, origin: Origin, operation: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &Ctx) -> AppResult<T> + Send + 'static,
{
    let (now, settings, office) = (state.clock.now(), state.settings.clone(), state.office.clone());
    state
        .db
        .write(move |conn| {
            let ctx = Ctx {
                user: &user,
                origin: &origin,
                now,
                workflow: &settings.workflow,
                office: &office,
                mail: &settings.mail,
            };
            operation(conn, &ctx)
        })
        .await
}
