//! The TLS views: what rules see as `endpoint` and `chain`.

use pkimm_model::evidence::{Chain, TlsEndpoint, UtcTime};
use pkimm_model::tls_groups::group_by_name;

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
    fd(
        "suites",
        "suites accepted per version, newest version first (TLS 1.3 included)",
    ),
    fd("suites[].version", "protocol version"),
    fd(
        "suites[].suites",
        "IANA names, in the server's order within each key-exchange family",
    ),
    fd(
        "suites[].order",
        "server: the server imposes its order; client: it follows the client's; unknown",
    ),
    fd("tls13_ciphers", "TLS 1.3 suites accepted"),
    fd(
        "pre_tls13_versions",
        "accepted versions older than TLS 1.3 (TLS 1.2 and below)",
    ),
    fd(
        "groups",
        "key-exchange groups accepted (IANA names), in the server's preference",
    ),
    fd(
        "preferred_group",
        "the group the server picks from all of them (\"\" when unknown)",
    ),
    fd("groups_order", "server, client or unknown"),
    fd(
        "pq_groups",
        "accepted post-quantum groups (ML-KEM hybrids and pure ML-KEM)",
    ),
    fd(
        "pq_hybrid_supported",
        "a hybrid post-quantum group such as X25519MLKEM768 is accepted",
    ),
    fd(
        "pq_preferred",
        "clients that offer a post-quantum group get one: the server's first choice is post-quantum, or it follows the client's order and accepts one",
    ),
    fd(
        "weak_groups",
        "accepted groups under 112 bits of classical strength",
    ),
    fd(
        "dh_bits",
        "bits of the DH prime sent for DHE suites (-1 when no DHE suite)",
    ),
    fd(
        "client_auth_requested",
        "the server asks for a client certificate",
    ),
    fd(
        "client_auth_required",
        "the server refuses clients without a certificate",
    ),
    fd(
        "client_auth_ca_names",
        "acceptable CA names the server sent",
    ),
    fd(
        "secure_renegotiation",
        "RFC 5746 renegotiation_info in the pre-TLS 1.3 ServerHello",
    ),
    fd(
        "extended_master_secret",
        "RFC 7627 extended master secret in the pre-TLS 1.3 ServerHello",
    ),
    fd(
        "fallback_scsv_tested",
        "a downgraded hello with TLS_FALLBACK_SCSV was sent",
    ),
    fd(
        "fallback_scsv",
        "the server refused it with inappropriate_fallback (RFC 7507)",
    ),
    fd(
        "leaf_must_staple",
        "the leaf has the TLS feature status_request (OCSP must-staple)",
    ),
    fd(
        "measured",
        "scanned in full (false in discovery mode: only one handshake)",
    ),
    fd("connections", "TCP connections the scan opened"),
    fd("notes", "observations with a reason that are not errors"),
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
    let order = |known: Option<bool>| match known {
        Some(true) => "server",
        Some(false) => "client",
        None => "unknown",
    };
    let pre_tls13: Vec<&str> = e
        .versions
        .iter()
        .map(String::as_str)
        .filter(|v| *v != "TLSv1.3")
        .collect();
    let tls13: Vec<&str> = e
        .suites
        .iter()
        .filter(|s| s.version == "TLSv1.3")
        .flat_map(|s| s.suites.iter().map(String::as_str))
        .collect();
    let group_kind = |name: &str| group_by_name(name);
    let pq: Vec<&str> = e
        .groups
        .iter()
        .map(String::as_str)
        .filter(|g| group_kind(g).is_some_and(|g| g.kind.is_post_quantum()))
        .collect();
    let hybrid = e.groups.iter().any(|g| {
        group_kind(g).is_some_and(|g| g.kind == pkimm_model::tls_groups::GroupKind::PqHybrid)
    });
    // A server that follows the client's order gives a post-quantum group
    // to every client that prefers one; one with its own order only when
    // its first choice is post-quantum.
    let pq_preferred = match e.groups_server_order {
        Some(false) => !pq.is_empty(),
        _ => e
            .preferred_group
            .as_deref()
            .and_then(group_kind)
            .is_some_and(|g| g.kind.is_post_quantum()),
    };
    let weak_groups: Vec<&str> = e
        .groups
        .iter()
        .map(String::as_str)
        .filter(|g| group_kind(g).is_some_and(|g| g.strength_bits < 112))
        .collect();
    let client_auth = e.client_auth.as_ref();
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
        (
            "suites",
            list(
                e.suites
                    .iter()
                    .map(|s| {
                        map(vec![
                            ("version", string(&s.version)),
                            ("suites", strings(&s.suites)),
                            ("order", string(order(s.server_order))),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("tls13_ciphers", strings(&tls13)),
        ("pre_tls13_versions", strings(&pre_tls13)),
        ("groups", strings(&e.groups)),
        (
            "preferred_group",
            string(e.preferred_group.as_deref().unwrap_or("")),
        ),
        ("groups_order", string(order(e.groups_server_order))),
        ("pq_groups", strings(&pq)),
        ("pq_hybrid_supported", Value::Bool(hybrid)),
        ("pq_preferred", Value::Bool(pq_preferred)),
        ("weak_groups", strings(&weak_groups)),
        ("dh_bits", int(e.dh_bits.map_or(-1, i64::from))),
        (
            "client_auth_requested",
            Value::Bool(client_auth.is_some_and(|c| c.requested)),
        ),
        (
            "client_auth_required",
            Value::Bool(client_auth.and_then(|c| c.required).unwrap_or(false)),
        ),
        (
            "client_auth_ca_names",
            strings(client_auth.map_or(&[][..], |c| &c.ca_names[..])),
        ),
        (
            "secure_renegotiation",
            Value::Bool(e.secure_renegotiation.unwrap_or(false)),
        ),
        (
            "extended_master_secret",
            Value::Bool(e.extended_master_secret.unwrap_or(false)),
        ),
        (
            "fallback_scsv_tested",
            Value::Bool(e.fallback_scsv.is_some()),
        ),
        (
            "fallback_scsv",
            Value::Bool(e.fallback_scsv.unwrap_or(false)),
        ),
        ("leaf_must_staple", Value::Bool(e.leaf_must_staple)),
        ("measured", Value::Bool(!e.discovery)),
        ("connections", int(e.connections)),
        ("notes", strings(&e.notes)),
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
        "the chain ends in a self-issued certificate or one a trust anchor issued",
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
