//! What the real binary says and does as it starts: the address it really
//! listens on, and a first start that an earlier crash left half done.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{Backend, Server, TestDatabase};

/// Starts `proposal-desk serve` on port 0 (the system picks one), with
/// `public_url` as the address people are told to use.
fn start(backend: Backend, db: &TestDatabase, data: &Path, public_url: &str) -> (Server, mpsc::Receiver<String>) {
    start_with(backend, db, data, public_url, &[])
}

fn start_with(
    backend: Backend,
    db: &TestDatabase,
    data: &Path,
    public_url: &str,
    flags: &[&str],
) -> (Server, mpsc::Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_proposal-desk"));
    command
        .arg("serve")
        .args(flags)
        .env("PD__DATABASE__URL", &db.url)
        .env("PD__DATA__DIR", data)
        .env("PD__MAIL__DIR", data.join("mail"))
        .env("PD__SERVER__BIND", "127.0.0.1:0")
        .env("PD__SERVER__PUBLIC_URL", public_url)
        .env("PD__SERVER__WORKERS", "1")
        .env_remove("PD__AUTH__JWT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if backend == Backend::Postgres {
        command.env("PD__AUTH__JWT_SECRET", common::JWT_SECRET);
    }
    let mut server = Server(command.spawn().expect("start"));
    let stdout = server.0.stdout.take().expect("stdout");
    (server, lines_of(stdout))
}

fn lines_of(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// The lines printed until one contains `needle` (within a minute).
fn lines_until(lines: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                let found = line.contains(needle);
                seen.push(line);
                if found {
                    return seen;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("no line with {needle:?} within a minute; printed: {seen:?}")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("the service stopped before printing {needle:?}; printed: {seen:?}")
            }
        }
    }
}

fn status_of(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split(' ').nth(1)?.parse().ok()
}

/// The port in the "listening on http://127.0.0.1:PORT" line.
fn listening_port(lines: &[String]) -> u16 {
    let line = lines.iter().find(|l| l.contains("listening on")).expect("a listening line");
    let address = line.rsplit("http://").next().expect("an http:// address");
    let port = address.trim().rsplit(':').next().expect("a port");
    port.parse().unwrap_or_else(|_| panic!("no port in {line:?}"))
}

fn the_start_up_line_names_the_address_really_bound(backend: Backend) {
    let Some(db) = TestDatabase::create(backend, "serve_start_address") else { return };
    let data = std::env::temp_dir().join(format!("pd-start-{}", uuid::Uuid::new_v4()));
    let public_url = "https://desk.example.cn";
    let (_server, lines) = start(backend, &db, &data, public_url);
    let printed = lines_until(&lines, "listening on");
    let port = listening_port(&printed);
    assert_ne!(port, 0, "port 0 asks the system for a port; the line must say which: {printed:?}");
    assert_ne!(port, 8080, "{printed:?}");
    assert!(printed.iter().all(|l| !l.contains("127.0.0.1:8080")), "{printed:?}");
    assert_eq!(status_of(port, "/healthz"), Some(200), "nothing answers on the printed address: {printed:?}");
    // The configured public address is its own line, not passed off as the bound one.
    let public = lines_until(&lines, public_url);
    let line = public.last().expect("a line");
    assert!(!line.contains("listening on"), "{line}");
    let _ = std::fs::remove_dir_all(data);
}

/// A newcomer's first start: `serve --demo` acts out the demo's first
/// assignment, and the mail it causes is in `data/mail` as .eml files within
/// a minute, readable in Chinese.
fn the_demo_writes_its_first_mail_within_a_minute(backend: Backend) {
    let Some(db) = TestDatabase::create(backend, "serve_demo_mail") else { return };
    let data = std::env::temp_dir().join(format!("pd-start-{}", uuid::Uuid::new_v4()));
    let (_server, lines) = start_with(backend, &db, &data, "http://127.0.0.1", &["--demo"]);
    lines_until(&lines, "listening on");
    // The proposer is told of the assignment, and the unit's staff and head of their new work.
    let wanted = ["提案已交办：", "交办通知："];
    let started = std::time::Instant::now();
    let mut subjects: Vec<String> = Vec::new();
    while started.elapsed() < Duration::from_secs(60) {
        subjects.clear();
        for path in std::fs::read_dir(data.join("mail")).into_iter().flatten().filter_map(Result::ok).map(|e| e.path())
        {
            if path.extension().is_none_or(|x| x != "eml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("an .eml file");
            let id = path.file_stem().and_then(|s| s.to_str()).expect("a name").to_string();
            assert_eq!(common::smtp_sink::header(&text, "Message-ID"), Some(format!("<{id}@proposal-desk.invalid>")));
            subjects.push(common::smtp_sink::header(&text, "Subject").expect("a subject"));
        }
        if wanted.iter().all(|w| subjects.iter().any(|s| s.starts_with(w))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    for w in wanted {
        assert!(subjects.iter().any(|s| s.starts_with(w)), "no {w} mail within a minute: {subjects:?}");
    }
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn the_demo_writes_its_first_mail_within_a_minute_on_sqlite() {
    the_demo_writes_its_first_mail_within_a_minute(Backend::Sqlite);
}

#[test]
fn the_demo_writes_its_first_mail_within_a_minute_on_postgres() {
    the_demo_writes_its_first_mail_within_a_minute(Backend::Postgres);
}

#[test]
fn the_start_up_line_names_the_address_really_bound_on_sqlite() {
    the_start_up_line_names_the_address_really_bound(Backend::Sqlite);
}

#[test]
fn the_start_up_line_names_the_address_really_bound_on_postgres() {
    the_start_up_line_names_the_address_really_bound(Backend::Postgres);
}

/// An older version killed during its very first start left `jwt-secret`
/// empty; a kill during the new atomic write leaves a temporary file. Either
/// way the next start runs, with a whole secret.
#[test]
fn a_first_start_killed_while_writing_the_secret_does_not_stop_the_next_one() {
    let Some(db) = TestDatabase::create(Backend::Sqlite, "serve_start_secret") else { return };
    let data = std::env::temp_dir().join(format!("pd-start-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(data.join("jwt-secret"), b"").expect("empty secret");
    std::fs::write(data.join(".jwt-secret.4242.0123456789abcdef.tmp"), b"").expect("stray temporary file");
    let (_server, lines) = start(Backend::Sqlite, &db, &data, "http://127.0.0.1");
    let printed = lines_until(&lines, "listening on");
    assert_eq!(status_of(listening_port(&printed), "/readyz"), Some(200), "{printed:?}");
    let secret = std::fs::read_to_string(data.join("jwt-secret")).expect("secret");
    assert!(secret.len() == 96 && secret.chars().all(|c| c.is_ascii_hexdigit()), "{secret:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("jwt-secret")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The mail folder (mail.dir, set inside data by `start`) is the mail sender's, not the secret's.
    let names: Vec<String> = std::fs::read_dir(&data)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|name| name != "mail")
        .collect();
    assert_eq!(names, vec!["jwt-secret".to_string()], "no temporary file is left");
    let _ = std::fs::remove_dir_all(data);
}
