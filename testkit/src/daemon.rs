//! Servers from Debian packages (Dovecot, vsftpd, Prosody) run in the
//! foreground from config files in their own temporary directories, for the
//! STARTTLS tests. Each is skipped when not installed, unless its
//! `PKIMM_REQUIRE_*` variable is set (as `.ci/run` does).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::net::{free_port, wait_for_listen, wait_for_port};
use crate::pki::TestPki;

/// A server from a Debian package, run in the foreground from a config file
/// in its own temp dir; stopped with SIGTERM (so it can stop its workers) on
/// drop.
pub struct Daemon {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Daemon {
    /// Whether `binary` is installed. When it is not, the test skips, unless
    /// `require_var` is set (as `.ci/run` does), which fails it.
    pub fn installed(binary: &str, require_var: &str) -> bool {
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
    pub fn start(
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

    /// Runs `command` (with `dir` kept until the server stops) and waits
    /// until `port` listens, without connecting to it: single-threaded
    /// servers such as `openssl cmp -port` would wait for a request on a
    /// probe connection.
    pub fn spawn_listening(dir: tempfile::TempDir, mut command: Command, port: u16) -> Self {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the test server starts");
        let daemon = Self { child, _dir: dir };
        wait_for_listen(port);
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
    /// IMAP with STARTTLS.
    pub imap_port: u16,
    /// POP3 with STLS.
    pub pop3_port: u16,
}

impl Dovecot {
    /// Starts Dovecot, or `None` when it is not installed.
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
    /// FTP with AUTH TLS.
    pub port: u16,
}

impl Vsftpd {
    /// Starts vsftpd, or `None` when it is not installed.
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
    /// XMPP client port with STARTTLS.
    pub port: u16,
}

impl Prosody {
    /// Starts Prosody, or `None` when it is not installed.
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
