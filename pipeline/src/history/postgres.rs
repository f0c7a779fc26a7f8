//! The PostgreSQL history store, for many agents writing to one database.
//! Same tables as SQLite; migrations run under an advisory lock so agents
//! starting together do not race; each scan is one transaction, and ids come
//! from a sequence, so concurrent writers never conflict. The password comes
//! from `PKIMM_STORE_PASSWORD`, never from the config.

use std::collections::BTreeMap;

use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_model::secret::secret_from_env;
use postgres::{Client, NoTls};

use super::conformance::{ConformanceRow, FailingRow, CONFORMANCE_SQL, FAILING_SQL};
use super::record::{cutoff, Backend, HistoryError, ScanInput, ScanRow, Snapshot};
use super::trends::{EndpointRow, ENDPOINT_HISTORY_SQL};

/// The environment variable holding the store password.
pub const PASSWORD_VARIABLE: &str = "PKIMM_STORE_PASSWORD";

/// Migrations, applied in order.
const MIGRATIONS: &[&str] = &["
CREATE TABLE scans (
    id BIGSERIAL PRIMARY KEY,
    job TEXT NOT NULL,
    agent TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    summary TEXT NOT NULL,
    bundle BYTEA NOT NULL
);
CREATE INDEX scans_job ON scans(job, agent, id);
CREATE TABLE certificates (scan_id BIGINT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL, subject TEXT NOT NULL, not_after TEXT NOT NULL);
CREATE INDEX certificates_scan ON certificates(scan_id);
CREATE TABLE endpoints (scan_id BIGINT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    target TEXT NOT NULL, sni TEXT NOT NULL, leaf TEXT NOT NULL, versions TEXT NOT NULL);
CREATE INDEX endpoints_scan ON endpoints(scan_id);
CREATE TABLE findings (scan_id BIGINT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    rule TEXT NOT NULL, severity TEXT NOT NULL, record TEXT NOT NULL, label TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX findings_scan ON findings(scan_id);
CREATE TABLE levels (scan_id BIGINT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    requirement TEXT NOT NULL, level BIGINT NOT NULL, confidence TEXT NOT NULL);
", "
CREATE TABLE conformance (scan_id BIGINT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    requirement TEXT NOT NULL, records BIGINT NOT NULL, conforming BIGINT NOT NULL);
CREATE INDEX conformance_scan ON conformance(scan_id);
"];

/// An arbitrary constant for the migration advisory lock.
const MIGRATION_LOCK: i64 = 0x706b_696d_6d01;

/// The store.
pub struct PgStore {
    client: Client,
}

/// The location with any password removed, for messages.
pub fn redacted(location: &str) -> String {
    match location.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) => {
                let user = user.split(':').next().unwrap_or("");
                format!("{scheme}://{user}@{host}")
            }
            None => location.to_string(),
        },
        None => location.to_string(),
    }
}

impl PgStore {
    /// Connects and migrates. The password may come from
    /// `PKIMM_STORE_PASSWORD` instead of the URL.
    pub fn open(location: &str) -> Result<Self, HistoryError> {
        let mut config: postgres::Config =
            location.parse().map_err(|source| HistoryError::Open {
                location: redacted(location),
                source: Box::new(source),
            })?;
        if let Ok(password) = secret_from_env(PASSWORD_VARIABLE) {
            config.password(password.expose());
        }
        config.connect_timeout(std::time::Duration::from_secs(10));
        let mut client = config.connect(NoTls).map_err(|source| HistoryError::Open {
            location: redacted(location),
            source: Box::new(source),
        })?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS pkimm_schema (version BIGINT NOT NULL)")?;
        let version: i64 = tx
            .query_opt("SELECT MAX(version) FROM pkimm_schema", &[])?
            .and_then(|row| row.get::<_, Option<i64>>(0))
            .unwrap_or(0);
        for (i, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.batch_execute(migration)
                .map_err(|source| HistoryError::Migration {
                    location: redacted(location),
                    version: i + 1,
                    source: Box::new(source),
                })?;
            tx.execute(
                "INSERT INTO pkimm_schema (version) VALUES ($1)",
                &[&i64::try_from(i + 1).unwrap_or(i64::MAX)],
            )?;
        }
        tx.commit()?;
        Ok(Self { client })
    }
}

