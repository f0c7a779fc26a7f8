//! One module per command. Each parses its arguments, calls the library
//! crates and prints; none imports another.

pub mod agent;
pub mod assess;
pub mod benchmark;
pub mod collect;
pub mod compare;
pub mod config_check;
pub mod confirm;
pub mod demo;
pub mod diff;
pub mod evaluate;
pub mod history_list;
pub mod migrate;
pub mod model_show;
pub mod policy;
pub mod report;
pub mod rules_list;
pub mod rules_test;
pub mod scan;
pub mod schema;
pub mod score;
pub mod serve;
pub mod validate;
