//! 通知: who is told what after a workflow action. The proposer hears of every
//! outcome of the review (立案, 不立案, 并案, 转社情民意), of the assignment, of
//! the reply and of publication; an invited member hears of the invitation;
//! a handling unit of its assignment, of re-handling and of the office's
//! decision on its requests; the office of units' requests and of an
//! unsatisfied rating; a key proposal's leader of its reply and its rating.
//! Pure: the wording is configuration (config/mail/), the delivery is
//! `crate::notify`.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use utoipa::ToSchema;

use super::workflow::{Action, ProposalState};

/// An event the people around a proposal are told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, EnumString, VariantArray)]
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
    /// 交办通知: a unit is given a proposal to handle, with its deadline.
    UnitAssigned,
    /// 重新办理: a unit handles a proposal again after 不满意.
    UnitRehandling,
    /// The office decided a unit's return (退回) or extension (延期) request.
    RequestDecided,
    /// A unit asks the office to be released or for more time.
    RequestReceived,
    /// The proposer rated a reply 不满意: it goes back for re-handling.
    Unsatisfied,
    /// A key proposal (重点提案) the leader follows was replied to.
    KeyReplied,
    /// A key proposal the leader follows was rated.
    KeyRated,
    /// 催办: a unit's deadline is near.
    ReminderSoon,
    /// 催办: a unit's deadline is today.
    ReminderToday,
    /// 催办: a unit's deadline has passed (to its staff and head).
    ReminderOverdue,
    /// 超期督办: the office is told of overdue work.
    OverdueEscalated,
    /// A provisional deadline moved once its year's calendar was published.
    DeadlineMoved,
}

/// How a person's notices of one kind reach them by email (邮件提醒方式).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, IntoStaticStr, EnumString, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MailMode {
    /// An email for each notice.
    Every,
    /// One email a day with that day's notices.
    Daily,
    /// One email a week.
    Weekly,
    /// In the app only, no email.
    None,
}

impl MailMode {
    /// The choice as the mail preferences page names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            MailMode::Every => "每条都发邮件",
            MailMode::Daily => "每日汇总一封",
            MailMode::Weekly => "每周汇总一封",
            MailMode::None => "不发邮件，仅站内通知",
        }
    }

    /// The digest a notice waits for, if it waits for one.
    pub fn digest(self) -> Option<&'static str> {
        match self {
            MailMode::Daily | MailMode::Weekly => Some(self.as_str()),
            MailMode::Every | MailMode::None => None,
        }
    }
}

/// Who is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The proposer and every proposer of a proposal merged into this one.
    Proposers,
    /// The members invited by this very action.
    NewInvitees,
    /// The staff and heads of the units this very action assigned.
    NewlyAssignedUnits,
    /// The staff and heads of the unit whose request this action decided.
    DecidedRequestUnit,
    /// The proposals office (every office account).
    Office,
    /// The leader of a key proposal (none for other proposals).
    KeyLeader,
}

impl Notice {
    /// What the notice is about, as the mail preferences page names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Notice::Invited => "联名邀请",
            Notice::Submitted => "提案已提交",
            Notice::Filed => "提案已立案",
            Notice::Refused => "提案不予立案",
            Notice::Converted => "转为社情民意信息",
            Notice::Merged => "提案已并案",
            Notice::Assigned => "提案已交办",
            Notice::Replied => "提案已答复",
            Notice::Rehandling => "提案重新办理",
            Notice::Published => "提案已公开",
            Notice::Withheld => "提案不予公开",
            Notice::UnitAssigned => "交办通知（承办单位）",
            Notice::UnitRehandling => "重新办理通知（承办单位）",
            Notice::RequestDecided => "退回或延期申请的审核结果",
            Notice::RequestReceived => "承办单位的退回或延期申请",
            Notice::Unsatisfied => "委员评价不满意",
            Notice::KeyReplied => "重点提案已答复",
            Notice::KeyRated => "重点提案已评价",
            Notice::ReminderSoon => "催办：办理期限将至",
            Notice::ReminderToday => "催办：今日到期",
            Notice::ReminderOverdue => "催办：已超期",
            Notice::OverdueEscalated => "超期督办",
            Notice::DeadlineMoved => "办理期限已按新日历调整",
        }
    }
}

