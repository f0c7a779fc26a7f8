//! CRL → [`Crl`] evidence, in bounded memory.
//!
//! x509-parser materialises every revoked entry (with a heap-allocated serial)
//! before returning, which costs several times the file size on a CRL with a
//! million entries. Instead, the revokedCertificates list is cut out of the DER:
//! x509-parser parses the remaining header (issuer, times, extensions, signature
//! algorithm), and the entries are then read one at a time with x509-parser's
//! own `RevokedCertificate` parser, keeping only counts and the first entries up
//! to a cap. Memory stays near the size of the DER itself.

use std::collections::BTreeMap;

use pkimm_model::evidence::{
    extension_name, Crl, CrlEntry, Defect, Defects, Der, Provenance, UtcTime,
};
use x509_parser::der_parser::asn1_rs::{Any, Class, Tag};
use x509_parser::extensions::{DistributionPointName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::{CertificateRevocationList, RevokedCertificate};
use x509_parser::x509::SubjectPublicKeyInfo;

use super::certificate::{serial_hex, sha256_fingerprint, signature_info, to_hex, uris};
use super::oids;

/// Limits for CRL evidence.
#[derive(Debug, Clone, Copy)]
pub struct CrlOptions {
    /// Revoked entries recorded individually; the rest are only counted.
    pub max_entries_recorded: usize,
    /// CRLs up to this size keep their DER in the evidence.
    pub max_embedded_der: usize,
}

impl Default for CrlOptions {
    fn default() -> Self {
        Self {
            max_entries_recorded: 10_000,
            max_embedded_der: 1024 * 1024,
        }
    }
}

/// Why DER could not be read as a CRL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid CRL: {message}")]
pub struct CrlError {
    /// What is wrong.
    pub message: String,
    /// Byte offset of the problem, when known.
    pub offset: Option<u64>,
}

fn crl_error(message: impl Into<String>, offset: Option<usize>) -> CrlError {
    CrlError {
        message: message.into(),
        offset: offset.map(|o| o as u64),
    }
}

/// The byte spans of a CRL's top-level parts.
struct Layout<'a> {
    tbs: &'a [u8],
    /// TBS fields in order, as full TLVs.
    tbs_fields: Vec<&'a [u8]>,
    /// Index into `tbs_fields` of revokedCertificates, when present.
    revoked_index: Option<usize>,
    signature_algorithm: &'a [u8],
    signature: &'a [u8],
}

/// Reads one TLV, returning it whole (header and content) and the rest.
fn tlv(input: &[u8]) -> Option<(Any<'_>, &[u8], &[u8])> {
    let (rest, any) = Any::from_der(input).ok()?;
    let whole = &input[..input.len() - rest.len()];
    Some((any, whole, rest))
}

fn layout(der: &[u8]) -> Result<Layout<'_>, CrlError> {
    let (outer, _, trailing) =
        tlv(der).ok_or_else(|| crl_error("no DER SEQUENCE at the start", Some(0)))?;
    if outer.tag() != Tag::Sequence {
        return Err(crl_error("the outer element is not a SEQUENCE", Some(0)));
    }
    if !trailing.is_empty() {
        return Err(crl_error(
            format!("{} unexpected bytes after the CRL", trailing.len()),
            Some(der.len() - trailing.len()),
        ));
    }
    let offset_of = |part: &[u8]| part.as_ptr() as usize - der.as_ptr() as usize;
    let (tbs_any, tbs, rest) = tlv(outer.data)
        .ok_or_else(|| crl_error("truncated tbsCertList", Some(offset_of(outer.data))))?;
    if tbs_any.tag() != Tag::Sequence {
        return Err(crl_error(
            "tbsCertList is not a SEQUENCE",
            Some(offset_of(tbs)),
        ));
    }
    let (_, signature_algorithm, rest) = tlv(rest)
        .ok_or_else(|| crl_error("truncated signatureAlgorithm", Some(offset_of(rest))))?;
    let (_, signature, rest) =
        tlv(rest).ok_or_else(|| crl_error("truncated signatureValue", Some(offset_of(rest))))?;
    if !rest.is_empty() {
        return Err(crl_error(
            "unexpected data after signatureValue",
            Some(offset_of(rest)),
        ));
    }

    let mut tbs_fields = Vec::with_capacity(7);
    let mut revoked_index = None;
    let mut remaining = tbs_any.data;
    let mut sequences_seen = 0;
    let mut times_seen = 0;
    while !remaining.is_empty() {
        let (any, whole, rest) = tlv(remaining).ok_or_else(|| {
            crl_error("truncated field in tbsCertList", Some(offset_of(remaining)))
        })?;
        let universal = any.class() == Class::Universal;
        match any.tag() {
            Tag::Sequence if universal => {
                sequences_seen += 1;
                // signature AlgorithmIdentifier, issuer Name, then (after the
                // times) revokedCertificates.
                if sequences_seen > 2 && times_seen > 0 {
                    revoked_index = Some(tbs_fields.len());
                }
            }
            Tag::UtcTime | Tag::GeneralizedTime if universal => times_seen += 1,
            _ => {}
        }
        tbs_fields.push(whole);
        remaining = rest;
    }
    Ok(Layout {
        tbs,
        tbs_fields,
        revoked_index,
        signature_algorithm,
        signature,
    })
}

