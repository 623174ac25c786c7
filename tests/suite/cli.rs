//! The command line, run as a user would: the real binary, a real database.

use crate::common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Backend, TestDatabase};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_proposal-desk"))
}

fn run(db: &TestDatabase, args: &[&str], stdin: Option<&str>) -> Output {
    let data = std::env::temp_dir().join(format!("pd-cli-{}", uuid::Uuid::new_v4()));
    let mut child = binary()
        .args(args)
        .env("PD__DATABASE__URL", &db.url)
        .env("PD__DATA__DIR", &data)
        .env("PD__AUTH__JWT_SECRET", common::JWT_SECRET)
        .env("PD__LOG__LEVEL", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    let output = child.wait_with_output().expect("wait");
    let _ = std::fs::remove_dir_all(data);
    output
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "disable", "--help"],
        vec!["user", "enable", "--help"],
        vec!["user", "reset-password", "--help"],
        vec!["calendar", "--help"],
        vec!["calendar", "add-working-days", "--help"],
        vec!["calendar", "working-days", "--help"],
        vec!["calendar", "check", "--help"],
        vec!["reminders", "send", "--help"],
        vec!["mail", "send-pending", "--help"],
        vec!["audit", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["import", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
    ] {
        let out = binary().args(&args).output().expect("run");
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert!(text(&out).contains("Usage"), "{args:?}: {}", text(&out));
    }
}

fn account_lifecycle(backend: Backend) {
    let Some(db) = TestDatabase::create(backend, "cli_account_lifecycle") else { return };
    let out = run(&db, &["migrate"], None);
    assert!(out.status.success(), "{}", text(&out));

    let out = run(&db, &["demo"], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("admin") && text(&out).contains(proposal_desk::demo::DEMO_PASSWORD), "{}", text(&out));
    let again = run(&db, &["demo"], None);
    assert!(text(&again).contains("already has accounts"), "{}", text(&again));

    let out = run(
        &db,
        &["user", "add", "--username", "Zhou.Li", "--name", "周丽", "--role", "member", "--sector", "jy"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("temporary password"), "{}", text(&out));

    let out = run(
        &db,
        &[
            "user",
            "add",
            "--username",
            "wu.gang",
            "--name",
            "吴刚",
            "--role",
            "unit_staff",
            "--unit",
            "jyj",
            "--password-stdin",
        ],
        Some("osmanthus moon cake\n"),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("temporary password"));

    let weak = run(
        &db,
        &["user", "add", "--username", "weak", "--name", "弱", "--role", "office", "--password-stdin"],
        Some("12345678\n"),
    );
    assert!(!weak.status.success());
    assert!(text(&weak).contains("常见"), "{}", text(&weak));

    for (args, field) in [
        (vec!["--username", "bad user!", "--name", "某", "--role", "office"], "username"),
        (vec!["--username", "empty.name", "--name", " ", "--role", "office"], "display_name"),
        (
            vec!["--username", "crlf.mail", "--name", "某", "--role", "office", "--email", "a@b.cn\r\nBcc: x@y.cn"],
            "email",
        ),
    ] {
        let out = run(&db, &[&["user", "add"][..], &args[..]].concat(), None);
        assert!(!out.status.success() && text(&out).contains(field), "{args:?}: {}", text(&out));
    }

    let dup = run(
        &db,
        &["user", "add", "--username", "zhou.li", "--name", "周丽", "--role", "member", "--sector", "jy"],
        None,
    );
    assert!(!dup.status.success() && text(&dup).contains("Already exists"), "{}", text(&dup));
    let bad_role = run(&db, &["user", "add", "--username", "x.y", "--name", "某", "--role", "root"], None);
    assert!(!bad_role.status.success() && text(&bad_role).contains("--role"), "{}", text(&bad_role));
    let no_sector = run(&db, &["user", "add", "--username", "x.y", "--name", "某", "--role", "member"], None);
    assert!(!no_sector.status.success() && text(&no_sector).contains("sector_id"), "{}", text(&no_sector));

    assert!(run(&db, &["user", "disable", "zhou.li"], None).status.success());
    assert!(run(&db, &["user", "enable", "zhou.li"], None).status.success());
    let reset = run(&db, &["user", "reset-password", "wu.gang"], None);
    assert!(reset.status.success() && text(&reset).contains("temporary password"), "{}", text(&reset));
    let missing = run(&db, &["user", "disable", "no.such.user"], None);
    assert!(!missing.status.success() && text(&missing).contains("no such account"), "{}", text(&missing));

    let verify = run(&db, &["audit", "verify"], None);
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(text(&verify).contains("audit trail intact"), "{}", text(&verify));

    // Every CLI change was audited as "cli".
    let settings = common::test_settings(&db.url);
    let mut conn =
        proposal_desk::db::DatabaseUrl::parse(&settings.database.url).expect("url").establish(1000).expect("conn");
    use diesel::prelude::*;
    use proposal_desk::db::schema::audit_events::dsl::*;
    let cli_actions: Vec<String> =
        audit_events.filter(actor_name.eq("cli")).order(seq.asc()).select(action).load(&mut conn).expect("events");
    assert_eq!(cli_actions, ["user.create", "user.create", "user.disable", "user.enable", "user.reset_password"]);

    // A tampered trail makes `audit verify` fail and name the event.
    match backend {
        Backend::Sqlite => {
            diesel::sql_query("DROP TRIGGER audit_events_no_update").execute(&mut conn).expect("drop");
        }
        Backend::Postgres => {
            diesel::sql_query("DROP TRIGGER audit_events_no_update ON audit_events").execute(&mut conn).expect("drop");
        }
    }
    diesel::sql_query("UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = 3")
        .execute(&mut conn)
        .expect("tamper");
    let verify = run(&db, &["audit", "verify"], None);
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify));
    assert!(text(&verify).contains("BROKEN") && text(&verify).contains("event 3"), "{}", text(&verify));
}

