//! 名录: finding people by name, as each role may (`domain::roles::findable_by`).
//! An entry shows the name, the role and the sector or unit, never an email
//! address or a phone number.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::schema::{sectors, units, users};
use crate::domain::Role;
use crate::domain::roles::findable_by;
use crate::error::{AppError, AppResult};
use crate::validate::Check;

/// The most entries one look-up answers: enough to pick from, never the whole roll.
pub const MAX_FOUND: i64 = 50;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DirectoryQuery {
    /// Part of the name (1 to 50 characters); none lists the first by name.
    #[param(max_length = 50)]
    pub q: Option<String>,
    /// Only accounts of this role (among those the caller may find).
    pub role: Option<Role>,
    /// Only members of this sector (界别).
    pub sector_id: Option<String>,
}

/// One person found.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DirectoryEntry {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub role_label: String,
    /// A member's sector (界别).
    pub sector: Option<String>,
    /// A unit account's unit.
    pub unit: Option<String>,
}

/// id, name, role, sector, unit.
type Found = (String, String, Role, Option<String>, Option<String>);

/// The enabled accounts `viewer` may find that match `query`, by name; the
/// viewer themself is left out (nobody invites themself).
pub fn find(conn: &mut DbConn, viewer: &AuthUser, query: &DirectoryQuery) -> AppResult<Vec<DirectoryEntry>> {
    let mut check = Check::new();
    if let Some(q) = &query.q {
        check.text("q", q, 0, 50);
    }
    if query.sector_id.as_deref().is_some_and(|s| !crate::ids::is_id(s)) {
        check.fail("sector_id", "invalid", "不是有效的编号");
    }
    check.finish()?;
    let allowed = findable_by(viewer.role);
    if allowed.is_empty() {
        return Err(AppError::forbidden());
    }
    let roles: Vec<Role> = match query.role {
        Some(role) if allowed.contains(&role) => vec![role],
        Some(_) => return Err(AppError::invalid_field("role", "not_findable", "无权查找这类账号")),
        None => allowed.to_vec(),
    };
    let mut found = users::table
        .left_join(sectors::table.on(sectors::id.nullable().eq(users::sector_id)))
        .left_join(units::table.on(units::id.nullable().eq(users::unit_id)))
        .filter(users::disabled.eq(false))
        .filter(users::role.eq_any(roles))
        .filter(users::id.ne(viewer.id.clone()))
        .into_boxed();
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        found = found.filter(users::display_name.like(crate::listing::contains_pattern(q)).escape('\\'));
    }
    if let Some(sector) = &query.sector_id {
        found = found.filter(users::sector_id.eq(sector.clone()));
    }
    let rows: Vec<Found> = found
        .order((users::display_name.asc(), users::id.asc()))
        .limit(MAX_FOUND)
        .select((users::id, users::display_name, users::role, sectors::name.nullable(), units::name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, role, sector, unit)| DirectoryEntry {
            id,
            name,
            role,
            role_label: role.label_zh().to_string(),
            sector,
            unit,
        })
        .collect())
}
