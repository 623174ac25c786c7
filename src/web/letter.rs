//! 答复函: a submitted reply as the official letter, for printing on A4 —
//! "关于一届一次会议第12号提案的答复", the grade mark at the top right of the
//! first page, the addressee, the reply, the unit, the day it was signed
//! off, who signed it off, the person in charge and the contact. Read as the
//! proposal's page reads it: whoever may see the proposal whole.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::AppError;
use crate::ids::ProposalId;
use crate::proposals::reads;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::frame::{Frame, render};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals/{id}/letter", web::get().to(letter_page))
        .route("/public/proposals/{id}/letter", web::get().to(public_letter_page));
}

struct Letter {
    grade: Option<&'static str>,
    unit: String,
    body: String,
    signed_off_on: String,
    signed_off_by: String,
    person_in_charge: String,
    contact: String,
}

#[derive(Template)]
#[template(path = "letter.html", config = "src/web/askama.toml")]
struct LetterPage {
    frame: Frame,
    /// Where the page's back link leads.
    back: String,
    heading: String,
    addressee: String,
    letters: Vec<Letter>,
}

#[derive(Deserialize)]
struct LetterQuery {
    /// One reply only (several units reply to a 分办 proposal).
    reply: Option<String>,
}

/// The Chinese date of a day: 2027年3月31日.
fn chinese_date(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", day.year(), day.month(), day.day())
}

async fn letter_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
    query: web::Query<LetterQuery>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let id = ProposalId::parse(&id).ok_or_else(AppError::not_found)?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let (p, names) = state
        .db
        .read(move |conn| {
            let p = reads::get_visible(conn, &user, &id, now, &workflow)?;
            let ids: Vec<String> = p
                .replies
                .iter()
                .flat_map(|r| [r.signed_off_by_id.clone(), r.drafted_by_id.clone()])
                .flatten()
                .collect();
            let names = crate::accounts::display_names(conn, &ids)?;
            Ok((p, names))
        })
        .await?;
    let wanted = query.into_inner().reply;
    let unit_of = |assignment_id: &str| {
        p.assignments.iter().find(|a| a.assignment.id == assignment_id).map(|a| a.unit_name.clone()).unwrap_or_default()
    };
    let name = |id: &Option<String>| id.as_ref().and_then(|id| names.get(id)).cloned().unwrap_or_default();
    let letters: Vec<Letter> = p
        .replies
        .iter()
        .filter(|r| r.submitted_at.is_some())
        // One reply asked for, of any round; else those of the current round.
        .filter(|r| match &wanted {
            Some(w) => *w == r.id,
            None => r.handling_round == p.handling_round,
        })
        .map(|r| Letter {
            grade: r.grade.map(|g| g.as_str()),
            unit: unit_of(&r.assignment_id),
            body: r.body.clone(),
            signed_off_on: r
                .signed_off_at
                .or(r.submitted_at)
                .map(|at| chinese_date(state.office.local(at).date()))
                .unwrap_or_default(),
            signed_off_by: name(&r.signed_off_by_id),
            person_in_charge: r.person_in_charge.clone().unwrap_or_default(),
            contact: name(&r.drafted_by_id),
        })
        .collect();
    if letters.is_empty() {
        return Err(AppError::not_found().into());
    }
    let heading = heading_of(p.number_label.as_deref(), &p.title);
    let addressee = match &p.submitter_name {
        Some(name) => format!("{name}："),
        None => format!("{}委员：", p.proposer_name),
    };
    let page = LetterPage {
        frame: Frame::new(&visitor, heading.clone(), "/proposals"),
        back: format!("/proposals/{}", p.id),
        heading,
        addressee,
        letters,
    };
    render(&visitor, &page)
}

fn heading_of(number_label: Option<&str>, title: &str) -> String {
    match number_label {
        Some(label) => format!("关于{label}的答复"),
        None => format!("关于《{title}》的答复"),
    }
}

/// The letter as the public may print it: the public version of each reply
/// of a published proposal, with its unit, grade and day, nothing internal.
async fn public_letter_page(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let index = state.public_index.current(&state.db).await?;
    let since = index.since_of(&id).unwrap_or(index.generation);
    let fresh = crate::public_cache::Fresh::Since { since, now: index.generation };
    let key = req.uri().path().to_string();
    let _turn = match state.public_cache.lookup(&req, &key, fresh).await {
        crate::public_cache::Lookup::Kept(kept) => return Ok(kept),
        crate::public_cache::Lookup::Build(turn) => turn,
    };
    let p = crate::proposals::public_index::published(&state.db, &index, &id, &state.settings.workflow).await?;
    let letters: Vec<Letter> = p
        .replies
        .iter()
        .map(|r| Letter {
            grade: r.grade.map(|g| g.as_str()),
            unit: r.unit_name.clone(),
            body: r.public_body.clone(),
            signed_off_on: r.submitted_at.map(|at| chinese_date(state.office.local(at).date())).unwrap_or_default(),
            signed_off_by: String::new(),
            person_in_charge: String::new(),
            contact: String::new(),
        })
        .collect();
    if letters.is_empty() {
        return Err(crate::proposals::public::not_published().into());
    }
    let heading = heading_of(p.number_label.as_deref(), &p.title);
    let page = LetterPage {
        frame: Frame::shared(heading.clone(), "/public"),
        back: format!("/public/proposals/{}", p.id),
        addressee: format!("{}：", p.submitter),
        heading,
        letters,
    };
    let html = page.render().map_err(|e| AppError::internal(format!("template: {e}")))?;
    Ok(state.public_cache.put_as(&req, key, html.into(), "text/html; charset=utf-8", fresh))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_day_is_written_the_chinese_way() {
        let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("a day");
        assert_eq!(super::chinese_date(day), "2027年3月1日");
    }
}
