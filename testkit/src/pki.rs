//! A test PKI: a root CA and two leaves for `localhost` / 127.0.0.1 (ECDSA
//! P-256 with rcgen, RSA 2048 with openssl), written as PEM files, and OCSP
//! responses signed with openssl.
//!
//! These are test fixtures: they panic when openssl is missing or fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A root CA and two leaves for `localhost` / 127.0.0.1 (ECDSA P-256 and
/// RSA 2048), written as PEM files into a temporary directory.
pub struct TestPki {
    /// The directory holding the PEM files.
    pub dir: tempfile::TempDir,
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

impl TestPki {
    /// A PKI whose root is called `pkimm TLS Test Root`.
    pub fn new() -> Self {
        Self::named("pkimm TLS Test Root")
    }

    /// A PKI whose root has the common name `root_cn`.
    pub fn named(root_cn: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root_key = KeyPair::generate().expect("root key");
        let mut root = CertificateParams::new(Vec::<String>::new()).expect("root params");
        root.distinguished_name.push(DnType::CommonName, root_cn);
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let root_cert = root.self_signed(&root_key).expect("root cert");
        let root_key_pem = root_key.serialize_pem();
        let issuer = Issuer::new(root, root_key);

        let leaf_params = || {
            let mut p =
                CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                    .expect("leaf params");
            p.distinguished_name.push(DnType::CommonName, "localhost");
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            p
        };
        let ec_key = KeyPair::generate().expect("leaf key");
        let ec_cert = leaf_params()
            .signed_by(&ec_key, &issuer)
            .expect("leaf cert");

        let rsa_key_path = dir.path().join("rsa.key");
        let status = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(&rsa_key_path)
            .stderr(Stdio::null())
            .status()
            .expect("openssl genpkey runs");
        assert!(status.success());
        let rsa_key = KeyPair::from_pem(&std::fs::read_to_string(&rsa_key_path).unwrap())
            .expect("rsa key loads");
        let rsa_cert = leaf_params()
            .signed_by(&rsa_key, &issuer)
            .expect("rsa leaf");

        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("root.pem", &root_cert.pem());
        write("root.key", &root_key_pem);
        write("ec.pem", &ec_cert.pem());
        write("ec.key", &ec_key.serialize_pem());
        write("rsa.pem", &rsa_cert.pem());
        Self { dir }
    }

    /// Issues an ECDSA leaf for `localhost` / 127.0.0.1 from the root, with
    /// `edit` applied to its parameters (validity, extensions), and writes it
    /// as `NAME.pem` and `NAME.key`.
    pub fn issue(&self, name: &str, edit: impl FnOnce(&mut CertificateParams)) {
        let issuer = self.root_issuer();
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        edit(&mut params);
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &issuer).expect("leaf cert");
        std::fs::write(self.path(&format!("{name}.pem")), cert.pem()).unwrap();
        std::fs::write(self.path(&format!("{name}.key")), key.serialize_pem()).unwrap();
    }

    /// The root as an rcgen issuer (to sign further certificates with).
    pub fn root_issuer(&self) -> Issuer<'static, KeyPair> {
        let root_key = KeyPair::from_pem(&std::fs::read_to_string(self.path("root.key")).unwrap())
            .expect("root key loads");
        Issuer::from_ca_cert_pem(
            &std::fs::read_to_string(self.path("root.pem")).unwrap(),
            root_key,
        )
        .expect("root loads as issuer")
    }

    /// A CRL of the root revoking `entries` serials (1, 2, …; key
    /// compromise, yesterday), valid for a week, as DER.
    pub fn crl(&self, entries: u64) -> Vec<u8> {
        let now = time::OffsetDateTime::now_utc();
        let revoked_certs = (1..=entries)
            .map(|n| rcgen::RevokedCertParams {
                serial_number: rcgen::SerialNumber::from(n),
                revocation_time: now - time::Duration::days(1),
                reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect();
        rcgen::CertificateRevocationListParams {
            this_update: now - time::Duration::hours(1),
            next_update: now + time::Duration::days(7),
            crl_number: rcgen::SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        }
        .signed_by(&self.root_issuer())
        .expect("CRL signs")
        .der()
        .to_vec()
    }

    /// A file of the PKI: `root.pem`, `root.key`, `ec.pem`, `ec.key`, `rsa.pem`, `rsa.key`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// DER of a PEM file's first certificate.
    pub fn der(&self, name: &str) -> Vec<u8> {
        let text = std::fs::read_to_string(self.path(name)).unwrap();
        let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        base64_decode(&b64)
    }

    /// An OCSP response for `leaf` ("good"), signed by the root with openssl.
    pub fn ocsp_response(&self, leaf: &str) -> PathBuf {
        let serial = openssl_text(&["x509", "-noout", "-serial", "-in"], &self.path(leaf));
        let serial = serial.trim().trim_start_matches("serial=").to_string();
        let subject = openssl_text(
            &["x509", "-noout", "-subject", "-nameopt", "compat", "-in"],
            &self.path(leaf),
        );
        let subject = subject.trim().trim_start_matches("subject=").to_string();
        let index = self.path("index.txt");
        std::fs::write(
            &index,
            format!("V\t991231235959Z\t\t{serial}\tunknown\t{subject}\n"),
        )
        .unwrap();
        let request = self.path("ocsp-req.der");
        let response = self.path("ocsp-resp.der");
        let ok = Command::new("openssl")
            .args(["ocsp", "-no_nonce", "-issuer"])
            .arg(self.path("root.pem"))
            .arg("-cert")
            .arg(self.path(leaf))
            .arg("-reqout")
            .arg(&request)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "openssl ocsp request");
        let ok = Command::new("openssl")
            .args(["ocsp", "-ndays", "1", "-index"])
            .arg(&index)
            .arg("-CA")
            .arg(self.path("root.pem"))
            .arg("-rsigner")
            .arg(self.path("root.pem"))
            .arg("-rkey")
            .arg(self.path("root.key"))
            .arg("-reqin")
            .arg(&request)
            .arg("-respout")
            .arg(&response)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "openssl ocsp response");
        response
    }
}

fn openssl_text(args: &[&str], file: &Path) -> String {
    let out = Command::new("openssl")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}
