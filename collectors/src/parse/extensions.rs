//! Certificate extensions → fields of [`Certificate`] evidence.
//!
//! Certificates are parsed with x509-parser's shallow extension mode, and only
//! the extensions rules read are decoded here, each with x509-parser's own
//! parser for that extension. Lists whose contents rules never read (the SCT
//! list) are counted, not decoded. A malformed extension becomes a parse
//! warning; the certificate is kept.

use pkimm_model::evidence::{
    BasicConstraints, Certificate, CompactString, ExtensionInfo, NameConstraints, ThinVec,
};
use x509_parser::der_parser::asn1_rs::{Any, Oid, Tag};
use x509_parser::extensions::{
    AuthorityInfoAccess, AuthorityKeyIdentifier, BasicConstraints as X509BasicConstraints,
    CRLDistributionPoints, DistributionPointName, ExtendedKeyUsage, GeneralName, GeneralSubtree,
    KeyIdentifier, KeyUsage, NameConstraints as X509NameConstraints, SubjectAlternativeName,
    X509Extension,
};
use x509_parser::oid_registry::{
    OID_CT_LIST_SCT, OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS, OID_PKIX_ACCESS_DESCRIPTOR_OCSP,
    OID_PKIX_AUTHORITY_INFO_ACCESS, OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER,
    OID_X509_EXT_BASIC_CONSTRAINTS, OID_X509_EXT_CERTIFICATE_POLICIES,
    OID_X509_EXT_CRL_DISTRIBUTION_POINTS, OID_X509_EXT_EXTENDED_KEY_USAGE, OID_X509_EXT_KEY_USAGE,
    OID_X509_EXT_NAME_CONSTRAINTS, OID_X509_EXT_SUBJECT_ALT_NAME,
    OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
};
use x509_parser::prelude::FromDer;

use super::certificate::to_hex;
use super::oids;

/// Records `extension` in `record.extensions` and decodes it into the fields
/// rules read.
pub(crate) fn apply(record: &mut Certificate, extension: &X509Extension<'_>) {
    let known = oids::known(&extension.oid);
    let oid: CompactString = match known {
        Some(known) => CompactString::const_new(known.dotted),
        None => extension.oid.to_id_string().into(),
    };
    let name = known.and_then(|k| k.extension);
    let outcome = decode(record, &extension.oid, extension.value, extension.critical);
    if let Err(error) = outcome {
        record.parse_warnings.push(format!(
            "extension {} is malformed: {error}",
            name.unwrap_or(&*oid)
        ));
    }
    record.extensions.push(ExtensionInfo {
        oid,
        critical: extension.critical,
    });
}

/// Why an extension value could not be decoded.
type DecodeError = String;

