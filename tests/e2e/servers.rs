//! Real servers on loopback for the collector tests: a test PKI made with
//! rcgen (and openssl for RSA keys and OCSP responses), `openssl s_server`
//! processes, and in-process rustls servers (plain and behind SMTP STARTTLS),
//! plus hostile servers that send garbage or stall.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A root CA and two leaves for `localhost` / 127.0.0.1 (ECDSA P-256 and
/// RSA 2048), written as PEM files into a temporary directory.
pub struct TestPki {
    pub dir: tempfile::TempDir,
}

impl TestPki {
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

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `port`.
fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on port {port}");
}

/// Waits until a socket listens on `port`, without connecting to it: the
/// single-threaded `openssl ocsp` responder would otherwise wait for a request
/// on the probe connection.
fn wait_for_listen(port: u16) {
    let needle = format!(":{port:04X} ");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = std::fs::read_to_string(table).unwrap_or_default();
            let listening = text.lines().skip(1).any(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                fields.len() > 3 && format!("{} ", fields[1]).contains(&needle) && fields[3] == "0A"
            });
            if listening {
                return;
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on port {port}");
}

/// An `openssl s_server` process, killed on drop.
pub struct OpensslServer {
    pub port: u16,
    child: Child,
}

impl OpensslServer {
    /// Starts `openssl s_server -www` with the RSA leaf plus `extra` options.
    pub fn start(pki: &TestPki, extra: &[&str]) -> Self {
        Self::start_with(pki, "rsa.pem", "rsa.key", extra)
    }

    pub fn start_with(pki: &TestPki, cert: &str, key: &str, extra: &[&str]) -> Self {
        Self::start_on(pki, free_port(), cert, key, extra)
    }

    /// Like [`Self::start_with`] on a given port.
    pub fn start_on(pki: &TestPki, port: u16, cert: &str, key: &str, extra: &[&str]) -> Self {
        let child = Command::new("openssl")
            .arg("s_server")
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(pki.path(cert))
            .arg("-key")
            .arg(pki.path(key))
            .arg("-cert_chain")
            .arg(pki.path("root.pem"))
            .args(["-www", "-quiet"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        wait_for_port(port);
        Self { port, child }
    }

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

fn rustls_server_config(pki: &TestPki, alpn: &[&str]) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let chain = vec![
        CertificateDer::from_pem_file(pki.path("ec.pem")).unwrap(),
        CertificateDer::from_pem_file(pki.path("root.pem")).unwrap(),
    ];
    let key = PrivateKeyDer::from_pem_file(pki.path("ec.key")).unwrap();
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Arc::new(config)
}

/// A rustls server (TLS 1.3 and 1.2) on a background thread. Returns its
/// address.
pub fn rustls_server(pki: &TestPki, alpn: &[&str]) -> SocketAddr {
    rustls_server_on(pki, alpn, "127.0.0.1:0").expect("bind loopback")
}

/// A rustls server bound to `bind` (for example `[::1]:0`); `None` when the
/// address cannot be bound (no IPv6 loopback).
pub fn rustls_server_on(pki: &TestPki, alpn: &[&str], bind: &str) -> Option<SocketAddr> {
    let config = rustls_server_config(pki, alpn);
    let listener = TcpListener::bind(bind).ok()?;
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            thread::spawn(move || serve_tls(stream, config));
        }
    });
    Some(addr)
}

fn serve_tls(mut stream: TcpStream, config: Arc<rustls::ServerConfig>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    while conn.is_handshaking() {
        if conn.complete_io(&mut stream).is_err() {
            return;
        }
    }
    let mut tls = rustls::Stream::new(&mut conn, &mut stream);
    // Read the request head first (HTTP clients), or until the peer hangs up
    // (scanners that only handshake).
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match std::io::Read::read(&mut tls, &mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    conn.send_close_notify();
    let _ = conn.complete_io(&mut stream);
}

/// An SMTP server that offers STARTTLS and then speaks TLS with rustls.
pub fn smtp_starttls_server(pki: &TestPki) -> SocketAddr {
    let config = rustls_server_config(pki, &[]);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            thread::spawn(move || {
                let _ = smtp_session(stream, config);
            });
        }
    });
    addr
}

