//! Reading one binary attribute (a CRL or a certificate) named by an
//! `ldap://` URL (RFC 4516): `ldap://host[:port]/DN?attribute?base`.

use std::time::{Duration, Instant};

use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use pkimm_model::evidence::FailureKind;

use crate::http::FetchError;

/// The parts of an LDAP URL pkimm uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapUrl {
    /// `ldap://host:port`.
    pub server: String,
    /// The entry's DN.
    pub dn: String,
    /// The attribute, without `;binary`.
    pub attribute: String,
}

/// An LDAP URL pkimm cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LdapUrlError(String);

/// Parses an LDAP URL; the attribute defaults to `certificateRevocationList`.
pub fn parse_ldap_url(url: &str) -> Result<LdapUrl, LdapUrlError> {
    split_ldap_url(url).map_err(LdapUrlError)
}

fn split_ldap_url(url: &str) -> Result<LdapUrl, String> {
    let rest = url
        .strip_prefix("ldap://")
        .or_else(|| url.strip_prefix("ldaps://"))
        .ok_or_else(|| format!("{url} is not an ldap:// URL"))?;
    let scheme = if url.starts_with("ldaps://") {
        "ldaps"
    } else {
        "ldap"
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = if host.is_empty() { "localhost" } else { host };
    let mut parts = path.splitn(3, '?');
    let dn = percent_decode(parts.next().unwrap_or(""))?;
    let attribute = parts
        .next()
        .filter(|a| !a.is_empty())
        .map_or("certificateRevocationList", |a| {
            a.split(',').next().unwrap_or(a)
        });
    let attribute = attribute.split(';').next().unwrap_or(attribute).to_string();
    Ok(LdapUrl {
        server: format!("{scheme}://{host}"),
        dn,
        attribute,
    })
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape in {text:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{text:?} is not UTF-8"))
}

/// Reads the first value of the URL's attribute, anonymously.
pub async fn fetch_ldap(
    url: &str,
    timeout: Duration,
    max_bytes: u64,
) -> Result<(Vec<u8>, u64), FetchError> {
    let fail = |kind, message: String| FetchError {
        kind,
        message: format!("{url}: {message}"),
    };
    let target = parse_ldap_url(url).map_err(|e| fail(FailureKind::Parse, e.to_string()))?;
    let started = Instant::now();
    let settings = LdapConnSettings::new().set_conn_timeout(timeout);
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &target.server)
        .await
        .map_err(|e| fail(FailureKind::Network, e.to_string()))?;
    ldap3::drive!(conn);
    ldap.with_timeout(timeout);
    let search = ldap
        .search(
            &target.dn,
            Scope::Base,
            "(objectClass=*)",
            vec![
                target.attribute.as_str(),
                &format!("{};binary", target.attribute),
            ],
        )
        .await
        .map_err(|e| fail(FailureKind::Network, e.to_string()))?;
    let (entries, _) = search
        .success()
        .map_err(|e| fail(FailureKind::Protocol, e.to_string()))?;
    let _ = ldap.unbind().await;
    let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let matches = |name: &str| {
        name.split(';')
            .next()
            .is_some_and(|n| n.eq_ignore_ascii_case(&target.attribute))
    };
    for entry in entries {
        let entry = SearchEntry::construct(entry);
        let value = entry
            .bin_attrs
            .iter()
            .find(|(name, _)| matches(name))
            .and_then(|(_, v)| v.first().cloned())
            .or_else(|| {
                entry
                    .attrs
                    .iter()
                    .find(|(name, _)| matches(name))
                    .and_then(|(_, v)| v.first().map(|t| t.as_bytes().to_vec()))
            });
        if let Some(value) = value {
            if value.len() as u64 > max_bytes {
                return Err(fail(
                    FailureKind::TooLarge,
                    format!("value exceeds {max_bytes} bytes"),
                ));
            }
            return Ok((value, elapsed));
        }
    }
    Err(fail(
        FailureKind::Protocol,
        format!("no {} value at {}", target.attribute, target.dn),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldap_urls() {
        let u = parse_ldap_url("ldap://dc1.example.com/CN=Issuing%20CA,CN=CDP,DC=example?certificateRevocationList;binary?base?objectClass=cRLDistributionPoint").unwrap();
        assert_eq!(u.server, "ldap://dc1.example.com");
        assert_eq!(u.dn, "CN=Issuing CA,CN=CDP,DC=example");
        assert_eq!(u.attribute, "certificateRevocationList");
        let u = parse_ldap_url("ldap:///CN=x?cACertificate").unwrap();
        assert_eq!(
            (u.server.as_str(), u.attribute.as_str()),
            ("ldap://localhost", "cACertificate")
        );
        assert!(parse_ldap_url("http://x").is_err());
    }
}
