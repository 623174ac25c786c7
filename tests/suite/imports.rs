//! 历史数据导入: the office brings a past year's proposals in from its
//! spreadsheet. A dry run reports every bad row by number and reason and
//! writes nothing; the import adds every row or none; the same file again
//! (in UTF-8 with a BOM, in GBK, or as a workbook) changes nothing; the
//! imported proposals count in their year's statistics, are searchable once
//! published, and each is an audited import.

use crate::common;

use chrono::NaiveDate;
use diesel::prelude::*;
use proposal_desk::audit::{Actor, Origin};
use proposal_desk::db::schema::{committee_sessions, committee_terms, proposals, users};
use proposal_desk::domain::Role;
use proposal_desk::import::{self, Encoding, Importer, Plan, Sheet};
use serde_json::Value;

use common::{TestApp, TestUser};

const HEADER: &str = "会议,案号,标题,提案人,界别,联名人,类别,提交日期,大会/平时,状态,不立案理由,并入案号,\
主办单位,会办单位,答复日期,答复类别,答复内容,沟通方式,过程满意度,结果满意度,重点提案,督办方式,督办领导";

/// A past session (2025), its members, units and a leader.
struct Past {
    office: TestUser,
    /// 王芳 (her sector's name) and the two 李明 of two sectors.
    sector_of_li: String,
    unit1: String,
    unit2: String,
    leader: String,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

async fn past(app: &TestApp) -> Past {
    let office = app.user(Role::Office).await;
    let wang = app.account("wangfang-import", Role::Member);
    let li1 = app.account("liming-a", Role::Member);
    let li2 = app.account("liming-b", Role::Member);
    let leader = app.account("leader-import", Role::Leader);
    app.unit("imp1");
    app.unit("imp2");
    let now = app.clock_now();
    let sector_of_li = app
        .with_conn(|conn| {
            for (id, name) in [(&wang, "王芳"), (&li1, "李明"), (&li2, "李明"), (&leader, "区长 马志远")] {
                diesel::update(users::table.find(id)).set(users::display_name.eq(name)).execute(conn)?;
            }
            let term = uuid::Uuid::new_v4().to_string();
            diesel::insert_into(committee_terms::table)
                .values((
                    committee_terms::id.eq(&term),
                    committee_terms::number.eq(1),
                    committee_terms::name.eq("第一届"),
                    committee_terms::starts_on.eq(day(2024, 12, 1)),
                    committee_terms::created_at.eq(now),
                    committee_terms::updated_at.eq(now),
                ))
                .execute(conn)?;
            diesel::insert_into(committee_sessions::table)
                .values((
                    committee_sessions::id.eq(uuid::Uuid::new_v4().to_string()),
                    committee_sessions::term_id.eq(&term),
                    committee_sessions::number.eq(1),
                    committee_sessions::name.eq("二〇二五年会议"),
                    committee_sessions::opens_on.eq(day(2025, 1, 10)),
                    committee_sessions::plenary_window_start.eq(day(2024, 12, 1)),
                    committee_sessions::plenary_window_end.eq(day(2025, 1, 14)),
                    committee_sessions::created_at.eq(now),
                    committee_sessions::updated_at.eq(now),
                ))
                .execute(conn)?;
            let sector: Option<String> = users::table.find(&li2).select(users::sector_id).first(conn)?;
            proposal_desk::db::schema::sectors::table
                .find(sector.unwrap_or_default())
                .select(proposal_desk::db::schema::sectors::name)
                .first::<String>(conn)
        })
        .expect("the past session");
    Past {
        office, sector_of_li, unit1: "单位imp1".into(), unit2: "单位imp2".into(), leader: "区长 马志远".into()
    }
}

/// Five good rows: a published key proposal (A, met, both satisfied), a
/// closed one of the second 李明 with a co-signer (B, phoned, basically
/// satisfied), a between-session one merged into the first, one refused,
/// and a replied one not yet rated.
fn good_rows(p: &Past) -> Vec<String> {
    let (u1, u2, leader, li) = (&p.unit1, &p.unit2, &p.leader, &p.sector_of_li);
    vec![
        format!(
            "二〇二五年会议,1,关于加快老旧小区加装电梯的建议,王芳,,,城乡建设,2025-01-06,,已公开,,,{u1},{u2},2025-04-18,A,\
已将加装电梯列入年度民生实事项目。,走访,满意,满意,是,领办,{leader}"
        ),
        format!(
            "二〇二五年会议,二〇二五年会议第2号提案,关于发展社区嵌入式托育的建议,李明,{li},王芳,社会保障,2025/1/8,,已办结,,,{u1},,\
2025年5月20日,B类,正在推进。,电话,基本满意,满意,否,,"
        ),
        "二〇二五年会议,,关于增设社区托育点的意见,王芳,,,社会保障,2025-06-01,,已并案,,1,,,,,,,,,,,".into(),
        "二〇二五年会议,,关于某小区停车纠纷的意见,王芳,,,其他,2025-06-02,,不予立案,涉及具体纠纷,,,,,,,,,,,,".into(),
        format!(
            "二〇二五年会议,3,关于完善夜间公交线路的建议,王芳,,,城乡建设,2025-07-01,平时,已答复,,,{u2},,2025-09-30,C,留作参考。,,,,,,"
        ),
    ]
}

fn csv(rows: &[String]) -> String {
    let mut text = String::from(HEADER);
    for r in rows {
        text.push_str("\r\n");
        text.push_str(r);
    }
    text.push_str("\r\n");
    text
}

fn with_bom(text: &str) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn dry_run(app: &TestApp, sheet: &Sheet) -> Plan {
    let (office, workflow, now) = (app.state.office.clone(), app.state.settings.workflow.clone(), app.clock_now());
    app.with_conn(|conn| import::dry_run(conn, sheet, &workflow, &office, now)).expect("dry run")
}

fn run(app: &TestApp, by: &TestUser, sheet: &Sheet) -> proposal_desk::error::AppResult<import::Imported> {
    let (office, workflow, now) = (app.state.office.clone(), app.state.settings.workflow.clone(), app.clock_now());
    let actor = Actor { user_id: Some(by.id.clone()), name: by.username.clone(), role: "office".into() };
    let origin = Origin::default();
    app.state.db.write_blocking(|conn| {
        let by = Importer {
            user_id: &by.id,
            actor: &actor,
            origin: &origin,
            office: &office,
            now,
            file_name: "2025年提案.csv",
        };
        import::import(conn, &by, sheet, &workflow, &mut |_, _| {})
    })
}

fn count_proposals(app: &TestApp) -> i64 {
    app.with_conn(|c| proposals::table.count().get_result(c)).expect("count")
}

/// The figures the past year's statistics are checked by, in the order of the hand count.
const FIGURES: [&str; 13] = [
    "submitted",
    "filed",
    "merged",
    "after_merging",
    "replied",
    "contacted",
    "rated",
    "both_satisfied",
    "closed",
    "published",
    "grade_a",
    "grade_b",
    "grade_c",
];

async fn year_2025(app: &TestApp, office: &TestUser) -> Value {
    let reply = app.get("/api/statistics?scope=year&year=2025", &office.token).await;
    reply.assert_ok();
    reply.body
}

both_backends!(
    past_proposals_are_imported_once_and_count_in_their_year,
    a_file_with_bad_rows_is_reported_row_by_row_and_imports_nothing,
    a_workbook_reads_as_its_csv_does,
    the_office_imports_from_its_page_after_seeing_the_dry_run
);

async fn past_proposals_are_imported_once_and_count_in_their_year(app: TestApp) {
    let p = past(&app).await;
    let text = csv(&good_rows(&p));
    let sheet = import::file::read(&with_bom(&text), None).expect("readable");
    assert_eq!(sheet.format, "CSV（UTF-8）");
    let plan = dry_run(&app, &sheet);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!((plan.rows, plan.to_add()), (5, 5));
    let before = count_proposals(&app);
    let seq = app.last_audit_seq();
    let done = run(&app, &p.office, &sheet).expect("imported");
    assert_eq!((done.added, done.unchanged), (5, 0));
    assert_eq!(count_proposals(&app), before + 5);
    let events = app.audit_actions_after(seq);
    let imports = events.iter().filter(|(action, _, _)| action == "proposal.import").count();
    assert_eq!(imports, 5, "one audited import per proposal: {events:?}");
    assert!(events.iter().any(|(action, _, _)| action == "import.file"));

    // The year's statistics, counted by hand: 5 handed in, 4 filed (3
    // numbered and 1 merged), 3 after merging, 3 replied, 1 met in person
    // (走访; a phone call is not), 2 rated and both satisfied (基本满意
    // counts), 2 closed, 1 published, grades A, B, C.
    let report = year_2025(&app, &p.office).await;
    let c = &report["totals"]["counts"];
    let figure = |name: &str| c[name].as_i64().unwrap_or(-1);
    assert_eq!(FIGURES.map(figure), [5, 4, 1, 3, 3, 1, 2, 2, 2, 1, 1, 1, 1], "{c}");
    // Due three months after assignment (the configured rule): the first
    // two were answered later, the last one in time.
    assert_eq!(figure("replied_on_time"), 1, "{c}");
    // The same figures in every other kind of scope that holds all five: their
    // session, its term, and the days of 2025.
    let (session_id, term_id): (String, String) = app
        .with_conn(|c| {
            committee_sessions::table
                .filter(committee_sessions::name.eq("二〇二五年会议"))
                .select((committee_sessions::id, committee_sessions::term_id))
                .first(c)
        })
        .expect("the past session");
    for scope in [
        format!("session_id={session_id}"),
        format!("scope=term&term_id={term_id}"),
        "scope=range&from=2025-01-01&to=2025-12-31".to_string(),
    ] {
        let reply = app.get(&format!("/api/statistics?{scope}"), &p.office.token).await;
        reply.assert_ok();
        let counts = &reply.body["totals"]["counts"];
        for name in FIGURES.iter().chain(&["replied_on_time"]) {
            assert_eq!(counts[name], c[name], "{name} in {scope}: {counts}");
        }
    }
    let key = report["by_key_mode"].as_array().expect("key modes");
    assert!(key.iter().any(|r| r["key"] == "lead" && r["counts"]["submitted"] == 1), "{key:?}");
    let stages = report["by_stage"].as_array().expect("stages");
    let plenary = stages.iter().find(|r| r["key"] == "plenary").expect("plenary");
    assert_eq!(plenary["counts"]["submitted"], 2, "handed in within the plenary window: {stages:?}");

    // The published one is found by the public search (加装电梯).
    let found = app
        .send(actix_web::http::Method::GET, "/api/public/proposals?q=%E5%8A%A0%E8%A3%85%E7%94%B5%E6%A2%AF", None, None)
        .await;
    found.assert_ok();
    assert_eq!(found.body["total"], 1, "{}", found.body);
    assert_eq!(found.body["items"][0]["number_label"], "二〇二五年会议第1号提案");

    // The same file again, in GBK this time: nothing changes.
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let again = import::file::read(&gbk, None).expect("readable");
    assert_eq!(again.format, "CSV（GBK）");
    let plan = dry_run(&app, &again);
    assert_eq!((plan.to_add(), plan.unchanged.len(), plan.changed.len()), (0, 5, 0), "{:?}", plan.problems);
    let done = run(&app, &p.office, &again).expect("run again");
    assert_eq!((done.added, done.unchanged), (0, 5));
    assert_eq!(count_proposals(&app), before + 5);

    // A corrected row is told apart, and still left as it is.
    let mut rows = good_rows(&p);
    rows[4] = rows[4].replace("留作参考。", "留作参考，明年再议。");
    let plan = dry_run(&app, &import::file::read(csv(&rows).as_bytes(), Some(Encoding::Utf8)).expect("readable"));
    assert_eq!((plan.to_add(), plan.unchanged.len(), plan.changed), (0, 4, vec![6]));

    // Numbers given from now on follow the imported ones.
    let next: i32 = app
        .with_conn(|c| {
            use proposal_desk::db::schema::number_sequences;
            number_sequences::table
                .inner_join(committee_sessions::table.on(committee_sessions::id.eq(number_sequences::session_id)))
                .filter(committee_sessions::name.eq("二〇二五年会议"))
                .select(number_sequences::last_number)
                .first(c)
        })
        .expect("numbering");
    assert_eq!(next, 3);
    let chain = app.with_conn(proposal_desk::audit::verify::verify).expect("verify");
    assert!(chain.events_checked > 5);
}

async fn a_file_with_bad_rows_is_reported_row_by_row_and_imports_nothing(app: TestApp) {
    let p = past(&app).await;
    let mut rows = good_rows(&p);
    // Row 7: the first row again. Row 8: an unknown session, proposer and unit.
    // Row 9: 李明 without a sector (two members share the name). Row 10: still in handling.
    rows.push(rows[0].clone());
    rows.push(format!(
        "一届九次会议,9,关于保护古树名木的建议,赵六,,,生态环境,2025-02-01,,已办结,,,{},,2025-03-01,A,,,,,,,",
        "单位不存在"
    ));
    rows.push(
        "二〇二五年会议,10,关于建设口袋公园的建议,李明,,,生态环境,2025-02-01,,已办结,,,单位imp1,,2025-03-01,A,,,,,,,"
            .into(),
    );
    rows.push("二〇二五年会议,11,关于规范共享单车停放的建议,王芳,,,城乡建设,2025-02-01,,办理中,,,,,,,,,,,,,".into());
    let sheet = import::file::read(csv(&rows).as_bytes(), None).expect("readable");
    let plan = dry_run(&app, &sheet);
    let told: Vec<(usize, &str, &str)> =
        plan.problems.iter().map(|p| (p.line, p.column.as_str(), p.reason.as_str())).collect();
    assert_eq!(
        told,
        [
            (7, "案号", "与第 2 行是同一条记录（同一会议、文种与案号，或同一标题与提案人）"),
            (8, "会议", "系统中没有会议「一届九次会议」：请先在届次管理中建立"),
            (9, "提案人", "有多位名为「李明」的委员：请填写「提案人账号」或「界别」以区分"),
            (10, "状态", "「办理中」的提案仍在办理中，不能作为历史记录导入"),
        ]
    );
    assert_eq!((plan.to_add(), plan.bad_rows()), (5, 4));
    let before = (count_proposals(&app), app.last_audit_seq());
    let refused = run(&app, &p.office, &sheet).expect_err("bad rows");
    assert!(format!("{refused:?}").contains("4 行有误"), "{refused:?}");
    assert_eq!((count_proposals(&app), app.last_audit_seq()), before, "nothing written");

    // A missing column is told before any row.
    let sheet = import::file::read("会议,标题,备注\n二〇二五年会议,关于,x\n".as_bytes(), None).expect("readable");
    let plan = dry_run(&app, &sheet);
    assert!(plan.problems.iter().all(|p| p.line == 1));
    assert!(plan.problems.iter().any(|p| p.reason == "缺少必需的列「提案人」"), "{:?}", plan.problems);
}

/// The same rows typed into Excel (days as date cells, numbers as numbers)
/// plan exactly as the CSV does, and a run of one after the other adds nothing.
async fn a_workbook_reads_as_its_csv_does(app: TestApp) {
    let p = past(&app).await;
    let rows = good_rows(&p);
    let text = csv(&rows);
    let from_csv = import::file::read(text.as_bytes(), None).expect("csv");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (r, line) in std::iter::once(HEADER.to_string()).chain(rows.iter().cloned()).enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            if let Ok(n) = cell.parse::<f64>() {
                sheet.write_number(r, c, n).expect("number");
            } else if let Some(d) = proposal_desk::domain::import::parse_date(cell).filter(|_| c == 7) {
                let d = rust_xlsxwriter::ExcelDateTime::from_ymd(
                    u16::try_from(chrono::Datelike::year(&d)).expect("year"),
                    chrono::Datelike::month(&d) as u8,
                    chrono::Datelike::day(&d) as u8,
                )
                .expect("day");
                sheet.write_datetime_with_format(r, c, &d, &date).expect("date");
            } else if !cell.is_empty() {
                sheet.write_string(r, c, cell).expect("text");
            }
        }
    }
    let bytes = book.save_to_buffer().expect("workbook");
    let from_xlsx = import::file::read(&bytes, None).expect("xlsx");
    assert_eq!(from_xlsx.format, "Excel");
    assert_eq!(from_xlsx.headers, from_csv.headers);
    let (a, b) = (dry_run(&app, &from_csv), dry_run(&app, &from_xlsx));
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    let keys = |plan: &Plan| plan.ready.iter().map(|r| (r.key.clone(), r.record.submitted_on)).collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));
    assert_eq!(b.ready[0].record.submitted_on, day(2025, 1, 6));
    run(&app, &p.office, &from_xlsx).expect("imported");
    let plan = dry_run(&app, &from_csv);
    assert_eq!((plan.to_add(), plan.unchanged.len() + plan.changed.len()), (0, 5));
}

