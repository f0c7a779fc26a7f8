//! The findings of a report: unwaived failures, most severe first.

use std::collections::BTreeMap;

use pkimm_rules::{Evaluation, Outcome, Severity};
use schemars::JsonSchema;
use serde::Serialize;

/// One finding.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindingRow {
    /// Rule id.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// PKIMM requirements.
    pub pkimm: Vec<String>,
    /// The record, as `kind:id`.
    pub record: String,
    /// A label for the record.
    pub label: String,
    /// What was found.
    pub message: String,
    /// How to fix it.
    pub remediation: String,
}

pub(super) fn finding_rows(evaluation: &Evaluation) -> Vec<FindingRow> {
    let rules: BTreeMap<&str, &pkimm_rules::eval::RuleResult> = evaluation
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let mut rows: Vec<FindingRow> = evaluation
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail && f.waived.is_none())
        .map(|f| {
            let rule = rules.get(&*f.rule);
            FindingRow {
                rule: f.rule.to_string(),
                title: rule.map(|r| r.title.clone()).unwrap_or_default(),
                severity: f.severity,
                pkimm: f.pkimm.to_vec(),
                record: format!("{}:{}", f.record.kind.name(), f.record.id),
                label: f.record.label.clone(),
                message: f.message.clone(),
                remediation: rule.map(|r| r.remediation.clone()).unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
    rows
}
