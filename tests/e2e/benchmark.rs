//! `pkimm benchmark contribute|build`, `report --benchmark` and `compare`
//! through the binary: 30 synthetic contributions checked against a hand
//! computation, the demo's assessment anonymised, and the HTML rendered.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::browser::assert_renders;
use crate::support::{fixture, pkimm};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn ok(args: &[&str]) -> String {
    let run = pkimm(args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

/// The overall levels of each (industry, size band) cell: 30 in all, the
/// K × 1000-9999 cell only 4 strong.
const CELLS: [(&str, &str, &[f64]); 6] = [
    ("K", "1-249", &[1.0, 1.5, 2.0, 2.5, 3.0, 4.0]),
    ("K", "1000-9999", &[2.0, 2.0, 3.0, 3.0]),
    ("C", "1-249", &[0.5, 1.0, 1.5, 2.0, 2.5]),
    ("C", "1000-9999", &[3.0, 3.5, 4.0, 4.5, 5.0]),
    ("O", "1000-9999", &[1.0, 1.0, 1.0, 1.0, 1.0]),
    ("O", "50000+", &[2.0, 2.5, 3.0, 3.5, 4.0]),
];

/// Writes the synthetic contributions into `dir`.
fn synthetic(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (industry, band, levels) in CELLS {
        for (i, level) in levels.iter().enumerate() {
            let file = dir.join(format!("c-{industry}-{band}-{i}.json"));
            let contribution = json!({
                "schema_version": "1.0.0",
                "kind": "pkimm-benchmark-contribution",
                "model_version": "2.0.0",
                "profile": "pkimm-self-assessment@1.0.0",
                "assurance": "self",
                "industry": industry,
                "size_band": band,
                "period": "2026-11",
                "decided_share": 1.0,
                "levels": {
                    "categories": {
                        "M.certificate-management": level,
                        "O.automation": (5.0 - level),
                    },
                    "modules": { "M": level },
                    "overall": level,
                },
            });
            std::fs::write(&file, contribution.to_string()).unwrap();
            files.push(file);
        }
    }
    files
}

fn group<'a>(model: &'a Value, industry: Option<&str>, band: Option<&str>) -> Option<&'a Value> {
    model["groups"].as_array().unwrap().iter().find(|g| {
        g.get("industry").and_then(Value::as_str) == industry
            && g.get("size_band").and_then(Value::as_str) == band
    })
}

fn stats(d: &Value) -> (u64, f64, f64, f64, f64, f64, f64) {
    let f = |k: &str| d[k].as_f64().unwrap();
    (
        d["count"].as_u64().unwrap(),
        f("mean"),
        f("min"),
        f("q1"),
        f("median"),
        f("q3"),
        f("max"),
    )
}

/// Builds the synthetic benchmark into `dir` and returns its path.
fn build(dir: &Path) -> PathBuf {
    let files = synthetic(dir);
    let out = dir.join("benchmark.json");
    let mut args = vec!["benchmark", "build", "-o", p(&out)];
    args.extend(files.iter().map(|f| p(f)));
    let run = pkimm(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("30 contributions, 12 groups shown, 1 suppressed"),
        "{}",
        run.stderr
    );
    out
}

