//! The embedded SQLite store: WAL, one transaction per scan, so a crash
//! mid-scan leaves the last complete scans intact.

use std::path::Path;

use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use rusqlite::{params, Connection, OptionalExtension};

use super::conformance::{ConformanceRow, FailingRow, CONFORMANCE_SQL, FAILING_SQL};
use super::record::{cutoff, Backend, HistoryError, ScanInput, ScanRow, Snapshot};
use super::trends::{EndpointRow, ENDPOINT_HISTORY_SQL};

/// Schema migrations, applied in order; the index is the version.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    agent TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    summary TEXT NOT NULL,
    bundle BLOB NOT NULL
);
CREATE INDEX scans_job ON scans(job, id);
CREATE TABLE certificates (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    subject TEXT NOT NULL,
    not_after TEXT NOT NULL
);
CREATE INDEX certificates_scan ON certificates(scan_id);
CREATE TABLE endpoints (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    sni TEXT NOT NULL,
    leaf TEXT NOT NULL,
    versions TEXT NOT NULL
);
CREATE INDEX endpoints_scan ON endpoints(scan_id);
CREATE TABLE findings (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    record TEXT NOT NULL,
    label TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX findings_scan ON findings(scan_id);
CREATE TABLE levels (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    requirement TEXT NOT NULL,
    level INTEGER NOT NULL,
    confidence TEXT NOT NULL
);
",
    "
CREATE TABLE conformance (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    requirement TEXT NOT NULL,
    records INTEGER NOT NULL,
    conforming INTEGER NOT NULL
);
CREATE INDEX conformance_scan ON conformance(scan_id);
CREATE INDEX findings_rule ON findings(scan_id, rule);
",
];

/// The SQLite store.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (and creates or migrates) the database.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let mut conn = Connection::open(path).map_err(|source| HistoryError::Open {
            location: path.display().to_string(),
            source: Box::new(source),
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // Switching a new database to WAL needs a moment alone with it; a
        // second process creating the same store at once waits its turn.
        retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL"))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Migrations run under an exclusive transaction that reads the
        // version inside it, so two processes never apply one twice.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(migration)
                .map_err(|source| HistoryError::Migration {
                    location: path.display().to_string(),
                    version: i + 1,
                    source: Box::new(source),
                })?;
            tx.pragma_update(
                None,
                "user_version",
                i64::try_from(i + 1).unwrap_or(i64::MAX),
            )?;
        }
        tx.commit()?;
        Ok(Self { conn })
    }
}

