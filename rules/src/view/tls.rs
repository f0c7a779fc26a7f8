//! The TLS views: what rules see as `endpoint` and `chain`.

use pkimm_model::evidence::{Chain, TlsEndpoint, UtcTime};

use super::ciphers::{is_cbc_sha1_cipher, is_non_pfs_cipher, is_weak_cipher};
use super::{fd, int, FieldDoc};
use crate::expr::{list, map, string, strings, Value};

/// What each field of `endpoint` holds.
pub const ENDPOINT_FIELD_DOCS: &[FieldDoc] = &[
    fd("target", "host:port as scanned"),
    fd("sni", "server name sent (\"\" when none)"),
    fd("ip", "address connected to"),
    fd("port", "TCP port"),
    fd("starttls", "STARTTLS protocol used (\"\" for implicit TLS)"),
    fd("versions", "protocol versions accepted, newest first"),
    fd("legacy_versions", "accepted versions older than TLS 1.2"),
    fd("supports_tls13", "TLS 1.3 is accepted"),
    fd("negotiated", "the suite negotiated per version"),
    fd("negotiated[].version", "protocol version"),
    fd("negotiated[].cipher", "cipher suite, IANA name"),
    fd(
        "accepted_ciphers",
        "cipher suites accepted (enumerated), IANA names",
    ),
    fd(
        "weak_ciphers",
        "accepted RC4, DES/3DES, NULL, EXPORT, anonymous, MD5, RC2 or IDEA suites",
    ),
    fd(
        "non_pfs_ciphers",
        "accepted suites without forward secrecy (static RSA or DH)",
    ),
    fd("cbc_sha1_ciphers", "accepted CBC suites with SHA-1 MACs"),
    fd("alpn", "protocol chosen by ALPN (\"\" when none)"),
    fd("ocsp_stapled", "an OCSP response was stapled"),
    fd(
        "ocsp_staple_status",
        "the staple's certificate status: good, revoked, unknown",
    ),
    fd(
        "ocsp_staple_next_update",
        "the staple's nextUpdate, Unix seconds (-1 when none)",
    ),
    fd(
        "tls_sct_count",
        "SCTs sent in the TLS extension (TLS 1.2 only)",
    ),
    fd("leaf", "fingerprint of the served leaf"),
    fd(
        "handshake_ms",
        "handshake time in milliseconds (-1 when none completed)",
    ),
    fd("errors", "what went wrong"),
    fd("reachable", "some TLS version was accepted"),
];

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

/// What each field of `chain` holds.
pub const CHAIN_FIELD_DOCS: &[FieldDoc] = &[
    fd("certificates", "fingerprints as served, leaf first"),
    fd("length", "certificates served"),
    fd("ordered", "each certificate is issued by the next"),
    fd(
        "complete",
        "the chain validated, or it ends in a self-issued certificate",
    ),
    fd("valid", "the chain validated against the trust store"),
    fd("reason", "why validation failed (\"\" when valid)"),
    fd(
        "trust_store",
        "the trust store used: system, paths, joined by +",
    ),
    fd("source", "the endpoint that served it"),
];

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
