//! Scoring checked against hand computations and the worked examples of
//! `extension-scoring.md` (PKIMM extension framework), to 2 decimals.

use std::path::PathBuf;

use pkimm_model::{
    embedded_model_version, load_extension_file, load_model_file, parse_extension, parse_model,
    Model, ModelSource,
};
use pkimm_scoring::arith::round2;
use pkimm_scoring::profile::ScoringParameters;
use pkimm_scoring::report::ToolRef;
use pkimm_scoring::{
    parse_assessment, score, score_extension, Basis, ExtensionScore, ScoreReport, Scorecard,
};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(path)
}

/// A two-category model shaped like the end-to-end worked example: category 1
/// has requirements weighted 3, 2, 1 and category weight 4; category 2 (the
/// example's C') has requirements weighted 9 and 1 and category weight 3.
const EXAMPLE_MODEL: &str = r#"
schemaVersion: "1.0.0"
version: "1.1.0"
modules:
  - id: "G"
    name: "Governance"
    description: "d"
    categories:
      - id: "1"
        weight: 4
        name: "C"
        description: "d"
        requirements:
          - { id: "1", weight: 3, description: "r1" }
          - { id: "2", weight: 2, description: "r2" }
          - { id: "3", weight: 1, description: "r3" }
      - id: "2"
        weight: 3
        name: "C prime"
        description: "d"
        requirements:
          - { id: "1", weight: 9, description: "a" }
          - { id: "2", weight: 1, description: "b" }
"#;

const EXAMPLE_EXTENSION: &str = r#"
schemaVersion: "1.0.0"
extension:
  id: "example"
  name: "Example"
  version: "1.0.0"
  description: "Worked example"
  compatibility: ["1.1.0"]
  documentation: "https://example.org"
  floorScore: true
relevance:
  modules:
    - id: "G"
      categories:
        - id: "1"
          weight: 2
          guidance: g
          assessment: a
          references: r
          levels:
            - { number: 1, name: "1 - Initial", description: d }
            - { number: 2, name: "2 - Basic", description: d }
            - { number: 3, name: "3 - Advanced", description: d }
            - { number: 4, name: "4 - Managed", description: d }
            - { number: 5, name: "5 - Optimized", description: d }
overlays:
  modules:
    - id: "G"
      categories:
        - id: "1"
          type: multiplier
          multiplier: 1.25
          rationale: "emphasis"
          requirements:
            - { id: "1", type: multiplier, multiplier: 1.5, rationale: "emphasis" }
        - id: "2"
"#;

fn example_model() -> Model {
    parse_model("example-model.yaml", EXAMPLE_MODEL, ModelSource::Embedded).unwrap()
}

/// Scores `assessment` (YAML) against the example model and extension.
fn score_example(assessment: &str) -> (Scorecard, ExtensionScore) {
    let model = example_model();
    let extension = parse_extension("example-extension.yaml", EXAMPLE_EXTENSION, &model).unwrap();
    let assessment = parse_assessment("a.yaml", assessment, &model).unwrap();
    let card = score(
        &model,
        &assessment,
        Basis::Assessed,
        &ScoringParameters::default(),
    );
    let result = score_extension(&model, &extension, &assessment, &card);
    (card, result)
}

