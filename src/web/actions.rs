//! Every workflow action a page offers, posted to one address per action
//! (`/proposals/{id}/act/{action}`): the form's fields become the same
//! request the JSON API takes, the same operation runs in one transaction,
//! and the reader comes back to the proposal (303). A refused form is shown
//! again on the proposal's page with its messages and what was typed; a
//! stale one says so above the proposal as it now stands.

use actix_web::{HttpResponse, web};

use crate::audit::Origin;
use crate::domain::workflow::Action;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::ids::{AssignmentId, CommitmentId, ProposalId, RequestId};
use crate::proposals::view::ProposalView;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::fields::Fields;
use crate::web::forms::{FormErrors, is_for_the_form};
use crate::web::frame::see_other;
use crate::web::proposals::{Failure, show};
use crate::web::session::Visitor;
use crate::workflow::drafting::{EditDraftRequest, InviteRequest};
use crate::workflow::handling::{CommitmentInput, ContactRequest, OpinionRequest, ReasonRequest, ReplyRequest};
use crate::workflow::requests::{DecisionRequest, ExtensionRequest};
use crate::workflow::review::{AssignRequest, ConvertRequest, MarkKeyRequest, MergeRequest, RefuseRequest};
use crate::workflow::{closing, drafting, handling, perform, requests, review};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals/{id}/act/{action}", web::post().to(act_on));
}

/// How many commitments the reply form offers rows for.
pub const COMMITMENT_ROWS: usize = 3;

