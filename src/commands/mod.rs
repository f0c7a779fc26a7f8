//! One module per command.

pub mod model_show;
pub mod score;
pub mod validate;
