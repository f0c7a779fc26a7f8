//! CMP (RFC 9810, lightweight profile RFC 9483 §4.3.1): an unprotected
//! general message asking for the CA certificates (`id-it-caCerts`), sent
//! once per protocol version (2 = cmp2000, 3 = cmp2021). No certificate is
//! ever requested and no credentials are sent, so a server that insists on
//! protected requests answers with an error, which is recorded as such.

use der::asn1::AnyRef;
use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};
use pkimm_model::evidence::{CmpAnswers, FailureKind};
use sha2::{Digest, Sha256};

use super::{CaBlob, Probe, Probed};
use crate::http::{FetchError, Method};
use crate::parse::der_write::{sequence, tlv};
use crate::parse::oids;

/// The protocol versions tried, newest last.
const VERSIONS: [u8; 2] = [2, 3];

/// `id-it-caCerts` (RFC 9810 §5.3.19.14), 1.3.6.1.5.5.7.4.17.
const ID_IT_CA_CERTS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x04, 0x11];
const ID_IT_CA_CERTS_DOTTED: &str = "1.3.6.1.5.5.7.4.17";

/// The PKIFailureInfo bits (RFC 9810 §5.2.3), by bit number.
const FAILURE_BITS: [&str; 27] = [
    "badAlg",
    "badMessageCheck",
    "badRequest",
    "badTime",
    "badCertId",
    "badDataFormat",
    "wrongAuthority",
    "incorrectData",
    "missingTimeStamp",
    "badPOP",
    "certRevoked",
    "certConfirmed",
    "wrongIntegrity",
    "badRecipientNonce",
    "timeNotAvailable",
    "unacceptedPolicy",
    "unacceptedExtension",
    "addInfoNotAvailable",
    "badSenderNonce",
    "badCertTemplate",
    "signerNotTrusted",
    "transactionIdInUse",
    "unsupportedVersion",
    "notAuthorized",
    "systemUnavail",
    "systemFailure",
    "duplicateCertReq",
];

/// Sends the general message once per version and reads the answers.
pub(super) async fn probe(probe: &Probe<'_>, url: &reqwest::Url) -> Result<Probed, FetchError> {
    let mut probed = Probed::default();
    let mut answers = CmpAnswers::default();
    let mut first_error = None;
    let mut understood = false;
    for version in VERSIONS {
        let request = general_message(version, url.as_str());
        let post = || {
            probe.fetcher.request(
                url.as_str(),
                Method::Post {
                    content_type: "application/pkixcmp",
                    body: request.clone(),
                },
                probe.options.max_response,
            )
        };
        // One retry on a network error: HTTP/1.0 servers such as OpenSSL's
        // announce keep-alive and may still close the connection the next
        // request would reuse.
        let answer = match post().await {
            Err(error) if error.kind == FailureKind::Network => post().await,
            other => other,
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                first_error.get_or_insert(error);
                continue;
            }
        };
        let message = match Message::parse(&answer.body) {
            Ok(message) => message,
            Err(why) => {
                first_error.get_or_insert(FetchError::new(
                    FailureKind::Protocol,
                    format!(
                        "{url}: the answer to a version-{version} general message (HTTP status {}) is not a CMP message: {why}",
                        answer.info.status
                    ),
                ));
                continue;
            }
        };
        understood = true;
        if answers.response_protection.is_none() {
            answers.response_protection = message.protection.clone();
        }
        if probed.extra_certs.is_empty() {
            probed
                .extra_certs
                .extend(message.extra_certs.iter().map(|der| CaBlob {
                    bytes: der.clone(),
                    source: url.to_string(),
                    method: "cmp-extra-certs",
                }));
        }
        match message.body {
            Body::GeneralResponse(ca_certs) => {
                answers.versions_accepted.push(version);
                if !ca_certs.is_empty() && !answers.ca_certs_answered {
                    answers.ca_certs_answered = true;
                    probed.blobs.extend(ca_certs.into_iter().map(|der| CaBlob {
                        bytes: der,
                        source: url.to_string(),
                        method: "cmp-ca-certs",
                    }));
                }
            }
            Body::Error(error) => {
                if error.about_version() {
                    answers.versions_refused.push(version);
                } else if error.about_protection() {
                    answers.protection_required = true;
                }
                let text = error.describe();
                if !answers.error_texts.contains(&text) {
                    answers.error_texts.push(text);
                }
            }
            Body::Other(tag) => {
                probed.problems.push((
                    url.to_string(),
                    FetchError::new(
                        FailureKind::Protocol,
                        format!("{url}: a version-{version} general message was answered with body type [{tag}], neither genp nor error"),
                    ),
                ));
            }
        }
    }
    if !understood {
        return Err(first_error.unwrap_or_else(|| {
            FetchError::new(FailureKind::Protocol, format!("{url}: no CMP answer"))
        }));
    }
    if let Some(error) = first_error {
        probed.problems.push((url.to_string(), error));
    }
    probed.cmp = Some(answers);
    Ok(probed)
}

