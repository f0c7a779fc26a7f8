//! What a report advises and compares: recommendations for the next level
//! and the changes since a previous assessment.

use pkimm_model::Model;
use pkimm_scoring::aggregate::Basis;
use pkimm_scoring::profile::Profile;
use pkimm_scoring::report::ToolRef;
use pkimm_scoring::{Assessment, ScoreReport, Status};
use schemars::JsonSchema;
use serde::Serialize;

use super::findings::FindingRow;
use super::RequirementRow;

/// Advice for one category.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Recommendation {
    /// Category id.
    pub category_id: String,
    /// Category name.
    pub category: String,
    /// The current whole level (0 when not evaluated).
    pub current_level: u8,
    /// The next level.
    pub target_level: u8,
    /// Requirements below the target, heaviest first, with what to do.
    pub actions: Vec<String>,
}

/// Changes since a previous assessment.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Comparison {
    /// The previous overall value.
    pub previous_overall: Option<f64>,
    /// The change of the overall value.
    pub overall_delta: Option<f64>,
    /// Per-category (previous, current) values that changed.
    pub categories: Vec<CategoryChange>,
    /// Requirements whose level changed.
    pub requirements: Vec<RequirementChange>,
}

/// A category value change.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CategoryChange {
    /// Category id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Previous value.
    pub previous: Option<f64>,
    /// Current value.
    pub current: Option<f64>,
}

/// A requirement level change.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequirementChange {
    /// Requirement id.
    pub id: String,
    /// Previous level.
    pub previous: Option<u8>,
    /// Current level.
    pub current: Option<u8>,
}

pub(super) fn recommendations(
    model: &Model,
    assessed: &ScoreReport,
    requirements: &[RequirementRow],
    findings: &[FindingRow],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    for category in &assessed.categories {
        let Some(score) = &category.score else {
            continue;
        };
        if score.level >= 5 {
            continue;
        }
        let target = score.level + 1;
        let mut below: Vec<&RequirementRow> = requirements
            .iter()
            .filter(|r| {
                r.requirement.category_id == category.id
                    && r.status != Status::NotApplicable
                    && r.level.unwrap_or(0) < target
            })
            .collect();
        below.sort_by(|a, b| {
            b.requirement
                .weight
                .cmp(&a.requirement.weight)
                .then(a.requirement.id.cmp(&b.requirement.id))
        });
        let actions = below
            .iter()
            .take(5)
            .map(|r| {
                let remediation = findings
                    .iter()
                    .find(|f| f.pkimm.contains(&r.requirement.id) && !f.remediation.is_empty())
                    .map(|f| format!(" Start with: {}", f.remediation.trim()))
                    .unwrap_or_default();
                let now = r
                    .level
                    .map_or_else(|| "not evaluated".to_string(), |l| format!("level {l}"));
                let level_name = model.level_name(target);
                format!(
                    "{} {} ({now}, weight {}): bring it to level {target} ({level_name}).{remediation}",
                    r.requirement.id, r.requirement.name, r.requirement.weight
                )
            })
            .collect();
        out.push(Recommendation {
            category_id: category.id.clone(),
            category: category.name.clone(),
            current_level: score.level,
            target_level: target,
            actions,
        });
    }
    out
}

pub(super) fn compare(
    model: &Model,
    previous: &Assessment,
    current: &ScoreReport,
    extensions: &[pkimm_model::Extension],
    profile: &Profile,
) -> Comparison {
    let before = ScoreReport::build(
        ToolRef::pkimm(),
        model,
        previous,
        extensions,
        Basis::Assessed,
        profile,
    );
    let previous_overall = before.overall.score.as_ref().map(|s| s.value);
    let current_overall = current.overall.score.as_ref().map(|s| s.value);
    let categories = current
        .categories
        .iter()
        .filter_map(|c| {
            let old = before.categories.iter().find(|o| o.id == c.id)?;
            let (p, n) = (
                old.score.as_ref().map(|s| s.value),
                c.score.as_ref().map(|s| s.value),
            );
            let changed = match (p, n) {
                (Some(p), Some(n)) => (p - n).abs() > 1e-9,
                (None, None) => false,
                _ => true,
            };
            changed.then(|| CategoryChange {
                id: c.id.clone(),
                name: c.name.clone(),
                previous: p,
                current: n,
            })
        })
        .collect();
    let requirements = current
        .requirements
        .iter()
        .filter_map(|r| {
            let old = before
                .requirements
                .iter()
                .find(|o| o.requirement.id == r.requirement.id)?;
            (old.level != r.level).then(|| RequirementChange {
                id: r.requirement.id.clone(),
                previous: old.level,
                current: r.level,
            })
        })
        .collect();
    Comparison {
        previous_overall,
        overall_delta: match (previous_overall, current_overall) {
            (Some(p), Some(c)) => Some(c - p),
            _ => None,
        },
        categories,
        requirements,
    }
}
