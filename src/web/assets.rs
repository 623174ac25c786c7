//! The pages' own files, built into the binary: nothing is loaded from
//! elsewhere (no CDN, no web font; Chinese in the system's fonts). Each is
//! served under a name carrying a hash of its content, so it can be kept by
//! browsers for a year and a new build is fetched at once.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

const STYLESHEET: &str = include_str!("assets/site.css");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{name}", web::get().to(asset));
}

/// `/assets/site-<hash>.css`.
pub fn stylesheet_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let hash = hex::encode(Sha256::digest(STYLESHEET.as_bytes()));
        format!("/assets/site-{}.css", &hash[..12])
    })
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    let asked = format!("/assets/{}", name.into_inner());
    if asked == stylesheet_path() {
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .content_type("text/css; charset=utf-8")
            .body(STYLESHEET)
    } else {
        HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("未找到")
    }
}
