//! Many agents, one PostgreSQL history: concurrent scans from two agents, then
//! one assessment merged from the latest scan of each. PostgreSQL runs on
//! loopback from Debian's packages, started by the test as the `postgres`
//! user (`.ci/run` installs it and sets PKIMM_REQUIRE_POSTGRES=1).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::collect_tls::{assert_starttls, collect, endpoint};
use crate::servers::free_port;
use crate::support::{fixture, pkimm};

struct Postgres {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn run_as_postgres(bin: &Path, tool: &str, args: &[&str]) {
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin.join(tool))
        .args(args)
        .output()
        .expect("runuser runs");
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Postgres {
    fn start() -> Option<Self> {
        Self::start_with_tls(None)
    }

    /// Starts PostgreSQL; with `tls`, it also accepts SSLRequest with the
    /// certificate and key files at those paths (copied in for `postgres`).
    fn start_with_tls(tls: Option<(&Path, &Path)>) -> Option<Self> {
        let bin = postgres_bin();
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        let (Some(bin), true) = (bin, is_root) else {
            assert!(
                std::env::var_os("PKIMM_REQUIRE_POSTGRES").is_none(),
                "PKIMM_REQUIRE_POSTGRES is set but PostgreSQL (or root, to run it as postgres) is missing"
            );
            eprintln!("PostgreSQL not available; skipping");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("chown")
            .arg("postgres")
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        let data = dir.path().join("data");
        let port = free_port();
        run_as_postgres(
            &bin,
            "initdb",
            &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "pkimm"],
        );
        let mut options = format!("-p {port} -k {} -h 127.0.0.1", dir.path().display());
        if let Some((cert, key)) = tls {
            let cert_copy = dir.path().join("server.pem");
            let key_copy = dir.path().join("server.key");
            std::fs::copy(cert, &cert_copy).unwrap();
            std::fs::copy(key, &key_copy).unwrap();
            std::fs::set_permissions(
                &key_copy,
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )
            .unwrap();
            let status = Command::new("chown")
                .arg("postgres")
                .args([&cert_copy, &key_copy])
                .status()
                .unwrap();
            assert!(status.success());
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                cert_copy.display(),
                key_copy.display()
            ));
        }
        let log = dir.path().join("log");
        run_as_postgres(
            &bin,
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        let pg = Self {
            _dir: dir,
            data,
            bin,
            port,
        };
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "pkimm",
                "-d",
                "postgres",
                "-c",
                "CREATE DATABASE pkimm",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(pg)
    }

    fn url(&self) -> String {
        format!("postgres://pkimm@127.0.0.1:{}/pkimm", self.port)
    }
}

fn config(dir: &Path, name: &str, store: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!("store = \"{store}\"\nagent = \"{name}\"\n\n[[job]]\nname = \"zone\"\n{body}\n"),
    )
    .unwrap();
    path
}

/// `pkimm assess --from-store` over the last hour with `config`, which must
/// report merging `scans` latest scans; returns the assessment.
fn assess_from_store(dir: &Path, config: &Path, scans: usize) -> Value {
    let merged = dir.join("merged.json");
    let run = pkimm([
        "assess",
        "--from-store",
        "--config",
        config.to_str().unwrap(),
        "--since",
        "1h",
        "-o",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("latest scans of {scans} jobs and agents")),
        "{}",
        run.stderr
    );
    serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap()
}

