//! collect → evaluate → assess → confirm → re-assess → report, through the binary.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{fixture, pkimm};

const NOW: &str = "2026-06-01T00:00:00Z";

fn ok(args: &[&str]) -> String {
    let run = pkimm(args);
    assert_eq!(run.code, 0, "pkimm {args:?}\n{}", run.stderr);
    run.stdout
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Bundles for the full fixtures (files + inventory) and a small subset.
fn bundles(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let files = dir.join("files.json");
    let inventory = dir.join("inventory.json");
    let small = dir.join("small.json");
    ok(&["collect", "files", p(&fixture("pki")), "-o", p(&files)]);
    ok(&[
        "collect",
        "inventory",
        p(&fixture("inventory/ca-export.csv")),
        "-o",
        p(&inventory),
    ]);
    ok(&[
        "collect",
        "files",
        p(&fixture("pki/leaf/ec-p256.pem")),
        p(&fixture("pki/ca")),
        "-o",
        p(&small),
    ]);
    (files, inventory, small)
}

fn suggested(assessment: &Value, id: &str) -> Option<(u64, String)> {
    let s = &assessment["requirements"][id]["suggested"];
    s["level"]
        .as_u64()
        .map(|l| (l, s["confidence"].as_str().unwrap().to_string()))
}

#[test]
fn prefill_confirm_and_stale_marking() {
    let dir = tempfile::tempdir().unwrap();
    let (files, inventory, small) = bundles(dir.path());
    let assessment = dir.path().join("assessment.json");
    ok(&["evaluate", p(&files), p(&inventory), "--now", NOW]);
    ok(&[
        "assess",
        p(&files),
        p(&inventory),
        "--now",
        NOW,
        "-o",
        p(&assessment),
    ]);
    let a = read_json(&assessment);
    // Pre-filled levels from the fixture evidence.
    assert_eq!(
        suggested(&a, "G.cryptography.crypto-algorithms"),
        Some((2, "medium".into())),
        "weak keys and SHA-1 present"
    );
    assert_eq!(
        suggested(&a, "M.certificate-management.cert-lifecycle"),
        Some((2, "medium".into()))
    );
    assert_eq!(
        suggested(&a, "M.certificate-management.cert-inventory"),
        Some((1, "medium".into())),
        "inventory mismatches"
    );
    assert_eq!(
        suggested(&a, "M.key-management.key-inventory"),
        Some((4, "medium".into()))
    );
    let rationale = a["requirements"]["G.cryptography.crypto-algorithms"]["suggested"]["rationale"]
        .as_str()
        .unwrap();
    assert!(
        rationale.contains(" of ") && rationale.contains("rsa1024-weak"),
        "{rationale}"
    );
    assert!(
        !a["requirements"]["G.cryptography.crypto-algorithms"]["suggested"]["evidence"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Untouched requirements stay pending with a note, never a guess.
    assert!(a["requirements"]["G.strategy-and-vision.sponsor-support"]["suggested"].is_null());
    assert!(
        a["requirements"]["G.strategy-and-vision.sponsor-support"]["note"]
            .as_str()
            .unwrap()
            .contains("needs assessor")
    );
    assert!(
        a["requirements"]["M.change-management-and-agility.change-policy"]["suggested"].is_null()
    );

    // Assessor decisions.
    ok(&[
        "confirm",
        p(&assessment),
        "certificate-management.cert-lifecycle",
        "--accept-suggested",
        "--assessor",
        "Ada",
    ]);
    ok(&[
        "confirm",
        p(&assessment),
        "key-management.key-inventory",
        "--level",
        "4",
        "--justification",
        "key inventory reviewed",
        "--assessor",
        "Ada",
    ]);
    ok(&[
        "confirm",
        p(&assessment),
        "cryptography.crypto-algorithms",
        "--level",
        "3",
        "--justification",
        "weak keys retired last week",
        "--assessor",
        "Ada",
    ]);
    ok(&[
        "confirm",
        p(&assessment),
        "strategy-and-vision.sponsor-support",
        "--not-applicable",
        "--reason",
        "out of scope",
        "--assessor",
        "Ada",
    ]);
    let run = pkimm([
        "confirm",
        p(&assessment),
        "strategy-and-vision.responsible-leadership",
        "--not-applicable",
    ]);
    assert_eq!(run.code, 2, "a reason is required");
    let a = read_json(&assessment);
    assert_eq!(
        a["requirements"]["M.certificate-management.cert-lifecycle"]["status"],
        "confirmed"
    );
    assert_eq!(
        a["requirements"]["M.certificate-management.cert-lifecycle"]["level"],
        2
    );
    assert_eq!(
        a["requirements"]["G.cryptography.crypto-algorithms"]["status"],
        "overridden"
    );
    assert_eq!(
        a["requirements"]["G.strategy-and-vision.sponsor-support"]["status"],
        "not_applicable"
    );
    ok(&["validate", p(&assessment)]);

    // The evidence changes: cert-lifecycle's suggestion moves from 2 to 4.
    ok(&["assess", p(&small), "--now", NOW, "-o", p(&assessment)]);
    assert!(
        dir.path().join("assessment.json.bak").exists(),
        "previous version kept"
    );
    let a = read_json(&assessment);
    let r73 = &a["requirements"]["M.certificate-management.cert-lifecycle"];
    assert_eq!(r73["status"], "confirmed", "assessor fields survive");
    assert_eq!(r73["level"], 2);
    assert_eq!(r73["assessor"], "Ada");
    assert_eq!(
        suggested(&a, "M.certificate-management.cert-lifecycle")
            .unwrap()
            .0,
        4
    );
    assert!(
        r73["stale"]
            .as_str()
            .unwrap()
            .contains("from level 2 to level 4"),
        "{r73}"
    );
    // key-inventory still suggests the confirmed level: not stale.
    assert!(a["requirements"]["M.key-management.key-inventory"]["stale"].is_null());
    assert_eq!(
        a["requirements"]["M.key-management.key-inventory"]["justification"],
        "key inventory reviewed"
    );
    assert_eq!(
        a["requirements"]["G.strategy-and-vision.sponsor-support"]["reason"],
        "out of scope"
    );

    // Re-confirming clears the stale mark.
    ok(&[
        "confirm",
        p(&assessment),
        "certificate-management.cert-lifecycle",
        "--accept-suggested",
        "--assessor",
        "Ada",
    ]);
    let a = read_json(&assessment);
    assert!(a["requirements"]["M.certificate-management.cert-lifecycle"]["stale"].is_null());
    assert_eq!(
        a["requirements"]["M.certificate-management.cert-lifecycle"]["level"],
        4
    );

    // Bulk acceptance of high-confidence suggestions only.
    let run = pkimm([
        "confirm",
        p(&assessment),
        "all",
        "--accept-suggested",
        "--high-confidence-only",
    ]);
    assert_eq!(
        run.code, 2,
        "the small bundle gives no high-confidence suggestion"
    );
    assert!(run.stderr.contains("high-confidence"), "{}", run.stderr);
}

#[test]
fn level_mapping_errors_name_the_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let (files, _, _) = bundles(dir.path());
    let levels = dir.path().join("levels.yaml");
    std::fs::write(
        &levels,
        "schema_version: 1\nmappings:\n  - requirement: M.certificate-management.cert-lifecycle\n    subject: certificates\n    thresholds:\n      - level: 7\n",
    )
    .unwrap();
    let out = dir.path().join("a.json");
    let run = pkimm(["assess", p(&files), "-o", p(&out), "--levels", p(&levels)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("levels.yaml:6"), "{}", run.stderr);
    assert!(run.stderr.contains("thresholds[0].level"), "{}", run.stderr);
    std::fs::write(
        &levels,
        "schema_version: 1\nmappings:\n  - requirement: M.certificate-management.cert-lifecycle\n    subject: certificates\n    thresholds:\n      - level: 5\n        why: custom\n",
    )
    .unwrap();
    ok(&[
        "assess",
        p(&files),
        "-o",
        p(&out),
        "--levels",
        p(&levels),
        "--now",
        NOW,
    ]);
    let a = read_json(&out);
    assert_eq!(
        suggested(&a, "M.certificate-management.cert-lifecycle")
            .unwrap()
            .0,
        5,
        "a custom mapping replaces the built-in one"
    );
}

#[test]
fn json_report_validates_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (files, inventory, _) = bundles(dir.path());
    let assessment = dir.path().join("assessment.yaml");
    ok(&[
        "assess",
        p(&files),
        p(&inventory),
        "--now",
        NOW,
        "-o",
        p(&assessment),
    ]);
    ok(&[
        "confirm",
        p(&assessment),
        "certificate-management",
        "--accept-suggested",
        "--assessor",
        "Ada",
    ]);
    let previous = dir.path().join("previous.yaml");
    std::fs::copy(&assessment, &previous).unwrap();
    let run = pkimm([
        "confirm",
        p(&assessment),
        "cryptography.crypto-algorithms",
        "--level",
        "3",
        "--assessor",
        "Ada",
    ]);
    assert_eq!(run.code, 2, "an override needs a justification");
    assert!(run.stderr.contains("--justification"), "{}", run.stderr);
    ok(&[
        "confirm",
        p(&assessment),
        "cryptography.crypto-algorithms",
        "--level",
        "3",
        "--justification",
        "plan approved",
        "--assessor",
        "Ada",
    ]);
    let report = ok(&[
        "report",
        p(&assessment),
        "--format",
        "json",
        "--evidence",
        p(&files),
        "--evidence",
        p(&inventory),
        "--now",
        NOW,
        "--previous",
        p(&previous),
        "--extension",
        p(&fixture(
            "official/2.0.0/extensions/pqc-extension-0.6.0.yaml",
        )),
    ]);
    let report: Value = serde_json::from_str(&report).unwrap();
    let schema: Value = serde_json::from_str(&ok(&["schema"])).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report["schema_version"], "2.0.0");
    assert_eq!(report["report_type"], "assessment");
    assert_eq!(report["requirements"].as_array().unwrap().len(), 77);
    assert!(report["overall"]["score"]["value"].as_f64().unwrap() > 0.0);
    assert!(report["summary"]["expired"].as_u64().unwrap() >= 1);
    assert!(!report["evidence"]["weak_crypto"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert!(!report["recommendations"].as_array().unwrap().is_empty());
    assert_eq!(
        report["comparison"]["requirements"][0]["id"],
        "G.cryptography.crypto-algorithms"
    );
    assert_eq!(
        report["extensions"][0]["id"]
            .as_str()
            .map(|s| !s.is_empty()),
        Some(true)
    );
}

#[test]
fn markdown_csv_and_prometheus_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (files, inventory, _) = bundles(dir.path());
    let assessment = dir.path().join("assessment.yaml");
    ok(&[
        "assess",
        p(&files),
        p(&inventory),
        "--now",
        NOW,
        "-o",
        p(&assessment),
    ]);
    ok(&[
        "confirm",
        p(&assessment),
        "certificate-management",
        "--accept-suggested",
        "--assessor",
        "Ada",
    ]);

    let md = ok(&[
        "report",
        p(&assessment),
        "--format",
        "markdown",
        "--type",
        "detailed",
    ]);
    assert!(md.starts_with("# PKIMM detailed assessment report"));
    assert!(
        md.contains("| M.certificate-management.cert-lifecycle |"),
        "{md}"
    );

    let csv = ok(&["report", p(&assessment), "--format", "csv"]);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 77);
    let r73 = records
        .iter()
        .find(|r| &r[0] == "M.certificate-management.cert-lifecycle")
        .unwrap();
    assert_eq!(&r73[4], "confirmed");
    assert_eq!(&r73[5], &r73[6], "accepted level equals the suggestion");

    let prom = ok(&[
        "report",
        p(&assessment),
        "--format",
        "prometheus",
        "--evidence",
        p(&files),
        "--now",
        NOW,
    ]);
    let sample = regex_lite_sample();
    let mut families = std::collections::BTreeSet::new();
    for line in prom.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            assert!(
                families.insert(rest.split(' ').next().unwrap().to_string()),
                "duplicate family {line}"
            );
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(sample(line), "not a valid sample line: {line}");
    }
    for family in [
        "pkimm_overall_level",
        "pkimm_category_level",
        "pkimm_findings",
        "pkimm_cert_not_after_seconds",
        "pkimm_crl_next_update_seconds",
        "pkimm_ocsp_up",
    ] {
        assert!(families.contains(family), "{family} missing");
    }
    assert!(prom.contains("pkimm_category_level{category=\"M.certificate-management\""));
}

