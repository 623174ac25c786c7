//! The published proposals as the public list shows them, kept in memory:
//! each with what its line shows and what the filters ask of it, newest
//! first, and the sessions, sectors and units to filter by; and the two
//! public reads made with it, [`list`] and [`published`]. A page of the
//! list (or of a search's matches) is a pass over these instead of a count
//! and a sort in the database per filter, so the first reader of a filter
//! waits no longer than the hundredth, at any size of the archive.
//!
//! The index follows the audit trail as the statistics do: every change is
//! one transaction with its audit event, on any instance sharing the
//! database. An instance looks for new events at most every
//! `server.public_refresh_seconds`, and at once after it published something
//! itself ([`PublicIndex::changed`]); the touched proposals are read again.
//! Each change to what the public reads gives the index a new generation,
//! and each entry remembers the generation in which it was last read. The
//! kept public answers (`public_cache.rs`) never expire while nothing public
//! changes: a page of the list or of a search stays valid within its
//! generation, an answer about one proposal for as long as that proposal's
//! entry is older than the answer.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::config::WorkflowSettings;
use crate::db::schema::{assignments, proposals, replies, units};
use crate::db::{Db, DbConn};
use crate::domain::workflow::guards::Grade;
use crate::domain::workflow::{AssignmentState, ProposalState, UnitRole};
use crate::error::{AppError, AppResult};
use crate::ids::ProposalId;
use crate::listing::{Page, PageQuery};
use crate::proposals::public::{self, PublicChoice, PublicListItem, PublicProposal, PublicQuery, not_published};
use crate::validate::Check;

/// Past this many events since the last look, loading everything is quicker
/// than reading each touched proposal.
const RELOAD_AFTER_EVENTS: usize = 2_000;

/// Proposals read in one query when loading.
const CHUNK: usize = 500;

/// A name the index does not know: a filter by it matches nothing.
pub const UNKNOWN: u32 = u32::MAX;

/// One published proposal: its line in the list and what the filters ask of it.
pub struct Entry {
    pub item: PublicListItem,
    pub session: u32,
    pub sector: u32,
    pub kind: u32,
    pub is_key: bool,
    /// The units of its kept assignments (not returned).
    pub units: Vec<u32>,
    /// The grades of its current round's submitted replies, one bit each.
    pub grades: u8,
    /// The generation in which the index last read it: answers about it
    /// built since then are still true.
    pub since: u64,
}

/// The bit of `g` in [`Entry::grades`].
pub fn grade_bit(g: Grade) -> u8 {
    match g {
        Grade::A => 1,
        Grade::B => 2,
        Grade::C => 4,
    }
}

/// Ids (of sessions, sectors, units, kinds) kept once, named by a small number.
#[derive(Default, Clone)]
pub struct Names(HashMap<String, u32>);

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        let next = u32::try_from(self.0.len()).unwrap_or(UNKNOWN);
        *self.0.entry(name.to_string()).or_insert(next)
    }

    /// The number of `name`, [`UNKNOWN`] when no published proposal has it.
    pub fn find(&self, name: &str) -> u32 {
        self.0.get(name).copied().unwrap_or(UNKNOWN)
    }
}

/// The index as one reader sees it: never changed once made.
#[derive(Default)]
pub struct Snapshot {
    /// Changes whenever what the public reads may have changed.
    pub generation: u64,
    loaded: bool,
    /// Newest first (published_at descending, then id).
    pub entries: Vec<Arc<Entry>>,
    /// Each entry's place in `entries`, by proposal id.
    pub position: HashMap<String, u32>,
    pub sessions_named: Names,
    pub sectors_named: Names,
    pub units_named: Names,
    pub kinds_named: Names,
    /// The choices of the public list's filters.
    pub sessions: Vec<PublicChoice>,
    pub sectors: Vec<PublicChoice>,
    pub units: Vec<PublicChoice>,
}

/// How far the index has read the audit trail.
#[derive(Default, Clone, Copy)]
struct Tracker {
    seen: i64,
}

struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    /// Held by the one request bringing the index up to date.
    tracker: tokio::sync::Mutex<Tracker>,
    checked_at: Mutex<Option<Instant>>,
    /// Look now, whatever the time: this instance changed something public.
    dirty: AtomicBool,
    /// Load everything again: rows were written without audit events.
    reload: AtomicBool,
    refresh: Duration,
    workflow: WorkflowSettings,
}

