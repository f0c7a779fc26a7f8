//! `pkimm collect tls`: scan TLS endpoints into an evidence bundle. Flags are
//! folded into a [`TlsSection`] over the settings file's `[tls]` section, and
//! [`collect_section`] runs it; scan jobs call the same function.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use pkimm_collectors::tls::hello::FlightLimits;
use pkimm_collectors::tls::{
    parse_target, read_target_file, scan, Starttls, TargetDefaults, TlsOptions, TlsSummary,
    TrustSource, TrustStore,
};
use pkimm_model::evidence::EvidenceBundle;

use crate::cli::CollectTlsArgs;
use crate::commands::collect_common::agent_name;
use crate::config::{self, TlsSection};
use crate::write::write_json;

/// Runs the command.
pub fn run(args: &CollectTlsArgs) -> Result<ExitCode> {
    let file = match &args.config {
        Some(path) => config::load(path)?.tls,
        None => TlsSection::default(),
    };
    let section = merge(args, file);
    let agent = agent_name(args.out.agent.as_deref());
    let (bundle, summary) = collect_section(&section, &agent, std::io::stderr().is_terminal())?;
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

/// The settings file's section with the flags laid over it.
fn merge(args: &CollectTlsArgs, mut section: TlsSection) -> TlsSection {
    section.targets.extend(args.targets.iter().cloned());
    section
        .targets_files
        .extend(args.targets_files.iter().cloned());
    if !args.ports.is_empty() {
        section.ports.clone_from(&args.ports);
    }
    if !args.sni.is_empty() {
        section.sni.clone_from(&args.sni);
    }
    if !args.trust.is_empty() {
        section.trust.clone_from(&args.trust);
    }
    if !args.alpn.is_empty() {
        section.alpn = Some(args.alpn.clone());
    }
    section.port = args.port.or(section.port);
    section.starttls = args.starttls.clone().or(section.starttls);
    section.concurrency = args.concurrency.or(section.concurrency);
    section.connect_timeout = args.connect_timeout.or(section.connect_timeout);
    section.handshake_timeout = args.handshake_timeout.or(section.handshake_timeout);
    section.timeout = args.timeout.or(section.timeout);
    section.retries = args.retries.or(section.retries);
    section.rate = args.rate.or(section.rate);
    section.max_chain = args.max_chain.or(section.max_chain);
    section.max_cert_size = args.max_cert_size.or(section.max_cert_size);
    if args.no_legacy {
        section.legacy = Some(false);
    }
    if args.no_ciphers {
        section.ciphers = Some(false);
    }
    section
}

/// Scans the targets of a section with its settings.
pub fn collect_section(
    section: &TlsSection,
    agent: &str,
    progress: bool,
) -> Result<(EvidenceBundle, TlsSummary)> {
    let defaults = target_defaults(section)?;
    let mut targets = Vec::new();
    for text in &section.targets {
        targets.extend(
            parse_target(text, &defaults).map_err(|e| anyhow::anyhow!("target {text:?}: {e}"))?,
        );
    }
    for file in &section.targets_files {
        targets.extend(read_target_file(file, &defaults)?);
    }
    if targets.is_empty() {
        bail!("no targets: give TARGET arguments, --targets-file, or targets in --config");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let sources: Vec<TrustSource> = section
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
    let builtin = TlsOptions::default();
    let options = TlsOptions {
        concurrency: section.concurrency.unwrap_or(builtin.concurrency).max(1),
        connect_timeout: section.connect_timeout.unwrap_or(builtin.connect_timeout),
        handshake_timeout: section
            .handshake_timeout
            .unwrap_or(builtin.handshake_timeout),
        endpoint_timeout: section.timeout.unwrap_or(builtin.endpoint_timeout),
        retries: section.retries.unwrap_or(builtin.retries),
        rate_per_second: section.rate.filter(|r| *r > 0.0),
        legacy_versions: section.legacy.unwrap_or(true),
        enumerate_ciphers: section.ciphers.unwrap_or(true),
        alpn: section
            .alpn
            .clone()
            .unwrap_or(builtin.alpn)
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect(),
        limits: FlightLimits {
            max_chain_length: section
                .max_chain
                .unwrap_or(builtin.limits.max_chain_length)
                .max(1),
            max_certificate_bytes: section
                .max_cert_size
                .map_or(builtin.limits.max_certificate_bytes, |n| {
                    usize::try_from(n).unwrap_or(usize::MAX)
                }),
            ..builtin.limits
        },
        progress,
        agent: Some(agent.to_string()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(runtime.block_on(scan(targets, options, provider, trust)))
}

fn target_defaults(section: &TlsSection) -> Result<TargetDefaults> {
    let (starttls, infer_starttls) = match section.starttls.as_deref() {
        None => (None, true),
        Some(p) if p.eq_ignore_ascii_case("none") => (None, false),
        Some(p) => (
            Some(
                p.parse::<Starttls>()
                    .map_err(|e| anyhow::anyhow!("starttls: {e}"))?,
            ),
            true,
        ),
    };
    let mut range_ports = section.ports.clone();
    if range_ports.is_empty() {
        range_ports.push(443);
    }
    Ok(TargetDefaults {
        port: section.port.unwrap_or(443),
        range_ports,
        sni: section.sni.clone(),
        starttls,
        infer_starttls,
    })
}