/// A checker for Prometheus sample lines: name, optional labels, a number.
fn regex_lite_sample() -> impl Fn(&str) -> bool {
    |line: &str| {
        let Some((head, value)) = line.rsplit_once(' ') else {
            return false;
        };
        if value.parse::<f64>().is_err() {
            return false;
        }
        let name_end = head.find('{').unwrap_or(head.len());
        let name = &head[..name_end];
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        let labels = &head[name_end..];
        let labels_ok = labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}'));
        name_ok && labels_ok
    }
}

#[test]
fn html_report_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (files, inventory, _) = bundles(dir.path());
    let assessment = dir.path().join("assessment.yaml");
    ok(&[
        "assess",
        p(&files),
        p(&inventory),
        "--now",
        NOW,
        "-o",
        p(&assessment),
    ]);
    ok(&[
        "confirm",
        p(&assessment),
        "all",
        "--accept-suggested",
        "--assessor",
        "Ada",
    ]);
    let html = dir.path().join("report.html");
    ok(&[
        "report",
        p(&assessment),
        "--format",
        "html",
        "--evidence",
        p(&files),
        "--evidence",
        p(&inventory),
        "--now",
        NOW,
        "-o",
        p(&html),
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("id=\"category-chart\""));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external assets"
    );
    crate::browser::assert_renders(&html, "category-chart");
}

