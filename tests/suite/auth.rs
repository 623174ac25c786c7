//! Signing in, renewing, signing out, changing passwords, disabling accounts.

use crate::common;

use actix_web::http::Method;
use chrono::Duration;
use common::{PASSWORD, TestApp, app_password_cost};
use proposal_desk::domain::Role;
use serde_json::json;

both_backends!(
    login_gives_tokens_that_identify_the_account,
    unknown_user_and_wrong_password_get_the_same_answer,
    renewal_rotates_and_a_reused_refresh_token_ends_the_login,
    logout_revokes_access_and_refresh_at_once,
    password_change_revokes_every_older_token,
    disabling_an_account_ends_its_logins_and_blocks_sign_in,
    failed_logins_are_limited_per_account,
    failed_logins_are_limited_per_client_address,
    failed_logins_sent_all_at_once_are_limited_too,
    access_tokens_expire_and_renewal_still_works,
    a_reset_password_must_be_changed_before_anything_else,
    a_password_hashed_at_another_cost_is_hashed_again_at_sign_in,
);

async fn login_gives_tokens_that_identify_the_account(app: TestApp) {
    let member = app.user(Role::Member).await;
    let me = app.get("/api/auth/me", &member.token).await;
    me.assert_ok();
    assert_eq!(me.str("username"), member.username);
    assert_eq!(me.str("role"), "member");
    assert_eq!(me.str("role_label"), "政协委员");
    // Account names are not case-sensitive at sign-in.
    app.login(&member.username.to_uppercase(), PASSWORD).await.assert_ok();
}

async fn unknown_user_and_wrong_password_get_the_same_answer(app: TestApp) {
    // At the application's own cost, in the stored hash as in the dummy one:
    // the times below compare the two.
    let app = app.another_instance(at_app_cost).await;
    let member = app.user_at_app_cost(Role::Member).await;
    let wrong = app.login(&member.username, "not the password").await;
    let unknown = app.login("nobody-here", "not the password").await;
    wrong.assert_problem(401, "unauthorized");
    unknown.assert_problem(401, "unauthorized");
    assert_eq!(wrong.text, unknown.text, "the answers must not tell the two apart");

    // Nor may the time: an unknown account is checked against a dummy hash.
    let time = |name: String| {
        let app = &app;
        async move {
            let start = std::time::Instant::now();
            app.login(&name, "not the password").await;
            start.elapsed()
        }
    };
    let mut wrong_times = Vec::new();
    let mut unknown_times = Vec::new();
    for i in 0..3 {
        wrong_times.push(time(member.username.clone()).await);
        unknown_times.push(time(format!("nobody-{i}")).await);
    }
    wrong_times.sort();
    unknown_times.sort();
    let (wrong, unknown) = (wrong_times[1].as_secs_f64(), unknown_times[1].as_secs_f64());
    // Wide bounds for a noisy 2-core machine running tests in parallel: without the
    // dummy hash an unknown user answers some 30 times faster, far outside them.
    assert!(
        unknown > wrong * 0.3 && unknown < wrong * 3.0,
        "median wrong password {wrong:.4}s vs unknown user {unknown:.4}s"
    );
}

fn at_app_cost(settings: &mut proposal_desk::config::Settings) {
    let cost = app_password_cost();
    settings.auth.password_hash_memory_kib = cost.memory_kib;
    settings.auth.password_hash_passes = cost.passes;
}

async fn a_password_hashed_at_another_cost_is_hashed_again_at_sign_in(app: TestApp) {
    // The tests' accounts are hashed at argon2's lowest cost; this instance
    // is configured with the application's own.
    let member = app.user(Role::Member).await;
    let app = app.another_instance(at_app_cost).await;
    let stored = || {
        app.with_conn(|conn| {
            use diesel::prelude::*;
            use proposal_desk::db::schema::users;
            users::table.find(&member.id).select(users::password_hash).first::<String>(conn).expect("the hash")
        })
    };
    let configured = format!(
        "$argon2id$v=19$m={},t={},p=1$",
        app.state.settings.auth.password_hash_memory_kib, app.state.settings.auth.password_hash_passes
    );
    let before = stored();
    assert!(!before.starts_with(&configured), "{before}");

    // A wrong password changes nothing.
    app.login(&member.username, "not the password").await.assert_problem(401, "unauthorized");
    assert_eq!(stored(), before);

    app.login(&member.username, PASSWORD).await.assert_ok();
    let after = stored();
    assert!(after.starts_with(&configured), "hashed again at the configured cost: {after}");
    // The new hash is of the same password.
    app.login(&member.username, PASSWORD).await.assert_ok();
    assert_eq!(stored(), after, "a hash at the configured cost is kept");
    app.login(&member.username, "not the password").await.assert_problem(401, "unauthorized");
}

