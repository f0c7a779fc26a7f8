//! TLS depth against real servers on loopback: suites per version (TLS 1.3
//! included), key-exchange groups with the post-quantum hybrids, DH prime
//! sizes, client-certificate requests, renegotiation / EMS / fallback SCSV,
//! chain completeness, trust anchors as evidence, discovery mode.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::collect_tls::{chain_for, collect, endpoint, strings};
use crate::servers::{OpensslServer, PqServer, TestPki};
use crate::support::pkimm;

/// DH parameters of `bits` written to `path`: generated for 1024 bits
/// (under a second), RFC 7919 ffdhe2048 for 2048.
fn dh_params(path: &Path, bits: u32) {
    let mut command = Command::new("openssl");
    if bits == 2048 {
        command.args(["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt"]);
        command.arg("group:ffdhe2048").arg("-out").arg(path);
    } else {
        command.args(["dhparam", "-out"]);
        command.arg(path).arg(bits.to_string());
    }
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "DH parameters of {bits} bits");
}

/// Runs `pkimm evaluate` on `bundle` and returns whether `rule` fails on a
/// record whose id contains `record` (the JSON lists failing findings; the
/// rules' own test cases cover pass against not applicable).
fn fails(bundle: &Value, rule: &str, record: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, bundle.to_string()).unwrap();
    let run = pkimm(["evaluate", path.to_str().unwrap(), "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    evaluation["findings"].as_array().unwrap().iter().any(|f| {
        f["rule"] == rule
            && f["outcome"] == "fail"
            && f["record"]["id"].as_str().unwrap().contains(record)
    })
}

