//! The statistics as files the office opens: the workbook read back with a
//! spreadsheet reader, each table as CSV with its byte-order mark, and the
//! annual report as a Word document read back, figures checked by hand
//! against the world of `statistics_scopes`.

use crate::common;

use std::io::Cursor;

use actix_web::http::StatusCode;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use proposal_desk::domain::Role;

use common::TestApp;
use common::pages::PageVisitor;

use crate::statistics_scopes::world;

async fn the_workbook_has_a_sheet_per_table_with_the_figures(app: TestApp) {
    let w = world(&app).await;
    let office = PageVisitor::signed_in(&app, &app.user(Role::Office).await).await;
    let file = office.get(&format!("/statistics/workbook.xlsx?session_id={}", w.session1)).await;
    assert_eq!(file.status, StatusCode::OK);
    let disposition = file.reply.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"), "{disposition}");
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(file.reply.bytes.clone())).expect("an xlsx file");
    let names = book.sheet_names();
    for sheet in ["总体情况", "承办单位", "界别", "类别", "大会与平时提案", "提出方式", "重点提案", "领办督办", "领导"]
    {
        assert!(names.iter().any(|n| n == sheet), "{sheet} in {names:?}");
    }
    let totals = book.worksheet_range("总体情况").expect("总体情况");
    assert_eq!(totals.get_value((0, 1)), Some(&Data::String("提交数".into())));
    assert_eq!(totals.get_value((1, 0)), Some(&Data::String("一届一次会议".into())));
    assert_eq!(totals.get_value((1, 1)), Some(&Data::Float(4.0)), "A, B, D, E");
    let stages = book.worksheet_range("大会与平时提案").expect("stages");
    assert_eq!(stages.get_value((1, 0)), Some(&Data::String("大会提案".into())));
    assert_eq!(stages.get_value((1, 1)), Some(&Data::Float(3.0)));
    assert_eq!(stages.get_value((2, 1)), Some(&Data::Float(1.0)));
    let modes = book.worksheet_range("领办督办").expect("modes");
    let labels: Vec<String> =
        (1..modes.height()).filter_map(|r| modes.get_value((r as u32, 0)).map(|v| v.to_string())).collect();
    assert_eq!(labels, vec!["领办".to_string(), "督办".to_string()]);
    // Rates are numbers formatted as percentages: the published share of closed ones.
    let header: Vec<String> =
        (0..totals.width()).filter_map(|c| totals.get_value((0, c as u32)).map(|v| v.to_string())).collect();
    let publication = header.iter().position(|h| h == "上网率").expect("上网率") as u32;
    assert_eq!(totals.get_value((1, publication)), Some(&Data::Float(0.5)), "1 published of 2 closed");
}

async fn each_table_downloads_as_csv_that_excel_reads_as_utf8(app: TestApp) {
    let w = world(&app).await;
    let office = PageVisitor::signed_in(&app, &app.user(Role::Office).await).await;
    let file = office.get(&format!("/statistics/by_submitter_kind.csv?session_id={}", w.session1)).await;
    assert_eq!(file.status, StatusCode::OK);
    let text = String::from_utf8(file.reply.bytes.clone()).expect("UTF-8");
    assert!(text.starts_with('\u{feff}'), "a byte-order mark first");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(lines[0].starts_with("提出方式,提交数,立案数"), "{}", lines[0]);
    assert!(lines[1].starts_with("个人提案,2,"), "{}", lines[1]);
    assert!(lines[2].starts_with("联名提案,1,"), "{}", lines[2]);
    assert!(lines[3].starts_with("集体提案,1,"), "{}", lines[3]);
    assert_eq!(office.get("/statistics/no_such_table.csv").await.status, StatusCode::NOT_FOUND);
    let member = PageVisitor::signed_in(&app, &app.user(Role::Member).await).await;
    assert_eq!(member.get("/statistics/by_unit.csv").await.status, StatusCode::NOT_FOUND);
}

async fn the_annual_report_is_a_word_document_with_the_figures_filled_in(app: TestApp) {
    let w = world(&app).await;
    let office = PageVisitor::signed_in(&app, &app.user(Role::Office).await).await;
    let file = office.get(&format!("/statistics/report.docx?session_id={}", w.session1)).await;
    assert_eq!(file.status, StatusCode::OK);
    let doc = docx_rs::read_docx(&file.reply.bytes).expect("a docx file");
    let text = doc.json();
    for expected in [
        "一届一次会议提案工作情况报告",
        "一届一次会议，共收到提案4件，其中大会提案3件、平时提案1件。",
        "确定重点提案2件，其中由政府领导领办1件、由政协领导督办1件。",
        "四、各承办单位办理情况",
        "五、各界别提交情况",
    ] {
        assert!(text.contains(expected), "{expected} not in the document");
    }
    // The key proposals' table: both, with their modes and grades.
    let a_title: String = app
        .with_conn(|c| {
            use diesel::prelude::*;
            use proposal_desk::db::schema::proposals;
            proposals::table.find(&w.a.id).select(proposals::title).first(c)
        })
        .expect("title");
    assert!(text.contains(&a_title), "the key proposal A is listed");
    assert!(text.contains("A类"), "with the grade of its reply");
}

