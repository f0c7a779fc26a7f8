//! What rules see: each evidence record as a CEL map with every field present
//! (absent values are `""`, `0`, `-1`, `false` or `[]`, never missing), plus
//! facts derived from the whole bundle and the evaluation time.
//!
//! The field lists here are the rule-writing reference; `docs/rules.md` mirrors
//! them. Views are built by hand rather than through serde so that optional
//! fields are always present and no time is spent on fields rules never read
//! (the DER, the observation list).

use std::collections::{BTreeMap, HashMap, HashSet};

use pkimm_model::evidence::{
    Certificate, CertificateTemplate, Chain, Crl, DirectoryObject, EvidenceBundle, InventoryRecord,
    OcspCheck, Principal, TlsEndpoint, UtcTime,
};

use crate::context::{BundleIndex, CertificateFacts, InventoryFacts};
use crate::expr::{self, list, map, opt_string, string, strings, Value};

mod certificate;

pub use certificate::{certificate, certificate_record, CertificateView};

const DAY: f64 = 86_400.0;

fn int(value: impl TryInto<i64>) -> Value {
    Value::Int(value.try_into().unwrap_or(i64::MAX))
}

fn days_between(from: i64, to: i64) -> f64 {
    (to - from) as f64 / DAY
}

fn counts(map_in: &BTreeMap<String, u64>) -> Value {
    let map: HashMap<String, Value> = map_in.iter().map(|(k, v)| (k.clone(), int(*v))).collect();
    Value::from(map)
}

/// Weak TLS cipher suites by name: RC4, 3DES/DES, NULL, EXPORT, anonymous, MD5.
pub fn is_weak_cipher(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "RC4",
        "3DES",
        "DES_CBC",
        "DES40",
        "_NULL_",
        "NULL_WITH",
        "EXPORT",
        "_ANON_",
        "ANON_WITH",
        "_MD5",
        "RC2",
        "IDEA",
    ]
    .iter()
    .any(|pattern| n.contains(pattern))
        || n.ends_with("_NULL")
}

/// Cipher suites without forward secrecy (static RSA key exchange).
pub fn is_non_pfs_cipher(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.starts_with("TLS_RSA_WITH")
        || n.starts_with("SSL_RSA_WITH")
        || n.starts_with("TLS_DH_")
        || n.starts_with("TLS_ECDH_")
}

/// CBC suites with SHA-1 MACs.
pub fn is_cbc_sha1_cipher(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.contains("_CBC_") && n.ends_with("_SHA")
}

