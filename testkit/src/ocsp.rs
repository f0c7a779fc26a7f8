//! A small OCSP responder (RFC 6960): answers for one issuing CA, signs with
//! the CA key itself (so the responder is authorised as `ca`), echoes the
//! nonce, and says revoked for the serials it is told about.

use std::collections::HashMap;

use der::{Decode, Encode};
use pkimm_collectors::parse::der_write::{sequence, tlv};
use rcgen::{KeyPair, SigningKey};
use sha1::{Digest, Sha1};
use x509_ocsp::OcspRequest;

/// A responder that cannot be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResponderError {
    /// The issuer certificate does not parse.
    #[error("OCSP responder issuer: {0}")]
    Issuer(String),
    /// The issuer key is unusable.
    #[error("OCSP responder key: {0}")]
    Key(#[from] rcgen::Error),
}

/// Why one request got `malformedRequest`.
type RequestError = Box<dyn std::error::Error + Send + Sync>;

/// What the responder knows.
pub struct Responder {
    /// SHA-1 of the issuer's subject name DER.
    issuer_name_hash: Vec<u8>,
    /// SHA-1 of the issuer's public key bits.
    issuer_key_hash: Vec<u8>,
    /// The issuer's key, which signs the responses.
    key: KeyPair,
    /// Revoked serials (big-endian bytes, no leading zeros) and when.
    revoked: HashMap<Vec<u8>, time::OffsetDateTime>,
}

fn generalized(t: time::OffsetDateTime) -> Vec<u8> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    tlv(0x18, text.as_bytes())
}

fn trimmed(serial: &[u8]) -> Vec<u8> {
    let skip = serial.iter().take_while(|b| **b == 0).count();
    serial[skip.min(serial.len().saturating_sub(1))..].to_vec()
}

impl Responder {
    /// A responder for the CA whose certificate is `issuer_der` and whose
    /// PKCS#8 key is `issuer_key_der`.
    pub fn new(
        issuer_der: &[u8],
        issuer_key_der: &[u8],
        revoked: &[(Vec<u8>, time::OffsetDateTime)],
    ) -> Result<Self, ResponderError> {
        let (_, issuer) = x509_parser::parse_x509_certificate(issuer_der)
            .map_err(|e| ResponderError::Issuer(e.to_string()))?;
        let key = KeyPair::try_from(issuer_key_der)?;
        Ok(Self {
            issuer_name_hash: Sha1::digest(issuer.tbs_certificate.subject.as_raw()).to_vec(),
            issuer_key_hash: Sha1::digest(
                &issuer.tbs_certificate.subject_pki.subject_public_key.data,
            )
            .to_vec(),
            key,
            revoked: revoked.iter().map(|(s, t)| (trimmed(s), *t)).collect(),
        })
    }

    /// Answers one DER OCSPRequest; malformed requests get `malformedRequest`.
    pub fn respond(&self, request: &[u8]) -> Vec<u8> {
        self.try_respond(request)
            .unwrap_or_else(|_| sequence(&[&[0x0a, 0x01, 0x01]]))
    }

    fn try_respond(&self, request: &[u8]) -> Result<Vec<u8>, RequestError> {
        let request = OcspRequest::from_der(request)?;
        let nonce = request.nonce();
        let now = time::OffsetDateTime::now_utc();
        let mut singles = Vec::new();
        for one in &request.tbs_request.request_list {
            let id = &one.req_cert;
            let cert_id = id.to_der()?;
            let sha1_id = id.hash_algorithm.oid.to_string() == "1.3.14.3.2.26";
            let ours = sha1_id
                && id.issuer_name_hash.as_bytes() == self.issuer_name_hash
                && id.issuer_key_hash.as_bytes() == self.issuer_key_hash;
            let serial = trimmed(id.serial_number.as_bytes());
            let status = match (ours, self.revoked.get(&serial)) {
                (false, _) => vec![0x82, 0x00],
                (true, None) => vec![0x80, 0x00],
                (true, Some(at)) => tlv(
                    0xa1,
                    &[generalized(*at), vec![0xa0, 0x03, 0x0a, 0x01, 0x01]].concat(),
                ),
            };
            let next = tlv(0xa0, &generalized(now + time::Duration::hours(4)));
            singles.push(sequence(&[&cert_id, &status, &generalized(now), &next]));
        }
        let single_refs: Vec<&[u8]> = singles.iter().map(Vec::as_slice).collect();
        let responder_id = tlv(0xa2, &tlv(0x04, &self.issuer_key_hash));
        let mut tbs_parts = vec![responder_id, generalized(now), sequence(&single_refs)];
        if let Some(nonce) = nonce {
            let oid = [
                0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02,
            ];
            let value = tlv(0x04, &nonce.to_der()?);
            tbs_parts.push(tlv(0xa1, &sequence(&[&sequence(&[&oid, &value])])));
        }
        let tbs_refs: Vec<&[u8]> = tbs_parts.iter().map(Vec::as_slice).collect();
        let tbs = sequence(&tbs_refs);
        let signature = self.key.sign(&tbs)?;
        let algorithm = [
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
        ];
        let mut bits = vec![0u8];
        bits.extend(signature);
        let basic = sequence(&[&tbs, &algorithm, &tlv(0x03, &bits)]);
        let basic_oid = [
            0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01,
        ];
        let bytes = tlv(0xa0, &sequence(&[&basic_oid, &tlv(0x04, &basic)]));
        Ok(sequence(&[&[0x0a, 0x01, 0x00], &bytes]))
    }
}
