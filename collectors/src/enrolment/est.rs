//! EST (RFC 7030 §4.1 and §4.5): `cacerts` and `csrattrs` under the EST
//! base (`…/.well-known/est` or `…/.well-known/est/LABEL`). Neither needs
//! authentication; nothing is enrolled.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Reader, SliceReader, Tag, Tagged};
use pkimm_model::evidence::{EstAnswers, FailureKind};

use super::{CaBlob, Probe, Probed};
use crate::http::{FetchError, Method};

/// `base` with `operation` appended as a path segment.
fn operation(base: &reqwest::Url, operation: &str) -> String {
    format!("{}/{operation}", base.as_str().trim_end_matches('/'))
}

/// Reads `cacerts` (required) and `csrattrs`.
pub(super) async fn probe(probe: &Probe<'_>, base: &reqwest::Url) -> Result<Probed, FetchError> {
    let cacerts = operation(base, "cacerts");
    let answer = probe
        .fetcher
        .fetch(&cacerts, None, probe.options.max_response)
        .await?;
    let der = decode_base64_body(&answer.body).map_err(|why| {
        FetchError::new(
            FailureKind::Protocol,
            format!("{cacerts}: not an EST certs-only answer: {why}"),
        )
    })?;
    let mut probed = Probed::default();
    probed.blobs.push(CaBlob {
        bytes: der,
        source: cacerts,
        method: "est-cacerts",
    });
    let mut est = EstAnswers::default();
    let csrattrs = operation(base, "csrattrs");
    match probe
        .fetcher
        .request(&csrattrs, Method::Get, 64 * 1024)
        .await
    {
        Ok(answer) => {
            est.csrattrs_status = Some(answer.info.status);
            if answer.info.status == 200 && !answer.body.is_empty() {
                match decode_base64_body(&answer.body).and_then(|der| csr_attributes(&der)) {
                    Ok(attributes) => est.csr_attributes = attributes,
                    Err(why) => probed.problems.push((
                        csrattrs.clone(),
                        FetchError::new(
                            FailureKind::Protocol,
                            format!("{csrattrs}: not a CsrAttrs answer: {why}"),
                        ),
                    )),
                }
            }
        }
        Err(error) => probed.problems.push((csrattrs, error)),
    }
    probed.est = Some(est);
    Ok(probed)
}

/// EST bodies are base64 (RFC 7030 §4.1.3, `Content-Transfer-Encoding:
/// base64`); some servers send the DER itself, which is taken as it is.
fn decode_base64_body(body: &[u8]) -> Result<Vec<u8>, String> {
    if body.first() == Some(&0x30) {
        return Ok(body.to_vec());
    }
    let text: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let der = STANDARD
        .decode(&text)
        .map_err(|e| format!("the body is neither base64 nor DER: {e}"))?;
    if der.first() != Some(&0x30) {
        return Err("the decoded body is not a DER SEQUENCE".to_string());
    }
    Ok(der)
}

/// The attributes and OIDs of a CsrAttrs (RFC 7030 §4.5.2): `OID` for a
/// bare OID, `OID=VALUE-OID,…` for an attribute whose values are OIDs.
fn csr_attributes(der: &[u8]) -> Result<Vec<String>, String> {
    let attrs = AnyRef::from_der(der).map_err(|e| e.to_string())?;
    if attrs.tag() != Tag::Sequence {
        return Err("CsrAttrs is not a SEQUENCE".to_string());
    }
    let mut r = SliceReader::new(attrs.value()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while !r.is_finished() {
        let item = r.decode::<AnyRef<'_>>().map_err(|e| e.to_string())?;
        match item.tag() {
            Tag::ObjectIdentifier => {
                let oid = ObjectIdentifier::try_from(item).map_err(|e| e.to_string())?;
                out.push(named(&oid));
            }
            Tag::Sequence => {
                let mut a = SliceReader::new(item.value()).map_err(|e| e.to_string())?;
                let kind = a.decode::<ObjectIdentifier>().map_err(|e| e.to_string())?;
                let mut values = Vec::new();
                if !a.is_finished() {
                    let set = a.decode::<AnyRef<'_>>().map_err(|e| e.to_string())?;
                    let mut v = SliceReader::new(set.value()).map_err(|e| e.to_string())?;
                    while !v.is_finished() {
                        let value = v.decode::<AnyRef<'_>>().map_err(|e| e.to_string())?;
                        if let Ok(oid) = ObjectIdentifier::try_from(value) {
                            values.push(named(&oid));
                        }
                    }
                }
                if values.is_empty() {
                    out.push(named(&kind));
                } else {
                    out.push(format!("{}={}", named(&kind), values.join(",")));
                }
            }
            other => return Err(format!("an item of CsrAttrs has tag {other}")),
        }
    }
    Ok(out)
}

/// An OID with its name where known: `1.3.132.0.34 (secp384r1)`.
fn named(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    let name = match dotted.as_str() {
        "1.2.840.113549.1.9.7" => "challengePassword",
        "1.2.840.113549.1.9.14" => "extensionRequest",
        "1.2.840.10045.2.1" => "ecPublicKey",
        "1.2.840.113549.1.1.1" => "rsaEncryption",
        "1.3.132.0.34" => "secp384r1",
        "1.2.840.10045.3.1.7" => "secp256r1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        "1.3.6.1.1.1.1.22" => "macAddress",
        _ => return dotted,
    };
    format!("{dotted} ({name})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7030_csrattrs_example() {
        // RFC 7030 §4.5.2's example (base64 of the DER).
        let body = b"MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJ\nBgcrBgEBAQEWBggqhkjOPQQDAw==\n";
        let der = decode_base64_body(body).unwrap();
        let attributes = csr_attributes(&der).unwrap();
        assert_eq!(
            attributes,
            [
                "1.2.840.113549.1.9.7 (challengePassword)",
                "1.2.840.10045.2.1 (ecPublicKey)=1.3.132.0.34 (secp384r1)",
                "1.2.840.113549.1.9.14 (extensionRequest)=1.3.6.1.1.1.1.22 (macAddress)",
                "1.2.840.10045.4.3.3 (ecdsa-with-SHA384)",
            ]
        );
    }

    #[test]
    fn bodies_that_are_not_est() {
        assert!(decode_base64_body(b"<html>nope</html>").is_err());
        assert!(decode_base64_body(b"aGVsbG8=").is_err());
        assert!(csr_attributes(&[0x30, 0x03, 0x02, 0x01, 0x05]).is_err());
        assert_eq!(decode_base64_body(&[0x30, 0x00]).unwrap(), [0x30, 0x00]);
    }

    #[test]
    fn operations_under_the_base() {
        let base = reqwest::Url::parse("https://ca.example/.well-known/est/").unwrap();
        assert_eq!(
            operation(&base, "cacerts"),
            "https://ca.example/.well-known/est/cacerts"
        );
    }
}