/// The published proposals, shared by the workers of one process.
#[derive(Clone)]
pub struct PublicIndex {
    shared: Arc<Shared>,
}

impl PublicIndex {
    /// An index that looks for changes made elsewhere at most every `refresh`.
    pub fn new(refresh: Duration, workflow: WorkflowSettings) -> Self {
        PublicIndex {
            shared: Arc::new(Shared {
                snapshot: RwLock::default(),
                tracker: tokio::sync::Mutex::default(),
                checked_at: Mutex::default(),
                dirty: AtomicBool::new(false),
                reload: AtomicBool::new(false),
                refresh,
                workflow,
            }),
        }
    }

    /// Something public changed on this instance: the next reader looks at once.
    pub fn changed(&self) {
        self.shared.dirty.store(true, Ordering::SeqCst);
    }

    /// Rows were written behind the audit trail's back (the tests' fixtures):
    /// the next reader loads everything again.
    pub fn forget(&self) {
        self.shared.reload.store(true, Ordering::SeqCst);
        self.shared.dirty.store(true, Ordering::SeqCst);
    }

    /// The index as last read, without looking for changes (the warm-up at start).
    pub fn as_loaded(&self) -> Arc<Snapshot> {
        self.snapshot()
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        let kept = self.shared.snapshot.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&kept)
    }

    /// Whether the index should look for changes now.
    fn due(&self) -> bool {
        if self.shared.dirty.load(Ordering::SeqCst) {
            return true;
        }
        let checked = *self.shared.checked_at.lock().unwrap_or_else(|p| p.into_inner());
        checked.is_none_or(|at| at.elapsed() >= self.shared.refresh)
    }

    /// The index as it now stands, brought up to date when it is time to look.
    /// While one reader brings it up to date, the others read the index as it
    /// was, unless it was never loaded or this instance changed it.
    pub async fn current(&self, db: &Db) -> AppResult<Arc<Snapshot>> {
        if !self.due() {
            return Ok(self.snapshot());
        }
        let before = self.snapshot();
        let must_wait = !before.loaded || self.shared.dirty.load(Ordering::SeqCst);
        let mut guard = if must_wait {
            self.shared.tracker.lock().await
        } else {
            match self.shared.tracker.try_lock() {
                Ok(guard) => guard,
                Err(_) => return Ok(before),
            }
        };
        if !self.due() {
            return Ok(self.snapshot());
        }
        let (full, started) = self.start_look();
        let (tracker, current, workflow) = (*guard, self.snapshot(), self.shared.workflow.clone());
        let caught = db.read(move |conn| catch_up(conn, tracker, &current, full, &workflow)).await;
        self.settle(&mut guard, caught, full, started, &before)
    }

    /// Loads the index now (at start-up, so that the first reader does not wait for it).
    pub fn warm(&self, conn: &mut DbConn) -> AppResult<()> {
        let mut guard = self.shared.tracker.blocking_lock();
        let before = self.snapshot();
        let (full, started) = self.start_look();
        let caught = catch_up(conn, *guard, &before, full, &self.shared.workflow);
        self.settle(&mut guard, caught, full, started, &Arc::new(Snapshot::default())).map(|_| ())
    }

    /// Begins a look at the audit trail: whether it must load everything, and when it began.
    /// The marks are taken before reading, so that a change made meanwhile marks them again.
    fn start_look(&self) -> (bool, Instant) {
        self.shared.dirty.store(false, Ordering::SeqCst);
        (self.shared.reload.swap(false, Ordering::SeqCst), Instant::now())
    }

    /// Takes what a look at the audit trail found.
    fn settle(
        &self,
        tracker: &mut Tracker,
        caught: AppResult<(Tracker, Option<Snapshot>)>,
        full: bool,
        started: Instant,
        before: &Arc<Snapshot>,
    ) -> AppResult<Arc<Snapshot>> {
        match caught {
            Ok((next_tracker, next)) => {
                *tracker = next_tracker;
                if let Some(next) = next {
                    *self.shared.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
                }
                *self.shared.checked_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(started);
                Ok(self.snapshot())
            }
            Err(e) => {
                if full {
                    self.shared.reload.store(true, Ordering::SeqCst);
                }
                if !before.loaded {
                    return Err(e);
                }
                // Readers keep the index as it was; the next one tries again.
                tracing::warn!(error = %e, "the public index could not be brought up to date");
                Ok(Arc::clone(before))
            }
        }
    }
}