/// A CRL view.
pub fn crl(c: &Crl, index: &BundleIndex, now: i64) -> Value {
    let this_update = c.this_update.unix();
    let next_update = c.next_update.map(UtcTime::unix);
    map(vec![
        ("fingerprint", string(&c.fingerprint_sha256)),
        ("issuer", string(&c.issuer)),
        ("version", int(c.version)),
        ("crl_number", string(c.crl_number.as_deref().unwrap_or(""))),
        ("is_delta", Value::Bool(c.is_delta)),
        ("delta_base", string(c.delta_base.as_deref().unwrap_or(""))),
        (
            "base_available",
            Value::Bool(
                c.delta_base
                    .as_deref()
                    .is_some_and(|b| index.has_crl_number(&c.issuer, b)),
            ),
        ),
        ("this_update", int(this_update)),
        ("has_next_update", Value::Bool(next_update.is_some())),
        ("next_update", int(next_update.unwrap_or(0))),
        (
            "days_until_next_update",
            Value::Float(next_update.map_or(0.0, |n| days_between(now, n))),
        ),
        ("stale", Value::Bool(next_update.is_some_and(|n| n < now))),
        ("age_days", Value::Float(days_between(this_update, now))),
        (
            "validity_days",
            Value::Float(next_update.map_or(0.0, |n| days_between(this_update, n))),
        ),
        (
            "signature",
            map(vec![
                ("name", string(&c.signature.name)),
                ("hash", string(&c.signature.hash)),
                ("key_algorithm", string(&c.signature.key_algorithm)),
            ]),
        ),
        (
            "signature_checked",
            Value::Bool(c.signature_valid.is_some()),
        ),
        (
            "signature_valid",
            Value::Bool(c.signature_valid == Some(true)),
        ),
        ("entry_count", int(c.entry_count)),
        ("reasons", counts(&c.reasons)),
        ("size_bytes", int(c.size_bytes)),
        (
            "fetch_ms",
            int(c
                .fetch_ms
                .map_or(-1, |m| i64::try_from(m).unwrap_or(i64::MAX))),
        ),
        (
            "has_idp",
            Value::Bool(c.issuing_distribution_point.is_some()),
        ),
        (
            "idp_urls",
            strings(c.issuing_distribution_point.as_deref().unwrap_or(&[])),
        ),
        ("freshest_crl_urls", strings(&c.freshest_crl_urls)),
        (
            "delta_available",
            Value::Bool(index.has_delta_for(&c.issuer)),
        ),
        ("idp_checked", Value::Bool(c.idp_matches_url.is_some())),
        (
            "idp_matches_url",
            Value::Bool(c.idp_matches_url == Some(true)),
        ),
        (
            "previous_crl_number",
            string(c.previous_crl_number.as_deref().unwrap_or("")),
        ),
        ("fetched_over_http", Value::Bool(c.http.is_some())),
        (
            "http_max_age",
            int(c
                .http
                .as_ref()
                .and_then(|h| h.max_age_seconds)
                .map_or(-1, |m| i64::try_from(m).unwrap_or(i64::MAX))),
        ),
        (
            "http_has_expires",
            Value::Bool(c.http.as_ref().is_some_and(|h| h.expires.is_some())),
        ),
        (
            "http_has_validator",
            Value::Bool(
                c.http
                    .as_ref()
                    .is_some_and(|h| h.etag.is_some() || h.last_modified.is_some()),
            ),
        ),
        ("has_aki", Value::Bool(c.authority_key_id.is_some())),
        (
            "issuer_in_bundle",
            Value::Bool(index.has_subject(&c.issuer)),
        ),
        (
            "issuer_is_root",
            Value::Bool(index.is_root_subject(&c.issuer)),
        ),
        ("parse_warnings", strings(&c.parse_warnings)),
        (
            "sources",
            strings(
                &c.observations
                    .iter()
                    .map(|o| o.source.as_str())
                    .collect::<Vec<_>>(),
            ),
        ),
    ])
}