async fn act_on(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let fields = Fields::new(form.into_inner());
    visitor.check_form(&state, &fields.text("csrf"))?;
    let (id, action) = path.into_inner();
    let id = ProposalId::parse(&id).ok_or_else(AppError::not_found)?;
    let action = Action::parse(&action).ok_or_else(AppError::not_found)?;
    match run(&state, user, origin, &id, action, &fields).await {
        Ok(_) => Ok(see_other(&format!("/proposals/{}?done={}#top", id.as_str(), action.as_str()))),
        Err(e) if is_for_the_form(&e) => {
            let failure = Failure {
                action,
                stale: e.kind == ErrorKind::StaleVersion,
                errors: FormErrors::of(&e).renamed(page_field),
                kept: fields.kept(),
                status: e.kind.status(),
            };
            show(&state, &visitor, id, Some(failure)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads the action's fields into its request and runs its operation.
async fn run(
    state: &AppState,
    user: crate::auth::AuthUser,
    origin: Origin,
    id: &ProposalId,
    action: Action,
    f: &Fields,
) -> AppResult<ProposalView> {
    let id = id.clone();
    match action {
        Action::EditDraft => {
            let body = EditDraftRequest {
                version: f.version()?,
                title: Some(f.text("title")),
                reasons: Some(f.text("reasons")),
                suggestions: Some(f.text("suggestions")),
                topic: Some(f.text("topic")),
            };
            perform(state, user, origin, move |conn, ctx| drafting::edit_draft(conn, ctx, &id, body)).await
        }
        Action::InviteCosigners => {
            let body = InviteRequest { version: f.version()?, member_ids: f.all("member_ids") };
            perform(state, user, origin, move |conn, ctx| drafting::invite_cosigners(conn, ctx, &id, body)).await
        }
        Action::AnswerInvitation => {
            let accept = f.yes("accept")?;
            perform(state, user, origin, move |conn, ctx| drafting::answer_invitation(conn, ctx, &id, accept)).await
        }
        Action::Submit => {
            let version = f.version()?;
            perform(state, user, origin, move |conn, ctx| drafting::submit(conn, ctx, &id, version)).await
        }
        Action::File => {
            let version = f.version()?;
            perform(state, user, origin, move |conn, ctx| review::file(conn, ctx, &id, version)).await
        }
        Action::RefuseFiling => {
            let body = RefuseRequest {
                version: f.version()?,
                reason_code: f.text("reason_code"),
                reason_text: f.text("reason_text"),
            };
            perform(state, user, origin, move |conn, ctx| review::refuse(conn, ctx, &id, body)).await
        }
        Action::Convert => {
            let body = ConvertRequest { version: f.version()?, note: f.text("note") };
            perform(state, user, origin, move |conn, ctx| review::convert(conn, ctx, &id, body)).await
        }
        Action::Merge => {
            let body = MergeRequest { version: f.version()?, into_id: f.text("into_id") };
            perform(state, user, origin, move |conn, ctx| review::merge(conn, ctx, &id, body)).await
        }
        Action::MarkKey => {
            let body = MarkKeyRequest { version: f.version()?, leader_id: f.text("leader_id"), mode: f.text("mode") };
            perform(state, user, origin, move |conn, ctx| review::mark_key(conn, ctx, &id, body)).await
        }
        Action::Assign => {
            let body = assign_request(f)?;
            perform(state, user, origin, move |conn, ctx| review::assign(conn, ctx, &id, body)).await
        }
        Action::SignFor => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            perform(state, user, origin, move |conn, ctx| handling::sign_for(conn, ctx, &id, &assignment)).await
        }
        Action::RequestReturn => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            let body = ReasonRequest { reason: f.text("reason") };
            perform(state, user, origin, move |conn, ctx| requests::request_return(conn, ctx, &id, &assignment, body))
                .await
        }
        Action::RequestExtension => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            let body = ExtensionRequest { reason: f.text("reason"), requested_due_on: f.date("requested_due_on")? };
            perform(state, user, origin, move |conn, ctx| {
                requests::request_extension(conn, ctx, &id, &assignment, body)
            })
            .await
        }
        Action::DecideReturn | Action::DecideExtension => {
            let request: RequestId = f.id("request_id")?;
            let body = DecisionRequest {
                approve: f.yes("approve")?,
                note: f.optional("note"),
                reassign_to_unit_id: f.optional("reassign_to_unit_id"),
                new_due_on: f.optional_date("new_due_on")?,
            };
            perform(state, user, origin, move |conn, ctx| requests::decide_request(conn, ctx, &id, &request, body))
                .await
        }
        Action::RecordContact => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            let body = ContactRequest {
                kind: f.text("kind"),
                contacted_on: f.date("contacted_on")?,
                summary: f.text("summary"),
            };
            perform(state, user, origin, move |conn, ctx| handling::record_contact(conn, ctx, &id, &assignment, body))
                .await
        }
        Action::SendOpinion => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            let body = OpinionRequest { body: f.text("body") };
            perform(state, user, origin, move |conn, ctx| handling::send_opinion(conn, ctx, &id, &assignment, body))
                .await
        }
        Action::DraftReply => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            let body = reply_request(f)?;
            perform(state, user, origin, move |conn, ctx| handling::draft_reply(conn, ctx, &id, &assignment, body))
                .await
        }
        Action::SignOffReply => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            perform(state, user, origin, move |conn, ctx| handling::sign_off_reply(conn, ctx, &id, &assignment)).await
        }
        Action::SubmitReply => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            perform(state, user, origin, move |conn, ctx| handling::submit_reply(conn, ctx, &id, &assignment)).await
        }
        Action::WaiveContact => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            let body = ReasonRequest { reason: f.text("reason") };
            perform(state, user, origin, move |conn, ctx| handling::waive_contact(conn, ctx, &id, &assignment, body))
                .await
        }
        Action::WaiveOpinion => {
            let assignment: AssignmentId = f.id("assignment_id")?;
            let body = ReasonRequest { reason: f.text("reason") };
            perform(state, user, origin, move |conn, ctx| handling::waive_opinion(conn, ctx, &id, &assignment, body))
                .await
        }
        Action::Rate => {
            let body = closing::RateRequest {
                version: f.optional_version(),
                process: satisfaction(f, "process")?,
                result: satisfaction(f, "result")?,
                comment: f.optional("comment"),
            };
            perform(state, user, origin, move |conn, ctx| closing::rate(conn, ctx, &id, body)).await
        }
        Action::Close => {
            let version = f.version()?;
            perform(state, user, origin, move |conn, ctx| closing::close(conn, ctx, &id, version)).await
        }
        Action::Publish => {
            let version = f.version()?;
            let view = perform(state, user, origin, move |conn, ctx| closing::publish(conn, ctx, &id, version)).await?;
            // As the API does: what the public reads changed.
            state.public_index.changed();
            Ok(view)
        }
        Action::Withhold => {
            let body = closing::WithholdRequest { version: f.version()?, reason: f.text("reason") };
            perform(state, user, origin, move |conn, ctx| closing::withhold(conn, ctx, &id, body)).await
        }
        Action::ReportProgress => {
            let commitment: CommitmentId = f.id("commitment_id")?;
            let body = closing::ProgressRequest { version: f.optional_version(), note: f.text("note") };
            perform(state, user, origin, move |conn, ctx| closing::report_progress(conn, ctx, &id, &commitment, body))
                .await
        }
        Action::FulfilCommitment => {
            let commitment: CommitmentId = f.id("commitment_id")?;
            let version = f.optional_version();
            perform(state, user, origin, move |conn, ctx| closing::fulfil(conn, ctx, &id, &commitment, version)).await
        }
    }
}

