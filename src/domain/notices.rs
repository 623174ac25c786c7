//! 通知: who is told what after a workflow action. The proposer hears of every
//! outcome of the review (立案, 不立案, 并案, 转社情民意), of the assignment, of
//! the reply and of publication; an invited member hears of the invitation.
//! Pure: the wording is configuration (`workflow.notices`), the delivery is
//! `crate::notify`.

use super::workflow::{Action, ProposalState};

/// An event the people around a proposal are told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Notice {
    /// 联名邀请: a member is invited to co-sign.
    Invited,
    /// 已提交: the proposer's receipt.
    Submitted,
    /// 立案, with the number.
    Filed,
    /// 不立案, with the reason.
    Refused,
    /// 转社情民意.
    Converted,
    /// 并案, with the proposal it joined.
    Merged,
    /// 交办, with the units.
    Assigned,
    /// 已答复: the reply is in and the rating window open.
    Replied,
    /// 重新办理 has started after 不满意.
    Rehandling,
    /// 已公开.
    Published,
    /// 不予公开, with the reason.
    Withheld,
}

/// Who is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The proposer and every proposer of a proposal merged into this one.
    Proposers,
    /// The members invited by this very action.
    NewInvitees,
}

impl Notice {}

/// What `action`, having led from `from` to `to`, tells and to whom.
pub fn after(action: Action, from: ProposalState, to: ProposalState) -> Option<(Notice, Audience)> {
    use Action as A;
    use ProposalState as S;
    let notice = match action {
        A::InviteCosigners => return Some((Notice::Invited, Audience::NewInvitees)),
        A::Submit => Notice::Submitted,
        A::File => Notice::Filed,
        A::RefuseFiling => Notice::Refused,
        A::Convert => Notice::Converted,
        A::Merge => Notice::Merged,
        A::Assign => Notice::Assigned,
        A::SubmitReply | A::DecideReturn if to == S::Replied => Notice::Replied,
        A::Rate if from == S::Replied && to == S::Handling => Notice::Rehandling,
        A::Publish => Notice::Published,
        A::Withhold => Notice::Withheld,
        _ => return None,
    };
    Some((notice, Audience::Proposers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_review_outcome_tells_the_proposer() {
        for (action, to) in [
            (Action::File, ProposalState::Filed),
            (Action::RefuseFiling, ProposalState::NotFiled),
            (Action::Convert, ProposalState::Converted),
            (Action::Merge, ProposalState::Merged),
        ] {
            let (_, audience) = after(action, ProposalState::Submitted, to).expect("told");
            assert_eq!(audience, Audience::Proposers, "{action:?}");
        }
    }

    #[test]
    fn a_reply_tells_only_once_the_last_one_is_in() {
        let h = ProposalState::Handling;
        assert_eq!(after(Action::SubmitReply, h, h), None);
        assert_eq!(after(Action::SubmitReply, h, ProposalState::Replied).map(|n| n.0), Some(Notice::Replied));
        assert_eq!(after(Action::DecideReturn, h, ProposalState::Replied).map(|n| n.0), Some(Notice::Replied));
        assert_eq!(after(Action::DecideReturn, h, ProposalState::Filed), None);
    }

    #[test]
    fn a_rating_tells_only_when_it_starts_rehandling() {
        let r = ProposalState::Replied;
        assert_eq!(after(Action::Rate, r, r), None);
        assert_eq!(after(Action::Rate, r, ProposalState::Handling).map(|n| n.0), Some(Notice::Rehandling));
    }

    #[test]
    fn the_units_daily_work_tells_nobody() {
        let h = ProposalState::Handling;
        for action in [Action::SignFor, Action::RecordContact, Action::DraftReply, Action::SignOffReply] {
            assert_eq!(after(action, h, h), None, "{action:?}");
        }
    }

    #[test]
    fn wording_keys_are_distinct() {
        let keys: std::collections::BTreeSet<_> = Notice::ALL.iter().map(|n| n.as_str()).collect();
        assert_eq!(keys.len(), Notice::ALL.len());
    }
}

crate::domain::names::named!(Notice);
