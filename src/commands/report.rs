//! `pkimm report`: render an assessment, with its evidence, in a format.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_model::evidence::load_bundles;
use pkimm_pipeline::artifacts::{self, Attachment};
use pkimm_pipeline::setup::{evaluation_time, load_extensions};
use pkimm_pipeline::Pipeline;
use pkimm_report::{render, Format, ReportDocument, ReportInputs, ReportType};
use pkimm_scoring::benchmark::{self, PeerQuery};
use pkimm_scoring::Mode;

use crate::cli::{GlobalArgs, ReportArgs};
use crate::output::{assessment, profile_of, write_text};

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<ExitCode> {
    let (model, assessment) = assessment(global, &args.assessment)?;
    let extensions = load_extensions(&args.extensions, &model)?;
    let profile = profile_of(global, &args.assessment, &assessment)?;
    let previous = match &args.previous {
        Some(path) => {
            let (previous_model, previous) = crate::output::assessment(global, path)?;
            if previous_model.version != model.version {
                anyhow::bail!(
                    "{} is a PKIMM {} assessment and {} a PKIMM {} one; migrate one with pkimm migrate to compare them",
                    path.display(),
                    previous_model.version,
                    args.assessment.display(),
                    model.version
                );
            }
            Some(previous)
        }
        None => None,
    };
    let attachments = args
        .attach
        .iter()
        .map(|argument| Attachment::parse(argument, &model))
        .collect::<Result<Vec<_>, _>>()?;
    if args.format == Format::Cbom {
        // The CBOM describes the evidence only: no rules to run.
        if args.evidence.is_empty() {
            return Err(pkimm_report::RenderError::NeedsEvidence("cbom").into());
        }
        let bundle = load_bundles(&args.evidence)?;
        write_text(
            args.output.as_deref(),
            &pkimm_report::cbom::render_bundle(&bundle)?,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut evidence_files = Vec::new();
    let evidence = if args.evidence.is_empty() {
        None
    } else {
        let bundle = load_bundles(&args.evidence)?;
        let pipeline = Pipeline::load(model.clone(), &args.inputs.rule_inputs())?;
        let now = evaluation_time(args.inputs.now.as_deref())?;
        let evaluation = pipeline.evaluate(&bundle, now);
        if matches!(args.format, Format::Credential | Format::Manifest) {
            evidence_files = artifacts::bundle_files(&pipeline, &args.evidence, now)?;
        }
        Some((bundle, evaluation))
    };
    evidence_files.extend(artifacts::attached_files(&attachments)?);
    let report_type = args.report_type.unwrap_or(match assessment.mode {
        Mode::SelfAssessment => ReportType::SelfAssessment,
        Mode::Full => ReportType::Assessment,
    });
    let mut document = ReportDocument::build(&ReportInputs {
        model: &model,
        assessment: &assessment,
        extensions: &extensions,
        evidence: evidence.as_ref().map(|(b, e)| (b, e)),
        previous: previous.as_ref(),
        report_type,
        profile: &profile,
        basis: args.basis.into(),
        evidence_files: &evidence_files,
    });
    if let Some(path) = &args.benchmark {
        let benchmark = benchmark::load_benchmark(path)?;
        let query = PeerQuery::from_codes(args.industry.as_deref(), args.size_band.as_deref())?;
        document.peers = Some(
            benchmark::compare_with_peers(
                &document.model.version,
                &document.categories,
                &document.modules,
                &document.overall,
                &benchmark,
                &query,
            )
            .map_err(|err| err.in_file(path))?,
        );
    }
    if args.format == Format::Oscal {
        let bundle = evidence.as_ref().map(|(bundle, _)| bundle);
        write_text(
            args.output.as_deref(),
            &pkimm_report::oscal::render(&document, bundle)?,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let output = match &args.output {
        Some(dir) if dir.is_dir() && args.format == Format::Credential => {
            Some(dir.join(&profile.machine_attachment_name))
        }
        other => other.clone(),
    };
    write_text(output.as_deref(), &render(args.format, &document)?)?;
    Ok(ExitCode::SUCCESS)
}
