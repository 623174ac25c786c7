//! Every counted proposal's facts, kept in memory and summed for any scope on
//! asking. Summing is a pass over compact rows (a few milliseconds for
//! 100,000 proposals); counting the records themselves is seconds.
//!
//! The facts never lag behind the database: before every sum the store reads
//! the audit events recorded since it last looked (every change is one
//! transaction with its audit event, on any instance sharing the database)
//! and reads again the facts of the proposals they touched. The first sum
//! loads every proposal's facts. Rows written into the tables without an
//! audit event (test fixtures, say) are read after [`Store::forget`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::facts::{self, Facts};
use crate::db::DbConn;
use crate::db::schema::proposals;
use crate::domain::deadlines::OfficeTime;
use crate::domain::statistics::scope::{Span, Stage};
use crate::domain::statistics::tally::Tally;
use crate::domain::statistics::{ProposalCounts, UnitCounts};
use crate::error::{AppError, AppResult};

/// Past this many events since the last look, loading everything is quicker
/// than reading each touched proposal.
const RELOAD_AFTER_EVENTS: usize = 2_000;

/// How many counts a tally has.
const WIDTH: usize = Tally::COLUMNS.len();

/// The counts of one tally, small enough for u16 (a proposal's counts are 0,
/// 1 or a few; its working days a few hundred), inline so that a pass over
/// the facts reads them in order.
type Packed = [u16; WIDTH];

/// The most groups a proposal is counted in (`facts::Groups::rows`).
const MAX_GROUPS: usize = 10;
/// An unused place in `Fact::groups`.
const NO_GROUP: u32 = u32::MAX;

fn pack(t: &Tally) -> Packed {
    let mut out = [0; WIDTH];
    for (slot, v) in out.iter_mut().zip(t.values()) {
        *slot = u16::try_from(v.max(0)).unwrap_or(u16::MAX);
    }
    out
}

/// A proposal's id as 16 bytes instead of 36 characters on the heap, twice
/// (a quarter of the store's memory at 100,000 proposals): the UUID itself,
/// or for any other text the first 16 bytes of its SHA-256.
fn key(id: &str) -> u128 {
    match uuid::Uuid::try_parse(id) {
        Ok(uuid) => uuid.as_u128(),
        Err(_) => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(id.as_bytes());
            let mut first = [0u8; 16];
            first.copy_from_slice(&digest[..16]);
            u128::from_be_bytes(first)
        }
    }
}

/// Strings kept once, named by a small number.
#[derive(Default)]
struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        id
    }

    fn find(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}

/// One proposal's facts, compactly.
struct Fact {
    kind: u32,
    session: u32,
    stage: Stage,
    day: NaiveDate,
    /// The groups it is counted in: an index into `Inner::signatures`
    /// (proposals in the very same groups share one, so that a sum adds each
    /// proposal once and each signature into its groups afterwards).
    signature: u32,
    /// Its own counts: an index into `Inner::tallies`.
    own: u32,
    /// Each unit's part (an index into `Inner::tallies`), and whether it has
    /// a kept assignment (one of the group's 承办单位).
    /// Boxed slices, exactly as long as they need to be: a vector pushed
    /// once holds room for four, which made these two half of a fact's size.
    units: Box<[(u32, u32, bool)]>,
    live: Box<[(u32, NaiveDateTime)]>,
}

/// The sums of the facts of one kind, session and stage, kept as facts come
/// and go: a session's or a term's report adds a few of these instead of
/// passing over every proposal. Each entry counts its facts and goes when
/// none is left, so that what is present is exactly what a pass would find.
#[derive(Default)]
struct Partial {
    /// Per signature: its facts' own counts summed, and how many facts.
    signatures: HashMap<u32, ([i64; WIDTH], i64)>,
    /// Per (signature, unit): how many of its facts have a kept assignment of the unit.
    reach: HashMap<(u32, u32), i64>,
    /// Per unit: its parts summed, and how many.
    units: HashMap<u32, ([i64; WIDTH], i64)>,
}

/// Every distinct tally of the facts, kept once: most proposals' counts are
/// the same few 0s and 1s, so a fact names its tallies by a number instead
/// of holding them (42 bytes each, over half a fact's memory).
#[derive(Default)]
struct Tallies {
    ids: HashMap<Packed, u32>,
    packed: Vec<Packed>,
}

impl Tallies {
    fn id(&mut self, tally: Packed) -> u32 {
        let next = u32::try_from(self.packed.len()).unwrap_or(u32::MAX);
        let id = *self.ids.entry(tally).or_insert(next);
        if id == next {
            self.packed.push(tally);
        }
        id
    }

