//! Everything that can stop the pipeline, in one enum.

use pkimm_collectors::CollectError;
use pkimm_model::evidence::BundleError;
use pkimm_model::read::ReadError;
use pkimm_model::write::WriteError;
use pkimm_model::{DocumentError, ExtensionError, ModelError};
use pkimm_rules::policy::PolicyError;
use pkimm_rules::waiver::WaiverError;
use pkimm_rules::RuleError;
use pkimm_scoring::{AssessmentError, SaveError};

use crate::config::ConfigError;
use crate::history::HistoryError;

/// A pipeline step that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The scan config is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The model file is unusable.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// An extension file is unusable.
    #[error(transparent)]
    Extension(#[from] ExtensionError),
    /// Two extensions have the same id.
    #[error("extension {id:?} is given twice: {first} and {second}")]
    DuplicateExtension {
        /// The id.
        id: String,
        /// Where it was first loaded from.
        first: String,
        /// Where again.
        second: String,
    },
    /// A rule file is unusable.
    #[error(transparent)]
    Rules(Box<RuleError>),
    /// `--no-builtin` without `--rules`.
    #[error("no rules to run: --no-builtin was given without --rules")]
    NoRules,
    /// The policy file is unusable.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The waiver file is unusable.
    #[error(transparent)]
    Waivers(#[from] WaiverError),
    /// A level mapping file is unusable.
    #[error(transparent)]
    Levels(#[from] DocumentError),
    /// A file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// An evidence bundle is unusable.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// An assessment file is unusable.
    #[error(transparent)]
    Assessment(#[from] AssessmentError),
    /// A collector could not run.
    #[error(transparent)]
    Collect(#[from] CollectError),
    /// The history store failed.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The assessment could not be saved.
    #[error(transparent)]
    Save(#[from] SaveError),
    /// A time given on the command line does not parse.
    #[error("--now {0:?} is not an RFC 3339 time such as 2026-06-01T00:00:00Z")]
    Time(String),
    /// The async runtime or the agent's listener could not start.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// A directory could not be created.
    #[error("cannot create {path}")]
    CreateDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The agent cannot run this config.
    #[error("{0}")]
    Agent(String),
    /// An `--attach` argument is unusable.
    #[error(transparent)]
    Attachment(#[from] crate::artifacts::AttachmentError),
    /// The assessment profile is unusable.
    #[error(transparent)]
    Profile(#[from] pkimm_scoring::profile::ProfileError),
    /// An assessment records an assurance level its profile lacks.
    #[error("{origin}: field `profile.assurance`: {assurance:?} is not an assurance profile of {profile} ({known})")]
    UnknownAssurance {
        /// The assessment file.
        origin: String,
        /// The recorded level.
        assurance: String,
        /// The profile id.
        profile: String,
        /// The levels it defines.
        known: String,
    },
    /// An assessment declares a model version pkimm does not embed.
    #[error("{origin}: the assessment is for PKIMM {declared}, which pkimm does not embed; give its model file with --model")]
    UnknownModel {
        /// The assessment file.
        origin: String,
        /// The version it declares.
        declared: String,
    },
    /// `--model` names another version than the assessment's.
    #[error("{origin}: the assessment is for PKIMM {declared} but --model is PKIMM {given}; run pkimm migrate to move it to another version")]
    ModelMismatch {
        /// The assessment file.
        origin: String,
        /// The version it declares.
        declared: String,
        /// The version of the --model file.
        given: String,
    },
}

impl From<RuleError> for PipelineError {
    fn from(error: RuleError) -> Self {
        Self::Rules(Box::new(error))
    }
}
