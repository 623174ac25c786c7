//! `bench commits`: the ceiling of the write workload. Single-row inserts,
//! each its own durable commit, on a SQLite file with the service's own
//! connection settings (WAL, synchronous=FULL), for a fixed time.

use std::path::Path;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::db::{AnyConnection, DatabaseUrl};

/// Bare durable commits per second on `file` (created, and removed after).
pub fn commits_per_second(file: &Path, seconds: u64, busy_timeout_ms: u64) -> anyhow::Result<f64> {
    let url = DatabaseUrl::parse(&format!("sqlite://{}", file.display())).map_err(anyhow::Error::msg)?;
    let mut conn = url.establish(busy_timeout_ms)?;
    let AnyConnection::Sqlite(c) = &mut conn else { anyhow::bail!("bench commits measures SQLite") };
    diesel::sql_query("CREATE TABLE IF NOT EXISTS bench_commits (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(c)?;
    let body = "x".repeat(200);
    let (start, limit) = (Instant::now(), Duration::from_secs(seconds));
    let mut n = 0u64;
    while start.elapsed() < limit {
        diesel::sql_query("INSERT INTO bench_commits (body) VALUES (?)")
            .bind::<diesel::sql_types::Text, _>(&body)
            .execute(c)?;
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(rate)
}