#[test]
fn accounts_are_managed_and_the_trail_verified_from_the_command_line_on_sqlite() {
    account_lifecycle(Backend::Sqlite);
}

#[test]
fn accounts_are_managed_and_the_trail_verified_from_the_command_line_on_postgres() {
    account_lifecycle(Backend::Postgres);
}

/// 历史数据导入 from the command line: a dry run that lists the bad row and
/// exits 1, the import, and the same file again importing nothing.
fn import_from_the_command_line(backend: Backend) {
    let Some(db) = TestDatabase::create(backend, "cli_import") else { return };
    assert!(run(&db, &["demo"], None).status.success());
    let dir = std::env::temp_dir().join(format!("pd-cli-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("folder");
    let header = "会议,案号,标题,提案人,类别,提交日期,状态,主办单位,答复日期,答复类别";
    let good =
        "一届一次会议,901,关于延长社区图书馆开放时间的建议,王芳,文化旅游,2026-01-08,已办结,区教育局,2026-04-02,A";
    let bad = "一届一次会议,902,关于增设公交站台的建议,查无此人,城乡建设,2026-01-08,已办结,区教育局,2026-04-02,A";
    let (with_bad, only_good) = (dir.join("bad.csv"), dir.join("good.csv"));
    std::fs::write(&with_bad, format!("{header}\n{good}\n{bad}\n")).expect("file");
    std::fs::write(&only_good, format!("{header}\n{good}\n")).expect("file");
    let path = |p: &std::path::Path| p.to_string_lossy().to_string();

    let out = run(&db, &["import", &path(&with_bad), "--by", "office"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("row 3 [提案人]: 找不到委员「查无此人」"), "{}", text(&out));
    assert!(text(&out).contains("nothing imported"), "{}", text(&out));
    let out = run(&db, &["import", &path(&only_good), "--by", "office", "--dry-run"], None);
    assert!(
        out.status.success() && text(&out).contains("1 to add") && text(&out).contains("dry run"),
        "{}",
        text(&out)
    );
    let out = run(&db, &["import", &path(&only_good), "--by", "office"], None);
    assert!(text(&out).contains("imported 1 proposals"), "{}", text(&out));
    let out = run(&db, &["import", &path(&only_good), "--by", "office"], None);
    assert!(text(&out).contains("imported 0 proposals (1 imported before"), "{}", text(&out));
    let out = run(&db, &["import", &path(&only_good), "--by", "wangfang"], None);
    assert!(!out.status.success(), "only an office account imports: {}", text(&out));
    let out = run(&db, &["audit", "verify"], None);
    assert!(out.status.success(), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn past_proposals_are_imported_from_the_command_line_on_sqlite() {
    import_from_the_command_line(Backend::Sqlite);
}

#[test]
fn past_proposals_are_imported_from_the_command_line_on_postgres() {
    import_from_the_command_line(Backend::Postgres);
}

#[test]
fn a_wrong_setting_stops_start_up_and_is_named() {
    let db = TestDatabase::create(Backend::Sqlite, "cli_settings").expect("sqlite");
    let out = binary()
        .args(["migrate"])
        .env("PD__DATABASE__URL", &db.url)
        .env("PD__SERVER__PORTT", "1")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("portt"), "{}", text(&out));

    let out = binary().args(["migrate"]).env("PD__DATABASE__URL", "mysql://localhost/pd").output().expect("run");
    assert!(!out.status.success());
    assert!(text(&out).contains("database.url") && text(&out).contains("mysql"), "{}", text(&out));

    let file = std::env::temp_dir().join(format!("pd-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(&file, "[auth]\naccess_token_minute = 5\n").expect("write");
    let out = binary()
        .args(["--config", file.to_str().expect("path"), "migrate"])
        .env("PD__DATABASE__URL", &db.url)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("access_token_minute"), "{}", text(&out));
    let _ = std::fs::remove_file(file);
}

#[test]
fn postgres_without_a_configured_secret_refuses_to_serve() {
    let Some(db) = TestDatabase::create(Backend::Postgres, "cli_secret") else { return };
    let out = binary()
        .args(["serve"])
        .env("PD__DATABASE__URL", &db.url)
        .env("PD__SERVER__BIND", "127.0.0.1:0")
        .env_remove("PD__AUTH__JWT_SECRET")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out).contains("auth.jwt_secret"), "{}", text(&out));
}
