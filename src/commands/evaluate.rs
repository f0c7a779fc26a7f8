//! `pkimm evaluate`: run rules over evidence bundles.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_model::evidence::load_bundles;
use pkimm_pipeline::setup::evaluation_time;
use pkimm_pipeline::Pipeline;
use pkimm_report::text::evaluation;

use crate::cli::{EvaluateArgs, EvaluateFormat, GlobalArgs};
use crate::output::{model, print_json, print_text};
use crate::EXIT_THRESHOLD;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &EvaluateArgs) -> Result<ExitCode> {
    let pipeline = Pipeline::load(model(global)?, &args.inputs.rule_inputs())?;
    let bundle = load_bundles(&args.bundles)?;
    let result = pipeline.evaluate(&bundle, evaluation_time(args.inputs.now.as_deref())?);
    match args.format {
        EvaluateFormat::Json => print_json(&result)?,
        EvaluateFormat::Junit => print_text(&pkimm_report::junit::render(&result))?,
        EvaluateFormat::Text => print_text(&evaluation::render(
            &result,
            pipeline.pack().len(),
            args.show_info,
        ))?,
    }
    if let Some(threshold) = args.fail_on {
        let count = result.failures_at_or_above(threshold.severity());
        if count > 0 {
            eprintln!(
                "{count} unwaived findings at or above {:?}",
                threshold.severity()
            );
            return Ok(ExitCode::from(EXIT_THRESHOLD));
        }
    }
    Ok(ExitCode::SUCCESS)
}
