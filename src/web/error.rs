//! How a page answers when it cannot: a Chinese error page with the same
//! status the API would give (never SQL, paths or traces), or a redirect to
//! sign in (then back) or to change a temporary password.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::error::{AppError, ErrorKind};
use crate::web::frame::Frame;

#[derive(Debug)]
pub enum PageError {
    App(AppError),
    /// Not signed in: sign in, then come back to `next`.
    SignIn {
        next: String,
    },
    /// A temporary password must be changed before anything else.
    ChangePassword,
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::App(e)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::App(e) => e.fmt(f),
            PageError::SignIn { .. } => f.write_str("sign-in required"),
            PageError::ChangePassword => f.write_str("password change required"),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html", config = "src/web/askama.toml")]
struct ErrorPage<'a> {
    frame: Frame,
    status: u16,
    title: &'a str,
    detail: Option<&'a str>,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::App(e) => e.kind.status(),
            PageError::SignIn { .. } | PageError::ChangePassword => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let e = match self {
            PageError::SignIn { next } => {
                let location = format!("/sign-in?next={}", crate::web::frame::url_encode(next));
                return HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish();
            }
            PageError::ChangePassword => {
                return HttpResponse::SeeOther().insert_header((header::LOCATION, "/account/password")).finish();
            }
            PageError::App(e) => e,
        };
        if e.kind.status().is_server_error() {
            tracing::error!(kind = e.kind.slug(), cause = e.cause.as_deref().unwrap_or(""), "page failed");
        }
        let (title, _) = e.kind.titles();
        // A 404 says nothing of why: it is also the answer for what one may not see.
        let detail = if e.kind == ErrorKind::NotFound { None } else { e.detail.as_deref() };
        let page = ErrorPage { frame: Frame::bare(title), status: e.kind.status().as_u16(), title, detail };
        let mut answer = HttpResponse::build(e.kind.status());
        if let Some(seconds) = e.retry_after_seconds {
            answer.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        match page.render() {
            Ok(html) => answer.content_type("text/html; charset=utf-8").body(html),
            Err(_) => answer.content_type("text/plain; charset=utf-8").body(title.to_string()),
        }
    }
}
