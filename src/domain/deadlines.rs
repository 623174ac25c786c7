//! Deadline arithmetic (期限) in the office's time zone, on the working-day
//! calendar: a deadline is a day, and it falls due at the end of that day
//! where the office is.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;

use super::calendar::{Calendar, Reckoned};

/// How long a stage may take: a deadline rule of the configuration, written
/// `{ days = 5 }`, `{ working_days = 5 }`, `{ months = 3 }` or `{ fixed = 2027-06-30 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Span {
    /// Calendar days (自然日).
    Days(u32),
    /// Working days (工作日) on the calendar.
    WorkingDays(u32),
    /// Calendar months; the last day of a shorter month when needed.
    Months(u32),
    /// A fixed day, whenever the stage starts (some offices fix "all replies by 30 June").
    Fixed(NaiveDate),
}

impl Span {
    /// How the rule is stored beside a deadline: `months:3`, `working_days:5`, `fixed:2027-06-30`.
    pub fn code(&self) -> String {
        match self {
            Span::Days(n) => format!("days:{n}"),
            Span::WorkingDays(n) => format!("working_days:{n}"),
            Span::Months(n) => format!("months:{n}"),
            Span::Fixed(day) => format!("fixed:{day}"),
        }
    }

    /// The rule a stored code names.
    pub fn from_code(code: &str) -> Option<Span> {
        let (unit, value) = code.split_once(':')?;
        Some(match unit {
            "days" => Span::Days(value.parse().ok()?),
            "working_days" => Span::WorkingDays(value.parse().ok()?),
            "months" => Span::Months(value.parse().ok()?),
            "fixed" => Span::Fixed(value.parse().ok()?),
            _ => return None,
        })
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Span::Days(n) => write!(f, "{n} days"),
            Span::WorkingDays(n) => write!(f, "{n} working days"),
            Span::Months(n) => write!(f, "{n} months"),
            Span::Fixed(day) => write!(f, "fixed on {day}"),
        }
    }
}

/// A stage whose length is a configured rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    /// 联名: answering an invitation to co-sign.
    Cosign,
    /// 办理: the reply after assignment.
    Reply,
    /// 退回: asking to be released after assignment.
    ReturnWindow,
    /// 评价: the proposer's rating.
    Rating,
    /// 重新办理 after 不满意.
    Rehandling,
}

crate::domain::names::named!(Stage);

impl Stage {
    /// The handling stage of a round: the first reply, or re-handling after
    /// 不满意 in every later round.
    pub fn of_round(handling_round: i32) -> Stage {
        if handling_round > 1 { Stage::Rehandling } else { Stage::Reply }
    }
}

/// A deadline: its day and the moment it falls due (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub on: NaiveDate,
    pub at: NaiveDateTime,
    /// The day relied on a year whose schedule is not published yet.
    pub provisional: bool,
}

/// The office's clock and calendar: its time zone and its working days.
#[derive(Debug, Clone)]
pub struct OfficeTime {
    pub calendar: Calendar,
    pub zone: Tz,
}

impl OfficeTime {
    pub fn new(calendar: Calendar, zone: Tz) -> Self {
        OfficeTime { calendar, zone }
    }

    /// The office's local date and time at the UTC moment `at`.
    pub fn local(&self, at: NaiveDateTime) -> NaiveDateTime {
        self.zone.from_utc_datetime(&at).naive_local()
    }

    /// The office's date at the UTC moment `now`.
    pub fn today(&self, now: NaiveDateTime) -> NaiveDate {
        self.zone.from_utc_datetime(&now).date_naive()
    }

    /// The UTC moment the office's day `day` ends: 23:59:59 there (whole
    /// seconds, so that clients read a plain time).
    pub fn end_of(&self, day: NaiveDate) -> NaiveDateTime {
        let last = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
        match self.zone.from_local_datetime(&last).latest() {
            Some(local) => local.naive_utc(),
            // A day whose end does not exist locally (cannot happen without DST at midnight).
            None => last,
        }
    }

