//! The workflow's API: one module per stage. Every handler has one shape:
//! read the request, call the stage's operation in `crate::workflow` inside
//! one transaction (`perform`), answer with the proposal as the caller now
//! sees it.

pub mod attachments;
pub mod closing;
pub mod drafting;
pub mod handling;
pub mod requests;
pub mod review;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    drafting::configure(cfg);
    handling::configure(cfg);
    requests::configure(cfg);
    closing::configure(cfg);
    review::configure(cfg);
    attachments::configure(cfg);
}
