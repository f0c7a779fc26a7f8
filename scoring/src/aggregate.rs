//! Requirement → category → module → overall aggregation.
//!
//! The rules, from the PKIMM evaluation page and the official workbook:
//! - a category level is the weighted average of its applicable requirement
//!   levels (requirement weights); a requirement that is applicable but not yet
//!   evaluated counts as 0, as in the workbook;
//! - a module level is the weighted average of its applicable category levels
//!   (category weights);
//! - the overall level is the weighted average of all applicable category levels
//!   (category weights); modules do not enter it;
//! - not-applicable items leave both the numerator and the denominator;
//! - the achieved level is the whole part of the value (`TRUNC`).

use schemars::JsonSchema;
use serde::Serialize;

use pkimm_model::{Category, Model};

use crate::arith::{weighted_average, LevelScore};
use crate::assessment::{Assessment, Mode, RequirementEntry, Status};
use crate::profile::ScoringParameters;

/// Which levels count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Only confirmed and overridden levels count: the assessed score.
    Assessed,
    /// Confirmed and overridden levels, and suggested levels where the assessor
    /// has not decided yet: the pre-filled score, always labelled as such.
    Prefilled,
}

/// Where a requirement's counted level came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LevelSource {
    /// The assessor confirmed it.
    Confirmed,
    /// The assessor overrode the suggestion.
    Overridden,
    /// pkimm suggested it (pre-filled basis only).
    Suggested,
    /// Nobody has evaluated it; counts as 0.
    NotEvaluated,
    /// Out of scope; does not count.
    NotApplicable,
}

/// Which requirement a row is about: the part every per-requirement output
/// shares (scores, reports), flattened into each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RequirementRef {
    /// Full id, for example `7.3`.
    pub id: String,
    /// Category id.
    pub category_id: String,
    /// Requirement title.
    pub name: String,
    /// Model weight.
    pub weight: u32,
}

impl RequirementRef {
    /// The reference of `requirement` in `category`.
    pub fn of(category: &Category, requirement: &pkimm_model::Requirement) -> Self {
        Self {
            id: requirement.id.clone(),
            category_id: category.id.clone(),
            name: requirement.name.clone(),
            weight: requirement.weight,
        }
    }
}

/// A requirement's contribution.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RequirementScore {
    /// The requirement.
    #[serde(flatten)]
    pub requirement: RequirementRef,
    /// The assessor status.
    pub status: Status,
    /// The level that counts (0 when not evaluated); absent when not applicable.
    pub level: Option<u8>,
    /// Where the level came from.
    pub source: LevelSource,
    /// The suggested level, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<u8>,
    /// Why not applicable, or the stale note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Counts of requirement outcomes, as the workbook's statistics columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Statistics {
    /// Not applicable.
    pub not_applicable: u32,
    /// Applicable but not evaluated.
    pub not_evaluated: u32,
    /// At level 1.
    pub initial: u32,
    /// At level 2.
    pub basic: u32,
    /// At level 3.
    pub advanced: u32,
    /// At level 4.
    pub managed: u32,
    /// At level 5.
    pub optimized: u32,
}

impl Statistics {
    fn count(&mut self, level: Option<u8>) {
        match level {
            None => self.not_applicable += 1,
            Some(0) => self.not_evaluated += 1,
            Some(1) => self.initial += 1,
            Some(2) => self.basic += 1,
            Some(3) => self.advanced += 1,
            Some(4) => self.managed += 1,
            Some(_) => self.optimized += 1,
        }
    }

    fn add(&mut self, other: &Self) {
        self.not_applicable += other.not_applicable;
        self.not_evaluated += other.not_evaluated;
        self.initial += other.initial;
        self.basic += other.basic;
        self.advanced += other.advanced;
        self.managed += other.managed;
        self.optimized += other.optimized;
    }

    /// Applicable items, evaluated or not.
    pub fn total_applicable(&self) -> u32 {
        self.not_evaluated
            + self.initial
            + self.basic
            + self.advanced
            + self.managed
            + self.optimized
    }
}

