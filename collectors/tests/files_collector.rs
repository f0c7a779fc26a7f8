//! The files collector and parsers against the generated fixtures in
//! `fixtures/pki/` (see `fixtures/generate.sh`).

use std::path::{Path, PathBuf};

use pkimm_collectors::files::{collect_files, FilesOptions};
use pkimm_collectors::parse::ContainerOptions;
use pkimm_model::evidence::{Certificate, Crl, EvidenceBundle, FailureKind, KeyAlgorithm};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pki")
}

fn collect(path: &Path) -> EvidenceBundle {
    collect_files(&[path.to_path_buf()], &FilesOptions::default())
        .expect("fixtures are readable")
        .0
}

fn by_cn<'a>(bundle: &'a EvidenceBundle, cn: &str) -> &'a Certificate {
    bundle
        .certificates
        .iter()
        .find(|c| c.subject_cn.iter().any(|n| n == cn))
        .unwrap_or_else(|| panic!("no certificate with CN {cn}"))
}

fn crl_by_number<'a>(bundle: &'a EvidenceBundle, issuer_cn: &str, number: &str) -> &'a Crl {
    bundle
        .crls
        .iter()
        .find(|c| c.issuer.contains(issuer_cn) && c.crl_number.as_deref() == Some(number))
        .unwrap_or_else(|| panic!("no CRL {number} from {issuer_cn}"))
}

#[test]
fn every_fixture_certificate_is_found_once() {
    let bundle = collect(&fixtures());
    // 3 CAs and 11 leaves; the chain bundle, PKCS#7, DER and PKCS#12 copies
    // are merged into those records.
    assert_eq!(
        bundle.certificates.len(),
        14,
        "{:#?}",
        bundle
            .certificates
            .iter()
            .map(|c| &c.subject)
            .collect::<Vec<_>>()
    );
    let root = by_cn(&bundle, "pkimm Test Root CA");
    let sources: Vec<&str> = root
        .observations
        .iter()
        .map(|o| o.source.as_str())
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s.ends_with("ca/root-rsa4096.pem#pem=1")),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|s| s.ends_with("container/chain-bundle.pem#pem=3")),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|s| s.contains("container/chain.p7b#pkcs7=")),
        "{sources:?}"
    );
    let p384 = by_cn(&bundle, "ec-p384.example.test");
    assert!(
        p384.observations.iter().any(|o| o.method == "pkcs12"),
        "{:?}",
        p384.observations
    );
    let p256 = by_cn(&bundle, "ec-p256.example.test");
    assert!(p256.observations.iter().any(|o| o.method == "der"));
}

#[test]
fn key_types_sizes_and_curves() {
    let bundle = collect(&fixtures());
    let cases = [
        ("rsa1024-weak.example.test", KeyAlgorithm::Rsa, 1024, None),
        ("rsa2048-398d.example.test", KeyAlgorithm::Rsa, 2048, None),
        ("rsa4096-825d.example.test", KeyAlgorithm::Rsa, 4096, None),
        ("ec-p256.example.test", KeyAlgorithm::Ec, 256, Some("P-256")),
        ("ec-p384.example.test", KeyAlgorithm::Ec, 384, Some("P-384")),
        ("ed25519.example.test", KeyAlgorithm::Ed25519, 256, None),
        ("pkimm Test Root CA", KeyAlgorithm::Rsa, 4096, None),
    ];
    for (cn, algorithm, bits, curve) in cases {
        let c = by_cn(&bundle, cn);
        assert_eq!(c.key.algorithm, algorithm, "{cn}");
        assert_eq!(c.key.bits, bits, "{cn}");
        assert_eq!(c.key.curve.as_deref(), curve, "{cn}");
        assert!(c.key.quantum_vulnerable, "{cn}");
    }
    assert_eq!(
        by_cn(&bundle, "rsa2048-398d.example.test").key.rsa_exponent,
        Some(65537)
    );
}

#[test]
fn signature_algorithms() {
    let bundle = collect(&fixtures());
    let sha1 = by_cn(&bundle, "rsa2048-sha1.example.test");
    assert_eq!(sha1.signature.name, "sha1WithRSAEncryption");
    assert_eq!(sha1.signature.hash, "sha1");
    let ec = by_cn(&bundle, "ec-p256.example.test");
    assert_eq!(ec.signature.name, "ecdsa-with-SHA384");
    assert_eq!(ec.signature.key_algorithm, "ec");
    assert_eq!(
        by_cn(&bundle, "rsa2048-398d.example.test").signature.hash,
        "sha256"
    );
}

