//! OCSP (RFC 6960): request building (SHA-1 or SHA-256 CertID, optional
//! nonce), POST or GET, and response checks: status, signature, responder
//! authorisation (the CA itself, or a delegated id-kp-OCSPSigning
//! certificate the CA issued), times and nonce echo.

use std::time::Instant;

use base64::Engine;
use pkimm_model::evidence::{Certificate, OcspCheck, Provenance, UtcTime};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::prelude::{AlgorithmIdentifier, FromDer, SubjectPublicKeyInfo, X509Certificate};

use super::issuers::KnownCertificate;
use crate::http::Fetcher;
use crate::parse::der_write::{sequence, tlv};
use crate::parse::ocsp::{parse_ocsp_response, BasicFacts};

/// Largest OCSP response read.
const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;
/// id-kp-OCSPSigning.
const OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";

/// The CertID hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertIdHash {
    /// SHA-1, which every responder supports.
    Sha1,
    /// SHA-256.
    Sha256,
}

/// OCSP settings.
#[derive(Debug, Clone, Copy)]
pub struct OcspOptions {
    /// CertID hash.
    pub hash: CertIdHash,
    /// Send a nonce.
    pub nonce: bool,
    /// Use GET for requests whose base64 form is at most 255 bytes.
    pub prefer_get: bool,
}

impl Default for OcspOptions {
    fn default() -> Self {
        Self {
            hash: CertIdHash::Sha1,
            nonce: true,
            prefer_get: false,
        }
    }
}

/// Builds a DER OCSPRequest for `cert` issued by `issuer`.
pub fn build_request(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
    hash: CertIdHash,
    nonce: Option<&[u8]>,
) -> Vec<u8> {
    let name = issuer.tbs_certificate.subject.as_raw();
    let key = &issuer.tbs_certificate.subject_pki.subject_public_key.data;
    let (algorithm, name_hash, key_hash): (&[u8], Vec<u8>, Vec<u8>) = match hash {
        CertIdHash::Sha1 => (
            &[
                0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
            ],
            Sha1::digest(name).to_vec(),
            Sha1::digest(key).to_vec(),
        ),
        CertIdHash::Sha256 => (
            &[
                0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
                0x00,
            ],
            Sha256::digest(name).to_vec(),
            Sha256::digest(key).to_vec(),
        ),
    };
    let serial = tlv(0x02, cert.tbs_certificate.raw_serial());
    let cert_id = sequence(&[
        algorithm,
        &tlv(0x04, &name_hash),
        &tlv(0x04, &key_hash),
        &serial,
    ]);
    let request = sequence(&[&cert_id]);
    let request_list = sequence(&[&request]);
    let mut tbs_parts = vec![request_list];
    if let Some(nonce) = nonce {
        let oid = [
            0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02,
        ];
        let value = tlv(0x04, &tlv(0x04, nonce));
        let extension = sequence(&[&oid, &value]);
        tbs_parts.push(tlv(0xa2, &sequence(&[&extension])));
    }
    let refs: Vec<&[u8]> = tbs_parts.iter().map(Vec::as_slice).collect();
    sequence(&[&sequence(&refs)])
}

/// A random nonce (RFC 8954: 1 to 32 bytes; 16 used).
fn random_nonce() -> Vec<u8> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = Sha256::new();
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    h.update(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            .to_be_bytes(),
    );
    h.update(std::process::id().to_be_bytes());
    h.finalize()[..16].to_vec()
}

