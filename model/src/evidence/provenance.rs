//! Where, when and how an observation was made.

use compact_str::CompactString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::UtcTime;

/// The provenance every evidence record carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    /// The collector that made the observation: `files`, `inventory`, `tls`,
    /// `revocation`, `ldap`.
    pub collector: CompactString,
    /// What was observed: a file path (with `#offset` or `#entry` inside
    /// containers), a URL, `host:port`, or an LDAP DN.
    pub source: String,
    /// How: for example `pem`, `der`, `pkcs7`, `pkcs12`, `csv`, `tls-handshake`,
    /// `http-get`, `ldap-search`.
    pub method: CompactString,
    /// When (UTC).
    pub collected_at: UtcTime,
    /// The agent (host or zone name) that collected it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<CompactString>,
}

/// The provenance method of a certificate given as a trust anchor (the TLS
/// collector's `--trust FILE`): the organisation's own root, kept as
/// evidence so that the chains it ends are complete.
pub const TRUST_ANCHOR_METHOD: &str = "trust-anchor";
