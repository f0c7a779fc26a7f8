//! End-to-end tests of the `pkimm` binary.

mod support;

mod cli_help;
mod collect;
mod evaluate;
mod model_show;
mod score;
