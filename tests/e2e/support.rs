//! Helpers to run the binary and find fixtures.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Path of a file under `fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().expect("pkimm was killed by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Runs `pkimm` with `args` and no environment surprises.
pub fn pkimm<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let run: Run = Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .args(args)
        .env_remove("PKIMM_LOG")
        .output()
        .expect("pkimm runs")
        .into();
    assert!(
        !run.stderr.contains("panicked"),
        "pkimm panicked:\n{}",
        run.stderr
    );
    run
}

/// Writes `text` to a file in a fresh temporary directory and returns both.
pub fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write temp file");
    (dir, path)
}

/// An evidence bundle of one fixture certificate, written into `dir`.
pub fn small_bundle(dir: &std::path::Path) -> PathBuf {
    let bundle = dir.join("small-bundle.json");
    let run = pkimm([
        "collect".as_ref(),
        "files".as_ref(),
        fixture("pki/leaf/ec-p256.pem").as_os_str(),
        "-o".as_ref(),
        bundle.as_os_str(),
    ] as [&std::ffi::OsStr; 5]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    bundle
}

/// Runs the Python `script` on `file` with `PKIMM_PYTHON` (default
/// `python3`). The script exits 3 when its package is missing: that is a
/// skip (`false`) unless the `require` variable is set. Any other failure
/// panics, saying `file` is not `what`.
pub fn python_check(script: &str, file: &std::path::Path, require: &str, what: &str) -> bool {
    let python = std::env::var("PKIMM_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let out = Command::new(&python)
        .args(["-c", script, file.to_str().unwrap()])
        .output()
        .expect("python runs");
    if out.status.code() == Some(3) {
        assert!(
            std::env::var_os(require).is_none(),
            "{require} is set but {python} lacks the validator for {what}"
        );
        eprintln!("no validator for {what} in {python}; skipping");
        return false;
    }
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{} is not {what}: {}",
        file.display(),
        &output[..output.len().min(4000)]
    );
    true
}