/// Reads the audit events since `tracker.seen` and returns the index they
/// lead to, or None when nothing public changed.
fn catch_up(
    conn: &mut DbConn,
    tracker: Tracker,
    current: &Snapshot,
    full: bool,
    workflow: &WorkflowSettings,
) -> AppResult<(Tracker, Option<Snapshot>)> {
    let head = crate::audit::head(conn)?;
    let next_tracker = Tracker { seen: head };
    if current.loaded && !full && head <= tracker.seen {
        return Ok((next_tracker, None));
    }
    let touched = if current.loaded && !full { touched_since(conn, tracker.seen)? } else { None };
    let next = match touched {
        None => load_all(conn, current.generation + 1, workflow)?,
        Some(ids) => {
            // Only those public before or now published change what the public reads.
            let was_public: HashSet<&str> =
                ids.iter().filter(|id| current.position.contains_key(id.as_str())).map(String::as_str).collect();
            let now_public: Vec<String> = proposals::table
                .filter(proposals::id.eq_any(&ids))
                .filter(proposals::state.eq(ProposalState::Published))
                .select(proposals::id)
                .load(conn)?;
            if was_public.is_empty() && now_public.is_empty() {
                return Ok((next_tracker, None));
            }
            let mut next = Snapshot {
                generation: current.generation + 1,
                loaded: true,
                entries: Vec::new(),
                position: HashMap::new(),
                sessions_named: current.sessions_named.clone(),
                sectors_named: current.sectors_named.clone(),
                units_named: current.units_named.clone(),
                kinds_named: current.kinds_named.clone(),
                sessions: current.sessions.clone(),
                sectors: current.sectors.clone(),
                units: current.units.clone(),
            };
            let touched: HashSet<&str> = ids.iter().map(String::as_str).collect();
            let mut entries: Vec<Arc<Entry>> =
                current.entries.iter().filter(|e| !touched.contains(e.item.id.as_str())).map(Arc::clone).collect();
            let generation = next.generation;
            entries.extend(load_entries(conn, &now_public, &mut next, generation, workflow)?.into_iter().map(Arc::new));
            next.set_entries(entries);
            next
        }
    };
    Ok((next_tracker, Some(next)))
}

/// The proposals whose public line the events after `seen` may have changed,
/// or None when loading everything again is the way (many events, a renamed
/// unit, sector or session, an archive written in bulk).
fn touched_since(conn: &mut DbConn, seen: i64) -> AppResult<Option<Vec<String>>> {
    let Some(events) = crate::audit::about_since(conn, seen, RELOAD_AFTER_EVENTS)? else {
        return Ok(None);
    };
    let mut ids = HashSet::new();
    for (action, object_type, object_id) in events {
        let prefix = action.split('.').next().unwrap_or_default();
        match (object_type.as_str(), prefix) {
            ("proposal", _) => {
                ids.insert(object_id);
            }
            // A proposer's name or sector may have changed.
            ("user", "user") => {
                let theirs: Vec<String> = proposals::table
                    .filter(proposals::proposer_id.eq(&object_id))
                    .filter(proposals::state.eq(ProposalState::Published))
                    .select(proposals::id)
                    .load(conn)?;
                ids.extend(theirs);
            }
            ("unit" | "sector" | "session" | "term", "unit" | "sector" | "session" | "term")
            | ("archive" | "import", _) => return Ok(None),
            _ => {}
        }
    }
    Ok(Some(ids.into_iter().collect()))
}

/// Every published proposal and the filters' choices, read afresh.
fn load_all(conn: &mut DbConn, generation: u64, workflow: &WorkflowSettings) -> AppResult<Snapshot> {
    let mut next = Snapshot {
        generation,
        loaded: true,
        sessions: public::sessions(conn)?,
        sectors: public::sectors(conn)?,
        units: public::units(conn)?,
        ..Snapshot::default()
    };
    let ids: Vec<String> =
        proposals::table.filter(proposals::state.eq(ProposalState::Published)).select(proposals::id).load(conn)?;
    let mut entries = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        entries.extend(load_entries(conn, chunk, &mut next, generation, workflow)?.into_iter().map(Arc::new));
    }
    next.set_entries(entries);
    Ok(next)
}

