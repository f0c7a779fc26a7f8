//! Evidence collectors for pkimm.
//!
//! Every collector implements one trait, [`Collector`]: a config struct that is
//! at once its `pkimm collect` arguments (clap) and its scan-config section
//! (serde) turns a [`CollectContext`] into a [`Collection`]. The configs are
//! listed once, in [`CollectorConfig`]. The collectors:
//!
//! - [`files`]: walks paths and parses every certificate and CRL file;
//! - [`inventory`]: imports a CSV export of issued certificates;
//! - [`tls`]: scans TLS endpoints (rustls handshakes plus a legacy probe);
//! - [`revocation`]: follows CDP, OCSP and AIA URLs;
//! - [`ldap`]: reads PKI and AD CS objects from a directory;
//! - [`pkcs11`]: reads devices and keys from PKCS#11 tokens;
//! - [`enrolment`]: probes ACME, SCEP, CMP and EST enrolment endpoints.
//!
//! Shared pieces: [`parse`] (certificates, CRLs and OCSP responses from PEM,
//! DER, PKCS#7 and PKCS#12 into evidence records; pure, no I/O), [`trust`]
//! (the one trust-anchor loader), [`http`] (bounded HTTP fetching with an
//! address policy on every hop) and [`runtime`] (the one tokio runtime
//! builder).
//!
//! Every collector turns failures into [`pkimm_model::evidence::Failure`]
//! records instead of aborting: a failed observation is evidence too.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod collector;
pub mod config;
pub mod enrolment;
pub mod files;
pub mod http;
pub mod inventory;
pub mod ldap;
pub mod parse;
pub mod pkcs11;
pub mod revocation;
pub mod runtime;
pub mod shard;
pub mod tls;
pub mod trust;

pub use collector::{CollectContext, CollectError, Collection, Collector};
pub use config::CollectorConfig;
