//! 提案工作情况报告: the figures of a scope as a Word document the office
//! edits: a title, the standard paragraphs with the figures filled in, the
//! tables of units and sectors, and the key proposals with their leaders and
//! grades. The paragraphs say only what the figures say; the office adds the
//! rest in Word.

use std::io::Cursor;

use docx_rs::{AlignmentType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableRow};

use crate::domain::statistics::Rate;
use crate::error::AppError;
use crate::statistics::Report;
use crate::statistics::key_list::KeyProposal;

const FONT: &str = "宋体";

fn fonts() -> RunFonts {
    RunFonts::new().east_asia(FONT).ascii(FONT).hi_ansi(FONT)
}

fn paragraph(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text).fonts(fonts()).size(28))
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text).fonts(fonts()).size(30).bold())
}

fn rate(r: &Rate) -> String {
    r.percent.map_or_else(|| "—".to_string(), |p| format!("{p:.1}%"))
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> Table {
    let cell = |text: &str, bold: bool| {
        let run = Run::new().add_text(text).fonts(fonts()).size(21);
        TableCell::new().add_paragraph(Paragraph::new().add_run(if bold { run.bold() } else { run }))
    };
    let mut all = vec![TableRow::new(headers.iter().map(|h| cell(h, true)).collect())];
    all.extend(rows.iter().map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect())));
    Table::new(all)
}

/// The standard paragraphs, figures filled in.
pub fn paragraphs(report: &Report) -> Vec<String> {
    let (c, r) = (&report.totals.counts, &report.totals.rates);
    let noun = if report.kind == "suggestion" { "建议" } else { "提案" };
    let stage = |key: &str| {
        report.by_stage.iter().find(|s| s.key.as_deref() == Some(key)).map_or(0, |s| s.figures.counts.submitted)
    };
    let mut out = vec![format!(
        "{scope}，共收到{noun}{submitted}件，其中大会{noun}{plenary}件、平时{noun}{between}件。经审查立案{filed}件，并案处理{merged}件，并案后立案{after}件，交由{units}个承办单位办理。",
        scope = report.scope.label,
        submitted = c.submitted,
        plenary = stage("plenary"),
        between = stage("between"),
        filed = c.filed,
        merged = c.merged,
        after = c.after_merging,
        units = c.units_involved,
    )];
    let all_replied = c.after_merging > 0 && c.replied == c.after_merging;
    out.push(format!(
        "截至{as_of}，立案{noun}{replied}，办复率{reply_rate}，其中按期办复{on_time}件，按期办复率{on_time_rate}。答复中，所提问题已经解决或基本解决的（A类）{a}件，占{a_share}；正在解决或列入计划逐步解决的（B类）{b}件，占{b_share}；因条件限制或其他原因暂时不能解决的（C类）{c_}件，占{c_share}。",
        as_of = report.as_of.format("%Y年%-m月%-d日"),
        replied = if all_replied { "已全部办复".to_string() } else { format!("已办复{}件", c.replied) },
        reply_rate = rate(&r.reply_rate),
        on_time = c.replied_on_time,
        on_time_rate = rate(&r.on_time_reply_rate),
        a = c.grade_a,
        a_share = rate(&r.grade_a_share),
        b = c.grade_b,
        b_share = rate(&r.grade_b_share),
        c_ = c.grade_c,
        c_share = rate(&r.grade_c_share),
    ));
    out.push(format!(
        "承办单位与提案者当面沟通协商{contacted}件，面商率{contact_rate}。提案者对办理过程的满意率为{process}，对办理结果的满意率为{result}，双满意率为{both}。已向社会公开办理结果{published}件，上网率{publication}。",
        contacted = c.contacted,
        contact_rate = rate(&r.contact_rate),
        process = rate(&r.process_satisfaction_rate),
        result = rate(&r.result_satisfaction_rate),
        both = rate(&r.double_satisfaction_rate),
        published = c.published,
        publication = rate(&r.publication_rate),
    ));
    let key = report.by_key.iter().find(|k| k.key.as_deref() == Some("true")).map_or(0, |k| k.figures.counts.submitted);
    let mode = |m: &str| {
        report.by_key_mode.iter().find(|k| k.key.as_deref() == Some(m)).map_or(0, |k| k.figures.counts.submitted)
    };
    out.push(format!(
        "确定重点{noun}{key}件，其中由政府领导领办{lead}件、由政协领导督办{supervise}件。",
        lead = mode("lead"),
        supervise = mode("supervise"),
    ));
    out
}

/// The report as the bytes of a .docx file.
pub fn of(report: &Report, key: &[KeyProposal]) -> Result<Vec<u8>, AppError> {
    let noun = if report.kind == "suggestion" { "建议" } else { "提案" };
    let title = format!("{}{noun}工作情况报告", report.scope.label);
    let mut doc = Docx::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(Run::new().add_text(&title).fonts(fonts()).size(36).bold()),
    );
    doc = doc.add_paragraph(heading(&format!("一、{noun}提交和立案情况")));
    let texts = paragraphs(report);
    for (i, text) in texts.iter().enumerate() {
        if i == 1 {
            doc = doc.add_paragraph(heading("二、办理和答复情况"));
        }
        if i == 3 {
            doc = doc.add_paragraph(heading(&format!("三、重点{noun}办理情况")));
        }
        doc = doc.add_paragraph(paragraph(text));
    }
    doc = doc.add_table(table(
        &["案号", "标题", "办理方式", "领导", "主办单位", "答复类别"],
        key.iter()
            .map(|k| {
                vec![
                    k.number.clone(),
                    k.title.clone(),
                    k.mode.clone(),
                    k.leader.clone(),
                    k.lead_unit.clone(),
                    k.grade.clone(),
                ]
            })
            .collect(),
    ));
    doc = doc.add_paragraph(heading("四、各承办单位办理情况"));
    let mut units: Vec<_> = report.by_unit.iter().collect();
    units.sort_by_key(|u| (u.rank, u.name.clone()));
    doc = doc.add_table(table(
        &["排名", "承办单位", "承办件数", "已答复件数", "按期办复率", "双满意率"],
        units
            .iter()
            .map(|u| {
                vec![
                    u.rank.to_string(),
                    u.name.clone(),
                    u.counts.assigned.to_string(),
                    u.counts.replies.to_string(),
                    rate(&u.rates.on_time_reply_rate),
                    rate(&u.rates.double_satisfaction_rate),
                ]
            })
            .collect(),
    ));
    doc = doc.add_paragraph(heading("五、各界别提交情况"));
    doc = doc.add_table(table(
        &["界别", "提交数", "立案数", "已办复数", "双满意率"],
        report
            .by_sector
            .iter()
            .map(|s| {
                vec![
                    s.label.clone(),
                    s.figures.counts.submitted.to_string(),
                    s.figures.counts.filed.to_string(),
                    s.figures.counts.replied.to_string(),
                    rate(&s.figures.rates.double_satisfaction_rate),
                ]
            })
            .collect(),
    ));
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| AppError::internal(format!("docx: {e}")))?;
    Ok(out.into_inner())
}
