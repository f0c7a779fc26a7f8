//! Names for the OIDs that evidence records carry.

use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

use pkimm_model::evidence::{composite_ml_dsa, pq_parameter_set, KeyAlgorithm, KNOWN_EXTENSIONS};
use x509_parser::der_parser::asn1_rs::Oid;

/// (OID, name, digest, key family) for signature algorithms.
const SIGNATURE_ALGORITHMS: &[(&str, &str, &str, &str)] = &[
    ("1.2.840.113549.1.1.2", "md2WithRSAEncryption", "md2", "rsa"),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption", "md5", "rsa"),
    (
        "1.2.840.113549.1.1.5",
        "sha1WithRSAEncryption",
        "sha1",
        "rsa",
    ),
    ("1.3.14.3.2.29", "sha1WithRSASignature", "sha1", "rsa"),
    (
        "1.2.840.113549.1.1.14",
        "sha224WithRSAEncryption",
        "sha224",
        "rsa",
    ),
    (
        "1.2.840.113549.1.1.11",
        "sha256WithRSAEncryption",
        "sha256",
        "rsa",
    ),
    (
        "1.2.840.113549.1.1.12",
        "sha384WithRSAEncryption",
        "sha384",
        "rsa",
    ),
    (
        "1.2.840.113549.1.1.13",
        "sha512WithRSAEncryption",
        "sha512",
        "rsa",
    ),
    ("1.2.840.113549.1.1.10", "rsassaPss", "", "rsa"),
    ("1.2.840.10040.4.3", "dsa-with-sha1", "sha1", "dsa"),
    ("2.16.840.1.101.3.4.3.1", "dsa-with-sha224", "sha224", "dsa"),
    ("2.16.840.1.101.3.4.3.2", "dsa-with-sha256", "sha256", "dsa"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1", "sha1", "ec"),
    ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224", "sha224", "ec"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", "sha256", "ec"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", "sha384", "ec"),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", "sha512", "ec"),
    ("1.3.101.112", "ed25519", "", "ed25519"),
    ("1.3.101.113", "ed448", "", "ed448"),
    ("2.16.840.1.101.3.4.3.17", "ml-dsa-44", "", "ml-dsa"),
    ("2.16.840.1.101.3.4.3.18", "ml-dsa-65", "", "ml-dsa"),
    ("2.16.840.1.101.3.4.3.19", "ml-dsa-87", "", "ml-dsa"),
];

/// (OID, digest name) for hash algorithms (used inside RSASSA-PSS parameters).
const HASHES: &[(&str, &str)] = &[
    ("1.3.14.3.2.26", "sha1"),
    ("2.16.840.1.101.3.4.2.4", "sha224"),
    ("2.16.840.1.101.3.4.2.1", "sha256"),
    ("2.16.840.1.101.3.4.2.2", "sha384"),
    ("2.16.840.1.101.3.4.2.3", "sha512"),
    ("1.2.840.113549.2.5", "md5"),
];

/// Name, digest and key family of a signature algorithm OID.
pub fn signature_algorithm(oid: &str) -> (String, &'static str, &'static str) {
    if let Some((_, name, hash, key)) = SIGNATURE_ALGORITHMS.iter().find(|(o, ..)| *o == oid) {
        return ((*name).to_string(), hash, key);
    }
    if let Some((name, _)) = pq_parameter_set(oid).filter(|(name, _)| name.starts_with("SLH-DSA")) {
        return (name.to_ascii_lowercase(), "", "slh-dsa");
    }
    if let Some((name, _)) = composite_ml_dsa(oid) {
        // The pre-hash is internal to the composite construction.
        return (name.to_ascii_lowercase(), "", "composite-ml-dsa");
    }
    (oid.to_string(), "", "unknown")
}

/// The digest name of a hash OID.
pub fn hash(oid: &str) -> Option<&'static str> {
    HASHES.iter().find(|(o, _)| *o == oid).map(|(_, h)| *h)
}

