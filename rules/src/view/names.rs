//! DNS name and IP address checks behind the certificate view's name
//! fields (`dns_bad_syntax`, `dns_too_long`, `dns_misplaced_wildcard`,
//! `dns_internal`, `ip_reserved`): computed once per certificate in Rust,
//! since a regular expression compiled on every evaluation costs hundreds of
//! microseconds per record.

use std::net::IpAddr;

/// Whether `name` is in the preferred name syntax of RFC 1034 §3.5 (as RFC
/// 5280 §4.2.1.6 requires), a leading `*.` label allowed: letters, digits and
/// hyphens, no empty label, no hyphen at either end of a label, no
/// underscore, no trailing dot.
pub fn preferred_syntax(name: &str) -> bool {
    let rest = name.strip_prefix("*.").unwrap_or(name);
    !rest.is_empty()
        && rest.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The Unicode form of each A-label (`xn--…`, the prefix in any case) of
/// `name`: `Some(text)` when it decodes, `None` when it does not.
fn a_labels(name: &str) -> impl Iterator<Item = Option<String>> + '_ {
    name.split('.')
        .filter(|label| label.len() >= 4 && label[..4].eq_ignore_ascii_case("xn--"))
        .map(|label| idna::punycode::decode_to_string(&label[4..]))
}

/// Whether an `xn--` label of `name` is not a valid A-label: its Punycode
/// (RFC 3492) does not decode, or decodes to nothing but ASCII (RFC 5890
/// §2.3.2.1: an A-label stands for a U-label, which has a non-ASCII
/// character).
pub fn bad_punycode(name: &str) -> bool {
    a_labels(name).any(|label| label.is_none_or(|text| text.is_ascii()))
}

/// Whether an `xn--` label of `name` decodes to text that is not in Unicode
/// Normalization Form C (RFC 5891 §5.2 requires U-labels in NFC).
pub fn not_nfc(name: &str) -> bool {
    a_labels(name)
        .flatten()
        .any(|text| !unicode_normalization::is_nfc(&text))
}

/// Whether `name` exceeds the DNS limits: 253 octets, or a label over 63.
pub fn too_long(name: &str) -> bool {
    name.len() > 253 || name.split('.').any(|label| label.len() > 63)
}

/// Whether a `*` in `name` is anything but the whole leftmost label.
pub fn misplaced_wildcard(name: &str) -> bool {
    match name.strip_prefix("*.") {
        Some(rest) => rest.contains('*') || rest.is_empty(),
        None => name.contains('*'),
    }
}

/// Top-level domains that are not delegated in the public DNS or are
/// reserved (RFC 2606, RFC 6761, RFC 6762, RFC 8375, ICANN's .internal), and
/// common private ones.
const INTERNAL_TLDS: &[&str] = &[
    "local",
    "localhost",
    "internal",
    "lan",
    "corp",
    "intranet",
    "private",
    "home",
    "test",
    "example",
    "invalid",
    "localdomain",
];

/// Whether `name` is an internal name: a single label, or under a TLD that
/// is reserved or not delegated (`home.arpa` included).
pub fn internal(name: &str) -> bool {
    let name = name.trim_end_matches('.');
    let Some((rest, tld)) = name.rsplit_once('.') else {
        return true;
    };
    let second = rest.rsplit('.').next().unwrap_or(rest);
    INTERNAL_TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld))
        || (tld.eq_ignore_ascii_case("arpa") && second.eq_ignore_ascii_case("home"))
}

/// Whether `text` is an IP address in a range the IANA special-purpose
/// registries reserve (private, loopback, link-local, shared, documentation,
/// multicast, unique local, unspecified).
pub fn reserved_ip(text: &str) -> bool {
    let Ok(ip) = text.parse::<IpAddr>() else {
        return false;
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || a >= 224
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b == 18 || b == 19))
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (segments[0] & 0xfe00) == 0xfc00
                || (segments[0] & 0xffc0) == 0xfe80
                || (segments[0] == 0x2001 && segments[1] == 0x0db8)
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| reserved_ip(&v4.to_string()))
        }
    }
}

/// The scheme and host of an absolute URL (`scheme://[userinfo@]host[:port]/…`),
/// or `None` when it is not one: no `scheme://`, a scheme that is not
/// letters, digits, `+`, `-` and `.`, whitespace or control characters.
/// The host is empty for `ldap:///CN=…` and `file:///…`.
pub fn url_scheme_and_host(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok || url.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']')?.0,
        None => host_port.split(':').next().unwrap_or(""),
    };
    Some((scheme, host))
}

