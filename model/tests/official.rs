//! The embedded models against the official PKIMM files in `fixtures/official/`.

use std::path::PathBuf;

use pkimm_model::{
    embedded_model, embedded_model_version, load_extension_file, load_model_file, Model,
    ModelSource,
};

fn official(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/official")
        .join(name)
}

/// Requirement titles the embedded models correct; everything else must be equal.
const ERRATA: &[(&str, &str, &str)] = &[(
    "2.1",
    "he scope of policies is defined and documented",
    "The scope of policies is defined and documented",
)];

/// Ids, names, weights, level names and reference ids of `embedded` equal
/// those of `official`.
fn same_facts(official: &Model, embedded: &Model) {
    assert_eq!(official.version, embedded.version);
    assert_eq!(official.scheme, embedded.scheme);
    assert_eq!(official.level_names, embedded.level_names);
    assert_eq!(official.modules.len(), embedded.modules.len());
    for (o, e) in official.modules.iter().zip(&embedded.modules) {
        assert_eq!((&o.id, &o.name), (&e.id, &e.name));
        assert_eq!(o.categories.len(), e.categories.len(), "module {}", o.id);
        for (oc, ec) in o.categories.iter().zip(&e.categories) {
            assert_eq!(
                (&oc.id, &oc.name, oc.weight, oc.position),
                (&ec.id, &ec.name, ec.weight, ec.position),
                "category {}",
                oc.id
            );
            let names = |c: &pkimm_model::Category| -> Vec<(u8, String)> {
                c.levels
                    .iter()
                    .map(|l| (l.number, l.name.clone()))
                    .collect()
            };
            if !ec.levels.is_empty() {
                assert_eq!(names(oc), names(ec), "category {} levels", oc.id);
            }
            assert_eq!(
                oc.requirements.len(),
                ec.requirements.len(),
                "category {}",
                oc.id
            );
            for (or, er) in oc.requirements.iter().zip(&ec.requirements) {
                assert_eq!((&or.id, or.weight), (&er.id, er.weight));
                assert_eq!(or.reference_ids, er.reference_ids, "requirement {}", or.id);
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
fn embedded_facts_equal_the_official_models() {
    for (version, file) in [
        ("2.0.0", "2.0.0/pkimm-model-2.0.0.yaml"),
        ("1.1.0", "pkimm-model-1.1.0.yaml"),
        ("1.0.0", "pkimm-model-1.0.0.yaml"),
    ] {
        let official = load_model_file(&official(file)).unwrap();
        same_facts(&official, embedded_model_version(version).unwrap());
    }
    assert_eq!(embedded_model().version, "2.0.0");
}

#[test]
fn official_2_0_0_loads_with_its_references() {
    let model = load_model_file(&official("2.0.0/pkimm-model-2.0.0.yaml")).unwrap();
    assert_eq!(model.categories().count(), 16);
    assert_eq!(model.requirements().count(), 77);
    assert_eq!(model.level_name(2), "Foundational");
    let validation = model
        .requirement("G.policies-and-documentation.validation-requirements")
        .unwrap();
    assert!(validation.assessment.as_deref().unwrap_or("").len() > 50);
    let rfc5280 = model.reference(&validation.reference_ids[0]).unwrap();
    assert!(rfc5280.title.contains("5280"), "{}", rfc5280.title);
    assert_eq!(
        model
            .category("M.certificate-management")
            .unwrap()
            .levels
            .len(),
        5
    );
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
fn official_pqc_extensions_load_against_their_models() {
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

    let v2 = embedded_model();
    let pqc6 =
        load_extension_file(&official("2.0.0/extensions/pqc-extension-0.6.0.yaml"), v2).unwrap();
    assert_eq!(pqc6.version, "0.6.0");
    assert_eq!(pqc6.relevance.len(), 5);
    assert!(pqc6
        .relevance_for("G.cryptography")
        .is_some_and(|r| r.references.contains("NIST")));
    assert!(pqc6
        .requirement_overlay("G.strategy-and-vision.architecture")
        .is_some());
    assert!(load_extension_file(&official("pqc-extension.yaml"), v2).is_err());
}
