//! The rules of the product as pure code: no I/O, no diesel, no actix.
//! The API, the pages and the background jobs all ask this module what may happen.

pub mod calendar;
pub mod deadlines;
pub mod import;
pub mod names;
pub mod notices;
pub mod permissions;
pub mod reminders;
pub mod roles;
pub mod statistics;
pub mod workflow;

pub use permissions::{Permission, may};
pub use roles::Role;