#[test]
fn validity_periods() {
    let bundle = collect(&fixtures());
    // notBefore through notAfter inclusive: 398 days apart is 398 days and
    // a second; ending a second earlier is 398 days exactly.
    let second = 1.0 / 86_400.0;
    let c398 = by_cn(&bundle, "rsa2048-398d.example.test");
    assert_eq!(c398.validity_days, 398.0 + second);
    assert_eq!(c398.not_before.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(c398.not_after.to_string(), "2027-02-03T00:00:00Z");
    let ec = by_cn(&bundle, "ec-p256.example.test");
    assert_eq!(ec.not_after.to_string(), "2027-02-02T23:59:59Z");
    assert_eq!(ec.validity_days, 398.0);
    assert_eq!(
        by_cn(&bundle, "rsa4096-825d.example.test").validity_days,
        825.0 + second
    );
    assert_eq!(
        by_cn(&bundle, "expired.example.test").not_after.to_string(),
        "2021-01-01T00:00:00Z"
    );
    assert_eq!(
        by_cn(&bundle, "not-yet-valid.example.test")
            .not_before
            .to_string(),
        "2040-01-01T00:00:00Z"
    );
}

#[test]
fn extensions_of_a_server_certificate() {
    let bundle = collect(&fixtures());
    let c = by_cn(&bundle, "rsa2048-398d.example.test");
    assert_eq!(c.version, 3);
    assert!(c.has_san);
    assert_eq!(c.san.dns, ["rsa2048-398d.example.test"]);
    assert_eq!(
        c.key_usage.as_deref().unwrap(),
        ["digitalSignature", "keyEncipherment"]
    );
    assert_eq!(
        c.extended_key_usage.as_deref().unwrap(),
        ["serverAuth", "clientAuth"]
    );
    let bc = c.basic_constraints.unwrap();
    assert!(!bc.ca && bc.critical);
    assert_eq!(c.policies, ["2.23.140.1.2.1"]);
    assert!(c.has_aia && c.has_cdp);
    assert_eq!(c.ocsp_urls, ["http://ocsp.example.test/issuing-rsa"]);
    assert_eq!(
        c.ca_issuer_urls,
        ["http://pki.example.test/issuing-rsa.crt"]
    );
    assert_eq!(c.crl_urls, ["http://pki.example.test/issuing-rsa.crl"]);
    assert_eq!(c.sct_count, 0);
    assert!(c.name_constraints.is_none());
    assert!(c.subject_key_id.is_some() && c.authority_key_id.is_some());
    assert!(!c.self_issued && !c.self_signed);
    assert!(
        c.serial_bits > 64,
        "openssl -rand_serial gives 159-bit serials"
    );
    assert!(c.extensions.iter().all(|e| e.known()), "{:?}", c.extensions);
    assert!(c.parse_warnings.is_empty());
    let issuing = by_cn(&bundle, "pkimm Test Issuing CA RSA");
    assert_eq!(c.authority_key_id, issuing.subject_key_id);
    assert_eq!(*c.issuer, *issuing.subject);
}

#[test]
fn ca_certificates() {
    let bundle = collect(&fixtures());
    let root = by_cn(&bundle, "pkimm Test Root CA");
    assert!(root.self_issued && root.self_signed && root.is_ca());
    assert_eq!(root.basic_constraints.unwrap().path_len, None);
    assert_eq!(
        root.key_usage.as_deref().unwrap(),
        ["keyCertSign", "cRLSign"]
    );
    let issuing = by_cn(&bundle, "pkimm Test Issuing CA EC");
    assert_eq!(issuing.basic_constraints.unwrap().path_len, Some(0));
    assert_eq!(issuing.policies, ["2.5.29.32.0"]);
    assert!(!issuing.self_signed);
}

#[test]
fn missing_aia_and_cdp_are_visible() {
    let bundle = collect(&fixtures());
    let no_aia = by_cn(&bundle, "no-aia.example.test");
    assert!(!no_aia.has_aia && no_aia.ocsp_urls.is_empty() && no_aia.has_cdp);
    let no_cdp = by_cn(&bundle, "no-cdp.example.test");
    assert!(!no_cdp.has_cdp && no_cdp.crl_urls.is_empty() && no_cdp.has_aia);
}

#[test]
fn crls_base_delta_and_stale() {
    let bundle = collect(&fixtures());
    assert_eq!(bundle.crls.len(), 4);
    let issuing = by_cn(&bundle, "pkimm Test Issuing CA RSA");

    let base = crl_by_number(&bundle, "Issuing CA RSA", "1000");
    assert!(!base.is_delta);
    assert_eq!(base.entry_count, 2);
    assert_eq!(base.reasons.get("keyCompromise"), Some(&1));
    assert_eq!(base.reasons.get("superseded"), Some(&1));
    assert_eq!(
        base.freshest_crl_urls,
        ["http://pki.example.test/issuing-rsa-delta.crl"]
    );
    assert_eq!(base.signature_valid, Some(true));
    assert_eq!(
        base.verified_with.as_deref(),
        Some(issuing.fingerprint_sha256.as_str())
    );
    assert_eq!(base.authority_key_id, issuing.subject_key_id);
    assert_eq!(base.this_update.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(
        base.next_update.unwrap().to_string(),
        "2036-01-01T00:00:00Z"
    );
    assert!(base.entries_complete);
    let weak = by_cn(&bundle, "rsa1024-weak.example.test");
    let entry = base
        .entries
        .iter()
        .find(|e| e.serial == weak.serial)
        .expect("revoked leaf listed");
    assert_eq!(entry.reason.as_deref(), Some("keyCompromise"));

    let delta = crl_by_number(&bundle, "Issuing CA RSA", "1001");
    assert!(delta.is_delta);
    assert_eq!(delta.delta_base.as_deref(), Some("1000"));
    assert_eq!(delta.entry_count, 3);
    assert_eq!(delta.reasons.get("cessationOfOperation"), Some(&1));
    assert_eq!(delta.signature_valid, Some(true));

    let stale = crl_by_number(&bundle, "Issuing CA EC", "1000");
    assert_eq!(
        stale.next_update.unwrap().to_string(),
        "2024-01-08T00:00:00Z"
    );
    assert_eq!(stale.entry_count, 0);
    assert_eq!(stale.signature.name, "ecdsa-with-SHA256");
    assert_eq!(stale.signature_valid, Some(true));

    let root = crl_by_number(&bundle, "Root CA", "1000");
    assert!(root.observations[0].source.ends_with("root.crl.pem#pem=1"));
    assert_eq!(root.signature_valid, Some(true));
}

#[test]
fn crl_signature_is_not_checked_without_the_issuer() {
    let bundle = collect(&fixtures().join("crl"));
    assert!(bundle.crls.iter().all(|c| c.signature_valid.is_none()));
}

#[test]
fn garbage_becomes_failure_records() {
    let bundle = collect(&fixtures().join("bad"));
    assert!(bundle.certificates.is_empty());
    let failure = |name: &str| {
        bundle
            .failures
            .iter()
            .find(|f| f.provenance.source.ends_with(name))
            .unwrap_or_else(|| panic!("no failure for {name}: {:#?}", bundle.failures))
    };
    let truncated = failure("truncated.der");
    assert_eq!(truncated.kind, FailureKind::Parse);
    assert_eq!(
        truncated.offset,
        Some(300),
        "truncation is at the end of the data"
    );
    assert_eq!(failure("garbage.der").kind, FailureKind::Parse);
    assert_eq!(failure("not-a-cert.crt").offset, Some(0));
    assert!(failure("bad-base64.pem").message.contains("PEM"));
    assert_eq!(bundle.failures.len(), 4);
}

#[test]
fn pkcs12_password_from_options() {
    let path = fixtures().join("container/rsa4096-password.p12");
    let without = collect(&path);
    assert_eq!(without.failures[0].kind, FailureKind::Authentication);
    assert!(!without.failures[0].message.contains("fixture-password"));
    let options = FilesOptions {
        container: ContainerOptions {
            pkcs12_passwords: vec![
                pkimm_model::secret::Secret::new("wrong"),
                pkimm_model::secret::Secret::new("fixture-password"),
            ],
        },
        ..FilesOptions::default()
    };
    let with = collect_files(&[path], &options).unwrap().0;
    assert!(with.failures.is_empty(), "{:?}", with.failures);
    assert_eq!(with.certificates.len(), 1);
    assert_eq!(
        with.certificates[0].subject_cn,
        ["rsa4096-825d.example.test"]
    );
}

#[test]
fn bundle_round_trips_through_json() {
    let bundle = collect(&fixtures());
    let json = serde_json::to_string(&bundle).unwrap();
    let back: EvidenceBundle = serde_json::from_str(&json).unwrap();
    assert_eq!(back, bundle);
}

#[test]
fn merge_deduplicates_and_keeps_every_observation() {
    let first = collect_files(
        &[fixtures().join("leaf")],
        &FilesOptions {
            agent: Some("zone-a".into()),
            ..FilesOptions::default()
        },
    )
    .unwrap()
    .0;
    let second = collect_files(
        &[fixtures().join("leaf"), fixtures().join("ca")],
        &FilesOptions {
            agent: Some("zone-b".into()),
            ..FilesOptions::default()
        },
    )
    .unwrap()
    .0;
    let mut merged = first.clone();
    merged.merge(second);
    assert_eq!(merged.certificates.len(), 14);
    assert_eq!(merged.runs.len(), 2);
    let leaf = by_cn(&merged, "ed25519.example.test");
    let agents: Vec<_> = leaf
        .observations
        .iter()
        .map(|o| o.agent.as_deref())
        .collect();
    assert_eq!(agents, [Some("zone-a"), Some("zone-b")]);
    // Merging the same evidence again adds nothing.
    let mut again = merged.clone();
    again.merge(first);
    assert_eq!(again.certificates, merged.certificates);
}

#[test]
fn size_cap_and_symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("ca/root-rsa4096.pem"),
        dir.path().join("root.pem"),
    )
    .unwrap();
    std::fs::write(dir.path().join("huge.pem"), vec![b'A'; 4096]).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let options = FilesOptions {
        max_file_bytes: 3000,
        ..FilesOptions::default()
    };
    let bundle = collect_files(&[dir.path().to_path_buf()], &options)
        .unwrap()
        .0;
    assert_eq!(bundle.certificates.len(), 1);
    let kinds: Vec<_> = bundle.failures.iter().map(|f| f.kind).collect();
    assert!(
        kinds.contains(&FailureKind::TooLarge),
        "{:?}",
        bundle.failures
    );
    assert!(
        kinds.contains(&FailureKind::Skipped),
        "{:?}",
        bundle.failures
    );
}

