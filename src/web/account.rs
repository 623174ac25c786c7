//! Signing in and out, changing one's password, and one's mail preferences:
//! the same operations as /api/auth and /api/notices/preferences.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::acting::act;
use crate::audit::Origin;
use crate::auth::sign_in;
use crate::domain::notices::MailMode;
use crate::error::ErrorKind;
use crate::notify::preferences;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::forms::{FormErrors, is_for_the_form};
use crate::web::frame::{Frame, render, see_other};
use crate::web::session::{Visitor, safe_next};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sign-in", web::get().to(sign_in_page))
        .route("/sign-in", web::post().to(sign_in_form))
        .route("/sign-out", web::post().to(sign_out))
        .route("/account/password", web::get().to(password_page))
        .route("/account/password", web::post().to(password_form))
        .route("/account/mail", web::get().to(mail_page))
        .route("/account/mail", web::post().to(mail_form));
}

#[derive(Template)]
#[template(path = "sign_in.html", config = "src/web/askama.toml")]
struct SignInPage {
    frame: Frame,
    next: String,
    username: String,
    message: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn sign_in_page(visitor: Visitor, query: web::Query<NextQuery>) -> Result<HttpResponse, PageError> {
    let next = safe_next(query.next.as_deref().unwrap_or("/")).to_string();
    if visitor.user.is_some() {
        return Ok(see_other(&next));
    }
    let page =
        SignInPage { frame: Frame::new(&visitor, "登录", "/sign-in"), next, username: String::new(), message: None };
    render(&visitor, &page)
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn sign_in_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    visitor.check_form(&state, &form.csrf)?;
    let next = safe_next(&form.next).to_string();
    match sign_in::sign_in(&state, origin, form.username.clone(), form.password).await {
        Ok(tokens) => {
            let cookie = visitor.login_cookie(&state, &tokens)?;
            let to = if tokens.must_change_password { "/account/password" } else { next.as_str() };
            let mut answer = see_other(to);
            answer.add_cookie(&cookie).map_err(|e| crate::error::AppError::internal(format!("cookie: {e}")))?;
            Ok(answer)
        }
        Err(e) if is_for_the_form(&e) => {
            let message = match e.kind {
                ErrorKind::Validation => "请填写用户名和密码".to_string(),
                _ => e.detail.clone().unwrap_or_else(|| "用户名或密码错误".into()),
            };
            let page = SignInPage {
                frame: Frame::new(&visitor, "登录", "/sign-in"),
                next,
                username: form.username,
                message: Some(message),
            };
            let mut answer = render(&visitor, &page)?;
            *answer.status_mut() = e.kind.status();
            Ok(answer)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = visitor.user.clone() else {
        return Ok(see_other("/"));
    };
    visitor.check_form(&state, &form.csrf)?;
    sign_in::sign_out(&state, origin, user).await?;
    let mut answer = see_other("/");
    answer
        .add_cookie(&visitor.logout_cookie())
        .map_err(|e| crate::error::AppError::internal(format!("cookie: {e}")))?;
    Ok(answer)
}

struct PasswordField {
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
}

const PASSWORD_FIELDS: [PasswordField; 3] = [
    PasswordField { name: "current_password", label: "当前密码", autocomplete: "current-password" },
    PasswordField { name: "new_password", label: "新密码", autocomplete: "new-password" },
    PasswordField { name: "new_password_again", label: "再次输入新密码", autocomplete: "new-password" },
];

#[derive(Template)]
#[template(path = "password.html", config = "src/web/askama.toml")]
struct PasswordPage {
    frame: Frame,
    must_change: bool,
    done: bool,
    errors: FormErrors,
    fields: &'static [PasswordField],
    min_length: usize,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<bool>,
}

fn password_page_for(
    state: &AppState,
    visitor: &Visitor,
    done: bool,
    errors: FormErrors,
) -> Result<HttpResponse, PageError> {
    let must_change = visitor.user.as_ref().is_some_and(|u| u.must_change_password);
    let page = PasswordPage {
        frame: Frame::new(visitor, "修改密码", "/account/password"),
        must_change,
        done,
        errors,
        fields: &PASSWORD_FIELDS,
        min_length: state.settings.auth.password_min_chars,
    };
    render(visitor, &page)
}

async fn password_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    if visitor.user.is_none() {
        return Err(PageError::SignIn { next: visitor.asked.clone() });
    }
    password_page_for(&state, &visitor, query.done.unwrap_or(false), FormErrors::none())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

/// Passwords typed are never sent back in a refused form: only the messages.
async fn password_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = visitor.user.clone() else {
        return Err(PageError::SignIn { next: "/account/password".into() });
    };
    let form = form.into_inner();
    visitor.check_form(&state, &form.csrf)?;
    if form.new_password != form.new_password_again {
        let errors = FormErrors::none().field("new_password_again", "两次输入的新密码不一致");
        return refused(password_page_for(&state, &visitor, false, errors), ErrorKind::Validation);
    }
    match sign_in::change_password(&state, origin, user, form.current_password, form.new_password).await {
        Ok(tokens) => {
            let cookie = visitor.login_cookie(&state, &tokens)?;
            let mut answer = see_other("/account/password?done=true");
            answer.add_cookie(&cookie).map_err(|e| crate::error::AppError::internal(format!("cookie: {e}")))?;
            Ok(answer)
        }
        Err(e) if is_for_the_form(&e) => {
            refused(password_page_for(&state, &visitor, false, FormErrors::of(&e)), e.kind)
        }
        Err(e) => Err(e.into()),
    }
}

/// A form shown again with its messages, under the status the API gives the same refusal.
pub fn refused(page: Result<HttpResponse, PageError>, kind: ErrorKind) -> Result<HttpResponse, PageError> {
    let mut answer = page?;
    *answer.status_mut() = kind.status();
    Ok(answer)
}

struct MailChoice {
    notice: String,
    label: &'static str,
    mode: MailMode,
    chosen: bool,
}

struct ModeOption {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "mail.html", config = "src/web/askama.toml")]
struct MailPage {
    frame: Frame,
    choices: Vec<MailChoice>,
    modes: Vec<ModeOption>,
    saved: bool,
    errors: FormErrors,
}

fn mail_page_for(
    visitor: &Visitor,
    found: Vec<preferences::Preference>,
    saved: bool,
    errors: FormErrors,
) -> Result<HttpResponse, PageError> {
    use strum::VariantArray;
    let choices = found
        .into_iter()
        .map(|p| MailChoice {
            label: crate::domain::notices::Notice::parse(&p.notice).map(|n| n.label_zh()).unwrap_or(""),
            notice: p.notice,
            mode: p.mode,
            chosen: p.chosen,
        })
        .collect();
    let modes = MailMode::VARIANTS.iter().map(|m| ModeOption { value: m.as_str(), label: m.label_zh() }).collect();
    let page =
        MailPage { frame: Frame::new(visitor, "邮件提醒设置", "/account/mail"), choices, modes, saved, errors };
    render(visitor, &page)
}

async fn mail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let settings = state.settings.clone();
    let found = state.db.read(move |conn| preferences::list(conn, &user, &settings.mail)).await?;
    mail_page_for(&visitor, found, query.done.unwrap_or(false), FormErrors::none())
}

