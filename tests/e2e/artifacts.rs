//! The assessment profile's artifacts: the evidence manifest and the
//! machine attachment (`pkimm-assessment-credential.json`), each validated
//! against the schema `pkimm schema` publishes; and `--profile`.

use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{fixture, pkimm, temp_file};

const NOW: &str = "2026-06-01T00:00:00Z";

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn ok(args: &[&str]) -> String {
    let run = pkimm(args);
    assert_eq!(run.code, 0, "pkimm {args:?}\n{}", run.stderr);
    run.stdout
}

fn assert_valid(document: &Value, schema_flag: &str) {
    let schema: Value = serde_json::from_str(&ok(&["schema", schema_flag])).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_flag}: {errors:#?}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let s = Self { dir };
        ok(&[
            "collect",
            "files",
            p(&fixture("pki")),
            "-o",
            p(&s.path("files.json")),
        ]);
        ok(&[
            "collect",
            "inventory",
            p(&fixture("inventory/ca-export.csv")),
            "-o",
            p(&s.path("inventory.json")),
        ]);
        ok(&[
            "assess",
            p(&s.path("files.json")),
            p(&s.path("inventory.json")),
            "--now",
            NOW,
            "-o",
            p(&s.path("assessment.yaml")),
        ]);
        ok(&[
            "confirm",
            p(&s.path("assessment.yaml")),
            "certificate-management.cert-lifecycle",
            "--accept-suggested",
            "--assessor",
            "Ada",
        ]);
        std::fs::write(s.path("procedure.md"), "# Renewal procedure\n").unwrap();
        s
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn report(&self, format: &str, extra: &[&str]) -> String {
        let assessment = self.path("assessment.yaml");
        let files = self.path("files.json");
        let inventory = self.path("inventory.json");
        let attach = format!(
            "{}=certificate-management.cert-lifecycle,7.4",
            p(&self.path("procedure.md"))
        );
        let mut args = vec![
            "report",
            p(&assessment),
            "--format",
            format,
            "--evidence",
            p(&files),
            "--evidence",
            p(&inventory),
            "--attach",
            &attach,
            "--now",
            NOW,
        ];
        args.extend_from_slice(extra);
        ok(&args)
    }
}

