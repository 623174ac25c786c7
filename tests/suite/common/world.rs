//! A small world around one proposal, for tests that walk the whole table or
//! random lives: the eleven kinds of people the permission table tells apart,
//! and the request each would send for each action (ids looked up in the
//! database as the proposal stands now).

#![allow(dead_code)]

use actix_web::http::Method;
use chrono::Duration;
use diesel::prelude::*;
use proposal_desk::db::models::proposal::{CommitmentRow, CosignerRow, UnitRequestRow};
use proposal_desk::db::schema::{
    assignments, commitments, proposal_cosigners, proposals, replies, unit_requests, users,
};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::{
    Action, CosignerStatus, ProposalState, RequestDecision, RequestKind, Standing, UnitRole,
};
use serde_json::{Value, json};

use super::fixtures::Fixture;
use super::{TestApp, TestUser};

/// The people the table tells apart, by how they stand to a proposal.
pub const PEOPLE: [&str; 11] = [
    "proposer",
    "cosigner",
    "other member",
    "lead staff",
    "lead head",
    "co staff",
    "co head",
    "office",
    "key leader",
    "other leader",
    "admin",
];

/// People and things shared by every proposal of a test.
pub struct Shared {
    pub other_member: TestUser,
    /// A unit the office assigns as lead (and its people), and one as co-handling unit.
    pub spare_unit: String,
    pub spare_staff: TestUser,
    pub spare_head: TestUser,
    pub spare_co_unit: String,
    pub spare_co_staff: TestUser,
    pub spare_co_head: TestUser,
    pub office: TestUser,
    pub key_leader: TestUser,
    pub other_leader: TestUser,
    pub admin: TestUser,
    pub merge_target: String,
}

impl Shared {
    pub async fn new(app: &TestApp) -> Shared {
        let (spare_unit, spare_staff, spare_head) = app.unit_with_people().await;
        let (spare_co_unit, spare_co_staff, spare_co_head) = app.unit_with_people().await;
        Shared {
            other_member: app.user(Role::Member).await,
            spare_unit,
            spare_staff,
            spare_head,
            spare_co_unit,
            spare_co_staff,
            spare_co_head,
            office: app.user(Role::Office).await,
            key_leader: app.user(Role::Leader).await,
            other_leader: app.user(Role::Leader).await,
            admin: app.user(Role::Admin).await,
            merge_target: app.proposal_in(ProposalState::Filed).await.id,
        }
    }

    /// Everybody, for refreshing tokens after the clock travelled.
    pub fn everybody_mut(&mut self) -> Vec<&mut TestUser> {
        vec![
            &mut self.other_member,
            &mut self.spare_staff,
            &mut self.spare_head,
            &mut self.spare_co_staff,
            &mut self.spare_co_head,
            &mut self.office,
            &mut self.key_leader,
            &mut self.other_leader,
            &mut self.admin,
        ]
    }
}

/// One proposal with a co-signer invited, the key leader attached, and, once
/// it has units, pending return and extension requests and (once replied) a commitment.
pub struct World {
    pub f: Fixture,
    pub cosigner: TestUser,
}

