//! `pkimm scan`, `config check`, `history list` and `diff` with a real TLS
//! server whose certificate is replaced between scans.

use crate::servers::{free_port, OpensslServer, TestPki};
use crate::support::{fixture, pkimm};

fn write_config(dir: &std::path::Path, port: u16, root: &std::path::Path) -> std::path::PathBuf {
    let config = dir.join("scan.toml");
    std::fs::write(
        &config,
        format!(
            r#"store = "history.sqlite"
retention_days = 30
agent = "zone-a"
output_dir = "scans"

[tls]
legacy = false
handshake_timeout = "5s"

[[job]]
name = "pki"
schedule = "0 * * * *"
files = {{ paths = ["{pki}"] }}
inventory = {{ file = "{inventory}" }}

[[job]]
name = "web"
schedule = "*/5 * * * *"
tls = {{ targets = ["127.0.0.1:{port} sni=localhost"], trust = ["{root}"] }}
"#,
            pki = fixture("pki").display(),
            inventory = fixture("inventory/ca-export.csv").display(),
            root = root.display(),
        ),
    )
    .unwrap();
    config
}

#[test]
fn scans_are_stored_listed_and_compared() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestPki::new();
    let port = free_port();
    let root = dir.path().join("roots.pem");
    std::fs::write(&root, std::fs::read(first.path("root.pem")).unwrap()).unwrap();
    let config = write_config(dir.path(), port, &root);
    let config_arg = config.to_str().unwrap();

    let run = pkimm(["config", "check", config_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("job web: tls; schedule */5 * * * *"),
        "{}",
        run.stdout
    );

    let server = OpensslServer::start_on(&first, port, "rsa.pem", "rsa.key", &[]);
    let run = pkimm(["scan", "--config", config_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    drop(server);
    assert!(dir.path().join("scans/web/2/bundle.json").exists());

    // The endpoint gets a new certificate from another CA.
    let second = TestPki::named("Replacement Root");
    let server = OpensslServer::start_on(&second, port, "rsa.pem", "rsa.key", &[]);
    let run = pkimm([
        "scan",
        "--config",
        config_arg,
        "--job",
        "web",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    drop(server);

    // The history saw the endpoint's certificate replaced: a renewal trend.
    let bundle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("scans/web/3/bundle.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(bundle["trends"]["renewals"], 1, "{}", bundle["trends"]);
    assert_eq!(bundle["trends"]["renewals_before_expiry"], 1);
    assert_eq!(bundle["trends"]["scans"], 2);

    let run = pkimm(["history", "list", "--config", config_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches("zone-a").count(), 3, "{}", run.stdout);

    let run = pkimm(["diff", "2", "3", "--config", config_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("certificate changed"), "{}", run.stdout);
    assert!(
        run.stdout.contains("+ certificate CN=localhost"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+ finding"),
        "the new chain does not validate: {}",
        run.stdout
    );

    // The fixture findings reach high severity: exit code 1 for cron and CI;
    // with `stdout = true` the evaluation goes to stdout.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("stdout = true\n{text}")).unwrap();
    let run = pkimm([
        "scan",
        "--config",
        config_arg,
        "--job",
        "pki",
        "--fail-on",
        "high",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let evaluation: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(!evaluation["findings"].as_array().unwrap().is_empty());
}

#[test]
fn config_mistakes_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("scan.toml");
    std::fs::write(
        &config,
        "[[job]]\nname = \"a\"\nfiles = { paths = [\"x\"] }\nschedul = \"* * * * *\"\n",
    )
    .unwrap();
    let run = pkimm(["config", "check", config.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("scan.toml:4:") && run.stderr.contains("schedul"),
        "{}",
        run.stderr
    );
    std::fs::write(
        &config,
        "[[job]]\nname = \"a\"\nfiles = { paths = [\"x\"] }\nschedule = \"every day\"\n\n[[job]]\nname = \"b\"\n",
    )
    .unwrap();
    let run = pkimm(["config", "check", config.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("line 2") && run.stderr.contains("every day"),
        "{}",
        run.stderr
    );
    std::fs::write(&config, "[[job]]\nname = \"a\"\nfiles = { paths = [\"x\"] }\n[[job]]\nname = \"a\"\nfiles = { paths = [\"y\"] }\n").unwrap();
    let run = pkimm(["config", "check", config.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("used by another job"), "{}", run.stderr);
}
