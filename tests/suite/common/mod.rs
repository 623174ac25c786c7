//! The test harness: an isolated database per test (a SQLite file, or a
//! uniquely named PostgreSQL database that is dropped afterwards), copied from
//! a template migrated once per test process, the real router, a clock that
//! stands still, and builders for accounts.
//!
//! PostgreSQL is found at PD_TEST_POSTGRES_URL (default
//! postgres://postgres@127.0.0.1:5432/postgres). When it cannot be reached the
//! PostgreSQL half of each test says so loudly on stderr and is skipped, unless
//! PD_TEST_REQUIRE_POSTGRES=1 (as in .ci/run), which turns the skip into a failure.

#![allow(dead_code)]

/// Deadlines as the office counts them under the default rules: the
/// office's day (Beijing) a rule after a moment, due at 23:59:59 there. The
/// calendar's own arithmetic is specified against the published schedules
/// in tests/suite/calendar.rs; these let a life read its dates plainly.
pub mod due {
    use chrono::{Duration, NaiveDateTime};
    use proposal_desk::domain::deadlines::{OfficeTime, Span};

    fn office() -> OfficeTime {
        let calendar = proposal_desk::calendar::built_in().expect("the built-in calendar");
        OfficeTime::new(calendar, chrono_tz::Asia::Shanghai)
    }

    pub fn add_months(t: NaiveDateTime, n: u32) -> NaiveDateTime {
        office().due_from(t, Span::Months(n)).at
    }

    pub fn add_working_days(t: NaiveDateTime, n: u32) -> NaiveDateTime {
        office().due_from(t, Span::WorkingDays(n)).at
    }

    pub fn add_days(t: NaiveDateTime, n: u32) -> NaiveDateTime {
        office().due_from(t, Span::Days(n)).at
    }

    /// `n` calendar days before a deadline (a co-handling opinion before its reply).
    pub fn minus_days(due: NaiveDateTime, n: i64) -> NaiveDateTime {
        due - Duration::days(n)
    }
}

pub mod fixtures;
pub mod life;
pub mod pages;
pub mod smtp_sink;
pub mod workflow_doc;
pub mod world;

use std::sync::OnceLock;

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode, header};
use actix_web::test::{self, TestRequest};
use chrono::NaiveDate;
use diesel::prelude::*;
use proposal_desk::accounts::{self, NewAccount};
use proposal_desk::audit::{Actor, Origin};
use proposal_desk::auth::password::{PasswordCost, hash_blocking};
use proposal_desk::clock::ManualClock;
use proposal_desk::config::Settings;
use proposal_desk::db::models::org::{SectorRow, UnitRow};
use proposal_desk::db::schema::{audit_events, sectors, units};
use proposal_desk::db::{Db, DbConn};
use proposal_desk::domain::Role;
use proposal_desk::{AppState, build_app, server};
use serde_json::Value;

pub const PASSWORD: &str = "river lanterns at dusk";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body on both backends: `both_backends!(name, ...)` makes
/// `name::sqlite` and `name::postgres` from `async fn name(app: TestApp)`.
/// (In scope everywhere through `#[macro_use] mod common;` in main.rs.)
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                if let Some(app) = $crate::common::TestApp::start($crate::common::Backend::Sqlite, stringify!($name)).await {
                    super::$name(app).await;
                }
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::common::TestApp::start($crate::common::Backend::Postgres, stringify!($name)).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

/// The real binary started by a test, stopped (killed and reaped) when dropped.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nobody listens on now, for a server the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