/// Key algorithm families by SubjectPublicKeyInfo algorithm OID (SLH-DSA, a
/// numbered range, is matched separately).
const KEY_ALGORITHMS: &[(&str, KeyAlgorithm)] = &[
    ("1.2.840.113549.1.1.1", KeyAlgorithm::Rsa),
    ("1.2.840.113549.1.1.10", KeyAlgorithm::RsaPss),
    ("1.2.840.10040.4.1", KeyAlgorithm::Dsa),
    ("1.2.840.10045.2.1", KeyAlgorithm::Ec),
    ("1.3.101.110", KeyAlgorithm::X25519),
    ("1.3.101.111", KeyAlgorithm::X448),
    ("1.3.101.112", KeyAlgorithm::Ed25519),
    ("1.3.101.113", KeyAlgorithm::Ed448),
    ("2.16.840.1.101.3.4.3.17", KeyAlgorithm::MlDsa),
    ("2.16.840.1.101.3.4.3.18", KeyAlgorithm::MlDsa),
    ("2.16.840.1.101.3.4.3.19", KeyAlgorithm::MlDsa),
    ("2.16.840.1.101.3.4.4.1", KeyAlgorithm::MlKem),
    ("2.16.840.1.101.3.4.4.2", KeyAlgorithm::MlKem),
    ("2.16.840.1.101.3.4.4.3", KeyAlgorithm::MlKem),
];

/// Key algorithm family of a SubjectPublicKeyInfo algorithm OID.
pub fn key_algorithm(oid: &str) -> KeyAlgorithm {
    if let Some((_, algorithm)) = KEY_ALGORITHMS.iter().find(|(o, _)| *o == oid) {
        return *algorithm;
    }
    if composite_ml_dsa(oid).is_some() {
        return KeyAlgorithm::CompositeMlDsa;
    }
    match oid
        .strip_prefix("2.16.840.1.101.3.4.3.")
        .and_then(|n| n.parse::<u32>().ok())
    {
        Some(20..=31) => KeyAlgorithm::SlhDsa,
        _ => KeyAlgorithm::Unknown,
    }
}

/// (OID, name, field size) of named curves.
const CURVES: &[(&str, &str, u32)] = &[
    ("1.2.840.10045.3.1.1", "P-192", 192),
    ("1.3.132.0.33", "P-224", 224),
    ("1.2.840.10045.3.1.7", "P-256", 256),
    ("1.3.132.0.34", "P-384", 384),
    ("1.3.132.0.35", "P-521", 521),
    ("1.3.132.0.10", "secp256k1", 256),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 256),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 384),
    ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 512),
];

/// Name and field size of a named curve OID.
pub fn curve(oid: &str) -> Option<(&'static str, u32)> {
    CURVES
        .iter()
        .find(|(o, ..)| *o == oid)
        .map(|(_, name, bits)| (*name, *bits))
}

/// (OID, name) of extended key usages.
const EXTENDED_KEY_USAGES: &[(&str, &str)] = &[
    ("1.3.6.1.5.5.7.3.1", "serverAuth"),
    ("1.3.6.1.5.5.7.3.2", "clientAuth"),
    ("1.3.6.1.5.5.7.3.3", "codeSigning"),
    ("1.3.6.1.5.5.7.3.4", "emailProtection"),
    ("1.3.6.1.5.5.7.3.8", "timeStamping"),
    ("1.3.6.1.5.5.7.3.9", "OCSPSigning"),
    ("1.3.6.1.5.5.7.3.17", "ipsecIKE"),
    ("2.5.29.37.0", "anyExtendedKeyUsage"),
    ("1.3.6.1.4.1.311.20.2.2", "smartcardLogon"),
    ("1.3.6.1.4.1.311.20.2.1", "certificateRequestAgent"),
    ("1.3.6.1.4.1.311.10.3.4", "encryptingFileSystem"),
    ("1.3.6.1.4.1.311.10.3.12", "documentSigning"),
    ("1.3.6.1.5.2.3.4", "pkinitClientAuth"),
    ("1.3.6.1.5.2.3.5", "pkinitKDC"),
];

/// Name of an extended key usage OID, or the OID itself.
pub fn extended_key_usage(oid: &str) -> String {
    EXTENDED_KEY_USAGES
        .iter()
        .find(|(o, _)| *o == oid)
        .map_or(oid, |(_, name)| name)
        .to_string()
}

