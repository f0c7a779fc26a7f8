//! Every collector's config in one enum: the `pkimm collect` subcommands
//! (clap) and the collectors of a scan job (serde, tagged by `type`).
//!
//! Adding a collector: its folder under `collectors/src/` with a config
//! struct implementing [`Collector`], and one variant here (plus its arm in
//! the three `match`es below, which the compiler points at).

use std::path::Path;

use serde::{Deserialize, Deserializer};

use crate::collector::{CollectContext, CollectError, Collection, Collector};
use crate::files::FilesConfig;
use crate::inventory::InventoryConfig;
use crate::ldap::LdapConfig;
use crate::revocation::RevocationConfig;
use crate::tls::config::TLS_HELP;
use crate::tls::TlsConfig;

/// One collector and its settings.
#[derive(Debug, Clone, PartialEq, Deserialize, clap::Subcommand)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CollectorConfig {
    /// Parse certificate and CRL files (PEM, DER, PKCS#7, PKCS#12) found under
    /// the given paths. Unparseable files become failure records; the exit code
    /// stays 0.
    Files(FilesConfig),
    /// Import a CSV export of issued certificates (needs a serial column and an
    /// issuer or SHA-256 fingerprint column).
    Inventory(InventoryConfig),
    /// Scan TLS endpoints: served chain and its validation, protocol versions
    /// (including SSLv3, TLS 1.0 and 1.1 by a legacy probe), accepted cipher
    /// suites, ALPN, OCSP staple, SCTs and handshake time. Unreachable or
    /// broken endpoints become failure records; the exit code stays 0.
    #[command(after_help = TLS_HELP)]
    Tls(Box<TlsConfig>),
    /// Follow the CDP, OCSP and AIA URLs of the certificates in bundles: fetch
    /// CRLs (HTTP, HTTPS, LDAP) and check them against their issuers, query
    /// OCSP responders and check their answers, and fetch missing issuers.
    /// Failed fetches become failure records; the exit code stays 0.
    Revocation(Box<RevocationConfig>),
    /// Read PKI objects from an LDAP directory: CA certificates, CRLs, user
    /// certificates, and Active Directory Certificate Services objects
    /// (templates with decoded flags and enrollment rights, enrollment
    /// services, NTAuth, AIA, OID group links).
    Ldap(Box<LdapConfig>),
}

impl CollectorConfig {
    /// The type names, as written in scan configs.
    pub const TYPES: &'static [&'static str] = &[
        FilesConfig::TYPE,
        InventoryConfig::TYPE,
        TlsConfig::TYPE,
        RevocationConfig::TYPE,
        LdapConfig::TYPE,
    ];

    /// This collector's type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Files(_) => FilesConfig::TYPE,
            Self::Inventory(_) => InventoryConfig::TYPE,
            Self::Tls(_) => TlsConfig::TYPE,
            Self::Revocation(_) => RevocationConfig::TYPE,
            Self::Ldap(_) => LdapConfig::TYPE,
        }
    }

    /// Whether it follows the evidence collected before it.
    pub fn reads_evidence(&self) -> bool {
        match self {
            Self::Files(_) => FilesConfig::READS_EVIDENCE,
            Self::Inventory(_) => InventoryConfig::READS_EVIDENCE,
            Self::Tls(_) => TlsConfig::READS_EVIDENCE,
            Self::Revocation(_) => RevocationConfig::READS_EVIDENCE,
            Self::Ldap(_) => LdapConfig::READS_EVIDENCE,
        }
    }

    /// Runs the collector.
    pub fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
        match self {
            Self::Files(c) => c.collect(context),
            Self::Inventory(c) => c.collect(context),
            Self::Tls(c) => c.collect(context),
            Self::Revocation(c) => c.collect(context),
            Self::Ldap(c) => c.collect(context),
        }
    }

    /// Makes relative paths relative to `base`.
    pub fn resolve_paths(&mut self, base: &Path) {
        match self {
            Self::Files(c) => c.resolve_paths(base),
            Self::Inventory(c) => c.resolve_paths(base),
            Self::Tls(c) => c.resolve_paths(base),
            Self::Revocation(c) => c.resolve_paths(base),
            Self::Ldap(c) => c.resolve_paths(base),
        }
    }

    /// Reads the config of collector `type_name` from a scan-config value: a
    /// table of its settings, or `true` where the defaults are enough.
    /// `Ok(None)` for `false` (the collector is switched off).
    pub fn deserialize_as<'de, D: Deserializer<'de>>(
        type_name: &str,
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        match type_name {
            FilesConfig::TYPE => typed(deserializer, Self::Files),
            InventoryConfig::TYPE => typed(deserializer, Self::Inventory),
            TlsConfig::TYPE => typed(deserializer, |c| Self::Tls(Box::new(c))),
            RevocationConfig::TYPE => typed(deserializer, |c| Self::Revocation(Box::new(c))),
            LdapConfig::TYPE => typed(deserializer, |c| Self::Ldap(Box::new(c))),
            other => Err(serde::de::Error::unknown_variant(other, Self::TYPES)),
        }
    }
}

/// A table of `C`'s settings, or `true` / `false`.
fn typed<'de, D, C>(
    deserializer: D,
    wrap: impl FnOnce(C) -> CollectorConfig,
) -> Result<Option<CollectorConfig>, D::Error>
where
    D: Deserializer<'de>,
    C: Collector + Deserialize<'de>,
{
    struct TableOrFlag<C>(std::marker::PhantomData<C>);

    impl<'de, C: Collector + Deserialize<'de>> serde::de::Visitor<'de> for TableOrFlag<C> {
        type Value = Option<C>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            if C::from_flag().is_some() {
                write!(f, "a table of {} settings, or true or false", C::TYPE)
            } else {
                write!(f, "a table of {} settings", C::TYPE)
            }
        }

        fn visit_bool<E: serde::de::Error>(self, enabled: bool) -> Result<Self::Value, E> {
            match (enabled, C::from_flag()) {
                (false, _) => Ok(None),
                (true, Some(config)) => Ok(Some(config)),
                (true, None) => Err(E::custom(format!(
                    "`{} = true` is not enough: give a table of its settings",
                    C::TYPE
                ))),
            }
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            C::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }

    deserializer
        .deserialize_any(TableOrFlag::<C>(std::marker::PhantomData))
        .map(|c| c.map(wrap))
}
