//! `pkimm collect pkcs11` against a real SoftHSM2 token the test creates:
//! keys generated on the token, an imported extractable key that serves a
//! real `openssl s_server` endpoint, an EC key, secret keys, a certificate
//! object, a key past its end date; then the reconciliation with the TLS
//! evidence and every hsm.* rule, and the wrong-PIN, missing-module and
//! hung-module errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use pkimm_testkit::openssl::OpensslServer;
use pkimm_testkit::pki::TestPki;
use serde_json::Value;

use crate::support::Run;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "7q3p-softhsm";

/// SoftHSM2 and OpenSC's pkcs11-tool, or `None` (a skip) unless
/// PKIMM_REQUIRE_SOFTHSM is set.
fn available() -> bool {
    let present = Path::new(MODULE).exists()
        && Command::new("pkcs11-tool").arg("--help").output().is_ok()
        && Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_ok();
    if !present {
        assert!(
            std::env::var_os("PKIMM_REQUIRE_SOFTHSM").is_none(),
            "PKIMM_REQUIRE_SOFTHSM is set but softhsm2 or pkcs11-tool is missing"
        );
        eprintln!("softhsm2 not installed; skipping the PKCS#11 tests");
    }
    present
}

/// A SoftHSM2 configuration with its own token directory.
struct Hsm {
    dir: tempfile::TempDir,
    conf: PathBuf,
}

impl Hsm {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        Self { dir, conf }
    }

    /// Initialises the token `pkimm-ca` with the user PIN.
    fn init_token(&self) {
        self.run(
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                "pkimm-ca",
                "--pin",
                PIN,
                "--so-pin",
                "87654321",
            ],
        );
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, program: &str, args: &[&str]) -> String {
        let out = Command::new(program)
            .args(args)
            .env("SOFTHSM2_CONF", &self.conf)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn tool(&self, args: &[&str]) -> String {
        let mut all = vec![
            "--module",
            MODULE,
            "--token-label",
            "pkimm-ca",
            "--login",
            "--pin",
            PIN,
        ];
        all.extend_from_slice(args);
        self.run("pkcs11-tool", &all)
    }

    fn pkimm(&self, args: &[&str], pin: Option<&str>) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pkimm"));
        command
            .args(args)
            .env("SOFTHSM2_CONF", &self.conf)
            .env_remove("PKIMM_LOG");
        if let Some(pin) = pin {
            command.env("TOKEN_PIN", pin);
        }
        let run: Run = command.output().expect("pkimm runs").into();
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        run
    }
}

/// Keys with start and end dates, made with cryptoki (pkcs11-tool cannot set
/// them): one past its end date, and one whose dates SoftHSM cannot return,
/// which must not lose the key.
fn end_dated_key(hsm: &Hsm) {
    use cryptoki::context::{CInitializeArgs, Pkcs11};
    use cryptoki::mechanism::Mechanism;
    use cryptoki::object::Attribute;
    use cryptoki::session::UserType;
    use cryptoki::types::{AuthPin, Date};
    // SoftHSM reads its configuration from this process's environment when
    // it initialises; no other test loads the module in-process.
    std::env::set_var("SOFTHSM2_CONF", &hsm.conf);
    let context = Pkcs11::new(MODULE).unwrap();
    context.initialize(CInitializeArgs::OsThreads).unwrap();
    let slot = context
        .get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|s| context.get_token_info(*s).unwrap().label() == "pkimm-ca")
        .unwrap();
    let session = context.open_rw_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::new(PIN.to_string())))
        .unwrap();
    // Not private (CKA_PRIVATE false): SoftHSM keeps the dates readable.
    // Private: SoftHSM 2.6 stores the dates unencrypted and then fails to
    // decrypt them on every read (softhsm/SoftHSMv2#655).
    for (label, id, private) in [
        ("retired-key", 0x09, false),
        ("dated-private-key", 0x0a, true),
    ] {
        session
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Token(true),
                    Attribute::Private(private),
                    Attribute::ValueLen(32.into()),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Label(label.as_bytes().to_vec()),
                    Attribute::Id(vec![id]),
                    Attribute::StartDate(Date::new_from_str_slice("2019", "01", "01").unwrap()),
                    Attribute::EndDate(Date::new_from_str_slice("2020", "01", "31").unwrap()),
                ],
            )
            .unwrap();
    }
}