/// Whether a URL is well formed with a host, or an LDAP URL with the host
/// left to the client (`ldap:///CN=…`, as Active Directory writes them).
pub fn url_well_formed(url: &str) -> bool {
    url_scheme_and_host(url)
        .is_some_and(|(scheme, host)| !host.is_empty() || scheme.eq_ignore_ascii_case("ldap"))
}

/// Whether a URL's scheme is `http` (any case).
pub fn url_is_http(url: &str) -> bool {
    url_scheme_and_host(url).is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("http"))
}

/// Whether relying parties outside the organisation cannot reach a URL's
/// host: none given, `localhost`, an internal name, or a reserved address.
pub fn url_host_internal(url: &str) -> bool {
    url_scheme_and_host(url).is_some_and(|(_, host)| {
        host.is_empty()
            || host
                .parse::<IpAddr>()
                .map_or_else(|_| internal(host), |_| reserved_ip(host))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            url_scheme_and_host("http://user@crl.example.com:8080/a.crl"),
            Some(("http", "crl.example.com"))
        );
        assert_eq!(
            url_scheme_and_host("http://[2001:db8::1]/ocsp"),
            Some(("http", "2001:db8::1"))
        );
        assert!(url_well_formed(
            "ldap:///CN=CA,DC=corp?certificateRevocationList"
        ));
        assert!(!url_well_formed("http:///a.crl"));
        assert!(!url_well_formed("crl.example.com/a.crl"));
        assert!(!url_well_formed("http://a b/x"));
        assert!(url_is_http("HTTP://crl.example.com/") && !url_is_http("https://x.example/"));
        assert!(url_host_internal("http://10.0.0.1/a.crl"));
        assert!(url_host_internal("http://pki.corp/a.crl"));
        assert!(url_host_internal("ldap:///CN=CA"));
        assert!(!url_host_internal("http://crl.example.com/a.crl"));
    }

    #[test]
    fn dns_names() {
        for good in [
            "example.com",
            "*.example.com",
            "xn--bcher-kva.example",
            "a-b.c",
        ] {
            assert!(preferred_syntax(good), "{good}");
        }
        for bad in [
            "www..example.com",
            "-a.com",
            "a-.com",
            "a_b.com",
            "a b.com",
            "a.com.",
            "bücher.example",
            "*.",
        ] {
            assert!(!preferred_syntax(bad), "{bad}");
        }
        assert!(too_long(&format!("{}.com", "a".repeat(64))));
        assert!(!too_long(&format!("{}.com", "a".repeat(63))));
        assert!(misplaced_wildcard("a*.example.com"));
        assert!(misplaced_wildcard("*.*.example.com"));
        assert!(misplaced_wildcard("www.*.example.com"));
        assert!(!misplaced_wildcard("*.example.com"));
        assert!(
            internal("intranet") && internal("printer.office.local") && internal("x.home.arpa")
        );
        assert!(internal("www.example.test") && !internal("www.example.com"));
    }

    #[test]
    fn reserved_addresses() {
        for reserved in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "192.0.2.1",
            "224.0.0.1",
            "fd00::1",
            "fe80::1",
            "::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(reserved_ip(reserved), "{reserved}");
        }
        for public in ["8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            assert!(!reserved_ip(public), "{public}");
        }
    }
}

#[cfg(test)]
mod idn_tests {
    use super::{bad_punycode, not_nfc};

    #[test]
    fn a_labels_are_decoded_and_checked() {
        // bücher.example and its uppercase-prefix form.
        assert!(!bad_punycode("xn--bcher-kva.example"));
        assert!(!bad_punycode("XN--bcher-kva.example"));
        assert!(!bad_punycode("www.example.com"));
        // Not Punycode at all, and Punycode of pure ASCII.
        assert!(bad_punycode("xn--bcher-kva!.example"));
        assert!(bad_punycode("xn--abc-.example"));
        // "e" followed by a combining acute accent (U+0065 U+0301): decodes,
        // but is not NFC (NFC is U+00E9).
        let decomposed = format!("xn--{}", idna::punycode::encode_str("e\u{301}x").unwrap());
        assert!(!bad_punycode(&decomposed));
        assert!(not_nfc(&decomposed));
        assert!(!not_nfc("xn--bcher-kva.example"));
    }
}