fn suites_of<'v>(e: &'v Value, version: &str) -> &'v Value {
    e["suites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["version"] == version)
        .unwrap_or_else(|| panic!("no {version} suites: {e}"))
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

#[test]
fn suites_per_version_groups_dh_client_auth_and_protocol_facts() {
    let pki = TestPki::new();
    let dh = pki.path("dh1024.pem");
    dh_params(&dh, 1024);
    let root = pki.path("root.pem");
    let server = OpensslServer::start(
        &pki,
        &[
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:AES128-SHA:@SECLEVEL=0",
            "-ciphersuites",
            "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
            "-groups",
            "secp384r1:X25519",
            "-serverpref",
            "-dhparam",
            dh.to_str().unwrap(),
            "-Verify",
            "1",
            "-CAfile",
            root.to_str().unwrap(),
        ],
    );
    let bundle = collect(&[&server.target(), "--trust", root.to_str().unwrap()]);
    let e = endpoint(&bundle, server.port);
    assert_eq!(
        strings(&e["versions"]),
        ["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0"],
        "{e}"
    );
    let tls13 = suites_of(e, "TLSv1.3");
    assert_eq!(
        strings(&tls13["suites"]),
        ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"],
        "{e}"
    );
    assert_eq!(tls13["server_order"], true, "-serverpref: {e}");
    assert_eq!(
        sorted(strings(&suites_of(e, "TLSv1.2")["suites"])),
        [
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
        ]
    );
    for version in ["TLSv1.1", "TLSv1.0"] {
        assert_eq!(
            strings(&suites_of(e, version)["suites"]),
            ["TLS_RSA_WITH_AES_128_CBC_SHA"],
            "{version}: {e}"
        );
    }
    // OpenSSL names its own first group in a HelloRetryRequest.
    assert_eq!(strings(&e["groups"]), ["secp384r1", "x25519"], "{e}");
    assert_eq!(e["preferred_group"], "secp384r1");
    assert_eq!(e["groups_server_order"], true);
    assert_eq!(e["dh_bits"], 1024, "{e}");
    assert_eq!(e["client_auth"]["requested"], true, "{e}");
    assert_eq!(e["client_auth"]["required"], true, "-Verify: {e}");
    assert_eq!(
        strings(&e["client_auth"]["ca_names"]),
        ["CN=pkimm TLS Test Root"]
    );
    assert_eq!(e["secure_renegotiation"], true);
    assert_eq!(e["extended_master_secret"], true);
    assert_eq!(e["fallback_scsv"], true, "OpenSSL honours RFC 7507: {e}");
    assert!(e["errors"].is_null(), "{e}");
    assert!(e["connections"].as_u64().unwrap() > 10);

    let port = format!(":{}", server.port);
    assert!(fails(&bundle, "key.tls-dh-min-size", &port));
    assert!(!fails(&bundle, "key.tls-fallback-scsv", &port));
    assert!(!fails(&bundle, "key.tls-secure-renegotiation", &port));
    assert!(fails(&bundle, "crypto.tls-pq-key-exchange", &port));
}

#[test]
fn tls12_only_with_optional_client_certificates_and_2048_bit_dh() {
    let pki = TestPki::new();
    let dh = pki.path("dh2048.pem");
    dh_params(&dh, 2048);
    let root = pki.path("root.pem");
    let server = OpensslServer::start(
        &pki,
        &[
            "-no_tls1_3",
            "-cipher",
            "DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
            "-groups",
            "P-256:P-384",
            "-dhparam",
            dh.to_str().unwrap(),
            "-verify",
            "1",
            "-CAfile",
            root.to_str().unwrap(),
        ],
    );
    let bundle = collect(&[&server.target(), "--trust", root.to_str().unwrap()]);
    let e = endpoint(&bundle, server.port);
    assert_eq!(strings(&e["versions"]), ["TLSv1.2"], "{e}");
    assert_eq!(
        sorted(strings(&suites_of(e, "TLSv1.2")["suites"])),
        [
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ]
    );
    // Without TLS 1.3 the curves come from ServerKeyExchange messages.
    assert_eq!(
        sorted(strings(&e["groups"])),
        ["secp256r1", "secp384r1"],
        "{e}"
    );
    assert_eq!(e["dh_bits"], 2048, "{e}");
    assert_eq!(e["client_auth"]["requested"], true, "{e}");
    assert_eq!(e["client_auth"]["required"], false, "-verify: {e}");
    assert_eq!(
        strings(&e["client_auth"]["ca_names"]),
        ["CN=pkimm TLS Test Root"]
    );
    assert!(e["fallback_scsv"].is_null(), "one version: {e}");
    let port = format!(":{}", server.port);
    assert!(!fails(&bundle, "key.tls-dh-min-size", &port));
    assert!(!fails(&bundle, "crypto.tls-pq-key-exchange", &port));
}

#[test]
fn post_quantum_hybrid_groups_preferred_supported_and_absent() {
    let pki = TestPki::new();
    let Some(prefers) = PqServer::start(&pki, &["X25519MLKEM768", "X25519"], true) else {
        return;
    };
    let Some(supports) = PqServer::start(&pki, &["X25519", "X25519MLKEM768"], true) else {
        return;
    };
    let Some(without) = PqServer::start(&pki, &["X25519", "secp256r1"], true) else {
        return;
    };
    let Some(client_order) = PqServer::start(&pki, &["X25519", "SecP256r1MLKEM768"], false) else {
        return;
    };
    let Some(pure) = PqServer::start(&pki, &["MLKEM1024", "MLKEM768"], true) else {
        return;
    };
    let targets: Vec<String> = [&prefers, &supports, &without, &client_order, &pure]
        .iter()
        .map(|s| s.addr.to_string())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let cbom = dir.path().join("cbom.json");
    let mut args: Vec<&str> = targets.iter().map(String::as_str).collect();
    args.extend(["--sni", "localhost", "--cbom", cbom.to_str().unwrap()]);
    let bundle = collect(&args);

    let e = endpoint(&bundle, prefers.addr.port());
    assert_eq!(strings(&e["groups"]), ["X25519MLKEM768", "x25519"], "{e}");
    assert_eq!(e["preferred_group"], "X25519MLKEM768");
    assert_eq!(e["groups_server_order"], true);
    assert_eq!(strings(&e["versions"]), ["TLSv1.3", "TLSv1.2"]);
    assert_eq!(
        strings(&suites_of(e, "TLSv1.3")["suites"]).len(),
        3,
        "rustls offers three TLS 1.3 suites: {e}"
    );

    let e = endpoint(&bundle, supports.addr.port());
    assert_eq!(strings(&e["groups"]), ["x25519", "X25519MLKEM768"], "{e}");
    assert_eq!(e["preferred_group"], "x25519");

    let e = endpoint(&bundle, without.addr.port());
    assert_eq!(strings(&e["groups"]), ["x25519", "secp256r1"], "{e}");

    let e = endpoint(&bundle, client_order.addr.port());
    assert_eq!(
        sorted(strings(&e["groups"])),
        ["SecP256r1MLKEM768", "x25519"],
        "{e}"
    );
    assert_eq!(e["groups_server_order"], false, "rustls follows the client");

    // A pure ML-KEM server: rustls with ring cannot handshake, the hello
    // probe still sees TLS 1.3, its suites and the groups in its order.
    let e = endpoint(&bundle, pure.addr.port());
    assert_eq!(strings(&e["groups"]), ["MLKEM1024", "MLKEM768"], "{e}");
    assert_eq!(e["preferred_group"], "MLKEM1024", "{e}");
    assert_eq!(strings(&e["versions"]), ["TLSv1.3"], "{e}");
    assert!(e["errors"].is_null(), "{e}");
    assert!(
        strings(&e["notes"])[0].contains("rustls could not complete a handshake"),
        "{e}"
    );

    let fail = |rule: &str, port: u16| fails(&bundle, rule, &format!(":{port}"));
    let supported = "crypto.tls-pq-key-exchange";
    let preferred = "crypto.tls-pq-preferred";
    assert!(!fail(supported, prefers.addr.port()));
    assert!(!fail(preferred, prefers.addr.port()));
    assert!(!fail(supported, supports.addr.port()));
    assert!(fail(preferred, supports.addr.port()));
    assert!(fail(supported, without.addr.port()));
    assert!(!fail(preferred, without.addr.port()));
    assert!(!fail(preferred, client_order.addr.port()));

    // The CBOM lists the groups of each protocol: the hybrid as a KEM of
    // NIST category 3.
    crate::cbom::validate(&cbom);
    let bom: Value = serde_json::from_str(&std::fs::read_to_string(&cbom).unwrap()).unwrap();
    let component = |r: &str| {
        bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["bom-ref"] == r)
            .unwrap_or_else(|| panic!("no {r} in the CBOM"))
            .clone()
    };
    let hybrid = component("algo:X25519MLKEM768");
    let properties = &hybrid["cryptoProperties"]["algorithmProperties"];
    assert_eq!(properties["primitive"], "kem");
    assert_eq!(properties["nistQuantumSecurityLevel"], 3);
    let protocol = component(&format!("tls:{}#TLSv1.3", prefers.addr));
    assert_eq!(
        strings(&protocol["cryptoProperties"]["protocolProperties"]["cryptoRefArray"]),
        ["algo:X25519MLKEM768", "algo:x25519"]
    );
}

