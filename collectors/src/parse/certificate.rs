//! X.509 certificate → [`Certificate`] evidence, with x509-parser.
//!
//! This is the only place that turns a parsed certificate into evidence. A
//! malformed extension does not lose the certificate: it becomes a parse
//! warning on the record, as x509-parser's `ParsedExtension::ParseError` allows.

use base64::Engine as _;
use pkimm_model::evidence::{
    BasicConstraints, Certificate, ExtensionInfo, KeyAlgorithm, NameConstraints, Provenance,
    PublicKeyInfo, SignatureInfo, SubjectAltNames, UtcTime,
};
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::Oid;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::SignatureAlgorithm;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::oids;

/// Why DER could not be read as a certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid X.509 certificate: {0}")]
pub struct CertificateError(pub String);

/// Lowercase hex of `bytes`. (`hex::encode` goes through a char iterator; this
/// is a hot path for fingerprints, serials and key identifiers.)
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)]);
        out.push(DIGITS[usize::from(byte & 0x0f)]);
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

/// Parses one DER certificate (trailing bytes are an error) into evidence.
pub fn certificate_from_der(
    der: &[u8],
    provenance: Provenance,
) -> Result<Certificate, CertificateError> {
    let (rest, x509) =
        X509Certificate::from_der(der).map_err(|e| CertificateError(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CertificateError(format!(
            "{} unexpected bytes after the certificate",
            rest.len()
        )));
    }
    let used = &der[..der.len() - rest.len()];
    Ok(normalise(&x509, used, provenance))
}

/// Builds evidence from a parsed certificate and its DER.
pub fn normalise(x509: &X509Certificate<'_>, der: &[u8], provenance: Provenance) -> Certificate {
    let mut warnings = Vec::new();
    let subject = x509.subject().to_string();
    let issuer = x509.issuer().to_string();
    let subject_cn = x509
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_string))
        .collect();
    let not_before = UtcTime::from_offset(x509.validity().not_before.to_datetime());
    let not_after = UtcTime::from_offset(x509.validity().not_after.to_datetime());
    let key = public_key_info(x509.public_key(), &mut warnings);
    let signature = signature_info(&x509.signature_algorithm);

    let mut record = Certificate {
        fingerprint_sha256: sha256_hex(der),
        spki_sha256: sha256_hex(x509.public_key().raw),
        version: x509.version().0 + 1,
        serial: serial_hex(x509.raw_serial()),
        serial_bits: u32::try_from(x509.serial.bits()).unwrap_or(u32::MAX),
        subject,
        subject_cn,
        issuer,
        not_before,
        not_after,
        validity_days: not_before.days_until(not_after),
        key,
        signature,
        san: SubjectAltNames::default(),
        has_san: false,
        key_usage: None,
        extended_key_usage: None,
        basic_constraints: None,
        policies: Vec::new(),
        ocsp_urls: Vec::new(),
        ca_issuer_urls: Vec::new(),
        has_aia: false,
        crl_urls: Vec::new(),
        has_cdp: false,
        sct_count: 0,
        name_constraints: None,
        subject_key_id: None,
        authority_key_id: None,
        self_issued: x509.subject().as_raw() == x509.issuer().as_raw(),
        self_signed: false,
        extensions: Vec::with_capacity(x509.extensions().len()),
        parse_warnings: Vec::new(),
        der_base64: base64::engine::general_purpose::STANDARD.encode(der),
        observations: vec![provenance],
    };

    for extension in x509.extensions() {
        let oid = extension.oid.to_id_string();
        let name = oids::extension(&oid);
        record.extensions.push(ExtensionInfo {
            name: name.unwrap_or(&oid).to_string(),
            known: name.is_some(),
            oid: oid.clone(),
            critical: extension.critical,
        });
        apply_extension(
            &mut record,
            extension.parsed_extension(),
            extension.critical,
            &oid,
            &mut warnings,
        );
    }

    record.self_signed = record.self_issued && is_self_signed(x509, &record);
    record.parse_warnings = warnings;
    record
}

