//! End-to-end tests of the `pkimm` binary.

mod browser;
mod servers;
mod support;

mod agent;
mod assess_report;
mod cli_help;
mod collect;
mod collect_ldap;
mod collect_revocation;
mod collect_tls;
mod evaluate;
mod model_show;
mod postgres;
mod scan;
mod scan_config;
mod score;
