//! A driver for whole lives of a proposal, through the API only: every step is
//! the request a real client would send as the person who takes it (member,
//! co-signer, office, unit staff, unit head, leader, or the public without a
//! token). The database is only read (deadline rows), never written, except
//! for the reference data the harness builds (accounts, units, the session)
//! and the clock, which the test moves.
//!
//! Every action helper asserts what any client would rely on: a 2xx answer
//! and exactly one audit event, the action's own; a refusal asserts a 4xx and
//! no audit event at all.

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use actix_web::http::Method;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use proposal_desk::db::schema::deadlines;
use proposal_desk::domain::Role;
use serde_json::{Value, json};

use super::{Reply, TestApp, TestUser};

/// What a unit writes to the proposer but must never reach the public.
pub const INTERNAL_LINE: &str = "联系人：王科长，电话 87654321";
/// The reply's person in charge (internal).
pub const PERSON_IN_CHARGE: &str = "王科长";
/// What a unit records of its contact with the proposer (internal).
pub const CONTACT_NOTE: &str = "电话沟通，委员同意办理思路";
/// A co-handling unit's opinion (internal).
pub const OPINION: &str = "建议主办单位统筹考虑社区食堂选址";

/// The public version of a unit's reply.
pub fn public_text(unit: &Unit) -> String {
    format!("{}：已将相关工作纳入年度计划。", unit.name)
}

/// A handling unit with its staff (经办人) and head (负责人).
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub staff: TestUser,
    pub head: TestUser,
}

/// The people of one test, the tokens they hold now, and the clock.
pub struct Life<'a> {
    pub app: &'a TestApp,
    /// The member whose proposal it is (unless a life says otherwise).
    pub member: TestUser,
    /// The proposals office (提案办).
    pub office: TestUser,
    /// Each person's valid (access, refresh) tokens, by user id.
    fresh: RefCell<HashMap<String, (String, String)>>,
    /// Each person's last refresh token, kept across time travel.
    held: RefCell<HashMap<String, String>>,
    travelled: Cell<bool>,
}

/// The actions of a view's `allowed_actions`, in the table's order.
pub fn allowed(view: &Value) -> Vec<String> {
    view["allowed_actions"]
        .as_array()
        .unwrap_or_else(|| panic!("no allowed_actions in {view}"))
        .iter()
        .map(|a| a.as_str().unwrap_or_default().to_string())
        .collect()
}

/// A time as the API writes it: RFC 3339 in UTC.
pub fn time(v: &Value) -> NaiveDateTime {
    let text = v.as_str().unwrap_or_else(|| panic!("{v} is not a time"));
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{v} is not an RFC 3339 time: {e}"))
        .naive_utc()
}

/// The assignment rows of a view that belong to `unit`, oldest first.
pub fn assignments_of<'v>(view: &'v Value, unit: &Unit) -> Vec<&'v Value> {
    view["assignments"].as_array().expect("assignments").iter().filter(|a| a["unit_id"] == unit.id.as_str()).collect()
}

/// The return or extension request `id` in a view.
pub fn request_in<'v>(view: &'v Value, id: &str) -> &'v Value {
    view["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["id"] == id))
        .unwrap_or_else(|| panic!("no request {id} in {view}"))
}