fn decode(
    record: &mut Certificate,
    oid: &Oid<'_>,
    value: &[u8],
    critical: bool,
) -> Result<(), DecodeError> {
    let is = |known: &Oid<'_>| known.as_bytes() == oid.as_bytes();
    if is(&OID_X509_EXT_SUBJECT_ALT_NAME) {
        let san = parse::<SubjectAlternativeName<'_>>(value)?;
        record.has_san = true;
        subject_alt_names(record, &san.general_names);
    } else if is(&OID_X509_EXT_KEY_USAGE) {
        record.key_usage = Some(key_usage_names(&parse::<KeyUsage>(value)?));
    } else if is(&OID_X509_EXT_EXTENDED_KEY_USAGE) {
        record.extended_key_usage = Some(extended_key_usage_names(&parse::<ExtendedKeyUsage<'_>>(
            value,
        )?));
    } else if is(&OID_X509_EXT_BASIC_CONSTRAINTS) {
        match parse::<X509BasicConstraints>(value) {
            Ok(bc) => {
                record.basic_constraints = Some(BasicConstraints {
                    ca: bc.ca,
                    path_len: bc.path_len_constraint,
                    critical,
                });
            }
            Err(error) => {
                // A CA whose basicConstraints breaks DER is still a CA: keep
                // what a BER reading gives, so the CA rules run on it, and
                // record the malformation.
                let Some((ca, path_len)) = lenient_basic_constraints(value) else {
                    return Err(error);
                };
                record.basic_constraints = Some(BasicConstraints {
                    ca,
                    path_len,
                    critical,
                });
                return Err(format!(
                    "{error}; kept as read leniently (cA {ca}, pathLenConstraint {})",
                    path_len.map_or_else(|| "absent".to_string(), |n| n.to_string())
                ));
            }
        }
    } else if is(&OID_X509_EXT_CERTIFICATE_POLICIES) {
        record.policies = policy_ids(value)?;
    } else if is(&OID_PKIX_AUTHORITY_INFO_ACCESS) {
        let aia = parse::<AuthorityInfoAccess<'_>>(value)?;
        record.has_aia = true;
        for access in &aia.accessdescs {
            let GeneralName::URI(uri) = &access.access_location else {
                continue;
            };
            if access.access_method == OID_PKIX_ACCESS_DESCRIPTOR_OCSP {
                record.ocsp_urls.push((*uri).to_string());
            } else if access.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS {
                record.ca_issuer_urls.push((*uri).to_string());
            }
        }
    } else if is(&OID_X509_EXT_CRL_DISTRIBUTION_POINTS) {
        let points = parse::<CRLDistributionPoints<'_>>(value)?;
        record.has_cdp = true;
        for point in points.iter() {
            if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                record.crl_urls.extend(super::certificate::uris(names));
            }
        }
    } else if is(&OID_CT_LIST_SCT) {
        record.sct_count = count_scts(value)?;
    } else if is(&OID_X509_EXT_NAME_CONSTRAINTS) {
        let nc = parse::<X509NameConstraints<'_>>(value)?;
        record.name_constraints = Some(Box::new(NameConstraints {
            permitted: subtrees(nc.permitted_subtrees.as_deref()),
            excluded: subtrees(nc.excluded_subtrees.as_deref()),
            critical,
        }));
    } else if is(&OID_X509_EXT_SUBJECT_KEY_IDENTIFIER) {
        record.subject_key_id = Some(to_hex(parse::<KeyIdentifier<'_>>(value)?.0));
    } else if is(&OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER) {
        let aki = parse::<AuthorityKeyIdentifier<'_>>(value)?;
        record.authority_key_id = aki.key_identifier.as_ref().map(|id| to_hex(id.0));
    }
    Ok(())
}

/// basicConstraints read as BER, field by field: `cA` from any BOOLEAN
/// (non-zero is true, as BER has it), `pathLenConstraint` from a
/// non-negative INTEGER that fits. `None` when not even the outer SEQUENCE
/// reads.
fn lenient_basic_constraints(value: &[u8]) -> Option<(bool, Option<u32>)> {
    use x509_parser::der_parser::asn1_rs::FromBer;
    let (_, sequence) = Any::from_ber(value).ok()?;
    if sequence.tag() != Tag::Sequence {
        return None;
    }
    let (mut ca, mut path_len) = (false, None);
    let mut rest = sequence.data;
    while !rest.is_empty() {
        let Ok((next, item)) = Any::from_ber(rest) else {
            break;
        };
        if item.tag() == Tag::Boolean {
            ca = item.data.iter().any(|&b| b != 0);
        } else if item.tag() == Tag::Integer
            && item.data.len() <= 5
            && item.data.first().is_some_and(|&b| b & 0x80 == 0)
        {
            path_len = item
                .data
                .iter()
                .try_fold(0u64, |n, &b| Some(n << 8 | u64::from(b)))
                .and_then(|n| u32::try_from(n).ok());
        }
        rest = next;
    }
    Some((ca, path_len))
}

/// Runs x509-parser's parser for one extension type over the extension value.
fn parse<'a, T: FromDer<'a, x509_parser::error::X509Error>>(
    value: &'a [u8],
) -> Result<T, DecodeError> {
    T::from_der(value)
        .map(|(_, parsed)| parsed)
        .map_err(|err| err.to_string())
}

fn subject_alt_names(record: &mut Certificate, names: &[GeneralName<'_>]) {
    for name in names {
        match name {
            GeneralName::DNSName(dns) => record.san.dns.push((*dns).into()),
            GeneralName::IPAddress(bytes) => record.san.ip.push(ip_to_string(bytes).into()),
            GeneralName::RFC822Name(email) => record.san.email.push((*email).into()),
            GeneralName::URI(uri) => record.san.uri.push((*uri).into()),
            GeneralName::OtherName(oid, _) => record.san.other.push(oids::dotted(oid).into()),
            GeneralName::Invalid(_, _) => record
                .parse_warnings
                .push("subjectAltName holds an invalid name".into()),
            _ => {}
        }
    }
}

fn key_usage_names(ku: &KeyUsage) -> ThinVec<CompactString> {
    [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
        (ku.encipher_only(), "encipherOnly"),
        (ku.decipher_only(), "decipherOnly"),
    ]
    .iter()
    .filter(|(set, _)| *set)
    .map(|(_, name)| CompactString::const_new(name))
    .collect()
}

fn extended_key_usage_names(eku: &ExtendedKeyUsage<'_>) -> ThinVec<CompactString> {
    let mut names = ThinVec::new();
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
            names.push(oids::extended_key_usage(oid).into());
        }
    }
    names.extend(eku.other.iter().map(|oid| {
        match oids::known(oid).and_then(|known| known.extended_key_usage) {
            Some(name) => CompactString::const_new(name),
            None => oid.to_id_string().into(),
        }
    }));
    names
}

