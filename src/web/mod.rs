//! The pages: server-rendered HTML in Chinese for everyone who uses the
//! service, over the same operations and reads as the JSON API (`crate::api`
//! is never called from here). A page handler reads the form, calls one
//! operation or read, and renders a template; the decisions stay in
//! `crate::domain`.
//!
//! Sign-in lives in an HttpOnly cookie (see [`session`]) checked against the
//! same login rows as the API's tokens; every form carries a token against
//! cross-site posting ([`session::Visitor::check_form`]).

pub mod account;
pub mod actions;
pub mod admin;
pub mod assets;
pub mod error;
pub mod fields;
pub mod files;
pub mod forms;
pub mod frame;
pub mod home;
pub mod imports;
pub mod letter;
pub mod notices;
pub mod office_statistics;
pub mod open_data;
pub mod proposal_page;
pub mod proposals;
pub mod public;
pub mod session;
pub mod statistics;
pub mod stream;
pub mod summary_export;
pub mod work;

use actix_web::web;

pub use error::PageError;

/// Mounts every page. Not under /api, and not in the OpenAPI document.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(256 * 1024).error_handler(|err, _| {
        PageError::from(crate::error::AppError::bad_request(format!("表单内容有误: {err}"))).into()
    }));
    assets::configure(cfg);
    // Early: routes are tried in order, and the public pages are read most.
    public::configure(cfg);
    home::configure(cfg);
    account::configure(cfg);
    admin::configure(cfg);
    notices::configure(cfg);
    actions::configure(cfg);
    letter::configure(cfg);
    files::configure(cfg);
    // Before the proposals' own pages, whose /proposals/{id} would take export.csv for an id.
    summary_export::configure(cfg);
    proposals::configure(cfg);
    statistics::configure(cfg);
    office_statistics::configure(cfg);
    open_data::configure(cfg);
    imports::configure(cfg);
    work::configure(cfg);
}