#[test]
fn quartiles_medians_and_suppression_match_a_hand_computation() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path());
    let benchmark: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(benchmark["kind"], "pkimm-benchmark");
    assert_eq!(benchmark["min_group"], 5);
    let model = &benchmark["models"][0];
    assert_eq!(model["model_version"], "2.0.0");
    assert_eq!(model["contributions"], 30);
    assert_eq!(model["suppressed_groups"], 1);
    // The group of 4 is suppressed ...
    assert!(group(model, Some("K"), Some("1000-9999")).is_none());
    // ... and still counted in its industry, its size band and overall.
    // K: 1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 4 → q1 at rank 2.25, median 4.5, q3 6.75.
    let k = &group(model, Some("K"), None).unwrap()["overall"];
    assert_eq!(stats(k), (10, 2.4, 1.0, 2.0, 2.25, 3.0, 4.0));
    // 1000-9999: 1 ×5, 2, 2, 3, 3, 3, 3.5, 4, 4.5, 5 → ranks 3.25, 6.5, 9.75.
    let band = &group(model, None, Some("1000-9999")).unwrap()["overall"];
    assert_eq!(stats(band), (14, 2.5, 1.0, 1.0, 2.5, 3.375, 5.0));
    // Everyone: 30 values summing to 71.5 → ranks 7.25, 14.5, 21.75.
    let all = &group(model, None, None).unwrap();
    assert_eq!(all["count"], 30);
    assert_eq!(
        stats(&all["overall"]),
        (30, 2.3833, 0.5, 1.125, 2.25, 3.0, 5.0)
    );
    // K × 1-249: 1, 1.5, 2, 2.5, 3, 4 → ranks 1.25, 2.5, 3.75.
    let cell = &group(model, Some("K"), Some("1-249")).unwrap();
    assert_eq!(
        stats(&cell["overall"]),
        (6, 2.3333, 1.0, 1.625, 2.25, 2.875, 4.0)
    );
    // Categories carry their own distributions: O.automation is 5 − level.
    assert_eq!(
        stats(&cell["categories"]["O.automation"]),
        (6, 2.6667, 1.0, 2.125, 2.75, 3.375, 4.0)
    );
    // No individual contribution's values: every group holds at least 5.
    for g in model["groups"].as_array().unwrap() {
        assert!(g["count"].as_u64().unwrap() >= 5, "{g}");
    }
    // Groups smaller than 3 cannot be asked for.
    let files: Vec<PathBuf> = synthetic(dir.path());
    let run = pkimm(["benchmark", "build", "--min-group", "2", p(&files[0])]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--min-group must be at least 3"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_contribution_from_the_demo_holds_nothing_identifying() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    ok(&["demo", "-o", p(&demo)]);
    let assessment = demo.join("assessment.json");
    let justification = "Reviewed the CP/CPS with the PKI owner on site";
    ok(&[
        "confirm",
        p(&assessment),
        "certificate-management.cert-lifecycle",
        "--level",
        "2",
        "--justification",
        justification,
        "--assessor",
        "Alice Assessor",
    ]);
    let out = dir.path().join("contribution.json");
    // Pre-filled levels are refused, and so are an undecided assessment and
    // an industry outside the vocabulary.
    for (industry, extra, expected) in [
        (
            "K",
            &["--basis", "prefilled"][..],
            "only assessed levels can be contributed",
        ),
        (
            "K",
            &[][..],
            "76 of 77 applicable requirements are not decided yet",
        ),
        ("Z", &[][..], "unknown industry `Z`"),
    ] {
        let mut args = vec![
            "benchmark",
            "contribute",
            p(&assessment),
            "--industry",
            industry,
            "--size",
            "1000-9999",
        ];
        args.extend_from_slice(extra);
        let run = pkimm(&args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    let evidence = demo.join("evidence.json");
    ok(&[
        "benchmark",
        "contribute",
        p(&assessment),
        "--industry",
        "k",
        "--size",
        "1000-9999",
        "--allow-partial",
        "--evidence",
        p(&evidence),
        "-o",
        p(&out),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let contribution: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(contribution["industry"], "K");
    assert_eq!(contribution["certificates_band"], "1-999");
    assert_eq!(contribution["decided_share"], 0.01);
    assert_eq!(
        contribution["levels"]["categories"]
            .as_object()
            .unwrap()
            .len(),
        16
    );
    // Months only.
    let period = contribution["period"].as_str().unwrap();
    assert_eq!(period.len(), 7, "{period}");
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&evidence).unwrap()).unwrap();
    let mut secrets: Vec<String> = vec![
        "Demo Organisation".into(),
        "pkimm demo".into(),
        "Alice".into(),
        justification.into(),
        "needs assessor".into(),
        "127.0.0.1".into(),
        "example.test".into(),
        "localhost".into(),
    ];
    for c in bundle["certificates"].as_array().unwrap() {
        secrets.push(c["fingerprint_sha256"].as_str().unwrap().to_string());
        secrets.push(c["subject"].as_str().unwrap().to_string());
    }
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{secret} leaked into {text}"
        );
    }
    // The demo's own contribution is partial: a build leaves it out unless asked.
    let built = dir.path().join("b.json");
    let files: Vec<String> = (0..5).map(|_| p(&out).to_string()).collect();
    let mut args = vec!["benchmark", "build", "-o", p(&built)];
    args.extend(files.iter().map(String::as_str));
    let run = pkimm(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("0 contributions") && run.stderr.contains("5 partial left out"),
        "{}",
        run.stderr
    );
}