/// The token of the tests, and the TLS endpoint whose key is on it.
fn token(hsm: &Hsm, pki: &TestPki) {
    hsm.init_token();
    // Generated on the token, never extractable: the CA key.
    hsm.tool(&[
        "--keypairgen",
        "--key-type",
        "rsa:3072",
        "--id",
        "01",
        "--label",
        "ca-key",
    ]);
    hsm.tool(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--id",
        "02",
        "--label",
        "ec-key",
    ]);
    hsm.tool(&[
        "--keypairgen",
        "--key-type",
        "rsa:1024",
        "--id",
        "07",
        "--label",
        "weak-key",
    ]);
    hsm.tool(&[
        "--keygen",
        "--key-type",
        "AES:32",
        "--id",
        "03",
        "--label",
        "plain-secret",
    ]);
    hsm.tool(&[
        "--keygen",
        "--key-type",
        "AES:16",
        "--sensitive",
        "--id",
        "06",
        "--label",
        "sensitive-secret",
    ]);
    // Imported and extractable: the key of the TLS endpoint's certificate.
    hsm.tool(&[
        "--write-object",
        pki.path("rsa.key").to_str().unwrap(),
        "--type",
        "privkey",
        "--extractable",
        "--id",
        "05",
        "--label",
        "tls-key",
    ]);
    // A CA certificate for the on-token key, issued by the test root.
    let public = hsm.path("ca-pub.der");
    hsm.tool(&[
        "--read-object",
        "--type",
        "pubkey",
        "--id",
        "01",
        "-o",
        public.to_str().unwrap(),
    ]);
    let p = |name: &str| hsm.path(name).to_str().unwrap().to_string();
    hsm.run(
        "openssl",
        &[
            "pkey",
            "-pubin",
            "-inform",
            "DER",
            "-in",
            &p("ca-pub.der"),
            "-out",
            &p("ca-pub.pem"),
        ],
    );
    hsm.run(
        "openssl",
        &[
            "req",
            "-new",
            "-key",
            pki.path("ec.key").to_str().unwrap(),
            "-subj",
            "/CN=Token Issuing CA",
            "-out",
            &p("ca.csr"),
        ],
    );
    std::fs::write(
        hsm.path("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    hsm.run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &p("ca.csr"),
            "-force_pubkey",
            &p("ca-pub.pem"),
            "-CA",
            pki.path("root.pem").to_str().unwrap(),
            "-CAkey",
            pki.path("root.key").to_str().unwrap(),
            "-set_serial",
            "4660",
            "-days",
            "365",
            "-extfile",
            &p("ca.ext"),
            "-outform",
            "DER",
            "-out",
            &p("ca.der"),
        ],
    );
    hsm.tool(&[
        "--write-object",
        &p("ca.der"),
        "--type",
        "cert",
        "--id",
        "01",
        "--label",
        "ca-cert",
    ]);
    end_dated_key(hsm);
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn key<'a>(bundle: &'a Value, class: &str, label: &str) -> &'a Value {
    bundle["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["class"] == class && k["label"] == label)
        .unwrap_or_else(|| panic!("no {class} key {label}; failures {}", bundle["failures"]))
}

