//! What rules see: each evidence record as a CEL map with every field present
//! (absent values are `""`, `0`, `-1`, `false` or `[]`, never missing), plus
//! facts derived from the whole bundle and the evaluation time.
//!
//! One file per evidence kind, mirroring `model/src/evidence/`. Each holds the
//! view builder and its field documentation (`FIELD_DOCS`), from which
//! `docs/rules.md` is generated ([`docs`]; a test fails when the file is
//! stale or a field is undocumented). Views are built by hand rather than
//! through serde so that optional fields are always present and no time is
//! spent on fields rules never read (the DER, the observation list).

use std::collections::{BTreeMap, HashMap};

use crate::expr::Value;

mod bundle;
mod certificate;
mod ciphers;
mod crl;
mod directory;
pub mod docs;
mod enrolment;
mod inventory;
mod names;
mod ocsp;
mod pkcs11;
pub(crate) mod sample;
mod tls;

pub use bundle::bundle;
pub use certificate::{certificate, certificate_record, CertificateView};
pub use ciphers::{is_cbc_sha1_cipher, is_non_pfs_cipher, is_weak_cipher};
pub use crl::crl;
pub use directory::directory_object;
pub use enrolment::enrolment_endpoint;
pub use inventory::inventory_record;
pub use ocsp::ocsp_check;
pub use pkcs11::{key, token};
pub use sample::sample;
pub use tls::{chain, tls_endpoint};

/// One documented field of a view: its name (nested fields dotted, list
/// items as `name[].field`) and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDoc {
    /// The field, such as `key.bits` or `extensions[].oid`.
    pub name: &'static str,
    /// What it holds.
    pub doc: &'static str,
}

/// Shorthand for the documentation tables.
const fn fd(name: &'static str, doc: &'static str) -> FieldDoc {
    FieldDoc { name, doc }
}

const DAY: f64 = 86_400.0;

fn int(value: impl TryInto<i64>) -> Value {
    Value::Int(value.try_into().unwrap_or(i64::MAX))
}

fn days_between(from: i64, to: i64) -> f64 {
    (to - from) as f64 / DAY
}

fn counts(map_in: &BTreeMap<String, u64>) -> Value {
    let map: HashMap<String, Value> = map_in.iter().map(|(k, v)| (k.clone(), int(*v))).collect();
    Value::from(map)
}