#[test]
fn report_against_peers_in_json_markdown_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let benchmark = build(dir.path());
    let assessment = fixture("assessments/sample-full-2.0.0.yaml");
    let report: Value = serde_json::from_str(&ok(&[
        "report",
        p(&assessment),
        "--benchmark",
        p(&benchmark),
        "--industry",
        "K",
        "--size",
        "1000-9999",
    ]))
    .unwrap();
    assert_eq!(report["schema_version"], "2.1.0");
    let peers = &report["peers"];
    assert_eq!(peers["model_version"], "2.0.0");
    let rows = peers["rows"].as_array().unwrap();
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap();
    // K × 1000-9999 is suppressed: the closest group shown is industry K.
    let overall = row("overall");
    assert_eq!(overall["group_industry"], "K");
    assert!(overall["group_size_band"].is_null());
    assert_eq!(overall["peers"]["count"], 10);
    assert_eq!(overall["peers"]["median"], 2.25);
    let level = overall["level"].as_f64().unwrap();
    let expected = report["overall"]["score"]["rounded"].as_f64().unwrap();
    assert!((level - expected).abs() < 0.006, "{level} vs {expected}");
    assert!(
        (overall["versus_median"].as_f64().unwrap() - (level - 2.25)).abs() < 0.006,
        "{overall}"
    );
    let percentile = overall["percentile"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&percentile));
    let m = row("M");
    assert_eq!(m["peers"]["median"], 2.25);
    // A category no contribution rated has no peers.
    assert!(row("G.compliance")["peers"].is_null());
    // Markdown and HTML carry the same numbers.
    let markdown = ok(&[
        "report",
        p(&assessment),
        "--format",
        "markdown",
        "--benchmark",
        p(&benchmark),
        "--industry",
        "K",
    ]);
    assert!(markdown.contains("## Against peers"), "{markdown}");
    assert!(
        markdown.contains("| K · every size | 10 | 2.25 | 2.00–3.00 | 1.00–4.00 |"),
        "{markdown}"
    );
    let html = dir.path().join("report.html");
    ok(&[
        "report",
        p(&assessment),
        "--format",
        "html",
        "--benchmark",
        p(&benchmark),
        "--industry",
        "K",
        "-o",
        p(&html),
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("id=\"peer-chart\"") && page.contains("class=\"peer-box\""));
    // The median of industry K (2.25) sits at 300 + 2.25 / 5 × 560 on the 0–5 axis.
    assert!(page.contains("x1=\"552.0\""), "no median mark at 552");
    assert_renders(&html, "peer-chart");
    // A benchmark for another model version is refused.
    let old = fixture("assessments/sample-full.yaml");
    let run = pkimm(["report", p(&old), "--benchmark", p(&benchmark)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("has no PKIMM 1.1.0 groups"),
        "{}",
        run.stderr
    );
}

#[test]
fn compare_assessments_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let a = fixture("assessments/sample-full-2.0.0.yaml");
    // A second PKI: the same assessment with one requirement lowered.
    let b = dir.path().join("iot.yaml");
    std::fs::copy(&a, &b).unwrap();
    ok(&[
        "confirm",
        p(&b),
        "certificate-management.cert-lifecycle",
        "--level",
        "1",
        "--justification",
        "IoT devices renew by hand",
        "--assessor",
        "Bob",
    ]);
    let json: Value =
        serde_json::from_str(&ok(&["compare", p(&a), p(&b), "--format", "json"])).unwrap();
    assert_eq!(json["model_version"], "2.0.0");
    assert_eq!(json["assessments"].as_array().unwrap().len(), 2);
    let divergent = json["divergent_requirements"].as_array().unwrap();
    assert_eq!(divergent.len(), 1, "{divergent:?}");
    assert_eq!(
        divergent[0]["id"],
        "M.certificate-management.cert-lifecycle"
    );
    let before = divergent[0]["levels"][0].as_u64().unwrap();
    assert_eq!(divergent[0]["levels"][1], 1);
    assert_eq!(divergent[0]["spread"], before - 1);
    let category = json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "M.certificate-management")
        .unwrap();
    assert!(category["spread"].as_f64().unwrap() > 0.0);
    assert_eq!(category["lowest"], json["assessments"][1]["label"]);
    let unchanged = json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "G.compliance")
        .unwrap();
    assert_eq!(unchanged["spread"], 0.0);
    assert!(unchanged["lowest"].is_null());
    let markdown = ok(&["compare", p(&a), p(&b)]);
    assert!(
        markdown.contains("## Where they diverge most"),
        "{markdown}"
    );
    let html = dir.path().join("compare.html");
    ok(&["compare", p(&a), p(&b), "--format", "html", "-o", p(&html)]);
    assert_renders(&html, "compare-chart");
    // Different model versions are refused.
    let old = fixture("assessments/sample-full.yaml");
    let run = pkimm(["compare", p(&a), p(&old)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("migrate one with pkimm migrate"),
        "{}",
        run.stderr
    );
}
