//! 系统管理: accounts, handling units, sectors, terms and sessions, for the
//! administrator, over the same operations as /api/admin. A new account's
//! (or a reset's) temporary password is shown once, on the page that made it.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::UserView;
use crate::acting::act;
use crate::admin::sectors::{self, CreateSectorRequest, UpdateSectorRequest};
use crate::admin::terms::{
    self, CreateSessionRequest, CreateTermRequest, TermWithSessions, UpdateSessionRequest, UpdateTermRequest,
};
use crate::admin::units::{self, CreateUnitRequest, UpdateUnitRequest};
use crate::admin::users::{self, CreateUserRequest, TemporaryPassword, UpdateUserRequest, UserQuery};
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::auth::password::generate_temporary;
use crate::db::models::org::{SectorRow, UnitRow};
use crate::domain::{Permission, Role, may};
use crate::error::{AppError, AppResult};
use crate::ids::{SectorId, SessionId, TermId, UnitId, UserId};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::fields::Fields;
use crate::web::forms::{FormErrors, is_for_the_form};
use crate::web::frame::{Frame, render};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(admin_page))
        .route("/admin/{form}", web::post().to(admin_form))
        .route("/admin/{form}/{id}", web::post().to(admin_form_on));
}

struct RoleChoice {
    value: &'static str,
    label: &'static str,
}

/// A refused form, to show again with its messages and what was typed.
struct Refused {
    form: String,
    errors: FormErrors,
    kept: BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "admin.html", config = "src/web/askama.toml")]
struct AdminPage {
    frame: Frame,
    q: String,
    users: Vec<UserView>,
    users_total: i64,
    units: Vec<UnitRow>,
    sectors: Vec<SectorRow>,
    terms: Vec<TermWithSessions>,
    roles: Vec<RoleChoice>,
    notice: Option<String>,
    refused: Option<Refused>,
}

impl AdminPage {
    fn value(&self, form: &str, field: &str) -> &str {
        self.refused.as_ref().filter(|r| r.form == form).and_then(|r| r.kept.get(field)).map_or("", String::as_str)
    }

    fn errors_of(&self, form: &str) -> Vec<&str> {
        self.refused.as_ref().filter(|r| r.form == form).map(|r| r.errors.all()).unwrap_or_default()
    }

    fn error(&self, form: &str, field: &str) -> Option<&str> {
        self.refused.as_ref().filter(|r| r.form == form).and_then(|r| r.errors.get(field))
    }

    fn unit_name(&self, id: &Option<String>) -> String {
        id.as_ref().and_then(|id| self.units.iter().find(|u| &u.id == id)).map(|u| u.name.clone()).unwrap_or_default()
    }

    fn sector_name(&self, id: &Option<String>) -> String {
        id.as_ref().and_then(|id| self.sectors.iter().find(|s| &s.id == id)).map(|s| s.name.clone()).unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct AdminQuery {
    q: Option<String>,
}

fn administrator(visitor: &Visitor) -> Result<AuthUser, PageError> {
    let user = visitor.require()?.clone();
    if !may(user.role, Permission::ManageUsers) {
        return Err(AppError::not_found().into());
    }
    Ok(user)
}

async fn admin_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<AdminQuery>,
) -> Result<HttpResponse, PageError> {
    administrator(&visitor)?;
    let q = query.into_inner().q.unwrap_or_default();
    show(&state, &visitor, q, None, None, StatusCode::OK).await
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    q: String,
    notice: Option<String>,
    refused: Option<Refused>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let user = administrator(visitor)?;
    let search = q.trim().to_string();
    let (found, units, sectors, terms) = state
        .db
        .read(move |conn| {
            let query =
                UserQuery { role: None, q: (!search.is_empty()).then_some(search), page: Some(1), per_page: Some(100) };
            Ok((
                users::list(conn, &user, query)?,
                units::list(conn, &user)?,
                sectors::list(conn, &user)?,
                terms::list(conn, &user)?,
            ))
        })
        .await?;
    use strum::VariantArray;
    let page = AdminPage {
        frame: Frame::new(visitor, "系统管理", "/admin"),
        q,
        users_total: found.total,
        users: found.items,
        units,
        sectors,
        terms,
        roles: Role::VARIANTS.iter().map(|r| RoleChoice { value: r.as_str(), label: r.label_zh() }).collect(),
        notice,
        refused,
    };
    let mut answer = render(visitor, &page)?;
    *answer.status_mut() = status;
    Ok(answer)
}

async fn admin_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    form: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    handle(&state, &visitor, origin, form.into_inner(), None, Fields::new(fields.into_inner())).await
}

