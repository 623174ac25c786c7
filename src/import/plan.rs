//! The dry run: every row read by the rules of `domain::import`, its names
//! found in the database (session, proposer, co-signers, leader, units), its
//! key looked up among the rows imported before, and its deadline counted.
//! Nothing is written; the plan says what an import would write and every
//! bad row by number and reason.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::file::Sheet;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::models::term::SessionRow;
use crate::db::schema::{committee_sessions, import_keys, proposals, sectors, units, users};
use crate::domain::Role;
use crate::domain::deadlines::{OfficeTime, Stage};
use crate::domain::import::{Cells, KindName, Problem, Record, check_headers, read};
use crate::domain::workflow::UnitRole;
use crate::error::AppResult;

/// A row ready to be written, with what its names stand for.
#[derive(Debug, Clone)]
pub struct Ready {
    pub record: Record,
    pub key: String,
    pub id: String,
    pub session_id: String,
    pub plenary: bool,
    pub proposer_id: String,
    pub cosigner_ids: Vec<String>,
    pub leader_id: Option<String>,
    /// The units and how each handled it.
    pub units: Vec<(String, UnitRole)>,
    /// The proposal a 并案 row went into: one already here or another row of the file.
    pub merged_into_id: Option<String>,
    pub due_at: NaiveDateTime,
}

/// What an import of the file would do.
#[derive(Debug, Default, Serialize)]
pub struct Plan {
    /// Excel, CSV（UTF-8）, CSV（GBK）.
    pub format: String,
    /// Rows read (blank rows not counted).
    pub rows: usize,
    #[serde(skip)]
    pub ready: Vec<Ready>,
    /// Rows imported before, exactly as they are now.
    pub unchanged: Vec<usize>,
    /// Rows imported before that now say something else: left as they are.
    pub changed: Vec<usize>,
    pub problems: Vec<Problem>,
}

impl Plan {
    /// How many rows the import would add.
    pub fn to_add(&self) -> usize {
        self.ready.len()
    }

    /// The rows with problems, each once.
    pub fn bad_rows(&self) -> usize {
        self.problems.iter().map(|p| p.line).collect::<HashSet<_>>().len()
    }
}

/// The time a past day's record is dated: 09:00 at the office.
pub fn morning(office: &OfficeTime, day: NaiveDate) -> NaiveDateTime {
    office.end_of(day) - Duration::seconds(15 * 3600 - 1)
}

/// The people, places and keys a file's names are looked up in.
struct Names {
    sessions: HashMap<String, SessionRow>,
    /// Members by display name: (id, username, sector name).
    members: HashMap<String, Vec<(String, String, Option<String>)>>,
    leaders: HashMap<String, Vec<String>>,
    units: HashMap<String, String>,
}

fn names(conn: &mut DbConn) -> AppResult<Names> {
    let sessions: Vec<SessionRow> = committee_sessions::table.select(SessionRow::as_select()).load(conn)?;
    let sector_names: HashMap<String, String> =
        sectors::table.select((sectors::id, sectors::name)).load(conn)?.into_iter().collect();
    let people: Vec<(String, String, String, String, Option<String>)> = users::table
        .filter(users::role.eq_any([Role::Member.as_str(), Role::Leader.as_str()]))
        .select((users::id, users::username, users::display_name, users::role, users::sector_id))
        .load(conn)?;
    let mut members: HashMap<String, Vec<_>> = HashMap::new();
    let mut leaders: HashMap<String, Vec<String>> = HashMap::new();
    for (id, username, name, role, sector) in people {
        if role == Role::Leader.as_str() {
            leaders.entry(name).or_default().push(id);
        } else {
            let sector = sector.and_then(|s| sector_names.get(&s).cloned());
            members.entry(name).or_default().push((id, username, sector));
        }
    }
    let units = units::table.select((units::name, units::id)).load::<(String, String)>(conn)?.into_iter().collect();
    Ok(Names { sessions: sessions.into_iter().map(|s| (s.name.clone(), s)).collect(), members, leaders, units })
}

