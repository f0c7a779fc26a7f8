//! Real OpenSSL servers as child processes: `openssl s_server` and the
//! `openssl ocsp` responder, killed on drop. Test fixtures: they panic when
//! openssl is missing.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::net::{free_port, wait_for_listen, wait_for_port};
use crate::pki::TestPki;

/// An `openssl s_server` process, killed on drop.
pub struct OpensslServer {
    /// The port it listens on.
    pub port: u16,
    child: Child,
}

impl OpensslServer {
    /// Starts `openssl s_server -www` with the RSA leaf plus `extra` options.
    pub fn start(pki: &TestPki, extra: &[&str]) -> Self {
        Self::start_with(pki, "rsa.pem", "rsa.key", extra)
    }

    /// Starts `openssl s_server -www` with `cert` and `key` of the PKI plus `extra`.
    pub fn start_with(pki: &TestPki, cert: &str, key: &str, extra: &[&str]) -> Self {
        Self::start_on(pki, free_port(), cert, key, extra)
    }

    /// Like [`Self::start_with`] on a given port.
    pub fn start_on(pki: &TestPki, port: u16, cert: &str, key: &str, extra: &[&str]) -> Self {
        let mut args: Vec<String> = vec![
            "-cert".into(),
            pki.path(cert).display().to_string(),
            "-key".into(),
            pki.path(key).display().to_string(),
            "-cert_chain".into(),
            pki.path("root.pem").display().to_string(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        Self::spawn(port, &args)
    }

    /// Starts `openssl s_server -www` with exactly `args` (no certificate
    /// or chain added): for leaf-only chains and other unusual setups.
    pub fn start_raw(args: &[&str]) -> Self {
        Self::spawn(free_port(), args)
    }

    fn spawn<S: AsRef<std::ffi::OsStr>>(port: u16, args: &[S]) -> Self {
        let child = Command::new("openssl")
            .arg("s_server")
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .args(["-www", "-quiet"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        wait_for_port(port);
        Self { port, child }
    }

    /// `127.0.0.1:PORT`.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `openssl ocsp` responder process, killed on drop.
pub struct OcspResponder {
    /// The port it listens on.
    pub port: u16,
    child: Child,
}

impl OcspResponder {
    /// Starts `openssl ocsp -port` in `dir` with `index`, signing with
    /// `signer` / `key` (files in `dir`).
    pub fn start(dir: &Path, index: &str, signer: &str, key: &str) -> Self {
        Self::start_on(dir, free_port(), index, signer, key)
    }

    /// Like [`Self::start`], on a given port.
    pub fn start_on(dir: &Path, port: u16, index: &str, signer: &str, key: &str) -> Self {
        let child = Command::new("openssl")
            .current_dir(dir)
            .args([
                "ocsp",
                "-port",
                &port.to_string(),
                "-index",
                index,
                "-CA",
                "ca.pem",
            ])
            .args([
                "-rsigner",
                signer,
                "-rkey",
                key,
                "-ignore_err",
                "-nmin",
                "60",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl ocsp starts");
        wait_for_listen(port);
        Self { port, child }
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for OcspResponder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
