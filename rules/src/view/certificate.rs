//! The certificate view: what rules see as `cert`.
//!
//! Certificates are the most numerous records, so their view is a lazily
//! evaluated [`Record`]: a rule reading `cert.key.bits` computes that field
//! and nothing else, borrowing strings from the evidence. [`certificate`]
//! gives the same view as a complete map, for test cases and documentation.

use std::sync::{Arc, LazyLock};

use pkimm_model::evidence::{
    composite_ml_dsa, pq_parameter_set, Certificate, CompactString, Defect, Defects,
    NameConstraints, PublicKeyInfo, SignatureInfo, SubjectAltNames, TRUST_ANCHOR_METHOD,
};

use super::names;
use super::{fd, FieldDoc};
use crate::context::CertificateFacts;
use crate::expr::{self, list, map, string, Field, Record, Value};

const DAY: f64 = 86_400.0;

/// Every field of the certificate view, in documentation order.
const FIELDS: &[&str] = &[
    "fingerprint",
    "spki_sha256",
    "version",
    "serial",
    "serial_bits",
    "serial_octets",
    "serial_negative",
    "serial_zero",
    "subject",
    "subject_cn",
    "issuer",
    "not_before",
    "not_after",
    "validity_days",
    "validity_months",
    "days_until_expiry",
    "age_days",
    "expired",
    "not_yet_valid",
    "key",
    "signature",
    "san",
    "has_san",
    "key_usage",
    "has_key_usage",
    "extended_key_usage",
    "has_eku",
    "basic_constraints",
    "is_ca",
    "is_leaf",
    "is_root",
    "is_tls_server",
    "purpose",
    "purpose_reason",
    "cabf_profile",
    "dns_bad_syntax",
    "dns_too_long",
    "dns_misplaced_wildcard",
    "dns_internal",
    "dns_bad_punycode",
    "dns_not_nfc",
    "ip_reserved",
    "duplicate_extensions",
    "critical_extensions",
    "san_entries",
    "self_issued",
    "self_signed",
    "policies",
    "ocsp_urls",
    "ca_issuer_urls",
    "crl_urls",
    "has_aia",
    "has_cdp",
    "sct_count",
    "has_name_constraints",
    "name_constraints",
    "urls_malformed",
    "urls_duplicated",
    "urls_internal_host",
    "ocsp_urls_not_http",
    "ca_issuer_urls_not_http",
    "crl_urls_not_http",
    "defects",
    "subject_key_id",
    "authority_key_id",
    "extensions",
    "unknown_critical_extensions",
    "unknown_extensions",
    "wildcard",
    "cn_in_san",
    "parse_warnings",
    "observation_count",
    "trust_anchor",
    "spki_shared_count",
    "key_hosts",
    "duplicate_serial",
    "issuer_in_bundle",
    "chain_to_root",
    "inventory_available",
    "in_inventory",
    "on_endpoint",
    "revoked",
    "revocation_reason",
    "token_inventory",
    "key_on_token",
    "key_in_hardware",
    "enrolment_inventory",
    "issuer_enrolment",
    "name_constraining_cas",
    "name_constraint_violations",
];

/// What each field of `cert` holds: the fields below, then one
/// `defects.<name>` per [`Defect`].
pub static FIELD_DOCS: LazyLock<Vec<FieldDoc>> = LazyLock::new(|| {
    let defects = Defect::ALL.iter().map(|d| FieldDoc {
        name: Box::leak(format!("defects.{}", d.name()).into_boxed_str()),
        doc: d.doc(),
    });
    BASE_FIELD_DOCS.iter().copied().chain(defects).collect()
});

/// The names of `cert.defects`' fields.
static DEFECT_NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| Defect::ALL.iter().map(|d| d.name()).collect());

