//! Files attached to a proposal: added and removed while it is a draft, by
//! whoever may edit the draft; checked by size, extension, Content-Type and
//! first bytes; read only by those who see the proposal whole. The harness
//! allows 64 KiB per file and 3 files per proposal (tests/suite/common/mod.rs).

use crate::common;

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use common::{Reply, TestApp};
use diesel::prelude::*;
use proposal_desk::db::models::attachment::NewAttachment;
use proposal_desk::db::schema::{audit_events, proposal_attachments, proposals};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::ProposalState;
use serde_json::json;
use sha2::{Digest, Sha256};

both_backends!(
    the_proposer_attaches_pdf_png_and_docx_and_downloads_them_unchanged,
    a_file_over_the_limit_is_refused_and_nothing_is_written,
    files_whose_name_type_and_content_disagree_are_refused,
    file_names_lose_their_folders_and_bad_ones_are_refused,
    a_proposal_carries_at_most_the_configured_number_of_files,
    only_those_who_see_the_proposal_whole_read_its_attachments,
    after_submission_files_can_no_longer_be_added_or_removed,
    a_file_is_removed_from_a_draft_with_one_audit_event,
);

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const LIMIT: usize = 64 * 1024;

fn pdf() -> Vec<u8> {
    let mut b = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    b.extend((0..500u32).map(|i| (i % 251) as u8));
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    b.extend((0..300u32).map(|i| (i * 7 % 256) as u8));
    b
}

fn docx() -> Vec<u8> {
    let mut b = b"PK\x03\x04\x14\0\x06\0\x08\0".to_vec();
    b.extend_from_slice(b"[Content_Types].xml");
    b.extend((0..200u32).map(|i| (i * 13 % 256) as u8));
    b
}

