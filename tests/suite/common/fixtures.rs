//! Proposals built directly in the database in any state of their life, with
//! the people around them signed in: the proposer, and for each assigned unit
//! its staff and head. Tests of one stage start here instead of replaying all
//! the stages before it.

#![allow(dead_code)]

use chrono::Duration;
use diesel::prelude::*;
use proposal_desk::db::backend_specific::next_number;
use proposal_desk::db::models::proposal::{AssignmentRow, ContactRow, ProposalRow, RatingRow, ReplyRow};
use proposal_desk::db::schema::{assignments, contacts, email_outbox, proposals, ratings, replies, users};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::guards::{Grade, Satisfaction};
use proposal_desk::domain::workflow::{AssignmentState, ContactKind, ProposalState, SubmitterType, UnitRole};

use super::{TestApp, TestUser};

/// A handling unit of a proposal and its two accounts.
#[derive(Debug, Clone)]
pub struct UnitFixture {
    pub unit_id: String,
    pub assignment_id: String,
    pub staff: TestUser,
    pub head: TestUser,
}

#[derive(Debug, Clone)]
pub struct Fixture {
    pub id: String,
    pub session_id: String,
    pub proposer: TestUser,
    /// The lead unit (主办), from Handling on.
    pub lead: Option<UnitFixture>,
    /// A co-handling unit (会办), from Handling on.
    pub co: Option<UnitFixture>,
}

impl Fixture {
    pub fn lead(&self) -> &UnitFixture {
        self.lead.as_ref().expect("this fixture has a lead unit")
    }
    pub fn co(&self) -> &UnitFixture {
        self.co.as_ref().expect("this fixture has a co-handling unit")
    }
}

impl TestApp {
    /// Gives `user` an email address, so that what they are told is mailed too.
    pub fn give_email(&self, user: &TestUser, address: &str) {
        self.with_conn(|c| diesel::update(users::table.find(&user.id)).set(users::email.eq(address)).execute(c))
            .expect("email");
    }

    /// (template, subject, body) of the emails queued for `address`, oldest first.
    pub fn outbox_for(&self, address: &str) -> Vec<(String, String, String)> {
        self.with_conn(|c| {
            email_outbox::table
                .filter(email_outbox::to_address.eq(address))
                .order(email_outbox::created_at.asc())
                .select((email_outbox::template, email_outbox::subject, email_outbox::body_text))
                .load(c)
        })
        .expect("outbox")
    }

    /// The committee session proposals are filed in (created once per test).
    pub fn session_id(&self) -> String {
        use proposal_desk::db::schema::committee_sessions;
        let existing: Option<String> = self
            .with_conn(|c| committee_sessions::table.select(committee_sessions::id).first(c).optional())
            .expect("session");
        existing.unwrap_or_else(|| self.committee_session())
    }

