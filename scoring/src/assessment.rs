//! The assessment file: what an assessor (or pkimm's pre-fill) says about each
//! requirement or category, validated against a [`Model`].
//!
//! The file is YAML or JSON that a person can edit:
//!
//! ```yaml
//! schema_version: 1
//! model: "1.1.0"
//! mode: full                 # full: requirement levels; self: category levels
//! meta:
//!   organisation: Example Ltd
//!   scope: Corporate issuing PKI
//!   assessor: A. Assessor
//!   date: 2026-11-20
//! categories:
//!   "9": { status: not_applicable, reason: "Change management is out of scope" }
//! requirements:
//!   "7.3":
//!     status: confirmed      # pending | confirmed | overridden | not_applicable
//!     level: 3
//!     justification: Renewal runbook reviewed
//!     assessor: A. Assessor
//! extensions:
//!   pqc:
//!     relevance:
//!       "1": { level: 2 }
//! ```
//!
//! An entry with a `level` and no `status` is taken as confirmed. Only confirmed
//! and overridden levels count in the assessed score; pending entries count as
//! "not evaluated" (level 0), exactly as the official workbook does.

use std::collections::BTreeMap;
use std::path::Path;

use pkimm_model::diag::{from_yaml_str, join_key, DocumentError, Located};
use pkimm_model::read::{read_text_file, MAX_DOCUMENT_BYTES};
use pkimm_model::{Level, Model, ReadError};
use pkimm_rules::criteria::CriterionType;
use pkimm_rules::Severity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The assessment file schema version this crate reads and writes.
pub const ASSESSMENT_SCHEMA_VERSION: u32 = 1;

/// Why an assessment could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssessmentError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file is not a valid assessment for the model.
    #[error("invalid assessment file")]
    Invalid(#[from] DocumentError),
}

/// How category levels are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Requirement levels are assessed; category levels are computed.
    #[default]
    Full,
    /// Category levels are entered directly.
    #[serde(rename = "self")]
    SelfAssessment,
}

/// The assessor's decision on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not decided yet; counts as "not evaluated".
    Pending,
    /// The assessor confirmed the level (often the suggested one).
    Confirmed,
    /// The assessor set a level different from the suggestion.
    Overridden,
    /// Out of scope; leaves both the numerator and the denominator.
    NotApplicable,
}

impl Status {
    /// The name used in files and reports: `pending`, `confirmed`,
    /// `overridden` or `not_applicable`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Overridden => "overridden",
            Self::NotApplicable => "not_applicable",
        }
    }
}

/// How sure pkimm is about a suggested level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Few observations.
    Low,
    /// Partial coverage.
    Medium,
    /// Broad coverage.
    High,
}

impl Confidence {
    /// The name used in files and reports: `low`, `medium` or `high`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// A level suggested from evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suggestion {
    /// The suggested level.
    pub level: Level,
    /// How sure the suggestion is.
    pub confidence: Confidence,
    /// Why, in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rationale: String,
    /// References to the evidence and findings behind it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The ceiling that bounds the level, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<String>,
}

/// What the evidence shows about a requirement, criterion by criterion,
/// whether or not it gives a level. pkimm writes it; assessors read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    /// The criteria the evidence speaks to, with counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidences: Vec<CriterionEvidence>,
    /// The criteria it cannot evidence, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cannot_evidence: Vec<CriterionGap>,
    /// Failing findings that contradict a criterion.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contradicting: Vec<RuleObservation>,
    /// Findings of rules related to the requirement without evidencing a
    /// criterion; they never move a level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RuleObservation>,
    /// The ceilings that apply, lowest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ceilings: Vec<Ceiling>,
    /// What the evidence covers of the declared scope.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
}

/// What the evidence shows about one criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionEvidence {
    /// Local criterion id (`c5`).
    pub criterion: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: CriterionType,
    /// The official wording.
    pub text: String,
    /// Records evaluated for it.
    pub records: u64,
    /// Of those, records that conform.
    pub conforming: u64,
    /// In words: "12 of 19 certificates conform".
    pub summary: String,
}

