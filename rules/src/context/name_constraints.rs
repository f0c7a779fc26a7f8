//! Whether a certificate's names lie inside the name constraints of the CAs
//! above it (RFC 5280 §4.2.1.10).
//!
//! Subtrees are read as the collectors record them (`dns:`, `ip:addr/mask`,
//! `email:`, `uri:`, `dn:`, …). dNSName, iPAddress, rfc822Name and URI
//! subtrees are checked against the subject alternative names of the same
//! type; directoryName subtrees against the subject DN, RDN by RDN (the
//! subject must start with the subtree's RDNs, compared case-insensitively
//! with white space folded, as RFC 5280 §7.1 prescribes for the usual
//! string types). directoryName alternative names, emailAddress attributes in
//! the subject and otherName subtrees are not checked.

use std::net::IpAddr;

use pkimm_model::evidence::{Certificate, CompactString, NameConstraints};

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

    fn names(self, c: &Certificate) -> &[CompactString] {
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
        let permitted = bases(&constraints.permitted, kind.prefix());
        let excluded = bases(&constraints.excluded, kind.prefix());
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
    directory_name_violations(c, constraints, ca, &mut found);
    found
}

/// The subject DN against the `dn:` subtrees. An empty subject is not
/// constrained (RFC 5280 §4.2.1.10).
fn directory_name_violations(
    c: &Certificate,
    constraints: &NameConstraints,
    ca: &str,
    found: &mut Vec<String>,
) {
    if c.subject.trim().is_empty() {
        return;
    }
    let permitted = bases(&constraints.permitted, "dn:");
    let excluded = bases(&constraints.excluded, "dn:");
    let subject = &c.subject;
    if !permitted.is_empty() && !permitted.iter().any(|base| dn_within(subject, base)) {
        found.push(format!(
            "dn:{subject} is outside the permitted subtrees of {ca}"
        ));
    }
    if let Some(base) = excluded.iter().find(|base| dn_within(subject, base)) {
        found.push(format!(
            "dn:{subject} is in the excluded subtree dn:{base} of {ca}"
        ));
    }
}

/// Whether the DN `name` lies in the directoryName subtree `base`: the first
/// RDNs of `name` (from the root side, as the certificate encodes them and
/// pkimm writes them) are those of `base`. An empty base holds every name.
fn dn_within(name: &str, base: &str) -> bool {
    let name = rdns(name);
    let base = rdns(base);
    base.len() <= name.len() && name.iter().zip(&base).all(|(n, b)| n == b)
}

/// The RDNs of a DN written as pkimm writes it (`C=US, O=Example, CN=x`;
/// multi-valued RDNs joined with ` + `), each as its sorted attributes,
/// lowercased with runs of white space folded to one space.
fn rdns(dn: &str) -> Vec<Vec<String>> {
    let fold = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    dn.split(", ")
        .map(str::trim)
        .filter(|rdn| !rdn.is_empty())
        .map(|rdn| {
            let mut attributes: Vec<String> = rdn
                .split(" + ")
                .map(|attribute| match attribute.split_once('=') {
                    Some((kind, value)) => format!("{}={}", fold(kind), fold(value)),
                    None => fold(attribute),
                })
                .collect();
            attributes.sort();
            attributes
        })
        .collect()
}

/// The bases of the subtrees of one name type, named by its `prefix`.
fn bases<'a>(subtrees: &'a [String], prefix: &str) -> Vec<&'a str> {
    subtrees
        .iter()
        .filter_map(|s| s.strip_prefix(prefix))
        .collect()
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

    #[test]
    fn directory_name_subtrees_match_rdn_by_rdn() {
        assert!(dn_within("C=US, O=Example, CN=host", "C=US, O=Example"));
        assert!(dn_within("C=US, O=Example", "C=US, O=Example"));
        assert!(dn_within("c=us, o=EXAMPLE,  CN=host", "C=US, O=Example"));
        assert!(dn_within(
            "C=US, O=Example   Corp, CN=x",
            "C=US, O=Example Corp"
        ));
        assert!(dn_within("C=US, O=A + OU=B, CN=x", "C=US, OU=B + O=A"));
        assert!(dn_within("C=US, CN=x", ""));
        // A prefix of the text is not a prefix of the RDNs.
        assert!(!dn_within("C=US, O=Example Corp, CN=x", "C=US, O=Example"));
        // The order matters: the subtree is the root side.
        assert!(!dn_within("CN=host, O=Example, C=US", "C=US, O=Example"));
        assert!(!dn_within("C=US", "C=US, O=Example"));
    }

    #[test]
    fn the_subject_is_checked_against_directory_name_subtrees() {
        let mut c = crate::view::sample::sample_certificate(1_800_000_000);
        c.subject = "C=US, O=Other, CN=host".into();
        let constraints = NameConstraints {
            permitted: vec!["dn:C=US, O=Example".to_string()].into(),
            excluded: vec!["dn:C=US, O=Other".to_string()].into(),
            critical: true,
        };
        let found = violations(&c, &constraints, "CN=Sub");
        assert_eq!(
            found,
            [
                "dn:C=US, O=Other, CN=host is outside the permitted subtrees of CN=Sub",
                "dn:C=US, O=Other, CN=host is in the excluded subtree dn:C=US, O=Other of CN=Sub",
            ]
        );
        c.subject = "C=US, O=Example, OU=Web, CN=host".into();
        assert!(violations(&c, &constraints, "CN=Sub").is_empty());
        c.subject = String::new().into();
        assert!(violations(&c, &constraints, "CN=Sub").is_empty());
    }
}
