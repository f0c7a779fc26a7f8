//! Regression tests for what an attacker or an unlucky operator found:
//! lost decisions under concurrency, clobbered files, hostile inputs.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{fixture, pkimm, small_bundle};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Starts `pkimm confirm FILE ID --level LEVEL` by assessor Ada, its stderr
/// going to `stderr`.
fn spawn_confirm(file: &Path, id: &str, level: &str, stderr: Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .args([
            "confirm",
            p(file),
            id,
            "--level",
            level,
            "--justification",
            "checked",
            "--assessor",
            "Ada",
        ])
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// Two `pkimm confirm` on the same file at once, on different
/// requirements: both decisions survive, every round.
#[test]
fn concurrent_confirms_never_lose_a_decision() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.yaml");
    let confirm = |id: &str| spawn_confirm(&file, id, "3", Stdio::piped());
    for round in 0..15 {
        std::fs::copy(fixture("assessments/sample-full-2.0.0.yaml"), &file).unwrap();
        let a = confirm("validation-requirements");
        let b = confirm("change-management-and-agility.change-policy");
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let saved: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for id in [
            "G.policies-and-documentation.validation-requirements",
            "M.change-management-and-agility.change-policy",
        ] {
            assert_eq!(
                saved["requirements"][id]["level"], 3,
                "round {round}: the decision on {id} was lost"
            );
        }
    }
}

/// `pkimm confirm` killed with SIGKILL while it writes (the moment its
/// temporary file appears) and at moments spread over its whole run: the
/// assessment and its `.bak` are always whole, and the next confirm leaves
/// no temporary file behind.
#[cfg(unix)]
#[test]
fn kill_9_never_truncates_the_assessment_or_its_backup() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.yaml");
    let backup = dir.path().join("a.yaml.bak");
    std::fs::copy(fixture("assessments/sample-full-2.0.0.yaml"), &file).unwrap();
    let confirm =
        |level: &str| spawn_confirm(&file, "validation-requirements", level, Stdio::null());
    let temporary_files = || -> Vec<String> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains("pkimm-tmp"))
            .collect()
    };
    let whole = |path: &Path, round: usize| {
        let text = std::fs::read_to_string(path).unwrap();
        let parsed: Value = serde_yaml_ng::from_str(&text)
            .unwrap_or_else(|e| panic!("round {round}: {} is not whole: {e}", path.display()));
        assert!(
            parsed["requirements"].is_object(),
            "round {round}: {} lost its requirements",
            path.display()
        );
    };
    let started = std::time::Instant::now();
    assert!(confirm("2").wait().unwrap().success());
    let run_time = started.elapsed();
    let rounds = 60;
    let mut killed_while_writing = 0;
    for round in 0..rounds {
        let mut child = confirm(if round % 2 == 0 { "3" } else { "2" });
        if round % 2 == 0 {
            // Killed the moment a temporary file of its appears.
            loop {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                if !temporary_files().is_empty() {
                    let _ = child.kill();
                    killed_while_writing += 1;
                    break;
                }
            }
        } else {
            std::thread::sleep(run_time.mul_f64(1.2 * round as f64 / rounds as f64));
            let _ = child.kill();
        }
        let _ = child.wait();
        whole(&file, round);
        whole(&backup, round);
    }
    assert!(
        killed_while_writing > 0,
        "no kill landed while a file was being written"
    );
    assert!(confirm("3").wait().unwrap().success());
    let left = temporary_files();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