#[test]
fn expired_leaf_only_chain_is_complete_and_trust_anchors_are_evidence() {
    let pki = TestPki::new();
    pki.issue("expired", |p| {
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    });
    pki.issue("current", |_| {});
    let expired = OpensslServer::start_raw(&[
        "-cert",
        pki.path("expired.pem").to_str().unwrap(),
        "-key",
        pki.path("expired.key").to_str().unwrap(),
    ]);
    let current = OpensslServer::start_raw(&[
        "-cert",
        pki.path("current.pem").to_str().unwrap(),
        "-key",
        pki.path("current.key").to_str().unwrap(),
    ]);
    let root = pki.path("root.pem");
    let bundle = collect(&[
        &expired.target(),
        &current.target(),
        "--sni",
        "localhost",
        "--trust",
        root.to_str().unwrap(),
    ]);
    // Served leaf only; the root is the trust anchor: complete, and the
    // expired one does not validate.
    let chain = chain_for(&bundle, expired.port);
    assert_eq!(chain["complete"], true, "{chain}");
    assert_eq!(chain["validation"]["valid"], false);
    assert_eq!(
        chain_for(&bundle, current.port)["validation"]["valid"],
        true
    );
    assert!(!fails(
        &bundle,
        "monitoring.chain-order",
        &format!(":{}", expired.port)
    ));
    // The root given with --trust is in the bundle as a trust anchor, so
    // the chain rules see where the leaves' chains end.
    let root_fingerprint = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(pki.der("root.pem")));
    let anchor = bundle["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fingerprint_sha256"] == root_fingerprint.as_str())
        .expect("the trust anchor is evidence");
    assert!(
        anchor["observations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["method"] == "trust-anchor"),
        "{anchor}"
    );
    for leaf in ["expired.pem", "current.pem"] {
        let fingerprint = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(pki.der(leaf)));
        assert!(
            !fails(&bundle, "cert.incomplete-chain", &fingerprint),
            "{leaf}"
        );
    }
}