async fn renewal_rotates_and_a_reused_refresh_token_ends_the_login(app: TestApp) {
    let member = app.user(Role::Member).await;
    let renewed =
        app.send(Method::POST, "/api/auth/refresh", None, Some(json!({"refresh_token": member.refresh}))).await;
    renewed.assert_ok();
    let new_access = renewed.str("access_token");
    let new_refresh = renewed.str("refresh_token");
    assert_ne!(new_refresh, member.refresh);
    app.get("/api/auth/me", &new_access).await.assert_ok();

    // The old refresh token was rotated away: using it again means a copy is loose.
    let replay =
        app.send(Method::POST, "/api/auth/refresh", None, Some(json!({"refresh_token": member.refresh}))).await;
    replay.assert_problem(401, "unauthorized");
    // ...and that ends the whole login, including the newest tokens.
    app.get("/api/auth/me", &new_access).await.assert_problem(401, "unauthorized");
    let again = app.send(Method::POST, "/api/auth/refresh", None, Some(json!({"refresh_token": new_refresh}))).await;
    again.assert_problem(401, "unauthorized");
}

async fn logout_revokes_access_and_refresh_at_once(app: TestApp) {
    let member = app.user(Role::Member).await;
    let other_login = app.login(&member.username, PASSWORD).await;
    let out = app.send(Method::POST, "/api/auth/logout", Some(&member.token), None).await;
    assert_eq!(out.status.as_u16(), 204, "{}", out.text);
    app.get("/api/auth/me", &member.token).await.assert_problem(401, "unauthorized");
    let renew = app.send(Method::POST, "/api/auth/refresh", None, Some(json!({"refresh_token": member.refresh}))).await;
    renew.assert_problem(401, "unauthorized");
    // Another login of the same account (another device) is not affected.
    app.get("/api/auth/me", &other_login.str("access_token")).await.assert_ok();
}

async fn password_change_revokes_every_older_token(app: TestApp) {
    let member = app.user(Role::Member).await;
    let other_device = app.login(&member.username, PASSWORD).await;
    let wrong = app
        .post(
            "/api/auth/password",
            &member.token,
            json!({"current_password": "guess guess", "new_password": "a brand new secret"}),
        )
        .await;
    wrong.assert_problem(422, "validation");
    assert_eq!(wrong.body["errors"][0]["field"], "current_password");
    let last = app.audit_actions_after(app.last_audit_seq() - 1);
    assert_eq!(last[0].0, "user.change_password_failed", "a failed attempt is audited too");
    let common = app
        .post("/api/auth/password", &member.token, json!({"current_password": PASSWORD, "new_password": "12345678"}))
        .await;
    common.assert_problem(422, "validation");
    assert_eq!(common.body["errors"][0]["code"], "too_common");

    let changed = app
        .post(
            "/api/auth/password",
            &member.token,
            json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
        )
        .await;
    changed.assert_ok();
    app.get("/api/auth/me", &member.token).await.assert_problem(401, "unauthorized");
    app.get("/api/auth/me", &other_device.str("access_token")).await.assert_problem(401, "unauthorized");
    let renew = app.send(Method::POST, "/api/auth/refresh", None, Some(json!({"refresh_token": member.refresh}))).await;
    renew.assert_problem(401, "unauthorized");
    app.get("/api/auth/me", &changed.str("access_token")).await.assert_ok();
    app.login(&member.username, PASSWORD).await.assert_problem(401, "unauthorized");
    app.login(&member.username, "a brand new secret").await.assert_ok();
}

