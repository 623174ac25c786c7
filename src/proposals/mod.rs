//! Proposals in the database: loading one with how the caller stands to it,
//! asking the domain whether an action may be taken, and committing the
//! change with its audit event. Handlers in src/api/proposals use only this.

pub mod access;
pub mod deadlines;
pub mod due;
pub mod numbering;
pub mod open_data;
pub mod public;
pub mod public_index;
pub mod reads;
pub mod recount;
pub mod saved;
pub mod summary_table;
pub mod timeline;
pub mod view;

pub use access::{Ctx, Step, begin, load, standing};
