//! The compact PKIMM 1.1.0 model compiled into pkimm.
//!
//! It holds the ids, names and weights of the official model with short
//! descriptions written for pkimm. `pkimm --model FILE` loads the official file
//! instead, with its full guidance and assessment texts.

use std::sync::OnceLock;

use crate::load::parse_model;
use crate::model::{Model, ModelSource};

/// The compact model's YAML text.
pub const EMBEDDED_MODEL_YAML: &str = include_str!("../data/pkimm-model-1.1.0.compact.yaml");

/// The version of the embedded model.
pub const EMBEDDED_MODEL_VERSION: &str = "1.1.0";

/// The embedded PKIMM 1.1.0 model, parsed once.
pub fn embedded_model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        parse_model(
            "<embedded model>",
            EMBEDDED_MODEL_YAML,
            ModelSource::Embedded,
        )
        // The text is compiled in and checked by the tests below; failing here
        // is a build defect, not an input error.
        .unwrap_or_else(|err| panic!("embedded model is invalid: {err}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_has_pkimm_shape() {
        let model = embedded_model();
        assert_eq!(model.version, EMBEDDED_MODEL_VERSION);
        assert_eq!(model.modules.len(), 4);
        assert_eq!(model.categories().count(), 16);
        assert_eq!(model.category("5").unwrap().name, "Cryptography");
        assert_eq!(model.requirement("7.3").unwrap().weight, 4);
        assert_eq!(model.total_category_weight(), 52);
    }
}
