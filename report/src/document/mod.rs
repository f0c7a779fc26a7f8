//! The report document: the stable, versioned JSON that dashboards read, and
//! the data every other format renders. `pkimm schema` prints its JSON Schema.
//!
//! [`evidence`] builds the evidence tables, [`findings`] the finding rows and
//! [`advice`] the recommendations and the comparison with a previous
//! assessment.

pub mod advice;
pub mod evidence;
pub mod findings;

use std::collections::BTreeMap;

use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_model::Model;
use pkimm_rules::Evaluation;
use pkimm_scoring::aggregate::{Basis, CategoryScore, ModuleScore, OverallScore, RequirementRef};
use pkimm_scoring::assessment::{Confidence, CriterionDecision, Meta, Observed, Suggestion};
use pkimm_scoring::profile::{
    AssuranceProfile, EvidenceGate, Profile, ScoringParameters, NOT_EVALUATED_RULE,
};
use pkimm_scoring::report::{ModelRef, ToolRef};
use pkimm_scoring::{Assessment, ExtensionScore, ScoreReport, Status};
use schemars::JsonSchema;
use serde::Serialize;

pub use advice::{CategoryChange, Comparison, Recommendation, RequirementChange};
pub use evidence::{
    CertificateExpiry, CertificateRow, CrlRow, EndpointRow, EvidenceTables, OcspRow,
};
pub use findings::FindingRow;

use crate::manifest::EvidenceFile;

/// Version of the report layout. Bump the major version on breaking changes.
pub const REPORT_SCHEMA_VERSION: &str = "2.1.0";

/// Days ahead that count as "expiring soon".
pub const EXPIRING_DAYS: i64 = 30;

/// The report types of the PKIMM reporting guidance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ReportType {
    /// The organisation assessed itself.
    SelfAssessment,
    /// An assessor assessed the organisation.
    Assessment,
    /// Every requirement with its evidence and findings.
    Detailed,
    /// A signed-off statement of the achieved levels.
    Attestation,
}

/// Which parts a report type shows (PKIMM reporting guidance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sections {
    /// Category chart and module bars.
    pub chart: bool,
    /// Technology requirements with suggested and confirmed levels.
    pub technology_requirements: bool,
    /// Every requirement with justification and evidence.
    pub all_requirements: bool,
    /// Evidence tables.
    pub evidence: bool,
    /// Findings by severity.
    pub findings: bool,
    /// Recommendations or action plans for the next level.
    pub recommendations: bool,
    /// Scoping (not applicable items) and sampling (evidence counts).
    pub scoping: bool,
    /// Comparison with a previous assessment.
    pub comparison: bool,
    /// The attestation statement.
    pub attestation: bool,
}

impl ReportType {
    /// The sections this type shows.
    pub fn sections(self) -> Sections {
        let none = Sections {
            chart: false,
            technology_requirements: false,
            all_requirements: false,
            evidence: false,
            findings: false,
            recommendations: false,
            scoping: false,
            comparison: false,
            attestation: false,
        };
        match self {
            Self::SelfAssessment => Sections {
                chart: true,
                ..none
            },
            Self::Assessment => Sections {
                chart: true,
                technology_requirements: true,
                evidence: true,
                findings: true,
                recommendations: true,
                comparison: true,
                ..none
            },
            Self::Detailed => Sections {
                chart: true,
                all_requirements: true,
                evidence: true,
                findings: true,
                recommendations: true,
                scoping: true,
                comparison: true,
                ..none
            },
            Self::Attestation => Sections {
                attestation: true,
                ..none
            },
        }
    }

