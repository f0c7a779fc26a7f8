//! `pkimm report --format oscal` and the demo's `oscal.json`: valid OSCAL 1.1
//! assessment results (compliance-trestle's models, which forbid unknown
//! fields), with observations, findings against PKIMM objectives, risks for
//! critical and high findings, and the assessor's conclusions.

use std::path::Path;

use serde_json::Value;

use crate::support::{fixture, pkimm};

/// Validates `file` with compliance-trestle, or returns false (a skip) when
/// it is missing and PKIMM_REQUIRE_TRESTLE is unset.
fn validate(file: &Path) -> bool {
    let script = r#"
import json, sys
try:
    from trestle.oscal.assessment_results import AssessmentResults
except ImportError:
    sys.exit(3)
document = json.load(open(sys.argv[1]))
AssessmentResults.model_validate(document["assessment-results"])
"#;
    crate::support::python_check(
        script,
        file,
        "PKIMM_REQUIRE_TRESTLE",
        "valid OSCAL 1.1 assessment results",
    )
}

#[test]
fn the_demo_and_a_report_write_valid_oscal_assessment_results() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let run = pkimm(["demo", "-o", demo.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    validate(&demo.join("oscal.json"));

    // A full assessment with confirmed levels, over the demo's evidence.
    let assessment = fixture("assessments/sample-full-2.0.0.yaml");
    let evidence_file = demo.join("evidence.json");
    let report = |name: &str| -> Value {
        let out = dir.path().join(name);
        let run = pkimm([
            "report",
            assessment.to_str().unwrap(),
            "--format",
            "oscal",
            "--evidence",
            evidence_file.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        validate(&out);
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
    };
    let document = report("oscal.json");
    let results = &document["assessment-results"];
    assert_eq!(results["metadata"]["oscal-version"], "1.1.2");
    let result = &results["results"][0];
    let observations = result["observations"].as_array().unwrap();
    let evidence: Value =
        serde_json::from_str(&std::fs::read_to_string(demo.join("evidence.json")).unwrap())
            .unwrap();
    assert!(observations.len() >= evidence["certificates"].as_array().unwrap().len());
    assert!(observations
        .iter()
        .all(|o| o["methods"] == serde_json::json!(["TEST"])));
    let findings = result["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f["target"]["type"], "objective-id");
        assert_eq!(f["target"]["status"]["state"], "not-satisfied");
        assert!(f["target"]["target-id"].as_str().unwrap().contains('.'));
    }
    let observation_ids: Vec<&str> = observations
        .iter()
        .map(|o| o["uuid"].as_str().unwrap())
        .collect();
    let linked = findings
        .iter()
        .filter_map(|f| f["related-observations"][0]["observation-uuid"].as_str())
        .collect::<Vec<_>>();
    assert!(!linked.is_empty());
    assert!(linked.iter().all(|o| observation_ids.contains(o)));
    let risks = result["risks"].as_array().unwrap();
    assert!(!risks.is_empty());
    let conclusions = result["attestations"][0]["parts"].as_array().unwrap();
    assert!(conclusions
        .iter()
        .any(|p| p["prose"].as_str().unwrap().contains("level")));
    // The same inputs give the same identifiers.
    let second = report("again.json");
    assert_eq!(
        second["assessment-results"]["results"][0]["observations"],
        result["observations"]
    );
}
