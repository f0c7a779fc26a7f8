//! `pkimm benchmark contribute|build|industries`: anonymised contributions
//! and the benchmark built from them.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_model::evidence::{load_bundles, UtcTime};
use pkimm_scoring::benchmark::{self, vocab, BuildOptions, ContributeOptions};
use pkimm_scoring::report::ToolRef;
use pkimm_scoring::{Basis, ScoreReport};

use crate::cli::{BuildArgs, ContributeArgs, GlobalArgs};
use crate::output::{assessment, print_text, profile_of, write_json};

/// This month, `YYYY-MM`.
fn this_month() -> String {
    let now = UtcTime::now().as_offset();
    format!("{:04}-{:02}", now.year(), u8::from(now.month()))
}

/// Runs `benchmark contribute`.
pub fn contribute(global: &GlobalArgs, args: &ContributeArgs) -> Result<ExitCode> {
    let basis: Basis = args.basis.into();
    if basis != Basis::Assessed {
        return Err(benchmark::BenchmarkError::Prefilled.into());
    }
    let (model, assessment) = assessment(global, &args.assessment)?;
    let profile = profile_of(global, &args.assessment, &assessment)?;
    let report = ScoreReport::build(ToolRef::pkimm(), &model, &assessment, &[], basis, &profile);
    let certificates = if args.evidence.is_empty() {
        None
    } else {
        Some(load_bundles(&args.evidence)?.certificates.len() as u64)
    };
    let contribution = benchmark::contribute(
        &report,
        &ContributeOptions {
            industry: &args.industry,
            size_band: &args.size_band,
            certificates,
            date: assessment.meta.date.as_deref(),
            fallback_month: this_month(),
            allow_partial: args.allow_partial,
        },
    )
    .map_err(|err| err.in_file(&args.assessment))?;
    write_json(args.output.as_deref(), &contribution)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `benchmark build`.
pub fn build(args: &BuildArgs) -> Result<ExitCode> {
    let contributions = args
        .contributions
        .iter()
        .map(|path| benchmark::load_contribution(path))
        .collect::<Result<Vec<_>, _>>()?;
    let built = benchmark::build(
        &contributions,
        &BuildOptions {
            min_group: args.min_group,
            include_partial: args.include_partial,
            built: this_month(),
        },
    )?;
    for model in &built.models {
        eprintln!(
            "PKIMM {}: {} contributions, {} groups shown, {} suppressed (fewer than {}), {} partial left out",
            model.model_version,
            model.contributions,
            model.groups.len(),
            model.suppressed_groups,
            built.min_group,
            model.partial_left_out
        );
    }
    write_json(args.output.as_deref(), &built)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `benchmark industries`.
pub fn industries() -> Result<ExitCode> {
    let mut text = String::from("Industries (ISIC Rev. 4 sections):\n");
    for (code, title) in vocab::INDUSTRIES {
        text.push_str(&format!("  {code}  {title}\n"));
    }
    text.push_str("\nSize bands (employees):\n");
    for (band, title) in vocab::SIZE_BANDS {
        text.push_str(&format!("  {band:<12} {title}\n"));
    }
    print_text(&text)?;
    Ok(ExitCode::SUCCESS)
}
