//! `pkimm score`: score an assessment file.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_pipeline::setup::load_extensions;
use pkimm_report::text::score;
use pkimm_scoring::report::ToolRef;
use pkimm_scoring::{Basis, ScoreReport};

use crate::cli::{GlobalArgs, OutputFormat, ScoreArgs};
use crate::output::{assessment, print_json, print_text, profile_of};
use crate::EXIT_THRESHOLD;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ScoreArgs) -> Result<ExitCode> {
    let (model, assessment) = assessment(global, &args.assessment)?;
    let extensions = load_extensions(&args.extensions, &model)?;
    let profile = profile_of(global, &args.assessment, &assessment)?;
    let basis: Basis = args.basis.into();
    let report = ScoreReport::build(
        ToolRef::pkimm(),
        &model,
        &assessment,
        &extensions,
        basis,
        &profile,
    );
    match args.format {
        OutputFormat::Json => print_json(&report)?,
        OutputFormat::Text => print_text(&score::render(&report))?,
    }
    if let Some(threshold) = args.fail_below {
        let overall = report.overall.score.as_ref().map_or(0.0, |s| s.value);
        if overall < threshold {
            eprintln!("overall level {overall:.2} is below --fail-below {threshold:.2}");
            return Ok(ExitCode::from(EXIT_THRESHOLD));
        }
    }
    Ok(ExitCode::SUCCESS)
}
