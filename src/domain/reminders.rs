//! 催办: when a deadline's unit is reminded. By default 10 and 3 working days
//! before the due day, on the day, then every 5 working days while overdue;
//! overdue reminders go to the unit's head too, and from the configured one
//! on to the office. Pure: the schedule is configuration, the sending is
//! `crate::reminders`.

use chrono::NaiveDate;
use serde::Deserialize;

use super::calendar::Calendar;

/// The reminder schedule (`[reminders]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Working days before the due day on which the unit is reminded.
    pub before_working_days: Vec<u32>,
    pub on_the_day: bool,
    /// While overdue, a reminder every this many working days (0: none).
    pub overdue_every_working_days: u32,
    /// From this overdue reminder on (1: the first), the office is told too.
    pub escalate_to_office_from: u32,
}

/// One reminder of a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// N working days before the due day.
    Before(u32),
    /// The due day.
    Day,
    /// The Kth overdue reminder.
    Overdue(u32),
}

impl Step {
    /// How the step is recorded: `before:10`, `day`, `overdue:2`.
    pub fn code(self) -> String {
        match self {
            Step::Before(n) => format!("before:{n}"),
            Step::Day => "day".into(),
            Step::Overdue(k) => format!("overdue:{k}"),
        }
    }

    /// The steps' order in time: a later step is never followed by an earlier one.
    pub fn order(self) -> i32 {
        match self {
            Step::Before(n) => -(n.min(10_000) as i32),
            Step::Day => 0,
            Step::Overdue(k) => k.min(1_000_000) as i32,
        }
    }

    /// Whether the office is told of this step too.
    pub fn escalates(self, schedule: &Schedule) -> bool {
        matches!(self, Step::Overdue(k) if k >= schedule.escalate_to_office_from.max(1))
    }
}

/// The latest reminder of a deadline due on `due` that has come by `today`,
/// if any. Reminders missed (a sender that was down) are not sent late one
/// after the other: only the latest one is.
pub fn latest_step(calendar: &Calendar, schedule: &Schedule, due: NaiveDate, today: NaiveDate) -> Option<Step> {
    if today >= due {
        let over = calendar.working_days_between(due, today).value.max(0) as u32;
        let every = schedule.overdue_every_working_days;
        if every > 0 && over >= every {
            return Some(Step::Overdue(over / every));
        }
        if schedule.on_the_day {
            return Some(Step::Day);
        }
    }
    let left = calendar.working_days_between(today, due).value.max(0) as u32;
    schedule.before_working_days.iter().copied().filter(|n| left <= *n).min().map(Step::Before)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn schedule() -> Schedule {
        Schedule {
            before_working_days: vec![10, 3],
            on_the_day: true,
            overdue_every_working_days: 5,
            escalate_to_office_from: 2,
        }
    }

    #[test]
    fn each_step_comes_on_its_working_day() {
        let c = Calendar::default();
        let due = d("2026-03-20"); // a Friday; weekends only in this calendar
        let at = |day: &str| latest_step(&c, &schedule(), due, d(day));
        assert_eq!(at("2026-03-05"), None);
        assert_eq!(at("2026-03-06"), Some(Step::Before(10)));
        assert_eq!(at("2026-03-16"), Some(Step::Before(10)));
        assert_eq!(at("2026-03-17"), Some(Step::Before(3)));
        assert_eq!(at("2026-03-20"), Some(Step::Day));
        assert_eq!(at("2026-03-26"), Some(Step::Day));
        assert_eq!(at("2026-03-27"), Some(Step::Overdue(1)));
        assert_eq!(at("2026-04-03"), Some(Step::Overdue(2)));
    }

    #[test]
    fn steps_are_ordered_and_escalate_from_the_configured_one() {
        let s = schedule();
        assert!(Step::Before(10).order() < Step::Before(3).order());
        assert!(Step::Before(3).order() < Step::Day.order());
        assert!(Step::Day.order() < Step::Overdue(1).order());
        assert!(!Step::Overdue(1).escalates(&s) && Step::Overdue(2).escalates(&s) && !Step::Day.escalates(&s));
        assert_eq!(Step::Overdue(3).code(), "overdue:3");
    }
}
