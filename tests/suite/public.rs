//! What the public reads without signing in: published proposals and the
//! public versions of their replies, nothing more.

use crate::common;

use actix_web::http::Method;
use common::TestApp;
use common::fixtures::Fixture;
use diesel::prelude::*;
use proposal_desk::db::schema::{proposals, replies, users};
use proposal_desk::domain::workflow::ProposalState;
use serde_json::Value;

both_backends!(
    the_public_reads_published_proposals_and_their_public_replies_only,
    nothing_unpublished_is_public,
    the_public_list_filters_by_session_sector_unit_grade_and_key,
    the_public_list_refuses_bad_queries,
    the_public_searches_published_texts_in_chinese,
    a_starting_instance_builds_the_published_answers_before_anyone_asks,
    another_instance_sees_a_publication_within_its_refresh_time,
);

/// The internal reply's contact line, and its person in charge: never public.
const INTERNAL: &str = "电话 12345678";
const PERSON_IN_CHARGE: &str = "李四";

async fn public(app: &TestApp, path: &str) -> common::Reply {
    app.send(Method::GET, path, None, None).await
}

fn ids(reply: &common::Reply) -> Vec<String> {
    let mut ids: Vec<String> = reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {}", reply.text))
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn sector_of(app: &TestApp, f: &Fixture) -> String {
    let id = f.proposer.id.clone();
    app.with_conn(move |c| users::table.find(id).select(users::sector_id).first::<Option<String>>(c))
        .expect("sector")
        .expect("a member has a sector")
}

fn set_grade(app: &TestApp, f: &Fixture, grade: &str) {
    let (id, grade) = (f.id.clone(), grade.to_string());
    app.with_conn(move |c| {
        diesel::update(replies::table.filter(replies::proposal_id.eq(id))).set(replies::grade.eq(grade)).execute(c)
    })
    .expect("grade");
}

/// The term's second session (一届二次会议); returns its id.
fn second_session(app: &TestApp, first: &str) -> String {
    use proposal_desk::db::models::term::SessionRow;
    use proposal_desk::db::schema::committee_sessions;
    let first = first.to_string();
    app.with_conn(move |c| {
        let mut s: SessionRow = committee_sessions::table.find(first).select(SessionRow::as_select()).first(c)?;
        s.id = uuid::Uuid::new_v4().to_string();
        s.number = 2;
        s.name = "一届二次会议".into();
        s.opens_on += chrono::Duration::days(365);
        s.plenary_window_start += chrono::Duration::days(365);
        s.plenary_window_end += chrono::Duration::days(365);
        diesel::insert_into(committee_sessions::table).values(&s).execute(c)?;
        Ok::<_, diesel::result::Error>(s.id)
    })
    .expect("second session")
}

async fn the_public_reads_published_proposals_and_their_public_replies_only(app: TestApp) {
    let f = app.proposal_in(ProposalState::Published).await;
    let detail = public(&app, &format!("/api/public/proposals/{}", f.id)).await;
    detail.assert_ok();
    assert_eq!(detail.str("title"), "关于加强社区居家养老服务的建议");
    assert_eq!(detail.str("reasons"), "随着人口老龄化加剧，社区养老服务供给不足。");
    assert_eq!(detail.str("topic"), "社会保障");
    assert_eq!(detail.str("session_name"), "一届一次会议");
    assert!(detail.str("number_label").starts_with("一届一次会议第"), "{}", detail.text);
    assert!(detail.str("submitter").starts_with("测试member-"), "{}", detail.text);
    assert!(detail.str("sector").starts_with("界别"), "{}", detail.text);
    assert_eq!(detail.body["is_key"], false);
    assert!(detail.body["published_at"].is_string());
    let replies = detail.body["replies"].as_array().expect("replies");
    assert_eq!(replies.len(), 1);
    let reply = replies[0].as_object().expect("reply");
    let mut keys: Vec<&str> = reply.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["grade", "public_body", "submitted_at", "unit_name"]);
    assert_eq!(reply["public_body"], "经研究，已将社区养老服务纳入年度重点工作。");
    assert!(reply["unit_name"].as_str().is_some_and(|n| n.starts_with("单位")));
    for secret in [INTERNAL, PERSON_IN_CHARGE, "当面听取委员意见", f.proposer.id.as_str()] {
        assert!(!detail.text.contains(secret), "{secret} leaked: {}", detail.text);
    }
    for field in ["state", "ratings", "contacts", "assignments", "proposer_id", "version", "allowed_actions"] {
        assert!(detail.body.get(field).is_none(), "{field} is not public: {}", detail.text);
    }

    let list = public(&app, "/api/public/proposals").await;
    list.assert_ok();
    assert_eq!(list.body["total"], 1);
    let item = &list.body["items"][0];
    assert_eq!(item["id"], f.id.as_str());
    assert_eq!(item["title"], detail.body["title"]);
    assert_eq!(item["number_label"], detail.body["number_label"]);
    assert_eq!(item["submitter"], detail.body["submitter"]);
    assert_eq!(item["sector"], detail.body["sector"]);
    assert_eq!(item["grades"], serde_json::json!(["A"]));
    assert_eq!(item["units"].as_array().map(Vec::len), Some(2), "lead and co-handling unit: {}", list.text);
    assert_eq!(item["units"][0], reply["unit_name"], "the lead unit comes first");
    for secret in [INTERNAL, PERSON_IN_CHARGE] {
        assert!(!list.text.contains(secret), "{secret} leaked: {}", list.text);
    }

    // A collective proposal is shown under its submitter's name.
    let id = f.id.clone();
    app.with_conn(move |c| {
        diesel::update(proposals::table.find(id))
            .set((proposals::submitter_type.eq("party"), proposals::submitter_name.eq(Some("民盟区委"))))
            .execute(c)
    })
    .expect("collective");
    let collective = public(&app, &format!("/api/public/proposals/{}", f.id)).await;
    assert_eq!(collective.str("submitter"), "民盟区委");
    assert_eq!(public(&app, "/api/public/proposals").await.body["items"][0]["submitter"], "民盟区委");
}

