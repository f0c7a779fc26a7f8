//! `pkimm agent`: run the jobs of a scan config on their schedules and serve
//! `/metrics`, `/healthz` and `/api/latest`.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_pipeline::setup::agent_name;
use pkimm_pipeline::{agent, Pipeline, ScanConfig};

use crate::cli::{AgentArgs, GlobalArgs};
use crate::output::model;

/// Runs the agent until SIGTERM or SIGINT.
pub fn run(global: &GlobalArgs, args: &AgentArgs) -> Result<ExitCode> {
    let config = ScanConfig::load(&args.config)?;
    config.require_jobs()?;
    let pipeline = Pipeline::load(model(global)?, &config.rule_inputs())?;
    let name = agent_name(config.agent.as_deref());
    agent::run(&pipeline, &config, &name, &args.listen, |address| {
        eprintln!(
            "pkimm agent {name}: {} jobs; serving http://{address}/metrics",
            config.jobs.len()
        );
    })?;
    eprintln!(
        "pkimm agent: stopped; the history in {} is consistent",
        config.store_location()
    );
    Ok(ExitCode::SUCCESS)
}
