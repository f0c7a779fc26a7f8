//! The directory object view: what rules see as `object`.

use std::collections::HashMap;

use pkimm_model::evidence::{CertificateTemplate, DirectoryObject, Principal};

use super::{fd, int, FieldDoc};
use crate::expr::{map, string, strings, Value};

/// EKUs that allow authentication to AD: client auth, PKINIT client, smart
/// card logon, any purpose.
const AUTHENTICATION_EKUS: &[&str] = &[
    "1.3.6.1.5.5.7.3.2",
    "1.3.6.1.5.2.3.4",
    "1.3.6.1.4.1.311.20.2.2",
    "2.5.29.37.0",
];

fn principal_names(principals: &[Principal], low_only: bool) -> Value {
    let names: Vec<&str> = principals
        .iter()
        .filter(|p| !low_only || p.low_privileged)
        .map(|p| {
            if p.name.is_empty() {
                p.sid.as_str()
            } else {
                p.name.as_str()
            }
        })
        .collect();
    strings(&names)
}

fn template_view(t: &CertificateTemplate) -> Value {
    let has = |list: &[String], item: &str| list.iter().any(|x| x == item);
    let any_purpose = t.ekus.is_empty() || has(&t.ekus, "2.5.29.37.0");
    map(vec![
        ("name", string(&t.name)),
        ("schema_version", int(t.schema_version)),
        ("name_flags", strings(&t.name_flags)),
        ("enrollment_flags", strings(&t.enrollment_flags)),
        ("private_key_flags", strings(&t.private_key_flags)),
        ("ekus", strings(&t.ekus)),
        (
            "authentication_eku",
            Value::Bool(
                t.ekus.is_empty()
                    || t.ekus
                        .iter()
                        .any(|e| AUTHENTICATION_EKUS.contains(&e.as_str())),
            ),
        ),
        ("any_purpose", Value::Bool(any_purpose)),
        (
            "server_auth_eku",
            Value::Bool(any_purpose || has(&t.ekus, "1.3.6.1.5.5.7.3.1")),
        ),
        (
            "request_agent",
            Value::Bool(has(&t.ekus, "1.3.6.1.4.1.311.20.2.1")),
        ),
        (
            "enrollee_supplies_subject",
            Value::Bool(has(&t.name_flags, "ENROLLEE_SUPPLIES_SUBJECT")),
        ),
        (
            "manager_approval",
            Value::Bool(has(&t.enrollment_flags, "PEND_ALL_REQUESTS")),
        ),
        (
            "no_security_extension",
            Value::Bool(has(&t.enrollment_flags, "NO_SECURITY_EXTENSION")),
        ),
        ("ra_signatures", int(t.ra_signatures)),
        ("minimal_key_size", int(t.minimal_key_size)),
        (
            "validity_days",
            Value::Float(t.validity_days.unwrap_or(-1.0)),
        ),
        ("issuance_policies", strings(&t.issuance_policies)),
        ("issuance_policy_groups", strings(&t.issuance_policy_groups)),
        (
            "enroll_principals",
            principal_names(&t.enroll_principals, false),
        ),
        (
            "low_privileged_enroll",
            principal_names(&t.enroll_principals, true),
        ),
        (
            "write_principals",
            principal_names(&t.write_principals, false),
        ),
        (
            "low_privileged_write",
            principal_names(&t.write_principals, true),
        ),
        ("published", Value::Bool(!t.published_by.is_empty())),
        ("published_by", strings(&t.published_by)),
    ])
}

/// What each field of `object` holds.
pub const FIELD_DOCS: &[FieldDoc] = &[
    fd("dn", "distinguished name"),
    fd("kind", "certification_authority, crl_distribution_point, pki_user, certificate_template, enrollment_service, ntauth, aia, oid or other"),
    fd("object_classes", "objectClass values"),
    fd("attributes", "map from lowercased attribute name to its values as text"),
    fd("certificates", "fingerprints of the certificates in its attributes"),
    fd("crls", "fingerprints of the CRLs in its attributes"),
    fd("ca_in_ntauth", "an enrollment service's CA certificate is in NTAuthCertificates"),
    fd("ca_in_aia", "an enrollment service's CA certificate is in the AIA container"),
    fd("is_template", "an AD CS certificate template"),
    fd("template", "the template's settings (empty values when not a template)"),
    fd("template.name", "template name"),
    fd("template.schema_version", "msPKI-Template-Schema-Version"),
    fd("template.name_flags", "msPKI-Certificate-Name-Flag names"),
    fd("template.enrollment_flags", "msPKI-Enrollment-Flag names"),
    fd("template.private_key_flags", "msPKI-Private-Key-Flag names"),
    fd("template.ekus", "pKIExtendedKeyUsage OIDs"),
    fd("template.authentication_eku", "an EKU that authenticates to AD (client auth, PKINIT, smart card logon, any purpose) or none"),
    fd("template.any_purpose", "no EKU or the any-purpose EKU"),
    fd("template.server_auth_eku", "the Server Authentication EKU, any purpose, or no EKU"),
    fd("template.request_agent", "the certificate request agent EKU"),
    fd("template.enrollee_supplies_subject", "ENROLLEE_SUPPLIES_SUBJECT is set"),
    fd("template.manager_approval", "PEND_ALL_REQUESTS is set"),
    fd("template.no_security_extension", "NO_SECURITY_EXTENSION is set"),
    fd("template.ra_signatures", "msPKI-RA-Signature: authorised signatures required"),
    fd("template.minimal_key_size", "msPKI-Minimal-Key-Size"),
    fd("template.validity_days", "pKIExpirationPeriod in days (-1 when unknown)"),
    fd("template.issuance_policies", "msPKI-Certificate-Policy OIDs"),
    fd("template.issuance_policy_groups", "groups linked to those policies (msDS-OIDToGroupLink)"),
    fd("template.enroll_principals", "principals that may enroll (names, or SIDs)"),
    fd("template.low_privileged_enroll", "of those, the low-privileged ones"),
    fd("template.write_principals", "principals that may modify the template"),
    fd("template.low_privileged_write", "of those, the low-privileged ones"),
    fd("template.published", "an enrollment service publishes it"),
    fd("template.published_by", "the enrollment services that publish it"),
];

/// A directory object view.
pub fn directory_object(o: &DirectoryObject) -> Value {
    let attributes: HashMap<String, Value> = o
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), strings(v)))
        .collect();
    map(vec![
        ("dn", string(&o.dn)),
        ("kind", string(&o.kind)),
        ("object_classes", strings(&o.object_classes)),
        ("attributes", Value::from(attributes)),
        ("certificates", strings(&o.certificates)),
        ("crls", strings(&o.crls)),
        (
            "ca_in_ntauth",
            Value::Bool(
                o.attributes
                    .get("ca_in_ntauth")
                    .is_some_and(|v| v.first().is_some_and(|x| x == "true")),
            ),
        ),
        (
            "ca_in_aia",
            Value::Bool(
                o.attributes
                    .get("ca_in_aia")
                    .is_some_and(|v| v.first().is_some_and(|x| x == "true")),
            ),
        ),
        ("is_template", Value::Bool(o.template.is_some())),
        (
            "template",
            o.template.as_ref().map_or_else(
                || template_view(&CertificateTemplate::default()),
                template_view,
            ),
        ),
    ])
}