const BASE_FIELD_DOCS: &[FieldDoc] = &[
    fd(
        "fingerprint",
        "SHA-256 of the DER, hex: the certificate's identity",
    ),
    fd(
        "spki_sha256",
        "SHA-256 of the SubjectPublicKeyInfo, hex: the key's identity",
    ),
    fd("version", "X.509 version: 1, 2 or 3"),
    fd("serial", "serial number, hex"),
    fd("serial_bits", "serial number size in bits"),
    fd(
        "serial_octets",
        "serial number size in DER content octets (0 in bundles from before it was kept)",
    ),
    fd("serial_negative", "the serial number is negative"),
    fd("serial_zero", "the serial number is zero"),
    fd("subject", "subject DN"),
    fd("subject_cn", "subject common names"),
    fd("issuer", "issuer DN"),
    fd("not_before", "notBefore, Unix seconds"),
    fd("not_after", "notAfter, Unix seconds"),
    fd("validity_days", "days from notBefore through notAfter inclusive (398 days apart is 398 days and one second)"),
    fd(
        "validity_months",
        "calendar months from notBefore to notAfter, as Go's AddDate counts them (39.0 is exactly 39 months; more is longer)",
    ),
    fd(
        "days_until_expiry",
        "days from now to notAfter (negative once expired)",
    ),
    fd("age_days", "days since notBefore"),
    fd("expired", "notAfter is in the past"),
    fd("not_yet_valid", "notBefore is in the future"),
    fd("key", "the subject public key"),
    fd(
        "key.algorithm",
        "rsa, rsa-pss, dsa, ec, ed25519, ed448, x25519, x448, ml-dsa, slh-dsa, ml-kem or unknown",
    ),
    fd("key.oid", "algorithm OID"),
    fd("key.bits", "key size in bits (RSA modulus, curve size)"),
    fd("key.curve", "named curve such as P-256 (\"\" when none)"),
    fd("key.rsa_exponent", "RSA public exponent (0 when not RSA)"),
    fd(
        "key.parameter_set",
        "post-quantum parameter set: ML-DSA-44/65/87 (also for composite ML-DSA keys), SLH-DSA-SHA2-128s … SLH-DSA-SHAKE-256f, ML-KEM-512/768/1024 (\"\" when none)",
    ),
    fd(
        "key.composite",
        "composite ML-DSA algorithm (MLDSA65-ECDSA-P256-SHA512, …; `parameter_set` is its ML-DSA set; \"\" when not composite)",
    ),
    fd(
        "key.quantum_vulnerable",
        "broken by a cryptographically relevant quantum computer (RSA, DSA, EC)",
    ),
    fd("signature", "the certificate's signature algorithm"),
    fd(
        "signature.name",
        "algorithm name such as sha256WithRSAEncryption",
    ),
    fd("signature.oid", "algorithm OID"),
    fd("signature.hash", "digest: sha256, sha384, sha1, md5, …"),
    fd(
        "signature.key_algorithm",
        "signing key type: rsa, ec, ed25519, …",
    ),
    fd(
        "signature.composite",
        "composite ML-DSA signature algorithm (\"\" when not composite)",
    ),
    fd(
        "signature.parameter_set",
        "post-quantum parameter set of the issuer's signature: ML-DSA-44/65/87, SLH-DSA-… (\"\" when none)",
    ),
    fd("san", "subjectAltName entries by type"),
    fd("san.dns", "DNS names"),
    fd("san.ip", "IP addresses"),
    fd("san.email", "RFC 822 names"),
    fd("san.uri", "URIs"),
    fd("san.other", "other name forms, as text"),
    fd("has_san", "a subjectAltName extension is present"),
    fd("key_usage", "keyUsage bits by name ([] when absent)"),
    fd("has_key_usage", "a keyUsage extension is present"),
    fd(
        "extended_key_usage",
        "extendedKeyUsage purposes: serverAuth, clientAuth, … or OIDs ([] when absent)",
    ),
    fd("has_eku", "an extendedKeyUsage extension is present"),
    fd("basic_constraints", "the basicConstraints extension"),
    fd("basic_constraints.present", "the extension is present"),
    fd("basic_constraints.ca", "cA is true"),
    fd(
        "basic_constraints.path_len",
        "pathLenConstraint (-1 when none)",
    ),
    fd("basic_constraints.critical", "the extension is critical"),
    fd("is_ca", "a CA certificate (basicConstraints cA)"),
    fd("is_leaf", "not a CA certificate"),
    fd("is_root", "a self-signed CA certificate"),
    fd(
        "is_tls_server",
        "classified as a TLS server certificate (`purpose` is `tls_server`)",
    ),
    fd(
        "purpose",
        "what it is for: ca, tls_server, tls_client, smime, code_signing, ocsp_signing, timestamping or unknown (from basicConstraints, EKU, CA/B Forum policy OIDs, SAN types, then a host-name CN)",
    ),
    fd("purpose_reason", "why pkimm classified it so"),
    fd(
        "dns_bad_syntax",
        "SAN DNS names not in the preferred name syntax (RFC 1034 §3.5: letters, digits, hyphens; no empty label, underscore or trailing dot; a leading `*.` allowed)",
    ),
    fd(
        "dns_too_long",
        "SAN DNS names over 253 octets or with a label over 63",
    ),
    fd(
        "dns_misplaced_wildcard",
        "SAN DNS names with a `*` that is not the whole leftmost label",
    ),
    fd(
        "dns_internal",
        "SAN DNS names that are internal: one label, or under a reserved or undelegated TLD (.local, .internal, .test, .example, .invalid, .localhost, home.arpa, …)",
    ),
    fd(
        "dns_bad_punycode",
        "SAN DNS names with an `xn--` label that is not a valid A-label (its Punycode does not decode, or decodes to ASCII only)",
    ),
    fd(
        "dns_not_nfc",
        "SAN DNS names with an `xn--` label whose Unicode form is not in Normalization Form C",
    ),
    fd(
        "ip_reserved",
        "SAN IP addresses in IANA special-purpose ranges (private, loopback, link-local, shared, documentation, multicast, unique local)",
    ),
    fd(
        "duplicate_extensions",
        "names of extensions that appear more than once",
    ),
    fd("san_entries", "subjectAltName entries of every type"),
    fd(
        "critical_extensions",
        "names of the extensions marked critical (the OID when pkimm does not know it)",
    ),
    fd(
        "cabf_profile",
        "the CA/B Forum requirements the certificate asserts by policy OID: tls_br (2.23.140.1.2.*), smime_br (2.23.140.1.5.*), code_signing_br (2.23.140.1.3, 2.23.140.1.4.1) or \"\" (policy.profiles lists further issuers)",
    ),
    fd("self_issued", "subject and issuer are the same"),
    fd(
        "self_signed",
        "the signature verifies with the certificate's own key",
    ),
    fd("policies", "certificate policy OIDs"),
    fd("ocsp_urls", "OCSP responder URLs from AIA"),
    fd("ca_issuer_urls", "caIssuers URLs from AIA"),
    fd("crl_urls", "CRL distribution point URLs"),
    fd("has_aia", "an authorityInfoAccess extension is present"),
    fd("has_cdp", "a cRLDistributionPoints extension is present"),
    fd("sct_count", "embedded signed certificate timestamps"),
    fd(
        "has_name_constraints",
        "a nameConstraints extension is present",
    ),
    fd(
        "subject_key_id",
        "subjectKeyIdentifier, hex (\"\" when absent)",
    ),
    fd(
        "authority_key_id",
        "authorityKeyIdentifier keyIdentifier, hex (\"\" when absent)",
    ),
    fd("extensions", "every extension, in certificate order"),
    fd("extensions[].oid", "extension OID"),
    fd("extensions[].name", "extension name (the OID when unknown)"),
    fd("extensions[].critical", "marked critical"),
    fd("extensions[].known", "pkimm knows the extension"),
    fd(
        "unknown_critical_extensions",
        "names of critical extensions pkimm does not know",
    ),
    fd(
        "unknown_extensions",
        "names of extensions pkimm does not know",
    ),
    fd("name_constraints", "the nameConstraints extension"),
    fd("name_constraints.present", "the extension is present"),
    fd("name_constraints.critical", "the extension is critical"),
    fd(
        "name_constraints.permitted",
        "permitted subtrees as `dns:example.com`, `ip:10.0.0.0/8`, `email:…`, `uri:…`, `dn:…`",
    ),
    fd("name_constraints.excluded", "excluded subtrees, in the same form"),
    fd(
        "urls_malformed",
        "AIA and CDP URLs that are not absolute URLs with a host (`ldap:///…` allowed)",
    ),
    fd(
        "urls_duplicated",
        "AIA and CDP URLs listed more than once in the same list",
    ),
    fd(
        "urls_internal_host",
        "AIA and CDP URLs whose host relying parties outside cannot reach: none, an internal name or a reserved address",
    ),
    fd("ocsp_urls_not_http", "AIA OCSP URLs whose scheme is not http"),
    fd(
        "ca_issuer_urls_not_http",
        "AIA caIssuers URLs whose scheme is not http",
    ),
    fd("crl_urls_not_http", "CRL distribution point URLs whose scheme is not http"),
    fd(
        "defects",
        "encoding and key-quality defects found when the certificate was read, one bool each (all false in bundles from before pkimm looked for them)",
    ),
    fd("wildcard", "a DNS name or CN starts with `*.`"),
    fd(
        "cn_in_san",
        "every CN is an exact copy (case included) of a DNS name or IP address in the SAN",
    ),
    fd("parse_warnings", "what the parser tolerated"),
    fd("observation_count", "places the certificate was seen"),
    fd(
        "trust_anchor",
        "given as a trust anchor (tls --trust FILE): the organisation's own root",
    ),
    fd(
        "spki_shared_count",
        "bundle: certificates (this one included) with the same key",
    ),
    fd(
        "key_hosts",
        "bundle: distinct host names across the certificates sharing this key",
    ),
    fd(
        "duplicate_serial",
        "bundle: another certificate of the same issuer has this serial",
    ),
    fd(
        "issuer_in_bundle",
        "bundle: the issuer's certificate is present (or the certificate is self-issued)",
    ),
    fd(
        "chain_to_root",
        "bundle: issuers lead to a self-signed root",
    ),
    fd(
        "inventory_available",
        "bundle: there are inventory rows at all",
    ),
    fd(
        "in_inventory",
        "bundle: an inventory row matches the certificate",
    ),
    fd(
        "on_endpoint",
        "bundle: a TLS endpoint served the certificate",
    ),
    fd("revoked", "bundle: a CRL lists the certificate"),
    fd(
        "token_inventory",
        "bundle: PKCS#11 tokens were read (so `key_on_token` means something)",
    ),
    fd(
        "key_on_token",
        "bundle: a private key on a PKCS#11 token has this public key",
    ),
    fd(
        "key_in_hardware",
        "bundle: that token sits in a hardware slot (not a software token)",
    ),
    fd(
        "enrolment_inventory",
        "bundle: enrolment endpoints were probed (so `issuer_enrolment` means something)",
    ),
    fd(
        "issuer_enrolment",
        "bundle: enrolment protocols (`acme`, `cmp`, `est`, `scep`) an endpoint offers for the issuer",
    ),
    fd(
        "revocation_reason",
        "bundle: the CRL's reason (\"\" when not revoked)",
    ),
    fd(
        "name_constraining_cas",
        "bundle: CAs above the certificate (followed by name and key identifier) that carry name constraints",
    ),
    fd(
        "name_constraint_violations",
        "bundle: the SAN dNSName, iPAddress, rfc822Name and URI entries, and the subject DN against directoryName subtrees, that those constraints do not allow, each with the CA and subtree",
    ),
];

