//! Real servers on loopback for the collector tests, from the testkit crate
//! (shared with `pkimm demo`).

pub use pkimm_testkit::servers::*;
