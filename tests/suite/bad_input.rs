//! Hostile and malformed input: every request that cannot be accepted gets a
//! 4xx `application/problem+json` answer of the right type, leaks nothing of
//! the implementation, and writes nothing.
//!
//! The cases are tables: each has a name that is printed when it fails, and a
//! table reports all of its failing cases at once.

use crate::common;

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use common::{PASSWORD, TestApp};
use diesel::prelude::*;
use proposal_desk::db::schema::{auth_sessions, committee_terms, login_throttle, units, users};
use proposal_desk::domain::Role;
use serde_json::{Value, json};

both_backends!(
    login_refuses_bad_input,
    create_user_refuses_bad_input,
    update_user_refuses_bad_input,
    create_unit_refuses_bad_input,
    create_term_refuses_bad_input,
    query_strings_routes_and_ids_are_checked,
    sql_metacharacters_are_only_ever_data,
    // Once service bugs, found by this file; kept as regression tests.
    nul_bytes_in_ids_and_references_are_refused,
    dates_outside_the_offices_range_are_refused,
    arrays_are_refused_in_place_of_objects,
);

/// Words that would mean an answer shows the implementation.
const LEAKS: [&str; 5] = ["diesel", "SELECT", "src/", ".rs:", "panicked"];

const JSON: &str = "application/json";
const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";

/// One request and the answer it must get.
struct Case {
    name: String,
    method: Method,
    path: String,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
    status: u16,
    kind: &'static str,
    /// A member of `errors` that must be present: (field, code); code "*" is any code.
    field: Option<(String, &'static str)>,
}

impl Case {
    fn new(name: impl Into<String>, method: Method, path: &str, status: u16, kind: &'static str) -> Case {
        Case { name: name.into(), method, path: path.into(), content_type: None, body: None, status, kind, field: None }
    }

    /// A request with a JSON body and the JSON content type.
    fn json(name: impl Into<String>, method: Method, path: &str, body: Value, status: u16, kind: &'static str) -> Case {
        Case::raw(name, method, path, serde_json::to_vec(&body).expect("json"), status, kind)
    }

    /// A request with these exact bytes as its body, labelled as JSON.
    fn raw(
        name: impl Into<String>,
        method: Method,
        path: &str,
        body: impl Into<Vec<u8>>,
        status: u16,
        kind: &'static str,
    ) -> Case {
        Case { content_type: Some(JSON.into()), body: Some(body.into()), ..Case::new(name, method, path, status, kind) }
    }

    fn field(mut self, field: &str, code: &'static str) -> Case {
        self.field = Some((field.into(), code));
        self
    }
}

/// A table of cases for one endpoint: each sends `base` with one thing changed.
struct Table {
    method: Method,
    path: String,
    cases: Vec<Case>,
}

impl Table {
    fn new(method: Method, path: &str) -> Table {
        Table { method, path: path.into(), cases: Vec::new() }
    }

    fn raw(&mut self, name: &str, body: impl Into<Vec<u8>>, status: u16, kind: &'static str) -> &mut Case {
        self.cases.push(Case::raw(name, self.method.clone(), &self.path, body, status, kind));
        self.cases.last_mut().expect("just pushed")
    }

    fn json(&mut self, name: &str, body: Value, status: u16, kind: &'static str) -> &mut Case {
        self.cases.push(Case::json(name, self.method.clone(), &self.path, body, status, kind));
        self.cases.last_mut().expect("just pushed")
    }

    /// 400 bad-request.
    fn bad(&mut self, name: &str, body: Value) -> &mut Case {
        self.json(name, body, 400, "bad-request")
    }

    /// 422 validation naming `field` with `code`.
    fn invalid(&mut self, name: &str, body: Value, field: &str, code: &'static str) {
        let case = self.json(name, body, 422, "validation");
        case.field = Some((field.into(), code));
    }

    /// 400 bad-request naming `field` as unknown.
    fn unknown_field(&mut self, name: &str, body: Value, field: &str) {
        let case = self.bad(name, body);
        case.field = Some((field.into(), "unknown"));
    }

