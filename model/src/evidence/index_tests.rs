//! Adding and merging records never rebuilds the fingerprint index: each
//! add is O(1) amortised, so collecting N certificates is linear (it was
//! quadratic: 100,000 certificates took 723 s).

use std::cell::Cell;

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

fn provenance(source: &str) -> serde_json::Value {
    serde_json::json!({
        "collector": "files",
        "source": source,
        "method": "test",
        "collected_at": "2023-11-14T22:13:20Z",
    })
}

fn signature() -> serde_json::Value {
    serde_json::json!({
        "name": "ecdsa-with-SHA256",
        "oid": "1.2.840.10045.4.3.2",
        "hash": "sha256",
        "key_algorithm": "ec",
    })
}

/// Certificate `n` seen at `source`: only what the index reads is set,
/// serde's defaults fill the rest.
fn certificate(n: u32, source: &str) -> Certificate {
    serde_json::from_value(serde_json::json!({
        "fingerprint_sha256": digest(n, 0xc0).to_string(),
        "spki_sha256": digest(n, 0x5b).to_string(),
        "version": 3,
        "serial": n.to_string(),
        "serial_bits": 32,
        "serial_octets": 4,
        "subject": format!("CN=host{n}.example.test"),
        "issuer": "CN=Example CA",
        "not_before": "2023-11-14T22:13:20Z",
        "not_after": "2024-02-12T22:13:20Z",
        "validity_days": 90.0,
        "key": {
            "algorithm": "ec",
            "oid": "1.2.840.10045.2.1",
            "bits": 256,
            "quantum_vulnerable": true,
        },
        "signature": signature(),
        "has_san": false, "has_aia": false, "has_cdp": false, "sct_count": 0,
        "self_issued": false, "self_signed": false, "extensions": [], "der_base64": "",
        "observations": [provenance(source)],
    }))
    .unwrap()
}

/// CRL `n` seen at `source`, likewise.
fn crl(n: u32, source: &str) -> Crl {
    serde_json::from_value(serde_json::json!({
        "fingerprint_sha256": digest(n, 0xc1).to_string(),
        "issuer": "CN=Example CA",
        "version": 2,
        "crl_number": n.to_string(),
        "is_delta": false,
        "this_update": "2023-11-14T22:13:20Z",
        "signature": signature(),
        "entry_count": 0,
        "entries_complete": true,
        "size_bytes": 100,
        "observations": [provenance(source)],
    }))
    .unwrap()
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
