//! `pkimm collect files`: parse certificate and CRL files into a bundle.

use std::process::ExitCode;

use anyhow::{Context, Result};
use pkimm_collectors::files::{collect_files, FilesOptions};
use pkimm_collectors::parse::{ContainerOptions, CrlOptions};

use crate::cli::CollectFilesArgs;
use crate::commands::collect_common::{agent_name, read_secret};
use crate::write::write_json;

/// Runs the command.
pub fn run(args: &CollectFilesArgs) -> Result<ExitCode> {
    let mut passwords = Vec::new();
    if let Some(var) = &args.pkcs12_password_env {
        passwords.push(
            std::env::var(var).with_context(|| format!("environment variable {var} is not set"))?,
        );
    }
    if let Some(path) = &args.pkcs12_password_file {
        passwords.push(read_secret(path)?);
    }
    let options = FilesOptions {
        max_file_bytes: args.max_file_size,
        follow_symlinks: !args.no_follow_symlinks,
        container: ContainerOptions {
            pkcs12_passwords: passwords,
        },
        crl: CrlOptions {
            max_entries_recorded: args.crl_entries,
            ..CrlOptions::default()
        },
        agent: Some(agent_name(args.out.agent.as_deref())),
    };
    let (bundle, summary) = collect_files(&args.paths, &options)?;
    eprintln!(
        "collected {} certificates, {} CRLs and {} failures from {} files ({} other files ignored)",
        bundle.certificates.len(),
        bundle.crls.len(),
        bundle.failures.len(),
        summary.files_parsed,
        summary.files_ignored
    );
    write_json(args.out.output.as_deref(), &bundle)?;
    Ok(ExitCode::SUCCESS)
}
