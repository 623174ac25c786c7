//! Built public answers (a published proposal, a page of the list or of a
//! search, as JSON or as a page), served again as they were, each with an
//! ETag of its content: a reader who has it already is answered 304 Not
//! Modified. Published results change rarely and are read by everyone, so
//! each answer is built once instead of once per reader.
//!
//! An answer made from published results is valid while what it shows is
//! unchanged, as the public index tells (`proposals/public_index.rs`): a new
//! generation, which any change to what the public reads makes (on this
//! instance at once, on another within `server.public_refresh_seconds`),
//! drops every page of the list and of a search, and an answer about one
//! proposal goes only when that proposal was read again. Answers made from
//! what changes without a new generation (the public statistics) are kept
//! for that many seconds.
//!
//! The answers are kept within `server.public_cache_megabytes`, counted in
//! the bytes kept, oldest out first. An answer about one published proposal
//! pushed out of memory goes to a spill file (`spill.rs`, at most
//! `server.public_cache_spill_megabytes`) and is served from there, so that
//! a whole district reading every published proposal at once reads neither
//! the database nor more memory than the budget; only past the spill file's
//! size is such an answer forgotten. What each one leaves in memory (its key,
//! tag and place, about a quarter of a kilobyte) is outside the budget: there
//! are at most three a published proposal (JSON, page, letter), as there is
//! a line of the public index. A page of the list or of a search pushed out
//! is forgotten: any publication drops it anyway, and its keys are as many
//! as the filters and words readers try. An answer large enough to gain is kept only
//! in its gzip form (made once, `compression.rs`), which nearly every reader
//! accepts; the rare reader who does not gets it unpacked.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::compression;

mod answer;
mod spill;
use answer::{answer, answer_with};
use spill::Spill;

/// What keeping one answer costs besides its bytes (its key, tag and places).
const OVERHEAD_BYTES: usize = 160;

#[derive(Clone)]
pub struct PublicCache {
    inner: Arc<Mutex<Inner>>,
    budget_bytes: usize,
    /// Where answers pushed out of memory go, when there is one.
    spill: Option<Arc<Spill>>,
    /// The answers being built, each by one request (see [`PublicCache::lookup`]).
    building: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// What [`PublicCache::lookup`] found.
pub enum Lookup {
    /// The kept answer, ready to send.
    Kept(HttpResponse),
    /// None kept: this request builds it, and the others asking meanwhile wait.
    Build(Turn),
}

/// A request's turn to build one answer; the next waiting request goes on
/// when it is dropped (and finds the answer kept).
pub struct Turn {
    key: String,
    slot: Arc<tokio::sync::Mutex<()>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    building: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.guard.take();
        let mut building = self.building.lock().unwrap_or_else(|p| p.into_inner());
        // Nobody else holds the slot (the map's and this turn's handles are the only ones): forget it.
        if Arc::strong_count(&self.slot) == 2 && building.get(&self.key).is_some_and(|s| Arc::ptr_eq(s, &self.slot)) {
            building.remove(&self.key);
        }
    }
}

/// How long a kept answer may be served.
#[derive(Debug, Clone, Copy)]
pub enum Fresh {
    /// While the public index stays at this generation: an answer about many
    /// proposals (a page of the list or of a search), which any publication
    /// may change.
    In(u64),
    /// An answer about one published proposal, built with the index at
    /// generation `now`: valid while that proposal has not changed, that is
    /// for as long as it was built at or after the generation `since` in
    /// which the index last read the proposal. So a day of publications does
    /// not throw away every other proposal's kept answer.
    Since { since: u64, now: u64 },
    /// For this long after it was built (and while the generation stays):
    /// an answer that changes without a new generation (the public statistics).
    For(Duration),
}

impl Fresh {
    /// The newest generation this request knows of.
    fn now(self) -> Option<u64> {
        match self {
            Fresh::In(now) | Fresh::Since { now, .. } => Some(now),
            Fresh::For(_) => None,
        }
    }
}

/// One answer as kept.
#[derive(Clone)]
struct Kept {
    at: Instant,
    /// The generation of the public index it was built in.
    built_in: u64,
    /// Whether it outlives its generation ([`Fresh::Since`]).
    about_one: bool,
    body: Packed,
    content_type: &'static str,
    /// The ETag of the plain body; the gzip form's is this one marked `-gz`
    /// (a different representation, so a different strong tag).
    etag: Arc<str>,
}

