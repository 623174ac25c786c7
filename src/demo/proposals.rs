//! Demo proposals in every stage of their life, so that each role sees work
//! waiting for them on first sign-in. Built directly in the tables (as the
//! workflow would have left them) and audited as the demo's own events.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::audit::{self, Actor, Change, Origin};
use crate::db::DbConn;
use crate::db::backend_specific::next_number;
use crate::db::models::proposal::{
    AssignmentRow, CommitmentRow, ContactRow, CosignerRow, OpinionRow, ProposalRow, RatingRow, ReplyRow,
};
use crate::db::schema::{
    assignments, co_opinions, commitments, committee_sessions, contacts, proposal_cosigners, proposals, ratings,
    replies, units, users,
};
use crate::domain::workflow::guards::{Grade, Satisfaction};
use crate::domain::workflow::{
    AssignmentState, ContactKind, CosignerStatus, KeyMode, ProposalState as S, SubmitterType, UnitRole,
};
use crate::error::{AppError, AppResult};

struct Demo<'a> {
    title: &'a str,
    proposer: &'a str,
    state: S,
    lead: Option<&'a str>,
    co: Option<&'a str>,
    grade: Option<Grade>,
    kind: &'a str,
    key_leader: Option<&'a str>,
}

const fn demo(title: &'static str, proposer: &'static str, state: S) -> Demo<'static> {
    Demo { title, proposer, state, lead: None, co: None, grade: None, kind: "proposal", key_leader: None }
}

fn user_id(conn: &mut DbConn, username: &str) -> AppResult<String> {
    users::table
        .filter(users::username.eq(username))
        .select(users::id)
        .first(conn)
        .map_err(|_| AppError::internal(format!("demo user {username}")))
}

fn unit_id(conn: &mut DbConn, code: &str) -> AppResult<String> {
    units::table
        .filter(units::code.eq(code))
        .select(units::id)
        .first(conn)
        .map_err(|_| AppError::internal(format!("demo unit {code}")))
}

