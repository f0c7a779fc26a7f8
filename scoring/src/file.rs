//! Writing the assessment file: atomically, keeping the previous version as
//! `FILE.bak`, as commented YAML (or JSON for `*.json`).

use std::path::Path;

use pkimm_model::write::{write_atomically, WriteError};

use crate::assessment::Assessment;

/// Header written above assessment YAML files.
const ASSESSMENT_HEADER: &str = "\
# pkimm assessment. pkimm writes `suggested`, `observed`, `stale` and `note`;
# you own `status`, `level`, `justification`, `reason`, `assessor`, `at` and
# `criteria`, which pkimm never overwrites. Edit by hand or with
# `pkimm confirm`; check with `pkimm validate`. Only confirmed or overridden
# levels count in the score. pkimm rewrites this file as a whole: comments
# you add are not kept (the previous version stays in FILE.bak).
";

/// Why an assessment could not be saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    /// Serialisation failed.
    #[error("cannot serialise the assessment: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// Serialisation failed.
    #[error("cannot serialise the assessment: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Writes `assessment` to `path` atomically, as JSON when the file name ends
/// in `.json` and as commented YAML otherwise, keeping the previous version
/// as `FILE.bak`.
pub fn save_assessment(path: &Path, assessment: &Assessment) -> Result<(), SaveError> {
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
    Ok(write_atomically(path, &bytes, true)?)
}
