//! Certificates as evidence: every field a rule needs, parsed once.

use std::borrow::Cow;
use std::sync::Arc;

use compact_str::CompactString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thin_vec::ThinVec;

use super::{Defects, Der, Provenance, Sha256Hex, UtcTime};

/// A parsed X.509 certificate. Its identity is the SHA-256 of its DER.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Certificate {
    /// SHA-256 of the DER, lowercase hex.
    pub fingerprint_sha256: Sha256Hex,
    /// SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex: equal for
    /// certificates that share a key.
    pub spki_sha256: Sha256Hex,
    /// X.509 version (1, 2 or 3).
    pub version: u32,
    /// Serial number, lowercase hex without leading zeros.
    pub serial: CompactString,
    /// Serial number length in bits, without leading zero bits.
    pub serial_bits: u32,
    /// Serial number length in DER-encoded content octets (a 160-bit serial
    /// with its top bit set takes 21); 0 in bundles from before it was kept.
    #[serde(default)]
    pub serial_octets: u32,
    /// The serial number is negative (its DER integer's top bit is set);
    /// `serial` shows its magnitude.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub serial_negative: bool,
    /// Subject distinguished name (RFC 4514 style).
    pub subject: CompactString,
    /// The subject's common name(s).
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub subject_cn: ThinVec<CompactString>,
    /// Issuer distinguished name (RFC 4514 style); shared between the
    /// certificates of one issuer.
    #[schemars(with = "String")]
    pub issuer: Arc<str>,
    /// Start of validity.
    pub not_before: UtcTime,
    /// End of validity.
    pub not_after: UtcTime,
    /// Validity period in days, notBefore through notAfter inclusive
    /// (not_after − not_before + 1 s, as RFC 5280 and the BRs count it).
    pub validity_days: f64,
    /// The public key; shared between the certificates whose keys have the
    /// same algorithm, size and exponent (an estate has a handful).
    pub key: Arc<PublicKeyInfo>,
    /// The signature algorithm; shared between the certificates that use
    /// the same one (an estate has a handful of algorithms).
    pub signature: Arc<SignatureInfo>,
    /// Subject alternative names.
    #[serde(default)]
    pub san: SubjectAltNames,
    /// Whether a subjectAltName extension is present.
    pub has_san: bool,
    /// Key usage bits by name (`digitalSignature`, `keyCertSign`, …); absent when
    /// the extension is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<String>>")]
    pub key_usage: Option<ThinVec<CompactString>>,
    /// Extended key usages by name (`serverAuth`, …) or dotted OID; absent when the
    /// extension is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<String>>")]
    pub extended_key_usage: Option<ThinVec<CompactString>>,
    /// Basic constraints; absent when the extension is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_constraints: Option<BasicConstraints>,
    /// Certificate policy OIDs.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub policies: ThinVec<CompactString>,
    /// OCSP responder URLs from the AIA extension.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub ocsp_urls: ThinVec<String>,
    /// CA issuer URLs from the AIA extension.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub ca_issuer_urls: ThinVec<String>,
    /// Whether an AIA extension is present.
    pub has_aia: bool,
    /// CRL distribution point URLs.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub crl_urls: ThinVec<String>,
    /// Whether a CRL distribution points extension is present.
    pub has_cdp: bool,
    /// Number of embedded signed certificate timestamps (0 when none).
    pub sct_count: u32,
    /// Name constraints, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_constraints: Option<Box<NameConstraints>>,
    /// Subject key identifier, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_key_id: Option<String>,
    /// Authority key identifier (key id), lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_key_id: Option<String>,
    /// Whether issuer equals subject.
    pub self_issued: bool,
    /// Whether the certificate is self-issued and its signature verifies with its
    /// own key.
    pub self_signed: bool,
    /// Every extension, for profile checks.
    #[schemars(with = "Vec<ExtensionInfo>")]
    pub extensions: ThinVec<ExtensionInfo>,
    /// Problems found while reading extensions; the certificate is kept.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub parse_warnings: ThinVec<String>,
    /// Encoding and key-quality defects found while reading it (empty in
    /// bundles from before pkimm looked for them).
    #[serde(default, skip_serializing_if = "Defects::is_empty")]
    pub defects: Defects,
    /// The DER; written as `der_base64` (standard alphabet, padded).
    #[serde(rename = "der_base64")]
    pub der: Der,
    /// Every place the certificate was observed.
    #[schemars(with = "Vec<Provenance>")]
    pub observations: ThinVec<Provenance>,
}

