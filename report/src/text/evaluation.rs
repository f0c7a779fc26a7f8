//! `pkimm evaluate`: findings by requirement for a terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use pkimm_rules::eval::Evaluation;
use pkimm_rules::rule::{Outcome, Severity};

/// The findings of an evaluation grouped by PKIMM requirement, with pass
/// ratios and a summary line; info findings only with `show_info`.
pub fn render(evaluation: &Evaluation, rule_count: usize, show_info: bool) -> String {
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
