//! The whole-bundle view: what rules see as `bundle`.

use std::collections::{BTreeMap, HashMap, HashSet};

use pkimm_model::evidence::{Certificate, EvidenceBundle};

use super::{counts, days_between, fd, int, FieldDoc};
use crate::expr::{map, Value};

/// Renewal statistics: certificates for the same set of names, in issue order.
#[derive(Debug, Default, Clone, Copy)]
struct Renewals {
    total: usize,
    before_expiry: usize,
    median_interval_days: f64,
}

fn renewals(certificates: &[Certificate]) -> Renewals {
    let mut groups: HashMap<Vec<String>, Vec<&Certificate>> = HashMap::new();
    for c in certificates.iter().filter(|c| !c.is_ca()) {
        let mut names: Vec<String> = c
            .san
            .dns
            .iter()
            .chain(&c.subject_cn)
            .map(|n| n.as_str().to_ascii_lowercase())
            .collect();
        names.sort();
        names.dedup();
        if !names.is_empty() {
            groups.entry(names).or_default().push(c);
        }
    }
    let mut result = Renewals::default();
    let mut intervals = Vec::new();
    for group in groups.values_mut() {
        group.sort_by_key(|c| c.not_before);
        for pair in group.windows(2) {
            result.total += 1;
            if pair[1].not_before <= pair[0].not_after {
                result.before_expiry += 1;
            }
            intervals.push(days_between(
                pair[0].not_before.unix(),
                pair[1].not_before.unix(),
            ));
        }
    }
    intervals.sort_by(f64::total_cmp);
    if !intervals.is_empty() {
        result.median_interval_days = intervals[intervals.len() / 2];
    }
    result
}

/// What each field of `bundle` holds.
pub const FIELD_DOCS: &[FieldDoc] = &[
    fd(
        "history_scans",
        "history: earlier scans of the job considered (scan jobs only)",
    ),
    fd(
        "history_renewals",
        "history: times an endpoint's certificate was replaced",
    ),
    fd(
        "history_renewals_before_expiry",
        "history: replacements made before the old certificate expired",
    ),
    fd(
        "history_median_lead_days",
        "history: median days left on the old certificate at replacement (-1 when none)",
    ),
    fd("certificate_count", "certificates"),
    fd("leaf_count", "non-CA certificates"),
    fd("ca_count", "CA certificates"),
    fd("expired_leaf_count", "non-CA certificates already expired"),
    fd("crl_count", "CRLs"),
    fd("endpoint_count", "TLS endpoints"),
    fd("ocsp_check_count", "OCSP checks"),
    fd("inventory_count", "inventory rows"),
    fd("failure_count", "failed observations"),
    fd("key_algorithms", "map from key algorithm to certificates"),
    fd("distinct_key_algorithms", "key algorithms in use"),
    fd(
        "unknown_key_algorithm_count",
        "certificates whose key algorithm pkimm does not know",
    ),
    fd(
        "signature_hashes",
        "map from signature digest to certificates",
    ),
    fd(
        "quantum_vulnerable_count",
        "certificates with quantum-vulnerable keys",
    ),
    fd(
        "quantum_vulnerable_ratio",
        "their share of all certificates (0 to 1)",
    ),
    fd(
        "short_lived_leaf_count",
        "non-CA certificates valid for 90 days or less",
    ),
    fd(
        "short_lived_ratio",
        "their share of non-CA certificates (0 to 1)",
    ),
    fd("root_count", "distinct self-signed CA subjects"),
    fd("distinct_crl_urls", "distinct CRL URLs in certificates"),
    fd("distinct_ocsp_urls", "distinct OCSP URLs in certificates"),
    fd(
        "renewals_total",
        "certificates that replaced one for the same names",
    ),
    fd(
        "renewals_before_expiry",
        "of those, issued before the previous one expired",
    ),
    fd(
        "renewals_after_expiry",
        "of those, issued after the previous one expired",
    ),
    fd(
        "median_reissue_interval_days",
        "median days between issues for the same names",
    ),
];

/// The whole-bundle view.
pub fn bundle(b: &EvidenceBundle, now: i64) -> Value {
    let certs = &b.certificates;
    let leaves: Vec<&Certificate> = certs.iter().filter(|c| !c.is_ca()).collect();
    let mut key_algorithms: BTreeMap<String, u64> = BTreeMap::new();
    let mut signature_hashes: BTreeMap<String, u64> = BTreeMap::new();
    for c in certs {
        *key_algorithms
            .entry(c.key.algorithm.name().to_string())
            .or_default() += 1;
        *signature_hashes
            .entry(c.signature.hash.to_string())
            .or_default() += 1;
    }
    let quantum_vulnerable = certs.iter().filter(|c| c.key.quantum_vulnerable).count();
    let short_lived = leaves.iter().filter(|c| c.validity_days <= 90.0).count();
    let roots: HashSet<&str> = certs
        .iter()
        .filter(|c| c.self_signed && c.is_ca())
        .map(|c| c.subject.as_str())
        .collect();
    let crl_urls: HashSet<&str> = certs
        .iter()
        .flat_map(|c| c.crl_urls.iter().map(String::as_str))
        .collect();
    let ocsp_urls: HashSet<&str> = certs
        .iter()
        .flat_map(|c| c.ocsp_urls.iter().map(String::as_str))
        .collect();
    let renewals = renewals(certs);
    let ratio = |part: usize, whole: usize| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };
    let expired_leaves = leaves.iter().filter(|c| c.not_after.unix() < now).count();
    let trends = b.trends.clone().unwrap_or_default();
    map(vec![
        ("history_scans", int(trends.scans)),
        ("history_renewals", int(trends.renewals)),
        (
            "history_renewals_before_expiry",
            int(trends.renewals_before_expiry),
        ),
        (
            "history_median_lead_days",
            Value::Float(trends.median_lead_days.unwrap_or(-1.0)),
        ),
        ("certificate_count", int(certs.len())),
        ("leaf_count", int(leaves.len())),
        ("ca_count", int(certs.len() - leaves.len())),
        ("expired_leaf_count", int(expired_leaves)),
        ("crl_count", int(b.crls.len())),
        ("endpoint_count", int(b.tls_endpoints.len())),
        ("ocsp_check_count", int(b.ocsp_checks.len())),
        ("inventory_count", int(b.inventory.len())),
        ("failure_count", int(b.failures.len())),
        ("key_algorithms", counts(&key_algorithms)),
        ("distinct_key_algorithms", int(key_algorithms.len())),
        (
            "unknown_key_algorithm_count",
            int(key_algorithms.get("unknown").copied().unwrap_or(0)),
        ),
        ("signature_hashes", counts(&signature_hashes)),
        ("quantum_vulnerable_count", int(quantum_vulnerable)),
        (
            "quantum_vulnerable_ratio",
            Value::Float(ratio(quantum_vulnerable, certs.len())),
        ),
        ("short_lived_leaf_count", int(short_lived)),
        (
            "short_lived_ratio",
            Value::Float(ratio(short_lived, leaves.len())),
        ),
        ("root_count", int(roots.len())),
        ("distinct_crl_urls", int(crl_urls.len())),
        ("distinct_ocsp_urls", int(ocsp_urls.len())),
        ("renewals_total", int(renewals.total)),
        ("renewals_before_expiry", int(renewals.before_expiry)),
        (
            "renewals_after_expiry",
            int(renewals.total - renewals.before_expiry),
        ),
        (
            "median_reissue_interval_days",
            Value::Float(renewals.median_interval_days),
        ),
    ])
}
