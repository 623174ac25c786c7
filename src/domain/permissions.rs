//! The permission table for actions that do not depend on a proposal's state.
//! (The workflow's own table, per state, joins this one in the workflow module.)

use super::roles::Role;

/// Something a signed-in account may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Permission {
    /// Create, change, disable accounts and reset their passwords.
    ManageUsers,
    /// Create and change handling units (承办单位).
    ManageUnits,
    /// Create and change sectors (界别).
    ManageSectors,
    /// Create and change committee terms (届) and sessions (次会议).
    ManageTermsAndSessions,
    /// Read units, sectors, terms and sessions (every form needs them).
    ReadReferenceData,
    /// Start a proposal: a member their own, the office on a member's behalf (代录入).
    StartProposal,
    /// Read the office's statistics (提案统计): the office, leaders and the administrator.
    ReadStatistics,
    /// See the mail set aside after failing and send it again: the office and the administrator.
    ManageMail,
    /// See every unit's open deadlines (what is due, what is overdue): the office, leaders and the administrator.
    ChaseDeadlines,
    /// See one's own unit's open deadlines: the unit's staff and head.
    SeeOwnUnitDeadlines,
    /// Read a proposal's audit trail as a timeline (留痕): the office.
    ReadAuditTrail,
    /// 历史数据导入: bring past years' proposals in from a spreadsheet: the office.
    ImportHistory,
}

impl Permission {}

/// The table itself.
pub fn may(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::ManageUsers
        | Permission::ManageUnits
        | Permission::ManageSectors
        | Permission::ManageTermsAndSessions => role == Role::Admin,
        Permission::ReadReferenceData => true,
        Permission::StartProposal => matches!(role, Role::Member | Role::Office),
        Permission::ReadStatistics => matches!(role, Role::Office | Role::Leader | Role::Admin),
        Permission::ManageMail => matches!(role, Role::Office | Role::Admin),
        Permission::ChaseDeadlines => matches!(role, Role::Office | Role::Leader | Role::Admin),
        Permission::SeeOwnUnitDeadlines => matches!(role, Role::UnitStaff | Role::UnitHead),
        Permission::ReadAuditTrail | Permission::ImportHistory => role == Role::Office,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_administrator_manages_accounts_and_reference_data_and_members_and_units_read_no_statistics() {
        for role in Role::ALL.iter().copied() {
            for p in Permission::ALL.iter().copied() {
                let expected = match p {
                    Permission::ReadReferenceData => true,
                    Permission::StartProposal => matches!(role, Role::Member | Role::Office),
                    Permission::ReadStatistics => matches!(role, Role::Office | Role::Leader | Role::Admin),
                    Permission::ManageMail => matches!(role, Role::Office | Role::Admin),
                    Permission::ChaseDeadlines => matches!(role, Role::Office | Role::Leader | Role::Admin),
                    Permission::SeeOwnUnitDeadlines => matches!(role, Role::UnitStaff | Role::UnitHead),
                    Permission::ReadAuditTrail | Permission::ImportHistory => role == Role::Office,
                    _ => role == Role::Admin,
                };
                assert_eq!(may(role, p), expected, "{role:?} {p:?}");
            }
        }
    }
}

crate::domain::names::named!(Permission);