/// Key algorithm family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KeyAlgorithm {
    /// RSA.
    Rsa,
    /// RSASSA-PSS keys.
    RsaPss,
    /// DSA.
    Dsa,
    /// Elliptic curve (ECDSA/ECDH) keys.
    Ec,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// X25519.
    X25519,
    /// X448.
    X448,
    /// ML-DSA (FIPS 204).
    MlDsa,
    /// SLH-DSA (FIPS 205).
    SlhDsa,
    /// ML-KEM (FIPS 203).
    MlKem,
    /// Composite ML-DSA: ML-DSA with a traditional signature algorithm in
    /// one key (draft-ietf-lamps-pq-composite-sigs, OIDs assigned by IANA).
    CompositeMlDsa,
    /// Anything else; see `oid`.
    Unknown,
}

impl KeyAlgorithm {
    /// Every family, for tables and tests.
    pub const ALL: [Self; 13] = [
        Self::Rsa,
        Self::RsaPss,
        Self::Dsa,
        Self::Ec,
        Self::Ed25519,
        Self::Ed448,
        Self::X25519,
        Self::X448,
        Self::MlDsa,
        Self::SlhDsa,
        Self::MlKem,
        Self::CompositeMlDsa,
        Self::Unknown,
    ];

    /// The name used in JSON and by rules (`rsa`, `ec`, `ml-dsa`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::RsaPss => "rsa-pss",
            Self::Dsa => "dsa",
            Self::Ec => "ec",
            Self::Ed25519 => "ed25519",
            Self::Ed448 => "ed448",
            Self::X25519 => "x25519",
            Self::X448 => "x448",
            Self::MlDsa => "ml-dsa",
            Self::SlhDsa => "slh-dsa",
            Self::MlKem => "ml-kem",
            Self::CompositeMlDsa => "composite-ml-dsa",
            Self::Unknown => "unknown",
        }
    }

    /// Whether a cryptographically relevant quantum computer breaks it (NIST IR 8547).
    pub fn quantum_vulnerable(self) -> bool {
        !matches!(
            self,
            Self::MlDsa | Self::SlhDsa | Self::MlKem | Self::CompositeMlDsa | Self::Unknown
        )
    }
}

/// The post-quantum parameter sets pkimm knows: OID, name and public-key
/// length in octets (FIPS 203, 204 and 205; RFC 9881, RFC 9909, RFC 9935).
const PQ_PARAMETER_SETS: &[(&str, &str, usize)] = &[
    ("2.16.840.1.101.3.4.3.17", "ML-DSA-44", 1312),
    ("2.16.840.1.101.3.4.3.18", "ML-DSA-65", 1952),
    ("2.16.840.1.101.3.4.3.19", "ML-DSA-87", 2592),
    ("2.16.840.1.101.3.4.3.20", "SLH-DSA-SHA2-128s", 32),
    ("2.16.840.1.101.3.4.3.21", "SLH-DSA-SHA2-128f", 32),
    ("2.16.840.1.101.3.4.3.22", "SLH-DSA-SHA2-192s", 48),
    ("2.16.840.1.101.3.4.3.23", "SLH-DSA-SHA2-192f", 48),
    ("2.16.840.1.101.3.4.3.24", "SLH-DSA-SHA2-256s", 64),
    ("2.16.840.1.101.3.4.3.25", "SLH-DSA-SHA2-256f", 64),
    ("2.16.840.1.101.3.4.3.26", "SLH-DSA-SHAKE-128s", 32),
    ("2.16.840.1.101.3.4.3.27", "SLH-DSA-SHAKE-128f", 32),
    ("2.16.840.1.101.3.4.3.28", "SLH-DSA-SHAKE-192s", 48),
    ("2.16.840.1.101.3.4.3.29", "SLH-DSA-SHAKE-192f", 48),
    ("2.16.840.1.101.3.4.3.30", "SLH-DSA-SHAKE-256s", 64),
    ("2.16.840.1.101.3.4.3.31", "SLH-DSA-SHAKE-256f", 64),
    ("2.16.840.1.101.3.4.4.1", "ML-KEM-512", 800),
    ("2.16.840.1.101.3.4.4.2", "ML-KEM-768", 1184),
    ("2.16.840.1.101.3.4.4.3", "ML-KEM-1024", 1568),
];

