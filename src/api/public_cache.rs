//! Recently built public answers (a published proposal, a page of the list or
//! of a search, as JSON or as a page), kept for `server.public_cache_seconds`
//! and served again as they were, each with an ETag of its content: a reader
//! who has it already is answered 304 Not Modified. Published results change rarely and are read by everyone, so
//! each answer is built once in a while instead of once per reader.
//! Publishing clears this instance's answers at once; other instances behind
//! the load balancer catch up within the same time. Each answer is kept with its
//! gzip form too, made once, for the readers who accept it (`compression.rs`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::compression;

/// The most answers kept; the oldest go first.
const CAPACITY: usize = 4096;

#[derive(Clone, Default)]
pub struct PublicCache {
    inner: Arc<Mutex<Inner>>,
}

/// One answer as kept.
#[derive(Clone)]
struct Kept {
    at: Instant,
    body: Bytes,
    /// The body gzipped, when large enough to gain.
    gzip: Option<Bytes>,
    content_type: &'static str,
    /// The ETag of the body; the gzip form's is this one marked `-gz` (a
    /// different representation, so a different strong tag).
    etag: String,
}

impl Kept {
    fn gzip_etag(&self) -> String {
        format!("{}-gz\"", self.etag.trim_end_matches('"'))
    }
}

#[derive(Default)]
struct Inner {
    answers: HashMap<String, Kept>,
    order: VecDeque<String>,
}

impl PublicCache {
    /// The answer kept for `key`, if younger than `ttl`, to `req`.
    pub fn get(&self, req: &HttpRequest, key: &str, ttl: Duration) -> Option<HttpResponse> {
        let kept = {
            let inner = self.inner.lock().ok()?;
            let kept = inner.answers.get(key)?;
            if kept.at.elapsed() >= ttl {
                return None;
            }
            kept.clone()
        };
        Some(answer(req, &kept))
    }

    /// Keeps `body` (JSON) as the answer for `key`, and answers `req` with it.
    pub fn put(&self, req: &HttpRequest, key: String, body: Bytes) -> HttpResponse {
        self.put_as(req, key, body, "application/json")
    }

    /// Keeps `body` of `content_type` as the answer for `key`, and answers `req` with it.
    pub fn put_as(&self, req: &HttpRequest, key: String, body: Bytes, content_type: &'static str) -> HttpResponse {
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..20]);
        let gzip = compression::gzip_once(&body).map(Bytes::from);
        let kept = Kept { at: Instant::now(), body, gzip, content_type, etag };
        if let Ok(mut inner) = self.inner.lock() {
            if inner.answers.insert(key.clone(), kept.clone()).is_none() {
                inner.order.push_back(key);
            }
            while inner.order.len() > CAPACITY {
                if let Some(old) = inner.order.pop_front() {
                    inner.answers.remove(&old);
                }
            }
        }
        answer(req, &kept)
    }

    /// Forgets every answer (something was published).
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.answers.clear();
            inner.order.clear();
        }
    }
}

/// 304 when the reader holds this very answer (If-None-Match), else the answer,
/// gzipped when the reader accepts it.
fn answer(req: &HttpRequest, kept: &Kept) -> HttpResponse {
    let gzip = kept.gzip.as_ref().filter(|_| compression::accepts_gzip(req));
    let etag = if gzip.is_some() { kept.gzip_etag() } else { kept.etag.clone() };
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
    if kept.gzip.is_some() {
        builder.insert_header((header::VARY, "accept-encoding"));
    }
    match (held, gzip) {
        (true, _) => builder.finish(),
        (false, Some(gzip)) => {
            builder.content_type(kept.content_type).insert_header((header::CONTENT_ENCODING, "gzip")).body(gzip.clone())
        }
        (false, None) => builder.content_type(kept.content_type).body(kept.body.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use actix_web::test::TestRequest;

    #[test]
    fn an_answer_is_served_while_young_and_forgotten_when_cleared() {
        let cache = PublicCache::default();
        let req = TestRequest::default().to_http_request();
        let ttl = Duration::from_secs(60);
        assert!(cache.get(&req, "/a", ttl).is_none());
        cache.put(&req, "/a".into(), Bytes::from_static(b"{}"));
        assert!(cache.get(&req, "/a", ttl).is_some());
        assert!(cache.get(&req, "/a", Duration::ZERO).is_none(), "an expired answer is not served");
        cache.clear();
        assert!(cache.get(&req, "/a", ttl).is_none());
    }

    #[test]
    fn a_reader_holding_the_answer_is_told_it_has_not_changed() {
        let cache = PublicCache::default();
        let first = cache.put(&TestRequest::default().to_http_request(), "/a".into(), Bytes::from_static(b"{}"));
        let etag = first.headers().get(header::ETAG).expect("an ETag").to_str().expect("ASCII").to_string();
        let holding = TestRequest::default().insert_header((header::IF_NONE_MATCH, etag.clone())).to_http_request();
        let again = cache.get(&holding, "/a", Duration::from_secs(60)).expect("kept");
        assert_eq!(again.status(), actix_web::http::StatusCode::NOT_MODIFIED);
        let other = TestRequest::default().insert_header((header::IF_NONE_MATCH, "\"other\"")).to_http_request();
        assert_eq!(cache.get(&other, "/a", Duration::from_secs(60)).expect("kept").status(), 200);
    }

    #[actix_web::test]
    async fn a_reader_taking_gzip_gets_the_kept_gzip_form_with_its_own_tag() {
        use std::io::Read;
        let cache = PublicCache::default();
        let body = Bytes::from(format!("[{}]", vec!["\"关于加强社区养老服务的建议\""; 200].join(",")));
        let plain = cache.put(&TestRequest::default().to_http_request(), "/a".into(), body.clone());
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let gzip_reader = || TestRequest::default().insert_header((header::ACCEPT_ENCODING, "gzip, br"));
        let packed = cache.get(&gzip_reader().to_http_request(), "/a", Duration::from_secs(60)).expect("kept");
        assert_eq!(packed.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some("gzip"));
        assert_eq!(packed.headers().get(header::VARY).and_then(|v| v.to_str().ok()), Some("accept-encoding"));
        let tag = packed.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).expect("a tag").to_string();
        assert_ne!(Some(tag.as_str()), plain.headers().get(header::ETAG).and_then(|v| v.to_str().ok()));
        let bytes = actix_web::body::to_bytes(packed.into_body()).await.expect("a body");
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut text).expect("gzip");
        assert_eq!(text, body);
        let holding = gzip_reader().insert_header((header::IF_NONE_MATCH, tag)).to_http_request();
        assert_eq!(cache.get(&holding, "/a", Duration::from_secs(60)).expect("kept").status(), 304);
    }

    #[test]
    fn the_oldest_answers_make_room() {
        let cache = PublicCache::default();
        let req = TestRequest::default().to_http_request();
        for i in 0..CAPACITY + 10 {
            cache.put(&req, format!("/{i}"), Bytes::from_static(b"{}"));
        }
        let ttl = Duration::from_secs(60);
        assert!(cache.get(&req, "/0", ttl).is_none());
        assert!(cache.get(&req, &format!("/{}", CAPACITY + 9), ttl).is_some());
    }
}
