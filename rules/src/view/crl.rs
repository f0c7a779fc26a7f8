//! The CRL view: what rules see as `crl`.

use std::sync::LazyLock;

use pkimm_model::evidence::{Crl, Defect, UtcTime};

use super::{counts, days_between, fd, int, FieldDoc};
use crate::context::BundleIndex;
use crate::expr::{map, string, strings, Value};

/// The defects a CRL can show, as `crl.defects.<name>`.
const CRL_DEFECTS: &[Defect] = &[
    Defect::CrlRevokedListEmpty,
    Defect::CrlReasonUnspecified,
    Defect::CrlReasonCodeCritical,
    Defect::CrlUnknownCriticalExtension,
    Defect::CrlEntryRevokedAfterThisUpdate,
    Defect::SignatureParametersWrong,
    Defect::SignatureAlgorithmMismatch,
];

/// What each field of `crl` holds: the fields below, then one
/// `defects.<name>` per CRL defect.
pub static FIELD_DOCS: LazyLock<Vec<FieldDoc>> = LazyLock::new(|| {
    let defects = CRL_DEFECTS.iter().map(|d| FieldDoc {
        name: Box::leak(format!("defects.{}", d.name()).into_boxed_str()),
        doc: d.doc(),
    });
    BASE_FIELD_DOCS.iter().copied().chain(defects).collect()
});

const BASE_FIELD_DOCS: &[FieldDoc] = &[
    fd(
        "defects",
        "encoding defects found when the CRL was read, one bool each (all false in bundles from before pkimm looked for them)",
    ),
    fd("fingerprint", "SHA-256 of the DER, hex"),
    fd("issuer", "issuer DN"),
    fd("version", "CRL version (2 for v2)"),
    fd("crl_number", "cRLNumber, decimal (\"\" when absent)"),
    fd("is_delta", "a delta CRL"),
    fd("delta_base", "the base CRL number a delta applies to"),
    fd(
        "base_available",
        "bundle: the base CRL of this delta is present",
    ),
    fd("this_update", "thisUpdate, Unix seconds"),
    fd("has_next_update", "nextUpdate is present"),
    fd("next_update", "nextUpdate, Unix seconds (0 when absent)"),
    fd(
        "days_until_next_update",
        "days from now to nextUpdate (negative when stale)",
    ),
    fd("stale", "nextUpdate is in the past"),
    fd("age_days", "days since thisUpdate"),
    fd("validity_days", "days from thisUpdate to nextUpdate"),
    fd("signature", "the CRL's signature algorithm"),
    fd("signature.name", "algorithm name"),
    fd("signature.hash", "digest: sha256, sha1, …"),
    fd("signature.key_algorithm", "signing key type"),
    fd(
        "signature_checked",
        "the signature was checked against an issuer",
    ),
    fd("signature_valid", "the signature verified"),
    fd(
        "entry_count",
        "revoked entries (all counted, even past the recording cap)",
    ),
    fd("reasons", "map from reason code name to entries"),
    fd("size_bytes", "DER size"),
    fd(
        "fetch_ms",
        "download time in milliseconds (-1 when read from a file)",
    ),
    fd(
        "has_idp",
        "an issuingDistributionPoint extension is present",
    ),
    fd("idp_urls", "issuingDistributionPoint URLs"),
    fd("freshest_crl_urls", "freshestCRL (delta) URLs"),
    fd(
        "delta_available",
        "bundle: a delta CRL of the same issuer is present",
    ),
    fd(
        "idp_checked",
        "the IDP was compared with the URL the CRL came from",
    ),
    fd("idp_matches_url", "the IDP names the URL the CRL came from"),
    fd(
        "previous_crl_number",
        "cRLNumber seen at the same URL in an earlier scan",
    ),
    fd("fetched_over_http", "fetched over HTTP(S)"),
    fd(
        "http_max_age",
        "Cache-Control max-age in seconds (-1 when none)",
    ),
    fd("http_has_expires", "an Expires header was sent"),
    fd(
        "http_has_validator",
        "an ETag or Last-Modified header was sent",
    ),
    fd("has_aki", "an authorityKeyIdentifier extension is present"),
    fd(
        "issuer_in_bundle",
        "bundle: a certificate with the issuer's subject is present",
    ),
    fd("issuer_is_root", "bundle: the issuer is a self-signed root"),
    fd("parse_warnings", "what the parser tolerated"),
    fd("sources", "where the CRL was seen (URLs, files, DNs)"),
];