/// An answer's bytes as kept: plain when too small to gain from packing.
#[derive(Clone)]
enum Packed {
    Plain(Bytes),
    Gzip(Bytes),
    /// Moved to the spill file, in its gzip form or not.
    Spilled {
        place: spill::Place,
        gzip: bool,
    },
}

impl Kept {
    fn gzip_etag(&self) -> String {
        format!("{}-gz\"", self.etag.trim_end_matches('"'))
    }

    /// What it takes of the budget: nothing once in the spill file.
    fn cost(&self, key: &str) -> usize {
        match &self.body {
            Packed::Plain(b) | Packed::Gzip(b) => key.len() + b.len() + self.etag.len() + OVERHEAD_BYTES,
            Packed::Spilled { .. } => 0,
        }
    }
}

#[derive(Default)]
struct Inner {
    /// The newest generation of the public index seen; every answer kept was
    /// built in it.
    generation: u64,
    answers: HashMap<String, Kept>,
    /// The keys of the answers in memory, oldest first (a key may linger
    /// after its answer moved or went: each is checked when taken).
    order: VecDeque<String>,
    /// What the answers in memory take of the budget.
    used_bytes: usize,
}

impl Inner {
    /// Moves to `generation` when it is newer, forgetting every answer of the
    /// older one but those about one proposal, which are checked when asked for.
    fn advance(&mut self, generation: u64) {
        if generation > self.generation {
            self.generation = generation;
            self.answers.retain(|_, kept| kept.about_one);
            self.recount();
        }
    }

    /// Forgets every answer in the spill file (it started again).
    fn forget_spilled(&mut self) {
        self.answers.retain(|_, kept| !matches!(kept.body, Packed::Spilled { .. }));
        self.recount();
    }

    /// Drops the keys of answers gone and counts again what the rest take.
    fn recount(&mut self) {
        let answers = &self.answers;
        self.order.retain(|key| answers.get(key).is_some_and(|kept| !matches!(kept.body, Packed::Spilled { .. })));
        self.used_bytes = answers.iter().map(|(key, kept)| kept.cost(key)).sum();
    }

    fn forget(&mut self, key: &str) {
        if let Some(gone) = self.answers.remove(key) {
            self.used_bytes = self.used_bytes.saturating_sub(gone.cost(key));
        }
    }
}

impl PublicCache {
    /// A cache keeping answers within `budget_bytes`.
    pub fn new(budget_bytes: usize) -> Self {
        PublicCache { inner: Arc::default(), budget_bytes, spill: None, building: Arc::default() }
    }

    /// This cache, moving answers pushed out of memory to a spill file of at
    /// most `budget_bytes` in `dir` (none when 0, or when it cannot be made:
    /// then they are forgotten, as without one).
    pub fn spilling_into(mut self, dir: &std::path::Path, budget_bytes: u64) -> Self {
        if budget_bytes > 0 {
            match Spill::open(dir, budget_bytes) {
                Ok(spill) => self.spill = Some(Arc::new(spill)),
                Err(e) => tracing::warn!(error = %e, dir = %dir.display(), "no spill file for public answers"),
            }
        }
        self
    }

    /// The answer kept for `key`, or this request's turn to build it. When
    /// many readers ask at once for an answer nobody has built yet (a
    /// district opening the day's results), one builds it and the others
    /// wait for it, instead of all reading the database for the same answer.
    pub async fn lookup(&self, req: &HttpRequest, key: &str, fresh: Fresh) -> Lookup {
        if let Some(kept) = self.get(req, key, fresh) {
            return Lookup::Kept(kept);
        }
        let slot = {
            let mut building = self.building.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(building.entry(key.to_string()).or_default())
        };
        let guard = Arc::clone(&slot).lock_owned().await;
        let turn = Turn { key: key.to_string(), slot, guard: Some(guard), building: Arc::clone(&self.building) };
        match self.get(req, key, fresh) {
            Some(kept) => Lookup::Kept(kept),
            None => Lookup::Build(turn),
        }
    }

