//! `pkimm agent`: runs the jobs of a scan config on their cron schedules,
//! one at a time (a job never overlaps itself or another), and serves
//! `/metrics` (Prometheus), `/healthz` and `/api/latest` ([`http`]). SIGTERM
//! or SIGINT lets the scan in flight finish and be stored, then it returns.

pub mod http;
pub mod serve;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pkimm_collectors::runtime::new_runtime;
use pkimm_collectors::shard::Shard;
use pkimm_model::evidence::UtcTime;
use pkimm_report::document::EvidenceTables;
use serde::Serialize;

use crate::config::{parse_schedule, ScanConfig};
use crate::history::Store;
use crate::job::{run_job, JobFailure, JobOutcome};
use crate::run::{findings_by_severity, Pipeline};
use crate::PipelineError;

/// The latest scan of one job, as `/api/latest` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LatestScan {
    scan_id: i64,
    started: UtcTime,
    finished: UtcTime,
    duration_seconds: f64,
    certificates: usize,
    tls_endpoints: usize,
    crls: usize,
    ocsp_checks: usize,
    failures: usize,
    findings_by_severity: BTreeMap<String, u64>,
    /// The evidence tables `/metrics` exposes.
    #[serde(skip)]
    tables: Arc<EvidenceTables>,
}

impl LatestScan {
    fn of(outcome: &JobOutcome) -> Self {
        let bundle = &outcome.bundle;
        Self {
            scan_id: outcome.scan_id,
            started: outcome.started,
            finished: outcome.finished,
            duration_seconds: outcome.duration_seconds,
            certificates: bundle.certificates.len(),
            tls_endpoints: bundle.tls_endpoints.len(),
            crls: bundle.crls.len(),
            ocsp_checks: bundle.ocsp_checks.len(),
            failures: bundle.failures.len(),
            findings_by_severity: findings_by_severity(&outcome.evaluation),
            tables: Arc::new(EvidenceTables::from_bundle(
                bundle,
                outcome.evaluation.evaluated_at.unix(),
            )),
        }
    }
}

/// What the HTTP endpoints read.
#[derive(Debug, Default)]
pub struct AgentState {
    agent: String,
    latest: BTreeMap<String, LatestScan>,
    scans_total: BTreeMap<String, u64>,
    errors_total: BTreeMap<String, u64>,
}

