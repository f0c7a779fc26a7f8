//! The scan history: an embedded SQLite database by default (WAL, one
//! transaction per scan, so a crash mid-scan leaves the last complete scans
//! intact), or a shared PostgreSQL database for many agents (same schema,
//! migrations under an advisory lock, one transaction per scan). It keeps scan
//! metadata, the evidence bundle, the certificates, endpoints and findings of
//! each scan, and the suggested levels, for `history list`, `diff`, trends and
//! merged assessments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use pkimm_model::evidence::{EvidenceBundle, Trends, UtcTime};
use pkimm_rules::{Evaluation, Outcome};
use rusqlite::{params, Connection, OptionalExtension};

/// Schema migrations, applied in order; the index is the version.
const MIGRATIONS: &[&str] = &["
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
"];

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

/// A history store.
pub enum Store {
    /// An embedded SQLite file.
    Sqlite(SqliteStore),
    /// A shared PostgreSQL database.
    Postgres(crate::history_pg::PgStore),
}

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
    /// Suggested levels: requirement → (level, confidence).
    pub levels: &'a BTreeMap<String, (i64, String)>,
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
    pub fn failing(&self) -> impl Iterator<Item = &pkimm_rules::Finding> + Clone {
        self.evaluation
            .findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail && f.waived.is_none())
    }
}

impl Store {
    /// Opens a SQLite file, or PostgreSQL for `postgres://` locations (the
    /// password, when needed, from `PKIMM_STORE_PASSWORD`).
    pub fn open_location(location: &str) -> Result<Self> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Ok(Self::Postgres(crate::history_pg::PgStore::open(location)?))
        } else {
            Ok(Self::Sqlite(SqliteStore::open(Path::new(location))?))
        }
    }

    /// Records one complete scan atomically; returns its id.
    pub fn record(&mut self, scan: &ScanInput<'_>) -> Result<i64> {
        match self {
            Self::Sqlite(s) => s.record(scan),
            Self::Postgres(s) => s.record(scan),
        }
    }

    /// Deletes scans older than `days`.
    pub fn retain(&mut self, days: u32) -> Result<usize> {
        match self {
            Self::Sqlite(s) => s.retain(days),
            Self::Postgres(s) => s.retain(days),
        }
    }

    /// The newest scans first.
    pub fn list(&mut self, limit: usize) -> Result<Vec<ScanRow>> {
        match self {
            Self::Sqlite(s) => s.list(limit),
            Self::Postgres(s) => s.list(limit),
        }
    }

    /// What a scan saw.
    pub fn snapshot(&mut self, id: i64) -> Result<Option<Snapshot>> {
        match self {
            Self::Sqlite(s) => s.snapshot(id),
            Self::Postgres(s) => s.snapshot(id),
        }
    }

    /// Renewal trends for a job and agent: the stored scans plus `current`.
    pub fn trends(&mut self, job: &str, agent: &str, current: &EvidenceBundle) -> Result<Trends> {
        let mut rows = match self {
            Self::Sqlite(s) => s.endpoint_history(job, agent)?,
            Self::Postgres(s) => s.endpoint_history(job, agent)?,
        };
        let now = UtcTime::now().to_string();
        for e in &current.tls_endpoints {
            let Some(leaf) = &e.leaf else { continue };
            let not_after = current
                .certificate(leaf)
                .map(|c| c.not_after.to_string())
                .unwrap_or_default();
            rows.push(EndpointRow {
                scan: i64::MAX,
                finished: now.clone(),
                endpoint: (e.target.clone(), e.sni.clone().unwrap_or_default()),
                leaf: leaf.clone(),
                not_after,
            });
        }
        Ok(renewal_trends(&rows))
    }

    /// The bundles of the latest scan of every (job, agent) that finished
    /// after `since`.
    pub fn latest_bundles(&mut self, since: UtcTime) -> Result<Vec<EvidenceBundle>> {
        match self {
            Self::Sqlite(s) => s.latest_bundles(since),
            Self::Postgres(s) => s.latest_bundles(since),
        }
    }
}

/// One endpoint observation in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRow {
    /// Scan id (order).
    pub scan: i64,
    /// When the scan finished (RFC 3339).
    pub finished: String,
    /// (target, SNI).
    pub endpoint: (String, String),
    /// Leaf fingerprint.
    pub leaf: String,
    /// Leaf notAfter (RFC 3339), empty when unknown.
    pub not_after: String,
}

/// SQL for endpoint history (both stores; `?1`/`$1` job, `?2`/`$2` agent).
pub const ENDPOINT_HISTORY_SQL: &str =
    "SELECT s.id, s.finished, e.target, e.sni, e.leaf, COALESCE(c.not_after, '') \
     FROM scans s JOIN endpoints e ON e.scan_id = s.id \
     LEFT JOIN certificates c ON c.scan_id = s.id AND c.fingerprint = e.leaf \
     WHERE s.job = ?1 AND s.agent = ?2 AND e.leaf <> '' ORDER BY s.id";

