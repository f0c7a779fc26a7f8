//! The enrolment endpoint view: what rules see as `enrolment`.

use pkimm_model::evidence::{EnrolmentEndpoint, ScepCapabilities};

use super::{fd, int, FieldDoc};
use crate::expr::{list, map, string, strings, Value};

/// What each field of `enrolment` holds.
pub const FIELD_DOCS: &[FieldDoc] = &[
    fd("url", "the URL probed"),
    fd("protocol", "`acme`, `scep`, `cmp` or `est`"),
    fd("https", "the URL is `https`"),
    fd("host", "the URL's host"),
    fd(
        "ca_certificates",
        "CA (and RA) certificates the endpoint gave out",
    ),
    fd("errors", "problems with secondary requests"),
    fd(
        "tls",
        "the TLS scan of an `https` endpoint (the fields below)",
    ),
    fd(
        "tls.scanned",
        "the TLS configuration was scanned and answered",
    ),
    fd(
        "tls.versions",
        "protocol versions accepted (`TLSv1.3`, …, `SSLv3`)",
    ),
    fd("tls.legacy", "TLS 1.1, TLS 1.0 or SSLv3 is accepted"),
    fd("tls.chain_valid", "the served chain validated"),
    fd(
        "tls.failure",
        "why the TLS scan failed (\"\" when it did not)",
    ),
    fd(
        "acme",
        "ACME directory facts (the fields below; defaults for other protocols)",
    ),
    fd(
        "acme.resources",
        "names of the directory's resources (`newNonce`, `renewalInfo`, …)",
    ),
    fd(
        "acme.renewal_info",
        "ACME Renewal Information (RFC 9773) is offered",
    ),
    fd(
        "acme.external_account_required",
        "`meta.externalAccountRequired`",
    ),
    fd(
        "acme.terms_of_service",
        "`meta.termsOfService` (\"\" when absent)",
    ),
    fd("acme.website", "`meta.website` (\"\" when absent)"),
    fd("acme.caa_identities", "`meta.caaIdentities`"),
    fd("acme.profiles", "names of `meta.profiles`"),
    fd("acme.nonce_checked", "`newNonce` answered"),
    fd(
        "acme.nonce_head_status",
        "HTTP status of HEAD `newNonce` (-1 when not asked)",
    ),
    fd(
        "acme.nonce_get_status",
        "HTTP status of GET `newNonce` (-1 when not asked)",
    ),
    fd(
        "acme.replay_nonce",
        "`newNonce` sent a well-formed `Replay-Nonce`",
    ),
    fd(
        "acme.nonce_no_store",
        "`newNonce` sent `Cache-Control: no-store`",
    ),
    fd(
        "acme.renewal_windows",
        "certificates the ARI endpoint gave a renewal window for",
    ),
    fd(
        "acme.renewal_unknown",
        "certificates the ARI endpoint did not know (404)",
    ),
    fd(
        "scep",
        "SCEP capabilities (the fields below; defaults for other protocols)",
    ),
    fd("scep.capabilities", "`GetCACaps` keywords as listed"),
    fd(
        "scep.sha256",
        "SHA-256 or SHA-512 is offered (or SCEPStandard, which implies SHA-256)",
    ),
    fd("scep.aes", "AES is offered (or SCEPStandard)"),
    fd("scep.post", "POSTPKIOperation is offered (or SCEPStandard)"),
    fd("scep.renewal", "Renewal is offered"),
    fd(
        "scep.des_only",
        "DES3 (or nothing) is the only cipher offered",
    ),
    fd(
        "scep.ca_cert_type",
        "`GetCACert` content type (\"\" when unknown)",
    ),
    fd(
        "cmp",
        "CMP answers (the fields below; defaults for other protocols)",
    ),
    fd(
        "cmp.versions_accepted",
        "protocol versions answered with a general response (2, 3)",
    ),
    fd("cmp.versions_refused", "versions refused with an error"),
    fd(
        "cmp.protection_required",
        "unprotected requests were refused for lack of protection",
    ),
    fd(
        "cmp.ca_certs_answered",
        "the general response carried the CA certificates",
    ),
    fd(
        "cmp.response_protection",
        "the response's protection algorithm (\"\" when unprotected)",
    ),
    fd("cmp.errors", "the server's error texts"),
    fd(
        "est",
        "EST answers (the fields below; defaults for other protocols)",
    ),
    fd(
        "est.csrattrs_status",
        "HTTP status of `csrattrs` (-1 when not asked)",
    ),
    fd(
        "est.csr_attributes",
        "attributes and OIDs `csrattrs` asks for",
    ),
];

