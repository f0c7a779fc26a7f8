//! Resources shared by commands: the model in use and the loaded extensions.

use std::borrow::Cow;
use std::path::PathBuf;

use anyhow::Result;
use pkimm_model::{embedded_model, load_extension_file, load_model_file, Extension, Model};

use crate::cli::GlobalArgs;

/// The model selected by `--model`, or the embedded one.
pub fn model(global: &GlobalArgs) -> Result<Cow<'static, Model>> {
    match &global.model {
        Some(path) => {
            let model = load_model_file(path)?;
            tracing::info!(path = %path.display(), version = %model.version, "Loaded model file.");
            Ok(Cow::Owned(model))
        }
        None => Ok(Cow::Borrowed(embedded_model())),
    }
}

/// Loads every extension file against `model`.
pub fn extensions(paths: &[PathBuf], model: &Model) -> Result<Vec<Extension>> {
    let mut extensions: Vec<Extension> = Vec::with_capacity(paths.len());
    for path in paths {
        let extension = load_extension_file(path, model)?;
        if let Some(first) = extensions.iter().find(|e| e.id == extension.id) {
            anyhow::bail!(
                "extension {:?} is given twice: {} and {}",
                extension.id,
                first.origin,
                extension.origin
            );
        }
        tracing::info!(id = %extension.id, version = %extension.version, "Loaded extension.");
        extensions.push(extension);
    }
    Ok(extensions)
}

/// The rule pack: built-in (unless disabled) plus every `--rules` path.
pub fn rule_pack(model: &Model, source: &crate::cli::RuleSource) -> Result<pkimm_rules::RulePack> {
    let mut pack = if source.no_builtin {
        pkimm_rules::RulePack::new()
    } else {
        pkimm_rules::RulePack::builtin(model)?
    };
    for path in &source.rules {
        pack.add_path(path, model)?;
    }
    if pack.is_empty() {
        anyhow::bail!("no rules to run: --no-builtin was given without --rules");
    }
    Ok(pack)
}

/// Loads the bundles and evaluates the rules over them. Returns the
/// evaluation and the number of rules run.
pub fn evaluate_bundles(
    model: &Model,
    bundles: &[PathBuf],
    inputs: &crate::cli::EvaluationInputs,
) -> Result<(pkimm_rules::Evaluation, usize)> {
    let pack = rule_pack(model, &inputs.source)?;
    let bundle = load_bundles(bundles)?;
    evaluate_loaded_with(model, &bundle, inputs, &pack)
}

/// Evaluates the rules over an already loaded bundle.
pub fn evaluate_loaded(
    model: &Model,
    bundle: &pkimm_model::evidence::EvidenceBundle,
    inputs: &crate::cli::EvaluationInputs,
) -> Result<(pkimm_rules::Evaluation, usize)> {
    let pack = rule_pack(model, &inputs.source)?;
    evaluate_loaded_with(model, bundle, inputs, &pack)
}

fn evaluate_loaded_with(
    model: &Model,
    bundle: &pkimm_model::evidence::EvidenceBundle,
    inputs: &crate::cli::EvaluationInputs,
    pack: &pkimm_rules::RulePack,
) -> Result<(pkimm_rules::Evaluation, usize)> {
    let options = pkimm_rules::EvalOptions {
        policy: load_policy(inputs.policy.as_deref())?,
        now: evaluation_time(inputs.now.as_deref())?,
        waivers: load_waivers(inputs.waivers.as_deref())?,
        measure_cost: false,
    };
    Ok((
        pkimm_rules::evaluate(pack, bundle, model, &options),
        pack.len(),
    ))
}

/// The organisation policy from `path`, or the built-in one.
pub fn load_policy(path: Option<&std::path::Path>) -> Result<pkimm_rules::Policy> {
    Ok(match path {
        Some(path) => pkimm_rules::load_policy_file(path)?,
        None => pkimm_rules::Policy::default(),
    })
}

/// The waivers from `path`, or none.
pub fn load_waivers(path: Option<&std::path::Path>) -> Result<Vec<pkimm_rules::waiver::Waiver>> {
    Ok(match path {
        Some(path) => pkimm_rules::waiver::load_waiver_file(path)?,
        None => Vec::new(),
    })
}

/// Largest evidence bundle read (4 GiB).
const MAX_BUNDLE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Reads and merges evidence bundles.
pub fn load_bundles(paths: &[PathBuf]) -> Result<pkimm_model::evidence::EvidenceBundle> {
    use anyhow::Context as _;
    let mut merged: Option<pkimm_model::evidence::EvidenceBundle> = None;
    for path in paths {
        let text = pkimm_model::read::read_text_file(path, MAX_BUNDLE_BYTES)?;
        let bundle: pkimm_model::evidence::EvidenceBundle = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a pkimm evidence bundle", path.display()))?;
        let major = bundle.schema_version.split('.').next().unwrap_or("");
        if major != "1" {
            anyhow::bail!(
                "{}: evidence schema version {} is not supported (pkimm reads 1.x)",
                path.display(),
                bundle.schema_version
            );
        }
        match &mut merged {
            Some(m) => m.merge(bundle),
            None => merged = Some(bundle),
        }
    }
    merged.context("no bundle given")
}

/// The evaluation time: `--now` or the current time.
pub fn evaluation_time(now: Option<&str>) -> Result<i64> {
    match now {
        Some(text) => pkimm_model::evidence::UtcTime::parse(text)
            .map(pkimm_model::evidence::UtcTime::unix)
            .with_context_text(|| {
                format!("--now {text:?} is not an RFC 3339 time such as 2026-06-01T00:00:00Z")
            }),
        None => Ok(pkimm_model::evidence::UtcTime::now().unix()),
    }
}

/// `Option::with_context` with a message, without importing anyhow's trait at
/// every call site.
trait WithContextText<T> {
    fn with_context_text(self, message: impl FnOnce() -> String) -> Result<T>;
}

impl<T> WithContextText<T> for Option<T> {
    fn with_context_text(self, message: impl FnOnce() -> String) -> Result<T> {
        self.ok_or_else(|| anyhow::anyhow!(message()))
    }
}
