//! 历史数据导入: the rules for a past year's proposal read from the office's
//! spreadsheet. A row is text under Chinese column headers; this module says
//! which columns there are, what each cell must hold, which states a past
//! proposal may be imported in and what each state needs, and the key that
//! makes a second run of the same file change nothing. Names (sessions,
//! members, units, leaders) are looked up by the caller.

use chrono::NaiveDate;

use crate::domain::workflow::guards::{Grade, Satisfaction};
use crate::domain::workflow::{ContactKind, KeyMode, ProposalState, SubmitterType};

/// A column of the import file: its header, whether every row must fill it, and what it holds.
pub struct Column {
    pub header: &'static str,
    pub required: bool,
    pub holds: &'static str,
}

const fn column(header: &'static str, required: bool, holds: &'static str) -> Column {
    Column { header, required, holds }
}

/// The documented columns, in the order of the template (a file may order them as it likes).
pub const COLUMNS: &[Column] = &[
    column("会议", true, "届次会议的名称，与系统中的会议名称一致，如「一届一次会议」"),
    column("文种", false, "提案或建议（默认提案）"),
    column("案号", false, "立案编号：数字，或「一届一次会议第12号提案」；立案的记录必填"),
    column("标题", true, "提案标题，4 至 100 字"),
    column("提案人", true, "委员姓名（集体提案填联系委员）；须已有账号"),
    column("提案人账号", false, "委员的登录名，同名委员时用以区分"),
    column("界别", false, "提案人的界别，同名委员时用以区分"),
    column("提出方式", false, "委员、界别、党派、团体或专委会（默认委员）"),
    column("提出单位", false, "集体提案的提出单位，如「民盟区委」"),
    column("联名人", false, "联名委员的姓名，以「、」分隔"),
    column("类别", true, "提案类别，如「城乡建设」"),
    column("提交日期", true, "提交的日期，如 2025-01-08"),
    column("大会/平时", false, "大会或平时（默认按会议的大会提案征集期判断）"),
    column("案由", false, "案由全文"),
    column("建议", false, "建议全文"),
    column("状态", true, "不予立案、已并案、转社情民意、已答复、已办结、已公开或不予公开"),
    column("不立案理由", false, "不予立案的理由"),
    column("并入案号", false, "已并案的记录并入的立案编号（同一会议、同一文种）"),
    column("立案日期", false, "默认为提交日期"),
    column("重点提案", false, "是或否（默认否）"),
    column("督办方式", false, "重点提案的领办或督办"),
    column("督办领导", false, "领办或督办的领导姓名；须已有领导账号"),
    column("主办单位", false, "主办单位名称；答复了的记录须填主办单位或分办单位"),
    column("分办单位", false, "分别办理的单位，以「、」分隔"),
    column("会办单位", false, "会办单位，以「、」分隔"),
    column("交办日期", false, "默认为立案日期"),
    column("办理期限", false, "答复期限；默认按期限规则从交办日期算起"),
    column("答复日期", false, "答复了的记录必填"),
    column("答复类别", false, "A、B 或 C；答复了的记录必填"),
    column("答复内容", false, "答复全文（公开的记录即公开版本）"),
    column("沟通方式", false, "走访、座谈、电话或其他；不填为未记录"),
    column("过程满意度", false, "满意、基本满意或不满意"),
    column("结果满意度", false, "满意、基本满意或不满意"),
    column("不公开理由", false, "不予公开的理由"),
];

/// A kind of item as the caller's configuration names it (提案 / 建议).
pub struct KindName<'a> {
    pub code: &'a str,
    pub noun: &'a str,
}

/// Something wrong with a row: its line in the file (the header is line 1), the column, why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

/// A row read into its parts; names are still names.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: usize,
    pub session: String,
    pub kind: String,
    pub number: Option<i32>,
    pub title: String,
    pub proposer: String,
    pub proposer_username: Option<String>,
    pub sector: Option<String>,
    pub submitter_type: SubmitterType,
    pub submitter_name: Option<String>,
    pub cosigners: Vec<String>,
    pub topic: String,
    pub submitted_on: NaiveDate,
    /// None: decided by the session's plenary window.
    pub plenary: Option<bool>,
    pub reasons: String,
    pub suggestions: String,
    pub state: ProposalState,
    pub refusal_text: Option<String>,
    pub merged_into: Option<i32>,
    pub filed_on: NaiveDate,
    pub key_mode: Option<KeyMode>,
    pub key_leader: Option<String>,
    pub is_key: bool,
    pub lead_unit: Option<String>,
    pub separate_units: Vec<String>,
    pub co_units: Vec<String>,
    pub assigned_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub replied_on: Option<NaiveDate>,
    pub grade: Option<Grade>,
    pub reply: String,
    pub contact: Option<ContactKind>,
    pub process: Option<Satisfaction>,
    pub result: Option<Satisfaction>,
    pub withheld_reason: Option<String>,
    /// What the row said, to tell a changed row from the same one on a second run.
    pub content: String,
}

