//! A report as the tables the office reads: one per breakdown, with Chinese
//! headers and typed cells. The statistics page shows them, the workbook
//! writes one sheet each and the CSV downloads write one file each, so that
//! all three show the same figures under the same headers.

use super::{ProposalFigures, ProposalGroupRow, Report, UnitFigures};
use crate::domain::statistics::Rate;

/// One cell, typed so that a spreadsheet can format it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// A percentage (87.5 for 87.5%); None when there was nothing to divide by.
    Percent(Option<f64>),
    /// Working days, one decimal; None without replies.
    Days(Option<f64>),
}

impl Cell {
    /// How a page or a CSV file shows it.
    pub fn shown(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Percent(Some(p)) => format!("{p:.1}%"),
            Cell::Days(Some(d)) => format!("{d:.1}"),
            Cell::Percent(None) | Cell::Days(None) => "—".into(),
        }
    }
}

/// One breakdown.
#[derive(Debug, Clone)]
pub struct Table {
    /// Its short name in links and file names (by_unit, …).
    pub id: &'static str,
    /// Its title, also the sheet's name (总体情况, 承办单位, …).
    pub title: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

const PROPOSAL_HEADERS: [&str; 20] = [
    "提交数",
    "立案数",
    "并案数",
    "并案后立案数",
    "承办单位数",
    "已办复数",
    "办复率",
    "按期办复率",
    "面商率",
    "过程满意率",
    "结果满意率",
    "双满意率",
    "已办结数",
    "已上网数",
    "上网率",
    "A类占比",
    "B类占比",
    "C类占比",
    "逾期数",
    "平均办理用时（工作日）",
];

fn pct(rate: &Rate) -> Cell {
    Cell::Percent(rate.percent)
}

fn proposal_cells(f: &ProposalFigures) -> Vec<Cell> {
    let (c, r) = (&f.counts, &f.rates);
    vec![
        Cell::Count(c.submitted),
        Cell::Count(c.filed),
        Cell::Count(c.merged),
        Cell::Count(c.after_merging),
        Cell::Count(c.units_involved),
        Cell::Count(c.replied),
        pct(&r.reply_rate),
        pct(&r.on_time_reply_rate),
        pct(&r.contact_rate),
        pct(&r.process_satisfaction_rate),
        pct(&r.result_satisfaction_rate),
        pct(&r.double_satisfaction_rate),
        Cell::Count(c.closed),
        Cell::Count(c.published),
        pct(&r.publication_rate),
        pct(&r.grade_a_share),
        pct(&r.grade_b_share),
        pct(&r.grade_c_share),
        Cell::Count(c.overdue),
        Cell::Days(f.average_reply_working_days),
    ]
}

fn group_table(id: &'static str, title: &'static str, first: &'static str, rows: &[ProposalGroupRow]) -> Table {
    let mut headers = vec![first];
    headers.extend(PROPOSAL_HEADERS);
    let rows = rows
        .iter()
        .map(|r| {
            let mut cells = vec![Cell::Text(r.label.clone())];
            cells.extend(proposal_cells(&r.figures));
            cells
        })
        .collect();
    Table { id, title, headers, rows }
}

fn unit_table(units: &[UnitFigures]) -> Table {
    let headers = vec![
        "排名",
        "承办单位",
        "承办件数",
        "应答复件数",
        "已答复件数",
        "办复率",
        "按期办复率",
        "面商率",
        "过程满意率",
        "结果满意率",
        "双满意率",
        "A类",
        "B类",
        "C类",
        "逾期件数",
        "平均办理用时（工作日）",
    ];
    let mut ranked: Vec<&UnitFigures> = units.iter().collect();
    ranked.sort_by_key(|u| (u.rank, u.name.clone()));
    let rows = ranked
        .into_iter()
        .map(|u| {
            let (c, r) = (&u.counts, &u.rates);
            vec![
                Cell::Count(i64::try_from(u.rank).unwrap_or(i64::MAX)),
                Cell::Text(u.name.clone()),
                Cell::Count(c.assigned),
                Cell::Count(c.to_reply),
                Cell::Count(c.replies),
                pct(&r.reply_rate),
                pct(&r.on_time_reply_rate),
                pct(&r.contact_rate),
                pct(&r.process_satisfaction_rate),
                pct(&r.result_satisfaction_rate),
                pct(&r.double_satisfaction_rate),
                Cell::Count(c.grade_a),
                Cell::Count(c.grade_b),
                Cell::Count(c.grade_c),
                Cell::Count(c.overdue),
                Cell::Days(u.average_reply_working_days),
            ]
        })
        .collect();
    Table { id: "by_unit", title: "承办单位", headers, rows }
}

/// Every table of `report`: the totals first, then the units (in ranking
/// order) and each breakdown.
pub fn of(report: &Report) -> Vec<Table> {
    let mut totals = group_table("totals", "总体情况", "范围", &[]);
    let mut first = vec![Cell::Text(report.scope.label.clone())];
    first.extend(proposal_cells(&report.totals));
    totals.rows.push(first);
    vec![
        totals,
        unit_table(&report.by_unit),
        group_table("by_sector", "界别", "界别", &report.by_sector),
        group_table("by_topic", "类别", "类别", &report.by_topic),
        group_table("by_stage", "大会与平时提案", "提案类型", &report.by_stage),
        group_table("by_submitter_type", "提出者类型", "提出者类型", &report.by_submitter_type),
        group_table("by_submitter_kind", "提出方式", "提出方式", &report.by_submitter_kind),
        group_table("by_key", "重点提案", "是否重点", &report.by_key),
        group_table("by_key_mode", "领办督办", "办理方式", &report.by_key_mode),
        group_table("by_leader", "领导", "领办/督办领导", &report.by_leader),
    ]
}