pub fn seed(conn: &mut DbConn, now: NaiveDateTime, actor: &Actor, origin: &Origin) -> AppResult<usize> {
    let session_id: String = committee_sessions::table
        .order(committee_sessions::opens_on.asc())
        .select(committee_sessions::id)
        .first(conn)?;
    let demos = [
        Demo {
            lead: Some("mzj"),
            co: Some("wjw"),
            grade: Some(Grade::A),
            ..demo("关于加强社区居家养老服务的建议", "wangfang", S::Published)
        },
        Demo {
            lead: Some("zjj"),
            grade: Some(Grade::B),
            ..demo("关于推进老旧小区加装电梯的建议", "lijianguo", S::Closed)
        },
        Demo {
            lead: Some("jtj"),
            co: Some("jyj"),
            grade: Some(Grade::A),
            ..demo("关于缓解中小学校门口交通拥堵的建议", "zhangmin", S::Replied)
        },
        Demo {
            lead: Some("wjw"),
            co: Some("kjj"),
            key_leader: Some("leader"),
            ..demo("关于加快智慧医疗建设的建议", "yangwei", S::Handling)
        },
        Demo {
            lead: Some("fgw"),
            co: Some("czj"),
            key_leader: Some("leader2"),
            ..demo("关于进一步优化营商环境的建议", "zhouqiang", S::Handling)
        },
        demo("关于支持中小微企业融资的建议", "liuyang", S::Filed),
        demo("关于加强农村饮用水安全保障的建议", "zhaolei", S::Submitted),
        demo("关于完善垃圾分类长效机制的建议", "chenjing", S::Draft),
        demo("关于设立区级非物质文化遗产展示馆的建议", "huangli", S::NotFiled),
        demo("关于规范共享单车停放管理的建议", "wuxia", S::Merged),
        demo("关于关注青少年心理健康的建议", "wangfang", S::Converted),
        Demo {
            lead: Some("rsj"),
            grade: Some(Grade::C),
            ..demo("关于加大人才公寓供给的建议", "lijianguo", S::Withheld)
        },
        Demo { kind: "suggestion", ..demo("关于增设社区公交微循环线路的建议", "zhangmin", S::Filed) },
    ];
    let mut filed_target: Option<String> = None;
    for (i, d) in demos.iter().enumerate() {
        let age = Duration::days(200 - 12 * i as i64);
        let start = now - age;
        let mut p = ProposalRow {
            id: crate::ids::new_id(),
            kind: d.kind.into(),
            session_id: None,
            number: None,
            title: d.title.into(),
            reasons: format!("{}。近年来群众反映集中，现有工作机制和资源投入与实际需求之间仍有差距，需要统筹谋划、加以改进。", d.title.trim_start_matches("关于").trim_end_matches("的建议")),
            suggestions: "一是加强统筹协调，明确牵头部门和工作责任；二是加大资金和人员投入；三是建立评估机制，定期向社会公开进展。".into(),
            topic: "社会建设".into(),
            submitter_type: SubmitterType::Member,
            proposer_id: user_id(conn, d.proposer)?,
            entered_by_id: None,
            state: d.state,
            is_plenary: None,
            is_key: d.key_leader.is_some(),
            merged_into_id: None,
            submitted_at: None,
            filed_at: None,
            closed_at: None,
            published_at: None,
            created_at: start,
            updated_at: start,
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
        if let Some(leader) = d.key_leader {
            p.key_leader_id = Some(user_id(conn, leader)?);
            p.key_mode = Some(if leader == "leader" { KeyMode::Lead } else { KeyMode::Supervise });
        }
        if d.state != S::Draft {
            p.session_id = Some(session_id.clone());
            p.is_plenary = Some(false);
            p.submitted_at = Some(start + Duration::days(1));
        }
        if d.state.was_filed() {
            p.number = Some(next_number(conn, d.kind, &session_id)?);
            p.filed_at = Some(start + Duration::days(5));
        }
        match d.state {
            S::NotFiled => {
                p.refusal_code = Some("outside_scope".into());
                p.refusal_text = Some("所提事项属于市级事权，建议通过其他渠道反映。".into());
            }
            S::Converted => {
                p.refusal_code = Some("converted".into());
                p.refusal_text = Some("转为社情民意信息报送。".into());
            }
            S::Merged => p.merged_into_id = filed_target.clone(),
            S::Withheld => p.withheld_reason = Some("涉及尚未公布的规划内容".into()),
            _ => {}
        }
        let replied = matches!(d.state, S::Replied | S::Closed | S::Published | S::Withheld);
        if replied {
            p.replied_at = Some(start + Duration::days(80));
            // The past is drawn in round figures: 15 working days are about three weeks.
            p.rating_due_at = Some(start + Duration::days(80 + 21));
        }
        if matches!(d.state, S::Closed | S::Published | S::Withheld) {
            p.closed_at = Some(start + Duration::days(95));
        }
        if d.state == S::Published {
            p.published_at = Some(start + Duration::days(96));
        }
        diesel::insert_into(proposals::table).values(&p).execute(conn)?;
        if d.state == S::Filed && filed_target.is_none() {
            filed_target = Some(p.id.clone());
        }
        if d.state == S::Draft {
            let row = CosignerRow {
                proposal_id: p.id.clone(),
                user_id: user_id(conn, "yangwei")?,
                status: CosignerStatus::Invited,
                invited_at: now - Duration::days(1),
                respond_by: now + Duration::days(4),
                responded_at: None,
            };
            diesel::insert_into(proposal_cosigners::table).values(&row).execute(conn)?;
        }
        let assigned_at = start + Duration::days(7);
        for (code, part) in [(d.lead, UnitRole::Lead), (d.co, UnitRole::Co)] {
            let Some(code) = code else { continue };
            let due = assigned_at.checked_add_months(chrono::Months::new(3)).unwrap_or(assigned_at);
            let a = AssignmentRow {
                id: crate::ids::new_id(),
                proposal_id: p.id.clone(),
                unit_id: unit_id(conn, code)?,
                unit_role: part,
                state: if replied && part == UnitRole::Lead {
                    AssignmentState::Done
                } else {
                    AssignmentState::Received
                },
                assigned_at,
                due_at: due,
                signed_for_at: Some(assigned_at + Duration::days(1)),
                created_at: assigned_at,
                updated_at: assigned_at,
                version: 1,
                return_window_ends_at: Some(assigned_at + Duration::days(7)),
                opinion_due_at: (part == UnitRole::Co).then(|| due - Duration::days(30)),
                contact_waiver: None,
                opinion_waiver: None,
                handling_round: 1,
            };
            diesel::insert_into(assignments::table).values(&a).execute(conn)?;
            let staff = user_id(conn, &format!("{code}-staff"))?;
            if part == UnitRole::Co && replied {
                let o = OpinionRow {
                    id: crate::ids::new_id(),
                    assignment_id: a.id.clone(),
                    proposal_id: p.id.clone(),
                    body: "我单位同意主办单位意见，将在职责范围内积极配合。".into(),
                    sent_by_id: staff.clone(),
                    sent_at: assigned_at + Duration::days(30),
                };
                diesel::insert_into(co_opinions::table).values(&o).execute(conn)?;
            }
            if part == UnitRole::Lead && (replied || d.key_leader.is_some()) {
                let c = ContactRow {
                    id: crate::ids::new_id(),
                    assignment_id: a.id.clone(),
                    proposal_id: p.id.clone(),
                    kind: ContactKind::Meeting,
                    contacted_on: (assigned_at + Duration::days(20)).date(),
                    summary: "与提案人当面沟通办理思路，听取意见建议。".into(),
                    recorded_by_id: staff.clone(),
                    created_at: assigned_at + Duration::days(20),
                };
                diesel::insert_into(contacts::table).values(&c).execute(conn)?;
            }
            if part == UnitRole::Lead && replied {
                let head = user_id(conn, &format!("{code}-head"))?;
                let at = start + Duration::days(80);
                let r = ReplyRow {
                    id: crate::ids::new_id(),
                    proposal_id: p.id.clone(),
                    assignment_id: a.id.clone(),
                    grade: d.grade,
                    body: format!(
                        "{}委员：您提出的《{}》收悉。经认真研究，现答复如下……（承办人电话：010-12345678）",
                        "尊敬的", d.title
                    ),
                    public_body: Some(format!(
                        "关于《{}》的答复：经认真研究，我单位已将相关工作纳入年度计划，并将持续推进。",
                        d.title
                    )),
                    person_in_charge: Some("王主任".into()),
                    drafted_by_id: Some(staff.clone()),
                    signed_off_by_id: Some(head),
                    signed_off_at: Some(at),
                    submitted_at: Some(at),
                    created_at: at,
                    updated_at: at,
                    version: 1,
                    handling_round: 1,
                };
                diesel::insert_into(replies::table).values(&r).execute(conn)?;
                if d.grade == Some(Grade::B) {
                    let c = CommitmentRow {
                        id: crate::ids::new_id(),
                        reply_id: r.id.clone(),
                        proposal_id: p.id.clone(),
                        description: "年内完成首批 20 个老旧小区加装电梯".into(),
                        target_date: (now + Duration::days(40)).date(),
                        fulfilled_at: None,
                        fulfilled_by_id: None,
                        created_at: at,
                    };
                    diesel::insert_into(commitments::table).values(&c).execute(conn)?;
                }
                if matches!(d.state, S::Closed | S::Published | S::Withheld) {
                    let rating = RatingRow {
                        id: crate::ids::new_id(),
                        proposal_id: p.id.clone(),
                        reply_id: Some(r.id.clone()),
                        rater_id: p.proposer_id.clone(),
                        process_rating: Satisfaction::Satisfied,
                        result_rating: if d.grade == Some(Grade::C) {
                            Satisfaction::BasicallySatisfied
                        } else {
                            Satisfaction::Satisfied
                        },
                        comment: Some("办理态度认真，沟通充分。".into()),
                        rated_at: at + Duration::days(10),
                        handling_round: 1,
                    };
                    diesel::insert_into(ratings::table).values(&rating).execute(conn)?;
                }
            }
        }
        if d.state == S::Published {
            crate::search::index_published(conn, &p, now)?;
        }
        let change = Change::new("proposal.demo_seed", "proposal", p.id.clone()).after(json!({ "proposal": p }));
        audit::record(conn, actor, origin, change, now)?;
    }
    Ok(demos.len())
}