pub fn postgres_base_url() -> String {
    std::env::var("PD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn postgres_required() -> bool {
    std::env::var("PD_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A database that exists for one test and is removed when dropped.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    cleanup: Option<String>,
}

impl TestDatabase {
    /// An empty database: for the tests of migrations themselves and of the
    /// binary starting on a database it has never seen.
    pub fn create(backend: Backend, test_name: &str) -> Option<TestDatabase> {
        match backend {
            Backend::Sqlite => {
                let (dir, path) = sqlite_test_path();
                Some(TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    cleanup: Some(dir.display().to_string()),
                })
            }
            Backend::Postgres => {
                let mut admin = postgres_admin(test_name)?;
                postgres_database(
                    &mut admin,
                    "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
                )
            }
        }
    }

    /// A database with every migration applied, copied from this process's
    /// template (see [`template`]): what the application finds when it starts
    /// on a database it has already migrated.
    pub fn migrated(backend: Backend, test_name: &str) -> Option<TestDatabase> {
        match backend {
            Backend::Sqlite => {
                let (dir, path) = sqlite_test_path();
                std::fs::copy(template::sqlite(), &path).expect("copy the template database");
                Some(TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    cleanup: Some(dir.display().to_string()),
                })
            }
            Backend::Postgres => {
                let mut admin = postgres_admin(test_name)?;
                let template = template::postgres(&mut admin);
                drop(admin);
                let name = stock::take(template);
                Some(TestDatabase { url: postgres_url(&name), backend, cleanup: Some(name) })
            }
        }
    }
}

