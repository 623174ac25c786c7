//! Rules that depend on more than a proposal's state and the actor's role:
//! the facts of its assignments, replies and ratings.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::records::{AssignmentState, CosignerStatus, RequestDecision};
use super::state::ProposalState;

/// 满意 / 基本满意 / 不满意
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Satisfaction {
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意
    Unsatisfied,
}

/// A reply's grade.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
pub enum Grade {
    /// A: solved or basically solved.
    A,
    /// B: partly solved, or planned: carries commitments to follow up.
    B,
    /// C: kept for reference, or not feasible for now.
    C,
}

/// A rule that stopped an action the table allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// Stable code for clients.
    pub code: &'static str,
    /// For people.
    pub message_zh: &'static str,
}

const fn blocked(code: &'static str, message_zh: &'static str) -> Blocked {
    Blocked { code, message_zh }
}

/// 大会提案 if handed in within the session's plenary window, otherwise 平时提案.
pub fn is_plenary(submitted_on: NaiveDate, window_start: NaiveDate, window_end: NaiveDate) -> bool {
    submitted_on >= window_start && submitted_on <= window_end
}

/// A co-signer may answer while the invitation is open and unanswered.
pub fn may_answer_invitation(
    status: CosignerStatus,
    respond_by: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), Blocked> {
    if status != CosignerStatus::Invited {
        return Err(blocked("already_answered", "已经答复过联名邀请"));
    }
    if now > respond_by {
        return Err(blocked("invitation_expired", "联名确认期限已过"));
    }
    Ok(())
}

/// A unit may ask to be released only within the return window, and only once.
pub fn may_request_return(window_ends_at: NaiveDateTime, now: NaiveDateTime, pending: bool) -> Result<(), Blocked> {
    if pending {
        return Err(blocked("request_pending", "已有待处理的申请"));
    }
    if now > window_ends_at {
        return Err(blocked("return_window_passed", "已超过申请退回的期限"));
    }
    Ok(())
}

/// What a reply needs before it is submitted: the head's sign-off, a grade,
/// a public version, and a recorded contact unless the office waived it.
pub fn may_submit_reply(
    signed_off: bool,
    has_grade: bool,
    has_public_version: bool,
    contacts: usize,
    contact_waived: bool,
) -> Result<(), Blocked> {
    if !has_grade || !has_public_version {
        return Err(blocked("reply_incomplete", "答复需要评定类别（A/B/C）并附公开版本"));
    }
    if !signed_off {
        return Err(blocked("not_signed_off", "答复须经单位负责人签发"));
    }
    if contacts == 0 && !contact_waived {
        return Err(blocked("no_contact", "提交答复前须至少记录一次与提案人的沟通（或由提案办批准免于沟通）"));
    }
    Ok(())
}

/// 主办: the lead unit's reply waits for every co-handling unit's opinion
/// (会办意见) whose date has not passed, so that no opinion is shut out.
pub fn may_submit_lead_reply(opinions_awaited: usize) -> Result<(), Blocked> {
    if opinions_awaited > 0 {
        return Err(blocked("awaiting_opinions", "会办单位的意见尚未送达且意见期限未到，主办单位暂不能提交答复"));
    }
    Ok(())
}

/// The office waives a co-handling unit's opinion (会办意见) only for a
/// co-handling unit whose opinion is not in and not waived already.
pub fn may_waive_opinion(is_co_unit: bool, opinion_sent: bool, waived: bool) -> Result<(), Blocked> {
    if !is_co_unit {
        return Err(blocked("not_co_handling", "只有会办单位的意见可以免予等待"));
    }
    if opinion_sent {
        return Err(blocked("opinion_sent", "该会办单位的意见已经送达"));
    }
    if waived {
        return Err(blocked("opinion_waived", "该会办单位的意见已免予等待"));
    }
    Ok(())
}

/// 签收: a unit signs for an assignment once.
pub fn may_sign_for(signed_for_at: Option<NaiveDateTime>) -> Result<(), Blocked> {
    match signed_for_at {
        Some(_) => Err(blocked("already_signed", "已经签收")),
        None => Ok(()),
    }
}

/// A unit asks for a return or an extension only while it is still handling
/// (not after its reply is in), and one request of a kind at a time.
pub fn may_ask(assignment_done: bool, pending: bool) -> Result<(), Blocked> {
    if assignment_done {
        return Err(blocked("already_submitted", "答复已经提交"));
    }
    if pending {
        return Err(blocked("request_pending", "已有待处理的申请"));
    }
    Ok(())
}

/// The office decides a request once.
pub fn may_decide_request(decision: RequestDecision) -> Result<(), Blocked> {
    if decision == RequestDecision::Pending { Ok(()) } else { Err(blocked("already_decided", "该申请已经处理")) }
}

/// A return or an extension is granted only while the unit is still working on it.
pub fn may_grant(assignment_state: AssignmentState) -> Result<(), Blocked> {
    match assignment_state {
        AssignmentState::Returned => Err(blocked("assignment_returned", "该单位已退回此件")),
        AssignmentState::Done => Err(blocked("already_submitted", "答复已经提交")),
        AssignmentState::Assigned | AssignmentState::Received => Ok(()),
    }
}

/// A draft may be written, changed or signed off until it is submitted;
/// signing off and submitting need a draft.
pub fn may_work_on_reply(has_draft: bool, submitted: bool, needs_draft: bool) -> Result<(), Blocked> {
    if submitted {
        return Err(blocked("already_submitted", "答复已经提交，不能再修改"));
    }
    if needs_draft && !has_draft {
        return Err(blocked("no_draft", "尚未起草答复"));
    }
    Ok(())
}

