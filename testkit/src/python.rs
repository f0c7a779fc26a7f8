//! Finding a Python that has a test's PyPI package: the one an environment
//! variable names, or a venv under the workspace's `target/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Python named by `env_var`, else `target/VENV/bin/python` of the
/// workspace, when it can run `import`. When neither can, the test skips
/// (with a message naming `what`), unless `require_var` is set, which fails
/// it.
pub fn find(
    env_var: &str,
    venv: &str,
    import: &str,
    require_var: &str,
    what: &str,
) -> Option<PathBuf> {
    let candidate = std::env::var_os(env_var)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../target")
                .join(venv)
                .join("bin/python")
        });
    let works = Command::new(&candidate)
        .args(["-c", import])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Some(candidate);
    }
    assert!(
        std::env::var_os(require_var).is_none(),
        "{require_var} is set but {} cannot run `{import}`",
        candidate.display()
    );
    eprintln!("{what} not available; skipping");
    None
}
