//! docs/workflow.md's permission table, read as data.

#![allow(dead_code)]

use std::collections::BTreeMap;

use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::{Standing, UnitRole};

pub struct Row {
    pub who: Vec<String>,
    pub from: Vec<String>,
    pub leads: String,
}

pub fn documented() -> BTreeMap<String, Row> {
    let page = std::fs::read_to_string("docs/workflow.md").expect("docs/workflow.md");
    let section = page.split("## The permission table").nth(1).expect("permission table section");
    let mut rows = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| action") && !l.starts_with("|---"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() != 5 {
            break;
        }
        // A note in parentheses qualifies a token ("member:cosigner (when ...)"); the token is what counts.
        let list = |cell: &str| {
            cell.split(',')
                .map(|s| s.split('(').next().unwrap_or("").trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        rows.insert(
            cells[0].to_string(),
            Row { who: list(cells[2]), from: list(cells[3]), leads: cells[4].to_string() },
        );
    }
    rows
}

/// What a "who" token of the page grants.
pub fn token_grants(token: &str, s: &Standing) -> bool {
    let unit = s.is_unit() && s.unit_role.is_some();
    let replying = s.is_unit() && s.unit_role.is_some_and(UnitRole::replies);
    match token {
        "office" => s.is(Role::Office),
        "member:proposer" => s.is(Role::Member) && s.is_proposer,
        "member:cosigner" => s.is(Role::Member) && s.is_cosigner,
        "member:rating-cosigner" => s.is(Role::Member) && s.is_cosigner && s.cosigner_rates,
        "unit:any" => unit,
        "unit:replying" => replying,
        "unit:co" => s.is_unit() && s.unit_role == Some(UnitRole::Co),
        "head:replying" => s.is(Role::UnitHead) && replying,
        other => panic!("docs/workflow.md uses an unknown who-token `{other}`"),
    }
}