fn exe() -> Vec<u8> {
    let mut b = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    b.extend_from_slice(b"This program cannot be run in DOS mode.");
    b
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn upload(
    app: &TestApp,
    token: &str,
    proposal_id: &str,
    file_name: &str,
    content_type: Option<&str>,
    bytes: Vec<u8>,
) -> Reply {
    let mut request = TestRequest::post()
        .uri(&format!("/api/proposals/{proposal_id}/attachments?file_name={}", encode(file_name)))
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .set_payload(bytes);
    if let Some(t) = content_type {
        request = request.insert_header((header::CONTENT_TYPE, t));
    }
    app.call(request).await
}

async fn download(app: &TestApp, token: &str, proposal_id: &str, attachment_id: &str) -> Reply {
    app.get(&format!("/api/proposals/{proposal_id}/attachments/{attachment_id}"), token).await
}

fn header_of(reply: &Reply, name: header::HeaderName) -> String {
    reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

fn stored_count(app: &TestApp, proposal_id: &str) -> i64 {
    let id = proposal_id.to_string();
    app.with_conn(move |c| {
        proposal_attachments::table.filter(proposal_attachments::proposal_id.eq(id)).count().get_result(c)
    })
    .expect("count")
}

/// The proposal's row as the audit trail would compare it: version and update time.
fn version_and_time(app: &TestApp, proposal_id: &str) -> (i32, chrono::NaiveDateTime) {
    let id = proposal_id.to_string();
    app.with_conn(move |c| proposals::table.find(id).select((proposals::version, proposals::updated_at)).first(c))
        .expect("proposal")
}

/// Asserts that the request changed nothing: no file, no audit event, same proposal.
struct Unchanged {
    proposal_id: String,
    files: i64,
    audit: i64,
    row: (i32, chrono::NaiveDateTime),
}

impl Unchanged {
    fn now(app: &TestApp, proposal_id: &str) -> Unchanged {
        Unchanged {
            proposal_id: proposal_id.into(),
            files: stored_count(app, proposal_id),
            audit: app.audit_count(),
            row: version_and_time(app, proposal_id),
        }
    }
    fn check(&self, app: &TestApp, what: &str) {
        assert_eq!(stored_count(app, &self.proposal_id), self.files, "{what}: a file was written");
        assert_eq!(app.audit_count(), self.audit, "{what}: an audit event was written");
        assert_eq!(version_and_time(app, &self.proposal_id), self.row, "{what}: the proposal changed");
    }
}

async fn the_proposer_attaches_pdf_png_and_docx_and_downloads_them_unchanged(app: TestApp) {
    let f = app.proposal_in(ProposalState::Draft).await;
    let token = f.proposer.token.clone();
    let files = [
        ("调研报告.pdf", "application/pdf", pdf()),
        ("现场照片.PNG", "image/png", png()),
        ("附件 说明.docx", DOCX, docx()),
    ];
    let mut ids = Vec::new();
    for (n, (name, content_type, bytes)) in files.iter().enumerate() {
        // Listed oldest first; the harness clock stands still unless moved.
        app.clock.advance(chrono::Duration::seconds(1));
        let seq = app.last_audit_seq();
        let version = app.version_of(&f.id);
        let reply = upload(&app, &token, &f.id, name, Some(content_type), bytes.clone()).await;
        assert_eq!(reply.status.as_u16(), 201, "{name}: {}", reply.text);
        assert_eq!(reply.str("file_name"), *name);
        assert_eq!(reply.str("content_type"), *content_type);
        assert_eq!(reply.body["size_bytes"], bytes.len());
        assert_eq!(reply.str("sha256"), sha256_hex(bytes), "the stored hash is the file's SHA-256");
        assert_eq!(reply.body["proposal_version"], version + 1, "adding a file is an edit of the draft");
        assert!(reply.body.get("content").is_none(), "the answer carries no bytes");
        let id = reply.str("id");
        assert_eq!(header_of(&reply, header::LOCATION), format!("/api/proposals/{}/attachments/{id}", f.id));
        let audit = app.audit_actions_after(seq);
        assert_eq!(audit.len(), 1, "one audit event per upload ({n})");
        assert_eq!(audit[0].0, "proposal.attachment_added");
        assert_eq!(audit[0].2, f.id);
        ids.push(id);
    }

    // The audit record holds the metadata, never the bytes.
    let after_json: String = app
        .with_conn(|c| {
            audit_events::table
                .filter(audit_events::action.eq("proposal.attachment_added"))
                .order(audit_events::seq.asc())
                .select(audit_events::after_json.assume_not_null())
                .first(c)
        })
        .expect("audit");
    let after: serde_json::Value = serde_json::from_str(&after_json).expect("json");
    assert_eq!(after["record"]["attachment"]["sha256"], sha256_hex(&files[0].2));
    assert_eq!(after["record"]["attachment"]["file_name"], "调研报告.pdf");
    assert!(after["record"]["attachment"].get("content").is_none(), "{after_json}");
    assert!(after_json.len() < 4096, "the bytes stay out of the audit trail");

    let view = app.get(&format!("/api/proposals/{}", f.id), &token).await;
    view.assert_ok();
    let listed = view.body["attachments"].as_array().expect("attachments");
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["file_name"], "调研报告.pdf");
    assert_eq!(listed[2]["sha256"], sha256_hex(&files[2].2));
    for item in listed {
        let mut keys: Vec<&str> = item.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["content_type", "created_at", "file_name", "id", "sha256", "size_bytes"]);
    }
    let list = app.get(&format!("/api/proposals/{}/attachments", f.id), &token).await;
    list.assert_ok();
    assert_eq!(list.body.as_array().map(Vec::len), Some(3));

    for ((name, content_type, bytes), id) in files.iter().zip(&ids) {
        let reply = download(&app, &token, &f.id, id).await;
        reply.assert_ok();
        assert_eq!(reply.content_type, *content_type);
        assert_eq!(header_of(&reply, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header_of(&reply, header::ETAG), format!("\"{}\"", sha256_hex(bytes)));
        let disposition = header_of(&reply, header::CONTENT_DISPOSITION);
        assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
        let encoded: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert!(disposition.ends_with(&format!("; filename*=UTF-8''{encoded}")), "{disposition}");
        assert_eq!(&reply.bytes, bytes, "{name} comes back byte for byte");
    }

    // A client that already holds the file gets 304 on its ETag.
    let request = TestRequest::get()
        .uri(&format!("/api/proposals/{}/attachments/{}", f.id, ids[0]))
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::IF_NONE_MATCH, format!("\"{}\"", sha256_hex(&files[0].2))));
    assert_eq!(app.call(request).await.status.as_u16(), 304);

    // The office may edit a draft too, so it may attach to it (代录入).
    let office = app.user(Role::Office).await;
    let g = app.proposal_in(ProposalState::Draft).await;
    let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec();
    let reply = upload(&app, &office.token, &g.id, "a.jpg", Some("image/jpeg"), jpeg.clone()).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    assert_eq!(download(&app, &g.proposer.token, &g.id, &reply.str("id")).await.bytes, jpeg);
}