/// Renewals seen in endpoint observations: each change of an endpoint's
/// leaf is a renewal, made with the old certificate's remaining validity.
pub fn renewal_trends(rows: &[EndpointRow]) -> Trends {
    let mut by_endpoint: BTreeMap<&(String, String), Vec<&EndpointRow>> = BTreeMap::new();
    for row in rows {
        by_endpoint.entry(&row.endpoint).or_default().push(row);
    }
    let mut trends = Trends {
        scans: u32::try_from(rows.iter().map(|r| r.scan).collect::<BTreeSet<_>>().len())
            .unwrap_or(u32::MAX),
        ..Trends::default()
    };
    let mut leads = Vec::new();
    for observations in by_endpoint.values_mut() {
        observations.sort_by_key(|r| r.scan);
        for pair in observations.windows(2) {
            let (old, new) = (pair[0], pair[1]);
            if old.leaf == new.leaf {
                continue;
            }
            trends.renewals += 1;
            let (Some(expiry), Some(seen)) = (
                UtcTime::parse(&old.not_after),
                UtcTime::parse(&new.finished),
            ) else {
                continue;
            };
            let lead = (expiry.unix() - seen.unix()) as f64 / 86_400.0;
            if lead > 0.0 {
                trends.renewals_before_expiry += 1;
            }
            leads.push(lead);
        }
    }
    if !leads.is_empty() {
        leads.sort_by(f64::total_cmp);
        trends.median_lead_days = Some(leads[leads.len() / 2]);
    }
    trends
}

/// The SQLite store.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (and creates or migrates) the database.
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)
            .with_context(|| format!("cannot open the history store {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let tx = conn.transaction()?;
        for (i, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(migration)
                .with_context(|| format!("{}: migration {} failed", path.display(), i + 1))?;
            tx.pragma_update(
                None,
                "user_version",
                i64::try_from(i + 1).unwrap_or(i64::MAX),
            )?;
        }
        tx.commit()?;
        Ok(Self { conn })
    }

    /// Records one complete scan in a single transaction and returns its id.
    pub fn record(&mut self, scan: &ScanInput<'_>) -> Result<i64> {
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
                    c.fingerprint_sha256,
                    c.subject,
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
                    format!("{}:{}", f.record.kind.name(), f.record.id),
                    f.record.label,
                    f.message
                ])?;
            }
            let mut insert = tx.prepare("INSERT INTO levels VALUES (?1, ?2, ?3, ?4)")?;
            for (requirement, (level, confidence)) in levels {
                insert.execute(params![id, requirement, level, confidence])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Deletes scans that finished more than `days` ago.
    pub fn retain(&mut self, days: u32) -> Result<usize> {
        let cutoff = UtcTime::from_unix(UtcTime::now().unix() - i64::from(days) * 86_400)
            .unwrap_or_else(UtcTime::now)
            .to_string();
        Ok(self
            .conn
            .execute("DELETE FROM scans WHERE finished < ?1", params![cutoff])?)
    }

    /// The newest scans first.
    pub fn list(&mut self, limit: usize) -> Result<Vec<ScanRow>> {
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
    pub fn endpoint_history(&mut self, job: &str, agent: &str) -> Result<Vec<EndpointRow>> {
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

    /// The bundles of the latest scan per (job, agent) finished after `since`.
    pub fn latest_bundles(&mut self, since: UtcTime) -> Result<Vec<EvidenceBundle>> {
        let mut query = self.conn.prepare(
            "SELECT bundle FROM scans WHERE id IN (SELECT MAX(id) FROM scans WHERE finished >= ?1 GROUP BY job, agent)",
        )?;
        let rows = query.query_map(params![since.to_string()], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|blob| serde_json::from_slice(&blob?).context("stored bundle"))
            .collect()
    }

    /// What a scan saw; `None` when there is no such scan.
    pub fn snapshot(&mut self, id: i64) -> Result<Option<Snapshot>> {
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

/// Differences between two snapshots, as lines of text.
pub fn diff(a: &Snapshot, b: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    let keys = |m: &BTreeMap<String, (String, String)>| m.keys().cloned().collect::<BTreeSet<_>>();
    let (ca, cb) = (keys(&a.certificates), keys(&b.certificates));
    for fp in cb.difference(&ca) {
        let (subject, not_after) = &b.certificates[fp];
        out.push(format!(
            "+ certificate {subject} (expires {not_after}) {}",
            &fp[..16.min(fp.len())]
        ));
    }
    for fp in ca.difference(&cb) {
        let (subject, not_after) = &a.certificates[fp];
        out.push(format!(
            "- certificate {subject} (expires {not_after}) {}",
            &fp[..16.min(fp.len())]
        ));
    }
    for (key, after) in &b.endpoints {
        let name = if key.1.is_empty() {
            key.0.clone()
        } else {
            format!("{} ({})", key.0, key.1)
        };
        match a.endpoints.get(key) {
            None => out.push(format!("+ endpoint {name}")),
            Some(before) if before.0 != after.0 => out.push(format!(
                "~ endpoint {name}: certificate changed {} → {}",
                &before.0[..16.min(before.0.len())],
                &after.0[..16.min(after.0.len())]
            )),
            Some(before) if before.1 != after.1 => {
                out.push(format!(
                    "~ endpoint {name}: versions {} → {}",
                    before.1, after.1
                ));
            }
            Some(_) => {}
        }
    }
    for key in a.endpoints.keys().filter(|k| !b.endpoints.contains_key(*k)) {
        out.push(format!("- endpoint {}", key.0));
    }
    for (key, (severity, label)) in &b.findings {
        if !a.findings.contains_key(key) {
            out.push(format!("+ finding [{severity}] {} on {label}", key.0));
        }
    }
    for (key, (severity, label)) in &a.findings {
        if !b.findings.contains_key(key) {
            out.push(format!(
                "- finding [{severity}] {} on {label} (resolved)",
                key.0
            ));
        }
    }
    for (requirement, after) in &b.levels {
        match a.levels.get(requirement) {
            Some(before) if before != after => {
                out.push(format!("~ level {requirement}: {before} → {after}"));
            }
            None => out.push(format!("+ level {requirement}: {after}")),
            _ => {}
        }
    }
    out
}
