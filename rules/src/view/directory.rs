//! The directory object view: what rules see as `object`.

use std::collections::HashMap;

use pkimm_model::evidence::{CertificateTemplate, DirectoryObject, ObjectAcl, Principal};

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

/// Whether an `altSecurityIdentities` certificate mapping is strong (Microsoft
/// KB5014754): issuer and serial number, subject key identifier, or SHA-1 of
/// the public key. Issuer and subject, subject only and RFC 822 name are
/// weak. `None` for values that are not X.509 mappings (Kerberos names).
pub fn mapping_is_strong(mapping: &str) -> Option<bool> {
    let rest = mapping.trim().strip_prefix("X509:")?;
    let strong = rest.starts_with("<SKI>")
        || rest.starts_with("<SHA1-PUKEY>")
        || (rest.starts_with("<I>") && rest.contains("<SR>"));
    Some(strong)
}

fn acl_view(acl: Option<&ObjectAcl>) -> Value {
    let empty = ObjectAcl::default();
    let acl = acl.unwrap_or(&empty);
    let owner = acl.owner.as_ref().map_or(String::new(), |p| {
        if p.name.is_empty() {
            p.sid.clone()
        } else {
            p.name.clone()
        }
    });
    map(vec![
        (
            "read",
            Value::Bool(acl.owner.is_some() || !acl.write_principals.is_empty()),
        ),
        ("owner", string(&owner)),
        (
            "write_principals",
            principal_names(&acl.write_principals, false),
        ),
        (
            "low_privileged_write",
            principal_names(&acl.write_principals, true),
        ),
    ])
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
        (
            "agent_target",
            Value::Bool(
                t.schema_version == 1
                    || (t.ra_signatures == 1
                        && has(&t.ra_application_policies, "1.3.6.1.4.1.311.20.2.1")),
            ),
        ),
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
    fd("template.agent_target", "an enrollment agent can request it on behalf of others: schema version 1, or one RA signature with the Certificate Request Agent application policy"),
    fd("template.minimal_key_size", "msPKI-Minimal-Key-Size"),
    fd("template.validity_days", "pKIExpirationPeriod in days (-1 when unknown)"),
    fd("template.issuance_policies", "msPKI-Certificate-Policy OIDs"),
    fd("template.issuance_policy_groups", "groups linked to those policies (msDS-OIDToGroupLink)"),
    fd("template.enroll_principals", "principals that may enroll (names, or SIDs)"),
    fd("template.low_privileged_enroll", "of those, the low-privileged ones"),
    fd("template.write_principals", "principals that may modify the template"),
    fd("template.low_privileged_write", "of those, the low-privileged ones"),
    fd("template.published", "an enrollment service publishes it"),
    fd("acl", "who can change the object (not templates: see `template`)"),
    fd("acl.read", "its security descriptor was read"),
    fd("acl.owner", "the owner (name or SID; \"\" when unread)"),
    fd("acl.write_principals", "principals that can change it or create objects in it"),
    fd("acl.low_privileged_write", "of those, the low-privileged ones"),
    fd("mappings", "the X.509 certificate mappings of an `account` (altSecurityIdentities)"),
    fd("mappings.all", "every X.509 mapping"),
    fd("mappings.weak", "issuer+subject, subject-only and RFC 822 mappings (KB5014754: weak)"),
    fd("mappings.strong", "issuer+serial, SKI and SHA1-PUKEY mappings (strong)"),
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
        ("acl", acl_view(o.acl.as_ref())),
        ("mappings", mappings_view(o)),
        (
            "template",
            o.template.as_ref().map_or_else(
                || template_view(&CertificateTemplate::default()),
                template_view,
            ),
        ),
    ])
}

/// `object.mappings`.
fn mappings_view(o: &DirectoryObject) -> Value {
    let all: Vec<&str> = o
        .attributes
        .get("altsecurityidentities")
        .into_iter()
        .flatten()
        .map(String::as_str)
        .filter(|m| mapping_is_strong(m).is_some())
        .collect();
    let (strong, weak): (Vec<&str>, Vec<&str>) =
        all.iter().partition(|m| mapping_is_strong(m) == Some(true));
    map(vec![
        ("all", strings(&all)),
        ("weak", strings(&weak)),
        ("strong", strings(&strong)),
    ])
}

#[cfg(test)]
mod mapping_tests {
    use super::mapping_is_strong;

    #[test]
    fn kb5014754_mapping_strength() {
        for weak in [
            "X509:<I>DC=test,DC=corp,CN=corp-CA<S>CN=alice",
            "X509:<S>CN=alice",
            "X509:<RFC822>alice@corp.test",
        ] {
            assert_eq!(mapping_is_strong(weak), Some(false), "{weak}");
        }
        for strong in [
            "X509:<I>DC=test,DC=corp,CN=corp-CA<SR>0a1b2c",
            "X509:<SKI>0123456789abcdef",
            "X509:<SHA1-PUKEY>0123456789abcdef0123",
        ] {
            assert_eq!(mapping_is_strong(strong), Some(true), "{strong}");
        }
        assert_eq!(mapping_is_strong("Kerberos:alice@CORP.TEST"), None);
    }
}