/// A certificate with the bundle facts about it, as rules see it.
pub struct CertificateView<'r> {
    cert: &'r Certificate,
    facts: CertificateFacts,
    now: i64,
}

/// The lazily evaluated view of `cert`.
pub fn certificate_record<'r>(
    cert: &'r Certificate,
    facts: CertificateFacts,
    now: i64,
) -> CertificateView<'r> {
    CertificateView { cert, facts, now }
}

/// The certificate view as a complete map.
pub fn certificate(cert: &Certificate, facts: &CertificateFacts, now: i64) -> Value {
    expr::to_value(&certificate_record(cert, facts.clone(), now))
}

fn int<'r>(value: impl TryInto<i64>) -> Field<'r> {
    Field::Int(value.try_into().unwrap_or(i64::MAX))
}

fn days_between(from: i64, to: i64) -> f64 {
    (to - from) as f64 / DAY
}

/// Whether `name` is an exact copy of a SAN DNS name or IP address, case
/// included, as the TLS BRs require of the CN since September 2021
/// (§7.1.4.3; zlint `e_subject_common_name_not_exactly_from_san`): a CN
/// covered by a wildcard, or in another case, is not a copy.
fn has_san_match(cert: &Certificate, name: &str) -> bool {
    cert.san.dns.iter().any(|d| d == name) || cert.san.ip.iter().any(|ip| ip == name)
}

