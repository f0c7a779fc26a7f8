//! Ordering the results and summing them per PKIMM requirement.

use std::collections::BTreeMap;
use std::sync::Arc;

use pkimm_model::Model;

use super::{Finding, RequirementMetrics, RuleResult};
use crate::pack::RulePack;
use crate::rule::{Outcome, Severity};

/// Stable order: severity (worst first), rule, record.
pub(super) fn sort_findings(findings: &mut [Finding]) {
    findings.sort_unstable_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| {
                if Arc::ptr_eq(&a.rule, &b.rule) {
                    std::cmp::Ordering::Equal
                } else {
                    a.rule.cmp(&b.rule)
                }
            })
            .then_with(|| a.record.id.cmp(&b.record.id))
    });
}

/// Rule results in pack order.
pub(super) fn sort_results(results: &mut [RuleResult], pack: &RulePack) {
    let order: BTreeMap<&str, usize> = pack
        .rules()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.def.id.as_str(), i))
        .collect();
    results.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
}

/// Metrics of every requirement some rule maps to, in model order.
pub(super) fn requirement_metrics(
    model: &Model,
    results: &[RuleResult],
    findings: &[Finding],
) -> Vec<RequirementMetrics> {
    // The worst unwaived failure per requirement, in one pass.
    let mut worst: BTreeMap<&str, Severity> = BTreeMap::new();
    for finding in findings {
        if finding.outcome != Outcome::Fail || finding.waived.is_some() {
            continue;
        }
        for requirement in finding.pkimm.iter() {
            let entry = worst.entry(requirement).or_insert(finding.severity);
            *entry = (*entry).max(finding.severity);
        }
    }
    model
        .requirements()
        .filter_map(|requirement| {
            let mapped: Vec<&RuleResult> = results
                .iter()
                .filter(|r| r.pkimm.contains(&requirement.id))
                .collect();
            if mapped.is_empty() {
                return None;
            }
            let sum = |f: fn(&RuleResult) -> u64| mapped.iter().map(|r| f(r)).sum::<u64>();
            let passed = sum(|r| r.passed);
            let failed = sum(|r| r.failed);
            Some(RequirementMetrics {
                requirement: requirement.id.clone(),
                name: requirement.name.clone(),
                evaluated: sum(|r| r.evaluated),
                passed,
                failed,
                waived: sum(|r| r.waived),
                errors: sum(|r| r.errors),
                pass_ratio: (passed + failed > 0).then(|| passed as f64 / (passed + failed) as f64),
                worst_severity: worst.get(requirement.id.as_str()).copied(),
                rules: mapped.iter().map(|r| r.id.clone()).collect(),
            })
        })
        .collect()
}
