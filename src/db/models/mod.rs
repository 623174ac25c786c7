//! Row structs (what a SELECT gives) and insert forms, one file per table group.

pub mod attachment;
pub mod auth_session;
pub mod notice;
pub mod org;
pub mod proposal;
pub mod term;
pub mod user;