/// The SAN DNS names for which `test` holds.
fn dns_where<'r>(cert: &'r Certificate, test: impl Fn(&str) -> bool) -> Field<'r> {
    Field::Strs(
        cert.san
            .dns
            .iter()
            .map(CompactString::as_str)
            .filter(|n| test(n))
            .collect(),
    )
}

/// The AIA and CDP URLs for which `test` holds.
fn urls_where<'r>(cert: &'r Certificate, test: impl Fn(&str) -> bool) -> Field<'r> {
    Field::Strs(
        cert.ocsp_urls
            .iter()
            .chain(&cert.ca_issuer_urls)
            .chain(&cert.crl_urls)
            .map(String::as_str)
            .filter(|u| test(u))
            .collect(),
    )
}

/// The URLs of `list` for which `test` holds.
fn list_where<'r>(list: &'r [String], test: impl Fn(&str) -> bool) -> Field<'r> {
    Field::Strs(
        list.iter()
            .map(String::as_str)
            .filter(|u| test(u))
            .collect(),
    )
}

/// URLs listed twice in the same AIA or CDP list.
fn duplicated_urls(cert: &Certificate) -> Field<'_> {
    let mut repeated = Vec::new();
    for list in [&cert.ocsp_urls, &cert.ca_issuer_urls, &cert.crl_urls] {
        for (i, url) in list.iter().enumerate() {
            if list[..i].contains(url) && !repeated.contains(&url.as_str()) {
                repeated.push(url.as_str());
            }
        }
    }
    Field::Strs(repeated)
}

