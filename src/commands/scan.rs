//! `pkimm scan`: run every job of a scan config once and store it.

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use pkimm_collectors::runtime::new_runtime;
use pkimm_pipeline::history::Store;
use pkimm_pipeline::job::{run_job, JobFailure};
use pkimm_pipeline::setup::agent_name;
use pkimm_pipeline::{error_chain, JobConfig, Pipeline, ScanConfig};

use crate::cli::{GlobalArgs, ScanArgs};
use crate::output::{model, print_json};
use crate::{EXIT_ERROR, EXIT_THRESHOLD};

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ScanArgs) -> Result<ExitCode> {
    let config = ScanConfig::load(&args.config)?;
    config.require_jobs()?;
    let pipeline = Pipeline::load(model(global)?, &config.rule_inputs())?;
    let shard = args.shard.unwrap_or_default();
    let mut agent = agent_name(config.agent.as_deref());
    if !shard.is_all() {
        agent = format!("{agent}/shard-{}-of-{}", shard.index, shard.count);
    }
    let mut store = Store::open_location(&config.store_location())?;
    let jobs: Vec<&JobConfig> = config
        .jobs
        .iter()
        .filter(|j| args.jobs.is_empty() || args.jobs.contains(&j.name))
        .collect();
    if jobs.is_empty() {
        return Err(anyhow!("{}: no job to run", args.config.display()));
    }
    let runtime = new_runtime()?;
    let mut errors = 0;
    let mut over_threshold = 0;
    for job in jobs {
        let outcome = match run_job(&pipeline, &config, job, &agent, &mut store, &runtime, shard) {
            Ok(outcome) => outcome,
            Err(JobFailure::Collect { job, source }) => {
                eprintln!("job {job}: error: {}", error_chain(&source));
                errors += 1;
                continue;
            }
            Err(JobFailure::Fatal(e)) => return Err(e.into()),
        };
        if config.stdout {
            print_json(&outcome.evaluation)?;
        }
        over_threshold += args
            .fail_on
            .map_or(0, |s| outcome.evaluation.failures_at_or_above(s.severity()));
        let bundle = &outcome.bundle;
        eprintln!(
            "job {}: scan {}: {} certificates, {} endpoints, {} CRLs, {} OCSP checks, {} directory objects, {} failures",
            job.name,
            outcome.scan_id,
            bundle.certificates.len(),
            bundle.tls_endpoints.len(),
            bundle.crls.len(),
            bundle.ocsp_checks.len(),
            bundle.directory_objects.len(),
            bundle.failures.len()
        );
    }
    let removed = store.retain(config.retention_days())?;
    if removed > 0 {
        eprintln!("removed {removed} scans past the retention period");
    }
    Ok(if errors > 0 {
        ExitCode::from(EXIT_ERROR)
    } else if over_threshold > 0 {
        eprintln!("{over_threshold} unwaived findings at or above the --fail-on severity");
        ExitCode::from(EXIT_THRESHOLD)
    } else {
        ExitCode::SUCCESS
    })
}
