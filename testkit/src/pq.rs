//! The post-quantum TLS test server (`testkit/pq-server`, rustls with the
//! aws-lc-rs provider) as a child process, killed on drop.
//!
//! It is a separate workspace so that aws-lc-rs never reaches the ring-only
//! product. `.ci/run` builds it before the tests; elsewhere the first test
//! that needs it builds it (about 40 s, into `target/pq-server`). When it
//! cannot be built the tests skip, unless `PKIMM_REQUIRE_PQ_SERVER` is set.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use crate::pki::TestPki;

/// The variable that makes a missing post-quantum server a test failure.
pub const REQUIRE_VAR: &str = "PKIMM_REQUIRE_PQ_SERVER";

/// A running `pkimm-pq-server`, killed on drop.
pub struct PqServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    child: Child,
}

impl PqServer {
    /// Serves the PKI's ECDSA leaf with `groups` (names such as
    /// `X25519MLKEM768`, `X25519`, `secp256r1`); with `server_order` the
    /// server imposes the order given. `None` when the server is not
    /// available and `PKIMM_REQUIRE_PQ_SERVER` is unset.
    pub fn start(pki: &TestPki, groups: &[&str], server_order: bool) -> Option<Self> {
        let binary = binary()?;
        let mut command = Command::new(binary);
        command
            .arg("--cert")
            .arg(pki.path("ec.pem"))
            .arg("--key")
            .arg(pki.path("ec.key"))
            .arg("--groups")
            .arg(groups.join(","));
        if server_order {
            command.arg("--server-order");
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("pkimm-pq-server starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("pkimm-pq-server prints its address");
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("pkimm-pq-server said {line:?}"));
        Some(Self { addr, child })
    }
}

impl Drop for PqServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server binary, built once per process when missing.
fn binary() -> Option<PathBuf> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = BUILT.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let target = root.join("target/pq-server");
        let binary = target.join("debug/pkimm-pq-server");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let built = Command::new(cargo)
            .arg("build")
            .arg("--quiet")
            .arg("--locked")
            .arg("--manifest-path")
            .arg(root.join("testkit/pq-server/Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .status()
            .is_ok_and(|s| s.success());
        (built && binary.exists()).then_some(binary)
    });
    if found.is_none() {
        assert!(
            std::env::var_os(REQUIRE_VAR).is_none(),
            "{REQUIRE_VAR} is set but testkit/pq-server does not build"
        );
        eprintln!("the post-quantum test server does not build; skipping");
    }
    found.clone()
}