/// The CA/B Forum requirements a certificate asserts by policy OID.
fn cabf_profile(cert: &Certificate) -> &'static str {
    let has = |prefix: &str| cert.policies.iter().any(|p| p.starts_with(prefix));
    if has("2.23.140.1.2.") {
        "tls_br"
    } else if has("2.23.140.1.5.") {
        "smime_br"
    } else if cert
        .policies
        .iter()
        .any(|p| p == "2.23.140.1.3" || p == "2.23.140.1.4.1")
    {
        "code_signing_br"
    } else {
        ""
    }
}

impl CertificateView<'_> {
    fn is_tls_server(&self) -> bool {
        self.cert.purpose().0 == "tls_server"
    }
}

impl<'r> Record<'r> for CertificateView<'r> {
    fn names(&self) -> &'static [&'static str] {
        FIELDS
    }

    fn field(&self, name: &str) -> Option<Field<'r>> {
        let c: &'r Certificate = self.cert;
        let facts = &self.facts;
        // Read inside the arms that need them: converting a time is not free,
        // and this runs for every field a rule reads.
        let not_before = || c.not_before.unix();
        let not_after = || c.not_after.unix();
        Some(match name {
            "fingerprint" => Field::Str(&c.fingerprint_sha256),
            "spki_sha256" => Field::Str(&c.spki_sha256),
            "version" => int(c.version),
            "serial" => Field::Str(&c.serial),
            "serial_bits" => int(c.serial_bits),
            "serial_octets" => int(c.serial_octets),
            "serial_negative" => Field::Bool(c.serial_negative),
            "serial_zero" => Field::Bool(c.serial.trim_start_matches('0').is_empty()),
            "subject" => Field::Str(&c.subject),
            "subject_cn" => Field::Names(&c.subject_cn),
            "issuer" => Field::Str(&c.issuer),
            "not_before" => int(not_before()),
            "not_after" => int(not_after()),
            "validity_days" => Field::Float(c.validity_days),
            "validity_months" => Field::Float(c.not_before.months_until(c.not_after)),
            "days_until_expiry" => Field::Float(days_between(self.now, not_after())),
            "age_days" => Field::Float(days_between(not_before(), self.now)),
            "expired" => Field::Bool(not_after() < self.now),
            "not_yet_valid" => Field::Bool(not_before() > self.now),
            "key" => Field::Record(Arc::new(KeyView(&c.key))),
            "signature" => Field::Record(Arc::new(SignatureView(&c.signature))),
            "san" => Field::Record(Arc::new(SanView(&c.san))),
            "has_san" => Field::Bool(c.has_san),
            "key_usage" => Field::Names(c.key_usage.as_deref().unwrap_or(&[])),
            "has_key_usage" => Field::Bool(c.key_usage.is_some()),
            "extended_key_usage" => Field::Names(c.extended_key_usage.as_deref().unwrap_or(&[])),
            "has_eku" => Field::Bool(c.extended_key_usage.is_some()),
            "basic_constraints" => Field::Record(Arc::new(BasicConstraintsView(c))),
            "is_ca" => Field::Bool(c.is_ca()),
            "is_leaf" => Field::Bool(!c.is_ca()),
            "is_root" => Field::Bool(c.is_ca() && c.self_signed),
            "is_tls_server" => Field::Bool(self.is_tls_server()),
            "purpose" => Field::Str(self.cert.purpose().0),
            "purpose_reason" => Field::String(self.cert.purpose().1.to_string()),
            "cabf_profile" => Field::Str(cabf_profile(c)),
            "dns_bad_syntax" => dns_where(c, |n| !names::preferred_syntax(n)),
            "dns_too_long" => dns_where(c, names::too_long),
            "dns_misplaced_wildcard" => dns_where(c, names::misplaced_wildcard),
            "dns_internal" => dns_where(c, names::internal),
            "dns_bad_punycode" => dns_where(c, names::bad_punycode),
            "dns_not_nfc" => dns_where(c, names::not_nfc),
            "ip_reserved" => Field::Strs(
                c.san
                    .ip
                    .iter()
                    .filter(|ip| names::reserved_ip(ip))
                    .map(CompactString::as_str)
                    .collect(),
            ),
            "san_entries" => int(c.san.dns.len()
                + c.san.ip.len()
                + c.san.email.len()
                + c.san.uri.len()
                + c.san.other.len()),
            "critical_extensions" => Field::Strs(
                c.extensions
                    .iter()
                    .filter(|e| e.critical)
                    .map(|e| e.name())
                    .collect(),
            ),
            "duplicate_extensions" => {
                let mut repeated: Vec<&str> = c
                    .extensions
                    .iter()
                    .enumerate()
                    .filter(|(i, e)| c.extensions[..*i].iter().any(|f| f.oid == e.oid))
                    .map(|(_, e)| e.name())
                    .collect();
                repeated.dedup();
                Field::Strs(repeated)
            }
            "self_issued" => Field::Bool(c.self_issued),
            "self_signed" => Field::Bool(c.self_signed),
            "policies" => Field::Names(&c.policies),
            "ocsp_urls" => Field::Strings(&c.ocsp_urls),
            "ca_issuer_urls" => Field::Strings(&c.ca_issuer_urls),
            "crl_urls" => Field::Strings(&c.crl_urls),
            "has_aia" => Field::Bool(c.has_aia),
            "has_cdp" => Field::Bool(c.has_cdp),
            "sct_count" => int(c.sct_count),
            "has_name_constraints" => Field::Bool(c.name_constraints.is_some()),
            "name_constraints" => {
                Field::Record(Arc::new(NameConstraintsView(c.name_constraints.as_deref())))
            }
            "urls_malformed" => urls_where(c, |u| !names::url_well_formed(u)),
            "urls_duplicated" => duplicated_urls(c),
            "urls_internal_host" => urls_where(c, names::url_host_internal),
            "ocsp_urls_not_http" => list_where(&c.ocsp_urls, |u| !names::url_is_http(u)),
            "ca_issuer_urls_not_http" => list_where(&c.ca_issuer_urls, |u| !names::url_is_http(u)),
            "crl_urls_not_http" => list_where(&c.crl_urls, |u| !names::url_is_http(u)),
            "defects" => Field::Record(Arc::new(DefectsView(c.defects))),
            "subject_key_id" => Field::Str(c.subject_key_id.as_deref().unwrap_or("")),
            "authority_key_id" => Field::Str(c.authority_key_id.as_deref().unwrap_or("")),
            "extensions" => Field::Value(list(
                c.extensions
                    .iter()
                    .map(|e| {
                        map(vec![
                            ("oid", string(&e.oid)),
                            ("name", string(e.name())),
                            ("critical", Value::Bool(e.critical)),
                            ("known", Value::Bool(e.known())),
                        ])
                    })
                    .collect(),
            )),
            "unknown_critical_extensions" => Field::Strs(
                c.extensions
                    .iter()
                    .filter(|e| e.critical && !e.known())
                    .map(|e| e.name())
                    .collect(),
            ),
            "unknown_extensions" => Field::Strs(
                c.extensions
                    .iter()
                    .filter(|e| !e.known())
                    .map(|e| e.name())
                    .collect(),
            ),
            "wildcard" => Field::Bool(
                c.san
                    .dns
                    .iter()
                    .chain(&c.subject_cn)
                    .any(|n| n.starts_with("*.")),
            ),
            "cn_in_san" => Field::Bool(c.subject_cn.iter().all(|cn| has_san_match(c, cn))),
            "parse_warnings" => Field::Strings(&c.parse_warnings),
            "observation_count" => int(c.observations.len()),
            "trust_anchor" => Field::Bool(
                c.observations
                    .iter()
                    .any(|o| o.method == TRUST_ANCHOR_METHOD),
            ),
            "spki_shared_count" => int(facts.spki_shared_count),
            "key_hosts" => int(facts.key_hosts),
            "duplicate_serial" => Field::Bool(facts.duplicate_serial),
            "issuer_in_bundle" => Field::Bool(facts.issuer_in_bundle),
            "chain_to_root" => Field::Bool(facts.chain_to_root),
            "inventory_available" => Field::Bool(facts.inventory_available),
            "in_inventory" => Field::Bool(facts.in_inventory),
            "on_endpoint" => Field::Bool(facts.on_endpoint),
            "revoked" => Field::Bool(facts.revocation_reason.is_some()),
            "token_inventory" => Field::Bool(facts.token_inventory),
            "key_on_token" => Field::Bool(facts.key_on_token),
            "key_in_hardware" => Field::Bool(facts.key_in_hardware),
            "enrolment_inventory" => Field::Bool(facts.enrolment_inventory),
            "issuer_enrolment" => Field::Strs(facts.issuer_enrolment.clone()),
            "name_constraining_cas" => int(facts.name_constraining_cas),
            "name_constraint_violations" => {
                Field::Value(expr::strings(&facts.name_constraint_violations))
            }
            "revocation_reason" => {
                Field::String(facts.revocation_reason.clone().unwrap_or_default())
            }
            _ => return None,
        })
    }
}

