//! `pkimm collect revocation` against a real `openssl ocsp` responder and a
//! real HTTP server on loopback.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::servers::{http_server, HttpResponse, OcspResponder, Routes};
use crate::support::pkimm;

/// The test PKI, its HTTP server and the bundle of its leaves.
struct Setup {
    dir: tempfile::TempDir,
    routes: Routes,
    http: std::net::SocketAddr,
    responder: OcspResponder,
    leaves: PathBuf,
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (http, routes) = http_server();
    let ocsp_port = crate::servers::free_port();
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/scripts/revocation-pki.sh");
    let status = Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .arg(http.port().to_string())
        .arg(ocsp_port.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "PKI script failed");
    {
        let mut r = routes.lock().unwrap();
        r.insert(
            "/ca.der".into(),
            HttpResponse::ok("application/pkix-cert", read(dir.path(), "ca.der")),
        );
        r.insert(
            "/fresh.crl".into(),
            HttpResponse::ok("application/pkix-crl", read(dir.path(), "fresh.crl"))
                .header("Cache-Control", "public, max-age=3600")
                .header("ETag", "\"fresh-1\""),
        );
    }
    // The responder listens on the port the certificates name.
    let responder = start_responder_on(
        dir.path(),
        ocsp_port,
        "index.txt",
        "responder.pem",
        "responder.key",
    );
    let leaves = dir.path().join("leaves.json");
    let run = pkimm([
        "collect",
        "files",
        dir.path().join("good.pem").to_str().unwrap(),
        dir.path().join("revoked.pem").to_str().unwrap(),
        dir.path().join("unknown.pem").to_str().unwrap(),
        "-o",
        leaves.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    Setup {
        dir,
        routes,
        http,
        responder,
        leaves,
    }
}

fn start_responder_on(
    dir: &Path,
    port: u16,
    index: &str,
    signer: &str,
    key: &str,
) -> OcspResponder {
    OcspResponder::start_on(dir, port, index, signer, key)
}

fn collect(args: &[&str]) -> Value {
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut all = vec!["collect", "revocation", "-o", out.path().to_str().unwrap()];
    all.extend_from_slice(args);
    let run = pkimm(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&std::fs::read_to_string(out.path()).unwrap()).unwrap()
}

fn check_for<'a>(bundle: &'a Value, serial: &str) -> &'a Value {
    bundle["ocsp_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["serial"] == serial)
        .unwrap_or_else(|| panic!("no OCSP check for serial {serial}: {bundle}"))
}

fn crl_from<'a>(bundle: &'a Value, path: &str) -> &'a Value {
    bundle["crls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["observations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["source"].as_str().unwrap().ends_with(path))
        })
        .unwrap_or_else(|| panic!("no CRL from {path}: {bundle}"))
}

