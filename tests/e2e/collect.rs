//! `pkimm collect files` and `pkimm collect inventory` through the binary.

use std::process::Command;

use serde_json::Value;

use crate::support::{fixture, pkimm, temp_file};

fn collect_fixtures() -> Value {
    let run = pkimm(["collect", "files", fixture("pki").to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("collected 14 certificates, 4 CRLs and 5 failures"),
        "{}",
        run.stderr
    );
    serde_json::from_str(&run.stdout).expect("bundle JSON")
}

#[test]
fn collects_every_fixture_certificate_and_crl() {
    let bundle = collect_fixtures();
    assert_eq!(bundle["schema_version"], "1.0.0");
    assert_eq!(bundle["certificates"].as_array().unwrap().len(), 14);
    assert_eq!(bundle["crls"].as_array().unwrap().len(), 4);
    assert_eq!(bundle["runs"][0]["collector"], "files");
    // Garbage files are failure records, and the exit code was still 0.
    let failures = bundle["failures"].as_array().unwrap();
    assert!(failures.iter().any(|f| f["provenance"]["source"]
        .as_str()
        .unwrap()
        .ends_with("garbage.der")));
    // Every record carries provenance.
    for c in bundle["certificates"].as_array().unwrap() {
        let o = &c["observations"][0];
        assert_eq!(o["collector"], "files");
        assert!(o["collected_at"].as_str().unwrap().ends_with('Z'));
        assert!(o["agent"].is_string());
    }
}

/// The parsed serials and fingerprints agree with `openssl x509`.
#[test]
fn fields_agree_with_openssl() {
    let bundle = collect_fixtures();
    let leaves = std::fs::read_dir(fixture("pki/leaf")).unwrap();
    let mut checked = 0;
    for entry in leaves {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("pem") {
            continue;
        }
        let output = Command::new("openssl")
            .args([
                "x509",
                "-noout",
                "-serial",
                "-fingerprint",
                "-sha256",
                "-in",
            ])
            .arg(&path)
            .output()
            .expect("openssl is installed (.ci/run installs it)");
        let text = String::from_utf8(output.stdout).unwrap();
        let serial = text
            .lines()
            .find_map(|l| l.strip_prefix("serial="))
            .unwrap()
            .to_ascii_lowercase();
        let fingerprint = text
            .lines()
            .find_map(|l| l.split_once("Fingerprint=").map(|(_, f)| f))
            .unwrap()
            .replace(':', "")
            .to_ascii_lowercase();
        let record = bundle["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["fingerprint_sha256"] == fingerprint.as_str())
            .unwrap_or_else(|| panic!("{} not in bundle", path.display()));
        assert_eq!(
            record["serial"],
            serial.trim_start_matches('0'),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 11);
}

#[test]
fn writes_the_bundle_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle.json");
    let run = pkimm([
        "collect",
        "files",
        fixture("pki/ca").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--agent",
        "zone-a",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(bundle["certificates"].as_array().unwrap().len(), 3);
    assert_eq!(bundle["runs"][0]["agent"], "zone-a");
}

#[test]
fn unreadable_path_is_a_clear_error() {
    let run = pkimm(["collect", "files", "/nonexistent/certs"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read /nonexistent/certs"),
        "{}",
        run.stderr
    );
}

#[test]
fn pkcs12_password_comes_from_a_file_and_is_never_printed() {
    let (_dir, secret) = temp_file("p12-password", "fixture-password\n");
    let run = pkimm([
        "collect",
        "files",
        fixture("pki/container/rsa4096-password.p12")
            .to_str()
            .unwrap(),
        "--pkcs12-password-file",
        secret.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("collected 1 certificates, 0 CRLs and 0 failures"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("fixture-password") && !run.stderr.contains("fixture-password"));
}

#[test]
fn imports_an_inventory_export() {
    let run = pkimm([
        "collect",
        "inventory",
        fixture("inventory/ca-export.csv").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = bundle["inventory"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["subject"], "rsa2048-398d.example.test");
    assert_eq!(rows[0]["owner"], "web");
    assert_eq!(rows[2]["status"], "revoked");
    assert_eq!(rows[4]["serial"], "7f3a00112233445566778899aabbccdd");
    let failures = bundle["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2);
    assert!(failures[0]["provenance"]["source"]
        .as_str()
        .unwrap()
        .ends_with("ca-export.csv#row=7"));
    assert!(failures[0]["message"]
        .as_str()
        .unwrap()
        .contains("not hexadecimal"));
    assert!(failures[1]["message"]
        .as_str()
        .unwrap()
        .contains("not a date"));
}

#[test]
fn inventory_serials_match_discovered_certificates() {
    let bundle = collect_fixtures();
    let run = pkimm([
        "collect",
        "inventory",
        fixture("inventory/ca-export.csv").to_str().unwrap(),
    ]);
    let inventory: Value = serde_json::from_str(&run.stdout).unwrap();
    let discovered: Vec<&str> = bundle["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["serial"].as_str().unwrap())
        .collect();
    let matched = inventory["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| discovered.contains(&r["serial"].as_str().unwrap()))
        .count();
    assert_eq!(matched, 4, "all but the decommissioned row were discovered");
}

#[test]
fn inventory_column_mapping_and_missing_columns() {
    let (_dir, path) = temp_file("export.csv", "Cert Serial,Thumb256\n0a0b,\n");
    let run = pkimm(["collect", "inventory", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("export.csv: no serial number column"),
        "{}",
        run.stderr
    );

    let fp = "ab".repeat(32);
    let (_dir2, path) = temp_file("export.csv", &format!("Cert Serial,Thumb256\n0a0b,{fp}\n"));
    let run = pkimm([
        "collect",
        "inventory",
        path.to_str().unwrap(),
        "--map",
        "serial=Cert Serial",
        "--map",
        "fingerprint=Thumb256",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(bundle["inventory"][0]["serial"], "a0b");
    assert_eq!(bundle["inventory"][0]["fingerprint_sha256"], fp.as_str());

    let run = pkimm([
        "collect",
        "inventory",
        path.to_str().unwrap(),
        "--map",
        "colour=x",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown inventory field"),
        "{}",
        run.stderr
    );
}

/// A certificate with one non-conforming field (a GeneralizedTime notAfter
/// with a time-zone offset) is kept with a warning, its time read as OpenSSL
/// reads it, its fingerprint that of the original bytes.
#[test]
fn a_certificate_with_a_non_conforming_time_is_kept_with_a_warning() {
    let pem = fixture("nonconforming/generalizedNotZulu.pem");
    let run = pkimm(["collect", "files", pem.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&run.stdout).unwrap();
    let certificates = bundle["certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 1, "{}", run.stderr);
    let c = &certificates[0];
    let dates = Command::new("openssl")
        .args(["x509", "-noout", "-enddate", "-in", pem.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&dates.stdout).trim(),
        "notAfter=Aug 11 18:20:01 2056 GMT"
    );
    assert_eq!(c["not_after"], "2056-08-11T18:20:01Z");
    let der = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in", pem.to_str().unwrap()])
        .output()
        .unwrap()
        .stdout;
    use sha2::Digest as _;
    assert_eq!(
        c["fingerprint_sha256"],
        hex::encode(sha2::Sha256::digest(&der))
    );
    let warnings = c["parse_warnings"].to_string();
    assert!(warnings.contains("time-zone offset"), "{warnings}");
    let defects = c["defects"].to_string();
    assert!(
        defects.contains("validity_time_not_conforming"),
        "{defects}"
    );
    // The warning is a finding, so inventories see the defect.
    let evaluation = evaluation_of(&run.stdout);
    assert!(evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "cert.parse-warnings" && f["outcome"] == "fail"));
}

/// `pkimm evaluate --format json` over a bundle given as JSON text.
fn evaluation_of(bundle_json: &str) -> Value {
    let (_dir, bundle_path) = temp_file("bundle.json", bundle_json);
    let run = pkimm([
        "evaluate",
        bundle_path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Each certificate and CRL of `fixtures/defects/` (zlint test files with
/// one defect each) fails the rule for its defect, read end to end:
/// `pkimm collect files`, then `pkimm evaluate`.
#[test]
fn every_defect_fixture_fails_its_rule() {
    let folder = fixture("defects");
    let run = pkimm(["collect", "files", folder.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&run.stdout).unwrap();
    let source_of = |record: &Value| {
        record["observations"][0]["source"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .split('#')
            .next()
            .unwrap()
            .to_string()
    };
    let certificate = |file: &str| {
        bundle["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| source_of(c) == file)
            .unwrap_or_else(|| panic!("{file} was not kept"))
            .clone()
    };
    // x509-parser's key size drops the first octet; pkimm counts the bits.
    assert_eq!(certificate("mpModulus4095.pem")["key"]["bits"], 4095);
    // x509-parser stops reading a name at an empty RDN; the defect is found
    // from the bytes.
    let defects = certificate("SubjectDNSerialNumberTooLong.pem")["defects"].to_string();
    assert!(defects.contains("subject_empty_rdn"), "{defects}");
    assert!(
        defects.contains("subject_serial_number_too_long"),
        "{defects}"
    );

    let evaluation = evaluation_of(&run.stdout);
    let fails = |file: &str, rule: &str| {
        evaluation["findings"].as_array().unwrap().iter().any(|f| {
            f["rule"] == rule
                && f["outcome"] == "fail"
                && f["record"]["sources"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|s| s.as_str().unwrap().contains(file)))
        })
    };
    for (file, rule) in [
        (
            "rsaFermatFactorizationSusceptible.pem",
            "key.rsa-not-fermat-factorable",
        ),
        ("evenRsaMod.pem", "key.rsa-modulus-odd"),
        ("oddRsaMod.pem", "key.rsa-no-small-factors"),
        ("utcNoSeconds.pem", "cert.validity-time-conforming"),
        ("generalizedPrior2050.pem", "cert.validity-time-type"),
        (
            "SubjectDNSerialNumberTooLong.pem",
            "name.subject-no-empty-rdns",
        ),
        (
            "SubjectDNSerialNumberTooLong.pem",
            "name.serial-number-length",
        ),
        ("ncMinPres.pem", "nc.minimum-zero"),
        ("idnMalformedUnicode.pem", "name.idn-punycode-valid"),
        ("dnsNamesNotNFC.pem", "name.idn-nfc"),
        ("o1s1ep1a0nc0.pem", "cabf.ocsp-responder-nocheck"),
        (
            "IssuerDNCountryNotPrintableString.pem",
            "name.country-printable",
        ),
        (
            "subjectCommonNamePrintableStringBadAlpha.pem",
            "name.printable-string-characters",
        ),
        ("SANDNSNull.pem", "name.san-no-control-characters"),
        ("issuerUID.pem", "cert.no-unique-identifiers"),
        ("empty_seq_of_eku.pem", "extension.value-not-empty"),
        (
            "mismatchingSigAlgsBadOID.pem",
            "crypto.signature-algorithm-consistent",
        ),
        ("crlWithReasonCode7.pem", "crl.reason-codes-valid"),
        ("crlWithReasonCode0.pem", "crl.reason-unspecified-absent"),
        ("crl_ecc_sha384_nulx_effx.pem", "crl.signature-parameters"),
    ] {
        assert!(fails(file, rule), "{file} does not fail {rule}");
    }
    // None of the key-quality rules fires on a clean certificate.
    for rule in [
        "key.rsa-not-fermat-factorable",
        "key.rsa-modulus-odd",
        "key.rsa-no-small-factors",
    ] {
        assert!(!fails("utcNoSeconds.pem", rule), "{rule} on a sound key");
    }
}

/// Leaves of a name-constrained CA (`fixtures/name-constraints/`): pkimm
/// fails exactly the ones `openssl verify` rejects for a subtree violation,
/// and says which name and subtree.
#[test]
fn names_outside_an_issuers_constraints_fail_as_openssl_verify_says() {
    let folder = fixture("name-constraints");
    let run = pkimm(["collect", "files", folder.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let evaluation = evaluation_of(&run.stdout);
    let rule = "interop.names-within-issuer-constraints";
    let failed: Vec<(String, String)> = evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule && f["outcome"] == "fail")
        .map(|f| {
            (
                f["record"]["label"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let leaves = [
        "inside",
        "outside-dns",
        "excluded-dns",
        "outside-ip",
        "outside-email",
    ];
    let mut agreed = 0;
    for leaf in leaves {
        let verify = Command::new("openssl")
            .arg("verify")
            .arg("-CAfile")
            .arg(folder.join("root.pem"))
            .arg("-untrusted")
            .arg(folder.join("sub.pem"))
            .arg(folder.join(format!("{leaf}.pem")))
            .output()
            .expect("openssl");
        let text = String::from_utf8_lossy(&verify.stdout).to_string()
            + &String::from_utf8_lossy(&verify.stderr);
        let openssl_rejects = text.contains("subtree violation");
        assert!(openssl_rejects || verify.status.success(), "{leaf}: {text}");
        let pkimm_fails = failed.iter().any(|(label, _)| label == leaf);
        assert_eq!(pkimm_fails, openssl_rejects, "{leaf}: {text}\n{failed:?}");
        agreed += 1;
    }
    assert_eq!(agreed, leaves.len());
    let message = |leaf: &str| {
        failed
            .iter()
            .find(|(label, _)| label == leaf)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        message("excluded-dns"),
        "dns:x.bad.good.test is in the excluded subtree dns:bad.good.test of CN=pkimm constrained sub CA"
    );
    assert_eq!(
        message("outside-ip"),
        "ip:192.0.2.1 is outside the permitted subtrees of CN=pkimm constrained sub CA"
    );
    let result = evaluation["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == rule)
        .unwrap();
    // The two CAs have no constrained CA above them.
    assert_eq!(result["not_applicable"], 2);
    assert_eq!(result["passed"], 1);
}
