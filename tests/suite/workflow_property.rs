//! Random lives: random sequences of actions by random people, on both
//! databases, never break the invariants: numbers unique and without gaps, a
//! closed proposal has a rated reply, a published one its public version,
//! nobody sees what they may not, every change is one audit event, no 5xx.

use crate::common;

use common::world::{PEOPLE, Shared, World, request};
use common::{Backend, TestApp, TestUser};
use diesel::prelude::*;
use proposal_desk::db::schema::{assignments, audit_events, proposal_cosigners, proposals, ratings, replies, users};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::table::may_see_full;
use proposal_desk::domain::workflow::{Action, ProposalState, Standing, UnitRole};
use proptest::prelude::*;

/// A step: who acts (or, past the last person, time passes), on which
/// proposal, doing what, and whether they pick among the actions the service
/// offers them (so that lives move on) or try anything at all.
type Step = (usize, usize, usize, bool);

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec((0..PEOPLE.len() + 1, 0..2usize, 0..Action::ALL.len(), prop::bool::weighted(0.8)), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, max_shrink_iters: 16, ..ProptestConfig::default() })]
    #[test]
    fn random_lives_keep_the_invariants(steps in steps()) {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            actix_web::rt::System::new().block_on(live(backend, &steps));
        }
    }
}

async fn refresh(app: &TestApp, user: &mut TestUser) {
    user.token = app.token(user).await;
}

async fn live(backend: Backend, steps: &[Step]) {
    let Some(app) = TestApp::start(backend, "random_lives_keep_the_invariants").await else { return };
    let mut shared = Shared::new(&app).await;
    let mut worlds = vec![
        World::new(&app, ProposalState::Draft, &shared).await,
        World::new(&app, ProposalState::Submitted, &shared).await,
    ];
    let mut reached = std::collections::BTreeSet::new();
    for (n, &(who, which, action, offered)) in steps.iter().enumerate() {
        if who == PEOPLE.len() {
            app.clock.advance(chrono::Duration::days(8));
            for u in shared.everybody_mut() {
                refresh(&app, u).await;
            }
            for w in &mut worlds {
                refresh(&app, &mut w.f.proposer).await;
                refresh(&app, &mut w.cosigner).await;
            }
            continue;
        }
        let w = &worlds[which];
        let mut who = who;
        let mut action = Action::ALL[action];
        if offered {
            // The first person, from `who` on, whom the service offers something to do.
            for k in 0..PEOPLE.len() {
                let candidate = (who + k) % PEOPLE.len();
                let view =
                    app.get(&format!("/api/proposals/{}", w.f.id), &w.person(PEOPLE[candidate], &shared).token).await;
                let allowed: Vec<Action> = view.body["allowed_actions"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_str().and_then(Action::parse)).collect())
                    .unwrap_or_default();
                // Endings that stop a life early come second, so that lives reach the later stages.
                let ending =
                    |a: &Action| matches!(a, Action::RefuseFiling | Action::Convert | Action::Merge | Action::Withhold);
                let (going_on, endings): (Vec<Action>, Vec<Action>) = allowed.into_iter().partition(|a| !ending(a));
                let choices = if going_on.is_empty() { endings } else { going_on };
                if !choices.is_empty() {
                    who = candidate;
                    action = choices[n % choices.len()];
                    break;
                }
            }
        }
        let user = w.person(PEOPLE[who], &shared);
        let (method, path, body) = request(&app, action, user, &w.f.id, &shared);
        let before = app.last_audit_seq();
        let reply = app.send(method.clone(), &path, Some(&user.token), Some(body)).await;
        let context = format!(
            "step {n}: {} by {} on proposal {which}: {method} {path} -> {} {}",
            action.as_str(),
            PEOPLE[who],
            reply.status,
            reply.text
        );
        assert!(reply.status.as_u16() < 500, "{context}");
        let written = app.last_audit_seq() - before;
        if reply.status.is_success() {
            assert_eq!(written, 1, "a change is exactly one audit event: {context}");
        } else {
            assert_eq!(written, 0, "a refusal writes nothing: {context}");
        }
        invariants(&app, &worlds, &shared, &context).await;
        reached.insert(app.state_of(&w.f.id));
    }
    eprintln!("{backend:?}: {} steps, states reached: {reached:?}", steps.len());
    let report = app.with_conn(proposal_desk::audit::verify::verify).expect("verify");
    assert_eq!(report.first_break, None);
    let _ = audit_events::table;
}

/// The statistics kept in memory and brought up to date from the audit
/// events are those of the records: the same as loaded afresh, for a session
/// and for a range of days.
fn statistics_follow_the_records(app: &TestApp, worlds: &[World], context: &str) {
    use proposal_desk::statistics::{ScopeQuery, Store, compute, scope::resolve};
    let now = app.clock_now();
    let queries = [
        ScopeQuery { session_id: Some(worlds[0].f.session_id.clone()), ..ScopeQuery::default() },
        ScopeQuery {
            scope: Some("range".into()),
            from: Some("2000-01-01".into()),
            to: Some("2999-12-31".into()),
            ..ScopeQuery::default()
        },
    ];
    for query in queries {
        let scope = app.with_conn(|c| resolve(c, &app.state.settings.workflow, query)).expect("scope");
        let kept = app.with_conn(|c| compute(c, &app.state.statistics, &app.state.office, scope.clone(), now));
        let fresh = app.with_conn(|c| compute(c, &Store::default(), &app.state.office, scope, now));
        assert_eq!(kept.expect("kept"), fresh.expect("fresh"), "kept statistics differ from the records: {context}");
    }
}