/// Certificate policy OIDs common enough to intern (CA/Browser Forum
/// reserved policies and anyPolicy).
const COMMON_POLICIES: &[&str] = &[
    "2.5.29.32.0",
    "2.23.140.1.1",
    "2.23.140.1.2.1",
    "2.23.140.1.2.2",
    "2.23.140.1.2.3",
];

/// What pkimm knows about an OID, found from its DER bytes in one lookup.
#[derive(Debug, Default)]
pub struct KnownOid {
    /// Dotted-decimal form.
    pub dotted: &'static str,
    /// Extension name, when it is an extension pkimm knows.
    pub extension: Option<&'static str>,
    /// Extended key usage name, when it is one.
    pub extended_key_usage: Option<&'static str>,
}

/// OID bytes → what pkimm knows; a fast non-keyed hash suits these fixed keys.
type Registry = HashMap<Vec<u8>, KnownOid, foldhash::fast::FixedState>;

/// Every OID in the tables above, keyed by DER content bytes.
static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    fn entry<'r>(registry: &'r mut Registry, dotted: &'static str) -> &'r mut KnownOid {
        let bytes = Oid::from_str(dotted)
            .map(|oid| oid.as_bytes().to_vec())
            .unwrap_or_default();
        let known = registry.entry(bytes).or_default();
        known.dotted = dotted;
        known
    }
    let mut registry = Registry::default();
    for (oid, name) in KNOWN_EXTENSIONS {
        entry(&mut registry, oid).extension = Some(name);
    }
    for (oid, name) in EXTENDED_KEY_USAGES {
        entry(&mut registry, oid).extended_key_usage = Some(name);
    }
    let plain = SIGNATURE_ALGORITHMS
        .iter()
        .map(|(oid, ..)| *oid)
        .chain(HASHES.iter().map(|(oid, _)| *oid))
        .chain(KEY_ALGORITHMS.iter().map(|(oid, _)| *oid))
        .chain(CURVES.iter().map(|(oid, ..)| *oid))
        .chain(COMMON_POLICIES.iter().copied());
    for oid in plain {
        entry(&mut registry, oid);
    }
    registry
});

/// What pkimm knows about `oid`, if anything.
pub fn known(oid: &Oid<'_>) -> Option<&'static KnownOid> {
    REGISTRY.get(oid.as_bytes())
}

/// The dotted-decimal form of `oid`, without formatting it when it is known.
pub fn dotted(oid: &Oid<'_>) -> Cow<'static, str> {
    match known(oid) {
        Some(known) => Cow::Borrowed(known.dotted),
        None => Cow::Owned(oid.to_id_string()),
    }
}

/// Name of a CRL reason code.
pub fn reason_code(code: u8) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "invalidReasonCode",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_names() {
        assert_eq!(signature_algorithm("1.2.840.113549.1.1.5").1, "sha1");
        assert_eq!(signature_algorithm("2.16.840.1.101.3.4.3.22").2, "slh-dsa");
        assert_eq!(signature_algorithm("1.2.3").0, "1.2.3");
        assert_eq!(
            key_algorithm("2.16.840.1.101.3.4.3.18"),
            KeyAlgorithm::MlDsa
        );
        assert_eq!(curve("1.3.132.0.34"), Some(("P-384", 384)));
        assert_eq!(extended_key_usage("1.3.6.1.5.5.7.3.1"), "serverAuth");
        assert_eq!(extended_key_usage("1.2.3.4"), "1.2.3.4");
        assert_eq!(reason_code(1), "keyCompromise");
    }

    #[test]
    fn registry_knows_every_table_entry_by_its_bytes() {
        let san = Oid::from_str("2.5.29.17").unwrap();
        let san = known(&san).unwrap();
        assert_eq!(san.dotted, "2.5.29.17");
        assert_eq!(san.extension, Some("subjectAltName"));
        let any_eku = Oid::from_str("2.5.29.37.0").unwrap();
        assert_eq!(
            known(&any_eku).unwrap().extended_key_usage,
            Some("anyExtendedKeyUsage")
        );
        for (oid, ..) in SIGNATURE_ALGORITHMS {
            assert_eq!(dotted(&Oid::from_str(oid).unwrap()), *oid);
        }
        let unknown = Oid::from_str("1.2.3.4.5").unwrap();
        assert!(known(&unknown).is_none());
        assert_eq!(dotted(&unknown), "1.2.3.4.5");
    }
}
