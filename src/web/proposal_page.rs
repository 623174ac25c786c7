//! One proposal's page: its stages, deadlines, units, replies and ratings,
//! and a form for each action the reader may take now (the domain's
//! `allowed_actions`; the page decides nothing). After an action the page
//! says what was done; after a refusal it shows the form again with its
//! messages and what was typed.

use std::collections::{BTreeMap, HashMap};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::auth::AuthUser;
use crate::config::RefusalReason;
use crate::directory::{self, DirectoryEntry, DirectoryQuery};
use crate::domain::Role;
use crate::domain::workflow::{Action, AssignmentState, ProposalState, RequestDecision};
use crate::ids::ProposalId;
use crate::proposals::public::PublicChoice;
use crate::proposals::reads::{self, MergeCandidate};
use crate::proposals::view::ProposalView;
use crate::state::AppState;
use crate::vocabulary::{self, Vocabularies};
use crate::web::PageError;
use crate::web::actions::COMMITMENT_ROWS;
use crate::web::forms::FormErrors;
use crate::web::frame::{Frame, local_date, local_time, render};
use crate::web::session::Visitor;

/// The co-signer search of a draft's invitation form: part of a name, a sector, or both.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CosignerSearch {
    #[serde(default, rename = "cosigner_q")]
    pub q: String,
    #[serde(default, rename = "cosigner_sector")]
    pub sector_id: String,
}

impl CosignerSearch {
    fn asked(&self) -> bool {
        !self.q.trim().is_empty() || !self.sector_id.trim().is_empty()
    }
}

/// A refused action, to show its form again.
pub struct Failure {
    pub action: Action,
    pub stale: bool,
    pub errors: FormErrors,
    pub kept: BTreeMap<String, String>,
    pub status: StatusCode,
}

struct UnitLine {
    id: String,
    name: String,
    part: &'static str,
    state: &'static str,
    due: String,
    overdue: bool,
    provisional: bool,
}

struct ReplyLine {
    id: String,
    round: i32,
    unit: String,
    grade: Option<&'static str>,
    body: String,
    public_body: String,
    submitted: Option<String>,
    signed_off: bool,
    mine: bool,
}

struct RatingLine {
    process: &'static str,
    result: &'static str,
    comment: Option<String>,
    at: String,
}

struct CommitmentLine {
    id: String,
    description: String,
    target: String,
    fulfilled: bool,
}

struct RequestLine {
    id: String,
    is_return: bool,
    unit: String,
    reason: String,
    requested_due: Option<String>,
}

struct ContactLine {
    unit: String,
    kind: &'static str,
    on: String,
    summary: String,
}

struct OpinionLine {
    unit: String,
    body: String,
    at: String,
}

struct CosignerLine {
    name: String,
    status: &'static str,
}

struct Stage {
    label: &'static str,
    at: String,
}

/// The reader's own unit's assignment (a unit account's forms act on it).
struct Mine {
    id: String,
}

#[derive(Template)]
#[template(path = "proposal.html", config = "src/web/askama.toml")]
struct DetailPage {
    frame: Frame,
    p: ProposalView,
    can: Vec<Action>,
    done: Option<&'static str>,
    failure: Option<Failure>,
    key_mode: Option<&'static str>,
    stages: Vec<Stage>,
    units: Vec<UnitLine>,
    replies: Vec<ReplyLine>,
    ratings: Vec<RatingLine>,
    commitments: Vec<CommitmentLine>,
    requests: Vec<RequestLine>,
    contacts: Vec<ContactLine>,
    opinions: Vec<OpinionLine>,
    cosigners: Vec<CosignerLine>,
    rating_due: Option<String>,
    mine: Option<Mine>,
    words: Vocabularies,
    refusal_reasons: Vec<RefusalReason>,
    leaders: Vec<DirectoryEntry>,
    all_units: Vec<PublicChoice>,
    merge_candidates: Vec<MergeCandidate>,
    cosigner: CosignerSearch,
    sectors: Vec<PublicChoice>,
    found_members: Vec<DirectoryEntry>,
    assign_rows: Vec<AssignRow>,
    commitment_inputs: Vec<CommitmentInputRow>,
    today: String,
    any_provisional: bool,
    /// The reader's unit's draft reply of this round, to edit.
    draft_grade: String,
    draft_body: String,
    draft_public: String,
    draft_person: String,
}

