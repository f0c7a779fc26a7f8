//! The OCSP check view: what rules see as `ocsp`.

use pkimm_model::evidence::{EvidenceBundle, OcspCheck, UtcTime};

use super::{fd, int, FieldDoc};
use crate::context::BundleIndex;
use crate::expr::{map, opt_string, string, strings, Value};

/// What each field of `ocsp` holds.
pub const FIELD_DOCS: &[FieldDoc] = &[
    fd("certificate", "fingerprint of the certificate asked about"),
    fd("serial", "its serial, hex"),
    fd("responder_url", "the responder asked"),
    fd("response_status", "successful, malformedRequest, internalError, tryLater, sigRequired, unauthorized (\"\" when no answer)"),
    fd("cert_status", "good, revoked or unknown"),
    fd("revocation_reason", "reason when revoked with one"),
    fd("produced_at", "producedAt, Unix seconds"),
    fd("this_update", "thisUpdate, Unix seconds"),
    fd("has_next_update", "nextUpdate is present"),
    fd("next_update", "nextUpdate, Unix seconds (0 when absent)"),
    fd("stale", "nextUpdate is in the past"),
    fd("age_hours", "hours since producedAt"),
    fd("responder_authorisation", "ca, delegated (id-kp-OCSPSigning issued by the CA) or unauthorised"),
    fd("responder_nocheck", "a delegated responder's certificate carries id-pkix-ocsp-nocheck (false when not delegated)"),
    fd("signature_checked", "the response signature was checked"),
    fd("signature_valid", "the response signature verified"),
    fd("nonce_sent", "the request carried a nonce"),
    fd("nonce_echoed", "the response echoed it"),
    fd("latency_ms", "answer time in milliseconds (-1 when none)"),
    fd("errors", "what went wrong"),
    fd("reachable", "the responder answered"),
    fd("crl_revoked", "bundle: a CRL of the issuer lists the serial"),
    fd("crl_reason", "bundle: that CRL's reason (null when no CRL lists the serial)"),
];

/// An OCSP check view.
pub fn ocsp_check(o: &OcspCheck, index: &BundleIndex, bundle: &EvidenceBundle, now: i64) -> Value {
    let next_update = o.next_update.map(UtcTime::unix);
    let issuer = bundle.certificate(&o.certificate).map(|c| &*c.issuer);
    let crl_reason = issuer.and_then(|i| index.revocation(i, &o.serial));
    map(vec![
        ("certificate", string(&o.certificate)),
        ("serial", string(&o.serial)),
        ("responder_url", string(&o.responder_url)),
        (
            "response_status",
            string(o.response_status.as_deref().unwrap_or("")),
        ),
        (
            "cert_status",
            string(o.cert_status.as_deref().unwrap_or("")),
        ),
        (
            "revocation_reason",
            string(o.revocation_reason.as_deref().unwrap_or("")),
        ),
        ("produced_at", int(o.produced_at.map_or(0, UtcTime::unix))),
        ("this_update", int(o.this_update.map_or(0, UtcTime::unix))),
        ("has_next_update", Value::Bool(next_update.is_some())),
        ("next_update", int(next_update.unwrap_or(0))),
        ("stale", Value::Bool(next_update.is_some_and(|n| n < now))),
        (
            "age_hours",
            Value::Float(
                o.produced_at
                    .map_or(0.0, |p| (now - p.unix()) as f64 / 3600.0),
            ),
        ),
        (
            "responder_authorisation",
            string(o.responder_authorisation.as_deref().unwrap_or("")),
        ),
        (
            "responder_nocheck",
            Value::Bool(o.responder_nocheck == Some(true)),
        ),
        (
            "signature_checked",
            Value::Bool(o.signature_valid.is_some()),
        ),
        (
            "signature_valid",
            Value::Bool(o.signature_valid == Some(true)),
        ),
        ("nonce_sent", Value::Bool(o.nonce_sent)),
        ("nonce_echoed", Value::Bool(o.nonce_echoed == Some(true))),
        (
            "latency_ms",
            int(o
                .latency_ms
                .map_or(-1, |m| i64::try_from(m).unwrap_or(i64::MAX))),
        ),
        ("errors", strings(&o.errors)),
        ("reachable", Value::Bool(o.response_status.is_some())),
        ("crl_revoked", Value::Bool(crl_reason.is_some())),
        ("crl_reason", opt_string(crl_reason)),
    ])
}
