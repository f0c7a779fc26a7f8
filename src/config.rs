//! The settings file (`scan.toml`). Today it holds the `[tls]` section, the
//! defaults of `pkimm collect tls`; command-line flags override it. Errors name
//! the file, line, column and key (the toml parser reports them).

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
    let base = path.parent().unwrap_or(Path::new("."));
    let tls = &mut config.tls;
    for file in &mut tls.targets_files {
        *file = base.join(&*file);
    }
    for source in &mut tls.trust {
        if source != "system" {
            *source = base.join(&*source).display().to_string();
        }
    }
    Ok(config)
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