/// A criterion the evidence cannot speak to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionGap {
    /// Local criterion id.
    pub criterion: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: CriterionType,
    /// The official wording.
    pub text: String,
    /// Why evidence cannot show it (or that the assessor confirmed it).
    pub why: String,
}

/// The failing findings of one rule on a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleObservation {
    /// Rule id.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// Severity of its failures.
    pub severity: Severity,
    /// The criteria it contradicts (local ids), for contradicting findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<String>,
    /// Records it evaluated.
    pub evaluated: u64,
    /// Records failing it, waived ones included.
    pub failing: u64,
    /// Of those, waived under an approved exception.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub excepted: u64,
    /// A few failing records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A ceiling on a pre-filled level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ceiling {
    /// The highest level it allows (0: no number at all).
    pub level: u8,
    /// Why.
    pub reason: String,
}

/// An assessor's decision on one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionDecision {
    /// Whether the criterion is met.
    pub met: bool,
    /// Why (the document, its version, its approval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessor: Option<String>,
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// Descriptive data about the assessment, used in reports. The assessment
/// profile's subject fields map onto it: `assessmentName`,
/// `organizationName`, `assessorName` and `useCaseDescription` are
/// `assessment_name`, `organisation`, `assessor` and `use_case`; any other
/// subject field goes in `subject`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// The assessment's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment_name: Option<String>,
    /// The assessed organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The assessed PKI use case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_case: Option<String>,
    /// The scope of the assessment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The responsible assessor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessor: Option<String>,
    /// The assessment date (free text, ISO 8601 recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The assessment period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Other subject fields of the assessment profile, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub subject: BTreeMap<String, String>,
}

impl Meta {
    /// The value of subject field `key` of the assessment profile.
    pub fn subject_field(&self, key: &str) -> Option<&str> {
        match key {
            "assessmentName" => self.assessment_name.as_deref(),
            "organizationName" => self.organisation.as_deref(),
            "assessorName" => self.assessor.as_deref(),
            "useCaseDescription" => self.use_case.as_deref(),
            other => self.subject.get(other).map(String::as_str),
        }
    }
}

/// The assessment profile an assessment follows, and its assurance level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRef {
    /// Profile id, such as `pkimm-self-assessment`.
    pub id: String,
    /// Profile version.
    pub version: String,
    /// Assurance profile id: `self`, `qualified-third-party` or
    /// `pkic-certified`.
    pub assurance: String,
}

/// One requirement's entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementEntry {
    /// The assessor's decision; defaults to confirmed when a level is set, else pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The level the assessor set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Why this level, or why not applicable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Why the item is not applicable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessor: Option<String>,
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The level pkimm suggests from evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested: Option<Suggestion>,
    /// Set when new evidence moved the suggestion away from the confirmed level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
    /// A note from pkimm, such as "needs assessor" when no evidence touches
    /// the requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the evidence shows, criterion by criterion (pkimm writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
    /// The assessor's decisions on single criteria, by local id (`c2`).
    /// Confirming a requirement's documented (D) criteria lets evidence
    /// suggest up to level 3.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub criteria: BTreeMap<String, CriterionDecision>,
    /// How many decisions have been made on the entry (its criteria
    /// included); a front end that saw an older revision must not save over
    /// a newer one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u64,
}

impl RequirementEntry {
    /// The effective status: explicit, or confirmed when a level is set.
    pub fn effective_status(&self) -> Status {
        match (self.status, self.level) {
            (Some(status), _) => status,
            (None, Some(_)) => Status::Confirmed,
            (None, None) => Status::Pending,
        }
    }
}

/// One category's entry: scoping (not applicable) in either mode, and the
/// category level in self-assessment mode.
pub type CategoryEntry = RequirementEntry;

/// An extension's assessor inputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionEntry {
    /// Relevance levels, keyed by category id.
    #[serde(default)]
    pub relevance: BTreeMap<String, RequirementEntry>,
}

