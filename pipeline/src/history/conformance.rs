//! What the history keeps for effectiveness over time: each scan's
//! conformance per requirement and its failing findings, read back as the
//! pre-fill's [`History`].

use std::collections::BTreeMap;

use pkimm_model::evidence::UtcTime;
use pkimm_scoring::prefill::{History, PastScan};

/// One scan's conformance for one requirement; `requirement` is empty for
/// a scan that evidenced none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceRow {
    /// Scan id (order).
    pub scan: i64,
    /// When the scan started (RFC 3339).
    pub started: String,
    /// Requirement id.
    pub requirement: String,
    /// Records evaluated.
    pub records: i64,
    /// Of those, conforming.
    pub conforming: i64,
}

/// One failing finding of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingRow {
    /// Scan id.
    pub scan: i64,
    /// Rule id.
    pub rule: String,
    /// `kind:id`.
    pub record: String,
}

/// SQL for conformance rows (both stores; `?1`/`$1` job, `?2`/`$2` agent).
pub const CONFORMANCE_SQL: &str =
    "SELECT s.id, s.started, COALESCE(c.requirement, ''), COALESCE(c.records, 0), COALESCE(c.conforming, 0) \
     FROM scans s LEFT JOIN conformance c ON c.scan_id = s.id \
     WHERE s.job = ?1 AND s.agent = ?2 ORDER BY s.id";

/// SQL for failing findings of a job's scans.
pub const FAILING_SQL: &str = "SELECT s.id, f.rule, f.record FROM scans s \
     JOIN findings f ON f.scan_id = s.id WHERE s.job = ?1 AND s.agent = ?2";

/// The history the rows describe, oldest scan first.
pub fn assemble(conformance: Vec<ConformanceRow>, failing: Vec<FailingRow>) -> History {
    let mut scans: BTreeMap<i64, PastScan> = BTreeMap::new();
    for row in conformance {
        let Some(at) = UtcTime::parse(&row.started) else {
            continue;
        };
        let scan = scans.entry(row.scan).or_insert_with(|| PastScan {
            at: at.unix(),
            ..PastScan::default()
        });
        if !row.requirement.is_empty() {
            scan.conformance.insert(
                row.requirement,
                (
                    u64::try_from(row.records).unwrap_or(0),
                    u64::try_from(row.conforming).unwrap_or(0),
                ),
            );
        }
    }
    for row in failing {
        if let Some(scan) = scans.get_mut(&row.scan) {
            scan.failing.insert((row.rule, row.record));
        }
    }
    let mut scans: Vec<PastScan> = scans.into_values().collect();
    scans.sort_by_key(|s| s.at);
    History { scans }
}
