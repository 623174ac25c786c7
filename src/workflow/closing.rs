//! The end of a proposal's life: the proposer's rating (评价), re-handling
//! after 不满意 (重新办理), closing (办结), publication (公开) or withholding,
//! and the follow-up of a B reply's commitments (B 类跟踪).

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Ctx, begin, blocked};
use crate::db::DbConn;
use crate::db::models::proposal::{CommitmentRow, ProgressRow, ProposalRow, RatingRow};
use crate::db::schema::{assignments, commitment_progress, commitments, ratings, replies};
use crate::domain::workflow::guards::{Blocked, Satisfaction, after_rating, may_close, may_publish};
use crate::domain::workflow::{Action, AssignmentState, ProposalState};
use crate::error::{AppError, AppResult};
use crate::ids::{CommitmentId, ProposalId};
use crate::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateRequest {
    /// The version of the proposal last seen (optional: a rating changes nothing the rater edited).
    pub version: Option<i32>,
    /// 办理过程
    pub process: Satisfaction,
    /// 办理结果
    pub result: Satisfaction,
    /// Up to 1000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithholdRequest {
    pub version: i32,
    /// Why it is not published (1 to 500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressRequest {
    /// Optional: the version of the proposal last seen.
    pub version: Option<i32>,
    /// What has been done (1 to 2000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilRequest {
    /// Optional: the version of the proposal last seen.
    pub version: Option<i32>,
}

const ALREADY_RATED: Blocked = Blocked { code: "already_rated", message_zh: "本轮办理已经评价过" };
const ALREADY_FULFILLED: Blocked = Blocked { code: "already_fulfilled", message_zh: "该承诺事项已办结" };

/// The round just rated is over for every unit in it: a co-handling unit's
/// assignment (which never submits a reply) is done with the round, so that
/// nothing of it stays open into re-handling (重新办理).
fn close_round(conn: &mut DbConn, p: &ProposalRow, now: chrono::NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        assignments::table
            .filter(assignments::proposal_id.eq(&p.id))
            .filter(assignments::handling_round.eq(p.handling_round))
            .filter(assignments::state.ne_all([AssignmentState::Done, AssignmentState::Returned])),
    )
    .set((assignments::state.eq(AssignmentState::Done), assignments::updated_at.eq(now)))
    .execute(conn)?)
}

/// 评价: the proposer rates the handling process and its result; 不满意 on
/// either ends the round and sends the proposal back to the office, which
/// chooses the units that handle it again (重新办理, through `assign`).
/// Confirmed co-signers rate too when the configuration says so (the table decides).
pub fn rate(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: RateRequest) -> AppResult<ProposalRow> {
    let comment = body.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    let mut check = Check::new();
    if let Some(c) = &comment {
        check.long_text("comment", c, 1, 1000);
    }
    check.finish()?;

    let step = begin(conn, ctx, id, Action::Rate, body.version)?;
    let (before, standing) = (&step.before, &step.standing);
    let already: i64 = ratings::table
        .filter(ratings::proposal_id.eq(&before.id))
        .filter(ratings::rater_id.eq(&ctx.user.id))
        .filter(ratings::handling_round.eq(before.handling_round))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Err(blocked(ALREADY_RATED));
    }
    let rating = RatingRow {
        id: crate::ids::new_id(),
        proposal_id: before.id.clone(),
        reply_id: None,
        rater_id: ctx.user.id.clone(),
        process_rating: body.process,
        result_rating: body.result,
        comment,
        rated_at: ctx.now,
        handling_round: before.handling_round,
    };
    diesel::insert_into(ratings::table).values(&rating).execute(conn)?;
    let mut after = before.clone();
    let mut record = json!({ "rating": rating });
    if standing.is_proposer && after_rating(body.process, body.result) == ProposalState::Filed {
        let closed = close_round(conn, before, ctx.now)?;
        crate::proposals::deadlines::close_all(conn, &before.id, ctx.now)?;
        crate::proposals::deadlines::close_commitments(conn, &before.id, ctx.now)?;
        after.state = ProposalState::Filed;
        after.handling_round = before.handling_round + 1;
        after.replied_at = None;
        after.rating_due_at = None;
        record["rehandling"] = json!({ "round": after.handling_round, "assignments_closed": closed });
    }
    step.commit(conn, ctx, after, Some(record))
}

/// 办结: the office closes a replied proposal once its proposer has rated this
/// round, or the rating window has passed; silence then counts as configured
/// (`workflow.rating_silence_means`).
pub fn close(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, version: i32) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::Close, Some(version))?;
    let before = &step.before;
    let proposers = crate::notify::proposers(conn, before)?;
    let rated: i64 = ratings::table
        .filter(ratings::proposal_id.eq(&before.id))
        .filter(ratings::handling_round.eq(before.handling_round))
        .filter(ratings::rater_id.eq_any(&proposers))
        .count()
        .get_result(conn)?;
    may_close(rated > 0, before.rating_due_at, ctx.now).map_err(blocked)?;
    let meaning = ctx.workflow.rating_silence_means.as_str();
    let silence = if rated > 0 || meaning == "unrated" {
        None
    } else {
        let value = Satisfaction::parse(meaning)
            .ok_or_else(|| AppError::internal(format!("workflow.rating_silence_means is {meaning:?}")))?;
        let label = match value {
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Unsatisfied => "不满意",
        };
        let row = RatingRow {
            id: crate::ids::new_id(),
            proposal_id: before.id.clone(),
            reply_id: None,
            rater_id: before.proposer_id.clone(),
            process_rating: value,
            result_rating: value,
            comment: Some(format!("逾期未评价，按规定视为{label}")),
            rated_at: ctx.now,
            handling_round: before.handling_round,
        };
        diesel::insert_into(ratings::table).values(&row).execute(conn)?;
        Some(row)
    };
    // Whatever is still open of the handling (a return window, an opinion never sent) ends here.
    crate::proposals::deadlines::close_all(conn, &before.id, ctx.now)?;
    let mut after = before.clone();
    after.state = ProposalState::Closed;
    after.closed_at = Some(ctx.now);
    let record = silence.map(|r| json!({ "silence_rating": r }));
    step.commit(conn, ctx, after, record)
}

