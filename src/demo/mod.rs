//! Demo data for a first look: a term and its sessions, the sectors, a dozen
//! handling units and an account for every role. Seeded only into an empty
//! database, so it never touches real data.

mod proposals;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::accounts::{self, NewAccount};
use crate::audit::{self, Actor, Change, Origin};
use crate::auth::password::PasswordCost;
use crate::db::models::org::{SectorRow, UnitRow};
use crate::db::models::term::{SessionRow, TermRow};
use crate::db::schema::{committee_sessions, committee_terms, sectors, units, users};
use crate::db::{Db, DbConn};
use crate::domain::Role;
use crate::error::{AppError, AppResult};

/// The password of every demo account (printed at start; for demonstration only).
pub const DEMO_PASSWORD: &str = "desk-demo-2026";

const SECTORS: &[(&str, &str)] = &[
    ("zgdj", "中国共产党"),
    ("mg", "民革"),
    ("mm", "民盟"),
    ("mj", "民建"),
    ("mjin", "民进"),
    ("ng", "农工党"),
    ("jsxs", "九三学社"),
    ("wdp", "无党派人士"),
    ("gh", "总工会"),
    ("fl", "妇联"),
    ("gsl", "工商联"),
    ("kj", "科学技术界"),
    ("jj", "经济界"),
    ("ny", "农业界"),
    ("jy", "教育界"),
    ("yw", "医药卫生界"),
    ("wy", "文化艺术界"),
    ("ty", "特邀界"),
];

const UNITS: &[(&str, &str)] = &[
    ("fgw", "区发展和改革委员会"),
    ("jyj", "区教育局"),
    ("kjj", "区科学技术局"),
    ("mzj", "区民政局"),
    ("czj", "区财政局"),
    ("rsj", "区人力资源和社会保障局"),
    ("zrj", "区规划和自然资源局"),
    ("sthj", "区生态环境局"),
    ("zjj", "区住房和城乡建设局"),
    ("jtj", "区交通运输局"),
    ("wjw", "区卫生健康委员会"),
    ("scj", "区市场监督管理局"),
];

const MEMBERS: &[(&str, &str, &str)] = &[
    ("wangfang", "王芳", "jy"),
    ("lijianguo", "李建国", "jj"),
    ("zhangmin", "张敏", "yw"),
    ("liuyang", "刘洋", "mj"),
    ("chenjing", "陈静", "fl"),
    ("yangwei", "杨伟", "kj"),
    ("zhaolei", "赵磊", "ny"),
    ("huangli", "黄丽", "wy"),
    ("zhouqiang", "周强", "gsl"),
    ("wuxia", "吴霞", "mm"),
];

pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    pub who: String,
}

/// Seeds the demo data if the database has no account yet. Returns the logins
/// to show, or None when the database already had data.
pub fn seed_if_empty(db: &Db, cost: &PasswordCost, now: NaiveDateTime) -> anyhow::Result<Option<Vec<DemoLogin>>> {
    let existing: i64 = {
        let mut conn = db.get()?;
        users::table.count().get_result(&mut conn)?
    };
    if existing > 0 {
        return Ok(None);
    }
    // One hash for every demo account: the demo starts fast, and they share a password anyway.
    let hash = crate::auth::password::hash_blocking(cost, DEMO_PASSWORD)?;
    let logins = db.write_blocking(|conn| seed(conn, &hash, now))?;
    Ok(Some(logins))
}

