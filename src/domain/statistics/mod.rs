//! What the office reports (提案统计): the counts, how each rate is computed
//! from them, and the breakdowns. Pure arithmetic; the queries that fill the
//! counts are in `src/statistics/`. docs/statistics.md says the same for people.

use serde::Serialize;
use utoipa::ToSchema;

use super::workflow::SubmitterType;

pub mod scope;
pub mod tally;

/// A rate as the office reads it: the two counts it is made of, and the
/// percentage rounded to one decimal. With nothing to divide by (a session
/// with no replies yet, say) the percentage is `null`, never an error and
/// never a made-up 0% or 100%.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
    /// e.g. 87.5 for 7 of 8; null when the denominator is 0.
    pub percent: Option<f64>,
}

impl Rate {
    pub fn of(numerator: i64, denominator: i64) -> Rate {
        Rate { numerator, denominator, percent: percent(numerator, denominator) }
    }
}

/// `numerator / denominator` as a percentage with one decimal, rounded half
/// up, in integer arithmetic (so 2/3 is 66.7 on every machine).
pub fn percent(numerator: i64, denominator: i64) -> Option<f64> {
    if denominator <= 0 || numerator < 0 {
        return None;
    }
    let tenths = (i128::from(numerator) * 1000 + i128::from(denominator) / 2) / i128::from(denominator);
    // Precision: tenths of a percent of counts of proposals fit f64 exactly.
    Some(tenths as f64 / 10.0)
}

/// The counts behind the proposal-level figures: the totals and the
/// breakdowns by sector, topic, submitter type and key or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProposalCounts {
    /// 提交数: handed in (left draft) in this session.
    pub submitted: i64,
    /// 立案数: accepted for handling: numbered, plus those merged into another
    /// (并案 happens before numbering here, but a merged proposal was accepted).
    pub filed: i64,
    /// 并案数: merged into another proposal.
    pub merged: i64,
    /// 并案后立案数: numbered (= filed − merged); what the units handle.
    pub after_merging: i64,
    /// 承办单位数: distinct units with an assignment not returned.
    pub units_involved: i64,
    /// 已办复数: numbered and in replied, closed, published or withheld.
    pub replied: i64,
    /// 按期办复数: replied, and every reply of the current round was
    /// submitted by its assignment's due date (as extended, if it was).
    pub replied_on_time: i64,
    /// 面商数: replied, with at least one contact of kind visit or meeting.
    pub contacted: i64,
    /// 已评价数: replied, with the proposer's rating of the current round
    /// (a rating recorded for silence counts too).
    pub rated: i64,
    /// 过程满意数: rated 满意 or 基本满意 on the handling process.
    pub process_satisfied: i64,
    /// 结果满意数: rated 满意 or 基本满意 on the result.
    pub result_satisfied: i64,
    /// 双满意数: satisfied (满意 or 基本满意) on both counts.
    pub both_satisfied: i64,
    /// 已办结数: numbered and closed, published or withheld.
    pub closed: i64,
    /// 已上网数: published.
    pub published: i64,
    /// 答复件数: submitted replies of the current round.
    pub replies: i64,
    pub grade_a: i64,
    pub grade_b: i64,
    pub grade_c: i64,
    /// 逾期数: live assignments past their due date at the time of asking
    /// (see [`UnitCounts::overdue`]).
    pub overdue: i64,
}

/// The rates of [`ProposalCounts`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ProposalRates {
    /// 办复率 = replied / after_merging.
    pub reply_rate: Rate,
    /// 按期办复率 = replied_on_time / after_merging.
    pub on_time_reply_rate: Rate,
    /// 面商率 = contacted / replied.
    pub contact_rate: Rate,
    /// 过程满意率 = process_satisfied / rated.
    pub process_satisfaction_rate: Rate,
    /// 结果满意率 = result_satisfied / rated.
    pub result_satisfaction_rate: Rate,
    /// 双满意率 = both_satisfied / rated.
    pub double_satisfaction_rate: Rate,
    /// 上网率 = published / closed.
    pub publication_rate: Rate,
    /// A 类占比 = grade_a / replies.
    pub grade_a_share: Rate,
    /// B 类占比 = grade_b / replies.
    pub grade_b_share: Rate,
    /// C 类占比 = grade_c / replies.
    pub grade_c_share: Rate,
}

