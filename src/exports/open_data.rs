//! 开放数据 files: each session's published proposals and the public versions
//! of their replies as CSV (UTF-8 with a byte-order mark) and JSON, and the
//! Frictionless data package (datapackage.json) that describes every file,
//! field by field, so that an open-data portal can take them as they are.

use std::io::Write;

use serde_json::{Value, json};

use super::stream::{FileWriter, ToAnswer, abandoned};
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::error::AppError;
use crate::proposals::open_data::for_each_chunk;
use crate::proposals::public::PublicProposal;
use crate::state::AppState;

/// A file of a session's open data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    ProposalsCsv,
    RepliesCsv,
    ProposalsJson,
}

impl File {
    /// The file a path names (proposals.csv, replies.csv, proposals.json).
    pub fn named(name: &str) -> Option<File> {
        match name {
            "proposals.csv" => Some(File::ProposalsCsv),
            "replies.csv" => Some(File::RepliesCsv),
            "proposals.json" => Some(File::ProposalsJson),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        if self == File::ProposalsJson { "application/json" } else { "text/csv; charset=utf-8" }
    }

    /// How the saved file is named after its session.
    pub fn title(self) -> &'static str {
        match self {
            File::ProposalsCsv => "已公开提案.csv",
            File::RepliesCsv => "答复公开稿.csv",
            File::ProposalsJson => "已公开提案.json",
        }
    }
}

/// Writes `file` of the session `session_id`, 200 proposals at a time.
pub fn writer(file: File, session_id: String, workflow: WorkflowSettings) -> impl FileWriter {
    move |conn: &mut DbConn, out: &mut ToAnswer, _: &AppState| match file {
        File::ProposalsCsv | File::RepliesCsv => {
            let head = if file == File::ProposalsCsv { proposals_head() } else { replies_head() };
            out.write_all(head.as_bytes()).map_err(abandoned)?;
            for_each_chunk(conn, &session_id, &workflow, |records| {
                let lines = if file == File::ProposalsCsv { proposal_lines(&records) } else { reply_lines(&records) };
                out.write_all(lines.as_bytes()).map_err(abandoned)
            })
        }
        File::ProposalsJson => {
            out.write_all(b"[").map_err(abandoned)?;
            let mut first = true;
            for_each_chunk(conn, &session_id, &workflow, |records| {
                for r in &records {
                    if !first {
                        out.write_all(b",").map_err(abandoned)?;
                    }
                    first = false;
                    serde_json::to_writer(&mut *out, r).map_err(|e| AppError::internal(format!("json: {e}")))?;
                }
                Ok(())
            })?;
            out.write_all(b"]").map_err(abandoned)
        }
    }
}

/// (name, Frictionless type, 中文 title, description) of each column of proposals.csv.
pub const PROPOSAL_FIELDS: [(&str, &str, &str, &str); 12] = [
    ("id", "string", "编号", "The proposal's lasting identifier (a UUID)"),
    ("number_label", "string", "案号", "e.g. 一届一次会议第12号提案"),
    ("title", "string", "标题", "The proposal's title"),
    ("submitter", "string", "提案人", "The member, or the collective that handed it in"),
    ("sector", "string", "界别", "The proposer's sector; empty when none"),
    ("topic", "string", "类别", "The proposal's topic"),
    ("session", "string", "会议", "The session it was handed in to"),
    ("is_key", "boolean", "是否重点提案", "true for a key proposal (重点提案)"),
    (
        "key_mode",
        "string",
        "办理方式",
        "领办 (led by a government leader) or 督办 (supervised); empty for other proposals",
    ),
    ("reasons", "string", "案由", "Why the proposal was made"),
    ("suggestions", "string", "建议", "What it proposes"),
    ("published_at", "datetime", "公开时间", "When the result was published (UTC, RFC 3339)"),
];

/// The columns of replies.csv.
pub const REPLY_FIELDS: [(&str, &str, &str, &str); 6] = [
    ("proposal_id", "string", "提案编号", "The id of the proposal in proposals.csv"),
    ("number_label", "string", "案号", "The proposal's number"),
    ("unit", "string", "承办单位", "The handling unit that replied"),
    (
        "grade",
        "string",
        "答复类别",
        "A (solved or mostly solved), B (being solved or planned), C (cannot be solved for now)",
    ),
    ("public_body", "string", "答复公开稿", "The public version of the reply"),
    ("submitted_at", "datetime", "答复时间", "When the unit submitted the reply (UTC, RFC 3339)"),
];