/// The post-quantum parameter set of a key or signature algorithm OID: its
/// name (`ML-DSA-65`, `SLH-DSA-SHA2-128s`, `ML-KEM-768`) and its public-key
/// length in octets.
pub fn pq_parameter_set(oid: &str) -> Option<(&'static str, usize)> {
    PQ_PARAMETER_SETS
        .iter()
        .find(|(o, ..)| *o == oid)
        .map(|(_, name, len)| (*name, *len))
}

/// The composite ML-DSA algorithms (draft-ietf-lamps-pq-composite-sigs §7,
/// OIDs in IANA's SMI Security for PKIX Algorithms registry): OID, name
/// (the draft's identifier without `id-`) and ML-DSA parameter set. The same
/// OID names the public key and the signature.
const COMPOSITE_ML_DSA: &[(&str, &str, &str)] = &[
    (
        "1.3.6.1.5.5.7.6.37",
        "MLDSA44-RSA2048-PSS-SHA256",
        "ML-DSA-44",
    ),
    (
        "1.3.6.1.5.5.7.6.38",
        "MLDSA44-RSA2048-PKCS15-SHA256",
        "ML-DSA-44",
    ),
    ("1.3.6.1.5.5.7.6.39", "MLDSA44-Ed25519-SHA512", "ML-DSA-44"),
    (
        "1.3.6.1.5.5.7.6.40",
        "MLDSA44-ECDSA-P256-SHA256",
        "ML-DSA-44",
    ),
    (
        "1.3.6.1.5.5.7.6.41",
        "MLDSA65-RSA3072-PSS-SHA512",
        "ML-DSA-65",
    ),
    (
        "1.3.6.1.5.5.7.6.42",
        "MLDSA65-RSA3072-PKCS15-SHA512",
        "ML-DSA-65",
    ),
    (
        "1.3.6.1.5.5.7.6.43",
        "MLDSA65-RSA4096-PSS-SHA512",
        "ML-DSA-65",
    ),
    (
        "1.3.6.1.5.5.7.6.44",
        "MLDSA65-RSA4096-PKCS15-SHA512",
        "ML-DSA-65",
    ),
    (
        "1.3.6.1.5.5.7.6.45",
        "MLDSA65-ECDSA-P256-SHA512",
        "ML-DSA-65",
    ),
    (
        "1.3.6.1.5.5.7.6.46",
        "MLDSA65-ECDSA-P384-SHA512",
        "ML-DSA-65",
    ),
    (
        "1.3.6.1.5.5.7.6.47",
        "MLDSA65-ECDSA-brainpoolP256r1-SHA512",
        "ML-DSA-65",
    ),
    ("1.3.6.1.5.5.7.6.48", "MLDSA65-Ed25519-SHA512", "ML-DSA-65"),
    (
        "1.3.6.1.5.5.7.6.49",
        "MLDSA87-ECDSA-P384-SHA512",
        "ML-DSA-87",
    ),
    (
        "1.3.6.1.5.5.7.6.50",
        "MLDSA87-ECDSA-brainpoolP384r1-SHA512",
        "ML-DSA-87",
    ),
    ("1.3.6.1.5.5.7.6.51", "MLDSA87-Ed448-SHAKE256", "ML-DSA-87"),
    (
        "1.3.6.1.5.5.7.6.52",
        "MLDSA87-RSA3072-PSS-SHA512",
        "ML-DSA-87",
    ),
    (
        "1.3.6.1.5.5.7.6.53",
        "MLDSA87-RSA4096-PSS-SHA512",
        "ML-DSA-87",
    ),
    (
        "1.3.6.1.5.5.7.6.54",
        "MLDSA87-ECDSA-P521-SHA512",
        "ML-DSA-87",
    ),
];

/// The composite ML-DSA algorithm of a key or signature OID: its name
/// (`MLDSA65-ECDSA-P256-SHA512`) and its ML-DSA parameter set.
pub fn composite_ml_dsa(oid: &str) -> Option<(&'static str, &'static str)> {
    COMPOSITE_ML_DSA
        .iter()
        .find(|(o, ..)| *o == oid)
        .map(|(_, name, set)| (*name, *set))
}

/// The names of every post-quantum parameter set pkimm knows, in FIPS
/// order (ML-DSA, SLH-DSA, ML-KEM).
pub fn pq_parameter_set_names() -> impl Iterator<Item = &'static str> {
    PQ_PARAMETER_SETS.iter().map(|(_, name, _)| *name)
}

