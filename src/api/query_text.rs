//! Every query string is read as UTF-8 or refused. actix's `Query` extractor
//! decodes percent escapes lossily (invalid bytes become U+FFFD), so a file
//! name sent as `%FF%FE.pdf` would be stored as "\u{FFFD}\u{FFFD}.pdf" while
//! the same bytes in a JSON body are refused. This middleware refuses them for
//! every route, before any extractor runs, with the same 400 problem.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::AppError;

/// Refuses a request whose query string does not decode to UTF-8.
pub async fn refuse_undecodable_query(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !decodes_to_utf8(req.query_string()) {
        // Built from the error, so the request's log line records it like any other refusal.
        let refusal = AppError::bad_request("查询参数不是有效的 UTF-8 文本 (the query string is not UTF-8)");
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// Whether the query, once its `%XX` escapes are decoded, is valid UTF-8. A `%`
/// not followed by two hex digits stays as it is (as the form decoder reads it).
pub fn decodes_to_utf8(query: &str) -> bool {
    if !query.contains('%') {
        // Already a &str, so already UTF-8.
        return true;
    }
    let bytes = query.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (bytes.get(i + 1).and_then(hex), bytes.get(i + 2).and_then(hex))
        {
            decoded.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    std::str::from_utf8(&decoded).is_ok()
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::decodes_to_utf8;

    #[test]
    fn escapes_must_decode_to_utf8() {
        for good in ["", "a=1&b=2", "file_name=%E6%8F%90%E6%A1%88.pdf", "q=a+b%20c", "q=100%", "q=%zz", "q=%4"] {
            assert!(decodes_to_utf8(good), "{good}");
        }
        for bad in ["file_name=%FF%FE.pdf", "q=%E6%8F", "q=%C0%80", "%80", "a=1&b=%ed%a0%80"] {
            assert!(!decodes_to_utf8(bad), "{bad}");
        }
    }
}