/// Queries `url` about `cert` and checks the answer.
pub async fn check(
    fetcher: &Fetcher,
    url: &str,
    cert: &Certificate,
    cert_der: &[u8],
    issuer: &KnownCertificate,
    options: OcspOptions,
    provenance: Provenance,
) -> OcspCheck {
    let mut check = OcspCheck {
        certificate: cert.fingerprint_sha256.to_string(),
        serial: cert.serial.to_string(),
        responder_url: url.to_string(),
        response_status: None,
        cert_status: None,
        revocation_reason: None,
        produced_at: None,
        this_update: None,
        next_update: None,
        responder_authorisation: None,
        responder_nocheck: None,
        signature_valid: None,
        nonce_sent: options.nonce,
        nonce_echoed: None,
        latency_ms: None,
        errors: Vec::new(),
        provenance,
    };
    let (Ok((_, parsed_cert)), Some(parsed_issuer)) =
        (X509Certificate::from_der(cert_der), issuer.parsed())
    else {
        check
            .errors
            .push("the certificate or its issuer does not parse".to_string());
        return check;
    };
    let nonce = options.nonce.then(random_nonce);
    let request = build_request(&parsed_cert, &parsed_issuer, options.hash, nonce.as_deref());
    let encoded = base64::engine::general_purpose::STANDARD.encode(&request);
    let started = Instant::now();
    let fetched = if options.prefer_get && encoded.len() <= 255 {
        let escaped = encoded
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let get_url = format!("{}/{}", url.trim_end_matches('/'), escaped);
        fetcher.fetch(&get_url, None, MAX_RESPONSE_BYTES).await
    } else {
        fetcher
            .fetch(
                url,
                Some(("application/ocsp-request", request)),
                MAX_RESPONSE_BYTES,
            )
            .await
    };
    check.latency_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    let body = match fetched {
        Ok(f) => f.body,
        Err(e) => {
            check.errors.push(e.message);
            return check;
        }
    };
    let facts = match parse_ocsp_response(&body) {
        Ok(facts) => facts,
        Err(e) => {
            check.errors.push(e.to_string());
            return check;
        }
    };
    check.response_status = Some(facts.response_status.to_string());
    let Some(basic) = facts.basic else {
        return check;
    };
    check.produced_at = UtcTime::from_unix(basic.produced_at);
    match basic.responses.iter().find(|r| r.serial == cert.serial) {
        Some(single) => {
            check.cert_status = Some(single.status.to_string());
            check.revocation_reason = single.revocation_reason.map(str::to_string);
            check.this_update = UtcTime::from_unix(single.this_update);
            check.next_update = single.next_update.and_then(UtcTime::from_unix);
        }
        None => check.errors.push(format!(
            "the response has no entry for serial {}",
            cert.serial
        )),
    }
    if let Some(sent) = &nonce {
        check.nonce_echoed = Some(basic.nonce.as_deref() == Some(sent.as_slice()));
    }
    let signer = verify(&basic, &parsed_issuer);
    check.signature_valid = Some(signer.valid);
    check.responder_authorisation = Some(signer.authorisation.to_string());
    check.responder_nocheck = signer.nocheck;
    check
}

/// Who signed an OCSP response.
struct Signer {
    /// The signature verifies.
    valid: bool,
    /// `ca`, `delegated` or `unauthorised`.
    authorisation: &'static str,
    /// For a delegated responder, whether its certificate carries
    /// id-pkix-ocsp-nocheck.
    nocheck: Option<bool>,
}

impl Signer {
    const UNVERIFIED: Self = Self {
        valid: false,
        authorisation: "unauthorised",
        nocheck: None,
    };
}

/// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
const OCSP_NOCHECK: &str = "1.3.6.1.5.5.7.48.1.5";

/// Verifies the response signature and who made it: `ca` when the issuer
/// signed, `delegated` for an id-kp-OCSPSigning certificate the issuer signed,
/// `unauthorised` otherwise.
fn verify(basic: &BasicFacts, issuer: &X509Certificate<'_>) -> Signer {
    let Ok((_, algorithm)) = AlgorithmIdentifier::from_der(&basic.signature_algorithm_der) else {
        return Signer::UNVERIFIED;
    };
    let signature = x509_parser::der_parser::asn1_rs::BitString::new(0, &basic.signature);
    let signed_by = |spki: &SubjectPublicKeyInfo<'_>| {
        x509_parser::verify::verify_signature(spki, &algorithm, &signature, &basic.tbs_der).is_ok()
    };
    if signed_by(issuer.public_key()) {
        return Signer {
            valid: true,
            authorisation: "ca",
            nocheck: None,
        };
    }
    for der in &basic.certificates {
        let Ok((_, responder)) = X509Certificate::from_der(der) else {
            continue;
        };
        if !signed_by(responder.public_key()) {
            continue;
        }
        let issued_by_ca = responder.issuer() == issuer.subject()
            && responder
                .verify_signature(Some(issuer.public_key()))
                .is_ok();
        let ocsp_signing = responder
            .extended_key_usage()
            .ok()
            .flatten()
            .is_some_and(|eku| {
                eku.value.ocsp_signing
                    || eku
                        .value
                        .other
                        .iter()
                        .any(|o| o.to_id_string() == OCSP_SIGNING)
            });
        let authorised = issued_by_ca && ocsp_signing;
        return Signer {
            valid: true,
            authorisation: if authorised {
                "delegated"
            } else {
                "unauthorised"
            },
            nocheck: authorised.then(|| {
                responder
                    .extensions()
                    .iter()
                    .any(|e| e.oid.to_id_string() == OCSP_NOCHECK)
            }),
        };
    }
    Signer::UNVERIFIED
}
