//! The CycloneDX CBOM: the demo's and a collection's, valid against the
//! official CycloneDX 1.6 schema (cyclonedx-python-lib's strict validator),
//! and stable: replacing one certificate changes exactly its lines.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::{fixture, pkimm};

/// Validates `file` with cyclonedx-python-lib, or returns false (a skip)
/// when that Python package is missing and PKIMM_REQUIRE_CYCLONEDX is unset.
pub(crate) fn validate(file: &Path) -> bool {
    let script = r#"
import sys
try:
    from cyclonedx.validation.json import JsonStrictValidator
    from cyclonedx.schema import SchemaVersion
except ImportError:
    sys.exit(3)
error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())
if error is not None:
    print(error)
    sys.exit(1)
"#;
    crate::support::python_check(
        script,
        file,
        "PKIMM_REQUIRE_CYCLONEDX",
        "valid CycloneDX 1.6",
    )
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Each component and dependency as one canonical line.
fn lines(bom: &Value) -> BTreeSet<String> {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .chain(bom["dependencies"].as_array().unwrap())
        .map(Value::to_string)
        .collect()
}

#[test]
fn the_demo_writes_a_valid_cbom_of_certificates_keys_algorithms_and_protocols() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = pkimm(["demo", "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cbom = out.join("cbom.json");
    validate(&cbom);
    let bom = json(&cbom);
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    let components = bom["components"].as_array().unwrap();
    let of = |asset: &str| {
        components
            .iter()
            .filter(|c| c["cryptoProperties"]["assetType"] == asset)
            .collect::<Vec<_>>()
    };
    let evidence = json(&out.join("evidence.json"));
    let certificates = of("certificate");
    assert_eq!(
        certificates.len(),
        evidence["certificates"].as_array().unwrap().len()
    );
    let refs: BTreeSet<&str> = components
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    for c in &certificates {
        let properties = &c["cryptoProperties"]["certificateProperties"];
        for field in ["signatureAlgorithmRef", "subjectPublicKeyRef"] {
            assert!(
                refs.contains(properties[field].as_str().unwrap()),
                "{field} of {c}"
            );
        }
        assert!(c["evidence"]["occurrences"][0]["location"].is_string());
    }
    let key = of("related-crypto-material")[0];
    assert_eq!(
        key["cryptoProperties"]["relatedCryptoMaterialProperties"]["type"],
        "public-key"
    );
    let rsa = of("algorithm")
        .into_iter()
        .find(|a| a["name"] == "RSA-2048")
        .expect("an RSA-2048 key algorithm");
    assert_eq!(
        rsa["cryptoProperties"]["algorithmProperties"]["classicalSecurityLevel"],
        112
    );
    assert_eq!(
        rsa["cryptoProperties"]["algorithmProperties"]["nistQuantumSecurityLevel"],
        0
    );
    let protocols = of("protocol");
    assert!(!protocols.is_empty());
    let tls12 = protocols
        .iter()
        .find(|p| p["cryptoProperties"]["protocolProperties"]["version"] == "1.2")
        .expect("a TLS 1.2 protocol");
    let suite = &tls12["cryptoProperties"]["protocolProperties"]["cipherSuites"][0];
    assert!(
        suite["identifiers"][0].as_str().unwrap().starts_with("0x"),
        "{suite}"
    );
    for algorithm in suite["algorithms"].as_array().unwrap() {
        assert!(refs.contains(algorithm.as_str().unwrap()), "{algorithm}");
    }
    // Every dependency points at components that exist.
    for d in bom["dependencies"].as_array().unwrap() {
        assert!(refs.contains(d["ref"].as_str().unwrap()));
        for on in d["dependsOn"].as_array().unwrap() {
            assert!(refs.contains(on.as_str().unwrap()), "{on}");
        }
    }
}

#[test]
fn replacing_one_certificate_changes_exactly_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let scan = |name: &str, files: &[&str]| {
        // One folder for every scan, as a scheduled job sees it.
        let folder = dir.path().join("estate");
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir(&folder).unwrap();
        for file in files {
            std::fs::copy(
                fixture(&format!("pki/{file}")),
                folder.join(file.replace('/', "-")),
            )
            .unwrap();
        }
        let cbom = dir.path().join(format!("{name}.cbom.json"));
        let run = pkimm([
            "collect",
            "files",
            folder.to_str().unwrap(),
            "-o",
            dir.path().join(format!("{name}.json")).to_str().unwrap(),
            "--cbom",
            cbom.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        validate(&cbom);
        json(&cbom)
    };
    let common = [
        "ca/issuing-rsa2048.pem",
        "leaf/rsa2048-398d.pem",
        "leaf/ec-p256.pem",
    ];
    let first = scan("first", &[&common[..], &["leaf/no-aia.pem"]].concat());
    let again = scan("again", &[&common[..], &["leaf/no-aia.pem"]].concat());
    let second = scan("second", &[&common[..], &["leaf/no-cdp.pem"]].concat());
    assert_eq!(
        lines(&first),
        lines(&again),
        "the same evidence gives the same CBOM"
    );
    let before = lines(&first);
    let after = lines(&second);
    let removed: Vec<&String> = before.difference(&after).collect();
    let added: Vec<&String> = after.difference(&before).collect();
    let refs = |set: &[&String]| -> BTreeSet<String> {
        set.iter()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v.get("bom-ref")
                    .or_else(|| v.get("ref"))
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let old = json(&dir.path().join("first.json"));
    let new = json(&dir.path().join("second.json"));
    let cert_of = |bundle: &Value, cn: &str| {
        bundle["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["subject_cn"][0].as_str().unwrap().starts_with(cn))
            .unwrap()
            .clone()
    };
    let gone = cert_of(&old, "no-aia");
    let came = cert_of(&new, "no-cdp");
    let expected = |c: &Value| -> BTreeSet<String> {
        [
            format!("cert:{}", c["fingerprint_sha256"].as_str().unwrap()),
            format!("key:{}", c["spki_sha256"].as_str().unwrap()),
        ]
        .into_iter()
        .collect()
    };
    assert_eq!(refs(&removed), expected(&gone), "removed: {removed:#?}");
    assert_eq!(refs(&added), expected(&came), "added: {added:#?}");
}

/// `pkimm report --format cbom` writes the CBOM of the evidence given, and
/// without evidence it is refused with the option to add (exit 2).
#[test]
fn a_report_cbom_needs_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let assessment = fixture("assessments/sample-full-2.0.0.yaml");
    let bundle = crate::support::small_bundle(dir.path());
    let cbom = dir.path().join("report.cbom.json");
    let run = pkimm([
        "report",
        assessment.to_str().unwrap(),
        "--format",
        "cbom",
        "--evidence",
        bundle.to_str().unwrap(),
        "-o",
        cbom.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    validate(&cbom);
    let run = pkimm(["report", assessment.to_str().unwrap(), "--format", "cbom"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--evidence BUNDLE"), "{}", run.stderr);
}