fn smtp_session(mut stream: TcpStream, config: Arc<rustls::ServerConfig>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"220 mail.test ESMTP pkimm-test\r\n")?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            stream.write_all(
                b"250-mail.test\r\n250-SIZE 1000000\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            )?;
        } else if command == "STARTTLS" {
            stream.write_all(b"220 2.0.0 Ready to start TLS\r\n")?;
            serve_tls(stream, config);
            return Ok(());
        } else {
            stream.write_all(b"502 5.5.2 Error\r\n")?;
        }
    }
}

/// A server that answers every connection with text and closes.
pub fn garbage_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2 not really\r\n");
        }
    });
    addr
}

/// A server that accepts connections and never says anything.
pub fn stalling_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    addr
}

/// One canned HTTP response.
#[derive(Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn ok(content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Routes of the test HTTP server; change them while it runs.
pub type Routes = Arc<std::sync::Mutex<std::collections::HashMap<String, HttpResponse>>>;

/// A small real HTTP/1.1 server on loopback serving `routes` (404 otherwise).
pub fn http_server() -> (SocketAddr, Routes) {
    let routes: Routes = Arc::default();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shared = routes.clone();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let routes = shared.clone();
            thread::spawn(move || {
                let _ = serve_http(stream, &routes);
            });
        }
    });
    (addr, routes)
}

fn serve_http(mut stream: TcpStream, routes: &Routes) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let response = routes.lock().unwrap().get(&path).cloned();
    let response = response.unwrap_or(HttpResponse {
        status: 404,
        headers: Vec::new(),
        body: b"not found".to_vec(),
    });
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}

/// An `openssl ocsp` responder process, killed on drop.
pub struct OcspResponder {
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

/// A server from a Debian package, run in the foreground from a config file
/// in its own temp dir; stopped with SIGTERM (so it can stop its workers) on
/// drop.
struct Daemon {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Daemon {
    /// Whether `binary` is installed. When it is not, the test skips, unless
    /// `require_var` is set (as `.ci/run` does), which fails it.
    fn installed(binary: &str, require_var: &str) -> bool {
        if Path::new(binary).exists() {
            return true;
        }
        assert!(
            std::env::var_os(require_var).is_none(),
            "{require_var} is set but {binary} is missing"
        );
        eprintln!("{binary} not available; skipping");
        false
    }

