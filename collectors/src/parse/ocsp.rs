//! OCSP responses (RFC 6960), as stapled in TLS or fetched from a responder.
//!
//! Decoding uses `x509-ocsp`; this module turns the ASN.1 into the plain facts
//! evidence needs. Signature and responder checks live with the revocation
//! collector, which knows the issuer.

use der::{Decode, Encode};
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus, ResponderId};

use super::certificate::to_hex;
use super::oids;

/// The OID of id-pkix-ocsp-basic.
const OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";

/// A decoded OCSP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspResponseFacts {
    /// `successful`, `malformedRequest`, `internalError`, `tryLater`,
    /// `sigRequired` or `unauthorized`.
    pub response_status: &'static str,
    /// The basic response, when the status is successful.
    pub basic: Option<BasicFacts>,
}

/// The parts of a BasicOCSPResponse evidence uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicFacts {
    /// producedAt, Unix seconds.
    pub produced_at: i64,
    /// The responder, as `name:<DN>` or `key:<hex SHA-1 of the key>`.
    pub responder: String,
    /// One entry per certificate asked about.
    pub responses: Vec<SingleFacts>,
    /// The nonce extension value, when present.
    pub nonce: Option<Vec<u8>>,
    /// DER of the certificates the responder included.
    pub certificates: Vec<Vec<u8>>,
    /// DER of tbsResponseData, the signed bytes.
    pub tbs_der: Vec<u8>,
    /// Signature algorithm OID.
    pub signature_algorithm: String,
    /// DER of the signature AlgorithmIdentifier.
    pub signature_algorithm_der: Vec<u8>,
    /// The signature bits.
    pub signature: Vec<u8>,
}

/// One SingleResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleFacts {
    /// Serial asked about, lowercase hex without leading zeros.
    pub serial: String,
    /// Issuer name hash, hex.
    pub issuer_name_hash: String,
    /// Issuer key hash, hex.
    pub issuer_key_hash: String,
    /// Hash algorithm OID of the CertID.
    pub hash_algorithm: String,
    /// `good`, `revoked` or `unknown`.
    pub status: &'static str,
    /// Revocation reason name, when revoked with a reason.
    pub revocation_reason: Option<&'static str>,
    /// Revocation time, Unix seconds, when revoked.
    pub revoked_at: Option<i64>,
    /// thisUpdate, Unix seconds.
    pub this_update: i64,
    /// nextUpdate, Unix seconds, when given.
    pub next_update: Option<i64>,
}

/// An OCSP response that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OcspParseError(String);

/// Decodes a DER OCSPResponse. Errors are in words, never panics.
pub fn parse_ocsp_response(der: &[u8]) -> Result<OcspResponseFacts, OcspParseError> {
    decode_response(der).map_err(OcspParseError)
}

fn decode_response(der: &[u8]) -> Result<OcspResponseFacts, String> {
    let response = OcspResponse::from_der(der).map_err(|e| format!("not an OCSP response: {e}"))?;
    let response_status = match response.response_status {
        OcspResponseStatus::Successful => "successful",
        OcspResponseStatus::MalformedRequest => "malformedRequest",
        OcspResponseStatus::InternalError => "internalError",
        OcspResponseStatus::TryLater => "tryLater",
        OcspResponseStatus::SigRequired => "sigRequired",
        OcspResponseStatus::Unauthorized => "unauthorized",
    };
    let Some(bytes) = response.response_bytes else {
        return Ok(OcspResponseFacts {
            response_status,
            basic: None,
        });
    };
    if bytes.response_type.to_string() != OCSP_BASIC {
        return Err(format!(
            "unsupported OCSP response type {}",
            bytes.response_type
        ));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| format!("malformed BasicOCSPResponse: {e}"))?;
    Ok(OcspResponseFacts {
        response_status,
        basic: Some(basic_facts(&basic)?),
    })
}

fn basic_facts(basic: &BasicOcspResponse) -> Result<BasicFacts, String> {
    let data = &basic.tbs_response_data;
    let responder = match &data.responder_id {
        ResponderId::ByName(name) => format!("name:{name}"),
        ResponderId::ByKey(hash) => format!("key:{}", to_hex(hash.as_bytes())),
    };
    let responses = data
        .responses
        .iter()
        .map(|single| {
            let (status, revocation_reason, revoked_at) = match &single.cert_status {
                CertStatus::Good(_) => ("good", None, None),
                CertStatus::Revoked(info) => (
                    "revoked",
                    info.revocation_reason
                        .map(|r| oids::reason_code(u8::try_from(r as u32).unwrap_or(u8::MAX))),
                    Some(unix(&info.revocation_time.0)),
                ),
                CertStatus::Unknown(_) => ("unknown", None, None),
            };
            SingleFacts {
                serial: super::certificate::serial_hex(single.cert_id.serial_number.as_bytes()),
                issuer_name_hash: to_hex(single.cert_id.issuer_name_hash.as_bytes()),
                issuer_key_hash: to_hex(single.cert_id.issuer_key_hash.as_bytes()),
                hash_algorithm: single.cert_id.hash_algorithm.oid.to_string(),
                status,
                revocation_reason,
                revoked_at,
                this_update: unix(&single.this_update.0),
                next_update: single.next_update.map(|t| unix(&t.0)),
            }
        })
        .collect();
    let certificates = basic
        .certs
        .iter()
        .flatten()
        .map(|c| {
            c.to_der()
                .map_err(|e| format!("responder certificate: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BasicFacts {
        produced_at: unix(&data.produced_at.0),
        responder,
        responses,
        nonce: basic.nonce().map(|n| n.0.as_bytes().to_vec()),
        certificates,
        tbs_der: data
            .to_der()
            .map_err(|e| format!("cannot re-encode tbsResponseData: {e}"))?,
        signature_algorithm: basic.signature_algorithm.oid.to_string(),
        signature_algorithm_der: basic
            .signature_algorithm
            .to_der()
            .map_err(|e| format!("cannot re-encode the signature algorithm: {e}"))?,
        signature: basic.signature.raw_bytes().to_vec(),
    })
}

fn unix(time: &der::asn1::GeneralizedTime) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_ocsp_response(b"\x30\x03\x0a\x01").is_err());
        assert!(parse_ocsp_response(&[]).is_err());
    }

    #[test]
    fn unsuccessful_status_has_no_body() {
        // OCSPResponse { responseStatus tryLater }
        let facts = parse_ocsp_response(&[0x30, 0x03, 0x0a, 0x01, 0x03]).unwrap();
        assert_eq!(facts.response_status, "tryLater");
        assert!(facts.basic.is_none());
    }
}