#[test]
fn manifest_lists_every_file_with_digest_size_and_requirements() {
    let s = Setup::new();
    let text = s.report("manifest", &[]);
    let manifest: Value = serde_json::from_str(&text).unwrap();
    assert_valid(&manifest, "--manifest");
    assert_eq!(manifest["kind"], "pkimm-evidence-manifest");
    assert_eq!(manifest["model_version"], "2.0.0");
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for file in files {
        let bytes = std::fs::read(file["path"].as_str().unwrap()).unwrap();
        assert_eq!(file["sha256"], sha256_hex(&bytes), "{file}");
        assert_eq!(file["size"], bytes.len() as u64);
    }
    let by_name = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap()
    };
    let bundle = by_name("files.json");
    assert_eq!(bundle["media_type"], "application/vnd.pkimm.evidence+json");
    let backed: Vec<&str> = bundle["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        backed.contains(&"G.cryptography.crypto-algorithms"),
        "{backed:?}"
    );
    let inventory = by_name("inventory.json");
    assert!(inventory["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "M.certificate-management.cert-inventory"));
    let procedure = by_name("procedure.md");
    assert_eq!(procedure["media_type"], "text/markdown");
    assert_eq!(
        procedure["requirements"],
        serde_json::json!([
            "M.certificate-management.cert-inventory",
            "M.certificate-management.cert-lifecycle"
        ])
    );
    // Deterministic: the same files give the same bytes.
    assert_eq!(s.report("manifest", &[]), text);
}

#[test]
fn credential_names_model_profile_results_and_the_manifest() {
    let s = Setup::new();
    let manifest = s.report("manifest", &[]);
    let dir = s.path("out");
    std::fs::create_dir(&dir).unwrap();
    s.report("credential", &["-o", p(&dir)]);
    let path = dir.join("pkimm-assessment-credential.json");
    let credential: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_valid(&credential, "--credential");
    assert_eq!(credential["kind"], "pkimm-assessment-credential");
    assert_eq!(credential["model"]["version"], "2.0.0");
    assert_eq!(credential["profile"]["id"], "pkimm-self-assessment");
    assert_eq!(credential["profile"]["version"], "1.0.0");
    assert_eq!(credential["assurance"]["id"], "self");
    assert_eq!(credential["assurance"]["certification"], false);
    assert_eq!(credential["basis"], "assessed");
    assert_eq!(credential["tool"]["id"], "pkimm");
    assert_eq!(
        credential["evidence_manifest"]["sha256"],
        sha256_hex(manifest.as_bytes()),
        "the credential names the manifest by digest"
    );
    assert_eq!(credential["evidence_manifest"]["files"], 3);
    assert_eq!(
        credential["results"]["categories"]
            .as_array()
            .unwrap()
            .len(),
        16
    );
    assert_eq!(
        credential["results"]["modules"].as_array().unwrap().len(),
        4
    );
    let certificate_management = credential["results"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "M.certificate-management")
        .unwrap();
    assert!(certificate_management["value"].as_f64().unwrap() > 0.0);
    // Only the confirmed requirement counts in the assessed credential.

    // The pre-filled basis counts the suggestions and says so.
    let prefilled: Value =
        serde_json::from_str(&s.report("credential", &["--basis", "prefilled"])).unwrap();
    assert_valid(&prefilled, "--credential");
    assert_eq!(prefilled["basis"], "prefilled");
    assert!(
        prefilled["results"]["overall"]["value"].as_f64().unwrap()
            > credential["results"]["overall"]["value"].as_f64().unwrap()
    );
}

#[test]
fn attach_errors_name_the_argument() {
    let s = Setup::new();
    let run = pkimm([
        "report",
        p(&s.path("assessment.yaml")),
        "--format",
        "manifest",
        "--attach",
        &format!("{}=certificate-management.nope", p(&s.path("procedure.md"))),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--attach"), "{}", run.stderr);
    assert!(
        run.stderr.contains("certificate-management.nope"),
        "{}",
        run.stderr
    );
    let run = pkimm([
        "report",
        p(&s.path("assessment.yaml")),
        "--format",
        "manifest",
        "--attach",
        p(&s.path("missing.pdf")),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.pdf"), "{}", run.stderr);
}

#[test]
fn profile_parameters_change_the_score_and_bad_profiles_are_refused() {
    let official = fixture("official/2.0.0/pkimm-self-assessment-profile-1.0.0.yaml");
    let text = std::fs::read_to_string(&official).unwrap();
    let v2 = fixture("assessments/sample-full-2.0.0.yaml");
    let overall = |profile: &Path| {
        let out = ok(&["--profile", p(profile), "score", p(&v2), "--format", "json"]);
        let report: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["profile"]["id"], "pkimm-self-assessment", "{report}");
        report["overall"]["score"]["value"].as_f64().unwrap()
    };
    let default = overall(&official);
    // Counting not-applicable requirements as the minimum level lowers it.
    let (_d, counted) = temp_file(
        "counted.yaml",
        &text.replace("excludeNotApplicable: true", "excludeNotApplicable: false"),
    );
    assert!(overall(&counted) < default);

    // A profile that breaks the official schema is refused, naming the file.
    let (_d, broken) = temp_file(
        "broken.yaml",
        &text.replace("family: maturity", "family: 7"),
    );
    let run = pkimm(["--profile", p(&broken), "score", p(&v2)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("broken.yaml") && run.stderr.contains("not a valid assessment profile"),
        "{}",
        run.stderr
    );
    let (_d, nearest) = temp_file(
        "nearest.yaml",
        &text.replace("rounding: floor", "rounding: nearest"),
    );
    let run = pkimm(["--profile", p(&nearest), "score", p(&v2)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("rounding"), "{}", run.stderr);
}
