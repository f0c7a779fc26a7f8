//! `pkimm collect ldap` and the `ldap` section of a scan job.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pkimm_model::secret::lookup_secret;
use pkimm_model::units::{parse_duration, serde_units};
use serde::Deserialize;

use super::{collect_ldap, LdapOptions};
use crate::collector::{resolve, CollectContext, CollectError, Collection, Collector};
use crate::parse::CrlOptions;
use crate::trust::{TrustAnchors, TrustSource};

/// A directory to read PKI and AD CS objects from.
#[derive(Debug, Clone, PartialEq, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Upgrade ldap:// with StartTLS.
    #[arg(long)]
    #[serde(default)]
    pub starttls: bool,
    /// PEM file of trust anchors for ldaps and StartTLS (default: the system store).
    #[arg(long, value_name = "FILE")]
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// Bind DN (anonymous when absent).
    #[arg(long, value_name = "DN")]
    #[serde(default)]
    pub bind_dn: Option<String>,
    /// Environment variable holding the bind password.
    #[arg(long, value_name = "VAR")]
    #[serde(default)]
    pub password_env: Option<String>,
    /// File whose first line is the bind password.
    #[arg(long, value_name = "FILE")]
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// Search base; repeatable (default: the root DSE's naming contexts, with
    /// the Configuration naming context on AD).
    #[arg(long = "base", value_name = "DN")]
    #[serde(default)]
    pub bases: Vec<String>,
    /// Connect and operation time-out.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_duration)]
    #[serde(
        default = "default_timeout",
        deserialize_with = "serde_units::required_duration"
    )]
    pub timeout: Duration,
    /// Paged results page size.
    #[arg(long, default_value_t = 500)]
    #[serde(default = "default_page_size")]
    pub page_size: i32,
    /// Most PKI entries read per base.
    #[arg(long, default_value_t = 100_000)]
    #[serde(default = "default_max_entries")]
    pub max_entries: usize,
    /// Record at most this many revoked entries per CRL (all are counted).
    #[arg(long, value_name = "N", default_value_t = CrlOptions::default().max_entries_recorded)]
    #[serde(default = "default_crl_entries")]
    pub crl_entries: usize,
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_page_size() -> i32 {
    500
}

fn default_max_entries() -> usize {
    100_000
}

fn default_crl_entries() -> usize {
    CrlOptions::default().max_entries_recorded
}

impl LdapConfig {
    /// The engine's options: the password read and the TLS configuration built.
    pub fn options(&self, agent: &str) -> Result<LdapOptions, CollectError> {
        let invalid = |message: String| CollectError::Config {
            collector: Self::TYPE,
            message,
        };
        if !(self.url.starts_with("ldap://") || self.url.starts_with("ldaps://")) {
            return Err(invalid(format!(
                "{:?} is not an ldap:// or ldaps:// URL",
                self.url
            )));
        }
        let password = lookup_secret(self.password_env.as_deref(), self.password_file.as_deref())?;
        if password.is_some() && self.bind_dn.is_none() {
            return Err(invalid(
                "a password was given without --bind-dn".to_string(),
            ));
        }
        let tls = if self.starttls || self.url.starts_with("ldaps://") {
            let sources: Vec<TrustSource> = self.ca.iter().cloned().map(TrustSource::Pem).collect();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Some(Arc::new(
                TrustAnchors::load(&sources)?.client_config(&provider)?,
            ))
        } else {
            None
        };
        Ok(LdapOptions {
            url: self.url.clone(),
            starttls: self.starttls,
            tls,
            bind_dn: self.bind_dn.clone(),
            password,
            bases: self.bases.clone(),
            timeout: self.timeout,
            page_size: self.page_size.max(1),
            max_entries: self.max_entries,
            crl: CrlOptions {
                max_entries_recorded: self.crl_entries,
                ..CrlOptions::default()
            },
            agent: Some(agent.to_string()),
        })
    }
}

impl Collector for LdapConfig {
    const TYPE: &'static str = "ldap";

    fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
        let options = self.options(context.agent)?;
        let bundle = context.runtime.block_on(collect_ldap(&options))?;
        let templates = bundle
            .directory_objects
            .iter()
            .filter(|o| o.template.is_some())
            .count();
        let summary = format!(
            "read {} PKI entries ({} certificate templates), {} certificates, {} CRLs; {} failures",
            bundle.directory_objects.len(),
            templates,
            bundle.certificates.len(),
            bundle.crls.len(),
            bundle.failures.len()
        );
        Ok(Collection { bundle, summary })
    }

    fn resolve_paths(&mut self, base: &Path) {
        if let Some(path) = &mut self.ca {
            resolve(base, path);
        }
        if let Some(path) = &mut self.password_file {
            resolve(base, path);
        }
    }
}