async fn the_office_imports_from_its_page_after_seeing_the_dry_run(app: TestApp) {
    use common::pages::PageVisitor;
    let p = past(&app).await;
    let office = PageVisitor::signed_in(&app, &p.office).await;
    let page = office.get("/import").await;
    page.assert_shows("导入往年提案");
    page.assert_shows("督办领导");
    let csrf = page.csrf();
    let mut rows = good_rows(&p);
    rows.push("二〇二五年会议,11,关于规范共享单车停放的建议,王芳,,,城乡建设,2025-02-01,,办理中,,,,,,,,,,,,,".into());
    let text = csv(&rows);
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let sent = office.post_file("/import", &[("csrf", &csrf), ("encoding", "")], ("2025.csv", "text/csv", &gbk)).await;
    let report = sent.location.clone().expect("to the dry run");
    let page = office.get(&report).await;
    page.assert_shows("CSV（GBK）");
    page.assert_shows("有误：1 行");
    page.assert_shows("「办理中」的提案仍在办理中");
    page.assert_hides("确认导入");
    let before = count_proposals(&app);

    let good = with_bom(&csv(&good_rows(&p)));
    let sent = office.post_file("/import", &[("csrf", &csrf)], ("2025.csv", "text/csv", &good)).await;
    let report = sent.location.clone().expect("to the dry run");
    let page = office.get(&report).await;
    page.assert_shows("将新增 5 件");
    assert_eq!(count_proposals(&app), before, "a dry run writes nothing");
    let done = office.post(&format!("{report}/confirm"), &[("csrf", &page.csrf())]).await;
    done.assert_redirects_to(&report);
    office.get(&report).await.assert_shows("导入 5 件提案");
    assert_eq!(count_proposals(&app), before + 5);
    // Confirmed twice (a second click, another tab): imported once.
    let again = office.post(&format!("{report}/confirm"), &[("csrf", &page.csrf())]).await;
    again.assert_shows("这个文件已经导入过了");
    assert_eq!(count_proposals(&app), before + 5);

    // The template has every column; members and units see no import at all.
    let template = office.get("/import/template.csv").await;
    assert!(template.html.starts_with('\u{feff}'));
    assert!(template.html.contains("会议,文种,案号,标题,提案人"));
    let member = app.user(Role::Member).await;
    let visitor = PageVisitor::signed_in(&app, &member).await;
    assert_eq!(visitor.get("/import").await.status, 404);
}