#[test]
fn must_staple_without_staple_and_a_server_rustls_cannot_talk_to() {
    let pki = TestPki::new();
    pki.issue("staple", |p| {
        p.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 5, 5, 7, 1, 24],
            vec![0x30, 0x03, 0x02, 0x01, 0x05],
        )];
    });
    let must_staple = OpensslServer::start_raw(&[
        "-cert",
        pki.path("staple.pem").to_str().unwrap(),
        "-key",
        pki.path("staple.key").to_str().unwrap(),
    ]);
    // Static RSA key exchange only: rustls refuses it, the probe reads it.
    let static_rsa = OpensslServer::start(&pki, &["-no_tls1_3", "-cipher", "AES128-GCM-SHA256"]);
    let bundle = collect(&[&must_staple.target(), &static_rsa.target()]);
    let e = endpoint(&bundle, must_staple.port);
    assert_eq!(e["leaf_must_staple"], true, "{e}");
    assert_eq!(e["ocsp_stapled"], false);
    assert!(fails(
        &bundle,
        "monitoring.must-staple-without-staple",
        &format!(":{}", must_staple.port)
    ));
    let e = endpoint(&bundle, static_rsa.port);
    assert_eq!(strings(&e["versions"]), ["TLSv1.2"], "{e}");
    assert_eq!(
        strings(&e["accepted_ciphers"]),
        ["TLS_RSA_WITH_AES_128_GCM_SHA256"]
    );
    assert!(e["errors"].is_null(), "an observation, not an error: {e}");
    assert!(
        strings(&e["notes"])[0].contains("rustls could not complete a handshake"),
        "{e}"
    );
    assert_eq!(
        chain_for(&bundle, static_rsa.port)["provenance"]["method"],
        "tls-probe"
    );
    assert!(bundle["failures"].as_array().unwrap().is_empty());
}

#[test]
fn discovery_mode_is_one_handshake() {
    let pki = TestPki::new();
    let server = OpensslServer::start(&pki, &[]);
    let bundle = collect(&[&server.target(), "--discovery"]);
    let e = endpoint(&bundle, server.port);
    assert_eq!(e["connections"], 1, "{e}");
    assert_eq!(e["discovery"], true);
    assert_eq!(strings(&e["versions"]), ["TLSv1.3"]);
    assert!(e["suites"].is_null() && e["groups"].is_null(), "{e}");
    assert_eq!(
        strings(&chain_for(&bundle, server.port)["certificates"]).len(),
        2
    );
    assert!(
        !fails(&bundle, "key.tls-weak-groups", &format!(":{}", server.port)),
        "nothing measured, nothing judged"
    );
}

#[test]
fn the_smallest_dh_prime_counts_anonymous_suites_too() {
    // No -dhparam: OpenSSL sizes its automatic DH parameters by the suite,
    // 2048 bits for DHE-RSA with a 2048-bit key, 1024 for anonymous DH.
    let pki = TestPki::new();
    let server = OpensslServer::start(
        &pki,
        &[
            "-no_tls1_3",
            "-cipher",
            "DHE-RSA-AES128-GCM-SHA256:ADH-AES128-GCM-SHA256:@SECLEVEL=0",
        ],
    );
    let bundle = collect(&[&server.target()]);
    let e = endpoint(&bundle, server.port);
    assert_eq!(
        sorted(strings(&suites_of(e, "TLSv1.2")["suites"])),
        [
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
        ]
    );
    assert_eq!(e["dh_bits"], 1024, "{e}");
}