async fn nothing_unpublished_is_public(app: TestApp) {
    let mut hidden = Vec::new();
    for state in [
        ProposalState::Draft,
        ProposalState::Submitted,
        ProposalState::Filed,
        ProposalState::Handling,
        ProposalState::Replied,
        ProposalState::Closed,
        ProposalState::Withheld,
    ] {
        hidden.push(app.proposal_in(state).await.id);
    }
    for id in &hidden {
        let reply = public(&app, &format!("/api/public/proposals/{id}")).await;
        reply.assert_problem(404, "not-found");
    }
    public(&app, &format!("/api/public/proposals/{}", uuid::Uuid::new_v4())).await.assert_problem(404, "not-found");
    public(&app, "/api/public/proposals/not-an-id").await.assert_problem(404, "not-found");
    let list = public(&app, "/api/public/proposals").await;
    list.assert_ok();
    assert_eq!(list.body["total"], 0);
    assert_eq!(list.body["items"], Value::Array(Vec::new()));
}

async fn the_public_list_filters_by_session_sector_unit_grade_and_key(app: TestApp) {
    let plain = app.proposal_in(ProposalState::Published).await;
    let key = app.proposal_in(ProposalState::Published).await;
    let graded_c = app.proposal_in(ProposalState::Published).await;
    let later = app.proposal_in(ProposalState::Published).await;
    let _closed = app.proposal_in(ProposalState::Closed).await;
    let first_session = plain.session_id.clone();
    let second_session = second_session(&app, &first_session);
    let (kid, lid, sid) = (key.id.clone(), later.id.clone(), second_session.clone());
    app.with_conn(move |c| {
        diesel::update(proposals::table.find(kid)).set(proposals::is_key.eq(true)).execute(c)?;
        diesel::update(proposals::table.find(lid)).set(proposals::session_id.eq(Some(sid))).execute(c)
    })
    .expect("key and session");
    set_grade(&app, &graded_c, "C");

    let all = public(&app, "/api/public/proposals").await;
    all.assert_ok();
    assert_eq!(all.body["total"], 4);

    let by_session = public(&app, &format!("/api/public/proposals?session_id={second_session}")).await;
    assert_eq!(ids(&by_session), [later.id.as_str()]);
    assert_eq!(
        by_session.body["items"][0]["number_label"].as_str().map(|l| l.starts_with("一届二次会议第")),
        Some(true),
        "{}",
        by_session.text
    );
    let first = public(&app, &format!("/api/public/proposals?session_id={first_session}")).await;
    assert_eq!(ids(&first), sorted(vec![plain.id.clone(), key.id.clone(), graded_c.id.clone()]));

    let by_sector = public(&app, &format!("/api/public/proposals?sector_id={}", sector_of(&app, &key))).await;
    assert_eq!(ids(&by_sector), [key.id.as_str()]);

    let by_lead = public(&app, &format!("/api/public/proposals?unit_id={}", plain.lead().unit_id)).await;
    assert_eq!(ids(&by_lead), [plain.id.as_str()]);
    let by_co = public(&app, &format!("/api/public/proposals?unit_id={}", graded_c.co().unit_id)).await;
    assert_eq!(ids(&by_co), [graded_c.id.as_str()]);

    let c = public(&app, "/api/public/proposals?grade=C").await;
    assert_eq!(ids(&c), [graded_c.id.as_str()]);
    assert_eq!(c.body["items"][0]["grades"], serde_json::json!(["C"]));
    let a = public(&app, "/api/public/proposals?grade=A").await;
    assert_eq!(ids(&a), sorted(vec![plain.id.clone(), key.id.clone(), later.id.clone()]));
    assert_eq!(public(&app, "/api/public/proposals?grade=B").await.body["total"], 0);

    let keys = public(&app, "/api/public/proposals?key=true").await;
    assert_eq!(ids(&keys), [key.id.as_str()]);
    assert_eq!(keys.body["items"][0]["is_key"], true);
    assert_eq!(public(&app, "/api/public/proposals?key=false").await.body["total"], 3);

    let combined = public(&app, &format!("/api/public/proposals?session_id={first_session}&grade=A&key=false")).await;
    assert_eq!(ids(&combined), [plain.id.as_str()]);
    assert_eq!(public(&app, "/api/public/proposals?kind=suggestion").await.body["total"], 0);
    assert_eq!(public(&app, "/api/public/proposals?kind=proposal").await.body["total"], 4);

    // Pages.
    let page1 = public(&app, "/api/public/proposals?per_page=3").await;
    let page2 = public(&app, "/api/public/proposals?per_page=3&page=2").await;
    assert_eq!(page1.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(page2.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(page2.body["total"], 4);
    let mut both = ids(&page1);
    both.extend(ids(&page2));
    assert_eq!(sorted(both), ids(&all));
    for reply in [&all, &page1, &page2, &c] {
        assert!(!reply.text.contains(INTERNAL));
    }
}

async fn the_public_list_refuses_bad_queries(app: TestApp) {
    for (query, status) in [
        ("per_page=0", 422),
        ("per_page=101", 422),
        ("page=0", 422),
        ("grade=D", 400),
        ("key=maybe", 400),
        ("session_id=abc", 422),
        ("unit_id=%00", 422),
        ("kind=memo", 422),
        ("state=draft", 400),
        ("body=1", 400),
    ] {
        let reply = public(&app, &format!("/api/public/proposals?{query}")).await;
        assert_eq!(reply.status.as_u16(), status, "{query}: {}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json", "{query}");
    }
}

/// 全文检索: what was published, as the public may read it, and nothing else.
async fn the_public_searches_published_texts_in_chinese(app: TestApp) {
    let office = app.user(proposal_desk::domain::Role::Office).await;
    let published = app.proposal_in(ProposalState::Closed).await;
    let unpublished = app.proposal_in(ProposalState::Closed).await;
    let p = app
        .post(
            &format!("/api/proposals/{}/publish", published.id),
            &office.token,
            serde_json::json!({"version": app.version_of(&published.id)}),
        )
        .await;
    p.assert_ok();
    let search = |q: &str| {
        let q: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
        format!("/api/public/proposals?q={q}")
    };
    let found = |reply: &common::Reply| ids(reply);
    // A phrase of the title, of the 案由, of the reply's public version.
    for q in ["社区居家养老", "老龄化加剧", "纳入年度重点工作", "养老服务"] {
        let r = public(&app, &search(q)).await;
        r.assert_ok();
        assert_eq!(found(&r), vec![published.id.clone()], "{q}: {}", r.text);
    }
    // Words out of order, the internal reply and unpublished texts are not found.
    for q in ["养老社区", INTERNAL, PERSON_IN_CHARGE] {
        let r = public(&app, &search(q)).await;
        r.assert_ok();
        assert!(found(&r).is_empty(), "{q}: {}", r.text);
    }
    let _ = unpublished;
    // Search combines with the filters.
    let r = public(&app, &format!("{}&key=true", search("养老服务"))).await;
    assert!(found(&r).is_empty(), "{}", r.text);
    // Search syntax is just text; nothing to search for, or too little, is a 422.
    for q in ["\"养老 OR", "养老*", "NEAR(养老 服务)", "'; DROP TABLE proposals; --"] {
        let r = public(&app, &search(q)).await;
        assert!(r.status.is_success(), "{q}: {}", r.text);
    }
    for q in ["", "？！", &"长".repeat(51)] {
        public(&app, &search(q)).await.assert_problem(422, "validation");
    }
    // A single character works; words apart must all appear.
    for (q, hit) in [
        ("养", true),
        ("水", false),
        ("社区 重点工作", true),
        ("重点工作 社区", true),
        ("社区 高铁", false),
        ("养 社区", true),
        ("水 社区", false),
        ("社区 重点工作 老龄化", true),
        ("社区 重点工作 老龄化加快", false),
    ] {
        let r = public(&app, &search(q)).await;
        r.assert_ok();
        assert_eq!(found(&r) == vec![published.id.clone()], hit, "{q}: {}", r.text);
    }
}

mod public_answers_are_kept_until_something_is_published {
    use super::common::{Backend, TestApp};

    #[actix_web::test]
    async fn sqlite() {
        if let Some(app) =
            TestApp::start_with(Backend::Sqlite, "public_cache", |s| s.server.public_refresh_seconds = 600).await
        {
            super::public_answers_are_kept(app).await;
        }
    }
    #[actix_web::test]
    async fn postgres() {
        if let Some(app) =
            TestApp::start_with(Backend::Postgres, "public_cache", |s| s.server.public_refresh_seconds = 600).await
        {
            super::public_answers_are_kept(app).await;
        }
    }
}

/// A public answer is built once and served again, however long ago, until
/// what it shows changes through the service: a page of the list with any
/// publication, one proposal's answer when that proposal changes.
async fn public_answers_are_kept(app: TestApp) {
    let office = app.user(proposal_desk::domain::Role::Office).await;
    let first = app.proposal_in(ProposalState::Published).await;
    let second = app.proposal_in(ProposalState::Closed).await;
    // Read now: the harness's own reads and writes make the index read everything again.
    let version = app.version_of(&second.id);
    let detail_path = format!("/api/public/proposals/{}", first.id);
    assert_eq!(ids(&public(&app, "/api/public/proposals").await), vec![first.id.clone()]);
    let detail = public(&app, &detail_path).await;
    let page = public(&app, &format!("/public/proposals/{}", first.id)).await;
    // Changed behind the service's back (no audit event): the kept answers still stand.
    let mut conn = app.state.db.get().expect("connection");
    diesel::update(proposals::table.find(&first.id))
        .set(proposals::title.eq("改过的标题"))
        .execute(&mut conn)
        .expect("title");
    drop(conn);
    assert_eq!(public(&app, &detail_path).await.text, detail.text);
    assert_eq!(public(&app, &format!("/public/proposals/{}", first.id)).await.text, page.text);
    assert_eq!(ids(&public(&app, "/api/public/proposals").await), vec![first.id.clone()]);
    // Publishing another one through the service: the pages of the list go.
    app.post(
        &format!("/api/proposals/{}/publish", second.id),
        &office.token,
        serde_json::json!({ "version": version }),
    )
    .await
    .assert_ok();
    assert_eq!(ids(&public(&app, "/api/public/proposals").await), sorted(vec![first.id.clone(), second.id.clone()]));
    public(&app, &format!("/api/public/proposals/{}", second.id)).await.assert_ok();
    // The first one did not change as far as the audit trail tells: its answers outlive the publication.
    assert_eq!(public(&app, &detail_path).await.text, detail.text);
    assert_eq!(public(&app, &format!("/public/proposals/{}", first.id)).await.text, page.text);
    // Once the index reads every proposal again, they are built anew.
    app.state.public_index.forget();
    assert_eq!(public(&app, &detail_path).await.str("title"), "改过的标题");
    assert!(public(&app, &format!("/public/proposals/{}", first.id)).await.text.contains("改过的标题"));
}

/// At start, each instance builds the answers about the published proposals
/// (JSON and page) before anyone asks, and serves them as built.
async fn a_starting_instance_builds_the_published_answers_before_anyone_asks(app: TestApp) {
    let first = app.proposal_in(ProposalState::Published).await;
    let second = app.proposal_in(ProposalState::Published).await;
    let unpublished = app.proposal_in(ProposalState::Closed).await;
    let starting = app.another_instance(|s| s.server.public_refresh_seconds = 600).await;
    // What the start-up thread does: load the index, then build the answers.
    let state = starting.state.clone();
    let built = actix_web::web::block(move || {
        let mut conn = state.db.get()?;
        state.public_index.warm(&mut conn)?;
        proposal_desk::server::keep_public_answers(&state)
    })
    .await
    .expect("a blocking thread");
    assert_eq!(built.expect("answers"), 2);
    // Changed behind the service's back (no audit event): what was built at start is served.
    let mut conn = app.state.db.get().expect("connection");
    for p in [&first, &second] {
        diesel::update(proposals::table.find(&p.id))
            .set(proposals::title.eq("改过的标题"))
            .execute(&mut conn)
            .expect("title");
    }
    drop(conn);
    for p in [&first, &second] {
        let detail = public(&starting, &format!("/api/public/proposals/{}", p.id)).await;
        detail.assert_ok();
        assert_ne!(detail.str("title"), "改过的标题", "built at start: {}", detail.text);
        let page = public(&starting, &format!("/public/proposals/{}", p.id)).await;
        page.assert_ok();
        assert!(!page.text.contains("改过的标题"), "built at start");
    }
    // An instance that built nothing reads the records as they are now.
    let fresh = app.another_instance(|s| s.server.public_refresh_seconds = 600).await;
    assert_eq!(public(&fresh, &format!("/api/public/proposals/{}", first.id)).await.str("title"), "改过的标题");
    // Nothing unpublished was built.
    public(&starting, &format!("/api/public/proposals/{}", unpublished.id)).await.assert_problem(404, "not-found");
}

/// Two instances behind a load balancer, on one database: what one publishes,
/// the other serves within `server.public_refresh_seconds`, list, search,
/// detail and page alike; a login on one is good on the other.
async fn another_instance_sees_a_publication_within_its_refresh_time(app: TestApp) {
    let office = app.user(proposal_desk::domain::Role::Office).await;
    let first = app.proposal_in(ProposalState::Published).await;
    let second = app.proposal_in(ProposalState::Closed).await;
    let other = app.another_instance(|s| s.server.public_refresh_seconds = 1).await;
    // Fixtures are not in the text index; what is published through the service is.
    let search =
        format!("/api/public/proposals?q={}", "养老服务".bytes().map(|b| format!("%{b:02X}")).collect::<String>());
    let second_path = format!("/api/public/proposals/{}", second.id);
    assert_eq!(ids(&public(&other, "/api/public/proposals").await), vec![first.id.clone()]);
    assert!(ids(&public(&other, &search).await).is_empty());
    public(&other, &second_path).await.assert_problem(404, "not-found");
    app.post(
        &format!("/api/proposals/{}/publish", second.id),
        &office.token,
        serde_json::json!({"version": app.version_of(&second.id)}),
    )
    .await
    .assert_ok();
    let both = sorted(vec![first.id.clone(), second.id.clone()]);
    assert_eq!(ids(&public(&app, "/api/public/proposals").await), both, "the publishing instance at once");
    assert_eq!(
        ids(&public(&other, "/api/public/proposals").await),
        vec![first.id.clone()],
        "the other one serves what it kept until it looks again"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(ids(&public(&other, "/api/public/proposals").await), both, "and then sees it");
    assert_eq!(ids(&public(&other, &search).await), vec![second.id.clone()]);
    public(&other, &second_path).await.assert_ok();
    let page = public(&other, "/public").await;
    assert!(page.text.contains(&format!("/public/proposals/{}", second.id)), "{}", page.text);
    // A login made on one instance is good on the other: sessions live in the database.
    other.get(&format!("/api/proposals/{}", second.id), &office.token).await.assert_ok();
    // A unit renamed on one instance: the other's list names it anew once it looks.
    let admin = app.user(proposal_desk::domain::Role::Admin).await;
    let unit = first.lead.as_ref().expect("a lead unit").unit_id.clone();
    app.patch(
        &format!("/api/admin/units/{unit}"),
        &admin.token,
        serde_json::json!({"version": 1, "name": "改名后的单位"}),
    )
    .await
    .assert_ok();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let list = public(&other, &format!("/api/public/proposals?unit_id={unit}")).await;
    assert_eq!(ids(&list), vec![first.id.clone()]);
    assert!(
        list.body["items"][0]["units"].as_array().expect("units").iter().any(|u| u == "改名后的单位"),
        "{}",
        list.text
    );
    let choices = public(&other, "/api/public/units").await;
    assert!(choices.text.contains("改名后的单位"), "{}", choices.text);
}
