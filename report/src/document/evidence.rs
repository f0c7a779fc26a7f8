//! The evidence tables of a report: certificates expiring or weak, TLS
//! endpoints, CRL and OCSP health, and every certificate's expiry (for the
//! Prometheus exposition).

use std::collections::BTreeMap;

use pkimm_model::evidence::{EvidenceBundle, KeyAlgorithm, UtcTime};
use schemars::JsonSchema;
use serde::Serialize;

use super::EXPIRING_DAYS;

/// Evidence tables for people.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct EvidenceTables {
    /// Certificates expired or expiring within 30 days, soonest first.
    pub expiring: Vec<CertificateRow>,
    /// Certificates with weak keys or signatures.
    pub weak_crypto: Vec<CertificateRow>,
    /// TLS endpoints per protocol version.
    pub endpoints_by_version: BTreeMap<String, u32>,
    /// Every TLS endpoint.
    pub endpoints: Vec<EndpointRow>,
    /// CRL health.
    pub crls: Vec<CrlRow>,
    /// OCSP health.
    pub ocsp: Vec<OcspRow>,
    /// Where the keys of CA and deployed certificates are, when PKCS#11
    /// tokens were read: on a hardware token, a software token, or none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_locations: Vec<KeyLocationRow>,
    /// The enrolment endpoints probed and what each offers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enrolment: Vec<EnrolmentRow>,
    /// Every certificate's expiry, for the Prometheus exposition. Not in the
    /// JSON, which lists the expiring and weak certificates above.
    #[serde(skip)]
    pub certificates: Vec<CertificateExpiry>,
}

/// One enrolment endpoint in a table.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EnrolmentRow {
    /// The URL probed.
    pub url: String,
    /// `acme`, `scep`, `cmp` or `est`.
    pub protocol: String,
    /// What it offers, in words (`renewalInfo; external account required`,
    /// `SHA-256, AES, POSTPKIOperation`, `versions 2; protection required`).
    pub offers: String,
    /// CA (and RA) certificates it gave out.
    pub ca_certificates: usize,
    /// TLS versions the endpoint accepts (empty when not scanned).
    pub tls_versions: Vec<String>,
    /// Problems with secondary requests.
    pub errors: Vec<String>,
}

/// When one certificate expires, and where it was first seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateExpiry {
    /// SHA-256 fingerprint.
    pub fingerprint: String,
    /// Subject.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Where it was first seen.
    pub source: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// Start of validity.
    pub not_before: UtcTime,
    /// Expiry.
    pub not_after: UtcTime,
}

/// One certificate in a table.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CertificateRow {
    /// SHA-256 fingerprint.
    pub fingerprint: String,
    /// Subject.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Expiry.
    pub not_after: UtcTime,
    /// Days until expiry (negative when expired).
    pub days_left: i64,
    /// Key, such as `RSA 1024`.
    pub key: String,
    /// Signature algorithm.
    pub signature: String,
    /// Where it was seen.
    pub sources: Vec<String>,
    /// Why it is listed.
    pub issue: String,
}

/// Where one certificate's private key is.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyLocationRow {
    /// Subject.
    pub subject: String,
    /// SHA-256 fingerprint.
    pub fingerprint: String,
    /// `CA` or `deployed` (served by a TLS endpoint), or both.
    pub role: String,
    /// The private key is on a token that was read.
    pub on_token: bool,
    /// That token is in a hardware slot.
    pub hardware: bool,
    /// In words: `hardware token `L``, `software token `L``, or `not on any token read`.
    pub location: String,
}

/// One TLS endpoint.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EndpointRow {
    /// `host:port`.
    pub target: String,
    /// SNI name.
    pub sni: Option<String>,
    /// Accepted versions.
    pub versions: Vec<String>,
    /// Weak suites accepted.
    pub weak_ciphers: Vec<String>,
    /// Whether an OCSP response was stapled.
    pub ocsp_stapled: bool,
    /// Whether the chain validated.
    pub chain_valid: Option<bool>,
    /// Errors.
    pub errors: Vec<String>,
}

/// One CRL.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CrlRow {
    /// Where it came from.
    pub source: String,
    /// Issuer.
    pub issuer: String,
    /// nextUpdate.
    pub next_update: Option<UtcTime>,
    /// Fresh at evaluation time.
    pub fresh: bool,
    /// Revoked entries.
    pub entries: u64,
    /// Whether the signature verified, when checked.
    pub signature_valid: Option<bool>,
}

