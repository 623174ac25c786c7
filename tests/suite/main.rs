//! The integration tests, as one test binary: each file here was once a binary
//! of its own, and linking two dozen of them took longer than running them.
//! `common` is the shared harness (tests/suite/common/mod.rs); every other
//! module is the specification of one part of the service.

// First, so that `both_backends!` is in scope in every module after it.
#[macro_use]
mod common;

mod admin;
mod api_doc;
mod attachments;
mod audit;
mod auth;
mod bad_input;
mod bench_seed;
mod cli;
mod closing;
mod demo;
mod drafting;
mod handling;
mod lives;
mod migrations;
mod notices;
mod public;
mod review;
mod serve;
mod statistics;
mod tokens;
mod workflow_api_table;
mod workflow_property;
mod workflow_table;
