//! PKIMM scoring: the assessment file, requirement → category → module →
//! overall aggregation, and extension scoring.
//!
//! Everything here is a pure function of a [`pkimm_model::Model`], an
//! [`Assessment`] and optional [`pkimm_model::Extension`]s; nothing does I/O
//! except the file loaders.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod aggregate;
pub mod arith;
pub mod assessment;
pub mod audit;
pub mod benchmark;
pub mod decision;
pub mod extension;
pub mod file;
pub mod merge;
pub mod migrate;
pub mod prefill;
pub mod profile;
pub mod relevance;
pub mod report;

pub use aggregate::{score, Basis, CategoryScore, LevelSource, ModuleScore, Scorecard};
pub use arith::LevelScore;
pub use assessment::{
    load_assessment_file, parse_assessment, Assessment, AssessmentError, Mode, RequirementEntry,
    Status,
};
pub use extension::{score_extension, ExtensionScore};
pub use file::{save_assessment, SaveError};
pub use report::{ScoreReport, SCORE_REPORT_SCHEMA_VERSION};
