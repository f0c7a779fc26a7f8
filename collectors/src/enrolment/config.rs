//! `pkimm collect enrolment` and the `enrolment` section of a scan job.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pkimm_model::units::{parse_duration, parse_size, serde_units};
use serde::Deserialize;

use super::target::EnrolmentTarget;
use super::{collect, EnrolmentOptions};
use crate::collector::{resolve, CollectContext, CollectError, Collection, Collector};
use crate::http::FetchOptions;
use crate::trust::TrustAnchors;

/// Probe enrolment endpoints (ACME, SCEP, CMP, EST), read-only.
#[derive(Debug, Clone, PartialEq, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentConfig {
    /// Endpoint URLs: an ACME directory, a SCEP URL, a CMP URL or an EST base
    /// (`…/.well-known/est`). Write `acme:`, `scep:`, `cmp:` or `est:` before
    /// a URL whose path does not show its protocol.
    #[arg(value_name = "URL", required = true)]
    pub urls: Vec<String>,
    /// Bundles whose certificates to ask ACME Renewal Information about;
    /// repeatable (in a scan job, the job's own evidence is always used).
    #[arg(long = "from", value_name = "BUNDLE")]
    #[serde(default)]
    pub from: Vec<PathBuf>,
    /// Ask each ACME server's ARI about at most this many certificates
    /// (those with an authority key identifier; 0 asks none).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    #[serde(default = "default_ari_max")]
    pub ari_max: usize,
    /// Do not scan the TLS configuration of `https` endpoints.
    #[arg(long)]
    #[serde(default)]
    pub no_tls: bool,
    /// Extra trust anchors for `https` endpoints (PEM file, such as private
    /// roots); repeatable.
    #[arg(long = "trust", value_name = "FILE")]
    #[serde(default)]
    pub trust: Vec<PathBuf>,
    /// Refuse URLs that resolve to private or loopback addresses.
    #[arg(long)]
    #[serde(default)]
    pub deny_private: bool,
    /// Requests in flight.
    #[arg(long, default_value_t = 8)]
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Connect time-out.
    #[arg(long, value_name = "TIME", default_value = "5s", value_parser = parse_duration)]
    #[serde(
        default = "default_connect_timeout",
        deserialize_with = "serde_units::required_duration"
    )]
    pub connect_timeout: Duration,
    /// Whole-request time-out.
    #[arg(long, value_name = "TIME", default_value = "20s", value_parser = parse_duration)]
    #[serde(
        default = "default_timeout",
        deserialize_with = "serde_units::required_duration"
    )]
    pub timeout: Duration,
    /// Largest answer read (bytes; K and M suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "1M", value_parser = parse_size)]
    #[serde(
        default = "default_max_response",
        deserialize_with = "serde_units::required_size"
    )]
    pub max_response: u64,
}

fn default_ari_max() -> usize {
    EnrolmentOptions::default().ari_max
}

fn default_concurrency() -> usize {
    EnrolmentOptions::default().concurrency
}

fn default_connect_timeout() -> Duration {
    Duration::from_secs(5)
}

fn default_timeout() -> Duration {
    Duration::from_secs(20)
}

fn default_max_response() -> u64 {
    EnrolmentOptions::default().max_response
}

impl EnrolmentConfig {
    /// The targets, each with its protocol.
    pub fn targets(&self) -> Result<Vec<EnrolmentTarget>, CollectError> {
        self.urls
            .iter()
            .map(|u| {
                EnrolmentTarget::parse(u).map_err(|e| CollectError::Config {
                    collector: Self::TYPE,
                    message: e.to_string(),
                })
            })
            .collect()
    }

    /// The engine's options (trust anchors read now).
    pub fn options(&self, agent: &str) -> Result<EnrolmentOptions, CollectError> {
        Ok(EnrolmentOptions {
            fetch: FetchOptions {
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                per_host: 4,
                deny_private: self.deny_private,
                extra_roots: TrustAnchors::from_pem_files(&self.trust)?
                    .certificates()
                    .to_vec(),
            },
            max_response: self.max_response,
            concurrency: self.concurrency.max(1),
            ari_max: self.ari_max,
            agent: agent.to_string(),
        })
    }
}

impl Collector for EnrolmentConfig {
    const TYPE: &'static str = "enrolment";
    const READS_EVIDENCE: bool = true;
    const SHARDS_TARGETS: bool = true;

    fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
        let mut targets = self.targets()?;
        if targets.is_empty() {
            return Err(CollectError::Config {
                collector: Self::TYPE,
                message: "nothing to do: give enrolment endpoint URLs".to_string(),
            });
        }
        targets.retain(|t| context.shard.owns(t.url.as_str()));
        // The job's evidence is only read; it is copied only to add --from.
        let known: std::borrow::Cow<'_, pkimm_model::evidence::EvidenceBundle> =
            if self.from.is_empty() {
                std::borrow::Cow::Borrowed(context.evidence)
            } else {
                let mut known = context.evidence.clone();
                known.merge(pkimm_model::evidence::load_bundles(&self.from)?);
                std::borrow::Cow::Owned(known)
            };
        let options = self.options(context.agent)?;
        let mut bundle = context
            .runtime
            .block_on(collect(&targets, &known, &options));
        if !self.no_tls {
            super::scan_tls(
                &mut bundle,
                &targets,
                &self.trust,
                self.connect_timeout,
                context,
            )?;
        }
        let summary = super::summary(&bundle);
        Ok(Collection { bundle, summary })
    }

    fn resolve_paths(&mut self, base: &Path) {
        for path in self.from.iter_mut().chain(&mut self.trust) {
            resolve(base, path);
        }
    }
}