    /// Writes `config` to `name` in `dir`, runs the command `command` builds
    /// from the config path, and waits for `ports`.
    fn start(
        dir: tempfile::TempDir,
        name: &str,
        config: &str,
        command: impl FnOnce(&Path) -> Command,
        ports: &[u16],
    ) -> Self {
        let config_path = dir.path().join(name);
        std::fs::write(&config_path, config).unwrap();
        let child = command(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the test server starts");
        let daemon = Self { child, _dir: dir };
        for port in ports {
            wait_for_port(*port);
        }
        daemon
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Dovecot serving IMAP and POP3 with STARTTLS on loopback, with the PKI's
/// ECDSA leaf. `None` when Dovecot is not installed (and
/// PKIMM_REQUIRE_DOVECOT is unset).
pub struct Dovecot {
    _daemon: Daemon,
    pub imap_port: u16,
    pub pop3_port: u16,
}

impl Dovecot {
    pub fn start(pki: &TestPki) -> Option<Self> {
        const BINARY: &str = "/usr/sbin/dovecot";
        if !Daemon::installed(BINARY, "PKIMM_REQUIRE_DOVECOT") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        for sub in ["run", "state", "home", "mail"] {
            std::fs::create_dir(d.join(sub)).unwrap();
        }
        let (imap_port, pop3_port) = (free_port(), free_port());
        let config = format!(
            "base_dir = {d}/run\n\
             state_dir = {d}/state\n\
             log_path = {d}/log\n\
             protocols = imap pop3\n\
             listen = 127.0.0.1\n\
             ssl = yes\n\
             ssl_cert = <{cert}\n\
             ssl_key = <{key}\n\
             passdb {{\n  driver = static\n  args = password=unused\n}}\n\
             userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={d}/home\n}}\n\
             mail_location = maildir:{d}/mail\n\
             service imap-login {{\n  inet_listener imap {{\n    port = {imap_port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             service pop3-login {{\n  inet_listener pop3 {{\n    port = {pop3_port}\n  }}\n  inet_listener pop3s {{\n    port = 0\n  }}\n}}\n",
            d = d.display(),
            cert = pki.path("ec.pem").display(),
            key = pki.path("ec.key").display(),
        );
        let daemon = Daemon::start(
            dir,
            "dovecot.conf",
            &config,
            |config| {
                let mut command = Command::new(BINARY);
                command.arg("-F").arg("-c").arg(config);
                command
            },
            &[imap_port, pop3_port],
        );
        Some(Self {
            _daemon: daemon,
            imap_port,
            pop3_port,
        })
    }
}

/// vsftpd offering explicit FTPS (`AUTH TLS`) on loopback with the PKI's ECDSA
/// leaf. `None` when vsftpd is not installed (and PKIMM_REQUIRE_VSFTPD is
/// unset).
pub struct Vsftpd {
    _daemon: Daemon,
    pub port: u16,
}

impl Vsftpd {
    pub fn start(pki: &TestPki) -> Option<Self> {
        const BINARY: &str = "/usr/sbin/vsftpd";
        if !Daemon::installed(BINARY, "PKIMM_REQUIRE_VSFTPD") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let port = free_port();
        // vsftpd's default cipher list (DES-CBC3-SHA) rules TLS 1.2 out with
        // today's OpenSSL; HIGH gives the usual 1.2 suites alongside 1.3.
        let config = format!(
            "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\n\
             background=NO\nanonymous_enable=NO\nlocal_enable=YES\npasv_enable=NO\n\
             seccomp_sandbox=NO\nssl_enable=YES\nssl_ciphers=HIGH\n\
             rsa_cert_file={cert}\nrsa_private_key_file={key}\nsecure_chroot_dir={empty}\n",
            cert = pki.path("ec.pem").display(),
            key = pki.path("ec.key").display(),
            empty = empty.display(),
        );
        let daemon = Daemon::start(
            dir,
            "vsftpd.conf",
            &config,
            |config| {
                let mut command = Command::new(BINARY);
                command.arg(config);
                command
            },
            &[port],
        );
        Some(Self {
            _daemon: daemon,
            port,
        })
    }
}

/// Prosody accepting XMPP client streams with STARTTLS on loopback, for the
/// virtual host `localhost`, with the PKI's ECDSA leaf. `None` when Prosody
/// is not installed (and PKIMM_REQUIRE_PROSODY is unset).
pub struct Prosody {
    _daemon: Daemon,
    pub port: u16,
}

impl Prosody {
    pub fn start(pki: &TestPki) -> Option<Self> {
        const BINARY: &str = "/usr/bin/prosody";
        if !Daemon::installed(BINARY, "PKIMM_REQUIRE_PROSODY") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        std::fs::create_dir(d.join("data")).unwrap();
        let port = free_port();
        let config = format!(
            "daemonize = false\nrun_as_root = true\npidfile = \"{d}/prosody.pid\"\n\
             data_path = \"{d}/data\"\n\
             log = {{ {{ levels = {{ min = \"warn\" }}, to = \"file\", filename = \"{d}/prosody.log\" }} }}\n\
             interfaces = {{ \"127.0.0.1\" }}\nc2s_ports = {{ {port} }}\nc2s_direct_tls_ports = {{ }}\n\
             s2s_ports = {{ }}\ncomponent_ports = {{ }}\nhttp_ports = {{ }}\nhttps_ports = {{ }}\n\
             modules_enabled = {{ \"tls\", \"saslauth\", \"disco\" }}\n\
             modules_disabled = {{ \"s2s\", \"posix\" }}\nc2s_require_encryption = true\n\
             ssl = {{ certificate = \"{cert}\", key = \"{key}\" }}\nVirtualHost \"localhost\"\n",
            d = d.display(),
            cert = pki.path("ec.pem").display(),
            key = pki.path("ec.key").display(),
        );
        let daemon = Daemon::start(
            dir,
            "prosody.cfg.lua",
            &config,
            |config| {
                let mut command = Command::new(BINARY);
                command.env("PROSODY_CONFIG", config);
                command
            },
            &[port],
        );
        Some(Self {
            _daemon: daemon,
            port,
        })
    }
}