async fn the_summary_table_downloads_filtered_as_on_the_page(app: TestApp) {
    let w = world(&app).await;
    let office = PageVisitor::signed_in(&app, &app.user(Role::Office).await).await;
    let list = office.get("/proposals?state=closed").await;
    list.assert_shows("/proposals/export.xlsx?state=closed&");
    let file = office.get("/proposals/export.csv?state=closed").await;
    assert_eq!(file.status, StatusCode::OK);
    let text = String::from_utf8(file.reply.bytes.clone()).expect("UTF-8");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "序号,案号,标题,提案人,界别,类别,主办单位,会办单位,状态,答复类别,过程满意度,结果满意度,是否公开"
    );
    assert_eq!(lines.len(), 2, "only B is closed: {lines:?}");
    let b = lines[1];
    assert!(b.starts_with("1,一届一次会议第"), "{b}");
    for expected in [",已办结,", ",A,满意,满意,否"] {
        assert!(b.contains(expected), "{expected} in {b}");
    }
    let unit: String = app
        .with_conn(|c| {
            use diesel::prelude::*;
            use proposal_desk::db::schema::units;
            units::table.find(&w.b.lead().unit_id).select(units::name).first(c)
        })
        .expect("unit");
    assert!(b.contains(&unit), "the lead unit {unit} in {b}");

    let book = office.get("/proposals/export.xlsx").await;
    assert_eq!(book.status, StatusCode::OK);
    let mut xlsx: Xlsx<_> = open_workbook_from_rs(Cursor::new(book.reply.bytes.clone())).expect("an xlsx file");
    let sheet = xlsx.worksheet_range("汇总表").expect("汇总表");
    assert_eq!(sheet.get_value((0, 12)), Some(&Data::String("是否公开".into())));
    assert_eq!(sheet.height(), 6, "the header and the five proposals");
    assert_eq!(sheet.get_value((5, 0)), Some(&Data::Float(5.0)), "序号 as a number");

    assert_ne!(office.get("/proposals/export.csv?session_id=not-an-id").await.status, StatusCode::OK);
    let member = PageVisitor::signed_in(&app, &app.user(Role::Member).await).await;
    assert_eq!(member.get("/proposals/export.csv").await.status, StatusCode::NOT_FOUND);
}

async fn each_session_s_published_results_are_open_data_described_by_a_data_package(app: TestApp) {
    let w = world(&app).await;
    let public = PageVisitor::new(&app);
    let page = public.get("/public/open-data").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_shows(&format!("/public/open-data/{}/proposals.csv", w.session1));
    page.assert_shows("datapackage.json");

    let package = public.get("/public/open-data/datapackage.json").await;
    assert_eq!(package.status, StatusCode::OK);
    let package: serde_json::Value = serde_json::from_slice(&package.reply.bytes).expect("JSON");
    assert_eq!(package["profile"], "data-package");
    let resources = package["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 6, "three files for each of the two sessions");
    let proposals = resources
        .iter()
        .find(|r| r["name"] == format!("proposals-{}", w.session1).as_str())
        .expect("the session's proposals.csv");
    let declared: Vec<String> = proposals["schema"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().unwrap_or("").to_string())
        .collect();

    let csv = public.get(&format!("/public/open-data/{}/proposals.csv", w.session1)).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = String::from_utf8(csv.reply.bytes.clone()).expect("UTF-8");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], declared.join(","), "the header is the package's schema");
    assert_eq!(lines.len(), 2, "only A is published: {lines:?}");
    assert!(lines[1].starts_with(&w.a.id), "{}", lines[1]);
    assert!(lines[1].contains(",true,领办,"), "a key proposal led by a leader: {}", lines[1]);

    let replies = public.get(&format!("/public/open-data/{}/replies.csv", w.session1)).await;
    let text = String::from_utf8(replies.reply.bytes.clone()).expect("UTF-8");
    let reply_lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(reply_lines.len() >= 2, "{reply_lines:?}");
    assert!(
        reply_lines[1].starts_with(&format!("{},", w.a.id)) && reply_lines[1].contains(",A,"),
        "{}",
        reply_lines[1]
    );

    let json = public.get(&format!("/public/open-data/{}/proposals.json", w.session1)).await;
    let records: serde_json::Value = serde_json::from_slice(&json.reply.bytes).expect("a JSON array");
    assert_eq!(records.as_array().map(Vec::len), Some(1));
    assert_eq!(records[0]["id"], w.a.id.as_str());
    assert!(records[0]["replies"].as_array().is_some_and(|r| !r.is_empty()));
    assert!(records[0].get("body").is_none() && records[0]["replies"][0].get("body").is_none(), "public versions only");

    let unknown = uuid::Uuid::new_v4();
    assert_eq!(public.get(&format!("/public/open-data/{unknown}/proposals.csv")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(public.get(&format!("/public/open-data/{}/all.zip", w.session1)).await.status, StatusCode::NOT_FOUND);
}

both_backends!(
    each_session_s_published_results_are_open_data_described_by_a_data_package,
    the_summary_table_downloads_filtered_as_on_the_page,
    the_workbook_has_a_sheet_per_table_with_the_figures,
    each_table_downloads_as_csv_that_excel_reads_as_utf8,
    the_annual_report_is_a_word_document_with_the_figures_filled_in,
);
