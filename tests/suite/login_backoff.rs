//! Failed logins slow an account down and never shut its owner out: an attack
//! from one address does not stop the owner's correct password from their
//! usual one, a correct password after failures waits seconds, not a quarter
//! of an hour, and an attacker gets a bounded number of guesses.
//!
//! The harness's peer (192.0.2.10) is made a trusted proxy, so that each
//! request can say which client address it comes from in X-Forwarded-For.

use crate::common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use chrono::Duration;
use common::{Backend, PASSWORD, Reply, TestApp};
use proposal_desk::config::Settings;
use proposal_desk::domain::Role;
use serde_json::json;

/// Like `both_backends!`, with the harness's peer as a trusted proxy.
macro_rules! both_backends_behind_a_proxy {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                if let Some(app) = super::start(super::Backend::Sqlite, stringify!($name)).await {
                    super::$name(app).await;
                }
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = super::start(super::Backend::Postgres, stringify!($name)).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

both_backends_behind_a_proxy!(
    an_attack_from_elsewhere_does_not_stop_the_owner_at_their_usual_address,
    a_correct_password_after_failures_from_the_same_address_waits_seconds_not_minutes,
    an_attacker_gets_29_guesses_per_account_in_the_first_hour_and_12_an_hour_after,
    a_busy_shared_address_does_not_stop_those_who_signed_in_from_it,
);

async fn start(backend: Backend, name: &str) -> Option<TestApp> {
    TestApp::start_with(backend, name, |s: &mut Settings| s.server.trusted_proxies = vec!["192.0.2.10".into()]).await
}

const OWNER_HOME: &str = "198.51.100.20";
const ATTACKER: &str = "203.0.113.66";
const WRONG: &str = "not the password";

async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> Reply {
    app.call(
        TestRequest::post()
            .uri("/api/auth/login")
            .insert_header(("x-forwarded-for", address))
            .set_json(json!({"username": username, "password": password})),
    )
    .await
}

fn retry_after(reply: &Reply) -> i64 {
    reply.assert_problem(429, "too-many-requests");
    reply
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a 429 says when to come back: {:?}", reply.headers))
}

/// An account that has signed in once from `address`, as its owner does every day.
async fn owner_at(app: &TestApp, username: &str, address: &str) {
    app.account(username, Role::Member);
    login_from(app, address, username, PASSWORD).await.assert_ok();
}

/// Wrong passwords for `username`, each from the next of `addresses`, sent as
/// fast as the service lets them through (the clock moves on by Retry-After).
/// Returns how many reached the password check.
async fn guess(app: &TestApp, username: &str, addresses: &[String], guesses: usize) -> usize {
    let mut checked = 0;
    let mut i = 0;
    while checked < guesses {
        let reply = login_from(app, &addresses[i % addresses.len()], username, WRONG).await;
        i += 1;
        if reply.status.as_u16() == 429 {
            app.clock.advance(Duration::seconds(retry_after(&reply)));
        } else {
            reply.assert_problem(401, "unauthorized");
            checked += 1;
        }
    }
    checked
}

fn addresses(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}.{}", i + 1)).collect()
}

async fn an_attack_from_elsewhere_does_not_stop_the_owner_at_their_usual_address(app: TestApp) {
    owner_at(&app, "wangfang", OWNER_HOME).await;
    // Someone hammers the account from their own address, far past every free failure:
    // the per-pair and the per-account counters are both in their delays now.
    guess(&app, "wangfang", &[ATTACKER.to_string()], 20).await;
    let attacker = login_from(&app, ATTACKER, "wangfang", PASSWORD).await;
    assert!(retry_after(&attacker) > 1, "the attacker's address waits, even with the right password");
    // The owner, at the address they signed in from, gets in at once.
    login_from(&app, OWNER_HOME, "wangfang", PASSWORD).await.assert_ok();
    // So does the owner when the attack comes from many addresses at once.
    guess(&app, "wangfang", &addresses("203.0.113", 30), 15).await;
    login_from(&app, OWNER_HOME, "wangfang", PASSWORD).await.assert_ok();
    // From an address the account never signed in from, the account's own
    // counter applies: slowed, but told when to come back.
    let travelling = login_from(&app, "192.0.2.200", "wangfang", PASSWORD).await;
    let wait = retry_after(&travelling);
    assert!(wait <= app.state.settings.auth.login_delay_max_seconds, "{wait}");
    app.clock.advance(Duration::seconds(wait));
    login_from(&app, "192.0.2.200", "wangfang", PASSWORD).await.assert_ok();
}

