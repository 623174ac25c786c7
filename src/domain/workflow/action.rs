//! What people do to a proposal.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// Change a draft's text, or delete it.
    EditDraft,
    /// 联名: invite members to co-sign.
    InviteCosigners,
    /// A co-signer confirms or declines.
    AnswerInvitation,
    /// Hand the proposal in.
    Submit,
    /// 立案: file it and give it the next number of its session.
    File,
    /// 不立案: refuse it, with a reason code and text.
    RefuseFiling,
    /// 转社情民意: turn it into a public-opinion report.
    Convert,
    /// 并案: merge it into another filed proposal.
    Merge,
    /// 重点提案: mark it key, with the leader who leads or supervises it.
    MarkKey,
    /// 交办: give it to a lead unit with co-handling units, or to several separate units.
    Assign,
    /// 签收: a unit acknowledges receipt.
    SignFor,
    /// 退回: a unit asks to be released.
    RequestReturn,
    /// The office approves (and reassigns) or refuses a return request.
    DecideReturn,
    /// 沟通: a unit records a contact with the proposer.
    RecordContact,
    /// 会办意见: a co-handling unit sends its opinion to the lead unit.
    SendOpinion,
    /// A replying unit writes or changes its draft reply.
    DraftReply,
    /// 签发: the unit's head signs the reply off.
    SignOffReply,
    /// The unit submits its signed-off reply with its grade.
    SubmitReply,
    /// 延期: a unit asks for more time.
    RequestExtension,
    /// The office grants or refuses an extension.
    DecideExtension,
    /// The office lets a reply go without a recorded contact, with a reason.
    WaiveContact,
    /// The office lets the lead reply without a co-handling unit's opinion, with a reason.
    WaiveOpinion,
    /// 评价: the proposer (or a co-signer) rates process and result.
    Rate,
    /// 办结: the office closes it.
    Close,
    /// 公开: the office publishes the public version.
    Publish,
    /// The office withholds it from publication, with a reason.
    Withhold,
    /// B 类跟踪: a unit reports progress on a commitment.
    ReportProgress,
    /// The office marks a commitment fulfilled.
    FulfilCommitment,
}

crate::domain::names::named!(Action);

impl Action {
    /// The action as the pages name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Action::EditDraft => "修改草稿",
            Action::InviteCosigners => "邀请联名",
            Action::AnswerInvitation => "答复联名邀请",
            Action::Submit => "提交",
            Action::File => "立案",
            Action::RefuseFiling => "不予立案",
            Action::Convert => "转为社情民意信息",
            Action::Merge => "并案",
            Action::MarkKey => "列为重点提案",
            Action::Assign => "交办",
            Action::SignFor => "签收",
            Action::RequestReturn => "申请退回",
            Action::DecideReturn => "审核退回申请",
            Action::RecordContact => "记录沟通",
            Action::SendOpinion => "提交会办意见",
            Action::DraftReply => "撰写答复",
            Action::SignOffReply => "签发答复",
            Action::SubmitReply => "提交答复",
            Action::RequestExtension => "申请延期",
            Action::DecideExtension => "审核延期申请",
            Action::WaiveContact => "免于沟通",
            Action::WaiveOpinion => "免于会办意见",
            Action::Rate => "评价",
            Action::Close => "办结",
            Action::Publish => "公开",
            Action::Withhold => "不予公开",
            Action::ReportProgress => "报告承诺事项进展",
            Action::FulfilCommitment => "确认承诺事项已落实",
        }
    }
}