/// The subject public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct PublicKeyInfo {
    /// Algorithm family.
    pub algorithm: KeyAlgorithm,
    /// Algorithm OID.
    pub oid: CompactString,
    /// Key size in bits (RSA modulus, DSA p, EC field size).
    pub bits: u32,
    /// Curve name for EC keys (`P-256`, `P-384`, `P-521`, `secp256k1`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<CompactString>,
    /// RSA public exponent, when it fits in 64 bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsa_exponent: Option<u64>,
    /// Whether the algorithm is broken by a quantum computer.
    pub quantum_vulnerable: bool,
}

/// The signature algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct SignatureInfo {
    /// Name such as `sha256WithRSAEncryption`, `ecdsa-with-SHA384`, `ed25519`, or
    /// the dotted OID when unknown.
    pub name: CompactString,
    /// Dotted OID.
    pub oid: CompactString,
    /// Digest: `md2`, `md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`, or
    /// empty for algorithms without a separate digest (EdDSA, ML-DSA).
    pub hash: CompactString,
    /// Key family that makes the signature (`rsa`, `ec`, `ed25519`, `dsa`, …).
    pub key_algorithm: CompactString,
}

/// Subject alternative names by type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubjectAltNames {
    /// DNS names.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub dns: ThinVec<CompactString>,
    /// IP addresses.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub ip: ThinVec<CompactString>,
    /// RFC 822 e-mail addresses.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub email: ThinVec<CompactString>,
    /// URIs.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub uri: ThinVec<CompactString>,
    /// Other names, by OID (for example a UPN `1.3.6.1.4.1.311.20.2.3`).
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub other: ThinVec<CompactString>,
}

/// Basic constraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BasicConstraints {
    /// cA flag.
    pub ca: bool,
    /// pathLenConstraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_len: Option<u32>,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

/// Name constraints, summarised as strings (`dns:example.com`, `ip:10.0.0.0/8`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NameConstraints {
    /// Permitted subtrees.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub permitted: ThinVec<String>,
    /// Excluded subtrees.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub excluded: ThinVec<String>,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

/// One extension of a certificate. Its name is pkimm's (from
/// [`KNOWN_EXTENSIONS`]) rather than stored: 32 bytes per extension, where a
/// copy of the name beside the OID took 56.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionInfo {
    /// Dotted OID.
    pub oid: CompactString,
    /// Critical flag.
    pub critical: bool,
}

impl ExtensionInfo {
    /// Short name when pkimm knows it, otherwise the OID.
    pub fn name(&self) -> &str {
        extension_name(&self.oid).unwrap_or(&self.oid)
    }

    /// Whether pkimm knows the extension.
    pub fn known(&self) -> bool {
        extension_name(&self.oid).is_some()
    }
}

/// An extension as bundles carry it; `name` and `known` are written for
/// readers and recomputed when read.
#[derive(Serialize, Deserialize, JsonSchema)]
#[schemars(
    rename = "ExtensionInfo",
    description = "One extension of a certificate."
)]
struct ExtensionJson<'a> {
    /// Dotted OID.
    #[serde(borrow)]
    oid: Cow<'a, str>,
    /// Short name when pkimm knows it, otherwise the OID.
    #[serde(default, borrow)]
    name: Cow<'a, str>,
    /// Critical flag.
    critical: bool,
    /// Whether pkimm knows the extension.
    #[serde(default)]
    known: bool,
}

impl Serialize for ExtensionInfo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ExtensionJson {
            oid: Cow::Borrowed(&self.oid),
            name: Cow::Borrowed(self.name()),
            critical: self.critical,
            known: self.known(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ExtensionInfo {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = ExtensionJson::deserialize(deserializer)?;
        Ok(Self {
            oid: CompactString::from(json.oid.as_ref()),
            critical: json.critical,
        })
    }
}

impl JsonSchema for ExtensionInfo {
    fn schema_name() -> Cow<'static, str> {
        ExtensionJson::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        ExtensionJson::json_schema(generator)
    }
}

