//! `pkimm config check`: check a scan config and list its jobs.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use pkimm_collectors::CollectorConfig;
use pkimm_pipeline::ScanConfig;

/// Runs the command.
pub fn run(file: &Path) -> Result<ExitCode> {
    let config = ScanConfig::load(file)?;
    config.require_jobs()?;
    for job in &config.jobs {
        let collectors: Vec<&str> = job
            .collectors
            .iter()
            .map(CollectorConfig::type_name)
            .collect();
        println!(
            "job {}: {}{}",
            job.name,
            collectors.join(", "),
            job.schedule
                .as_deref()
                .map(|s| format!("; schedule {s}"))
                .unwrap_or_default()
        );
    }
    println!("{}: {} jobs, valid", file.display(), config.jobs.len());
    Ok(ExitCode::SUCCESS)
}
