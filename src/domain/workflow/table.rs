//! The permission table and the state machine: who may take each action,
//! from which states, and where it leads.

use super::action::Action;
use super::standing::{Standing, UnitRole};
use super::state::ProposalState;
use crate::domain::Role;

use Action as A;
use ProposalState as S;

/// The states an action may be taken from.
pub fn from_states(action: Action) -> &'static [ProposalState] {
    match action {
        A::EditDraft | A::InviteCosigners | A::Submit => &[S::Draft],
        A::AnswerInvitation => &[S::Draft, S::Submitted],
        A::File | A::RefuseFiling | A::Convert | A::Merge => &[S::Submitted],
        A::MarkKey => &[S::Filed, S::Handling, S::Replied],
        A::Assign => &[S::Filed],
        A::SignFor
        | A::RequestReturn
        | A::DecideReturn
        | A::RecordContact
        | A::SendOpinion
        | A::DraftReply
        | A::SignOffReply
        | A::SubmitReply
        | A::RequestExtension
        | A::DecideExtension
        | A::WaiveContact
        | A::WaiveOpinion => &[S::Handling],
        A::Rate | A::Close => &[S::Replied],
        A::Publish | A::Withhold => &[S::Closed],
        A::ReportProgress | A::FulfilCommitment => &[S::Replied, S::Closed, S::Published, S::Withheld],
    }
}

/// Where an action leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leads {
    /// The proposal stays in its state (sub-records change).
    Stays,
    /// Always to this state.
    To(ProposalState),
    /// Depends on the data: see the action's guard in [`super::guards`].
    Depends(&'static [ProposalState]),
}

pub fn leads_to(action: Action) -> Leads {
    match action {
        A::Submit => Leads::To(S::Submitted),
        A::File => Leads::To(S::Filed),
        A::RefuseFiling => Leads::To(S::NotFiled),
        A::Convert => Leads::To(S::Converted),
        A::Merge => Leads::To(S::Merged),
        A::Assign => Leads::To(S::Handling),
        // The last reply needed moves it on.
        A::SubmitReply => Leads::Depends(&[S::Handling, S::Replied]),
        // An approved return with nobody left to reply sends it back for assignment.
        A::DecideReturn => Leads::Depends(&[S::Handling, S::Filed, S::Replied]),
        // 不满意 sends it back to the office to choose who handles it again (重新办理).
        A::Rate => Leads::Depends(&[S::Replied, S::Filed]),
        A::Close => Leads::To(S::Closed),
        A::Publish => Leads::To(S::Published),
        A::Withhold => Leads::To(S::Withheld),
        _ => Leads::Stays,
    }
}

/// Who may take an action, given how they stand to the proposal.
pub fn permits(action: Action, who: &Standing) -> bool {
    let office = who.is(Role::Office);
    let proposer = who.is(Role::Member) && who.is_proposer;
    let cosigner = who.is(Role::Member) && who.is_cosigner;
    let unit = who.is_unit() && who.unit_role.is_some();
    let replying_unit = who.is_unit() && who.unit_role.is_some_and(UnitRole::replies);
    let replying_head = who.is(Role::UnitHead) && who.unit_role.is_some_and(UnitRole::replies);
    let co_unit = who.is_unit() && who.unit_role == Some(UnitRole::Co);
    match action {
        // 代录入: the office may write and hand in a proposal on a member's behalf.
        A::EditDraft | A::Submit => proposer || office,
        A::InviteCosigners => proposer || office,
        A::AnswerInvitation => cosigner,
        A::File
        | A::RefuseFiling
        | A::Convert
        | A::Merge
        | A::MarkKey
        | A::Assign
        | A::DecideReturn
        | A::DecideExtension
        | A::WaiveContact
        | A::WaiveOpinion
        | A::Close
        | A::Publish
        | A::Withhold
        | A::FulfilCommitment => office,
        A::SignFor | A::RequestReturn | A::RecordContact => unit,
        A::SendOpinion => co_unit,
        A::DraftReply | A::SubmitReply | A::RequestExtension | A::ReportProgress => replying_unit,
        A::SignOffReply => replying_head,
        A::Rate => proposer || (cosigner && who.cosigner_rates),
    }
}

/// Who may see a proposal at all: members their own and co-signed ones, units
/// what is assigned to them, leaders the key proposals they lead or supervise,
/// the office everything, and everybody (signed in or not) what is published.
pub fn may_see(who: &Standing, state: ProposalState) -> bool {
    if state == S::Published {
        return true;
    }
    match who.role {
        Some(Role::Office) => true,
        Some(Role::Member) => who.is_proposer || who.is_cosigner,
        Some(Role::UnitStaff | Role::UnitHead) => who.unit_role.is_some(),
        Some(Role::Leader) => who.is_key_leader,
        Some(Role::Admin) | None => false,
    }
}

