//! `pkimm evaluate`: run rules over evidence bundles.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use pkimm_rules::eval::Evaluation;
use pkimm_rules::rule::{Outcome, Severity};

use crate::cli::{EvaluateArgs, GlobalArgs, OutputFormat, SeverityArg};
use crate::context;
use crate::output::print_json;
use crate::EXIT_THRESHOLD;

/// The severity a `--fail-on` value names.
pub fn severity(arg: SeverityArg) -> Severity {
    match arg {
        SeverityArg::Info => Severity::Info,
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    }
}

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &EvaluateArgs) -> Result<ExitCode> {
    let model = context::model(global)?;
    let (evaluation, rule_count) = context::evaluate_bundles(&model, &args.bundles, &args.inputs)?;
    match args.format {
        OutputFormat::Json => print_json(&evaluation)?,
        OutputFormat::Text => print!("{}", render(&evaluation, rule_count, args.show_info)),
    }
    if let Some(threshold) = args.fail_on {
        let count = evaluation.failures_at_or_above(severity(threshold));
        if count > 0 {
            eprintln!(
                "{count} unwaived findings at or above {:?}",
                severity(threshold)
            );
            return Ok(ExitCode::from(EXIT_THRESHOLD));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn render(evaluation: &Evaluation, rule_count: usize, show_info: bool) -> String {
    let mut out = String::new();
    let records: Vec<String> = evaluation
        .records
        .iter()
        .filter(|(k, n)| **n > 0 && k.as_str() != "bundle")
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let _ = writeln!(
        out,
        "Evaluated {} with {rule_count} rules as of {}\n",
        if records.is_empty() {
            "an empty bundle".to_string()
        } else {
            records.join(", ")
        },
        evaluation.evaluated_at
    );
    let mut by_requirement: BTreeMap<&str, Vec<&pkimm_rules::Finding>> = BTreeMap::new();
    for finding in &evaluation.findings {
        if finding.severity == Severity::Info && !show_info && finding.outcome == Outcome::Fail {
            continue;
        }
        for requirement in finding.pkimm.iter() {
            by_requirement
                .entry(requirement.as_str())
                .or_default()
                .push(finding);
        }
    }
    for metrics in &evaluation.requirements {
        let ratio = metrics
            .pass_ratio
            .map_or_else(|| "n/a".to_string(), |r| format!("{:.1}%", r * 100.0));
        let _ = writeln!(
            out,
            "{} {}: {}/{} passed ({ratio}){}",
            metrics.requirement,
            metrics.name,
            metrics.passed,
            metrics.passed + metrics.failed,
            if metrics.errors > 0 {
                format!(", {} errors", metrics.errors)
            } else {
                String::new()
            }
        );
        for finding in by_requirement
            .get(metrics.requirement.as_str())
            .into_iter()
            .flatten()
        {
            let tag = match (finding.outcome, &finding.waived) {
                (Outcome::Error, _) => "ERROR".to_string(),
                (_, Some(_)) => format!("{} (waived)", finding.severity.name().to_uppercase()),
                _ => finding.severity.name().to_uppercase(),
            };
            let _ = writeln!(
                out,
                "  {tag:<9} {:<36} {:<34} {}",
                finding.rule, finding.record.label, finding.message
            );
        }
    }
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut waived = 0;
    let mut errors = 0;
    for finding in &evaluation.findings {
        match (finding.outcome, &finding.waived) {
            (Outcome::Error, _) => errors += 1,
            (_, Some(_)) => waived += 1,
            _ => *counts.entry(finding.severity).or_default() += 1,
        }
    }
    let summary: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| format!("{} {}", s.name(), counts.get(s).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(
        out,
        "\nFindings: {}; waived {waived}; errors {errors}",
        summary.join(", ")
    );
    for waiver in &evaluation.expired_waivers {
        let _ = writeln!(
            out,
            "Expired waiver (not applied): rule {} expired {}: {}",
            waiver.rule, waiver.expires, waiver.reason
        );
    }
    out
}
