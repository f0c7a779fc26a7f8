//! `pkimm collect tls`: scan TLS endpoints into an evidence bundle.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use pkimm_collectors::tls::hello::FlightLimits;
use pkimm_collectors::tls::{
    parse_target, read_target_file, scan, Starttls, TargetDefaults, TlsOptions, TrustSource,
    TrustStore,
};

use crate::cli::CollectTlsArgs;
use crate::commands::collect_common::agent_name;
use crate::write::write_json;

/// Runs the command.
pub fn run(args: &CollectTlsArgs) -> Result<ExitCode> {
    let defaults = target_defaults(args)?;
    let mut targets = Vec::new();
    for text in &args.targets {
        targets.extend(
            parse_target(text, &defaults).map_err(|e| anyhow::anyhow!("target {text:?}: {e}"))?,
        );
    }
    for file in &args.targets_files {
        targets.extend(read_target_file(file, &defaults)?);
    }
    if targets.is_empty() {
        bail!("no targets: give TARGET arguments or --targets-file");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let sources: Vec<TrustSource> = args
        .trust
        .iter()
        .map(|t| {
            if t == "system" {
                TrustSource::System
            } else {
                TrustSource::Pem(PathBuf::from(t))
            }
        })
        .collect();
    let trust = TrustStore::load(&sources, &provider)?;
    let options = TlsOptions {
        concurrency: args.concurrency.max(1),
        connect_timeout: args.connect_timeout,
        handshake_timeout: args.handshake_timeout,
        endpoint_timeout: args.timeout,
        retries: args.retries,
        rate_per_second: args.rate.filter(|r| *r > 0.0),
        legacy_versions: !args.no_legacy,
        enumerate_ciphers: !args.no_ciphers,
        alpn: args
            .alpn
            .iter()
            .filter(|a| !a.is_empty())
            .cloned()
            .collect(),
        limits: FlightLimits {
            max_chain_length: args.max_chain.max(1),
            max_certificate_bytes: usize::try_from(args.max_cert_size).unwrap_or(usize::MAX),
            ..FlightLimits::default()
        },
        progress: std::io::stderr().is_terminal(),
        agent: Some(agent_name(args.out.agent.as_deref())),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (bundle, summary) = runtime.block_on(scan(targets, options, provider, trust));
    eprintln!(
        "scanned {} endpoints: {} answered TLS, {} with failures; {} certificates",
        summary.endpoints,
        summary.reachable,
        summary.failed,
        bundle.certificates.len()
    );
    write_json(args.out.output.as_deref(), &bundle)?;
    Ok(ExitCode::SUCCESS)
}

fn target_defaults(args: &CollectTlsArgs) -> Result<TargetDefaults> {
    let (starttls, infer_starttls) = match args.starttls.as_deref() {
        None => (None, true),
        Some(p) if p.eq_ignore_ascii_case("none") => (None, false),
        Some(p) => (
            Some(
                p.parse::<Starttls>()
                    .map_err(|e| anyhow::anyhow!("--starttls: {e}"))?,
            ),
            true,
        ),
    };
    Ok(TargetDefaults {
        port: args.port,
        range_ports: args.ports.clone(),
        sni: args.sni.clone(),
        starttls,
        infer_starttls,
    })
}