/// Reads `sheet` into a plan, on the office's day `now`.
pub fn plan(
    conn: &mut DbConn,
    sheet: &Sheet,
    workflow: &WorkflowSettings,
    office: &OfficeTime,
    now: NaiveDateTime,
) -> AppResult<Plan> {
    let mut plan = Plan { format: sheet.format.clone(), rows: sheet.rows.len(), ..Plan::default() };
    plan.problems = check_headers(&sheet.headers);
    if !plan.problems.is_empty() {
        return Ok(plan);
    }
    let kinds: Vec<KindName> =
        workflow.kinds.iter().map(|k| KindName { code: k.code.as_str(), noun: k.noun.as_str() }).collect();
    let today = office.today(now);
    let names = names(conn)?;
    let mut records = Vec::new();
    for (line, values) in &sheet.rows {
        match read(&Cells { headers: &sheet.headers, values }, *line, &kinds, today) {
            Ok(r) => records.push(r),
            Err(problems) => plan.problems.extend(problems),
        }
    }

    // Keys imported before, and numbers given to proposals already here.
    let keys: Vec<String> = records.iter().map(Record::key).collect();
    let mut imported: HashMap<String, (String, String)> = HashMap::new();
    for chunk in keys.chunks(500) {
        let found: Vec<(String, String, String)> = import_keys::table
            .filter(import_keys::row_key.eq_any(chunk))
            .select((import_keys::row_key, import_keys::proposal_id, import_keys::content))
            .load(conn)?;
        imported.extend(found.into_iter().map(|(k, id, content)| (k, (id, content))));
    }
    let session_ids: Vec<String> = names.sessions.values().map(|s| s.id.clone()).collect();
    let numbered: Vec<(String, String, Option<i32>, String)> = proposals::table
        .filter(proposals::session_id.eq_any(&session_ids))
        .filter(proposals::number.is_not_null())
        .select((proposals::kind, proposals::session_id.assume_not_null(), proposals::number, proposals::id))
        .load(conn)?;
    let mut by_number: HashMap<(String, String, i32), String> =
        numbered.into_iter().filter_map(|(k, s, n, id)| n.map(|n| ((k, s, n), id))).collect();

    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut merges = Vec::new();
    for (record, key) in records.into_iter().zip(keys) {
        let line = record.line;
        let mut fail = |column: &str, reason: String| {
            plan.problems.push(Problem { line, column: column.into(), reason });
        };
        if let Some(first) = first_line.get(&key) {
            fail("案号", format!("与第 {first} 行是同一条记录（同一会议、文种与案号，或同一标题与提案人）"));
            continue;
        }
        first_line.insert(key.clone(), line);
        if let Some((_, content)) = imported.get(&key) {
            if *content == record.content {
                plan.unchanged.push(line);
            } else {
                plan.changed.push(line);
            }
            continue;
        }
        let Some(session) = names.sessions.get(&record.session) else {
            fail("会议", format!("系统中没有会议「{}」：请先在届次管理中建立", record.session));
            continue;
        };
        let proposer =
            find_member(&names, &record.proposer, record.proposer_username.as_deref(), record.sector.as_deref());
        let proposer_id = match proposer {
            Ok(id) => id,
            Err(reason) => {
                fail("提案人", reason);
                String::new()
            }
        };
        let mut cosigner_ids = Vec::new();
        for name in &record.cosigners {
            match find_member(&names, name, None, None) {
                Ok(id) if id == proposer_id => fail("联名人", format!("「{name}」是提案人本人")),
                Ok(id) => cosigner_ids.push(id),
                Err(reason) => fail("联名人", reason),
            }
        }
        let leader_id = match record.key_leader.as_deref() {
            None => None,
            Some(name) => match names.leaders.get(name).map(Vec::as_slice) {
                Some([one]) => Some(one.clone()),
                Some(_) => {
                    fail("督办领导", format!("有多位名为「{name}」的领导"));
                    None
                }
                None => {
                    fail("督办领导", format!("找不到领导「{name}」：请先建立其领导账号"));
                    None
                }
            },
        };
        let mut units = Vec::new();
        let wanted = record
            .lead_unit
            .iter()
            .map(|u| (u, UnitRole::Lead))
            .chain(record.separate_units.iter().map(|u| (u, UnitRole::Separate)))
            .chain(record.co_units.iter().map(|u| (u, UnitRole::Co)));
        for (name, role) in wanted {
            match names.units.get(name.as_str()) {
                Some(id) if units.iter().any(|(u, _)| u == id) => fail("会办单位", format!("单位「{name}」出现了两次")),
                Some(id) => units.push((id.clone(), role)),
                None => fail(column_of(role), format!("找不到承办单位「{name}」")),
            }
        }
        let id = crate::ids::new_id();
        if let Some(n) = record.number {
            let taken = (record.kind.clone(), session.id.clone(), n);
            if by_number.contains_key(&taken) {
                fail("案号", format!("{}第{n}号已有记录", session.name));
            }
        }
        let plenary = record
            .plenary
            .unwrap_or((session.plenary_window_start..=session.plenary_window_end).contains(&record.submitted_on));
        let due_at = match (record.due_on, session.replies_due_on) {
            (Some(day), _) | (None, Some(day)) => office.end_of(day),
            (None, None) => {
                office.due_after(record.assigned_on, workflow.deadlines.rule(&record.kind, Stage::Reply)).at
            }
        };
        if plan.problems.last().is_some_and(|p| p.line == line) {
            continue;
        }
        if let Some(n) = record.number {
            by_number.insert((record.kind.clone(), session.id.clone(), n), id.clone());
        }
        if let Some(n) = record.merged_into {
            merges.push((plan.ready.len(), (record.kind.clone(), session.id.clone(), n)));
        }
        plan.ready.push(Ready {
            key,
            id,
            session_id: session.id.clone(),
            plenary,
            proposer_id,
            cosigner_ids,
            leader_id,
            units,
            merged_into_id: None,
            due_at,
            record,
        });
    }
    // 并案: into a proposal already here or one of the file, once all are numbered.
    let mut unmerged = Vec::new();
    for (i, target) in merges {
        match by_number.get(&target) {
            Some(id) => plan.ready[i].merged_into_id = Some(id.clone()),
            None => unmerged.push(i),
        }
    }
    for i in unmerged.into_iter().rev() {
        let r = plan.ready.remove(i);
        let n = r.record.merged_into.unwrap_or_default();
        plan.problems.push(Problem {
            line: r.record.line,
            column: "并入案号".into(),
            reason: format!("{}没有第{n}号立案的记录可并入", r.record.session),
        });
    }
    plan.problems.sort_by_key(|p| p.line);
    Ok(plan)
}