/// Whether someone may see the full proposal, not only its public version.
pub fn may_see_full(who: &Standing, state: ProposalState) -> bool {
    may_see(who, state) && (state != S::Published || related(who))
}

fn related(who: &Standing) -> bool {
    match who.role {
        Some(Role::Office) => true,
        Some(Role::Member) => who.is_proposer || who.is_cosigner,
        Some(Role::UnitStaff | Role::UnitHead) => who.unit_role.is_some(),
        Some(Role::Leader) => who.is_key_leader,
        _ => false,
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The actor may not even see the proposal: answer as if it did not exist (404).
    Hidden,
    /// The actor sees it but this action is not theirs to take (403).
    NotPermitted,
    /// Theirs to take, but not from the current state (409), with what they may do now.
    WrongState { current: ProposalState, allowed: Vec<Action> },
}

/// A permitted action and the state it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub leads: Leads,
}

/// The one question every edge asks: may this person take this action now?
pub fn decide(action: Action, state: ProposalState, who: &Standing) -> Result<Decision, Refusal> {
    if !may_see(who, state) {
        return Err(Refusal::Hidden);
    }
    if !permits(action, who) {
        return Err(Refusal::NotPermitted);
    }
    if !from_states(action).contains(&state) {
        return Err(Refusal::WrongState { current: state, allowed: allowed_actions(state, who) });
    }
    Ok(Decision { action, leads: leads_to(action) })
}

/// Everything this person may do from this state.
pub fn allowed_actions(state: ProposalState, who: &Standing) -> Vec<Action> {
    if !may_see(who, state) {
        return Vec::new();
    }
    Action::ALL.iter().copied().filter(|a| permits(*a, who) && from_states(*a).contains(&state)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member_proposer() -> Standing {
        Standing { is_proposer: true, ..Standing::of(Role::Member) }
    }

    #[test]
    fn a_member_submits_their_own_draft_only() {
        assert!(decide(A::Submit, S::Draft, &member_proposer()).is_ok());
        assert_eq!(decide(A::Submit, S::Draft, &Standing::of(Role::Member)), Err(Refusal::Hidden));
        let refused = decide(A::Submit, S::Submitted, &member_proposer()).unwrap_err();
        assert!(matches!(refused, Refusal::WrongState { current: S::Submitted, .. }));
    }

    #[test]
    fn only_the_lead_or_separate_units_head_signs_off() {
        let head = |r| Standing { unit_role: Some(r), ..Standing::of(Role::UnitHead) };
        let staff = Standing { unit_role: Some(UnitRole::Lead), ..Standing::of(Role::UnitStaff) };
        assert!(decide(A::SignOffReply, S::Handling, &head(UnitRole::Lead)).is_ok());
        assert!(decide(A::SignOffReply, S::Handling, &head(UnitRole::Separate)).is_ok());
        assert_eq!(decide(A::SignOffReply, S::Handling, &head(UnitRole::Co)), Err(Refusal::NotPermitted));
        assert_eq!(decide(A::SignOffReply, S::Handling, &staff), Err(Refusal::NotPermitted));
        assert!(decide(A::SendOpinion, S::Handling, &head(UnitRole::Co)).is_ok());
    }

    #[test]
    fn everybody_sees_what_is_published_and_nobody_else_sees_more_than_their_share() {
        for state in ProposalState::ALL.iter().copied() {
            assert_eq!(may_see(&Standing::public(), state), state == S::Published);
            assert!(may_see(&Standing::of(Role::Office), state));
            assert_eq!(may_see(&Standing::of(Role::Admin), state), state == S::Published);
            assert_eq!(may_see(&Standing::of(Role::Leader), state), state == S::Published);
            assert!(may_see(&Standing { is_key_leader: true, ..Standing::of(Role::Leader) }, state));
        }
        assert!(!may_see_full(&Standing::public(), S::Published));
    }

    #[test]
    fn a_refused_transition_names_what_is_allowed_instead() {
        let office = Standing::of(Role::Office);
        match decide(A::Assign, S::Submitted, &office) {
            Err(Refusal::WrongState { current, allowed }) => {
                assert_eq!(current, S::Submitted);
                assert_eq!(allowed, vec![A::File, A::RefuseFiling, A::Convert, A::Merge]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_action_can_be_taken_by_someone_from_somewhere() {
        for action in Action::ALL.iter().copied() {
            assert!(!from_states(action).is_empty(), "{action:?}");
        }
        for state in [S::NotFiled, S::Merged, S::Converted] {
            assert!(allowed_actions(state, &Standing::of(Role::Office)).is_empty(), "{state:?} is final");
        }
    }
}