fn satisfaction(f: &Fields, name: &str) -> AppResult<crate::domain::workflow::guards::Satisfaction> {
    crate::domain::workflow::guards::Satisfaction::parse(&f.text(name))
        .ok_or_else(|| AppError::invalid_field(name, "required", "请选择"))
}

/// The assignment table: a part for each unit chosen (`part_<unit>`: lead,
/// co or separate) and, if given, its own date (`due_<unit>`).
fn assign_request(f: &Fields) -> AppResult<AssignRequest> {
    let mut body = AssignRequest {
        version: f.version()?,
        lead_unit_id: None,
        co_unit_ids: Vec::new(),
        separate_unit_ids: Vec::new(),
        due_on: f.optional_date("due_on")?,
        unit_due_on: Default::default(),
    };
    let dues = f.prefixed("due_");
    for (unit, part) in f.prefixed("part_") {
        let chosen = match part.as_str() {
            "lead" if body.lead_unit_id.is_none() => {
                body.lead_unit_id = Some(unit.clone());
                true
            }
            "lead" => return Err(AppError::invalid_field("lead_unit_id", "one_lead", "只能选择一个主办单位")),
            "co" => {
                body.co_unit_ids.push(unit.clone());
                true
            }
            "separate" => {
                body.separate_unit_ids.push(unit.clone());
                true
            }
            _ => false,
        };
        if chosen
            && let Some(day) =
                crate::web::fields::parse_date(&format!("due_{unit}"), dues.get(&unit).map_or("", |d| d))?
        {
            body.unit_due_on.insert(unit, day);
        }
    }
    Ok(body)
}

/// The reply form: grade, texts, person in charge, and up to
/// [`COMMITMENT_ROWS`] commitments (a row left blank is no commitment).
fn reply_request(f: &Fields) -> AppResult<ReplyRequest> {
    let mut commitments = Vec::new();
    for row in 0..COMMITMENT_ROWS {
        let description = f.text(&format!("commitment_{row}"));
        let date_field = format!("commitment_{row}_on");
        let day = f.optional_date(&date_field)?;
        match (description.trim().is_empty(), day) {
            (true, None) => {}
            (false, Some(target_date)) => commitments.push(CommitmentInput { description, target_date }),
            (false, None) => return Err(AppError::invalid_field(&date_field, "required", "请填写承诺完成的日期")),
            (true, Some(_)) => {
                return Err(AppError::invalid_field(&format!("commitment_{row}"), "required", "请填写承诺事项"));
            }
        }
    }
    Ok(ReplyRequest {
        grade: f.text("grade"),
        body: f.text("body"),
        public_body: f.text("public_body"),
        person_in_charge: f.text("person_in_charge"),
        commitments,
    })
}

/// An operation's field name as the page's form names it (the reply's
/// commitments are rows of their own there).
fn page_field(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("commitments[")
        && let Some((row, part)) = rest.split_once("].")
    {
        return match part {
            "target_date" => format!("commitment_{row}_on"),
            _ => format!("commitment_{row}"),
        };
    }
    field.to_string()
}