fn seed(conn: &mut DbConn, hash: &str, now: NaiveDateTime) -> AppResult<Vec<DemoLogin>> {
    let actor = Actor::system("demo");
    let origin = Origin::default();
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();

    let term = TermRow {
        id: crate::ids::new_id(),
        number: 1,
        name: "第一届".into(),
        starts_on: date(2026, 1, 1),
        ends_on: Some(date(2030, 12, 31)),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    diesel::insert_into(committee_terms::table).values(&term).execute(conn)?;
    audit::record(
        conn,
        &actor,
        &origin,
        Change::new("term.create", "term", term.id.clone()).after(serde_json::to_value(&term)?),
        now,
    )?;
    for (number, name, opens, start, end) in [
        (1, "一届一次会议", date(2026, 1, 10), date(2025, 12, 1), date(2026, 1, 14)),
        (2, "一届二次会议", date(2027, 1, 9), date(2026, 12, 1), date(2027, 1, 13)),
    ] {
        let session = SessionRow {
            id: crate::ids::new_id(),
            term_id: term.id.clone(),
            number,
            name: name.into(),
            opens_on: opens,
            plenary_window_start: start,
            plenary_window_end: end,
            replies_due_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        diesel::insert_into(committee_sessions::table).values(&session).execute(conn)?;
        audit::record(
            conn,
            &actor,
            &origin,
            Change::new("session.create", "session", session.id.clone()).after(serde_json::to_value(&session)?),
            now,
        )?;
    }

    let mut sector_ids = std::collections::HashMap::new();
    for (i, (code, name)) in SECTORS.iter().enumerate() {
        let row = SectorRow {
            id: crate::ids::new_id(),
            code: (*code).into(),
            name: (*name).into(),
            sort_order: i as i32 * 10,
            active: true,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        diesel::insert_into(sectors::table).values(&row).execute(conn)?;
        audit::record(
            conn,
            &actor,
            &origin,
            Change::new("sector.create", "sector", row.id.clone()).after(serde_json::to_value(&row)?),
            now,
        )?;
        sector_ids.insert(*code, row.id);
    }

    let mut logins = Vec::new();
    let mut add = |conn: &mut DbConn,
                   username: &str,
                   name: &str,
                   role: Role,
                   sector_id: Option<String>,
                   unit_id: Option<String>,
                   who: String|
     -> AppResult<()> {
        let account = NewAccount {
            username: username.into(),
            display_name: name.into(),
            role,
            sector_id,
            unit_id,
            email: Some(format!("{username}@demo.proposal-desk.local")),
            phone: None,
            password_hash: hash.into(),
            must_change_password: false,
        };
        accounts::create(conn, account, &actor, &origin, now)?;
        logins.push(DemoLogin { username: username.into(), role, who });
        Ok(())
    };

    add(conn, "admin", "系统管理员", Role::Admin, None, None, "系统管理员".into())?;
    add(conn, "office", "提案办 孙丽", Role::Office, None, None, "提案委员会办公室".into())?;
    add(conn, "office2", "提案办 郑涛", Role::Office, None, None, "提案委员会办公室".into())?;
    add(conn, "leader", "区长 马志远", Role::Leader, None, None, "区政府领导（领办）".into())?;
    add(conn, "leader2", "政协主席 何文", Role::Leader, None, None, "政协领导（督办）".into())?;
    for (username, name, sector) in MEMBERS {
        let sector_id = sector_ids.get(sector).cloned();
        add(
            conn,
            username,
            name,
            Role::Member,
            sector_id,
            None,
            format!("委员 · {}", SECTORS.iter().find(|s| s.0 == *sector).map_or("", |s| s.1)),
        )?;
    }
    for (code, name) in UNITS {
        let unit = UnitRow {
            id: crate::ids::new_id(),
            code: (*code).into(),
            name: (*name).into(),
            kind: "政府部门".into(),
            email: Some(format!("{code}@demo.proposal-desk.local")),
            active: true,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        diesel::insert_into(units::table).values(&unit).execute(conn)?;
        audit::record(
            conn,
            &actor,
            &origin,
            Change::new("unit.create", "unit", unit.id.clone()).after(serde_json::to_value(&unit)?),
            now,
        )?;
        add(
            conn,
            &format!("{code}-staff"),
            &format!("{name}经办人"),
            Role::UnitStaff,
            None,
            Some(unit.id.clone()),
            format!("{name} 经办人"),
        )?;
        add(
            conn,
            &format!("{code}-head"),
            &format!("{name}负责人"),
            Role::UnitHead,
            None,
            Some(unit.id.clone()),
            format!("{name} 负责人"),
        )?;
    }
    proposals::seed(conn, now, &actor, &origin)?;
    Ok(logins)
}

/// The demo's first working day, acted out through the same operations a
/// person's clicks run: the office assigns the filed proposal on 中小微企业融资
/// to the 发展和改革委员会, so that its proposer is told (a notice and an email
/// in the outbox, sent within seconds by `serve`) and the unit's deadlines are
/// open to chase.
pub fn act_out_today(
    db: &Db,
    settings: &crate::config::Settings,
    office: &crate::domain::deadlines::OfficeTime,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    use crate::db::models::proposal::ProposalRow;
    use crate::db::schema::{proposals, units};
    db.write_blocking(|conn| {
        let (user, unit, proposal): (crate::db::models::user::UserRow, String, ProposalRow) = (
            users::table
                .filter(users::username.eq("office"))
                .select(crate::db::models::user::UserRow::as_select())
                .first(conn)?,
            units::table.filter(units::code.eq("fgw")).select(units::id).first(conn)?,
            proposals::table
                .filter(proposals::title.eq("关于支持中小微企业融资的建议"))
                .select(ProposalRow::as_select())
                .first(conn)?,
        );
        let user = crate::auth::AuthUser::acting_as(&user, "demo");
        let origin = Origin::default();
        let ctx = crate::acting::Ctx {
            user: &user,
            origin: &origin,
            now,
            workflow: &settings.workflow,
            office,
            mail: &settings.mail,
        };
        let body = crate::workflow::review::AssignRequest {
            version: proposal.version,
            lead_unit_id: Some(unit),
            co_unit_ids: Vec::new(),
            separate_unit_ids: Vec::new(),
            due_on: None,
            unit_due_on: Default::default(),
        };
        let id = crate::ids::ProposalId::parse(&proposal.id).ok_or_else(|| AppError::internal("a demo id"))?;
        crate::workflow::review::assign(conn, &ctx, &id, body)?;
        Ok(())
    })?;
    Ok(())
}
