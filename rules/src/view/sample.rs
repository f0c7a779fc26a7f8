//! A neutral record of each kind with every field present.

use std::collections::BTreeMap;

use pkimm_model::evidence::*;

use super::{
    bundle, certificate, chain, crl, directory_object, inventory_record, ocsp_check, tls_endpoint,
};
use crate::context::{BundleIndex, CertificateFacts, InventoryFacts, KeyFacts};
use crate::expr::{self, map, Value};
use crate::EvidenceKind;

fn at(seconds: i64) -> UtcTime {
    UtcTime::from_unix(seconds).unwrap_or_else(UtcTime::now)
}

fn sample_provenance(now: i64) -> Provenance {
    Provenance {
        collector: "test".into(),
        source: "sample".into(),
        method: "sample".into(),
        collected_at: at(now),
        agent: None,
    }
}

/// The sample certificate behind [`sample`]'s certificate view.
pub(crate) fn sample_certificate(now: i64) -> Certificate {
    let t = at;
    let provenance = sample_provenance(now);
    Certificate {
        fingerprint_sha256: Sha256Hex::from_digest(&[0; 32]),
        spki_sha256: Sha256Hex::from_digest(&[0x11; 32]),
        version: 3,
        serial: "4a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
        serial_bits: 127,
        serial_octets: 16,
        serial_negative: false,
        subject: "CN=www.example.test, O=Example".into(),
        subject_cn: thin_vec!["www.example.test".into()],
        issuer: "CN=Example Issuing CA, O=Example".into(),
        not_before: t(now - 30 * 86_400),
        not_after: t(now + 60 * 86_400),
        validity_days: 90.0,
        key: std::sync::Arc::new(PublicKeyInfo {
            algorithm: KeyAlgorithm::Ec,
            oid: "1.2.840.10045.2.1".into(),
            bits: 256,
            curve: Some("P-256".into()),
            rsa_exponent: None,
            quantum_vulnerable: true,
        }),
        signature: std::sync::Arc::new(SignatureInfo {
            name: "ecdsa-with-SHA256".into(),
            oid: "1.2.840.10045.4.3.2".into(),
            hash: "sha256".into(),
            key_algorithm: "ec".into(),
        }),
        san: SubjectAltNames {
            dns: thin_vec!["www.example.test".into()],
            ..SubjectAltNames::default()
        },
        has_san: true,
        key_usage: Some(thin_vec!["digitalSignature".into()]),
        extended_key_usage: Some(thin_vec!["serverAuth".into()]),
        basic_constraints: Some(BasicConstraints {
            ca: false,
            path_len: None,
            critical: true,
        }),
        policies: thin_vec!["2.23.140.1.2.1".into()],
        ocsp_urls: thin_vec![
            "http://ocsp.example.test".into(),
            "http://ocsp2.example.test".into(),
        ],
        ca_issuer_urls: thin_vec!["http://pki.example.test/ca.crt".into()],
        has_aia: true,
        crl_urls: thin_vec![
            "http://pki.example.test/ca.crl".into(),
            "ldap://pki.example.test/ca".into(),
        ],
        has_cdp: true,
        sct_count: 2,
        name_constraints: None,
        subject_key_id: Some("aa".into()),
        authority_key_id: Some("bb".into()),
        self_issued: false,
        self_signed: false,
        extensions: ThinVec::new(),
        parse_warnings: ThinVec::new(),
        defects: Default::default(),
        der: Default::default(),
        observations: thin_vec![provenance],
    }
}

/// The bundle facts behind [`sample`]'s certificate view.
pub(crate) fn sample_certificate_facts() -> CertificateFacts {
    CertificateFacts {
        spki_shared_count: 1,
        key_hosts: 1,
        issuer_in_bundle: true,
        chain_to_root: true,
        ..CertificateFacts::default()
    }
}