/// `cert.key`.
struct KeyView<'r>(&'r PublicKeyInfo);

impl<'r> Record<'r> for KeyView<'r> {
    fn names(&self) -> &'static [&'static str] {
        &[
            "algorithm",
            "oid",
            "bits",
            "curve",
            "rsa_exponent",
            "quantum_vulnerable",
            "parameter_set",
            "composite",
        ]
    }

    fn field(&self, name: &str) -> Option<Field<'r>> {
        let key = self.0;
        Some(match name {
            "algorithm" => Field::Str(key.algorithm.name()),
            "oid" => Field::Str(&key.oid),
            "bits" => int(key.bits),
            "curve" => Field::Str(key.curve.as_deref().unwrap_or("")),
            "rsa_exponent" => int(key.rsa_exponent.unwrap_or(0)),
            "quantum_vulnerable" => Field::Bool(key.quantum_vulnerable),
            "parameter_set" => Field::Str(parameter_set(&key.oid)),
            "composite" => Field::Str(composite_ml_dsa(&key.oid).map_or("", |(name, _)| name)),
            _ => return None,
        })
    }
}

/// The post-quantum parameter set an algorithm OID names: its own, or a
/// composite's ML-DSA set; "" for classical algorithms.
fn parameter_set(oid: &str) -> &'static str {
    pq_parameter_set(oid)
        .map(|(name, _)| name)
        .or_else(|| composite_ml_dsa(oid).map(|(_, set)| set))
        .unwrap_or("")
}

