//! 邮件: the messages set aside after failing, and sending one again (the office).

use actix_web::{get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::act;
use crate::api::path_of;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::error::{AppResult, Problem};
use crate::ids::EmailId;
use crate::mail::outbox::{self, EmailRow};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(set_aside).service(send_again);
}

/// The most recent 200 messages set aside after their last allowed attempt
/// failed, each with its last error, newest first.
#[utoipa::path(tag = "mail", responses((status = 200, body = Vec<EmailRow>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/mail/set-aside")]
async fn set_aside(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<EmailRow>>> {
    state.db.read(move |conn| outbox::set_aside(conn, &user, 200)).await.map(web::Json)
}

/// Send a set-aside message again: it returns to the outbox with its attempts
/// counted afresh (audited).
#[utoipa::path(tag = "mail", responses((status = 200, body = EmailRow), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/mail/{id}/send-again")]
async fn send_again(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
) -> AppResult<web::Json<EmailRow>> {
    let id = path_of::<EmailId>(id)?;
    act(&state, user, origin, move |conn, ctx| outbox::send_again(conn, ctx, &id)).await.map(web::Json)
}
