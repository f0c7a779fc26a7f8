//! The agent's HTTP endpoints: `/healthz`, `/metrics` (Prometheus text
//! exposition) and `/api/latest` (the latest scan of each job, JSON).

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use pkimm_report::prometheus::{evidence_families, Exposition};

use super::{lock, Shared};

/// Serves until the runtime stops.
pub async fn serve(listener: tokio::net::TcpListener, state: Shared) {
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

/// The exposition: scan counts and times per job, findings by severity,
/// and the evidence families over every job's latest tables.
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
    evidence_families(&mut out, s.latest.values().map(|l| l.tables.as_ref()));
    out.text
}
