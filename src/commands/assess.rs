//! `pkimm assess`: pre-fill an assessment from evidence and merge it into an
//! existing one.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Result;
use pkimm_model::evidence::UtcTime;
use pkimm_rules::Outcome;
use pkimm_scoring::assessment::PrefillInfo;
use pkimm_scoring::merge::merge_prefill;
use pkimm_scoring::prefill::{prefill, LevelMappings};
use pkimm_scoring::{load_assessment_file, Assessment, Mode};

use crate::cli::{AssessArgs, GlobalArgs};
use crate::context;
use crate::write::write_assessment;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &AssessArgs) -> Result<ExitCode> {
    let model = context::model(global)?;
    let mut mappings = LevelMappings::builtin(&model)?;
    for path in &args.levels {
        let text = pkimm_model::read::read_text_file(path, pkimm_model::read::MAX_DOCUMENT_BYTES)?;
        mappings.add_text(&path.display().to_string(), &text, &model)?;
    }
    let previous_path = args
        .assessment
        .clone()
        .or_else(|| args.output.exists().then(|| args.output.clone()));
    let mut assessment = match &previous_path {
        Some(path) => load_assessment_file(path, &model)?,
        None => {
            let mut fresh = Assessment::new(&model, Mode::Full);
            fresh.meta.organisation.clone_from(&args.organisation);
            fresh.meta.scope.clone_from(&args.scope);
            fresh
        }
    };
    let mut bundle = if args.bundles.is_empty() {
        pkimm_model::evidence::EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")))
    } else {
        context::load_bundles(&args.bundles)?
    };
    if args.from_store {
        let age = parse_age(&args.since)?;
        let since = UtcTime::from_unix(UtcTime::now().unix() - age).unwrap_or_else(UtcTime::now);
        let mut store = crate::commands::scan::open_store(&args.store)?;
        let found = store.latest_bundles(since)?;
        eprintln!(
            "merging the latest scans of {} jobs and agents from the history",
            found.len()
        );
        if found.is_empty() && args.bundles.is_empty() {
            anyhow::bail!("no scan in the history finished within {}", args.since);
        }
        for b in found {
            bundle.merge(b);
        }
    }
    let (evaluation, _) = context::evaluate_loaded(&model, &bundle, &args.inputs)?;
    let prefilled = prefill(&model, &evaluation, &mappings);
    let mut findings: BTreeMap<String, u64> = BTreeMap::new();
    for finding in &evaluation.findings {
        if finding.outcome == Outcome::Fail && finding.waived.is_none() {
            *findings
                .entry(finding.severity.name().to_string())
                .or_default() += 1;
        }
    }
    let info = PrefillInfo {
        at: UtcTime::now().to_string(),
        tool: format!("pkimm {}", env!("CARGO_PKG_VERSION")),
        records: evaluation
            .records
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.clone(), *n))
            .collect(),
        suggested: u32::try_from(
            prefilled
                .values()
                .filter(|p| p.suggestion.is_some())
                .count(),
        )
        .unwrap_or(u32::MAX),
        findings,
    };
    let summary = merge_prefill(&mut assessment, &prefilled, info);
    write_assessment(&args.output, &assessment)?;
    eprintln!(
        "{}: {} requirements pre-filled from evidence, {} pending without evidence (needs assessor)",
        args.output.display(),
        summary.suggested.len(),
        summary.without_evidence.len()
    );
    if !summary.newly_stale.is_empty() {
        eprintln!(
            "marked stale (evidence moved the suggestion away from the confirmed level): {}",
            summary.newly_stale.join(", ")
        );
    }
    if !summary.cleared_stale.is_empty() {
        eprintln!("no longer stale: {}", summary.cleared_stale.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses an age such as `24h`, `90m`, `7d` or `30s` into seconds.
fn parse_age(text: &str) -> Result<i64> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => anyhow::bail!("--since {text:?}: use a number with s, m, h or d, such as 24h"),
    };
    let n: i64 = number.parse().map_err(|_| {
        anyhow::anyhow!("--since {text:?}: use a number with s, m, h or d, such as 24h")
    })?;
    Ok(n.saturating_mul(scale))
}