impl Record {
    /// 导入键: the same past proposal in any run of any file. A numbered one
    /// is its session, kind and number; one never numbered (不予立案, 并案,
    /// 转社情民意) its session, kind, title and proposer.
    pub fn key(&self) -> String {
        match self.number {
            Some(n) => format!("{}|{}|{n}", self.session, self.kind),
            None => format!("{}|{}|{}|{}", self.session, self.kind, self.title, self.proposer),
        }
    }

    /// Whether units handled it (it was filed and answered).
    pub fn handled(&self) -> bool {
        self.state.was_filed()
    }

    /// Whether a rating of the proposer belongs to it.
    pub fn rated(&self) -> bool {
        self.process.is_some()
    }
}

/// The states a past proposal may be imported in: where a proposal's life
/// ends, or waits only for the proposer's rating (已答复).
pub const IMPORTABLE: [ProposalState; 7] = [
    ProposalState::NotFiled,
    ProposalState::Merged,
    ProposalState::Converted,
    ProposalState::Replied,
    ProposalState::Closed,
    ProposalState::Published,
    ProposalState::Withheld,
];

/// A row's cells by header.
pub struct Cells<'a> {
    pub headers: &'a [String],
    pub values: &'a [String],
}

impl Cells<'_> {
    fn get(&self, header: &str) -> &str {
        self.headers.iter().position(|h| h == header).and_then(|i| self.values.get(i)).map(|v| v.trim()).unwrap_or("")
    }
}

/// The header's problems: required columns missing, unknown or repeated ones.
pub fn check_headers(headers: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut say = |column: &str, reason: String| problems.push(Problem { line: 1, column: column.into(), reason });
    for c in COLUMNS.iter().filter(|c| c.required) {
        if !headers.iter().any(|h| h == c.header) {
            say(c.header, format!("缺少必需的列「{}」", c.header));
        }
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if !COLUMNS.iter().any(|c| c.header == h) {
            say(h, format!("不认识的列「{h}」（可用的列见导入说明）"));
        } else if headers[..i].contains(h) {
            say(h, format!("列「{h}」出现了两次"));
        }
    }
    problems
}