/// One OCSP check.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OcspRow {
    /// Responder URL.
    pub url: String,
    /// Certificate status.
    pub status: Option<String>,
    /// Latency.
    pub latency_ms: Option<u64>,
    /// Whether the responder answered successfully.
    pub up: bool,
}

pub(super) fn key_text(c: &pkimm_model::evidence::Certificate) -> String {
    let algorithm = match c.key.algorithm {
        KeyAlgorithm::Rsa | KeyAlgorithm::RsaPss => "RSA",
        KeyAlgorithm::Ec => "EC",
        KeyAlgorithm::Ed25519 => "Ed25519",
        KeyAlgorithm::Ed448 => "Ed448",
        KeyAlgorithm::Dsa => "DSA",
        KeyAlgorithm::MlDsa => "ML-DSA",
        KeyAlgorithm::SlhDsa => "SLH-DSA",
        _ => "other",
    };
    match &c.key.curve {
        Some(curve) => format!("{algorithm} {curve}"),
        None if c.key.bits > 0 => format!("{algorithm} {}", c.key.bits),
        None => algorithm.to_string(),
    }
}

impl EvidenceTables {
    /// The tables of `bundle` as of `now` (Unix seconds).
    pub fn from_bundle(bundle: &EvidenceBundle, now: i64) -> Self {
        evidence_tables(bundle, now)
    }
}

/// The key location of every CA and deployed certificate, when tokens were read.
fn key_locations(bundle: &EvidenceBundle) -> Vec<KeyLocationRow> {
    if bundle.tokens.is_empty() {
        return Vec::new();
    }
    let served: std::collections::HashSet<&str> = bundle
        .tls_endpoints
        .iter()
        .filter_map(|e| e.leaf.as_deref())
        .collect();
    let mut rows = Vec::new();
    for c in &bundle.certificates {
        let role = match (c.is_ca(), served.contains(c.fingerprint_sha256.as_str())) {
            (true, true) => "CA, deployed",
            (true, false) => "CA",
            (false, true) => "deployed",
            (false, false) => continue,
        };
        let key = bundle.keys.iter().find(|k| {
            k.class == pkimm_model::evidence::KeyClass::Private
                && k.spki_sha256.as_deref() == Some(c.spki_sha256.as_str())
        });
        let token = key.and_then(|k| {
            bundle
                .tokens
                .iter()
                .find(|t| t.serial_number == k.token_serial)
        });
        let hardware = token.is_some_and(|t| t.hardware_slot);
        rows.push(KeyLocationRow {
            subject: c.subject.to_string(),
            fingerprint: c.fingerprint_sha256.to_string(),
            role: role.to_string(),
            on_token: key.is_some(),
            hardware,
            location: match (key, token) {
                (Some(k), Some(t)) => format!(
                    "{} token `{}` ({} {}), key `{}`",
                    if hardware { "hardware" } else { "software" },
                    t.label,
                    t.manufacturer,
                    t.model,
                    k.label
                ),
                (Some(k), None) => format!("token `{}`, key `{}`", k.token_label, k.label),
                _ => "not on any token read".to_string(),
            },
        });
    }
    rows.sort_by(|a, b| (a.on_token, &a.subject).cmp(&(b.on_token, &b.subject)));
    rows
}

/// What each enrolment endpoint offers.
fn enrolment_rows(bundle: &EvidenceBundle) -> Vec<EnrolmentRow> {
    bundle
        .enrolment_endpoints
        .iter()
        .map(|e| {
            let mut offers = Vec::new();
            if let Some(acme) = &e.acme {
                offers.push(if acme.renewal_info {
                    "renewalInfo (ARI)".to_string()
                } else {
                    "no renewalInfo".to_string()
                });
                if acme.external_account_required {
                    offers.push("external account required".to_string());
                }
                if !acme.profiles.is_empty() {
                    let names: Vec<&str> = acme.profiles.keys().map(String::as_str).collect();
                    offers.push(format!("profiles {}", names.join(", ")));
                }
                if !acme.renewal_windows.is_empty() {
                    offers.push(format!("{} renewal windows", acme.renewal_windows.len()));
                }
            }
            if let Some(scep) = &e.scep {
                offers.push(if scep.capabilities.is_empty() {
                    "no capabilities listed".to_string()
                } else {
                    scep.capabilities.join(", ")
                });
            }
            if let Some(cmp) = &e.cmp {
                let versions: Vec<String> =
                    cmp.versions_accepted.iter().map(u8::to_string).collect();
                offers.push(if versions.is_empty() {
                    "no version answered".to_string()
                } else {
                    format!("version {}", versions.join(", "))
                });
                if cmp.protection_required {
                    offers.push("protection required".to_string());
                }
            }
            if let Some(est) = &e.est {
                offers.push(format!("{} CSR attributes", est.csr_attributes.len()));
            }
            EnrolmentRow {
                url: e.url.clone(),
                protocol: e.protocol.name().to_string(),
                offers: offers.join("; "),
                ca_certificates: e.ca_certificates.len(),
                tls_versions: e
                    .tls
                    .as_ref()
                    .map(|t| t.versions.clone())
                    .unwrap_or_default(),
                errors: e.errors.clone(),
            }
        })
        .collect()
}

