//! The report document: the stable, versioned JSON that dashboards read, and
//! the data every other format renders. `pkimm schema` prints its JSON Schema.

use std::collections::BTreeMap;

use pkimm_model::evidence::{EvidenceBundle, KeyAlgorithm, UtcTime};
use pkimm_model::Model;
use pkimm_rules::{Evaluation, Outcome, Severity};
use pkimm_scoring::aggregate::{Basis, CategoryScore, ModuleScore, OverallScore};
use pkimm_scoring::assessment::{Confidence, Meta, Suggestion};
use pkimm_scoring::report::{ModelRef, ToolRef};
use pkimm_scoring::{Assessment, ExtensionScore, ScoreReport, Status};
use schemars::JsonSchema;
use serde::Serialize;

/// Version of the report layout. Bump the major version on breaking changes.
pub const REPORT_SCHEMA_VERSION: &str = "1.0.0";

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
    /// Extension results.
    pub extensions: Vec<ExtensionScore>,
    /// What to do to reach the next level, per category.
    pub recommendations: Vec<Recommendation>,
    /// Changes since a previous assessment, when one was given.
    pub comparison: Option<Comparison>,
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

/// Evidence tables for people.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct EvidenceTables {
    /// Certificates expired or expiring within 30 days, soonest first.
    pub expiring: Vec<CertificateRow>,
    /// Certificates with weak keys or signatures.
    pub weak_crypto: Vec<CertificateRow>,
    /// TLS endpoints per protocol version.
    pub endpoints_by_version: BTreeMap<String, u32>,
    /// Every TLS endpoint.
    pub endpoints: Vec<EndpointRow>,
    /// CRL health.
    pub crls: Vec<CrlRow>,
    /// OCSP health.
    pub ocsp: Vec<OcspRow>,
}

/// One certificate in a table.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CertificateRow {
    /// SHA-256 fingerprint.
    pub fingerprint: String,
    /// Subject.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Expiry.
    pub not_after: UtcTime,
    /// Days until expiry (negative when expired).
    pub days_left: i64,
    /// Key, such as `RSA 1024`.
    pub key: String,
    /// Signature algorithm.
    pub signature: String,
    /// Where it was seen.
    pub sources: Vec<String>,
    /// Why it is listed.
    pub issue: String,
}

/// One TLS endpoint.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EndpointRow {
    /// `host:port`.
    pub target: String,
    /// SNI name.
    pub sni: Option<String>,
    /// Accepted versions.
    pub versions: Vec<String>,
    /// Weak suites accepted.
    pub weak_ciphers: Vec<String>,
    /// Whether an OCSP response was stapled.
    pub ocsp_stapled: bool,
    /// Whether the chain validated.
    pub chain_valid: Option<bool>,
    /// Errors.
    pub errors: Vec<String>,
}

/// One CRL.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CrlRow {
    /// Where it came from.
    pub source: String,
    /// Issuer.
    pub issuer: String,
    /// nextUpdate.
    pub next_update: Option<UtcTime>,
    /// Fresh at evaluation time.
    pub fresh: bool,
    /// Revoked entries.
    pub entries: u64,
    /// Whether the signature verified, when checked.
    pub signature_valid: Option<bool>,
}

/// One OCSP check.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OcspRow {
    /// Responder URL.
    pub url: String,
    /// Certificate status.
    pub status: Option<String>,
    /// Latency.
    pub latency_ms: Option<u64>,
    /// Whether the responder answered successfully.
    pub up: bool,
}

/// One finding.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindingRow {
    /// Rule id.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// PKIMM requirements.
    pub pkimm: Vec<String>,
    /// The record, as `kind:id`.
    pub record: String,
    /// A label for the record.
    pub label: String,
    /// What was found.
    pub message: String,
    /// How to fix it.
    pub remediation: String,
}

/// One requirement.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequirementRow {
    /// Full id.
    pub id: String,
    /// Category id.
    pub category_id: String,
    /// Title.
    pub name: String,
    /// Weight.
    pub weight: u32,
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
}

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
}

