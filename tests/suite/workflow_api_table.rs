//! The permission table as the API answers it: every kind of person, every
//! action, every state, on both databases, against docs/workflow.md.
//!
//! A refused action changes nothing, so one proposal per state serves every
//! refusal; an allowed action gets a fresh proposal of its own.

use crate::common;

use std::collections::BTreeMap;

use common::workflow_doc::{Row, documented, token_grants};
use common::world::{PEOPLE, Shared, World, request, standing};
use common::{Reply, TestApp};
use proposal_desk::domain::workflow::table::may_see;
use proposal_desk::domain::workflow::{Action, ProposalState};

both_backends!(every_role_every_action_every_state);

#[derive(Debug, PartialEq, Eq)]
enum Expected {
    Hidden,
    NotPermitted,
    WrongState,
    Allowed,
}

fn has_units(state: ProposalState) -> bool {
    use ProposalState as S;
    matches!(state, S::Handling | S::Replied | S::Closed | S::Published | S::Withheld)
}

fn expected(row: &Row, state: ProposalState, who: &str) -> Expected {
    let s = standing(who, has_units(state));
    if !may_see(&s, state) {
        return Expected::Hidden;
    }
    if !row.who.iter().any(|t| token_grants(t, &s)) {
        return Expected::NotPermitted;
    }
    if !row.from.iter().any(|f| f == state.as_str()) {
        return Expected::WrongState;
    }
    Expected::Allowed
}

fn judge(reply: &Reply, want: &Expected) -> Result<(), String> {
    let status = reply.status.as_u16();
    let ok = match want {
        Expected::Hidden => status == 404,
        Expected::NotPermitted => status == 403,
        Expected::WrongState => status == 409 && reply.body["current_state"].is_string(),
        // Allowed by the table: done, or stopped by a rule beyond it (409 with
        // its rule), never refused by the table itself.
        Expected::Allowed => reply.status.is_success() || (status == 409 && reply.body["rule"].is_string()),
    };
    if ok { Ok(()) } else { Err(format!("expected {want:?}, got {status}: {}", reply.text)) }
}

async fn every_role_every_action_every_state(app: TestApp) {
    let rows = documented();
    let shared = Shared::new(&app).await;
    let mut failures = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for state in ProposalState::ALL.iter().copied() {
        let base = World::new(&app, state, &shared).await;
        for action in Action::ALL.iter().copied() {
            let row = &rows[action.as_str()];
            for who in PEOPLE {
                let want = expected(row, state, who);
                *counts.entry(format!("{want:?}")).or_default() += 1;
                let fresh;
                let w = if want == Expected::Allowed {
                    fresh = World::new(&app, state, &shared).await;
                    &fresh
                } else {
                    &base
                };
                let user = w.person(who, &shared);
                let (method, path, body) = request(&app, action, user, &w.f.id, &shared);
                let reply = app.send(method.clone(), &path, Some(&user.token), Some(body)).await;
                assert!(
                    reply.status.as_u16() < 500,
                    "{} by {who} in {}: {}",
                    action.as_str(),
                    state.as_str(),
                    reply.text
                );
                if let Err(e) = judge(&reply, &want) {
                    failures.push(format!("{} by {who} in {}: {method} {path}: {e}", action.as_str(), state.as_str()));
                }
            }
        }
    }
    assert!(counts.get("Allowed").copied().unwrap_or(0) > 40, "{counts:?}");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from docs/workflow.md:\n{}",
        failures.len(),
        counts.values().sum::<usize>(),
        failures.join("\n")
    );
}
