//! A query string is read as UTF-8 or refused: the same bytes that a JSON body
//! may not carry are not quietly replaced with U+FFFD when they come in a query.

use crate::common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::TestApp;
use common::life::Life;
use diesel::prelude::*;
use proposal_desk::db::schema::proposal_attachments;

both_backends!(a_file_name_that_is_not_utf8_is_refused_and_nothing_is_stored, every_query_string_must_be_utf8,);

fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec()
}

fn stored_names(app: &TestApp, proposal_id: &str) -> Vec<String> {
    let id = proposal_id.to_string();
    app.with_conn(move |c| {
        proposal_attachments::table
            .filter(proposal_attachments::proposal_id.eq(id))
            .select(proposal_attachments::file_name)
            .load(c)
    })
    .expect("names")
}

async fn upload(app: &TestApp, token: &str, proposal_id: &str, raw_query: &str) -> common::Reply {
    let request = TestRequest::post()
        .uri(&format!("/api/proposals/{proposal_id}/attachments?{raw_query}"))
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .set_payload(pdf());
    app.call(request).await
}

async fn a_file_name_that_is_not_utf8_is_refused_and_nothing_is_stored(app: TestApp) {
    let life = Life::new(&app).await;
    let id = life.draft(&life.member, "关于加强社区养老服务的建议").await;
    for bad in ["file_name=%FF%FE.pdf", "file_name=%E6%8F.pdf", "file_name=a.pdf&version=%C0%80"] {
        let refused = upload(&app, &life.member.token, &id, bad).await;
        refused.assert_problem(400, "bad-request");
        assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("UTF-8")), "{}", refused.text);
    }
    assert!(stored_names(&app, &id).is_empty(), "nothing was stored: {:?}", stored_names(&app, &id));

    // Percent-encoded UTF-8 is read as such.
    let accepted = upload(&app, &life.member.token, &id, "file_name=%E6%8F%90%E6%A1%88.pdf").await;
    accepted.assert_ok();
    assert_eq!(stored_names(&app, &id), vec!["提案.pdf".to_string()]);
}

async fn every_query_string_must_be_utf8(app: TestApp) {
    let life = Life::new(&app).await;
    // A public search, a signed-in list, and an operation that reads no query at all.
    for path in ["/api/public/proposals?q=%FF%FE", "/api/proposals?page=1&x=%80", "/api/auth/me?%FF"] {
        let reply = app
            .call(
                TestRequest::get()
                    .uri(path)
                    .insert_header((header::AUTHORIZATION, format!("Bearer {}", life.member.token))),
            )
            .await;
        reply.assert_problem(400, "bad-request");
    }
    // '+' and valid escapes are untouched.
    let fine = app
        .call(
            TestRequest::get()
                .uri("/api/auth/me?note=a+b%20%E4%B8%AD")
                .insert_header((header::AUTHORIZATION, format!("Bearer {}", life.member.token))),
        )
        .await;
    fine.assert_ok();
}