    /// The answer kept for `key`, if still `fresh`, to `req`.
    pub fn get(&self, req: &HttpRequest, key: &str, fresh: Fresh) -> Option<HttpResponse> {
        let kept = {
            let mut inner = self.inner.lock().ok()?;
            if let Some(now) = fresh.now() {
                inner.advance(now);
            }
            let kept = inner.answers.get(key)?;
            let valid = match fresh {
                Fresh::In(_) => true,
                Fresh::Since { since, .. } => kept.built_in >= since,
                Fresh::For(ttl) => kept.at.elapsed() < ttl,
            };
            if !valid {
                return None;
            }
            kept.clone()
        };
        Some(answer(req, &self.read_back(kept)?))
    }

    /// `kept` with its bytes at hand: read back from the spill file when they
    /// are there (none when the file started again since).
    fn read_back(&self, kept: Kept) -> Option<Kept> {
        let Packed::Spilled { place, gzip } = kept.body else { return Some(kept) };
        let bytes = self.spill.as_ref()?.get(place)?;
        let body = if gzip { Packed::Gzip(bytes) } else { Packed::Plain(bytes) };
        Some(Kept { body, ..kept })
    }

    /// Keeps `body` (JSON) as the answer for `key`, and answers `req` with it.
    pub fn put(&self, req: &HttpRequest, key: String, body: Bytes, fresh: Fresh) -> HttpResponse {
        self.put_as(req, key, body, "application/json", fresh)
    }

    /// Keeps `body` of `content_type` as the answer for `key`, and answers `req` with it.
    /// An answer built in an older generation than the newest seen is not kept.
    pub fn put_as(
        &self,
        req: &HttpRequest,
        key: String,
        body: Bytes,
        content_type: &'static str,
        fresh: Fresh,
    ) -> HttpResponse {
        let (kept, _) = self.keep(key, &body, content_type, fresh, Room::MakeIt);
        answer_with(req, &kept, Some(body))
    }

    /// Keeps `body` as the answer for `key` when there is room for it, in
    /// memory or in the spill file, without forgetting another answer about a
    /// proposal (the warm-up at start, which builds answers before anyone
    /// asks); whether it was kept.
    pub fn keep_if_room(&self, key: String, body: Bytes, content_type: &'static str, fresh: Fresh) -> bool {
        self.keep(key, &body, content_type, fresh, Room::IfAny).1
    }

    /// Packs and keeps `body` for `key` (unless it was built in an older
    /// generation than the newest seen, or `room` forbids); returns it as
    /// packed, and whether it was kept.
    fn keep(&self, key: String, body: &Bytes, content_type: &'static str, fresh: Fresh, room: Room) -> (Kept, bool) {
        let etag: Arc<str> = format!("\"{}\"", &hex::encode(Sha256::digest(body))[..20]).into();
        let packed = match compression::gzip_once(body) {
            Some(mut gzip) => {
                // Kept for long, and Bytes keeps the vector's whole room: the
                // room grown while packing was up to half of it again.
                gzip.shrink_to_fit();
                Packed::Gzip(Bytes::from(gzip))
            }
            None => Packed::Plain(body.clone()),
        };
        let (built_in, about_one) = match fresh {
            Fresh::In(now) => (now, false),
            Fresh::Since { now, .. } => (now, true),
            // Built from what stands now: kept in the newest generation seen.
            Fresh::For(_) => (self.inner.lock().map(|inner| inner.generation).unwrap_or(0), false),
        };
        let kept = Kept { at: Instant::now(), built_in, about_one, body: packed, content_type, etag };
        let cost = kept.cost(&key);
        let mut stored = false;
        if cost <= self.budget_bytes
            && let Ok(mut inner) = self.inner.lock()
            && {
                inner.advance(built_in);
                // Built from an older index than the newest seen: not kept.
                built_in == inner.generation
            }
            && self.make_room(&mut inner, cost, room == Room::MakeIt)
        {
            match inner.answers.insert(key.clone(), kept.clone()) {
                Some(old) => {
                    inner.used_bytes = inner.used_bytes.saturating_sub(old.cost(&key));
                    if matches!(old.body, Packed::Spilled { .. }) {
                        inner.order.push_back(key);
                    }
                }
                None => inner.order.push_back(key),
            }
            inner.used_bytes += cost;
            stored = true;
        }
        (kept, stored)
    }