    /// The title used in human reports.
    pub fn title(self) -> &'static str {
        match self {
            Self::SelfAssessment => "PKIMM self-assessment report",
            Self::Assessment => "PKIMM assessment report",
            Self::Detailed => "PKIMM detailed assessment report",
            Self::Attestation => "PKIMM attestation",
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportDocument {
    /// Layout version of this document.
    pub schema_version: String,
    /// The report type.
    pub report_type: ReportType,
    /// When the report was generated.
    pub generated_at: UtcTime,
    /// The producing tool.
    pub tool: ToolRef,
    /// The model used.
    pub model: ModelRef,
    /// The scan the evidence came from, when evidence was given.
    pub scan: Option<ScanInfo>,
    /// Organisation, scope, assessor and date from the assessment.
    pub meta: Meta,
    /// The assessment profile, its assurance level and how it scores.
    pub profile: ProfileInfo,
    /// The profile's subject fields with the assessment's values.
    pub subject: Vec<SubjectValue>,
    /// Counts at a glance.
    pub summary: Summary,
    /// Evidence tables, when evidence was given.
    pub evidence: Option<EvidenceTables>,
    /// Unwaived failing findings, most severe first.
    pub findings: Vec<FindingRow>,
    /// Every requirement with the assessor's and pkimm's levels.
    pub requirements: Vec<RequirementRow>,
    /// Category results (assessed levels only).
    pub categories: Vec<CategoryScore>,
    /// Module results.
    pub modules: Vec<ModuleScore>,
    /// The overall result (assessed levels only).
    pub overall: OverallScore,
    /// What the achieved overall level means, in words.
    pub overall_description: Option<String>,
    /// The overall result if every suggestion were accepted; labelled
    /// pre-filled, never the assessed score.
    pub prefilled_overall: OverallScore,
    /// What the pre-filled overall rests on.
    pub prefilled_basis: PrefilledBasis,
    /// Extension results.
    pub extensions: Vec<ExtensionScore>,
    /// What to do to reach the next level, per category.
    pub recommendations: Vec<Recommendation>,
    /// Changes since a previous assessment, when one was given.
    pub comparison: Option<Comparison>,
    /// Decisions on requirements a model migration retired.
    pub retired: Vec<RetiredRow>,
    /// The technology categories, whose requirements evidence can touch.
    pub technology_categories: Vec<String>,
    /// Category results if every suggestion were accepted (pre-filled).
    pub prefilled_categories: Vec<CategoryScore>,
    /// Module results if every suggestion were accepted (pre-filled).
    pub prefilled_modules: Vec<ModuleScore>,
    /// The basis of the claimed result the credential carries.
    pub basis: Basis,
    /// The evidence files behind the assessment (the evidence manifest).
    pub evidence_files: Vec<EvidenceFile>,
    /// The levels against the closest peer group of a benchmark, when one
    /// was given (`report --benchmark`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peers: Option<pkimm_scoring::benchmark::PeerComparison>,
}

/// What the pre-filled overall rests on: requirements the assessor decided,
/// and pkimm's suggestions for the others.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrefilledBasis {
    /// Requirements in the model.
    pub requirements: usize,
    /// Requirements with an assessor's level (confirmed or overridden).
    pub decided: usize,
    /// Pending requirements counted with pkimm's suggestion.
    pub suggested: usize,
    /// Pending requirements without a suggestion (counted as the minimum
    /// level).
    pub without_level: usize,
    /// The highest level any suggestion may take now, per category.
    pub ceilings: BTreeMap<String, u8>,
}

impl PrefilledBasis {
    fn of(rows: &[RequirementRow]) -> Self {
        let mut basis = Self {
            requirements: rows.len(),
            decided: 0,
            suggested: 0,
            without_level: 0,
            ceilings: BTreeMap::new(),
        };
        for row in rows {
            match (row.status, row.level, &row.suggested) {
                (Status::NotApplicable, _, _) => {}
                (Status::Confirmed | Status::Overridden, Some(_), _) => basis.decided += 1,
                (_, _, Some(_)) => basis.suggested += 1,
                _ => basis.without_level += 1,
            }
            if let Some(s) = &row.suggested {
                let slot = basis
                    .ceilings
                    .entry(row.requirement.category_id.clone())
                    .or_default();
                *slot = (*slot).max(s.level.number());
            }
        }
        basis
    }
}

/// The technology categories, as 2.0.0 names them (any model's ids follow
/// through the crosswalk).
pub const TECHNOLOGY_CATEGORIES: &[&str] = &[
    "G.cryptography",
    "M.key-management",
    "M.certificate-management",
    "M.infrastructure-management",
    "O.resilience",
    "O.automation",
    "O.interoperability",
    "O.monitoring-and-auditing",
];

/// The ids of the technology categories in `model`.
pub fn technology_categories(model: &Model) -> Vec<String> {
    TECHNOLOGY_CATEGORIES
        .iter()
        .filter_map(|id| model.resolve_category(id).ok().map(|(c, _)| c.id.clone()))
        .collect()
}

/// The assessment profile as a report shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProfileInfo {
    /// Profile id.
    pub id: String,
    /// Profile version.
    pub version: String,
    /// Profile title.
    pub title: String,
    /// The assurance level of the assessment.
    pub assurance: AssuranceProfile,
    /// The scoring parameters.
    pub parameters: ScoringParameters,
    /// What counts for items nobody rated.
    pub not_evaluated: String,
    /// The evidence gate, for an evidence-gated profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_gate: Option<EvidenceGate>,
}

