//! The calendar files: one TOML file a year (`2026.toml`) naming its source
//! and listing the holidays and the weekend days made working days. The
//! years shipped with a release are built in; the office adds a year by
//! putting its file in the folder `deadlines.calendar_dir`, read at start-up.
//! A file is checked before it is believed: a day listed twice, a date
//! outside the file's year, a working day that is not a weekend day or an
//! unknown key stops start-up with the file and the line.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use toml::Spanned;

use crate::domain::calendar::{Calendar, YearSchedule};

/// The years shipped with this release, as (file name, text).
pub const BUILT_IN: [(&str, &str); 3] = [
    ("2024.toml", include_str!("../config/calendar/2024.toml")),
    ("2025.toml", include_str!("../config/calendar/2025.toml")),
    ("2026.toml", include_str!("../config/calendar/2026.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: Spanned<i32>,
    source: String,
    #[serde(default)]
    holiday: Vec<HolidayEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    name: String,
    from: Spanned<Day>,
    to: Spanned<Day>,
    #[serde(default)]
    working_days: Vec<Spanned<Day>>,
}

/// A date written as a TOML date (`2026-02-15`) or as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Day {
    Toml(toml::value::Datetime),
    Text(String),
}

/// The built-in years alone.
pub fn built_in() -> anyhow::Result<Calendar> {
    Ok(Calendar::new(BUILT_IN.iter().map(|(name, text)| parse(name, text)).collect::<anyhow::Result<Vec<_>>>()?))
}

/// The calendar: the built-in years, then every `*.toml` file of `dir` (a
/// file replaces the built-in schedule of its year). A missing folder leaves
/// the built-in years, with a warning.
pub fn load(dir: &Path) -> anyhow::Result<Calendar> {
    let mut schedules: Vec<YearSchedule> = built_in()?.years().cloned().collect();
    if dir.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("calendar folder {}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            schedules.push(parse(&path.display().to_string(), &text)?);
        }
    } else {
        tracing::warn!(folder = %dir.display(), "calendar folder not found; only the built-in years are known");
    }
    Ok(Calendar::new(schedules))
}

/// One year's file, checked; errors name `file` and the line.
pub fn parse(file: &str, text: &str) -> anyhow::Result<YearSchedule> {
    let parsed: YearFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let at = |span: std::ops::Range<usize>| format!("{file}:{}", line_of(text, span.start));
    let year = *parsed.year.get_ref();
    let stem = Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if stem != year.to_string() {
        anyhow::bail!("{}: the file of year {year} must be named {year}.toml", at(parsed.year.span()));
    }
    if parsed.source.trim().is_empty() {
        anyhow::bail!("{file}: `source` must name the notice the dates come from");
    }
    let mut holidays = BTreeSet::new();
    let mut working_weekends = BTreeSet::new();
    let day_of = |spanned: &Spanned<Day>| -> anyhow::Result<NaiveDate> {
        let day = match spanned.get_ref() {
            Day::Toml(t) => t.to_string().parse::<NaiveDate>().ok(),
            Day::Text(s) => s.parse::<NaiveDate>().ok(),
        };
        match day {
            Some(day) if day.year() == year => Ok(day),
            Some(day) => anyhow::bail!("{}: {day} is outside the year {year}", at(spanned.span())),
            None => anyhow::bail!("{}: not a date (write it as YYYY-MM-DD)", at(spanned.span())),
        }
    };
    for entry in &parsed.holiday {
        let (from, to) = (day_of(&entry.from)?, day_of(&entry.to)?);
        if to < from {
            anyhow::bail!("{}: {} ends before it starts", at(entry.to.span()), entry.name);
        }
        for day in from.iter_days().take_while(|d| *d <= to) {
            if !holidays.insert(day) {
                anyhow::bail!("{}: {day} is listed twice", at(entry.from.span()));
            }
        }
        for spanned in &entry.working_days {
            let day = day_of(spanned)?;
            if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                anyhow::bail!("{}: {day} is a {} and a working day anyway", at(spanned.span()), day.weekday());
            }
            if !working_weekends.insert(day) {
                anyhow::bail!("{}: {day} is listed twice", at(spanned.span()));
            }
        }
    }
    if let Some(day) = holidays.intersection(&working_weekends).next() {
        anyhow::bail!("{file}: {day} is listed both as a holiday and as a working day");
    }
    Ok(YearSchedule { year, source: parsed.source, holidays, working_weekends })
}

/// The 1-based line of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "year = 2026\nsource = \"国务院办公厅关于2026年部分节假日安排的通知\"\n";

    fn refused(body: &str) -> String {
        parse("2026.toml", &format!("{HEAD}{body}")).expect_err("refused").to_string()
    }

    #[test]
    fn the_built_in_years_parse() {
        for (name, text) in BUILT_IN {
            parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn a_day_listed_twice_is_refused_with_its_line() {
        let e = refused(
            "[[holiday]]\nname = \"a\"\nfrom = 2026-02-15\nto = 2026-02-16\n[[holiday]]\nname = \"b\"\nfrom = 2026-02-16\nto = 2026-02-17\n",
        );
        assert_eq!(e, "2026.toml:9: 2026-02-16 is listed twice");
        let e = refused(
            "[[holiday]]\nname = \"a\"\nfrom = 2026-02-15\nto = 2026-02-15\nworking_days = [2026-02-14, 2026-02-14]\n",
        );
        assert_eq!(e, "2026.toml:7: 2026-02-14 is listed twice");
    }

    #[test]
    fn a_date_outside_the_year_is_refused_with_its_line() {
        let e = refused("[[holiday]]\nname = \"元旦\"\nfrom = 2025-12-31\nto = 2026-01-01\n");
        assert_eq!(e, "2026.toml:5: 2025-12-31 is outside the year 2026");
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_line() {
        let e = refused("[[holiday]]\nname = \"元旦\"\nfrom = 2026-01-01\nto = 2026-01-01\nworkdays = []\n");
        assert!(e.starts_with("2026.toml: TOML parse error at line 7"), "{e}");
        assert!(e.contains("unknown field `workdays`"), "{e}");
    }

    #[test]
    fn a_working_day_must_be_a_weekend_day_and_not_a_holiday() {
        let e = refused("[[holiday]]\nname = \"a\"\nfrom = 2026-02-15\nto = 2026-02-15\nworking_days = [2026-02-13]\n");
        assert_eq!(e, "2026.toml:7: 2026-02-13 is a Fri and a working day anyway");
        let e = refused("[[holiday]]\nname = \"a\"\nfrom = 2026-02-14\nto = 2026-02-15\nworking_days = [2026-02-14]\n");
        assert_eq!(e, "2026.toml: 2026-02-14 is listed both as a holiday and as a working day");
    }

    #[test]
    fn the_file_name_must_be_its_year() {
        let e = parse("2027.toml", HEAD).expect_err("refused").to_string();
        assert_eq!(e, "2027.toml:1: the file of year 2026 must be named 2026.toml");
    }
}
