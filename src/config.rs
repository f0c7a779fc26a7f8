//! The settings file (`scan.toml`): the `[tls]` defaults of `pkimm collect
//! tls` (flags override them), and the scan jobs `pkimm scan` runs, with the
//! history store, policy, waivers and rules. Errors name the file, line,
//! column and key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Result};
use pkimm_model::read::{read_text_file, MAX_DOCUMENT_BYTES};
use serde::{Deserialize, Deserializer};

use crate::cli::{parse_duration, parse_size};

/// The whole settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Defaults for TLS scans.
    #[serde(default)]
    pub tls: TlsSection,
    /// History store: a SQLite file (default `pkimm-history.sqlite` beside
    /// the settings file).
    pub store: Option<String>,
    /// Days of history kept (default 90).
    pub retention_days: Option<u32>,
    /// Agent name recorded with every scan (default: the host name).
    pub agent: Option<String>,
    /// Organisation policy file.
    pub policy: Option<PathBuf>,
    /// Waiver file.
    pub waivers: Option<PathBuf>,
    /// Extra rule files or directories.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Directory for each scan's bundle and evaluation.
    pub output_dir: Option<PathBuf>,
    /// Also print each scan's evaluation as JSON on stdout (`pkimm scan`).
    #[serde(default)]
    pub stdout: bool,
    /// Scan jobs.
    #[serde(default, rename = "job")]
    pub jobs: Vec<JobConfig>,
}

/// One scan job: what to collect and when.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobConfig {
    /// Unique job name.
    pub name: String,
    /// Cron expression (`*/5 * * * *`) for the agent.
    pub schedule: Option<String>,
    /// TLS targets and settings (unset keys fall back to `[tls]`).
    pub tls: Option<TlsSection>,
    /// Certificate and CRL files.
    pub files: Option<FilesJob>,
    /// An inventory export.
    pub inventory: Option<InventoryJob>,
    /// A directory.
    pub ldap: Option<LdapJob>,
    /// Follow CDP, OCSP and AIA URLs of what the job collected.
    #[serde(default)]
    pub revocation: bool,
}

/// Files for a job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesJob {
    /// Files or directories.
    pub paths: Vec<PathBuf>,
}

/// An inventory export for a job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryJob {
    /// The CSV file.
    pub file: PathBuf,
    /// Field to column header mapping.
    #[serde(default)]
    pub map: std::collections::BTreeMap<String, String>,
}

/// A directory for a job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapJob {
    /// `ldap://` or `ldaps://` URL.
    pub url: String,
    /// Use StartTLS.
    #[serde(default)]
    pub starttls: bool,
    /// Trust anchors (PEM).
    pub ca: Option<PathBuf>,
    /// Bind DN.
    pub bind_dn: Option<String>,
    /// Environment variable with the bind password.
    pub password_env: Option<String>,
    /// File with the bind password.
    pub password_file: Option<PathBuf>,
    /// Search bases.
    #[serde(default)]
    pub bases: Vec<String>,
}

impl TlsSection {
    /// This section with unset keys taken from `base`.
    pub fn over(&self, base: &Self) -> Self {
        let pick =
            |a: &Vec<String>, b: &Vec<String>| if a.is_empty() { b.clone() } else { a.clone() };
        Self {
            targets: self.targets.clone(),
            targets_files: self.targets_files.clone(),
            port: self.port.or(base.port),
            ports: if self.ports.is_empty() {
                base.ports.clone()
            } else {
                self.ports.clone()
            },
            sni: pick(&self.sni, &base.sni),
            starttls: self.starttls.clone().or_else(|| base.starttls.clone()),
            trust: pick(&self.trust, &base.trust),
            concurrency: self.concurrency.or(base.concurrency),
            connect_timeout: self.connect_timeout.or(base.connect_timeout),
            handshake_timeout: self.handshake_timeout.or(base.handshake_timeout),
            timeout: self.timeout.or(base.timeout),
            retries: self.retries.or(base.retries),
            rate: self.rate.or(base.rate),
            legacy: self.legacy.or(base.legacy),
            ciphers: self.ciphers.or(base.ciphers),
            alpn: self.alpn.clone().or_else(|| base.alpn.clone()),
            max_chain: self.max_chain.or(base.max_chain),
            max_cert_size: self.max_cert_size.or(base.max_cert_size),
        }
    }
}

