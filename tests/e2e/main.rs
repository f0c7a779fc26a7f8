//! End-to-end tests of the `pkimm` binary.

mod servers;
mod support;

mod cli_help;
mod collect;
mod collect_tls;
mod evaluate;
mod model_show;
mod score;