/// Runs `f` again while SQLite reports the database busy or locked (the
/// busy handler does not cover every case, such as changing the journal
/// mode), for up to 30 seconds.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = std::time::Instant::now();
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && started.elapsed() < std::time::Duration::from_secs(30) =>
            {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

impl Backend for SqliteStore {
    /// Records one complete scan in a single transaction and returns its id.
    fn record(&mut self, scan: &ScanInput<'_>) -> Result<i64, HistoryError> {
        let (job, agent, started, bundle) = (scan.job, scan.agent, scan.started, scan.bundle);
        let failing = scan.failing();
        let summary = scan.summary();
        let levels = scan.levels;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO scans (job, agent, started, finished, summary, bundle) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                job,
                agent,
                started.to_string(),
                UtcTime::now().to_string(),
                summary,
                serde_json::to_vec(bundle)?
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare("INSERT INTO certificates VALUES (?1, ?2, ?3, ?4)")?;
            for c in &bundle.certificates {
                insert.execute(params![
                    id,
                    c.fingerprint_sha256.as_str(),
                    c.subject.as_str(),
                    c.not_after.to_string()
                ])?;
            }
            let mut insert = tx.prepare("INSERT INTO endpoints VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for e in &bundle.tls_endpoints {
                insert.execute(params![
                    id,
                    e.target,
                    e.sni.clone().unwrap_or_default(),
                    e.leaf.clone().unwrap_or_default(),
                    e.versions.join(",")
                ])?;
            }
            let mut insert = tx.prepare("INSERT INTO findings VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            for f in failing {
                insert.execute(params![
                    id,
                    f.rule,
                    f.severity.name(),
                    ScanInput::record_key(f),
                    f.record.label,
                    f.message
                ])?;
            }
            let mut insert = tx.prepare("INSERT INTO levels VALUES (?1, ?2, ?3, ?4)")?;
            for (requirement, (level, confidence)) in levels {
                insert.execute(params![id, requirement, level, confidence])?;
            }
            let mut insert = tx.prepare("INSERT INTO conformance VALUES (?1, ?2, ?3, ?4)")?;
            for (requirement, (records, conforming)) in scan.conformance {
                insert.execute(params![
                    id,
                    requirement,
                    i64::try_from(*records).unwrap_or(i64::MAX),
                    i64::try_from(*conforming).unwrap_or(i64::MAX)
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Deletes scans that finished more than `days` ago.
    fn retain(&mut self, days: u32) -> Result<usize, HistoryError> {
        let cutoff = cutoff(days);
        Ok(self
            .conn
            .execute("DELETE FROM scans WHERE finished < ?1", params![cutoff])?)
    }

    /// The newest scans first.
    fn list(&mut self, limit: usize) -> Result<Vec<ScanRow>, HistoryError> {
        let mut query = self.conn.prepare(
            "SELECT id, job, agent, started, finished, summary FROM scans ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = query.query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(ScanRow {
                id: r.get(0)?,
                job: r.get(1)?,
                agent: r.get(2)?,
                started: r.get(3)?,
                finished: r.get(4)?,
                summary: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Endpoint observations of a job and agent, oldest first.
    fn endpoint_history(
        &mut self,
        job: &str,
        agent: &str,
    ) -> Result<Vec<EndpointRow>, HistoryError> {
        let mut query = self.conn.prepare(ENDPOINT_HISTORY_SQL)?;
        let rows = query.query_map(params![job, agent], |r| {
            Ok(EndpointRow {
                scan: r.get(0)?,
                finished: r.get(1)?,
                endpoint: (r.get(2)?, r.get(3)?),
                leaf: r.get(4)?,
                not_after: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Conformance and failing findings of a job and agent's scans.
    fn conformance_history(
        &mut self,
        job: &str,
        agent: &str,
    ) -> Result<(Vec<ConformanceRow>, Vec<FailingRow>), HistoryError> {
        let mut query = self.conn.prepare(CONFORMANCE_SQL)?;
        let conformance = query
            .query_map(params![job, agent], |r| {
                Ok(ConformanceRow {
                    scan: r.get(0)?,
                    started: r.get(1)?,
                    requirement: r.get(2)?,
                    records: r.get(3)?,
                    conforming: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut query = self.conn.prepare(FAILING_SQL)?;
        let failing = query
            .query_map(params![job, agent], |r| {
                Ok(FailingRow {
                    scan: r.get(0)?,
                    rule: r.get(1)?,
                    record: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok((conformance, failing))
    }

    /// The bundles of the latest scan per (job, agent) finished after `since`.
    fn latest_bundles(&mut self, since: UtcTime) -> Result<Vec<EvidenceBundle>, HistoryError> {
        let mut query = self.conn.prepare(
            "SELECT bundle FROM scans WHERE id IN (SELECT MAX(id) FROM scans WHERE finished >= ?1 GROUP BY job, agent)",
        )?;
        let rows = query.query_map(params![since.to_string()], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|blob| Ok(serde_json::from_slice(&blob?)?))
            .collect()
    }

    /// What a scan saw; `None` when there is no such scan.
    fn snapshot(&mut self, id: i64) -> Result<Option<Snapshot>, HistoryError> {
        let exists: Option<i64> = self
            .conn
            .query_row("SELECT id FROM scans WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_none() {
            return Ok(None);
        }
        let mut snapshot = Snapshot::default();
        let mut q = self.conn.prepare(
            "SELECT fingerprint, subject, not_after FROM certificates WHERE scan_id = ?1",
        )?;
        for row in q.query_map(params![id], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))? {
            let (k, v) = row?;
            snapshot.certificates.insert(k, v);
        }
        let mut q = self
            .conn
            .prepare("SELECT target, sni, leaf, versions FROM endpoints WHERE scan_id = ?1")?;
        for row in q.query_map(params![id], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))
        })? {
            let (k, v) = row?;
            snapshot.endpoints.insert(k, v);
        }
        let mut q = self
            .conn
            .prepare("SELECT rule, record, severity, label FROM findings WHERE scan_id = ?1")?;
        for row in q.query_map(params![id], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))
        })? {
            let (k, v) = row?;
            snapshot.findings.insert(k, v);
        }
        let mut q = self
            .conn
            .prepare("SELECT requirement, level FROM levels WHERE scan_id = ?1")?;
        for row in q.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let (k, v) = row?;
            snapshot.levels.insert(k, v);
        }
        Ok(Some(snapshot))
    }
}
