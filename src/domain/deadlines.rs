//! Deadline arithmetic. Working days here skip Saturdays and Sundays only;
//! the calendar issue replaces this with the configured Chinese calendar
//! (public holidays and 调休 working weekends).

use chrono::{Datelike, Days, Months, NaiveDateTime, Weekday};

/// `n` working days after `start` (the same time of day).
pub fn add_working_days(start: NaiveDateTime, n: u32) -> NaiveDateTime {
    let mut t = start;
    let mut left = n;
    while left > 0 {
        t += chrono::Duration::days(1);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t
}

/// `n` calendar months after `start` (the last day of a shorter month when needed).
pub fn add_months(start: NaiveDateTime, n: u32) -> NaiveDateTime {
    start.checked_add_months(Months::new(n)).unwrap_or(start)
}

pub fn minus_days(t: NaiveDateTime, n: i64) -> NaiveDateTime {
    t.checked_sub_days(Days::new(n.max(0) as u64)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, day).unwrap().and_hms_opt(10, 0, 0).unwrap()
    }

    #[test]
    fn working_days_skip_weekends() {
        // Friday 2026-03-06 + 1 working day = Monday 2026-03-09.
        assert_eq!(add_working_days(d(2026, 3, 6), 1), d(2026, 3, 9));
        assert_eq!(add_working_days(d(2026, 3, 2), 5), d(2026, 3, 9));
        assert_eq!(add_working_days(d(2026, 3, 2), 0), d(2026, 3, 2));
    }

    #[test]
    fn months_end_on_the_last_day_of_a_short_month() {
        assert_eq!(add_months(d(2026, 1, 31), 1), d(2026, 2, 28));
        assert_eq!(add_months(d(2026, 3, 2), 3), d(2026, 6, 2));
    }
}