/// A unit in the assignment table, with what a refused form had chosen.
struct AssignRow {
    id: String,
    name: String,
    part: String,
    due: String,
}

/// A commitment row of the reply form, filled from the draft or the refused form.
struct CommitmentInputRow {
    row: usize,
    description: String,
    on: String,
    description_error: Option<String>,
    on_error: Option<String>,
}

impl DetailPage {
    /// Whether the reader may take the action now (as the domain says).
    fn can(&self, action: &str) -> bool {
        self.can.iter().any(|a| a.as_str() == action)
    }

    fn failed(&self, action: &str) -> Option<&Failure> {
        self.failure.as_ref().filter(|f| f.action.as_str() == action)
    }

    /// What was typed in a refused form's field, else `default`.
    fn value<'a>(&'a self, action: &str, field: &str, default: &'a str) -> &'a str {
        match self.failed(action) {
            Some(f) => f.kept.get(field).map(String::as_str).unwrap_or(""),
            None => default,
        }
    }

    /// Whether a refused form had chosen `value` for `field`.
    fn kept_is(&self, action: &str, field: &str, value: &str) -> bool {
        self.failed(action).and_then(|f| f.kept.get(field)).is_some_and(|v| v.split('\u{1f}').any(|v| v == value))
    }

    fn error(&self, action: &str, field: &str) -> Option<&str> {
        self.failed(action).and_then(|f| f.errors.get(field))
    }

    fn field_attrs(&self, action: &str, field: &str) -> String {
        match self.error(action, field) {
            Some(_) => format!(" aria-invalid=\"true\" aria-describedby=\"{action}-{field}-error\""),
            None => String::new(),
        }
    }
}

pub async fn show(
    state: &AppState,
    visitor: &Visitor,
    id: ProposalId,
    failure: Option<Failure>,
) -> Result<HttpResponse, PageError> {
    show_with(state, visitor, id, failure, None, CosignerSearch::default()).await
}

/// The page, after `done` (an action's name) or a `failure`, with the
/// co-signer search answered when given.
pub async fn show_with(
    state: &AppState,
    visitor: &Visitor,
    id: ProposalId,
    failure: Option<Failure>,
    done: Option<String>,
    cosigner: CosignerSearch,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let reader = user.clone();
    let search = cosigner.clone();
    let (p, extras) = state
        .db
        .read(move |conn| {
            let p = reads::get_visible(conn, &reader, &id, now, &workflow)?;
            let can = |a: Action| p.allowed_actions.contains(&a);
            let mut ids: Vec<String> = p.cosigners.iter().map(|c| c.user_id.clone()).collect();
            ids.extend(p.contacts.iter().map(|c| c.recorded_by_id.clone()));
            let names = crate::accounts::display_names(conn, &ids)?;
            let leaders = if can(Action::MarkKey) {
                directory::find(conn, &reader, &DirectoryQuery { role: Some(Role::Leader), ..Default::default() })?
            } else {
                Vec::new()
            };
            let needs_units = can(Action::Assign) || can(Action::DecideReturn);
            let units = if needs_units { crate::proposals::public::units(conn)? } else { Vec::new() };
            let merge_candidates = if can(Action::Merge) { reads::merge_candidates(conn, &p)? } else { Vec::new() };
            let inviting = can(Action::InviteCosigners);
            let sectors = if inviting { crate::proposals::public::sectors(conn)? } else { Vec::new() };
            let found_members = if inviting && search.asked() {
                let query = DirectoryQuery {
                    q: Some(search.q.trim().to_string()).filter(|q| !q.is_empty()),
                    role: Some(Role::Member),
                    sector_id: Some(search.sector_id.trim().to_string()).filter(|s| !s.is_empty()),
                };
                directory::find(conn, &reader, &query)?
            } else {
                Vec::new()
            };
            Ok((p, Extras { names, leaders, units, merge_candidates, sectors, found_members }))
        })
        .await?;
    let status = failure.as_ref().map(|f| f.status);
    let page = build(state, visitor, &user, p, extras, failure, done, cosigner);
    let mut answer = render(visitor, &page)?;
    if let Some(status) = status {
        *answer.status_mut() = status;
    }
    Ok(answer)
}

