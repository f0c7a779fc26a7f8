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
    /// Cipher suites accepted per protocol version, newest version first,
    /// TLS 1.3 included; each list in the server's order of preference when
    /// it has one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<VersionSuites>,
    /// Key-exchange groups the server accepts (IANA names: `x25519`,
    /// `secp256r1`, `X25519MLKEM768`, `ffdhe2048`, …), in its order of
    /// preference when it has one. From TLS 1.3 HelloRetryRequests, or from
    /// TLS 1.2 ServerKeyExchange messages when the server has no TLS 1.3.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// The group the server picks when offered every group without a key
    /// share: its preferred group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_group: Option<String>,
    /// Whether the server imposes its own order on groups (`true`) or follows
    /// the client's (`false`); absent when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_server_order: Option<bool>,
    /// Size in bits of the smallest Diffie-Hellman prime the server sent in a
    /// ServerKeyExchange for a DHE suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dh_bits: Option<u32>,
    /// Whether the server asks for a client certificate, and whom it trusts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<ClientAuth>,
    /// RFC 5746 secure renegotiation (renegotiation_info in the TLS 1.2 or
    /// older ServerHello); absent for TLS 1.3-only servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_renegotiation: Option<bool>,
    /// RFC 7627 extended master secret in the TLS 1.2 or older ServerHello;
    /// absent for TLS 1.3-only servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_master_secret: Option<bool>,
    /// RFC 7507: the server refused a downgraded hello carrying
    /// TLS_FALLBACK_SCSV; absent when it accepts only one version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_scsv: Option<bool>,
    /// The leaf carries the TLS feature extension status_request (OCSP
    /// must-staple, RFC 7633).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub leaf_must_staple: bool,
    /// The endpoint was scanned in discovery mode: one handshake, no
    /// enumeration, so absent suites, groups and facts were not measured.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub discovery: bool,
    /// TCP connections opened to scan the endpoint.
    #[serde(default)]
    pub connections: u32,
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
    /// Observations with a reason that are not errors, such as a server
    /// rustls cannot handshake with whose facts come from the hello probe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Where and when.
    pub provenance: Provenance,
}

/// The cipher suites a server accepts under one protocol version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VersionSuites {
    /// Protocol version (`TLSv1.3`, `TLSv1.2`, …).
    pub version: String,
    /// IANA names, in the server's order of preference when it has one.
    pub suites: Vec<String>,
    /// Whether the server imposes its own order (`true`) or follows the
    /// client's (`false`); absent when fewer than two suites were accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_order: Option<bool>,
}

/// Client certificate authentication as the server asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClientAuth {
    /// The server sent a CertificateRequest.
    pub requested: bool,
    /// The server aborted the handshake when no certificate was sent; absent
    /// when that could not be observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// The acceptable CA names it sent (RFC 4514 strings), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ca_names: Vec<String>,
}

/// A negotiated protocol version and cipher suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NegotiatedCipher {
    /// Protocol version.
    pub version: String,
    /// IANA cipher suite name.
    pub cipher: String,
}