/// What `action`, having led from `from` to `to`, tells and to whom;
/// `rehandling` when the proposal is in a round after 不满意 (重新办理).
pub fn after(action: Action, from: ProposalState, to: ProposalState, rehandling: bool) -> Vec<(Notice, Audience)> {
    use Action as A;
    use Audience as W;
    use ProposalState as S;
    let replied = to == S::Replied && from != S::Replied;
    match action {
        A::InviteCosigners => vec![(Notice::Invited, W::NewInvitees)],
        A::Submit => vec![(Notice::Submitted, W::Proposers)],
        A::File => vec![(Notice::Filed, W::Proposers)],
        A::RefuseFiling => vec![(Notice::Refused, W::Proposers)],
        A::Convert => vec![(Notice::Converted, W::Proposers)],
        A::Merge => vec![(Notice::Merged, W::Proposers)],
        A::Assign if rehandling => {
            vec![(Notice::Rehandling, W::Proposers), (Notice::UnitRehandling, W::NewlyAssignedUnits)]
        }
        A::Assign => vec![(Notice::Assigned, W::Proposers), (Notice::UnitAssigned, W::NewlyAssignedUnits)],
        A::RequestReturn | A::RequestExtension => vec![(Notice::RequestReceived, W::Office)],
        A::DecideReturn | A::DecideExtension => {
            let mut told = vec![(Notice::RequestDecided, W::DecidedRequestUnit)];
            if replied {
                told.extend([(Notice::Replied, W::Proposers), (Notice::KeyReplied, W::KeyLeader)]);
            }
            // An approved return handed to another unit assigns that unit.
            told.push((if rehandling { Notice::UnitRehandling } else { Notice::UnitAssigned }, W::NewlyAssignedUnits));
            told
        }
        A::SubmitReply if replied => vec![(Notice::Replied, W::Proposers), (Notice::KeyReplied, W::KeyLeader)],
        // The office chooses who handles it again; the proposer and the units
        // hear of it when it does (the assignment of the new round).
        A::Rate if from == S::Replied && to == S::Filed => {
            vec![(Notice::Unsatisfied, W::Office), (Notice::KeyRated, W::KeyLeader)]
        }
        A::Rate => vec![(Notice::KeyRated, W::KeyLeader)],
        A::Publish => vec![(Notice::Published, W::Proposers)],
        A::Withhold => vec![(Notice::Withheld, W::Proposers)],
        _ => Vec::new(),
    }
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
            assert_eq!(after(action, ProposalState::Submitted, to, false).len(), 1, "{action:?}");
            assert_eq!(after(action, ProposalState::Submitted, to, false)[0].1, Audience::Proposers, "{action:?}");
        }
    }

    #[test]
    fn a_reply_tells_only_once_the_last_one_is_in() {
        let h = ProposalState::Handling;
        let told = |a, to| after(a, h, to, false).into_iter().map(|n| n.0).collect::<Vec<_>>();
        assert_eq!(told(Action::SubmitReply, h), []);
        assert_eq!(told(Action::SubmitReply, ProposalState::Replied), [Notice::Replied, Notice::KeyReplied]);
        assert!(told(Action::DecideReturn, ProposalState::Replied).contains(&Notice::Replied));
        assert!(!told(Action::DecideReturn, ProposalState::Filed).contains(&Notice::Replied));
        assert!(told(Action::DecideReturn, ProposalState::Filed).contains(&Notice::RequestDecided));
    }

    #[test]
    fn an_unsatisfied_rating_tells_the_office_and_the_leader_and_the_new_round_the_proposer_and_units() {
        let r = ProposalState::Replied;
        let told = |to| after(Action::Rate, r, to, false).into_iter().map(|n| n.1).collect::<Vec<_>>();
        assert_eq!(told(r), [Audience::KeyLeader]);
        assert_eq!(told(ProposalState::Filed), [Audience::Office, Audience::KeyLeader]);
        let (f, h) = (ProposalState::Filed, ProposalState::Handling);
        assert_eq!(
            after(Action::Assign, f, h, true),
            [(Notice::Rehandling, Audience::Proposers), (Notice::UnitRehandling, Audience::NewlyAssignedUnits)]
        );
        assert_eq!(after(Action::Assign, f, h, false)[0], (Notice::Assigned, Audience::Proposers));
    }

    #[test]
    fn a_units_request_tells_the_office_and_its_decision_tells_the_unit() {
        let h = ProposalState::Handling;
        for a in [Action::RequestReturn, Action::RequestExtension] {
            assert_eq!(after(a, h, h, false), [(Notice::RequestReceived, Audience::Office)], "{a:?}");
        }
        assert_eq!(
            after(Action::DecideExtension, h, h, false)[0],
            (Notice::RequestDecided, Audience::DecidedRequestUnit)
        );
    }

    #[test]
    fn the_units_daily_work_tells_nobody() {
        let h = ProposalState::Handling;
        for action in [Action::SignFor, Action::RecordContact, Action::DraftReply, Action::SignOffReply] {
            assert_eq!(after(action, h, h, false), [], "{action:?}");
        }
    }

    #[test]
    fn wording_keys_are_distinct() {
        let keys: std::collections::BTreeSet<_> = Notice::ALL.iter().map(|n| n.as_str()).collect();
        assert_eq!(keys.len(), Notice::ALL.len());
    }
}

crate::domain::names::named!(Notice, MailMode);
