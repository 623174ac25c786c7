//! `bench seed`: a realistic archive for the benchmark, written straight into
//! the tables as the workflow would have left them (like the demo), in one
//! transaction, with one audit event that says so. Deterministic: the same
//! options give the same archive.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::texts;
use crate::audit::{self, Actor, Change, Origin};
use crate::db::models::org::{SectorRow, UnitRow};
use crate::db::models::proposal::{
    AssignmentRow, CommitmentRow, ContactRow, OpinionRow, ProposalRow, RatingRow, ReplyRow,
};
use crate::db::models::term::{SessionRow, TermRow};
use crate::db::models::user::NewUser;
use crate::db::schema::{
    assignments, co_opinions, commitments, committee_sessions, committee_terms, contacts, number_sequences, proposals,
    ratings, replies, search_documents, sectors, units, users,
};
use crate::db::{AnyConnection, Db, DbConn, insert_all};
use crate::domain::Role;
use crate::domain::workflow::guards::{Grade, Satisfaction};
use crate::domain::workflow::{AssignmentState, ContactKind, KeyMode, ProposalState, SubmitterType, UnitRole};
use crate::error::{AppError, AppResult};

/// The password of every benchmark account.
pub const BENCH_PASSWORD: &str = "bench-password-2026";

pub struct SeedOptions {
    pub proposals: usize,
    pub sessions: usize,
    pub members: usize,
    /// Drafts of `bench-writer`, for the write workload to submit.
    pub drafts: usize,
    pub seed: u64,
    /// The cost of the accounts' one password hash (the service's own).
    pub password_cost: crate::auth::password::PasswordCost,
}

/// What the benchmark needs to know about the archive.
#[derive(Default)]
pub struct Seeded {
    pub session_ids: Vec<String>,
    pub term_ids: Vec<String>,
    pub sector_ids: Vec<String>,
    pub unit_ids: Vec<String>,
    pub published_ids: Vec<String>,
    pub draft_ids: Vec<String>,
    pub rows: usize,
}

/// Seeds an empty database (one without accounts).
pub fn seed(db: &Db, options: &SeedOptions, now: NaiveDateTime) -> anyhow::Result<Seeded> {
    let existing: i64 = {
        let mut conn = db.get()?;
        users::table.count().get_result(&mut conn)?
    };
    if existing > 0 {
        anyhow::bail!("the database already has accounts; the benchmark seeds only an empty one");
    }
    let hash = crate::auth::password::hash_blocking(&options.password_cost, BENCH_PASSWORD)?;
    Ok(db.write_blocking(|conn| write(conn, options, &hash, now))?)
}

struct Member {
    id: String,
    name: String,
}