#[test]
fn end_to_end_worked_example() {
    let (card, result) = score_example(
        r#"
schema_version: 1
model: "1.1.0"
requirements:
  "1.1": { level: 4 }
  "1.2": { level: 3 }
  "1.3": { level: 4 }
  "2.1": { level: 4 }
  "2.2": { level: 5 }
extensions:
  example:
    relevance:
      "1": { level: 2 }
"#,
    );

    let c = &result.categories[0];
    // Step 1: effective weights 4.5, 2, 1 → WeightSum_C = 7.5.
    assert_eq!(c.weight_sum, 7.5);
    // Step 2: Level_C = 28 / 7.5 = 3.73.
    assert_eq!(round2(c.level.unwrap()), 3.73);
    // Step 3: (3.73 × 7.5 + 2 × 2) / 9.5 = 3.37.
    assert_eq!(c.extension_level.as_ref().unwrap().rounded, 3.37);
    // Step 4: effective category weight 4 × 1.25 = 5.
    assert_eq!(c.effective_weight, 5.0);

    let c_prime = &result.categories[1];
    assert_eq!(c_prime.extension_level.as_ref().unwrap().rounded, 4.10);
    assert_eq!(c_prime.effective_weight, 3.0);

    // Step 5: (3.37 × 5 + 4.10 × 3) / 8 = 3.64; floor min(3.37, 4.10) = 3.37.
    assert_eq!(result.score.as_ref().unwrap().rounded, 3.64);
    assert_eq!(result.floor.as_ref().unwrap().rounded, 3.37);

    // Baseline is untouched: category 1 is (4·3 + 3·2 + 4·1) / 6 = 3.67.
    assert_eq!(
        card.category("1").unwrap().score.as_ref().unwrap().rounded,
        3.67
    );
    // Extension-weighted PKIMM: (3.6667 × 5 + 4.1 × 3) / 8 = 3.83.
    assert_eq!(result.weighted_pkimm.as_ref().unwrap().rounded, 3.83);
}

/// "Example – Extension category level" and "Example — Full assessment":
/// Level_C = 3.6, WeightSum_C = 7.5, relevance 2 with weight 2 → 3.26.
#[test]
fn full_assessment_category_level_example() {
    // Levels 4, 3, 3 with effective weights 4.5, 2, 1 give 27 / 7.5 = 3.6.
    let (_, result) = score_example(
        "schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"1.1\": { level: 4 }\n  \"1.2\": { level: 3 }\n  \"1.3\": { level: 3 }\nextensions:\n  example:\n    relevance:\n      \"1\": { level: 2 }\n",
    );
    let c = &result.categories[0];
    assert_eq!(round2(c.level.unwrap()), 3.6);
    assert_eq!(c.extension_level.as_ref().unwrap().rounded, 3.26);
}

/// "Example — Self-assessment": Level_C = 4 entered directly, WeightSum_C = 7.5
/// from the model and overlays, relevance 2 with weight 2 → 3.58.
#[test]
fn self_assessment_category_level_example() {
    let (card, result) = score_example(
        "schema_version: 1\nmodel: \"1.1.0\"\nmode: self\ncategories:\n  \"1\": { level: 4 }\n  \"2\": { level: 3 }\nextensions:\n  example:\n    relevance:\n      \"1\": { level: 2 }\n",
    );
    let c = &result.categories[0];
    assert_eq!(c.weight_sum, 7.5);
    assert_eq!(c.extension_level.as_ref().unwrap().rounded, 3.58);
    // Self-assessment overall: (4 × 4 + 3 × 3) / 7 = 3.57 → Advanced.
    let overall = card.overall.score.as_ref().unwrap();
    assert_eq!(overall.rounded, 3.57);
    assert_eq!(overall.name, "Advanced");
}

/// "Example – Extension score": G.1 at 2.53 weight 4 and G.2 at 3.0 weight 6 → 2.81.
#[test]
fn extension_score_example() {
    let model_text = EXAMPLE_MODEL
        .replace(
            "          - { id: \"1\", weight: 3, description: \"r1\" }\n          - { id: \"2\", weight: 2, description: \"r2\" }\n          - { id: \"3\", weight: 1, description: \"r3\" }",
            "          - { id: \"1\", weight: 53, description: \"r1\" }\n          - { id: \"2\", weight: 47, description: \"r2\" }",
        )
        .replace("weight: 3\n        name: \"C prime\"", "weight: 6\n        name: \"C prime\"");
    let model = parse_model("m.yaml", &model_text, ModelSource::Embedded).unwrap();
    let extension_text = r#"
schemaVersion: "1.0.0"
extension: { id: "e", name: "E", version: "1.0.0", description: "d", compatibility: ["1.1.0"], documentation: "https://example.org" }
relevance: {}
overlays:
  modules:
    - id: "G"
      categories:
        - id: "1"
        - id: "2"
"#;
    let extension = parse_extension("e.yaml", extension_text, &model).unwrap();
    let assessment = parse_assessment(
        "a.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"1.1\": { level: 3 }\n  \"1.2\": { level: 2 }\n  \"2.1\": { level: 3 }\n  \"2.2\": { level: 3 }\n",
        &model,
    )
    .unwrap();
    let card = score(
        &model,
        &assessment,
        Basis::Assessed,
        &ScoringParameters::default(),
    );
    let result = score_extension(&model, &extension, &assessment, &card);
    assert_eq!(
        result.categories[0]
            .extension_level
            .as_ref()
            .unwrap()
            .rounded,
        2.53
    );
    assert_eq!(result.score.as_ref().unwrap().rounded, 2.81);
    assert!(result.floor.is_none(), "floorScore is not set");
}

