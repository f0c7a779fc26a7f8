//! Looking for the defects a certificate's decoded fields do not show: DER
//! departures, wrong algorithm parameters, weak keys, badly typed or
//! over-long name attributes, malformed extension internals.
//!
//! Each check reads the certificate's own bytes once, when it is read; the
//! result is a [`Defects`] set on the record (see
//! `pkimm_model::evidence::Defect` for what each means). Rules read it as
//! `cert.defects`.

use pkimm_model::evidence::{
    composite_ml_dsa, pq_parameter_set, Defect, Defects, KeyAlgorithm, PublicKeyInfo,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::RSAPublicKey;
use x509_parser::x509::AlgorithmIdentifier;

use super::key_quality::{self, EcPoint};
use super::tlv::{self, Strictness, Tlv};

/// ISO 3166-1 alpha-2 codes, and `XX` (the CA/B Forum BRs' "no country"),
/// as zlint lists them.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XX";

/// Universal tags of the string types names use.
const PRINTABLE_STRING: u32 = 19;
const TELETEX_STRING: u32 = 20;
const IA5_STRING: u32 = 22;
const UNIVERSAL_STRING: u32 = 28;
const BMP_STRING: u32 = 30;
const UTF8_STRING: u32 = 12;

/// Finds the defects of a parsed certificate whose DER is `der`, with the key
/// as already decoded.
pub(crate) fn find(x509: &X509Certificate<'_>, der: &[u8], key: &PublicKeyInfo) -> Defects {
    let mut found = Defects::default();
    strict_der(x509, der, &mut found);
    let fields = tbs_fields(der);
    structure(&fields, &mut found);
    public_key(x509, key, &mut found);
    signature_algorithms(x509, &mut found);
    let name = |i: usize| fields.get(i).filter(|f| f.tag == 0x30).map(|f| f.content);
    if let (Some(issuer_name), Some(subject_name)) = (name(ISSUER), name(SUBJECT)) {
        issuer(issuer_name, &mut found);
        subject(subject_name, &mut found);
    }
    for extension in x509.extensions() {
        extension_value(extension.oid.as_bytes(), extension.value, &mut found);
    }
    found
}

fn strict_der(x509: &X509Certificate<'_>, der: &[u8], found: &mut Defects) {
    let mut strictness = Strictness::default();
    tlv::walk(der, &mut strictness);
    for extension in x509.extensions() {
        if tlv::fills(extension.value) {
            tlv::walk(extension.value, &mut strictness);
        }
    }
    let spki = &x509.public_key().subject_public_key.data;
    if tlv::fills(spki) {
        tlv::walk(spki, &mut strictness);
    }
    let flags = [
        (strictness.length_not_minimal, Defect::DerLengthNotMinimal),
        (
            strictness.boolean_not_canonical,
            Defect::DerBooleanNotCanonical,
        ),
        (strictness.integer_not_minimal, Defect::DerIntegerNotMinimal),
    ];
    for (present, defect) in flags {
        if present {
            found.insert(defect);
        }
    }
}

/// Positions in [`tbs_fields`]: after them come the optional unique
/// identifiers and extensions.
const ISSUER: usize = 2;
const VALIDITY: usize = 3;
const SUBJECT: usize = 4;
const FIRST_OPTIONAL: usize = 6;

/// The TBS fields of a certificate's DER, in order, from the serial number
/// on (the version, when present, is left out).
fn tbs_fields(der: &[u8]) -> Vec<Tlv<'_>> {
    let tbs = tlv::read(der).and_then(|(certificate, _)| tlv::children(certificate.content).next());
    let Some(tbs) = tbs else {
        return Vec::new();
    };
    let mut fields = tlv::children(tbs.content).peekable();
    fields.next_if(|f| f.tag == 0xa0);
    fields.collect()
}