fn apply_extension(
    record: &mut Certificate,
    parsed: &ParsedExtension<'_>,
    critical: bool,
    oid: &str,
    warnings: &mut Vec<String>,
) {
    match parsed {
        ParsedExtension::SubjectAlternativeName(san) => {
            record.has_san = true;
            for name in &san.general_names {
                match name {
                    GeneralName::DNSName(dns) => record.san.dns.push((*dns).to_string()),
                    GeneralName::IPAddress(bytes) => record.san.ip.push(ip_to_string(bytes)),
                    GeneralName::RFC822Name(email) => record.san.email.push((*email).to_string()),
                    GeneralName::URI(uri) => record.san.uri.push((*uri).to_string()),
                    GeneralName::OtherName(oid, _) => record.san.other.push(oid.to_id_string()),
                    GeneralName::Invalid(_, _) => {
                        warnings.push("subjectAltName holds an invalid name".into())
                    }
                    _ => {}
                }
            }
        }
        ParsedExtension::KeyUsage(ku) => {
            let names = [
                (ku.digital_signature(), "digitalSignature"),
                (ku.non_repudiation(), "nonRepudiation"),
                (ku.key_encipherment(), "keyEncipherment"),
                (ku.data_encipherment(), "dataEncipherment"),
                (ku.key_agreement(), "keyAgreement"),
                (ku.key_cert_sign(), "keyCertSign"),
                (ku.crl_sign(), "cRLSign"),
                (ku.encipher_only(), "encipherOnly"),
                (ku.decipher_only(), "decipherOnly"),
            ];
            record.key_usage = Some(
                names
                    .iter()
                    .filter(|(set, _)| *set)
                    .map(|(_, name)| (*name).to_string())
                    .collect(),
            );
        }
        ParsedExtension::ExtendedKeyUsage(eku) => {
            let mut names = Vec::new();
            for (set, oid) in [
                (eku.any, "2.5.29.37.0"),
                (eku.server_auth, "1.3.6.1.5.5.7.3.1"),
                (eku.client_auth, "1.3.6.1.5.5.7.3.2"),
                (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
                (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
                (eku.time_stamping, "1.3.6.1.5.5.7.3.8"),
                (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
            ] {
                if set {
                    names.push(oids::extended_key_usage(oid));
                }
            }
            names.extend(
                eku.other
                    .iter()
                    .map(|o| oids::extended_key_usage(&o.to_id_string())),
            );
            record.extended_key_usage = Some(names);
        }
        ParsedExtension::BasicConstraints(bc) => {
            record.basic_constraints = Some(BasicConstraints {
                ca: bc.ca,
                path_len: bc.path_len_constraint,
                critical,
            });
        }
        ParsedExtension::CertificatePolicies(policies) => {
            record.policies = policies
                .iter()
                .map(|p| p.policy_id.to_id_string())
                .collect();
        }
        ParsedExtension::AuthorityInfoAccess(aia) => {
            record.has_aia = true;
            for access in &aia.accessdescs {
                let GeneralName::URI(uri) = &access.access_location else {
                    continue;
                };
                match access.access_method.to_id_string().as_str() {
                    "1.3.6.1.5.5.7.48.1" => record.ocsp_urls.push((*uri).to_string()),
                    "1.3.6.1.5.5.7.48.2" => record.ca_issuer_urls.push((*uri).to_string()),
                    _ => {}
                }
            }
        }
        ParsedExtension::CRLDistributionPoints(points) => {
            record.has_cdp = true;
            for point in points.iter() {
                if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                    record.crl_urls.extend(uris(names));
                }
            }
        }
        ParsedExtension::SCT(scts) => {
            record.sct_count = u32::try_from(scts.len()).unwrap_or(u32::MAX);
        }
        ParsedExtension::NameConstraints(nc) => {
            let render = |subtrees: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
                subtrees
                    .iter()
                    .flatten()
                    .map(|s| general_name_to_string(&s.base))
                    .collect()
            };
            record.name_constraints = Some(NameConstraints {
                permitted: render(&nc.permitted_subtrees),
                excluded: render(&nc.excluded_subtrees),
                critical,
            });
        }
        ParsedExtension::SubjectKeyIdentifier(id) => record.subject_key_id = Some(to_hex(id.0)),
        ParsedExtension::AuthorityKeyIdentifier(aki) => {
            record.authority_key_id = aki.key_identifier.as_ref().map(|id| to_hex(id.0));
        }
        ParsedExtension::ParseError { error } => {
            let name = oids::extension(oid).unwrap_or(oid);
            warnings.push(format!("extension {name} is malformed: {error}"));
        }
        _ => {}
    }
}

/// URIs among general names.
pub(crate) fn uris<'a>(names: &'a [GeneralName<'a>]) -> impl Iterator<Item = String> + 'a {
    names.iter().filter_map(|n| match n {
        GeneralName::URI(uri) => Some((*uri).to_string()),
        _ => None,
    })
}

fn ip_to_string(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).unwrap_or_default()).to_string(),
        16 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).unwrap_or_default()).to_string(),
        8 => format!(
            "{}/{}",
            ip_to_string(&bytes[..4]),
            ip_to_string(&bytes[4..])
        ),
        32 => format!(
            "{}/{}",
            ip_to_string(&bytes[..16]),
            ip_to_string(&bytes[16..])
        ),
        _ => format!("invalid:{}", to_hex(bytes)),
    }
}

