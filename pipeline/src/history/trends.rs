//! Renewal trends: how often endpoints' certificates were replaced across
//! scans, and with how much validity left.

use std::collections::{BTreeMap, BTreeSet};

use pkimm_model::evidence::{EvidenceBundle, Trends, UtcTime};

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

/// Rows for the endpoints of `current`, the scan being evaluated (it has no
/// id yet, so it sorts last).
pub fn current_rows(current: &EvidenceBundle) -> Vec<EndpointRow> {
    let now = UtcTime::now().to_string();
    current
        .tls_endpoints
        .iter()
        .filter_map(|e| {
            let leaf = e.leaf.as_ref()?;
            Some(EndpointRow {
                scan: i64::MAX,
                finished: now.clone(),
                endpoint: (e.target.clone(), e.sni.clone().unwrap_or_default()),
                leaf: leaf.clone(),
                not_after: current
                    .certificate(leaf)
                    .map(|c| c.not_after.to_string())
                    .unwrap_or_default(),
            })
        })
        .collect()
}
