//! `pkimm schema`: the JSON Schema of `pkimm report --format json`, or of
//! the credential or the evidence manifest.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::SchemaArgs;
use crate::output::print_json;

/// Runs the command.
pub fn run(args: &SchemaArgs) -> Result<ExitCode> {
    let schema = if args.credential {
        pkimm_report::credential_schema()
    } else if args.manifest {
        pkimm_report::manifest_schema()
    } else {
        pkimm_report::schema()
    };
    print_json(&schema)?;
    Ok(ExitCode::SUCCESS)
}
