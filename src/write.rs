//! Writing output files safely.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory
/// is written, flushed to disk and renamed over the target, so readers never see
/// a half-written file. With `keep_backup`, an existing file is first kept as
/// `PATH.bak`.
pub fn write_atomically(path: &Path, bytes: &[u8], keep_backup: bool) -> Result<()> {
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(directory)
        .with_context(|| format!("cannot create a temporary file in {}", directory.display()))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if keep_backup && path.exists() {
        let mut backup = path.as_os_str().to_owned();
        backup.push(".bak");
        std::fs::copy(path, &backup)
            .with_context(|| format!("cannot keep a backup of {}", path.display()))?;
    }
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes a value as pretty JSON to `path` (atomically) or to stdout.
pub fn write_json<T: serde::Serialize>(path: Option<&Path>, value: &T) -> Result<()> {
    match path {
        Some(path) => {
            let mut bytes = serde_json::to_vec_pretty(value)?;
            bytes.push(b'\n');
            write_atomically(path, &bytes, false)
        }
        None => crate::output::print_json(value),
    }
}

/// Header written above assessment YAML files.
const ASSESSMENT_HEADER: &str = "\
# pkimm assessment. pkimm writes `suggested`, `stale` and `note`; you own
# `status`, `level`, `justification`, `reason`, `assessor` and `at`, which
# pkimm never overwrites. Edit by hand or with `pkimm confirm`; check with
# `pkimm validate`. Only confirmed or overridden levels count in the score.
";

/// Writes an assessment atomically, as JSON when the file name ends in
/// `.json` and as commented YAML otherwise, keeping the previous version as
/// `FILE.bak`.
pub fn write_assessment(path: &Path, assessment: &pkimm_scoring::Assessment) -> Result<()> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let bytes = if is_json {
        let mut bytes = serde_json::to_vec_pretty(assessment)?;
        bytes.push(b'\n');
        bytes
    } else {
        let mut text = ASSESSMENT_HEADER.to_string();
        text.push_str(&serde_yaml_ng::to_string(assessment)?);
        text.into_bytes()
    };
    write_atomically(path, &bytes, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        write_atomically(&path, b"one", true).unwrap();
        write_atomically(&path, b"two", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read(dir.path().join("a.yaml.bak")).unwrap(),
            b"one"
        );
    }
}
