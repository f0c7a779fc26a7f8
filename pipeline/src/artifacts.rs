//! The evidence files behind a report: each evidence bundle with the
//! requirements its records were evaluated for, and each attached file
//! (reports, exports, procedures) with the requirements the assessor says it
//! backs. They feed the evidence manifest and, through its digest, the
//! credential.

use std::path::{Path, PathBuf};

use pkimm_model::evidence::load_bundle;
use pkimm_model::{IdError, Model};
use pkimm_report::manifest::EvidenceFile;
use pkimm_rules::Evaluation;

use crate::error::PipelineError;
use crate::run::Pipeline;

/// A file attached with `--attach FILE[=REQUIREMENT,…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file.
    pub path: PathBuf,
    /// Canonical ids of the requirements it backs; empty when it backs the
    /// assessment as a whole.
    pub requirements: Vec<String>,
}

/// Why an `--attach` argument is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttachmentError {
    /// A requirement id names nothing in the model.
    #[error("--attach {argument:?}")]
    Requirement {
        /// The argument as given.
        argument: String,
        /// Why the id does not resolve.
        #[source]
        source: Box<IdError>,
    },
    /// The file cannot be read.
    #[error("--attach {path}: cannot read it")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl Attachment {
    /// Parses `FILE` or `FILE=REQ,REQ`, resolving each requirement the way
    /// `pkimm confirm` does (canonical, short or 1.1.0 positional ids).
    pub fn parse(argument: &str, model: &Model) -> Result<Self, AttachmentError> {
        let (path, requirements) = match argument.rsplit_once('=') {
            Some((path, list)) if !path.is_empty() => (path, list),
            _ => (argument, ""),
        };
        let mut ids = Vec::new();
        for id in requirements
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (requirement, _) =
                model
                    .resolve_requirement(id)
                    .map_err(|source| AttachmentError::Requirement {
                        argument: argument.to_string(),
                        source: Box::new(source),
                    })?;
            if !ids.contains(&requirement.id) {
                ids.push(requirement.id.clone());
            }
        }
        ids.sort();
        Ok(Self {
            path: PathBuf::from(path),
            requirements: ids,
        })
    }
}

/// Describes evidence bundles. A bundle backs the requirements whose rules
/// evaluated at least one of its records, so each bundle is evaluated on its
/// own.
pub fn bundle_files(
    pipeline: &Pipeline,
    bundles: &[PathBuf],
    now: i64,
) -> Result<Vec<EvidenceFile>, PipelineError> {
    let mut files = Vec::with_capacity(bundles.len());
    for path in bundles {
        let bundle = load_bundle(path)?;
        files.push(bundle_file(path, &pipeline.evaluate(&bundle, now))?);
    }
    Ok(files)
}

/// Describes the bundle file at `path` whose evaluation is `evaluation`: it
/// backs the requirements whose rules evaluated at least one of its records.
pub fn bundle_file(path: &Path, evaluation: &Evaluation) -> Result<EvidenceFile, AttachmentError> {
    let requirements = evaluation
        .requirements
        .iter()
        .filter(|r| r.evaluated > 0)
        .map(|r| r.requirement.clone())
        .collect();
    describe(path, true, requirements)
}

/// Describes attached files.
pub fn attached_files(attachments: &[Attachment]) -> Result<Vec<EvidenceFile>, AttachmentError> {
    attachments
        .iter()
        .map(|a| describe(&a.path, false, a.requirements.clone()))
        .collect()
}

fn describe(
    path: &Path,
    is_bundle: bool,
    requirements: Vec<String>,
) -> Result<EvidenceFile, AttachmentError> {
    EvidenceFile::describe(path, is_bundle, requirements).map_err(|source| AttachmentError::Read {
        path: path.to_path_buf(),
        source,
    })
}
