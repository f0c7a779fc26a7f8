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
    let lifecycle = "M.certificate-management.cert-lifecycle";
    let profiles = "M.certificate-management.cert-profiles";
    // One scan of the fixture PKI: capped, never above 2, never at low
    // confidence, and an open high finding holds lifecycle at 2.
    assert_eq!(suggested(&a, lifecycle), Some((2, "medium".into())));
    assert!(a["requirements"][lifecycle]["suggested"]["cap"]
        .as_str()
        .unwrap()
        .contains("open high finding"));
    assert_eq!(
        suggested(&a, profiles),
        Some((1, "medium".into())),
        "fewer than 70% of the fixture certificates conform"
    );
    let rationale = a["requirements"][profiles]["suggested"]["rationale"]
        .as_str()
        .unwrap();
    assert!(
        rationale.contains("Evidences c5 (")
            && rationale.contains("Cannot evidence c1, c2, c3")
            && rationale.contains("Contradicting: ")
            && rationale.contains(".example.test"),
        "{rationale}"
    );
    assert!(!a["requirements"][profiles]["suggested"]["evidence"]
        .as_array()
        .unwrap()
        .is_empty());
    // Algorithms are documents: no number, but the weak keys show as
    // contradicting evidence with the ceiling they imply.
    let algorithms = &a["requirements"]["G.cryptography.crypto-algorithms"];
    assert!(algorithms["suggested"].is_null());
    assert!(algorithms["observed"]["contradicting"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["rule"] == "crypto.rsa-min-size"));
    // Untouched requirements stay pending with a note, never a guess.
    let sponsor = "G.strategy-and-vision.sponsor-support";
    assert!(a["requirements"][sponsor]["suggested"].is_null());
    assert!(a["requirements"][sponsor]["note"]
        .as_str()
        .unwrap()
        .contains("needs assessor"));

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
        "certificate-management.cert-profiles",
        "--level",
        "3",
        "--justification",
        "profiles fixed last week",
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
    assert_eq!(a["requirements"][lifecycle]["status"], "confirmed");
    assert_eq!(a["requirements"][lifecycle]["level"], 2);
    assert_eq!(a["requirements"][profiles]["status"], "overridden");
    assert_eq!(a["requirements"][sponsor]["status"], "not_applicable");
    ok(&["validate", p(&assessment)]);

    // The evidence changes: three certificates are too few for a number.
    ok(&["assess", p(&small), "--now", NOW, "-o", p(&assessment)]);
    assert!(
        dir.path().join("assessment.json.bak").exists(),
        "previous version kept"
    );
    let a = read_json(&assessment);
    let entry = &a["requirements"][lifecycle];
    assert_eq!(entry["status"], "confirmed", "assessor fields survive");
    assert_eq!(entry["level"], 2);
    assert_eq!(entry["assessor"], "Ada");
    assert!(suggested(&a, lifecycle).is_none());
    assert!(
        entry["stale"]
            .as_str()
            .unwrap()
            .contains("from level 2 to no suggestion"),
        "{entry}"
    );
    assert_eq!(
        a["requirements"]["M.key-management.key-inventory"]["justification"],
        "key inventory reviewed"
    );
    assert_eq!(a["requirements"][sponsor]["reason"], "out of scope");

    // The full evidence again: the suggestion returns and the mark clears.
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
    assert!(a["requirements"][lifecycle]["stale"].is_null());

    // Bulk acceptance of high-confidence suggestions only: one scan without
    // a declared scope gives none.
    let run = pkimm([
        "confirm",
        p(&assessment),
        "all",
        "--accept-suggested",
        "--high-confidence-only",
    ]);
    assert_eq!(run.code, 2, "no high-confidence suggestion");
    assert!(run.stderr.contains("high-confidence"), "{}", run.stderr);
}