/// Candidate issuer keys for a CRL, given its issuer name and authority key id:
/// (certificate fingerprint, SubjectPublicKeyInfo DER) pairs.
pub type IssuerLookup<'a> = &'a (dyn Fn(&str, Option<&str>) -> Vec<(String, Vec<u8>)> + Sync);

/// An issuer lookup that knows no issuers: signatures stay unchecked.
pub fn no_issuers(_: &str, _: Option<&str>) -> Vec<(String, Vec<u8>)> {
    Vec::new()
}

/// Parses a DER CRL. `issuers` gives candidate issuer keys; the first that
/// verifies the signature is recorded. With no candidates, the signature is left
/// unchecked.
pub fn crl_from_der(
    der: &[u8],
    provenance: Provenance,
    options: CrlOptions,
    issuers: IssuerLookup<'_>,
) -> Result<Crl, CrlError> {
    let layout = layout(der)?;
    let header_fields: Vec<&[u8]> = layout
        .tbs_fields
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != layout.revoked_index)
        .map(|(_, f)| *f)
        .collect();
    let header_tbs = super::der_write::sequence(&header_fields);
    let header_der =
        super::der_write::sequence(&[&header_tbs, layout.signature_algorithm, layout.signature]);
    let (_, header) = CertificateRevocationList::from_der(&header_der)
        .map_err(|e| crl_error(e.to_string(), None))?;

    let mut warnings = Vec::new();
    let mut crl = Crl {
        fingerprint_sha256: sha256_fingerprint(der),
        issuer: header.issuer().to_string(),
        version: header.version().map_or(1, |v| v.0 + 1),
        crl_number: None,
        delta_base: None,
        is_delta: false,
        freshest_crl_urls: Vec::new(),
        issuing_distribution_point: None,
        authority_key_id: None,
        this_update: UtcTime::from_offset(header.last_update().to_datetime()),
        next_update: header
            .next_update()
            .map(|t| UtcTime::from_offset(t.to_datetime())),
        signature: signature_info(&header.signature_algorithm),
        signature_valid: None,
        verified_with: None,
        entry_count: 0,
        reasons: BTreeMap::new(),
        entries: Vec::new(),
        entries_complete: true,
        size_bytes: der.len() as u64,
        fetch_ms: None,
        http: None,
        idp_matches_url: None,
        previous_crl_number: None,
        parse_warnings: Vec::new(),
        defects: Defects::default(),
        der: (der.len() <= options.max_embedded_der).then(|| Der::from(der)),
        observations: vec![provenance],
    };

    super::defects::signature_pair(
        &header.tbs_cert_list.signature,
        &header.signature_algorithm,
        &mut crl.defects,
    );
    for extension in header.extensions() {
        let oid = extension.oid.to_id_string();
        if extension.critical && !KNOWN_CRL_EXTENSIONS.contains(&oid.as_str()) {
            crl.defects.insert(Defect::CrlUnknownCriticalExtension);
        }
        match (oid.as_str(), extension.parsed_extension()) {
            (_, ParsedExtension::CRLNumber(number)) => crl.crl_number = Some(number.to_string()),
            ("2.5.29.27", _) => {
                crl.is_delta = true;
                crl.delta_base = delta_base(extension.value);
                if crl.delta_base.is_none() {
                    warnings.push("deltaCRLIndicator is malformed".to_string());
                }
            }
            (_, ParsedExtension::IssuingDistributionPoint(idp)) => {
                crl.issuing_distribution_point = Some(match &idp.distribution_point {
                    Some(DistributionPointName::FullName(names)) => uris(names).collect(),
                    _ => Vec::new(),
                });
            }
            (_, ParsedExtension::AuthorityKeyIdentifier(aki)) => {
                crl.authority_key_id = aki.key_identifier.as_ref().map(|id| to_hex(id.0));
            }
            ("2.5.29.46", _) => crl.freshest_crl_urls = freshest_crl_urls(extension.value),
            (_, ParsedExtension::ParseError { error }) => {
                let name = extension_name(&oid).unwrap_or(&oid);
                warnings.push(format!("extension {name} is malformed: {error}"));
            }
            _ => {}
        }
    }

    if let Some(index) = layout.revoked_index {
        read_entries(layout.tbs_fields[index], &mut crl, options, &mut warnings);
    }

    for (fingerprint, spki_der) in issuers(&crl.issuer, crl.authority_key_id.as_deref()) {
        let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(&spki_der) else {
            continue;
        };
        let verified = x509_parser::verify::verify_signature(
            &spki,
            &header.signature_algorithm,
            &header.signature_value,
            layout.tbs,
        )
        .is_ok();
        crl.signature_valid = Some(verified);
        if verified {
            crl.verified_with = Some(fingerprint);
            break;
        }
    }
    crl.parse_warnings = warnings;
    Ok(crl)
}

