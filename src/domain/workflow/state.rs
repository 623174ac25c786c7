//! Where a proposal is in its life.

use serde::{Deserialize, Serialize};

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
pub enum ProposalState {
    /// 草稿: being written; co-signers may be invited.
    Draft,
    /// 已提交: waiting for the office's review.
    Submitted,
    /// 已立案: filed and numbered, waiting to be assigned.
    Filed,
    /// 不予立案: not filed, with a reason code and text. Final.
    NotFiled,
    /// 已并案: merged into another filed proposal, whose reply it shares. Final.
    Merged,
    /// 转社情民意: converted to a public-opinion report. Final.
    Converted,
    /// 办理中: assigned (交办); units are handling it (again, after 不满意).
    Handling,
    /// 已答复: every reply it needs is in; waiting for the proposer's rating.
    Replied,
    /// 已办结: closed; publication not yet decided.
    Closed,
    /// 已公开: closed and its public version published.
    Published,
    /// 不予公开: closed and withheld from publication, with a reason.
    Withheld,
}

impl ProposalState {
    pub fn label_zh(self) -> &'static str {
        match self {
            ProposalState::Draft => "草稿",
            ProposalState::Submitted => "待审查",
            ProposalState::Filed => "已立案",
            ProposalState::NotFiled => "不予立案",
            ProposalState::Merged => "已并案",
            ProposalState::Converted => "转社情民意",
            ProposalState::Handling => "办理中",
            ProposalState::Replied => "已答复",
            ProposalState::Closed => "已办结",
            ProposalState::Published => "已公开",
            ProposalState::Withheld => "不予公开",
        }
    }

    /// Filed and numbered at some point (counts in "立案" statistics).
    pub fn was_filed(self) -> bool {
        matches!(
            self,
            ProposalState::Filed
                | ProposalState::Handling
                | ProposalState::Replied
                | ProposalState::Closed
                | ProposalState::Published
                | ProposalState::Withheld
        )
    }
}

crate::domain::names::named!(ProposalState);