/// `cert.signature`.
struct SignatureView<'r>(&'r SignatureInfo);

impl<'r> Record<'r> for SignatureView<'r> {
    fn names(&self) -> &'static [&'static str] {
        &[
            "name",
            "oid",
            "hash",
            "key_algorithm",
            "parameter_set",
            "composite",
        ]
    }

    fn field(&self, name: &str) -> Option<Field<'r>> {
        let signature = self.0;
        Some(match name {
            "name" => Field::Str(&signature.name),
            "oid" => Field::Str(&signature.oid),
            "hash" => Field::Str(&signature.hash),
            "key_algorithm" => Field::Str(&signature.key_algorithm),
            "parameter_set" => Field::Str(parameter_set(&signature.oid)),
            "composite" => {
                Field::Str(composite_ml_dsa(&signature.oid).map_or("", |(name, _)| name))
            }
            _ => return None,
        })
    }
}

/// `cert.san`.
struct SanView<'r>(&'r SubjectAltNames);

impl<'r> Record<'r> for SanView<'r> {
    fn names(&self) -> &'static [&'static str] {
        &["dns", "ip", "email", "uri", "other"]
    }

    fn field(&self, name: &str) -> Option<Field<'r>> {
        let san = self.0;
        Some(Field::Names(match name {
            "dns" => &san.dns,
            "ip" => &san.ip,
            "email" => &san.email,
            "uri" => &san.uri,
            "other" => &san.other,
            _ => return None,
        }))
    }
}

/// `cert.basic_constraints`.
struct BasicConstraintsView<'r>(&'r Certificate);

impl<'r> Record<'r> for BasicConstraintsView<'r> {
    fn names(&self) -> &'static [&'static str] {
        &["present", "ca", "path_len", "critical"]
    }

    fn field(&self, name: &str) -> Option<Field<'r>> {
        let bc = self.0.basic_constraints;
        Some(match name {
            "present" => Field::Bool(bc.is_some()),
            "ca" => Field::Bool(self.0.is_ca()),
            "path_len" => int(bc.and_then(|b| b.path_len).map_or(-1, i64::from)),
            "critical" => Field::Bool(bc.is_some_and(|b| b.critical)),
            _ => return None,
        })
    }
}