fn column_of(role: UnitRole) -> &'static str {
    match role {
        UnitRole::Lead => "主办单位",
        UnitRole::Separate => "分办单位",
        UnitRole::Co => "会办单位",
    }
}

/// The member `name` stands for: by login name when given, else by name,
/// told apart by sector when several share it.
fn find_member(names: &Names, name: &str, username: Option<&str>, sector: Option<&str>) -> Result<String, String> {
    let same_name = names.members.get(name).map(Vec::as_slice).unwrap_or_default();
    if let Some(login) = username {
        return same_name
            .iter()
            .find(|(_, u, _)| u == login)
            .map(|(id, _, _)| id.clone())
            .ok_or_else(|| format!("没有登录名为「{login}」、姓名为「{name}」的委员"));
    }
    let fits: Vec<&(String, String, Option<String>)> = match sector {
        Some(s) => same_name.iter().filter(|(_, _, own)| own.as_deref() == Some(s)).collect(),
        None => same_name.iter().collect(),
    };
    match fits.as_slice() {
        [one] => Ok(one.0.clone()),
        [] if same_name.is_empty() => Err(format!("找不到委员「{name}」：请先在用户管理中建立其账号（可停用）")),
        [] => Err(format!("界别「{}」中没有委员「{name}」", sector.unwrap_or_default())),
        _ => Err(format!("有多位名为「{name}」的委员：请填写「提案人账号」或「界别」以区分")),
    }
}
