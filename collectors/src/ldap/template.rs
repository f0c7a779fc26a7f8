//! AD CS certificate templates (`pKICertificateTemplate`): flags decoded into
//! names, validity, EKUs and the security descriptor's enroll and write rights.
//! Integer attributes above 0x7FFFFFFF arrive as negative numbers; they are
//! read as 32-bit two's complement.

use std::collections::HashMap;

use pkimm_model::evidence::CertificateTemplate;

use super::sd;

/// msPKI-Certificate-Name-Flag.
pub const NAME_FLAGS: &[(u32, &str)] = &[
    (0x0000_0001, "ENROLLEE_SUPPLIES_SUBJECT"),
    (0x0000_0008, "OLD_CERT_SUPPLIES_SUBJECT_AND_ALT_NAME"),
    (0x0001_0000, "ENROLLEE_SUPPLIES_SUBJECT_ALT_NAME"),
    (0x0040_0000, "SUBJECT_ALT_REQUIRE_DOMAIN_DNS"),
    (0x0080_0000, "SUBJECT_ALT_REQUIRE_SPN"),
    (0x0100_0000, "SUBJECT_ALT_REQUIRE_DIRECTORY_GUID"),
    (0x0200_0000, "SUBJECT_ALT_REQUIRE_UPN"),
    (0x0400_0000, "SUBJECT_ALT_REQUIRE_EMAIL"),
    (0x0800_0000, "SUBJECT_ALT_REQUIRE_DNS"),
    (0x1000_0000, "SUBJECT_REQUIRE_DNS_AS_CN"),
    (0x2000_0000, "SUBJECT_REQUIRE_EMAIL"),
    (0x4000_0000, "SUBJECT_REQUIRE_COMMON_NAME"),
    (0x8000_0000, "SUBJECT_REQUIRE_DIRECTORY_PATH"),
];

/// msPKI-Enrollment-Flag.
pub const ENROLLMENT_FLAGS: &[(u32, &str)] = &[
    (0x0000_0001, "INCLUDE_SYMMETRIC_ALGORITHMS"),
    (0x0000_0002, "PEND_ALL_REQUESTS"),
    (0x0000_0004, "PUBLISH_TO_KRA_CONTAINER"),
    (0x0000_0008, "PUBLISH_TO_DS"),
    (0x0000_0010, "AUTO_ENROLLMENT_CHECK_USER_DS_CERTIFICATE"),
    (0x0000_0020, "AUTO_ENROLLMENT"),
    (0x0000_0040, "PREVIOUS_APPROVAL_VALIDATE_REENROLLMENT"),
    (0x0000_0100, "USER_INTERACTION_REQUIRED"),
    (
        0x0000_0400,
        "REMOVE_INVALID_CERTIFICATE_FROM_PERSONAL_STORE",
    ),
    (0x0000_0800, "ALLOW_ENROLL_ON_BEHALF_OF"),
    (0x0000_1000, "ADD_OCSP_NOCHECK"),
    (
        0x0000_2000,
        "ENABLE_KEY_REUSE_ON_NT_TOKEN_KEYSET_STORAGE_FULL",
    ),
    (0x0000_4000, "NOREVOCATIONINFOINISSUEDCERTS"),
    (0x0000_8000, "INCLUDE_BASIC_CONSTRAINTS_FOR_EE_CERTS"),
    (
        0x0001_0000,
        "ALLOW_PREVIOUS_APPROVAL_KEYBASEDRENEWAL_VALIDATE_REENROLLMENT",
    ),
    (0x0002_0000, "ISSUANCE_POLICIES_FROM_REQUEST"),
    (0x0004_0000, "SKIP_AUTO_RENEWAL"),
    (0x0008_0000, "NO_SECURITY_EXTENSION"),
];

/// msPKI-Private-Key-Flag.
pub const PRIVATE_KEY_FLAGS: &[(u32, &str)] = &[
    (0x0000_0001, "REQUIRE_PRIVATE_KEY_ARCHIVAL"),
    (0x0000_0010, "EXPORTABLE_KEY"),
    (0x0000_0020, "STRONG_KEY_PROTECTION_REQUIRED"),
    (0x0000_0040, "REQUIRE_ALTERNATE_SIGNATURE_ALGORITHM"),
    (0x0000_0080, "REQUIRE_SAME_KEY_RENEWAL"),
    (0x0000_0100, "USE_LEGACY_PROVIDER"),
    (0x0000_0200, "EK_TRUST_ON_USE"),
    (0x0000_0400, "EK_VALIDATE_CERT"),
    (0x0000_0800, "EK_VALIDATE_KEY"),
    (0x0000_1000, "ATTEST_PREFERRED"),
    (0x0000_2000, "ATTEST_REQUIRED"),
    (0x0000_4000, "ATTESTATION_WITHOUT_POLICY"),
    (0x0100_0000, "HELLO_LOGON_KEY"),
];

