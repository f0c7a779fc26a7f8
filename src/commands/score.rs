//! `pkimm score`: score an assessment file.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_pipeline::setup::load_extensions;
use pkimm_report::text::score;
use pkimm_scoring::report::ToolRef;
use pkimm_scoring::{load_assessment_file, Basis, ScoreReport};

use crate::cli::{BasisArg, GlobalArgs, OutputFormat, ScoreArgs};
use crate::output::{model, print_json, print_text};
use crate::EXIT_THRESHOLD;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ScoreArgs) -> Result<ExitCode> {
    let model = model(global)?;
    let extensions = load_extensions(&args.extensions, &model)?;
    let assessment = load_assessment_file(&args.assessment, &model)?;
    let basis = match args.basis {
        BasisArg::Assessed => Basis::Assessed,
        BasisArg::Prefilled => Basis::Prefilled,
    };
    let report = ScoreReport::build(ToolRef::pkimm(), &model, &assessment, &extensions, basis);
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
