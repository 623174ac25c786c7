//! The few statements that differ between SQLite and PostgreSQL, in one place.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use super::AnyConnection;
use super::prepared::execute_kept;

/// Lets the open PostgreSQL transaction commit without waiting for its WAL
/// to reach the disk; [`wait_until_durable`] waits for that after the commit.
///
/// Why: every user action appends to the audit chain under one lock, held
/// until the commit ends. A commit that waits for its flush holds the lock
/// through the fsync, so the writes of every instance went one fsync at a
/// time and the server's own group commit never had two to group. Committed
/// this way, the lock is released as soon as the commit record is written;
/// the waits for the flush that follow run side by side, and one fsync
/// serves them all. Nobody is answered before the flush: a crash before it
/// loses the transaction, unanswered, with every later one (the WAL is
/// replayed in order, so the chain stays whole).
pub fn commit_without_waiting(conn: &mut AnyConnection) -> QueryResult<()> {
    on_postgresql_only(conn, "SET LOCAL synchronous_commit TO OFF")
}

/// After a commit made by [`commit_without_waiting`], returns once it is as
/// durable as the server's `synchronous_commit` makes any commit: a
/// transaction of its own writes one empty WAL record (a logical message,
/// which takes a transaction id) and commits as usual, so it waits for the
/// WAL up to its commit, which holds ours (the WAL is written and flushed in
/// order, and replicated in order to a synchronous standby). A transaction
/// that only took an id without writing would commit without waiting.
/// On SQLite every commit is durable when it returns.
pub fn wait_until_durable(conn: &mut AnyConnection) -> QueryResult<()> {
    on_postgresql_only(conn, "SELECT pg_logical_emit_message(true, 'proposal-desk', '')")
}

/// Runs `sql` on PostgreSQL; SQLite needs nothing in its place.
fn on_postgresql_only(conn: &mut AnyConnection, sql: &str) -> QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(_) => Ok(()),
        AnyConnection::Postgresql(_) => execute_kept(conn, diesel::sql_query(sql)).map(|_| ()),
    }
}

/// Serialises appends to the audit chain. On SQLite the write transaction
/// already holds the database's only write lock; on PostgreSQL several
/// instances may append at once, so they take a transaction-scoped advisory lock.
pub fn lock_audit_chain(conn: &mut AnyConnection) -> QueryResult<()> {
    on_postgresql_only(conn, "SELECT pg_advisory_xact_lock(7064617564)")
}

/// Makes sure the failed-login counter `key` exists and holds it for the rest
/// of the transaction: an upsert, so two instances starting the same counter
/// at once neither fail nor lose a count, and on PostgreSQL the row stays
/// locked until commit, so concurrent attempts on one counter are counted one
/// after the other. A counter whose last failure is older than
/// `forget_before` starts again from nothing.
pub fn hold_login_counter(
    conn: &mut AnyConnection,
    key: &str,
    now: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> QueryResult<()> {
    const SQLITE: &str = "INSERT INTO login_throttle (throttle_key, failures, last_failed_at) VALUES (?, 0, ?) \
        ON CONFLICT (throttle_key) DO UPDATE SET \
        failures = CASE WHEN login_throttle.last_failed_at < ? THEN 0 ELSE login_throttle.failures END";
    const POSTGRES: &str = "INSERT INTO login_throttle (throttle_key, failures, last_failed_at) VALUES ($1, 0, $2) \
        ON CONFLICT (throttle_key) DO UPDATE SET \
        failures = CASE WHEN login_throttle.last_failed_at < $3 THEN 0 ELSE login_throttle.failures END";
    let bind = |sql: &'static str| {
        diesel::sql_query(sql)
            .bind::<Text, _>(key.to_string())
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(forget_before)
    };
    match conn {
        AnyConnection::Sqlite(c) => bind(SQLITE).execute(c)?,
        AnyConnection::Postgresql(c) => bind(POSTGRES).execute(c)?,
    };
    Ok(())
}

