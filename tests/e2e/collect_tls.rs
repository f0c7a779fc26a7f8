//! `pkimm collect tls` against real servers on loopback.

use serde_json::Value;

use crate::servers::{
    garbage_server, rustls_server, smtp_starttls_server, stalling_server, Dovecot, OpensslServer,
    Prosody, TestPki, Vsftpd,
};
use crate::support::pkimm;

/// Runs `pkimm collect tls` with `args` and returns the bundle.
pub(crate) fn collect(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle.json");
    let mut all = vec!["collect", "tls", "-o", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = pkimm(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

pub(crate) fn endpoint(bundle: &Value, port: u16) -> &Value {
    bundle["tls_endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["port"] == port)
        .unwrap_or_else(|| panic!("no endpoint on port {port}: {bundle}"))
}

pub(crate) fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

pub(crate) fn chain_for(bundle: &Value, port: u16) -> &Value {
    bundle["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["provenance"]["source"]
                .as_str()
                .unwrap()
                .ends_with(&format!(":{port}"))
        })
        .unwrap_or_else(|| panic!("no chain for port {port}"))
}

/// Asserts that the endpoint on `port` was upgraded with `protocol` STARTTLS,
/// offers TLS 1.3, and served a chain that validates; returns the endpoint.
pub(crate) fn assert_starttls<'b>(bundle: &'b Value, port: u16, protocol: &str) -> &'b Value {
    let e = endpoint(bundle, port);
    assert_eq!(e["starttls"], protocol, "{e}");
    assert!(
        strings(&e["versions"]).contains(&"TLSv1.3".to_string()),
        "{e}"
    );
    assert!(e["alpn"].is_null(), "no ALPN over STARTTLS: {e}");
    let chain = chain_for(bundle, port);
    assert_eq!(
        chain["provenance"]["method"],
        format!("starttls-{protocol}+tls-handshake")
    );
    assert_eq!(chain["validation"]["valid"], true, "{chain}");
    e
}

/// Asserts that collecting produced no failure records.
fn assert_no_failures(bundle: &Value) {
    assert!(
        bundle["failures"].as_array().unwrap().is_empty(),
        "{bundle}"
    );
}

#[test]
fn rustls_server_chain_versions_ciphers_and_alpn() {
    let pki = TestPki::new();
    let addr = rustls_server(&pki, &["h2", "http/1.1"]);
    let root = pki.path("root.pem");
    let bundle = collect(&[
        &addr.to_string(),
        "--sni",
        "localhost",
        "--trust",
        root.to_str().unwrap(),
    ]);
    let e = endpoint(&bundle, addr.port());
    assert_eq!(strings(&e["versions"]), ["TLSv1.3", "TLSv1.2"]);
    assert_eq!(e["alpn"], "h2");
    assert_eq!(e["sni"], "localhost");
    let negotiated = e["negotiated"].as_array().unwrap();
    assert_eq!(negotiated[0]["version"], "TLSv1.3");
    assert!(
        negotiated[0]["cipher"]
            .as_str()
            .unwrap()
            .starts_with("TLS_AES_")
            || negotiated[0]["cipher"] == "TLS_CHACHA20_POLY1305_SHA256"
    );
    let mut ciphers = strings(&e["accepted_ciphers"]);
    ciphers.sort();
    assert_eq!(
        ciphers,
        [
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        ]
    );
    assert!(e["handshake_ms"].is_u64());
    let leaf = sha256_hex(&pki.der("ec.pem"));
    assert_eq!(e["leaf"], leaf.as_str());
    let chain = chain_for(&bundle, addr.port());
    assert_eq!(
        strings(&chain["certificates"]),
        [leaf, sha256_hex(&pki.der("root.pem"))]
    );
    assert_eq!(chain["ordered"], true);
    assert_eq!(chain["validation"]["valid"], true, "{chain}");
    assert_eq!(chain["provenance"]["method"], "tls-handshake");
    assert_eq!(bundle["certificates"].as_array().unwrap().len(), 2);
    assert!(bundle["failures"].as_array().unwrap().is_empty());
}

#[test]
fn chain_validation_reports_the_reason() {
    let pki = TestPki::new();
    let addr = rustls_server(&pki, &[]);
    let root = pki.path("root.pem");
    let wrong_name = collect(&[
        &format!("{addr} sni=wrong.example"),
        "--trust",
        root.to_str().unwrap(),
        "--no-legacy",
        "--no-ciphers",
    ]);
    let chain = chain_for(&wrong_name, addr.port());
    assert_eq!(chain["validation"]["valid"], false);
    assert!(
        chain["validation"]["reason"]
            .as_str()
            .unwrap()
            .contains("not valid for name"),
        "{chain}"
    );
    // Another PKI's root does not anchor this chain.
    let other = TestPki::named("Some Other Root");
    let other_root = other.path("root.pem");
    let untrusted = collect(&[
        &format!("{addr} sni=localhost"),
        "--trust",
        other_root.to_str().unwrap(),
        "--no-legacy",
        "--no-ciphers",
    ]);
    let chain = chain_for(&untrusted, addr.port());
    assert_eq!(chain["validation"]["valid"], false);
    let reason = chain["validation"]["reason"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        reason.contains("unknownissuer") || reason.contains("unknown issuer"),
        "{reason}"
    );
}

#[test]
fn legacy_tls10_server_is_probed_and_its_chain_captured() {
    let pki = TestPki::new();
    let server = OpensslServer::start(
        &pki,
        &["-tls1", "-cipher", "AES128-SHA:NULL-SHA:@SECLEVEL=0"],
    );
    let root = pki.path("root.pem");
    let bundle = collect(&[
        &server.target(),
        "--sni",
        "localhost",
        "--trust",
        root.to_str().unwrap(),
    ]);
    let e = endpoint(&bundle, server.port);
    assert_eq!(strings(&e["versions"]), ["TLSv1.0"]);
    let mut ciphers = strings(&e["accepted_ciphers"]);
    ciphers.sort();
    assert_eq!(
        ciphers,
        ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_NULL_SHA"]
    );
    assert_eq!(e["negotiated"][0]["version"], "TLSv1.0");
    assert_eq!(e["leaf"], sha256_hex(&pki.der("rsa.pem")).as_str());
    let chain = chain_for(&bundle, server.port);
    assert_eq!(chain["provenance"]["method"], "tls-probe");
    assert_eq!(chain["validation"]["valid"], true, "{chain}");

    // The rules see the legacy version and the weak suites.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.json");
    std::fs::write(&path, bundle.to_string()).unwrap();
    let run = pkimm(["evaluate", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    let failed: Vec<&str> = evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "key.tls-protocol-versions",
        "key.tls-weak-ciphers",
        "key.tls-forward-secrecy",
    ] {
        assert!(failed.contains(&rule), "{rule} did not fail: {failed:?}");
    }
}

#[test]
fn legacy_tls11_server() {
    let pki = TestPki::new();
    let server = OpensslServer::start(&pki, &["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"]);
    let bundle = collect(&[&server.target(), "--no-ciphers"]);
    let e = endpoint(&bundle, server.port);
    assert_eq!(strings(&e["versions"]), ["TLSv1.1"]);
    assert!(e["accepted_ciphers"].is_null());
}

#[test]
fn modern_openssl_server_with_an_ocsp_staple() {
    let pki = TestPki::new();
    let response = pki.ocsp_response("rsa.pem");
    let server = OpensslServer::start(&pki, &["-status_file", response.to_str().unwrap()]);
    let bundle = collect(&[&server.target(), "--sni", "localhost"]);
    let e = endpoint(&bundle, server.port);
    assert_eq!(strings(&e["versions"]), ["TLSv1.3", "TLSv1.2"]);
    assert_eq!(e["ocsp_stapled"], true, "{e}");
    assert_eq!(e["ocsp_staple_status"], "good");
    assert!(e["ocsp_staple_next_update"].is_string());
    // Offered suites include non-forward-secret RSA key exchange.
    assert!(
        strings(&e["accepted_ciphers"]).contains(&"TLS_RSA_WITH_AES_128_GCM_SHA256".to_string())
    );
    assert!(!strings(&e["accepted_ciphers"])
        .iter()
        .any(|c| c.contains("NULL")));
}

#[test]
fn smtp_starttls() {
    let pki = TestPki::new();
    let addr = smtp_starttls_server(&pki);
    let root = pki.path("root.pem");
    let bundle = collect(&[
        &format!("{addr} starttls=smtp sni=localhost"),
        "--trust",
        root.to_str().unwrap(),
    ]);
    let e = assert_starttls(&bundle, addr.port(), "smtp");
    assert_eq!(strings(&e["versions"]), ["TLSv1.3", "TLSv1.2"]);
}

/// IMAP and POP3 STARTTLS against a real Dovecot.
#[test]
fn imap_and_pop3_starttls_against_dovecot() {
    let pki = TestPki::new();
    let Some(dovecot) = Dovecot::start(&pki) else {
        return;
    };
    let root = pki.path("root.pem");
    let bundle = collect(&[
        &format!("imap://127.0.0.1:{}", dovecot.imap_port),
        &format!("127.0.0.1:{} starttls=pop3", dovecot.pop3_port),
        "--sni",
        "localhost",
        "--trust",
        root.to_str().unwrap(),
    ]);
    assert_no_failures(&bundle);
    assert_starttls(&bundle, dovecot.imap_port, "imap");
    assert_starttls(&bundle, dovecot.pop3_port, "pop3");
}

/// FTP STARTTLS (`AUTH TLS`) against a real vsftpd.
#[test]
fn ftp_starttls_against_vsftpd() {
    let pki = TestPki::new();
    let Some(ftp) = Vsftpd::start(&pki) else {
        return;
    };
    let root = pki.path("root.pem");
    let bundle = collect(&[
        &format!("ftp://127.0.0.1:{}", ftp.port),
        "--sni",
        "localhost",
        "--trust",
        root.to_str().unwrap(),
    ]);
    assert_no_failures(&bundle);
    let e = assert_starttls(&bundle, ftp.port, "ftp");
    assert_eq!(strings(&e["versions"]), ["TLSv1.3", "TLSv1.2"]);
}

/// XMPP STARTTLS against a real Prosody: the stream is opened to the SNI name.
#[test]
fn xmpp_starttls_against_prosody() {
    let pki = TestPki::new();
    let Some(xmpp) = Prosody::start(&pki) else {
        return;
    };
    let root = pki.path("root.pem");
    let bundle = collect(&[
        &format!("127.0.0.1:{} starttls=xmpp sni=localhost", xmpp.port),
        "--trust",
        root.to_str().unwrap(),
    ]);
    assert_no_failures(&bundle);
    assert_starttls(&bundle, xmpp.port, "xmpp");
}

#[test]
fn unreachable_garbage_and_stalling_servers_become_failures() {
    let garbage = garbage_server();
    let stall = stalling_server();
    let refused = crate::servers::free_port();
    let bundle = collect(&[
        &garbage.to_string(),
        &stall.to_string(),
        &format!("127.0.0.1:{refused}"),
        "--handshake-timeout",
        "1s",
        "--connect-timeout",
        "1s",
        "--retries",
        "0",
    ]);
    let failures = bundle["failures"].as_array().unwrap();
    let failure_for = |port: u16| {
        failures
            .iter()
            .find(|f| f["provenance"]["source"] == format!("127.0.0.1:{port}"))
            .unwrap_or_else(|| panic!("no failure for {port}: {failures:?}"))
    };
    let g = failure_for(garbage.port());
    assert_eq!(g["kind"], "protocol");
    assert!(g["message"].as_str().unwrap().contains("not TLS"), "{g}");
    let s = failure_for(stall.port());
    assert_eq!(s["kind"], "timeout", "{s}");
    let r = failure_for(refused);
    assert_eq!(r["kind"], "network");
    assert!(r["message"].as_str().unwrap().contains("refused"));
    for port in [garbage.port(), stall.port(), refused] {
        let e = endpoint(&bundle, port);
        assert!(strings(&e["versions"]).is_empty());
        assert!(!strings(&e["errors"]).is_empty());
    }
}

#[test]
fn chain_length_cap_and_target_files() {
    let pki = TestPki::new();
    let a = rustls_server(&pki, &[]);
    let b = rustls_server(&pki, &[]);
    let (_dir, file) = crate::support::temp_file(
        "targets.txt",
        &format!(
            "# loopback servers\n127.0.0.1/32 ports={},{}\n\n",
            a.port(),
            b.port()
        ),
    );
    let bundle = collect(&[
        "-f",
        file.to_str().unwrap(),
        "--max-chain",
        "1",
        "--no-ciphers",
    ]);
    assert_eq!(bundle["tls_endpoints"].as_array().unwrap().len(), 2);
    let e = endpoint(&bundle, a.port());
    assert!(
        strings(&e["errors"])
            .iter()
            .any(|m| m.contains("kept the first 1")),
        "{e}"
    );
    assert_eq!(
        chain_for(&bundle, a.port())["certificates"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn ipv6_loopback_and_several_sni_names() {
    let pki = TestPki::new();
    let Some(addr) = crate::servers::rustls_server_on(&pki, &[], "[::1]:0") else {
        eprintln!("no IPv6 loopback here; skipping");
        return;
    };
    let target = format!("[::1]:{} sni=localhost,alias.localhost", addr.port());
    let bundle = collect(&[&target, "--no-legacy", "--no-ciphers"]);
    let endpoints = bundle["tls_endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 2, "one scan per SNI name");
    for e in endpoints {
        assert_eq!(e["ip"], "::1");
        assert_eq!(e["target"], format!("[::1]:{}", addr.port()));
        assert_eq!(strings(&e["versions"]), ["TLSv1.3", "TLSv1.2"]);
    }
}

#[test]
fn tls_section_of_the_settings_file() {
    let pki = TestPki::new();
    let addr = rustls_server(&pki, &[]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(pki.path("root.pem"), dir.path().join("roots.pem")).unwrap();
    std::fs::write(
        dir.path().join("targets.txt"),
        format!("{addr} sni=localhost\n"),
    )
    .unwrap();
    let config = dir.path().join("scan.toml");
    std::fs::write(
        &config,
        "[tls]\ntargets_files = [\"targets.txt\"]\ntrust = [\"roots.pem\"]\n\
         legacy = false\nciphers = false\nhandshake_timeout = \"3s\"\nmax_cert_size = \"32K\"\n",
    )
    .unwrap();
    let bundle = collect(&["--config", config.to_str().unwrap()]);
    let e = endpoint(&bundle, addr.port());
    assert_eq!(strings(&e["versions"]), ["TLSv1.3", "TLSv1.2"]);
    assert!(e["accepted_ciphers"].is_null(), "ciphers = false");
    assert_eq!(chain_for(&bundle, addr.port())["validation"]["valid"], true);

    std::fs::write(
        &config,
        "[tls]\nconcurrency = 4\nhandshake_timeout = \"soon\"\n",
    )
    .unwrap();
    let run = pkimm([
        "collect",
        "tls",
        "--config",
        config.to_str().unwrap(),
        "127.0.0.1:1",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("scan.toml:3:"), "{}", run.stderr);
    assert!(run.stderr.contains("soon"), "{}", run.stderr);
    std::fs::write(&config, "[tls]\nconcurency = 4\n").unwrap();
    let run = pkimm([
        "collect",
        "tls",
        "--config",
        config.to_str().unwrap(),
        "127.0.0.1:1",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("concurency"), "{}", run.stderr);
}

#[test]
fn bad_targets_and_trust_stores_are_named() {
    let run = pkimm(["collect", "tls", "example.com:99999"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("example.com:99999"), "{}", run.stderr);
    let (_dir, file) = crate::support::temp_file("targets.txt", "ok.example\nbad host!\n");
    let run = pkimm(["collect", "tls", "-f", file.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("targets.txt:2"), "{}", run.stderr);
    let (_dir2, trust) = crate::support::temp_file("roots.pem", "not pem");
    let run = pkimm([
        "collect",
        "tls",
        "127.0.0.1:1",
        "--trust",
        trust.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("roots.pem"), "{}", run.stderr);
}

fn sha256_hex(der: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(der))
}
