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
    /// What the entry is: `certification_authority`, `crl_distribution_point`,
    /// `pki_user`, `certificate_template`, `enrollment_service`, `ntauth`,
    /// `aia`, `oid`, `pki_container` (an AD CS container such as Certificate
    /// Templates), `ca_computer` (an enterprise CA's computer account),
    /// `account` (a user or computer with explicit certificate mappings) or
    /// `other`.
    #[serde(default)]
    pub kind: String,
    /// Decoded attributes by name; certificates and CRLs are referenced by fingerprint.
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Fingerprints of the certificates the entry holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<String>,
    /// Fingerprints of the CRLs the entry holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crls: Vec<String>,
    /// A decoded AD CS certificate template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<CertificateTemplate>,
    /// Who can change the object, from its nTSecurityDescriptor (objects
    /// other than templates, whose rights are in `template`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<ObjectAcl>,
    /// Where and when.
    pub provenance: Provenance,
}

/// An Active Directory Certificate Services template, decoded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CertificateTemplate {
    /// The template's `cn`.
    pub name: String,
    /// msPKI-Template-Schema-Version.
    pub schema_version: u32,
    /// msPKI-Certificate-Name-Flag, decoded (`ENROLLEE_SUPPLIES_SUBJECT`, …).
    pub name_flags: Vec<String>,
    /// msPKI-Enrollment-Flag, decoded (`PEND_ALL_REQUESTS`, `NO_SECURITY_EXTENSION`, …).
    pub enrollment_flags: Vec<String>,
    /// msPKI-Private-Key-Flag, decoded.
    pub private_key_flags: Vec<String>,
    /// pKIExtendedKeyUsage OIDs (empty means any purpose).
    pub ekus: Vec<String>,
    /// msPKI-RA-Signature: authorised signatures required.
    pub ra_signatures: u32,
    /// msPKI-RA-Application-Policies: the application policies those
    /// signatures must carry (the Certificate Request Agent OID makes the
    /// template an enrollment agent's target, ESC3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ra_application_policies: Vec<String>,
    /// msPKI-Minimal-Key-Size.
    pub minimal_key_size: u32,
    /// pKIExpirationPeriod in days.
    pub validity_days: Option<f64>,
    /// msPKI-Certificate-Policy OIDs (issuance policies).
    pub issuance_policies: Vec<String>,
    /// Groups linked to those issuance policies (msDS-OIDToGroupLink).
    pub issuance_policy_groups: Vec<String>,
    /// Principals with the Enroll or AutoEnroll right (or full control).
    pub enroll_principals: Vec<Principal>,
    /// Principals that can change the template (GenericAll, GenericWrite,
    /// WriteDacl, WriteOwner, WriteProperty).
    pub write_principals: Vec<Principal>,
    /// The owner from the security descriptor.
    pub owner: Option<Principal>,
    /// Enrollment services (CAs) that publish the template.
    pub published_by: Vec<String>,
    /// Problems decoding the template.
    pub warnings: Vec<String>,
}

/// Who can change a directory object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectAcl {
    /// The owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Principal>,
    /// Principals that can change it or create objects in it (GenericAll,
    /// GenericWrite, WriteDacl, WriteOwner, WriteProperty, CreateChild, and
    /// the owner's implicit WriteDacl).
    #[serde(default)]
    pub write_principals: Vec<Principal>,
}

/// A security principal from a security descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Principal {
    /// The SID, `S-1-5-…`.
    pub sid: String,
    /// The well-known or group name, when known.
    pub name: String,
    /// Whether any domain user or computer is in it (Everyone, Authenticated
    /// Users, Domain Users, Domain Computers, Users, …, or a group that
    /// holds one of them).
    pub low_privileged: bool,
    /// Why a group is low-privileged: the membership chain found in the
    /// directory (`PKI Enrollers → Helpdesk → Domain Users`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}