/// Decodes a flag word into names; unknown bits become `0x…`.
pub fn decode_flags(value: u32, table: &[(u32, &str)]) -> Vec<String> {
    let mut names: Vec<String> = table
        .iter()
        .filter(|(bit, _)| value & bit != 0)
        .map(|(_, name)| (*name).to_string())
        .collect();
    let known = table.iter().fold(0, |acc, (bit, _)| acc | bit);
    if value & !known != 0 {
        names.push(format!("0x{:08X}", value & !known));
    }
    names
}

/// Reads an LDAP integer (decimal text, possibly negative) as 32 bits.
pub fn ldap_u32(text: &str) -> Option<u32> {
    let n: i64 = text.trim().parse().ok()?;
    Some(n as u32)
}

/// pKIExpirationPeriod (a negative FILETIME interval, little-endian) in days.
pub fn filetime_period_days(bytes: &[u8]) -> Option<f64> {
    let raw: [u8; 8] = bytes.try_into().ok()?;
    let interval = i64::from_le_bytes(raw);
    Some((interval.unsigned_abs() as f64) / 10_000_000.0 / 86_400.0)
}

/// Every value of attribute `key` as text (lossy UTF-8).
pub(super) fn texts_of(attrs: &HashMap<String, Vec<Vec<u8>>>, key: &str) -> Vec<String> {
    attrs
        .get(key)
        .map(|v| {
            v.iter()
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the template from an entry's attributes (names lowercased; values
/// as bytes).
pub fn decode(name: &str, attrs: &HashMap<String, Vec<Vec<u8>>>) -> CertificateTemplate {
    let text = |key: &str| {
        attrs
            .get(key)
            .and_then(|v| v.first())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let texts = |key: &str| texts_of(attrs, key);
    let number = |key: &str| text(key).and_then(|t| ldap_u32(&t)).unwrap_or(0);
    let mut template = CertificateTemplate {
        name: name.to_string(),
        schema_version: number("mspki-template-schema-version"),
        name_flags: decode_flags(number("mspki-certificate-name-flag"), NAME_FLAGS),
        enrollment_flags: decode_flags(number("mspki-enrollment-flag"), ENROLLMENT_FLAGS),
        private_key_flags: decode_flags(number("mspki-private-key-flag"), PRIVATE_KEY_FLAGS),
        ekus: texts("pkiextendedkeyusage"),
        ra_signatures: number("mspki-ra-signature"),
        ra_application_policies: texts("mspki-ra-application-policies"),
        minimal_key_size: number("mspki-minimal-key-size"),
        validity_days: attrs
            .get("pkiexpirationperiod")
            .and_then(|v| v.first())
            .and_then(|v| filetime_period_days(v)),
        issuance_policies: texts("mspki-certificate-policy"),
        ..CertificateTemplate::default()
    };
    match attrs.get("ntsecuritydescriptor").and_then(|v| v.first()) {
        Some(bytes) => match sd::parse(bytes) {
            Ok(descriptor) => {
                template.owner = descriptor.owner.as_deref().map(sd::principal);
                template.enroll_principals = descriptor
                    .enrollers()
                    .iter()
                    .map(|s| sd::principal(s))
                    .collect();
                template.write_principals = descriptor
                    .writers()
                    .iter()
                    .map(|s| sd::principal(s))
                    .collect();
            }
            Err(e) => template.warnings.push(format!("nTSecurityDescriptor: {e}")),
        },
        None => template
            .warnings
            .push("no nTSecurityDescriptor readable: enrollment rights unknown".to_string()),
    }
    template
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_negative_integers() {
        assert_eq!(ldap_u32("-2147483648"), Some(0x8000_0000));
        assert_eq!(
            decode_flags(ldap_u32("-2113929216").unwrap(), NAME_FLAGS),
            ["SUBJECT_ALT_REQUIRE_UPN", "SUBJECT_REQUIRE_DIRECTORY_PATH"]
        );
        assert_eq!(
            decode_flags(0x2 | 0x1000_0000, ENROLLMENT_FLAGS)
                .last()
                .unwrap(),
            "0x10000000"
        );
    }

    #[test]
    fn validity_period() {
        // One year: -365 days in 100 ns units.
        let period = -(365i64 * 86_400 * 10_000_000);
        assert_eq!(filetime_period_days(&period.to_le_bytes()), Some(365.0));
        assert_eq!(filetime_period_days(&[1, 2]), None);
    }
}
