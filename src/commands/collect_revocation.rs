//! `pkimm collect revocation`: CRL, OCSP and AIA evidence for the
//! certificates of bundles.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use pkimm_collectors::parse::CrlOptions;
use pkimm_collectors::revocation::http::FetchOptions;
use pkimm_collectors::revocation::ocsp::{CertIdHash, OcspOptions};
use pkimm_collectors::revocation::{collect, crl_numbers_by_url, url_summary, RevocationOptions};
use pkimm_model::evidence::EvidenceBundle;

use crate::cli::CollectRevocationArgs;
use crate::commands::collect_common::agent_name;
use crate::context;
use crate::write::write_json;

/// Runs the command.
pub fn run(args: &CollectRevocationArgs) -> Result<ExitCode> {
    if args.from.is_empty() && args.crl_urls.is_empty() {
        bail!("nothing to do: give --from BUNDLE and/or CRL URLs");
    }
    let input = if args.from.is_empty() {
        EvidenceBundle::new("none")
    } else {
        context::load_bundles(&args.from)?
    };
    let previous = match &args.previous {
        Some(path) => crl_numbers_by_url(&context::load_bundles(std::slice::from_ref(path))?),
        None => Default::default(),
    };
    let options = RevocationOptions {
        fetch: FetchOptions {
            connect_timeout: args.connect_timeout,
            timeout: args.timeout,
            per_host: args.per_host.max(1),
            deny_private: args.deny_private,
            extra_roots_pem: args
                .trust
                .iter()
                .map(|p| {
                    pkimm_model::read::read_text_file(p, 64 * 1024 * 1024)
                        .map(String::into_bytes)
                        .with_context(|| format!("trust anchors {}", p.display()))
                })
                .collect::<Result<_>>()?,
        },
        max_crl_bytes: args.max_crl_size,
        concurrency: args.concurrency.max(1),
        crls: !args.no_crl,
        ocsp: !args.no_ocsp,
        aia: !args.no_aia,
        aia_depth: args.aia_depth,
        ocsp_options: OcspOptions {
            hash: if args.ocsp_sha256 {
                CertIdHash::Sha256
            } else {
                CertIdHash::Sha1
            },
            nonce: !args.no_nonce,
            prefer_get: args.ocsp_get,
        },
        ocsp_url_override: args.ocsp_url.clone(),
        crl: CrlOptions {
            max_entries_recorded: args.crl_entries,
            ..CrlOptions::default()
        },
        previous_crl_numbers: previous,
        agent: Some(agent_name(args.out.agent.as_deref())),
        ..RevocationOptions::default()
    };
    let urls = url_summary(&input);
    tracing::info!(
        "{} CRL and {} OCSP URLs in the input",
        urls["crl"],
        urls["ocsp"]
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bundle = runtime.block_on(collect(&input, &args.crl_urls, &options));
    eprintln!(
        "collected {} CRLs, {} OCSP checks and {} issuer certificates; {} failures",
        bundle.crls.len(),
        bundle.ocsp_checks.len(),
        bundle.certificates.len(),
        bundle.failures.len()
    );
    write_json(args.out.output.as_deref(), &bundle)?;
    Ok(ExitCode::SUCCESS)
}