#[test]
fn two_agents_write_at_once_and_one_assessment_merges_them() {
    let Some(pg) = Postgres::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = config(
        dir.path(),
        "agent-a",
        &pg.url(),
        &format!(
            "files = {{ paths = [\"{}\"] }}",
            fixture("pki/leaf").display()
        ),
    );
    let b = config(
        dir.path(),
        "agent-b",
        &pg.url(),
        &format!(
            "files = {{ paths = [\"{}\"] }}\ninventory = {{ file = \"{}\" }}",
            fixture("pki/ca").display(),
            fixture("inventory/ca-export.csv").display()
        ),
    );
    // Four scans at once: two per agent, all writing to the same database.
    let children: Vec<_> = [&a, &b, &a, &b]
        .iter()
        .map(|c| {
            Command::new(env!("CARGO_BIN_EXE_pkimm"))
                .args(["scan", "--config", c.to_str().unwrap()])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let run = pkimm(["history", "list", "--store", &pg.url()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches("agent-a").count(), 2, "{}", run.stdout);
    assert_eq!(run.stdout.matches("agent-b").count(), 2, "{}", run.stdout);

    let assessment = assess_from_store(dir.path(), &a, 2);
    let records = &assessment["prefill"]["records"];
    let leaves = std::fs::read_dir(fixture("pki/leaf"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pem")
        })
        .count() as u64;
    assert!(
        records["certificate"].as_u64().unwrap() >= leaves + 3,
        "{records}"
    );
    assert!(
        records["inventory_record"].as_u64().unwrap() > 0,
        "{records}"
    );
}

/// STARTTLS to PostgreSQL (SSLRequest) against a real server with TLS on, and
/// the clear refusal of one without it.
#[test]
fn postgres_starttls_is_collected_and_a_refusal_is_a_failure() {
    let pki = crate::servers::TestPki::new();
    let Some(with_tls) = Postgres::start_with_tls(Some((&pki.path("ec.pem"), &pki.path("ec.key"))))
    else {
        return;
    };
    let Some(without_tls) = Postgres::start() else {
        return;
    };
    let root = pki.path("root.pem");
    let bundle = collect(&[
        "--trust",
        root.to_str().unwrap(),
        "--retries",
        "0",
        &format!("postgresql://127.0.0.1:{} sni=localhost", with_tls.port),
        &format!("127.0.0.1:{} starttls=postgres", without_tls.port),
    ]);
    assert_starttls(&bundle, with_tls.port, "postgres");

    let refused = endpoint(&bundle, without_tls.port);
    assert!(refused["versions"].as_array().unwrap().is_empty());
    let failure = bundle["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["provenance"]["source"]
                .as_str()
                .unwrap()
                .ends_with(&format!(":{}", without_tls.port))
        })
        .unwrap_or_else(|| panic!("no failure for the server without TLS: {bundle}"));
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("does not accept SSL"),
        "{failure}"
    );
}

/// `scan --shard I/3` on three agents at once against one PostgreSQL: every
/// TLS target is scanned by exactly one shard, the files job runs once (on
/// shard 0), and `assess --from-store` merges the three shares.
#[test]
fn three_shards_cover_every_target_exactly_once() {
    let Some(pg) = Postgres::start() else { return };
    let pki = crate::servers::TestPki::new();
    let addrs: Vec<std::net::SocketAddr> = (0..9)
        .map(|_| crate::servers::rustls_server(&pki, &[]))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let targets: Vec<String> = addrs.iter().map(|a| format!("\"{a}\"")).collect();
    let path = dir.path().join("shards.toml");
    std::fs::write(
        &path,
        format!(
            "store = \"{}\"\nagent = \"fleet\"\noutput_dir = \"{}\"\n\n[[job]]\nname = \"estate\"\n\
             tls = {{ targets = [{}], trust = [\"{}\"], legacy = false }}\n\
             files = {{ paths = [\"{}\"] }}\n",
            pg.url(),
            out.display(),
            targets.join(", "),
            pki.path("root.pem").display(),
            fixture("pki/ca").display()
        ),
    )
    .unwrap();
    let children: Vec<_> = (0..3)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_pkimm"))
                .args(["scan", "--config", path.to_str().unwrap()])
                .args(["--shard", &format!("{i}/3")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut scanned: Vec<String> = Vec::new();
    let mut agents = Vec::new();
    let mut with_files = 0;
    for scan in std::fs::read_dir(out.join("estate")).unwrap() {
        let bundle: Value = serde_json::from_str(
            &std::fs::read_to_string(scan.unwrap().path().join("bundle.json")).unwrap(),
        )
        .unwrap();
        for e in bundle["tls_endpoints"].as_array().unwrap() {
            scanned.push(e["target"].as_str().unwrap().to_string());
            agents.push(e["provenance"]["agent"].as_str().unwrap().to_string());
        }
        let runs = bundle["runs"].as_array().unwrap();
        if runs.iter().any(|r| r["collector"] == "files") {
            with_files += 1;
        }
    }
    scanned.sort();
    let mut expected: Vec<String> = addrs.iter().map(ToString::to_string).collect();
    expected.sort();
    assert_eq!(scanned, expected, "each target exactly once");
    agents.sort();
    agents.dedup();
    assert!(agents.len() >= 2, "shares spread over agents: {agents:?}");
    assert!(
        agents.iter().all(|a| a.starts_with("fleet/shard-")),
        "{agents:?}"
    );
    assert_eq!(with_files, 1, "the files collector runs on shard 0 only");

    let assessment = assess_from_store(dir.path(), &path, 3);
    assert_eq!(
        assessment["prefill"]["records"]["tls_endpoint"], 9,
        "{}",
        assessment["prefill"]["records"]
    );
}
