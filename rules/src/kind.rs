//! The kinds of evidence a rule can apply to, and the variable each is bound to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The evidence kind a rule applies to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// Each certificate, as `cert`.
    Certificate,
    /// Each CRL, as `crl`.
    Crl,
    /// Each TLS endpoint, as `endpoint`.
    TlsEndpoint,
    /// Each OCSP check, as `ocsp`.
    OcspCheck,
    /// Each inventory row, as `inventory`.
    InventoryRecord,
    /// Each directory object, as `object`.
    DirectoryObject,
    /// Each served chain, as `chain`.
    Chain,
    /// Each PKCS#11 token, as `token`.
    Token,
    /// Each key object on a token, as `key`.
    Key,
    /// Each enrolment endpoint (ACME, SCEP, CMP, EST), as `enrolment`.
    EnrolmentEndpoint,
    /// The bundle as a whole (aggregates), as `bundle`.
    Bundle,
}

impl EvidenceKind {
    /// Every kind.
    pub const ALL: [Self; 11] = [
        Self::Certificate,
        Self::Crl,
        Self::TlsEndpoint,
        Self::OcspCheck,
        Self::InventoryRecord,
        Self::DirectoryObject,
        Self::Chain,
        Self::Token,
        Self::Key,
        Self::EnrolmentEndpoint,
        Self::Bundle,
    ];

    /// The CEL variable the record is bound to.
    pub fn variable(self) -> &'static str {
        match self {
            Self::Certificate => "cert",
            Self::Crl => "crl",
            Self::TlsEndpoint => "endpoint",
            Self::OcspCheck => "ocsp",
            Self::InventoryRecord => "inventory",
            Self::DirectoryObject => "object",
            Self::Chain => "chain",
            Self::Token => "token",
            Self::Key => "key",
            Self::EnrolmentEndpoint => "enrolment",
            Self::Bundle => "bundle",
        }
    }

    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::Crl => "crl",
            Self::TlsEndpoint => "tls_endpoint",
            Self::OcspCheck => "ocsp_check",
            Self::InventoryRecord => "inventory_record",
            Self::DirectoryObject => "directory_object",
            Self::Chain => "chain",
            Self::Token => "token",
            Self::Key => "key",
            Self::EnrolmentEndpoint => "enrolment_endpoint",
            Self::Bundle => "bundle",
        }
    }
}

impl std::fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