/// A whole assessment document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// Schema version of the file; currently 1.
    pub schema_version: u32,
    /// The PKIMM version the assessment is made against.
    pub model: String,
    /// Full or self-assessment.
    #[serde(default)]
    pub mode: Mode,
    /// Descriptive data for reports.
    #[serde(default)]
    pub meta: Meta,
    /// The assessment profile and assurance level (default: the official
    /// self-assessment profile, `self`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileRef>,
    /// Category entries keyed by category id.
    #[serde(default)]
    pub categories: BTreeMap<String, CategoryEntry>,
    /// Requirement entries keyed by full requirement id (`7.3`).
    #[serde(default)]
    pub requirements: BTreeMap<String, RequirementEntry>,
    /// Extension inputs keyed by extension id.
    #[serde(default)]
    pub extensions: BTreeMap<String, ExtensionEntry>,
    /// The evidence the suggestions were last computed from (written by
    /// `pkimm assess`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<PrefillInfo>,
    /// Decisions on requirements that `pkimm migrate` found removed in the
    /// new model, kept as they were, keyed by `VERSION:ID`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retired: BTreeMap<String, Retired>,
    /// Every assessor decision, oldest first (appended, never rewritten).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit: Vec<crate::audit::AuditEntry>,
}

/// A decision on a requirement the model in use no longer has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retired {
    /// The model version the decision was made against.
    pub model: String,
    /// The requirement's id there.
    pub id: String,
    /// Its title.
    pub name: String,
    /// Why the new model removed it.
    pub why: String,
    /// Where its concerns went in the new model.
    #[serde(default)]
    pub successors: Vec<String>,
    /// The decision, as it was.
    pub entry: RequirementEntry,
}

/// Where the current suggestions came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefillInfo {
    /// When the suggestions were computed (RFC 3339).
    pub at: String,
    /// The tool that computed them.
    pub tool: String,
    /// Evidence records evaluated, by kind.
    #[serde(default)]
    pub records: BTreeMap<String, u64>,
    /// Requirements with a suggestion.
    #[serde(default)]
    pub suggested: u32,
    /// Unwaived failing findings by severity.
    #[serde(default)]
    pub findings: BTreeMap<String, u64>,
}

impl Assessment {
    /// An empty full assessment for `model`.
    pub fn new(model: &Model, mode: Mode) -> Self {
        Self {
            schema_version: ASSESSMENT_SCHEMA_VERSION,
            model: model.version.clone(),
            mode,
            meta: Meta::default(),
            profile: None,
            categories: BTreeMap::new(),
            requirements: BTreeMap::new(),
            extensions: BTreeMap::new(),
            prefill: None,
            retired: BTreeMap::new(),
            audit: Vec::new(),
        }
    }

    /// Whether the category was scoped out.
    pub fn category_not_applicable(&self, category_id: &str) -> Option<&CategoryEntry> {
        self.categories
            .get(category_id)
            .filter(|e| e.effective_status() == Status::NotApplicable)
    }
}

/// Loads an assessment file and validates it against `model`.
pub fn load_assessment_file(path: &Path, model: &Model) -> Result<Assessment, AssessmentError> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    Ok(parse_assessment(&path.display().to_string(), &text, model)?)
}

/// The model version an assessment file declares (its `model:` key), read
/// before the model to validate it against is chosen.
pub fn declared_model_version(origin: &str, text: &str) -> Result<String, DocumentError> {
    #[derive(Deserialize)]
    struct Head {
        model: String,
    }
    Ok(from_yaml_str::<Head>(origin, text)?.model)
}

/// Parses assessment YAML or JSON text and validates it against `model`.
/// Requirement and category keys may be short forms or 1.1.0 numbers (for a
/// 2.0.0 assessment); they become canonical ids.
pub fn parse_assessment(
    origin: &str,
    text: &str,
    model: &Model,
) -> Result<Assessment, DocumentError> {
    let mut assessment: Assessment = from_yaml_str(origin, text)?;
    let located = Located::new(origin, text);
    canonical_keys(&mut assessment, model, &located)?;
    validate_assessment(&assessment, model, &located)?;
    Ok(assessment)
}

