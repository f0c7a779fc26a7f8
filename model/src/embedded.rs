//! The compact models compiled into pkimm: PKIMM 2.0.0 (the default), the
//! 1.1.0 draft and 1.0.0, so an assessment made against any of them scores
//! with its own model.
//!
//! They hold the ids, names, weights (and for 2.0.0 the level names and
//! reference ids) of the official models with short descriptions written for
//! pkimm. `pkimm --model FILE` loads an official file instead, with its full
//! guidance and assessment texts.

use std::sync::OnceLock;

use crate::load::parse_model;
use crate::model::{Model, ModelSource};

/// The compact 2.0.0 model's YAML text.
pub const EMBEDDED_MODEL_YAML: &str = include_str!("../data/pkimm-model-2.0.0.compact.yaml");

/// The version of the default embedded model.
pub const EMBEDDED_MODEL_VERSION: &str = "2.0.0";

/// Every embedded version with its YAML text, newest first.
pub const EMBEDDED_MODELS: [(&str, &str); 3] = [
    ("2.0.0", EMBEDDED_MODEL_YAML),
    (
        "1.1.0",
        include_str!("../data/pkimm-model-1.1.0.compact.yaml"),
    ),
    (
        "1.0.0",
        include_str!("../data/pkimm-model-1.0.0.compact.yaml"),
    ),
];

/// The default embedded model, PKIMM 2.0.0.
pub fn embedded_model() -> &'static Model {
    embedded_model_version(EMBEDDED_MODEL_VERSION)
        .unwrap_or_else(|| panic!("the default model {EMBEDDED_MODEL_VERSION} is embedded"))
}

/// The embedded model of `version`, if pkimm has one.
pub fn embedded_model_version(version: &str) -> Option<&'static Model> {
    static MODELS: OnceLock<Vec<Model>> = OnceLock::new();
    let models = MODELS.get_or_init(|| {
        EMBEDDED_MODELS
            .iter()
            .map(|(version, text)| {
                parse_model(
                    &format!("<embedded model {version}>"),
                    text,
                    ModelSource::Embedded,
                )
                // The texts are compiled in and checked by the tests below;
                // failing here is a build defect, not an input error.
                .unwrap_or_else(|err| panic!("embedded model {version} is invalid: {err}"))
            })
            .collect()
    });
    models.iter().find(|m| m.version == version)
}

/// The official PKIMM 2.0.0 model file (MIT, PKI Consortium; see
/// `data/PKIMM-LICENSE`), for its guidance and assessment texts.
const OFFICIAL_2_0_0_YAML: &str = include_str!("../data/pkimm-model-2.0.0.official.yaml");

/// The official model of `version` with its full guidance and assessment
/// texts, where pkimm carries it (2.0.0): what a front end shows beside a
/// requirement when the model in use is the compact one.
pub fn official_texts(version: &str) -> Option<&'static Model> {
    static OFFICIAL: OnceLock<Option<Model>> = OnceLock::new();
    if version != "2.0.0" {
        return None;
    }
    OFFICIAL
        .get_or_init(|| {
            parse_model(
                "<official model 2.0.0>",
                OFFICIAL_2_0_0_YAML,
                ModelSource::Embedded,
            )
            .ok()
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IdScheme;

    #[test]
    fn embedded_models_have_pkimm_shape() {
        let model = embedded_model();
        assert_eq!(model.version, EMBEDDED_MODEL_VERSION);
        assert_eq!(model.scheme, IdScheme::Stable);
        assert_eq!(model.modules.len(), 4);
        assert_eq!(model.categories().count(), 16);
        assert_eq!(model.requirements().count(), 77);
        assert_eq!(model.level_name(2), "Foundational");
        let crypto = model.category("G.cryptography").unwrap();
        assert_eq!((crypto.key.as_str(), crypto.position), ("cryptography", 5));
        let lifecycle = model
            .requirement("M.certificate-management.cert-lifecycle")
            .unwrap();
        assert_eq!((lifecycle.weight, lifecycle.position), (4, 2));
        assert_eq!(model.total_category_weight(), 52);

        let draft = embedded_model_version("1.1.0").unwrap();
        assert_eq!(draft.requirement("7.3").unwrap().weight, 4);
        assert_eq!(draft.level_name(2), "Basic");
        let v1 = embedded_model_version("1.0.0").unwrap();
        assert_eq!(v1.categories().count(), 15);
        assert_eq!(v1.requirements().count(), 72);
        assert!(embedded_model_version("3.0.0").is_none());
    }

    #[test]
    fn short_forms_resolve() {
        let model = embedded_model();
        for text in [
            "M.certificate-management.cert-inventory",
            "certificate-management.cert-inventory",
            "cert-inventory",
            "7.4",
        ] {
            let (r, _) = model.resolve_requirement(text).unwrap();
            assert_eq!(r.id, "M.certificate-management.cert-inventory", "{text}");
        }
        assert!(model.resolve_requirement("bogus").is_err());
        let (c, _) = model.resolve_category("7").unwrap();
        assert_eq!(c.id, "M.certificate-management");
        let (c, _) = model.resolve_category("Certificate management").unwrap();
        assert_eq!(c.id, "M.certificate-management");
    }

    #[test]
    fn official_texts_match_the_compact_model() {
        let official = official_texts("2.0.0").expect("the official 2.0.0 model parses");
        let compact = embedded_model();
        let ids = |m: &Model| {
            m.requirements()
                .map(|r| (r.id.clone(), r.weight))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(official), ids(compact));
        let lifecycle = official
            .requirement("M.certificate-management.cert-lifecycle")
            .unwrap();
        assert!(lifecycle.guidance.as_deref().is_some_and(|g| g.len() > 100));
        assert!(official_texts("1.0.0").is_none());
    }
}