async fn disabling_an_account_ends_its_logins_and_blocks_sign_in(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let member = app.user(Role::Member).await;
    app.post(&format!("/api/admin/users/{}/disable", member.id), &admin.token, json!({})).await.assert_ok();
    app.get("/api/auth/me", &member.token).await.assert_problem(401, "unauthorized");
    let renew = app.send(Method::POST, "/api/auth/refresh", None, Some(json!({"refresh_token": member.refresh}))).await;
    renew.assert_problem(401, "unauthorized");
    let login = app.login(&member.username, PASSWORD).await;
    login.assert_problem(401, "unauthorized");
    assert_eq!(
        login.text,
        app.login("nobody-here", PASSWORD).await.text,
        "a disabled account looks like a wrong password"
    );

    app.post(&format!("/api/admin/users/{}/enable", member.id), &admin.token, json!({})).await.assert_ok();
    app.login(&member.username, PASSWORD).await.assert_ok();
    // Old tokens stay dead after re-enabling.
    app.get("/api/auth/me", &member.token).await.assert_problem(401, "unauthorized");
}

async fn failed_logins_are_limited_per_account(app: TestApp) {
    let member = app.user(Role::Member).await;
    let limit = app.state.settings.auth.failed_logins_before_delay_per_pair;
    for _ in 0..limit {
        app.login(&member.username, "wrong password").await.assert_problem(401, "unauthorized");
    }
    let blocked = app.login(&member.username, PASSWORD).await;
    blocked.assert_problem(429, "too-many-requests");
    assert!(blocked.headers.get("retry-after").is_some());
    // Unknown accounts are limited the same way: no way to tell which names exist.
    for _ in 0..limit {
        app.login("nobody-here", "wrong password").await;
    }
    app.login("nobody-here", "wrong password").await.assert_problem(429, "too-many-requests");

    app.clock.advance(Duration::minutes(app.state.settings.auth.failed_login_window_minutes + 1));
    app.login(&member.username, PASSWORD).await.assert_ok();
}

async fn failed_logins_are_limited_per_client_address(app: TestApp) {
    let limit = app.state.settings.auth.failed_logins_before_delay_per_address;
    for i in 0..limit {
        app.login(&format!("guess-{i}"), "wrong password").await.assert_problem(401, "unauthorized");
    }
    app.account("late-comer", Role::Member);
    let blocked = app.login("late-comer", PASSWORD).await;
    blocked.assert_problem(429, "too-many-requests");
}

async fn failed_logins_sent_all_at_once_are_limited_too(app: TestApp) {
    let member = app.user(Role::Member).await;
    let limit = app.state.settings.auth.failed_logins_before_delay_per_pair as usize;
    let attempts = (0..20).map(|_| app.login(&member.username, "wrong password"));
    let replies = futures_util::future::join_all(attempts).await;
    let refused = replies.iter().filter(|r| r.status.as_u16() == 429).count();
    let wrong = replies.iter().filter(|r| r.status.as_u16() == 401).count();
    assert_eq!(wrong, limit, "exactly the allowed number of attempts may reach the password check");
    assert_eq!(refused, 20 - limit);
}

async fn access_tokens_expire_and_renewal_still_works(app: TestApp) {
    let member = app.user(Role::Member).await;
    app.clock.advance(Duration::minutes(app.state.settings.auth.access_token_minutes + 1));
    app.get("/api/auth/me", &member.token).await.assert_problem(401, "unauthorized");
    let renewed =
        app.send(Method::POST, "/api/auth/refresh", None, Some(json!({"refresh_token": member.refresh}))).await;
    renewed.assert_ok();
    app.get("/api/auth/me", &renewed.str("access_token")).await.assert_ok();
}

async fn a_reset_password_must_be_changed_before_anything_else(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let other = app.user(Role::Admin).await;
    let reset = app.post(&format!("/api/admin/users/{}/reset-password", other.id), &admin.token, json!({})).await;
    reset.assert_ok();
    let temporary = reset.str("temporary_password");
    app.get("/api/auth/me", &other.token).await.assert_problem(401, "unauthorized");
    let login = app.login(&other.username, &temporary).await;
    login.assert_ok();
    assert_eq!(login.body["must_change_password"], true);
    let token = login.str("access_token");
    app.get("/api/admin/users", &token).await.assert_problem(403, "forbidden");
    let changed = app
        .post("/api/auth/password", &token, json!({"current_password": temporary, "new_password": "my own new phrase"}))
        .await;
    changed.assert_ok();
    assert_eq!(changed.body["must_change_password"], false);
    app.get("/api/admin/users", &changed.str("access_token")).await.assert_ok();
}
