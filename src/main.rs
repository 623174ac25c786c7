//! The `proposal-desk` command: serve, migrate, demo, user, calendar, reminders, mail, import, backup, restore, audit, bench.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use proposal_desk::audit::{Origin, verify};
use proposal_desk::clock::{Clock, SystemClock};
use proposal_desk::config::Settings;
use proposal_desk::{demo, server};

#[path = "cli/user.rs"]
mod user;
use user::{UserAction, user};

#[derive(Parser)]
#[command(
    name = "proposal-desk",
    version,
    about = "提案通 / Proposal Desk: CPPCC proposals from draft to published result"
)]
struct Cli {
    /// A TOML file whose settings override config/default.toml (environment variables PD__SECTION__KEY override both).
    #[arg(long, global = true, env = "PD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (migrating the database first).
    Serve {
        /// Seed demo data into an empty database and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed demo data into an empty database and exit.
    Demo,
    /// Manage accounts from the command line (actions are audited as "cli").
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The working-day calendar (config/calendar/*.toml and calendar.dir), for checking a date.
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// 催办: reminders of deadlines.
    Reminders {
        #[command(subcommand)]
        action: RemindersAction,
    },
    /// The outbox.
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
    /// A consistent copy of the SQLite database into the new FILE, while it serves (PostgreSQL: see docs/operations.md).
    Backup { file: PathBuf },
    /// Restore the backup FILE into the configured SQLite database, which must not exist yet; checks the audit chain.
    Restore { file: PathBuf },
    /// 历史数据导入: past proposals and replies from FILE (.xlsx, or CSV in UTF-8 or GBK); see docs/import.md.
    Import {
        file: PathBuf,
        /// Check the file and report every bad row, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// The office account the records are entered by (the audit trail names it).
        #[arg(long)]
        by: String,
        /// A CSV file's encoding: utf-8 or gbk (found from the bytes when not given).
        #[arg(long)]
        encoding: Option<String>,
    },
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// The benchmark's own steps (bench/run drives them; see docs/performance.md).
    Bench {
        #[command(subcommand)]
        action: BenchAction,
    },
}

#[derive(Subcommand)]
enum BenchAction {
    /// Write a past year's spreadsheet of --rows closed proposals of the seeded archive, for `import`.
    ImportFile {
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Seed a realistic archive into an empty database and write the ids the load needs into --out.
    Seed {
        /// Proposals in the archive (a tenth of them published).
        #[arg(long, default_value_t = 100_000)]
        proposals: usize,
        /// Sessions they are spread over.
        #[arg(long, default_value_t = 5)]
        sessions: usize,
        #[arg(long, default_value_t = 2_000)]
        members: usize,
        /// Drafts of bench-writer, each submitted once by the write workload.
        #[arg(long, default_value_t = 30_000)]
        drafts: usize,
        /// Folder for published_ids.txt, draft_ids.txt, sessions.txt, terms.txt, sectors.txt, units.txt.
        #[arg(long)]
        out: PathBuf,
    },
    /// Seed N deadlines (95% met) into an empty SQLite database and time finding what is due.
    Due {
        #[arg(long, default_value_t = 1_000_000)]
        assignments: usize,
    },
    /// Queue N emails and time sending them through the configured mail transport.
    Mail {
        #[arg(long, default_value_t = 2_000)]
        messages: usize,
    },
    /// Bare durable single-row SQLite commits per second on FILE (the write workload's ceiling).
    Commits {
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CalendarAction {
    /// Print the date N working days after DATE (YYYY-MM-DD).
    AddWorkingDays { date: chrono::NaiveDate, n: u32 },
    /// Print the number of working days after FROM up to and including TO.
    WorkingDays { from: chrono::NaiveDate, to: chrono::NaiveDate },
    /// List the years the calendar covers; warn when next year's file is missing.
    Check,
}

#[derive(Subcommand)]
enum RemindersAction {
    /// Send the reminders that have come and queue the digests that are due (for a cron job when reminders.worker is off), then exit.
    Send,
}

#[derive(Subcommand)]
enum MailAction {
    /// Send every message due now (for a cron job when mail.worker is off), then exit.
    SendPending,
}

#[derive(Subcommand)]
enum AuditAction {
    /// Recompute the hash chain; exit 1 and name the first break if it was tampered with.
    Verify,
}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    proposal_desk::logging::init(&settings);
    match run(cli.command, settings) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            // Configuration mistakes exit 2, like a malformed setting, so scripts can tell them apart.
            if format!("{e:#}").starts_with("configuration") { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

/// Each password check allocates megabytes (argon2id, 7 MiB at the default
/// `auth.password_hash_memory_kib`). glibc raises its mmap
/// threshold after the first such block is freed, so later ones come from the
/// heap of whichever blocking thread ran them and stay there: hundreds of MB
/// under a login storm. A fixed threshold keeps large blocks mapped and
/// returned on free, and fewer arenas keep the small ones together.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called once, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { demo } => serve(settings, demo),
        Command::Migrate => {
            server::open_database(&settings)?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let db = server::open_database(&settings)?;
            match demo::seed_if_empty(&db, &settings.auth.password_cost(), SystemClock.now())? {
                Some(logins) => {
                    let office = settings.calendar.office_time()?;
                    demo::act_out_today(&db, &settings, &office, SystemClock.now())?;
                    print_logins(&settings, &logins)
                }
                None => println!("the database already has accounts; demo data not added"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User { action } => user(settings, action),
        Command::Calendar { action } => calendar(&settings, action),
        Command::Reminders { action: RemindersAction::Send } => {
            let db = server::open_database(&settings)?;
            let office = settings.calendar.office_time()?;
            let n = proposal_desk::reminders::send_due(&db, &settings, &office, SystemClock.now())?;
            let digests = proposal_desk::mail::digest::send_digests(&db, &settings, &office, SystemClock.now())?;
            println!("reminded {n} deadlines, queued {digests} digests");
            Ok(ExitCode::SUCCESS)
        }
        Command::Mail { action: MailAction::SendPending } => {
            let db = server::open_database(&settings)?;
            let transport = proposal_desk::mail::transport::Transport::from_settings(&settings.mail)?;
            let clock: proposal_desk::clock::SharedClock = Arc::new(SystemClock);
            let r = proposal_desk::mail::send_pending(&db, &settings.mail, &transport, &clock)?;
            println!("sent {}, to retry {}, set aside {}", r.sent, r.retried, r.set_aside);
            Ok(if r.retried + r.set_aside == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Bench { action } => bench(settings, action),
        Command::Backup { file } => {
            let url = server::database_url(&settings)?;
            let copied = proposal_desk::backup::backup(&url, &file)?;
            println!(
                "backup written to {}: {} bytes, audit trail intact ({} events, head {})",
                file.display(),
                copied.bytes,
                copied.chain.events_checked,
                copied.chain.head_hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let url = server::database_url(&settings)?;
            let copied = proposal_desk::backup::restore(&url, &file)?;
            println!(
                "restored {} into {}: {} bytes, audit trail intact ({} events, head {})",
                file.display(),
                url.redacted(),
                copied.bytes,
                copied.chain.events_checked,
                copied.chain.head_hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file, dry_run, by, encoding } => import(&settings, &file, dry_run, &by, encoding.as_deref()),
        Command::Audit { action: AuditAction::Verify } => {
            // Without migrating: checking a restored backup must not change it.
            let db = server::connect_database(&settings)?;
            let mut conn = db.get()?;
            let report = verify::verify(&mut conn)?;
            match report.first_break {
                None => {
                    println!("audit trail intact: {} events, head {}", report.events_checked, report.head_hash);
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!("audit trail BROKEN after {} good events: {b}", report.events_checked);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn serve(settings: Settings, with_demo: bool) -> anyhow::Result<ExitCode> {
    let state = server::prepare(settings.clone(), Arc::new(SystemClock))?;
    if with_demo {
        match demo::seed_if_empty(&state.db, &settings.auth.password_cost(), SystemClock.now())? {
            Some(logins) => {
                demo::act_out_today(&state.db, &settings, &state.office, SystemClock.now())?;
                print_logins(&settings, &logins)
            }
            None => println!(
                "demo: the database already has accounts (demo password, if seeded before: {})",
                demo::DEMO_PASSWORD
            ),
        }
    }
    if settings.reminders.worker {
        proposal_desk::reminders::spawn_worker(
            state.db.clone(),
            state.settings.clone(),
            state.office.clone(),
            state.clock.clone(),
        )?;
    }
    if settings.mail.worker {
        proposal_desk::mail::spawn_worker(state.db.clone(), settings.mail.clone(), state.clock.clone())?;
    }
    let public_url = settings.server.public_url.clone();
    let announce = move |bound: &[std::net::SocketAddr]| {
        for address in bound {
            println!("提案通 Proposal Desk is listening on http://{address}");
        }
        println!("  public address (server.public_url): {public_url}");
        println!("  API docs: {public_url}/api/docs/");
    };
    actix_web::rt::System::new().block_on(server::serve(state, announce))?;
    Ok(ExitCode::SUCCESS)
}

fn calendar(settings: &Settings, action: CalendarAction) -> anyhow::Result<ExitCode> {
    let office = settings.calendar.office_time()?;
    let provisional = |years: &[i32]| {
        let missing: Vec<String> =
            years.iter().filter(|y| !office.calendar.covers(**y)).map(|y| y.to_string()).collect();
        eprintln!(
            "provisional: no calendar file for {}; counted on plain weekdays (add the year's file to {})",
            missing.join(", "),
            settings.calendar.dir
        );
    };
    use chrono::Datelike;
    match action {
        CalendarAction::AddWorkingDays { date, n } => {
            let r = office.calendar.add_working_days(date, n);
            println!("{}", r.value);
            if r.provisional {
                provisional(&(date.year()..=r.value.year()).collect::<Vec<_>>());
            }
        }
        CalendarAction::WorkingDays { from, to } => {
            let r = office.calendar.working_days_between(from, to);
            println!("{}", r.value);
            if r.provisional {
                provisional(&(from.year().min(to.year())..=from.year().max(to.year())).collect::<Vec<_>>());
            }
        }
        CalendarAction::Check => {
            for year in office.calendar.years() {
                println!(
                    "{}: {} days off, {} weekend days worked (调休); source: {}",
                    year.year,
                    year.holidays.len(),
                    year.working_weekends.len(),
                    year.source
                );
            }
            let next = office.today(SystemClock.now()).year() + 1;
            if !office.calendar.covers(next) {
                println!(
                    "warning: no calendar for {next}: deadlines falling in {next} are provisional, counted on plain weekdays, until {next}.toml is added to {}",
                    settings.calendar.dir
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn bench(settings: Settings, action: BenchAction) -> anyhow::Result<ExitCode> {
    use proposal_desk::bench;
    match action {
        BenchAction::Seed { proposals, sessions, members, drafts, out } => {
            if sessions == 0 || sessions > 10 || members == 0 {
                anyhow::bail!("--sessions must be 1 to 10 and --members at least 1");
            }
            let started = std::time::Instant::now();
            let db = server::open_database(&settings)?;
            let options = bench::SeedOptions {
                proposals,
                sessions,
                members,
                drafts,
                seed: 2026,
                password_cost: settings.auth.password_cost(),
            };
            let seeded = bench::seed(&db, &options, SystemClock.now())?;
            proposal_desk::db::backend_specific::analyze(&mut *db.get()?)?;
            std::fs::create_dir_all(&out)?;
            for (name, ids) in [
                ("published_ids.txt", &seeded.published_ids),
                ("draft_ids.txt", &seeded.draft_ids),
                ("sessions.txt", &seeded.session_ids),
                ("terms.txt", &seeded.term_ids),
                ("sectors.txt", &seeded.sector_ids),
                ("units.txt", &seeded.unit_ids),
            ] {
                std::fs::write(out.join(name), ids.join("\n") + "\n")?;
            }
            println!(
                "seeded {proposals} proposals ({} published, {drafts} drafts, {} rows) in {:.1} s; accounts bench-office, bench-writer, bench-login, password {}",
                seeded.published_ids.len(),
                seeded.rows,
                started.elapsed().as_secs_f64(),
                bench::BENCH_PASSWORD
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchAction::ImportFile { rows, out } => {
            let db = server::open_database(&settings)?;
            std::fs::write(&out, bench::import_file::write(&db, rows)?)?;
            println!("wrote {rows} rows to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        BenchAction::Due { assignments } => {
            let db = server::open_database(&settings)?;
            let office = settings.calendar.office_time()?;
            let r = bench::due::run(&db, &settings, &office, assignments, SystemClock.now())?;
            let mut sorted = r.search_ms.clone();
            sorted.sort_by(f64::total_cmp);
            println!(
                "deadlines={} open={} due_now={} seed_seconds={:.1} search_ms_median={:.1} search_ms_max={:.1}",
                r.deadlines,
                r.open,
                r.due_now,
                r.seed_seconds,
                sorted[sorted.len() / 2],
                sorted[sorted.len() - 1]
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchAction::Mail { messages } => {
            let db = server::open_database(&settings)?;
            let clock: proposal_desk::clock::SharedClock = Arc::new(SystemClock);
            let r = bench::mail::run(&db, &settings, &clock, messages, SystemClock.now())?;
            println!(
                "messages={} sent={} seconds={:.2} emails_per_second={:.0}",
                r.messages,
                r.sent,
                r.seconds,
                r.sent as f64 / r.seconds
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchAction::Commits { seconds, file } => {
            let rate = bench::commits::commits_per_second(&file, seconds, settings.database.busy_timeout_ms)?;
            println!("commits_per_second={rate:.0}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_logins(settings: &Settings, logins: &[demo::DemoLogin]) {
    println!(
        "demo data added. Open {}/ in a browser and sign in with any of these (password: {}):",
        settings.server.public_url,
        demo::DEMO_PASSWORD
    );
    for login in logins.iter().filter(|l| !l.username.ends_with("-staff") && !l.username.ends_with("-head")).take(8) {
        println!("  {:<12} {:<10} {}", login.username, login.role.as_str(), login.who);
    }
    for login in logins.iter().filter(|l| l.username.starts_with("fgw-") || l.username.starts_with("jyj-")) {
        println!("  {:<12} {:<10} {}", login.username, login.role.as_str(), login.who);
    }
    println!("  ... and {} more (every unit has CODE-staff and CODE-head)", logins.len().saturating_sub(12));
}

/// `proposal-desk import`: the dry run's report, then (unless --dry-run) the import with a progress bar.
fn import(
    settings: &Settings,
    file: &std::path::Path,
    dry_run: bool,
    by: &str,
    encoding: Option<&str>,
) -> anyhow::Result<ExitCode> {
    use proposal_desk::import::{self, Encoding, Importer};
    let encoding = match encoding {
        None => None,
        Some(e) => Some(Encoding::parse(e).ok_or_else(|| anyhow::anyhow!("--encoding must be utf-8 or gbk"))?),
    };
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let sheet = import::file::read(&bytes, encoding).map_err(describe)?;
    let db = server::open_database(settings)?;
    let office = settings.calendar.office_time()?;
    let now = SystemClock.now();
    let (workflow, name) = (settings.workflow.clone(), file.display().to_string());
    let mut conn = db.get().map_err(describe)?;
    let (user_id, actor) = import::office_account(&mut conn, by).map_err(describe)?;
    let plan = import::dry_run(&mut conn, &sheet, &workflow, &office, now).map_err(describe)?;
    drop(conn);
    println!(
        "{}: {} rows ({}): {} to add, {} imported before, {} imported before but changed since (left as they are), {} bad",
        name,
        plan.rows,
        plan.format,
        plan.to_add(),
        plan.unchanged.len(),
        plan.changed.len(),
        plan.bad_rows()
    );
    for line in &plan.changed {
        println!("  row {line}: imported before; the file now says something else, left as it is");
    }
    for p in &plan.problems {
        println!("  row {} [{}]: {}", p.line, p.column, p.reason);
    }
    if !plan.problems.is_empty() {
        eprintln!("nothing imported: correct the rows above and run again");
        return Ok(ExitCode::FAILURE);
    }
    if dry_run {
        println!("dry run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    let bar = indicatif::ProgressBar::new(plan.to_add() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let origin = Origin::default();
    let imported = db.write_blocking(|conn| {
        let by = Importer { user_id: &user_id, actor: &actor, origin: &origin, office: &office, now, file_name: &name };
        import::import(conn, &by, &sheet, &workflow, &mut |done, _| bar.set_position(done as u64))
    });
    bar.finish_and_clear();
    let imported = imported.map_err(describe)?;
    println!(
        "imported {} proposals ({} imported before, left as they are)",
        imported.added,
        imported.unchanged + imported.changed
    );
    Ok(ExitCode::SUCCESS)
}

/// An AppError as one line for the terminal: the detail, the fields at fault.
fn describe(e: proposal_desk::error::AppError) -> anyhow::Error {
    if e.kind == proposal_desk::error::ErrorKind::NotFound {
        return anyhow::anyhow!("no such account");
    }
    let fields: Vec<String> = e.fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
    let mut message = e.kind.titles().1.to_string();
    if let Some(d) = &e.detail {
        message.push_str(&format!(": {d}"));
    }
    if !fields.is_empty() {
        message.push_str(&format!(" ({})", fields.join("; ")));
    }
    anyhow::anyhow!(message)
}