#[test]
fn criteria_files_name_the_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let (files, _, _) = bundles(dir.path());
    let levels = dir.path().join("levels.yaml");
    let out = dir.path().join("a.json");
    // The schema 1 ladders are refused with the way forward.
    std::fs::write(
        &levels,
        "schema_version: 1\nmappings:\n  - requirement: \"7.3\"\n    subject: certificates\n",
    )
    .unwrap();
    let run = pkimm(["assess", p(&files), "-o", p(&out), "--levels", p(&levels)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("levels.yaml:1") && run.stderr.contains("schema_version 2"),
        "{}",
        run.stderr
    );
    // A criteria file with a bad type names the field.
    std::fs::write(
        &levels,
        "schema_version: 2\ncategory: M.certificate-management\nrequirements:\n  - requirement: certificate-management.cert-lifecycle\n    prefill: capped\n    subject: certificates\n    criteria:\n      - { id: c7, type: X, text: t }\n",
    )
    .unwrap();
    let run = pkimm(["assess", p(&files), "-o", p(&out), "--levels", p(&levels)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("levels.yaml:8"), "{}", run.stderr);
    assert!(run.stderr.contains("criteria[0]"), "{}", run.stderr);
    // A file that drops a criterion the rules link to is refused.
    std::fs::write(
        &levels,
        "schema_version: 2\ncategory: M.certificate-management\nrequirements:\n  - requirement: certificate-management.cert-lifecycle\n    prefill: capped\n    subject: certificates\n    criteria:\n      - { id: c7, type: I, text: Automated monitoring and alerting of expiration }\n",
    )
    .unwrap();
    let run = pkimm(["assess", p(&files), "-o", p(&out), "--levels", p(&levels)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no criterion M.certificate-management.cert-lifecycle#c"),
        "{}",
        run.stderr
    );
    // An organisation may decide a requirement gets no number from evidence.
    std::fs::write(
        &levels,
        "schema_version: 2\ncategory: M.certificate-management\nrequirements:\n  - requirement: certificate-management.cert-profiles\n    prefill: observations\n    why: our profiles are checked by the CA vendor\n    criteria:\n      - { id: c4, type: I, text: t }\n      - { id: c5, type: I, text: t }\n      - { id: c6, type: I, text: t }\n      - { id: c7, type: I, text: t }\n",
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
    let profiles = &a["requirements"]["M.certificate-management.cert-profiles"];
    assert!(profiles["suggested"].is_null());
    assert!(profiles["note"]
        .as_str()
        .unwrap()
        .contains("checked by the CA vendor"));
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
        "certificate-management.cert-profiles",
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
        "certificate-management.cert-profiles",
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
    assert_eq!(report["schema_version"], "2.1.0");
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
        "M.certificate-management.cert-profiles"
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
    // One scan: no suggestion above 2, none at low confidence, and every
    // suggestion names the criteria it evidences and those it cannot.
    let assessment = read_json(&out.join("assessment.json"));
    let mut suggestions = 0;
    for (id, entry) in assessment["requirements"].as_object().unwrap() {
        let Some(s) = entry["suggested"].as_object() else {
            continue;
        };
        suggestions += 1;
        assert!(s["level"].as_u64().unwrap() <= 2, "{id}: {entry}");
        assert_ne!(s["confidence"], "low", "{id}");
        assert!(s["cap"].is_string(), "{id}: the ceiling is named");
        let observed = &entry["observed"];
        assert!(
            !observed["evidences"].as_array().unwrap().is_empty(),
            "{id}: criteria evidenced"
        );
        assert!(
            !observed["cannot_evidence"].as_array().unwrap().is_empty(),
            "{id}: criteria it cannot evidence"
        );
        let rationale = s["rationale"].as_str().unwrap();
        assert!(
            rationale.contains("Evidences c") && rationale.contains("Cannot evidence c"),
            "{id}: {rationale}"
        );
    }
    assert!(suggestions >= 3, "{suggestions} suggestions");
    let report = read_json(&out.join("report.json"));
    assert_eq!(report["summary"]["suggested"], suggestions);
    assert_eq!(report["prefilled_basis"]["suggested"], suggestions);
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
