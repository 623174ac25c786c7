//! The pages as a person in a browser meets them: the home page, signing in
//! and out with a cookie, changing a temporary password, notices and mail
//! preferences, one's proposals, and the public results. Every form is
//! refused without the token of the page it came from.

use crate::common;

use actix_web::http::{StatusCode, header};
use common::TestApp;
use common::pages::PageVisitor;
use diesel::prelude::*;
use proposal_desk::db::schema::users;
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::ProposalState;
use serde_json::json;

both_backends!(
    the_home_page_explains_the_system_and_leads_to_sign_in_and_the_public_results,
    the_office_reads_its_figures_in_any_scope_from_a_page,
    a_path_nobody_serves_is_a_page_for_people_and_a_problem_for_api_clients,
    signing_in_keeps_the_login_in_an_http_only_cookie_and_signing_out_ends_it,
    a_refused_sign_in_says_why_and_keeps_the_name_typed,
    a_form_without_the_token_of_its_page_is_refused,
    a_temporary_password_must_be_changed_before_anything_else,
    a_disabled_account_is_signed_out_of_the_pages_at_once,
    the_cookie_is_secure_when_the_service_is_reached_over_tls,
    a_member_follows_their_proposal_and_reads_its_reply,
    a_proposal_one_may_not_see_answers_404,
    notices_are_listed_and_followed_to_their_proposal,
    mail_preferences_are_chosen_per_kind_of_notice,
    the_public_finds_published_results_by_chinese_search_and_reads_the_public_reply_only,
    public_pages_answer_304_to_a_reader_who_has_them,
    the_stylesheet_is_served_by_the_binary_with_a_hashed_name,
    the_public_statistics_page_charts_the_figures_with_a_table_beside_them,
);

async fn the_home_page_explains_the_system_and_leads_to_sign_in_and_the_public_results(app: TestApp) {
    let visitor = PageVisitor::new(&app);
    let home = visitor.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.reply.content_type.starts_with("text/html"), "{}", home.reply.content_type);
    home.assert_shows("<html lang=\"zh-CN\">");
    home.assert_shows("href=\"/sign-in\"");
    home.assert_shows("href=\"/public\"");
    home.assert_shows("name=\"viewport\"");

    let member = app.user(Role::Member).await;
    let signed_in = PageVisitor::signed_in(&app, &member).await;
    let home = signed_in.get("/").await;
    home.assert_shows("您好");
    home.assert_shows("href=\"/proposals\"");
    home.assert_shows("我的提案");
}

async fn a_path_nobody_serves_is_a_page_for_people_and_a_problem_for_api_clients(app: TestApp) {
    let page = PageVisitor::new(&app).get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.reply.content_type.starts_with("text/html"));
    page.assert_shows("返回首页");
    let api = app.send(actix_web::http::Method::GET, "/api/no-such-thing", None, None).await;
    api.assert_problem(404, "not-found");
}