/// `cert.name_constraints`.
struct NameConstraintsView<'r>(Option<&'r NameConstraints>);

impl<'r> Record<'r> for NameConstraintsView<'r> {
    fn names(&self) -> &'static [&'static str] {
        &["present", "critical", "permitted", "excluded"]
    }

    fn field(&self, name: &str) -> Option<Field<'r>> {
        let nc = self.0;
        Some(match name {
            "present" => Field::Bool(nc.is_some()),
            "critical" => Field::Bool(nc.is_some_and(|n| n.critical)),
            "permitted" => Field::Strings(nc.map_or(&[], |n| &n.permitted)),
            "excluded" => Field::Strings(nc.map_or(&[], |n| &n.excluded)),
            _ => return None,
        })
    }
}

/// `cert.defects`: one bool per [`Defect`].
struct DefectsView(Defects);

impl<'r> Record<'r> for DefectsView {
    fn names(&self) -> &'static [&'static str] {
        &DEFECT_NAMES
    }

    fn field(&self, name: &str) -> Option<Field<'r>> {
        Defect::from_name(name).map(|d| Field::Bool(self.0.contains(d)))
    }
}

#[cfg(test)]
mod purpose_tests {
    use pkimm_model::evidence::{thin_vec, BasicConstraints};

    use super::super::sample::sample_certificate;

    #[test]
    fn every_certificate_gets_a_purpose_and_a_reason() {
        let base = sample_certificate(0);
        let purpose = |edit: &dyn Fn(&mut pkimm_model::evidence::Certificate)| {
            let mut c = base.clone();
            edit(&mut c);
            let (kind, reason) = c.purpose();
            (kind, reason.to_string())
        };
        let no_eku = |c: &mut pkimm_model::evidence::Certificate| {
            c.extended_key_usage = None;
            c.policies.clear();
        };
        assert_eq!(
            purpose(&|c| {
                c.basic_constraints = Some(BasicConstraints {
                    ca: true,
                    path_len: None,
                    critical: true,
                })
            })
            .0,
            "ca"
        );
        assert_eq!(
            purpose(&|c| c.extended_key_usage = Some(thin_vec!["clientAuth".into()])).0,
            "tls_client"
        );
        assert_eq!(
            purpose(&|c| c.extended_key_usage = Some(thin_vec!["emailProtection".into()])).0,
            "smime"
        );
        assert_eq!(
            purpose(&|c| c.extended_key_usage = Some(thin_vec!["1.2.3.4".into()])).0,
            "unknown"
        );
        // No EKU and only an IP address in the SAN: a TLS server (zlint's
        // corpus has 242 such certificates that missing-san skipped).
        let (kind, reason) = purpose(&|c| {
            no_eku(c);
            c.san.dns.clear();
            c.san.ip = thin_vec!["192.0.2.1".into()];
        });
        assert_eq!(kind, "tls_server");
        assert!(reason.contains("DNS or IP names"), "{reason}");
        // No EKU, no SAN, a host-name CN: still a TLS server, so missing-san
        // applies to it.
        let (kind, reason) = purpose(&|c| {
            no_eku(c);
            c.san.dns.clear();
            c.san.ip.clear();
            c.subject_cn = thin_vec!["www.example.test".into()];
        });
        assert_eq!(kind, "tls_server");
        assert!(reason.contains("CN is a host name"), "{reason}");
        let (kind, _) = purpose(&|c| {
            no_eku(c);
            c.san.dns.clear();
            c.san.ip.clear();
            c.subject_cn = thin_vec!["Alice Example".into()];
        });
        assert_eq!(kind, "unknown");
        // A CA/B Forum S/MIME policy OID decides without an EKU.
        let (kind, _) = purpose(&|c| {
            no_eku(c);
            c.policies = thin_vec!["2.23.140.1.5.1.1".into()];
        });
        assert_eq!(kind, "smime");
    }

    #[test]
    fn the_cn_must_be_an_exact_copy_of_a_san_value() {
        let mut c = sample_certificate(0);
        c.san.dns = thin_vec!["www.example.test".into(), "*.example.test".into()];
        c.san.ip = thin_vec!["192.0.2.1".into()];
        assert!(super::has_san_match(&c, "www.example.test"));
        assert!(super::has_san_match(&c, "192.0.2.1"));
        assert!(
            !super::has_san_match(&c, "WWW.Example.Test"),
            "case differs"
        );
        assert!(
            !super::has_san_match(&c, "api.example.test"),
            "only under the wildcard"
        );
    }
}