/// One subject field.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SubjectValue {
    /// The profile's key, such as `organizationName`.
    pub key: String,
    /// Its label.
    pub label: String,
    /// The assessment's value, when given.
    pub value: Option<String>,
}

/// A reference a requirement cites.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReferenceRow {
    /// Catalog id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Where it is published.
    pub url: Option<String>,
}

/// A retired decision.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RetiredRow {
    /// `VERSION:ID`.
    pub key: String,
    /// The requirement's title.
    pub name: String,
    /// Why it was removed.
    pub why: String,
    /// The decision's level, if any.
    pub level: Option<u8>,
    /// The decision's status.
    pub status: Status,
}

/// The scan behind the evidence.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScanInfo {
    /// A stable id: the bundle creation time and tool.
    pub id: String,
    /// Earliest collection start.
    pub started: Option<UtcTime>,
    /// Latest collection end.
    pub finished: Option<UtcTime>,
    /// Agents that collected.
    pub agents: Vec<String>,
    /// Collection targets.
    pub targets: Vec<String>,
    /// When the rules were evaluated.
    pub evaluated_at: UtcTime,
}

/// Counts at a glance.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Summary {
    /// Requirements by assessor status.
    pub requirements_by_status: BTreeMap<String, u32>,
    /// Requirements with a suggestion.
    pub suggested: u32,
    /// Confirmations marked stale.
    pub stale: u32,
    /// Evidence records by kind.
    pub records: BTreeMap<String, u64>,
    /// Certificates that expire within 30 days (not yet expired).
    pub expiring_soon: u32,
    /// Certificates already expired.
    pub expired: u32,
    /// Unwaived failing findings by severity.
    pub findings_by_severity: BTreeMap<String, u64>,
    /// Failed observations (unreachable endpoints, unparseable files).
    pub collection_failures: u32,
}

/// One requirement.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequirementRow {
    /// The requirement: id, category, title and weight, as in the score
    /// report's rows.
    #[serde(flatten)]
    pub requirement: RequirementRef,
    /// Assessor status.
    pub status: Status,
    /// The assessor's level.
    pub level: Option<u8>,
    /// pkimm's suggestion.
    pub suggested: Option<Suggestion>,
    /// Why a confirmation is stale.
    pub stale: Option<String>,
    /// pkimm's note ("needs assessor").
    pub note: Option<String>,
    /// Assessor justification.
    pub justification: Option<String>,
    /// Not-applicable reason.
    pub reason: Option<String>,
    /// Who decided.
    pub assessor: Option<String>,
    /// When.
    pub at: Option<String>,
    /// The references the requirement cites, with their titles (empty for
    /// 1.x models, whose references are free text).
    pub references: Vec<ReferenceRow>,
    /// What the evidence shows, criterion by criterion.
    pub observed: Option<Observed>,
    /// The assessor's criterion decisions, by local id.
    pub criteria: BTreeMap<String, CriterionDecision>,
}

