//! Where a request came from: its id (set by the tracing middleware and echoed
//! in X-Request-Id) and the client's address, believing X-Forwarded-For only
//! when the peer is a configured trusted proxy.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::audit::Origin;
use crate::error::AppError;
use crate::state::AppState;

impl FromRequest for Origin {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(origin_of(req)))
    }
}

pub fn origin_of(req: &HttpRequest) -> Origin {
    let request_id = req.extensions().get::<tracing_actix_web::RequestId>().map(|id| id.to_string());
    let trusted: Vec<IpAddr> =
        req.app_data::<web::Data<AppState>>().map(|s| s.trusted_proxies.to_vec()).unwrap_or_default();
    Origin { request_id, client_addr: client_addr(req, &trusted) }
}

fn client_addr(req: &HttpRequest, trusted: &[IpAddr]) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer.to_string());
    }
    // Walk X-Forwarded-For from the right, skipping our own proxies.
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut candidate = peer;
    for part in forwarded.split(',').rev() {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) => {
                candidate = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(candidate.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn addr(peer: &str, forwarded: Option<&str>, trusted: &[&str]) -> Option<String> {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:5000").parse().unwrap());
        if let Some(f) = forwarded {
            req = req.insert_header(("x-forwarded-for", f));
        }
        let trusted: Vec<IpAddr> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_addr(&req.to_http_request(), &trusted)
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        assert_eq!(addr("192.0.2.1", Some("6.6.6.6"), &[]).as_deref(), Some("192.0.2.1"));
        assert_eq!(addr("10.0.0.1", Some("198.51.100.7"), &["10.0.0.1"]).as_deref(), Some("198.51.100.7"));
        // A client cannot hide behind a forged entry to the left of the real one.
        assert_eq!(addr("10.0.0.1", Some("6.6.6.6, 198.51.100.7"), &["10.0.0.1"]).as_deref(), Some("198.51.100.7"));
        // Chains of our own proxies are walked through.
        assert_eq!(
            addr("10.0.0.1", Some("198.51.100.7, 10.0.0.2"), &["10.0.0.1", "10.0.0.2"]).as_deref(),
            Some("198.51.100.7")
        );
        // Garbage stops the walk at the last address we could trust.
        assert_eq!(addr("10.0.0.1", Some("not-an-ip"), &["10.0.0.1"]).as_deref(), Some("10.0.0.1"));
    }
}
