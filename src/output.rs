//! What commands share: printing to stdout, writing outputs, and the
//! pipeline loaded from the usual flags.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use pkimm_model::write::{write_atomically, write_json_file};
use pkimm_model::Model;
use pkimm_scoring::profile::Profile;
use pkimm_scoring::Assessment;
use serde::Serialize;

use crate::cli::GlobalArgs;

/// How long a command waits for another pkimm process updating the same
/// file.
pub const UPDATE_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The model `--model` names, or the embedded 2.0.0 one.
pub fn model(global: &GlobalArgs) -> Result<Cow<'static, Model>> {
    Ok(pkimm_pipeline::setup::load_model(global.model.as_deref())?)
}

/// An assessment file and the model it is scored with.
pub fn assessment(global: &GlobalArgs, path: &Path) -> Result<(Cow<'static, Model>, Assessment)> {
    Ok(pkimm_pipeline::setup::load_assessment(
        path,
        global.model.as_deref(),
    )?)
}

/// The assessment profile `--profile` names, or the official one.
pub fn profile(global: &GlobalArgs) -> Result<Cow<'static, Profile>> {
    Ok(pkimm_pipeline::setup::load_profile(
        global.profile.as_deref(),
    )?)
}

/// The assessment profile, checked against what `assessment` (read from
/// `path`) records.
pub fn profile_of(
    global: &GlobalArgs,
    path: &Path,
    assessment: &Assessment,
) -> Result<Cow<'static, Profile>> {
    let profile = profile(global)?;
    pkimm_pipeline::setup::check_assurance(path, assessment, &profile)?;
    Ok(profile)
}

/// Prints a value as pretty JSON on stdout. A reader that closes the pipe
/// early (`| head`) is not an error.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let result = serde_json::to_writer_pretty(&mut stdout, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(stdout))
        .and_then(|()| stdout.flush());
    match result {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Prints text on stdout; a reader that closes the pipe early is not an
/// error.
pub fn print_text(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes `value` as pretty JSON to `path` (atomically) or stdout.
pub fn write_json<T: Serialize>(path: Option<&Path>, value: &T) -> Result<()> {
    match path {
        Some(path) => Ok(write_json_file(path, value)?),
        None => print_json(value),
    }
}

/// Writes `text` to `path` (atomically) or stdout.
pub fn write_text(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(path) => Ok(write_atomically(path, text.as_bytes(), false)?),
        None => print_text(text),
    }
}

/// The history store `--store` or `--config` names.
pub fn store_location(args: &crate::cli::StoreArgs) -> Result<String> {
    match (&args.store, &args.config) {
        (Some(location), _) if pkimm_pipeline::config::has_inline_password(location) => {
            anyhow::bail!(
                "--store carries a password, which other users can read in the process list: remove it and set PKIMM_STORE_PASSWORD"
            )
        }
        (Some(location), _) => Ok(location.clone()),
        (None, Some(config)) => Ok(pkimm_pipeline::ScanConfig::load(config)?.store_location()),
        (None, None) => anyhow::bail!("give --config FILE or --store LOCATION"),
    }
}
