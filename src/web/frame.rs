//! What every page has around its content: the title, who is signed in,
//! the navigation for their role, the stylesheet and the form token; and
//! [`render`], which turns a page into an answer.

use actix_web::HttpResponse;
use actix_web::http::header;
use askama::Template;

use crate::auth::AuthUser;
use crate::domain::{Permission, Role, may};
use crate::web::PageError;
use crate::web::session::Visitor;

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct SignedInAs {
    pub name: String,
    pub role: &'static str,
    /// May read a proposal's audit trail (the page links to it).
    pub reads_audit_trail: bool,
}

pub struct Frame {
    pub title: String,
    pub user: Option<SignedInAs>,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    pub css: &'static str,
}

impl Frame {
    /// The frame of a page for `visitor`; `here` marks the current link.
    pub fn new(visitor: &Visitor, title: impl Into<String>, here: &str) -> Frame {
        let user = visitor.user.as_ref().filter(|u| !u.must_change_password);
        Frame {
            title: title.into(),
            user: visitor.user.as_ref().map(|u| SignedInAs {
                name: u.display_name.clone(),
                role: u.role.label_zh(),
                reads_audit_trail: may(u.role, Permission::ReadAuditTrail),
            }),
            csrf: visitor.csrf.clone(),
            nav: nav(user, here),
            css: crate::web::assets::stylesheet_path(),
        }
    }

    /// The frame of a page the same for everyone (public pages, which are
    /// kept and served to all alike, and error pages).
    pub fn bare(title: impl Into<String>) -> Frame {
        Frame::shared(title, "")
    }

    /// A page the same for everyone, with `here` marked in the navigation.
    pub fn shared(title: impl Into<String>, here: &str) -> Frame {
        Frame {
            title: title.into(),
            user: None,
            csrf: String::new(),
            nav: nav(None, here),
            css: crate::web::assets::stylesheet_path(),
        }
    }
}

/// The links of the top bar: what the role works with.
fn nav(user: Option<&AuthUser>, here: &str) -> Vec<NavLink> {
    let mut links: Vec<(&'static str, &'static str)> = vec![("/", "首页")];
    if let Some(user) = user {
        // The administrator keeps the roll, not proposals.
        let proposals = (user.role != Role::Admin).then(|| crate::web::proposals::list_title(user.role));
        if let Some(label) = proposals {
            links.push(("/proposals", label));
        }
        let chases = may(user.role, Permission::ChaseDeadlines) || may(user.role, Permission::SeeOwnUnitDeadlines);
        if chases {
            links.push(("/deadlines", "办理期限"));
        }
        if may(user.role, Permission::ReadStatistics) {
            links.push(("/statistics", "提案统计"));
        }
        if may(user.role, Permission::ManageUsers) {
            links.push(("/admin", "系统管理"));
        }
        links.push(("/notices", "通知"));
        links.push(("/account/password", "账号"));
    }
    links.push(("/public", "公开结果"));
    links.push(("/public/statistics", "办理统计"));
    links.into_iter().map(|(href, label)| NavLink { href, label, current: href == here }).collect()
}

/// A page as an answer: HTML, not kept by any cache (it shows one person's
/// work), with the visitor's cookies.
pub fn render(visitor: &Visitor, page: &impl Template) -> Result<HttpResponse, PageError> {
    let html = page.render().map_err(|e| crate::error::AppError::internal(format!("template: {e}")))?;
    let mut answer = HttpResponse::Ok();
    answer.insert_header((header::CACHE_CONTROL, "no-store"));
    visitor.finish(&mut answer);
    Ok(answer.content_type("text/html; charset=utf-8").body(html))
}

/// After a form succeeded: see the result at `to` (303, so that reloading does not post again).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

/// Percent-encodes a query value.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A moment as the office reads it: its local date and time.
pub fn local_time(state: &crate::state::AppState, at: chrono::NaiveDateTime) -> String {
    state.office.local(at).format("%Y-%m-%d %H:%M").to_string()
}

/// A deadline as the office reads it: its local date.
pub fn local_date(state: &crate::state::AppState, at: chrono::NaiveDateTime) -> String {
    state.office.local(at).format("%Y-%m-%d").to_string()
}