impl ProposalCounts {
    pub fn rates(&self) -> ProposalRates {
        ProposalRates {
            reply_rate: Rate::of(self.replied, self.after_merging),
            on_time_reply_rate: Rate::of(self.replied_on_time, self.after_merging),
            contact_rate: Rate::of(self.contacted, self.replied),
            process_satisfaction_rate: Rate::of(self.process_satisfied, self.rated),
            result_satisfaction_rate: Rate::of(self.result_satisfied, self.rated),
            double_satisfaction_rate: Rate::of(self.both_satisfied, self.rated),
            publication_rate: Rate::of(self.published, self.closed),
            grade_a_share: Rate::of(self.grade_a, self.replies),
            grade_b_share: Rate::of(self.grade_b, self.replies),
            grade_c_share: Rate::of(self.grade_c, self.replies),
        }
    }
}

/// The counts of one handling unit (承办单位), from its own assignments,
/// replies and the ratings of the proposals it replied to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitCounts {
    /// 承办件数: proposals assigned to it in any part (lead, co-handling,
    /// separate), not returned.
    pub assigned: i64,
    /// 应答复件数: its lead or separate assignments of the proposals' current
    /// handling round, not returned: the replies it owes.
    pub to_reply: i64,
    /// 已答复件数: its submitted replies of the current round.
    pub replies: i64,
    /// 按期答复件数: of those, submitted by the assignment's due date.
    pub replies_on_time: i64,
    /// 面商件数: of those, where it recorded a visit or meeting on that assignment.
    pub contacted: i64,
    /// 已评价数: proposals it replied to that the proposer rated (current round).
    pub rated: i64,
    pub process_satisfied: i64,
    pub result_satisfied: i64,
    pub both_satisfied: i64,
    pub grade_a: i64,
    pub grade_b: i64,
    pub grade_c: i64,
    /// 逾期件数: its live assignments (not yet replied, not returned) of a
    /// proposal still in handling whose due date has passed: for a lead or
    /// separate unit the reply's `due_at`, for a co-handling unit that has
    /// not sent its opinion the `opinion_due_at`.
    pub overdue: i64,
}

/// The rates of [`UnitCounts`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct UnitRates {
    /// 办复率 = replies / to_reply.
    pub reply_rate: Rate,
    /// 按期办复率 = replies_on_time / to_reply.
    pub on_time_reply_rate: Rate,
    /// 面商率 = contacted / replies.
    pub contact_rate: Rate,
    /// 过程满意率 = process_satisfied / rated.
    pub process_satisfaction_rate: Rate,
    /// 结果满意率 = result_satisfied / rated.
    pub result_satisfaction_rate: Rate,
    /// 双满意率 = both_satisfied / rated.
    pub double_satisfaction_rate: Rate,
    /// A 类占比 = grade_a / replies.
    pub grade_a_share: Rate,
    /// B 类占比 = grade_b / replies.
    pub grade_b_share: Rate,
    /// C 类占比 = grade_c / replies.
    pub grade_c_share: Rate,
}

impl UnitCounts {
    pub fn rates(&self) -> UnitRates {
        UnitRates {
            reply_rate: Rate::of(self.replies, self.to_reply),
            on_time_reply_rate: Rate::of(self.replies_on_time, self.to_reply),
            contact_rate: Rate::of(self.contacted, self.replies),
            process_satisfaction_rate: Rate::of(self.process_satisfied, self.rated),
            result_satisfaction_rate: Rate::of(self.result_satisfied, self.rated),
            double_satisfaction_rate: Rate::of(self.both_satisfied, self.rated),
            grade_a_share: Rate::of(self.grade_a, self.replies),
            grade_b_share: Rate::of(self.grade_b, self.replies),
            grade_c_share: Rate::of(self.grade_c, self.replies),
        }
    }
}

/// What a breakdown groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Dimension {
    /// 界别: the proposer's sector.
    Sector,
    /// 承办单位: the handling unit (unit-level counts).
    Unit,
    /// 类别: the proposal's topic.
    Topic,
    /// 提出者类型: member, or a collective submitter.
    SubmitterType,
    /// 是否重点提案.
    Key,
    /// 提出方式: individual, joint (with co-signers) or collective.
    SubmitterKind,
    /// 重点提案办理方式: 领办 (led by a government leader) or 督办 (supervised).
    KeyMode,
    /// 领办/督办领导: the leader following a key proposal.
    Leader,
    /// 大会提案 or 平时提案.
    Stage,
}