    fn get(&self, id: u32) -> &Packed {
        &self.packed[id as usize]
    }
}

/// A partial's place: (kind, session, stage).
type Bucket = (u32, u32, Stage);

impl Partial {
    /// Adds `f` (`sign` 1) or takes it away (-1).
    fn apply(&mut self, f: &Fact, tallies: &Tallies, sign: i64) {
        count(&mut self.signatures, f.signature, tallies.get(f.own), sign);
        for (unit, tally, assigned) in &f.units {
            let tally = tallies.get(*tally);
            if *assigned {
                let key = (f.signature, *unit);
                let n = self.reach.entry(key).or_insert(0);
                *n += sign;
                if *n == 0 {
                    self.reach.remove(&key);
                }
            }
            count(&mut self.units, *unit, tally, sign);
        }
    }
}

/// Adds `sign` times `values` into `map[key]`, dropping the entry when no fact is left in it.
fn count(map: &mut HashMap<u32, ([i64; WIDTH], i64)>, key: u32, values: &Packed, sign: i64) {
    let (sums, n) = map.entry(key).or_insert(([0; WIDTH], 0));
    for (t, v) in sums.iter_mut().zip(values) {
        *t += sign * i64::from(*v);
    }
    *n += sign;
    if *n == 0 {
        map.remove(&key);
    }
}

#[derive(Default)]
struct Inner {
    loaded: bool,
    seen: i64,
    kinds: Names,
    sessions: Names,
    groups: Names,
    /// Each distinct row of groups ("dim\0value" ids, the total first, then NO_GROUP).
    signatures: Vec<[u32; MAX_GROUPS]>,
    signature_ids: HashMap<[u32; MAX_GROUPS], u32>,
    units: Names,
    tallies: Tallies,
    /// In no order; `index` finds a proposal's, `ids` names each (by [`key`]).
    facts: Vec<Fact>,
    ids: Vec<u128>,
    index: HashMap<u128, usize>,
    partials: HashMap<Bucket, Partial>,
}

impl Inner {
    fn remove(&mut self, id: &str) {
        self.remove_key(key(id));
    }

    fn remove_key(&mut self, id: u128) {
        let Some(i) = self.index.remove(&id) else { return };
        let f = &self.facts[i];
        if let Some(p) = self.partials.get_mut(&(f.kind, f.session, f.stage)) {
            p.apply(f, &self.tallies, -1);
        }
        self.facts.swap_remove(i);
        self.ids.swap_remove(i);
        if let Some(moved) = self.ids.get(i) {
            self.index.insert(*moved, i);
        }
    }

    fn put(&mut self, f: Facts) {
        let mut groups = [NO_GROUP; MAX_GROUPS];
        for (slot, (dim, value)) in groups.iter_mut().zip(f.groups.rows()) {
            *slot = self.groups.id(&format!("{dim}\0{value}"));
        }
        let next = u32::try_from(self.signatures.len()).unwrap_or(u32::MAX);
        let signature = *self.signature_ids.entry(groups).or_insert(next);
        if signature == next {
            self.signatures.push(groups);
        }
        let mut own = pack(&Tally::default());
        let mut units = Vec::new();
        for (unit, tally) in &f.tallies {
            if unit.is_empty() {
                own = pack(tally);
            } else {
                units.push((self.units.id(unit), self.tallies.id(pack(tally)), tally.assigned > 0));
            }
        }
        let own = self.tallies.id(own);
        let units = units.into_boxed_slice();
        let live = f.live.iter().map(|(unit, due)| (self.units.id(unit), *due)).collect();
        let fact = Fact {
            kind: self.kinds.id(&f.kind),
            session: self.sessions.id(&f.session_id),
            stage: f.stage,
            day: f.day,
            signature,
            own,
            units,
            live,
        };
        let id = key(&f.proposal_id);
        self.remove_key(id);
        self.partials.entry((fact.kind, fact.session, fact.stage)).or_default().apply(&fact, &self.tallies, 1);
        self.index.insert(id, self.facts.len());
        self.facts.push(fact);
        self.ids.push(id);
    }
}

/// What a scope asks for.
pub struct Ask<'a> {
    pub kind: &'a str,
    pub span: &'a Span,
    pub stage: Option<Stage>,
    pub now: NaiveDateTime,
}

/// The sums of a scope: each group's proposal-level counts by (dimension,
/// value; "" for none), each unit's counts, and the average working days to
/// reply of each.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Sums {
    pub groups: HashMap<(String, String), (ProposalCounts, Option<f64>)>,
    pub units: HashMap<String, (UnitCounts, Option<f64>)>,
}

/// The facts of every counted proposal, shared by the workers of one process.
#[derive(Clone, Default)]
pub struct Store {
    inner: Arc<RwLock<Inner>>,
}

