//! The assessment profile (`assessment-profile.schema-1.0.0.json`): the
//! scoring parameters, the subject fields an assessment records, the
//! assurance profiles (`self`, `qualified-third-party`, `pkic-certified`),
//! the evidence-gated mode and the report artifacts. The official PKIMM
//! self-assessment profile is embedded and used by default; another is
//! validated against the official schema before use.

use std::path::Path;
use std::sync::OnceLock;

use pkimm_model::diag::{from_yaml_str, DocumentError};
use pkimm_model::read::{read_text_file, ReadError, MAX_DOCUMENT_BYTES};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The official self-assessment profile of PKIMM 2.0.0.
pub const EMBEDDED_PROFILE_YAML: &str =
    include_str!("../../fixtures/official/2.0.0/pkimm-self-assessment-profile-1.0.0.yaml");

/// The official schema every profile must satisfy.
pub const PROFILE_SCHEMA_JSON: &str =
    include_str!("../../fixtures/official/2.0.0/assessment-profile.schema-1.0.0.json");

/// Why a profile could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The YAML does not parse.
    #[error("invalid assessment profile")]
    Parse(#[from] DocumentError),
    /// The profile breaks the official schema.
    #[error("{origin}: not a valid assessment profile: {problems}")]
    Schema {
        /// The file.
        origin: String,
        /// Each violation, with its JSON path.
        problems: String,
    },
    /// A parameter pkimm does not implement.
    #[error("{origin}: scoring parameter {name} = {value} is not supported ({supported})")]
    Unsupported {
        /// The file.
        origin: String,
        /// The parameter.
        name: String,
        /// Its value.
        value: String,
        /// What pkimm supports.
        supported: String,
    },
}

/// How levels are rounded to the achieved level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// The whole part (`TRUNC`), as the official workbooks do.
    Floor,
}

/// The scoring parameters of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScoringParameters {
    /// The level a requirement nobody has rated counts as (full mode).
    pub minimum_level: u8,
    /// The top of the scale.
    pub maximum_level: u8,
    /// How the achieved level is found.
    pub rounding: Rounding,
    /// Not-applicable items leave both sides of every average.
    pub exclude_not_applicable: bool,
}

impl Default for ScoringParameters {
    /// The official profile's parameters.
    fn default() -> Self {
        Self {
            minimum_level: 0,
            maximum_level: 5,
            rounding: Rounding::Floor,
            exclude_not_applicable: true,
        }
    }
}

/// What pkimm does with items nobody has rated, where profiles are silent.
pub const NOT_EVALUATED_RULE: &str = "A requirement nobody has rated counts as the profile's minimum level (0) in full mode, as the official full workbook does; in self mode, a category nobody has rated is left out of the module and overall averages, as the official self-assessment workbook does.";

/// One field describing the assessed subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubjectField {
    /// Key, such as `organizationName`.
    pub key: String,
    /// Label for people.
    pub label: String,
    /// Whether an assessment must give it.
    pub required: bool,
}

/// How far an assessment's result is verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AssuranceProfile {
    /// Id: `self`, `qualified-third-party`, `pkic-certified`.
    pub id: String,
    /// Label.
    pub label: String,
    /// The label every report carries.
    pub report_label: String,
    /// Whether someone independent verified the result.
    pub independent_verification: bool,
    /// Whether the PKI Consortium certified it.
    pub certification: bool,
    /// Where it can be issued: `browser` or `external-workflow`.
    pub availability: String,
    /// What the label means.
    pub notice: String,
}

/// The evidence-gated mode: ratings from a level up need evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvidenceGate {
    /// Ratings at or above this level need evidence.
    pub required_from_level: u8,
    /// Statuses that need evidence.
    pub required_for_statuses: Vec<String>,
    /// Accepted media types of evidence files.
    pub accepted_media_types: Vec<String>,
    /// Largest evidence file.
    pub max_file_bytes: u64,
}

/// A validated assessment profile.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Profile {
    /// Profile id.
    pub id: String,
    /// Profile version.
    pub version: String,
    /// Model id.
    pub model_id: String,
    /// Model version the profile is for.
    pub model_version: String,
    /// Title.
    pub title: String,
    /// `weighted-maturity` or `evidence-gated-maturity`.
    pub experience: String,
    /// Scoring parameters.
    pub parameters: ScoringParameters,
    /// Subject fields.
    pub subject_fields: Vec<SubjectField>,
    /// Assurance profiles.
    pub assurance: Vec<AssuranceProfile>,
    /// The assurance profile of a new assessment.
    pub default_assurance: String,
    /// The evidence gate, in evidence-gated mode.
    pub evidence_gate: Option<EvidenceGate>,
    /// Report title.
    pub report_title: String,
    /// The label of the claimed level.
    pub claim_label: String,
    /// File name of the machine-readable attachment.
    pub machine_attachment_name: String,
    /// Whether reports include the evidence manifest.
    pub include_evidence_manifest: bool,
    /// Where the profile came from.
    pub origin: String,
}