/// The sample full assessment in `fixtures/assessments/`, against a computation
/// written out by hand from the embedded model's weights.
#[test]
fn sample_full_assessment_matches_hand_computation() {
    let model = embedded_model_version("1.1.0").unwrap();
    let assessment =
        pkimm_scoring::load_assessment_file(&fixture("assessments/sample-full.yaml"), model)
            .unwrap();
    let card = score(
        model,
        &assessment,
        Basis::Assessed,
        &ScoringParameters::default(),
    );
    let level = |id: &str| card.category(id).unwrap().score.as_ref().map(|s| s.value);

    // 1 Strategy and Vision: weights 3,2,2,1; levels 3,3,2,2 → (9+6+4+2)/8.
    let c1 = (3.0 * 3.0 + 3.0 * 2.0 + 2.0 * 2.0 + 2.0 * 1.0) / 8.0;
    // 2 Policies: weights 2,5,5,4,3; levels 3,4,4,2 and 2.5 not applicable.
    let c2 = (3.0 * 2.0 + 4.0 * 5.0 + 4.0 * 5.0 + 2.0 * 4.0) / 16.0;
    // 3 Compliance: weights 3,4,3,5; levels 2,2,3 and 3.4 pending (counts 0).
    let c3 = (2.0 * 3.0 + 2.0 * 4.0 + 3.0 * 3.0 + 0.0 * 5.0) / 15.0;
    // 4 Processes: weights 4,3,5,3,2; all level 3.
    let c4 = 3.0;
    // 5 Cryptography: weights 3,5,3,5,4,5; levels 2,3,3,2,2,1.
    let c5 = (2.0 * 3.0 + 3.0 * 5.0 + 3.0 * 3.0 + 2.0 * 5.0 + 2.0 * 4.0 + 1.0 * 5.0) / 25.0;
    // 6 Key management: weights 2,2,1,2,2,3; levels 3,2,3,3,4,2.
    let c6 = (3.0 * 2.0 + 2.0 * 2.0 + 3.0 * 1.0 + 3.0 * 2.0 + 4.0 * 2.0 + 2.0 * 3.0) / 12.0;
    // 7 Certificate management: weights 2,3,4,3,2,4,2; levels 4,3,3,2,2,3,3.
    let c7 =
        (4.0 * 2.0 + 3.0 * 3.0 + 3.0 * 4.0 + 2.0 * 3.0 + 2.0 * 2.0 + 3.0 * 4.0 + 3.0 * 2.0) / 20.0;
    // 8 Infrastructure: weights 4,3,3,1,2; levels 3,4,3,2,3.
    let c8 = (3.0 * 4.0 + 4.0 * 3.0 + 3.0 * 3.0 + 2.0 * 1.0 + 3.0 * 2.0) / 13.0;
    // 9 Change management: whole category not applicable.
    // 10 Resilience: weights 6,4,5,3,3,4; levels 3,3,4,2,3,3.
    let c10 = (3.0 * 6.0 + 3.0 * 4.0 + 4.0 * 5.0 + 2.0 * 3.0 + 3.0 * 3.0 + 3.0 * 4.0) / 25.0;
    // 11 Automation: weights 3,1,1; levels 2,2,1.
    let c11 = (2.0 * 3.0 + 2.0 * 1.0 + 1.0 * 1.0) / 5.0;
    // 12 Interoperability: weights 3,1,3; levels 3,3,4.
    let c12 = (3.0 * 3.0 + 3.0 * 1.0 + 4.0 * 3.0) / 7.0;
    // 13 Monitoring: weights 4,4,5,5,3,2; levels 4,4,3,3,2,3.
    let c13 = (4.0 * 4.0 + 4.0 * 4.0 + 3.0 * 5.0 + 3.0 * 5.0 + 2.0 * 3.0 + 3.0 * 2.0) / 23.0;
    // 14 Sourcing: weights 5,3,4,3; levels 3,3,3,2.
    let c14 = (3.0 * 5.0 + 3.0 * 3.0 + 3.0 * 4.0 + 2.0 * 3.0) / 15.0;
    // 15 Knowledge: weights 2,2,2,1,2; levels 2,2,3,1,2.
    let c15 = (2.0 * 2.0 + 2.0 * 2.0 + 3.0 * 2.0 + 1.0 * 1.0 + 2.0 * 2.0) / 9.0;
    // 16 Awareness: weights 2,2,1,2; levels 2,3,4,2.
    let c16 = (2.0 * 2.0 + 3.0 * 2.0 + 4.0 * 1.0 + 2.0 * 2.0) / 7.0;

    let expected = [
        ("1", Some(c1)),
        ("2", Some(c2)),
        ("3", Some(c3)),
        ("4", Some(c4)),
        ("5", Some(c5)),
        ("6", Some(c6)),
        ("7", Some(c7)),
        ("8", Some(c8)),
        ("9", None),
        ("10", Some(c10)),
        ("11", Some(c11)),
        ("12", Some(c12)),
        ("13", Some(c13)),
        ("14", Some(c14)),
        ("15", Some(c15)),
        ("16", Some(c16)),
    ];
    for (id, value) in expected {
        match (level(id), value) {
            (Some(got), Some(want)) => {
                assert!((got - want).abs() < 1e-12, "category {id}: {got} vs {want}")
            }
            (None, None) => {}
            other => panic!("category {id}: {other:?}"),
        }
    }
    assert_eq!(
        card.category("9").unwrap().not_applicable_reason.as_deref(),
        Some("Change management is run by the group IT function, outside this scope")
    );

    // Overall: category weights 5,4,2,3,5,4,4,2,(3 n/a),4,2,2,2,4,3,3.
    let weights = [
        5.0, 4.0, 2.0, 3.0, 5.0, 4.0, 4.0, 2.0, 4.0, 2.0, 2.0, 2.0, 4.0, 3.0, 3.0,
    ];
    let levels = [
        c1, c2, c3, c4, c5, c6, c7, c8, c10, c11, c12, c13, c14, c15, c16,
    ];
    let overall: f64 =
        levels.iter().zip(weights).map(|(l, w)| l * w).sum::<f64>() / weights.iter().sum::<f64>();
    let got = card.overall.score.as_ref().unwrap();
    assert!(
        (got.value - overall).abs() < 1e-12,
        "{} vs {overall}",
        got.value
    );
    assert_eq!(got.level, overall.trunc() as u8);

    // Module M: categories 6, 7, 8 (9 not applicable) with weights 4, 4, 2.
    let module_m = (c6 * 4.0 + c7 * 4.0 + c8 * 2.0) / 10.0;
    let got_m = card.module("M").unwrap().score.as_ref().unwrap().value;
    assert!((got_m - module_m).abs() < 1e-12);

    // Statistics: one pending (3.4), one n/a requirement (2.5) plus the five of category 9.
    assert_eq!(card.overall.statistics.not_evaluated, 1);
    assert_eq!(card.overall.statistics.not_applicable, 6);
}

