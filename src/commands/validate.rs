//! `pkimm validate`: check an assessment file.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::output::assessment;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ValidateArgs) -> Result<ExitCode> {
    let (_, assessment) = assessment(global, &args.assessment)?;
    println!(
        "{}: valid PKIMM {} assessment ({} requirement entries, {} category entries)",
        args.assessment.display(),
        assessment.model,
        assessment.requirements.len(),
        assessment.categories.len()
    );
    Ok(ExitCode::SUCCESS)
}