async fn a_file_over_the_limit_is_refused_and_nothing_is_written(app: TestApp) {
    let f = app.proposal_in(ProposalState::Draft).await;
    let before = Unchanged::now(&app, &f.id);
    let mut big = pdf();
    big.resize(LIMIT + 1, b' ');
    let reply = upload(&app, &f.proposer.token, &f.id, "big.pdf", Some("application/pdf"), big).await;
    reply.assert_problem(413, "payload-too-large");
    assert!(reply.str("detail").contains("64 KB"), "{}", reply.text);
    before.check(&app, "a file one byte over the limit");

    let mut much_bigger = pdf();
    much_bigger.resize(LIMIT * 4, b' ');
    let reply = upload(&app, &f.proposer.token, &f.id, "big.pdf", Some("application/pdf"), much_bigger).await;
    reply.assert_problem(413, "payload-too-large");
    before.check(&app, "a file far over the limit");

    // A client that declares a small length and sends more: reading stops at the limit.
    let mut lying = pdf();
    lying.resize(LIMIT * 2, b' ');
    let request = TestRequest::post()
        .uri(&format!("/api/proposals/{}/attachments?file_name=lie.pdf", f.id))
        .insert_header((header::AUTHORIZATION, format!("Bearer {}", f.proposer.token)))
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .set_payload(lying)
        .insert_header((header::CONTENT_LENGTH, "100"));
    app.call(request).await.assert_problem(413, "payload-too-large");
    before.check(&app, "a body longer than its declared length");

    let mut exact = pdf();
    exact.resize(LIMIT, b' ');
    let reply = upload(&app, &f.proposer.token, &f.id, "exact.pdf", Some("application/pdf"), exact).await;
    assert_eq!(reply.status.as_u16(), 201, "exactly the limit is allowed: {}", reply.text);
    assert_eq!(reply.body["size_bytes"], LIMIT);
}

/// (file name, Content-Type, bytes, expected status, what the case shows)
type RefusedUpload = (&'static str, Option<&'static str>, Vec<u8>, u16, &'static str);

async fn files_whose_name_type_and_content_disagree_are_refused(app: TestApp) {
    let f = app.proposal_in(ProposalState::Draft).await;
    let token = f.proposer.token.clone();
    let before = Unchanged::now(&app, &f.id);
    let cases: [RefusedUpload; 9] = [
        ("setup.exe", Some("application/octet-stream"), exe(), 415, "an extension that is not allowed"),
        ("setup.exe", Some("application/pdf"), pdf(), 415, "an extension that is not allowed, whatever the type"),
        ("报告", Some("application/pdf"), pdf(), 415, "a name without an extension"),
        ("setup.pdf", Some("application/pdf"), exe(), 422, "a program renamed .pdf"),
        ("photo.pdf", Some("application/pdf"), png(), 422, "a PNG sent as a PDF"),
        ("photo.png", Some("application/pdf"), png(), 415, "a Content-Type that disagrees with the extension"),
        ("photo.png", None, png(), 415, "no Content-Type at all"),
        ("word.docx", Some(DOCX), pdf(), 422, "a PDF named .docx"),
        ("empty.pdf", Some("application/pdf"), Vec::new(), 422, "an empty file"),
    ];
    for (name, content_type, bytes, status, what) in cases {
        let reply = upload(&app, &token, &f.id, name, content_type, bytes).await;
        let kind = if status == 415 { "unsupported-media-type" } else { "validation" };
        reply.assert_problem(status, kind);
        let message = reply.body["detail"].as_str().or(reply.body["errors"][0]["message"].as_str()).unwrap_or("");
        assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{what}: a Chinese message");
        before.check(&app, what);
    }
    // Content-Type parameters and case do not matter; the type itself does.
    let reply = upload(&app, &token, &f.id, "a.PDF", Some("Application/PDF; charset=binary"), pdf()).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    assert_eq!(reply.str("content_type"), "application/pdf");
}

async fn file_names_lose_their_folders_and_bad_ones_are_refused(app: TestApp) {
    let f = app.proposal_in(ProposalState::Draft).await;
    let token = f.proposer.token.clone();
    for (sent, kept) in [("../../etc/报告.pdf", "报告.pdf"), ("C:\\Users\\me\\材料.pdf", "材料.pdf")] {
        let reply = upload(&app, &token, &f.id, sent, Some("application/pdf"), pdf()).await;
        assert_eq!(reply.status.as_u16(), 201, "{sent}: {}", reply.text);
        assert_eq!(reply.str("file_name"), kept);
    }
    let before = Unchanged::now(&app, &f.id);
    let long = format!("{}.pdf", "长".repeat(200));
    for (name, code) in [
        ("a.pdf\r\nSet-Cookie: x=1", "invalid"),
        ("report\n.pdf", "invalid"),
        ("a\u{0}.pdf", "invalid"),
        ("exe\u{202e}fdp.pdf", "invalid"),
        ("", "required"),
        ("../", "required"),
        (long.as_str(), "too_long"),
    ] {
        let reply = upload(&app, &token, &f.id, name, Some("application/pdf"), pdf()).await;
        reply.assert_problem(422, "validation");
        assert_eq!(reply.body["errors"][0]["field"], "file_name", "{name:?}");
        assert_eq!(reply.body["errors"][0]["code"], code, "{name:?}");
        before.check(&app, name);
    }
    let missing = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/proposals/{}/attachments", f.id))
                .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
                .insert_header((header::CONTENT_TYPE, "application/pdf"))
                .set_payload(pdf()),
        )
        .await;
    missing.assert_problem(400, "bad-request");
    before.check(&app, "no file name");
}

