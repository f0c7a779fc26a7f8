//! `pkimm score` and `pkimm validate` on sample and malformed assessments.

use serde_json::Value;

use crate::support::{fixture, pkimm, temp_file};

fn sample() -> String {
    fixture("assessments/sample-full.yaml")
        .display()
        .to_string()
}

fn pqc() -> String {
    fixture("official/pqc-extension.yaml").display().to_string()
}

fn score_json(args: &[&str]) -> Value {
    let mut all = vec!["score", "--format", "json"];
    all.extend_from_slice(args);
    let run = pkimm(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("score JSON parses")
}

fn category_value(report: &Value, id: &str) -> Option<f64> {
    report["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()["score"]["value"]
        .as_f64()
}

/// The category and overall numbers of the sample assessment, computed by hand
/// from the model weights (see fixtures/assessments/sample-full.yaml).
#[test]
fn sample_full_assessment_matches_hand_computation() {
    let report = score_json(&[&sample()]);
    assert_eq!(report["schema_version"], "2.0.0");
    assert_eq!(report["model"]["version"], "1.1.0");
    assert_eq!(report["basis"], "assessed");

    let c1 = 21.0 / 8.0; // (3·3 + 3·2 + 2·2 + 2·1) / 8
    let c2 = 54.0 / 16.0; // 2.5 not applicable
    let c3 = 23.0 / 15.0; // 3.4 pending counts 0
    let c7 = 57.0 / 20.0;
    assert_eq!(category_value(&report, "1"), Some(c1));
    assert_eq!(category_value(&report, "2"), Some(c2));
    assert_eq!(category_value(&report, "3"), Some(c3));
    assert_eq!(category_value(&report, "7"), Some(c7));
    assert_eq!(category_value(&report, "9"), None);

    // Overall = Σ(category level × weight) / Σ(weight) over applicable categories.
    let categories = report["categories"].as_array().unwrap();
    let (sum, weights) = categories
        .iter()
        .filter_map(|c| Some((c["score"]["value"].as_f64()?, c["weight"].as_f64()?)))
        .fold((0.0, 0.0), |(s, w), (v, cw)| (s + v * cw, w + cw));
    let overall = report["overall"]["score"]["value"].as_f64().unwrap();
    assert!((overall - sum / weights).abs() < 1e-12);
    assert_eq!(weights, 49.0); // 52 minus category 9's weight 3
    assert_eq!(report["overall"]["score"]["rounded"], 2.7);
    assert_eq!(report["overall"]["score"]["level"], 2);
    assert_eq!(report["overall"]["score"]["name"], "Basic");

    let requirement = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "7.4")
        .unwrap();
    assert_eq!(requirement["source"], "overridden");
    assert_eq!(requirement["suggested"], 3);
}

#[test]
fn prefilled_basis_counts_suggestions() {
    let assessed = score_json(&[&sample()]);
    let prefilled = score_json(&[&sample(), "--basis", "prefilled"]);
    assert_eq!(prefilled["basis"], "prefilled");
    // 3.4 is pending with suggestion 3 (weight 5): (23 + 15) / 15.
    assert_eq!(category_value(&assessed, "3"), Some(23.0 / 15.0));
    assert_eq!(category_value(&prefilled, "3"), Some(38.0 / 15.0));
}

#[test]
fn text_output_shows_categories_modules_overall_and_extension() {
    let run = pkimm(["score", &sample(), "--extension", &pqc()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "Strategy and Vision",
        "Not applicable",
        "Governance",
        "Overall PKI maturity: 2.70 Basic",
        "Extension pqc 0.1.0",
        "Floor score:",
        "Extension-weighted PKIMM score:",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected:?} in\n{}",
            run.stdout
        );
    }
}

#[test]
fn pqc_extension_in_json() {
    let report = score_json(&[&sample(), "--extension", &pqc()]);
    let pqc = &report["extensions"][0];
    assert_eq!(pqc["id"], "pqc");
    assert_eq!(pqc["categories"].as_array().unwrap().len(), 4);
    assert!(pqc["floor"]["value"].as_f64().unwrap() <= pqc["score"]["value"].as_f64().unwrap());
}