impl Backend for PgStore {
    /// Records one scan in one transaction.
    fn record(&mut self, scan: &ScanInput<'_>) -> Result<i64, HistoryError> {
        let bundle = serde_json::to_vec(scan.bundle)?;
        let mut tx = self.client.transaction()?;
        let row = tx.query_one(
            "INSERT INTO scans (job, agent, started, finished, summary, bundle) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &scan.job,
                &scan.agent,
                &scan.started.to_string(),
                &UtcTime::now().to_string(),
                &scan.summary(),
                &bundle,
            ],
        )?;
        let id: i64 = row.get(0);
        let insert = tx.prepare("INSERT INTO certificates VALUES ($1, $2, $3, $4)")?;
        for c in &scan.bundle.certificates {
            tx.execute(
                &insert,
                &[
                    &id,
                    &c.fingerprint_sha256.as_str(),
                    &c.subject.as_str(),
                    &c.not_after.to_string(),
                ],
            )?;
        }
        let insert = tx.prepare("INSERT INTO endpoints VALUES ($1, $2, $3, $4, $5)")?;
        for e in &scan.bundle.tls_endpoints {
            tx.execute(
                &insert,
                &[
                    &id,
                    &e.target,
                    &e.sni.clone().unwrap_or_default(),
                    &e.leaf.clone().unwrap_or_default(),
                    &e.versions.join(","),
                ],
            )?;
        }
        let insert = tx.prepare("INSERT INTO findings VALUES ($1, $2, $3, $4, $5, $6)")?;
        for f in scan.failing() {
            let record = ScanInput::record_key(f);
            tx.execute(
                &insert,
                &[
                    &id,
                    &&*f.rule,
                    &f.severity.name(),
                    &record,
                    &f.record.label,
                    &f.message,
                ],
            )?;
        }
        let insert = tx.prepare("INSERT INTO levels VALUES ($1, $2, $3, $4)")?;
        for (requirement, (level, confidence)) in scan.levels {
            tx.execute(&insert, &[&id, requirement, level, confidence])?;
        }
        let insert = tx.prepare("INSERT INTO conformance VALUES ($1, $2, $3, $4)")?;
        for (requirement, (records, conforming)) in scan.conformance {
            let records = i64::try_from(*records).unwrap_or(i64::MAX);
            let conforming = i64::try_from(*conforming).unwrap_or(i64::MAX);
            tx.execute(&insert, &[&id, requirement, &records, &conforming])?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Deletes scans older than `days`.
    fn retain(&mut self, days: u32) -> Result<usize, HistoryError> {
        let cutoff = cutoff(days);
        let n = self
            .client
            .execute("DELETE FROM scans WHERE finished < $1", &[&cutoff])?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// The newest scans first.
    fn list(&mut self, limit: usize) -> Result<Vec<ScanRow>, HistoryError> {
        let rows = self.client.query(
            "SELECT id, job, agent, started, finished, summary FROM scans ORDER BY id DESC LIMIT $1",
            &[&i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        Ok(rows
            .iter()
            .map(|r| ScanRow {
                id: r.get(0),
                job: r.get(1),
                agent: r.get(2),
                started: r.get(3),
                finished: r.get(4),
                summary: r.get(5),
            })
            .collect())
    }

    /// Endpoint observations of a job and agent, oldest first.
    fn endpoint_history(
        &mut self,
        job: &str,
        agent: &str,
    ) -> Result<Vec<EndpointRow>, HistoryError> {
        let sql = ENDPOINT_HISTORY_SQL.replace("?1", "$1").replace("?2", "$2");
        Ok(self
            .client
            .query(&sql, &[&job, &agent])?
            .iter()
            .map(|r| EndpointRow {
                scan: r.get(0),
                finished: r.get(1),
                endpoint: (r.get(2), r.get(3)),
                leaf: r.get(4),
                not_after: r.get(5),
            })
            .collect())
    }

    /// Conformance and failing findings of a job and agent's scans.
    fn conformance_history(
        &mut self,
        job: &str,
        agent: &str,
    ) -> Result<(Vec<ConformanceRow>, Vec<FailingRow>), HistoryError> {
        let pg = |sql: &str| sql.replace("?1", "$1").replace("?2", "$2");
        let conformance = self
            .client
            .query(&pg(CONFORMANCE_SQL), &[&job, &agent])?
            .iter()
            .map(|r| ConformanceRow {
                scan: r.get(0),
                started: r.get(1),
                requirement: r.get(2),
                records: r.get(3),
                conforming: r.get(4),
            })
            .collect();
        let failing = self
            .client
            .query(&pg(FAILING_SQL), &[&job, &agent])?
            .iter()
            .map(|r| FailingRow {
                scan: r.get(0),
                rule: r.get(1),
                record: r.get(2),
            })
            .collect();
        Ok((conformance, failing))
    }

    /// The bundles of the latest scan per (job, agent) finished after `since`.
    fn latest_bundles(&mut self, since: UtcTime) -> Result<Vec<EvidenceBundle>, HistoryError> {
        let rows = self.client.query(
            "SELECT bundle FROM scans WHERE id IN (SELECT MAX(id) FROM scans WHERE finished >= $1 GROUP BY job, agent)",
            &[&since.to_string()],
        )?;
        rows.iter()
            .map(|r| Ok(serde_json::from_slice(r.get::<_, &[u8]>(0))?))
            .collect()
    }

    /// What a scan saw.
    fn snapshot(&mut self, id: i64) -> Result<Option<Snapshot>, HistoryError> {
        if self
            .client
            .query_opt("SELECT id FROM scans WHERE id = $1", &[&id])?
            .is_none()
        {
            return Ok(None);
        }
        let mut snapshot = Snapshot::default();
        for r in self.client.query(
            "SELECT fingerprint, subject, not_after FROM certificates WHERE scan_id = $1",
            &[&id],
        )? {
            snapshot.certificates.insert(r.get(0), (r.get(1), r.get(2)));
        }
        for r in self.client.query(
            "SELECT target, sni, leaf, versions FROM endpoints WHERE scan_id = $1",
            &[&id],
        )? {
            snapshot
                .endpoints
                .insert((r.get(0), r.get(1)), (r.get(2), r.get(3)));
        }
        for r in self.client.query(
            "SELECT rule, record, severity, label FROM findings WHERE scan_id = $1",
            &[&id],
        )? {
            snapshot
                .findings
                .insert((r.get(0), r.get(1)), (r.get(2), r.get(3)));
        }
        let mut levels = BTreeMap::new();
        for r in self.client.query(
            "SELECT requirement, level FROM levels WHERE scan_id = $1",
            &[&id],
        )? {
            levels.insert(r.get(0), r.get(1));
        }
        snapshot.levels = levels;
        Ok(Some(snapshot))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redacted("postgres://pkimm:hunter2@db:5432/x"),
            "postgres://pkimm@db:5432/x"
        );
        assert_eq!(super::redacted("postgres://db/x"), "postgres://db/x");
    }
}
