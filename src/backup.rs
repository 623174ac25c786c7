//! Backups of the embedded SQLite database (docs/operations.md).
//!
//! `backup` writes a consistent copy of the database while it serves:
//! SQLite's `VACUUM INTO` reads one snapshot (in WAL mode, readers and the
//! writer carry on) and writes it compacted into a new file. `restore`
//! checks a copy (its pages and its audit chain) and writes it into an empty
//! database, then migrates it to this version and checks the chain again.
//! PostgreSQL is backed up with its own tools (pg_dump, point-in-time
//! recovery); the commands say so instead of half doing it.

use std::path::Path;

use anyhow::{Context, bail};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::audit::verify::{self, Report as Verification};
use crate::db::{AnyConnection, DatabaseUrl, migrations};

const POSTGRES: &str = "a PostgreSQL database is backed up with pg_dump or point-in-time recovery, \
     and restored with pg_restore or psql: see docs/operations.md";

/// What a backup or a restore wrote, and the audit chain it checked.
#[derive(Debug)]
pub struct Copied {
    pub bytes: u64,
    pub chain: Verification,
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

fn open(path: &str) -> anyhow::Result<AnyConnection> {
    DatabaseUrl::Sqlite { path: path.to_string() }.establish(5_000).with_context(|| format!("cannot open {path}"))
}

/// `PRAGMA integrity_check` on `conn`: every page and index readable and consistent.
fn intact(conn: &mut AnyConnection, path: &str) -> anyhow::Result<()> {
    let AnyConnection::Sqlite(c) = conn else { bail!("{path} is not a SQLite database") };
    let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(c)
        .with_context(|| format!("{path} is not a SQLite database"))?;
    let verdict: Vec<String> = rows.into_iter().map(|r| r.integrity_check).collect();
    if verdict != ["ok"] {
        bail!("{path} is damaged: {}", verdict.join("; "));
    }
    Ok(())
}

/// Copies the database `from` (possibly serving) into the new file `to`.
fn vacuum_into(conn: &mut AnyConnection, to: &Path) -> anyhow::Result<()> {
    let AnyConnection::Sqlite(c) = conn else { bail!(POSTGRES) };
    let target = to.to_str().context("the file's name is not valid UTF-8")?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(c)
        .with_context(|| format!("cannot write {}", to.display()))?;
    Ok(())
}

fn chain_of(conn: &mut AnyConnection, what: &str) -> anyhow::Result<Verification> {
    let chain = verify::verify(conn).map_err(|e| anyhow::anyhow!("cannot read the audit trail of {what}: {e:?}"))?;
    if let Some(b) = &chain.first_break {
        bail!("the audit trail of {what} is broken after {} good events: {b}", chain.events_checked);
    }
    Ok(chain)
}

/// `proposal-desk backup FILE`: a consistent copy of the configured SQLite database into the new file `to`.
pub fn backup(url: &DatabaseUrl, to: &Path) -> anyhow::Result<Copied> {
    let DatabaseUrl::Sqlite { path } = url else { bail!(POSTGRES) };
    if to.exists() {
        bail!("{} exists already; a backup never overwrites a file", to.display());
    }
    let mut live = open(path)?;
    vacuum_into(&mut live, to)?;
    let copy_path = to.to_str().context("the file's name is not valid UTF-8")?;
    let mut copy = open(copy_path)?;
    intact(&mut copy, copy_path)?;
    let chain = chain_of(&mut copy, "the copy")?;
    Ok(Copied { bytes: std::fs::metadata(to)?.len(), chain })
}

/// `proposal-desk restore FILE`: the backup `from` into the configured
/// database, which must not exist yet; migrated to this version, its chain checked.
pub fn restore(url: &DatabaseUrl, from: &Path) -> anyhow::Result<Copied> {
    let DatabaseUrl::Sqlite { path } = url else { bail!(POSTGRES) };
    let target = Path::new(path);
    let non_empty = |p: &Path| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false);
    if non_empty(target) {
        bail!("{path} exists already; restore writes only into an empty database (move it aside first)");
    }
    let source_path = from.to_str().context("the file's name is not valid UTF-8")?;
    if !from.is_file() {
        bail!("{source_path} is not a file");
    }
    let mut source = open(source_path)?;
    intact(&mut source, source_path)?;
    chain_of(&mut source, "the backup")?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // An empty file left by an earlier attempt is not a database; VACUUM INTO wants none.
    if target.exists() {
        std::fs::remove_file(target)?;
    }
    vacuum_into(&mut source, target)?;
    let mut restored = open(path)?;
    intact(&mut restored, path)?;
    migrations::run_pending(&mut restored).map_err(|e| anyhow::anyhow!("migrating the restored database: {e}"))?;
    let chain = chain_of(&mut restored, "the restored database")?;
    Ok(Copied { bytes: std::fs::metadata(target)?.len(), chain })
}