/// The TBS fields x509-parser reads without saying how they were encoded:
/// the validity time types, unique identifiers, and extensions that spell
/// out `critical FALSE`.
fn structure(fields: &[Tlv<'_>], found: &mut Defects) {
    if let Some(validity) = fields.get(VALIDITY) {
        for time in tlv::children(validity.content) {
            if time.tag == 0x18 && generalized_year(time.content).is_some_and(|y| y < 2050) {
                found.insert(Defect::ValidityTimeWrongType);
            }
            if !conforming_time(time.tag, time.content) {
                found.insert(Defect::ValidityTimeNotConforming);
            }
        }
    }
    for field in fields.get(FIRST_OPTIONAL..).unwrap_or_default() {
        match field.tag {
            0x81 | 0xa1 | 0x82 | 0xa2 => found.insert(Defect::UniqueIdentifierPresent),
            0xa3 => {
                let list = tlv::children(field.content).next();
                for extension in list.into_iter().flat_map(|l| tlv::children(l.content)) {
                    let critical = tlv::children(extension.content).nth(1);
                    if critical.is_some_and(|c| c.tag == 0x01 && c.content == [0x00]) {
                        found.insert(Defect::DerDefaultEncoded);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether a validity time is `YYMMDDHHMMSSZ` (UTCTime) or
/// `YYYYMMDDHHMMSSZ` (GeneralizedTime), as RFC 5280 §4.1.2.5 requires.
fn conforming_time(tag: u8, content: &[u8]) -> bool {
    let digits = match tag {
        0x17 => 12,
        0x18 => 14,
        _ => return false,
    };
    content.len() == digits + 1
        && content[digits] == b'Z'
        && content[..digits].iter().all(u8::is_ascii_digit)
}

/// The year of a GeneralizedTime's content (`YYYY…`).
fn generalized_year(content: &[u8]) -> Option<u32> {
    let digits = content.get(..4)?;
    digits.iter().try_fold(0u32, |year, d| {
        d.is_ascii_digit().then(|| year * 10 + u32::from(d - b'0'))
    })
}

fn public_key(x509: &X509Certificate<'_>, key: &PublicKeyInfo, found: &mut Defects) {
    let spki = x509.public_key();
    let parameters = spki.algorithm.parameters.as_ref();
    let point = &spki.subject_public_key.data;
    match key.algorithm {
        KeyAlgorithm::Rsa | KeyAlgorithm::RsaPss => {
            if key.algorithm == KeyAlgorithm::Rsa && !parameters.is_some_and(is_null) {
                found.insert(Defect::RsaKeyParametersNotNull);
            }
            if let Ok((_, rsa)) = RSAPublicKey::from_der(point) {
                let weak = key_quality::rsa_modulus(rsa.modulus);
                let flags = [
                    (weak.even, Defect::RsaModulusEven),
                    (weak.small_factor, Defect::RsaSmallFactor),
                    (weak.fermat_factorable, Defect::RsaFermatFactorable),
                    (weak.roca, Defect::RsaRocaVulnerable),
                ];
                for (present, defect) in flags {
                    if present {
                        found.insert(defect);
                    }
                }
            }
        }
        KeyAlgorithm::Ec => {
            let curve = key.curve.as_deref().unwrap_or("");
            match key_quality::ec_point(curve, key.bits, point) {
                EcPoint::NotOnCurve => found.insert(Defect::EcPointNotOnCurve),
                EcPoint::Compressed => found.insert(Defect::EcPointCompressed),
                EcPoint::Malformed => found.insert(Defect::EcPointMalformed),
                EcPoint::OnCurve | EcPoint::Unchecked => {}
            }
        }
        KeyAlgorithm::Ed25519
        | KeyAlgorithm::Ed448
        | KeyAlgorithm::X25519
        | KeyAlgorithm::X448
        | KeyAlgorithm::MlDsa
        | KeyAlgorithm::SlhDsa
        | KeyAlgorithm::MlKem
        | KeyAlgorithm::CompositeMlDsa => {
            if parameters.is_some() {
                found.insert(Defect::KeyParametersPresent);
            }
            if pq_parameter_set(&key.oid).is_some_and(|(_, len)| point.len() != len) {
                found.insert(Defect::PqKeyLengthWrong);
            }
            if composite_ml_dsa(&key.oid)
                .is_some_and(|(name, set)| !composite_key_well_formed(name, set, point))
            {
                found.insert(Defect::PqKeyLengthWrong);
            }
        }
        KeyAlgorithm::Dsa | KeyAlgorithm::Unknown => {}
    }
}

/// Whether a composite ML-DSA public key is the ML-DSA key of its
/// parameter set followed by a traditional key of the kind its name says
/// (draft-ietf-lamps-pq-composite-sigs, SerializePublicKey: `mldsaPK ||
/// tradPK`; an RSAPublicKey of the named modulus size, an uncompressed X9.62
/// point on the named curve, or a 32- or 57-byte EdDSA key).
fn composite_key_well_formed(name: &str, ml_dsa_set: &str, key: &[u8]) -> bool {
    let ml_dsa_bytes = match ml_dsa_set {
        "ML-DSA-44" => 1312,
        "ML-DSA-65" => 1952,
        "ML-DSA-87" => 2592,
        _ => return false,
    };
    let Some(traditional) = key.get(ml_dsa_bytes..) else {
        return false;
    };
    let mut parts = name.split('-').skip(1);
    match (parts.next(), parts.next()) {
        (Some("Ed25519"), _) => traditional.len() == 32,
        (Some("Ed448"), _) => traditional.len() == 57,
        (Some("ECDSA"), Some(curve)) => {
            let (curve, bits) = match curve {
                "P256" => ("P-256", 256),
                "P384" => ("P-384", 384),
                "P521" => ("P-521", 521),
                "brainpoolP256r1" => ("brainpoolP256r1", 256),
                "brainpoolP384r1" => ("brainpoolP384r1", 384),
                _ => return false,
            };
            let field_bytes = (bits as usize).div_ceil(8);
            traditional.len() == 1 + 2 * field_bytes
                && matches!(
                    key_quality::ec_point(curve, bits, traditional),
                    EcPoint::OnCurve | EcPoint::Unchecked
                )
        }
        (Some(rsa), _) if rsa.starts_with("RSA") => {
            let Ok(bits) = rsa["RSA".len()..].parse::<u32>() else {
                return false;
            };
            matches!(
                RSAPublicKey::from_der(traditional),
                Ok((rest, public)) if rest.is_empty()
                    && key_quality::bit_length(public.modulus) == bits
            )
        }
        _ => false,
    }
}

fn is_null(any: &x509_parser::der_parser::asn1_rs::Any<'_>) -> bool {
    any.header.tag() == Tag::Null && any.data.is_empty()
}

/// Signature algorithms whose parameters must be NULL (PKCS #1 v1.5, RFC 4055
/// §5) or absent (ECDSA, RFC 5758 §3.2; DSA, RFC 3279; EdDSA, RFC 8410;
/// ML-DSA and SLH-DSA, RFC 9881 and RFC 9909; composite ML-DSA,
/// draft-ietf-lamps-pq-composite-sigs §7), by OID content bytes.
enum Parameters {
    Null,
    Absent,
    Other,
}

fn expected_parameters(oid: &[u8]) -> Parameters {
    const PKCS1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04];
    const DSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03];
    const NIST_SIG: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03];
    const PKIX_ALGORITHMS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06];
    match oid {
        [prefix @ .., n] if prefix == PKCS1 && matches!(n, 2..=5 | 11..=16) => Parameters::Null,
        [prefix @ .., _] if prefix == ECDSA => Parameters::Absent,
        [prefix @ .., _, _] if prefix == ECDSA => Parameters::Absent,
        _ if oid == DSA_SHA1 => Parameters::Absent,
        [prefix @ .., n] if prefix == NIST_SIG && matches!(n, 1..=2 | 17..=31) => {
            Parameters::Absent
        }
        [0x2b, 0x65, 0x70 | 0x71] => Parameters::Absent,
        [prefix @ .., 37..=54] if prefix == PKIX_ALGORITHMS => Parameters::Absent,
        _ => Parameters::Other,
    }
}

fn parameters_wrong(algorithm: &AlgorithmIdentifier<'_>) -> bool {
    let parameters = algorithm.parameters.as_ref();
    match expected_parameters(algorithm.algorithm.as_bytes()) {
        Parameters::Null => !parameters.is_some_and(is_null),
        Parameters::Absent => parameters.is_some(),
        Parameters::Other => false,
    }
}

fn signature_algorithms(x509: &X509Certificate<'_>, found: &mut Defects) {
    signature_pair(
        &x509.tbs_certificate.signature,
        &x509.signature_algorithm,
        found,
    );
}

/// Compares the signature algorithm inside a signed structure's TBS with the
/// outer one and checks both parameters: shared by certificates and CRLs.
pub(crate) fn signature_pair(
    inner: &AlgorithmIdentifier<'_>,
    outer: &AlgorithmIdentifier<'_>,
    found: &mut Defects,
) {
    let same_parameters = match (&inner.parameters, &outer.parameters) {
        (None, None) => true,
        (Some(a), Some(b)) => a.header.tag() == b.header.tag() && a.data == b.data,
        _ => false,
    };
    if inner.algorithm != outer.algorithm || !same_parameters {
        found.insert(Defect::SignatureAlgorithmMismatch);
    }
    if parameters_wrong(inner) || parameters_wrong(outer) {
        found.insert(Defect::SignatureParametersWrong);
    }
}

/// An attribute type 2.5.4.`n`.
fn x520(oid: &[u8]) -> Option<u8> {
    match oid {
        [0x55, 0x04, n] => Some(*n),
        _ => None,
    }
}

const EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

/// The character length of a string value by its type.
fn characters(tag: u32, data: &[u8]) -> usize {
    match tag {
        UTF8_STRING => std::str::from_utf8(data).map_or(data.len(), |s| s.chars().count()),
        BMP_STRING => data.len() / 2,
        UNIVERSAL_STRING => data.len() / 4,
        _ => data.len(),
    }
}

/// The PrintableString character set (X.680 §41.4).
fn printable(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&byte)
}

/// The RDNs of a Name (`SEQUENCE OF SET OF AttributeTypeAndValue`), from
/// the SEQUENCE's content. Read from the bytes, not x509-parser's name,
/// which stops at an empty RDN and drops the attributes after it.
fn rdns(content: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    tlv::children(content)
}

/// An attribute's type (OID content bytes) and value.
fn attribute<'a>(attribute: &Tlv<'a>) -> Option<(&'a [u8], Tlv<'a>)> {
    let mut parts = tlv::children(attribute.content);
    let oid = parts.next().filter(|o| o.tag == 0x06)?;
    Some((oid.content, parts.next()?))
}

fn subject(raw: &[u8], found: &mut Defects) {
    for rdn in rdns(raw) {
        let mut attributes = tlv::children(rdn.content).peekable();
        if attributes.peek().is_none() {
            found.insert(Defect::SubjectEmptyRdn);
        }
        for (index, attribute_tlv) in attributes.enumerate() {
            if index == 1 {
                found.insert(Defect::SubjectMultiValuedRdn);
            }
            let Some((oid, value)) = attribute(&attribute_tlv) else {
                continue;
            };
            let tag = u32::from(value.tag);
            let data = value.content;
            if data.is_empty() {
                found.insert(Defect::SubjectEmptyValue);
            }
            if tag == PRINTABLE_STRING && !data.iter().all(|b| printable(*b)) {
                found.insert(Defect::SubjectPrintableBadCharacter);
            }
            if oid == EMAIL_ADDRESS {
                if tag != IA5_STRING {
                    found.insert(Defect::SubjectEmailNotIa5);
                }
                if characters(tag, data) > 255 {
                    found.insert(Defect::SubjectEmailTooLong);
                }
                continue;
            }
            let Some(kind) = x520(oid) else {
                continue;
            };
            if matches!(tag, TELETEX_STRING | BMP_STRING | UNIVERSAL_STRING) {
                found.insert(Defect::SubjectLegacyStringType);
            }
            let too_long = match kind {
                5 => Some((64, Defect::SubjectSerialNumberTooLong)),
                7 => Some((128, Defect::SubjectLocalityTooLong)),
                8 => Some((128, Defect::SubjectStateTooLong)),
                9 => Some((128, Defect::SubjectStreetTooLong)),
                10 => Some((64, Defect::SubjectOrganizationTooLong)),
                11 => Some((64, Defect::SubjectOrganizationalUnitTooLong)),
                17 => Some((16, Defect::SubjectPostalCodeTooLong)),
                _ => None,
            };
            if let Some((limit, defect)) = too_long {
                if characters(tag, data) > limit {
                    found.insert(defect);
                }
            }
            match kind {
                5 if tag != PRINTABLE_STRING => {
                    found.insert(Defect::SubjectSerialNumberNotPrintable)
                }
                6 => {
                    if tag != PRINTABLE_STRING {
                        found.insert(Defect::CountryNotPrintable);
                    }
                    let code = data.to_ascii_uppercase();
                    let known = code.len() == 2
                        && COUNTRIES
                            .split(' ')
                            .any(|c| c.as_bytes() == code.as_slice());
                    if !known {
                        found.insert(Defect::SubjectCountryInvalid);
                    }
                }
                _ => {}
            }
        }
    }
}

fn issuer(raw: &[u8], found: &mut Defects) {
    if rdns(raw).next().is_none() {
        found.insert(Defect::IssuerEmpty);
    }
    for rdn in rdns(raw) {
        if tlv::children(rdn.content).nth(1).is_some() {
            found.insert(Defect::IssuerMultiValuedRdn);
        }
        for (oid, value) in tlv::children(rdn.content).filter_map(|a| attribute(&a)) {
            if x520(oid) == Some(6) && u32::from(value.tag) != PRINTABLE_STRING {
                found.insert(Defect::CountryNotPrintable);
            }
        }
    }
}

/// Extension OIDs (content bytes) whose internals are checked.
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
const AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];