/// The submitted replies of the proposal's current handling round, and how
/// many of them carry a public version.
fn public_versions(conn: &mut DbConn, p: &ProposalRow) -> AppResult<(usize, usize)> {
    let bodies: Vec<Option<String>> = replies::table
        .filter(replies::proposal_id.eq(&p.id))
        .filter(replies::handling_round.eq(p.handling_round))
        .filter(replies::submitted_at.is_not_null())
        .select(replies::public_body)
        .load(conn)?;
    let public = bodies.iter().filter(|b| b.as_deref().is_some_and(|t| !t.trim().is_empty())).count();
    Ok((bodies.len(), public))
}

/// 公开: the office publishes a closed proposal with its replies' public versions.
pub fn publish(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, version: i32) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::Publish, Some(version))?;
    let before = &step.before;
    let (submitted, public) = public_versions(conn, before)?;
    may_publish(submitted, public).map_err(blocked)?;
    let mut after = before.clone();
    after.state = ProposalState::Published;
    after.published_at = Some(ctx.now);
    let after = step.commit(conn, ctx, after, None)?;
    crate::search::index_published(conn, &after, ctx.now)?;
    Ok(after)
}

/// 不予公开: the office withholds a closed proposal from publication, with a reason.
pub fn withhold(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: WithholdRequest) -> AppResult<ProposalRow> {
    let mut check = Check::new();
    check.long_text("reason", &body.reason, 1, 500);
    check.finish()?;

    let step = begin(conn, ctx, id, Action::Withhold, Some(body.version))?;
    let before = &step.before;
    let mut after = before.clone();
    after.state = ProposalState::Withheld;
    after.withheld_reason = Some(body.reason.trim().to_string());
    step.commit(conn, ctx, after, None)
}

/// A commitment of this proposal; a wrong or foreign id is 404.
fn commitment_of(conn: &mut DbConn, p: &ProposalRow, commitment_id: &CommitmentId) -> AppResult<CommitmentRow> {
    Ok(commitments::table
        .find(commitment_id.as_str())
        .filter(commitments::proposal_id.eq(&p.id))
        .select(CommitmentRow::as_select())
        .first(conn)?)
}

/// B 类跟踪: the unit whose reply made the commitment reports its progress.
pub fn report_progress(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    commitment_id: &CommitmentId,
    body: ProgressRequest,
) -> AppResult<ProposalRow> {
    let mut check = Check::new();
    check.long_text("note", &body.note, 1, 2000);
    check.finish()?;

    let step = begin(conn, ctx, id, Action::ReportProgress, body.version)?;
    let before = &step.before;
    let commitment = commitment_of(conn, before, commitment_id)?;
    let unit: Option<String> = replies::table
        .inner_join(assignments::table.on(assignments::id.eq(replies::assignment_id)))
        .filter(replies::id.eq(&commitment.reply_id))
        .select(assignments::unit_id)
        .first(conn)
        .optional()?;
    if unit.is_none() || unit != ctx.user.unit_id {
        return Err(AppError::not_found());
    }
    if commitment.fulfilled_at.is_some() {
        return Err(blocked(ALREADY_FULFILLED));
    }
    let progress = ProgressRow {
        id: crate::ids::new_id(),
        commitment_id: commitment.id.clone(),
        note: body.note.trim().to_string(),
        reported_by_id: ctx.user.id.clone(),
        reported_at: ctx.now,
    };
    diesel::insert_into(commitment_progress::table).values(&progress).execute(conn)?;
    step.commit(conn, ctx, before.clone(), Some(json!({ "commitment": commitment, "progress": progress })))
}

/// The office marks a commitment fulfilled.
pub fn fulfil(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    commitment_id: &CommitmentId,
    version: Option<i32>,
) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::FulfilCommitment, version)?;
    let before = &step.before;
    let mut commitment = commitment_of(conn, before, commitment_id)?;
    if commitment.fulfilled_at.is_some() {
        return Err(blocked(ALREADY_FULFILLED));
    }
    diesel::update(commitments::table.find(&commitment.id))
        .set((commitments::fulfilled_at.eq(ctx.now), commitments::fulfilled_by_id.eq(&ctx.user.id)))
        .execute(conn)?;
    crate::proposals::deadlines::meet_commitment(conn, &commitment.id, ctx.now)?;
    commitment.fulfilled_at = Some(ctx.now);
    commitment.fulfilled_by_id = Some(ctx.user.id.clone());
    step.commit(conn, ctx, before.clone(), Some(json!({ "commitment": commitment })))
}