/// Records that `user_id` signed in from `client_addr` at `now` (an upsert:
/// two sign-ins from one address at once must not fail on the primary key).
pub fn remember_sign_in_address(
    conn: &mut AnyConnection,
    user_id: &str,
    client_addr: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    const SQLITE: &str = "INSERT INTO login_addresses (user_id, client_addr, last_signed_in_at) VALUES (?, ?, ?) \
        ON CONFLICT (user_id, client_addr) DO UPDATE SET last_signed_in_at = excluded.last_signed_in_at";
    const POSTGRES: &str = "INSERT INTO login_addresses (user_id, client_addr, last_signed_in_at) VALUES ($1, $2, $3) \
        ON CONFLICT (user_id, client_addr) DO UPDATE SET last_signed_in_at = excluded.last_signed_in_at";
    let bind = |sql: &'static str| {
        diesel::sql_query(sql)
            .bind::<Text, _>(user_id.to_string())
            .bind::<Text, _>(client_addr.to_string())
            .bind::<Timestamp, _>(now)
    };
    match conn {
        AnyConnection::Sqlite(c) => bind(SQLITE).execute(c)?,
        AnyConnection::Postgresql(c) => bind(POSTGRES).execute(c)?,
    };
    Ok(())
}

/// Takes the next number of a kind in a session. The upsert locks the
/// sequence's row until the transaction ends, so concurrent filings on
/// PostgreSQL queue behind each other and numbers never repeat or skip (on
/// SQLite the write transaction already serialises them).
pub fn next_number(conn: &mut AnyConnection, kind: &str, session_id: &str) -> QueryResult<i32> {
    use crate::db::schema::number_sequences;
    const SQLITE: &str = "INSERT INTO number_sequences (kind, session_id, last_number) VALUES (?, ?, 1) \
        ON CONFLICT (kind, session_id) DO UPDATE SET last_number = number_sequences.last_number + 1";
    const POSTGRES: &str = "INSERT INTO number_sequences (kind, session_id, last_number) VALUES ($1, $2, 1) \
        ON CONFLICT (kind, session_id) DO UPDATE SET last_number = number_sequences.last_number + 1";
    let bind = |sql: &'static str| {
        diesel::sql_query(sql).bind::<Text, _>(kind.to_string()).bind::<Text, _>(session_id.to_string())
    };
    match conn {
        AnyConnection::Sqlite(c) => bind(SQLITE).execute(c)?,
        AnyConnection::Postgresql(c) => bind(POSTGRES).execute(c)?,
    };
    number_sequences::table
        .filter(number_sequences::kind.eq(kind))
        .filter(number_sequences::session_id.eq(session_id))
        .select(number_sequences::last_number)
        .first(conn)
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Text)]
    proposal_id: String,
}

/// The proposals whose searchable words contain every one of `phrases`
/// (each a run of words, in order, next to each other), at most `limit` of
/// them, in one statement: the index intersects the terms, so a common word
/// beside a rare one costs what the rare one does. SQLite asks its FTS5
/// table, PostgreSQL its GIN index over a 'simple' tsvector (see the
/// `public_search` migration).
pub fn search_phrases(conn: &mut AnyConnection, phrases: &[Vec<String>], limit: i64) -> QueryResult<Vec<String>> {
    let found: Vec<Found> = match conn {
        // The words never hold quotes (src/search/text.rs), so one pair of
        // quotes makes each an FTS5 phrase.
        AnyConnection::Sqlite(c) => {
            let query: Vec<String> = phrases.iter().map(|words| format!("\"{}\"", words.join(" "))).collect();
            diesel::sql_query("SELECT proposal_id FROM search_index WHERE search_index MATCH ? LIMIT ?")
                .bind::<Text, _>(query.join(" AND "))
                .bind::<diesel::sql_types::BigInt, _>(limit)
                .load(c)?
        }
        // A phrase query (phraseto_tsquery) makes PostgreSQL recheck every
        // candidate by parsing its text again; instead the GIN index finds the
        // documents holding every word, and a substring test on the stored
        // words (space-separated, so a phrase is a run of whole words) keeps
        // those holding each phrase in order. A phrase of one word needs none.
        // The words never hold `%`, `_` or `\\` (src/search/text.rs keeps letters and digits only).
        AnyConnection::Postgresql(c) => {
            let all: Vec<&str> = phrases.iter().flatten().map(String::as_str).collect();
            let runs: Vec<String> =
                phrases.iter().filter(|w| w.len() > 1).map(|w| format!(" {} ", w.join(" "))).collect();
            let mut sql = String::from(
                "SELECT proposal_id FROM search_documents WHERE to_tsvector('simple', body) @@ plainto_tsquery('simple', $1)",
            );
            for n in 0..runs.len() {
                sql.push_str(&format!(" AND strpos(' ' || body || ' ', ${}) > 0", n + 2));
            }
            sql.push_str(&format!(" LIMIT ${}", runs.len() + 2));
            let mut query = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>().bind::<Text, _>(all.join(" "));
            for run in runs {
                query = query.bind::<Text, _>(run);
            }
            query.bind::<diesel::sql_types::BigInt, _>(limit).load(c)?
        }
    };
    Ok(found.into_iter().map(|f| f.proposal_id).collect())
}

