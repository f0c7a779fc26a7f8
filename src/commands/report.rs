//! `pkimm report`: render an assessment, with its evidence, in a format.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_model::evidence::load_bundles;
use pkimm_pipeline::setup::{evaluation_time, load_extensions};
use pkimm_pipeline::Pipeline;
use pkimm_report::{render, ReportDocument, ReportInputs, ReportType};
use pkimm_scoring::{load_assessment_file, Mode};

use crate::cli::{GlobalArgs, ReportArgs};
use crate::output::{model, write_text};

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<ExitCode> {
    let model = model(global)?;
    let assessment = load_assessment_file(&args.assessment, &model)?;
    let extensions = load_extensions(&args.extensions, &model)?;
    let previous = match &args.previous {
        Some(path) => Some(load_assessment_file(path, &model)?),
        None => None,
    };
    let evidence = if args.evidence.is_empty() {
        None
    } else {
        let bundle = load_bundles(&args.evidence)?;
        let pipeline = Pipeline::load(model.clone(), &args.inputs.rule_inputs())?;
        let evaluation = pipeline.evaluate(&bundle, evaluation_time(args.inputs.now.as_deref())?);
        Some((bundle, evaluation))
    };
    let report_type = args.report_type.unwrap_or(match assessment.mode {
        Mode::SelfAssessment => ReportType::SelfAssessment,
        Mode::Full => ReportType::Assessment,
    });
    let document = ReportDocument::build(&ReportInputs {
        model: &model,
        assessment: &assessment,
        extensions: &extensions,
        evidence: evidence.as_ref().map(|(b, e)| (b, e)),
        previous: previous.as_ref(),
        report_type,
    });
    write_text(args.output.as_deref(), &render(args.format, &document)?)?;
    Ok(ExitCode::SUCCESS)
}