/// Everything a report is built from.
pub struct ReportInputs<'a> {
    /// The model.
    pub model: &'a Model,
    /// The assessment.
    pub assessment: &'a Assessment,
    /// Loaded extensions.
    pub extensions: &'a [pkimm_model::Extension],
    /// Evidence and its evaluation, when given.
    pub evidence: Option<(&'a EvidenceBundle, &'a Evaluation)>,
    /// A previous assessment to compare with.
    pub previous: Option<&'a Assessment>,
    /// The report type.
    pub report_type: ReportType,
    /// The assessment profile.
    pub profile: &'a Profile,
    /// The basis of the credential's claimed result.
    pub basis: Basis,
    /// The evidence files (for the manifest and the credential).
    pub evidence_files: &'a [EvidenceFile],
}

impl ReportDocument {
    /// Builds the document.
    pub fn build(inputs: &ReportInputs<'_>) -> Self {
        let model = inputs.model;
        let assessment = inputs.assessment;
        let assessed = ScoreReport::build(
            ToolRef::pkimm(),
            model,
            assessment,
            inputs.extensions,
            Basis::Assessed,
            inputs.profile,
        );
        let prefilled = ScoreReport::build(
            ToolRef::pkimm(),
            model,
            assessment,
            &[],
            Basis::Prefilled,
            inputs.profile,
        );
        let requirements = requirement_rows(model, assessment);
        let prefilled_basis = PrefilledBasis::of(&requirements);
        let mut summary = Summary::default();
        for row in &requirements {
            *summary
                .requirements_by_status
                .entry(row.status.name().to_string())
                .or_default() += 1;
            summary.suggested += u32::from(row.suggested.is_some());
            summary.stale += u32::from(row.stale.is_some());
        }
        let (scan, evidence, findings) = match inputs.evidence {
            Some((bundle, evaluation)) => {
                summary.records = evaluation
                    .records
                    .iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(k, n)| (k.clone(), *n))
                    .collect();
                summary.collection_failures =
                    u32::try_from(bundle.failures.len()).unwrap_or(u32::MAX);
                let tables = EvidenceTables::from_bundle(bundle, evaluation.evaluated_at.unix());
                summary.expired = count(tables.expiring.iter().filter(|c| c.days_left < 0));
                summary.expiring_soon = count(tables.expiring.iter().filter(|c| c.days_left >= 0));
                let findings = findings::finding_rows(evaluation);
                for f in &findings {
                    *summary
                        .findings_by_severity
                        .entry(f.severity.name().to_string())
                        .or_default() += 1;
                }
                (Some(scan_info(bundle, evaluation)), Some(tables), findings)
            }
            None => (None, None, Vec::new()),
        };
        let recommendations = advice::recommendations(model, &assessed, &requirements, &findings);
        let comparison = inputs.previous.map(|previous| {
            advice::compare(
                model,
                previous,
                &assessed,
                inputs.extensions,
                inputs.profile,
            )
        });
        Self {
            schema_version: REPORT_SCHEMA_VERSION.to_string(),
            report_type: inputs.report_type,
            generated_at: UtcTime::now(),
            tool: ToolRef::pkimm(),
            model: assessed.model.clone(),
            scan,
            meta: assessment.meta.clone(),
            summary,
            evidence,
            findings,
            requirements,
            categories: assessed.categories,
            modules: assessed.modules,
            overall_description: assessed
                .overall
                .score
                .as_ref()
                .and_then(|s| pkimm_model::Level::from_number(s.level))
                .map(|l| {
                    format!(
                        "{} ({}): {}",
                        l.number(),
                        model.level_name(l.number()),
                        l.summary()
                    )
                }),
            overall: assessed.overall,
            prefilled_overall: prefilled.overall.clone(),
            prefilled_basis,
            extensions: assessed.extensions,
            recommendations,
            comparison,
            technology_categories: technology_categories(model),
            prefilled_categories: prefilled.categories,
            prefilled_modules: prefilled.modules,
            basis: inputs.basis,
            evidence_files: inputs.evidence_files.to_vec(),
            peers: None,
            profile: profile_info(inputs.profile, assessment),
            subject: inputs
                .profile
                .subject_fields
                .iter()
                .map(|f| SubjectValue {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    value: assessment.meta.subject_field(&f.key).map(str::to_string),
                })
                .collect(),
            retired: assessment
                .retired
                .iter()
                .map(|(key, r)| RetiredRow {
                    key: key.clone(),
                    name: r.name.clone(),
                    why: r.why.clone(),
                    level: r.entry.level.map(u8::from),
                    status: r.entry.effective_status(),
                })
                .collect(),
        }
    }
}

