//! The organisation policy file (`policy.yaml`): the parameters rules read as
//! `policy.*`. The built-in default is `rules/policy/default.yaml`, which
//! `pkimm policy init` writes out with its comments.

use std::path::Path;

use pkimm_model::diag::{from_yaml_str, DocumentError, Located};
use pkimm_model::evidence::UtcTime;
use pkimm_model::read::{read_text_file, ReadError, MAX_DOCUMENT_BYTES};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::expr::{self, Value};

/// The default policy, with comments.
pub const DEFAULT_POLICY_YAML: &str = include_str!("../policy/default.yaml");

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file is not a valid policy.
    #[error("invalid policy file")]
    Invalid(#[from] DocumentError),
}

/// An organisation policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Policy file schema version; 1.
    pub schema_version: u32,
    /// Algorithms and key sizes.
    pub crypto: CryptoPolicy,
    /// Post-quantum transition.
    pub pqc: PqcPolicy,
    /// Certificate profile and lifecycle.
    pub certificates: CertificatePolicy,
    /// Key reuse.
    pub keys: KeyPolicy,
    /// TLS endpoints.
    pub tls: TlsPolicy,
    /// Revocation services.
    pub revocation: RevocationPolicy,
    /// Automation.
    pub automation: AutomationPolicy,
    /// Interoperability.
    pub interop: InteropPolicy,
    /// Active Directory Certificate Services.
    #[serde(default)]
    pub adcs: AdcsPolicy,
    /// Which certificates the CA/Browser Forum requirements judge.
    #[serde(default)]
    pub profiles: ProfilesPolicy,
    /// How far evidence may pre-fill levels: the declared scope and the
    /// thresholds of the ceilings.
    #[serde(default)]
    pub prefill: PrefillPolicy,
}

/// How far evidence may pre-fill levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PrefillPolicy {
    /// The population the assessment's scope declares, per kind of record.
    pub scope: ScopePolicy,
    /// Share of the declared population a high-confidence suggestion must
    /// cover (0 to 1).
    pub min_coverage: f64,
    /// Records a suggestion needs at all (medium confidence); fewer give
    /// observations only.
    pub min_records: u64,
    /// Conformance at or above which an implemented criterion counts as
    /// applied (level 2); below it, level 1.
    pub applied_conformance: f64,
    /// Conformance needed for level 3 and 4, in every scan of the history.
    pub sustained_conformance: f64,
    /// What the history must show for effectiveness over time (level 4).
    pub history: HistoryPolicy,
}

impl Default for PrefillPolicy {
    fn default() -> Self {
        Self {
            scope: ScopePolicy::default(),
            min_coverage: 0.8,
            min_records: 10,
            applied_conformance: 0.7,
            sustained_conformance: 0.9,
            history: HistoryPolicy::default(),
        }
    }
}

/// The declared population per kind of record; 0 leaves it unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ScopePolicy {
    /// Certificates in scope (an inventory export declares them too).
    pub certificates: u64,
    /// TLS endpoints in scope.
    pub tls_endpoints: u64,
    /// CRLs in scope.
    pub crls: u64,
    /// Directory objects (AD CS templates and PKI objects) in scope.
    pub directory_objects: u64,
}

/// What the history must show for effectiveness over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryPolicy {
    /// Least scans, the current one included.
    pub min_scans: u32,
    /// Least days between the oldest and the current scan.
    pub min_days: u32,
    /// Scans older than this many days are not looked at.
    pub window_days: u32,
}

impl Default for HistoryPolicy {
    fn default() -> Self {
        Self {
            min_scans: 4,
            min_days: 90,
            window_days: 365,
        }
    }
}

/// Which certificates the CA/Browser Forum requirements judge. Every
/// certificate is judged by RFC 5280 and this policy's own limits; the
/// public-trust requirements apply to a certificate that asserts a CA/B
/// Forum policy OID for them, or whose issuer is listed here, and to no
/// other: a private root is not judged by public-trust rules unless listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProfilesPolicy {
    /// Issuer DNs (as pkimm writes them) whose TLS server certificates the
    /// TLS Baseline Requirements judge.
    pub tls_br_issuers: Vec<String>,
    /// Issuer DNs whose S/MIME certificates the S/MIME BRs judge.
    pub smime_br_issuers: Vec<String>,
    /// Issuer DNs whose code signing certificates the code signing BRs judge.
    pub code_signing_br_issuers: Vec<String>,
}