impl<'a> Life<'a> {
    /// A session to file in, a member and the office, all signed in.
    pub async fn new(app: &'a TestApp) -> Life<'a> {
        app.session_id();
        Life {
            app,
            member: app.user(Role::Member).await,
            office: app.user(Role::Office).await,
            fresh: RefCell::new(HashMap::new()),
            held: RefCell::new(HashMap::new()),
            travelled: Cell::new(false),
        }
    }

    pub async fn person(&self, role: Role) -> TestUser {
        self.app.user(role).await
    }

    pub async fn unit(&self) -> Unit {
        let (id, staff, head) = self.app.unit_with_people().await;
        Unit { name: self.unit_name(&id), id, staff, head }
    }

    fn unit_name(&self, id: &str) -> String {
        use proposal_desk::db::schema::units;
        let id = id.to_string();
        self.app.with_conn(move |c| units::table.find(id).select(units::name).first(c)).expect("unit name")
    }

    pub fn now(&self) -> NaiveDateTime {
        self.app.clock_now()
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date()
    }

    /// Time passes; access tokens expire, so everybody renews their login
    /// when they next act (or signs in again once the login itself expired).
    pub fn travel(&self, by: Duration) {
        self.app.clock.advance(by);
        let renewed = std::mem::take(&mut *self.fresh.borrow_mut());
        self.held.borrow_mut().extend(renewed.into_iter().map(|(id, (_, refresh))| (id, refresh)));
        self.travelled.set(true);
    }

    async fn token(&self, who: &TestUser) -> String {
        if let Some((access, _)) = self.fresh.borrow().get(&who.id) {
            return access.clone();
        }
        let pair = if self.travelled.get() { self.renew(who).await } else { (who.token.clone(), who.refresh.clone()) };
        let access = pair.0.clone();
        self.fresh.borrow_mut().insert(who.id.clone(), pair);
        access
    }

    /// A new token pair: renewed with the refresh token while the login
    /// lasts (cheap), else by signing in again (a password hash).
    async fn renew(&self, who: &TestUser) -> (String, String) {
        let refresh = self.held.borrow().get(&who.id).cloned().unwrap_or_else(|| who.refresh.clone());
        let renewed =
            self.app.send(Method::POST, "/api/auth/refresh", None, Some(json!({"refresh_token": refresh}))).await;
        let reply =
            if renewed.status.is_success() { renewed } else { self.app.login(&who.username, super::PASSWORD).await };
        reply.assert_ok();
        (reply.str("access_token"), reply.str("refresh_token"))
    }

    // ---- seeing ----

    /// The proposal as `who` reads it (they must be allowed to).
    pub async fn view(&self, id: &str, who: &TestUser) -> Value {
        let reply = self.app.get(&format!("/api/proposals/{id}"), &self.token(who).await).await;
        reply.assert_ok();
        reply.body
    }

    /// `who` cannot tell the proposal exists.
    pub async fn assert_hidden(&self, id: &str, who: &TestUser) {
        let reply = self.app.get(&format!("/api/proposals/{id}"), &self.token(who).await).await;
        reply.assert_problem(404, "not-found");
        let listed = self.listed(who).await;
        assert!(!listed.contains(&id.to_string()), "{} lists {id}", who.username);
    }

    /// The ids of the proposals `who` finds in their list.
    pub async fn listed(&self, who: &TestUser) -> Vec<String> {
        let reply = self.app.get("/api/proposals?per_page=100", &self.token(who).await).await;
        reply.assert_ok();
        reply.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// What the public reads of one proposal (no token).
    pub async fn public(&self, id: &str) -> Reply {
        self.app.send(Method::GET, &format!("/api/public/proposals/{id}"), None, None).await
    }

    /// The public list (no token).
    pub async fn public_list(&self) -> Value {
        let reply = self.app.send(Method::GET, "/api/public/proposals", None, None).await;
        reply.assert_ok();
        reply.body
    }

    /// How many published proposals the public list finds with this query.
    pub async fn public_total(&self, query: &str) -> i64 {
        let reply = self.app.send(Method::GET, &format!("/api/public/proposals?{query}"), None, None).await;
        reply.assert_ok();
        reply.body["total"].as_i64().expect("total")
    }

    /// The public never reads it: 404 alone and absent from the list.
    pub async fn assert_not_public(&self, id: &str) {
        self.public(id).await.assert_problem(404, "not-found");
        let list = self.public_list().await;
        assert!(!list.to_string().contains(id), "public list shows {id}: {list}");
    }

    /// The proposal's current version, as `who` sees it (what the client sends back).
    pub async fn version(&self, id: &str, who: &TestUser) -> i64 {
        self.view(id, who).await["version"].as_i64().expect("version")
    }

    /// The `deadlines` rows of an assignment: (kind, due_at, met_at), by kind.
    pub fn deadlines(&self, assignment_id: &str) -> Vec<(String, NaiveDateTime, Option<NaiveDateTime>)> {
        let id = assignment_id.to_string();
        self.app
            .with_conn(move |c| {
                deadlines::table
                    .filter(deadlines::object_type.eq("assignment"))
                    .filter(deadlines::object_id.eq(id))
                    .order(deadlines::kind.asc())
                    .select((deadlines::kind, deadlines::due_at, deadlines::met_at))
                    .load(c)
            })
            .expect("deadlines")
    }

    // ---- acting ----

    /// A successful action: 2xx and exactly one audit event, `proposal.<action>`.
    pub async fn act(&self, who: &TestUser, method: Method, path: &str, body: Value, action: &str) -> Value {
        // Signing in again (after time travel) is audited too: do it before counting.
        let token = self.token(who).await;
        let seq = self.app.last_audit_seq();
        let reply = self.app.send(method, path, Some(&token), Some(body)).await;
        reply.assert_ok();
        let events = self.app.audit_actions_after(seq);
        assert_eq!(events.len(), 1, "{path}: one audit event per action, got {events:?}");
        assert_eq!(events[0].0, format!("proposal.{action}"), "{path}");
        reply.body
    }

    /// A refused action: a 4xx problem and nothing in the audit trail.
    pub async fn refused(&self, who: &TestUser, method: Method, path: &str, body: Value) -> Reply {
        // Signing in again (after time travel) is audited too: do it before counting.
        let token = self.token(who).await;
        let seq = self.app.last_audit_seq();
        let reply = self.app.send(method, path, Some(&token), Some(body)).await;
        assert!(reply.status.is_client_error(), "{path}: expected a refusal, got {} {}", reply.status, reply.text);
        assert!(self.app.audit_actions_after(seq).is_empty(), "{path}: a refusal leaves no audit event");
        reply
    }

    /// A member's draft (a 提案) with the given title.
    pub async fn draft(&self, who: &TestUser, title: &str) -> String {
        self.draft_kind(who, "proposal", title).await["id"].as_str().expect("id").to_string()
    }

    pub async fn draft_kind(&self, who: &TestUser, kind: &str, title: &str) -> Value {
        let body = json!({
            "kind": kind,
            "title": title,
            "reasons": "随着人口老龄化加剧，社区养老服务供给明显不足。",
            "suggestions": "加大财政投入，建设社区食堂，培养专业护理人员。",
            "topic": "社会保障",
        });
        let view = self.act(who, Method::POST, "/api/proposals", body, "create").await;
        assert_eq!(view["state"], "draft");
        assert!(view["number"].is_null() && view["number_label"].is_null(), "a draft has no number: {view}");
        view
    }

    fn path(id: &str, tail: &str) -> String {
        format!("/api/proposals/{id}{tail}")
    }

    pub async fn invite(&self, id: &str, who: &TestUser, cosigners: &[&TestUser]) -> Value {
        let ids: Vec<&str> = cosigners.iter().map(|c| c.id.as_str()).collect();
        let body = json!({"version": self.version(id, who).await, "member_ids": ids});
        self.act(who, Method::POST, &Self::path(id, "/cosigners"), body, "invite_cosigners").await
    }

    pub async fn answer(&self, id: &str, who: &TestUser, accept: bool) -> Value {
        self.act(who, Method::POST, &Self::path(id, "/invitation"), json!({"accept": accept}), "answer_invitation")
            .await
    }

    pub async fn submit(&self, id: &str, who: &TestUser) -> Value {
        let body = json!({"version": self.version(id, who).await});
        let view = self.act(who, Method::POST, &Self::path(id, "/submit"), body, "submit").await;
        assert_eq!(view["state"], "submitted");
        view
    }

    pub async fn office_act(&self, id: &str, tail: &str, mut body: Value, action: &str) -> Value {
        body["version"] = json!(self.version(id, &self.office).await);
        self.act(&self.office, Method::POST, &Self::path(id, tail), body, action).await
    }

    /// 立案: filed and numbered.
    pub async fn file(&self, id: &str) -> Value {
        let view = self.office_act(id, "/file", json!({}), "file").await;
        assert_eq!(view["state"], "filed");
        view
    }

    pub async fn refuse(&self, id: &str, code: &str, text: &str) -> Value {
        self.office_act(id, "/refuse", json!({"reason_code": code, "reason_text": text}), "refuse_filing").await
    }

    pub async fn merge(&self, id: &str, into: &str) -> Value {
        self.office_act(id, "/merge", json!({"into_id": into}), "merge").await
    }

    pub async fn mark_key(&self, id: &str, leader: &TestUser, mode: &str) -> Value {
        self.office_act(id, "/key", json!({"leader_id": leader.id, "mode": mode}), "mark_key").await
    }

    /// 交办 to a lead unit (主办) with co-handling units (会办).
    pub async fn assign_lead_and_co(&self, id: &str, lead: &Unit, co: &[&Unit]) -> Value {
        let co: Vec<&str> = co.iter().map(|u| u.id.as_str()).collect();
        let view = self.office_act(id, "/assign", json!({"lead_unit_id": lead.id, "co_unit_ids": co}), "assign").await;
        assert_eq!(view["state"], "handling");
        view
    }

    /// 交办 to separate units (分办), each replying for its part.
    pub async fn assign_separate(&self, id: &str, units: &[&Unit]) -> Value {
        let ids: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
        let view = self.office_act(id, "/assign", json!({"separate_unit_ids": ids}), "assign").await;
        assert_eq!(view["state"], "handling");
        view
    }

    /// The unit's live assignment of the latest round, as the office sees it.
    pub async fn assignment(&self, id: &str, unit: &Unit) -> Value {
        let view = self.view(id, &self.office).await;
        assignments_of(&view, unit)
            .into_iter()
            .filter(|a| a["state"] != "returned")
            .max_by_key(|a| a["handling_round"].as_i64())
            .cloned()
            .unwrap_or_else(|| panic!("{} has no live assignment: {view}", unit.name))
    }

    async fn on_assignment(
        &self,
        id: &str,
        unit: &Unit,
        who: &TestUser,
        tail: &str,
        body: Value,
        action: &str,
    ) -> Value {
        let a = self.assignment(id, unit).await;
        let path = format!("/api/proposals/{id}/assignments/{}{tail}", a["id"].as_str().expect("assignment id"));
        self.act(who, Method::POST, &path, body, action).await
    }

    /// 签收 by the unit's staff.
    pub async fn sign_for(&self, id: &str, unit: &Unit) -> Value {
        self.on_assignment(id, unit, &unit.staff, "/sign-for", json!({}), "sign_for").await
    }

    /// 沟通: the staff phones the proposer and records it.
    pub async fn contact(&self, id: &str, unit: &Unit) -> Value {
        let body = json!({"kind": "phone", "contacted_on": self.today(), "summary": CONTACT_NOTE});
        self.on_assignment(id, unit, &unit.staff, "/contacts", body, "record_contact").await
    }

    /// 会办意见 from a co-handling unit's staff.
    pub async fn opinion(&self, id: &str, unit: &Unit) -> Value {
        self.on_assignment(id, unit, &unit.staff, "/opinion", json!({"body": OPINION}), "send_opinion").await
    }

    /// The staff drafts the reply (PUT), with the commitments a B reply makes.
    pub async fn draft_reply(&self, id: &str, unit: &Unit, grade: &str, commitments: Value) -> Value {
        let a = self.assignment(id, unit).await;
        let path = format!("/api/proposals/{id}/assignments/{}/reply", a["id"].as_str().expect("assignment id"));
        let body = json!({
            "grade": grade,
            "body": format!("{}答复：已将相关工作纳入年度计划。{INTERNAL_LINE}", unit.name),
            "public_body": public_text(unit),
            "person_in_charge": PERSON_IN_CHARGE,
            "commitments": commitments,
        });
        self.act(&unit.staff, Method::PUT, &path, body, "draft_reply").await
    }

    /// 签发 by the unit's head.
    pub async fn sign_off(&self, id: &str, unit: &Unit) -> Value {
        self.on_assignment(id, unit, &unit.head, "/reply/sign-off", json!({}), "sign_off_reply").await
    }

    /// The staff submits the signed-off reply.
    pub async fn submit_reply(&self, id: &str, unit: &Unit) -> Value {
        self.on_assignment(id, unit, &unit.staff, "/reply/submit", json!({}), "submit_reply").await
    }

    /// The whole of a unit's answer: signed for (if not yet), a contact, the
    /// reply drafted, signed off and submitted. Returns the view after submission.
    pub async fn reply(&self, id: &str, unit: &Unit, grade: &str) -> Value {
        self.reply_with(id, unit, grade, json!([])).await
    }

    pub async fn reply_with(&self, id: &str, unit: &Unit, grade: &str, commitments: Value) -> Value {
        if self.assignment(id, unit).await["signed_for_at"].is_null() {
            self.sign_for(id, unit).await;
        }
        self.contact(id, unit).await;
        self.draft_reply(id, unit, grade, commitments).await;
        self.sign_off(id, unit).await;
        self.submit_reply(id, unit).await
    }

    /// 退回: the unit's staff asks to be released. Returns the request's id.
    pub async fn request_return(&self, id: &str, unit: &Unit, reason: &str) -> String {
        let view = self
            .on_assignment(id, unit, &unit.staff, "/return-request", json!({"reason": reason}), "request_return")
            .await;
        Self::pending_request(&view, "return")
    }

    /// 延期: the unit's staff asks for a later due date. Returns the request's id.
    pub async fn request_extension(&self, id: &str, unit: &Unit, due_on: NaiveDate) -> String {
        let body = json!({"reason": "需要会同多个部门开展调研", "requested_due_on": due_on});
        let view = self.on_assignment(id, unit, &unit.staff, "/extension-request", body, "request_extension").await;
        Self::pending_request(&view, "extension")
    }

    fn pending_request(view: &Value, kind: &str) -> String {
        view["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .rfind(|r| r["kind"] == kind && r["decision"] == "pending")
            .and_then(|r| r["id"].as_str())
            .unwrap_or_else(|| panic!("no pending {kind} request in {view}"))
            .to_string()
    }

    /// The office decides a request (`decide_return` or `decide_extension`).
    pub async fn decide(&self, id: &str, request_id: &str, body: Value, action: &str) -> Value {
        let path = format!("/api/proposals/{id}/requests/{request_id}/decision");
        self.act(&self.office, Method::POST, &path, body, action).await
    }

    /// 评价: process and result, each satisfied | basically_satisfied | unsatisfied.
    pub async fn rate(&self, id: &str, who: &TestUser, process: &str, result: &str) -> Value {
        let body = json!({"process": process, "result": result});
        self.act(who, Method::POST, &Self::path(id, "/rating"), body, "rate").await
    }

    /// 办结.
    pub async fn close(&self, id: &str) -> Value {
        let view = self.office_act(id, "/close", json!({}), "close").await;
        assert_eq!(view["state"], "closed");
        view
    }

    /// 公开.
    pub async fn publish(&self, id: &str) -> Value {
        let view = self.office_act(id, "/publish", json!({}), "publish").await;
        assert_eq!(view["state"], "published");
        view
    }

    /// 不予公开, with a reason.
    pub async fn withhold(&self, id: &str, reason: &str) -> Value {
        let view = self.office_act(id, "/withhold", json!({"reason": reason}), "withhold").await;
        assert_eq!(view["state"], "withheld");
        view
    }

    /// B 类跟踪: the unit's staff reports progress on a commitment.
    pub async fn report_progress(&self, id: &str, unit: &Unit, commitment_id: &str, note: &str) -> Value {
        let path = format!("/api/proposals/{id}/commitments/{commitment_id}/progress");
        self.act(&unit.staff, Method::POST, &path, json!({"note": note}), "report_progress").await
    }

    /// The office confirms a commitment fulfilled.
    pub async fn fulfil(&self, id: &str, commitment_id: &str) -> Value {
        let path = format!("/api/proposals/{id}/commitments/{commitment_id}/fulfil");
        self.act(&self.office, Method::POST, &path, json!({}), "fulfil_commitment").await
    }
}
