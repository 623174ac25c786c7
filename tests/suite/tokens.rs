//! Forged and stale bearer tokens.
//!
//! A genuine access token opens GET /api/auth/me. Nothing else that arrives as
//! `Authorization: Bearer <token>` may: not a token signed some other way, not
//! a correctly signed token whose claims do not hold, not a token of a login
//! that has ended, and not something that is no token at all. Each one gets the
//! same answer: 401 with the problem type `unauthorized`.
//!
//! Every test is a table of named cases. A failing case is reported by name,
//! together with what the server answered; all cases run before the test fails.

use crate::common;

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use actix_web::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{JWT_SECRET, PASSWORD, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proposal_desk::clock::unix_seconds;
use proposal_desk::domain::Role;
use serde_json::{Value, json};

both_backends!(
    tokens_signed_any_other_way_are_refused,
    tokens_whose_claims_do_not_hold_are_refused,
    tokens_of_ended_logins_are_refused,
    things_that_are_not_tokens_are_refused,
);

// ---------------------------------------------------------------------------
// The specification, one table per kind of bad token.
// ---------------------------------------------------------------------------

/// The header, payload or signature is not what the server itself would write.
async fn tokens_signed_any_other_way_are_refused(app: TestApp) {
    let member = app.user(Role::Member).await;
    let other = app.user(Role::Member).await;
    let genuine = &member.token;
    let claims = payload(genuine);
    let [header, body, signature] = parts(genuine);
    let none_header = json!({"alg": "none", "typ": "JWT"});

    let cases = vec![
        case("alg \"none\" with an empty signature", unsigned(&none_header, &claims, "")),
        case("alg \"none\" keeping the genuine signature", unsigned(&none_header, &claims, signature)),
        case("HS512 signed with the right secret", sign(Algorithm::HS512, &claims, JWT_SECRET)),
        case("HS384 signed with the right secret", sign(Algorithm::HS384, &claims, JWT_SECRET)),
        case("RS256 label on an HMAC signature made with the secret", {
            let header = json!({"alg": "RS256", "typ": "JWT"});
            let message = format!("{}.{}", encode_json(&header), encode_json(&claims));
            let signature = jsonwebtoken::crypto::sign(
                message.as_bytes(),
                &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
                Algorithm::HS256,
            )
            .expect("sign");
            format!("{message}.{signature}")
        }),
        case(
            "HS256 signed with the wrong key",
            sign(Algorithm::HS256, &claims, "not-the-secret-not-the-secret-0123456789"),
        ),
        case("sub changed to another user, original signature kept", {
            let tampered = with(&claims, "sub", json!(other.id));
            format!("{header}.{}.{signature}", encode_json(&tampered))
        }),
        case("signature truncated to half", format!("{header}.{body}.{}", &signature[..signature.len() / 2])),
        case("signature left off", format!("{header}.{body}.")),
        case("signature of a different genuine token", format!("{header}.{body}.{}", parts(&other.token)[2])),
        case("a fourth segment appended", format!("{genuine}.{signature}")),
    ];
    assert_all_refused(&app, genuine, cases).await;
}

/// Signed correctly (HS256, the right secret), but what the claims say must not be believed.
async fn tokens_whose_claims_do_not_hold_are_refused(app: TestApp) {
    let member = app.user(Role::Member).await;
    let other = app.user(Role::Member).await;
    let genuine = &member.token;
    let claims = payload(genuine);
    let now = unix_seconds(app.clock_now());
    let hour = 3600;

    // Re-signing the genuine claims unchanged must work, or every refusal below proves nothing.
    let resigned = hs256(&claims);
    app.get("/api/auth/me", &resigned).await.assert_ok();

    let generation = claims["gen"].as_i64().expect("gen is a number");
    let cases = vec![
        case("expired an hour ago", hs256(&times(&claims, now - 2 * hour, now - 2 * hour, now - hour))),
        case("expired just beyond the 5 s leeway", hs256(&times(&claims, now - hour, now - hour, now - 6))),
        case("exp sent as a string", hs256(&with(&claims, "exp", json!(claims["exp"].to_string())))),
        case("nbf sent as a string", hs256(&with(&claims, "nbf", json!(claims["nbf"].to_string())))),
        case("nbf an hour in the future", hs256(&times(&claims, now, now + hour, now + 2 * hour))),
        case("exp missing", hs256(&without(&claims, "exp"))),
        case("nbf missing", hs256(&without(&claims, "nbf"))),
        case("iss of another issuer", hs256(&with(&claims, "iss", json!("someone-else")))),
        case("aud of another audience", hs256(&with(&claims, "aud", json!("someone-else")))),
        case("refresh token used as an access token", member.refresh.clone()),
        case("typ changed to \"refresh\"", hs256(&with(&claims, "typ", json!("refresh")))),
        case(
            "sid of a login that does not exist",
            hs256(&with(&claims, "sid", json!(uuid::Uuid::new_v4().to_string()))),
        ),
        case("gen one higher than the account's", hs256(&with(&claims, "gen", json!(generation + 1)))),
        case("gen one lower than the account's", hs256(&with(&claims, "gen", json!(generation - 1)))),
        case("sub of another user on this login, re-signed", hs256(&with(&claims, "sub", json!(other.id)))),
        case(
            "sid of another user's login, re-signed",
            hs256(&with(&claims, "sid", payload(&other.token)["sid"].clone())),
        ),
    ];
    assert_all_refused(&app, genuine, cases).await;
}

/// Genuine tokens, but the login they belong to has ended.
async fn tokens_of_ended_logins_are_refused(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let member = app.user(Role::Member).await;
    let genuine = &member.token;

    let changer = app.user(Role::Member).await;
    let changed = app
        .post(
            "/api/auth/password",
            &changer.token,
            json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
        )
        .await;
    changed.assert_ok();
    app.get("/api/auth/me", &changed.str("access_token")).await.assert_ok();

    let disabled = app.user(Role::Member).await;
    app.get("/api/auth/me", &disabled.token).await.assert_ok();
    app.post(&format!("/api/admin/users/{}/disable", disabled.id), &admin.token, json!({})).await.assert_ok();

    let second_login = app.login(&member.username, PASSWORD).await.str("access_token");
    let out = app.send(Method::POST, "/api/auth/logout", Some(&second_login), None).await;
    assert_eq!(out.status.as_u16(), 204, "{}", out.text);

    let cases = vec![
        case("issued before a password change", changer.token.clone()),
        case("refresh token issued before a password change", changer.refresh.clone()),
        case("of a disabled user", disabled.token.clone()),
        case("of a login that was signed out", second_login),
    ];
    assert_all_refused(&app, genuine, cases).await;
}

/// Whatever follows "Bearer " is not a token at all.
async fn things_that_are_not_tokens_are_refused(app: TestApp) {
    let member = app.user(Role::Member).await;
    let genuine = &member.token;
    let [header, body, _] = parts(genuine);

    let cases = vec![
        case("an empty bearer", String::new()),
        case("a single word", "garbage".into()),
        case("words with spaces", "let me in please".into()),
        case("three empty segments", "..".into()),
        case("three short segments", "a.b.c".into()),
        case("segments that are not base64", "!!!.???.***".into()),
        case("base64 that is not JSON", format!("{}.{}.{}", b64(b"hello"), b64(b"world"), b64(b"sig"))),
        case("the header alone", header.to_string()),
        case("the payload alone", body.to_string()),
        case("the genuine token reversed", genuine.chars().rev().collect()),
        case("\"Bearer\" repeated inside the value", format!("Bearer {genuine}")),
    ];
    assert_all_refused(&app, genuine, cases).await;
}

// ---------------------------------------------------------------------------
// The machinery.
// ---------------------------------------------------------------------------

/// A bad token and the name it is reported by.
struct Case {
    name: &'static str,
    token: String,
}

fn case(name: &'static str, token: String) -> Case {
    Case { name, token }
}

/// Sends each case as a bearer token to GET /api/auth/me and requires 401
/// `unauthorized` for every one. The genuine token must work before (so the
/// test cannot pass vacuously) and after (the refusals left the real login alone).
async fn assert_all_refused(app: &TestApp, genuine: &str, cases: Vec<Case>) {
    app.get("/api/auth/me", genuine).await.assert_ok();

    let mut seen = HashSet::new();
    for c in &cases {
        assert_ne!(c.token, genuine, "case {:?} is the genuine token itself", c.name);
        assert!(seen.insert(c.token.as_str()), "case {:?} repeats an earlier token", c.name);
    }

    let mut failures = Vec::new();
    for c in &cases {
        let reply = app.get("/api/auth/me", &c.token).await;
        let verdict = catch_unwind(AssertUnwindSafe(|| reply.assert_problem(401, "unauthorized")));
        if let Err(panic) = verdict {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {why}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases were not refused:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    app.get("/api/auth/me", genuine).await.assert_ok();
}

/// The three dot-separated segments of a token.
fn parts(token: &str) -> [&str; 3] {
    let segments: Vec<&str> = token.split('.').collect();
    segments.try_into().unwrap_or_else(|_| panic!("not a three-part token: {token}"))
}

/// The decoded claims of a token, as JSON.
fn payload(token: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(parts(token)[1]).expect("payload is base64url");
    serde_json::from_slice(&bytes).expect("payload is JSON")
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn encode_json(value: &Value) -> String {
    b64(&serde_json::to_vec(value).expect("JSON"))
}

/// A token put together by hand: any header, any claims, any signature.
fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    format!("{}.{}.{signature}", encode_json(header), encode_json(claims))
}

fn sign(algorithm: Algorithm, claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(&Header::new(algorithm), claims, &EncodingKey::from_secret(secret.as_bytes())).expect("sign")
}

/// Signed exactly as the server signs: HS256 with its secret.
fn hs256(claims: &Value) -> String {
    sign(Algorithm::HS256, claims, JWT_SECRET)
}

fn with(claims: &Value, name: &str, value: Value) -> Value {
    let mut changed = claims.clone();
    changed[name] = value;
    changed
}

fn without(claims: &Value, name: &str) -> Value {
    let mut changed = claims.clone();
    changed.as_object_mut().expect("claims are an object").remove(name).expect("claim present");
    changed
}

fn times(claims: &Value, iat: i64, nbf: i64, exp: i64) -> Value {
    with(&with(&with(claims, "iat", json!(iat)), "nbf", json!(nbf)), "exp", json!(exp))
}
