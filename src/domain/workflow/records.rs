//! The states and kinds of the records around a proposal: its co-signers'
//! invitations, its units' assignments, their requests, contacts and the
//! office's choices. Stored by name (see `crate::domain::names`).

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use utoipa::ToSchema;

/// Where a co-signing invitation (联名邀请) stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, IntoStaticStr, EnumString, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CosignerStatus {
    /// Waiting for an answer, until its window ends.
    Invited,
    /// 已确认: co-signs.
    Confirmed,
    /// 已谢绝.
    Declined,
}

/// Where one unit's assignment (交办) stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, IntoStaticStr, EnumString, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AssignmentState {
    /// Given to the unit, not yet signed for.
    Assigned,
    /// 已签收.
    Received,
    /// 已退回: the unit was released (its part may have gone to another unit).
    Returned,
    /// Its reply (or its co-handling opinion's round) is in.
    Done,
}

/// What a unit asks the office for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, IntoStaticStr, EnumString, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RequestKind {
    /// 退回: to be released from the assignment.
    Return,
    /// 延期: more time for the reply.
    Extension,
}

/// The office's decision on a unit's request.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, IntoStaticStr, EnumString, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RequestDecision {
    Pending,
    Approved,
    Refused,
}

/// How a key proposal (重点提案) is followed by its leader.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, IntoStaticStr, EnumString, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum KeyMode {
    /// 领办: led by a government leader.
    Lead,
    /// 督办: supervised by a committee leader.
    Supervise,
}

/// Who hands a proposal in: a member, or a collective in whose name the office enters it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, IntoStaticStr, EnumString, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SubmitterType {
    /// 委员 (alone or with co-signers).
    Member,
    /// 界别.
    Sector,
    /// 党派.
    Party,
    /// 人民团体.
    Organisation,
    /// 专门委员会.
    Committee,
}

/// How a unit reached the proposer (沟通/面商).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, IntoStaticStr, EnumString, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ContactKind {
    /// 走访.
    Visit,
    /// 座谈/面商.
    Meeting,
    /// 电话.
    Phone,
    Other,
}

crate::domain::names::named!(
    CosignerStatus,
    AssignmentState,
    RequestKind,
    RequestDecision,
    KeyMode,
    SubmitterType,
    ContactKind
);

impl AssignmentState {
    /// Where the assignment stands, as the pages name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            AssignmentState::Assigned => "待签收",
            AssignmentState::Received => "已签收",
            AssignmentState::Returned => "已退回",
            AssignmentState::Done => "已办结",
        }
    }
}

impl CosignerStatus {
    /// The co-signer's answer, as the pages name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            CosignerStatus::Invited => "待确认",
            CosignerStatus::Confirmed => "已确认联名",
            CosignerStatus::Declined => "已谢绝",
        }
    }
}

impl KeyMode {
    /// How a leader follows a key proposal, as the pages name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            KeyMode::Lead => "领办",
            KeyMode::Supervise => "督办",
        }
    }
}

impl ContactKind {
    /// The kind of contact as the pages name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            ContactKind::Visit => "走访",
            ContactKind::Meeting => "座谈、面商",
            ContactKind::Phone => "电话",
            ContactKind::Other => "其他",
        }
    }
}
