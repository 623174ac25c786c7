//! `bench import-file`: a past year's spreadsheet for the import benchmark,
//! as an office would fill it in: closed and published proposals of the
//! seeded sessions by the seeded members (named with their login, since the
//! seeded names repeat), numbered after every seeded number.

use std::fmt::Write as _;

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::texts;
use crate::db::Db;
use crate::db::schema::{committee_sessions, number_sequences, units, users};
use crate::domain::Role;

/// The file's text (UTF-8 CSV), `rows` rows.
pub fn write(db: &Db, rows: usize) -> anyhow::Result<String> {
    let mut conn = db.get()?;
    let sessions: Vec<(String, chrono::NaiveDate)> = committee_sessions::table
        .order(committee_sessions::number)
        .select((committee_sessions::name, committee_sessions::opens_on))
        .load(&mut conn)?;
    let members: Vec<(String, String)> = users::table
        .filter(users::role.eq(Role::Member.as_str()))
        .filter(users::username.like("m%"))
        .select((users::display_name, users::username))
        .load(&mut conn)?;
    let unit_names: Vec<String> = units::table.select(units::name).load(&mut conn)?;
    if sessions.is_empty() || members.is_empty() || unit_names.len() < 2 {
        anyhow::bail!("seed the archive first (bench seed)");
    }
    // After every number given so far, in any session, whatever the archive's size.
    let last_number: Option<i32> =
        number_sequences::table.select(diesel::dsl::max(number_sequences::last_number)).first(&mut conn)?;
    let first_number = last_number.unwrap_or(0) as usize + 1;
    let mut rng = StdRng::seed_from_u64(2027);
    let mut text = String::from(
        "会议,案号,标题,提案人,提案人账号,类别,提交日期,状态,案由,建议,主办单位,会办单位,答复日期,答复类别,答复内容,沟通方式,过程满意度,结果满意度\r\n",
    );
    for i in 0..rows {
        let (session, opens) = &sessions[i % sessions.len()];
        let (name, login) = members.choose(&mut rng).ok_or_else(|| anyhow::anyhow!("no members"))?;
        let topic = *texts::TOPICS.choose(&mut rng).unwrap_or(&"社区治理");
        let title = texts::title(&mut rng, topic);
        let submitted = *opens - chrono::Duration::days(rng.random_range(1..30));
        let replied = submitted + chrono::Duration::days(rng.random_range(40..120));
        let picked: Vec<&String> = unit_names.choose_multiple(&mut rng, 2).collect();
        let co = if rng.random_ratio(3, 10) { picked[1].as_str() } else { "" };
        let state = if i % 10 == 0 { "已公开" } else { "已办结" };
        let grade = ["A", "A", "B", "C"][rng.random_range(0..4)];
        let contact = ["走访", "座谈", "电话", ""][rng.random_range(0..4)];
        let rating = if rng.random_ratio(85, 100) { "满意" } else { "基本满意" };
        let (reply, _) = texts::reply(&mut rng, name, &title, topic);
        let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        writeln!(
            text,
            "{session},{},{},{name},{login},{},{submitted},{state},{},{},{},{co},{replied},{grade},{},{contact},{rating},满意\r",
            first_number + i / sessions.len(),
            cell(&title),
            texts::TOPIC_CATEGORIES[i % texts::TOPIC_CATEGORIES.len()],
            cell(&texts::reasons(&mut rng, topic)),
            cell(&texts::suggestions(&mut rng, topic)),
            picked[0],
            cell(&reply),
        )?;
    }
    Ok(text)
}