/// (OID, name) of the certificate and CRL extensions pkimm knows.
pub const KNOWN_EXTENSIONS: &[(&str, &str)] = &[
    ("2.5.29.9", "subjectDirectoryAttributes"),
    ("2.5.29.14", "subjectKeyIdentifier"),
    ("2.5.29.15", "keyUsage"),
    ("2.5.29.16", "privateKeyUsagePeriod"),
    ("2.5.29.17", "subjectAltName"),
    ("2.5.29.18", "issuerAltName"),
    ("2.5.29.19", "basicConstraints"),
    ("2.5.29.20", "cRLNumber"),
    ("2.5.29.21", "reasonCode"),
    ("2.5.29.24", "invalidityDate"),
    ("2.5.29.27", "deltaCRLIndicator"),
    ("2.5.29.28", "issuingDistributionPoint"),
    ("2.5.29.29", "certificateIssuer"),
    ("2.5.29.30", "nameConstraints"),
    ("2.5.29.31", "cRLDistributionPoints"),
    ("2.5.29.32", "certificatePolicies"),
    ("2.5.29.33", "policyMappings"),
    ("2.5.29.35", "authorityKeyIdentifier"),
    ("2.5.29.36", "policyConstraints"),
    ("2.5.29.37", "extKeyUsage"),
    ("2.5.29.46", "freshestCRL"),
    ("2.5.29.54", "inhibitAnyPolicy"),
    ("1.3.6.1.5.5.7.1.1", "authorityInfoAccess"),
    ("1.3.6.1.5.5.7.1.3", "qcStatements"),
    ("1.3.6.1.5.5.7.1.11", "subjectInfoAccess"),
    ("1.3.6.1.5.5.7.1.24", "tlsFeature"),
    ("1.3.6.1.5.5.7.48.1.5", "ocspNoCheck"),
    ("1.3.6.1.4.1.11129.2.4.2", "ctSignedCertificateTimestamps"),
    ("1.3.6.1.4.1.11129.2.4.3", "ctPrecertificatePoison"),
    ("2.16.840.1.113730.1.1", "netscapeCertType"),
    ("2.16.840.1.113730.1.13", "netscapeComment"),
    ("1.3.6.1.4.1.311.20.2", "msCertificateTemplateName"),
    ("1.3.6.1.4.1.311.21.1", "msCaVersion"),
    ("1.3.6.1.4.1.311.21.2", "msPreviousCaCertificateHash"),
    ("1.3.6.1.4.1.311.21.7", "msCertificateTemplate"),
    ("1.3.6.1.4.1.311.21.10", "msApplicationPolicies"),
    ("1.3.6.1.4.1.311.25.2", "msNtdsCaSecurity"),
    ("1.2.840.113533.7.65.0", "entrustVersionInfo"),
];

/// The name of a certificate or CRL extension OID, when pkimm knows it.
pub fn extension_name(oid: &str) -> Option<&'static str> {
    static BY_OID: std::sync::LazyLock<std::collections::HashMap<&str, &str>> =
        std::sync::LazyLock::new(|| KNOWN_EXTENSIONS.iter().copied().collect());
    BY_OID.get(oid).copied()
}

