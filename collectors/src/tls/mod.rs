//! The TLS endpoint collector.
//!
//! Each endpoint gets:
//! 1. a full rustls handshake (TLS 1.3 and 1.2) with a verifier that records
//!    and accepts everything ([`handshake`]);
//! 2. hand-built ClientHellos for TLS 1.2, 1.1, 1.0 and SSLv3 that read the
//!    server's first flight in clear and hang up ([`hello`], [`probe`]);
//! 3. cipher suite enumeration under the newest of those versions;
//! 4. chain validation against the configured trust store
//!    ([`crate::trust`]).
//!
//! STARTTLS protocols ([`starttls`]) run before either kind of handshake.
//! Connection handling (time-outs, retries, rate limit) is in [`dial`]; the
//! concurrent scan and the evidence it builds are in [`scan`].

pub mod ciphers;
pub mod config;
pub mod dial;
pub mod enumerate;
pub mod handshake;
pub mod hello;
pub mod probe;
pub mod scan;
pub mod starttls;
pub mod target;

pub use crate::trust::{TrustSource, TrustStore};
pub use config::TlsConfig;
pub use scan::{scan, TlsOptions, TlsSummary};
pub use target::{parse_target, read_target_file, Starttls, Target, TargetDefaults};