impl World {
    pub async fn new(app: &TestApp, state: ProposalState, shared: &Shared) -> World {
        let f = app.proposal_in(state).await;
        let cosigner = app.user(Role::Member).await;
        let now = app.clock_now();
        let invite = CosignerRow {
            proposal_id: f.id.clone(),
            user_id: cosigner.id.clone(),
            status: CosignerStatus::Invited,
            invited_at: now,
            respond_by: now + Duration::days(5),
            responded_at: None,
        };
        app.with_conn(|c| {
            diesel::insert_into(proposal_cosigners::table).values(&invite).execute(c)?;
            diesel::update(proposals::table.find(&f.id))
                .set((
                    proposals::is_key.eq(true),
                    proposals::key_leader_id.eq(&shared.key_leader.id),
                    proposals::key_mode.eq("lead"),
                ))
                .execute(c)
        })
        .expect("cosigner and key leader");
        if let Some(lead) = &f.lead {
            for kind in [RequestKind::Return, RequestKind::Extension] {
                let r = UnitRequestRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    assignment_id: lead.assignment_id.clone(),
                    proposal_id: f.id.clone(),
                    kind,
                    reason: "测试".into(),
                    requested_due_at: (kind == RequestKind::Extension).then(|| now + Duration::days(120)),
                    requested_by_id: lead.staff.id.clone(),
                    requested_at: now,
                    decision: RequestDecision::Pending,
                    decision_note: None,
                    decided_by_id: None,
                    decided_at: None,
                };
                app.with_conn(|c| diesel::insert_into(unit_requests::table).values(&r).execute(c)).expect("request");
            }
            let reply: Option<String> = app
                .with_conn(|c| {
                    replies::table.filter(replies::proposal_id.eq(&f.id)).select(replies::id).first(c).optional()
                })
                .expect("reply");
            if let Some(reply_id) = reply {
                let c = CommitmentRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    reply_id,
                    proposal_id: f.id.clone(),
                    description: "年内完成".into(),
                    target_date: (now + Duration::days(60)).date(),
                    fulfilled_at: None,
                    fulfilled_by_id: None,
                    created_at: now,
                };
                app.with_conn(|conn| diesel::insert_into(commitments::table).values(&c).execute(conn))
                    .expect("commitment");
            }
        }
        World { f, cosigner }
    }

    pub fn person<'a>(&'a self, name: &str, shared: &'a Shared) -> &'a TestUser {
        let unit = |part: Option<&'a super::fixtures::UnitFixture>, head: bool, co: bool| match (part, head, co) {
            (Some(u), true, _) => &u.head,
            (Some(u), false, _) => &u.staff,
            (None, true, false) => &shared.spare_head,
            (None, false, false) => &shared.spare_staff,
            (None, true, true) => &shared.spare_co_head,
            (None, false, true) => &shared.spare_co_staff,
        };
        match name {
            "proposer" => &self.f.proposer,
            "cosigner" => &self.cosigner,
            "other member" => &shared.other_member,
            "lead staff" => unit(self.f.lead.as_ref(), false, false),
            "lead head" => unit(self.f.lead.as_ref(), true, false),
            "co staff" => unit(self.f.co.as_ref(), false, true),
            "co head" => unit(self.f.co.as_ref(), true, true),
            "office" => &shared.office,
            "key leader" => &shared.key_leader,
            "other leader" => &shared.other_leader,
            "admin" => &shared.admin,
            other => panic!("{other}"),
        }
    }
}

/// How a kind of person stands to a proposal in a state where units are (or are not) assigned.
pub fn standing(person: &str, has_units: bool) -> Standing {
    let s = Standing::of;
    match person {
        "proposer" => Standing { is_proposer: true, ..s(Role::Member) },
        "cosigner" => Standing { is_cosigner: true, ..s(Role::Member) },
        "other member" => s(Role::Member),
        "lead staff" => Standing { unit_role: has_units.then_some(UnitRole::Lead), ..s(Role::UnitStaff) },
        "lead head" => Standing { unit_role: has_units.then_some(UnitRole::Lead), ..s(Role::UnitHead) },
        "co staff" => Standing { unit_role: has_units.then_some(UnitRole::Co), ..s(Role::UnitStaff) },
        "co head" => Standing { unit_role: has_units.then_some(UnitRole::Co), ..s(Role::UnitHead) },
        "office" => s(Role::Office),
        "key leader" => Standing { is_key_leader: true, ..s(Role::Leader) },
        "other leader" => s(Role::Leader),
        "admin" => s(Role::Admin),
        other => panic!("{other}"),
    }
}

fn find<T>(app: &TestApp, f: impl FnOnce(&mut proposal_desk::db::DbConn) -> QueryResult<Option<T>>) -> Option<T> {
    app.with_conn(f).expect("lookup")
}

