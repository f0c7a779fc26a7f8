//! The agent's HTTP endpoints: `/healthz`, `/metrics` (Prometheus text
//! exposition) and `/api/latest` (the latest scan of each job, JSON).

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use pkimm_model::secret::Secret;
use pkimm_report::prometheus::{evidence_families, Exposition};

use super::serve::{bearer_matches, MetricsDetail, TlsListener};
use super::{lock, Shared};

/// Serves until the runtime stops: over TLS when `acceptor` is given, and
/// requiring `token` on `/metrics` and `/api/latest` when one is set
/// (`/healthz` stays open for probes and says nothing about the estate).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Shared,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    token: Option<Secret>,
    detail: MetricsDetail,
) {
    let app = Router::new()
        .route(
            "/metrics",
            get({
                let state = state.clone();
                move || async move {
                    (
                        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                        metrics(&state, detail),
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
    let app = match token {
        Some(token) => {
            let token = std::sync::Arc::new(token);
            app.layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    let token = token.clone();
                    async move {
                        let given = request
                            .headers()
                            .get(header::AUTHORIZATION)
                            .and_then(|v| v.to_str().ok());
                        if bearer_matches(given, &token) {
                            next.run(request).await
                        } else {
                            (
                                StatusCode::UNAUTHORIZED,
                                [(header::WWW_AUTHENTICATE, "Bearer")],
                                "a bearer token is required\n",
                            )
                                .into_response()
                        }
                    }
                },
            ))
        }
        None => app,
    };
    let app = app.route("/healthz", get(|| async { "ok\n" }));
    let result = match acceptor {
        Some(acceptor) => match TlsListener::new(listener, acceptor) {
            Ok(tls) => axum::serve(tls, app).await,
            Err(e) => Err(e),
        },
        None => axum::serve(listener, app).await,
    };
    if let Err(e) = result {
        eprintln!("pkimm agent: HTTP server stopped: {e}");
    }
}

/// The exposition: scan counts and times per job, findings by severity,
/// and the evidence families over every job's latest tables.
fn metrics(state: &Shared, detail: MetricsDetail) -> String {
    let s = lock(state);
    let mut out = Exposition::default();
    out.counter_family(
        "pkimm_agent_scans_total",
        "Scans completed per job since the agent started.",
    );
    for (job, n) in &s.scans_total {
        out.sample("pkimm_agent_scans_total", &[("job", job)], *n as f64);
    }
    out.counter_family(
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
    match detail {
        MetricsDetail::Full => {
            evidence_families(&mut out, s.latest.values().map(|l| l.tables.as_ref()));
        }
        MetricsDetail::Summary => summary_families(&mut out, &s.latest),
    }
    out.text
}

/// Per job: how many certificates, CRLs and OCSP checks the last scan saw,
/// and the soonest expiry and CRL update, instead of one series each.
fn summary_families(
    out: &mut Exposition,
    latest: &std::collections::BTreeMap<String, super::LatestScan>,
) {
    out.family("pkimm_certificates", "Certificates in the job's last scan.");
    for (job, l) in latest {
        let n = l.tables.certificates.len();
        out.sample("pkimm_certificates", &[("job", job)], n as f64);
    }
    out.family(
        "pkimm_cert_soonest_not_after_seconds",
        "The soonest certificate expiry in the job's last scan, as a Unix timestamp.",
    );
    for (job, l) in latest {
        if let Some(soonest) = l
            .tables
            .certificates
            .iter()
            .map(|c| c.not_after.unix())
            .min()
        {
            out.sample(
                "pkimm_cert_soonest_not_after_seconds",
                &[("job", job)],
                soonest as f64,
            );
        }
    }
    out.family(
        "pkimm_crl_soonest_next_update_seconds",
        "The soonest CRL nextUpdate in the job's last scan, as a Unix timestamp.",
    );
    for (job, l) in latest {
        if let Some(soonest) = l
            .tables
            .crls
            .iter()
            .filter_map(|c| c.next_update)
            .map(|n| n.unix())
            .min()
        {
            out.sample(
                "pkimm_crl_soonest_next_update_seconds",
                &[("job", job)],
                soonest as f64,
            );
        }
    }
    out.family(
        "pkimm_ocsp_down",
        "OCSP responders that did not answer successfully in the job's last scan.",
    );
    for (job, l) in latest {
        let down = l.tables.ocsp.iter().filter(|o| !o.up).count();
        out.sample("pkimm_ocsp_down", &[("job", job)], down as f64);
    }
}
