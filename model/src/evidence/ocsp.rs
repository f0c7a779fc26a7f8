//! OCSP responder checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Provenance, UtcTime};

/// One OCSP query and what came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OcspCheck {
    /// Fingerprint of the certificate checked.
    pub certificate: String,
    /// Serial of the certificate checked, lowercase hex.
    pub serial: String,
    /// Responder URL.
    pub responder_url: String,
    /// OCSP response status (`successful`, `malformedRequest`, `tryLater`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<String>,
    /// Certificate status (`good`, `revoked`, `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_status: Option<String>,
    /// Revocation reason, when revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// producedAt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub produced_at: Option<UtcTime>,
    /// thisUpdate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub this_update: Option<UtcTime>,
    /// nextUpdate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_update: Option<UtcTime>,
    /// How the responder is authorised: `ca` (the issuer signs), `delegated`
    /// (id-kp-OCSPSigning issued by the CA), or `unauthorised`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responder_authorisation: Option<String>,
    /// For a delegated responder: whether its certificate carries
    /// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responder_nocheck: Option<bool>,
    /// Whether the response signature verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_valid: Option<bool>,
    /// Whether a nonce was sent.
    pub nonce_sent: bool,
    /// Whether the nonce was echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_echoed: Option<bool>,
    /// Round-trip latency in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Errors met (the check is kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Where and when.
    pub provenance: Provenance,
}