async fn signing_in_keeps_the_login_in_an_http_only_cookie_and_signing_out_ends_it(app: TestApp) {
    let member = app.user(Role::Member).await;
    let visitor = PageVisitor::new(&app);
    let form = visitor.get("/sign-in?next=/notices").await;
    form.assert_shows("for=\"username\"");
    form.assert_shows("for=\"password\"");
    let signed = visitor
        .post(
            "/sign-in",
            &[
                ("csrf", &form.csrf()),
                ("next", "/notices"),
                ("username", &member.username),
                ("password", common::PASSWORD),
            ],
        )
        .await;
    signed.assert_redirects_to("/notices");
    let set: Vec<String> =
        signed.reply.headers.get_all(header::SET_COOKIE).filter_map(|v| v.to_str().ok().map(str::to_string)).collect();
    let session = set.iter().find(|c| c.starts_with("pd_session=")).expect("a login cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(!session.contains("Secure"), "plain http: {session}");

    let notices = visitor.get("/notices").await;
    assert_eq!(notices.status, StatusCode::OK, "{}", notices.html);
    notices.assert_shows("我的通知");

    let cookie = visitor.cookie("pd_session").expect("kept");
    let out = visitor.post("/sign-out", &[("csrf", &notices.csrf())]).await;
    out.assert_redirects_to("/");
    assert!(visitor.cookie("pd_session").is_none(), "the cookie is cleared");

    // The old cookie, replayed, no longer signs anyone in: the login itself ended.
    let replay = PageVisitor::new(&app);
    replay.set_cookie("pd_session", &cookie);
    replay.get("/notices").await.assert_redirects_to("/sign-in?next=/notices");
}

async fn a_refused_sign_in_says_why_and_keeps_the_name_typed(app: TestApp) {
    let member = app.user(Role::Member).await;
    let visitor = PageVisitor::new(&app);
    let page = visitor.sign_in(&member.username, "wrong password").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    page.assert_shows("用户名或密码错误");
    page.assert_shows(&format!("value=\"{}\"", member.username));
    page.assert_shows("aria-invalid=\"true\"");
    page.assert_hides("wrong password");
    assert!(visitor.cookie("pd_session").is_none());
}

async fn a_form_without_the_token_of_its_page_is_refused(app: TestApp) {
    let member = app.user(Role::Member).await;
    let visitor = PageVisitor::new(&app);
    visitor.get("/sign-in").await;
    let forged = visitor
        .post("/sign-in", &[("csrf", "00ff"), ("username", &member.username), ("password", common::PASSWORD)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    forged.assert_shows("表单已过期或来源不明");
    assert!(visitor.cookie("pd_session").is_none());

    // A signed-in form's token belongs to the login: the anonymous one does not do.
    let anonymous_token = visitor.get("/sign-in").await.csrf();
    let signed = PageVisitor::signed_in(&app, &member).await;
    let refused = signed.post("/sign-out", &[("csrf", &anonymous_token)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(signed.get("/notices").await.status, StatusCode::OK, "still signed in");
}

async fn a_temporary_password_must_be_changed_before_anything_else(app: TestApp) {
    let member = app.user(Role::Member).await;
    app.with_conn(|c| {
        diesel::update(users::table.find(&member.id)).set(users::must_change_password.eq(true)).execute(c)
    })
    .expect("temporary");
    let visitor = PageVisitor::new(&app);
    visitor.sign_in(&member.username, common::PASSWORD).await.assert_redirects_to("/account/password");
    visitor.get("/proposals").await.assert_redirects_to("/account/password");
    visitor.get("/").await.assert_redirects_to("/account/password");
    let form = visitor.get("/account/password").await;
    form.assert_shows("初始密码");

    let mismatch = visitor
        .post(
            "/account/password",
            &[
                ("csrf", &form.csrf()),
                ("current_password", common::PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("new_password_again", "a different passphrase"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    mismatch.assert_shows("id=\"new_password_again-error\"");
    mismatch.assert_shows("两次输入的新密码不一致");

    let wrong = visitor
        .post(
            "/account/password",
            &[
                ("csrf", &form.csrf()),
                ("current_password", "not my password"),
                ("new_password", "a brand new passphrase"),
                ("new_password_again", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong.assert_shows("id=\"current_password-error\"");
    wrong.assert_shows("当前密码不正确");

    let old_cookie = visitor.cookie("pd_session").expect("signed in");
    let changed = visitor
        .post(
            "/account/password",
            &[
                ("csrf", &form.csrf()),
                ("current_password", common::PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("new_password_again", "a brand new passphrase"),
            ],
        )
        .await;
    changed.assert_redirects_to("/account/password?done=true");
    assert_eq!(visitor.get("/proposals").await.status, StatusCode::OK, "free to work now");
    visitor.get("/account/password?done=true").await.assert_shows("密码已修改");
    let replay = PageVisitor::new(&app);
    replay.set_cookie("pd_session", &old_cookie);
    replay.get("/proposals").await.assert_redirects_to("/sign-in?next=/proposals");
}

async fn a_disabled_account_is_signed_out_of_the_pages_at_once(app: TestApp) {
    let member = app.user(Role::Member).await;
    let admin = app.user(Role::Admin).await;
    let visitor = PageVisitor::signed_in(&app, &member).await;
    assert_eq!(visitor.get("/notices").await.status, StatusCode::OK);
    app.post(&format!("/api/admin/users/{}/disable", member.id), &admin.token, json!({})).await.assert_ok();
    visitor.get("/notices").await.assert_redirects_to("/sign-in?next=/notices");
}

async fn the_cookie_is_secure_when_the_service_is_reached_over_tls(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let Some(app) =
        TestApp::start_with(backend, "secure_cookie", |s| s.server.public_url = "https://desk.example".into()).await
    else {
        return;
    };
    let member = app.user(Role::Member).await;
    let visitor = PageVisitor::new(&app);
    let signed = visitor.sign_in(&member.username, common::PASSWORD).await;
    let session = signed
        .reply
        .headers
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pd_session="))
        .expect("a login cookie")
        .to_string();
    assert!(session.contains("Secure"), "{session}");
    assert!(session.contains("HttpOnly"), "{session}");
}

async fn a_member_follows_their_proposal_and_reads_its_reply(app: TestApp) {
    let f = app.proposal_in(ProposalState::Replied).await;
    let visitor = PageVisitor::signed_in(&app, &f.proposer).await;
    let list = visitor.get("/proposals").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_shows(&format!("href=\"/proposals/{}\"", f.id));
    list.assert_shows("关于加强社区居家养老服务的建议");

    let page = visitor.get(&format!("/proposals/{}", f.id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.assert_shows("已答复");
    page.assert_shows("主办");
    page.assert_shows("会办");
    page.assert_shows("A类");
    page.assert_shows("已将社区养老服务纳入年度重点工作");
    page.assert_shows("评价截止");
    page.assert_shows("立案：");
}

async fn a_proposal_one_may_not_see_answers_404(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let path = format!("/proposals/{}", f.id);
    let stranger = app.user(Role::Member).await;
    let other_unit = app.user(Role::UnitStaff).await;
    let office = app.user(Role::Office).await;
    for (who, status) in [
        (&f.proposer, StatusCode::OK),
        (&f.lead().staff, StatusCode::OK),
        (&f.co().head, StatusCode::OK),
        (&office, StatusCode::OK),
        (&stranger, StatusCode::NOT_FOUND),
        (&other_unit, StatusCode::NOT_FOUND),
    ] {
        let page = PageVisitor::signed_in(&app, who).await.get(&path).await;
        assert_eq!(page.status, status, "{:?}: {}", who.role, page.html);
        if status == StatusCode::NOT_FOUND {
            page.assert_hides("社区居家养老");
        }
    }
    PageVisitor::new(&app).get(&path).await.assert_redirects_to(&format!("/sign-in?next={path}"));
}

async fn notices_are_listed_and_followed_to_their_proposal(app: TestApp) {
    let life = common::life::Life::new(&app).await;
    let id = life.draft(&life.member, "关于改善校园周边交通的提案").await;
    life.submit(&id, &life.member).await;
    let visitor = PageVisitor::signed_in(&app, &life.member).await;
    let page = visitor.get("/notices").await;
    page.assert_shows("未读 1 条");
    page.assert_shows("标为已读并查看提案");
    let marker = "action=\"/notices/";
    let start = page.html.find(marker).expect("a notice form") + marker.len();
    let notice_id = &page.html[start..start + 36];
    let followed = visitor.post(&format!("/notices/{notice_id}/read"), &[("csrf", &page.csrf())]).await;
    followed.assert_redirects_to(&format!("/proposals/{id}"));
    visitor.get("/notices").await.assert_shows("未读 0 条");
    visitor.get("/").await.assert_hides("未读通知");
}

async fn mail_preferences_are_chosen_per_kind_of_notice(app: TestApp) {
    let member = app.user(Role::Member).await;
    let visitor = PageVisitor::signed_in(&app, &member).await;
    let page = visitor.get("/account/mail").await;
    page.assert_shows("for=\"mode-filed\"");
    page.assert_shows("提案已立案");
    let saved = visitor.post("/account/mail", &[("csrf", &page.csrf()), ("filed", "daily")]).await;
    saved.assert_redirects_to("/account/mail?done=true");
    let page = visitor.get("/account/mail?done=true").await;
    page.assert_shows("已保存");
    let filed = &page.html[page.html.find("id=\"mode-filed\"").expect("the filed choice")..];
    let filed = &filed[..filed.find("</select>").expect("end")];
    assert!(filed.contains("value=\"daily\" selected"), "{filed}");

    let refused = visitor.post("/account/mail", &[("csrf", &page.csrf()), ("filed", "hourly")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_shows("id=\"mode-filed-error\"");
}

async fn the_public_finds_published_results_by_chinese_search_and_reads_the_public_reply_only(app: TestApp) {
    let published = app.proposal_in(ProposalState::Closed).await;
    let unpublished = app.proposal_in(ProposalState::Closed).await;
    let office = app.user(Role::Office).await;
    let path = format!("/api/proposals/{}/publish", published.id);
    app.post(&path, &office.token, json!({"version": app.version_of(&published.id)})).await.assert_ok();
    let visitor = PageVisitor::new(&app);
    let list = visitor.get("/public").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_shows(&format!("/public/proposals/{}", published.id));
    list.assert_hides(&unpublished.id);
    list.assert_shows("for=\"session_id\"");

    let found = visitor.get(&format!("/public?q={}", common::pages::encode("居家 养老"))).await;
    found.assert_shows("共 1 件");
    let none = visitor.get("/public?q=%E9%AB%98%E9%93%81").await; // 高铁
    none.assert_shows("共 0 件");

    let detail = visitor.get(&format!("/public/proposals/{}", published.id)).await;
    assert_eq!(detail.status, StatusCode::OK);
    detail.assert_shows("已将社区养老服务纳入年度重点工作");
    detail.assert_hides("12345678");
    detail.assert_hides("李四");
    let hidden = visitor.get(&format!("/public/proposals/{}", unpublished.id)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    let sessions = app.send(actix_web::http::Method::GET, "/api/public/sessions", None, None).await;
    sessions.assert_ok();
    assert_eq!(sessions.body[0]["id"], published.session_id);
    let units = app.send(actix_web::http::Method::GET, "/api/public/units", None, None).await;
    assert!(units.body.as_array().is_some_and(|u| u.iter().any(|u| u["id"] == published.lead().unit_id)));
    let sectors = app.send(actix_web::http::Method::GET, "/api/public/sectors", None, None).await;
    assert!(sectors.body.as_array().is_some_and(|s| !s.is_empty()));
}

async fn public_pages_answer_304_to_a_reader_who_has_them(app: TestApp) {
    let published = app.proposal_in(ProposalState::Published).await;
    let visitor = PageVisitor::new(&app);
    for path in ["/public".to_string(), format!("/public/proposals/{}", published.id)] {
        let first = visitor.get(&path).await;
        let etag = first.reply.headers.get(header::ETAG).expect("an ETag").to_str().expect("ASCII").to_string();
        let again = visitor.get_with(&path, &[(header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.html.is_empty());
    }
}

async fn the_stylesheet_is_served_by_the_binary_with_a_hashed_name(app: TestApp) {
    let visitor = PageVisitor::new(&app);
    let home = visitor.get("/").await;
    let marker = "rel=\"stylesheet\" href=\"";
    let start = home.html.find(marker).expect("a stylesheet") + marker.len();
    let href = &home.html[start..start + home.html[start..].find('"').expect("end")];
    assert!(href.starts_with("/assets/site-") && href.ends_with(".css"), "{href}");
    let css = visitor.get(href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.reply.content_type.starts_with("text/css"));
    let cache = css.reply.headers.get(header::CACHE_CONTROL).expect("cached").to_str().expect("ASCII");
    assert!(cache.contains("immutable"), "{cache}");
    assert_eq!(visitor.get("/assets/site-000000000000.css").await.status, StatusCode::NOT_FOUND);
    assert!(!home.html.contains("http://") && !home.html.contains("https://"), "nothing from elsewhere");
}

mod office_and_roles {
    use super::*;
    use crate::common::life::Life;

    both_backends!(
        every_page_answers_the_roles_that_may_see_it_and_404_to_the_others,
        the_office_searches_all_proposals_by_words_and_filters,
        the_office_reads_a_proposals_audit_trail_as_a_timeline,
        units_and_the_office_chase_deadlines_with_provisional_marks,
    );

    async fn every_page_answers_the_roles_that_may_see_it_and_404_to_the_others(app: TestApp) {
        let f = app.proposal_in(ProposalState::Handling).await;
        let office = app.user(Role::Office).await;
        let leader = app.user(Role::Leader).await;
        let admin = app.user(Role::Admin).await;
        let stranger = app.user(Role::Member).await;
        let detail = format!("/proposals/{}", f.id);
        let timeline = format!("/proposals/{}/timeline", f.id);
        // (page, who may see it); everyone else signed in gets 404.
        let cases: Vec<(&str, Vec<&common::TestUser>)> = vec![
            ("/proposals/new", vec![&f.proposer, &stranger, &office]),
            (detail.as_str(), vec![&f.proposer, &office, &f.lead().staff, &f.lead().head, &f.co().staff, &f.co().head]),
            (timeline.as_str(), vec![&office]),
            (
                "/deadlines",
                vec![&office, &leader, &admin, &f.lead().staff, &f.lead().head, &f.co().staff, &f.co().head],
            ),
            ("/mail", vec![&office, &admin]),
            ("/admin", vec![&admin]),
            ("/statistics", vec![&office, &leader, &admin]),
        ];
        let everyone = [
            &f.proposer,
            &stranger,
            &office,
            &leader,
            &admin,
            &f.lead().staff,
            &f.lead().head,
            &f.co().staff,
            &f.co().head,
        ];
        let mut visitors = Vec::new();
        for who in everyone {
            visitors.push((who, PageVisitor::signed_in(&app, who).await));
        }
        for (path, allowed) in &cases {
            for (who, visitor) in &visitors {
                let page = visitor.get(path).await;
                let may = allowed.iter().any(|a| a.id == who.id);
                let expected = if may { StatusCode::OK } else { StatusCode::NOT_FOUND };
                assert_eq!(page.status, expected, "{path} for {:?} {}", who.role, who.username);
                if !may {
                    page.assert_hides("社区居家养老");
                }
            }
            PageVisitor::new(&app).get(path).await.assert_redirects_to(&format!("/sign-in?next={path}"));
        }
        // Pages for everyone signed in.
        for path in ["/", "/notices", "/account/password", "/account/mail", "/proposals"] {
            for (who, visitor) in &visitors {
                assert_eq!(visitor.get(path).await.status, StatusCode::OK, "{path} for {:?}", who.role);
            }
        }
    }

    async fn the_office_searches_all_proposals_by_words_and_filters(app: TestApp) {
        let life = Life::new(&app).await;
        let wanted = life.draft(&life.member, "关于推进老旧小区加装电梯的提案").await;
        life.submit(&wanted, &life.member).await;
        let other = life.draft(&life.member, "关于改善校园周边交通秩序的提案").await;
        life.submit(&other, &life.member).await;
        life.file(&other).await;
        let office = PageVisitor::signed_in(&app, &life.office).await;
        let found = office.get(&format!("/proposals?q={}", common::pages::encode("加装 电梯"))).await;
        found.assert_shows("共 1 件");
        found.assert_shows(&wanted);
        let filed = office.get("/proposals?state=filed").await;
        filed.assert_shows(&other);
        filed.assert_hides(&wanted);
        office.get("/proposals?state=submitted").await.assert_shows(&wanted);
        office.get("/proposals?kind=proposal&state=submitted").await.assert_shows(&wanted);
        office.get("/proposals?kind=suggestion").await.assert_shows("共 0 件");
        office.get("/proposals?pending_request=true").await.assert_shows("共 0 件");
        // The search is saved under a name and opened again from the list.
        let filed_page = office.get("/proposals?state=filed").await;
        let query = filed_page.input("query");
        let saved = office
            .post("/proposals/saved", &[("csrf", &filed_page.csrf()), ("name", "待交办"), ("query", &query)])
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let list = office.get(saved.location.as_deref().expect("back to the list")).await;
        list.assert_shows("已保存为常用查询");
        list.assert_shows("<a href=\"/proposals?state=filed\">待交办</a>");
        let marker = "action=\"/proposals/saved/";
        let start = list.html.find(marker).expect("a remove form") + marker.len();
        let saved_id = &list.html[start..start + 36];
        let removed = office.post(&format!("/proposals/saved/{saved_id}/remove"), &[("csrf", &list.csrf())]).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER);
        office.get("/proposals").await.assert_hides("常用查询");
        let bad = office.get("/proposals?unit_id=not-an-id").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        bad.assert_shows("不是有效的编号");
        // A member searches only their own.
        let stranger = PageVisitor::signed_in(&app, &app.user(Role::Member).await).await;
        stranger.get(&format!("/proposals?q={}", common::pages::encode("电梯"))).await.assert_shows("共 0 件");
    }

    async fn the_office_reads_a_proposals_audit_trail_as_a_timeline(app: TestApp) {
        let life = Life::new(&app).await;
        let id = life.draft(&life.member, "关于推进老旧小区加装电梯的提案").await;
        life.submit(&id, &life.member).await;
        life.file(&id).await;
        let office = PageVisitor::signed_in(&app, &life.office).await;
        let page = office.get(&format!("/proposals/{id}/timeline")).await;
        assert_eq!(page.status, StatusCode::OK);
        let (submitted, filed) = (page.html.find("<strong>提交</strong>"), page.html.find("<strong>立案</strong>"));
        assert!(submitted.is_some() && filed.is_some() && submitted < filed, "{}", page.html);
        page.assert_shows("提案办工作人员");
    }

    async fn units_and_the_office_chase_deadlines_with_provisional_marks(app: TestApp) {
        let life = Life::new(&app).await;
        let unit = life.unit().await;
        let id = life.draft(&life.member, "关于推进老旧小区加装电梯的提案").await;
        life.submit(&id, &life.member).await;
        life.file(&id).await;
        life.assign_lead_and_co(&id, &unit, &[]).await;
        let staff = PageVisitor::signed_in(&app, &unit.staff).await;
        let page = staff.get("/deadlines?within=250").await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_shows(&format!("/proposals/{id}"));
        page.assert_shows("答复");
        let office = PageVisitor::signed_in(&app, &life.office).await;
        office.get("/deadlines?within=250").await.assert_shows(&unit.name);
        let other = PageVisitor::signed_in(&app, &app.user(Role::UnitStaff).await).await;
        other.get("/deadlines?within=250").await.assert_hides(&format!("/proposals/{id}"));
    }
}

async fn the_public_statistics_page_charts_the_figures_with_a_table_beside_them(app: TestApp) {
    let f = app.proposal_in(ProposalState::Closed).await;
    let visitor = PageVisitor::new(&app);
    let page = visitor.get("/public/statistics").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.assert_shows("共收到提案 1 件");
    page.assert_shows("答复类别");
    page.assert_shows("<th scope=\"row\">A类</th><td>100.0%</td><td>1/1</td>");
    page.assert_shows("各承办单位按期办复率");
    let unit: String = app
        .with_conn(|c| {
            use proposal_desk::db::schema::units;
            units::table.find(&f.lead().unit_id).select(units::name).first(c)
        })
        .expect("unit name");
    page.assert_shows(&unit);
    let etag = page.reply.headers.get(header::ETAG).expect("an ETag").to_str().expect("ASCII").to_string();
    let again = visitor.get_with("/public/statistics", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let chosen = visitor.get(&format!("/public/statistics?session_id={}", f.session_id)).await;
    chosen.assert_shows("共收到提案 1 件");
}

async fn the_office_reads_its_figures_in_any_scope_from_a_page(app: TestApp) {
    let f = app.proposal_in(ProposalState::Closed).await;
    let office = PageVisitor::signed_in(&app, &app.user(Role::Office).await).await;
    // Nothing asked: the newest session.
    let page = office.get("/statistics").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.assert_shows("一届一次会议");
    page.assert_shows("共收到提案 1 件，经审查立案 1 件");
    for title in ["总体情况", "承办单位", "界别", "类别", "提出方式", "重点提案", "领办督办", "领导"]
    {
        page.assert_shows(&format!(">{title}</h2>"));
    }
    page.assert_shows("<th scope=\"col\">按期办复率</th>");
    page.assert_shows(&format!("/statistics/workbook.xlsx?session_id={}", f.session_id));
    page.assert_shows(&format!("/statistics/by_unit.csv?session_id={}", f.session_id));
    let term: String = app
        .with_conn(|c| {
            use proposal_desk::db::schema::committee_sessions;
            committee_sessions::table.find(&f.session_id).select(committee_sessions::term_id).first(c)
        })
        .expect("term");
    let by_term = office
        .get(&format!("/statistics?scope=term&term_id={term}&session_id=&year=&from=&to=&stage=&kind=proposal"))
        .await;
    assert_eq!(by_term.status, StatusCode::OK, "{}", by_term.html);
    by_term.assert_shows("共收到提案 1 件");
    let year = app.clock_now().format("%Y").to_string();
    let plenary_elsewhere = office.get(&format!("/statistics?scope=year&year={year}&stage=between")).await;
    plenary_elsewhere.assert_shows("（平时提案）");
    let wrong = office.get("/statistics?scope=range&from=2026-05-01&to=2026-04-01").await;
    assert_eq!(wrong.status, StatusCode::OK);
    wrong.assert_shows("结束日期不能早于开始日期");
    wrong.assert_hides(">总体情况</h2>");
}

mod administration {
    use super::*;

    both_backends!(the_administrator_keeps_accounts_units_sectors_and_sessions_from_the_pages);

    async fn the_administrator_keeps_accounts_units_sectors_and_sessions_from_the_pages(app: TestApp) {
        let admin = app.user(Role::Admin).await;
        let visitor = PageVisitor::signed_in(&app, &admin).await;
        let page = visitor.get("/admin").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page.csrf();

        let unit = visitor
            .post("/admin/units", &[("csrf", &csrf), ("code", "swj"), ("name", "区水务局"), ("kind", "政府部门")])
            .await;
        assert_eq!(unit.status, StatusCode::OK, "{}", unit.html);
        unit.assert_shows("已添加承办单位 区水务局");
        let sector = visitor.post("/admin/sectors", &[("csrf", &csrf), ("code", "kj"), ("name", "科技界")]).await;
        sector.assert_shows("已添加界别 科技界");

        let refused = visitor
            .post("/admin/users", &[("csrf", &csrf), ("username", "A B"), ("display_name", "张三"), ("role", "member")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.html);
        refused.assert_shows("id=\"new-username-error\"");
        refused.assert_shows("value=\"张三\"");

        let sector_id = app
            .with_conn(|c| {
                use proposal_desk::db::schema::sectors;
                sectors::table.filter(sectors::code.eq("kj")).select(sectors::id).first::<String>(c)
            })
            .expect("sector");
        let created = visitor
            .post(
                "/admin/users",
                &[
                    ("csrf", &csrf),
                    ("username", "zhangsan"),
                    ("display_name", "张三"),
                    ("role", "member"),
                    ("sector_id", &sector_id),
                ],
            )
            .await;
        created.assert_shows("已创建账号 zhangsan");
        created.assert_shows("初始密码");
        let id = app
            .with_conn(|c| users::table.filter(users::username.eq("zhangsan")).select(users::id).first::<String>(c))
            .expect("id");
        visitor.post(&format!("/admin/disable/{id}"), &[("csrf", &csrf)]).await.assert_shows("账号 zhangsan 已停用");
        visitor.post(&format!("/admin/enable/{id}"), &[("csrf", &csrf)]).await.assert_shows("账号 zhangsan 已启用");

        let term = visitor
            .post("/admin/terms", &[("csrf", &csrf), ("number", "2"), ("name", "第二届"), ("starts_on", "2027-01-10")])
            .await;
        term.assert_shows("已添加第二届");
        let term_id = app
            .with_conn(|c| {
                use proposal_desk::db::schema::committee_terms as t;
                t::table.filter(t::number.eq(2)).select(t::id).first::<String>(c)
            })
            .expect("term");
        let renamed = visitor
            .post(
                &format!("/admin/term/{term_id}"),
                &[
                    ("csrf", &csrf),
                    ("version", "1"),
                    ("name", "政协第二届"),
                    ("starts_on", "2027-01-10"),
                    ("ends_on", ""),
                ],
            )
            .await;
        renamed.assert_shows("政协第二届已修改");

        // Edits: an account's role and affiliation, a unit's name, a session's reply day.
        let page = visitor.get("/admin?q=zhangsan").await;
        let edit = format!("action=\"/admin/user/{id}\"");
        let form = &page.html[page.html.find(&edit).expect("an edit form")..];
        let version = {
            let m = "name=\"version\" value=\"";
            let start = form.find(m).expect("version") + m.len();
            form[start..start + form[start..].find('"').expect("end")].to_string()
        };
        let unit_id = app
            .with_conn(|c| {
                use proposal_desk::db::schema::units;
                units::table.filter(units::code.eq("swj")).select(units::id).first::<String>(c)
            })
            .expect("unit");
        let moved = visitor
            .post(
                &format!("/admin/user/{id}"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("display_name", "张三"),
                    ("role", "unit_staff"),
                    ("unit_id", &unit_id),
                ],
            )
            .await;
        moved.assert_shows("账号 zhangsan 已修改");
        let stale = visitor
            .post(
                &format!("/admin/user/{id}"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("display_name", "张三"),
                    ("role", "member"),
                    ("sector_id", &sector_id),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "a stale edit is refused: {}", stale.html);
        let session = app.committee_session();
        let session_version = app
            .with_conn(|c| {
                use proposal_desk::db::schema::committee_sessions as s;
                s::table
                    .find(&session)
                    .select((s::version, s::name, s::opens_on, s::plenary_window_start, s::plenary_window_end))
                    .first::<(i32, String, chrono::NaiveDate, chrono::NaiveDate, chrono::NaiveDate)>(c)
            })
            .expect("session");
        let (v, name, opens, start, end) = session_version;
        let due = (opens + chrono::Duration::days(120)).to_string();
        let edited = visitor
            .post(
                &format!("/admin/session/{session}"),
                &[
                    ("csrf", &csrf),
                    ("version", &v.to_string()),
                    ("name", &name),
                    ("opens_on", &opens.to_string()),
                    ("plenary_window_start", &start.to_string()),
                    ("plenary_window_end", &end.to_string()),
                    ("replies_due_on", &due),
                ],
            )
            .await;
        edited.assert_shows(&format!("答复截止 {due}"));

        // Nobody else reaches these pages or forms.
        let member = PageVisitor::signed_in(&app, &app.user(Role::Member).await).await;
        assert_eq!(member.get("/admin").await.status, StatusCode::NOT_FOUND);
        let forged = member
            .post(
                "/admin/units",
                &[("csrf", &member.get("/").await.csrf()), ("code", "x"), ("name", "x"), ("kind", "x")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND);
    }
}