/// `-o` never turns a device into a regular file, and writes through a
/// symlink to its target.
#[cfg(unix)]
#[test]
fn outputs_do_not_replace_devices_or_symlinks() {
    let bundle_dir = tempfile::tempdir().unwrap();
    let run = pkimm([
        "collect",
        "files",
        p(&fixture("pki/leaf/ec-p256.pem")),
        "-o",
        "/dev/null",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    let real = bundle_dir.path().join("real.json");
    std::fs::write(&real, "{}").unwrap();
    let link = bundle_dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let run = pkimm([
        "collect",
        "files",
        p(&fixture("pki/leaf/ec-p256.pem")),
        "-o",
        p(&link),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .contains("certificates"));
}

/// Four `pkimm scan` creating the same SQLite history at once: all succeed
/// and every scan is stored.
#[test]
fn concurrent_scans_on_a_fresh_store_all_succeed() {
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("scan.toml");
        std::fs::write(
            &config,
            format!(
                "store = \"history.sqlite\"\n\n[[job]]\nname = \"pki\"\nfiles = {{ paths = [\"{}\"] }}\n",
                fixture("pki/leaf/ec-p256.pem").display()
            ),
        )
        .unwrap();
        let scan = || {
            Command::new(env!("CARGO_BIN_EXE_pkimm"))
                .args(["scan", "--config", p(&config)])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let children: Vec<_> = (0..4).map(|_| scan()).collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let run = pkimm(["history", "list", "--config", p(&config)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stdout.lines().filter(|l| l.contains("pki")).count(),
            4,
            "round {round}: {}",
            run.stdout
        );
    }
}

/// Every YAML input refuses a document nested 100,000 levels deep at once,
/// naming the file and line, instead of parsing for tens of seconds.
#[test]
fn deeply_nested_yaml_is_refused_for_every_input() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "schema_version: 1\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let file = dir.path().join("deep.yaml");
    std::fs::write(&file, &deep).unwrap();
    let bundle = small_bundle(dir.path());
    let out = dir.path().join("a.json");
    let sample = fixture("assessments/sample-full-2.0.0.yaml");
    let cases: Vec<Vec<&str>> = vec![
        vec!["policy", "check", p(&file)],
        vec!["evaluate", p(&bundle), "--waivers", p(&file)],
        vec!["rules", "list", "--rules", p(&file)],
        vec!["assess", p(&bundle), "-o", p(&out), "--levels", p(&file)],
        vec!["validate", p(&file)],
        vec!["model", "show", "--model", p(&file)],
        vec!["score", p(&sample), "--extension", p(&file)],
        vec!["--profile", p(&file), "score", p(&sample)],
    ];
    for args in cases {
        let run = pkimm(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("deep.yaml:2:") && run.stderr.contains("nested more than 64"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// Rules whose expressions would overflow the stack or exhaust memory are
/// refused at load with the file, line and rule, by `rules list`,
/// `rules test` and `evaluate` alike.
#[test]
fn hostile_rule_expressions_are_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let rule = |check: &str| {
        format!(
            "rules:\n  - id: hostile.rule\n    title: t\n    description: d\n    severity: low\n    related: [certificate-management.cert-profiles]\n    applies_to: certificate\n    check: \"{check}\"\n    citation: c\n    remediation: r\n"
        )
    };
    let sum = vec!["1"; 5000].join(" + ") + " > 0";
    let nested =
        "cert.subject_cn.all(a, cert.subject_cn.all(b, cert.subject_cn.all(c, a == b && b == c)))";
    let bundle = small_bundle(dir.path());
    for (check, expected) in [
        (sum.as_str(), "bytes; at most 4096"),
        (
            &(vec!["1"; 300].join("+") + " > 0") as &str,
            "more than 128 operators",
        ),
        (nested, "comprehensions nested more than 2 deep"),
        (
            &format!("{}true{}", "(".repeat(100), ")".repeat(100)) as &str,
            "nested more than 32 levels deep",
        ),
    ] {
        let file = dir.path().join("hostile.yaml");
        std::fs::write(&file, rule(check)).unwrap();
        for args in [
            vec!["rules", "list", "--rules", p(&file)],
            vec!["rules", "test", p(&file)],
            vec!["evaluate", p(&bundle), "--rules", p(&file)],
        ] {
            let run = pkimm(&args);
            assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
            assert!(
                run.stderr.contains("hostile.yaml:8")
                    && run.stderr.contains("rule `hostile.rule` field `check`")
                    && run.stderr.contains(expected),
                "{args:?}: {}",
                run.stderr
            );
        }
    }
}

/// Expressions that pass the load-time bounds but would run away on the
/// data (too many comprehension steps, or a million-element list per step)
/// stop at the evaluation budget: an `error` outcome for that rule, named as
/// such, while the other rules evaluate normally and the run ends promptly.
#[test]
fn runaway_evaluations_stop_at_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let rule = |id: &str, check: &str| {
        format!(
            "  - id: {id}\n    title: t\n    description: d\n    severity: low\n    related: [certificate-management.cert-profiles]\n    applies_to: certificate\n    check: \"{check}\"\n    citation: c\n    remediation: r\n"
        )
    };
    let file = dir.path().join("runaway.yaml");
    std::fs::write(
        &file,
        format!(
            "rules:\n{}{}{}",
            rule(
                "runaway.steps",
                "lists.range(5000).all(a, lists.range(5000).all(b, a + b >= 0))"
            ),
            rule(
                "runaway.memory",
                "lists.range(1000000).map(a, lists.range(1000000)).size() > 0"
            ),
            rule("ordinary.rule", "lists.range(100).all(a, a >= 0)"),
        ),
    )
    .unwrap();
    let bundle = small_bundle(dir.path());
    let started = std::time::Instant::now();
    let run = pkimm([
        "evaluate",
        p(&bundle),
        "--no-builtin",
        "--rules",
        p(&file),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let text = json.to_string();
    // Which bound is met first depends on the machine's speed.
    for (id, why) in [
        ("runaway.steps", "check: evaluation budget exceeded: "),
        ("runaway.memory", "check: evaluation budget exceeded: "),
    ] {
        let found = findings_of(&json, id);
        assert!(
            found.iter().any(|f| f["outcome"] == "error"
                && f["message"].as_str().is_some_and(|m| m.contains(why))),
            "{id}: {found:?}\n{text}"
        );
    }
    let ordinary = findings_of(&json, "ordinary.rule");
    assert!(
        ordinary.iter().all(|f| f["outcome"] != "error"),
        "{ordinary:?}"
    );
}

/// Every finding (any outcome) the evaluation JSON holds for `rule`.
fn findings_of(json: &Value, rule: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut stack = vec![json];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if map.get("rule").and_then(Value::as_str) == Some(rule) {
                    out.push(v.clone());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

/// A CRL URL that redirects to a cloud metadata address is never followed,
/// and the failure names the hop; a redirect to an allowed address is
/// followed, hop by hop.
#[test]
fn redirects_to_metadata_addresses_are_refused_at_the_hop() {
    use crate::servers::{http_server, HttpResponse};
    let (addr, routes) = http_server();
    let crl = std::fs::read(fixture("pki/crl/issuing-rsa.crl")).unwrap();
    {
        let mut r = routes.lock().unwrap();
        let redirect = |to: &str| HttpResponse::status(302).header("Location", to);
        r.insert(
            "/evil.crl".into(),
            redirect("http://169.254.169.254/latest/meta-data/"),
        );
        r.insert(
            "/evil6.crl".into(),
            redirect("http://[fe80::1]/latest/meta-data/"),
        );
        r.insert(
            "/moved.crl".into(),
            redirect(&format!("http://127.0.0.1:{}/real.crl", addr.port())),
        );
        r.insert(
            "/real.crl".into(),
            HttpResponse::ok("application/pkix-crl", crl),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rev.json");
    let url = |path: &str| format!("http://127.0.0.1:{}{path}", addr.port());
    let run = pkimm([
        "collect",
        "revocation",
        &url("/evil.crl"),
        &url("/evil6.crl"),
        &url("/moved.crl"),
        "-o",
        p(&out),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let failures = bundle["failures"].as_array().unwrap();
    for (path, address) in [("/evil.crl", "169.254.169.254"), ("/evil6.crl", "fe80::1")] {
        let failure = failures
            .iter()
            .find(|f| f["message"].as_str().unwrap().contains(path))
            .unwrap_or_else(|| panic!("no failure for {path}: {failures:?}"));
        let message = failure["message"].as_str().unwrap();
        assert!(
            message.contains("redirect 1 to")
                && message.contains(address)
                && message.contains("link-local"),
            "{message}"
        );
        assert_eq!(failure["kind"], "skipped");
    }
    assert_eq!(
        bundle["crls"].as_array().unwrap().len(),
        1,
        "the redirect to an allowed address was followed: {bundle}"
    );
}

/// Endless CRL streams, several at once, are cut at the size cap and
/// recorded as too large (memory: bench/crl-fetch-memory.sh).
#[test]
fn endless_crl_streams_are_cut_at_the_cap() {
    let addr = crate::servers::endless_http_server();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rev.json");
    let urls: Vec<String> = (0..4)
        .map(|i| format!("http://{addr}/endless-{i}.crl"))
        .collect();
    let mut args = vec![
        "collect",
        "revocation",
        "--max-crl-size",
        "6M",
        "-o",
        p(&out),
    ];
    args.extend(urls.iter().map(String::as_str));
    let run = pkimm(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let too_large: Vec<&Value> = bundle["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "too_large")
        .collect();
    assert_eq!(too_large.len(), 4, "{bundle}");
    assert!(too_large[0]["message"]
        .as_str()
        .unwrap()
        .contains("6291456-byte limit"));
}

/// CRLs past the large-body threshold are read whole, whether the server
/// announces their length (one exact allocation) or not (blocks joined at
/// the end), and several at once wait for the large-body slots without
/// losing any.
#[test]
fn large_crls_are_read_whole_with_and_without_a_length() {
    let pki = crate::servers::TestPki::new();
    let crl = pki.crl(40_000);
    assert!(crl.len() > 1024 * 1024, "{} bytes", crl.len());
    let (addr, routes) = crate::servers::http_server();
    let mut urls = Vec::new();
    {
        let mut r = routes.lock().unwrap();
        for i in 0..3 {
            let ok = || crate::servers::HttpResponse::ok("application/pkix-crl", crl.clone());
            r.insert(format!("/announced-{i}.crl"), ok());
            r.insert(format!("/unannounced-{i}.crl"), ok().unannounced());
            urls.push(format!("http://{addr}/announced-{i}.crl"));
            urls.push(format!("http://{addr}/unannounced-{i}.crl"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rev.json");
    let mut args = vec!["collect", "revocation", "-o", p(&out)];
    args.extend(urls.iter().map(String::as_str));
    let run = pkimm(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        bundle["failures"],
        serde_json::json!([]),
        "{}",
        bundle["failures"]
    );
    let crls = bundle["crls"].as_array().unwrap();
    assert_eq!(crls.len(), 1, "six fetches of one CRL");
    assert_eq!(crls[0]["entry_count"], 40_000);
    assert_eq!(crls[0]["size_bytes"], crl.len());
    assert_eq!(crls[0]["observations"].as_array().unwrap().len(), 6);
}

/// A FIFO under a scanned folder is recorded as skipped, never opened
/// (opening it would block the scan).
#[cfg(unix)]
#[test]
fn fifos_under_a_scanned_folder_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("pki/leaf/ec-p256.pem"), dir.path().join("leaf.pem")).unwrap();
    let fifo = dir.path().join("pipe.pem");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let out = dir.path().join("b.json");
    let run = pkimm(["collect", "files", p(dir.path()), "-o", p(&out)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(bundle["certificates"].as_array().unwrap().len(), 1);
    let failure = &bundle["failures"][0];
    assert_eq!(failure["kind"], "skipped");
    assert!(
        failure["message"].as_str().unwrap().contains("FIFO"),
        "{failure}"
    );
}

/// `config check` refuses a schedule that never fires, a config without
/// jobs, and a store URL with an inline password; `--store` refuses one too.
#[test]
fn scan_configs_that_cannot_work_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("scan.toml");
    for (text, expected) in [
        (
            "[[job]]\nname = \"a\"\nschedule = \"0 0 30 2 *\"\nfiles = { paths = [\"x\"] }\n",
            "never fires",
        ),
        ("store = \"h.sqlite\"\n", "no jobs"),
        (
            "store = \"postgres://pkimm:hunter2@127.0.0.1/pkimm\"\n\n[[job]]\nname = \"a\"\nfiles = { paths = [\"x\"] }\n",
            "PKIMM_STORE_PASSWORD",
        ),
    ] {
        std::fs::write(&config, text).unwrap();
        let run = pkimm(["config", "check", p(&config)]);
        assert_eq!(run.code, 2, "{text}");
        assert!(run.stderr.contains(expected), "{text}: {}", run.stderr);
        assert!(!run.stderr.contains("hunter2"), "the password is not echoed");
    }
    let run = pkimm([
        "history",
        "list",
        "--store",
        "postgres://pkimm:hunter2@127.0.0.1/pkimm",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("PKIMM_STORE_PASSWORD"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"));
}

/// Unknown keys in model and extension files, and waivers for rules that do
/// not exist, are errors naming the file, line and field.
#[test]
fn unknown_keys_and_waivers_for_missing_rules_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = std::fs::read_to_string(fixture("official/2.0.0/pkimm-model-2.0.0.yaml"))
        .unwrap()
        .replacen("\nversion: 2.0.0\n", "\nversion: 2.0.0\ncolour: blue\n", 1);
    let model_file = dir.path().join("model.yaml");
    std::fs::write(&model_file, model).unwrap();
    let run = pkimm(["model", "show", "--model", p(&model_file)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("model.yaml:3") && run.stderr.contains("colour"),
        "{}",
        run.stderr
    );
    let extension = std::fs::read_to_string(fixture(
        "official/2.0.0/extensions/pqc-extension-0.6.0.yaml",
    ))
    .unwrap()
    .replacen("\n  id: pqc\n", "\n  id: pqc\n  colour: blue\n", 1);
    let extension_file = dir.path().join("ext.yaml");
    std::fs::write(&extension_file, extension).unwrap();
    let run = pkimm([
        "score",
        p(&fixture("assessments/sample-full-2.0.0.yaml")),
        "--extension",
        p(&extension_file),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("ext.yaml:") && run.stderr.contains("colour"),
        "{}",
        run.stderr
    );
    let waivers = dir.path().join("waivers.yaml");
    std::fs::write(
        &waivers,
        "waivers:\n  - rule: crypto.rsa-min-sise\n    selector: { host: a.example.test }\n    reason: typo\n    expires: 2030-01-01\n",
    )
    .unwrap();
    let bundle = small_bundle(dir.path());
    let run = pkimm(["evaluate", p(&bundle), "--waivers", p(&waivers)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("waivers.yaml:2") && run.stderr.contains("crypto.rsa-min-sise"),
        "{}",
        run.stderr
    );
}

/// An assessment under the official 1.0.0 model pre-fills: the criteria
/// follow the model in use through the crosswalk.
#[test]
fn assess_works_under_the_1_0_0_model() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b.json");
    assert_eq!(
        pkimm(["collect", "files", p(&fixture("pki")), "-o", p(&bundle)]).code,
        0
    );
    let out = dir.path().join("a.yaml");
    let run = pkimm([
        "--model",
        p(&fixture("official/pkimm-model-1.0.0.yaml")),
        "assess",
        p(&bundle),
        "--now",
        "2026-06-01T00:00:00Z",
        "-o",
        p(&out),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let a: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(a["model"], "1.0.0");
    assert!(
        a["requirements"]["6.1"]["suggested"]["level"].is_u64(),
        "certificate profiles are 6.1 in 1.0.0: {}",
        a["requirements"]["6.1"]
    );
}

/// One HTTPS GET over rustls trusting `root`; returns the status line and
/// the body.
fn https_get(port: u16, path: &str, root: &Path, token: Option<&str>) -> Option<(String, String)> {
    use rustls::pki_types::pem::PemObject;
    use std::io::{Read, Write};
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(root).ok()? {
        roots.add(cert.ok()?).ok()?;
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .ok()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").ok()?;
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).ok()?;
    let socket = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    let mut tls = rustls::StreamOwned::new(connection, socket);
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    let _ = tls.read_to_string(&mut text);
    let (head, body) = text.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_string(), body.to_string()))
}

/// The agent refuses a non-loopback address without TLS and a token, before
/// listening on it; with both it serves HTTPS, answers 401 without the
/// token, and summarises /metrics on request (tested on loopback, so the
/// test never listens beyond it).
#[test]
fn the_agent_is_never_open_to_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("scan.toml");
    std::fs::write(
        &config,
        format!(
            "store = \"history.sqlite\"\n\n[[job]]\nname = \"pki\"\nschedule = \"* * * * * *\"\nfiles = {{ paths = [\"{}\"] }}\n",
            fixture("pki/leaf").display()
        ),
    )
    .unwrap();
    let run = pkimm(["agent", "--config", p(&config), "--listen", "0.0.0.0:0"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("refusing to serve") && run.stderr.contains("--tls-cert"),
        "{}",
        run.stderr
    );

    let pki = crate::servers::TestPki::new();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    let port = crate::servers::free_port();
    let mut agent = Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .args([
            "agent",
            "--config",
            p(&config),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--tls-cert",
            p(&pki.path("ec.pem")),
            "--tls-key",
            p(&pki.path("ec.key")),
            "--token-file",
            p(&token),
            "--metrics-detail",
            "summary",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let root = pki.path("root.pem");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let metrics = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the agent did not answer"
        );
        if let Some((status, body)) = https_get(port, "/metrics", &root, Some("s3cret-token")) {
            if status.contains("200") && body.contains("pkimm_certificates{job=\"pki\"}") {
                break body;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(
        !metrics.contains("pkimm_cert_not_after_seconds{"),
        "summary keeps per-certificate series out"
    );
    assert!(metrics.contains("pkimm_cert_soonest_not_after_seconds"));
    let (status, _) = https_get(port, "/metrics", &root, None).unwrap();
    assert!(status.contains("401"), "{status}");
    let (status, _) = https_get(port, "/api/latest", &root, Some("wrong")).unwrap();
    assert!(status.contains("401"), "{status}");
    let (status, body) = https_get(port, "/healthz", &root, None).unwrap();
    assert!(status.contains("200") && body.contains("ok"), "{status}");
    // Plain HTTP gets no answer from the TLS port.
    let mut plain = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    use std::io::{Read, Write};
    let _ = plain.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut answer = String::new();
    let _ = plain.read_to_string(&mut answer);
    assert!(!answer.contains("pkimm_"), "{answer}");
    let _ = Command::new("kill")
        .args(["-TERM", &agent.id().to_string()])
        .status();
    let _ = agent.wait();
    let mut stderr = String::new();
    agent
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        !stderr.contains("s3cret-token"),
        "the token is never printed"
    );
}
