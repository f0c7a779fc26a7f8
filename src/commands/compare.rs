//! `pkimm compare`: several assessments side by side.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_report::comparison::{self, compare};
use pkimm_scoring::report::ToolRef;
use pkimm_scoring::ScoreReport;

use crate::cli::{CompareArgs, CompareFormat, GlobalArgs};
use crate::output::{assessment, profile_of, write_text};

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &CompareArgs) -> Result<ExitCode> {
    let mut reports = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut files = Vec::new();
    for path in &args.assessments {
        let (model, assessment) = assessment(global, path)?;
        if let Some(first) = reports.first().map(|r: &ScoreReport| &r.model.version) {
            if *first != model.version {
                anyhow::bail!(
                    "{} is a PKIMM {} assessment and {} a PKIMM {first} one; migrate one with pkimm migrate to compare them",
                    path.display(),
                    model.version,
                    args.assessments[0].display(),
                );
            }
        }
        let profile = profile_of(global, path, &assessment)?;
        let stem = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let mut label = [&assessment.meta.assessment_name, &assessment.meta.use_case]
            .into_iter()
            .find_map(|l| l.clone().filter(|l| !l.trim().is_empty()))
            .unwrap_or(stem.clone());
        if labels.contains(&label) {
            label = format!("{label} ({stem})");
        }
        reports.push(ScoreReport::build(
            ToolRef::pkimm(),
            &model,
            &assessment,
            &[],
            args.basis.into(),
            &profile,
        ));
        labels.push(label);
        files.push(path.display().to_string());
    }
    let document = compare(&reports, &labels, &files, args.top);
    let text = match args.format {
        CompareFormat::Json => serde_json::to_string_pretty(&document)? + "\n",
        CompareFormat::Markdown => comparison::markdown::render(&document),
        CompareFormat::Html => comparison::html::render(&document)?,
    };
    write_text(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}