    /// Makes room for `need` more bytes within the budget, taking the oldest
    /// answers in memory out: one about a proposal moves to the spill file,
    /// or, when there is none or it is full and `may_forget` is false, stays
    /// and there is no room; a page of the list or of a search is forgotten.
    fn make_room(&self, inner: &mut Inner, need: usize, may_forget: bool) -> bool {
        while inner.used_bytes + need > self.budget_bytes {
            let Some(key) = inner.order.pop_front() else { return false };
            let about_one = match inner.answers.get(&key) {
                Some(kept) if !matches!(kept.body, Packed::Spilled { .. }) => kept.about_one,
                // Gone or moved already: a key left behind.
                _ => continue,
            };
            if about_one {
                if let Some(spill) = &self.spill
                    && move_to_spill(inner, spill, &key, may_forget)
                {
                    continue;
                }
                if !may_forget {
                    inner.order.push_front(key);
                    return false;
                }
            }
            inner.forget(&key);
        }
        true
    }
}

/// Moves the answer of `key`, in memory, to `spill`, starting the spill file
/// again when it is full and `may_forget`; false when it was not moved.
fn move_to_spill(inner: &mut Inner, spill: &Spill, key: &str, may_forget: bool) -> bool {
    let Some(kept) = inner.answers.get(key) else { return false };
    let (bytes, gzip) = match &kept.body {
        Packed::Plain(bytes) => (bytes.clone(), false),
        Packed::Gzip(bytes) => (bytes.clone(), true),
        Packed::Spilled { .. } => return false,
    };
    let Some((place, restarted)) = spill.put(&bytes, may_forget) else { return false };
    if restarted {
        inner.forget_spilled();
    }
    if let Some(kept) = inner.answers.get_mut(key) {
        let before = kept.cost(key);
        kept.body = Packed::Spilled { place, gzip };
        inner.used_bytes = inner.used_bytes.saturating_sub(before);
    }
    true
}

/// Whether keeping an answer may forget older answers about a proposal (and
/// start a full spill file again) to make room.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Room {
    MakeIt,
    IfAny,
}

#[cfg(test)]
mod tests {
    use super::*;

    use actix_web::http::header;

    use actix_web::test::TestRequest;

    const NOW: Fresh = Fresh::In(1);

    #[test]
    fn an_answer_is_served_while_its_generation_stands_and_forgotten_with_the_next() {
        let cache = PublicCache::new(1 << 20);
        let req = TestRequest::default().to_http_request();
        assert!(cache.get(&req, "/a", NOW).is_none());
        cache.put(&req, "/a".into(), Bytes::from_static(b"{}"), NOW);
        assert!(cache.get(&req, "/a", NOW).is_some());
        assert!(cache.get(&req, "/a", Fresh::For(Duration::from_secs(60))).is_some());
        assert!(cache.get(&req, "/a", Fresh::For(Duration::ZERO)).is_none(), "an expired answer is not served");
        assert!(cache.get(&req, "/a", Fresh::In(2)).is_none(), "a new generation drops it");
        assert!(cache.get(&req, "/a", NOW).is_none(), "and it does not come back");
        // An answer built in the older generation, finished late, is not kept.
        cache.put(&req, "/b".into(), Bytes::from_static(b"{}"), NOW);
        assert!(cache.get(&req, "/b", Fresh::In(2)).is_none());
        cache.put(&req, "/c".into(), Bytes::from_static(b"{}"), Fresh::For(Duration::from_secs(60)));
        assert!(cache.get(&req, "/c", Fresh::For(Duration::from_secs(60))).is_some(), "kept in the newest one");
    }

    #[test]
    fn a_reader_holding_the_answer_is_told_it_has_not_changed() {
        let cache = PublicCache::new(1 << 20);
        let first = cache.put(&TestRequest::default().to_http_request(), "/a".into(), Bytes::from_static(b"{}"), NOW);
        let etag = first.headers().get(header::ETAG).expect("an ETag").to_str().expect("ASCII").to_string();
        let holding = TestRequest::default().insert_header((header::IF_NONE_MATCH, etag.clone())).to_http_request();
        let again = cache.get(&holding, "/a", NOW).expect("kept");
        assert_eq!(again.status(), actix_web::http::StatusCode::NOT_MODIFIED);
        let other = TestRequest::default().insert_header((header::IF_NONE_MATCH, "\"other\"")).to_http_request();
        assert_eq!(cache.get(&other, "/a", NOW).expect("kept").status(), 200);
    }

