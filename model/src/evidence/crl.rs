//! Certificate revocation lists as evidence.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Defects, Der, Provenance, Sha256Hex, SignatureInfo, UtcTime};

/// A parsed CRL, base or delta. Its identity is the SHA-256 of its DER.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Crl {
    /// SHA-256 of the DER, lowercase hex.
    pub fingerprint_sha256: Sha256Hex,
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
    /// How the CRL was fetched over HTTP(S), with its caching headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpFetch>,
    /// Whether the URL the CRL was fetched from is one of its issuing
    /// distribution point names (absent when it has no IDP or was not fetched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_matches_url: Option<bool>,
    /// The CRL number seen at the same URL in the previous scan, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_crl_number: Option<String>,
    /// Problems found while reading extensions or entries; the CRL is kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parse_warnings: Vec<String>,
    /// Encoding defects found while reading it: the `crl_*` defects and
    /// `signature_parameters_wrong`, `signature_algorithm_mismatch` (empty in
    /// bundles from before pkimm looked for them).
    #[serde(default, skip_serializing_if = "Defects::is_empty")]
    pub defects: Defects,
    /// The DER, base64; omitted for CRLs above the embedding cap.
    #[serde(
        default,
        rename = "der_base64",
        skip_serializing_if = "Option::is_none"
    )]
    pub der: Option<Der>,
    /// Every place the CRL was observed.
    pub observations: Vec<Provenance>,
}

/// An HTTP(S) fetch and the response headers that matter for caching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HttpFetch {
    /// The URL fetched.
    pub url: String,
    /// HTTP status code.
    pub status: u16,
    /// Round trip, first byte to last, in milliseconds.
    pub latency_ms: u64,
    /// Body size in bytes.
    pub size_bytes: u64,
    /// Content-Type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Cache-Control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// max-age from Cache-Control, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u64>,
    /// ETag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Last-Modified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
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