/// Active Directory Certificate Services.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdcsPolicy {
    /// Whether the checks LDAP cannot make (ESC6, ESC7, ESC8, ESC11, CA
    /// registry flags) were reviewed on the CA hosts.
    #[serde(default)]
    pub host_checks_reviewed: bool,
}

/// Algorithms and key sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CryptoPolicy {
    /// Smallest end-entity RSA modulus.
    pub min_rsa_bits: u32,
    /// Smallest CA RSA modulus.
    pub min_ca_rsa_bits: u32,
    /// Allowed named curves.
    pub approved_curves: Vec<String>,
    /// Allowed signature digests.
    pub approved_hashes: Vec<String>,
    /// Smallest RSA public exponent.
    pub min_rsa_exponent: u64,
}

/// Post-quantum transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PqcPolicy {
    /// Date (YYYY-MM-DD) after which quantum-vulnerable keys must not be valid.
    pub quantum_vulnerable_sunset: String,
    /// Post-quantum parameter sets the organisation accepts in certificates
    /// (`ML-DSA-87`, `SLH-DSA-SHA2-256s`, `ML-KEM-1024`, …); every standard
    /// set when absent. CNSA 2.0, for one, accepts only ML-DSA-87 and
    /// ML-KEM-1024.
    #[serde(default = "all_pq_parameter_sets")]
    pub approved_parameter_sets: Vec<String>,
}

fn all_pq_parameter_sets() -> Vec<String> {
    pkimm_model::evidence::pq_parameter_set_names()
        .map(str::to_string)
        .collect()
}

/// Certificate profile and lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificatePolicy {
    /// Longest end-entity validity in days.
    pub max_leaf_validity_days: u32,
    /// Longest CA validity in days.
    pub max_ca_validity_days: u32,
    /// Expiry warning in days.
    pub expiry_warning_days: u32,
    /// Least serial number bits.
    pub min_serial_bits: u32,
    /// Domains where wildcards are forbidden.
    pub sensitive_domains: Vec<String>,
    /// Require a CRL distribution point.
    pub require_cdp: bool,
    /// Require an OCSP URL.
    pub require_ocsp_url: bool,
    /// Require an AIA extension.
    pub require_aia: bool,
    /// Publicly served domains (CT required).
    pub public_domains: Vec<String>,
}

/// Key reuse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyPolicy {
    /// Certificates per key pair.
    pub max_certificates_per_key: u32,
    /// Hosts per key pair across certificates.
    pub max_hosts_per_key: u32,
}

/// TLS endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsPolicy {
    /// Allowed protocol versions.
    pub allowed_versions: Vec<String>,
    /// Allowed TLS 1.2 suites (empty: any non-weak).
    pub allowed_ciphers: Vec<String>,
    /// Smallest DH prime for DHE suites, in bits.
    #[serde(default = "default_min_dh_bits")]
    pub min_dh_bits: u32,
}

fn default_min_dh_bits() -> u32 {
    2048
}

/// Revocation services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationPolicy {
    /// Longest CRL validity for issuing CAs, in days.
    pub max_crl_validity_days: u32,
    /// Largest CRL in bytes.
    pub max_crl_bytes: u64,
    /// Slowest OCSP response in milliseconds.
    pub max_ocsp_latency_ms: u64,
    /// Oldest OCSP response in hours.
    pub max_ocsp_age_hours: u32,
    /// Share of a CRL's thisUpdate → nextUpdate period that may elapse
    /// before it counts as not republished in time (0.8: 80 %).
    #[serde(default = "default_crl_elapsed_share")]
    pub max_crl_elapsed_share: f64,
}

fn default_crl_elapsed_share() -> f64 {
    0.8
}

/// Automation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationPolicy {
    /// Validity in days at or below which a certificate is short-lived.
    pub short_lived_days: u32,
    /// Longest median reissue interval in days.
    pub max_reissue_interval_days: u32,
    /// Least median days of validity left when endpoints' certificates are
    /// replaced, as the scan history observes it.
    #[serde(default = "default_min_renewal_lead_days")]
    pub min_renewal_lead_days: u32,
}

fn default_min_renewal_lead_days() -> u32 {
    7
}

/// Interoperability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InteropPolicy {
    /// Most distinct roots.
    pub max_root_ecosystems: u32,
}

impl Default for Policy {
    fn default() -> Self {
        parse_policy("<built-in policy>", DEFAULT_POLICY_YAML)
            .unwrap_or_else(|err| panic!("the built-in policy is invalid: {err}"))
    }
}