impl Store {
    /// Drops what is kept: the next sum loads every proposal's facts again.
    pub fn forget(&self) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        *inner = Inner::default();
    }

    /// Brings the facts up to date with the audit chain's head and sums them for `ask`.
    pub fn sums(&self, conn: &mut DbConn, office: &OfficeTime, ask: &Ask) -> AppResult<Sums> {
        self.catch_up(conn, office)?;
        let inner = self.inner.read().map_err(|_| AppError::internal("statistics store poisoned"))?;
        Ok(sum(&inner, ask))
    }

    /// Loads every proposal's facts now (at start-up, so that the first
    /// report asked for does not wait for it).
    pub fn warm(&self, conn: &mut DbConn, office: &OfficeTime) -> AppResult<()> {
        self.catch_up(conn, office)
    }

    fn catch_up(&self, conn: &mut DbConn, office: &OfficeTime) -> AppResult<()> {
        let head = crate::audit::head(conn)?;
        {
            let inner = self.inner.read().map_err(|_| AppError::internal("statistics store poisoned"))?;
            if inner.loaded && inner.seen >= head {
                return Ok(());
            }
        }
        // One catches up at a time; the others then find it done.
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if inner.loaded && inner.seen >= head {
            return Ok(());
        }
        let touched = if inner.loaded { touched_since(conn, inner.seen)? } else { None };
        match touched {
            Some(ids) => {
                for id in &ids {
                    inner.remove(id);
                }
                for f in facts::of(conn, &ids, office)? {
                    inner.put(f);
                }
            }
            None => {
                *inner = Inner::default();
                // A few hundred at a time: the rows read never pile up in memory.
                for chunk in facts::counted_ids(conn)?.chunks(500) {
                    for f in facts::of(conn, chunk, office)? {
                        inner.put(f);
                    }
                }
                // Grown by doubling while loading: give back what is left over.
                inner.facts.shrink_to_fit();
                inner.ids.shrink_to_fit();
                inner.index.shrink_to_fit();
                inner.loaded = true;
            }
        }
        // Events recorded while reading are read again next time: reading a
        // proposal twice is harmless, missing one is not.
        inner.seen = head;
        Ok(())
    }
}

/// The proposals whose facts the events after `seen` may have changed, or
/// None when loading everything again is the way (many events, or a bulk change).
fn touched_since(conn: &mut DbConn, seen: i64) -> AppResult<Option<Vec<String>>> {
    let Some(events) = crate::audit::about_since(conn, seen, RELOAD_AFTER_EVENTS)? else {
        return Ok(None);
    };
    let mut ids = HashSet::new();
    for (action, object_type, object_id) in events {
        match (object_type.as_str(), action.as_str()) {
            ("proposal", _) => {
                ids.insert(object_id);
            }
            // A proposer's sector may have changed.
            ("user", "user.update") => {
                let theirs: Vec<String> =
                    proposals::table.filter(proposals::proposer_id.eq(&object_id)).select(proposals::id).load(conn)?;
                ids.extend(theirs);
            }
            // Deadlines counted again, or an archive written in bulk.
            ("deadline", _) | ("archive", _) => return Ok(None),
            _ => {}
        }
    }
    Ok(Some(ids.into_iter().collect()))
}

fn add(total: &mut [i64; WIDTH], counts: &Packed) {
    for (t, c) in total.iter_mut().zip(counts) {
        *t += i64::from(*c);
    }
}

fn add_sums(total: &mut [i64; WIDTH], sums: &[i64; WIDTH]) {
    for (t, v) in total.iter_mut().zip(sums) {
        *t += v;
    }
}