impl Snapshot {
    /// The generation since which the published proposal `id` is as the index
    /// holds it; None when it is not published (as far as this index knows).
    pub fn since_of(&self, id: &str) -> Option<u64> {
        let place = *self.position.get(id)?;
        self.entries.get(place as usize).map(|e| e.since)
    }

    fn set_entries(&mut self, mut entries: Vec<Arc<Entry>>) {
        entries.sort_by(|a, b| b.item.published_at.cmp(&a.item.published_at).then_with(|| a.item.id.cmp(&b.item.id)));
        self.position =
            entries.iter().enumerate().map(|(i, e)| (e.item.id.clone(), u32::try_from(i).unwrap_or(UNKNOWN))).collect();
        self.entries = entries;
    }
}

/// The units that handled a proposal: their names, each ranked (lead and
/// separate units 0, co-handling 1), and their numbers in the index.
type Handled = (Vec<(u8, String)>, Vec<u32>);

/// The entries of those of `ids` that are published, read in three queries.
fn load_entries(
    conn: &mut DbConn,
    ids: &[String],
    names: &mut Snapshot,
    since: u64,
    workflow: &WorkflowSettings,
) -> AppResult<Vec<Entry>> {
    let heads = public::heads_of(conn, ids)?;
    let rounds: HashMap<&str, i32> = heads.iter().map(|h| (h.id.as_str(), h.handling_round)).collect();
    let listed: Vec<&str> = heads.iter().map(|h| h.id.as_str()).collect();

    // The grades of each proposal's replies of its current round.
    let mut grades: HashMap<String, Vec<Grade>> = HashMap::new();
    let graded: Vec<(String, i32, Option<String>)> = replies::table
        .filter(replies::proposal_id.eq_any(&listed))
        .filter(replies::submitted_at.is_not_null())
        .select((replies::proposal_id, replies::handling_round, replies::grade))
        .load(conn)?;
    for (pid, round, grade) in graded {
        if rounds.get(pid.as_str()) == Some(&round)
            && let Some(g) = grade.as_deref().and_then(Grade::parse)
        {
            let seen = grades.entry(pid).or_default();
            if !seen.contains(&g) {
                seen.push(g);
            }
        }
    }
    // The units that handled each one: lead and separate units first.
    let mut handled_by: HashMap<String, Handled> = HashMap::new();
    let handled: Vec<(String, UnitRole, String, String)> = assignments::table
        .inner_join(units::table)
        .filter(assignments::proposal_id.eq_any(&listed))
        .filter(assignments::state.ne(AssignmentState::Returned))
        .select((assignments::proposal_id, assignments::unit_role, assignments::unit_id, units::name))
        .load(conn)?;
    for (pid, role, unit_id, name) in handled {
        let rank = u8::from(role == UnitRole::Co);
        let (names_of, unit_ids) = handled_by.entry(pid).or_default();
        match names_of.iter_mut().find(|(_, n)| *n == name) {
            Some(known) => known.0 = known.0.min(rank),
            None => names_of.push((rank, name)),
        }
        let unit = names.units_named.id(&unit_id);
        if !unit_ids.contains(&unit) {
            unit_ids.push(unit);
        }
    }

    Ok(heads
        .into_iter()
        .map(|h| {
            let mut grades = grades.remove(&h.id).unwrap_or_default();
            grades.sort_by_key(|g| g.as_str());
            let (mut unit_names, unit_ids) = handled_by.remove(&h.id).unwrap_or_default();
            unit_names.sort();
            Entry {
                session: h.session_id.as_deref().map_or(UNKNOWN, |s| names.sessions_named.id(s)),
                sector: h.sector_id.as_deref().map_or(UNKNOWN, |s| names.sectors_named.id(s)),
                kind: names.kinds_named.id(&h.kind),
                is_key: h.is_key,
                units: unit_ids,
                grades: grades.iter().fold(0, |bits, g| bits | grade_bit(*g)),
                since,
                item: h.into_item(workflow, grades, unit_names.into_iter().map(|(_, n)| n).collect()),
            }
        })
        .collect())
}

