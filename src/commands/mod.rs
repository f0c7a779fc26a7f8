//! One module per command.

pub mod agent;
pub mod assess;
pub mod collect_common;
pub mod collect_files;
pub mod collect_inventory;
pub mod collect_ldap;
pub mod collect_revocation;
pub mod collect_tls;
pub mod confirm;
pub mod demo;
pub mod evaluate;
pub mod model_show;
pub mod policy;
pub mod report;
pub mod rules_list;
pub mod rules_test;
pub mod scan;
pub mod score;
pub mod validate;
