//! Certificate revocation lists as evidence.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Provenance, SignatureInfo, UtcTime};

/// A parsed CRL, base or delta. Its identity is the SHA-256 of its DER.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Crl {
    /// SHA-256 of the DER, lowercase hex.
    pub fingerprint_sha256: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// CRL version (1 or 2).
    pub version: u32,
    /// cRLNumber, as decimal text (CRL numbers may exceed 64 bits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crl_number: Option<String>,
    /// For a delta CRL, the base CRL number from deltaCRLIndicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_base: Option<String>,
    /// Whether this is a delta CRL.
    pub is_delta: bool,
    /// freshestCRL (delta CRL) URLs announced by a base CRL.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freshest_crl_urls: Vec<String>,
    /// Issuing distribution point URLs, when the extension is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_distribution_point: Option<Vec<String>>,
    /// Authority key identifier (key id), lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_key_id: Option<String>,
    /// thisUpdate.
    pub this_update: UtcTime,
    /// nextUpdate; absent when the CRL has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_update: Option<UtcTime>,
    /// The signature algorithm.
    pub signature: SignatureInfo,
    /// Whether the signature verifies against the issuer; absent when the issuer
    /// was not available to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_valid: Option<bool>,
    /// Fingerprint of the certificate the signature was checked with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_with: Option<String>,
    /// Number of revoked entries.
    pub entry_count: u64,
    /// Entry counts by reason code name (`keyCompromise`, `unspecified` for
    /// entries without a reason, …).
    #[serde(default)]
    pub reasons: BTreeMap<String, u64>,
    /// The revoked entries, up to the recording cap.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<CrlEntry>,
    /// Whether `entries` lists every entry.
    pub entries_complete: bool,
    /// Size of the DER in bytes.
    pub size_bytes: u64,
    /// Fetch time in milliseconds, for CRLs fetched over the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetch_ms: Option<u64>,
    /// Problems found while reading extensions or entries; the CRL is kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parse_warnings: Vec<String>,
    /// The DER, base64; omitted for CRLs above the embedding cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub der_base64: Option<String>,
    /// Every place the CRL was observed.
    pub observations: Vec<Provenance>,
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CrlEntry {
    /// Serial number, lowercase hex without leading zeros.
    pub serial: String,
    /// Revocation time.
    pub revoked_at: UtcTime,
    /// Reason code name, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