/// Extensions whose value is a `SEQUENCE SIZE (1..MAX) OF …`, so that an empty
/// SEQUENCE is malformed (basicConstraints and the AKI, whose fields are all
/// optional, may be empty SEQUENCEs): subjectDirectoryAttributes, SAN, IAN,
/// CDP, certificatePolicies, policyMappings, policyConstraints, EKU,
/// freshestCRL, AIA and SIA.
const LISTS: &[&[u8]] = &[
    &[0x55, 0x1d, 0x09],
    &[0x55, 0x1d, 0x11],
    &[0x55, 0x1d, 0x12],
    &[0x55, 0x1d, 0x1f],
    &[0x55, 0x1d, 0x20],
    &[0x55, 0x1d, 0x21],
    &[0x55, 0x1d, 0x24],
    &[0x55, 0x1d, 0x25],
    &[0x55, 0x1d, 0x2e],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0b],
];

fn extension_value(oid: &[u8], value: &[u8], found: &mut Defects) {
    if value.is_empty() || (value == [0x30, 0x00] && LISTS.contains(&oid)) {
        found.insert(Defect::ExtensionValueEmpty);
        return;
    }
    let Some((outer, _)) = tlv::read(value) else {
        return;
    };
    let parts = || tlv::children(outer.content);
    match oid {
        AUTHORITY_KEY_ID => {
            if !parts().any(|p| p.tag == 0x80) {
                found.insert(Defect::AuthorityKeyIdMissingKeyId);
            }
            if parts().any(|p| p.tag == 0xa1 || p.tag == 0x82) {
                found.insert(Defect::AuthorityKeyIdHasIssuerSerial);
            }
        }
        BASIC_CONSTRAINTS
            if parts()
                .next()
                .is_some_and(|p| p.tag == 0x01 && p.content == [0x00]) =>
        {
            found.insert(Defect::DerDefaultEncoded);
        }
        NAME_CONSTRAINTS => name_constraints(parts(), found),
        SUBJECT_ALT_NAME => {
            let text_names = parts().filter(|p| matches!(p.tag, 0x81 | 0x82 | 0x86));
            if text_names
                .flat_map(|p| p.content.iter())
                .any(|b| *b < 0x20 || *b == 0x7f)
            {
                found.insert(Defect::SanControlCharacter);
            }
        }
        _ => {}
    }
}

