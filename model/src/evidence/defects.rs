//! Encoding and key-quality defects found while reading a certificate (and
//! the few CRL ones, prefixed `crl_`, plus the signature ones a CRL shares).
//!
//! Most of a certificate's profile is visible in its decoded fields; these
//! defects are not: a non-minimal DER length, a PrintableString with a `@`, an
//! RSA modulus with a small factor. The parser looks for each once, when the
//! certificate is read, and keeps what it found as a set of flags (eight
//! bytes per certificate), which rules read as `cert.defects.<name>`.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! defects {
    ($($(#[doc = $doc:literal])+ $variant:ident = $name:literal,)+) => {
        /// One defect a certificate's encoding or key can have.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Defect {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Defect {
            /// Every defect, in documentation order.
            pub const ALL: &'static [Defect] = &[$(Defect::$variant,)+];

            /// The name rules and JSON use (`rsa_small_factor`, …).
            pub fn name(self) -> &'static str {
                match self {
                    $(Defect::$variant => $name,)+
                }
            }

            /// What the defect is, for the rule reference.
            pub fn doc(self) -> &'static str {
                match self {
                    $(Defect::$variant => concat!($($doc),+).trim_ascii(),)+
                }
            }
        }
    };
}

defects! {
    /// the RSA modulus is even
    RsaModulusEven = "rsa_modulus_even",
    /// the RSA modulus has a prime factor below 752
    RsaSmallFactor = "rsa_small_factor",
    /// the RSA modulus factors by Fermat's method within 100 steps (its primes are too close)
    RsaFermatFactorable = "rsa_fermat_factorable",
    /// the RSA modulus has the structure of keys from the Infineon library broken by ROCA (CVE-2017-15361)
    RsaRocaVulnerable = "rsa_roca_vulnerable",
    /// the rsaEncryption AlgorithmIdentifier in the SPKI has parameters other than NULL
    RsaKeyParametersNotNull = "rsa_key_parameters_not_null",
    /// the EC public point is not on its named curve (P-256, P-384 or P-521)
    EcPointNotOnCurve = "ec_point_not_on_curve",
    /// the EC public point is in compressed form
    EcPointCompressed = "ec_point_compressed",
    /// the EC public point is neither a well-formed uncompressed nor a compressed point for its curve
    EcPointMalformed = "ec_point_malformed",
    /// the key AlgorithmIdentifier carries parameters where the algorithm forbids them (EdDSA, X25519/X448, ML-DSA, SLH-DSA, ML-KEM)
    KeyParametersPresent = "key_parameters_present",
    /// a post-quantum public key does not have the length of its parameter set (or a composite ML-DSA key is not the ML-DSA key followed by the named traditional key)
    PqKeyLengthWrong = "pq_key_length_wrong",
    /// the signature AlgorithmIdentifier inside the TBS differs from the outer one
    SignatureAlgorithmMismatch = "signature_algorithm_mismatch",
    /// the signature AlgorithmIdentifier has the wrong parameters (not NULL for PKCS #1 v1.5, present for ECDSA, EdDSA, ML-DSA, SLH-DSA)
    SignatureParametersWrong = "signature_parameters_wrong",
    /// a DER length is not in its shortest form, or is indefinite
    DerLengthNotMinimal = "der_length_not_minimal",
    /// a BOOLEAN is encoded other than 0x00 or 0xFF
    DerBooleanNotCanonical = "der_boolean_not_canonical",
    /// an INTEGER has a redundant leading 0x00 or 0xFF octet
    DerIntegerNotMinimal = "der_integer_not_minimal",
    /// an extension's `critical` or basicConstraints' `cA` is encoded as FALSE, its DEFAULT, which DER omits
    DerDefaultEncoded = "der_default_encoded",
    /// a validity time uses UTCTime for a year from 2050 or GeneralizedTime for a year before 2050
    ValidityTimeWrongType = "validity_time_wrong_type",
    /// a validity time lacks seconds or `Z`, or has fractional seconds (the certificate was read from a repaired copy)
    ValidityTimeNotConforming = "validity_time_not_conforming",
    /// the certificate has an issuerUniqueID or subjectUniqueID
    UniqueIdentifierPresent = "unique_identifier_present",
    /// an extension's value is empty (an empty SEQUENCE or OCTET STRING)
    ExtensionValueEmpty = "extension_value_empty",
    /// the authorityKeyIdentifier has no keyIdentifier
    AuthorityKeyIdMissingKeyId = "authority_key_id_missing_key_id",
    /// the authorityKeyIdentifier carries authorityCertIssuer or authorityCertSerialNumber
    AuthorityKeyIdHasIssuerSerial = "authority_key_id_has_issuer_serial",
    /// a name-constraints subtree has a non-zero minimum
    NameConstraintsMinimum = "name_constraints_minimum",
    /// a name-constraints subtree has a maximum
    NameConstraintsMaximum = "name_constraints_maximum",
    /// name constraints have neither permitted nor excluded subtrees
    NameConstraintsEmpty = "name_constraints_empty",
    /// an iPAddress name constraint is not an address and mask of 8 or 32 octets
    NameConstraintsBadIp = "name_constraints_bad_ip",
    /// a subject countryName is not an ISO 3166-1 alpha-2 code (or `XX`)
    SubjectCountryInvalid = "subject_country_invalid",
    /// a subject or issuer countryName is not a PrintableString
    CountryNotPrintable = "country_not_printable",
    /// a subject attribute value is empty
    SubjectEmptyValue = "subject_empty_value",
    /// a subject RDN has no attributes (an empty SET)
    SubjectEmptyRdn = "subject_empty_rdn",
    /// a subject RDN has more than one attribute
    SubjectMultiValuedRdn = "subject_multi_valued_rdn",
    /// a subject DirectoryString is a TeletexString, BMPString or UniversalString (RFC 5280 wants PrintableString or UTF8String)
    SubjectLegacyStringType = "subject_legacy_string_type",
    /// a subject PrintableString holds a character outside the PrintableString set
    SubjectPrintableBadCharacter = "subject_printable_bad_character",
    /// a subject emailAddress is not an IA5String
    SubjectEmailNotIa5 = "subject_email_not_ia5",
    /// a subject serialNumber is not a PrintableString
    SubjectSerialNumberNotPrintable = "subject_serial_number_not_printable",
    /// a subject organizationName is over 64 characters
    SubjectOrganizationTooLong = "subject_organization_too_long",
    /// a subject organizationalUnitName is over 64 characters
    SubjectOrganizationalUnitTooLong = "subject_organizational_unit_too_long",
    /// a subject localityName is over 128 characters
    SubjectLocalityTooLong = "subject_locality_too_long",
    /// a subject stateOrProvinceName is over 128 characters
    SubjectStateTooLong = "subject_state_too_long",
    /// a subject streetAddress is over 128 characters
    SubjectStreetTooLong = "subject_street_too_long",
    /// a subject postalCode is over 16 characters
    SubjectPostalCodeTooLong = "subject_postal_code_too_long",
    /// a subject emailAddress is over 255 characters
    SubjectEmailTooLong = "subject_email_too_long",
    /// a subject serialNumber is over 64 characters
    SubjectSerialNumberTooLong = "subject_serial_number_too_long",
    /// the issuer name has no attributes
    IssuerEmpty = "issuer_empty",
    /// an issuer RDN has more than one attribute
    IssuerMultiValuedRdn = "issuer_multi_valued_rdn",
    /// a SAN dNSName, rFC822Name or URI holds a NUL or another control character
    SanControlCharacter = "san_control_character",
    /// CRL: revokedCertificates is present but empty (DER leaves it out)
    CrlRevokedListEmpty = "crl_revoked_list_empty",
    /// CRL: an entry gives reasonCode unspecified (0) instead of leaving it out
    CrlReasonUnspecified = "crl_reason_unspecified",
    /// CRL: an entry's reasonCode extension is marked critical
    CrlReasonCodeCritical = "crl_reason_code_critical",
    /// CRL: the CRL or an entry has a critical extension pkimm does not know (RFC 5280 §5.2: the CRL must not be used)
    CrlUnknownCriticalExtension = "crl_unknown_critical_extension",
    /// CRL: an entry's revocationDate is after the CRL's thisUpdate
    CrlEntryRevokedAfterThisUpdate = "crl_entry_revoked_after_this_update",
}

