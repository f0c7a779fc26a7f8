//! PKIMM 2.0.0 as the default, 1.x assessments scored with their own model,
//! ids and aliases, and `pkimm migrate` between versions.

use std::path::Path;

use serde_json::Value;

use crate::support::{fixture, pkimm, temp_file};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The sample 1.1.0 assessment as JSON, read independently of pkimm.
fn sample_full() -> Value {
    let text = std::fs::read_to_string(fixture("assessments/sample-full.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// The crosswalk, read independently of pkimm: 1.1.0 id → 2.0.0 id.
fn crosswalk_1_1_0() -> std::collections::BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("model/data/crosswalk.yaml");
    let x: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    x["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["1.1.0"] != "new")
        .map(|r| {
            (
                r["1.1.0"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Migrates the 1.1.0 sample to 2.0.0 into `out`; the run succeeded.
fn migrate_sample(out: &Path) -> crate::support::Run {
    let run = pkimm([
        "migrate",
        p(&fixture("assessments/sample-full.yaml")),
        "--to",
        "2.0.0",
        "-o",
        p(out),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

#[test]
fn migrate_moves_every_decision_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = dir.path().join("v2.json");
    let run = migrate_sample(&v2);
    assert!(
        run.stdout
            .contains("7.4 → M.certificate-management.cert-inventory"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("7.2 retired"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("new, pending: G.policies-and-documentation.validation-requirements"),
        "{}",
        run.stdout
    );

    let original = sample_full();
    let migrated = read_json(&v2);
    assert_eq!(migrated["model"], "2.0.0");
    let crosswalk = crosswalk_1_1_0();
    let mut moved = 0;
    let mut retired = 0;
    for (old_id, decision) in original["requirements"].as_object().unwrap() {
        match crosswalk.get(old_id) {
            Some(new_id) => {
                let landed = &migrated["requirements"][new_id];
                for field in [
                    "status",
                    "level",
                    "justification",
                    "assessor",
                    "at",
                    "reason",
                ] {
                    assert_eq!(
                        landed[field], decision[field],
                        "{old_id} → {new_id}: {field} lost"
                    );
                }
                moved += 1;
            }
            None => {
                let kept = &migrated["retired"][format!("1.1.0:{old_id}")];
                assert_eq!(kept["entry"]["status"], decision["status"], "{old_id}");
                assert_eq!(kept["entry"]["level"], decision["level"], "{old_id}");
                assert!(!kept["successors"].as_array().unwrap().is_empty());
                retired += 1;
            }
        }
    }
    assert_eq!((moved, retired), (71, 2));
    // New requirements are pending, with no invented level.
    let new = &migrated["requirements"]["G.policies-and-documentation.validation-requirements"];
    assert!(new.is_null() || new["status"] == "pending", "{new}");
    assert_eq!(
        migrated["categories"]["M.change-management-and-agility"]["status"],
        "not_applicable"
    );
    assert!(migrated["extensions"]["pqc"]["relevance"]["G.strategy-and-vision"].is_object());

    // Back to 1.1.0: the same decisions under the same ids as the original.
    let back = dir.path().join("back.json");
    let run = pkimm(["migrate", p(&v2), "--to", "1.1.0", "-o", p(&back)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let back = read_json(&back);
    assert_eq!(back["model"], "1.1.0");
    for (id, decision) in original["requirements"].as_object().unwrap() {
        for field in [
            "status",
            "level",
            "justification",
            "assessor",
            "at",
            "reason",
        ] {
            assert_eq!(
                back["requirements"][id][field], decision[field],
                "{id}.{field}"
            );
        }
    }
    assert!(back
        .get("retired")
        .is_none_or(|r| r.as_object().unwrap().is_empty()));

    // The scores of the original and the round trip agree.
    let score = |path: &str| {
        let run = pkimm(["score", path, "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        v["overall"]["score"]["value"].as_f64().unwrap()
    };
    let round_trip = dir.path().join("back.json");
    assert_eq!(
        score(p(&fixture("assessments/sample-full.yaml"))),
        score(p(&round_trip))
    );
}

#[test]
fn migrate_keeps_the_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v2.yaml");
    std::fs::write(&out, "previous").unwrap();
    migrate_sample(&out);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("v2.yaml.bak")).unwrap(),
        "previous"
    );
    let run = pkimm(["migrate", p(&out), "--to", "2.0.0", "-o", p(&out)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("2.0.0"), "{}", run.stderr);
}

#[test]
fn a_1_1_0_assessment_scores_with_its_own_model() {
    let run = pkimm([
        "score",
        p(&fixture("assessments/sample-full.yaml")),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["model"]["version"], "1.1.0");
    assert_eq!(report["overall"]["score"]["name"], "Basic");
    // --model of another version is refused with the way out.
    let run = pkimm([
        "--model",
        p(&fixture("official/2.0.0/pkimm-model-2.0.0.yaml")),
        "score",
        p(&fixture("assessments/sample-full.yaml")),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pkimm migrate"), "{}", run.stderr);
}

#[test]
fn a_2_0_0_assessment_scores_with_the_official_file_and_pqc_0_6_0() {
    let v2 = fixture("assessments/sample-full-2.0.0.yaml");
    let pqc = fixture("official/2.0.0/extensions/pqc-extension-0.6.0.yaml");
    let json = |extra: &[&str]| {
        let mut args = vec!["score", p(&v2), "--format", "json", "--extension", p(&pqc)];
        args.extend_from_slice(extra);
        let run = pkimm(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str::<Value>(&run.stdout).unwrap()
    };
    let embedded = json(&[]);
    assert_eq!(embedded["model"]["version"], "2.0.0");
    assert_eq!(embedded["overall"]["score"]["name"], "Foundational");
    let extension = &embedded["extensions"][0];
    assert_eq!(extension["version"], "0.6.0");
    assert!(extension["categories"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "G.cryptography"));
    // The official file gives the same numbers as the embedded model.
    let official = {
        let run = pkimm([
            "--model",
            p(&fixture("official/2.0.0/pkimm-model-2.0.0.yaml")),
            "score",
            p(&v2),
            "--format",
            "json",
            "--extension",
            p(&pqc),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str::<Value>(&run.stdout).unwrap()
    };
    assert_eq!(official["overall"], embedded["overall"]);
    assert_eq!(official["extensions"], embedded["extensions"]);
    // The 0.1.0 extension is for 1.1.0 and says so.
    let run = pkimm([
        "score",
        p(&v2),
        "--extension",
        p(&fixture("official/pqc-extension.yaml")),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("supports PKIMM 1.1.0"),
        "{}",
        run.stderr
    );
}

/// The example: module G with Strategy 2 (weight 5), Policies not
/// evaluated, Compliance 4 (weight 2), Processes 2 (weight 3) scores
/// (2·5 + 4·2 + 2·3) / (5 + 2 + 3) = 2.40 in self mode, as the official
/// self-assessment workbook does.
#[test]
fn self_mode_leaves_a_category_nobody_rated_out() {
    let (_dir, path) = temp_file(
        "self.yaml",
        "schema_version: 1\nmodel: \"1.1.0\"\nmode: self\ncategories:\n  \"1\": { level: 2 }\n  \"3\": { level: 4 }\n  \"4\": { level: 2 }\n",
    );
    let run = pkimm(["score", p(&path), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let g = report["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "G")
        .unwrap();
    let value = g["score"]["value"].as_f64().unwrap();
    assert!((value - 2.40).abs() < 1e-12, "{g}");
    let run = pkimm(["score", p(&path)]);
    assert!(run.stdout.contains("left out"), "{}", run.stdout);
}

#[test]
fn ids_canonical_short_and_positional() {
    let dir = tempfile::tempdir().unwrap();
    let assessment = dir.path().join("a.yaml");
    std::fs::copy(fixture("assessments/sample-full-2.0.0.yaml"), &assessment).unwrap();
    let confirm = |id: &str| {
        pkimm([
            "confirm",
            p(&assessment),
            id,
            "--level",
            "3",
            "--justification",
            "checked",
            "--assessor",
            "Ada",
        ])
    };
    let run = confirm("7.4");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let echoed = format!("{}{}", run.stdout, run.stderr);
    assert!(
        echoed.contains("7.4 is M.certificate-management.cert-inventory (PKIMM 1.1.0 numbering)"),
        "{echoed}"
    );
    assert_eq!(confirm("certificate-management.cert-discovery").code, 0);
    assert_eq!(confirm("M.certificate-management.cert-profiles").code, 0);
    let run = confirm("7.2");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("was removed in PKIMM 2.0.0"),
        "{}",
        run.stderr
    );
    let run = confirm("certificate-management.nope");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("\"certificate-management.nope\" is not a requirement"),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(&assessment).unwrap();
    assert!(
        text.contains("M.certificate-management.cert-inventory:"),
        "{text}"
    );
    assert!(!text.contains("\"7.4\""));
}

#[test]
fn reports_show_titles_references_profile_and_assurance() {
    let v2 = fixture("assessments/sample-full-2.0.0.yaml");
    let run = pkimm([
        "report",
        p(&v2),
        "--format",
        "markdown",
        "--type",
        "detailed",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = run.stdout;
    for expected in [
        "Self-assessment — not independently verified — not PKI Consortium certified",
        "pkimm-self-assessment 1.0.0",
        "Organizational sponsor and support",
        "ISO/IEC 27001",
        "Example Manufacturing Ltd",
        "counts as the profile's minimum level",
    ] {
        assert!(md.contains(expected), "{expected:?} missing in\n{md}");
    }
    let run = pkimm(["report", p(&v2), "--format", "html", "--type", "detailed"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("not PKI Consortium certified"));
    assert!(run
        .stdout
        .contains("Information security management systems - Requirements"));
}

/// `fixtures/assessments/sample-full-2.0.0.yaml` is what `pkimm migrate`
/// makes of the 1.1.0 sample, so the two cannot drift apart.
#[test]
fn the_2_0_0_sample_is_the_migrated_1_1_0_sample() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v2.yaml");
    migrate_sample(&out);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(fixture("assessments/sample-full-2.0.0.yaml")).unwrap(),
        "regenerate the fixture with: pkimm migrate fixtures/assessments/sample-full.yaml --to 2.0.0 -o fixtures/assessments/sample-full-2.0.0.yaml"
    );
}

#[test]
fn an_unknown_assurance_level_is_refused() {
    let text = std::fs::read_to_string(fixture("assessments/sample-full-2.0.0.yaml")).unwrap();
    let (_d, path) = temp_file(
        "a.yaml",
        &text.replace(
            "mode: full\n",
            "mode: full\nprofile: { id: pkimm-self-assessment, version: 1.0.0, assurance: gold }\n",
        ),
    );
    let run = pkimm(["report", p(&path), "--format", "credential"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("a.yaml")
            && run.stderr.contains("\"gold\" is not an assurance profile"),
        "{}",
        run.stderr
    );
}
