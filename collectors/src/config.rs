//! Every collector's config in one enum: the `pkimm collect` subcommands
//! (clap) and the collectors of a scan job (serde, tagged by `type`).
//!
//! Adding a collector: its folder under `collectors/src/` with a config
//! struct implementing [`Collector`], its `pub mod` line in `lib.rs`, and one
//! line in the list below, which declares the variant and its dispatch. The
//! variant's doc comment is its `pkimm collect --help` text.

use std::path::Path;

use serde::{Deserialize, Deserializer};

use crate::collector::{CollectContext, CollectError, Collection, Collector};
use crate::enrolment::EnrolmentConfig;
use crate::files::FilesConfig;
use crate::inventory::InventoryConfig;
use crate::ldap::LdapConfig;
use crate::pkcs11::Pkcs11Config;
use crate::revocation::RevocationConfig;
use crate::tls::config::TLS_HELP;
use crate::tls::TlsConfig;

/// Declares [`CollectorConfig`] and its dispatch from one list of
/// `Variant(ConfigType)`.
macro_rules! collectors {
    ($( $(#[$meta:meta])* $variant:ident($config:ty), )+) => {
        /// One collector and its settings.
        #[derive(Debug, Clone, PartialEq, Deserialize, clap::Subcommand)]
        #[serde(tag = "type", rename_all = "snake_case")]
        pub enum CollectorConfig {
            $( $(#[$meta])* $variant(Box<$config>), )+
        }

        impl CollectorConfig {
            /// The type names, as written in scan configs.
            pub const TYPES: &'static [&'static str] = &[$(<$config as Collector>::TYPE),+];

            /// This collector's type name.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => <$config as Collector>::TYPE,)+
                }
            }

            /// Whether it follows the evidence collected before it.
            pub fn reads_evidence(&self) -> bool {
                match self {
                    $(Self::$variant(_) => <$config as Collector>::READS_EVIDENCE,)+
                }
            }

            /// Whether it takes its share of its targets under `--shard`.
            pub fn shards_targets(&self) -> bool {
                match self {
                    $(Self::$variant(_) => <$config as Collector>::SHARDS_TARGETS,)+
                }
            }

            /// Runs the collector.
            pub fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
                match self {
                    $(Self::$variant(c) => c.collect(context),)+
                }
            }

            /// Makes relative paths relative to `base`.
            pub fn resolve_paths(&mut self, base: &Path) {
                match self {
                    $(Self::$variant(c) => c.resolve_paths(base),)+
                }
            }

            /// Reads the config of collector `type_name` from a scan-config
            /// value: a table of its settings, or `true` where the defaults
            /// are enough. `Ok(None)` for `false` (switched off).
            pub fn deserialize_as<'de, D: Deserializer<'de>>(
                type_name: &str,
                deserializer: D,
            ) -> Result<Option<Self>, D::Error> {
                $(
                    if type_name == <$config as Collector>::TYPE {
                        return typed::<D, $config>(deserializer)
                            .map(|c| c.map(|c| Self::$variant(Box::new(c))));
                    }
                )+
                Err(serde::de::Error::unknown_variant(type_name, Self::TYPES))
            }
        }
    };
}

collectors! {
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
    Tls(TlsConfig),
    /// Follow the CDP, OCSP and AIA URLs of the certificates in bundles: fetch
    /// CRLs (HTTP, HTTPS, LDAP) and check them against their issuers, query
    /// OCSP responders and check their answers, and fetch missing issuers.
    /// Failed fetches become failure records; the exit code stays 0.
    Revocation(RevocationConfig),
    /// Read PKI objects from an LDAP directory: CA certificates, CRLs, user
    /// certificates, and Active Directory Certificate Services objects
    /// (templates with decoded flags and enrollment rights, enrollment
    /// services, NTAuth, AIA, OID group links).
    Ldap(LdapConfig),
    /// Read devices, keys and certificates from PKCS#11 tokens (HSMs, smart
    /// cards, software tokens), read-only: library, slot and token details,
    /// mechanisms, and every visible key with its protection attributes.
    /// A wrong PIN, a missing module or a hung module is an error (exit 2).
    Pkcs11(Pkcs11Config),
    /// Probe enrolment endpoints, read-only: ACME directories (meta, newNonce,
    /// Renewal Information for certificates in --from bundles), SCEP
    /// GetCACaps and GetCACert, CMP general messages for the CA certificates
    /// (per protocol version), EST cacerts and csrattrs; https endpoints also
    /// get a TLS scan. Nothing is enrolled and no credentials are sent.
    /// Endpoints that are down or answer garbage become failure records; the
    /// exit code stays 0.
    Enrolment(EnrolmentConfig),
}

/// A table of `C`'s settings, or `true` / `false`.
fn typed<'de, D, C>(deserializer: D) -> Result<Option<C>, D::Error>
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

    deserializer.deserialize_any(TableOrFlag::<C>(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subcommands_serde_tags_and_types_agree() {
        let command = <CollectorConfig as clap::Subcommand>::augment_subcommands(
            clap::Command::new("collect"),
        );
        let names: Vec<&str> = command.get_subcommands().map(|s| s.get_name()).collect();
        assert_eq!(names, CollectorConfig::TYPES);
        for name in CollectorConfig::TYPES {
            let err =
                serde_json::from_value::<CollectorConfig>(serde_json::json!({ "type": name }))
                    .map(|_| String::new())
                    .unwrap_or_else(|e| e.to_string());
            assert!(!err.contains("unknown variant"), "{name}: {err}");
        }
    }

    #[test]
    fn flags_and_tables() {
        let revocation =
            CollectorConfig::deserialize_as("revocation", serde_json::json!(true)).unwrap();
        assert_eq!(revocation.unwrap().type_name(), "revocation");
        assert!(
            CollectorConfig::deserialize_as("tls", serde_json::json!(false))
                .unwrap()
                .is_none()
        );
        let err = CollectorConfig::deserialize_as("files", serde_json::json!(true)).unwrap_err();
        assert!(err.to_string().contains("not enough"), "{err}");
        let files = CollectorConfig::deserialize_as(
            "files",
            serde_json::json!({ "paths": ["certs"], "max_file_size": "1M" }),
        )
        .unwrap()
        .unwrap();
        let CollectorConfig::Files(files) = files else {
            panic!("files");
        };
        assert_eq!(files.max_file_size, 1024 * 1024);
        let err = CollectorConfig::deserialize_as("gopher", serde_json::json!({})).unwrap_err();
        assert!(err.to_string().contains("gopher"), "{err}");
    }
}