/// The policy identifiers of a certificatePolicies value (RFC 5280 §4.2.1.4):
/// `SEQUENCE OF SEQUENCE { policyIdentifier OID, qualifiers OPTIONAL }`.
/// Qualifiers are skipped; rules read only the identifiers.
fn policy_ids(value: &[u8]) -> Result<ThinVec<CompactString>, DecodeError> {
    let (_, outer) = Any::from_der(value).map_err(|e| e.to_string())?;
    outer
        .header
        .assert_tag(Tag::Sequence)
        .map_err(|e| e.to_string())?;
    let mut ids = ThinVec::new();
    let mut rest = outer.data;
    while !rest.is_empty() {
        let (after, information) = Any::from_der(rest).map_err(|e| e.to_string())?;
        information
            .header
            .assert_tag(Tag::Sequence)
            .map_err(|e| e.to_string())?;
        let (_, id) = Oid::from_der(information.data).map_err(|e| e.to_string())?;
        ids.push(oids::dotted(&id).as_ref().into());
        rest = after;
    }
    if ids.is_empty() {
        return Err("no policy information".into());
    }
    Ok(ids)
}

/// The number of SCTs in a signedCertificateTimestampList (RFC 6962 §3.3):
/// an OCTET STRING holding a TLS `opaque SerializedSCT<1..2^16-1>` list,
/// each entry itself length-prefixed.
fn count_scts(value: &[u8]) -> Result<u32, DecodeError> {
    let (_, list) = <&[u8]>::from_der(value).map_err(|e| e.to_string())?;
    let (total, mut entries) = split_u16_prefixed(list).ok_or("SCT list length is wrong")?;
    if !total.is_empty() {
        return Err("bytes after the SCT list".into());
    }
    let mut count = 0u32;
    while !entries.is_empty() {
        let (rest, sct) = split_u16_prefixed(entries).ok_or("SCT entry length is wrong")?;
        if sct.is_empty() {
            return Err("empty SCT entry".into());
        }
        count = count.saturating_add(1);
        entries = rest;
    }
    Ok(count)
}

/// Splits a `u16`-length-prefixed item off `bytes`: (rest, item).
fn split_u16_prefixed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, body) = bytes.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_be_bytes(*len));
    (body.len() >= len).then(|| (&body[len..], &body[..len]))
}

fn subtrees(subtrees: Option<&[GeneralSubtree<'_>]>) -> ThinVec<String> {
    subtrees
        .into_iter()
        .flatten()
        .map(|s| general_name_to_string(&s.base))
        .collect()
}

pub(crate) fn ip_to_string(bytes: &[u8]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_basic_constraints_are_read_leniently() {
        // BOOLEAN true as 0x01 (BER, not DER), pathLen 0.
        assert_eq!(
            lenient_basic_constraints(&[0x30, 0x06, 0x01, 0x01, 0x01, 0x02, 0x01, 0x00]),
            Some((true, Some(0)))
        );
        // A negative pathLen is dropped, cA kept.
        assert_eq!(
            lenient_basic_constraints(&[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff]),
            Some((true, None))
        );
        // Trailing garbage inside the SEQUENCE after cA.
        assert_eq!(
            lenient_basic_constraints(&[0x30, 0x05, 0x01, 0x01, 0xff, 0x99, 0x7f]),
            Some((true, None))
        );
        // pathLen before cA, which x509-parser refuses.
        assert_eq!(
            lenient_basic_constraints(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x01, 0x01, 0xff]),
            Some((true, Some(0)))
        );
        assert!(
            parse::<X509BasicConstraints>(&[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff])
                .is_err()
        );
        assert_eq!(lenient_basic_constraints(&[0x04, 0x00]), None);
        assert_eq!(lenient_basic_constraints(&[]), None);
    }

    #[test]
    fn scts_are_counted_without_decoding() {
        // OCTET STRING { list len 0x000a: [len 3: 01 02 03], [len 3: 04 05 06] }
        let value = [
            0x04, 0x0c, 0x00, 0x0a, 0x00, 0x03, 1, 2, 3, 0x00, 0x03, 4, 5, 6,
        ];
        assert_eq!(count_scts(&value), Ok(2));
        let truncated = [0x04, 0x06, 0x00, 0x0a, 0x00, 0x03, 1, 2];
        assert!(count_scts(&truncated).is_err());
        assert!(count_scts(&[0x04, 0x00]).is_err());
    }

    #[test]
    fn policy_identifiers_are_read_and_garbage_rejected() {
        // SEQUENCE { SEQUENCE { OID 2.23.140.1.2.1 } }
        let value = [
            0x30, 0x0a, 0x30, 0x08, 0x06, 0x06, 0x67, 0x81, 0x0c, 0x01, 0x02, 0x01,
        ];
        assert_eq!(policy_ids(&value).unwrap().as_slice(), ["2.23.140.1.2.1"]);
        assert!(policy_ids(&[0x30, 0x03, 0x30, 0x01]).is_err());
        assert!(policy_ids(&[0x04, 0x00]).is_err());
    }
}
