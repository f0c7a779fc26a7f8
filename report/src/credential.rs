//! The machine attachment of the assessment profile
//! (`pkimm-assessment-credential.json`, `--format credential`): what was
//! assessed against which model and profile, at which assurance level, with
//! which result, by which tool, and the digest of the evidence manifest.

use schemars::JsonSchema;
use serde::Serialize;

use pkimm_scoring::Basis;

use crate::document::ReportDocument;
use crate::manifest::EvidenceManifest;

/// Layout version of the credential.
pub const CREDENTIAL_SCHEMA_VERSION: &str = "1.0.0";

/// The credential.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Credential {
    /// Layout version.
    pub schema_version: String,
    /// Always `pkimm-assessment-credential`.
    pub kind: String,
    /// When it was issued (RFC 3339).
    pub issued_at: String,
    /// The model.
    pub model: NamedVersion,
    /// The assessment profile.
    pub profile: NamedVersion,
    /// The assurance level and its report label.
    pub assurance: Assurance,
    /// The subject fields, by profile key.
    pub subject: std::collections::BTreeMap<String, String>,
    /// Which levels count: `assessed` (confirmed and overridden only) or
    /// `prefilled` (suggestions counted as if accepted).
    pub basis: String,
    /// The results.
    pub results: Results,
    /// The tool that computed them.
    pub tool: NamedVersion,
    /// The evidence manifest, by digest.
    pub evidence_manifest: ManifestRef,
    /// The evidence gate of an evidence-gated profile, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_gate: Option<GateResult>,
}

/// An id and a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct NamedVersion {
    /// Id or name.
    pub id: String,
    /// Version.
    pub version: String,
}

/// The assurance level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Assurance {
    /// `self`, `qualified-third-party` or `pkic-certified`.
    pub id: String,
    /// The label reports carry.
    pub report_label: String,
    /// Whether someone independent verified the result.
    pub independent_verification: bool,
    /// Whether the PKI Consortium certified it.
    pub certification: bool,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Result_ {
    /// Canonical id (`G`, `M.certificate-management`), or `overall`.
    pub id: String,
    /// Name.
    pub name: String,
    /// The weighted average; absent when not applicable.
    pub value: Option<f64>,
    /// The achieved whole level.
    pub level: Option<u8>,
    /// The level's name.
    pub level_name: Option<String>,
}

/// Overall, module and category results.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Results {
    /// The overall result (the claimed maturity level).
    pub overall: Result_,
    /// Per module.
    pub modules: Vec<Result_>,
    /// Per category.
    pub categories: Vec<Result_>,
}

/// The evidence manifest a credential rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ManifestRef {
    /// SHA-256 of the manifest as `--format manifest` writes it, hex.
    pub sha256: String,
    /// Files listed.
    pub files: usize,
}

/// Whether an evidence-gated profile's gate holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GateResult {
    /// Ratings from this level up need evidence.
    pub required_from_level: u8,
    /// Requirements rated that high with no evidence file backing them.
    pub without_evidence: Vec<String>,
}

fn result(id: &str, name: &str, score: Option<&pkimm_scoring::LevelScore>) -> Result_ {
    Result_ {
        id: id.to_string(),
        name: name.to_string(),
        value: score.map(|s| s.value),
        level: score.map(|s| s.level),
        level_name: score.map(|s| s.name.clone()),
    }
}

impl Credential {
    /// The credential of `document`, on the document's basis.
    pub fn of(document: &ReportDocument) -> Result<Self, serde_json::Error> {
        let gate = document.profile.evidence_gate.as_ref();
        let (overall, modules, categories) = match document.basis {
            Basis::Assessed => (&document.overall, &document.modules, &document.categories),
            Basis::Prefilled => (
                &document.prefilled_overall,
                &document.prefilled_modules,
                &document.prefilled_categories,
            ),
        };
        let manifest = EvidenceManifest::of(document);
        let subject = document
            .subject
            .iter()
            .filter_map(|f| f.value.as_ref().map(|v| (f.key.clone(), v.clone())))
            .collect();
        let evidence_gate = gate.map(|g| GateResult {
            required_from_level: g.required_from_level,
            without_evidence: document
                .requirements
                .iter()
                .filter(|r| r.level.is_some_and(|l| l >= g.required_from_level))
                .filter(|r| {
                    !manifest
                        .files
                        .iter()
                        .any(|f| f.requirements.contains(&r.requirement.id))
                })
                .map(|r| r.requirement.id.clone())
                .collect(),
        });
        Ok(Self {
            schema_version: CREDENTIAL_SCHEMA_VERSION.to_string(),
            kind: "pkimm-assessment-credential".to_string(),
            issued_at: document.generated_at.to_string(),
            model: NamedVersion {
                id: "pkimm".to_string(),
                version: document.model.version.clone(),
            },
            profile: NamedVersion {
                id: document.profile.id.clone(),
                version: document.profile.version.clone(),
            },
            assurance: Assurance {
                id: document.profile.assurance.id.clone(),
                report_label: document.profile.assurance.report_label.clone(),
                independent_verification: document.profile.assurance.independent_verification,
                certification: document.profile.assurance.certification,
            },
            subject,
            basis: match document.basis {
                Basis::Assessed => "assessed",
                Basis::Prefilled => "prefilled",
            }
            .to_string(),
            results: Results {
                overall: result("overall", "Overall", overall.score.as_ref()),
                modules: modules
                    .iter()
                    .map(|m| result(&m.id, &m.name, m.score.as_ref()))
                    .collect(),
                categories: categories
                    .iter()
                    .map(|c| result(&c.id, &c.name, c.score.as_ref()))
                    .collect(),
            },
            tool: NamedVersion {
                id: document.tool.name.clone(),
                version: document.tool.version.clone(),
            },
            evidence_manifest: ManifestRef {
                sha256: manifest.digest()?,
                files: manifest.files.len(),
            },
            evidence_gate,
        })
    }
}

/// Renders the credential.
pub fn render(document: &ReportDocument) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&Credential::of(document)?)?;
    text.push('\n');
    Ok(text)
}
