//! Start-up: logging, database, migrations, secrets, state, and the HTTP server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::{DatabaseUrl, Db, migrations};
use crate::state::AppState;

/// Opens the pool without touching the schema.
/// The configured database's address.
pub fn database_url(settings: &Settings) -> anyhow::Result<DatabaseUrl> {
    DatabaseUrl::parse(&settings.database.url).map_err(|e| anyhow::anyhow!("configuration: {e}"))
}

pub fn connect_database(settings: &Settings) -> anyhow::Result<Db> {
    let url = database_url(settings)?;
    Db::connect(
        &url,
        settings.database.pool_size,
        settings.database.busy_timeout_ms,
        Duration::from_secs(settings.database.connect_timeout_seconds),
        settings.database.group_commit_max_writes,
    )
}

/// Opens the pool and brings the schema up to date.
pub fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    let db = connect_database(settings)?;
    let url = db.url().clone();
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("cannot connect to {}: {e}", url.redacted()))?;
    let applied = migrations::run_pending(&mut conn)
        .map_err(|e| anyhow::anyhow!("migrations failed on {}: {e}", url.redacted()))?;
    for version in applied {
        tracing::info!(%version, "migration applied");
    }
    // Refresh the planner's statistics where they are missing or stale, so it
    // picks the fitting indexes (SQLite; cheap when nothing changed).
    crate::db::backend_specific::optimize(&mut conn).map_err(|e| anyhow::anyhow!("optimize: {e}"))?;
    Ok(db)
}

/// Everything the application needs, ready to serve.
pub fn prepare(settings: Settings, clock: SharedClock) -> anyhow::Result<AppState> {
    let db = open_database(&settings)?;
    let secret = crate::auth::secrets::jwt_secret(&settings, db.url())?;
    let state = AppState::new(settings, db, clock, &secret)?;
    // A year's calendar file added since the last start: its provisional deadlines are counted again.
    let recount =
        crate::proposals::recount::recount_provisional(&state.db, &state.settings, &state.office, state.clock.now())?;
    if recount.moved + recount.confirmed > 0 {
        tracing::info!(moved = recount.moved, confirmed = recount.confirmed, "provisional deadlines counted again");
    }
    if recount.still_provisional > 0 {
        tracing::warn!(
            deadlines = recount.still_provisional,
            "deadlines remain provisional: their year has no calendar file yet"
        );
    }
    Ok(state)
}

/// Serves until SIGINT or SIGTERM, then lets requests in flight finish.
/// `on_listening` is told the addresses actually bound (with the port the
/// system chose when `server.bind` asks for port 0) before the first request.
pub async fn serve(state: AppState, on_listening: impl FnOnce(&[SocketAddr])) -> anyhow::Result<()> {
    let settings = Arc::clone(&state.settings);
    let workers = if settings.server.workers == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    } else {
        settings.server.workers
    };
    let warming = state.clone();
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        match warming.db.get().and_then(|mut conn| warming.public_index.warm(&mut conn)) {
            Ok(()) => tracing::info!(millis = started.elapsed().as_millis() as u64, "public index loaded"),
            Err(e) => tracing::warn!(error = %e, "public index not loaded at start; the first reader loads it"),
        }
        let started = std::time::Instant::now();
        let warmed = warming.db.get().and_then(|mut conn| warming.statistics.warm(&mut conn, &warming.office));
        match warmed {
            Ok(()) => tracing::info!(millis = started.elapsed().as_millis() as u64, "statistics loaded"),
            Err(e) => tracing::warn!(error = %e, "statistics not loaded at start; the first report loads them"),
        }
        let started = std::time::Instant::now();
        match keep_public_answers(&warming) {
            Ok(kept) => tracing::info!(millis = started.elapsed().as_millis() as u64, kept, "public answers built"),
            Err(e) => {
                tracing::warn!(error = %e, "public answers not built at start; each reader's first look builds one")
            }
        }
        // The start allocates far more than it keeps: each worker builds its
        // routes with their OpenAPI description and drops the description, and
        // the warm-up reads in chunks (97 to 63 MB with 4 workers when measured).
        crate::memory::give_back_freed();
    });
    let app_state = state.clone();
    let server = HttpServer::new(move || crate::build_app(app_state.clone()))
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads_per_worker(&settings, workers))
        // Answers are written as soon as they are ready: without this, the last
        // write of an answer sent in pieces waits for the client's delayed ACK (40 ms).
        .tcp_nodelay(true)
        .shutdown_timeout(settings.server.shutdown_timeout_seconds)
        .bind(&settings.server.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {} (server.bind): {e}", settings.server.bind))?;
    let bound = server.addrs();
    for address in &bound {
        tracing::info!(%address, database = %state.db.url().redacted(), "listening");
    }
    on_listening(&bound);
    server.run().await?;
    tracing::info!("stopped");
    Ok(())
}

/// Blocking threads of each worker: enough for every pooled connection and
/// every password hash allowed at once, spread over the workers, and one
/// more. Work beyond them waits in a queue, as it would wait for a
/// connection anyway: a thread per waiting request (up to 512 a worker by
/// default) only made the threads share the allocator's arenas and contend
/// for their locks, the database writer among them, and kept more memory.
fn blocking_threads_per_worker(settings: &crate::config::Settings, workers: usize) -> usize {
    let at_once = settings.database.pool_size as usize + settings.auth.max_concurrent_hashes;
    at_once.div_ceil(workers.max(1)) + 1
}

/// Builds the answers about each published proposal (its JSON and its page),
/// newest first, while the kept answers have room: a restarted or added
/// instance then serves a district opening the results from memory, instead
/// of sending each reader's first look at each proposal to the database (on
/// PostgreSQL and behind a load balancer, the slow tail of the detail
/// benchmark). Returns how many proposals' answers it kept.
pub fn keep_public_answers(state: &AppState) -> crate::error::AppResult<usize> {
    use crate::public_cache::Fresh;
    let index = state.public_index.as_loaded();
    let mut conn = state.db.get()?;
    let mut kept = 0;
    for entry in &index.entries {
        let Some(id) = crate::ids::ProposalId::parse(&entry.item.id) else { continue };
        let p = crate::proposals::public::one(&mut conn, &id, &state.settings.workflow)?;
        let fresh = Fresh::Since { since: entry.since, now: index.generation };
        if !crate::api::public::keep_published(state, &p, fresh)?
            || !crate::web::public::keep_detail_page(state, p, fresh)?
        {
            break;
        }
        kept += 1;
    }
    Ok(kept)
}