/// An unprotected `genm` asking for `id-it-caCerts`, with protocol
/// version `pvno`, a fresh transaction id and sender nonce, and empty
/// directory names for sender and recipient (RFC 9483 §3.1 allows the
/// NULL-DN when nothing better is known).
fn general_message(pvno: u8, salt: &str) -> Vec<u8> {
    let random = fresh_bytes(salt);
    let empty_name = tlv(0xa4, &sequence(&[]));
    let now = time::OffsetDateTime::now_utc();
    let generalized = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let header = sequence(&[
        &tlv(0x02, &[pvno]),
        &empty_name,
        &empty_name,
        &tlv(0xa0, &tlv(0x18, generalized.as_bytes())),
        &tlv(0xa4, &tlv(0x04, &random[..16])),
        &tlv(0xa5, &tlv(0x04, &random[16..])),
    ]);
    let info = sequence(&[&tlv(0x06, ID_IT_CA_CERTS)]);
    let body = tlv(0xb5, &sequence(&[&info]));
    sequence(&[&header, &body])
}

/// 32 bytes that differ between requests (transaction id and nonce need
/// uniqueness, not secrecy).
fn fresh_bytes(salt: &str) -> [u8; 32] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hash = Sha256::new();
    hash.update(salt.as_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    hash.update(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            .to_be_bytes(),
    );
    hash.update(std::process::id().to_be_bytes());
    hash.finalize().into()
}

/// The parts of a PKIMessage the probe reads.
#[derive(Debug)]
struct Message {
    /// `header.protectionAlg`, named.
    protection: Option<String>,
    body: Body,
    /// `extraCerts`, each a certificate's DER.
    extra_certs: Vec<Vec<u8>>,
}

#[derive(Debug)]
enum Body {
    /// `genp`: the certificates of a non-empty `id-it-caCerts` value.
    GeneralResponse(Vec<Vec<u8>>),
    /// `error`.
    Error(ErrorContent),
    /// Anything else, by context tag number.
    Other(u32),
}

/// What an `error` body says.
#[derive(Debug, Default)]
struct ErrorContent {
    status: Option<u8>,
    texts: Vec<String>,
    failures: Vec<&'static str>,
}

impl ErrorContent {
    fn about_version(&self) -> bool {
        self.failures.contains(&"unsupportedVersion")
            || self.texts.iter().any(|t| {
                let t = t.to_ascii_lowercase();
                t.contains("pvno") || t.contains("version")
            })
    }

    fn about_protection(&self) -> bool {
        self.failures
            .iter()
            .any(|f| matches!(*f, "badMessageCheck" | "wrongIntegrity" | "notAuthorized"))
            || self
                .texts
                .iter()
                .any(|t| t.to_ascii_lowercase().contains("protect"))
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(status) = self.status {
            parts.push(format!("status {status}"));
        }
        if !self.failures.is_empty() {
            parts.push(self.failures.join(", "));
        }
        parts.extend(self.texts.iter().cloned());
        parts.join(": ")
    }
}