    /// The deadline `span` after the office's day `start`.
    pub fn due_after(&self, start: NaiveDate, span: Span) -> Due {
        // A counted day in a year without a schedule is provisional even when
        // counted in calendar days or months: whether it is a working day is
        // not known yet. A fixed day is the day it names.
        let counted = |on: NaiveDate| Reckoned { value: on, provisional: !self.calendar.covers(on.year()) };
        let Reckoned { value: on, provisional } = match span {
            Span::Days(n) => counted(start.checked_add_days(Days::new(n.into())).unwrap_or(start)),
            Span::WorkingDays(n) => self.calendar.add_working_days(start, n),
            Span::Months(n) => counted(start.checked_add_months(Months::new(n)).unwrap_or(start)),
            Span::Fixed(day) => plain(day),
        };
        self.on(Reckoned { value: on, provisional })
    }

    /// The deadline `span` after the UTC moment `now`, counted from the office's date.
    pub fn due_from(&self, now: NaiveDateTime, span: Span) -> Due {
        self.due_after(self.today(now), span)
    }

    /// The deadline `days` calendar days before `due` (a co-handling opinion before the reply).
    pub fn days_before(&self, due: Due, days: u32) -> Due {
        let on = due.on.checked_sub_days(Days::new(days.into())).unwrap_or(due.on);
        // It follows its reply: while the reply's day is provisional, so is this one.
        self.on(Reckoned { value: on, provisional: due.provisional })
    }

    /// The deadline on `day` (a date the office chose).
    pub fn due_on(&self, day: NaiveDate) -> Due {
        self.on(plain(day))
    }

    fn on(&self, day: Reckoned<NaiveDate>) -> Due {
        Due { on: day.value, at: self.end_of(day.value), provisional: day.provisional }
    }
}

fn plain(day: NaiveDate) -> Reckoned<NaiveDate> {
    Reckoned { value: day, provisional: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn office() -> OfficeTime {
        OfficeTime::new(Calendar::default(), chrono_tz::Asia::Shanghai)
    }

    #[test]
    fn a_deadline_falls_due_at_the_end_of_its_day_in_the_office() {
        let due = office().due_on(d("2026-03-09"));
        // 23:59:59 in Beijing is 15:59:59 UTC.
        assert_eq!(due.at, d("2026-03-09").and_hms_opt(15, 59, 59).expect("a time"));
    }

    #[test]
    fn the_office_day_is_its_own_not_utc() {
        // 17:00 UTC on 03-01 is already 03-02 in Beijing.
        let now = d("2026-03-01").and_hms_opt(17, 0, 0).expect("a time");
        assert_eq!(office().today(now), d("2026-03-02"));
        assert_eq!(office().due_from(now, Span::Days(1)).on, d("2026-03-03"));
    }

    #[test]
    fn months_end_on_the_last_day_of_a_short_month() {
        assert_eq!(office().due_after(d("2026-01-31"), Span::Months(1)).on, d("2026-02-28"));
        assert_eq!(office().due_after(d("2026-03-02"), Span::Months(3)).on, d("2026-06-02"));
    }

    #[test]
    fn a_fixed_day_is_the_day_whatever_the_start() {
        assert_eq!(office().due_after(d("2026-03-02"), Span::Fixed(d("2026-06-30"))).on, d("2026-06-30"));
    }

    #[test]
    fn a_rule_is_stored_and_read_back_by_its_code() {
        for span in [Span::Days(5), Span::WorkingDays(5), Span::Months(3), Span::Fixed(d("2027-06-30"))] {
            assert_eq!(Span::from_code(&span.code()), Some(span));
        }
        assert_eq!(Span::from_code("weeks:2"), None);
    }

    #[test]
    fn a_rule_reads_as_configuration_writes_it() {
        #[derive(Deserialize)]
        struct Rules {
            a: Span,
            b: Span,
            c: Span,
        }
        let r: Rules = toml::from_str("a = { working_days = 5 }\nb = { months = 3 }\nc = { fixed = \"2027-06-30\" }")
            .expect("rules");
        assert_eq!((r.a, r.b, r.c), (Span::WorkingDays(5), Span::Months(3), Span::Fixed(d("2027-06-30"))));
    }
}
