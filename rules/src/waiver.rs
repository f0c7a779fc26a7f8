//! Waivers: accepted findings, suppressed until their expiry date.
//!
//! ```yaml
//! waivers:
//!   - rule: cert.validity-over-max
//!     selector: { host: legacy.example.test }   # or fingerprint: / issuer:
//!     reason: Appliance cannot renew until the Q3 upgrade
//!     exception: CHG-1234             # the approved exception, if there is one
//!     expires: 2027-06-30
//! ```
//!
//! A waived finding no longer fails `--fail-on`. For pre-filled levels it
//! counts as conforming only when the waiver names an approved exception
//! (`exception`); otherwise it still counts against the requirement.

use std::path::Path;

use pkimm_model::diag::{from_yaml_str, join_index, join_key, DocumentError, Located};
use pkimm_model::evidence::{dn_key, UtcTime};
use pkimm_model::read::{read_text_file, ReadError, MAX_DOCUMENT_BYTES};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a waiver file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaiverError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file is not a valid waiver file.
    #[error("invalid waiver file")]
    Invalid(#[from] DocumentError),
}

/// What a waiver applies to. Exactly one field is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// A certificate or CRL SHA-256 fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// A host name (certificate names, endpoint targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// An issuer distinguished name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// One waiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Rule id.
    pub rule: String,
    /// What it covers.
    pub selector: Selector,
    /// Why the finding is accepted.
    pub reason: String,
    /// Last day (YYYY-MM-DD, UTC) the waiver applies.
    pub expires: String,
    /// Who approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The approved exception it rests on (a ticket or register entry). Only
    /// then does a waived finding count as conforming in pre-filled levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
}

impl Waiver {
    /// Whether the waiver names an approved exception.
    pub fn is_approved_exception(&self) -> bool {
        self.exception
            .as_deref()
            .is_some_and(|e| !e.trim().is_empty())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    waivers: Vec<Waiver>,
}

/// What a finding exposes for waiver matching.
#[derive(Debug, Clone, Default)]
pub struct MatchKeys<'a> {
    /// Fingerprint of the record or its certificate.
    pub fingerprint: Option<&'a str>,
    /// Host names.
    pub hosts: &'a [String],
    /// Issuer name.
    pub issuer: Option<&'a str>,
}

impl Waiver {
    /// The end of the expiry day, as Unix seconds.
    pub fn expires_at(&self) -> i64 {
        UtcTime::parse(&format!("{}T23:59:59Z", self.expires)).map_or(i64::MIN, UtcTime::unix)
    }

    /// Whether the waiver has expired at `now`.
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at() < now
    }

    /// Whether the waiver covers a finding of `rule` with these keys.
    pub fn matches(&self, rule: &str, keys: &MatchKeys<'_>) -> bool {
        if self.rule != rule {
            return false;
        }
        let s = &self.selector;
        s.fingerprint
            .as_deref()
            .is_some_and(|fp| keys.fingerprint.is_some_and(|k| k.eq_ignore_ascii_case(fp)))
            || s.host
                .as_deref()
                .is_some_and(|h| keys.hosts.iter().any(|k| k.eq_ignore_ascii_case(h)))
            || s.issuer
                .as_deref()
                .is_some_and(|i| keys.issuer.is_some_and(|k| dn_key(k) == dn_key(i)))
    }
}

/// Parses and validates a waiver file.
pub fn parse_waivers(origin: &str, text: &str) -> Result<Vec<Waiver>, DocumentError> {
    let file: WaiverFile = from_yaml_str(origin, text)?;
    let located = Located::new(origin, text);
    for (i, waiver) in file.waivers.iter().enumerate() {
        let path = join_index("waivers", i);
        let s = &waiver.selector;
        let set = [
            s.fingerprint.is_some(),
            s.host.is_some(),
            s.issuer.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if set != 1 {
            return Err(located.error(
                &join_key(&path, "selector"),
                "a selector names exactly one of fingerprint, host or issuer",
            ));
        }
        if waiver.reason.trim().is_empty() {
            return Err(located.error(&join_key(&path, "reason"), "a waiver needs a reason"));
        }
        if waiver.expires_at() == i64::MIN {
            return Err(located.error(
                &join_key(&path, "expires"),
                "expires must be a date like 2027-06-30",
            ));
        }
    }
    Ok(file.waivers)
}

/// Loads a waiver file.
pub fn load_waiver_file(path: &Path) -> Result<Vec<Waiver>, WaiverError> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    Ok(parse_waivers(&path.display().to_string(), &text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_expires() {
        let waivers = parse_waivers(
            "w.yaml",
            "waivers:\n  - { rule: r, selector: { host: a.example.test }, reason: ok, expires: 2027-01-31 }\n",
        )
        .unwrap();
        let w = &waivers[0];
        let hosts = vec!["A.example.test".to_string()];
        assert!(w.matches(
            "r",
            &MatchKeys {
                hosts: &hosts,
                ..MatchKeys::default()
            }
        ));
        assert!(!w.matches(
            "other",
            &MatchKeys {
                hosts: &hosts,
                ..MatchKeys::default()
            }
        ));
        assert!(!w.expired(UtcTime::parse("2027-01-31T12:00:00Z").unwrap().unix()));
        assert!(w.expired(UtcTime::parse("2027-02-01T00:00:01Z").unwrap().unix()));
    }

    #[test]
    fn selector_needs_exactly_one_key() {
        let err = parse_waivers(
            "w.yaml",
            "waivers:\n  - rule: r\n    selector: {}\n    reason: ok\n    expires: 2027-01-31\n",
        )
        .unwrap_err();
        assert_eq!(err.field, "waivers[0].selector");
        assert_eq!(err.line, Some(3));
        let err = parse_waivers(
            "w.yaml",
            "waivers:\n  - { rule: r, selector: { host: a }, reason: ok, expires: soon }\n",
        )
        .unwrap_err();
        assert_eq!(err.field, "waivers[0].expires");
    }
}
