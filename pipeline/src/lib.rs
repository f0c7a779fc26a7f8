//! The pkimm pipeline: the single path from targets to a stored,
//! evaluated, pre-filled scan, and everything around it.
//!
//! - [`config`]: the scan config (`scan.toml`) and its jobs;
//! - [`setup`]: loading the model, extensions, rules, policy, waivers and
//!   level mappings;
//! - [`run`]: collect → evaluate → prefill → store ([`run::collect`],
//!   [`run::Pipeline::run`]), which `pkimm collect`, `assess`, `scan`,
//!   `agent` and `demo` all call;
//! - [`artifacts`]: the evidence files behind a report (manifest, credential);
//! - [`job`]: one scan job of a config;
//! - [`history`]: the scan history (SQLite or PostgreSQL);
//! - [`agent`]: the scheduler and its HTTP endpoints;
//! - [`fixtures`]: `fixture:` paths of rule test cases.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod agent;
pub mod artifacts;
pub mod config;
mod error;
pub mod fixtures;
pub mod history;
pub mod job;
pub mod run;
pub mod setup;

pub use config::{JobConfig, ScanConfig};
pub use error::PipelineError;
pub use run::{collect, CollectSettings, Collected, Pipeline, RunOptions, RunOutcome};
pub use setup::RuleInputs;

/// An error and its sources, joined by `: ` as `pkimm` prints them.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
