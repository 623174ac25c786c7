//! Whole lives of proposals taken through the pages only, each person in
//! their own browser: what every role does, from the forms the proposal's
//! page offers them.

use crate::common;

use actix_web::http::StatusCode;
use chrono::Duration;
use common::TestApp;
use common::life::Life;
use common::pages::{Page, PageVisitor};
use proposal_desk::domain::Role;

both_backends!(
    a_key_proposal_lives_through_re_handling_to_publication_from_the_pages,
    a_return_is_approved_with_reassignment_from_the_pages,
    a_refused_filing_is_read_by_its_member_and_a_refused_form_keeps_what_was_typed,
);

const TITLE: &str = "关于完善社区养老驿站服务的提案";

/// The new proposal's id, from where saving its draft led.
fn created(page: &Page) -> String {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let location = page.location.as_deref().expect("a location");
    location.trim_start_matches("/proposals/").split('?').next().expect("an id").to_string()
}

async fn write_draft(member: &PageVisitor<'_>, title: &str) -> String {
    let form = member.get("/proposals/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    let saved = member
        .post(
            "/proposals/new",
            &[
                ("csrf", &form.csrf()),
                ("title", title),
                ("topic", "社会保障"),
                ("reasons", "老年人口增长较快，社区养老驿站服务项目单一，专业人员不足。"),
                ("suggestions", "1. 扩大驿站助餐、助浴服务。\n2. 培养专业护理人员。"),
            ],
        )
        .await;
    created(&saved)
}

fn display_name(app: &TestApp, id: &str) -> String {
    use diesel::prelude::*;
    use proposal_desk::db::schema::users;
    app.with_conn(|c| users::table.find(id).select(users::display_name).first(c)).expect("name")
}

async fn a_key_proposal_lives_through_re_handling_to_publication_from_the_pages(app: TestApp) {
    let life = Life::new(&app).await;
    let (lead, co) = (life.unit().await, life.unit().await);
    let cosigner = life.person(Role::Member).await;
    let leader = life.person(Role::Leader).await;
    let member = PageVisitor::signed_in(&app, &life.member).await;
    let office = PageVisitor::signed_in(&app, &life.office).await;

    // The member writes, invites a co-signer found by name, and submits.
    let id = write_draft(&member, TITLE).await;
    let name = display_name(&app, &cosigner.id);
    let sector: String = app
        .with_conn(|c| {
            use diesel::prelude::*;
            use proposal_desk::db::schema::users;
            users::table.find(&cosigner.id).select(users::sector_id).first::<Option<String>>(c)
        })
        .expect("sector")
        .expect("a member's sector");
    let by_sector = member.get(&format!("/proposals/{id}?cosigner_sector={sector}")).await;
    by_sector.assert_shows(&format!("value=\"{}\"", cosigner.id));
    let search = format!("/proposals/{id}?cosigner_q={}", common::pages::encode(&name));
    member.get(&search).await.assert_shows(&format!("value=\"{}\"", cosigner.id));
    member.act_at(&search, &id, "invite_cosigners", &[("member_ids", &cosigner.id)]).await;
    let invited = PageVisitor::signed_in(&app, &cosigner).await;
    invited.get("/notices").await.assert_shows("联名");
    invited.act(&id, "answer_invitation", &[("accept", "true")]).await.assert_shows("已确认联名");
    member.act(&id, "submit", &[]).await;

    // The office files it, makes it key with a leader, and gives it to two units.
    office.act(&id, "file", &[]).await.assert_shows("第1号提案");
    office.act(&id, "mark_key", &[("leader_id", &leader.id), ("mode", "lead")]).await.assert_shows("重点提案（领办）");
    let (lead_part, co_part) = (format!("part_{}", lead.id), format!("part_{}", co.id));
    office.act(&id, "assign", &[(&lead_part, "lead"), (&co_part, "co")]).await.assert_shows(&lead.name);

    // The leader follows it.
    let leads = PageVisitor::signed_in(&app, &leader).await;
    leads.get("/proposals").await.assert_shows(TITLE);

    // The units: the co unit signs and sends its opinion; the lead signs, talks with the member, replies B.
    let co_staff = PageVisitor::signed_in(&app, &co.staff).await;
    let co_assignment = co_staff.get(&format!("/proposals/{id}")).await.input("assignment_id");
    co_staff.act(&id, "sign_for", &[("assignment_id", &co_assignment)]).await;
    co_staff.act(&id, "send_opinion", &[("assignment_id", &co_assignment), ("body", "建议统筹辖区医疗资源。")]).await;
    let staff = PageVisitor::signed_in(&app, &lead.staff).await;
    let head = PageVisitor::signed_in(&app, &lead.head).await;
    let mine = staff.get(&format!("/proposals/{id}")).await.input("assignment_id");
    staff.act(&id, "sign_for", &[("assignment_id", &mine)]).await;
    let today = life.today().to_string();
    staff
        .act(
            &id,
            "record_contact",
            &[("assignment_id", &mine), ("kind", "meeting"), ("contacted_on", &today), ("summary", "当面听取意见")],
        )
        .await;
    let target = (life.today() + Duration::days(90)).to_string();
    let reply = [
        ("assignment_id", mine.as_str()),
        ("grade", "B"),
        ("body", "经研究，拟于年内新增两处驿站。联系人：张三，电话 12345678。"),
        ("public_body", "经研究，拟于年内新增两处驿站。"),
        ("person_in_charge", "李四"),
        ("commitment_0", "新增两处养老驿站"),
        ("commitment_0_on", target.as_str()),
    ];
    staff.act(&id, "draft_reply", &reply).await.assert_shows("草稿，尚未提交");
    head.act(&id, "sign_off_reply", &[("assignment_id", &mine)]).await.assert_shows("已签发");
    staff.act(&id, "submit_reply", &[("assignment_id", &mine)]).await;

    // The member reads the reply and is not satisfied: it is handled again.
    let replied = member.get(&format!("/proposals/{id}")).await;
    replied.assert_shows("B类");
    replied.assert_shows("新增两处养老驿站");
    member.act(&id, "rate", &[("process", "satisfied"), ("result", "unsatisfied")]).await;
    office.get(&format!("/proposals/{id}")).await.assert_shows("第 2 轮办理");
    office.act(&id, "assign", &[(&lead_part, "lead")]).await;
    let mine = staff.get(&format!("/proposals/{id}")).await.input("assignment_id");
    staff.act(&id, "sign_for", &[("assignment_id", &mine)]).await;
    staff
        .act(
            &id,
            "record_contact",
            &[("assignment_id", &mine), ("kind", "visit"), ("contacted_on", &today), ("summary", "再次走访")],
        )
        .await;
    let reply = [
        ("assignment_id", mine.as_str()),
        ("grade", "A"),
        ("body", "两处驿站已建成开放。联系人：张三，电话 12345678。"),
        ("public_body", "两处驿站已建成开放，助餐服务覆盖全街道。"),
        ("person_in_charge", "李四"),
    ];
    staff.act(&id, "draft_reply", &reply).await;
    head.act(&id, "sign_off_reply", &[("assignment_id", &mine)]).await;
    staff.act(&id, "submit_reply", &[("assignment_id", &mine)]).await;
    member.act(&id, "rate", &[("process", "satisfied"), ("result", "satisfied")]).await;

    // The reply letter, as the member prints it.
    let page = member.get(&format!("/proposals/{id}")).await;
    let marker = "/letter?reply=";
    let start = page.html.rfind(marker).expect("a letter link") + marker.len();
    let reply_id = &page.html[start..start + 36];
    let letter = member.get(&format!("/proposals/{id}/letter?reply={reply_id}")).await;
    assert_eq!(letter.status, StatusCode::OK, "{}", letter.html);
    letter.assert_shows("关于一届一次会议第1号提案的答复");
    letter.assert_shows("class=\"grade-mark\"");
    letter.assert_shows(&lead.name);
    letter.assert_shows("两处驿站已建成开放。联系人");
    letter.assert_shows("承办负责人</dt><dd>李四");
    let stranger = PageVisitor::signed_in(&app, &life.person(Role::Member).await).await;
    assert_eq!(stranger.get(&format!("/proposals/{id}/letter")).await.status, StatusCode::NOT_FOUND);

    // The office closes and publishes; anyone finds it by a Chinese word and reads the public version only.
    office.act(&id, "close", &[]).await;
    office.act(&id, "publish", &[]).await;
    let visitor = PageVisitor::new(&app);
    let found = visitor.get(&format!("/public?q={}", common::pages::encode("养老驿站"))).await;
    found.assert_shows(&format!("/public/proposals/{id}"));
    let public = visitor.get(&format!("/public/proposals/{id}")).await;
    public.assert_shows("两处驿站已建成开放，助餐服务覆盖全街道。");
    let letter = visitor.get(&format!("/public/proposals/{id}/letter")).await;
    assert_eq!(letter.status, StatusCode::OK);
    letter.assert_shows("关于一届一次会议第1号提案的答复");
    letter.assert_shows("两处驿站已建成开放，助餐服务覆盖全街道。");
    letter.assert_hides("12345678");
    letter.assert_hides("李四");
    public.assert_shows("领办");
    public.assert_hides("12345678");
    public.assert_hides("李四");
}

async fn a_return_is_approved_with_reassignment_from_the_pages(app: TestApp) {
    let life = Life::new(&app).await;
    let (first, second) = (life.unit().await, life.unit().await);
    let member = PageVisitor::signed_in(&app, &life.member).await;
    let office = PageVisitor::signed_in(&app, &life.office).await;
    let id = write_draft(&member, "关于规范共享单车停放的提案").await;
    member.act(&id, "submit", &[]).await;
    office.act(&id, "file", &[]).await;
    office.act(&id, "assign", &[(&format!("part_{}", first.id), "lead")]).await;

    let staff = PageVisitor::signed_in(&app, &first.staff).await;
    let mine = staff.get(&format!("/proposals/{id}")).await.input("assignment_id");
    staff.act(&id, "request_return", &[("assignment_id", &mine), ("reason", "不属于本单位职责")]).await;

    let page = office.get(&format!("/proposals/{id}")).await;
    page.assert_shows("不属于本单位职责");
    let request = page.input("request_id");
    office
        .act(
            &id,
            "decide_return",
            &[("request_id", &request), ("approve", "true"), ("reassign_to_unit_id", &second.id)],
        )
        .await;
    let taken = PageVisitor::signed_in(&app, &second.staff).await;
    let now = taken.get(&format!("/proposals/{id}")).await;
    now.assert_shows("/act/sign_for");
    assert_eq!(staff.get(&format!("/proposals/{id}")).await.status, StatusCode::NOT_FOUND, "released");
}

async fn a_refused_filing_is_read_by_its_member_and_a_refused_form_keeps_what_was_typed(app: TestApp) {
    let life = Life::new(&app).await;
    let member = PageVisitor::signed_in(&app, &life.member).await;
    let office = PageVisitor::signed_in(&app, &life.office).await;

    // A draft too short is refused field by field, and nothing typed is lost.
    let form = member.get("/proposals/new").await;
    let short = member
        .post(
            "/proposals/new",
            &[
                ("csrf", &form.csrf()),
                ("title", "太短"),
                ("topic", "教育"),
                ("reasons", "理由写得足够长了吗还没有"),
                ("suggestions", "短"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    short.assert_shows("id=\"title-error\"");
    short.assert_shows("value=\"太短\"");
    short.assert_shows("理由写得足够长了吗还没有");

    let id = write_draft(&member, "关于在小区增设快递柜的提案").await;

    // A file is attached to the draft, downloaded as it was, and a file of another type is refused.
    let page = member.get(&format!("/proposals/{id}")).await;
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let fields = [("csrf", page.csrf()), ("version", page.input("version"))];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let added =
        member.post_file(&format!("/proposals/{id}/files"), &fields, ("调研报告.pdf", "application/pdf", pdf)).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    let page = member.get(&format!("/proposals/{id}")).await;
    page.assert_shows("调研报告.pdf");
    let marker = format!("/proposals/{id}/files/");
    let start = page.html.find(&marker).expect("a file link") + marker.len();
    let file = &page.html[start..start + 36];
    let got = member.get(&format!("/proposals/{id}/files/{file}")).await;
    assert_eq!(got.reply.bytes, pdf.to_vec());
    let fields = [("csrf", page.csrf()), ("version", page.input("version"))];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let exe = member
        .post_file(&format!("/proposals/{id}/files"), &fields, ("run.exe", "application/octet-stream", b"MZ"))
        .await;
    assert!(exe.status.is_client_error(), "{}", exe.status);
    exe.assert_shows("未能完成");
    member.act(&id, "submit", &[]).await;
    let refused = office.refused(&id, "refuse_filing", &[("reason_code", ""), ("reason_text", "请补充调研材料")]).await;
    refused.assert_shows("请补充调研材料");
    refused.assert_shows("未能完成");
    office
        .act(
            &id,
            "refuse_filing",
            &[("reason_code", "individual_case"), ("reason_text", "所提事项属于物业管理范畴，建议向街道反映。")],
        )
        .await;
    let read = member.get(&format!("/proposals/{id}")).await;
    read.assert_shows("不予立案");
    read.assert_shows("涉及个人或具体案件");
    read.assert_shows("所提事项属于物业管理范畴");
}
