//! One module per command.

pub mod collect_common;
pub mod collect_files;
pub mod collect_inventory;
pub mod model_show;
pub mod score;
pub mod validate;
