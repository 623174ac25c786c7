//! The service as a newcomer starts it: the real binary with demo data,
//! answering on its address, the demo logins working, stopping gracefully.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, Server, TestDatabase, free_port};

/// A minimal HTTP/1.1 exchange over loopback; returns (status, body).
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Some((status, body))
}

fn serve_demo(backend: Backend) {
    let Some(db) = TestDatabase::create(backend, "serve_demo") else { return };
    let port = free_port();
    let data = std::env::temp_dir().join(format!("pd-serve-{}", uuid::Uuid::new_v4()));
    let mut command = Command::new(env!("CARGO_BIN_EXE_proposal-desk"));
    command
        .args(["serve", "--demo"])
        .env("PD__DATABASE__URL", &db.url)
        .env("PD__DATA__DIR", &data)
        .env("PD__MAIL__DIR", data.join("mail"))
        .env("PD__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("PD__SERVER__PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("PD__SERVER__SHUTDOWN_TIMEOUT_SECONDS", "5")
        .env_remove("PD__AUTH__JWT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if backend == Backend::Postgres {
        command.env("PD__AUTH__JWT_SECRET", common::JWT_SECRET);
    }
    let mut server = Server(command.spawn().expect("start"));

    let started = Instant::now();
    loop {
        if let Some((200, _)) = http(port, "GET", "/readyz", None) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "not ready within a minute");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, body) = http(
        port,
        "POST",
        "/api/auth/login",
        Some(&format!(r#"{{"username":"admin","password":"{}"}}"#, proposal_desk::demo::DEMO_PASSWORD)),
    )
    .expect("login");
    assert_eq!(status, 200, "{body}");
    let token: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(token["access_token"].as_str().is_some_and(|t| t.len() > 100));
    for user in ["office", "leader", "wangfang", "fgw-staff", "fgw-head"] {
        let (status, body) = http(
            port,
            "POST",
            "/api/auth/login",
            Some(&format!(r#"{{"username":"{user}","password":"{}"}}"#, proposal_desk::demo::DEMO_PASSWORD)),
        )
        .expect("login");
        assert_eq!(status, 200, "{user}: {body}");
    }

    // SIGTERM: the server stops by itself, cleanly.
    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let stopped = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status:?}");
            break;
        }
        assert!(stopped.elapsed() < Duration::from_secs(15), "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = String::new();
    if let Some(mut stdout) = server.0.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    assert!(
        out.contains(&format!("http://127.0.0.1:{port}"))
            && out.contains("admin")
            && out.contains(proposal_desk::demo::DEMO_PASSWORD),
        "{out}"
    );
    if backend == Backend::Sqlite {
        let secret = data.join("jwt-secret");
        assert!(secret.exists(), "the embedded default keeps its generated secret in the data folder");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&secret).expect("meta").permissions().mode() & 0o777, 0o600);
            let file = db.url.strip_prefix("sqlite://").expect("sqlite url");
            let mode = std::fs::metadata(file).expect("db file").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the database holds password hashes: owner only");
        }
    }
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn the_demo_service_answers_and_stops_gracefully_on_sqlite() {
    serve_demo(Backend::Sqlite);
}

#[test]
fn the_demo_service_answers_and_stops_gracefully_on_postgres() {
    serve_demo(Backend::Postgres);
}