#[test]
fn demo_runs_the_whole_pipeline_offline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let stdout = ok(&["demo", "-o", p(&out)]);
    assert!(stdout.contains("Pre-filled"), "{stdout}");
    for name in [
        "evidence.json",
        "assessment.json",
        "report.html",
        "report.json",
        "report.md",
        "pkimm-evidence-manifest.json",
        "pkimm-assessment-credential.json",
    ] {
        assert!(out.join(name).exists(), "{name} missing");
    }
    let credential = read_json(&out.join("pkimm-assessment-credential.json"));
    assert_eq!(credential["model"]["version"], "2.0.0");
    assert_eq!(
        credential["basis"], "prefilled",
        "the demo has no decisions"
    );
    let manifest = std::fs::read(out.join("pkimm-evidence-manifest.json")).unwrap();
    assert_eq!(
        credential["evidence_manifest"]["sha256"],
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&manifest))
    );
    ok(&["validate", p(&out.join("assessment.json"))]);
    let evidence = read_json(&out.join("evidence.json"));
    assert_eq!(evidence["tls_endpoints"].as_array().unwrap().len(), 4);
    assert!(
        evidence["crls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["observations"][0]["source"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1")),
        "the demo CRL was fetched over HTTP"
    );
    let ocsp = evidence["ocsp_checks"].as_array().unwrap();
    assert_eq!(
        ocsp.len(),
        3,
        "the demo responder answered for the CA-issued leaves"
    );
    assert!(ocsp
        .iter()
        .all(|c| c["signature_valid"] == true && c["responder_authorisation"] == "ca"));
    assert!(ocsp.iter().any(|c| c["cert_status"] == "revoked"));
    let report = read_json(&out.join("report.json"));
    assert!(report["summary"]["suggested"].as_u64().unwrap() >= 20);
    assert!(!report["evidence"]["ocsp"].as_array().unwrap().is_empty());
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "cert.revoked-still-deployed"),
        "the revoked certificate still served is found"
    );
    crate::browser::assert_renders(&out.join("report.html"), "category-chart");
}