async fn invariants(app: &TestApp, worlds: &[World], shared: &Shared, context: &str) {
    statistics_follow_the_records(app, worlds, context);
    // Numbers within a session and kind: 1..n, each once.
    let numbered: Vec<(String, Option<String>, i32)> = app
        .with_conn(|c| {
            proposals::table
                .filter(proposals::number.is_not_null())
                .order((proposals::kind, proposals::session_id, proposals::number))
                .select((proposals::kind, proposals::session_id, proposals::number.assume_not_null()))
                .load(c)
        })
        .expect("numbers");
    let mut expected = 0;
    let mut last_key = None;
    for (kind, session, number) in &numbered {
        let key = Some((kind.clone(), session.clone()));
        if key != last_key {
            expected = 0;
            last_key = key;
        }
        expected += 1;
        assert_eq!(*number, expected, "numbers repeat or skip: {numbered:?}; {context}");
    }
    for w in worlds {
        let id = &w.f.id;
        let state = ProposalState::parse(&app.state_of(id)).expect("state");
        let submitted: Vec<Option<String>> = app
            .with_conn(|c| {
                replies::table
                    .filter(replies::proposal_id.eq(id))
                    .filter(replies::submitted_at.is_not_null())
                    .select(replies::public_body)
                    .load(c)
            })
            .expect("replies");
        if matches!(state, ProposalState::Closed | ProposalState::Published | ProposalState::Withheld) {
            assert!(!submitted.is_empty(), "closed without a reply; {context}");
            let rated: i64 = app
                .with_conn(|c| ratings::table.filter(ratings::proposal_id.eq(id)).count().get_result(c))
                .expect("ratings");
            let silence_counts = app.state.settings.workflow.rating_silence_means != "unrated";
            assert!(rated > 0 || !silence_counts, "closed without a rating; {context}");
        }
        if state == ProposalState::Published {
            assert!(submitted.iter().all(Option::is_some), "published without a public version; {context}");
        }
        // Nobody sees what they may not, and everybody sees what they may.
        for who in common::world::PEOPLE {
            let user = w.person(who, shared);
            let standing = actual_standing(app, user, id);
            let reply = app.get(&format!("/api/proposals/{id}"), &user.token).await;
            let may = may_see_full(&standing, state);
            assert_eq!(
                reply.status.as_u16(),
                if may { 200 } else { 404 },
                "{who} viewing {}: {}; {context}",
                state.as_str(),
                reply.text
            );
        }
    }
}

/// How a person stands to a proposal, worked out from the tables directly
/// (an oracle independent of the service's own `standing`).
fn actual_standing(app: &TestApp, user: &TestUser, id: &str) -> Standing {
    let (role, unit): (String, Option<String>) =
        app.with_conn(|c| users::table.find(&user.id).select((users::role, users::unit_id)).first(c)).expect("user");
    let role = Role::parse(&role).expect("role");
    let (proposer, merged_into, is_key, key_leader): (String, Option<String>, bool, Option<String>) = app
        .with_conn(|c| {
            proposals::table
                .find(id)
                .select((
                    proposals::proposer_id,
                    proposals::merged_into_id,
                    proposals::is_key,
                    proposals::key_leader_id,
                ))
                .first(c)
        })
        .expect("proposal");
    let _ = merged_into;
    let merged_proposer: i64 = app
        .with_conn(|c| {
            proposals::table
                .filter(proposals::merged_into_id.eq(id))
                .filter(proposals::proposer_id.eq(&user.id))
                .count()
                .get_result(c)
        })
        .expect("merged");
    // An invitation counts once confirmed, or while its answer window is open.
    let invitation: Option<(String, chrono::NaiveDateTime)> = app
        .with_conn(|c| {
            proposal_cosigners::table
                .filter(proposal_cosigners::proposal_id.eq(id))
                .filter(proposal_cosigners::user_id.eq(&user.id))
                .select((proposal_cosigners::status, proposal_cosigners::respond_by))
                .first(c)
                .optional()
        })
        .expect("cosigner");
    let now = app.clock_now();
    let cosigner = invitation.is_some_and(|(status, by)| status == "confirmed" || (status == "invited" && by >= now));
    let unit_role: Option<String> = unit.and_then(|u| {
        app.with_conn(|c| {
            assignments::table
                .filter(assignments::proposal_id.eq(id))
                .filter(assignments::unit_id.eq(u))
                .filter(assignments::state.ne("returned"))
                .select(assignments::unit_role)
                .first(c)
                .optional()
        })
        .expect("assignment")
    });
    let member = role == Role::Member;
    let unit_staff = matches!(role, Role::UnitStaff | Role::UnitHead);
    Standing {
        role: Some(role),
        is_proposer: member && (proposer == user.id || merged_proposer > 0),
        is_cosigner: member && cosigner,
        // Whether a co-signer may rate does not change what they see.
        cosigner_rates: false,
        unit_role: if unit_staff { unit_role.as_deref().and_then(UnitRole::parse) } else { None },
        is_key_leader: role == Role::Leader && is_key && key_leader.as_deref() == Some(user.id.as_str()),
    }
}