fn sum(inner: &Inner, ask: &Ask) -> Sums {
    let Some(kind) = inner.kinds.find(ask.kind) else { return Sums::default() };
    let words = inner.units.names.len() / 64 + 1;
    let n_groups = inner.groups.names.len();
    // Per group: its counts summed, whether any proposal is in it, the units it reached, its overdue count.
    let mut counts = vec![[0i64; WIDTH]; n_groups];
    let mut present = vec![false; n_groups];
    let mut reached = vec![0u64; n_groups * words];
    let mut overdue_of = vec![0i64; n_groups];
    let n_units = inner.units.names.len();
    let mut unit_counts = vec![[0i64; WIDTH]; n_units];
    let mut unit_present = vec![false; n_units];
    let mut unit_overdue = vec![0i64; n_units];
    // Which sessions are asked for, by their number in `inner.sessions`.
    let sessions: Option<Vec<bool>> = match ask.span {
        Span::Sessions(ids) => {
            let mut wanted = vec![false; inner.sessions.names.len()];
            for id in ids.iter().filter_map(|id| inner.sessions.find(id)) {
                wanted[id as usize] = true;
            }
            Some(wanted)
        }
        Span::Days { .. } => None,
    };
    // Each proposal is added once, into its signature; each signature then into its groups.
    let n_signatures = inner.signatures.len();
    let mut sig_counts = vec![[0i64; WIDTH]; n_signatures];
    let mut sig_present = vec![false; n_signatures];
    let mut sig_reached = vec![0u64; n_signatures * words];
    let mut sig_overdue = vec![0i64; n_signatures];
    // A span of sessions adds the partials of its sessions; a span of days passes over the facts.
    if let Some(wanted) = &sessions {
        let asked = |(k, session, stage): &Bucket| {
            *k == kind
                && wanted.get(*session as usize).copied().unwrap_or(false)
                && ask.stage.is_none_or(|s| s == *stage)
        };
        for part in inner.partials.iter().filter(|(b, _)| asked(b)).map(|(_, p)| p) {
            for (s, (sums, _)) in &part.signatures {
                let s = *s as usize;
                add_sums(&mut sig_counts[s], sums);
                sig_present[s] = true;
            }
            for (s, u) in part.reach.keys() {
                let (s, u) = (*s as usize, *u as usize);
                sig_reached[s * words + u / 64] |= 1 << (u % 64);
            }
            for (u, (sums, _)) in &part.units {
                let u = *u as usize;
                add_sums(&mut unit_counts[u], sums);
                unit_present[u] = true;
            }
        }
    }
    let from_partials = sessions.is_some();
    for f in &inner.facts {
        // What is overdue depends on the time asked: counted here for every span.
        if from_partials && f.live.is_empty() {
            continue;
        }
        let in_span = match (&sessions, ask.span) {
            (Some(wanted), _) => wanted.get(f.session as usize).copied().unwrap_or(false),
            (None, Span::Days { from, to }) => *from <= f.day && f.day <= *to,
            (None, Span::Sessions(_)) => false,
        };
        if f.kind != kind || !in_span || ask.stage.is_some_and(|s| s != f.stage) {
            continue;
        }
        let s = f.signature as usize;
        if !from_partials {
            add(&mut sig_counts[s], inner.tallies.get(f.own));
            sig_present[s] = true;
            for (unit, tally, assigned) in &f.units {
                let tally = inner.tallies.get(*tally);
                let u = *unit as usize;
                if *assigned {
                    sig_reached[s * words + u / 64] |= 1 << (u % 64);
                }
                add(&mut unit_counts[u], tally);
                unit_present[u] = true;
            }
        }
        for (unit, due) in &f.live {
            if *due < ask.now {
                sig_overdue[s] += 1;
                unit_overdue[*unit as usize] += 1;
            }
        }
    }
    for s in (0..n_signatures).filter(|s| sig_present[*s]) {
        for g in inner.signatures[s].iter().take_while(|g| **g != NO_GROUP) {
            let g = *g as usize;
            for (total, c) in counts[g].iter_mut().zip(&sig_counts[s]) {
                *total += c;
            }
            present[g] = true;
            overdue_of[g] += sig_overdue[s];
            for w in 0..words {
                reached[g * words + w] |= sig_reached[s * words + w];
            }
        }
    }
    let mut out = Sums::default();
    for id in (0..n_groups).filter(|g| present[*g]) {
        let tally = Tally::from_values(&counts[id]);
        let units: i64 = reached[id * words..(id + 1) * words].iter().map(|w| i64::from(w.count_ones())).sum();
        let (dim, value) = inner.groups.names[id].split_once('\0').unwrap_or_default();
        out.groups.insert(
            (dim.to_string(), value.to_string()),
            (tally.proposal_counts(units, overdue_of[id]), tally.average_reply_working_days()),
        );
    }
    for id in (0..n_units).filter(|u| unit_present[*u]) {
        let (tally, overdue) = (Tally::from_values(&unit_counts[id]), unit_overdue[id]);
        if tally.is_zero() && overdue == 0 {
            // Only returned assignments: nothing of the scope is with that unit.
            continue;
        }
        out.units
            .insert(inner.units.names[id].clone(), (tally.unit_counts(overdue), tally.average_reply_working_days()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn every_id_has_its_own_key() {
        let a = crate::ids::new_id();
        let b = crate::ids::new_id();
        assert_ne!(key(&a), key(&b));
        assert_eq!(key(&a), key(&a.to_uppercase()), "a UUID is the same in either case");
        assert_ne!(key("imported-1"), key("imported-2"), "ids that are not UUIDs are told apart too");
        assert_eq!(key("imported-1"), key("imported-1"));
    }
}
