//! `pkimm validate`: check an assessment file.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_scoring::load_assessment_file;

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::output::model;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ValidateArgs) -> Result<ExitCode> {
    let model = model(global)?;
    let assessment = load_assessment_file(&args.assessment, &model)?;
    println!(
        "{}: valid PKIMM {} assessment ({} requirement entries, {} category entries)",
        args.assessment.display(),
        assessment.model,
        assessment.requirements.len(),
        assessment.categories.len()
    );
    Ok(ExitCode::SUCCESS)
}