/// PQ readiness from the scan is written beside the PQC extension's
/// cryptography relevance by `assess --extension`, with no level: the
/// relevance levels judge documented decisions and reviews.
#[test]
fn pq_readiness_is_shown_beside_the_pqc_relevance_without_a_level() {
    let pki = TestPki::new();
    let Some(hybrid) = PqServer::start(&pki, &["X25519MLKEM768", "X25519"], true) else {
        return;
    };
    let Some(classical) = PqServer::start(&pki, &["X25519", "secp256r1"], true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let targets = [hybrid.addr.to_string(), classical.addr.to_string()];
    let mut args: Vec<&str> = targets.iter().map(String::as_str).collect();
    args.extend(["--sni", "localhost", "--no-legacy"]);
    let bundle = collect(&args);
    let bundle_path = dir.path().join("tls.json");
    std::fs::write(&bundle_path, bundle.to_string()).unwrap();
    let extension = crate::support::fixture("official/2.0.0/extensions/pqc-extension-0.6.0.yaml");
    let assessment = dir.path().join("assessment.json");
    let assess = || {
        pkimm([
            "assess",
            bundle_path.to_str().unwrap(),
            "--extension",
            extension.to_str().unwrap(),
            "-o",
            assessment.to_str().unwrap(),
        ])
    };
    let run = assess();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("extension pqc: evidence written beside the relevance of G.cryptography"),
        "{}",
        run.stderr
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&assessment).unwrap()).unwrap();
    let relevance = &file["extensions"]["pqc"]["relevance"];
    let entry = &relevance["G.cryptography"];
    assert!(entry["suggested"].is_null(), "never a level: {entry:#}");
    assert!(entry["level"].is_null());
    let note = entry["note"].as_str().unwrap();
    assert!(
        note.starts_with("pkimm suggests no relevance level"),
        "{note}"
    );
    assert!(
        note.contains("offer hybrid post-quantum key exchange: 1 of 2 TLS endpoints pass"),
        "{note}"
    );
    assert_eq!(entry["observed"]["ceilings"][0]["level"], 0);
    let related = entry["observed"]["related"].as_array().unwrap();
    let exchange = related
        .iter()
        .find(|r| r["rule"] == "crypto.tls-pq-key-exchange")
        .expect("the key-exchange rule is beside it");
    assert_eq!(exchange["evaluated"], 2);
    assert_eq!(exchange["failing"], 1);
    assert!(exchange["examples"][0]
        .as_str()
        .unwrap()
        .contains(&classical.addr.port().to_string()));
    // Governance categories no rule informs get nothing.
    assert!(
        relevance["G.strategy-and-vision"].is_null(),
        "{relevance:#}"
    );

    // The file stays valid and scores with the extension; the relevance
    // still counts as not assessed.
    let run = pkimm(["validate", assessment.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = pkimm([
        "score",
        assessment.to_str().unwrap(),
        "--extension",
        extension.to_str().unwrap(),
        "--basis",
        "prefilled",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let score: Value = serde_json::from_str(&run.stdout).unwrap();
    let category = score["extensions"][0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "G.cryptography")
        .unwrap();
    assert_eq!(category["relevance"]["source"], "not_evaluated");
    assert_eq!(category["relevance"]["level"], 0);
    assert!(category["relevance"]["evidence_note"]
        .as_str()
        .unwrap()
        .contains("1 of 2 TLS endpoints pass"));

    // An assessor's relevance level (set by hand: relevance entries are
    // the assessor's) survives a re-run.
    let mut edited = file.clone();
    edited["extensions"]["pqc"]["relevance"]["G.cryptography"]["level"] = 2.into();
    edited["extensions"]["pqc"]["relevance"]["G.cryptography"]["justification"] =
        "first assessment of the final PQC standards recorded".into();
    std::fs::write(&assessment, edited.to_string()).unwrap();
    let run = assess();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&assessment).unwrap()).unwrap();
    let entry = &file["extensions"]["pqc"]["relevance"]["G.cryptography"];
    assert_eq!(entry["level"], 2, "{entry:#}");
    assert!(entry["justification"].as_str().is_some());
    assert!(entry["note"].as_str().is_some());
}
