//! `pkimm collect tls`, the `tls` section of a scan job, and the `[tls]`
//! defaults of a scan config: one struct, so an option is declared once.
//! Every setting is optional; [`TlsConfig::over`] lays one config over
//! another and [`TlsConfig::options`] resolves the defaults.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pkimm_model::units::{parse_duration, parse_size, serde_units};
use serde::Deserialize;

use super::hello::FlightLimits;
use super::target::{parse_target, read_target_file, Starttls, Target, TargetDefaults};
use super::{scan, TlsOptions};
use crate::collector::{resolve, CollectContext, CollectError, Collection, Collector};
use crate::trust::{TrustSource, TrustStore};

/// Extra help for `pkimm collect tls --help`.
pub const TLS_HELP: &str = "\
Targets:
  host[:port]                 default port 443 (or --port)
  https://host[:port]/path    also smtp://, imap://, pop3://, ftp://, ldap://,
                              postgres://, xmpp:// (STARTTLS) and smtps://,
                              imaps://, pop3s://, ftps://, ldaps:// (implicit TLS)
  [2001:db8::1]:8443, ::1     IPv6
  10.0.0.0/24                 every host of a range, on --ports
A target may carry options, separated by spaces (quote the argument):
  \"10.0.0.5:443 sni=a.example,b.example\"   one scan per SNI name
  \"10.0.0.0/28 ports=443,8443\"
  \"mail.example:2525 starttls=smtp\"        smtp, imap, pop3, ftp, ldap, postgres,
                                            xmpp, or none
Settings can also come from the [tls] section of --config FILE (TOML; keys as
the long flags with _ for -, plus targets = [...] and targets_files = [...]);
flags override it.

STARTTLS is inferred on ports 21, 25, 110, 143, 389, 587, 5222, 5269 and 5432
unless starttls=none is given. Target files (-f) hold one target per line;
# starts a comment.

Exit codes:
  0  success
  1  a result is below a threshold you set (not used by this command)
  2  error (bad arguments, unreadable target file or trust store)";

