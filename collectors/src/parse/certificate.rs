//! X.509 certificate → [`Certificate`] evidence, with x509-parser.
//!
//! This is the only place that turns a parsed certificate into evidence. The
//! extensions are decoded by [`super::extensions`] and names rendered by
//! [`super::names`]; a malformed extension does not lose the certificate: it
//! becomes a parse warning on the record.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use pkimm_model::evidence::{
    thin_vec, Certificate, Defects, Der, KeyAlgorithm, Provenance, PublicKeyInfo, Sha256Hex,
    SignatureInfo, SubjectAltNames, ThinVec, UtcTime,
};
use sha2::{Digest, Sha256};
use x509_parser::certificate::{X509Certificate, X509CertificateParser};
use x509_parser::der_parser::asn1_rs::Oid;
use x509_parser::error::X509Error;
use x509_parser::extensions::GeneralName;
use x509_parser::nom::Parser as _;
use x509_parser::oid_registry::OID_PKCS1_RSASSAPSS;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::{PublicKey, RSAPublicKey};
use x509_parser::signature_algorithm::SignatureAlgorithm;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::{defects, extensions, names, oids};

/// Why DER could not be read as a certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid X.509 certificate: {0}")]
pub struct CertificateError(pub String);

/// Lowercase hex of `bytes`. (`hex::encode` goes through a char iterator; this
/// is a hot path for fingerprints, serials and key identifiers.)
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = vec![0u8; bytes.len() * 2];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A serial number's DER content bytes as lowercase hex without leading zeros,
/// the form every evidence record uses.
pub fn serial_hex(raw: &[u8]) -> String {
    let first = raw.iter().position(|b| *b != 0).unwrap_or(raw.len());
    let hex = to_hex(&raw[first..]);
    match hex.strip_prefix('0') {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ if hex.is_empty() => "0".to_string(),
        _ => hex,
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// SHA-256 of `bytes` as an evidence fingerprint.
pub fn sha256_fingerprint(bytes: &[u8]) -> Sha256Hex {
    Sha256Hex::from_digest(&Sha256::digest(bytes).into())
}

/// Parses a certificate with x509-parser, leaving extension values undecoded:
/// [`normalise`] decodes the ones rules read. Returns the bytes after it.
pub fn parse_x509(der: &[u8]) -> Result<(&[u8], X509Certificate<'_>), CertificateError> {
    X509CertificateParser::new()
        .with_deep_parse_extensions(false)
        .parse(der)
        .map_err(|e| CertificateError(e.to_string()))
}

/// Parses one DER certificate (trailing bytes are an error) into evidence.
pub fn certificate_from_der(
    der: &[u8],
    provenance: Provenance,
) -> Result<Certificate, CertificateError> {
    let (record, trailing) = certificate_leniently(der, provenance)?;
    if trailing > 0 {
        return Err(CertificateError(format!(
            "{trailing} unexpected bytes after the certificate"
        )));
    }
    Ok(record)
}

/// Parses the certificate at the start of `der` into evidence, with the
/// number of bytes after it. A certificate x509-parser refuses only for a
/// non-conforming validity time is read from a repaired copy (see
/// [`super::repair`]) and kept, with the repair in `parse_warnings`; its
/// fingerprint and DER stay those of the original bytes.
pub fn certificate_leniently(
    der: &[u8],
    provenance: Provenance,
) -> Result<(Certificate, usize), CertificateError> {
    let refused = match parse_x509(der) {
        Ok((rest, x509)) => {
            let used = &der[..der.len() - rest.len()];
            return Ok((normalise(&x509, used, provenance), rest.len()));
        }
        Err(err) => err,
    };
    let Some(repaired) = super::repair::repair_validity(der) else {
        return Err(refused);
    };
    let Ok((_, x509)) = parse_x509(&repaired.der) else {
        return Err(refused);
    };
    let original = &der[..repaired.original_len];
    let mut record = normalise(&x509, original, provenance);
    // The defect search reads the original bytes, so it records the
    // non-conforming time itself (validity_time_not_conforming).
    record.parse_warnings.extend(repaired.warnings);
    if record.self_issued {
        // The signature covers the original bytes, not the repaired copy.
        record.parse_warnings.push(
            "self_signed is not known: the signature covers the original encoding, not the repaired copy"
                .to_string(),
        );
    }
    Ok((record, der.len() - repaired.original_len))
}

/// Builds evidence from a parsed certificate and its DER (exactly the
/// certificate's bytes).
pub fn normalise(x509: &X509Certificate<'_>, der: &[u8], provenance: Provenance) -> Certificate {
    let mut warnings = Vec::new();
    let subject = names::name_text(x509.subject(), true);
    let issuer = names::name_text(x509.issuer(), false);
    let not_before = UtcTime::from_offset(x509.validity().not_before.to_datetime());
    let not_after = UtcTime::from_offset(x509.validity().not_after.to_datetime());
    let key = shared_public_key_info(x509.public_key(), &mut warnings);
    let signature = shared_signature_info(&x509.signature_algorithm);

    let mut record = Certificate {
        fingerprint_sha256: sha256_fingerprint(der),
        spki_sha256: sha256_fingerprint(x509.public_key().raw),
        version: x509.version().0 + 1,
        serial: serial_hex(x509.raw_serial()).into(),
        serial_bits: u32::try_from(x509.serial.bits()).unwrap_or(u32::MAX),
        serial_octets: u32::try_from(x509.raw_serial().len()).unwrap_or(u32::MAX),
        serial_negative: x509.raw_serial().first().is_some_and(|b| b & 0x80 != 0),
        subject: subject.text.into(),
        subject_cn: subject.common_names.into_iter().map(Into::into).collect(),
        issuer: shared_issuer(&issuer.text),
        not_before,
        not_after,
        // notBefore through notAfter inclusive, as RFC 5280 §4.1.2.5 and the
        // CA/B Forum BRs count it: 398 days apart is 398 days and a second.
        validity_days: not_before.days_until(not_after) + 1.0 / 86_400.0,
        key,
        signature,
        san: SubjectAltNames::default(),
        has_san: false,
        key_usage: None,
        extended_key_usage: None,
        basic_constraints: None,
        policies: ThinVec::new(),
        ocsp_urls: ThinVec::new(),
        ca_issuer_urls: ThinVec::new(),
        has_aia: false,
        crl_urls: ThinVec::new(),
        has_cdp: false,
        sct_count: 0,
        name_constraints: None,
        subject_key_id: None,
        authority_key_id: None,
        self_issued: x509.subject().as_raw() == x509.issuer().as_raw(),
        self_signed: false,
        extensions: ThinVec::with_capacity(x509.extensions().len()),
        parse_warnings: warnings.into(),
        defects: Defects::default(),
        der: Der::from(der),
        observations: thin_vec![provenance],
    };

    for extension in x509.extensions() {
        extensions::apply(&mut record, extension);
    }

    record.self_signed = record.self_issued && is_self_signed(x509, &record);
    record.defects = defects::find(x509, der, &record.key);
    record.shrink_to_fit();
    record
}

/// URIs among general names.
pub(crate) fn uris<'a>(names: &'a [GeneralName<'a>]) -> impl Iterator<Item = String> + 'a {
    names.iter().filter_map(|n| match n {
        GeneralName::URI(uri) => Some((*uri).to_string()),
        _ => None,
    })
}

/// One shared copy per distinct value, per thread: certificates in an
/// estate have a handful of key kinds, signature algorithms and issuers, so
/// 100,000 records need a few copies rather than 100,000.
struct Interner<T: ?Sized> {
    seen: HashSet<Arc<T>>,
    /// Distinct values kept; beyond it (a file of made-up OIDs) each record
    /// gets its own copy.
    kept: usize,
}

impl<T: ?Sized + std::hash::Hash + Eq> Interner<T> {
    fn new(kept: usize) -> Self {
        Self {
            seen: HashSet::new(),
            kept,
        }
    }

    fn share<V: std::borrow::Borrow<T> + Into<Arc<T>>>(&mut self, value: V) -> Arc<T> {
        if let Some(shared) = self.seen.get(value.borrow()) {
            return Arc::clone(shared);
        }
        let shared = value.into();
        if self.seen.len() < self.kept {
            self.seen.insert(Arc::clone(&shared));
        }
        shared
    }
}

thread_local! {
    static SIGNATURES: RefCell<Interner<SignatureInfo>> = RefCell::new(Interner::new(256));
    static KEYS: RefCell<Interner<PublicKeyInfo>> = RefCell::new(Interner::new(256));
    static ISSUERS: RefCell<Interner<str>> = RefCell::new(Interner::new(4096));
}

/// The issuer name, shared with earlier certificates of the same issuer.
fn shared_issuer(text: &str) -> Arc<str> {
    ISSUERS.with_borrow_mut(|interner| interner.share(text))
}

/// The signature algorithm as evidence, shared with earlier certificates
/// that use the same one.
fn shared_signature_info(algorithm: &AlgorithmIdentifier<'_>) -> Arc<SignatureInfo> {
    let info = signature_info(algorithm);
    SIGNATURES.with_borrow_mut(|interner| interner.share(info))
}

/// The public key as evidence, shared with earlier certificates whose keys
/// read the same.
fn shared_public_key_info(
    spki: &SubjectPublicKeyInfo<'_>,
    warnings: &mut Vec<String>,
) -> Arc<PublicKeyInfo> {
    let info = public_key_info(spki, warnings);
    KEYS.with_borrow_mut(|interner| interner.share(info))
}

/// The signature algorithm as evidence.
pub(crate) fn signature_info(algorithm: &AlgorithmIdentifier<'_>) -> SignatureInfo {
    let oid = oids::dotted(&algorithm.algorithm);
    let (mut name, hash, key) = oids::signature_algorithm(&oid);
    let mut hash = hash.to_string();
    let pss = algorithm.algorithm == OID_PKCS1_RSASSAPSS;
    if let Some(Ok(SignatureAlgorithm::RSASSA_PSS(params))) =
        pss.then(|| SignatureAlgorithm::try_from(algorithm))
    {
        let digest = oids::hash(&params.hash_algorithm_oid().to_id_string()).unwrap_or("unknown");
        hash = digest.to_string();
        name = format!("rsassaPss-{digest}");
    }
    SignatureInfo {
        name: name.into(),
        oid: oid.as_ref().into(),
        hash: hash.into(),
        key_algorithm: key.into(),
    }
}

fn public_key_info(spki: &SubjectPublicKeyInfo<'_>, warnings: &mut Vec<String>) -> PublicKeyInfo {
    let oid = oids::dotted(&spki.algorithm.algorithm).into_owned();
    let algorithm = oids::key_algorithm(&oid);
    let mut info = PublicKeyInfo {
        algorithm,
        oid: oid.into(),
        bits: 0,
        curve: None,
        rsa_exponent: None,
        quantum_vulnerable: algorithm.quantum_vulnerable(),
    };
    match algorithm {
        KeyAlgorithm::Ec => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| Oid::try_from(p).ok())
                .map(|o| oids::dotted(&o).into_owned());
            match curve.as_deref().and_then(oids::curve) {
                Some((name, bits)) => {
                    info.curve = Some(name.into());
                    info.bits = bits;
                }
                None => {
                    info.curve = Some(curve.as_deref().unwrap_or("explicit-parameters").into());
                }
            }
        }
        KeyAlgorithm::Ed25519 | KeyAlgorithm::X25519 => info.bits = 256,
        KeyAlgorithm::Ed448 => info.bits = 456,
        KeyAlgorithm::X448 => info.bits = 448,
        _ => {}
    }
    if info.bits == 0 {
        // RSASSA-PSS keys (RFC 4055) carry an RSAPublicKey like rsaEncryption
        // ones, but x509-parser parses only the latter.
        let parsed = if algorithm == KeyAlgorithm::RsaPss {
            RSAPublicKey::from_der(&spki.subject_public_key.data)
                .map(|(_, rsa)| PublicKey::RSA(rsa))
                .map_err(|_| X509Error::InvalidSPKI)
        } else {
            spki.parsed()
        };
        match parsed {
            Ok(PublicKey::RSA(rsa)) => {
                // x509-parser's key_size drops the first octet whatever it
                // is, so a 4095-bit modulus would read as 4088 bits.
                info.bits = super::key_quality::bit_length(rsa.modulus);
                let exponent = rsa.exponent;
                let trimmed = &exponent[exponent.iter().take_while(|b| **b == 0).count()..];
                if trimmed.len() <= 8 {
                    info.rsa_exponent = Some(
                        trimmed
                            .iter()
                            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
                    );
                }
            }
            Ok(key) => info.bits = u32::try_from(key.key_size()).unwrap_or(0),
            Err(err) => warnings.push(format!("public key could not be decoded: {err}")),
        }
        if info.bits == 0
            && matches!(
                algorithm,
                KeyAlgorithm::MlDsa
                    | KeyAlgorithm::SlhDsa
                    | KeyAlgorithm::MlKem
                    | KeyAlgorithm::CompositeMlDsa
                    | KeyAlgorithm::Unknown
            )
        {
            info.bits = u32::try_from(spki.subject_public_key.data.len() * 8).unwrap_or(0);
        }
    }
    info
}

/// Self-signed means self-issued with the issuer's key being its own. RFC 5280
/// §4.2.1.1 requires an authority key identifier in every certificate except
/// self-signed ones, so a self-issued certificate is self-signed when it has no
/// AKI or its AKI equals its SKI. Only when both identifiers are present but
/// differ is the signature checked with the certificate's own key — key-rollover
/// certificates are the expected case there.
fn is_self_signed(x509: &X509Certificate<'_>, record: &Certificate) -> bool {
    match (&record.authority_key_id, &record.subject_key_id) {
        (None, _) => true,
        (Some(aki), Some(ski)) if aki == ski => true,
        _ => x509.verify_signature(None).is_ok(),
    }
}

/// Whether the certificate's TLS feature extension (RFC 7633) lists
/// status_request (5): OCSP must-staple. False when the DER does not parse.
pub fn requires_ocsp_staple(der: &[u8]) -> bool {
    let Ok((_, certificate)) = x509_parser::parse_x509_certificate(der) else {
        return false;
    };
    certificate
        .extensions()
        .iter()
        .filter(|e| e.oid.to_id_string() == "1.3.6.1.5.5.7.1.24")
        .any(|e| tls_features(e.value).contains(&5))
}

/// The integers of a `SEQUENCE OF INTEGER` (short-form lengths only, which
/// is all a TLS feature list needs).
fn tls_features(value: &[u8]) -> Vec<u64> {
    let mut features = Vec::new();
    let [0x30, len, rest @ ..] = value else {
        return features;
    };
    let Some(mut items) = rest.get(..usize::from(*len)) else {
        return features;
    };
    while let [0x02, len, tail @ ..] = items {
        let len = usize::from(*len);
        let Some(digits) = tail.get(..len) else {
            break;
        };
        if len <= 8 {
            features.push(digits.iter().fold(0u64, |n, b| n << 8 | u64::from(*b)));
        }
        items = &tail[len..];
    }
    features
}

#[cfg(test)]
mod tls_feature_tests {
    use super::tls_features;

    #[test]
    fn must_staple_lists_are_read() {
        assert_eq!(tls_features(&[0x30, 0x03, 0x02, 0x01, 0x05]), [5]);
        assert_eq!(
            tls_features(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x11]),
            [5, 17]
        );
        assert!(tls_features(&[0x30, 0x09, 0x02]).is_empty());
        assert!(tls_features(&[]).is_empty());
    }
}
