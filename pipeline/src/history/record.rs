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
    /// Conformance of each requirement's implemented criteria: (records,
    /// conforming).
    pub conformance: &'a BTreeMap<String, (u64, u64)>,
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

/// A history store that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The store could not be opened or reached.
    #[error("cannot open the history store {location}")]
    Open {
        /// Where (passwords removed).
        location: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A schema migration failed.
    #[error("{location}: migration {version} failed")]
    Migration {
        /// Where (passwords removed).
        location: String,
        /// The migration.
        version: usize,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// There is no store at this location yet.
    #[error("{0}: no history store (run pkimm scan first)")]
    Missing(String),
    /// SQLite failed.
    #[error("history store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("history store: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// A stored bundle could not be written or read back.
    #[error("history store: a stored bundle: {0}")]
    Bundle(#[from] serde_json::Error),
}

/// What each backend does.
pub(crate) trait Backend: Send {
    fn record(&mut self, scan: &ScanInput<'_>) -> Result<i64, HistoryError>;
    fn retain(&mut self, days: u32) -> Result<usize, HistoryError>;
    fn list(&mut self, limit: usize) -> Result<Vec<ScanRow>, HistoryError>;
    fn snapshot(&mut self, id: i64) -> Result<Option<Snapshot>, HistoryError>;
    fn endpoint_history(
        &mut self,
        job: &str,
        agent: &str,
    ) -> Result<Vec<super::trends::EndpointRow>, HistoryError>;
    fn latest_bundles(&mut self, since: UtcTime) -> Result<Vec<EvidenceBundle>, HistoryError>;
    fn conformance_history(
        &mut self,
        job: &str,
        agent: &str,
    ) -> Result<
        (
            Vec<super::conformance::ConformanceRow>,
            Vec<super::conformance::FailingRow>,
        ),
        HistoryError,
    >;
}
