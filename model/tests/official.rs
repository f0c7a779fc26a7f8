//! The embedded model against the official PKIMM files in `fixtures/official/`.

use std::path::PathBuf;

use pkimm_model::{embedded_model, load_extension_file, load_model_file, ModelSource};

fn official(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/official")
        .join(name)
}

/// Requirement titles the embedded model corrects; everything else must be equal.
const ERRATA: &[(&str, &str, &str)] = &[(
    "2.1",
    "he scope of policies is defined and documented",
    "The scope of policies is defined and documented",
)];

#[test]
fn embedded_facts_equal_the_official_1_1_0_model() {
    let official = load_model_file(&official("pkimm-model-1.1.0.yaml")).unwrap();
    let embedded = embedded_model();
    assert_eq!(official.version, embedded.version);
    assert_eq!(official.modules.len(), embedded.modules.len());
    for (o, e) in official.modules.iter().zip(&embedded.modules) {
        assert_eq!((&o.id, &o.name), (&e.id, &e.name));
        assert_eq!(o.categories.len(), e.categories.len(), "module {}", o.id);
        for (oc, ec) in o.categories.iter().zip(&e.categories) {
            assert_eq!(
                (&oc.id, &oc.name, oc.weight),
                (&ec.id, &ec.name, ec.weight),
                "category {}",
                oc.id
            );
            assert_eq!(
                oc.requirements.len(),
                ec.requirements.len(),
                "category {}",
                oc.id
            );
            for (or, er) in oc.requirements.iter().zip(&ec.requirements) {
                assert_eq!((&or.id, or.weight), (&er.id, er.weight));
                let expected = ERRATA
                    .iter()
                    .find(|(id, official_name, _)| *id == or.id && *official_name == or.name)
                    .map_or(or.name.as_str(), |(_, _, fixed)| fixed);
                assert_eq!(expected, er.name, "requirement {}", or.id);
            }
        }
    }
    assert_eq!(embedded.source, ModelSource::Embedded);
}

#[test]
fn official_1_1_0_keeps_the_full_texts() {
    let model = load_model_file(&official("pkimm-model-1.1.0.yaml")).unwrap();
    let requirement = model.requirement("7.3").unwrap();
    assert!(requirement.guidance.as_deref().unwrap_or("").len() > 50);
    assert_eq!(model.category("7").unwrap().levels.len(), 5);
}

#[test]
fn official_1_0_0_has_no_cryptography_category() {
    let model = load_model_file(&official("pkimm-model-1.0.0.yaml")).unwrap();
    assert_eq!(model.version, "1.0.0");
    assert_eq!(model.categories().count(), 15);
    assert!(model.categories().all(|c| c.name != "Cryptography"));
    assert_eq!(model.category("5").unwrap().name, "Key management");
}

#[test]
fn official_pqc_extension_loads_against_1_1_0_only() {
    let model = load_model_file(&official("pkimm-model-1.1.0.yaml")).unwrap();
    let pqc = load_extension_file(&official("pqc-extension.yaml"), &model).unwrap();
    assert_eq!(pqc.id, "pqc");
    assert!(pqc.floor_score);
    assert_eq!(pqc.relevance.len(), 4);
    assert_eq!(pqc.scope(&model).len(), 4);

    let old = load_model_file(&official("pkimm-model-1.0.0.yaml")).unwrap();
    let err = load_extension_file(&official("pqc-extension.yaml"), &old).unwrap_err();
    let source = std::error::Error::source(&err).expect("a located cause");
    let message = format!("{err}: {source}");
    assert!(message.contains("pqc-extension.yaml"), "{message}");
    assert!(message.contains("extension.compatibility"), "{message}");
}
