//! The working-day calendar (工作日): weekends and the public holidays off,
//! and the weekend days made working days (调休) on. One schedule a year, as
//! the State Council publishes it; a year without a schedule is counted on
//! plain weekdays and every answer that touched it says so (`provisional`),
//! because the real dates are not yet known.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};

/// One year's published schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSchedule {
    pub year: i32,
    /// The notice it comes from (国务院办公厅关于…年部分节假日安排的通知).
    pub source: String,
    /// Days off (放假), weekends inside a holiday included.
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are working days (调休上班).
    pub working_weekends: BTreeSet<NaiveDate>,
}

/// A date or a count, and whether it relied on a year with no schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reckoned<T> {
    pub value: T,
    /// Counted on plain weekdays for at least one day of an unpublished year.
    pub provisional: bool,
}

/// The working-day calendar: the schedules of the years it knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearSchedule>,
}

impl Calendar {
    /// A calendar of these schedules; a later schedule of the same year replaces an earlier one.
    pub fn new(schedules: impl IntoIterator<Item = YearSchedule>) -> Self {
        Calendar { years: schedules.into_iter().map(|s| (s.year, s)).collect() }
    }

    /// The years with a published schedule, in order.
    pub fn years(&self) -> impl Iterator<Item = &YearSchedule> {
        self.years.values()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether `day` is a working day, and whether that is known or only assumed.
    pub fn is_working_day(&self, day: NaiveDate) -> Reckoned<bool> {
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        match self.years.get(&day.year()) {
            Some(s) if s.holidays.contains(&day) => Reckoned { value: false, provisional: false },
            Some(s) if s.working_weekends.contains(&day) => Reckoned { value: true, provisional: false },
            Some(_) => Reckoned { value: !weekend, provisional: false },
            None => Reckoned { value: !weekend, provisional: true },
        }
    }

    /// The `n`th working day after `start` (`start` itself when `n` is 0).
    /// Assigned on Friday 2026-02-13, five working days run to 2026-02-27:
    /// Saturday 02-14 is worked, 02-15 to 02-23 are the Spring Festival.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Reckoned<NaiveDate> {
        let mut day = start;
        let mut left = n;
        let mut provisional = false;
        while left > 0 {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            let working = self.is_working_day(day);
            provisional |= working.provisional;
            if working.value {
                left -= 1;
            }
        }
        Reckoned { value: day, provisional }
    }

    /// The last day at most `n` working days after `start`: the day before the
    /// (n+1)th working day, so that the weekend or holiday following the nth
    /// working day is within reach too (its deadline is n working days away).
    pub fn last_day_within(&self, start: NaiveDate, n: u32) -> Reckoned<NaiveDate> {
        let next = self.add_working_days(start, n.saturating_add(1));
        Reckoned { value: next.value.pred_opt().unwrap_or(next.value), provisional: next.provisional }
    }

    /// The working days after `from` up to and including `to` (negative when
    /// `to` is earlier), so that `add_working_days(from, n)` lands on a day
    /// `d` with `working_days_between(from, d) == n`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Reckoned<i64> {
        let (start, end, sign) = if to >= from { (from, to, 1) } else { (to, from, -1) };
        let mut count = 0i64;
        let mut provisional = false;
        for day in start.iter_days().skip(1).take_while(|d| *d <= end) {
            let working = self.is_working_day(day);
            provisional |= working.provisional;
            count += i64::from(working.value);
        }
        Reckoned { value: sign * count, provisional }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn spring_2026() -> Calendar {
        Calendar::new([YearSchedule {
            year: 2026,
            source: "test".into(),
            holidays: d("2026-02-15").iter_days().take(9).collect(),
            working_weekends: [d("2026-02-14"), d("2026-02-28")].into(),
        }])
    }

    #[test]
    fn a_holiday_week_is_skipped_and_a_make_up_saturday_counts() {
        let c = spring_2026();
        let r = c.add_working_days(d("2026-02-13"), 5);
        assert_eq!(r, Reckoned { value: d("2026-02-27"), provisional: false });
        assert_eq!(c.add_working_days(d("2026-02-13"), 1).value, d("2026-02-14"));
        assert_eq!(c.working_days_between(d("2026-02-13"), d("2026-02-27")).value, 5);
        assert_eq!(c.working_days_between(d("2026-02-27"), d("2026-02-13")).value, -5);
    }

    #[test]
    fn within_reach_runs_to_the_day_before_the_next_working_day() {
        let c = spring_2026();
        // Friday 02-13: one working day on is Saturday 02-14 (worked); the next is 02-24.
        assert_eq!(c.last_day_within(d("2026-02-13"), 1).value, d("2026-02-23"));
        assert_eq!(c.working_days_between(d("2026-02-13"), d("2026-02-23")).value, 1);
        // A plain Friday: Monday is the first working day, so Friday to Sunday is "0".
        assert_eq!(c.last_day_within(d("2026-03-06"), 0).value, d("2026-03-08"));
    }

    #[test]
    fn zero_days_is_the_start_itself() {
        assert_eq!(spring_2026().add_working_days(d("2026-02-15"), 0).value, d("2026-02-15"));
        assert_eq!(spring_2026().working_days_between(d("2026-02-15"), d("2026-02-15")).value, 0);
    }

    #[test]
    fn a_year_without_a_schedule_counts_weekdays_and_says_so() {
        let c = spring_2026();
        let r = c.add_working_days(d("2026-12-31"), 1);
        assert_eq!(r, Reckoned { value: d("2027-01-01"), provisional: true });
        assert!(!c.add_working_days(d("2026-12-01"), 5).provisional);
        assert!(c.working_days_between(d("2026-12-30"), d("2027-01-04")).provisional);
    }
}
