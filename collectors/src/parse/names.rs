//! Distinguished names as evidence text, without a formatter round trip.
//!
//! The text is exactly x509-parser's `X509Name` display form (`C=US, O=Example,
//! CN=host`; multi-valued RDNs joined with ` + `), which bundles have always
//! carried. Names made only of the common attribute types in string form — in
//! practice nearly all of them — are written directly; anything else falls
//! back to x509-parser's own formatter so the output never differs.

use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::oid_registry::{
    OID_DOMAIN_COMPONENT, OID_PKCS9_EMAIL_ADDRESS, OID_X509_COMMON_NAME, OID_X509_COUNTRY_NAME,
    OID_X509_LOCALITY_NAME, OID_X509_ORGANIZATIONAL_UNIT, OID_X509_ORGANIZATION_NAME,
    OID_X509_STATE_OR_PROVINCE_NAME,
};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// A name's display text and, for subjects, its common names.
pub(crate) struct NameText {
    /// The RFC 4514-style text.
    pub text: String,
    /// Common names that are plain strings, in order.
    pub common_names: Vec<String>,
}

/// Renders `name`; `common_names` is filled only when `want_common_names`.
pub(crate) fn name_text(name: &X509Name<'_>, want_common_names: bool) -> NameText {
    let mut out = NameText {
        text: String::with_capacity(name.as_raw().len()),
        common_names: Vec::new(),
    };
    if !write_fast(name, want_common_names, &mut out) {
        out.text = name.to_string();
        out.common_names = if want_common_names {
            name.iter_common_name()
                .filter_map(|cn| cn.as_str().ok().map(str::to_string))
                .collect()
        } else {
            Vec::new()
        };
    }
    out
}

/// Writes the common case; false when the name needs the general formatter.
fn write_fast(name: &X509Name<'_>, want_common_names: bool, out: &mut NameText) -> bool {
    for (rdn_index, rdn) in name.iter().enumerate() {
        if rdn_index > 0 {
            out.text.push_str(", ");
        }
        for (attr_index, attr) in rdn.iter().enumerate() {
            let Some(abbreviation) = abbreviation(attr) else {
                return false;
            };
            let Some(value) = plain_string(attr) else {
                return false;
            };
            if attr_index > 0 {
                out.text.push_str(" + ");
            }
            out.text.push_str(abbreviation);
            out.text.push('=');
            out.text.push_str(value);
            if want_common_names && abbreviation == "CN" && attr.as_str().is_ok() {
                out.common_names.push(value.to_string());
            }
        }
    }
    true
}

/// x509-parser's abbreviations, which take precedence over registry names.
fn abbreviation(attr: &AttributeTypeAndValue<'_>) -> Option<&'static str> {
    let oid = attr.attr_type();
    [
        (&OID_X509_COMMON_NAME, "CN"),
        (&OID_X509_COUNTRY_NAME, "C"),
        (&OID_X509_LOCALITY_NAME, "L"),
        (&OID_X509_STATE_OR_PROVINCE_NAME, "ST"),
        (&OID_X509_ORGANIZATION_NAME, "O"),
        (&OID_X509_ORGANIZATIONAL_UNIT, "OU"),
        (&OID_DOMAIN_COMPONENT, "DC"),
        (&OID_PKCS9_EMAIL_ADDRESS, "Email"),
    ]
    .into_iter()
    .find(|(known, _)| known.as_bytes() == oid.as_bytes())
    .map(|(_, abbreviation)| abbreviation)
}

/// The value when it is one of the string types x509-parser prints verbatim.
fn plain_string<'a>(attr: &AttributeTypeAndValue<'a>) -> Option<&'a str> {
    let value = attr.attr_value();
    match value.tag() {
        Tag::NumericString
        | Tag::VisibleString
        | Tag::PrintableString
        | Tag::GeneralString
        | Tag::ObjectDescriptor
        | Tag::GraphicString
        | Tag::T61String
        | Tag::VideotexString
        | Tag::Utf8String
        | Tag::Ia5String => std::str::from_utf8(value.data).ok(),
        _ => None,
    }
}

/// The text of a DER-encoded X.501 Name received on the wire (a TLS
/// CertificateRequest's acceptable CA names); hex when it does not parse.
pub fn der_name_text(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    match X509Name::from_der(der) {
        Ok(([], name)) => name_text(&name, false).text,
        _ => format!("unparsable name {}", hex::encode(der)),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use x509_parser::prelude::FromDer;

    use super::*;

    fn assert_same_as_x509_parser(der: &[u8]) {
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).unwrap();
        for name in [cert.subject(), cert.issuer()] {
            let ours = name_text(name, true);
            assert_eq!(ours.text, name.to_string());
            let expected: Vec<String> = name
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok().map(str::to_string))
                .collect();
            assert_eq!(ours.common_names, expected);
        }
    }

    #[test]
    fn fixture_names_match_x509_parser_display() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pki");
        let mut seen = 0;
        for dir in ["ca", "leaf"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().and_then(|e| e.to_str()) != Some("pem") {
                    continue;
                }
                let pem = std::fs::read(&path).unwrap();
                for block in x509_parser::pem::Pem::iter_from_buffer(&pem) {
                    assert_same_as_x509_parser(&block.unwrap().contents);
                    seen += 1;
                }
            }
        }
        assert!(seen > 10, "only {seen} fixture certificates");
    }

    #[test]
    fn unusual_attributes_fall_back_to_x509_parser() {
        let mut params = rcgen::CertificateParams::new(vec!["a.example".into()]).unwrap();
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CommonName, "host + one");
        dn.push(
            rcgen::DnType::OrganizationName,
            rcgen::DnValue::BmpString("Örg".try_into().unwrap()),
        );
        dn.push(rcgen::DnType::CustomDnType(vec![2, 5, 4, 5]), "SN-42");
        params.distinguished_name = dn;
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        assert_same_as_x509_parser(cert.der());
    }
}
