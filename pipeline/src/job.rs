//! One scan job of a scan config, as `pkimm scan` and the agent run it:
//! collect what the job names, then [`Pipeline::run`] with the history.

use pkimm_collectors::shard::Shard;
use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_model::write::write_json_file;
use pkimm_rules::Evaluation;

use crate::config::{JobConfig, ScanConfig};
use crate::history::Store;
use crate::run::{collect, CollectSettings, Pipeline, RunOptions, StoreTarget};
use crate::PipelineError;

/// A finished job.
#[derive(Debug)]
pub struct JobOutcome {
    /// The stored scan's id.
    pub scan_id: i64,
    /// When it started.
    pub started: UtcTime,
    /// When it finished.
    pub finished: UtcTime,
    /// Seconds it took.
    pub duration_seconds: f64,
    /// The evidence, with the history's trends.
    pub bundle: EvidenceBundle,
    /// The rules' results.
    pub evaluation: Evaluation,
}

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobFailure {
    /// Collection failed: this job has no scan, the others go on.
    #[error("job {job}: {source}")]
    Collect {
        /// The job.
        job: String,
        /// Why.
        #[source]
        source: Box<PipelineError>,
    },
    /// Storing or writing failed: the run stops.
    #[error(transparent)]
    Fatal(#[from] PipelineError),
}

/// Runs `job`: collects, evaluates with the history's trends, suggests
/// levels, stores the scan, and writes its bundle and evaluation under the
/// config's `output_dir` when set.
pub fn run_job(
    pipeline: &Pipeline,
    config: &ScanConfig,
    job: &JobConfig,
    agent: &str,
    store: &mut Store,
    runtime: &tokio::runtime::Runtime,
    shard: Shard,
) -> Result<JobOutcome, JobFailure> {
    let started = UtcTime::now();
    let clock = std::time::Instant::now();
    let settings = CollectSettings {
        agent,
        runtime: Some(runtime),
        progress: false,
        shard,
    };
    let mut bundle = collect(&job.collectors, &settings)
        .map_err(|source| JobFailure::Collect {
            job: job.name.clone(),
            source: Box::new(source),
        })?
        .bundle;
    let outcome = pipeline.run(
        &mut bundle,
        RunOptions {
            now: UtcTime::now().unix(),
            store: Some(StoreTarget {
                store,
                job: &job.name,
                agent,
                started,
            }),
            assessment: None,
            extensions: &[],
        },
    )?;
    let scan_id = outcome.scan_id.unwrap_or_default();
    if let Some(dir) = &config.output_dir {
        let dir = dir.join(&job.name).join(scan_id.to_string());
        std::fs::create_dir_all(&dir).map_err(|source| PipelineError::CreateDir {
            path: dir.clone(),
            source,
        })?;
        write_json_file(&dir.join("bundle.json"), &bundle).map_err(PipelineError::from)?;
        write_json_file(&dir.join("evaluation.json"), &outcome.evaluation)
            .map_err(PipelineError::from)?;
    }
    Ok(JobOutcome {
        scan_id,
        started,
        finished: UtcTime::now(),
        duration_seconds: clock.elapsed().as_secs_f64(),
        bundle,
        evaluation: outcome.evaluation,
    })
}
