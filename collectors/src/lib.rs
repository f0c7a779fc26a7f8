//! Evidence collectors for pkimm.
//!
//! - [`parse`]: certificates and CRLs from PEM, DER, PKCS#7 and PKCS#12 into
//!   evidence records (pure, no I/O);
//! - [`files`]: walks paths and parses every certificate and CRL file;
//! - [`inventory`]: imports a CSV export of issued certificates;
//! - [`tls`]: scans TLS endpoints (rustls handshakes plus a legacy probe).
//!
//! Every collector turns failures into [`pkimm_model::evidence::Failure`]
//! records instead of aborting: a failed observation is evidence too.

#![forbid(unsafe_code)]

pub mod files;
pub mod inventory;
pub mod ldap;
pub mod parse;
pub mod revocation;
pub mod tls;
