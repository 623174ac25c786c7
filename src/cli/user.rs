//! `proposal-desk user`: accounts from the command line (add, disable, enable,
//! reset a password), each one audited operation of `accounts`.

use std::io::Read;
use std::process::ExitCode;

use clap::Subcommand;
use proposal_desk::audit::{Actor, Origin};
use proposal_desk::auth::password::{check_policy, generate_temporary, hash_blocking};
use proposal_desk::clock::{Clock, SystemClock};
use proposal_desk::config::Settings;
use proposal_desk::domain::Role;
use proposal_desk::{accounts, server};

use super::describe;

#[derive(Subcommand)]
pub enum UserAction {
    /// Create an account. Without --password-stdin a temporary password is generated and printed.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// member | unit_staff | unit_head | office | leader | admin
        #[arg(long)]
        role: String,
        /// The sector's code (members only).
        #[arg(long)]
        sector: Option<String>,
        /// The handling unit's code (unit staff and heads only).
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account; its logins end at once.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Set a new temporary password (printed) that must be changed at next login.
    ResetPassword { username: String },
}

pub fn user(settings: Settings, action: UserAction) -> anyhow::Result<ExitCode> {
    let db = server::open_database(&settings)?;
    let actor = Actor::system("cli");
    let origin = Origin::default();
    let now = SystemClock.now();
    match action {
        UserAction::Add { username, name, role, sector, unit, email, password_stdin } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role must be one of member, unit_staff, unit_head, office, leader, admin")
            })?;
            let username = username.trim().to_lowercase();
            accounts::check_fields(&username, &name, email.as_deref(), None).finish().map_err(describe)?;
            let (password, temporary) = if password_stdin {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                let password = text.trim_end_matches(['\r', '\n']).to_string();
                check_policy(
                    "password",
                    &password,
                    &username,
                    settings.auth.password_min_chars,
                    settings.auth.password_max_chars,
                )
                .map_err(|e| anyhow::anyhow!("password: {}", e.message))?;
                (password, false)
            } else {
                (generate_temporary(), true)
            };
            let hash = hash_blocking(&settings.auth.password_cost(), &password)?;
            let created = db.write_blocking(|conn| {
                use diesel::prelude::*;
                use proposal_desk::db::schema::{sectors, units};
                let sector_id = match &sector {
                    Some(code) => Some(
                        sectors::table
                            .filter(sectors::code.eq(code))
                            .select(sectors::id)
                            .first::<String>(conn)
                            .optional()?
                            .ok_or_else(|| {
                                proposal_desk::error::AppError::invalid_field(
                                    "sector",
                                    "not_found",
                                    format!("no sector with code {code}"),
                                )
                            })?,
                    ),
                    None => None,
                };
                let unit_id = match &unit {
                    Some(code) => Some(
                        units::table
                            .filter(units::code.eq(code))
                            .select(units::id)
                            .first::<String>(conn)
                            .optional()?
                            .ok_or_else(|| {
                            proposal_desk::error::AppError::invalid_field(
                                "unit",
                                "not_found",
                                format!("no unit with code {code}"),
                            )
                        })?,
                    ),
                    None => None,
                };
                let account = accounts::NewAccount {
                    username: username.clone(),
                    display_name: name.trim().to_string(),
                    role,
                    sector_id,
                    unit_id,
                    email: email.clone(),
                    phone: None,
                    password_hash: hash.clone(),
                    must_change_password: temporary,
                };
                accounts::create(conn, account, &actor, &origin, now)
            });
            let created = created.map_err(describe)?;
            println!("created {} ({})", created.username, role.as_str());
            if temporary {
                println!("temporary password (must be changed at first login): {password}");
            }
        }
        UserAction::Disable { username } => {
            db.write_blocking(|conn| {
                let user = accounts::find_by_username(conn, &username)?;
                accounts::set_disabled(conn, &user.id, true, &actor, &origin, now)
            })
            .map_err(describe)?;
            println!("disabled {username}; its logins have ended");
        }
        UserAction::Enable { username } => {
            db.write_blocking(|conn| {
                let user = accounts::find_by_username(conn, &username)?;
                accounts::set_disabled(conn, &user.id, false, &actor, &origin, now)
            })
            .map_err(describe)?;
            println!("enabled {username}");
        }
        UserAction::ResetPassword { username } => {
            let password = generate_temporary();
            let hash = hash_blocking(&settings.auth.password_cost(), &password)?;
            db.write_blocking(|conn| {
                let user = accounts::find_by_username(conn, &username)?;
                accounts::reset_password(conn, &user.id, &hash, &actor, &origin, now)
            })
            .map_err(describe)?;
            println!("new temporary password for {username} (must be changed at next login): {password}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
