//! The scan history: an embedded SQLite database by default ([`sqlite`]), or
//! a shared PostgreSQL database for many agents ([`postgres`]), behind one
//! [`Store`]. It keeps scan metadata, the evidence bundle, the certificates,
//! endpoints and findings of each scan, the suggested levels and each
//! requirement's conformance, for `history list`, [`diff`], [`trends`],
//! merged assessments and effectiveness over time ([`conformance`]). Shared types
//! and the backend trait are in [`record`]; the backends depend on it, on
//! [`trends`] and on [`conformance`], never on each other or on this module.

pub mod conformance;
pub mod diff;
pub mod postgres;
pub mod record;
pub mod sqlite;
pub mod trends;

use std::path::Path;

use pkimm_model::evidence::{EvidenceBundle, Trends, UtcTime};

pub use diff::diff;
use record::Backend;
pub use record::{HistoryError, ScanInput, ScanRow, Snapshot, StoredLevel};

/// A history store.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl Store {
    /// Opens (creating or migrating) a SQLite file, or PostgreSQL for
    /// `postgres://` locations.
    pub fn open_location(location: &str) -> Result<Self, HistoryError> {
        let backend: Box<dyn Backend> =
            if location.starts_with("postgres://") || location.starts_with("postgresql://") {
                Box::new(postgres::PgStore::open(location)?)
            } else {
                Box::new(sqlite::SqliteStore::open(Path::new(location))?)
            };
        Ok(Self { backend })
    }

    /// Opens a store that must exist already (a SQLite file is not created).
    pub fn open_existing(location: &str) -> Result<Self, HistoryError> {
        if !location.contains("://") && !Path::new(location).exists() {
            return Err(HistoryError::Missing(location.to_string()));
        }
        Self::open_location(location)
    }

    /// Records one complete scan atomically; returns its id.
    pub fn record(&mut self, scan: &ScanInput<'_>) -> Result<i64, HistoryError> {
        self.backend.record(scan)
    }

    /// Deletes scans that finished more than `days` ago; returns how many.
    pub fn retain(&mut self, days: u32) -> Result<usize, HistoryError> {
        self.backend.retain(days)
    }

    /// The newest scans first.
    pub fn list(&mut self, limit: usize) -> Result<Vec<ScanRow>, HistoryError> {
        self.backend.list(limit)
    }

    /// What a scan saw; `None` when there is no such scan.
    pub fn snapshot(&mut self, id: i64) -> Result<Option<Snapshot>, HistoryError> {
        self.backend.snapshot(id)
    }

    /// Renewal trends for a job and agent: the stored scans plus `current`.
    pub fn trends(
        &mut self,
        job: &str,
        agent: &str,
        current: &EvidenceBundle,
    ) -> Result<Trends, HistoryError> {
        let mut rows = self.backend.endpoint_history(job, agent)?;
        rows.extend(trends::current_rows(current));
        Ok(trends::renewal_trends(&rows))
    }

    /// Earlier scans of a job and agent, for effectiveness over time.
    pub fn history(
        &mut self,
        job: &str,
        agent: &str,
    ) -> Result<pkimm_scoring::prefill::History, HistoryError> {
        let (conformance, failing) = self.backend.conformance_history(job, agent)?;
        Ok(conformance::assemble(conformance, failing))
    }

    /// The bundles of the latest scan of every (job, agent) that finished
    /// after `since`.
    pub fn latest_bundles(&mut self, since: UtcTime) -> Result<Vec<EvidenceBundle>, HistoryError> {
        self.backend.latest_bundles(since)
    }

    /// The latest scans of every job and agent that finished within `age`,
    /// merged into `bundle`; returns how many were merged.
    pub fn merge_latest_into(
        &mut self,
        bundle: &mut EvidenceBundle,
        age: std::time::Duration,
    ) -> Result<usize, HistoryError> {
        let age = i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
        let since = UtcTime::from_unix(UtcTime::now().unix().saturating_sub(age))
            .unwrap_or_else(UtcTime::now);
        let found = self.latest_bundles(since)?;
        let count = found.len();
        for scan in found {
            bundle.merge(scan);
        }
        Ok(count)
    }
}
