//! How the person acting stands to one proposal: their role, and what ties
//! them to it. Permissions depend on both (a member may submit only their own).

use crate::domain::Role;

/// The part a handling unit plays in a proposal.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum UnitRole {
    /// 主办: writes the reply.
    Lead,
    /// 会办: sends its opinion to the lead unit.
    Co,
    /// 分办: one of several units, each replying for its part.
    Separate,
}

impl UnitRole {
    /// Lead and separate units write replies; co-handling units do not.
    pub fn replies(self) -> bool {
        matches!(self, UnitRole::Lead | UnitRole::Separate)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub role: Option<Role>,
    /// The member who proposed it (or on whose behalf the office entered it).
    pub is_proposer: bool,
    /// A member invited to co-sign (联名), whatever their answer.
    pub is_cosigner: bool,
    /// A co-signer who confirmed, where the office's configuration
    /// (`workflow.cosigners_rate`) lets co-signers rate too.
    pub cosigner_rates: bool,
    /// The actor's unit holds a live assignment of the proposal, in this part.
    pub unit_role: Option<UnitRole>,
    /// A leader who leads (领办) or supervises (督办) it as a key proposal.
    pub is_key_leader: bool,
}

impl Standing {
    /// Someone not signed in.
    pub fn public() -> Standing {
        Standing::default()
    }

    pub fn of(role: Role) -> Standing {
        Standing { role: Some(role), ..Standing::default() }
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == Some(role)
    }

    pub fn is_unit(&self) -> bool {
        matches!(self.role, Some(Role::UnitStaff | Role::UnitHead))
    }
}

crate::domain::names::named!(UnitRole);

impl UnitRole {
    /// The unit's part as the pages name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            UnitRole::Lead => "主办",
            UnitRole::Co => "会办",
            UnitRole::Separate => "分办",
        }
    }
}