type Parsed<T> = Result<T, String>;

fn any<'a>(reader: &mut SliceReader<'a>) -> Parsed<AnyRef<'a>> {
    reader.decode::<AnyRef<'_>>().map_err(|e| e.to_string())
}

fn reader(bytes: &[u8]) -> Parsed<SliceReader<'_>> {
    SliceReader::new(bytes).map_err(|e| e.to_string())
}

fn context_number(tag: Tag) -> Option<u32> {
    match tag {
        Tag::ContextSpecific { number, .. } => Some(u32::from(number.value())),
        _ => None,
    }
}

/// Every element of a SEQUENCE OF, re-encoded.
fn elements(sequence: AnyRef<'_>) -> Parsed<Vec<Vec<u8>>> {
    if sequence.tag() != Tag::Sequence {
        return Err(format!("expected a SEQUENCE, found {}", sequence.tag()));
    }
    let mut r = reader(sequence.value())?;
    let mut out = Vec::new();
    while !r.is_finished() {
        out.push(any(&mut r)?.to_der().map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// The UTF8Strings of a PKIFreeText.
fn free_text(text: AnyRef<'_>) -> Vec<String> {
    let Ok(mut r) = reader(text.value()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while !r.is_finished() {
        match any(&mut r) {
            Ok(s) => out.push(
                String::from_utf8_lossy(s.value())
                    .chars()
                    .take(200)
                    .collect(),
            ),
            Err(_) => break,
        }
    }
    out
}

impl Message {
    fn parse(bytes: &[u8]) -> Parsed<Self> {
        let message = AnyRef::from_der(bytes).map_err(|e| e.to_string())?;
        if message.tag() != Tag::Sequence {
            return Err(format!("expected a SEQUENCE, found {}", message.tag()));
        }
        let mut r = reader(message.value())?;
        let header = any(&mut r)?;
        if header.tag() != Tag::Sequence {
            return Err("the header is not a SEQUENCE".to_string());
        }
        let protection = Self::protection_alg(header)?;
        let body = any(&mut r)?;
        let body_number = context_number(body.tag())
            .ok_or_else(|| format!("the body has tag {}, not a context tag", body.tag()))?;
        let mut extra_certs = Vec::new();
        while !r.is_finished() {
            let part = any(&mut r)?;
            if context_number(part.tag()) == Some(1) {
                extra_certs = elements(AnyRef::from_der(part.value()).map_err(|e| e.to_string())?)?;
            }
        }
        let content = AnyRef::from_der(body.value()).map_err(|e| e.to_string())?;
        let body = match body_number {
            22 => Body::GeneralResponse(Self::ca_certs(content)?),
            23 => Body::Error(Self::error(content)?),
            other => Body::Other(other),
        };
        Ok(Self {
            protection,
            body,
            extra_certs,
        })
    }

    /// The header's pvno is checked; `protectionAlg` ([1]) named.
    fn protection_alg(header: AnyRef<'_>) -> Parsed<Option<String>> {
        let mut r = reader(header.value())?;
        let pvno = any(&mut r)?;
        if pvno.tag() != Tag::Integer {
            return Err("the header does not start with pvno".to_string());
        }
        while !r.is_finished() {
            let field = any(&mut r)?;
            if context_number(field.tag()) == Some(1) {
                let algorithm = AnyRef::from_der(field.value()).map_err(|e| e.to_string())?;
                let mut a = reader(algorithm.value())?;
                let oid = a
                    .decode::<der::asn1::ObjectIdentifier>()
                    .map_err(|e| e.to_string())?
                    .to_string();
                let name = match oid.as_str() {
                    "1.2.840.113533.7.66.13" => "password-based-mac".to_string(),
                    "1.2.840.113549.1.5.14" => "pbmac1".to_string(),
                    "1.3.6.1.5.5.8.1.2" => "hmac-sha1".to_string(),
                    "1.2.840.113549.2.9" => "hmac-sha256".to_string(),
                    _ => oids::signature_algorithm(&oid).0,
                };
                return Ok(Some(name));
            }
        }
        Ok(None)
    }

    /// The certificates of `id-it-caCerts` in a GenRepContent.
    fn ca_certs(content: AnyRef<'_>) -> Parsed<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for info in elements(content)? {
            let info = AnyRef::from_der(&info).map_err(|e| e.to_string())?;
            let mut r = reader(info.value())?;
            let oid = r
                .decode::<der::asn1::ObjectIdentifier>()
                .map_err(|e| e.to_string())?;
            if oid.to_string() != ID_IT_CA_CERTS_DOTTED || r.is_finished() {
                continue;
            }
            out.extend(elements(any(&mut r)?)?);
        }
        Ok(out)
    }

    /// An ErrorMsgContent: status, texts and failure bits.
    fn error(content: AnyRef<'_>) -> Parsed<ErrorContent> {
        let mut r = reader(content.value())?;
        let status_info = any(&mut r)?;
        let mut error = ErrorContent::default();
        let mut s = reader(status_info.value())?;
        let status = any(&mut s)?;
        error.status = status.value().last().copied();
        while !s.is_finished() {
            let part = any(&mut s)?;
            match part.tag() {
                Tag::Sequence => error.texts.extend(free_text(part)),
                Tag::BitString => {
                    let bits = part.value();
                    for (index, name) in FAILURE_BITS.iter().enumerate() {
                        let byte = 1 + index / 8;
                        if bits
                            .get(byte)
                            .is_some_and(|b| b & (0x80 >> (index % 8)) != 0)
                        {
                            error.failures.push(name);
                        }
                    }
                }
                _ => {}
            }
        }
        while !r.is_finished() {
            let part = any(&mut r)?;
            if part.tag() == Tag::Sequence {
                for text in free_text(part) {
                    if !error.texts.contains(&text) {
                        error.texts.push(text);
                    }
                }
            }
        }
        Ok(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_messages_are_well_formed() {
        let request = general_message(3, "test");
        let message = AnyRef::from_der(&request).unwrap();
        assert_eq!(message.tag(), Tag::Sequence);
        let mut r = reader(message.value()).unwrap();
        let header = any(&mut r).unwrap();
        let mut h = reader(header.value()).unwrap();
        assert_eq!(any(&mut h).unwrap().value(), [3]);
        let body = any(&mut r).unwrap();
        assert_eq!(context_number(body.tag()), Some(21));
        assert_ne!(general_message(2, "a"), general_message(2, "a"));
    }

    #[test]
    fn error_messages_are_read() {
        // An error body: status rejection (2), text "unexpected pvno",
        // failInfo unsupportedVersion (bit 22).
        let status_info = sequence(&[
            &tlv(0x02, &[2]),
            &sequence(&[&tlv(0x0c, b"unexpected pvno")]),
            &tlv(0x03, &[1, 0, 0, 0x02]),
        ]);
        let body = tlv(0xb7, &sequence(&[&status_info]));
        let header = sequence(&[
            &tlv(0x02, &[2]),
            &tlv(0xa4, &sequence(&[])),
            &tlv(0xa4, &sequence(&[])),
        ]);
        let message = Message::parse(&sequence(&[&header, &body])).unwrap();
        let Body::Error(error) = message.body else {
            panic!("not an error: {:?}", message.body);
        };
        assert_eq!(error.status, Some(2));
        assert_eq!(error.failures, ["unsupportedVersion"]);
        assert!(error.about_version());
        assert!(!error.about_protection());
        assert_eq!(
            error.describe(),
            "status 2: unsupportedVersion: unexpected pvno"
        );
    }

    #[test]
    fn garbage_is_not_a_message() {
        for bytes in [
            &b"<html>"[..],
            &[0x30, 0x03, 0x02, 0x01, 0x02],
            &[0x30, 0x80],
        ] {
            assert!(Message::parse(bytes).is_err());
        }
    }
}
