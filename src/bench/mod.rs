//! The benchmark's own commands (`proposal-desk bench …`); `bench/run` drives
//! them and the load. See docs/performance.md.

pub mod commits;
pub mod due;
pub mod import_file;
pub mod mail;
pub mod seed;
mod texts;

pub use seed::{BENCH_PASSWORD, SeedOptions, Seeded, seed};
