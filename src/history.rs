//! The scan history: an embedded SQLite database (WAL, one transaction per
//! scan, so a crash mid-scan leaves the last complete scans intact). It keeps
//! scan metadata, the evidence bundle, the certificates, endpoints and
//! findings of each scan, and the suggested levels, for `history list`,
//! `diff` and trends.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use pkimm_model::evidence::{EvidenceBundle, UtcTime};
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

/// The store.
pub struct Store {
    conn: Connection,
}

impl Store {
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
    pub fn record(
        &mut self,
        job: &str,
        agent: &str,
        started: UtcTime,
        bundle: &EvidenceBundle,
        evaluation: &Evaluation,
        levels: &BTreeMap<String, (i64, String)>,
    ) -> Result<i64> {
        let failing = evaluation
            .findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail && f.waived.is_none());
        let summary = format!(
            "{} certificates, {} endpoints, {} CRLs, {} findings, {} failures",
            bundle.certificates.len(),
            bundle.tls_endpoints.len(),
            bundle.crls.len(),
            failing.clone().count(),
            bundle.failures.len()
        );
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
    pub fn list(&self, limit: usize) -> Result<Vec<ScanRow>> {
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

    /// What a scan saw; `None` when there is no such scan.
    pub fn snapshot(&self, id: i64) -> Result<Option<Snapshot>> {
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