/// Reads one row (`line` in the file) into a record, or says everything wrong with it.
pub fn read(cells: &Cells, line: usize, kinds: &[KindName], today: NaiveDate) -> Result<Record, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut fail = |column: &str, reason: String| problems.push(Problem { line, column: column.into(), reason });
    let text = |h: &str| cells.get(h).to_string();
    let optional = |h: &str| Some(cells.get(h).to_string()).filter(|v| !v.is_empty());
    let list = |h: &str| -> Vec<String> {
        cells
            .get(h)
            .split(['、', ',', '，', ';', '；'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let required = |h: &str, fail: &mut dyn FnMut(&str, String)| {
        let v = text(h);
        if v.is_empty() {
            fail(h, format!("「{h}」不能为空"));
        }
        v
    };
    let session = required("会议", &mut fail);
    let title = required("标题", &mut fail);
    let proposer = required("提案人", &mut fail);
    let topic = required("类别", &mut fail);
    let state_text = required("状态", &mut fail);
    let count = title.chars().count();
    if !title.is_empty() && !(4..=100).contains(&count) {
        fail("标题", format!("标题应为 4 至 100 字，现为 {count} 字"));
    }
    if topic.chars().count() > 32 {
        fail("类别", "类别不超过 32 字".into());
    }
    for (h, max) in [("案由", 20_000), ("建议", 20_000), ("答复内容", 20_000)] {
        if cells.get(h).chars().count() > max {
            fail(h, format!("「{h}」不超过 {max} 字"));
        }
    }

    // 文种 and 案号: a full label names both, and its session too.
    let first = kinds.first().map(|k| k.code.to_string()).unwrap_or_else(|| "proposal".into());
    let mut kind = match optional("文种") {
        None => first,
        Some(noun) => match kinds.iter().find(|k| k.noun == noun || k.code == noun) {
            Some(k) => k.code.to_string(),
            None => {
                let nouns: Vec<&str> = kinds.iter().map(|k| k.noun).collect();
                fail("文种", format!("文种应为{}之一", nouns.join("、")));
                String::new()
            }
        },
    };
    let number = match optional("案号") {
        None => None,
        Some(n) => match parse_number(&n, kinds) {
            Some((label_session, noun_code, n)) => {
                if let Some(s) = label_session.filter(|s| !session.is_empty() && *s != session) {
                    fail("案号", format!("案号中的会议「{s}」与「会议」列的「{session}」不一致"));
                }
                if let Some(code) = noun_code {
                    if optional("文种").is_some() && code != kind {
                        fail("案号", "案号中的文种与「文种」列不一致".into());
                    }
                    kind = code;
                }
                Some(n)
            }
            None => {
                fail("案号", format!("案号「{n}」应为正整数，或如「一届一次会议第12号提案」"));
                None
            }
        },
    };

    let submitted = parse_date(cells.get("提交日期"));
    if submitted.is_none() {
        if cells.get("提交日期").is_empty() {
            fail("提交日期", "「提交日期」不能为空".into());
        } else {
            fail("提交日期", format!("「{}」不是日期（如 2025-01-08）", cells.get("提交日期")));
        }
    }
    let date = |h: &str, fail: &mut dyn FnMut(&str, String)| -> Option<NaiveDate> {
        let v = cells.get(h);
        if v.is_empty() {
            return None;
        }
        let d = parse_date(v);
        if d.is_none() {
            fail(h, format!("「{v}」不是日期（如 2025-01-08）"));
        }
        d
    };
    let filed_given = date("立案日期", &mut fail);
    let assigned_given = date("交办日期", &mut fail);
    let due_on = date("办理期限", &mut fail);
    let replied_on = date("答复日期", &mut fail);

    // An unknown state is told once; the checks of what a state needs wait for a known one.
    let known = ProposalState::ALL.iter().copied().find(|s| s.label_zh() == state_text);
    let state = match known {
        Some(s) if IMPORTABLE.contains(&s) => Some(s),
        Some(s) => {
            fail("状态", format!("「{}」的提案仍在办理中，不能作为历史记录导入", s.label_zh()));
            None
        }
        None => {
            if !state_text.is_empty() {
                let all: Vec<&str> = IMPORTABLE.iter().map(|s| s.label_zh()).collect();
                fail("状态", format!("状态应为{}之一", all.join("、")));
            }
            None
        }
    };

    let submitter_type = match optional("提出方式").as_deref() {
        None | Some("委员") | Some("个人") | Some("联名") => SubmitterType::Member,
        Some("界别") => SubmitterType::Sector,
        Some("党派") => SubmitterType::Party,
        Some("团体") | Some("人民团体") => SubmitterType::Organisation,
        Some("专委会") | Some("专门委员会") => SubmitterType::Committee,
        Some(other) => {
            fail("提出方式", format!("提出方式「{other}」应为委员、界别、党派、团体或专委会"));
            SubmitterType::Member
        }
    };
    let submitter_name = optional("提出单位");
    if submitter_type != SubmitterType::Member && submitter_name.is_none() {
        fail("提出单位", "集体提案须写明提出单位".into());
    }
    if submitter_name.as_ref().is_some_and(|n| n.chars().count() > 64) {
        fail("提出单位", "提出单位不超过 64 字".into());
    }
    let cosigners = list("联名人");
    if submitter_type != SubmitterType::Member && !cosigners.is_empty() {
        fail("联名人", "集体提案没有联名人".into());
    }

    let plenary = match optional("大会/平时").as_deref() {
        None => None,
        Some("大会") => Some(true),
        Some("平时") => Some(false),
        Some(other) => {
            fail("大会/平时", format!("「{other}」应为大会或平时"));
            None
        }
    };
    let yes_no = |h: &str, fail: &mut dyn FnMut(&str, String)| match cells.get(h) {
        "" | "否" => false,
        "是" => true,
        other => {
            fail(h, format!("「{other}」应为是或否"));
            false
        }
    };
    let is_key = yes_no("重点提案", &mut fail);
    let key_mode = match optional("督办方式").as_deref() {
        None => None,
        Some(m) => match KeyMode::ALL.iter().copied().find(|k| k.label_zh() == m) {
            Some(k) => Some(k),
            None => {
                fail("督办方式", format!("「{m}」应为领办或督办"));
                None
            }
        },
    };
    let key_leader = optional("督办领导");
    if !is_key && (key_mode.is_some() || key_leader.is_some()) {
        fail("重点提案", "填写了督办方式或督办领导的记录应为重点提案".into());
    }
    if is_key && key_leader.is_some() != key_mode.is_some() {
        fail("督办方式", "督办方式与督办领导须同时填写".into());
    }

    let grade = match optional("答复类别") {
        None => None,
        Some(g) => match Grade::ALL.iter().copied().find(|x| x.as_str() == g || x.label_zh() == g) {
            Some(x) => Some(x),
            None => {
                fail("答复类别", format!("「{g}」应为 A、B 或 C"));
                None
            }
        },
    };
    let contact = match optional("沟通方式").as_deref() {
        None => None,
        Some("走访") => Some(ContactKind::Visit),
        Some("座谈") | Some("面商") | Some("座谈、面商") => Some(ContactKind::Meeting),
        Some("电话") => Some(ContactKind::Phone),
        Some("其他") => Some(ContactKind::Other),
        Some(other) => {
            fail("沟通方式", format!("「{other}」应为走访、座谈、电话或其他"));
            None
        }
    };
    let rating = |h: &str, fail: &mut dyn FnMut(&str, String)| match optional(h) {
        None => None,
        Some(r) => match Satisfaction::ALL.iter().copied().find(|s| s.label_zh() == r) {
            Some(s) => Some(s),
            None => {
                fail(h, format!("「{r}」应为满意、基本满意或不满意"));
                None
            }
        },
    };
    let process = rating("过程满意度", &mut fail);
    let result = rating("结果满意度", &mut fail);
    if process.is_some() != result.is_some() {
        fail("结果满意度", "过程满意度与结果满意度须同时填写".into());
    }

    let lead_unit = optional("主办单位");
    let separate_units = list("分办单位");
    let co_units = list("会办单位");
    let refusal_text = optional("不立案理由");
    let merged_into = match optional("并入案号") {
        None => None,
        Some(n) => match parse_number(&n, kinds) {
            Some((_, _, n)) => Some(n),
            None => {
                fail("并入案号", format!("「{n}」应为正整数"));
                None
            }
        },
    };
    let withheld_reason = optional("不公开理由");

    // What each state needs, and what it cannot have.
    if let Some(state) = state {
        let handled = state.was_filed();
        let has_units = lead_unit.is_some() || !separate_units.is_empty() || !co_units.is_empty();
        if handled {
            if number.is_none() {
                fail("案号", format!("「{}」的记录须有案号", state.label_zh()));
            }
            if lead_unit.is_none() && separate_units.is_empty() {
                fail("主办单位", "答复了的记录须填主办单位或分办单位".into());
            }
            if lead_unit.is_some() && !separate_units.is_empty() {
                fail("分办单位", "主办与分办只能填一种".into());
            }
            if replied_on.is_none() {
                fail("答复日期", "答复了的记录须填答复日期".into());
            }
            if grade.is_none() {
                fail("答复类别", "答复了的记录须填答复类别".into());
            }
        } else {
            if number.is_some() {
                fail("案号", format!("「{}」的记录没有案号", state.label_zh()));
            }
            if has_units || replied_on.is_some() || grade.is_some() || process.is_some() || is_key {
                fail("状态", format!("「{}」的记录没有交办、答复、评价或重点提案", state.label_zh()));
            }
        }
        if state == ProposalState::Merged && merged_into.is_none() {
            fail("并入案号", "已并案的记录须填并入案号".into());
        }
        if state != ProposalState::Merged && merged_into.is_some() {
            fail("并入案号", "只有已并案的记录填并入案号".into());
        }
        if state != ProposalState::NotFiled && refusal_text.is_some() {
            fail("不立案理由", "只有不予立案的记录填不立案理由".into());
        }
        if state == ProposalState::Withheld && withheld_reason.is_none() {
            fail("不公开理由", "不予公开的记录须填不公开理由".into());
        }
        if state != ProposalState::Withheld && withheld_reason.is_some() {
            fail("不公开理由", "只有不予公开的记录填不公开理由".into());
        }
        if state == ProposalState::Replied && process.is_some() {
            fail("状态", "已评价的记录应为已办结、已公开或不予公开".into());
        }
    }

    // The days in their order, none after today.
    let submitted_on = submitted.unwrap_or(today);
    let filed_on = filed_given.unwrap_or(submitted_on);
    let assigned_on = assigned_given.unwrap_or(filed_on);
    let mut order = vec![("提交日期", submitted), ("立案日期", filed_given), ("交办日期", assigned_given)];
    order.push(("答复日期", replied_on));
    let mut last: Option<(&str, NaiveDate)> = None;
    for (h, day) in order {
        let Some(day) = day else { continue };
        if let Some((before, then)) = last
            && day < then
        {
            fail(h, format!("「{h}」早于「{before}」"));
        }
        if day > today {
            fail(h, format!("「{h}」在今天之后"));
        }
        last = Some((h, day));
    }
    if let Some(due) = due_on
        && due < assigned_on
    {
        fail("办理期限", "办理期限早于交办日期".into());
    }

    let Some(state) = state.filter(|_| problems.is_empty()) else {
        return Err(problems);
    };
    let content = cells.values.iter().map(|v| v.trim()).collect::<Vec<_>>().join("\u{1f}");
    Ok(Record {
        line,
        session,
        kind,
        number,
        title,
        proposer,
        proposer_username: optional("提案人账号"),
        sector: optional("界别"),
        submitter_type,
        submitter_name,
        cosigners,
        topic,
        submitted_on,
        plenary,
        reasons: text("案由"),
        suggestions: text("建议"),
        state,
        refusal_text,
        merged_into,
        filed_on,
        key_mode,
        key_leader,
        is_key,
        lead_unit,
        separate_units,
        co_units,
        assigned_on,
        due_on,
        replied_on,
        grade,
        reply: text("答复内容"),
        contact,
        process,
        result,
        withheld_reason,
        content,
    })
}

/// 案号 as written: `12`, `12.0` (a spreadsheet's number) or a full label
/// `一届一次会议第12号提案` (its session and kind too).
fn parse_number(text: &str, kinds: &[KindName]) -> Option<(Option<String>, Option<String>, i32)> {
    let plain = text.strip_suffix(".0").unwrap_or(text);
    if let Ok(n) = plain.parse::<i32>() {
        return (n > 0).then_some((None, None, n));
    }
    let (session, rest) = text.rsplit_once('第')?;
    let (digits, noun) = rest.split_once('号')?;
    let n = digits.parse::<i32>().ok().filter(|n| *n > 0)?;
    let code = kinds.iter().find(|k| k.noun == noun).map(|k| k.code.to_string());
    if code.is_none() && !noun.is_empty() {
        return None;
    }
    Some((Some(session.to_string()).filter(|s| !s.is_empty()), code, n))
}

/// A day as offices write it: 2025-01-08, 2025/1/8, 2025.1.8, 2025年1月8日,
/// or with a time after it.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let day = text.split([' ', 'T']).next().unwrap_or(text);
    let normalised: String = day
        .trim_end_matches('日')
        .chars()
        .map(|c| if matches!(c, '/' | '.' | '年' | '月') { '-' } else { c })
        .collect();
    NaiveDate::parse_from_str(&normalised, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<KindName<'static>> {
        vec![KindName { code: "proposal", noun: "提案" }, KindName { code: "suggestion", noun: "建议" }]
    }

    fn row(pairs: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
        (pairs.iter().map(|p| p.0.to_string()).collect(), pairs.iter().map(|p| p.1.to_string()).collect())
    }

    fn closed() -> Vec<(&'static str, &'static str)> {
        vec![
            ("会议", "一届一次会议"),
            ("案号", "12"),
            ("标题", "关于加强社区养老服务的建议"),
            ("提案人", "王芳"),
            ("类别", "社会保障"),
            ("提交日期", "2025/1/8"),
            ("状态", "已办结"),
            ("主办单位", "区民政局"),
            ("答复日期", "2025年5月20日"),
            ("答复类别", "A类"),
            ("过程满意度", "满意"),
            ("结果满意度", "基本满意"),
        ]
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
    }

    fn read_pairs(pairs: &[(&str, &str)]) -> Result<Record, Vec<Problem>> {
        let (headers, values) = row(pairs);
        read(&Cells { headers: &headers, values: &values }, 2, &kinds(), today())
    }

    #[test]
    fn a_closed_proposal_reads_with_its_dates_grade_and_rating() {
        let r = read_pairs(&closed()).expect("a good row");
        assert_eq!(r.number, Some(12));
        assert_eq!(r.kind, "proposal");
        assert_eq!(r.replied_on, NaiveDate::from_ymd_opt(2025, 5, 20));
        assert_eq!(r.grade, Some(Grade::A));
        assert_eq!(r.result, Some(Satisfaction::BasicallySatisfied));
        assert_eq!(r.key(), "一届一次会议|proposal|12");
        assert_eq!(r.assigned_on, r.submitted_on, "assigned defaults to filed, filed to submitted");
    }

    #[test]
    fn a_full_label_names_the_kind_and_must_agree_with_the_session() {
        let mut pairs = closed();
        pairs[1] = ("案号", "一届一次会议第7号建议");
        let r = read_pairs(&pairs).expect("a good row");
        assert_eq!((r.kind.as_str(), r.number), ("suggestion", Some(7)));
        pairs[1] = ("案号", "一届二次会议第7号提案");
        let problems = read_pairs(&pairs).expect_err("another session");
        assert_eq!(problems[0].column, "案号");
    }

    #[test]
    fn every_problem_of_a_row_is_told_with_its_column() {
        let mut pairs = closed();
        pairs[2] = ("标题", "短");
        pairs[5] = ("提交日期", "去年");
        pairs[9] = ("答复类别", "D");
        pairs[10] = ("过程满意度", "很好");
        let problems = read_pairs(&pairs).expect_err("four mistakes");
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["标题", "提交日期", "答复类别", "过程满意度", "结果满意度", "答复类别"]);
        assert!(problems.iter().all(|p| p.line == 2));
    }

    #[test]
    fn a_proposal_still_in_handling_is_not_history() {
        let mut pairs = closed();
        pairs[6] = ("状态", "办理中");
        let problems = read_pairs(&pairs).expect_err("in handling");
        assert_eq!(problems.len(), 1, "what it would need is not asked of it: {problems:?}");
        assert!(problems[0].reason.contains("仍在办理中"), "{problems:?}");
    }

    #[test]
    fn a_refused_proposal_has_no_number_units_or_reply() {
        let pairs = vec![
            ("会议", "一届一次会议"),
            ("标题", "关于某小区停车位的意见"),
            ("提案人", "王芳"),
            ("类别", "其他"),
            ("提交日期", "2025-01-08"),
            ("状态", "不予立案"),
            ("不立案理由", "涉及具体案件"),
        ];
        let r = read_pairs(&pairs).expect("a refused row");
        assert_eq!(r.key(), "一届一次会议|proposal|关于某小区停车位的意见|王芳");
        let mut with_unit = pairs.clone();
        with_unit.push(("主办单位", "区民政局"));
        assert!(read_pairs(&with_unit).is_err());
    }

    #[test]
    fn days_must_come_in_order_and_not_after_today() {
        let mut pairs = closed();
        pairs[8] = ("答复日期", "2024-12-01");
        let problems = read_pairs(&pairs).expect_err("replied before submitted");
        assert_eq!(problems[0].reason, "「答复日期」早于「提交日期」");
        pairs[8] = ("答复日期", "2027-01-05");
        let problems = read_pairs(&pairs).expect_err("in the future");
        assert_eq!(problems[0].reason, "「答复日期」在今天之后");
    }

    #[test]
    fn headers_missing_unknown_or_twice_are_told() {
        let headers: Vec<String> = ["会议", "标题", "标题", "备注"].iter().map(|s| s.to_string()).collect();
        let problems = check_headers(&headers);
        let reasons: Vec<&str> = problems.iter().map(|p| p.reason.as_str()).collect();
        assert!(reasons.contains(&"缺少必需的列「提案人」"), "{reasons:?}");
        assert!(reasons.contains(&"列「标题」出现了两次"));
        assert!(reasons.contains(&"不认识的列「备注」（可用的列见导入说明）"));
    }

    #[test]
    fn dates_are_read_as_offices_write_them() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 8);
        for text in ["2025-01-08", "2025/1/8", "2025.1.8", "2025年1月8日", "2025-01-08 00:00:00"] {
            assert_eq!(parse_date(text), d, "{text}");
        }
        assert_eq!(parse_date("8/1/2025"), None);
    }
}