#[test]
fn self_assessment_scores_category_levels() {
    let report = score_json(&[&fixture("assessments/sample-self.yaml")
        .display()
        .to_string()]);
    assert_eq!(report["mode"], "self");
    assert_eq!(category_value(&report, "5"), Some(2.0));
    // Σ level·weight over applicable categories / 49.
    let expected = (3 * 5
        + 3 * 4
        + 2 * 2
        + 3 * 3
        + 2 * 5
        + 3 * 4
        + 3 * 4
        + 3 * 2
        + 3 * 4
        + 2 * 2
        + 3 * 2
        + 3 * 2
        + 3 * 4
        + 2 * 3
        + 2 * 3) as f64
        / 49.0;
    assert!((report["overall"]["score"]["value"].as_f64().unwrap() - expected).abs() < 1e-12);
}

#[test]
fn fail_below_sets_exit_code_one() {
    let run = pkimm(["score", &sample(), "--fail-below", "3"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("below --fail-below 3.00"));
    assert_eq!(pkimm(["score", &sample(), "--fail-below", "2"]).code, 0);
}

fn assert_rejected(name: &str, text: &str, field: &str, line: usize) {
    let (_dir, path) = temp_file(name, text);
    let path = path.display().to_string();
    for command in ["score", "validate"] {
        let run = pkimm([command, &path]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        let location = format!("{path}:{line}:");
        assert!(
            run.stderr.contains(&location),
            "{command}: expected {location} in {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(field),
            "{command}: expected {field} in {}",
            run.stderr
        );
    }
}

#[test]
fn level_seven_is_rejected_with_file_line_and_field() {
    assert_rejected(
        "level7.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"7.3\":\n    level: 7\n",
        "requirements.\"7.3\".level",
        5,
    );
}

#[test]
fn unknown_category_is_rejected() {
    assert_rejected(
        "category.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\ncategories:\n  \"17\": { status: not_applicable, reason: x }\n",
        "categories.\"17\"",
        4,
    );
}

#[test]
fn broken_yaml_is_rejected() {
    assert_rejected(
        "broken.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"7.3\": { level: 3\n",
        "",
        5,
    );
}

#[test]
fn garbage_bytes_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.yaml");
    std::fs::write(&path, [0xff, 0xfe, 0x00, 0x01, 0x80]).unwrap();
    let run = pkimm(["score", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("garbage.yaml is not UTF-8 text"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_file_is_rejected() {
    let run = pkimm(["score", "/nonexistent/assessment.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot read /nonexistent/assessment.yaml"),
        "{}",
        run.stderr
    );
}

#[test]
fn malformed_extension_is_rejected_with_file_and_field() {
    let text = std::fs::read_to_string(pqc()).unwrap().replacen(
        "type: \"multiplier\"",
        "type: \"percent\"",
        1,
    );
    let (_dir, path) = temp_file("pqc-extension.yaml", &text);
    let run = pkimm(["score", &sample(), "--extension", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pqc-extension.yaml:"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("overlays.modules[0].categories[0].requirements[0].type"),
        "{}",
        run.stderr
    );
}

#[test]
fn extension_for_another_model_version_is_rejected() {
    let model = fixture("official/pkimm-model-1.0.0.yaml")
        .display()
        .to_string();
    let (_dir, path) = temp_file(
        "old.yaml",
        "schema_version: 1\nmodel: \"1.0.0\"\nrequirements:\n  \"5.1\": { level: 2 }\n",
    );
    let run = pkimm([
        "--model",
        &model,
        "score",
        path.to_str().unwrap(),
        "--extension",
        &pqc(),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("extension.compatibility"),
        "{}",
        run.stderr
    );
    // Without the extension the 1.0.0 assessment scores fine.
    let run = pkimm(["--model", &model, "score", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn validate_accepts_the_sample() {
    let run = pkimm(["validate", &sample()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("valid PKIMM 1.1.0 assessment"));
}
