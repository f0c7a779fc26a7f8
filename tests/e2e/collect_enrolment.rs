//! `pkimm collect enrolment` against real enrolment servers on loopback:
//! pebble (ACME), acme2certifier (ACME with Renewal Information), micromdm's
//! scepserver (SCEP) and `openssl cmp` (CMP); and endpoints that are down or
//! answer garbage. EST has no server that runs offline here (see
//! README "Enrolment endpoints"); its parsing is unit-tested.

use std::path::Path;

use pkimm_testkit::enrolment::{Acme2certifier, CmpServer, Pebble, ScepServer};
use pkimm_testkit::pki::TestPki;
use serde_json::Value;

use crate::servers::{free_port, http_server, HttpResponse};
use crate::support::pkimm;

/// Runs `pkimm collect enrolment ARGS -o DIR/NAME` and returns the bundle.
fn collect(dir: &Path, name: &str, args: &[&str]) -> Value {
    let out = dir.join(name);
    let mut all = vec!["collect", "enrolment"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", out.to_str().unwrap()]);
    let run = pkimm(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

/// The failing findings of `pkimm evaluate` on `bundles`, as (rule, record id).
fn failures(bundles: &[&Path]) -> Vec<(String, String)> {
    let mut args = vec!["evaluate".to_string()];
    args.extend(bundles.iter().map(|b| b.display().to_string()));
    args.extend(["--format".to_string(), "json".to_string()]);
    let run = pkimm(&args);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["record"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn fails(failures: &[(String, String)], rule: &str, record: &str) -> bool {
    failures
        .iter()
        .any(|(r, id)| r == rule && id.contains(record))
}

fn only_endpoint(bundle: &Value) -> &Value {
    let endpoints = bundle["enrolment_endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 1, "{bundle:#}");
    &endpoints[0]
}

/// SHA-256 fingerprint of the first certificate of a PEM file, as pkimm
/// writes it.
fn fingerprint(pem: &Path) -> String {
    let run = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(pem)
        .output()
        .unwrap();
    let text = String::from_utf8(run.stdout).unwrap();
    text.trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_lowercase()
}

#[test]
fn pebble_directory_meta_nonce_and_tls() {
    let pki = TestPki::new();
    let Some(pebble) = Pebble::start(&pki, false) else {
        return;
    };
    let Some(with_eab) = Pebble::start(&pki, true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = pki.path("root.pem");
    let bundle = collect(
        dir.path(),
        "pebble.json",
        &[&pebble.directory(), "--trust", root.to_str().unwrap()],
    );
    let endpoint = only_endpoint(&bundle);
    assert_eq!(endpoint["protocol"], "acme");
    let acme = &endpoint["acme"];
    for resource in [
        "newNonce",
        "newAccount",
        "newOrder",
        "revokeCert",
        "keyChange",
    ] {
        assert!(
            acme["resources"][resource]
                .as_str()
                .is_some_and(|u| u.starts_with("https://127.0.0.1:")),
            "{resource}: {acme:#}"
        );
    }
    assert_eq!(
        acme["terms_of_service"],
        "data:text/plain,Do%20what%20thou%20wilt"
    );
    assert_eq!(acme["external_account_required"], false);
    assert_eq!(acme["renewal_info"], false, "pebble 2.4 has no ARI");
    // RFC 8555 §7.2: HEAD 200, GET 204, a Replay-Nonce; pebble sends
    // `no-cache`, not the `no-store` the RFC asks for.
    let nonce = &acme["nonce"];
    assert_eq!(nonce["head_status"], 200);
    assert_eq!(nonce["get_status"], 204);
    assert_eq!(nonce["replay_nonce"], true);
    assert_eq!(nonce["nonce_well_formed"], true);
    assert_eq!(nonce["no_store"], false);
    // The endpoint's own TLS, scanned by the TLS collector.
    let tls = &endpoint["tls"];
    let versions: Vec<&str> = tls["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(versions.contains(&"TLSv1.2"), "{tls:#}");
    assert_eq!(tls["chain_valid"], true);
    assert!(bundle["tls_endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["target"] == tls["endpoint"]));

    let path = dir.path().join("pebble.json");
    let failed = failures(&[&path]);
    let id = format!("enrolment:acme:{}", pebble.directory());
    assert!(fails(&failed, "enrolment.acme-renewal-info", &id));
    assert!(fails(&failed, "enrolment.acme-nonce", &id));
    assert!(!fails(&failed, "enrolment.https", &id));
    let legacy = versions.iter().any(|v| matches!(*v, "TLSv1.1" | "TLSv1.0"));
    assert_eq!(
        fails(&failed, "enrolment.weak-tls", &id),
        legacy,
        "{versions:?}"
    );

    let bundle = collect(
        dir.path(),
        "eab.json",
        &[&with_eab.directory(), "--trust", root.to_str().unwrap()],
    );
    assert_eq!(
        only_endpoint(&bundle)["acme"]["external_account_required"],
        true
    );
}

#[test]
fn acme2certifier_renewal_information_for_an_issued_certificate() {
    let ca = TestPki::named("pkimm ACME Test CA");
    let Some(server) = Acme2certifier::start(&ca) else {
        return;
    };
    let issued = server.issue("ari.localhost");
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("estate.json");
    let run = pkimm([
        "collect",
        "files",
        issued.to_str().unwrap(),
        "-o",
        estate.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A certificate of another CA, which acme2certifier does not know (with
    // an authority key identifier, so that ARI can be asked about it).
    let other = TestPki::new();
    other.issue("other", |p| p.use_authority_key_identifier_extension = true);
    let others = dir.path().join("others.json");
    let run = pkimm([
        "collect",
        "files",
        other.path("other.pem").to_str().unwrap(),
        "-o",
        others.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let bundle = collect(
        dir.path(),
        "acme.json",
        &[
            &server.directory(),
            "--from",
            estate.to_str().unwrap(),
            "--from",
            others.to_str().unwrap(),
        ],
    );
    let endpoint = only_endpoint(&bundle);
    let acme = &endpoint["acme"];
    assert_eq!(acme["renewal_info"], true, "{acme:#}");
    assert!(acme["resources"]["renewalInfo"]
        .as_str()
        .unwrap()
        .ends_with("/acme/renewal-info"));
    assert!(
        acme["resources"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| k.chars().all(|c| c.is_ascii_alphabetic())),
        "the random directory entry is not a resource: {acme:#}"
    );
    let leaf = fingerprint(&issued);
    let windows = acme["renewal_windows"].as_array().unwrap();
    assert_eq!(windows.len(), 1, "{acme:#}");
    let window = &windows[0];
    assert_eq!(window["certificate"], leaf.as_str());
    let start = window["start"].as_str().unwrap();
    let end = window["end"].as_str().unwrap();
    assert!(start < end, "{window:#}");
    // The window lies inside the certificate's validity.
    let estate_bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(&estate).unwrap()).unwrap();
    let record = estate_bundle["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fingerprint_sha256"] == leaf.as_str())
        .unwrap();
    assert!(record["not_before"].as_str().unwrap() < start);
    assert!(end <= record["not_after"].as_str().unwrap());
    assert!(window["cert_id"].as_str().unwrap().contains('.'));
    assert_eq!(
        acme["renewal_info_unknown"], 1,
        "the other CA's certificate"
    );
    assert!(window["retry_after_seconds"]
        .as_u64()
        .is_some_and(|s| s > 0));

    // The ARI answer shows acme2certifier serves the leaf's CA; the other
    // CA offers nothing probed. ACME over plain HTTP fails its rule.
    let path = dir.path().join("acme.json");
    let failed = failures(&[&estate, &others, &path]);
    assert!(!fails(&failed, "enrolment.issuer-automatable", &leaf));
    let other_leaf = fingerprint(&other.path("other.pem"));
    assert!(fails(&failed, "enrolment.issuer-automatable", &other_leaf));
    let id = format!("enrolment:acme:{}", server.directory());
    assert!(fails(&failed, "enrolment.https", &id));
    assert!(!fails(&failed, "enrolment.acme-renewal-info", &id));
}

#[test]
fn scep_server_capabilities_and_ca_certificate() {
    let Some(scep) = ScepServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bundle = collect(dir.path(), "scep.json", &[&scep.url()]);
    let endpoint = only_endpoint(&bundle);
    assert_eq!(endpoint["protocol"], "scep");
    let caps: Vec<&str> = endpoint["scep"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for wanted in [
        "SHA-256",
        "AES",
        "POSTPKIOperation",
        "SCEPStandard",
        "Renewal",
    ] {
        assert!(caps.contains(&wanted), "{caps:?}");
    }
    assert_eq!(
        endpoint["scep"]["ca_cert_type"],
        "application/x-x509-ca-cert"
    );
    let ca = fingerprint(&scep.ca_pem());
    assert_eq!(endpoint["ca_certificates"], serde_json::json!([ca]));
    let record = bundle["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fingerprint_sha256"] == ca.as_str())
        .expect("the CA certificate is a record");
    assert!(record["subject"].as_str().unwrap().contains("scep-ca"));
    assert_eq!(record["observations"][0]["method"], "scep-getcacert+der");

    let path = dir.path().join("scep.json");
    let failed = failures(&[&path]);
    for rule in [
        "enrolment.scep-sha256",
        "enrolment.scep-aes",
        "enrolment.scep-post",
    ] {
        assert!(
            !fails(&failed, rule, "enrolment:scep:"),
            "{rule}: {failed:?}"
        );
    }
}

#[test]
fn cmp_server_ca_certificates_versions_and_protection() {
    let pki = TestPki::new();
    let open = CmpServer::start(&pki, true);
    let strict = CmpServer::start(&pki, false);
    let dir = tempfile::tempdir().unwrap();
    let bundle = collect(dir.path(), "cmp.json", &[&open.url(), &strict.url()]);
    let endpoints = bundle["enrolment_endpoints"].as_array().unwrap();
    let find = |url: &str| {
        endpoints
            .iter()
            .find(|e| e["url"] == url)
            .unwrap_or_else(|| panic!("{url}: {bundle:#}"))
    };
    let ca = fingerprint(&pki.path("cmp-ca.pem"));

    let cmp = &find(&open.url())["cmp"];
    assert_eq!(cmp["versions_accepted"], serde_json::json!([2]), "{cmp:#}");
    assert_eq!(
        cmp["versions_refused"],
        serde_json::json!([3]),
        "{cmp:#} {:#}",
        bundle["failures"]
    );
    assert_eq!(cmp["protection_required"], false);
    assert_eq!(cmp["response_protection"], "ecdsa-with-SHA256");
    // OpenSSL 3.0's mock server echoes the general message's ITAVs, so the
    // CA certificate arrives as the signer in extraCerts.
    assert_eq!(cmp["ca_certs_answered"], false);
    assert_eq!(cmp["extra_certificates"], serde_json::json!([ca]));
    assert!(bundle["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["fingerprint_sha256"] == ca.as_str()
            && c["observations"][0]["method"] == "cmp-extra-certs+der"));

    let cmp = &find(&strict.url())["cmp"];
    assert_eq!(cmp["protection_required"], true, "{cmp:#}");
    assert_eq!(cmp["versions_accepted"], serde_json::json!([]));
    assert!(!cmp["error_texts"].as_array().unwrap().is_empty());

    // The CMP CA's leaf is issued by the CA the CMP server answers for; the
    // root's own leaf is not.
    let estate = dir.path().join("estate.json");
    let run = pkimm([
        "collect",
        "files",
        pki.path("cmp-leaf.pem").to_str().unwrap(),
        pki.path("ec.pem").to_str().unwrap(),
        "-o",
        estate.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = dir.path().join("cmp.json");
    let failed = failures(&[&estate, &path]);
    let leaf = fingerprint(&pki.path("cmp-leaf.pem"));
    assert!(
        !fails(&failed, "enrolment.issuer-automatable", &leaf),
        "{failed:?}"
    );
    let root_leaf = fingerprint(&pki.path("ec.pem"));
    assert!(
        fails(&failed, "enrolment.issuer-automatable", &root_leaf),
        "{failed:?}"
    );
    assert!(fails(
        &failed,
        "enrolment.cmp-version",
        &format!("enrolment:cmp:{}", open.url())
    ));
}

#[test]
fn endpoints_that_are_down_or_answer_garbage_are_failure_records() {
    let (http, routes) = http_server();
    {
        let mut r = routes.lock().unwrap();
        let html = || HttpResponse::ok("text/html", b"<html><body>Welcome</body></html>".to_vec());
        r.insert("/garbage/scep?operation=GetCACaps".into(), html());
        r.insert("/garbage/pkix/".into(), html());
        r.insert(
            "/garbage/directory".into(),
            HttpResponse::ok("application/json", b"[1, 2, 3]".to_vec()),
        );
        r.insert(
            "/garbage/.well-known/est/cacerts".into(),
            HttpResponse::ok("application/pkcs7-mime", b"not base64 at all!".to_vec()),
        );
    }
    let down = free_port();
    let endless = pkimm_testkit::http::endless().unwrap();
    let base = format!("http://{http}/garbage");
    let urls = [
        format!("scep:http://127.0.0.1:{down}/enrol"),
        format!("{base}/scep"),
        format!("cmp:{base}/pkix/"),
        format!("{base}/directory"),
        format!("{base}/.well-known/est"),
        format!("https://{http}/garbage/directory"),
        format!("http://{endless}/directory"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<&str> = urls.iter().map(String::as_str).collect();
    args.extend(["--no-tls", "--max-response", "64K"]);
    let bundle = collect(dir.path(), "bad.json", &args);
    assert_eq!(bundle["enrolment_endpoints"], Value::Null, "{bundle:#}");
    let failures = bundle["failures"].as_array().unwrap();
    assert_eq!(failures.len(), urls.len(), "{failures:#?}");
    let failure = |needle: &str| {
        failures
            .iter()
            .find(|f| f["provenance"]["source"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {failures:#?}"))
    };
    let refused = failure(&format!("127.0.0.1:{down}"));
    assert_eq!(refused["kind"], "network");
    let scep = failure("/garbage/scep");
    assert_eq!(scep["kind"], "protocol");
    assert!(scep["message"]
        .as_str()
        .unwrap()
        .contains("not a SCEP capabilities list"));
    let cmp = failure("/garbage/pkix/");
    assert!(cmp["message"]
        .as_str()
        .unwrap()
        .contains("not a CMP message"));
    let acme = failure(&format!("http://{http}/garbage/directory"));
    assert!(acme["message"]
        .as_str()
        .unwrap()
        .contains("not an ACME directory"));
    let est = failure("/garbage/.well-known/est");
    assert!(est["message"]
        .as_str()
        .unwrap()
        .contains("not an EST certs-only answer"));
    let tls = failure(&format!("https://{http}/garbage/directory"));
    assert_eq!(tls["kind"], "network");
    // An endless answer is cut at --max-response.
    let endless = failure(&format!("http://{endless}/directory"));
    assert_eq!(endless["kind"], "too_large", "{endless:#}");
}

#[test]
fn bad_targets_are_refused_with_exit_2() {
    for (target, wanted) in [
        ("https://ca.example.test/enrol", "cannot tell the protocol"),
        ("gopher:http://ca.example.test/scep", "unknown protocol"),
    ] {
        let run = pkimm(["collect", "enrolment", target]);
        assert_eq!(run.code, 2, "{target}: {}", run.stderr);
        assert!(
            run.stderr.contains(wanted) && run.stderr.contains(target),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_scan_job_collects_enrolment_after_the_estate() {
    let pki = TestPki::new();
    let cmp = CmpServer::start(&pki, true);
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
type = "enrolment"
urls = ["{url}"]
no_tls = true
timeout = "10s"
[[job.collect]]
type = "files"
paths = ["{leaf}"]
"#,
            url = cmp.url(),
            leaf = pki.path("cmp-leaf.pem").display(),
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let run = pkimm(["config", "check", config_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = pkimm(["scan", "--config", config_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle_path = dir.path().join("scans/estate/1/bundle.json");
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle_path).unwrap()).unwrap();
    let collectors: Vec<&str> = bundle["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["collector"].as_str().unwrap())
        .collect();
    assert_eq!(
        collectors,
        ["files", "enrolment"],
        "enrolment reads the estate, so runs last"
    );
    assert_eq!(only_endpoint(&bundle)["protocol"], "cmp");
    let failed = failures(&[&bundle_path]);
    let leaf = fingerprint(&pki.path("cmp-leaf.pem"));
    assert!(
        !fails(&failed, "enrolment.issuer-automatable", &leaf),
        "{failed:?}"
    );

    // The report's evidence section lists the endpoint.
    let assessment = dir.path().join("assessment.yaml");
    let run = pkimm([
        "assess",
        bundle_path.to_str().unwrap(),
        "-o",
        assessment.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = dir.path().join("report.html");
    let run = pkimm([
        "report",
        assessment.to_str().unwrap(),
        "--format",
        "html",
        "--evidence",
        bundle_path.to_str().unwrap(),
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(html).unwrap();
    let table = &html[html
        .find("<table id=\"enrolment\">")
        .expect("an enrolment table")..];
    let row = &table[..table.find("</table>").unwrap()];
    assert!(row.contains("<td>CMP</td><td>version 2</td>"), "{row}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[job]]\nname = \"e\"\n[[job.collect]]\ntype = \"enrolment\"\nurls = [\"https://ca.example.test/enrol\"]\n",
    )
    .unwrap();
    let run = pkimm(["scan", "--config", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot tell the protocol"),
        "{}",
        run.stderr
    );
}

/// EST: no EST server runs offline here (Debian and PyPI package none), so
/// a real HTTP server serves what RFC 7030 servers answer: `cacerts` as
/// base64 certs-only PKCS#7 made by `openssl crl2pkcs7`, `csrattrs` as the
/// RFC's own example. This exercises the binary's EST path end to end; it
/// does not test an EST implementation.
#[test]
fn est_answers_from_canned_rfc_7030_documents() {
    let pki = TestPki::new();
    let p7 = std::process::Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-outform", "DER", "-certfile"])
        .arg(pki.path("root.pem"))
        .output()
        .unwrap();
    assert!(p7.status.success());
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&p7.stdout);
    let (http, routes) = http_server();
    {
        let mut r = routes.lock().unwrap();
        r.insert(
            "/.well-known/est/cacerts".into(),
            HttpResponse::ok("application/pkcs7-mime", encoded.into_bytes())
                .header("Content-Transfer-Encoding", "base64"),
        );
        r.insert(
            "/.well-known/est/csrattrs".into(),
            HttpResponse::ok(
                "application/csrattrs",
                b"MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJ\nBgcrBgEBAQEWBggqhkjOPQQDAw==\n".to_vec(),
            ),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{http}/.well-known/est");
    let bundle = collect(dir.path(), "est.json", &[&url]);
    let endpoint = only_endpoint(&bundle);
    assert_eq!(endpoint["protocol"], "est");
    let root = fingerprint(&pki.path("root.pem"));
    assert_eq!(endpoint["ca_certificates"], serde_json::json!([root]));
    assert_eq!(endpoint["est"]["csrattrs_status"], 200);
    let attributes = endpoint["est"]["csr_attributes"].as_array().unwrap();
    assert_eq!(attributes.len(), 4, "{attributes:?}");
    assert!(attributes[1].as_str().unwrap().contains("secp384r1"));
    let path = dir.path().join("est.json");
    let failed = failures(&[&path]);
    assert!(fails(
        &failed,
        "enrolment.https",
        &format!("enrolment:est:{url}")
    ));
}