/// A folder of the test's own and the path of its database file in it.
fn sqlite_test_path() -> (std::path::PathBuf, std::path::PathBuf) {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let dir = std::env::temp_dir().join(format!("pd-test-{unique}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("test.db");
    (dir, path)
}

/// A connection to the PostgreSQL server's maintenance database, or None
/// (with a loud notice) when it cannot be reached and it is not required.
fn postgres_admin(test_name: &str) -> Option<diesel::PgConnection> {
    let base = postgres_base_url();
    match diesel::PgConnection::establish(&base) {
        Ok(c) => Some(c),
        Err(e) => {
            if postgres_required() {
                panic!("PostgreSQL is required (PD_TEST_REQUIRE_POSTGRES=1) but {base} cannot be reached: {e}");
            }
            eprintln!(
                "\n!!! SKIPPED on PostgreSQL: {test_name} — cannot reach {base} ({e}). Set PD_TEST_POSTGRES_URL. !!!\n"
            );
            None
        }
    }
}

/// The URL of database `name` on the server of PD_TEST_POSTGRES_URL.
fn postgres_url(name: &str) -> String {
    match postgres_base_url().rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{name}"),
        None => panic!("PD_TEST_POSTGRES_URL must end with /DATABASE"),
    }
}

/// A new uniquely named database, made as `options` say (its template).
fn postgres_database(admin: &mut diesel::PgConnection, options: &str) -> Option<TestDatabase> {
    let name = format!("pd_test_{}", uuid::Uuid::new_v4().simple());
    diesel::sql_query(format!("CREATE DATABASE {name} {options}")).execute(admin).expect("create test database");
    Some(TestDatabase { url: postgres_url(&name), backend: Backend::Postgres, cleanup: Some(name) })
}

/// One migrated database per backend and test process, which each test's
/// database copies: running every migration costs more than most tests, and
/// copying a file or a PostgreSQL template costs a few milliseconds. Made the
/// way the application migrates at start (`server::open_database`), on one
/// connection that is closed before anything copies it. Removed when the
/// process exits; what a killed process leaves behind is removed by a later
/// run once it is a day old.
pub mod template {
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use proposal_desk::db::{AnyConnection, DatabaseUrl, backend_specific, migrations};

    /// Templates older than this are left over from a killed run.
    const STALE: Duration = Duration::from_secs(24 * 60 * 60);
    const SQLITE_PREFIX: &str = "pd-test-template-";
    const POSTGRES_PREFIX: &str = "pd_test_template_";

    /// What to remove when the process exits.
    static SQLITE_DIR: OnceLock<PathBuf> = OnceLock::new();
    static POSTGRES_NAME: OnceLock<String> = OnceLock::new();

    fn migrate(url: &DatabaseUrl) -> AnyConnection {
        let mut conn = url.establish(5000).expect("connect to the template database");
        migrations::run_pending(&mut conn).expect("migrate the template database");
        backend_specific::optimize(&mut conn).expect("optimize the template database");
        conn
    }

    /// Seconds since the epoch, which names each template (so that a later
    /// run can tell how old a left-over one is).
    fn now_seconds() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
    }

    fn is_stale(name: &str, prefix: &str) -> bool {
        let Some(created) = name.strip_prefix(prefix).and_then(|rest| rest.split('_').next()) else { return false };
        created.parse::<u64>().is_ok_and(|created| now_seconds().saturating_sub(created) > STALE.as_secs())
    }

    /// The migrated SQLite file of this process, checkpointed: the whole
    /// database is in the file, none of it in a -wal file beside it.
    pub fn sqlite() -> &'static Path {
        static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
        TEMPLATE.get_or_init(|| {
            let temp = std::env::temp_dir();
            if let Ok(entries) = std::fs::read_dir(&temp) {
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().to_string();
                    if is_stale(&name, SQLITE_PREFIX) {
                        let _ = std::fs::remove_dir_all(entry.path());
                    }
                }
            }
            let dir = temp.join(format!(
                "{SQLITE_PREFIX}{}_{}_{}",
                now_seconds(),
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ));
            std::fs::create_dir_all(&dir).expect("template folder");
            let _ = SQLITE_DIR.set(dir.clone());
            remove_at_exit();
            let path = dir.join("template.db");
            // Owner only, as the application creates its file (the copies keep the mode).
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            options.open(&path).expect("create the template file");
            let url = DatabaseUrl::Sqlite { path: path.display().to_string() };
            let mut conn = migrate(&url);
            if let AnyConnection::Sqlite(c) = &mut conn {
                diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(c).expect("checkpoint the template");
            }
            drop(conn);
            let wal = dir.join("template.db-wal");
            assert!(
                std::fs::metadata(&wal).map(|m| m.len() == 0).unwrap_or(true),
                "{} still holds part of the template",
                wal.display()
            );
            path
        })
    }

    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        datname: String,
    }

    /// The name of this process's migrated PostgreSQL template database.
    pub fn postgres(admin: &mut PgConnection) -> &'static str {
        static TEMPLATE: OnceLock<String> = OnceLock::new();
        TEMPLATE.get_or_init(|| {
            let existing: Vec<Name> = diesel::sql_query(format!(
                "SELECT datname::text AS datname FROM pg_database WHERE starts_with(datname, '{POSTGRES_PREFIX}')"
            ))
            .load(admin)
            .expect("list template databases");
            for Name { datname } in existing {
                if is_stale(&datname, POSTGRES_PREFIX) {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)")).execute(admin);
                }
            }
            let name = format!("{POSTGRES_PREFIX}{}_{}", now_seconds(), std::process::id());
            diesel::sql_query(format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            ))
            .execute(admin)
            .expect("create the template database");
            let _ = POSTGRES_NAME.set(name.clone());
            remove_at_exit();
            // Closed here: CREATE DATABASE … TEMPLATE refuses while anyone is connected to it.
            drop(migrate(&DatabaseUrl::Postgres { url: super::postgres_url(&name) }));
            name
        })
    }

    /// Registers [`remove`] to run when the process exits (after the last
    /// test, whether the run passed or failed), after the test databases
    /// still being dropped are gone.
    pub(super) fn remove_at_exit() {
        static REGISTERED: std::sync::Once = std::sync::Once::new();
        REGISTERED.call_once(|| {
            // SAFETY: registers a function that takes no arguments and does not unwind.
            let status = unsafe { libc::atexit(remove) };
            assert_eq!(status, 0, "atexit");
        });
    }

    extern "C" fn remove() {
        // Nothing may unwind out of here; a failure only leaves a template for a later run to remove.
        let _ = std::panic::catch_unwind(|| {
            super::stock::finish(Duration::from_secs(60));
            super::dropper::finish(Duration::from_secs(120));
            if let Some(dir) = SQLITE_DIR.get() {
                let _ = std::fs::remove_dir_all(dir);
            }
            if let Some(name) = POSTGRES_NAME.get()
                && let Ok(mut admin) = PgConnection::establish(&super::postgres_base_url())
            {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
            }
        });
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(target) = self.cleanup.take() else { return };
        match self.backend {
            Backend::Sqlite => {
                let _ = std::fs::remove_dir_all(target);
            }
            Backend::Postgres => dropper::drop_later(target),
        }
    }
}

/// PostgreSQL's DROP DATABASE waits for a checkpoint (a second or two on a
/// busy machine) that the test has no need to wait for: a few threads in the
/// background drop the test databases handed to them, and the process waits
/// for them before it exits. Drops that wait together share a checkpoint.
pub mod dropper {
    use std::collections::VecDeque;
    use std::sync::{Condvar, Mutex, MutexGuard, Once, PoisonError};
    use std::time::{Duration, Instant};

