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
