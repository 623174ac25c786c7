//! The words the forms choose among, as configured or defined: 不立案
//! reasons, topics, kinds, grades, contact kinds, ratings and states. The
//! pages offer them and clients read them from /api/vocabularies.

use serde::Serialize;
use strum::VariantArray;
use utoipa::ToSchema;

use crate::config::{KindWording, RefusalReason, WorkflowSettings};
use crate::domain::workflow::guards::{Grade, Satisfaction};
use crate::domain::workflow::{ContactKind, ProposalState};

/// A code and its wording.
#[derive(Debug, Serialize, ToSchema)]
pub struct Term {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Vocabularies {
    /// 不立案 reasons (`reason_code` of a refusal).
    pub refusal_reasons: Vec<RefusalReason>,
    /// 类别 a proposal may be filed under.
    pub topics: Vec<String>,
    /// Kinds of item (提案, 建议).
    pub kinds: Vec<KindWording>,
    /// A reply's grade (A, B, C).
    pub grades: Vec<Term>,
    /// How a unit contacted the proposer.
    pub contact_kinds: Vec<Term>,
    /// A rating of process or result.
    pub satisfaction: Vec<Term>,
    /// The states of a proposal.
    pub proposal_states: Vec<Term>,
}

fn terms<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Term> {
    all.iter().map(|t| Term { code: code(*t).to_string(), label: label(*t).to_string() }).collect()
}

pub fn of(workflow: &WorkflowSettings) -> Vocabularies {
    Vocabularies {
        refusal_reasons: workflow.refusal_reasons.clone(),
        topics: workflow.topics.clone(),
        kinds: workflow.kinds.clone(),
        grades: terms(Grade::VARIANTS, Grade::as_str, Grade::label_zh),
        contact_kinds: terms(ContactKind::VARIANTS, ContactKind::as_str, ContactKind::label_zh),
        satisfaction: terms(Satisfaction::VARIANTS, Satisfaction::as_str, Satisfaction::label_zh),
        proposal_states: terms(ProposalState::VARIANTS, ProposalState::as_str, ProposalState::label_zh),
    }
}