/// A value bound to a hand-written statement (see [`load_by_name`]).
#[derive(Debug, Clone)]
pub enum SqlParam {
    Text(String),
    Timestamp(NaiveDateTime),
}

/// Binds `params` in order to a boxed `sql_query` of either backend.
macro_rules! bound {
    ($sql:expr, $backend:ty, $params:expr) => {{
        let mut query = diesel::sql_query($sql).into_boxed::<$backend>();
        for p in $params {
            query = match p {
                SqlParam::Text(v) => query.bind::<Text, _>(v.clone()),
                SqlParam::Timestamp(v) => query.bind::<Timestamp, _>(*v),
            };
        }
        query
    }};
}

/// Runs one read-only statement written once for both backends, with `?` for
/// each parameter: SQLite reads `?` itself, PostgreSQL needs `$1`, `$2`, … in
/// its place. The statement must not hold a `?` anywhere else (in a literal,
/// say). Used by the statistics, whose grouped CTE queries diesel's DSL cannot say.
pub fn load_by_name<R>(conn: &mut AnyConnection, sql: &str, params: &[SqlParam]) -> QueryResult<Vec<R>>
where
    R: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    match conn {
        AnyConnection::Sqlite(c) => bound!(sql, diesel::sqlite::Sqlite, params).load(c),
        AnyConnection::Postgresql(c) => bound!(numbered_placeholders(sql), diesel::pg::Pg, params).load(c),
    }
}

/// `?`, `?` becomes `$1`, `$2` (PostgreSQL's placeholders).
fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Lets the query planner refresh its table statistics. SQLite keeps them only
/// when asked (`PRAGMA optimize` analyzes what needs it, within a limit);
/// PostgreSQL's autovacuum keeps its own.
pub fn optimize(conn: &mut AnyConnection) -> QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query("PRAGMA optimize=0x10002").execute(c).map(|_| ()),
        AnyConnection::Postgresql(_) => Ok(()),
    }
}

/// Analyzes every table now (after a bulk load such as the benchmark's seed).
pub fn analyze(conn: &mut AnyConnection) -> QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query("ANALYZE").execute(c).map(|_| ()),
        AnyConnection::Postgresql(c) => diesel::sql_query("ANALYZE").execute(c).map(|_| ()),
    }
}

