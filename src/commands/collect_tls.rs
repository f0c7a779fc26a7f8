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
use crate::config::{self, TlsSection};
use crate::write::write_json;

/// Runs the command.
pub fn run(args: &CollectTlsArgs) -> Result<ExitCode> {
    let section = match &args.config {
        Some(path) => config::load(path)?.tls,
        None => TlsSection::default(),
    };
    let defaults = target_defaults(args, &section)?;
    let mut targets = Vec::new();
    for text in section.targets.iter().chain(&args.targets) {
        targets.extend(
            parse_target(text, &defaults).map_err(|e| anyhow::anyhow!("target {text:?}: {e}"))?,
        );
    }
    for file in section.targets_files.iter().chain(&args.targets_files) {
        targets.extend(read_target_file(file, &defaults)?);
    }
    if targets.is_empty() {
        bail!("no targets: give TARGET arguments, --targets-file, or targets in --config");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let trust_names = if args.trust.is_empty() {
        &section.trust
    } else {
        &args.trust
    };
    let sources: Vec<TrustSource> = trust_names
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
    let alpn = if args.alpn.is_empty() {
        section.alpn.clone().unwrap_or(builtin.alpn)
    } else {
        args.alpn.clone()
    };
    let max_cert_size = args
        .max_cert_size
        .or(section.max_cert_size)
        .map_or(builtin.limits.max_certificate_bytes, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        });
    let options = TlsOptions {
        concurrency: args
            .concurrency
            .or(section.concurrency)
            .unwrap_or(builtin.concurrency)
            .max(1),
        connect_timeout: args
            .connect_timeout
            .or(section.connect_timeout)
            .unwrap_or(builtin.connect_timeout),
        handshake_timeout: args
            .handshake_timeout
            .or(section.handshake_timeout)
            .unwrap_or(builtin.handshake_timeout),
        endpoint_timeout: args
            .timeout
            .or(section.timeout)
            .unwrap_or(builtin.endpoint_timeout),
        retries: args.retries.or(section.retries).unwrap_or(builtin.retries),
        rate_per_second: args.rate.or(section.rate).filter(|r| *r > 0.0),
        legacy_versions: !args.no_legacy && section.legacy.unwrap_or(true),
        enumerate_ciphers: !args.no_ciphers && section.ciphers.unwrap_or(true),
        alpn: alpn.into_iter().filter(|a| !a.is_empty()).collect(),
        limits: FlightLimits {
            max_chain_length: args
                .max_chain
                .or(section.max_chain)
                .unwrap_or(builtin.limits.max_chain_length)
                .max(1),
            max_certificate_bytes: max_cert_size,
            ..builtin.limits
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

fn target_defaults(args: &CollectTlsArgs, section: &TlsSection) -> Result<TargetDefaults> {
    let starttls = args.starttls.as_deref().or(section.starttls.as_deref());
    let (starttls, infer_starttls) = match starttls {
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
    let mut range_ports = first_non_empty(&args.ports, &section.ports);
    if range_ports.is_empty() {
        range_ports.push(443);
    }
    Ok(TargetDefaults {
        port: args.port.or(section.port).unwrap_or(443),
        range_ports,
        sni: first_non_empty(&args.sni, &section.sni),
        starttls,
        infer_starttls,
    })
}

/// The command-line list when given, else the settings file's.
fn first_non_empty<T: Clone>(cli: &[T], file: &[T]) -> Vec<T> {
    if cli.is_empty() {
        file.to_vec()
    } else {
        cli.to_vec()
    }
}
