//! `pkimm collect COLLECTOR`: run one collector into an evidence bundle.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use pkimm_pipeline::setup::agent_name;
use pkimm_pipeline::{collect, CollectSettings, ScanConfig};

use crate::cli::CollectArgs;
use crate::output::write_json;

/// Runs the command.
pub fn run(args: &CollectArgs) -> Result<ExitCode> {
    let collector = match &args.config {
        Some(path) => ScanConfig::load(path)?.with_defaults(args.collector.clone()),
        None => args.collector.clone(),
    };
    let agent = agent_name(args.agent.as_deref());
    let collected = collect(
        std::slice::from_ref(&collector),
        &CollectSettings {
            agent: &agent,
            runtime: None,
            progress: std::io::stderr().is_terminal(),
            shard: args.shard.unwrap_or_default(),
        },
    )?;
    for (_, summary) in &collected.summaries {
        eprintln!("{summary}");
    }
    if let Some(path) = &args.cbom {
        pkimm_model::write::write_atomically(
            path,
            pkimm_report::cbom::render_bundle(&collected.bundle)?.as_bytes(),
            false,
        )?;
    }
    write_json(args.output.as_deref(), &collected.bundle)?;
    Ok(ExitCode::SUCCESS)
}
