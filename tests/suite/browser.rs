//! The pages in a real browser: tests/browser/lives.mjs drives Debian's
//! Chromium (through playwright-core) against the real binary serving the
//! demo data, on each database. Without node, Chromium or the npm packages
//! (`npm ci` in tests/browser) the test says loudly that it was skipped, or
//! fails under PD_TEST_REQUIRE_BROWSER=1 (as in .ci/run).

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, Server, TestDatabase, free_port};

fn ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

/// What the browser tests need, or why they cannot run here.
fn browser_tools() -> Result<(PathBuf, PathBuf), String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = PathBuf::from(std::env::var("PD_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    if !chromium.exists() {
        return Err(format!("no Chromium at {} (apt-get install chromium chromium-driver)", chromium.display()));
    }
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Err("no node on PATH".into());
    }
    for package in ["playwright-core", "axe-core"] {
        if !dir.join("node_modules").join(package).exists() {
            return Err(format!("{package} is not installed (run `npm ci` in tests/browser)"));
        }
    }
    Ok((dir, chromium))
}

fn lives_in_the_browser(backend: Backend) {
    let (dir, chromium) = match browser_tools() {
        Ok(found) => found,
        Err(why) => {
            if std::env::var("PD_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!("the browser tests are required (PD_TEST_REQUIRE_BROWSER=1) but cannot run: {why}");
            }
            eprintln!("\n!!! SKIPPED the browser tests on {backend:?}: {why}. !!!\n");
            return;
        }
    };
    let Some(db) = TestDatabase::create(backend, "browser_lives") else { return };
    let port = free_port();
    let data = std::env::temp_dir().join(format!("pd-browser-{}", uuid::Uuid::new_v4()));
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(std::env::temp_dir().join(format!("pd-browser-{backend:?}.log"))).expect("log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_proposal-desk"));
    command
        .args(["serve", "--demo"])
        .env("PD__DATABASE__URL", &db.url)
        .env("PD__DATA__DIR", &data)
        .env("PD__MAIL__DIR", data.join("mail"))
        .env("PD__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("PD__SERVER__PUBLIC_URL", &base)
        .env("PD__AUTH__JWT_SECRET", common::JWT_SECRET)
        // The public pages are read right after each change the test makes: look for changes every time.
        .env("PD__SERVER__PUBLIC_REFRESH_SECONDS", "0")
        .stdout(Stdio::null())
        .stderr(log);
    let _server = Server(command.spawn().expect("start the service"));
    let started = Instant::now();
    while !ready(port) {
        assert!(started.elapsed() < Duration::from_secs(60), "the service was not ready within a minute");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A relative folder is the project's (node runs in tests/browser).
    let screenshots = std::env::var("PD_SCREENSHOTS_DIR")
        .map(|d| Path::new(env!("CARGO_MANIFEST_DIR")).join(d))
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots").join(format!("{backend:?}").to_lowercase())
        });
    let output = Command::new("node")
        .arg("lives.mjs")
        .current_dir(&dir)
        .env("BASE_URL", &base)
        .env("PASSWORD", proposal_desk::demo::DEMO_PASSWORD)
        .env("SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the browser tests failed on {backend:?}:\n{said}");
    assert!(said.contains("browser lives passed"), "{said}");
    println!("{said}");
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn whole_lives_through_the_pages_in_a_browser_on_sqlite() {
    lives_in_the_browser(Backend::Sqlite);
}

#[test]
fn whole_lives_through_the_pages_in_a_browser_on_postgres() {
    lives_in_the_browser(Backend::Postgres);
}
