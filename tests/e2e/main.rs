//! End-to-end tests of the `pkimm` binary.

mod browser;
mod cdp;
mod servers;
mod support;

mod agent;
mod artifacts;
mod assess_report;
mod benchmark;
mod cbom;
mod cli_help;
mod collect;
mod collect_ad;
mod collect_enrolment;
mod collect_ldap;
mod collect_pkcs11;
mod collect_revocation;
mod collect_tls;
mod duplicate_keys;
mod evaluate;
mod hardening;
mod model_show;
mod model_versions;
mod oscal;
mod postgres;
mod prefill_ceilings;
mod scan;
mod scan_config;
mod score;
mod serve;
mod tls_depth;