impl Dimension {}

/// The label of a submitter type as the office reads it.
pub fn submitter_type_label(code: &str) -> &'static str {
    match SubmitterType::parse(code) {
        Some(SubmitterType::Member) => "委员个人",
        Some(SubmitterType::Sector) => "界别",
        Some(SubmitterType::Party) => "党派",
        Some(SubmitterType::Organisation) => "人民团体",
        Some(SubmitterType::Committee) => "专门委员会",
        None => "其他",
    }
}

/// The label of a submitter kind (individual, joint, collective).
pub fn submitter_kind_label(code: &str) -> &'static str {
    match code {
        "individual" => "个人提案",
        "joint" => "联名提案",
        "collective" => "集体提案",
        _ => "其他",
    }
}

/// The label of a key proposal's mode.
pub fn key_mode_label(code: &str) -> &'static str {
    match code {
        "lead" => "领办",
        "supervise" => "督办",
        _ => "未定",
    }
}

/// The label of the key / not key groups.
pub fn key_label(is_key: bool) -> &'static str {
    if is_key { "重点提案" } else { "非重点提案" }
}

/// The label of proposals whose proposer has no sector.
pub const NO_SECTOR_LABEL: &str = "未注明界别";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_divide_by_gives_no_percentage_and_no_panic() {
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(5, 0), None);
        let empty = ProposalCounts::default().rates();
        for rate in [
            empty.reply_rate,
            empty.on_time_reply_rate,
            empty.contact_rate,
            empty.process_satisfaction_rate,
            empty.result_satisfaction_rate,
            empty.double_satisfaction_rate,
            empty.publication_rate,
            empty.grade_a_share,
            empty.grade_b_share,
            empty.grade_c_share,
        ] {
            assert_eq!(rate, Rate { numerator: 0, denominator: 0, percent: None });
        }
        let unit = UnitCounts::default().rates();
        assert_eq!(unit.reply_rate.percent, None);
        assert_eq!(unit.grade_c_share.percent, None);
    }

    #[test]
    fn percentages_round_half_up_to_one_decimal() {
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(1, 1), Some(100.0));
        assert_eq!(percent(0, 7), Some(0.0));
        assert_eq!(percent(1, 2000), Some(0.1), "0.05% rounds up");
        assert_eq!(percent(1, 2001), Some(0.0));
    }

    #[test]
    fn each_rate_has_its_own_numerator_and_denominator() {
        let c = ProposalCounts {
            submitted: 54,
            filed: 48,
            after_merging: 40,
            replied: 30,
            replied_on_time: 24,
            contacted: 15,
            rated: 20,
            process_satisfied: 19,
            result_satisfied: 18,
            both_satisfied: 17,
            closed: 10,
            published: 8,
            replies: 32,
            grade_a: 16,
            grade_b: 8,
            grade_c: 8,
            ..ProposalCounts::default()
        };
        let r = c.rates();
        assert_eq!(r.reply_rate, Rate::of(30, 40));
        assert_eq!(r.reply_rate.percent, Some(75.0));
        assert_eq!(r.on_time_reply_rate.percent, Some(60.0));
        assert_eq!(r.contact_rate.percent, Some(50.0));
        assert_eq!(r.process_satisfaction_rate.percent, Some(95.0));
        assert_eq!(r.result_satisfaction_rate.percent, Some(90.0));
        assert_eq!(r.double_satisfaction_rate.percent, Some(85.0));
        assert_eq!(r.publication_rate.percent, Some(80.0));
        assert_eq!(r.grade_a_share.percent, Some(50.0));
        assert_eq!(r.grade_b_share.percent, Some(25.0));
    }

    #[test]
    fn dimensions_read_back_from_their_codes() {
        for d in Dimension::ALL.iter().copied() {
            assert_eq!(Dimension::parse(d.as_str()), Some(d));
        }
        assert_eq!(submitter_type_label("party"), "党派");
        assert_eq!(key_label(true), "重点提案");
    }
}

crate::domain::names::named!(Dimension);
