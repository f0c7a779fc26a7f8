//! What the history stores and gives back, whatever the backend.

use std::collections::BTreeMap;

use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_rules::{Evaluation, Finding, Outcome};

/// One scan as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    /// Scan id.
    pub id: i64,
    /// Job name.
    pub job: String,
    /// Agent.
    pub agent: String,
    /// Start time.
    pub started: String,
    /// End time.
    pub finished: String,
    /// A one-line summary.
    pub summary: String,
}

/// What one scan saw, for comparisons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Fingerprint → (subject, notAfter).
    pub certificates: BTreeMap<String, (String, String)>,
    /// (target, SNI) → (leaf, versions).
    pub endpoints: BTreeMap<(String, String), (String, String)>,
    /// (rule, record) → (severity, label).
    pub findings: BTreeMap<(String, String), (String, String)>,
    /// Requirement → suggested level.
    pub levels: BTreeMap<String, i64>,
}

/// A suggested level as stored: the level number and the confidence name.
pub type StoredLevel = (i64, String);

/// What a scan is stored with.
pub struct ScanInput<'a> {
    /// Job name.
    pub job: &'a str,
    /// Agent.
    pub agent: &'a str,
    /// Start time.
    pub started: UtcTime,
    /// The evidence.
    pub bundle: &'a EvidenceBundle,
    /// The evaluation.
    pub evaluation: &'a Evaluation,
    /// Suggested levels by requirement.
    pub levels: &'a BTreeMap<String, StoredLevel>,
}

impl ScanInput<'_> {
    /// The one-line summary stored with the scan.
    pub fn summary(&self) -> String {
        format!(
            "{} certificates, {} endpoints, {} CRLs, {} findings, {} failures",
            self.bundle.certificates.len(),
            self.bundle.tls_endpoints.len(),
            self.bundle.crls.len(),
            self.failing().count(),
            self.bundle.failures.len()
        )
    }

    /// Unwaived failing findings.
    pub fn failing(&self) -> impl Iterator<Item = &Finding> + Clone {
        self.evaluation
            .findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail && f.waived.is_none())
    }

    /// A finding's record as stored: `kind:id`.
    pub fn record_key(finding: &Finding) -> String {
        format!("{}:{}", finding.record.kind.name(), finding.record.id)
    }
}

/// The time `days` before now, as stored (RFC 3339).
pub fn cutoff(days: u32) -> String {
    UtcTime::from_unix(UtcTime::now().unix() - i64::from(days) * 86_400)
        .unwrap_or_else(UtcTime::now)
        .to_string()
}