#[test]
fn unreadable_path_is_an_error() {
    let err = collect_files(
        &[PathBuf::from("/nonexistent/pki")],
        &FilesOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/pki"));
}

/// Every truncation and many single-byte corruptions of real certificates and
/// CRLs parse to records or failures, never a panic.
#[test]
fn corrupted_inputs_never_panic() {
    use pkimm_collectors::parse::{crl_from_der, no_issuers, parse_blob, CrlOptions};
    use pkimm_model::evidence::{Provenance, UtcTime};
    let provenance = Provenance {
        collector: "test".into(),
        source: "mutant".into(),
        method: "der".into(),
        collected_at: UtcTime::now(),
        agent: None,
    };
    let inputs = [
        std::fs::read(fixtures().join("container/ec-p256.der")).unwrap(),
        std::fs::read(fixtures().join("crl/issuing-rsa-delta.crl")).unwrap(),
        std::fs::read(fixtures().join("container/chain.p7b")).unwrap(),
    ];
    let options = ContainerOptions::default();
    for input in &inputs {
        for len in 0..input.len() {
            let _ = parse_blob(&input[..len], "mutant.der", &provenance, &options);
            let _ = crl_from_der(
                &input[..len],
                provenance.clone(),
                CrlOptions::default(),
                &no_issuers,
            );
        }
        for position in (0..input.len()).step_by(7) {
            for value in [0x00, 0x7f, 0x80, 0xff] {
                let mut mutant = input.clone();
                mutant[position] = value;
                let _ = parse_blob(&mutant, "mutant.der", &provenance, &options);
                let _ = crl_from_der(
                    &mutant,
                    provenance.clone(),
                    CrlOptions::default(),
                    &no_issuers,
                );
            }
        }
    }
}

/// An RSASSA-PSS key in the SPKI (OID 1.2.840.113549.1.1.10), made by
/// `openssl req -newkey rsa-pss`, has its modulus size and exponent read,
/// not 0 bits.
#[test]
fn rsa_pss_keys_have_their_size() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("pss.pem");
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa-pss",
            "-pkeyopt",
            "rsa_keygen_bits:3072",
            "-nodes",
        ])
        .arg("-keyout")
        .arg(dir.path().join("pss.key"))
        .args(["-subj", "/CN=pss.example.test", "-days", "30", "-out"])
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success());
    let bundle = collect(&cert);
    let key = &bundle.certificates[0].key;
    assert_eq!(key.algorithm, KeyAlgorithm::RsaPss);
    assert_eq!(key.bits, 3072);
    assert_eq!(key.rsa_exponent, Some(65537));
}
