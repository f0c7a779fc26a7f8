//! `pkimm agent`: runs the jobs of a scan config on their cron schedules,
//! one at a time (a job never overlaps itself or another), and serves
//! `/metrics` (Prometheus), `/healthz` and `/api/latest` with axum. SIGTERM
//! or SIGINT lets the scan in flight finish and be stored, then exits.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_rules::Outcome;
use serde::Serialize;

use crate::cli::{AgentArgs, GlobalArgs};
use crate::commands::collect_common::agent_name;
use crate::commands::scan::{collect_job, store_location, JobEvaluator};
use crate::config::{self, parse_schedule};
use crate::history::Store;
use crate::report::prometheus::{evidence_families, Exposition};

/// The latest scan of one job, as `/api/latest` shows it.
#[derive(Debug, Clone, Serialize)]
struct LatestScan {
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
    #[serde(skip)]
    bundle: Arc<EvidenceBundle>,
}

/// What the HTTP endpoints read.
#[derive(Debug, Default)]
struct AgentState {
    agent: String,
    latest: BTreeMap<String, LatestScan>,
    scans_total: BTreeMap<String, u64>,
    errors_total: BTreeMap<String, u64>,
}

type Shared = Arc<Mutex<AgentState>>;

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, AgentState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs the agent until a termination signal.
pub fn run(global: &GlobalArgs, args: &AgentArgs) -> Result<ExitCode> {
    let config = config::load(&args.config)?;
    let schedules: Vec<(String, croner::Cron)> = config
        .jobs
        .iter()
        .map(|job| {
            let text = job
                .schedule
                .as_deref()
                .ok_or_else(|| anyhow!("job {}: the agent needs a schedule", job.name))?;
            Ok((
                job.name.clone(),
                parse_schedule(text).map_err(|e| anyhow!("job {}: {e}", job.name))?,
            ))
        })
        .collect::<Result<_>>()?;
    if schedules.is_empty() {
        return Err(anyhow!("{}: no jobs", args.config.display()));
    }
    let evaluator = JobEvaluator::load(global, &config)?;
    let agent = agent_name(config.agent.as_deref());
    let store_file = store_location(&args.config, &config);
    let mut store = Store::open_location(&store_file)?;

    let state: Shared = Arc::new(Mutex::new(AgentState {
        agent: agent.clone(),
        ..AgentState::default()
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&args.listen))
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    eprintln!(
        "pkimm agent {agent}: {} jobs; serving http://{}/metrics",
        schedules.len(),
        listener.local_addr()?
    );
    runtime.spawn(serve(listener, state.clone()));
    runtime.spawn(watch_signals(stop.clone()));

    while !stop.load(Ordering::SeqCst) {
        let now = chrono::Utc::now();
        let next = schedules
            .iter()
            .filter_map(|(name, cron)| {
                cron.find_next_occurrence(&now, false)
                    .ok()
                    .map(|t| (t, name.clone()))
            })
            .min();
        let Some((at, job_name)) = next else {
            return Err(anyhow!("no schedule has a next run"));
        };
        // Sleep in short steps so a signal is noticed quickly.
        while chrono::Utc::now() < at && !stop.load(Ordering::SeqCst) {
            let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
            std::thread::sleep(left.min(Duration::from_millis(200)));
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Some(job) = config.jobs.iter().find(|j| j.name == job_name) else {
            continue;
        };
        let started = UtcTime::now();
        let clock = std::time::Instant::now();
        match collect_job(&config, job, &agent) {
            Ok(mut bundle) => {
                let (scan_id, evaluation) = evaluator.evaluate_and_store(
                    &mut store,
                    &job.name,
                    &agent,
                    started,
                    &mut bundle,
                )?;
                let mut findings: BTreeMap<String, u64> = BTreeMap::new();
                for f in &evaluation.findings {
                    if f.outcome == Outcome::Fail && f.waived.is_none() {
                        *findings.entry(f.severity.name().to_string()).or_default() += 1;
                    }
                }
                let latest = LatestScan {
                    scan_id,
                    started,
                    finished: UtcTime::now(),
                    duration_seconds: clock.elapsed().as_secs_f64(),
                    certificates: bundle.certificates.len(),
                    tls_endpoints: bundle.tls_endpoints.len(),
                    crls: bundle.crls.len(),
                    ocsp_checks: bundle.ocsp_checks.len(),
                    failures: bundle.failures.len(),
                    findings_by_severity: findings,
                    bundle: Arc::new(bundle),
                };
                let mut s = lock(&state);
                *s.scans_total.entry(job.name.clone()).or_default() += 1;
                s.latest.insert(job.name.clone(), latest);
                tracing::info!("job {}: scan {scan_id} stored", job.name);
            }
            Err(e) => {
                eprintln!("job {}: error: {e:#}", job.name);
                *lock(&state)
                    .errors_total
                    .entry(job.name.clone())
                    .or_default() += 1;
            }
        }
        if let Some(days) = config.retention_days {
            store.retain(days)?;
        }
    }
    eprintln!("pkimm agent: stopped; the history in {store_file} is consistent");
    drop(runtime);
    Ok(ExitCode::SUCCESS)
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

async fn serve(listener: tokio::net::TcpListener, state: Shared) {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/metrics",
            get({
                let state = state.clone();
                move || async move {
                    (
                        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                        metrics(&state),
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/api/latest",
            get(move || async move {
                let s = lock(&state);
                let body = serde_json::json!({
                    "schema_version": "1.0.0",
                    "agent": s.agent,
                    "jobs": s.latest,
                });
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    body.to_string(),
                )
                    .into_response()
            }),
        );
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("pkimm agent: HTTP server stopped: {e}");
    }
}

fn metrics(state: &Shared) -> String {
    let s = lock(state);
    let mut out = Exposition::default();
    out.family(
        "pkimm_agent_scans_total",
        "Scans completed per job since the agent started.",
    );
    for (job, n) in &s.scans_total {
        out.sample("pkimm_agent_scans_total", &[("job", job)], *n as f64);
    }
    out.family(
        "pkimm_agent_scan_errors_total",
        "Scans that failed per job since the agent started.",
    );
    for (job, n) in &s.errors_total {
        out.sample("pkimm_agent_scan_errors_total", &[("job", job)], *n as f64);
    }
    out.family(
        "pkimm_agent_last_scan_timestamp_seconds",
        "When the job's last scan finished.",
    );
    out.family(
        "pkimm_agent_last_scan_duration_seconds",
        "How long the job's last scan took.",
    );
    out.family(
        "pkimm_findings",
        "Unwaived failing findings of the job's last scan, by severity.",
    );
    for (job, latest) in &s.latest {
        out.sample(
            "pkimm_agent_last_scan_timestamp_seconds",
            &[("job", job)],
            latest.finished.unix() as f64,
        );
        out.sample(
            "pkimm_agent_last_scan_duration_seconds",
            &[("job", job)],
            latest.duration_seconds,
        );
        for (severity, n) in &latest.findings_by_severity {
            out.sample(
                "pkimm_findings",
                &[("job", job), ("severity", severity)],
                *n as f64,
            );
        }
    }
    let mut merged = EvidenceBundle::new("agent");
    for latest in s.latest.values() {
        merged.merge((*latest.bundle).clone());
    }
    evidence_families(&mut out, &merged);
    out.text
}