/// The state shared between the scheduler and the HTTP server.
pub type Shared = Arc<Mutex<AgentState>>;

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, AgentState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs the agent until a termination signal. `announce` is told the
/// address the HTTP server listens on.
pub fn run(
    pipeline: &Pipeline,
    config: &ScanConfig,
    agent: &str,
    serving: &serve::ServeOptions,
    announce: impl FnOnce(std::net::SocketAddr),
) -> Result<(), PipelineError> {
    let listen = serving.listen.as_str();
    let acceptor = serving.acceptor()?;
    let schedules: Vec<(String, croner::Cron)> = config
        .jobs
        .iter()
        .map(|job| {
            let text = job.schedule.as_deref().ok_or_else(|| {
                PipelineError::Agent(format!("job {}: the agent needs a schedule", job.name))
            })?;
            let cron = parse_schedule(text)
                .map_err(|e| PipelineError::Agent(format!("job {}: {e}", job.name)))?;
            Ok((job.name.clone(), cron))
        })
        .collect::<Result<_, PipelineError>>()?;
    if schedules.is_empty() {
        return Err(PipelineError::Agent(format!(
            "{}: no jobs",
            config.path.display()
        )));
    }
    let mut store = Store::open_location(&config.store_location())?;
    let state: Shared = Arc::new(Mutex::new(AgentState {
        agent: agent.to_string(),
        ..AgentState::default()
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let runtime = new_runtime().map_err(|source| PipelineError::Io {
        what: "cannot start the async runtime".to_string(),
        source,
    })?;
    // A literal address is checked before anything listens on it; a name
    // is checked once bound.
    if let Ok(address) = listen.parse::<std::net::SocketAddr>() {
        serving.check(address)?;
    }
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(listen))
        .map_err(|source| PipelineError::Io {
            what: format!("cannot listen on {listen}"),
            source,
        })?;
    let address = listener.local_addr().map_err(|source| PipelineError::Io {
        what: format!("cannot listen on {listen}"),
        source,
    })?;
    serving.check(address)?;
    announce(address);
    runtime.spawn(http::serve(
        listener,
        state.clone(),
        acceptor,
        serving.token.clone(),
        serving.metrics_detail,
    ));
    runtime.spawn(watch_signals(stop.clone()));

    let mut schedule = Schedule::new(schedules, chrono::Utc::now());
    while !stop.load(Ordering::SeqCst) {
        let Some(at) = schedule.next_due() else {
            return Err(PipelineError::Agent(
                "no schedule has a next run".to_string(),
            ));
        };
        // Sleep in short steps so a signal is noticed quickly.
        while chrono::Utc::now() < at && !stop.load(Ordering::SeqCst) {
            let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
            std::thread::sleep(left.min(Duration::from_millis(200)));
        }
        // Every job that is due runs, earliest first: none starves beside
        // another whose instants coincide or that runs long.
        for job_name in schedule.due(chrono::Utc::now()) {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Some(job) = config.jobs.iter().find(|j| j.name == job_name) else {
                continue;
            };
            match run_job(
                pipeline,
                config,
                job,
                agent,
                &mut store,
                &runtime,
                Shard::ALL,
            ) {
                Ok(outcome) => {
                    let mut s = lock(&state);
                    *s.scans_total.entry(job.name.clone()).or_default() += 1;
                    s.latest.insert(job.name.clone(), LatestScan::of(&outcome));
                    tracing::info!("job {}: scan {} stored", job.name, outcome.scan_id);
                }
                Err(JobFailure::Collect { job: name, source }) => {
                    eprintln!("job {name}: error: {}", crate::error_chain(&source));
                    *lock(&state).errors_total.entry(name).or_default() += 1;
                }
                Err(JobFailure::Fatal(e)) => return Err(e),
            }
            // A late job ran once; it resumes its schedule from now.
            schedule.ran(&job_name, chrono::Utc::now());
            if let Some(days) = config.retention_days {
                store.retain(days)?;
            }
        }
    }
    drop(runtime);
    Ok(())
}

/// When each job runs next.
struct Schedule {
    jobs: Vec<(String, croner::Cron, Option<chrono::DateTime<chrono::Utc>>)>,
}

impl Schedule {
    fn new(jobs: Vec<(String, croner::Cron)>, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            jobs: jobs
                .into_iter()
                .map(|(name, cron)| {
                    let next = cron.find_next_occurrence(&now, false).ok();
                    (name, cron, next)
                })
                .collect(),
        }
    }

    /// The earliest time a job is due.
    fn next_due(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.jobs.iter().filter_map(|(_, _, next)| *next).min()
    }

    /// The jobs due at `now`, earliest first (then by name).
    fn due(&self, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
        let mut due: Vec<(chrono::DateTime<chrono::Utc>, &str)> = self
            .jobs
            .iter()
            .filter_map(|(name, _, next)| next.filter(|t| *t <= now).map(|t| (t, name.as_str())))
            .collect();
        due.sort();
        due.into_iter().map(|(_, name)| name.to_string()).collect()
    }

    /// Records that `name` ran, finishing at `now`: its next run is its
    /// next instant after now.
    fn ran(&mut self, name: &str, now: chrono::DateTime<chrono::Utc>) {
        for (job, cron, next) in &mut self.jobs {
            if job == name {
                *next = cron.find_next_occurrence(&now, false).ok();
            }
        }
    }
}

async fn watch_signals(stop: Arc<AtomicBool>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    eprintln!("pkimm agent: stopping after the scan in flight");
    stop.store(true, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_second() -> croner::Cron {
        parse_schedule("* * * * * *").unwrap()
    }

    /// Two jobs whose instants coincide, each run taking longer than their
    /// period: both keep running (before, the one sorting later never ran).
    #[test]
    fn coinciding_jobs_both_run() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-06-01T00:00:00.5Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut schedule = Schedule::new(
            vec![("a".into(), every_second()), ("b".into(), every_second())],
            start,
        );
        let mut clock = start;
        let mut runs: BTreeMap<String, u32> = BTreeMap::new();
        for _ in 0..20 {
            clock = clock.max(schedule.next_due().unwrap());
            for job in schedule.due(clock) {
                // Each run takes 1.5 s.
                clock += chrono::Duration::milliseconds(1500);
                *runs.entry(job.clone()).or_default() += 1;
                schedule.ran(&job, clock);
            }
        }
        assert!(runs["a"] >= 10 && runs["b"] >= 10, "{runs:?}");
    }

    /// A job that missed many instants (the agent was busy or suspended)
    /// runs once, not once per missed instant, then keeps its schedule.
    #[test]
    fn a_late_job_runs_once_then_resumes() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let minutely = parse_schedule("0 * * * * *").unwrap();
        let mut schedule = Schedule::new(vec![("a".into(), minutely)], start);
        // Ten minutes late.
        let late = start + chrono::Duration::minutes(10) + chrono::Duration::seconds(5);
        assert_eq!(schedule.due(late), ["a"]);
        schedule.ran("a", late);
        assert!(
            schedule.due(late).is_empty(),
            "missed instants are not run again"
        );
        let next = schedule.next_due().unwrap();
        assert_eq!(next, start + chrono::Duration::minutes(11));
        assert_eq!(schedule.due(next), ["a"]);
    }
}