async fn a_proposal_carries_at_most_the_configured_number_of_files(app: TestApp) {
    let f = app.proposal_in(ProposalState::Draft).await;
    let token = f.proposer.token.clone();
    for n in 0..3 {
        let reply = upload(&app, &token, &f.id, &format!("{n}.png"), Some("image/png"), png()).await;
        assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    }
    let before = Unchanged::now(&app, &f.id);
    let reply = upload(&app, &token, &f.id, "3.png", Some("image/png"), png()).await;
    reply.assert_problem(409, "invalid-transition");
    assert_eq!(reply.body["rule"], "attachment_limit");
    assert!(reply.str("detail").contains('3'), "{}", reply.text);
    before.check(&app, "a fourth file");
}

async fn only_those_who_see_the_proposal_whole_read_its_attachments(app: TestApp) {
    let f = app.proposal_in(ProposalState::Draft).await;
    let reply = upload(&app, &f.proposer.token, &f.id, "联系方式.pdf", Some("application/pdf"), pdf()).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    let attachment = reply.str("id");
    let other = app.user(Role::Member).await;
    let staff = app.user(Role::UnitStaff).await;
    let admin = app.user(Role::Admin).await;
    let list = format!("/api/proposals/{}/attachments", f.id);
    let one = format!("{list}/{attachment}");
    for (who, token) in [("another member", &other.token), ("a unit", &staff.token), ("an administrator", &admin.token)]
    {
        app.get(&list, token).await.assert_problem(404, "not-found");
        app.get(&one, token).await.assert_problem(404, "not-found");
        let before = Unchanged::now(&app, &f.id);
        let sent = upload(&app, token, &f.id, "x.pdf", Some("application/pdf"), pdf()).await;
        sent.assert_problem(404, "not-found");
        let removed = app.send(Method::DELETE, &one, Some(token), None).await;
        removed.assert_problem(404, "not-found");
        before.check(&app, who);
    }
    for path in [&list, &one] {
        let anonymous = app.call(TestRequest::get().uri(path)).await;
        anonymous.assert_problem(401, "unauthorized");
    }
    let office = app.user(Role::Office).await;
    app.get(&one, &office.token).await.assert_ok();
    // An attachment of another proposal is not found through this one.
    let g = app.proposal_of(&f.proposer, ProposalState::Draft).await;
    app.get(&format!("/api/proposals/{}/attachments/{attachment}", g.id), &f.proposer.token)
        .await
        .assert_problem(404, "not-found");

    // Published: the public reads the public version only, which has no files;
    // a member not tied to it may not reach them either.
    let p = app.proposal_in(ProposalState::Published).await;
    let (pid, proposer_id, now) = (p.id.clone(), p.proposer.id.clone(), app.clock_now());
    let bytes = pdf();
    let sha = sha256_hex(&bytes);
    let file_id = uuid::Uuid::new_v4().to_string();
    app.with_conn(|c| {
        diesel::insert_into(proposal_attachments::table)
            .values(NewAttachment {
                id: &file_id,
                proposal_id: &pid,
                file_name: "委员手机号.pdf",
                content_type: "application/pdf",
                size_bytes: bytes.len() as i64,
                sha256: &sha,
                content: &bytes,
                uploaded_by_id: &proposer_id,
                created_at: now,
            })
            .execute(c)
    })
    .expect("attachment");
    let public = app.call(TestRequest::get().uri(&format!("/api/public/proposals/{pid}"))).await;
    public.assert_ok();
    assert!(public.body.get("attachments").is_none(), "{}", public.text);
    assert!(!public.text.contains("委员手机号") && !public.text.contains(&sha), "{}", public.text);
    let published_list = format!("/api/proposals/{pid}/attachments");
    app.get(&published_list, &other.token).await.assert_problem(404, "not-found");
    app.get(&format!("{published_list}/{file_id}"), &other.token).await.assert_problem(404, "not-found");
    let own = app.get(&published_list, &p.proposer.token).await;
    own.assert_ok();
    assert_eq!(own.body[0]["file_name"], "委员手机号.pdf");
}