fn read_entries(list_tlv: &[u8], crl: &mut Crl, options: CrlOptions, warnings: &mut Vec<String>) {
    let Some((list, _, _)) = tlv(list_tlv) else {
        warnings.push("revokedCertificates is malformed".to_string());
        return;
    };
    if list.data.is_empty() {
        crl.defects.insert(Defect::CrlRevokedListEmpty);
    }
    let this_update = crl.this_update.unix();
    let mut remaining = list.data;
    while !remaining.is_empty() {
        match RevokedCertificate::from_der(remaining) {
            Ok((rest, entry)) => {
                crl.entry_count += 1;
                entry_defects(&entry, this_update, &mut crl.defects);
                let reason = entry
                    .reason_code()
                    .map(|(_, code)| oids::reason_code(code.0));
                *crl.reasons
                    .entry(reason.unwrap_or("unspecified").to_string())
                    .or_insert(0) += 1;
                if crl.entries.len() < options.max_entries_recorded {
                    crl.entries.push(CrlEntry {
                        serial: serial_hex(entry.raw_serial()),
                        revoked_at: UtcTime::from_offset(entry.revocation_date.to_datetime()),
                        reason: reason.map(str::to_string),
                    });
                } else {
                    crl.entries_complete = false;
                }
                remaining = rest;
            }
            Err(err) => {
                warnings.push(format!(
                    "revoked entry {} is malformed ({err}); the remaining entries were not read",
                    crl.entry_count + 1
                ));
                crl.entries_complete = false;
                return;
            }
        }
    }
}

/// CRL extensions RFC 5280 §5.2 defines (and AIA, §5.2.7; expiredCertsOnCRL,
/// X.509 §9.6.2): a critical one outside this list makes the CRL unusable.
const KNOWN_CRL_EXTENSIONS: &[&str] = &[
    "2.5.29.35",
    "2.5.29.18",
    "2.5.29.20",
    "2.5.29.27",
    "2.5.29.28",
    "2.5.29.46",
    "1.3.6.1.5.5.7.1.1",
    "2.5.29.60",
];

/// CRL entry extensions RFC 5280 §5.3 defines: reasonCode, invalidityDate,
/// certificateIssuer, holdInstructionCode (OID content bytes).
const KNOWN_ENTRY_EXTENSIONS: &[&[u8]] = &[
    &[0x55, 0x1d, 0x15],
    &[0x55, 0x1d, 0x18],
    &[0x55, 0x1d, 0x1d],
    &[0x55, 0x1d, 0x17],
];

/// The defects one revoked entry shows.
fn entry_defects(entry: &RevokedCertificate<'_>, this_update: i64, found: &mut Defects) {
    if let Some((critical, code)) = entry.reason_code() {
        if critical {
            found.insert(Defect::CrlReasonCodeCritical);
        }
        if code.0 == 0 {
            found.insert(Defect::CrlReasonUnspecified);
        }
    }
    let unknown_critical = entry
        .extensions()
        .iter()
        .any(|e| e.critical && !KNOWN_ENTRY_EXTENSIONS.contains(&e.oid.as_bytes()));
    if unknown_critical {
        found.insert(Defect::CrlUnknownCriticalExtension);
    }
    if entry.revocation_date.timestamp() > this_update {
        found.insert(Defect::CrlEntryRevokedAfterThisUpdate);
    }
}

/// The base CRL number of a deltaCRLIndicator (an INTEGER), as decimal.
fn delta_base(value: &[u8]) -> Option<String> {
    let (_, any) = Any::from_der(value).ok()?;
    if any.tag() != Tag::Integer || any.data.is_empty() || any.data.len() > 20 {
        return None;
    }
    let number = num_bigint::BigUint::from_bytes_be(any.data);
    Some(number.to_string())
}

/// URLs of a freshestCRL extension (same syntax as CRL distribution points).
fn freshest_crl_urls(value: &[u8]) -> Vec<String> {
    match x509_parser::extensions::CRLDistributionPoints::from_der(value) {
        Ok((_, points)) => points
            .iter()
            .filter_map(|p| match &p.distribution_point {
                Some(DistributionPointName::FullName(names)) => {
                    Some(uris(names).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_with_offset() {
        let provenance = Provenance {
            collector: "test".into(),
            source: "x".into(),
            method: "der".into(),
            collected_at: UtcTime::now(),
            agent: None,
        };
        let err = crl_from_der(
            &[0x30, 0x03, 0x02, 0x01],
            provenance.clone(),
            CrlOptions::default(),
            &no_issuers,
        )
        .unwrap_err();
        assert_eq!(err.offset, Some(0));
        assert!(crl_from_der(&[0xff; 10], provenance, CrlOptions::default(), &no_issuers).is_err());
    }
}
