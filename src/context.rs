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
