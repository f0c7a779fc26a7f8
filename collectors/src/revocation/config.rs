//! `pkimm collect revocation` and the `revocation` section of a scan job
//! (`revocation = true` follows what the job collected with the defaults).

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pkimm_model::evidence::{load_bundles, EvidenceBundle};
use pkimm_model::units::{parse_duration, parse_size, serde_units};
use serde::Deserialize;

use super::ocsp::{CertIdHash, OcspOptions};
use super::{collect, crl_numbers_by_url, url_summary, RevocationOptions};
use crate::collector::{resolve, CollectContext, CollectError, Collection, Collector};
use crate::http::FetchOptions;
use crate::parse::CrlOptions;
use crate::trust::TrustAnchors;

/// Follow the CDP, OCSP and AIA URLs of certificates.
#[derive(Debug, Clone, PartialEq, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct RevocationConfig {
    /// Bundles whose certificates to follow; repeatable (in a scan job, the
    /// job's own evidence is always followed).
    #[arg(long = "from", value_name = "BUNDLE")]
    #[serde(default)]
    pub from: Vec<PathBuf>,
    /// Extra CRL URLs (http, https or ldap).
    #[arg(value_name = "CRL_URL")]
    #[serde(default)]
    pub crl_urls: Vec<String>,
    /// Ask this OCSP responder about every certificate instead of the URLs in
    /// the certificates.
    #[arg(long, value_name = "URL")]
    #[serde(default)]
    pub ocsp_url: Option<String>,
    /// An earlier revocation bundle: CRL numbers are compared with it.
    #[arg(long, value_name = "BUNDLE")]
    #[serde(default)]
    pub previous: Option<PathBuf>,
    /// Fetches in flight.
    #[arg(long, default_value_t = 32)]
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Fetches in flight per host (politeness).
    #[arg(long, default_value_t = 4)]
    #[serde(default = "default_per_host")]
    pub per_host: usize,
    /// Connect time-out.
    #[arg(long, value_name = "TIME", default_value = "5s", value_parser = parse_duration)]
    #[serde(
        default = "default_connect_timeout",
        deserialize_with = "serde_units::required_duration"
    )]
    pub connect_timeout: Duration,
    /// Whole-request time-out.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_duration)]
    #[serde(
        default = "default_timeout",
        deserialize_with = "serde_units::required_duration"
    )]
    pub timeout: Duration,
    /// Largest CRL fetched (bytes; K, M and G suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "200M", value_parser = parse_size)]
    #[serde(
        default = "default_max_crl_size",
        deserialize_with = "serde_units::required_size"
    )]
    pub max_crl_size: u64,
    /// Record at most this many revoked entries per CRL (all are counted).
    #[arg(long, value_name = "N", default_value_t = CrlOptions::default().max_entries_recorded)]
    #[serde(default = "default_crl_entries")]
    pub crl_entries: usize,
    /// Do not fetch CRLs.
    #[arg(long)]
    #[serde(default)]
    pub no_crl: bool,
    /// Do not query OCSP responders.
    #[arg(long)]
    #[serde(default)]
    pub no_ocsp: bool,
    /// Do not fetch issuers through AIA.
    #[arg(long)]
    #[serde(default)]
    pub no_aia: bool,
    /// Most AIA hops from a certificate.
    #[arg(long, default_value_t = 4)]
    #[serde(default = "default_aia_depth")]
    pub aia_depth: usize,
    /// Send OCSP requests without a nonce.
    #[arg(long)]
    #[serde(default)]
    pub no_nonce: bool,
    /// Use GET for small OCSP requests (RFC 6960 appendix A).
    #[arg(long)]
    #[serde(default)]
    pub ocsp_get: bool,
    /// Use SHA-256 in the OCSP CertID instead of SHA-1.
    #[arg(long)]
    #[serde(default)]
    pub ocsp_sha256: bool,
    /// Refuse URLs that resolve to private, loopback or link-local addresses
    /// (default: allowed, since internal PKI lives there).
    #[arg(long)]
    #[serde(default)]
    pub deny_private: bool,
    /// Extra trust anchors for HTTPS URLs (PEM file, such as private roots);
    /// repeatable.
    #[arg(long = "trust", value_name = "FILE")]
    #[serde(default)]
    pub trust: Vec<PathBuf>,
}