/// A category's result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CategoryScore {
    /// Category id.
    pub id: String,
    /// Module id.
    pub module_id: String,
    /// Category name.
    pub name: String,
    /// Model weight.
    pub weight: u32,
    /// The computed level; absent when the category is not applicable.
    pub score: Option<LevelScore>,
    /// Why the category is not applicable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable_reason: Option<String>,
    /// Sum of the weights of the applicable requirements.
    pub applicable_weight: u32,
    /// Requirement outcome counts (in self mode, the category itself).
    pub statistics: Statistics,
    /// Left out of the module and overall averages: a category nobody rated
    /// in self mode, as the official self-assessment workbook does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub left_out: bool,
}

/// A module's result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ModuleScore {
    /// Module id.
    pub id: String,
    /// Module name.
    pub name: String,
    /// The computed level; absent when no category of the module applies.
    pub score: Option<LevelScore>,
    /// Requirement outcome counts over the module.
    pub statistics: Statistics,
}

/// The overall result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct OverallScore {
    /// The computed level; absent when nothing applies.
    pub score: Option<LevelScore>,
    /// Requirement outcome counts over the whole model.
    pub statistics: Statistics,
}

/// The baseline PKIMM result of an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Scorecard {
    /// Model version.
    pub model_version: String,
    /// Full or self-assessment.
    pub mode: Mode,
    /// Which levels counted.
    pub basis: Basis,
    /// Requirement contributions (full mode only).
    pub requirements: Vec<RequirementScore>,
    /// Category results, in model order.
    pub categories: Vec<CategoryScore>,
    /// Module results, in model order.
    pub modules: Vec<ModuleScore>,
    /// The overall result.
    pub overall: OverallScore,
    /// The parameters scored with.
    pub parameters: ScoringParameters,
}

impl Scorecard {
    /// The result of one category.
    pub fn category(&self, id: &str) -> Option<&CategoryScore> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The result of one requirement.
    pub fn requirement(&self, id: &str) -> Option<&RequirementScore> {
        self.requirements.iter().find(|r| r.requirement.id == id)
    }

    /// The result of one module.
    pub fn module(&self, id: &str) -> Option<&ModuleScore> {
        self.modules.iter().find(|m| m.id == id)
    }
}

/// The level an entry contributes under `basis`, and its source. `None` for
/// not applicable.
pub(crate) fn counted_level(
    entry: Option<&RequirementEntry>,
    basis: Basis,
    params: &ScoringParameters,
) -> (Option<u8>, LevelSource) {
    let not_evaluated = (Some(params.minimum_level), LevelSource::NotEvaluated);
    let Some(entry) = entry else {
        return not_evaluated;
    };
    match entry.effective_status() {
        Status::NotApplicable if params.exclude_not_applicable => {
            (None, LevelSource::NotApplicable)
        }
        Status::NotApplicable => (Some(params.minimum_level), LevelSource::NotApplicable),
        Status::Confirmed => (entry.level.map(|l| l.number()), LevelSource::Confirmed),
        Status::Overridden => (entry.level.map(|l| l.number()), LevelSource::Overridden),
        Status::Pending => match (&entry.suggested, basis) {
            (Some(suggestion), Basis::Prefilled) => {
                (Some(suggestion.level.number()), LevelSource::Suggested)
            }
            _ => not_evaluated,
        },
    }
}

fn not_applicable_reason(entry: &RequirementEntry) -> String {
    entry
        .reason
        .clone()
        .or_else(|| entry.justification.clone())
        .unwrap_or_default()
}

/// Scores an assessment that was validated against `model`, with the
/// assessment profile's parameters.
pub fn score(
    model: &Model,
    assessment: &Assessment,
    basis: Basis,
    params: &ScoringParameters,
) -> Scorecard {
    let mut requirements = Vec::new();
    let mut categories = Vec::new();
    for category in model.categories() {
        let (category_score, mut requirement_scores) = match assessment.mode {
            Mode::Full => score_category_full(model, category, assessment, basis, params),
            Mode::SelfAssessment => (
                score_category_self(model, category, assessment, basis, params),
                Vec::new(),
            ),
        };
        requirements.append(&mut requirement_scores);
        categories.push(category_score);
    }
    let modules = model
        .modules
        .iter()
        .map(|module| {
            let members: Vec<&CategoryScore> = categories
                .iter()
                .filter(|c| c.module_id == module.id)
                .collect();
            ModuleScore {
                id: module.id.clone(),
                name: module.name.clone(),
                score: aggregate_categories(model, members.iter().copied()),
                statistics: sum_statistics(members.iter().copied()),
            }
        })
        .collect();
    let overall = OverallScore {
        score: aggregate_categories(model, categories.iter()),
        statistics: sum_statistics(categories.iter()),
    };
    Scorecard {
        model_version: model.version.clone(),
        mode: assessment.mode,
        basis,
        requirements,
        categories,
        modules,
        overall,
        parameters: params.clone(),
    }
}

