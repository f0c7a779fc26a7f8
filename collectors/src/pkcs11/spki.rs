//! The SubjectPublicKeyInfo of a token's public key, rebuilt from its PKCS#11
//! attributes, so keys can be matched with certificates by SPKI hash.

use std::borrow::Cow;

use x509_parser::der_parser::oid::Oid;

use crate::parse::der_write::{sequence, tlv};
use crate::parse::oids;

/// DER of rsaEncryption (1.2.840.113549.1.1.1).
const RSA_ENCRYPTION: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
/// DER of id-ecPublicKey (1.2.840.10045.2.1).
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// DER of id-Ed25519 (1.3.101.112) and id-Ed448 (1.3.101.113).
const ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const ED448: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x71];

/// A positive DER INTEGER from big-endian magnitude bytes.
fn integer(magnitude: &[u8]) -> Vec<u8> {
    let trimmed = &magnitude[magnitude.iter().take_while(|b| **b == 0).count()..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    tlv(0x02, &content)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    tlv(0x03, &content)
}

/// The SPKI of an RSA key.
pub fn rsa(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let key = sequence(&[&integer(modulus), &integer(exponent)]);
    sequence(&[
        &sequence(&[RSA_ENCRYPTION, &[0x05, 0x00]]),
        &bit_string(&key),
    ])
}

/// `CKA_EC_POINT` is a DER OCTET STRING around the point; some modules give
/// the bare point. Either way, the point.
fn unwrap_point(point: &[u8]) -> &[u8] {
    if point.len() > 2 && point[0] == 0x04 {
        let (len, header) = match point[1] {
            n if n < 0x80 => (usize::from(n), 2),
            0x81 if point.len() > 3 => (usize::from(point[2]), 3),
            0x82 if point.len() > 4 => (usize::from(point[2]) << 8 | usize::from(point[3]), 4),
            _ => return point,
        };
        if header + len == point.len() {
            return &point[header..];
        }
    }
    point
}

/// The SPKI of an EC (Weierstrass) key from `CKA_EC_PARAMS` and `CKA_EC_POINT`.
pub fn ec(params: &[u8], point: &[u8]) -> Vec<u8> {
    sequence(&[
        &sequence(&[EC_PUBLIC_KEY, params]),
        &bit_string(unwrap_point(point)),
    ])
}

/// The SPKI of an Edwards key, or `None` for unknown parameters.
pub fn edwards(params: &[u8], point: &[u8]) -> Option<Vec<u8>> {
    let oid = match params {
        p if p == ED25519 || p.ends_with(b"edwards25519") => ED25519,
        p if p == ED448 || p.ends_with(b"edwards448") => ED448,
        _ => return None,
    };
    Some(sequence(&[
        &sequence(&[oid]),
        &bit_string(unwrap_point(point)),
    ]))
}

/// The curve name and size of `CKA_EC_PARAMS` (a named-curve OID), or the
/// dotted OID when pkimm does not know it.
pub fn curve(params: &[u8]) -> Option<(Cow<'static, str>, Option<u32>)> {
    if params.len() < 3 || params[0] != 0x06 || usize::from(params[1]) + 2 != params.len() {
        return None;
    }
    let oid = Oid::new(Cow::Borrowed(&params[2..]));
    let dotted = oids::dotted(&oid);
    Some(match oids::curve(&dotted) {
        Some((name, bits)) => (Cow::Borrowed(name), Some(bits)),
        None => (dotted, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_positive_and_minimal() {
        assert_eq!(integer(&[0, 0, 1]), [0x02, 0x01, 0x01]);
        assert_eq!(integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[]), [0x02, 0x01, 0x00]);
    }

    #[test]
    fn points_are_unwrapped_once() {
        let point = [0x04, 1, 2, 3, 4];
        assert_eq!(unwrap_point(&tlv(0x04, &point)), point);
        assert_eq!(unwrap_point(&point), point);
    }
}
