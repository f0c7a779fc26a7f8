//! `pkimm report` and `pkimm schema`.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_scoring::{load_assessment_file, Mode};

use crate::cli::{GlobalArgs, ReportArgs};
use crate::context;
use crate::report::document::{ReportDocument, ReportInputs, ReportType};
use crate::report::render;
use crate::write::write_atomically;

/// Runs `pkimm report`.
pub fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<ExitCode> {
    let model = context::model(global)?;
    let assessment = load_assessment_file(&args.assessment, &model)?;
    let extensions = context::extensions(&args.extensions, &model)?;
    let previous = match &args.previous {
        Some(path) => Some(load_assessment_file(path, &model)?),
        None => None,
    };
    let evidence = if args.evidence.is_empty() {
        None
    } else {
        let bundle = context::load_bundles(&args.evidence)?;
        let (evaluation, _) = context::evaluate_loaded(&model, &bundle, &args.inputs)?;
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
    let text = render(args.format, &document, evidence.as_ref().map(|(b, _)| b))?;
    match &args.output {
        Some(path) => write_atomically(path, text.as_bytes(), false)?,
        None => crate::output::print_text(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `pkimm schema`.
pub fn schema() -> Result<ExitCode> {
    let schema = schemars::schema_for!(ReportDocument);
    crate::output::print_json(&schema)?;
    Ok(ExitCode::SUCCESS)
}