async fn a_correct_password_after_failures_from_the_same_address_waits_seconds_not_minutes(app: TestApp) {
    owner_at(&app, "lijun", OWNER_HOME).await;
    let free = app.state.settings.auth.failed_logins_before_delay_per_pair;
    for _ in 0..free {
        login_from(&app, OWNER_HOME, "lijun", WRONG).await.assert_problem(401, "unauthorized");
    }
    // Too early: refused, and told to come back in a second, not in 15 minutes.
    let early = login_from(&app, OWNER_HOME, "lijun", PASSWORD).await;
    assert_eq!(retry_after(&early), app.state.settings.auth.login_delay_first_seconds);
    // Coming back early again does not make the wait longer.
    assert_eq!(retry_after(&login_from(&app, OWNER_HOME, "lijun", PASSWORD).await), 1);
    app.clock.advance(Duration::seconds(1));
    login_from(&app, OWNER_HOME, "lijun", PASSWORD).await.assert_ok();

    // The success started the pair afresh; more failures double the wait each time.
    let mut waits = Vec::new();
    for _ in 0..free + 4 {
        let reply = login_from(&app, OWNER_HOME, "lijun", WRONG).await;
        if reply.status.as_u16() == 429 {
            let wait = retry_after(&reply);
            waits.push(wait);
            app.clock.advance(Duration::seconds(wait));
            login_from(&app, OWNER_HOME, "lijun", WRONG).await.assert_problem(401, "unauthorized");
        }
    }
    assert_eq!(waits, vec![1, 2, 4, 8], "a growing delay");
    // However many failures, the wait is bounded by the cap.
    for _ in 0..12 {
        let reply = login_from(&app, OWNER_HOME, "lijun", WRONG).await;
        let wait = retry_after(&reply);
        assert!(wait <= app.state.settings.auth.login_delay_max_seconds, "{wait}");
        app.clock.advance(Duration::seconds(wait));
        login_from(&app, OWNER_HOME, "lijun", WRONG).await.assert_problem(401, "unauthorized");
    }
    let capped = retry_after(&login_from(&app, OWNER_HOME, "lijun", PASSWORD).await);
    assert_eq!(capped, app.state.settings.auth.login_delay_max_seconds);
    app.clock.advance(Duration::seconds(capped));
    login_from(&app, OWNER_HOME, "lijun", PASSWORD).await.assert_ok();
}

/// The bound docs/operations.md states, from the default settings: an
/// attacker who uses a fresh address for every guess and comes back the
/// moment each wait ends.
async fn an_attacker_gets_29_guesses_per_account_in_the_first_hour_and_12_an_hour_after(app: TestApp) {
    owner_at(&app, "zhaolei", OWNER_HOME).await;
    let start = app.clock_now();
    let mut per_hour = [0usize; 2];
    let mut i = 0;
    loop {
        let hour = ((app.clock_now() - start).num_seconds() / 3600) as usize;
        if hour >= per_hour.len() {
            break;
        }
        let address = format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256);
        i += 1;
        let reply = login_from(&app, &address, "zhaolei", WRONG).await;
        if reply.status.as_u16() == 429 {
            app.clock.advance(Duration::seconds(retry_after(&reply)));
        } else {
            reply.assert_problem(401, "unauthorized");
            per_hour[hour] += 1;
        }
    }
    assert_eq!(per_hour, [29, 12], "guesses that reached the password check, per hour");
    // All the while the owner got in from home.
    login_from(&app, OWNER_HOME, "zhaolei", PASSWORD).await.assert_ok();
}

async fn a_busy_shared_address_does_not_stop_those_who_signed_in_from_it(app: TestApp) {
    // An office behind one NAT address: a colleague signed in from it before.
    let office = "198.51.100.1";
    owner_at(&app, "colleague", office).await;
    app.account("newcomer", Role::Member);
    // Someone at the same address tries password after password on other names.
    let free = app.state.settings.auth.failed_logins_before_delay_per_address as usize;
    for n in 0..free {
        login_from(&app, office, &format!("guess-{n}"), WRONG).await.assert_problem(401, "unauthorized");
    }
    // The colleague is not held up.
    login_from(&app, office, "colleague", PASSWORD).await.assert_ok();
    // Someone who never signed in from there is slowed by a second, not shut out.
    let newcomer = login_from(&app, office, "newcomer", PASSWORD).await;
    assert_eq!(retry_after(&newcomer), 1);
    app.clock.advance(Duration::seconds(1));
    login_from(&app, office, "newcomer", PASSWORD).await.assert_ok();
}
