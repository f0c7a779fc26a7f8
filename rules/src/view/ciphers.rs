//! Cipher suite classes the TLS views and reports share.

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