/// A neutral record of each kind, with every field: the base that rule test
/// cases override, and the shape load-time checks evaluate expressions against.
pub fn sample(kind: EvidenceKind, now: i64) -> Value {
    use crate::EvidenceKind as K;
    let t = at;
    let provenance = sample_provenance(now);
    match kind {
        K::Certificate => certificate(
            &sample_certificate(now),
            &sample_certificate_facts(),
            now,
        ),
        K::Crl => {
            let c = Crl {
                fingerprint_sha256: Sha256Hex::from_digest(&[0x22; 32]),
                issuer: "CN=Example Issuing CA, O=Example".into(),
                version: 2,
                crl_number: Some("10".into()),
                delta_base: None,
                is_delta: false,
                freshest_crl_urls: Vec::new(),
                issuing_distribution_point: None,
                authority_key_id: Some("bb".into()),
                this_update: t(now - 3600),
                next_update: Some(t(now + 6 * 86_400)),
                signature: SignatureInfo {
                    name: "ecdsa-with-SHA256".into(),
                    oid: "1.2.840.10045.4.3.2".into(),
                    hash: "sha256".into(),
                    key_algorithm: "ec".into(),
                },
                signature_valid: Some(true),
                verified_with: None,
                entry_count: 0,
                reasons: BTreeMap::new(),
                entries: Vec::new(),
                entries_complete: true,
                size_bytes: 1000,
                fetch_ms: Some(20),
                http: None,
                idp_matches_url: Some(true),
                previous_crl_number: None,
                parse_warnings: Vec::new(),
                defects: Default::default(),
                der: None,
                observations: Vec::new(),
            };
            let index = BundleIndex::new(&EvidenceBundle::new("sample"));
            let mut view = crl(&c, &index, now);
            view = expr::merge(&view, &map(vec![("issuer_in_bundle", Value::Bool(true))]));
            view
        }
        K::TlsEndpoint => tls_endpoint(&TlsEndpoint {
            target: "www.example.test:443".into(),
            sni: Some("www.example.test".into()),
            ip: Some("192.0.2.10".into()),
            resolved: vec!["192.0.2.10".into()],
            port: 443,
            starttls: None,
            versions: vec!["TLSv1.3".into(), "TLSv1.2".into()],
            negotiated: vec![NegotiatedCipher {
                version: "TLSv1.3".into(),
                cipher: "TLS_AES_128_GCM_SHA256".into(),
            }],
            accepted_ciphers: vec!["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into()],
            suites: vec![
                VersionSuites {
                    version: "TLSv1.3".into(),
                    suites: vec!["TLS_AES_128_GCM_SHA256".into()],
                    server_order: None,
                },
                VersionSuites {
                    version: "TLSv1.2".into(),
                    suites: vec!["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into()],
                    server_order: None,
                },
            ],
            groups: vec!["X25519MLKEM768".into(), "x25519".into(), "secp256r1".into()],
            preferred_group: Some("X25519MLKEM768".into()),
            groups_server_order: Some(true),
            dh_bits: None,
            client_auth: None,
            secure_renegotiation: Some(true),
            extended_master_secret: Some(true),
            fallback_scsv: Some(true),
            leaf_must_staple: false,
            discovery: false,
            connections: 12,
            alpn: Some("h2".into()),
            ocsp_stapled: true,
            ocsp_staple_status: Some("good".into()),
            ocsp_staple_next_update: Some(t(now + 86_400)),
            tls_sct_count: 0,
            leaf: Some("0".repeat(64)),
            handshake_ms: Some(12),
            errors: Vec::new(),
            notes: Vec::new(),
            provenance,
        }),
        K::OcspCheck => {
            let check = OcspCheck {
                certificate: "0".repeat(64),
                serial: "4a1b".into(),
                responder_url: "http://ocsp.example.test".into(),
                response_status: Some("successful".into()),
                cert_status: Some("good".into()),
                revocation_reason: None,
                produced_at: Some(t(now - 600)),
                this_update: Some(t(now - 600)),
                next_update: Some(t(now + 86_400)),
                responder_authorisation: Some("delegated".into()),
                responder_nocheck: Some(true),
                signature_valid: Some(true),
                nonce_sent: true,
                nonce_echoed: Some(true),
                latency_ms: Some(40),
                errors: Vec::new(),
                provenance,
            };
            let empty = EvidenceBundle::new("sample");
            ocsp_check(&check, &BundleIndex::new(&empty), &empty, now)
        }
        K::InventoryRecord => inventory_record(
            &InventoryRecord {
                serial: "4a1b".into(),
                issuer: Some("CN=Example Issuing CA, O=Example".into()),
                fingerprint_sha256: None,
                subject: Some("www.example.test".into()),
                not_after: Some(t(now + 60 * 86_400)),
                status: Some("issued".into()),
                owner: Some("web".into()),
                extra: BTreeMap::new(),
                provenance,
            },
            &InventoryFacts {
                discovered: true,
                deployed: true,
            },
            now,
        ),
        K::DirectoryObject => directory_object(&DirectoryObject {
            acl: None,
            dn: "CN=Example,CN=Certificate Templates,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test".into(),
            object_classes: vec!["top".into(), "pKICertificateTemplate".into()],
            kind: "certificate_template".into(),
            attributes: BTreeMap::new(),
            certificates: Vec::new(),
            crls: Vec::new(),
            template: Some(CertificateTemplate {
                name: "Example".into(),
                schema_version: 2,
                ekus: vec!["1.3.6.1.5.5.7.3.1".into()],
                minimal_key_size: 2048,
                validity_days: Some(365.0),
                enroll_principals: vec![Principal {
                    sid: "S-1-5-21-1-2-3-512".into(),
                    name: "Domain Admins".into(),
                    low_privileged: false,
                    via: None,
                }],
                published_by: vec!["Example CA".into()],
                ..Default::default()
            }),
            provenance,
        }),
        K::Chain => chain(&Chain {
            certificates: vec!["0".repeat(64), "3".repeat(64)],
            ordered: true,
            complete: true,
            validation: ChainValidation {
                valid: true,
                reason: String::new(),
                trust_store: "system".into(),
            },
            provenance,
        }),
        K::Token => super::token(&sample_token(provenance), &[]),
        K::Key => super::key(&sample_key(provenance), &KeyFacts::default(), now),
        K::EnrolmentEndpoint => super::enrolment_endpoint(&sample_enrolment(provenance)),
        K::Bundle => bundle(&EvidenceBundle::new("sample"), now),
    }
}

/// A SCEP endpoint with every modern capability.
fn sample_enrolment(provenance: Provenance) -> EnrolmentEndpoint {
    EnrolmentEndpoint {
        url: "https://ca.example.test/scep".into(),
        protocol: EnrolmentProtocol::Scep,
        ca_certificates: vec!["3".repeat(64)],
        tls: Some(EnrolmentTls {
            endpoint: "ca.example.test:443".into(),
            versions: vec!["TLSv1.3".into(), "TLSv1.2".into()],
            chain_valid: Some(true),
            failure: None,
        }),
        acme: None,
        scep: Some(ScepCapabilities {
            capabilities: [
                "POSTPKIOperation",
                "SHA-256",
                "AES",
                "Renewal",
                "SCEPStandard",
            ]
            .map(String::from)
            .to_vec(),
            ca_cert_type: Some("application/x-x509-ca-ra-cert".into()),
        }),
        cmp: None,
        est: None,
        errors: Vec::new(),
        provenance,
    }
}

/// A well-kept hardware token.
fn sample_token(provenance: Provenance) -> CryptoToken {
    CryptoToken {
        library: Pkcs11Library {
            path: "/usr/lib/hsm.so".into(),
            manufacturer: "Example".into(),
            description: "Example HSM".into(),
            cryptoki_version: "3.0".into(),
            library_version: "1.0".into(),
        },
        slot_id: 0,
        slot_description: "slot 0".into(),
        slot_manufacturer: "Example".into(),
        hardware_slot: true,
        label: "ca-keys".into(),
        manufacturer: "Example".into(),
        model: "HSM".into(),
        serial_number: "0001".into(),
        hardware_version: "1.0".into(),
        firmware_version: "1.0".into(),
        login_required: true,
        protected_authentication_path: false,
        token_initialized: true,
        user_pin_initialized: true,
        write_protected: false,
        rng: true,
        mechanisms: vec!["CKM_RSA_PKCS".into()],
        logged_in: true,
        objects_seen: 2,
        provenance,
    }
}

/// A private key generated on the token, never extractable.
fn sample_key(provenance: Provenance) -> TokenKey {
    TokenKey {
        token_serial: "0001".into(),
        token_label: "ca-keys".into(),
        class: KeyClass::Private,
        key_type: "rsa".into(),
        bits: Some(3072),
        curve: None,
        label: "ca".into(),
        id: "01".into(),
        sensitive: Some(true),
        extractable: Some(false),
        never_extractable: Some(true),
        always_sensitive: Some(true),
        local: Some(true),
        modifiable: Some(false),
        start_date: None,
        end_date: None,
        allowed_mechanisms: Vec::new(),
        spki_sha256: Some("4".repeat(64)),
        provenance,
    }
}