    use diesel::prelude::*;

    const WORKERS: usize = 4;

    struct Queue {
        names: VecDeque<String>,
        /// Handed over and not yet dropped (queued or being dropped).
        pending: usize,
    }

    static QUEUE: Mutex<Queue> = Mutex::new(Queue { names: VecDeque::new(), pending: 0 });
    static CHANGED: Condvar = Condvar::new();

    fn queue() -> MutexGuard<'static, Queue> {
        QUEUE.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the threads that drop (once; any later call does nothing).
    pub fn start() {
        static STARTED: Once = Once::new();
        STARTED.call_once(|| {
            super::template::remove_at_exit();
            for _ in 0..WORKERS {
                std::thread::spawn(work);
            }
        });
    }

    pub fn drop_later(name: String) {
        start();
        let mut queue = queue();
        queue.names.push_back(name);
        queue.pending += 1;
        CHANGED.notify_all();
    }

    fn work() {
        let mut admin: Option<PgConnection> = None;
        loop {
            let name = {
                let mut queue = queue();
                loop {
                    if let Some(name) = queue.names.pop_front() {
                        break name;
                    }
                    queue = CHANGED.wait(queue).unwrap_or_else(PoisonError::into_inner);
                }
            };
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            // Once more on a new connection if the kept one has gone away.
            for _ in 0..2 {
                if admin.is_none() {
                    admin = PgConnection::establish(&super::postgres_base_url()).ok();
                }
                match admin.as_mut().map(|c| diesel::sql_query(&sql).execute(c)) {
                    Some(Ok(_)) => break,
                    _ => admin = None,
                }
            }
            queue().pending -= 1;
            CHANGED.notify_all();
        }
    }

    /// Waits until every database handed over has been dropped, or `limit` has passed.
    pub fn finish(limit: Duration) {
        let until = Instant::now() + limit;
        let mut queue = queue();
        while queue.pending > 0 {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                eprintln!("{} test databases were not dropped in {limit:?}", queue.pending);
                return;
            }
            queue = CHANGED.wait_timeout(queue, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }
}

/// CREATE DATABASE takes a few hundred milliseconds, most of them waiting for
/// the disk: a thread copies the PostgreSQL template ahead of the tests and
/// keeps a couple of databases ready, so that a test seldom waits for its own.
pub mod stock {
    use std::sync::{Condvar, Mutex, MutexGuard, Once, PoisonError};
    use std::time::{Duration, Instant};

    use diesel::prelude::*;

    const READY: usize = 2;

    struct Stock {
        ready: Vec<String>,
        /// Why the last CREATE DATABASE failed, for the next test to report.
        failed: Option<String>,
        creating: bool,
        stopped: bool,
    }

    static STOCK: Mutex<Stock> = Mutex::new(Stock { ready: Vec::new(), failed: None, creating: false, stopped: false });
    static CHANGED: Condvar = Condvar::new();