/// The profile of `assessment`, with its assurance level (the profile's
/// default when the assessment names none it knows).
fn profile_info(profile: &Profile, assessment: &Assessment) -> ProfileInfo {
    let wanted = &profile.default_assurance;
    let assurance = profile
        .assurance_of(assessment)
        .cloned()
        .unwrap_or_else(|| AssuranceProfile {
            id: wanted.clone(),
            label: wanted.clone(),
            report_label: wanted.clone(),
            independent_verification: false,
            certification: false,
            availability: String::new(),
            notice: String::new(),
        });
    ProfileInfo {
        id: profile.id.clone(),
        version: profile.version.clone(),
        title: profile.title.clone(),
        assurance,
        parameters: profile.parameters.clone(),
        not_evaluated: NOT_EVALUATED_RULE.to_string(),
        evidence_gate: profile.evidence_gate.clone(),
    }
}

fn count<'a>(rows: impl Iterator<Item = &'a CertificateRow>) -> u32 {
    u32::try_from(rows.count()).unwrap_or(u32::MAX)
}

/// The snake_case name of a status.
pub fn status_name(status: Status) -> &'static str {
    status.name()
}

/// The lowercase name of a confidence.
pub fn confidence_name(confidence: Confidence) -> &'static str {
    confidence.name()
}

fn requirement_rows(model: &Model, assessment: &Assessment) -> Vec<RequirementRow> {
    model
        .categories()
        .flat_map(|category| {
            category.requirements.iter().map(move |r| {
                let entry = assessment
                    .requirements
                    .get(&r.id)
                    .cloned()
                    .unwrap_or_default();
                RequirementRow {
                    references: r
                        .reference_ids
                        .iter()
                        .map(|id| match model.reference(id) {
                            Some(reference) => ReferenceRow {
                                id: id.clone(),
                                title: reference.title.clone(),
                                url: reference.url.clone(),
                            },
                            None => ReferenceRow {
                                id: id.clone(),
                                title: id.clone(),
                                url: None,
                            },
                        })
                        .collect(),
                    requirement: RequirementRef::of(category, r),
                    status: entry.effective_status(),
                    level: entry.level.map(u8::from),
                    suggested: entry.suggested,
                    stale: entry.stale,
                    note: entry.note,
                    justification: entry.justification,
                    reason: entry.reason,
                    assessor: entry.assessor,
                    at: entry.at,
                    observed: entry.observed,
                    criteria: entry.criteria,
                }
            })
        })
        .collect()
}

fn scan_info(bundle: &EvidenceBundle, evaluation: &Evaluation) -> ScanInfo {
    let started = bundle.runs.iter().map(|r| r.started_at).min();
    let finished = bundle.runs.iter().map(|r| r.finished_at).max();
    let mut agents: Vec<String> = bundle.runs.iter().filter_map(|r| r.agent.clone()).collect();
    agents.sort();
    agents.dedup();
    let mut targets: Vec<String> = bundle.runs.iter().flat_map(|r| r.targets.clone()).collect();
    targets.sort();
    targets.dedup();
    ScanInfo {
        id: format!("{}@{}", bundle.tool, bundle.created_at),
        started,
        finished,
        agents,
        targets,
        evaluated_at: evaluation.evaluated_at,
    }
}