/// The form posts every kind with its mode (`notice` → mode) and the token.
async fn mail_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    form: web::Form<BTreeMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let mut form = form.into_inner();
    visitor.check_form(&state, &form.remove("csrf").unwrap_or_default())?;
    let mut choices = BTreeMap::new();
    for (notice, mode) in form {
        match MailMode::parse(&mode) {
            Some(mode) => {
                choices.insert(notice, mode);
            }
            None => {
                let errors = FormErrors::none().field(&notice, "请选择一种提醒方式");
                let settings = state.settings.clone();
                let reader = user.clone();
                let found = state.db.read(move |conn| preferences::list(conn, &reader, &settings.mail)).await?;
                return refused(mail_page_for(&visitor, found, false, errors), ErrorKind::Validation);
            }
        }
    }
    match act(&state, user.clone(), origin, move |conn, ctx| preferences::set(conn, ctx, choices)).await {
        Ok(_) => Ok(see_other("/account/mail?done=true")),
        Err(e) if is_for_the_form(&e) => {
            let settings = state.settings.clone();
            let found = state.db.read(move |conn| preferences::list(conn, &user, &settings.mail)).await?;
            refused(mail_page_for(&visitor, found, false, FormErrors::of(&e)), e.kind)
        }
        Err(e) => Err(e.into()),
    }
}
