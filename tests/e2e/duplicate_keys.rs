//! A key given twice in any input is an error naming the file and the line
//! of the second occurrence, never a silently kept last value.

use std::path::Path;

use crate::support::{fixture, pkimm, temp_file};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs pkimm and checks it refuses the input at `file:line`.
fn refused(args: &[&str], file: &str, line: usize) {
    let run = pkimm(args);
    assert_eq!(
        run.code, 2,
        "pkimm {args:?} accepted a duplicate key:\n{}",
        run.stdout
    );
    let at = format!("{file}:{line}");
    assert!(
        run.stderr.contains(&at),
        "pkimm {args:?}: {at} not named:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("given twice") || run.stderr.contains("duplicate"),
        "pkimm {args:?}:\n{}",
        run.stderr
    );
}

/// A small evidence bundle in a fresh directory.
fn small_bundle() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = crate::support::small_bundle(dir.path());
    (dir, bundle)
}

#[test]
fn assessment_yaml() {
    let (_d, path) = temp_file(
        "a.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\nmode: full\nrequirements:\n  \"1.1\": { status: confirmed, level: 3 }\n  \"1.1\": { status: confirmed, level: 5 }\n",
    );
    refused(&["score", p(&path)], "a.yaml", 6);
    refused(&["validate", p(&path)], "a.yaml", 6);
}

#[test]
fn assessment_json() {
    let (_d, path) = temp_file(
        "a.json",
        "{\n  \"schema_version\": 1,\n  \"model\": \"2.0.0\",\n  \"mode\": \"self\",\n  \"categories\": {\n    \"G.compliance\": { \"level\": 2 },\n    \"G.compliance\": { \"level\": 4 }\n  }\n}\n",
    );
    refused(&["score", p(&path)], "a.json", 7);
}

#[test]
fn policy() {
    let (_d, path) = temp_file(
        "policy.yaml",
        "schema_version: 1\ncrypto:\n  min_rsa_bits: 2048\n  min_rsa_bits: 1024\n",
    );
    refused(&["policy", "check", p(&path)], "policy.yaml", 4);
}

#[test]
fn waivers() {
    let (_d, path) = temp_file(
        "waivers.yaml",
        "waivers:\n  - rule: crypto.rsa-min-size\n    reason: Appliance replaced in Q3\n    reason: again\n    expires: 2026-12-31\n",
    );
    let (_b, out) = small_bundle();
    refused(
        &["evaluate", p(&out), "--waivers", p(&path)],
        "waivers.yaml",
        4,
    );
}

#[test]
fn rule_file() {
    let (_d, path) = temp_file(
        "rules.yaml",
        "rules:\n  - id: my.rule\n    title: t\n    title: u\n    description: d\n    severity: low\n    pkimm: [M.certificate-management.cert-lifecycle]\n    applies_to: certificate\n    check: cert.validity_days <= 398\n    citation: c\n    remediation: r\n",
    );
    refused(&["rules", "list", "--rules", p(&path)], "rules.yaml", 4);
}

#[test]
fn level_mappings() {
    let (_d, path) = temp_file(
        "levels.yaml",
        "schema_version: 1\nschema_version: 1\nmappings: []\n",
    );
    let (dir, bundle) = small_bundle();
    let out = dir.path().join("a.json");
    refused(
        &["assess", p(&bundle), "-o", p(&out), "--levels", p(&path)],
        "levels.yaml",
        2,
    );
}

#[test]
fn scan_config() {
    let (_d, path) = temp_file(
        "scan.toml",
        "[store]\npath = \"a.db\"\n\n[job.web]\nschedule = \"@hourly\"\nschedule = \"@daily\"\n",
    );
    refused(&["config", "check", p(&path)], "scan.toml", 6);
}

#[test]
fn model_extension_and_profile_files() {
    let model = std::fs::read_to_string(fixture("official/2.0.0/pkimm-model-2.0.0.yaml")).unwrap();
    let line = model
        .lines()
        .position(|l| l.trim() == "version: 2.0.0")
        .unwrap()
        + 1;
    let doubled = model.replacen(
        "\nversion: 2.0.0\n",
        "\nversion: 2.0.0\nversion: 2.0.1\n",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("official/2.0.0/pkimm-references.yaml"),
        dir.path().join("pkimm-references.yaml"),
    )
    .unwrap();
    let path = dir.path().join("model.yaml");
    std::fs::write(&path, doubled).unwrap();
    refused(
        &["model", "show", "--model", p(&path)],
        "model.yaml",
        line + 1,
    );

    let extension = std::fs::read_to_string(fixture(
        "official/2.0.0/extensions/pqc-extension-0.6.0.yaml",
    ))
    .unwrap();
    let line = extension.lines().position(|l| l == "  id: pqc").unwrap() + 1;
    let (_d, ext) = temp_file(
        "ext.yaml",
        &extension.replacen("  id: pqc\n", "  id: pqc\n  id: pqc2\n", 1),
    );
    let (_d2, assessment) = temp_file(
        "a.yaml",
        "schema_version: 1\nmodel: \"2.0.0\"\nmode: self\ncategories: {}\n",
    );
    refused(
        &["score", p(&assessment), "--extension", p(&ext)],
        "ext.yaml",
        line + 1,
    );

    let profile = std::fs::read_to_string(fixture(
        "official/2.0.0/pkimm-self-assessment-profile-1.0.0.yaml",
    ))
    .unwrap();
    let (_d3, broken) = temp_file(
        "profile.yaml",
        &profile.replacen(
            "  family: maturity\n",
            "  family: maturity\n  family: maturity\n",
            1,
        ),
    );
    let line = profile
        .lines()
        .position(|l| l == "  family: maturity")
        .unwrap()
        + 2;
    refused(
        &["--profile", p(&broken), "score", p(&assessment)],
        "profile.yaml",
        line,
    );
}

#[test]
fn evidence_bundle() {
    let (_b, bundle) = small_bundle();
    let text = std::fs::read_to_string(&bundle).unwrap();
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("\"schema_version\""))
        .unwrap()
        + 1;
    let doubled = text.replacen(
        "\"schema_version\"",
        "\"schema_version\": \"1.0.0\",\n  \"schema_version\"",
        1,
    );
    std::fs::write(&bundle, doubled).unwrap();
    refused(&["evaluate", p(&bundle)], "small-bundle.json", line + 1);
}
