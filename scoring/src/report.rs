//! The score report: a scorecard plus extension results, as printed by
//! `pkimm score --format json`. Its shape is a versioned contract.

use schemars::JsonSchema;
use serde::Serialize;

use pkimm_model::{Extension, Model, ModelSource};

use crate::aggregate::{score, Basis, CategoryScore, ModuleScore, OverallScore, RequirementScore};
use crate::assessment::{Assessment, Meta, Mode};
use crate::extension::{score_extension, ExtensionScore};

/// Version of the score report layout. Bump it on any breaking change.
pub const SCORE_REPORT_SCHEMA_VERSION: &str = "1.0.0";

/// The model a report was computed with.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ModelRef {
    /// Model version.
    pub version: String,
    /// Where the model came from.
    pub source: ModelSource,
}

/// The tool that produced a report.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ToolRef {
    /// Tool name.
    pub name: String,
    /// Tool version.
    pub version: String,
}

impl ToolRef {
    /// This version of pkimm.
    pub fn pkimm() -> Self {
        Self {
            name: "pkimm".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// A complete scoring result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ScoreReport {
    /// Layout version of this document.
    pub schema_version: String,
    /// The producing tool.
    pub tool: ToolRef,
    /// The model used.
    pub model: ModelRef,
    /// Full or self-assessment.
    pub mode: Mode,
    /// Which levels counted.
    pub basis: Basis,
    /// The assessment's descriptive data.
    pub meta: Meta,
    /// Requirement contributions (full mode).
    pub requirements: Vec<RequirementScore>,
    /// Category results.
    pub categories: Vec<CategoryScore>,
    /// Module results.
    pub modules: Vec<ModuleScore>,
    /// The overall result.
    pub overall: OverallScore,
    /// One result per extension.
    pub extensions: Vec<ExtensionScore>,
}

impl ScoreReport {
    /// Scores `assessment` (validated against `model`) with `extensions` (loaded
    /// against `model`).
    pub fn build(
        tool: ToolRef,
        model: &Model,
        assessment: &Assessment,
        extensions: &[Extension],
        basis: Basis,
    ) -> Self {
        let card = score(model, assessment, basis);
        let extensions = extensions
            .iter()
            .map(|extension| score_extension(model, extension, assessment, &card))
            .collect();
        Self {
            schema_version: SCORE_REPORT_SCHEMA_VERSION.to_string(),
            tool,
            model: ModelRef {
                version: model.version.clone(),
                source: model.source.clone(),
            },
            mode: card.mode,
            basis: card.basis,
            meta: assessment.meta.clone(),
            requirements: card.requirements,
            categories: card.categories,
            modules: card.modules,
            overall: card.overall,
            extensions,
        }
    }
}