async fn after_submission_files_can_no_longer_be_added_or_removed(app: TestApp) {
    let f = app.proposal_in(ProposalState::Draft).await;
    let token = f.proposer.token.clone();
    let added = upload(&app, &token, &f.id, "a.pdf", Some("application/pdf"), pdf()).await;
    assert_eq!(added.status.as_u16(), 201, "{}", added.text);
    let attachment = added.str("id");
    let version = app.version_of(&f.id);
    app.post(&format!("/api/proposals/{}/submit", f.id), &token, json!({"version": version})).await.assert_ok();
    let office = app.user(Role::Office).await;

    let before = Unchanged::now(&app, &f.id);
    let late = upload(&app, &token, &f.id, "b.pdf", Some("application/pdf"), pdf()).await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["current_state"], "submitted");
    let path = format!("/api/proposals/{}/attachments/{attachment}", f.id);
    let removed = app.send(Method::DELETE, &path, Some(&token), None).await;
    removed.assert_problem(409, "invalid-transition");
    let by_office = upload(&app, &office.token, &f.id, "c.pdf", Some("application/pdf"), pdf()).await;
    by_office.assert_problem(409, "invalid-transition");
    before.check(&app, "after submission");
    // Still readable: the files are part of what was handed in.
    app.get(&path, &token).await.assert_ok();
    app.get(&path, &office.token).await.assert_ok();
}

async fn a_file_is_removed_from_a_draft_with_one_audit_event(app: TestApp) {
    let f = app.proposal_in(ProposalState::Draft).await;
    let token = f.proposer.token.clone();
    let keep = upload(&app, &token, &f.id, "keep.pdf", Some("application/pdf"), pdf()).await.str("id");
    let drop = upload(&app, &token, &f.id, "drop.png", Some("image/png"), png()).await.str("id");
    let path = format!("/api/proposals/{}/attachments/{drop}", f.id);
    let version = app.version_of(&f.id);

    let before = Unchanged::now(&app, &f.id);
    let stale = app.send(Method::DELETE, &format!("{path}?version={}", version - 1), Some(&token), None).await;
    stale.assert_problem(409, "stale-version");
    assert_eq!(stale.body["current_version"], version);
    before.check(&app, "a stale removal");

    let seq = app.last_audit_seq();
    let removed = app.send(Method::DELETE, &format!("{path}?version={version}"), Some(&token), None).await;
    removed.assert_ok();
    assert_eq!(removed.body["version"], version + 1);
    let left = removed.body["attachments"].as_array().expect("attachments");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], keep);
    let audit = app.audit_actions_after(seq);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "proposal.attachment_removed");
    let after_json: String = app
        .with_conn(|c| {
            audit_events::table
                .filter(audit_events::seq.gt(seq))
                .select(audit_events::after_json.assume_not_null())
                .first(c)
        })
        .expect("audit");
    assert!(after_json.contains("drop.png") && after_json.contains(&sha256_hex(&png())), "{after_json}");

    app.get(&path, &token).await.assert_problem(404, "not-found");
    let before = Unchanged::now(&app, &f.id);
    let again = app.send(Method::DELETE, &path, Some(&token), None).await;
    again.assert_problem(404, "not-found");
    before.check(&app, "removing a file twice");
    assert_eq!(stored_count(&app, &f.id), 1);
}