#[test]
fn pending_requirements_count_only_with_the_prefilled_basis() {
    let model = embedded_model_version("1.1.0").unwrap();
    let assessment = parse_assessment(
        "a.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"11.1\": { level: 3 }\n  \"11.2\":\n    status: pending\n    suggested: { level: 4, confidence: high }\n",
        model,
    )
    .unwrap();
    let assessed = score(
        model,
        &assessment,
        Basis::Assessed,
        &ScoringParameters::default(),
    );
    let prefilled = score(
        model,
        &assessment,
        Basis::Prefilled,
        &ScoringParameters::default(),
    );
    // Automation weights 3, 1, 1: assessed (9 + 0 + 0) / 5, pre-filled (9 + 4 + 0) / 5.
    assert_eq!(
        assessed
            .category("11")
            .unwrap()
            .score
            .as_ref()
            .unwrap()
            .value,
        1.8
    );
    assert_eq!(
        prefilled
            .category("11")
            .unwrap()
            .score
            .as_ref()
            .unwrap()
            .value,
        2.6
    );
    assert_eq!(
        assessed
            .category("11")
            .unwrap()
            .score
            .as_ref()
            .unwrap()
            .name,
        "Initial"
    );
}

#[test]
fn category_with_every_requirement_not_applicable_leaves_the_overall() {
    let model = embedded_model_version("1.1.0").unwrap();
    let assessment = parse_assessment(
        "a.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"11.1\": { status: not_applicable, reason: r }\n  \"11.2\": { status: not_applicable, reason: r }\n  \"11.3\": { status: not_applicable, reason: r }\n  \"12.1\": { level: 5 }\n  \"12.2\": { level: 5 }\n  \"12.3\": { level: 5 }\n",
        model,
    )
    .unwrap();
    let card = score(
        model,
        &assessment,
        Basis::Assessed,
        &ScoringParameters::default(),
    );
    assert!(card.category("11").unwrap().score.is_none());
    assert_eq!(
        card.category("11")
            .unwrap()
            .not_applicable_reason
            .as_deref(),
        Some("no applicable requirement")
    );
    // Everything else is not evaluated (0): overall = 5·2 / (52 − 2).
    let overall = card.overall.score.as_ref().unwrap();
    assert!((overall.value - 10.0 / 50.0).abs() < 1e-12);
    assert_eq!(overall.name, "Not evaluated");
}