impl Certificate {
    /// Whether the certificate is a CA certificate by basic constraints.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|b| b.ca)
    }

    /// What the certificate is for, and why pkimm thinks so: from
    /// basicConstraints, the EKU, the CA/B Forum policy OIDs, the SAN types
    /// and, last, a subject CN that is a host name. Purposes: `ca`,
    /// `tls_server`, `tls_client`, `smime`, `code_signing`, `ocsp_signing`,
    /// `timestamping`, `unknown`. The reason is written only when displayed,
    /// so asking for the purpose alone costs no allocation.
    pub fn purpose(&self) -> (&'static str, PurposeReason<'_>) {
        let reason = |prefix, why| PurposeReason { prefix, why };
        if self.is_ca() {
            return ("ca", reason("", Why::Ca));
        }
        let mut prefix = "";
        if let Some(ekus) = &self.extended_key_usage {
            let has = |name: &str| ekus.iter().any(|e| e == name);
            for (eku, purpose) in [
                ("serverAuth", "tls_server"),
                ("codeSigning", "code_signing"),
                ("emailProtection", "smime"),
                ("OCSPSigning", "ocsp_signing"),
                ("timeStamping", "timestamping"),
                ("clientAuth", "tls_client"),
            ] {
                if has(eku) {
                    return (purpose, reason("", Why::Eku(eku)));
                }
            }
            if !has("anyExtendedKeyUsage") {
                return ("unknown", reason("", Why::OtherEku(ekus)));
            }
            prefix = "anyExtendedKeyUsage; ";
        }
        let policy = |prefix_oid: &str| self.policies.iter().any(|p| p.starts_with(prefix_oid));
        if policy("2.23.140.1.2.") {
            return ("tls_server", reason(prefix, Why::Policy("TLS")));
        }
        if policy("2.23.140.1.5.") {
            return ("smime", reason(prefix, Why::Policy("S/MIME")));
        }
        if policy("2.23.140.1.3") || policy("2.23.140.1.4.1") {
            return ("code_signing", reason(prefix, Why::Policy("code signing")));
        }
        if !self.san.dns.is_empty() || !self.san.ip.is_empty() {
            return ("tls_server", reason(prefix, Why::HostNames));
        }
        if !self.san.email.is_empty() {
            return ("smime", reason(prefix, Why::Emails));
        }
        let host_like = |cn: &CompactString| {
            cn.contains('.')
                && cn
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'*' | b':'))
        };
        if self.subject_cn.iter().any(host_like) {
            return ("tls_server", reason(prefix, Why::HostCn));
        }
        ("unknown", reason(prefix, Why::Nothing))
    }

    /// Gives back the spare capacity of every string and list. A record
    /// built field by field over-allocates (a list grows to four entries for
    /// its first one); at 100,000 records the slack is a fifth of the memory.
    pub fn shrink_to_fit(&mut self) {
        fn strings(list: &mut ThinVec<String>) {
            list.iter_mut().for_each(String::shrink_to_fit);
            list.shrink_to_fit();
        }
        fn names(list: &mut ThinVec<CompactString>) {
            list.iter_mut().for_each(CompactString::shrink_to_fit);
            list.shrink_to_fit();
        }
        self.serial.shrink_to_fit();
        self.subject.shrink_to_fit();
        for list in [
            &mut self.subject_cn,
            &mut self.san.dns,
            &mut self.san.ip,
            &mut self.san.email,
            &mut self.san.uri,
            &mut self.san.other,
            &mut self.policies,
        ] {
            names(list);
        }
        for list in [
            &mut self.ocsp_urls,
            &mut self.ca_issuer_urls,
            &mut self.crl_urls,
            &mut self.parse_warnings,
        ] {
            strings(list);
        }
        for list in [&mut self.key_usage, &mut self.extended_key_usage]
            .into_iter()
            .flatten()
        {
            names(list);
        }
        if let Some(constraints) = &mut self.name_constraints {
            strings(&mut constraints.permitted);
            strings(&mut constraints.excluded);
        }
        for id in [&mut self.subject_key_id, &mut self.authority_key_id]
            .into_iter()
            .flatten()
        {
            id.shrink_to_fit();
        }
        self.extensions.shrink_to_fit();
    }

    /// Adds observations, skipping exact duplicates.
    pub fn add_observations(&mut self, observations: impl IntoIterator<Item = Provenance>) {
        for observation in observations {
            if !self.observations.contains(&observation) {
                self.observations.push(observation);
            }
        }
    }
}

/// Why a certificate has the purpose [`Certificate::purpose`] gives, written
/// when displayed.
#[derive(Debug, Clone, Copy)]
pub struct PurposeReason<'a> {
    prefix: &'static str,
    why: Why<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Why<'a> {
    Ca,
    Eku(&'static str),
    OtherEku(&'a [CompactString]),
    Policy(&'static str),
    HostNames,
    Emails,
    HostCn,
    Nothing,
}

impl std::fmt::Display for PurposeReason<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.prefix)?;
        match self.why {
            Why::Ca => f.write_str("basicConstraints cA"),
            Why::Eku(eku) => write!(f, "{eku} EKU"),
            Why::OtherEku(ekus) => {
                write!(
                    f,
                    "EKU {} names no purpose pkimm classifies",
                    ekus.join(", ")
                )
            }
            Why::Policy(what) => write!(f, "CA/B Forum {what} policy OID"),
            Why::HostNames => f.write_str("no EKU limits it; DNS or IP names in the SAN"),
            Why::Emails => f.write_str("no EKU limits it; e-mail addresses in the SAN"),
            Why::HostCn => f.write_str("no EKU or SAN; the subject CN is a host name or address"),
            Why::Nothing => f.write_str("no EKU, SAN or policy says what it is for"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_algorithm_names_are_the_serialised_names() {
        for algorithm in KeyAlgorithm::ALL {
            let json = serde_json::to_value(algorithm).unwrap();
            assert_eq!(json.as_str(), Some(algorithm.name()));
        }
    }
}