impl Defect {
    /// The defect named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|d| d.name() == name)
    }
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The set of defects found in one certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Defects(u64);

impl Defects {
    /// Records `defect`.
    pub fn insert(&mut self, defect: Defect) {
        self.0 |= 1 << defect as u8;
    }

    /// Whether `defect` was found.
    pub fn contains(self, defect: Defect) -> bool {
        self.0 & (1 << defect as u8) != 0
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The defects found, in documentation order.
    pub fn iter(self) -> impl Iterator<Item = Defect> {
        Defect::ALL
            .iter()
            .copied()
            .filter(move |d| self.contains(*d))
    }
}

impl FromIterator<Defect> for Defects {
    fn from_iter<I: IntoIterator<Item = Defect>>(iter: I) -> Self {
        let mut set = Self::default();
        iter.into_iter().for_each(|d| set.insert(d));
        set
    }
}

impl Serialize for Defects {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Defect::name))
    }
}

impl<'de> Deserialize<'de> for Defects {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        names
            .iter()
            .map(|name| {
                Defect::from_name(name)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown defect `{name}`")))
            })
            .collect()
    }
}

impl JsonSchema for Defects {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Defects".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Defect::ALL.iter().map(|d| d.name()).collect();
        schemars::json_schema!({
            "type": "array",
            "uniqueItems": true,
            "items": { "type": "string", "enum": names }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defects_fit_the_set_and_round_trip_by_name() {
        assert!(Defect::ALL.len() <= 64);
        let set: Defects = [Defect::RsaSmallFactor, Defect::IssuerEmpty]
            .into_iter()
            .collect();
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["rsa_small_factor","issuer_empty"]"#);
        assert_eq!(serde_json::from_str::<Defects>(&json).unwrap(), set);
        assert!(serde_json::from_str::<Defects>(r#"["no_such"]"#).is_err());
        for defect in Defect::ALL {
            assert_eq!(Defect::from_name(defect.name()), Some(*defect));
            assert!(!defect.doc().is_empty());
        }
    }
}
