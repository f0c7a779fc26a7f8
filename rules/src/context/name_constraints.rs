//! Whether a certificate's names lie inside the name constraints of the CAs
//! above it (RFC 5280 §4.2.1.10).
//!
//! Subtrees are read as the collectors record them (`dns:`, `ip:addr/mask`,
//! `email:`, `uri:`, `dn:`, …). dNSName, iPAddress, rfc822Name and URI
//! subtrees are checked against the subject alternative names of the same
//! type; directoryName and other subtrees are not checked (pkimm keeps
//! distinguished names as text, which does not support RDN-wise matching).

use std::net::IpAddr;

use pkimm_model::evidence::{Certificate, NameConstraints};

/// The name types whose subtrees are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameType {
    Dns,
    Ip,
    Email,
    Uri,
}

impl NameType {
    const ALL: [Self; 4] = [Self::Dns, Self::Ip, Self::Email, Self::Uri];

    fn prefix(self) -> &'static str {
        match self {
            Self::Dns => "dns:",
            Self::Ip => "ip:",
            Self::Email => "email:",
            Self::Uri => "uri:",
        }
    }

    fn names(self, c: &Certificate) -> &[String] {
        match self {
            Self::Dns => &c.san.dns,
            Self::Ip => &c.san.ip,
            Self::Email => &c.san.email,
            Self::Uri => &c.san.uri,
        }
    }
}

/// The names of `c` that `constraints` (of the CA called `ca`) does not
/// allow, each with the reason.
pub(super) fn violations(c: &Certificate, constraints: &NameConstraints, ca: &str) -> Vec<String> {
    let mut found = Vec::new();
    for kind in NameType::ALL {
        let bases = |subtrees: &'_ [String]| -> Vec<String> {
            subtrees
                .iter()
                .filter_map(|s| s.strip_prefix(kind.prefix()))
                .map(str::to_string)
                .collect()
        };
        let permitted = bases(&constraints.permitted);
        let excluded = bases(&constraints.excluded);
        for name in kind.names(c) {
            let prefix = kind.prefix();
            if !permitted.is_empty() && !permitted.iter().any(|base| within(kind, name, base)) {
                found.push(format!(
                    "{prefix}{name} is outside the permitted subtrees of {ca}"
                ));
            }
            if let Some(base) = excluded.iter().find(|base| within(kind, name, base)) {
                found.push(format!(
                    "{prefix}{name} is in the excluded subtree {prefix}{base} of {ca}"
                ));
            }
        }
    }
    found
}

/// Whether `name` (of `kind`) lies in the subtree `base`.
fn within(kind: NameType, name: &str, base: &str) -> bool {
    match kind {
        NameType::Dns => dns_within(name, base),
        NameType::Ip => ip_within(name, base),
        NameType::Email => email_within(name, base),
        NameType::Uri => uri_host(name).is_some_and(|host| host_within(host, base)),
    }
}

/// A dNSName subtree holds the name itself and every name below it; an
/// empty one holds every name. A leading dot (not in RFC 5280, but common)
/// holds only the names below.
fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let base = base.trim_end_matches('.').to_ascii_lowercase();
    if base.is_empty() {
        return true;
    }
    if base.starts_with('.') {
        return name.ends_with(&base);
    }
    name == base
        || name
            .strip_suffix(base.as_str())
            .is_some_and(|label| label.ends_with('.'))
}

/// A URI's host is in a subtree naming that host, or, with a leading dot,
/// any host below the domain.
fn host_within(host: &str, base: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let base = base.to_ascii_lowercase();
    match base.strip_prefix('.') {
        Some(_) => host.ends_with(&base),
        None => host == base,
    }
}

/// An rfc822Name subtree is a mailbox (exact), a host (every mailbox on
/// it) or, with a leading dot, every host below a domain.
fn email_within(name: &str, base: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let base = base.to_ascii_lowercase();
    if base.contains('@') {
        return name == base;
    }
    let Some((_, host)) = name.rsplit_once('@') else {
        return false;
    };
    if base.starts_with('.') {
        host.ends_with(&base)
    } else {
        host == base
    }
}

/// An iPAddress subtree is `address/mask`; a name is in it when it is of the
/// same family and equal under the mask.
fn ip_within(name: &str, base: &str) -> bool {
    let Some((address, mask)) = base.split_once('/') else {
        return false;
    };
    match (name.parse(), address.parse(), mask.parse()) {
        (Ok(IpAddr::V4(n)), Ok(IpAddr::V4(a)), Ok(IpAddr::V4(m))) => {
            let m = u32::from(m);
            u32::from(n) & m == u32::from(a) & m
        }
        (Ok(IpAddr::V6(n)), Ok(IpAddr::V6(a)), Ok(IpAddr::V6(m))) => {
            let m = u128::from(m);
            u128::from(n) & m == u128::from(a) & m
        }
        _ => false,
    }
}

/// The host of a URI with an authority (`scheme://[userinfo@]host[:port]/…`).
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtrees_hold_what_rfc_5280_says() {
        assert!(dns_within("www.good.test", "good.test"));
        assert!(dns_within("good.test", "good.test"));
        assert!(dns_within("WWW.Good.Test.", "good.test"));
        assert!(!dns_within("notgood.test", "good.test"));
        assert!(!dns_within("good.test", ".good.test"));
        assert!(dns_within("a.good.test", ".good.test"));
        assert!(dns_within("anything.test", ""));
        assert!(ip_within("10.1.2.3", "10.0.0.0/255.0.0.0"));
        assert!(!ip_within("11.1.2.3", "10.0.0.0/255.0.0.0"));
        assert!(!ip_within("::1", "10.0.0.0/255.0.0.0"));
        assert!(ip_within("2001:db8::1", "2001:db8::/ffff:ffff::"));
        assert!(email_within("a@good.test", "good.test"));
        assert!(!email_within("a@x.good.test", "good.test"));
        assert!(email_within("a@x.good.test", ".good.test"));
        assert!(email_within("A@Good.Test", "a@good.test"));
        assert!(!email_within("b@good.test", "a@good.test"));
        assert_eq!(
            uri_host("https://u@www.good.test:8443/x"),
            Some("www.good.test")
        );
        assert_eq!(uri_host("ldap://[2001:db8::1]/o=x"), Some("2001:db8::1"));
        assert_eq!(uri_host("urn:x"), None);
        assert!(host_within("a.good.test", ".good.test"));
        assert!(!host_within("a.good.test", "good.test"));
    }
}
