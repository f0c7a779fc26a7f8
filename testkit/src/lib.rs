//! Loopback servers and PKIs for `pkimm demo` and the pkimm tests.
//!
//! - [`demo`]: the demo estate (fixture files, a fresh PKI on loopback TLS
//!   endpoints, CRL/AIA/OCSP publication);
//! - [`tls`], [`http`], [`ocsp`]: in-process servers both use;
//! - [`pki`], [`openssl`], [`daemon`]: test PKIs and real servers from
//!   Debian packages (`openssl s_server`, `openssl ocsp`, Dovecot, vsftpd,
//!   Prosody) for the end-to-end tests; [`servers`] gathers what those tests
//!   use; [`enrolment`] runs pebble, scepserver, `openssl cmp` and
//!   acme2certifier, [`samba`] a throwaway Samba AD DC. Test fixtures panic when they cannot be set up; what the demo uses
//!   returns errors.
//! - [`net`] finds free ports and waits for servers.
//!
//! Every server listens on loopback only.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod daemon;
pub mod demo;
pub mod enrolment;
pub mod http;
pub mod net;
pub mod ocsp;
pub mod openssl;
pub mod pki;
pub mod pq;
pub mod python;
pub mod samba;
pub mod servers;
pub mod tls;