    fn stock() -> MutexGuard<'static, Stock> {
        STOCK.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The name of a new database copied from `template` (always the same one).
    pub fn take(template: &'static str) -> String {
        static STARTED: Once = Once::new();
        STARTED.call_once(|| {
            // Running before any database is made: the ones left in stock at exit are dropped.
            super::dropper::start();
            std::thread::spawn(move || fill(template));
        });
        let mut stock = stock();
        loop {
            if let Some(name) = stock.ready.pop() {
                CHANGED.notify_all();
                return name;
            }
            if let Some(error) = stock.failed.take() {
                CHANGED.notify_all();
                drop(stock);
                panic!("create test database: {error}");
            }
            stock = CHANGED.wait(stock).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn fill(template: &str) {
        let mut admin: Option<PgConnection> = None;
        loop {
            {
                let mut stock = stock();
                while !stock.stopped && stock.ready.len() + usize::from(stock.failed.is_some()) >= READY {
                    stock = CHANGED.wait(stock).unwrap_or_else(PoisonError::into_inner);
                }
                if stock.stopped {
                    return;
                }
                stock.creating = true;
            }
            let name = format!("pd_test_{}", uuid::Uuid::new_v4().simple());
            let created = match admin.as_mut() {
                Some(conn) => Ok(conn),
                None => PgConnection::establish(&super::postgres_base_url())
                    .map(|conn| admin.insert(conn))
                    .map_err(|e| e.to_string()),
            }
            .and_then(|conn| {
                diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .execute(conn)
                    .map_err(|e| e.to_string())
            });
            let mut stock = stock();
            stock.creating = false;
            match created {
                Ok(_) => stock.ready.push(name),
                Err(error) => {
                    stock.failed = Some(error);
                    admin = None;
                }
            }
            CHANGED.notify_all();
        }
    }

    /// Stops making databases and hands the ones left over to be dropped (at
    /// exit), waiting at most `limit` for one being made.
    pub fn finish(limit: Duration) {
        let until = Instant::now() + limit;
        let mut stock = stock();
        stock.stopped = true;
        CHANGED.notify_all();
        while stock.creating {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                eprintln!("a test database was still being made after {limit:?}");
                break;
            }
            stock = CHANGED.wait_timeout(stock, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        for name in std::mem::take(&mut stock.ready) {
            super::dropper::drop_later(name);
        }
    }
}

pub fn test_settings(url: &str) -> Settings {
    let mut settings = Settings::load_from(None, Vec::<(String, String)>::new()).expect("default settings");
    settings.database.url = url.to_string();
    settings.database.pool_size = 4;
    settings.auth.jwt_secret = JWT_SECRET.into();
    settings.data.dir = std::env::temp_dir().join("pd-test-data").display().to_string();
    // Tests see each other instance's writes at once; tests/suite/public.rs sets a time to test it.
    settings.server.public_refresh_seconds = 0;
    // Small enough that tests can send a file over the limit cheaply.
    settings.attachments.max_bytes = 64 * 1024;
    settings.attachments.max_per_proposal = 3;
    settings.auth.password_hash_memory_kib = TEST_PASSWORD_COST.memory_kib;
    settings.auth.password_hash_passes = TEST_PASSWORD_COST.passes;
    settings
}

/// The tests' password cost: argon2id's lowest. The tests' accounts sign in in
/// microseconds instead of with a full check each, which was most of the
/// suite's own work. The tests of what the cost itself does start an instance
/// at the application's own ([`app_password_cost`]).
pub const TEST_PASSWORD_COST: PasswordCost = PasswordCost { memory_kib: argon2::Params::MIN_M_COST, passes: 1 };

/// The password cost the application is configured with by default.
pub fn app_password_cost() -> PasswordCost {
    Settings::load_from(None, Vec::<(String, String)>::new()).expect("default settings").auth.password_cost()
}

/// A password hash of [`PASSWORD`] at [`TEST_PASSWORD_COST`], computed once per test process.
pub fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_blocking(&TEST_PASSWORD_COST, PASSWORD).expect("hash")).clone()
}

/// A password hash of [`PASSWORD`] as the application makes one, computed
/// once per test process: for the tests of how long a login takes.
pub fn app_cost_password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_blocking(&app_password_cost(), PASSWORD).expect("hash")).clone()
}

/// The real router, built once per test (building it costs tens of milliseconds).
type Router =
    Box<dyn Fn(TestRequest) -> std::pin::Pin<Box<dyn std::future::Future<Output = ServiceResponse<BoxBody>>>>>;

pub struct TestApp {
    pub state: AppState,
    pub clock: ManualClock,
    pub backend: Backend,
    /// Shared with the other instances started on it ([`TestApp::another_instance`]).
    pub database: std::sync::Arc<TestDatabase>,
    router: Router,
}

/// What a user would see of a response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body as sent (for files, where `text` is lossy).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn field(&self, name: &str) -> &Value {
        &self.body[name]
    }
    pub fn str(&self, name: &str) -> String {
        self.body[name].as_str().unwrap_or_else(|| panic!("no string {name} in {}", self.text)).to_string()
    }
    /// Asserts an RFC 9457 problem with this status and type.
    pub fn assert_problem(&self, status: u16, kind: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.content_type, "application/problem+json", "{}", self.text);
        assert_eq!(self.body["type"], format!("/problems/{kind}"), "{}", self.text);
        assert!(self.body["title"].as_str().is_some_and(|t| !t.is_empty()), "{}", self.text);
        assert!(self.body["title_en"].as_str().is_some_and(|t| !t.is_empty()), "{}", self.text);
    }
    pub fn assert_ok(&self) {
        assert!(self.status.is_success(), "expected success, got {}: {}", self.status, self.text);
    }
}