    #[actix_web::test]
    async fn a_reader_taking_gzip_gets_the_kept_gzip_form_with_its_own_tag() {
        use std::io::Read;
        let cache = PublicCache::new(1 << 20);
        let body = Bytes::from(format!("[{}]", vec!["\"关于加强社区养老服务的建议\""; 200].join(",")));
        let plain = cache.put(&TestRequest::default().to_http_request(), "/a".into(), body.clone(), NOW);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let gzip_reader = || TestRequest::default().insert_header((header::ACCEPT_ENCODING, "gzip, br"));
        let packed = cache.get(&gzip_reader().to_http_request(), "/a", NOW).expect("kept");
        assert_eq!(packed.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some("gzip"));
        assert_eq!(packed.headers().get(header::VARY).and_then(|v| v.to_str().ok()), Some("accept-encoding"));
        let tag = packed.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).expect("a tag").to_string();
        assert_ne!(Some(tag.as_str()), plain.headers().get(header::ETAG).and_then(|v| v.to_str().ok()));
        let bytes = actix_web::body::to_bytes(packed.into_body()).await.expect("a body");
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut text).expect("gzip");
        assert_eq!(text, body);
        let holding = gzip_reader().insert_header((header::IF_NONE_MATCH, tag)).to_http_request();
        assert_eq!(cache.get(&holding, "/a", NOW).expect("kept").status(), 304);
    }

    #[test]
    fn the_oldest_answers_make_room_within_the_budget() {
        let one = Kept {
            at: Instant::now(),
            built_in: 1,
            about_one: false,
            body: Packed::Plain(Bytes::from_static(b"{}")),
            content_type: "application/json",
            etag: "\"0123456789abcdef0123\"".into(),
        }
        .cost("/00");
        let cache = PublicCache::new(one * 10);
        let req = TestRequest::default().to_http_request();
        for i in 0..20 {
            cache.put(&req, format!("/{i:02}"), Bytes::from_static(b"{}"), NOW);
        }
        assert!(cache.get(&req, "/00", NOW).is_none(), "the oldest went");
        assert!(cache.get(&req, "/09", NOW).is_none());
        assert!(cache.get(&req, "/10", NOW).is_some(), "the newest ten stay");
        assert!(cache.get(&req, "/19", NOW).is_some());
        let inner = cache.inner.lock().expect("lock");
        assert!(inner.used_bytes <= one * 10, "{} bytes kept of {}", inner.used_bytes, one * 10);
    }

    #[test]
    fn an_answer_about_one_proposal_outlives_publications_of_others() {
        let cache = PublicCache::new(1 << 20);
        let req = TestRequest::default().to_http_request();
        let one = |since, now| Fresh::Since { since, now };
        cache.put(&req, "/p/1".into(), Bytes::from_static(b"{}"), one(1, 3));
        cache.put(&req, "/p/2".into(), Bytes::from_static(b"{}"), one(2, 3));
        cache.put(&req, "/list".into(), Bytes::from_static(b"[]"), Fresh::In(3));
        // Generation 4: proposal 2 was read again (its answer is older than that), the list changed.
        assert!(cache.get(&req, "/p/1", one(1, 4)).is_some(), "proposal 1 did not change: kept");
        assert!(cache.get(&req, "/p/2", one(4, 4)).is_none(), "proposal 2 changed: built again");
        assert!(cache.get(&req, "/list", Fresh::In(4)).is_none(), "a list may have changed: built again");
        cache.put(&req, "/p/2".into(), Bytes::from_static(b"{}"), one(4, 4));
        assert!(cache.get(&req, "/p/2", one(4, 4)).is_some());
        // Built from an index older than the newest seen: answered, not kept.
        cache.put(&req, "/p/3".into(), Bytes::from_static(b"{}"), one(1, 3));
        assert!(cache.get(&req, "/p/3", one(1, 4)).is_none());
    }

    #[actix_web::test]
    async fn readers_asking_at_once_for_an_answer_not_built_wait_for_the_one_building_it() {
        let cache = PublicCache::new(1 << 20);
        let req = TestRequest::default().to_http_request();
        let Lookup::Build(turn) = cache.lookup(&req, "/a", NOW).await else { panic!("nothing is kept yet") };
        let waiting = {
            let (cache, req) = (cache.clone(), req.clone());
            actix_web::rt::spawn(async move { matches!(cache.lookup(&req, "/a", NOW).await, Lookup::Kept(_)) })
        };
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the second reader waits while the first builds");
        cache.put(&req, "/a".into(), Bytes::from_static(b"{}"), NOW);
        drop(turn);
        assert!(waiting.await.expect("the waiting reader"), "and is then given the answer kept");
        assert!(cache.building.lock().expect("lock").is_empty(), "nothing is left being built");
        // A builder that fails keeps nothing: the next reader builds it itself.
        let Lookup::Build(failed) = cache.lookup(&req, "/b", NOW).await else { panic!("nothing is kept yet") };
        drop(failed);
        assert!(matches!(cache.lookup(&req, "/b", NOW).await, Lookup::Build(_)));
    }

    #[actix_web::test]
    async fn a_reader_not_taking_gzip_gets_the_kept_answer_unpacked() {
        let cache = PublicCache::new(1 << 20);
        let body = Bytes::from(format!("[{}]", vec!["\"关于加强社区养老服务的建议\""; 200].join(",")));
        cache.put(&TestRequest::default().to_http_request(), "/a".into(), body.clone(), NOW);
        let plain = cache.get(&TestRequest::default().to_http_request(), "/a", NOW).expect("kept");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(actix_web::body::to_bytes(plain.into_body()).await.expect("a body"), body);
    }

    /// An answer about one published proposal, which may go to the spill file.
    const ONE: Fresh = Fresh::Since { since: 1, now: 1 };

    fn spilling(budget_bytes: usize, spill_bytes: u64) -> (PublicCache, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("pd-spill-{}", crate::ids::new_id()));
        (PublicCache::new(budget_bytes).spilling_into(&dir, spill_bytes), dir)
    }

    /// An answer of about half a kilobyte, even gzipped (ids do not pack much).
    fn answer_of(i: usize) -> Bytes {
        let text: String = (0..20).map(|_| crate::ids::new_id()).collect();
        Bytes::from(format!("{{\"n\":{i},\"text\":\"{text}\"}}"))
    }

    async fn served(cache: &PublicCache, key: &str, fresh: Fresh) -> Option<(String, Bytes)> {
        let req = TestRequest::default().insert_header((header::ACCEPT_ENCODING, "gzip")).to_http_request();
        let answer = cache.get(&req, key, fresh)?;
        let etag = answer.headers().get(header::ETAG)?.to_str().ok()?.to_string();
        Some((etag, actix_web::body::to_bytes(answer.into_body()).await.ok()?))
    }

    fn in_spill(cache: &PublicCache) -> usize {
        let inner = cache.inner.lock().expect("lock");
        inner.answers.values().filter(|kept| matches!(kept.body, Packed::Spilled { .. })).count()
    }

    #[actix_web::test]
    async fn answers_pushed_out_of_memory_are_served_from_the_spill_file_as_they_were() {
        let (cache, dir) = spilling(8 * 1024, 1 << 20);
        let req = TestRequest::default().insert_header((header::ACCEPT_ENCODING, "gzip")).to_http_request();
        let mut first = Vec::new();
        for i in 0..100 {
            let sent = cache.put(&req, format!("/p/{i}"), answer_of(i), ONE);
            let etag = sent.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).expect("a tag").to_string();
            first.push((etag, actix_web::body::to_bytes(sent.into_body()).await.expect("a body")));
        }
        for (i, answer) in first.iter().enumerate() {
            assert_eq!(
                served(&cache, &format!("/p/{i}"), ONE).await.as_ref(),
                Some(answer),
                "answer {i} as first sent"
            );
        }
        assert!(cache.inner.lock().expect("lock").used_bytes <= 8 * 1024, "memory within its budget");
        assert!(in_spill(&cache) > 80, "most went to the spill file: {}", in_spill(&cache));
        // A reader who does not take gzip gets a spilled answer unpacked.
        let plain = cache.get(&TestRequest::default().to_http_request(), "/p/0", ONE).expect("kept");
        let text = actix_web::body::to_bytes(plain.into_body()).await.expect("a body");
        assert!(text.starts_with(b"{\"n\":0,"), "{text:?}");
        // Once the proposal changed, its spilled answer is not served.
        assert!(served(&cache, "/p/0", Fresh::Since { since: 2, now: 2 }).await.is_none());
        let _ = std::fs::remove_dir(&dir);
    }

    #[actix_web::test]
    async fn pages_of_the_list_pushed_out_of_memory_are_forgotten_not_spilled() {
        let (cache, dir) = spilling(8 * 1024, 1 << 20);
        let req = TestRequest::default().to_http_request();
        for i in 0..100 {
            cache.put(&req, format!("/list?page={i}"), answer_of(i), NOW);
        }
        assert_eq!(in_spill(&cache), 0);
        assert!(served(&cache, "/list?page=0", NOW).await.is_none(), "the oldest page was forgotten");
        assert!(served(&cache, "/list?page=99", NOW).await.is_some(), "the newest is kept");
        let _ = std::fs::remove_dir(&dir);
    }

    #[actix_web::test]
    async fn a_full_spill_file_starts_again_and_what_it_held_is_built_again() {
        // Room in the file for about four answers.
        let (cache, dir) = spilling(2 * 1024, 2 * 1024);
        let req = TestRequest::default().to_http_request();
        for i in 0..30 {
            cache.put(&req, format!("/p/{i}"), answer_of(i), ONE);
        }
        assert!(served(&cache, "/p/0", ONE).await.is_none(), "the oldest were forgotten with the file's restart");
        assert!(served(&cache, "/p/29", ONE).await.is_some(), "the newest is kept");
        assert!(in_spill(&cache) <= 4, "{} answers listed in the file", in_spill(&cache));
        cache.put(&req, "/p/0".into(), answer_of(0), ONE);
        assert!(served(&cache, "/p/0", ONE).await.is_some(), "built again, kept again");
        let _ = std::fs::remove_dir(&dir);
    }

    #[actix_web::test]
    async fn the_warm_up_moves_older_answers_to_the_spill_file_instead_of_stopping() {
        let (cache, dir) = spilling(8 * 1024, 1 << 20);
        let kept: Vec<bool> =
            (0..100).map(|i| cache.keep_if_room(format!("/p/{i}"), answer_of(i), "application/json", ONE)).collect();
        assert!(kept.iter().all(|k| *k), "{kept:?}");
        for i in 0..100 {
            assert!(served(&cache, &format!("/p/{i}"), ONE).await.is_some(), "answer {i} is served");
        }
        let _ = std::fs::remove_dir(&dir);
        // Once the spill file is full too, the warm-up stops and forgets nothing.
        let (cache, dir) = spilling(2 * 1024, 2 * 1024);
        let kept: Vec<bool> =
            (0..20).map(|i| cache.keep_if_room(format!("/p/{i}"), answer_of(i), "application/json", ONE)).collect();
        let first_refused = kept.iter().position(|k| !k).expect("4 KB in all hold fewer than 20");
        assert!(kept[first_refused..].iter().all(|k| !k), "{kept:?}");
        for i in 0..first_refused {
            assert!(served(&cache, &format!("/p/{i}"), ONE).await.is_some(), "answer {i} is still served");
        }
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn the_warm_up_keeps_answers_while_there_is_room_and_forgets_none() {
        // Ids do not pack much: each answer costs about half a kilobyte.
        let body = |i: usize| {
            let text: String = (0..20).map(|_| crate::ids::new_id()).collect();
            Bytes::from(format!("{{\"n\":{i},\"text\":\"{text}\"}}"))
        };
        let cache = PublicCache::new(4 * 1024);
        let kept: Vec<bool> =
            (0..20).map(|i| cache.keep_if_room(format!("/p/{i}"), body(i), "application/json", ONE)).collect();
        let first_refused = kept.iter().position(|k| !k).expect("a budget of 4 KB holds fewer than 20");
        assert!(first_refused > 1, "{kept:?}");
        assert!(kept[first_refused..].iter().all(|k| !k), "once full, nothing more is kept: {kept:?}");
        let req = TestRequest::default().to_http_request();
        for i in 0..first_refused {
            assert!(cache.get(&req, &format!("/p/{i}"), ONE).is_some(), "answer {i} was kept and is still there");
        }
        assert!(cache.get(&req, &format!("/p/{first_refused}"), ONE).is_none());
    }
}
