//! A throwaway Samba Active Directory domain controller on loopback, for the
//! AD CS tests: `samba-tool domain provision` into a temporary directory
//! (realm `CORP.TEST`, a fixed domain SID, LDAP only, the PKI's `localhost`
//! certificate for StartTLS), a low-privileged user `reader`, the test's
//! LDIF added with `ldbadd` before the server starts, then `samba -i`.
//!
//! Samba's LDAP port is fixed (389), so one controller runs at a time in a
//! test process: [`SambaDc::start`] waits for the previous one to stop.
//! Skipped when Samba is not installed, unless `PKIMM_REQUIRE_SAMBA` is set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::daemon::Daemon;
use crate::pki::TestPki;

/// Held while a controller runs: port 389 is Samba's.
static LDAP_PORT: Mutex<()> = Mutex::new(());

/// A running Samba AD DC.
pub struct SambaDc {
    // Dropped first: the server stops before the port is released.
    _daemon: Daemon,
    _port: MutexGuard<'static, ()>,
    pki: TestPki,
}

impl SambaDc {
    /// The realm.
    pub const REALM: &'static str = "CORP.TEST";
    /// The domain naming context.
    pub const DOMAIN_DN: &'static str = "DC=corp,DC=test";
    /// The configuration naming context.
    pub const CONFIGURATION_DN: &'static str = "CN=Configuration,DC=corp,DC=test";
    /// The Public Key Services container.
    pub const PUBLIC_KEY_SERVICES_DN: &'static str =
        "CN=Public Key Services,CN=Services,CN=Configuration,DC=corp,DC=test";
    /// The domain SID (fixed, so security descriptors can be written ahead).
    pub const DOMAIN_SID: &'static str = "S-1-5-21-1111111111-2222222222-3333333333";
    /// The administrator's password.
    pub const ADMIN_PASSWORD: &'static str = "Adm1n!Passw0rd";
    /// The low-privileged user (a plain Domain User).
    pub const READER: &'static str = "reader@corp.test";
    /// Its password.
    pub const READER_PASSWORD: &'static str = "Read3r!Passw0rd";

    /// Provisions a domain with `pki`'s `localhost` certificate for TLS,
    /// adds `ldif` (AD CS objects and whatever the test needs) and starts the
    /// server. `None` when Samba is missing (and `PKIMM_REQUIRE_SAMBA` is
    /// unset).
    pub fn start(pki: TestPki, ldif: &str) -> Option<Self> {
        Self::start_with_groups(pki, &[], |_| ldif.to_string())
    }

    /// As [`Self::start`], with `groups` created first (name and members:
    /// users, groups, or well-known groups such as `Domain Users`, in
    /// order), and the LDIF made from the SIDs the directory gave them.
    pub fn start_with_groups(
        pki: TestPki,
        groups: &[(&str, &[&str])],
        ldif: impl FnOnce(&BTreeMap<String, String>) -> String,
    ) -> Option<Self> {
        for binary in ["/usr/sbin/samba", "/usr/bin/samba-tool", "/usr/bin/ldbadd"] {
            if !Daemon::installed(binary, "PKIMM_REQUIRE_SAMBA") {
                return None;
            }
        }
        let port = LDAP_PORT.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("run")).unwrap();
        // Samba refuses a private key others can read.
        let key = root.join("tls.key");
        std::fs::copy(pki.path("ec.key"), &key).unwrap();
        set_owner_only(&key);
        let options = [
            "interfaces=lo".to_string(),
            "bind interfaces only=yes".to_string(),
            "server services=ldap".to_string(),
            format!("pid directory={}", root.join("run").display()),
            format!("log file={}", root.join("log.%m").display()),
            format!("tls keyfile={}", key.display()),
            format!("tls certfile={}", pki.path("ec.pem").display()),
            format!("tls cafile={}", pki.path("root.pem").display()),
        ];
        let mut provision = Command::new("/usr/bin/samba-tool");
        provision
            .args([
                "domain",
                "provision",
                "--server-role=dc",
                "--dns-backend=NONE",
            ])
            .arg(format!("--realm={}", Self::REALM))
            .arg("--domain=CORP")
            .arg("--host-name=dc1")
            .arg(format!("--domain-sid={}", Self::DOMAIN_SID))
            .arg(format!("--adminpass={}", Self::ADMIN_PASSWORD))
            .arg(format!("--targetdir={}", root.display()));
        for option in &options {
            provision.arg(format!("--option={option}"));
        }
        run(&mut provision, "samba-tool domain provision");
        let sam = root.join("private/sam.ldb");
        let config = root.join("etc/smb.conf");
        run(
            Command::new("/usr/bin/samba-tool")
                .args(["user", "create", "reader", Self::READER_PASSWORD, "-H"])
                .arg(&sam)
                .arg("-s")
                .arg(&config),
            "samba-tool user create",
        );
        let mut sids = BTreeMap::new();
        for (group, members) in groups {
            run(
                Command::new("/usr/bin/samba-tool")
                    .args(["group", "add", group, "-H"])
                    .arg(&sam)
                    .arg("-s")
                    .arg(&config),
                "samba-tool group add",
            );
            if !members.is_empty() {
                run(
                    Command::new("/usr/bin/samba-tool")
                        .args(["group", "addmembers", group, &members.join(","), "-H"])
                        .arg(&sam)
                        .arg("-s")
                        .arg(&config),
                    "samba-tool group addmembers",
                );
            }
            sids.insert(group.to_string(), object_sid(&sam, group));
        }
        let ldif = ldif(&sids);
        if !ldif.trim().is_empty() {
            let file = root.join("test-objects.ldif");
            std::fs::write(&file, &ldif).unwrap();
            run(
                Command::new("/usr/bin/ldbadd")
                    .arg("-H")
                    .arg(&sam)
                    .arg(&file),
                "ldbadd of the test objects",
            );
        }
        let mut server = Command::new("/usr/sbin/samba");
        server.args(["-i", "-M", "single", "-s"]).arg(&config);
        let daemon = Daemon::spawn_listening(dir, server, 389);
        Some(Self {
            _daemon: daemon,
            _port: port,
            pki,
        })
    }

    /// The LDAP URL (StartTLS with [`Self::ca`] verifies `localhost`).
    pub fn url(&self) -> String {
        "ldap://localhost".to_string()
    }

    /// The trust anchor of the server's TLS certificate.
    pub fn ca(&self) -> PathBuf {
        self.pki.path("root.pem")
    }

    /// The test PKI (its root and leaves can be published in the directory).
    pub fn pki(&self) -> &TestPki {
        &self.pki
    }
}

/// The SID of the account named `name` (`sAMAccountName`).
fn object_sid(sam: &Path, name: &str) -> String {
    let output = Command::new("/usr/bin/ldbsearch")
        .arg("-H")
        .arg(sam)
        .arg(format!("(sAMAccountName={name})"))
        .arg("objectSid")
        .output()
        .expect("ldbsearch runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("objectSid: "))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no objectSid for {name}"))
}

/// Runs a setup command, failing the test with its output when it fails.
fn run(command: &mut Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn set_owner_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}