#[test]
fn softhsm_token_keys_devices_reconciliation_and_rules() {
    if !available() {
        return;
    }
    let hsm = Hsm::new();
    let pki = TestPki::new();
    token(&hsm, &pki);
    let out = hsm.path("token.json");
    let run = hsm.pkimm(
        &[
            "collect",
            "pkcs11",
            "--module",
            MODULE,
            "--token-label",
            "pkimm-ca",
            "--pin-env",
            "TOKEN_PIN",
            "-o",
            out.to_str().unwrap(),
            "--cbom",
            hsm.path("token.cbom.json").to_str().unwrap(),
        ],
        Some(PIN),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains(PIN) && !run.stdout.contains(PIN));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains(PIN), "the PIN is in the bundle");
    // The token's keys are CBOM components of their own.
    let cbom_file = hsm.path("token.cbom.json");
    crate::cbom::validate(&cbom_file);
    let cbom = json(&cbom_file);
    let token_keys: Vec<&Value> = cbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["bom-ref"].as_str().unwrap().starts_with("token-key:"))
        .collect();
    assert!(token_keys
        .iter()
        .any(
            |k| k["cryptoProperties"]["relatedCryptoMaterialProperties"]["type"] == "private-key"
                && k["name"].as_str().unwrap().contains("ca-key")
        ));
    assert!(token_keys
        .iter()
        .any(
            |k| k["cryptoProperties"]["relatedCryptoMaterialProperties"]["type"] == "secret-key"
                && k["cryptoProperties"]["relatedCryptoMaterialProperties"]["algorithmRef"]
                    == "algo:AES-256"
        ));
    assert!(!std::fs::read_to_string(&cbom_file).unwrap().contains(PIN));
    let bundle = json(&out);

    // The device.
    let tokens = bundle["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1, "only the labelled token");
    let t = &tokens[0];
    assert_eq!(t["label"], "pkimm-ca");
    assert_eq!(t["manufacturer"], "SoftHSM project");
    assert_eq!(t["model"], "SoftHSM v2");
    assert_eq!(t["library"]["manufacturer"], "SoftHSM");
    assert_eq!(t["library"]["cryptoki_version"], "2.40");
    assert!(t["serial_number"].as_str().unwrap().len() >= 8);
    assert_eq!(t["hardware_slot"], false);
    assert_eq!(t["login_required"], true);
    assert_eq!(t["protected_authentication_path"], false);
    assert_eq!(t["token_initialized"], true);
    assert_eq!(t["logged_in"], true);
    assert!(t["hardware_version"].as_str().unwrap().contains('.'));
    assert!(t["firmware_version"].as_str().unwrap().contains('.'));
    let mechanisms: Vec<&str> = t["mechanisms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for m in [
        "CKM_RSA_PKCS",
        "CKM_ECDSA",
        "CKM_AES_KEY_GEN",
        "CKM_SHA256_RSA_PKCS",
    ] {
        assert!(mechanisms.contains(&m), "{m} not in {mechanisms:?}");
    }

    // The keys.
    let ca = key(&bundle, "private", "ca-key");
    assert_eq!(ca["key_type"], "rsa");
    assert_eq!(ca["bits"], 3072);
    assert_eq!(ca["id"], "01");
    assert_eq!(ca["sensitive"], true);
    assert_eq!(ca["extractable"], false);
    assert_eq!(ca["never_extractable"], true);
    assert_eq!(ca["always_sensitive"], true);
    assert_eq!(ca["local"], true);
    assert!(ca["modifiable"].is_boolean());
    let tls = key(&bundle, "private", "tls-key");
    assert_eq!(tls["local"], false, "imported");
    assert_eq!(tls["extractable"], true);
    assert_eq!(tls["never_extractable"], false);
    let ec = key(&bundle, "private", "ec-key");
    assert_eq!(ec["key_type"], "ec");
    assert_eq!(ec["curve"], "P-256");
    assert_eq!(ec["bits"], 256);
    assert_eq!(
        key(&bundle, "public", "ec-key")["spki_sha256"],
        ec["spki_sha256"]
    );
    let secret = key(&bundle, "secret", "plain-secret");
    assert_eq!(secret["key_type"], "aes");
    assert_eq!(secret["bits"], 256);
    assert_eq!(secret["sensitive"], false);
    assert_eq!(
        key(&bundle, "secret", "sensitive-secret")["sensitive"],
        true
    );
    let retired = key(&bundle, "secret", "retired-key");
    assert_eq!(retired["start_date"], "2019-01-01");
    assert_eq!(retired["end_date"], "2020-01-31");
    let unreadable = key(&bundle, "secret", "dated-private-key");
    assert_eq!(unreadable["sensitive"], true);
    assert_eq!(unreadable["bits"], 256);
    assert!(
        unreadable.get("end_date").is_none_or(Value::is_null),
        "SoftHSM cannot return it"
    );
    assert_eq!(bundle["failures"], Value::Array(Vec::new()));

    // The certificate object went through the certificate parser, and its
    // public key matches the token's CA key.
    let certificates = bundle["certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 1);
    assert_eq!(certificates[0]["subject"], "CN=Token Issuing CA");
    assert_eq!(certificates[0]["spki_sha256"], ca["spki_sha256"]);
    assert_eq!(certificates[0]["observations"][0]["collector"], "pkcs11");

    // The TLS endpoint whose key is on the token.
    let server = OpensslServer::start(&pki, &[]);
    let tls_out = hsm.path("tls.json");
    let run = hsm.pkimm(
        &[
            "collect",
            "tls",
            &server.target(),
            "--trust",
            pki.path("root.pem").to_str().unwrap(),
            "-o",
            tls_out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tls_bundle = json(&tls_out);
    let leaf = &tls_bundle["tls_endpoints"][0]["leaf"];
    let served = tls_bundle["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| &c["fingerprint_sha256"] == leaf)
        .expect("the served leaf");
    assert_eq!(
        served["spki_sha256"], tls["spki_sha256"],
        "the served certificate's key is the token's tls-key"
    );

    // Every hsm.* rule over the merged evidence.
    let eval = hsm.pkimm(
        &[
            "evaluate",
            out.to_str().unwrap(),
            tls_out.to_str().unwrap(),
            "--format",
            "json",
            "--show-info",
        ],
        None,
    );
    assert_eq!(eval.code, 0, "{}", eval.stderr);
    let evaluation: Value = serde_json::from_str(&eval.stdout).unwrap();
    let findings = evaluation["findings"].as_array().unwrap();
    let failed = |rule: &str, label: &str| {
        findings.iter().any(|f| {
            f["rule"] == rule
                && f["outcome"] == "fail"
                && f["record"]["label"].as_str().unwrap().contains(label)
        })
    };
    let rule = |id: &str| {
        evaluation["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    // CA keys: the token CA passes, the test root (key in a file) fails.
    assert!(
        failed("hsm.ca-key-not-on-token", "pkimm TLS Test Root"),
        "{findings:#?}"
    );
    assert!(!failed("hsm.ca-key-not-on-token", "Token Issuing CA"));
    assert!(rule("hsm.ca-key-not-on-token")["passed"].as_u64().unwrap() >= 1);
    assert!(failed("hsm.private-key-extractable", "tls-key"));
    assert!(!failed("hsm.private-key-extractable", "ca-key"));
    assert!(failed("hsm.key-not-sensitive", "plain-secret"));
    assert!(!failed("hsm.key-not-sensitive", "sensitive-secret"));
    assert!(failed("hsm.key-imported", "tls-key"));
    assert!(!failed("hsm.key-imported", "ca-key"));
    assert!(failed("hsm.weak-key", "weak-key"));
    assert!(!failed("hsm.weak-key", "ca-key"));
    assert!(failed("hsm.key-past-end-date", "retired-key"));
    assert_eq!(rule("hsm.key-past-end-date")["evaluated"], 1);
    assert!(failed("hsm.software-token", "pkimm-ca"));
    assert_eq!(rule("hsm.token-login-not-required")["passed"], 1);
    assert_eq!(rule("hsm.private-objects-not-read")["passed"], 1);
    for id in [
        "hsm.ca-key-not-on-token",
        "hsm.private-key-extractable",
        "hsm.key-not-sensitive",
        "hsm.key-imported",
        "hsm.weak-key",
    ] {
        let r = rule(id);
        assert!(
            r["passed"].as_u64().unwrap() >= 1 && r["failed"].as_u64().unwrap() >= 1,
            "{id}: {r}"
        );
    }

    // The report says which CA and deployed certificates have their keys on a token.
    let assessment = crate::support::fixture("assessments/sample-full-2.0.0.yaml");
    let report = hsm.pkimm(
        &[
            "report",
            assessment.to_str().unwrap(),
            "--evidence",
            out.to_str().unwrap(),
            "--evidence",
            tls_out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(report.code, 0, "{}", report.stderr);
    let report: Value = serde_json::from_str(&report.stdout).unwrap();
    let locations = report["evidence"]["key_locations"].as_array().unwrap();
    let location = |subject: &str| {
        locations
            .iter()
            .find(|l| l["subject"].as_str().unwrap().contains(subject))
            .unwrap_or_else(|| panic!("{subject}: {locations:?}"))
    };
    assert_eq!(location("Token Issuing CA")["on_token"], true);
    assert_eq!(location("Token Issuing CA")["role"], "CA");
    assert_eq!(location("pkimm TLS Test Root")["on_token"], false);
    assert_eq!(
        location("pkimm TLS Test Root")["location"],
        "not on any token read"
    );
    let deployed = locations
        .iter()
        .find(|l| l["role"] == "deployed")
        .expect("the served leaf");
    assert_eq!(deployed["on_token"], true);
    assert_eq!(deployed["hardware"], false);
    assert!(
        deployed["location"]
            .as_str()
            .unwrap()
            .starts_with("software token `pkimm-ca`"),
        "{deployed}"
    );

    // The key lifecycle requirement sees the token keys as evidence of its
    // implemented criterion, and never more than that.
    let assessed = hsm.path("assessment.json");
    let run = hsm.pkimm(
        &[
            "assess",
            out.to_str().unwrap(),
            "-o",
            assessed.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let assessment = json(&assessed);
    let lifecycle = &assessment["requirements"]["M.key-management.key-lifecycle"];
    let evidences = &lifecycle["observed"]["evidences"][0];
    assert_eq!(evidences["criterion"], "c4");
    assert!(
        evidences["summary"]
            .as_str()
            .unwrap()
            .contains("token keys conform"),
        "{lifecycle}"
    );
    assert!(
        lifecycle.get("suggested").is_none_or(Value::is_null),
        "too few keys for a number: {lifecycle}"
    );

    // Without the PIN only public objects are visible, and that is said.
    let public_out = hsm.path("public.json");
    let run = hsm.pkimm(
        &[
            "collect",
            "pkcs11",
            "--module",
            MODULE,
            "-o",
            public_out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let public = json(&public_out);
    assert!(public["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["class"] != "private"));
    let labelled = public["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "pkimm-ca")
        .unwrap();
    assert_eq!(labelled["logged_in"], false);
    let eval = hsm.pkimm(
        &[
            "evaluate",
            public_out.to_str().unwrap(),
            "--format",
            "json",
            "--show-info",
        ],
        None,
    );
    let evaluation: Value = serde_json::from_str(&eval.stdout).unwrap();
    assert!(evaluation["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "hsm.private-objects-not-read" && f["outcome"] == "fail"));
}

#[test]
fn wrong_pin_missing_module_and_unknown_token_are_errors() {
    if !available() {
        return;
    }
    let hsm = Hsm::new();
    hsm.init_token();
    let wrong = "999999";
    let run = hsm.pkimm(
        &[
            "collect",
            "pkcs11",
            "--module",
            MODULE,
            "--pin-env",
            "TOKEN_PIN",
        ],
        Some(wrong),
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("refused the PIN") && run.stderr.contains("PinIncorrect"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(wrong) && !run.stdout.contains(wrong),
        "the PIN was printed"
    );
    for (args, expected) in [
        (
            vec!["--module", "/nonexistent/libmissing.so"],
            vec!["cannot load the PKCS#11 module /nonexistent/libmissing.so"],
        ),
        (
            vec!["--module", MODULE, "--token-label", "nope"],
            vec!["no token labelled `nope`", "`pkimm-ca`"],
        ),
        (
            vec!["--module", MODULE, "--pin-env", "UNSET_PIN_VARIABLE"],
            vec!["UNSET_PIN_VARIABLE"],
        ),
    ] {
        let mut all = vec!["collect", "pkcs11"];
        all.extend(args);
        let run = hsm.pkimm(&all, None);
        assert_eq!(run.code, 2, "{all:?}");
        for text in expected {
            assert!(run.stderr.contains(text), "{all:?}: {}", run.stderr);
        }
    }
}

/// A module that never returns from C_GetFunctionList (built here with the C
/// compiler) is cut off at --timeout with an error naming it; one without the
/// PKCS#11 entry point is refused.
#[test]
fn a_hung_module_times_out_and_a_foreign_library_is_refused() {
    if !available() {
        return;
    }
    let hsm = Hsm::new();
    let source = hsm.path("hang.c");
    std::fs::write(
        &source,
        "#include <unistd.h>\nint C_GetFunctionList(void **list) { (void)list; for (;;) sleep(1); return 0; }\nint not_pkcs11(void) { return 0; }\n",
    )
    .unwrap();
    let hung = hsm.path("libhang.so");
    hsm.run(
        "cc",
        &[
            "-shared",
            "-fPIC",
            "-o",
            hung.to_str().unwrap(),
            source.to_str().unwrap(),
        ],
    );
    let started = std::time::Instant::now();
    let run = hsm.pkimm(
        &[
            "collect",
            "pkcs11",
            "--module",
            hung.to_str().unwrap(),
            "--timeout",
            "2s",
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("did not finish within 2 s") && run.stderr.contains("libhang.so"),
        "{}",
        run.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let foreign = hsm.path("libforeign.so");
    let plain = hsm.path("plain.c");
    std::fs::write(&plain, "int not_pkcs11(void) { return 0; }\n").unwrap();
    hsm.run(
        "cc",
        &[
            "-shared",
            "-fPIC",
            "-o",
            foreign.to_str().unwrap(),
            plain.to_str().unwrap(),
        ],
    );
    let run = hsm.pkimm(
        &["collect", "pkcs11", "--module", foreign.to_str().unwrap()],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot load the PKCS#11 module"),
        "{}",
        run.stderr
    );
}

/// A module that crashes (SIGSEGV inside C_GetFunctionList) ends only the
/// child process pkimm reads it in: pkimm reports the signal and exits 2.
#[test]
fn a_crashing_module_ends_only_the_reader_process() {
    if !available() {
        return;
    }
    let hsm = Hsm::new();
    let source = hsm.path("crash.c");
    std::fs::write(
        &source,
        "#include <signal.h>\nint C_GetFunctionList(void **list) { (void)list; raise(SIGSEGV); return 0; }\n",
    )
    .unwrap();
    let module = hsm.path("libcrash.so");
    hsm.run(
        "cc",
        &[
            "-shared",
            "-fPIC",
            "-o",
            module.to_str().unwrap(),
            source.to_str().unwrap(),
        ],
    );
    let run = hsm.pkimm(
        &["collect", "pkcs11", "--module", module.to_str().unwrap()],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("libcrash.so: the module crashed its reader process (signal "),
        "{}",
        run.stderr
    );
}
