//! Answers compressed with gzip for clients that accept it (`Accept-Encoding`).
//! Text of some size is compressed (pages, JSON, CSV, scripts, styles); what is
//! compressed already (workbooks, documents, images, fonts) and answers too
//! small to gain are sent as they are. Kept public answers carry their gzip
//! form, made once when kept (`public_cache.rs`), and pass through here
//! untouched.

use actix_http::encoding::Encoder;
use actix_web::HttpMessage;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ResponseHead, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, HeaderMap, HeaderValue};
use actix_web::middleware::Next;

/// Below this many bytes gzip's own header and trailer eat most of the gain.
pub const SMALLEST_WORTH_COMPRESSING: usize = 1024;

/// Whether a request with these headers takes a gzip answer (q-values honoured).
pub fn accepts_gzip(message: &impl HttpMessage) -> bool {
    message
        .get_header::<AcceptEncoding>()
        .and_then(|accepted| accepted.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        == Some(Encoding::gzip())
}

/// Whether an answer of this type is text that gzip shrinks.
pub fn is_compressible(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json" | "application/javascript" | "application/xml" | "image/svg+xml"
        )
}

/// The middleware: compresses the answer when the client takes gzip and it is worth it.
/// An answer held whole is packed here at once and sent with its length, in one
/// write; only a stream (a large export) goes through actix's chunked encoder.
pub async fn compress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let takes_gzip = accepts_gzip(&req);
    let res = next.call(req).await?;
    Ok(res.map_body(move |head, body| {
        if !(takes_gzip && worth_compressing(head, body.size())) {
            // The answer may differ by Accept-Encoding; caches must know it.
            if is_compressible(head.headers()) && !head.headers().contains_key(header::CONTENT_ENCODING) {
                vary_by_encoding(head.headers_mut());
            }
            return body.boxed();
        }
        match body.try_into_bytes() {
            Ok(whole) => match gzip(&whole) {
                Some(packed) => {
                    head.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                    vary_by_encoding(head.headers_mut());
                    BoxBody::new(packed)
                }
                None => BoxBody::new(whole),
            },
            // The encoder adds Content-Encoding and Vary itself.
            Err(stream) => Encoder::response(ContentEncoding::Gzip, head, stream).boxed(),
        }
    }))
}

/// Says that the answer differs by Accept-Encoding (once).
pub fn vary_by_encoding(headers: &mut HeaderMap) {
    let said = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding"));
    if !said {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

/// The gzip form of `body` for keeping and sending many times; `None` when too
/// small to gain.
pub fn gzip_once(body: &[u8]) -> Option<Vec<u8>> {
    if body.len() < SMALLEST_WORTH_COMPRESSING {
        return None;
    }
    gzip(body)
}

/// gzip (RFC 1952, fastest level) around raw deflate, with the deflate state kept
/// per thread and reset between answers: a fresh state allocates and clears a few
/// hundred kilobytes, which cost more than packing a page of a few kilobytes.
fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    use std::cell::RefCell;
    thread_local! {
        static DEFLATE: RefCell<Option<flate2::Compress>> = const { RefCell::new(None) };
    }
    DEFLATE.with(|cell| {
        let mut kept = cell.try_borrow_mut().ok()?;
        let deflate = match kept.as_mut() {
            Some(deflate) => {
                deflate.reset();
                deflate
            }
            None => kept.insert(flate2::Compress::new(flate2::Compression::fast(), false)),
        };
        // Header: magic, deflate, no flags, no time, no extra flags, unknown system.
        let mut out = Vec::with_capacity(body.len() / 3 + 64);
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        loop {
            let read = deflate.total_in() as usize;
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity() / 2 + 64);
            }
            match deflate.compress_vec(&body[read..], &mut out, flate2::FlushCompress::Finish).ok()? {
                flate2::Status::StreamEnd => break,
                flate2::Status::Ok | flate2::Status::BufError => {}
            }
        }
        let mut crc = flate2::Crc::new();
        crc.update(body);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        Some(out)
    })
}

fn worth_compressing(head: &ResponseHead, size: BodySize) -> bool {
    let big_enough = match size {
        BodySize::Sized(n) => n >= SMALLEST_WORTH_COMPRESSING as u64,
        BodySize::Stream => true,
        BodySize::None => false,
    };
    big_enough
        && head.status != StatusCode::NOT_MODIFIED
        && head.status != StatusCode::PARTIAL_CONTENT
        && !head.headers().contains_key(header::CONTENT_ENCODING)
        && is_compressible(head.headers())
}

#[cfg(test)]
mod tests {
    use super::*;

    use actix_web::test::TestRequest;

    #[test]
    fn gzip_is_taken_only_when_the_client_accepts_it() {
        let with = |value: &str| {
            accepts_gzip(&TestRequest::default().insert_header(("Accept-Encoding", value)).to_http_request())
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("deflate, gzip;q=0.5"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br"));
        assert!(!with("identity"));
        assert!(!accepts_gzip(&TestRequest::default().to_http_request()), "no header: as they are");
    }

    #[actix_web::test]
    async fn an_answer_held_whole_is_sent_packed_with_its_length() {
        use actix_web::{App, HttpResponse, middleware, test, web};
        let page = "<p>关于加强社区养老服务的建议</p>".repeat(100);
        let expected = page.clone();
        let app = test::init_service(App::new().wrap(middleware::from_fn(compress)).route(
            "/",
            web::get().to(move || {
                let page = page.clone();
                async move { HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page) }
            }),
        ))
        .await;
        let req = test::TestRequest::get().uri("/").insert_header((header::ACCEPT_ENCODING, "gzip")).to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some("gzip"));
        // Sized, so written in one piece with Content-Length, never chunked.
        let BodySize::Sized(length) = res.response().body().size() else { panic!("a sized body") };
        let packed = test::read_body(res).await;
        assert_eq!(packed.len() as u64, length);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&packed[..]), &mut text).expect("gzip");
        assert_eq!(text, expected);
    }

    #[test]
    fn packed_answers_unpack_to_themselves_one_after_another() {
        use std::io::Read;
        let unpack = |packed: &[u8]| {
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(packed).read_to_end(&mut text).expect("valid gzip");
            text
        };
        let long: Vec<u8> = (0..300_000u32).flat_map(|i| (i * 7919 % 65_521).to_le_bytes()).collect();
        for body in [b"{\"items\":[]}".repeat(200), long, "养老服务".repeat(5_000).into_bytes(), Vec::new()] {
            let packed = gzip(&body).expect("packed");
            assert_eq!(unpack(&packed), body, "{} bytes", body.len());
        }
        assert!(gzip_once(b"short").is_none(), "too small to gain");
    }

    #[test]
    fn text_is_compressed_and_what_is_compressed_already_is_not() {
        let typed = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).expect("a header value"));
            is_compressible(&headers)
        };
        for text in [
            "text/html; charset=utf-8",
            "application/json",
            "application/problem+json",
            "text/csv; charset=utf-8",
            "text/css",
            "application/javascript",
        ] {
            assert!(typed(text), "{text}");
        }
        for packed in [
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "image/png",
            "application/zip",
            "font/woff2",
            "application/octet-stream",
        ] {
            assert!(!typed(packed), "{packed}");
        }
    }
}