fn write(conn: &mut DbConn, o: &SeedOptions, hash: &str, now: NaiveDateTime) -> AppResult<Seeded> {
    if let AnyConnection::Sqlite(c) = &mut *conn {
        // One large transaction: a page cache big enough to hold the indexes
        // while they grow keeps SQLite from spilling them to the WAL, where a
        // page spilled again is appended again (at a million proposals and a
        // fixed 256 MiB the WAL passed 6 GB). 256 MiB per 100,000 proposals, at
        // most 4 GiB; memory is only taken as pages are touched.
        let mib = (o.proposals / 100_000).clamp(1, 16) * 256;
        diesel::sql_query(format!("PRAGMA cache_size = -{}", mib * 1024)).execute(c)?;
    }
    let mut rng = StdRng::seed_from_u64(o.seed);
    let mut out = Seeded::default();
    let date = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let at = |d: NaiveDate| d.and_hms_opt(9, 0, 0).unwrap_or_default();

    // A term with one session a year, the last one this year.
    let first_year = 2026 - o.sessions as i32 + 1;
    let term = TermRow {
        id: crate::ids::new_id(),
        number: 1,
        name: "第一届".into(),
        starts_on: date(first_year - 1, 12, 1),
        ends_on: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    diesel::insert_into(committee_terms::table).values(&term).execute(conn)?;
    out.term_ids.push(term.id.clone());
    const ORDINALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    let sessions: Vec<SessionRow> = (0..o.sessions)
        .map(|i| {
            let year = first_year + i as i32;
            SessionRow {
                id: crate::ids::new_id(),
                term_id: term.id.clone(),
                number: i as i32 + 1,
                name: format!("一届{}次会议", ORDINALS.get(i).copied().unwrap_or("十")),
                opens_on: date(year, 1, 10),
                plenary_window_start: date(year - 1, 12, 1),
                plenary_window_end: date(year, 1, 14),
                replies_due_on: None,
                created_at: now,
                updated_at: now,
                version: 1,
            }
        })
        .collect();
    out.rows += insert_all!(conn, committee_sessions::table, sessions);
    out.session_ids = sessions.iter().map(|s| s.id.clone()).collect();

    let sector_rows: Vec<SectorRow> = texts::SECTORS
        .iter()
        .enumerate()
        .map(|(i, name)| SectorRow {
            id: crate::ids::new_id(),
            code: format!("s{i:02}"),
            name: (*name).into(),
            sort_order: i as i32,
            active: true,
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
    out.rows += insert_all!(conn, sectors::table, sector_rows);
    out.sector_ids = sector_rows.iter().map(|s| s.id.clone()).collect();

    let unit_rows: Vec<UnitRow> = texts::UNIT_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| UnitRow {
            id: crate::ids::new_id(),
            code: format!("u{i:02}"),
            name: (*name).into(),
            kind: "government".into(),
            email: None,
            active: true,
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
    out.rows += insert_all!(conn, units::table, unit_rows);
    out.unit_ids = unit_rows.iter().map(|u| u.id.clone()).collect();

    let user = |username: String, name: String, role: Role, sector: Option<String>, unit: Option<String>| NewUser {
        id: crate::ids::new_id(),
        email: Some(format!("{username}@bench.example.org")),
        username,
        display_name: name,
        role,
        sector_id: sector,
        unit_id: unit,
        phone: None,
        password_hash: hash.to_string(),
        must_change_password: false,
        token_generation: 0,
        disabled: false,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"];
    const GIVEN: [&str; 12] = ["芳", "建国", "敏", "洋", "静", "伟", "磊", "丽", "强", "霞", "明", "华"];
    let mut people = vec![
        user("bench-office".into(), "提案办".into(), Role::Office, None, None),
        user("bench-writer".into(), "写作委员".into(), Role::Member, out.sector_ids.first().cloned(), None),
        user("bench-login".into(), "登录委员".into(), Role::Member, out.sector_ids.first().cloned(), None),
        user("bench-leader".into(), "领办领导".into(), Role::Leader, None, None),
    ];
    let mut staff: HashMap<String, (String, String)> = HashMap::new();
    for (i, unit) in out.unit_ids.iter().enumerate() {
        let s = user(format!("u{i:02}-staff"), format!("经办人{i}"), Role::UnitStaff, None, Some(unit.clone()));
        let h = user(format!("u{i:02}-head"), format!("负责人{i}"), Role::UnitHead, None, Some(unit.clone()));
        staff.insert(unit.clone(), (s.id.clone(), h.id.clone()));
        people.push(s);
        people.push(h);
    }
    let mut members = Vec::with_capacity(o.members);
    for i in 0..o.members {
        let name = format!("{}{}", SURNAMES[i % 12], GIVEN[(i / 12) % 12]);
        let sector = out.sector_ids[i % out.sector_ids.len()].clone();
        let row = user(format!("m{i:05}"), name.clone(), Role::Member, Some(sector), None);
        members.push(Member { id: row.id.clone(), name });
        people.push(row);
    }
    let writer = people[1].id.clone();
    let leader = people[3].id.clone();
    out.rows += insert_all!(conn, users::table, people);

    let mut batch = Batch::default();
    let mut numbers: HashMap<(String, String), i32> = HashMap::new();
    let mut filed_by_session: HashMap<String, Vec<String>> = HashMap::new();
    for i in 0..o.proposals {
        let session_index = i % o.sessions;
        let session = &sessions[session_index];
        let member = members.choose(&mut rng).ok_or_else(|| AppError::internal("no members"))?;
        let topic = *texts::TOPICS.choose(&mut rng).unwrap_or(&"社区治理");
        let title = texts::title(&mut rng, topic);
        let kind = if rng.random_ratio(1, 20) { "suggestion" } else { "proposal" };
        // Four in five handed in for the plenary session, in the month before
        // it opens; the others between sessions, in the half year after it
        // (so that even this year's replies are in the past).
        let plenary = !rng.random_ratio(1, 5);
        let submitted_at = if plenary {
            at(session.opens_on) - Duration::days(rng.random_range(0..30))
        } else {
            at(session.opens_on) + Duration::days(rng.random_range(10..180))
        };
        // A tenth published; the rest spread over every other stage.
        let state = if i % 10 == 0 {
            ProposalState::Published
        } else {
            match rng.random_range(0..100) {
                0..3 => ProposalState::Submitted,
                3..8 => ProposalState::NotFiled,
                8..10 => ProposalState::Converted,
                10..15 => ProposalState::Merged,
                15..18 => ProposalState::Filed,
                18..33 => ProposalState::Handling,
                33..43 => ProposalState::Replied,
                43..98 => ProposalState::Closed,
                _ => ProposalState::Withheld,
            }
        };
        let numbered = state.was_filed();
        let number = numbered.then(|| {
            let n = numbers.entry((kind.to_string(), session.id.clone())).or_insert(0);
            *n += 1;
            *n
        });
        let collective = rng.random_ratio(1, 10);
        let filed_at = (state != ProposalState::Submitted).then(|| submitted_at + Duration::days(20));
        let assigned_at = submitted_at + Duration::days(30);
        let replied_at = assigned_at + Duration::days(rng.random_range(30..100));
        let replied = matches!(
            state,
            ProposalState::Replied | ProposalState::Closed | ProposalState::Published | ProposalState::Withheld
        );
        let closed = matches!(state, ProposalState::Closed | ProposalState::Published | ProposalState::Withheld);
        let is_key = numbered && rng.random_ratio(1, 30);
        let merged_into = if state == ProposalState::Merged {
            filed_by_session.get(&session.id).and_then(|v| v.choose(&mut rng)).cloned()
        } else {
            None
        };
        let state =
            if state == ProposalState::Merged && merged_into.is_none() { ProposalState::NotFiled } else { state };
        let p = ProposalRow {
            id: crate::ids::new_id(),
            kind: kind.into(),
            session_id: Some(session.id.clone()),
            number,
            title: title.clone(),
            reasons: texts::reasons(&mut rng, topic),
            suggestions: texts::suggestions(&mut rng, topic),
            topic: texts::TOPIC_CATEGORIES[i % texts::TOPIC_CATEGORIES.len()].into(),
            submitter_type: if collective { SubmitterType::Sector } else { SubmitterType::Member },
            proposer_id: member.id.clone(),
            entered_by_id: None,
            state,
            is_plenary: Some(plenary),
            is_key,
            merged_into_id: merged_into,
            submitted_at: Some(submitted_at),
            filed_at,
            closed_at: closed.then(|| replied_at + Duration::days(20)),
            published_at: (state == ProposalState::Published).then(|| replied_at + Duration::days(25)),
            created_at: submitted_at - Duration::days(3),
            updated_at: submitted_at,
            version: 5,
            submitter_name: collective.then(|| format!("{}界别", texts::SECTORS[i % texts::SECTORS.len()])),
            handling_round: 1,
            refusal_code: (state == ProposalState::NotFiled).then(|| "outside_scope".into()),
            refusal_text: (state == ProposalState::NotFiled).then(|| "所提事项不属于本级政协提案受理范围。".into()),
            key_leader_id: is_key.then(|| leader.clone()),
            // Three in four led by a government leader (领办), the others supervised (督办).
            key_mode: is_key.then_some(if i % 4 == 3 { KeyMode::Supervise } else { KeyMode::Lead }),
            withheld_reason: (state == ProposalState::Withheld).then(|| "涉及尚未公开的规划内容".into()),
            replied_at: replied.then_some(replied_at),
            rating_due_at: replied.then(|| replied_at + Duration::days(21)),
        };
        if numbered {
            filed_by_session.entry(session.id.clone()).or_default().push(p.id.clone());
        }
        if matches!(
            state,
            ProposalState::Handling
                | ProposalState::Replied
                | ProposalState::Closed
                | ProposalState::Published
                | ProposalState::Withheld
        ) {
            handling(
                &mut rng,
                &mut batch,
                &p,
                &out.unit_ids,
                &staff,
                &member.name,
                topic,
                assigned_at,
                replied_at,
                state,
            )?;
        }
        if state == ProposalState::Published {
            out.published_ids.push(p.id.clone());
        }
        batch.proposals.push(p);
        out.rows += batch.flush_if_full(conn)?;
    }
    out.rows += batch.flush(conn)?;
    // The writer's drafts, for the write workload to submit.
    let mut drafts = Vec::with_capacity(o.drafts.min(10_000));
    for i in 0..o.drafts {
        let topic = texts::TOPICS[i % texts::TOPICS.len()];
        let p = ProposalRow {
            id: crate::ids::new_id(),
            kind: "proposal".into(),
            session_id: None,
            number: None,
            title: texts::title(&mut rng, topic),
            reasons: texts::reasons(&mut rng, topic),
            suggestions: texts::suggestions(&mut rng, topic),
            topic: "社会治理".into(),
            submitter_type: SubmitterType::Member,
            proposer_id: writer.clone(),
            entered_by_id: None,
            state: ProposalState::Draft,
            is_plenary: None,
            is_key: false,
            merged_into_id: None,
            submitted_at: None,
            filed_at: None,
            closed_at: None,
            published_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
            submitter_name: None,
            handling_round: 1,
            refusal_code: None,
            refusal_text: None,
            key_leader_id: None,
            key_mode: None,
            withheld_reason: None,
            replied_at: None,
            rating_due_at: None,
        };
        out.draft_ids.push(p.id.clone());
        drafts.push(p);
        if drafts.len() >= 2000 {
            out.rows += insert_all!(conn, proposals::table, drafts);
            drafts.clear();
        }
    }
    out.rows += insert_all!(conn, proposals::table, drafts);

    let sequences: Vec<_> = numbers
        .iter()
        .map(|((kind, session), last)| {
            (
                number_sequences::kind.eq(kind.clone()),
                number_sequences::session_id.eq(session.clone()),
                number_sequences::last_number.eq(*last),
            )
        })
        .collect();
    for s in sequences {
        diesel::insert_into(number_sequences::table).values(s).execute(conn)?;
    }
    let change = Change::new("bench.seed", "archive", term.id.clone()).after(json!({
        "proposals": o.proposals, "drafts": o.drafts, "sessions": o.sessions, "members": o.members,
        "published": out.published_ids.len(), "rows": out.rows,
    }));
    audit::record(conn, &Actor::system("bench"), &Origin::default(), change, now)?;
    Ok(out)
}

/// Rows waiting to be written, in batches.
#[derive(Default)]
struct Batch {
    proposals: Vec<ProposalRow>,
    assignments: Vec<AssignmentRow>,
    contacts: Vec<ContactRow>,
    opinions: Vec<OpinionRow>,
    replies: Vec<ReplyRow>,
    ratings: Vec<RatingRow>,
    commitments: Vec<CommitmentRow>,
    search: Vec<(String, String)>,
}

impl Batch {
    fn flush_if_full(&mut self, conn: &mut DbConn) -> AppResult<usize> {
        if self.proposals.len() >= 1000 { self.flush(conn) } else { Ok(0) }
    }

    /// Writes everything held, parents before children.
    fn flush(&mut self, conn: &mut DbConn) -> AppResult<usize> {
        let mut n = insert_all!(conn, proposals::table, self.proposals);
        n += insert_all!(conn, assignments::table, self.assignments);
        n += insert_all!(conn, contacts::table, self.contacts);
        n += insert_all!(conn, co_opinions::table, self.opinions);
        n += insert_all!(conn, replies::table, self.replies);
        n += insert_all!(conn, ratings::table, self.ratings);
        n += insert_all!(conn, commitments::table, self.commitments);
        let now = chrono::Utc::now().naive_utc();
        let docs: Vec<_> = self
            .search
            .drain(..)
            .map(|(id, body)| {
                (
                    search_documents::proposal_id.eq(id),
                    search_documents::body.eq(body),
                    search_documents::indexed_at.eq(now),
                )
            })
            .collect();
        n += insert_all!(conn, search_documents::table, docs);
        self.proposals.clear();
        self.assignments.clear();
        self.contacts.clear();
        self.opinions.clear();
        self.replies.clear();
        self.ratings.clear();
        self.commitments.clear();
        Ok(n)
    }
}

/// The assignments, contacts, opinions, replies, ratings and commitments of a
/// proposal that reached handling, as far as its state says it went.
#[allow(clippy::too_many_arguments)]
fn handling(
    rng: &mut StdRng,
    batch: &mut Batch,
    p: &ProposalRow,
    unit_ids: &[String],
    staff: &HashMap<String, (String, String)>,
    proposer_name: &str,
    topic: &str,
    assigned_at: NaiveDateTime,
    replied_at: NaiveDateTime,
    state: ProposalState,
) -> AppResult<()> {
    let replied = state != ProposalState::Handling;
    let separate = rng.random_ratio(1, 10);
    let picked: Vec<&String> = unit_ids.choose_multiple(rng, 3).collect();
    let roles: Vec<(&String, UnitRole)> = if separate {
        vec![(picked[0], UnitRole::Separate), (picked[1], UnitRole::Separate)]
    } else if rng.random_ratio(3, 10) {
        vec![(picked[0], UnitRole::Lead), (picked[2], UnitRole::Co)]
    } else {
        vec![(picked[0], UnitRole::Lead)]
    };
    let due_at = assigned_at.checked_add_months(chrono::Months::new(3)).unwrap_or(assigned_at);
    let mut public_bodies = Vec::new();
    for (unit, role) in roles {
        let (staff_id, head_id) = staff.get(unit).cloned().ok_or_else(|| AppError::internal("unit without staff"))?;
        let replies_here = role != UnitRole::Co;
        let a = AssignmentRow {
            id: crate::ids::new_id(),
            proposal_id: p.id.clone(),
            unit_id: unit.clone(),
            unit_role: role,
            state: if replied && replies_here { AssignmentState::Done } else { AssignmentState::Received },
            assigned_at,
            due_at,
            signed_for_at: Some(assigned_at + Duration::days(1)),
            created_at: assigned_at,
            updated_at: assigned_at,
            version: 2,
            return_window_ends_at: Some(assigned_at + Duration::days(7)),
            opinion_due_at: (role == UnitRole::Co).then(|| due_at - Duration::days(30)),
            contact_waiver: None,
            opinion_waiver: None,
            handling_round: 1,
        };
        if role == UnitRole::Co && replied {
            batch.opinions.push(OpinionRow {
                id: crate::ids::new_id(),
                assignment_id: a.id.clone(),
                proposal_id: p.id.clone(),
                body: "我单位同意主办单位的办理意见，将在职责范围内积极配合。".into(),
                sent_by_id: staff_id.clone(),
                sent_at: assigned_at + Duration::days(25),
            });
        }
        if replies_here && (replied || rng.random_ratio(1, 2)) {
            for k in 0..rng.random_range(1..3) {
                batch.contacts.push(ContactRow {
                    id: crate::ids::new_id(),
                    assignment_id: a.id.clone(),
                    proposal_id: p.id.clone(),
                    kind: [ContactKind::Visit, ContactKind::Meeting, ContactKind::Phone][rng.random_range(0..3)],
                    contacted_on: (assigned_at + Duration::days(10 + 5 * k)).date(),
                    summary: texts::contact_summary(rng),
                    recorded_by_id: staff_id.clone(),
                    created_at: assigned_at + Duration::days(10 + 5 * k),
                });
            }
        }
        if replies_here && replied {
            let grade = match rng.random_range(0..100) {
                0..50 => Grade::A,
                50..85 => Grade::B,
                _ => Grade::C,
            };
            let (body, public) = texts::reply(rng, proposer_name, &p.title, topic);
            let r = ReplyRow {
                id: crate::ids::new_id(),
                proposal_id: p.id.clone(),
                assignment_id: a.id.clone(),
                grade: Some(grade),
                body,
                public_body: Some(public.clone()),
                person_in_charge: Some("王明".into()),
                drafted_by_id: Some(staff_id.clone()),
                signed_off_by_id: Some(head_id),
                signed_off_at: Some(replied_at),
                submitted_at: Some(replied_at),
                created_at: replied_at,
                updated_at: replied_at,
                version: 3,
                handling_round: 1,
            };
            if grade == Grade::B {
                batch.commitments.push(CommitmentRow {
                    id: crate::ids::new_id(),
                    reply_id: r.id.clone(),
                    proposal_id: p.id.clone(),
                    description: format!("年内完成{topic}相关重点项目建设"),
                    target_date: (replied_at + Duration::days(180)).date(),
                    fulfilled_at: rng.random_ratio(1, 2).then(|| replied_at + Duration::days(150)),
                    fulfilled_by_id: None,
                    created_at: replied_at,
                });
            }
            public_bodies.push(public);
            batch.replies.push(r);
        }
        batch.assignments.push(a);
    }
    if matches!(state, ProposalState::Closed | ProposalState::Published | ProposalState::Withheld) {
        // A closed proposal was rated satisfied at least in part: 不满意 would have sent it back.
        let pick = |rng: &mut StdRng| {
            if rng.random_ratio(85, 100) { Satisfaction::Satisfied } else { Satisfaction::BasicallySatisfied }
        };
        batch.ratings.push(RatingRow {
            id: crate::ids::new_id(),
            proposal_id: p.id.clone(),
            reply_id: None,
            rater_id: p.proposer_id.clone(),
            process_rating: pick(rng),
            result_rating: pick(rng),
            comment: None,
            rated_at: replied_at + Duration::days(10),
            handling_round: 1,
        });
    }
    if state == ProposalState::Published {
        batch.search.push((p.id.clone(), crate::search::document(p, &public_bodies)));
    }
    Ok(())
}
