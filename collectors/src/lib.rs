//! Evidence collectors for pkimm.
//!
//! This crate is the home of one module per evidence source (TLS endpoints,
//! CRL/OCSP/AIA, LDAP directories, certificate files and inventory exports).
//! No collector has landed yet: see the project's open issues.

#![forbid(unsafe_code)]
