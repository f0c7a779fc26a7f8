//! TLS endpoints and the chains they serve.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Provenance, UtcTime};

/// A certificate chain as a server (or directory) presented it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Chain {
    /// Fingerprints of the served certificates, leaf first, in served order.
    pub certificates: Vec<String>,
    /// Whether each certificate is issued by the next one.
    pub ordered: bool,
    /// Whether the chain reaches a self-signed root or a trust anchor.
    pub complete: bool,
    /// Result of validation against the configured trust store.
    pub validation: ChainValidation,
    /// Where the chain was observed.
    pub provenance: Provenance,
}

/// A chain validation verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChainValidation {
    /// Whether the chain validated.
    pub valid: bool,
    /// Why not, in words; empty when valid.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The trust store used (`system`, a PEM path, …).
    pub trust_store: String,
}

/// What a TLS endpoint offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TlsEndpoint {
    /// The target as given (`host:port`, URL).
    pub target: String,
    /// Host name used for SNI, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The IP address connected to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Every address the host name resolved to (empty for IP targets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved: Vec<String>,
    /// TCP port.
    pub port: u16,
    /// STARTTLS protocol used, when any (`smtp`, `imap`, `ldap`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<String>,
    /// Protocol versions the server accepted (`TLSv1.3`, `TLSv1.2`, `TLSv1.1`,
    /// `TLSv1.0`, `SSLv3`).
    #[serde(default)]
    pub versions: Vec<String>,
    /// The cipher negotiated per version.
    #[serde(default)]
    pub negotiated: Vec<NegotiatedCipher>,
    /// TLS 1.2 (and older) cipher suites the server accepted, by IANA name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_ciphers: Vec<String>,
    /// ALPN protocol negotiated, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// Whether the server stapled an OCSP response.
    pub ocsp_stapled: bool,
    /// Status from the stapled response (`good`, `revoked`, `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocsp_staple_status: Option<String>,
    /// nextUpdate of the stapled response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocsp_staple_next_update: Option<UtcTime>,
    /// Number of SCTs delivered in the TLS extension.
    pub tls_sct_count: u32,
    /// Fingerprint of the leaf certificate served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf: Option<String>,
    /// Handshake time in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_ms: Option<u64>,
    /// Errors met while probing (the endpoint record is kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Where and when.
    pub provenance: Provenance,
}

/// A negotiated protocol version and cipher suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NegotiatedCipher {
    /// Protocol version.
    pub version: String,
    /// IANA cipher suite name.
    pub cipher: String,
}
