//! Several assessments side by side (`pkimm compare`): the comparison
//! document, rendered by [`markdown`] and [`html`] (and as JSON by serde).

pub mod html;
pub mod markdown;

use schemars::JsonSchema;
use serde::Serialize;

use pkimm_scoring::{Basis, ScoreReport};

/// Layout version of the comparison document.
pub const COMPARISON_SCHEMA_VERSION: &str = "1.0.0";

/// One assessment compared.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Compared {
    /// How it is called in the tables: its name, use case or file name.
    pub label: String,
    /// The file it was read from.
    pub file: String,
    /// Its overall level.
    pub overall: Option<f64>,
}

/// One category, module or the overall level across the assessments.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LevelRow {
    /// Category or module id, or `overall`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The level in each assessment, in order; absent where not applicable.
    pub levels: Vec<Option<f64>>,
    /// Highest minus lowest level.
    pub spread: Option<f64>,
    /// Which assessment is lowest (its label), when they differ.
    pub lowest: Option<String>,
    /// Which is highest, when they differ.
    pub highest: Option<String>,
}

/// A requirement where the assessments differ.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RequirementDivergence {
    /// Requirement id.
    pub id: String,
    /// Its title.
    pub name: String,
    /// Category id.
    pub category_id: String,
    /// The counted level in each assessment; absent where not applicable.
    pub levels: Vec<Option<u8>>,
    /// Highest minus lowest level.
    pub spread: u8,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ComparisonDocument {
    /// Layout version.
    pub schema_version: String,
    /// PKIMM model version of every assessment.
    pub model_version: String,
    /// Which levels counted.
    pub basis: Basis,
    /// The assessments, in the order given.
    pub assessments: Vec<Compared>,
    /// Categories in model order.
    pub categories: Vec<LevelRow>,
    /// Modules in model order.
    pub modules: Vec<LevelRow>,
    /// The overall level.
    pub overall: LevelRow,
    /// Requirements where the levels differ most, largest spread first
    /// (full assessments only).
    pub divergent_requirements: Vec<RequirementDivergence>,
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn level_row(id: &str, name: &str, levels: Vec<Option<f64>>, labels: &[String]) -> LevelRow {
    let present: Vec<(usize, f64)> = levels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((i, (*l)?)))
        .collect();
    let low = present.iter().min_by(|a, b| a.1.total_cmp(&b.1)).copied();
    let high = present.iter().max_by(|a, b| a.1.total_cmp(&b.1)).copied();
    let differ = matches!((low, high), (Some(l), Some(h)) if h.1 > l.1);
    LevelRow {
        id: id.to_string(),
        name: name.to_string(),
        spread: low.zip(high).map(|(l, h)| round2(h.1 - l.1)),
        lowest: low.filter(|_| differ).map(|(i, _)| labels[i].clone()),
        highest: high.filter(|_| differ).map(|(i, _)| labels[i].clone()),
        levels,
    }
}

/// Compares `reports` (same model version), labelled `labels`, read from `files`.
pub fn compare(
    reports: &[ScoreReport],
    labels: &[String],
    files: &[String],
    top: usize,
) -> ComparisonDocument {
    let first = &reports[0];
    let value = |s: Option<&pkimm_scoring::LevelScore>| s.map(|s| round2(s.value));
    let categories = first
        .categories
        .iter()
        .map(|c| {
            let levels = reports
                .iter()
                .map(|r| {
                    r.categories
                        .iter()
                        .find(|x| x.id == c.id)
                        .and_then(|x| value(x.score.as_ref()))
                })
                .collect();
            level_row(&c.id, &c.name, levels, labels)
        })
        .collect();
    let modules = first
        .modules
        .iter()
        .map(|m| {
            let levels = reports
                .iter()
                .map(|r| {
                    r.modules
                        .iter()
                        .find(|x| x.id == m.id)
                        .and_then(|x| value(x.score.as_ref()))
                })
                .collect();
            level_row(&m.id, &m.name, levels, labels)
        })
        .collect();
    let overall = level_row(
        "overall",
        "Overall",
        reports
            .iter()
            .map(|r| value(r.overall.score.as_ref()))
            .collect(),
        labels,
    );
    let mut divergent: Vec<RequirementDivergence> = first
        .requirements
        .iter()
        .filter_map(|req| {
            let levels: Vec<Option<u8>> = reports
                .iter()
                .map(|r| {
                    r.requirements
                        .iter()
                        .find(|x| x.requirement.id == req.requirement.id)
                        .and_then(|x| x.level)
                })
                .collect();
            let present: Vec<u8> = levels.iter().flatten().copied().collect();
            let spread = present.iter().max()? - present.iter().min()?;
            (spread > 0).then(|| RequirementDivergence {
                id: req.requirement.id.clone(),
                name: req.requirement.name.clone(),
                category_id: req.requirement.category_id.clone(),
                levels,
                spread,
            })
        })
        .collect();
    divergent.sort_by(|a, b| b.spread.cmp(&a.spread).then_with(|| a.id.cmp(&b.id)));
    divergent.truncate(top);
    ComparisonDocument {
        schema_version: COMPARISON_SCHEMA_VERSION.to_string(),
        model_version: first.model.version.clone(),
        basis: first.basis,
        assessments: reports
            .iter()
            .zip(labels)
            .zip(files)
            .map(|((r, label), file)| Compared {
                label: label.clone(),
                file: file.clone(),
                overall: value(r.overall.score.as_ref()),
            })
            .collect(),
        categories,
        modules,
        overall,
        divergent_requirements: divergent,
    }
}

/// A level for a table cell: two decimals, or `n/a`.
pub(crate) fn cell(level: Option<f64>) -> String {
    level.map_or_else(|| "n/a".to_string(), |l| format!("{l:.2}"))
}