/// Published proposals, newest first, with the grades of their replies and
/// the units that handled them, read from the public index; the filters are
/// checked first (422). A search finds its matches in the database's text
/// index, and the public index filters, counts and orders them.
pub async fn list(
    db: &Db,
    index: &Snapshot,
    query: &PublicQuery,
    workflow: &WorkflowSettings,
) -> AppResult<Page<PublicListItem>> {
    let (page, per_page) = PageQuery { page: query.page, per_page: query.per_page }.resolve()?;
    let mut check = Check::new();
    for (field, value) in
        [("session_id", &query.session_id), ("sector_id", &query.sector_id), ("unit_id", &query.unit_id)]
    {
        if value.as_deref().is_some_and(|v| !crate::ids::is_id(v)) {
            check.fail(field, "invalid", "不是有效的编号");
        }
    }
    if let Some(kind) = &query.kind
        && workflow.kind(kind).is_none()
    {
        check.fail("kind", "invalid", "未知的类别");
    }
    check.finish()?;
    let matches = match query.q.as_deref().map(str::trim) {
        None => None,
        Some(text) => {
            let mut check = crate::validate::Check::new();
            check.text("q", text, 1, 50);
            check.finish()?;
            let text = text.to_string();
            match db.read(move |conn| crate::search::matching(conn, &text)).await? {
                Some(ids) => Some(ids),
                None => return Err(AppError::invalid_field("q", "nothing_to_search", "请输入要检索的文字")),
            }
        }
    };
    Ok(page_of(index, query, matches.as_deref(), page, per_page))
}

/// The page of the published proposals in `index` that pass the filters of
/// `query` (and are among `matches`, when searching).
fn page_of(
    index: &Snapshot,
    query: &PublicQuery,
    matches: Option<&[String]>,
    page: i64,
    per_page: i64,
) -> Page<PublicListItem> {
    let wanted = |named: &Names, id: &Option<String>| id.as_deref().map(|id| named.find(id));
    let session = wanted(&index.sessions_named, &query.session_id);
    let sector = wanted(&index.sectors_named, &query.sector_id);
    let unit = wanted(&index.units_named, &query.unit_id);
    let kind = wanted(&index.kinds_named, &query.kind);
    let grade = query.grade.map(grade_bit);
    let passes = |e: &Entry| {
        session.is_none_or(|s| s != UNKNOWN && e.session == s)
            && sector.is_none_or(|s| s != UNKNOWN && e.sector == s)
            && kind.is_none_or(|k| k != UNKNOWN && e.kind == k)
            && unit.is_none_or(|u| u != UNKNOWN && e.units.contains(&u))
            && grade.is_none_or(|g| e.grades & g != 0)
            && query.key.is_none_or(|k| e.is_key == k)
    };
    let first = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let size = usize::try_from(per_page).unwrap_or(0);
    let mut items = Vec::with_capacity(size);
    let mut total = 0usize;
    let mut take = |e: &Entry| {
        if passes(e) {
            if total >= first && items.len() < size {
                items.push(e.item.clone());
            }
            total += 1;
        }
    };
    match matches {
        None => index.entries.iter().for_each(|e| take(e)),
        Some(ids) => {
            let mut places: Vec<u32> = ids.iter().filter_map(|id| index.position.get(id).copied()).collect();
            places.sort_unstable();
            places.dedup();
            places.iter().filter_map(|p| index.entries.get(*p as usize)).for_each(|e| take(e));
        }
    }
    Page { items, total: i64::try_from(total).unwrap_or(i64::MAX), page, per_page }
}

/// [`public::one`], for an id as a reader gave it: what the public index does not
/// hold is not published (or not yet seen by this instance), and is not read.
pub async fn published(db: &Db, index: &Snapshot, id: &str, workflow: &WorkflowSettings) -> AppResult<PublicProposal> {
    let id = ProposalId::parse(id).filter(|id| index.position.contains_key(id.as_str())).ok_or_else(not_published)?;
    let workflow = workflow.clone();
    db.read(move |conn| public::one(conn, &id, &workflow)).await
}
