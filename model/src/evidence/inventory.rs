//! Rows of a certificate inventory or CA database export.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Provenance, UtcTime};

/// One issued certificate as an inventory knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InventoryRecord {
    /// Serial number, normalised to lowercase hex without separators or leading zeros.
    pub serial: String,
    /// Issuer name as the export gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// SHA-256 fingerprint, lowercase hex, when the export has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint_sha256: Option<String>,
    /// Subject, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// End of validity, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<UtcTime>,
    /// Status as the export gives it (`issued`, `revoked`, …), lowercase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Owner or team, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Every other column, by header.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    /// Where the row came from (`file.csv#row=12`).
    pub provenance: Provenance,
}
