//! The integration tests, as one test binary. Each file here was once a binary
//! of its own: two dozen links of the whole application after every change,
//! run one after another, each leaving cores idle while its last tests ran.
//! `common` is the shared harness (tests/suite/common/mod.rs); every other
//! module is the specification of one part of the service.

// First, so that `both_backends!` is in scope in every module after it.
#[macro_use]
mod common;

// libtest starts tests in the order of their names, as many at a time as
// there are cores. These take longest by far: named to sort first, they start
// first and run beside the others, instead of alone at the end.
#[path = "workflow_property.rs"]
mod a1_workflow_property;
#[path = "workflow_api_table.rs"]
mod a2_workflow_api_table;

mod admin;
mod api_doc;
mod attachments;
mod audit;
mod auth;
mod backups;
mod bad_input;
mod bench_seed;
mod browser;
mod calendar;
mod cli;
mod closing;
mod compression;
mod deadlines_due;
mod demo;
mod diesel_toml;
mod digests;
mod drafting;
mod durability;
mod handling;
mod imports;
mod layers;
mod lives;
mod login_backoff;
mod lookups;
mod mail;
mod mail_processes;
mod migrations;
mod notices;
mod openapi_schemas;
mod page_lives;
mod pages;
mod pool;
mod prepared;
mod public;
mod query_utf8;
mod reminders;
mod review;
mod serve;
mod serve_start;
mod single_line_text;
mod statistics;
mod statistics_exports;
mod statistics_scopes;
mod tokens;
mod workflow_table;
