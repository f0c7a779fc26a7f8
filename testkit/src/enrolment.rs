//! Real enrolment servers on loopback for the enrolment collector's tests:
//! `pebble` (ACME, Debian), micromdm's `scepserver` (SCEP, Debian's `scep`),
//! `openssl cmp` as its mock CMP server, and acme2certifier (ACME with
//! Renewal Information, from PyPI; Debian's pebble 2.4 predates ARI).
//!
//! Each `start` returns `None` when its server is not installed, unless its
//! `PKIMM_REQUIRE_*` variable is set (as `.ci/run` does), which fails the
//! test instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

use crate::daemon::Daemon;
use crate::net::{free_port, wait_for_port};
use crate::pki::TestPki;

/// pebble serving ACME over HTTPS with the PKI's ECDSA leaf.
pub struct Pebble {
    _daemon: Daemon,
    port: u16,
}

impl Pebble {
    /// Starts pebble; with `external_account_required`, its directory says
    /// so (and it holds one made-up MAC key).
    pub fn start(pki: &TestPki, external_account_required: bool) -> Option<Self> {
        if !Daemon::installed("/usr/bin/pebble", "PKIMM_REQUIRE_PEBBLE") {
            return None;
        }
        let port = free_port();
        let management = free_port();
        let mut config = serde_json::json!({
            "listenAddress": format!("127.0.0.1:{port}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": pki.path("ec.pem"),
            "privateKey": pki.path("ec.key"),
            "httpPort": free_port(),
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": external_account_required,
        });
        if external_account_required {
            config["externalAccountMACKeys"] = serde_json::json!({
                "kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
            });
        }
        let text = serde_json::json!({ "pebble": config }).to_string();
        let daemon = Daemon::start(
            tempfile::tempdir().expect("temp dir"),
            "pebble.json",
            &text,
            |path| {
                let mut command = Command::new("/usr/bin/pebble");
                command.arg("-config").arg(path);
                command.env("PEBBLE_VA_NOSLEEP", "1");
                command
            },
            &[port],
        );
        Some(Self {
            _daemon: daemon,
            port,
        })
    }

    /// The directory URL.
    pub fn directory(&self) -> String {
        format!("https://127.0.0.1:{}/dir", self.port)
    }
}

/// micromdm's SCEP server with a CA of its own (`scepserver ca -init`).
pub struct ScepServer {
    _daemon: Daemon,
    port: u16,
    depot: PathBuf,
}

impl ScepServer {
    /// Creates the CA and starts the server.
    pub fn start() -> Option<Self> {
        if !Daemon::installed("/usr/bin/scepserver", "PKIMM_REQUIRE_SCEP") {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let depot = dir.path().join("depot");
        let status = Command::new("/usr/bin/scepserver")
            .args(["ca", "-init", "-depot"])
            .arg(&depot)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("scepserver runs");
        assert!(status.success(), "scepserver ca -init failed");
        let port = free_port();
        let daemon = Daemon::start(
            dir,
            "unused.conf",
            "",
            |_| {
                let mut command = Command::new("/usr/bin/scepserver");
                command
                    .arg("-depot")
                    .arg(&depot)
                    .args(["-port", &port.to_string()]);
                command
            },
            &[port],
        );
        Some(Self {
            _daemon: daemon,
            port,
            depot,
        })
    }

    /// The SCEP URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/scep", self.port)
    }

