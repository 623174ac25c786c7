//! docs/workflow.md's permission table is the code's: every action's who,
//! from-states and destination, parsed from the page and compared with
//! src/domain/workflow/table.rs for every kind of standing.

use crate::common;

use common::workflow_doc::{documented, token_grants};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::table::{Leads, from_states, leads_to, permits};
use proposal_desk::domain::workflow::{Action, ProposalState, Standing, UnitRole};

/// Every kind of person the table can distinguish.
fn standings() -> Vec<(String, Standing)> {
    let mut out = vec![("public".to_string(), Standing::public())];
    for role in Role::ALL.iter().copied() {
        let base = Standing::of(role);
        out.push((format!("{role:?}"), base));
        match role {
            Role::Member => {
                out.push(("member:proposer".into(), Standing { is_proposer: true, ..base }));
                out.push(("member:cosigner".into(), Standing { is_cosigner: true, ..base }));
                out.push((
                    "member:rating-cosigner".into(),
                    Standing { is_cosigner: true, cosigner_rates: true, ..base },
                ));
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
    assert_eq!(rows.keys().cloned().collect::<Vec<_>>(), {
        let mut a = actions.clone();
        a.sort();
        a
    });
}

#[test]
fn who_may_act_is_the_same_on_the_page_and_in_the_code() {
    let rows = documented();
    for action in Action::ALL.iter().copied() {
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
    for action in Action::ALL.iter().copied() {
        let row = &rows[action.as_str()];
        let code: Vec<String> = from_states(action).iter().map(|s| s.as_str().to_string()).collect();
        assert_eq!(row.from, code, "from-states of {}", action.as_str());
        for s in &row.from {
            assert!(ProposalState::parse(s).is_some(), "unknown state {s}");
        }
        assert_eq!(row.leads, leads_text(action), "destination of {}", action.as_str());
    }
}