/// The request `user` would send for `action` on proposal `id`, with a body
/// that passes the field checks; sub-object ids are the ones that exist now.
pub fn request(app: &TestApp, action: Action, user: &TestUser, id: &str, shared: &Shared) -> (Method, String, Value) {
    let version = app.version_of(id);
    let unit_of_user: Option<String> =
        find(app, |c| users::table.find(&user.id).select(users::unit_id).first(c).optional().map(Option::flatten));
    let own = unit_of_user.clone().and_then(|u| {
        find(app, |c| {
            assignments::table
                .filter(assignments::proposal_id.eq(id))
                .filter(assignments::unit_id.eq(u))
                .order(assignments::created_at.desc())
                .select(assignments::id)
                .first(c)
                .optional()
        })
    });
    let any = find(app, |c| {
        assignments::table
            .filter(assignments::proposal_id.eq(id))
            .filter(assignments::unit_role.ne("co"))
            .select(assignments::id)
            .first(c)
            .optional()
    });
    let assignment = own.or(any).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let pending = |kind: &'static str| {
        find(app, |c| {
            unit_requests::table
                .filter(unit_requests::proposal_id.eq(id))
                .filter(unit_requests::kind.eq(kind))
                .filter(unit_requests::decision.eq("pending"))
                .select(unit_requests::id)
                .first(c)
                .optional()
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
    };
    let commitment = find(app, |c| {
        commitments::table.filter(commitments::proposal_id.eq(id)).select(commitments::id).first(c).optional()
    })
    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let today = app.clock_now().date();
    let p = |tail: &str| format!("/api/proposals/{id}{tail}");
    let a = |tail: &str| format!("/api/proposals/{id}/assignments/{assignment}{tail}");
    use Action as A;
    match action {
        A::EditDraft => (Method::PATCH, p(""), json!({"version": version, "title": "新的提案标题内容"})),
        A::InviteCosigners => {
            (Method::POST, p("/cosigners"), json!({"version": version, "member_ids": [shared.other_member.id]}))
        }
        A::AnswerInvitation => (Method::POST, p("/invitation"), json!({"accept": true})),
        A::Submit => (Method::POST, p("/submit"), json!({"version": version})),
        A::File => (Method::POST, p("/file"), json!({"version": version})),
        A::RefuseFiling => (
            Method::POST,
            p("/refuse"),
            json!({"version": version, "reason_code": "outside_scope", "reason_text": "不属于受理范围"}),
        ),
        A::Convert => (Method::POST, p("/convert"), json!({"version": version, "note": "转为社情民意信息"})),
        A::Merge => (Method::POST, p("/merge"), json!({"version": version, "into_id": shared.merge_target})),
        A::MarkKey => (
            Method::POST,
            p("/key"),
            json!({"version": version, "leader_id": shared.key_leader.id, "mode": "supervise"}),
        ),
        A::Assign => (
            Method::POST,
            p("/assign"),
            json!({"version": version, "lead_unit_id": shared.spare_unit, "co_unit_ids": [shared.spare_co_unit], "separate_unit_ids": []}),
        ),
        A::SignFor => (Method::POST, a("/sign-for"), json!({})),
        A::RequestReturn => (Method::POST, a("/return-request"), json!({"reason": "不属于本单位职责"})),
        A::DecideReturn => {
            (Method::POST, p(&format!("/requests/{}/decision", pending("return"))), json!({"approve": false}))
        }
        A::RecordContact => (
            Method::POST,
            a("/contacts"),
            json!({"kind": "phone", "contacted_on": today, "summary": "电话沟通办理意见"}),
        ),
        A::SendOpinion => (Method::POST, a("/opinion"), json!({"body": "同意主办单位的办理意见"})),
        A::DraftReply => (
            Method::PUT,
            a("/reply"),
            json!({"grade": "A", "body": "答复正文内容", "public_body": "公开版本内容", "person_in_charge": "张主任", "commitments": []}),
        ),
        A::SignOffReply => (Method::POST, a("/reply/sign-off"), json!({})),
        A::SubmitReply => (Method::POST, a("/reply/submit"), json!({})),
        A::RequestExtension => (
            Method::POST,
            a("/extension-request"),
            json!({"reason": "需要进一步调研", "requested_due_on": today + Duration::days(200)}),
        ),
        A::DecideExtension => {
            (Method::POST, p(&format!("/requests/{}/decision", pending("extension"))), json!({"approve": true}))
        }
        A::WaiveContact => (Method::POST, a("/contact-waiver"), json!({"reason": "提案人长期在外地"})),
        A::WaiveOpinion => (Method::POST, a("/opinion-waiver"), json!({"reason": "会办单位已撤并"})),
        A::Rate => (Method::POST, p("/rating"), json!({"process": "satisfied", "result": "satisfied"})),
        A::Close => (Method::POST, p("/close"), json!({"version": version})),
        A::Publish => (Method::POST, p("/publish"), json!({"version": version})),
        A::Withhold => (Method::POST, p("/withhold"), json!({"version": version, "reason": "涉及尚未公开的内容"})),
        A::ReportProgress => {
            (Method::POST, p(&format!("/commitments/{commitment}/progress")), json!({"note": "已完成一半"}))
        }
        A::FulfilCommitment => (Method::POST, p(&format!("/commitments/{commitment}/fulfil")), json!({})),
    }
}
