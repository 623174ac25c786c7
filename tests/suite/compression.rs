//! Answers travel gzipped to clients that accept it: pages, JSON, the
//! stylesheet and the streamed summary table; what is packed already (the
//! workbook) and tiny answers go as they are, and kept public answers keep
//! their ETags and 304s in both forms.

use crate::common;

use std::io::Read;

use actix_web::http::{StatusCode, header};
use common::TestApp;
use common::pages::{Page, PageVisitor};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::ProposalState;

both_backends!(
    pages_json_and_the_stylesheet_are_gzipped_for_clients_that_accept_it,
    kept_public_answers_are_gzipped_with_their_own_tags,
    the_summary_table_streams_gzipped_and_the_workbook_goes_as_it_is,
);

const GZIP: (header::HeaderName, &str) = (header::ACCEPT_ENCODING, "gzip, deflate, br");

fn header_of(page: &Page, name: header::HeaderName) -> Option<&str> {
    page.reply.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The body as the client reads it after taking the gzip off.
fn gunzipped(page: &Page) -> Vec<u8> {
    assert_eq!(header_of(page, header::CONTENT_ENCODING), Some("gzip"), "gzipped: {} bytes", page.reply.bytes.len());
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&page.reply.bytes[..]).read_to_end(&mut text).expect("valid gzip");
    assert!(text.len() > page.reply.bytes.len(), "smaller packed than plain");
    text
}

fn varies_by_encoding(page: &Page) -> bool {
    page.reply.headers.get_all(header::VARY).filter_map(|v| v.to_str().ok()).any(|v| v.contains("accept-encoding"))
}

async fn pages_json_and_the_stylesheet_are_gzipped_for_clients_that_accept_it(app: TestApp) {
    let visitor = PageVisitor::new(&app);
    let home = visitor.get("/").await;
    let marker = "rel=\"stylesheet\" href=\"";
    let start = home.html.find(marker).expect("a stylesheet") + marker.len();
    let stylesheet = home.html[start..start + home.html[start..].find('"').expect("end")].to_string();
    let office = PageVisitor::signed_in(&app, &app.user(Role::Office).await).await;
    for (reader, path) in
        [(&visitor, "/"), (&visitor, stylesheet.as_str()), (&visitor, "/api/openapi.json"), (&office, "/proposals")]
    {
        let plain = reader.get(path).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None, "{path}: plain without Accept-Encoding");
        assert!(varies_by_encoding(&plain), "{path}: caches are told the answer varies");
        let packed = reader.get_with(path, &[GZIP]).await;
        assert_eq!(packed.status, StatusCode::OK, "{path}");
        let text = String::from_utf8(gunzipped(&packed)).expect("UTF-8");
        if path == "/proposals" {
            // The page carries a fresh form token each time; the rest is the same.
            assert!(text.contains("<h1>") && text.contains("共 "), "{path}");
        } else {
            assert_eq!(text, plain.html, "{path}: the same answer once unpacked");
        }
    }
    // Too small to gain: the ceiling's plain text goes as it is.
    let ping = visitor.get_with("/ping", &[GZIP]).await;
    assert_eq!(ping.html, "pong");
    assert_eq!(header_of(&ping, header::CONTENT_ENCODING), None);
    // A client that refuses gzip gets none.
    let refused = visitor.get_with("/", &[(header::ACCEPT_ENCODING, "gzip;q=0, identity")]).await;
    assert_eq!(header_of(&refused, header::CONTENT_ENCODING), None);
    assert!(refused.html.contains("<html"));
}

async fn kept_public_answers_are_gzipped_with_their_own_tags(app: TestApp) {
    let published = app.proposal_in(ProposalState::Published).await;
    // Enough published for the list's JSON to be worth packing.
    for _ in 0..4 {
        app.proposal_in(ProposalState::Published).await;
    }
    let visitor = PageVisitor::new(&app);
    for path in ["/public".to_string(), format!("/public/proposals/{}", published.id), "/api/public/proposals".into()] {
        let plain = visitor.get(&path).await;
        let packed = visitor.get_with(&path, &[GZIP]).await;
        let again = visitor.get_with(&path, &[GZIP]).await;
        assert_eq!(gunzipped(&packed), plain.reply.bytes, "{path}: the kept answer in both forms");
        assert_eq!(packed.reply.bytes, again.reply.bytes, "{path}: gzipped once, served as kept");
        let (plain_tag, packed_tag) = (header_of(&plain, header::ETAG), header_of(&packed, header::ETAG));
        assert!(plain_tag.is_some() && packed_tag.is_some() && plain_tag != packed_tag, "{path}: a tag per form");
        assert!(varies_by_encoding(&plain) && varies_by_encoding(&packed), "{path}");
        let tag = packed_tag.expect("a tag").to_string();
        let held = visitor.get_with(&path, &[GZIP, (header::IF_NONE_MATCH, &tag)]).await;
        assert_eq!(held.status, StatusCode::NOT_MODIFIED, "{path}: a reader holding the gzip form");
        assert!(held.reply.bytes.is_empty());
    }
}

async fn the_summary_table_streams_gzipped_and_the_workbook_goes_as_it_is(app: TestApp) {
    app.proposal_in(ProposalState::Published).await;
    let office = PageVisitor::signed_in(&app, &app.user(Role::Office).await).await;
    let plain = office.get("/proposals/export.csv").await;
    assert_eq!(plain.status, StatusCode::OK);
    let packed = office.get_with("/proposals/export.csv", &[GZIP]).await;
    assert_eq!(gunzipped(&packed), plain.reply.bytes, "the same rows once unpacked");
    let book = office.get_with("/proposals/export.xlsx", &[GZIP]).await;
    assert_eq!(book.status, StatusCode::OK);
    assert_eq!(header_of(&book, header::CONTENT_ENCODING), None, "a workbook is a zip file already");
    assert!(book.reply.bytes.starts_with(b"PK\x03\x04"));
}