/// An account made for a test, with the password it signs in with.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub token: String,
    pub refresh: String,
}

impl TestApp {
    pub async fn start(backend: Backend, test_name: &str) -> Option<TestApp> {
        Self::start_with(backend, test_name, |_| {}).await
    }

    /// [`start`](Self::start), with the test's own changes to the settings.
    pub async fn start_with(backend: Backend, test_name: &str, change: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let database = TestDatabase::migrated(backend, test_name)?;
        let mut settings = test_settings(&database.url);
        change(&mut settings);
        let clock = ManualClock::new(NaiveDate::from_ymd_opt(2026, 3, 2)?.and_hms_opt(1, 0, 0)?);
        Some(Self::serve(settings, clock, backend, std::sync::Arc::new(database)).await)
    }

    /// Another instance of the service on this one's database, as behind a
    /// load balancer: its own memory (kept answers, indexes), the same records.
    pub async fn another_instance(&self, change: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = test_settings(&self.database.url);
        change(&mut settings);
        Self::serve(settings, self.clock.clone(), self.backend, std::sync::Arc::clone(&self.database)).await
    }

    async fn serve(
        settings: Settings,
        clock: ManualClock,
        backend: Backend,
        database: std::sync::Arc<TestDatabase>,
    ) -> TestApp {
        let state = server::prepare(settings, std::sync::Arc::new(clock.clone())).expect("prepare app");
        let service = std::rc::Rc::new(test::init_service(build_app(state.clone())).await);
        let router: Router = Box::new(move |request: TestRequest| {
            let service = service.clone();
            Box::pin(async move { test::call_service(&*service, request.to_request()).await.map_into_boxed_body() })
        });
        TestApp { state, clock, backend, database, router }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Runs blocking database work directly (fixtures, inspections).
    /// Runs `f` on a connection of the service's, behind its back: what `f`
    /// writes has no audit event, so the public index reads everything again.
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut conn = self.state.db.get().expect("connection");
        let out = f(&mut conn);
        self.state.public_index.forget();
        out
    }

