//! `pkimm policy init` and `pkimm policy check`.

use std::process::ExitCode;

use anyhow::{bail, Result};
use pkimm_model::write::write_atomically;
use pkimm_rules::policy::DEFAULT_POLICY_YAML;

use crate::cli::{PolicyCheckArgs, PolicyInitArgs};

/// Writes the default policy.
pub fn init(args: &PolicyInitArgs) -> Result<ExitCode> {
    match &args.output {
        Some(path) => {
            if path.exists() && !args.force {
                bail!("{} exists; pass --force to overwrite it", path.display());
            }
            write_atomically(path, DEFAULT_POLICY_YAML.as_bytes(), true)?;
            eprintln!("wrote the default policy to {}", path.display());
        }
        None => crate::output::print_text(DEFAULT_POLICY_YAML)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks a policy file.
pub fn check(args: &PolicyCheckArgs) -> Result<ExitCode> {
    pkimm_rules::load_policy_file(&args.file)?;
    println!("{}: valid policy", args.file.display());
    Ok(ExitCode::SUCCESS)
}