    /// The CA certificate the server made (PEM).
    pub fn ca_pem(&self) -> PathBuf {
        self.depot.join("ca.pem")
    }
}

/// `openssl cmp` as a mock CMP server for an issuing CA under the PKI's
/// root: it signs its answers with that CA (`cmp-ca.pem`), so the CA comes
/// back in `extraCerts` (OpenSSL leaves self-signed roots out of them). The
/// CA's leaf is `cmp-leaf.pem`.
pub struct CmpServer {
    _daemon: Daemon,
    port: u16,
}

/// Issues `cmp-ca.pem` (an issuing CA under the root) and `cmp-leaf.pem`
/// (a leaf from it) into the PKI's directory, once.
fn issue_cmp_ca(pki: &TestPki) {
    if pki.path("cmp-leaf.pem").exists() {
        return;
    }
    let root = pki.root_issuer();
    let ca_key = KeyPair::generate().expect("CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params
        .distinguished_name
        .push(DnType::CommonName, "pkimm CMP Issuing CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = params.signed_by(&ca_key, &root).expect("CA cert");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut leaf = CertificateParams::new(vec!["device.localhost".to_string()]).expect("leaf");
    leaf.distinguished_name
        .push(DnType::CommonName, "device.localhost");
    let ca = Issuer::new(params, ca_key);
    let leaf_cert = leaf.signed_by(&leaf_key, &ca).expect("leaf cert");
    std::fs::write(pki.path("cmp-ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(pki.path("cmp-ca.key"), ca.key().serialize_pem()).unwrap();
    std::fs::write(pki.path("cmp-leaf.pem"), leaf_cert.pem()).unwrap();
}

impl CmpServer {
    /// Starts the server; `accept_unprotected` lets it answer requests that
    /// carry no protection (which is all pkimm sends).
    pub fn start(pki: &TestPki, accept_unprotected: bool) -> Self {
        issue_cmp_ca(pki);
        let port = free_port();
        let mut command = Command::new("openssl");
        command
            .args(["cmp", "-port", &port.to_string(), "-srv_cert"])
            .arg(pki.path("cmp-ca.pem"))
            .arg("-srv_key")
            .arg(pki.path("cmp-ca.key"))
            .arg("-rsp_cert")
            .arg(pki.path("cmp-leaf.pem"))
            .arg("-rsp_capubs")
            .arg(pki.path("cmp-ca.pem"));
        if accept_unprotected {
            command.arg("-accept_unprotected");
        }
        let daemon = Daemon::spawn_listening(tempfile::tempdir().expect("temp dir"), command, port);
        Self {
            _daemon: daemon,
            port,
        }
    }

    /// The CMP URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/pkix/", self.port)
    }
}

/// acme2certifier (plain HTTP) with the openssl CA handler, issuing from a
/// CA of its own, challenge validation off so a test client can order.
pub struct Acme2certifier {
    _daemon: Daemon,
    port: u16,
    python: PathBuf,
    dir: PathBuf,
}

/// The helper script that serves acme2certifier and orders from it.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/acme-test-server.py")
}

impl Acme2certifier {
    /// The Python with acme2certifier installed: `PKIMM_ACME2CERTIFIER_PYTHON`
    /// or `target/acme-venv/bin/python`.
    fn python() -> Option<PathBuf> {
        crate::python::find(
            "PKIMM_ACME2CERTIFIER_PYTHON",
            "acme-venv",
            "import acme2certifier, acme",
            "PKIMM_REQUIRE_ACME2CERTIFIER",
            "acme2certifier",
        )
    }

    /// Starts acme2certifier with `ca`'s root as its issuing CA.
    pub fn start(ca: &TestPki) -> Option<Self> {
        let python = Self::python()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().to_path_buf();
        std::fs::create_dir_all(path.join("certs")).unwrap();
        let config = format!(
            "[DEFAULT]\ndebug: False\n\n[Nonce]\nnonce_check_disable: False\n\n\
             [CAhandler]\nhandler_module: acme2certifier.cahandlers.openssl_ca_handler\n\
             issuing_ca_key: {key}\nissuing_ca_cert: {cert}\nissuing_ca_crl: {crl}\n\
             cert_save_path: {certs}\ncert_validity_days: 30\n\n\
             [DBhandler]\nhandler_module: acme2certifier.dbhandlers.wsgi_handler\ndbfile: {db}\n\n\
             [Challenge]\nchallenge_validation_disable: True\n\n[Order]\ntnauthlist_support: False\n",
            key = ca.path("root.key").display(),
            cert = ca.path("root.pem").display(),
            crl = path.join("ca.crl").display(),
            certs = path.join("certs").display(),
            db = path.join("acme_srv.db").display(),
        );
        let port = free_port();
        let script = script();
        let python_for_server = python.clone();
        let daemon = Daemon::start(
            dir,
            "acme_srv.cfg",
            &config,
            move |config| {
                let mut command = Command::new(&python_for_server);
                command
                    .arg(&script)
                    .arg("serve")
                    .arg(config)
                    .arg(port.to_string())
                    // Challenge validation off is refused without this;
                    // the test client cannot answer challenges over the
                    // network.
                    .env("ACME2CERTIFIER_I_KNOW_THE_RISK", "1");
                command
            },
            &[],
        );
        wait_for_port(port);
        Some(Self {
            _daemon: daemon,
            port,
            python,
            dir: path,
        })
    }

    /// The directory URL.
    pub fn directory(&self) -> String {
        format!("http://127.0.0.1:{}/directory", self.port)
    }

    /// Orders a certificate for `name` over ACME and returns the PEM file of
    /// its full chain.
    pub fn issue(&self, name: &str) -> PathBuf {
        let out = self.dir.join(format!("{name}.pem"));
        let status = Command::new(&self.python)
            .arg(script())
            .args(["issue", &self.directory(), name])
            .arg(&out)
            .status()
            .expect("the ACME client runs");
        assert!(
            status.success(),
            "ordering {name} from acme2certifier failed"
        );
        out
    }
}