    pub async fn call(&self, request: TestRequest) -> Reply {
        let response = (self.router)(request.peer_addr("192.0.2.10:40000".parse().expect("addr"))).await;
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = test::read_body(response).await;
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, content_type, headers, body, text, bytes: bytes.to_vec() }
    }

    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut request = TestRequest::default().method(method).uri(path);
        if let Some(token) = token {
            request = request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        }
        if let Some(body) = body {
            request = request.set_json(body);
        }
        self.call(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(token), Some(body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Reply {
        self.send(
            Method::POST,
            "/api/auth/login",
            None,
            Some(serde_json::json!({"username": username, "password": password})),
        )
        .await
    }

    /// A sector, created directly in the database.
    pub fn sector(&self, code: &str) -> String {
        let now = self.clock_now();
        let row = SectorRow {
            id: uuid::Uuid::new_v4().to_string(),
            code: code.into(),
            name: format!("界别{code}"),
            sort_order: 0,
            active: true,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.with_conn(|c| diesel::insert_into(sectors::table).values(&row).execute(c)).expect("sector");
        row.id
    }

    /// A handling unit, created directly in the database.
    pub fn unit(&self, code: &str) -> String {
        let now = self.clock_now();
        let row = UnitRow {
            id: uuid::Uuid::new_v4().to_string(),
            code: code.into(),
            name: format!("单位{code}"),
            kind: "政府部门".into(),
            email: None,
            active: true,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.with_conn(|c| diesel::insert_into(units::table).values(&row).execute(c)).expect("unit");
        row.id
    }

    /// A term with one session whose plenary window holds the clock's date; returns the session's id.
    pub fn committee_session(&self) -> String {
        use proposal_desk::db::models::term::{SessionRow, TermRow};
        use proposal_desk::db::schema::{committee_sessions, committee_terms};
        let now = self.clock_now();
        let today = now.date();
        let term = TermRow {
            id: uuid::Uuid::new_v4().to_string(),
            number: 1,
            name: "第一届".into(),
            starts_on: today - chrono::Duration::days(60),
            ends_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let session = SessionRow {
            id: uuid::Uuid::new_v4().to_string(),
            term_id: term.id.clone(),
            number: 1,
            name: "一届一次会议".into(),
            opens_on: today + chrono::Duration::days(3),
            plenary_window_start: today - chrono::Duration::days(30),
            plenary_window_end: today + chrono::Duration::days(5),
            replies_due_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.with_conn(|c| {
            diesel::insert_into(committee_terms::table).values(&term).execute(c)?;
            diesel::insert_into(committee_sessions::table).values(&session).execute(c)
        })
        .expect("session");
        session.id
    }

    pub fn clock_now(&self) -> chrono::NaiveDateTime {
        use proposal_desk::clock::Clock;
        self.clock.now()
    }

    /// An account of `role` with password [`PASSWORD`], signed in.
    pub async fn user(&self, role: Role) -> TestUser {
        let username =
            format!("{}-{}", role.as_str().replace('_', "-"), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        self.user_named(&username, role).await
    }

    pub async fn user_named(&self, username: &str, role: Role) -> TestUser {
        self.user_named_hashed(username, role, password_hash()).await
    }

    /// [`user`](Self::user), with its password hashed at the application's own
    /// cost (see [`password_hash`]).
    pub async fn user_at_app_cost(&self, role: Role) -> TestUser {
        let username =
            format!("{}-{}", role.as_str().replace('_', "-"), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        self.user_named_hashed(&username, role, app_cost_password_hash()).await
    }

    async fn user_named_hashed(&self, username: &str, role: Role, password_hash: String) -> TestUser {
        let id = self.account_hashed(username, role, password_hash);
        let reply = self.login(username, PASSWORD).await;
        reply.assert_ok();
        TestUser {
            id,
            username: username.into(),
            role,
            token: reply.str("access_token"),
            refresh: reply.str("refresh_token"),
        }
    }

    /// A fresh access token for `user` (after the clock has travelled past the old one's life).
    pub async fn token(&self, user: &TestUser) -> String {
        let reply = self.login(&user.username, PASSWORD).await;
        reply.assert_ok();
        reply.str("access_token")
    }

    /// An account of `role` with password [`PASSWORD`], not signed in; returns its id.
    pub fn account(&self, username: &str, role: Role) -> String {
        self.account_hashed(username, role, password_hash())
    }

    fn account_hashed(&self, username: &str, role: Role, password_hash: String) -> String {
        let (sector_id, unit_id) = match role {
            Role::Member => (Some(self.sector(&format!("s{}", &uuid::Uuid::new_v4().simple().to_string()[..8]))), None),
            Role::UnitStaff | Role::UnitHead => {
                (None, Some(self.unit(&format!("u{}", &uuid::Uuid::new_v4().simple().to_string()[..8]))))
            }
            _ => (None, None),
        };
        let now = self.clock_now();
        let account = NewAccount {
            username: username.into(),
            display_name: format!("测试{username}"),
            role,
            sector_id,
            unit_id,
            email: None,
            phone: None,
            password_hash,
            must_change_password: false,
        };
        let row = self
            .state
            .db
            .write_blocking(|conn| accounts::create(conn, account, &Actor::system("test"), &Origin::default(), now))
            .expect("create user");
        row.id
    }

    pub fn audit_count(&self) -> i64 {
        self.with_conn(|c| audit_events::table.count().get_result(c)).expect("count")
    }

    /// The actions of the audit events after sequence number `after`.
    pub fn audit_actions_after(&self, after: i64) -> Vec<(String, String, String)> {
        self.with_conn(|c| {
            audit_events::table
                .filter(audit_events::seq.gt(after))
                .order(audit_events::seq.asc())
                .select((audit_events::action, audit_events::actor_role, audit_events::object_id))
                .load(c)
        })
        .expect("audit")
    }

    pub fn last_audit_seq(&self) -> i64 {
        self.with_conn(|c| audit_events::table.select(diesel::dsl::max(audit_events::seq)).first::<Option<i64>>(c))
            .expect("max")
            .unwrap_or(0)
    }
}
