//! Which proposals a report counts (统计范围): a session, a term's sessions, a
//! calendar year or any range of days (by the day a proposal was handed in),
//! plenary (大会) and between-session (平时) proposals apart or together.

use chrono::NaiveDate;

/// 大会提案 (handed in within the plenary window) or 平时提案 (between sessions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    Plenary,
    Between,
}

impl Stage {
    pub fn of(is_plenary: Option<bool>) -> Stage {
        if is_plenary == Some(true) { Stage::Plenary } else { Stage::Between }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Plenary => "大会提案",
            Stage::Between => "平时提案",
        }
    }
}

/// What a scope is named by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum ScopeKind {
    /// One session (届次会议): the proposals handed in to it.
    Session,
    /// A whole term (届): every session of it.
    Term,
    /// A calendar year, by the day proposals were handed in.
    Year,
    /// Any range of days, both ends included, by the day proposals were handed in.
    Range,
}

/// The proposals a report counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Those handed in to these sessions.
    Sessions(Vec<String>),
    /// Those handed in from `from` to `to`, both included (office dates).
    Days { from: NaiveDate, to: NaiveDate },
}

impl Span {
    /// Whether a proposal handed in to `session_id` on `day` is in the span.
    pub fn holds(&self, session_id: &str, day: NaiveDate) -> bool {
        match self {
            Span::Sessions(ids) => ids.iter().any(|id| id == session_id),
            Span::Days { from, to } => *from <= day && day <= *to,
        }
    }
}

/// The days of calendar year `year`.
pub fn year_days(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?))
}

crate::domain::names::named!(Stage, ScopeKind);

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn a_span_holds_its_sessions_or_its_days_both_ends_included() {
        let sessions = Span::Sessions(vec!["s1".into(), "s2".into()]);
        assert!(sessions.holds("s2", d(2020, 1, 1)));
        assert!(!sessions.holds("s3", d(2026, 1, 1)));
        let (from, to) = year_days(2026).expect("year");
        let year = Span::Days { from, to };
        assert!(year.holds("any", d(2026, 1, 1)));
        assert!(year.holds("any", d(2026, 12, 31)));
        assert!(!year.holds("any", d(2027, 1, 1)));
        assert!(!year.holds("any", d(2025, 12, 31)));
        assert_eq!(Stage::of(Some(true)), Stage::Plenary);
        assert_eq!(Stage::of(None), Stage::Between);
        assert_eq!(Stage::parse("between"), Some(Stage::Between));
    }
}
