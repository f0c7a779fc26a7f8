//! The score report: a scorecard plus extension results, as printed by
//! `pkimm score --format json`. Its shape is a versioned contract.

use schemars::JsonSchema;
use serde::Serialize;

use pkimm_model::{Extension, Model, ModelSource};

use crate::aggregate::{score, Basis, CategoryScore, ModuleScore, OverallScore, RequirementScore};
use crate::assessment::{Assessment, Meta, Mode};
use crate::extension::{score_extension, ExtensionScore};
use crate::profile::{Profile, ScoringParameters, NOT_EVALUATED_RULE};

/// Version of the score report layout. Bump it on any breaking change.
pub const SCORE_REPORT_SCHEMA_VERSION: &str = "2.0.0";

/// The model a report was computed with.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ModelRef {
    /// Model version.
    pub version: String,
    /// Where the model came from.
    pub source: ModelSource,
    /// The names of levels 1 to 5 in this version.
    pub level_names: [String; 5],
}

impl ModelRef {
    /// The reference to `model`.
    pub fn of(model: &Model) -> Self {
        Self {
            version: model.version.clone(),
            source: model.source.clone(),
            level_names: model.level_names.clone(),
        }
    }

    /// The name of level `number`; `Not evaluated` outside 1 to 5.
    pub fn level_name(&self, number: u8) -> &str {
        match number {
            1..=5 => &self.level_names[usize::from(number - 1)],
            _ => "Not evaluated",
        }
    }
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
    /// The scoring parameters of the assessment profile.
    pub parameters: ScoringParameters,
    /// The assessment profile and the assessment's assurance level.
    pub profile: ProfileSummary,
}

/// The assessment profile as the score report names it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ProfileSummary {
    /// Profile id.
    pub id: String,
    /// Profile version.
    pub version: String,
    /// The assurance profile id.
    pub assurance: String,
    /// The label every report carries.
    pub report_label: String,
    /// What counts for items nobody rated.
    pub not_evaluated: String,
}

impl ProfileSummary {
    /// The summary of `profile` for `assessment` (its assurance level, or
    /// the profile's default).
    pub fn of(profile: &Profile, assessment: &Assessment) -> Self {
        let assurance = profile.assurance_of(assessment);
        let unknown = || profile.default_assurance.clone();
        Self {
            id: profile.id.clone(),
            version: profile.version.clone(),
            assurance: assurance.map_or_else(unknown, |a| a.id.clone()),
            report_label: assurance.map_or_else(unknown, |a| a.report_label.clone()),
            not_evaluated: NOT_EVALUATED_RULE.to_string(),
        }
    }
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
        profile: &Profile,
    ) -> Self {
        let card = score(model, assessment, basis, &profile.parameters);
        let extensions = extensions
            .iter()
            .map(|extension| score_extension(model, extension, assessment, &card))
            .collect();
        Self {
            schema_version: SCORE_REPORT_SCHEMA_VERSION.to_string(),
            tool,
            model: ModelRef::of(model),
            mode: card.mode,
            basis: card.basis,
            meta: assessment.meta.clone(),
            requirements: card.requirements,
            categories: card.categories,
            modules: card.modules,
            overall: card.overall,
            extensions,
            parameters: card.parameters,
            profile: ProfileSummary::of(profile, assessment),
        }
    }
}