/// The official PQC extension on the sample assessment.
#[test]
fn official_pqc_extension_on_the_sample_assessment() {
    let model = load_model_file(&fixture("official/pkimm-model-1.1.0.yaml")).unwrap();
    let pqc = load_extension_file(&fixture("official/pqc-extension.yaml"), &model).unwrap();
    let assessment =
        pkimm_scoring::load_assessment_file(&fixture("assessments/sample-full.yaml"), &model)
            .unwrap();
    let tool = ToolRef {
        name: "pkimm".into(),
        version: "test".into(),
    };
    let report = ScoreReport::build(
        tool,
        &model,
        &assessment,
        &[pqc],
        Basis::Assessed,
        pkimm_scoring::profile::embedded_profile(),
    );
    let pqc = &report.extensions[0];
    assert_eq!(pqc.categories.len(), 4);

    // Category 1: overlays ×2, ×2, ×2, ×2.5 on weights 3,2,2,1 → 6,4,4,2.5 (sum 16.5);
    // levels 3,3,2,2 → Level_C = (18+12+8+5)/16.5; relevance 3 weight 5.
    let l1 = (3.0 * 6.0 + 3.0 * 4.0 + 2.0 * 4.0 + 2.0 * 2.5) / 16.5;
    let e1 = (l1 * 16.5 + 3.0 * 5.0) / (16.5 + 5.0);
    // Category 2: ×1.5 on 2,5,5,4 and ×2 on 3 (2.5 not applicable) → 3,7.5,7.5,6 (sum 24);
    // levels 3,4,4,2 → Level_C = (9+30+30+12)/24; relevance 2 weight 5.
    let l2 = (3.0 * 3.0 + 4.0 * 7.5 + 4.0 * 7.5 + 2.0 * 6.0) / 24.0;
    let e2 = (l2 * 24.0 + 2.0 * 5.0) / 29.0;
    // Category 3: ×2, ×1.5, ×1.5, ×1 on 3,4,3,5 → 6,6,4.5,5 (sum 21.5); levels 2,2,3,0
    // (3.4 pending); relevance not given → 0 with weight 5.
    let l3 = (2.0 * 6.0 + 2.0 * 6.0 + 3.0 * 4.5) / 21.5;
    let e3 = (l3 * 21.5) / 26.5;
    // Category 4: ×1.5, ×2, ×1, ×2, ×2 on 4,3,5,3,2 → 6,6,5,6,4 (sum 27); all level 3;
    // relevance 1 weight 5.
    let e4 = (3.0 * 27.0 + 1.0 * 5.0) / 32.0;
    let expected = [e1, e2, e3, e4];
    for (category, want) in pqc.categories.iter().zip(expected) {
        let got = category.extension_level.as_ref().unwrap().value;
        assert!(
            (got - want).abs() < 1e-12,
            "category {}: {got} vs {want}",
            category.id
        );
    }
    // No category overlays: weights stay 5, 4, 2, 3.
    let score = (e1 * 5.0 + e2 * 4.0 + e3 * 2.0 + e4 * 3.0) / 14.0;
    assert!((pqc.score.as_ref().unwrap().value - score).abs() < 1e-12);
    let floor = expected.iter().copied().fold(f64::INFINITY, f64::min);
    assert!((pqc.floor.as_ref().unwrap().value - floor).abs() < 1e-12);
    // Without category overlays the extension-weighted PKIMM equals the baseline.
    assert_eq!(
        pqc.weighted_pkimm.as_ref().unwrap().value,
        report.overall.score.as_ref().unwrap().value
    );
}

