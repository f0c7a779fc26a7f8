//! `pkimm agent` on a short cron schedule against a real TLS server whose
//! certificate is replaced between cycles; SIGTERM ends it cleanly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::servers::{free_port, OpensslServer, TestPki};
use crate::support::pkimm;

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

fn latest_scan(port: u16) -> Option<i64> {
    let body = get(port, "/api/latest")?;
    let json: Value = serde_json::from_str(&body).ok()?;
    json["jobs"]["web"]["scan_id"].as_i64()
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn agent_schedules_serves_metrics_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestPki::new();
    let tls_port = free_port();
    let http_port = free_port();
    // A stalling endpoint makes every scan last about two seconds, so the
    // SIGTERM below lands mid-scan.
    let stall = crate::servers::stalling_server();
    let config = dir.path().join("scan.toml");
    std::fs::write(
        &config,
        format!(
            "store = \"history.sqlite\"\nagent = \"agent-test\"\n\n[[job]]\nname = \"web\"\nschedule = \"* * * * * *\"\n\
             tls = {{ targets = [\"127.0.0.1:{tls_port} sni=localhost\", \"{stall}\"], legacy = false, ciphers = false, \
             handshake_timeout = \"2s\", retries = 0 }}\n"
        ),
    )
    .unwrap();
    let server = OpensslServer::start_on(&first, tls_port, "rsa.pem", "rsa.key", &[]);
    let mut agent = Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .args([
            "agent",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{http_port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("/healthz", || {
        get(http_port, "/healthz").is_some_and(|b| b.contains("ok"))
    });
    wait_for("a first scan", || latest_scan(http_port).is_some());
    let first_scan = latest_scan(http_port).unwrap();
    let metrics = get(http_port, "/metrics").unwrap();
    assert!(
        metrics.contains("pkimm_agent_scans_total{job=\"web\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("pkimm_cert_not_after_seconds{"),
        "{metrics}"
    );
    assert!(
        metrics.contains("pkimm_tls_endpoint_up{target=\"127.0.0.1:"),
        "{metrics}"
    );
    let latest: Value = serde_json::from_str(&get(http_port, "/api/latest").unwrap()).unwrap();
    assert_eq!(latest["agent"], "agent-test");
    assert_eq!(latest["jobs"]["web"]["tls_endpoints"], 2);

    // Replace the endpoint's certificate and wait for two more cycles.
    drop(server);
    let second = TestPki::named("Replacement Root");
    let _server = OpensslServer::start_on(&second, tls_port, "rsa.pem", "rsa.key", &[]);
    wait_for("scans after the replacement", || {
        latest_scan(http_port).is_some_and(|id| id >= first_scan + 2)
    });
    let last_scan = latest_scan(http_port).unwrap();
    // The next scan starts within a second and lasts about two: signal in it.
    std::thread::sleep(Duration::from_millis(1500));

    // SIGTERM mid-scan: the agent finishes the scan in flight, stores it and
    // exits 0.
    let status = Command::new("kill")
        .args(["-TERM", &agent.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let code = loop {
        if let Some(status) = agent.try_wait().unwrap() {
            break status.code();
        }
        assert!(Instant::now() < deadline, "the agent did not stop");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    agent
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("stopping after the scan in flight"),
        "{stderr}"
    );

    // The store is consistent and the diff shows the replacement.
    let run = pkimm([
        "history",
        "list",
        "--config",
        config.to_str().unwrap(),
        "--limit",
        "1000",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.matches("agent-test").count() as i64 >= last_scan,
        "{}",
        run.stdout
    );
    let run = pkimm([
        "diff",
        &first_scan.to_string(),
        &last_scan.to_string(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("certificate changed"), "{}", run.stdout);
}

/// Runs `promtool` with `args` and `stdin`, or `None` when it is not
/// installed (a skip, unless PKIMM_REQUIRE_PROMTOOL is set).
fn promtool(args: &[&str], stdin: &str) -> Option<std::process::Output> {
    let child = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(
            std::env::var_os("PKIMM_REQUIRE_PROMTOOL").is_none(),
            "PKIMM_REQUIRE_PROMTOOL is set but promtool is not installed"
        );
        eprintln!("promtool not installed; skipping");
        return None;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Some(child.wait_with_output().unwrap())
}

/// Scrapes `/metrics` of an agent running one files job with `extra` flags.
fn scrape(dir: &std::path::Path, extra: &[&str]) -> String {
    let port = free_port();
    let config = dir.join(format!("scan-{port}.toml"));
    std::fs::write(
        &config,
        format!(
            "store = \"{}\"\n\n[[job]]\nname = \"files\"\nschedule = \"*/5 * * * * *\"\nfiles = {{ paths = [\"{}\"] }}\n",
            dir.join(format!("history-{port}.sqlite")).display(),
            crate::support::fixture("pki").display()
        ),
    )
    .unwrap();
    let mut agent = Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .args(["agent", "--config", config.to_str().unwrap(), "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("a first scan", || {
        get(port, "/api/latest").is_some_and(|b| b.contains("\"files\""))
    });
    let metrics = get(port, "/metrics").unwrap();
    let _ = agent.kill();
    let _ = agent.wait();
    metrics
}

/// The shipped alert rules pass `promtool check rules`; live scrapes (full
/// and summary) pass `promtool check metrics`; every metric the alert rules
/// and the Grafana dashboard use is exposed; the x509-certificate-exporter
/// names are there with its labels.
#[test]
fn alert_rules_dashboard_and_live_metrics_pass_promtool() {
    let rules = crate::support::fixture("../docs/prometheus/pkimm-alerts.yaml");
    let Some(out) = promtool(&["check", "rules", rules.to_str().unwrap()], "") else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("SUCCESS: 10 rules found"));
    let dir = tempfile::tempdir().unwrap();
    let full = scrape(dir.path(), &[]);
    let summary = scrape(dir.path(), &["--metrics-detail", "summary"]);
    for metrics in [&full, &summary] {
        let out = promtool(&["check", "metrics"], metrics).unwrap();
        assert!(
            out.status.success(),
            "{}{}\n{metrics}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        full.contains("x509_cert_not_after{serial_number=\"")
            && full.contains("subject_CN=\"pkimm Test Root CA\"")
            && full.contains("x509_cert_expired{")
            && full.contains("x509_cert_not_before{"),
        "{full}"
    );
    assert!(full.contains("# TYPE pkimm_agent_scans_total counter"));
    let exposed = |name: &str| {
        [&full, &summary]
            .iter()
            .any(|m| m.contains(&format!("# TYPE {name} ")))
    };
    let dashboard = std::fs::read_to_string(crate::support::fixture(
        "../docs/grafana/pkimm-dashboard.json",
    ))
    .unwrap();
    let dashboard: Value = serde_json::from_str(&dashboard).unwrap();
    let mut exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().clone())
        .map(|t| t["expr"].as_str().unwrap().to_string())
        .collect();
    exprs.push(std::fs::read_to_string(&rules).unwrap());
    let mut names = 0;
    for text in &exprs {
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("pkimm_") || word.starts_with("x509_") {
                names += 1;
                assert!(exposed(word), "{word} is used but not exposed");
            }
        }
    }
    assert!(names > 15, "{names}");
}