/// TLS endpoints to scan, and how.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Targets (see below).
    #[arg(value_name = "TARGET")]
    #[serde(default)]
    pub targets: Vec<String>,
    /// Read more targets from a file, one per line; repeatable.
    #[arg(short = 'f', long = "targets-file", value_name = "FILE")]
    #[serde(default)]
    pub targets_files: Vec<PathBuf>,
    /// Port for targets without one [default: 443].
    #[arg(long)]
    #[serde(default)]
    pub port: Option<u16>,
    /// Ports scanned on every address of a CIDR range (comma-separated)
    /// [default: 443].
    #[arg(long, value_name = "PORTS", value_delimiter = ',')]
    #[serde(default)]
    pub ports: Vec<u16>,
    /// SNI name for targets without sni=; repeatable (one scan per name).
    #[arg(long, value_name = "NAME")]
    #[serde(default)]
    pub sni: Vec<String>,
    /// STARTTLS protocol for targets without starttls=, or `none` to turn off
    /// inference from well-known ports.
    #[arg(long, value_name = "PROTO")]
    #[serde(default)]
    pub starttls: Option<String>,
    /// Trust anchors for chain validation: `system` or a PEM file; repeatable
    /// (default: system).
    #[arg(long = "trust", value_name = "system|FILE")]
    #[serde(default)]
    pub trust: Vec<String>,
    /// Endpoints scanned at once [default: 100].
    #[arg(long)]
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// TCP connect time-out (ms, s or m suffix) [default: 5s].
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    #[serde(default, deserialize_with = "serde_units::duration")]
    pub connect_timeout: Option<Duration>,
    /// Time-out for each STARTTLS exchange and handshake [default: 10s].
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    #[serde(default, deserialize_with = "serde_units::duration")]
    pub handshake_timeout: Option<Duration>,
    /// Time-out for everything done to one endpoint [default: 120s].
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    #[serde(default, deserialize_with = "serde_units::duration")]
    pub timeout: Option<Duration>,
    /// Retries of the first connection to an endpoint, with backoff
    /// [default: 1].
    #[arg(long)]
    #[serde(default)]
    pub retries: Option<u32>,
    /// At most this many new connections per second, across the scan.
    #[arg(long, value_name = "N")]
    #[serde(default)]
    pub rate: Option<f64>,
    /// Skip the SSLv3, TLS 1.0 and TLS 1.1 probes (`legacy = false` in a
    /// scan config).
    #[arg(long = "no-legacy", num_args = 0, default_missing_value = "false",
          value_parser = clap::builder::BoolishValueParser::new())]
    #[serde(default)]
    pub legacy: Option<bool>,
    /// Skip cipher suite enumeration (`ciphers = false` in a scan config).
    #[arg(long = "no-ciphers", num_args = 0, default_missing_value = "false",
          value_parser = clap::builder::BoolishValueParser::new())]
    #[serde(default)]
    pub ciphers: Option<bool>,
    /// Discovery mode for large address ranges: one handshake per endpoint
    /// (served chain, negotiated version), no probing or enumeration
    /// (`discovery = true` in a scan config).
    #[arg(long = "discovery", num_args = 0, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    #[serde(default)]
    pub discovery: Option<bool>,
    /// ALPN protocols offered (comma-separated; none for STARTTLS targets)
    /// [default: h2,http/1.1].
    #[arg(long, value_delimiter = ',')]
    #[serde(default)]
    pub alpn: Option<Vec<String>>,
    /// Most certificates accepted in a served chain [default: 16].
    #[arg(long)]
    #[serde(default)]
    pub max_chain: Option<usize>,
    /// Largest certificate accepted (bytes; K and M suffixes allowed)
    /// [default: 64K].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    #[serde(default, deserialize_with = "serde_units::size")]
    pub max_cert_size: Option<u64>,
}

/// `a` unless it is empty, then `b`.
fn or_list<T: Clone>(a: &[T], b: &[T]) -> Vec<T> {
    if a.is_empty() { b } else { a }.to_vec()
}

impl TlsConfig {
    /// This config laid over `base`: targets and target files are both
    /// kept (base first); every other setting set here wins.
    pub fn over(&self, base: &Self) -> Self {
        Self {
            targets: [base.targets.as_slice(), &self.targets].concat(),
            targets_files: [base.targets_files.as_slice(), &self.targets_files].concat(),
            port: self.port.or(base.port),
            ports: or_list(&self.ports, &base.ports),
            sni: or_list(&self.sni, &base.sni),
            starttls: self.starttls.clone().or_else(|| base.starttls.clone()),
            trust: or_list(&self.trust, &base.trust),
            concurrency: self.concurrency.or(base.concurrency),
            connect_timeout: self.connect_timeout.or(base.connect_timeout),
            handshake_timeout: self.handshake_timeout.or(base.handshake_timeout),
            timeout: self.timeout.or(base.timeout),
            retries: self.retries.or(base.retries),
            rate: self.rate.or(base.rate),
            legacy: self.legacy.or(base.legacy),
            ciphers: self.ciphers.or(base.ciphers),
            discovery: self.discovery.or(base.discovery),
            alpn: self.alpn.clone().or_else(|| base.alpn.clone()),
            max_chain: self.max_chain.or(base.max_chain),
            max_cert_size: self.max_cert_size.or(base.max_cert_size),
        }
    }

    /// The same settings without targets (scan-config defaults give jobs
    /// their settings, never their targets).
    pub fn settings_only(&self) -> Self {
        Self {
            targets: Vec::new(),
            targets_files: Vec::new(),
            ..self.clone()
        }
    }

