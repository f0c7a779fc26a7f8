//! `pkimm collect pkcs11` and the `pkcs11` section of a scan job.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pkimm_model::secret::lookup_secret;
use pkimm_model::units::{parse_duration, serde_units};
use serde::Deserialize;

use super::{collect_pkcs11, Pkcs11Options, TokenSelector};
use crate::collector::{resolve, CollectContext, CollectError, Collection, Collector};

/// Keys, certificates and devices on PKCS#11 tokens (HSMs, smart cards,
/// software tokens), read-only.
#[derive(Debug, Clone, PartialEq, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11Config {
    /// The PKCS#11 module (for example /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long, value_name = "LIB.so")]
    pub module: PathBuf,
    /// Read only this slot (default: every slot with a token).
    #[arg(long, value_name = "N", conflicts_with = "token_label")]
    #[serde(default)]
    pub slot: Option<u64>,
    /// Read only the token with this label.
    #[arg(long, value_name = "LABEL")]
    #[serde(default)]
    pub token_label: Option<String>,
    /// Environment variable holding the user PIN (without a PIN only public
    /// objects are visible).
    #[arg(long, value_name = "VAR")]
    #[serde(default)]
    pub pin_env: Option<String>,
    /// File whose first line is the user PIN.
    #[arg(long, value_name = "FILE")]
    #[serde(default)]
    pub pin_file: Option<PathBuf>,
    /// Longest the module may take for the whole read.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_duration)]
    #[serde(
        default = "default_timeout",
        deserialize_with = "serde_units::required_duration"
    )]
    pub timeout: Duration,
    /// Most objects read per token; more are counted and reported.
    #[arg(long, default_value_t = 10_000)]
    #[serde(default = "default_max_objects")]
    pub max_objects: usize,
    /// Read in this process rather than a child process (what the child
    /// itself is started with).
    #[arg(long, hide = true)]
    #[serde(skip)]
    pub in_process: bool,
}

/// One line for people about what was read.
fn summary(bundle: &pkimm_model::evidence::EvidenceBundle) -> String {
    let private = bundle
        .keys
        .iter()
        .filter(|k| k.class == pkimm_model::evidence::KeyClass::Private)
        .count();
    format!(
        "read {} tokens: {} keys ({private} private), {} certificates, {} problems",
        bundle.tokens.len(),
        bundle.keys.len(),
        bundle.certificates.len(),
        bundle.failures.len()
    )
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_max_objects() -> usize {
    10_000
}

impl Collector for Pkcs11Config {
    const TYPE: &'static str = "pkcs11";

    fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
        let pin = lookup_secret(self.pin_env.as_deref(), self.pin_file.as_deref())?;
        if !self.in_process {
            if let Some(exe) = super::worker::worker() {
                let bundle = super::worker::collect_in_child(exe, self, context.agent)?;
                return Ok(Collection {
                    summary: summary(&bundle),
                    bundle,
                });
            }
        }
        let selector = match (&self.slot, &self.token_label) {
            (Some(slot), _) => TokenSelector::Slot(*slot),
            (None, Some(label)) => TokenSelector::Label(label.clone()),
            (None, None) => TokenSelector::All,
        };
        let bundle = collect_pkcs11(&Pkcs11Options {
            module: self.module.clone(),
            selector,
            pin,
            timeout: self.timeout,
            max_objects: self.max_objects.max(1),
            agent: Some(context.agent.to_string()),
        })?;
        Ok(Collection {
            summary: summary(&bundle),
            bundle,
        })
    }

    fn resolve_paths(&mut self, base: &Path) {
        resolve(base, &mut self.module);
        if let Some(file) = &mut self.pin_file {
            resolve(base, file);
        }
    }
}
