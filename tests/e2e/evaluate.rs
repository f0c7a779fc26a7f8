//! `pkimm evaluate`, `pkimm rules` and `pkimm policy` through the binary.

use serde_json::Value;

use crate::support::{fixture, pkimm, temp_file};

/// Collects the fixture PKI and inventory into two bundles in `dir`.
fn fixture_bundles(dir: &std::path::Path) -> (String, String) {
    let files = dir.join("files.json").display().to_string();
    let inventory = dir.join("inventory.json").display().to_string();
    let run = pkimm([
        "collect",
        "files",
        fixture("pki").to_str().unwrap(),
        "-o",
        &files,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = pkimm([
        "collect",
        "inventory",
        fixture("inventory/ca-export.csv").to_str().unwrap(),
        "-o",
        &inventory,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (files, inventory)
}

fn evaluate_json(args: &[&str]) -> Value {
    let mut all = vec![
        "evaluate",
        "--format",
        "json",
        "--now",
        "2026-06-01T00:00:00Z",
    ];
    all.extend_from_slice(args);
    let run = pkimm(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("evaluation JSON")
}

#[test]
fn findings_on_the_fixture_corpus_match_the_expected_file() {
    let dir = tempfile::tempdir().unwrap();
    let (files, inventory) = fixture_bundles(dir.path());
    let evaluation = evaluate_json(&[&files, &inventory]);
    let mut actual: Vec<String> = evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["rule"].as_str().unwrap(),
                f["record"]["label"].as_str().unwrap().replace(' ', "_"),
                f["outcome"].as_str().unwrap()
            )
        })
        .collect();
    actual.sort();
    actual.dedup();
    let expected: Vec<String> = std::fs::read_to_string(fixture("expected/fixture-findings.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let missing: Vec<_> = expected.iter().filter(|e| !actual.contains(e)).collect();
    let unexpected: Vec<_> = actual.iter().filter(|a| !expected.contains(a)).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
}

#[test]
fn findings_are_grouped_by_requirement_with_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (files, inventory) = fixture_bundles(dir.path());
    let evaluation = evaluate_json(&[&files, &inventory]);
    assert_eq!(evaluation["schema_version"], "1.0.0");
    let requirements = evaluation["requirements"].as_array().unwrap();
    let r52 = requirements
        .iter()
        .find(|r| r["requirement"] == "G.cryptography.crypto-algorithms")
        .unwrap();
    assert!(r52["failed"].as_u64().unwrap() >= 3);
    assert_eq!(r52["worst_severity"], "high");
    let ratio = r52["pass_ratio"].as_f64().unwrap();
    let expected = r52["passed"].as_f64().unwrap()
        / (r52["passed"].as_f64().unwrap() + r52["failed"].as_f64().unwrap());
    assert!((ratio - expected).abs() < 1e-12);
    // Text output groups findings under their requirement.
    let run = pkimm(["evaluate", &files, "--now", "2026-06-01T00:00:00Z"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let section = run
        .stdout
        .split("\nG.cryptography.crypto-algorithms ")
        .nth(1)
        .expect("crypto-algorithms section");
    assert!(
        section.contains("crypto.rsa-min-size") && section.contains("rsa1024-weak.example.test")
    );
}

#[test]
fn fail_on_sets_exit_code_one() {
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = fixture_bundles(dir.path());
    let run = pkimm([
        "evaluate",
        &files,
        "--now",
        "2026-06-01T00:00:00Z",
        "--fail-on",
        "high",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = pkimm([
        "evaluate",
        &files,
        "--now",
        "2026-06-01T00:00:00Z",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn waivers_suppress_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = fixture_bundles(dir.path());
    let (_w, waivers) = temp_file(
        "waivers.yaml",
        "waivers:\n  - rule: crypto.rsa-min-size\n    selector: { host: rsa1024-weak.example.test }\n    reason: Appliance replaced in Q3\n    expires: 2026-12-31\n  - rule: cert.expired\n    selector: { host: expired.example.test }\n    reason: Old\n    expires: 2026-01-31\n",
    );
    let evaluation = evaluate_json(&[&files, "--waivers", waivers.to_str().unwrap()]);
    let finding = |rule: &str| {
        evaluation["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap()
            .clone()
    };
    assert_eq!(
        finding("crypto.rsa-min-size")["waived"]["reason"],
        "Appliance replaced in Q3"
    );
    assert!(
        finding("cert.expired")["waived"].is_null(),
        "expired waivers stop applying"
    );
    assert_eq!(evaluation["expired_waivers"][0]["rule"], "cert.expired");
    let rule = evaluation["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "crypto.rsa-min-size")
        .unwrap();
    assert_eq!(rule["waived"], 1);
}

#[test]
fn policy_changes_the_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = fixture_bundles(dir.path());
    let policy = std::process::Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .args(["policy", "init"])
        .output()
        .unwrap();
    let text = String::from_utf8(policy.stdout)
        .unwrap()
        .replace("max_leaf_validity_days: 398", "max_leaf_validity_days: 900");
    let (_p, path) = temp_file("policy.yaml", &text);
    let run = pkimm(["policy", "check", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let relaxed = evaluate_json(&[&files, "--policy", path.to_str().unwrap()]);
    assert!(!relaxed["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "cert.leaf-validity-over-max"));
    let strict = evaluate_json(&[&files]);
    assert!(strict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "cert.leaf-validity-over-max"));
}

#[test]
fn bad_policy_and_bad_rules_name_file_and_field() {
    let (_p, policy) = temp_file(
        "policy.yaml",
        "schema_version: 1\ncrypto:\n  min_rsa_bits: many\n",
    );
    let run = pkimm(["policy", "check", policy.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("policy.yaml:3:") && run.stderr.contains("crypto.min_rsa_bits"),
        "{}",
        run.stderr
    );

    let (_r, rules) = temp_file(
        "broken.yaml",
        "rules:\n  - id: my.rule\n    title: t\n    description: d\n    severity: low\n    pkimm: [\"7.3\"]\n    applies_to: certificate\n    check: cert.validity_days <= \n    citation: c\n    remediation: r\n",
    );
    let run = pkimm(["rules", "list", "--rules", rules.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("broken.yaml:8:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("rule `my.rule` field `check`"),
        "{}",
        run.stderr
    );
}

#[test]
fn rules_list_and_builtin_tests() {
    let run = pkimm(["rules", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let count: usize = run
        .stdout
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(count >= 60);
    let run = pkimm(["rules", "test", "--fixtures", fixture("").to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains(" 0 failed"), "{}", run.stdout);
}

#[test]
fn custom_rule_directory_is_tested() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("org.yaml"),
        "rules:\n  - id: org.ec-only\n    title: Only ECDSA keys\n    description: d\n    severity: low\n    pkimm: [G.cryptography.crypto-algorithms]\n    applies_to: certificate\n    check: cert.key.algorithm == 'ec'\n    citation: Org policy 4.2\n    remediation: r\n    tests:\n      - { name: ec passes, expect: pass }\n      - { name: rsa fails, record: { key: { algorithm: rsa } }, expect: fail }\n      - { name: wrong expectation, expect: fail }\n",
    )
    .unwrap();
    let run = pkimm(["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("FAIL org.ec-only / wrong expectation"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("3 cases: 2 passed, 1 failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn bundle_that_is_not_json_is_an_error() {
    let (_d, path) = temp_file("bundle.json", "{ not json");
    let run = pkimm(["evaluate", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("bundle.json:1:3: not a pkimm evidence bundle"),
        "{}",
        run.stderr
    );
}

/// `--format junit` is well-formed XML (parsed by Python's ElementTree) whose
/// counts equal the JSON evaluation's: a failure per unwaived failing (rule,
/// record), a skip per waived one, an error per evaluation error.
#[test]
fn junit_output_matches_the_json_evaluation() {
    let dir = tempfile::tempdir().unwrap();
    let (files, inventory) = fixture_bundles(dir.path());
    let (_w, waivers) = temp_file(
        "waivers.yaml",
        "waivers:\n  - rule: crypto.rsa-min-size\n    selector: { host: rsa1024-weak.example.test }\n    reason: Appliance <replaced> & retired\n    expires: 2026-12-31\n",
    );
    let args = [
        "evaluate",
        &files,
        &inventory,
        "--waivers",
        waivers.to_str().unwrap(),
        "--now",
        "2026-06-01T00:00:00Z",
    ];
    let json = evaluate_json(&args[1..5]);
    let mut junit_args = args.to_vec();
    junit_args.extend(["--format", "junit"]);
    let run = pkimm(&junit_args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let xml = dir.path().join("junit.xml");
    std::fs::write(&xml, &run.stdout).unwrap();
    let script = r#"
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
assert root.tag == 'testsuites'
cases = root.findall('./testsuite/testcase')
f = sum(1 for c in cases if c.find('failure') is not None)
s = sum(1 for c in cases if c.find('skipped') is not None)
e = sum(1 for c in cases if c.find('error') is not None)
assert int(root.get('failures')) == f and int(root.get('skipped')) == s and int(root.get('errors')) == e
assert int(root.get('tests')) == len(cases)
for suite in root.findall('testsuite'):
    assert int(suite.get('tests')) == len(suite.findall('testcase')), suite.get('name')
skip = [c.find('skipped').get('message') for c in cases if c.find('skipped') is not None]
print(f, s, e, skip[0] if skip else '')
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, xml.to_str().unwrap()])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    let findings = json["findings"].as_array().unwrap();
    let failed = findings
        .iter()
        .filter(|f| f["outcome"] == "fail" && f["waived"].is_null())
        .count();
    let waived = findings.iter().filter(|f| !f["waived"].is_null()).count();
    let errors = findings.iter().filter(|f| f["outcome"] == "error").count();
    assert!(failed > 0 && waived == 1, "{failed} {waived}");
    assert_eq!(
        printed.trim(),
        format!(
            "{failed} {waived} {errors} waived until 2026-12-31: Appliance <replaced> & retired"
        )
    );
}

/// Serial numbers are measured in DER octets (a 160-bit serial with its top
/// bit set takes 21) and negative ones are flagged, on certificates made by
/// `openssl req -set_serial`.
#[test]
fn long_and_negative_serials_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, serial) in [
        ("negative", "-5"),
        ("long", "0x8000000000000000000000000000000000000001"),
        ("fine", "0x1234"),
    ] {
        let status = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
            ])
            .arg("-keyout")
            .arg(dir.path().join(format!("{name}.key")))
            .args([
                "-subj",
                &format!("/CN={name}.example.test"),
                "-set_serial",
                serial,
                "-days",
                "30",
                "-out",
            ])
            .arg(dir.path().join(format!("{name}.pem")))
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let bundle = dir.path().join("bundle.json");
    let run = pkimm([
        "collect",
        "files",
        dir.path().to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let collected: Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let cert = |cn: &str| {
        collected["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["subject_cn"][0] == cn)
            .unwrap()
            .clone()
    };
    assert_eq!(cert("long.example.test")["serial_octets"], 21);
    assert_eq!(cert("long.example.test")["serial_bits"], 160);
    assert_eq!(cert("negative.example.test")["serial_negative"], true);
    assert_eq!(cert("fine.example.test")["serial_octets"], 2);
    let evaluation = evaluate_json(&[bundle.to_str().unwrap()]);
    let failed = |rule: &str| -> Vec<String> {
        evaluation["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule && f["outcome"] == "fail")
            .map(|f| f["record"]["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(failed("interop.serial-length"), ["long.example.test"]);
    assert_eq!(failed("interop.serial-positive"), ["negative.example.test"]);
}

/// A CA certificate whose basicConstraints does not decode (a negative
/// pathLenConstraint) is kept as a CA with the malformation recorded, so the
/// CA rules judge it as one instead of finding "no cA=TRUE".
#[test]
fn a_ca_with_malformed_basic_constraints_stays_a_ca() {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "BER basicConstraints CA");
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let mut bc = rcgen::CustomExtension::from_oid_content(
        &[2, 5, 29, 19],
        vec![0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff],
    );
    bc.set_criticality(true);
    params.custom_extensions = vec![bc];
    let key = rcgen::KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    let (dir, path) = temp_file("ber-ca.pem", &pem);
    let bundle = dir.path().join("bundle.json");
    let run = pkimm([
        "collect",
        "files",
        path.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let collected: Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let cert = &collected["certificates"][0];
    assert_eq!(cert["basic_constraints"]["ca"], true, "{cert}");
    assert_eq!(cert["basic_constraints"]["critical"], true, "{cert}");
    assert!(
        cert["parse_warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("basicConstraints is malformed")),
        "{cert}"
    );
    let run = pkimm(["evaluate", bundle.to_str().unwrap(), "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        !evaluation["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "cert.ca-basic-constraints" && f["outcome"] == "fail"),
        "{}",
        run.stdout
    );
}

/// A non-CA certificate with no EKU and no SAN whose CN is a host name is
/// classified as a TLS server certificate, so the SAN rules apply to it (they
/// used to skip such certificates); one whose CN is a person's name is not.
#[test]
fn certificates_without_eku_or_san_are_classified_by_their_cn() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (file, cn) in [
        ("legacy.pem", "legacy.example.test"),
        ("person.pem", "Alice Example"),
    ] {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        let key = rcgen::KeyPair::generate().unwrap();
        let path = dir.path().join(file);
        std::fs::write(&path, params.self_signed(&key).unwrap().pem()).unwrap();
        paths.push(path);
    }
    let bundle = dir.path().join("bundle.json");
    let run = pkimm([
        "collect",
        "files",
        paths[0].to_str().unwrap(),
        paths[1].to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = pkimm(["evaluate", bundle.to_str().unwrap(), "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    let missing_san: Vec<&str> = evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "cert.missing-san" && f["outcome"] == "fail")
        .map(|f| f["record"]["label"].as_str().unwrap())
        .collect();
    assert!(
        missing_san
            .iter()
            .any(|l| l.contains("legacy.example.test")),
        "{missing_san:?}"
    );
    assert!(
        !missing_san.iter().any(|l| l.contains("Alice")),
        "{missing_san:?}"
    );
}

/// The RFC 9881 example certificates (`fixtures/pq/`, ML-DSA-44, -65 and
/// -87) and the composite ML-DSA test-vector certificates
/// (`fixtures/pq/composite/`, all eighteen) are read as post-quantum and
/// pass under the default policy; a policy that accepts only ML-DSA-87 among
/// the ML-DSA sets fails the others (a composite by its ML-DSA set), and an
/// unknown parameter set in the policy is refused naming the field.
#[test]
fn post_quantum_parameter_sets_follow_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("pq.json").display().to_string();
    let run = pkimm([
        "collect",
        "files",
        fixture("pq").to_str().unwrap(),
        "-o",
        &bundle,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let collected: Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let certificates = collected["certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 21, "3 ML-DSA and 18 composite");
    for c in certificates {
        let source = c["observations"][0]["source"].as_str().unwrap();
        assert_eq!(c["key"]["quantum_vulnerable"], false, "{source}");
        assert!(c.get("defects").is_none(), "{source}: {c}");
        if source.contains("/composite/") {
            // Each file is named after its algorithm.
            let file = source
                .rsplit('/')
                .next()
                .unwrap()
                .split(".pem")
                .next()
                .unwrap();
            assert_eq!(c["key"]["algorithm"], "composite-ml-dsa", "{source}");
            assert_eq!(
                c["signature"]["name"],
                file.to_ascii_lowercase(),
                "{source}"
            );
            assert_eq!(c["signature"]["key_algorithm"], "composite-ml-dsa");
        } else {
            assert_eq!(c["key"]["algorithm"], "ml-dsa", "{source}");
        }
    }
    let rule = "pqc.approved-parameter-set";
    let counts = |evaluation: &Value| {
        let r = evaluation["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == rule)
            .unwrap()
            .clone();
        (r["passed"].as_u64().unwrap(), r["failed"].as_u64().unwrap())
    };
    let default = evaluate_json(&[&bundle]);
    assert_eq!(counts(&default), (21, 0));
    for other in [
        "pqc.key-length",
        "pqc.composite-key-usage",
        "crypto.signature-parameters",
        "crypto.quantum-vulnerable-key",
        "crypto.quantum-vulnerable-beyond-sunset",
    ] {
        assert!(
            !default["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == other),
            "{other}"
        );
    }

    let init = pkimm(["policy", "init"]);
    let narrowed = init
        .stdout
        .replace("    - ML-DSA-44\n", "")
        .replace("    - ML-DSA-65\n", "");
    assert_ne!(narrowed, init.stdout);
    let (_p, policy) = temp_file("policy.yaml", &narrowed);
    let strict = evaluate_json(&[&bundle, "--policy", policy.to_str().unwrap()]);
    // ML-DSA-87 and the six composites built on it pass.
    assert_eq!(counts(&strict), (7, 14));
    let messages: Vec<&str> = strict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("key ML-DSA-44, signature ML-DSA-44;")),
        "{messages:?}"
    );

    let (_b, bad) = temp_file(
        "policy.yaml",
        &init
            .stdout
            .replace("    - ML-DSA-44\n", "    - ML-DSA-42\n"),
    );
    let run = pkimm(["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("pqc.approved_parameter_sets[0]") && run.stderr.contains("ML-DSA-42"),
        "{}",
        run.stderr
    );
}
