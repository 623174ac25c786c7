//! Recently built public answers (a published proposal, a page of the list or
//! of a search), kept for `server.public_cache_seconds` and served again as
//! they were. Published results change rarely and are read by everyone, so
//! each answer is built once in a while instead of once per reader.
//! Publishing clears this instance's answers at once; other instances behind
//! the load balancer catch up within the same time.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use actix_web::web::Bytes;

/// The most answers kept; the oldest go first.
const CAPACITY: usize = 4096;

#[derive(Clone, Default)]
pub struct PublicCache {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    answers: HashMap<String, (Instant, Bytes)>,
    order: VecDeque<String>,
}

impl PublicCache {
    /// The answer kept for `key`, if younger than `ttl`.
    pub fn get(&self, key: &str, ttl: Duration) -> Option<HttpResponse> {
        let inner = self.inner.lock().ok()?;
        let (at, body) = inner.answers.get(key)?;
        (at.elapsed() < ttl).then(|| json(body.clone()))
    }

    /// Keeps `body` as the answer for `key`, and answers with it.
    pub fn put(&self, key: String, body: Bytes) -> HttpResponse {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.answers.insert(key.clone(), (Instant::now(), body.clone())).is_none() {
                inner.order.push_back(key);
            }
            while inner.order.len() > CAPACITY {
                if let Some(old) = inner.order.pop_front() {
                    inner.answers.remove(&old);
                }
            }
        }
        json(body)
    }

    /// Forgets every answer (something was published).
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.answers.clear();
            inner.order.clear();
        }
    }
}

fn json(body: Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_served_while_young_and_forgotten_when_cleared() {
        let cache = PublicCache::default();
        let ttl = Duration::from_secs(60);
        assert!(cache.get("/a", ttl).is_none());
        cache.put("/a".into(), Bytes::from_static(b"{}"));
        assert!(cache.get("/a", ttl).is_some());
        assert!(cache.get("/a", Duration::ZERO).is_none(), "an expired answer is not served");
        cache.clear();
        assert!(cache.get("/a", ttl).is_none());
    }

    #[test]
    fn the_oldest_answers_make_room() {
        let cache = PublicCache::default();
        for i in 0..CAPACITY + 10 {
            cache.put(format!("/{i}"), Bytes::from_static(b"{}"));
        }
        let ttl = Duration::from_secs(60);
        assert!(cache.get("/0", ttl).is_none());
        assert!(cache.get(&format!("/{}", CAPACITY + 9), ttl).is_some());
    }
}