/// The official self-assessment workbook (Report sheet) gives a category left
/// not evaluated weight 0: module G with Strategy 2 (weight 5), Policies not
/// evaluated, Compliance 4 (weight 2) and Processes 2 (weight 3) scores
/// (2·5 + 4·2 + 2·3) / (5 + 2 + 3) = 2.40, not 1.71.
#[test]
fn self_mode_leaves_unevaluated_categories_out() {
    for version in ["1.0.0", "1.1.0"] {
        let model = embedded_model_version(version).unwrap();
        let text = format!(
            "schema_version: 1\nmodel: \"{version}\"\nmode: self\ncategories:\n  \"1\": {{ level: 2 }}\n  \"3\": {{ level: 4 }}\n  \"4\": {{ level: 2 }}\n"
        );
        let assessment = parse_assessment("self.yaml", &text, model).unwrap();
        let card = score(
            model,
            &assessment,
            Basis::Assessed,
            &ScoringParameters::default(),
        );
        let governance = card.modules.iter().find(|m| m.id == "G").unwrap();
        assert_eq!(
            governance.score.as_ref().unwrap().rounded,
            2.40,
            "{version}"
        );
        let policies = card.categories.iter().find(|c| c.id == "2").unwrap();
        assert!(policies.left_out, "{version}");
        assert_eq!(policies.score.as_ref().unwrap().name, "Not evaluated");
        // Only the three rated categories count in the overall as well.
        assert_eq!(
            card.overall.score.as_ref().unwrap().rounded,
            2.40,
            "{version}"
        );
    }
    // Full mode keeps counting a pending requirement as 0, as the full
    // workbook does.
    let model = embedded_model_version("1.1.0").unwrap();
    let assessment = parse_assessment(
        "full.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"1.1\": { level: 4 }\n",
        model,
    )
    .unwrap();
    let card = score(
        model,
        &assessment,
        Basis::Assessed,
        &ScoringParameters::default(),
    );
    let strategy = card.categories.iter().find(|c| c.id == "1").unwrap();
    // 4 × 3 / (3 + 2 + 2 + 1) = 1.5
    assert_eq!(strategy.score.as_ref().unwrap().rounded, 1.5);
}