impl Profile {
    /// The assurance profile with this id.
    pub fn assurance(&self, id: &str) -> Option<&AssuranceProfile> {
        self.assurance.iter().find(|a| a.id == id)
    }

    /// The assurance level `assessment` records, or the profile's default
    /// when it records none or one this profile lacks (the commands refuse
    /// the latter before they get here).
    pub fn assurance_of(&self, assessment: &crate::Assessment) -> Option<&AssuranceProfile> {
        let wanted = assessment
            .profile
            .as_ref()
            .map_or(self.default_assurance.as_str(), |p| p.assurance.as_str());
        self.assurance(wanted)
            .or_else(|| self.assurance(&self.default_assurance))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProfile {
    profile: RawHead,
    runtime: RawRuntime,
    assurance: RawAssurance,
    report: RawReport,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHead {
    id: String,
    version: String,
    model: RawModelRef,
    title: String,
}

#[derive(Deserialize)]
struct RawModelRef {
    id: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRuntime {
    experience: String,
    methodology: RawMethodology,
    subject_fields: Vec<SubjectField>,
    criterion: Option<RawCriterion>,
}

#[derive(Deserialize)]
struct RawMethodology {
    strategy: String,
    parameters: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCriterion {
    evidence: RawEvidence,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvidence {
    required_for_statuses: Vec<String>,
    required_from_level: u8,
    max_file_bytes: u64,
    accepted_media_types: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAssurance {
    default_profile: String,
    profiles: Vec<RawAssuranceProfile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAssuranceProfile {
    id: String,
    label: String,
    report_label: String,
    availability: String,
    independent_verification: bool,
    certification: bool,
    notice: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReport {
    title: String,
    claim_label: String,
    machine_attachment_name: String,
    include_evidence_manifest: bool,
}

/// Checks `value` against the official profile schema; each violation with
/// its path.
pub fn schema_violations(value: &serde_json::Value) -> Vec<String> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        serde_json::from_str(PROFILE_SCHEMA_JSON)
            .ok()
            .and_then(|schema| jsonschema::validator_for(&schema).ok())
    });
    match validator {
        Some(v) => v
            .iter_errors(value)
            .map(|e| format!("{}: {e}", display_path(&e.instance_path().to_string())))
            .collect(),
        None => vec!["the embedded profile schema does not compile".to_string()],
    }
}

fn display_path(pointer: &str) -> String {
    if pointer.is_empty() {
        "(root)".to_string()
    } else {
        pointer.trim_start_matches('/').replace('/', ".")
    }
}

/// Parses, schema-checks and reads a profile.
pub fn parse_profile(origin: &str, text: &str) -> Result<Profile, ProfileError> {
    let value: serde_json::Value = from_yaml_str(origin, text)?;
    let problems = schema_violations(&value);
    if !problems.is_empty() {
        return Err(ProfileError::Schema {
            origin: origin.to_string(),
            problems: problems.join("; "),
        });
    }
    let raw: RawProfile = from_yaml_str(origin, text)?;
    let parameters = parameters(origin, &raw.runtime.methodology)?;
    let unsupported = |name: &str, value: String, supported: &str| ProfileError::Unsupported {
        origin: origin.to_string(),
        name: name.to_string(),
        value,
        supported: supported.to_string(),
    };
    if raw.profile.model.id != "pkimm" {
        return Err(unsupported(
            "profile.model.id",
            raw.profile.model.id,
            "pkimm",
        ));
    }
    let experience = raw.runtime.experience;
    if !matches!(
        experience.as_str(),
        "weighted-maturity" | "evidence-gated-maturity"
    ) {
        return Err(unsupported(
            "runtime.experience",
            experience,
            "weighted-maturity, evidence-gated-maturity",
        ));
    }
    let assurance: Vec<AssuranceProfile> = raw
        .assurance
        .profiles
        .into_iter()
        .map(|a| AssuranceProfile {
            id: a.id,
            label: a.label,
            report_label: a.report_label,
            independent_verification: a.independent_verification,
            certification: a.certification,
            availability: a.availability,
            notice: a.notice,
        })
        .collect();
    if !assurance
        .iter()
        .any(|a| a.id == raw.assurance.default_profile)
    {
        return Err(ProfileError::Schema {
            origin: origin.to_string(),
            problems: format!(
                "assurance.defaultProfile {:?} is not one of the profiles",
                raw.assurance.default_profile
            ),
        });
    }
    Ok(Profile {
        id: raw.profile.id,
        version: raw.profile.version,
        model_id: raw.profile.model.id,
        model_version: raw.profile.model.version,
        title: raw.profile.title,
        experience,
        parameters,
        subject_fields: raw.runtime.subject_fields,
        assurance,
        default_assurance: raw.assurance.default_profile,
        evidence_gate: raw.runtime.criterion.map(|c| EvidenceGate {
            required_from_level: c.evidence.required_from_level,
            required_for_statuses: c.evidence.required_for_statuses,
            accepted_media_types: c.evidence.accepted_media_types,
            max_file_bytes: c.evidence.max_file_bytes,
        }),
        report_title: raw.report.title,
        claim_label: raw.report.claim_label,
        machine_attachment_name: raw.report.machine_attachment_name,
        include_evidence_manifest: raw.report.include_evidence_manifest,
        origin: origin.to_string(),
    })
}

/// The scoring parameters, checked against what pkimm implements.
fn parameters(
    origin: &str,
    methodology: &RawMethodology,
) -> Result<ScoringParameters, ProfileError> {
    let unsupported =
        |name: &str, value: &serde_json::Value, supported: &str| ProfileError::Unsupported {
            origin: origin.to_string(),
            name: name.to_string(),
            value: value.to_string(),
            supported: supported.to_string(),
        };
    if methodology.strategy != "weighted-average" {
        return Err(unsupported(
            "runtime.methodology.strategy",
            &serde_json::Value::String(methodology.strategy.clone()),
            "weighted-average",
        ));
    }
    let mut out = ScoringParameters::default();
    for (name, value) in &methodology.parameters {
        match (name.as_str(), value) {
            ("minimumLevel", v) => {
                out.minimum_level = v
                    .as_u64()
                    .filter(|n| *n <= 1)
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| unsupported(name, v, "0 or 1"))?;
            }
            ("maximumLevel", v) if v.as_u64() == Some(5) => out.maximum_level = 5,
            ("maximumLevel", v) => return Err(unsupported(name, v, "5")),
            ("rounding", v) if v.as_str() == Some("floor") => out.rounding = Rounding::Floor,
            ("rounding", v) => return Err(unsupported(name, v, "floor")),
            ("excludeNotApplicable", serde_json::Value::Bool(b)) => {
                out.exclude_not_applicable = *b;
            }
            ("excludeNotApplicable", v) => return Err(unsupported(name, v, "true or false")),
            ("categoryWeightField" | "requirementWeightField", v)
                if v.as_str() == Some("weight") => {}
            ("categoryWeightField" | "requirementWeightField", v) => {
                return Err(unsupported(name, v, "weight"))
            }
            (_, v) => return Err(unsupported(name, v, "a parameter pkimm knows")),
        }
    }
    Ok(out)
}

/// Loads a profile file.
pub fn load_profile_file(path: &Path) -> Result<Profile, ProfileError> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    parse_profile(&path.display().to_string(), &text)
}

/// The official self-assessment profile, parsed once.
pub fn embedded_profile() -> &'static Profile {
    static PROFILE: OnceLock<Profile> = OnceLock::new();
    PROFILE.get_or_init(|| {
        parse_profile("<embedded profile>", EMBEDDED_PROFILE_YAML)
            // Compiled in and checked by the tests; failing here is a build
            // defect, not an input error.
            .unwrap_or_else(|err| panic!("the embedded assessment profile is invalid: {err}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_profile_validates_and_loads() {
        let value: serde_json::Value =
            from_yaml_str("profile.yaml", EMBEDDED_PROFILE_YAML).unwrap();
        assert_eq!(schema_violations(&value), Vec::<String>::new());
        let profile = embedded_profile();
        assert_eq!(profile.id, "pkimm-self-assessment");
        assert_eq!(profile.model_version, "2.0.0");
        assert_eq!(profile.parameters, ScoringParameters::default());
        assert_eq!(profile.default_assurance, "self");
        assert_eq!(profile.assurance.len(), 3);
        assert_eq!(
            profile.machine_attachment_name,
            "pkimm-assessment-credential.json"
        );
        assert!(profile
            .assurance("self")
            .unwrap()
            .report_label
            .contains("not independently"));
    }

    #[test]
    fn bad_profiles_are_refused_with_the_reason() {
        let broken = EMBEDDED_PROFILE_YAML.replace("family: maturity", "family: horoscope");
        let err = parse_profile("p.yaml", &broken).unwrap_err().to_string();
        assert!(err.contains("p.yaml") && err.contains("family"), "{err}");
        let rounding = EMBEDDED_PROFILE_YAML.replace("rounding: floor", "rounding: nearest");
        let err = parse_profile("p.yaml", &rounding).unwrap_err().to_string();
        assert!(err.contains("rounding") && err.contains("floor"), "{err}");
    }
}