/// A CRL view.
pub fn crl(c: &Crl, index: &BundleIndex, now: i64) -> Value {
    let this_update = c.this_update.unix();
    let next_update = c.next_update.map(UtcTime::unix);
    map(vec![
        ("fingerprint", string(&c.fingerprint_sha256)),
        ("issuer", string(&c.issuer)),
        ("version", int(c.version)),
        ("crl_number", string(c.crl_number.as_deref().unwrap_or(""))),
        ("is_delta", Value::Bool(c.is_delta)),
        ("delta_base", string(c.delta_base.as_deref().unwrap_or(""))),
        (
            "base_available",
            Value::Bool(
                c.delta_base
                    .as_deref()
                    .is_some_and(|b| index.has_crl_number(&c.issuer, b)),
            ),
        ),
        ("this_update", int(this_update)),
        ("has_next_update", Value::Bool(next_update.is_some())),
        ("next_update", int(next_update.unwrap_or(0))),
        (
            "days_until_next_update",
            Value::Float(next_update.map_or(0.0, |n| days_between(now, n))),
        ),
        ("stale", Value::Bool(next_update.is_some_and(|n| n < now))),
        ("age_days", Value::Float(days_between(this_update, now))),
        (
            "validity_days",
            Value::Float(next_update.map_or(0.0, |n| days_between(this_update, n))),
        ),
        (
            "signature",
            map(vec![
                ("name", string(&c.signature.name)),
                ("hash", string(&c.signature.hash)),
                ("key_algorithm", string(&c.signature.key_algorithm)),
            ]),
        ),
        (
            "signature_checked",
            Value::Bool(c.signature_valid.is_some()),
        ),
        (
            "signature_valid",
            Value::Bool(c.signature_valid == Some(true)),
        ),
        ("entry_count", int(c.entry_count)),
        ("reasons", counts(&c.reasons)),
        ("size_bytes", int(c.size_bytes)),
        (
            "fetch_ms",
            int(c
                .fetch_ms
                .map_or(-1, |m| i64::try_from(m).unwrap_or(i64::MAX))),
        ),
        (
            "has_idp",
            Value::Bool(c.issuing_distribution_point.is_some()),
        ),
        (
            "idp_urls",
            strings(c.issuing_distribution_point.as_deref().unwrap_or(&[])),
        ),
        ("freshest_crl_urls", strings(&c.freshest_crl_urls)),
        (
            "delta_available",
            Value::Bool(index.has_delta_for(&c.issuer)),
        ),
        ("idp_checked", Value::Bool(c.idp_matches_url.is_some())),
        (
            "idp_matches_url",
            Value::Bool(c.idp_matches_url == Some(true)),
        ),
        (
            "previous_crl_number",
            string(c.previous_crl_number.as_deref().unwrap_or("")),
        ),
        ("fetched_over_http", Value::Bool(c.http.is_some())),
        (
            "http_max_age",
            int(c
                .http
                .as_ref()
                .and_then(|h| h.max_age_seconds)
                .map_or(-1, |m| i64::try_from(m).unwrap_or(i64::MAX))),
        ),
        (
            "http_has_expires",
            Value::Bool(c.http.as_ref().is_some_and(|h| h.expires.is_some())),
        ),
        (
            "http_has_validator",
            Value::Bool(
                c.http
                    .as_ref()
                    .is_some_and(|h| h.etag.is_some() || h.last_modified.is_some()),
            ),
        ),
        ("has_aki", Value::Bool(c.authority_key_id.is_some())),
        (
            "issuer_in_bundle",
            Value::Bool(index.has_subject(&c.issuer)),
        ),
        (
            "issuer_is_root",
            Value::Bool(index.is_root_subject(&c.issuer)),
        ),
        ("parse_warnings", strings(&c.parse_warnings)),
        (
            "defects",
            map(CRL_DEFECTS
                .iter()
                .map(|d| (d.name(), Value::Bool(c.defects.contains(*d))))
                .collect()),
        ),
        (
            "sources",
            strings(
                &c.observations
                    .iter()
                    .map(|o| o.source.as_str())
                    .collect::<Vec<_>>(),
            ),
        ),
    ])
}