    /// The targets, from arguments and target files.
    pub fn targets(&self) -> Result<Vec<Target>, CollectError> {
        let defaults = self.target_defaults()?;
        let mut targets = Vec::new();
        for text in &self.targets {
            targets.extend(parse_target(text, &defaults)?);
        }
        for file in &self.targets_files {
            targets.extend(read_target_file(file, &defaults)?);
        }
        if targets.is_empty() {
            return Err(CollectError::Config {
                collector: Self::TYPE,
                message:
                    "no targets: give TARGET arguments, --targets-file, or targets in --config"
                        .to_string(),
            });
        }
        Ok(targets)
    }

    fn target_defaults(&self) -> Result<TargetDefaults, CollectError> {
        let (starttls, infer_starttls) = match self.starttls.as_deref() {
            None => (None, true),
            Some(p) if p.eq_ignore_ascii_case("none") => (None, false),
            Some(p) => (
                Some(p.parse::<Starttls>().map_err(|e| CollectError::Config {
                    collector: Self::TYPE,
                    message: format!("starttls: {e}"),
                })?),
                true,
            ),
        };
        Ok(TargetDefaults {
            port: self.port.unwrap_or(443),
            range_ports: or_list(&self.ports, &[443]),
            sni: self.sni.clone(),
            starttls,
            infer_starttls,
        })
    }

    /// The scan engine's options, with every unset setting at its default.
    pub fn options(&self, agent: &str, progress: bool) -> TlsOptions {
        let builtin = TlsOptions::default();
        TlsOptions {
            concurrency: self.concurrency.unwrap_or(builtin.concurrency).max(1),
            connect_timeout: self.connect_timeout.unwrap_or(builtin.connect_timeout),
            handshake_timeout: self.handshake_timeout.unwrap_or(builtin.handshake_timeout),
            endpoint_timeout: self.timeout.unwrap_or(builtin.endpoint_timeout),
            retries: self.retries.unwrap_or(builtin.retries),
            rate_per_second: self.rate.filter(|r| *r > 0.0),
            legacy_versions: self.legacy.unwrap_or(builtin.legacy_versions),
            enumerate_ciphers: self.ciphers.unwrap_or(builtin.enumerate_ciphers),
            discovery: self.discovery.unwrap_or(builtin.discovery),
            alpn: self
                .alpn
                .clone()
                .unwrap_or(builtin.alpn)
                .into_iter()
                .filter(|a| !a.is_empty())
                .collect(),
            limits: FlightLimits {
                max_chain_length: self
                    .max_chain
                    .unwrap_or(builtin.limits.max_chain_length)
                    .max(1),
                max_certificate_bytes: self
                    .max_cert_size
                    .map_or(builtin.limits.max_certificate_bytes, |n| {
                        usize::try_from(n).unwrap_or(usize::MAX)
                    }),
                ..builtin.limits
            },
            progress,
            agent: Some(agent.to_string()),
        }
    }
}

impl Collector for TlsConfig {
    const TYPE: &'static str = "tls";
    const SHARDS_TARGETS: bool = true;

    fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
        let mut targets = self.targets()?;
        targets.retain(|t| context.shard.owns(&t.address()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let sources: Vec<TrustSource> = self.trust.iter().map(|t| TrustSource::parse(t)).collect();
        let trust = TrustStore::load(&sources, &provider)?;
        let options = self.options(context.agent, context.progress);
        let (bundle, summary) = context
            .runtime
            .block_on(scan(targets, options, provider, trust));
        let summary = format!(
            "scanned {} endpoints: {} answered TLS, {} with failures; {} certificates",
            summary.endpoints,
            summary.reachable,
            summary.failed,
            bundle.certificates.len()
        );
        Ok(Collection { bundle, summary })
    }

    fn resolve_paths(&mut self, base: &Path) {
        for file in &mut self.targets_files {
            resolve(base, file);
        }
        for source in &mut self.trust {
            if source != "system" {
                *source = base.join(&*source).display().to_string();
            }
        }
    }
}