/// Weighted average of the applicable categories' unrounded levels
/// (categories left out do not count).
fn aggregate_categories<'a>(
    model: &Model,
    categories: impl Iterator<Item = &'a CategoryScore>,
) -> Option<LevelScore> {
    weighted_average(
        categories
            .filter(|c| !c.left_out)
            .filter_map(|c| c.score.as_ref().map(|s| (s.value, f64::from(c.weight)))),
    )
    .map(|v| LevelScore::new(v, model))
}

fn sum_statistics<'a>(categories: impl Iterator<Item = &'a CategoryScore>) -> Statistics {
    let mut total = Statistics::default();
    for category in categories {
        total.add(&category.statistics);
    }
    total
}

fn score_category_full(
    model: &Model,
    category: &Category,
    assessment: &Assessment,
    basis: Basis,
    params: &ScoringParameters,
) -> (CategoryScore, Vec<RequirementScore>) {
    let scoped_out = assessment.category_not_applicable(&category.id);
    let mut statistics = Statistics::default();
    let mut requirement_scores = Vec::with_capacity(category.requirements.len());
    let mut weighted = Vec::with_capacity(category.requirements.len());
    for requirement in &category.requirements {
        let entry = assessment.requirements.get(&requirement.id);
        let (level, source, note) = match scoped_out {
            Some(category_entry) => (
                None,
                LevelSource::NotApplicable,
                Some(format!(
                    "category {} not applicable: {}",
                    category.id,
                    not_applicable_reason(category_entry)
                )),
            ),
            None => {
                let (level, source) = counted_level(entry, basis, params);
                let note = entry.and_then(|e| {
                    if source == LevelSource::NotApplicable {
                        Some(not_applicable_reason(e))
                    } else {
                        e.stale.clone().map(|s| format!("stale: {s}"))
                    }
                });
                (level, source, note)
            }
        };
        statistics.count(level);
        if let Some(level) = level {
            weighted.push((f64::from(level), f64::from(requirement.weight)));
        }
        requirement_scores.push(RequirementScore {
            requirement: RequirementRef::of(category, requirement),
            status: entry.map_or(Status::Pending, RequirementEntry::effective_status),
            level,
            source,
            suggested: entry
                .and_then(|e| e.suggested.as_ref())
                .map(|s| s.level.number()),
            note,
        });
    }
    let applicable_weight: u32 = weighted.iter().map(|(_, w)| *w as u32).sum();
    let score = weighted_average(weighted).map(|v| LevelScore::new(v, model));
    let not_applicable_reason = match (scoped_out, &score) {
        (Some(entry), _) => Some(not_applicable_reason(entry)),
        (None, None) => Some("no applicable requirement".to_string()),
        (None, Some(_)) => None,
    };
    (
        CategoryScore {
            id: category.id.clone(),
            module_id: category.module_id.clone(),
            name: category.name.clone(),
            weight: category.weight,
            score,
            not_applicable_reason,
            applicable_weight,
            statistics,
            left_out: false,
        },
        requirement_scores,
    )
}

fn score_category_self(
    model: &Model,
    category: &Category,
    assessment: &Assessment,
    basis: Basis,
    params: &ScoringParameters,
) -> CategoryScore {
    let entry = assessment.categories.get(&category.id);
    let (level, source) = counted_level(entry, basis, params);
    let mut statistics = Statistics::default();
    statistics.count(level);
    CategoryScore {
        id: category.id.clone(),
        module_id: category.module_id.clone(),
        name: category.name.clone(),
        weight: category.weight,
        score: level.map(|l| LevelScore::new(f64::from(l), model)),
        not_applicable_reason: match level {
            None => entry.map(not_applicable_reason),
            Some(_) => None,
        },
        applicable_weight: if level.is_some() {
            category.total_requirement_weight()
        } else {
            0
        },
        statistics,
        left_out: source == LevelSource::NotEvaluated,
    }
}