#[test]
fn ocsp_statuses_aia_and_crl_from_the_certificates() {
    let s = setup();
    let bundle = collect(&["--from", s.leaves.to_str().unwrap()]);
    // AIA completed the chain.
    let certs = bundle["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1, "the CA fetched through AIA");
    assert_eq!(certs[0]["subject"], "CN=pkimm Revocation Test CA");
    // OCSP: good, revoked, unknown from a delegated responder.
    let good = check_for(&bundle, "1000");
    assert_eq!(good["response_status"], "successful");
    assert_eq!(good["cert_status"], "good");
    assert_eq!(good["responder_authorisation"], "delegated");
    assert_eq!(good["responder_nocheck"], true);
    assert_eq!(good["signature_valid"], true);
    assert_eq!(good["nonce_sent"], true);
    assert_eq!(good["nonce_echoed"], true);
    assert!(good["latency_ms"].is_u64());
    assert!(
        good["produced_at"].is_string()
            && good["this_update"].is_string()
            && good["next_update"].is_string()
    );
    let revoked = check_for(&bundle, "1001");
    assert_eq!(revoked["cert_status"], "revoked");
    assert_eq!(revoked["revocation_reason"], "keyCompromise");
    assert_eq!(check_for(&bundle, "1003")["cert_status"], "unknown");
    // The CRL from the CDP, verified against the AIA-fetched issuer.
    let crl = crl_from(&bundle, "/fresh.crl");
    assert_eq!(crl["signature_valid"], true);
    assert_eq!(crl["entry_count"], 1);
    assert_eq!(crl["http"]["max_age_seconds"], 3600);
    assert_eq!(crl["http"]["etag"], "\"fresh-1\"");
    assert!(crl["fetch_ms"].is_u64());
    assert!(
        bundle["failures"].as_array().unwrap().is_empty(),
        "{}",
        bundle["failures"]
    );

    // GET, SHA-256 CertID, no nonce.
    let bundle = collect(&[
        "--from",
        s.leaves.to_str().unwrap(),
        "--ocsp-get",
        "--ocsp-sha256",
        "--no-nonce",
        "--no-crl",
    ]);
    let good = check_for(&bundle, "1000");
    assert_eq!(good["cert_status"], "good");
    assert_eq!(good["provenance"]["method"], "ocsp-get");
    assert_eq!(good["nonce_sent"], false);
    assert!(good["nonce_echoed"].is_null());
    let _ = (&s.http, &s.responder);
}

#[test]
fn responder_authorisation_ca_and_unauthorised() {
    let s = setup();
    let dir = s.dir.path();
    let with_ca = dir.join("with-ca.json");
    let run = pkimm([
        "collect",
        "files",
        dir.join("good.pem").to_str().unwrap(),
        dir.join("ca.pem").to_str().unwrap(),
        "-o",
        with_ca.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0);
    let ca_signed = OcspResponder::start(dir, "index.txt", "ca.pem", "ca.key");
    // Asks only `responder` about the leaves, without CRLs or AIA.
    let ask = |responder: &OcspResponder| {
        collect(&[
            "--from",
            with_ca.to_str().unwrap(),
            "--ocsp-url",
            &responder.url(),
            "--no-crl",
            "--no-aia",
        ])
    };
    let bundle = ask(&ca_signed);
    let check = check_for(&bundle, "1000");
    assert_eq!(check["responder_authorisation"], "ca");
    assert_eq!(check["signature_valid"], true);

    let rogue = OcspResponder::start(dir, "index.txt", "rogue.pem", "rogue.key");
    let bundle = ask(&rogue);
    let check = check_for(&bundle, "1000");
    assert_eq!(check["responder_authorisation"], "unauthorised", "{check}");
    assert!(check.get("responder_nocheck").is_none(), "{check}");

    // A delegated responder whose certificate lacks id-pkix-ocsp-nocheck.
    let plain = OcspResponder::start(
        dir,
        "index.txt",
        "responder-plain.pem",
        "responder-plain.key",
    );
    let bundle = ask(&plain);
    let check = check_for(&bundle, "1000");
    assert_eq!(check["responder_authorisation"], "delegated", "{check}");
    assert_eq!(check["responder_nocheck"], false, "{check}");
    let (_b, path) = crate::support::temp_file("bundle.json", &bundle.to_string());
    let run = pkimm(["evaluate", path.to_str().unwrap(), "--format", "json"]);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        evaluation["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "ocsp.delegated-responder-nocheck" && f["outcome"] == "fail"),
        "{}",
        run.stdout
    );
}

#[test]
fn crl_health_and_findings() {
    let s = setup();
    let dir = s.dir.path();
    {
        let mut r = s.routes.lock().unwrap();
        r.insert(
            "/stale.crl".into(),
            HttpResponse::ok("application/pkix-crl", read(dir, "stale.crl")),
        );
        r.insert(
            "/wrongsig.crl".into(),
            HttpResponse::ok("application/pkix-crl", read(dir, "wrongsig.crl")),
        );
        r.insert(
            "/garbage.crl".into(),
            HttpResponse::ok("application/pkix-crl", b"<html>oops</html>".to_vec()),
        );
        r.insert(
            "/huge.crl".into(),
            HttpResponse::ok("application/pkix-crl", vec![0u8; 2 * 1024 * 1024]),
        );
        r.insert(
            "/rotating.crl".into(),
            HttpResponse::ok("application/pkix-crl", read(dir, "stale.crl")),
        );
    }
    let base = format!("http://127.0.0.1:{}", s.http.port());
    let url = |p: &str| format!("{base}{p}");
    let first = collect(&[
        "--from",
        s.leaves.to_str().unwrap(),
        "--no-ocsp",
        &url("/rotating.crl"),
    ]);
    let first_path = dir.join("first.json");
    std::fs::write(&first_path, first.to_string()).unwrap();
    // The CRL at /rotating.crl goes back to an older number.
    s.routes.lock().unwrap().insert(
        "/rotating.crl".into(),
        HttpResponse::ok("application/pkix-crl", read(dir, "fresh.crl")),
    );
    let bundle = collect(&[
        "--from",
        s.leaves.to_str().unwrap(),
        "--previous",
        first_path.to_str().unwrap(),
        "--max-crl-size",
        "1M",
        &url("/stale.crl"),
        &url("/wrongsig.crl"),
        &url("/garbage.crl"),
        &url("/huge.crl"),
        &url("/rotating.crl"),
        &url("/missing.crl"),
    ]);
    assert_eq!(crl_from(&bundle, "/wrongsig.crl")["signature_valid"], false);
    let rotating = crl_from(&bundle, "/rotating.crl");
    assert_eq!(
        rotating["previous_crl_number"], "4097",
        "the number seen at /rotating.crl before"
    );
    assert_eq!(rotating["crl_number"], "4096");
    assert_eq!(
        crl_from(&bundle, "/stale.crl")["next_update"],
        "2025-01-08T00:00:00Z"
    );
    let failures = bundle["failures"].as_array().unwrap();
    let failure = |path: &str| {
        failures
            .iter()
            .find(|f| f["message"].as_str().unwrap().contains(path))
            .unwrap_or_else(|| panic!("no failure for {path}: {failures:?}"))
    };
    assert_eq!(failure("/garbage.crl")["kind"], "parse");
    assert_eq!(failure("/huge.crl")["kind"], "too_large");
    assert_eq!(failure("/missing.crl")["kind"], "protocol");
    assert!(failure("/missing.crl")["message"]
        .as_str()
        .unwrap()
        .contains("404"));

    // evaluate shows the revocation findings, mapped to cert-lifecycle,
    // infrastructure management and resilience.
    let rev = dir.join("rev.json");
    std::fs::write(&rev, bundle.to_string()).unwrap();
    let run = pkimm([
        "evaluate",
        s.leaves.to_str().unwrap(),
        rev.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    let failed: Vec<(String, Vec<String>)> = evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["pkimm"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    let has = |rule: &str| failed.iter().any(|(r, _)| r == rule);
    for rule in [
        "crl.stale",
        "crl.signature-invalid",
        "crl.number-increasing",
        "crl.http-cacheable",
        "ocsp.unknown-for-issued",
    ] {
        assert!(has(rule), "{rule} did not fail: {failed:?}");
    }
    let unknown = failed
        .iter()
        .find(|(r, _)| r == "ocsp.unknown-for-issued")
        .unwrap();
    assert!(
        unknown
            .1
            .contains(&"M.certificate-management.cert-lifecycle".to_string()),
        "lifecycle: {unknown:?}"
    );
    for prefix in ["M.infrastructure-management.", "O.resilience."] {
        assert!(
            failed
                .iter()
                .any(|(_, p)| p.iter().any(|id| id.starts_with(prefix))),
            "nothing mapped to {prefix}x"
        );
    }
}

#[test]
fn ocsp_disagreeing_with_the_crl_is_critical() {
    let s = setup();
    let dir = s.dir.path();
    let lying = OcspResponder::start(dir, "index-lying.txt", "responder.pem", "responder.key");
    let bundle = collect(&[
        "--from",
        s.leaves.to_str().unwrap(),
        "--ocsp-url",
        &lying.url(),
    ]);
    assert_eq!(check_for(&bundle, "1001")["cert_status"], "good");
    let rev = dir.join("rev.json");
    std::fs::write(&rev, bundle.to_string()).unwrap();
    let run = pkimm([
        "evaluate",
        s.leaves.to_str().unwrap(),
        rev.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(run.code, 1, "a critical finding: {}", run.stderr);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "ocsp.crl-disagreement" && f["outcome"] == "fail")
        .expect("disagreement finding");
    assert_eq!(finding["severity"], "critical");
    assert!(finding["message"]
        .as_str()
        .unwrap()
        .contains("keyCompromise"));
}

#[test]
fn private_addresses_can_be_denied() {
    let s = setup();
    let bundle = collect(&["--from", s.leaves.to_str().unwrap(), "--deny-private"]);
    let failures = bundle["failures"].as_array().unwrap();
    assert!(!failures.is_empty());
    assert!(
        failures
            .iter()
            .any(|f| f["kind"] == "skipped" && f["message"].as_str().unwrap().contains("private")),
        "{failures:?}"
    );
    assert!(bundle["crls"].as_array().unwrap().is_empty());
}

#[test]
fn https_urls_use_the_given_trust_anchors() {
    let pki = crate::servers::TestPki::new();
    let addr = crate::servers::rustls_server(&pki, &["http/1.1"]);
    let url = format!("https://localhost:{}/ca.crl", addr.port());
    let root = pki.path("root.pem");
    // Trusted: the fetch succeeds (the test server's empty body is no CRL).
    let bundle = collect(&[&url, "--trust", root.to_str().unwrap()]);
    let failure = &bundle["failures"][0];
    assert_eq!(failure["kind"], "parse", "{failure}");
    // Untrusted: the TLS error is recorded.
    let bundle = collect(&[&url]);
    let failure = &bundle["failures"][0];
    assert_eq!(failure["kind"], "network", "{failure}");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("certificate"),
        "{failure}"
    );
}
