//! `pkimm agent`: run the jobs of a scan config on their schedules and serve
//! `/metrics`, `/healthz` and `/api/latest`.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_pipeline::setup::agent_name;
use pkimm_pipeline::{agent, Pipeline, ScanConfig};

use pkimm_model::secret::{secret_from_env, secret_from_file};
use pkimm_pipeline::agent::serve::{MetricsDetail, ServeOptions};

use crate::cli::{AgentArgs, GlobalArgs, MetricsDetailArg};
use crate::output::model;

/// The environment variable holding the agent's bearer token.
const TOKEN_VARIABLE: &str = "PKIMM_AGENT_TOKEN";

/// Runs the agent until SIGTERM or SIGINT.
pub fn run(global: &GlobalArgs, args: &AgentArgs) -> Result<ExitCode> {
    let config = ScanConfig::load(&args.config)?;
    config.require_jobs()?;
    let pipeline = Pipeline::load(model(global)?, &config.rule_inputs())?;
    let name = agent_name(config.agent.as_deref());
    let token = match &args.token_file {
        Some(path) => Some(secret_from_file(path)?),
        None => secret_from_env(TOKEN_VARIABLE).ok(),
    };
    let serving = ServeOptions {
        listen: args.listen.clone(),
        tls: args.tls.pair(),
        token,
        metrics_detail: match args.metrics_detail {
            MetricsDetailArg::Full => MetricsDetail::Full,
            MetricsDetailArg::Summary => MetricsDetail::Summary,
        },
    };
    let scheme = if serving.tls.is_some() {
        "https"
    } else {
        "http"
    };
    agent::run(&pipeline, &config, &name, &serving, |address| {
        eprintln!(
            "pkimm agent {name}: {} jobs; serving {scheme}://{address}/metrics",
            config.jobs.len()
        );
    })?;
    eprintln!(
        "pkimm agent: stopped; the history in {} is consistent",
        config.store_location()
    );
    Ok(ExitCode::SUCCESS)
}
