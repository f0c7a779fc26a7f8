//! Adding and merging records never rebuilds the fingerprint index: each
//! add is O(1) amortised, so collecting N certificates is linear (it was
//! quadratic: 100,000 certificates took 723 s).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;

thread_local! {
    /// How often this thread rebuilt an index from scratch.
    pub(super) static REBUILDS: Cell<usize> = const { Cell::new(0) };
}

fn rebuilds() -> usize {
    REBUILDS.with(Cell::get)
}

fn digest(n: u32, kind: u8) -> Sha256Hex {
    let mut bytes = [kind; 32];
    bytes[..4].copy_from_slice(&n.to_be_bytes());
    Sha256Hex::from_digest(&bytes)
}

fn provenance(source: &str) -> Provenance {
    Provenance {
        collector: "files".into(),
        source: source.into(),
        method: "test".into(),
        collected_at: UtcTime::from_unix(1_700_000_000).unwrap(),
        agent: None,
    }
}

fn signature() -> SignatureInfo {
    SignatureInfo {
        name: "ecdsa-with-SHA256".into(),
        oid: "1.2.840.10045.4.3.2".into(),
        hash: "sha256".into(),
        key_algorithm: "ec".into(),
    }
}

fn certificate(n: u32, source: &str) -> Certificate {
    let at = UtcTime::from_unix(1_700_000_000).unwrap();
    Certificate {
        fingerprint_sha256: digest(n, 0xc0),
        spki_sha256: digest(n, 0x5b),
        version: 3,
        serial: n.to_string().into(),
        serial_bits: 32,
        serial_octets: 4,
        serial_negative: false,
        subject: format_compact!("CN=host{n}.example.test"),
        subject_cn: ThinVec::new(),
        issuer: Arc::from("CN=Example CA"),
        not_before: at,
        not_after: at,
        validity_days: 90.0,
        key: Arc::new(PublicKeyInfo {
            algorithm: KeyAlgorithm::Ec,
            oid: "1.2.840.10045.2.1".into(),
            bits: 256,
            curve: Some("P-256".into()),
            rsa_exponent: None,
            quantum_vulnerable: true,
        }),
        signature: Arc::new(signature()),
        san: SubjectAltNames::default(),
        has_san: false,
        key_usage: None,
        extended_key_usage: None,
        basic_constraints: None,
        policies: ThinVec::new(),
        ocsp_urls: ThinVec::new(),
        ca_issuer_urls: ThinVec::new(),
        has_aia: false,
        crl_urls: ThinVec::new(),
        has_cdp: false,
        sct_count: 0,
        name_constraints: None,
        subject_key_id: None,
        authority_key_id: None,
        self_issued: false,
        self_signed: false,
        extensions: ThinVec::new(),
        parse_warnings: ThinVec::new(),
        defects: Defects::default(),
        der: Der::default(),
        observations: thin_vec![provenance(source)],
    }
}

fn crl(n: u32, source: &str) -> Crl {
    Crl {
        fingerprint_sha256: digest(n, 0xc1),
        issuer: "CN=Example CA".into(),
        version: 2,
        crl_number: Some(n.to_string()),
        delta_base: None,
        is_delta: false,
        freshest_crl_urls: Vec::new(),
        issuing_distribution_point: None,
        authority_key_id: None,
        this_update: UtcTime::from_unix(1_700_000_000).unwrap(),
        next_update: None,
        signature: signature(),
        signature_valid: None,
        verified_with: None,
        entry_count: 0,
        reasons: BTreeMap::new(),
        entries: Vec::new(),
        entries_complete: true,
        size_bytes: 100,
        fetch_ms: None,
        http: None,
        idp_matches_url: None,
        previous_crl_number: None,
        parse_warnings: Vec::new(),
        defects: Defects::default(),
        der: None,
        observations: vec![provenance(source)],
    }
}

#[test]
fn adding_one_at_a_time_never_rebuilds_the_index() {
    let before = rebuilds();
    let mut bundle = EvidenceBundle::new("test");
    for n in 0..5_000 {
        bundle.add_certificate(certificate(n, "a.pem"));
        bundle.add_crl(crl(n, "a.crl"));
        assert!(bundle.certificate(&digest(n / 2, 0xc0)).is_some());
    }
    // The same records again, from another file: merged, not appended.
    for n in 0..5_000 {
        bundle.add_certificate(certificate(n, "b.pem"));
        bundle.add_crl(crl(n, "b.crl"));
    }
    assert_eq!(rebuilds() - before, 0, "an add rebuilt the index");
    assert_eq!(bundle.certificates.len(), 5_000);
    assert_eq!(bundle.crls.len(), 5_000);
    assert!(bundle
        .certificates
        .iter()
        .all(|c| c.observations.len() == 2));
    assert!(bundle.crls.iter().all(|c| c.observations.len() == 2));
}

#[test]
fn merging_bundles_never_rebuilds_the_index() {
    let before = rebuilds();
    let mut merged = EvidenceBundle::new("test");
    for part in 0..10 {
        let mut other = EvidenceBundle::new("test");
        // Each part overlaps the previous one by half.
        other.add_certificates(
            (part * 500..part * 500 + 1_000)
                .map(|n| certificate(n, "part"))
                .collect(),
        );
        for n in part * 500..part * 500 + 1_000 {
            other.add_crl(crl(n, "part"));
        }
        merged.merge(other);
    }
    assert_eq!(rebuilds() - before, 0, "a merge rebuilt the index");
    assert_eq!(merged.certificates.len(), 5_500);
    assert_eq!(merged.crls.len(), 5_500);
}

#[test]
fn records_changed_behind_its_back_are_still_found() {
    let mut bundle = EvidenceBundle::new("test");
    for n in 0..10 {
        bundle.add_certificate(certificate(n, "a.pem"));
    }
    bundle.certificates.reverse();
    let before = rebuilds();
    bundle.add_certificate(certificate(3, "b.pem"));
    assert_eq!(rebuilds() - before, 1, "the stale index is rebuilt once");
    assert_eq!(bundle.certificates.len(), 10);
    let three = bundle.certificate(&digest(3, 0xc0)).unwrap();
    assert_eq!(three.observations.len(), 2);
}