fn evidence_tables(bundle: &EvidenceBundle, now: i64) -> EvidenceTables {
    let mut tables = EvidenceTables {
        key_locations: key_locations(bundle),
        enrolment: enrolment_rows(bundle),
        ..EvidenceTables::default()
    };
    for c in &bundle.certificates {
        tables.certificates.push(CertificateExpiry {
            fingerprint: c.fingerprint_sha256.to_string(),
            subject: c.subject.to_string(),
            issuer: c.issuer.to_string(),
            source: c
                .observations
                .first()
                .map(|o| o.source.clone())
                .unwrap_or_default(),
            serial: c.serial.to_string(),
            not_before: c.not_before,
            not_after: c.not_after,
        });
        let days_left = (c.not_after.unix() - now).div_euclid(86_400);
        let row = |issue: String| CertificateRow {
            fingerprint: c.fingerprint_sha256.to_string(),
            subject: c.subject.to_string(),
            issuer: c.issuer.to_string(),
            not_after: c.not_after,
            days_left,
            key: key_text(c),
            signature: c.signature.name.to_string(),
            sources: c
                .observations
                .iter()
                .map(|o| o.source.clone())
                .take(3)
                .collect(),
            issue,
        };
        if days_left < EXPIRING_DAYS {
            let issue = if days_left < 0 {
                format!("expired {} days ago", -days_left)
            } else {
                format!("expires in {days_left} days")
            };
            tables.expiring.push(row(issue));
        }
        let mut weak = Vec::new();
        if matches!(c.key.algorithm, KeyAlgorithm::Rsa | KeyAlgorithm::Dsa) && c.key.bits < 2048 {
            weak.push(format!("{} key", key_text(c)));
        }
        if matches!(c.signature.hash.as_str(), "sha1" | "md5" | "md2") {
            weak.push(format!("{} signature", c.signature.hash.to_uppercase()));
        }
        if !weak.is_empty() {
            tables.weak_crypto.push(row(weak.join(", ")));
        }
    }
    tables.expiring.sort_by_key(|r| r.days_left);
    for e in &bundle.tls_endpoints {
        for v in &e.versions {
            *tables.endpoints_by_version.entry(v.clone()).or_default() += 1;
        }
        if e.versions.is_empty() {
            *tables
                .endpoints_by_version
                .entry("unreachable".to_string())
                .or_default() += 1;
        }
        let chain_valid = bundle
            .chains
            .iter()
            .find(|c| c.provenance.source == e.target && c.certificates.first() == e.leaf.as_ref())
            .map(|c| c.validation.valid);
        tables.endpoints.push(EndpointRow {
            target: e.target.clone(),
            sni: e.sni.clone(),
            versions: e.versions.clone(),
            weak_ciphers: e
                .accepted_ciphers
                .iter()
                .filter(|c| pkimm_rules::view::is_weak_cipher(c))
                .cloned()
                .collect(),
            ocsp_stapled: e.ocsp_stapled,
            chain_valid,
            errors: e.errors.clone(),
        });
    }
    for crl in &bundle.crls {
        tables.crls.push(CrlRow {
            source: crl
                .observations
                .first()
                .map(|o| o.source.clone())
                .unwrap_or_default(),
            issuer: crl.issuer.clone(),
            next_update: crl.next_update,
            fresh: crl.next_update.is_some_and(|n| n.unix() > now),
            entries: crl.entry_count,
            signature_valid: crl.signature_valid,
        });
    }
    for o in &bundle.ocsp_checks {
        tables.ocsp.push(OcspRow {
            url: o.responder_url.clone(),
            status: o.cert_status.clone(),
            latency_ms: o.latency_ms,
            up: o.response_status.as_deref() == Some("successful"),
        });
    }
    tables
}
