//! `pkimm schema`: the JSON Schema of `pkimm report --format json`.

use std::process::ExitCode;

use anyhow::Result;

use crate::output::print_json;

/// Runs the command.
pub fn run() -> Result<ExitCode> {
    print_json(&pkimm_report::schema())?;
    Ok(ExitCode::SUCCESS)
}
