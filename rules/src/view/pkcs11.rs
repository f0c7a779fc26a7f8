//! The PKCS#11 views: what rules see as `token` and `key`.

use pkimm_model::evidence::{CryptoToken, KeyClass, TokenKey, UtcTime};

use super::{days_between, fd, int, FieldDoc};
use crate::context::KeyFacts;
use crate::expr::{map, string, strings, Value};

/// What each field of `token` holds.
pub const TOKEN_FIELD_DOCS: &[FieldDoc] = &[
    fd("label", "token label"),
    fd("serial", "token serial number"),
    fd("manufacturer", "token manufacturer"),
    fd("model", "token model"),
    fd("library", "PKCS#11 library description"),
    fd(
        "hardware_slot",
        "the slot is a hardware slot (not a software token)",
    ),
    fd(
        "login_required",
        "a login is needed before private objects can be used",
    ),
    fd(
        "protected_authentication_path",
        "PINs are entered on a PIN pad, not through the library",
    ),
    fd("token_initialized", "the token is initialised"),
    fd("user_pin_initialized", "the user PIN is set"),
    fd(
        "logged_in",
        "pkimm logged in, so private objects were visible",
    ),
    fd(
        "mechanisms",
        "supported mechanisms by name (`CKM_RSA_PKCS`, …)",
    ),
    fd("objects_seen", "objects found on the token"),
    fd("keys", "bundle: key objects read from the token"),
    fd("private_keys", "bundle: private keys among them"),
];

/// What each field of `key` holds.
pub const KEY_FIELD_DOCS: &[FieldDoc] = &[
    fd("token_label", "label of the token holding the key"),
    fd("token_serial", "serial number of that token"),
    fd("class", "`private`, `public` or `secret`"),
    fd(
        "key_type",
        "`rsa`, `ec`, `ec-edwards`, `aes`, `generic-secret`, …",
    ),
    fd("bits", "size in bits (0 when unknown)"),
    fd("curve", "curve name for EC keys (empty otherwise)"),
    fd("label", "CKA_LABEL"),
    fd("id", "CKA_ID, lowercase hex"),
    fd(
        "sensitive",
        "CKA_SENSITIVE (false when not revealed; see `unknown`)",
    ),
    fd("extractable", "CKA_EXTRACTABLE (false when not revealed)"),
    fd(
        "never_extractable",
        "CKA_NEVER_EXTRACTABLE (false when not revealed)",
    ),
    fd(
        "always_sensitive",
        "CKA_ALWAYS_SENSITIVE (false when not revealed)",
    ),
    fd(
        "local",
        "CKA_LOCAL: generated on the token (false when not revealed)",
    ),
    fd("modifiable", "CKA_MODIFIABLE (false when not revealed)"),
    fd(
        "unknown",
        "the attributes above the token did not reveal (`sensitive`, `extractable`, …)",
    ),
    fd("has_end_date", "CKA_END_DATE is set"),
    fd(
        "end_date",
        "end of CKA_END_DATE's day, Unix seconds (0 when unset)",
    ),
    fd(
        "days_until_end",
        "days from now to the end date (0 when unset)",
    ),
    fd("past_end_date", "the end date has passed"),
    fd(
        "allowed_mechanisms",
        "CKA_ALLOWED_MECHANISMS by name (empty: unrestricted or unknown)",
    ),
    fd(
        "has_public_key",
        "the public key is known, so it can be matched with certificates",
    ),
    fd("certificates", "bundle: certificates with this public key"),
    fd("ca_certificate", "bundle: one of them is a CA certificate"),
    fd("served", "bundle: one of them was served by a TLS endpoint"),
    fd("hardware", "bundle: the token sits in a hardware slot"),
];

/// A token view.
pub fn token(t: &CryptoToken, keys: &[TokenKey]) -> Value {
    let on_token = keys.iter().filter(|k| k.token_serial == t.serial_number);
    let (count, private) = on_token.fold((0usize, 0usize), |(n, p), k| {
        (n + 1, p + usize::from(k.class == KeyClass::Private))
    });
    map(vec![
        ("label", string(&t.label)),
        ("serial", string(&t.serial_number)),
        ("manufacturer", string(&t.manufacturer)),
        ("model", string(&t.model)),
        ("library", string(&t.library.description)),
        ("hardware_slot", Value::Bool(t.hardware_slot)),
        ("login_required", Value::Bool(t.login_required)),
        (
            "protected_authentication_path",
            Value::Bool(t.protected_authentication_path),
        ),
        ("token_initialized", Value::Bool(t.token_initialized)),
        ("user_pin_initialized", Value::Bool(t.user_pin_initialized)),
        ("logged_in", Value::Bool(t.logged_in)),
        ("mechanisms", strings(&t.mechanisms)),
        ("objects_seen", int(t.objects_seen)),
        ("keys", int(count)),
        ("private_keys", int(private)),
    ])
}

/// The end of a `YYYY-MM-DD` day, Unix seconds.
fn end_of_day(date: &str) -> Option<i64> {
    UtcTime::parse(&format!("{date}T23:59:59Z")).map(UtcTime::unix)
}

/// A key view.
pub fn key(k: &TokenKey, facts: &KeyFacts, now: i64) -> Value {
    let flags = [
        ("sensitive", k.sensitive),
        ("extractable", k.extractable),
        ("never_extractable", k.never_extractable),
        ("always_sensitive", k.always_sensitive),
        ("local", k.local),
        ("modifiable", k.modifiable),
    ];
    let unknown: Vec<&str> = flags
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| *name)
        .collect();
    let end = k.end_date.as_deref().and_then(end_of_day);
    let mut fields = vec![
        ("token_label", string(&k.token_label)),
        ("token_serial", string(&k.token_serial)),
        ("class", string(k.class.name())),
        ("key_type", string(&k.key_type)),
        ("bits", int(k.bits.unwrap_or(0))),
        ("curve", string(k.curve.as_deref().unwrap_or(""))),
        ("label", string(&k.label)),
        ("id", string(&k.id)),
        ("unknown", strings(&unknown)),
        ("has_end_date", Value::Bool(end.is_some())),
        ("end_date", int(end.unwrap_or(0))),
        (
            "days_until_end",
            Value::Float(end.map_or(0.0, |e| days_between(now, e))),
        ),
        ("past_end_date", Value::Bool(end.is_some_and(|e| e < now))),
        ("allowed_mechanisms", strings(&k.allowed_mechanisms)),
        ("has_public_key", Value::Bool(k.spki_sha256.is_some())),
        ("certificates", int(facts.certificates)),
        ("ca_certificate", Value::Bool(facts.ca_certificate)),
        ("served", Value::Bool(facts.served)),
        ("hardware", Value::Bool(facts.hardware)),
    ];
    fields.extend(
        flags
            .iter()
            .map(|(name, value)| (*name, Value::Bool(value.unwrap_or(false)))),
    );
    map(fields)
}
