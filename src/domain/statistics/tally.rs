//! The additive counts behind every figure: what one proposal, or one unit's
//! part in it, adds to each group it belongs to. Because they add up, the
//! figures of any scope are sums of kept tallies, and an action changes them
//! by the difference between a proposal's tally before and after it.

use serde::{Deserialize, Serialize};

use super::{ProposalCounts, UnitCounts};

macro_rules! tally {
    ($($(#[$doc:meta])* $field:ident),* $(,)?) => {
        /// One proposal's (unit id empty) or one unit's counts; summed over a scope.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct Tally {
            $($(#[$doc])* #[serde(default)] pub $field: i64,)*
        }

        impl Tally {
            /// The counts' names, as stored (one column each).
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The counts in the order of [`Tally::COLUMNS`].
            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$field),*]
            }

            /// The tally whose counts are `values`, in the order of [`Tally::COLUMNS`].
            pub fn from_values(values: &[i64]) -> Tally {
                let mut it = values.iter().copied();
                Tally { $($field: it.next().unwrap_or(0),)* }
            }

            /// `self + other`, count by count.
            pub fn plus(&self, other: &Tally) -> Tally {
                Tally { $($field: self.$field + other.$field,)* }
            }

            /// `self - other`, count by count.
            pub fn minus(&self, other: &Tally) -> Tally {
                Tally { $($field: self.$field - other.$field,)* }
            }
        }
    };
}

tally! {
    /// Proposal rows: left draft (提交数).
    submitted,
    /// Numbered or merged into another (立案数).
    filed,
    /// 并案数.
    merged,
    /// Numbered (并案后立案数).
    after_merging,
    /// Numbered with every reply of the current round in (已办复数).
    replied,
    /// Proposal rows: replied with every reply by its due date (按期办复数);
    /// unit rows: its replies submitted by the due date (按期答复件数).
    replied_on_time,
    /// Replied after a visit or meeting (面商数 / 面商件数).
    contacted,
    /// Rated by the proposer, current round (已评价数).
    rated,
    process_satisfied,
    result_satisfied,
    both_satisfied,
    /// 已办结数.
    closed,
    /// 已上网数.
    published,
    /// Submitted replies of the current round (答复件数).
    replies,
    grade_a,
    grade_b,
    grade_c,
    /// Unit rows: 1 when the unit has an assignment of the proposal that was
    /// not returned (承办件数); it also makes the unit one of the group's
    /// 承办单位数.
    assigned,
    /// Unit rows: its lead or separate assignments of the current round, not returned (应答复件数).
    to_reply,
    /// Working days from assignment to submitted reply, summed over the replies.
    reply_working_days,
    /// Replies whose working days are in `reply_working_days`.
    replies_timed,
}

impl Tally {
    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    /// The proposal-level counts of a group whose tallies sum to `self`.
    pub fn proposal_counts(&self, units_involved: i64, overdue: i64) -> ProposalCounts {
        ProposalCounts {
            submitted: self.submitted,
            filed: self.filed,
            merged: self.merged,
            after_merging: self.after_merging,
            units_involved,
            replied: self.replied,
            replied_on_time: self.replied_on_time,
            contacted: self.contacted,
            rated: self.rated,
            process_satisfied: self.process_satisfied,
            result_satisfied: self.result_satisfied,
            both_satisfied: self.both_satisfied,
            closed: self.closed,
            published: self.published,
            replies: self.replies,
            grade_a: self.grade_a,
            grade_b: self.grade_b,
            grade_c: self.grade_c,
            overdue,
        }
    }

    /// A unit's counts from the sum of its tallies.
    pub fn unit_counts(&self, overdue: i64) -> UnitCounts {
        UnitCounts {
            assigned: self.assigned,
            to_reply: self.to_reply,
            replies: self.replies,
            replies_on_time: self.replied_on_time,
            contacted: self.contacted,
            rated: self.rated,
            process_satisfied: self.process_satisfied,
            result_satisfied: self.result_satisfied,
            both_satisfied: self.both_satisfied,
            grade_a: self.grade_a,
            grade_b: self.grade_b,
            grade_c: self.grade_c,
            overdue,
        }
    }

    /// 平均办理用时: working days from assignment to reply, to one decimal;
    /// None with no timed reply.
    pub fn average_reply_working_days(&self) -> Option<f64> {
        (self.replies_timed > 0).then(|| {
            let tenths = (self.reply_working_days * 10 * 2 + self.replies_timed) / (2 * self.replies_timed);
            tenths as f64 / 10.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_reads_back_from_its_columns_and_differences_undo_sums() {
        let a = Tally { submitted: 1, filed: 1, replies: 2, grade_a: 1, reply_working_days: 17, ..Tally::default() };
        let b = Tally { submitted: 1, merged: 1, assigned: 3, ..Tally::default() };
        assert_eq!(Tally::from_values(&a.values()), a);
        assert_eq!(Tally::COLUMNS.len(), a.values().len());
        assert_eq!(a.plus(&b).minus(&b), a);
        assert!(a.minus(&a).is_zero());
        assert!(!a.is_zero());
    }

    #[test]
    fn the_average_time_to_reply_rounds_half_up_and_is_none_without_replies() {
        assert_eq!(Tally::default().average_reply_working_days(), None);
        let t = Tally { reply_working_days: 10, replies_timed: 4, ..Tally::default() };
        assert_eq!(t.average_reply_working_days(), Some(2.5));
        let t = Tally { reply_working_days: 2, replies_timed: 3, ..Tally::default() };
        assert_eq!(t.average_reply_working_days(), Some(0.7));
    }
}