    /// The cases every JSON endpoint shares: malformed JSON, sizes, nesting,
    /// encodings and content types. `base` is a body the endpoint accepts.
    fn common(&mut self, base: &Value) -> &mut Self {
        let text = base.to_string();
        let truncated = text[..text.len() / 2].to_string();
        self.raw("truncated JSON", truncated, 400, "bad-request");
        self.raw("trailing garbage", format!("{text} xyz"), 400, "bad-request");
        self.raw("a second document after the first", format!("{text}{text}"), 400, "bad-request");
        self.raw("a bare string", r#""hello""#, 400, "bad-request");
        self.raw("a bare number", "42", 400, "bad-request");
        self.raw("a bare null", "null", 400, "bad-request");
        self.raw("a bare true", "true", 400, "bad-request");
        self.raw("an empty body", "", 400, "bad-request");
        self.raw("only whitespace", " \r\n\t ", 400, "bad-request");
        self.raw("an empty array", "[]", 400, "bad-request");
        self.raw("an empty object", "{}", 400, "bad-request");
        self.raw("single quotes", text.replace('"', "'"), 400, "bad-request");
        self.raw("a trailing comma", format!("{},}}", &text[..text.len() - 1]), 400, "bad-request");
        self.raw("a comment", format!("/* hi */ {text}"), 400, "bad-request");
        self.raw("a byte order mark", [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(), 400, "bad-request");
        self.raw("NaN", text.replacen(':', ":NaN,\"x\":", 1), 400, "bad-request");
        // Sizes and nesting.
        let huge = format!(r#"{{"name":"{}"}}"#, "a".repeat(10 * 1024 * 1024));
        self.raw("a 10 MB body", huge, 413, "payload-too-large");
        self.raw("100 000 opening brackets", "[".repeat(100_000), 400, "bad-request");
        self.raw("100 000 nested arrays, closed", "[".repeat(100_000) + &"]".repeat(100_000), 400, "bad-request");
        let key = base.as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default();
        let nested = format!("{}1{}", format!(r#"{{"{key}":"#).repeat(200), "}".repeat(200));
        self.raw("an object nested 200 levels deep", nested, 400, "bad-request");
        // Invalid UTF-8, in a value and in a key.
        let in_value = text.replacen(":\"", ":\"\u{1}", 1).into_bytes();
        let in_value: Vec<u8> =
            in_value.into_iter().flat_map(|b| if b == 1 { vec![0xFF, 0xFE] } else { vec![b] }).collect();
        self.raw("invalid UTF-8 in a string value", in_value, 400, "bad-request");
        self.raw(
            "invalid UTF-8 in a key",
            [&b"{\"\xC3\x28\":1,"[..], &text.as_bytes()[1..]].concat(),
            400,
            "bad-request",
        );
        self.raw("a lone surrogate escape", text.replacen(":\"", ":\"\\uD800", 1), 400, "bad-request");
        // Content types.
        self.raw("no Content-Type", text.clone(), 415, "unsupported-media-type").content_type = None;
        self.raw("Content-Type text/plain", text.clone(), 415, "unsupported-media-type").content_type =
            Some("text/plain".into());
        self.raw("Content-Type form-urlencoded", text.clone(), 415, "unsupported-media-type").content_type =
            Some("application/x-www-form-urlencoded".into());
        self.raw("Content-Type multipart", text.clone(), 415, "unsupported-media-type").content_type =
            Some("multipart/form-data; boundary=xyz".into());
        self.raw("Content-Type that is not a media type", text, 415, "unsupported-media-type").content_type =
            Some("json".into());
        self
    }
}

/// Counts and versions of everything a refused request must leave alone.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    audit_events: i64,
    auth_sessions: i64,
    login_throttle: i64,
    users: Vec<(String, i32, String)>,
    units: Vec<(String, i32)>,
    terms: Vec<(String, i32)>,
}

impl Snapshot {
    /// What differs in `after`, in a few words per table.
    fn changes_to(&self, after: &Snapshot) -> Vec<String> {
        let mut changes = Vec::new();
        let counts = [
            ("audit_events", self.audit_events, after.audit_events),
            ("auth_sessions", self.auth_sessions, after.auth_sessions),
            ("login_throttle", self.login_throttle, after.login_throttle),
        ];
        for (table, before, now) in counts {
            if before != now {
                changes.push(format!("{table} {before} -> {now}"));
            }
        }
        if self.users != after.users {
            changes.push(format!("users {:?} -> {:?}", self.users, after.users));
        }
        if self.units != after.units {
            changes.push(format!("units {} -> {} rows or versions", self.units.len(), after.units.len()));
        }
        if self.terms != after.terms {
            changes.push(format!("terms {} -> {} rows or versions", self.terms.len(), after.terms.len()));
        }
        changes
    }
}

fn snapshot(app: &TestApp) -> Snapshot {
    app.with_conn(|c| {
        Ok::<_, diesel::result::Error>(Snapshot {
            audit_events: app.audit_count(),
            auth_sessions: auth_sessions::table.count().get_result(c)?,
            login_throttle: login_throttle::table.count().get_result(c)?,
            users: users::table.order(users::id).select((users::id, users::version, users::display_name)).load(c)?,
            units: units::table.order(units::id).select((units::id, units::version)).load(c)?,
            terms: committee_terms::table
                .order(committee_terms::id)
                .select((committee_terms::id, committee_terms::version))
                .load(c)?,
        })
    })
    .expect("snapshot")
}

/// Sends every case and returns one line per failed expectation.
async fn run(app: &TestApp, token: Option<&str>, cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let mut request = TestRequest::default().method(case.method.clone()).uri(&case.path);
        if let Some(token) = token {
            request = request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        }
        if let Some(content_type) = &case.content_type {
            request = request.insert_header((header::CONTENT_TYPE, content_type.as_str()));
        }
        if let Some(body) = &case.body {
            request = request.set_payload(body.clone());
        }
        let reply = app.call(request).await;
        let mut problems = Vec::new();
        if reply.status.as_u16() != case.status {
            problems.push(format!("status {} instead of {}", reply.status.as_u16(), case.status));
        }
        if reply.content_type != "application/problem+json" {
            problems.push(format!("content type {:?}", reply.content_type));
        }
        if reply.body["type"] != format!("/problems/{}", case.kind) {
            problems.push(format!("type {} instead of /problems/{}", reply.body["type"], case.kind));
        }
        if reply.body["status"] != reply.status.as_u16() {
            problems.push(format!("member status {} does not match", reply.body["status"]));
        }
        for title in ["title", "title_en"] {
            if reply.body[title].as_str().is_none_or(str::is_empty) {
                problems.push(format!("no {title}"));
            }
        }
        if let Some((field, code)) = &case.field {
            let named = reply.body["errors"].as_array().is_some_and(|errors| {
                errors.iter().any(|e| e["field"] == field.as_str() && (*code == "*" || e["code"] == *code))
            });
            if !named {
                problems.push(format!("errors do not name {field} with code {code}"));
            }
        }
        for leak in LEAKS {
            if reply.text.contains(leak) {
                problems.push(format!("the answer contains {leak:?}"));
            }
        }
        if !problems.is_empty() {
            let mut text = reply.text.clone();
            if text.len() > 400 {
                let mut end = 400;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                text.push('…');
            }
            failures.push(format!("[{}] {} {}: {} — {}", case.name, case.method, case.path, problems.join("; "), text));
        }
    }
    failures
}

/// Runs the cases and checks that none of them wrote anything.
async fn check(app: &TestApp, token: Option<&str>, cases: &[Case]) {
    let before = snapshot(app);
    let failures = run(app, token, cases).await;
    let after = snapshot(app);
    let written = before.changes_to(&after);
    assert!(
        failures.is_empty() && written.is_empty(),
        "{} of {} cases failed on {:?}:\n{}\nchanged by the requests: {}",
        failures.len(),
        cases.len(),
        app.backend,
        failures.join("\n"),
        if written.is_empty() { "nothing".to_string() } else { written.join(", ") },
    );
}

fn with(base: &Value, key: &str, value: Value) -> Value {
    let mut body = base.clone();
    body[key] = value;
    body
}

fn without(base: &Value, key: &str) -> Value {
    let mut body = base.clone();
    body.as_object_mut().expect("object").remove(key);
    body
}

async fn login_refuses_bad_input(app: TestApp) {
    let member = app.user(Role::Member).await;
    let base = json!({"username": member.username, "password": PASSWORD});
    let mut t = Table::new(Method::POST, "/api/auth/login");
    t.common(&base);
    // Wrong types.
    t.bad("username is a number", with(&base, "username", json!(12345)));
    t.bad("password is a number", with(&base, "password", json!(12345678)));
    t.bad("username is an array", with(&base, "username", json!(["a"])));
    t.bad("username is an object", with(&base, "username", json!({"$ne": null})));
    t.bad("password is true", with(&base, "password", json!(true)));
    t.bad("username is null", with(&base, "username", Value::Null));
    t.bad("password is null", with(&base, "password", Value::Null));
    t.bad("username is missing", without(&base, "username")).field = Some(("username".into(), "required"));
    t.bad("password is missing", without(&base, "password")).field = Some(("password".into(), "required"));
    t.raw(
        "username twice",
        format!(r#"{{"username":"x","username":"{}","password":"{PASSWORD}"}}"#, member.username),
        400,
        "bad-request",
    );
    // Unknown fields.
    t.unknown_field("remember_me", with(&base, "remember_me", json!(true)), "remember_me");
    t.unknown_field("a field named like a column", with(&base, "password_hash", json!("x")), "password_hash");
    // Lengths, blanks, control characters.
    t.invalid("username of 129 characters", with(&base, "username", json!("a".repeat(129))), "username", "too_long");
    t.invalid(
        "username of 10 000 characters",
        with(&base, "username", json!("名".repeat(10_000))),
        "username",
        "too_long",
    );
    t.invalid("password of 1025 bytes", with(&base, "password", json!("p".repeat(1025))), "password", "too_long");
    t.invalid("empty username", with(&base, "username", json!("")), "username", "required");
    t.invalid("whitespace username", with(&base, "username", json!(" \t\u{3000} ")), "username", "required");
    t.invalid("empty password", with(&base, "password", json!("")), "password", "required");
    t.invalid("CRLF in username", with(&base, "username", json!("a\r\nb")), "username", "invalid");
    t.invalid("NUL in username", with(&base, "username", json!("a\u{0}b")), "username", "invalid");
    check(&app, None, &t.cases).await;

    // Nothing above counted as a failed login, and the real one still works.
    let ok = app.login(&member.username, PASSWORD).await;
    ok.assert_ok();
}

fn user_body() -> Value {
    json!({
        "username": "new.user-01",
        "display_name": "新用户",
        "role": "admin",
        "email": "new.user@example.cn",
        "phone": "13800000000",
        "password": "a long enough passphrase",
    })
}

async fn create_user_refuses_bad_input(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let base = user_body();
    let mut t = Table::new(Method::POST, "/api/admin/users");
    t.common(&base);
    // Wrong types.
    t.bad("username is a number", with(&base, "username", json!(42)));
    t.bad("display_name is a number", with(&base, "display_name", json!(3.5)));
    t.bad("display_name is an object", with(&base, "display_name", json!({"zh": "名"})));
    t.bad("email is an array", with(&base, "email", json!(["a@b.cn"])));
    t.bad("phone is a number", with(&base, "phone", json!(13800000000_i64)));
    t.bad("role is a number", with(&base, "role", json!(5)));
    t.bad("username is null", with(&base, "username", Value::Null));
    t.bad("display_name is null", with(&base, "display_name", Value::Null));
    t.bad("role is null", with(&base, "role", Value::Null));
    t.bad("role is missing", without(&base, "role")).field = Some(("role".into(), "required"));
    // Unknown role values.
    for role in ["superuser", "Admin", "ADMIN", "admin ", "unit-staff", ""] {
        t.bad(&format!("role {role:?}"), with(&base, "role", json!(role)));
    }
    // Unknown fields.
    t.unknown_field("is_admin", with(&base, "is_admin", json!(true)), "is_admin");
    t.unknown_field("password_hash", with(&base, "password_hash", json!("$argon2id$...")), "password_hash");
    t.unknown_field("disabled", with(&base, "disabled", json!(false)), "disabled");
    t.unknown_field("id", with(&base, "id", json!(UNKNOWN_ID)), "id");
    // Lengths.
    t.invalid("username of 65 characters", with(&base, "username", json!("a".repeat(65))), "username", "invalid");
    t.invalid("username of 2 characters", with(&base, "username", json!("ab")), "username", "invalid");
    t.invalid(
        "display_name of 10 000 characters",
        with(&base, "display_name", json!("长".repeat(10_000))),
        "display_name",
        "too_long",
    );
    t.invalid(
        "display_name of 65 characters",
        with(&base, "display_name", json!("x".repeat(65))),
        "display_name",
        "too_long",
    );
    t.invalid("phone of 33 characters", with(&base, "phone", json!("1".repeat(33))), "phone", "too_long");
    t.invalid(
        "email of 255 characters",
        with(&base, "email", json!(format!("{}@example.cn", "a".repeat(244)))),
        "email",
        "invalid",
    );
    t.invalid(
        "password of 10 000 characters",
        with(&base, "password", json!("p".repeat(10_000))),
        "password",
        "too_long",
    );
    // Blanks.
    t.invalid("empty username", with(&base, "username", json!("")), "username", "invalid");
    t.invalid("whitespace username", with(&base, "username", json!("   ")), "username", "invalid");
    t.invalid("empty display_name", with(&base, "display_name", json!("")), "display_name", "required");
    t.invalid(
        "whitespace display_name",
        with(&base, "display_name", json!(" \t\n\u{3000}")),
        "display_name",
        "required",
    );
    t.invalid("empty phone", with(&base, "phone", json!("")), "phone", "required");
    t.invalid("empty email", with(&base, "email", json!("")), "email", "invalid");
    // Characters that do not belong.
    t.invalid("upper-case username", with(&base, "username", json!("Zhang")), "username", "invalid");
    t.invalid("Chinese username", with(&base, "username", json!("张三")), "username", "invalid");
    t.invalid("CRLF in email", with(&base, "email", json!("a@b.cn\r\nBcc: x@y.cn")), "email", "invalid");
    t.invalid("LF in email", with(&base, "email", json!("a@b.cn\nBcc: x@y.cn")), "email", "invalid");
    t.invalid("two addresses in email", with(&base, "email", json!("a@b.cn, c@d.cn")), "email", "invalid");
    t.invalid("email without @", with(&base, "email", json!("example.cn")), "email", "invalid");
    t.invalid("CRLF in display_name", with(&base, "display_name", json!("张\r\n三")), "display_name", "invalid");
    t.invalid("NUL in display_name", with(&base, "display_name", json!("张\u{0}三")), "display_name", "invalid");
    t.invalid("NUL in phone", with(&base, "phone", json!("138\u{0}")), "phone", "invalid");
    t.invalid("a common password", with(&base, "password", json!("12345678")), "password", "too_common");
    // Affiliations that do not fit the role or do not exist.
    t.invalid("member without a sector", with(&base, "role", json!("member")), "sector_id", "invalid");
    let member = with(&base, "role", json!("member"));
    t.invalid("member in an unknown sector", with(&member, "sector_id", json!(UNKNOWN_ID)), "sector_id", "not_found");
    check(&app, Some(&admin.token), &t.cases).await;

    // The body the cases were made from is accepted: they failed for their one change.
    let created = app.post("/api/admin/users", &admin.token, base).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
}

async fn update_user_refuses_bad_input(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let target = app.account("patch.target", Role::Office);
    let path = format!("/api/admin/users/{target}");
    let base = json!({"version": 1, "display_name": "改过的名字"});
    let mut t = Table::new(Method::PATCH, &path);
    t.common(&base);
    // Wrong types.
    t.bad("version is a string", with(&base, "version", json!("1")));
    t.bad("version is a float", with(&base, "version", json!(1.5)));
    t.bad("version is 2^40", with(&base, "version", json!(1_u64 << 40)));
    t.bad("version is 1e30", with(&base, "version", json!(1e30)));
    t.bad("version is null", with(&base, "version", Value::Null));
    t.bad("version is missing", without(&base, "version")).field = Some(("version".into(), "required"));
    t.bad("display_name is a number", with(&base, "display_name", json!(7)));
    t.bad("display_name is an array", with(&base, "display_name", json!(["a"])));
    t.bad("email is an object", with(&base, "email", json!({"address": "a@b.cn"})));
    t.bad("role is an unknown value", with(&base, "role", json!("root")));
    t.bad("role is upper case", with(&base, "role", json!("OFFICE")));
    // Unknown fields.
    t.unknown_field("username cannot be changed here", with(&base, "username", json!("renamed")), "username");
    t.unknown_field("password_hash", with(&base, "password_hash", json!("x")), "password_hash");
    t.unknown_field("disabled", with(&base, "disabled", json!(true)), "disabled");
    t.unknown_field("token_generation", with(&base, "token_generation", json!(0)), "token_generation");
    // Lengths and blanks.
    t.invalid(
        "display_name of 10 000 characters",
        with(&base, "display_name", json!("长".repeat(10_000))),
        "display_name",
        "too_long",
    );
    t.invalid("empty display_name", with(&base, "display_name", json!("")), "display_name", "required");
    t.invalid("whitespace display_name", with(&base, "display_name", json!("\u{3000} \t")), "display_name", "required");
    t.invalid("phone of 33 characters", with(&base, "phone", json!("1".repeat(33))), "phone", "too_long");
    t.invalid("CRLF in email", with(&base, "email", json!("a@b.cn\r\nBcc: x@y.cn")), "email", "invalid");
    t.invalid("CRLF in display_name", with(&base, "display_name", json!("a\r\nb")), "display_name", "invalid");
    // A role that needs an affiliation the account lacks.
    t.invalid("member without a sector", with(&base, "role", json!("member")), "sector_id", "invalid");
    // The wrong object.
    let unknown = format!("/api/admin/users/{UNKNOWN_ID}");
    t.cases.push(Case::json("an unknown id", Method::PATCH, &unknown, base.clone(), 404, "not-found"));
    t.cases.push(Case::json("a non-UUID id", Method::PATCH, "/api/admin/users/nobody", base.clone(), 404, "not-found"));
    t.cases.push(Case::json("an empty id", Method::PATCH, "/api/admin/users/", base.clone(), 404, "not-found"));
    t.cases.push(Case::json(
        "a stale version",
        Method::PATCH,
        &path,
        with(&base, "version", json!(7)),
        409,
        "stale-version",
    ));
    check(&app, Some(&admin.token), &t.cases).await;

    let changed = app.patch(&path, &admin.token, base).await;
    changed.assert_ok();
    assert_eq!(changed.str("display_name"), "改过的名字");
}

async fn create_unit_refuses_bad_input(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let base = json!({"code": "U100", "name": "测试单位", "kind": "政府部门", "email": "unit@example.cn"});
    let mut t = Table::new(Method::POST, "/api/admin/units");
    t.common(&base);
    t.bad("code is a number", with(&base, "code", json!(100)));
    t.bad("name is a number", with(&base, "name", json!(1)));
    t.bad("kind is an array", with(&base, "kind", json!(["政府部门"])));
    t.bad("kind is an object", with(&base, "kind", json!({})));
    t.bad("email is a bool", with(&base, "email", json!(false)));
    t.bad("code is null", with(&base, "code", Value::Null));
    t.bad("name is missing", without(&base, "name")).field = Some(("name".into(), "required"));
    t.unknown_field("active", with(&base, "active", json!(false)), "active");
    t.unknown_field("version", with(&base, "version", json!(1)), "version");
    t.unknown_field("id", with(&base, "id", json!(UNKNOWN_ID)), "id");
    t.invalid("code of 33 characters", with(&base, "code", json!("U".repeat(33))), "code", "invalid");
    t.invalid("name of 10 000 characters", with(&base, "name", json!("单".repeat(10_000))), "name", "too_long");
    t.invalid("name of 101 characters", with(&base, "name", json!("x".repeat(101))), "name", "too_long");
    t.invalid("kind of 33 characters", with(&base, "kind", json!("k".repeat(33))), "kind", "too_long");
    t.invalid("empty code", with(&base, "code", json!("")), "code", "invalid");
    t.invalid("empty name", with(&base, "name", json!("")), "name", "required");
    t.invalid("whitespace name", with(&base, "name", json!("  \u{3000}")), "name", "required");
    t.invalid("whitespace kind", with(&base, "kind", json!("\t")), "kind", "required");
    t.invalid("code with a space", with(&base, "code", json!("U 1")), "code", "invalid");
    t.invalid("CRLF in email", with(&base, "email", json!("unit@example.cn\r\nBcc: x@y.cn")), "email", "invalid");
    t.invalid("CRLF in name", with(&base, "name", json!("单\r\n位")), "name", "invalid");
    t.invalid("angle brackets in email", with(&base, "email", json!("<unit@example.cn>")), "email", "invalid");
    check(&app, Some(&admin.token), &t.cases).await;

    let created = app.post("/api/admin/units", &admin.token, base).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
}

async fn create_term_refuses_bad_input(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let base = json!({"number": 1, "name": "第一届", "starts_on": "2026-01-01", "ends_on": null});
    let mut t = Table::new(Method::POST, "/api/admin/terms");
    t.common(&base);
    // Numbers that do not fit.
    t.bad("number is 1e30", with(&base, "number", json!(1e30)));
    t.bad("number is 2^40", with(&base, "number", json!(1_u64 << 40)));
    t.bad("number is 2^31", with(&base, "number", json!(1_u64 << 31)));
    t.bad("number is -2^63", with(&base, "number", json!(i64::MIN)));
    t.raw(
        "number is 10^30 written out",
        base.to_string().replace(":1,", ":1000000000000000000000000000000,"),
        400,
        "bad-request",
    );
    t.bad("number is 1.5", with(&base, "number", json!(1.5)));
    t.bad("number is 1.0", with(&base, "number", json!(1.0)));
    t.bad("number is a string", with(&base, "number", json!("1")));
    t.bad("number is null", with(&base, "number", Value::Null));
    t.bad("number is true", with(&base, "number", json!(true)));
    t.invalid("number is -1", with(&base, "number", json!(-1)), "number", "out_of_range");
    t.invalid("number is 0", with(&base, "number", json!(0)), "number", "out_of_range");
    t.invalid("number is 1001", with(&base, "number", json!(1001)), "number", "out_of_range");
    t.invalid("number is i32::MAX", with(&base, "number", json!(i32::MAX)), "number", "out_of_range");
    t.invalid("number is i32::MIN", with(&base, "number", json!(i32::MIN)), "number", "out_of_range");
    // Dates that are not dates.
    for date in ["2026-02-30", "2026-13-01", "2026-00-10", "2025-02-29", "2026/01/01", "01.01.2026", "", "today"] {
        t.bad(&format!("starts_on {date:?}"), with(&base, "starts_on", json!(date)));
    }
    t.bad("starts_on with a time", with(&base, "starts_on", json!("2026-01-01T00:00:00")));
    t.bad("starts_on as a number", with(&base, "starts_on", json!(20260101)));
    t.bad("starts_on is null", with(&base, "starts_on", Value::Null));
    t.bad("ends_on 2026-02-30", with(&base, "ends_on", json!("2026-02-30")));
    t.bad("starts_on in year 10 000", with(&base, "starts_on", json!("10000-01-01")));
    t.invalid("ends before it starts", with(&base, "ends_on", json!("2025-12-31")), "ends_on", "before_start");
    // Strings.
    t.bad("name is a number", with(&base, "name", json!(1)));
    t.invalid("name of 33 characters", with(&base, "name", json!("届".repeat(33))), "name", "too_long");
    t.invalid("name of 10 000 characters", with(&base, "name", json!("届".repeat(10_000))), "name", "too_long");
    t.invalid("empty name", with(&base, "name", json!("")), "name", "required");
    t.invalid("whitespace name", with(&base, "name", json!(" \n ")), "name", "required");
    t.unknown_field("sessions", with(&base, "sessions", json!([])), "sessions");
    t.unknown_field("version", with(&base, "version", json!(1)), "version");
    check(&app, Some(&admin.token), &t.cases).await;

    let created = app.post("/api/admin/terms", &admin.token, base).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
}

async fn query_strings_routes_and_ids_are_checked(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let get =
        |name: &str, path: &str, status: u16, kind: &'static str| Case::new(name, Method::GET, path, status, kind);
    let mut cases = vec![
        get("page=abc", "/api/admin/users?page=abc", 400, "bad-request"),
        get("page=1.5", "/api/admin/users?page=1.5", 400, "bad-request"),
        get("page beyond i64", "/api/admin/users?page=99999999999999999999", 400, "bad-request"),
        get("page=0", "/api/admin/users?page=0", 422, "validation").field("page", "out_of_range"),
        get("page=-1", "/api/admin/users?page=-1", 422, "validation").field("page", "out_of_range"),
        get("page past the limit", "/api/admin/users?page=1000001", 422, "validation").field("page", "out_of_range"),
        get("per_page=0", "/api/admin/users?per_page=0", 422, "validation").field("per_page", "out_of_range"),
        get("per_page=101", "/api/admin/users?per_page=101", 422, "validation").field("per_page", "out_of_range"),
        get("per_page=-5", "/api/admin/users?per_page=-5", 422, "validation").field("per_page", "out_of_range"),
        get("per_page=abc", "/api/admin/users?per_page=abc", 400, "bad-request"),
        get("per_page empty", "/api/admin/users?per_page=", 400, "bad-request"),
        get("role unknown", "/api/admin/users?role=superuser", 400, "bad-request"),
        get("an unknown parameter", "/api/admin/users?sort=password_hash", 400, "bad-request"),
        get("q of 65 characters", &format!("/api/admin/users?q={}", "a".repeat(65)), 422, "validation")
            .field("q", "too_long"),
        get("q of whitespace", "/api/admin/users?q=%20%20", 422, "validation").field("q", "required"),
        get("q with CRLF", "/api/admin/users?q=a%0D%0Ab", 422, "validation").field("q", "invalid"),
        get("q with NUL", "/api/admin/users?q=a%00b", 422, "validation").field("q", "invalid"),
        get("an unknown route", "/api/no-such-thing", 404, "not-found"),
        get("an unknown admin route", "/api/admin/no-such-thing", 404, "not-found"),
        get("the bare API path", "/api", 404, "not-found"),
        get("a path with dot segments", "/api/admin/users/../../etc/passwd", 404, "not-found"),
        get("an unknown user id", &format!("/api/admin/users/{UNKNOWN_ID}"), 404, "not-found"),
        get("an id that is not a UUID", "/api/admin/users/1%20OR%201=1", 404, "not-found"),
        get("an id of 10 000 characters", &format!("/api/admin/users/{}", "9".repeat(10_000)), 404, "not-found"),
        Case::json("POST to an unknown route", Method::POST, "/api/admin/no-such-thing", json!({}), 404, "not-found"),
        Case::json(
            "PATCH an unknown unit",
            Method::PATCH,
            &format!("/api/admin/units/{UNKNOWN_ID}"),
            json!({"version": 1}),
            404,
            "not-found",
        ),
        Case::json(
            "PATCH an unknown term",
            Method::PATCH,
            &format!("/api/admin/terms/{UNKNOWN_ID}"),
            json!({"version": 1}),
            404,
            "not-found",
        ),
        Case::new(
            "disable an unknown user",
            Method::POST,
            &format!("/api/admin/users/{UNKNOWN_ID}/disable"),
            404,
            "not-found",
        ),
    ];
    // The same queries with no token at all are refused before anything else.
    cases.push(get("no token", "/api/admin/users?page=abc", 401, "unauthorized"));
    let (with_token, without_token) = cases.split_at(cases.len() - 1);
    check(&app, Some(&admin.token), with_token).await;
    check(&app, None, without_token).await;
    app.get("/api/admin/users?page=1&per_page=100", &admin.token).await.assert_ok();
}

async fn sql_metacharacters_are_only_ever_data(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let mut t = Table::new(Method::POST, "/api/admin/users");
    let base = user_body();
    for name in ["a'; DROP TABLE users; --", "x' OR '1'='1", "a\"; DELETE FROM users; --", "admin'--", "a;b", "a%"] {
        t.invalid(&format!("username {name:?}"), with(&base, "username", json!(name)), "username", "invalid");
    }
    let unit = json!({"code": "U1'; DROP TABLE units; --", "name": "单位", "kind": "政府部门"});
    t.cases.push(
        Case::json("unit code with SQL", Method::POST, "/api/admin/units", unit, 422, "validation")
            .field("code", "invalid"),
    );
    check(&app, Some(&admin.token), &t.cases).await;

    // In a search they are matched literally and find nothing.
    for q in ["%27%3B%20DROP%20TABLE%20users%3B%20--", "%25", "_", "%5C", "x%27%20OR%20%271%27%3D%271"] {
        let found = app.get(&format!("/api/admin/users?q={q}"), &admin.token).await;
        found.assert_ok();
        assert_eq!(found.body["total"], 0, "q={q}: {}", found.text);
    }

    // At sign-in they are an unknown account: one failed login, nothing more.
    let before = app.last_audit_seq();
    let login = app.login("a'; DROP TABLE users; --", "anything at all").await;
    login.assert_problem(401, "unauthorized");
    let actions: Vec<String> = app.audit_actions_after(before).into_iter().map(|(action, _, _)| action).collect();
    assert_eq!(actions, ["auth.login_failed"]);

    // Where free text is allowed they are stored exactly as sent.
    let display_name = "Robert'); DROP TABLE users;--";
    let created = app.post("/api/admin/users", &admin.token, with(&base, "display_name", json!(display_name))).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    let id = created.body["user"]["id"].as_str().expect("id").to_string();
    let read = app.get(&format!("/api/admin/users/{id}"), &admin.token).await;
    read.assert_ok();
    assert_eq!(read.str("display_name"), display_name);

    // And the users table still works.
    let list = app.get("/api/admin/users?per_page=100", &admin.token).await;
    list.assert_ok();
    assert_eq!(list.body["total"], 2, "{}", list.text);
    app.login(&admin.username, PASSWORD).await.assert_ok();
}

/// Regression (was a 500 on PostgreSQL). A NUL character is
/// valid in a JSON string and in a percent-encoded path, SQLite compares it
/// like any other character, but PostgreSQL refuses it in text parameters
/// ("invalid byte sequence for encoding UTF8: 0x00"). Ids that go to the
/// database unchecked (path ids, sector_id, unit_id) answered 500 there;
/// ids are now checked to be UUIDs first: 404 / 422.
async fn nul_bytes_in_ids_and_references_are_refused(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let target = app.account("nul.target", Role::Office);
    let user = user_body();
    let member = with(&user, "role", json!("member"));
    let staff = with(&user, "role", json!("unit_staff"));
    let patch = json!({"version": 1, "display_name": "名字"});
    let cases = [
        Case::json(
            "create user: NUL in sector_id",
            Method::POST,
            "/api/admin/users",
            with(&member, "sector_id", json!("s\u{0}1")),
            422,
            "validation",
        )
        .field("sector_id", "not_found"),
        Case::json(
            "create user: NUL in unit_id",
            Method::POST,
            "/api/admin/users",
            with(&staff, "unit_id", json!("u\u{0}1")),
            422,
            "validation",
        )
        .field("unit_id", "not_found"),
        Case::json(
            "update user: NUL in sector_id",
            Method::PATCH,
            &format!("/api/admin/users/{target}"),
            json!({"version": 1, "role": "member", "sector_id": "s\u{0}1"}),
            422,
            "validation",
        )
        .field("sector_id", "not_found"),
        Case::new("get user: NUL in the id", Method::GET, "/api/admin/users/a%00b", 404, "not-found"),
        Case::json("update user: NUL in the id", Method::PATCH, "/api/admin/users/a%00b", patch, 404, "not-found"),
        Case::new("disable user: NUL in the id", Method::POST, "/api/admin/users/a%00b/disable", 404, "not-found"),
        Case::json(
            "update unit: NUL in the id",
            Method::PATCH,
            "/api/admin/units/a%00b",
            json!({"version": 1}),
            404,
            "not-found",
        ),
        Case::json(
            "update term: NUL in the id",
            Method::PATCH,
            "/api/admin/terms/a%00b",
            json!({"version": 1}),
            404,
            "not-found",
        ),
    ];
    check(&app, Some(&admin.token), &cases).await;
}

/// Regression (was a 500 on PostgreSQL, a 201 on SQLite). Dates were not range-checked: chrono reads years from -262143
/// to +262142, SQLite stores whatever it is given (so a term "starting" in
/// 4714 BC is created: 201), and PostgreSQL, whose dates start in 4713 BC,
/// fails the insert or update ("date out of range"), which answers 500
/// internal. The same request must get the same 4xx answer on both backends:
/// 422 naming the field.
async fn dates_outside_the_offices_range_are_refused(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let term = app
        .post("/api/admin/terms", &admin.token, json!({"number": 1, "name": "第一届", "starts_on": "2026-01-01"}))
        .await;
    assert_eq!(term.status.as_u16(), 201, "{}", term.text);
    let term_id = term.str("id");
    let create = |name: &str, number: i32, starts_on: &str| {
        Case::json(
            name,
            Method::POST,
            "/api/admin/terms",
            json!({"number": number, "name": format!("第{number}届"), "starts_on": starts_on}),
            422,
            "validation",
        )
        .field("starts_on", "*")
    };
    let cases = [
        create("create term starting 4714 BC", 2, "-4714-01-01"),
        create("create term starting in the earliest year chrono reads", 3, "-262143-01-01"),
        Case::json(
            "update term to start 4714 BC",
            Method::PATCH,
            &format!("/api/admin/terms/{term_id}"),
            json!({"version": 1, "starts_on": "-4714-01-01"}),
            422,
            "validation",
        )
        .field("starts_on", "*"),
    ];
    check(&app, Some(&admin.token), &cases).await;
}

/// Regression (was accepted on both backends). serde's derived
/// `Deserialize` also accepts a struct as a JSON array of its fields in
/// declaration order, and `deny_unknown_fields` does not prevent it. So a body
/// that is an array, not the documented object, signs in, creates accounts,
/// units and terms, and changes accounts. It must be 400 bad-request.
async fn arrays_are_refused_in_place_of_objects(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let member = app.user(Role::Member).await;
    let target = app.account("array.target", Role::Office);
    let post = |name: &str, path: &str, body: Value| Case::json(name, Method::POST, path, body, 400, "bad-request");
    let cases = [
        post("login", "/api/auth/login", json!([member.username, PASSWORD])),
        post(
            "create user",
            "/api/admin/users",
            json!(["array.user", "数组", "admin", null, null, null, null, "a long enough passphrase"]),
        ),
        Case::json(
            "update user",
            Method::PATCH,
            &format!("/api/admin/users/{target}"),
            json!([1, "数组", null]),
            400,
            "bad-request",
        ),
        post("create unit", "/api/admin/units", json!(["U101", "数组单位", "政府部门", null])),
        post("create term", "/api/admin/terms", json!([2, "第二届", "2026-01-01", null])),
    ];
    check(&app, Some(&admin.token), &cases).await;
}