/// B 类 replies carry at least one commitment to follow up; A and C none.
pub fn commitments_fit(grade: Grade, commitments: usize) -> bool {
    (grade == Grade::B) == (commitments > 0)
}

/// After a reply is submitted: replied once no replying unit is still working.
pub fn after_reply(replies_outstanding: usize) -> ProposalState {
    if replies_outstanding == 0 { ProposalState::Replied } else { ProposalState::Handling }
}

/// After a rating: 不满意 on process or result sends it back for re-handling.
pub fn after_rating(process: Satisfaction, result: Satisfaction) -> ProposalState {
    // 不满意: back to the office, which chooses the units that handle it again.
    if process == Satisfaction::Unsatisfied || result == Satisfaction::Unsatisfied {
        ProposalState::Filed
    } else {
        ProposalState::Replied
    }
}

/// The office may close once the proposer has rated, or the rating window has passed.
pub fn may_close(rated: bool, rating_due_at: Option<NaiveDateTime>, now: NaiveDateTime) -> Result<(), Blocked> {
    if rated || rating_due_at.is_some_and(|due| now > due) {
        Ok(())
    } else {
        Err(blocked("awaiting_rating", "提案人尚未评价，且评价期限未过"))
    }
}

/// Publication needs every submitted reply's public version.
pub fn may_publish(replies: usize, public_versions: usize) -> Result<(), Blocked> {
    if replies > 0 && replies == public_versions {
        Ok(())
    } else {
        Err(blocked("no_public_version", "没有可公开的答复版本"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(9, 0, 0).unwrap()
    }

    #[test]
    fn plenary_is_decided_by_the_window() {
        let (s, e) = (NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 1, 14).unwrap());
        assert!(is_plenary(s, s, e));
        assert!(is_plenary(e, s, e));
        assert!(!is_plenary(e.succ_opt().unwrap(), s, e));
    }

    #[test]
    fn a_reply_needs_sign_off_grade_public_version_and_contact() {
        assert!(may_submit_reply(true, true, true, 1, false).is_ok());
        assert!(may_submit_reply(true, true, true, 0, true).is_ok());
        assert_eq!(may_submit_reply(true, true, true, 0, false).unwrap_err().code, "no_contact");
        assert_eq!(may_submit_reply(false, true, true, 1, false).unwrap_err().code, "not_signed_off");
        assert_eq!(may_submit_reply(true, false, true, 1, false).unwrap_err().code, "reply_incomplete");
    }

    #[test]
    fn unsatisfied_on_either_count_sends_it_back() {
        use Satisfaction::*;
        assert_eq!(after_rating(Satisfied, BasicallySatisfied), ProposalState::Replied);
        assert_eq!(after_rating(Unsatisfied, Satisfied), ProposalState::Filed);
        assert_eq!(after_rating(Satisfied, Unsatisfied), ProposalState::Filed);
    }

    #[test]
    fn windows_close() {
        assert!(may_request_return(t(10), t(9), false).is_ok());
        assert_eq!(may_request_return(t(10), t(11), false).unwrap_err().code, "return_window_passed");
        assert!(may_answer_invitation(CosignerStatus::Invited, t(10), t(9)).is_ok());
        assert_eq!(
            may_answer_invitation(CosignerStatus::Invited, t(10), t(11)).unwrap_err().code,
            "invitation_expired"
        );
        assert!(may_close(false, Some(t(10)), t(11)).is_ok());
        assert!(may_close(false, Some(t(10)), t(9)).is_err());
        assert!(may_close(true, None, t(9)).is_ok());
    }

    #[test]
    fn unit_work_rules() {
        assert!(may_sign_for(None).is_ok());
        assert_eq!(may_sign_for(Some(t(2))).unwrap_err().code, "already_signed");
        assert_eq!(may_ask(false, true).unwrap_err().code, "request_pending");
        assert_eq!(may_ask(true, false).unwrap_err().code, "already_submitted");
        assert!(may_decide_request(RequestDecision::Pending).is_ok());
        assert_eq!(may_decide_request(RequestDecision::Approved).unwrap_err().code, "already_decided");
        assert_eq!(may_grant(AssignmentState::Returned).unwrap_err().code, "assignment_returned");
        assert_eq!(may_waive_opinion(false, false, false).unwrap_err().code, "not_co_handling");
        assert_eq!(may_waive_opinion(true, true, false).unwrap_err().code, "opinion_sent");
        assert_eq!(may_waive_opinion(true, false, true).unwrap_err().code, "opinion_waived");
        assert!(may_waive_opinion(true, false, false).is_ok());
        assert!(may_grant(AssignmentState::Received).is_ok());
        assert_eq!(may_work_on_reply(false, false, true).unwrap_err().code, "no_draft");
        assert_eq!(may_work_on_reply(true, true, false).unwrap_err().code, "already_submitted");
        assert!(may_work_on_reply(false, false, false).is_ok());
        assert!(commitments_fit(Grade::B, 1) && commitments_fit(Grade::A, 0) && commitments_fit(Grade::C, 0));
        assert!(!commitments_fit(Grade::B, 0) && !commitments_fit(Grade::A, 1));
    }
}

crate::domain::names::named!(Satisfaction, Grade);

impl Satisfaction {
    /// The rating as the pages name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Unsatisfied => "不满意",
        }
    }
}

impl Grade {
    /// The grade as the pages and the reply letter name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::A => "A类",
            Grade::B => "B类",
            Grade::C => "C类",
        }
    }
}
