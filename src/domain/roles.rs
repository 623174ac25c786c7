//! Who is who.

use serde::{Deserialize, Serialize};

/// An account's role. Every account has exactly one.
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
pub enum Role {
    /// 政协委员: writes, co-signs and rates proposals. Belongs to a sector (界别).
    Member,
    /// 承办单位经办人: handling-unit staff; signs for receipt, contacts the proposer, drafts replies.
    UnitStaff,
    /// 承办单位负责人: handling-unit head; signs off (签发) replies.
    UnitHead,
    /// 提案办 / 提案委员会: the proposals office.
    Office,
    /// 领导: leads (领办) or supervises (督办) key proposals.
    Leader,
    /// 系统管理员: accounts, units, sectors, terms and sessions.
    Admin,
}

impl Role {
    /// The role's name as the interface shows it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Member => "政协委员",
            Role::UnitStaff => "承办单位经办人",
            Role::UnitHead => "承办单位负责人",
            Role::Office => "提案办工作人员",
            Role::Leader => "领导",
            Role::Admin => "系统管理员",
        }
    }

    /// What an account of this role must be attached to.
    pub fn affiliation(self) -> Affiliation {
        match self {
            Role::Member => Affiliation::Sector,
            Role::UnitStaff | Role::UnitHead => Affiliation::Unit,
            Role::Office | Role::Leader | Role::Admin => Affiliation::None,
        }
    }
}

/// A member belongs to a sector, unit staff and heads to a unit, others to neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affiliation {
    Sector,
    Unit,
    None,
}

/// Why an account's affiliation does not fit its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AffiliationError {
    SectorRequired,
    UnitRequired,
    SectorNotAllowed,
    UnitNotAllowed,
}

impl AffiliationError {
    pub fn field(&self) -> &'static str {
        match self {
            AffiliationError::SectorRequired | AffiliationError::SectorNotAllowed => "sector_id",
            AffiliationError::UnitRequired | AffiliationError::UnitNotAllowed => "unit_id",
        }
    }

    pub fn message_zh(&self) -> &'static str {
        match self {
            AffiliationError::SectorRequired => "政协委员必须属于一个界别",
            AffiliationError::UnitRequired => "承办单位人员必须属于一个承办单位",
            AffiliationError::SectorNotAllowed => "只有政协委员有界别",
            AffiliationError::UnitNotAllowed => "只有承办单位人员属于承办单位",
        }
    }
}

/// Checks that a role's account has exactly the affiliation the role needs.
pub fn check_affiliation(role: Role, has_sector: bool, has_unit: bool) -> Result<(), AffiliationError> {
    match role.affiliation() {
        Affiliation::Sector if !has_sector => Err(AffiliationError::SectorRequired),
        Affiliation::Unit if !has_unit => Err(AffiliationError::UnitRequired),
        Affiliation::Sector | Affiliation::None if has_unit => Err(AffiliationError::UnitNotAllowed),
        Affiliation::Unit | Affiliation::None if has_sector => Err(AffiliationError::SectorNotAllowed),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL.iter().copied() {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn each_role_has_exactly_its_affiliation() {
        assert_eq!(check_affiliation(Role::Member, true, false), Ok(()));
        assert_eq!(check_affiliation(Role::Member, false, false), Err(AffiliationError::SectorRequired));
        assert_eq!(check_affiliation(Role::Member, true, true), Err(AffiliationError::UnitNotAllowed));
        assert_eq!(check_affiliation(Role::UnitHead, false, true), Ok(()));
        assert_eq!(check_affiliation(Role::UnitStaff, false, false), Err(AffiliationError::UnitRequired));
        assert_eq!(check_affiliation(Role::UnitStaff, true, true), Err(AffiliationError::SectorNotAllowed));
        assert_eq!(check_affiliation(Role::Office, false, false), Ok(()));
        assert_eq!(check_affiliation(Role::Admin, true, false), Err(AffiliationError::SectorNotAllowed));
        assert_eq!(check_affiliation(Role::Leader, false, true), Err(AffiliationError::UnitNotAllowed));
    }
}

crate::domain::names::named!(Role);

/// Whom an account of `viewer` may find in the directory (名录) by name:
/// a member finds other members (to invite co-signers); the office finds
/// members (代录入) and leaders (重点提案); the administrator everyone;
/// handling units and leaders work from their proposals and find no one.
pub fn findable_by(viewer: Role) -> &'static [Role] {
    match viewer {
        Role::Member => &[Role::Member],
        Role::Office => &[Role::Member, Role::Leader],
        Role::Admin => &[Role::Member, Role::UnitStaff, Role::UnitHead, Role::Office, Role::Leader, Role::Admin],
        Role::UnitStaff | Role::UnitHead | Role::Leader => &[],
    }
}

#[cfg(test)]
mod directory_tests {
    use super::*;

    #[test]
    fn members_find_members_and_the_office_finds_members_and_leaders() {
        assert_eq!(findable_by(Role::Member), &[Role::Member]);
        assert_eq!(findable_by(Role::Office), &[Role::Member, Role::Leader]);
        assert!(findable_by(Role::UnitStaff).is_empty());
        assert!(findable_by(Role::Leader).is_empty());
        assert_eq!(findable_by(Role::Admin).len(), Role::ALL.len());
    }
}