fn default_concurrency() -> usize {
    RevocationOptions::default().concurrency
}

fn default_per_host() -> usize {
    FetchOptions::default().per_host
}

fn default_connect_timeout() -> Duration {
    FetchOptions::default().connect_timeout
}

fn default_timeout() -> Duration {
    FetchOptions::default().timeout
}

fn default_max_crl_size() -> u64 {
    RevocationOptions::default().max_crl_bytes
}

fn default_crl_entries() -> usize {
    CrlOptions::default().max_entries_recorded
}

fn default_aia_depth() -> usize {
    RevocationOptions::default().aia_depth
}

impl Default for RevocationConfig {
    fn default() -> Self {
        Self {
            from: Vec::new(),
            crl_urls: Vec::new(),
            ocsp_url: None,
            previous: None,
            concurrency: default_concurrency(),
            per_host: default_per_host(),
            connect_timeout: default_connect_timeout(),
            timeout: default_timeout(),
            max_crl_size: default_max_crl_size(),
            crl_entries: default_crl_entries(),
            no_crl: false,
            no_ocsp: false,
            no_aia: false,
            aia_depth: default_aia_depth(),
            no_nonce: false,
            ocsp_get: false,
            ocsp_sha256: false,
            deny_private: false,
            trust: Vec::new(),
        }
    }
}

impl RevocationConfig {
    /// The engine's options (trust anchors and the previous bundle read now).
    pub fn options(&self, agent: &str) -> Result<RevocationOptions, CollectError> {
        let previous = match &self.previous {
            Some(path) => crl_numbers_by_url(&load_bundles(std::slice::from_ref(path))?),
            None => Default::default(),
        };
        Ok(RevocationOptions {
            fetch: FetchOptions {
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                per_host: self.per_host.max(1),
                deny_private: self.deny_private,
                extra_roots: TrustAnchors::from_pem_files(&self.trust)?
                    .certificates()
                    .to_vec(),
            },
            max_crl_bytes: self.max_crl_size,
            concurrency: self.concurrency.max(1),
            crls: !self.no_crl,
            ocsp: !self.no_ocsp,
            aia: !self.no_aia,
            aia_depth: self.aia_depth,
            ocsp_options: OcspOptions {
                hash: if self.ocsp_sha256 {
                    CertIdHash::Sha256
                } else {
                    CertIdHash::Sha1
                },
                nonce: !self.no_nonce,
                prefer_get: self.ocsp_get,
            },
            ocsp_url_override: self.ocsp_url.clone(),
            crl: CrlOptions {
                max_entries_recorded: self.crl_entries,
                ..CrlOptions::default()
            },
            previous_crl_numbers: previous,
            agent: Some(agent.to_string()),
            ..RevocationOptions::default()
        })
    }
}

impl Collector for RevocationConfig {
    const TYPE: &'static str = "revocation";
    const READS_EVIDENCE: bool = true;

    fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
        if self.from.is_empty() && self.crl_urls.is_empty() && context.evidence.runs.is_empty() {
            return Err(CollectError::Config {
                collector: Self::TYPE,
                message: "nothing to do: give --from BUNDLE and/or CRL URLs".to_string(),
            });
        }
        let input: Cow<'_, EvidenceBundle> = if self.from.is_empty() {
            Cow::Borrowed(context.evidence)
        } else {
            let mut input = context.evidence.clone();
            input.merge(load_bundles(&self.from)?);
            Cow::Owned(input)
        };
        let options = self.options(context.agent)?;
        let urls = url_summary(&input);
        tracing::info!(
            "{} CRL and {} OCSP URLs in the input",
            urls["crl"],
            urls["ocsp"]
        );
        let bundle = context
            .runtime
            .block_on(collect(&input, &self.crl_urls, &options));
        let summary = format!(
            "collected {} CRLs, {} OCSP checks and {} issuer certificates; {} failures",
            bundle.crls.len(),
            bundle.ocsp_checks.len(),
            bundle.certificates.len(),
            bundle.failures.len()
        );
        Ok(Collection { bundle, summary })
    }

    fn resolve_paths(&mut self, base: &Path) {
        for path in self
            .from
            .iter_mut()
            .chain(&mut self.previous)
            .chain(&mut self.trust)
        {
            resolve(base, path);
        }
    }

    fn from_flag() -> Option<Self> {
        Some(Self::default())
    }
}
