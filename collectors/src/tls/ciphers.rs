//! TLS cipher suites: IANA code points and names.
//!
//! The legacy probe offers every suite of [`LEGACY_SUITES`] (all key exchanges
//! a certificate-based server can use: RSA, DH, DHE, ECDH, ECDHE and anonymous,
//! with NULL, EXPORT, RC4, DES, 3DES, IDEA, SEED, Camellia, ARIA, AES and
//! ChaCha20): 228 suites, every certificate-based suite of the IANA
//! registry and the three pre-RFC 7905 ChaCha20 code points (0xCC13 to
//! 0xCC15) that some servers still answer. PSK, SRP, Kerberos and GOST suites
//! are not probed: they do not authenticate with X.509 certificates.

pub use pkimm_model::tls_suites::{suite_id, suite_name, CipherSuite, LEGACY_SUITES, TLS13_SUITES};

/// Every legacy suite, ordered as a modern client would prefer them: forward
/// secret AEAD first, then forward secret CBC, then RSA key exchange, then
/// static DH, anonymous, export and NULL suites last. Servers that honour the
/// client's order then pick what a current client would get.
pub fn client_preference_order() -> Vec<u16> {
    let rank = |name: &str| -> u8 {
        let weak = ["NULL", "EXPORT", "anon", "RC4", "DES", "MD5", "RC2", "IDEA"]
            .iter()
            .any(|w| name.contains(w));
        let aead = name.contains("GCM") || name.contains("CHACHA20") || name.contains("CCM");
        let kx = if name.starts_with("TLS_ECDHE_") {
            0
        } else if name.starts_with("TLS_DHE_") {
            1
        } else if name.starts_with("TLS_RSA_") {
            2
        } else {
            3
        };
        match (weak, kx < 2, aead) {
            (true, _, _) => 10,
            (false, true, true) => kx,
            (false, true, false) => 2 + kx,
            (false, false, true) => 4 + kx,
            (false, false, false) => 6 + kx,
        }
    };
    let mut suites: Vec<&CipherSuite> = LEGACY_SUITES.iter().collect();
    suites.sort_by_key(|s| rank(s.name));
    suites.into_iter().map(|s| s.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_suites_are_sorted_and_unique() {
        assert!(LEGACY_SUITES.windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn preference_puts_forward_secret_aead_first_and_weak_last() {
        let order = client_preference_order();
        assert_eq!(order.len(), LEGACY_SUITES.len());
        assert!(
            suite_name(order[0]).starts_with("TLS_ECDHE_") && suite_name(order[0]).contains("GCM")
        );
        assert!(
            suite_name(*order.last().unwrap()).contains("anon")
                || suite_name(*order.last().unwrap()).contains("NULL")
                || suite_name(*order.last().unwrap()).contains("EXPORT")
                || suite_name(*order.last().unwrap()).contains("DES")
        );
    }

    #[test]
    fn names_are_found_by_code_point() {
        assert_eq!(suite_name(0xC02F), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert_eq!(suite_name(0x1302), "TLS_AES_256_GCM_SHA384");
        assert_eq!(suite_name(0xFEFE), "0xFEFE");
    }
}
