//! PKI objects read from an LDAP directory.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Provenance;

/// An LDAP entry with its decoded PKI attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DirectoryObject {
    /// Distinguished name.
    pub dn: String,
    /// Object classes.
    pub object_classes: Vec<String>,
    /// Decoded attributes by name; certificates and CRLs are referenced by fingerprint.
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Where and when.
    pub provenance: Provenance,
}
