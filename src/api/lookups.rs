//! What the forms need to pick from: people by name (名录, as each role may
//! find them) and the configured vocabularies.

use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::directory::{self, DirectoryEntry, DirectoryQuery};
use crate::domain::Permission;
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use crate::vocabulary::{self, Vocabularies};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(find_people).service(vocabularies);
}

/// People by name: a member finds members (name and sector, to invite
/// co-signers), the office finds members and leaders, the administrator
/// everyone; at most 50, never an email address or phone number.
#[utoipa::path(
    tag = "lookups",
    params(DirectoryQuery),
    responses((status = 200, body = Vec<DirectoryEntry>), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/directory")]
async fn find_people(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<DirectoryQuery>,
) -> AppResult<web::Json<Vec<DirectoryEntry>>> {
    user.require(Permission::ReadReferenceData)?;
    let query = query.into_inner();
    state.db.read(move |conn| directory::find(conn, &user, &query)).await.map(web::Json)
}

/// The words the forms choose among: 不立案 reasons, topics, kinds, grades,
/// contact kinds, ratings and states.
#[utoipa::path(tag = "lookups", responses((status = 200, body = Vocabularies)))]
#[get("/vocabularies")]
async fn vocabularies(state: web::Data<AppState>) -> web::Json<Vocabularies> {
    web::Json(vocabulary::of(&state.settings.workflow))
}
