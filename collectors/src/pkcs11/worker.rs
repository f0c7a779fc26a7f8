//! Reading tokens in a child process, so that a PKCS#11 module that crashes
//! (a segmentation fault, an abort) or hangs ends the child, not the run.
//!
//! The `pkimm` binary registers itself with [`set_worker`]; the collector
//! then runs `pkimm collect pkcs11 … --in-process` and reads the bundle from
//! its standard output, under the time-out and a size cap. The PIN reaches
//! the child the way it reached pkimm: the same environment variable or file,
//! never an argument.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pkimm_model::evidence::EvidenceBundle;

use super::{Pkcs11Config, Pkcs11Error};

static WORKER: OnceLock<PathBuf> = OnceLock::new();

/// Largest bundle a child may write.
const MAX_OUTPUT_BYTES: u64 = 1024 * 1024 * 1024;
/// Grace beyond the child's own time-out before it is killed.
const GRACE: Duration = Duration::from_secs(10);

/// Makes the collector read tokens in a child process running `exe` (the
/// `pkimm` binary). Set once; without it tokens are read in-process.
pub fn set_worker(exe: PathBuf) {
    let _ = WORKER.set(exe);
}

/// The registered worker, if any.
pub(super) fn worker() -> Option<&'static PathBuf> {
    WORKER.get()
}

/// Reads the tokens `config` selects in a child process of `exe`.
pub(super) fn collect_in_child(
    exe: &PathBuf,
    config: &Pkcs11Config,
    agent: &str,
) -> Result<EvidenceBundle, Pkcs11Error> {
    let module = config.module.clone();
    let crashed = |message: String| Pkcs11Error::Worker {
        path: module.clone(),
        message,
    };
    let mut command = Command::new(exe);
    command
        .args(["collect", "pkcs11", "--in-process", "--module"])
        .arg(&config.module)
        .arg("--timeout")
        .arg(format!("{}ms", config.timeout.as_millis().max(1)))
        .arg("--max-objects")
        .arg(config.max_objects.to_string())
        .arg("--agent")
        .arg(agent);
    if let Some(slot) = config.slot {
        command.arg("--slot").arg(slot.to_string());
    }
    if let Some(label) = &config.token_label {
        command.arg("--token-label").arg(label);
    }
    if let Some(variable) = &config.pin_env {
        command.arg("--pin-env").arg(variable);
    }
    if let Some(file) = &config.pin_file {
        command.arg("--pin-file").arg(file);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| crashed(format!("cannot start the reader process: {err}")))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = (&mut stdout)
            .take(MAX_OUTPUT_BYTES + 1)
            .read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + config.timeout + GRACE;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Pkcs11Error::TimedOut {
                    path: module,
                    timeout: config.timeout,
                });
            }
        }
    };
    let bytes = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(signal) = status.signal() {
                return Err(crashed(format!(
                    "{}: the module crashed its reader process (signal {signal}); nothing was read",
                    config.module.display()
                )));
            }
        }
        let message = stderr
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or("the reader process failed")
            .to_string();
        return Err(crashed(message));
    }
    if bytes.len() as u64 > MAX_OUTPUT_BYTES {
        return Err(crashed(format!(
            "the reader process wrote more than {MAX_OUTPUT_BYTES} bytes"
        )));
    }
    serde_json::from_slice(&bytes)
        .map_err(|err| crashed(format!("the reader process wrote no bundle: {err}")))
}
