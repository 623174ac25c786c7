use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::users;
use crate::domain::Role;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub sector_id: Option<String>,
    pub unit_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub token_generation: i32,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub sector_id: Option<String>,
    pub unit_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub token_generation: i32,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

/// What the audit trail records of an account: everything but the password hash.
#[derive(Debug, Serialize)]
pub struct UserAuditView<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub sector_id: &'a Option<String>,
    pub unit_id: &'a Option<String>,
    pub email: &'a Option<String>,
    pub phone: &'a Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub token_generation: i32,
    pub version: i32,
}

impl UserRow {
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::to_value(UserAuditView {
            username: &self.username,
            display_name: &self.display_name,
            role: self.role.as_str(),
            sector_id: &self.sector_id,
            unit_id: &self.unit_id,
            email: &self.email,
            phone: &self.phone,
            must_change_password: self.must_change_password,
            disabled: self.disabled,
            token_generation: self.token_generation,
            version: self.version,
        })
        .unwrap_or(serde_json::Value::Null)
    }
}