    /// A unit with a signed-in staff account and head account.
    pub async fn unit_with_people(&self) -> (String, TestUser, TestUser) {
        let staff = self.user(Role::UnitStaff).await;
        let unit_id: String = self
            .with_conn(|c| users::table.find(&staff.id).select(users::unit_id).first::<Option<String>>(c))
            .expect("unit")
            .expect("unit id");
        let head_name = format!("head-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let head_id = self.account(&head_name, Role::UnitHead);
        self.with_conn(|c| diesel::update(users::table.find(&head_id)).set(users::unit_id.eq(&unit_id)).execute(c))
            .expect("move head");
        let head = self.signed_in(&head_name, Role::UnitHead, head_id).await;
        (unit_id, staff, head)
    }

    async fn signed_in(&self, username: &str, role: Role, id: String) -> TestUser {
        let reply = self.login(username, super::PASSWORD).await;
        reply.assert_ok();
        TestUser {
            id,
            username: username.into(),
            role,
            token: reply.str("access_token"),
            refresh: reply.str("refresh_token"),
        }
    }

    async fn assign(&self, proposal_id: &str, role: UnitRole) -> UnitFixture {
        let (unit_id, staff, head) = self.unit_with_people().await;
        let now = self.clock_now();
        let row = AssignmentRow {
            id: uuid::Uuid::new_v4().to_string(),
            proposal_id: proposal_id.into(),
            unit_id: unit_id.clone(),
            unit_role: role,
            state: AssignmentState::Assigned,
            assigned_at: now,
            due_at: now + Duration::days(90),
            signed_for_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
            return_window_ends_at: Some(now + Duration::days(7)),
            opinion_due_at: (role == UnitRole::Co).then(|| now + Duration::days(60)),
            contact_waiver: None,
            opinion_waiver: None,
            handling_round: 1,
        };
        self.with_conn(|c| diesel::insert_into(assignments::table).values(&row).execute(c)).expect("assignment");
        UnitFixture { unit_id, assignment_id: row.id, staff, head }
    }

    /// A proposal by a fresh member, brought directly to `state`: numbered
    /// once filed; from Handling on with a lead and a co-handling unit; from
    /// Replied on with the lead's submitted A reply (after one contact); from
    /// Closed on rated 满意 on both counts.
    pub async fn proposal_in(&self, state: ProposalState) -> Fixture {
        let proposer = self.user(Role::Member).await;
        self.proposal_of(&proposer, state).await
    }

    pub async fn proposal_of(&self, proposer: &TestUser, state: ProposalState) -> Fixture {
        use ProposalState as S;
        let session_id = self.session_id();
        let now = self.clock_now();
        let mut p = ProposalRow {
            id: uuid::Uuid::new_v4().to_string(),
            kind: "proposal".into(),
            session_id: None,
            number: None,
            title: "关于加强社区居家养老服务的建议".into(),
            reasons: "随着人口老龄化加剧，社区养老服务供给不足。".into(),
            suggestions: "加大财政投入，培养专业护理人员。".into(),
            topic: "社会保障".into(),
            submitter_type: SubmitterType::Member,
            proposer_id: proposer.id.clone(),
            entered_by_id: None,
            state,
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
        if state != S::Draft {
            p.session_id = Some(session_id.clone());
            p.is_plenary = Some(true);
            p.submitted_at = Some(now);
        }
        if state.was_filed() {
            let number = self.with_conn(|c| next_number(c, "proposal", &session_id)).expect("number");
            p.number = Some(number);
            p.filed_at = Some(now);
        }
        match state {
            S::NotFiled => {
                p.refusal_code = Some("outside_scope".into());
                p.refusal_text = Some("不属于受理范围".into());
            }
            S::Merged => {
                let target = Box::pin(self.proposal_in(S::Filed)).await;
                p.merged_into_id = Some(target.id);
            }
            S::Replied | S::Closed | S::Published | S::Withheld => {
                p.replied_at = Some(now);
                p.rating_due_at = Some(now + Duration::days(21));
            }
            _ => {}
        }
        if matches!(state, S::Closed | S::Published | S::Withheld) {
            p.closed_at = Some(now);
        }
        if state == S::Published {
            p.published_at = Some(now);
        }
        if state == S::Withheld {
            p.withheld_reason = Some("涉及尚未公开的规划".into());
        }
        self.with_conn(|c| diesel::insert_into(proposals::table).values(&p).execute(c)).expect("proposal");

        let (mut lead, mut co) = (None, None);
        if matches!(state, S::Handling | S::Replied | S::Closed | S::Published | S::Withheld) {
            lead = Some(self.assign(&p.id, UnitRole::Lead).await);
            co = Some(self.assign(&p.id, UnitRole::Co).await);
        }
        if let Some(l) = &lead
            && state != S::Handling
        {
            self.reply_submitted(&p.id, l);
            if state != S::Replied {
                let rating = RatingRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    proposal_id: p.id.clone(),
                    reply_id: None,
                    rater_id: proposer.id.clone(),
                    process_rating: Satisfaction::Satisfied,
                    result_rating: Satisfaction::Satisfied,
                    comment: None,
                    rated_at: now,
                    handling_round: 1,
                };
                self.with_conn(|c| diesel::insert_into(ratings::table).values(&rating).execute(c)).expect("rating");
            }
        }
        Fixture { id: p.id, session_id, proposer: proposer.clone(), lead, co }
    }

    /// The unit's contact, and its A reply signed off and submitted.
    pub fn reply_submitted(&self, proposal_id: &str, unit: &UnitFixture) {
        let now = self.clock_now();
        let contact = ContactRow {
            id: uuid::Uuid::new_v4().to_string(),
            assignment_id: unit.assignment_id.clone(),
            proposal_id: proposal_id.into(),
            kind: ContactKind::Meeting,
            contacted_on: now.date(),
            summary: "当面听取委员意见".into(),
            recorded_by_id: unit.staff.id.clone(),
            created_at: now,
        };
        let reply = ReplyRow {
            id: uuid::Uuid::new_v4().to_string(),
            proposal_id: proposal_id.into(),
            assignment_id: unit.assignment_id.clone(),
            grade: Some(Grade::A),
            body: "经研究，已将社区养老服务纳入年度重点工作。联系人：张三，电话 12345678。".into(),
            public_body: Some("经研究，已将社区养老服务纳入年度重点工作。".into()),
            person_in_charge: Some("李四".into()),
            drafted_by_id: Some(unit.staff.id.clone()),
            signed_off_by_id: Some(unit.head.id.clone()),
            signed_off_at: Some(now),
            submitted_at: Some(now),
            created_at: now,
            updated_at: now,
            version: 1,
            handling_round: 1,
        };
        self.with_conn(|c| {
            diesel::insert_into(contacts::table).values(&contact).execute(c)?;
            diesel::insert_into(replies::table).values(&reply).execute(c)?;
            diesel::update(assignments::table.find(&unit.assignment_id)).set(assignments::state.eq("done")).execute(c)
        })
        .expect("reply");
    }

    /// The proposal's current version, for the next action's body.
    pub fn version_of(&self, proposal_id: &str) -> i32 {
        self.with_conn(|c| proposals::table.find(proposal_id).select(proposals::version).first(c)).expect("version")
    }

    pub fn state_of(&self, proposal_id: &str) -> String {
        self.with_conn(|c| proposals::table.find(proposal_id).select(proposals::state).first(c)).expect("state")
    }
}