/// The `[tls]` section. Every key is optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// Targets, in the command-line syntax.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Files of targets, relative to the settings file.
    #[serde(default)]
    pub targets_files: Vec<PathBuf>,
    /// Port for targets without one.
    pub port: Option<u16>,
    /// Ports for CIDR ranges.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// SNI names.
    #[serde(default)]
    pub sni: Vec<String>,
    /// STARTTLS protocol, or `none`.
    pub starttls: Option<String>,
    /// Trust sources: `system` or PEM paths (relative to the settings file).
    #[serde(default)]
    pub trust: Vec<String>,
    /// Endpoints at once.
    pub concurrency: Option<usize>,
    /// Connect time-out, such as `5s`.
    #[serde(default, deserialize_with = "duration")]
    pub connect_timeout: Option<Duration>,
    /// Handshake time-out.
    #[serde(default, deserialize_with = "duration")]
    pub handshake_timeout: Option<Duration>,
    /// Per-endpoint time-out.
    #[serde(default, deserialize_with = "duration")]
    pub timeout: Option<Duration>,
    /// Connection retries.
    pub retries: Option<u32>,
    /// Connections per second.
    pub rate: Option<f64>,
    /// Probe SSLv3, TLS 1.0 and 1.1.
    pub legacy: Option<bool>,
    /// Enumerate cipher suites.
    pub ciphers: Option<bool>,
    /// ALPN protocols.
    pub alpn: Option<Vec<String>>,
    /// Chain length cap.
    pub max_chain: Option<usize>,
    /// Certificate size cap, such as `64K`.
    #[serde(default, deserialize_with = "size")]
    pub max_cert_size: Option<u64>,
}

/// Reads and checks a settings file. Relative paths inside it are resolved
/// against its directory.
pub fn load(path: &Path) -> Result<ScanConfig> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    let mut config: ScanConfig =
        toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let join = |p: &mut PathBuf| *p = base.join(&*p);
    let resolve_tls = |tls: &mut TlsSection| {
        for file in &mut tls.targets_files {
            *file = base.join(&*file);
        }
        for source in &mut tls.trust {
            if source != "system" {
                *source = base.join(&*source).display().to_string();
            }
        }
    };
    resolve_tls(&mut config.tls);
    config.policy.iter_mut().for_each(join);
    config.waivers.iter_mut().for_each(join);
    config.rules.iter_mut().for_each(join);
    config.output_dir.iter_mut().for_each(join);
    if let Some(store) = &mut config.store {
        if !store.contains("://") {
            *store = base.join(&*store).display().to_string();
        }
    }
    let mut names = std::collections::HashSet::new();
    for job in &mut config.jobs {
        let origin = |message: String| {
            let line = text
                .lines()
                .position(|l| l.contains(&format!("\"{}\"", job.name)))
                .map_or(String::new(), |n| format!(", line {}", n + 1));
            anyhow!("{}{line}: job {:?}: {message}", path.display(), job.name)
        };
        if job.name.trim().is_empty() {
            return Err(origin("a job needs a name".to_string()));
        }
        if !names.insert(job.name.clone()) {
            return Err(origin("the name is used by another job".to_string()));
        }
        if job.tls.is_none() && job.files.is_none() && job.inventory.is_none() && job.ldap.is_none()
        {
            return Err(origin(
                "no collector: add tls, files, inventory or ldap".to_string(),
            ));
        }
        if let Some(schedule) = &job.schedule {
            parse_schedule(schedule).map_err(|e| {
                origin(format!(
                    "schedule {schedule:?} is not a cron expression: {e}"
                ))
            })?;
        }
        if let Some(tls) = &mut job.tls {
            resolve_tls(tls);
        }
        if let Some(files) = &mut job.files {
            files.paths.iter_mut().for_each(join);
        }
        if let Some(inventory) = &mut job.inventory {
            join(&mut inventory.file);
        }
        if let Some(ldap) = &mut job.ldap {
            ldap.ca.iter_mut().for_each(join);
            ldap.password_file.iter_mut().for_each(join);
        }
    }
    Ok(config)
}

/// Parses a cron expression: five fields, or six with seconds first.
pub fn parse_schedule(text: &str) -> Result<croner::Cron, croner::errors::CronError> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .build()
        .parse(text)
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    match Size::deserialize(d)? {
        Size::Bytes(n) => Ok(Some(n)),
        Size::Text(text) => parse_size(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}
