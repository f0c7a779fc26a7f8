//! Loading what every command shares: the model, extensions, rules, policy,
//! waivers, level mappings and the evaluation time.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use pkimm_model::diag::Located;
use pkimm_model::evidence::UtcTime;
use pkimm_model::read::{read_text_file, MAX_DOCUMENT_BYTES};
use pkimm_model::{
    embedded_model, embedded_model_version, load_extension_file, load_model_file, Extension, Model,
};
use pkimm_rules::criteria::Catalog;
use pkimm_rules::waiver::{parse_waivers, Waiver, WaiverError};
use pkimm_rules::{load_policy_file, Policy, RulePack};
use pkimm_scoring::assessment::{declared_model_version, parse_assessment};
use pkimm_scoring::profile::{embedded_profile, load_profile_file, Profile};
use pkimm_scoring::{Assessment, AssessmentError};

use crate::PipelineError;

/// The model in `path` (an official model YAML), or the embedded one.
pub fn load_model(path: Option<&Path>) -> Result<Cow<'static, Model>, PipelineError> {
    match path {
        Some(path) => {
            let model = load_model_file(path)?;
            tracing::info!(path = %path.display(), version = %model.version, "Loaded model file.");
            Ok(Cow::Owned(model))
        }
        None => Ok(Cow::Borrowed(embedded_model())),
    }
}

/// Loads every extension file against `model`; an id given twice is an error.
pub fn load_extensions(paths: &[PathBuf], model: &Model) -> Result<Vec<Extension>, PipelineError> {
    let mut extensions: Vec<Extension> = Vec::with_capacity(paths.len());
    for path in paths {
        let extension = load_extension_file(path, model)?;
        if let Some(first) = extensions.iter().find(|e| e.id == extension.id) {
            return Err(PipelineError::DuplicateExtension {
                id: extension.id.clone(),
                first: first.origin.to_string(),
                second: extension.origin.to_string(),
            });
        }
        tracing::info!(id = %extension.id, version = %extension.version, "Loaded extension.");
        extensions.push(extension);
    }
    Ok(extensions)
}

/// The evaluation time: `now` (RFC 3339) or the current time, Unix seconds.
pub fn evaluation_time(now: Option<&str>) -> Result<i64, PipelineError> {
    match now {
        Some(text) => UtcTime::parse(text)
            .map(UtcTime::unix)
            .ok_or_else(|| PipelineError::Time(text.to_string())),
        None => Ok(UtcTime::now().unix()),
    }
}

/// Where rules, the policy, waivers and level mappings come from.
#[derive(Debug, Clone, Default)]
pub struct RuleInputs {
    /// Extra rule files or directories.
    pub rules: Vec<PathBuf>,
    /// Leave the built-in pack out.
    pub no_builtin: bool,
    /// The organisation policy (default: the built-in one).
    pub policy: Option<PathBuf>,
    /// Waivers.
    pub waivers: Option<PathBuf>,
    /// Extra level mapping files.
    pub levels: Vec<PathBuf>,
}

/// The rule pack: built-in (unless left out) plus every extra path.
pub fn load_rule_pack(model: &Model, inputs: &RuleInputs) -> Result<RulePack, PipelineError> {
    let mut pack = if inputs.no_builtin {
        RulePack::new()
    } else {
        RulePack::builtin(model)?
    };
    for path in &inputs.rules {
        pack.add_path(path, model)?;
    }
    if pack.is_empty() {
        return Err(PipelineError::NoRules);
    }
    Ok(pack)
}

/// The policy in `path`, or the built-in one.
pub fn load_policy(path: Option<&Path>) -> Result<Policy, PipelineError> {
    Ok(match path {
        Some(path) => load_policy_file(path)?,
        None => Policy::default(),
    })
}

/// The waivers in `path`, or none. Each must name a rule of `pack`: a
/// waiver for a rule that does not exist (a typo) would never apply.
pub fn load_waivers(path: Option<&Path>, pack: &RulePack) -> Result<Vec<Waiver>, PipelineError> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    let origin = path.display().to_string();
    let waivers = parse_waivers(&origin, &text).map_err(WaiverError::from)?;
    let located = Located::new(&origin, &text);
    for (i, waiver) in waivers.iter().enumerate() {
        if !pack.rules().iter().any(|r| r.def.id == waiver.rule) {
            let error = located.error(
                &format!("waivers[{i}].rule"),
                format!(
                    "no loaded rule is called {:?}; a waiver for it would never apply",
                    waiver.rule
                ),
            );
            return Err(WaiverError::Invalid(error).into());
        }
    }
    Ok(waivers)
}

/// The built-in criteria plus the files in `paths` (`--levels`), which
/// replace them per requirement.
pub fn load_criteria(paths: &[PathBuf]) -> Result<Catalog, PipelineError> {
    let mut catalog = Catalog::builtin().clone();
    for path in paths {
        let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
        catalog.add_text(&path.display().to_string(), &text)?;
    }
    Ok(catalog)
}

/// The agent name: `given`, or the host name, or `unknown`.
pub fn agent_name(given: Option<&str>) -> String {
    if let Some(name) = given {
        return name.to_string();
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The assessment profile in `path`, or the official self-assessment profile.
pub fn load_profile(path: Option<&Path>) -> Result<Cow<'static, Profile>, PipelineError> {
    Ok(match path {
        Some(path) => Cow::Owned(load_profile_file(path)?),
        None => Cow::Borrowed(embedded_profile()),
    })
}

/// Checks that the assurance level an assessment records is one the
/// profile defines (a report never falls back to another label silently).
pub fn check_assurance(
    origin: &Path,
    assessment: &Assessment,
    profile: &Profile,
) -> Result<(), PipelineError> {
    let Some(recorded) = &assessment.profile else {
        return Ok(());
    };
    if profile.assurance(&recorded.assurance).is_some() {
        return Ok(());
    }
    Err(PipelineError::UnknownAssurance {
        origin: origin.display().to_string(),
        assurance: recorded.assurance.clone(),
        profile: profile.id.clone(),
        known: profile
            .assurance
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The model an assessment is scored with: `model_file` when given (its
/// version must be the assessment's), else the embedded model of the
/// version the assessment declares.
pub fn model_for_assessment(
    declared: &str,
    model_file: Option<&Path>,
    origin: &str,
) -> Result<Cow<'static, Model>, PipelineError> {
    match model_file {
        Some(path) => {
            let model = load_model(Some(path))?;
            if model.version != declared {
                return Err(PipelineError::ModelMismatch {
                    origin: origin.to_string(),
                    declared: declared.to_string(),
                    given: model.version.clone(),
                });
            }
            Ok(model)
        }
        None => embedded_model_version(declared)
            .map(Cow::Borrowed)
            .ok_or_else(|| PipelineError::UnknownModel {
                origin: origin.to_string(),
                declared: declared.to_string(),
            }),
    }
}

/// Reads an assessment file and validates it against its own model (see
/// [`model_for_assessment`]).
pub fn load_assessment(
    path: &Path,
    model_file: Option<&Path>,
) -> Result<(Cow<'static, Model>, Assessment), PipelineError> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    let origin = path.display().to_string();
    let declared = declared_model_version(&origin, &text)
        .map_err(|e| PipelineError::Assessment(AssessmentError::Invalid(e)))?;
    let model = model_for_assessment(&declared, model_file, &origin)?;
    let assessment = parse_assessment(&origin, &text, &model)
        .map_err(|e| PipelineError::Assessment(AssessmentError::Invalid(e)))?;
    Ok((model, assessment))
}
