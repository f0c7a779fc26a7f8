//! `pkimm collect ldap`: PKI and AD CS objects from a directory.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use pkimm_collectors::ldap::{collect_ldap, LdapOptions};
use pkimm_collectors::parse::CrlOptions;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::cli::CollectLdapArgs;
use crate::commands::collect_common::{agent_name, read_secret};
use crate::write::write_json;

/// Runs the command.
pub fn run(args: &CollectLdapArgs) -> Result<ExitCode> {
    if !(args.url.starts_with("ldap://") || args.url.starts_with("ldaps://")) {
        bail!("{:?} is not an ldap:// or ldaps:// URL", args.url);
    }
    let password = match (&args.password_env, &args.password_file) {
        (Some(var), _) => Some(
            std::env::var(var).with_context(|| format!("environment variable {var} is not set"))?,
        ),
        (None, Some(path)) => Some(read_secret(path)?),
        (None, None) => None,
    };
    if password.is_some() && args.bind_dn.is_none() {
        bail!("a password was given without --bind-dn");
    }
    let tls = if args.starttls || args.url.starts_with("ldaps://") {
        Some(Arc::new(tls_config_from(args.ca.as_deref())?))
    } else {
        None
    };
    let options = LdapOptions {
        url: args.url.clone(),
        starttls: args.starttls,
        tls,
        bind_dn: args.bind_dn.clone(),
        password,
        bases: args.bases.clone(),
        timeout: args.timeout,
        page_size: args.page_size.max(1),
        max_entries: args.max_entries,
        crl: CrlOptions {
            max_entries_recorded: args.crl_entries,
            ..CrlOptions::default()
        },
        agent: Some(agent_name(args.out.agent.as_deref())),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bundle = runtime.block_on(collect_ldap(&options))?;
    let templates = bundle
        .directory_objects
        .iter()
        .filter(|o| o.template.is_some())
        .count();
    eprintln!(
        "read {} PKI entries ({} certificate templates), {} certificates, {} CRLs; {} failures",
        bundle.directory_objects.len(),
        templates,
        bundle.certificates.len(),
        bundle.crls.len(),
        bundle.failures.len()
    );
    write_json(args.out.output.as_deref(), &bundle)?;
    Ok(ExitCode::SUCCESS)
}

/// A TLS client configuration trusting `ca` (PEM), or the system store.
pub fn tls_config_from(ca: Option<&std::path::Path>) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let text = pkimm_model::read::read_text_file(path, 64 * 1024 * 1024)?;
            for der in CertificateDer::pem_slice_iter(text.as_bytes()) {
                let der = der.with_context(|| format!("{}: bad PEM", path.display()))?;
                roots
                    .add(der)
                    .with_context(|| format!("{}: not a usable trust anchor", path.display()))?;
            }
            if roots.is_empty() {
                bail!("{}: no CERTIFICATE blocks found", path.display());
            }
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}
