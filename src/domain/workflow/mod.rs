//! The life of a proposal: its states, the actions people take, who may take
//! each one and from which states, and where each one leads. One state machine
//! and one permission table, asked by the API, the pages and the jobs alike.
//! docs/workflow.md shows the same table; tests/workflow_table.rs checks that
//! the document and this code agree.

pub mod action;
pub mod guards;
pub mod records;
pub mod standing;
pub mod state;
pub mod table;

pub use action::Action;
pub use records::{AssignmentState, ContactKind, CosignerStatus, KeyMode, RequestDecision, RequestKind, SubmitterType};
pub use standing::{Standing, UnitRole};
pub use state::ProposalState;
pub use table::{Decision, Refusal, allowed_actions, decide, may_see};
