//! The inventory row view: what rules see as `inventory`.

use pkimm_model::evidence::{InventoryRecord, UtcTime};

use super::{days_between, fd, int, FieldDoc};
use crate::context::InventoryFacts;
use crate::expr::{map, string, Value};

/// What each field of `inventory` holds.
pub const FIELD_DOCS: &[FieldDoc] = &[
    fd("serial", "serial number, normalised hex"),
    fd("issuer", "issuer name as exported"),
    fd("fingerprint", "SHA-256 fingerprint as exported"),
    fd("subject", "subject as exported"),
    fd("has_not_after", "an expiry date was exported"),
    fd("not_after", "expiry, Unix seconds (0 when absent)"),
    fd("days_until_expiry", "days from now to the expiry"),
    fd("expired", "the expiry is in the past"),
    fd("status", "status as exported (issued, revoked, …)"),
    fd("owner", "owner as exported"),
    fd(
        "discovered",
        "bundle: a certificate with this serial and issuer (or fingerprint) was found",
    ),
    fd(
        "deployed",
        "bundle: that certificate was served by a TLS endpoint",
    ),
];

/// An inventory row view.
pub fn inventory_record(r: &InventoryRecord, facts: &InventoryFacts, now: i64) -> Value {
    let not_after = r.not_after.map(UtcTime::unix);
    map(vec![
        ("serial", string(&r.serial)),
        ("issuer", string(r.issuer.as_deref().unwrap_or(""))),
        (
            "fingerprint",
            string(r.fingerprint_sha256.as_deref().unwrap_or("")),
        ),
        ("subject", string(r.subject.as_deref().unwrap_or(""))),
        ("has_not_after", Value::Bool(not_after.is_some())),
        ("not_after", int(not_after.unwrap_or(0))),
        (
            "days_until_expiry",
            Value::Float(not_after.map_or(0.0, |n| days_between(now, n))),
        ),
        ("expired", Value::Bool(not_after.is_some_and(|n| n < now))),
        ("status", string(r.status.as_deref().unwrap_or(""))),
        ("owner", string(r.owner.as_deref().unwrap_or(""))),
        ("discovered", Value::Bool(facts.discovered)),
        ("deployed", Value::Bool(facts.deployed)),
    ])
}
