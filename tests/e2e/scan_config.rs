//! Scan jobs that name their collectors as a `[[job.collect]]` list, with
//! collector settings from the `pkimm collect` flags.

use crate::support::{fixture, pkimm};

#[test]
fn jobs_list_collectors_by_type() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("scan.toml");
    std::fs::write(
        &config,
        format!(
            r#"store = "history.sqlite"
output_dir = "scans"

[[job]]
name = "estate"
revocation = false
[[job.collect]]
type = "files"
paths = ["{pki}"]
crl_entries = 5
[[job.collect]]
type = "inventory"
file = "{inventory}"
map = {{ serial = "Serial Number" }}
"#,
            pki = fixture("pki/leaf").display(),
            inventory = fixture("inventory/ca-export.csv").display(),
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let run = pkimm(["config", "check", config_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("job estate: files, inventory"),
        "{}",
        run.stdout
    );
    let run = pkimm(["scan", "--config", config_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("scans/estate/1/bundle.json")).unwrap(),
    )
    .unwrap();
    assert!(!bundle["certificates"].as_array().unwrap().is_empty());
    assert!(!bundle["inventory"].as_array().unwrap().is_empty());
    let collectors: Vec<&str> = bundle["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["collector"].as_str().unwrap())
        .collect();
    assert_eq!(collectors, ["files", "inventory"]);

    std::fs::write(
        &config,
        "[[job]]\nname = \"a\"\n[[job.collect]]\ntype = \"files\"\npaths = [\"x\"]\nmax_file_size = \"lots\"\n",
    )
    .unwrap();
    let run = pkimm(["config", "check", config_arg]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("scan.toml") && run.stderr.contains("lots"),
        "{}",
        run.stderr
    );
}