/// What the forms need besides the proposal: names and lists to pick from.
struct Extras {
    names: HashMap<String, String>,
    leaders: Vec<DirectoryEntry>,
    units: Vec<PublicChoice>,
    merge_candidates: Vec<MergeCandidate>,
    sectors: Vec<PublicChoice>,
    found_members: Vec<DirectoryEntry>,
}

#[allow(clippy::too_many_arguments)]
fn build(
    state: &AppState,
    visitor: &Visitor,
    user: &AuthUser,
    p: ProposalView,
    extras: Extras,
    failure: Option<Failure>,
    done: Option<String>,
    cosigner: CosignerSearch,
) -> DetailPage {
    let now = state.clock.now();
    let moments = [
        ("提交", p.submitted_at),
        ("立案", p.filed_at),
        ("答复", p.replied_at),
        ("办结", p.closed_at),
        ("公开", p.published_at),
    ];
    let stages =
        moments.into_iter().filter_map(|(label, at)| at.map(|at| Stage { label, at: local_time(state, at) })).collect();
    let unit_of: HashMap<&str, &str> =
        p.assignments.iter().map(|a| (a.assignment.id.as_str(), a.unit_name.as_str())).collect();
    let unit_name = |assignment_id: &str| unit_of.get(assignment_id).copied().unwrap_or_default().to_string();
    let units = p
        .assignments
        .iter()
        .map(|a| {
            let open = matches!(a.assignment.state, AssignmentState::Assigned | AssignmentState::Received);
            UnitLine {
                id: a.assignment.id.clone(),
                name: a.unit_name.clone(),
                part: a.assignment.unit_role.label_zh(),
                state: a.assignment.state.label_zh(),
                due: local_date(state, a.assignment.due_at),
                overdue: open && a.assignment.due_at < now,
                provisional: a.provisional,
            }
        })
        .collect();
    let own_unit = user.unit_id.as_deref();
    let mine = p
        .assignments
        .iter()
        .filter(|a| Some(a.assignment.unit_id.as_str()) == own_unit)
        .filter(|a| a.assignment.handling_round == p.handling_round)
        .find(|a| a.assignment.state != AssignmentState::Returned)
        .map(|a| Mine { id: a.assignment.id.clone() });
    let mine_unit = |assignment_id: &str| {
        p.assignments
            .iter()
            .any(|a| a.assignment.id == assignment_id && Some(a.assignment.unit_id.as_str()) == own_unit)
    };
    let replies = p
        .replies
        .iter()
        .map(|r| ReplyLine {
            id: r.id.clone(),
            round: r.handling_round,
            unit: unit_name(&r.assignment_id),
            grade: r.grade.map(|g| g.label_zh()),
            body: r.body.clone(),
            public_body: r.public_body.clone().unwrap_or_default(),
            submitted: r.submitted_at.map(|at| local_date(state, at)),
            signed_off: r.signed_off_at.is_some(),
            mine: mine_unit(&r.assignment_id) && r.handling_round == p.handling_round,
        })
        .collect();
    let ratings = p
        .ratings
        .iter()
        .map(|r| RatingLine {
            process: r.process_rating.label_zh(),
            result: r.result_rating.label_zh(),
            comment: r.comment.clone(),
            at: local_date(state, r.rated_at),
        })
        .collect();
    let commitments = p
        .commitments
        .iter()
        .map(|c| CommitmentLine {
            id: c.id.clone(),
            description: c.description.clone(),
            target: c.target_date.to_string(),
            fulfilled: c.fulfilled_at.is_some(),
        })
        .collect();
    let requests = p
        .requests
        .iter()
        .filter(|r| r.decision == RequestDecision::Pending)
        .map(|r| RequestLine {
            id: r.id.clone(),
            is_return: r.kind.as_str() == "return",
            unit: unit_name(&r.assignment_id),
            reason: r.reason.clone(),
            requested_due: r.requested_due_at.map(|at| local_date(state, at)),
        })
        .collect();
    let name = |id: &str| extras.names.get(id).cloned().unwrap_or_default();
    let contacts = p
        .contacts
        .iter()
        .map(|c| ContactLine {
            unit: unit_name(&c.assignment_id),
            kind: c.kind.label_zh(),
            on: c.contacted_on.to_string(),
            summary: c.summary.clone(),
        })
        .collect();
    let opinions = p
        .opinions
        .iter()
        .map(|o| OpinionLine {
            unit: unit_name(&o.assignment_id),
            body: o.body.clone(),
            at: local_date(state, o.sent_at),
        })
        .collect();
    let cosigners =
        p.cosigners.iter().map(|c| CosignerLine { name: name(&c.user_id), status: c.status.label_zh() }).collect();
    let rating_due = p.rating_due_at.filter(|_| p.state == ProposalState::Replied).map(|at| local_date(state, at));
    let done = done.as_deref().and_then(Action::parse).map(|a| a.label_zh());
    let draft = p
        .replies
        .iter()
        .find(|r| mine_unit(&r.assignment_id) && r.handling_round == p.handling_round && r.submitted_at.is_none());
    let draft_commitments: Vec<(String, String)> = draft
        .map(|d| {
            p.commitments
                .iter()
                .filter(|c| c.reply_id == d.id)
                .map(|c| (c.description.clone(), c.target_date.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let refused = |action: Action| failure.as_ref().filter(|f| f.action == action);
    let kept = |action: Action, field: &str| refused(action).and_then(|f| f.kept.get(field)).cloned();
    let assign_rows = extras
        .units
        .iter()
        .map(|u| AssignRow {
            id: u.id.clone(),
            name: u.name.clone(),
            part: kept(Action::Assign, &format!("part_{}", u.id)).unwrap_or_default(),
            due: kept(Action::Assign, &format!("due_{}", u.id)).unwrap_or_default(),
        })
        .collect();
    let commitment_inputs = (0..COMMITMENT_ROWS)
        .map(|row| {
            let (name, on) = (format!("commitment_{row}"), format!("commitment_{row}_on"));
            let from_draft: Option<&(String, String)> = draft_commitments.get(row);
            let error = |field: &str| refused(Action::DraftReply).and_then(|f| f.errors.get(field)).map(str::to_string);
            match refused(Action::DraftReply) {
                Some(_) => CommitmentInputRow {
                    row,
                    description: kept(Action::DraftReply, &name).unwrap_or_default(),
                    on: kept(Action::DraftReply, &on).unwrap_or_default(),
                    description_error: error(&name),
                    on_error: error(&on),
                },
                None => CommitmentInputRow {
                    row,
                    description: from_draft.map(|c| c.0.clone()).unwrap_or_default(),
                    on: from_draft.map(|c| c.1.clone()).unwrap_or_default(),
                    description_error: None,
                    on_error: None,
                },
            }
        })
        .collect();
    DetailPage {
        frame: Frame::new(visitor, p.title.clone(), "/proposals"),
        can: p.allowed_actions.clone(),
        done,
        failure,
        key_mode: p.key_mode.map(|m| m.label_zh()),
        stages,
        units,
        replies,
        ratings,
        commitments,
        requests,
        contacts,
        opinions,
        cosigners,
        rating_due,
        mine,
        words: vocabulary::of(&state.settings.workflow),
        refusal_reasons: state.settings.workflow.refusal_reasons.clone(),
        leaders: extras.leaders,
        all_units: extras.units,
        merge_candidates: extras.merge_candidates,
        cosigner,
        sectors: extras.sectors,
        found_members: extras.found_members,
        assign_rows,
        commitment_inputs,
        today: state.office.today(now).to_string(),
        any_provisional: p.assignments.iter().any(|a| a.provisional),
        draft_grade: draft.and_then(|d| d.grade).map(|g| g.as_str().to_string()).unwrap_or_default(),
        draft_body: draft.map(|d| d.body.clone()).unwrap_or_default(),
        draft_public: draft.and_then(|d| d.public_body.clone()).unwrap_or_default(),
        draft_person: draft.and_then(|d| d.person_in_charge.clone()).unwrap_or_default(),
        p,
    }
}