/// A TLS endpoint view.
pub fn tls_endpoint(e: &TlsEndpoint) -> Value {
    let legacy: Vec<&str> = e
        .versions
        .iter()
        .map(String::as_str)
        .filter(|v| matches!(*v, "SSLv2" | "SSLv3" | "TLSv1.0" | "TLSv1.1"))
        .collect();
    let weak: Vec<&str> = e
        .accepted_ciphers
        .iter()
        .map(String::as_str)
        .filter(|c| is_weak_cipher(c))
        .collect();
    let non_pfs: Vec<&str> = e
        .accepted_ciphers
        .iter()
        .map(String::as_str)
        .filter(|c| is_non_pfs_cipher(c))
        .collect();
    let cbc_sha1: Vec<&str> = e
        .accepted_ciphers
        .iter()
        .map(String::as_str)
        .filter(|c| is_cbc_sha1_cipher(c))
        .collect();
    map(vec![
        ("target", string(&e.target)),
        ("sni", string(e.sni.as_deref().unwrap_or(""))),
        ("ip", string(e.ip.as_deref().unwrap_or(""))),
        ("port", int(e.port)),
        ("starttls", string(e.starttls.as_deref().unwrap_or(""))),
        ("versions", strings(&e.versions)),
        ("legacy_versions", strings(&legacy)),
        (
            "supports_tls13",
            Value::Bool(e.versions.iter().any(|v| v == "TLSv1.3")),
        ),
        (
            "negotiated",
            list(
                e.negotiated
                    .iter()
                    .map(|n| {
                        map(vec![
                            ("version", string(&n.version)),
                            ("cipher", string(&n.cipher)),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("accepted_ciphers", strings(&e.accepted_ciphers)),
        ("weak_ciphers", strings(&weak)),
        ("non_pfs_ciphers", strings(&non_pfs)),
        ("cbc_sha1_ciphers", strings(&cbc_sha1)),
        ("alpn", string(e.alpn.as_deref().unwrap_or(""))),
        ("ocsp_stapled", Value::Bool(e.ocsp_stapled)),
        (
            "ocsp_staple_status",
            string(e.ocsp_staple_status.as_deref().unwrap_or("")),
        ),
        (
            "ocsp_staple_next_update",
            int(e.ocsp_staple_next_update.map_or(-1, UtcTime::unix)),
        ),
        ("tls_sct_count", int(e.tls_sct_count)),
        ("leaf", string(e.leaf.as_deref().unwrap_or(""))),
        (
            "handshake_ms",
            int(e
                .handshake_ms
                .map_or(-1, |m| i64::try_from(m).unwrap_or(i64::MAX))),
        ),
        ("errors", strings(&e.errors)),
        ("reachable", Value::Bool(!e.versions.is_empty())),
    ])
}

/// An OCSP check view.
pub fn ocsp_check(o: &OcspCheck, index: &BundleIndex, bundle: &EvidenceBundle, now: i64) -> Value {
    let next_update = o.next_update.map(UtcTime::unix);
    let issuer = bundle
        .certificate(&o.certificate)
        .map(|c| c.issuer.as_str());
    let crl_reason = issuer.and_then(|i| index.revocation(i, &o.serial));
    map(vec![
        ("certificate", string(&o.certificate)),
        ("serial", string(&o.serial)),
        ("responder_url", string(&o.responder_url)),
        (
            "response_status",
            string(o.response_status.as_deref().unwrap_or("")),
        ),
        (
            "cert_status",
            string(o.cert_status.as_deref().unwrap_or("")),
        ),
        (
            "revocation_reason",
            string(o.revocation_reason.as_deref().unwrap_or("")),
        ),
        ("produced_at", int(o.produced_at.map_or(0, UtcTime::unix))),
        ("this_update", int(o.this_update.map_or(0, UtcTime::unix))),
        ("has_next_update", Value::Bool(next_update.is_some())),
        ("next_update", int(next_update.unwrap_or(0))),
        ("stale", Value::Bool(next_update.is_some_and(|n| n < now))),
        (
            "age_hours",
            Value::Float(
                o.produced_at
                    .map_or(0.0, |p| (now - p.unix()) as f64 / 3600.0),
            ),
        ),
        (
            "responder_authorisation",
            string(o.responder_authorisation.as_deref().unwrap_or("")),
        ),
        (
            "signature_checked",
            Value::Bool(o.signature_valid.is_some()),
        ),
        (
            "signature_valid",
            Value::Bool(o.signature_valid == Some(true)),
        ),
        ("nonce_sent", Value::Bool(o.nonce_sent)),
        ("nonce_echoed", Value::Bool(o.nonce_echoed == Some(true))),
        (
            "latency_ms",
            int(o
                .latency_ms
                .map_or(-1, |m| i64::try_from(m).unwrap_or(i64::MAX))),
        ),
        ("errors", strings(&o.errors)),
        ("reachable", Value::Bool(o.response_status.is_some())),
        ("crl_revoked", Value::Bool(crl_reason.is_some())),
        ("crl_reason", opt_string(crl_reason)),
    ])
}

/// An inventory row view.
pub fn inventory_record(r: &InventoryRecord, facts: &InventoryFacts, now: i64) -> Value {
    let not_after = r.not_after.map(UtcTime::unix);
    map(vec![
        ("serial", string(&r.serial)),
        ("issuer", string(r.issuer.as_deref().unwrap_or(""))),
        (
            "fingerprint",
            string(r.fingerprint_sha256.as_deref().unwrap_or("")),
        ),
        ("subject", string(r.subject.as_deref().unwrap_or(""))),
        ("has_not_after", Value::Bool(not_after.is_some())),
        ("not_after", int(not_after.unwrap_or(0))),
        (
            "days_until_expiry",
            Value::Float(not_after.map_or(0.0, |n| days_between(now, n))),
        ),
        ("expired", Value::Bool(not_after.is_some_and(|n| n < now))),
        ("status", string(r.status.as_deref().unwrap_or(""))),
        ("owner", string(r.owner.as_deref().unwrap_or(""))),
        ("discovered", Value::Bool(facts.discovered)),
        ("deployed", Value::Bool(facts.deployed)),
    ])
}

/// EKUs that allow authentication to AD: client auth, PKINIT client, smart
/// card logon, any purpose.
const AUTHENTICATION_EKUS: &[&str] = &[
    "1.3.6.1.5.5.7.3.2",
    "1.3.6.1.5.2.3.4",
    "1.3.6.1.4.1.311.20.2.2",
    "2.5.29.37.0",
];

fn principal_names(principals: &[Principal], low_only: bool) -> Value {
    let names: Vec<&str> = principals
        .iter()
        .filter(|p| !low_only || p.low_privileged)
        .map(|p| {
            if p.name.is_empty() {
                p.sid.as_str()
            } else {
                p.name.as_str()
            }
        })
        .collect();
    strings(&names)
}

fn template_view(t: &CertificateTemplate) -> Value {
    let has = |list: &[String], item: &str| list.iter().any(|x| x == item);
    let any_purpose = t.ekus.is_empty() || has(&t.ekus, "2.5.29.37.0");
    map(vec![
        ("name", string(&t.name)),
        ("schema_version", int(t.schema_version)),
        ("name_flags", strings(&t.name_flags)),
        ("enrollment_flags", strings(&t.enrollment_flags)),
        ("private_key_flags", strings(&t.private_key_flags)),
        ("ekus", strings(&t.ekus)),
        (
            "authentication_eku",
            Value::Bool(
                t.ekus.is_empty()
                    || t.ekus
                        .iter()
                        .any(|e| AUTHENTICATION_EKUS.contains(&e.as_str())),
            ),
        ),
        ("any_purpose", Value::Bool(any_purpose)),
        (
            "request_agent",
            Value::Bool(has(&t.ekus, "1.3.6.1.4.1.311.20.2.1")),
        ),
        (
            "enrollee_supplies_subject",
            Value::Bool(has(&t.name_flags, "ENROLLEE_SUPPLIES_SUBJECT")),
        ),
        (
            "manager_approval",
            Value::Bool(has(&t.enrollment_flags, "PEND_ALL_REQUESTS")),
        ),
        (
            "no_security_extension",
            Value::Bool(has(&t.enrollment_flags, "NO_SECURITY_EXTENSION")),
        ),
        ("ra_signatures", int(t.ra_signatures)),
        ("minimal_key_size", int(t.minimal_key_size)),
        (
            "validity_days",
            Value::Float(t.validity_days.unwrap_or(-1.0)),
        ),
        ("issuance_policies", strings(&t.issuance_policies)),
        ("issuance_policy_groups", strings(&t.issuance_policy_groups)),
        (
            "enroll_principals",
            principal_names(&t.enroll_principals, false),
        ),
        (
            "low_privileged_enroll",
            principal_names(&t.enroll_principals, true),
        ),
        (
            "write_principals",
            principal_names(&t.write_principals, false),
        ),
        (
            "low_privileged_write",
            principal_names(&t.write_principals, true),
        ),
        ("published", Value::Bool(!t.published_by.is_empty())),
        ("published_by", strings(&t.published_by)),
    ])
}

/// A directory object view.
pub fn directory_object(o: &DirectoryObject) -> Value {
    let attributes: HashMap<String, Value> = o
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), strings(v)))
        .collect();
    map(vec![
        ("dn", string(&o.dn)),
        ("kind", string(&o.kind)),
        ("object_classes", strings(&o.object_classes)),
        ("attributes", Value::from(attributes)),
        ("certificates", strings(&o.certificates)),
        ("crls", strings(&o.crls)),
        (
            "ca_in_ntauth",
            Value::Bool(
                o.attributes
                    .get("ca_in_ntauth")
                    .is_some_and(|v| v.first().is_some_and(|x| x == "true")),
            ),
        ),
        (
            "ca_in_aia",
            Value::Bool(
                o.attributes
                    .get("ca_in_aia")
                    .is_some_and(|v| v.first().is_some_and(|x| x == "true")),
            ),
        ),
        ("is_template", Value::Bool(o.template.is_some())),
        (
            "template",
            o.template.as_ref().map_or_else(
                || template_view(&CertificateTemplate::default()),
                template_view,
            ),
        ),
    ])
}

/// A served chain view.
pub fn chain(c: &Chain) -> Value {
    map(vec![
        ("certificates", strings(&c.certificates)),
        ("length", int(c.certificates.len())),
        ("ordered", Value::Bool(c.ordered)),
        ("complete", Value::Bool(c.complete)),
        ("valid", Value::Bool(c.validation.valid)),
        ("reason", string(&c.validation.reason)),
        ("trust_store", string(&c.validation.trust_store)),
        ("source", string(&c.provenance.source)),
    ])
}

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
            .map(|n| n.to_ascii_lowercase())
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
            .entry(c.signature.hash.clone())
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

/// A neutral record of each kind, with every field: the base that rule test
/// cases override, and the shape load-time checks evaluate expressions against.
pub fn sample(kind: crate::EvidenceKind, now: i64) -> Value {
    use crate::EvidenceKind as K;
    use pkimm_model::evidence::*;
    let t = |s: i64| UtcTime::from_unix(s).unwrap_or_else(UtcTime::now);
    let provenance = Provenance {
        collector: "test".into(),
        source: "sample".into(),
        method: "sample".into(),
        collected_at: t(now),
        agent: None,
    };
    match kind {
        K::Certificate => {
            let cert = Certificate {
                fingerprint_sha256: "0".repeat(64),
                spki_sha256: "1".repeat(64),
                version: 3,
                serial: "4a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
                serial_bits: 127,
                subject: "CN=www.example.test, O=Example".into(),
                subject_cn: vec!["www.example.test".into()],
                issuer: "CN=Example Issuing CA, O=Example".into(),
                not_before: t(now - 30 * 86_400),
                not_after: t(now + 60 * 86_400),
                validity_days: 90.0,
                key: PublicKeyInfo {
                    algorithm: KeyAlgorithm::Ec,
                    oid: "1.2.840.10045.2.1".into(),
                    bits: 256,
                    curve: Some("P-256".into()),
                    rsa_exponent: None,
                    quantum_vulnerable: true,
                },
                signature: SignatureInfo {
                    name: "ecdsa-with-SHA256".into(),
                    oid: "1.2.840.10045.4.3.2".into(),
                    hash: "sha256".into(),
                    key_algorithm: "ec".into(),
                },
                san: SubjectAltNames {
                    dns: vec!["www.example.test".into()],
                    ..SubjectAltNames::default()
                },
                has_san: true,
                key_usage: Some(vec!["digitalSignature".into()]),
                extended_key_usage: Some(vec!["serverAuth".into()]),
                basic_constraints: Some(BasicConstraints { ca: false, path_len: None, critical: true }),
                policies: vec!["2.23.140.1.2.1".into()],
                ocsp_urls: vec!["http://ocsp.example.test".into(), "http://ocsp2.example.test".into()],
                ca_issuer_urls: vec!["http://pki.example.test/ca.crt".into()],
                has_aia: true,
                crl_urls: vec!["http://pki.example.test/ca.crl".into(), "ldap://pki.example.test/ca".into()],
                has_cdp: true,
                sct_count: 2,
                name_constraints: None,
                subject_key_id: Some("aa".into()),
                authority_key_id: Some("bb".into()),
                self_issued: false,
                self_signed: false,
                extensions: Vec::new(),
                parse_warnings: Vec::new(),
                der: Default::default(),
                observations: vec![provenance],
            };
            let facts = CertificateFacts {
                spki_shared_count: 1,
                key_hosts: 1,
                issuer_in_bundle: true,
                chain_to_root: true,
                ..CertificateFacts::default()
            };
            certificate(&cert, &facts, now)
        }
        K::Crl => {
            let c = Crl {
                fingerprint_sha256: "2".repeat(64),
                issuer: "CN=Example Issuing CA, O=Example".into(),
                version: 2,
                crl_number: Some("10".into()),
                delta_base: None,
                is_delta: false,
                freshest_crl_urls: Vec::new(),
                issuing_distribution_point: None,
                authority_key_id: Some("bb".into()),
                this_update: t(now - 3600),
                next_update: Some(t(now + 6 * 86_400)),
                signature: SignatureInfo {
                    name: "ecdsa-with-SHA256".into(),
                    oid: "1.2.840.10045.4.3.2".into(),
                    hash: "sha256".into(),
                    key_algorithm: "ec".into(),
                },
                signature_valid: Some(true),
                verified_with: None,
                entry_count: 0,
                reasons: BTreeMap::new(),
                entries: Vec::new(),
                entries_complete: true,
                size_bytes: 1000,
                fetch_ms: Some(20),
                http: None,
                idp_matches_url: Some(true),
                previous_crl_number: None,
                parse_warnings: Vec::new(),
                der: None,
                observations: Vec::new(),
            };
            let index = BundleIndex::new(&EvidenceBundle::new("sample"));
            let mut view = crl(&c, &index, now);
            view = expr::merge(&view, &map(vec![("issuer_in_bundle", Value::Bool(true))]));
            view
        }
        K::TlsEndpoint => tls_endpoint(&TlsEndpoint {
            target: "www.example.test:443".into(),
            sni: Some("www.example.test".into()),
            ip: Some("192.0.2.10".into()),
            resolved: vec!["192.0.2.10".into()],
            port: 443,
            starttls: None,
            versions: vec!["TLSv1.3".into(), "TLSv1.2".into()],
            negotiated: vec![NegotiatedCipher {
                version: "TLSv1.3".into(),
                cipher: "TLS_AES_128_GCM_SHA256".into(),
            }],
            accepted_ciphers: vec!["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into()],
            alpn: Some("h2".into()),
            ocsp_stapled: true,
            ocsp_staple_status: Some("good".into()),
            ocsp_staple_next_update: Some(t(now + 86_400)),
            tls_sct_count: 0,
            leaf: Some("0".repeat(64)),
            handshake_ms: Some(12),
            errors: Vec::new(),
            provenance,
        }),
        K::OcspCheck => {
            let check = OcspCheck {
                certificate: "0".repeat(64),
                serial: "4a1b".into(),
                responder_url: "http://ocsp.example.test".into(),
                response_status: Some("successful".into()),
                cert_status: Some("good".into()),
                revocation_reason: None,
                produced_at: Some(t(now - 600)),
                this_update: Some(t(now - 600)),
                next_update: Some(t(now + 86_400)),
                responder_authorisation: Some("delegated".into()),
                signature_valid: Some(true),
                nonce_sent: true,
                nonce_echoed: Some(true),
                latency_ms: Some(40),
                errors: Vec::new(),
                provenance,
            };
            let empty = EvidenceBundle::new("sample");
            ocsp_check(&check, &BundleIndex::new(&empty), &empty, now)
        }
        K::InventoryRecord => inventory_record(
            &InventoryRecord {
                serial: "4a1b".into(),
                issuer: Some("CN=Example Issuing CA, O=Example".into()),
                fingerprint_sha256: None,
                subject: Some("www.example.test".into()),
                not_after: Some(t(now + 60 * 86_400)),
                status: Some("issued".into()),
                owner: Some("web".into()),
                extra: BTreeMap::new(),
                provenance,
            },
            &InventoryFacts {
                discovered: true,
                deployed: true,
            },
            now,
        ),
        K::DirectoryObject => directory_object(&DirectoryObject {
            dn: "CN=Example,CN=Certificate Templates,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test".into(),
            object_classes: vec!["top".into(), "pKICertificateTemplate".into()],
            kind: "certificate_template".into(),
            attributes: BTreeMap::new(),
            certificates: Vec::new(),
            crls: Vec::new(),
            template: Some(CertificateTemplate {
                name: "Example".into(),
                schema_version: 2,
                ekus: vec!["1.3.6.1.5.5.7.3.1".into()],
                minimal_key_size: 2048,
                validity_days: Some(365.0),
                enroll_principals: vec![Principal {
                    sid: "S-1-5-21-1-2-3-512".into(),
                    name: "Domain Admins".into(),
                    low_privileged: false,
                }],
                published_by: vec!["Example CA".into()],
                ..Default::default()
            }),
            provenance,
        }),
        K::Chain => chain(&Chain {
            certificates: vec!["0".repeat(64), "3".repeat(64)],
            ordered: true,
            complete: true,
            validation: ChainValidation {
                valid: true,
                reason: String::new(),
                trust_store: "system".into(),
            },
            provenance,
        }),
        K::Bundle => bundle(&EvidenceBundle::new("sample"), now),
    }
}
