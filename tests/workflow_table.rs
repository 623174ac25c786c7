//! docs/workflow.md's permission table is the code's: every action's who,
//! from-states and destination, parsed from the page and compared with
//! src/domain/workflow/table.rs for every kind of standing.

use std::collections::BTreeMap;

use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::table::{Leads, from_states, leads_to, permits};
use proposal_desk::domain::workflow::{Action, ProposalState, Standing, UnitRole};

struct Row {
    who: Vec<String>,
    from: Vec<String>,
    leads: String,
}

fn documented() -> BTreeMap<String, Row> {
    let page = std::fs::read_to_string("docs/workflow.md").expect("docs/workflow.md");
    let section = page.split("## The permission table").nth(1).expect("permission table section");
    let mut rows = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| action") && !l.starts_with("|---")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() != 5 {
            break;
        }
        let list = |cell: &str| cell.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>();
        rows.insert(cells[0].to_string(), Row { who: list(cells[2]), from: list(cells[3]), leads: cells[4].to_string() });
    }
    rows
}

/// Every kind of person the table can distinguish.
fn standings() -> Vec<(String, Standing)> {
    let mut out = vec![("public".to_string(), Standing::public())];
    for role in Role::ALL {
        let base = Standing::of(role);
        out.push((format!("{role:?}"), base));
        match role {
            Role::Member => {
                out.push(("member:proposer".into(), Standing { is_proposer: true, ..base }));
                out.push(("member:cosigner".into(), Standing { is_cosigner: true, ..base }));
            }
            Role::UnitStaff | Role::UnitHead => {
                for part in [UnitRole::Lead, UnitRole::Co, UnitRole::Separate] {
                    out.push((format!("{role:?}:{part:?}"), Standing { unit_role: Some(part), ..base }));
                }
            }
            Role::Leader => out.push(("leader:key".into(), Standing { is_key_leader: true, ..base })),
            Role::Office | Role::Admin => {}
        }
    }
    out
}

/// What a "who" token of the page grants.
fn token_grants(token: &str, s: &Standing) -> bool {
    let unit = s.is_unit() && s.unit_role.is_some();
    let replying = s.is_unit() && s.unit_role.is_some_and(UnitRole::replies);
    match token {
        "office" => s.is(Role::Office),
        "member:proposer" => s.is(Role::Member) && s.is_proposer,
        "member:cosigner" => s.is(Role::Member) && s.is_cosigner,
        "unit:any" => unit,
        "unit:replying" => replying,
        "unit:co" => s.is_unit() && s.unit_role == Some(UnitRole::Co),
        "head:replying" => s.is(Role::UnitHead) && replying,
        other => panic!("docs/workflow.md uses an unknown who-token `{other}`"),
    }
}

fn leads_text(action: Action) -> String {
    match leads_to(action) {
        Leads::Stays => "stays".into(),
        Leads::To(s) => s.as_str().into(),
        Leads::Depends(options) => options.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or "),
    }
}

#[test]
fn the_page_lists_every_action_once() {
    let rows = documented();
    let actions: Vec<String> = Action::ALL.iter().map(|a| a.as_str().to_string()).collect();
    assert_eq!(rows.keys().cloned().collect::<Vec<_>>(), { let mut a = actions.clone(); a.sort(); a });
}

#[test]
fn who_may_act_is_the_same_on_the_page_and_in_the_code() {
    let rows = documented();
    for action in Action::ALL {
        let row = &rows[action.as_str()];
        for (name, standing) in standings() {
            let page = row.who.iter().any(|t| token_grants(t, &standing));
            assert_eq!(permits(action, &standing), page, "{} by {name}", action.as_str());
        }
    }
}

#[test]
fn from_which_states_and_where_to_are_the_same_on_the_page_and_in_the_code() {
    let rows = documented();
    for action in Action::ALL {
        let row = &rows[action.as_str()];
        let code: Vec<String> = from_states(action).iter().map(|s| s.as_str().to_string()).collect();
        assert_eq!(row.from, code, "from-states of {}", action.as_str());
        for s in &row.from {
            assert!(ProposalState::parse(s).is_some(), "unknown state {s}");
        }
        assert_eq!(row.leads, leads_text(action), "destination of {}", action.as_str());
    }
}
