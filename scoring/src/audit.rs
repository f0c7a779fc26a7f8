//! The audit trail: every assessor decision, appended to the assessment it
//! changes, with who made it, when, through what, and the value it replaced.
//! [`crate::decision`] writes it, so `pkimm confirm` and the browser
//! workspace record alike.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::assessment::{CriterionDecision, RequirementEntry, Status};

/// One decision in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// When (RFC 3339).
    pub at: String,
    /// Who decided, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    /// Through what: `pkimm confirm`, `pkimm serve`.
    pub via: String,
    /// The requirement, or the criterion (`REQUIREMENT#c2`).
    pub target: String,
    /// The value before, in words (`pending`, `confirmed at level 3`).
    pub previous: String,
    /// The value after, in words.
    pub value: String,
    /// The justification or reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// A requirement's decision in words, as the audit trail records it.
pub fn describe_entry(entry: &RequirementEntry) -> String {
    let level = entry
        .level
        .map(|l| format!(" at level {}", l.number()))
        .unwrap_or_default();
    match entry.effective_status() {
        Status::Pending => "pending".to_string(),
        Status::NotApplicable => "not applicable".to_string(),
        status => format!("{}{level}", status.name()),
    }
}

/// A criterion's decision in words; `undecided` when there is none.
pub fn describe_criterion(decision: Option<&CriterionDecision>) -> String {
    match decision {
        None => "undecided".to_string(),
        Some(d) if d.met => "met".to_string(),
        Some(_) => "not met".to_string(),
    }
}
