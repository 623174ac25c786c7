//! The rules of the product as pure code: no I/O, no diesel, no actix.
//! The API, the pages and the background jobs all ask this module what may happen.

pub mod permissions;
pub mod workflow;
pub mod roles;

pub use permissions::{Permission, may};
pub use roles::Role;