fn tool() -> ToolRef {
    ToolRef {
        name: "pkimm".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

impl ReportDocument {
    /// Builds the document.
    pub fn build(inputs: &ReportInputs<'_>) -> Self {
        let model = inputs.model;
        let assessment = inputs.assessment;
        let assessed = ScoreReport::build(
            tool(),
            model,
            assessment,
            inputs.extensions,
            Basis::Assessed,
        );
        let prefilled = ScoreReport::build(tool(), model, assessment, &[], Basis::Prefilled);
        let requirements = requirement_rows(model, assessment);
        let mut summary = Summary::default();
        for row in &requirements {
            *summary
                .requirements_by_status
                .entry(status_name(row.status).to_string())
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
                let tables = evidence_tables(bundle, evaluation.evaluated_at.unix());
                summary.expired = count(tables.expiring.iter().filter(|c| c.days_left < 0));
                summary.expiring_soon = count(tables.expiring.iter().filter(|c| c.days_left >= 0));
                let findings = finding_rows(evaluation);
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
        let recommendations = recommendations(model, &assessed, &requirements, &findings);
        let comparison = inputs
            .previous
            .map(|previous| compare(model, previous, &assessed, inputs.extensions));
        Self {
            schema_version: REPORT_SCHEMA_VERSION.to_string(),
            report_type: inputs.report_type,
            generated_at: UtcTime::now(),
            tool: tool(),
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
                .map(|l| format!("{} ({}): {}", l.number(), l.name(), l.summary())),
            overall: assessed.overall,
            prefilled_overall: prefilled.overall,
            extensions: assessed.extensions,
            recommendations,
            comparison,
        }
    }
}

fn count<'a>(rows: impl Iterator<Item = &'a CertificateRow>) -> u32 {
    u32::try_from(rows.count()).unwrap_or(u32::MAX)
}

/// The snake_case name of a status.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pending => "pending",
        Status::Confirmed => "confirmed",
        Status::Overridden => "overridden",
        Status::NotApplicable => "not_applicable",
    }
}

/// The lowercase name of a confidence.
pub fn confidence_name(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::Low => "low",
        Confidence::Medium => "medium",
        Confidence::High => "high",
    }
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
                    id: r.id.clone(),
                    category_id: category.id.clone(),
                    name: r.name.clone(),
                    weight: r.weight,
                    status: entry.effective_status(),
                    level: entry.level.map(u8::from),
                    suggested: entry.suggested,
                    stale: entry.stale,
                    note: entry.note,
                    justification: entry.justification,
                    reason: entry.reason,
                    assessor: entry.assessor,
                    at: entry.at,
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

fn key_text(c: &pkimm_model::evidence::Certificate) -> String {
    let algorithm = match c.key.algorithm {
        KeyAlgorithm::Rsa | KeyAlgorithm::RsaPss => "RSA",
        KeyAlgorithm::Ec => "EC",
        KeyAlgorithm::Ed25519 => "Ed25519",
        KeyAlgorithm::Ed448 => "Ed448",
        KeyAlgorithm::Dsa => "DSA",
        KeyAlgorithm::MlDsa => "ML-DSA",
        KeyAlgorithm::SlhDsa => "SLH-DSA",
        _ => "other",
    };
    match &c.key.curve {
        Some(curve) => format!("{algorithm} {curve}"),
        None if c.key.bits > 0 => format!("{algorithm} {}", c.key.bits),
        None => algorithm.to_string(),
    }
}