/// Rewrites requirement and category keys to the model's canonical ids. An
/// id nothing resolves is left for [`validate_assessment`] to report.
fn canonical_keys(
    assessment: &mut Assessment,
    model: &Model,
    located: &Located<'_>,
) -> Result<(), DocumentError> {
    if assessment.model != model.version {
        return Ok(());
    }
    let requirements = std::mem::take(&mut assessment.requirements);
    assessment.requirements = rekey(requirements, "requirements", located, |id| {
        model
            .resolve_requirement(id)
            .ok()
            .map(|(r, _)| r.id.clone())
    })?;
    let categories = std::mem::take(&mut assessment.categories);
    assessment.categories = rekey(categories, "categories", located, |id| {
        model.resolve_category(id).ok().map(|(c, _)| c.id.clone())
    })?;
    for (name, extension) in &mut assessment.extensions {
        let relevance = std::mem::take(&mut extension.relevance);
        let path = join_key(&join_key("extensions", name), "relevance");
        extension.relevance = rekey(relevance, &path, located, |id| {
            model.resolve_category(id).ok().map(|(c, _)| c.id.clone())
        })?;
    }
    Ok(())
}

/// `entries` with each key replaced by `canonical(key)` where it resolves;
/// two keys naming one item are an error.
fn rekey(
    entries: BTreeMap<String, RequirementEntry>,
    section: &str,
    located: &Located<'_>,
    canonical: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, RequirementEntry>, DocumentError> {
    let mut out: BTreeMap<String, RequirementEntry> = BTreeMap::new();
    let mut written: BTreeMap<String, String> = BTreeMap::new();
    for (key, entry) in entries {
        let id = canonical(&key).unwrap_or_else(|| key.clone());
        if let Some(first) = written.get(&id) {
            return Err(located.error(
                &join_key(section, &key),
                format!("{key:?} and {first:?} both name {id}; keep one"),
            ));
        }
        written.insert(id.clone(), key);
        out.insert(id, entry);
    }
    Ok(out)
}

/// Checks an assessment against a model, reporting the first problem with its
/// field path and line.
pub fn validate_assessment(
    assessment: &Assessment,
    model: &Model,
    located: &Located<'_>,
) -> Result<(), DocumentError> {
    if assessment.schema_version != ASSESSMENT_SCHEMA_VERSION {
        return Err(located.error(
            "schema_version",
            format!(
                "unsupported assessment schema version {}; pkimm reads {ASSESSMENT_SCHEMA_VERSION}",
                assessment.schema_version
            ),
        ));
    }
    if assessment.model != model.version {
        return Err(located.error(
            "model",
            format!(
                "the assessment is for PKIMM {} but the model in use is {}; pass --model with the matching model file",
                assessment.model, model.version
            ),
        ));
    }
    for (id, entry) in &assessment.categories {
        let path = join_key("categories", id);
        if model.category(id).is_none() {
            return Err(located.error(
                &path,
                format!(
                    "unknown category {id:?} in PKIMM {} (such as {})",
                    model.version,
                    model.categories().next().map_or("", |c| c.id.as_str())
                ),
            ));
        }
        check_entry(entry, &path, located)?;
        if assessment.mode == Mode::Full && entry.level.is_some() {
            return Err(located.error(
                &join_key(&path, "level"),
                "category levels are entered only in self-assessment mode (mode: self); in full mode set requirement levels",
            ));
        }
    }
    if assessment.mode == Mode::SelfAssessment {
        if let Some(id) = assessment.requirements.keys().next() {
            return Err(located.error(
                &join_key("requirements", id),
                "requirement entries are not used in self-assessment mode (mode: self); use mode: full or enter category levels",
            ));
        }
    }
    for (id, entry) in &assessment.requirements {
        let path = join_key("requirements", id);
        if model.requirement(id).is_none() {
            let message = match model.resolve_requirement(id) {
                Err(e) => e.to_string(),
                Ok(_) => format!("unknown requirement {id:?} in PKIMM {}", model.version),
            };
            return Err(located.error(&path, message));
        }
        check_entry(entry, &path, located)?;
        check_criteria(entry, id, model, &path, located)?;
    }
    for (id, extension) in &assessment.extensions {
        let extension_path = join_key("extensions", id);
        for (category, entry) in &extension.relevance {
            let path = join_key(&join_key(&extension_path, "relevance"), category);
            if model.category(category).is_none() {
                return Err(located.error(
                    &path,
                    format!("unknown category {category:?} in PKIMM {}", model.version),
                ));
            }
            check_entry(entry, &path, located)?;
        }
    }
    Ok(())
}

/// Checks that the criterion decisions of a requirement name its criteria.
fn check_criteria(
    entry: &RequirementEntry,
    id: &str,
    model: &Model,
    path: &str,
    located: &Located<'_>,
) -> Result<(), DocumentError> {
    if entry.criteria.is_empty() {
        return Ok(());
    }
    let criteria = pkimm_model::crosswalk::crosswalk()
        .requirement_in_2_0(&model.version, id)
        .and_then(|v2| pkimm_rules::criteria::Catalog::builtin().requirement(v2));
    let Some(criteria) = criteria else {
        return Err(located.error(
            &join_key(path, "criteria"),
            format!("{id} has no PKIMM 2.0.0 assessment criteria to decide"),
        ));
    };
    for local in entry.criteria.keys() {
        if criteria.criterion(local).is_none() {
            let known: Vec<&str> = criteria.criteria.iter().map(|c| c.id.as_str()).collect();
            return Err(located.error(
                &join_key(&join_key(path, "criteria"), local),
                format!(
                    "{id} has no criterion {local} (its criteria are {})",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the status/level/reason combination of one entry.
fn check_entry(
    entry: &RequirementEntry,
    path: &str,
    located: &Located<'_>,
) -> Result<(), DocumentError> {
    let status = entry.effective_status();
    match status {
        Status::Confirmed | Status::Overridden if entry.level.is_none() => Err(located.error(
            &join_key(path, "status"),
            format!(
                "status {} needs a level (1 to 5)",
                if status == Status::Confirmed {
                    "confirmed"
                } else {
                    "overridden"
                }
            ),
        )),
        Status::Overridden
            if entry
                .justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty()) =>
        {
            Err(located.error(
                &join_key(path, "justification"),
                "an overridden level needs a justification",
            ))
        }
        Status::NotApplicable
            if entry
                .reason
                .as_deref()
                .or(entry.justification.as_deref())
                .is_none_or(|r| r.trim().is_empty()) =>
        {
            Err(located.error(
                &join_key(path, "reason"),
                "a not-applicable item needs a reason",
            ))
        }
        Status::NotApplicable | Status::Pending if entry.level.is_some() => {
            Err(located.error(
                &join_key(path, "level"),
                format!(
                "a level is set but the status is {}; set status: confirmed or remove the level",
                if status == Status::Pending { "pending" } else { "not_applicable" }
            ),
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pkimm_model::embedded_model_version;

    fn parse(text: &str) -> Result<Assessment, DocumentError> {
        parse_assessment("a.yaml", text, embedded_model_version("1.1.0").unwrap())
    }

    #[test]
    fn short_forms_and_numbers_become_canonical_ids() {
        let model = pkimm_model::embedded_model();
        let text = "schema_version: 1\nmodel: \"2.0.0\"\nrequirements:\n  7.4: { level: 3 }\n  certificate-management.cert-lifecycle: { level: 2 }\ncategories:\n  9: { status: not_applicable, reason: r }\n";
        let a = parse_assessment("a.yaml", text, model).unwrap();
        assert!(a
            .requirements
            .contains_key("M.certificate-management.cert-inventory"));
        assert!(a
            .requirements
            .contains_key("M.certificate-management.cert-lifecycle"));
        assert!(a.categories.contains_key("M.change-management-and-agility"));
        let twice = "schema_version: 1\nmodel: \"2.0.0\"\nrequirements:\n  7.4: { level: 3 }\n  cert-inventory: { level: 2 }\n";
        let err = parse_assessment("a.yaml", twice, model).unwrap_err();
        assert!(err.message.contains("both name"), "{err}");
        let removed = "schema_version: 1\nmodel: \"2.0.0\"\nrequirements:\n  7.2: { level: 3 }\n";
        let err = parse_assessment("a.yaml", removed, model).unwrap_err();
        assert!(err.message.contains("removed"), "{err}");
        assert_eq!(declared_model_version("a.yaml", text).unwrap(), "2.0.0");
    }

    #[test]
    fn level_without_status_is_confirmed() {
        let a = parse("schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  7.3: { level: 3 }\n")
            .unwrap();
        assert_eq!(a.requirements["7.3"].effective_status(), Status::Confirmed);
    }

    #[test]
    fn level_seven_names_file_field_and_line() {
        let err =
            parse("schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"7.3\":\n    level: 7\n")
                .unwrap_err();
        assert_eq!(err.origin, "a.yaml");
        assert_eq!(err.field, "requirements.\"7.3\".level");
        assert_eq!(err.line, Some(5));
        assert!(err.message.contains("1 to 5"), "{err}");
    }

    #[test]
    fn unknown_category_is_rejected_with_line() {
        let err = parse("schema_version: 1\nmodel: \"1.1.0\"\ncategories:\n  \"42\": { status: not_applicable, reason: x }\n")
            .unwrap_err();
        assert_eq!(err.field, "categories.\"42\"");
        assert_eq!(err.line, Some(4));
    }

    #[test]
    fn unknown_requirement_is_rejected() {
        let err =
            parse("schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"7.9\": { level: 2 }\n")
                .unwrap_err();
        assert!(err.message.contains("unknown requirement"), "{err}");
    }

    #[test]
    fn typo_in_field_name_is_rejected() {
        let err =
            parse("schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"7.3\": { levle: 2 }\n")
                .unwrap_err();
        assert!(err.message.contains("levle"), "{err}");
        assert_eq!(err.line, Some(4));
    }

    #[test]
    fn not_applicable_needs_a_reason() {
        let err = parse("schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"7.3\": { status: not_applicable }\n").unwrap_err();
        assert_eq!(err.field, "requirements.\"7.3\".reason");
    }

    #[test]
    fn overridden_needs_a_justification() {
        let err = parse("schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"7.3\": { status: overridden, level: 2 }\n").unwrap_err();
        assert_eq!(err.field, "requirements.\"7.3\".justification");
    }

    #[test]
    fn model_version_mismatch_is_rejected() {
        let err = parse("schema_version: 1\nmodel: \"1.0.0\"\n").unwrap_err();
        assert_eq!(err.field, "model");
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn category_level_in_full_mode_is_rejected() {
        let err =
            parse("schema_version: 1\nmodel: \"1.1.0\"\ncategories:\n  \"5\": { level: 3 }\n")
                .unwrap_err();
        assert!(err.message.contains("self-assessment"), "{err}");
    }

    #[test]
    fn broken_yaml_is_an_error() {
        let err = parse("schema_version: 1\nmodel: [\n").unwrap_err();
        assert_eq!(err.origin, "a.yaml");
        assert!(err.line.is_some());
    }

    #[test]
    fn round_trips_through_yaml() {
        let text = "schema_version: 1\nmodel: \"1.1.0\"\nrequirements:\n  \"7.3\":\n    status: pending\n    suggested: { level: 3, confidence: high, rationale: r, evidence: [e1] }\n";
        let a = parse(text).unwrap();
        let again = parse(&serde_yaml_ng::to_string(&a).unwrap()).unwrap();
        assert_eq!(a, again);
    }
}
