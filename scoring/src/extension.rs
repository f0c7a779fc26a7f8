//! Extension scoring, exactly as the PKIMM "Scoring model" page for extensions
//! sets it out, for one extension at a time:
//!
//! 1. requirement overlays give effective requirement weights;
//! 2. `Level_C` is the weighted average of requirement levels with those weights
//!    (in self-assessment, the entered category level), and `WeightSum_C` is the
//!    sum of the effective weights of the applicable requirements;
//! 3. relevance blends in: `(Level_C·WeightSum_C + RelLevel_C·RelWeight_C) /
//!    (WeightSum_C + RelWeight_C)`;
//! 4. category overlays give `effective_category_weight`;
//! 5. the extension score is the weighted average of the extension category
//!    levels over the extension's scope (the categories it has relevance or
//!    overlays for), and the floor score is their minimum.
//!
//! The extension-weighted PKIMM score re-weights the baseline category levels of
//! all applicable categories with the effective category weights.
//!
//! A relevance level the assessor has not given counts as 0 ("not evaluated"),
//! as unevaluated requirements do in the baseline.

use schemars::JsonSchema;
use serde::Serialize;

use pkimm_model::{Extension, Model};

use crate::aggregate::{counted_level, Basis, LevelSource, Scorecard};
use crate::arith::{blend_relevance, weighted_average, LevelScore};
use crate::assessment::{Assessment, Mode};

/// The relevance signal of one category.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RelevanceScore {
    /// The relevance level that counts (0 when not evaluated).
    pub level: u8,
    /// Where it came from.
    pub source: LevelSource,
    /// The relevance weight `RelWeight_C`.
    pub weight: f64,
    /// What the evidence shows beside it (`pkimm assess --extension`); it
    /// never sets the level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_note: Option<String>,
}

/// One category in an extension's scope.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ExtensionCategoryScore {
    /// Category id.
    pub id: String,
    /// Category name.
    pub name: String,
    /// `Level_C`, with requirement overlays applied; absent when not applicable.
    pub level: Option<f64>,
    /// `WeightSum_C`: the effective weights of the applicable requirements.
    pub weight_sum: f64,
    /// The relevance signal, when the extension defines one for the category.
    pub relevance: Option<RelevanceScore>,
    /// `ExtensionCategoryLevel_C`; absent when the category is not applicable.
    pub extension_level: Option<LevelScore>,
    /// The model's category weight.
    pub base_weight: u32,
    /// `effective_category_weight`.
    pub effective_weight: f64,
}

/// An extension's result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ExtensionScore {
    /// Extension id.
    pub id: String,
    /// Extension name.
    pub name: String,
    /// Extension version.
    pub version: String,
    /// Which levels counted.
    pub basis: Basis,
    /// The categories in the extension's scope.
    pub categories: Vec<ExtensionCategoryScore>,
    /// The extension progress score.
    pub score: Option<LevelScore>,
    /// The floor score, when the extension asks for one.
    pub floor: Option<LevelScore>,
    /// The PKIMM score with extension-adjusted category weights.
    pub weighted_pkimm: Option<LevelScore>,
}

/// Scores one extension for a validated assessment whose baseline is `baseline`.
pub fn score_extension(
    model: &Model,
    extension: &Extension,
    assessment: &Assessment,
    baseline: &Scorecard,
) -> ExtensionScore {
    let basis = baseline.basis;
    let inputs = assessment.extensions.get(&extension.id);
    let categories: Vec<ExtensionCategoryScore> = extension
        .scope(model)
        .into_iter()
        .map(|category| {
            let baseline_category = baseline
                .category(&category.id)
                .expect("the scorecard covers every model category");
            let applicable = baseline_category.score.is_some();
            // Step 1 and 2: effective requirement weights and Level_C.
            let mut weight_sum = 0.0;
            let mut weighted = Vec::new();
            for requirement in &category.requirements {
                let effective = extension
                    .requirement_overlay(&requirement.id)
                    .map_or(f64::from(requirement.weight), |o| {
                        o.kind.apply(f64::from(requirement.weight))
                    });
                let level = match assessment.mode {
                    Mode::Full => baseline.requirement(&requirement.id).and_then(|r| r.level),
                    Mode::SelfAssessment => applicable.then_some(0),
                };
                if level.is_some() {
                    weight_sum += effective;
                    weighted.push((f64::from(level.unwrap_or(0)), effective));
                }
            }
            let level = if !applicable {
                None
            } else {
                match assessment.mode {
                    Mode::Full => weighted_average(weighted),
                    Mode::SelfAssessment => baseline_category
                        .score
                        .as_ref()
                        .filter(|_| !baseline_category.left_out)
                        .map(|s| s.value),
                }
            };
            // Step 3: relevance.
            let relevance = extension.relevance_for(&category.id).map(|rel| {
                let entry = inputs.and_then(|i| i.relevance.get(&category.id));
                let (counted, source) = counted_level(entry, basis, &baseline.parameters);
                RelevanceScore {
                    level: counted.unwrap_or(0),
                    source,
                    weight: rel.weight,
                    evidence_note: entry.and_then(|e| e.note.clone()),
                }
            });
            let extension_level = level.map(|level| match &relevance {
                Some(rel) => LevelScore::new(
                    blend_relevance(level, weight_sum, f64::from(rel.level), rel.weight),
                    model,
                ),
                None => LevelScore::new(level, model),
            });
            // Step 4: category overlay.
            let effective_weight = extension
                .category_overlay(&category.id)
                .map_or(f64::from(category.weight), |o| {
                    o.kind.apply(f64::from(category.weight))
                });
            ExtensionCategoryScore {
                id: category.id.clone(),
                name: category.name.clone(),
                level,
                weight_sum,
                relevance,
                extension_level,
                base_weight: category.weight,
                effective_weight,
            }
        })
        .collect();

    // Step 5: the extension score and the floor.
    let in_scope = || {
        categories.iter().filter_map(|c| {
            c.extension_level
                .as_ref()
                .map(|l| (l.value, c.effective_weight))
        })
    };
    let score = weighted_average(in_scope()).map(|v| LevelScore::new(v, model));
    let floor = if extension.floor_score {
        in_scope()
            .map(|(value, _)| value)
            .reduce(f64::min)
            .map(|v| LevelScore::new(v, model))
    } else {
        None
    };
    let weighted_pkimm = weighted_average(
        baseline
            .categories
            .iter()
            .filter(|c| !c.left_out)
            .filter_map(|c| {
                let weight = extension
                    .category_overlay(&c.id)
                    .map_or(f64::from(c.weight), |o| o.kind.apply(f64::from(c.weight)));
                c.score.as_ref().map(|s| (s.value, weight))
            }),
    )
    .map(|v| LevelScore::new(v, model));

    ExtensionScore {
        id: extension.id.clone(),
        name: extension.name.clone(),
        version: extension.version.clone(),
        basis,
        categories,
        score,
        floor,
        weighted_pkimm,
    }
}