/// Claims up to `limit` messages of the outbox that are due at `now` and not
/// held by another sender: each is held until `lease_until` and its attempt
/// counted. On PostgreSQL, where several instances send, rows another sender
/// is claiming are skipped (FOR UPDATE SKIP LOCKED) instead of waited for; on
/// SQLite the caller's immediate transaction already excludes other writers.
/// A lease left by a sender that died expires and the message is claimed again.
pub fn claim_outbox(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    const SQLITE: &str = "UPDATE email_outbox SET locked_until = ?, attempts = attempts + 1 WHERE id IN ( \
        SELECT id FROM email_outbox WHERE sent_at IS NULL AND given_up_at IS NULL AND send_after <= ? \
        AND (locked_until IS NULL OR locked_until <= ?) ORDER BY send_after, id LIMIT ?) RETURNING id";
    // Chosen once in a materialized CTE: inside `IN (…)` PostgreSQL may run
    // the LIMITed, row-locking subquery more than once and claim more.
    const POSTGRES: &str = "WITH chosen AS MATERIALIZED ( \
        SELECT id FROM email_outbox WHERE sent_at IS NULL AND given_up_at IS NULL AND send_after <= $2 \
        AND (locked_until IS NULL OR locked_until <= $3) ORDER BY send_after, id LIMIT $4 \
        FOR UPDATE SKIP LOCKED) \
        UPDATE email_outbox e SET locked_until = $1, attempts = e.attempts + 1 FROM chosen \
        WHERE e.id = chosen.id RETURNING e.id";
    #[derive(QueryableByName)]
    struct Claimed {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let bind = |sql: &'static str| {
        diesel::sql_query(sql)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(now)
            .bind::<diesel::sql_types::BigInt, _>(limit)
    };
    let claimed: Vec<Claimed> = match conn {
        AnyConnection::Sqlite(c) => bind(SQLITE).load(c)?,
        AnyConnection::Postgresql(c) => bind(POSTGRES).load(c)?,
    };
    Ok(claimed.into_iter().map(|c| c.id).collect())
}

/// Records that reminder `step` of deadline `deadline_id` is sent now, unless
/// it was already: true when this caller is the one to send it. The primary
/// key decides between two senders; the conflict is not an error.
pub fn claim_reminder(
    conn: &mut AnyConnection,
    deadline_id: &str,
    step: &str,
    step_order: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    const SQLITE: &str = "INSERT INTO reminders (deadline_id, step, step_order, sent_at) VALUES (?, ?, ?, ?) \
        ON CONFLICT (deadline_id, step) DO NOTHING";
    const POSTGRES: &str = "INSERT INTO reminders (deadline_id, step, step_order, sent_at) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (deadline_id, step) DO NOTHING";
    let bind = |sql: &'static str| {
        diesel::sql_query(sql)
            .bind::<Text, _>(deadline_id.to_string())
            .bind::<Text, _>(step.to_string())
            .bind::<diesel::sql_types::Integer, _>(step_order)
            .bind::<Timestamp, _>(now)
    };
    let inserted = match conn {
        AnyConnection::Sqlite(c) => bind(SQLITE).execute(c)?,
        AnyConnection::Postgresql(c) => bind(POSTGRES).execute(c)?,
    };
    Ok(inserted == 1)
}

/// Records that `user_id`'s digest of `period` is queued now, unless it was
/// already: true when this caller is the one to queue it.
pub fn claim_digest(conn: &mut AnyConnection, user_id: &str, period: &str, now: NaiveDateTime) -> QueryResult<bool> {
    const SQLITE: &str = "INSERT INTO mail_digests (user_id, period, sent_at) VALUES (?, ?, ?) \
        ON CONFLICT (user_id, period) DO NOTHING";
    const POSTGRES: &str = "INSERT INTO mail_digests (user_id, period, sent_at) VALUES ($1, $2, $3) \
        ON CONFLICT (user_id, period) DO NOTHING";
    let bind = |sql: &'static str| {
        diesel::sql_query(sql)
            .bind::<Text, _>(user_id.to_string())
            .bind::<Text, _>(period.to_string())
            .bind::<Timestamp, _>(now)
    };
    let inserted = match conn {
        AnyConnection::Sqlite(c) => bind(SQLITE).execute(c)?,
        AnyConnection::Postgresql(c) => bind(POSTGRES).execute(c)?,
    };
    Ok(inserted == 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn question_marks_become_numbered_placeholders() {
        assert_eq!(super::numbered_placeholders("a = ? AND b < ? OR c = ?"), "a = $1 AND b < $2 OR c = $3");
    }
}
