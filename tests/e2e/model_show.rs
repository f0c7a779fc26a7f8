//! `pkimm model show`.

use crate::support::{fixture, pkimm};

#[test]
fn shows_the_embedded_model() {
    let run = pkimm(["model", "show"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("PKI Maturity Model 2.0.0 (4 modules, 16 categories, 77 requirements)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("G.cryptography"), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("M.certificate-management.cert-inventory"));
    assert!(run.stdout.contains("2 - Foundational"), "{}", run.stdout);
    assert!(!run.stdout.contains("Basic"));
}

#[test]
fn shows_the_official_2_0_0_model_from_a_file() {
    let model = fixture("official/2.0.0/pkimm-model-2.0.0.yaml");
    let run = pkimm(["model", "show", "--model", model.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .contains("PKI Maturity Model 2.0.0 (4 modules, 16 categories, 77 requirements)"));
    assert!(run.stdout.contains("G.strategy-and-vision.sponsor-support"));
    assert!(run.stdout.contains("2 - Foundational"));
    let run = pkimm([
        "model",
        "show",
        "--model",
        model.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let requirement = &json["modules"][0]["categories"][0]["requirements"][0];
    assert_eq!(requirement["id"], "G.strategy-and-vision.sponsor-support");
    assert_eq!(requirement["reference_ids"][0], "iso-27001");
    let run = pkimm([
        "model",
        "show",
        "--model",
        model.to_str().unwrap(),
        "--category",
        "strategy-and-vision",
    ]);
    assert!(
        run.stdout.contains("iso-27001: "),
        "reference titles come from the catalog beside the model: {}",
        run.stdout
    );
}

#[test]
fn shows_the_1_1_0_model_by_version() {
    let model = fixture("official/pkimm-model-1.1.0.yaml");
    let run = pkimm(["model", "show", "--model", model.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .contains("PKI Maturity Model 1.1.0 (4 modules, 16 categories, 78 requirements)"));
    assert!(run.stdout.contains("2 - Basic"));
}

#[test]
fn shows_the_official_1_0_0_model_from_a_file() {
    let model = fixture("official/pkimm-model-1.0.0.yaml");
    let run = pkimm(["model", "show", "--model", model.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .contains("PKI Maturity Model 1.0.0 (4 modules, 15 categories"));
    assert!(!run.stdout.contains("Cryptography"));
}

#[test]
fn json_has_every_category() {
    let run = pkimm(["model", "show", "--format", "json"]);
    let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let categories: usize = model["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["categories"].as_array().unwrap().len())
        .sum();
    assert_eq!(categories, 16);
}

#[test]
fn one_category_with_official_level_texts() {
    let model = fixture("official/pkimm-model-1.1.0.yaml");
    let run = pkimm([
        "--model",
        model.to_str().unwrap(),
        "model",
        "show",
        "--category",
        "Automation",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("11.1"));
    assert!(!run.stdout.contains("7.3"));
    assert!(run.stdout.contains("5 - Optimized"));
}

#[test]
fn unknown_category_is_an_error() {
    let run = pkimm(["model", "show", "--category", "99"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no category \"99\""), "{}", run.stderr);
}

#[test]
fn broken_model_file_names_file_and_field() {
    let text = std::fs::read_to_string(fixture("official/pkimm-model-1.1.0.yaml"))
        .unwrap()
        .replacen("weight: 5", "weight: five", 1);
    let (_dir, path) = crate::support::temp_file("model.yaml", &text);
    let run = pkimm(["model", "show", "--model", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("model.yaml:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("modules[0].categories[0].weight"),
        "{}",
        run.stderr
    );
}