fn name_constraints<'a>(parts: impl Iterator<Item = Tlv<'a>>, found: &mut Defects) {
    let mut subtrees = 0;
    for list in parts.filter(|p| p.tag == 0xa0 || p.tag == 0xa1) {
        for subtree in tlv::children(list.content) {
            subtrees += 1;
            let mut fields = tlv::children(subtree.content);
            if let Some(base) = fields.next() {
                if base.tag == 0x87 && !matches!(base.content.len(), 8 | 32) {
                    found.insert(Defect::NameConstraintsBadIp);
                }
            }
            for field in fields {
                match (field.tag, field.content) {
                    (0x80, [0x00]) => found.insert(Defect::DerDefaultEncoded),
                    (0x80, _) => found.insert(Defect::NameConstraintsMinimum),
                    (0x81, _) => found.insert(Defect::NameConstraintsMaximum),
                    _ => {}
                }
            }
        }
    }
    if subtrees == 0 {
        found.insert(Defect::NameConstraintsEmpty);
    }
}

#[cfg(test)]
mod tests {
    use pkimm_model::evidence::{Defect, Provenance, UtcTime};

    use crate::parse::certificate::certificate_from_der;

    fn provenance() -> Provenance {
        Provenance {
            collector: "test".into(),
            source: "defects".into(),
            method: "der".into(),
            collected_at: UtcTime::now(),
            agent: None,
        }
    }