async fn admin_form_on(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    path: web::Path<(String, String)>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (form, id) = path.into_inner();
    handle(&state, &visitor, origin, form, Some(id), Fields::new(fields.into_inner())).await
}

async fn handle(
    state: &AppState,
    visitor: &Visitor,
    origin: Origin,
    form: String,
    id: Option<String>,
    f: Fields,
) -> Result<HttpResponse, PageError> {
    let user = administrator(visitor)?;
    visitor.check_form(state, &f.text("csrf"))?;
    match run(state, user, origin, &form, id.as_deref(), &f).await {
        Ok(notice) => show(state, visitor, f.text("q"), Some(notice), None, StatusCode::OK).await,
        Err(e) if is_for_the_form(&e) => {
            let status = e.kind.status();
            let refused = Refused { form, errors: FormErrors::of(&e), kept: f.kept() };
            show(state, visitor, f.text("q"), None, Some(refused), status).await
        }
        Err(e) => Err(e.into()),
    }
}

fn id_of<I: crate::ids::Id>(id: Option<&str>) -> AppResult<I> {
    id.and_then(I::parse).ok_or_else(AppError::not_found)
}

/// Runs one form's operation; answers what the page then says.
async fn run(
    state: &AppState,
    user: AuthUser,
    origin: Origin,
    form: &str,
    id: Option<&str>,
    f: &Fields,
) -> AppResult<String> {
    match form {
        "users" => {
            let body = CreateUserRequest {
                username: f.text("username"),
                display_name: f.text("display_name"),
                role: Role::parse(&f.text("role"))
                    .ok_or_else(|| AppError::invalid_field("role", "required", "请选择角色"))?,
                sector_id: f.optional("sector_id"),
                unit_id: f.optional("unit_id"),
                email: f.optional("email"),
                phone: f.optional("phone"),
                password: None,
            };
            let new = users::check_create(&user, body, &state.settings.auth)?;
            let hash = state.passwords.hash(new.password().to_string()).await?;
            let created = act(state, user, origin, move |conn, ctx| users::create(conn, ctx, new, hash)).await?;
            Ok(format!(
                "已创建账号 {}。初始密码（只显示这一次，请转交本人，首次登录须修改）：{}",
                created.user.username,
                created.temporary_password.unwrap_or_default()
            ))
        }
        "disable" | "enable" => {
            let target: UserId = id_of(id)?;
            let enable = form == "enable";
            let done = act(state, user, origin, move |conn, ctx| {
                if enable { users::enable(conn, ctx, &target) } else { users::disable(conn, ctx, &target) }
            })
            .await?;
            Ok(format!("账号 {} 已{}。", done.username, if enable { "启用" } else { "停用" }))
        }
        "reset-password" => {
            let target: UserId = id_of(id)?;
            let password = generate_temporary();
            let hash = state.passwords.hash(password.clone()).await?;
            let temporary = TemporaryPassword { password, hash };
            let done =
                act(state, user, origin, move |conn, ctx| users::reset_password(conn, ctx, &target, temporary)).await?;
            Ok(format!(
                "已重置 {} 的密码。临时密码（只显示这一次，首次登录须修改）：{}",
                done.user.username, done.temporary_password
            ))
        }
        "user" => {
            let target: UserId = id_of(id)?;
            let role = Role::parse(&f.text("role"))
                .ok_or_else(|| AppError::invalid_field("role", "required", "请选择角色"))?;
            let body = UpdateUserRequest {
                version: f.version()?,
                display_name: Some(f.text("display_name")),
                role: Some(role),
                sector_id: Some(f.optional("sector_id")),
                unit_id: Some(f.optional("unit_id")),
                email: Some(f.optional("email")),
                phone: Some(f.optional("phone")),
            };
            users::check_update(&user, &body)?;
            let done = act(state, user, origin, move |conn, ctx| users::update(conn, ctx, &target, body)).await?;
            Ok(format!("账号 {} 已修改。", done.username))
        }
        "unit" => {
            let target: UnitId = id_of(id)?;
            let body = UpdateUnitRequest {
                version: f.version()?,
                name: Some(f.text("name")),
                kind: Some(f.text("kind")),
                email: Some(f.optional("email")),
                active: None,
            };
            units::check_update(&user, &body)?;
            let unit = act(state, user, origin, move |conn, ctx| units::update(conn, ctx, &target, body)).await?;
            Ok(format!("承办单位 {} 已修改。", unit.name))
        }
        "sector" => {
            let target: SectorId = id_of(id)?;
            let sort_order = match f.optional("sort_order") {
                Some(n) => {
                    Some(n.trim().parse().map_err(|_| AppError::invalid_field("sort_order", "invalid", "请填写数字"))?)
                }
                None => None,
            };
            let body =
                UpdateSectorRequest { version: f.version()?, name: Some(f.text("name")), sort_order, active: None };
            sectors::check_update(&user, &body)?;
            let sector = act(state, user, origin, move |conn, ctx| sectors::update(conn, ctx, &target, body)).await?;
            Ok(format!("界别 {} 已修改。", sector.name))
        }
        "term" => {
            let target: TermId = id_of(id)?;
            let body = UpdateTermRequest {
                version: f.version()?,
                name: Some(f.text("name")),
                starts_on: Some(f.date("starts_on")?),
                ends_on: Some(f.optional_date("ends_on")?),
            };
            terms::check_update_term(&user, &body)?;
            let term = act(state, user, origin, move |conn, ctx| terms::update_term(conn, ctx, &target, body)).await?;
            Ok(format!("{}已修改。", term.name))
        }
        "session" => {
            let target: SessionId = id_of(id)?;
            let body = UpdateSessionRequest {
                version: f.version()?,
                name: Some(f.text("name")),
                opens_on: Some(f.date("opens_on")?),
                plenary_window_start: Some(f.date("plenary_window_start")?),
                plenary_window_end: Some(f.date("plenary_window_end")?),
                replies_due_on: Some(f.optional_date("replies_due_on")?),
            };
            terms::check_update_session(&user, &body)?;
            let session =
                act(state, user, origin, move |conn, ctx| terms::update_session(conn, ctx, &target, body)).await?;
            Ok(format!("{}已修改。", session.name))
        }
        "units" => {
            let body = CreateUnitRequest {
                code: f.text("code"),
                name: f.text("name"),
                kind: f.text("kind"),
                email: f.optional("email"),
            };
            let unit = act(state, user, origin, move |conn, ctx| units::create(conn, ctx, body)).await?;
            Ok(format!("已添加承办单位 {}。", unit.name))
        }
        "unit-active" => {
            let target: UnitId = id_of(id)?;
            let body = UpdateUnitRequest {
                version: f.version()?,
                name: None,
                kind: None,
                email: None,
                active: Some(f.yes("active")?),
            };
            units::check_update(&user, &body)?;
            let unit = act(state, user, origin, move |conn, ctx| units::update(conn, ctx, &target, body)).await?;
            Ok(format!("承办单位 {} 已{}。", unit.name, if unit.active { "启用" } else { "停用" }))
        }
        "sectors" => {
            let sort_order = match f.optional("sort_order") {
                Some(n) => {
                    Some(n.trim().parse().map_err(|_| AppError::invalid_field("sort_order", "invalid", "请填写数字"))?)
                }
                None => None,
            };
            let body = CreateSectorRequest { code: f.text("code"), name: f.text("name"), sort_order };
            let sector = act(state, user, origin, move |conn, ctx| sectors::create(conn, ctx, body)).await?;
            Ok(format!("已添加界别 {}。", sector.name))
        }
        "sector-active" => {
            let target: SectorId = id_of(id)?;
            let body = UpdateSectorRequest {
                version: f.version()?,
                name: None,
                sort_order: None,
                active: Some(f.yes("active")?),
            };
            sectors::check_update(&user, &body)?;
            let sector = act(state, user, origin, move |conn, ctx| sectors::update(conn, ctx, &target, body)).await?;
            Ok(format!("界别 {} 已{}。", sector.name, if sector.active { "启用" } else { "停用" }))
        }
        "terms" => {
            let number = f
                .text("number")
                .trim()
                .parse()
                .map_err(|_| AppError::invalid_field("number", "invalid", "请填写数字"))?;
            let body = CreateTermRequest {
                number,
                name: f.text("name"),
                starts_on: f.date("starts_on")?,
                ends_on: f.optional_date("ends_on")?,
            };
            let term = act(state, user, origin, move |conn, ctx| terms::create_term(conn, ctx, body)).await?;
            Ok(format!("已添加{}。", term.name))
        }
        "sessions" => {
            let term: TermId = id_of(id)?;
            let number = f
                .text("number")
                .trim()
                .parse()
                .map_err(|_| AppError::invalid_field("number", "invalid", "请填写数字"))?;
            let body = CreateSessionRequest {
                number,
                name: f.text("name"),
                opens_on: f.date("opens_on")?,
                plenary_window_start: f.date("plenary_window_start")?,
                plenary_window_end: f.date("plenary_window_end")?,
                replies_due_on: f.optional_date("replies_due_on")?,
            };
            terms::check_create_session(&user, &body)?;
            let session =
                act(state, user, origin, move |conn, ctx| terms::create_session(conn, ctx, &term, body)).await?;
            Ok(format!("已添加{}。", session.name))
        }
        _ => Err(AppError::not_found()),
    }
}