fn utc(at: Option<chrono::NaiveDateTime>) -> String {
    at.map(|t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default()
}

/// The header line of proposals.csv, after its byte-order mark.
pub fn proposals_head() -> String {
    format!("{}{}", super::csv::BOM, super::csv::line(PROPOSAL_FIELDS.iter().map(|f| f.0)))
}

/// The header line of replies.csv, after its byte-order mark.
pub fn replies_head() -> String {
    format!("{}{}", super::csv::BOM, super::csv::line(REPLY_FIELDS.iter().map(|f| f.0)))
}

/// Lines of proposals.csv.
pub fn proposal_lines(records: &[PublicProposal]) -> String {
    records
        .iter()
        .map(|p| {
            let fields = [
                p.id.clone(),
                p.number_label.clone().unwrap_or_default(),
                p.title.clone(),
                p.submitter.clone(),
                p.sector.clone().unwrap_or_default(),
                p.topic.clone(),
                p.session_name.clone().unwrap_or_default(),
                p.is_key.to_string(),
                p.key_mode_label.clone().unwrap_or_default(),
                p.reasons.clone(),
                p.suggestions.clone(),
                utc(p.published_at),
            ];
            super::csv::line(fields.iter().map(String::as_str))
        })
        .collect()
}

/// Lines of replies.csv.
pub fn reply_lines(records: &[PublicProposal]) -> String {
    let mut out = String::new();
    for p in records {
        for r in &p.replies {
            let fields = [
                p.id.clone(),
                p.number_label.clone().unwrap_or_default(),
                r.unit_name.clone(),
                r.grade.map(|g| g.as_str().to_string()).unwrap_or_default(),
                r.public_body.clone(),
                utc(r.submitted_at),
            ];
            out.push_str(&super::csv::line(fields.iter().map(String::as_str)));
        }
    }
    out
}

fn schema(fields: &[(&str, &str, &str, &str)]) -> Value {
    json!({
        "fields": fields.iter().map(|(name, kind, title, description)| {
            let mut f = json!({"name": name, "type": kind, "title": title, "description": description});
            if *kind == "datetime" {
                f["format"] = json!("any");
            }
            f
        }).collect::<Vec<_>>()
    })
}

/// datapackage.json: the package and, for each session (id, name), its two CSV files and its JSON file.
pub fn datapackage(title: &str, base: &str, sessions: &[(String, String)]) -> Value {
    let mut resources = Vec::new();
    for (id, name) in sessions {
        let stem = format!("{base}/public/open-data/{id}");
        let table = |name: String, title: String, file: &str, fields: &[(&str, &str, &str, &str)]| {
            json!({
                "name": name, "title": title, "path": format!("{stem}/{file}"),
                "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
                "profile": "tabular-data-resource", "schema": schema(fields),
            })
        };
        resources.push(table(
            format!("proposals-{id}"),
            format!("{name}已公开提案"),
            "proposals.csv",
            &PROPOSAL_FIELDS,
        ));
        resources.push(table(format!("replies-{id}"), format!("{name}答复公开稿"), "replies.csv", &REPLY_FIELDS));
        resources.push(json!({
            "name": format!("proposals-json-{id}"),
            "title": format!("{name}已公开提案及答复（JSON）"),
            "path": format!("{stem}/proposals.json"),
            "format": "json", "mediatype": "application/json", "encoding": "utf-8",
            "description": "An array of the published proposals as /api/public/proposals/{id} answers each: the fields of proposals.csv, key_mode as lead or supervise, and `replies` with the fields of replies.csv (unit_name for unit).",
        }));
    }
    json!({
        "profile": "data-package",
        "name": "proposal-desk-open-data",
        "title": title,
        "description": "Published CPPCC proposals and the public versions of their replies, one set of files per session. Public versions only: nothing internal is included.",
        "licenses": [{"name": "other-open", "title": "公开发布的政协提案办理结果"}],
        "resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_describes_three_files_per_session_with_every_column() {
        let p = datapackage("开放数据", "https://zx.example.gov.cn", &[("s1".into(), "一届一次会议".into())]);
        let resources = p["resources"].as_array().expect("resources");
        assert_eq!(resources.len(), 3);
        assert_eq!(resources[0]["path"], "https://zx.example.gov.cn/public/open-data/s1/proposals.csv");
        assert_eq!(resources[0]["schema"]["fields"].as_array().map(Vec::len), Some(PROPOSAL_FIELDS.len()));
        assert_eq!(resources[1]["schema"]["fields"][3]["name"], "grade");
        assert!(proposals_head().starts_with("\u{feff}id,number_label,title,"));
    }
}