fn general_name_to_string(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(v) => format!("dns:{v}"),
        GeneralName::RFC822Name(v) => format!("email:{v}"),
        GeneralName::URI(v) => format!("uri:{v}"),
        GeneralName::IPAddress(v) => format!("ip:{}", ip_to_string(v)),
        GeneralName::DirectoryName(v) => format!("dn:{v}"),
        GeneralName::OtherName(oid, _) => format!("other:{}", oid.to_id_string()),
        GeneralName::RegisteredID(oid) => format!("rid:{}", oid.to_id_string()),
        _ => "other".to_string(),
    }
}

/// The signature algorithm as evidence.
pub(crate) fn signature_info(algorithm: &AlgorithmIdentifier<'_>) -> SignatureInfo {
    let oid = algorithm.algorithm.to_id_string();
    let (mut name, hash, key) = oids::signature_algorithm(&oid);
    let mut hash = hash.to_string();
    if let Ok(SignatureAlgorithm::RSASSA_PSS(params)) = SignatureAlgorithm::try_from(algorithm) {
        let digest = oids::hash(&params.hash_algorithm_oid().to_id_string()).unwrap_or("unknown");
        hash = digest.to_string();
        name = format!("rsassaPss-{digest}");
    }
    SignatureInfo {
        name,
        oid,
        hash,
        key_algorithm: key.to_string(),
    }
}

fn public_key_info(spki: &SubjectPublicKeyInfo<'_>, warnings: &mut Vec<String>) -> PublicKeyInfo {
    let oid = spki.algorithm.algorithm.to_id_string();
    let algorithm = oids::key_algorithm(&oid);
    let mut info = PublicKeyInfo {
        algorithm,
        oid,
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
                .map(|o| o.to_id_string());
            match curve.as_deref().and_then(oids::curve) {
                Some((name, bits)) => {
                    info.curve = Some(name.to_string());
                    info.bits = bits;
                }
                None => {
                    info.curve = curve.or_else(|| Some("explicit-parameters".to_string()));
                }
            }
        }
        KeyAlgorithm::Ed25519 | KeyAlgorithm::X25519 => info.bits = 256,
        KeyAlgorithm::Ed448 => info.bits = 456,
        KeyAlgorithm::X448 => info.bits = 448,
        _ => {}
    }
    if info.bits == 0 {
        match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => {
                info.bits = u32::try_from(rsa.key_size()).unwrap_or(0);
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
