//! A kept answer sent to one reader: 304 when they hold it already, the
//! gzip form when they take it, else the plain one.

use std::io::Read;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use super::{Kept, Packed};
use crate::compression;

/// 304 when the reader holds this very answer (If-None-Match), else the answer,
/// gzipped when the reader accepts it.
pub(super) fn answer(req: &HttpRequest, kept: &Kept) -> HttpResponse {
    answer_with(req, kept, None)
}

/// [`answer`], with the plain body at hand when the caller has it.
pub(super) fn answer_with(req: &HttpRequest, kept: &Kept, plain: Option<Bytes>) -> HttpResponse {
    let packed = matches!(kept.body, Packed::Gzip(_));
    let send_gzip = packed && compression::accepts_gzip(req);
    let etag = if send_gzip { kept.gzip_etag() } else { kept.etag.to_string() };
    let held =
        req.headers().get_all(header::IF_NONE_MATCH).filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
            |tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/") == etag
            },
        );
    // Readers may keep it as long as this instance does, then ask again.
    let mut builder = if held { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    builder.insert_header((header::ETAG, etag)).insert_header((header::CACHE_CONTROL, "public, no-cache"));
    if packed {
        builder.insert_header((header::VARY, "accept-encoding"));
    }
    if held {
        return builder.finish();
    }
    builder.content_type(kept.content_type);
    match (&kept.body, send_gzip) {
        (Packed::Gzip(gzip), true) => builder.insert_header((header::CONTENT_ENCODING, "gzip")).body(gzip.clone()),
        (Packed::Gzip(gzip), false) => match plain.or_else(|| gunzip(gzip)) {
            Some(body) => builder.body(body),
            None => HttpResponse::InternalServerError().finish(),
        },
        (Packed::Plain(body), _) => builder.body(body.clone()),
        // Read back before answering (`PublicCache::read_back`).
        (Packed::Spilled { .. }, _) => HttpResponse::InternalServerError().finish(),
    }
}

/// The plain form of a kept gzip answer, for a reader who does not take gzip.
fn gunzip(gzip: &[u8]) -> Option<Bytes> {
    let mut plain = Vec::with_capacity(gzip.len() * 3);
    flate2::read::GzDecoder::new(gzip).read_to_end(&mut plain).ok()?;
    Some(Bytes::from(plain))
}