    fn p256_certificate() -> (Vec<u8>, Vec<u8>) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = rcgen::CertificateParams::new(vec!["www.example.com".into()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        (cert.der().to_vec(), key.public_key_raw().to_vec())
    }

    /// The composite test-vector certificates of
    /// draft-ietf-lamps-pq-composite-sigs (fixtures/pq/composite): every key
    /// is well formed, and one byte fewer or more is not.
    #[test]
    fn composite_keys_are_ml_dsa_then_the_named_traditional_key() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pq/composite");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let pem = std::fs::read(&path).unwrap();
            let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
            let (_, x509) = x509_parser::parse_x509_certificate(&pem.contents).unwrap();
            let oid = x509.public_key().algorithm.algorithm.to_id_string();
            let (name, set) = super::composite_ml_dsa(&oid).unwrap();
            let key = &x509.public_key().subject_public_key.data;
            assert!(super::composite_key_well_formed(name, set, key), "{name}");
            assert!(
                !super::composite_key_well_formed(name, set, &key[..key.len() - 1]),
                "{name} short"
            );
            let mut long = key.to_vec();
            long.push(0);
            assert!(
                !super::composite_key_well_formed(name, set, &long),
                "{name} long"
            );
            let record = certificate_from_der(&pem.contents, provenance()).unwrap();
            assert!(!record.defects.contains(Defect::PqKeyLengthWrong), "{name}");
            checked += 1;
        }
        assert_eq!(checked, 18);
        // A key of the wrong traditional kind: an Ed25519 tail where P-256 is named.
        let ed25519_tail = [[0u8; 1312].as_slice(), &[7u8; 32]].concat();
        assert!(!super::composite_key_well_formed(
            "MLDSA44-ECDSA-P256-SHA256",
            "ML-DSA-44",
            &ed25519_tail
        ));
        assert!(super::composite_key_well_formed(
            "MLDSA44-Ed25519-SHA512",
            "ML-DSA-44",
            &ed25519_tail
        ));
    }

    #[test]
    fn a_clean_certificate_has_no_defects() {
        let (der, _) = p256_certificate();
        let record = certificate_from_der(&der, provenance()).unwrap();
        assert!(record.defects.is_empty(), "{:?}", record.defects);
    }

    #[test]
    fn a_point_off_the_curve_is_found() {
        let (mut der, point) = p256_certificate();
        let at = der
            .windows(point.len())
            .position(|w| w == point.as_slice())
            .unwrap();
        der[at + point.len() - 1] ^= 0x01;
        let record = certificate_from_der(&der, provenance()).unwrap();
        assert!(record.defects.contains(Defect::EcPointNotOnCurve));
    }
}
