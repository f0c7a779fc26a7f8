//! Reading certificates whose validity times do not conform to RFC 5280
//! (a GeneralizedTime without `Z` or with fractional seconds, a UTCTime
//! without seconds or `Z`), as OpenSSL and Go do: x509-parser refuses them,
//! so pkimm re-encodes a repaired copy to read the fields from, keeps the
//! original bytes (fingerprint, DER) and records what it tolerated. Nothing
//! else is ever rewritten.

use x509_parser::der_parser::asn1_rs::{Any, FromDer};

use super::der_write::tlv;

/// A repaired encoding and what was repaired.
#[derive(Debug)]
pub struct Repaired {
    /// The certificate with conforming validity times.
    pub der: Vec<u8>,
    /// Length of the original certificate's encoding within the input.
    pub original_len: usize,
    /// One warning per repaired time.
    pub warnings: Vec<String>,
}

const GENERALIZED_TIME: u8 = 0x18;
const UTC_TIME: u8 = 0x17;

/// The certificate in `der` with its validity times made conforming, or
/// `None` when they are not the problem (or cannot be repaired).
pub fn repair_validity(der: &[u8]) -> Option<Repaired> {
    let (rest, certificate) = Any::from_der(der).ok()?;
    let original_len = der.len() - rest.len();
    let (after_tbs, tbs) = Any::from_der(certificate.data).ok()?;
    let mut fields = Vec::new();
    let mut remaining = tbs.data;
    while !remaining.is_empty() {
        let (next, _) = Any::from_der(remaining).ok()?;
        fields.push(&remaining[..remaining.len() - next.len()]);
        remaining = next;
    }
    // version [0] (optional), serial, signature, issuer, validity.
    let explicit_version = fields.first().is_some_and(|f| f.first() == Some(&0xa0));
    let validity_at = if explicit_version { 4 } else { 3 };
    let validity = *fields.get(validity_at)?;
    let (_, validity_any) = Any::from_der(validity).ok()?;
    let mut times = Vec::new();
    let mut warnings = Vec::new();
    let mut remaining = validity_any.data;
    for which in ["notBefore", "notAfter"] {
        let (next, time) = Any::from_der(remaining).ok()?;
        let tag = u8::try_from(time.tag().0).ok()?;
        let text = std::str::from_utf8(time.data).ok()?;
        let fixed = match tag {
            GENERALIZED_TIME => repair_generalized(text),
            UTC_TIME => repair_utc(text),
            _ => return None,
        };
        match fixed {
            Some((fixed, why)) => {
                warnings.push(format!(
                    "{which} {text:?} {why}; read as {fixed:?} (RFC 5280 §4.1.2.5)"
                ));
                times.push(tlv(tag, fixed.as_bytes()));
            }
            None => times.push(remaining[..remaining.len() - next.len()].to_vec()),
        }
        remaining = next;
    }
    if warnings.is_empty() {
        return None;
    }
    let new_validity = tlv(0x30, &times.concat());
    let mut new_fields: Vec<&[u8]> = fields.clone();
    new_fields[validity_at] = &new_validity;
    let new_tbs = tlv(0x30, &new_fields.concat());
    let mut content = new_tbs;
    content.extend_from_slice(after_tbs);
    Some(Repaired {
        der: tlv(0x30, &content),
        original_len,
        warnings,
    })
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYYMMDDHHMMSS` (no `Z`) or `YYYYMMDDHHMMSS.fff[Z]` as `YYYYMMDDHHMMSSZ`.
fn repair_generalized(text: &str) -> Option<(String, &'static str)> {
    let body = text.strip_suffix('Z');
    match body {
        Some(body) if body.len() == 14 && digits(body) => None,
        Some(body) => {
            let (whole, fraction) = body.split_once('.')?;
            (whole.len() == 14 && digits(whole) && digits(fraction))
                .then(|| (format!("{whole}Z"), "has fractional seconds"))
        }
        None if text.len() == 14 && digits(text) => {
            Some((format!("{text}Z"), "is a GeneralizedTime without Z"))
        }
        None if text.len() == 19 && matches!(text.as_bytes()[14], b'+' | b'-') => {
            utc_from_offset(&text[..14], &text[14..])
                .map(|utc| (utc, "is a GeneralizedTime with a time-zone offset, not Z"))
        }
        None => {
            let (whole, fraction) = text.split_once('.')?;
            (whole.len() == 14 && digits(whole) && digits(fraction)).then(|| {
                (
                    format!("{whole}Z"),
                    "is a GeneralizedTime without Z, with fractional seconds",
                )
            })
        }
    }
}

/// `YYYYMMDDHHMMSS` at `offset` (`+hhmm` or `-hhmm`) as `YYYYMMDDHHMMSSZ`.
fn utc_from_offset(local: &str, offset: &str) -> Option<String> {
    if !digits(local) || !digits(&offset[1..]) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| local[range].parse::<u8>().ok();
    let year: i32 = local[..4].parse().ok()?;
    let date = time::Date::from_calendar_date(
        year,
        time::Month::try_from(number(4..6)?).ok()?,
        number(6..8)?,
    )
    .ok()?;
    let at = time::PrimitiveDateTime::new(
        date,
        time::Time::from_hms(number(8..10)?, number(10..12)?, number(12..14)?).ok()?,
    );
    let hours: i8 = offset[1..3].parse().ok()?;
    let minutes: i8 = offset[3..5].parse().ok()?;
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let zone = time::UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?;
    let utc = at.assume_offset(zone).to_offset(time::UtcOffset::UTC);
    Some(format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    ))
}

/// `YYMMDDHHMM[Z]` or `YYMMDDHHMMSS` (no `Z`) as `YYMMDDHHMMSSZ`.
fn repair_utc(text: &str) -> Option<(String, &'static str)> {
    let body = text.strip_suffix('Z');
    match body {
        Some(body) if body.len() == 12 && digits(body) => None,
        Some(body) if body.len() == 10 && digits(body) => {
            Some((format!("{body}00Z"), "is a UTCTime without seconds"))
        }
        None if text.len() == 12 && digits(text) => {
            Some((format!("{text}Z"), "is a UTCTime without Z"))
        }
        None if text.len() == 10 && digits(text) => {
            Some((format!("{text}00Z"), "is a UTCTime without seconds or Z"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_repaired_only_where_they_do_not_conform() {
        assert_eq!(repair_generalized("20500101000000Z"), None);
        assert_eq!(
            repair_generalized("20500101000000").map(|f| f.0),
            Some("20500101000000Z".into())
        );
        assert_eq!(
            repair_generalized("20500101000000.123Z").map(|f| f.0),
            Some("20500101000000Z".into())
        );
        assert_eq!(repair_generalized("2050010100Z"), None);
        assert_eq!(
            repair_generalized("20560811122001-0600").map(|f| f.0),
            Some("20560811182001Z".into())
        );
        assert_eq!(repair_utc("250101000000Z"), None);
        assert_eq!(
            repair_utc("2501010000Z").map(|f| f.0),
            Some("250101000000Z".into())
        );
        assert_eq!(
            repair_utc("250101000000").map(|f| f.0),
            Some("250101000000Z".into())
        );
    }

    #[test]
    fn a_conforming_certificate_is_not_touched() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        assert!(repair_validity(cert.der()).is_none());
    }
}