fn sunset_unix(text: &str) -> Option<i64> {
    UtcTime::parse(&format!("{text}T00:00:00Z")).map(UtcTime::unix)
}

impl Policy {
    /// The policy as the `policy` variable rules see; dates gain a `_unix` twin.
    pub fn to_value(&self) -> Value {
        let mut json = serde_json::to_value(self).unwrap_or_default();
        if let Some(pqc) = json.get_mut("pqc").and_then(|v| v.as_object_mut()) {
            pqc.insert(
                "quantum_vulnerable_sunset_unix".into(),
                sunset_unix(&self.pqc.quantum_vulnerable_sunset)
                    .unwrap_or(i64::MAX)
                    .into(),
            );
        }
        expr::from_serde(&json).unwrap_or(Value::Null)
    }
}

/// Parses and validates policy YAML.
pub fn parse_policy(origin: &str, text: &str) -> Result<Policy, DocumentError> {
    let policy: Policy = from_yaml_str(origin, text)?;
    let located = Located::new(origin, text);
    if policy.schema_version != 1 {
        return Err(located.error(
            "schema_version",
            "unsupported policy schema version; pkimm reads 1",
        ));
    }
    if sunset_unix(&policy.pqc.quantum_vulnerable_sunset).is_none() {
        return Err(located.error(
            "pqc.quantum_vulnerable_sunset",
            "must be a date like 2035-01-01",
        ));
    }
    for (i, name) in policy.pqc.approved_parameter_sets.iter().enumerate() {
        if !pkimm_model::evidence::pq_parameter_set_names().any(|known| known == name) {
            let known: Vec<&str> = pkimm_model::evidence::pq_parameter_set_names().collect();
            return Err(located.error(
                &format!("pqc.approved_parameter_sets[{i}]"),
                format!(
                    "`{name}` is not a post-quantum parameter set pkimm knows ({})",
                    known.join(", ")
                ),
            ));
        }
    }
    for (i, version) in policy.tls.allowed_versions.iter().enumerate() {
        if !matches!(
            version.as_str(),
            "SSLv3" | "TLSv1.0" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3"
        ) {
            return Err(located.error(
                &format!("tls.allowed_versions[{i}]"),
                format!("unknown protocol version {version:?}; use SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3"),
            ));
        }
    }
    if policy.keys.max_certificates_per_key == 0 || policy.keys.max_hosts_per_key == 0 {
        return Err(located.error("keys", "key reuse limits must be at least 1"));
    }
    let prefill = &policy.prefill;
    for (field, value) in [
        ("prefill.min_coverage", prefill.min_coverage),
        ("prefill.applied_conformance", prefill.applied_conformance),
        (
            "prefill.sustained_conformance",
            prefill.sustained_conformance,
        ),
    ] {
        if !(0.0..=1.0).contains(&value) {
            return Err(located.error(field, "a share is 0 to 1"));
        }
    }
    if prefill.history.min_scans < 2 {
        return Err(located.error(
            "prefill.history.min_scans",
            "effectiveness over time needs at least 2 scans",
        ));
    }
    Ok(policy)
}

/// Loads a policy file.
pub fn load_policy_file(path: &Path) -> Result<Policy, PolicyError> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    Ok(parse_policy(&path.display().to_string(), &text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_parses() {
        let policy = Policy::default();
        assert_eq!(policy.crypto.min_rsa_bits, 2048);
        assert_eq!(policy.certificates.max_leaf_validity_days, 398);
    }

    #[test]
    fn bad_values_name_the_field() {
        let text = DEFAULT_POLICY_YAML.replace("min_rsa_bits: 2048", "min_rsa_bits: lots");
        let err = parse_policy("p.yaml", &text).unwrap_err();
        assert_eq!(err.field, "crypto.min_rsa_bits");
        let text = DEFAULT_POLICY_YAML.replace("[TLSv1.2, TLSv1.3]", "[TLSv1.2, TLS13]");
        let err = parse_policy("p.yaml", &text).unwrap_err();
        assert_eq!(err.field, "tls.allowed_versions[1]");
        let text = DEFAULT_POLICY_YAML.replace(
            "  min_rsa_exponent: 65537",
            "  min_rsa_exponent: 65537\n  colour: blue",
        );
        assert!(parse_policy("p.yaml", &text)
            .unwrap_err()
            .message
            .contains("colour"));
    }
}