fn evidence_tables(bundle: &EvidenceBundle, now: i64) -> EvidenceTables {
    let mut tables = EvidenceTables::default();
    for c in &bundle.certificates {
        let days_left = (c.not_after.unix() - now).div_euclid(86_400);
        let row = |issue: String| CertificateRow {
            fingerprint: c.fingerprint_sha256.clone(),
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            not_after: c.not_after,
            days_left,
            key: key_text(c),
            signature: c.signature.name.clone(),
            sources: c
                .observations
                .iter()
                .map(|o| o.source.clone())
                .take(3)
                .collect(),
            issue,
        };
        if days_left < EXPIRING_DAYS {
            let issue = if days_left < 0 {
                format!("expired {} days ago", -days_left)
            } else {
                format!("expires in {days_left} days")
            };
            tables.expiring.push(row(issue));
        }
        let mut weak = Vec::new();
        if matches!(c.key.algorithm, KeyAlgorithm::Rsa | KeyAlgorithm::Dsa) && c.key.bits < 2048 {
            weak.push(format!("{} key", key_text(c)));
        }
        if matches!(c.signature.hash.as_str(), "sha1" | "md5" | "md2") {
            weak.push(format!("{} signature", c.signature.hash.to_uppercase()));
        }
        if !weak.is_empty() {
            tables.weak_crypto.push(row(weak.join(", ")));
        }
    }
    tables.expiring.sort_by_key(|r| r.days_left);
    for e in &bundle.tls_endpoints {
        for v in &e.versions {
            *tables.endpoints_by_version.entry(v.clone()).or_default() += 1;
        }
        if e.versions.is_empty() {
            *tables
                .endpoints_by_version
                .entry("unreachable".to_string())
                .or_default() += 1;
        }
        let chain_valid = bundle
            .chains
            .iter()
            .find(|c| c.provenance.source == e.target && c.certificates.first() == e.leaf.as_ref())
            .map(|c| c.validation.valid);
        tables.endpoints.push(EndpointRow {
            target: e.target.clone(),
            sni: e.sni.clone(),
            versions: e.versions.clone(),
            weak_ciphers: e
                .accepted_ciphers
                .iter()
                .filter(|c| pkimm_rules::view::is_weak_cipher(c))
                .cloned()
                .collect(),
            ocsp_stapled: e.ocsp_stapled,
            chain_valid,
            errors: e.errors.clone(),
        });
    }
    for crl in &bundle.crls {
        tables.crls.push(CrlRow {
            source: crl
                .observations
                .first()
                .map(|o| o.source.clone())
                .unwrap_or_default(),
            issuer: crl.issuer.clone(),
            next_update: crl.next_update,
            fresh: crl.next_update.is_some_and(|n| n.unix() > now),
            entries: crl.entry_count,
            signature_valid: crl.signature_valid,
        });
    }
    for o in &bundle.ocsp_checks {
        tables.ocsp.push(OcspRow {
            url: o.responder_url.clone(),
            status: o.cert_status.clone(),
            latency_ms: o.latency_ms,
            up: o.response_status.as_deref() == Some("successful"),
        });
    }
    tables
}

fn finding_rows(evaluation: &Evaluation) -> Vec<FindingRow> {
    let rules: BTreeMap<&str, &pkimm_rules::eval::RuleResult> = evaluation
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let mut rows: Vec<FindingRow> = evaluation
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail && f.waived.is_none())
        .map(|f| {
            let rule = rules.get(&*f.rule);
            FindingRow {
                rule: f.rule.to_string(),
                title: rule.map(|r| r.title.clone()).unwrap_or_default(),
                severity: f.severity,
                pkimm: f.pkimm.to_vec(),
                record: format!("{}:{}", f.record.kind.name(), f.record.id),
                label: f.record.label.clone(),
                message: f.message.clone(),
                remediation: rule.map(|r| r.remediation.clone()).unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
    rows
}

fn recommendations(
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
                r.category_id == category.id
                    && r.status != Status::NotApplicable
                    && r.level.unwrap_or(0) < target
            })
            .collect();
        below.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.id.cmp(&b.id)));
        let actions = below
            .iter()
            .take(5)
            .map(|r| {
                let remediation = findings
                    .iter()
                    .find(|f| f.pkimm.contains(&r.id) && !f.remediation.is_empty())
                    .map(|f| format!(" Start with: {}", f.remediation.trim()))
                    .unwrap_or_default();
                let now = r
                    .level
                    .map_or_else(|| "not evaluated".to_string(), |l| format!("level {l}"));
                let level_name = pkimm_model::Level::from_number(target)
                    .map_or("", pkimm_model::Level::name);
                format!(
                    "{} {} ({now}, weight {}): bring it to level {target} ({level_name}).{remediation}",
                    r.id, r.name, r.weight
                )
            })
            .collect();
        let _ = model;
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

fn compare(
    model: &Model,
    previous: &Assessment,
    current: &ScoreReport,
    extensions: &[pkimm_model::Extension],
) -> Comparison {
    let before = ScoreReport::build(tool(), model, previous, extensions, Basis::Assessed);
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
            let old = before.requirements.iter().find(|o| o.id == r.id)?;
            (old.level != r.level).then(|| RequirementChange {
                id: r.id.clone(),
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