/// An enrolment endpoint view.
pub fn enrolment_endpoint(e: &EnrolmentEndpoint) -> Value {
    let parsed = scheme_and_host(&e.url);
    let tls = e.tls.as_ref();
    let versions: Vec<String> = tls.map(|t| t.versions.clone()).unwrap_or_default();
    let acme = e.acme.clone().unwrap_or_default();
    let nonce = acme.nonce.clone();
    let scep = e.scep.clone().unwrap_or_default();
    let cmp = e.cmp.clone().unwrap_or_default();
    let est = e.est.clone().unwrap_or_default();
    let ints = |v: &[u8]| list(v.iter().map(|n| int(*n)).collect());
    map(vec![
        ("url", string(&e.url)),
        ("protocol", string(e.protocol.name())),
        ("https", Value::Bool(parsed.0 == "https")),
        ("host", string(&parsed.1)),
        ("ca_certificates", int(e.ca_certificates.len())),
        ("errors", strings(&e.errors)),
        (
            "tls",
            map(vec![
                ("scanned", Value::Bool(!versions.is_empty())),
                (
                    "legacy",
                    Value::Bool(
                        versions
                            .iter()
                            .any(|v| matches!(v.as_str(), "TLSv1.1" | "TLSv1.0" | "SSLv3")),
                    ),
                ),
                ("versions", strings(&versions)),
                (
                    "chain_valid",
                    Value::Bool(tls.and_then(|t| t.chain_valid).unwrap_or(false)),
                ),
                (
                    "failure",
                    string(tls.and_then(|t| t.failure.as_deref()).unwrap_or("")),
                ),
            ]),
        ),
        (
            "acme",
            map(vec![
                (
                    "resources",
                    strings(&acme.resources.keys().collect::<Vec<_>>()),
                ),
                ("renewal_info", Value::Bool(acme.renewal_info)),
                (
                    "external_account_required",
                    Value::Bool(acme.external_account_required),
                ),
                (
                    "terms_of_service",
                    string(acme.terms_of_service.as_deref().unwrap_or("")),
                ),
                ("website", string(acme.website.as_deref().unwrap_or(""))),
                ("caa_identities", strings(&acme.caa_identities)),
                (
                    "profiles",
                    strings(&acme.profiles.keys().collect::<Vec<_>>()),
                ),
                ("nonce_checked", Value::Bool(nonce.is_some())),
                (
                    "nonce_head_status",
                    int(nonce.as_ref().map_or(-1, |n| i64::from(n.head_status))),
                ),
                (
                    "nonce_get_status",
                    int(nonce
                        .as_ref()
                        .and_then(|n| n.get_status)
                        .map_or(-1, i64::from)),
                ),
                (
                    "replay_nonce",
                    Value::Bool(
                        nonce
                            .as_ref()
                            .is_some_and(|n| n.replay_nonce && n.nonce_well_formed),
                    ),
                ),
                (
                    "nonce_no_store",
                    Value::Bool(nonce.as_ref().is_some_and(|n| n.no_store)),
                ),
                ("renewal_windows", int(acme.renewal_windows.len())),
                ("renewal_unknown", int(acme.renewal_info_unknown)),
            ]),
        ),
        ("scep", scep_view(&scep)),
        (
            "cmp",
            map(vec![
                ("versions_accepted", ints(&cmp.versions_accepted)),
                ("versions_refused", ints(&cmp.versions_refused)),
                ("protection_required", Value::Bool(cmp.protection_required)),
                ("ca_certs_answered", Value::Bool(cmp.ca_certs_answered)),
                (
                    "response_protection",
                    string(cmp.response_protection.as_deref().unwrap_or("")),
                ),
                ("errors", strings(&cmp.error_texts)),
            ]),
        ),
        (
            "est",
            map(vec![
                (
                    "csrattrs_status",
                    int(est.csrattrs_status.map_or(-1, i64::from)),
                ),
                ("csr_attributes", strings(&est.csr_attributes)),
            ]),
        ),
    ])
}

/// `enrolment.scep`: RFC 8894 §3.5.2 makes SCEPStandard imply AES,
/// POSTPKIOperation and SHA-256.
fn scep_view(scep: &ScepCapabilities) -> Value {
    let standard = scep.has("SCEPStandard");
    let aes = standard || scep.has("AES");
    map(vec![
        ("capabilities", strings(&scep.capabilities)),
        (
            "sha256",
            Value::Bool(standard || scep.has("SHA-256") || scep.has("SHA-512")),
        ),
        ("aes", Value::Bool(aes)),
        (
            "post",
            Value::Bool(standard || scep.has("POSTPKIOperation")),
        ),
        ("renewal", Value::Bool(scep.has("Renewal"))),
        ("des_only", Value::Bool(!aes)),
        (
            "ca_cert_type",
            string(scep.ca_cert_type.as_deref().unwrap_or("")),
        ),
    ])
}

/// The scheme and host of a URL, without a URL parser: `scheme://host[:port]/…`.
fn scheme_and_host(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("").to_string()
    } else {
        authority.split(':').next().unwrap_or("").to_string()
    };
    (scheme.to_ascii_lowercase(), host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_hosts() {
        assert_eq!(
            scheme_and_host("https://ca.example:8443/dir"),
            ("https".to_string(), "ca.example".to_string())
        );
        assert_eq!(
            scheme_and_host("http://[::1]:80/scep?x=1"),
            ("http".to_string(), "::1".to_string())
        );
    }
}
